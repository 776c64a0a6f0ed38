/* config.c: from "provider/model" to a filled llm_provider. Built-in presets
 * give each known service its protocol, quirks, base URL and key name;
 * settings.providers[id] may override any of them or define a new provider;
 * the conventional environment variables override base URLs last, so a
 * proxy or a local server can be used without editing files. Secrets and
 * environment come through callbacks, so this file is testable alone.
 */
#include "llm/llm.h"

#include <stdlib.h>
#include <string.h>

typedef struct preset {
    const char *id;
    llm_api api;
    unsigned flags;
    const char *base_url;
    const char *key_env;  /* secret / environment name of the key */
    const char *base_env; /* environment override of the base URL */
} preset;

#define CHAT LLM_API_OPENAI_CHAT
#define SU LLM_PF_STREAM_USAGE
static const preset presets[] = {
    {"openai", CHAT, SU | LLM_PF_MAX_COMPLETION_TOKENS, "https://api.openai.com/v1", "OPENAI_API_KEY", "OPENAI_BASE_URL"},
    {"openai-responses", LLM_API_OPENAI_RESPONSES, 0, "https://api.openai.com/v1", "OPENAI_API_KEY", "OPENAI_BASE_URL"},
    {"anthropic", LLM_API_ANTHROPIC, 0, "https://api.anthropic.com", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"},
    {"gemini", LLM_API_GEMINI, 0, "https://generativelanguage.googleapis.com", "GEMINI_API_KEY", "GOOGLE_GEMINI_BASE_URL"},
    {"azure", CHAT, SU | LLM_PF_AZURE | LLM_PF_MAX_COMPLETION_TOKENS, NULL, "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT"},
    {"deepseek", CHAT, SU | LLM_PF_REASONING_CONTENT, "https://api.deepseek.com/v1", "DEEPSEEK_API_KEY", NULL},
    {"groq", CHAT, SU, "https://api.groq.com/openai/v1", "GROQ_API_KEY", NULL},
    {"mistral", CHAT, SU | LLM_PF_TOOL_ID_9, "https://api.mistral.ai/v1", "MISTRAL_API_KEY", NULL},
    {"xai", CHAT, SU, "https://api.x.ai/v1", "XAI_API_KEY", NULL},
    {"openrouter", CHAT, SU, "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY", NULL},
    {"together", CHAT, SU, "https://api.together.xyz/v1", "TOGETHER_API_KEY", NULL},
    {"fireworks", CHAT, SU, "https://api.fireworks.ai/inference/v1", "FIREWORKS_API_KEY", NULL},
    {"cerebras", CHAT, SU, "https://api.cerebras.ai/v1", "CEREBRAS_API_KEY", NULL},
    {"ollama", CHAT, SU | LLM_PF_NO_KEY, "http://localhost:11434/v1", "OLLAMA_API_KEY", "OLLAMA_HOST"},
    {"lm-studio", CHAT, SU | LLM_PF_NO_KEY, "http://localhost:1234/v1", "LM_STUDIO_API_KEY", NULL},
    {"llama.cpp", CHAT, SU | LLM_PF_NO_KEY, "http://localhost:8080/v1", "LLAMA_API_KEY", NULL},
    {"vllm", CHAT, SU | LLM_PF_NO_KEY, "http://localhost:8000/v1", "VLLM_API_KEY", NULL},
    {"custom", CHAT, SU | LLM_PF_NO_KEY, NULL, "CUSTOM_API_KEY", NULL},
};
#undef CHAT
#undef SU

const char *const *llm_preset_ids(void)
{
    static const char *ids[BX_ARRAY_LEN(presets) + 1];
    for (size_t i = 0; i < BX_ARRAY_LEN(presets); i++)
        ids[i] = presets[i].id;
    ids[BX_ARRAY_LEN(presets)] = NULL;
    return ids;
}

static const preset *find_preset(const char *id)
{
    if (strcmp(id, "google") == 0)
        id = "gemini";
    for (size_t i = 0; i < BX_ARRAY_LEN(presets); i++)
        if (strcmp(presets[i].id, id) == 0)
            return &presets[i];
    return NULL;
}

void llm_provider_init(llm_provider *p)
{
    memset(p, 0, sizeof(*p));
    p->api = LLM_API_OPENAI_CHAT;
    p->connect_timeout_ms = 10000;
    p->first_byte_timeout_ms = 120000;
    p->stall_timeout_ms = 60000;
    p->max_retries = 4;
    p->retry_base_ms = 500;
    p->retry_max_ms = 30000;
    p->max_event_bytes = 8u << 20;
    p->max_body_bytes = 32u << 20;
    p->max_stream_bytes = 256u << 20;
}

void llm_provider_release(llm_provider *p)
{
    bx_free(p->id);
    bx_free(p->base_url);
    if (p->api_key) {
        memset(p->api_key, 0, strlen(p->api_key));
        bx_free(p->api_key);
    }
    bx_free(p->api_version);
    bx_free(p->ca_file);
    json_decref(p->headers);
    memset(p, 0, sizeof(*p));
}

static void set_str(char **dst, const char *v)
{
    bx_free(*dst);
    *dst = v ? bx_strdup(v) : NULL;
}

static void strip_slash(char *s)
{
    size_t n = s ? strlen(s) : 0;
    while (n > 0 && s[n - 1] == '/')
        s[--n] = '\0';
}

static bool parse_api(const char *s, llm_api *out)
{
    static const struct {
        const char *name;
        llm_api api;
    } names[] = {{"openai-chat", LLM_API_OPENAI_CHAT}, {"openai", LLM_API_OPENAI_CHAT},
                 {"openai-responses", LLM_API_OPENAI_RESPONSES}, {"anthropic", LLM_API_ANTHROPIC},
                 {"gemini", LLM_API_GEMINI}, {"google", LLM_API_GEMINI}};
    for (size_t i = 0; i < BX_ARRAY_LEN(names); i++)
        if (strcmp(s, names[i].name) == 0) {
            *out = names[i].api;
            return true;
        }
    return false;
}

static const char *default_env(void *ctx, const char *name)
{
    BX_UNUSED(ctx);
    return getenv(name);
}

/* The base URL an environment variable gives: OLLAMA_HOST is host:port
 * (optionally with a scheme) and gets /v1; Azure's endpoint gets the
 * deployment path; the others are used as they are. */
static char *env_base(const preset *pr, const char *value)
{
    if (!value || !*value)
        return NULL;
    if (strcmp(pr->base_env, "OLLAMA_HOST") == 0) {
        bool scheme = strstr(value, "://") != NULL;
        char *s = bx_sprintf("%s%s", scheme ? "" : "http://", value);
        strip_slash(s);
        char *r = bx_sprintf("%s/v1", s);
        bx_free(s);
        return r;
    }
    if (strcmp(pr->base_env, "AZURE_OPENAI_ENDPOINT") == 0) {
        char *s = bx_strdup(value);
        strip_slash(s);
        char *r = bx_sprintf("%s/openai/deployments/{model}", s);
        bx_free(s);
        return r;
    }
    return bx_strdup(value);
}

bx_err llm_provider_resolve(const char *spec, const workspace_config *settings, llm_secret_fn secret,
                            void *secret_ctx, llm_env_fn env, void *env_ctx,
                            llm_provider *out, char **out_model, bx_error *detail)
{
    llm_provider_init(out);
    *out_model = NULL;
    if (!env)
        env = default_env;
    const char *slash = spec ? strchr(spec, '/') : NULL;
    if (!slash || slash == spec || !slash[1])
        return bx_error_set(detail, BX_INVALID, -1,
                            "model '%s' must be written provider/model, e.g. anthropic/claude-sonnet-4-5",
                            spec ? spec : "");
    char id[128];
    size_t idn = (size_t)(slash - spec);
    if (idn >= sizeof(id))
        return bx_error_set(detail, BX_INVALID, -1, "provider name too long");
    memcpy(id, spec, idn);
    id[idn] = '\0';
    if (strcmp(id, "google") == 0)
        strcpy(id, "gemini");

    const preset *pr = find_preset(id);
    const workspace_provider_conf *conf = workspace_config_provider(settings, id);
    if (!pr && !conf)
        return bx_error_set(detail, BX_NOTFOUND, -1,
                            "unknown provider '%s' (not a preset and not in settings.providers)", id);
    const char *key_env = pr ? pr->key_env : NULL;
    out->id = bx_strdup(id);
    if (pr) {
        out->api = pr->api;
        out->flags = pr->flags;
        set_str(&out->base_url, pr->base_url);
    } else {
        out->flags = LLM_PF_NO_KEY | LLM_PF_STREAM_USAGE;
    }
    if (conf) {
        if (conf->adapter && !parse_api(conf->adapter, &out->api))
            return bx_error_set(detail, BX_INVALID, -1, "providers.%s.adapter '%s' is not one of "
                                "openai-chat, openai-responses, anthropic, gemini", id, conf->adapter);
        if (conf->base_url)
            set_str(&out->base_url, conf->base_url);
        if (conf->ca_file)
            set_str(&out->ca_file, conf->ca_file);
        if (conf->api_version)
            set_str(&out->api_version, conf->api_version);
        if (conf->api_key_env) {
            key_env = conf->api_key_env;
            if (!pr)
                out->flags &= ~(unsigned)LLM_PF_NO_KEY;
        }
        if (conf->n_headers) {
            out->headers = json_object();
            for (size_t i = 0; i < conf->n_headers; i++)
                jx_set_str(out->headers, conf->header_names[i], conf->header_values[i]);
        }
        if (conf->connect_ms >= 0)
            out->connect_timeout_ms = conf->connect_ms;
        if (conf->first_byte_ms >= 0)
            out->first_byte_timeout_ms = conf->first_byte_ms;
        if (conf->stall_ms >= 0)
            out->stall_timeout_ms = conf->stall_ms;
        if (conf->max_retries >= 0)
            out->max_retries = conf->max_retries;
        if (conf->retry_base_ms >= 0)
            out->retry_base_ms = conf->retry_base_ms;
        if (conf->retry_max_ms >= 0)
            out->retry_max_ms = conf->retry_max_ms;
        if (conf->max_completion_tokens)
            out->flags |= LLM_PF_MAX_COMPLETION_TOKENS;
    }
    if (pr && pr->base_env) {
        char *b = env_base(pr, env(env_ctx, pr->base_env));
        if (b) {
            bx_free(out->base_url);
            out->base_url = b;
        }
    }
    strip_slash(out->base_url);
    if (!out->base_url || !*out->base_url)
        return bx_error_set(detail, BX_INVALID, -1, "provider '%s' needs a base URL: set "
                            "providers.%s.base_url in settings%s%s", id, id,
                            pr && pr->base_env ? " or " : "", pr && pr->base_env ? pr->base_env : "");

    /* the key: secrets (which fall back to the environment), then env */
    char *key = NULL;
    if (key_env) {
        if (secret)
            key = secret(secret_ctx, key_env);
        if (!key && env(env_ctx, key_env))
            key = bx_strdup(env(env_ctx, key_env));
        if (!key && strcmp(key_env, "GEMINI_API_KEY") == 0) {
            if (secret)
                key = secret(secret_ctx, "GOOGLE_API_KEY");
            if (!key && env(env_ctx, "GOOGLE_API_KEY"))
                key = bx_strdup(env(env_ctx, "GOOGLE_API_KEY"));
        }
    }
    if (key && !*key) {
        bx_free(key);
        key = NULL;
    }
    out->api_key = key;
    if (!key && !(out->flags & LLM_PF_NO_KEY))
        return bx_error_set(detail, BX_AUTH, -1, "no API key for provider '%s': set %s in "
                            "secrets.json or the environment", id, key_env ? key_env : "a key");
    *out_model = bx_strdup(slash + 1);
    return BX_OK;
}

/* ---------------------------------------------------------------- status */

const char *llm_provider_key_env(const workspace_config *settings, const char *id)
{
    const workspace_provider_conf *conf = workspace_config_provider(settings, id);
    if (conf && conf->api_key_env)
        return conf->api_key_env;
    const preset *pr = id ? find_preset(id) : NULL;
    return pr ? pr->key_env : NULL;
}

/* Whether something listens at the URL's host and port: one TCP connect
 * with a short timeout, for local servers (Ollama, llama.cpp, vLLM) whose
 * preset has a default address. Loopback answers or refuses at once. */
static bool listening(const char *url, int timeout_ms)
{
    const char *h = url ? strstr(url, "://") : NULL;
    if (!h)
        return false;
    h += 3;
    char host[256];
    size_t n = strcspn(h, ":/");
    if (n == 0 || n >= sizeof host)
        return false;
    memcpy(host, h, n);
    host[n] = '\0';
    const char *port = h[n] == ':' ? h + n + 1 : (strncmp(url, "https", 5) == 0 ? "443" : "80");
    char portbuf[8];
    size_t pn = strcspn(port, "/");
    if (pn == 0 || pn >= sizeof portbuf)
        return false;
    memcpy(portbuf, port, pn);
    portbuf[pn] = '\0';
    return bx_tcp_probe(host, portbuf, timeout_ms);
}

json_t *llm_provider_status(const workspace_config *settings, llm_secret_fn secret,
                            void *secret_ctx, llm_env_fn env, void *env_ctx, int probe_ms)
{
    if (!env)
        env = default_env;
    json_t *list = json_array();
    bool any_ready = false;
    /* presets first, then providers that only the settings define */
    size_t n_extra = settings ? settings->n_providers : 0;
    for (size_t i = 0; i < BX_ARRAY_LEN(presets) + n_extra; i++) {
        const char *id = i < BX_ARRAY_LEN(presets)
                             ? presets[i].id
                             : settings->providers[i - BX_ARRAY_LEN(presets)].id;
        if (i >= BX_ARRAY_LEN(presets) && find_preset(id))
            continue; /* an override of a preset: reported with the preset */
        char spec[160];
        snprintf(spec, sizeof spec, "%s/status-check", id);
        llm_provider p;
        char *model = NULL;
        bx_error e;
        bx_error_clear(&e);
        bx_err err = llm_provider_resolve(spec, settings, secret, secret_ctx, env, env_ctx, &p,
                                          &model, &e);
        const preset *pr = find_preset(id);
        const workspace_provider_conf *conf = workspace_config_provider(settings, id);
        const char *key_env = llm_provider_key_env(settings, id);
        bool local = pr ? (pr->flags & LLM_PF_NO_KEY) != 0 : !(conf && conf->api_key_env);
        bool base_set = (conf && conf->base_url) ||
                        (pr && pr->base_env && env(env_ctx, pr->base_env) &&
                         *env(env_ctx, pr->base_env));
        bool key_set = err == BX_OK && p.api_key != NULL;
        bool has_base = err != BX_INVALID && p.base_url && *p.base_url;
        /* A local server counts when the user pointed at one, or when one
         * answers at the preset's default address. */
        bool ready = err == BX_OK && (local ? base_set || (probe_ms > 0 && listening(p.base_url,
                                                                                     probe_ms))
                                            : key_set);
        any_ready |= ready;
        json_t *o = json_pack("{s:s,s:s,s:b,s:b,s:b,s:b,s:b}", "id", id, "api",
                              llm_api_name(p.api),
                              "local", local, "key_set", key_set, "base_url_set", base_set,
                              "ready", ready, "openai_compatible",
                              p.api == LLM_API_OPENAI_CHAT);
        if (key_env)
            jx_set_str(o, "key_name", key_env);
        if (has_base)
            jx_set_str(o, "base_url", p.base_url);
        if (!ready)
            jx_set_str(o, "problem",
                       err != BX_OK ? e.message
                       : local      ? "no server answers at this address; set its base URL"
                                    : "no API key");
        json_array_append_new(list, o);
        llm_provider_release(&p);
        bx_free(model);
    }
    return json_pack("{s:o,s:b}", "providers", list, "ready", any_ready);
}
