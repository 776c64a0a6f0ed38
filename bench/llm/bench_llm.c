/* bench_llm.c: the llm layer's two budgets, measured without a network.
 *  1. SSE parsing throughput (target >= 300 MB/s) on a realistic stream of
 *     small Anthropic-style delta events and on a stream of large events,
 *     fed in 16 KiB pieces like curl's, against memchr over the same bytes
 *     as the native baseline; plus parse+decode (JSON and adapter) for scale.
 *  2. Per-request overhead (target <= 1 ms) for a 100 KB conversation:
 *     encode the request (body, URL, headers) and decode a typical streamed
 *     reply through the SSE parser, decoder and collector, per adapter.
 * Each kernel runs >= 100 ms per repetition; medians of 7; checksums printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm/llm.h"

#define REPS 7
#define FEED 16384

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), cmp_double);
    return v[n / 2];
}

/* ------------------------------------------------------------- SSE parse */

static uint64_t sse_parse_all(const bx_buf *in)
{
    llm_sse p;
    llm_sse_init(&p, 1 << 20);
    uint64_t sum = 0;
    for (size_t off = 0; off < in->len; off += FEED) {
        size_t n = BX_MIN((size_t)FEED, in->len - off), pos = 0;
        while (pos < n) {
            size_t used;
            llm_sse_event ev;
            llm_sse_status st = llm_sse_feed(&p, in->data + off + pos, n - pos, &used, &ev, NULL);
            pos += used;
            if (st != LLM_SSE_EVENT)
                break;
            sum += ev.data.len + ev.event.len;
        }
    }
    llm_sse_release(&p);
    return sum;
}

static uint64_t memchr_all(const bx_buf *in)
{
    uint64_t lines = 0;
    const char *p = in->data, *end = in->data + in->len;
    while ((p = memchr(p, '\n', (size_t)(end - p)))) {
        lines++;
        p++;
    }
    return lines;
}

static int null_sink(void *ctx, const llm_event *ev)
{
    (*(uint64_t *)ctx) += ev->text.len + 1;
    return 0;
}

static uint64_t parse_decode_all(const bx_buf *in, llm_api api)
{
    llm_provider prov;
    llm_provider_init(&prov);
    prov.api = api;
    uint64_t sum = 0;
    llm_decoder *d = llm_decoder_new(&prov, null_sink, &sum);
    llm_sse p;
    llm_sse_init(&p, 1 << 20);
    for (size_t off = 0; off < in->len; off += FEED) {
        size_t n = BX_MIN((size_t)FEED, in->len - off), pos = 0;
        while (pos < n) {
            size_t used;
            llm_sse_event ev;
            llm_sse_status st = llm_sse_feed(&p, in->data + off + pos, n - pos, &used, &ev, NULL);
            pos += used;
            if (st != LLM_SSE_EVENT)
                break;
            llm_decoder_sse(d, &ev);
        }
    }
    llm_sse_release(&p);
    llm_decoder_free(d);
    llm_provider_release(&prov);
    return sum;
}

typedef uint64_t (*kernel_fn)(const bx_buf *in, llm_api api);

static uint64_t k_sse(const bx_buf *in, llm_api api) { BX_UNUSED(api); return sse_parse_all(in); }
static uint64_t k_memchr(const bx_buf *in, llm_api api) { BX_UNUSED(api); return memchr_all(in); }

/* MB/s median; each repetition loops the kernel for >= 100 ms. */
static double mbps(kernel_fn k, const bx_buf *in, llm_api api, uint64_t *out_check)
{
    double v[REPS];
    for (int r = 0; r < REPS; r++) {
        uint64_t t0 = bx_mono_ns(), bytes = 0, check = 0;
        do {
            check += k(in, api);
            bytes += in->len;
        } while (bx_mono_ns() - t0 < 100000000u);
        v[r] = (double)bytes / 1e6 / ((double)(bx_mono_ns() - t0) / 1e9);
        *out_check = check;
    }
    return median(v, REPS);
}

static void make_small_events(bx_buf *b, size_t target)
{
    int i = 0;
    bx_buf_puts(b, "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\","
                   "\"model\":\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}\n\n"
                   "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                   "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
    while (b->len < target)
        bx_buf_printf(b, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                         "\"delta\":{\"type\":\"text_delta\",\"text\":\"token %d of the reply, some words \"}}\n\n",
                      i++);
}

static void make_big_events(bx_buf *b, size_t target)
{
    char chunk[8193];
    for (int i = 0; i < 8192; i++)
        chunk[i] = (char)('a' + i % 26);
    chunk[8192] = '\0';
    while (b->len < target) {
        bx_buf_puts(b, "data: {\"choices\":[{\"delta\":{\"content\":\"");
        bx_buf_puts(b, chunk);
        bx_buf_puts(b, "\"}}]}\n\n");
    }
}

/* --------------------------------------------------- per-request overhead */

#define TURNS 40

typedef struct convo {
    llm_message msgs[3 * TURNS + 1];
    llm_block blocks[3 * TURNS + 1][2];
    json_t *inputs[TURNS];
    char ids[TURNS][16];
    char *texts[3];
    llm_tool tools[8];
    json_t *schema;
    llm_request req;
} convo;

static void make_convo(convo *c)
{
    memset(c, 0, sizeof(*c));
    /* ~1 KB of user text, ~0.5 KB of assistant text, ~0.9 KB of tool output per turn */
    size_t sizes[3] = {1000, 500, 900};
    for (int k = 0; k < 3; k++) {
        c->texts[k] = bx_malloc(sizes[k] + 1);
        for (size_t i = 0; i < sizes[k]; i++)
            c->texts[k][i] = (i % 7 == 6) ? ' ' : (char)('a' + (i * 7 + (size_t)k) % 26);
        c->texts[k][sizes[k]] = '\0';
    }
    c->schema = json_loads("{\"type\":\"object\",\"properties\":{\"file_path\":{\"type\":\"string\","
                           "\"description\":\"Path of the file to read, relative to the root\"},"
                           "\"offset\":{\"type\":\"integer\"},\"limit\":{\"type\":\"integer\"}},"
                           "\"required\":[\"file_path\"]}", 0, NULL);
    static const char *names[8] = {"read", "write", "edit", "glob", "grep", "ls", "bash", "web_fetch"};
    for (int i = 0; i < 8; i++)
        c->tools[i] = (llm_tool){names[i], "A tool of the sandbox with a description of moderate length.",
                                 c->schema};
    size_t m = 0;
    for (int t = 0; t < TURNS; t++) {
        snprintf(c->ids[t], sizeof(c->ids[t]), "call_%d", t);
        c->inputs[t] = json_pack("{s:s,s:i}", "file_path", "src/some/file.c", "offset", t);
        if (t == 0) {
            c->blocks[m][0] = (llm_block){.type = LLM_BLOCK_TEXT, .text = c->texts[0]};
            c->msgs[m] = (llm_message){LLM_ROLE_USER, c->blocks[m], 1};
        } else {
            c->blocks[m][0] = (llm_block){.type = LLM_BLOCK_TOOL_RESULT, .id = c->ids[t - 1], .text = c->texts[2]};
            c->blocks[m][1] = (llm_block){.type = LLM_BLOCK_TEXT, .text = c->texts[0]};
            c->msgs[m] = (llm_message){LLM_ROLE_USER, c->blocks[m], 2};
        }
        m++;
        c->blocks[m][0] = (llm_block){.type = LLM_BLOCK_TEXT, .text = c->texts[1]};
        c->blocks[m][1] = (llm_block){.type = LLM_BLOCK_TOOL_USE, .id = c->ids[t], .name = "read",
                                      .input = c->inputs[t]};
        c->msgs[m] = (llm_message){LLM_ROLE_ASSISTANT, c->blocks[m], 2};
        m++;
    }
    c->blocks[m][0] = (llm_block){.type = LLM_BLOCK_TOOL_RESULT, .id = c->ids[TURNS - 1], .text = c->texts[2]};
    c->msgs[m] = (llm_message){LLM_ROLE_USER, c->blocks[m], 1};
    m++;
    llm_request_init(&c->req);
    c->req.model = "bench-model";
    c->req.system = "You are a careful coding agent working inside a sandbox.";
    c->req.messages = c->msgs;
    c->req.n_messages = m;
    c->req.tools = c->tools;
    c->req.n_tools = 8;
    c->req.max_tokens = 4096;
}

static void free_convo(convo *c)
{
    for (int k = 0; k < 3; k++)
        bx_free(c->texts[k]);
    for (int t = 0; t < TURNS; t++)
        json_decref(c->inputs[t]);
    json_decref(c->schema);
}

/* A typical reply: some text and one tool call, in the protocol's format. */
static void reply_stream(llm_api api, bx_buf *b)
{
    switch (api) {
    case LLM_API_ANTHROPIC:
        bx_buf_puts(b, "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"x\",\"usage\":{\"input_tokens\":25000,\"output_tokens\":1}}}\n\n"
                       "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
        for (int i = 0; i < 20; i++)
            bx_buf_puts(b, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"some words \"}}\n\n");
        bx_buf_puts(b, "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
                       "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"read\",\"input\":{}}}\n\n"
                       "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"file_path\\\": \\\"a.c\\\"}\"}}\n\n"
                       "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n"
                       "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":60}}\n\n"
                       "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        break;
    case LLM_API_OPENAI_CHAT:
        for (int i = 0; i < 20; i++)
            bx_buf_puts(b, "data: {\"id\":\"c\",\"model\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"some words \"},\"finish_reason\":null}]}\n\n");
        bx_buf_puts(b, "data: {\"id\":\"c\",\"model\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"t\",\"type\":\"function\",\"function\":{\"name\":\"read\",\"arguments\":\"{\\\"file_path\\\": \\\"a.c\\\"}\"}}]},\"finish_reason\":null}]}\n\n"
                       "data: {\"id\":\"c\",\"model\":\"x\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n"
                       "data: {\"id\":\"c\",\"model\":\"x\",\"choices\":[],\"usage\":{\"prompt_tokens\":25000,\"completion_tokens\":60}}\n\n"
                       "data: [DONE]\n\n");
        break;
    case LLM_API_OPENAI_RESPONSES:
        bx_buf_puts(b, "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"r\",\"model\":\"x\"}}\n\n");
        for (int i = 0; i < 20; i++)
            bx_buf_puts(b, "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"item_id\":\"m\",\"output_index\":0,\"content_index\":0,\"delta\":\"some words \"}\n\n");
        bx_buf_puts(b, "event: response.output_item.added\ndata: {\"type\":\"response.output_item.added\",\"output_index\":1,\"item\":{\"id\":\"fc\",\"type\":\"function_call\",\"call_id\":\"t\",\"name\":\"read\",\"arguments\":\"\"}}\n\n"
                       "event: response.function_call_arguments.delta\ndata: {\"type\":\"response.function_call_arguments.delta\",\"item_id\":\"fc\",\"output_index\":1,\"delta\":\"{\\\"file_path\\\": \\\"a.c\\\"}\"}\n\n"
                       "event: response.output_item.done\ndata: {\"type\":\"response.output_item.done\",\"output_index\":1,\"item\":{\"id\":\"fc\",\"type\":\"function_call\",\"call_id\":\"t\",\"name\":\"read\",\"arguments\":\"{}\"}}\n\n"
                       "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":\"r\",\"status\":\"completed\",\"usage\":{\"input_tokens\":25000,\"output_tokens\":60}}}\n\n");
        break;
    case LLM_API_GEMINI:
        for (int i = 0; i < 20; i++)
            bx_buf_puts(b, "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"some words \"}],\"role\":\"model\"},\"index\":0}],\"modelVersion\":\"x\",\"responseId\":\"r\"}\r\n\r\n");
        bx_buf_puts(b, "data: {\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"name\":\"read\",\"args\":{\"file_path\":\"a.c\"}}}],\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":25000,\"candidatesTokenCount\":60},\"modelVersion\":\"x\",\"responseId\":\"r\"}\r\n\r\n");
        break;
    }
}

static uint64_t one_request(const llm_provider *p, const convo *c, const bx_buf *reply, size_t *out_body)
{
    llm_http_request h;
    llm_http_request_init(&h);
    bx_error detail;
    llm_encode(p, &c->req, &h, &detail);
    *out_body = h.body.len;
    uint64_t check = h.body.len + h.headers.len;
    llm_response r;
    llm_response_init(&r);
    llm_decoder *d = llm_decoder_new(p, llm_response_sink, &r);
    llm_sse sse;
    llm_sse_init(&sse, p->max_event_bytes);
    size_t pos = 0;
    while (pos < reply->len) {
        size_t used;
        llm_sse_event ev;
        llm_sse_status st = llm_sse_feed(&sse, reply->data + pos, reply->len - pos, &used, &ev, NULL);
        pos += used;
        if (st != LLM_SSE_EVENT)
            break;
        llm_decoder_sse(d, &ev);
    }
    llm_decoder_finish(d);
    check += r.text.len + r.calls.len + (uint64_t)r.stop;
    llm_sse_release(&sse);
    llm_decoder_free(d);
    llm_response_release(&r);
    llm_http_request_release(&h);
    return check;
}

int main(int argc, char **argv)
{
    /* `bench_llm sse` or `bench_llm request` runs one half (for profiling) */
    bool only_sse = argc > 1 && strcmp(argv[1], "sse") == 0;
    bool only_req = argc > 1 && strcmp(argv[1], "request") == 0;
    bx_buf small, big;
    bx_buf_init(&small, BX_BUF_UNLIMITED);
    bx_buf_init(&big, BX_BUF_UNLIMITED);
    if (only_req)
        goto requests;
    make_small_events(&small, 8u << 20);
    make_big_events(&big, 8u << 20);
    uint64_t c1, c2, c3, c4, c5;
    double base_small = mbps(k_memchr, &small, 0, &c1);
    double sse_small = mbps(k_sse, &small, 0, &c2);
    double base_big = mbps(k_memchr, &big, 0, &c3);
    double sse_big = mbps(k_sse, &big, 0, &c4);
    double dec_small = mbps(parse_decode_all, &small, LLM_API_ANTHROPIC, &c5);
    printf("SSE parse, small events (%.1f MB, ~170 B/event): %8.0f MB/s  (memchr baseline %6.0f MB/s, ratio %.2f)  check %llu\n",
           (double)small.len / 1e6, sse_small, base_small, sse_small / base_small, (unsigned long long)c2);
    printf("SSE parse, 8 KB events     (%.1f MB):               %8.0f MB/s  (memchr baseline %6.0f MB/s, ratio %.2f)  check %llu\n",
           (double)big.len / 1e6, sse_big, base_big, sse_big / base_big, (unsigned long long)c4);
    printf("SSE parse + JSON + anthropic decoder, small events:  %8.0f MB/s  check %llu\n", dec_small,
           (unsigned long long)c5);
    printf("target: SSE parsing >= 300 MB/s\n\n");
requests:
    bx_buf_release(&small);
    bx_buf_release(&big);
    if (only_sse)
        return 0;

    convo *c = bx_calloc(1, sizeof(*c));
    make_convo(c);
    llm_api apis[] = {LLM_API_OPENAI_CHAT, LLM_API_OPENAI_RESPONSES, LLM_API_ANTHROPIC, LLM_API_GEMINI};
    for (size_t a = 0; a < BX_ARRAY_LEN(apis); a++) {
        llm_provider p;
        llm_provider_init(&p);
        p.api = apis[a];
        p.id = bx_strdup("bench");
        p.base_url = bx_strdup("http://127.0.0.1:1/v1");
        p.api_key = bx_strdup("sk-bench");
        bx_buf reply;
        bx_buf_init(&reply, BX_BUF_UNLIMITED);
        reply_stream(apis[a], &reply);
        double v[REPS];
        size_t body = 0;
        uint64_t check = 0;
        for (int r = 0; r < REPS; r++) {
            uint64_t t0 = bx_mono_ns();
            int n = 0;
            do {
                check += one_request(&p, c, &reply, &body);
                n++;
            } while (bx_mono_ns() - t0 < 100000000u);
            v[r] = (double)(bx_mono_ns() - t0) / n / 1e3;
        }
        printf("per request, %-16s: %7.1f us  (request body %zu bytes, reply %zu bytes)  check %llu\n",
               llm_api_name(apis[a]), median(v, REPS), body, reply.len, (unsigned long long)check);
        bx_buf_release(&reply);
        llm_provider_release(&p);
    }
    printf("target: per-request layer overhead <= 1000 us for a 100 KB conversation\n");
    free_convo(c);
    bx_free(c);
    return 0;
}
