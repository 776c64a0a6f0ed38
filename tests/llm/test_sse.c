/* test_sse.c: the SSE parser. Every case is parsed whole, one byte at a
 * time and in random splits, and must give the same events; plus the
 * WHATWG corner cases (CR/LF/CRLF, a CRLF split across feeds, comments,
 * multi-line data, BOM, empty data, events without data), the size cap,
 * and a replay of the committed fuzz corpus. */
#include <dirent.h>
#include <string.h>

#include "llm/llm.h"
#include "test.h"

/* Parses input in pieces of `step` bytes (0 = whole, -1 = random) and
 * renders events as "event|data|id\n" lines; returns the status of the
 * last call (ERROR stops). */
static llm_sse_status render(const char *in, size_t len, int step, size_t cap, bx_buf *out)
{
    llm_sse p;
    llm_sse_init(&p, cap);
    size_t off = 0;
    uint64_t seed = 12345;
    llm_sse_status st = LLM_SSE_NEED_MORE;
    while (off < len) {
        size_t n = len - off;
        if (step > 0)
            n = BX_MIN(n, (size_t)step);
        else if (step < 0) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            n = BX_MIN(n, (size_t)(seed >> 60) + 1);
        }
        size_t pos = 0;
        while (pos < n) {
            size_t used;
            llm_sse_event ev;
            bx_error detail;
            st = llm_sse_feed(&p, in + off + pos, n - pos, &used, &ev, &detail);
            pos += used;
            if (st == LLM_SSE_ERROR) {
                bx_buf_printf(out, "ERROR %s\n", detail.message);
                llm_sse_release(&p);
                return st;
            }
            if (st == LLM_SSE_NEED_MORE)
                break;
            bx_buf_append(out, ev.event.ptr, ev.event.len);
            bx_buf_putc(out, '|');
            bx_buf_append(out, ev.data.ptr, ev.data.len);
            bx_buf_putc(out, '|');
            bx_buf_append(out, ev.id.ptr, ev.id.len);
            if (ev.retry >= 0)
                bx_buf_printf(out, "|retry=%lld", (long long)ev.retry);
            bx_buf_putc(out, '\n');
        }
        off += n;
    }
    llm_sse_release(&p);
    return st == LLM_SSE_ERROR ? st : LLM_SSE_NEED_MORE;
}

static int check_all_splits(const char *in, const char *want)
{
    int bad = 0;
    int steps[] = {0, 1, 2, 3, 7, -1};
    for (size_t i = 0; i < BX_ARRAY_LEN(steps); i++) {
        bx_buf out;
        bx_buf_init(&out, BX_BUF_UNLIMITED);
        render(in, strlen(in), steps[i], 1 << 20, &out);
        if (strcmp(out.data, want) != 0) {
            fprintf(stderr, "step %d:\n got: [%s]\nwant: [%s]\n", steps[i], out.data, want);
            bad = 1;
        }
        bx_buf_release(&out);
    }
    return bad;
}

TEST(basic_events)
{
    CHECK(!check_all_splits("event: a\ndata: one\n\ndata: two\n\n", "a|one|\n|two|\n"));
}

TEST(line_endings)
{
    CHECK(!check_all_splits("data: lf\n\n", "|lf|\n"));
    CHECK(!check_all_splits("data: crlf\r\n\r\n", "|crlf|\n"));
    CHECK(!check_all_splits("data: cr\r\r", "|cr|\n"));
    CHECK(!check_all_splits("data: a\r\ndata: b\rdata: c\n\r\n", "|a\nb\nc|\n"));
}

TEST(crlf_split_across_feeds)
{
    /* "\r" ends one feed, "\n" starts the next: one line end, not two */
    const char *in = "data: x\r\ndata: y\r\n\r\n";
    llm_sse p;
    llm_sse_init(&p, 0);
    size_t used;
    llm_sse_event ev;
    bx_error d;
    CHECK(llm_sse_feed(&p, in, 8, &used, &ev, &d) == LLM_SSE_NEED_MORE); /* ends at \r */
    CHECK_EQ_INT(used, 8);
    llm_sse_status st = llm_sse_feed(&p, in + 8, strlen(in) - 8, &used, &ev, &d);
    CHECK(st == LLM_SSE_EVENT);
    CHECK(bx_slice_eq_cstr(ev.data, "x\ny"));
    llm_sse_release(&p);
}

TEST(multiline_comments_fields)
{
    CHECK(!check_all_splits(": comment\ndata:first\ndata:  second\n: another\nid: 7\nretry: 1500\nbogus: 1\n\n",
                            "|first\n second|7|retry=1500\n"));
    /* no space after the colon; a field with no colon at all */
    CHECK(!check_all_splits("data\n\ndata:\n\n", "||\n||\n"));
    /* event without data is not dispatched, and its type does not leak */
    CHECK(!check_all_splits("event: lost\n\ndata: kept\n\n", "|kept|\n"));
    /* retry must be all digits */
    CHECK(!check_all_splits("retry: 12a\ndata: x\n\n", "|x|\n"));
}

TEST(bom_and_id_persistence)
{
    CHECK(!check_all_splits("\xEF\xBB\xBF" "data: after bom\n\n", "|after bom|\n"));
    CHECK(!check_all_splits("id: 1\ndata: a\n\ndata: b\n\n", "|a|1\n|b|1\n"));
}

TEST(utf8_split_across_chunks)
{
    /* "é" = C3 A9 and "€" = E2 82 AC cut at every position by the splits */
    CHECK(!check_all_splits("data: caf\xC3\xA9 \xE2\x82\xAC\n\n", "|caf\xC3\xA9 \xE2\x82\xAC|\n"));
}

TEST(incomplete_event_at_eof_not_dispatched)
{
    CHECK(!check_all_splits("data: done\n\ndata: partial\n", "|done|\n"));
}

TEST(event_over_cap_rejected)
{
    bx_buf big, out;
    bx_buf_init(&big, BX_BUF_UNLIMITED);
    bx_buf_init(&out, BX_BUF_UNLIMITED);
    bx_buf_puts(&big, "data: ");
    for (int i = 0; i < 5000; i++)
        bx_buf_putc(&big, 'x');
    bx_buf_puts(&big, "\n\n");
    CHECK(render(big.data, big.len, 0, 4096, &out) == LLM_SSE_ERROR);
    CHECK(strstr(out.data, "4096-byte limit") != NULL);
    bx_buf_reset(&out);
    CHECK(render(big.data, big.len, 100, 4096, &out) == LLM_SSE_ERROR);
    /* many small data lines add up */
    bx_buf_reset(&big);
    for (int i = 0; i < 1000; i++)
        bx_buf_puts(&big, "data: 0123456789\n");
    bx_buf_reset(&out);
    CHECK(render(big.data, big.len, 0, 4096, &out) == LLM_SSE_ERROR);
    /* under the cap is fine, and the cap resets per event */
    bx_buf_reset(&big);
    for (int i = 0; i < 10; i++)
        bx_buf_puts(&big, "data: 0123456789012345678901234567890123456789\n\n");
    bx_buf_reset(&out);
    CHECK(render(big.data, big.len, 0, 100, &out) == LLM_SSE_NEED_MORE);
    bx_buf_release(&big);
    bx_buf_release(&out);
}

TEST(error_is_sticky)
{
    llm_sse p;
    llm_sse_init(&p, 16);
    size_t used;
    llm_sse_event ev;
    bx_error d;
    const char *in = "data: 0123456789012345678901234567890\n\n";
    CHECK(llm_sse_feed(&p, in, strlen(in), &used, &ev, &d) == LLM_SSE_ERROR);
    CHECK(d.code == BX_TOOBIG);
    CHECK(llm_sse_feed(&p, "data: x\n\n", 9, &used, &ev, &d) == LLM_SSE_ERROR);
    llm_sse_release(&p);
}

/* The fuzz corpus replays here in the normal build: no input may crash, and
 * whole-vs-split parsing must agree (the fuzz target's own invariant). */
TEST(fuzz_corpus_replay)
{
    const char *src = getenv("BX_SOURCE_DIR");
    REQUIRE(src);
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/fuzz/corpus/sse", src);
    DIR *d = opendir(dir);
    REQUIRE(d);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[8192];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        bx_buf in, a, b;
        bx_buf_init(&in, BX_BUF_UNLIMITED);
        bx_buf_init(&a, BX_BUF_UNLIMITED);
        bx_buf_init(&b, BX_BUF_UNLIMITED);
        if (bx_read_file(path, 1 << 20, &in) == BX_OK) {
            llm_sse_status s1 = render(in.data, in.len, 0, 256, &a);
            llm_sse_status s2 = render(in.data, in.len, 1, 256, &b);
            CHECK(s1 == s2);
            if (strcmp(a.data, b.data) != 0)
                fprintf(stderr, "corpus file %s: split parsing differs\n", e->d_name);
            CHECK(strcmp(a.data, b.data) == 0);
            files++;
        }
        bx_buf_release(&in);
        bx_buf_release(&a);
        bx_buf_release(&b);
    }
    closedir(d);
    CHECK(files >= 5);
}

TEST_MAIN()
