/* wasm_simd.h: fixed-width SIMD (v128) for the engine — internal header.
 *
 * Two things live here. (1) One table row per 0xFD-prefixed opcode of
 * WebAssembly 2.0 (236 of them): name, immediate kind, operand and result
 * types, lane/alignment bounds and a pointer to the function that computes
 * it; the decoder, validator, translator and interpreter are all driven by
 * that row, so adding SIMD to them is a handful of generic cases, not 236.
 * (2) The semantics of every op as pure C functions over a 16-byte value.
 * Memory ops take a pointer to bytes the interpreter has already
 * bounds-checked. Design note: docs/internals/wasm_simd.md.
 */
#ifndef BX_WASM_SIMD_H
#define BX_WASM_SIMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "wasm_simd assumes a little-endian host (lane i at bytes i*w..)"
#endif

/* Lane views as GCC/clang vector types: indexable like arrays (v.u8[i]),
 * but a union made only of vectors is passed and returned in one SSE
 * register by the x86-64 ABI, where arrays would travel through two
 * general registers and the stack (a per-op store-forwarding stall that
 * made every SIMD op several times slower). Elements cannot have their
 * address taken: use (uint8_t *)&v + offset. */
typedef uint8_t wasm__u8x16 __attribute__((vector_size(16)));
typedef int8_t wasm__i8x16 __attribute__((vector_size(16)));
typedef uint16_t wasm__u16x8 __attribute__((vector_size(16)));
typedef int16_t wasm__i16x8 __attribute__((vector_size(16)));
typedef uint32_t wasm__u32x4 __attribute__((vector_size(16)));
typedef int32_t wasm__i32x4 __attribute__((vector_size(16)));
typedef uint64_t wasm__u64x2 __attribute__((vector_size(16)));
typedef int64_t wasm__i64x2 __attribute__((vector_size(16)));
typedef float wasm__f32x4 __attribute__((vector_size(16)));
typedef double wasm__f64x2 __attribute__((vector_size(16)));

/* A v128 value. Lane i of every view occupies the same bytes as in wasm
 * linear memory (little-endian), so a value is stored with one memcpy. */
typedef union wasm__v128 {
    wasm__u8x16 u8;
    wasm__i8x16 i8;
    wasm__u16x8 u16;
    wasm__i16x8 i16;
    wasm__u32x4 u32;
    wasm__i32x4 i32;
    wasm__u64x2 u64;
    wasm__i64x2 i64;
    wasm__f32x4 f32;
    wasm__f64x2 f64;
} wasm__v128;

/* Value types as their binary-format bytes, for the validator. */
enum {
    WASM__SIMD_T_NONE = 0x00,
    WASM__SIMD_T_I32 = 0x7F,
    WASM__SIMD_T_I64 = 0x7E,
    WASM__SIMD_T_F32 = 0x7D,
    WASM__SIMD_T_F64 = 0x7C,
    WASM__SIMD_T_V128 = 0x7B,
};

/* Immediates that follow the sub-opcode. */
typedef enum wasm__simd_imm {
    WASM__SIMD_IMM_NONE,
    WASM__SIMD_IMM_MEMARG,      /* align:u32 offset:u32 (LEB) */
    WASM__SIMD_IMM_MEMARG_LANE, /* memarg, then one lane-index byte */
    WASM__SIMD_IMM_LANE,        /* one lane-index byte */
    WASM__SIMD_IMM_SHUFFLE,     /* 16 lane-index bytes, each < 32 */
    WASM__SIMD_IMM_V128,        /* 16 raw bytes, little-endian */
} wasm__simd_imm;

/* How an op is called: fixes the C signature (the `fn` member used) and
 * the shape of its operands. Scalars cross the boundary as raw bits in a
 * uint64_t — the same bits a value slot holds (wasm_int.h): i64 and f64 in
 * all 64; i32 and f32 in the low 32 bits, where inputs may carry garbage
 * above (it is ignored) and outputs have the upper bits zero. */
typedef enum wasm__simd_kind {
    WASM__SIMD_UN,         /* v128 -> v128                fn.un      */
    WASM__SIMD_BIN,        /* v128 v128 -> v128           fn.bin     */
    WASM__SIMD_TERN,       /* v128 v128 v128 -> v128      fn.tern    */
    WASM__SIMD_TEST,       /* v128 -> i32                 fn.test    */
    WASM__SIMD_SHIFT,      /* v128 i32 -> v128            fn.shift   */
    WASM__SIMD_SPLAT,      /* t -> v128                   fn.splat   */
    WASM__SIMD_EXTRACT,    /* v128 -> t     [lane]        fn.extract */
    WASM__SIMD_REPLACE,    /* v128 t -> v128  [lane]      fn.replace */
    WASM__SIMD_SHUFFLE,    /* v128 v128 -> v128 [16 idx]  fn.shuffle */
    WASM__SIMD_CONST,      /* -> v128 [16 bytes]          fn.load (reads the immediate) */
    WASM__SIMD_LOAD,       /* i32 -> v128  [memarg]       fn.load    */
    WASM__SIMD_LOAD_LANE,  /* i32 v128 -> v128 [memarg lane] fn.load_lane */
    WASM__SIMD_STORE,      /* i32 v128 ->  [memarg]       fn.store   */
    WASM__SIMD_STORE_LANE, /* i32 v128 ->  [memarg lane]  fn.store_lane */
} wasm__simd_kind;

typedef wasm__v128 (*wasm__simd_un_fn)(wasm__v128 a);
typedef wasm__v128 (*wasm__simd_bin_fn)(wasm__v128 a, wasm__v128 b);
typedef wasm__v128 (*wasm__simd_tern_fn)(wasm__v128 a, wasm__v128 b, wasm__v128 c);
typedef uint32_t (*wasm__simd_test_fn)(wasm__v128 a);
typedef wasm__v128 (*wasm__simd_shift_fn)(wasm__v128 a, uint32_t count);
typedef wasm__v128 (*wasm__simd_splat_fn)(uint64_t x);
typedef uint64_t (*wasm__simd_extract_fn)(wasm__v128 a, unsigned lane);
typedef wasm__v128 (*wasm__simd_replace_fn)(wasm__v128 a, unsigned lane, uint64_t x);
typedef wasm__v128 (*wasm__simd_shuffle_fn)(wasm__v128 a, wasm__v128 b, const uint8_t idx[16]);
typedef wasm__v128 (*wasm__simd_load_fn)(const uint8_t *p);
typedef wasm__v128 (*wasm__simd_load_lane_fn)(wasm__v128 a, const uint8_t *p, unsigned lane);
typedef void (*wasm__simd_store_fn)(uint8_t *p, wasm__v128 a);
typedef void (*wasm__simd_store_lane_fn)(uint8_t *p, wasm__v128 a, unsigned lane);

/* One opcode. Invariants: nparams <= 3; params are in push order (the
 * last one is on top of the operand stack); `lanes` is non-zero exactly
 * for ops with a lane immediate (the immediate must be < lanes; shuffle
 * indices must be < 32); `bytes` and `max_align` are set exactly for
 * memory ops (`bytes` is the access width the interpreter bounds-checks,
 * memarg.align must be <= max_align, else "alignment must not be larger
 * than natural"). Lane functions mask an out-of-range lane instead of
 * reading out of bounds, but validation must reject it first. */
typedef struct wasm__simd_op {
    const char *name;  /* text-format name, e.g. "i8x16.add_sat_s" */
    uint8_t code;      /* sub-opcode (all are < 256, LEB-encoded in the binary) */
    uint8_t kind;      /* wasm__simd_kind */
    uint8_t imm;       /* wasm__simd_imm */
    uint8_t nparams;   /* operands popped */
    uint8_t params[3]; /* WASM__SIMD_T_* of each operand */
    uint8_t result;    /* WASM__SIMD_T_* pushed, WASM__SIMD_T_NONE if nothing */
    uint8_t lanes;     /* bound of the lane immediate, 0 if none */
    uint8_t bytes;     /* memory bytes accessed, 0 if not a memory op */
    uint8_t max_align; /* log2 of the natural alignment of a memory op */
    union {
        wasm__simd_un_fn un;
        wasm__simd_bin_fn bin;
        wasm__simd_tern_fn tern;
        wasm__simd_test_fn test;
        wasm__simd_shift_fn shift;
        wasm__simd_splat_fn splat;
        wasm__simd_extract_fn extract;
        wasm__simd_replace_fn replace;
        wasm__simd_shuffle_fn shuffle;
        wasm__simd_load_fn load;
        wasm__simd_load_lane_fn load_lane;
        wasm__simd_store_fn store;
        wasm__simd_store_lane_fn store_lane;
    } fn;
} wasm__simd_op;

/* The table itself, indexed by sub-opcode; rows of unused codes have a
 * NULL name. Use wasm__simd_op_get. */
extern const wasm__simd_op wasm__simd_ops[256];

/* The row of sub-opcode `code`, or NULL when no such SIMD op exists (the
 * decoder reports "illegal opcode"). Thread-safe: the table is const.
 * Inline: the interpreter looks the row up on every SIMD op. */
static inline const wasm__simd_op *wasm__simd_op_get(uint32_t code)
{
    if (code >= 256 || wasm__simd_ops[code].name == NULL)
        return NULL;
    return &wasm__simd_ops[code];
}
/* The row named `name` (text format), or NULL. Linear; for tests/tools. */
const wasm__simd_op *wasm__simd_op_by_name(const char *name);
/* Number of SIMD ops (236 in WebAssembly 2.0). */
size_t wasm__simd_op_count(void);
/* The i-th op in opcode order, or NULL when i >= count. */
const wasm__simd_op *wasm__simd_op_at(size_t i);

/* The list of every op: X(code, ident, "name", kind, scalar type, n).
 * `ident` names the function wasm__simd_<ident>; the scalar type is the
 * lane/scalar type of splat/extract/replace; n is the lane count of ops
 * with a lane immediate and the access width in bytes of memory ops. */
#define WASM__SIMD_OPS(X)                                                       \
    X(0x00, v128_load, "v128.load", LOAD, NONE, 16)                             \
    X(0x01, v128_load8x8_s, "v128.load8x8_s", LOAD, NONE, 8)                    \
    X(0x02, v128_load8x8_u, "v128.load8x8_u", LOAD, NONE, 8)                    \
    X(0x03, v128_load16x4_s, "v128.load16x4_s", LOAD, NONE, 8)                  \
    X(0x04, v128_load16x4_u, "v128.load16x4_u", LOAD, NONE, 8)                  \
    X(0x05, v128_load32x2_s, "v128.load32x2_s", LOAD, NONE, 8)                  \
    X(0x06, v128_load32x2_u, "v128.load32x2_u", LOAD, NONE, 8)                  \
    X(0x07, v128_load8_splat, "v128.load8_splat", LOAD, NONE, 1)                \
    X(0x08, v128_load16_splat, "v128.load16_splat", LOAD, NONE, 2)              \
    X(0x09, v128_load32_splat, "v128.load32_splat", LOAD, NONE, 4)              \
    X(0x0a, v128_load64_splat, "v128.load64_splat", LOAD, NONE, 8)              \
    X(0x0b, v128_store, "v128.store", STORE, NONE, 16)                          \
    X(0x0c, v128_const, "v128.const", CONST, NONE, 0)                           \
    X(0x0d, i8x16_shuffle, "i8x16.shuffle", SHUFFLE, NONE, 32)                  \
    X(0x0e, i8x16_swizzle, "i8x16.swizzle", BIN, NONE, 0)                       \
    X(0x0f, i8x16_splat, "i8x16.splat", SPLAT, I32, 0)                          \
    X(0x10, i16x8_splat, "i16x8.splat", SPLAT, I32, 0)                          \
    X(0x11, i32x4_splat, "i32x4.splat", SPLAT, I32, 0)                          \
    X(0x12, i64x2_splat, "i64x2.splat", SPLAT, I64, 0)                          \
    X(0x13, f32x4_splat, "f32x4.splat", SPLAT, F32, 0)                          \
    X(0x14, f64x2_splat, "f64x2.splat", SPLAT, F64, 0)                          \
    X(0x15, i8x16_extract_lane_s, "i8x16.extract_lane_s", EXTRACT, I32, 16)     \
    X(0x16, i8x16_extract_lane_u, "i8x16.extract_lane_u", EXTRACT, I32, 16)     \
    X(0x17, i8x16_replace_lane, "i8x16.replace_lane", REPLACE, I32, 16)         \
    X(0x18, i16x8_extract_lane_s, "i16x8.extract_lane_s", EXTRACT, I32, 8)      \
    X(0x19, i16x8_extract_lane_u, "i16x8.extract_lane_u", EXTRACT, I32, 8)      \
    X(0x1a, i16x8_replace_lane, "i16x8.replace_lane", REPLACE, I32, 8)          \
    X(0x1b, i32x4_extract_lane, "i32x4.extract_lane", EXTRACT, I32, 4)          \
    X(0x1c, i32x4_replace_lane, "i32x4.replace_lane", REPLACE, I32, 4)          \
    X(0x1d, i64x2_extract_lane, "i64x2.extract_lane", EXTRACT, I64, 2)          \
    X(0x1e, i64x2_replace_lane, "i64x2.replace_lane", REPLACE, I64, 2)          \
    X(0x1f, f32x4_extract_lane, "f32x4.extract_lane", EXTRACT, F32, 4)          \
    X(0x20, f32x4_replace_lane, "f32x4.replace_lane", REPLACE, F32, 4)          \
    X(0x21, f64x2_extract_lane, "f64x2.extract_lane", EXTRACT, F64, 2)          \
    X(0x22, f64x2_replace_lane, "f64x2.replace_lane", REPLACE, F64, 2)          \
    X(0x23, i8x16_eq, "i8x16.eq", BIN, NONE, 0)                                 \
    X(0x24, i8x16_ne, "i8x16.ne", BIN, NONE, 0)                                 \
    X(0x25, i8x16_lt_s, "i8x16.lt_s", BIN, NONE, 0)                             \
    X(0x26, i8x16_lt_u, "i8x16.lt_u", BIN, NONE, 0)                             \
    X(0x27, i8x16_gt_s, "i8x16.gt_s", BIN, NONE, 0)                             \
    X(0x28, i8x16_gt_u, "i8x16.gt_u", BIN, NONE, 0)                             \
    X(0x29, i8x16_le_s, "i8x16.le_s", BIN, NONE, 0)                             \
    X(0x2a, i8x16_le_u, "i8x16.le_u", BIN, NONE, 0)                             \
    X(0x2b, i8x16_ge_s, "i8x16.ge_s", BIN, NONE, 0)                             \
    X(0x2c, i8x16_ge_u, "i8x16.ge_u", BIN, NONE, 0)                             \
    X(0x2d, i16x8_eq, "i16x8.eq", BIN, NONE, 0)                                 \
    X(0x2e, i16x8_ne, "i16x8.ne", BIN, NONE, 0)                                 \
    X(0x2f, i16x8_lt_s, "i16x8.lt_s", BIN, NONE, 0)                             \
    X(0x30, i16x8_lt_u, "i16x8.lt_u", BIN, NONE, 0)                             \
    X(0x31, i16x8_gt_s, "i16x8.gt_s", BIN, NONE, 0)                             \
    X(0x32, i16x8_gt_u, "i16x8.gt_u", BIN, NONE, 0)                             \
    X(0x33, i16x8_le_s, "i16x8.le_s", BIN, NONE, 0)                             \
    X(0x34, i16x8_le_u, "i16x8.le_u", BIN, NONE, 0)                             \
    X(0x35, i16x8_ge_s, "i16x8.ge_s", BIN, NONE, 0)                             \
    X(0x36, i16x8_ge_u, "i16x8.ge_u", BIN, NONE, 0)                             \
    X(0x37, i32x4_eq, "i32x4.eq", BIN, NONE, 0)                                 \
    X(0x38, i32x4_ne, "i32x4.ne", BIN, NONE, 0)                                 \
    X(0x39, i32x4_lt_s, "i32x4.lt_s", BIN, NONE, 0)                             \
    X(0x3a, i32x4_lt_u, "i32x4.lt_u", BIN, NONE, 0)                             \
    X(0x3b, i32x4_gt_s, "i32x4.gt_s", BIN, NONE, 0)                             \
    X(0x3c, i32x4_gt_u, "i32x4.gt_u", BIN, NONE, 0)                             \
    X(0x3d, i32x4_le_s, "i32x4.le_s", BIN, NONE, 0)                             \
    X(0x3e, i32x4_le_u, "i32x4.le_u", BIN, NONE, 0)                             \
    X(0x3f, i32x4_ge_s, "i32x4.ge_s", BIN, NONE, 0)                             \
    X(0x40, i32x4_ge_u, "i32x4.ge_u", BIN, NONE, 0)                             \
    X(0x41, f32x4_eq, "f32x4.eq", BIN, NONE, 0)                                 \
    X(0x42, f32x4_ne, "f32x4.ne", BIN, NONE, 0)                                 \
    X(0x43, f32x4_lt, "f32x4.lt", BIN, NONE, 0)                                 \
    X(0x44, f32x4_gt, "f32x4.gt", BIN, NONE, 0)                                 \
    X(0x45, f32x4_le, "f32x4.le", BIN, NONE, 0)                                 \
    X(0x46, f32x4_ge, "f32x4.ge", BIN, NONE, 0)                                 \
    X(0x47, f64x2_eq, "f64x2.eq", BIN, NONE, 0)                                 \
    X(0x48, f64x2_ne, "f64x2.ne", BIN, NONE, 0)                                 \
    X(0x49, f64x2_lt, "f64x2.lt", BIN, NONE, 0)                                 \
    X(0x4a, f64x2_gt, "f64x2.gt", BIN, NONE, 0)                                 \
    X(0x4b, f64x2_le, "f64x2.le", BIN, NONE, 0)                                 \
    X(0x4c, f64x2_ge, "f64x2.ge", BIN, NONE, 0)                                 \
    X(0x4d, v128_not, "v128.not", UN, NONE, 0)                                  \
    X(0x4e, v128_and, "v128.and", BIN, NONE, 0)                                 \
    X(0x4f, v128_andnot, "v128.andnot", BIN, NONE, 0)                           \
    X(0x50, v128_or, "v128.or", BIN, NONE, 0)                                   \
    X(0x51, v128_xor, "v128.xor", BIN, NONE, 0)                                 \
    X(0x52, v128_bitselect, "v128.bitselect", TERN, NONE, 0)                    \
    X(0x53, v128_any_true, "v128.any_true", TEST, NONE, 0)                      \
    X(0x54, v128_load8_lane, "v128.load8_lane", LOAD_LANE, NONE, 1)             \
    X(0x55, v128_load16_lane, "v128.load16_lane", LOAD_LANE, NONE, 2)           \
    X(0x56, v128_load32_lane, "v128.load32_lane", LOAD_LANE, NONE, 4)           \
    X(0x57, v128_load64_lane, "v128.load64_lane", LOAD_LANE, NONE, 8)           \
    X(0x58, v128_store8_lane, "v128.store8_lane", STORE_LANE, NONE, 1)          \
    X(0x59, v128_store16_lane, "v128.store16_lane", STORE_LANE, NONE, 2)        \
    X(0x5a, v128_store32_lane, "v128.store32_lane", STORE_LANE, NONE, 4)        \
    X(0x5b, v128_store64_lane, "v128.store64_lane", STORE_LANE, NONE, 8)        \
    X(0x5c, v128_load32_zero, "v128.load32_zero", LOAD, NONE, 4)                \
    X(0x5d, v128_load64_zero, "v128.load64_zero", LOAD, NONE, 8)                \
    X(0x5e, f32x4_demote_f64x2_zero, "f32x4.demote_f64x2_zero", UN, NONE, 0)    \
    X(0x5f, f64x2_promote_low_f32x4, "f64x2.promote_low_f32x4", UN, NONE, 0)    \
    X(0x60, i8x16_abs, "i8x16.abs", UN, NONE, 0)                                \
    X(0x61, i8x16_neg, "i8x16.neg", UN, NONE, 0)                                \
    X(0x62, i8x16_popcnt, "i8x16.popcnt", UN, NONE, 0)                          \
    X(0x63, i8x16_all_true, "i8x16.all_true", TEST, NONE, 0)                    \
    X(0x64, i8x16_bitmask, "i8x16.bitmask", TEST, NONE, 0)                      \
    X(0x65, i8x16_narrow_i16x8_s, "i8x16.narrow_i16x8_s", BIN, NONE, 0)         \
    X(0x66, i8x16_narrow_i16x8_u, "i8x16.narrow_i16x8_u", BIN, NONE, 0)         \
    X(0x67, f32x4_ceil, "f32x4.ceil", UN, NONE, 0)                              \
    X(0x68, f32x4_floor, "f32x4.floor", UN, NONE, 0)                            \
    X(0x69, f32x4_trunc, "f32x4.trunc", UN, NONE, 0)                            \
    X(0x6a, f32x4_nearest, "f32x4.nearest", UN, NONE, 0)                        \
    X(0x6b, i8x16_shl, "i8x16.shl", SHIFT, NONE, 0)                             \
    X(0x6c, i8x16_shr_s, "i8x16.shr_s", SHIFT, NONE, 0)                         \
    X(0x6d, i8x16_shr_u, "i8x16.shr_u", SHIFT, NONE, 0)                         \
    X(0x6e, i8x16_add, "i8x16.add", BIN, NONE, 0)                               \
    X(0x6f, i8x16_add_sat_s, "i8x16.add_sat_s", BIN, NONE, 0)                   \
    X(0x70, i8x16_add_sat_u, "i8x16.add_sat_u", BIN, NONE, 0)                   \
    X(0x71, i8x16_sub, "i8x16.sub", BIN, NONE, 0)                               \
    X(0x72, i8x16_sub_sat_s, "i8x16.sub_sat_s", BIN, NONE, 0)                   \
    X(0x73, i8x16_sub_sat_u, "i8x16.sub_sat_u", BIN, NONE, 0)                   \
    X(0x74, f64x2_ceil, "f64x2.ceil", UN, NONE, 0)                              \
    X(0x75, f64x2_floor, "f64x2.floor", UN, NONE, 0)                            \
    X(0x76, i8x16_min_s, "i8x16.min_s", BIN, NONE, 0)                           \
    X(0x77, i8x16_min_u, "i8x16.min_u", BIN, NONE, 0)                           \
    X(0x78, i8x16_max_s, "i8x16.max_s", BIN, NONE, 0)                           \
    X(0x79, i8x16_max_u, "i8x16.max_u", BIN, NONE, 0)                           \
    X(0x7a, f64x2_trunc, "f64x2.trunc", UN, NONE, 0)                            \
    X(0x7b, i8x16_avgr_u, "i8x16.avgr_u", BIN, NONE, 0)                         \
    X(0x7c, i16x8_extadd_pairwise_i8x16_s, "i16x8.extadd_pairwise_i8x16_s", UN, NONE, 0) \
    X(0x7d, i16x8_extadd_pairwise_i8x16_u, "i16x8.extadd_pairwise_i8x16_u", UN, NONE, 0) \
    X(0x7e, i32x4_extadd_pairwise_i16x8_s, "i32x4.extadd_pairwise_i16x8_s", UN, NONE, 0) \
    X(0x7f, i32x4_extadd_pairwise_i16x8_u, "i32x4.extadd_pairwise_i16x8_u", UN, NONE, 0) \
    X(0x80, i16x8_abs, "i16x8.abs", UN, NONE, 0)                                \
    X(0x81, i16x8_neg, "i16x8.neg", UN, NONE, 0)                                \
    X(0x82, i16x8_q15mulr_sat_s, "i16x8.q15mulr_sat_s", BIN, NONE, 0)           \
    X(0x83, i16x8_all_true, "i16x8.all_true", TEST, NONE, 0)                    \
    X(0x84, i16x8_bitmask, "i16x8.bitmask", TEST, NONE, 0)                      \
    X(0x85, i16x8_narrow_i32x4_s, "i16x8.narrow_i32x4_s", BIN, NONE, 0)         \
    X(0x86, i16x8_narrow_i32x4_u, "i16x8.narrow_i32x4_u", BIN, NONE, 0)         \
    X(0x87, i16x8_extend_low_i8x16_s, "i16x8.extend_low_i8x16_s", UN, NONE, 0)  \
    X(0x88, i16x8_extend_high_i8x16_s, "i16x8.extend_high_i8x16_s", UN, NONE, 0) \
    X(0x89, i16x8_extend_low_i8x16_u, "i16x8.extend_low_i8x16_u", UN, NONE, 0)  \
    X(0x8a, i16x8_extend_high_i8x16_u, "i16x8.extend_high_i8x16_u", UN, NONE, 0) \
    X(0x8b, i16x8_shl, "i16x8.shl", SHIFT, NONE, 0)                             \
    X(0x8c, i16x8_shr_s, "i16x8.shr_s", SHIFT, NONE, 0)                         \
    X(0x8d, i16x8_shr_u, "i16x8.shr_u", SHIFT, NONE, 0)                         \
    X(0x8e, i16x8_add, "i16x8.add", BIN, NONE, 0)                               \
    X(0x8f, i16x8_add_sat_s, "i16x8.add_sat_s", BIN, NONE, 0)                   \
    X(0x90, i16x8_add_sat_u, "i16x8.add_sat_u", BIN, NONE, 0)                   \
    X(0x91, i16x8_sub, "i16x8.sub", BIN, NONE, 0)                               \
    X(0x92, i16x8_sub_sat_s, "i16x8.sub_sat_s", BIN, NONE, 0)                   \
    X(0x93, i16x8_sub_sat_u, "i16x8.sub_sat_u", BIN, NONE, 0)                   \
    X(0x94, f64x2_nearest, "f64x2.nearest", UN, NONE, 0)                        \
    X(0x95, i16x8_mul, "i16x8.mul", BIN, NONE, 0)                               \
    X(0x96, i16x8_min_s, "i16x8.min_s", BIN, NONE, 0)                           \
    X(0x97, i16x8_min_u, "i16x8.min_u", BIN, NONE, 0)                           \
    X(0x98, i16x8_max_s, "i16x8.max_s", BIN, NONE, 0)                           \
    X(0x99, i16x8_max_u, "i16x8.max_u", BIN, NONE, 0)                           \
    X(0x9b, i16x8_avgr_u, "i16x8.avgr_u", BIN, NONE, 0)                         \
    X(0x9c, i16x8_extmul_low_i8x16_s, "i16x8.extmul_low_i8x16_s", BIN, NONE, 0) \
    X(0x9d, i16x8_extmul_high_i8x16_s, "i16x8.extmul_high_i8x16_s", BIN, NONE, 0) \
    X(0x9e, i16x8_extmul_low_i8x16_u, "i16x8.extmul_low_i8x16_u", BIN, NONE, 0) \
    X(0x9f, i16x8_extmul_high_i8x16_u, "i16x8.extmul_high_i8x16_u", BIN, NONE, 0) \
    X(0xa0, i32x4_abs, "i32x4.abs", UN, NONE, 0)                                \
    X(0xa1, i32x4_neg, "i32x4.neg", UN, NONE, 0)                                \
    X(0xa3, i32x4_all_true, "i32x4.all_true", TEST, NONE, 0)                    \
    X(0xa4, i32x4_bitmask, "i32x4.bitmask", TEST, NONE, 0)                      \
    X(0xa7, i32x4_extend_low_i16x8_s, "i32x4.extend_low_i16x8_s", UN, NONE, 0)  \
    X(0xa8, i32x4_extend_high_i16x8_s, "i32x4.extend_high_i16x8_s", UN, NONE, 0) \
    X(0xa9, i32x4_extend_low_i16x8_u, "i32x4.extend_low_i16x8_u", UN, NONE, 0)  \
    X(0xaa, i32x4_extend_high_i16x8_u, "i32x4.extend_high_i16x8_u", UN, NONE, 0) \
    X(0xab, i32x4_shl, "i32x4.shl", SHIFT, NONE, 0)                             \
    X(0xac, i32x4_shr_s, "i32x4.shr_s", SHIFT, NONE, 0)                         \
    X(0xad, i32x4_shr_u, "i32x4.shr_u", SHIFT, NONE, 0)                         \
    X(0xae, i32x4_add, "i32x4.add", BIN, NONE, 0)                               \
    X(0xb1, i32x4_sub, "i32x4.sub", BIN, NONE, 0)                               \
    X(0xb5, i32x4_mul, "i32x4.mul", BIN, NONE, 0)                               \
    X(0xb6, i32x4_min_s, "i32x4.min_s", BIN, NONE, 0)                           \
    X(0xb7, i32x4_min_u, "i32x4.min_u", BIN, NONE, 0)                           \
    X(0xb8, i32x4_max_s, "i32x4.max_s", BIN, NONE, 0)                           \
    X(0xb9, i32x4_max_u, "i32x4.max_u", BIN, NONE, 0)                           \
    X(0xba, i32x4_dot_i16x8_s, "i32x4.dot_i16x8_s", BIN, NONE, 0)               \
    X(0xbc, i32x4_extmul_low_i16x8_s, "i32x4.extmul_low_i16x8_s", BIN, NONE, 0) \
    X(0xbd, i32x4_extmul_high_i16x8_s, "i32x4.extmul_high_i16x8_s", BIN, NONE, 0) \
    X(0xbe, i32x4_extmul_low_i16x8_u, "i32x4.extmul_low_i16x8_u", BIN, NONE, 0) \
    X(0xbf, i32x4_extmul_high_i16x8_u, "i32x4.extmul_high_i16x8_u", BIN, NONE, 0) \
    X(0xc0, i64x2_abs, "i64x2.abs", UN, NONE, 0)                                \
    X(0xc1, i64x2_neg, "i64x2.neg", UN, NONE, 0)                                \
    X(0xc3, i64x2_all_true, "i64x2.all_true", TEST, NONE, 0)                    \
    X(0xc4, i64x2_bitmask, "i64x2.bitmask", TEST, NONE, 0)                      \
    X(0xc7, i64x2_extend_low_i32x4_s, "i64x2.extend_low_i32x4_s", UN, NONE, 0)  \
    X(0xc8, i64x2_extend_high_i32x4_s, "i64x2.extend_high_i32x4_s", UN, NONE, 0) \
    X(0xc9, i64x2_extend_low_i32x4_u, "i64x2.extend_low_i32x4_u", UN, NONE, 0)  \
    X(0xca, i64x2_extend_high_i32x4_u, "i64x2.extend_high_i32x4_u", UN, NONE, 0) \
    X(0xcb, i64x2_shl, "i64x2.shl", SHIFT, NONE, 0)                             \
    X(0xcc, i64x2_shr_s, "i64x2.shr_s", SHIFT, NONE, 0)                         \
    X(0xcd, i64x2_shr_u, "i64x2.shr_u", SHIFT, NONE, 0)                         \
    X(0xce, i64x2_add, "i64x2.add", BIN, NONE, 0)                               \
    X(0xd1, i64x2_sub, "i64x2.sub", BIN, NONE, 0)                               \
    X(0xd5, i64x2_mul, "i64x2.mul", BIN, NONE, 0)                               \
    X(0xd6, i64x2_eq, "i64x2.eq", BIN, NONE, 0)                                 \
    X(0xd7, i64x2_ne, "i64x2.ne", BIN, NONE, 0)                                 \
    X(0xd8, i64x2_lt_s, "i64x2.lt_s", BIN, NONE, 0)                             \
    X(0xd9, i64x2_gt_s, "i64x2.gt_s", BIN, NONE, 0)                             \
    X(0xda, i64x2_le_s, "i64x2.le_s", BIN, NONE, 0)                             \
    X(0xdb, i64x2_ge_s, "i64x2.ge_s", BIN, NONE, 0)                             \
    X(0xdc, i64x2_extmul_low_i32x4_s, "i64x2.extmul_low_i32x4_s", BIN, NONE, 0) \
    X(0xdd, i64x2_extmul_high_i32x4_s, "i64x2.extmul_high_i32x4_s", BIN, NONE, 0) \
    X(0xde, i64x2_extmul_low_i32x4_u, "i64x2.extmul_low_i32x4_u", BIN, NONE, 0) \
    X(0xdf, i64x2_extmul_high_i32x4_u, "i64x2.extmul_high_i32x4_u", BIN, NONE, 0) \
    X(0xe0, f32x4_abs, "f32x4.abs", UN, NONE, 0)                                \
    X(0xe1, f32x4_neg, "f32x4.neg", UN, NONE, 0)                                \
    X(0xe3, f32x4_sqrt, "f32x4.sqrt", UN, NONE, 0)                              \
    X(0xe4, f32x4_add, "f32x4.add", BIN, NONE, 0)                               \
    X(0xe5, f32x4_sub, "f32x4.sub", BIN, NONE, 0)                               \
    X(0xe6, f32x4_mul, "f32x4.mul", BIN, NONE, 0)                               \
    X(0xe7, f32x4_div, "f32x4.div", BIN, NONE, 0)                               \
    X(0xe8, f32x4_min, "f32x4.min", BIN, NONE, 0)                               \
    X(0xe9, f32x4_max, "f32x4.max", BIN, NONE, 0)                               \
    X(0xea, f32x4_pmin, "f32x4.pmin", BIN, NONE, 0)                             \
    X(0xeb, f32x4_pmax, "f32x4.pmax", BIN, NONE, 0)                             \
    X(0xec, f64x2_abs, "f64x2.abs", UN, NONE, 0)                                \
    X(0xed, f64x2_neg, "f64x2.neg", UN, NONE, 0)                                \
    X(0xef, f64x2_sqrt, "f64x2.sqrt", UN, NONE, 0)                              \
    X(0xf0, f64x2_add, "f64x2.add", BIN, NONE, 0)                               \
    X(0xf1, f64x2_sub, "f64x2.sub", BIN, NONE, 0)                               \
    X(0xf2, f64x2_mul, "f64x2.mul", BIN, NONE, 0)                               \
    X(0xf3, f64x2_div, "f64x2.div", BIN, NONE, 0)                               \
    X(0xf4, f64x2_min, "f64x2.min", BIN, NONE, 0)                               \
    X(0xf5, f64x2_max, "f64x2.max", BIN, NONE, 0)                               \
    X(0xf6, f64x2_pmin, "f64x2.pmin", BIN, NONE, 0)                             \
    X(0xf7, f64x2_pmax, "f64x2.pmax", BIN, NONE, 0)                             \
    X(0xf8, i32x4_trunc_sat_f32x4_s, "i32x4.trunc_sat_f32x4_s", UN, NONE, 0)    \
    X(0xf9, i32x4_trunc_sat_f32x4_u, "i32x4.trunc_sat_f32x4_u", UN, NONE, 0)    \
    X(0xfa, f32x4_convert_i32x4_s, "f32x4.convert_i32x4_s", UN, NONE, 0)        \
    X(0xfb, f32x4_convert_i32x4_u, "f32x4.convert_i32x4_u", UN, NONE, 0)        \
    X(0xfc, i32x4_trunc_sat_f64x2_s_zero, "i32x4.trunc_sat_f64x2_s_zero", UN, NONE, 0) \
    X(0xfd, i32x4_trunc_sat_f64x2_u_zero, "i32x4.trunc_sat_f64x2_u_zero", UN, NONE, 0) \
    X(0xfe, f64x2_convert_low_i32x4_s, "f64x2.convert_low_i32x4_s", UN, NONE, 0) \
    X(0xff, f64x2_convert_low_i32x4_u, "f64x2.convert_low_i32x4_u", UN, NONE, 0)

/* The C signature of each kind, and a prototype for every op. */
#define WASM__SIMD_PROTO_UN(id) wasm__v128 wasm__simd_##id(wasm__v128 a)
#define WASM__SIMD_PROTO_BIN(id) wasm__v128 wasm__simd_##id(wasm__v128 a, wasm__v128 b)
#define WASM__SIMD_PROTO_TERN(id) \
    wasm__v128 wasm__simd_##id(wasm__v128 a, wasm__v128 b, wasm__v128 c)
#define WASM__SIMD_PROTO_TEST(id) uint32_t wasm__simd_##id(wasm__v128 a)
#define WASM__SIMD_PROTO_SHIFT(id) wasm__v128 wasm__simd_##id(wasm__v128 a, uint32_t count)
#define WASM__SIMD_PROTO_SPLAT(id) wasm__v128 wasm__simd_##id(uint64_t x)
#define WASM__SIMD_PROTO_EXTRACT(id) uint64_t wasm__simd_##id(wasm__v128 a, unsigned lane)
#define WASM__SIMD_PROTO_REPLACE(id) \
    wasm__v128 wasm__simd_##id(wasm__v128 a, unsigned lane, uint64_t x)
#define WASM__SIMD_PROTO_SHUFFLE(id) \
    wasm__v128 wasm__simd_##id(wasm__v128 a, wasm__v128 b, const uint8_t idx[16])
#define WASM__SIMD_PROTO_CONST(id) wasm__v128 wasm__simd_##id(const uint8_t *p)
#define WASM__SIMD_PROTO_LOAD(id) wasm__v128 wasm__simd_##id(const uint8_t *p)
#define WASM__SIMD_PROTO_LOAD_LANE(id) \
    wasm__v128 wasm__simd_##id(wasm__v128 a, const uint8_t *p, unsigned lane)
#define WASM__SIMD_PROTO_STORE(id) void wasm__simd_##id(uint8_t *p, wasm__v128 a)
#define WASM__SIMD_PROTO_STORE_LANE(id) \
    void wasm__simd_##id(uint8_t *p, wasm__v128 a, unsigned lane)

#define WASM__SIMD_DECLARE(code, id, name, kind, type, n) WASM__SIMD_PROTO_##kind(id);
WASM__SIMD_OPS(WASM__SIMD_DECLARE)
#undef WASM__SIMD_DECLARE

#endif
