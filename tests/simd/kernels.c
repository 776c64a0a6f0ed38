/* kernels.c: SIMD kernels for an end-to-end check of the engine's v128.
 *
 * Built twice from this one file: to wasm32 with -msimd128, where the
 * `#if SIMD` branches use clang's wasm_simd128.h intrinsics (so the engine
 * runs real compiler output: unaligned loads, shuffles, lane ops, masks),
 * and natively, where the `#else` branches compute the same thing one lane
 * at a time, written from the spec's definitions. Both return a 64-bit hash
 * of all outputs; tests/simd/test_simd_kernels.c compares them. NaNs are
 * folded to one pattern before hashing (the spec leaves their sign free).
 * Shift counts stay below the lane width: the intrinsics are C vector
 * shifts, where a larger count is undefined (the spec tests cover wasm's
 * modulo rule).
 */
#include "kernels.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#define SIMD 1
#define EXPORT(name) __attribute__((export_name(#name)))
#else
#define SIMD 0
#define EXPORT(name)
#include <math.h>
#endif

#define N 1024 /* bytes per input buffer */

static uint8_t A[N] __attribute__((aligned(16)));
static uint8_t B[N] __attribute__((aligned(16)));
static uint8_t OUT[16 * N] __attribute__((aligned(16)));

static uint32_t rng;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* Random bytes with the edge values planted at fixed places. */
static void fill(uint32_t seed)
{
    rng = seed * 2654435761u | 1;
    for (int i = 0; i < N; i++) {
        A[i] = (uint8_t)rnd();
        B[i] = (uint8_t)(rnd() >> 7);
    }
    static const uint8_t edge[] = {0x00, 0x80, 0xff, 0x7f, 0x01, 0x80, 0x00, 0xff};
    for (int i = 0; i < 8; i++) {
        A[i] = edge[i];
        B[i] = edge[7 - i];
        A[64 + i] = 0x80, B[64 + i] = 0x80; /* i16 -32768 pairs for dot/q15 */
        A[128 + i] = B[128 + i] = 0xff;
    }
    memset(OUT, 0, sizeof OUT);
}

static uint64_t hash(const void *p, size_t n, uint64_t h)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

#define H0 0xcbf29ce484222325ull

/* Where the outputs are, for diagnosing a mismatch (an offset in linear
 * memory in the wasm build, a host pointer natively). */
EXPORT(k_out) uintptr_t k_out(void)
{
    return (uintptr_t)OUT;
}

/* Every NaN becomes the positive canonical one, in place. */
static void fold_nan32(uint32_t *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((w[i] & 0x7f800000u) == 0x7f800000u && (w[i] & 0x7fffffu))
            w[i] = 0x7fc00000u;
}

static void fold_nan64(uint64_t *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((w[i] & 0x7ff0000000000000ull) == 0x7ff0000000000000ull &&
            (w[i] & 0xfffffffffffffull))
            w[i] = 0x7ff8000000000000ull;
}

#if !SIMD
/* Scalar lane helpers, straight from the spec. */
static int32_t clampi(int32_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static uint32_t bits32(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static float from32(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static uint64_t bits64(double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}

static double from64(uint64_t u)
{
    double d;
    memcpy(&d, &u, 8);
    return d;
}

static float wminf(float x, float y)
{
    if (x != x || y != y)
        return NAN;
    if (x == y)
        return from32(bits32(x) | bits32(y));
    return x < y ? x : y;
}

static float wmaxf(float x, float y)
{
    if (x != x || y != y)
        return NAN;
    if (x == y)
        return from32(bits32(x) & bits32(y));
    return x > y ? x : y;
}

static double wmin(double x, double y)
{
    if (x != x || y != y)
        return NAN;
    if (x == y)
        return from64(bits64(x) | bits64(y));
    return x < y ? x : y;
}

static double wmax(double x, double y)
{
    if (x != x || y != y)
        return NAN;
    if (x == y)
        return from64(bits64(x) & bits64(y));
    return x > y ? x : y;
}

static int32_t sat_s32(double x)
{
    if (x != x)
        return 0;
    if (x <= -2147483649.0)
        return INT32_MIN;
    if (x >= 2147483648.0)
        return INT32_MAX;
    return (int32_t)x;
}

static uint32_t sat_u32(double x)
{
    if (x != x || x <= -1.0)
        return 0;
    if (x >= 4294967296.0)
        return UINT32_MAX;
    return (uint32_t)x;
}
#endif

/* ------------------------------------------------- i8x16 arithmetic mix */

EXPORT(k_bytes) uint64_t k_bytes(uint32_t seed)
{
    fill(seed);
    for (int i = 0; i < N; i += 16) {
        unsigned k = (unsigned)i / 16;
#if SIMD
        v128_t a = wasm_v128_load(A + i), b = wasm_v128_load(B + i);
        v128_t x = wasm_u8x16_add_sat(a, b);
        v128_t y = wasm_u8x16_avgr(x, a);
        v128_t z = wasm_i8x16_sub_sat(y, b);
        v128_t w = wasm_u8x16_min(z, wasm_i8x16_max(a, b));
        v128_t v = wasm_i8x16_abs(wasm_i8x16_sub(w, a));
        v128_t p = wasm_i8x16_popcnt(v);
        v128_t q = wasm_u8x16_sub_sat(v, p);
        v128_t r = wasm_i8x16_add_sat(q, wasm_i8x16_neg(b));
        v128_t s = wasm_i8x16_shr(r, k & 7);
        v128_t t = wasm_u8x16_shr(a, (k + 1) & 7);
        v128_t u = wasm_i8x16_shl(b, (k + 2) & 7);
        v128_t m = wasm_i8x16_lt(a, b);
        v128_t m2 = wasm_u8x16_gt(a, b);
        v128_t o = wasm_v128_bitselect(s, t, m);
        o = wasm_v128_xor(o, wasm_v128_andnot(u, m2));
        o = wasm_v128_or(o, wasm_v128_and(wasm_v128_not(a), wasm_i8x16_eq(a, b)));
        o = wasm_i8x16_add(o, wasm_u8x16_max(wasm_i8x16_min(a, b), wasm_u8x16_le(a, b)));
        o = wasm_i8x16_sub(o, wasm_v128_and(wasm_i8x16_ge(a, b), wasm_u8x16_ge(b, a)));
        o = wasm_v128_xor(o, wasm_v128_and(wasm_i8x16_ne(a, b), wasm_i8x16_gt(b, a)));
        o = wasm_v128_or(o, wasm_v128_and(wasm_i8x16_le(a, b), wasm_u8x16_lt(b, a)));
        wasm_v128_store(OUT + i, o);
#else
        for (int j = 0; j < 16; j++) {
            uint8_t a = A[i + j], b = B[i + j];
            int8_t sa = (int8_t)a, sb = (int8_t)b;
            uint8_t x = (uint8_t)(a + b > 255 ? 255 : a + b);
            uint8_t y = (uint8_t)((x + a + 1) >> 1);
            uint8_t z = (uint8_t)clampi((int8_t)y - sb, -128, 127);
            uint8_t mx = (uint8_t)(sa > sb ? sa : sb);
            uint8_t w = z < mx ? z : mx;
            uint8_t d = (uint8_t)(w - a);
            uint8_t v = (int8_t)d < 0 ? (uint8_t)(0u - d) : d;
            uint8_t p = (uint8_t)__builtin_popcount(v);
            uint8_t q = v > p ? (uint8_t)(v - p) : 0;
            uint8_t r = (uint8_t)clampi((int8_t)q + (int8_t)(uint8_t)(0u - b), -128, 127);
            uint8_t s = (uint8_t)((int8_t)r >> (k & 7));
            uint8_t t = (uint8_t)(a >> ((k + 1) & 7));
            uint8_t u = (uint8_t)(b << ((k + 2) & 7));
            uint8_t m = sa < sb ? 0xff : 0, m2 = a > b ? 0xff : 0;
            uint8_t o = (uint8_t)((s & m) | (t & ~m));
            o ^= u & (uint8_t)~m2;
            o |= (uint8_t)~a & (a == b ? 0xff : 0);
            uint8_t mn = (uint8_t)(sa < sb ? sa : sb), le = a <= b ? 0xff : 0;
            o = (uint8_t)(o + (mn > le ? mn : le));
            o = (uint8_t)(o - ((sa >= sb ? 0xff : 0) & (b >= a ? 0xff : 0)));
            o ^= (a != b ? 0xff : 0) & (sb > sa ? 0xff : 0);
            o |= (sa <= sb ? 0xff : 0) & (b < a ? 0xff : 0);
            OUT[i + j] = o;
        }
#endif
    }
    return hash(OUT, N, H0);
}

/* ------------------------------------------------ i16x8 products, dot */

EXPORT(k_dot16) uint64_t k_dot16(uint32_t seed)
{
    fill(seed);
    int32_t acc[4] = {0, 0, 0, 0};
    uint32_t acc2[4] = {0, 0, 0, 0};
#if SIMD
    v128_t va = wasm_i32x4_splat(0), vb = wasm_i32x4_splat(0);
#endif
    for (int i = 0; i < N; i += 16) {
        uint8_t *o = OUT + 5 * i;
#if SIMD
        v128_t a = wasm_v128_load(A + i), b = wasm_v128_load(B + i);
        va = wasm_i32x4_add(va, wasm_i32x4_dot_i16x8(a, b));
        vb = wasm_i32x4_add(vb, wasm_u32x4_extmul_high_u16x8(a, b));
        vb = wasm_i32x4_sub(vb, wasm_i32x4_extmul_low_i16x8(a, b));
        wasm_v128_store(o, wasm_i16x8_q15mulr_sat(a, b));
        wasm_v128_store(o + 16, wasm_i16x8_mul(a, b));
        wasm_v128_store(o + 32, wasm_i16x8_add_sat(wasm_i16x8_sub_sat(a, b), wasm_u16x8_avgr(a, b)));
        wasm_v128_store(o + 48, wasm_u16x8_sub_sat(wasm_u16x8_add_sat(a, b),
                                                   wasm_i16x8_abs(wasm_i16x8_neg(b))));
        v128_t mm = wasm_i16x8_max(wasm_u16x8_min(a, b), wasm_i16x8_min(a, b));
        mm = wasm_i16x8_add(mm, wasm_u16x8_max(a, b));
        mm = wasm_v128_xor(mm, wasm_i16x8_shl(a, (unsigned)i & 15));
        mm = wasm_v128_xor(mm, wasm_i16x8_shr(b, ((unsigned)i / 16) & 15));
        mm = wasm_v128_xor(mm, wasm_u16x8_shr(a, ((unsigned)i / 16 + 3) & 15));
        mm = wasm_v128_or(mm, wasm_v128_and(wasm_i16x8_lt(a, b), wasm_u16x8_gt(a, b)));
        mm = wasm_i16x8_sub(mm, wasm_v128_and(wasm_i16x8_eq(a, b), wasm_i16x8_ne(b, mm)));
        mm = wasm_i16x8_add(mm, wasm_v128_and(wasm_u16x8_le(a, b), wasm_i16x8_ge(a, b)));
        mm = wasm_i16x8_add(mm, wasm_v128_and(wasm_u16x8_ge(a, b), wasm_i16x8_le(a, b)));
        mm = wasm_i16x8_add(mm, wasm_v128_and(wasm_u16x8_lt(a, b), wasm_i16x8_gt(a, b)));
        wasm_v128_store(o + 64, mm);
#else
        int16_t a[8], b[8];
        uint16_t ua[8], ub[8];
        memcpy(a, A + i, 16), memcpy(b, B + i, 16);
        memcpy(ua, A + i, 16), memcpy(ub, B + i, 16);
        for (int j = 0; j < 4; j++) {
            int64_t d = (int64_t)a[2 * j] * b[2 * j] + (int64_t)a[2 * j + 1] * b[2 * j + 1];
            acc[j] = (int32_t)((uint32_t)acc[j] + (uint32_t)d);
            acc2[j] += (uint32_t)ua[4 + j] * ub[4 + j];
            acc2[j] -= (uint32_t)((int32_t)a[j] * b[j]);
        }
        uint16_t r[5][8];
        for (int j = 0; j < 8; j++) {
            r[0][j] = (uint16_t)clampi(((int32_t)a[j] * b[j] + 0x4000) >> 15, -32768, 32767);
            r[1][j] = (uint16_t)((uint32_t)ua[j] * ub[j]);
            int32_t ss = clampi(a[j] - b[j], -32768, 32767);
            r[2][j] = (uint16_t)clampi(ss + (int16_t)(uint16_t)((ua[j] + ub[j] + 1) >> 1), -32768, 32767);
            uint16_t nb = (uint16_t)(0u - ub[j]);
            uint16_t ab = (int16_t)nb < 0 ? (uint16_t)(0u - nb) : nb;
            uint32_t us = ua[j] + ub[j] > 65535 ? 65535u : (uint32_t)(ua[j] + ub[j]);
            r[3][j] = (uint16_t)(us > ab ? us - ab : 0);
            uint16_t umin = ua[j] < ub[j] ? ua[j] : ub[j];
            int16_t smin = a[j] < b[j] ? a[j] : b[j];
            int16_t mm = (int16_t)umin > smin ? (int16_t)umin : smin;
            uint16_t m = (uint16_t)((uint16_t)mm + (ua[j] > ub[j] ? ua[j] : ub[j]));
            m ^= (uint16_t)(ua[j] << (i & 15));
            m ^= (uint16_t)(b[j] >> ((i / 16) & 15));
            m ^= (uint16_t)(ua[j] >> ((i / 16 + 3) & 15));
            m |= (a[j] < b[j] ? 0xffff : 0) & (ua[j] > ub[j] ? 0xffff : 0);
            m = (uint16_t)(m - ((a[j] == b[j] ? 0xffff : 0) & (ub[j] != m ? 0xffff : 0)));
            m = (uint16_t)(m + ((ua[j] <= ub[j] ? 0xffff : 0) & (a[j] >= b[j] ? 0xffff : 0)));
            m = (uint16_t)(m + ((ua[j] >= ub[j] ? 0xffff : 0) & (a[j] <= b[j] ? 0xffff : 0)));
            m = (uint16_t)(m + ((ua[j] < ub[j] ? 0xffff : 0) & (a[j] > b[j] ? 0xffff : 0)));
            r[4][j] = m;
        }
        memcpy(o, r, sizeof r);
#endif
    }
#if SIMD
    wasm_v128_store(acc, va);
    wasm_v128_store(acc2, vb);
#endif
    uint64_t h = hash(OUT, 5 * N, H0);
    h = hash(acc, sizeof acc, h);
    return hash(acc2, sizeof acc2, h);
}

/* ---------------------------------------------------- f32x4 arithmetic */

/* Floats: multiples of 1/8 from the random bits, with zeros of both signs,
 * infinities and a NaN planted so min/max/pmin/pmax meet their edges. */
static void fill_f32(float *x, float *y, int n)
{
    for (int i = 0; i < n; i++) {
        x[i] = (float)(int16_t)rnd() / 8.0f;
        y[i] = (float)(int16_t)(rnd() >> 3) / 8.0f;
    }
    x[0] = -0.0f, y[0] = 0.0f;
    x[1] = 0.0f, y[1] = -0.0f;
    x[2] = 1.0f / 0.0f, y[2] = -1.0f / 0.0f;
    x[3] = 0.0f / 0.0f, y[3] = 3.0f;
    x[4] = 2.5f, y[4] = 0.0f;
    x[5] = -2.5f, y[5] = -0.5f;
    x[6] = 3e9f, y[6] = -3e9f;
    x[7] = 4.5e9f, y[7] = 0.5f;
}

EXPORT(k_f32) uint64_t k_f32(uint32_t seed)
{
    enum { M = N / 16 };
    static float X[M] __attribute__((aligned(16))), Y[M] __attribute__((aligned(16)));
    fill(seed);
    fill_f32(X, Y, M);
    uint32_t masks = 0;
    for (int i = 0; i < M; i += 4) {
        uint8_t *o = OUT + 64 * i;
#if SIMD
        v128_t x = wasm_v128_load(X + i), y = wasm_v128_load(Y + i);
        v128_t s = wasm_f32x4_add(wasm_f32x4_mul(x, wasm_f32x4_splat(0.75f)), y);
        v128_t r = wasm_f32x4_sqrt(wasm_f32x4_abs(s));
        wasm_v128_store(o, r);
        wasm_v128_store(o + 16, wasm_f32x4_floor(wasm_f32x4_mul(s, wasm_f32x4_splat(0.3f))));
        wasm_v128_store(o + 32, wasm_f32x4_ceil(wasm_f32x4_sub(s, x)));
        wasm_v128_store(o + 48, wasm_f32x4_trunc(wasm_f32x4_div(x, y)));
        wasm_v128_store(o + 64, wasm_f32x4_nearest(wasm_f32x4_mul(y, wasm_f32x4_splat(0.25f))));
        wasm_v128_store(o + 80, wasm_f32x4_min(x, y));
        wasm_v128_store(o + 96, wasm_f32x4_max(x, y));
        wasm_v128_store(o + 112, wasm_f32x4_pmin(x, y));
        wasm_v128_store(o + 128, wasm_f32x4_pmax(x, y));
        wasm_v128_store(o + 144, wasm_f32x4_neg(wasm_f32x4_div(y, x)));
        v128_t big = wasm_f32x4_mul(s, wasm_f32x4_splat(1e6f));
        v128_t ti = wasm_i32x4_trunc_sat_f32x4(big), tu = wasm_u32x4_trunc_sat_f32x4(big);
        wasm_v128_store(o + 160, ti);
        wasm_v128_store(o + 176, tu);
        wasm_v128_store(o + 192, wasm_f32x4_convert_i32x4(wasm_i32x4_add(ti, tu)));
        wasm_v128_store(o + 208, wasm_f32x4_convert_u32x4(wasm_i32x4_sub(tu, ti)));
        masks = masks * 31u + (uint32_t)wasm_i32x4_bitmask(wasm_f32x4_eq(x, y));
        masks = masks * 31u + (uint32_t)wasm_i32x4_bitmask(wasm_f32x4_ne(x, y));
        masks = masks * 31u + (uint32_t)wasm_i32x4_bitmask(wasm_f32x4_lt(x, y));
        masks = masks * 31u + (uint32_t)wasm_i32x4_bitmask(wasm_f32x4_le(x, y));
        masks = masks * 31u + (uint32_t)wasm_i32x4_bitmask(wasm_f32x4_gt(x, y));
        masks = masks * 31u + (uint32_t)wasm_i32x4_bitmask(wasm_f32x4_ge(x, y));
#else
        float r[14][4];
        for (int j = 0; j < 4; j++) {
            float x = X[i + j], y = Y[i + j];
            float s = x * 0.75f + y;
            r[0][j] = sqrtf(fabsf(s));
            r[1][j] = floorf(s * 0.3f);
            r[2][j] = ceilf(s - x);
            r[3][j] = truncf(x / y);
            r[4][j] = nearbyintf(y * 0.25f);
            r[5][j] = wminf(x, y);
            r[6][j] = wmaxf(x, y);
            r[7][j] = y < x ? y : x;
            r[8][j] = x < y ? y : x;
            r[9][j] = from32(bits32(y / x) ^ 0x80000000u);
            float big = s * 1e6f;
            int32_t ti = sat_s32(big);
            uint32_t tu = sat_u32(big);
            memcpy(&r[10][j], &ti, 4);
            memcpy(&r[11][j], &tu, 4);
            r[12][j] = (float)(int32_t)((uint32_t)ti + tu);
            r[13][j] = (float)(tu - (uint32_t)ti);
        }
        memcpy(o, r, sizeof r);
        uint32_t mk[6] = {0, 0, 0, 0, 0, 0};
        for (int j = 0; j < 4; j++) {
            float x = X[i + j], y = Y[i + j];
            mk[0] |= (uint32_t)(x == y) << j;
            mk[1] |= (uint32_t)(x != y) << j;
            mk[2] |= (uint32_t)(x < y) << j;
            mk[3] |= (uint32_t)(x <= y) << j;
            mk[4] |= (uint32_t)(x > y) << j;
            mk[5] |= (uint32_t)(x >= y) << j;
        }
        for (int k = 0; k < 6; k++)
            masks = masks * 31u + mk[k];
#endif
    }
    fold_nan32((uint32_t *)(void *)OUT, sizeof OUT / 4);
    return hash(&masks, 4, hash(OUT, sizeof OUT, H0));
}

/* ------------------------------------------- masks: find, all/any_true */

EXPORT(k_find) uint64_t k_find(uint32_t seed)
{
    fill(seed);
    uint32_t npos = 0, counts[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    uint16_t *pos = (uint16_t *)(void *)OUT;
    for (int c = 0; c < 4; c++) {
        uint8_t needle = A[3 + 5 * c];
        for (int i = 0; i < N; i += 16) {
#if SIMD
            v128_t a = wasm_v128_load(A + i);
            v128_t m = wasm_i8x16_eq(a, wasm_i8x16_splat((int8_t)needle));
            if (wasm_v128_any_true(m)) {
                uint32_t bits = wasm_i8x16_bitmask(m);
                while (bits) {
                    pos[npos++ & 1023] = (uint16_t)(i + __builtin_ctz(bits));
                    bits &= bits - 1;
                }
            }
#else
            for (int j = 0; j < 16; j++)
                if (A[i + j] == needle)
                    pos[npos++ & 1023] = (uint16_t)(i + j);
#endif
        }
    }
    for (int i = 0; i < N; i += 16) {
#if SIMD
        v128_t a = wasm_v128_load(A + i), b = wasm_v128_load(B + i);
        counts[0] += wasm_i8x16_all_true(a);
        counts[1] += wasm_i16x8_all_true(wasm_v128_and(a, b));
        counts[2] += wasm_i32x4_all_true(wasm_v128_and(a, b));
        counts[3] += wasm_i64x2_all_true(wasm_v128_and(a, b));
        counts[4] += wasm_i16x8_bitmask(a);
        counts[5] += wasm_i32x4_bitmask(b);
        counts[6] += wasm_i64x2_bitmask(wasm_v128_xor(a, b));
        counts[7] += wasm_v128_any_true(wasm_v128_and(a, b));
#else
        uint8_t ab[16], x[16];
        for (int j = 0; j < 16; j++)
            ab[j] = A[i + j] & B[i + j], x[j] = A[i + j] ^ B[i + j];
        uint32_t t8 = 1, t16 = 1, t32 = 1, t64 = 1, any = 0;
        for (int j = 0; j < 16; j++)
            t8 &= A[i + j] != 0, any |= ab[j] != 0;
        for (int j = 0; j < 16; j += 2)
            t16 &= (ab[j] | ab[j + 1]) != 0;
        for (int j = 0; j < 16; j += 4)
            t32 &= (ab[j] | ab[j + 1] | ab[j + 2] | ab[j + 3]) != 0;
        for (int j = 0; j < 16; j += 8) {
            uint8_t o = 0;
            for (int k = 0; k < 8; k++)
                o |= ab[j + k];
            t64 &= o != 0;
        }
        uint32_t m16 = 0, m32 = 0, m64 = 0;
        for (int j = 0; j < 8; j++)
            m16 |= (uint32_t)(A[i + 2 * j + 1] >> 7) << j;
        for (int j = 0; j < 4; j++)
            m32 |= (uint32_t)(B[i + 4 * j + 3] >> 7) << j;
        for (int j = 0; j < 2; j++)
            m64 |= (uint32_t)(x[8 * j + 7] >> 7) << j;
        counts[0] += t8, counts[1] += t16, counts[2] += t32, counts[3] += t64;
        counts[4] += m16, counts[5] += m32, counts[6] += m64, counts[7] += any;
#endif
    }
    uint64_t h = hash(OUT, 2048, H0);
    h = hash(&npos, 4, h);
    return hash(counts, sizeof counts, h);
}

/* ------------------------------------------- swizzle, shuffle: hex, etc */

EXPORT(k_hex) uint64_t k_hex(uint32_t seed)
{
    fill(seed);
    static const char digits[16] = "0123456789abcdef";
    for (int i = 0; i < N; i += 16) {
        uint8_t *o = OUT + 4 * i;
#if SIMD
        v128_t a = wasm_v128_load(A + i), b = wasm_v128_load(B + i);
        v128_t tbl = wasm_v128_load(digits);
        v128_t hi = wasm_i8x16_swizzle(tbl, wasm_u8x16_shr(a, 4));
        v128_t lo = wasm_i8x16_swizzle(tbl, wasm_v128_and(a, wasm_i8x16_splat(15)));
        wasm_v128_store(o, wasm_i8x16_shuffle(hi, lo, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21,
                                              6, 22, 7, 23));
        wasm_v128_store(o + 16, wasm_i8x16_shuffle(hi, lo, 8, 24, 9, 25, 10, 26, 11, 27, 12,
                                                   28, 13, 29, 14, 30, 15, 31));
        wasm_v128_store(o + 32, wasm_i8x16_shuffle(b, b, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5,
                                                   4, 3, 2, 1, 0));
        wasm_v128_store(o + 48, wasm_i8x16_swizzle(a, b));
#else
        for (int j = 0; j < 16; j++) {
            uint8_t a = A[i + j], b = B[i + j];
            o[2 * j] = (uint8_t)digits[a >> 4];
            o[2 * j + 1] = (uint8_t)digits[a & 15];
            o[32 + 15 - j] = b;
            o[48 + j] = b < 16 ? A[i + b] : 0;
        }
#endif
    }
    return hash(OUT, 4 * N, H0);
}

/* ---------------------------------------- widen, narrow, extadd, extmul */

EXPORT(k_widen) uint64_t k_widen(uint32_t seed)
{
    fill(seed);
    for (int i = 0; i < N; i += 16) {
        uint8_t *o = OUT + 16 * i;
#if SIMD
        v128_t a = wasm_v128_load(A + i), b = wasm_v128_load(B + i);
        v128_t lo = wasm_u16x8_extend_low_u8x16(a), hi = wasm_u16x8_extend_high_u8x16(a);
        v128_t slo = wasm_i16x8_extend_low_i8x16(b), shi = wasm_i16x8_extend_high_i8x16(b);
        v128_t p0 = wasm_i16x8_shr(wasm_i16x8_mul(lo, slo), 3);
        v128_t p1 = wasm_i16x8_shr(wasm_i16x8_mul(hi, shi), 2);
        wasm_v128_store(o, wasm_u8x16_narrow_i16x8(p0, p1));
        wasm_v128_store(o + 16, wasm_i8x16_narrow_i16x8(p1, p0));
        v128_t w0 = wasm_i32x4_extend_low_i16x8(p0), w1 = wasm_u32x4_extend_high_u16x8(p1);
        v128_t w2 = wasm_u32x4_extend_low_u16x8(p1), w3 = wasm_i32x4_extend_high_i16x8(p0);
        v128_t q0 = wasm_i32x4_mul(wasm_i32x4_sub(w0, w1), wasm_i32x4_add(w2, w3));
        v128_t q1 = wasm_i32x4_shl(wasm_i32x4_add(w0, w3), 9);
        wasm_v128_store(o + 32, wasm_i16x8_narrow_i32x4(q0, q1));
        wasm_v128_store(o + 48, wasm_u16x8_narrow_i32x4(q1, q0));
        v128_t e0 = wasm_i16x8_extadd_pairwise_i8x16(a), e1 = wasm_u16x8_extadd_pairwise_u8x16(b);
        wasm_v128_store(o + 64, e0);
        wasm_v128_store(o + 80, e1);
        wasm_v128_store(o + 96, wasm_i32x4_extadd_pairwise_i16x8(wasm_i16x8_sub(e0, e1)));
        wasm_v128_store(o + 112, wasm_u32x4_extadd_pairwise_u16x8(wasm_i16x8_mul(e0, e1)));
        wasm_v128_store(o + 128, wasm_i16x8_extmul_low_i8x16(a, b));
        wasm_v128_store(o + 144, wasm_i16x8_extmul_high_i8x16(a, b));
        wasm_v128_store(o + 160, wasm_u16x8_extmul_low_u8x16(a, b));
        wasm_v128_store(o + 176, wasm_u16x8_extmul_high_u8x16(a, b));
        wasm_v128_store(o + 192, wasm_i32x4_max(wasm_i32x4_min(q0, q1), wasm_u32x4_min(w0, w3)));
        wasm_v128_store(o + 208, wasm_u32x4_max(wasm_i32x4_abs(q0), wasm_i32x4_neg(q1)));
        wasm_v128_store(o + 224, wasm_v128_or(wasm_v128_and(wasm_i32x4_lt(q0, q1), wasm_u32x4_ge(w0, w3)),
                                              wasm_v128_and(wasm_u32x4_gt(q0, q1), wasm_i32x4_le(w1, w2))));
        wasm_v128_store(o + 240, wasm_v128_xor(wasm_u32x4_shr(q0, 7), wasm_i32x4_shr(q1, 1)));
#else
        int16_t p0[8], p1[8];
        for (int j = 0; j < 8; j++) {
            p0[j] = (int16_t)((int16_t)(uint16_t)((uint32_t)A[i + j] * (uint32_t)(uint16_t)(int8_t)B[i + j]) >> 3);
            p1[j] = (int16_t)((int16_t)(uint16_t)((uint32_t)A[i + 8 + j] *
                                                  (uint32_t)(uint16_t)(int8_t)B[i + 8 + j]) >> 2);
        }
        for (int j = 0; j < 8; j++) {
            o[j] = (uint8_t)clampi(p0[j], 0, 255);
            o[8 + j] = (uint8_t)clampi(p1[j], 0, 255);
            o[16 + j] = (uint8_t)clampi(p1[j], -128, 127);
            o[24 + j] = (uint8_t)clampi(p0[j], -128, 127);
        }
        int32_t w0[4], w1[4], w2[4], w3[4], q0[4], q1[4];
        for (int j = 0; j < 4; j++) {
            w0[j] = p0[j];
            w1[j] = (uint16_t)p1[4 + j];
            w2[j] = (uint16_t)p1[j];
            w3[j] = p0[4 + j];
            q0[j] = (int32_t)(((uint32_t)w0[j] - (uint32_t)w1[j]) * ((uint32_t)w2[j] + (uint32_t)w3[j]));
            q1[j] = (int32_t)(((uint32_t)w0[j] + (uint32_t)w3[j]) << 9);
        }
        int16_t n16[8];
        uint16_t u16[8];
        for (int j = 0; j < 4; j++) {
            n16[j] = (int16_t)clampi(q0[j], -32768, 32767);
            n16[4 + j] = (int16_t)clampi(q1[j], -32768, 32767);
            u16[j] = (uint16_t)clampi(q1[j], 0, 65535);
            u16[4 + j] = (uint16_t)clampi(q0[j], 0, 65535);
        }
        memcpy(o + 32, n16, 16);
        memcpy(o + 48, u16, 16);
        int16_t e0[8];
        uint16_t e1[8];
        for (int j = 0; j < 8; j++) {
            e0[j] = (int16_t)((int8_t)A[i + 2 * j] + (int8_t)A[i + 2 * j + 1]);
            e1[j] = (uint16_t)(B[i + 2 * j] + B[i + 2 * j + 1]);
        }
        memcpy(o + 64, e0, 16);
        memcpy(o + 80, e1, 16);
        int32_t x32[4];
        uint32_t y32[4];
        for (int j = 0; j < 4; j++) {
            x32[j] = (int16_t)(uint16_t)((uint16_t)e0[2 * j] - e1[2 * j]) +
                     (int16_t)(uint16_t)((uint16_t)e0[2 * j + 1] - e1[2 * j + 1]);
            y32[j] = (uint32_t)(uint16_t)((uint32_t)(uint16_t)e0[2 * j] * e1[2 * j]) +
                     (uint16_t)((uint32_t)(uint16_t)e0[2 * j + 1] * e1[2 * j + 1]);
        }
        memcpy(o + 96, x32, 16);
        memcpy(o + 112, y32, 16);
        int16_t m0[8], m1[8];
        uint16_t m2[8], m3[8];
        for (int j = 0; j < 8; j++) {
            m0[j] = (int16_t)((int8_t)A[i + j] * (int8_t)B[i + j]);
            m1[j] = (int16_t)((int8_t)A[i + 8 + j] * (int8_t)B[i + 8 + j]);
            m2[j] = (uint16_t)(A[i + j] * B[i + j]);
            m3[j] = (uint16_t)(A[i + 8 + j] * B[i + 8 + j]);
        }
        memcpy(o + 128, m0, 16);
        memcpy(o + 144, m1, 16);
        memcpy(o + 160, m2, 16);
        memcpy(o + 176, m3, 16);
        uint32_t r0[4], r1[4], r2[4], r3[4];
        for (int j = 0; j < 4; j++) {
            int32_t smin = q0[j] < q1[j] ? q0[j] : q1[j];
            uint32_t umin = (uint32_t)w0[j] < (uint32_t)w3[j] ? (uint32_t)w0[j] : (uint32_t)w3[j];
            r0[j] = (uint32_t)(smin > (int32_t)umin ? smin : (int32_t)umin);
            uint32_t ab = q0[j] < 0 ? 0u - (uint32_t)q0[j] : (uint32_t)q0[j];
            uint32_t ng = 0u - (uint32_t)q1[j];
            r1[j] = ab > ng ? ab : ng;
            uint32_t c1 = (q0[j] < q1[j] ? ~0u : 0) & ((uint32_t)w0[j] >= (uint32_t)w3[j] ? ~0u : 0);
            uint32_t c2 = ((uint32_t)q0[j] > (uint32_t)q1[j] ? ~0u : 0) & (w1[j] <= w2[j] ? ~0u : 0);
            r2[j] = c1 | c2;
            r3[j] = ((uint32_t)q0[j] >> 7) ^ (uint32_t)(q1[j] >> 1);
        }
        memcpy(o + 192, r0, 16);
        memcpy(o + 208, r1, 16);
        memcpy(o + 224, r2, 16);
        memcpy(o + 240, r3, 16);
#endif
    }
    return hash(OUT, 16 * N, H0);
}

/* --------------------------------------------------------- i64x2 lanes */

EXPORT(k_i64) uint64_t k_i64(uint32_t seed)
{
    fill(seed);
    uint64_t acc[2] = {0x0123456789abcdefull, 0xfedcba9876543210ull};
    for (int i = 0; i < N; i += 16) {
        uint8_t *o = OUT + 10 * i;
#if SIMD
        v128_t a = wasm_v128_load(A + i), b = wasm_v128_load(B + i);
        v128_t x = wasm_v128_load(acc);
        x = wasm_i64x2_add(wasm_i64x2_mul(x, wasm_i64x2_splat(0x9e3779b97f4a7c15ll)), a);
        x = wasm_v128_xor(x, wasm_u64x2_shr(x, 29));
        x = wasm_i64x2_sub(x, wasm_i64x2_shl(b, ((unsigned)i / 16) & 63));
        wasm_v128_store(acc, x);
        v128_t s = wasm_i64x2_shr(x, ((unsigned)i / 8 + 1) & 63);
        wasm_v128_store(o, s);
        wasm_v128_store(o + 16, wasm_v128_bitselect(a, b, wasm_i64x2_gt(a, b)));
        v128_t m = wasm_v128_or(wasm_v128_and(wasm_i64x2_lt(a, s), wasm_i64x2_ge(b, s)),
                                wasm_v128_and(wasm_i64x2_le(a, b), wasm_i64x2_ne(a, s)));
        wasm_v128_store(o + 32, wasm_v128_xor(m, wasm_i64x2_eq(b, b)));
        wasm_v128_store(o + 48, wasm_i64x2_abs(wasm_i64x2_neg(s)));
        wasm_v128_store(o + 64, wasm_u64x2_extmul_low_u32x4(a, b));
        wasm_v128_store(o + 80, wasm_i64x2_extmul_high_i32x4(a, b));
        wasm_v128_store(o + 96, wasm_i64x2_extmul_low_i32x4(a, x));
        wasm_v128_store(o + 112, wasm_u64x2_extmul_high_u32x4(x, b));
        wasm_v128_store(o + 128, wasm_i64x2_add(wasm_i64x2_extend_low_i32x4(a), wasm_u64x2_extend_high_u32x4(b)));
        wasm_v128_store(o + 144, wasm_i64x2_sub(wasm_u64x2_extend_low_u32x4(a), wasm_i64x2_extend_high_i32x4(b)));
#else
        uint64_t a[2], b[2], x[2], s[2];
        memcpy(a, A + i, 16), memcpy(b, B + i, 16);
        uint64_t r[10][2];
        uint32_t ua[4], ub[4], ux[4];
        memcpy(ua, A + i, 16), memcpy(ub, B + i, 16);
        for (int j = 0; j < 2; j++) {
            x[j] = acc[j] * 0x9e3779b97f4a7c15ull + a[j];
            x[j] ^= x[j] >> 29;
            x[j] -= b[j] << ((i / 16) & 63);
            acc[j] = x[j];
            s[j] = (uint64_t)((int64_t)x[j] >> ((i / 8 + 1) & 63));
            r[0][j] = s[j];
            r[1][j] = (int64_t)a[j] > (int64_t)b[j] ? a[j] : b[j];
            uint64_t c1 = ((int64_t)a[j] < (int64_t)s[j] ? ~0ull : 0) & ((int64_t)b[j] >= (int64_t)s[j] ? ~0ull : 0);
            uint64_t c2 = ((int64_t)a[j] <= (int64_t)b[j] ? ~0ull : 0) & (a[j] != s[j] ? ~0ull : 0);
            r[2][j] = (c1 | c2) ^ ~0ull;
            uint64_t ng = 0 - s[j];
            r[3][j] = (int64_t)ng < 0 ? 0 - ng : ng;
        }
        memcpy(ux, x, 16);
        for (int j = 0; j < 2; j++) {
            r[4][j] = (uint64_t)ua[j] * ub[j];
            r[5][j] = (uint64_t)((int64_t)(int32_t)ua[2 + j] * (int32_t)ub[2 + j]);
            r[6][j] = (uint64_t)((int64_t)(int32_t)ua[j] * (int32_t)ux[j]);
            r[7][j] = (uint64_t)ux[2 + j] * ub[2 + j];
            r[8][j] = (uint64_t)(int64_t)(int32_t)ua[j] + ub[2 + j];
            r[9][j] = (uint64_t)ua[j] - (uint64_t)(int64_t)(int32_t)ub[2 + j];
        }
        memcpy(o, r, sizeof r);
#endif
    }
    return hash(acc, sizeof acc, hash(OUT, 10 * N, H0));
}

/* --------------------------------------- every load and store variant */

EXPORT(k_loads) uint64_t k_loads(uint32_t seed)
{
    fill(seed);
    uint8_t *o = OUT;
    for (int i = 0; i + 24 <= N; i += 24) {
        const uint8_t *p = A + i + 1; /* deliberately unaligned */
#if SIMD
        v128_t acc = wasm_v128_load(p);
        acc = wasm_i16x8_add(acc, wasm_i16x8_load8x8(p + 3));
        acc = wasm_i16x8_add(acc, wasm_u16x8_load8x8(p + 5));
        acc = wasm_i32x4_add(acc, wasm_i32x4_load16x4(p + 1));
        acc = wasm_i32x4_add(acc, wasm_u32x4_load16x4(p + 7));
        acc = wasm_i64x2_add(acc, wasm_i64x2_load32x2(p + 2));
        acc = wasm_i64x2_add(acc, wasm_u64x2_load32x2(p + 9));
        acc = wasm_v128_xor(acc, wasm_v128_load8_splat(p + 4));
        acc = wasm_v128_xor(acc, wasm_v128_load16_splat(p + 5));
        acc = wasm_v128_xor(acc, wasm_v128_load32_splat(p + 6));
        acc = wasm_v128_xor(acc, wasm_v128_load64_splat(p + 7));
        acc = wasm_i8x16_add(acc, wasm_v128_load32_zero(p + 11));
        acc = wasm_i8x16_add(acc, wasm_v128_load64_zero(p + 13));
        acc = wasm_v128_load8_lane(p + 15, acc, 13);
        acc = wasm_v128_load16_lane(p + 2, acc, 6);
        acc = wasm_v128_load32_lane(p + 3, acc, 1);
        acc = wasm_v128_load64_lane(p + 4, acc, 1);
        acc = wasm_i8x16_replace_lane(acc, 2, (int8_t)(wasm_i8x16_extract_lane(acc, 9) + wasm_u8x16_extract_lane(acc, 10)));
        acc = wasm_i16x8_replace_lane(acc, 0, (int16_t)(wasm_i16x8_extract_lane(acc, 5) ^ wasm_u16x8_extract_lane(acc, 3)));
        acc = wasm_i32x4_replace_lane(acc, 3, wasm_i32x4_extract_lane(acc, 2) * 3);
        acc = wasm_i64x2_replace_lane(acc, 0, wasm_i64x2_extract_lane(acc, 1) + 1);
        acc = wasm_f32x4_replace_lane(acc, 1, wasm_f32x4_extract_lane(wasm_f32x4_splat(1.5f), 2));
        acc = wasm_f64x2_replace_lane(acc, 1, wasm_f64x2_extract_lane(wasm_f64x2_splat(-2.25), 0));
        wasm_v128_store(o + 1, acc);
        wasm_v128_store8_lane(o + 18, acc, 7);
        wasm_v128_store16_lane(o + 19, acc, 5);
        wasm_v128_store32_lane(o + 21, acc, 3);
        wasm_v128_store64_lane(o + 25, acc, 0);
#else
        uint8_t v[16];
        memcpy(v, p, 16);
        for (int j = 0; j < 8; j++) { /* i16 lanes: +(int8) and +(uint8) */
            uint16_t x;
            memcpy(&x, v + 2 * j, 2);
            x = (uint16_t)(x + (uint16_t)(int8_t)p[3 + j] + p[5 + j]);
            memcpy(v + 2 * j, &x, 2);
        }
        for (int j = 0; j < 4; j++) {
            uint32_t x;
            int16_t s16;
            uint16_t u16;
            memcpy(&x, v + 4 * j, 4);
            memcpy(&s16, p + 1 + 2 * j, 2);
            memcpy(&u16, p + 7 + 2 * j, 2);
            x = x + (uint32_t)(int32_t)s16 + u16;
            memcpy(v + 4 * j, &x, 4);
        }
        for (int j = 0; j < 2; j++) {
            uint64_t x;
            int32_t s32;
            uint32_t u32;
            memcpy(&x, v + 8 * j, 8);
            memcpy(&s32, p + 2 + 4 * j, 4);
            memcpy(&u32, p + 9 + 4 * j, 4);
            x = x + (uint64_t)(int64_t)s32 + u32;
            memcpy(v + 8 * j, &x, 8);
        }
        for (int j = 0; j < 16; j++)
            v[j] ^= p[4];
        for (int j = 0; j < 16; j++)
            v[j] ^= p[5 + (j & 1)];
        for (int j = 0; j < 16; j++)
            v[j] ^= p[6 + (j & 3)];
        for (int j = 0; j < 16; j++)
            v[j] ^= p[7 + (j & 7)];
        for (int j = 0; j < 4; j++)
            v[j] = (uint8_t)(v[j] + p[11 + j]);
        for (int j = 0; j < 8; j++)
            v[j] = (uint8_t)(v[j] + p[13 + j]);
        v[13] = p[15];
        memcpy(v + 12, p + 2, 2);
        memcpy(v + 4, p + 3, 4);
        memcpy(v + 8, p + 4, 8);
        v[2] = (uint8_t)((int8_t)v[9] + v[10]);
        uint16_t l5, l3, l0;
        memcpy(&l5, v + 10, 2);
        memcpy(&l3, v + 6, 2);
        l0 = (uint16_t)((int16_t)l5 ^ l3);
        memcpy(v, &l0, 2);
        uint32_t l2;
        memcpy(&l2, v + 8, 4);
        l2 *= 3;
        memcpy(v + 12, &l2, 4);
        uint64_t q1;
        memcpy(&q1, v + 8, 8);
        q1 += 1;
        memcpy(v, &q1, 8);
        float f = 1.5f;
        memcpy(v + 4, &f, 4);
        double d = -2.25;
        memcpy(v + 8, &d, 8);
        memcpy(o + 1, v, 16);
        o[18] = v[7];
        memcpy(o + 19, v + 10, 2);
        memcpy(o + 21, v + 12, 4);
        memcpy(o + 25, v, 8);
#endif
        o += 33;
    }
    return hash(OUT, (size_t)(o - OUT), H0);
}

/* ---------------------------------------------------- f64x2 and friends */

EXPORT(k_f64) uint64_t k_f64(uint32_t seed)
{
    enum { M = N / 16 };
    static float X[M] __attribute__((aligned(16))), Y[M] __attribute__((aligned(16)));
    fill(seed);
    fill_f32(X, Y, M);
    for (int i = 0; i < M; i += 4) {
        uint8_t *o = OUT + 64 * i;
#if SIMD
        v128_t fx = wasm_v128_load(X + i), fy = wasm_v128_load(Y + i);
        v128_t x = wasm_f64x2_promote_low_f32x4(fx);
        v128_t y = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(fy, fy, 2, 3, 0, 1));
        v128_t s = wasm_f64x2_add(wasm_f64x2_mul(x, wasm_f64x2_splat(1.0 / 3.0)), y);
        wasm_v128_store(o, wasm_f64x2_sqrt(wasm_f64x2_abs(s)));
        wasm_v128_store(o + 16, wasm_f64x2_div(wasm_f64x2_sub(s, y), x));
        wasm_v128_store(o + 32, wasm_f64x2_floor(s));
        wasm_v128_store(o + 48, wasm_f64x2_ceil(wasm_f64x2_neg(s)));
        wasm_v128_store(o + 64, wasm_f64x2_trunc(wasm_f64x2_mul(s, wasm_f64x2_splat(7.5))));
        wasm_v128_store(o + 80, wasm_f64x2_nearest(wasm_f64x2_mul(y, wasm_f64x2_splat(0.5))));
        wasm_v128_store(o + 96, wasm_f64x2_min(x, y));
        wasm_v128_store(o + 112, wasm_f64x2_max(x, y));
        wasm_v128_store(o + 128, wasm_f64x2_pmin(x, y));
        wasm_v128_store(o + 144, wasm_f64x2_pmax(x, y));
        v128_t big = wasm_f64x2_mul(s, wasm_f64x2_splat(1e7));
        v128_t ti = wasm_i32x4_trunc_sat_f64x2_zero(big);
        v128_t tu = wasm_u32x4_trunc_sat_f64x2_zero(big);
        wasm_v128_store(o + 160, ti);
        wasm_v128_store(o + 176, tu);
        wasm_v128_store(o + 192, wasm_f64x2_convert_low_i32x4(wasm_i32x4_sub(ti, tu)));
        wasm_v128_store(o + 208, wasm_f64x2_convert_low_u32x4(wasm_i32x4_add(ti, tu)));
        wasm_v128_store(o + 224, wasm_f32x4_demote_f64x2_zero(wasm_f64x2_mul(s, wasm_f64x2_splat(1e37))));
        v128_t m = wasm_v128_or(wasm_v128_and(wasm_f64x2_lt(x, y), wasm_f64x2_ne(x, s)),
                                wasm_v128_and(wasm_f64x2_ge(x, y), wasm_f64x2_le(s, y)));
        m = wasm_v128_xor(m, wasm_v128_and(wasm_f64x2_eq(x, y), wasm_f64x2_gt(s, x)));
        wasm_v128_store(o + 240, m);
#else
        double r[16][2];
        for (int j = 0; j < 2; j++) {
            double x = X[i + j], y = Y[i + (j + 2) % 4];
            double s = x * (1.0 / 3.0) + y;
            r[0][j] = sqrt(fabs(s));
            r[1][j] = (s - y) / x;
            r[2][j] = floor(s);
            r[3][j] = ceil(-s);
            r[4][j] = trunc(s * 7.5);
            r[5][j] = nearbyint(y * 0.5);
            r[6][j] = wmin(x, y);
            r[7][j] = wmax(x, y);
            r[8][j] = y < x ? y : x;
            r[9][j] = x < y ? y : x;
            uint64_t m1 = ((x < y ? ~0ull : 0) & (x != s ? ~0ull : 0)) |
                          ((x >= y ? ~0ull : 0) & (s <= y ? ~0ull : 0));
            m1 ^= (x == y ? ~0ull : 0) & (s > x ? ~0ull : 0);
            memcpy(&r[15][j], &m1, 8);
        }
        /* Lane-crossing parts: trunc_sat to i32x4 with zero upper lanes,
         * converts of the low lanes, demote to f32x4 with zero upper lanes. */
        int32_t ti[4] = {0, 0, 0, 0};
        uint32_t tu[4] = {0, 0, 0, 0};
        float dm[4] = {0, 0, 0, 0};
        for (int j = 0; j < 2; j++) {
            double x = X[i + j], y = Y[i + (j + 2) % 4];
            double s = x * (1.0 / 3.0) + y;
            ti[j] = sat_s32(s * 1e7);
            tu[j] = sat_u32(s * 1e7);
            dm[j] = (float)(s * 1e37);
        }
        memcpy(r[10], ti, 16);
        memcpy(r[11], tu, 16);
        for (int j = 0; j < 2; j++) {
            r[12][j] = (double)(int32_t)((uint32_t)ti[j] - tu[j]);
            r[13][j] = (double)((uint32_t)ti[j] + tu[j]);
        }
        memcpy(r[14], dm, 16);
        memcpy(o, r, sizeof r);
#endif
    }
    fold_nan64((uint64_t *)(void *)OUT, sizeof OUT / 8);
    return hash(OUT, sizeof OUT, H0);
}

/* ------------------------------------------ plain C, auto-vectorised */

EXPORT(k_autovec) uint64_t k_autovec(uint32_t seed)
{
    fill(seed);
    uint32_t *o32 = (uint32_t *)(void *)OUT;
    for (int i = 0; i < N; i++)
        o32[i] = (uint32_t)A[i] * B[i] + (A[i] >> 3) - (uint32_t)B[i] * 7u;
    uint32_t sad = 0;
    for (int i = 0; i < N; i++)
        sad += (uint32_t)(A[i] > B[i] ? A[i] - B[i] : B[i] - A[i]);
    int16_t a16[N / 2], b16[N / 2];
    memcpy(a16, A, N), memcpy(b16, B, N);
    for (int i = 0; i < N / 2; i++) {
        int32_t v = a16[i] * 3 - b16[i];
        a16[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
    }
    uint8_t mn = 255, mx = 0;
    for (int i = 0; i < N; i++) {
        mn = A[i] < mn ? A[i] : mn;
        mx = B[i] > mx ? B[i] : mx;
    }
    uint64_t h = hash(OUT, 4 * N, H0);
    h = hash(&sad, 4, h);
    h = hash(a16, sizeof a16, h);
    h = hash(&mn, 1, h);
    return hash(&mx, 1, h);
}
