/* server.c: the libmicrohttpd daemon and request dispatch.
 *
 * One route table maps (method, path) to handlers; each handler builds a
 * complete response. Errors use one shape everywhere:
 *   {"error": {"code": "...", "message": "..."}} with a real HTTP status. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <string.h>

#include "gateway/gateway.h"
#include "json/json.h"

struct gateway {
    struct MHD_Daemon *daemon;
    gateway_config cfg;
    char *host;
    uint64_t started_ns;
    int port;
};

typedef struct request {
    gateway *gw;
    struct MHD_Connection *conn;
    const char *method;
    const char *url;
} request;

typedef enum MHD_Result (*route_fn)(request *req);

static enum MHD_Result send_json(request *req, unsigned status, json_t *body)
{
    char *text = jx_dumps(body);
    json_decref(body);
    if (!text)
        return MHD_NO;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(resp, "Content-Type", "application/json");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    enum MHD_Result r = MHD_queue_response(req->conn, status, resp);
    MHD_destroy_response(resp);
    return r;
}

static enum MHD_Result send_error(request *req, unsigned status, const char *code,
                                  const char *message)
{
    return send_json(req, status,
                     json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message));
}

static enum MHD_Result route_healthz(request *req)
{
    json_int_t uptime_ms = (json_int_t)((bx_mono_ns() - req->gw->started_ns) / 1000000u);
    return send_json(req, MHD_HTTP_OK,
                     json_pack("{s:s,s:s,s:I,s:I}", "status", "ok", "version", BX_VERSION,
                               "uptime_s", uptime_ms / 1000, "uptime_ms", uptime_ms));
}

static const struct {
    const char *method;
    const char *path;
    route_fn fn;
} routes[] = {
    {"GET", "/healthz", route_healthz},
};

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    (void)upload_data;
    /* First call per request: headers only. Accept it, answer on the next. */
    if (*con_cls == NULL) {
        static int marker;
        *con_cls = &marker;
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0; /* no route takes a body yet: drain it */
        return MHD_YES;
    }
    request req = {cls, conn, method, url};
    bool path_known = false;
    for (size_t i = 0; i < BX_ARRAY_LEN(routes); i++) {
        if (strcmp(url, routes[i].path) != 0)
            continue;
        path_known = true;
        if (strcmp(method, routes[i].method) == 0 ||
            (strcmp(method, "HEAD") == 0 && strcmp(routes[i].method, "GET") == 0))
            return routes[i].fn(&req);
    }
    if (path_known)
        return send_error(&req, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                          "method not allowed on this path");
    return send_error(&req, MHD_HTTP_NOT_FOUND, "not_found", "no such route");
}

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
                            "set --admin-user and --admin-pass", cfg->host);
    if (cfg->port < 0 || cfg->port > 65535)
        return bx_error_set(detail, BX_INVALID, -1, "port %d is out of range", cfg->port);

    union {
        struct sockaddr_in v4;
        struct sockaddr_in6 v6;
    } addr;
    memset(&addr, 0, sizeof addr);
    const char *host = strcmp(cfg->host, "localhost") == 0 ? "127.0.0.1" : cfg->host;
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
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
    gw->host = bx_strdup(host);
    gw->started_ns = bx_mono_ns();
    unsigned limit = cfg->connection_limit ? cfg->connection_limit : 4096;
    gw->daemon = MHD_start_daemon(
        flags, (uint16_t)cfg->port, NULL, NULL, on_request, gw, MHD_OPTION_SOCK_ADDR, &addr,
        MHD_OPTION_CONNECTION_LIMIT, limit, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024), MHD_OPTION_END);
    if (!gw->daemon) {
        bx_error_set(detail, BX_IO, -1, "cannot listen on %s:%d (in use, or not permitted)",
                     cfg->host, cfg->port);
        bx_free(gw->host);
        bx_free(gw);
        return BX_IO;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(gw->daemon, MHD_DAEMON_INFO_BIND_PORT);
    gw->port = info ? info->port : cfg->port;
    *out_gw = gw;
    return BX_OK;
}

int gateway_port(const gateway *gw)
{
    return gw->port;
}

void gateway_stop(gateway *gw)
{
    if (!gw)
        return;
    MHD_stop_daemon(gw->daemon);
    bx_free(gw->host);
    bx_free(gw);
}
