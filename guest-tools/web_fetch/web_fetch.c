/* web_fetch: fetches a URL through the host's boxagnts_http import (Network
 * level) and returns it as readable Markdown or plain text. The guest has
 * no sockets: the host applies the allow-list (settings
 * allowed_outbound_hosts), refuses private, loopback, link-local and
 * metadata addresses after DNS and on every redirect, and caps size and
 * time. HTML is converted by html.c; text and JSON pass through; other
 * types are described.
 */
#include "boxagnts_http.h"
#include "html.h"
#include "tool.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_BODY (8u * 1024 * 1024)

static const tool_param params[] = {
    {"url", "string", "The http:// or https:// URL to fetch", true, "\"maxLength\":8192"},
    {"max_chars", "integer", "Maximum characters of converted content to return", false,
     "\"minimum\":100,\"maximum\":1000000,\"default\":50000"},
    {"timeout", "integer", "Timeout in seconds for the whole fetch", false, "\"minimum\":1,\"maximum\":300,\"default\":30"},
    {"extract_mode", "string", "markdown (headings, links, lists, code, tables) or text", false,
     "\"enum\":[\"markdown\",\"text\"],\"default\":\"markdown\""},
};

static const char *code_name(int32_t r)
{
    switch (r) {
    case BOXAGNTS_HTTP_DENIED: return "denied";
    case BOXAGNTS_HTTP_INVALID: return "invalid request";
    case BOXAGNTS_HTTP_NETWORK: return "network error";
    case BOXAGNTS_HTTP_TIMEOUT: return "timed out";
    case BOXAGNTS_HTTP_TOOBIG: return "response too large";
    case BOXAGNTS_HTTP_REDIRECTS: return "too many redirects";
    case BOXAGNTS_HTTP_CANCELLED: return "cancelled";
    default: return "failed";
    }
}

static int http_fail(tool_out *out, const char *url, int32_t r)
{
    char msg[1024];
    uint32_t n = 0;
    if (boxagnts_http_last_error(msg, sizeof msg - 1, &n) != 0 || n >= sizeof msg) n = 0;
    msg[n] = 0;
    if (r == BOXAGNTS_HTTP_DENIED)
        return tool_fail(out, "fetching %s was denied: %s (web_fetch may only reach hosts listed in the "
                              "allowed_outbound_hosts setting in .boxagnts/settings.json)",
                         url, n ? msg : "host not allowed");
    return tool_fail(out, "fetching %s failed (%s)%s%s", url, code_name(r), n ? ": " : "", msg);
}

/* Value of header `name` in "Name: value\n" lines, copied into out. */
static bool header(const char *h, size_t n, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i < n;) {
        const char *e = memchr(h + i, '\n', n - i);
        size_t le = e ? (size_t)(e - h) : n;
        if (le - i > nl && strncasecmp(h + i, name, nl) == 0 && h[i + nl] == ':') {
            size_t s = i + nl + 1;
            while (s < le && h[s] == ' ') s++;
            size_t l = le - s;
            while (l && (h[s + l - 1] == '\r' || h[s + l - 1] == ' ')) l--;
            if (l >= cap) l = cap - 1;
            memcpy(out, h + s, l);
            out[l] = 0;
            return true;
        }
        i = le + 1;
    }
    return false;
}

static void latin1_to_utf8(const char *s, size_t n, sb *out)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)s[i];
        if (b < 0x80) sb_putc(out, (char)b);
        else { char u[2] = {(char)(0xC0 | (b >> 6)), (char)(0x80 | (b & 0x3F))}; sb_putn(out, u, 2); }
    }
}

/* Cuts s to at most max characters (code points) at a boundary. */
static size_t cut_chars(const char *s, size_t n, size_t max, size_t *out_chars)
{
    size_t chars = 0, i = 0;
    while (i < n && chars < max) {
        unsigned char b = (unsigned char)s[i];
        size_t l = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
        if (i + l > n) break;
        i += l;
        chars++;
    }
    *out_chars = chars;
    return i;
}

static int run(const js *input, tool_out *out)
{
    const char *url = js_get_str(input, "url");
    long max_chars = tool_get_int(input, "max_chars", 50000, 100, 1000000);
    const char *mode = js_get_str(input, "extract_mode");
    bool markdown = !mode || strcmp(mode, "text") != 0;
    if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0)
        return tool_fail(out, "url must start with http:// or https://");
    static const char hdrs[] = "Accept: text/html,application/xhtml+xml,text/markdown,text/plain;q=0.9,*/*;q=0.5\n"
                               "User-Agent: boxagnts-web_fetch/0.1";
    uint32_t h = 0;
    int32_t r = boxagnts_http_request("GET", 3, url, (uint32_t)strlen(url), hdrs, sizeof hdrs - 1, "", 0, &h);
    if (r != BOXAGNTS_HTTP_OK) return http_fail(out, url, r);
    int rc = 0;
    uint32_t status = 0;
    boxagnts_http_status(h, &status);
    char *hbuf = NULL;
    uint32_t hlen = 0;
    sb body, conv;
    sb_init(&body);
    sb_init(&conv);
    char *title = NULL;
    if (boxagnts_http_headers(h, NULL, 0, &hlen) == BOXAGNTS_HTTP_BUFFER && hlen < 1024 * 1024) {
        hbuf = malloc(hlen + 1);
        if (hbuf && boxagnts_http_headers(h, hbuf, hlen, &hlen) == 0) hbuf[hlen] = 0;
        else hlen = 0;
    }
    char *chunk = malloc(65536);
    if (!chunk) { rc = tool_fail(out, "out of memory"); goto done; }
    for (;;) {
        uint32_t n = 0;
        r = boxagnts_http_read(h, chunk, 65536, &n);
        if (r != BOXAGNTS_HTTP_OK) { free(chunk); rc = http_fail(out, url, r); goto done; }
        if (n == 0) break;
        if (body.len + n > MAX_BODY) { n = (uint32_t)(MAX_BODY - body.len); }
        sb_putn(&body, chunk, n);
        if (body.len >= MAX_BODY) break;
    }
    free(chunk);
    char ctype[256] = "";
    if (hbuf) header(hbuf, hlen, "content-type", ctype, sizeof ctype);
    for (char *p = ctype; *p; p++) *p = (char)tolower((unsigned char)*p);
    bool latin1 = strstr(ctype, "iso-8859-1") || strstr(ctype, "latin1") || strstr(ctype, "windows-1252");
    const char *b = sb_str(&body);
    size_t blen = body.len;
    sb recoded;
    sb_init(&recoded);
    if (latin1) {
        latin1_to_utf8(b, blen, &recoded);
        b = sb_str(&recoded);
        blen = recoded.len;
    }
    bool is_html = strstr(ctype, "html") != NULL;
    if (!ctype[0]) {
        size_t k = 0;
        while (k < blen && isspace((unsigned char)b[k])) k++;
        is_html = k < blen && b[k] == '<';
    }
    bool is_text = is_html || !ctype[0] || strncmp(ctype, "text/", 5) == 0 || strstr(ctype, "json") ||
                   strstr(ctype, "xml") || strstr(ctype, "javascript") || strstr(ctype, "yaml");
    if (is_html) {
        html_convert(b, blen, markdown, url, &conv, &title);
    } else if (is_text) {
        sb_putn(&conv, b, blen);
    } else {
        sb_printf(&conv, "(%s content, %zu bytes: not shown as text)", ctype, blen);
    }
    sb_free(&recoded);
    size_t chars;
    size_t keep = cut_chars(sb_str(&conv), conv.len, (size_t)max_chars, &chars);
    bool truncated = keep < conv.len;
    if (title && title[0]) sb_printf(&out->content, "# %s\n\n", title);
    sb_putn(&out->content, sb_str(&conv), keep);
    if (truncated) sb_printf(&out->content, "\n\n[... content truncated at %ld characters; raise max_chars to see more]", max_chars);
    if (status >= 400) {
        out->error = true;
        sb tmp;
        sb_init(&tmp);
        sb_printf(&tmp, "HTTP %u from %s\n\n", status, url);
        sb_putn(&tmp, sb_str(&out->content), out->content.len);
        sb_free(&out->content);
        out->content = tmp;
        rc = 1;
    }
    tool_meta_str(out, "url", url);
    tool_meta_num(out, "status", status);
    tool_meta_str(out, "content_type", ctype);
    tool_meta_num(out, "bytes", (double)body.len);
    tool_meta_bool(out, "truncated", truncated);
    if (title) tool_meta_str(out, "title", title);
done:
    boxagnts_http_close(h);
    free(hbuf);
    free(title);
    sb_free(&body);
    sb_free(&conv);
    return rc;
}

static const tool_def def = {
    "web_fetch",
    "Fetches a web page (http/https) and returns it as Markdown (or plain text): headings, paragraphs, "
    "links, lists, code and tables are kept; scripts and styles dropped. Only hosts allowed by the "
    "allowed_outbound_hosts setting can be reached.",
    "network", "web, http, url, fetch, download, page, browse, internet, html",
    params, 4, run,
};

int main(int argc, char **argv) { return tool_main(&def, argc, argv); }
