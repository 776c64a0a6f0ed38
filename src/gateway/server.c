/* server.c: the libmicrohttpd daemon and request dispatch.
 *
 * Every request goes through the same gate, in this order: Host check (DNS
 * rebinding), route lookup, token (Bearer or the login cookie) unless the
 * route is public, Origin check for state-changing methods (CSRF), body
 * collection under the route's cap, then the handler. Errors have one shape
 * everywhere: {"error": {"code": "...", "message": "..."}} with a real status. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway/gateway_int.h"

/* ------------------------------------------------------------- routing */

static enum MHD_Result route_healthz(gateway_req *req)
{
    json_int_t uptime_ms = (json_int_t)((bx_mono_ns() - req->gw->started_ns) / 1000000u);
    return gateway__send_json(req, MHD_HTTP_OK,
                              json_pack("{s:s,s:s,s:I,s:I}", "status", "ok", "version", BX_VERSION,
                                        "uptime_s", uptime_ms / 1000, "uptime_ms", uptime_ms));
}

static const gateway_route core_routes[] = {
    {"GET", "/healthz", route_healthz, GATEWAY_PUBLIC},
};

typedef struct route_table {
    const gateway_route *routes;
    const size_t *count;
} route_table;

static const size_t core_route_count = BX_ARRAY_LEN(core_routes);
static const route_table tables[] = {
    {core_routes, &core_route_count},
    {gateway__auth_routes, &gateway__auth_route_count},
    {gateway__session_routes, &gateway__session_route_count},
    {gateway__file_routes, &gateway__file_route_count},
    {gateway__settings_routes, &gateway__settings_route_count},
    {gateway__chat_routes, &gateway__chat_route_count},
    {gateway__openai_routes, &gateway__openai_route_count},
};

/* Matches url against pattern; "{x}" matches one non-empty segment and is
 * captured (URL-decoded). Returns false without captures on mismatch. */
static bool match(const char *pattern, const char *url, gateway_req *req)
{
    int n = 0;
    char *caps[GATEWAY_MAX_PARAMS];
    const char *p = pattern, *u = url;
    while (*p && *u) {
        if (*p == '{') {
            const char *pe = strchr(p, '}');
            const char *ue = strchr(u, '/');
            size_t len = ue ? (size_t)(ue - u) : strlen(u);
            if (!pe || len == 0 || n == GATEWAY_MAX_PARAMS)
                goto fail;
            caps[n] = bx_strndup(u, len);
            MHD_http_unescape(caps[n]);
            n++;
            p = pe + 1;
            u += len;
            continue;
        }
        if (*p != *u)
            goto fail;
        p++;
        u++;
    }
    if (*p || *u)
        goto fail;
    for (int i = 0; i < n; i++)
        req->params[i] = caps[i];
    req->nparams = n;
    return true;
fail:
    for (int i = 0; i < n; i++)
        bx_free(caps[i]);
    return false;
}

/* Finds the route for (method, url). *out_path_known tells a 405 from a 404. */
static const gateway_route *find_route(gateway_req *req, bool *out_path_known)
{
    *out_path_known = false;
    const char *method = strcmp(req->method, "HEAD") == 0 ? "GET" : req->method;
    for (size_t t = 0; t < BX_ARRAY_LEN(tables); t++) {
        for (size_t i = 0; i < *tables[t].count; i++) {
            const gateway_route *r = &tables[t].routes[i];
            if (!match(r->pattern, req->url, req))
                continue;
            if (strcmp(r->method, method) == 0)
                return r;
            *out_path_known = true;
            for (int k = 0; k < req->nparams; k++)
                bx_free(req->params[k]);
            req->nparams = 0;
        }
    }
    return NULL;
}

static bool state_changing(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
           strcmp(method, "OPTIONS") != 0;
}

/* Per-request context kept in MHD's con_cls between callbacks. */
typedef struct req_ctx {
    gateway_req req;
    const gateway_route *route;
    bool rejected; /* an early answer was queued; ignore the body */
} req_ctx;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    gateway *gw = cls;
    req_ctx *ctx = *con_cls;
    if (!ctx) {
        /* Headers have arrived: decide everything that needs no body now, so a
         * refused request never makes us buffer its body. */
        ctx = bx_calloc(1, sizeof *ctx);
        *con_cls = ctx;
        gateway_req *req = &ctx->req;
        req->gw = gw;
        req->conn = conn;
        req->method = method;
        req->url = url;
        bx_buf_init(&req->body, GATEWAY_BODY_MAX);
        if (!gateway__host_allowed(req)) {
            ctx->rejected = true;
            return gateway__send_error(req, MHD_HTTP_MISDIRECTED_REQUEST, "bad_host",
                                       "the Host header does not name this server");
        }
        bool path_known;
        ctx->route = find_route(req, &path_known);
        if (!ctx->route && !path_known && (!strcmp(method, "GET") || !strcmp(method, "HEAD")) &&
            strncmp(url, "/api/", 5) != 0 && strncmp(url, "/v1/", 4) != 0) {
            ctx->rejected = true; /* answered now; a body is ignored */
            return gateway__serve_static(req);
        }
        if (!ctx->route) {
            ctx->rejected = true;
            if (path_known)
                return gateway__send_error(req, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                                           "%s is not allowed on %s", method, url);
            return gateway__send_error(req, MHD_HTTP_NOT_FOUND, "not_found", "no route for %s",
                                       url);
        }
        if (!(ctx->route->flags & GATEWAY_PUBLIC)) {
            req->auth = gateway__authenticate(req);
            if (req->auth == GATEWAY_AUTH_NONE) {
                ctx->rejected = true;
                return gateway__send_error(req, MHD_HTTP_UNAUTHORIZED, "unauthorized",
                                           "an access token is required (Authorization: "
                                           "Bearer TOKEN, or log in with the token URL)");
            }
        }
        if (state_changing(method) && !gateway__origin_allowed(req)) {
            ctx->rejected = true;
            return gateway__send_error(req, MHD_HTTP_FORBIDDEN, "bad_origin",
                                       "cross-origin request refused");
        }
        if (ctx->route->flags & GATEWAY_UPLOAD)
            req->body.max = GATEWAY_UPLOAD_MAX;
        return MHD_YES;
    }
    gateway_req *req = &ctx->req;
    if (*upload_data_size) {
        if (!ctx->rejected && !req->body_too_big &&
            bx_buf_append(&req->body, upload_data, *upload_data_size) != BX_OK) {
            req->body_too_big = true;
            bx_buf_release(&req->body);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (ctx->rejected || req->responded)
        return MHD_YES;
    if (req->body_too_big)
        return gateway__send_error(req, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
                                   "request body over the %zu-byte limit", req->body.max);
    return ctx->route->fn(req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    req_ctx *ctx = *con_cls;
    if (!ctx)
        return;
    for (int i = 0; i < ctx->req.nparams; i++)
        bx_free(ctx->req.params[i]);
    bx_buf_release(&ctx->req.body);
    bx_free(ctx);
    *con_cls = NULL;
}

/* --------------------------------------------------------------- daemon */

bool gateway_host_is_loopback(const char *host)
{
    if (strcmp(host, "localhost") == 0)
        return true;
    struct in_addr a4;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    struct in6_addr a6;
    if (inet_pton(AF_INET6, host, &a6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&a6);
    return false;
}

bx_err gateway_start(const gateway_config *cfg, bx_error *detail, gateway **out_gw)
{
    if (!gateway_host_is_loopback(cfg->host) &&
        (!cfg->admin_user || !*cfg->admin_user || !cfg->admin_pass || !*cfg->admin_pass))
        return bx_error_set(detail, BX_DENIED, -1,
                            "binding %s exposes the server beyond this machine: "
                            "set --admin-user and --admin-pass",
                            cfg->host);
    if (cfg->port < 0 || cfg->port > 65535)
        return bx_error_set(detail, BX_INVALID, -1, "port %d is out of range", cfg->port);

    union {
        struct sockaddr_in v4;
        struct sockaddr_in6 v6;
    } addr;
    memset(&addr, 0, sizeof addr);
    const char *host = strcmp(cfg->host, "localhost") == 0 ? "127.0.0.1" : cfg->host;
    /* Suspend/resume: an SSE stream with nothing to send is parked, not polled. */
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    if (inet_pton(AF_INET, host, &addr.v4.sin_addr) == 1) {
        addr.v4.sin_family = AF_INET;
        addr.v4.sin_port = htons((uint16_t)cfg->port);
    } else if (inet_pton(AF_INET6, host, &addr.v6.sin6_addr) == 1) {
        addr.v6.sin6_family = AF_INET6;
        addr.v6.sin6_port = htons((uint16_t)cfg->port);
        flags |= MHD_USE_IPv6;
    } else {
        return bx_error_set(detail, BX_INVALID, -1, "--host %s is not an IP address", cfg->host);
    }

    gateway *gw = bx_calloc(1, sizeof *gw);
    gw->cfg = *cfg;
    gw->ws = cfg->ws;
    gw->host = bx_strdup(cfg->host);
    gw->started_ns = bx_mono_ns();
    pthread_mutex_init(&gw->settings_lock, NULL);
    gateway__runs_init(gw);
    gateway__list_cache_init(gw);
    gateway__openai_init(gw);
    bx_err err = gateway__auth_init(gw, detail);
    if (err)
        goto fail;
    bx_error se;
    if ((err = store_open(workspace_db_path(gw->ws), NULL, &gw->st, &se)) != BX_OK) {
        bx_error_set(detail, err, -1, "%s: %s", workspace_db_path(gw->ws), se.message);
        goto fail;
    }
    gw->tools = tools_registry_new(NULL);
    if ((err = tools_registry_add_embedded(gw->tools)) != BX_OK) {
        bx_error_set(detail, err, -1, "cannot load the embedded tools");
        goto fail;
    }
    tools_registry_add_tool_search(gw->tools);
    if (tools_registry_load_dir(gw->tools, workspace_tools_dir(gw->ws), true) != BX_OK)
        bx_log(BX_LOG_WARN, "gateway", "cannot follow %s for tools", workspace_tools_dir(gw->ws));
    if ((err = gateway__hubs_init(gw)) != BX_OK) {
        bx_error_set(detail, err, -1, "cannot start the event hub");
        goto fail;
    }
    if (gateway__fswatch_start(gw) != BX_OK)
        bx_log(BX_LOG_WARN, "gateway", "file-change events are off (inotify unavailable)");
    unsigned limit = cfg->connection_limit ? cfg->connection_limit : 4096;
    gw->daemon = MHD_start_daemon(
        flags, (uint16_t)cfg->port, NULL, NULL, on_request, gw, MHD_OPTION_SOCK_ADDR, &addr,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, gw, MHD_OPTION_CONNECTION_LIMIT, limit,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)300, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        gateway__env_size("BOXAGNTS_GW_CONN_MEM", 24 * 1024), MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)gateway__env_size("BOXAGNTS_GW_THREADS", 2), MHD_OPTION_END);
    if (!gw->daemon) {
        err = bx_error_set(detail, BX_IO, -1, "cannot listen on %s:%d (in use, or not permitted)",
                           cfg->host, cfg->port);
        goto fail;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(gw->daemon, MHD_DAEMON_INFO_BIND_PORT);
    gw->port = info ? info->port : cfg->port;
    *out_gw = gw;
    return BX_OK;
fail:
    gateway__fswatch_stop(gw);
    gateway__hubs_free(gw);
    tools_registry_free(gw->tools);
    store_close(gw->st);
    gateway__auth_release(gw);
    gateway__runs_free(gw);
    gateway__list_cache_free(gw);
    gateway__openai_free(gw);
    pthread_mutex_destroy(&gw->settings_lock);
    bx_free(gw->host);
    bx_free(gw);
    return err;
}

int gateway_port(const gateway *gw)
{
    return gw->port;
}

const char *gateway_token(const gateway *gw)
{
    return gw->token;
}

void gateway_stop(gateway *gw)
{
    if (!gw)
        return;
    /* Order matters: runs end first (their events reach the hub and the
     * store), then every stream is resumed and ended — MHD must not be
     * stopped with suspended connections — then the daemon, then the rest. */
    gateway__fswatch_stop(gw);
    gateway__runs_stop(gw);
    gateway__hubs_close_streams(gw);
    MHD_quiesce_daemon(gw->daemon);
    for (int i = 0; i < 200 && __atomic_load_n(&gw->sse_streams, __ATOMIC_RELAXED) > 0; i++)
        usleep(10000);
    MHD_stop_daemon(gw->daemon);
    gateway__hubs_free(gw);
    tools_registry_free(gw->tools);
    store_close(gw->st);
    gateway__auth_release(gw);
    gateway__runs_free(gw);
    gateway__list_cache_free(gw);
    gateway__openai_free(gw);
    pthread_mutex_destroy(&gw->settings_lock);
    bx_free(gw->host);
    bx_free(gw);
}
