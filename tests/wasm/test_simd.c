/* test_simd.c: unit tests of the v128 lane functions and the SIMD opcode
 * table (src/wasm/wasm_simd.h). Expected values are computed by hand from
 * the spec's definitions, with the edges that implementations get wrong:
 * NaN and -0.0, saturation bounds, INT_MIN, shift counts >= lane width,
 * out-of-range swizzle indices. Ops are called through the table (looked
 * up by name) so the table's function pointers are checked too.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "test.h"
#include "wasm/wasm_simd.h"

/* ---------------------------------------------------------------- helpers */

static wasm__v128 v8(int a0, int a1, int a2, int a3, int a4, int a5, int a6, int a7, int a8,
                     int a9, int a10, int a11, int a12, int a13, int a14, int a15)
{
    int in[16] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15};
    wasm__v128 r;
    for (int i = 0; i < 16; i++)
        r.u8[i] = (uint8_t)in[i];
    return r;
}

static wasm__v128 v16(int a0, int a1, int a2, int a3, int a4, int a5, int a6, int a7)
{
    int in[8] = {a0, a1, a2, a3, a4, a5, a6, a7};
    wasm__v128 r;
    for (int i = 0; i < 8; i++)
        r.u16[i] = (uint16_t)in[i];
    return r;
}

static wasm__v128 v32(uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3)
{
    wasm__v128 r;
    r.u32[0] = a0, r.u32[1] = a1, r.u32[2] = a2, r.u32[3] = a3;
    return r;
}

static wasm__v128 v64(uint64_t a0, uint64_t a1)
{
    wasm__v128 r;
    r.u64[0] = a0, r.u64[1] = a1;
    return r;
}

static wasm__v128 vf32(float a0, float a1, float a2, float a3)
{
    wasm__v128 r;
    r.f32[0] = a0, r.f32[1] = a1, r.f32[2] = a2, r.f32[3] = a3;
    return r;
}

static wasm__v128 vf64(double a0, double a1)
{
    wasm__v128 r;
    r.f64[0] = a0, r.f64[1] = a1;
    return r;
}

static bool veq(wasm__v128 a, wasm__v128 b)
{
    return memcmp(&a, &b, 16) == 0;
}

static const wasm__simd_op *op(const char *name)
{
    const wasm__simd_op *o = wasm__simd_op_by_name(name);
    if (!o) {
        fprintf(stderr, "no op %s\n", name);
        exit(2); /* test-harness failure, not engine behaviour */
    }
    return o;
}

static wasm__v128 un(const char *name, wasm__v128 a)
{
    return op(name)->fn.un(a);
}

static wasm__v128 bin(const char *name, wasm__v128 a, wasm__v128 b)
{
    return op(name)->fn.bin(a, b);
}

static void dump(const char *what, wasm__v128 v)
{
    fprintf(stderr, "  %s:", what);
    for (int i = 0; i < 16; i++)
        fprintf(stderr, " %02x", v.u8[i]);
    fprintf(stderr, "\n");
}

#define CHECK_V(got, want)                           \
    do {                                             \
        wasm__v128 g_ = (got), w_ = (want);          \
        if (!veq(g_, w_)) {                          \
            dump("got ", g_);                        \
            dump("want", w_);                        \
        }                                            \
        CHECK(veq(g_, w_));                          \
    } while (0)

#define F32_CANON 0x7FC00000u
#define F64_CANON 0x7FF8000000000000ull
#define F32_NEG0 0x80000000u
#define F64_NEG0 0x8000000000000000ull

static bool is_canon32(uint32_t u)
{
    return (u & 0x7FFFFFFFu) == F32_CANON;
}

static bool is_canon64(uint64_t u)
{
    return (u & 0x7FFFFFFFFFFFFFFFull) == F64_CANON;
}

/* ------------------------------------------------------------------ table */

TEST(table_complete_and_consistent)
{
    CHECK_EQ_INT(wasm__simd_op_count(), 236);
    int seen = 0;
    for (uint32_t c = 0; c < 300; c++) {
        const wasm__simd_op *o = wasm__simd_op_get(c);
        if (!o)
            continue;
        seen++;
        CHECK_EQ_INT(o->code, c);
        CHECK(o->fn.un != NULL);
        CHECK(o->nparams <= 3);
        CHECK(wasm__simd_op_by_name(o->name) == o);
        bool mem = o->imm == WASM__SIMD_IMM_MEMARG || o->imm == WASM__SIMD_IMM_MEMARG_LANE;
        CHECK(mem == (o->bytes != 0));
        if (mem)
            CHECK_EQ_INT(1u << o->max_align, o->bytes);
        bool lane = o->imm == WASM__SIMD_IMM_LANE || o->imm == WASM__SIMD_IMM_MEMARG_LANE ||
                    o->imm == WASM__SIMD_IMM_SHUFFLE;
        CHECK(lane == (o->lanes != 0));
    }
    CHECK_EQ_INT(seen, 236);
    /* Gaps in the opcode space are not ops. */
    CHECK(wasm__simd_op_get(0x9a) == NULL);
    CHECK(wasm__simd_op_get(0xa2) == NULL);
    CHECK(wasm__simd_op_get(0xee) == NULL);
    CHECK(wasm__simd_op_get(0x100) == NULL);
    CHECK(wasm__simd_op_get(UINT32_MAX) == NULL);
    CHECK(wasm__simd_op_at(236) == NULL);
    CHECK(wasm__simd_op_by_name("i8x16.nope") == NULL);
}

TEST(table_rows)
{
    const wasm__simd_op *o = op("i16x8.abs");
    CHECK_EQ_INT(o->code, 0x80);
    CHECK_EQ_INT(o->kind, WASM__SIMD_UN);

    o = op("i8x16.replace_lane");
    CHECK_EQ_INT(o->code, 0x17);
    CHECK_EQ_INT(o->imm, WASM__SIMD_IMM_LANE);
    CHECK_EQ_INT(o->lanes, 16);
    CHECK_EQ_INT(o->nparams, 2);
    CHECK_EQ_INT(o->params[0], WASM__SIMD_T_V128);
    CHECK_EQ_INT(o->params[1], WASM__SIMD_T_I32);
    CHECK_EQ_INT(o->result, WASM__SIMD_T_V128);

    o = op("f64x2.extract_lane");
    CHECK_EQ_INT(o->lanes, 2);
    CHECK_EQ_INT(o->result, WASM__SIMD_T_F64);

    o = op("v128.load32_zero");
    CHECK_EQ_INT(o->code, 0x5c);
    CHECK_EQ_INT(o->bytes, 4);
    CHECK_EQ_INT(o->max_align, 2);
    CHECK_EQ_INT(o->params[0], WASM__SIMD_T_I32);

    o = op("v128.store16_lane");
    CHECK_EQ_INT(o->imm, WASM__SIMD_IMM_MEMARG_LANE);
    CHECK_EQ_INT(o->lanes, 8);
    CHECK_EQ_INT(o->bytes, 2);
    CHECK_EQ_INT(o->result, WASM__SIMD_T_NONE);
    CHECK_EQ_INT(o->nparams, 2);

    o = op("v128.load");
    CHECK_EQ_INT(o->max_align, 4);
    o = op("v128.load8x8_s");
    CHECK_EQ_INT(o->max_align, 3);
    o = op("i8x16.shuffle");
    CHECK_EQ_INT(o->lanes, 32);
    CHECK_EQ_INT(o->imm, WASM__SIMD_IMM_SHUFFLE);
    o = op("v128.const");
    CHECK_EQ_INT(o->nparams, 0);
    CHECK_EQ_INT(o->imm, WASM__SIMD_IMM_V128);
    o = op("v128.bitselect");
    CHECK_EQ_INT(o->nparams, 3);
    o = op("i64x2.shr_s");
    CHECK_EQ_INT(o->params[1], WASM__SIMD_T_I32);
    o = op("i64x2.splat");
    CHECK_EQ_INT(o->params[0], WASM__SIMD_T_I64);
    o = op("i64x2.bitmask");
    CHECK_EQ_INT(o->result, WASM__SIMD_T_I32);
    CHECK_EQ_INT(o->code, 0xc4);
    o = op("f64x2.convert_low_i32x4_u");
    CHECK_EQ_INT(o->code, 0xff);
}

/* --------------------------------------------------------------- integers */

TEST(i8x16_wrapping_and_saturating)
{
    wasm__v128 a = v8(0, 1, 127, -128, -1, 100, -100, 255, 0, 0, 0, 0, 0, 0, 0, 0x80);
    wasm__v128 b = v8(0, 1, 1, -1, -1, 100, -100, 1, 0, 0, 0, 0, 0, 0, 0, 0x80);
    CHECK_V(bin("i8x16.add", a, b),
            v8(0, 2, 128, 127, -2, 200, -200, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    CHECK_V(bin("i8x16.add_sat_s", a, b),
            v8(0, 2, 127, -128, -2, 127, -128, 0, 0, 0, 0, 0, 0, 0, 0, -128));
    /* Unsigned: 255+1 -> 255, 0x80+0x80 -> 255, 0x9c+0x9c -> 255. */
    CHECK_V(bin("i8x16.add_sat_u", a, b),
            v8(0, 2, 128, 255, 255, 200, 255, 255, 0, 0, 0, 0, 0, 0, 0, 255));
    CHECK_V(bin("i8x16.sub_sat_s", v8(-128, 127, 0, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
                v8(1, -1, -128, 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
            v8(-128, 127, 127, -128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    CHECK_V(bin("i8x16.sub_sat_u", v8(0, 5, 255, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
                v8(1, 3, 0, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
            v8(0, 2, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    CHECK_V(un("i8x16.neg", v8(-128, 1, 0, 127, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
            v8(-128, -1, 0, -127, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    /* abs(INT8_MIN) wraps to INT8_MIN. */
    CHECK_V(un("i8x16.abs", v8(-128, -1, 5, -5, 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
            v8(-128, 1, 5, 5, 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    /* avgr_u: (a + b + 1) / 2 without 8-bit overflow. */
    CHECK_V(bin("i8x16.avgr_u", v8(255, 0, 1, 254, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
                v8(255, 1, 2, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
            v8(255, 1, 2, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    CHECK_V(un("i8x16.popcnt", v8(0, 1, 255, 0x55, 0x80, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
            v8(0, 1, 8, 4, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
}

TEST(i8x16_compare_minmax)
{
    wasm__v128 a = v8(-1, 1, 0, -128, 127, 5, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    wasm__v128 b = v8(1, -1, 0, 127, -128, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    CHECK_V(bin("i8x16.lt_s", a, b), v8(-1, 0, 0, -1, 0, 0, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    CHECK_V(bin("i8x16.lt_u", a, b), v8(0, -1, 0, 0, -1, 0, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    CHECK_V(bin("i8x16.ge_u", a, b), v8(-1, 0, -1, -1, 0, -1, 0, -1, -1, -1, -1, -1, -1, -1, -1, -1));
    CHECK_V(bin("i8x16.eq", a, b), v8(0, 0, -1, 0, 0, -1, 0, -1, -1, -1, -1, -1, -1, -1, -1, -1));
    CHECK_V(bin("i8x16.min_s", a, b), v8(-1, -1, 0, -128, -128, 5, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    CHECK_V(bin("i8x16.max_u", a, b), v8(-1, -1, 0, -128, -128, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0));
}

TEST(shifts_take_count_modulo_width)
{
    wasm__v128 a = v8(1, 0x80, 0xff, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    CHECK_V(op("i8x16.shl")->fn.shift(a, 1), v8(2, 0, 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    /* 9 mod 8 = 1 */
    CHECK_V(op("i8x16.shl")->fn.shift(a, 9), v8(2, 0, 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    CHECK_V(op("i8x16.shr_s")->fn.shift(a, 7), v8(0, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    CHECK_V(op("i8x16.shr_u")->fn.shift(a, 7), v8(0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    CHECK_V(op("i8x16.shr_u")->fn.shift(a, 8), a);
    CHECK_V(op("i16x8.shr_s")->fn.shift(v16(-32768, 4, 0, 0, 0, 0, 0, 0), 0x21), /* 33 mod 16 = 1 */
            v16(-16384, 2, 0, 0, 0, 0, 0, 0));
    CHECK_V(op("i32x4.shl")->fn.shift(v32(1, 0x80000000u, 3, 0), 32), v32(1, 0x80000000u, 3, 0));
    CHECK_V(op("i32x4.shr_s")->fn.shift(v32(0x80000000u, 8, 0xfffffff0u, 0), 0xffffffffu),
            v32(0xffffffffu, 0, 0xffffffffu, 0));
    CHECK_V(op("i64x2.shl")->fn.shift(v64(1, 0x8000000000000001ull), 65),
            v64(2, 2));
    CHECK_V(op("i64x2.shr_s")->fn.shift(v64(0x8000000000000000ull, 64), 63),
            v64(UINT64_MAX, 0));
    CHECK_V(op("i64x2.shr_u")->fn.shift(v64(0x8000000000000000ull, 64), 127), v64(1, 0));
}

TEST(i16x8_arith)
{
    /* 0xFFFF * 0xFFFF must wrap to 1 (no signed-int overflow in C). */
    CHECK_V(bin("i16x8.mul", v16(-1, 256, 3, -32768, 0, 0, 0, 0), v16(-1, 256, -3, -1, 0, 0, 0, 0)),
            v16(1, 0, -9, -32768, 0, 0, 0, 0));
    CHECK_V(bin("i16x8.add_sat_s", v16(32767, -32768, 100, 0, 0, 0, 0, 0),
                v16(1, -1, -200, 0, 0, 0, 0, 0)),
            v16(32767, -32768, -100, 0, 0, 0, 0, 0));
    CHECK_V(bin("i16x8.add_sat_u", v16(65535, 65000, 0, 0, 0, 0, 0, 0), v16(1, 1000, 0, 0, 0, 0, 0, 0)),
            v16(65535, 65535, 0, 0, 0, 0, 0, 0));
    CHECK_V(bin("i16x8.avgr_u", v16(65535, 0, 3, 0, 0, 0, 0, 0), v16(65535, 65535, 4, 0, 0, 0, 0, 0)),
            v16(65535, 32768, 4, 0, 0, 0, 0, 0));
    /* q15mulr: (a*b + 0x4000) >> 15, saturated. */
    CHECK_V(bin("i16x8.q15mulr_sat_s", v16(-32768, 16384, -16384, 32767, 1, -1, 0, 0),
                v16(-32768, 16384, 16384, 32767, 16384, 16384, 0, 0)),
            v16(32767, 8192, -8192, 32766, 1, 0, 0, 0));
    CHECK_V(un("i16x8.abs", v16(-32768, -7, 7, 0, 0, 0, 0, 0)), v16(-32768, 7, 7, 0, 0, 0, 0, 0));
    CHECK_V(bin("i16x8.lt_u", v16(-1, 1, 0, 0, 0, 0, 0, 0), v16(1, -1, 0, 0, 0, 0, 0, 0)),
            v16(0, -1, 0, 0, 0, 0, 0, 0));
}

TEST(narrow_saturates)
{
    wasm__v128 a = v16(-32768, -129, -128, 127, 128, 32767, 0, -1);
    wasm__v128 b = v16(255, 256, 1, 2, 3, 4, 5, 6);
    CHECK_V(bin("i8x16.narrow_i16x8_s", a, b),
            v8(-128, -128, -128, 127, 127, 127, 0, -1, 127, 127, 1, 2, 3, 4, 5, 6));
    CHECK_V(bin("i8x16.narrow_i16x8_u", a, b),
            v8(0, 0, 0, 127, 128, 255, 0, 0, 255, 255, 1, 2, 3, 4, 5, 6));
    wasm__v128 c = v32(0x80000000u, (uint32_t)-32769, 65535, 65536);
    wasm__v128 d = v32(32767, 32768, (uint32_t)-1, 7);
    CHECK_V(bin("i16x8.narrow_i32x4_s", c, d), v16(-32768, -32768, 32767, 32767, 32767, 32767, -1, 7));
    CHECK_V(bin("i16x8.narrow_i32x4_u", c, d), v16(0, 0, 65535, 65535, 32767, 32768, 0, 7));
}

TEST(extend_extmul_extadd_dot)
{
    wasm__v128 a = v8(-128, -1, 0, 1, 127, 2, 3, 4, 0x80, 0xff, 5, 6, 7, 8, 9, 10);
    CHECK_V(un("i16x8.extend_low_i8x16_s", a), v16(-128, -1, 0, 1, 127, 2, 3, 4));
    CHECK_V(un("i16x8.extend_low_i8x16_u", a), v16(128, 255, 0, 1, 127, 2, 3, 4));
    CHECK_V(un("i16x8.extend_high_i8x16_s", a), v16(-128, -1, 5, 6, 7, 8, 9, 10));
    CHECK_V(un("i16x8.extend_high_i8x16_u", a), v16(128, 255, 5, 6, 7, 8, 9, 10));
    CHECK_V(un("i16x8.extadd_pairwise_i8x16_s", a), v16(-129, 1, 129, 7, -129, 11, 15, 19));
    CHECK_V(un("i16x8.extadd_pairwise_i8x16_u", a), v16(383, 1, 129, 7, 383, 11, 15, 19));
    CHECK_V(bin("i16x8.extmul_low_i8x16_s", a, a), v16(16384, 1, 0, 1, 16129, 4, 9, 16));
    CHECK_V(bin("i16x8.extmul_high_i8x16_u", a, a),
            v16(16384, 65025, 25, 36, 49, 64, 81, 100));

    wasm__v128 h = v16(-32768, -32768, 32767, 32767, -1, 1, 2, 3);
    /* (-32768)^2 * 2 = 2^31 wraps to INT32_MIN. */
    CHECK_V(bin("i32x4.dot_i16x8_s", h, h), v32(0x80000000u, 2 * 1073676289u, 2, 13));
    CHECK_V(bin("i32x4.extmul_low_i16x8_s", h, h), v32(1073741824u, 1073741824u, 1073676289u, 1073676289u));
    CHECK_V(bin("i32x4.extmul_high_i16x8_u", h, h), v32(0xfffe0001u, 1, 4, 9));
    CHECK_V(un("i32x4.extend_high_i16x8_s", h), v32((uint32_t)-1, 1, 2, 3));
    CHECK_V(un("i32x4.extend_low_i16x8_u", h), v32(32768, 32768, 32767, 32767));
    CHECK_V(un("i32x4.extadd_pairwise_i16x8_s", h), v32((uint32_t)-65536, 65534, 0, 5));
    CHECK_V(un("i32x4.extadd_pairwise_i16x8_u", h), v32(65536, 65534, 65536, 5));

    wasm__v128 w = v32(0x80000000u, 0xffffffffu, 3, 0x7fffffffu);
    CHECK_V(un("i64x2.extend_low_i32x4_s", w), v64(0xffffffff80000000ull, UINT64_MAX));
    CHECK_V(un("i64x2.extend_low_i32x4_u", w), v64(0x80000000ull, 0xffffffffull));
    CHECK_V(bin("i64x2.extmul_low_i32x4_s", w, w), v64(0x4000000000000000ull, 1));
    CHECK_V(bin("i64x2.extmul_low_i32x4_u", w, w), v64(0x4000000000000000ull, 0xfffffffe00000001ull));
    CHECK_V(bin("i64x2.extmul_high_i32x4_s", w, w), v64(9, 0x3fffffff00000001ull));
}

TEST(i32_i64_arith)
{
    CHECK_V(bin("i32x4.mul", v32(0x80000000u, 0xffffffffu, 65536, 7), v32(2, 0xffffffffu, 65536, 6)),
            v32(0, 1, 0, 42));
    CHECK_V(un("i32x4.abs", v32(0x80000000u, (uint32_t)-5, 5, 0)), v32(0x80000000u, 5, 5, 0));
    CHECK_V(un("i32x4.neg", v32(0x80000000u, 1, 0, 0)), v32(0x80000000u, 0xffffffffu, 0, 0));
    CHECK_V(bin("i32x4.min_s", v32(0x80000000u, 1, 0, 0), v32(0x7fffffffu, 0xffffffffu, 0, 0)),
            v32(0x80000000u, 0xffffffffu, 0, 0));
    CHECK_V(bin("i32x4.min_u", v32(0x80000000u, 1, 0, 0), v32(0x7fffffffu, 0xffffffffu, 0, 0)),
            v32(0x7fffffffu, 1, 0, 0));
    CHECK_V(bin("i32x4.gt_s", v32(0, 1, 0x80000000u, 5), v32(0xffffffffu, 1, 0x7fffffffu, 4)),
            v32(0xffffffffu, 0, 0, 0xffffffffu));
    CHECK_V(bin("i64x2.mul", v64(0x8000000000000000ull, 0x100000000ull), v64(2, 0x100000000ull)),
            v64(0, 0));
    CHECK_V(un("i64x2.abs", v64(0x8000000000000000ull, (uint64_t)-9)), v64(0x8000000000000000ull, 9));
    CHECK_V(un("i64x2.neg", v64(1, 0)), v64(UINT64_MAX, 0));
    CHECK_V(bin("i64x2.lt_s", v64(0x8000000000000000ull, 1), v64(0x7fffffffffffffffull, 1)),
            v64(UINT64_MAX, 0));
    CHECK_V(bin("i64x2.ge_s", v64(0x8000000000000000ull, 1), v64(0x7fffffffffffffffull, 1)),
            v64(0, UINT64_MAX));
    CHECK_V(bin("i64x2.sub", v64(0, 5), v64(1, 7)), v64(UINT64_MAX, (uint64_t)-2));
}

TEST(all_true_bitmask_any_true)
{
    const wasm__simd_op *at8 = op("i8x16.all_true"), *bm8 = op("i8x16.bitmask");
    wasm__v128 a = v8(1, 0x80, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xff);
    CHECK_EQ_INT(at8->fn.test(a), 1);
    CHECK_EQ_INT(bm8->fn.test(a), 0x8002);
    a.u8[7] = 0;
    CHECK_EQ_INT(at8->fn.test(a), 0);
    CHECK_EQ_INT(op("i16x8.bitmask")->fn.test(v16(-1, 0, -32768, 32767, 0, 0, 0, -2)), 0x85);
    /* all_true looks at whole lanes: 0x0100 is a non-zero i16 lane. */
    CHECK_EQ_INT(op("i16x8.all_true")->fn.test(v16(0x100, 1, 1, 1, 1, 1, 1, 1)), 1);
    CHECK_EQ_INT(op("i32x4.all_true")->fn.test(v32(1, 1, 0, 1)), 0);
    CHECK_EQ_INT(op("i32x4.bitmask")->fn.test(v32(0x80000000u, 1, 0xffffffffu, 0)), 5);
    CHECK_EQ_INT(op("i64x2.bitmask")->fn.test(v64(1, 0x8000000000000000ull)), 2);
    CHECK_EQ_INT(op("i64x2.all_true")->fn.test(v64(0x100000000ull, 1)), 1);
    CHECK_EQ_INT(op("v128.any_true")->fn.test(v64(0, 0)), 0);
    CHECK_EQ_INT(op("v128.any_true")->fn.test(v64(0, 0x8000000000000000ull)), 1);
}

/* ---------------------------------------------------------------- bitwise */

TEST(bitwise)
{
    wasm__v128 a = v64(0xff00ff00ff00ff00ull, 0x0123456789abcdefull);
    wasm__v128 b = v64(0x0ff00ff00ff00ff0ull, 0xffffffff00000000ull);
    CHECK_V(un("v128.not", a), v64(0x00ff00ff00ff00ffull, 0xfedcba9876543210ull));
    CHECK_V(bin("v128.and", a, b), v64(0x0f000f000f000f00ull, 0x0123456700000000ull));
    CHECK_V(bin("v128.andnot", a, b), v64(0xf000f000f000f000ull, 0x0000000089abcdefull));
    CHECK_V(bin("v128.or", a, b), v64(0xfff0fff0fff0fff0ull, 0xffffffff89abcdefull));
    CHECK_V(bin("v128.xor", a, b), v64(0xf0f0f0f0f0f0f0f0ull, 0xfedcba9889abcdefull));
    wasm__v128 c = v64(0xffffffff00000000ull, 0x00000000ffffffffull);
    CHECK_V(op("v128.bitselect")->fn.tern(a, b, c), v64(0xff00ff000ff00ff0ull, 0xffffffff89abcdefull));
}

/* ------------------------------------------------------------------ lanes */

TEST(splat_extract_replace)
{
    CHECK_V(op("i8x16.splat")->fn.splat(0x1ff), v8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                                    -1, -1, -1, -1));
    CHECK_V(op("i16x8.splat")->fn.splat(0x12345), v16(0x2345, 0x2345, 0x2345, 0x2345, 0x2345,
                                                       0x2345, 0x2345, 0x2345));
    CHECK_V(op("i64x2.splat")->fn.splat(0x8000000000000001ull),
            v64(0x8000000000000001ull, 0x8000000000000001ull));
    /* f32 splat keeps NaN payloads bit-exact (a signalling NaN here). */
    CHECK_V(op("f32x4.splat")->fn.splat(0x7fa00001u), v32(0x7fa00001u, 0x7fa00001u, 0x7fa00001u,
                                                         0x7fa00001u));

    wasm__v128 a = v8(0x80, 0x7f, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x90);
    CHECK_EQ_INT(op("i8x16.extract_lane_s")->fn.extract(a, 0), 0xffffff80u);
    CHECK_EQ_INT(op("i8x16.extract_lane_u")->fn.extract(a, 0), 0x80);
    CHECK_EQ_INT(op("i8x16.extract_lane_s")->fn.extract(a, 15), 0xffffff90u);
    CHECK_EQ_INT(op("i8x16.extract_lane_s")->fn.extract(a, 1), 0x7f);
    CHECK_EQ_INT(op("i16x8.extract_lane_s")->fn.extract(a, 0), 0x7f80);
    CHECK_EQ_INT(op("i16x8.extract_lane_s")->fn.extract(a, 1), 0xffu);
    CHECK_EQ_INT(op("i16x8.extract_lane_s")->fn.extract(v16(0, -2, 0, 0, 0, 0, 0, 0), 1), 0xfffffffeu);
    CHECK_EQ_INT(op("i16x8.extract_lane_u")->fn.extract(v16(0, -2, 0, 0, 0, 0, 0, 0), 1), 0xfffe);
    CHECK_EQ_INT(op("i32x4.extract_lane")->fn.extract(v32(1, 2, 3, 0xdeadbeefu), 3), 0xdeadbeefu);
    CHECK(op("i64x2.extract_lane")->fn.extract(v64(1, UINT64_MAX), 1) == UINT64_MAX);
    CHECK_EQ_INT(op("f32x4.extract_lane")->fn.extract(v32(0, F32_NEG0, 0, 0), 1), F32_NEG0);
    CHECK(op("f64x2.extract_lane")->fn.extract(v64(0, F64_NEG0), 1) == F64_NEG0);

    CHECK_V(op("i8x16.replace_lane")->fn.replace(v64(0, 0), 15, 0x1234),
            v8(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x34));
    CHECK_V(op("i16x8.replace_lane")->fn.replace(v64(0, 0), 2, 0xabcdef),
            v16(0, 0, 0xcdef, 0, 0, 0, 0, 0));
    CHECK_V(op("i32x4.replace_lane")->fn.replace(v64(0, 0), 1, 0xffffffffu), v32(0, 0xffffffffu, 0, 0));
    CHECK_V(op("i64x2.replace_lane")->fn.replace(v64(1, 2), 0, 7), v64(7, 2));
    CHECK_V(op("f32x4.replace_lane")->fn.replace(v64(0, 0), 3, 0x7f800001u), v32(0, 0, 0, 0x7f800001u));
    CHECK_V(op("f64x2.replace_lane")->fn.replace(v64(0, 0), 1, F64_NEG0), v64(0, F64_NEG0));
}

TEST(swizzle_and_shuffle)
{
    wasm__v128 a = v8(10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25);
    wasm__v128 b = v8(30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45);
    /* Indices >= 16 (including 0x80 and 0xff) select 0. */
    wasm__v128 s = v8(15, 0, 16, 255, 0x80, 1, 17, 2, 3, 31, 4, 5, 6, 7, 8, 9);
    CHECK_V(bin("i8x16.swizzle", a, s), v8(25, 10, 0, 0, 0, 11, 0, 12, 13, 0, 14, 15, 16, 17, 18, 19));
    const uint8_t idx[16] = {0, 16, 1, 17, 31, 15, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22};
    CHECK_V(op("i8x16.shuffle")->fn.shuffle(a, b, idx),
            v8(10, 30, 11, 31, 45, 25, 12, 32, 13, 33, 14, 34, 15, 35, 16, 36));
}

/* ------------------------------------------------------------------ memory */

TEST(loads_and_stores)
{
    uint8_t mem[24];
    for (int i = 0; i < 24; i++)
        mem[i] = (uint8_t)(0xf0 + i);
    wasm__v128 r = op("v128.load")->fn.load(mem + 1);
    CHECK_EQ_INT(r.u8[0], 0xf1);
    CHECK_EQ_INT(r.u8[15], 0x00); /* mem[16] = (uint8_t)0x100 */
    CHECK_V(op("v128.load8x8_s")->fn.load(mem + 14),
            v16(-2, -1, 0, 1, 2, 3, 4, 5)); /* bytes fe ff 00 01 02 03 04 05 */
    CHECK_V(op("v128.load8x8_u")->fn.load(mem + 14), v16(0xfe, 0xff, 0, 1, 2, 3, 4, 5));
    CHECK_V(op("v128.load16x4_s")->fn.load(mem + 14), v32((uint32_t)(int16_t)0xfffe, 0x100, 0x302, 0x504));
    CHECK_V(op("v128.load16x4_u")->fn.load(mem + 14), v32(0xfffe, 0x100, 0x302, 0x504));
    CHECK_V(op("v128.load32x2_s")->fn.load(mem + 12),
            v64(0xfffffffffffefdfcull, 0x03020100ull));
    CHECK_V(op("v128.load32x2_u")->fn.load(mem + 12), v64(0xfffefdfcull, 0x03020100ull));
    CHECK_V(op("v128.load8_splat")->fn.load(mem + 3), op("i8x16.splat")->fn.splat(0xf3));
    CHECK_V(op("v128.load16_splat")->fn.load(mem + 3), op("i16x8.splat")->fn.splat(0xf4f3));
    CHECK_V(op("v128.load32_splat")->fn.load(mem), op("i32x4.splat")->fn.splat(0xf3f2f1f0u));
    CHECK_V(op("v128.load64_splat")->fn.load(mem), v64(0xf7f6f5f4f3f2f1f0ull, 0xf7f6f5f4f3f2f1f0ull));
    CHECK_V(op("v128.load32_zero")->fn.load(mem), v32(0xf3f2f1f0u, 0, 0, 0));
    CHECK_V(op("v128.load64_zero")->fn.load(mem), v64(0xf7f6f5f4f3f2f1f0ull, 0));

    wasm__v128 z = v64(0, 0);
    CHECK_V(op("v128.load8_lane")->fn.load_lane(z, mem, 15), v8(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf0));
    CHECK_V(op("v128.load16_lane")->fn.load_lane(z, mem, 1), v16(0, 0xf1f0, 0, 0, 0, 0, 0, 0));
    CHECK_V(op("v128.load32_lane")->fn.load_lane(v32(1, 2, 3, 4), mem, 2), v32(1, 2, 0xf3f2f1f0u, 4));
    CHECK_V(op("v128.load64_lane")->fn.load_lane(v64(1, 2), mem, 1), v64(1, 0xf7f6f5f4f3f2f1f0ull));

    uint8_t out[20];
    memset(out, 0xaa, sizeof out);
    op("v128.store")->fn.store(out + 2, v8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
    CHECK_EQ_INT(out[1], 0xaa);
    CHECK_EQ_INT(out[2], 0);
    CHECK_EQ_INT(out[17], 15);
    CHECK_EQ_INT(out[18], 0xaa);
    memset(out, 0xaa, sizeof out);
    op("v128.store8_lane")->fn.store_lane(out, v8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), 9);
    CHECK_EQ_INT(out[0], 9);
    CHECK_EQ_INT(out[1], 0xaa);
    op("v128.store16_lane")->fn.store_lane(out, v16(0, 0, 0, 0, 0, 0, 0, 0x1234), 7);
    CHECK_EQ_INT(out[0], 0x34);
    CHECK_EQ_INT(out[1], 0x12);
    CHECK_EQ_INT(out[2], 0xaa);
    op("v128.store32_lane")->fn.store_lane(out, v32(0, 0, 0, 0xdeadbeefu), 3);
    CHECK_EQ_INT(out[0], 0xef);
    CHECK_EQ_INT(out[3], 0xde);
    CHECK_EQ_INT(out[4], 0xaa);
    op("v128.store64_lane")->fn.store_lane(out, v64(0, 0x0102030405060708ull), 1);
    CHECK_EQ_INT(out[0], 8);
    CHECK_EQ_INT(out[7], 1);
    CHECK_EQ_INT(out[8], 0xaa);

    const uint8_t imm[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    CHECK_V(op("v128.const")->fn.load(imm), v8(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16));
}

/* ----------------------------------------------------------------- floats */

TEST(float_arith_canonical_nan)
{
    wasm__v128 r = bin("f32x4.add", vf32(1.5f, INFINITY, -0.0f, 3e38f), vf32(2.25f, -INFINITY, -0.0f, 3e38f));
    CHECK_EQ_INT(r.u32[0], 0x40700000u); /* 3.75 */
    CHECK(is_canon32(r.u32[1]));         /* inf + -inf */
    CHECK_EQ_INT(r.u32[2], F32_NEG0);    /* -0 + -0 = -0 */
    CHECK_EQ_INT(r.u32[3], 0x7f800000u); /* overflow to +inf */

    /* A NaN operand with a payload gives an arithmetic NaN (quiet bit set);
     * we give the canonical one. */
    r = bin("f32x4.mul", v32(0x7fa00001u, 0xffc00000u, 0, 0x3f800000u), v32(0x3f800000u, 0x3f800000u,
                                                                           0x7f800000u, 0x80000000u));
    CHECK(is_canon32(r.u32[0]));
    CHECK(is_canon32(r.u32[1]));
    CHECK(is_canon32(r.u32[2])); /* 0 * inf */
    CHECK_EQ_INT(r.u32[3], F32_NEG0);

    r = bin("f32x4.div", vf32(1.0f, -1.0f, 0.0f, 1.0f), vf32(0.0f, 0.0f, 0.0f, -0.0f));
    CHECK_EQ_INT(r.u32[0], 0x7f800000u);
    CHECK_EQ_INT(r.u32[1], 0xff800000u);
    CHECK(is_canon32(r.u32[2]));
    CHECK_EQ_INT(r.u32[3], 0xff800000u);

    r = un("f32x4.sqrt", vf32(4.0f, -1.0f, -0.0f, INFINITY));
    CHECK_EQ_INT(r.u32[0], 0x40000000u);
    CHECK(is_canon32(r.u32[1]));
    CHECK_EQ_INT(r.u32[2], F32_NEG0);
    CHECK_EQ_INT(r.u32[3], 0x7f800000u);

    r = bin("f64x2.sub", vf64(INFINITY, 0.1), vf64(INFINITY, 0.3));
    CHECK(is_canon64(r.u64[0]));
    CHECK(r.f64[1] == 0.1 - 0.3);
    r = un("f64x2.sqrt", v64(0x7ff0000000000001ull, 0x4010000000000000ull));
    CHECK(is_canon64(r.u64[0]));
    CHECK(r.f64[1] == 2.0);
}

TEST(float_min_max)
{
    wasm__v128 a = vf32(-0.0f, 0.0f, NAN, 1.0f);
    wasm__v128 b = vf32(0.0f, -0.0f, 1.0f, -INFINITY);
    wasm__v128 r = bin("f32x4.min", a, b);
    CHECK_EQ_INT(r.u32[0], F32_NEG0);
    CHECK_EQ_INT(r.u32[1], F32_NEG0);
    CHECK(is_canon32(r.u32[2]));
    CHECK_EQ_INT(r.u32[3], 0xff800000u);
    r = bin("f32x4.max", a, b);
    CHECK_EQ_INT(r.u32[0], 0);
    CHECK_EQ_INT(r.u32[1], 0);
    CHECK(is_canon32(r.u32[2]));
    CHECK_EQ_INT(r.u32[3], 0x3f800000u);
    /* NaN in the second operand too. */
    r = bin("f32x4.max", vf32(1, 1, 1, 1), v32(0x7f800001u, 0xffc00000u, 0x3f800000u, 0x3f800000u));
    CHECK(is_canon32(r.u32[0]));
    CHECK(is_canon32(r.u32[1]));

    wasm__v128 c = vf64(-0.0, NAN), d = vf64(0.0, 0.0);
    r = bin("f64x2.min", c, d);
    CHECK(r.u64[0] == F64_NEG0);
    CHECK(is_canon64(r.u64[1]));
    r = bin("f64x2.max", c, d);
    CHECK(r.u64[0] == 0);
    CHECK(is_canon64(r.u64[1]));
    r = bin("f64x2.max", vf64(-1.0, 3.0), vf64(-2.0, 4.0));
    CHECK(r.f64[0] == -1.0 && r.f64[1] == 4.0);
}

TEST(float_pmin_pmax_keep_operand_bits)
{
    /* pmin = b < a ? b : a: with a NaN anywhere the comparison is false and
     * a is returned unchanged, payload and all. -0/+0 compare equal -> a. */
    wasm__v128 a = v32(0x7fa00001u, 0x3f800000u, F32_NEG0, 0x40000000u);
    wasm__v128 b = v32(0x3f800000u, 0xffc00123u, 0, 0x3f800000u);
    CHECK_V(bin("f32x4.pmin", a, b), v32(0x7fa00001u, 0x3f800000u, F32_NEG0, 0x3f800000u));
    CHECK_V(bin("f32x4.pmax", a, b), v32(0x7fa00001u, 0x3f800000u, F32_NEG0, 0x40000000u));
    CHECK_V(bin("f32x4.pmax", b, a), v32(0x3f800000u, 0xffc00123u, 0, 0x40000000u));
    wasm__v128 c = v64(0, 0x7ff4000000000000ull), d = v64(F64_NEG0, 0x3ff0000000000000ull);
    CHECK_V(bin("f64x2.pmin", c, d), c);
    CHECK_V(bin("f64x2.pmax", d, c), d);
    CHECK_V(bin("f64x2.pmin", vf64(2.0, -1.0), vf64(1.0, 3.0)), vf64(1.0, -1.0));
}

TEST(float_abs_neg_are_bitwise)
{
    wasm__v128 a = v32(0xffc00001u, 0x7fa00000u, F32_NEG0, 0x3f800000u);
    CHECK_V(un("f32x4.abs", a), v32(0x7fc00001u, 0x7fa00000u, 0, 0x3f800000u));
    CHECK_V(un("f32x4.neg", a), v32(0x7fc00001u, 0xffa00000u, 0, 0xbf800000u));
    wasm__v128 b = v64(0xfff0000000000001ull, 0);
    CHECK_V(un("f64x2.abs", b), v64(0x7ff0000000000001ull, 0));
    CHECK_V(un("f64x2.neg", b), v64(0x7ff0000000000001ull, F64_NEG0));
}

TEST(float_compare)
{
    wasm__v128 a = vf32(NAN, -0.0f, 1.0f, 2.0f), b = vf32(NAN, 0.0f, 2.0f, 1.0f);
    CHECK_V(bin("f32x4.eq", a, b), v32(0, 0xffffffffu, 0, 0));
    CHECK_V(bin("f32x4.ne", a, b), v32(0xffffffffu, 0, 0xffffffffu, 0xffffffffu));
    CHECK_V(bin("f32x4.lt", a, b), v32(0, 0, 0xffffffffu, 0));
    CHECK_V(bin("f32x4.ge", a, b), v32(0, 0xffffffffu, 0, 0xffffffffu));
    CHECK_V(bin("f64x2.le", vf64(NAN, -INFINITY), vf64(1.0, -INFINITY)), v64(0, UINT64_MAX));
    CHECK_V(bin("f64x2.gt", vf64(3.0, NAN), vf64(1.0, NAN)), v64(UINT64_MAX, 0));
}

TEST(float_rounding)
{
    wasm__v128 a = vf32(-0.5f, 1.5f, 2.5f, -2.5f);
    CHECK_V(un("f32x4.nearest", a), vf32(-0.0f, 2.0f, 2.0f, -2.0f));
    CHECK_V(un("f32x4.ceil", a), vf32(-0.0f, 2.0f, 3.0f, -2.0f));
    CHECK_V(un("f32x4.floor", a), vf32(-1.0f, 1.0f, 2.0f, -3.0f));
    CHECK_V(un("f32x4.trunc", a), vf32(-0.0f, 1.0f, 2.0f, -2.0f));
    /* Exactly -0.0 bits from ceil(-0.5). */
    CHECK_EQ_INT(un("f32x4.ceil", a).u32[0], F32_NEG0);
    wasm__v128 r = un("f32x4.floor", v32(0x7fa00000u, 0x7f800000u, 0x4b000001u, 0));
    CHECK(is_canon32(r.u32[0]));
    CHECK_EQ_INT(r.u32[1], 0x7f800000u);
    CHECK_EQ_INT(r.u32[2], 0x4b000001u); /* 2^23 + 1 is already integral */
    CHECK_V(un("f64x2.nearest", vf64(0.5, 4503599627370497.0)), vf64(0.0, 4503599627370497.0));
    CHECK_V(un("f64x2.trunc", vf64(-0.9, 1e300)), vf64(-0.0, 1e300));
    CHECK_V(un("f64x2.floor", vf64(-0.0, -1.5)), vf64(-0.0, -2.0));
    CHECK_V(un("f64x2.ceil", vf64(-0.9, 1.1)), vf64(-0.0, 2.0));
    CHECK(is_canon64(un("f64x2.nearest", v64(0xfff8000000000001ull, 0)).u64[0]));
}

TEST(trunc_sat)
{
    wasm__v128 a = vf32(NAN, -INFINITY, 2147483648.0f, -2147483648.0f);
    CHECK_V(un("i32x4.trunc_sat_f32x4_s", a), v32(0, 0x80000000u, 0x7fffffffu, 0x80000000u));
    CHECK_V(un("i32x4.trunc_sat_f32x4_s", vf32(-1.9f, 1.9f, 2147483520.0f, -0.0f)),
            v32((uint32_t)-1, 1, 2147483520u, 0));
    CHECK_V(un("i32x4.trunc_sat_f32x4_u", vf32(NAN, -0.9f, 4294967296.0f, 4294967040.0f)),
            v32(0, 0, 0xffffffffu, 4294967040u));
    CHECK_V(un("i32x4.trunc_sat_f32x4_u", vf32(-1.0f, INFINITY, 1.5f, -INFINITY)),
            v32(0, 0xffffffffu, 1, 0));
    /* f64: the bounds are representable, and the upper lanes become 0. */
    CHECK_V(un("i32x4.trunc_sat_f64x2_s_zero", vf64(2147483647.9, -2147483648.9)),
            v32(0x7fffffffu, 0x80000000u, 0, 0));
    CHECK_V(un("i32x4.trunc_sat_f64x2_s_zero", vf64(-2147483649.0, 2147483648.0)),
            v32(0x80000000u, 0x7fffffffu, 0, 0));
    CHECK_V(un("i32x4.trunc_sat_f64x2_u_zero", vf64(4294967295.9, 4294967296.0)),
            v32(0xffffffffu, 0xffffffffu, 0, 0));
    CHECK_V(un("i32x4.trunc_sat_f64x2_u_zero", vf64(NAN, -0.99)), v32(0, 0, 0, 0));
}

TEST(int_to_float_and_precision_change)
{
    CHECK_V(un("f32x4.convert_i32x4_s", v32(0x80000000u, 0xffffffffu, 16777217u, 0x7fffffffu)),
            vf32(-2147483648.0f, -1.0f, 16777216.0f, 2147483648.0f));
    /* 16777219 rounds to even: 16777220. 0xffffffff -> 2^32. */
    CHECK_V(un("f32x4.convert_i32x4_u", v32(0x80000000u, 0xffffffffu, 16777219u, 0)),
            vf32(2147483648.0f, 4294967296.0f, 16777220.0f, 0.0f));
    CHECK_V(un("f64x2.convert_low_i32x4_s", v32(0x80000000u, 0xffffffffu, 9, 9)),
            vf64(-2147483648.0, -1.0));
    CHECK_V(un("f64x2.convert_low_i32x4_u", v32(0x80000000u, 0xffffffffu, 9, 9)),
            vf64(2147483648.0, 4294967295.0));

    wasm__v128 r = un("f32x4.demote_f64x2_zero", vf64(1e300, 0.1));
    CHECK_EQ_INT(r.u32[0], 0x7f800000u);
    CHECK(r.f32[1] == 0.1f);
    CHECK_EQ_INT(r.u32[2], 0);
    CHECK_EQ_INT(r.u32[3], 0);
    r = un("f32x4.demote_f64x2_zero", v64(0x7ff0000000000001ull, F64_NEG0));
    CHECK(is_canon32(r.u32[0]));
    CHECK_EQ_INT(r.u32[1], F32_NEG0);
    r = un("f64x2.promote_low_f32x4", v32(0x7f800001u, F32_NEG0, 0x3f800000u, 0x3f800000u));
    CHECK(is_canon64(r.u64[0]));
    CHECK(r.u64[1] == F64_NEG0);
    r = un("f64x2.promote_low_f32x4", vf32(0.1f, -INFINITY, 0, 0));
    CHECK(r.f64[0] == (double)0.1f);
    CHECK(r.f64[1] == -INFINITY);
}

TEST_MAIN()
