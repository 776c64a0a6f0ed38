/* model.c: the production model backend — llm_call on a resolved provider.
 *
 * The loop only knows agent_model's call contract; this file binds it to a
 * provider resolved from the workspace's settings and secrets, and looks
 * the model up in the catalog for its context window and prices.
 */
#include <string.h>

#include "agent/agent_int.h"

typedef struct llm_backend {
    llm_provider provider;
    char *model_id;
} llm_backend;

static bx_err backend_call(void *ctx, const llm_request *req, llm_sink_fn sink, void *sink_ctx,
                           llm_cancel *cancel)
{
    llm_backend *b = ctx;
    return llm_call(&b->provider, req, sink, sink_ctx, cancel, NULL);
}

static char *ws_secret(void *ctx, const char *name) { return workspace_secret(ctx, name); }

bx_err agent_model_llm(workspace *ws, const char *spec, agent_model *out, bx_error *detail)
{
    memset(out, 0, sizeof(*out));
    if (!spec || strlen(spec) >= sizeof(out->spec))
        return bx_error_set(detail, BX_INVALID, -1, "model must be provider/model");
    const workspace_config *settings = ws ? workspace_config_get(ws) : NULL;
    llm_backend *b = bx_calloc(1, sizeof(*b));
    llm_provider_init(&b->provider);
    llm_provider_release(&b->provider);
    bx_err err = llm_provider_resolve(spec, settings, ws ? ws_secret : NULL, ws, NULL, NULL,
                                      &b->provider, &b->model_id, detail);
    if (err) {
        workspace_config_release(settings);
        llm_provider_release(&b->provider);
        bx_free(b->model_id);
        bx_free(b);
        return err;
    }
    if (llm_model_lookup(spec, settings ? settings->models : NULL, &out->info) != BX_OK)
        memset(&out->info, 0, sizeof(out->info));
    workspace_config_release(settings);
    snprintf(out->spec, sizeof(out->spec), "%s", spec);
    out->model_id = b->model_id;
    out->call = backend_call;
    out->ctx = b;
    return BX_OK;
}

void agent_model_llm_release(agent_model *m)
{
    llm_backend *b = m->ctx;
    if (b && m->call == backend_call) {
        llm_provider_release(&b->provider);
        bx_free(b->model_id);
        bx_free(b);
    }
    memset(m, 0, sizeof(*m));
}

void agent_first_run_help(workspace *ws, const workspace_config *cfg, FILE *out)
{
    json_t *st = llm_provider_status(cfg, ws_secret, ws, NULL, NULL, 150);
    if (!jx_bool(st, "ready", false)) {
        fprintf(out,
                "\nNo model provider is set up yet. Either:\n"
                "  - add an API key to %s (or the environment): ANTHROPIC_API_KEY, OPENAI_API_KEY,\n"
                "    GEMINI_API_KEY, ... (the dashboard's Settings > Providers writes it there), or\n"
                "  - run a local OpenAI-compatible server (Ollama on 127.0.0.1:11434, llama.cpp on\n"
                "    :8080, vLLM on :8000) or give its base URL in %s as\n"
                "    \"providers\": {\"ollama\": {\"base_url\": \"http://HOST:PORT/v1\"}}, then\n"
                "    boxagnts run --model ollama/MODEL \"...\"\n",
                workspace_secrets_path(ws), workspace_settings_path(ws));
    } else {
        fprintf(out, "\nProviders ready now:");
        size_t i;
        json_t *p;
        json_array_foreach(jx_arr(st, "providers"), i, p) if (jx_bool(p, "ready", false))
            fprintf(out, " %s", jx_str(p, "id", ""));
        fprintf(out, " (use --model PROVIDER/MODEL)\n");
    }
    json_decref(st);
}
