/* jsonw.c: a fast compact serialiser for request bodies. Encoders build a
 * jansson document (clear and hard to get wrong), but jansson's dump escapes
 * one code point at a time through a callback, which dominated the
 * per-request budget for a 100 KB conversation. This walks the same document
 * (objects in insertion order) and copies runs of plain bytes with memcpy,
 * validating UTF-8 as it goes; invalid UTF-8 is an error, never output.
 */
#include "llm/llm_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 0: copy as is; 1: escape; 2: start of a multi-byte UTF-8 sequence */
static const unsigned char cls[256] = {
    [0 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xff] = 2,
};
static const char hex[] = "0123456789abcdef";

/* Length of a valid UTF-8 sequence at s (n bytes available), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c >= 0xC2 && c <= 0xDF)
        return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if (c == 0xE0 && s[1] < 0xA0)
            return 0; /* overlong */
        if (c == 0xED && s[1] >= 0xA0)
            return 0; /* surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))
            return 0;
        return 4;
    }
    return 0;
}

static bx_err put_string(bx_buf *b, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    bx_err err = bx_buf_reserve(b, n + 2);
    if (err)
        return err;
    bx_buf_putc(b, '"');
    size_t i = 0;
    while (i < n) {
        size_t start = i;
        /* eight plain bytes at a time; a false alarm only falls through to
         * the byte loop */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
            uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\');
            uint64_t bad = ((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((bs - ones) & ~bs) | w;
            if (bad & highs)
                break;
            i += 8;
        }
        while (i < n && cls[s[i]] == 0)
            i++;
        if (i > start && (err = bx_buf_append(b, str + start, i - start)))
            return err;
        if (i >= n)
            break;
        unsigned c = s[i];
        if (cls[c] == 2) {
            size_t k = utf8_len(s + i, n - i);
            if (!k)
                return BX_INVALID;
            if ((err = bx_buf_append(b, str + i, k)))
                return err;
            i += k;
            continue;
        }
        char esc[7] = {'\\', 0, 0, 0, 0, 0, 0};
        size_t el = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            el = 6;
        }
        if ((err = bx_buf_append(b, esc, el)))
            return err;
        i++;
    }
    return bx_buf_putc(b, '"');
}

static bx_err put_value(bx_buf *b, const json_t *v, int depth)
{
    if (depth > 200)
        return BX_TOOBIG;
    bx_err err = BX_OK;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        bx_buf_putc(b, '{');
        const char *k;
        size_t klen;
        json_t *x;
        bool first = true;
        json_object_keylen_foreach((json_t *)v, k, klen, x) {
            if (!first)
                bx_buf_putc(b, ',');
            first = false;
            if ((err = put_string(b, k, klen)) || (err = bx_buf_putc(b, ':')) ||
                (err = put_value(b, x, depth + 1)))
                return err;
        }
        return bx_buf_putc(b, '}');
    }
    case JSON_ARRAY: {
        bx_buf_putc(b, '[');
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) {
            if (i)
                bx_buf_putc(b, ',');
            if ((err = put_value(b, x, depth + 1)))
                return err;
        }
        return bx_buf_putc(b, ']');
    }
    case JSON_STRING:
        return put_string(b, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        return bx_buf_printf(b, "%lld", (long long)json_integer_value(v));
    case JSON_REAL: {
        double d = json_real_value(v);
        char tmp[40];
        if (!isfinite(d))
            return bx_buf_puts(b, "null");
        /* the shortest of %.15g / %.17g that reads back exactly */
        snprintf(tmp, sizeof(tmp), "%.15g", d);
        if (strtod(tmp, NULL) != d)
            snprintf(tmp, sizeof(tmp), "%.17g", d);
        if (!strpbrk(tmp, ".eEn"))
            strcat(tmp, ".0");
        return bx_buf_puts(b, tmp);
    }
    case JSON_TRUE:
        return bx_buf_puts(b, "true");
    case JSON_FALSE:
        return bx_buf_puts(b, "false");
    case JSON_NULL:
        return bx_buf_puts(b, "null");
    }
    return BX_INVALID;
}

bx_err llm__dump(const json_t *v, bx_buf *out)
{
    size_t mark = out->len;
    bx_err err = put_value(out, v, 0);
    if (err) {
        out->len = mark;
        out->data[mark] = '\0';
    }
    return err;
}

json_t *llm__str(const char *s)
{
    if (!s)
        s = "";
    return json_stringn_nocheck(s, strlen(s));
}

void llm__set_str(json_t *obj, const char *key, const char *s)
{
    json_object_set_new(obj, key, llm__str(s));
}
