/* fuzz_json: libFuzzer target for the guest JSON reader/writer. Any input
 * either fails to parse with a message, or parses to a tree whose
 * serialisation parses back to an equal tree and serialises identically.
 * Also: any bytes written as a JSON string literal parse back. */
#include "json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[128];
    js *v = js_parse((const char *)data, size, err, sizeof err);
    if (!v) {
        if (err[0] == 0) __builtin_trap();
    } else {
        sb a, b;
        sb_init(&a);
        sb_init(&b);
        jw_value(&a, v);
        js *w = js_parse(a.data, a.len, err, sizeof err);
        if (!w) __builtin_trap();
        if (!js_equal(v, w)) __builtin_trap();
        jw_value(&b, w);
        if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0) __builtin_trap();
        js_free(w);
        js_free(v);
        sb_free(&a);
        sb_free(&b);
    }
    sb s;
    sb_init(&s);
    jw_str(&s, (const char *)data, size);
    js *t = js_parse(s.data, s.len, err, sizeof err);
    if (!t || t->type != JS_STR) __builtin_trap();
    js_free(t);
    sb_free(&s);
    return 0;
}
