/* test_encode.c: request encoding against golden files, provider
 * resolution (presets, settings, environment, keys), and the catalog.
 * Each tests/llm/data/requests/<r>.json (the neutral JSON form) is encoded
 * for several providers and compared with tests/llm/data/golden/<r>.<p>.json
 * ({url, headers, body}). BX_UPDATE_GOLDEN=1 rewrites the goldens; review
 * the diff against the providers' documentation before committing. */
#include <math.h>
#include <string.h>

#include "llm/llm.h"
#include "test.h"

static const char *src_dir(void)
{
    const char *s = getenv("BX_SOURCE_DIR");
    return s ? s : ".";
}

/* A fixed environment: every key is "sk-test". */
static const char *fake_env(void *ctx, const char *name)
{
    json_t *env = ctx;
    const char *v = jx_str(env, name, NULL);
    if (v)
        return v;
    if (strstr(name, "_API_KEY"))
        return "sk-test";
    return NULL;
}

/* llm_provider_resolve with settings given as JSON, as a settings file would. */
static bx_err resolve_with(const char *spec, const json_t *settings, json_t *env, llm_provider *p,
                           char **model, bx_error *detail)
{
    const workspace_config *cfg = settings ? workspace_config_from_json(settings, NULL) : NULL;
    bx_err err = llm_provider_resolve(spec, cfg, NULL, NULL, fake_env, env, p, model, detail);
    workspace_config_release(cfg);
    return err;
}

static json_t *encode_json(const char *spec, const json_t *reqdoc, const json_t *settings, json_t *env)
{
    llm_provider p;
    char *model = NULL;
    bx_error detail;
    bx_err err = resolve_with(spec, settings, env, &p, &model, &detail);
    if (err) {
        fprintf(stderr, "%s: %s\n", spec, detail.message);
        llm_provider_release(&p);
        return NULL;
    }
    bx_arena arena;
    bx_arena_init(&arena, 0);
    llm_request req;
    json_t *out = NULL;
    if (llm_request_from_json(reqdoc, &arena, &req, &detail) == BX_OK) {
        req.model = model;
        llm_http_request h;
        llm_http_request_init(&h);
        if (llm_encode(&p, &req, &h, &detail) == BX_OK) {
            out = json_object();
            jx_set_str(out, "url", h.url.data);
            json_t *hs = json_array();
            for (size_t i = 0; i < h.headers.len; i++)
                json_array_append_new(hs, json_string(BX_VEC_AT(&h.headers, char *, i)));
            json_object_set_new(out, "headers", hs);
            json_object_set_new(out, "body", json_loadb(h.body.data, h.body.len, 0, NULL));
        } else {
            fprintf(stderr, "%s: encode: %s\n", spec, detail.message);
        }
        llm_http_request_release(&h);
    }
    bx_arena_release(&arena);
    bx_free(model);
    llm_provider_release(&p);
    return out;
}

static bool golden(const char *req_name, const char *spec)
{
    char path[4096], gpath[4096], gname[256];
    snprintf(path, sizeof(path), "%s/tests/llm/data/requests/%s.json", src_dir(), req_name);
    snprintf(gname, sizeof(gname), "%s", spec);
    for (char *c = gname; *c; c++)
        if (*c == '/')
            *c = '_';
    snprintf(gpath, sizeof(gpath), "%s/tests/llm/data/golden/%s.%s.json", src_dir(), req_name, gname);
    bx_error detail;
    json_t *reqdoc = jx_parse_file(path, 1 << 20, &detail);
    if (!reqdoc) {
        fprintf(stderr, "%s\n", detail.message);
        return false;
    }
    json_t *env = json_pack("{s:s}", "AZURE_OPENAI_ENDPOINT", "https://res.openai.azure.com/");
    json_t *got = encode_json(spec, reqdoc, NULL, env);
    json_decref(env);
    json_decref(reqdoc);
    if (!got)
        return false;
    bool ok;
    if (getenv("BX_UPDATE_GOLDEN")) {
        bx_buf b;
        bx_buf_init(&b, BX_BUF_UNLIMITED);
        jx_dump_pretty(got, &b);
        bx_buf_putc(&b, '\n');
        ok = bx_write_file_atomic(gpath, b.data, b.len, 0644) == BX_OK;
        bx_buf_release(&b);
    } else {
        json_t *want = jx_parse_file(gpath, 1 << 20, &detail);
        ok = want && json_equal(got, want);
        if (!ok) {
            char *g = json_dumps(got, JSON_INDENT(1) | JSON_SORT_KEYS);
            fprintf(stderr, "%s for %s differs from %s:\n%s\n", req_name, spec, gpath, g);
            free(g);
        }
        json_decref(want);
    }
    json_decref(got);
    return ok;
}

TEST(golden_basic)
{
    const char *specs[] = {"openai/test-model", "openai-responses/test-model", "anthropic/test-model",
                           "gemini/test-model", "ollama/test-model", "groq/test-model"};
    for (size_t i = 0; i < BX_ARRAY_LEN(specs); i++)
        CHECK(golden("basic", specs[i]));
}

TEST(golden_tools)
{
    const char *specs[] = {"openai/test-model", "openai-responses/test-model", "anthropic/test-model",
                           "gemini/test-model", "azure/test-model", "deepseek/test-model",
                           "mistral/test-model"};
    for (size_t i = 0; i < BX_ARRAY_LEN(specs); i++)
        CHECK(golden("tools", specs[i]));
}

TEST(golden_reasoning)
{
    const char *specs[] = {"openai/test-model", "openai-responses/test-model", "anthropic/test-model",
                           "google/test-model"};
    for (size_t i = 0; i < BX_ARRAY_LEN(specs); i++)
        CHECK(golden("reasoning", specs[i]));
}

/* The invariants the goldens encode, stated directly too. */
TEST(key_never_in_url_and_headers_safe)
{
    json_t *req = json_loads("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", 0, NULL);
    json_t *env = json_object();
    json_t *g = encode_json("gemini/m", req, NULL, env);
    REQUIRE(g);
    CHECK(strstr(jx_str(g, "url", ""), "sk-test") == NULL);
    CHECK(strstr(jx_str(g, "url", ""), "key=") == NULL);
    bool header = false;
    size_t i;
    json_t *h;
    json_array_foreach(jx_arr(g, "headers"), i, h) header |= strcmp(json_string_value(h), "x-goog-api-key: sk-test") == 0;
    CHECK(header);
    json_decref(g);
    /* a header value from settings cannot inject a second header */
    json_t *settings = json_loads("{\"providers\":{\"openai\":{\"headers\":{\"X-Org\":\"a\\r\\nEvil: 1\"}}}}", 0, NULL);
    g = encode_json("openai/m", req, settings, env);
    REQUIRE(g);
    json_array_foreach(jx_arr(g, "headers"), i, h) CHECK(strchr(json_string_value(h), '\n') == NULL);
    json_decref(g);
    json_decref(settings);
    json_decref(env);
    json_decref(req);
}

static bx_err resolve(const char *spec, const char *settings_text, json_t *env, llm_provider *p,
                      char **model, bx_error *detail)
{
    json_t *settings = settings_text ? json_loads(settings_text, 0, NULL) : NULL;
    bx_err err = resolve_with(spec, settings, env, p, model, detail);
    json_decref(settings);
    return err;
}

TEST(provider_resolution)
{
    llm_provider p;
    char *model;
    bx_error d;
    json_t *env = json_object();

    CHECK(resolve("anthropic/claude-sonnet-4-5", NULL, env, &p, &model, &d) == BX_OK);
    CHECK(p.api == LLM_API_ANTHROPIC);
    CHECK_EQ_STR(p.base_url, "https://api.anthropic.com");
    CHECK_EQ_STR(model, "claude-sonnet-4-5");
    llm_provider_release(&p);
    bx_free(model);

    /* environment overrides: OPENAI_BASE_URL keeps /v1; OLLAMA_HOST is host:port */
    jx_set_str(env, "OPENAI_BASE_URL", "http://127.0.0.1:9/v1/");
    jx_set_str(env, "ANTHROPIC_BASE_URL", "http://127.0.0.1:9");
    jx_set_str(env, "GOOGLE_GEMINI_BASE_URL", "http://127.0.0.1:9");
    jx_set_str(env, "OLLAMA_HOST", "127.0.0.1:9");
    const char *specs[][2] = {{"openai/x", "http://127.0.0.1:9/v1"},
                              {"openai-responses/x", "http://127.0.0.1:9/v1"},
                              {"anthropic/x", "http://127.0.0.1:9"},
                              {"google/x", "http://127.0.0.1:9"},
                              {"ollama/llama3.2", "http://127.0.0.1:9/v1"}};
    for (size_t i = 0; i < BX_ARRAY_LEN(specs); i++) {
        CHECK(resolve(specs[i][0], NULL, env, &p, &model, &d) == BX_OK);
        CHECK_EQ_STR(p.base_url, specs[i][1]);
        llm_provider_release(&p);
        bx_free(model);
    }
    CHECK(resolve("google/gemini-2.5-pro", NULL, env, &p, &model, &d) == BX_OK);
    CHECK(p.api == LLM_API_GEMINI);
    CHECK_EQ_STR(p.id, "gemini");
    llm_provider_release(&p);
    bx_free(model);

    /* settings: a new provider, and an override of a preset (env still wins) */
    const char *settings = "{\"providers\":{\"myproxy\":{\"adapter\":\"anthropic\",\"base_url\":\"http://proxy:8/\","
                           "\"ca_file\":\"/etc/ca.pem\",\"timeouts\":{\"stall_ms\":1234}},\"openai\":{\"base_url\":\"http://ignored\"}}}";
    CHECK(resolve("myproxy/claude", settings, env, &p, &model, &d) == BX_OK);
    CHECK(p.api == LLM_API_ANTHROPIC);
    CHECK_EQ_STR(p.base_url, "http://proxy:8");
    CHECK_EQ_INT(p.stall_timeout_ms, 1234);
    CHECK_EQ_STR(p.ca_file, "/etc/ca.pem");
    CHECK(p.api_key == NULL);
    llm_provider_release(&p);
    bx_free(model);
    CHECK(resolve("openai/gpt-5", settings, env, &p, &model, &d) == BX_OK);
    CHECK_EQ_STR(p.base_url, "http://127.0.0.1:9/v1");
    llm_provider_release(&p);
    bx_free(model);

    /* errors: unknown provider, no slash, azure without an endpoint */
    CHECK(resolve("nosuch/model", NULL, env, &p, &model, &d) == BX_NOTFOUND);
    llm_provider_release(&p);
    CHECK(resolve("gpt-5", NULL, env, &p, &model, &d) == BX_INVALID);
    llm_provider_release(&p);
    CHECK(resolve("azure/dep", NULL, env, &p, &model, &d) == BX_INVALID);
    CHECK(strstr(d.message, "AZURE_OPENAI_ENDPOINT") != NULL);
    llm_provider_release(&p);
    json_decref(env);
}

static const char *no_keys_env(void *ctx, const char *name)
{
    BX_UNUSED(ctx);
    return strcmp(name, "GOOGLE_API_KEY") == 0 ? "g-key" : NULL;
}

static char *secret_cb(void *ctx, const char *name)
{
    BX_UNUSED(ctx);
    return strcmp(name, "ANTHROPIC_API_KEY") == 0 ? bx_strdup("from-secrets") : NULL;
}

TEST(keys_from_secrets_and_env)
{
    llm_provider p;
    char *model;
    bx_error d;
    CHECK(llm_provider_resolve("anthropic/m", NULL, secret_cb, NULL, no_keys_env, NULL, &p, &model, &d) == BX_OK);
    CHECK_EQ_STR(p.api_key, "from-secrets");
    llm_provider_release(&p);
    bx_free(model);
    CHECK(llm_provider_resolve("gemini/m", NULL, secret_cb, NULL, no_keys_env, NULL, &p, &model, &d) == BX_OK);
    CHECK_EQ_STR(p.api_key, "g-key");
    llm_provider_release(&p);
    bx_free(model);
    CHECK(llm_provider_resolve("openai/m", NULL, secret_cb, NULL, no_keys_env, NULL, &p, &model, &d) == BX_AUTH);
    CHECK(strstr(d.message, "OPENAI_API_KEY") != NULL);
    llm_provider_release(&p);
    /* local servers need no key */
    CHECK(llm_provider_resolve("ollama/m", NULL, secret_cb, NULL, no_keys_env, NULL, &p, &model, &d) == BX_OK);
    CHECK(p.api_key == NULL);
    llm_provider_release(&p);
    bx_free(model);
}

TEST(catalog_and_cost)
{
    llm_model_info mi;
    CHECK(llm_model_lookup("anthropic/claude-sonnet-4-5", NULL, &mi) == BX_OK);
    CHECK_EQ_INT(mi.context_window, 200000);
    CHECK(mi.caps & LLM_CAP_TOOLS);
    CHECK(mi.caps & LLM_CAP_REASONING);
    llm_usage u = {.input_tokens = 1000000, .output_tokens = 100000, .cache_read_tokens = 2000000,
                   .cache_write_tokens = 0};
    /* 1M in at $3 + 0.1M out at $15 + 2M cache reads at $0.30 = 3 + 1.5 + 0.6 */
    CHECK(fabs(llm_cost(&mi, &u) - 5.1) < 1e-9);
    /* fallback by model id under another provider */
    CHECK(llm_model_lookup("openai-responses/gpt-5", NULL, &mi) == BX_OK);
    CHECK_EQ_STR(mi.name, "openai/gpt-5");
    CHECK(llm_model_lookup("openai/no-such-model", NULL, &mi) == BX_NOTFOUND);
    /* workspace override and addition */
    json_t *settings = json_loads("{\"models\":{\"anthropic/claude-sonnet-4-5\":{\"input\":1},"
                                  "\"custom/mine\":{\"context_window\":4096,\"output\":2,\"tools\":false}}}", 0, NULL);
    CHECK(llm_model_lookup("anthropic/claude-sonnet-4-5", jx_obj(settings, "models"), &mi) == BX_OK);
    CHECK(fabs(mi.price_input - 1) < 1e-12);
    CHECK(fabs(mi.price_output - 15) < 1e-12);
    CHECK(llm_model_lookup("custom/mine", jx_obj(settings, "models"), &mi) == BX_OK);
    CHECK_EQ_INT(mi.context_window, 4096);
    CHECK(!(mi.caps & LLM_CAP_TOOLS));
    json_decref(settings);
    /* every catalog entry has the fields the agent relies on */
    const char *k;
    json_t *v;
    int n = 0;
    json_object_foreach(jx_obj(llm_catalog(), "models"), k, v) {
        CHECK(jx_int(v, "context_window", 0) > 0);
        CHECK(jx_int(v, "max_output", 0) > 0);
        CHECK(strchr(k, '/') != NULL);
        n++;
    }
    CHECK(n >= 20);
}

TEST(request_from_json_rejects_bad_input)
{
    bx_arena a;
    bx_arena_init(&a, 0);
    llm_request r;
    bx_error d;
    json_t *j = json_loads("{\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}", 0, NULL);
    CHECK(llm_request_from_json(j, &a, &r, &d) == BX_INVALID);
    json_decref(j);
    j = json_loads("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"video\"}]}]}", 0, NULL);
    CHECK(llm_request_from_json(j, &a, &r, &d) == BX_INVALID);
    CHECK(strstr(d.message, "video") != NULL);
    json_decref(j);
    j = json_loads("[1]", 0, NULL);
    CHECK(llm_request_from_json(j, &a, &r, &d) == BX_INVALID);
    json_decref(j);
    bx_arena_release(&a);
}

/* Invalid UTF-8 from a tool or a user fails the encoding; it is never sent. */
TEST(invalid_utf8_refused)
{
    llm_provider p;
    char *model;
    bx_error d;
    json_t *env = json_object();
    const char *specs[] = {"openai/m", "openai-responses/m", "anthropic/m", "gemini/m"};
    for (size_t i = 0; i < BX_ARRAY_LEN(specs); i++) {
        REQUIRE(llm_provider_resolve(specs[i], NULL, NULL, NULL, fake_env, env, &p, &model, &d) == BX_OK);
        llm_block b = {.type = LLM_BLOCK_TEXT, .text = "bad \xC3\x28 byte"};
        llm_message m = {.role = LLM_ROLE_USER, .blocks = &b, .n_blocks = 1};
        llm_request req;
        llm_request_init(&req);
        req.model = model;
        req.messages = &m;
        req.n_messages = 1;
        llm_http_request h;
        llm_http_request_init(&h);
        CHECK(llm_encode(&p, &req, &h, &d) != BX_OK);
        /* control characters and quotes are escaped, multi-byte text kept */
        b.text = "tab\there \"q\" \\ \x01 caf\xC3\xA9 \xF0\x9F\x98\x80";
        CHECK(llm_encode(&p, &req, &h, &d) == BX_OK);
        json_t *body = json_loadb(h.body.data, h.body.len, 0, NULL);
        CHECK(body != NULL);
        CHECK(strstr(h.body.data, "\\u0001") != NULL);
        CHECK(strstr(h.body.data, "caf\xC3\xA9 \xF0\x9F\x98\x80") != NULL);
        json_decref(body);
        llm_http_request_release(&h);
        llm_provider_release(&p);
        bx_free(model);
    }
    json_decref(env);
}

TEST_MAIN()
