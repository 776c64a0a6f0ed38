/* run_exports.c: runs every exported function of a module, taking no
 * arguments, and prints its results the way wabt's `wasm-interp
 * --run-all-exports` does ("name() => i32:5, v128 i32x4:0x.. .."), so that
 * tests/simd/diff_wabt.py can compare the two engines line by line.
 * With --validate it only decodes and validates each file named and prints
 * one line per file, "valid" or "invalid <message>" (compared with
 * wabt's wasm-validate).
 * Usage: run_exports FILE.wasm | run_exports --validate FILE.wasm...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/wasm.h"

#define MAX_BYTES (16u << 20)
#define MAX_RESULTS 64

static void print_val(const wasm_val *v)
{
    switch (v->type) {
    case WASM_I32:
        printf("i32:%u", (uint32_t)v->of.i32);
        break;
    case WASM_I64:
        printf("i64:%llu", (unsigned long long)v->of.i64);
        break;
    case WASM_V128: {
        uint32_t w[4];
        memcpy(w, v->of.v128, 16);
        printf("v128 i32x4:0x%08x 0x%08x 0x%08x 0x%08x", w[0], w[1], w[2], w[3]);
        break;
    }
    default:
        printf("(type 0x%x)", (unsigned)v->type); /* f32/f64 print differently in wabt */
        break;
    }
}

static int validate_files(int n, char **paths)
{
    uint8_t *buf = malloc(MAX_BYTES);
    if (!buf)
        return 2;
    for (int i = 0; i < n; i++) {
        FILE *f = fopen(paths[i], "rb");
        if (!f) {
            perror(paths[i]);
            free(buf);
            return 2;
        }
        size_t len = fread(buf, 1, MAX_BYTES, f);
        fclose(f);
        bx_error detail;
        wasm_module *m = NULL;
        if (wasm_module_new(buf, len, &detail, &m) == BX_OK) {
            printf("valid\n");
            wasm_module_unref(m);
        } else {
            printf("invalid %s\n", detail.message);
        }
    }
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--validate") == 0)
        return validate_files(argc - 2, argv + 2);
    if (argc != 2) {
        fprintf(stderr, "usage: run_exports FILE.wasm | run_exports --validate FILE.wasm...\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    uint8_t *buf = malloc(MAX_BYTES);
    size_t n = buf ? fread(buf, 1, MAX_BYTES, f) : 0;
    fclose(f);
    bx_error detail;
    wasm_module *m = NULL;
    wasm_instance *inst = NULL;
    int rc = 2;
    if (wasm_module_new(buf, n, &detail, &m) != BX_OK) {
        fprintf(stderr, "%s: %s\n", argv[1], detail.message);
        goto out;
    }
    if (wasm_instance_new(m, NULL, NULL, &detail, &inst) != BX_OK) {
        fprintf(stderr, "%s: %s\n", argv[1], detail.message);
        goto out;
    }
    for (uint32_t i = 0; i < wasm_module_export_count(m); i++) {
        wasm_extern_desc e;
        if (!wasm_module_export(m, i, &e) || e.kind != WASM_EXTERN_FUNC)
            continue;
        if (e.func.nparams != 0 || e.func.nresults > MAX_RESULTS)
            continue;
        wasm_val res[MAX_RESULTS];
        wasm_result r;
        printf("%s() =>", e.name);
        if (wasm_instance_call(inst, e.name, NULL, 0, res, e.func.nresults, &r) != BX_OK) {
            printf(" error: %s\n", r.message);
            continue;
        }
        for (uint32_t k = 0; k < e.func.nresults; k++) {
            printf(k ? ", " : " ");
            print_val(&res[k]);
        }
        printf("\n");
    }
    rc = 0;
out:
    if (inst)
        wasm_instance_free(inst);
    if (m)
        wasm_module_unref(m);
    free(buf);
    return rc;
}
