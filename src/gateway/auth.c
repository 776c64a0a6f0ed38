/* auth.c: the access token, login, the session cookie, the admin password,
 * and the Host / Origin checks.
 *
 * The token is 32 random bytes (hex) kept in secrets.json; it is printed once,
 * as a login URL, when it is first made. The cookie holds HMAC(token, label),
 * never the token itself, and is HttpOnly + SameSite=Strict. Failed logins
 * are limited per client address (fixed one-minute windows). */
#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/gateway_int.h"

#define TOKEN_SECRET "BOXAGNTS_ACCESS_TOKEN"
#define ADMIN_SECRET "BOXAGNTS_ADMIN"
#define PBKDF2_ITERATIONS 200000
#define LOGIN_FAILS_PER_MINUTE 10

struct gateway__ratelimit {
    pthread_mutex_t lock;
    bx_map by_addr; /* address -> (uintptr_t) (minute << 16 | failures) */
};

bool gateway_token_is_new(const gateway *gw)
{
    return gw->token_new;
}

static void hmac_hex(const char *key, const char *msg, char out[65])
{
    uint8_t mac[32];
    unsigned int n = sizeof mac;
    HMAC(EVP_sha256(), key, (int)strlen(key), (const uint8_t *)msg, strlen(msg), mac, &n);
    bx_hex(mac, 32, out);
}

static bx_err pbkdf2_hex(const char *pass, const char *salt_hex, int iterations, char out[65])
{
    uint8_t dk[32];
    if (PKCS5_PBKDF2_HMAC(pass, (int)strlen(pass), (const uint8_t *)salt_hex, (int)strlen(salt_hex),
                          iterations, EVP_sha256(), sizeof dk, dk) != 1)
        return BX_INTERNAL;
    bx_hex(dk, sizeof dk, out);
    return BX_OK;
}

bx_err gateway__auth_init(gateway *gw, bx_error *detail)
{
    char *token = workspace_secret(gw->ws, TOKEN_SECRET);
    if (!token || strlen(token) < 32 || strlen(token) > 64) {
        uint8_t raw[32];
        bx_random_bytes(raw, sizeof raw);
        char hex[65];
        bx_hex(raw, sizeof raw, hex);
        if (token)
            bx_free(token);
        token = bx_strdup(hex);
        bx_err err = workspace_secret_set(gw->ws, TOKEN_SECRET, token);
        if (err) {
            bx_free(token);
            return bx_error_set(detail, err, -1, "cannot store the access token in %s",
                                workspace_secrets_path(gw->ws));
        }
        gw->token_new = true;
    }
    snprintf(gw->token, sizeof gw->token, "%s", token);
    explicit_bzero(token, strlen(token));
    bx_free(token);
    hmac_hex(gw->token, "boxagnts-session-cookie-v1", gw->cookie_value);

    if (gw->cfg.admin_user && *gw->cfg.admin_user && gw->cfg.admin_pass) {
        uint8_t salt_raw[16];
        bx_random_bytes(salt_raw, sizeof salt_raw);
        char salt[33], hash[65];
        bx_hex(salt_raw, sizeof salt_raw, salt);
        if (pbkdf2_hex(gw->cfg.admin_pass, salt, PBKDF2_ITERATIONS, hash) != BX_OK)
            return bx_error_set(detail, BX_INTERNAL, -1, "cannot hash the admin password");
        gw->admin_user = bx_strdup(gw->cfg.admin_user);
        gw->admin_hash = bx_sprintf("pbkdf2-sha256$%d$%s$%s", PBKDF2_ITERATIONS, salt, hash);
        /* Kept as a salted hash only; the plain password is never stored. */
        char *stored = bx_sprintf("%s:%s", gw->admin_user, gw->admin_hash);
        workspace_secret_set(gw->ws, ADMIN_SECRET, stored);
        bx_free(stored);
    }
    gw->login_limit = bx_calloc(1, sizeof *gw->login_limit);
    pthread_mutex_init(&gw->login_limit->lock, NULL);
    bx_map_init(&gw->login_limit->by_addr);
    return BX_OK;
}

void gateway__auth_release(gateway *gw)
{
    explicit_bzero(gw->token, sizeof gw->token);
    bx_free(gw->admin_user);
    bx_free(gw->admin_hash);
    if (gw->login_limit) {
        bx_map_release(&gw->login_limit->by_addr);
        pthread_mutex_destroy(&gw->login_limit->lock);
        bx_free(gw->login_limit);
    }
}

/* ---------------------------------------------------------- rate limit */

static void client_addr(gateway_req *req, char out[64])
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    out[0] = '\0';
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, 64);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, 64);
}

/* True while this client may still try to log in this minute. */
static bool login_allowed(gateway_req *req, bool record_failure)
{
    gateway__ratelimit *rl = req->gw->login_limit;
    char addr[64];
    client_addr(req, addr);
    uintptr_t minute = (uintptr_t)(bx_mono_ns() / 60000000000ull);
    pthread_mutex_lock(&rl->lock);
    uintptr_t v = (uintptr_t)bx_map_gets(&rl->by_addr, addr);
    uintptr_t fails = (v >> 16) == minute ? (v & 0xffff) : 0;
    if (record_failure && fails < 0xffff)
        fails++;
    if (record_failure || fails)
        bx_map_puts(&rl->by_addr, addr, (void *)((minute << 16) | fails), NULL);
    /* Bound the table: a flood of addresses just resets it. */
    if (rl->by_addr.len > 10000) {
        bx_map_release(&rl->by_addr);
        bx_map_init(&rl->by_addr);
    }
    pthread_mutex_unlock(&rl->lock);
    return fails < LOGIN_FAILS_PER_MINUTE;
}

/* ------------------------------------------------------------- checks */

static bool token_matches(const gateway *gw, const char *given)
{
    size_t n = strlen(gw->token);
    return given && strlen(given) == n && bx_ct_equal(given, gw->token, n);
}

gateway_auth gateway__authenticate(gateway_req *req)
{
    const char *authz = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Authorization");
    if (authz && strncasecmp(authz, "Bearer ", 7) == 0) {
        const char *t = authz + 7;
        while (*t == ' ')
            t++;
        return token_matches(req->gw, t) ? GATEWAY_AUTH_BEARER : GATEWAY_AUTH_NONE;
    }
    const char *cookie = MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, GATEWAY_COOKIE);
    if (cookie && strlen(cookie) == 64 && bx_ct_equal(cookie, req->gw->cookie_value, 64))
        return GATEWAY_AUTH_COOKIE;
    return GATEWAY_AUTH_NONE;
}

/* Splits "host:port" / "[v6]:port" into the host (without brackets) and the
 * port (-1 when absent). False when malformed. */
static bool split_host_port(const char *hp, char *host, size_t cap, long *port)
{
    const char *end;
    *port = -1;
    if (hp[0] == '[') {
        const char *rb = strchr(hp, ']');
        if (!rb || (size_t)(rb - hp - 1) >= cap)
            return false;
        memcpy(host, hp + 1, (size_t)(rb - hp - 1));
        host[rb - hp - 1] = '\0';
        end = rb + 1;
    } else {
        const char *colon = strrchr(hp, ':');
        size_t n = colon ? (size_t)(colon - hp) : strlen(hp);
        if (n >= cap)
            return false;
        memcpy(host, hp, n);
        host[n] = '\0';
        end = hp + n;
    }
    if (*end == ':') {
        char *e;
        *port = strtol(end + 1, &e, 10);
        if (*e || e == end + 1)
            return false;
    } else if (*end) {
        return false;
    }
    return host[0] != '\0';
}

/* The names this server answers to: its bind address, loopback names when
 * bound to loopback, and settings' gateway.allowed_hosts. */
static bool name_allowed(gateway *gw, const char *host)
{
    if (strcasecmp(host, gw->host) == 0)
        return true;
    if (gateway_host_is_loopback(gw->host) &&
        (strcasecmp(host, "localhost") == 0 || strcmp(host, "127.0.0.1") == 0 ||
         strcmp(host, "::1") == 0))
        return true;
    const workspace_config *settings = workspace_config_get(gw->ws);
    bool ok = false;
    for (size_t i = 0; i < settings->n_gateway_hosts && !ok; i++)
        ok = strcasecmp(settings->gateway_hosts[i], host) == 0;
    workspace_config_release(settings);
    return ok;
}

bool gateway__host_allowed(gateway_req *req)
{
    const char *hp = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Host");
    char host[256];
    long port;
    if (!hp || !split_host_port(hp, host, sizeof host, &port))
        return false;
    if (port != -1 && port != req->gw->port)
        return false;
    return name_allowed(req->gw, host);
}

bool gateway__origin_allowed(gateway_req *req)
{
    const char *origin = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Origin");
    const char *site = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Sec-Fetch-Site");
    if (site && strcmp(site, "cross-site") == 0)
        return false;
    if (!origin || strcmp(origin, "null") == 0) {
        /* Browsers send Origin on every state-changing fetch; its absence
         * means a non-browser client, which must then use the Bearer token
         * (a cookie alone could be a forged form post from an old browser). */
        return origin == NULL && req->auth != GATEWAY_AUTH_COOKIE;
    }
    if (strncmp(origin, "http://", 7) != 0)
        return false;
    char host[256];
    long port;
    if (!split_host_port(origin + 7, host, sizeof host, &port))
        return false;
    if (port == -1)
        port = 80;
    return port == req->gw->port && name_allowed(req->gw, host);
}

/* --------------------------------------------------------------- login */

static enum MHD_Result set_cookie_and_send(gateway_req *req, bool redirect)
{
    char cookie[160];
    snprintf(cookie, sizeof cookie,
             GATEWAY_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=2592000",
             req->gw->cookie_value);
    const char *body = redirect ? "" : "{\"ok\":true}";
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(resp, "Set-Cookie", cookie);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    if (redirect)
        MHD_add_response_header(resp, "Location", "/");
    else
        MHD_add_response_header(resp, "Content-Type", "application/json");
    enum MHD_Result r =
        MHD_queue_response(req->conn, redirect ? MHD_HTTP_SEE_OTHER : MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    req->responded = true;
    return r;
}

static bool admin_password_ok(gateway *gw, const char *user, const char *pass)
{
    if (!gw->admin_user || !gw->admin_hash || !user || !pass)
        return false;
    /* "pbkdf2-sha256$ITER$SALT$HASH" */
    char salt[64], want[65];
    int iter;
    if (sscanf(gw->admin_hash, "pbkdf2-sha256$%d$%63[0-9a-f]$%64[0-9a-f]", &iter, salt, want) != 3)
        return false;
    char got[65];
    if (pbkdf2_hex(pass, salt, iter, got) != BX_OK)
        return false;
    bool user_ok =
        strlen(user) == strlen(gw->admin_user) && bx_ct_equal(user, gw->admin_user, strlen(user));
    return bx_ct_equal(got, want, 64) && user_ok;
}

static enum MHD_Result route_login_page(gateway_req *req)
{
    const char *token = gateway__query(req, "token");
    if (token) {
        if (!login_allowed(req, false))
            return gateway__send_error(req, MHD_HTTP_TOO_MANY_REQUESTS, "rate_limited",
                                       "too many failed logins; wait a minute");
        if (token_matches(req->gw, token))
            return set_cookie_and_send(req, true);
        login_allowed(req, true);
        return gateway__send_error(req, MHD_HTTP_UNAUTHORIZED, "unauthorized",
                                   "that token is not valid");
    }
    /* The page itself is a static asset (web/login.html + js/login.js): the
     * CSP allows no inline script. */
    req->url = "/login.html";
    return gateway__serve_static(req);
}

static enum MHD_Result route_login(gateway_req *req)
{
    if (!login_allowed(req, false))
        return gateway__send_error(req, MHD_HTTP_TOO_MANY_REQUESTS, "rate_limited",
                                   "too many failed logins; wait a minute");
    enum MHD_Result r;
    json_t *body = gateway__body_object(req, &r);
    if (!body)
        return r;
    bool ok = false;
    const char *token = jx_str(body, "token", NULL);
    if (token)
        ok = token_matches(req->gw, token);
    else
        ok = admin_password_ok(req->gw, jx_str(body, "username", NULL),
                               jx_str(body, "password", NULL));
    json_decref(body);
    if (!ok) {
        login_allowed(req, true);
        return gateway__send_error(req, MHD_HTTP_UNAUTHORIZED, "unauthorized",
                                   "wrong token, user or password");
    }
    return set_cookie_and_send(req, false);
}

static enum MHD_Result route_logout(gateway_req *req)
{
    const char *body = "{\"ok\":true}";
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(resp, "Set-Cookie",
                            GATEWAY_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    MHD_add_response_header(resp, "Content-Type", "application/json");
    enum MHD_Result r = MHD_queue_response(req->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    req->responded = true;
    return r;
}

static enum MHD_Result route_whoami(gateway_req *req)
{
    return gateway__send_json(req, MHD_HTTP_OK,
                              json_pack("{s:s,s:s}", "auth",
                                        req->auth == GATEWAY_AUTH_BEARER ? "bearer" : "cookie",
                                        "version", BX_VERSION));
}

const gateway_route gateway__auth_routes[] = {
    {"GET", "/login", route_login_page, GATEWAY_PUBLIC},
    {"POST", "/api/login", route_login, GATEWAY_PUBLIC},
    {"POST", "/api/logout", route_logout, 0},
    {"GET", "/api/whoami", route_whoami, 0},
};
const size_t gateway__auth_route_count = BX_ARRAY_LEN(gateway__auth_routes);
