/* memops: memcpy, memmove and memset as the bulk-memory instructions, and
 * memchr eight bytes per step. wasi-libc's own versions are C loops over
 * bytes or 32-bit words, which an interpreter pays for per step; memory.copy
 * / memory.fill are one instruction for the engine. Only for wasm32 guests:
 * native builds keep libc's. */
#if defined(__wasm__) && defined(__wasm_bulk_memory__)
#include <stddef.h>
#include <stdint.h>

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

void *memchr(const void *src, int c, size_t n)
{
    const unsigned char *p = src;
    unsigned char b = (unsigned char)c;
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    const uint64_t pattern = ones * b;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        __builtin_memcpy(&x, p + i, 8);
        x ^= pattern; /* a zero byte where p[i..] == b */
        if ((x - ones) & ~x & highs) break;
    }
    for (; i < n; i++)
        if (p[i] == b) return (void *)(p + i);
    return NULL;
}
#else
typedef int bx_memops_native_unused; /* ISO C: a translation unit is never empty */
#endif
