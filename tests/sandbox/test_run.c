/* test_run.c: RunOption defaults and limits, the module cache, and the
 * `wasm run` command line (through the test-only sandbox_run_cli, which is
 * sandbox_cli_main): exit codes, size suffixes, streaming with caps. */
#include <pthread.h>
#include <sys/wait.h>

#include "sbx_util.h"
#include "test.h"

/* Runs sandbox_run_cli with argv; captures stdout/stderr; returns exit code
 * (or 128 + signal). */
static int cli(const char *const *argv, char **out, char **err)
{
    const char *bin = getenv("BX_BINARY_DIR");
    char *exe = bx_sprintf("%s/sandbox_run_cli", bin ? bin : ".");
    char *dir = sbx_tmpdir();
    char *o = bx_sprintf("%s/out", dir), *e = bx_sprintf("%s/err", dir);
    pid_t pid = fork();
    if (pid == 0) {
        int fo = open(o, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int fe = open(e, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int fi = open("/dev/null", O_RDONLY);
        dup2(fo, 1);
        dup2(fe, 2);
        dup2(fi, 0);
        const char *args[32];
        int n = 0;
        args[n++] = exe;
        for (int i = 0; argv[i] && n < 31; i++)
            args[n++] = argv[i];
        args[n] = NULL;
        execv(exe, (char *const *)args);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    *out = sbx_read(o, NULL);
    *err = sbx_read(e, NULL);
    if (!*out)
        *out = bx_strdup("");
    if (!*err)
        *err = bx_strdup("");
    sbx_rmrf(dir);
    bx_free(dir);
    bx_free(o);
    bx_free(e);
    bx_free(exe);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static char *guest(const char *name)
{
    return sbx_guest_path(name);
}

TEST(cli_exit_code_is_the_guests)
{
    char *g = guest("hello"), *out, *err;
    const char *argv[] = {"run", g, "one", "two", NULL};
    CHECK_EQ_INT(cli(argv, &out, &err), 2);
    CHECK_EQ_STR(out, "hello from wasm32-wasi\none\ntwo\n");
    bx_free(out);
    bx_free(err);
    const char *argv2[] = {"run", g, "--", "--dir", NULL};
    CHECK_EQ_INT(cli(argv2, &out, &err), 1);
    CHECK_EQ_STR(out, "hello from wasm32-wasi\n--dir\n");
    bx_free(out);
    bx_free(err);
    bx_free(g);
}

TEST(cli_limits_exit_1_to_123_with_a_message)
{
    char *g = guest("sbx_escape"), *out, *err;
    const char *fuel[] = {"run", "--fuel", "100000", g, "loop", "/", "/", "/x", NULL};
    CHECK_EQ_INT(cli(fuel, &out, &err), 122);
    CHECK(strstr(err, "out of fuel") != NULL);
    bx_free(out);
    bx_free(err);
    const char *tmo[] = {"run", "--timeout", "0.2", g, "sleep", "/", "/", "/x", NULL};
    CHECK_EQ_INT(cli(tmo, &out, &err), 123);
    CHECK(strstr(err, "timed out") != NULL);
    bx_free(out);
    bx_free(err);
    const char *trap[] = {"run", "--max-stack", "64K", g, "recursion", "/", "/", "/x", NULL};
    int rc = cli(trap, &out, &err);
    CHECK(rc == 121 || rc == 122);
    CHECK(strstr(err, "boxagnts wasm run: ") != NULL);
    bx_free(out);
    bx_free(err);
    const char *mem[] = {"run", "--max-memory", "2M", g, "mem_grow", "/", "/", "/x", NULL};
    CHECK_EQ_INT(cli(mem, &out, &err), 0);
    const char *at = strstr(out, "memory stopped at ");
    CHECK(at && atoi(at + 18) <= 32 && strstr(out, "blocked"));
    bx_free(out);
    bx_free(err);
    const char *small[] = {"run", "--max-memory", "64K", g, "mem_grow", "/", "/", "/x", NULL};
    CHECK_EQ_INT(cli(small, &out, &err), 122);
    CHECK(strstr(err, "max_memory") != NULL);
    bx_free(out);
    bx_free(err);
    bx_free(g);
}

TEST(cli_usage_and_setup_errors)
{
    char *out, *err;
    const char *none[] = {"run", NULL};
    CHECK_EQ_INT(cli(none, &out, &err), 2);
    CHECK(strstr(err, "usage:") != NULL);
    bx_free(out);
    bx_free(err);
    const char *bad[] = {"run", "--max-memory", "lots", "x.wasm", NULL};
    CHECK_EQ_INT(cli(bad, &out, &err), 2);
    CHECK(strstr(err, "expected a size") != NULL);
    bx_free(out);
    bx_free(err);
    const char *env[] = {"run", "--env", "NOVALUE", "x.wasm", NULL};
    CHECK_EQ_INT(cli(env, &out, &err), 2);
    bx_free(out);
    bx_free(err);
    const char *missing[] = {"run", "/nonexistent/x.wasm", NULL};
    CHECK_EQ_INT(cli(missing, &out, &err), 1);
    CHECK(strstr(err, "cannot read") != NULL);
    bx_free(out);
    bx_free(err);
    char *dir = sbx_tmpdir();
    sbx_write(dir, "junk.wasm", "\0asm junk");
    char *junk = bx_sprintf("%s/junk.wasm", dir);
    const char *inval[] = {"run", junk, NULL};
    CHECK_EQ_INT(cli(inval, &out, &err), 1);
    bx_free(out);
    bx_free(err);
    char *g = guest("hello");
    const char *nodir[] = {"run", "--dir", "/nonexistent::/", g, NULL};
    CHECK_EQ_INT(cli(nodir, &out, &err), 1);
    CHECK(strstr(err, "/nonexistent") != NULL);
    bx_free(out);
    bx_free(err);
    bx_free(g);
    bx_free(junk);
    sbx_rmrf(dir);
    bx_free(dir);
}

TEST(cli_output_cap_and_marker)
{
    char *g = guest("sbx_escape"), *out, *err;
    const char *argv[] = {"run", "--stdout-cap", "1K", g, "flood", "/", "/", "/x", NULL};
    CHECK_EQ_INT(cli(argv, &out, &err), 0);
    CHECK(strlen(out) < 1024 + 80);
    CHECK(strstr(out, "[boxagnts: output truncated at 1024 bytes]") != NULL);
    bx_free(out);
    bx_free(err);
    bx_free(g);
}

TEST(cli_dirs_env_and_readonly)
{
    char *g = guest("sbx_wasi_calls"), *out, *err;
    char *dir = sbx_tmpdir();
    char *root = bx_sprintf("%s/root", dir), *ro = bx_sprintf("%s/ro", dir);
    mkdir(root, 0755);
    mkdir(ro, 0755);
    sbx_write(ro, "ro.txt", "read only\n");
    char *m1 = bx_sprintf("%s::/", root), *m2 = bx_sprintf("%s::/ro:ro", ro);
    const char *argv[] = {"run", "--dir", m1, "--dir", m2, g, "readonly", NULL};
    CHECK_EQ_INT(cli(argv, &out, &err), 0);
    CHECK(strstr(out, "ok readonly") != NULL);
    bx_free(out);
    bx_free(err);
    const char *env[] = {"run", "--env", "FOO=bar", "--env", "EMPTY=", g, "environ", NULL};
    CHECK_EQ_INT(cli(env, &out, &err), 0);
    CHECK(strstr(out, "ok environ") != NULL);
    bx_free(out);
    bx_free(err);
    bx_free(m1);
    bx_free(m2);
    bx_free(root);
    bx_free(ro);
    sbx_rmrf(dir);
    bx_free(dir);
    bx_free(g);
}

TEST(defaults_are_finite)
{
    sandbox_module *m = sbx_load("sbx_escape");
    REQUIRE(m);
    /* a zeroed RunOption still times out (default 30 s would be slow to
     * wait for: check the limits the engine got through the fuel left) */
    const char *args[] = {"loop", "/", "/", "/x"};
    sandbox_opts o;
    sandbox_opts_init(&o);
    o.args = args;
    o.n_args = 4;
    o.timeout_ms = 200;
    sandbox_result r;
    sandbox_result_init(&r);
    CHECK_EQ_INT(sandbox_run(m, &o, &r), BX_TIMEOUT);
    CHECK(r.fuel_used > 0 && r.fuel_used < SANDBOX_DEFAULT_FUEL);
    sandbox_result_release(&r);
    /* no preopens by default: the guest sees no file at all */
    const char *args2[] = {"abs_read", "/", "/ro/", "/etc/hostname"};
    sandbox_opts_init(&o);
    o.args = args2;
    o.n_args = 4;
    sandbox_result_init(&r);
    CHECK_EQ_INT(sandbox_run(m, &o, &r), BX_OK);
    CHECK_EQ_INT(r.exit_code, 0);
    CHECK(strstr(r.out.data, "blocked") != NULL);
    sandbox_result_release(&r);
    sandbox_module_unref(m);
}

static atomic_bool cancel_flag;

static void *cancel_later(void *arg)
{
    (void)arg;
    usleep(100000);
    atomic_store(&cancel_flag, true);
    return NULL;
}

TEST(cancel_from_another_thread)
{
    sandbox_module *m = sbx_load("sbx_escape");
    REQUIRE(m);
    const char *kinds[] = {"loop", "sleep"};
    for (int k = 0; k < 2; k++) {
        const char *args[] = {kinds[k], "/", "/", "/x"};
        sandbox_opts o;
        sandbox_opts_init(&o);
        o.args = args;
        o.n_args = 4;
        atomic_store(&cancel_flag, false);
        o.cancel = &cancel_flag;
        pthread_t th;
        pthread_create(&th, NULL, cancel_later, NULL);
        sandbox_result r;
        sandbox_result_init(&r);
        uint64_t t0 = bx_mono_ns();
        CHECK_EQ_INT(sandbox_run(m, &o, &r), BX_CANCELLED);
        uint64_t ms = (bx_mono_ns() - t0) / 1000000;
        CHECK(ms >= 90 && ms < 3000);
        CHECK_EQ_STR(r.message, "cancelled");
        pthread_join(th, NULL);
        sandbox_result_release(&r);
    }
    /* already cancelled: does not start */
    const char *args[] = {"loop", "/", "/", "/x"};
    sandbox_opts o;
    sandbox_opts_init(&o);
    o.args = args;
    o.n_args = 4;
    o.cancel = &cancel_flag;
    sandbox_result r;
    sandbox_result_init(&r);
    CHECK_EQ_INT(sandbox_run(m, &o, &r), BX_CANCELLED);
    sandbox_result_release(&r);
    sandbox_module_unref(m);
}

typedef struct race {
    sandbox_cache *c;
    const bx_buf *bytes;
    sandbox_module *got;
} race;

static void *race_get(void *arg)
{
    race *r = arg;
    if (sandbox_cache_get(r->c, r->bytes->data, r->bytes->len, NULL, &r->got))
        r->got = NULL;
    return NULL;
}

TEST(cache_translates_once_and_evicts_lru)
{
    char *p1 = sbx_guest_path("hello"), *p2 = sbx_guest_path("sbx_bench");
    bx_buf a, b;
    bx_buf_init(&a, 64u << 20);
    bx_buf_init(&b, 64u << 20);
    REQUIRE(bx_read_file(p1, 64u << 20, &a) == BX_OK);
    REQUIRE(bx_read_file(p2, 64u << 20, &b) == BX_OK);
    /* room for one of them only */
    sandbox_cache *c = sandbox_cache_new(BX_MAX(a.len, b.len) + 1);
    race rs[8];
    pthread_t th[8];
    for (int i = 0; i < 8; i++) {
        rs[i] = (race){c, &a, NULL};
        pthread_create(&th[i], NULL, race_get, &rs[i]);
    }
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
    size_t entries, bytes;
    uint64_t hits, misses;
    sandbox_cache_stats(c, &entries, &bytes, &hits, &misses);
    CHECK_EQ_INT(misses, 1);
    CHECK_EQ_INT(hits, 7);
    for (int i = 0; i < 8; i++) {
        CHECK(rs[i].got == rs[0].got && rs[i].got != NULL);
        sandbox_module_unref(rs[i].got);
    }
    CHECK_EQ_INT(strlen(sandbox_module_hash(rs[0].got ? rs[0].got : NULL)), 64);
    sandbox_module *mb = NULL;
    REQUIRE(sandbox_cache_get(c, b.data, b.len, NULL, &mb) == BX_OK);
    sandbox_cache_stats(c, &entries, &bytes, &hits, &misses);
    CHECK_EQ_INT(entries, 1); /* the hello module was evicted */
    CHECK_EQ_INT(bytes, b.len);
    sandbox_module *ma = NULL;
    REQUIRE(sandbox_cache_get(c, a.data, a.len, NULL, &ma) == BX_OK);
    sandbox_cache_stats(c, &entries, &bytes, &hits, &misses);
    CHECK_EQ_INT(misses, 3);
    /* an evicted module stays usable by whoever holds it */
    const char *args[] = {"x"};
    sandbox_opts o;
    sandbox_opts_init(&o);
    o.args = args;
    o.n_args = 1;
    sandbox_result r;
    sandbox_result_init(&r);
    CHECK_EQ_INT(sandbox_run(mb, &o, &r), BX_OK);
    CHECK_EQ_INT(r.exit_code, 2); /* bench with too few args */
    sandbox_result_release(&r);
    sandbox_module_unref(ma);
    sandbox_module_unref(mb);
    bx_error d;
    bx_error_clear(&d);
    sandbox_module *bad = NULL;
    CHECK(sandbox_cache_get(c, "\0asm\1\0\0\0\xff", 9, &d, &bad) != BX_OK);
    CHECK(bad == NULL && d.message[0]);
    sandbox_cache_free(c);
    bx_buf_release(&a);
    bx_buf_release(&b);
    bx_free(p1);
    bx_free(p2);
}

/* (module (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
 *   (global $g (mut i32) (i32.const 0)) (memory (export "memory") 1)
 *   (func (export "_initialize") (global.set $g (i32.const 42)))
 *   (func (export "run") (call 0 (global.get $g)))) */
static const unsigned char reactor_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x60, 0x01, 0x7f, 0x00,
    0x60, 0x00, 0x00, 0x02, 0x24, 0x01, 0x16, 0x77, 0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61,
    0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x09,
    0x70, 0x72, 0x6f, 0x63, 0x5f, 0x65, 0x78, 0x69, 0x74, 0x00, 0x00, 0x03, 0x03, 0x02, 0x01,
    0x01, 0x05, 0x03, 0x01, 0x00, 0x01, 0x06, 0x06, 0x01, 0x7f, 0x01, 0x41, 0x00, 0x0b, 0x07,
    0x1e, 0x03, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x0b, 0x5f, 0x69, 0x6e,
    0x69, 0x74, 0x69, 0x61, 0x6c, 0x69, 0x7a, 0x65, 0x00, 0x01, 0x03, 0x72, 0x75, 0x6e, 0x00,
    0x02, 0x0a, 0x0f, 0x02, 0x06, 0x00, 0x41, 0x2a, 0x24, 0x00, 0x0b, 0x06, 0x00, 0x23, 0x00,
    0x10, 0x00, 0x0b};

TEST(reactor_initialize_then_entry)
{
    sandbox_module *m = NULL;
    REQUIRE(sandbox_module_load(reactor_wasm, sizeof reactor_wasm, NULL, &m) == BX_OK);
    sandbox_opts o;
    sandbox_opts_init(&o);
    o.entry = "run";
    sandbox_result r;
    sandbox_result_init(&r);
    CHECK_EQ_INT(sandbox_run(m, &o, &r), BX_OK);
    CHECK_EQ_INT(r.exit_code, 42);
    sandbox_result_release(&r);
    o.entry = NULL; /* no _start: a clear message, not a crash */
    sandbox_result_init(&r);
    CHECK_EQ_INT(sandbox_run(m, &o, &r), BX_INVALID);
    CHECK(strstr(r.message, "_start") != NULL);
    sandbox_result_release(&r);
    sandbox_module_unref(m);
}

/* (module (import "wasi_snapshot_preview1" "sched_yield" (func $y (result i32)))
 *   (func $s (drop (call $y))) (start $s) (func (export "_start"))) */
static const unsigned char start_calls_wasi[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x60, 0x00, 0x01, 0x7f,
    0x60, 0x00, 0x00, 0x02, 0x26, 0x01, 0x16, 0x77, 0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61,
    0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x0b,
    0x73, 0x63, 0x68, 0x65, 0x64, 0x5f, 0x79, 0x69, 0x65, 0x6c, 0x64, 0x00, 0x00, 0x03, 0x03,
    0x02, 0x01, 0x01, 0x07, 0x0a, 0x01, 0x06, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x02,
    0x08, 0x01, 0x01, 0x0a, 0x0a, 0x02, 0x05, 0x00, 0x10, 0x00, 0x1a, 0x0b, 0x02, 0x00, 0x0b};

TEST(wasi_from_a_start_function_traps_cleanly)
{
    sandbox_module *m = NULL;
    REQUIRE(sandbox_module_load(start_calls_wasi, sizeof start_calls_wasi, NULL, &m) == BX_OK);
    sandbox_opts o;
    sandbox_opts_init(&o);
    sandbox_result r;
    sandbox_result_init(&r);
    CHECK(sandbox_run(m, &o, &r) != BX_OK);
    CHECK(strstr(r.message, "before the sandbox was ready") != NULL);
    sandbox_result_release(&r);
    sandbox_module_unref(m);
}

TEST(argument_and_environment_caps)
{
    sandbox_module *m = sbx_load("hello");
    REQUIRE(m);
    size_t n = 2048;
    char *big = bx_malloc(1024);
    memset(big, 'a', 1023);
    big[1023] = '\0';
    const char **args = bx_calloc(n, sizeof *args);
    for (size_t i = 0; i < n; i++)
        args[i] = big; /* 2 MiB of arguments, past the 1 MiB cap */
    sandbox_opts o;
    sandbox_opts_init(&o);
    o.args = args;
    o.n_args = n;
    sandbox_result r;
    sandbox_result_init(&r);
    CHECK_EQ_INT(sandbox_run(m, &o, &r), BX_TOOBIG);
    CHECK(strstr(r.message, "arguments larger") != NULL);
    sandbox_result_release(&r);
    o.n_args = 100; /* 100 KiB is fine */
    sandbox_result_init(&r);
    CHECK_EQ_INT(sandbox_run(m, &o, &r), BX_OK);
    CHECK_EQ_INT(r.exit_code, 100);
    sandbox_result_release(&r);
    bx_free(args);
    bx_free(big);
    sandbox_module_unref(m);
}

TEST_MAIN()
