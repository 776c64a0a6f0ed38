/* reply.c: how every gateway handler answers — JSON bodies, the one error
 * shape {"error": {"code", "message"}} with a real status, raw bytes — and
 * reads its input (the JSON body, query parameters). The bottom of the
 * gateway's files: it calls none of the others.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/gateway_int.h"

/* ------------------------------------------------------------ responses */

static void common_headers(struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
}

enum MHD_Result gateway__send_bytes(gateway_req *req, unsigned status, const char *content_type,
                                    void *data, size_t len, bool must_free)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        len, data, must_free ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    common_headers(resp);
    if (content_type)
        MHD_add_response_header(resp, "Content-Type", content_type);
    enum MHD_Result r = MHD_queue_response(req->conn, status, resp);
    MHD_destroy_response(resp);
    req->responded = true;
    return r;
}

enum MHD_Result gateway__send_json(gateway_req *req, unsigned status, json_t *body)
{
    /* json_pack returns NULL when a string it is given (a path or id echoed
     * from the request) is not UTF-8; answer with an error, not an empty reply. */
    if (!body)
        return gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_utf8",
                                   "a path or name in the request is not valid UTF-8");
    char *text = jx_dumps(body);
    json_decref(body);
    if (!text)
        return MHD_NO;
    /* jansson allocates with malloc; MHD frees with free. */
    return gateway__send_bytes(req, status, "application/json", text, strlen(text), true);
}

/* Replaces every byte that does not start a well-formed UTF-8 sequence with
 * '?'. Error messages quote client input (a path from the query string, say)
 * and vsnprintf may cut a character in half; jansson refuses such a string,
 * json_pack returns NULL and the client used to get an empty reply. */
static void utf8_scrub(char *s)
{
    unsigned char *p = (unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        size_t n = 0;
        if (c < 0x80)
            n = 1;
        else if (c >= 0xC2 && c <= 0xDF)
            n = 2;
        else if (c >= 0xE0 && c <= 0xEF)
            n = 3;
        else if (c >= 0xF0 && c <= 0xF4)
            n = 4;
        bool ok = n > 0;
        for (size_t i = 1; ok && i < n; i++)
            ok = (p[i] & 0xC0) == 0x80;
        if (ok && n == 3)
            ok = !(c == 0xE0 && p[1] < 0xA0) && !(c == 0xED && p[1] >= 0xA0);
        if (ok && n == 4)
            ok = !(c == 0xF0 && p[1] < 0x90) && !(c == 0xF4 && p[1] >= 0x90);
        if (!ok) {
            *p++ = '?';
            continue;
        }
        p += n;
    }
}

enum MHD_Result gateway__send_error(gateway_req *req, unsigned status, const char *code,
                                    const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    utf8_scrub(msg);
    json_t *body = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
    if (!body) /* out of memory: never back into send_json's NULL fallback */
        return MHD_NO;
    return gateway__send_json(req, status, body);
}

enum MHD_Result gateway__send_bx_error(gateway_req *req, bx_err err, const bx_error *detail)
{
    unsigned status;
    const char *code;
    switch (err) {
    case BX_NOTFOUND:
        status = MHD_HTTP_NOT_FOUND;
        code = "not_found";
        break;
    case BX_EXISTS:
        status = MHD_HTTP_CONFLICT;
        code = "conflict";
        break;
    case BX_INVALID:
        status = MHD_HTTP_BAD_REQUEST;
        code = "invalid_request";
        break;
    case BX_PARSE:
        status = MHD_HTTP_BAD_REQUEST;
        code = "invalid_json";
        break;
    case BX_TOOBIG:
        status = MHD_HTTP_CONTENT_TOO_LARGE;
        code = "too_large";
        break;
    case BX_NOTCAPABLE:
        status = MHD_HTTP_FORBIDDEN;
        code = "outside_root";
        break;
    case BX_DENIED:
        status = MHD_HTTP_FORBIDDEN;
        code = "forbidden";
        break;
    case BX_AUTH:
        status = MHD_HTTP_UNAUTHORIZED;
        code = "unauthorized";
        break;
    case BX_BUSY:
        status = MHD_HTTP_SERVICE_UNAVAILABLE;
        code = "busy";
        break;
    case BX_RATELIMIT:
        status = MHD_HTTP_TOO_MANY_REQUESTS;
        code = "rate_limited";
        break;
    case BX_UNSUPPORTED:
        status = MHD_HTTP_NOT_IMPLEMENTED;
        code = "unsupported";
        break;
    default:
        status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        code = "internal";
        break;
    }
    const char *msg = detail && detail->message[0] ? detail->message : bx_err_str(err);
    return gateway__send_error(req, status, code, "%s", msg);
}

json_t *gateway__body_object(gateway_req *req, enum MHD_Result *out_result)
{
    bx_error e;
    json_t *v = jx_parse(req->body.data, req->body.len, req->body.max, &e);
    if (!v) {
        *out_result = gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_json",
                                          "request body: %s", e.message);
        return NULL;
    }
    if (!json_is_object(v)) {
        json_decref(v);
        *out_result = gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_json",
                                          "request body must be a JSON object");
        return NULL;
    }
    return v;
}

const char *gateway__query(gateway_req *req, const char *key)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
}

/* A tuning knob from the environment (benchmarks), else def. */
size_t gateway__env_size(const char *name, size_t def)
{
    const char *v = getenv(name);
    char *end;
    unsigned long long n = v ? strtoull(v, &end, 10) : 0;
    return v && *v && !*end && n > 0 && n < (1ull << 30) ? (size_t)n : def;
}
