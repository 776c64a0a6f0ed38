/* wasm_interp.c: the interpreter over translated code (see wasm_int.h).
 *
 * One function runs every wasm-to-wasm call without C recursion: frames go
 * on an explicit frame stack, values live in 8-byte slots addressed from the
 * frame pointer. pc, fp and the memory base/size stay in locals and are
 * reloaded only after calls and memory.grow. Dispatch is computed goto
 * (`goto *labels[op]`) or, with WASM_SWITCH_DISPATCH, a switch; both are
 * generated from the op tables in wasm_int.h and share every handler.
 * Fuel and the interrupt flag are checked with relaxed atomics by the FUEL
 * op at function entry and loop heads, never with a lock.
 */
#include <math.h>
#include <stdio.h>

#include "wasm/wasm_int.h"

static inline float f32_of(uint64_t s)
{
    uint32_t u = (uint32_t)s;
    float f;
    memcpy(&f, &u, 4);
    return f;
}
static inline double f64_of(uint64_t s)
{
    double d;
    memcpy(&d, &s, 8);
    return d;
}
static inline uint64_t of_f32(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}
static inline uint64_t of_f64(double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}

static inline float wmin32(float a, float b)
{
    if (isnan(a) || isnan(b))
        return a + b;
    if (a == b)
        return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline float wmax32(float a, float b)
{
    if (isnan(a) || isnan(b))
        return a + b;
    if (a == b)
        return signbit(a) ? b : a;
    return a > b ? a : b;
}
static inline double wmin64(double a, double b)
{
    if (isnan(a) || isnan(b))
        return a + b;
    if (a == b)
        return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline double wmax64(double a, double b)
{
    if (isnan(a) || isnan(b))
        return a + b;
    if (a == b)
        return signbit(a) ? b : a;
    return a > b ? a : b;
}

static inline uint32_t rotl32(uint32_t x, uint32_t n) { n &= 31; return n ? (x << n) | (x >> (32 - n)) : x; }
static inline uint32_t rotr32(uint32_t x, uint32_t n) { n &= 31; return n ? (x >> n) | (x << (32 - n)) : x; }
static inline uint64_t rotl64(uint64_t x, uint64_t n) { n &= 63; return n ? (x << n) | (x >> (64 - n)) : x; }
static inline uint64_t rotr64(uint64_t x, uint64_t n) { n &= 63; return n ? (x >> n) | (x << (64 - n)) : x; }

/* Saturating truncations (NaN -> 0, out of range -> the bound). */
static inline uint64_t sat_s32(double x)
{
    if (isnan(x)) return 0;
    if (x <= -2147483648.0) return (uint32_t)INT32_MIN;
    if (x >= 2147483647.0) return (uint32_t)INT32_MAX;
    return (uint32_t)(int32_t)x;
}
static inline uint64_t sat_u32(double x)
{
    if (isnan(x) || x <= -1.0) return 0;
    if (x >= 4294967295.0) return UINT32_MAX;
    return (uint32_t)x;
}
static inline uint64_t sat_s64(double x)
{
    if (isnan(x)) return 0;
    if (x < -9223372036854775808.0) return (uint64_t)INT64_MIN;
    if (x >= 9223372036854775808.0) return (uint64_t)INT64_MAX;
    return (uint64_t)(int64_t)x;
}
static inline uint64_t sat_u64(double x)
{
    if (isnan(x) || x <= -1.0) return 0;
    if (x >= 18446744073709551616.0) return UINT64_MAX;
    return (uint64_t)x;
}

static wasm_memory no_memory; /* size 0: every access traps */

static inline void v128_rd(wasm__v128 *v, const uint64_t *s) { memcpy(v, s, 16); }
static inline void v128_wr(uint64_t *s, const wasm__v128 *v) { memcpy(s, v, 16); }

/* Evaluates item k of an element segment for inst. */
static void *elem_item(wasm_instance *inst, const wasm__elem *e, uint32_t k)
{
    const wasm__cexpr *x = &e->items[k];
    switch (x->kind) {
    case WASM__CEXPR_FUNC: return wasm__func_at(inst, x->index);
    case WASM__CEXPR_GLOBAL: return (void *)(uintptr_t)inst->globals[x->index]->v[0];
    default: return NULL;
    }
}

static int host_call(wasm_instance *root, wasm_instance *inst, wasm_func *g, uint64_t *args,
                     wasm_result *res)
{
    const wasm_functype *t = g->type;
    wasm_val in[16], out[16];
    wasm_val *pin = in, *pout = out;
    if (t->nparams > 16)
        pin = bx_calloc(t->nparams, sizeof *pin);
    if (t->nresults > 16)
        pout = bx_calloc(t->nresults, sizeof *pout);
    uint32_t s = 0;
    for (uint32_t i = 0; i < t->nparams; i++) {
        wasm__slots_to_val((uint8_t)t->params[i], args + s, &pin[i]);
        s += wasm__valtype_slots((uint8_t)t->params[i]);
    }
    for (uint32_t i = 0; i < t->nresults; i++) {
        memset(&pout[i], 0, sizeof pout[i]);
        pout[i].type = t->results[i];
    }
    wasm_call call = {inst, g, res};
    (void)root;
    int rc = wasm__host_of(g)->fn(&call, pin, pout);
    if (rc == 0) {
        s = 0;
        for (uint32_t i = 0; i < t->nresults; i++) {
            pout[i].type = t->results[i];
            wasm__val_to_slots(&pout[i], args + s);
            s += wasm__valtype_slots((uint8_t)t->results[i]);
        }
    } else if (res->trap == WASM_TRAP_NONE) {
        res->trap = WASM_TRAP_HOST;
        snprintf(res->message, sizeof res->message, "host function failed");
    }
    if (pin != in)
        bx_free(pin);
    if (pout != out)
        bx_free(pout);
    return rc;
}

wasm_trap wasm__run(wasm_instance *root, wasm_func *entry, uint64_t *slots, wasm_result *res)
{
#define TRAP(kind)                 \
    do {                           \
        trap = WASM_TRAP_##kind;   \
        goto do_trap;              \
    } while (0)

#ifdef WASM_SWITCH_DISPATCH
#define VM_CASE(name) case WASM__OP_##name:
#define VM_NEXT(n)      \
    do {                \
        pc += (n);      \
        goto dispatch;  \
    } while (0)
#else
    /* Direct threading: after translation each opcode word holds its
     * handler's offset from L_UNREACHABLE (wasm__thread_code), so a
     * dispatch is one load and an add, not a table lookup. */
#define VM_LABEL_C(name, n) (int32_t)(&&L_##name - &&L_UNREACHABLE),
#define VM_LABEL_N(name, code, a, b, r) (int32_t)(&&L_##name - &&L_UNREACHABLE),
    static const int32_t offsets[WASM__OP_COUNT] = {
        WASM__CONTROL_OPS(VM_LABEL_C) WASM__NUMERIC_OPS(VM_LABEL_N)};
#undef VM_LABEL_C
#undef VM_LABEL_N
    if (!root) { /* wasm__thread_code asks for the table */
        *(const int32_t **)(void *)slots = offsets;
        return WASM_TRAP_NONE;
    }
#define VM_CASE(name) L_##name:
#define VM_NEXT(n)              \
    do {                        \
        pc += (n);              \
        goto *(const void *)((const char *)&&L_UNREACHABLE + (int32_t)*pc); \
    } while (0)
#endif

    wasm_trap trap = WASM_TRAP_NONE;
    size_t base_depth = root->depth;
    uint64_t *saved_top = root->sp_top;
    uint64_t *const stack_end = root->stack + root->stack_slots;
    wasm__frame *const frames = root->frames;
    const size_t max_depth = root->max_frames;
    size_t depth = base_depth;
    const bool fuel_on = atomic_load_explicit(&root->fuel_on, memory_order_relaxed);

    wasm_instance *inst = entry->inst;
    const wasm__code *codes = inst->module->codes;
    wasm_global **globals = inst->globals;
    wasm_memory *mem = inst->module->nmems ? inst->mems[0] : &no_memory;
    uint8_t *mem_base = mem->data;
    uint64_t mem_size = mem->size;
    uint64_t *fp = slots;
    const uint32_t *pc;
    const wasm__code *code;
    wasm_func *g;
    uint32_t base;

/* Fuel and the interrupt flag: relaxed atomics, no lock. */
#define CHARGE(n)                                                                       \
    do {                                                                                \
        if (fuel_on) {                                                                  \
            int64_t f_ = atomic_load_explicit(&root->fuel, memory_order_relaxed) -      \
                         (int64_t)(n);                                                  \
            if (f_ < 0) {                                                               \
                atomic_store_explicit(&root->fuel, 0, memory_order_relaxed);            \
                TRAP(OUT_OF_FUEL);                                                      \
            }                                                                           \
            atomic_store_explicit(&root->fuel, f_, memory_order_relaxed);               \
        }                                                                               \
        if (atomic_load_explicit(&root->interrupt, memory_order_relaxed))               \
            TRAP(INTERRUPTED);                                                          \
    } while (0)
/* Takes the branch whose offset word is pc[k]; a backward branch is a loop
 * back-edge and pays the loop's fuel (the LOOP count just before it). */
#define JUMP(k)                                                                         \
    do {                                                                                \
        int32_t off_ = (int32_t)pc[k];                                                  \
        pc = pc + (k) + off_;                                                           \
        if (off_ < 0)                                                                   \
            CHARGE(pc[-1]);                                                             \
        VM_NEXT(0);                                                                     \
    } while (0)

#define LOAD_INST()                                                  \
    do {                                                             \
        codes = inst->module->codes;                                 \
        globals = inst->globals;                                     \
        mem = inst->module->nmems ? inst->mems[0] : &no_memory;      \
        mem_base = mem->data;                                        \
        mem_size = mem->size;                                        \
    } while (0)

    /* The entry function: its frame starts at `slots`. */
    code = entry->code;
    if (fp + code->frame_slots > stack_end || depth >= max_depth) {
        trap = WASM_TRAP_STACK_EXHAUSTED;
        goto do_trap;
    }
    frames[depth++] = (wasm__frame){NULL, NULL, inst};
    memset(fp + code->param_slots, 0, (code->local_slots - code->param_slots) * sizeof *fp);
    pc = code->code;

#ifdef WASM_SWITCH_DISPATCH
dispatch:
    switch ((wasm__op)*pc) {
#else
    VM_NEXT(0);
#endif

    VM_CASE(UNREACHABLE) TRAP(UNREACHABLE);
    VM_CASE(BR) JUMP(1);
    VM_CASE(BR_IF)
    {
        if ((uint32_t)fp[pc[1]])
            JUMP(2);
        VM_NEXT(3);
    }
    VM_CASE(BR_UNLESS)
    {
        if (!(uint32_t)fp[pc[1]])
            JUMP(2);
        VM_NEXT(3);
    }
    VM_CASE(BR_TABLE)
    {
        uint32_t i = (uint32_t)fp[pc[1]], n = pc[2];
        if (i > n)
            i = n;
        JUMP(3 + i);
    }
    VM_CASE(RETURN)
    {
        wasm__frame *fr = &frames[--depth];
        if (depth == base_depth)
            goto done;
        pc = fr->pc;
        fp = fr->fp;
        if (fr->inst != inst) {
            inst = fr->inst;
            LOAD_INST();
        } else {
            mem_size = mem->size;
        }
        VM_NEXT(0);
    }
    VM_CASE(CALL)
    {
        code = &codes[pc[1]];
        base = pc[2];
    enter:;
        uint64_t *nfp = fp + base;
        if (nfp + code->frame_slots > stack_end || depth >= max_depth)
            TRAP(STACK_EXHAUSTED);
        frames[depth++] = (wasm__frame){pc + 3, fp, inst};
        for (uint32_t i_ = code->param_slots; i_ < code->local_slots; i_++)
            nfp[i_] = 0;
        fp = nfp;
        /* Every body starts with FUEL n: charge it here, skip the op. */
        pc = code->code;
        CHARGE(pc[1]);
        VM_NEXT(2);
    }
    VM_CASE(CALL_IMPORT)
    {
        g = inst->funcs[pc[1]];
        base = pc[2];
        goto call_func;
    }
    VM_CASE(CALL_INDIRECT)
    {
        wasm_table *t = inst->tables[pc[1]];
        uint32_t i = (uint32_t)fp[pc[4]];
        if (i >= t->size)
            TRAP(UNDEFINED_ELEM);
        g = t->elems[i];
        if (!g)
            TRAP(UNINIT_ELEM);
        const wasm_functype *want = &inst->module->types[pc[2]].pub;
        if (g->type != want && !wasm__functype_eq(g->type, want))
            TRAP(SIG_MISMATCH);
        base = pc[3];
        /* Return address: after this op (5 words); CALL's is 3. */
        pc += 2;
        goto call_func;
    }
call_func:
    if (g->code) {
        code = g->code;
        if (g->inst != inst) {
            uint64_t *nfp = fp + base;
            if (nfp + code->frame_slots > stack_end || depth >= max_depth)
                TRAP(STACK_EXHAUSTED);
            frames[depth++] = (wasm__frame){pc + 3, fp, inst};
            for (uint32_t i_ = code->param_slots; i_ < code->local_slots; i_++)
                nfp[i_] = 0;
            fp = nfp;
            inst = g->inst;
            LOAD_INST();
            pc = code->code;
            VM_NEXT(0);
        }
        goto enter;
    } else {
        uint64_t *args = fp + base;
        const wasm__functype *ht = &wasm__host_of(g)->htype;
        uint32_t need = ht->param_slots > ht->result_slots ? ht->param_slots : ht->result_slots;
        if (args + need > stack_end || depth >= max_depth)
            TRAP(STACK_EXHAUSTED);
        root->sp_top = args + need;
        root->depth = depth;
        int rc = host_call(root, inst, g, args, res);
        root->sp_top = saved_top;
        root->depth = base_depth;
        if (rc != 0) {
            trap = res->trap;
            goto done_trap;
        }
        mem_size = mem->size;
        VM_NEXT(3);
    }
    VM_CASE(FUEL)
    VM_CASE(LOOP)
    {
        CHARGE(pc[1]);
        VM_NEXT(2);
    }
    VM_CASE(COPY) { fp[pc[1]] = fp[pc[2]]; VM_NEXT(3); }
    VM_CASE(COPY2)
    {
        uint64_t lo = fp[pc[2]], hi = fp[pc[2] + 1];
        fp[pc[1]] = lo;
        fp[pc[1] + 1] = hi;
        VM_NEXT(3);
    }
    VM_CASE(SELECT) { fp[pc[1]] = (uint32_t)fp[pc[4]] ? fp[pc[2]] : fp[pc[3]]; VM_NEXT(5); }
    VM_CASE(SELECT2)
    {
        uint32_t s = (uint32_t)fp[pc[4]] ? pc[2] : pc[3];
        uint64_t lo = fp[s], hi = fp[s + 1];
        fp[pc[1]] = lo;
        fp[pc[1] + 1] = hi;
        VM_NEXT(5);
    }
    VM_CASE(CONST32) { fp[pc[1]] = pc[2]; VM_NEXT(3); }
    VM_CASE(CONST64) { fp[pc[1]] = pc[2] | (uint64_t)pc[3] << 32; VM_NEXT(4); }
    VM_CASE(CONST128)
    {
        fp[pc[1]] = pc[2] | (uint64_t)pc[3] << 32;
        fp[pc[1] + 1] = pc[4] | (uint64_t)pc[5] << 32;
        VM_NEXT(6);
    }
    VM_CASE(GLOBAL_GET) { fp[pc[1]] = globals[pc[2]]->v[0]; VM_NEXT(3); }
    VM_CASE(GLOBAL_SET) { globals[pc[1]]->v[0] = fp[pc[2]]; VM_NEXT(3); }
    VM_CASE(GLOBAL_GET2)
    {
        fp[pc[1]] = globals[pc[2]]->v[0];
        fp[pc[1] + 1] = globals[pc[2]]->v[1];
        VM_NEXT(3);
    }
    VM_CASE(GLOBAL_SET2)
    {
        globals[pc[1]]->v[0] = fp[pc[2]];
        globals[pc[1]]->v[1] = fp[pc[2] + 1];
        VM_NEXT(3);
    }

#define EA(addr_slot, n)                                                 \
    uint64_t ea = (uint64_t)(uint32_t)fp[addr_slot] + pc[3];             \
    if (ea + (n) > mem_size)                                             \
        TRAP(MEM_OOB);
#define LOAD(name, T, n, conv)              \
    VM_CASE(name)                           \
    {                                       \
        EA(pc[2], n);                       \
        T v;                                \
        memcpy(&v, mem_base + ea, n);       \
        fp[pc[1]] = conv;                   \
        VM_NEXT(4);                         \
    }
    LOAD(LD32, uint32_t, 4, (uint64_t)v)
    LOAD(LD64, uint64_t, 8, v)
    LOAD(LD8S32, int8_t, 1, (uint32_t)(int32_t)v)
    LOAD(LD8U, uint8_t, 1, (uint64_t)v)
    LOAD(LD16S32, int16_t, 2, (uint32_t)(int32_t)v)
    LOAD(LD16U, uint16_t, 2, (uint64_t)v)
    LOAD(LD8S64, int8_t, 1, (uint64_t)(int64_t)v)
    LOAD(LD16S64, int16_t, 2, (uint64_t)(int64_t)v)
    LOAD(LD32S64, int32_t, 4, (uint64_t)(int64_t)v)
#define STORE(name, T, n)                   \
    VM_CASE(name)                           \
    {                                       \
        EA(pc[1], n);                       \
        T v = (T)fp[pc[2]];                 \
        memcpy(mem_base + ea, &v, n);       \
        VM_NEXT(4);                         \
    }
    STORE(ST32, uint32_t, 4)
    STORE(ST64, uint64_t, 8)
    STORE(ST8, uint8_t, 1)
    STORE(ST16, uint16_t, 2)

    VM_CASE(MEMORY_SIZE) { fp[pc[1]] = mem_size / WASM_PAGE_SIZE; VM_NEXT(2); }
    VM_CASE(MEMORY_GROW)
    {
        int64_t r = wasm_memory_grow(mem, (uint32_t)fp[pc[2]]);
        mem_base = mem->data;
        mem_size = mem->size;
        fp[pc[1]] = (uint32_t)(int32_t)r;
        VM_NEXT(3);
    }
    VM_CASE(MEMORY_FILL)
    {
        uint64_t d = (uint32_t)fp[pc[1]], n = (uint32_t)fp[pc[3]];
        if (d + n > mem_size)
            TRAP(MEM_OOB);
        memset(mem_base + d, (uint8_t)fp[pc[2]], n);
        VM_NEXT(4);
    }
    VM_CASE(MEMORY_COPY)
    {
        uint64_t d = (uint32_t)fp[pc[1]], s = (uint32_t)fp[pc[2]], n = (uint32_t)fp[pc[3]];
        if (d + n > mem_size || s + n > mem_size)
            TRAP(MEM_OOB);
        memmove(mem_base + d, mem_base + s, n);
        VM_NEXT(4);
    }
    VM_CASE(MEMORY_INIT)
    {
        const wasm__data *seg = &inst->module->datas[pc[1]];
        uint64_t len = inst->data_dropped[pc[1]] ? 0 : seg->len;
        uint64_t d = (uint32_t)fp[pc[2]], s = (uint32_t)fp[pc[3]], n = (uint32_t)fp[pc[4]];
        if (s + n > len || d + n > mem_size)
            TRAP(MEM_OOB);
        if (n)
            memcpy(mem_base + d, seg->bytes + s, n);
        VM_NEXT(5);
    }
    VM_CASE(DATA_DROP) { inst->data_dropped[pc[1]] = 1; VM_NEXT(2); }
    VM_CASE(TABLE_GET)
    {
        wasm_table *t = inst->tables[pc[2]];
        uint32_t i = (uint32_t)fp[pc[3]];
        if (i >= t->size)
            TRAP(TABLE_OOB);
        fp[pc[1]] = (uintptr_t)t->elems[i];
        VM_NEXT(4);
    }
    VM_CASE(TABLE_SET)
    {
        wasm_table *t = inst->tables[pc[1]];
        uint32_t i = (uint32_t)fp[pc[2]];
        if (i >= t->size)
            TRAP(TABLE_OOB);
        t->elems[i] = (void *)(uintptr_t)fp[pc[3]];
        VM_NEXT(4);
    }
    VM_CASE(TABLE_SIZE) { fp[pc[1]] = inst->tables[pc[2]]->size; VM_NEXT(3); }
    VM_CASE(TABLE_GROW)
    {
        wasm_table *t = inst->tables[pc[2]];
        int64_t r = wasm__table_grow(t, (uint32_t)fp[pc[4]], (void *)(uintptr_t)fp[pc[3]]);
        fp[pc[1]] = (uint32_t)(int32_t)r;
        VM_NEXT(5);
    }
    VM_CASE(TABLE_FILL)
    {
        wasm_table *t = inst->tables[pc[1]];
        uint64_t i = (uint32_t)fp[pc[2]], n = (uint32_t)fp[pc[4]];
        void *v = (void *)(uintptr_t)fp[pc[3]];
        if (i + n > t->size)
            TRAP(TABLE_OOB);
        for (uint64_t k = 0; k < n; k++)
            t->elems[i + k] = v;
        VM_NEXT(5);
    }
    VM_CASE(TABLE_COPY)
    {
        wasm_table *td = inst->tables[pc[1]], *ts = inst->tables[pc[2]];
        uint64_t d = (uint32_t)fp[pc[3]], s = (uint32_t)fp[pc[4]], n = (uint32_t)fp[pc[5]];
        if (d + n > td->size || s + n > ts->size)
            TRAP(TABLE_OOB);
        if (n)
            memmove(td->elems + d, ts->elems + s, n * sizeof(void *));
        VM_NEXT(6);
    }
    VM_CASE(TABLE_INIT)
    {
        wasm_table *t = inst->tables[pc[1]];
        const wasm__elem *e = &inst->module->elems[pc[2]];
        uint64_t len = inst->elem_dropped[pc[2]] ? 0 : e->count;
        uint64_t d = (uint32_t)fp[pc[3]], s = (uint32_t)fp[pc[4]], n = (uint32_t)fp[pc[5]];
        if (s + n > len || d + n > t->size)
            TRAP(TABLE_OOB);
        for (uint64_t k = 0; k < n; k++)
            t->elems[d + k] = elem_item(inst, e, (uint32_t)(s + k));
        VM_NEXT(6);
    }
    VM_CASE(ELEM_DROP) { inst->elem_dropped[pc[1]] = 1; VM_NEXT(2); }
    VM_CASE(REF_FUNC) { fp[pc[1]] = (uintptr_t)wasm__func_at(inst, pc[2]); VM_NEXT(3); }

    /* SIMD: one generic op per kind, the row's function does the lanes. */
    VM_CASE(V_UN)
    {
        wasm__v128 a, r;
        v128_rd(&a, &fp[pc[3]]);
        r = wasm__simd_op_get(pc[2])->fn.un(a);
        v128_wr(&fp[pc[1]], &r);
        VM_NEXT(4);
    }
    VM_CASE(V_BIN)
    {
        wasm__v128 a, b, r;
        v128_rd(&a, &fp[pc[3]]);
        v128_rd(&b, &fp[pc[4]]);
        r = wasm__simd_op_get(pc[2])->fn.bin(a, b);
        v128_wr(&fp[pc[1]], &r);
        VM_NEXT(5);
    }
    VM_CASE(V_TERN)
    {
        wasm__v128 a, b, c, r;
        v128_rd(&a, &fp[pc[3]]);
        v128_rd(&b, &fp[pc[4]]);
        v128_rd(&c, &fp[pc[5]]);
        r = wasm__simd_op_get(pc[2])->fn.tern(a, b, c);
        v128_wr(&fp[pc[1]], &r);
        VM_NEXT(6);
    }
    VM_CASE(V_TEST)
    {
        wasm__v128 a;
        v128_rd(&a, &fp[pc[3]]);
        fp[pc[1]] = wasm__simd_op_get(pc[2])->fn.test(a);
        VM_NEXT(4);
    }
    VM_CASE(V_SHIFT)
    {
        wasm__v128 a, r;
        v128_rd(&a, &fp[pc[3]]);
        r = wasm__simd_op_get(pc[2])->fn.shift(a, (uint32_t)fp[pc[4]]);
        v128_wr(&fp[pc[1]], &r);
        VM_NEXT(5);
    }
    VM_CASE(V_SPLAT)
    {
        const wasm__simd_op *row = wasm__simd_op_get(pc[2]);
        uint64_t x = fp[pc[3]];
        if (row->params[0] == WASM__SIMD_T_I32 || row->params[0] == WASM__SIMD_T_F32)
            x = (uint32_t)x;
        wasm__v128 r = row->fn.splat(x);
        v128_wr(&fp[pc[1]], &r);
        VM_NEXT(4);
    }
    VM_CASE(V_EXTRACT)
    {
        wasm__v128 a;
        v128_rd(&a, &fp[pc[3]]);
        fp[pc[1]] = wasm__simd_op_get(pc[2])->fn.extract(a, pc[4]);
        VM_NEXT(5);
    }
    VM_CASE(V_REPLACE)
    {
        const wasm__simd_op *row = wasm__simd_op_get(pc[2]);
        wasm__v128 a, r;
        v128_rd(&a, &fp[pc[3]]);
        uint64_t x = fp[pc[4]];
        if (row->params[1] == WASM__SIMD_T_I32 || row->params[1] == WASM__SIMD_T_F32)
            x = (uint32_t)x;
        r = row->fn.replace(a, pc[5], x);
        v128_wr(&fp[pc[1]], &r);
        VM_NEXT(6);
    }
    VM_CASE(V_SHUFFLE)
    {
        wasm__v128 a, b, r;
        uint8_t idx[16];
        v128_rd(&a, &fp[pc[3]]);
        v128_rd(&b, &fp[pc[4]]);
        memcpy(idx, &pc[5], 16);
        r = wasm__simd_op_get(pc[2])->fn.shuffle(a, b, idx);
        v128_wr(&fp[pc[1]], &r);
        VM_NEXT(9);
    }
    VM_CASE(V_LOAD)
    {
        const wasm__simd_op *row = wasm__simd_op_get(pc[2]);
        uint64_t ea = (uint64_t)(uint32_t)fp[pc[3]] + pc[4];
        if (ea + row->bytes > mem_size)
            TRAP(MEM_OOB);
        wasm__v128 r = row->fn.load(mem_base + ea);
        v128_wr(&fp[pc[1]], &r);
        VM_NEXT(5);
    }
    VM_CASE(V_LOAD_LANE)
    {
        const wasm__simd_op *row = wasm__simd_op_get(pc[2]);
        uint64_t ea = (uint64_t)(uint32_t)fp[pc[3]] + pc[5];
        if (ea + row->bytes > mem_size)
            TRAP(MEM_OOB);
        wasm__v128 a, r;
        v128_rd(&a, &fp[pc[4]]);
        r = row->fn.load_lane(a, mem_base + ea, pc[6]);
        v128_wr(&fp[pc[1]], &r);
        VM_NEXT(7);
    }
    VM_CASE(V_STORE)
    {
        const wasm__simd_op *row = wasm__simd_op_get(pc[1]);
        uint64_t ea = (uint64_t)(uint32_t)fp[pc[2]] + pc[4];
        if (ea + row->bytes > mem_size)
            TRAP(MEM_OOB);
        wasm__v128 a;
        v128_rd(&a, &fp[pc[3]]);
        row->fn.store(mem_base + ea, a);
        VM_NEXT(5);
    }
    VM_CASE(V_STORE_LANE)
    {
        const wasm__simd_op *row = wasm__simd_op_get(pc[1]);
        uint64_t ea = (uint64_t)(uint32_t)fp[pc[2]] + pc[4];
        if (ea + row->bytes > mem_size)
            TRAP(MEM_OOB);
        wasm__v128 a;
        v128_rd(&a, &fp[pc[3]]);
        row->fn.store_lane(mem_base + ea, a, pc[5]);
        VM_NEXT(6);
    }

    /* ------------------------------------------------------- numeric */
#define A32 ((uint32_t)fp[pc[2]])
#define B32 ((uint32_t)fp[pc[3]])
#define A64 (fp[pc[2]])
#define B64 (fp[pc[3]])
#define AF ((float)f32_of(fp[pc[2]]))
#define BF ((float)f32_of(fp[pc[3]]))
#define AD (f64_of(fp[pc[2]]))
#define BD (f64_of(fp[pc[3]]))
#define UN(name, expr) VM_CASE(name) { fp[pc[1]] = (expr); VM_NEXT(3); }
#define BIN(name, expr) VM_CASE(name) { fp[pc[1]] = (expr); VM_NEXT(4); }

    UN(I32_EQZ, A32 == 0)
    BIN(I32_EQ, A32 == B32)
    BIN(I32_NE, A32 != B32)
    BIN(I32_LT_S, (int32_t)A32 < (int32_t)B32)
    BIN(I32_LT_U, A32 < B32)
    BIN(I32_GT_S, (int32_t)A32 > (int32_t)B32)
    BIN(I32_GT_U, A32 > B32)
    BIN(I32_LE_S, (int32_t)A32 <= (int32_t)B32)
    BIN(I32_LE_U, A32 <= B32)
    BIN(I32_GE_S, (int32_t)A32 >= (int32_t)B32)
    BIN(I32_GE_U, A32 >= B32)
    UN(I64_EQZ, A64 == 0)
    BIN(I64_EQ, A64 == B64)
    BIN(I64_NE, A64 != B64)
    BIN(I64_LT_S, (int64_t)A64 < (int64_t)B64)
    BIN(I64_LT_U, A64 < B64)
    BIN(I64_GT_S, (int64_t)A64 > (int64_t)B64)
    BIN(I64_GT_U, A64 > B64)
    BIN(I64_LE_S, (int64_t)A64 <= (int64_t)B64)
    BIN(I64_LE_U, A64 <= B64)
    BIN(I64_GE_S, (int64_t)A64 >= (int64_t)B64)
    BIN(I64_GE_U, A64 >= B64)
    BIN(F32_EQ, AF == BF)
    BIN(F32_NE, AF != BF)
    BIN(F32_LT, AF < BF)
    BIN(F32_GT, AF > BF)
    BIN(F32_LE, AF <= BF)
    BIN(F32_GE, AF >= BF)
    BIN(F64_EQ, AD == BD)
    BIN(F64_NE, AD != BD)
    BIN(F64_LT, AD < BD)
    BIN(F64_GT, AD > BD)
    BIN(F64_LE, AD <= BD)
    BIN(F64_GE, AD >= BD)
    UN(I32_CLZ, A32 ? (uint32_t)__builtin_clz(A32) : 32u)
    UN(I32_CTZ, A32 ? (uint32_t)__builtin_ctz(A32) : 32u)
    UN(I32_POPCNT, (uint32_t)__builtin_popcount(A32))
    BIN(I32_ADD, (uint32_t)(A32 + B32))
    BIN(I32_SUB, (uint32_t)(A32 - B32))
    BIN(I32_MUL, (uint32_t)(A32 * B32))
    VM_CASE(I32_DIV_S)
    {
        int32_t a = (int32_t)A32, b = (int32_t)B32;
        if (b == 0) TRAP(DIV_ZERO);
        if (a == INT32_MIN && b == -1) TRAP(INT_OVERFLOW);
        fp[pc[1]] = (uint32_t)(a / b);
        VM_NEXT(4);
    }
    VM_CASE(I32_DIV_U)
    {
        if (B32 == 0) TRAP(DIV_ZERO);
        fp[pc[1]] = A32 / B32;
        VM_NEXT(4);
    }
    VM_CASE(I32_REM_S)
    {
        int32_t a = (int32_t)A32, b = (int32_t)B32;
        if (b == 0) TRAP(DIV_ZERO);
        fp[pc[1]] = b == -1 ? 0 : (uint32_t)(a % b);
        VM_NEXT(4);
    }
    VM_CASE(I32_REM_U)
    {
        if (B32 == 0) TRAP(DIV_ZERO);
        fp[pc[1]] = A32 % B32;
        VM_NEXT(4);
    }
    BIN(I32_AND, A32 & B32)
    BIN(I32_OR, A32 | B32)
    BIN(I32_XOR, A32 ^ B32)
    BIN(I32_SHL, (uint32_t)(A32 << (B32 & 31)))
    BIN(I32_SHR_S, (uint32_t)((int32_t)A32 >> (B32 & 31)))
    BIN(I32_SHR_U, A32 >> (B32 & 31))
    BIN(I32_ROTL, rotl32(A32, B32))
    BIN(I32_ROTR, rotr32(A32, B32))
    UN(I64_CLZ, A64 ? (uint64_t)__builtin_clzll(A64) : 64u)
    UN(I64_CTZ, A64 ? (uint64_t)__builtin_ctzll(A64) : 64u)
    UN(I64_POPCNT, (uint64_t)__builtin_popcountll(A64))
    BIN(I64_ADD, A64 + B64)
    BIN(I64_SUB, A64 - B64)
    BIN(I64_MUL, A64 * B64)
    VM_CASE(I64_DIV_S)
    {
        int64_t a = (int64_t)A64, b = (int64_t)B64;
        if (b == 0) TRAP(DIV_ZERO);
        if (a == INT64_MIN && b == -1) TRAP(INT_OVERFLOW);
        fp[pc[1]] = (uint64_t)(a / b);
        VM_NEXT(4);
    }
    VM_CASE(I64_DIV_U)
    {
        if (B64 == 0) TRAP(DIV_ZERO);
        fp[pc[1]] = A64 / B64;
        VM_NEXT(4);
    }
    VM_CASE(I64_REM_S)
    {
        int64_t a = (int64_t)A64, b = (int64_t)B64;
        if (b == 0) TRAP(DIV_ZERO);
        fp[pc[1]] = b == -1 ? 0 : (uint64_t)(a % b);
        VM_NEXT(4);
    }
    VM_CASE(I64_REM_U)
    {
        if (B64 == 0) TRAP(DIV_ZERO);
        fp[pc[1]] = A64 % B64;
        VM_NEXT(4);
    }
    BIN(I64_AND, A64 & B64)
    BIN(I64_OR, A64 | B64)
    BIN(I64_XOR, A64 ^ B64)
    BIN(I64_SHL, A64 << (B64 & 63))
    BIN(I64_SHR_S, (uint64_t)((int64_t)A64 >> (B64 & 63)))
    BIN(I64_SHR_U, A64 >> (B64 & 63))
    BIN(I64_ROTL, rotl64(A64, B64))
    BIN(I64_ROTR, rotr64(A64, B64))
    UN(F32_ABS, A32 & 0x7fffffffu)
    UN(F32_NEG, A32 ^ 0x80000000u)
    UN(F32_CEIL, of_f32(isnan(AF) ? AF + AF : ceilf(AF)))
    UN(F32_FLOOR, of_f32(isnan(AF) ? AF + AF : floorf(AF)))
    UN(F32_TRUNC, of_f32(isnan(AF) ? AF + AF : truncf(AF)))
    UN(F32_NEAREST, of_f32(isnan(AF) ? AF + AF : nearbyintf(AF)))
    UN(F32_SQRT, of_f32(sqrtf(AF)))
    BIN(F32_ADD, of_f32(AF + BF))
    BIN(F32_SUB, of_f32(AF - BF))
    BIN(F32_MUL, of_f32(AF * BF))
    BIN(F32_DIV, of_f32(AF / BF))
    BIN(F32_MIN, of_f32(wmin32(AF, BF)))
    BIN(F32_MAX, of_f32(wmax32(AF, BF)))
    BIN(F32_COPYSIGN, (A32 & 0x7fffffffu) | (B32 & 0x80000000u))
    UN(F64_ABS, A64 & 0x7fffffffffffffffull)
    UN(F64_NEG, A64 ^ 0x8000000000000000ull)
    UN(F64_CEIL, of_f64(isnan(AD) ? AD + AD : ceil(AD)))
    UN(F64_FLOOR, of_f64(isnan(AD) ? AD + AD : floor(AD)))
    UN(F64_TRUNC, of_f64(isnan(AD) ? AD + AD : trunc(AD)))
    UN(F64_NEAREST, of_f64(isnan(AD) ? AD + AD : nearbyint(AD)))
    UN(F64_SQRT, of_f64(sqrt(AD)))
    BIN(F64_ADD, of_f64(AD + BD))
    BIN(F64_SUB, of_f64(AD - BD))
    BIN(F64_MUL, of_f64(AD * BD))
    BIN(F64_DIV, of_f64(AD / BD))
    BIN(F64_MIN, of_f64(wmin64(AD, BD)))
    BIN(F64_MAX, of_f64(wmax64(AD, BD)))
    BIN(F64_COPYSIGN, (A64 & 0x7fffffffffffffffull) | (B64 & 0x8000000000000000ull))
    UN(I32_WRAP_I64, (uint32_t)A64)
#define TRUNC(name, T, X, lo_ok, hi_ok, conv)                       \
    VM_CASE(name)                                                   \
    {                                                               \
        T x = X;                                                    \
        if (isnan(x)) TRAP(INVALID_CONV);                           \
        if (!(lo_ok) || !(hi_ok)) TRAP(INT_OVERFLOW);               \
        fp[pc[1]] = conv;                                           \
        VM_NEXT(3);                                                 \
    }
    TRUNC(I32_TRUNC_F32_S, float, AF, x >= -2147483648.0f, x < 2147483648.0f, (uint32_t)(int32_t)x)
    TRUNC(I32_TRUNC_F32_U, float, AF, x > -1.0f, x < 4294967296.0f, (uint32_t)x)
    TRUNC(I32_TRUNC_F64_S, double, AD, x > -2147483649.0, x < 2147483648.0, (uint32_t)(int32_t)x)
    TRUNC(I32_TRUNC_F64_U, double, AD, x > -1.0, x < 4294967296.0, (uint32_t)x)
    TRUNC(I64_TRUNC_F32_S, float, AF, x >= -9223372036854775808.0f, x < 9223372036854775808.0f,
          (uint64_t)(int64_t)x)
    TRUNC(I64_TRUNC_F32_U, float, AF, x > -1.0f, x < 18446744073709551616.0f, (uint64_t)x)
    TRUNC(I64_TRUNC_F64_S, double, AD, x >= -9223372036854775808.0, x < 9223372036854775808.0,
          (uint64_t)(int64_t)x)
    TRUNC(I64_TRUNC_F64_U, double, AD, x > -1.0, x < 18446744073709551616.0, (uint64_t)x)
    UN(I64_EXTEND_I32_S, (uint64_t)(int64_t)(int32_t)A32)
    UN(I64_EXTEND_I32_U, (uint64_t)A32)
    UN(F32_CONVERT_I32_S, of_f32((float)(int32_t)A32))
    UN(F32_CONVERT_I32_U, of_f32((float)A32))
    UN(F32_CONVERT_I64_S, of_f32((float)(int64_t)A64))
    UN(F32_CONVERT_I64_U, of_f32((float)A64))
    UN(F32_DEMOTE_F64, of_f32((float)AD))
    UN(F64_CONVERT_I32_S, of_f64((double)(int32_t)A32))
    UN(F64_CONVERT_I32_U, of_f64((double)A32))
    UN(F64_CONVERT_I64_S, of_f64((double)(int64_t)A64))
    UN(F64_CONVERT_I64_U, of_f64((double)A64))
    UN(F64_PROMOTE_F32, of_f64((double)AF))
    UN(I32_REINTERPRET_F32, A32)
    UN(I64_REINTERPRET_F64, A64)
    UN(F32_REINTERPRET_I32, A32)
    UN(F64_REINTERPRET_I64, A64)
    UN(I32_EXTEND8_S, (uint32_t)(int32_t)(int8_t)A32)
    UN(I32_EXTEND16_S, (uint32_t)(int32_t)(int16_t)A32)
    UN(I64_EXTEND8_S, (uint64_t)(int64_t)(int8_t)A64)
    UN(I64_EXTEND16_S, (uint64_t)(int64_t)(int16_t)A64)
    UN(I64_EXTEND32_S, (uint64_t)(int64_t)(int32_t)A64)
    UN(I32_TRUNC_SAT_F32_S, sat_s32(AF))
    UN(I32_TRUNC_SAT_F32_U, sat_u32(AF))
    UN(I32_TRUNC_SAT_F64_S, sat_s32(AD))
    UN(I32_TRUNC_SAT_F64_U, sat_u32(AD))
    UN(I64_TRUNC_SAT_F32_S, sat_s64(AF))
    UN(I64_TRUNC_SAT_F32_U, sat_u64(AF))
    UN(I64_TRUNC_SAT_F64_S, sat_s64(AD))
    UN(I64_TRUNC_SAT_F64_U, sat_u64(AD))

    /* ------------------------------------------- fused (translator) ops */
#define IMM32 (pc[3])
#define IMM64 ((uint64_t)(int64_t)(int32_t)pc[3])
    BIN(I32_ADD_I, (uint32_t)(A32 + IMM32))
    BIN(I32_MUL_I, (uint32_t)(A32 * IMM32))
    BIN(I32_AND_I, A32 & IMM32)
    BIN(I32_OR_I, A32 | IMM32)
    BIN(I32_XOR_I, A32 ^ IMM32)
    BIN(I32_SHL_I, (uint32_t)(A32 << (IMM32 & 31)))
    BIN(I32_SHR_S_I, (uint32_t)((int32_t)A32 >> (IMM32 & 31)))
    BIN(I32_SHR_U_I, A32 >> (IMM32 & 31))
    BIN(I64_ADD_I, A64 + IMM64)
    BIN(I64_MUL_I, A64 * IMM64)
    BIN(I64_AND_I, A64 & IMM64)
    BIN(I64_OR_I, A64 | IMM64)
    BIN(I64_XOR_I, A64 ^ IMM64)
    BIN(I64_SHL_I, A64 << (IMM64 & 63))
    BIN(I64_SHR_S_I, (uint64_t)((int64_t)A64 >> (IMM64 & 63)))
    BIN(I64_SHR_U_I, A64 >> (IMM64 & 63))
    BIN(I32_EQ_I, A32 == IMM32)
    BIN(I32_NE_I, A32 != IMM32)
    BIN(I32_LT_S_I, (int32_t)A32 < (int32_t)IMM32)
    BIN(I32_LT_U_I, A32 < IMM32)
    BIN(I32_GT_S_I, (int32_t)A32 > (int32_t)IMM32)
    BIN(I32_GT_U_I, A32 > IMM32)
    BIN(I32_LE_S_I, (int32_t)A32 <= (int32_t)IMM32)
    BIN(I32_LE_U_I, A32 <= IMM32)
    BIN(I32_GE_S_I, (int32_t)A32 >= (int32_t)IMM32)
    BIN(I32_GE_U_I, A32 >= IMM32)
    BIN(I32_ROTL_I, rotl32(A32, IMM32))
    BIN(I32_ROTR_I, rotr32(A32, IMM32))
    BIN(I64_ROTL_I, rotl64(A64, IMM64))
    BIN(I64_ROTR_I, rotr64(A64, IMM64))
#define LOAD_A(name, T, n, conv)                                          \
    VM_CASE(name)                                                         \
    {                                                                     \
        uint64_t ea = (uint64_t)(uint32_t)((uint32_t)fp[pc[2]] + pc[3]) + pc[4]; \
        if (ea + (n) > mem_size)                                          \
            TRAP(MEM_OOB);                                                \
        T v;                                                              \
        memcpy(&v, mem_base + ea, n);                                     \
        fp[pc[1]] = conv;                                                 \
        VM_NEXT(5);                                                       \
    }
    LOAD_A(LD32_A, uint32_t, 4, (uint64_t)v)
    LOAD_A(LD64_A, uint64_t, 8, v)
    LOAD_A(LD8S32_A, int8_t, 1, (uint32_t)(int32_t)v)
    LOAD_A(LD8U_A, uint8_t, 1, (uint64_t)v)
    LOAD_A(LD16S32_A, int16_t, 2, (uint32_t)(int32_t)v)
    LOAD_A(LD16U_A, uint16_t, 2, (uint64_t)v)
    LOAD_A(LD8S64_A, int8_t, 1, (uint64_t)(int64_t)v)
    LOAD_A(LD16S64_A, int16_t, 2, (uint64_t)(int64_t)v)
    LOAD_A(LD32S64_A, int32_t, 4, (uint64_t)(int64_t)v)
#define STORE_A(name, T, n)                                               \
    VM_CASE(name)                                                         \
    {                                                                     \
        uint64_t ea = (uint64_t)(uint32_t)((uint32_t)fp[pc[1]] + pc[2]) + pc[4]; \
        if (ea + (n) > mem_size)                                          \
            TRAP(MEM_OOB);                                                \
        T v = (T)fp[pc[3]];                                               \
        memcpy(mem_base + ea, &v, n);                                     \
        VM_NEXT(5);                                                       \
    }
    STORE_A(ST32_A, uint32_t, 4)
    STORE_A(ST64_A, uint64_t, 8)
    STORE_A(ST8_A, uint8_t, 1)
    STORE_A(ST16_A, uint16_t, 2)
#define OP_LD(name, T, n, R, expr)                                        \
    VM_CASE(name)                                                         \
    {                                                                     \
        uint64_t ea = (uint64_t)(uint32_t)((uint32_t)fp[pc[3]] + pc[4]) + pc[5]; \
        if (ea + (n) > mem_size)                                          \
            TRAP(MEM_OOB);                                                \
        T m;                                                              \
        memcpy(&m, mem_base + ea, n);                                     \
        R x = (R)fp[pc[2]];                                               \
        fp[pc[1]] = (expr);                                               \
        VM_NEXT(6);                                                       \
    }
    OP_LD(I32_MUL_LD, uint32_t, 4, uint32_t, (uint32_t)(x * m))
    OP_LD(I32_ADD_LD, uint32_t, 4, uint32_t, (uint32_t)(x + m))
    OP_LD(F64_MUL_LD, double, 8, uint64_t, of_f64(f64_of(x) * m))
    VM_CASE(COPY_PAIR)
    {
        fp[pc[1]] = fp[pc[2]];
        fp[pc[3]] = fp[pc[4]];
        VM_NEXT(5);
    }
    VM_CASE(I32_ROTL_XOR)
    {
        fp[pc[1]] = (uint32_t)(rotl32(A32, pc[3]) ^ (uint32_t)fp[pc[4]]);
        VM_NEXT(5);
    }
    VM_CASE(F64_ADD3R)
    {
        double t = f64_of(fp[pc[3]]) + f64_of(fp[pc[4]]);
        fp[pc[1]] = of_f64(f64_of(fp[pc[2]]) + t);
        VM_NEXT(5);
    }
    VM_CASE(I32_ADD3) { fp[pc[1]] = (uint32_t)((uint32_t)fp[pc[2]] + (uint32_t)fp[pc[3]] + (uint32_t)fp[pc[4]]); VM_NEXT(5); }
    VM_CASE(F64_ADD3)
    {
        double t = f64_of(fp[pc[2]]) + f64_of(fp[pc[3]]);
        fp[pc[1]] = of_f64(t + f64_of(fp[pc[4]]));
        VM_NEXT(5);
    }
#define INC_BR(name, cond)                           \
    VM_CASE(name)                                    \
    {                                                \
        uint32_t a = (uint32_t)fp[pc[1]] + pc[2];    \
        uint32_t b = pc[3];                          \
        fp[pc[1]] = a;                               \
        if (cond)                                    \
            JUMP(4);                                 \
        VM_NEXT(5);                                  \
    }
    INC_BR(INC_BR_NE_I, a != b)
    INC_BR(INC_BR_LT_S_I, (int32_t)a < (int32_t)b)
    INC_BR(INC_BR_LT_U_I, a < b)
#define BRC(name, cond)                              \
    VM_CASE(name)                                    \
    {                                                \
        uint32_t a = (uint32_t)fp[pc[1]];            \
        uint32_t b = (uint32_t)fp[pc[2]];            \
        if (cond)                                    \
            JUMP(3);                                 \
        VM_NEXT(4);                                  \
    }
#define BRCI(name, cond)                             \
    VM_CASE(name)                                    \
    {                                                \
        uint32_t a = (uint32_t)fp[pc[1]];            \
        uint32_t b = pc[2];                          \
        if (cond)                                    \
            JUMP(3);                                 \
        VM_NEXT(4);                                  \
    }
    BRC(BR_EQ, a == b)
    BRC(BR_NE, a != b)
    BRC(BR_LT_S, (int32_t)a < (int32_t)b)
    BRC(BR_LT_U, a < b)
    BRC(BR_GT_S, (int32_t)a > (int32_t)b)
    BRC(BR_GT_U, a > b)
    BRC(BR_LE_S, (int32_t)a <= (int32_t)b)
    BRC(BR_LE_U, a <= b)
    BRC(BR_GE_S, (int32_t)a >= (int32_t)b)
    BRC(BR_GE_U, a >= b)
    BRCI(BR_EQ_I, a == b)
    BRCI(BR_NE_I, a != b)
    BRCI(BR_LT_S_I, (int32_t)a < (int32_t)b)
    BRCI(BR_LT_U_I, a < b)
    BRCI(BR_GT_S_I, (int32_t)a > (int32_t)b)
    BRCI(BR_GT_U_I, a > b)
    BRCI(BR_LE_S_I, (int32_t)a <= (int32_t)b)
    BRCI(BR_LE_U_I, a <= b)
    BRCI(BR_GE_S_I, (int32_t)a >= (int32_t)b)
    BRCI(BR_GE_U_I, a >= b)

#ifdef WASM_SWITCH_DISPATCH
    default:
        trap = WASM_TRAP_HOST;
        goto do_trap;
    }
#endif

do_trap:
    res->trap = trap;
    snprintf(res->message, sizeof res->message, "%s", wasm_trap_str(trap));
done_trap:
    root->depth = base_depth;
    root->sp_top = saved_top;
    return trap;
done:
    root->depth = base_depth;
    root->sp_top = saved_top;
    res->trap = WASM_TRAP_NONE;
    return WASM_TRAP_NONE;
}

/* Rewrites a translated body's opcode words into handler offsets (direct
 * threading); the switch build keeps opcode numbers. Runs once per body,
 * before the module is shared. */
static const uint8_t op_words[WASM__OP_COUNT] = {
#define OPW_C(name, n) 1 + n,
#define OPW_HAS_NONE 0
#define OPW_HAS_I32 1
#define OPW_HAS_I64 1
#define OPW_HAS_F32 1
#define OPW_HAS_F64 1
#define OPW_N(name, code, a, b, r) 3 + OPW_HAS_##b,
    WASM__CONTROL_OPS(OPW_C) WASM__NUMERIC_OPS(OPW_N)
#undef OPW_C
#undef OPW_N
};

void wasm__thread_code(uint32_t *code, size_t n)
{
#ifdef WASM_SWITCH_DISPATCH
    (void)code, (void)n, (void)op_words;
#else
    const int32_t *offsets = NULL;
    wasm__run(NULL, NULL, (uint64_t *)(void *)&offsets, NULL);
    for (size_t i = 0; i < n;) {
        uint32_t op = code[i];
        size_t len = op == WASM__OP_BR_TABLE ? 3 + (size_t)code[i + 2] + 1 : op_words[op];
        code[i] = (uint32_t)offsets[op];
        i += len;
    }
#endif
}
