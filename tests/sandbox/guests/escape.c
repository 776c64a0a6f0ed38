/* escape.c: one way out of the sandbox per invocation.
 *
 *   escape ATTACK ROOT RO SECRET_ABS
 *
 * ROOT and RO are path prefixes of the read-write tree and the read-only
 * tree ("/" and "/ro/" inside the sandbox; real host directories when the
 * same source is built natively as the positive control). SECRET_ABS is the
 * host path of a file outside both trees holding "TOPSECRET". Exit 10 and
 * "ESCAPED ..." when the attack reached its goal; exit 0 and "blocked ..."
 * when it did not. Resource attacks (loops, recursion, memory, floods) have
 * no goal to print: the host judges how the run ended. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#ifdef __wasi__
#include <wasi/api.h>
#define RAW(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(name)))
RAW("fd_write") int32_t raw_fd_write(int32_t fd, int32_t iovs, int32_t n, int32_t out);
RAW("fd_read") int32_t raw_fd_read(int32_t fd, int32_t iovs, int32_t n, int32_t out);
#endif

static const char *root, *ro, *secret_abs;

static char *cat(const char *a, const char *b)
{
    static char bufs[4][4096];
    static int next;
    char *p = bufs[next++ % 4];
    /* memmove, not snprintf: a or b may be an earlier result of cat(). */
    size_t la = strlen(a), lb = strlen(b);
    if (la > 4095)
        la = 4095;
    if (lb > 4095 - la)
        lb = 4095 - la;
    memmove(p, a, la);
    memmove(p + la, b, lb);
    p[la + lb] = '\0';
    return p;
}

static int escaped(const char *what)
{
    printf("ESCAPED %s\n", what);
    return 10;
}

static int blocked(const char *what)
{
    printf("blocked %s: %s\n", what, strerror(errno));
    return 0;
}

/* Reads path; true when it holds the secret. */
static bool read_secret(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return false;
    char buf[64] = {0};
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    return n > 0 && strstr(buf, "TOPSECRET");
}

static int try_read(const char *path)
{
    return read_secret(path) ? escaped(path) : blocked(path);
}

static bool write_file(const char *path, int flags, const char *text)
{
    int fd = open(path, flags, 0644);
    if (fd < 0)
        return false;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text);
}

static char outside_dir[4096];

/* Recursion that uses no linear-memory stack: only the engine's call
 * stack grows (an indirect call the optimiser cannot flatten). */
static int recurse_calls(int n);
static int (*volatile recurse_ptr)(int) = recurse_calls;
__attribute__((noinline)) static int recurse_calls(int n)
{
    if (n == -1)
        return 0;
    return recurse_ptr(n + 1) ^ n;
}

/* Unbounded recursion the optimiser cannot turn into a loop. */
__attribute__((noinline)) static int recurse(int n)
{
    volatile char pad[128];
    pad[0] = (char)n;
    if (pad[0] == 127 && n < 0)
        return 0; /* never true: keeps the compiler from calling this infinite */
    int r = recurse(n + 1);
    return r + pad[0];
}

static int attack(const char *a)
{
    if (!strcmp(a, "dotdot_read"))
        return try_read(cat(root, "../outside/secret.txt"));
    if (!strcmp(a, "dotdot_deep")) {
        mkdir(cat(root, "a"), 0755);
        mkdir(cat(root, "a/b"), 0755);
        return try_read(cat(root, "a/b/../../../outside/secret.txt"));
    }
    if (!strcmp(a, "abs_read"))
        return try_read(secret_abs);
    if (!strcmp(a, "abs_write"))
        return write_file(cat(outside_dir, "/pwned.txt"), O_CREAT | O_WRONLY, "x")
                   ? escaped("wrote by absolute path") : blocked("absolute write");
    if (!strcmp(a, "dotdot_write"))
        return write_file(cat(root, "../outside/pwned.txt"), O_CREAT | O_WRONLY, "x")
                   ? escaped("wrote outside") : blocked("dotdot write");
    if (!strcmp(a, "symlink_rel"))
        return try_read(cat(root, "link_rel"));
    if (!strcmp(a, "symlink_abs"))
        return try_read(cat(root, "link_abs"));
    if (!strcmp(a, "symlink_dir"))
        return try_read(cat(root, "link_dir/secret.txt"));
    if (!strcmp(a, "symlink_chain"))
        return try_read(cat(root, "chain1"));
    if (!strcmp(a, "symlink_guest_rel")) {
        if (symlink("../outside/secret.txt", cat(root, "g_rel")) < 0 && errno != EEXIST)
            return blocked("creating the symlink");
        return try_read(cat(root, "g_rel"));
    }
    if (!strcmp(a, "symlink_guest_abs")) {
        if (symlink(secret_abs, cat(root, "g_abs")) < 0)
            return blocked("creating the symlink");
        return try_read(cat(root, "g_abs"));
    }
    if (!strcmp(a, "symlink_guest_write")) {
        if (symlink("../outside/new.txt", cat(root, "g_w")) < 0)
            return blocked("creating the symlink");
        return write_file(cat(root, "g_w"), O_CREAT | O_WRONLY, "x")
                   ? escaped("wrote through a symlink") : blocked("write through symlink");
    }
    if (!strcmp(a, "symlink_guest_dir")) {
        if (symlink("..", cat(root, "up")) < 0)
            return blocked("creating the symlink");
        return try_read(cat(root, "up/outside/secret.txt"));
    }
    if (!strcmp(a, "symlink_loop")) {
        int fd = open(cat(root, "loop1"), O_RDONLY);
        if (fd >= 0)
            return escaped("opened a symlink loop");
        return errno == ELOOP ? blocked("loop") : escaped("loop gave an unexpected error");
    }
    if (!strcmp(a, "hardlink_out")) {
        if (link(cat(root, "../outside/secret.txt"), cat(root, "hl")) < 0)
            return blocked("link");
        return try_read(cat(root, "hl"));
    }
    if (!strcmp(a, "hardlink_abs")) {
        if (link(secret_abs, cat(root, "hl")) < 0)
            return blocked("link");
        return try_read(cat(root, "hl"));
    }
    if (!strcmp(a, "hardlink_ro")) {
        if (link(cat(ro, "ro.txt"), cat(root, "hl_ro")) < 0)
            return blocked("link from the read-only tree");
        return write_file(cat(root, "hl_ro"), O_WRONLY | O_APPEND, "changed")
                   ? escaped("wrote a read-only file through a hard link") : blocked("write");
    }
    if (!strcmp(a, "proc_self_root"))
        return try_read(cat("/proc/self/root", secret_abs));
    if (!strcmp(a, "proc_symlink"))
        return try_read(cat(cat(root, "proc/self/root"), secret_abs));
    if (!strcmp(a, "proc_dotdot"))
        return try_read(cat(cat(root, "../../../../../../../../proc/self/root"), secret_abs));
    if (!strcmp(a, "rename_ro_out"))
        return rename(cat(ro, "ro.txt"), cat(root, "stolen.txt")) == 0
                   ? escaped("moved a read-only file") : blocked("rename");
    if (!strcmp(a, "rename_into_ro")) {
        write_file(cat(root, "mine.txt"), O_CREAT | O_WRONLY, "mine");
        return rename(cat(root, "mine.txt"), cat(ro, "ro.txt")) == 0
                   ? escaped("replaced a read-only file") : blocked("rename");
    }
    if (!strcmp(a, "rename_out")) {
        write_file(cat(root, "mine.txt"), O_CREAT | O_WRONLY, "mine");
        return rename(cat(root, "mine.txt"), cat(root, "../outside/mine.txt")) == 0
                   ? escaped("moved a file out") : blocked("rename");
    }
    if (!strcmp(a, "rename_in"))
        return rename(cat(root, "../outside/secret.txt"), cat(root, "got.txt")) == 0
                   ? escaped("moved the secret in") : blocked("rename");
    if (!strcmp(a, "ro_write"))
        return write_file(cat(ro, "ro.txt"), O_WRONLY | O_APPEND, "changed")
                   ? escaped("appended to a read-only file") : blocked("write");
    if (!strcmp(a, "ro_create"))
        return write_file(cat(ro, "new.txt"), O_CREAT | O_WRONLY, "x")
                   ? escaped("created in the read-only tree") : blocked("create");
    if (!strcmp(a, "ro_truncate")) {
        int fd = open(cat(ro, "ro.txt"), O_WRONLY | O_TRUNC);
        if (fd >= 0) {
            close(fd);
            return escaped("truncated a read-only file");
        }
        return blocked("truncate");
    }
    if (!strcmp(a, "ro_unlink"))
        return unlink(cat(ro, "ro.txt")) == 0 ? escaped("deleted a read-only file")
                                              : blocked("unlink");
    if (!strcmp(a, "ro_mkdir"))
        return mkdir(cat(ro, "dir"), 0755) == 0 ? escaped("made a directory") : blocked("mkdir");
    if (!strcmp(a, "ro_symlink"))
        return symlink("ro.txt", cat(ro, "s")) == 0 ? escaped("made a symlink") : blocked("symlink");
    if (!strcmp(a, "ro_times")) {
        struct timeval tv[2] = {{1, 0}, {1, 0}};
        return utimes(cat(ro, "ro.txt"), tv) == 0 ? escaped("changed times") : blocked("utimes");
    }
    if (!strcmp(a, "fd_guess")) {
        for (int fd = 3; fd < 1024; fd++) {
            char buf[64] = {0};
            if (pread(fd, buf, sizeof buf - 1, 0) > 0 && strstr(buf, "TOPSECRET"))
                return escaped("read the secret through a guessed fd");
        }
        errno = EBADF;
        return blocked("every guessed fd");
    }
#ifdef __wasi__
    if (!strcmp(a, "iovec_huge")) {
        uint32_t n = 0;
        int32_t e1 = raw_fd_write(1, 64, 0x1fffffff, (int32_t)(intptr_t)&n);
        int32_t e2 = raw_fd_write(1, 64, -1, (int32_t)(intptr_t)&n);
        int32_t e3 = raw_fd_read(0, 64, 0x10000000, (int32_t)(intptr_t)&n);
        errno = EFAULT;
        return e1 == __WASI_ERRNO_FAULT && e2 == __WASI_ERRNO_FAULT && e3 == __WASI_ERRNO_FAULT
                   ? blocked("huge iovec counts") : escaped("huge iovec count accepted");
    }
    if (!strcmp(a, "ptr_overflow")) {
        static uint32_t iov[2] = {0xfffffff0u, 0x20};
        uint32_t n = 0;
        int32_t e1 = raw_fd_write(1, (int32_t)(intptr_t)iov, 1, (int32_t)(intptr_t)&n);
        iov[0] = 0x10;
        iov[1] = 0xfffffff8u;
        int32_t e2 = raw_fd_read(0, (int32_t)(intptr_t)iov, 1, (int32_t)(intptr_t)&n);
        int32_t e3 = raw_fd_write(1, (int32_t)(intptr_t)iov, 1, -4);
        errno = EFAULT;
        return e1 == __WASI_ERRNO_FAULT && e2 == __WASI_ERRNO_FAULT && e3 == __WASI_ERRNO_FAULT
                   ? blocked("pointer+length overflow") : escaped("overflowing range accepted");
    }
    if (!strcmp(a, "mem_grow")) {
        /* Grow 1 MiB at a time until refused; the host allows 32 MiB. */
        size_t pages = __builtin_wasm_memory_size(0);
        while (__builtin_wasm_memory_grow(0, 16) != (size_t)-1)
            pages += 16;
        printf("memory stopped at %zu pages\n", pages);
        errno = ENOMEM;
        return pages * 65536 > (32u << 20) ? escaped("memory past the cap") : blocked("growth");
    }
#endif
    if (!strcmp(a, "loop")) {
        volatile unsigned long n = 0;
        for (;;)
            n++;
    }
    if (!strcmp(a, "sleep")) {
        for (;;)
            sleep(3600);
    }
    if (!strcmp(a, "recursion"))
        return recurse(0);
    if (!strcmp(a, "recursion_calls"))
        return recurse_calls(0);
    if (!strcmp(a, "flood")) {
        static char chunk[65536];
        memset(chunk, 'A', sizeof chunk);
        for (int i = 0; i < 1024; i++) /* 64 MiB */
            if (fwrite(chunk, 1, sizeof chunk, stdout) != sizeof chunk)
                break;
        return 0;
    }
    printf("n/a %s\n", a);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: escape ATTACK ROOT RO SECRET_ABS\n");
        return 2;
    }
    root = argv[2];
    ro = argv[3];
    secret_abs = argv[4];
    snprintf(outside_dir, sizeof outside_dir, "%s", secret_abs);
    char *slash = strrchr(outside_dir, '/');
    if (slash)
        *slash = '\0';
    int rc = attack(argv[1]);
    fflush(stdout);
    return rc;
}
