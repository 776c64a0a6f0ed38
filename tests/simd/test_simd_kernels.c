/* test_simd_kernels.c: runs real compiler SIMD output in the engine.
 *
 * tests/simd/kernels.c is compiled by clang-14 to wasm32 with -msimd128
 * (intrinsics and auto-vectorised loops: about 190 distinct v128 ops) and,
 * into this executable, natively as lane-by-lane scalar C. Every kernel
 * returns a hash of its outputs; for several seeds the engine's answer must
 * equal the native one. Catches what the spec's one-op tests cannot: the
 * translator's slot handling of v128 across real control flow, calls,
 * locals, unaligned memory and compiler idioms.
 */
#include <stdio.h>
#include <stdlib.h>

#include "kernels.h"
#include "test.h"
#include "wasm/wasm.h"

#define MAX_WASM_BYTES (16u << 20)

static uint8_t *read_file(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = malloc(MAX_WASM_BYTES);
    size_t n = buf ? fread(buf, 1, MAX_WASM_BYTES, f) : 0;
    fclose(f);
    *out_len = n;
    return buf;
}

typedef uint64_t (*kernel_fn)(uint32_t seed);

static const struct {
    const char *name;
    kernel_fn fn;
} kernels[] = {
#define K(name) {#name, name},
    SIMD_KERNELS(K)
#undef K
};

static wasm_module *load_module(int *bx__failed)
{
    const char *path = getenv("BX_SIMD_KERNELS_WASM");
    if (!path) {
        fprintf(stderr, "BX_SIMD_KERNELS_WASM is not set\n");
        *bx__failed = 1;
        return NULL;
    }
    size_t len = 0;
    uint8_t *bytes = read_file(path, &len);
    if (!bytes || len == 0) {
        fprintf(stderr, "cannot read %s\n", path);
        free(bytes);
        *bx__failed = 1;
        return NULL;
    }
    bx_error detail;
    wasm_module *m = NULL;
    bx_err err = wasm_module_new(bytes, len, &detail, &m);
    free(bytes);
    if (err != BX_OK) {
        fprintf(stderr, "%s: %s\n", path, detail.message);
        *bx__failed = 1;
        return NULL;
    }
    return m;
}

/* Points at the first output byte where the engine and native differ. */
static void report_first_difference(wasm_instance *inst)
{
    wasm_val addr = {.type = WASM_I32};
    wasm_result r;
    wasm_memory *mem = wasm_instance_memory(inst);
    if (!mem || wasm_instance_call(inst, "k_out", NULL, 0, &addr, 1, &r) != BX_OK)
        return;
    uint64_t off = (uint32_t)addr.of.i32, n = 16 * 1024;
    if (off + n > wasm_memory_size(mem))
        return;
    const uint8_t *w = wasm_memory_data(mem) + off, *h = (const uint8_t *)k_out();
    for (uint64_t i = 0; i < n; i++) {
        if (w[i] != h[i]) {
            fprintf(stderr, "  first difference at OUT+%llu (engine %02x, native %02x)\n",
                    (unsigned long long)i, w[i], h[i]);
            return;
        }
    }
    fprintf(stderr, "  OUT identical: the difference is in the kernel's other state\n");
}

TEST(kernels_match_native)
{
    wasm_module *m = load_module(bx__failed);
    REQUIRE(m != NULL);
    wasm_instance *inst = NULL;
    bx_error detail;
    bx_err err = wasm_instance_new(m, NULL, NULL, &detail, &inst);
    if (err != BX_OK)
        fprintf(stderr, "instantiate: %s\n", detail.message);
    REQUIRE(err == BX_OK);
    static const uint32_t seeds[] = {1, 2, 0xdeadbeefu, 12345, 0x80000000u};
    for (size_t k = 0; k < sizeof kernels / sizeof kernels[0]; k++) {
        for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++) {
            wasm_val arg = {.type = WASM_I32, .of.i32 = (int32_t)seeds[s]};
            wasm_val res = {.type = WASM_I64};
            wasm_result r;
            err = wasm_instance_call(inst, kernels[k].name, &arg, 1, &res, 1, &r);
            uint64_t want = kernels[k].fn(seeds[s]);
            if (err != BX_OK) {
                fprintf(stderr, "%s(%u): %s\n", kernels[k].name, seeds[s], r.message);
                CHECK(err == BX_OK);
                continue;
            }
            if ((uint64_t)res.of.i64 != want) {
                fprintf(stderr, "%s(%u): engine %016llx native %016llx\n", kernels[k].name,
                        seeds[s], (unsigned long long)res.of.i64, (unsigned long long)want);
                report_first_difference(inst);
            }
            CHECK((uint64_t)res.of.i64 == want);
        }
    }
    wasm_instance_free(inst);
    wasm_module_unref(m);
}

/* The seeds matter: different seeds give different hashes (a kernel that
 * ignored its input would pass the comparison trivially). */
TEST(kernels_depend_on_seed)
{
    for (size_t k = 0; k < sizeof kernels / sizeof kernels[0]; k++)
        CHECK(kernels[k].fn(1) != kernels[k].fn(2));
}

TEST_MAIN()
