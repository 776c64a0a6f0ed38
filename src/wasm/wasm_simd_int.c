/* wasm_simd_int.c: integer lane arithmetic of v128 (i8x16 .. i64x2).
 *
 * Every op is a plain loop over lanes that the compiler may vectorise.
 * Wrapping arithmetic is done on unsigned lanes (signed overflow is
 * undefined in C and UBSan checks it); saturating ops compute in a wider
 * type and clamp; widening ops (extend, extmul, extadd, dot) read the
 * narrow lanes as declared and compute in the wide type. Shift counts are
 * taken modulo the lane width, as the spec says.
 */
#include "wasm/wasm_simd.h"

/* ------------------------------------------------------------- templates */

/* r[i] = expr over x = a.F[i], y = b.F[i]. */
#define LANES_BIN(id, F, n, expr)                           \
    wasm__v128 wasm__simd_##id(wasm__v128 a, wasm__v128 b) \
    {                                                       \
        wasm__v128 r;                                       \
        for (int i = 0; i < (n); i++) {                     \
            __typeof__(a.F[0]) x = a.F[i], y = b.F[i];      \
            r.F[i] = (__typeof__(a.F[0]))(expr);            \
        }                                                   \
        return r;                                           \
    }

/* r[i] = expr over x = a.F[i]. */
#define LANES_UN(id, F, n, expr)                \
    wasm__v128 wasm__simd_##id(wasm__v128 a)   \
    {                                           \
        wasm__v128 r;                           \
        for (int i = 0; i < (n); i++) {         \
            __typeof__(a.F[0]) x = a.F[i];      \
            r.F[i] = (__typeof__(a.F[0]))(expr); \
        }                                       \
        return r;                               \
    }

/* Comparison: all ones where cond holds on (x = a.F[i], y = b.F[i]). */
#define LANES_CMP(id, F, U, n, cond)                        \
    wasm__v128 wasm__simd_##id(wasm__v128 a, wasm__v128 b) \
    {                                                       \
        wasm__v128 r;                                       \
        for (int i = 0; i < (n); i++) {                     \
            __typeof__(a.F[0]) x = a.F[i], y = b.F[i];      \
            r.U[i] = (cond) ? (__typeof__(r.U[0]))~0ull : 0; \
        }                                                   \
        return r;                                           \
    }

#define CMP_SET(sh, I, U, n)                          \
    LANES_CMP(sh##_eq, U, U, n, x == y)               \
    LANES_CMP(sh##_ne, U, U, n, x != y)               \
    LANES_CMP(sh##_lt_s, I, U, n, x < y)              \
    LANES_CMP(sh##_lt_u, U, U, n, x < y)              \
    LANES_CMP(sh##_gt_s, I, U, n, x > y)              \
    LANES_CMP(sh##_gt_u, U, U, n, x > y)              \
    LANES_CMP(sh##_le_s, I, U, n, x <= y)             \
    LANES_CMP(sh##_le_u, U, U, n, x <= y)             \
    LANES_CMP(sh##_ge_s, I, U, n, x >= y)             \
    LANES_CMP(sh##_ge_u, U, U, n, x >= y)

/* Wrapping add/sub/neg on unsigned lanes; abs through unsigned negation so
 * that abs(INT_MIN) wraps to INT_MIN without signed overflow. */
#define WRAP_SET(sh, I, U, n, W)                                      \
    LANES_BIN(sh##_add, U, n, (W)x + (W)y)                            \
    LANES_BIN(sh##_sub, U, n, (W)x - (W)y)                            \
    LANES_UN(sh##_neg, U, n, (W)0 - (W)x)                             \
    LANES_UN(sh##_abs, U, n, (x >> (sizeof x * 8 - 1)) ? (W)0 - (W)x : (W)x)

/* Shifts: the count is taken modulo the lane width. */
#define SHIFT_SET(sh, I, U, n, W)                                       \
    wasm__v128 wasm__simd_##sh##_shl(wasm__v128 a, uint32_t count)      \
    {                                                                   \
        wasm__v128 r;                                                   \
        unsigned k = count & (sizeof a.U[0] * 8 - 1);                  \
        for (int i = 0; i < (n); i++)                                   \
            r.U[i] = (__typeof__(r.U[0]))((W)a.U[i] << k);              \
        return r;                                                       \
    }                                                                   \
    wasm__v128 wasm__simd_##sh##_shr_u(wasm__v128 a, uint32_t count)    \
    {                                                                   \
        wasm__v128 r;                                                   \
        unsigned k = count & (sizeof a.U[0] * 8 - 1);                  \
        for (int i = 0; i < (n); i++)                                   \
            r.U[i] = (__typeof__(r.U[0]))((W)a.U[i] >> k);              \
        return r;                                                       \
    }                                                                   \
    wasm__v128 wasm__simd_##sh##_shr_s(wasm__v128 a, uint32_t count)    \
    {                                                                   \
        wasm__v128 r;                                                   \
        unsigned k = count & (sizeof a.U[0] * 8 - 1);                  \
        for (int i = 0; i < (n); i++)                                   \
            r.I[i] = (__typeof__(r.I[0]))(a.I[i] >> k);                 \
        return r;                                                       \
    }

/* Lane-wise minimum and maximum, signed and unsigned. */
#define MINMAX_SET(sh, I, U, n)                  \
    LANES_BIN(sh##_min_s, I, n, x < y ? x : y)   \
    LANES_BIN(sh##_min_u, U, n, x < y ? x : y)   \
    LANES_BIN(sh##_max_s, I, n, x > y ? x : y)   \
    LANES_BIN(sh##_max_u, U, n, x > y ? x : y)

/* all_true: every lane non-zero; bitmask: bit i = top bit of lane i. */
#define TEST_SET(sh, I, n)                                \
    uint32_t wasm__simd_##sh##_all_true(wasm__v128 a)     \
    {                                                     \
        for (int i = 0; i < (n); i++)                     \
            if (a.I[i] == 0)                              \
                return 0;                                 \
        return 1;                                         \
    }                                                     \
    uint32_t wasm__simd_##sh##_bitmask(wasm__v128 a)      \
    {                                                     \
        uint32_t m = 0;                                   \
        for (int i = 0; i < (n); i++)                     \
            m |= (uint32_t)(a.I[i] < 0) << i;             \
        return m;                                         \
    }

/* Saturating add/sub, computed in int32 (inputs are 8 or 16 bits). */
static inline int32_t clamp32(int32_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

#define SAT_SET(sh, I, U, n, smin, smax, umax)                                     \
    LANES_BIN(sh##_add_sat_s, I, n, clamp32((int32_t)x + (int32_t)y, smin, smax))  \
    LANES_BIN(sh##_sub_sat_s, I, n, clamp32((int32_t)x - (int32_t)y, smin, smax))  \
    LANES_BIN(sh##_add_sat_u, U, n, clamp32((int32_t)x + (int32_t)y, 0, umax))     \
    LANES_BIN(sh##_sub_sat_u, U, n, clamp32((int32_t)x - (int32_t)y, 0, umax))     \
    LANES_BIN(sh##_avgr_u, U, n, ((uint32_t)x + (uint32_t)y + 1) >> 1)

/* Widening ops. SRC/DST are union fields; half is 0 (low) or 1 (high). */
#define EXTEND(id, SRC, DST, n, half)                    \
    wasm__v128 wasm__simd_##id(wasm__v128 a)            \
    {                                                    \
        wasm__v128 r;                                    \
        for (int i = 0; i < (n); i++)                    \
            r.DST[i] = a.SRC[i + (half) * (n)];          \
        return r;                                        \
    }

/* The product is computed in the wide *signed or unsigned* type W, where it
 * always fits (|-2^(k-1)|^2 = 2^(2k-2) < 2^(2k-1)). */
#define EXTMUL(id, SRC, DST, n, half, W)                                   \
    wasm__v128 wasm__simd_##id(wasm__v128 a, wasm__v128 b)                \
    {                                                                      \
        wasm__v128 r;                                                      \
        for (int i = 0; i < (n); i++)                                      \
            r.DST[i] = (W)a.SRC[i + (half) * (n)] * (W)b.SRC[i + (half) * (n)]; \
        return r;                                                          \
    }

#define EXTADD(id, SRC, DST, n, W)                                  \
    wasm__v128 wasm__simd_##id(wasm__v128 a)                       \
    {                                                               \
        wasm__v128 r;                                               \
        for (int i = 0; i < (n); i++)                               \
            r.DST[i] = (W)((W)a.SRC[2 * i] + (W)a.SRC[2 * i + 1]);  \
        return r;                                                   \
    }

/* ------------------------------------------------------------------ i8x16 */

CMP_SET(i8x16, i8, u8, 16)
WRAP_SET(i8x16, i8, u8, 16, uint32_t)
SHIFT_SET(i8x16, i8, u8, 16, uint32_t)
MINMAX_SET(i8x16, i8, u8, 16)
TEST_SET(i8x16, i8, 16)
SAT_SET(i8x16, i8, u8, 16, -128, 127, 255)
LANES_UN(i8x16_popcnt, u8, 16, __builtin_popcount(x))

/* Lanes 0..7 from a, 8..15 from b, each 16-bit lane clamped to 8 bits. */
wasm__v128 wasm__simd_i8x16_narrow_i16x8_s(wasm__v128 a, wasm__v128 b)
{
    wasm__v128 r;
    for (int i = 0; i < 8; i++) {
        r.i8[i] = (int8_t)clamp32(a.i16[i], -128, 127);
        r.i8[i + 8] = (int8_t)clamp32(b.i16[i], -128, 127);
    }
    return r;
}

wasm__v128 wasm__simd_i8x16_narrow_i16x8_u(wasm__v128 a, wasm__v128 b)
{
    wasm__v128 r;
    for (int i = 0; i < 8; i++) {
        r.u8[i] = (uint8_t)clamp32(a.i16[i], 0, 255);
        r.u8[i + 8] = (uint8_t)clamp32(b.i16[i], 0, 255);
    }
    return r;
}

/* ------------------------------------------------------------------ i16x8 */

CMP_SET(i16x8, i16, u16, 8)
WRAP_SET(i16x8, i16, u16, 8, uint32_t)
SHIFT_SET(i16x8, i16, u16, 8, uint32_t)
MINMAX_SET(i16x8, i16, u16, 8)
TEST_SET(i16x8, i16, 8)
SAT_SET(i16x8, i16, u16, 8, -32768, 32767, 65535)
/* uint32_t operands: a uint16_t product would be promoted to int and
 * 0xFFFF * 0xFFFF overflows it. */
LANES_BIN(i16x8_mul, u16, 8, (uint32_t)x * (uint32_t)y)

/* (x*y + 2^14) >> 15, saturated; only -32768 * -32768 saturates. */
LANES_BIN(i16x8_q15mulr_sat_s, i16, 8,
          clamp32(((int32_t)x * (int32_t)y + 0x4000) >> 15, -32768, 32767))

wasm__v128 wasm__simd_i16x8_narrow_i32x4_s(wasm__v128 a, wasm__v128 b)
{
    wasm__v128 r;
    for (int i = 0; i < 4; i++) {
        r.i16[i] = (int16_t)clamp32(a.i32[i], -32768, 32767);
        r.i16[i + 4] = (int16_t)clamp32(b.i32[i], -32768, 32767);
    }
    return r;
}

wasm__v128 wasm__simd_i16x8_narrow_i32x4_u(wasm__v128 a, wasm__v128 b)
{
    wasm__v128 r;
    for (int i = 0; i < 4; i++) {
        r.u16[i] = (uint16_t)clamp32(a.i32[i], 0, 65535);
        r.u16[i + 4] = (uint16_t)clamp32(b.i32[i], 0, 65535);
    }
    return r;
}

EXTEND(i16x8_extend_low_i8x16_s, i8, i16, 8, 0)
EXTEND(i16x8_extend_high_i8x16_s, i8, i16, 8, 1)
EXTEND(i16x8_extend_low_i8x16_u, u8, u16, 8, 0)
EXTEND(i16x8_extend_high_i8x16_u, u8, u16, 8, 1)
EXTMUL(i16x8_extmul_low_i8x16_s, i8, i16, 8, 0, int32_t)
EXTMUL(i16x8_extmul_high_i8x16_s, i8, i16, 8, 1, int32_t)
EXTMUL(i16x8_extmul_low_i8x16_u, u8, u16, 8, 0, uint32_t)
EXTMUL(i16x8_extmul_high_i8x16_u, u8, u16, 8, 1, uint32_t)
EXTADD(i16x8_extadd_pairwise_i8x16_s, i8, i16, 8, int32_t)
EXTADD(i16x8_extadd_pairwise_i8x16_u, u8, u16, 8, uint32_t)

/* ------------------------------------------------------------------ i32x4 */

CMP_SET(i32x4, i32, u32, 4)
WRAP_SET(i32x4, i32, u32, 4, uint32_t)
SHIFT_SET(i32x4, i32, u32, 4, uint32_t)
MINMAX_SET(i32x4, i32, u32, 4)
TEST_SET(i32x4, i32, 4)
LANES_BIN(i32x4_mul, u32, 4, x * y)

/* Pairwise products summed; the single overflowing case (all four inputs
 * -32768: 2^31) wraps to INT32_MIN, so sum in int64 and truncate. */
wasm__v128 wasm__simd_i32x4_dot_i16x8_s(wasm__v128 a, wasm__v128 b)
{
    wasm__v128 r;
    for (int i = 0; i < 4; i++) {
        int64_t s = (int64_t)a.i16[2 * i] * b.i16[2 * i] +
                    (int64_t)a.i16[2 * i + 1] * b.i16[2 * i + 1];
        r.u32[i] = (uint32_t)s;
    }
    return r;
}

EXTEND(i32x4_extend_low_i16x8_s, i16, i32, 4, 0)
EXTEND(i32x4_extend_high_i16x8_s, i16, i32, 4, 1)
EXTEND(i32x4_extend_low_i16x8_u, u16, u32, 4, 0)
EXTEND(i32x4_extend_high_i16x8_u, u16, u32, 4, 1)
EXTMUL(i32x4_extmul_low_i16x8_s, i16, i32, 4, 0, int32_t)
EXTMUL(i32x4_extmul_high_i16x8_s, i16, i32, 4, 1, int32_t)
EXTMUL(i32x4_extmul_low_i16x8_u, u16, u32, 4, 0, uint32_t)
EXTMUL(i32x4_extmul_high_i16x8_u, u16, u32, 4, 1, uint32_t)
EXTADD(i32x4_extadd_pairwise_i16x8_s, i16, i32, 4, int32_t)
EXTADD(i32x4_extadd_pairwise_i16x8_u, u16, u32, 4, uint32_t)

/* ------------------------------------------------------------------ i64x2 */

LANES_CMP(i64x2_eq, u64, u64, 2, x == y)
LANES_CMP(i64x2_ne, u64, u64, 2, x != y)
LANES_CMP(i64x2_lt_s, i64, u64, 2, x < y)
LANES_CMP(i64x2_gt_s, i64, u64, 2, x > y)
LANES_CMP(i64x2_le_s, i64, u64, 2, x <= y)
LANES_CMP(i64x2_ge_s, i64, u64, 2, x >= y)
WRAP_SET(i64x2, i64, u64, 2, uint64_t)
SHIFT_SET(i64x2, i64, u64, 2, uint64_t)
TEST_SET(i64x2, i64, 2)
LANES_BIN(i64x2_mul, u64, 2, x * y)

EXTEND(i64x2_extend_low_i32x4_s, i32, i64, 2, 0)
EXTEND(i64x2_extend_high_i32x4_s, i32, i64, 2, 1)
EXTEND(i64x2_extend_low_i32x4_u, u32, u64, 2, 0)
EXTEND(i64x2_extend_high_i32x4_u, u32, u64, 2, 1)
EXTMUL(i64x2_extmul_low_i32x4_s, i32, i64, 2, 0, int64_t)
EXTMUL(i64x2_extmul_high_i32x4_s, i32, i64, 2, 1, int64_t)
EXTMUL(i64x2_extmul_low_i32x4_u, u32, u64, 2, 0, uint64_t)
EXTMUL(i64x2_extmul_high_i32x4_u, u32, u64, 2, 1, uint64_t)
