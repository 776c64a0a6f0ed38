/* harness.h: agent tests against the fake LLM server (tests/fakes/fake_llm.py).
 *
 * Starts the fake with a script, builds a model backend that reaches it with
 * the Anthropic protocol through llm_call (no retries, so a script mistake
 * fails fast), a temporary workspace with its store, and test tools of each
 * permission level. A scenario runs one exec and keeps every event.
 */
#ifndef BX_AGENT_HARNESS_H
#define BX_AGENT_HARNESS_H

#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/agent.h"
#include "test.h"

typedef struct fake {
    pid_t pid;
    int port;
    char url[64];
} fake;

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    fclose(f);
    return 0;
}

static bool fake_start(fake *f, const char *script)
{
    char path[] = "/tmp/bx-agent-script-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return false;
    if (write(fd, script, strlen(script)) != (ssize_t)strlen(script)) {
        close(fd);
        return false;
    }
    close(fd);
    const char *src = getenv("BX_SOURCE_DIR");
    char fake_py[1024];
    snprintf(fake_py, sizeof(fake_py), "%s/tests/fakes/fake_llm.py", src ? src : ".");
    int p[2];
    if (pipe(p) != 0)
        return false;
    f->pid = fork();
    if (f->pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        execlp("python3", "python3", fake_py, "--port", "0", "--script", path, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    char line[32] = "";
    size_t n = 0;
    while (n + 1 < sizeof(line)) {
        ssize_t r = read(p[0], line + n, 1);
        if (r <= 0 || line[n] == '\n')
            break;
        n++;
    }
    line[n] = '\0';
    close(p[0]);
    unlink(path);
    f->port = atoi(line);
    snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%d", f->port);
    return f->port > 0;
}

static void fake_stop(fake *f)
{
    if (f->pid > 0) {
        kill(f->pid, SIGTERM);
        waitpid(f->pid, NULL, 0);
        f->pid = 0;
    }
}

static size_t collect(char *p, size_t s, size_t n, void *ud)
{
    bx_buf_append(ud, p, s * n);
    return s * n;
}

static json_t *fake_http(fake *f, const char *path, const char *post)
{
    CURL *c = curl_easy_init();
    char url[256];
    snprintf(url, sizeof(url), "%s%s", f->url, path);
    bx_buf b;
    bx_buf_init(&b, 256u << 20);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    if (post)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
    curl_easy_perform(c);
    curl_easy_cleanup(c);
    json_t *v = json_loadb(b.data, b.len, 0, NULL);
    bx_buf_release(&b);
    return v;
}

/* The requests the fake received, as an array. */
static json_t *fake_requests(fake *f) { return fake_http(f, "/_fake/requests", NULL); }

__attribute__((unused)) static bool fake_script(fake *f, const char *script)
{
    json_t *r = fake_http(f, "/_fake/script", script);
    bool ok = jx_bool(r, "ok", false);
    json_decref(r);
    return ok;
}

/* Request i's body as compact text (for substring checks). */
static char *request_text(json_t *reqs, size_t i)
{
    return jx_dumps(jx_obj(json_array_get(reqs, i), "body"));
}

/* ------------------------------------------------------------ the model */

typedef struct test_backend {
    llm_provider p;
} test_backend;

/* Stands between the provider and the loop to play a hostile model: the
 * arguments of calls whose id starts with "bad" arrive as broken JSON
 * (the fake itself only sends well-formed arguments). */
typedef struct hostile_sink {
    llm_sink_fn sink;
    void *ctx;
    bool bad[64];
} hostile_sink;

static int hostile(void *ctx, const llm_event *ev)
{
    hostile_sink *h = ctx;
    if (ev->type == LLM_EV_TOOL_CALL_START && ev->index >= 0 && ev->index < 64) {
        h->bad[ev->index] = ev->id && strncmp(ev->id, "bad", 3) == 0;
        if (h->bad[ev->index]) {
            int r = h->sink(h->ctx, ev);
            llm_event d = {.type = LLM_EV_TOOL_CALL_DELTA, .index = ev->index,
                           .text = BX_SLICE_LIT("{\"file_path\": \"x\", oops")};
            return r ? r : h->sink(h->ctx, &d);
        }
    }
    if (ev->type == LLM_EV_TOOL_CALL_DELTA && ev->index >= 0 && ev->index < 64 && h->bad[ev->index])
        return 0;
    return h->sink(h->ctx, ev);
}

static bx_err test_call(void *ctx, const llm_request *req, llm_sink_fn sink, void *sctx,
                        llm_cancel *cancel)
{
    test_backend *b = ctx;
    hostile_sink h = {.sink = sink, .ctx = sctx};
    return llm_call(&b->p, req, hostile, &h, cancel, NULL);
}

static void model_init(agent_model *m, test_backend *b, fake *f)
{
    memset(m, 0, sizeof(*m));
    llm_provider_init(&b->p);
    bx_free(b->p.id);
    b->p.id = bx_strdup("anthropic");
    b->p.api = LLM_API_ANTHROPIC;
    bx_free(b->p.base_url);
    b->p.base_url = bx_strdup(f->url);
    b->p.api_key = bx_strdup("test-key");
    b->p.max_retries = 0;
    m->call = test_call;
    m->ctx = b;
    snprintf(m->spec, sizeof(m->spec), "anthropic/claude-sonnet-4-5");
    m->model_id = "claude-sonnet-4-5";
    if (llm_model_lookup(m->spec, NULL, &m->info) != BX_OK)
        memset(&m->info, 0, sizeof(m->info));
}

static void model_release(test_backend *b) { llm_provider_release(&b->p); }

/* ------------------------------------------------------------ the tools */

typedef struct tool_stats {
    atomic_int calls;
    atomic_int running;
    atomic_int max_running;
    const char *reply; /* what the tool answers, NULL = echo the input */
    size_t reply_repeat;
    int64_t wait_ms;
    bool crash;        /* _exit in the middle of the call */
} tool_stats;

static bx_err t_generic(void *ctx, agent_call *call, const json_t *in, agent_tool_result *out)
{
    tool_stats *s = ctx;
    atomic_fetch_add(&s->calls, 1);
    int now = atomic_fetch_add(&s->running, 1) + 1;
    int mx = atomic_load(&s->max_running);
    while (now > mx && !atomic_compare_exchange_weak(&s->max_running, &mx, now)) {
    }
    if (s->crash)
        _exit(7);
    bool done = s->wait_ms ? agent_call_wait(call, s->wait_ms) : true;
    atomic_fetch_sub(&s->running, 1);
    if (!done) {
        out->content = bx_strdup("interrupted");
        out->is_error = true;
        return BX_CANCELLED;
    }
    if (s->reply) {
        bx_buf b;
        bx_buf_init(&b, BX_BUF_UNLIMITED);
        for (size_t i = 0; i < (s->reply_repeat ? s->reply_repeat : 1); i++)
            bx_buf_puts(&b, s->reply);
        out->content = bx_buf_detach(&b, NULL);
    } else {
        char *t = jx_dumps(in);
        out->content = bx_sprintf("ran with %s", t ? t : "?");
        free(t);
    }
    return BX_OK;
}

static const char *PATH_SCHEMA =
    "{\"type\":\"object\",\"properties\":{\"file_path\":{\"type\":\"string\"},"
    "\"content\":{\"type\":\"string\"}},\"required\":[\"file_path\"]}";
static const char *CMD_SCHEMA =
    "{\"type\":\"object\",\"properties\":{\"command\":{\"type\":\"string\"}},\"required\":[\"command\"]}";

enum { T_READ, T_WRITE, T_BASH, T_FETCH, T_SLOW, T_COUNT };

typedef struct toolset {
    agent_tool tools[T_COUNT];
    tool_stats stats[T_COUNT];
    json_t *schemas[T_COUNT];
} toolset;

static void toolset_init(toolset *ts)
{
    memset(ts, 0, sizeof(*ts));
    const struct { const char *name; agent_level l; const char *schema; } d[T_COUNT] = {
        {"read", AGENT_LEVEL_READONLY, PATH_SCHEMA}, {"write", AGENT_LEVEL_WRITE, PATH_SCHEMA},
        {"bash", AGENT_LEVEL_EXECUTE, CMD_SCHEMA},   {"web_fetch", AGENT_LEVEL_NETWORK, "{\"type\":\"object\"}"},
        {"slow", AGENT_LEVEL_READONLY, "{\"type\":\"object\"}"},
    };
    for (int i = 0; i < T_COUNT; i++) {
        ts->schemas[i] = json_loads(d[i].schema, 0, NULL);
        ts->tools[i] = (agent_tool){d[i].name, "a test tool", d[i].l, ts->schemas[i], t_generic,
                                    &ts->stats[i]};
    }
}

static void toolset_release(toolset *ts)
{
    for (int i = 0; i < T_COUNT; i++)
        json_decref(ts->schemas[i]);
}

/* ------------------------------------------------------------ scenarios */

typedef struct answers {
    const char *approval;  /* "allow_once", ...; NULL = do not answer */
    const char *message;   /* for deny_with_message */
    const char *question;  /* answer to ask_user; NULL = do not answer */
} answers;

typedef struct scenario {
    fake f;
    test_backend backend;
    agent_model model;
    toolset ts;
    char dir[64];
    workspace *ws;
    store *st;
    agent_config cfg;
    agent_run *run;
    json_t *events;
    pthread_mutex_t lock;
    answers ans;
    agent_outcome outcome;
    int pending_missing; /* requests agent_run_pending did not list */
} scenario;

static void sink(void *ctx, const json_t *ev)
{
    scenario *sc = ctx;
    pthread_mutex_lock(&sc->lock);
    json_array_append(sc->events, (json_t *)ev);
    pthread_mutex_unlock(&sc->lock);
    if (getenv("BX_TEST_VERBOSE")) {
        char *t = jx_dumps(ev);
        fprintf(stderr, "event: %.300s\n", t);
        free(t);
    }
    const char *type = jx_str(ev, "type", "");
    if (strcmp(type, "approval_request") == 0 || strcmp(type, "question") == 0) {
        /* a late-joining client would see it as pending */
        json_t *pend = agent_run_pending(sc->run);
        bool found = false;
        size_t i;
        json_t *p;
        json_array_foreach(pend, i, p) found |=
            strcmp(jx_str(p, "approval_id", ""), jx_str(ev, "approval_id", "")) == 0 &&
            strcmp(jx_str(p, "question_id", ""), jx_str(ev, "question_id", "")) == 0 &&
            strcmp(jx_str(p, "type", ""), type) == 0;
        if (!found)
            sc->pending_missing++;
        json_decref(pend);
    }
    if (strcmp(type, "approval_request") == 0 && sc->ans.approval) {
        agent_answer a;
        if (agent_answer_parse(sc->ans.approval, &a))
            agent_run_approve(sc->run, jx_str(ev, "approval_id", ""), a, sc->ans.message);
    }
    if (strcmp(type, "question") == 0 && sc->ans.question)
        agent_run_answer(sc->run, jx_str(ev, "question_id", ""), sc->ans.question);
}

static bool scenario_init(scenario *sc, const char *script, const char *settings_json)
{
    memset(sc, 0, sizeof(*sc));
    pthread_mutex_init(&sc->lock, NULL);
    sc->events = json_array();
    snprintf(sc->dir, sizeof(sc->dir), "/tmp/bx-agent-ws-XXXXXX");
    if (!mkdtemp(sc->dir))
        return false;
    if (settings_json) {
        char p[256];
        snprintf(p, sizeof(p), "%s/.boxagnts", sc->dir);
        mkdir(p, 0755);
        snprintf(p, sizeof(p), "%s/.boxagnts/settings.json", sc->dir);
        write_text(p, settings_json);
    }
    bx_error e;
    if (workspace_open(sc->dir, NULL, &e, &sc->ws) != BX_OK)
        return false;
    if (store_open(workspace_db_path(sc->ws), NULL, &sc->st, &e) != BX_OK)
        return false;
    if (!fake_start(&sc->f, script))
        return false;
    model_init(&sc->model, &sc->backend, &sc->f);
    toolset_init(&sc->ts);
    sc->cfg = (agent_config){
        .ws = sc->ws, .st = sc->st, .model = &sc->model, .agent_name = "build",
        .access = AGENT_ACCESS_FULL, .mode = AGENT_MODE_DEFAULT, .tools = sc->ts.tools,
        .n_tools = T_COUNT, .sink = sink, .sink_ctx = sc, .can_ask = true,
        .approval_timeout_ms = 5000, .max_output_tokens = 1024,
    };
    return true;
}

static agent_outcome scenario_exec(scenario *sc, const char *prompt)
{
    if (!sc->run) {
        bx_error e;
        if (agent_run_new(&sc->cfg, &sc->run, &e) != BX_OK)
            return AGENT_OUTCOME_ERROR;
    }
    bx_error e;
    bx_error_clear(&e);
    sc->outcome = agent_run_exec(sc->run, prompt, &e);
    if (sc->outcome == AGENT_OUTCOME_ERROR)
        fprintf(stderr, "run error: %s\n", e.message);
    return sc->outcome;
}

static void scenario_release(scenario *sc)
{
    agent_run_free(sc->run);
    fake_stop(&sc->f);
    model_release(&sc->backend);
    toolset_release(&sc->ts);
    store_close(sc->st);
    workspace_close(sc->ws);
    json_decref(sc->events);
    pthread_mutex_destroy(&sc->lock);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sc->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", sc->dir);
}

/* Events of a type; the count, and optionally the n-th one. */
__attribute__((unused)) static size_t count_events(scenario *sc, const char *type)
{
    size_t n = 0, i;
    json_t *ev;
    json_array_foreach(sc->events, i, ev) n += strcmp(jx_str(ev, "type", ""), type) == 0;
    return n;
}

__attribute__((unused)) static json_t *nth_event(scenario *sc, const char *type, size_t k)
{
    size_t i;
    json_t *ev;
    json_array_foreach(sc->events, i, ev) {
        if (strcmp(jx_str(ev, "type", ""), type) == 0 && k-- == 0)
            return ev;
    }
    return NULL;
}

/* The tool_result contents of the context sent in request i, joined. */
__attribute__((unused)) static bool request_contains(scenario *sc, size_t i, const char *needle)
{
    json_t *reqs = fake_requests(&sc->f);
    char *t = request_text(reqs, i);
    bool found = t && strstr(t, needle);
    free(t);
    json_decref(reqs);
    return found;
}

/* Whether request i offered the tool `name`. */
__attribute__((unused)) static bool request_offers(scenario *sc, size_t i, const char *name)
{
    json_t *reqs = fake_requests(&sc->f);
    json_t *tools = jx_arr(jx_obj(json_array_get(reqs, i), "body"), "tools");
    bool found = false;
    size_t k;
    json_t *t;
    json_array_foreach(tools, k, t) found |= strcmp(jx_str(t, "name", ""), name) == 0;
    json_decref(reqs);
    return found;
}

__attribute__((unused)) static size_t request_count(scenario *sc)
{
    json_t *reqs = fake_requests(&sc->f);
    size_t n = json_array_size(reqs);
    json_decref(reqs);
    return n;
}

#endif
