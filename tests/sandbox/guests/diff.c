/* diff.c: a guest whose output is fully defined by its inputs, run under
 * both `boxagnts wasm run` and Node's node:wasi by differential.sh; the
 * two stdouts, exit codes and resulting trees must be identical. Covers
 * args, environ, file I/O (create, write, append, seek, pread, truncate,
 * stat, rename, link, symlink, unlink, mkdir, rmdir), readdir, stdin and
 * clocks.
 * Works in the preopened "/" tree, which holds fixture/ from the test. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (!d) {
        printf("opendir %s: %s\n", dir, strerror(errno));
        return;
    }
    char *names[256];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 256)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp);
    for (int i = 0; i < n; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct stat st;
        if (lstat(path, &st) < 0) {
            printf("%*s%s: lstat %s\n", depth * 2, "", names[i], strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            printf("%*s%s/\n", depth * 2, "", names[i]);
            list(path, depth + 1);
        } else if (S_ISLNK(st.st_mode)) {
            char t[256] = {0};
            ssize_t k = readlink(path, t, sizeof t - 1);
            printf("%*s%s -> %s\n", depth * 2, "", names[i], k >= 0 ? t : strerror(errno));
        } else {
            printf("%*s%s %lld nlink=%d\n", depth * 2, "", names[i], (long long)st.st_size,
                   (int)st.st_nlink);
        }
        free(names[i]);
    }
}

static void show_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("fopen %s: %s\n", path, strerror(errno));
        return;
    }
    char buf[512];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    printf("%s = [%s]\n", path, buf);
}

int main(int argc, char **argv)
{
    printf("argc %d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d] = %s\n", i, argv[i]);

    char *env[64];
    int ne = 0;
    for (char **e = environ; *e && ne < 64; e++)
        env[ne++] = *e;
    qsort(env, (size_t)ne, sizeof env[0], cmp);
    for (int i = 0; i < ne; i++)
        printf("env %s\n", env[i]);

    printf("-- fixture\n");
    list("/fixture", 0);

    printf("-- file io\n");
    if (mkdir("/work", 0755) < 0)
        printf("mkdir: %s\n", strerror(errno));
    FILE *f = fopen("/work/a.txt", "w");
    fputs("line one\nline two\n", f);
    fclose(f);
    f = fopen("/work/a.txt", "a");
    fputs("line three\n", f);
    fclose(f);
    show_file("/work/a.txt");
    int fd = open("/work/a.txt", O_RDWR);
    char buf[64] = {0};
    printf("lseek end %lld\n", (long long)lseek(fd, 0, SEEK_END));
    printf("lseek set %lld\n", (long long)lseek(fd, 5, SEEK_SET));
    printf("read %zd [%.3s]\n", read(fd, buf, 3), buf);
    printf("pread %zd [%.4s]\n", pread(fd, buf, 4, 9), buf);
    printf("pwrite %zd\n", pwrite(fd, "LINE", 4, 0));
    printf("ftruncate %d\n", ftruncate(fd, 14));
    struct stat st;
    fstat(fd, &st);
    printf("size %lld regular %d\n", (long long)st.st_size, S_ISREG(st.st_mode));
    close(fd);
    show_file("/work/a.txt");
    printf("rename %d\n", rename("/work/a.txt", "/work/b.txt"));
    printf("link %d\n", link("/work/b.txt", "/work/c.txt"));
    printf("symlink %d\n", symlink("b.txt", "/work/s.txt"));
    show_file("/work/s.txt");
    printf("mkdir sub %d\n", mkdir("/work/sub", 0755));
    f = fopen("/work/sub/x", "w");
    fputs("x", f);
    fclose(f);
    list("/work", 0);
    errno = 0;
    printf("open missing %d %s\n", open("/work/missing", O_RDONLY), strerror(errno));
    errno = 0;
    printf("rmdir non-empty %d %s\n", rmdir("/work/sub"), strerror(errno));
    errno = 0;
    printf("mkdir exists %d %s\n", mkdir("/work/sub", 0755), strerror(errno));
    printf("unlink %d %d\n", unlink("/work/sub/x"), rmdir("/work/sub"));
    printf("unlink link %d\n", unlink("/work/c.txt"));
    list("/work", 0);

    printf("-- stdin\n");
    size_t total = 0;
    unsigned sum = 0;
    char chunk[1000];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
        for (size_t i = 0; i < got; i++)
            sum = sum * 31 + (unsigned char)chunk[i];
        total += got;
    }
    printf("stdin %zu bytes, hash %u, eof %d\n", total, sum, feof(stdin) != 0);

    printf("-- clocks\n");
    struct timespec a, b, r;
    clock_gettime(CLOCK_MONOTONIC, &a);
    int monotonic_ok = 1;
    for (int i = 0; i < 1000; i++) {
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (b.tv_sec < a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec < a.tv_nsec))
            monotonic_ok = 0;
        a = b;
    }
    printf("monotonic non-decreasing %d\n", monotonic_ok);
    clock_gettime(CLOCK_REALTIME, &a);
    printf("realtime after 2020 %d\n", a.tv_sec > 1577836800);
    printf("resolution positive %d\n", clock_getres(CLOCK_MONOTONIC, &r) == 0 && (r.tv_sec > 0 || r.tv_nsec > 0));
    clock_gettime(CLOCK_MONOTONIC, &a);
    struct timespec ten_ms = {0, 10000000};
    nanosleep(&ten_ms, NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long long el = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
    printf("slept at least 10ms %d\n", el >= 10000000);
    return 3;
}
