/* bench_agent.c: the agent loop's own cost per turn, and memory over a long
 * session.
 *
 * An in-process model replies instantly (a line of text and one call of a
 * no-op ReadOnly tool per turn), so what remains is the runtime: settling
 * and permission checks, event emission, message building, store writes,
 * request assembly. Overhead per turn = the time between two model calls
 * minus the time spent inside the model and the tool (encoding the request
 * for the wire, Anthropic's format, counts as overhead); the median is
 * printed for three store settings. Then a 200-turn session with 4 KiB
 * tool results, compaction on, reports RSS above a fresh start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"

typedef struct bench_model {
    int turn, turns;
    uint64_t last_entry, inside_ns, tool_ns;
    double *overhead_us;  /* the loop's own cost per turn */
    double *encode_us;    /* encoding that turn's request for the wire */
    size_t n_overhead;
    uint64_t last_enc_ns;
    size_t result_bytes;
    int summaries;
    size_t encoded_bytes; /* checksum: request bytes encoded */
} bench_model;

static bx_err bench_call(void *ctx, const llm_request *req, llm_sink_fn sink, void *sctx,
                         llm_cancel *cancel)
{
    BX_UNUSED(cancel);
    bench_model *m = ctx;
    uint64_t t0 = bx_mono_ns();
    if (req->n_tools == 0) {
        /* a compaction request */
        m->summaries++;
        llm_event ev = {.type = LLM_EV_MESSAGE_START, .id = "s", .text = BX_SLICE_LIT("m")};
        sink(sctx, &ev);
        ev = (llm_event){.type = LLM_EV_TEXT_DELTA, .text = BX_SLICE_LIT("summary of the work so far")};
        sink(sctx, &ev);
        ev = (llm_event){.type = LLM_EV_STOP, .stop = LLM_STOP_END_TURN};
        sink(sctx, &ev);
        return BX_OK;
    }
    if (m->last_entry && m->n_overhead < (size_t)m->turns) {
        uint64_t between = t0 - m->last_entry;
        uint64_t excl = m->inside_ns + m->tool_ns + m->last_enc_ns;
        m->encode_us[m->n_overhead] = (double)m->last_enc_ns / 1e3;
        m->overhead_us[m->n_overhead++] = (double)(between > excl ? between - excl : 0) / 1e3;
    }
    m->last_entry = t0;
    m->tool_ns = 0;
    m->turn++;
    /* the request as it would go on the wire (Anthropic): counted as overhead */
    uint64_t enc0 = bx_mono_ns();
    llm_provider p;
    llm_provider_init(&p);
    p.api = LLM_API_ANTHROPIC;
    bx_free(p.base_url);
    p.base_url = bx_strdup("http://127.0.0.1:9");
    bx_free(p.api_key);
    p.api_key = bx_strdup("bench");
    llm_http_request h;
    llm_http_request_init(&h);
    bx_error e;
    bx_error_clear(&e);
    if (llm_encode(&p, req, &h, &e) != BX_OK && m->turn == 1)
        fprintf(stderr, "encode: %s\n", e.message);
    m->encoded_bytes += h.body.len;
    llm_http_request_release(&h);
    llm_provider_release(&p);
    uint64_t enc_ns = bx_mono_ns() - enc0;
    m->last_enc_ns = enc_ns;
    char id[32];
    snprintf(id, sizeof(id), "call_%d", m->turn);
    /* the model's own work (building events) is excluded; the runtime's
     * handling of each event (the sink) is counted */
    uint64_t sink_ns = 0, s0;
#define EMIT(e)                              \
    do {                                     \
        s0 = bx_mono_ns();                   \
        sink(sctx, &(e));                    \
        sink_ns += bx_mono_ns() - s0;        \
    } while (0)
    llm_event ev = {.type = LLM_EV_MESSAGE_START, .id = "msg", .text = BX_SLICE_LIT("m")};
    EMIT(ev);
    ev = (llm_event){.type = LLM_EV_TEXT_DELTA, .text = BX_SLICE_LIT("Looking at the next file.")};
    EMIT(ev);
    if (m->turn < m->turns) {
        ev = (llm_event){.type = LLM_EV_TOOL_CALL_START, .index = 0, .id = id, .name = "noop"};
        EMIT(ev);
        ev = (llm_event){.type = LLM_EV_TOOL_CALL_DELTA, .index = 0, .text = BX_SLICE_LIT("{\"file_path\":\"src/main.c\"}")};
        EMIT(ev);
        ev = (llm_event){.type = LLM_EV_TOOL_CALL_END, .index = 0};
        EMIT(ev);
    }
    /* usage as a provider would count it: the request's size */
    int64_t bytes = 4000;
    for (size_t i = 0; i < req->n_messages; i++)
        for (size_t k = 0; k < req->messages[i].n_blocks; k++) {
            const llm_block *b = &req->messages[i].blocks[k];
            bytes += 20 + (int64_t)(b->text ? strlen(b->text) : 0);
        }
    ev = (llm_event){.type = LLM_EV_USAGE, .usage = {.input_tokens = bytes / 4, .output_tokens = 30}};
    EMIT(ev);
    ev = (llm_event){.type = LLM_EV_STOP, .stop = m->turn < m->turns ? LLM_STOP_TOOL_USE : LLM_STOP_END_TURN};
    EMIT(ev);
    uint64_t total = bx_mono_ns() - t0;
    m->inside_ns = total > sink_ns + enc_ns ? total - sink_ns - enc_ns : 0;
    return BX_OK;
}

static bx_err noop_tool(void *ctx, agent_call *call, const json_t *in, agent_tool_result *out)
{
    BX_UNUSED(call);
    BX_UNUSED(in);
    bench_model *m = ctx;
    uint64_t t0 = bx_mono_ns();
    char *s = bx_malloc(m->result_bytes + 1);
    for (size_t i = 0; i < m->result_bytes; i++)
        s[i] = i % 64 == 63 ? '\n' : (char)('a' + i % 26);
    s[m->result_bytes] = '\0';
    out->content = s;
    m->tool_ns += bx_mono_ns() - t0;
    return BX_OK;
}

static void sink(void *ctx, const json_t *ev)
{
    size_t *n = ctx;
    (*n)++;
    BX_UNUSED(ev);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static long rss_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long v = -1;
    size_t kl = strlen(key);
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, key, kl) == 0)
            v = atol(line + kl + 1);
    fclose(f);
    return v;
}

/* Runs one session of `turns` turns; returns the median overhead in us. */
static double session(const char *label, int turns, size_t result_bytes, int store_mode,
                      int64_t window, int *out_compactions)
{
    char dir[] = "/tmp/bx-bench-agent-XXXXXX";
    if (!mkdtemp(dir))
        return -1;
    workspace *ws = NULL;
    store *st = NULL;
    bx_error e;
    if (workspace_open(dir, NULL, &e, &ws) != BX_OK)
        return -1;
    if (store_mode) {
        store_options so = {.sync_normal = store_mode == 2};
        if (store_open(workspace_db_path(ws), &so, &st, &e) != BX_OK)
            return -1;
    }
    bench_model m = {.turns = turns, .result_bytes = result_bytes};
    m.overhead_us = calloc((size_t)turns + 1, sizeof(double));
    m.encode_us = calloc((size_t)turns + 1, sizeof(double));
    json_t *schema = json_loads("{\"type\":\"object\",\"properties\":{\"file_path\":{\"type\":\"string\"}}}", 0, NULL);
    agent_tool tool = {"noop", "does nothing", AGENT_LEVEL_READONLY, schema, noop_tool, &m};
    agent_model model = {.call = bench_call, .ctx = &m, .model_id = "bench"};
    snprintf(model.spec, sizeof(model.spec), "bench/model");
    model.info.context_window = window;
    size_t events = 0;
    agent_config cfg = {.ws = ws, .st = st, .model = &model, .agent_name = "build", .tools = &tool,
                        .n_tools = 1, .sink = sink, .sink_ctx = &events, .max_turns = turns + 10};
    agent_run *run = NULL;
    agent_run_new(&cfg, &run, &e);
    uint64_t t0 = bx_mono_ns();
    agent_outcome o = agent_run_exec(run, "go through every file", &e);
    double total_ms = (double)(bx_mono_ns() - t0) / 1e6;
    agent_stats stats;
    agent_run_stats(run, &stats);
    size_t first = m.n_overhead < 50 ? m.n_overhead : 50;
    double *early = calloc(first + 1, sizeof(double));
    memcpy(early, m.overhead_us, first * sizeof(double));
    qsort(early, first, sizeof(double), cmp_double);
    qsort(m.overhead_us, m.n_overhead, sizeof(double), cmp_double);
    qsort(m.encode_us, m.n_overhead, sizeof(double), cmp_double);
    double med = m.n_overhead ? m.overhead_us[m.n_overhead / 2] : -1;
    double p90 = m.n_overhead ? m.overhead_us[m.n_overhead * 9 / 10] : -1;
    double enc = m.n_overhead ? m.encode_us[m.n_overhead / 2] : -1;
    printf("%-34s %4d turns %-9s loop/turn median %7.1f us (first 50 turns %7.1f us, p90 %8.1f us); "
           "wire encoding median %7.1f us, mean request %5.0f KiB; %d compactions, %.0f ms total, "
           "%zu events\n",
           label, stats.turns, agent_outcome_name(o), med, first ? early[first / 2] : -1, p90, enc,
           (double)m.encoded_bytes / 1024 / (stats.turns ? stats.turns : 1), stats.compactions,
           total_ms, events);
    free(early);
    free(m.encode_us);
    if (out_compactions)
        *out_compactions = stats.compactions;
    agent_run_free(run);
    json_decref(schema);
    free(m.overhead_us);
    store_close(st);
    workspace_close(ws);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return med;
}

int main(void)
{
    bx_log_set_level(BX_LOG_WARN);
    printf("agent loop overhead (model and tool time excluded; in-process instant model)\n");
    session("no store", 500, 1024, 0, 200000, NULL);
    session("store, synchronous=NORMAL", 500, 1024, 2, 200000, NULL);
    session("store, synchronous=FULL (default)", 200, 1024, 1, 200000, NULL);

    long fresh = rss_kb("VmRSS:");
    long hwm0 = rss_kb("VmHWM:");
    int compactions = 0;
    session("200-turn session, 4 KiB results", 200, 4096, 2, 200000, &compactions);
    long after = rss_kb("VmRSS:");
    long hwm = rss_kb("VmHWM:");
    printf("200-turn session RSS: fresh %ld KiB, after %ld KiB (+%.1f MiB), peak %ld KiB "
           "(+%.1f MiB over the peak before), %d compactions\n",
           fresh, after, (double)(after - fresh) / 1024, hwm, (double)(hwm - hwm0) / 1024,
           compactions);
    return 0;
}
