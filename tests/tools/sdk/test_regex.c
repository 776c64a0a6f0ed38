/* test_regex: the guest regex engine, compiled natively. A table of
 * pattern / flags / subject / expected match (and group 1), then the error
 * messages, submatches for sed-style replacement and hostile patterns that
 * would take exponential time in a backtracking engine. */
#include "regex.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

typedef struct rcase {
    const char *pat;
    unsigned flags;
    const char *subject;
    long start, end; /* -1: no match */
    long g1s, g1e;   /* group 1, -2 to skip the check */
} rcase;

#define NO -1, -1, -2, -2
static const rcase cases[] = {
    {"abc", 0, "xxabcxx", 2, 5, -2, -2},
    {"abc", 0, "ab", NO},
    {"", 0, "abc", 0, 0, -2, -2},
    {"a.c", 0, "a\nc abc", 4, 7, -2, -2},
    {"(?s)a.c", 0, "a\nc", 0, 3, -2, -2},
    {"a.c", RX_DOTALL, "a\nc", 0, 3, -2, -2},
    {"\\d+", 0, "ab 1234 c", 3, 7, -2, -2},
    {"\\D+", 0, "12ab3", 2, 4, -2, -2},
    {"\\w+", 0, "  foo_1 ", 2, 7, -2, -2},
    {"\\s+", 0, "a \t b", 1, 4, -2, -2},
    {"[a-c]+", 0, "xxcabz", 2, 5, -2, -2},
    {"[^a-c]+", 0, "abcxyz", 3, 6, -2, -2},
    {"[]a]+", 0, "x]a]", 1, 4, -2, -2},
    {"[a-]+", 0, "x-a-", 1, 4, -2, -2},
    {"[[:digit:]]+", 0, "ab42", 2, 4, -2, -2},
    {"[\\d.]+", 0, "v1.25x", 1, 5, -2, -2},
    {"^abc", 0, "abc", 0, 3, -2, -2},
    {"^abc", 0, "x\nabc", NO},
    {"^abc", RX_MULTILINE, "x\nabc", 2, 5, -2, -2},
    {"(?m)^abc$", 0, "x\nabc\ny", 2, 5, -2, -2},
    {"abc$", 0, "abc\n", NO},
    {"\\bfoo\\b", 0, "foobar foo", 7, 10, -2, -2},
    {"\\Boo", 0, "oo foo", 4, 6, -2, -2},
    {"a|b|c", 0, "xxc", 2, 3, -2, -2},
    {"foo|foobar", 0, "foobar", 0, 3, -2, -2},
    {"foo|foobar", RX_LONGEST, "foobar", 0, 6, -2, -2},
    {"(a+)(b+)", 0, "xaabbb", 1, 6, 1, 3},
    {"(a|ab)(c|bcd)", 0, "abcd", 0, 4, 0, 1},
    {"a*?b", 0, "aaab", 0, 4, -2, -2},
    {"<.+>", 0, "<a><b>", 0, 6, -2, -2},
    {"<.+?>", 0, "<a><b>", 0, 3, -2, -2},
    {"a{2,3}", 0, "aaaa", 0, 3, -2, -2},
    {"a{2,3}?", 0, "aaaa", 0, 2, -2, -2},
    {"a{2}", 0, "a aa", 2, 4, -2, -2},
    {"a{2,}", 0, "aaaaa", 0, 5, -2, -2},
    {"(?i)hello", 0, "say HeLLo", 4, 9, -2, -2},
    {"hello", RX_ICASE, "HELLO", 0, 5, -2, -2},
    {"(?i:a)b", 0, "Ab AB", 0, 2, -2, -2},
    {"straße", RX_ICASE, "STRAßE", 0, 7, -2, -2},
    {"é", RX_ICASE, "É", 0, 2, -2, -2},
    {"привет", RX_ICASE, "ПРИВЕТ", 0, 12, -2, -2},
    {"[α-ω]+", 0, "abc αβγ", 4, 10, -2, -2},
    {".", 0, "\xff" "a", 0, 1, -2, -2},
    {"\\x41\\x{263A}", 0, "A\xe2\x98\xba", 0, 4, -2, -2},
    {"a\\.b", 0, "axb a.b", 4, 7, -2, -2},
    {"(?P<year>\\d{4})-(?<m>\\d\\d)", 0, "on 2024-05", 3, 10, 3, 7},
    {"(?:ab)+", 0, "ababa", 0, 4, -2, -2},
    {"x*", 0, "aaa", 0, 0, -2, -2},
    {"(a*)*b", 0, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaac", NO},
    /* POSIX flavours */
    {"\\(ab\\)*c", RX_BRE, "ababc", 0, 5, 2, 4},
    {"a\\{2\\}", RX_BRE, "aaa", 0, 2, -2, -2},
    {"a+b?", RX_BRE, "a+b?", 0, 4, -2, -2},
    {"a\\+", RX_BRE, "caaa", 1, 4, -2, -2},
    {"x\\|y", RX_BRE, "ay", 1, 2, -2, -2},
    {"*a", RX_BRE, "*a", 0, 2, -2, -2},
    {"a^b", RX_BRE, "a^b", 0, 3, -2, -2},
    {"(ab|a)(c)?", RX_ERE | RX_LONGEST, "abc", 0, 3, 0, 2},
    {"a{,2}b", RX_ERE, "aaab", 1, 4, -2, -2},
    {"[\\]", RX_ERE, "a\\", 1, 2, -2, -2},
    {"\\<the\\>", RX_ERE, "other the", 6, 9, -2, -2},
    {"a{x", RX_ERE, "a{x", 0, 3, -2, -2},
    /* line mode: nothing consumes a line break */
    {"a[^x]b", RX_NONL, "a\nb axb ayb", 8, 11, -2, -2},
    {"a\\sb", RX_NONL, "a\nb a b", 4, 7, -2, -2},
    {"^b", RX_NONL, "a\nb", 2, 3, -2, -2},
    {"a$", RX_NONL, "a\nb", 0, 1, -2, -2},
    /* line mode with a required inner literal: only lines holding it are run */
    {"\\w+Error", RX_NONL, "Error\nx fooError y", 8, 16, -2, -2},
    {"a.*needle", RX_NONL, "a\nb needle\nxa needle", 12, 20, -2, -2},
    {"(\\d+) apples$", RX_NONL, "3 apples x\n12 apples\n", 11, 20, 11, 13},
    {"\\bend\\b", RX_NONL, "endless\nthe end", 12, 15, -2, -2},
    {"^x.*yz", RX_NONL, "ayz\nxayz", 4, 8, -2, -2},
    {"foo", RX_LITERAL, "a.foo", 2, 5, -2, -2},
    {"a.c", RX_LITERAL, "abc a.c", 4, 7, -2, -2},
};

TEST(table)
{
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const rcase *c = &cases[k];
        char err[256];
        rx *re = rx_compile(c->pat, strlen(c->pat), c->flags, err, sizeof err);
        if (!re) {
            fprintf(stderr, "case %zu /%s/: %s\n", k, c->pat, err);
            CHECK(re != NULL);
            continue;
        }
        size_t caps[4];
        int r = rx_search(re, c->subject, strlen(c->subject), 0, caps, 4);
        long s = r == 1 ? (long)caps[0] : -1, e = r == 1 ? (long)caps[1] : -1;
        if (s != c->start || e != c->end) {
            fprintf(stderr, "case %zu /%s/ on \"%s\": got %ld..%ld want %ld..%ld\n", k, c->pat,
                    c->subject, s, e, c->start, c->end);
            CHECK(0);
        }
        if (c->g1s != -2 && r == 1) {
            long gs = caps[2] == RX_UNSET ? -1 : (long)caps[2];
            long ge = caps[3] == RX_UNSET ? -1 : (long)caps[3];
            if (gs != c->g1s || ge != c->g1e) {
                fprintf(stderr, "case %zu /%s/: group 1 %ld..%ld want %ld..%ld\n", k, c->pat, gs,
                        ge, c->g1s, c->g1e);
                CHECK(0);
            }
        }
        rx_free(re);
    }
}

TEST(errors_name_the_problem)
{
    static const struct { const char *pat; unsigned flags; const char *msg; } bad[] = {
        {"(abc", 0, "unclosed ("},
        {"abc)", 0, "unmatched )"},
        {"[abc", 0, "unclosed character class"},
        {"*a", 0, "nothing to repeat"},
        {"a{5,2}", 0, "m < n"},
        {"a{2000}", 0, "above 1000"},
        {"(a)\\1", 0, "backreferences"},
        {"[z-a]", 0, "out of order"},
        {"\\q", 0, "unknown escape"},
        {"(?<=a)b", 0, "look-around"},
        {"a\\nb", RX_NONL, "line break"},
        {"((a{100}){100}){100}", 0, "too large"},
        {"\\(a", RX_BRE, "unclosed \\("},
        {"[[:nope:]]", 0, "POSIX class"},
        {"abc\\", 0, "trailing backslash"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char err[256] = "";
        rx *re = rx_compile(bad[k].pat, strlen(bad[k].pat), bad[k].flags, err, sizeof err);
        CHECK(re == NULL);
        if (re) rx_free(re);
        if (!strstr(err, bad[k].msg)) {
            fprintf(stderr, "/%s/: \"%s\" lacks \"%s\"\n", bad[k].pat, err, bad[k].msg);
            CHECK(0);
        }
    }
    /* deep nesting is refused, not a stack overflow */
    char deep[4000];
    for (int k = 0; k < 1000; k++) { memcpy(deep + 3 * k, "(?:", 3); deep[3000 + k] = ')'; }
    char err[256];
    CHECK(rx_compile(deep, sizeof deep, 0, err, sizeof err) == NULL);
    CHECK(strstr(err, "nests too deeply") != NULL);
}

TEST(groups_for_replacement)
{
    const char *pat = "(\\w+)@(\\w+)\\.com";
    rx *re = rx_compile(pat, strlen(pat), 0, NULL, 0);
    REQUIRE(re != NULL);
    CHECK_EQ_INT(rx_groups(re), 2);
    const char *s = "mail bob@example.com now";
    size_t caps[6];
    REQUIRE(rx_search(re, s, strlen(s), 0, caps, 6) == 1);
    CHECK_EQ_INT(caps[0], 5);
    CHECK_EQ_INT(caps[1], 20);
    CHECK_EQ_INT(caps[2], 5);
    CHECK_EQ_INT(caps[3], 8);
    CHECK_EQ_INT(caps[4], 9);
    CHECK_EQ_INT(caps[5], 16);
    rx_free(re);
    /* unset optional group */
    re = rx_compile("a(x)?b", 6, 0, NULL, 0);
    REQUIRE(re != NULL);
    REQUIRE(rx_search(re, "ab", 2, 0, caps, 4) == 1);
    CHECK(caps[2] == RX_UNSET && caps[3] == RX_UNSET);
    rx_free(re);
    /* last iteration of a repeated group wins */
    re = rx_compile("(?:(a)|b)+", 10, 0, NULL, 0);
    REQUIRE(re != NULL);
    REQUIRE(rx_search(re, "aab", 3, 0, caps, 4) == 1);
    CHECK_EQ_INT(caps[1], 3);
    CHECK_EQ_INT(caps[2], 1);
    rx_free(re);
}

TEST(iteration_and_context)
{
    rx *re = rx_compile("\\bo", 3, 0, NULL, 0);
    REQUIRE(re != NULL);
    const char *s = "oo o";
    size_t caps[2];
    /* starting at 1, the byte before is context: "o" at 1 is not at a word start */
    REQUIRE(rx_search(re, s, 4, 1, caps, 2) == 1);
    CHECK_EQ_INT(caps[0], 3);
    CHECK(rx_search(re, s, 4, 4, caps, 2) == 0);
    CHECK(rx_search(re, s, 4, 9, caps, 2) == 0);
    rx_free(re);
    /* count all matches like grep -o would */
    re = rx_compile("[0-9]+", 6, 0, NULL, 0);
    REQUIRE(re != NULL);
    const char *t = "1 22 333 x 4444";
    size_t pos = 0, n = 0, total = 0;
    while (rx_search(re, t, strlen(t), pos, caps, 2) == 1) {
        n++;
        total += caps[1] - caps[0];
        pos = caps[1] > caps[0] ? caps[1] : caps[1] + 1;
    }
    CHECK_EQ_INT(n, 4);
    CHECK_EQ_INT(total, 10);
    rx_free(re);
}

/* Patterns that take exponential time under backtracking; here each is a
 * linear scan. The check is that the answers are right; the suite's timeout
 * catches a blow-up. */
TEST(hostile_patterns)
{
    size_t n = 200000;
    char *s = malloc(n + 1);
    REQUIRE(s != NULL);
    memset(s, 'a', n);
    s[n] = 0;
    static const char *pats[] = {"(a*)*b", "(a|a)*b", "(a|aa)+$b", "(.*a){20}b", "(a?){30}a{30}b",
                                 "(x+x+)+y"};
    for (size_t k = 0; k < sizeof pats / sizeof pats[0]; k++) {
        char err[256];
        rx *re = rx_compile(pats[k], strlen(pats[k]), 0, err, sizeof err);
        if (!re) fprintf(stderr, "%s: %s\n", pats[k], err);
        REQUIRE(re != NULL);
        size_t caps[2];
        CHECK_EQ_INT(rx_search(re, s, n / (k < 3 ? 1 : 20), 0, caps, 2), 0);
        rx_free(re);
    }
    free(s);
}

TEST(literal_fast_path)
{
    rx *re = rx_compile("needle", 6, 0, NULL, 0);
    REQUIRE(re != NULL);
    CHECK(rx_is_literal(re));
    rx_free(re);
    re = rx_compile("needle", 6, RX_ICASE, NULL, 0);
    REQUIRE(re != NULL);
    CHECK(!rx_is_literal(re));
    size_t caps[2];
    CHECK(rx_search(re, "a NEEDLE", 8, 0, caps, 2) == 1 && caps[0] == 2);
    rx_free(re);
    re = rx_compile("ne+dle", 6, 0, NULL, 0);
    REQUIRE(re != NULL);
    CHECK(!rx_is_literal(re));
    rx_free(re);
}

TEST_MAIN()
