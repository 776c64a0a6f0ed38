/* test_engine.c: the embedder's view of the engine (wasm.h).
 *
 * Modules are assembled here byte by byte with a tiny builder, so each
 * test shows exactly what it runs: host functions with env and checked
 * memory views, traps and clean exits, fuel, interruption from another
 * thread, call depth, memory and table caps, reentrant host calls,
 * concurrent instantiation and arbitrary bytes that must never crash.
 */
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "test.h"
#include "wasm/wasm.h"

/* ------------------------------------------------------- module builder */

typedef struct mb {
    uint8_t b[8192];
    size_t n;
} mb;

static void put(mb *m, const void *p, size_t n)
{
    memcpy(m->b + m->n, p, n);
    m->n += n;
}
static void u8(mb *m, uint8_t v) { m->b[m->n++] = v; }
static void leb(mb *m, uint32_t v)
{
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        u8(m, (uint8_t)(b | (v ? 0x80 : 0)));
    } while (v);
}
static void str(mb *m, const char *s)
{
    leb(m, (uint32_t)strlen(s));
    put(m, s, strlen(s));
}
static void section(mb *m, uint8_t id, const mb *body)
{
    u8(m, id);
    leb(m, (uint32_t)body->n);
    put(m, body->b, body->n);
}
static void header(mb *m)
{
    m->n = 0;
    put(m, "\0asm\1\0\0\0", 8);
}

/* Builds: types, imports (func only), funcs, memory/table, exports, code. */
typedef struct fdef {
    uint32_t type;
    const char *export_name;   /* NULL: not exported */
    uint32_t nlocals_i32;
    const uint8_t *body;       /* instructions, without the final end */
    size_t body_len;
} fdef;

typedef struct spec {
    const char *types;         /* e.g. "ii>i;>;i>" : params>results per type */
    const char *import_module, *import_name;
    uint32_t import_type;      /* when import_name */
    const fdef *funcs;
    uint32_t nfuncs;
    int mem_min;               /* -1: no memory */
    int table_min;             /* -1: no table */
} spec;

static uint8_t vt(char c) { return c == 'I' ? 0x7e : c == 'f' ? 0x7d : c == 'F' ? 0x7c : 0x7f; }

static void build(mb *out, const spec *s)
{
    header(out);
    mb sec;
    /* types */
    sec.n = 0;
    uint32_t ntypes = 0;
    for (const char *p = s->types; *p; p++)
        ntypes += *p == ';';
    leb(&sec, ntypes);
    const char *p = s->types;
    for (uint32_t t = 0; t < ntypes; t++) {
        const char *gt = strchr(p, '>'), *semi = strchr(p, ';');
        u8(&sec, 0x60);
        leb(&sec, (uint32_t)(gt - p));
        for (const char *q = p; q < gt; q++)
            u8(&sec, vt(*q));
        leb(&sec, (uint32_t)(semi - gt - 1));
        for (const char *q = gt + 1; q < semi; q++)
            u8(&sec, vt(*q));
        p = semi + 1;
    }
    section(out, 1, &sec);
    uint32_t nimp = 0;
    if (s->import_name) {
        sec.n = 0;
        leb(&sec, 1);
        str(&sec, s->import_module);
        str(&sec, s->import_name);
        u8(&sec, 0);
        leb(&sec, s->import_type);
        section(out, 2, &sec);
        nimp = 1;
    }
    sec.n = 0;
    leb(&sec, s->nfuncs);
    for (uint32_t i = 0; i < s->nfuncs; i++)
        leb(&sec, s->funcs[i].type);
    section(out, 3, &sec);
    if (s->table_min >= 0) {
        sec.n = 0;
        leb(&sec, 1);
        u8(&sec, 0x70);
        u8(&sec, 0);
        leb(&sec, (uint32_t)s->table_min);
        section(out, 4, &sec);
    }
    if (s->mem_min >= 0) {
        sec.n = 0;
        leb(&sec, 1);
        u8(&sec, 0);
        leb(&sec, (uint32_t)s->mem_min);
        section(out, 5, &sec);
    }
    sec.n = 0;
    uint32_t nexp = 0;
    for (uint32_t i = 0; i < s->nfuncs; i++)
        nexp += s->funcs[i].export_name != NULL;
    leb(&sec, nexp);
    for (uint32_t i = 0; i < s->nfuncs; i++) {
        if (!s->funcs[i].export_name)
            continue;
        str(&sec, s->funcs[i].export_name);
        u8(&sec, 0);
        leb(&sec, nimp + i);
    }
    section(out, 7, &sec);
    sec.n = 0;
    leb(&sec, s->nfuncs);
    for (uint32_t i = 0; i < s->nfuncs; i++) {
        mb body;
        body.n = 0;
        if (s->funcs[i].nlocals_i32) {
            leb(&body, 1);
            leb(&body, s->funcs[i].nlocals_i32);
            u8(&body, 0x7f);
        } else {
            leb(&body, 0);
        }
        put(&body, s->funcs[i].body, s->funcs[i].body_len);
        u8(&body, 0x0b);
        leb(&sec, (uint32_t)body.n);
        put(&sec, body.b, body.n);
    }
    section(out, 10, &sec);
}

static wasm_module *compile(const spec *s)
{
    static mb m;
    build(&m, s);
    wasm_module *mod = NULL;
    bx_error err;
    if (wasm_module_new(m.b, m.n, &err, &mod) != BX_OK) {
        fprintf(stderr, "module: %s at %lld\n", err.message, (long long)err.position);
        return NULL;
    }
    return mod;
}

#define BODY(s) (const uint8_t *)(s), sizeof(s) - 1

static wasm_val I32(int32_t v) { return (wasm_val){.type = WASM_I32, .of.i32 = v}; }

/* (func (loop (br 0))) exported as "spin"; (func) "nop". */
static wasm_module *spin_module(void)
{
    static const fdef f[] = {
        {0, "spin", 0, BODY("\x03\x40\x0c\x00\x0b")},
        {0, "nop", 0, BODY("\x01")},
    };
    spec s = {">;", NULL, NULL, 0, f, 2, -1, -1};
    return compile(&s);
}

/* ------------------------------------------------------------------ tests */

TEST(fuel_runs_out_and_is_charged)
{
    wasm_module *m = spin_module();
    REQUIRE(m);
    wasm_limits lim;
    wasm_limits_default(&lim);
    lim.fuel_enabled = true;
    lim.fuel = 100000;
    wasm_instance *inst = NULL;
    bx_error err;
    REQUIRE(wasm_instance_new(m, NULL, &lim, &err, &inst) == BX_OK);
    wasm_result res;
    CHECK(wasm_instance_call(inst, "nop", NULL, 0, NULL, 0, &res) == BX_OK);
    uint64_t left = wasm_instance_fuel(inst);
    CHECK(left < 100000 && left > 99000);
    CHECK(wasm_instance_call(inst, "spin", NULL, 0, NULL, 0, &res) == BX_TRAP);
    CHECK_EQ_INT(res.trap, WASM_TRAP_OUT_OF_FUEL);
    CHECK_EQ_STR(res.message, "out of fuel");
    CHECK_EQ_INT(wasm_instance_fuel(inst), 0);
    /* Refuelled from "another thread" (any thread may set it). */
    wasm_instance_set_fuel(inst, 50);
    CHECK(wasm_instance_call(inst, "nop", NULL, 0, NULL, 0, &res) == BX_OK);
    wasm_instance_free(inst);
    wasm_module_unref(m);
}

typedef struct intr_arg {
    wasm_instance *inst;
    int delay_ms;
} intr_arg;

static void *interrupter(void *p)
{
    intr_arg *a = p;
    usleep((useconds_t)a->delay_ms * 1000);
    wasm_instance_interrupt(a->inst);
    return NULL;
}

TEST(interrupt_from_another_thread_stops_a_loop)
{
    wasm_module *m = spin_module();
    REQUIRE(m);
    wasm_instance *inst = NULL;
    bx_error err;
    REQUIRE(wasm_instance_new(m, NULL, NULL, &err, &inst) == BX_OK);
    intr_arg a = {inst, 30};
    pthread_t t;
    pthread_create(&t, NULL, interrupter, &a);
    wasm_result res;
    CHECK(wasm_instance_call(inst, "spin", NULL, 0, NULL, 0, &res) == BX_TRAP);
    CHECK_EQ_INT(res.trap, WASM_TRAP_INTERRUPTED);
    CHECK_EQ_STR(res.message, "interrupted");
    pthread_join(t, NULL);
    /* The flag stays set until cleared. */
    CHECK(wasm_instance_call(inst, "nop", NULL, 0, NULL, 0, &res) == BX_TRAP);
    wasm_instance_clear_interrupt(inst);
    CHECK(wasm_instance_call(inst, "nop", NULL, 0, NULL, 0, &res) == BX_OK);
    wasm_instance_free(inst);
    wasm_module_unref(m);
}

TEST(runaway_recursion_exhausts_the_stack)
{
    static const fdef f[] = {{0, "rec", 0, BODY("\x10\x00")}};
    spec s = {">;", NULL, NULL, 0, f, 1, -1, -1};
    wasm_module *m = compile(&s);
    REQUIRE(m);
    wasm_limits lim;
    wasm_limits_default(&lim);
    lim.max_call_depth = 500;
    wasm_instance *inst = NULL;
    bx_error err;
    REQUIRE(wasm_instance_new(m, NULL, &lim, &err, &inst) == BX_OK);
    wasm_result res;
    CHECK(wasm_instance_call(inst, "rec", NULL, 0, NULL, 0, &res) == BX_TRAP);
    CHECK_EQ_INT(res.trap, WASM_TRAP_STACK_EXHAUSTED);
    CHECK_EQ_STR(res.message, "call stack exhausted");
    /* The instance is usable again afterwards. */
    CHECK(wasm_instance_call(inst, "rec", NULL, 0, NULL, 0, &res) == BX_TRAP);
    wasm_instance_free(inst);
    wasm_module_unref(m);
}

typedef struct host_env {
    int calls;
    bool oob_was_null;
    int32_t seen_byte;
} host_env;

/* env.add(a, b): a + b, and peeks at memory through the checked view. */
static int host_add(wasm_call *call, const wasm_val *args, wasm_val *results)
{
    host_env *env = wasm_call_env(call);
    env->calls++;
    uint8_t *p = wasm_mem_ptr(call, 16, 4);
    env->seen_byte = p ? p[0] : -1;
    env->oob_was_null = wasm_mem_ptr(call, wasm_mem_size(call) - 2, 4) == NULL &&
                        wasm_mem_ptr(call, UINT64_MAX, 2) == NULL;
    if (args[0].of.i32 == 99)
        return wasm_call_trap(call, "host says no to %d", args[0].of.i32);
    if (args[0].of.i32 == 42)
        return wasm_call_exit(call, 7);
    results[0] = I32(args[0].of.i32 + args[1].of.i32);
    return 0;
}

TEST(host_function_sees_env_and_checked_memory)
{
    /* go(a, b): mem[16] = 0xAB; return add(a, b) */
    static const fdef f[] = {{0, "go", 0,
                              BODY("\x41\x10\x41\xab\x01\x3a\x00\x00\x20\x00\x20\x01\x10\x00")}};
    spec s = {"ii>i;", "env", "add", 0, f, 1, 1, -1};
    wasm_module *m = compile(&s);
    REQUIRE(m);
    CHECK_EQ_INT(wasm_module_import_count(m), 1);
    wasm_extern_desc d;
    REQUIRE(wasm_module_import(m, 0, &d));
    CHECK_EQ_STR(d.module, "env");
    CHECK_EQ_STR(d.name, "add");
    CHECK_EQ_INT(d.func.nparams, 2);
    host_env env = {0};
    wasm_linker *l = wasm_linker_new();
    static const wasm_valtype p2[] = {WASM_I32, WASM_I32}, r1[] = {WASM_I32};
    wasm_functype t = {2, 1, p2, r1};
    wasm_linker_define_host(l, "env", "add", &t, host_add, &env);
    wasm_instance *inst = NULL;
    bx_error err;
    REQUIRE(wasm_instance_new(m, l, NULL, &err, &inst) == BX_OK);
    wasm_val args[2] = {I32(40), I32(2)}, r;
    wasm_result res;
    CHECK(wasm_instance_call(inst, "go", args, 2, &r, 1, &res) == BX_OK);
    CHECK_EQ_INT(r.of.i32, 42);
    CHECK_EQ_INT(env.calls, 1);
    CHECK_EQ_INT(env.seen_byte, 0xab);
    CHECK(env.oob_was_null);
    /* A host trap carries the host's message. */
    args[0] = I32(99);
    CHECK(wasm_instance_call(inst, "go", args, 2, &r, 1, &res) == BX_TRAP);
    CHECK_EQ_INT(res.trap, WASM_TRAP_HOST);
    CHECK_EQ_STR(res.message, "host says no to 99");
    /* A clean exit is reported distinctly, with its status. */
    args[0] = I32(42);
    CHECK(wasm_instance_call(inst, "go", args, 2, &r, 1, &res) == BX_TRAP);
    CHECK_EQ_INT(res.trap, WASM_TRAP_EXIT);
    CHECK_EQ_INT(res.exit_status, 7);
    /* Wrong argument types are refused before running. */
    wasm_val bad[2] = {{.type = WASM_I64}, I32(1)};
    CHECK(wasm_instance_call(inst, "go", bad, 2, &r, 1, &res) == BX_INVALID);
    CHECK(wasm_instance_call(inst, "nope", args, 2, &r, 1, &res) == BX_INVALID);
    wasm_instance_free(inst);
    wasm_linker_free(l);
    wasm_module_unref(m);
}

TEST(missing_or_mistyped_import_fails_to_link)
{
    static const fdef f[] = {{0, "go", 0, BODY("\x20\x00\x20\x01\x10\x00")}};
    spec s = {"ii>i;", "env", "add", 0, f, 1, -1, -1};
    wasm_module *m = compile(&s);
    REQUIRE(m);
    wasm_instance *inst = NULL;
    bx_error err;
    CHECK(wasm_instance_new(m, NULL, NULL, &err, &inst) == BX_NOTFOUND);
    CHECK(strstr(err.message, "unknown import") != NULL);
    wasm_linker *l = wasm_linker_new();
    static const wasm_valtype p1[] = {WASM_I32};
    wasm_functype t = {1, 0, p1, NULL};
    wasm_linker_define_host(l, "env", "add", &t, host_add, NULL);
    CHECK(wasm_instance_new(m, l, NULL, &err, &inst) == BX_INVALID);
    CHECK(strstr(err.message, "incompatible import type") != NULL);
    CHECK(inst == NULL);
    wasm_linker_free(l);
    wasm_module_unref(m);
}

TEST(memory_grow_stops_at_the_page_limit)
{
    static const fdef f[] = {{1, "grow", 0, BODY("\x20\x00\x40\x00")},
                             {2, "size", 0, BODY("\x3f\x00")}};
    spec s = {"i>i;i>i;>i;", NULL, NULL, 0, f, 2, 1, -1};
    wasm_module *m = compile(&s);
    REQUIRE(m);
    wasm_limits lim;
    wasm_limits_default(&lim);
    lim.max_memory_pages = 3;
    wasm_instance *inst = NULL;
    bx_error err;
    REQUIRE(wasm_instance_new(m, NULL, &lim, &err, &inst) == BX_OK);
    wasm_val a = I32(2), r;
    wasm_result res;
    CHECK(wasm_instance_call(inst, "grow", &a, 1, &r, 1, &res) == BX_OK);
    CHECK_EQ_INT(r.of.i32, 1);
    a = I32(1);
    CHECK(wasm_instance_call(inst, "grow", &a, 1, &r, 1, &res) == BX_OK);
    CHECK_EQ_INT(r.of.i32, -1);
    CHECK(wasm_instance_call(inst, "size", NULL, 0, &r, 1, &res) == BX_OK);
    CHECK_EQ_INT(r.of.i32, 3);
    CHECK_EQ_INT(wasm_memory_size(wasm_instance_memory(inst)), 3 * 65536);
    wasm_instance_free(inst);
    /* A minimum above the limit refuses to instantiate. */
    lim.max_memory_pages = 0;
    CHECK(wasm_instance_new(m, NULL, &lim, &err, &inst) == BX_LIMIT);
    wasm_module_unref(m);
}

TEST(table_grow_stops_at_the_element_limit)
{
    /* tgrow(n): table.grow(ref.null func, n) */
    static const fdef f[] = {{0, "tgrow", 0, BODY("\xd0\x70\x20\x00\xfc\x0f\x00")}};
    spec s = {"i>i;", NULL, NULL, 0, f, 1, -1, 1};
    wasm_module *m = compile(&s);
    REQUIRE(m);
    wasm_limits lim;
    wasm_limits_default(&lim);
    lim.max_table_elems = 3;
    wasm_instance *inst = NULL;
    bx_error err;
    REQUIRE(wasm_instance_new(m, NULL, &lim, &err, &inst) == BX_OK);
    wasm_val a = I32(2), r;
    wasm_result res;
    CHECK(wasm_instance_call(inst, "tgrow", &a, 1, &r, 1, &res) == BX_OK);
    CHECK_EQ_INT(r.of.i32, 1);
    a = I32(1);
    CHECK(wasm_instance_call(inst, "tgrow", &a, 1, &r, 1, &res) == BX_OK);
    CHECK_EQ_INT(r.of.i32, -1);
    wasm_instance_free(inst);
    wasm_module_unref(m);
}

/* env.cb(x): calls the instance's export "inc" (reentrancy). */
static int host_cb(wasm_call *call, const wasm_val *args, wasm_val *results)
{
    wasm_val r;
    wasm_result res;
    if (wasm_instance_call(wasm_call_instance(call), "inc", args, 1, &r, 1, &res) != BX_OK)
        return wasm_call_trap(call, "nested: %s", res.message);
    results[0] = I32(r.of.i32 * 10);
    return 0;
}

TEST(host_function_may_call_back_into_its_instance)
{
    static const fdef f[] = {{0, "outer", 0, BODY("\x20\x00\x10\x00\x41\x01\x6a")},
                             {0, "inc", 0, BODY("\x20\x00\x41\x01\x6a")}};
    spec s = {"i>i;", "env", "cb", 0, f, 2, -1, -1};
    wasm_module *m = compile(&s);
    REQUIRE(m);
    wasm_linker *l = wasm_linker_new();
    static const wasm_valtype p1[] = {WASM_I32};
    wasm_functype t = {1, 1, p1, p1};
    wasm_linker_define_host(l, "env", "cb", &t, host_cb, NULL);
    wasm_instance *inst = NULL;
    bx_error err;
    REQUIRE(wasm_instance_new(m, l, NULL, &err, &inst) == BX_OK);
    wasm_val a = I32(4), r;
    wasm_result res;
    CHECK(wasm_instance_call(inst, "outer", &a, 1, &r, 1, &res) == BX_OK);
    CHECK_EQ_INT(r.of.i32, 51); /* (4 + 1) * 10 + 1 */
    wasm_instance_free(inst);
    wasm_linker_free(l);
    wasm_module_unref(m);
}

/* fib(n) recursive, for the concurrency test. */
static const fdef fib_funcs[] = {{0, "fib", 0,
                                  BODY("\x20\x00\x41\x02\x48\x04\x7f\x20\x00\x05\x20\x00\x41\x01\x6b\x10\x00\x20\x00\x41\x02\x6b\x10\x00\x6a\x0b")}};

static void *instantiate_many(void *p)
{
    wasm_module *m = p;
    long ok = 0;
    for (int i = 0; i < 200; i++) {
        wasm_instance *inst = NULL;
        bx_error err;
        if (wasm_instance_new(m, NULL, NULL, &err, &inst) != BX_OK)
            continue;
        wasm_val a = I32(15), r;
        wasm_result res;
        if (wasm_instance_call(inst, "fib", &a, 1, &r, 1, &res) == BX_OK && r.of.i32 == 610)
            ok++;
        wasm_instance_free(inst);
    }
    return (void *)ok;
}

TEST(one_module_instantiated_concurrently_from_threads)
{
    spec s = {"i>i;", NULL, NULL, 0, fib_funcs, 1, -1, -1};
    wasm_module *m = compile(&s);
    REQUIRE(m);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, instantiate_many, m);
    long total = 0;
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        total += (long)r;
    }
    CHECK_EQ_INT(total, 800);
    wasm_module_unref(m);
}

TEST(arbitrary_bytes_never_crash_the_decoder)
{
    spec s = {"i>i;", NULL, NULL, 0, fib_funcs, 1, 1, 1};
    static mb good;
    build(&good, &s);
    uint32_t seed = 12345;
    int accepted = 0;
    for (int i = 0; i < 20000; i++) {
        static uint8_t buf[8192];
        size_t n = good.n;
        memcpy(buf, good.b, n);
        /* truncate, or flip a few bytes */
        seed = seed * 1103515245 + 12345;
        if (i % 3 == 0) {
            n = (seed >> 8) % (good.n + 1);
        } else {
            for (int k = 0; k < 1 + i % 4; k++) {
                seed = seed * 1103515245 + 12345;
                buf[(seed >> 8) % n] = (uint8_t)(seed >> 20);
            }
        }
        wasm_module *m = NULL;
        bx_error err;
        if (wasm_module_new(buf, n, &err, &m) == BX_OK) {
            accepted++;
            wasm_limits lim;
            wasm_limits_default(&lim);
            lim.fuel_enabled = true;
            lim.fuel = 10000;
            wasm_instance *inst = NULL;
            if (wasm_instance_new(m, NULL, &lim, &err, &inst) == BX_OK) {
                wasm_val a = I32(20), r;
                wasm_result res;
                wasm_instance_call(inst, "fib", &a, 1, &r, 1, &res);
            }
            wasm_instance_free(inst);
            wasm_module_unref(m);
        } else {
            CHECK(err.code == BX_PARSE || err.code == BX_INVALID);
        }
    }
    CHECK(accepted > 0);
    CHECK(wasm_module_new(NULL, 0, NULL, &(wasm_module *){NULL}) != BX_OK);
}

/* A body of n nested empty blocks (then n ends), as a whole module. */
static uint8_t *nested_blocks_module(uint32_t n, size_t *out_len)
{
    size_t body = 1 + 2 * (size_t)n + n + 1; /* locals, blocks, ends, end */
    size_t cap = body + 64;
    uint8_t *m = malloc(cap);
    size_t k = 0;
    memcpy(m, "\0asm\1\0\0\0\1\4\1\x60\0\0\3\2\1\0", 18);
    k = 18;
    m[k++] = 10; /* code section */
    uint8_t sz[5], bs[5];
    size_t nsz = 0, nbs = 0, v = body;
    do { bs[nbs++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0)); v >>= 7; } while (v);
    v = body + nbs + 1;
    do { sz[nsz++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0)); v >>= 7; } while (v);
    memcpy(m + k, sz, nsz), k += nsz;
    m[k++] = 1;
    memcpy(m + k, bs, nbs), k += nbs;
    m[k++] = 0; /* no locals */
    for (uint32_t i = 0; i < n; i++)
        m[k++] = 0x02, m[k++] = 0x40;
    for (uint32_t i = 0; i <= n; i++)
        m[k++] = 0x0b;
    *out_len = k;
    return m;
}

TEST(implementation_limits_refuse_absurd_bodies)
{
    size_t len;
    uint8_t *ok = nested_blocks_module(1000, &len);
    wasm_module *m = NULL;
    bx_error err;
    CHECK(wasm_module_new(ok, len, &err, &m) == BX_OK);
    wasm_module_unref(m);
    free(ok);
    uint8_t *deep = nested_blocks_module(70000, &len);
    m = NULL;
    CHECK(wasm_module_new(deep, len, &err, &m) == BX_INVALID);
    CHECK(strstr(err.message, "nested too deeply") != NULL);
    CHECK(m == NULL);
    free(deep);
}

TEST(trap_messages_follow_the_spec)
{
    CHECK_EQ_STR(wasm_trap_str(WASM_TRAP_DIV_ZERO), "integer divide by zero");
    CHECK_EQ_STR(wasm_trap_str(WASM_TRAP_MEM_OOB), "out of bounds memory access");
    CHECK_EQ_STR(wasm_trap_str(WASM_TRAP_UNREACHABLE), "unreachable");
    /* div by zero through the engine */
    static const fdef f[] = {{0, "div", 0, BODY("\x20\x00\x41\x00\x6d")}};
    spec s = {"i>i;", NULL, NULL, 0, f, 1, -1, -1};
    wasm_module *m = compile(&s);
    REQUIRE(m);
    wasm_instance *inst = NULL;
    bx_error err;
    REQUIRE(wasm_instance_new(m, NULL, NULL, &err, &inst) == BX_OK);
    wasm_val a = I32(1), r;
    wasm_result res;
    CHECK(wasm_instance_call(inst, "div", &a, 1, &r, 1, &res) == BX_TRAP);
    CHECK_EQ_STR(res.message, "integer divide by zero");
    CHECK(wasm_instance_overhead(inst) < 64 * 1024);
    wasm_instance_free(inst);
    wasm_module_unref(m);
}

TEST_MAIN()
