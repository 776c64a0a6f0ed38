/* static.c: the dashboard's files — embedded at build time, or read from
 * --app-dir while developing it. Public (no token): they hold no data; every
 * request for data goes through /api. Paths without an extension fall back
 * to index.html so the dashboard's own routes survive a reload. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gateway/assets.h"
#include "gateway/gateway_int.h"

#define CSP                                                                                        \
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "                 \
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "             \
    "form-action 'self'"

static const gateway_asset *find_asset(const char *path)
{
    for (size_t i = 0; i < gateway_asset_count; i++)
        if (strcmp(gateway_assets[i].path, path) == 0)
            return &gateway_assets[i];
    return NULL;
}

static bool has_extension(const char *url)
{
    const char *slash = strrchr(url, '/');
    return strchr(slash ? slash : url, '.') != NULL;
}

static const char *type_for(const char *path)
{
    const char *dot = strrchr(path, '.');
    static const char *const map[][2] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".json", "application/json"},
    };
    for (size_t i = 0; dot && i < BX_ARRAY_LEN(map); i++)
        if (strcmp(dot, map[i][0]) == 0)
            return map[i][1];
    return "application/octet-stream";
}

static void asset_headers(struct MHD_Response *resp, const char *ctype)
{
    MHD_add_response_header(resp, "Content-Type", ctype);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    if (strncmp(ctype, "text/html", 9) == 0) {
        MHD_add_response_header(resp, "Content-Security-Policy", CSP);
        MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    }
}

/* Serves from --app-dir (development): the same resolver as everything else. */
static enum MHD_Result serve_from_dir(gateway_req *req, const char *path)
{
    int dfd = open(req->gw->cfg.app_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return gateway__send_error(req, MHD_HTTP_NOT_FOUND, "not_found", "no app dir");
    int fd;
    bx_err err = bx_open_beneath(dfd, path, O_RDONLY, 0, &fd);
    if (err == BX_NOTFOUND && !has_extension(path))
        err = bx_open_beneath(dfd, "index.html", O_RDONLY, 0, &fd), path = "/index.html";
    close(dfd);
    struct stat st;
    if (err || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (!err)
            close(fd);
        return gateway__send_error(req, MHD_HTTP_NOT_FOUND, "not_found", "no such file");
    }
    struct MHD_Response *resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
    if (!resp) {
        close(fd);
        return MHD_NO;
    }
    asset_headers(resp, type_for(path));
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    enum MHD_Result r = MHD_queue_response(req->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    req->responded = true;
    return r;
}

enum MHD_Result gateway__serve_static(gateway_req *req)
{
    const char *path = strcmp(req->url, "/") == 0 ? "/index.html" : req->url;
    if (req->gw->cfg.app_dir)
        return serve_from_dir(req, path);
    const gateway_asset *a = find_asset(path);
    if (!a && !has_extension(path))
        a = find_asset("/index.html");
    if (!a)
        return gateway__send_error(req, MHD_HTTP_NOT_FOUND, "not_found", "no route for %s",
                                   req->url);
    const char *inm = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "If-None-Match");
    bool fresh = inm && strcmp(inm, a->etag) == 0;
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        fresh ? 0 : a->len, fresh ? NULL : (void *)a->data, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    asset_headers(resp, a->content_type);
    MHD_add_response_header(resp, "ETag", a->etag);
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    enum MHD_Result r =
        MHD_queue_response(req->conn, fresh ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    req->responded = true;
    return r;
}
