/* buf.c: slices and the bounded byte buffer. The cap is a hard limit: an
 * append that would pass it fails whole with BX_TOOBIG (curl dynbuf style). */
#include "util/util.h"

#include <stdio.h>
#include <string.h>

static char empty_data[1];

bx_slice bx_slice_from(const char *cstr)
{
    return (bx_slice){cstr, cstr ? strlen(cstr) : 0};
}

bool bx_slice_eq(bx_slice a, bx_slice b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

bool bx_slice_eq_cstr(bx_slice a, const char *cstr)
{
    return bx_slice_eq(a, bx_slice_from(cstr));
}

bool bx_slice_starts_with(bx_slice a, const char *prefix)
{
    size_t n = strlen(prefix);
    return a.len >= n && memcmp(a.ptr, prefix, n) == 0;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bx_slice bx_slice_trim(bx_slice a)
{
    while (a.len && is_space(a.ptr[0])) {
        a.ptr++;
        a.len--;
    }
    while (a.len && is_space(a.ptr[a.len - 1]))
        a.len--;
    return a;
}

void bx_buf_init(bx_buf *b, size_t max)
{
    b->data = empty_data;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void bx_buf_release(bx_buf *b)
{
    if (b->cap)
        bx_free(b->data);
    bx_buf_init(b, b->max);
}

void bx_buf_reset(bx_buf *b)
{
    b->len = 0;
    b->data[0] = '\0';
}

bx_err bx_buf_reserve(bx_buf *b, size_t extra)
{
    size_t want;
    if (bx_add_overflows(b->len, extra, &want) || want > b->max)
        return BX_TOOBIG;
    if (want + 1 <= b->cap)
        return BX_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < want + 1)
        cap = cap > ((size_t)-1) / 2 ? want + 1 : cap * 2;
    if (b->cap == 0) {
        b->data = bx_malloc(cap);
        b->data[0] = '\0';
    } else {
        b->data = bx_realloc(b->data, cap);
    }
    b->cap = cap;
    return BX_OK;
}

bx_err bx_buf_append(bx_buf *b, const void *p, size_t n)
{
    if (n == 0)
        return BX_OK;
    bx_err err = bx_buf_reserve(b, n);
    if (err)
        return err;
    memmove(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return BX_OK;
}

bx_err bx_buf_puts(bx_buf *b, const char *s)
{
    return bx_buf_append(b, s, strlen(s));
}

bx_err bx_buf_putc(bx_buf *b, char c)
{
    return bx_buf_append(b, &c, 1);
}

bx_err bx_buf_vprintf(bx_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return BX_INVALID;
    bx_err err = bx_buf_reserve(b, (size_t)n);
    if (err)
        return err;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return BX_OK;
}

bx_err bx_buf_printf(bx_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bx_err err = bx_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return err;
}

void bx_buf_consume(bx_buf *b, size_t n)
{
    if (n >= b->len) {
        bx_buf_reset(b);
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    b->data[b->len] = '\0';
}

char *bx_buf_detach(bx_buf *b, size_t *out_len)
{
    char *p;
    if (b->cap == 0) {
        p = bx_malloc(1);
        p[0] = '\0';
    } else {
        p = b->data;
    }
    if (out_len)
        *out_len = b->len;
    bx_buf_init(b, b->max);
    return p;
}
