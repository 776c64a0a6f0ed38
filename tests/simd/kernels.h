/* kernels.h: SIMD kernels built twice — to wasm32 with -msimd128 (the
 * v128 intrinsics path, run by our engine) and natively (a plain scalar
 * path written lane by lane from the spec). Each kernel fills its inputs
 * from a seed, computes, and returns a 64-bit hash of its outputs, so the
 * two builds must return the same number. */
#ifndef BX_TESTS_SIMD_KERNELS_H
#define BX_TESTS_SIMD_KERNELS_H

#include <stdint.h>

/* X(name): every kernel is `uint64_t name(uint32_t seed)`. */
#define SIMD_KERNELS(X) \
    X(k_bytes)          \
    X(k_dot16)          \
    X(k_f32)            \
    X(k_find)           \
    X(k_hex)            \
    X(k_widen)          \
    X(k_i64)            \
    X(k_loads)          \
    X(k_f64)            \
    X(k_autovec)

#define SIMD_KERNEL_PROTO(name) uint64_t name(uint32_t seed);
SIMD_KERNELS(SIMD_KERNEL_PROTO)
#undef SIMD_KERNEL_PROTO

/* The output buffer's address (a linear-memory offset in the wasm build). */
uintptr_t k_out(void);

#endif
