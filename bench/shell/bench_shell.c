/* bench_shell: the sandboxed shell's figures (issue 9 targets).
 *   1. `echo hi` through the tool layer (tools_execute on the embedded bash
 *      tool: schema check, cached module, sandboxed run, JSON result):
 *      median per call, target <= 1 ms.
 *   2. find . -name '*.c' | xargs grep -l foo | wc -l over 1,000 files,
 *      through the tool layer, against the host's /bin/bash with GNU
 *      coreutils/findutils/grep on the same tree in the same run: ratio,
 *      target <= 10x.
 * Each kernel runs >= 100 ms; the pipeline's output is printed as a
 * checksum. Prints figures only; asserts nothing about time. */
#include "tools/tools.h"
#include "json/json.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void write_file(const char *path, const char *data, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, data, n) != (ssize_t)n) {
        perror(path);
        exit(1);
    }
    close(fd);
}

/* Runs the tool once; returns ns, copies up to cap bytes of content. */
static uint64_t run_tool(tools_tool *t, json_t *in, tools_ctx *ctx, char *out, size_t cap,
                         bool *out_err)
{
    tools_result r;
    tools_result_init(&r);
    uint64_t t0 = bx_mono_ns();
    tools_execute(t, in, ctx, &r);
    uint64_t dt = bx_mono_ns() - t0;
    *out_err = r.is_error;
    size_t n = r.content_len < cap - 1 ? r.content_len : cap - 1;
    memcpy(out, r.content ? r.content : "", n);
    out[n] = 0;
    tools_result_release(&r);
    return dt;
}

/* Runs /bin/bash -c cmd in dir; returns ns, first line of stdout in out. */
static uint64_t run_host(const char *dir, const char *cmd, char *out, size_t cap)
{
    int p[2];
    if (pipe(p) != 0)
        exit(1);
    uint64_t t0 = bx_mono_ns();
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        if (chdir(dir) != 0)
            _exit(127);
        execl("/bin/bash", "bash", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    size_t n = 0;
    ssize_t r;
    while ((r = read(p[0], out + n, cap - 1 - n)) > 0 && n + (size_t)r < cap - 1)
        n += (size_t)r;
    if (r > 0)
        n += (size_t)r;
    close(p[0]);
    int st;
    waitpid(pid, &st, 0);
    uint64_t dt = bx_mono_ns() - t0;
    out[n] = 0;
    return dt;
}

int main(void)
{
    char base[256], root[300];
    snprintf(base, sizeof base, "/tmp/bx-bench-shell-%d", (int)getpid());
    snprintf(root, sizeof root, "%s/root", base);
    bx_mkdirs(root, 0755);
    tools_registry *reg = tools_registry_new(NULL);
    if (tools_registry_add_embedded(reg) != BX_OK)
        fprintf(stderr, "warning: an embedded tool failed to load\n");
    tools_ctx ctx = {.root_dir = root};
    tools_tool *sh = tools_registry_get(reg, "bash");
    if (!sh) {
        fprintf(stderr, "bench_shell: the bash tool is not embedded in this build\n");
        return 1;
    }
    char out[4096];
    bool err;

    /* 1: echo hi */
    json_t *in = json_pack("{s:s}", "command", "echo hi");
    run_tool(sh, in, &ctx, out, sizeof out, &err); /* warm the module cache */
    if (err || strcmp(out, "hi\n") != 0)
        fprintf(stderr, "echo hi: unexpected result '%s'\n", out);
    uint64_t samples[100000];
    int n = 0;
    uint64_t start = bx_mono_ns();
    while ((n < 200 || bx_mono_ns() - start < 200000000ull) && n < 100000)
        samples[n++] = run_tool(sh, in, &ctx, out, sizeof out, &err);
    qsort(samples, (size_t)n, sizeof *samples, cmp_u64);
    printf("bash tool `echo hi`: median %.1f us, p90 %.1f us over %d calls (target <= 1000 us)\n",
           samples[n / 2] / 1e3, samples[n * 9 / 10] / 1e3, n);
    json_decref(in);

    /* 2: the pipeline over 1,000 files */
    char path[600];
    for (int d = 0; d < 10; d++) {
        snprintf(path, sizeof path, "%s/src/d%d", root, d);
        bx_mkdirs(path, 0755);
        for (int f = 0; f < 100; f++) {
            char text[2048];
            int k = snprintf(text, sizeof text, "/* file %d/%d */\nint v%d = %d;\n%s\n", d, f, f,
                             d * f, (f % 7 == 0) ? "int foo(void) { return 1; }" : "int bar;");
            for (int pad = 0; pad < 20 && k < 1900; pad++)
                k += snprintf(text + k, sizeof text - (size_t)k, "int filler_%d_%d;\n", f, pad);
            snprintf(path, sizeof path, "%s/src/d%d/f%03d.%s", root, d, f, f % 10 == 9 ? "h" : "c");
            write_file(path, text, (size_t)k);
        }
    }
    const char *pipeline = "find . -name '*.c' | xargs grep -l foo | wc -l";
    json_t *pin = json_pack("{s:s}", "command", pipeline);
    char sand[256], host[256];
    run_tool(sh, pin, &ctx, sand, sizeof sand, &err);
    run_host(root, pipeline, host, sizeof host);
    uint64_t ts = 0, th = 0;
    int runs_s = 0, runs_h = 0;
    start = bx_mono_ns();
    while (runs_s < 3 || bx_mono_ns() - start < 500000000ull) {
        ts += run_tool(sh, pin, &ctx, sand, sizeof sand, &err);
        runs_s++;
    }
    start = bx_mono_ns();
    while (runs_h < 3 || bx_mono_ns() - start < 500000000ull) {
        th += run_host(root, pipeline, host, sizeof host);
        runs_h++;
    }
    double ms_s = ts / 1e6 / runs_s, ms_h = th / 1e6 / runs_h;
    sand[strcspn(sand, "\n")] = 0;
    host[strcspn(host, "\n")] = 0;
    printf("pipeline `%s` over 1,000 files:\n", pipeline);
    printf("  bash tool (wasm, sandboxed): %.2f ms/run over %d runs, output %s%s\n", ms_s, runs_s,
           sand, err ? " (error)" : "");
    printf("  host bash + coreutils:       %.2f ms/run over %d runs, output %s\n", ms_h, runs_h, host);
    printf("  ratio %.2fx (target <= 10x); outputs %s\n", ms_s / ms_h,
           strcmp(sand, host) == 0 ? "match" : "DIFFER");
    json_decref(pin);
    tools_registry_free(reg);
    char rm[400];
    snprintf(rm, sizeof rm, "rm -rf %s", base);
    if (system(rm) != 0)
        fprintf(stderr, "could not remove %s\n", base);
    return 0;
}
