/* regex_vs_glibc: differential test of the guest regex engine against
 * glibc's regcomp/regexec. Random POSIX ERE patterns (groups, alternation,
 * classes, . * + ? {m,n}, anchors) on random subjects must give the same
 * leftmost-longest overall match under RX_ERE | RX_LONGEST. Submatches are
 * not compared (POSIX subexpression rules are not what our engine tracks).
 * Built with -iquote so <regex.h> is glibc's and "regex.h" ours. */
#include "regex.h"
#include <regex.h>
#include <stdio.h>
#include <string.h>

static unsigned long long state = 88172645463325252ull;

static unsigned rnd(unsigned n)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return (unsigned)(state % n);
}

static void gen(char *out, int depth, size_t *len, size_t cap)
{
    static const char *atoms[] = {"a", "b", ".", "[ab]", "[^a]", "c", "[[:alpha:]]"};
    int parts = 1 + (int)rnd(3);
    for (int p = 0; p < parts && *len + 16 < cap; p++) {
        if (depth < 3 && rnd(4) == 0) {
            out[(*len)++] = '(';
            gen(out, depth + 1, len, cap);
            if (rnd(2)) {
                out[(*len)++] = '|';
                gen(out, depth + 1, len, cap);
            }
            out[(*len)++] = ')';
        } else {
            const char *a = atoms[rnd(7)];
            memcpy(out + *len, a, strlen(a));
            *len += strlen(a);
        }
        int q = (int)rnd(6);
        if (q == 0) out[(*len)++] = '*';
        else if (q == 1) out[(*len)++] = '+';
        else if (q == 2) out[(*len)++] = '?';
        else if (q == 3) { memcpy(out + *len, "{1,2}", 5); *len += 5; }
    }
}

int main(void)
{
    int mismatches = 0, compared = 0;
    for (int it = 0; it < 50000 && mismatches < 10; it++) {
        char pat[300];
        size_t pl = 0;
        if (rnd(5) == 0) pat[pl++] = '^';
        gen(pat, 0, &pl, 250);
        if (rnd(5) == 0) pat[pl++] = '$';
        pat[pl] = 0;
        char subj[32];
        int sl = (int)rnd(14);
        for (int k = 0; k < sl; k++) subj[k] = "abcB"[rnd(4)];
        subj[sl] = 0;
        regex_t g;
        if (regcomp(&g, pat, REG_EXTENDED) != 0) continue;
        char err[200];
        rx *r = rx_compile(pat, pl, RX_ERE | RX_LONGEST, err, sizeof err);
        if (!r) {
            printf("refused /%s/: %s\n", pat, err);
            regfree(&g);
            mismatches++;
            continue;
        }
        regmatch_t m[1];
        int gm = regexec(&g, subj, 1, m, 0) == 0;
        size_t caps[2];
        int om = rx_search(r, subj, (size_t)sl, 0, caps, 2) == 1;
        compared++;
        if (gm != om || (gm && ((size_t)m[0].rm_so != caps[0] || (size_t)m[0].rm_eo != caps[1]))) {
            printf("mismatch /%s/ on \"%s\": glibc %d %d..%d, ours %d %zu..%zu\n", pat, subj, gm,
                   gm ? (int)m[0].rm_so : -1, gm ? (int)m[0].rm_eo : -1, om, om ? caps[0] : 0, om ? caps[1] : 0);
            mismatches++;
        }
        regfree(&g);
        rx_free(r);
    }
    printf("compared %d patterns with glibc: %d mismatches\n", compared, mismatches);
    return mismatches || compared < 10000 ? 1 : 0;
}
