/* regex.c: parser, compiler and Pike VM behind regex.h.
 *
 * Pattern -> tree of nodes (n-ary concatenation and alternation, so the
 * recursion depth is the nesting depth, which is capped) -> Thompson program
 * -> Pike VM. The VM advances every live thread one code point at a time and
 * keeps at most one thread per instruction, so a search costs
 * O(program x input). Threads are kept in priority order, which gives
 * leftmost-first (Perl/ripgrep) semantics and lazy quantifiers; RX_LONGEST
 * keeps the longest match at the leftmost start instead (POSIX grep/sed).
 * Submatches: each thread carries its capture slots; the epsilon closure is
 * followed with an explicit stack that undoes SAVEs on the way back, so the
 * wasm shadow stack never grows with the pattern.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "regex.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 200
#define MAX_REPEAT 1000
#define INVALID_CP 0x110000u /* + the byte: an undecodable byte */

/* ------------------------------------------------------------ the tree */

enum { N_EMPTY, N_CHAR, N_ANY, N_CLASS, N_ASSERT, N_CAT, N_ALT, N_REP, N_GROUP };
enum { A_BOL, A_EOL, A_BOT, A_EOT, A_WORDB, A_NWORDB, A_WSTART, A_WEND };

typedef struct node {
    uint8_t op;
    uint8_t greedy;  /* N_REP */
    int first, next; /* first child; next sibling (-1 = none) */
    int min, max;    /* N_REP bounds, max -1 = unbounded */
    uint32_t c;      /* N_CHAR code point */
    int arg;         /* N_ANY: matches \n; N_CLASS: class index; N_ASSERT: kind; N_GROUP: capture index or -1 */
} node;

typedef struct cls {
    uint32_t ascii[4]; /* membership of code points < 128 */
    uint32_t *r;       /* sorted, merged ranges (lo, hi) of code points >= 128 */
    int nr;            /* number of ranges */
    bool neg;          /* negated: matches what is not in the set (and undecodable bytes) */
} cls;

enum { I_CHAR, I_ANY, I_ANYNL, I_CLASS, I_MATCH, I_JMP, I_SPLIT, I_SAVE, I_ASSERT };

typedef struct inst {
    uint8_t op;
    int x, y;   /* jump targets; I_SAVE slot in x; I_CLASS class in x; I_ASSERT kind in x */
    uint32_t c; /* I_CHAR */
} inst;

enum { PF_NONE, PF_BYTE, PF_PREFIX, PF_SET, PF_LINESTART };

struct rx {
    unsigned flags;
    inst *prog;
    int ninst;
    cls *classes;
    int ncls;
    int ngroups;
    bool literal;   /* the whole pattern is `prefix` */
    char *req;      /* line mode: a literal every match contains (or NULL) */
    size_t req_len;
    bool anchored;  /* starts with \A / non-multiline ^ */
    int pf;         /* prefilter kind */
    char *prefix;   /* literal prefix (UTF-8) */
    size_t prefix_len;
    uint8_t set[256]; /* PF_SET: bytes that can start a match */
    /* VM scratch, allocated on first search */
    int scratch_ncap;
    int *dense[2], *sparse[2], *stack;
    size_t *caps[2], *slots, *best, *saved;
    int pf_byte;      /* PF_BYTE: the byte */
};

/* ------------------------------------------------------------ utilities */

static uint32_t fold_other(uint32_t c)
{
    if (c >= 'A' && c <= 'Z') return c + 32;
    if (c >= 'a' && c <= 'z') return c - 32;
    if (c < 0xC0) return c;
    if (c <= 0xDE && c != 0xD7) return c + 32;
    if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 32;
    if ((c >= 0x100 && c <= 0x12F) || (c >= 0x132 && c <= 0x137) || (c >= 0x14A && c <= 0x177))
        return c ^ 1;
    if (c >= 0x139 && c <= 0x148) return (c & 1) ? c + 1 : c - 1;
    if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
    if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) return c - 32;
    if (c >= 0x410 && c <= 0x42F) return c + 32;
    if (c >= 0x430 && c <= 0x44F) return c - 32;
    if (c >= 0x400 && c <= 0x40F) return c + 80;
    if (c >= 0x450 && c <= 0x45F) return c - 80;
    return c;
}

/* Decodes one code point at s[0..n), n > 0. Undecodable bytes (overlong,
 * surrogate, truncated, stray continuation) give INVALID_CP + byte, length 1. */
static uint32_t decode(const unsigned char *s, size_t n, int *out_len)
{
    uint32_t b = s[0];
    *out_len = 1;
    if (b < 0x80) return b;
    int need;
    uint32_t cp, min;
    if (b >= 0xC2 && b <= 0xDF) { need = 1; cp = b & 0x1F; min = 0x80; }
    else if (b >= 0xE0 && b <= 0xEF) { need = 2; cp = b & 0x0F; min = 0x800; }
    else if (b >= 0xF0 && b <= 0xF4) { need = 3; cp = b & 0x07; min = 0x10000; }
    else return INVALID_CP + b;
    if ((size_t)need >= n) return INVALID_CP + b;
    for (int i = 1; i <= need; i++) {
        if ((s[i] & 0xC0) != 0x80) return INVALID_CP + b;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return INVALID_CP + b;
    *out_len = need + 1;
    return cp;
}

static int encode(uint32_t c, char *out)
{
    if (c < 0x80) { out[0] = (char)c; return 1; }
    if (c < 0x800) { out[0] = (char)(0xC0 | (c >> 6)); out[1] = (char)(0x80 | (c & 0x3F)); return 2; }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12)); out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F)); return 3;
    }
    out[0] = (char)(0xF0 | (c >> 18)); out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3F)); out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

static bool is_word_byte(unsigned char b)
{
    return (b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || b == '_';
}

/* ------------------------------------------------------------ the parser */

enum { SCOPE_ICASE = 1, SCOPE_MULTI = 2, SCOPE_DOTALL = 4, SCOPE_UNGREEDY = 8 };
enum { SYN_DEFAULT, SYN_ERE, SYN_BRE };

typedef struct range_set {
    uint32_t *r; /* pairs */
    int n, cap;
} range_set;

typedef struct parser {
    const unsigned char *s;
    size_t n, i;
    int syn;
    unsigned scope; /* SCOPE_* in effect */
    bool nonl;
    node *nodes;
    int nn, ncap;
    cls *classes;
    int ncls, clscap;
    int ngroups;
    int depth;
    bool text_anchor; /* \A, \z or non-multiline ^/$ seen */
    char *err;
    size_t err_cap;
    bool failed;
} parser;

static int fail(parser *p, const char *msg)
{
    if (!p->failed && p->err && p->err_cap)
        snprintf(p->err, p->err_cap, "regex error at offset %zu: %s", p->i, msg);
    p->failed = true;
    return -1;
}

static int new_node(parser *p, int op)
{
    if (p->failed) return -1;
    if (p->nn == p->ncap) {
        int cap = p->ncap ? p->ncap * 2 : 64;
        node *nn = realloc(p->nodes, (size_t)cap * sizeof(node));
        if (!nn) return fail(p, "out of memory");
        p->nodes = nn;
        p->ncap = cap;
    }
    node *x = &p->nodes[p->nn];
    memset(x, 0, sizeof *x);
    x->op = (uint8_t)op;
    x->first = x->next = -1;
    return p->nn++;
}

static bool rs_add(range_set *rs, uint32_t lo, uint32_t hi)
{
    if (rs->n == rs->cap) {
        int cap = rs->cap ? rs->cap * 2 : 16;
        if (cap > 1 << 20) return false;
        uint32_t *nr = realloc(rs->r, (size_t)cap * 2 * sizeof(uint32_t));
        if (!nr) return false;
        rs->r = nr;
        rs->cap = cap;
    }
    rs->r[2 * rs->n] = lo;
    rs->r[2 * rs->n + 1] = hi;
    rs->n++;
    return true;
}

static int cmp_range(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void rs_normalize(range_set *rs)
{
    if (rs->n == 0) return;
    qsort(rs->r, (size_t)rs->n, 2 * sizeof(uint32_t), cmp_range);
    int o = 0;
    for (int k = 1; k < rs->n; k++) {
        if (rs->r[2 * k] <= rs->r[2 * o + 1] + 1) {
            if (rs->r[2 * k + 1] > rs->r[2 * o + 1]) rs->r[2 * o + 1] = rs->r[2 * k + 1];
        } else {
            o++;
            rs->r[2 * o] = rs->r[2 * k];
            rs->r[2 * o + 1] = rs->r[2 * k + 1];
        }
    }
    rs->n = o + 1;
}

/* Adds the complement (within 0..0x10FFFF) of the given sorted ranges. */
static bool rs_add_complement(range_set *rs, const uint32_t *r, int n)
{
    uint32_t lo = 0;
    for (int k = 0; k < n; k++) {
        if (r[2 * k] > lo && !rs_add(rs, lo, r[2 * k] - 1)) return false;
        lo = r[2 * k + 1] + 1;
    }
    return lo > 0x10FFFF || rs_add(rs, lo, 0x10FFFF);
}

static const uint32_t R_DIGIT[] = {'0', '9'};
static const uint32_t R_WORD[] = {'0', '9', 'A', 'Z', '_', '_', 'a', 'z'};
static const uint32_t R_SPACE[] = {'\t', '\r', ' ', ' '};

/* \d \w \s and their negations; false when `e` is not one of them. */
static bool perl_class(range_set *rs, unsigned char e, bool *ok)
{
    const uint32_t *r;
    int n;
    switch (e | 0x20) {
    case 'd': r = R_DIGIT; n = 1; break;
    case 'w': r = R_WORD; n = 4; break;
    case 's': r = R_SPACE; n = 2; break;
    default: return false;
    }
    bool neg = e >= 'A' && e <= 'Z';
    *ok = true;
    if (neg) {
        *ok = rs_add_complement(rs, r, n);
    } else {
        for (int k = 0; k < n && *ok; k++) *ok = rs_add(rs, r[2 * k], r[2 * k + 1]);
    }
    return true;
}

static bool posix_class(range_set *rs, const char *name, size_t len, bool *ok)
{
    static const struct { const char *name; const char *ranges; } tab[] = {
        {"alpha", "AZaz"}, {"digit", "09"}, {"alnum", "09AZaz"}, {"upper", "AZ"},
        {"lower", "az"}, {"space", "\t\r  "}, {"blank", "\t\t  "}, {"punct", "!/:@[`{~"},
        {"print", " ~"}, {"graph", "!~"}, {"cntrl", "\x01\x1f\x7f\x7f"}, {"xdigit", "09AFaf"},
        {"word", "09AZ__az"},
    };
    for (size_t k = 0; k < sizeof tab / sizeof tab[0]; k++) {
        if (strlen(tab[k].name) == len && memcmp(tab[k].name, name, len) == 0) {
            const char *r = tab[k].ranges;
            *ok = true;
            if (strcmp(tab[k].name, "cntrl") == 0) *ok = rs_add(rs, 0, 0);
            for (; *r && *ok; r += 2) *ok = rs_add(rs, (unsigned char)r[0], (unsigned char)r[1]);
            return true;
        }
    }
    return false;
}

/* Adds the case counterparts of every member (folding is per code point,
 * so large ranges are folded only where case pairs exist: below 0x460). */
static bool rs_fold(range_set *rs)
{
    int n = rs->n;
    for (int k = 0; k < n; k++) {
        uint32_t lo = rs->r[2 * k], hi = rs->r[2 * k + 1];
        if (lo >= 0x460) continue;
        if (hi >= 0x460) hi = 0x45F;
        for (uint32_t c = lo; c <= hi; c++) {
            uint32_t f = fold_other(c);
            if (f != c && !rs_add(rs, f, f)) return false;
        }
    }
    return true;
}

/* Turns a range set into a class node (takes the ranges). */
static int make_class(parser *p, range_set *rs, bool neg)
{
    if (p->scope & SCOPE_ICASE) {
        if (!rs_fold(rs)) { free(rs->r); return fail(p, "character class too large"); }
    }
    rs_normalize(rs);
    if (p->ncls == p->clscap) {
        int cap = p->clscap ? p->clscap * 2 : 8;
        cls *nc = realloc(p->classes, (size_t)cap * sizeof(cls));
        if (!nc) { free(rs->r); return fail(p, "out of memory"); }
        p->classes = nc;
        p->clscap = cap;
    }
    cls *c = &p->classes[p->ncls];
    memset(c, 0, sizeof *c);
    c->neg = neg;
    int o = 0;
    for (int k = 0; k < rs->n; k++) {
        uint32_t lo = rs->r[2 * k], hi = rs->r[2 * k + 1];
        for (uint32_t x = lo; x <= hi && x < 128; x++) c->ascii[x >> 5] |= 1u << (x & 31);
        if (hi >= 128) {
            rs->r[2 * o] = lo < 128 ? 128 : lo;
            rs->r[2 * o + 1] = hi;
            o++;
        }
    }
    c->r = rs->r;
    c->nr = o;
    rs->r = NULL;
    int id = new_node(p, N_CLASS);
    if (id < 0) { free(c->r); return -1; }
    p->nodes[id].arg = p->ncls++;
    return id;
}

static bool at(parser *p, size_t k, char ch)
{
    return p->i + k < p->n && p->s[p->i + k] == (unsigned char)ch;
}

static uint32_t next_char(parser *p)
{
    int l;
    uint32_t c = decode(p->s + p->i, p->n - p->i, &l);
    p->i += (size_t)l;
    if (c >= INVALID_CP) c -= INVALID_CP; /* a raw byte in the pattern matches that byte as Latin-1 */
    return c;
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* \xHH or \x{H...}; p->i is just past the 'x'. */
static int parse_hex(parser *p, uint32_t *out)
{
    uint32_t v = 0;
    if (at(p, 0, '{')) {
        p->i++;
        int digits = 0;
        while (p->i < p->n && p->s[p->i] != '}') {
            int h = hexval(p->s[p->i]);
            if (h < 0 || ++digits > 6) return fail(p, "bad \\x{...} escape");
            v = v * 16 + (uint32_t)h;
            p->i++;
        }
        if (!at(p, 0, '}') || digits == 0) return fail(p, "unterminated \\x{...}");
        p->i++;
    } else {
        for (int k = 0; k < 2; k++) {
            int h = p->i < p->n ? hexval(p->s[p->i]) : -1;
            if (h < 0) return fail(p, "\\x needs two hex digits");
            v = v * 16 + (uint32_t)h;
            p->i++;
        }
    }
    if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return fail(p, "escape is not a Unicode scalar value");
    *out = v;
    return 0;
}

/* A single-character escape common to all syntaxes; -1 when not one. */
static int simple_escape(unsigned char e)
{
    switch (e) {
    case 'n': return '\n';
    case 't': return '\t';
    case 'r': return '\r';
    case 'f': return '\f';
    case 'v': return '\v';
    case 'a': return '\a';
    case 'e': return 0x1B;
    default: return -1;
    }
}

static int char_node(parser *p, uint32_t c)
{
    if (p->nonl && c == '\n') return fail(p, "a literal line break cannot match in line mode");
    if ((p->scope & SCOPE_ICASE) && fold_other(c) != c) {
        range_set rs = {0};
        if (!rs_add(&rs, c, c)) return fail(p, "out of memory");
        return make_class(p, &rs, false);
    }
    int id = new_node(p, N_CHAR);
    if (id >= 0) p->nodes[id].c = c;
    return id;
}

static int assert_node(parser *p, int kind)
{
    if (kind == A_BOT || kind == A_EOT) p->text_anchor = true;
    int id = new_node(p, N_ASSERT);
    if (id >= 0) p->nodes[id].arg = kind;
    return id;
}

static int parse_bracket(parser *p)
{
    /* p->i is just past '[' */
    range_set rs = {0};
    bool neg = false, ok = true;
    if (at(p, 0, '^')) { neg = true; p->i++; }
    bool first = true;
    for (;;) {
        if (p->i >= p->n) { free(rs.r); return fail(p, "unclosed character class"); }
        unsigned char ch = p->s[p->i];
        if (ch == ']' && !first) { p->i++; break; }
        first = false;
        if (ch == '[' && at(p, 1, ':')) {
            size_t end = p->i + 2;
            while (end + 1 < p->n && !(p->s[end] == ':' && p->s[end + 1] == ']')) end++;
            if (end + 1 < p->n) {
                if (!posix_class(&rs, (const char *)p->s + p->i + 2, end - p->i - 2, &ok)) {
                    free(rs.r);
                    return fail(p, "unknown POSIX class name");
                }
                if (!ok) break;
                p->i = end + 2;
                continue;
            }
        }
        uint32_t lo;
        if (ch == '\\' && p->syn == SYN_DEFAULT && p->i + 1 < p->n) {
            unsigned char e = p->s[p->i + 1];
            p->i += 2;
            if (perl_class(&rs, e, &ok)) {
                if (!ok) break;
                continue;
            }
            int se = simple_escape(e);
            if (se >= 0) lo = (uint32_t)se;
            else if (e == 'x') { if (parse_hex(p, &lo) < 0) { free(rs.r); return -1; } }
            else if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')) {
                free(rs.r);
                return fail(p, "unknown escape in character class");
            } else { p->i--; lo = next_char(p); }
        } else {
            lo = next_char(p);
        }
        uint32_t hi = lo;
        if (at(p, 0, '-') && p->i + 1 < p->n && p->s[p->i + 1] != ']') {
            p->i++;
            if (p->s[p->i] == '\\' && p->syn == SYN_DEFAULT && p->i + 1 < p->n) {
                unsigned char e = p->s[p->i + 1];
                p->i += 2;
                int se = simple_escape(e);
                if (se >= 0) hi = (uint32_t)se;
                else if (e == 'x') { if (parse_hex(p, &hi) < 0) { free(rs.r); return -1; } }
                else if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')) {
                    free(rs.r);
                    return fail(p, "bad range end in character class");
                } else { p->i--; hi = next_char(p); }
            } else {
                hi = next_char(p);
            }
            if (hi < lo) { free(rs.r); return fail(p, "character class range is out of order"); }
        }
        if (!(ok = rs_add(&rs, lo, hi))) break;
    }
    if (!ok) { free(rs.r); return fail(p, "character class too large"); }
    return make_class(p, &rs, neg);
}

static int parse_alt(parser *p);

/* After "(": flags, non-capturing and named groups (default syntax). */
static int parse_group(parser *p)
{
    int cap = -1;
    unsigned saved = p->scope;
    if (p->syn == SYN_DEFAULT && at(p, 0, '?')) {
        p->i++;
        if (at(p, 0, 'P') && at(p, 1, '<')) p->i++;
        if (at(p, 0, '<') && !at(p, 1, '=') && !at(p, 1, '!')) {
            p->i++;
            size_t st = p->i;
            while (p->i < p->n && p->s[p->i] != '>') {
                unsigned char ch = p->s[p->i];
                if (!is_word_byte(ch)) return fail(p, "bad group name");
                p->i++;
            }
            if (p->i >= p->n || p->i == st) return fail(p, "unterminated group name");
            p->i++;
            if (p->ngroups >= RX_MAX_GROUPS) return fail(p, "too many capture groups");
            cap = ++p->ngroups;
        } else {
            bool on = true, any = false;
            unsigned scope = p->scope;
            for (;;) {
                if (p->i >= p->n) return fail(p, "unterminated group flags");
                unsigned char ch = p->s[p->i++];
                unsigned bit = 0;
                if (ch == '-') { if (!on) return fail(p, "repeated '-' in flags"); on = false; continue; }
                if (ch == ')') {
                    /* (?flags) applies to the rest of the enclosing group */
                    p->scope = scope;
                    return new_node(p, N_EMPTY);
                }
                if (ch == ':') break;
                if (ch == 'i') bit = SCOPE_ICASE;
                else if (ch == 'm') bit = SCOPE_MULTI;
                else if (ch == 's') bit = SCOPE_DOTALL;
                else if (ch == 'U') bit = SCOPE_UNGREEDY;
                else if (ch == 'x' || ch == 'u') { any = true; continue; }
                else if (ch == '=' || ch == '!' || ch == '<') return fail(p, "look-around is not supported");
                else return fail(p, "unknown group flag");
                any = true;
                scope = on ? (scope | bit) : (scope & ~bit);
            }
            (void)any;
            p->scope = scope;
            if (p->nonl) p->scope |= SCOPE_MULTI;
        }
    } else {
        if (p->ngroups >= RX_MAX_GROUPS) return fail(p, "too many capture groups");
        cap = ++p->ngroups;
    }
    if (++p->depth > MAX_DEPTH) return fail(p, "pattern nests too deeply");
    int body = parse_alt(p);
    p->depth--;
    p->scope = saved;
    if (body < 0) return -1;
    if (p->syn == SYN_BRE) {
        if (!(at(p, 0, '\\') && at(p, 1, ')'))) return fail(p, "unclosed \\(");
        p->i += 2;
    } else {
        if (!at(p, 0, ')')) return fail(p, "unclosed (");
        p->i++;
    }
    if (cap < 0) return body;
    int g = new_node(p, N_GROUP);
    if (g < 0) return -1;
    p->nodes[g].first = body;
    p->nodes[g].arg = cap;
    return g;
}

static bool at_alt(parser *p)
{
    if (p->syn == SYN_BRE) return at(p, 0, '\\') && at(p, 1, '|');
    return at(p, 0, '|');
}

static bool at_close(parser *p)
{
    if (p->depth == 0 && p->syn != SYN_DEFAULT) return false; /* POSIX: a lone ) is literal */
    if (p->syn == SYN_BRE) return at(p, 0, '\\') && at(p, 1, ')');
    return at(p, 0, ')');
}

/* Parses {n}, {n,}, {n,m}, {,m} at p->i (just past the brace); false and
 * p->i unchanged when the text is not a bound. */
static bool parse_bound(parser *p, int *out_min, int *out_max)
{
    size_t save = p->i;
    long lo = -1, hi = -1;
    long v = 0;
    bool digits = false;
    while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9') {
        v = v * 10 + (p->s[p->i++] - '0');
        if (v > 100000) v = 100000;
        digits = true;
    }
    if (digits) lo = v;
    if (at(p, 0, ',')) {
        p->i++;
        v = 0;
        digits = false;
        while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9') {
            v = v * 10 + (p->s[p->i++] - '0');
            if (v > 100000) v = 100000;
            digits = true;
        }
        hi = digits ? v : -1;
        if (lo < 0) {
            if (p->syn == SYN_DEFAULT || !digits) { p->i = save; return false; }
            lo = 0;
        }
    } else {
        if (lo < 0) { p->i = save; return false; }
        hi = lo;
    }
    if (p->syn == SYN_BRE) {
        if (!(at(p, 0, '\\') && at(p, 1, '}'))) { p->i = save; return false; }
        p->i += 2;
    } else {
        if (!at(p, 0, '}')) { p->i = save; return false; }
        p->i++;
    }
    *out_min = (int)lo;
    *out_max = (int)hi;
    return true;
}

/* Quantifier at p->i? Consumes it and fills min/max/greedy. */
static int parse_quant(parser *p, int *mn, int *mx, bool *greedy)
{
    if (p->i >= p->n) return 0;
    unsigned char ch = p->s[p->i];
    if (ch == '*') { p->i++; *mn = 0; *mx = -1; }
    else if (p->syn != SYN_BRE && ch == '+') { p->i++; *mn = 1; *mx = -1; }
    else if (p->syn != SYN_BRE && ch == '?') { p->i++; *mn = 0; *mx = 1; }
    else if (p->syn == SYN_BRE && ch == '\\' && at(p, 1, '+')) { p->i += 2; *mn = 1; *mx = -1; }
    else if (p->syn == SYN_BRE && ch == '\\' && at(p, 1, '?')) { p->i += 2; *mn = 0; *mx = 1; }
    else if ((p->syn != SYN_BRE && ch == '{') || (p->syn == SYN_BRE && ch == '\\' && at(p, 1, '{'))) {
        size_t save = p->i;
        p->i += p->syn == SYN_BRE ? 2 : 1;
        if (!parse_bound(p, mn, mx)) {
            p->i = save;
            if (p->syn == SYN_DEFAULT) { p->i++; return fail(p, "bad repetition {n,m}"); }
            if (p->syn == SYN_BRE) { p->i += 2; return fail(p, "bad \\{n,m\\}"); }
            return 0; /* ERE: a literal { */
        }
        if (*mn > MAX_REPEAT || *mx > MAX_REPEAT) return fail(p, "repetition count above 1000");
        if (*mx >= 0 && *mx < *mn) return fail(p, "repetition {n,m} with m < n");
    } else {
        return 0;
    }
    *greedy = !(p->scope & SCOPE_UNGREEDY);
    if (p->syn == SYN_DEFAULT && at(p, 0, '?')) { p->i++; *greedy = !*greedy; }
    return 1;
}

/* One atom; returns its node, or -2 when at an operator that ends the atom list. */
static int parse_atom(parser *p, bool at_start)
{
    unsigned char ch = p->s[p->i];
    if (p->syn == SYN_BRE) {
        if (ch == '\\' && at(p, 1, '(')) { p->i += 2; return parse_group(p); }
        if (ch == '*' && at_start) { p->i++; return char_node(p, '*'); }
        if (ch == '^') {
            p->i++;
            if (at_start) return assert_node(p, (p->scope & SCOPE_MULTI) ? A_BOL : A_BOT);
            return char_node(p, '^');
        }
        if (ch == '$') {
            p->i++;
            bool end = p->i >= p->n || (at(p, 0, '\\') && (at(p, 1, ')') || at(p, 1, '|')));
            if (end) return assert_node(p, (p->scope & SCOPE_MULTI) ? A_EOL : A_EOT);
            return char_node(p, '$');
        }
    } else {
        if (ch == '(') { p->i++; return parse_group(p); }
        if (ch == ')') { p->i++; if (p->syn == SYN_DEFAULT) return fail(p, "unmatched )"); return char_node(p, ')'); }
        if (ch == '*' || ch == '+' || ch == '?' || (ch == '{' && p->syn == SYN_DEFAULT)) {
            if (p->syn == SYN_DEFAULT) { return fail(p, "repetition operator with nothing to repeat"); }
            p->i++;
            return char_node(p, ch);
        }
        if (ch == '^') { p->i++; return assert_node(p, (p->scope & SCOPE_MULTI) ? A_BOL : A_BOT); }
        if (ch == '$') { p->i++; return assert_node(p, (p->scope & SCOPE_MULTI) ? A_EOL : A_EOT); }
    }
    if (ch == '.') {
        p->i++;
        int id = new_node(p, N_ANY);
        if (id >= 0) p->nodes[id].arg = (p->scope & SCOPE_DOTALL) != 0;
        return id;
    }
    if (ch == '[') { p->i++; return parse_bracket(p); }
    if (ch == '\\') {
        if (p->i + 1 >= p->n) { p->i++; return fail(p, "trailing backslash"); }
        unsigned char e = p->s[p->i + 1];
        p->i += 2;
        range_set rs = {0};
        bool ok;
        if ((p->syn == SYN_DEFAULT || (e | 0x20) != 'd') && perl_class(&rs, e, &ok)) {
            if (!ok) { free(rs.r); return fail(p, "out of memory"); }
            return make_class(p, &rs, false);
        }
        if (e >= '1' && e <= '9') return fail(p, "backreferences are not supported (they are not regular)");
        if (e == 'b') return assert_node(p, A_WORDB);
        if (e == 'B') return assert_node(p, A_NWORDB);
        int se = simple_escape(e);
        if (se >= 0) return char_node(p, (uint32_t)se);
        if (p->syn == SYN_DEFAULT) {
            if (e == 'A') return assert_node(p, A_BOT);
            if (e == 'z') return assert_node(p, A_EOT);
            if (e == 'x') { uint32_t v; if (parse_hex(p, &v) < 0) return -1; return char_node(p, v); }
            if (e == '<' || e == '>') return fail(p, "\\< and \\> are not supported; use \\b");
            if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || e == '0')
                return fail(p, "unknown escape");
        } else {
            if (e == '<') return assert_node(p, A_WSTART);
            if (e == '>') return assert_node(p, A_WEND);
            if (e == '`') return assert_node(p, A_BOT);
            if (e == '\'') return assert_node(p, A_EOT);
        }
        p->i--;
        return char_node(p, next_char(p));
    }
    return char_node(p, next_char(p));
}

static int parse_cat(parser *p)
{
    int cat = new_node(p, N_CAT);
    int last = -1;
    bool at_start = true;
    while (!p->failed && p->i < p->n && !at_alt(p) && !at_close(p)) {
        int a = parse_atom(p, at_start);
        if (a < 0) return -1;
        at_start = false;
        int mn, mx, stacked = 0;
        bool greedy;
        int q;
        while ((q = parse_quant(p, &mn, &mx, &greedy)) == 1) {
            if (++stacked > 4) return fail(p, "too many stacked repetition operators");
            int r = new_node(p, N_REP);
            if (r < 0) return -1;
            p->nodes[r].first = a;
            p->nodes[r].min = mn;
            p->nodes[r].max = mx;
            p->nodes[r].greedy = greedy;
            a = r;
        }
        if (q < 0) return -1;
        if (last < 0) p->nodes[cat].first = a;
        else p->nodes[last].next = a;
        last = a;
    }
    return p->failed ? -1 : cat;
}

static int parse_alt(parser *p)
{
    int first = parse_cat(p);
    if (first < 0 || !at_alt(p)) return first;
    int alt = new_node(p, N_ALT);
    if (alt < 0) return -1;
    p->nodes[alt].first = first;
    int last = first;
    while (at_alt(p)) {
        p->i += p->syn == SYN_BRE ? 2 : 1;
        int c = parse_cat(p);
        if (c < 0) return -1;
        p->nodes[last].next = c;
        last = c;
    }
    return alt;
}

/* ------------------------------------------------------------ the compiler */

typedef struct compiler {
    parser *p;
    inst *prog;
    int n, cap;
    bool nonl;
    bool failed;
} compiler;

static int emit(compiler *c, int op, int x, int y, uint32_t ch)
{
    if (c->failed) return -1;
    if (c->n >= RX_MAX_PROGRAM) {
        c->failed = true;
        c->p->i = c->p->n;
        fail(c->p, "regex too large (its compiled program exceeds the limit)");
        return -1;
    }
    if (c->n == c->cap) {
        int cap = c->cap ? c->cap * 2 : 64;
        inst *np = realloc(c->prog, (size_t)cap * sizeof(inst));
        if (!np) { c->failed = true; fail(c->p, "out of memory"); return -1; }
        c->prog = np;
        c->cap = cap;
    }
    c->prog[c->n] = (inst){(uint8_t)op, x, y, ch};
    return c->n++;
}

static void compile_node(compiler *c, int id)
{
    if (c->failed) return;
    node *nd = &c->p->nodes[id];
    switch (nd->op) {
    case N_EMPTY: break;
    case N_CHAR: emit(c, I_CHAR, 0, 0, nd->c); break;
    case N_ANY: emit(c, (nd->arg && !c->nonl) ? I_ANYNL : I_ANY, 0, 0, 0); break;
    case N_CLASS: emit(c, I_CLASS, nd->arg, 0, 0); break;
    case N_ASSERT: emit(c, I_ASSERT, nd->arg, 0, 0); break;
    case N_CAT:
        for (int k = nd->first; k >= 0; k = c->p->nodes[k].next) compile_node(c, k);
        break;
    case N_ALT: {
        /* split L1, next; L1: a; jmp end; next: split L2, ... */
        int jumps[64], nj = 0, pending = -1;
        int *jp = jumps;
        int cnt = 0;
        for (int k = nd->first; k >= 0; k = c->p->nodes[k].next) cnt++;
        if (cnt > 64) { jp = malloc((size_t)cnt * sizeof(int)); if (!jp) { c->failed = true; fail(c->p, "out of memory"); return; } }
        for (int k = nd->first; k >= 0 && !c->failed; k = c->p->nodes[k].next) {
            if (pending >= 0) c->prog[pending].y = c->n;
            bool last = c->p->nodes[k].next < 0;
            if (!last) pending = emit(c, I_SPLIT, 0, 0, 0);
            if (!last && pending >= 0) c->prog[pending].x = c->n;
            compile_node(c, k);
            if (!last) jp[nj++] = emit(c, I_JMP, 0, 0, 0);
        }
        for (int k = 0; k < nj && !c->failed; k++) c->prog[jp[k]].x = c->n;
        if (jp != jumps) free(jp);
        break;
    }
    case N_GROUP: {
        int cap = nd->arg;
        emit(c, I_SAVE, 2 * cap, 0, 0);
        compile_node(c, nd->first);
        emit(c, I_SAVE, 2 * cap + 1, 0, 0);
        break;
    }
    case N_REP: {
        int child = nd->first, mn = nd->min, mx = nd->max;
        bool greedy = nd->greedy;
        for (int k = 0; k < mn - (mx < 0 && mn > 0 ? 1 : 0); k++) compile_node(c, child);
        if (mx < 0) {
            if (mn > 0) {
                /* L: x; split L, next */
                int L = c->n;
                compile_node(c, child);
                int s = emit(c, I_SPLIT, 0, 0, 0);
                if (s >= 0) {
                    c->prog[s].x = greedy ? L : s + 1;
                    c->prog[s].y = greedy ? s + 1 : L;
                }
            } else {
                /* L: split body, end; body: x; jmp L; end: */
                int s = emit(c, I_SPLIT, 0, 0, 0);
                compile_node(c, child);
                emit(c, I_JMP, s, 0, 0);
                if (s >= 0 && !c->failed) {
                    c->prog[s].x = greedy ? s + 1 : c->n;
                    c->prog[s].y = greedy ? c->n : s + 1;
                }
            }
        } else {
            int opt = mx - mn;
            int first_split = c->n;
            int *splits = opt > 0 ? malloc((size_t)opt * sizeof(int)) : NULL;
            if (opt > 0 && !splits) { c->failed = true; fail(c->p, "out of memory"); return; }
            int ns = 0;
            for (int k = 0; k < opt && !c->failed; k++) {
                splits[ns++] = emit(c, I_SPLIT, 0, 0, 0);
                compile_node(c, child);
            }
            (void)first_split;
            for (int k = 0; k < ns && !c->failed; k++) {
                int s = splits[k];
                c->prog[s].x = greedy ? s + 1 : c->n;
                c->prog[s].y = greedy ? c->n : s + 1;
            }
            free(splits);
        }
        break;
    }
    }
}

/* ------------------------------------------------------------ analysis */

/* Leading literal of the tree (case-sensitive chars only). */
static void find_prefix(rx *re, parser *p, int root, bool *out_all)
{
    char buf[256];
    size_t len = 0;
    bool all = true;
    node *nd = &p->nodes[root];
    int k = nd->op == N_CAT ? nd->first : root;
    if (nd->op != N_CAT && nd->op != N_CHAR) all = false;
    for (; k >= 0; k = p->nodes[k].next) {
        node *x = &p->nodes[k];
        if (x->op != N_CHAR || len + 4 > sizeof buf) { all = false; break; }
        len += (size_t)encode(x->c, buf + len);
        if (nd->op != N_CAT) break;
    }
    *out_all = all && len > 0;
    if (len > 0) {
        re->prefix = malloc(len + 1);
        if (re->prefix) {
            memcpy(re->prefix, buf, len);
            re->prefix[len] = 0;
            re->prefix_len = len;
        }
    }
}

/* Line mode: the longest run of plain characters in the top-level
 * concatenation must appear in every match, and no match crosses a line,
 * so only lines holding it need the VM (ripgrep's inner-literal idea). */
static void find_required(rx *re, parser *p, int root)
{
    node *nd = &p->nodes[root];
    if (nd->op != N_CAT) return;
    char buf[256], best[256];
    size_t len = 0, best_len = 0;
    for (int k = nd->first;; k = p->nodes[k].next) {
        bool ch = k >= 0 && p->nodes[k].op == N_CHAR && len + 4 <= sizeof buf;
        if (ch) {
            len += (size_t)encode(p->nodes[k].c, buf + len);
        } else {
            if (len > best_len) { memcpy(best, buf, len); best_len = len; }
            len = 0;
        }
        if (k < 0) break;
    }
    if (best_len < 2) return;
    re->req = malloc(best_len);
    if (!re->req) return;
    memcpy(re->req, best, best_len);
    re->req_len = best_len;
}

/* Bytes that can begin a match; false when a match can be empty. */
static bool first_set(rx *re)
{
    int *stack = malloc((size_t)re->ninst * 2 * sizeof(int) + sizeof(int));
    uint8_t *seen = calloc((size_t)re->ninst, 1);
    bool ok = stack && seen;
    int sp = 0;
    memset(re->set, 0, sizeof re->set);
    if (ok) stack[sp++] = 0;
    while (ok && sp > 0) {
        int pc = stack[--sp];
        if (seen[pc]) continue;
        seen[pc] = 1;
        inst *in = &re->prog[pc];
        switch (in->op) {
        case I_MATCH: ok = false; break;
        case I_JMP: stack[sp++] = in->x; break;
        case I_SPLIT: stack[sp++] = in->x; stack[sp++] = in->y; break;
        case I_SAVE: case I_ASSERT: stack[sp++] = pc + 1; break;
        case I_CHAR: {
            char b[4];
            encode(in->c, b);
            re->set[(unsigned char)b[0]] = 1;
            break;
        }
        case I_ANY: case I_ANYNL:
            for (int b = 0; b < 256; b++) re->set[b] = 1;
            if (in->op == I_ANY) re->set['\n'] = 0;
            break;
        case I_CLASS: {
            cls *cl = &re->classes[in->x];
            for (int b = 0; b < 128; b++)
                if (((cl->ascii[b >> 5] >> (b & 31)) & 1) != cl->neg) re->set[b] = 1;
            if (cl->neg || cl->nr > 0)
                for (int b = 128; b < 256; b++) re->set[b] = 1;
            break;
        }
        }
    }
    free(stack);
    free(seen);
    if (re->flags & RX_NONL) re->set['\n'] = 0;
    return ok;
}

/* ------------------------------------------------------------ API */

rx *rx_compile(const char *pat, size_t len, unsigned flags, char *err, size_t err_cap)
{
    if (err && err_cap) err[0] = 0;
    if (len > RX_MAX_PATTERN) {
        if (err && err_cap) snprintf(err, err_cap, "regex error: pattern longer than %d bytes", RX_MAX_PATTERN);
        return NULL;
    }
    rx *re = calloc(1, sizeof *re);
    if (!re) return NULL;
    if (flags & RX_NONL) flags |= RX_MULTILINE;
    re->flags = flags;
    parser p = {0};
    p.s = (const unsigned char *)pat;
    p.n = len;
    p.err = err;
    p.err_cap = err_cap;
    p.nonl = (flags & RX_NONL) != 0;
    p.syn = (flags & RX_BRE) ? SYN_BRE : (flags & RX_ERE) ? SYN_ERE : SYN_DEFAULT;
    if (flags & RX_ICASE) p.scope |= SCOPE_ICASE;
    if (flags & RX_MULTILINE) p.scope |= SCOPE_MULTI;
    if (flags & RX_DOTALL) p.scope |= SCOPE_DOTALL;
    int root;
    if (flags & RX_LITERAL) {
        root = new_node(&p, N_CAT);
        int last = -1;
        while (root >= 0 && p.i < p.n && !p.failed) {
            int a = char_node(&p, next_char(&p));
            if (a < 0) break;
            if (last < 0) p.nodes[root].first = a; else p.nodes[last].next = a;
            last = a;
        }
    } else {
        root = parse_alt(&p);
        if (root >= 0 && p.i < p.n) fail(&p, p.syn == SYN_DEFAULT ? "unmatched )" : "unexpected character");
    }
    compiler c = {.p = &p, .nonl = p.nonl};
    if (!p.failed) {
        emit(&c, I_SAVE, 0, 0, 0);
        compile_node(&c, root);
        emit(&c, I_SAVE, 1, 0, 0);
        emit(&c, I_MATCH, 0, 0, 0);
    }
    re->prog = c.prog;
    re->ninst = c.n;
    re->classes = p.classes;
    re->ncls = p.ncls;
    re->ngroups = p.ngroups;
    if (p.failed || c.failed) {
        free(p.nodes);
        rx_free(re);
        return NULL;
    }
    bool all = false;
    find_prefix(re, &p, root, &all);
    re->literal = all;
    if (!all && p.nonl && !p.text_anchor) find_required(re, &p, root);
    node *rn = &p.nodes[root];
    int lead = rn->op == N_CAT ? rn->first : root;
    if (lead >= 0 && p.nodes[lead].op == N_ASSERT) {
        if (p.nodes[lead].arg == A_BOT) re->anchored = true;
        if (p.nodes[lead].arg == A_BOL) re->pf = PF_LINESTART;
    }
    free(p.nodes);
    if (re->pf == PF_NONE && !re->anchored) {
        if (re->prefix_len >= 2) re->pf = PF_PREFIX;
        else if (re->prefix_len == 1) { re->pf = PF_BYTE; re->pf_byte = (unsigned char)re->prefix[0]; }
        else if (first_set(re)) {
            int count = 0, only = 0;
            for (int b = 0; b < 256; b++) if (re->set[b]) { count++; only = b; }
            if (count == 1) { re->pf = PF_BYTE; re->pf_byte = only; }
            else if (count < 256) re->pf = PF_SET;
        }
    }
    return re;
}

void rx_free(rx *re)
{
    if (!re) return;
    for (int k = 0; k < re->ncls; k++) free(re->classes[k].r);
    free(re->classes);
    free(re->prog);
    free(re->prefix);
    free(re->req);
    for (int k = 0; k < 2; k++) {
        free(re->dense[k]);
        free(re->sparse[k]);
        free(re->caps[k]);
    }
    free(re->stack);
    free(re->slots);
    free(re->best);
    free(re->saved);
    free(re);
}

int rx_groups(const rx *re) { return re->ngroups; }
bool rx_is_literal(const rx *re) { return re->literal; }

/* ------------------------------------------------------------ the VM */

typedef struct vm {
    rx *re;
    const unsigned char *buf;
    size_t len;
    int ncap;
} vm;

static bool cls_has(const cls *cl, uint32_t c)
{
    bool in;
    if (c < 128) {
        in = (cl->ascii[c >> 5] >> (c & 31)) & 1;
    } else {
        in = false;
        /* binary search over the ranges */
        int lo = 0, hi = cl->nr - 1;
        while (lo <= hi) {
            int mid = (lo + hi) / 2;
            if (c < cl->r[2 * mid]) hi = mid - 1;
            else if (c > cl->r[2 * mid + 1]) lo = mid + 1;
            else { in = true; break; }
        }
    }
    return in != cl->neg;
}

static bool check_assert(const vm *v, int kind, size_t pos)
{
    const unsigned char *b = v->buf;
    switch (kind) {
    case A_BOT: return pos == 0;
    case A_EOT: return pos == v->len;
    case A_BOL: return pos == 0 || b[pos - 1] == '\n';
    case A_EOL: return pos == v->len || b[pos] == '\n';
    default: break;
    }
    bool before = pos > 0 && is_word_byte(b[pos - 1]);
    bool after = pos < v->len && is_word_byte(b[pos]);
    switch (kind) {
    case A_WORDB: return before != after;
    case A_NWORDB: return before == after;
    case A_WSTART: return !before && after;
    case A_WEND: return before && !after;
    }
    return false;
}

typedef struct tlist {
    int n;
    int *dense, *sparse;
    size_t *caps;
} tlist;

/* Follows the epsilon closure of pc at pos, adding threads to l in
 * priority order; v->re->slots holds the thread's captures (restored on
 * return). Stack entries: pc >= 0, or -(slot+1) with the old value next. */
static void add_thread(vm *v, tlist *l, int pc0, size_t pos)
{
    rx *re = v->re;
    int *stack = re->stack;
    size_t *slots = re->slots;
    int sp = 0;
    stack[sp++] = pc0;
    size_t *saved = re->saved;
    int nsaved = 0;
    while (sp > 0) {
        int pc = stack[--sp];
        if (pc < 0) {
            slots[-pc - 1] = saved[--nsaved];
            continue;
        }
        int i = l->sparse[pc];
        if (i < l->n && l->dense[i] == pc) continue;
        l->sparse[pc] = l->n;
        l->dense[l->n] = pc;
        int slot_index = l->n++;
        inst *in = &re->prog[pc];
        switch (in->op) {
        case I_JMP: stack[sp++] = in->x; break;
        case I_SPLIT: stack[sp++] = in->y; stack[sp++] = in->x; break;
        case I_ASSERT: if (check_assert(v, in->x, pos)) stack[sp++] = pc + 1; break;
        case I_SAVE:
            if (in->x < v->ncap) {
                saved[nsaved++] = slots[in->x];
                stack[sp++] = -(in->x + 1);
                slots[in->x] = pos;
            }
            stack[sp++] = pc + 1;
            break;
        default:
            memcpy(l->caps + (size_t)slot_index * (size_t)v->ncap, slots, (size_t)v->ncap * sizeof(size_t));
            break;
        }
    }
}

static bool ensure_scratch(rx *re, int ncap)
{
    if (re->stack && re->scratch_ncap >= ncap) return true;
    for (int k = 0; k < 2; k++) {
        free(re->dense[k]); free(re->sparse[k]); free(re->caps[k]);
        re->dense[k] = malloc((size_t)re->ninst * sizeof(int));
        re->sparse[k] = calloc((size_t)re->ninst, sizeof(int));
        re->caps[k] = malloc((size_t)re->ninst * (size_t)ncap * sizeof(size_t));
    }
    free(re->stack); free(re->slots); free(re->best); free(re->saved);
    /* each instruction is visited once per closure and pushes at most two entries */
    re->stack = malloc((size_t)(3 * re->ninst + 4) * sizeof(int));
    re->saved = malloc((size_t)(re->ninst + 1) * sizeof(size_t));
    re->slots = malloc((size_t)ncap * sizeof(size_t));
    re->best = malloc((size_t)ncap * sizeof(size_t));
    re->scratch_ncap = ncap;
    bool ok = re->stack && re->slots && re->best && re->saved;
    for (int k = 0; k < 2; k++) ok = ok && re->dense[k] && re->sparse[k] && re->caps[k];
    if (!ok) {
        free(re->stack);
        re->stack = NULL;
    }
    return ok;
}

/* Is pos inside a valid multi-byte sequence that starts before it (and at or after floor)? */
static size_t skip_continuation(const unsigned char *b, size_t len, size_t pos, size_t floor)
{
    for (size_t back = 1; back <= 3 && pos >= floor + back; back++) {
        unsigned char lead = b[pos - back];
        if ((lead & 0xC0) == 0x80) continue;
        int l;
        decode(b + pos - back, len - (pos - back), &l);
        if ((size_t)l > back) return pos - back + (size_t)l;
        break;
    }
    return pos;
}

/* Next position >= pos where a match may start, or len + 1 for none. */
static size_t prefilter(rx *re, const unsigned char *b, size_t len, size_t pos, size_t floor)
{
    for (;;) {
        if (pos > len) return len + 1;
        switch (re->pf) {
        case PF_PREFIX: {
            const void *f = memmem(b + pos, len - pos, re->prefix, re->prefix_len);
            return f ? (size_t)((const unsigned char *)f - b) : len + 1;
        }
        case PF_LINESTART: {
            if (pos == 0 || b[pos - 1] == '\n') return pos;
            const void *f = memchr(b + pos, '\n', len - pos);
            return f ? (size_t)((const unsigned char *)f - b) + 1 : len + 1;
        }
        case PF_BYTE: {
            const unsigned char *f = memchr(b + pos, re->pf_byte, len - pos);
            if (!f) return len + 1;
            pos = (size_t)(f - b);
            break;
        }
        case PF_SET:
            while (pos < len && !re->set[b[pos]]) pos++;
            if (pos >= len) return len + 1;
            break;
        default: return pos;
        }
        if (b[pos] < 0x80 || b[pos] >= 0xC0) return pos;
        size_t np = skip_continuation(b, len, pos, floor);
        if (np == pos) return pos;
        pos = np;
    }
}

static int vm_search(rx *re, const char *buf, size_t len, size_t start, size_t *caps, int ncaps);

int rx_search(rx *re, const char *buf, size_t len, size_t start, size_t *caps, int ncaps)
{
    for (int k = 0; k < ncaps; k++) caps[k] = RX_UNSET;
    if (start > len) return 0;
    if (!re->req) return vm_search(re, buf, len, start, caps, ncaps);
    /* only lines holding the required literal can match */
    size_t from = start;
    while (from <= len) {
        const char *f = memmem(buf + from, len - from, re->req, re->req_len);
        if (!f) return 0;
        size_t at = (size_t)(f - buf), ls = at, le;
        while (ls > start && buf[ls - 1] != '\n') ls--;
        const char *nl = memchr(buf + at, '\n', len - at);
        le = nl ? (size_t)(nl - buf) : len;
        /* the line's end is the text's end for the VM: $ and \b see a line break there */
        int r = vm_search(re, buf, le, ls, caps, ncaps);
        if (r != 0) return r;
        from = le + 1;
    }
    return 0;
}

static int vm_search(rx *re, const char *buf, size_t len, size_t start, size_t *caps, int ncaps)
{
    const unsigned char *b = (const unsigned char *)buf;
    if (re->literal) {
        const void *f = memmem(b + start, len - start, re->prefix, re->prefix_len);
        if (!f) return 0;
        size_t at_ = (size_t)((const unsigned char *)f - b);
        if (ncaps > 0) caps[0] = at_;
        if (ncaps > 1) caps[1] = at_ + re->prefix_len;
        return 1;
    }
    int ncap = 2 * (re->ngroups + 1);
    if (ncaps < ncap) ncap = ncaps < 2 ? 2 : ncaps;
    if (ncap & 1) ncap++;
    if (!ensure_scratch(re, ncap)) return -1;
    vm v = {re, b, len, ncap};
    tlist L[2];
    for (int k = 0; k < 2; k++) L[k] = (tlist){0, re->dense[k], re->sparse[k], re->caps[k]};
    tlist *cl = &L[0], *nl = &L[1];
    bool matched = false, longest = (re->flags & RX_LONGEST) != 0, nonl = (re->flags & RX_NONL) != 0;
    size_t *best = re->best;
    size_t pos = start;
    for (;;) {
        if (!matched && (!re->anchored || pos == start)) {
            if (cl->n == 0 && re->pf != PF_NONE) {
                pos = prefilter(re, b, len, pos, start);
                if (pos > len) break;
            }
            for (int k = 0; k < ncap; k++) re->slots[k] = RX_UNSET;
            add_thread(&v, cl, 0, pos);
        }
        if (cl->n == 0) break;
        uint32_t cp = 0;
        int clen = 0;
        if (pos < len) cp = decode(b + pos, len - pos, &clen);
        bool can = pos < len && !(nonl && cp == '\n');
        nl->n = 0;
        for (int t = 0; t < cl->n; t++) {
            int pc = cl->dense[t];
            inst *in = &re->prog[pc];
            size_t *tc = cl->caps + (size_t)t * (size_t)ncap;
            bool ok = false;
            switch (in->op) {
            case I_MATCH:
                if (longest) {
                    if (!matched || tc[0] < best[0] || (tc[0] == best[0] && tc[1] > best[1])) {
                        memcpy(best, tc, (size_t)ncap * sizeof(size_t));
                        matched = true;
                    }
                    continue;
                }
                memcpy(best, tc, (size_t)ncap * sizeof(size_t));
                matched = true;
                t = cl->n; /* cut every lower-priority thread */
                continue;
            case I_CHAR: ok = can && cp == in->c; break;
            case I_ANY: ok = can && cp != '\n'; break;
            case I_ANYNL: ok = can; break;
            case I_CLASS: ok = can && cls_has(&re->classes[in->x], cp); break;
            default: continue;
            }
            if (ok) {
                memcpy(re->slots, tc, (size_t)ncap * sizeof(size_t));
                add_thread(&v, nl, pc + 1, pos + (size_t)clen);
            }
        }
        tlist *tmp = cl; cl = nl; nl = tmp;
        if (pos >= len) {
            /* threads at len that only need to reach MATCH were handled; run one last round */
            if (cl->n == 0) break;
            continue;
        }
        pos += (size_t)clen;
    }
    if (!matched) return 0;
    for (int k = 0; k < ncaps && k < ncap; k++) caps[k] = best[k];
    return 1;
}
