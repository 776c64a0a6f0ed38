/* sse.c: the incremental text/event-stream parser (WHATWG "event stream
 * interpretation"). A pull parser in the manner of picohttpparser: each
 * call consumes bytes up to the end of one event and answers EVENT, or
 * consumes everything and answers NEED_MORE, or ERROR. Whole lines are
 * parsed straight out of the caller's buffer; only a line split across
 * feeds is copied, so the common case costs two memchr passes per line.
 */
#include "llm/llm.h"

#include <string.h>

#define SSE_DEFAULT_MAX (8u << 20)

void llm_sse_init(llm_sse *p, size_t max_event)
{
    memset(p, 0, sizeof(*p));
    p->max_event = max_event ? max_event : SSE_DEFAULT_MAX;
    bx_buf_init(&p->line, p->max_event + 4);
    bx_buf_init(&p->data, p->max_event + 4);
    bx_buf_init(&p->event, p->max_event + 4);
    bx_buf_init(&p->id, p->max_event + 4);
    p->retry = -1;
}

void llm_sse_release(llm_sse *p)
{
    bx_buf_release(&p->line);
    bx_buf_release(&p->data);
    bx_buf_release(&p->event);
    bx_buf_release(&p->id);
}

static llm_sse_status fail(llm_sse *p, bx_error *detail, bx_err code, const char *msg)
{
    p->failed = true;
    bx_error_set(detail, code, -1, "%s", msg);
    return LLM_SSE_ERROR;
}

static llm_sse_status too_big(llm_sse *p, bx_error *detail)
{
    p->failed = true;
    bx_error_set(detail, BX_TOOBIG, -1, "SSE event exceeds the %zu-byte limit", p->max_event);
    return LLM_SSE_ERROR;
}

/* Applies one complete line (without its terminator). Returns 1 when the
 * line was blank and an event is ready, 0 otherwise, -1 on a cap error. */
static int process_line(llm_sse *p, const char *s, size_t n)
{
    if (!p->started) {
        p->started = true;
        if (n >= 3 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB &&
            (unsigned char)s[2] == 0xBF) {
            s += 3;
            n -= 3;
        }
    }
    if (n == 0) {
        if (p->data.len == 0) {
            bx_buf_reset(&p->event);
            p->event_bytes = 0;
            return 0;
        }
        return 1;
    }
    p->event_bytes += n + 1;
    if (p->event_bytes > p->max_event)
        return -1;
    if (s[0] == ':')
        return 0;
    const char *colon = memchr(s, ':', n);
    size_t name_len = colon ? (size_t)(colon - s) : n;
    const char *value = colon ? colon + 1 : s + n;
    size_t value_len = colon ? n - name_len - 1 : 0;
    if (value_len > 0 && value[0] == ' ') {
        value++;
        value_len--;
    }
    if (name_len == 4 && memcmp(s, "data", 4) == 0) {
        if (bx_buf_append(&p->data, value, value_len) != BX_OK || bx_buf_putc(&p->data, '\n') != BX_OK)
            return -1;
    } else if (name_len == 5 && memcmp(s, "event", 5) == 0) {
        bx_buf_reset(&p->event);
        if (bx_buf_append(&p->event, value, value_len) != BX_OK)
            return -1;
    } else if (name_len == 2 && memcmp(s, "id", 2) == 0) {
        if (!memchr(value, '\0', value_len)) {
            bx_buf_reset(&p->id);
            if (bx_buf_append(&p->id, value, value_len) != BX_OK)
                return -1;
        }
    } else if (name_len == 5 && memcmp(s, "retry", 5) == 0) {
        int64_t v = 0;
        bool ok = value_len > 0 && value_len < 16;
        for (size_t i = 0; ok && i < value_len; i++) {
            if (value[i] < '0' || value[i] > '9')
                ok = false;
            else
                v = v * 10 + (value[i] - '0');
        }
        if (ok)
            p->retry = v;
    }
    /* other fields are ignored, as the standard says */
    return 0;
}

llm_sse_status llm_sse_feed(llm_sse *p, const char *buf, size_t len, size_t *out_consumed,
                            llm_sse_event *out, bx_error *detail)
{
    *out_consumed = 0;
    if (p->failed)
        return fail(p, detail, BX_INVALID, "SSE parser used after an error");
    if (p->dispatched) {
        p->dispatched = false;
        bx_buf_reset(&p->data);
        bx_buf_reset(&p->event);
        p->event_bytes = 0;
    }
    size_t i = 0;
    while (i < len) {
        if (p->skip_lf) {
            p->skip_lf = false;
            if (buf[i] == '\n') {
                i++;
                continue;
            }
        }
        const char *start = buf + i;
        size_t avail = len - i;
        const char *nl = memchr(start, '\n', avail);
        size_t scan = nl ? (size_t)(nl - start) : avail;
        const char *cr = memchr(start, '\r', scan);
        const char *end = cr ? cr : nl;
        if (!end) {
            /* a partial line: keep it for the next feed */
            if (p->event_bytes + p->line.len + avail + 1 > p->max_event ||
                bx_buf_append(&p->line, start, avail) != BX_OK)
                return too_big(p, detail);
            *out_consumed = len;
            return LLM_SSE_NEED_MORE;
        }
        size_t seg = (size_t)(end - start);
        i += seg + 1;
        if (*end == '\r') {
            if (i < len) {
                if (buf[i] == '\n')
                    i++;
            } else {
                p->skip_lf = true;
            }
        }
        int r;
        if (p->line.len) {
            if (p->event_bytes + p->line.len + seg + 1 > p->max_event ||
                bx_buf_append(&p->line, start, seg) != BX_OK)
                return too_big(p, detail);
            r = process_line(p, p->line.data, p->line.len);
            bx_buf_reset(&p->line);
        } else {
            r = process_line(p, start, seg);
        }
        if (r < 0)
            return too_big(p, detail);
        if (r > 0) {
            /* drop the data buffer's final "\n" */
            p->data.len--;
            p->data.data[p->data.len] = '\0';
            out->event = bx_buf_slice(&p->event);
            out->data = bx_buf_slice(&p->data);
            out->id = bx_buf_slice(&p->id);
            out->retry = p->retry;
            p->dispatched = true;
            *out_consumed = i;
            return LLM_SSE_EVENT;
        }
    }
    *out_consumed = len;
    return LLM_SSE_NEED_MORE;
}
