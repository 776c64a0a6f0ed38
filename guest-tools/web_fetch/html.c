/* html.c: the one-pass HTML -> Markdown/text converter behind html.h.
 *
 * Output is produced through flush_pending(): text asks for "a space" or
 * "n line breaks" lazily, so runs of tags and whitespace collapse to one
 * separator and nothing is printed before the first real text. Prefixes
 * (list bullets, quote markers) are written after each line break.
 */
#include "html.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_LIST_DEPTH 16

typedef struct conv {
    sb *out;
    bool md;
    const char *base;
    char skip_tag[16]; /* inside an element whose content is dropped */
    int pre;           /* inside <pre> */
    int newlines;      /* line breaks wanted before the next text */
    bool space;        /* a space wanted before the next text */
    bool any;          /* something was written */
    char prefix[96];   /* written once after the pending breaks (bullets) */
    int quote;         /* blockquote depth */
    int list_kind[MAX_LIST_DEPTH], list_count[MAX_LIST_DEPTH], lists;
    bool in_link;
    size_t link_text_at; /* out->len just after "[" */
    char *href;
    bool in_title;
    sb title;
    int table_row;     /* rows seen in the current table */
    int row_cells;     /* cells in the current row */
    int header_cells;  /* cells of the first row */
    int code;          /* inline <code> depth */
} conv;

static void want_break(conv *c, int n)
{
    if (c->newlines < n) c->newlines = n;
}

static void flush_pending(conv *c)
{
    if (c->any && c->newlines > 0) {
        for (int k = 0; k < c->newlines && k < 2; k++) sb_putc(c->out, '\n');
        for (int q = 0; q < c->quote && c->md; q++) sb_puts(c->out, "> ");
    } else if (c->any && c->space && c->out->len && c->out->data[c->out->len - 1] != ' ' &&
               c->out->data[c->out->len - 1] != '\n') {
        sb_putc(c->out, ' ');
    } else if (!c->any) {
        for (int q = 0; q < c->quote && c->md; q++) sb_puts(c->out, "> ");
    }
    if (c->prefix[0]) {
        sb_puts(c->out, c->prefix);
        c->prefix[0] = 0;
    }
    c->newlines = 0;
    c->space = false;
    c->any = true;
}

static void put_raw(conv *c, const char *s, size_t n)
{
    flush_pending(c);
    sb_putn(c->out, s, n);
}

static void put_utf8(sb *b, unsigned cp)
{
    char o[4];
    int n;
    if (cp < 0x80) { o[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { o[0] = (char)(0xC0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
    else if (cp < 0x10000) { o[0] = (char)(0xE0 | (cp >> 12)); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[2] = (char)(0x80 | (cp & 0x3F)); n = 3; }
    else { o[0] = (char)(0xF0 | (cp >> 18)); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F)); o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F)); n = 4; }
    sb_putn(b, o, (size_t)n);
}

/* Decodes the entity at s (just after '&'); returns bytes consumed (0 if
 * not an entity) and the code point. */
static size_t entity(const char *s, size_t n, unsigned *cp)
{
    static const struct { const char *name; unsigned cp; } tab[] = {
        {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}, {"nbsp", 0xA0},
        {"mdash", 0x2014}, {"ndash", 0x2013}, {"hellip", 0x2026}, {"copy", 0xA9}, {"reg", 0xAE},
        {"trade", 0x2122}, {"laquo", 0xAB}, {"raquo", 0xBB}, {"ldquo", 0x201C}, {"rdquo", 0x201D},
        {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"bull", 0x2022}, {"middot", 0xB7}, {"euro", 0x20AC},
        {"pound", 0xA3}, {"yen", 0xA5}, {"cent", 0xA2}, {"sect", 0xA7}, {"deg", 0xB0},
        {"times", 0xD7}, {"divide", 0xF7}, {"larr", 0x2190}, {"rarr", 0x2192}, {"uarr", 0x2191},
        {"darr", 0x2193}, {"shy", 0xAD}, {"zwj", 0x200D}, {"zwnj", 0x200C},
    };
    if (n >= 2 && s[0] == '#') {
        size_t i = 1;
        unsigned long v = 0;
        bool hex = i < n && (s[i] == 'x' || s[i] == 'X');
        if (hex) i++;
        size_t st = i;
        while (i < n && i < st + 8 && (hex ? isxdigit((unsigned char)s[i]) : isdigit((unsigned char)s[i]))) {
            int d = isdigit((unsigned char)s[i]) ? s[i] - '0' : (tolower((unsigned char)s[i]) - 'a' + 10);
            v = v * (hex ? 16 : 10) + (unsigned long)d;
            i++;
        }
        if (i == st) return 0;
        if (i < n && s[i] == ';') i++;
        if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) v = 0xFFFD;
        *cp = (unsigned)v;
        return i;
    }
    for (size_t k = 0; k < sizeof tab / sizeof tab[0]; k++) {
        size_t l = strlen(tab[k].name);
        if (n > l && memcmp(s, tab[k].name, l) == 0 && s[l] == ';') {
            *cp = tab[k].cp;
            return l + 1;
        }
    }
    return 0;
}

/* Text between tags. */
static void text(conv *c, const char *s, size_t n)
{
    if (c->in_title) {
        for (size_t i = 0; i < n && c->title.len < 1000; i++) sb_putc(&c->title, isspace((unsigned char)s[i]) ? ' ' : s[i]);
        return;
    }
    for (size_t i = 0; i < n;) {
        unsigned char ch = (unsigned char)s[i];
        if (!c->pre && (ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r' || ch == '\f')) {
            c->space = true;
            i++;
            continue;
        }
        if (ch == '&') {
            unsigned cp;
            size_t used = entity(s + i + 1, n - i - 1, &cp);
            if (used) {
                if (cp == 0xA0 && !c->pre) { flush_pending(c); sb_putc(c->out, ' '); }
                else { flush_pending(c); put_utf8(c->out, cp); }
                i += used + 1;
                continue;
            }
        }
        if (c->pre && ch == '\n') {
            sb_putc(c->out, '\n');
            for (int q = 0; q < c->quote && c->md; q++) sb_puts(c->out, "> ");
            c->any = true;
            i++;
            continue;
        }
        if (c->pre && ch == '\r') { i++; continue; }
        /* a run of ordinary bytes */
        size_t st = i;
        while (i < n && s[i] != '&' && s[i] != '\n' && (c->pre || !isspace((unsigned char)s[i]))) i++;
        if (i == st) i++;
        put_raw(c, s + st, i - st);
    }
}

static bool tag_is(const char *name, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(name, *list) == 0) return true;
    return false;
}

/* Finds attribute `want` in the tag's attribute text; returns its value
 * (entity-decoded, malloc'd) or NULL. */
static char *attr(const char *a, size_t n, const char *want)
{
    size_t i = 0, wl = strlen(want);
    while (i < n) {
        while (i < n && (isspace((unsigned char)a[i]) || a[i] == '/')) i++;
        size_t ns = i;
        while (i < n && !isspace((unsigned char)a[i]) && a[i] != '=' && a[i] != '>' && a[i] != '/') i++;
        size_t nl = i - ns;
        while (i < n && isspace((unsigned char)a[i])) i++;
        const char *v = NULL;
        size_t vl = 0;
        if (i < n && a[i] == '=') {
            i++;
            while (i < n && isspace((unsigned char)a[i])) i++;
            if (i < n && (a[i] == '"' || a[i] == '\'')) {
                char q = a[i++];
                v = a + i;
                while (i < n && a[i] != q) i++;
                vl = (size_t)(a + i - v);
                if (i < n) i++;
            } else {
                v = a + i;
                while (i < n && !isspace((unsigned char)a[i]) && a[i] != '>') i++;
                vl = (size_t)(a + i - v);
            }
        }
        if (nl == 0 && !v) { i++; continue; }
        if (nl == wl && strncasecmp(a + ns, want, wl) == 0 && v) {
            sb d;
            sb_init(&d);
            for (size_t k = 0; k < vl;) {
                unsigned cp;
                size_t used = v[k] == '&' ? entity(v + k + 1, vl - k - 1, &cp) : 0;
                if (used) { put_utf8(&d, cp); k += used + 1; }
                else sb_putc(&d, v[k++]);
            }
            if (!d.data) sb_putn(&d, "", 0);
            return d.data;
        }
    }
    return NULL;
}

void html_resolve_url(const char *base, const char *href, size_t hl, sb *out)
{
    size_t i = 0;
    while (i < hl && (isalnum((unsigned char)href[i]) || href[i] == '+' || href[i] == '-' || href[i] == '.')) i++;
    if (i > 0 && i < hl && href[i] == ':') { sb_putn(out, href, hl); return; }
    if (!base || !*base) { sb_putn(out, href, hl); return; }
    const char *scheme_end = strstr(base, "://");
    if (!scheme_end) { sb_putn(out, href, hl); return; }
    const char *host = scheme_end + 3;
    const char *path = host + strcspn(host, "/?#");
    if (hl >= 2 && href[0] == '/' && href[1] == '/') {
        sb_putn(out, base, (size_t)(scheme_end - base) + 1);
        sb_putn(out, href, hl);
    } else if (hl >= 1 && href[0] == '/') {
        sb_putn(out, base, (size_t)(path - base));
        sb_putn(out, href, hl);
    } else if (hl >= 1 && href[0] == '#') {
        sb_putn(out, base, strcspn(base, "#"));
        sb_putn(out, href, hl);
    } else if (hl >= 1 && href[0] == '?') {
        sb_putn(out, base, strcspn(base, "?#"));
        sb_putn(out, href, hl);
    } else {
        size_t plen = strcspn(path, "?#");
        size_t dir = 0;
        for (size_t k = 0; k < plen; k++) if (path[k] == '/') dir = k + 1;
        sb_putn(out, base, (size_t)(path - base));
        if (dir == 0) sb_putc(out, '/');
        else sb_putn(out, path, dir);
        sb_putn(out, href, hl);
    }
}

static void start_tag(conv *c, const char *name, const char *a, size_t an, bool self_close)
{
    static const char *const skip[] = {"script", "style", "noscript", "template", "svg", "iframe",
                                       "object", "canvas", "select", NULL};
    static const char *const para[] = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
                                       "table", "figure", "dl", "form", "fieldset", NULL};
    static const char *const block[] = {"div", "section", "article", "header", "footer", "main",
                                        "nav", "aside", "address", "dd", "dt", "figcaption",
                                        "details", "summary", "caption", "center", NULL};
    if (tag_is(name, skip) && !self_close) {
        snprintf(c->skip_tag, sizeof c->skip_tag, "%s", name);
        return;
    }
    if (strcmp(name, "title") == 0 && !self_close) { c->in_title = true; return; }
    if (tag_is(name, para)) want_break(c, 2);
    else if (tag_is(name, block)) want_break(c, 1);
    if (name[0] == 'h' && name[1] >= '1' && name[1] <= '6' && !name[2]) {
        if (c->md) {
            int lvl = name[1] - '0';
            memset(c->prefix, '#', (size_t)lvl);
            c->prefix[lvl] = ' ';
            c->prefix[lvl + 1] = 0;
        }
    } else if (strcmp(name, "blockquote") == 0) {
        c->quote++;
    } else if (strcmp(name, "br") == 0) {
        if (c->any) { sb_putc(c->out, '\n'); for (int q = 0; q < c->quote && c->md; q++) sb_puts(c->out, "> "); }
        c->space = false;
    } else if (strcmp(name, "hr") == 0) {
        want_break(c, 2);
        if (c->md) { put_raw(c, "---", 3); want_break(c, 2); }
    } else if (strcmp(name, "ul") == 0 || strcmp(name, "ol") == 0 || strcmp(name, "menu") == 0) {
        if (c->lists < MAX_LIST_DEPTH) {
            c->list_kind[c->lists] = name[0] == 'o';
            c->list_count[c->lists] = 0;
        }
        c->lists++;
        want_break(c, 1);
    } else if (strcmp(name, "li") == 0) {
        want_break(c, 1);
        int d = c->lists > 0 ? c->lists - 1 : 0;
        if (d >= MAX_LIST_DEPTH) d = MAX_LIST_DEPTH - 1;
        int indent = d * 2 < 40 ? d * 2 : 40;
        bool ordered = c->lists > 0 && c->list_kind[d];
        int num = c->lists > 0 ? ++c->list_count[d] : 1;
        if (ordered) snprintf(c->prefix, sizeof c->prefix, "%*s%d. ", indent, "", num);
        else snprintf(c->prefix, sizeof c->prefix, "%*s%s", indent, "", c->md ? "- " : "* ");
    } else if (strcmp(name, "pre") == 0) {
        want_break(c, 2);
        if (c->md) { put_raw(c, "```", 3); sb_putc(c->out, '\n'); }
        else flush_pending(c);
        c->pre++;
    } else if (strcmp(name, "code") == 0 && !c->pre) {
        if (c->md) { flush_pending(c); sb_putc(c->out, '`'); }
        c->code++;
    } else if ((strcmp(name, "strong") == 0 || strcmp(name, "b") == 0) && c->md) {
        flush_pending(c);
        sb_puts(c->out, "**");
    } else if ((strcmp(name, "em") == 0 || strcmp(name, "i") == 0) && c->md) {
        flush_pending(c);
        sb_putc(c->out, '*');
    } else if (strcmp(name, "a") == 0 && !self_close) {
        char *href = attr(a, an, "href");
        if (href && strncasecmp(href, "javascript:", 11) != 0 && href[0] && c->md && !c->in_link) {
            flush_pending(c);
            sb_putc(c->out, '[');
            c->in_link = true;
            c->link_text_at = c->out->len;
            free(c->href);
            c->href = href;
            href = NULL;
        }
        free(href);
    } else if (strcmp(name, "img") == 0) {
        char *alt = attr(a, an, "alt"), *src = attr(a, an, "src");
        if (c->md && src && src[0] && strncmp(src, "data:", 5) != 0) {
            flush_pending(c);
            sb_puts(c->out, "![");
            text(c, alt ? alt : "", alt ? strlen(alt) : 0);
            sb_puts(c->out, "](");
            html_resolve_url(c->base, src, strlen(src), c->out);
            sb_putc(c->out, ')');
        } else if (alt && alt[0]) {
            text(c, alt, strlen(alt));
        }
        free(alt);
        free(src);
    } else if (strcmp(name, "tr") == 0) {
        want_break(c, 1);
        c->row_cells = 0;
    } else if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0) {
        flush_pending(c);
        if (c->md) sb_puts(c->out, c->row_cells == 0 ? "| " : " | ");
        else if (c->row_cells > 0) sb_putc(c->out, '\t');
        c->row_cells++;
        c->space = false;
    } else if (strcmp(name, "table") == 0) {
        c->table_row = 0;
    }
}

static void end_tag(conv *c, const char *name)
{
    static const char *const para[] = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
                                       "table", "figure", "dl", "form", "fieldset", "ul", "ol", NULL};
    static const char *const block[] = {"div", "section", "article", "header", "footer", "main",
                                        "nav", "aside", "address", "dd", "dt", "figcaption",
                                        "details", "summary", "caption", "li", "center", NULL};
    if (strcmp(name, "title") == 0) { c->in_title = false; return; }
    if (strcmp(name, "blockquote") == 0 && c->quote > 0) c->quote--;
    if ((strcmp(name, "ul") == 0 || strcmp(name, "ol") == 0 || strcmp(name, "menu") == 0) && c->lists > 0) {
        c->lists--;
        want_break(c, c->lists ? 1 : 2);
        return;
    }
    if (strcmp(name, "pre") == 0 && c->pre > 0) {
        c->pre--;
        if (c->md) {
            if (c->out->len && c->out->data[c->out->len - 1] != '\n') sb_putc(c->out, '\n');
            sb_puts(c->out, "```");
        }
        want_break(c, 2);
        return;
    }
    if (strcmp(name, "code") == 0 && c->code > 0 && !c->pre) {
        c->code--;
        if (c->md) sb_putc(c->out, '`');
        return;
    }
    if ((strcmp(name, "strong") == 0 || strcmp(name, "b") == 0) && c->md) { sb_puts(c->out, "**"); return; }
    if ((strcmp(name, "em") == 0 || strcmp(name, "i") == 0) && c->md) { sb_putc(c->out, '*'); return; }
    if (strcmp(name, "a") == 0 && c->in_link) {
        c->in_link = false;
        if (c->out->len == c->link_text_at) {
            c->out->len--; /* no text: drop the "[" */
            c->out->data[c->out->len] = 0;
        } else {
            sb_puts(c->out, "](");
            html_resolve_url(c->base, c->href, strlen(c->href), c->out);
            sb_putc(c->out, ')');
        }
        free(c->href);
        c->href = NULL;
        return;
    }
    if (strcmp(name, "tr") == 0) {
        if (c->md && c->row_cells > 0) {
            sb_puts(c->out, " |");
            if (c->table_row == 0) {
                c->header_cells = c->row_cells;
                sb_putc(c->out, '\n');
                sb_putc(c->out, '|');
                for (int k = 0; k < c->row_cells && k < 64; k++) sb_puts(c->out, " --- |");
            }
        }
        if (c->row_cells > 0) c->table_row++;
        want_break(c, 1);
        return;
    }
    if (tag_is(name, para)) want_break(c, 2);
    else if (tag_is(name, block)) want_break(c, 1);
}

void html_convert(const char *h, size_t n, bool markdown, const char *base_url, sb *out, char **out_title)
{
    conv c;
    memset(&c, 0, sizeof c);
    c.out = out;
    c.md = markdown;
    c.base = base_url;
    sb_init(&c.title);
    size_t i = 0;
    while (i < n) {
        if (c.skip_tag[0]) {
            /* find </skip_tag */
            size_t tl = strlen(c.skip_tag);
            const char *p = h + i;
            const char *end = h + n;
            const char *found = NULL;
            while ((p = memchr(p, '<', (size_t)(end - p)))) {
                if ((size_t)(end - p) > tl + 1 && p[1] == '/' && strncasecmp(p + 2, c.skip_tag, tl) == 0) { found = p; break; }
                p++;
            }
            if (!found) break;
            const char *gt = memchr(found, '>', (size_t)(end - found));
            i = gt ? (size_t)(gt - h) + 1 : n;
            c.skip_tag[0] = 0;
            continue;
        }
        if (h[i] != '<') {
            const char *lt = memchr(h + i, '<', n - i);
            size_t e = lt ? (size_t)(lt - h) : n;
            text(&c, h + i, e - i);
            i = e;
            continue;
        }
        /* a tag, comment or declaration */
        if (n - i >= 4 && memcmp(h + i, "<!--", 4) == 0) {
            const char *e = NULL;
            for (size_t k = i + 4; k + 2 < n; k++)
                if (h[k] == '-' && h[k + 1] == '-' && h[k + 2] == '>') { e = h + k; break; }
            i = e ? (size_t)(e - h) + 3 : n;
            continue;
        }
        size_t j = i + 1;
        bool closing = j < n && h[j] == '/';
        if (closing) j++;
        if (j >= n || !(isalpha((unsigned char)h[j]) || (!closing && (h[j] == '!' || h[j] == '?')))) {
            text(&c, h + i, 1); /* a lone '<' is text */
            i++;
            continue;
        }
        char name[16];
        size_t nl = 0;
        while (j < n && (isalnum((unsigned char)h[j]) || h[j] == '-' || h[j] == ':' || h[j] == '!' || h[j] == '?')) {
            if (nl + 1 < sizeof name) name[nl++] = (char)tolower((unsigned char)h[j]);
            j++;
        }
        name[nl] = 0;
        /* end of the tag, honouring quoted attribute values */
        size_t as = j;
        char q = 0;
        while (j < n && (q || h[j] != '>')) {
            if (q) { if (h[j] == q) q = 0; }
            else if (h[j] == '"' || h[j] == '\'') q = h[j];
            j++;
        }
        size_t ae = j;
        bool self_close = ae > as && h[ae - 1] == '/';
        i = j < n ? j + 1 : n;
        if (name[0] == '!' || name[0] == '?') continue;
        if (closing) end_tag(&c, name);
        else start_tag(&c, name, h + as, ae - as, self_close);
    }
    if (c.in_link) {
        free(c.href);
        c.href = NULL;
    }
    /* trim trailing spaces */
    while (out->len && (out->data[out->len - 1] == ' ' || out->data[out->len - 1] == '\n')) out->data[--out->len] = 0;
    if (out_title) {
        *out_title = NULL;
        if (c.title.len) {
            size_t s = 0, e = c.title.len;
            while (s < e && c.title.data[s] == ' ') s++;
            while (e > s && c.title.data[e - 1] == ' ') e--;
            *out_title = strndup(c.title.data + s, e - s);
        }
    }
    sb_free(&c.title);
    free(c.href);
}
