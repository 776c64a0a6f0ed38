/* fuzz_wasm.c: libFuzzer target for the whole engine.
 *
 * Arbitrary bytes are decoded, validated and translated; a module that
 * passes is instantiated against a linker that satisfies every import with
 * a stub of the right type (host functions return zeros), under tight
 * limits (fuel, 256 pages, 10,000 table elements, call depth 500), and
 * every exported function is called with zero arguments. Nothing may
 * crash, hang, leak or read outside its buffers. The corpus in
 * fuzz/corpus/wasm/ (seeded from the spec testsuite, minimised) is replayed
 * by the ctest fuzz/wasm in every build.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "wasm/wasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int stub(wasm_call *call, const wasm_val *args, wasm_val *results)
{
    (void)args;
    const wasm_functype *t = wasm_call_type(call);
    for (uint32_t i = 0; i < t->nresults; i++) {
        memset(&results[i], 0, sizeof results[i]);
        results[i].type = t->results[i];
    }
    return 0;
}

static void zero_val(wasm_valtype t, wasm_val *v)
{
    memset(v, 0, sizeof *v);
    v->type = t;
}

/* A linker with a stub for every import of m. Imports whose minimum is too
 * large are left out (instantiation then fails to link, which is fine). */
static wasm_linker *stub_linker(wasm_module *m)
{
    wasm_linker *l = wasm_linker_new();
    for (uint32_t i = 0; i < wasm_module_import_count(m); i++) {
        wasm_extern_desc d;
        if (!wasm_module_import(m, i, &d))
            continue;
        char mod[256], name[256];
        snprintf(mod, sizeof mod, "%.*s", (int)(d.module_len < 255 ? d.module_len : 255), d.module);
        snprintf(name, sizeof name, "%.*s", (int)(d.name_len < 255 ? d.name_len : 255), d.name);
        wasm_extern e;
        memset(&e, 0, sizeof e);
        e.kind = d.kind;
        switch (d.kind) {
        case WASM_EXTERN_FUNC:
            wasm_linker_define_host(l, mod, name, &d.func, stub, NULL);
            break;
        case WASM_EXTERN_TABLE:
            if (d.limits.min > 10000)
                continue;
            e.of.table = wasm_table_new(d.elem_type, (uint32_t)d.limits.min,
                                        d.limits.has_max ? d.limits.max : UINT64_MAX);
            if (!e.of.table)
                continue;
            wasm_linker_define(l, mod, name, &e);
            wasm_table_unref(e.of.table);
            break;
        case WASM_EXTERN_MEMORY:
            if (d.limits.min > 256)
                continue;
            e.of.memory = wasm_memory_new((uint32_t)d.limits.min,
                                          d.limits.has_max ? d.limits.max : 256);
            if (!e.of.memory)
                continue;
            wasm_linker_define(l, mod, name, &e);
            wasm_memory_unref(e.of.memory);
            break;
        case WASM_EXTERN_GLOBAL: {
            wasm_val v;
            zero_val(d.global_type, &v);
            e.of.global = wasm_global_new(&v, d.global_mutable);
            wasm_linker_define(l, mod, name, &e);
            wasm_global_unref(e.of.global);
            break;
        }
        }
    }
    return l;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wasm_module *m = NULL;
    bx_error err;
    if (wasm_module_new(data, size, &err, &m) != BX_OK)
        return 0;
    wasm_linker *l = stub_linker(m);
    wasm_limits lim;
    wasm_limits_default(&lim);
    lim.fuel_enabled = true;
    lim.fuel = 20000;
    lim.max_memory_pages = 256;
    lim.max_table_elems = 10000;
    lim.max_call_depth = 500;
    lim.max_stack_bytes = 1 << 20;
    wasm_instance *inst = NULL;
    bx_err e = wasm_instance_new(m, l, &lim, &err, &inst);
    if (e == BX_OK) {
        for (uint32_t i = 0; i < wasm_module_export_count(m); i++) {
            wasm_extern x;
            if (!wasm_instance_export_at(inst, i, &x) || x.kind != WASM_EXTERN_FUNC)
                continue;
            const wasm_functype *t = wasm_func_type(x.of.func);
            if (t->nparams > 16 || t->nresults > 16)
                continue;
            wasm_val args[16], results[16];
            for (uint32_t k = 0; k < t->nparams; k++)
                zero_val(t->params[k], &args[k]);
            wasm_result res;
            wasm_instance_set_fuel(inst, 20000);
            wasm_func_call(x.of.func, args, t->nparams, results, t->nresults, &res);
        }
    }
    wasm_instance_free(inst);
    wasm_linker_free(l);
    wasm_module_unref(m);
    return 0;
}
