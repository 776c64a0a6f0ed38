/* fuzz_html: libFuzzer target for web_fetch's HTML converter. Any bytes
 * convert without crashing, in both modes, and the output is bounded by a
 * small multiple of the input (no blow-up from nesting or entities). */
#include "html.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int md = 0; md < 2; md++) {
        sb out;
        sb_init(&out);
        char *title = NULL;
        html_convert((const char *)data, size, md, "https://example.com/a/b.html", &out, &title);
        /* links may add the base URL (~30 bytes) per tag of a few bytes */
        if (out.len > size * 16 + 64) __builtin_trap();
        free(title);
        sb_free(&out);
    }
    return 0;
}
