/* test_transcripts.c: data-driven decoding. Each tests/llm/data/transcripts/
 * <api>-<name>.sse is a stream written from the provider's documentation;
 * <api>-<name>.body.json a non-streamed response; <api>-<name>.events the
 * neutral events expected, one JSON object per line. Streams are fed whole,
 * byte by byte and in 13-byte pieces, and must decode identically. Also:
 * error classification with each provider's wording, and the collector. */
#include <dirent.h>
#include <string.h>

#include "llm/llm.h"
#include "test.h"

static const char *src_dir(void)
{
    const char *s = getenv("BX_SOURCE_DIR");
    return s ? s : ".";
}

static bool api_of(const char *name, llm_api *out)
{
    if (strncmp(name, "openai-chat-", 12) == 0)
        *out = LLM_API_OPENAI_CHAT;
    else if (strncmp(name, "openai-responses-", 17) == 0)
        *out = LLM_API_OPENAI_RESPONSES;
    else if (strncmp(name, "anthropic-", 10) == 0)
        *out = LLM_API_ANTHROPIC;
    else if (strncmp(name, "gemini-", 7) == 0)
        *out = LLM_API_GEMINI;
    else
        return false;
    return true;
}

static int collect(void *ctx, const llm_event *ev)
{
    json_array_append_new((json_t *)ctx, llm_event_json(ev));
    return 0;
}

/* Decodes a stream in pieces of `step` bytes into a JSON array of events. */
static json_t *decode_stream(llm_api api, const char *data, size_t len, size_t step)
{
    llm_provider p;
    llm_provider_init(&p);
    p.api = api;
    json_t *events = json_array();
    llm_decoder *d = llm_decoder_new(&p, collect, events);
    llm_sse sse;
    llm_sse_init(&sse, 1 << 20);
    for (size_t off = 0; off < len;) {
        size_t n = step ? BX_MIN(step, len - off) : len - off;
        size_t pos = 0;
        while (pos < n) {
            size_t used;
            llm_sse_event ev;
            bx_error detail;
            llm_sse_status st = llm_sse_feed(&sse, data + off + pos, n - pos, &used, &ev, &detail);
            pos += used;
            if (st != LLM_SSE_EVENT)
                break;
            llm_decoder_sse(d, &ev);
        }
        off += n;
    }
    llm_decoder_finish(d);
    llm_sse_release(&sse);
    llm_decoder_free(d);
    llm_provider_release(&p);
    return events;
}

static json_t *decode_body(llm_api api, const char *data, size_t len)
{
    llm_provider p;
    llm_provider_init(&p);
    p.api = api;
    json_t *events = json_array();
    llm_decoder *d = llm_decoder_new(&p, collect, events);
    llm_decoder_body(d, data, len);
    llm_decoder_free(d);
    llm_provider_release(&p);
    return events;
}

static json_t *load_events(const char *path)
{
    bx_buf b;
    bx_buf_init(&b, 1 << 20);
    json_t *arr = json_array();
    if (bx_read_file(path, 1 << 20, &b) == BX_OK) {
        char *save = NULL;
        for (char *line = strtok_r(b.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            json_t *v = json_loads(line, 0, NULL);
            if (!v) {
                fprintf(stderr, "%s: bad line: %s\n", path, line);
                v = json_null();
            }
            json_array_append_new(arr, v);
        }
    } else {
        fprintf(stderr, "cannot read %s\n", path);
    }
    bx_buf_release(&b);
    return arr;
}

static bool same_events(const char *label, json_t *got, json_t *want)
{
    if (json_equal(got, want))
        return true;
    fprintf(stderr, "%s: events differ\n", label);
    size_t n = BX_MAX(json_array_size(got), json_array_size(want));
    for (size_t i = 0; i < n; i++) {
        char *g = json_dumps(json_array_get(got, i), JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        char *w = json_dumps(json_array_get(want, i), JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        bool eq = json_equal(json_array_get(got, i), json_array_get(want, i));
        fprintf(stderr, "  %s got:  %s\n  %s want: %s\n", eq ? " " : "!", g ? g : "(none)",
                eq ? " " : "!", w ? w : "(none)");
        free(g);
        free(w);
    }
    return false;
}

TEST(transcripts)
{
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/tests/llm/data/transcripts", src_dir());
    DIR *d = opendir(dir);
    REQUIRE(d);
    struct dirent *e;
    int streams = 0, bodies = 0;
    bool apis[4] = {false, false, false, false};
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        bool is_sse = n > 4 && strcmp(e->d_name + n - 4, ".sse") == 0;
        bool is_body = n > 10 && strcmp(e->d_name + n - 10, ".body.json") == 0;
        if (!is_sse && !is_body)
            continue;
        llm_api api;
        REQUIRE(api_of(e->d_name, &api));
        apis[api] = true;
        char path[8192], epath[8192];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        snprintf(epath, sizeof(epath), "%s/%.*s.events", dir,
                 (int)(n - (is_sse ? 4 : 10)), e->d_name);
        bx_buf in;
        bx_buf_init(&in, 1 << 20);
        REQUIRE(bx_read_file(path, 1 << 20, &in) == BX_OK);
        json_t *want = load_events(epath);
        CHECK(json_array_size(want) > 0);
        if (is_sse) {
            size_t steps[] = {0, 1, 13};
            for (size_t i = 0; i < BX_ARRAY_LEN(steps); i++) {
                json_t *got = decode_stream(api, in.data, in.len, steps[i]);
                char label[600];
                snprintf(label, sizeof(label), "%s (pieces of %zu)", e->d_name, steps[i]);
                CHECK(same_events(label, got, want));
                json_decref(got);
            }
            streams++;
        } else {
            json_t *got = decode_body(api, in.data, in.len);
            CHECK(same_events(e->d_name, got, want));
            json_decref(got);
            bodies++;
        }
        json_decref(want);
        bx_buf_release(&in);
    }
    closedir(d);
    CHECK(streams >= 12);
    CHECK(bodies >= 4);
    for (int i = 0; i < 4; i++)
        CHECK(apis[i]);
}

/* Malformed JSON inside a stream is a PROTOCOL error naming the problem. */
TEST(malformed_json_in_stream)
{
    const char *s = "data: {\"id\":\"x\",\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n"
                    "data: {\"choices\": [ {\n\n";
    json_t *got = decode_stream(LLM_API_OPENAI_CHAT, s, strlen(s), 0);
    json_t *last = json_array_get(got, json_array_size(got) - 1);
    CHECK_EQ_STR(jx_str(last, "type", ""), "error");
    CHECK_EQ_STR(jx_str(last, "code", ""), "PROTOCOL");
    CHECK(strstr(jx_str(last, "message", ""), "malformed JSON") != NULL);
    json_decref(got);
}

/* Nothing after the terminal event reaches the sink. */
TEST(nothing_after_stop)
{
    const char *s = "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"
                    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                    "\"delta\":{\"type\":\"text_delta\",\"text\":\"late\"}}\n\n";
    json_t *got = decode_stream(LLM_API_ANTHROPIC, s, strlen(s), 0);
    json_t *last = json_array_get(got, json_array_size(got) - 1);
    CHECK_EQ_STR(jx_str(last, "type", ""), "stop");
    json_decref(got);
}

static bx_err classify(llm_api api, int status, const char *body, char *msg, size_t cap)
{
    bx_buf m;
    bx_buf_init(&m, 4096);
    bx_err err = llm_classify_error(api, status, body, strlen(body), &m);
    snprintf(msg, cap, "%s", m.data);
    bx_buf_release(&m);
    return err;
}

TEST(error_classification)
{
    char msg[512];
    CHECK_EQ_INT(classify(LLM_API_OPENAI_CHAT, 400,
                          "{\"error\":{\"message\":\"This model's maximum context length is 128000 tokens.\","
                          "\"type\":\"invalid_request_error\",\"param\":\"messages\",\"code\":\"context_length_exceeded\"}}",
                          msg, sizeof(msg)), BX_CONTEXT);
    CHECK_EQ_STR(msg, "This model's maximum context length is 128000 tokens.");
    CHECK_EQ_INT(classify(LLM_API_OPENAI_RESPONSES, 400,
                          "{\"error\":{\"message\":\"Your input exceeds the context window of this model.\","
                          "\"type\":\"invalid_request_error\",\"code\":\"context_length_exceeded\"}}",
                          msg, sizeof(msg)), BX_CONTEXT);
    CHECK_EQ_INT(classify(LLM_API_ANTHROPIC, 400,
                          "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                          "\"message\":\"prompt is too long: 208310 tokens > 200000 maximum\"}}",
                          msg, sizeof(msg)), BX_CONTEXT);
    CHECK_EQ_STR(msg, "prompt is too long: 208310 tokens > 200000 maximum");
    CHECK_EQ_INT(classify(LLM_API_GEMINI, 400,
                          "{\"error\":{\"code\":400,\"message\":\"The input token count (1200000) exceeds "
                          "the maximum number of tokens allowed (1048576).\",\"status\":\"INVALID_ARGUMENT\"}}",
                          msg, sizeof(msg)), BX_CONTEXT);
    CHECK_EQ_INT(classify(LLM_API_ANTHROPIC, 401,
                          "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid x-api-key\"}}",
                          msg, sizeof(msg)), BX_AUTH);
    CHECK_EQ_INT(classify(LLM_API_GEMINI, 400,
                          "{\"error\":{\"code\":400,\"message\":\"API key not valid. Please pass a valid API key.\","
                          "\"status\":\"INVALID_ARGUMENT\"}}", msg, sizeof(msg)), BX_AUTH);
    CHECK_EQ_INT(classify(LLM_API_OPENAI_CHAT, 429,
                          "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}",
                          msg, sizeof(msg)), BX_RATELIMIT);
    CHECK_EQ_INT(classify(LLM_API_ANTHROPIC, 529,
                          "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}",
                          msg, sizeof(msg)), BX_SERVER);
    CHECK_EQ_INT(classify(LLM_API_GEMINI, 500, "<html>oops</html>", msg, sizeof(msg)), BX_SERVER);
    CHECK_EQ_STR(msg, "<html>oops</html>");
    CHECK_EQ_INT(classify(LLM_API_OPENAI_CHAT, 400,
                          "{\"error\":{\"message\":\"Invalid value for 'messages'.\",\"type\":\"invalid_request_error\"}}",
                          msg, sizeof(msg)), BX_INVALID);
    CHECK_EQ_INT(classify(LLM_API_GEMINI, 429,
                          "[{\"error\":{\"code\":429,\"message\":\"Resource has been exhausted\",\"status\":\"RESOURCE_EXHAUSTED\"}}]",
                          msg, sizeof(msg)), BX_RATELIMIT);
    CHECK_EQ_STR(msg, "Resource has been exhausted");
}

TEST(collector_builds_message)
{
    llm_response r;
    llm_response_init(&r);
    llm_event evs[] = {
        {.type = LLM_EV_MESSAGE_START, .id = "m1", .text = BX_SLICE_LIT("model-x")},
        {.type = LLM_EV_THINKING_DELTA, .text = BX_SLICE_LIT("think")},
        {.type = LLM_EV_THINKING_SIGNATURE, .text = BX_SLICE_LIT("sig")},
        {.type = LLM_EV_TEXT_DELTA, .text = BX_SLICE_LIT("Hel")},
        {.type = LLM_EV_TEXT_DELTA, .text = BX_SLICE_LIT("lo")},
        {.type = LLM_EV_TOOL_CALL_START, .index = 0, .id = "c1", .name = "read"},
        {.type = LLM_EV_TOOL_CALL_DELTA, .index = 0, .text = BX_SLICE_LIT("{\"a\":")},
        {.type = LLM_EV_TOOL_CALL_DELTA, .index = 0, .text = BX_SLICE_LIT("1}")},
        {.type = LLM_EV_TOOL_CALL_END, .index = 0},
        {.type = LLM_EV_TOOL_CALL_START, .index = 1, .id = "c2", .name = "ls"},
        {.type = LLM_EV_TOOL_CALL_DELTA, .index = 1, .text = BX_SLICE_LIT("{broken")},
        {.type = LLM_EV_USAGE, .usage = {.input_tokens = 5, .output_tokens = 7}},
        {.type = LLM_EV_STOP, .stop = LLM_STOP_TOOL_USE},
    };
    for (size_t i = 0; i < BX_ARRAY_LEN(evs); i++)
        CHECK(llm_response_sink(&r, &evs[i]) == 0);
    CHECK_EQ_STR(r.text.data, "Hello");
    CHECK_EQ_STR(r.model, "model-x");
    CHECK(r.stop == LLM_STOP_TOOL_USE);
    CHECK_EQ_INT(r.calls.len, 2);
    json_t *msg = llm_response_message_json(&r);
    json_t *want = json_loads(
        "{\"role\":\"assistant\",\"content\":[{\"type\":\"thinking\",\"thinking\":\"think\",\"signature\":\"sig\"},"
        "{\"type\":\"text\",\"text\":\"Hello\"},{\"type\":\"tool_use\",\"id\":\"c1\",\"name\":\"read\",\"input\":{\"a\":1}},"
        "{\"type\":\"tool_use\",\"id\":\"c2\",\"name\":\"ls\",\"input\":{}}]}", 0, NULL);
    CHECK(json_equal(msg, want));
    json_decref(msg);
    json_decref(want);
    llm_response_release(&r);
}

TEST_MAIN()
