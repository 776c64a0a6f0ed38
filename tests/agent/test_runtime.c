/* test_runtime.c: budgets, compaction and its pairing invariant, context
 * overflow recovery, max_tokens continuation, cancellation mid-stream and
 * mid-tool, provider retries as `retry` events, and crash + resume —
 * against the fake LLM server. */
#include <pthread.h>

#include "harness.h"

#define CALL(id, name, args, in) "{\"tool_calls\":[{\"id\":\"" id "\",\"name\":\"" name "\",\"arguments\":" args "}],\"usage\":{\"input\":" in ",\"output\":20}}"
#define TEXT(t) "{\"text\":\"" t "\",\"usage\":{\"input\":120,\"output\":10}}"

/* ---------------------------------------------------------------- budgets */

TEST(budget_max_turns)
{
    scenario sc;
    REQUIRE(scenario_init(&sc, "{\"default\":" CALL("c", "read", "{\"file_path\":\"a\"}", "10") "}", NULL));
    sc.cfg.max_turns = 2;
    CHECK_EQ_INT(scenario_exec(&sc, "loop forever"), AGENT_OUTCOME_MAX_TURNS);
    CHECK_EQ_INT(request_count(&sc), 2);
    CHECK_EQ_STR(jx_str(nth_event(&sc, "run_end", 0), "outcome", ""), "max_turns");
    scenario_release(&sc);
}

TEST(budget_max_cost)
{
    scenario sc;
    REQUIRE(scenario_init(&sc, "{\"default\":" CALL("c", "read", "{\"file_path\":\"a\"}", "1000000") "}", NULL));
    REQUIRE(sc.model.info.price_input > 0);
    sc.cfg.max_cost_usd = 0.5;
    CHECK_EQ_INT(scenario_exec(&sc, "spend"), AGENT_OUTCOME_MAX_COST);
    CHECK_EQ_INT(request_count(&sc), 1);
    json_t *u = nth_event(&sc, "usage", 0);
    CHECK(jx_num(u, "cost_usd", 0) > 0.5);
    CHECK_EQ_STR(jx_str(nth_event(&sc, "run_end", 0), "outcome", ""), "max_cost");
    scenario_release(&sc);
}

TEST(budget_max_tokens)
{
    scenario sc;
    REQUIRE(scenario_init(&sc, "{\"default\":" CALL("c", "read", "{\"file_path\":\"a\"}", "400") "}", NULL));
    sc.cfg.max_tokens = 1000;
    CHECK_EQ_INT(scenario_exec(&sc, "spend"), AGENT_OUTCOME_MAX_TOKENS);
    CHECK_EQ_INT(request_count(&sc), 3); /* 420, 840, 1260 */
    scenario_release(&sc);
}

TEST(budget_max_time)
{
    scenario sc;
    REQUIRE(scenario_init(&sc, "{\"turns\":[{\"text\":\"slow reply\",\"fault\":{\"type\":\"hold\",\"after_events\":3}}]}", NULL));
    sc.cfg.max_time_ms = 300;
    uint64_t t0 = bx_mono_ns();
    CHECK_EQ_INT(scenario_exec(&sc, "wait"), AGENT_OUTCOME_MAX_TIME);
    fprintf(stderr, "max_time 300 ms: exec returned after %.0f ms\n", (double)(bx_mono_ns() - t0) / 1e6);
    CHECK_EQ_STR(jx_str(nth_event(&sc, "run_end", 0), "outcome", ""), "max_time");
    scenario_release(&sc);
}

/* ------------------------------------------------------------- compaction */

/* Every tool_use in an assistant message is answered in the next message. */
static bool paired(json_t *body)
{
    json_t *msgs = jx_arr(body, "messages");
    for (size_t i = 0; i < json_array_size(msgs); i++) {
        json_t *m = json_array_get(msgs, i);
        size_t k;
        json_t *b;
        json_array_foreach(jx_arr(m, "content"), k, b) {
            if (strcmp(jx_str(b, "type", ""), "tool_use") != 0)
                continue;
            json_t *next = json_array_get(msgs, i + 1);
            bool found = false;
            size_t j;
            json_t *r;
            json_array_foreach(jx_arr(next, "content"), j, r) found |=
                strcmp(jx_str(r, "type", ""), "tool_result") == 0 &&
                strcmp(jx_str(r, "tool_use_id", ""), jx_str(b, "id", "?")) == 0;
            if (!found)
                return false;
        }
        json_array_foreach(jx_arr(m, "content"), k, b) {
            if (strcmp(jx_str(b, "type", ""), "tool_result") != 0)
                continue;
            json_t *prev = i ? json_array_get(msgs, i - 1) : NULL;
            bool found = false;
            size_t j;
            json_t *u;
            json_array_foreach(jx_arr(prev, "content"), j, u) found |=
                strcmp(jx_str(u, "type", ""), "tool_use") == 0 &&
                strcmp(jx_str(u, "id", ""), jx_str(b, "tool_use_id", "?")) == 0;
            if (!found)
                return false;
        }
    }
    return true;
}

TEST(compaction_trigger_and_pairing)
{
    scenario sc;
    REQUIRE(scenario_init(&sc, "{\"rules\":[{\"match\":{\"has_tools\":false},\"text\":\"SUMMARY-XYZ\",\"times\":5}],"
                               "\"turns\":[" TEXT("first answer") ","
                               CALL("t1", "read", "{\"file_path\":\"a\"}", "1500") ","
                               CALL("t2", "read", "{\"file_path\":\"b\"}", "300") ","
                               TEXT("second answer") "]}", NULL));
    sc.model.info.context_window = 2000;
    sc.cfg.compact_threshold = 0.5;
    CHECK_EQ_INT(scenario_exec(&sc, "FIRST-TASK"), AGENT_OUTCOME_COMPLETED);
    CHECK_EQ_INT(scenario_exec(&sc, "second task"), AGENT_OUTCOME_COMPLETED);
    CHECK_EQ_INT(count_events(&sc, "compaction"), 1);
    json_t *reqs = fake_requests(&sc.f);
    size_t n = json_array_size(reqs);
    CHECK_EQ_INT(n, 5); /* first, t1, summary, t2, second */
    size_t summaries = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *body = jx_obj(json_array_get(reqs, i), "body");
        CHECK(paired(body));
        if (!jx_arr(body, "tools")) {
            summaries++;
            char *t = jx_dumps(body);
            CHECK(t && strstr(t, "FIRST-TASK")); /* the old part is what gets summarised */
            free(t);
        }
    }
    CHECK_EQ_INT(summaries, 1);
    char *last = request_text(reqs, n - 1);
    CHECK(last && strstr(last, "SUMMARY-XYZ"));
    CHECK(last && !strstr(last, "FIRST-TASK"));
    CHECK(last && strstr(last, "second task"));
    free(last);
    json_t *c = nth_event(&sc, "compaction", 0);
    CHECK(jx_int(c, "before_tokens", 0) > jx_int(c, "after_tokens", 0));
    CHECK_EQ_INT(jx_int(c, "summarized_messages", 0), 2);
    json_decref(reqs);

    /* a resumed session rebuilds the compacted context from the store */
    char sid[37];
    snprintf(sid, sizeof(sid), "%s", agent_run_session_id(sc.run));
    agent_run_free(sc.run);
    sc.run = NULL;
    sc.cfg.session_id = sid;
    REQUIRE(fake_script(&sc.f, "{\"turns\":[" TEXT("third answer") "]}"));
    CHECK_EQ_INT(scenario_exec(&sc, "third task"), AGENT_OUTCOME_COMPLETED);
    CHECK(request_contains(&sc, 0, "SUMMARY-XYZ"));
    CHECK(!request_contains(&sc, 0, "FIRST-TASK"));
    CHECK(request_contains(&sc, 0, "second answer"));
    reqs = fake_requests(&sc.f);
    CHECK(paired(jx_obj(json_array_get(reqs, 0), "body")));
    json_decref(reqs);
    scenario_release(&sc);
}

TEST(compaction_stops_after_three_failures)
{
    scenario sc;
    REQUIRE(scenario_init(&sc, "{\"rules\":[{\"match\":{\"has_tools\":false},\"fault\":{\"type\":\"invalid\"},\"times\":10}],"
                               "\"turns\":[" TEXT("first") ","
                               CALL("a1", "read", "{\"file_path\":\"a\"}", "1500") ","
                               CALL("a2", "read", "{\"file_path\":\"a\"}", "1500") ","
                               CALL("a3", "read", "{\"file_path\":\"a\"}", "1500") ","
                               CALL("a4", "read", "{\"file_path\":\"a\"}", "1500") ","
                               CALL("a5", "read", "{\"file_path\":\"a\"}", "1500") ","
                               TEXT("done") "]}", NULL));
    sc.model.info.context_window = 2000;
    sc.cfg.compact_threshold = 0.5;
    CHECK_EQ_INT(scenario_exec(&sc, "one"), AGENT_OUTCOME_COMPLETED);
    CHECK_EQ_INT(scenario_exec(&sc, "two"), AGENT_OUTCOME_COMPLETED);
    json_t *reqs = fake_requests(&sc.f);
    size_t summaries = 0, i;
    json_t *r;
    json_array_foreach(reqs, i, r) summaries += jx_arr(jx_obj(r, "body"), "tools") == NULL;
    CHECK_EQ_INT(summaries, 3);
    json_decref(reqs);
    CHECK_EQ_INT(count_events(&sc, "compaction"), 0);
    scenario_release(&sc);
}

TEST(context_exceeded_compacts_and_retries_once)
{
    scenario sc;
    REQUIRE(scenario_init(&sc, "{\"rules\":[{\"match\":{\"has_tools\":false},\"text\":\"SUMMARY-CTX\"}],"
                               "\"turns\":[" TEXT("first") ",{\"fault\":{\"type\":\"context_length\"}}," TEXT("after retry") "]}", NULL));
    CHECK_EQ_INT(scenario_exec(&sc, "one"), AGENT_OUTCOME_COMPLETED);
    CHECK_EQ_INT(scenario_exec(&sc, "two"), AGENT_OUTCOME_COMPLETED);
    CHECK_EQ_INT(count_events(&sc, "compaction"), 1);
    json_t *e = nth_event(&sc, "error", 0);
    CHECK_EQ_STR(jx_str(e, "code", ""), "CONTEXT");
    CHECK(jx_bool(e, "retryable", false));
    CHECK(request_contains(&sc, 3, "SUMMARY-CTX"));
    CHECK_EQ_INT(count_events(&sc, "retry"), 1);
    CHECK_EQ_INT(jx_int(nth_event(&sc, "retry", 0), "attempt", 0), 2);
    scenario_release(&sc);

    /* a second overflow in a row is an error */
    REQUIRE(scenario_init(&sc, "{\"rules\":[{\"match\":{\"has_tools\":false},\"text\":\"S\"}],"
                               "\"turns\":[" TEXT("first") ",{\"fault\":{\"type\":\"context_length\"}},"
                               "{\"fault\":{\"type\":\"context_length\"}}]}", NULL));
    CHECK_EQ_INT(scenario_exec(&sc, "one"), AGENT_OUTCOME_COMPLETED);
    CHECK_EQ_INT(scenario_exec(&sc, "two"), AGENT_OUTCOME_ERROR);
    CHECK_EQ_STR(jx_str(nth_event(&sc, "run_end", 1), "outcome", ""), "error");
    scenario_release(&sc);
}

TEST(max_tokens_continuation)
{
    scenario sc;
    REQUIRE(scenario_init(&sc, "{\"turns\":[{\"text\":\"part one\",\"stop\":\"max_tokens\"}," TEXT("part two") "]}", NULL));
    CHECK_EQ_INT(scenario_exec(&sc, "long answer"), AGENT_OUTCOME_COMPLETED);
    CHECK_EQ_INT(request_count(&sc), 2);
    CHECK(request_contains(&sc, 1, "cut off by the output limit"));
    CHECK(request_contains(&sc, 1, "part one"));
    CHECK_EQ_STR(jx_str(nth_event(&sc, "message_end", 0), "stop_reason", ""), "max_tokens");
    CHECK_EQ_INT(jx_int(nth_event(&sc, "run_end", 0), "turns", 0), 1);
    scenario_release(&sc);

    REQUIRE(scenario_init(&sc, "{\"default\":{\"text\":\"more\",\"stop\":\"max_tokens\"}}", NULL));
    CHECK_EQ_INT(scenario_exec(&sc, "endless"), AGENT_OUTCOME_COMPLETED);
    CHECK_EQ_INT(request_count(&sc), 4); /* the reply and three continuations */
    CHECK_EQ_STR(jx_str(nth_event(&sc, "error", 0), "code", ""), "LIMIT");
    scenario_release(&sc);
}

/* ----------------------------------------------------------- cancellation */

typedef struct canceller {
    scenario *sc;
    const char *after_event; /* wait for this event first */
    int64_t after_ms;
    uint64_t at_ns;
} canceller;

static void *cancel_later(void *arg)
{
    canceller *c = arg;
    for (int i = 0; i < 2000; i++) { /* up to 20 s on a loaded machine */
        pthread_mutex_lock(&c->sc->lock);
        size_t n = count_events(c->sc, c->after_event);
        pthread_mutex_unlock(&c->sc->lock);
        if (n)
            break;
        usleep(10000);
    }
    usleep((useconds_t)(c->after_ms * 1000));
    c->at_ns = bx_mono_ns();
    agent_run_cancel(c->sc->run);
    return NULL;
}

static double exec_cancelled(scenario *sc, const char *prompt, const char *after_event,
                             agent_outcome *out)
{
    bx_error e;
    if (agent_run_new(&sc->cfg, &sc->run, &e) != BX_OK) {
        *out = AGENT_OUTCOME_ERROR;
        return -1;
    }
    canceller c = {sc, after_event, 100, 0};
    pthread_t th;
    pthread_create(&th, NULL, cancel_later, &c);
    *out = scenario_exec(sc, prompt);
    uint64_t end = bx_mono_ns();
    pthread_join(th, NULL);
    return c.at_ns ? (double)(end - c.at_ns) / 1e6 : -1;
}

TEST(cancel_mid_stream)
{
    scenario sc;
    REQUIRE(scenario_init(&sc, "{\"turns\":[{\"text\":\"streaming a long reply that never ends\",\"chunk\":4,"
                               "\"fault\":{\"type\":\"hold\",\"after_events\":5}}]}", NULL));
    agent_outcome o;
    double ms = exec_cancelled(&sc, "talk", "text_delta", &o);
    CHECK_EQ_INT(o, AGENT_OUTCOME_CANCELLED);
    fprintf(stderr, "cancel mid-stream: exec returned %.1f ms after agent_run_cancel\n", ms);
    CHECK(count_events(&sc, "text_delta") >= 1);
    CHECK_EQ_STR(jx_str(nth_event(&sc, "run_end", 0), "outcome", ""), "cancelled");
    /* the partial reply was kept */
    store_message_list ml;
    REQUIRE(store_messages_get(sc.st, agent_run_session_id(sc.run), 0, 0, &ml, NULL) == BX_OK);
    CHECK_EQ_INT(ml.len, 2);
    store_message_list_release(&ml);
    scenario_release(&sc);
}

TEST(cancel_mid_tool)
{
    scenario sc;
    REQUIRE(scenario_init(&sc, "{\"turns\":[" CALL("s1", "slow", "{}", "10") "," TEXT("never") "]}", NULL));
    sc.ts.stats[T_SLOW].wait_ms = 30000;
    agent_outcome o;
    double ms = exec_cancelled(&sc, "wait", "tool_start", &o);
    CHECK_EQ_INT(o, AGENT_OUTCOME_CANCELLED);
    fprintf(stderr, "cancel mid-tool: exec returned %.1f ms after agent_run_cancel\n", ms);
    CHECK_EQ_INT(request_count(&sc), 1);
    store_tool_call tc;
    REQUIRE(store_tool_call_get(sc.st, agent_run_session_id(sc.run), "s1", &tc, NULL) == BX_OK);
    CHECK_EQ_INT(tc.status, STORE_TOOL_CANCELLED);
    store_tool_call_release(&tc);
    json_t *te = nth_event(&sc, "tool_end", 0);
    CHECK(jx_bool(te, "is_error", false));
    CHECK(strstr(jx_str(te, "content", ""), "cancelled") != NULL);
    scenario_release(&sc);
}

/* A 429 on the first request: the provider layer's retry becomes exactly
 * one `retry` event, between the run's start and the reply, and the run
 * completes; a cancel during the backoff ends the run at once. */
TEST(provider_retry_is_an_event)
{
    scenario sc;
    REQUIRE(scenario_init(&sc, "{\"turns\":[{\"fault\":{\"type\":\"rate_limit\",\"retry_after_ms\":200}},"
                               TEXT("after the wait") "]}", NULL));
    sc.backend.p.max_retries = 2;
    CHECK_EQ_INT(scenario_exec(&sc, "hello"), AGENT_OUTCOME_COMPLETED);
    CHECK_EQ_INT(count_events(&sc, "retry"), 1);
    json_t *r = nth_event(&sc, "retry", 0);
    CHECK_EQ_INT(jx_int(r, "attempt", 0), 2);
    CHECK_EQ_INT(jx_int(r, "delay_ms", 0), 200);
    CHECK_EQ_STR(jx_str(r, "code", ""), "RATELIMIT");
    CHECK_EQ_INT(jx_int(r, "status", 0), 429);
    CHECK(strncmp(jx_str(r, "reason", ""), "HTTP 429: ", 10) == 0 && strlen(jx_str(r, "reason", "")) > 10);
    CHECK_EQ_INT(request_count(&sc), 2);
    CHECK_EQ_INT(count_events(&sc, "error"), 0);
    CHECK_EQ_STR(jx_str(nth_event(&sc, "run_end", 0), "outcome", ""), "completed");
    /* the retry has its place in the one ordered event stream: after run_start,
     * before the reply's text, with a dense seq like every other event */
    size_t i, at_retry = 0, at_text = 0;
    json_t *ev;
    int64_t prev = 0;
    bool dense = true;
    json_array_foreach(sc.events, i, ev) {
        const char *type = jx_str(ev, "type", "");
        if (strcmp(type, "retry") == 0)
            at_retry = i;
        if (strcmp(type, "text_delta") == 0 && !at_text)
            at_text = i;
        int64_t seq = jx_int(ev, "seq", 0);
        dense &= prev == 0 || seq == prev + 1;
        prev = seq;
    }
    CHECK(dense);
    CHECK(at_retry > 0 && at_retry < at_text);
    CHECK_EQ_STR(jx_str(json_array_get(sc.events, 0), "type", ""), "run_start");
    CHECK_EQ_STR(jx_str(r, "session_id", ""), agent_run_session_id(sc.run));
    scenario_release(&sc);

    /* cancel 100 ms into a 2 s backoff */
    REQUIRE(scenario_init(&sc, "{\"turns\":[{\"fault\":{\"type\":\"rate_limit\",\"retry_after\":2}},"
                               TEXT("never") "]}", NULL));
    sc.backend.p.max_retries = 2;
    agent_outcome o;
    double ms = exec_cancelled(&sc, "hello", "retry", &o);
    CHECK_EQ_INT(o, AGENT_OUTCOME_CANCELLED);
    fprintf(stderr, "cancel during a retry backoff: exec returned %.1f ms after agent_run_cancel\n", ms);
    CHECK(ms >= 0 && ms < 1000); /* far below the 2 s wait: the backoff was cut short */
    CHECK_EQ_INT(count_events(&sc, "retry"), 1);
    CHECK_EQ_INT(request_count(&sc), 1);
    CHECK_EQ_STR(jx_str(nth_event(&sc, "run_end", 0), "outcome", ""), "cancelled");
    scenario_release(&sc);
}

/* ------------------------------------------------------------ crash, resume */

TEST(crash_and_resume)
{
    scenario sc;
    REQUIRE(scenario_init(&sc, "{\"turns\":[{\"tool_calls\":["
                               "{\"id\":\"k0\",\"name\":\"read\",\"arguments\":{\"file_path\":\"a\"}},"
                               "{\"id\":\"k1\",\"name\":\"slow\",\"arguments\":{}}]}," TEXT("resumed fine") "]}", NULL));
    sc.cfg.parallel_limit = 1;
    store_close(sc.st);
    sc.st = NULL;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        /* the child: its own store handle, and a tool that dies mid-call */
        bx_error e;
        if (store_open(workspace_db_path(sc.ws), NULL, &sc.st, &e) != BX_OK)
            _exit(2);
        sc.cfg.st = sc.st;
        sc.ts.stats[T_SLOW].crash = true;
        scenario_exec(&sc, "TASK-BEFORE-CRASH");
        _exit(3);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);

    bx_error e;
    REQUIRE(store_open(workspace_db_path(sc.ws), NULL, &sc.st, &e) == BX_OK);
    REQUIRE(store_check(sc.st, false, NULL) == BX_OK);
    store_session_list sl;
    REQUIRE(store_sessions_list(sc.st, 0, NULL, &sl, NULL) == BX_OK);
    REQUIRE(sl.len == 1);
    char sid[37];
    snprintf(sid, sizeof(sid), "%s", sl.items[0].id);
    store_session_list_release(&sl);
    store_tool_call tc;
    REQUIRE(store_tool_call_get(sc.st, sid, "k1", &tc, NULL) == BX_OK);
    CHECK_EQ_INT(tc.status, STORE_TOOL_RUNNING); /* what the crash left */
    store_tool_call_release(&tc);

    sc.cfg.st = sc.st;
    sc.cfg.session_id = sid;
    CHECK_EQ_INT(scenario_exec(&sc, "continue please"), AGENT_OUTCOME_COMPLETED);
    CHECK_EQ_STR(agent_run_session_id(sc.run), sid);
    CHECK(request_contains(&sc, 1, "TASK-BEFORE-CRASH"));
    CHECK(request_contains(&sc, 1, "interrupted"));
    CHECK(request_contains(&sc, 1, "ran with")); /* k0 finished before the crash: its result is kept */
    CHECK(request_contains(&sc, 1, "continue please"));
    json_t *reqs = fake_requests(&sc.f);
    CHECK(paired(jx_obj(json_array_get(reqs, 1), "body")));
    json_decref(reqs);
    REQUIRE(store_tool_call_get(sc.st, sid, "k1", &tc, NULL) == BX_OK);
    CHECK_EQ_INT(tc.status, STORE_TOOL_CANCELLED);
    store_tool_call_release(&tc);
    /* event seqs continue above anything the dead run could have used */
    CHECK(jx_int(nth_event(&sc, "run_start", 0), "seq", 0) > 4096);
    scenario_release(&sc);
}

TEST(resume_unknown_session_is_an_error)
{
    scenario sc;
    REQUIRE(scenario_init(&sc, "{\"turns\":[" TEXT("x") "]}", NULL));
    sc.cfg.session_id = "01234567-89ab-7def-8123-456789abcdef";
    CHECK_EQ_INT(scenario_exec(&sc, "hi"), AGENT_OUTCOME_ERROR);
    CHECK_EQ_INT(request_count(&sc), 0);
    CHECK_EQ_STR(jx_str(nth_event(&sc, "error", 0), "code", ""), "NOTFOUND");
    scenario_release(&sc);
}

TEST_MAIN()
