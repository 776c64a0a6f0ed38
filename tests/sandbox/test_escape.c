/* test_escape.c: the escape suite. Each attack in escape.c runs twice on a
 * fresh tree: natively (the positive control: where it makes sense the
 * attack must succeed there, proving the setup is real) and inside the
 * sandbox, where it must fail and leave the host untouched (the outside
 * directory and the read-only tree byte-for-byte as they were). Resource
 * attacks must end with the expected limit. Prints "N attacks, N blocked". */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "sbx_util.h"
#include "test.h"

typedef struct attack {
    const char *name;
    const char *guest_attack; /* argv[1] for the guest; NULL = name */
    bool native_control;      /* must escape natively */
    bx_err want_err;          /* how the sandboxed run must end */
    uint64_t fuel;            /* 0 = default */
    uint32_t timeout_ms;      /* 0 = default */
} attack;

static const attack attacks[] = {
    {"dotdot_read", NULL, true, BX_OK, 0, 0},
    {"dotdot_deep", NULL, true, BX_OK, 0, 0},
    {"dotdot_write", NULL, true, BX_OK, 0, 0},
    {"abs_read", NULL, true, BX_OK, 0, 0},
    {"abs_write", NULL, true, BX_OK, 0, 0},
    {"symlink_rel", NULL, true, BX_OK, 0, 0},
    {"symlink_abs", NULL, true, BX_OK, 0, 0},
    {"symlink_dir", NULL, true, BX_OK, 0, 0},
    {"symlink_chain", NULL, true, BX_OK, 0, 0},
    {"symlink_guest_rel", NULL, true, BX_OK, 0, 0},
    {"symlink_guest_abs", NULL, true, BX_OK, 0, 0},
    {"symlink_guest_write", NULL, true, BX_OK, 0, 0},
    {"symlink_guest_dir", NULL, true, BX_OK, 0, 0},
    {"symlink_loop", NULL, false, BX_OK, 0, 0},
    {"hardlink_out", NULL, true, BX_OK, 0, 0},
    {"hardlink_abs", NULL, true, BX_OK, 0, 0},
    {"hardlink_ro", NULL, true, BX_OK, 0, 0},
    {"proc_self_root", NULL, true, BX_OK, 0, 0},
    {"proc_symlink", NULL, true, BX_OK, 0, 0},
    {"proc_dotdot", NULL, true, BX_OK, 0, 0},
    {"rename_ro_out", NULL, true, BX_OK, 0, 0},
    {"rename_into_ro", NULL, true, BX_OK, 0, 0},
    {"rename_out", NULL, true, BX_OK, 0, 0},
    {"rename_in", NULL, true, BX_OK, 0, 0},
    {"ro_write", NULL, true, BX_OK, 0, 0},
    {"ro_create", NULL, true, BX_OK, 0, 0},
    {"ro_truncate", NULL, true, BX_OK, 0, 0},
    {"ro_unlink", NULL, true, BX_OK, 0, 0},
    {"ro_mkdir", NULL, true, BX_OK, 0, 0},
    {"ro_symlink", NULL, true, BX_OK, 0, 0},
    {"ro_times", NULL, true, BX_OK, 0, 0},
    {"fd_guess", NULL, true, BX_OK, 0, 0},
    {"iovec_huge", NULL, false, BX_OK, 0, 0},
    {"ptr_overflow", NULL, false, BX_OK, 0, 0},
    {"mem_grow", NULL, false, BX_OK, 0, 0},
    {"loop_fuel", "loop", false, BX_LIMIT, 5000000, 0},
    {"loop_timeout", "loop", false, BX_TIMEOUT, 0, 300},
    {"sleep_timeout", "sleep", false, BX_TIMEOUT, 0, 300},
    /* the guest's C stack lives in its memory: overflowing it traps */
    {"recursion", NULL, false, BX_TRAP, 0, 0},
    {"recursion_calls", NULL, false, BX_LIMIT, 0, 0},
    {"flood", NULL, false, BX_OK, 0, 0},
};

#define SECRET_FD 100

typedef struct tree {
    char *dir, *root, *ro, *outside, *secret;
    struct stat ro_st;
} tree;

static void mk_tree(tree *t)
{
    t->dir = sbx_tmpdir();
    t->root = bx_sprintf("%s/root/", t->dir);
    t->ro = bx_sprintf("%s/ro/", t->dir);
    t->outside = bx_sprintf("%s/outside", t->dir);
    t->secret = bx_sprintf("%s/outside/secret.txt", t->dir);
    mkdir(t->root, 0755);
    mkdir(t->ro, 0755);
    mkdir(t->outside, 0755);
    sbx_write(t->outside, "secret.txt", "TOPSECRET\n");
    sbx_write(t->ro, "ro.txt", "read only\n");
    char *p;
#define LINK(target, name)                                  \
    p = bx_sprintf("%s%s", t->root, name);                  \
    if (symlink(target, p) < 0)                             \
        perror(p);                                          \
    bx_free(p);
    LINK("../outside/secret.txt", "link_rel");
    LINK(t->secret, "link_abs");
    LINK("../outside", "link_dir");
    LINK("chain2", "chain1");
    LINK("link_dir/secret.txt", "chain2");
    LINK("loop2", "loop1");
    LINK("loop1", "loop2");
    LINK("/proc", "proc");
#undef LINK
    p = bx_sprintf("%sro.txt", t->ro);
    stat(p, &t->ro_st);
    bx_free(p);
}

static void free_tree(tree *t)
{
    sbx_rmrf(t->dir);
    bx_free(t->dir);
    bx_free(t->root);
    bx_free(t->ro);
    bx_free(t->outside);
    bx_free(t->secret);
}

/* The host is untouched: outside/ holds only the secret, ro/ only ro.txt,
 * both unchanged. */
static bool untouched(const tree *t, char *why, size_t cap)
{
    char *cmd = bx_sprintf("ls -A '%s' '%s' | tr '\\n' ' '", t->outside, t->ro);
    FILE *f = popen(cmd, "r");
    char listing[512] = {0};
    if (f) {
        size_t n = fread(listing, 1, sizeof listing - 1, f);
        listing[n] = '\0';
        pclose(f);
    }
    bx_free(cmd);
    char want[1024];
    snprintf(want, sizeof want, "%s: secret.txt  %s: ro.txt ", t->outside, t->ro);
    char *secret = sbx_read(t->secret, NULL);
    char *rotext = sbx_read(t->ro, "ro.txt");
    struct stat st;
    char *rop = bx_sprintf("%sro.txt", t->ro);
    bool same_ro = stat(rop, &st) == 0 && st.st_mtim.tv_sec == t->ro_st.st_mtim.tv_sec &&
                   st.st_mtim.tv_nsec == t->ro_st.st_mtim.tv_nsec && st.st_nlink == 1;
    bx_free(rop);
    bool ok = strcmp(listing, want) == 0 && secret && strcmp(secret, "TOPSECRET\n") == 0 &&
              rotext && strcmp(rotext, "read only\n") == 0 && same_ro;
    if (!ok)
        snprintf(why, cap, "host changed: listing [%s] secret=%s ro=%s same_ro=%d", listing,
                 secret ? "ok" : "gone", rotext ? rotext : "gone", same_ro);
    bx_free(secret);
    bx_free(rotext);
    return ok;
}

static int run_native(const attack *a, const tree *t)
{
    const char *bin = getenv("BX_BINARY_DIR");
    char *exe = bx_sprintf("%s/sandbox_escape_native", bin ? bin : ".");
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(t->secret, O_RDONLY);
        if (fd >= 0 && fd != SECRET_FD) {
            dup2(fd, SECRET_FD);
            close(fd);
        }
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        execl(exe, exe, a->guest_attack ? a->guest_attack : a->name, t->root, t->ro, t->secret,
              (char *)NULL);
        _exit(127);
    }
    bx_free(exe);
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static int n_attacks, n_blocked, n_controls, n_controls_ok;

static void run_attack(const attack *a, sandbox_module *m, int *bx__failed)
{
    n_attacks++;
    if (a->native_control) {
        n_controls++;
        tree nt;
        mk_tree(&nt);
        int rc = run_native(a, &nt);
        if (rc == 10)
            n_controls_ok++;
        else
            fprintf(stderr, "%s: positive control did not escape natively (exit %d)\n", a->name, rc);
        CHECK_EQ_INT(rc, 10);
        free_tree(&nt);
    }
    tree t;
    mk_tree(&t);
    /* The secret sits open in this process too, where a guest might guess it. */
    int sfd = open(t.secret, O_RDONLY);
    if (sfd >= 0 && sfd != SECRET_FD) {
        dup2(sfd, SECRET_FD);
        close(sfd);
    }
    sandbox_map_dir maps[] = {{t.ro, "/ro", true}};
    const char *args[] = {a->guest_attack ? a->guest_attack : a->name, "/", "/ro/", t.secret};
    sandbox_opts o;
    sandbox_opts_init(&o);
    o.work_dir = t.root;
    o.map_dirs = maps;
    o.n_map_dirs = 1;
    o.args = args;
    o.n_args = 4;
    o.fuel = a->fuel;
    o.timeout_ms = a->timeout_ms;
    o.max_memory = 32u << 20;
    o.max_stack = 1u << 20;
    sandbox_result r;
    sandbox_result_init(&r);
    uint64_t t0 = bx_mono_ns();
    sandbox_run(m, &o, &r);
    uint64_t ms = (bx_mono_ns() - t0) / 1000000;
    char why[1200] = "";
    bool ok = r.err == a->want_err;
    if (!ok)
        snprintf(why, sizeof why, "ended with %s (%s), want %s", bx_err_name(r.err), r.message,
                 bx_err_name(a->want_err));
    if (ok && a->want_err == BX_OK && r.exit_code != 0) {
        ok = false;
        snprintf(why, sizeof why, "exit %d: %s", r.exit_code, r.out.data);
    }
    if (ok && !strcmp(a->name, "mem_grow") && r.memory_bytes > (32u << 20)) {
        ok = false;
        snprintf(why, sizeof why, "memory reached %llu bytes", (unsigned long long)r.memory_bytes);
    }
    if (ok && !strcmp(a->name, "flood") &&
        (!r.out_truncated || r.out.len > (1u << 20) + 64 ||
         !strstr(r.out.data + (r.out.len > 64 ? r.out.len - 64 : 0), "output truncated"))) {
        ok = false;
        snprintf(why, sizeof why, "flood kept %zu bytes, truncated=%d", r.out.len, r.out_truncated);
    }
    if (ok && (a->want_err == BX_TIMEOUT) && ms > 5000) {
        ok = false;
        snprintf(why, sizeof why, "timeout took %llu ms", (unsigned long long)ms);
    }
    if (ok && !untouched(&t, why, sizeof why))
        ok = false;
    if (ok)
        n_blocked++;
    else
        fprintf(stderr, "ATTACK NOT BLOCKED %s: %s\n", a->name, why);
    printf("%-20s %s%s\n", a->name, ok ? "blocked" : "ESCAPED",
           a->native_control ? " (escapes natively)" : "");
    CHECK(ok);
    close(SECRET_FD);
    sandbox_result_release(&r);
    free_tree(&t);
}

TEST(escape_suite)
{
    sandbox_module *m = sbx_load("sbx_escape");
    REQUIRE(m);
    for (size_t i = 0; i < BX_ARRAY_LEN(attacks); i++)
        run_attack(&attacks[i], m, bx__failed);
    sandbox_module_unref(m);
    printf("%d attacks, %d blocked; %d positive controls, %d escaped natively\n", n_attacks,
           n_blocked, n_controls, n_controls_ok);
    CHECK_EQ_INT(n_blocked, n_attacks);
    CHECK_EQ_INT(n_controls_ok, n_controls);
}

TEST_MAIN()
