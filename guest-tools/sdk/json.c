/* json.c: the guest JSON reader and writer behind json.h.
 *
 * The reader is a recursive-descent parser over one buffer; its recursion
 * is bounded by JS_MAX_DEPTH, so hostile nesting gives an error, never a
 * blown wasm stack. Strings are validated as UTF-8 and unescaped (lone
 * surrogates become U+FFFD). The writer escapes control characters and
 * replaces undecodable bytes, so its output is always valid JSON.
 */
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ string buffer */

void sb_init(sb *b) { memset(b, 0, sizeof *b); }

void sb_free(sb *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

static bool sb_grow(sb *b, size_t extra)
{
    if (b->oom) return false;
    if (b->len + extra + 1 <= b->cap) return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) {
        if (cap > (size_t)-1 / 4) { b->oom = true; return false; }
        cap *= 2;
    }
    char *d = realloc(b->data, cap);
    if (!d) { b->oom = true; return false; }
    b->data = d;
    b->cap = cap;
    return true;
}

void sb_putn(sb *b, const void *p, size_t n)
{
    if (n == 0 && b->data) return;
    if (!sb_grow(b, n)) return;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
}

void sb_puts(sb *b, const char *s) { sb_putn(b, s, strlen(s)); }
void sb_putc(sb *b, char c) { sb_putn(b, &c, 1); }

void sb_printf(sb *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) { va_end(ap2); return; }
    if ((size_t)n < sizeof tmp) {
        sb_putn(b, tmp, (size_t)n);
    } else if (sb_grow(b, (size_t)n)) {
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
}

const char *sb_str(const sb *b) { return b->data ? b->data : ""; }

/* ------------------------------------------------------------ reader */

typedef struct rd {
    const unsigned char *s;
    size_t n, i;
    int depth;
    char *err;
    size_t err_cap;
    bool failed;
} rd;

static js *rd_fail(rd *r, const char *what)
{
    if (!r->failed && r->err && r->err_cap) {
        size_t line = 1, col = 1;
        for (size_t k = 0; k < r->i && k < r->n; k++) {
            if (r->s[k] == '\n') { line++; col = 1; } else col++;
        }
        snprintf(r->err, r->err_cap, "line %zu column %zu: %s", line, col, what);
    }
    r->failed = true;
    return NULL;
}

static void skip_ws(rd *r)
{
    while (r->i < r->n) {
        unsigned char c = r->s[r->i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        r->i++;
    }
}

static js *new_val(js_type t)
{
    js *v = calloc(1, sizeof *v);
    if (v) v->type = t;
    return v;
}

static int hex4(const unsigned char *p)
{
    int v = 0;
    for (int k = 0; k < 4; k++) {
        int c = p[k], d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return -1;
        v = v * 16 + d;
    }
    return v;
}

static void put_utf8(sb *b, uint32_t c)
{
    char o[4];
    int n;
    if (c < 0x80) { o[0] = (char)c; n = 1; }
    else if (c < 0x800) { o[0] = (char)(0xC0 | (c >> 6)); o[1] = (char)(0x80 | (c & 0x3F)); n = 2; }
    else if (c < 0x10000) {
        o[0] = (char)(0xE0 | (c >> 12)); o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (char)(0x80 | (c & 0x3F)); n = 3;
    } else {
        o[0] = (char)(0xF0 | (c >> 18)); o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((c >> 6) & 0x3F)); o[3] = (char)(0x80 | (c & 0x3F)); n = 4;
    }
    sb_putn(b, o, (size_t)n);
}

/* Length of the valid UTF-8 sequence at s (n > 0 bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t need;
    uint32_t cp, min;
    if (c >= 0xC2 && c <= 0xDF) { need = 1; cp = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { need = 2; cp = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { need = 3; cp = c & 0x07; min = 0x10000; }
    else return 0;
    if (need >= n) return 0;
    for (size_t k = 1; k <= need; k++) {
        if ((s[k] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return need + 1;
}

/* Parses a string literal at r->i (the opening quote) into out. */
static bool rd_string(rd *r, sb *out)
{
    r->i++;
    for (;;) {
        if (r->i >= r->n) { rd_fail(r, "unterminated string"); return false; }
        unsigned char c = r->s[r->i];
        if (c == '"') { r->i++; break; }
        if (c < 0x20) { rd_fail(r, "control character in string"); return false; }
        if (c == '\\') {
            if (r->i + 1 >= r->n) { rd_fail(r, "unterminated escape"); return false; }
            unsigned char e = r->s[r->i + 1];
            r->i += 2;
            switch (e) {
            case '"': sb_putc(out, '"'); break;
            case '\\': sb_putc(out, '\\'); break;
            case '/': sb_putc(out, '/'); break;
            case 'b': sb_putc(out, '\b'); break;
            case 'f': sb_putc(out, '\f'); break;
            case 'n': sb_putc(out, '\n'); break;
            case 'r': sb_putc(out, '\r'); break;
            case 't': sb_putc(out, '\t'); break;
            case 'u': {
                int u = r->i + 4 <= r->n ? hex4(r->s + r->i) : -1;
                if (u < 0) { rd_fail(r, "bad \\u escape"); return false; }
                r->i += 4;
                uint32_t cp = (uint32_t)u;
                if (u >= 0xD800 && u <= 0xDBFF) {
                    int lo = (r->i + 6 <= r->n && r->s[r->i] == '\\' && r->s[r->i + 1] == 'u')
                                 ? hex4(r->s + r->i + 2) : -1;
                    if (lo >= 0xDC00 && lo <= 0xDFFF) {
                        cp = 0x10000 + (((uint32_t)u - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
                        r->i += 6;
                    } else {
                        cp = 0xFFFD;
                    }
                } else if (u >= 0xDC00 && u <= 0xDFFF) {
                    cp = 0xFFFD;
                }
                put_utf8(out, cp);
                break;
            }
            default: r->i--; rd_fail(r, "bad escape"); return false;
            }
            continue;
        }
        size_t l = utf8_len(r->s + r->i, r->n - r->i);
        if (l == 0) { rd_fail(r, "invalid UTF-8 in string"); return false; }
        /* copy a run of plain bytes at once */
        size_t st = r->i;
        r->i += l;
        while (r->i < r->n) {
            unsigned char d = r->s[r->i];
            if (d == '"' || d == '\\' || d < 0x20) break;
            if (d < 0x80) { r->i++; continue; }
            size_t l2 = utf8_len(r->s + r->i, r->n - r->i);
            if (l2 == 0) break;
            r->i += l2;
        }
        sb_putn(out, r->s + st, r->i - st);
    }
    if (out->oom) { rd_fail(r, "out of memory"); return false; }
    if (!out->data) sb_putn(out, "", 0);
    return !out->oom;
}

static js *rd_value(rd *r);

static bool push_item(js *v, js *item, char *key, size_t *cap)
{
    if (v->len == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        js **ni = realloc(v->items, nc * sizeof *ni);
        if (!ni) return false;
        v->items = ni;
        if (v->type == JS_OBJ) {
            char **nk = realloc(v->keys, nc * sizeof *nk);
            if (!nk) return false;
            v->keys = nk;
        }
        *cap = nc;
    }
    v->items[v->len] = item;
    if (v->type == JS_OBJ) v->keys[v->len] = key;
    v->len++;
    return true;
}

static js *rd_container(rd *r, bool obj)
{
    if (++r->depth > JS_MAX_DEPTH) return rd_fail(r, "nesting too deep");
    js *v = new_val(obj ? JS_OBJ : JS_ARR);
    if (!v) return rd_fail(r, "out of memory");
    size_t cap = 0;
    r->i++;
    skip_ws(r);
    if (r->i < r->n && r->s[r->i] == (obj ? '}' : ']')) {
        r->i++;
        r->depth--;
        return v;
    }
    for (;;) {
        char *key = NULL;
        if (obj) {
            skip_ws(r);
            if (r->i >= r->n || r->s[r->i] != '"') { rd_fail(r, "expected a string key"); goto fail; }
            sb k;
            sb_init(&k);
            if (!rd_string(r, &k)) { sb_free(&k); goto fail; }
            key = k.data;
            skip_ws(r);
            if (r->i >= r->n || r->s[r->i] != ':') { free(key); rd_fail(r, "expected ':'"); goto fail; }
            r->i++;
        }
        js *item = rd_value(r);
        if (!item) { free(key); goto fail; }
        if (!push_item(v, item, key, &cap)) {
            free(key);
            js_free(item);
            rd_fail(r, "out of memory");
            goto fail;
        }
        skip_ws(r);
        if (r->i >= r->n) { rd_fail(r, obj ? "unterminated object" : "unterminated array"); goto fail; }
        unsigned char c = r->s[r->i++];
        if (c == ',') continue;
        if (c == (obj ? '}' : ']')) break;
        r->i--;
        rd_fail(r, obj ? "expected ',' or '}'" : "expected ',' or ']'");
        goto fail;
    }
    r->depth--;
    return v;
fail:
    js_free(v);
    return NULL;
}

static js *rd_number(rd *r)
{
    size_t st = r->i;
    const unsigned char *s = r->s;
    size_t i = r->i;
    if (i < r->n && s[i] == '-') i++;
    if (i >= r->n) return rd_fail(r, "bad number");
    if (s[i] == '0') i++;
    else if (s[i] >= '1' && s[i] <= '9') while (i < r->n && s[i] >= '0' && s[i] <= '9') i++;
    else return rd_fail(r, "bad number");
    if (i < r->n && s[i] == '.') {
        i++;
        if (i >= r->n || s[i] < '0' || s[i] > '9') { r->i = i; return rd_fail(r, "bad fraction"); }
        while (i < r->n && s[i] >= '0' && s[i] <= '9') i++;
    }
    if (i < r->n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < r->n && (s[i] == '+' || s[i] == '-')) i++;
        if (i >= r->n || s[i] < '0' || s[i] > '9') { r->i = i; return rd_fail(r, "bad exponent"); }
        while (i < r->n && s[i] >= '0' && s[i] <= '9') i++;
    }
    size_t len = i - st;
    char tmp[64];
    char *buf = len < sizeof tmp ? tmp : malloc(len + 1);
    if (!buf) return rd_fail(r, "out of memory");
    memcpy(buf, s + st, len);
    buf[len] = 0;
    js *v = new_val(JS_NUM);
    if (v) v->num = strtod(buf, NULL);
    if (buf != tmp) free(buf);
    if (!v) return rd_fail(r, "out of memory");
    if (isinf(v->num)) {
        js_free(v);
        return rd_fail(r, "number out of range");
    }
    r->i = i;
    return v;
}

static bool rd_word(rd *r, const char *w)
{
    size_t l = strlen(w);
    if (r->n - r->i >= l && memcmp(r->s + r->i, w, l) == 0) {
        r->i += l;
        return true;
    }
    return false;
}

static js *rd_value(rd *r)
{
    skip_ws(r);
    if (r->i >= r->n) return rd_fail(r, "unexpected end of input");
    unsigned char c = r->s[r->i];
    switch (c) {
    case '{': return rd_container(r, true);
    case '[': return rd_container(r, false);
    case '"': {
        sb s;
        sb_init(&s);
        if (!rd_string(r, &s)) { sb_free(&s); return NULL; }
        js *v = new_val(JS_STR);
        if (!v) { sb_free(&s); return rd_fail(r, "out of memory"); }
        v->str = s.data;
        v->len = s.len;
        return v;
    }
    case 't': case 'f': case 'n': {
        js *v = NULL;
        if (rd_word(r, "true")) { v = new_val(JS_BOOL); if (v) v->b = true; }
        else if (rd_word(r, "false")) v = new_val(JS_BOOL);
        else if (rd_word(r, "null")) v = new_val(JS_NULL);
        else return rd_fail(r, "unexpected word");
        return v ? v : rd_fail(r, "out of memory");
    }
    default:
        if (c == '-' || (c >= '0' && c <= '9')) return rd_number(r);
        return rd_fail(r, "unexpected character");
    }
}

js *js_parse(const char *s, size_t n, char *err, size_t err_cap)
{
    if (err && err_cap) err[0] = 0;
    rd r = {(const unsigned char *)s, n, 0, 0, err, err_cap, false};
    if (n > JS_MAX_INPUT) return rd_fail(&r, "input too large");
    js *v = rd_value(&r);
    if (!v) return NULL;
    skip_ws(&r);
    if (r.i != r.n) {
        js_free(v);
        return rd_fail(&r, "trailing characters after the value");
    }
    return v;
}

void js_free(js *v)
{
    if (!v) return;
    for (size_t k = 0; k < v->len && (v->type == JS_ARR || v->type == JS_OBJ); k++) {
        js_free(v->items[k]);
        if (v->type == JS_OBJ) free(v->keys[k]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
    free(v);
}

js *js_get(const js *v, const char *key)
{
    if (!v || v->type != JS_OBJ) return NULL;
    for (size_t k = v->len; k-- > 0;)
        if (strcmp(v->keys[k], key) == 0) return v->items[k];
    return NULL;
}

const char *js_get_str(const js *obj, const char *key)
{
    js *v = js_get(obj, key);
    return v && v->type == JS_STR ? v->str : NULL;
}

bool js_get_bool(const js *obj, const char *key, bool fallback)
{
    js *v = js_get(obj, key);
    return v && v->type == JS_BOOL ? v->b : fallback;
}

double js_get_num(const js *obj, const char *key, double fallback)
{
    js *v = js_get(obj, key);
    return v && v->type == JS_NUM ? v->num : fallback;
}

bool js_is_int(const js *v)
{
    return v && v->type == JS_NUM && v->num == floor(v->num) && fabs(v->num) <= 9007199254740992.0;
}

/* ------------------------------------------------------------ writer */

void jw_str(sb *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    sb_putc(b, '"');
    size_t i = 0;
    while (i < n) {
        size_t st = i;
        /* eight bytes at a time while none needs escaping (this loop is the
         * cost of every tool result in an interpreter) */
        while (i + 8 <= n) {
            uint64_t x;
            memcpy(&x, p + i, 8);
            const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
            uint64_t q = x ^ (ones * '"'), bs = x ^ (ones * '\\');
            uint64_t bad = (x & highs) | ((x - ones * 0x20) & ~x & highs) | ((q - ones) & ~q & highs) |
                           ((bs - ones) & ~bs & highs);
            if (bad) break;
            i += 8;
        }
        while (i < n && p[i] >= 0x20 && p[i] < 0x80 && p[i] != '"' && p[i] != '\\') i++;
        sb_putn(b, p + st, i - st);
        if (i >= n) break;
        unsigned char c = p[i];
        if (c >= 0x80) {
            size_t l = utf8_len(p + i, n - i);
            if (l) sb_putn(b, p + i, l);
            else sb_puts(b, "\xEF\xBF\xBD");
            i += l ? l : 1;
            continue;
        }
        i++;
        switch (c) {
        case '"': sb_puts(b, "\\\""); break;
        case '\\': sb_puts(b, "\\\\"); break;
        case '\n': sb_puts(b, "\\n"); break;
        case '\r': sb_puts(b, "\\r"); break;
        case '\t': sb_puts(b, "\\t"); break;
        case '\b': sb_puts(b, "\\b"); break;
        case '\f': sb_puts(b, "\\f"); break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            sb_putn(b, u, 6);
        }
        }
    }
    sb_putc(b, '"');
}

void jw_cstr(sb *b, const char *s) { jw_str(b, s, strlen(s)); }

void jw_num(sb *b, double v)
{
    if (isnan(v) || isinf(v)) { sb_puts(b, "null"); return; }
    if (v == floor(v) && fabs(v) < 1e15) {
        /* integers without printf: %f pulls in long-double soft-float on wasm */
        char tmp[24];
        int k = (int)sizeof tmp;
        bool neg = v < 0;
        unsigned long long u = (unsigned long long)(neg ? -v : v);
        do { tmp[--k] = (char)('0' + u % 10); u /= 10; } while (u);
        if (neg) tmp[--k] = '-';
        sb_putn(b, tmp + k, sizeof tmp - (size_t)k);
        return;
    }
    sb_printf(b, "%.17g", v);
}

void jw_value(sb *b, const js *v)
{
    switch (v->type) {
    case JS_NULL: sb_puts(b, "null"); break;
    case JS_BOOL: sb_puts(b, v->b ? "true" : "false"); break;
    case JS_NUM: jw_num(b, v->num); break;
    case JS_STR: jw_str(b, v->str, v->len); break;
    case JS_ARR:
    case JS_OBJ:
        sb_putc(b, v->type == JS_ARR ? '[' : '{');
        for (size_t k = 0; k < v->len; k++) {
            if (k) sb_putc(b, ',');
            if (v->type == JS_OBJ) {
                jw_cstr(b, v->keys[k]);
                sb_putc(b, ':');
            }
            jw_value(b, v->items[k]);
        }
        sb_putc(b, v->type == JS_ARR ? ']' : '}');
        break;
    }
}

bool js_equal(const js *a, const js *b)
{
    if (a->type != b->type) return false;
    switch (a->type) {
    case JS_NULL: return true;
    case JS_BOOL: return a->b == b->b;
    case JS_NUM: return a->num == b->num || (isnan(a->num) && isnan(b->num));
    case JS_STR: return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
    case JS_ARR:
    case JS_OBJ:
        if (a->len != b->len) return false;
        for (size_t k = 0; k < a->len; k++) {
            if (a->type == JS_OBJ && strcmp(a->keys[k], b->keys[k]) != 0) return false;
            if (!js_equal(a->items[k], b->items[k])) return false;
        }
        return true;
    }
    return false;
}
