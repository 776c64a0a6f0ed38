/* bench.c: the tool-sized guest the sandbox benchmarks run (also built
 * natively as the baseline): `bench cat FILE` copies FILE to stdout in one
 * 4 KiB read/write; `bench sleep MS` sleeps, so many instances can be
 * alive at once; `bench opens N FILE` opens FILE for writing (creating it)
 * and closes it N times (the path-resolution cost, see bench-sandbox). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    if (strcmp(argv[1], "sleep") == 0) {
        long ms = atol(argv[2]);
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        return 0;
    }
    if (strcmp(argv[1], "opens") == 0 && argc > 3) {
        long n = atol(argv[2]);
        for (long i = 0; i < n; i++) {
            int w = open(argv[3], O_WRONLY | O_CREAT, 0644);
            if (w < 0)
                return 1;
            close(w);
        }
        return 0;
    }
    int fd = open(argv[2], O_RDONLY);
    if (fd < 0)
        return 1;
    static char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        if (write(1, buf, (size_t)n) != n)
            return 1;
    close(fd);
    return 0;
}
