/* api_chat.c: chat over HTTP — runs, their event streams, approvals,
 * questions, cancel — and the tools list with enable / disable.
 *
 * POST /api/sessions/{id}/messages starts one agent run (src/agent) on its
 * own thread; at most one run per session at a time. The run's event sink
 * publishes into the session's hub channel (hub.c), which fans events out
 * to every SSE subscriber and stores them. Approvals and answers are
 * explicit calls into the run, found by session id. Tools come from the
 * gateway's registry (src/tools), minus those disabled in settings
 * (tools.disabled), wrapped into the agent's tool shape.
 */
#include <stdlib.h>
#include <string.h>

#include "gateway/gateway_int.h"

#define PROMPT_MAX (1u << 20)
#define RUNS_MAX 64 /* runs at once (one thread each); more get 503 busy */

typedef struct tool_slot {
    tools_tool *tool;
    struct gw_run *run;
} tool_slot;

struct gw_run {
    gateway *gw;
    char session_id[37];
    char *prompt;
    agent_model model;
    bool model_ok;
    agent_run *run;
    gateway__chan *chan;
    agent_tool *atools;
    tool_slot *slots;
    size_t n_tools;
    tools_ctx tctx;
    const char **hosts;
    char *agent_name;
    gateway__tap *tap;          /* an extra listener (the OpenAI endpoint), or NULL */
    atomic_bool started;        /* run_start was emitted */
    atomic_bool cancel_pending; /* cancel asked for before that */

    gateway__run_done_fn on_done;
    void *on_done_ctx;
};

/* ------------------------------------------------------------ settings */

/* "256M" -> bytes; false on junk. */
static bool parse_size(const json_t *v, uint64_t *out)
{
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (uint64_t)json_integer_value(v);
        return true;
    }
    if (!json_is_string(v))
        return false;
    char *end;
    const char *s = json_string_value(v);
    unsigned long long n = strtoull(s, &end, 10);
    if (end == s)
        return false;
    switch (*end) {
    case 'K':
    case 'k':
        n <<= 10;
        end++;
        break;
    case 'M':
    case 'm':
        n <<= 20;
        end++;
        break;
    case 'G':
    case 'g':
        n <<= 30;
        end++;
        break;
    default:
        break;
    }
    if (*end)
        return false;
    *out = n;
    return true;
}

bool gateway__tool_disabled(const json_t *settings, const char *name)
{
    size_t i;
    json_t *v;
    json_array_foreach(jx_arr(jx_obj(settings, "tools"), "disabled"), i,
                       v) if (json_is_string(v) &&
                              strcmp(json_string_value(v), name) == 0) return true;
    return false;
}

/* --------------------------------------------------------- tool adapter */

static void set_cancel(void *arg)
{
    atomic_store((atomic_bool *)arg, true);
}

static bx_err tool_exec(void *ctx, agent_call *call, const json_t *input, agent_tool_result *out)
{
    tool_slot *ts = ctx;
    atomic_bool cancel = false;
    agent_call_on_cancel(call, set_cancel, &cancel);
    tools_ctx c = ts->run->tctx;
    c.cancel = &cancel;
    tools_result res;
    tools_result_init(&res);
    bx_err err = tools_execute(ts->tool, input, &c, &res);
    agent_call_on_cancel(call, NULL, NULL);
    out->content = res.content;
    res.content = NULL;
    out->is_error = res.is_error || (err != BX_OK && err != BX_INVALID);
    if (err == BX_INVALID)
        out->is_error = true;
    out->metadata = json_incref(res.metadata);
    tools_result_release(&res);
    return BX_OK;
}

static agent_level level_of(tools_level l)
{
    switch (l) {
    case TOOLS_NONE:
        return AGENT_LEVEL_NONE;
    case TOOLS_READ_ONLY:
        return AGENT_LEVEL_READONLY;
    case TOOLS_WRITE:
        return AGENT_LEVEL_WRITE;
    case TOOLS_EXECUTE:
        return AGENT_LEVEL_EXECUTE;
    default:
        return AGENT_LEVEL_NETWORK;
    }
}

static void build_tools(gateway *gw, gw_run *r, const json_t *settings)
{
    tools_tool **list = NULL;
    size_t n = tools_registry_list(gw->tools, &list);
    r->atools = bx_calloc(n ? n : 1, sizeof *r->atools);
    r->slots = bx_calloc(n ? n : 1, sizeof *r->slots);
    for (size_t i = 0; i < n; i++) {
        tools_tool *t = list[i];
        if (gateway__tool_disabled(settings, tools_tool_name(t)))
            continue;
        tool_slot *s = &r->slots[r->n_tools];
        s->tool = tools_tool_ref(t);
        s->run = r;
        r->atools[r->n_tools++] = (agent_tool){
            .name = tools_tool_name(t),
            .description = tools_tool_description(t),
            .level = level_of(tools_tool_level(t)),
            .schema = tools_tool_schema(t),
            .execute = tool_exec,
            .ctx = s,
        };
    }
    tools_list_free(list, n);
    json_t *hosts = jx_arr(settings, "allowed_outbound_hosts");
    size_t nh = json_array_size(hosts), k = 0;
    r->hosts = bx_calloc(nh ? nh : 1, sizeof *r->hosts);
    for (size_t i = 0; i < nh; i++)
        if (json_is_string(json_array_get(hosts, i)))
            r->hosts[k++] = bx_strdup(json_string_value(json_array_get(hosts, i)));
    r->tctx = (tools_ctx){
        .root_dir = workspace_root(gw->ws), .allowed_hosts = r->hosts, .n_allowed_hosts = k};
    json_t *sb = jx_obj(settings, "sandbox");
    int64_t ts = jx_int(sb, "timeout_s", 0);
    if (ts > 0 && ts < 86400)
        r->tctx.timeout_ms = (uint32_t)ts * 1000u;
    uint64_t v;
    if (parse_size(json_object_get(sb, "max_memory"), &v))
        r->tctx.max_memory = v;
    if (jx_int(sb, "fuel", 0) > 0)
        r->tctx.fuel = (uint64_t)jx_int(sb, "fuel", 0);
}

/* ----------------------------------------------------------------- runs */

static void run_free(gw_run *r)
{
    agent_run_free(r->run);
    if (r->model_ok)
        agent_model_llm_release(&r->model);
    for (size_t i = 0; i < r->n_tools; i++)
        tools_tool_unref(r->slots[i].tool);
    for (size_t i = 0; i < r->tctx.n_allowed_hosts; i++)
        bx_free((char *)r->hosts[i]);
    bx_free(r->hosts);
    bx_free(r->slots);
    bx_free(r->atools);
    gateway__hub_close(r->chan);
    bx_free(r->prompt);
    bx_free(r->agent_name);
    bx_free(r);
}

static void run_sink(void *ctx, const json_t *ev)
{
    gw_run *r = ctx;
    gateway__sessions_changed(r->gw); /* messages and titles change as a run goes */
    if (!atomic_load(&r->started) && strcmp(jx_str(ev, "type", ""), "run_start") == 0) {
        /* agent_run_exec clears cancellation as it starts: a cancel that
         * came before run_start is applied now. */
        atomic_store(&r->started, true);
        if (atomic_load(&r->cancel_pending))
            agent_run_cancel(r->run);
    }
    gateway__hub_send(r->gw, r->chan, ev);
    if (r->tap)
        gateway__tap_event(r->tap, ev);
}

static void *run_thread(void *arg)
{
    gw_run *r = arg;
    gateway *gw = r->gw;
    bx_error detail;
    bx_error_clear(&detail);
    agent_outcome o = agent_run_exec(r->run, r->prompt, &detail);
    if (o == AGENT_OUTCOME_ERROR && detail.message[0])
        bx_log(BX_LOG_WARN, "gateway", "run in session %s: %s", r->session_id, detail.message);
    if (r->on_done)
        r->on_done(r->on_done_ctx, o, &detail);
    pthread_mutex_lock(&gw->runs_lock);
    bx_map_del(&gw->runs, r->session_id, strlen(r->session_id));
    pthread_mutex_unlock(&gw->runs_lock);
    run_free(r);
    pthread_mutex_lock(&gw->runs_lock);
    gw->runs_live--;
    pthread_cond_broadcast(&gw->runs_cond);
    pthread_mutex_unlock(&gw->runs_lock);
    return NULL;
}

bx_err gateway__run_start(gateway *gw, const gateway_run_opts *o, bx_error *detail)
{
    if (gateway__hubs_closing(gw))
        return bx_error_set(detail, BX_BUSY, -1, "the server is shutting down");
    json_t *settings = workspace_settings(gw->ws);
    json_t *agent = jx_obj(jx_obj(settings, "agents"), o->agent);
    bx_err err = BX_OK;
    gw_run *r = NULL;
    if (!agent) {
        err = bx_error_set(detail, BX_INVALID, -1, "no agent named \"%s\"", o->agent);
        goto fail;
    }
    agent_access access = AGENT_ACCESS_FULL;
    if (!agent_access_parse(jx_str(agent, "access", "full"), &access)) {
        err = bx_error_set(detail, BX_INVALID, -1, "agent %s has an unknown access \"%s\"",
                           o->agent, jx_str(agent, "access", ""));
        goto fail;
    }
    agent_mode mode = AGENT_MODE_DEFAULT;
    const char *mode_s = o->mode;
    if (!mode_s)
        mode_s = jx_str(agent, "permission_mode", jx_str(settings, "permission_mode", "default"));
    if (!agent_mode_parse(mode_s, &mode)) {
        err = bx_error_set(detail, BX_INVALID, -1, "unknown permission mode \"%s\"", mode_s);
        goto fail;
    }
    if (mode == AGENT_MODE_BYPASS && !o->mode)
        mode = AGENT_MODE_DEFAULT; /* bypass only on the user's explicit request */
    const char *model = o->model && *o->model
                            ? o->model
                            : jx_str(agent, "model", jx_str(settings, "default_model", ""));
    r = bx_calloc(1, sizeof *r);
    r->gw = gw;
    snprintf(r->session_id, sizeof r->session_id, "%s", o->session_id);
    r->prompt = bx_strdup(o->prompt);
    /* agent_run_new copies the config, not the strings it points to. */
    r->agent_name = bx_strdup(o->agent);
    r->tap = o->tap;
    r->on_done = o->on_done;
    r->on_done_ctx = o->on_done_ctx;
    if ((err = agent_model_llm(gw->ws, model, &r->model, detail)) != BX_OK) {
        /* An unknown provider or model is a bad request, not a missing URL. */
        if (err == BX_NOTFOUND)
            err = detail ? (detail->code = BX_INVALID) : BX_INVALID;
        goto fail;
    }
    r->model_ok = true;
    build_tools(gw, r, settings);
    const char *t = getenv("BOXAGNTS_APPROVAL_TIMEOUT_MS");
    agent_config cfg = {
        .ws = gw->ws,
        .st = gw->st,
        .model = &r->model,
        .agent_name = r->agent_name,
        .access = access,
        .mode = mode,
        .session_id = r->session_id,
        .tools = r->atools,
        .n_tools = r->n_tools,
        .sink = run_sink,
        .sink_ctx = r,
        .can_ask = o->can_ask,
        .approval_timeout_ms = t ? strtoll(t, NULL, 10) : 10 * 60 * 1000,
    };
    if ((err = agent_run_new(&cfg, &r->run, detail)) != BX_OK)
        goto fail;
    r->chan = gateway__hub_open(gw, r->session_id, true);
    pthread_mutex_lock(&gw->runs_lock);
    if (gw->runs_closed) {
        pthread_mutex_unlock(&gw->runs_lock);
        err = bx_error_set(detail, BX_BUSY, -1, "the server is shutting down");
        goto fail;
    }
    if (bx_map_gets(&gw->runs, r->session_id)) {
        pthread_mutex_unlock(&gw->runs_lock);
        err = bx_error_set(detail, BX_EXISTS, -1,
                           "a run is already in progress in this session; cancel it first");
        goto fail;
    }
    if (gw->runs_live >= (int)gateway__env_size("BOXAGNTS_GW_MAX_RUNS", RUNS_MAX)) {
        pthread_mutex_unlock(&gw->runs_lock);
        err = bx_error_set(detail, BX_BUSY, -1, "%d runs are in progress; try again later",
                           gw->runs_live);
        goto fail;
    }
    bx_map_puts(&gw->runs, r->session_id, r, NULL);
    gw->runs_live++;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t th;
    if (pthread_create(&th, &attr, run_thread, r) != 0) {
        bx_map_del(&gw->runs, r->session_id, strlen(r->session_id));
        gw->runs_live--;
        pthread_mutex_unlock(&gw->runs_lock);
        pthread_attr_destroy(&attr);
        err = bx_error_set(detail, BX_INTERNAL, -1, "cannot start a thread for the run");
        goto fail;
    }
    pthread_attr_destroy(&attr);
    pthread_mutex_unlock(&gw->runs_lock);
    json_decref(settings);
    return BX_OK;
fail:
    if (r)
        run_free(r);
    json_decref(settings);
    return err;
}

void gateway__runs_init(gateway *gw)
{
    pthread_mutex_init(&gw->taps_lock, NULL);
    pthread_mutex_init(&gw->runs_lock, NULL);
    pthread_cond_init(&gw->runs_cond, NULL);
    bx_map_init(&gw->runs);
}

void gateway__runs_stop(gateway *gw)
{
    pthread_mutex_lock(&gw->runs_lock);
    gw->runs_closed = true; /* no run starts from now on */
    bx_map_entry *me;
    for (size_t it = 0; bx_map_next(&gw->runs, &it, &me);)
        gateway__run_cancel_locked(me->value);
    while (gw->runs_live > 0)
        pthread_cond_wait(&gw->runs_cond, &gw->runs_lock);
    pthread_mutex_unlock(&gw->runs_lock);
}

void gateway__runs_free(gateway *gw)
{
    pthread_mutex_destroy(&gw->taps_lock);
    bx_map_release(&gw->runs);
    pthread_cond_destroy(&gw->runs_cond);
    pthread_mutex_destroy(&gw->runs_lock);
}

void gateway__run_cancel_locked(gw_run *r)
{
    atomic_store(&r->cancel_pending, true);
    agent_run_cancel(r->run);
}

bool gateway__run_active(gateway *gw, const char *session_id)
{
    pthread_mutex_lock(&gw->runs_lock);
    bool on = bx_map_gets(&gw->runs, session_id) != NULL;
    pthread_mutex_unlock(&gw->runs_lock);
    return on;
}

/* --------------------------------------------------------------- routes */

static bool session_exists(gateway_req *req, store_session *out, enum MHD_Result *out_r)
{
    bx_error e;
    bx_err err = store_session_get(req->gw->st, req->params[0], out, &e);
    if (err) {
        *out_r = gateway__send_bx_error(req, err, &e);
        return false;
    }
    return true;
}

static enum MHD_Result post_message(gateway_req *req)
{
    enum MHD_Result r;
    json_t *body = gateway__body_object(req, &r);
    if (!body)
        return r;
    store_session s = {0};
    if (!session_exists(req, &s, &r)) {
        json_decref(body);
        return r;
    }
    json_t *content = json_object_get(body, "content");
    json_t *model = json_object_get(body, "model");
    json_t *agent = json_object_get(body, "agent");
    json_t *mode = json_object_get(body, "permission_mode");
    if (!json_is_string(content) || json_string_length(content) == 0 ||
        json_string_length(content) > PROMPT_MAX || (model && !json_is_string(model)) ||
        (agent && !json_is_string(agent)) || (mode && !json_is_string(mode))) {
        r = gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_request",
                                "content (a non-empty string up to 1 MiB) is required; model, "
                                "agent and permission_mode must be strings");
        goto out;
    }
    gateway_run_opts o = {
        .session_id = s.id,
        .prompt = json_string_value(content),
        .agent = agent        ? json_string_value(agent)
                 : s.agent[0] ? s.agent
                              : "build",
        .model = model ? json_string_value(model) : s.model,
        .mode = mode ? json_string_value(mode) : NULL,
        .can_ask = true,
    };
    bx_error e;
    bx_err err = gateway__run_start(req->gw, &o, &e);
    gateway__sessions_changed(req->gw);
    if (!err && (model || agent)) {
        /* The session remembers the picker's last choice once it worked. */
        store_session_fields f = {.agent = agent ? o.agent : NULL, .model = model ? o.model : NULL};
        store_session_update(req->gw->st, s.id, &f, NULL);
    }
    /* The run's id is made when it starts executing: run_start carries it. */
    if (err)
        r = gateway__send_bx_error(req, err, &e);
    else
        r = gateway__send_json(req, MHD_HTTP_ACCEPTED,
                               json_pack("{s:s,s:b}", "session_id", s.id, "accepted", 1));
out:
    store_session_release(&s);
    json_decref(body);
    return r;
}

static enum MHD_Result get_events(gateway_req *req)
{
    enum MHD_Result r;
    store_session s = {0};
    if (!session_exists(req, &s, &r))
        return r;
    store_session_release(&s);
    int64_t last = 0;
    bool has_last = gateway__parse_last_event_id(req, &last);
    return gateway__sse_serve(req, req->params[0], true, has_last, last);
}

static enum MHD_Result get_file_events(gateway_req *req)
{
    int64_t last = 0;
    bool has_last = gateway__parse_last_event_id(req, &last);
    return gateway__sse_serve(req, GATEWAY_FILES_CHANNEL, false, has_last, last);
}

/* Runs fn on the session's active run under the runs lock (so it cannot
 * end meanwhile); 409 when there is none. */
typedef bx_err (*run_fn)(gw_run *r, json_t *body, bx_error *detail);

static enum MHD_Result with_run(gateway_req *req, run_fn fn, bool need_body)
{
    enum MHD_Result r;
    json_t *body = need_body ? gateway__body_object(req, &r)
                             : (req->body.len ? gateway__body_object(req, &r) : json_object());
    if (!body)
        return r;
    store_session s = {0};
    if (!session_exists(req, &s, &r)) {
        json_decref(body);
        return r;
    }
    store_session_release(&s);
    gateway *gw = req->gw;
    bx_error e;
    bx_error_clear(&e);
    pthread_mutex_lock(&gw->runs_lock);
    gw_run *run = bx_map_gets(&gw->runs, req->params[0]);
    bx_err err = run ? fn(run, body, &e)
                     : bx_error_set(&e, BX_NOTFOUND, -1, "no run is in progress in this session");
    pthread_mutex_unlock(&gw->runs_lock);
    json_decref(body);
    if (!run)
        return gateway__send_error(req, MHD_HTTP_CONFLICT, "no_run", "%s", e.message);
    if (err)
        return gateway__send_bx_error(req, err, &e);
    return gateway__send_json(req, MHD_HTTP_OK, json_pack("{s:b}", "ok", 1));
}

static bx_err do_cancel(gw_run *r, json_t *body, bx_error *detail)
{
    (void)body;
    (void)detail;
    gateway__run_cancel_locked(r);
    return BX_OK;
}

static bx_err do_decide(gw_run *r, json_t *body, bx_error *detail, bool allow)
{
    const char *id = jx_str(body, "approval_id", NULL);
    json_t *msg = json_object_get(body, "message");
    json_t *always = json_object_get(body, "always");
    if (!id || (msg && !json_is_string(msg)) || (always && !json_is_boolean(always)))
        return bx_error_set(detail, BX_INVALID, -1,
                            "approval_id (string) is required; message must be a string and "
                            "always a boolean");
    agent_answer a =
        allow
            ? (json_is_true(always) ? AGENT_ANSWER_ALLOW_ALWAYS : AGENT_ANSWER_ALLOW_ONCE)
            : (msg && json_string_length(msg) ? AGENT_ANSWER_DENY_WITH_MESSAGE : AGENT_ANSWER_DENY);
    bx_err err = agent_run_approve(r->run, id, a, msg ? json_string_value(msg) : NULL);
    if (err == BX_NOTFOUND)
        return bx_error_set(detail, err, -1, "no pending approval %s (answered or expired)", id);
    return err;
}

static bx_err do_approve(gw_run *r, json_t *body, bx_error *detail)
{
    return do_decide(r, body, detail, true);
}

static bx_err do_deny(gw_run *r, json_t *body, bx_error *detail)
{
    return do_decide(r, body, detail, false);
}

static bx_err do_answer(gw_run *r, json_t *body, bx_error *detail)
{
    const char *id = jx_str(body, "question_id", NULL);
    const char *answer = jx_str(body, "answer", NULL);
    if (!id || !answer)
        return bx_error_set(detail, BX_INVALID, -1,
                            "question_id and answer (strings) are required");
    bx_err err = agent_run_answer(r->run, id, answer);
    if (err == BX_NOTFOUND)
        return bx_error_set(detail, err, -1, "no pending question %s (answered or expired)", id);
    return err;
}

static bx_err do_mode(gw_run *r, json_t *body, bx_error *detail)
{
    agent_mode m;
    if (!agent_mode_parse(jx_str(body, "mode", ""), &m))
        return bx_error_set(detail, BX_INVALID, -1,
                            "mode must be default, accept-edits, plan or bypass");
    agent_run_set_mode(r->run, m);
    return BX_OK;
}

static enum MHD_Result post_cancel(gateway_req *req)
{
    return with_run(req, do_cancel, false);
}
static enum MHD_Result post_approve(gateway_req *req)
{
    return with_run(req, do_approve, true);
}
static enum MHD_Result post_deny(gateway_req *req)
{
    return with_run(req, do_deny, true);
}
static enum MHD_Result post_answer(gateway_req *req)
{
    return with_run(req, do_answer, true);
}
static enum MHD_Result post_mode(gateway_req *req)
{
    return with_run(req, do_mode, true);
}

static enum MHD_Result get_run(gateway_req *req)
{
    enum MHD_Result r;
    store_session s = {0};
    if (!session_exists(req, &s, &r))
        return r;
    store_session_release(&s);
    gateway *gw = req->gw;
    pthread_mutex_lock(&gw->runs_lock);
    gw_run *run = bx_map_gets(&gw->runs, req->params[0]);
    json_t *body;
    if (run) {
        agent_stats st;
        agent_run_stats(run->run, &st);
        body = json_pack("{s:b,s:s,s:s,s:i,s:I,s:I,s:f}", "active", 1, "run_id",
                         agent_run_id(run->run), "mode", agent_mode_name(agent_run_mode(run->run)),
                         "turns", st.turns, "input_tokens", (json_int_t)st.input_tokens,
                         "output_tokens", (json_int_t)st.output_tokens, "cost_usd", st.cost_usd);
    } else {
        body = json_pack("{s:b}", "active", 0);
    }
    pthread_mutex_unlock(&gw->runs_lock);
    return gateway__send_json(req, MHD_HTTP_OK, body);
}

/* ---------------------------------------------------------------- tools */

static json_t *tool_json(tools_tool *t, const json_t *settings)
{
    json_t *spec = tools_tool_spec(t);
    jx_set_bool(spec, "enabled", !gateway__tool_disabled(settings, tools_tool_name(t)));
    return spec;
}

static enum MHD_Result list_tools(gateway_req *req)
{
    json_t *settings = workspace_settings(req->gw->ws);
    tools_tool **list = NULL;
    size_t n = tools_registry_list(req->gw->tools, &list);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, tool_json(list[i], settings));
    tools_list_free(list, n);
    json_decref(settings);
    return gateway__send_json(req, MHD_HTTP_OK, json_pack("{s:o}", "tools", arr));
}

static enum MHD_Result get_tool(gateway_req *req)
{
    tools_tool *t = tools_registry_get(req->gw->tools, req->params[0]);
    if (!t)
        return gateway__send_error(req, MHD_HTTP_NOT_FOUND, "not_found", "no tool named \"%s\"",
                                   req->params[0]);
    json_t *settings = workspace_settings(req->gw->ws);
    json_t *body = tool_json(t, settings);
    json_decref(settings);
    tools_tool_unref(t);
    return gateway__send_json(req, MHD_HTTP_OK, body);
}

static enum MHD_Result put_tool(gateway_req *req)
{
    enum MHD_Result r;
    json_t *body = gateway__body_object(req, &r);
    if (!body)
        return r;
    json_t *en = json_object_get(body, "enabled");
    if (!json_is_boolean(en)) {
        json_decref(body);
        return gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_request",
                                   "enabled (boolean) is required");
    }
    bool enable = json_is_true(en);
    json_decref(body);
    tools_tool *t = tools_registry_get(req->gw->tools, req->params[0]);
    if (!t)
        return gateway__send_error(req, MHD_HTTP_NOT_FOUND, "not_found", "no tool named \"%s\"",
                                   req->params[0]);
    gateway *gw = req->gw;
    pthread_mutex_lock(&gw->settings_lock);
    json_t *settings = workspace_settings(gw->ws);
    json_t *old = jx_arr(jx_obj(settings, "tools"), "disabled");
    json_t *list = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(old, i, v) if (json_is_string(v) &&
                                      strcmp(json_string_value(v), req->params[0]) != 0)
        json_array_append(list, v);
    if (!enable)
        json_array_append_new(list, json_string(req->params[0]));
    json_t *patch = json_pack("{s:{s:o}}", "tools", "disabled", list);
    bx_error e;
    bx_err err = workspace_settings_update(gw->ws, patch, &e);
    json_decref(patch);
    json_decref(settings);
    pthread_mutex_unlock(&gw->settings_lock);
    if (err) {
        tools_tool_unref(t);
        if (err == BX_PARSE)
            return gateway__send_error(req, MHD_HTTP_CONFLICT, "settings_file_invalid", "%s",
                                       e.message);
        return gateway__send_bx_error(req, err, &e);
    }
    settings = workspace_settings(gw->ws);
    json_t *out = tool_json(t, settings);
    json_decref(settings);
    tools_tool_unref(t);
    return gateway__send_json(req, MHD_HTTP_OK, out);
}

const gateway_route gateway__chat_routes[] = {
    {"POST", "/api/sessions/{id}/messages", post_message, 0},
    {"GET", "/api/sessions/{id}/events", get_events, 0},
    {"GET", "/api/sessions/{id}/run", get_run, 0},
    {"POST", "/api/sessions/{id}/cancel", post_cancel, 0},
    {"POST", "/api/sessions/{id}/approve", post_approve, 0},
    {"POST", "/api/sessions/{id}/deny", post_deny, 0},
    {"POST", "/api/sessions/{id}/answer", post_answer, 0},
    {"POST", "/api/sessions/{id}/mode", post_mode, 0},
    {"GET", "/api/files/events", get_file_events, 0},
    {"GET", "/api/tools", list_tools, 0},
    {"GET", "/api/tools/{name}", get_tool, 0},
    {"PUT", "/api/tools/{name}", put_tool, 0},
};
const size_t gateway__chat_route_count = BX_ARRAY_LEN(gateway__chat_routes);
