/* runs.c: the gateway's agent runs — start, cancel, find, stop at shutdown —
 * which the chat API, the OpenAI endpoint and the sessions API all use, so
 * none of those files calls another.
 *
 * A run is one agent_run (src/agent) on its own detached thread; at most one
 * per session (gw->runs, under runs_lock). Its event sink publishes into the
 * session's hub channel (hub.c), which fans events out to every SSE
 * subscriber and stores them, then hands the event to an optional listener
 * (the OpenAI endpoint's stream). Tools come from the gateway's registry
 * (src/tools), minus those disabled in settings (tools.disabled), wrapped
 * into the agent's tool shape with the settings' sandbox limits.
 */
#include <stdlib.h>
#include <string.h>

#include "gateway/gateway_int.h"

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
    tools_ctx tctx;                    /* borrows from settings */
    const workspace_config *settings; /* the snapshot the run started with */
    char *agent_name;
    gateway__run_event_fn on_event; /* an extra listener (the OpenAI endpoint), or NULL */
    void *on_event_ctx;
    atomic_bool started;        /* run_start was emitted */
    atomic_bool cancel_pending; /* cancel asked for before that */

    gateway__run_done_fn on_done;
    void *on_done_ctx;
};

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

static void build_tools(gateway *gw, gw_run *r)
{
    tools_tool **list = NULL;
    size_t n = tools_registry_list(gw->tools, &list);
    r->atools = bx_calloc(n ? n : 1, sizeof *r->atools);
    r->slots = bx_calloc(n ? n : 1, sizeof *r->slots);
    for (size_t i = 0; i < n; i++) {
        tools_tool *t = list[i];
        if (workspace_config_tool_disabled(r->settings, tools_tool_name(t)))
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
    tools_ctx_from_config(&r->tctx, r->settings, workspace_root(gw->ws));
}

/* ----------------------------------------------------------------- runs */

static void run_free(gw_run *r)
{
    agent_run_free(r->run);
    if (r->model_ok)
        agent_model_llm_release(&r->model);
    for (size_t i = 0; i < r->n_tools; i++)
        tools_tool_unref(r->slots[i].tool);
    workspace_config_release(r->settings);
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
    if (r->on_event)
        r->on_event(r->on_event_ctx, ev);
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
    const workspace_config *settings = workspace_config_get(gw->ws);
    bx_err err = BX_OK;
    gw_run *r = NULL;
    agent_profile prof;
    if ((err = agent_profile_resolve(settings, o->agent, o->mode, o->model, &prof, detail)))
        goto fail;
    const char *model = prof.model ? prof.model : "";
    r = bx_calloc(1, sizeof *r);
    r->gw = gw;
    r->settings = workspace_config_ref(settings);
    snprintf(r->session_id, sizeof r->session_id, "%s", o->session_id);
    r->prompt = bx_strdup(o->prompt);
    /* agent_run_new copies the config, not the strings it points to. */
    r->agent_name = bx_strdup(o->agent);
    r->on_event = o->on_event;
    r->on_event_ctx = o->on_event_ctx;
    r->on_done = o->on_done;
    r->on_done_ctx = o->on_done_ctx;
    if ((err = agent_model_llm(gw->ws, model, &r->model, detail)) != BX_OK) {
        /* An unknown provider or model is a bad request, not a missing URL. */
        if (err == BX_NOTFOUND)
            err = detail ? (detail->code = BX_INVALID) : BX_INVALID;
        goto fail;
    }
    r->model_ok = true;
    build_tools(gw, r);
    const char *t = getenv("BOXAGNTS_APPROVAL_TIMEOUT_MS");
    agent_config cfg = {
        .ws = gw->ws,
        .st = gw->st,
        .model = &r->model,
        .agent_name = r->agent_name,
        .access = prof.access,
        .mode = prof.mode,
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
    workspace_config_release(settings);
    return BX_OK;
fail:
    if (r)
        run_free(r);
    workspace_config_release(settings);
    return err;
}

void gateway__runs_init(gateway *gw)
{
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
    bx_map_release(&gw->runs);
    pthread_cond_destroy(&gw->runs_cond);
    pthread_mutex_destroy(&gw->runs_lock);
}

void gateway__run_cancel_locked(gw_run *r)
{
    atomic_store(&r->cancel_pending, true);
    agent_run_cancel(r->run);
}

agent_run *gateway__run_agent(gw_run *r)
{
    return r->run;
}

bool gateway__run_active(gateway *gw, const char *session_id)
{
    pthread_mutex_lock(&gw->runs_lock);
    bool on = bx_map_gets(&gw->runs, session_id) != NULL;
    pthread_mutex_unlock(&gw->runs_lock);
    return on;
}
