/* wasm_decode.c: the binary-format decoder (every section, incl. "name").
 *
 * A bounds-checked reader walks the sections in their required order and
 * fills a wasm_module; every count is checked against the bytes left before
 * anything is allocated, so no input sizes host memory beyond its own
 * length. Errors are BX_PARSE ("malformed", e.g. "unexpected end") or
 * BX_INVALID ("invalid", e.g. "unknown function") with the byte offset and
 * the spec's wording. Function bodies go to wasm__compile as they arrive.
 */
#include <stdarg.h>
#include <stdio.h>

#include "wasm/wasm_int.h"

typedef struct rd {
    const uint8_t *base;
    size_t pos, end;
    bx_error *detail;
} rd;

/* The error helpers shared with wasm_compile.c (wasm_int.h: wasm__fail). */
bx_err wasm__fail(bx_error *detail, size_t pos, bx_err code, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return bx_error_set(detail, code, (int64_t)pos, "%s", msg);
}

#define MALFORMED(r, ...) wasm__fail((r)->detail, (r)->pos, BX_PARSE, __VA_ARGS__)
#define INVALID(r, ...) wasm__fail((r)->detail, (r)->pos, BX_INVALID, __VA_ARGS__)

static bx_err rd_u8(rd *r, uint8_t *out)
{
    if (r->pos >= r->end)
        return MALFORMED(r, "unexpected end");
    *out = r->base[r->pos++];
    return BX_OK;
}

/* LEB128 reader shared with wasm_compile.c: reads a `bits`-wide integer at
 * base[*pos..end), advancing *pos past each byte consumed; on a malformed
 * encoding returns false with *why set and *pos just past the bad byte. */
bool wasm__leb_read(const uint8_t *base, size_t *pos, size_t end, unsigned bits,
                    bool is_signed, uint64_t *out, const char **why)
{
    uint64_t result = 0;
    unsigned shift = 0;
    unsigned maxbytes = (bits + 6) / 7;
    for (unsigned i = 0;; i++) {
        if (*pos >= end) {
            *why = "unexpected end";
            return false;
        }
        uint8_t b = base[(*pos)++];
        if (i == maxbytes - 1) {
            /* The last byte: its unused bits must be zero (unsigned) or a
             * sign extension of the value's top bit (signed). */
            if (b & 0x80) {
                *why = "integer representation too long";
                return false;
            }
            unsigned used = bits - shift; /* value bits in this byte */
            uint8_t rest = (uint8_t)(b & 0x7f) >> used;
            uint8_t want = 0;
            if (is_signed && ((b >> (used - 1)) & 1))
                want = (uint8_t)(0x7f >> used);
            if (rest != want) {
                *why = "integer too large";
                return false;
            }
            result |= (uint64_t)(b & 0x7f) << shift;
            shift += 7;
            break;
        }
        result |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80))
            break;
    }
    if (is_signed && shift < 64 && (result >> (shift - 1)) & 1)
        result |= ~(uint64_t)0 << shift;
    if (bits < 64)
        result &= ((uint64_t)1 << bits) - 1;
    *out = result;
    return true;
}

static bx_err rd_leb(rd *r, unsigned bits, bool is_signed, uint64_t *out)
{
    const char *why;
    if (!wasm__leb_read(r->base, &r->pos, r->end, bits, is_signed, out, &why))
        return MALFORMED(r, "%s", why);
    return BX_OK;
}

static bx_err rd_u32(rd *r, uint32_t *out)
{
    uint64_t v;
    WASM_TRY(rd_leb(r, 32, false, &v));
    *out = (uint32_t)v;
    return BX_OK;
}

/* A count of items that each take at least one byte: bounded by the input. */
static bx_err rd_count(rd *r, uint32_t cap, uint32_t *out)
{
    WASM_TRY(rd_u32(r, out));
    if (*out > r->end - r->pos)
        return MALFORMED(r, "unexpected end");
    if (*out > cap)
        return MALFORMED(r, "too many items (%u)", *out);
    return BX_OK;
}

static bool utf8_ok(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        unsigned len;
        uint32_t cp;
        if ((c & 0xe0) == 0xc0) {
            len = 2;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + len > n)
            return false;
        for (unsigned k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += len;
    }
    return true;
}

static bx_err rd_name(rd *r, char **out, uint32_t *out_len)
{
    uint32_t n;
    WASM_TRY(rd_u32(r, &n));
    if (n > r->end - r->pos)
        return MALFORMED(r, "length out of bounds");
    if (!utf8_ok(r->base + r->pos, n))
        return MALFORMED(r, "malformed UTF-8 encoding");
    if (out) {
        /* Names may contain NUL bytes: copy all n, then terminate. */
        char *copy = bx_malloc((size_t)n + 1);
        memcpy(copy, r->base + r->pos, n);
        copy[n] = 0;
        *out = copy;
        *out_len = n;
    }
    r->pos += n;
    return BX_OK;
}

static bool is_valtype(uint8_t b)
{
    return b == WASM_I32 || b == WASM_I64 || b == WASM_F32 || b == WASM_F64 || b == WASM_V128 ||
           b == WASM_FUNCREF || b == WASM_EXTERNREF;
}

static bx_err rd_valtype(rd *r, uint8_t *out)
{
    WASM_TRY(rd_u8(r, out));
    if (!is_valtype(*out))
        return MALFORMED(r, "malformed value type");
    return BX_OK;
}

static bx_err rd_reftype(rd *r, uint8_t *out)
{
    WASM_TRY(rd_u8(r, out));
    if (*out != WASM_FUNCREF && *out != WASM_EXTERNREF)
        return MALFORMED(r, "malformed reference type");
    return BX_OK;
}

static bx_err rd_limits(rd *r, bool is_mem, wasm_limits_type *out)
{
    uint8_t flag;
    WASM_TRY(rd_u8(r, &flag));
    if (flag > 1)
        return MALFORMED(r, "integer too large");
    uint32_t v;
    WASM_TRY(rd_u32(r, &v));
    out->min = v;
    out->has_max = flag == 1;
    out->max = UINT64_MAX;
    if (out->has_max) {
        WASM_TRY(rd_u32(r, &v));
        out->max = v;
    }
    if (is_mem) {
        if (out->min > WASM_MAX_PAGES || (out->has_max && out->max > WASM_MAX_PAGES))
            return INVALID(r, "memory size must be at most 65536 pages (4GiB)");
    }
    if (out->has_max && out->min > out->max)
        return INVALID(r, "size minimum must not be greater than maximum");
    return BX_OK;
}

/* Whether b starts some instruction of WebAssembly 2.0. */
static bool is_opcode(uint8_t b)
{
    return b <= 0x05 || (b >= 0x0B && b <= 0x11) || (b >= 0x1A && b <= 0x1C) ||
           (b >= 0x20 && b <= 0x26) || (b >= 0x28 && b <= 0xC4) || (b >= 0xD0 && b <= 0xD2) ||
           b == 0xFC || b == 0xFD;
}

static void declare_func(wasm_module *m, uint32_t f)
{
    if (f < m->nfuncs)
        m->declared_funcs[f / 8] |= (uint8_t)(1u << (f % 8));
}

/* A constant expression of type `want` (0 = any reference, for elem items).
 * `nglobals_visible` bounds global.get (imported globals for initializers). */
static bx_err rd_cexpr(rd *r, wasm_module *m, uint8_t want, uint32_t nglobals_visible,
                       wasm__cexpr *out)
{
    memset(out, 0, sizeof *out);
    uint8_t op;
    WASM_TRY(rd_u8(r, &op));
    uint64_t v;
    switch (op) {
    case 0x41:
        WASM_TRY(rd_leb(r, 32, true, &v));
        out->kind = WASM__CEXPR_CONST, out->type = WASM_I32, out->v[0] = (uint32_t)v;
        break;
    case 0x42:
        WASM_TRY(rd_leb(r, 64, true, &v));
        out->kind = WASM__CEXPR_CONST, out->type = WASM_I64, out->v[0] = v;
        break;
    case 0x43:
        if (r->end - r->pos < 4)
            return MALFORMED(r, "unexpected end");
        {
            uint32_t u;
            memcpy(&u, r->base + r->pos, 4);
            out->v[0] = u;
        }
        r->pos += 4;
        out->kind = WASM__CEXPR_CONST, out->type = WASM_F32;
        break;
    case 0x44:
        if (r->end - r->pos < 8)
            return MALFORMED(r, "unexpected end");
        memcpy(&out->v[0], r->base + r->pos, 8);
        r->pos += 8;
        out->kind = WASM__CEXPR_CONST, out->type = WASM_F64;
        break;
    case 0xFD: {
        uint32_t sub;
        WASM_TRY(rd_u32(r, &sub));
        if (sub != 0x0c)
            return INVALID(r, "constant expression required");
        if (r->end - r->pos < 16)
            return MALFORMED(r, "unexpected end");
        memcpy(out->v, r->base + r->pos, 16);
        r->pos += 16;
        out->kind = WASM__CEXPR_CONST, out->type = WASM_V128;
        break;
    }
    case 0xD0: {
        uint8_t t;
        WASM_TRY(rd_reftype(r, &t));
        out->kind = WASM__CEXPR_NULL, out->type = t;
        break;
    }
    case 0xD2: {
        uint32_t f;
        WASM_TRY(rd_u32(r, &f));
        if (f >= m->nfuncs)
            return INVALID(r, "unknown function %u", f);
        declare_func(m, f);
        out->kind = WASM__CEXPR_FUNC, out->type = WASM_FUNCREF, out->index = f;
        break;
    }
    case 0x23: {
        uint32_t g;
        WASM_TRY(rd_u32(r, &g));
        if (g >= nglobals_visible)
            return INVALID(r, "unknown global %u", g);
        if (m->globals[g].mut)
            return INVALID(r, "constant expression required");
        out->kind = WASM__CEXPR_GLOBAL, out->type = m->globals[g].type, out->index = g;
        break;
    }
    case 0x0B:
        return INVALID(r, "type mismatch");
    default:
        if (!is_opcode(op))
            return MALFORMED(r, "illegal opcode %02x", op);
        return INVALID(r, "constant expression required");
    }
    WASM_TRY(rd_u8(r, &op));
    if (op != 0x0B) {
        if (op == 0x41 || op == 0x42 || op == 0x43 || op == 0x44 || op == 0xD0 || op == 0xD2 ||
            op == 0x23)
            return INVALID(r, "type mismatch");
        return INVALID(r, "constant expression required");
    }
    if (want == 0) {
        if (out->type != WASM_FUNCREF && out->type != WASM_EXTERNREF)
            return INVALID(r, "type mismatch");
    } else if (out->type != want) {
        return INVALID(r, "type mismatch");
    }
    return BX_OK;
}

/* ---------------------------------------------------------------- sections */

static bx_err sec_type(rd *r, wasm_module *m)
{
    uint32_t n;
    WASM_TRY(rd_count(r, WASM__MAX_TYPES, &n));
    bx_free(m->types); /* the empty placeholder a custom section left */
    m->types = bx_calloc(n ? n : 1, sizeof *m->types);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t form;
        WASM_TRY(rd_u8(r, &form));
        if (form != 0x60)
            return MALFORMED(r, "integer representation too long");
        uint32_t np, nr;
        WASM_TRY(rd_count(r, WASM__MAX_PARAMS, &np));
        size_t save = r->pos;
        r->pos += np; /* skip to the result count to size the array */
        WASM_TRY(rd_count(r, WASM__MAX_PARAMS, &nr));
        r->pos = save;
        wasm__functype *t = &m->types[m->ntypes++];
        t->types = bx_calloc(np + nr + 1, sizeof *t->types);
        t->vt = bx_calloc(np + nr + 1, 1);
        for (uint32_t k = 0; k < np; k++) {
            uint8_t vt;
            WASM_TRY(rd_valtype(r, &vt));
            t->types[k] = vt;
            t->vt[k] = vt;
            t->param_slots += wasm__valtype_slots(vt);
        }
        uint32_t nr2;
        WASM_TRY(rd_u32(r, &nr2));
        for (uint32_t k = 0; k < nr; k++) {
            uint8_t vt;
            WASM_TRY(rd_valtype(r, &vt));
            t->types[np + k] = vt;
            t->vt[np + k] = vt;
            t->result_slots += wasm__valtype_slots(vt);
        }
        t->pub.nparams = np;
        t->pub.nresults = nr;
        t->pub.params = t->types;
        t->pub.results = t->types + np;
    }
    return BX_OK;
}

static bx_err sec_import(rd *r, wasm_module *m)
{
    uint32_t n;
    WASM_TRY(rd_count(r, WASM__MAX_IMPORTS, &n));
    m->imports = bx_calloc(n ? n : 1, sizeof *m->imports);
    /* Globals and tables of imports are appended to those arrays later;
     * size them for the worst case now. */
    m->globals = bx_calloc(n ? n : 1, sizeof *m->globals);
    m->tables = bx_calloc(n ? n : 1, sizeof *m->tables);
    m->mems = bx_calloc(n ? n : 1, sizeof *m->mems);
    m->func_types = bx_calloc(n ? n : 1, sizeof *m->func_types);
    for (uint32_t i = 0; i < n; i++) {
        wasm__import *im = &m->imports[m->nimports++];
        WASM_TRY(rd_name(r, &im->module, &im->module_len));
        WASM_TRY(rd_name(r, &im->name, &im->name_len));
        uint8_t kind;
        WASM_TRY(rd_u8(r, &kind));
        im->kind = kind;
        switch (kind) {
        case WASM_EXTERN_FUNC:
            WASM_TRY(rd_u32(r, &im->type));
            if (im->type >= m->ntypes)
                return INVALID(r, "unknown type %u", im->type);
            m->func_types[m->nfunc_imports++] = im->type;
            break;
        case WASM_EXTERN_TABLE:
            WASM_TRY(rd_reftype(r, &im->valtype));
            WASM_TRY(rd_limits(r, false, &im->lim));
            m->tables[m->ntable_imports].elem = im->valtype;
            m->tables[m->ntable_imports++].lim = im->lim;
            break;
        case WASM_EXTERN_MEMORY:
            WASM_TRY(rd_limits(r, true, &im->lim));
            m->mems[m->nmem_imports++] = im->lim;
            break;
        case WASM_EXTERN_GLOBAL: {
            uint8_t mut;
            WASM_TRY(rd_valtype(r, &im->valtype));
            WASM_TRY(rd_u8(r, &mut));
            if (mut > 1)
                return MALFORMED(r, "malformed mutability");
            im->mut = mut;
            m->globals[m->nglobal_imports].type = im->valtype;
            m->globals[m->nglobal_imports++].mut = mut;
            break;
        }
        default:
            return MALFORMED(r, "malformed import kind");
        }
    }
    if (m->nmem_imports > 1)
        return INVALID(r, "multiple memories");
    m->nfuncs = m->nfunc_imports;
    m->ntables = m->ntable_imports;
    m->nmems = m->nmem_imports;
    m->nglobals = m->nglobal_imports;
    return BX_OK;
}

/* Grows a module array to hold `extra` more entries after `used`. */
static void *grow(void *p, size_t used, size_t extra, size_t elem)
{
    void *q = bx_calloc(used + extra + 1, elem);
    if (p && used)
        memcpy(q, p, used * elem);
    bx_free(p);
    return q;
}

static bx_err sec_function(rd *r, wasm_module *m, uint32_t *out_ndefined)
{
    uint32_t n;
    WASM_TRY(rd_count(r, WASM__MAX_FUNCS, &n));
    m->func_types = grow(m->func_types, m->nfuncs, n, sizeof *m->func_types);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t t;
        WASM_TRY(rd_u32(r, &t));
        if (t >= m->ntypes)
            return INVALID(r, "unknown type %u", t);
        m->func_types[m->nfuncs++] = t;
    }
    *out_ndefined = n;
    return BX_OK;
}

static bx_err sec_table(rd *r, wasm_module *m)
{
    uint32_t n;
    WASM_TRY(rd_count(r, WASM__MAX_TABLES, &n));
    m->tables = grow(m->tables, m->ntables, n, sizeof *m->tables);
    for (uint32_t i = 0; i < n; i++) {
        wasm__table_def *t = &m->tables[m->ntables++];
        WASM_TRY(rd_reftype(r, &t->elem));
        WASM_TRY(rd_limits(r, false, &t->lim));
    }
    return BX_OK;
}

static bx_err sec_memory(rd *r, wasm_module *m)
{
    uint32_t n;
    WASM_TRY(rd_count(r, WASM__MAX_TABLES, &n));
    if (m->nmems + n > 1)
        return INVALID(r, "multiple memories");
    m->mems = grow(m->mems, m->nmems, n, sizeof *m->mems);
    for (uint32_t i = 0; i < n; i++)
        WASM_TRY(rd_limits(r, true, &m->mems[m->nmems++]));
    if (m->nmems > 1)
        return INVALID(r, "multiple memories");
    return BX_OK;
}

static bx_err sec_global(rd *r, wasm_module *m)
{
    uint32_t n;
    WASM_TRY(rd_count(r, WASM__MAX_GLOBALS, &n));
    m->globals = grow(m->globals, m->nglobals, n, sizeof *m->globals);
    for (uint32_t i = 0; i < n; i++) {
        wasm__global_def *g = &m->globals[m->nglobals];
        uint8_t mut;
        WASM_TRY(rd_valtype(r, &g->type));
        WASM_TRY(rd_u8(r, &mut));
        if (mut > 1)
            return MALFORMED(r, "malformed mutability");
        g->mut = mut;
        WASM_TRY(rd_cexpr(r, m, g->type, m->nglobal_imports, &g->init));
        m->nglobals++;
    }
    return BX_OK;
}

static bx_err sec_export(rd *r, wasm_module *m)
{
    uint32_t n;
    WASM_TRY(rd_count(r, WASM__MAX_EXPORTS, &n));
    m->exports = bx_calloc(n ? n : 1, sizeof *m->exports);
    bx_map seen;
    bx_map_init(&seen);
    bx_err err = BX_OK;
    for (uint32_t i = 0; i < n && err == BX_OK; i++) {
        wasm__export *e = &m->exports[m->nexports];
        err = rd_name(r, &e->name, &e->name_len);
        if (err != BX_OK)
            break;
        m->nexports++;
        uint8_t kind;
        if ((err = rd_u8(r, &kind)) != BX_OK || (err = rd_u32(r, &e->index)) != BX_OK)
            break;
        e->kind = kind;
        switch (kind) {
        case WASM_EXTERN_FUNC:
            if (e->index >= m->nfuncs)
                err = INVALID(r, "unknown function %u", e->index);
            declare_func(m, e->index);
            break;
        case WASM_EXTERN_TABLE:
            if (e->index >= m->ntables)
                err = INVALID(r, "unknown table %u", e->index);
            break;
        case WASM_EXTERN_MEMORY:
            if (e->index >= m->nmems)
                err = INVALID(r, "unknown memory %u", e->index);
            break;
        case WASM_EXTERN_GLOBAL:
            if (e->index >= m->nglobals)
                err = INVALID(r, "unknown global %u", e->index);
            break;
        default:
            err = MALFORMED(r, "malformed export kind");
        }
        if (err == BX_OK) {
            if (bx_map_get(&seen, e->name, e->name_len))
                err = INVALID(r, "duplicate export name");
            else
                bx_map_put(&seen, e->name, e->name_len, e, NULL);
        }
    }
    bx_map_release(&seen);
    return err;
}

static bx_err sec_start(rd *r, wasm_module *m)
{
    WASM_TRY(rd_u32(r, &m->start));
    if (m->start >= m->nfuncs)
        return INVALID(r, "unknown function %u", m->start);
    const wasm__functype *t = &m->types[m->func_types[m->start]];
    if (t->pub.nparams || t->pub.nresults)
        return INVALID(r, "start function");
    m->has_start = true;
    return BX_OK;
}

static bx_err sec_elem(rd *r, wasm_module *m)
{
    uint32_t n;
    WASM_TRY(rd_count(r, WASM__MAX_SEGMENTS, &n));
    m->elems = bx_calloc(n ? n : 1, sizeof *m->elems);
    for (uint32_t i = 0; i < n; i++) {
        wasm__elem *e = &m->elems[m->nelems++];
        uint32_t flags;
        WASM_TRY(rd_u32(r, &flags));
        if (flags > 7)
            return MALFORMED(r, "malformed elements segment kind");
        e->mode = (flags & 1) ? ((flags & 2) ? WASM__SEG_DECLARATIVE : WASM__SEG_PASSIVE)
                              : WASM__SEG_ACTIVE;
        e->type = WASM_FUNCREF;
        if (e->mode == WASM__SEG_ACTIVE) {
            if (flags & 2)
                WASM_TRY(rd_u32(r, &e->table));
            if (e->table >= m->ntables)
                return INVALID(r, "unknown table %u", e->table);
            WASM_TRY(rd_cexpr(r, m, WASM_I32, m->nglobal_imports, &e->offset));
        }
        bool exprs = flags & 4;
        if ((flags & 3) != 0) { /* explicit elemkind / reftype */
            if (exprs) {
                WASM_TRY(rd_reftype(r, &e->type));
            } else {
                uint8_t k;
                WASM_TRY(rd_u8(r, &k));
                if (k != 0)
                    return MALFORMED(r, "malformed element kind");
            }
        }
        WASM_TRY(rd_count(r, WASM__MAX_TABLE_ELEMS, &e->count));
        e->items = bx_calloc(e->count ? e->count : 1, sizeof *e->items);
        for (uint32_t k = 0; k < e->count; k++) {
            if (exprs) {
                WASM_TRY(rd_cexpr(r, m, e->type, m->nglobal_imports, &e->items[k]));
            } else {
                uint32_t f;
                WASM_TRY(rd_u32(r, &f));
                if (f >= m->nfuncs)
                    return INVALID(r, "unknown function %u", f);
                declare_func(m, f);
                e->items[k].kind = WASM__CEXPR_FUNC;
                e->items[k].type = WASM_FUNCREF;
                e->items[k].index = f;
            }
        }
        if (e->mode == WASM__SEG_ACTIVE && m->tables[e->table].elem != e->type)
            return INVALID(r, "type mismatch");
    }
    return BX_OK;
}

static bx_err sec_data(rd *r, wasm_module *m)
{
    uint32_t n;
    WASM_TRY(rd_count(r, WASM__MAX_SEGMENTS, &n));
    if (m->has_datacount && n != m->datacount)
        return MALFORMED(r, "data count and data section have inconsistent lengths");
    m->datas = bx_calloc(n ? n : 1, sizeof *m->datas);
    for (uint32_t i = 0; i < n; i++) {
        wasm__data *d = &m->datas[m->ndatas++];
        uint32_t flags;
        WASM_TRY(rd_u32(r, &flags));
        if (flags > 2)
            return MALFORMED(r, "malformed data segment kind");
        d->mode = flags == 1 ? WASM__SEG_PASSIVE : WASM__SEG_ACTIVE;
        if (flags == 2)
            WASM_TRY(rd_u32(r, &d->memory));
        if (d->mode == WASM__SEG_ACTIVE) {
            if (d->memory >= m->nmems)
                return INVALID(r, "unknown memory %u", d->memory);
            WASM_TRY(rd_cexpr(r, m, WASM_I32, m->nglobal_imports, &d->offset));
        }
        WASM_TRY(rd_u32(r, &d->len));
        if (d->len > r->end - r->pos)
            return MALFORMED(r, "unexpected end of section or function");
        d->bytes = bx_malloc(d->len ? d->len : 1);
        memcpy(d->bytes, r->base + r->pos, d->len);
        r->pos += d->len;
    }
    return BX_OK;
}

static bx_err sec_code(rd *r, wasm_module *m, uint32_t ndefined)
{
    uint32_t n;
    WASM_TRY(rd_count(r, WASM__MAX_FUNCS, &n));
    if (n != ndefined)
        return MALFORMED(r, "function and code section have inconsistent lengths");
    for (uint32_t i = 0; i < n; i++) {
        uint32_t size;
        WASM_TRY(rd_u32(r, &size));
        if (size > r->end - r->pos)
            return MALFORMED(r, "unexpected end of section or function");
        if (size > WASM__MAX_BODY_BYTES)
            return MALFORMED(r, "function body too large");
        WASM_TRY(wasm__compile(m, m->nfunc_imports + i, r->base, r->pos, size, r->detail));
        r->pos += size;
    }
    return BX_OK;
}

/* The custom "name" section: only the module name is kept; a malformed
 * name section is ignored, as the spec allows. */
static void sec_name(rd *r, wasm_module *m)
{
    rd sub = *r;
    sub.detail = NULL;
    while (sub.pos < sub.end) {
        uint8_t id;
        uint32_t size;
        if (rd_u8(&sub, &id) != BX_OK || rd_u32(&sub, &size) != BX_OK || size > sub.end - sub.pos)
            return;
        if (id == 0 && !m->name) {
            rd nr = sub;
            nr.end = sub.pos + size;
            char *name = NULL;
            uint32_t nlen;
            if (rd_name(&nr, &name, &nlen) == BX_OK)
                m->name = name;
        }
        sub.pos += size;
    }
}

static int section_rank(uint8_t id)
{
    static const int rank[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};
    return id < BX_ARRAY_LEN(rank) ? rank[id] : -1;
}

bx_err wasm__decode(wasm_module *m, const uint8_t *bytes, size_t len, bx_error *detail)
{
    rd r = {bytes, 0, len, detail};
    if (len > WASM_MAX_MODULE_BYTES)
        return MALFORMED(&r, "module too large");
    if (len < 4 || memcmp(bytes, "\0asm", 4) != 0)
        return MALFORMED(&r, "magic header not detected");
    r.pos = 4;
    if (len < 8)
        return MALFORMED(&r, "unknown binary version");
    if (memcmp(bytes + 4, "\1\0\0\0", 4) != 0)
        return MALFORMED(&r, "unknown binary version");
    r.pos = 8;
    int last = 0;
    uint32_t ndefined = 0;
    bool have_function = false, have_code = false;
    while (r.pos < r.end) {
        uint8_t id;
        uint32_t size;
        WASM_TRY(rd_u8(&r, &id));
        WASM_TRY(rd_u32(&r, &size));
        if (size > r.end - r.pos)
            return MALFORMED(&r, "length out of bounds");
        int rank = section_rank(id);
        if (rank < 0)
            return MALFORMED(&r, "malformed section id");
        if (id != 0) {
            if (rank <= last)
                return MALFORMED(&r, "unexpected content after last section");
            last = rank;
        }
        if (id >= 2 && !m->types)
            m->types = bx_calloc(1, sizeof *m->types);
        if (id > 3 && !m->declared_funcs) {
            m->declared_funcs = bx_calloc(m->nfuncs / 8 + 1, 1);
        }
        rd s = r;
        s.end = r.pos + size;
        switch (id) {
        case 0: {
            char *name = NULL;
            uint32_t nlen = 0;
            WASM_TRY(rd_name(&s, &name, &nlen));
            if (nlen == 4 && memcmp(name, "name", 4) == 0)
                sec_name(&s, m);
            bx_free(name);
            s.pos = s.end;
            break;
        }
        case 1: WASM_TRY(sec_type(&s, m)); break;
        case 2: WASM_TRY(sec_import(&s, m)); break;
        case 3:
            WASM_TRY(sec_function(&s, m, &ndefined));
            have_function = true;
            break;
        case 4: WASM_TRY(sec_table(&s, m)); break;
        case 5: WASM_TRY(sec_memory(&s, m)); break;
        case 6: WASM_TRY(sec_global(&s, m)); break;
        case 7: WASM_TRY(sec_export(&s, m)); break;
        case 8: WASM_TRY(sec_start(&s, m)); break;
        case 9: WASM_TRY(sec_elem(&s, m)); break;
        case 12:
            WASM_TRY(rd_u32(&s, &m->datacount));
            m->has_datacount = true;
            break;
        case 10:
            m->codes = bx_calloc(ndefined ? ndefined : 1, sizeof *m->codes);
            WASM_TRY(sec_code(&s, m, ndefined));
            have_code = true;
            break;
        case 11: WASM_TRY(sec_data(&s, m)); break;
        }
        if (s.pos != s.end) {
            r.pos = s.pos;
            return MALFORMED(&r, "section size mismatch");
        }
        r.pos = s.end;
        /* Arrays that later sections index into always exist. */
        if (!m->types)
            m->types = bx_calloc(1, sizeof *m->types);
    }
    if (!m->declared_funcs)
        m->declared_funcs = bx_calloc(m->nfuncs / 8 + 1, 1);
    if (ndefined && !have_code)
        return MALFORMED(&r, "function and code section have inconsistent lengths");
    (void)have_function;
    if (m->needs_datacount) {
        if (m->max_data_ref > m->ndatas)
            return INVALID(&r, "unknown data segment %u", m->max_data_ref - 1);
        return MALFORMED(&r, "data count section required");
    }
    if (m->has_datacount && m->datacount != m->ndatas)
        return MALFORMED(&r, "data count and data section have inconsistent lengths");
    if (!m->codes)
        m->codes = bx_calloc(1, sizeof *m->codes);
    return BX_OK;
}

void wasm__module_release(wasm_module *m)
{
    for (uint32_t i = 0; i < m->ntypes; i++) {
        bx_free(m->types[i].types);
        bx_free(m->types[i].vt);
    }
    bx_free(m->types);
    for (uint32_t i = 0; i < m->nimports; i++) {
        bx_free(m->imports[i].module);
        bx_free(m->imports[i].name);
    }
    bx_free(m->imports);
    bx_free(m->func_types);
    if (m->codes) {
        for (uint32_t i = 0; i + m->nfunc_imports < m->nfuncs; i++) {
            bx_free(m->codes[i].code);
            bx_free(m->codes[i].local_types);
        }
    }
    bx_free(m->codes);
    bx_free(m->tables);
    bx_free(m->mems);
    bx_free(m->globals);
    for (uint32_t i = 0; i < m->nexports; i++)
        bx_free(m->exports[i].name);
    bx_free(m->exports);
    for (uint32_t i = 0; i < m->nelems; i++)
        bx_free(m->elems[i].items);
    bx_free(m->elems);
    for (uint32_t i = 0; i < m->ndatas; i++)
        bx_free(m->datas[i].bytes);
    bx_free(m->datas);
    bx_free(m->declared_funcs);
    bx_free(m->name);
}
