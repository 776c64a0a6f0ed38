/* wasm_simd_float.c: floating-point lanes of v128 (f32x4, f64x2) and the
 * conversions between float and integer lanes.
 *
 * NaN rule: wherever the spec lets an op produce a NaN of its choosing
 * (arithmetic, min/max, rounding, promote/demote), we return the positive
 * canonical NaN. It is both "canonical" and "arithmetic", so it satisfies
 * every nan:canonical and nan:arithmetic expectation, and it makes results
 * independent of the host FPU's payload propagation. Ops the spec defines
 * bitwise (abs, neg, pmin/pmax, comparisons) keep exact bits. Conversions
 * to integers check ranges before the C cast, whose overflow is undefined.
 */
#include "wasm/wasm_simd.h"

#include <math.h>
#include <string.h>

#define F32_CANON_NAN 0x7FC00000u
#define F64_CANON_NAN 0x7FF8000000000000ull
#define F32_SIGN 0x80000000u
#define F64_SIGN 0x8000000000000000ull

static inline uint32_t f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static inline uint64_t f64_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}

/* The bits of a computed result, NaNs made canonical. */
static inline uint32_t f32_canon(float f)
{
    return f != f ? F32_CANON_NAN : f32_bits(f);
}

static inline uint64_t f64_canon(double d)
{
    return d != d ? F64_CANON_NAN : f64_bits(d);
}

/* ------------------------------------------------------------ arithmetic */

#define F32_BIN(id, expr)                                   \
    wasm__v128 wasm__simd_##id(wasm__v128 a, wasm__v128 b) \
    {                                                       \
        wasm__v128 r;                                       \
        for (int i = 0; i < 4; i++) {                       \
            float x = a.f32[i], y = b.f32[i];               \
            r.u32[i] = f32_canon(expr);                     \
        }                                                   \
        return r;                                           \
    }

#define F64_BIN(id, expr)                                   \
    wasm__v128 wasm__simd_##id(wasm__v128 a, wasm__v128 b) \
    {                                                       \
        wasm__v128 r;                                       \
        for (int i = 0; i < 2; i++) {                       \
            double x = a.f64[i], y = b.f64[i];              \
            r.u64[i] = f64_canon(expr);                     \
        }                                                   \
        return r;                                           \
    }

#define F32_UN(id, expr)                         \
    wasm__v128 wasm__simd_##id(wasm__v128 a)    \
    {                                            \
        wasm__v128 r;                            \
        for (int i = 0; i < 4; i++) {            \
            float x = a.f32[i];                  \
            r.u32[i] = f32_canon(expr);          \
        }                                        \
        return r;                                \
    }

#define F64_UN(id, expr)                         \
    wasm__v128 wasm__simd_##id(wasm__v128 a)    \
    {                                            \
        wasm__v128 r;                            \
        for (int i = 0; i < 2; i++) {            \
            double x = a.f64[i];                 \
            r.u64[i] = f64_canon(expr);          \
        }                                        \
        return r;                                \
    }

F32_BIN(f32x4_add, x + y)
F32_BIN(f32x4_sub, x - y)
F32_BIN(f32x4_mul, x * y)
F32_BIN(f32x4_div, x / y)
F32_UN(f32x4_sqrt, sqrtf(x))
F32_UN(f32x4_ceil, ceilf(x))
F32_UN(f32x4_floor, floorf(x))
F32_UN(f32x4_trunc, truncf(x))
/* Round to nearest, ties to even: the default rounding mode, which the
 * engine never changes. */
F32_UN(f32x4_nearest, nearbyintf(x))

F64_BIN(f64x2_add, x + y)
F64_BIN(f64x2_sub, x - y)
F64_BIN(f64x2_mul, x * y)
F64_BIN(f64x2_div, x / y)
F64_UN(f64x2_sqrt, sqrt(x))
F64_UN(f64x2_ceil, ceil(x))
F64_UN(f64x2_floor, floor(x))
F64_UN(f64x2_trunc, trunc(x))
F64_UN(f64x2_nearest, nearbyint(x))

/* ------------------------------------------------------------- min / max */

/* min/max: NaN if either is NaN; -0 < +0. When x == y only the signs of
 * zeros can differ, so OR-ing the bits picks -0 for min, AND-ing +0 for max. */
wasm__v128 wasm__simd_f32x4_min(wasm__v128 a, wasm__v128 b)
{
    wasm__v128 r;
    for (int i = 0; i < 4; i++) {
        float x = a.f32[i], y = b.f32[i];
        if (x != x || y != y)
            r.u32[i] = F32_CANON_NAN;
        else if (x == y)
            r.u32[i] = a.u32[i] | b.u32[i];
        else
            r.u32[i] = x < y ? a.u32[i] : b.u32[i];
    }
    return r;
}

wasm__v128 wasm__simd_f32x4_max(wasm__v128 a, wasm__v128 b)
{
    wasm__v128 r;
    for (int i = 0; i < 4; i++) {
        float x = a.f32[i], y = b.f32[i];
        if (x != x || y != y)
            r.u32[i] = F32_CANON_NAN;
        else if (x == y)
            r.u32[i] = a.u32[i] & b.u32[i];
        else
            r.u32[i] = x > y ? a.u32[i] : b.u32[i];
    }
    return r;
}

wasm__v128 wasm__simd_f64x2_min(wasm__v128 a, wasm__v128 b)
{
    wasm__v128 r;
    for (int i = 0; i < 2; i++) {
        double x = a.f64[i], y = b.f64[i];
        if (x != x || y != y)
            r.u64[i] = F64_CANON_NAN;
        else if (x == y)
            r.u64[i] = a.u64[i] | b.u64[i];
        else
            r.u64[i] = x < y ? a.u64[i] : b.u64[i];
    }
    return r;
}

wasm__v128 wasm__simd_f64x2_max(wasm__v128 a, wasm__v128 b)
{
    wasm__v128 r;
    for (int i = 0; i < 2; i++) {
        double x = a.f64[i], y = b.f64[i];
        if (x != x || y != y)
            r.u64[i] = F64_CANON_NAN;
        else if (x == y)
            r.u64[i] = a.u64[i] & b.u64[i];
        else
            r.u64[i] = x > y ? a.u64[i] : b.u64[i];
    }
    return r;
}

/* Pseudo-min/max are defined by one comparison and return an operand
 * unchanged: pmin = b < a ? b : a, pmax = a < b ? b : a (NaN -> a). */
wasm__v128 wasm__simd_f32x4_pmin(wasm__v128 a, wasm__v128 b)
{
    wasm__v128 r;
    for (int i = 0; i < 4; i++)
        r.u32[i] = b.f32[i] < a.f32[i] ? b.u32[i] : a.u32[i];
    return r;
}

wasm__v128 wasm__simd_f32x4_pmax(wasm__v128 a, wasm__v128 b)
{
    wasm__v128 r;
    for (int i = 0; i < 4; i++)
        r.u32[i] = a.f32[i] < b.f32[i] ? b.u32[i] : a.u32[i];
    return r;
}

wasm__v128 wasm__simd_f64x2_pmin(wasm__v128 a, wasm__v128 b)
{
    wasm__v128 r;
    for (int i = 0; i < 2; i++)
        r.u64[i] = b.f64[i] < a.f64[i] ? b.u64[i] : a.u64[i];
    return r;
}

wasm__v128 wasm__simd_f64x2_pmax(wasm__v128 a, wasm__v128 b)
{
    wasm__v128 r;
    for (int i = 0; i < 2; i++)
        r.u64[i] = a.f64[i] < b.f64[i] ? b.u64[i] : a.u64[i];
    return r;
}

/* ------------------------------------------------------ sign bit only */

wasm__v128 wasm__simd_f32x4_abs(wasm__v128 a)
{
    for (int i = 0; i < 4; i++)
        a.u32[i] &= ~F32_SIGN;
    return a;
}

wasm__v128 wasm__simd_f32x4_neg(wasm__v128 a)
{
    for (int i = 0; i < 4; i++)
        a.u32[i] ^= F32_SIGN;
    return a;
}

wasm__v128 wasm__simd_f64x2_abs(wasm__v128 a)
{
    for (int i = 0; i < 2; i++)
        a.u64[i] &= ~F64_SIGN;
    return a;
}

wasm__v128 wasm__simd_f64x2_neg(wasm__v128 a)
{
    for (int i = 0; i < 2; i++)
        a.u64[i] ^= F64_SIGN;
    return a;
}

/* ------------------------------------------------------------ comparisons */

#define FCMP(id, F, U, n, op)                                        \
    wasm__v128 wasm__simd_##id(wasm__v128 a, wasm__v128 b)          \
    {                                                                \
        wasm__v128 r;                                                \
        for (int i = 0; i < (n); i++)                                \
            r.U[i] = a.F[i] op b.F[i] ? (__typeof__(r.U[0]))~0ull : 0; \
        return r;                                                    \
    }
FCMP(f32x4_eq, f32, u32, 4, ==)
FCMP(f32x4_ne, f32, u32, 4, !=)
FCMP(f32x4_lt, f32, u32, 4, <)
FCMP(f32x4_gt, f32, u32, 4, >)
FCMP(f32x4_le, f32, u32, 4, <=)
FCMP(f32x4_ge, f32, u32, 4, >=)
FCMP(f64x2_eq, f64, u64, 2, ==)
FCMP(f64x2_ne, f64, u64, 2, !=)
FCMP(f64x2_lt, f64, u64, 2, <)
FCMP(f64x2_gt, f64, u64, 2, >)
FCMP(f64x2_le, f64, u64, 2, <=)
FCMP(f64x2_ge, f64, u64, 2, >=)

/* ------------------------------------------------------------ conversions */

/* Saturating truncation: NaN -> 0, out of range -> the nearest bound. The
 * range tests are written so that the C cast only sees values whose
 * truncation fits (anything else is undefined behaviour). */
static inline int32_t sat_i32(double x)
{
    if (x != x)
        return 0;
    if (x <= -2147483649.0)
        return INT32_MIN;
    if (x >= 2147483648.0)
        return INT32_MAX;
    return (int32_t)x;
}

static inline uint32_t sat_u32(double x)
{
    if (x != x || x <= -1.0)
        return 0;
    if (x >= 4294967296.0)
        return UINT32_MAX;
    return (uint32_t)x;
}

/* An f32 converts to double exactly, so the double helpers serve both. */
wasm__v128 wasm__simd_i32x4_trunc_sat_f32x4_s(wasm__v128 a)
{
    wasm__v128 r;
    for (int i = 0; i < 4; i++)
        r.i32[i] = sat_i32(a.f32[i]);
    return r;
}

wasm__v128 wasm__simd_i32x4_trunc_sat_f32x4_u(wasm__v128 a)
{
    wasm__v128 r;
    for (int i = 0; i < 4; i++)
        r.u32[i] = sat_u32(a.f32[i]);
    return r;
}

wasm__v128 wasm__simd_i32x4_trunc_sat_f64x2_s_zero(wasm__v128 a)
{
    wasm__v128 r;
    r.i32[0] = sat_i32(a.f64[0]);
    r.i32[1] = sat_i32(a.f64[1]);
    r.u64[1] = 0;
    return r;
}

wasm__v128 wasm__simd_i32x4_trunc_sat_f64x2_u_zero(wasm__v128 a)
{
    wasm__v128 r;
    r.u32[0] = sat_u32(a.f64[0]);
    r.u32[1] = sat_u32(a.f64[1]);
    r.u64[1] = 0;
    return r;
}

/* int -> float rounds to nearest-even (the default mode). */
wasm__v128 wasm__simd_f32x4_convert_i32x4_s(wasm__v128 a)
{
    wasm__v128 r;
    for (int i = 0; i < 4; i++)
        r.f32[i] = (float)a.i32[i];
    return r;
}

wasm__v128 wasm__simd_f32x4_convert_i32x4_u(wasm__v128 a)
{
    wasm__v128 r;
    for (int i = 0; i < 4; i++)
        r.f32[i] = (float)a.u32[i];
    return r;
}

/* Exact: every i32/u32 is a double. */
wasm__v128 wasm__simd_f64x2_convert_low_i32x4_s(wasm__v128 a)
{
    wasm__v128 r;
    r.f64[0] = a.i32[0];
    r.f64[1] = a.i32[1];
    return r;
}

wasm__v128 wasm__simd_f64x2_convert_low_i32x4_u(wasm__v128 a)
{
    wasm__v128 r;
    r.f64[0] = a.u32[0];
    r.f64[1] = a.u32[1];
    return r;
}

/* Lanes 2 and 3 become +0.0. A double outside float's range rounds to
 * infinity (defined by IEEE conversion, not C overflow). */
wasm__v128 wasm__simd_f32x4_demote_f64x2_zero(wasm__v128 a)
{
    wasm__v128 r;
    r.u32[0] = f32_canon((float)a.f64[0]);
    r.u32[1] = f32_canon((float)a.f64[1]);
    r.u64[1] = 0;
    return r;
}

wasm__v128 wasm__simd_f64x2_promote_low_f32x4(wasm__v128 a)
{
    wasm__v128 r;
    r.u64[0] = f64_canon((double)a.f32[0]);
    r.u64[1] = f64_canon((double)a.f32[1]);
    return r;
}
