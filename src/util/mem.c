/* mem.c: the one allocation wrapper. Host OOM aborts here and nowhere else;
 * debug builds count live blocks so a test can check a unit freed all. */
#include "util/util.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef BX_DEBUG_ALLOC
static atomic_long live_blocks;
#define COUNT(d) atomic_fetch_add_explicit(&live_blocks, (d), memory_order_relaxed)
#else
#define COUNT(d) ((void)0)
#endif

static void *oom(size_t n)
{
    fprintf(stderr, "boxagnts: out of memory allocating %zu bytes\n", n);
    abort();
}

void *bx_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        return oom(n);
    COUNT(1);
    return p;
}

void *bx_calloc(size_t count, size_t n)
{
    void *p = calloc(count ? count : 1, n ? n : 1);
    if (!p)
        return oom(count * n);
    COUNT(1);
    return p;
}

void *bx_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        return oom(n);
    if (!p)
        COUNT(1);
    return q;
}

void bx_free(void *p)
{
    if (!p)
        return;
    COUNT(-1);
    free(p);
}

char *bx_strdup(const char *s)
{
    return bx_strndup(s, strlen(s));
}

char *bx_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = bx_malloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *bx_sprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    char *p = bx_malloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

long bx_mem_live(void)
{
#ifdef BX_DEBUG_ALLOC
    return atomic_load(&live_blocks);
#else
    return 0;
#endif
}

bool bx_add_overflows(size_t a, size_t b, size_t *out)
{
    return __builtin_add_overflow(a, b, out);
}

bool bx_mul_overflows(size_t a, size_t b, size_t *out)
{
    return __builtin_mul_overflow(a, b, out);
}
