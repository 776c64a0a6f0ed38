/* gateway_int.h: what the gateway's files share — the request, the route
 * table entry, response helpers and the auth state. Not for other modules. */
#ifndef BX_GATEWAY_INT_H
#define BX_GATEWAY_INT_H

#include <microhttpd.h>
#include <pthread.h>

#include "agent/agent.h"
#include "gateway/gateway.h"
#include "store/store.h"
#include "tools/tools.h"
#include "json/json.h"

/* Request bodies: JSON up to 1 MiB, file uploads up to 64 MiB. */
#define GATEWAY_BODY_MAX (1u << 20)
#define GATEWAY_UPLOAD_MAX (64u << 20)
#define GATEWAY_MAX_PARAMS 4
#define GATEWAY_COOKIE "bx_session"
#define GATEWAY_FILES_CHANNEL "~files"

typedef struct gateway__ratelimit gateway__ratelimit;
typedef struct gateway__hubs gateway__hubs;
typedef struct gateway__chan gateway__chan;
typedef struct gateway__fswatch gateway__fswatch;
typedef struct gw_run gw_run;
typedef struct gateway__list_cache gateway__list_cache;
typedef void (*gateway__heartbeat_fn)(gateway *gw);
#define GATEWAY_HEARTBEAT_HOOKS 4

struct gateway {
    struct MHD_Daemon *daemon;
    gateway_config cfg;
    workspace *ws;
    store *st;  /* opened by the gateway at start */
    char *host; /* the bound address as given */
    int port;
    uint64_t started_ns;
    char token[65];        /* the access token (hex) */
    bool token_new;        /* made at this start: print the login URL */
    char cookie_value[65]; /* HMAC(token, "cookie"): what the cookie holds */
    char *admin_user;      /* NULL unless configured */
    char *admin_hash;      /* "pbkdf2-sha256$iter$salt$hash" */
    gateway__ratelimit *login_limit;
    gateway__hubs *hubs;           /* SSE fan-out (hub.c) */
    tools_registry *tools;         /* the tools runs get (minus tools.disabled) */
    pthread_mutex_t settings_lock; /* read-modify-write of settings by the API */
    pthread_mutex_t runs_lock;     /* runs, runs_live */
    pthread_cond_t runs_cond;
    bx_map runs;                     /* session id -> gw_run * (at most one per session) */
    int runs_live;                   /* run threads not yet finished */
    bool runs_closed;                /* shutting down: no new runs */
    pthread_mutex_t taps_lock;       /* taps */
    struct gateway__tap *taps;       /* open OpenAI-endpoint responses (api_openai.c) */
    int sse_streams;                 /* open SSE responses (atomic) */
    gateway__fswatch *fswatch;       /* file-change events (fswatch.c) */
    uint64_t sessions_gen;           /* bumped on any session change (atomic) */
    gateway__list_cache *list_cache; /* finished GET /api/sessions pages */
    gateway__heartbeat_fn on_heartbeat[GATEWAY_HEARTBEAT_HOOKS]; /* set before the hub starts */
    int n_on_heartbeat;
};

typedef enum gateway_auth {
    GATEWAY_AUTH_NONE = 0,
    GATEWAY_AUTH_BEARER,
    GATEWAY_AUTH_COOKIE,
} gateway_auth;

/* One request, alive from the first callback to the response. */
typedef struct gateway_req {
    gateway *gw;
    struct MHD_Connection *conn;
    const char *method;
    const char *url; /* path only, without the query */
    bx_buf body;     /* capped per route */
    bool body_too_big;
    gateway_auth auth;
    /* path parameters from "{name}" segments, in order */
    char *params[GATEWAY_MAX_PARAMS];
    int nparams;
    bool responded;
} gateway_req;

typedef enum MHD_Result (*gateway_handler)(gateway_req *req);

typedef enum gateway_route_flags {
    GATEWAY_PUBLIC = 1 << 0, /* no token needed */
    GATEWAY_UPLOAD = 1 << 1, /* body cap GATEWAY_UPLOAD_MAX */
} gateway_route_flags;

typedef struct gateway_route {
    const char *method;
    const char *pattern; /* "/api/sessions/{id}/messages" */
    gateway_handler fn;
    unsigned flags;
} gateway_route;

/* Responses (reply.c). Each takes ownership of what it is given. */
enum MHD_Result gateway__send_json(gateway_req *req, unsigned status, json_t *body);
enum MHD_Result gateway__send_error(gateway_req *req, unsigned status, const char *code,
                                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Maps a bx_err to an HTTP status and error code and sends detail's message. */
enum MHD_Result gateway__send_bx_error(gateway_req *req, bx_err err, const bx_error *detail);
enum MHD_Result gateway__send_bytes(gateway_req *req, unsigned status, const char *content_type,
                                    void *data, size_t len, bool must_free);

/* Parses the body as a JSON object; on failure sends the error and returns
 * NULL (the handler then returns the MHD result in *out_result). */
json_t *gateway__body_object(gateway_req *req, enum MHD_Result *out_result);
const char *gateway__query(gateway_req *req, const char *key);
/* A positive integer from the environment (tuning for benchmarks), else def. */
size_t gateway__env_size(const char *name, size_t def);

/* The dashboard's files (static.c); public. */
enum MHD_Result gateway__serve_static(gateway_req *req);

/* Auth (auth.c). */
bx_err gateway__auth_init(gateway *gw, bx_error *detail);
void gateway__auth_release(gateway *gw);
gateway_auth gateway__authenticate(gateway_req *req);
bool gateway__host_allowed(gateway_req *req);
bool gateway__origin_allowed(gateway_req *req);
extern const gateway_route gateway__auth_routes[];
extern const size_t gateway__auth_route_count;

/* API route tables, one per file. */
extern const gateway_route gateway__session_routes[];
extern const size_t gateway__session_route_count;
extern const gateway_route gateway__file_routes[];
extern const size_t gateway__file_route_count;
extern const gateway_route gateway__settings_routes[];
extern const size_t gateway__settings_route_count;
extern const gateway_route gateway__chat_routes[];
extern const size_t gateway__chat_route_count;
extern const gateway_route gateway__openai_routes[];
extern const size_t gateway__openai_route_count;

/* ---------------------------------------------------------------- hub.c */

bx_err gateway__hubs_init(gateway *gw);
/* Ends every SSE stream (before MHD is stopped). */
void gateway__hubs_close_streams(gateway *gw);
bool gateway__hubs_closing(gateway *gw);
void gateway__hubs_free(gateway *gw);
/* A channel by key (a session id, or "~files"); persistent channels store
 * their events. Hold it while publishing; gateway__hub_close drops it. */
gateway__chan *gateway__hub_open(gateway *gw, const char *key, bool persist);
void gateway__hub_close(gateway__chan *ch);
/* Publishes an event (with its own "seq" and "type") to every subscriber. */
void gateway__hub_send(gateway *gw, gateway__chan *ch, const json_t *event);
/* Publishes on a volatile channel, numbering the event (sets "seq"). */
void gateway__hub_publish_volatile(gateway *gw, const char *channel, json_t *event);
/* Answers req with an SSE stream of the channel: from after last_id when
 * given (ring, else store), else from the start of the run in progress. */
enum MHD_Result gateway__sse_serve(gateway_req *req, const char *channel, bool persist,
                                   bool has_last_id, int64_t last_id);
/* Last-Event-ID header, or ?last_event_id=. */
bool gateway__parse_last_event_id(gateway_req *req, int64_t *out_id);
/* fn runs on the hub thread at every SSE heartbeat (keepalives for
 * responses the hub does not own). Register before gateway__hubs_init
 * starts the thread; at most GATEWAY_HEARTBEAT_HOOKS. */
void gateway__hub_on_heartbeat(gateway *gw, gateway__heartbeat_fn fn);

/* ------------------------------------------------------------- runs.c */

/* The one run event listener besides the hub (the OpenAI endpoint's
 * stream); called on the run's emit path, events in seq order. */
typedef void (*gateway__run_event_fn)(void *ctx, const json_t *ev);
typedef void (*gateway__run_done_fn)(void *ctx, agent_outcome outcome, const bx_error *detail);

typedef struct gateway_run_opts {
    const char *session_id; /* must exist */
    const char *prompt;
    const char *agent;
    const char *model; /* NULL/"": the agent's, else settings.default_model */
    const char *mode;  /* NULL: the agent's */
    bool can_ask;      /* someone can answer approvals */
    gateway__run_event_fn on_event; /* may be NULL */
    void *on_event_ctx;
    gateway__run_done_fn on_done; /* called on the run thread at the end */
    void *on_done_ctx;
} gateway_run_opts;

/* Starts a run on its own thread; BX_EXISTS while the session has one. */
bx_err gateway__run_start(gateway *gw, const gateway_run_opts *o, bx_error *detail);
void gateway__runs_init(gateway *gw);
/* Cancels every run and waits for their threads. */
void gateway__runs_stop(gateway *gw);
void gateway__runs_free(gateway *gw);
bool gateway__run_active(gateway *gw, const char *session_id);
/* Cancels r; the caller holds gw->runs_lock (r was found in gw->runs). */
void gateway__run_cancel_locked(gw_run *r);
/* The agent run of r, for approvals, answers and stats; the caller holds
 * gw->runs_lock, which keeps r alive. */
agent_run *gateway__run_agent(gw_run *r);

/* Something about sessions changed (call before the write): the cached
 * session lists (api_sessions.c) are stale. */
static inline void gateway__sessions_changed(gateway *gw)
{
    __atomic_fetch_add(&gw->sessions_gen, 1, __ATOMIC_RELEASE);
}

/* ------------------------------------------------------- api_sessions.c */

void gateway__list_cache_init(gateway *gw);
void gateway__list_cache_free(gateway *gw);

/* --------------------------------------------------------- api_openai.c */

/* The OpenAI endpoint's open responses: their lock, and their keepalives
 * hooked onto the hub's heartbeat. Call before gateway__hubs_init. */
void gateway__openai_init(gateway *gw);
void gateway__openai_free(gateway *gw);

/* ------------------------------------------------------------ fswatch.c */

bx_err gateway__fswatch_start(gateway *gw);
void gateway__fswatch_stop(gateway *gw);

#endif
