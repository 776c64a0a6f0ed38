/* fuzz_wasi.c: libFuzzer target for the WASI host. The input becomes the
 * stdin of the fuzz_wasi guest, which replays it as raw WASI calls with
 * fuzzed arguments inside a sandbox whose only preopen is a scratch
 * directory (emptied every 256 inputs). Whatever the calls, the host must
 * neither crash nor leak (ASan/UBSan), and nothing may appear outside the
 * scratch directory: its sibling canary file must stay intact. The guest
 * module path comes from BX_FUZZ_WASI_GUEST or BX_BINARY_DIR. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/sandbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sandbox_module *mod;
static char base[64], scratch[96], canary[96];
static unsigned count;

static void cleanup(void)
{
    char *cmd = bx_sprintf("chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", base, base);
    int rc = system(cmd);
    (void)rc;
    bx_free(cmd);
    sandbox_module_unref(mod);
}

static void setup(void)
{
    const char *g = getenv("BX_FUZZ_WASI_GUEST");
    const char *bin = getenv("BX_BINARY_DIR");
    char *path = g ? bx_strdup(g) : bx_sprintf("%s/guests/sbx_fuzz_wasi.wasm", bin ? bin : ".");
    bx_buf b;
    bx_buf_init(&b, 64u << 20);
    if (bx_read_file(path, 64u << 20, &b) == BX_OK)
        sandbox_module_load(b.data, b.len, NULL, &mod);
    if (!mod) {
        fprintf(stderr, "fuzz_wasi: cannot load %s\n", path);
        abort(); /* a harness setup failure, not a finding */
    }
    bx_buf_release(&b);
    bx_free(path);
    snprintf(base, sizeof base, "/tmp/bx-fuzzwasi-XXXXXX");
    if (!mkdtemp(base))
        abort();
    snprintf(scratch, sizeof scratch, "%s/tree", base);
    snprintf(canary, sizeof canary, "%s/canary", base);
    mkdir(scratch, 0755);
    atexit(cleanup);
    FILE *f = fopen(canary, "w");
    fputs("canary\n", f);
    fclose(f);
}

static void check_canary(void)
{
    FILE *f = fopen(canary, "r");
    char buf[16] = {0};
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    char *cmd = bx_sprintf("test \"$(ls -A '%s')\" = \"canary\ntree\"", base);
    int rc = system(cmd);
    bx_free(cmd);
    if (n != 7 || strcmp(buf, "canary\n") != 0 || rc != 0) {
        fprintf(stderr, "fuzz_wasi: something changed outside the preopened tree\n");
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!mod)
        setup();
    if (size > 65536)
        return 0;
    static const char *const args[] = {"x"};
    static const char *const env[] = {"A=b"};
    sandbox_opts o;
    sandbox_opts_init(&o);
    o.work_dir = scratch;
    o.args = args;
    o.n_args = 1;
    o.env = env;
    o.n_env = 1;
    o.stdin_data = data;
    o.stdin_len = size;
    o.timeout_ms = 2000;
    o.max_memory = 4u << 20;
    o.stdout_cap = o.stderr_cap = 4096;
    sandbox_result r;
    sandbox_result_init(&r);
    sandbox_run(mod, &o, &r);
    sandbox_result_release(&r);
    if (++count % 256 == 0 || size > 4096) {
        check_canary();
        char *cmd = bx_sprintf("chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'/* '%s'/.[!.]* 2>/dev/null",
                               scratch, scratch, scratch);
        int rc = system(cmd);
        (void)rc;
        bx_free(cmd);
    }
    return 0;
}
