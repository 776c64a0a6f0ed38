/* wasm: the WebAssembly 2.0 engine (level 2; knows nothing of WASI or files).
 *
 * A module is decoded, validated and translated once into an immutable,
 * reference-counted wasm_module that any number of threads may instantiate
 * at the same time. Imports are resolved through a wasm_linker in which the
 * embedder defines host functions (C callbacks that see the calling instance
 * and a checked view of its memory), or exports of other instances. Each
 * instance carries its own limits (fuel, interrupt flag, call depth, stack
 * bytes, memory pages, table size); the fuel and the interrupt flag may be
 * read and set from any thread without a lock. Design: docs/internals/wasm.md.
 */
#ifndef BX_WASM_H
#define BX_WASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

/* ------------------------------------------------------------------ types */

typedef enum wasm_valtype {
    WASM_I32 = 0x7F,
    WASM_I64 = 0x7E,
    WASM_F32 = 0x7D,
    WASM_F64 = 0x7C,
    WASM_V128 = 0x7B,
    WASM_FUNCREF = 0x70,
    WASM_EXTERNREF = 0x6F,
} wasm_valtype;

typedef enum wasm_extern_kind {
    WASM_EXTERN_FUNC = 0,
    WASM_EXTERN_TABLE = 1,
    WASM_EXTERN_MEMORY = 2,
    WASM_EXTERN_GLOBAL = 3,
} wasm_extern_kind;

typedef struct wasm_module wasm_module;     /* immutable, refcounted, thread-safe */
typedef struct wasm_instance wasm_instance; /* one thread at a time (see limits) */
typedef struct wasm_func wasm_func;         /* a function of an instance or a host function */
typedef struct wasm_table wasm_table;       /* refcounted runtime table */
typedef struct wasm_memory wasm_memory;     /* refcounted linear memory */
typedef struct wasm_global wasm_global;     /* refcounted global cell */
typedef struct wasm_linker wasm_linker;     /* (module, name) -> extern */
typedef struct wasm_call wasm_call;         /* context of a host-function call */

/* A typed value. Floats keep their exact bits (NaN payloads included) as
 * long as they are only copied. funcref is a wasm_func pointer, externref
 * an opaque embedder pointer; NULL is the null reference for both. v128 is
 * 16 bytes in little-endian lane order. */
typedef struct wasm_val {
    wasm_valtype type;
    union {
        int32_t i32;
        int64_t i64;
        float f32;
        double f64;
        uint8_t v128[16];
        wasm_func *func;
        void *ext;
    } of;
} wasm_val;

/* A function signature. The arrays are owned by whoever produced the type
 * (the module, or the caller for host functions, which is copied). */
typedef struct wasm_functype {
    uint32_t nparams;
    uint32_t nresults;
    const wasm_valtype *params;
    const wasm_valtype *results;
} wasm_functype;

typedef struct wasm_limits_type {
    uint64_t min;
    uint64_t max;  /* valid when has_max */
    bool has_max;
} wasm_limits_type;

/* One import or export of a module. Names are byte strings (module_len /
 * name_len) that are also NUL-terminated; they live as long as the module. */
typedef struct wasm_extern_desc {
    const char *module; /* import only; NULL for exports */
    uint32_t module_len;
    const char *name;
    uint32_t name_len;
    wasm_extern_kind kind;
    wasm_functype func;           /* kind == FUNC */
    wasm_valtype elem_type;       /* kind == TABLE: FUNCREF or EXTERNREF */
    wasm_limits_type limits;      /* kind == TABLE (elements) or MEMORY (64 KiB pages) */
    wasm_valtype global_type;     /* kind == GLOBAL */
    bool global_mutable;          /* kind == GLOBAL */
} wasm_extern_desc;

/* A runtime object of one of the four kinds. */
typedef struct wasm_extern {
    wasm_extern_kind kind;
    union {
        wasm_func *func;
        wasm_table *table;
        wasm_memory *memory;
        wasm_global *global;
    } of;
} wasm_extern;

/* --------------------------------------------------------------- modules */

/* Hard caps on what a module may declare (outside bytes are capped). */
#define WASM_MAX_MODULE_BYTES (256u << 20)
#define WASM_MAX_PAGES 65536u      /* 4 GiB: the wasm32 maximum */
#define WASM_PAGE_SIZE 65536u

/* Decodes, validates and translates `len` bytes. On failure *detail (when
 * not NULL) gets BX_PARSE for a malformed module or BX_INVALID for an invalid
 * one, with the byte offset and the spec's wording in the message (e.g.
 * "unexpected end", "type mismatch", "unknown function 3"). The bytes are not
 * referenced after return. */
bx_err wasm_module_new(const uint8_t *bytes, size_t len, bx_error *detail, wasm_module **out);
/* Reference counting (atomic). unref of the last reference frees. */
wasm_module *wasm_module_ref(wasm_module *m);
void wasm_module_unref(wasm_module *m);

uint32_t wasm_module_import_count(const wasm_module *m);
uint32_t wasm_module_export_count(const wasm_module *m);
/* Fills *out for import / export i; false when i is out of range. */
bool wasm_module_import(const wasm_module *m, uint32_t i, wasm_extern_desc *out);
bool wasm_module_export(const wasm_module *m, uint32_t i, wasm_extern_desc *out);
/* The module's name from the custom "name" section, or NULL. */
const char *wasm_module_name(const wasm_module *m);

/* ------------------------------------------------------------ host calls */

/* A host function. args has type->nparams values, results room for
 * type->nresults (the callee sets each result, types as declared).
 * Return 0 on success; to stop the guest return wasm_call_trap(...) or
 * wasm_call_exit(...). Runs on the calling thread; must not free the
 * calling instance. */
typedef int (*wasm_host_fn)(wasm_call *call, const wasm_val *args, wasm_val *results);

/* The instance that made the call (where the import lives). */
wasm_instance *wasm_call_instance(wasm_call *call);
/* The env pointer given when the host function was defined. */
void *wasm_call_env(wasm_call *call);
/* The signature of the host function being called (generic stubs). */
const wasm_functype *wasm_call_type(wasm_call *call);
/* A checked view of the calling instance's memory 0: a pointer to
 * [offset, offset+len), or NULL when the range is not entirely inside the
 * memory (or there is no memory). Valid until the guest runs again. */
uint8_t *wasm_mem_ptr(wasm_call *call, uint64_t offset, uint64_t len);
/* Size in bytes of the calling instance's memory 0 (0 without one). */
uint64_t wasm_mem_size(wasm_call *call);
/* Ends the guest with a trap carrying `message` (copied, truncated to fit).
 * Returns the non-zero value the host function must return. */
int wasm_call_trap(wasm_call *call, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Ends the guest cleanly with an exit status (WASI proc_exit): the whole
 * guest stack unwinds and the call reports WASM_TRAP_EXIT with the status,
 * which is distinct from every trap. Returns the value to return. */
int wasm_call_exit(wasm_call *call, int32_t status);

/* A free-standing host function (refcounted; the type is copied). */
wasm_func *wasm_func_new_host(const wasm_functype *type, wasm_host_fn fn, void *env);
void wasm_func_unref(wasm_func *f); /* only for functions from wasm_func_new_host */
/* The function's signature (lives as long as the function). */
const wasm_functype *wasm_func_type(const wasm_func *f);

/* ------------------------------------------- memories, tables, globals */

/* Host-created objects (e.g. the spec's `spectest` module). Each starts with
 * one reference, owned by the caller; instances that import them add their
 * own. max_pages / max_elems of UINT64_MAX mean "no maximum". */
wasm_memory *wasm_memory_new(uint32_t min_pages, uint64_t max_pages);
void wasm_memory_unref(wasm_memory *m);
uint8_t *wasm_memory_data(wasm_memory *m);
uint64_t wasm_memory_size(const wasm_memory *m); /* bytes */
/* memory.grow: previous size in pages, or -1 past max or the page cap. */
int64_t wasm_memory_grow(wasm_memory *m, uint32_t delta_pages);

wasm_table *wasm_table_new(wasm_valtype elem_type, uint32_t min, uint64_t max);
void wasm_table_unref(wasm_table *t);
uint32_t wasm_table_size(const wasm_table *t);
bool wasm_table_get(const wasm_table *t, uint32_t i, wasm_val *out);
bool wasm_table_set(wasm_table *t, uint32_t i, const wasm_val *v);

wasm_global *wasm_global_new(const wasm_val *init, bool is_mutable);
void wasm_global_unref(wasm_global *g);
void wasm_global_get(const wasm_global *g, wasm_val *out);
/* false when the global is immutable or the type differs. */
bool wasm_global_set(wasm_global *g, const wasm_val *v);

/* ---------------------------------------------------------------- linker */

/* Maps (module, name) to externs. Define everything first; afterwards any
 * number of threads may instantiate with it concurrently (read-only). It
 * keeps a reference to what it holds; instances it linked keep their own. */
wasm_linker *wasm_linker_new(void);
void wasm_linker_free(wasm_linker *l);
/* Replaces an existing definition of the same name. */
bx_err wasm_linker_define(wasm_linker *l, const char *module, const char *name,
                          const wasm_extern *ext);
bx_err wasm_linker_define_host(wasm_linker *l, const char *module, const char *name,
                               const wasm_functype *type, wasm_host_fn fn, void *env);
/* Defines every export of inst under `module` (the spec's `register`).
 * The instance must outlive the linker and every instance linked from it. */
bx_err wasm_linker_define_instance(wasm_linker *l, const char *module, wasm_instance *inst);

/* ------------------------------------------------------------- instances */

/* Per-instance limits. Defaults (wasm_limits_default): fuel off, call depth
 * 10,000, stack 8 MiB of value slots, 65,536 pages, 10,000,000 table
 * elements. Memory/table caps lower what the module's maxima allow:
 * memory.grow / table.grow return -1 past them; instantiation fails when a
 * minimum already exceeds them. */
typedef struct wasm_limits {
    bool fuel_enabled;       /* charge fuel per basic block; trap "out of fuel" at 0 */
    uint64_t fuel;           /* initial fuel when enabled */
    uint32_t max_call_depth; /* nested wasm calls; trap "call stack exhausted" */
    uint64_t max_stack_bytes;/* value-stack bytes; same trap */
    uint32_t max_memory_pages;
    uint32_t max_table_elems;
} wasm_limits;

void wasm_limits_default(wasm_limits *out);

/* Why a call stopped. */
#define WASM_TRAP_LIST(X)                                        \
    X(NONE, "no trap")                                           \
    X(UNREACHABLE, "unreachable")                                \
    X(MEM_OOB, "out of bounds memory access")                    \
    X(TABLE_OOB, "out of bounds table access")                   \
    X(UNDEFINED_ELEM, "undefined element")                       \
    X(UNINIT_ELEM, "uninitialized element")                      \
    X(SIG_MISMATCH, "indirect call type mismatch")               \
    X(DIV_ZERO, "integer divide by zero")                        \
    X(INT_OVERFLOW, "integer overflow")                          \
    X(INVALID_CONV, "invalid conversion to integer")             \
    X(STACK_EXHAUSTED, "call stack exhausted")                   \
    X(OUT_OF_FUEL, "out of fuel")                                \
    X(INTERRUPTED, "interrupted")                                \
    X(NULL_REF, "null reference")                                \
    X(HOST, "host trap")                                         \
    X(EXIT, "exit")

typedef enum wasm_trap {
#define WASM_TRAP_ENUM(name, msg) WASM_TRAP_##name,
    WASM_TRAP_LIST(WASM_TRAP_ENUM)
#undef WASM_TRAP_ENUM
} wasm_trap;

/* The spec's message for a trap kind. Never NULL. */
const char *wasm_trap_str(wasm_trap trap);

/* The outcome of a call. trap == NONE: returned normally. EXIT: a host
 * function asked for a clean exit with exit_status. Otherwise a trap with
 * the spec's message (or the host's for HOST). */
typedef struct wasm_result {
    wasm_trap trap;
    int32_t exit_status;
    char message[256];
} wasm_result;

/* Instantiates: resolves imports through `linker` (may be NULL when the
 * module has none), allocates memories/tables/globals, applies segments and
 * runs the start function. limits may be NULL (defaults). Errors:
 * BX_NOTFOUND "unknown import", BX_INVALID "incompatible import type",
 * BX_LIMIT when a minimum exceeds a limit, BX_TRAP when a segment or the
 * start function traps (message in detail). On BX_TRAP *out is still set:
 * segments applied before the trap may have stored this instance's
 * functions in imported tables (the spec keeps those writes), so the caller
 * frees it with wasm_instance_free once nothing can call them; on every
 * other error *out is NULL. */
bx_err wasm_instance_new(wasm_module *m, const wasm_linker *linker, const wasm_limits *limits,
                         bx_error *detail, wasm_instance **out);
void wasm_instance_free(wasm_instance *inst);
wasm_module *wasm_instance_module(const wasm_instance *inst); /* borrowed */

/* Embedder data attached to the instance (not touched by the engine). */
void wasm_instance_set_user(wasm_instance *inst, void *user);
void *wasm_instance_user(const wasm_instance *inst);

/* Looks up an export by name; false when absent. */
bool wasm_instance_export(wasm_instance *inst, const char *name, wasm_extern *out);
/* Export i in the module's export order. */
bool wasm_instance_export_at(wasm_instance *inst, uint32_t i, wasm_extern *out);
/* Memory 0 of the instance (defined or imported), or NULL. */
wasm_memory *wasm_instance_memory(wasm_instance *inst);

/* Calls a function with typed arguments. BX_OK when it returned (results
 * filled), BX_TRAP when it trapped or exited (see *out), BX_INVALID when
 * the arguments do not match its type or the name is not an exported
 * function. out may be NULL. A host function may call back into its
 * instance (nesting counts towards the call-depth limit). */
bx_err wasm_instance_call(wasm_instance *inst, const char *export_name, const wasm_val *args,
                          size_t nargs, wasm_val *results, size_t nresults, wasm_result *out);
bx_err wasm_func_call(wasm_func *f, const wasm_val *args, size_t nargs, wasm_val *results,
                      size_t nresults, wasm_result *out);

/* ------------------------------------- limits from any thread (lock-free) */

/* Sets the interrupt flag: the running guest traps "interrupted" at its next
 * loop back-edge or call. Async-signal-safe. The flag stays set (further
 * calls trap at once) until cleared. */
void wasm_instance_interrupt(wasm_instance *inst);
void wasm_instance_clear_interrupt(wasm_instance *inst);
/* Fuel left (relaxed atomic); meaningful when fuel is enabled. */
uint64_t wasm_instance_fuel(const wasm_instance *inst);
void wasm_instance_set_fuel(wasm_instance *inst, uint64_t fuel);
/* Turns fuel metering on or off for the next calls. */
void wasm_instance_enable_fuel(wasm_instance *inst, bool on);

/* Bytes the instance uses outside its linear memories (for budgets). */
size_t wasm_instance_overhead(const wasm_instance *inst);

#endif
