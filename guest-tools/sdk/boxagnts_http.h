/* boxagnts_http.h: the guest side of the `boxagnts_http` host import module.
 *
 * HTTP(S) for sandboxed guests, performed by the host: the URL must match
 * the run's allowed_outbound_hosts, the name is resolved by the host and
 * every address checked against blocked_networks (loopback, private,
 * link-local, metadata, ... by default), redirects are followed by the host
 * with each hop checked again, and the body and time are capped. A denied
 * request returns BOXAGNTS_HTTP_DENIED and boxagnts_http_last_error() says
 * which rule to change. Full description: docs/sandbox.md.
 *
 * Usage:
 *   uint32_t h;
 *   if (boxagnts_http_request("GET", 3, url, strlen(url), "", 0, "", 0, &h)) { error }
 *   boxagnts_http_status(h, &status);
 *   while (boxagnts_http_read(h, buf, sizeof buf, &n) == 0 && n > 0) { use buf[0..n) }
 *   boxagnts_http_close(h);
 */
#ifndef BOXAGNTS_HTTP_H
#define BOXAGNTS_HTTP_H

#include <stdint.h>

/* Return codes of every call. */
#define BOXAGNTS_HTTP_OK 0
#define BOXAGNTS_HTTP_DENIED 1     /* allow-list or block list; see last_error */
#define BOXAGNTS_HTTP_INVALID 2    /* bad URL, method or header */
#define BOXAGNTS_HTTP_NETWORK 3    /* DNS, connect, TLS or protocol failure */
#define BOXAGNTS_HTTP_TIMEOUT 4
#define BOXAGNTS_HTTP_TOOBIG 5     /* response (or request) larger than allowed */
#define BOXAGNTS_HTTP_REDIRECTS 6  /* too many redirects */
#define BOXAGNTS_HTTP_BADHANDLE 7
#define BOXAGNTS_HTTP_BUFFER 8     /* buffer too small; *out_len holds the size needed */
#define BOXAGNTS_HTTP_BUSY 9       /* too many open responses (8); close one */
#define BOXAGNTS_HTTP_FAULT 10     /* a pointer/length outside guest memory */
#define BOXAGNTS_HTTP_CANCELLED 11 /* the run is ending (timeout) */

#define BOXAGNTS_HTTP_IMPORT(name) \
    __attribute__((import_module("boxagnts_http"), import_name(name)))

/* Performs the request and buffers the whole response on the host.
 * method: "GET", "POST", ... (empty = GET). headers: "Name: value" lines
 * separated by "\n" (Host, Content-Length, Transfer-Encoding, Connection
 * and Expect are set by the host and refused here). Limits: URL 8 KiB,
 * headers 64 KiB, body 16 MiB. On success *out_handle is a handle >= 1. */
BOXAGNTS_HTTP_IMPORT("request")
int32_t boxagnts_http_request(const char *method, uint32_t method_len, const char *url,
                              uint32_t url_len, const char *headers, uint32_t headers_len,
                              const void *body, uint32_t body_len, uint32_t *out_handle);

/* The final status code (after redirects). */
BOXAGNTS_HTTP_IMPORT("status")
int32_t boxagnts_http_status(uint32_t handle, uint32_t *out_status);

/* The final response's headers as "Name: value\n" lines. *out_len gets
 * their size; BOXAGNTS_HTTP_BUFFER (nothing copied) when cap is smaller. */
BOXAGNTS_HTTP_IMPORT("headers")
int32_t boxagnts_http_headers(uint32_t handle, char *buf, uint32_t cap, uint32_t *out_len);

/* Copies up to cap further body bytes; *out_n == 0 at the end. */
BOXAGNTS_HTTP_IMPORT("read")
int32_t boxagnts_http_read(uint32_t handle, void *buf, uint32_t cap, uint32_t *out_n);

/* Frees the response. */
BOXAGNTS_HTTP_IMPORT("close")
int32_t boxagnts_http_close(uint32_t handle);

/* The message of the last failed call (UTF-8, no NUL). A denial names the
 * rule: e.g. "network access denied: 127.0.0.1 is in blocked network
 * 127.0.0.0/8 (loopback); change blocked_networks to allow it". */
BOXAGNTS_HTTP_IMPORT("last_error")
int32_t boxagnts_http_last_error(char *buf, uint32_t cap, uint32_t *out_len);

#endif
