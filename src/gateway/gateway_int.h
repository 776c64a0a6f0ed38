/* gateway_int.h: what the gateway's files share — the request, the route
 * table entry, response helpers and the auth state. Not for other modules. */
#ifndef BX_GATEWAY_INT_H
#define BX_GATEWAY_INT_H

#include <microhttpd.h>
#include <pthread.h>

#include "gateway/gateway.h"
#include "json/json.h"
#include "store/store.h"

/* Request bodies: JSON up to 1 MiB, file uploads up to 64 MiB. */
#define GATEWAY_BODY_MAX (1u << 20)
#define GATEWAY_UPLOAD_MAX (64u << 20)
#define GATEWAY_MAX_PARAMS 4
#define GATEWAY_COOKIE "bx_session"

typedef struct gateway__ratelimit gateway__ratelimit;

struct gateway {
    struct MHD_Daemon *daemon;
    gateway_config cfg;
    workspace *ws;
    store *st;               /* opened by the gateway at start */
    char *host;              /* the bound address as given */
    int port;
    uint64_t started_ns;
    char token[65];          /* the access token (hex) */
    bool token_new;          /* made at this start: print the login URL */
    char cookie_value[65];   /* HMAC(token, "cookie"): what the cookie holds */
    char *admin_user;        /* NULL unless configured */
    char *admin_hash;        /* "pbkdf2-sha256$iter$salt$hash" */
    gateway__ratelimit *login_limit;
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
    const char *url;           /* path only, without the query */
    bx_buf body;               /* capped per route */
    bool body_too_big;
    gateway_auth auth;
    /* path parameters from "{name}" segments, in order */
    char *params[GATEWAY_MAX_PARAMS];
    int nparams;
    bool responded;
} gateway_req;

typedef enum MHD_Result (*gateway_handler)(gateway_req *req);

typedef enum gateway_route_flags {
    GATEWAY_PUBLIC = 1 << 0,   /* no token needed */
    GATEWAY_UPLOAD = 1 << 1,   /* body cap GATEWAY_UPLOAD_MAX */
} gateway_route_flags;

typedef struct gateway_route {
    const char *method;
    const char *pattern;       /* "/api/sessions/{id}/messages" */
    gateway_handler fn;
    unsigned flags;
} gateway_route;

/* Responses. Each takes ownership of what it is given. */
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

#endif
