/* run.c: one sandboxed run — RunOption defaults, instantiation, limits.
 *
 * sandbox_run builds a per-run context (args, environ, fd table with the
 * preopens, output sinks, network policy), instantiates the module through
 * one process-wide linker holding the WASI and boxagnts_http host functions,
 * attaches the context to the instance and calls the entry. Limits come
 * from the engine (fuel, memory pages, call depth, value-stack bytes); the
 * wall-time limit is one shared timer thread that sets each expired run's
 * interrupt flag, so a run costs no thread of its own. */
#include "sandbox/sandbox_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* --------------------------------------------------------------- linker */

static pthread_once_t linker_once = PTHREAD_ONCE_INIT;
static wasm_linker *g_linker;
static bx_err g_linker_err;

static void linker_init(void)
{
    g_linker = wasm_linker_new();
    g_linker_err = sandbox__define_wasi(g_linker);
    if (!g_linker_err)
        g_linker_err = sandbox__define_http(g_linker);
}

/* ---------------------------------------------------------------- timer */

/* Runs with a deadline, in a list the timer thread scans. */
typedef struct timer_entry {
    struct timer_entry *next, *prev;
    uint64_t deadline_ns;
    wasm_instance *inst;
    sandbox__ctx *ctx;
    const atomic_bool *cancel; /* polled every TIMER_CANCEL_POLL_NS while set */
    bool fired, cancelled;
} timer_entry;

#define TIMER_CANCEL_POLL_NS 20000000ull

static pthread_mutex_t timer_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t timer_cv;
static timer_entry *timer_head;
static bool timer_started;
static uint64_t timer_sleep_until = UINT64_MAX; /* when the thread next wakes by itself */

static void *timer_main(void *arg)
{
    BX_UNUSED(arg);
    pthread_mutex_lock(&timer_mu);
    for (;;) {
        uint64_t now = bx_mono_ns(), next = UINT64_MAX;
        for (timer_entry *e = timer_head; e; e = e->next) {
            if (e->fired)
                continue;
            bool cancel = e->cancel && atomic_load_explicit(e->cancel, memory_order_relaxed);
            if (e->deadline_ns <= now || cancel) {
                e->fired = true;
                e->cancelled = cancel && e->deadline_ns > now;
                atomic_store(&e->ctx->stop, true);
                wasm_instance_interrupt(e->inst);
                continue;
            }
            if (e->deadline_ns < next)
                next = e->deadline_ns;
            if (e->cancel && now + TIMER_CANCEL_POLL_NS < next)
                next = now + TIMER_CANCEL_POLL_NS;
        }
        timer_sleep_until = next;
        if (next == UINT64_MAX) {
            pthread_cond_wait(&timer_cv, &timer_mu);
        } else {
            struct timespec ts = {(time_t)(next / 1000000000ull), (long)(next % 1000000000ull)};
            pthread_cond_timedwait(&timer_cv, &timer_mu, &ts);
        }
    }
    return NULL;
}

static void timer_add(timer_entry *e)
{
    pthread_mutex_lock(&timer_mu);
    if (!timer_started) {
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&timer_cv, &ca);
        pthread_condattr_destroy(&ca);
        pthread_t t;
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&at, 64 << 10);
        if (pthread_create(&t, &at, timer_main, NULL) == 0)
            timer_started = true;
        pthread_attr_destroy(&at);
    }
    /* Wake the thread only when it would sleep past this deadline: runs
     * with the usual timeout never cost a context switch. */
    uint64_t wake = e->cancel ? BX_MIN(e->deadline_ns, bx_mono_ns() + TIMER_CANCEL_POLL_NS)
                              : e->deadline_ns;
    bool earliest = wake < timer_sleep_until;
    if (earliest)
        timer_sleep_until = wake;
    e->prev = NULL;
    e->next = timer_head;
    if (timer_head)
        timer_head->prev = e;
    timer_head = e;
    if (earliest && timer_started)
        pthread_cond_signal(&timer_cv);
    pthread_mutex_unlock(&timer_mu);
}

/* After this returns the timer no longer touches the instance. */
static void timer_remove(timer_entry *e)
{
    pthread_mutex_lock(&timer_mu);
    if (e->prev)
        e->prev->next = e->next;
    else
        timer_head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    pthread_mutex_unlock(&timer_mu);
}

/* ---------------------------------------------------------------- types */

void sandbox_opts_init(sandbox_opts *o)
{
    memset(o, 0, sizeof *o);
    o->stdin_fd = o->stdout_fd = o->stderr_fd = -1;
}

void sandbox_result_init(sandbox_result *r)
{
    memset(r, 0, sizeof *r);
    bx_buf_init(&r->out, BX_BUF_UNLIMITED);
    bx_buf_init(&r->errout, BX_BUF_UNLIMITED);
}

void sandbox_result_release(sandbox_result *r)
{
    bx_buf_release(&r->out);
    bx_buf_release(&r->errout);
}

static bx_err fail(sandbox_result *r, bx_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bx_err fail(sandbox_result *r, bx_err err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof r->message, fmt, ap);
    va_end(ap);
    r->err = err;
    return err;
}

/* Appends n NUL-terminated strings to b (capped). */
static bx_err pack_strings(bx_buf *b, const char *first, const char *const *v, size_t n,
                           bool need_eq, uint32_t *out_count)
{
    *out_count = 0;
    if (first) {
        if (bx_buf_append(b, first, strlen(first) + 1))
            return BX_TOOBIG;
        (*out_count)++;
    }
    for (size_t i = 0; i < n; i++) {
        if (!v[i] || (need_eq && (!strchr(v[i], '=') || v[i][0] == '=')))
            return BX_INVALID;
        if (bx_buf_append(b, v[i], strlen(v[i]) + 1))
            return BX_TOOBIG;
        (*out_count)++;
    }
    return BX_OK;
}

bx_err sandbox_run(sandbox_module *m, const sandbox_opts *o, sandbox_result *r)
{
    uint64_t t0 = bx_mono_ns();
    r->err = BX_OK;
    r->message[0] = '\0';
    r->exit_code = 0;
    pthread_once(&linker_once, linker_init);
    if (g_linker_err)
        return fail(r, g_linker_err, "cannot define the WASI host functions");

    bx_err err = BX_OK;
    bx_error detail;
    bx_error_clear(&detail);
    wasm_instance *inst = NULL;
    sandbox__ctx *c = bx_calloc(1, sizeof *c);
    atomic_init(&c->stop, false);
    bx_buf_init(&c->argbuf, SANDBOX_MAX_ARGS_BYTES);
    bx_buf_init(&c->envbuf, SANDBOX_MAX_ARGS_BYTES);
    c->stdin_data = o->stdin_data;
    c->stdin_len = o->stdin_data ? o->stdin_len : 0;
    c->stdin_fd = o->stdin_fd >= 0 ? o->stdin_fd : -1;
    c->out = (sandbox__sink){.host_fd = o->stdout_fd >= 0 ? o->stdout_fd : -1,
                             .capture = &r->out,
                             .cap = o->stdout_cap ? o->stdout_cap : SANDBOX_DEFAULT_OUTPUT_CAP};
    c->err = (sandbox__sink){.host_fd = o->stderr_fd >= 0 ? o->stderr_fd : -1,
                             .capture = &r->errout,
                             .cap = o->stderr_cap ? o->stderr_cap : SANDBOX_DEFAULT_OUTPUT_CAP};
    sandbox__fds_init(c);

    if ((err = pack_strings(&c->argbuf, o->program_name ? o->program_name : "main.wasm", o->args,
                            o->n_args, false, &c->argc))) {
        if (err == BX_TOOBIG)
            fail(r, err, "arguments larger than %u bytes", SANDBOX_MAX_ARGS_BYTES);
        else
            fail(r, err, "an argument is NULL");
        goto out;
    }
    if ((err = pack_strings(&c->envbuf, NULL, o->env, o->n_env, true, &c->envc))) {
        if (err == BX_TOOBIG)
            fail(r, err, "environment larger than %u bytes", SANDBOX_MAX_ARGS_BYTES);
        else
            fail(r, err, "environment entries must be K=V");
        goto out;
    }
    if (o->work_dir && (err = sandbox__preopen(c, o->work_dir, "/", o->work_dir_read_only, &detail))) {
        fail(r, err, "%s", detail.message);
        goto out;
    }
    for (size_t i = 0; i < o->n_map_dirs; i++) {
        const sandbox_map_dir *d = &o->map_dirs[i];
        if (!d->host || (err = sandbox__preopen(c, d->host, d->guest, d->read_only, &detail))) {
            fail(r, err ? err : BX_INVALID, "%s", err ? detail.message : "map_dir without host");
            err = r->err;
            goto out;
        }
    }
    sandbox__grants_finish(c);
    if (m->wants_http) {
        sandbox_net_config nc = {
            .allow = o->allowed_outbound_hosts,
            .n_allow = o->n_allowed_outbound_hosts,
            .blocked = o->blocked_networks,
            .n_blocked = o->n_blocked_networks,
            .resolve = o->test_resolve,
            .n_resolve = o->n_test_resolve,
            .extra_ca_file = o->extra_ca_file,
            .max_response_bytes = o->max_http_response,
            /* a request never outlives the run */
            .timeout_ms = o->timeout_ms ? o->timeout_ms : SANDBOX_DEFAULT_TIMEOUT_MS,
        };
        if ((err = sandbox_net_new(&nc, &detail, &c->net))) {
            fail(r, err, "%s", detail.message);
            goto out;
        }
    }

    wasm_limits lim;
    wasm_limits_default(&lim);
    lim.fuel_enabled = true;
    lim.fuel = o->fuel ? o->fuel : SANDBOX_DEFAULT_FUEL;
    uint64_t max_mem = o->max_memory ? o->max_memory : SANDBOX_DEFAULT_MAX_MEMORY;
    uint64_t pages = max_mem / WASM_PAGE_SIZE;
    lim.max_memory_pages = (uint32_t)BX_MIN(pages, (uint64_t)WASM_MAX_PAGES);
    lim.max_stack_bytes = o->max_stack ? o->max_stack : SANDBOX_DEFAULT_MAX_STACK;
    if (o->max_call_depth)
        lim.max_call_depth = o->max_call_depth;
    if ((err = wasm_instance_new(m->wm, g_linker, &lim, &detail, &inst))) {
        if (err == BX_LIMIT)
            fail(r, err, "limit: %s (max_memory is %llu bytes)", detail.message,
                 (unsigned long long)max_mem);
        else
            fail(r, err, "cannot instantiate: %s", detail.message);
        goto out;
    }
    wasm_instance_set_user(inst, c);

    uint32_t timeout_ms = o->timeout_ms ? o->timeout_ms : SANDBOX_DEFAULT_TIMEOUT_MS;
    timer_entry te = {.deadline_ns = bx_mono_ns() + (uint64_t)timeout_ms * 1000000ull,
                      .inst = inst, .ctx = c, .cancel = o->cancel};
    if (o->cancel && atomic_load(o->cancel)) {
        fail(r, BX_CANCELLED, "cancelled before it started");
        err = r->err;
        goto out;
    }
    c->deadline_ns = te.deadline_ns;
    timer_add(&te);
    const char *entry = o->entry ? o->entry : "_start";
    wasm_result wr;
    memset(&wr, 0, sizeof wr);
    bx_err cerr = BX_OK;
    wasm_extern init;
    /* A WASI reactor initialises itself before any other export is called. */
    if (o->entry && strcmp(o->entry, "_start") != 0 &&
        wasm_instance_export(inst, "_initialize", &init) && init.kind == WASM_EXTERN_FUNC)
        cerr = wasm_instance_call(inst, "_initialize", NULL, 0, NULL, 0, &wr);
    if (cerr == BX_OK)
        cerr = wasm_instance_call(inst, entry, NULL, 0, NULL, 0, &wr);
    timer_remove(&te);

    r->fuel_used = lim.fuel - BX_MIN(lim.fuel, wasm_instance_fuel(inst));
    wasm_memory *mem = wasm_instance_memory(inst);
    r->memory_bytes = mem ? wasm_memory_size(mem) : 0;
    if (cerr == BX_INVALID) {
        fail(r, BX_INVALID, "the module has no function export \"%s\" taking no arguments "
                            "(is it a WASI command?)", entry);
    } else if (cerr == BX_OK) {
        r->exit_code = 0;
    } else if (wr.trap == WASM_TRAP_EXIT) {
        r->exit_code = wr.exit_status;
    } else if (wr.trap == WASM_TRAP_INTERRUPTED && te.cancelled) {
        fail(r, BX_CANCELLED, "cancelled");
    } else if (wr.trap == WASM_TRAP_INTERRUPTED && te.fired) {
        fail(r, BX_TIMEOUT, "timed out after %.3g s (timeout)", timeout_ms / 1000.0);
    } else if (wr.trap == WASM_TRAP_OUT_OF_FUEL) {
        fail(r, BX_LIMIT, "out of fuel after %llu units (fuel limit)",
             (unsigned long long)lim.fuel);
    } else if (wr.trap == WASM_TRAP_STACK_EXHAUSTED) {
        fail(r, BX_LIMIT, "call stack exhausted (max_stack / call depth limit)");
    } else {
        fail(r, BX_TRAP, "wasm trap: %s", wr.message[0] ? wr.message : wasm_trap_str(wr.trap));
    }
    err = r->err;
out:
    if (err && !r->message[0])
        fail(r, err, "%s", detail.message[0] ? detail.message : bx_err_str(err));
    r->err = err;
    sandbox__sink_finish(&c->out);
    sandbox__sink_finish(&c->err);
    r->out_truncated = c->out.truncated;
    r->err_truncated = c->err.truncated;
    if (inst)
        wasm_instance_free(inst);
    sandbox__http_release(c);
    sandbox__fds_release(c);
    sandbox_net_free(c->net);
    bx_buf_release(&c->argbuf);
    bx_buf_release(&c->envbuf);
    bx_free(c);
    r->wall_ns = bx_mono_ns() - t0;
    return err;
}

/* -------------------------------------------------------------- modules */

bx_err sandbox_module_load(const void *bytes, size_t len, bx_error *detail, sandbox_module **out)
{
    if (len > WASM_MAX_MODULE_BYTES)
        return bx_error_set(detail, BX_TOOBIG, -1, "module larger than %u bytes",
                            WASM_MAX_MODULE_BYTES);
    wasm_module *wm = NULL;
    bx_err err = wasm_module_new(bytes, len, detail, &wm);
    if (err)
        return err;
    sandbox_module *m = bx_calloc(1, sizeof *m);
    atomic_init(&m->refs, 1);
    m->wm = wm;
    m->bytes = len;
    m->hash[0] = '\0'; /* set by the cache; hashing here would cost every CLI run an OpenSSL init */
    uint32_t n = wasm_module_import_count(wm);
    for (uint32_t i = 0; i < n; i++) {
        wasm_extern_desc d;
        if (wasm_module_import(wm, i, &d) && d.module_len == 13 &&
            memcmp(d.module, "boxagnts_http", 13) == 0)
            m->wants_http = true;
    }
    *out = m;
    return BX_OK;
}

sandbox_module *sandbox_module_ref(sandbox_module *m)
{
    atomic_fetch_add(&m->refs, 1);
    return m;
}

void sandbox_module_unref(sandbox_module *m)
{
    if (!m || atomic_fetch_sub(&m->refs, 1) != 1)
        return;
    wasm_module_unref(m->wm);
    bx_free(m);
}

const char *sandbox_module_hash(const sandbox_module *m) { return m->hash; }
