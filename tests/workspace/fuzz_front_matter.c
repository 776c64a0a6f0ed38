/* Fuzz target: SKILL.md front matter (libyaml events -> JSON) and the
 * lexical path helpers, both fed outside bytes. */
#include <stdint.h>
#include <string.h>

#include "workspace/workspace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *meta = NULL;
    size_t body = 0;
    bx_error e;
    if (workspace_front_matter((const char *)data, size, &meta, &body, &e) == BX_OK) {
        if (body > size || !json_is_object(meta))
            __builtin_trap();
        json_decref(meta);
    }
    /* Paths: normalisation must be idempotent and never grow past 2n+1. */
    char *path = bx_strndup((const char *)data, size > 4096 ? 4096 : size);
    bx_buf a, b;
    bx_buf_init(&a, 1 << 16);
    bx_buf_init(&b, 1 << 16);
    if (bx_path_normalize(path, &a) == BX_OK && bx_path_normalize(a.data, &b) == BX_OK &&
        strcmp(a.data, b.data) != 0)
        __builtin_trap();
    bx_buf_release(&a);
    bx_buf_release(&b);
    bx_free(path);
    return 0;
}
