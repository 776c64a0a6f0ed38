/* http.c: HTTP requests made by the host on a guest's behalf, with libcurl.
 *
 * Each hop: parse the URL with libcurl's URL API, match the allow-list,
 * resolve the name here (or through the test override), check every address
 * against the block list, then pin those addresses with CURLOPT_RESOLVE and
 * check again in CURLOPT_OPENSOCKETFUNCTION — the address actually connected
 * is always one that passed, so DNS rebinding and numeric-host tricks meet the
 * same check. Redirects are never followed by curl: we follow them (bounded)
 * and every hop starts over. Proxies are off; body, headers and time capped.
 */
#include "sandbox/sandbox_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <strings.h>
#include <curl/curl.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define HTTP_MAX_HEADER_BYTES (64u << 10)
#define HTTP_MAX_URL 8192

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

void sandbox_http_response_init(sandbox_http_response *r)
{
    memset(r, 0, sizeof *r);
    bx_buf_init(&r->headers, HTTP_MAX_HEADER_BYTES);
    bx_buf_init(&r->body, BX_BUF_UNLIMITED);
}

void sandbox_http_response_release(sandbox_http_response *r)
{
    bx_buf_release(&r->headers);
    bx_buf_release(&r->body);
    bx_free(r->final_url);
    r->final_url = NULL;
}

/* One transfer's state, shared with curl's callbacks. */
typedef struct hop {
    const sandbox_net *net;
    const atomic_bool *cancel;
    sandbox_http_response *resp;
    bool body_too_big, headers_too_big, socket_denied;
    char why[384];
} hop;

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    hop *h = ud;
    size_t len = size * n;
    if (bx_buf_append(&h->resp->body, p, len)) {
        h->body_too_big = true;
        return 0; /* aborts the transfer */
    }
    return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    hop *h = ud;
    size_t len = size * n;
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        bx_buf_reset(&h->resp->headers); /* a new response (after 100 Continue) */
        return len;
    }
    while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\r'))
        len--;
    if (len == 0)
        return size * n;
    if (bx_buf_append(&h->resp->headers, p, len) || bx_buf_putc(&h->resp->headers, '\n')) {
        h->headers_too_big = true;
        return 0;
    }
    return size * n;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    BX_UNUSED(dt), BX_UNUSED(dn), BX_UNUSED(ut), BX_UNUSED(un);
    hop *h = ud;
    return h->cancel && atomic_load_explicit(h->cancel, memory_order_relaxed) ? 1 : 0;
}

static curl_socket_t on_open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *addr)
{
    hop *h = ud;
    if (purpose != CURLSOCKTYPE_IPCXN ||
        sandbox_net_check_addr(h->net, &addr->addr, h->why, sizeof h->why)) {
        if (purpose != CURLSOCKTYPE_IPCXN)
            snprintf(h->why, sizeof h->why, "network access denied: unexpected socket type");
        h->socket_denied = true;
        return CURL_SOCKET_BAD;
    }
    return socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
}

/* getaddrinfo bounded by the request's deadline and the cancel flag:
 * glibc's asynchronous lookup, waited for in short slices. */
static int lookup(const char *host, uint64_t deadline_ns, const atomic_bool *cancel,
                  struct addrinfo **out)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct gaicb req = {.ar_name = host, .ar_request = &hints};
    struct gaicb *list[1] = {&req};
    int rc = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
    if (rc != 0)
        return rc;
    for (;;) {
        rc = gai_error(&req);
        if (rc != EAI_INPROGRESS)
            break;
        uint64_t now = bx_mono_ns();
        if (now >= deadline_ns || (cancel && atomic_load_explicit(cancel, memory_order_relaxed))) {
            if (gai_cancel(&req) == EAI_CANCELED)
                return EAI_AGAIN;
            /* Being processed: it still writes into req, which lives on
             * this stack, so wait for the resolver's own timeout. */
            const struct gaicb *wait[1] = {&req};
            while (gai_error(&req) == EAI_INPROGRESS)
                gai_suspend(wait, 1, NULL);
            if (gai_error(&req) == 0)
                freeaddrinfo(req.ar_result);
            return EAI_AGAIN;
        }
        uint64_t slice = BX_MIN(deadline_ns - now, 50000000ull);
        struct timespec ts = {(time_t)(slice / 1000000000ull), (long)(slice % 1000000000ull)};
        const struct gaicb *wait[1] = {&req};
        gai_suspend(wait, 1, &ts);
    }
    if (rc == 0)
        *out = req.ar_result;
    return rc;
}

/* Resolves `host` (no brackets) and checks every address. Fills pin with
 * "host:port:addr,addr" for CURLOPT_RESOLVE. */
static bx_err resolve_and_check(const sandbox_net *net, const char *host, unsigned port,
                                uint64_t deadline_ns, const atomic_bool *cancel, bx_buf *pin,
                                bx_error *detail)
{
    sandbox__addr addrs[SANDBOX__MAX_ADDRS];
    size_t n = 0;
    char why[384];
    const sandbox__resolve *ov = sandbox__net_override(net, host);
    if (ov) {
        memcpy(addrs, ov->addrs, ov->n_addrs * sizeof addrs[0]);
        n = ov->n_addrs;
    } else {
        struct addrinfo *res = NULL;
        int rc = lookup(host, deadline_ns, cancel, &res);
        if (rc != 0)
            return bx_error_set(detail, BX_NETWORK, -1, "could not resolve host %s: %s", host,
                                gai_strerror(rc));
        for (struct addrinfo *ai = res; ai && n < SANDBOX__MAX_ADDRS; ai = ai->ai_next) {
            if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
                ai->ai_addrlen > sizeof addrs[0].sa)
                continue;
            memcpy(&addrs[n].sa, ai->ai_addr, ai->ai_addrlen);
            addrs[n].len = ai->ai_addrlen;
            n++;
        }
        freeaddrinfo(res);
    }
    if (n == 0)
        return bx_error_set(detail, BX_NETWORK, -1, "could not resolve host %s", host);
    bx_buf_reset(pin);
    bx_err err = bx_buf_printf(pin, "%s:%u:", host, port);
    for (size_t i = 0; i < n && !err; i++) {
        /* A name with any blocked address is refused as a whole: mixing
         * public and private answers is how rebinding attacks look. */
        if (sandbox_net_check_addr(net, &addrs[i].sa.sa, why, sizeof why)) {
            uint8_t tmp[16];
            bool literal = inet_pton(AF_INET, host, tmp) == 1 || inet_pton(AF_INET6, host, tmp) == 1;
            if (literal)
                return bx_error_set(detail, BX_DENIED, -1, "%s", why);
            return bx_error_set(detail, BX_DENIED, -1, "%s (resolved from %s)", why, host);
        }
        char ip[INET6_ADDRSTRLEN];
        if (addrs[i].sa.sa.sa_family == AF_INET) {
            inet_ntop(AF_INET, &addrs[i].sa.v4.sin_addr, ip, sizeof ip);
            err = bx_buf_printf(pin, "%s%s", i ? "," : "", ip);
        } else {
            inet_ntop(AF_INET6, &addrs[i].sa.v6.sin6_addr, ip, sizeof ip);
            err = bx_buf_printf(pin, "%s[%s]", i ? "," : "", ip);
        }
    }
    return err ? bx_error_set(detail, err, -1, "resolve pin too long") : BX_OK;
}

static bool method_ok(const char *m)
{
    size_t n = strlen(m);
    if (n == 0 || n > 16)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isupper((unsigned char)m[i]))
            return false;
    return true;
}

/* Adds the guest's header lines to list; refuses control characters and
 * headers curl must own. drop_auth leaves credentials out (cross-host hop). */
static bx_err build_headers(const char *text, bool drop_auth, struct curl_slist **list,
                            bx_error *detail)
{
    static const char *const owned[] = {"host", "content-length", "transfer-encoding",
                                        "connection", "expect"};
    static const char *const auth[] = {"authorization", "cookie", "proxy-authorization"};
    if (!text)
        return BX_OK;
    const char *p = text;
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        size_t len = n;
        if (len > 0 && p[len - 1] == '\r')
            len--;
        if (len > 0) {
            const char *colon = memchr(p, ':', len);
            if (!colon || colon == p || len > 8192)
                return bx_error_set(detail, BX_INVALID, -1, "bad request header line");
            for (size_t i = 0; i < len; i++) {
                unsigned char ch = (unsigned char)p[i];
                if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
                    return bx_error_set(detail, BX_INVALID, -1,
                                        "control character in request header");
            }
            size_t nl = (size_t)(colon - p);
            for (size_t i = 0; i < nl; i++)
                if (!isalnum((unsigned char)p[i]) && !strchr("!#$%&'*+-.^_`|~", p[i]))
                    return bx_error_set(detail, BX_INVALID, -1, "bad request header name");
            bool skip = false;
            for (size_t i = 0; i < BX_ARRAY_LEN(owned); i++)
                if (strlen(owned[i]) == nl && strncasecmp(p, owned[i], nl) == 0)
                    return bx_error_set(detail, BX_INVALID, -1,
                                        "request header %.*s is set by the host", (int)nl, p);
            for (size_t i = 0; drop_auth && i < BX_ARRAY_LEN(auth); i++)
                if (strlen(auth[i]) == nl && strncasecmp(p, auth[i], nl) == 0)
                    skip = true;
            if (!skip) {
                char *line = bx_strndup(p, len);
                struct curl_slist *nl2 = curl_slist_append(*list, line);
                bx_free(line);
                if (!nl2)
                    return bx_error_set(detail, BX_NOMEM, -1, "out of memory");
                *list = nl2;
            }
        }
        p = end ? end + 1 : p + n;
    }
    return BX_OK;
}

static char *url_part(CURLU *u, CURLUPart part, unsigned flags)
{
    char *s = NULL;
    if (curl_url_get(u, part, &s, flags) != CURLUE_OK)
        return NULL;
    char *copy = bx_strdup(s);
    curl_free(s);
    return copy;
}

/* One request/response exchange to `url`; fills resp and *out_location
 * (absolute, bx_free) when it is a redirect. *first_origin is set by the
 * first hop; later hops to another origin drop credentials. */
static bx_err do_hop(const sandbox_net *net, const char *url, const char *method,
                     const sandbox_http_request *req, const atomic_bool *cancel,
                     uint64_t deadline_ns, sandbox_http_response *resp, char **out_location,
                     char **first_origin, bx_error *detail)
{
    bx_err err = BX_OK;
    CURL *curl = NULL;
    struct curl_slist *headers = NULL, *pin_list = NULL;
    char *scheme = NULL, *host = NULL, *port_s = NULL, *bare = NULL;
    bx_buf pin;
    bx_buf_init(&pin, 4096);
    hop h = {.net = net, .cancel = cancel, .resp = resp};
    char why[384];

    if (strlen(url) > HTTP_MAX_URL) {
        err = bx_error_set(detail, BX_INVALID, -1, "URL longer than %u bytes", HTTP_MAX_URL);
        goto out;
    }
    /* The scheme first, from the raw text: anything but http(s) is a denial. */
    size_t sl = 0;
    while (isalnum((unsigned char)url[sl]) || url[sl] == '+' || url[sl] == '-' || url[sl] == '.')
        sl++;
    if (sl > 0 && url[sl] == ':' && !(sl == 4 && strncasecmp(url, "http", 4) == 0) &&
        !(sl == 5 && strncasecmp(url, "https", 5) == 0)) {
        err = bx_error_set(detail, BX_DENIED, -1,
                           "network access denied: scheme %.*s (only http and https)", (int)BX_MIN(sl, 32), url);
        goto out;
    }
    CURLU *u = curl_url();
    if (!u || curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
        curl_url_cleanup(u);
        err = bx_error_set(detail, BX_INVALID, -1, "not a valid absolute URL: %.200s", url);
        goto out;
    }
    scheme = url_part(u, CURLUPART_SCHEME, 0);
    host = url_part(u, CURLUPART_HOST, 0);
    port_s = url_part(u, CURLUPART_PORT, CURLU_DEFAULT_PORT);
    char *canon = url_part(u, CURLUPART_URL, 0);
    curl_url_cleanup(u);
    for (char *q = scheme; q && *q; q++)
        *q = (char)tolower((unsigned char)*q);
    if (scheme && strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
        bx_free(canon);
        err = bx_error_set(detail, BX_DENIED, -1,
                           "network access denied: scheme %s (only http and https)", scheme);
        goto out;
    }
    if (!scheme || !host || !port_s || !canon) {
        bx_free(canon);
        err = bx_error_set(detail, BX_INVALID, -1, "URL needs a scheme and a host: %.200s", url);
        goto out;
    }
    for (char *q = host; *q; q++)
        *q = (char)tolower((unsigned char)*q);
    if (strpbrk(host, "%/\\@ ")) {
        bx_free(canon);
        err = bx_error_set(detail, BX_DENIED, -1, "network access denied: malformed host %.200s",
                           host);
        goto out;
    }
    unsigned port = (unsigned)atoi(port_s);
    if (!sandbox_net_host_allowed(net, scheme, host, port, why, sizeof why)) {
        bx_free(canon);
        err = bx_error_set(detail, BX_DENIED, -1, "%s", why);
        goto out;
    }
    /* Credentials go only to the origin they were meant for. */
    char *origin = bx_sprintf("%s://%s:%u", scheme, host, port);
    bool drop_auth = false;
    if (!*first_origin)
        *first_origin = origin;
    else {
        drop_auth = strcmp(origin, *first_origin) != 0;
        bx_free(origin);
    }
    size_t hl = strlen(host);
    bare = (host[0] == '[' && hl >= 2) ? bx_strndup(host + 1, hl - 2) : bx_strdup(host);
    if ((err = resolve_and_check(net, bare, port, deadline_ns, cancel, &pin, detail))) {
        bx_free(canon);
        goto out;
    }

    curl = curl_easy_init();
    if (!curl) {
        bx_free(canon);
        err = bx_error_set(detail, BX_NOMEM, -1, "curl_easy_init failed");
        goto out;
    }
    /* IP literals are never resolved by curl; the socket check covers them. */
    uint8_t lit[16];
    if (inet_pton(AF_INET, bare, lit) != 1 && inet_pton(AF_INET6, bare, lit) != 1)
        pin_list = curl_slist_append(NULL, pin.data);
    curl_easy_setopt(curl, CURLOPT_URL, canon);
    bx_free(canon);
    curl_easy_setopt(curl, CURLOPT_RESOLVE, pin_list);
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &h);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_PROXY, "");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
    curl_easy_setopt(curl, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    uint64_t now = bx_mono_ns();
    uint64_t left_ms = deadline_ns > now ? (deadline_ns - now) / 1000000 : 1;
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)(left_ms ? left_ms : 1));
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)net->max_response_bytes);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &h);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &h);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &h);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "boxagnts-sandbox/" BX_VERSION);
    if (net->extra_ca_file) {
        curl_easy_setopt(curl, CURLOPT_CAINFO, net->extra_ca_file);
        curl_easy_setopt(curl, CURLOPT_CAPATH, "/etc/ssl/certs");
    }
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    else if (strcmp(method, "GET") != 0)
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    if (req && req->body && req->body_len) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req->body);
        if (strcmp(method, "POST") != 0)
            curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    }
    if ((err = build_headers(req ? req->headers : NULL, drop_auth, &headers, detail)))
        goto out;
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

    bx_buf_reset(&resp->headers);
    bx_buf_reset(&resp->body);
    resp->body.max = net->max_response_bytes;
    CURLcode rc = curl_easy_perform(curl);
    if (rc != CURLE_OK) {
        if (h.socket_denied)
            err = bx_error_set(detail, BX_DENIED, -1, "%s", h.why);
        else if (h.body_too_big || rc == CURLE_FILESIZE_EXCEEDED)
            err = bx_error_set(detail, BX_TOOBIG, -1, "response body larger than %llu bytes",
                               (unsigned long long)net->max_response_bytes);
        else if (h.headers_too_big)
            err = bx_error_set(detail, BX_TOOBIG, -1, "response headers larger than %u bytes",
                               HTTP_MAX_HEADER_BYTES);
        else if (rc == CURLE_ABORTED_BY_CALLBACK)
            err = bx_error_set(detail, BX_CANCELLED, -1, "request cancelled");
        else if (rc == CURLE_OPERATION_TIMEDOUT)
            err = bx_error_set(detail, BX_TIMEOUT, -1, "request timed out");
        else
            err = bx_error_set(detail, BX_NETWORK, -1, "%s", curl_easy_strerror(rc));
        goto out;
    }
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    resp->status = status;
    if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
        char *loc = NULL;
        if (curl_easy_getinfo(curl, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc)
            *out_location = bx_strdup(loc);
    }
out:
    curl_slist_free_all(headers);
    curl_slist_free_all(pin_list);
    if (curl)
        curl_easy_cleanup(curl);
    bx_buf_release(&pin);
    bx_free(scheme);
    bx_free(host);
    bx_free(port_s);
    bx_free(bare);
    return err;
}

bx_err sandbox_http_fetch(const sandbox_net *net, const sandbox_http_request *req,
                          const atomic_bool *cancel, sandbox_http_response *out,
                          bx_error *detail)
{
    pthread_once(&curl_once, curl_init_once);
    const char *method = req->method ? req->method : "GET";
    if (!method_ok(method))
        return bx_error_set(detail, BX_INVALID, -1, "bad HTTP method");
    if (!req->url)
        return bx_error_set(detail, BX_INVALID, -1, "no URL");
    uint64_t deadline = bx_mono_ns() + (uint64_t)net->timeout_ms * 1000000ull;
    char *url = bx_strdup(req->url);
    char *first_origin = NULL;
    char *cur_method = bx_strdup(method);
    sandbox_http_request cur = *req;
    bx_err err = BX_OK;
    for (uint32_t hopn = 0;; hopn++) {
        char *location = NULL;
        err = do_hop(net, url, cur_method, &cur, cancel, deadline, out, &location, &first_origin,
                     detail);
        if (err || !location) {
            bx_free(location);
            break;
        }
        if (hopn >= net->max_redirects) {
            bx_free(location);
            err = bx_error_set(detail, BX_LIMIT, -1, "more than %u redirects", net->max_redirects);
            break;
        }
        /* 303 (and 301/302 after a non-GET) become a bodiless GET, as browsers do. */
        if (out->status == 303 || ((out->status == 301 || out->status == 302) &&
                                   strcmp(cur_method, "GET") && strcmp(cur_method, "HEAD"))) {
            bx_free(cur_method);
            cur_method = bx_strdup("GET");
            cur.body = NULL;
            cur.body_len = 0;
        }
        bx_free(url);
        url = location;
        out->redirects++;
    }
    if (!err) {
        bx_free(out->final_url);
        out->final_url = url;
        url = NULL;
    }
    bx_free(url);
    bx_free(first_origin);
    bx_free(cur_method);
    return err;
}
