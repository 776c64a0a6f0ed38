/* wasm_simd.c: the SIMD opcode table and the shape-level ops of v128.
 *
 * The table is generated from WASM__SIMD_OPS in wasm_simd.h, indexed by
 * sub-opcode, so a lookup is one bounds check and one load. This file also
 * holds the ops that only move bytes around — bitwise ops, splat, lane
 * extract/replace, shuffle/swizzle, and every load and store — while
 * integer and float arithmetic live in wasm_simd_int.c and
 * wasm_simd_float.c. Memory ops receive a pointer to bytes the caller has
 * already bounds-checked; wasm memory is little-endian like the host.
 */
#include "wasm/wasm_simd.h"

#include <string.h>

/* ------------------------------------------------------------------ table */

/* Operand/result types and immediates of each kind. */
#define P0 0, {0, 0, 0}
#define P1(a) 1, {WASM__SIMD_T_##a, 0, 0}
#define P2(a, b) 2, {WASM__SIMD_T_##a, WASM__SIMD_T_##b, 0}
#define P3(a, b, c) 3, {WASM__SIMD_T_##a, WASM__SIMD_T_##b, WASM__SIMD_T_##c}

#define SIG_UN(t) WASM__SIMD_IMM_NONE, P1(V128), WASM__SIMD_T_V128
#define SIG_BIN(t) WASM__SIMD_IMM_NONE, P2(V128, V128), WASM__SIMD_T_V128
#define SIG_TERN(t) WASM__SIMD_IMM_NONE, P3(V128, V128, V128), WASM__SIMD_T_V128
#define SIG_TEST(t) WASM__SIMD_IMM_NONE, P1(V128), WASM__SIMD_T_I32
#define SIG_SHIFT(t) WASM__SIMD_IMM_NONE, P2(V128, I32), WASM__SIMD_T_V128
#define SIG_SPLAT(t) WASM__SIMD_IMM_NONE, P1(t), WASM__SIMD_T_V128
#define SIG_EXTRACT(t) WASM__SIMD_IMM_LANE, P1(V128), WASM__SIMD_T_##t
#define SIG_REPLACE(t) WASM__SIMD_IMM_LANE, P2(V128, t), WASM__SIMD_T_V128
#define SIG_SHUFFLE(t) WASM__SIMD_IMM_SHUFFLE, P2(V128, V128), WASM__SIMD_T_V128
#define SIG_CONST(t) WASM__SIMD_IMM_V128, P0, WASM__SIMD_T_V128
#define SIG_LOAD(t) WASM__SIMD_IMM_MEMARG, P1(I32), WASM__SIMD_T_V128
#define SIG_LOAD_LANE(t) WASM__SIMD_IMM_MEMARG_LANE, P2(I32, V128), WASM__SIMD_T_V128
#define SIG_STORE(t) WASM__SIMD_IMM_MEMARG, P2(I32, V128), WASM__SIMD_T_NONE
#define SIG_STORE_LANE(t) WASM__SIMD_IMM_MEMARG_LANE, P2(I32, V128), WASM__SIMD_T_NONE

/* lanes / bytes / max_align from n. Lane-immediate kinds: n is the lane
 * count; memory kinds: n is the access width (a power of two). */
#define LOG2(n) ((n) >= 16 ? 4 : (n) >= 8 ? 3 : (n) >= 4 ? 2 : (n) >= 2 ? 1 : 0)
#define BOUNDS_UN(n) 0, 0, 0
#define BOUNDS_BIN(n) 0, 0, 0
#define BOUNDS_TERN(n) 0, 0, 0
#define BOUNDS_TEST(n) 0, 0, 0
#define BOUNDS_SHIFT(n) 0, 0, 0
#define BOUNDS_SPLAT(n) 0, 0, 0
#define BOUNDS_EXTRACT(n) n, 0, 0
#define BOUNDS_REPLACE(n) n, 0, 0
#define BOUNDS_SHUFFLE(n) n, 0, 0
#define BOUNDS_CONST(n) 0, 0, 0
#define BOUNDS_LOAD(n) 0, n, LOG2(n)
#define BOUNDS_LOAD_LANE(n) (16 / (n)), n, LOG2(n)
#define BOUNDS_STORE(n) 0, n, LOG2(n)
#define BOUNDS_STORE_LANE(n) (16 / (n)), n, LOG2(n)

#define FN_UN(id) .un = wasm__simd_##id
#define FN_BIN(id) .bin = wasm__simd_##id
#define FN_TERN(id) .tern = wasm__simd_##id
#define FN_TEST(id) .test = wasm__simd_##id
#define FN_SHIFT(id) .shift = wasm__simd_##id
#define FN_SPLAT(id) .splat = wasm__simd_##id
#define FN_EXTRACT(id) .extract = wasm__simd_##id
#define FN_REPLACE(id) .replace = wasm__simd_##id
#define FN_SHUFFLE(id) .shuffle = wasm__simd_##id
#define FN_CONST(id) .load = wasm__simd_##id
#define FN_LOAD(id) .load = wasm__simd_##id
#define FN_LOAD_LANE(id) .load_lane = wasm__simd_##id
#define FN_STORE(id) .store = wasm__simd_##id
#define FN_STORE_LANE(id) .store_lane = wasm__simd_##id

#define ROW(c, id, nm, kd, t, n) \
    [c] = {nm, c, WASM__SIMD_##kd, SIG_##kd(t), BOUNDS_##kd(n), {FN_##kd(id)}},
const wasm__simd_op wasm__simd_ops[256] = {WASM__SIMD_OPS(ROW)};
#undef ROW

#define CODE(c, id, nm, kd, t, n) c,
static const uint8_t codes_in_order[] = {WASM__SIMD_OPS(CODE)};
#undef CODE

size_t wasm__simd_op_count(void)
{
    return sizeof codes_in_order;
}

const wasm__simd_op *wasm__simd_op_at(size_t i)
{
    if (i >= sizeof codes_in_order)
        return NULL;
    return &wasm__simd_ops[codes_in_order[i]];
}

const wasm__simd_op *wasm__simd_op_by_name(const char *name)
{
    for (size_t i = 0; name && i < sizeof codes_in_order; i++)
        if (strcmp(wasm__simd_ops[codes_in_order[i]].name, name) == 0)
            return &wasm__simd_ops[codes_in_order[i]];
    return NULL;
}

/* ---------------------------------------------------------------- bitwise */

wasm__v128 wasm__simd_v128_not(wasm__v128 a)
{
    a.u64[0] = ~a.u64[0];
    a.u64[1] = ~a.u64[1];
    return a;
}

#define BITWISE(id, expr)                                   \
    wasm__v128 wasm__simd_##id(wasm__v128 a, wasm__v128 b) \
    {                                                       \
        wasm__v128 r;                                       \
        for (int i = 0; i < 2; i++) {                       \
            uint64_t x = a.u64[i], y = b.u64[i];            \
            r.u64[i] = (expr);                              \
        }                                                   \
        return r;                                           \
    }
BITWISE(v128_and, x & y)
BITWISE(v128_andnot, x & ~y)
BITWISE(v128_or, x | y)
BITWISE(v128_xor, x ^ y)

/* Bits of a where c is 1, bits of b where c is 0. */
wasm__v128 wasm__simd_v128_bitselect(wasm__v128 a, wasm__v128 b, wasm__v128 c)
{
    wasm__v128 r;
    for (int i = 0; i < 2; i++)
        r.u64[i] = (a.u64[i] & c.u64[i]) | (b.u64[i] & ~c.u64[i]);
    return r;
}

uint32_t wasm__simd_v128_any_true(wasm__v128 a)
{
    return (a.u64[0] | a.u64[1]) != 0;
}

/* ------------------------------------------------------------------ lanes */

/* Splat takes the low bits of the scalar's raw pattern. */
#define SPLAT(id, field, n, ctype)            \
    wasm__v128 wasm__simd_##id(uint64_t x)    \
    {                                         \
        wasm__v128 r;                         \
        for (int i = 0; i < (n); i++)         \
            r.field[i] = (ctype)x;            \
        return r;                             \
    }
SPLAT(i8x16_splat, u8, 16, uint8_t)
SPLAT(i16x8_splat, u16, 8, uint16_t)
SPLAT(i32x4_splat, u32, 4, uint32_t)
SPLAT(i64x2_splat, u64, 2, uint64_t)
SPLAT(f32x4_splat, u32, 4, uint32_t)
SPLAT(f64x2_splat, u64, 2, uint64_t)

/* The lane index is masked so that an unvalidated index cannot read out of
 * bounds; validation rejects it before that ("invalid lane index"). Signed
 * extracts sign-extend to i32, then the i32 travels zero-extended. */
uint64_t wasm__simd_i8x16_extract_lane_s(wasm__v128 a, unsigned lane)
{
    return (uint32_t)(int32_t)a.i8[lane & 15];
}
uint64_t wasm__simd_i8x16_extract_lane_u(wasm__v128 a, unsigned lane)
{
    return a.u8[lane & 15];
}
uint64_t wasm__simd_i16x8_extract_lane_s(wasm__v128 a, unsigned lane)
{
    return (uint32_t)(int32_t)a.i16[lane & 7];
}
uint64_t wasm__simd_i16x8_extract_lane_u(wasm__v128 a, unsigned lane)
{
    return a.u16[lane & 7];
}
uint64_t wasm__simd_i32x4_extract_lane(wasm__v128 a, unsigned lane)
{
    return a.u32[lane & 3];
}
uint64_t wasm__simd_i64x2_extract_lane(wasm__v128 a, unsigned lane)
{
    return a.u64[lane & 1];
}
uint64_t wasm__simd_f32x4_extract_lane(wasm__v128 a, unsigned lane)
{
    return a.u32[lane & 3];
}
uint64_t wasm__simd_f64x2_extract_lane(wasm__v128 a, unsigned lane)
{
    return a.u64[lane & 1];
}

#define REPLACE(id, field, n, ctype)                                     \
    wasm__v128 wasm__simd_##id(wasm__v128 a, unsigned lane, uint64_t x) \
    {                                                                    \
        a.field[lane & ((n) - 1)] = (ctype)x;                            \
        return a;                                                        \
    }
REPLACE(i8x16_replace_lane, u8, 16, uint8_t)
REPLACE(i16x8_replace_lane, u16, 8, uint16_t)
REPLACE(i32x4_replace_lane, u32, 4, uint32_t)
REPLACE(i64x2_replace_lane, u64, 2, uint64_t)
REPLACE(f32x4_replace_lane, u32, 4, uint32_t)
REPLACE(f64x2_replace_lane, u64, 2, uint64_t)

/* Lanes of a selected by b; an index of 16 or more selects 0. */
wasm__v128 wasm__simd_i8x16_swizzle(wasm__v128 a, wasm__v128 b)
{
    wasm__v128 r;
    for (int i = 0; i < 16; i++)
        r.u8[i] = b.u8[i] < 16 ? a.u8[b.u8[i]] : 0;
    return r;
}

/* Lane i is byte idx[i] of the 32-byte concatenation a:b. Indices are
 * validated < 32; masking keeps an unvalidated one in bounds. */
wasm__v128 wasm__simd_i8x16_shuffle(wasm__v128 a, wasm__v128 b, const uint8_t idx[16])
{
    wasm__v128 r;
    for (int i = 0; i < 16; i++) {
        unsigned k = idx[i] & 31;
        r.u8[i] = k < 16 ? a.u8[k] : b.u8[k - 16];
    }
    return r;
}

/* ------------------------------------------------------- loads and stores */

wasm__v128 wasm__simd_v128_load(const uint8_t *p)
{
    wasm__v128 r;
    memcpy(&r, p, 16);
    return r;
}

/* v128.const: the 16 immediate bytes are the value. */
wasm__v128 wasm__simd_v128_const(const uint8_t *p)
{
    return wasm__simd_v128_load(p);
}

void wasm__simd_v128_store(uint8_t *p, wasm__v128 a)
{
    memcpy(p, &a, 16);
}

/* Loads of n narrow lanes widened to 2n-byte lanes. */
#define LOAD_EXTEND(id, n, src_t, dst_field)              \
    wasm__v128 wasm__simd_##id(const uint8_t *p)          \
    {                                                     \
        src_t in[n];                                      \
        wasm__v128 r;                                     \
        memcpy(in, p, sizeof in);                         \
        for (int i = 0; i < (n); i++)                     \
            r.dst_field[i] = in[i];                       \
        return r;                                         \
    }
LOAD_EXTEND(v128_load8x8_s, 8, int8_t, i16)
LOAD_EXTEND(v128_load8x8_u, 8, uint8_t, u16)
LOAD_EXTEND(v128_load16x4_s, 4, int16_t, i32)
LOAD_EXTEND(v128_load16x4_u, 4, uint16_t, u32)
LOAD_EXTEND(v128_load32x2_s, 2, int32_t, i64)
LOAD_EXTEND(v128_load32x2_u, 2, uint32_t, u64)

#define LOAD_SPLAT(id, ctype, field, n)          \
    wasm__v128 wasm__simd_##id(const uint8_t *p) \
    {                                            \
        ctype x;                                 \
        wasm__v128 r;                            \
        memcpy(&x, p, sizeof x);                 \
        for (int i = 0; i < (n); i++)            \
            r.field[i] = x;                      \
        return r;                                \
    }
LOAD_SPLAT(v128_load8_splat, uint8_t, u8, 16)
LOAD_SPLAT(v128_load16_splat, uint16_t, u16, 8)
LOAD_SPLAT(v128_load32_splat, uint32_t, u32, 4)
LOAD_SPLAT(v128_load64_splat, uint64_t, u64, 2)

#define LOAD_ZERO(id, n)                         \
    wasm__v128 wasm__simd_##id(const uint8_t *p) \
    {                                            \
        wasm__v128 r;                            \
        memset(&r, 0, sizeof r);                 \
        memcpy(&r, p, n);                        \
        return r;                                \
    }
LOAD_ZERO(v128_load32_zero, 4)
LOAD_ZERO(v128_load64_zero, 8)

#define LOAD_LANE(id, n)                                                          \
    wasm__v128 wasm__simd_##id(wasm__v128 a, const uint8_t *p, unsigned lane)     \
    {                                                                             \
        memcpy((uint8_t *)&a + (lane & (16 / (n) - 1)) * (n), p, n);             \
        return a;                                                                 \
    }
LOAD_LANE(v128_load8_lane, 1)
LOAD_LANE(v128_load16_lane, 2)
LOAD_LANE(v128_load32_lane, 4)
LOAD_LANE(v128_load64_lane, 8)

#define STORE_LANE(id, n)                                              \
    void wasm__simd_##id(uint8_t *p, wasm__v128 a, unsigned lane)      \
    {                                                                  \
        memcpy(p, (const uint8_t *)&a + (lane & (16 / (n) - 1)) * (n), n); \
    }
STORE_LANE(v128_store8_lane, 1)
STORE_LANE(v128_store16_lane, 2)
STORE_LANE(v128_store32_lane, 4)
STORE_LANE(v128_store64_lane, 8)
