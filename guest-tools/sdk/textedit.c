/* textedit.c: replace and diff for the edit tools (textedit.h). The diff
 * trims the common leading and trailing lines and shows what is left as
 * one hunk: edits are local, so this is the hunk a full diff would give for
 * a single change, at linear cost. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "textedit.h"

#include <stdlib.h>
#include <string.h>

size_t te_count(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
    size_t n = 0, pos = 0;
    while (pos + nlen <= hlen) {
        const char *f = memmem(hay + pos, hlen - pos, needle, nlen);
        if (!f) break;
        n++;
        pos = (size_t)(f - hay) + nlen;
    }
    return n;
}

char *te_replace(const char *hay, size_t hlen, const char *old, size_t olen, const char *rep,
                 size_t rlen, bool all, size_t *out_len)
{
    sb b;
    sb_init(&b);
    size_t pos = 0;
    while (pos <= hlen) {
        const char *f = olen ? memmem(hay + pos, hlen - pos, old, olen) : NULL;
        if (!f) break;
        size_t at = (size_t)(f - hay);
        sb_putn(&b, hay + pos, at - pos);
        sb_putn(&b, rep, rlen);
        pos = at + olen;
        if (!all) break;
    }
    sb_putn(&b, hay + pos, hlen - pos);
    if (b.oom) { sb_free(&b); return NULL; }
    *out_len = b.len;
    return b.data;
}

typedef struct lines {
    const char **p;
    size_t *len;
    size_t n;
} lines;

static bool split(const char *s, size_t n, lines *out)
{
    size_t cnt = 1;
    for (size_t i = 0; i < n; i++) cnt += s[i] == '\n';
    out->p = malloc(cnt * sizeof *out->p);
    out->len = malloc(cnt * sizeof *out->len);
    out->n = 0;
    if (!out->p || !out->len) return false;
    size_t st = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '\n') {
            if (i == n && st == n) break; /* no empty last line after a final newline */
            out->p[out->n] = s + st;
            out->len[out->n] = i - st;
            out->n++;
            st = i + 1;
        }
    }
    return true;
}

static bool same(const lines *a, size_t i, const lines *b, size_t j)
{
    return a->len[i] == b->len[j] && memcmp(a->p[i], b->p[j], a->len[i]) == 0;
}

void te_diff(sb *out, const char *path, const char *a, size_t alen, const char *b, size_t blen,
             int context, int max_lines)
{
    lines A = {0}, B = {0};
    if (!split(a, alen, &A) || !split(b, blen, &B)) goto done;
    size_t pre = 0;
    while (pre < A.n && pre < B.n && same(&A, pre, &B, pre)) pre++;
    size_t suf = 0;
    while (suf < A.n - pre && suf < B.n - pre && same(&A, A.n - 1 - suf, &B, B.n - 1 - suf)) suf++;
    size_t ctx = (size_t)context;
    size_t s = pre > ctx ? pre - ctx : 0;
    size_t ea = A.n - suf + (suf > ctx ? ctx : suf); /* exclusive ends */
    size_t eb = B.n - suf + (suf > ctx ? ctx : suf);
    sb_printf(out, "--- %s\n+++ %s\n", path, path);
    sb_printf(out, "@@ -%zu,%zu +%zu,%zu @@\n", ea > s ? s + 1 : s, ea - s, eb > s ? s + 1 : s, eb - s);
    int shown = 0, total = 0;
    for (size_t i = s; i < pre; i++, total++)
        if (shown < max_lines) { sb_putc(out, ' '); sb_putn(out, A.p[i], A.len[i]); sb_putc(out, '\n'); shown++; }
    for (size_t i = pre; i < A.n - suf; i++, total++)
        if (shown < max_lines) { sb_putc(out, '-'); sb_putn(out, A.p[i], A.len[i]); sb_putc(out, '\n'); shown++; }
    for (size_t i = pre; i < B.n - suf; i++, total++)
        if (shown < max_lines) { sb_putc(out, '+'); sb_putn(out, B.p[i], B.len[i]); sb_putc(out, '\n'); shown++; }
    for (size_t i = A.n - suf; i < ea; i++, total++)
        if (shown < max_lines) { sb_putc(out, ' '); sb_putn(out, A.p[i], A.len[i]); sb_putc(out, '\n'); shown++; }
    if (total > shown) sb_printf(out, "... (%d more diff lines)\n", total - shown);
done:
    free(A.p);
    free(A.len);
    free(B.p);
    free(B.len);
}
