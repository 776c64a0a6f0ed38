/* wasm_runtime.c: modules, runtime objects, the linker, instances, calls.
 *
 * Linear memories reserve their whole maximum (capped by the instance's
 * page limit) as PROT_NONE address space and make pages accessible as they
 * grow, so the base pointer never moves while code runs. Value and frame
 * stacks are reserved the same way on an instance's first call: an idle
 * instance costs only its small arrays. Memories, tables and globals are
 * reference-counted so instances and linkers can share them.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/mman.h>

#include "wasm/wasm_int.h"

static const char *const trap_msgs[] = {
#define WASM_TRAP_MSG(name, msg) msg,
    WASM_TRAP_LIST(WASM_TRAP_MSG)
#undef WASM_TRAP_MSG
};

const char *wasm_trap_str(wasm_trap trap)
{
    if ((unsigned)trap >= BX_ARRAY_LEN(trap_msgs))
        return "unknown trap";
    return trap_msgs[trap];
}

/* ---------------------------------------------------------------- values */

uint32_t wasm__slots_of(uint8_t valtype) { return wasm__valtype_slots(valtype); }

void wasm__val_to_slots(const wasm_val *v, uint64_t *slots)
{
    switch (v->type) {
    case WASM_I32: slots[0] = (uint32_t)v->of.i32; break;
    case WASM_I64: slots[0] = (uint64_t)v->of.i64; break;
    case WASM_F32: {
        uint32_t u;
        memcpy(&u, &v->of.f32, 4);
        slots[0] = u;
        break;
    }
    case WASM_F64: memcpy(&slots[0], &v->of.f64, 8); break;
    case WASM_V128: memcpy(slots, v->of.v128, 16); break;
    case WASM_FUNCREF: slots[0] = (uintptr_t)v->of.func; break;
    case WASM_EXTERNREF: slots[0] = (uintptr_t)v->of.ext; break;
    default: slots[0] = 0; break;
    }
}

void wasm__slots_to_val(uint8_t type, const uint64_t *slots, wasm_val *out)
{
    memset(out, 0, sizeof *out);
    out->type = (wasm_valtype)type;
    switch (type) {
    case WASM_I32: out->of.i32 = (int32_t)(uint32_t)slots[0]; break;
    case WASM_I64: out->of.i64 = (int64_t)slots[0]; break;
    case WASM_F32: {
        uint32_t u = (uint32_t)slots[0];
        memcpy(&out->of.f32, &u, 4);
        break;
    }
    case WASM_F64: memcpy(&out->of.f64, &slots[0], 8); break;
    case WASM_V128: memcpy(out->of.v128, slots, 16); break;
    case WASM_FUNCREF: out->of.func = (wasm_func *)(uintptr_t)slots[0]; break;
    case WASM_EXTERNREF: out->of.ext = (void *)(uintptr_t)slots[0]; break;
    default: break;
    }
}

bool wasm__functype_eq(const wasm_functype *a, const wasm_functype *b)
{
    if (a == b)
        return true;
    if (a->nparams != b->nparams || a->nresults != b->nresults)
        return false;
    for (uint32_t i = 0; i < a->nparams; i++)
        if (a->params[i] != b->params[i])
            return false;
    for (uint32_t i = 0; i < a->nresults; i++)
        if (a->results[i] != b->results[i])
            return false;
    return true;
}

/* --------------------------------------------------------------- modules */

bx_err wasm_module_new(const uint8_t *bytes, size_t len, bx_error *detail, wasm_module **out)
{
    *out = NULL;
    if (!bytes && len)
        return bx_error_set(detail, BX_INVALID, -1, "no bytes");
    wasm_module *m = bx_calloc(1, sizeof *m);
    atomic_init(&m->refs, 1);
    bx_err err = wasm__decode(m, bytes ? bytes : (const uint8_t *)"", len, detail);
    if (err != BX_OK) {
        wasm__module_release(m);
        bx_free(m);
        return err;
    }
    *out = m;
    return BX_OK;
}

wasm_module *wasm_module_ref(wasm_module *m)
{
    atomic_fetch_add(&m->refs, 1);
    return m;
}

void wasm_module_unref(wasm_module *m)
{
    if (!m || atomic_fetch_sub(&m->refs, 1) != 1)
        return;
    wasm__module_release(m);
    bx_free(m);
}

uint32_t wasm_module_import_count(const wasm_module *m) { return m->nimports; }
uint32_t wasm_module_export_count(const wasm_module *m) { return m->nexports; }
const char *wasm_module_name(const wasm_module *m) { return m->name; }

static void describe(const wasm_module *m, uint8_t kind, uint32_t index, wasm_extern_desc *out)
{
    out->kind = kind;
    switch (kind) {
    case WASM_EXTERN_FUNC: out->func = m->types[m->func_types[index]].pub; break;
    case WASM_EXTERN_TABLE:
        out->elem_type = m->tables[index].elem;
        out->limits = m->tables[index].lim;
        break;
    case WASM_EXTERN_MEMORY: out->limits = m->mems[index]; break;
    case WASM_EXTERN_GLOBAL:
        out->global_type = m->globals[index].type;
        out->global_mutable = m->globals[index].mut;
        break;
    }
}

bool wasm_module_import(const wasm_module *m, uint32_t i, wasm_extern_desc *out)
{
    if (i >= m->nimports)
        return false;
    memset(out, 0, sizeof *out);
    const wasm__import *im = &m->imports[i];
    out->module = im->module;
    out->module_len = im->module_len;
    out->name = im->name;
    out->name_len = im->name_len;
    /* Index of this import within its kind. */
    uint32_t idx = 0;
    for (uint32_t k = 0; k < i; k++)
        idx += m->imports[k].kind == im->kind;
    describe(m, im->kind, idx, out);
    return true;
}

bool wasm_module_export(const wasm_module *m, uint32_t i, wasm_extern_desc *out)
{
    if (i >= m->nexports)
        return false;
    memset(out, 0, sizeof *out);
    out->name = m->exports[i].name;
    out->name_len = m->exports[i].name_len;
    describe(m, m->exports[i].kind, m->exports[i].index, out);
    return true;
}

/* --------------------------------------------------------------- memories */

static wasm_memory *memory_create(uint32_t min_pages, uint64_t type_max, uint64_t limit_pages)
{
    uint64_t max = type_max < limit_pages ? type_max : limit_pages;
    if (max > WASM_MAX_PAGES)
        max = WASM_MAX_PAGES;
    if (min_pages > max)
        return NULL;
    uint64_t reserve = max * (uint64_t)WASM_PAGE_SIZE;
    if (reserve == 0)
        reserve = WASM_PAGE_SIZE; /* a valid, inaccessible base */
    void *p = mmap(NULL, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    uint64_t size = (uint64_t)min_pages * WASM_PAGE_SIZE;
    if (size && mprotect(p, size, PROT_READ | PROT_WRITE) != 0) {
        munmap(p, reserve);
        return NULL;
    }
    wasm_memory *m = bx_calloc(1, sizeof *m);
    atomic_init(&m->refs, 1);
    m->data = p;
    m->size = size;
    m->reserved = reserve;
    m->max_pages = max;
    m->type_max = type_max;
    return m;
}

wasm_memory *wasm_memory_new(uint32_t min_pages, uint64_t max_pages)
{
    return memory_create(min_pages, max_pages, WASM_MAX_PAGES);
}

void wasm_memory_unref(wasm_memory *m)
{
    if (!m || atomic_fetch_sub(&m->refs, 1) != 1)
        return;
    munmap(m->data, m->reserved);
    bx_free(m);
}

uint8_t *wasm_memory_data(wasm_memory *m) { return m->data; }
uint64_t wasm_memory_size(const wasm_memory *m) { return m->size; }

int64_t wasm_memory_grow(wasm_memory *m, uint32_t delta)
{
    uint64_t old = m->size / WASM_PAGE_SIZE;
    if (delta == 0)
        return (int64_t)old;
    if (old + delta > m->max_pages)
        return -1;
    uint64_t add = (uint64_t)delta * WASM_PAGE_SIZE;
    if (mprotect(m->data + m->size, add, PROT_READ | PROT_WRITE) != 0)
        return -1;
    m->size += add;
    return (int64_t)old;
}

/* ----------------------------------------------------------------- tables */

static wasm_table *table_create(uint8_t elem, uint32_t min, uint64_t type_max, uint64_t limit)
{
    uint64_t max = type_max < limit ? type_max : limit;
    if (max > WASM__MAX_TABLE_ELEMS)
        max = WASM__MAX_TABLE_ELEMS;
    if (min > max)
        return NULL;
    wasm_table *t = bx_calloc(1, sizeof *t);
    atomic_init(&t->refs, 1);
    t->elem = elem;
    t->size = min;
    t->cap = min;
    t->max = max;
    t->type_max = type_max;
    t->elems = bx_calloc(min ? min : 1, sizeof *t->elems);
    return t;
}

wasm_table *wasm_table_new(wasm_valtype elem_type, uint32_t min, uint64_t max)
{
    if (elem_type != WASM_FUNCREF && elem_type != WASM_EXTERNREF)
        return NULL;
    return table_create((uint8_t)elem_type, min, max, UINT64_MAX);
}

void wasm_table_unref(wasm_table *t)
{
    if (!t || atomic_fetch_sub(&t->refs, 1) != 1)
        return;
    bx_free(t->elems);
    bx_free(t);
}

uint32_t wasm_table_size(const wasm_table *t) { return t->size; }

bool wasm_table_get(const wasm_table *t, uint32_t i, wasm_val *out)
{
    if (i >= t->size)
        return false;
    memset(out, 0, sizeof *out);
    out->type = (wasm_valtype)t->elem;
    if (t->elem == WASM_FUNCREF)
        out->of.func = t->elems[i];
    else
        out->of.ext = t->elems[i];
    return true;
}

bool wasm_table_set(wasm_table *t, uint32_t i, const wasm_val *v)
{
    if (i >= t->size || v->type != t->elem)
        return false;
    t->elems[i] = t->elem == WASM_FUNCREF ? (void *)v->of.func : v->of.ext;
    return true;
}

int64_t wasm__table_grow(wasm_table *t, uint32_t delta, void *init)
{
    uint64_t old = t->size;
    if (old + delta > t->max)
        return -1;
    uint32_t nsize = (uint32_t)(old + delta);
    if (nsize > t->cap) {
        uint64_t cap = (uint64_t)t->cap * 2;
        if (cap < nsize)
            cap = nsize;
        if (cap > t->max)
            cap = t->max;
        t->elems = bx_realloc(t->elems, cap * sizeof *t->elems);
        t->cap = (uint32_t)cap;
    }
    for (uint32_t i = (uint32_t)old; i < nsize; i++)
        t->elems[i] = init;
    t->size = nsize;
    return (int64_t)old;
}

/* ---------------------------------------------------------------- globals */

wasm_global *wasm_global_new(const wasm_val *init, bool is_mutable)
{
    wasm_global *g = bx_calloc(1, sizeof *g);
    atomic_init(&g->refs, 1);
    g->type = (uint8_t)init->type;
    g->mut = is_mutable;
    wasm__val_to_slots(init, g->v);
    return g;
}

void wasm_global_unref(wasm_global *g)
{
    if (!g || atomic_fetch_sub(&g->refs, 1) != 1)
        return;
    bx_free(g);
}

void wasm_global_get(const wasm_global *g, wasm_val *out) { wasm__slots_to_val(g->type, g->v, out); }

bool wasm_global_set(wasm_global *g, const wasm_val *v)
{
    if (!g->mut || v->type != g->type)
        return false;
    wasm__val_to_slots(v, g->v);
    return true;
}

/* ---------------------------------------------------------- host functions */

wasm_func *wasm_func_new_host(const wasm_functype *type, wasm_host_fn fn, void *env)
{
    wasm__host *h = bx_calloc(1, sizeof *h);
    atomic_init(&h->refs, 1);
    wasm__functype *t = &h->htype;
    t->types = bx_calloc(type->nparams + type->nresults + 1, sizeof *t->types);
    for (uint32_t i = 0; i < type->nparams; i++) {
        t->types[i] = type->params[i];
        t->param_slots += wasm__valtype_slots((uint8_t)type->params[i]);
    }
    for (uint32_t i = 0; i < type->nresults; i++) {
        t->types[type->nparams + i] = type->results[i];
        t->result_slots += wasm__valtype_slots((uint8_t)type->results[i]);
    }
    t->pub.nparams = type->nparams;
    t->pub.nresults = type->nresults;
    t->pub.params = t->types;
    t->pub.results = t->types + type->nparams;
    h->base.type = &t->pub;
    h->fn = fn;
    h->env = env;
    return &h->base;
}

static wasm_func *func_ref(wasm_func *f)
{
    if (!f->code)
        atomic_fetch_add(&wasm__host_of(f)->refs, 1);
    return f;
}

void wasm_func_unref(wasm_func *f)
{
    if (!f || f->code)
        return;
    wasm__host *h = wasm__host_of(f);
    if (atomic_fetch_sub(&h->refs, 1) != 1)
        return;
    bx_free(h->htype.types);
    bx_free(h);
}

const wasm_functype *wasm_func_type(const wasm_func *f) { return f->type; }

/* ------------------------------------------------------------- host calls */

wasm_instance *wasm_call_instance(wasm_call *call) { return call->inst; }
void *wasm_call_env(wasm_call *call) { return wasm__host_of(call->func)->env; }
const wasm_functype *wasm_call_type(wasm_call *call) { return call->func->type; }

static wasm_memory *call_mem(wasm_call *call)
{
    if (!call->inst || !call->inst->module->nmems)
        return NULL;
    return call->inst->mems[0];
}

uint8_t *wasm_mem_ptr(wasm_call *call, uint64_t offset, uint64_t len)
{
    wasm_memory *m = call_mem(call);
    if (!m || offset > m->size || len > m->size - offset)
        return NULL;
    return m->data + offset;
}

uint64_t wasm_mem_size(wasm_call *call)
{
    wasm_memory *m = call_mem(call);
    return m ? m->size : 0;
}

int wasm_call_trap(wasm_call *call, const char *fmt, ...)
{
    call->res->trap = WASM_TRAP_HOST;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(call->res->message, sizeof call->res->message, fmt, ap);
    va_end(ap);
    return -1;
}

int wasm_call_exit(wasm_call *call, int32_t status)
{
    call->res->trap = WASM_TRAP_EXIT;
    call->res->exit_status = status;
    snprintf(call->res->message, sizeof call->res->message, "exit %d", (int)status);
    return -1;
}

/* ------------------------------------------------------------------ linker */

struct wasm_linker {
    bx_map map; /* "module\0name" -> wasm_extern * */
};

wasm_linker *wasm_linker_new(void)
{
    wasm_linker *l = bx_calloc(1, sizeof *l);
    bx_map_init(&l->map);
    return l;
}

static void extern_ref(const wasm_extern *e)
{
    switch (e->kind) {
    case WASM_EXTERN_FUNC: func_ref(e->of.func); break;
    case WASM_EXTERN_TABLE: atomic_fetch_add(&e->of.table->refs, 1); break;
    case WASM_EXTERN_MEMORY: atomic_fetch_add(&e->of.memory->refs, 1); break;
    case WASM_EXTERN_GLOBAL: atomic_fetch_add(&e->of.global->refs, 1); break;
    }
}

static void extern_unref(const wasm_extern *e)
{
    switch (e->kind) {
    case WASM_EXTERN_FUNC: wasm_func_unref(e->of.func); break;
    case WASM_EXTERN_TABLE: wasm_table_unref(e->of.table); break;
    case WASM_EXTERN_MEMORY: wasm_memory_unref(e->of.memory); break;
    case WASM_EXTERN_GLOBAL: wasm_global_unref(e->of.global); break;
    }
}

void wasm_linker_free(wasm_linker *l)
{
    if (!l)
        return;
    bx_map_entry *e;
    for (size_t i = 0; bx_map_next(&l->map, &i, &e);) {
        extern_unref(e->value);
        bx_free(e->value);
    }
    bx_map_release(&l->map);
    bx_free(l);
}

static char *link_key(const char *module, size_t mlen, const char *name, size_t nlen, size_t *klen)
{
    char *k = bx_malloc(mlen + nlen + 2);
    memcpy(k, module, mlen);
    k[mlen] = 0;
    memcpy(k + mlen + 1, name, nlen);
    k[mlen + 1 + nlen] = 0;
    *klen = mlen + nlen + 1;
    return k;
}

static bx_err linker_put(wasm_linker *l, const char *module, size_t mlen, const char *name,
                         size_t nlen, const wasm_extern *ext)
{
    size_t klen;
    char *k = link_key(module, mlen, name, nlen, &klen);
    wasm_extern *copy = bx_malloc(sizeof *copy);
    *copy = *ext;
    extern_ref(copy);
    void *old = NULL;
    bx_map_put(&l->map, k, klen, copy, &old);
    bx_free(k);
    if (old) {
        extern_unref(old);
        bx_free(old);
    }
    return BX_OK;
}

bx_err wasm_linker_define(wasm_linker *l, const char *module, const char *name,
                          const wasm_extern *ext)
{
    return linker_put(l, module, strlen(module), name, strlen(name), ext);
}

bx_err wasm_linker_define_host(wasm_linker *l, const char *module, const char *name,
                               const wasm_functype *type, wasm_host_fn fn, void *env)
{
    wasm_func *f = wasm_func_new_host(type, fn, env);
    wasm_extern e = {.kind = WASM_EXTERN_FUNC, .of.func = f};
    bx_err err = wasm_linker_define(l, module, name, &e);
    wasm_func_unref(f);
    return err;
}

bx_err wasm_linker_define_instance(wasm_linker *l, const char *module, wasm_instance *inst)
{
    wasm_module *m = inst->module;
    for (uint32_t i = 0; i < m->nexports; i++) {
        wasm_extern e;
        wasm_instance_export_at(inst, i, &e);
        linker_put(l, module, strlen(module), m->exports[i].name, m->exports[i].name_len, &e);
    }
    return BX_OK;
}

static const wasm_extern *linker_get(const wasm_linker *l, const wasm__import *im)
{
    if (!l)
        return NULL;
    size_t klen;
    char *k = link_key(im->module, im->module_len, im->name, im->name_len, &klen);
    const wasm_extern *e = bx_map_get(&l->map, k, klen);
    bx_free(k);
    return e;
}

/* --------------------------------------------------------------- instances */

void wasm_limits_default(wasm_limits *out)
{
    memset(out, 0, sizeof *out);
    out->fuel_enabled = false;
    out->fuel = 0;
    out->max_call_depth = 10000;
    out->max_stack_bytes = 8u << 20;
    out->max_memory_pages = WASM_MAX_PAGES;
    out->max_table_elems = WASM__MAX_TABLE_ELEMS;
}

static bool limits_match(uint64_t have_min, uint64_t have_max, const wasm_limits_type *want)
{
    if (have_min < want->min)
        return false;
    if (want->has_max && (have_max == UINT64_MAX || have_max > want->max))
        return false;
    return true;
}

static uint64_t cexpr_eval(wasm_instance *inst, const wasm__cexpr *x, uint64_t *hi)
{
    if (hi)
        *hi = 0;
    switch (x->kind) {
    case WASM__CEXPR_CONST:
        if (hi)
            *hi = x->v[1];
        return x->v[0];
    case WASM__CEXPR_GLOBAL:
        if (hi)
            *hi = inst->globals[x->index]->v[1];
        return inst->globals[x->index]->v[0];
    case WASM__CEXPR_FUNC: return (uintptr_t)wasm__func_at(inst, x->index);
    default: return 0;
    }
}

/* Execution stacks are reserved lazily and recycled through a small pool,
 * so instantiating and calling costs no mmap/munmap and no fresh page
 * faults in the common case. A recycled stack holds stale slots, which
 * validated code never reads before writing (locals are zeroed on entry). */
#define STACK_POOL_MAX 16
static pthread_mutex_t stack_pool_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    uint64_t *stack;
    size_t slots;
    wasm__frame *frames;
    size_t nframes;
} stack_pool[STACK_POOL_MAX];
static size_t stack_pool_len;

bx_err wasm__exec_init(wasm_instance *inst)
{
    if (inst->stack)
        return BX_OK;
    size_t slots = inst->limits.max_stack_bytes / sizeof(uint64_t);
    if (slots < 1024)
        slots = 1024;
    size_t frames = inst->limits.max_call_depth ? inst->limits.max_call_depth : 1;
    pthread_mutex_lock(&stack_pool_mu);
    for (size_t i = 0; i < stack_pool_len; i++) {
        if (stack_pool[i].slots == slots && stack_pool[i].nframes == frames) {
            inst->stack = stack_pool[i].stack;
            inst->frames = stack_pool[i].frames;
            stack_pool[i] = stack_pool[--stack_pool_len];
            break;
        }
    }
    pthread_mutex_unlock(&stack_pool_mu);
    if (!inst->stack) {
        void *s = mmap(NULL, slots * sizeof(uint64_t), PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (s == MAP_FAILED)
            return BX_NOMEM;
        void *f = mmap(NULL, (frames + 1) * sizeof(wasm__frame), PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (f == MAP_FAILED) {
            munmap(s, slots * sizeof(uint64_t));
            return BX_NOMEM;
        }
        inst->stack = s;
        inst->frames = f;
    }
    inst->stack_slots = slots;
    inst->max_frames = frames;
    inst->sp_top = inst->stack;
    inst->depth = 0;
    return BX_OK;
}

static void exec_release(wasm_instance *inst)
{
    if (!inst->stack)
        return;
    pthread_mutex_lock(&stack_pool_mu);
    if (stack_pool_len < STACK_POOL_MAX) {
        stack_pool[stack_pool_len].stack = inst->stack;
        stack_pool[stack_pool_len].slots = inst->stack_slots;
        stack_pool[stack_pool_len].frames = inst->frames;
        stack_pool[stack_pool_len].nframes = inst->max_frames;
        stack_pool_len++;
        inst->stack = NULL;
    }
    pthread_mutex_unlock(&stack_pool_mu);
    if (inst->stack) {
        munmap(inst->stack, inst->stack_slots * sizeof(uint64_t));
        munmap(inst->frames, (inst->max_frames + 1) * sizeof(wasm__frame));
    }
}

static bx_err link_fail(bx_error *detail, bx_err code, const wasm__import *im, const char *what)
{
    return bx_error_set(detail, code, -1, "%s: %s.%s", what, im->module, im->name);
}

bx_err wasm_instance_new(wasm_module *m, const wasm_linker *linker, const wasm_limits *limits,
                         bx_error *detail, wasm_instance **out)
{
    *out = NULL;
    wasm_instance *inst = bx_calloc(1, sizeof *inst);
    inst->module = wasm_module_ref(m);
    if (limits)
        inst->limits = *limits;
    else
        wasm_limits_default(&inst->limits);
    atomic_init(&inst->interrupt, false);
    atomic_init(&inst->fuel_on, inst->limits.fuel_enabled);
    atomic_init(&inst->fuel, (int64_t)(inst->limits.fuel > INT64_MAX ? INT64_MAX : inst->limits.fuel));
    inst->funcs = bx_calloc(m->nfunc_imports + 1, sizeof *inst->funcs);
    inst->funcs_own = bx_calloc(m->nfuncs - m->nfunc_imports + 1, sizeof *inst->funcs_own);
    inst->tables = bx_calloc(m->ntables + 1, sizeof *inst->tables);
    inst->mems = bx_calloc(m->nmems + 1, sizeof *inst->mems);
    inst->globals = bx_calloc(m->nglobals + 1, sizeof *inst->globals);
    inst->data_dropped = bx_calloc(m->ndatas + 1, 1);
    inst->elem_dropped = bx_calloc(m->nelems + 1, 1);
    bx_err err = BX_OK;

    /* Imports. */
    uint32_t nf = 0, nt = 0, nm = 0, ng = 0;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const wasm__import *im = &m->imports[i];
        const wasm_extern *e = linker_get(linker, im);
        if (!e) {
            err = link_fail(detail, BX_NOTFOUND, im, "unknown import");
            goto fail;
        }
        if (e->kind != im->kind) {
            err = link_fail(detail, BX_INVALID, im, "incompatible import type");
            goto fail;
        }
        switch (im->kind) {
        case WASM_EXTERN_FUNC:
            if (!wasm__functype_eq(e->of.func->type, &m->types[im->type].pub)) {
                err = link_fail(detail, BX_INVALID, im, "incompatible import type");
                goto fail;
            }
            inst->funcs[nf++] = func_ref(e->of.func);
            break;
        case WASM_EXTERN_TABLE: {
            wasm_table *t = e->of.table;
            if (t->elem != im->valtype || !limits_match(t->size, t->type_max, &im->lim)) {
                err = link_fail(detail, BX_INVALID, im, "incompatible import type");
                goto fail;
            }
            atomic_fetch_add(&t->refs, 1);
            inst->tables[nt++] = t;
            break;
        }
        case WASM_EXTERN_MEMORY: {
            wasm_memory *mm = e->of.memory;
            if (!limits_match(mm->size / WASM_PAGE_SIZE, mm->type_max, &im->lim)) {
                err = link_fail(detail, BX_INVALID, im, "incompatible import type");
                goto fail;
            }
            atomic_fetch_add(&mm->refs, 1);
            inst->mems[nm++] = mm;
            break;
        }
        case WASM_EXTERN_GLOBAL: {
            wasm_global *g = e->of.global;
            if (g->type != im->valtype || g->mut != im->mut) {
                err = link_fail(detail, BX_INVALID, im, "incompatible import type");
                goto fail;
            }
            atomic_fetch_add(&g->refs, 1);
            inst->globals[ng++] = g;
            break;
        }
        }
    }

    /* Own functions, tables, memories, globals. */
    for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++) {
        wasm_func *f = &inst->funcs_own[i - m->nfunc_imports];
        f->inst = inst;
        f->code = &m->codes[i - m->nfunc_imports];
        f->type = &m->types[m->func_types[i]].pub;
    }
    for (uint32_t i = m->ntable_imports; i < m->ntables; i++) {
        const wasm__table_def *td = &m->tables[i];
        inst->tables[i] = table_create(td->elem, (uint32_t)td->lim.min, td->lim.max,
                                       inst->limits.max_table_elems);
        if (!inst->tables[i]) {
            err = bx_error_set(detail, BX_LIMIT, -1, "table of %llu elements exceeds the limit",
                               (unsigned long long)td->lim.min);
            goto fail;
        }
    }
    for (uint32_t i = m->nmem_imports; i < m->nmems; i++) {
        inst->mems[i] = memory_create((uint32_t)m->mems[i].min, m->mems[i].max,
                                      inst->limits.max_memory_pages);
        if (!inst->mems[i]) {
            err = bx_error_set(detail, BX_LIMIT, -1, "memory of %llu pages exceeds the limit",
                               (unsigned long long)m->mems[i].min);
            goto fail;
        }
    }
    for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++) {
        wasm_global *g = bx_calloc(1, sizeof *g);
        atomic_init(&g->refs, 1);
        g->type = m->globals[i].type;
        g->mut = m->globals[i].mut;
        g->v[0] = cexpr_eval(inst, &m->globals[i].init, &g->v[1]);
        inst->globals[i] = g;
    }

    /* Element segments, then data segments, in order; a failure traps
     * after the earlier ones took effect (as the spec requires). */
    for (uint32_t i = 0; i < m->nelems; i++) {
        const wasm__elem *e = &m->elems[i];
        if (e->mode == WASM__SEG_ACTIVE) {
            wasm_table *t = inst->tables[e->table];
            uint64_t off = (uint32_t)cexpr_eval(inst, &e->offset, NULL);
            if (off + e->count > t->size) {
                err = bx_error_set(detail, BX_TRAP, -1, "%s", wasm_trap_str(WASM_TRAP_TABLE_OOB));
                goto trapped;
            }
            for (uint32_t k = 0; k < e->count; k++)
                t->elems[off + k] = (void *)(uintptr_t)cexpr_eval(inst, &e->items[k], NULL);
        }
        if (e->mode != WASM__SEG_PASSIVE)
            inst->elem_dropped[i] = 1;
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const wasm__data *d = &m->datas[i];
        if (d->mode != WASM__SEG_ACTIVE)
            continue;
        wasm_memory *mm = inst->mems[d->memory];
        uint64_t off = (uint32_t)cexpr_eval(inst, &d->offset, NULL);
        if (off + d->len > mm->size) {
            err = bx_error_set(detail, BX_TRAP, -1, "%s", wasm_trap_str(WASM_TRAP_MEM_OOB));
            goto trapped;
        }
        if (d->len)
            memcpy(mm->data + off, d->bytes, d->len);
        inst->data_dropped[i] = 1;
    }
    if (m->has_start) {
        wasm_result res;
        if (wasm_func_call(wasm__func_at(inst, m->start), NULL, 0, NULL, 0, &res) != BX_OK) {
            err = bx_error_set(detail, BX_TRAP, -1, "%s", res.message);
            goto trapped;
        }
    }
    *out = inst;
    return BX_OK;
trapped:
    /* Earlier segments may have put this instance's functions into imported
     * tables: hand the instance back so the caller decides its lifetime. */
    *out = inst;
    return err;
fail:
    wasm_instance_free(inst);
    return err;
}

void wasm_instance_free(wasm_instance *inst)
{
    if (!inst)
        return;
    wasm_module *m = inst->module;
    for (uint32_t i = 0; i < m->nfunc_imports; i++)
        if (inst->funcs[i])
            wasm_func_unref(inst->funcs[i]);
    for (uint32_t i = 0; i < m->ntables; i++)
        wasm_table_unref(inst->tables[i]);
    for (uint32_t i = 0; i < m->nmems; i++)
        wasm_memory_unref(inst->mems[i]);
    for (uint32_t i = 0; i < m->nglobals; i++)
        wasm_global_unref(inst->globals[i]);
    bx_free(inst->funcs);
    bx_free(inst->funcs_own);
    bx_free(inst->tables);
    bx_free(inst->mems);
    bx_free(inst->globals);
    bx_free(inst->data_dropped);
    bx_free(inst->elem_dropped);
    exec_release(inst);
    wasm_module_unref(m);
    bx_free(inst);
}

wasm_module *wasm_instance_module(const wasm_instance *inst) { return inst->module; }
void wasm_instance_set_user(wasm_instance *inst, void *user) { inst->user = user; }
void *wasm_instance_user(const wasm_instance *inst) { return inst->user; }

bool wasm_instance_export_at(wasm_instance *inst, uint32_t i, wasm_extern *out)
{
    const wasm_module *m = inst->module;
    if (i >= m->nexports)
        return false;
    const wasm__export *e = &m->exports[i];
    out->kind = e->kind;
    switch (e->kind) {
    case WASM_EXTERN_FUNC: out->of.func = wasm__func_at(inst, e->index); break;
    case WASM_EXTERN_TABLE: out->of.table = inst->tables[e->index]; break;
    case WASM_EXTERN_MEMORY: out->of.memory = inst->mems[e->index]; break;
    case WASM_EXTERN_GLOBAL: out->of.global = inst->globals[e->index]; break;
    }
    return true;
}

bool wasm_instance_export(wasm_instance *inst, const char *name, wasm_extern *out)
{
    const wasm_module *m = inst->module;
    size_t n = strlen(name);
    for (uint32_t i = 0; i < m->nexports; i++)
        if (m->exports[i].name_len == n && memcmp(m->exports[i].name, name, n) == 0)
            return wasm_instance_export_at(inst, i, out);
    return false;
}

wasm_memory *wasm_instance_memory(wasm_instance *inst)
{
    return inst->module->nmems ? inst->mems[0] : NULL;
}

static bx_err call_fail(wasm_result *out, const char *msg)
{
    if (out) {
        out->trap = WASM_TRAP_NONE;
        snprintf(out->message, sizeof out->message, "%s", msg);
    }
    return BX_INVALID;
}

bx_err wasm_func_call(wasm_func *f, const wasm_val *args, size_t nargs, wasm_val *results,
                      size_t nresults, wasm_result *out)
{
    wasm_result local;
    wasm_result *res = out ? out : &local;
    memset(res, 0, sizeof *res);
    const wasm_functype *t = f->type;
    if (nargs != t->nparams || nresults != t->nresults)
        return call_fail(out, "wrong number of arguments or results");
    for (size_t i = 0; i < nargs; i++)
        if (args[i].type != t->params[i])
            return call_fail(out, "argument type mismatch");
    if (!f->code) {
        wasm_call call = {NULL, f, res};
        wasm_val *in = bx_calloc(nargs + 1, sizeof *in);
        if (nargs)
            memcpy(in, args, nargs * sizeof *in);
        for (size_t i = 0; i < nresults; i++) {
            memset(&results[i], 0, sizeof results[i]);
            results[i].type = t->results[i];
        }
        int rc = wasm__host_of(f)->fn(&call, in, results);
        bx_free(in);
        return rc == 0 ? BX_OK : BX_TRAP;
    }
    wasm_instance *inst = f->inst;
    if (wasm__exec_init(inst) != BX_OK)
        return call_fail(out, "out of memory for the stack");
    const wasm__code *code = f->code;
    uint64_t *slots = inst->sp_top;
    uint64_t *end = inst->stack + inst->stack_slots;
    if (slots + code->frame_slots > end || inst->depth >= inst->max_frames) {
        res->trap = WASM_TRAP_STACK_EXHAUSTED;
        snprintf(res->message, sizeof res->message, "%s", wasm_trap_str(res->trap));
        return BX_TRAP;
    }
    uint32_t s = 0;
    for (size_t i = 0; i < nargs; i++) {
        wasm__val_to_slots(&args[i], slots + s);
        s += wasm__valtype_slots((uint8_t)t->params[i]);
    }
    wasm_trap trap = wasm__run(inst, f, slots, res);
    if (trap != WASM_TRAP_NONE)
        return BX_TRAP;
    s = 0;
    for (size_t i = 0; i < nresults; i++) {
        wasm__slots_to_val((uint8_t)t->results[i], slots + s, &results[i]);
        s += wasm__valtype_slots((uint8_t)t->results[i]);
    }
    return BX_OK;
}

bx_err wasm_instance_call(wasm_instance *inst, const char *export_name, const wasm_val *args,
                          size_t nargs, wasm_val *results, size_t nresults, wasm_result *out)
{
    wasm_extern e;
    if (!wasm_instance_export(inst, export_name, &e) || e.kind != WASM_EXTERN_FUNC)
        return call_fail(out, "no exported function of that name");
    return wasm_func_call(e.of.func, args, nargs, results, nresults, out);
}

/* ---------------------------------------------------- limits from any thread */

void wasm_instance_interrupt(wasm_instance *inst)
{
    atomic_store_explicit(&inst->interrupt, true, memory_order_relaxed);
}

void wasm_instance_clear_interrupt(wasm_instance *inst)
{
    atomic_store_explicit(&inst->interrupt, false, memory_order_relaxed);
}

uint64_t wasm_instance_fuel(const wasm_instance *inst)
{
    int64_t f = atomic_load_explicit(&((wasm_instance *)inst)->fuel, memory_order_relaxed);
    return f < 0 ? 0 : (uint64_t)f;
}

void wasm_instance_set_fuel(wasm_instance *inst, uint64_t fuel)
{
    atomic_store_explicit(&inst->fuel, (int64_t)(fuel > INT64_MAX ? INT64_MAX : fuel),
                          memory_order_relaxed);
}

void wasm_instance_enable_fuel(wasm_instance *inst, bool on)
{
    atomic_store_explicit(&inst->fuel_on, on, memory_order_relaxed);
}

size_t wasm_instance_overhead(const wasm_instance *inst)
{
    const wasm_module *m = inst->module;
    size_t n = sizeof *inst;
    n += (m->nfunc_imports + 1) * sizeof(wasm_func *);
    n += (m->nfuncs - m->nfunc_imports + 1) * sizeof(wasm_func);
    n += (m->ntables + m->nmems + m->nglobals + 3) * sizeof(void *);
    n += m->ndatas + m->nelems + 2;
    for (uint32_t i = m->ntable_imports; i < m->ntables; i++)
        n += sizeof(wasm_table) + (size_t)inst->tables[i]->cap * sizeof(void *);
    n += (m->nglobals - m->nglobal_imports) * sizeof(wasm_global);
    n += (m->nmems - m->nmem_imports) * sizeof(wasm_memory);
    return n;
}
