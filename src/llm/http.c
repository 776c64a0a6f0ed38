/* http.c: one model call over libcurl. A multi handle driven by
 * curl_multi_poll (woken by curl_multi_wakeup, with a 50 ms ceiling) lets
 * this thread notice a cancellation from another thread at once, and
 * enforce the first-byte and stall timeouts itself (curl has only connect
 * and total timeouts). Bytes of a 2xx
 * event stream go straight into the SSE parser and the adapter's decoder;
 * anything else is collected (capped) and classified. Failures before any
 * event reached the sink are retried with exponential backoff and jitter,
 * honouring Retry-After; each retry is announced to the sink as a RETRY
 * event before the (cancellable) backoff sleep.
 */
#include "llm/llm_int.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

void llm_cancel_init(llm_cancel *c)
{
    atomic_init(&c->cancelled, false);
    pthread_mutex_init(&c->lock, NULL);
    c->multi = NULL;
}

void llm_cancel_request(llm_cancel *c)
{
    if (!c)
        return;
    atomic_store(&c->cancelled, true);
    pthread_mutex_lock(&c->lock);
    if (c->multi)
        curl_multi_wakeup(c->multi); /* thread-safe by libcurl's contract */
    pthread_mutex_unlock(&c->lock);
}

static void cancel_attach(llm_cancel *c, CURLM *m)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    c->multi = m;
    pthread_mutex_unlock(&c->lock);
}

static bool is_cancelled(llm_cancel *c) { return c && atomic_load(&c->cancelled); }

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

typedef struct transfer {
    const llm_provider *p;
    llm_decoder *d;
    llm_sse sse;
    bool sse_ready;
    int status;
    bool is_sse;         /* the response is text/event-stream */
    int64_t retry_after_ms; /* -1 when absent */
    bx_buf body;         /* non-stream or error body */
    bool stop_reading;   /* our decision to abort the transfer */
    bx_err abort_err;    /* why (TOOBIG, CANCELLED, a decoder error) */
    char abort_msg[600];
    uint64_t start_ns, first_byte_ns, last_byte_ns;
    size_t bytes;
} transfer;

static int64_t parse_retry_after(const char *v, size_t n, bool ms)
{
    while (n && (*v == ' ' || *v == '\t')) {
        v++;
        n--;
    }
    char tmp[64];
    if (n == 0 || n >= sizeof(tmp))
        return -1;
    memcpy(tmp, v, n);
    tmp[n] = '\0';
    char *end;
    double secs = strtod(tmp, &end);
    if (end != tmp && (*end == '\0' || *end == '\r' || *end == '\n' || *end == ' ')) {
        if (secs < 0)
            return -1;
        return ms ? (int64_t)secs : (int64_t)(secs * 1000);
    }
    /* an HTTP-date */
    time_t t = curl_getdate(tmp, NULL);
    if (t < 0)
        return -1;
    int64_t delta = (int64_t)t * 1000 - bx_wall_ms();
    return delta > 0 ? delta : 0;
}

static size_t on_header(char *buf, size_t size, size_t n, void *ctx)
{
    transfer *t = ctx;
    size_t len = size * n;
    bx_slice line = bx_slice_trim((bx_slice){buf, len});
    if (bx_slice_starts_with(line, "HTTP/")) {
        const char *sp = memchr(line.ptr, ' ', line.len);
        t->status = sp ? atoi(sp + 1) : 0;
        t->is_sse = false;
        t->retry_after_ms = -1;
    } else if (line.len > 13 && strncasecmp(line.ptr, "content-type:", 13) == 0) {
        t->is_sse = memmem(line.ptr, line.len, "event-stream", 12) != NULL;
    } else if (line.len > 15 && strncasecmp(line.ptr, "retry-after-ms:", 15) == 0) {
        t->retry_after_ms = parse_retry_after(line.ptr + 15, line.len - 15, true);
    } else if (line.len > 12 && strncasecmp(line.ptr, "retry-after:", 12) == 0 &&
               t->retry_after_ms < 0) {
        t->retry_after_ms = parse_retry_after(line.ptr + 12, line.len - 12, false);
    }
    return len;
}

static size_t stop_with(transfer *t, bx_err err, const char *msg)
{
    t->stop_reading = true;
    t->abort_err = err;
    snprintf(t->abort_msg, sizeof(t->abort_msg), "%s", msg ? msg : "");
    return 0;
}

static size_t on_body(char *buf, size_t size, size_t n, void *ctx)
{
    transfer *t = ctx;
    size_t len = size * n;
    uint64_t now = bx_mono_ns();
    if (!t->first_byte_ns)
        t->first_byte_ns = now;
    t->last_byte_ns = now;
    t->bytes += len;
    if (t->p->max_stream_bytes && t->bytes > t->p->max_stream_bytes) {
        char msg[128];
        snprintf(msg, sizeof(msg), "the response exceeds the %zu-byte limit", t->p->max_stream_bytes);
        return stop_with(t, BX_TOOBIG, msg);
    }
    if (t->status >= 200 && t->status < 300 && t->is_sse) {
        if (!t->sse_ready) {
            llm_sse_init(&t->sse, t->p->max_event_bytes);
            t->sse_ready = true;
        }
        size_t off = 0;
        while (off < len) {
            size_t used;
            llm_sse_event ev;
            bx_error detail;
            llm_sse_status st = llm_sse_feed(&t->sse, buf + off, len - off, &used, &ev, &detail);
            off += used;
            if (st == LLM_SSE_ERROR) {
                bx_err err = llm__fail(t->d, detail.code == BX_TOOBIG ? BX_TOOBIG : BX_PROTOCOL,
                                       t->status, "%s", detail.message);
                return stop_with(t, err, detail.message);
            }
            if (st == LLM_SSE_NEED_MORE)
                break;
            bx_err err = llm_decoder_sse(t->d, &ev);
            if (err)
                return stop_with(t, err, NULL);
            if (llm_decoder_done(t->d))
                return stop_with(t, BX_OK, NULL); /* nothing more to read */
        }
        return len;
    }
    if (bx_buf_append(&t->body, buf, len) != BX_OK)
        return stop_with(t, BX_TOOBIG, "response body exceeds its size limit");
    return len;
}

static struct curl_slist *header_list(const llm_http_request *h)
{
    struct curl_slist *list = NULL;
    for (size_t i = 0; i < h->headers.len; i++)
        list = curl_slist_append(list, BX_VEC_AT(&h->headers, char *, i));
    list = curl_slist_append(list, "Expect:");
    return list;
}

typedef enum outcome {
    OUT_DONE,  /* finished (ok or a delivered error): return its code */
    OUT_RETRY, /* a retryable failure before any output */
} outcome;

/* Why an attempt is to be retried: what the RETRY event reports. */
typedef struct retry_why {
    bx_err code;   /* RATELIMIT, SERVER, NETWORK, TIMEOUT, ... */
    int status;    /* HTTP status, 0 when none */
    char msg[512]; /* the provider's message, or curl's */
} retry_why;

static void why_set(retry_why *w, bx_err code, int status, const char *msg)
{
    w->code = code;
    w->status = status;
    snprintf(w->msg, sizeof(w->msg), "%s", msg ? msg : "");
}

static bool retryable_status(int s)
{
    return s == 408 || s == 409 || s == 429 || s >= 500;
}

static bool retryable_curl(CURLcode c)
{
    return c == CURLE_COULDNT_CONNECT || c == CURLE_RECV_ERROR || c == CURLE_SEND_ERROR ||
           c == CURLE_GOT_NOTHING || c == CURLE_PARTIAL_FILE || c == CURLE_OPERATION_TIMEDOUT ||
           c == CURLE_COULDNT_RESOLVE_HOST || c == CURLE_SSL_CONNECT_ERROR ||
           c == CURLE_HTTP2 || c == CURLE_HTTP2_STREAM;
}

/* One HTTP attempt. *out_err gets the result when OUT_DONE. */
static outcome attempt(const llm_provider *p, const llm_request *req, const llm_http_request *h,
                       llm_sink_fn sink, void *ctx, llm_cancel *cancel, bool last,
                       int64_t *out_retry_after, llm_call_stats *stats, retry_why *out_why,
                       bx_err *out_err)
{
    transfer t;
    memset(&t, 0, sizeof(t));
    t.p = p;
    t.retry_after_ms = -1;
    t.d = llm_decoder_new(p, sink, ctx);
    bx_buf_init(&t.body, p->max_body_bytes ? p->max_body_bytes : (32u << 20));
    t.start_ns = bx_mono_ns();

    CURL *e = curl_easy_init();
    CURLM *m = curl_multi_init();
    struct curl_slist *hl = header_list(h);
    curl_easy_setopt(e, CURLOPT_URL, h->url.data);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, h->body.data);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)h->body.len);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)p->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    if (p->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, p->ca_file);
    curl_multi_add_handle(m, e);
    cancel_attach(cancel, m);

    bx_err timeout = BX_OK;
    const char *timeout_msg = NULL;
    bool cancelled = false;
    int running = 1;
    while (running) {
        if (curl_multi_perform(m, &running) != CURLM_OK)
            break;
        if (!running || t.stop_reading)
            break;
        uint64_t now = bx_mono_ns();
        if (is_cancelled(cancel)) {
            cancelled = true;
            break;
        }
        if (!t.first_byte_ns && p->first_byte_timeout_ms > 0 &&
            now - t.start_ns > (uint64_t)p->first_byte_timeout_ms * 1000000u) {
            timeout = BX_TIMEOUT;
            timeout_msg = "no response within the first-byte timeout";
            break;
        }
        if (t.first_byte_ns && p->stall_timeout_ms > 0 &&
            now - t.last_byte_ns > (uint64_t)p->stall_timeout_ms * 1000000u) {
            timeout = BX_TIMEOUT;
            timeout_msg = "the stream stalled (no bytes within the stall timeout)";
            break;
        }
        curl_multi_poll(m, NULL, 0, 50, NULL);
    }
    CURLcode cc = CURLE_OK;
    int left;
    CURLMsg *msg;
    while ((msg = curl_multi_info_read(m, &left)))
        if (msg->msg == CURLMSG_DONE)
            cc = msg->data.result;
    char curl_msg[256];
    snprintf(curl_msg, sizeof(curl_msg), "%s", curl_easy_strerror(cc));
    cancel_attach(cancel, NULL);
    curl_multi_remove_handle(m, e);
    curl_easy_cleanup(e);
    curl_multi_cleanup(m);
    curl_slist_free_all(hl);

    if (stats) {
        stats->status = t.status;
        stats->bytes_in += t.bytes;
        if (t.first_byte_ns && !stats->first_byte_ns)
            stats->first_byte_ns = t.first_byte_ns - t.start_ns;
    }
    outcome out = OUT_DONE;
    bx_err err = BX_OK;
    bool emitted = llm_decoder_emitted(t.d);
    *out_retry_after = t.retry_after_ms;

    if (cancelled) {
        err = BX_CANCELLED;
    } else if (t.stop_reading && t.abort_err != BX_OK) {
        err = t.abort_err; /* already delivered (or a sink cancel) */
        if (err == BX_TOOBIG && !llm_decoder_done(t.d))
            err = llm__fail(t.d, BX_TOOBIG, t.status, "%s", t.abort_msg);
    } else if (t.stop_reading) {
        err = llm_decoder_finish(t.d); /* the decoder saw its terminal event */
    } else if (timeout) {
        if (!emitted && !last) {
            out = OUT_RETRY;
            why_set(out_why, BX_TIMEOUT, t.status, timeout_msg);
        } else {
            err = llm__fail(t.d, BX_TIMEOUT, t.status, "%s", timeout_msg);
        }
    } else if (cc != CURLE_OK && !(t.status >= 200 && t.status < 300 && llm_decoder_done(t.d))) {
        if (!emitted && !last && retryable_curl(cc) &&
            !(t.status && !retryable_status(t.status) && t.status >= 300)) {
            out = OUT_RETRY;
            why_set(out_why, cc == CURLE_OPERATION_TIMEDOUT ? BX_TIMEOUT : BX_NETWORK, t.status,
                    curl_msg);
        } else if (emitted)
            err = llm__fail(t.d, BX_NETWORK, t.status, "the connection broke mid-stream: %s", curl_msg);
        else
            err = llm__fail(t.d, cc == CURLE_OPERATION_TIMEDOUT ? BX_TIMEOUT : BX_NETWORK, t.status,
                            "%s", curl_msg);
    } else if (t.status < 200 || t.status >= 300) {
        bx_buf m2;
        bx_buf_init(&m2, 4096);
        bx_err code = llm_classify_error(p->api, t.status, t.body.data, t.body.len, &m2);
        bool too_long_wait = t.retry_after_ms > p->retry_max_ms;
        if (retryable_status(t.status) && code != BX_CONTEXT && !last && !too_long_wait) {
            out = OUT_RETRY;
            why_set(out_why, code, t.status, m2.data);
        } else if (too_long_wait)
            err = llm__fail(t.d, code, t.status, "%s (retry after %lld ms exceeds the %lld ms limit)",
                            m2.data, (long long)t.retry_after_ms, (long long)p->retry_max_ms);
        else
            err = llm__fail(t.d, code, t.status, "%s", m2.data);
        bx_buf_release(&m2);
    } else if (t.is_sse) {
        /* a stream that broke before any event: retry like a reset */
        if (!emitted && !last && !llm_decoder_done(t.d)) {
            out = OUT_RETRY;
            why_set(out_why, BX_NETWORK, t.status, "the stream ended before any event");
        } else {
            err = llm_decoder_finish(t.d);
        }
    } else if (req->stream && t.body.len && t.body.data[0] != '{') {
        err = llm__fail(t.d, BX_PROTOCOL, t.status, "expected an event stream, got something else");
    } else {
        err = llm_decoder_body(t.d, t.body.data, t.body.len);
    }
    /* a retry must leave no trace on the sink */
    if (out == OUT_RETRY && llm_decoder_emitted(t.d)) {
        out = OUT_DONE;
        if (!llm_decoder_done(t.d))
            err = llm__fail(t.d, BX_NETWORK, t.status, "the stream failed after output began");
    }
    if (t.sse_ready)
        llm_sse_release(&t.sse);
    bx_buf_release(&t.body);
    llm_decoder_free(t.d);
    *out_err = err;
    return out;
}

/* Sleeps ms in small steps; false when cancelled meanwhile. */
static bool nap(int64_t ms, llm_cancel *cancel)
{
    uint64_t end = bx_mono_ns() + (uint64_t)ms * 1000000u;
    while (bx_mono_ns() < end) {
        if (is_cancelled(cancel))
            return false;
        uint64_t left = end - bx_mono_ns();
        if (left > 10000000u)
            left = 10000000u;
        struct timespec ts = {0, (long)left};
        nanosleep(&ts, NULL);
    }
    return !is_cancelled(cancel);
}

bx_err llm_call(const llm_provider *p, const llm_request *req, llm_sink_fn sink, void *ctx,
                llm_cancel *cancel, llm_call_stats *out_stats)
{
    pthread_once(&curl_once, curl_init);
    llm_call_stats stats = {0};
    uint64_t t0 = bx_mono_ns();
    llm_http_request h;
    llm_http_request_init(&h);
    bx_error detail;
    bx_err err = llm_encode(p, req, &h, &detail);
    if (err) {
        llm_event ev = {.type = LLM_EV_ERROR, .err = err, .text = bx_slice_from(detail.message)};
        sink(ctx, &ev);
        goto out;
    }
    for (int i = 0;; i++) {
        if (is_cancelled(cancel)) {
            err = BX_CANCELLED;
            break;
        }
        stats.attempts++;
        int64_t retry_after = -1;
        bool last = i >= p->max_retries;
        retry_why why;
        why_set(&why, BX_NETWORK, 0, "");
        if (attempt(p, req, &h, sink, ctx, cancel, last, &retry_after, &stats, &why, &err) ==
            OUT_DONE)
            break;
        int64_t delay;
        if (retry_after >= 0) {
            delay = retry_after;
        } else {
            int64_t cap = p->retry_max_ms > 0 ? p->retry_max_ms : 30000;
            delay = p->retry_base_ms << (i < 20 ? i : 20);
            if (delay > cap || delay <= 0)
                delay = cap;
            /* equal jitter: half fixed, half random */
            delay = delay / 2 + (int64_t)(bx_random_u64() % (uint64_t)(delay / 2 + 1));
        }
        bx_log(BX_LOG_INFO, "llm", "%s: attempt %d failed (HTTP %d); retrying in %lld ms", p->id,
               i + 1, stats.status, (long long)delay);
        /* tell the caller before sleeping, so a UI can show the wait as it starts */
        llm_event rev = {.type = LLM_EV_RETRY, .attempt = i + 2, .delay_ms = delay,
                         .err = why.code, .status = why.status, .text = bx_slice_from(why.msg)};
        if (sink(ctx, &rev) != 0) {
            err = BX_CANCELLED;
            break;
        }
        if (!nap(delay, cancel)) {
            err = BX_CANCELLED;
            break;
        }
    }
out:
    stats.total_ns = bx_mono_ns() - t0;
    if (out_stats)
        *out_stats = stats;
    llm_http_request_release(&h);
    return err;
}

/* ------------------------------------------------------------------ probe */

static size_t discard(char *buf, size_t size, size_t n, void *ctx)
{
    BX_UNUSED(buf);
    BX_UNUSED(ctx);
    return size * n;
}

bx_err llm_provider_probe(const llm_provider *p, int64_t timeout_ms, int *out_status,
                          double *out_ms, bx_error *detail)
{
    *out_status = 0;
    *out_ms = 0;
    /* The auth headers of a real request to this provider, so the answer
     * also says whether the key is accepted; then the provider's model
     * list, which every protocol has and which costs nothing. */
    llm_request req;
    llm_request_init(&req);
    llm_block block = {.type = LLM_BLOCK_TEXT, .text = "ping"};
    llm_message msg = {.role = LLM_ROLE_USER, .blocks = &block, .n_blocks = 1};
    req.model = "probe";
    req.messages = &msg;
    req.n_messages = 1;
    llm_http_request h;
    llm_http_request_init(&h);
    bx_err err = llm_encode(p, &req, &h, detail);
    if (err) {
        llm_http_request_release(&h);
        return err;
    }
    const char *list = p->api == LLM_API_ANTHROPIC ? "/v1/models"
                       : p->api == LLM_API_GEMINI  ? "/v1beta/models"
                       : (p->flags & LLM_PF_AZURE) ? ""
                                                   : "/models";
    char *url = bx_sprintf("%s%s", p->base_url, list);
    pthread_once(&curl_once, curl_init);
    CURL *e = curl_easy_init();
    struct curl_slist *hl = header_list(&h);
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    if (p->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, p->ca_file);
    uint64_t t0 = bx_mono_ns();
    CURLcode c = curl_easy_perform(e);
    *out_ms = (double)(bx_mono_ns() - t0) / 1e6;
    if (c == CURLE_OK) {
        long status = 0;
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
        *out_status = (int)status;
    } else {
        err = bx_error_set(detail, c == CURLE_OPERATION_TIMEDOUT ? BX_TIMEOUT : BX_NETWORK, -1,
                           "%s: %s", url, curl_easy_strerror(c));
    }
    curl_slist_free_all(hl);
    curl_easy_cleanup(e);
    bx_free(url);
    llm_http_request_release(&h);
    return err;
}
