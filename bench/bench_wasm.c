/* bench_wasm.c: the engine benchmark (`make bench-wasm`).
 *
 * Runs each kernel of bench/kernels/kernels.c natively (gcc -O2, linked
 * in) and in the engine (the same source compiled to wasm32), with the
 * same iteration count chosen so the native run lasts at least 100 ms,
 * and prints both times, the ratio, both checksums (they must agree) and
 * the geometric mean; then the same with fuel metering on. Then the median
 * latency of instantiating a cached ~200 KB module and calling a trivial
 * export, and what an idle instance costs beyond its linear memory.
 * Usage: bench_wasm kernels.wasm big.wasm. Prints figures; asserts nothing
 * about time (a checksum mismatch exits 1).
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wasm/wasm.h"

uint32_t k_fib(uint32_t), k_sha256(uint32_t), k_tokenizer(uint32_t), k_strings(uint32_t),
    k_memcpy(uint32_t), k_coremark(uint32_t), k_matmul(uint32_t);

static const struct {
    const char *name;
    uint32_t (*native)(uint32_t);
} kernels[] = {
    {"k_fib", k_fib},           {"k_sha256", k_sha256},     {"k_tokenizer", k_tokenizer},
    {"k_strings", k_strings},   {"k_memcpy", k_memcpy},     {"k_coremark", k_coremark},
    {"k_matmul", k_matmul},
};
#define NK (sizeof kernels / sizeof kernels[0])

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n + 1);
    *len = fread(b, 1, (size_t)n, f);
    fclose(f);
    return b;
}

static wasm_module *load(const char *path)
{
    size_t len;
    uint8_t *bytes = read_file(path, &len);
    if (!bytes) {
        fprintf(stderr, "cannot read %s\n", path);
        return NULL;
    }
    wasm_module *m = NULL;
    bx_error err;
    if (wasm_module_new(bytes, len, &err, &m) != BX_OK)
        fprintf(stderr, "%s: %s (at %lld)\n", path, err.message, (long long)err.position);
    free(bytes);
    return m;
}

static bool call1(wasm_instance *inst, const char *name, uint32_t arg, uint32_t *out)
{
    wasm_val a = {.type = WASM_I32, .of.i32 = (int32_t)arg}, r;
    wasm_result res;
    if (wasm_instance_call(inst, name, &a, 1, &r, 1, &res) != BX_OK) {
        fprintf(stderr, "%s: %s\n", name, res.message);
        return false;
    }
    *out = (uint32_t)r.of.i32;
    return true;
}

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct intr {
    wasm_instance *inst;
    double set_at;
} intr;

static void *interrupt_later(void *p)
{
    intr *a = p;
    struct timespec d = {0, 200 * 1000 * 1000};
    nanosleep(&d, NULL);
    a->set_at = wall();
    wasm_instance_interrupt(a->inst);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, res = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &res) != 2)
            res = 0;
        fclose(f);
    }
    return res * 4;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s kernels.wasm big.wasm\n", argv[0]);
        return 2;
    }
    wasm_module *m = load(argv[1]);
    if (!m)
        return 1;
    int bad = 0;
    double ratios[2][NK];
    for (int fuel = 0; fuel < 2; fuel++) {
        wasm_limits lim;
        wasm_limits_default(&lim);
        lim.fuel_enabled = fuel;
        lim.fuel = UINT64_MAX / 4;
        printf("\n%s\n", fuel ? "fuel metering ON" : "fuel metering off");
        printf("%-12s %8s %10s %10s %7s  %10s %10s\n", "kernel", "iters", "native ms", "engine ms",
               "ratio", "native sum", "engine sum");
        for (size_t k = 0; k < NK; k++) {
            uint32_t iters = 1, sn = 0, sw = 0;
            double tn;
            for (;;) {
                double t0 = now();
                sn = kernels[k].native(iters);
                tn = now() - t0;
                if (tn >= 0.1 || iters >= (1u << 30))
                    break;
                uint32_t mul = tn < 0.01 ? 8 : 2;
                iters *= mul;
            }
            wasm_instance *inst = NULL;
            bx_error err;
            if (wasm_instance_new(m, NULL, &lim, &err, &inst) != BX_OK) {
                fprintf(stderr, "instantiate: %s\n", err.message);
                return 1;
            }
            double t0 = now();
            bool ok = call1(inst, kernels[k].name, iters, &sw);
            double tw = now() - t0;
            wasm_instance_free(inst);
            if (!ok || sw != sn)
                bad = 1;
            ratios[fuel][k] = tw / tn;
            printf("%-12s %8u %10.1f %10.1f %6.2fx  %10u %10u%s\n", kernels[k].name, iters,
                   tn * 1e3, tw * 1e3, tw / tn, sn, sw, sw == sn ? "" : "  CHECKSUM MISMATCH");
            fflush(stdout);
        }
        double lg = 0;
        for (size_t k = 0; k < NK; k++)
            lg += log(ratios[fuel][k]);
        printf("geometric mean slowdown vs native: %.2fx\n", exp(lg / NK));
    }
    double lg = 0;
    for (size_t k = 0; k < NK; k++)
        lg += log(ratios[1][k] / ratios[0][k]);
    printf("\nfuel metering cost (geomean of engine time on/off): %+.1f%%\n",
           (exp(lg / NK) - 1) * 100);
    /* Interrupt latency: another thread sets the flag while a call-free
     * kernel loop runs; time from the flag to the call's return. */
    {
        wasm_instance *inst = NULL;
        bx_error err;
        if (wasm_instance_new(m, NULL, NULL, &err, &inst) == BX_OK) {
            intr a = {inst, 0};
            pthread_t t;
            pthread_create(&t, NULL, interrupt_later, &a);
            wasm_val arg = {.type = WASM_I32, .of.i32 = 1 << 30}, r;
            wasm_result res;
            bx_err e = wasm_instance_call(inst, "k_tokenizer", &arg, 1, &r, 1, &res);
            double stopped = wall();
            pthread_join(t, NULL);
            printf("\ninterrupt: %s %.3f ms after the flag was set (tokenizer loop)\n",
                   e == BX_TRAP && res.trap == WASM_TRAP_INTERRUPTED ? "stopped" : "NOT stopped",
                   (stopped - a.set_at) * 1e3);
            wasm_instance_free(inst);
        }
    }
    wasm_module_unref(m);

    /* Instantiate + call latency on a ~200 KB cached module. */
    size_t blen;
    uint8_t *bb = read_file(argv[2], &blen);
    wasm_module *big = load(argv[2]);
    if (!big || !bb)
        return 1;
    free(bb);
    enum { N = 2000 };
    static double t[N];
    for (int i = 0; i < N; i++) {
        double t0 = now();
        wasm_instance *inst = NULL;
        bx_error err;
        if (wasm_instance_new(big, NULL, NULL, &err, &inst) != BX_OK) {
            fprintf(stderr, "instantiate big: %s\n", err.message);
            return 1;
        }
        uint32_t r;
        if (!call1(inst, "k_nop", (uint32_t)i, &r) || r != (uint32_t)i + 1)
            bad = 1;
        wasm_instance_free(inst);
        t[i] = now() - t0;
    }
    qsort(t, N, sizeof t[0], cmp_double);
    printf("\ninstantiate %zu-byte module + call trivial export: median %.1f us, p90 %.1f us\n",
           blen, t[N / 2] * 1e6, t[N * 9 / 10] * 1e6);

    /* Idle instance cost beyond linear memory: the engine's own count and
     * the resident-set growth over many idle instances, minus their
     * linear memories' resident pages (data segments touch them). */
    enum { NI = 500 };
    static wasm_instance *insts[NI];
    long before = rss_kb();
    uint64_t linmem = 0;
    for (int i = 0; i < NI; i++) {
        bx_error err;
        wasm_instance_new(big, NULL, NULL, &err, &insts[i]);
        wasm_memory *mem = wasm_instance_memory(insts[i]);
        (void)mem;
    }
    long after = rss_kb();
    (void)linmem;
    printf("idle instance: %zu bytes of engine state (wasm_instance_overhead); "
           "RSS growth %.1f KB per instance including touched linear-memory pages\n",
           wasm_instance_overhead(insts[0]), (double)(after - before) / NI);
    for (int i = 0; i < NI; i++)
        wasm_instance_free(insts[i]);
    wasm_module_unref(big);
    if (bad)
        printf("\nFAILED: a checksum differed or a call failed\n");
    return bad;
}
