/* api_chat.c: chat over HTTP — runs, their event streams, approvals,
 * questions, cancel — and the tools list with enable / disable.
 *
 * POST /api/sessions/{id}/messages starts one agent run through runs.c,
 * which owns the runs; this file is only the routes over them. Approvals and
 * answers are explicit calls into the run, found by session id. The tools
 * list shows the gateway's registry with each tool's enabled flag
 * (tools.disabled in settings).
 */
#include <stdlib.h>
#include <string.h>

#include "gateway/gateway_int.h"

#define PROMPT_MAX (1u << 20)

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
    bx_err err = agent_run_approve(gateway__run_agent(r), id, a, msg ? json_string_value(msg) : NULL);
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
    bx_err err = agent_run_answer(gateway__run_agent(r), id, answer);
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
    agent_run_set_mode(gateway__run_agent(r), m);
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
        agent_run *ar = gateway__run_agent(run);
        agent_stats st;
        agent_run_stats(ar, &st);
        body = json_pack("{s:b,s:s,s:s,s:i,s:I,s:I,s:f}", "active", 1, "run_id",
                         agent_run_id(ar), "mode", agent_mode_name(agent_run_mode(ar)),
                         "turns", st.turns, "input_tokens", (json_int_t)st.input_tokens,
                         "output_tokens", (json_int_t)st.output_tokens, "cost_usd", st.cost_usd);
    } else {
        body = json_pack("{s:b}", "active", 0);
    }
    pthread_mutex_unlock(&gw->runs_lock);
    return gateway__send_json(req, MHD_HTTP_OK, body);
}

/* ---------------------------------------------------------------- tools */

static json_t *tool_json(tools_tool *t, const workspace_config *settings)
{
    json_t *spec = tools_tool_spec(t);
    jx_set_bool(spec, "enabled", !workspace_config_tool_disabled(settings, tools_tool_name(t)));
    return spec;
}

static enum MHD_Result list_tools(gateway_req *req)
{
    const workspace_config *settings = workspace_config_get(req->gw->ws);
    tools_tool **list = NULL;
    size_t n = tools_registry_list(req->gw->tools, &list);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, tool_json(list[i], settings));
    tools_list_free(list, n);
    workspace_config_release(settings);
    return gateway__send_json(req, MHD_HTTP_OK, json_pack("{s:o}", "tools", arr));
}

static enum MHD_Result get_tool(gateway_req *req)
{
    tools_tool *t = tools_registry_get(req->gw->tools, req->params[0]);
    if (!t)
        return gateway__send_error(req, MHD_HTTP_NOT_FOUND, "not_found", "no tool named \"%s\"",
                                   req->params[0]);
    const workspace_config *settings = workspace_config_get(req->gw->ws);
    json_t *body = tool_json(t, settings);
    workspace_config_release(settings);
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
    const workspace_config *settings = workspace_config_get(gw->ws);
    json_t *list = json_array();
    for (size_t i = 0; i < settings->n_tools_disabled; i++)
        if (strcmp(settings->tools_disabled[i], req->params[0]) != 0)
            json_array_append_new(list, json_string(settings->tools_disabled[i]));
    if (!enable)
        json_array_append_new(list, json_string(req->params[0]));
    json_t *patch = json_pack("{s:{s:o}}", "tools", "disabled", list);
    bx_error e;
    bx_err err = workspace_settings_update(gw->ws, patch, &e);
    json_decref(patch);
    workspace_config_release(settings);
    pthread_mutex_unlock(&gw->settings_lock);
    if (err) {
        tools_tool_unref(t);
        if (err == BX_PARSE)
            return gateway__send_error(req, MHD_HTTP_CONFLICT, "settings_file_invalid", "%s",
                                       e.message);
        return gateway__send_bx_error(req, err, &e);
    }
    settings = workspace_config_get(gw->ws);
    json_t *out = tool_json(t, settings);
    workspace_config_release(settings);
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
