/* fuzz_shell: libFuzzer target for the shell's parsers. The input is
 * parsed as a script (lexer, here-documents, nesting caps), evaluated as an
 * arithmetic expression, and split in two to drive the glob matcher —
 * nothing is executed, so the fuzzer never touches files. The committed
 * corpus in tests/shell/corpus is replayed by ctest (fuzz/shell). */
#include "sh.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    shell sh_s;
    shell *sh = &sh_s;
    sh_init(sh, 0, NULL);
    char base;
    sh->stack_base = &base;
    sh->fd[0] = io_new(IO_NULL);
    sh->fd[1] = io_new(IO_NULL);
    sh->fd[2] = io_new(IO_NULL);
    arena *a = arena_new();
    parse_err pe;
    (void)sh_parse(a, (const char *)data, size, 1, &pe);
    arena_unref(a);
    char *text = xstrndup((const char *)data, size);
    long long v;
    (void)arith_eval(sh, text, &v);
    size_t half = size / 2;
    text[half] = 0;
    (void)pat_match(text, text + half + (size > half ? 1 : 0), size > half ? size - half - 1 : 0);
    (void)pat_has_magic(text);
    free(text);
    sh_release(sh);
    return 0;
}
