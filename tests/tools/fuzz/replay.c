/* replay: runs a libFuzzer target over every file of a committed corpus
 * directory (argv[1..]), so the corpus is a normal ctest without libFuzzer.
 * Exits non-zero when the directory is empty or unreadable. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    int files = 0;
    for (int a = 1; a < argc; a++) {
        DIR *d = opendir(argv[a]);
        if (!d) { fprintf(stderr, "cannot open %s\n", argv[a]); return 1; }
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.') continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[a], e->d_name);
            FILE *f = fopen(path, "rb");
            if (!f) continue;
            size_t cap = 1 << 20, n = 0;
            uint8_t *buf = malloc(cap);
            size_t r;
            while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
                n += r;
                if (n == cap) { cap *= 2; buf = realloc(buf, cap); }
            }
            fclose(f);
            if (!buf) return 1;
            LLVMFuzzerTestOneInput(buf, n);
            free(buf);
            files++;
        }
        closedir(d);
    }
    printf("replayed %d inputs\n", files);
    return files > 0 ? 0 : 1;
}
