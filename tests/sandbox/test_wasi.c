/* test_wasi.c: WASI preview1, call by call. Each test runs one group of
 * the wasi_calls guest (which checks values and exact errnos from inside)
 * through sandbox_run in this process, then checks what the calls did to
 * the host tree. Preopens: fd 3 = "/" (rw temp tree), fd 4 = "/ro". */
#include "sbx_util.h"
#include "test.h"

static sandbox_module *mod;

typedef struct fixture {
    char *dir, *root, *ro;
    sandbox_result r;
} fixture;

static bool run_group(fixture *fx, const char *group, const char *stdin_text,
                      const char *const *extra_env, size_t n_env)
{
    if (!mod)
        mod = sbx_load("sbx_wasi_calls");
    if (!mod)
        return false;
    fx->dir = sbx_tmpdir();
    fx->root = bx_sprintf("%s/root", fx->dir);
    fx->ro = bx_sprintf("%s/ro", fx->dir);
    mkdir(fx->root, 0755);
    mkdir(fx->ro, 0755);
    sbx_write(fx->ro, "ro.txt", "read only\n");
    sandbox_map_dir maps[] = {{fx->ro, "/ro", true}};
    const char *args[] = {group, "alpha", "β gamma"};
    sandbox_opts o;
    sandbox_opts_init(&o);
    o.work_dir = fx->root;
    o.map_dirs = maps;
    o.n_map_dirs = 1;
    o.args = args;
    o.n_args = 3;
    o.env = extra_env;
    o.n_env = n_env;
    o.stdin_data = stdin_text;
    o.stdin_len = stdin_text ? strlen(stdin_text) : 0;
    sandbox_result_init(&fx->r);
    sandbox_run(mod, &o, &fx->r);
    char want[64];
    snprintf(want, sizeof want, "ok %s\n", group);
    bool ok = fx->r.err == BX_OK && fx->r.exit_code == 0 && strstr(fx->r.out.data, want);
    if (!ok)
        fprintf(stderr, "group %s: err=%s exit=%d msg=%s\nstdout:\n%s\nstderr:\n%s\n", group,
                bx_err_name(fx->r.err), fx->r.exit_code, fx->r.message, fx->r.out.data,
                fx->r.errout.data);
    return ok;
}

static void done(fixture *fx)
{
    sandbox_result_release(&fx->r);
    sbx_rmrf(fx->dir);
    bx_free(fx->dir);
    bx_free(fx->root);
    bx_free(fx->ro);
}

TEST(args_get_and_sizes)
{
    fixture fx;
    CHECK(run_group(&fx, "args", NULL, NULL, 0));
    done(&fx);
}

TEST(environ_is_explicit_only)
{
    static const char *const env[] = {"FOO=bar", "EMPTY="};
    setenv("BX_SHOULD_NOT_LEAK", "1", 1);
    fixture fx;
    CHECK(run_group(&fx, "environ", NULL, env, 2));
    done(&fx);
}

TEST(environ_rejects_malformed)
{
    static const char *const env[] = {"NOEQUALS"};
    sandbox_module *m = sbx_load("sbx_wasi_calls");
    REQUIRE(m);
    sandbox_opts o;
    sandbox_opts_init(&o);
    o.env = env;
    o.n_env = 1;
    sandbox_result r;
    sandbox_result_init(&r);
    CHECK_EQ_INT(sandbox_run(m, &o, &r), BX_INVALID);
    CHECK(strstr(r.message, "K=V") != NULL);
    sandbox_result_release(&r);
    sandbox_module_unref(m);
}

TEST(clock_res_and_time_get)
{
    fixture fx;
    CHECK(run_group(&fx, "clock", NULL, NULL, 0));
    const char *p = strstr(fx.r.out.data, "realtime ");
    REQUIRE(p);
    long long guest = atoll(p + 9), host = (long long)(bx_wall_ns() / 1000000000ull);
    CHECK(guest <= host && guest >= host - 5);
    done(&fx);
}

TEST(random_get)
{
    fixture fx;
    CHECK(run_group(&fx, "random", NULL, NULL, 0));
    done(&fx);
}

TEST(stdio_read_write)
{
    fixture fx;
    CHECK(run_group(&fx, "stdio", "from host", NULL, 0));
    CHECK(strstr(fx.r.out.data, "abc\n") != NULL);
    CHECK_EQ_STR(fx.r.errout.data, "to stderr\n");
    done(&fx);
}

TEST(file_calls)
{
    fixture fx;
    CHECK(run_group(&fx, "files", NULL, NULL, 0));
    char *f = sbx_read(fx.root, "f.txt");
    CHECK(f && strcmp(f, "HELLO!\n") == 0);
    bx_free(f);
    done(&fx);
}

TEST(directory_and_path_calls)
{
    fixture fx;
    CHECK(run_group(&fx, "dirs", NULL, NULL, 0));
    char *b = sbx_read(fx.root, "b.txt");
    CHECK(b && strcmp(b, "aaa") == 0);
    bx_free(b);
    char *h = sbx_read(fx.root, "d/hard.txt");
    CHECK(h && strcmp(h, "aaa") == 0);
    bx_free(h);
    CHECK(!sbx_exists(fx.root, "sym"));
    CHECK(!sbx_exists(fx.root, "d/sub"));
    done(&fx);
}

TEST(readonly_preopen_refuses_writes)
{
    fixture fx;
    CHECK(run_group(&fx, "readonly", NULL, NULL, 0));
    char *ro = sbx_read(fx.ro, "ro.txt");
    CHECK(ro && strcmp(ro, "read only\n") == 0);
    bx_free(ro);
    CHECK(!sbx_exists(fx.ro, "new.txt"));
    CHECK(!sbx_exists(fx.ro, "new2.txt"));
    CHECK(!sbx_exists(fx.root, "stolen.txt"));
    CHECK(!sbx_exists(fx.root, "hl.txt"));
    done(&fx);
}

TEST(link_symlink_rename_trailing_slash)
{
    fixture fx;
    CHECK(run_group(&fx, "slashes", NULL, NULL, 0));
    CHECK(!sbx_exists(fx.root, "new") && !sbx_exists(fx.root, "sl") && !sbx_exists(fx.root, "r"));
    CHECK(sbx_exists(fx.root, "dir2/hard") && sbx_exists(fx.root, "dir2/sl"));
    done(&fx);
}

TEST(open_directory_for_write_fails)
{
    fixture fx;
    CHECK(run_group(&fx, "dirrw", NULL, NULL, 0));
    done(&fx);
}

TEST(open_oflags_rights_table)
{
    fixture fx;
    CHECK(run_group(&fx, "oflags", NULL, NULL, 0));
    char *x = sbx_read(fx.root, "x.txt");
    CHECK(x && strcmp(x, "new") == 0);
    bx_free(x);
    done(&fx);
}

/* The nested-grant fixture: "/" = root (rw), "/ref" = root/ref (ro),
 * "/ref/out" = root/ref/out (rw), "/refrw" = root/ref again (rw). */
static bool run_nested(fixture *fx)
{
    if (!mod)
        mod = sbx_load("sbx_wasi_calls");
    if (!mod)
        return false;
    fx->dir = sbx_tmpdir();
    fx->root = bx_sprintf("%s/root", fx->dir);
    fx->ro = bx_sprintf("%s/root/ref", fx->dir);
    char *sub = bx_sprintf("%s/sub", fx->ro), *empty = bx_sprintf("%s/sub/empty", fx->ro);
    char *out = bx_sprintf("%s/out", fx->ro);
    mkdir(fx->root, 0755);
    mkdir(fx->ro, 0755);
    mkdir(sub, 0755);
    mkdir(empty, 0755);
    mkdir(out, 0755);
    sbx_write(fx->ro, "a.txt", "a\n");
    sbx_write(fx->ro, "hl.txt", "hl\n");
    sbx_write(fx->ro, "sub/b.txt", "b\n");
    char *hl = bx_sprintf("%s/hl.txt", fx->ro), *ohl = bx_sprintf("%s/outside_hl.txt", fx->root);
    bool linked = link(hl, ohl) == 0;
    sandbox_map_dir maps[] = {{fx->ro, "/ref", true}, {out, "/ref/out", false}, {fx->ro, "/refrw", false}};
    const char *args[] = {"nested"};
    sandbox_opts o;
    sandbox_opts_init(&o);
    o.work_dir = fx->root;
    o.map_dirs = maps;
    o.n_map_dirs = 3;
    o.args = args;
    o.n_args = 1;
    sandbox_result_init(&fx->r);
    sandbox_run(mod, &o, &fx->r);
    bool ok = linked && fx->r.err == BX_OK && fx->r.exit_code == 0 && strstr(fx->r.out.data, "ok nested\n");
    if (!ok)
        fprintf(stderr, "nested: err=%s exit=%d msg=%s\nstdout:\n%s\nstderr:\n%s\n",
                bx_err_name(fx->r.err), fx->r.exit_code, fx->r.message, fx->r.out.data,
                fx->r.errout.data);
    bx_free(sub), bx_free(empty), bx_free(out), bx_free(hl), bx_free(ohl);
    return ok;
}

TEST(nested_readonly_grant_stays_readonly)
{
    fixture fx;
    CHECK(run_nested(&fx));
    /* ref/ is as the host made it, but for its rw subtree out/ */
    char *a = sbx_read(fx.ro, "a.txt"), *b = sbx_read(fx.ro, "sub/b.txt");
    CHECK(a && strcmp(a, "a\n") == 0);
    CHECK(b && strcmp(b, "b\n") == 0);
    bx_free(a), bx_free(b);
    CHECK(sbx_exists(fx.ro, "sub/empty"));
    static const char *const absent[] = {"new.txt", "sub/new.txt", "newdir", "sub/newdir", "sl",
                                         "hl2", "moved", "x", "new3.txt", "nothing-yet"};
    for (size_t i = 0; i < BX_ARRAY_LEN(absent); i++)
        if (sbx_exists(fx.ro, absent[i])) {
            fprintf(stderr, "ref/%s was created\n", absent[i]);
            CHECK(0);
        }
    CHECK(sbx_exists(fx.ro, "out/new.txt") && sbx_exists(fx.ro, "out/new3.txt"));
    CHECK(!sbx_exists(fx.root, "stolen") && !sbx_exists(fx.root, "hl") && sbx_exists(fx.root, "ref"));
    /* the documented hard-link case: the outside name was writable */
    char *hl = sbx_read(fx.ro, "hl.txt");
    CHECK(hl && strcmp(hl, "HL\n") == 0);
    bx_free(hl);
    done(&fx);
}

TEST(poll_oneoff)
{
    fixture fx;
    CHECK(run_group(&fx, "poll", "abc", NULL, 0));
    done(&fx);
}

TEST(sched_proc_sock)
{
    fixture fx;
    CHECK(run_group(&fx, "misc", NULL, NULL, 0));
    done(&fx);
}

TEST(guest_pointers_checked)
{
    fixture fx;
    CHECK(run_group(&fx, "pointers", NULL, NULL, 0));
    done(&fx);
}

TEST(proc_exit_code)
{
    fixture fx;
    CHECK(!run_group(&fx, "exit", NULL, NULL, 0));
    CHECK_EQ_INT(fx.r.err, BX_OK);
    CHECK_EQ_INT(fx.r.exit_code, 7);
    done(&fx);
}

TEST(zz_release_module)
{
    sandbox_module_unref(mod);
    mod = NULL;
    CHECK(1 == 1);
}

TEST_MAIN()
