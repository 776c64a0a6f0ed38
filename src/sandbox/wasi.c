/* wasi.c: the rest of wasi_snapshot_preview1 (args, environ, clocks,
 * random, poll_oneoff, proc_*, sched_yield, sock_*) and the bindings that
 * define every WASI function into a linker from WASI_FN_LIST.
 *
 * Host functions find their run's sandbox__ctx through the calling
 * instance's user pointer, so one linker serves every concurrent run.
 * poll_oneoff sleeps in short slices so the run's timeout still ends it;
 * the sock_* calls answer as a host without sockets does (no fd is a
 * socket: ENOTSOCK, or EBADF for a closed fd). */
#include "sandbox/wasi_int.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------ args & environ */

static uint16_t strings_get(wasm_call *call, const bx_buf *b, uint32_t count, uint32_t vec,
                            uint32_t buf)
{
    uint8_t *v = wasm_mem_ptr(call, vec, (uint64_t)count * 4);
    uint8_t *o = wasm_mem_ptr(call, buf, b->len);
    if (!v || !o)
        return WASI_EFAULT;
    memcpy(o, b->data, b->len);
    uint32_t off = 0;
    for (uint32_t i = 0; i < count; i++) {
        wasi_put32(v + 4 * i, buf + off);
        off += (uint32_t)strlen(b->data + off) + 1;
    }
    return 0;
}

static uint16_t sizes_get(wasm_call *call, uint32_t count, size_t len, uint32_t p1, uint32_t p2)
{
    uint8_t *a = wasm_mem_ptr(call, p1, 4), *b = wasm_mem_ptr(call, p2, 4);
    if (!a || !b)
        return WASI_EFAULT;
    wasi_put32(a, count);
    wasi_put32(b, (uint32_t)len);
    return 0;
}

WASI_FN(args_get) { return strings_get(call, &c->argbuf, c->argc, A32(0), A32(1)); }
WASI_FN(args_sizes_get) { return sizes_get(call, c->argc, c->argbuf.len, A32(0), A32(1)); }
WASI_FN(environ_get) { return strings_get(call, &c->envbuf, c->envc, A32(0), A32(1)); }
WASI_FN(environ_sizes_get) { return sizes_get(call, c->envc, c->envbuf.len, A32(0), A32(1)); }

/* --------------------------------------------------------------- clocks */

static bool host_clock(uint32_t id, clockid_t *out)
{
    switch (id) {
    case 0: *out = CLOCK_REALTIME; return true;
    case 1: *out = CLOCK_MONOTONIC; return true;
    /* The guest's CPU time is the time of the thread running it. */
    case 2: case 3: *out = CLOCK_THREAD_CPUTIME_ID; return true;
    default: return false;
    }
}

WASI_FN(clock_res_get)
{
    BX_UNUSED(c);
    clockid_t id;
    if (!host_clock(A32(0), &id))
        return WASI_EINVAL;
    uint8_t *p = wasm_mem_ptr(call, A32(1), 8);
    if (!p)
        return WASI_EFAULT;
    struct timespec ts;
    if (clock_getres(id, &ts) < 0)
        return sandbox__wasi_errno(errno);
    wasi_put64(p, (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec);
    return 0;
}

static uint64_t clock_now(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

WASI_FN(clock_time_get)
{
    BX_UNUSED(c);
    clockid_t id;
    if (!host_clock(A32(0), &id))
        return WASI_EINVAL;
    uint8_t *p = wasm_mem_ptr(call, A32(2), 8);
    if (!p)
        return WASI_EFAULT;
    wasi_put64(p, clock_now(id));
    return 0;
}

/* ---------------------------------------------------------------- misc */

WASI_FN(random_get)
{
    BX_UNUSED(c);
    uint8_t *p = wasm_mem_ptr(call, A32(0), A32(1));
    if (!p)
        return WASI_EFAULT;
    bx_random_bytes(p, A32(1));
    return 0;
}

WASI_FN(sched_yield)
{
    BX_UNUSED(call), BX_UNUSED(c), BX_UNUSED(a);
    sched_yield();
    return 0;
}

WASI_FN(proc_raise)
{
    BX_UNUSED(call), BX_UNUSED(c), BX_UNUSED(a);
    return WASI_ENOSYS;
}

static uint16_t not_a_socket(sandbox__ctx *c, uint32_t fd)
{
    uint16_t e;
    return sandbox__get_fd(c, fd, 0, &e) ? WASI_ENOTSOCK : e;
}

WASI_FN(sock_accept) { BX_UNUSED(call); return not_a_socket(c, A32(0)); }
WASI_FN(sock_recv) { BX_UNUSED(call); return not_a_socket(c, A32(0)); }
WASI_FN(sock_send) { BX_UNUSED(call); return not_a_socket(c, A32(0)); }
WASI_FN(sock_shutdown) { BX_UNUSED(call); return not_a_socket(c, A32(0)); }

/* ----------------------------------------------------------- poll_oneoff */

#define SUB_SIZE 48
#define EVENT_SIZE 32

/* Whether fd subscription `s` is ready now; fills nbytes and the error. */
static bool fd_ready(sandbox__ctx *c, uint8_t type, uint32_t fd, uint16_t *out_err,
                     uint64_t *out_nbytes)
{
    uint16_t e;
    *out_nbytes = 0;
    sandbox__fd *f = sandbox__get_fd(c, fd, R_POLL_FD_READWRITE, &e);
    if (!f) {
        *out_err = e;
        return true;
    }
    uint64_t need = type == 1 ? R_FD_READ : R_FD_WRITE;
    if ((f->rights & need) != need) {
        *out_err = WASI_ENOTCAPABLE;
        return true;
    }
    *out_err = 0;
    if (f->kind == SANDBOX__FD_STDIN) {
        if (f->host < 0) {
            *out_nbytes = c->stdin_len - c->stdin_pos;
            return true;
        }
        struct pollfd p = {.fd = f->host, .events = POLLIN};
        return poll(&p, 1, 0) > 0;
    }
    if (f->kind == SANDBOX__FD_FILE && type == 1) {
        struct stat st;
        off_t pos = lseek(f->host, 0, SEEK_CUR);
        if (fstat(f->host, &st) == 0 && pos >= 0 && st.st_size > pos)
            *out_nbytes = (uint64_t)(st.st_size - pos);
    }
    return true; /* files and output sinks never block */
}

static void put_event(uint8_t *ev, uint64_t userdata, uint16_t err, uint8_t type, uint64_t nbytes)
{
    memset(ev, 0, EVENT_SIZE);
    wasi_put64(ev, userdata);
    wasi_put16(ev + 8, err);
    ev[10] = type;
    wasi_put64(ev + 16, nbytes);
}

WASI_FN(poll_oneoff)
{
    uint32_t in = A32(0), out = A32(1), nsubs = A32(2);
    if (nsubs == 0)
        return WASI_EINVAL;
    uint8_t *nev_p = wasm_mem_ptr(call, A32(3), 4);
    if (!wasm_mem_ptr(call, in, (uint64_t)nsubs * SUB_SIZE) ||
        !wasm_mem_ptr(call, out, (uint64_t)nsubs * EVENT_SIZE) || !nev_p)
        return WASI_EFAULT;
    for (;;) {
        uint32_t nev = 0;
        uint64_t now_mono = clock_now(CLOCK_MONOTONIC);
        uint64_t wait_ns = UINT64_MAX;
        for (uint32_t i = 0; i < nsubs; i++) {
            const uint8_t *s = wasm_mem_ptr(call, in + (uint64_t)i * SUB_SIZE, SUB_SIZE);
            uint64_t userdata = wasi_get64(s);
            uint8_t type = s[8];
            uint8_t *ev = wasm_mem_ptr(call, out + (uint64_t)nev * EVENT_SIZE, EVENT_SIZE);
            if (type == 0) {
                clockid_t id;
                uint64_t timeout = wasi_get64(s + 24);
                uint16_t flags = wasi_get16(s + 40);
                if (!host_clock(wasi_get32(s + 16), &id)) {
                    put_event(ev, userdata, WASI_EINVAL, 0, 0);
                    nev++;
                    continue;
                }
                uint64_t left;
                if (flags & 1) {
                    uint64_t now = clock_now(id);
                    left = timeout > now ? timeout - now : 0;
                } else {
                    /* relative: measured from the first pass */
                    uint64_t start = c->poll_start ? c->poll_start : now_mono;
                    uint64_t end = start + timeout < start ? UINT64_MAX : start + timeout;
                    left = end > now_mono ? end - now_mono : 0;
                }
                if (left == 0) {
                    put_event(ev, userdata, 0, 0, 0);
                    nev++;
                } else if (left < wait_ns) {
                    wait_ns = left;
                }
            } else if (type == 1 || type == 2) {
                uint16_t err;
                uint64_t nbytes;
                if (fd_ready(c, type, wasi_get32(s + 16), &err, &nbytes)) {
                    put_event(ev, userdata, err, type, nbytes);
                    nev++;
                } else if (wait_ns > 50000000ull) {
                    wait_ns = 50000000ull; /* recheck a host stdin */
                }
            } else {
                put_event(ev, userdata, WASI_EINVAL, type, 0);
                nev++;
            }
        }
        if (!c->poll_start)
            c->poll_start = now_mono;
        if (nev > 0 || wait_ns == UINT64_MAX) {
            c->poll_start = 0;
            wasi_put32(nev_p, nev);
            return 0;
        }
        if (atomic_load_explicit(&c->stop, memory_order_relaxed)) {
            c->poll_start = 0;
            wasi_put32(nev_p, 0);
            return WASI_EINTR; /* the run is ending; the guest traps at its next check */
        }
        /* Sleep in slices so a timeout or interrupt is seen promptly. */
        uint64_t slice = BX_MIN(wait_ns, 20000000ull);
        struct timespec ts = {(time_t)(slice / 1000000000ull), (long)(slice % 1000000000ull)};
        nanosleep(&ts, NULL);
    }
}

/* ------------------------------------------------------------ bindings */

static int host_proc_exit(wasm_call *call, const wasm_val *args, wasm_val *results)
{
    BX_UNUSED(results);
    return wasm_call_exit(call, args[0].of.i32);
}

#define WASI_HOST(name, sig)                                                          \
    static int host_##name(wasm_call *call, const wasm_val *args, wasm_val *results)  \
    {                                                                                 \
        sandbox__ctx *c = wasm_instance_user(wasm_call_instance(call));               \
        if (!c)                                                                       \
            return wasm_call_trap(call, "WASI %s called before the sandbox was ready", #name); \
        results[0].type = WASM_I32;                                                   \
        results[0].of.i32 = sandbox__wasi_##name(call, c, args);                      \
        return 0;                                                                     \
    }
WASI_FN_LIST(WASI_HOST)
#undef WASI_HOST

typedef struct wasi_binding {
    const char *name;
    const char *sig;
    wasm_host_fn fn;
} wasi_binding;

static const wasi_binding bindings[] = {
#define WASI_BIND(name, sig) {#name, sig, host_##name},
    WASI_FN_LIST(WASI_BIND)
#undef WASI_BIND
};

bx_err sandbox__define_wasi(wasm_linker *l)
{
    static const wasm_valtype i32 = WASM_I32;
    bx_err err = BX_OK;
    for (size_t i = 0; i < BX_ARRAY_LEN(bindings) && !err; i++) {
        wasm_valtype params[16];
        uint32_t np = 0;
        for (const char *s = bindings[i].sig; *s && np < 16; s++)
            params[np++] = *s == 'I' ? WASM_I64 : WASM_I32;
        wasm_functype t = {np, 1, params, &i32};
        err = wasm_linker_define_host(l, "wasi_snapshot_preview1", bindings[i].name, &t,
                                      bindings[i].fn, NULL);
    }
    if (!err) {
        wasm_functype t = {1, 0, &i32, NULL};
        err = wasm_linker_define_host(l, "wasi_snapshot_preview1", "proc_exit", &t,
                                      host_proc_exit, NULL);
    }
    return err;
}
