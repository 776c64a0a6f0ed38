/* api_sessions.c: sessions, their messages and tool calls over the store.
 * Content blocks are stored as JSON text and returned as JSON values.
 *
 * The sessions list is the dashboard's most frequent request, so its pages
 * are cached as finished JSON, keyed by the query: an entry is used while
 * no session changed through this server (gw->sessions_gen: routes here
 * and every run event bump it) and for at most one second, which bounds
 * how long a write by another process (`boxagnts run`) can go unseen. */
#include <stdlib.h>
#include <string.h>

#include "gateway/gateway_int.h"

static json_t *session_json(const store_session *s)
{
    json_t *meta = jx_parse(s->metadata, strlen(s->metadata), STORE_MAX_TEXT, NULL);
    return json_pack("{s:s,s:s,s:s,s:s,s:o,s:I,s:I,s:s?,s:I,s:I}", "id", s->id, "title", s->title,
                     "agent", s->agent, "model", s->model, "metadata", meta ? meta : json_object(),
                     "created_ms", (json_int_t)s->created_ms, "updated_ms",
                     (json_int_t)s->updated_ms, "parent_id", s->parent_id[0] ? s->parent_id : NULL,
                     "fork_seq", (json_int_t)s->fork_seq, "message_count",
                     (json_int_t)s->message_count);
}

static bool parse_limit(gateway_req *req, const char *key, size_t max, size_t *out)
{
    const char *v = gateway__query(req, key);
    *out = 0;
    if (!v)
        return true;
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || end == v || n < 1 || (size_t)n > max)
        return false;
    *out = (size_t)n;
    return true;
}

#define LIST_CACHE_SLOTS 8
#define LIST_CACHE_TTL_NS 1000000000ull

struct gateway__list_cache {
    pthread_mutex_t lock;
    struct {
        char key[160];
        uint64_t gen, at_ns;
        char *body; /* malloc'd JSON (jansson's allocator) */
        size_t len;
    } slot[LIST_CACHE_SLOTS];
    unsigned next;
};

void gateway__list_cache_init(gateway *gw)
{
    gw->list_cache = bx_calloc(1, sizeof *gw->list_cache);
    pthread_mutex_init(&gw->list_cache->lock, NULL);
}

void gateway__list_cache_free(gateway *gw)
{
    gateway__list_cache *c = gw->list_cache;
    if (!c)
        return;
    for (unsigned i = 0; i < LIST_CACHE_SLOTS; i++)
        free(c->slot[i].body);
    pthread_mutex_destroy(&c->lock);
    bx_free(c);
    gw->list_cache = NULL;
}

/* Answers from the cache when it can; false when the caller must build. */
static bool list_from_cache(gateway_req *req, const char *key, uint64_t gen, enum MHD_Result *out_r)
{
    gateway__list_cache *c = req->gw->list_cache;
    uint64_t now = bx_mono_ns();
    char *copy = NULL;
    size_t len = 0;
    pthread_mutex_lock(&c->lock);
    for (unsigned i = 0; i < LIST_CACHE_SLOTS; i++) {
        if (c->slot[i].body && c->slot[i].gen == gen &&
            now - c->slot[i].at_ns < LIST_CACHE_TTL_NS && strcmp(c->slot[i].key, key) == 0) {
            len = c->slot[i].len;
            copy = malloc(len);
            if (copy)
                memcpy(copy, c->slot[i].body, len);
            break;
        }
    }
    pthread_mutex_unlock(&c->lock);
    if (!copy)
        return false;
    *out_r = gateway__send_bytes(req, MHD_HTTP_OK, "application/json", copy, len, true);
    return true;
}

static void list_to_cache(gateway *gw, const char *key, uint64_t gen, const char *body)
{
    gateway__list_cache *c = gw->list_cache;
    size_t len = strlen(body);
    char *copy = malloc(len + 1);
    if (!copy)
        return;
    memcpy(copy, body, len + 1);
    pthread_mutex_lock(&c->lock);
    unsigned i = c->next++ % LIST_CACHE_SLOTS;
    free(c->slot[i].body);
    snprintf(c->slot[i].key, sizeof c->slot[i].key, "%s", key);
    c->slot[i].gen = gen;
    c->slot[i].at_ns = bx_mono_ns();
    c->slot[i].body = copy;
    c->slot[i].len = len;
    pthread_mutex_unlock(&c->lock);
}

static enum MHD_Result list_sessions(gateway_req *req)
{
    size_t limit;
    if (!parse_limit(req, "limit", STORE_MAX_PAGE, &limit))
        return gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_request",
                                   "limit must be an integer from 1 to %d", STORE_MAX_PAGE);
    const char *cursor = gateway__query(req, "cursor");
    char key[160];
    bool cacheable = !cursor || strlen(cursor) < 100;
    uint64_t gen = __atomic_load_n(&req->gw->sessions_gen, __ATOMIC_ACQUIRE);
    enum MHD_Result cr;
    if (cacheable) {
        snprintf(key, sizeof key, "%zu|%s", limit, cursor ? cursor : "");
        if (list_from_cache(req, key, gen, &cr))
            return cr;
    }
    store_session_list l = {0};
    bx_error e;
    bx_err err = store_sessions_list(req->gw->st, limit, gateway__query(req, "cursor"), &l, &e);
    if (err)
        return gateway__send_bx_error(req, err, &e);
    json_t *arr = json_array();
    for (size_t i = 0; i < l.len; i++)
        json_array_append_new(arr, session_json(&l.items[i]));
    json_t *body = json_pack("{s:o,s:s?}", "sessions", arr, "next_cursor",
                             l.next_cursor[0] ? l.next_cursor : NULL);
    store_session_list_release(&l);
    char *text = jx_dumps(body);
    json_decref(body);
    if (!text)
        return MHD_NO;
    if (cacheable)
        list_to_cache(req->gw, key, gen, text);
    return gateway__send_bytes(req, MHD_HTTP_OK, "application/json", text, strlen(text), true);
}

/* Checks that optional string fields are strings when present. */
static const char *opt_string(json_t *body, const char *key, bool *bad)
{
    json_t *v = json_object_get(body, key);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        *bad = true;
        return NULL;
    }
    return json_string_value(v);
}

static enum MHD_Result create_session(gateway_req *req)
{
    enum MHD_Result r;
    json_t *body = req->body.len ? gateway__body_object(req, &r) : json_object();
    if (!body)
        return r;
    bool bad = false;
    const workspace_config *settings = workspace_config_get(req->gw->ws);
    store_session_fields f = {
        .title = opt_string(body, "title", &bad),
        .agent = opt_string(body, "agent", &bad),
        .model = opt_string(body, "model", &bad),
    };
    if (bad) {
        workspace_config_release(settings);
        json_decref(body);
        return gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_request",
                                   "title, agent and model must be strings");
    }
    if (!f.agent)
        f.agent = "build";
    if (!workspace_config_agent(settings, f.agent)) {
        r = gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_request",
                                "no agent named \"%s\"", f.agent);
        goto out;
    }
    if (!f.model)
        f.model = settings->default_model;
    char id[37];
    bx_error e;
    gateway__sessions_changed(req->gw);
    bx_err err = store_session_create(req->gw->st, &f, id, &e);
    if (err) {
        r = gateway__send_bx_error(req, err, &e);
        goto out;
    }
    store_session s = {0};
    err = store_session_get(req->gw->st, id, &s, &e);
    if (err) {
        r = gateway__send_bx_error(req, err, &e);
        goto out;
    }
    r = gateway__send_json(req, MHD_HTTP_CREATED, session_json(&s));
    store_session_release(&s);
out:
    workspace_config_release(settings);
    json_decref(body);
    return r;
}

static enum MHD_Result get_session(gateway_req *req)
{
    store_session s = {0};
    bx_error e;
    bx_err err = store_session_get(req->gw->st, req->params[0], &s, &e);
    if (err)
        return gateway__send_bx_error(req, err, &e);
    store_message_list ml = {0};
    err = store_messages_get(req->gw->st, s.id, 0, 0, &ml, &e);
    if (err) {
        store_session_release(&s);
        return gateway__send_bx_error(req, err, &e);
    }
    json_t *msgs = json_array();
    for (size_t i = 0; i < ml.len; i++) {
        store_message *m = &ml.items[i];
        json_t *content = jx_parse(m->content, strlen(m->content), STORE_MAX_TEXT, NULL);
        json_array_append_new(
            msgs, json_pack("{s:I,s:s,s:o,s:I,s:I,s:I}", "seq", (json_int_t)m->seq, "role", m->role,
                            "content", content ? content : json_array(), "created_ms",
                            (json_int_t)m->created_ms, "input_tokens", (json_int_t)m->input_tokens,
                            "output_tokens", (json_int_t)m->output_tokens));
    }
    json_t *body = session_json(&s);
    json_object_set_new(body, "messages", msgs);
    store_message_list_release(&ml);
    store_session_release(&s);
    return gateway__send_json(req, MHD_HTTP_OK, body);
}

static enum MHD_Result patch_session(gateway_req *req)
{
    enum MHD_Result r;
    json_t *body = gateway__body_object(req, &r);
    if (!body)
        return r;
    bool bad = false;
    store_session_fields f = {
        .title = opt_string(body, "title", &bad),
        .agent = opt_string(body, "agent", &bad),
        .model = opt_string(body, "model", &bad),
    };
    bx_error e;
    bx_err err = BX_OK;
    if (bad)
        r = gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_request",
                                "title, agent and model must be strings");
    else if (gateway__sessions_changed(req->gw),
             (err = store_session_update(req->gw->st, req->params[0], &f, &e)))
        r = gateway__send_bx_error(req, err, &e);
    json_decref(body);
    if (bad || err)
        return r;
    store_session s = {0};
    if ((err = store_session_get(req->gw->st, req->params[0], &s, &e)))
        return gateway__send_bx_error(req, err, &e);
    r = gateway__send_json(req, MHD_HTTP_OK, session_json(&s));
    store_session_release(&s);
    return r;
}

static enum MHD_Result delete_session(gateway_req *req)
{
    if (gateway__run_active(req->gw, req->params[0]))
        return gateway__send_error(req, MHD_HTTP_CONFLICT, "conflict",
                                   "a run is in progress in this session; cancel it first");
    bx_error e;
    gateway__sessions_changed(req->gw);
    bx_err err = store_session_delete(req->gw->st, req->params[0], &e);
    if (err)
        return gateway__send_bx_error(req, err, &e);
    return gateway__send_json(req, MHD_HTTP_OK, json_pack("{s:b}", "deleted", 1));
}

static enum MHD_Result fork_session(gateway_req *req)
{
    enum MHD_Result r;
    json_t *body = gateway__body_object(req, &r);
    if (!body)
        return r;
    json_t *at = json_object_get(body, "at_seq");
    bool bad = false;
    const char *title = opt_string(body, "title", &bad);
    if (!json_is_integer(at) || bad) {
        json_decref(body);
        return gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_request",
                                   "at_seq (integer) is required; title must be a string");
    }
    char id[37];
    bx_error e;
    gateway__sessions_changed(req->gw);
    bx_err err = store_session_fork(req->gw->st, req->params[0], (int64_t)json_integer_value(at),
                                    title, id, &e);
    json_decref(body);
    if (err)
        return gateway__send_bx_error(req, err, &e);
    store_session s = {0};
    if ((err = store_session_get(req->gw->st, id, &s, &e)))
        return gateway__send_bx_error(req, err, &e);
    r = gateway__send_json(req, MHD_HTTP_CREATED, session_json(&s));
    store_session_release(&s);
    return r;
}

static enum MHD_Result list_tool_calls(gateway_req *req)
{
    store_tool_call_list l = {0};
    store_session s = {0};
    bx_error e;
    bx_err err = store_session_get(req->gw->st, req->params[0], &s, &e);
    store_session_release(&s);
    if (err)
        return gateway__send_bx_error(req, err, &e);
    err = store_tool_calls_list(req->gw->st, req->params[0], &l, &e);
    if (err)
        return gateway__send_bx_error(req, err, &e);
    json_t *arr = json_array();
    for (size_t i = 0; i < l.len; i++) {
        store_tool_call *c = &l.items[i];
        json_t *input = jx_parse(c->input, strlen(c->input), STORE_MAX_TEXT, NULL);
        json_array_append_new(
            arr, json_pack("{s:s,s:I,s:s,s:o,s:s?,s:b,s:s,s:I,s:I,s:I}", "id", c->id, "message_seq",
                           (json_int_t)c->message_seq, "tool", c->tool, "input",
                           input ? input : json_object(), "output", c->output, "is_error",
                           c->is_error, "status", store_tool_status_name(c->status), "started_ms",
                           (json_int_t)c->started_ms, "ended_ms", (json_int_t)c->ended_ms,
                           "duration_ms", (json_int_t)c->duration_ms));
    }
    store_tool_call_list_release(&l);
    return gateway__send_json(req, MHD_HTTP_OK, json_pack("{s:o}", "tool_calls", arr));
}

const gateway_route gateway__session_routes[] = {
    {"GET", "/api/sessions", list_sessions, 0},
    {"POST", "/api/sessions", create_session, 0},
    {"GET", "/api/sessions/{id}", get_session, 0},
    {"PATCH", "/api/sessions/{id}", patch_session, 0},
    {"DELETE", "/api/sessions/{id}", delete_session, 0},
    {"POST", "/api/sessions/{id}/fork", fork_session, 0},
    {"GET", "/api/sessions/{id}/tool-calls", list_tool_calls, 0},
};
const size_t gateway__session_route_count = BX_ARRAY_LEN(gateway__session_routes);
