/* api_openai.c: an OpenAI-compatible POST /v1/chat/completions (and GET
 * /v1/models) so OpenAI SDK clients can drive boxagnts agents.
 *
 * `model` names an agent. Each request becomes a new session and one run
 * whose last user message is the prompt (earlier turns are given to it as a
 * transcript); tools run server-side under the agent's permissions, and
 * what would need an approval is denied (nobody can answer here). A tap on
 * the run turns its events into chat.completion.chunk frames (stream) or
 * one chat.completion object at the end; the response is a callback
 * response whose connection is suspended while there is nothing to send,
 * so a long run never blocks the server thread.
 */
#include <stdlib.h>
#include <string.h>

#include "gateway/gateway_int.h"

#define OUT_MAX (16u << 20)

typedef struct gateway__tap gateway__tap;

struct gateway__tap {
    pthread_mutex_t lock;
    int refs; /* the response and the run */
    gateway *gw;
    bool stream;
    bool include_usage;
    char id[64];
    char model[128];
    char session_id[37];
    int64_t created;
    bool role_sent;
    bx_buf text; /* the reply so far (non-stream) */
    bx_buf out;  /* bytes waiting for the client */
    size_t out_off;
    struct MHD_Connection *conn; /* NULL once the response is gone */
    bool suspended;
    bool done;
    bool finished;      /* run_end seen: the final chunk is out */
    const char *finish; /* finish_reason */
    int64_t in_tokens, out_tokens;
    char error[512];
    bool ping_due;                 /* send a keepalive: finds clients that went away */
    gateway__tap *prev, *next_tap; /* gw->taps, while the response lives */
};

/* Keepalives: MHD does not watch a suspended connection, so without a
 * write now and then a client that left would never be noticed and its
 * run never cancelled. The hub thread calls this with its heartbeat. */
static void taps_ping(gateway *gw)
{
    pthread_mutex_lock(&gw->taps_lock);
    for (gateway__tap *t = gw->taps; t; t = t->next_tap) {
        pthread_mutex_lock(&t->lock);
        t->ping_due = true;
        if (t->suspended && t->conn) {
            t->suspended = false;
            MHD_resume_connection(t->conn);
        }
        pthread_mutex_unlock(&t->lock);
    }
    pthread_mutex_unlock(&gw->taps_lock);
}

void gateway__openai_init(gateway *gw)
{
    pthread_mutex_init(&gw->taps_lock, NULL);
    gateway__hub_on_heartbeat(gw, taps_ping);
}

void gateway__openai_free(gateway *gw)
{
    pthread_mutex_destroy(&gw->taps_lock);
}

static void taps_link(gateway *gw, gateway__tap *t)
{
    pthread_mutex_lock(&gw->taps_lock);
    t->next_tap = gw->taps;
    if (gw->taps)
        gw->taps->prev = t;
    gw->taps = t;
    pthread_mutex_unlock(&gw->taps_lock);
}

static void taps_unlink(gateway *gw, gateway__tap *t)
{
    pthread_mutex_lock(&gw->taps_lock);
    if (t->prev)
        t->prev->next_tap = t->next_tap;
    else if (gw->taps == t)
        gw->taps = t->next_tap;
    if (t->next_tap)
        t->next_tap->prev = t->prev;
    t->prev = t->next_tap = NULL;
    pthread_mutex_unlock(&gw->taps_lock);
}

static void tap_unref(gateway__tap *t)
{
    pthread_mutex_lock(&t->lock);
    bool last = --t->refs == 0;
    pthread_mutex_unlock(&t->lock);
    if (!last)
        return;
    bx_buf_release(&t->text);
    bx_buf_release(&t->out);
    pthread_mutex_destroy(&t->lock);
    bx_free(t);
}

static void wake_locked(gateway__tap *t)
{
    if (t->suspended && t->conn) {
        t->suspended = false;
        MHD_resume_connection(t->conn);
    }
}

/* Appends one "data: {...}\n\n" chunk. Lock held. */
static void chunk_locked(gateway__tap *t, json_t *delta, const char *finish, json_t *usage)
{
    json_t *choice =
        json_pack("{s:i,s:o,s:s?}", "index", 0, "delta", delta, "finish_reason", finish);
    json_t *c = json_pack("{s:s,s:s,s:I,s:s,s:[o]}", "id", t->id, "object", "chat.completion.chunk",
                          "created", (json_int_t)t->created, "model", t->model, "choices", choice);
    if (!finish)
        json_object_set_new(json_array_get(json_object_get(c, "choices"), 0), "finish_reason",
                            json_null());
    if (usage) {
        json_array_clear(json_object_get(c, "choices"));
        json_object_set_new(c, "usage", usage);
    }
    char *s = jx_dumps(c);
    json_decref(c);
    if (s && bx_buf_printf(&t->out, "data: %s\n\n", s) != BX_OK)
        snprintf(t->error, sizeof t->error, "the reply is over %u bytes", OUT_MAX);
    free(s);
}

static json_t *usage_json(const gateway__tap *t)
{
    return json_pack("{s:I,s:I,s:I}", "prompt_tokens", (json_int_t)t->in_tokens,
                     "completion_tokens", (json_int_t)t->out_tokens, "total_tokens",
                     (json_int_t)(t->in_tokens + t->out_tokens));
}

static const char *finish_for(const char *outcome)
{
    if (strncmp(outcome, "max_", 4) == 0)
        return "length";
    return "stop";
}

/* Ends a stream: the final chunk, usage if asked, [DONE]. Lock held. */
static void finish_stream_locked(gateway__tap *t)
{
    if (t->finished)
        return;
    t->finished = true;
    if (!t->role_sent) {
        chunk_locked(t, json_pack("{s:s,s:s}", "role", "assistant", "content", ""), NULL, NULL);
        t->role_sent = true;
    }
    chunk_locked(t, json_object(), t->finish ? t->finish : "stop", NULL);
    if (t->include_usage)
        chunk_locked(t, json_object(), NULL, usage_json(t));
    bx_buf_puts(&t->out, "data: [DONE]\n\n");
}

/* The run's events, as the run's extra listener (runs.c). */
static void tap_event(void *ctx, const json_t *ev)
{
    gateway__tap *t = ctx;
    const char *type = jx_str(ev, "type", "");
    pthread_mutex_lock(&t->lock);
    if (strcmp(type, "message_start") == 0) {
        bx_buf_reset(&t->text);
    } else if (strcmp(type, "text_delta") == 0) {
        const char *text = jx_str(ev, "text", "");
        if (t->stream) {
            json_t *delta = json_pack("{s:s}", "content", text);
            if (!t->role_sent)
                jx_set_str(delta, "role", "assistant");
            t->role_sent = true;
            chunk_locked(t, delta, NULL, NULL);
        } else if (bx_buf_puts(&t->text, text) != BX_OK) {
            snprintf(t->error, sizeof t->error, "the reply is over %u bytes", OUT_MAX);
        }
    } else if (strcmp(type, "usage") == 0) {
        t->in_tokens += jx_int(ev, "input_tokens", 0);
        t->out_tokens += jx_int(ev, "output_tokens", 0);
    } else if (strcmp(type, "error") == 0 && !t->error[0]) {
        snprintf(t->error, sizeof t->error, "%s", jx_str(ev, "message", "error"));
    } else if (strcmp(type, "run_end") == 0) {
        t->finish = finish_for(jx_str(ev, "outcome", "completed"));
        if (t->stream)
            finish_stream_locked(t);
    }
    wake_locked(t);
    pthread_mutex_unlock(&t->lock);
}

static void tap_done(void *ctx, agent_outcome outcome, const bx_error *detail)
{
    gateway__tap *t = ctx;
    pthread_mutex_lock(&t->lock);
    if (outcome == AGENT_OUTCOME_ERROR && !t->error[0] && detail && detail->message[0])
        snprintf(t->error, sizeof t->error, "%s", detail->message);
    if (!t->finish)
        t->finish = finish_for(agent_outcome_name(outcome));
    if (t->stream) {
        finish_stream_locked(t);
    } else {
        json_t *msg =
            json_pack("{s:s,s:s%}", "role", "assistant", "content", t->text.data, t->text.len);
        json_t *c = json_pack("{s:s,s:s,s:I,s:s,s:[{s:i,s:o,s:s}],s:o}", "id", t->id, "object",
                              "chat.completion", "created", (json_int_t)t->created, "model",
                              t->model, "choices", "index", 0, "message", msg, "finish_reason",
                              t->finish, "usage", usage_json(t));
        if (outcome == AGENT_OUTCOME_ERROR && t->error[0])
            json_object_set_new(c, "error",
                                json_pack("{s:s,s:s}", "code", "run_failed", "message", t->error));
        json_object_set_new(c, "session_id", json_string(t->session_id));
        char *s = jx_dumps(c);
        json_decref(c);
        if (s)
            bx_buf_puts(&t->out, s);
        free(s);
    }
    t->done = true;
    wake_locked(t);
    pthread_mutex_unlock(&t->lock);
    tap_unref(t);
}

static ssize_t tap_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    gateway__tap *t = cls;
    pthread_mutex_lock(&t->lock);
    ssize_t r;
    if (t->out_off < t->out.len) {
        size_t n = BX_MIN(max, t->out.len - t->out_off);
        memcpy(buf, t->out.data + t->out_off, n);
        t->out_off += n;
        if (t->out_off == t->out.len) {
            bx_buf_reset(&t->out);
            t->out_off = 0;
        }
        r = (ssize_t)n;
    } else if (t->done) {
        r = MHD_CONTENT_READER_END_OF_STREAM;
    } else if (t->ping_due) {
        /* An SSE comment for streams; for a JSON answer, whitespace before
         * the object (still valid JSON). */
        t->ping_due = false;
        const char *k = t->stream ? ": keepalive\n\n" : "\n";
        size_t n = BX_MIN(max, strlen(k));
        memcpy(buf, k, n);
        r = (ssize_t)n;
    } else {
        t->suspended = true;
        MHD_suspend_connection(t->conn);
        r = 0;
    }
    pthread_mutex_unlock(&t->lock);
    return r;
}

static void tap_response_free(void *cls)
{
    gateway__tap *t = cls;
    taps_unlink(t->gw, t);
    pthread_mutex_lock(&t->lock);
    t->conn = NULL;
    bool gone_early = !t->done;
    pthread_mutex_unlock(&t->lock);
    if (gone_early) {
        /* The client went away: nobody wants the rest of this run. */
        gateway *gw = t->gw;
        pthread_mutex_lock(&gw->runs_lock);
        gw_run *r = bx_map_gets(&gw->runs, t->session_id);
        if (r)
            gateway__run_cancel_locked(r);
        pthread_mutex_unlock(&gw->runs_lock);
    }
    tap_unref(t);
}

/* The text of a message's content: a string, or an array of text parts. */
static bool content_text(const json_t *content, bx_buf *out)
{
    if (json_is_string(content))
        return bx_buf_append(out, json_string_value(content), json_string_length(content)) == BX_OK;
    if (!json_is_array(content))
        return json_is_null(content);
    size_t i;
    json_t *part;
    json_array_foreach(content, i, part)
    {
        if (strcmp(jx_str(part, "type", ""), "text") != 0)
            return false;
        if (bx_buf_puts(out, jx_str(part, "text", "")) != BX_OK)
            return false;
    }
    return true;
}

/* The prompt: earlier turns as a transcript, then the last user message. */
static bool build_prompt(const json_t *messages, bx_buf *out, char *title, size_t title_cap)
{
    size_t n = json_array_size(messages);
    if (n == 0)
        return false;
    json_t *last = json_array_get(messages, n - 1);
    if (strcmp(jx_str(last, "role", ""), "user") != 0)
        return false;
    if (n > 1)
        bx_buf_puts(out, "The conversation so far:\n\n");
    for (size_t i = 0; i < n; i++) {
        json_t *m = json_array_get(messages, i);
        const char *role = jx_str(m, "role", NULL);
        if (!json_is_object(m) || !role)
            return false;
        if (i + 1 == n && n > 1)
            bx_buf_puts(out, "\nThe user's new message:\n\n");
        else if (n > 1)
            bx_buf_printf(out, "[%s]\n", role);
        size_t before = out->len;
        if (!content_text(json_object_get(m, "content"), out))
            return false;
        if (i + 1 == n)
            snprintf(title, title_cap, "%.60s", out->data + before);
        if (bx_buf_puts(out, "\n") != BX_OK)
            return false;
    }
    return true;
}

static enum MHD_Result chat_completions(gateway_req *req)
{
    enum MHD_Result r;
    json_t *body = gateway__body_object(req, &r);
    if (!body)
        return r;
    gateway *gw = req->gw;
    const char *agent = jx_str(body, "model", NULL);
    json_t *messages = jx_arr(body, "messages");
    json_t *stream = json_object_get(body, "stream");
    const workspace_config *settings = workspace_config_get(gw->ws);
    const workspace_agent_def *def = agent ? workspace_config_agent(settings, agent) : NULL;
    bx_buf prompt;
    bx_buf_init(&prompt, GATEWAY_BODY_MAX);
    char title[64] = "";
    gateway__tap *t = NULL;
    if (!agent || !messages || (stream && !json_is_boolean(stream) && !json_is_null(stream))) {
        r = gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_request",
                                "model (an agent name) and messages (an array) are required");
        goto out;
    }
    if (!def) {
        r = gateway__send_error(req, MHD_HTTP_NOT_FOUND, "model_not_found",
                                "model must name an agent; there is no agent \"%s\"", agent);
        goto out;
    }
    if (!build_prompt(messages, &prompt, title, sizeof title)) {
        r = gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_request",
                                "messages must be objects with a role and text content, the "
                                "last one from the user");
        goto out;
    }
    char sid[37];
    bx_error e;
    store_session_fields f = {.title = title,
                              .agent = agent,
                              .model = def->model ? def->model : settings->default_model};
    gateway__sessions_changed(gw);
    bx_err err = store_session_create(gw->st, &f, sid, &e);
    if (err) {
        r = gateway__send_bx_error(req, err, &e);
        goto out;
    }
    t = bx_calloc(1, sizeof *t);
    pthread_mutex_init(&t->lock, NULL);
    t->refs = 2;
    t->gw = gw;
    t->stream = json_is_true(stream);
    t->include_usage = jx_bool(jx_obj(body, "stream_options"), "include_usage", false);
    t->created = bx_wall_ms() / 1000;
    t->conn = req->conn;
    snprintf(t->model, sizeof t->model, "%s", agent);
    snprintf(t->session_id, sizeof t->session_id, "%s", sid);
    snprintf(t->id, sizeof t->id, "chatcmpl-%s", sid);
    bx_buf_init(&t->text, OUT_MAX);
    bx_buf_init(&t->out, OUT_MAX);
    gateway_run_opts o = {
        .session_id = sid,
        .prompt = prompt.data,
        .agent = agent,
        .can_ask = false,
        .on_event = tap_event,
        .on_event_ctx = t,
        .on_done = tap_done,
        .on_done_ctx = t,
    };
    if ((err = gateway__run_start(gw, &o, &e)) != BX_OK) {
        store_session_delete(gw->st, sid, NULL);
        t->refs = 1;
        tap_unref(t);
        t = NULL;
        r = gateway__send_bx_error(req, err, &e);
        goto out;
    }
    taps_link(gw, t);
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, tap_read, t, tap_response_free);
    if (!resp) {
        tap_response_free(t);
        r = MHD_NO;
        goto out;
    }
    MHD_add_response_header(resp, "Content-Type",
                            t->stream ? "text/event-stream" : "application/json");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    r = MHD_queue_response(req->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    req->responded = true;
out:
    bx_buf_release(&prompt);
    workspace_config_release(settings);
    json_decref(body);
    return r;
}

static enum MHD_Result list_models(gateway_req *req)
{
    const workspace_config *settings = workspace_config_get(req->gw->ws);
    json_t *data = json_array();
    for (size_t i = 0; i < settings->n_agents; i++)
        json_array_append_new(data, json_pack("{s:s,s:s,s:i,s:s}", "id", settings->agents[i].name,
                                              "object", "model", "created", 0, "owned_by",
                                              "boxagnts"));
    workspace_config_release(settings);
    return gateway__send_json(req, MHD_HTTP_OK,
                              json_pack("{s:s,s:o}", "object", "list", "data", data));
}

const gateway_route gateway__openai_routes[] = {
    {"POST", "/v1/chat/completions", chat_completions, 0},
    {"GET", "/v1/models", list_models, 0},
};
const size_t gateway__openai_route_count = BX_ARRAY_LEN(gateway__openai_routes);
