/* wasm_int.h: internals shared by the engine's files (prefix wasm__).
 *
 * Central idea: a function is translated once into a compact code array
 * of 32-bit words (opcode, then operands) in which every operand is a SLOT
 * index relative to the frame pointer. Slots are 8 bytes. Locals occupy
 * slots [0, nlocal_slots); the operand stack at static height h lives in
 * the slots above them, so the validator's knowledge of stack heights turns
 * the stack machine into a register machine: `i32.add` becomes
 * `ADD32 dst, a, b`, and a `local.get` is usually folded into its consumer.
 *
 * SLOTS AND v128 (for the SIMD code): a v128 value takes TWO consecutive
 * slots (paired-slot scheme): bytes 0..7 in slot s and 8..15 in slot s+1,
 * so memcpy(&v, &fp[s], 16) reads it (little-endian host). Scalars take
 * one slot: i32/f32 in the low 32 bits (upper bits unspecified: readers
 * truncate), i64/f64 in all 64, references as a pointer (0 = null).
 * SIMD ops are driven by the table in wasm_simd.h: the translator emits
 * one generic interpreter op per wasm__simd_kind carrying the table row.
 *
 * Calls: arguments are the top slots of the caller's operand stack; the
 * callee's frame starts exactly there (frames overlap, as in Lua), and
 * results come back in the callee's slots [0, result_slots).
 * Design note: docs/internals/wasm.md.
 */
#ifndef BX_WASM_INT_H
#define BX_WASM_INT_H

#include <stdatomic.h>
#include <string.h>

#include "wasm/wasm.h"
#include "wasm/wasm_simd.h"

/* Hard caps on module contents (the spec's implementation limits are
 * larger; these keep outside input from sizing host memory). */
#define WASM__MAX_TYPES 1000000u
#define WASM__MAX_FUNCS 1000000u
#define WASM__MAX_IMPORTS 100000u
#define WASM__MAX_EXPORTS 100000u
#define WASM__MAX_GLOBALS 1000000u
#define WASM__MAX_TABLES 100000u
#define WASM__MAX_SEGMENTS 100000u
#define WASM__MAX_PARAMS 1000u
#define WASM__MAX_LOCALS 50000u
#define WASM__MAX_BODY_BYTES (8u << 20)
#define WASM__MAX_NESTING 65536u      /* open blocks/loops/ifs in one body */
#define WASM__MAX_OPERANDS 1000000u   /* operand-stack height in one body */
#define WASM__MAX_TABLE_ELEMS 10000000u
#define WASM__MAX_BR_TABLE 1000000u
#define WASM__MAX_CODE_WORDS (16u << 20)

typedef struct wasm__functype {
    wasm_functype pub;      /* params/results point into types */
    wasm_valtype *types;    /* nparams params then nresults results */
    uint8_t *vt;            /* the same types as bytes (for the validator) */
    uint32_t param_slots;   /* slots the params take (v128 = 2) */
    uint32_t result_slots;
} wasm__functype;

/* A constant expression (the single instruction before `end`). */
typedef enum wasm__cexpr_kind {
    WASM__CEXPR_CONST,      /* value in v (type in type) */
    WASM__CEXPR_GLOBAL,     /* global.get index */
    WASM__CEXPR_FUNC,       /* ref.func index */
    WASM__CEXPR_NULL,       /* ref.null type */
} wasm__cexpr_kind;

typedef struct wasm__cexpr {
    uint8_t kind;           /* wasm__cexpr_kind */
    uint8_t type;           /* the value type produced */
    uint32_t index;         /* global or function index */
    uint64_t v[2];          /* constant bits (v128 uses both) */
} wasm__cexpr;

typedef struct wasm__import {
    char *module, *name;    /* NUL-terminated copies */
    uint32_t module_len, name_len;
    uint8_t kind;           /* wasm_extern_kind */
    uint32_t type;          /* FUNC: type index */
    uint8_t valtype;        /* GLOBAL: type; TABLE: elem type */
    bool mut;               /* GLOBAL */
    wasm_limits_type lim;   /* TABLE / MEMORY */
} wasm__import;

typedef struct wasm__export {
    char *name;
    uint32_t name_len;
    uint8_t kind;
    uint32_t index;
} wasm__export;

typedef struct wasm__table_def {
    uint8_t elem;           /* FUNCREF / EXTERNREF */
    wasm_limits_type lim;
} wasm__table_def;

typedef struct wasm__global_def {
    uint8_t type;
    bool mut;
    wasm__cexpr init;
} wasm__global_def;

enum { WASM__SEG_ACTIVE, WASM__SEG_PASSIVE, WASM__SEG_DECLARATIVE };

typedef struct wasm__elem {
    uint8_t mode;
    uint8_t type;           /* FUNCREF / EXTERNREF */
    uint32_t table;
    wasm__cexpr offset;
    uint32_t count;
    wasm__cexpr *items;
} wasm__elem;

typedef struct wasm__data {
    uint8_t mode;
    uint32_t memory;
    wasm__cexpr offset;
    uint32_t len;
    uint8_t *bytes;
} wasm__data;

/* A defined function after translation. */
typedef struct wasm__code {
    uint32_t type;          /* type index */
    uint32_t body_off;      /* offset of the body in the module bytes (errors) */
    uint32_t body_len;
    uint32_t nlocals;       /* declared locals (excluding params) */
    uint8_t *local_types;   /* params then declared locals */
    uint32_t param_slots;   /* slots of the params */
    uint32_t local_slots;   /* slots of params + locals */
    uint32_t frame_slots;   /* local_slots + max operand slots */
    uint32_t *code;         /* translated code */
    uint32_t ncode;
} wasm__code;

struct wasm_module {
    atomic_long refs;
    uint32_t ntypes;
    wasm__functype *types;
    uint32_t nimports;
    wasm__import *imports;
    uint32_t nfunc_imports, ntable_imports, nmem_imports, nglobal_imports;
    uint32_t nfuncs;        /* imported + defined */
    uint32_t *func_types;   /* type index per function (imports first) */
    wasm__code *codes;      /* defined functions: nfuncs - nfunc_imports */
    uint32_t ntables;       /* imported + defined */
    wasm__table_def *tables;
    uint32_t nmems;
    wasm_limits_type *mems;
    uint32_t nglobals;
    wasm__global_def *globals; /* imported entries have no init */
    uint32_t nexports;
    wasm__export *exports;
    bool has_start;
    uint32_t start;
    uint32_t nelems;
    wasm__elem *elems;
    uint32_t ndatas;
    wasm__data *datas;
    bool has_datacount;
    uint32_t datacount;
    bool needs_datacount;   /* code uses memory.init/data.drop without one */
    uint32_t max_data_ref;  /* 1 + the largest data index such code uses */
    uint8_t *declared_funcs; /* bitmap: functions that may appear in ref.func */
    char *name;             /* from the name section, or NULL */
};

/* ------------------------------------------------------------ runtime */

struct wasm_memory {
    atomic_long refs;
    uint8_t *data;          /* reserved for max_pages, accessible to size */
    uint64_t size;          /* bytes accessible */
    uint64_t reserved;      /* bytes reserved (mmap) */
    uint64_t max_pages;     /* type maximum combined with the limit */
    uint64_t type_max;      /* declared maximum (UINT64_MAX if none) */
};

struct wasm_table {
    atomic_long refs;
    uint8_t elem;           /* FUNCREF / EXTERNREF */
    uint32_t size;
    uint32_t cap;
    uint64_t max;           /* type maximum combined with the limit */
    uint64_t type_max;
    void **elems;           /* wasm_func * or externref */
};

struct wasm_global {
    atomic_long refs;
    uint8_t type;
    bool mut;
    uint64_t v[2];          /* slot bits */
};

/* A function reference: 24 bytes, one per defined function of each
 * instance (they are most of an idle instance's size). */
struct wasm_func {
    const wasm_functype *type;
    wasm_instance *inst;            /* the owning instance; NULL for host functions */
    const wasm__code *code;         /* translated code; NULL for host functions */
};

/* A host function: a wasm_func with code == NULL is one of these. */
typedef struct wasm__host {
    struct wasm_func base;          /* first member */
    atomic_long refs;
    wasm__functype htype;           /* owned copy of the signature */
    wasm_host_fn fn;
    void *env;
} wasm__host;

static inline wasm__host *wasm__host_of(wasm_func *f) { return (wasm__host *)f; }

/* A call frame of the interpreter. */
typedef struct wasm__frame {
    const uint32_t *pc;     /* return address in the caller */
    uint64_t *fp;           /* the caller's frame */
    wasm_instance *inst;    /* the caller's instance */
} wasm__frame;

struct wasm_instance {
    wasm_module *module;
    void *user;
    wasm_limits limits;
    atomic_bool interrupt;
    atomic_bool fuel_on;
    _Atomic int64_t fuel;
    wasm_func *funcs_own;   /* defined functions */
    wasm_func **funcs;      /* imported functions (nfunc_imports) */
    wasm_table **tables;    /* ntables, each referenced */
    wasm_memory **mems;     /* nmems, each referenced */
    wasm_global **globals;  /* nglobals, each referenced */
    uint8_t *data_dropped;  /* per data segment */
    uint8_t *elem_dropped;  /* per elem segment */
    /* execution state, created on the first call */
    uint64_t *stack;        /* value slots (mmap) */
    size_t stack_slots;
    wasm__frame *frames;    /* call frames (mmap) */
    size_t max_frames;
    uint64_t *sp_top;       /* first free slot (nested calls start here) */
    size_t depth;           /* frames in use */
};

/* Trap state passed through the interpreter and host calls. */
struct wasm_call {
    wasm_instance *inst;
    wasm_func *func;
    wasm_result *res;
};

/* Decoding (wasm_decode.c). */
bx_err wasm__decode(wasm_module *m, const uint8_t *bytes, size_t len, bx_error *detail);
/* Sets *detail (code, byte offset pos, formatted message); returns code. */
bx_err wasm__fail(bx_error *detail, size_t pos, bx_err code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#define WASM_TRY(x)               \
    do {                          \
        bx_err err_ = (x);        \
        if (err_ != BX_OK)        \
            return err_;          \
    } while (0)
bool wasm__leb_read(const uint8_t *base, size_t *pos, size_t end, unsigned bits,
                    bool is_signed, uint64_t *out, const char **why);
void wasm__module_release(wasm_module *m);

/* Validation and translation of one body (wasm_compile.c). */
bx_err wasm__compile(wasm_module *m, uint32_t func_index, const uint8_t *bytes,
                     size_t body_off, size_t body_len, bx_error *detail);

/* The interpreter (wasm_interp.c): runs f with args in slots (param_slots
 * of them) at inst's stack top; results come back in the same slots
 * (at least max(param, result) slots must be provided). Returns
 * WASM_TRAP_NONE or the trap kind with res filled. */
wasm_trap wasm__run(wasm_instance *inst, wasm_func *f, uint64_t *slots, wasm_result *res);
/* Turns a finished body's opcode numbers into dispatch offsets. */
void wasm__thread_code(uint32_t *code, size_t n);

/* Runtime helpers shared with the interpreter (wasm_runtime.c). */
bool wasm__functype_eq(const wasm_functype *a, const wasm_functype *b);
int64_t wasm__table_grow(wasm_table *t, uint32_t delta, void *init);
bx_err wasm__exec_init(wasm_instance *inst);
uint32_t wasm__slots_of(uint8_t valtype);
void wasm__val_to_slots(const wasm_val *v, uint64_t *slots);
void wasm__slots_to_val(uint8_t type, const uint64_t *slots, wasm_val *out);

static inline uint32_t wasm__valtype_slots(uint8_t t) { return t == WASM_V128 ? 2u : 1u; }

/* Function i of an instance (imports first, then defined ones). */
static inline wasm_func *wasm__func_at(wasm_instance *inst, uint32_t i)
{
    uint32_t ni = inst->module->nfunc_imports;
    return i < ni ? inst->funcs[i] : &inst->funcs_own[i - ni];
}

/* ------------------------------------------------------- interpreter ops */

/* Numeric ops: X(name, wasm opcode, operand 1 type, operand 2 type or
 * NONE, result type). 0x100+n stands for 0xFC n (saturating truncation).
 * Each becomes one interpreter op `name dst, a[, b]` (slot operands). */
#define WASM__NUMERIC_OPS(X) \
    X(I32_EQZ, 0x45, I32, NONE, I32) \
    X(I32_EQ, 0x46, I32, I32, I32) \
    X(I32_NE, 0x47, I32, I32, I32) \
    X(I32_LT_S, 0x48, I32, I32, I32) \
    X(I32_LT_U, 0x49, I32, I32, I32) \
    X(I32_GT_S, 0x4A, I32, I32, I32) \
    X(I32_GT_U, 0x4B, I32, I32, I32) \
    X(I32_LE_S, 0x4C, I32, I32, I32) \
    X(I32_LE_U, 0x4D, I32, I32, I32) \
    X(I32_GE_S, 0x4E, I32, I32, I32) \
    X(I32_GE_U, 0x4F, I32, I32, I32) \
    X(I64_EQZ, 0x50, I64, NONE, I32) \
    X(I64_EQ, 0x51, I64, I64, I32) \
    X(I64_NE, 0x52, I64, I64, I32) \
    X(I64_LT_S, 0x53, I64, I64, I32) \
    X(I64_LT_U, 0x54, I64, I64, I32) \
    X(I64_GT_S, 0x55, I64, I64, I32) \
    X(I64_GT_U, 0x56, I64, I64, I32) \
    X(I64_LE_S, 0x57, I64, I64, I32) \
    X(I64_LE_U, 0x58, I64, I64, I32) \
    X(I64_GE_S, 0x59, I64, I64, I32) \
    X(I64_GE_U, 0x5A, I64, I64, I32) \
    X(F32_EQ, 0x5B, F32, F32, I32) \
    X(F32_NE, 0x5C, F32, F32, I32) \
    X(F32_LT, 0x5D, F32, F32, I32) \
    X(F32_GT, 0x5E, F32, F32, I32) \
    X(F32_LE, 0x5F, F32, F32, I32) \
    X(F32_GE, 0x60, F32, F32, I32) \
    X(F64_EQ, 0x61, F64, F64, I32) \
    X(F64_NE, 0x62, F64, F64, I32) \
    X(F64_LT, 0x63, F64, F64, I32) \
    X(F64_GT, 0x64, F64, F64, I32) \
    X(F64_LE, 0x65, F64, F64, I32) \
    X(F64_GE, 0x66, F64, F64, I32) \
    X(I32_CLZ, 0x67, I32, NONE, I32) \
    X(I32_CTZ, 0x68, I32, NONE, I32) \
    X(I32_POPCNT, 0x69, I32, NONE, I32) \
    X(I32_ADD, 0x6A, I32, I32, I32) \
    X(I32_SUB, 0x6B, I32, I32, I32) \
    X(I32_MUL, 0x6C, I32, I32, I32) \
    X(I32_DIV_S, 0x6D, I32, I32, I32) \
    X(I32_DIV_U, 0x6E, I32, I32, I32) \
    X(I32_REM_S, 0x6F, I32, I32, I32) \
    X(I32_REM_U, 0x70, I32, I32, I32) \
    X(I32_AND, 0x71, I32, I32, I32) \
    X(I32_OR, 0x72, I32, I32, I32) \
    X(I32_XOR, 0x73, I32, I32, I32) \
    X(I32_SHL, 0x74, I32, I32, I32) \
    X(I32_SHR_S, 0x75, I32, I32, I32) \
    X(I32_SHR_U, 0x76, I32, I32, I32) \
    X(I32_ROTL, 0x77, I32, I32, I32) \
    X(I32_ROTR, 0x78, I32, I32, I32) \
    X(I64_CLZ, 0x79, I64, NONE, I64) \
    X(I64_CTZ, 0x7A, I64, NONE, I64) \
    X(I64_POPCNT, 0x7B, I64, NONE, I64) \
    X(I64_ADD, 0x7C, I64, I64, I64) \
    X(I64_SUB, 0x7D, I64, I64, I64) \
    X(I64_MUL, 0x7E, I64, I64, I64) \
    X(I64_DIV_S, 0x7F, I64, I64, I64) \
    X(I64_DIV_U, 0x80, I64, I64, I64) \
    X(I64_REM_S, 0x81, I64, I64, I64) \
    X(I64_REM_U, 0x82, I64, I64, I64) \
    X(I64_AND, 0x83, I64, I64, I64) \
    X(I64_OR, 0x84, I64, I64, I64) \
    X(I64_XOR, 0x85, I64, I64, I64) \
    X(I64_SHL, 0x86, I64, I64, I64) \
    X(I64_SHR_S, 0x87, I64, I64, I64) \
    X(I64_SHR_U, 0x88, I64, I64, I64) \
    X(I64_ROTL, 0x89, I64, I64, I64) \
    X(I64_ROTR, 0x8A, I64, I64, I64) \
    X(F32_ABS, 0x8B, F32, NONE, F32) \
    X(F32_NEG, 0x8C, F32, NONE, F32) \
    X(F32_CEIL, 0x8D, F32, NONE, F32) \
    X(F32_FLOOR, 0x8E, F32, NONE, F32) \
    X(F32_TRUNC, 0x8F, F32, NONE, F32) \
    X(F32_NEAREST, 0x90, F32, NONE, F32) \
    X(F32_SQRT, 0x91, F32, NONE, F32) \
    X(F32_ADD, 0x92, F32, F32, F32) \
    X(F32_SUB, 0x93, F32, F32, F32) \
    X(F32_MUL, 0x94, F32, F32, F32) \
    X(F32_DIV, 0x95, F32, F32, F32) \
    X(F32_MIN, 0x96, F32, F32, F32) \
    X(F32_MAX, 0x97, F32, F32, F32) \
    X(F32_COPYSIGN, 0x98, F32, F32, F32) \
    X(F64_ABS, 0x99, F64, NONE, F64) \
    X(F64_NEG, 0x9A, F64, NONE, F64) \
    X(F64_CEIL, 0x9B, F64, NONE, F64) \
    X(F64_FLOOR, 0x9C, F64, NONE, F64) \
    X(F64_TRUNC, 0x9D, F64, NONE, F64) \
    X(F64_NEAREST, 0x9E, F64, NONE, F64) \
    X(F64_SQRT, 0x9F, F64, NONE, F64) \
    X(F64_ADD, 0xA0, F64, F64, F64) \
    X(F64_SUB, 0xA1, F64, F64, F64) \
    X(F64_MUL, 0xA2, F64, F64, F64) \
    X(F64_DIV, 0xA3, F64, F64, F64) \
    X(F64_MIN, 0xA4, F64, F64, F64) \
    X(F64_MAX, 0xA5, F64, F64, F64) \
    X(F64_COPYSIGN, 0xA6, F64, F64, F64) \
    X(I32_WRAP_I64, 0xA7, I64, NONE, I32) \
    X(I32_TRUNC_F32_S, 0xA8, F32, NONE, I32) \
    X(I32_TRUNC_F32_U, 0xA9, F32, NONE, I32) \
    X(I32_TRUNC_F64_S, 0xAA, F64, NONE, I32) \
    X(I32_TRUNC_F64_U, 0xAB, F64, NONE, I32) \
    X(I64_EXTEND_I32_S, 0xAC, I32, NONE, I64) \
    X(I64_EXTEND_I32_U, 0xAD, I32, NONE, I64) \
    X(I64_TRUNC_F32_S, 0xAE, F32, NONE, I64) \
    X(I64_TRUNC_F32_U, 0xAF, F32, NONE, I64) \
    X(I64_TRUNC_F64_S, 0xB0, F64, NONE, I64) \
    X(I64_TRUNC_F64_U, 0xB1, F64, NONE, I64) \
    X(F32_CONVERT_I32_S, 0xB2, I32, NONE, F32) \
    X(F32_CONVERT_I32_U, 0xB3, I32, NONE, F32) \
    X(F32_CONVERT_I64_S, 0xB4, I64, NONE, F32) \
    X(F32_CONVERT_I64_U, 0xB5, I64, NONE, F32) \
    X(F32_DEMOTE_F64, 0xB6, F64, NONE, F32) \
    X(F64_CONVERT_I32_S, 0xB7, I32, NONE, F64) \
    X(F64_CONVERT_I32_U, 0xB8, I32, NONE, F64) \
    X(F64_CONVERT_I64_S, 0xB9, I64, NONE, F64) \
    X(F64_CONVERT_I64_U, 0xBA, I64, NONE, F64) \
    X(F64_PROMOTE_F32, 0xBB, F32, NONE, F64) \
    X(I32_REINTERPRET_F32, 0xBC, F32, NONE, I32) \
    X(I64_REINTERPRET_F64, 0xBD, F64, NONE, I64) \
    X(F32_REINTERPRET_I32, 0xBE, I32, NONE, F32) \
    X(F64_REINTERPRET_I64, 0xBF, I64, NONE, F64) \
    X(I32_EXTEND8_S, 0xC0, I32, NONE, I32) \
    X(I32_EXTEND16_S, 0xC1, I32, NONE, I32) \
    X(I64_EXTEND8_S, 0xC2, I64, NONE, I64) \
    X(I64_EXTEND16_S, 0xC3, I64, NONE, I64) \
    X(I64_EXTEND32_S, 0xC4, I64, NONE, I64) \
    X(I32_TRUNC_SAT_F32_S, 0x100, F32, NONE, I32) \
    X(I32_TRUNC_SAT_F32_U, 0x101, F32, NONE, I32) \
    X(I32_TRUNC_SAT_F64_S, 0x102, F64, NONE, I32) \
    X(I32_TRUNC_SAT_F64_U, 0x103, F64, NONE, I32) \
    X(I64_TRUNC_SAT_F32_S, 0x104, F32, NONE, I64) \
    X(I64_TRUNC_SAT_F32_U, 0x105, F32, NONE, I64) \
    X(I64_TRUNC_SAT_F64_S, 0x106, F64, NONE, I64) \
    X(I64_TRUNC_SAT_F64_U, 0x107, F64, NONE, I64)

/* Other ops: X(name, operand words). Operands are slots unless noted;
 * "off" is a branch offset relative to the word holding it. */
#define WASM__CONTROL_OPS(X)                                                  \
    X(UNREACHABLE, 0)   /* */                                                 \
    X(BR, 1)            /* off */                                             \
    X(BR_IF, 2)         /* cond, off: jump when cond != 0 */                  \
    X(BR_UNLESS, 2)     /* cond, off: jump when cond == 0 */                  \
    X(BR_TABLE, 2)      /* idx, n, then n+1 offs (default last) */            \
    X(RETURN, 0)        /* results are already in slots 0.. */                \
    X(CALL, 2)          /* defined-function index, base slot of args */       \
    X(CALL_IMPORT, 2)   /* function index, base */                            \
    X(CALL_INDIRECT, 4) /* table, type index, base, idx slot */               \
    X(FUEL, 1)          /* instructions to charge; checks interrupt */        \
    X(LOOP, 1)          /* loop head: as FUEL; taken back-edges (negative    \
                         * offsets) land after it and charge its count */    \
    X(COPY, 2)          /* dst, src */                                        \
    X(COPY2, 2)         /* dst, src (v128: two slots) */                      \
    X(SELECT, 4)        /* dst, a, b, cond */                                 \
    X(SELECT2, 4)                                                             \
    X(CONST32, 2)       /* dst, value */                                      \
    X(CONST64, 3)       /* dst, lo, hi */                                     \
    X(CONST128, 5)      /* dst, 4 words */                                    \
    X(GLOBAL_GET, 2)    /* dst, global index */                               \
    X(GLOBAL_SET, 2)    /* global index, src */                               \
    X(GLOBAL_GET2, 2)                                                         \
    X(GLOBAL_SET2, 2)                                                         \
    X(LD32, 3)          /* dst, addr, offset (zero-extends into the slot) */  \
    X(LD64, 3)                                                                \
    X(LD8S32, 3)                                                              \
    X(LD8U, 3)                                                                \
    X(LD16S32, 3)                                                             \
    X(LD16U, 3)                                                               \
    X(LD8S64, 3)                                                              \
    X(LD16S64, 3)                                                             \
    X(LD32S64, 3)                                                             \
    X(ST32, 3)          /* addr, value, offset */                             \
    X(ST64, 3)                                                                \
    X(ST8, 3)                                                                 \
    X(ST16, 3)                                                                \
    X(MEMORY_SIZE, 1)   /* dst */                                             \
    X(MEMORY_GROW, 2)   /* dst, delta */                                      \
    X(MEMORY_FILL, 3)   /* d, val, n */                                       \
    X(MEMORY_COPY, 3)   /* d, s, n */                                         \
    X(MEMORY_INIT, 4)   /* segment, d, s, n */                                \
    X(DATA_DROP, 1)     /* segment */                                         \
    X(TABLE_GET, 3)     /* dst, table, idx */                                 \
    X(TABLE_SET, 3)     /* table, idx, val */                                 \
    X(TABLE_SIZE, 2)    /* dst, table */                                      \
    X(TABLE_GROW, 4)    /* dst, table, init, n */                             \
    X(TABLE_FILL, 4)    /* table, i, val, n */                                \
    X(TABLE_COPY, 5)    /* dst table, src table, d, s, n */                   \
    X(TABLE_INIT, 5)    /* table, segment, d, s, n */                         \
    X(ELEM_DROP, 1)     /* segment */                                         \
    X(REF_FUNC, 2)      /* dst, function index */                             \
    X(V_UN, 3)          /* dst, simd code, a */                               \
    X(V_BIN, 4)         /* dst, code, a, b */                                 \
    X(V_TERN, 5)        /* dst, code, a, b, c */                              \
    X(V_TEST, 3)        /* dst, code, a */                                    \
    X(V_SHIFT, 4)       /* dst, code, a, count */                             \
    X(V_SPLAT, 3)       /* dst, code, x */                                    \
    X(V_EXTRACT, 4)     /* dst, code, a, lane */                              \
    X(V_REPLACE, 5)     /* dst, code, a, x, lane */                           \
    X(V_SHUFFLE, 8)     /* dst, code, a, b, 4 words of lane indices */        \
    X(V_LOAD, 4)        /* dst, code, addr, offset */                         \
    X(V_LOAD_LANE, 6)   /* dst, code, addr, v, offset, lane */                \
    X(V_STORE, 4)       /* code, addr, v, offset */                           \
    X(V_STORE_LANE, 5)  /* code, addr, v, offset, lane */                   \
    WASM__FUSED_OPS(X)

/* Ops the translator forms from common pairs: an immediate second operand
 * (`dst, a, imm`; i64 immediates are sign-extended 32-bit values) and
 * compare-and-branch (`a, b, off` / `a, imm, off`). */
#define WASM__FUSED_OPS(X)                                                    \
    X(I32_ADD_I, 3) X(I32_MUL_I, 3) X(I32_AND_I, 3) X(I32_OR_I, 3)            \
    X(I32_XOR_I, 3) X(I32_SHL_I, 3) X(I32_SHR_S_I, 3) X(I32_SHR_U_I, 3)       \
    X(I64_ADD_I, 3) X(I64_MUL_I, 3) X(I64_AND_I, 3) X(I64_OR_I, 3)            \
    X(I64_XOR_I, 3) X(I64_SHL_I, 3) X(I64_SHR_S_I, 3) X(I64_SHR_U_I, 3)       \
    X(I32_EQ_I, 3) X(I32_NE_I, 3) X(I32_LT_S_I, 3) X(I32_LT_U_I, 3)           \
    X(I32_GT_S_I, 3) X(I32_GT_U_I, 3) X(I32_LE_S_I, 3) X(I32_LE_U_I, 3)       \
    X(I32_GE_S_I, 3) X(I32_GE_U_I, 3)                                         \
    X(BR_EQ, 3) X(BR_NE, 3) X(BR_LT_S, 3) X(BR_LT_U, 3) X(BR_GT_S, 3)         \
    X(BR_GT_U, 3) X(BR_LE_S, 3) X(BR_LE_U, 3) X(BR_GE_S, 3) X(BR_GE_U, 3)     \
    X(BR_EQ_I, 3) X(BR_NE_I, 3) X(BR_LT_S_I, 3) X(BR_LT_U_I, 3)               \
    X(BR_GT_S_I, 3) X(BR_GT_U_I, 3) X(BR_LE_S_I, 3) X(BR_LE_U_I, 3)           \
    X(BR_GE_S_I, 3) X(BR_GE_U_I, 3)                                           \
    X(I32_ROTL_I, 3) X(I32_ROTR_I, 3) X(I64_ROTL_I, 3) X(I64_ROTR_I, 3)       \
    X(LD32_A, 4) X(LD64_A, 4) X(LD8S32_A, 4) X(LD8U_A, 4) X(LD16S32_A, 4)     \
    X(LD16U_A, 4) X(LD8S64_A, 4) X(LD16S64_A, 4) X(LD32S64_A, 4)              \
    X(ST32_A, 4) X(ST64_A, 4) X(ST8_A, 4) X(ST16_A, 4)                        \
    X(I32_ADD3, 4) X(F64_ADD3, 4)                                             \
    X(INC_BR_NE_I, 4) X(INC_BR_LT_S_I, 4) X(INC_BR_LT_U_I, 4)                 \
    X(I32_MUL_LD, 5) X(I32_ADD_LD, 5) X(F64_MUL_LD, 5) X(F64_ADD3R, 4)       \
    X(COPY_PAIR, 4) X(I32_ROTL_XOR, 4)

/* COPY_PAIR d1, s1, d2, s2: two COPYs in order. I32_ROTL_XOR dst, x, k,
 * y: rotl(x, k) ^ y (the rotate just before the xor).
 * F64_ADD3R dst, a, x, y: a + (x + y), the inner add computed first.
 * I32_MUL_LD dst, x, a, imm, off: x * (the LD32_A a, imm, off just fused
 * into it); likewise I32_ADD_LD, and F64_MUL_LD with LD64_A.
 * ADD3 dst, x, y, z: (x + y) + z, an add whose first operand is the add
 * just before it. INC_BR_xx_I a, inc, imm, off: a += inc, then branch when
 * a xx imm (a loop counter's step fused with its test). */

/* LDxx_A dst, a, imm, off: the load at (uint32)(a + imm) + off, i.e. an
 * `i32.add` of a constant fused into the address; STxx_A a, imm, v, off.
 * Every LDxx_A/STxx_A is its plain op + (WASM__OP_LD32_A - WASM__OP_LD32). */

typedef enum wasm__op {
#define WASM__OP_ENUM_C(name, n) WASM__OP_##name,
#define WASM__OP_ENUM_N(name, code, a, b, r) WASM__OP_##name,
    WASM__CONTROL_OPS(WASM__OP_ENUM_C) WASM__NUMERIC_OPS(WASM__OP_ENUM_N)
#undef WASM__OP_ENUM_C
#undef WASM__OP_ENUM_N
    WASM__OP_COUNT
} wasm__op;

#endif
