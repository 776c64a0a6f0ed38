/* bench_sandbox.c: the sandbox's budgets, measured against a native
 * baseline in the same run (figures, not assertions).
 *
 *  1. tool-sized run in-process: cached module, one preopen, read a 4 KiB
 *     file, write it to (captured) stdout, exit — median per run;
 *     baseline: the same work natively (open/read/write to a pipe buffer).
 *  2. whole process: `wasm run --dir D::/ bench.wasm cat /data.txt` as a
 *     fresh process, median; baseline: the native bench binary.
 *  3. 1,000 concurrent instances parked in a sleep: RSS growth per
 *     instance minus its linear memory.
 *  4. path-heavy run: 2,000 open-for-write + close of /sub/deep/w.txt,
 *     per open, with one read-write preopen and with a read-only preopen
 *     nested inside it (every write then resolves its grant); the ratio
 *     is the price of the nested-grant check.
 * Each kernel runs >= 100 ms; checksums prove the work was done.
 * Usage: bench_sandbox BINARY_DIR [inprocess|process|concurrent|nested] */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/sandbox.h"

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, size_t n)
{
    qsort(v, n, sizeof v[0], cmp_u64);
    return v[n / 2];
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = atol(line + 6);
    if (f)
        fclose(f);
    return kb;
}

static sandbox_module *mod;
static char *dir;

/* ------------------------------------------------------ 1. in-process */

static uint64_t run_once(uint64_t *checksum)
{
    static const char *const args[] = {"cat", "/data.txt"};
    sandbox_opts o;
    sandbox_opts_init(&o);
    o.work_dir = dir;
    o.work_dir_read_only = true;
    o.args = args;
    o.n_args = 2;
    sandbox_result r;
    sandbox_result_init(&r);
    uint64_t t0 = bx_mono_ns();
    sandbox_run(mod, &o, &r);
    uint64_t dt = bx_mono_ns() - t0;
    if (r.err || r.exit_code != 0 || r.out.len != 4096) {
        fprintf(stderr, "bench run failed: %s (exit %d, %zu bytes)\n", r.message, r.exit_code,
                r.out.len);
        exit(1);
    }
    for (size_t i = 0; i < r.out.len; i++)
        *checksum += (uint8_t)r.out.data[i];
    sandbox_result_release(&r);
    return dt;
}

static uint64_t native_once(uint64_t *checksum)
{
    char *path = bx_sprintf("%s/data.txt", dir);
    uint64_t t0 = bx_mono_ns();
    int fd = open(path, O_RDONLY);
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    bx_buf out;
    bx_buf_init(&out, 1 << 20);
    bx_buf_append(&out, buf, (size_t)n);
    uint64_t dt = bx_mono_ns() - t0;
    for (size_t i = 0; i < out.len; i++)
        *checksum += (uint8_t)out.data[i];
    bx_buf_release(&out);
    bx_free(path);
    return dt;
}

static void bench_inprocess(void)
{
    enum { N = 4000 };
    static uint64_t t[N], tn[N];
    uint64_t sum = 0, sum_n = 0, start = bx_mono_ns();
    size_t n = 0;
    run_once(&sum); /* warm: cache, linker, timer thread */
    sum = 0;
    while (n < N && (n < 200 || bx_mono_ns() - start < 100000000ull))
        t[n++] = run_once(&sum);
    size_t nn = 0;
    start = bx_mono_ns();
    while (nn < N && (nn < 200 || bx_mono_ns() - start < 100000000ull))
        tn[nn++] = native_once(&sum_n);
    uint64_t m = median(t, n), mn = median(tn, nn);
    printf("tool-sized run, in-process: median %.1f us over %zu runs (target <= 100 us); "
           "native open+read+copy %.2f us; ratio %.0fx; checksum %llu\n",
           m / 1000.0, n, mn / 1000.0, (double)m / (double)(mn ? mn : 1),
           (unsigned long long)(sum / n));
}

/* ------------------------------------------- 4. nested grants, per open */

static uint64_t opens_once(bool nested)
{
    static const char *const args[] = {"opens", "2000", "/sub/deep/w.txt"};
    char *ref = bx_sprintf("%s/sub/ref", dir);
    sandbox_map_dir maps[] = {{ref, "/sub/ref", true}};
    sandbox_opts o;
    sandbox_opts_init(&o);
    o.work_dir = dir;
    o.map_dirs = maps;
    o.n_map_dirs = nested ? 1 : 0;
    o.args = args;
    o.n_args = 3;
    sandbox_result r;
    sandbox_result_init(&r);
    uint64_t t0 = bx_mono_ns();
    sandbox_run(mod, &o, &r);
    uint64_t dt = bx_mono_ns() - t0;
    if (r.err || r.exit_code != 0) {
        fprintf(stderr, "bench opens failed: %s (exit %d)\n", r.message, r.exit_code);
        exit(1);
    }
    sandbox_result_release(&r);
    bx_free(ref);
    return dt;
}

static void bench_nested(void)
{
    enum { N = 200 };
    static uint64_t t[2][N];
    char *p1 = bx_sprintf("%s/sub", dir), *p2 = bx_sprintf("%s/sub/deep", dir),
         *p3 = bx_sprintf("%s/sub/ref", dir);
    mkdir(p1, 0755), mkdir(p2, 0755), mkdir(p3, 0755);
    size_t n[2] = {0, 0};
    for (int k = 0; k < 2; k++) {
        opens_once(k == 1); /* warm */
        uint64_t start = bx_mono_ns();
        while (n[k] < N && (n[k] < 20 || bx_mono_ns() - start < 300000000ull))
            t[k][n[k]++] = opens_once(k == 1);
    }
    double flat = median(t[0], n[0]) / 2000.0, nest = median(t[1], n[1]) / 2000.0;
    printf("path-heavy run (2,000 opens for write of /sub/deep/w.txt): %.2f us per open with one "
           "read-write preopen, %.2f us with a read-only preopen nested in it; ratio %.2fx\n",
           flat / 1000.0, nest / 1000.0, nest / (flat ? flat : 1));
    char *w = bx_sprintf("%s/sub/deep/w.txt", dir);
    unlink(w), rmdir(p3), rmdir(p2), rmdir(p1);
    bx_free(w), bx_free(p1), bx_free(p2), bx_free(p3);
}

/* ---------------------------------------------------- 2. whole process */

/* CPU time (user + system) of reaped children so far, ns. */
static uint64_t children_cpu_ns(void)
{
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
           (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
}

static uint64_t spawn(char *const argv[])
{
    uint64_t t0 = bx_mono_ns();
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        execv(argv[0], argv);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    uint64_t dt = bx_mono_ns() - t0;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "%s exited with %d\n", argv[0], WEXITSTATUS(st));
        exit(1);
    }
    return dt;
}

static void bench_process(const char *bin_dir, const char *cli)
{
    enum { N = 400 };
    static uint64_t t[N], tn[N];
    char *guest = bx_sprintf("%s/guests/sbx_bench.wasm", bin_dir);
    char *native = bx_sprintf("%s/sandbox_bench_native", bin_dir);
    char *map = bx_sprintf("%s::/", dir);
    char *data = bx_sprintf("%s/data.txt", dir);
    char *wargv[] = {(char *)cli, (char *)"wasm", (char *)"run", (char *)"--dir", map, guest,
                     (char *)"cat", (char *)"/data.txt", NULL};
    char *rargv[] = {(char *)cli, (char *)"run", (char *)"--dir", map, guest, (char *)"cat",
                     (char *)"/data.txt", NULL};
    bool is_main = strstr(cli, "sandbox_run_cli") == NULL;
    char *const *argv = is_main ? wargv : rargv;
    char *nargv[] = {native, (char *)"cat", data, NULL};
    size_t n = 0, nn = 0;
    uint64_t cpu0 = children_cpu_ns();
    uint64_t start = bx_mono_ns();
    while (n < N && (n < 50 || bx_mono_ns() - start < 100000000ull))
        t[n++] = spawn(argv);
    uint64_t cpu1 = children_cpu_ns();
    start = bx_mono_ns();
    while (nn < N && (nn < 50 || bx_mono_ns() - start < 100000000ull))
        tn[nn++] = spawn(nargv);
    uint64_t cpu2 = children_cpu_ns();
    uint64_t m = median(t, n), mn = median(tn, nn);
    printf("tool-sized run, whole process (%s): median %.2f ms wall, %.2f ms CPU, over %zu runs "
           "(target <= 2 ms); native process %.2f ms wall, %.2f ms CPU; ratio %.1fx wall\n",
           is_main ? "boxagnts wasm run" : "sandbox_run_cli = sandbox_cli_main", m / 1e6,
           (cpu1 - cpu0) / 1e6 / (double)n, n, mn / 1e6, (cpu2 - cpu1) / 1e6 / (double)nn,
           (double)m / (double)(mn ? mn : 1));
    bx_free(guest);
    bx_free(native);
    bx_free(map);
    bx_free(data);
}

/* ------------------------------------------------- 3. 1,000 instances */

enum { NINST = 1000 };
static uint64_t mem_total;
static pthread_mutex_t mem_mu = PTHREAD_MUTEX_INITIALIZER;

static void *sleeper(void *arg)
{
    const char *ms = arg;
    const char *args[] = {"sleep", ms};
    sandbox_opts o;
    sandbox_opts_init(&o);
    o.args = args;
    o.n_args = 2;
    sandbox_result r;
    sandbox_result_init(&r);
    sandbox_run(mod, &o, &r);
    if (r.err || r.exit_code)
        fprintf(stderr, "sleeper: %s\n", r.message);
    pthread_mutex_lock(&mem_mu);
    mem_total += r.memory_bytes;
    pthread_mutex_unlock(&mem_mu);
    sandbox_result_release(&r);
    return NULL;
}

static void bench_concurrent(void)
{
    static pthread_t th[NINST];
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setstacksize(&at, 256 << 10);
    /* Threads alone (no instance), to separate their cost out. */
    long base = rss_kb();
    uint64_t t0 = bx_mono_ns();
    for (int i = 0; i < NINST; i++)
        pthread_create(&th[i], &at, sleeper, (void *)"3000");
    /* all started and parked in their sleep */
    usleep(1500000);
    long during = rss_kb();
    for (int i = 0; i < NINST; i++)
        pthread_join(th[i], NULL);
    uint64_t wall = bx_mono_ns() - t0;
    double per = (during - base) * 1024.0 / NINST;
    double linmem = (double)mem_total / NINST;
    printf("1,000 concurrent instances: RSS +%ld KiB (%.1f KiB each incl. its host thread); "
           "linear memory %.1f KiB each; overhead beyond linear memory %.1f KiB each "
           "(target <= 64 KiB); all done in %.2f s\n",
           during - base, per / 1024.0, linmem / 1024.0, (per - linmem) / 1024.0, wall / 1e9);
    pthread_attr_destroy(&at);
}

int main(int argc, char **argv)
{
    const char *bin_dir = argc > 1 ? argv[1] : ".";
    char *path = bx_sprintf("%s/guests/sbx_bench.wasm", bin_dir);
    bx_buf b;
    bx_buf_init(&b, 64u << 20);
    if (bx_read_file(path, 64u << 20, &b)) {
        fprintf(stderr, "cannot read %s\n", path);
        return 1;
    }
    bx_error d;
    if (sandbox_cache_get(sandbox_cache_default(), b.data, b.len, &d, &mod)) {
        fprintf(stderr, "cannot load: %s\n", d.message);
        return 1;
    }
    char tmpl[] = "/tmp/bx-bench-XXXXXX";
    dir = mkdtemp(tmpl);
    char *data = bx_sprintf("%s/data.txt", dir);
    FILE *f = fopen(data, "wb");
    for (int i = 0; i < 4096; i++)
        fputc('a' + i % 26, f);
    fclose(f);
    const char *only = argc > 2 ? argv[2] : "";
    if (!*only || !strcmp(only, "inprocess"))
        bench_inprocess();
    const char *cli = getenv("BX_BIN_WASM");
    char *own = bx_sprintf("%s/sandbox_run_cli", bin_dir);
    if (!*only || !strcmp(only, "process"))
        bench_process(bin_dir, cli ? cli : own);
    if (!*only || !strcmp(only, "concurrent"))
        bench_concurrent();
    if (!*only || !strcmp(only, "nested"))
        bench_nested();
    unlink(data);
    rmdir(dir);
    sandbox_module_unref(mod);
    bx_free(own);
    bx_free(data);
    bx_free(path);
    bx_buf_release(&b);
    return 0;
}
