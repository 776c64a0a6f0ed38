/* gateway: the HTTP server (level 8). libmicrohttpd in epoll mode with an
 * internal polling thread and a connection limit well above 1,000.
 *
 * Every route but /healthz, the login page and static assets needs the
 * access token (Bearer, or the HttpOnly cookie set by logging in); the Host
 * header must name this server and state-changing requests a matching
 * Origin. The gateway opens the workspace's store. API: docs/api.md.
 */
#ifndef BX_GATEWAY_H
#define BX_GATEWAY_H

#include "util/util.h"
#include "workspace/workspace.h"

typedef struct gateway gateway;

typedef struct gateway_config {
    const char *host;       /* bind address, e.g. "127.0.0.1" or "::1" */
    int port;               /* 0 picks a free port (see gateway_port) */
    const char *app_dir;    /* serve dashboard files from here (NULL: embedded) */
    const char *admin_user; /* required for a non-loopback bind */
    const char *admin_pass;
    workspace *ws;             /* borrowed; outlives the gateway */
    unsigned connection_limit; /* 0 = default (4096) */
} gateway_config;

/* True when host is a loopback address (127.0.0.0/8, ::1, "localhost"). */
bool gateway_host_is_loopback(const char *host);

/* Starts serving in background threads. Fails with a message when the
 * address cannot be bound or a non-loopback host lacks admin credentials. */
bx_err gateway_start(const gateway_config *cfg, bx_error *detail, gateway **out_gw);
/* The bound port (useful with port 0). */
int gateway_port(const gateway *gw);
/* The access token (for the login URL), and whether this start made it. */
const char *gateway_token(const gateway *gw);
bool gateway_token_is_new(const gateway *gw);
/* Stops accepting, finishes in-flight requests, frees everything. */
void gateway_stop(gateway *gw);

#endif
