/* wasm_compile.c: validates one function body and translates it, in one pass.
 *
 * The validator follows the spec's algorithm (an operand stack of types and
 * a control stack of frames, with the polymorphic "unreachable" state). The
 * same walk emits interpreter code: because the height of the operand stack
 * is static, each stack entry has a fixed home slot, and each instruction
 * becomes an op whose operands are slots. A `local.get` does not copy: the
 * entry points at the local's slot until something could change it; a
 * `local.set` retargets the previous instruction's destination when it can.
 * Branch targets are resolved here (forward ones through fixup chains).
 */
#include <stdio.h>

#include "wasm/wasm_int.h"

#define NOPOS UINT32_MAX
#define VIRT_MAX_STACK 256u /* above this depth local.get copies at once */

enum { OPD_REAL, OPD_LOCAL, OPD_CONST };

typedef struct opd {
    uint8_t type;  /* valtype, 0 = unknown (polymorphic) */
    uint8_t kind;  /* REAL: in home; LOCAL: still in the local's slot `at`;
                    * CONST: not written yet, the value is cval */
    uint32_t home; /* the entry's own slot */
    uint32_t at;   /* where the value is now: home, or a local's slot */
    uint64_t cval;
} opd;

enum { K_FUNC, K_BLOCK, K_LOOP, K_IF, K_ELSE };

typedef struct ctl {
    uint8_t kind;
    bool unreachable;         /* the spec's flag: the stack is polymorphic */
    bool dead;                /* inside unreachable code: emit nothing */
    uint8_t single;           /* storage for a one-value block type */
    uint32_t nparams, nresults;
    const uint8_t *params, *results;
    uint32_t height;          /* operand count below the frame */
    uint32_t slot_base;       /* home slot of the first param / result */
    uint32_t loop_pc;         /* LOOP: code index of the loop head */
    uint32_t fixups;          /* chain of forward branch offset words */
    uint32_t else_fix;        /* IF: offset word of the BR_UNLESS */
} ctl;

typedef struct cc {
    wasm_module *m;
    const uint8_t *base;
    size_t pos, end;
    bx_error *detail;
    uint32_t *code;
    size_t ncode, capcode;
    opd *stk;
    size_t nstk, capstk;
    ctl *ctls;
    size_t nctl, capctl;
    uint32_t nlocals;         /* params + declared */
    uint8_t *ltypes;
    uint32_t *lslot;
    uint32_t *vref;           /* per slot: virtual stack entries pointing here */
    uint32_t local_slots;
    uint32_t cur_slot, max_slot;
    uint32_t fuel_pos, fuel_count;
    uint32_t last_dst;        /* code index of the dst word of the last producer */
    uint32_t last_op;         /* code index of the last instruction's opcode */
    uint32_t prev_op, prev_dst; /* the same for the instruction before it */
    uint32_t nvirt;
} cc;

#define MALFORMED(c, ...) wasm__fail((c)->detail, (c)->pos, BX_PARSE, __VA_ARGS__)
#define INVALID(c, ...) wasm__fail((c)->detail, (c)->pos, BX_INVALID, __VA_ARGS__)

/* ------------------------------------------------------------- reading */

static bx_err rd_u8(cc *c, uint8_t *out)
{
    if (c->pos >= c->end)
        return MALFORMED(c, "unexpected end");
    *out = c->base[c->pos++];
    return BX_OK;
}

static bx_err rd_leb(cc *c, unsigned bits, bool is_signed, uint64_t *out)
{
    const char *why;
    if (!wasm__leb_read(c->base, &c->pos, c->end, bits, is_signed, out, &why))
        return MALFORMED(c, "%s", why);
    return BX_OK;
}

static bx_err rd_u32(cc *c, uint32_t *out)
{
    uint64_t v;
    WASM_TRY(rd_leb(c, 32, false, &v));
    *out = (uint32_t)v;
    return BX_OK;
}

static bx_err rd_bytes(cc *c, void *out, size_t n)
{
    if (c->end - c->pos < n)
        return MALFORMED(c, "unexpected end");
    memcpy(out, c->base + c->pos, n);
    c->pos += n;
    return BX_OK;
}

static bx_err rd_zero(cc *c)
{
    uint8_t b;
    WASM_TRY(rd_u8(c, &b));
    if (b != 0)
        return MALFORMED(c, "zero byte expected");
    return BX_OK;
}

/* ------------------------------------------------------------- emitting */

static inline ctl *top_ctl(cc *c) { return &c->ctls[c->nctl - 1]; }
static inline bool live(cc *c) { return !top_ctl(c)->unreachable && !top_ctl(c)->dead; }

static bx_err reserve(cc *c, size_t n)
{
    if (c->ncode + n <= c->capcode)
        return BX_OK;
    size_t cap = c->capcode ? c->capcode * 2 : 256;
    while (cap < c->ncode + n)
        cap *= 2;
    if (cap > WASM__MAX_CODE_WORDS)
        return INVALID(c, "function too large");
    c->code = bx_realloc(c->code, cap * sizeof *c->code);
    c->capcode = cap;
    return BX_OK;
}

static bx_err emit(cc *c, unsigned n, const uint32_t *w)
{
    WASM_TRY(reserve(c, n));
    c->prev_op = c->last_op;
    c->prev_dst = c->last_dst;
    c->last_op = (uint32_t)c->ncode;
    memcpy(c->code + c->ncode, w, n * sizeof *w);
    c->ncode += n;
    c->last_dst = NOPOS;
    return BX_OK;
}

#define EMIT(c, ...)                                                               \
    do {                                                                           \
        const uint32_t w_[] = {__VA_ARGS__};                                       \
        WASM_TRY(emit(c, (unsigned)BX_ARRAY_LEN(w_), w_));                              \
    } while (0)

/* Emits a producer whose first operand is its destination slot, so a
 * following local.set may retarget it. */
#define EMIT_DST(c, ...)                                                           \
    do {                                                                           \
        const uint32_t w_[] = {__VA_ARGS__};                                       \
        WASM_TRY(emit(c, (unsigned)BX_ARRAY_LEN(w_), w_));                              \
        c->last_dst = (uint32_t)(c->ncode - BX_ARRAY_LEN(w_) + 1);                 \
    } while (0)

static bx_err emit_copy(cc *c, uint8_t type, uint32_t dst, uint32_t src)
{
    if (dst == src || type == 0)
        return BX_OK;
    /* Two single-slot copies in a row become one op (same order). */
    if (type != WASM_V128 && c->last_op != NOPOS && c->last_op + 3 == c->ncode &&
        c->code[c->last_op] == WASM__OP_COPY) {
        c->code[c->last_op] = WASM__OP_COPY_PAIR;
        WASM_TRY(reserve(c, 2));
        c->code[c->ncode++] = dst;
        c->code[c->ncode++] = src;
        c->prev_op = NOPOS;
        c->last_dst = NOPOS;
        return BX_OK;
    }
    EMIT(c, type == WASM_V128 ? WASM__OP_COPY2 : WASM__OP_COPY, dst, src);
    return BX_OK;
}

static void patch_chain(cc *c, uint32_t head, uint32_t target)
{
    while (head != NOPOS) {
        uint32_t next = c->code[head];
        c->code[head] = (uint32_t)((int32_t)target - (int32_t)head);
        head = next;
    }
}

/* A label at the current position: no retargeting across it. */
static void mark_label(cc *c) { c->last_dst = NOPOS, c->last_op = NOPOS, c->prev_op = NOPOS; }

/* ------------------------------------------------------- operand stack */

static bx_err push(cc *c, uint8_t type)
{
    if (c->nstk >= WASM__MAX_OPERANDS)
        return INVALID(c, "operand stack too deep");
    if (c->nstk == c->capstk) {
        c->capstk = c->capstk ? c->capstk * 2 : 64;
        c->stk = bx_realloc(c->stk, c->capstk * sizeof *c->stk);
    }
    uint32_t sz = wasm__valtype_slots(type);
    if (c->cur_slot > UINT32_MAX / 2)
        return INVALID(c, "function too large");
    c->stk[c->nstk++] = (opd){type, OPD_REAL, c->cur_slot, c->cur_slot, 0};
    c->cur_slot += sz;
    if (c->cur_slot > c->max_slot)
        c->max_slot = c->cur_slot;
    return BX_OK;
}

static void unvirt(cc *c, opd *o)
{
    if (o->kind == OPD_LOCAL)
        c->vref[o->at]--;
    if (o->kind != OPD_REAL)
        c->nvirt--;
    o->kind = OPD_REAL;
    o->at = o->home;
}

static bx_err emit_const(cc *c, uint8_t type, uint32_t dst, uint64_t v)
{
    if (type == WASM_I32 || type == WASM_F32)
        EMIT_DST(c, WASM__OP_CONST32, dst, (uint32_t)v);
    else
        EMIT_DST(c, WASM__OP_CONST64, dst, (uint32_t)v, (uint32_t)(v >> 32));
    return BX_OK;
}

/* Pops an operand of type want (0 = any) without writing a virtual
 * constant: the caller may use o.kind == OPD_CONST as an immediate. */
static bx_err pop_raw(cc *c, uint8_t want, opd *out)
{
    ctl *f = top_ctl(c);
    if (c->nstk == f->height) {
        if (f->unreachable) {
            *out = (opd){want, OPD_REAL, c->cur_slot, c->cur_slot, 0};
            return BX_OK;
        }
        return INVALID(c, "type mismatch");
    }
    opd o = c->stk[--c->nstk];
    if (want && o.type && o.type != want) {
        c->nstk++;
        return INVALID(c, "type mismatch");
    }
    if (o.kind == OPD_LOCAL)
        c->vref[o.at]--;
    if (o.kind != OPD_REAL)
        c->nvirt--;
    c->cur_slot = o.home;
    if (!o.type)
        o.type = want;
    *out = o;
    return BX_OK;
}

/* Writes a popped constant into its home slot (before its consumer). */
static bx_err const_to_home(cc *c, opd *o)
{
    if (o->kind != OPD_CONST)
        return BX_OK;
    if (live(c))
        WASM_TRY(emit_const(c, o->type, o->home, o->cval));
    o->kind = OPD_REAL;
    return BX_OK;
}

static bx_err pop_check(cc *c, uint8_t want, opd *out)
{
    WASM_TRY(pop_raw(c, want, out));
    return const_to_home(c, out);
}

static bx_err materialize(cc *c, opd *o)
{
    if (o->kind == OPD_REAL)
        return BX_OK;
    if (live(c)) {
        if (o->kind == OPD_CONST)
            WASM_TRY(emit_const(c, o->type, o->home, o->cval));
        else
            WASM_TRY(emit_copy(c, o->type, o->home, o->at));
    }
    unvirt(c, o);
    return BX_OK;
}

static bx_err push_const(cc *c, uint8_t type, uint64_t v)
{
    WASM_TRY(push(c, type));
    opd *o = &c->stk[c->nstk - 1];
    if (c->nstk > VIRT_MAX_STACK) {
        if (live(c))
            WASM_TRY(emit_const(c, type, o->home, v));
        return BX_OK;
    }
    o->kind = OPD_CONST;
    o->cval = v;
    c->nvirt++;
    return BX_OK;
}

static void push_local_ref(cc *c, uint32_t slot)
{
    opd *o = &c->stk[c->nstk - 1];
    o->kind = OPD_LOCAL;
    o->at = slot;
    c->vref[slot]++;
    c->nvirt++;
}

/* Virtual entries only exist below VIRT_MAX_STACK, so scans stop there
 * (keeps translation linear on huge operand stacks). */
static size_t virt_limit(const cc *c) { return BX_MIN(c->nstk, (size_t)VIRT_MAX_STACK); }

static bx_err materialize_all(cc *c)
{
    if (!c->nvirt)
        return BX_OK;
    for (size_t i = 0; i < virt_limit(c); i++)
        WASM_TRY(materialize(c, &c->stk[i]));
    return BX_OK;
}

/* The top n entries must match types (in push order); they stay pushed. */
static bx_err check_top(cc *c, uint32_t n, const uint8_t *types)
{
    ctl *f = top_ctl(c);
    for (uint32_t i = 0; i < n; i++) {
        size_t depth = n - i; /* 1 = top */
        if (c->nstk < f->height + depth) {
            if (f->unreachable)
                continue;
            return INVALID(c, "type mismatch");
        }
        const opd *o = &c->stk[c->nstk - depth];
        if (o->type && o->type != types[i])
            return INVALID(c, "type mismatch");
    }
    return BX_OK;
}

static bx_err pop_types(cc *c, uint32_t n, const uint8_t *types)
{
    for (uint32_t i = n; i-- > 0;) {
        opd o;
        WASM_TRY(pop_check(c, types[i], &o));
    }
    return BX_OK;
}

static bx_err push_types(cc *c, uint32_t n, const uint8_t *types)
{
    for (uint32_t i = 0; i < n; i++)
        WASM_TRY(push(c, types[i]));
    return BX_OK;
}

/* ------------------------------------------------------------- control */

static bx_err push_ctl(cc *c, uint8_t kind, uint32_t np, const uint8_t *p, uint32_t nr,
                       const uint8_t *r, uint8_t single)
{
    if (c->nctl >= WASM__MAX_NESTING)
        return INVALID(c, "blocks nested too deeply");
    if (c->nctl == c->capctl) {
        c->capctl = c->capctl ? c->capctl * 2 : 16;
        c->ctls = bx_realloc(c->ctls, c->capctl * sizeof *c->ctls);
    }
    ctl *f = &c->ctls[c->nctl++];
    memset(f, 0, sizeof *f);
    f->kind = kind;
    f->single = single;
    f->nparams = np;
    f->params = p;
    f->nresults = nr;
    f->results = r; /* NULL with nr == 1: the type is in single */
    f->height = (uint32_t)(c->nstk - np);
    f->slot_base = np ? c->stk[c->nstk - np].home : c->cur_slot;
    f->fixups = NOPOS;
    f->else_fix = NOPOS;
    f->dead = c->nctl > 1 && (c->ctls[c->nctl - 2].unreachable || c->ctls[c->nctl - 2].dead);
    return BX_OK;
}

/* Block type: 0x40, a value type, or a type index (s33). */
static bx_err rd_blocktype(cc *c, uint32_t *np, const uint8_t **p, uint32_t *nr,
                           const uint8_t **r, uint8_t *single)
{
    if (c->pos >= c->end)
        return MALFORMED(c, "unexpected end");
    uint8_t b = c->base[c->pos];
    *np = 0, *p = NULL, *nr = 0, *r = NULL, *single = 0;
    if (b == 0x40) {
        c->pos++;
        return BX_OK;
    }
    if (b == WASM_I32 || b == WASM_I64 || b == WASM_F32 || b == WASM_F64 || b == WASM_V128 ||
        b == WASM_FUNCREF || b == WASM_EXTERNREF) {
        c->pos++;
        *nr = 1;
        *single = b;
        return BX_OK;
    }
    uint64_t v;
    WASM_TRY(rd_leb(c, 33, true, &v));
    int64_t idx = (int64_t)v;
    if (idx & ((int64_t)1 << 32))
        idx |= ~(((int64_t)1 << 33) - 1);
    if (idx < 0)
        return MALFORMED(c, "malformed value type");
    if ((uint64_t)idx >= c->m->ntypes)
        return INVALID(c, "unknown type %lld", (long long)idx);
    const wasm__functype *t = &c->m->types[idx];
    *np = t->pub.nparams;
    *p = t->vt;
    *nr = t->pub.nresults;
    *r = t->vt + t->pub.nparams;
    return BX_OK;
}

static void set_unreachable(cc *c)
{
    ctl *f = top_ctl(c);
    /* Drop the frame's operands; homes stay where they were. */
    while (c->nstk > f->height) {
        opd *o = &c->stk[--c->nstk];
        unvirt(c, o);
        c->cur_slot = o->home;
    }
    f->unreachable = true;
}

static inline const uint8_t *res_types(const ctl *f)
{
    return f->results ? f->results : &f->single;
}

static inline uint32_t label_arity(const ctl *f) { return f->kind == K_LOOP ? f->nparams : f->nresults; }
static inline const uint8_t *label_types(const ctl *f)
{
    return f->kind == K_LOOP ? f->params : res_types(f);
}

/* Copies the top n values (already materialized) to dst slots starting at
 * base. Sources lie at or above their destinations, so ascending is safe. */
static bx_err emit_moves(cc *c, uint32_t n, const uint8_t *types, uint32_t base)
{
    uint32_t dst = base;
    for (uint32_t i = 0; i < n; i++) {
        const opd *o = &c->stk[c->nstk - n + i];
        WASM_TRY(emit_copy(c, types[i], dst, o->home));
        dst += wasm__valtype_slots(types[i]);
    }
    return BX_OK;
}

static bool needs_moves(cc *c, uint32_t n, const uint8_t *types, uint32_t base)
{
    uint32_t dst = base;
    for (uint32_t i = 0; i < n; i++) {
        if (c->stk[c->nstk - n + i].home != dst)
            return true;
        dst += wasm__valtype_slots(types[i]);
    }
    return false;
}

/* Emits the jump part of a branch to label f (BR with offset). */
static bx_err emit_jump(cc *c, ctl *f)
{
    WASM_TRY(reserve(c, 2));
    c->code[c->ncode++] = WASM__OP_BR;
    uint32_t pos = (uint32_t)c->ncode++;
    if (f->kind == K_LOOP) {
        c->code[pos] = (uint32_t)((int32_t)f->loop_pc - (int32_t)pos);
    } else {
        c->code[pos] = f->fixups;
        f->fixups = pos;
    }
    c->last_dst = NOPOS;
    return BX_OK;
}

/* An unconditional branch to depth (values on top; stack materialized). */
static bx_err emit_branch(cc *c, uint32_t depth)
{
    ctl *f = &c->ctls[c->nctl - 1 - depth];
    uint32_t n = label_arity(f);
    const uint8_t *types = label_types(f);
    if (f->kind == K_FUNC) {
        WASM_TRY(emit_moves(c, n, types, 0));
        EMIT(c, WASM__OP_RETURN);
        return BX_OK;
    }
    WASM_TRY(emit_moves(c, n, types, f->slot_base));
    return emit_jump(c, f);
}

static bx_err rd_label(cc *c, uint32_t *depth)
{
    WASM_TRY(rd_u32(c, depth));
    if (*depth >= c->nctl)
        return INVALID(c, "unknown label %u", *depth);
    return BX_OK;
}

static bx_err op_end(cc *c, bool *done)
{
    ctl *f = top_ctl(c);
    WASM_TRY(check_top(c, f->nresults, res_types(f)));
    if (c->nstk > f->height + f->nresults)
        return INVALID(c, "type mismatch");
    if (c->nstk < f->height + f->nresults && !f->unreachable)
        return INVALID(c, "type mismatch");
    if (f->kind == K_IF && f->nparams != f->nresults)
        return INVALID(c, "type mismatch");
    if (f->kind == K_IF) {
        for (uint32_t i = 0; i < f->nparams; i++)
            if (f->params[i] != res_types(f)[i])
                return INVALID(c, "type mismatch");
    }
    if (live(c))
        WASM_TRY(materialize_all(c));
    if (f->kind == K_FUNC) {
        if (live(c)) {
            WASM_TRY(emit_moves(c, f->nresults, res_types(f), 0));
            EMIT(c, WASM__OP_RETURN);
        }
        *done = true;
        c->nctl--;
        return BX_OK;
    }
    /* Reset the stack to the frame's results at their homes. */
    while (c->nstk > f->height) {
        opd *o = &c->stk[--c->nstk];
        unvirt(c, o);
    }
    c->cur_slot = f->slot_base;
    uint32_t target = (uint32_t)c->ncode;
    if (f->kind == K_IF && f->else_fix != NOPOS)
        patch_chain(c, f->else_fix, target);
    patch_chain(c, f->fixups, target);
    mark_label(c);
    uint32_t nr = f->nresults;
    const uint8_t *res = f->results;
    uint8_t single = f->single;
    c->nctl--;
    if (!res)
        return nr ? push(c, single) : BX_OK;
    return push_types(c, nr, res);
}

/* ---------------------------------------------------------------- memory */

static bx_err rd_memarg(cc *c, uint32_t max_align, uint32_t *offset)
{
    uint32_t align;
    WASM_TRY(rd_u32(c, &align));
    WASM_TRY(rd_u32(c, offset));
    if (c->m->nmems == 0)
        return INVALID(c, "unknown memory 0");
    if (align >= 32)
        return MALFORMED(c, "malformed memop flags");
    if (align > max_align)
        return INVALID(c, "alignment must not be larger than natural");
    return BX_OK;
}

static bx_err need_mem(cc *c)
{
    if (c->m->nmems == 0)
        return INVALID(c, "unknown memory 0");
    return BX_OK;
}

static bx_err need_table(cc *c, uint32_t t)
{
    if (t >= c->m->ntables)
        return INVALID(c, "unknown table %u", t);
    return BX_OK;
}

static bx_err need_data(cc *c, uint32_t d)
{
    if (!c->m->has_datacount) {
        /* Decided once the data section is known (wasm__decode). */
        c->m->needs_datacount = true;
        if (d + 1 > c->m->max_data_ref)
            c->m->max_data_ref = d + 1;
        return BX_OK;
    }
    if (d >= c->m->datacount)
        return INVALID(c, "unknown data segment %u", d);
    return BX_OK;
}

static bx_err need_elem(cc *c, uint32_t e)
{
    if (e >= c->m->nelems)
        return INVALID(c, "unknown elem segment %u", e);
    return BX_OK;
}

/* ---------------------------------------------------------------- numeric */

typedef struct numinfo {
    uint16_t op;
    uint8_t a, b, r; /* types; b = 0 for unary */
    bool valid;
} numinfo;

#define NONE 0
#define I32 WASM_I32
#define I64 WASM_I64
#define F32 WASM_F32
#define F64 WASM_F64
static const numinfo numtab[0x108] = {
#define NUM_ROW(name, code, ta, tb, tr) [code] = {WASM__OP_##name, ta, tb, tr, true},
    WASM__NUMERIC_OPS(NUM_ROW)
#undef NUM_ROW
};
#undef I32
#undef I64
#undef F32
#undef F64
#undef NONE

static bool is_nop_conv(uint32_t code)
{
    return code == 0xA7 || (code >= 0xBC && code <= 0xBF);
}

/* Immediate forms: for wasm opcode x, the op taking `dst, a, imm`. */
static uint16_t imm_form(uint32_t code)
{
    static const uint16_t tab[0xC5] = {
        [0x6A] = WASM__OP_I32_ADD_I,  [0x6C] = WASM__OP_I32_MUL_I,  [0x71] = WASM__OP_I32_AND_I,
        [0x72] = WASM__OP_I32_OR_I,   [0x73] = WASM__OP_I32_XOR_I,  [0x74] = WASM__OP_I32_SHL_I,
        [0x75] = WASM__OP_I32_SHR_S_I, [0x76] = WASM__OP_I32_SHR_U_I,
        [0x77] = WASM__OP_I32_ROTL_I, [0x78] = WASM__OP_I32_ROTR_I,
        [0x89] = WASM__OP_I64_ROTL_I, [0x8A] = WASM__OP_I64_ROTR_I,
        [0x7C] = WASM__OP_I64_ADD_I,  [0x7E] = WASM__OP_I64_MUL_I,  [0x83] = WASM__OP_I64_AND_I,
        [0x84] = WASM__OP_I64_OR_I,   [0x85] = WASM__OP_I64_XOR_I,  [0x86] = WASM__OP_I64_SHL_I,
        [0x87] = WASM__OP_I64_SHR_S_I, [0x88] = WASM__OP_I64_SHR_U_I,
        [0x46] = WASM__OP_I32_EQ_I,   [0x47] = WASM__OP_I32_NE_I,   [0x48] = WASM__OP_I32_LT_S_I,
        [0x49] = WASM__OP_I32_LT_U_I, [0x4A] = WASM__OP_I32_GT_S_I, [0x4B] = WASM__OP_I32_GT_U_I,
        [0x4C] = WASM__OP_I32_LE_S_I, [0x4D] = WASM__OP_I32_LE_U_I, [0x4E] = WASM__OP_I32_GE_S_I,
        [0x4F] = WASM__OP_I32_GE_U_I,
    };
    return code < BX_ARRAY_LEN(tab) ? tab[code] : 0;
}

/* The opcode with operands swapped (a op b == b op' a), or 0. */
static uint32_t mirror(uint32_t code)
{
    switch (code) {
    case 0x6A: case 0x6C: case 0x71: case 0x72: case 0x73: case 0x46: case 0x47:
    case 0x7C: case 0x7E: case 0x83: case 0x84: case 0x85:
        return code;
    case 0x48: return 0x4A; /* lt_s -> gt_s */
    case 0x49: return 0x4B;
    case 0x4A: return 0x48;
    case 0x4B: return 0x49;
    case 0x4C: return 0x4E; /* le_s -> ge_s */
    case 0x4D: return 0x4F;
    case 0x4E: return 0x4C;
    case 0x4F: return 0x4D;
    default: return 0;
    }
}

static bool fits_imm(uint32_t code, uint64_t v)
{
    if (code < 0x79) /* i32 ops: any 32-bit value */
        return true;
    return (int64_t)v == (int64_t)(int32_t)v;
}

static bx_err op_numeric(cc *c, uint32_t code)
{
    const numinfo *ni = &numtab[code];
    opd a, b = {0, 0, 0, 0, 0};
    if (ni->b)
        WASM_TRY(pop_raw(c, ni->b, &b));
    WASM_TRY(pop_raw(c, ni->a, &a));
    WASM_TRY(push(c, ni->r));
    if (is_nop_conv(code)) {
        /* Reinterpretation and wrapping do not change the slot's bits:
         * the entry keeps pointing where the operand was. */
        if (a.kind == OPD_CONST) {
            c->nstk--;
            c->cur_slot = a.home;
            return push_const(c, ni->r, code == 0xA7 ? (uint32_t)a.cval : a.cval);
        }
        if (a.kind == OPD_LOCAL && live(c))
            push_local_ref(c, a.at);
        return BX_OK;
    }
    if (!live(c))
        return BX_OK;
    uint32_t dst = c->stk[c->nstk - 1].home;
    if (ni->b) {
        uint32_t op = code;
        if (a.kind == OPD_CONST && b.kind != OPD_CONST && mirror(code) && imm_form(mirror(code))) {
            opd t = a;
            a = b;
            b = t;
            op = mirror(code);
        }
        bool sub = (op == 0x6B || op == 0x7D) && b.kind == OPD_CONST;
        if (sub) {
            b.cval = op == 0x6B ? (uint32_t)(0u - (uint32_t)b.cval) : 0 - b.cval;
            op = op == 0x6B ? 0x6A : 0x7C;
        }
        if (b.kind == OPD_CONST && imm_form(op) && fits_imm(op, b.cval)) {
            WASM_TRY(const_to_home(c, &a));
            EMIT_DST(c, imm_form(op), dst, a.at, (uint32_t)b.cval);
            return BX_OK;
        }
        if (sub) { /* undo: no immediate form fits */
            b.cval = op == 0x6A ? (uint32_t)(0u - (uint32_t)b.cval) : 0 - b.cval;
            op = op == 0x6A ? 0x6B : 0x7D;
        }
        WASM_TRY(const_to_home(c, &a));
        WASM_TRY(const_to_home(c, &b));
        /* An operand just loaded by LDxx_A: the access folds into the op. */
        uint32_t ld_op = op == 0x6C ? WASM__OP_I32_MUL_LD : op == 0x6A ? WASM__OP_I32_ADD_LD
                       : op == 0xA2 ? WASM__OP_F64_MUL_LD : 0;
        uint32_t want_ld = op == 0xA2 ? WASM__OP_LD64_A : WASM__OP_LD32_A;
        uint32_t want_plain = op == 0xA2 ? WASM__OP_LD64 : WASM__OP_LD32;
        if (ld_op && c->last_op != NOPOS && c->last_dst == c->last_op + 1 &&
            (c->code[c->last_op] == want_ld || c->code[c->last_op] == want_plain)) {
            bool plain = c->code[c->last_op] == want_plain;
            uint32_t t = c->code[c->last_dst];
            const opd *x = NULL;
            if (b.kind == OPD_REAL && b.home == t && a.at != t)
                x = &a;
            else if (a.kind == OPD_REAL && a.home == t && b.at != t)
                x = &b;
            if (x) {
                /* A plain load is the fused form with a zero immediate. */
                uint32_t base = c->code[c->last_op + 2];
                uint32_t imm = plain ? 0 : c->code[c->last_op + 3];
                uint32_t off = c->code[c->last_op + (plain ? 3 : 4)], xs = x->at;
                c->ncode = c->last_op;
                EMIT_DST(c, ld_op, dst, xs, base, imm, off);
                return BX_OK;
            }
        }
        /* rotl(x, k) ^ y with the rotate just computed into a's or b's slot. */
        if (op == 0x73 && c->last_op != NOPOS && c->last_dst == c->last_op + 1 &&
            c->code[c->last_op] == WASM__OP_I32_ROTL_I) {
            uint32_t t = c->code[c->last_dst];
            const opd *y = NULL;
            if (a.kind == OPD_REAL && a.home == t && b.at != t)
                y = &b;
            else if (b.kind == OPD_REAL && b.home == t && a.at != t)
                y = &a;
            if (y) {
                uint32_t x = c->code[c->last_op + 2], k = c->code[c->last_op + 3], ys = y->at;
                c->ncode = c->last_op;
                EMIT_DST(c, WASM__OP_I32_ROTL_XOR, dst, x, k, ys);
                return BX_OK;
            }
        }
        /* f64: a + (x + y) with x + y just computed into b's slot. */
        if (op == 0xA0 && b.kind == OPD_REAL && c->last_op != NOPOS &&
            c->last_dst == c->last_op + 1 && c->code[c->last_dst] == b.home &&
            c->code[c->last_op] == WASM__OP_F64_ADD && a.at != b.home) {
            uint32_t x = c->code[c->last_op + 2], y = c->code[c->last_op + 3];
            c->ncode = c->last_op;
            EMIT_DST(c, WASM__OP_F64_ADD3R, dst, a.at, x, y);
            return BX_OK;
        }
        /* (x + y) + b where x + y was just computed into a's slot; for
         * i32 (commutative, exact) also a + (x + y). */
        if (op == 0x6A && b.kind == OPD_REAL && c->last_op != NOPOS &&
            c->last_dst == c->last_op + 1 && c->code[c->last_dst] == b.home &&
            c->code[c->last_op] == WASM__OP_I32_ADD && a.at != b.home) {
            opd t = a;
            a = b;
            b = t;
        }
        if ((op == 0x6A || op == 0xA0) && a.kind == OPD_REAL && c->last_op != NOPOS &&
            c->last_dst == c->last_op + 1 && c->code[c->last_dst] == a.home &&
            c->code[c->last_op] == (op == 0x6A ? WASM__OP_I32_ADD : WASM__OP_F64_ADD) &&
            b.at != a.home) {
            uint32_t x = c->code[c->last_op + 2], y = c->code[c->last_op + 3];
            c->ncode = c->last_op;
            EMIT_DST(c, op == 0x6A ? WASM__OP_I32_ADD3 : WASM__OP_F64_ADD3, dst, x, y, b.at);
            return BX_OK;
        }
        EMIT_DST(c, numtab[op].op, dst, a.at, b.at);
    } else {
        WASM_TRY(const_to_home(c, &a));
        EMIT_DST(c, ni->op, dst, a.at);
    }
    return BX_OK;
}

/* Branch on a popped i32 condition: when the last instruction computed it
 * with an i32 comparison, the comparison and branch fuse into one op.
 * Returns the position of the offset word (to patch or chain). */
static bx_err emit_cond_jump(cc *c, const opd *cond, bool on_true, uint32_t *out_pos)
{
    static const uint16_t br_reg[10] = {
        WASM__OP_BR_EQ,   WASM__OP_BR_NE,   WASM__OP_BR_LT_S, WASM__OP_BR_LT_U, WASM__OP_BR_GT_S,
        WASM__OP_BR_GT_U, WASM__OP_BR_LE_S, WASM__OP_BR_LE_U, WASM__OP_BR_GE_S, WASM__OP_BR_GE_U};
    static const uint16_t br_imm[10] = {
        WASM__OP_BR_EQ_I,   WASM__OP_BR_NE_I,   WASM__OP_BR_LT_S_I, WASM__OP_BR_LT_U_I,
        WASM__OP_BR_GT_S_I, WASM__OP_BR_GT_U_I, WASM__OP_BR_LE_S_I, WASM__OP_BR_LE_U_I,
        WASM__OP_BR_GE_S_I, WASM__OP_BR_GE_U_I};
    static const uint8_t negate[10] = {1, 0, 8, 9, 6, 7, 4, 5, 2, 3};
    if (cond->kind == OPD_REAL && c->last_op != NOPOS && c->last_dst == c->last_op + 1 &&
        c->code[c->last_dst] == cond->home) {
        uint32_t op = c->code[c->last_op];
        int k = -1;
        bool imm = false;
        if (op >= WASM__OP_I32_EQ && op <= WASM__OP_I32_GE_U)
            k = (int)(op - WASM__OP_I32_EQ);
        else if (op >= WASM__OP_I32_EQ_I && op <= WASM__OP_I32_GE_U_I)
            k = (int)(op - WASM__OP_I32_EQ_I), imm = true;
        if (op == WASM__OP_I32_EQZ) {
            uint32_t a = c->code[c->last_op + 2];
            c->ncode = c->last_op;
            EMIT(c, on_true ? WASM__OP_BR_UNLESS : WASM__OP_BR_IF, a, NOPOS);
            *out_pos = (uint32_t)c->ncode - 1;
            return BX_OK;
        }
        if (k >= 0) {
            uint32_t a = c->code[c->last_op + 2], b = c->code[c->last_op + 3];
            if (!on_true)
                k = negate[k];
            c->ncode = c->last_op;
            /* A local stepped by the instruction before: fuse the step. */
            uint32_t inc_op = k == 1 ? WASM__OP_INC_BR_NE_I : k == 2 ? WASM__OP_INC_BR_LT_S_I
                            : k == 3 ? WASM__OP_INC_BR_LT_U_I : 0;
            uint32_t p = c->prev_op;
            if (imm && inc_op && p != NOPOS && p + 4 == c->ncode &&
                c->code[p] == WASM__OP_I32_ADD_I && c->code[p + 1] == a && c->code[p + 2] == a &&
                a < c->local_slots) {
                uint32_t inc = c->code[p + 3];
                c->ncode = p;
                EMIT(c, inc_op, a, inc, b, NOPOS);
                *out_pos = (uint32_t)c->ncode - 1;
                return BX_OK;
            }
            EMIT(c, imm ? br_imm[k] : br_reg[k], a, b, NOPOS);
            *out_pos = (uint32_t)c->ncode - 1;
            return BX_OK;
        }
    }
    EMIT(c, on_true ? WASM__OP_BR_IF : WASM__OP_BR_UNLESS, cond->at, NOPOS);
    *out_pos = (uint32_t)c->ncode - 1;
    return BX_OK;
}

/* ---------------------------------------------------------------- calls */

static bx_err emit_call(cc *c, const wasm__functype *t, uint32_t op, uint32_t a, uint32_t extra,
                        const opd *idx)
{
    /* Args become real slots at the top. */
    uint32_t np = t->pub.nparams;
    ctl *f = top_ctl(c);
    if (c->nstk >= f->height + np) {
        for (uint32_t i = 0; i < np; i++)
            WASM_TRY(materialize(c, &c->stk[c->nstk - np + i]));
    }
    WASM_TRY(pop_types(c, np, t->vt));
    uint32_t base = c->cur_slot;
    if (live(c)) {
        if (op == WASM__OP_CALL_INDIRECT)
            EMIT(c, op, a, extra, base, idx->at);
        else
            EMIT(c, op, a, base);
    }
    WASM_TRY(push_types(c, t->pub.nresults, t->vt + np));
    /* The callee's results may need more slots than its params did. */
    if (base + t->result_slots > c->max_slot)
        c->max_slot = base + t->result_slots;
    return BX_OK;
}

/* ---------------------------------------------------------------- SIMD */

static bx_err op_simd(cc *c)
{
    uint32_t sub;
    WASM_TRY(rd_u32(c, &sub));
    const wasm__simd_op *row = wasm__simd_op_get(sub);
    if (!row)
        return MALFORMED(c, "illegal opcode fd %u", sub);
    uint32_t offset = 0, lane = 0;
    uint8_t imm16[16];
    switch (row->imm) {
    case WASM__SIMD_IMM_MEMARG:
        WASM_TRY(rd_memarg(c, row->max_align, &offset));
        break;
    case WASM__SIMD_IMM_MEMARG_LANE: {
        WASM_TRY(rd_memarg(c, row->max_align, &offset));
        uint8_t l;
        WASM_TRY(rd_u8(c, &l));
        lane = l;
        if (lane >= row->lanes)
            return INVALID(c, "invalid lane index");
        break;
    }
    case WASM__SIMD_IMM_LANE: {
        uint8_t l;
        WASM_TRY(rd_u8(c, &l));
        lane = l;
        if (lane >= row->lanes)
            return INVALID(c, "invalid lane index");
        break;
    }
    case WASM__SIMD_IMM_SHUFFLE:
        WASM_TRY(rd_bytes(c, imm16, 16));
        for (int i = 0; i < 16; i++)
            if (imm16[i] >= 32)
                return INVALID(c, "invalid lane index");
        break;
    case WASM__SIMD_IMM_V128:
        WASM_TRY(rd_bytes(c, imm16, 16));
        break;
    default:
        break;
    }
    opd in[3] = {{0}, {0}, {0}};
    for (int i = row->nparams; i-- > 0;)
        WASM_TRY(pop_check(c, row->params[i], &in[i]));
    if (row->result)
        WASM_TRY(push(c, row->result));
    if (!live(c))
        return BX_OK;
    uint32_t dst = row->result ? c->stk[c->nstk - 1].home : 0;
    uint32_t w[4];
    switch (row->kind) {
    case WASM__SIMD_CONST:
        memcpy(w, imm16, 16);
        EMIT_DST(c, WASM__OP_CONST128, dst, w[0], w[1], w[2], w[3]);
        break;
    case WASM__SIMD_UN: EMIT_DST(c, WASM__OP_V_UN, dst, sub, in[0].at); break;
    case WASM__SIMD_BIN: EMIT_DST(c, WASM__OP_V_BIN, dst, sub, in[0].at, in[1].at); break;
    case WASM__SIMD_TERN:
        EMIT_DST(c, WASM__OP_V_TERN, dst, sub, in[0].at, in[1].at, in[2].at);
        break;
    case WASM__SIMD_TEST: EMIT_DST(c, WASM__OP_V_TEST, dst, sub, in[0].at); break;
    case WASM__SIMD_SHIFT: EMIT_DST(c, WASM__OP_V_SHIFT, dst, sub, in[0].at, in[1].at); break;
    case WASM__SIMD_SPLAT: EMIT_DST(c, WASM__OP_V_SPLAT, dst, sub, in[0].at); break;
    case WASM__SIMD_EXTRACT: EMIT_DST(c, WASM__OP_V_EXTRACT, dst, sub, in[0].at, lane); break;
    case WASM__SIMD_REPLACE:
        EMIT_DST(c, WASM__OP_V_REPLACE, dst, sub, in[0].at, in[1].at, lane);
        break;
    case WASM__SIMD_SHUFFLE:
        memcpy(w, imm16, 16);
        EMIT_DST(c, WASM__OP_V_SHUFFLE, dst, sub, in[0].at, in[1].at, w[0], w[1], w[2], w[3]);
        break;
    case WASM__SIMD_LOAD: EMIT_DST(c, WASM__OP_V_LOAD, dst, sub, in[0].at, offset); break;
    case WASM__SIMD_LOAD_LANE:
        EMIT_DST(c, WASM__OP_V_LOAD_LANE, dst, sub, in[0].at, in[1].at, offset, lane);
        break;
    case WASM__SIMD_STORE: EMIT(c, WASM__OP_V_STORE, sub, in[0].at, in[1].at, offset); break;
    case WASM__SIMD_STORE_LANE:
        EMIT(c, WASM__OP_V_STORE_LANE, sub, in[0].at, in[1].at, offset, lane);
        break;
    default:
        return INVALID(c, "unsupported SIMD op");
    }
    return BX_OK;
}

/* ---------------------------------------------------------------- 0xFC */

static bx_err op_fc(cc *c)
{
    uint32_t sub;
    WASM_TRY(rd_u32(c, &sub));
    wasm_module *m = c->m;
    opd a, b, d;
    switch (sub) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7:
        return op_numeric(c, 0x100 + sub);
    case 8: { /* memory.init */
        uint32_t seg;
        WASM_TRY(rd_u32(c, &seg));
        WASM_TRY(rd_zero(c));
        WASM_TRY(need_mem(c));
        WASM_TRY(need_data(c, seg));
        WASM_TRY(pop_check(c, WASM_I32, &d));
        WASM_TRY(pop_check(c, WASM_I32, &b));
        WASM_TRY(pop_check(c, WASM_I32, &a));
        if (live(c))
            EMIT(c, WASM__OP_MEMORY_INIT, seg, a.at, b.at, d.at);
        return BX_OK;
    }
    case 9: { /* data.drop */
        uint32_t seg;
        WASM_TRY(rd_u32(c, &seg));
        WASM_TRY(need_data(c, seg));
        if (live(c))
            EMIT(c, WASM__OP_DATA_DROP, seg);
        return BX_OK;
    }
    case 10: /* memory.copy */
        WASM_TRY(rd_zero(c));
        WASM_TRY(rd_zero(c));
        WASM_TRY(need_mem(c));
        WASM_TRY(pop_check(c, WASM_I32, &d));
        WASM_TRY(pop_check(c, WASM_I32, &b));
        WASM_TRY(pop_check(c, WASM_I32, &a));
        if (live(c))
            EMIT(c, WASM__OP_MEMORY_COPY, a.at, b.at, d.at);
        return BX_OK;
    case 11: /* memory.fill */
        WASM_TRY(rd_zero(c));
        WASM_TRY(need_mem(c));
        WASM_TRY(pop_check(c, WASM_I32, &d));
        WASM_TRY(pop_check(c, WASM_I32, &b));
        WASM_TRY(pop_check(c, WASM_I32, &a));
        if (live(c))
            EMIT(c, WASM__OP_MEMORY_FILL, a.at, b.at, d.at);
        return BX_OK;
    case 12: { /* table.init */
        uint32_t seg, t;
        WASM_TRY(rd_u32(c, &seg));
        WASM_TRY(rd_u32(c, &t));
        WASM_TRY(need_table(c, t));
        WASM_TRY(need_elem(c, seg));
        if (m->elems[seg].type != m->tables[t].elem)
            return INVALID(c, "type mismatch");
        WASM_TRY(pop_check(c, WASM_I32, &d));
        WASM_TRY(pop_check(c, WASM_I32, &b));
        WASM_TRY(pop_check(c, WASM_I32, &a));
        if (live(c))
            EMIT(c, WASM__OP_TABLE_INIT, t, seg, a.at, b.at, d.at);
        return BX_OK;
    }
    case 13: { /* elem.drop */
        uint32_t seg;
        WASM_TRY(rd_u32(c, &seg));
        WASM_TRY(need_elem(c, seg));
        if (live(c))
            EMIT(c, WASM__OP_ELEM_DROP, seg);
        return BX_OK;
    }
    case 14: { /* table.copy */
        uint32_t td, ts;
        WASM_TRY(rd_u32(c, &td));
        WASM_TRY(rd_u32(c, &ts));
        WASM_TRY(need_table(c, td));
        WASM_TRY(need_table(c, ts));
        if (m->tables[td].elem != m->tables[ts].elem)
            return INVALID(c, "type mismatch");
        WASM_TRY(pop_check(c, WASM_I32, &d));
        WASM_TRY(pop_check(c, WASM_I32, &b));
        WASM_TRY(pop_check(c, WASM_I32, &a));
        if (live(c))
            EMIT(c, WASM__OP_TABLE_COPY, td, ts, a.at, b.at, d.at);
        return BX_OK;
    }
    case 15: { /* table.grow */
        uint32_t t;
        WASM_TRY(rd_u32(c, &t));
        WASM_TRY(need_table(c, t));
        WASM_TRY(pop_check(c, WASM_I32, &b));
        WASM_TRY(pop_check(c, m->tables[t].elem, &a));
        WASM_TRY(push(c, WASM_I32));
        if (live(c))
            EMIT_DST(c, WASM__OP_TABLE_GROW, c->stk[c->nstk - 1].home, t, a.at, b.at);
        return BX_OK;
    }
    case 16: { /* table.size */
        uint32_t t;
        WASM_TRY(rd_u32(c, &t));
        WASM_TRY(need_table(c, t));
        WASM_TRY(push(c, WASM_I32));
        if (live(c))
            EMIT_DST(c, WASM__OP_TABLE_SIZE, c->stk[c->nstk - 1].home, t);
        return BX_OK;
    }
    case 17: { /* table.fill */
        uint32_t t;
        WASM_TRY(rd_u32(c, &t));
        WASM_TRY(need_table(c, t));
        WASM_TRY(pop_check(c, WASM_I32, &d));
        WASM_TRY(pop_check(c, m->tables[t].elem, &b));
        WASM_TRY(pop_check(c, WASM_I32, &a));
        if (live(c))
            EMIT(c, WASM__OP_TABLE_FILL, t, a.at, b.at, d.at);
        return BX_OK;
    }
    default:
        return MALFORMED(c, "illegal opcode fc %u", sub);
    }
}

/* ---------------------------------------------------------------- body */

static const struct {
    uint16_t op;
    uint8_t type;   /* value type loaded / stored */
    uint8_t align;  /* log2 of the natural alignment */
} memtab[] = {
    [0x28 - 0x28] = {WASM__OP_LD32, WASM_I32, 2},    [0x29 - 0x28] = {WASM__OP_LD64, WASM_I64, 3},
    [0x2A - 0x28] = {WASM__OP_LD32, WASM_F32, 2},    [0x2B - 0x28] = {WASM__OP_LD64, WASM_F64, 3},
    [0x2C - 0x28] = {WASM__OP_LD8S32, WASM_I32, 0},  [0x2D - 0x28] = {WASM__OP_LD8U, WASM_I32, 0},
    [0x2E - 0x28] = {WASM__OP_LD16S32, WASM_I32, 1}, [0x2F - 0x28] = {WASM__OP_LD16U, WASM_I32, 1},
    [0x30 - 0x28] = {WASM__OP_LD8S64, WASM_I64, 0},  [0x31 - 0x28] = {WASM__OP_LD8U, WASM_I64, 0},
    [0x32 - 0x28] = {WASM__OP_LD16S64, WASM_I64, 1}, [0x33 - 0x28] = {WASM__OP_LD16U, WASM_I64, 1},
    [0x34 - 0x28] = {WASM__OP_LD32S64, WASM_I64, 2}, [0x35 - 0x28] = {WASM__OP_LD32, WASM_I64, 2},
    [0x36 - 0x28] = {WASM__OP_ST32, WASM_I32, 2},    [0x37 - 0x28] = {WASM__OP_ST64, WASM_I64, 3},
    [0x38 - 0x28] = {WASM__OP_ST32, WASM_F32, 2},    [0x39 - 0x28] = {WASM__OP_ST64, WASM_F64, 3},
    [0x3A - 0x28] = {WASM__OP_ST8, WASM_I32, 0},     [0x3B - 0x28] = {WASM__OP_ST16, WASM_I32, 1},
    [0x3C - 0x28] = {WASM__OP_ST8, WASM_I64, 0},     [0x3D - 0x28] = {WASM__OP_ST16, WASM_I64, 1},
    [0x3E - 0x28] = {WASM__OP_ST32, WASM_I64, 2},
};

#define ADDR_FUSED (WASM__OP_LD32_A - WASM__OP_LD32)

/* When the address operand was just computed by `I32_ADD_I dst, a, imm`,
 * removes that instruction and returns a and imm for a fused access. */
static bool take_add_imm(cc *c, const opd *addr, uint32_t *base, uint32_t *imm)
{
    if (addr->kind != OPD_REAL || c->last_op == NOPOS || c->last_dst != c->last_op + 1 ||
        c->code[c->last_op] != WASM__OP_I32_ADD_I || c->code[c->last_dst] != addr->home)
        return false;
    *base = c->code[c->last_op + 2];
    *imm = c->code[c->last_op + 3];
    c->ncode = c->last_op;
    c->last_op = c->last_dst = NOPOS;
    return true;
}

static bx_err start_fuel(cc *c, uint32_t op)
{
    if (c->fuel_pos != NOPOS)
        c->code[c->fuel_pos] = c->fuel_count ? c->fuel_count : 1;
    EMIT(c, op, 0);
    c->fuel_pos = (uint32_t)c->ncode - 1;
    c->fuel_count = 0;
    return BX_OK;
}

static bx_err local_index(cc *c, uint32_t *x)
{
    WASM_TRY(rd_u32(c, x));
    if (*x >= c->nlocals)
        return INVALID(c, "unknown local %u", *x);
    return BX_OK;
}

/* local.set x / local.tee x with the value popped into v. */
static bx_err set_local(cc *c, uint32_t x, const opd *v)
{
    uint32_t slot = c->lslot[x];
    uint8_t t = c->ltypes[x];
    if (!live(c))
        return BX_OK;
    /* Entries still reading the old value of x get their own copy. */
    if (c->vref[slot]) {
        for (size_t i = 0; i < virt_limit(c); i++)
            if (c->stk[i].kind == OPD_LOCAL && c->stk[i].at == slot)
                WASM_TRY(materialize(c, &c->stk[i]));
    }
    if (v->kind == OPD_CONST)
        return emit_const(c, t, slot, v->cval);
    if (v->kind == OPD_REAL && c->last_dst != NOPOS && c->code[c->last_dst] == v->home) {
        c->code[c->last_dst] = slot; /* retarget the producer */
        c->last_dst = NOPOS;
        return BX_OK;
    }
    return emit_copy(c, t, slot, v->at);
}

static bx_err compile_body(cc *c)
{
    wasm_module *m = c->m;
    bool done = false;
    WASM_TRY(start_fuel(c, WASM__OP_FUEL));
    while (!done) {
        if (c->pos >= c->end)
            return MALFORMED(c, "unexpected end of section or function");
        uint8_t op = c->base[c->pos++];
        c->fuel_count++;
        opd a, b, d;
        switch (op) {
        case 0x00: /* unreachable */
            if (live(c))
                EMIT(c, WASM__OP_UNREACHABLE);
            set_unreachable(c);
            break;
        case 0x01: /* nop */
            break;
        case 0x02: /* block */
        case 0x03: /* loop */
        case 0x04: { /* if */
            uint32_t np, nr;
            const uint8_t *p, *r;
            uint8_t single;
            WASM_TRY(rd_blocktype(c, &np, &p, &nr, &r, &single));
            opd cond = {0};
            if (op == 0x04)
                WASM_TRY(pop_check(c, WASM_I32, &cond));
            WASM_TRY(check_top(c, np, p));
            if (live(c))
                WASM_TRY(materialize_all(c));
            /* Unknown-typed params (unreachable code) take their types. */
            for (uint32_t i = 0; i < np && c->nstk >= np; i++)
                if (c->stk[c->nstk - np + i].type == 0)
                    c->stk[c->nstk - np + i].type = p[i];
            if (c->nstk < top_ctl(c)->height + np) {
                /* Polymorphic stack: materialize the missing params. */
                uint32_t have = (uint32_t)(c->nstk - top_ctl(c)->height);
                for (uint32_t i = have; i < np; i++)
                    WASM_TRY(push(c, p[i]));
            }
            WASM_TRY(push_ctl(c, op == 0x02 ? K_BLOCK : op == 0x03 ? K_LOOP : K_IF, np, p, nr, r,
                         single));
            ctl *f = top_ctl(c);
            if (op == 0x03) {
                /* Back-edges target the word after LOOP's count. */
                if (live(c))
                    WASM_TRY(start_fuel(c, WASM__OP_LOOP));
                mark_label(c);
                f->loop_pc = (uint32_t)c->ncode;
            } else if (op == 0x04 && live(c)) {
                uint32_t pos;
                WASM_TRY(emit_cond_jump(c, &cond, false, &pos));
                f->else_fix = pos;
                c->last_dst = NOPOS;
            }
            break;
        }
        case 0x05: { /* else */
            ctl *f = top_ctl(c);
            if (f->kind != K_IF)
                return MALFORMED(c, "else without if");
            WASM_TRY(check_top(c, f->nresults, res_types(f)));
            if (c->nstk > f->height + f->nresults)
                return INVALID(c, "type mismatch");
            if (c->nstk < f->height + f->nresults && !f->unreachable)
                return INVALID(c, "type mismatch");
            if (live(c)) {
                WASM_TRY(materialize_all(c));
                WASM_TRY(emit_jump(c, f)); /* then-branch jumps to the end */
            }
            while (c->nstk > f->height) {
                opd *o = &c->stk[--c->nstk];
                unvirt(c, o);
            }
            c->cur_slot = f->slot_base;
            f->kind = K_ELSE;
            f->unreachable = false;
            if (f->else_fix != NOPOS)
                patch_chain(c, f->else_fix, (uint32_t)c->ncode);
            f->else_fix = NOPOS;
            mark_label(c);
            WASM_TRY(push_types(c, f->nparams, f->params));
            break;
        }
        case 0x0B: /* end */
            WASM_TRY(op_end(c, &done));
            break;
        case 0x0C: { /* br */
            uint32_t depth;
            WASM_TRY(rd_label(c, &depth));
            ctl *f = &c->ctls[c->nctl - 1 - depth];
            WASM_TRY(check_top(c, label_arity(f), label_types(f)));
            if (live(c)) {
                WASM_TRY(materialize_all(c));
                WASM_TRY(emit_branch(c, depth));
            }
            set_unreachable(c);
            break;
        }
        case 0x0D: { /* br_if */
            uint32_t depth;
            WASM_TRY(rd_label(c, &depth));
            WASM_TRY(pop_check(c, WASM_I32, &a));
            ctl *f = &c->ctls[c->nctl - 1 - depth];
            uint32_t n = label_arity(f);
            const uint8_t *types = label_types(f);
            WASM_TRY(check_top(c, n, types));
            if (live(c)) {
                WASM_TRY(materialize_all(c));
                if (f->kind != K_FUNC && !needs_moves(c, n, types, f->slot_base)) {
                    uint32_t pos;
                    WASM_TRY(emit_cond_jump(c, &a, true, &pos));
                    if (f->kind == K_LOOP) {
                        c->code[pos] = (uint32_t)((int32_t)f->loop_pc - (int32_t)pos);
                    } else {
                        c->code[pos] = f->fixups;
                        f->fixups = pos;
                    }
                    c->last_dst = NOPOS;
                } else {
                    uint32_t skip;
                    WASM_TRY(emit_cond_jump(c, &a, false, &skip));
                    WASM_TRY(emit_branch(c, depth));
                    patch_chain(c, skip, (uint32_t)c->ncode);
                    mark_label(c);
                }
            }
            /* The values stay, typed as the label's (spec: pop then push);
             * when live they were materialized above. */
            WASM_TRY(pop_types(c, n, types));
            WASM_TRY(push_types(c, n, types));
            break;
        }
        case 0x0E: { /* br_table */
            uint32_t n;
            WASM_TRY(rd_u32(c, &n));
            if (n > WASM__MAX_BR_TABLE || n > c->end - c->pos)
                return MALFORMED(c, "unexpected end");
            uint32_t *depths = bx_malloc(((size_t)n + 1) * sizeof *depths);
            bx_err err = BX_OK;
            for (uint32_t i = 0; i <= n && err == BX_OK; i++)
                err = rd_label(c, &depths[i]);
            if (err == BX_OK)
                err = pop_check(c, WASM_I32, &a);
            uint32_t arity = 0;
            if (err == BX_OK) {
                const ctl *fd = &c->ctls[c->nctl - 1 - depths[n]];
                arity = label_arity(fd);
                for (uint32_t i = 0; i <= n && err == BX_OK; i++) {
                    const ctl *f = &c->ctls[c->nctl - 1 - depths[i]];
                    if (label_arity(f) != arity)
                        err = INVALID(c, "type mismatch");
                    else
                        err = check_top(c, arity, label_types(f));
                }
            }
            if (err == BX_OK && live(c)) {
                err = materialize_all(c);
                size_t tab = c->ncode + 3;
                if (err == BX_OK)
                    err = reserve(c, 3 + (size_t)n + 1);
                if (err == BX_OK) {
                    c->code[c->ncode++] = WASM__OP_BR_TABLE;
                    c->code[c->ncode++] = a.at;
                    c->code[c->ncode++] = n;
                    c->ncode += n + 1;
                    for (uint32_t i = 0; i <= n && err == BX_OK; i++) {
                        ctl *f = &c->ctls[c->nctl - 1 - depths[i]];
                        uint32_t pos = (uint32_t)(tab + i);
                        const uint8_t *types = label_types(f);
                        if (f->kind == K_FUNC || needs_moves(c, arity, types, f->slot_base)) {
                            c->code[pos] = (uint32_t)((int32_t)c->ncode - (int32_t)pos);
                            err = emit_branch(c, depths[i]);
                        } else if (f->kind == K_LOOP) {
                            c->code[pos] = (uint32_t)((int32_t)f->loop_pc - (int32_t)pos);
                        } else {
                            c->code[pos] = f->fixups;
                            f->fixups = pos;
                        }
                    }
                    c->last_dst = NOPOS;
                }
            }
            bx_free(depths);
            WASM_TRY(err);
            set_unreachable(c);
            break;
        }
        case 0x0F: { /* return */
            ctl *f = &c->ctls[0];
            WASM_TRY(check_top(c, f->nresults, res_types(f)));
            if (live(c)) {
                WASM_TRY(materialize_all(c));
                WASM_TRY(emit_branch(c, (uint32_t)c->nctl - 1));
            }
            set_unreachable(c);
            break;
        }
        case 0x10: { /* call */
            uint32_t fi;
            WASM_TRY(rd_u32(c, &fi));
            if (fi >= m->nfuncs)
                return INVALID(c, "unknown function %u", fi);
            const wasm__functype *t = &m->types[m->func_types[fi]];
            if (fi < m->nfunc_imports)
                WASM_TRY(emit_call(c, t, WASM__OP_CALL_IMPORT, fi, 0, NULL));
            else
                WASM_TRY(emit_call(c, t, WASM__OP_CALL, fi - m->nfunc_imports, 0, NULL));
            break;
        }
        case 0x11: { /* call_indirect */
            uint32_t ti, tab;
            WASM_TRY(rd_u32(c, &ti));
            WASM_TRY(rd_u32(c, &tab));
            WASM_TRY(need_table(c, tab));
            if (ti >= m->ntypes)
                return INVALID(c, "unknown type %u", ti);
            if (m->tables[tab].elem != WASM_FUNCREF)
                return INVALID(c, "type mismatch");
            WASM_TRY(pop_check(c, WASM_I32, &a));
            WASM_TRY(emit_call(c, &m->types[ti], WASM__OP_CALL_INDIRECT, tab, ti, &a));
            break;
        }
        case 0x1A: /* drop */
            WASM_TRY(pop_check(c, 0, &a));
            break;
        case 0x1B: /* select */
        case 0x1C: { /* select t */
            uint8_t want = 0;
            if (op == 0x1C) {
                uint32_t nt;
                WASM_TRY(rd_u32(c, &nt));
                if (nt != 1)
                    return INVALID(c, "invalid result arity");
                if (c->pos >= c->end)
                    return MALFORMED(c, "unexpected end");
                want = c->base[c->pos++];
                if (want != WASM_I32 && want != WASM_I64 && want != WASM_F32 && want != WASM_F64 &&
                    want != WASM_V128 && want != WASM_FUNCREF && want != WASM_EXTERNREF)
                    return MALFORMED(c, "malformed value type");
            }
            WASM_TRY(pop_check(c, WASM_I32, &d));
            WASM_TRY(pop_check(c, want, &b));
            WASM_TRY(pop_check(c, want ? want : b.type, &a));
            uint8_t t = want ? want : (a.type ? a.type : b.type);
            if (!want && (t == WASM_FUNCREF || t == WASM_EXTERNREF || a.type == WASM_FUNCREF ||
                          a.type == WASM_EXTERNREF || b.type == WASM_FUNCREF ||
                          b.type == WASM_EXTERNREF))
                return INVALID(c, "type mismatch");
            if (a.type && b.type && a.type != b.type)
                return INVALID(c, "type mismatch");
            WASM_TRY(push(c, t));
            if (live(c) && t)
                EMIT_DST(c, t == WASM_V128 ? WASM__OP_SELECT2 : WASM__OP_SELECT,
                         c->stk[c->nstk - 1].home, a.at, b.at, d.at);
            break;
        }
        case 0x20: { /* local.get */
            uint32_t x;
            WASM_TRY(local_index(c, &x));
            WASM_TRY(push(c, c->ltypes[x]));
            opd *o = &c->stk[c->nstk - 1];
            if (c->nstk > VIRT_MAX_STACK) {
                if (live(c))
                    WASM_TRY(emit_copy(c, o->type, o->home, c->lslot[x]));
            } else {
                push_local_ref(c, c->lslot[x]);
            }
            break;
        }
        case 0x21: { /* local.set */
            uint32_t x;
            WASM_TRY(local_index(c, &x));
            WASM_TRY(pop_raw(c, c->ltypes[x], &a));
            WASM_TRY(set_local(c, x, &a));
            break;
        }
        case 0x22: { /* local.tee */
            uint32_t x;
            WASM_TRY(local_index(c, &x));
            WASM_TRY(pop_raw(c, c->ltypes[x], &a));
            WASM_TRY(set_local(c, x, &a));
            WASM_TRY(push(c, c->ltypes[x]));
            opd *o = &c->stk[c->nstk - 1];
            if (c->nstk > VIRT_MAX_STACK) {
                if (live(c))
                    WASM_TRY(emit_copy(c, o->type, o->home, c->lslot[x]));
            } else {
                push_local_ref(c, c->lslot[x]);
            }
            break;
        }
        case 0x23: { /* global.get */
            uint32_t g;
            WASM_TRY(rd_u32(c, &g));
            if (g >= m->nglobals)
                return INVALID(c, "unknown global %u", g);
            uint8_t t = m->globals[g].type;
            WASM_TRY(push(c, t));
            if (live(c))
                EMIT_DST(c, t == WASM_V128 ? WASM__OP_GLOBAL_GET2 : WASM__OP_GLOBAL_GET,
                         c->stk[c->nstk - 1].home, g);
            break;
        }
        case 0x24: { /* global.set */
            uint32_t g;
            WASM_TRY(rd_u32(c, &g));
            if (g >= m->nglobals)
                return INVALID(c, "unknown global %u", g);
            if (!m->globals[g].mut)
                return INVALID(c, "global is immutable");
            uint8_t t = m->globals[g].type;
            WASM_TRY(pop_check(c, t, &a));
            if (live(c))
                EMIT(c, t == WASM_V128 ? WASM__OP_GLOBAL_SET2 : WASM__OP_GLOBAL_SET, g, a.at);
            break;
        }
        case 0x25: { /* table.get */
            uint32_t t;
            WASM_TRY(rd_u32(c, &t));
            WASM_TRY(need_table(c, t));
            WASM_TRY(pop_check(c, WASM_I32, &a));
            WASM_TRY(push(c, m->tables[t].elem));
            if (live(c))
                EMIT_DST(c, WASM__OP_TABLE_GET, c->stk[c->nstk - 1].home, t, a.at);
            break;
        }
        case 0x26: { /* table.set */
            uint32_t t;
            WASM_TRY(rd_u32(c, &t));
            WASM_TRY(need_table(c, t));
            WASM_TRY(pop_check(c, m->tables[t].elem, &b));
            WASM_TRY(pop_check(c, WASM_I32, &a));
            if (live(c))
                EMIT(c, WASM__OP_TABLE_SET, t, a.at, b.at);
            break;
        }
        case 0x28: case 0x29: case 0x2A: case 0x2B: case 0x2C: case 0x2D: case 0x2E:
        case 0x2F: case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35: {
            uint32_t off, base, imm;
            WASM_TRY(rd_memarg(c, memtab[op - 0x28].align, &off));
            WASM_TRY(pop_check(c, WASM_I32, &a));
            WASM_TRY(push(c, memtab[op - 0x28].type));
            if (!live(c))
                break;
            if (take_add_imm(c, &a, &base, &imm))
                EMIT_DST(c, memtab[op - 0x28].op + ADDR_FUSED, c->stk[c->nstk - 1].home, base,
                         imm, off);
            else
                EMIT_DST(c, memtab[op - 0x28].op, c->stk[c->nstk - 1].home, a.at, off);
            break;
        }
        case 0x36: case 0x37: case 0x38: case 0x39: case 0x3A: case 0x3B: case 0x3C:
        case 0x3D: case 0x3E: {
            uint32_t off, base, imm;
            WASM_TRY(rd_memarg(c, memtab[op - 0x28].align, &off));
            WASM_TRY(pop_raw(c, memtab[op - 0x28].type, &b));
            WASM_TRY(pop_check(c, WASM_I32, &a));
            if (!live(c))
                break;
            /* The address first: its add may be the last instruction. */
            if (b.kind != OPD_CONST && take_add_imm(c, &a, &base, &imm)) {
                EMIT(c, memtab[op - 0x28].op + ADDR_FUSED, base, imm, b.at, off);
            } else {
                WASM_TRY(const_to_home(c, &b));
                EMIT(c, memtab[op - 0x28].op, a.at, b.at, off);
            }
            break;
        }
        case 0x3F: /* memory.size */
            WASM_TRY(rd_zero(c));
            WASM_TRY(need_mem(c));
            WASM_TRY(push(c, WASM_I32));
            if (live(c))
                EMIT_DST(c, WASM__OP_MEMORY_SIZE, c->stk[c->nstk - 1].home);
            break;
        case 0x40: /* memory.grow */
            WASM_TRY(rd_zero(c));
            WASM_TRY(need_mem(c));
            WASM_TRY(pop_check(c, WASM_I32, &a));
            WASM_TRY(push(c, WASM_I32));
            if (live(c))
                EMIT_DST(c, WASM__OP_MEMORY_GROW, c->stk[c->nstk - 1].home, a.at);
            break;
        case 0x41: { /* i32.const */
            uint64_t v;
            WASM_TRY(rd_leb(c, 32, true, &v));
            WASM_TRY(push_const(c, WASM_I32, (uint32_t)v));
            break;
        }
        case 0x42: { /* i64.const */
            uint64_t v;
            WASM_TRY(rd_leb(c, 64, true, &v));
            WASM_TRY(push_const(c, WASM_I64, v));
            break;
        }
        case 0x43: { /* f32.const */
            uint32_t v;
            WASM_TRY(rd_bytes(c, &v, 4));
            WASM_TRY(push_const(c, WASM_F32, v));
            break;
        }
        case 0x44: { /* f64.const */
            uint64_t v;
            WASM_TRY(rd_bytes(c, &v, 8));
            WASM_TRY(push_const(c, WASM_F64, v));
            break;
        }
        case 0xD0: { /* ref.null */
            if (c->pos >= c->end)
                return MALFORMED(c, "unexpected end");
            uint8_t t = c->base[c->pos++];
            if (t != WASM_FUNCREF && t != WASM_EXTERNREF)
                return MALFORMED(c, "malformed reference type");
            WASM_TRY(push(c, t));
            if (live(c))
                EMIT_DST(c, WASM__OP_CONST64, c->stk[c->nstk - 1].home, 0, 0);
            break;
        }
        case 0xD1: /* ref.is_null */
            WASM_TRY(pop_check(c, 0, &a));
            if (a.type && a.type != WASM_FUNCREF && a.type != WASM_EXTERNREF)
                return INVALID(c, "type mismatch");
            WASM_TRY(push(c, WASM_I32));
            if (live(c))
                EMIT_DST(c, WASM__OP_I64_EQZ, c->stk[c->nstk - 1].home, a.at);
            break;
        case 0xD2: { /* ref.func */
            uint32_t fi;
            WASM_TRY(rd_u32(c, &fi));
            if (fi >= m->nfuncs)
                return INVALID(c, "unknown function %u", fi);
            if (!(m->declared_funcs[fi / 8] & (1u << (fi % 8))))
                return INVALID(c, "undeclared function reference");
            WASM_TRY(push(c, WASM_FUNCREF));
            if (live(c))
                EMIT_DST(c, WASM__OP_REF_FUNC, c->stk[c->nstk - 1].home, fi);
            break;
        }
        case 0xFC:
            WASM_TRY(op_fc(c));
            break;
        case 0xFD:
            WASM_TRY(op_simd(c));
            break;
        default:
            if (op >= 0x45 && op <= 0xC4) {
                WASM_TRY(op_numeric(c, op));
                break;
            }
            return MALFORMED(c, "illegal opcode %02x", op);
        }
    }
    if (c->fuel_pos != NOPOS)
        c->code[c->fuel_pos] = c->fuel_count ? c->fuel_count : 1;
    if (c->pos != c->end)
        return MALFORMED(c, "section size mismatch");
    return BX_OK;
}

bx_err wasm__compile(wasm_module *m, uint32_t func_index, const uint8_t *bytes, size_t body_off,
                     size_t body_len, bx_error *detail)
{
    cc c;
    memset(&c, 0, sizeof c);
    c.m = m;
    c.base = bytes;
    c.pos = body_off;
    c.end = body_off + body_len;
    c.detail = detail;
    c.fuel_pos = NOPOS;
    c.last_dst = NOPOS;
    wasm__code *code = &m->codes[func_index - m->nfunc_imports];
    const wasm__functype *t = &m->types[m->func_types[func_index]];
    code->type = m->func_types[func_index];
    code->body_off = (uint32_t)body_off;
    code->body_len = (uint32_t)body_len;
    bx_err err = BX_OK;

    /* Locals: count the total first, capped, then fill. */
    uint32_t ngroups;
    if ((err = rd_u32(&c, &ngroups)) != BX_OK)
        goto out;
    if (ngroups > c.end - c.pos) {
        err = MALFORMED(&c, "unexpected end");
        goto out;
    }
    size_t save = c.pos;
    uint64_t total = t->pub.nparams;
    for (uint32_t i = 0; i < ngroups; i++) {
        uint32_t n;
        uint8_t vt;
        if ((err = rd_u32(&c, &n)) != BX_OK || (err = rd_u8(&c, &vt)) != BX_OK)
            goto out;
        total += n;
        if (total > WASM__MAX_LOCALS) {
            err = MALFORMED(&c, "too many locals");
            goto out;
        }
    }
    c.pos = save;
    c.nlocals = (uint32_t)total;
    c.ltypes = bx_calloc(total + 1, 1);
    c.lslot = bx_calloc(total + 1, sizeof *c.lslot);
    uint32_t k = 0, slot = 0;
    for (uint32_t i = 0; i < t->pub.nparams; i++) {
        c.ltypes[k] = (uint8_t)t->pub.params[i];
        c.lslot[k++] = slot;
        slot += wasm__valtype_slots(c.ltypes[k - 1]);
    }
    for (uint32_t i = 0; i < ngroups; i++) {
        uint32_t n;
        uint8_t vt;
        rd_u32(&c, &n);
        rd_u8(&c, &vt);
        if (vt != WASM_I32 && vt != WASM_I64 && vt != WASM_F32 && vt != WASM_F64 &&
            vt != WASM_V128 && vt != WASM_FUNCREF && vt != WASM_EXTERNREF) {
            err = MALFORMED(&c, "malformed value type");
            goto out;
        }
        for (uint32_t j = 0; j < n; j++) {
            c.ltypes[k] = vt;
            c.lslot[k++] = slot;
            slot += wasm__valtype_slots(vt);
        }
    }
    c.local_slots = slot;
    c.cur_slot = c.max_slot = slot;
    c.vref = bx_calloc(slot + 1, sizeof *c.vref);
    if ((err = push_ctl(&c, K_FUNC, 0, NULL, t->pub.nresults,
                        t->vt + t->pub.nparams, 0)) != BX_OK)
        goto out;
    c.ctls[0].slot_base = 0;
    if ((err = compile_body(&c)) != BX_OK)
        goto out;
    code->nlocals = c.nlocals - t->pub.nparams;
    code->local_types = c.ltypes;
    c.ltypes = NULL;
    code->param_slots = t->param_slots;
    code->local_slots = c.local_slots;
    code->frame_slots = c.max_slot > t->result_slots ? c.max_slot : t->result_slots;
    wasm__thread_code(c.code, c.ncode);
    code->code = c.code;
    code->ncode = (uint32_t)c.ncode;
    c.code = NULL;
out:
    bx_free(c.code);
    bx_free(c.stk);
    bx_free(c.ctls);
    bx_free(c.ltypes);
    bx_free(c.lslot);
    bx_free(c.vref);
    return err;
}
