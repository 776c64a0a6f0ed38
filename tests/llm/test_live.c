/* test_live.c: every adapter end to end over HTTP against the fake LLM
 * server on 127.0.0.1: text, parallel tool calls, thinking, usage, the
 * non-streamed form, and each fault of the script list: max_tokens stops,
 * context-length errors, 429 with Retry-After, 500s and overloads (retried),
 * auth errors, mid-stream disconnects, slow drips, stalls, first-byte
 * timeouts, hold-until-cancelled with a cancel from another thread,
 * malformed JSON, oversized events, error events inside the stream, and
 * summarisation replies chosen by matching the request; and the RETRY
 * notifications (count, attempt numbers, delays honouring Retry-After). */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "fake.h"
#include "llm/llm.h"
#include "test.h"

static const llm_api apis[] = {LLM_API_OPENAI_CHAT, LLM_API_OPENAI_RESPONSES, LLM_API_ANTHROPIC,
                               LLM_API_GEMINI};

static void provider_for(llm_api api, llm_provider *p)
{
    llm_provider_init(p);
    p->api = api;
    p->id = bx_strdup(llm_api_name(api));
    bool v1 = api == LLM_API_OPENAI_CHAT || api == LLM_API_OPENAI_RESPONSES;
    p->base_url = bx_sprintf("http://127.0.0.1:%d%s", fake_port, v1 ? "/v1" : "");
    p->api_key = bx_strdup("test-key");
    if (api == LLM_API_OPENAI_CHAT)
        p->flags |= LLM_PF_STREAM_USAGE;
    p->retry_base_ms = 10;
    p->retry_max_ms = 3000;
    p->max_retries = 3;
    p->first_byte_timeout_ms = 10000;
    p->stall_timeout_ms = 10000;
}

/* One RETRY event as the sink saw it. */
typedef struct retry_rec {
    int attempt;
    int64_t delay_ms;
    bx_err err;
    int status;
    char msg[256];
} retry_rec;

typedef struct run_result {
    bx_err err;
    llm_response r;
    llm_call_stats stats;
    retry_rec rt[8];     /* the RETRY events, in order */
    int n_rt;
    bool rt_late;        /* a RETRY came after a response event */
} run_result;

/* Set by a test around one call: the sink answers RETRY with 1. */
static bool stop_on_retry;

/* Collects into out->r and records RETRY events on the side. */
static int recording_sink(void *ctx, const llm_event *ev)
{
    run_result *out = ctx;
    if (ev->type == LLM_EV_RETRY) {
        if (out->r.events > (size_t)out->r.retries)
            out->rt_late = true;
        if (out->n_rt < (int)BX_ARRAY_LEN(out->rt)) {
            retry_rec *rr = &out->rt[out->n_rt];
            rr->attempt = ev->attempt;
            rr->delay_ms = ev->delay_ms;
            rr->err = ev->err;
            rr->status = ev->status;
            snprintf(rr->msg, sizeof(rr->msg), "%.*s", (int)ev->text.len,
                     ev->text.ptr ? ev->text.ptr : "");
        }
        out->n_rt++;
    }
    int rc = llm_response_sink(&out->r, ev);
    return rc ? rc : (ev->type == LLM_EV_RETRY && stop_on_retry);
}

static void run_opts(llm_provider *p, const char *user_text, bool stream, llm_cancel *cancel,
                     run_result *out)
{
    llm_block b = {.type = LLM_BLOCK_TEXT, .text = user_text};
    llm_message m = {.role = LLM_ROLE_USER, .blocks = &b, .n_blocks = 1};
    json_t *schema = json_loads("{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}}}", 0, NULL);
    llm_tool tool = {.name = "read", .description = "read a file", .schema = schema};
    llm_request req;
    llm_request_init(&req);
    req.model = "fake-model";
    req.system = "be brief";
    req.messages = &m;
    req.n_messages = 1;
    req.tools = &tool;
    req.n_tools = 1;
    req.max_tokens = 256;
    req.stream = stream;
    memset(out, 0, sizeof(*out));
    llm_response_init(&out->r);
    out->err = llm_call(p, &req, recording_sink, out, cancel, &out->stats);
    json_decref(schema);
}

static void run(llm_api api, const char *script, run_result *out)
{
    llm_provider p;
    provider_for(api, &p);
    fake_script(script);
    run_opts(&p, "hello", true, NULL, out);
    llm_provider_release(&p);
}

static void done(run_result *r) { llm_response_release(&r->r); }

#define FOR_EACH_API(var) for (size_t var##_i = 0; var##_i < BX_ARRAY_LEN(apis); var##_i++) \
    for (llm_api var = apis[var##_i], *var##_once = &var; var##_once; var##_once = NULL)

TEST(start_fake)
{
    REQUIRE(fake_start() > 0);
    json_t *h = fake_control("/_fake/health", NULL);
    CHECK(jx_bool(h, "ok", false));
    json_decref(h);
}

TEST(text_and_usage)
{
    FOR_EACH_API(api) {
        for (int stream = 1; stream >= 0; stream--) {
            llm_provider p;
            provider_for(api, &p);
            fake_script("{\"turns\":[{\"text\":\"Hello from the fake, \\u00e9\\u20ac!\",\"chunk\":5,"
                        "\"usage\":{\"input\":12,\"output\":7,\"cache_read\":3}}]}");
            run_result r;
            run_opts(&p, "hello", stream, NULL, &r);
            if (r.err)
                fprintf(stderr, "%s stream=%d: %s %s\n", llm_api_name(api), stream, bx_err_name(r.err), r.r.error);
            CHECK_EQ_INT(r.err, BX_OK);
            CHECK_EQ_STR(r.r.text.data, "Hello from the fake, \xC3\xA9\xE2\x82\xAC!");
            CHECK_EQ_INT(r.r.usage.input_tokens, 12);
            CHECK_EQ_INT(r.r.usage.output_tokens, 7);
            CHECK_EQ_INT(r.r.usage.cache_read_tokens, 3);
            CHECK(r.r.stop == LLM_STOP_END_TURN);
            CHECK_EQ_INT(r.stats.attempts, 1);
            done(&r);
            llm_provider_release(&p);
        }
    }
}

TEST(parallel_tool_calls)
{
    FOR_EACH_API(api) {
        for (int stream = 1; stream >= 0; stream--) {
            llm_provider p;
            provider_for(api, &p);
            fake_script("{\"turns\":[{\"text\":\"Reading.\",\"chunk\":3,\"tool_calls\":["
                        "{\"id\":\"call_a\",\"name\":\"read\",\"arguments\":{\"path\":\"a.txt\"}},"
                        "{\"id\":\"call_b\",\"name\":\"read\",\"arguments\":{\"path\":\"b.txt\",\"n\":[1,2]}},"
                        "{\"id\":\"call_c\",\"name\":\"ls\",\"arguments\":{}}]}]}");
            run_result r;
            run_opts(&p, "hello", stream, NULL, &r);
            CHECK_EQ_INT(r.err, BX_OK);
            CHECK(r.r.stop == LLM_STOP_TOOL_USE);
            CHECK_EQ_STR(r.r.text.data, "Reading.");
            REQUIRE(r.r.calls.len == 3);
            const char *want_args[] = {"{\"path\":\"a.txt\"}", "{\"path\":\"b.txt\",\"n\":[1,2]}", "{}"};
            const char *want_names[] = {"read", "read", "ls"};
            for (size_t i = 0; i < 3; i++) {
                llm_tool_call *c = bx_vec_at(&r.r.calls, i);
                CHECK_EQ_STR(c->name, want_names[i]);
                json_t *got = json_loadb(c->args.data, c->args.len, 0, NULL);
                json_t *want = json_loads(want_args[i], 0, NULL);
                if (!json_equal(got, want))
                    fprintf(stderr, "%s stream=%d call %zu: args %s\n", llm_api_name(api), stream, i,
                            c->args.data);
                CHECK(json_equal(got, want));
                json_decref(got);
                json_decref(want);
                if (api != LLM_API_GEMINI) /* Gemini has no call ids; we make them */
                    CHECK(strncmp(c->id, "call_", 5) == 0 && strlen(c->id) == 6);
            }
            done(&r);
            llm_provider_release(&p);
        }
    }
}

TEST(thinking)
{
    FOR_EACH_API(api) {
        run_result r;
        run(api, "{\"turns\":[{\"thinking\":\"Let me think about this.\",\"signature\":\"SIG-1\","
                 "\"text\":\"42\",\"chunk\":4,\"usage\":{\"input\":5,\"output\":30,\"reasoning\":20}}]}", &r);
        CHECK_EQ_INT(r.err, BX_OK);
        CHECK_EQ_STR(r.r.thinking.data, "Let me think about this.");
        CHECK_EQ_STR(r.r.text.data, "42");
        if (api == LLM_API_OPENAI_RESPONSES) /* "<reasoning item id> <encrypted_content>" */
            CHECK_EQ_STR(r.r.signature, "rs_0 SIG-1");
        else if (api != LLM_API_OPENAI_CHAT) /* chat has no signatures */
            CHECK_EQ_STR(r.r.signature, "SIG-1");
        if (api != LLM_API_ANTHROPIC) /* Anthropic does not split out reasoning tokens */
            CHECK_EQ_INT(r.r.usage.reasoning_tokens, 20);
        CHECK_EQ_INT(r.r.usage.output_tokens, 30);
        done(&r);
    }
    /* Anthropic redacted thinking */
    run_result r;
    run(LLM_API_ANTHROPIC, "{\"turns\":[{\"redacted_thinking\":\"opaque==\",\"text\":\"ok\"}]}", &r);
    CHECK_EQ_INT(r.err, BX_OK);
    REQUIRE(r.r.redacted.len == 1);
    CHECK_EQ_STR(BX_VEC_AT(&r.r.redacted, char *, 0), "opaque==");
    done(&r);
}

TEST(max_tokens_stop)
{
    FOR_EACH_API(api) {
        run_result r;
        run(api, "{\"turns\":[{\"text\":\"Once upon a time\",\"stop\":\"max_tokens\"}]}", &r);
        CHECK_EQ_INT(r.err, BX_OK);
        CHECK(r.r.stop == LLM_STOP_MAX_TOKENS);
        CHECK_EQ_STR(r.r.text.data, "Once upon a time");
        done(&r);
    }
}

TEST(context_length_error_not_retried)
{
    FOR_EACH_API(api) {
        run_result r;
        run(api, "{\"turns\":[{\"fault\":{\"type\":\"context_length\"}}],\"default\":{\"text\":\"no\"}}", &r);
        CHECK_EQ_INT(r.err, BX_CONTEXT);
        CHECK_EQ_INT(r.r.err, BX_CONTEXT);
        CHECK_EQ_INT(r.stats.attempts, 1);
        CHECK(r.r.error && strlen(r.r.error) > 10);
        CHECK_EQ_INT(r.r.status, 400);
        done(&r);
    }
}

TEST(rate_limit_retry_after)
{
    FOR_EACH_API(api) {
        run_result r;
        run(api, "{\"turns\":[{\"fault\":{\"type\":\"rate_limit\",\"retry_after_ms\":300}},{\"text\":\"after wait\"}]}", &r);
        CHECK_EQ_INT(r.err, BX_OK);
        CHECK_EQ_STR(r.r.text.data, "after wait");
        CHECK_EQ_INT(r.stats.attempts, 2);
        CHECK(r.stats.total_ns >= 300000000u); /* it waited as told */
        done(&r);
    }
    /* Retry-After in seconds */
    run_result r;
    run(LLM_API_ANTHROPIC, "{\"turns\":[{\"fault\":{\"type\":\"rate_limit\",\"retry_after\":1}},{\"text\":\"ok\"}]}", &r);
    CHECK_EQ_INT(r.err, BX_OK);
    CHECK(r.stats.total_ns >= 1000000000u);
    done(&r);
    /* a Retry-After beyond our limit is reported, not waited for */
    run(LLM_API_OPENAI_CHAT, "{\"turns\":[{\"fault\":{\"type\":\"rate_limit\",\"retry_after\":3600}},{\"text\":\"ok\"}]}", &r);
    CHECK_EQ_INT(r.err, BX_RATELIMIT);
    CHECK(strstr(r.r.error, "exceeds") != NULL);
    CHECK_EQ_INT(r.stats.attempts, 1);
    done(&r);
}

TEST(server_errors_retried_with_backoff)
{
    FOR_EACH_API(api) {
        run_result r;
        run(api, "{\"turns\":[{\"fault\":{\"type\":\"server_error\"}},{\"fault\":{\"type\":\"overloaded\"}},"
                 "{\"text\":\"third time lucky\"}]}", &r);
        CHECK_EQ_INT(r.err, BX_OK);
        CHECK_EQ_STR(r.r.text.data, "third time lucky");
        CHECK_EQ_INT(r.stats.attempts, 3);
        done(&r);
        /* retries run out */
        run(api, "{\"default\":{\"fault\":{\"type\":\"http_error\",\"status\":500}}}", &r);
        CHECK_EQ_INT(r.err, BX_SERVER);
        CHECK_EQ_INT(r.stats.attempts, 4);
        CHECK_EQ_INT(r.r.status, 500);
        done(&r);
    }
}

TEST(auth_and_invalid_not_retried)
{
    FOR_EACH_API(api) {
        run_result r;
        run(api, "{\"default\":{\"fault\":{\"type\":\"auth\"}}}", &r);
        CHECK_EQ_INT(r.err, BX_AUTH);
        CHECK_EQ_INT(r.stats.attempts, 1);
        done(&r);
        run(api, "{\"default\":{\"fault\":{\"type\":\"invalid\"}}}", &r);
        CHECK_EQ_INT(r.err, BX_INVALID);
        CHECK_EQ_INT(r.stats.attempts, 1);
        done(&r);
    }
}

TEST(disconnects)
{
    FOR_EACH_API(api) {
        /* after output began: an error, no retry, the partial text kept */
        run_result r;
        run(api, "{\"turns\":[{\"text\":\"abcdefghijklmnopqrstuvwxyz\",\"chunk\":2,"
                 "\"fault\":{\"type\":\"disconnect\",\"after_events\":5}}],\"default\":{\"text\":\"retried\"}}", &r);
        CHECK_EQ_INT(r.err, BX_NETWORK);
        CHECK_EQ_INT(r.stats.attempts, 1);
        CHECK(r.r.text.len > 0 && strncmp(r.r.text.data, "abcdefghijklmnopqrstuvwxyz", r.r.text.len) == 0);
        CHECK(r.r.text.len < 26);
        done(&r);
        /* before any output: retried like a reset */
        run(api, "{\"turns\":[{\"text\":\"x\",\"fault\":{\"type\":\"disconnect\",\"after_events\":0}},"
                 "{\"text\":\"second try\"}]}", &r);
        CHECK_EQ_INT(r.err, BX_OK);
        CHECK_EQ_STR(r.r.text.data, "second try");
        CHECK_EQ_INT(r.stats.attempts, 2);
        done(&r);
    }
}

TEST(slow_drip_and_crlf)
{
    FOR_EACH_API(api) {
        run_result r;
        run(api, "{\"turns\":[{\"text\":\"drip drip drip\",\"chunk\":1,\"delay_ms\":5,\"crlf\":true}]}", &r);
        CHECK_EQ_INT(r.err, BX_OK);
        CHECK_EQ_STR(r.r.text.data, "drip drip drip");
        CHECK(r.r.events >= 14);
        done(&r);
    }
}

TEST(stall_and_first_byte_timeouts)
{
    FOR_EACH_API(api) {
        llm_provider p;
        provider_for(api, &p);
        p.stall_timeout_ms = 300;
        p.max_retries = 0;
        fake_script("{\"turns\":[{\"text\":\"stalls after this\",\"fault\":{\"type\":\"hold\",\"after_events\":3,\"max_s\":20}}]}");
        run_result r;
        run_opts(&p, "hi", true, NULL, &r);
        CHECK_EQ_INT(r.err, BX_TIMEOUT);
        CHECK(strstr(r.r.error, "stall") != NULL);
        done(&r);
        p.first_byte_timeout_ms = 300;
        fake_script("{\"turns\":[{\"text\":\"never\",\"fault\":{\"type\":\"hold\",\"after_events\":0,\"max_s\":20}}]}");
        run_opts(&p, "hi", true, NULL, &r);
        CHECK_EQ_INT(r.err, BX_TIMEOUT);
        CHECK(strstr(r.r.error, "first-byte") != NULL);
        done(&r);
        llm_provider_release(&p);
    }
}

typedef struct canceller {
    llm_cancel *c;
    int delay_ms;
    uint64_t at_ns;
} canceller;

static void *cancel_later(void *arg)
{
    canceller *k = arg;
    struct timespec ts = {0, (long)k->delay_ms * 1000000L};
    nanosleep(&ts, NULL);
    k->at_ns = bx_mono_ns();
    llm_cancel_request(k->c);
    return NULL;
}

TEST(hold_until_cancelled)
{
    uint64_t worst = 0;
    FOR_EACH_API(api) {
        for (int after = 0; after <= 2; after += 2) {
            llm_provider p;
            provider_for(api, &p);
            char script[256];
            snprintf(script, sizeof(script),
                     "{\"turns\":[{\"text\":\"held\",\"fault\":{\"type\":\"hold\",\"after_events\":%d,\"max_s\":30}}]}", after);
            fake_script(script);
            llm_cancel c;
            llm_cancel_init(&c);
            canceller k = {&c, 200, 0};
            pthread_t t;
            pthread_create(&t, NULL, cancel_later, &k);
            run_result r;
            run_opts(&p, "hi", true, &c, &r);
            uint64_t end = bx_mono_ns();
            pthread_join(t, NULL);
            CHECK_EQ_INT(r.err, BX_CANCELLED);
            CHECK(r.r.err == BX_OK); /* a cancel is not reported as an ERROR event */
            uint64_t lat = end - k.at_ns;
            if (lat > worst)
                worst = lat;
            CHECK(lat < 1000000000u);
            done(&r);
            llm_provider_release(&p);
        }
    }
    printf("cancellation latency, worst of 8: %.1f ms\n", (double)worst / 1e6);
    /* a cancel during a retry wait ends the wait */
    llm_provider p;
    provider_for(LLM_API_ANTHROPIC, &p);
    fake_script("{\"default\":{\"fault\":{\"type\":\"rate_limit\",\"retry_after\":2}}}");
    llm_cancel c;
    llm_cancel_init(&c);
    canceller k = {&c, 200, 0};
    pthread_t t;
    pthread_create(&t, NULL, cancel_later, &k);
    run_result r;
    run_opts(&p, "hi", true, &c, &r);
    pthread_join(t, NULL);
    CHECK_EQ_INT(r.err, BX_CANCELLED);
    CHECK(r.stats.total_ns < 1500000000u);
    done(&r);
    llm_provider_release(&p);
}

static int stop_after_first_text(void *ctx, const llm_event *ev)
{
    llm_response_sink(ctx, ev);
    return ev->type == LLM_EV_TEXT_DELTA;
}

TEST(sink_can_cancel)
{
    FOR_EACH_API(api) {
        llm_provider p;
        provider_for(api, &p);
        fake_script("{\"turns\":[{\"text\":\"one two three\",\"chunk\":4}]}");
        llm_block b = {.type = LLM_BLOCK_TEXT, .text = "hi"};
        llm_message m = {.role = LLM_ROLE_USER, .blocks = &b, .n_blocks = 1};
        llm_request req;
        llm_request_init(&req);
        req.model = "fake-model";
        req.messages = &m;
        req.n_messages = 1;
        llm_response resp;
        llm_response_init(&resp);
        CHECK_EQ_INT(llm_call(&p, &req, stop_after_first_text, &resp, NULL, NULL), BX_CANCELLED);
        CHECK_EQ_STR(resp.text.data, "one ");
        llm_response_release(&resp);
        llm_provider_release(&p);
    }
}

TEST(malformed_oversized_and_stream_errors)
{
    FOR_EACH_API(api) {
        run_result r;
        run(api, "{\"turns\":[{\"text\":\"ok so far\",\"fault\":{\"type\":\"malformed\",\"after_events\":2}}]}", &r);
        CHECK_EQ_INT(r.err, BX_PROTOCOL);
        CHECK(strstr(r.r.error, "malformed JSON") != NULL);
        done(&r);

        llm_provider p;
        provider_for(api, &p);
        p.max_event_bytes = 64 * 1024;
        fake_script("{\"turns\":[{\"text\":\"big\",\"fault\":{\"type\":\"oversized\",\"bytes\":300000,\"after_events\":1}}]}");
        run_opts(&p, "hi", true, NULL, &r);
        CHECK_EQ_INT(r.err, BX_TOOBIG);
        CHECK(strstr(r.r.error, "limit") != NULL);
        done(&r);
        llm_provider_release(&p);

        /* many small events add up to more than the response cap */
        provider_for(api, &p);
        p.max_stream_bytes = 20000;
        fake_script("{\"turns\":[{\"text\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
                    "\"chunk\":1}]}");
        run_opts(&p, "hi", true, NULL, &r);
        CHECK_EQ_INT(r.err, BX_TOOBIG);
        CHECK(r.r.text.len > 0 && r.r.text.len < 200);
        done(&r);
        llm_provider_release(&p);

        run(api, "{\"turns\":[{\"text\":\"partial\",\"fault\":{\"type\":\"stream_error\",\"after_events\":3}}]}", &r);
        CHECK_EQ_INT(r.err, BX_SERVER);
        CHECK(r.r.error && *r.r.error);
        done(&r);

        /* non-streamed malformed body */
        provider_for(api, &p);
        fake_script("{\"turns\":[{\"text\":\"x\",\"fault\":{\"type\":\"malformed\"}}]}");
        run_opts(&p, "hi", false, NULL, &r);
        CHECK_EQ_INT(r.err, BX_PROTOCOL);
        done(&r);
        llm_provider_release(&p);
    }
}

TEST(summarisation_rule_and_recorded_requests)
{
    FOR_EACH_API(api) {
        llm_provider p;
        provider_for(api, &p);
        fake_script("{\"rules\":[{\"match\":{\"last_user_contains\":\"Summarize the conversation\"},"
                    "\"text\":\"SUMMARY: all good\"}],\"turns\":[{\"text\":\"normal reply\"}]}");
        run_result r;
        run_opts(&p, "Summarize the conversation so far.", true, NULL, &r);
        CHECK_EQ_STR(r.r.text.data, "SUMMARY: all good");
        done(&r);
        run_opts(&p, "next question", true, NULL, &r);
        CHECK_EQ_STR(r.r.text.data, "normal reply");
        done(&r);
        json_t *reqs = fake_requests();
        REQUIRE(json_array_size(reqs) == 2);
        json_t *q = json_array_get(reqs, 1);
        CHECK_EQ_STR(jx_str(q, "protocol", ""), llm_api_name(api));
        json_t *h = jx_obj(q, "headers");
        const char *path = jx_str(q, "path", "");
        CHECK(strstr(path, "test-key") == NULL);
        CHECK(strstr(jx_str(h, "user-agent", ""), "boxagnts/") == jx_str(h, "user-agent", ""));
        switch (api) {
        case LLM_API_ANTHROPIC:
            CHECK_EQ_STR(jx_str(h, "x-api-key", ""), "test-key");
            CHECK_EQ_STR(jx_str(h, "anthropic-version", ""), "2023-06-01");
            CHECK_EQ_STR(path, "/v1/messages");
            break;
        case LLM_API_GEMINI:
            CHECK_EQ_STR(jx_str(h, "x-goog-api-key", ""), "test-key");
            CHECK_EQ_STR(path, "/v1beta/models/fake-model:streamGenerateContent?alt=sse");
            break;
        default:
            CHECK_EQ_STR(jx_str(h, "authorization", ""), "Bearer test-key");
            CHECK_EQ_STR(path, api == LLM_API_OPENAI_CHAT ? "/v1/chat/completions" : "/v1/responses");
            CHECK_EQ_STR(jx_str(jx_obj(q, "body"), "model", ""), "fake-model");
            break;
        }
        json_decref(reqs);
        llm_provider_release(&p);
    }
}

static const char *key_env(void *ctx, const char *name)
{
    BX_UNUSED(ctx);
    return strstr(name, "_API_KEY") ? "preset-key" : NULL;
}

/* Every OpenAI-compatible preset, resolved from settings as a user would
 * configure it, speaking to the fake: a tool turn and its answer. */
TEST(presets_against_fake)
{
    const char *ids[] = {"openai", "azure", "deepseek", "groq", "mistral", "xai", "openrouter",
                         "together", "fireworks", "cerebras", "ollama", "lm-studio", "llama.cpp",
                         "vllm", "custom"};
    for (size_t i = 0; i < BX_ARRAY_LEN(ids); i++) {
        char settings_text[512];
        snprintf(settings_text, sizeof(settings_text),
                 "{\"providers\":{\"%s\":{\"base_url\":\"http://127.0.0.1:%d%s\","
                 "\"retry\":{\"base_ms\":10}}}}", ids[i], fake_port,
                 strcmp(ids[i], "azure") == 0 ? "/openai/deployments/{model}" : "/v1");
        json_t *settings = json_loads(settings_text, 0, NULL);
        char spec[64];
        snprintf(spec, sizeof(spec), "%s/dep-model", ids[i]);
        llm_provider p;
        char *model = NULL;
        bx_error d;
        const workspace_config *cfg = workspace_config_from_json(settings, NULL);
        bx_err err = llm_provider_resolve(spec, cfg, NULL, NULL, key_env, NULL, &p, &model, &d);
        workspace_config_release(cfg);
        json_decref(settings);
        if (err)
            fprintf(stderr, "%s: %s\n", spec, d.message);
        REQUIRE(err == BX_OK);
        fake_script("{\"turns\":[{\"thinking\":\"hmm\",\"tool_calls\":[{\"id\":\"call_x\",\"name\":\"read\","
                    "\"arguments\":{\"path\":\"a\"}}]},{\"text\":\"done\"}]}");
        /* turn 1: the model calls a tool */
        llm_block u = {.type = LLM_BLOCK_TEXT, .text = "go"};
        llm_message msgs[3] = {{LLM_ROLE_USER, &u, 1}};
        llm_request req;
        llm_request_init(&req);
        req.model = model;
        req.messages = msgs;
        req.n_messages = 1;
        llm_response r;
        llm_response_init(&r);
        CHECK_EQ_INT(llm_call(&p, &req, llm_response_sink, &r, NULL, NULL), BX_OK);
        REQUIRE(r.calls.len == 1);
        llm_tool_call *c = bx_vec_at(&r.calls, 0);
        json_t *input = json_loadb(c->args.data, c->args.len, 0, NULL);
        /* turn 2: send the call and its result back */
        llm_block a[2] = {{.type = LLM_BLOCK_THINKING, .text = r.thinking.data},
                          {.type = LLM_BLOCK_TOOL_USE, .id = c->id, .name = c->name, .input = input}};
        llm_block t = {.type = LLM_BLOCK_TOOL_RESULT, .id = c->id, .text = "file contents"};
        msgs[1] = (llm_message){LLM_ROLE_ASSISTANT, a, 2};
        msgs[2] = (llm_message){LLM_ROLE_USER, &t, 1};
        req.n_messages = 3;
        llm_response r2;
        llm_response_init(&r2);
        CHECK_EQ_INT(llm_call(&p, &req, llm_response_sink, &r2, NULL, NULL), BX_OK);
        CHECK_EQ_STR(r2.text.data, "done");
        json_t *reqs = fake_requests();
        json_t *q = json_array_get(reqs, 1);
        json_t *h = jx_obj(q, "headers");
        json_t *body = jx_obj(q, "body");
        json_t *msgs_json = jx_arr(body, "messages");
        json_t *asst = json_array_get(msgs_json, 1), *tool = json_array_get(msgs_json, 2);
        const char *sent_id = jx_str(json_array_get(jx_arr(asst, "tool_calls"), 0), "id", "");
        CHECK_EQ_STR(jx_str(tool, "role", ""), "tool");
        CHECK_EQ_STR(jx_str(tool, "tool_call_id", "?"), sent_id);
        if (strcmp(ids[i], "azure") == 0) {
            CHECK_EQ_STR(jx_str(q, "path", ""), "/openai/deployments/dep-model/chat/completions?api-version=2024-10-21");
            CHECK_EQ_STR(jx_str(h, "api-key", ""), "preset-key");
            CHECK(jx_str(h, "authorization", NULL) == NULL);
        } else {
            CHECK_EQ_STR(jx_str(q, "path", ""), "/v1/chat/completions");
            CHECK_EQ_STR(jx_str(h, "authorization", ""), "Bearer preset-key");
        }
        if (strcmp(ids[i], "mistral") == 0)
            CHECK(strlen(sent_id) == 9 && strcmp(sent_id, "call_x") != 0);
        else
            CHECK_EQ_STR(sent_id, "call_x");
        if (strcmp(ids[i], "deepseek") == 0)
            CHECK_EQ_STR(jx_str(asst, "reasoning_content", ""), "hmm");
        else
            CHECK(jx_str(asst, "reasoning_content", NULL) == NULL);
        CHECK(json_object_get(body, strcmp(ids[i], "openai") == 0 || strcmp(ids[i], "azure") == 0
                                        ? "max_completion_tokens" : "max_tokens") != NULL);
        json_decref(reqs);
        json_decref(input);
        llm_response_release(&r);
        llm_response_release(&r2);
        llm_provider_release(&p);
        bx_free(model);
    }
}

/* Every retry is announced to the sink before its backoff, with the attempt
 * about to start, the delay (Retry-After when given) and why. */
TEST(retry_events)
{
    FOR_EACH_API(api) {
        run_result r;
        /* 429 with retry-after-ms: one notification, the server's delay */
        run(api, "{\"turns\":[{\"fault\":{\"type\":\"rate_limit\",\"retry_after_ms\":300}},{\"text\":\"ok\"}]}", &r);
        CHECK_EQ_INT(r.err, BX_OK);
        CHECK_EQ_INT(r.n_rt, 1);
        CHECK_EQ_INT(r.r.retries, 1);
        CHECK_EQ_INT(r.rt[0].attempt, 2);
        CHECK_EQ_INT(r.rt[0].delay_ms, 300);
        CHECK_EQ_INT(r.rt[0].err, BX_RATELIMIT);
        CHECK_EQ_INT(r.rt[0].status, 429);
        CHECK(r.rt[0].msg[0] != 0); /* the provider's own message */
        CHECK(!r.rt_late);
        CHECK_EQ_STR(r.r.text.data, "ok");
        CHECK_EQ_INT(r.r.err, BX_OK); /* a retry is not an error */
        done(&r);
        /* a 500 then an overload: two notifications, exponential backoff with
         * equal jitter from retry_base_ms = 10 (5-10 ms, then 10-20 ms) */
        run(api, "{\"turns\":[{\"fault\":{\"type\":\"server_error\"}},{\"fault\":{\"type\":\"overloaded\"}},"
                 "{\"text\":\"ok\"}]}", &r);
        CHECK_EQ_INT(r.err, BX_OK);
        CHECK_EQ_INT(r.n_rt, 2);
        CHECK_EQ_INT(r.rt[0].attempt, 2);
        CHECK_EQ_INT(r.rt[1].attempt, 3);
        CHECK_EQ_INT(r.rt[0].err, BX_SERVER);
        CHECK_EQ_INT(r.rt[0].status, 500);
        CHECK_EQ_INT(r.rt[1].err, BX_SERVER);
        CHECK_EQ_INT(r.rt[1].status, api == LLM_API_ANTHROPIC ? 529 : 503);
        CHECK(r.rt[0].delay_ms >= 5 && r.rt[0].delay_ms <= 10);
        CHECK(r.rt[1].delay_ms >= 10 && r.rt[1].delay_ms <= 20);
        CHECK(!r.rt_late);
        done(&r);
        /* retries run out: max_retries (3) notifications, none after the last attempt */
        run(api, "{\"default\":{\"fault\":{\"type\":\"http_error\",\"status\":500}}}", &r);
        CHECK_EQ_INT(r.err, BX_SERVER);
        CHECK_EQ_INT(r.stats.attempts, 4);
        CHECK_EQ_INT(r.n_rt, 3);
        for (int i = 0; i < 3 && i < r.n_rt; i++)
            CHECK_EQ_INT(r.rt[i].attempt, i + 2);
        done(&r);
        /* a reset before any event: NETWORK */
        run(api, "{\"turns\":[{\"text\":\"x\",\"fault\":{\"type\":\"disconnect\",\"after_events\":0}},"
                 "{\"text\":\"again\"}]}", &r);
        CHECK_EQ_INT(r.err, BX_OK);
        CHECK_EQ_INT(r.n_rt, 1);
        CHECK_EQ_INT(r.rt[0].err, BX_NETWORK);
        done(&r);
        /* no retry once output began, so no notification */
        run(api, "{\"turns\":[{\"text\":\"abcdefghij\",\"chunk\":2,"
                 "\"fault\":{\"type\":\"disconnect\",\"after_events\":4}}],\"default\":{\"text\":\"no\"}}", &r);
        CHECK_EQ_INT(r.err, BX_NETWORK);
        CHECK_EQ_INT(r.n_rt, 0);
        done(&r);
    }
    run_result r;
    /* Retry-After in seconds becomes delay_ms */
    run(LLM_API_GEMINI, "{\"turns\":[{\"fault\":{\"type\":\"rate_limit\",\"retry_after\":1}},{\"text\":\"ok\"}]}", &r);
    CHECK_EQ_INT(r.err, BX_OK);
    CHECK_EQ_INT(r.n_rt, 1);
    CHECK_EQ_INT(r.rt[0].delay_ms, 1000);
    done(&r);
    /* a Retry-After beyond retry_max_ms is reported, not retried: no notification */
    run(LLM_API_OPENAI_CHAT, "{\"turns\":[{\"fault\":{\"type\":\"rate_limit\",\"retry_after\":3600}},{\"text\":\"ok\"}]}", &r);
    CHECK_EQ_INT(r.err, BX_RATELIMIT);
    CHECK_EQ_INT(r.n_rt, 0);
    done(&r);
    /* the sink can refuse the retry: the call ends at once, without sleeping */
    llm_provider p;
    provider_for(LLM_API_ANTHROPIC, &p);
    fake_script("{\"turns\":[{\"fault\":{\"type\":\"rate_limit\",\"retry_after\":2}},{\"text\":\"ok\"}]}");
    stop_on_retry = true;
    run_opts(&p, "hi", true, NULL, &r);
    stop_on_retry = false;
    CHECK_EQ_INT(r.err, BX_CANCELLED);
    CHECK_EQ_INT(r.n_rt, 1);
    CHECK_EQ_INT(r.stats.attempts, 1);
    CHECK(r.stats.total_ns < 1500000000u);
    done(&r);
    llm_provider_release(&p);
}

TEST(connection_refused_is_network)
{
    llm_provider p;
    provider_for(LLM_API_ANTHROPIC, &p);
    bx_free(p.base_url);
    p.base_url = bx_strdup("http://127.0.0.1:1");
    p.max_retries = 1;
    run_result r;
    run_opts(&p, "hi", true, NULL, &r);
    CHECK_EQ_INT(r.err, BX_NETWORK);
    CHECK_EQ_INT(r.stats.attempts, 2);
    done(&r);
    llm_provider_release(&p);
}

TEST_MAIN()
