/* http_abi.c: the `boxagnts_http` import module — guest HTTP through the host.
 *
 * A guest asks for a request with pointers into its memory; the host checks
 * each range, runs sandbox_http_fetch under the run's network policy (the
 * run's timeout cancels it), keeps the response in a per-run handle slot
 * (at most SANDBOX__MAX_HTTP open) and lets the guest copy out status,
 * headers and body. Every call returns a code from the ABI header
 * guest-tools/sdk/boxagnts_http.h; a failure leaves a message, naming the
 * rule to change for a denial, for `last_error`. ABI: docs/sandbox.md. */
#include "sandbox/sandbox_int.h"

#include <stdio.h>
#include <string.h>

/* Codes shared with guest-tools/sdk/boxagnts_http.h. */
enum {
    HTTP_OK = 0,
    HTTP_DENIED = 1,
    HTTP_INVALID = 2,
    HTTP_NETWORK = 3,
    HTTP_TIMEOUT = 4,
    HTTP_TOOBIG = 5,
    HTTP_REDIRECTS = 6,
    HTTP_BADHANDLE = 7,
    HTTP_BUFFER = 8,
    HTTP_BUSY = 9,
    HTTP_FAULT = 10,
    HTTP_CANCELLED = 11,
};

#define HTTP_MAX_METHOD 16
#define HTTP_MAX_URL_IN 8192
#define HTTP_MAX_HEADERS_IN (64u << 10)
#define HTTP_MAX_BODY_IN (16u << 20)

static inline uint32_t get32(const wasm_val *a, int i) { return (uint32_t)a[i].of.i32; }

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

static int fail(sandbox__ctx *c, int code, const char *msg)
{
    snprintf(c->http_error, sizeof c->http_error, "%s", msg);
    return code;
}

static int code_of(bx_err err)
{
    switch (err) {
    case BX_OK: return HTTP_OK;
    case BX_DENIED: return HTTP_DENIED;
    case BX_INVALID: return HTTP_INVALID;
    case BX_TIMEOUT: return HTTP_TIMEOUT;
    case BX_TOOBIG: return HTTP_TOOBIG;
    case BX_LIMIT: return HTTP_REDIRECTS;
    case BX_CANCELLED: return HTTP_CANCELLED;
    default: return HTTP_NETWORK;
    }
}

/* request(method, method_len, url, url_len, headers, headers_len, body,
 *         body_len, out_handle) -> code */
static int do_request(wasm_call *call, sandbox__ctx *c, const wasm_val *a)
{
    uint32_t ml = get32(a, 1), ul = get32(a, 3), hl = get32(a, 5), bl = get32(a, 7);
    if (ml > HTTP_MAX_METHOD || ul > HTTP_MAX_URL_IN || hl > HTTP_MAX_HEADERS_IN ||
        bl > HTTP_MAX_BODY_IN)
        return fail(c, HTTP_TOOBIG, "request method, URL, headers or body too large");
    const uint8_t *mp = wasm_mem_ptr(call, get32(a, 0), ml);
    const uint8_t *up = wasm_mem_ptr(call, get32(a, 2), ul);
    const uint8_t *hp = wasm_mem_ptr(call, get32(a, 4), hl);
    const uint8_t *bp = wasm_mem_ptr(call, get32(a, 6), bl);
    uint8_t *outp = wasm_mem_ptr(call, get32(a, 8), 4);
    if (!mp || !up || !hp || !bp || !outp)
        return fail(c, HTTP_FAULT, "a request pointer is outside guest memory");
    if (!c->net)
        return fail(c, HTTP_DENIED,
                    "network access denied: this run grants no network (allowed_outbound_hosts "
                    "is empty)");
    int slot = -1;
    for (int i = 0; i < SANDBOX__MAX_HTTP; i++)
        if (!c->http[i].used) {
            slot = i;
            break;
        }
    if (slot < 0)
        return fail(c, HTTP_BUSY, "too many open responses (close some first)");
    if (memchr(mp, 0, ml) || memchr(up, 0, ul) || memchr(hp, 0, hl))
        return fail(c, HTTP_INVALID, "NUL byte in method, URL or headers");
    char method[HTTP_MAX_METHOD + 1];
    memcpy(method, mp, ml);
    method[ml] = '\0';
    char *url = bx_strndup((const char *)up, ul);
    char *headers = bx_strndup((const char *)hp, hl);
    sandbox_http_request req = {
        .method = ml ? method : "GET", .url = url, .headers = headers, .body = bp, .body_len = bl};
    sandbox__http_handle *h = &c->http[slot];
    sandbox_http_response_init(&h->resp);
    bx_error detail;
    bx_error_clear(&detail);
    bx_err err = sandbox_http_fetch(c->net, &req, &c->stop, &h->resp, &detail);
    bx_free(url);
    bx_free(headers);
    if (err) {
        sandbox_http_response_release(&h->resp);
        return fail(c, code_of(err), detail.message[0] ? detail.message : bx_err_str(err));
    }
    h->used = true;
    h->body_pos = 0;
    /* guest memory cannot have moved: the guest did not run */
    put32(wasm_mem_ptr(call, get32(a, 8), 4), (uint32_t)slot + 1);
    c->http_error[0] = '\0';
    return HTTP_OK;
}

static sandbox__http_handle *handle(sandbox__ctx *c, uint32_t h)
{
    if (h == 0 || h > SANDBOX__MAX_HTTP || !c->http[h - 1].used)
        return NULL;
    return &c->http[h - 1];
}

/* Copies (src, n) to the guest buffer (buf, cap) and writes n to out_len;
 * HTTP_BUFFER when cap < n (nothing copied). */
static int copy_out(wasm_call *call, sandbox__ctx *c, const char *src, size_t n, uint32_t buf,
                    uint32_t cap, uint32_t out_len)
{
    uint8_t *lp = wasm_mem_ptr(call, out_len, 4);
    uint8_t *bp = wasm_mem_ptr(call, buf, cap);
    if (!lp || !bp)
        return fail(c, HTTP_FAULT, "a buffer is outside guest memory");
    put32(lp, (uint32_t)BX_MIN(n, (size_t)UINT32_MAX));
    if (n > cap)
        return fail(c, HTTP_BUFFER, "buffer too small (needed size written to out_len)");
    memcpy(bp, src, n);
    return HTTP_OK;
}

static int host_dispatch(wasm_call *call, const wasm_val *a, wasm_val *results, int which)
{
    sandbox__ctx *c = wasm_instance_user(wasm_call_instance(call));
    if (!c)
        return wasm_call_trap(call, "boxagnts_http called before the sandbox was ready");
    int code = HTTP_OK;
    sandbox__http_handle *h;
    switch (which) {
    case 0:
        code = do_request(call, c, a);
        break;
    case 1: { /* status(handle, out_status) */
        uint8_t *p = wasm_mem_ptr(call, get32(a, 1), 4);
        if (!(h = handle(c, get32(a, 0))))
            code = fail(c, HTTP_BADHANDLE, "no such response handle");
        else if (!p)
            code = fail(c, HTTP_FAULT, "out_status is outside guest memory");
        else
            put32(p, (uint32_t)h->resp.status);
        break;
    }
    case 2: /* headers(handle, buf, cap, out_len) */
        if (!(h = handle(c, get32(a, 0))))
            code = fail(c, HTTP_BADHANDLE, "no such response handle");
        else
            code = copy_out(call, c, h->resp.headers.data, h->resp.headers.len, get32(a, 1),
                            get32(a, 2), get32(a, 3));
        break;
    case 3: { /* read(handle, buf, cap, out_n) */
        if (!(h = handle(c, get32(a, 0)))) {
            code = fail(c, HTTP_BADHANDLE, "no such response handle");
            break;
        }
        size_t left = h->resp.body.len - h->body_pos;
        size_t n = BX_MIN(left, (size_t)get32(a, 2));
        code = copy_out(call, c, h->resp.body.data + h->body_pos, n, get32(a, 1), get32(a, 2),
                        get32(a, 3));
        if (code == HTTP_OK)
            h->body_pos += n;
        break;
    }
    case 4: /* close(handle) */
        if (!(h = handle(c, get32(a, 0))))
            code = fail(c, HTTP_BADHANDLE, "no such response handle");
        else {
            sandbox_http_response_release(&h->resp);
            h->used = false;
        }
        break;
    case 5: /* last_error(buf, cap, out_len) */
        code = copy_out(call, c, c->http_error, strlen(c->http_error), get32(a, 0), get32(a, 1),
                        get32(a, 2));
        break;
    default:
        return wasm_call_trap(call, "boxagnts_http: bad binding");
    }
    results[0].type = WASM_I32;
    results[0].of.i32 = code;
    return 0;
}

static int h_request(wasm_call *call, const wasm_val *a, wasm_val *r) { return host_dispatch(call, a, r, 0); }
static int h_status(wasm_call *call, const wasm_val *a, wasm_val *r) { return host_dispatch(call, a, r, 1); }
static int h_headers(wasm_call *call, const wasm_val *a, wasm_val *r) { return host_dispatch(call, a, r, 2); }
static int h_read(wasm_call *call, const wasm_val *a, wasm_val *r) { return host_dispatch(call, a, r, 3); }
static int h_close(wasm_call *call, const wasm_val *a, wasm_val *r) { return host_dispatch(call, a, r, 4); }
static int h_last_error(wasm_call *call, const wasm_val *a, wasm_val *r) { return host_dispatch(call, a, r, 5); }

void sandbox__http_release(sandbox__ctx *c)
{
    for (int i = 0; i < SANDBOX__MAX_HTTP; i++)
        if (c->http[i].used) {
            sandbox_http_response_release(&c->http[i].resp);
            c->http[i].used = false;
        }
}

bx_err sandbox__define_http(wasm_linker *l)
{
    static const wasm_valtype p[9] = {WASM_I32, WASM_I32, WASM_I32, WASM_I32, WASM_I32,
                                      WASM_I32, WASM_I32, WASM_I32, WASM_I32};
    static const struct {
        const char *name;
        uint32_t nparams;
        wasm_host_fn fn;
    } fns[] = {
        {"request", 9, h_request}, {"status", 2, h_status}, {"headers", 4, h_headers},
        {"read", 4, h_read},       {"close", 1, h_close},   {"last_error", 3, h_last_error},
    };
    bx_err err = BX_OK;
    for (size_t i = 0; i < BX_ARRAY_LEN(fns) && !err; i++) {
        wasm_functype t = {fns[i].nparams, 1, p, p};
        err = wasm_linker_define_host(l, "boxagnts_http", fns[i].name, &t, fns[i].fn, NULL);
    }
    return err;
}
