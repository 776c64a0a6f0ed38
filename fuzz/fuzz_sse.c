/* fuzz_sse.c: libFuzzer target for the SSE parser and the four stream
 * decoders. The input is parsed whole and again split at a point taken from
 * its first byte; both must give the same events (the parser's central
 * promise), and every event is fed to each adapter's decoder, which must
 * never crash whatever the JSON says. The corpus in fuzz/corpus/sse/ is
 * replayed by the ctest fuzz/sse in every normal build. */
#include <stdint.h>
#include <string.h>

#include "llm/llm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_sink(void *ctx, const llm_event *ev)
{
    (*(size_t *)ctx) += 1 + ev->text.len;
    return 0;
}

/* Parses in two pieces split at `cut`; appends "event\0data\0" records to
 * out and feeds every event to decoder d. Returns the final status. */
static llm_sse_status parse(const char *in, size_t len, size_t cut, bx_buf *out, llm_decoder *d)
{
    llm_sse p;
    llm_sse_init(&p, 4096);
    llm_sse_status st = LLM_SSE_NEED_MORE;
    size_t parts[2][2] = {{0, cut}, {cut, len - cut}};
    for (int k = 0; k < 2 && st != LLM_SSE_ERROR; k++) {
        const char *buf = in + parts[k][0];
        size_t n = parts[k][1], pos = 0;
        while (pos < n) {
            size_t used;
            llm_sse_event ev;
            bx_error detail;
            st = llm_sse_feed(&p, buf + pos, n - pos, &used, &ev, &detail);
            pos += used;
            if (st != LLM_SSE_EVENT)
                break;
            bx_buf_append(out, ev.event.ptr, ev.event.len);
            bx_buf_putc(out, '\0');
            bx_buf_append(out, ev.data.ptr, ev.data.len);
            bx_buf_putc(out, '\0');
            if (d)
                llm_decoder_sse(d, &ev);
        }
    }
    llm_sse_release(&p);
    return st == LLM_SSE_ERROR ? st : LLM_SSE_NEED_MORE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    size_t cut = size ? data[0] % (size + 1) : 0;
    bx_buf a, b;
    bx_buf_init(&a, BX_BUF_UNLIMITED);
    bx_buf_init(&b, BX_BUF_UNLIMITED);
    llm_sse_status s1 = parse(in, size, size, &a, NULL);
    llm_sse_status s2 = parse(in, size, cut, &b, NULL);
    if (s1 != s2 || a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
        __builtin_trap(); /* split parsing must not change the result */
    static const llm_api apis[] = {LLM_API_OPENAI_CHAT, LLM_API_OPENAI_RESPONSES, LLM_API_ANTHROPIC,
                                   LLM_API_GEMINI};
    for (size_t i = 0; i < sizeof(apis) / sizeof(apis[0]); i++) {
        llm_provider p;
        llm_provider_init(&p);
        p.api = apis[i];
        size_t seen = 0;
        llm_decoder *d = llm_decoder_new(&p, count_sink, &seen);
        bx_buf_reset(&b);
        parse(in, size, cut, &b, d);
        llm_decoder_finish(d);
        llm_decoder_free(d);
        llm_provider_release(&p);
    }
    bx_buf_release(&a);
    bx_buf_release(&b);
    return 0;
}
