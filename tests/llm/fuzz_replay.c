/* fuzz_replay.c: runs every file of a fuzz corpus directory through a
 * libFuzzer entry point, so the corpus is replayed (under the sanitizers
 * too) in every normal build without libFuzzer. Usage: fuzz_replay DIR */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    DIR *d = opendir(argv[1]);
    if (!d) {
        fprintf(stderr, "cannot open %s\n", argv[1]);
        return 1;
    }
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", argv[1], e->d_name);
        bx_buf b;
        bx_buf_init(&b, 16u << 20);
        if (bx_read_file(path, 16u << 20, &b) == BX_OK) {
            LLVMFuzzerTestOneInput((const uint8_t *)b.data, b.len);
            n++;
        }
        bx_buf_release(&b);
    }
    closedir(d);
    printf("replayed %d corpus files\n", n);
    return n > 0 ? 0 : 1;
}
