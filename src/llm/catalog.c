/* catalog.c: the model catalog (data/models.json, embedded at build time)
 * and cost. The embedded document is parsed once; a workspace can override
 * or add models under settings.models with the same fields. Lookups fall
 * back from "provider/model" to the same model id under any provider, so
 * openai-responses/gpt-5 and a proxy's custom/gpt-5 still find prices.
 */
#include "llm/llm.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

extern const unsigned char llm__models_json[];
extern const size_t llm__models_json_len;

static json_t *catalog_doc;
static pthread_once_t catalog_once = PTHREAD_ONCE_INIT;

static void catalog_load(void)
{
    catalog_doc = json_loadb((const char *)llm__models_json, llm__models_json_len, 0, NULL);
    if (!catalog_doc) {
        bx_log(BX_LOG_ERROR, "llm", "the embedded model catalog does not parse");
        catalog_doc = json_object();
    }
}

const json_t *llm_catalog(void)
{
    pthread_once(&catalog_once, catalog_load);
    return catalog_doc;
}

static void fill(const char *name, const json_t *e, llm_model_info *out)
{
    snprintf(out->name, sizeof(out->name), "%s", name);
    out->context_window = jx_int(e, "context_window", out->context_window);
    out->max_output = jx_int(e, "max_output", out->max_output);
    out->price_input = jx_num(e, "input", out->price_input);
    out->price_output = jx_num(e, "output", out->price_output);
    out->price_cache_read = jx_num(e, "cache_read", out->price_cache_read);
    out->price_cache_write = jx_num(e, "cache_write", out->price_cache_write);
    struct {
        const char *key;
        unsigned cap;
    } caps[] = {{"tools", LLM_CAP_TOOLS}, {"vision", LLM_CAP_VISION}, {"reasoning", LLM_CAP_REASONING}};
    for (size_t i = 0; i < BX_ARRAY_LEN(caps); i++) {
        json_t *v = json_object_get(e, caps[i].key);
        if (json_is_true(v))
            out->caps |= caps[i].cap;
        else if (json_is_false(v))
            out->caps &= ~caps[i].cap;
    }
}

/* Exact name, else any entry whose part after the first '/' equals model. */
static const json_t *find(const json_t *models, const char *spec, const char **out_name)
{
    json_t *e = json_object_get(models, spec);
    if (json_is_object(e)) {
        *out_name = spec;
        return e;
    }
    const char *slash = strchr(spec, '/');
    const char *model = slash ? slash + 1 : spec;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)models, k, v) {
        const char *ks = strchr(k, '/');
        if (ks && strcmp(ks + 1, model) == 0 && json_is_object(v)) {
            *out_name = k;
            return v;
        }
    }
    return NULL;
}

bx_err llm_model_lookup(const char *spec, const json_t *models, llm_model_info *out)
{
    memset(out, 0, sizeof(*out));
    if (!spec)
        return BX_INVALID;
    const char *name = NULL;
    const json_t *base = find(jx_obj(llm_catalog(), "models"), spec, &name);
    if (base)
        fill(name, base, out);
    const char *oname = NULL;
    const json_t *over = json_is_object(models) ? find(models, spec, &oname) : NULL;
    if (over)
        fill(oname, over, out);
    return base || over ? BX_OK : BX_NOTFOUND;
}

double llm_cost(const llm_model_info *m, const llm_usage *u)
{
    return ((double)u->input_tokens * m->price_input + (double)u->output_tokens * m->price_output +
            (double)u->cache_read_tokens * m->price_cache_read +
            (double)u->cache_write_tokens * m->price_cache_write) /
           1e6;
}
