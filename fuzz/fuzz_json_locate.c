/* fuzz_json_locate.c: libFuzzer target for jx_locate, the scanner that finds
 * a settings value's line and column in the raw text. The first line of the
 * input is a dotted path, the rest the JSON text. Whatever the bytes, the
 * scanner must stay within them and, when jansson accepts the text and the
 * path holds a value, find it (a value jansson has must have a place). The
 * corpus in fuzz/corpus/json_locate/ is replayed by the ctest
 * fuzz/json_locate in every normal build. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    const char *nl = memchr(in, '\n', size);
    if (!nl || nl - in > 200)
        return 0;
    char path_text[201];
    memcpy(path_text, in, (size_t)(nl - in));
    path_text[nl - in] = '\0';
    const char *path[8];
    size_t depth = 0;
    for (char *tok = strtok(path_text, "."); tok && depth < 8; tok = strtok(NULL, "."))
        path[depth++] = tok;
    const char *text = nl + 1;
    size_t len = size - (size_t)(text - in);
    /* a copy of exactly len bytes, so ASan sees any read past the end */
    char *copy = malloc(len ? len : 1);
    memcpy(copy, text, len);
    int line = 0, col = 0;
    bool found = jx_locate(copy, len, path, depth, &line, &col);
    if (found && (line < 1 || col < 1))
        abort();
    json_t *doc = jx_parse(copy, len, 1 << 20, NULL);
    if (doc) {
        const json_t *v = doc;
        for (size_t i = 0; v && i < depth; i++) {
            if (json_is_object(v)) {
                v = json_object_get(v, path[i]);
            } else if (json_is_array(v)) {
                char *end;
                unsigned long k = strtoul(path[i], &end, 10);
                v = end != path[i] && !*end && path[i][0] != '-' && path[i][0] != '+' &&
                            path[i][0] != ' '
                        ? json_array_get(v, k)
                        : NULL;
            } else {
                v = NULL;
            }
        }
        /* Keys with escapes other than \" \\ \/ are not matched by design,
         * and jansson's depth differs from ours: only plain, shallow paths. */
        bool plain = depth < 32;
        for (size_t i = 0; i < depth; i++)
            plain = plain && !strchr(path[i], '\\');
        if (v && plain && !found && len < 4096 && !memchr(copy, '\\', len))
            abort();
        json_decref(doc);
    }
    free(copy);
    return 0;
}
