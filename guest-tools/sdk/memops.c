/* memops: memcpy, memmove and memset as the bulk-memory instructions.
 * wasi-libc's own versions are C loops, which an interpreter runs byte by
 * byte or word by word; memory.copy / memory.fill are one instruction for
 * the engine. Only for wasm32 guests: native builds keep libc's. */
#if defined(__wasm__) && defined(__wasm_bulk_memory__)
#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    __builtin_memcpy(dst, src, n);
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    __builtin_memmove(dst, src, n);
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    __builtin_memset(dst, c, n);
    return dst;
}
#else
typedef int bx_memops_native_unused; /* ISO C: a translation unit is never empty */
#endif
