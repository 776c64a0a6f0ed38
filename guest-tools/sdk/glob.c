/* glob.c: brace expansion, tokenising and NFA matching behind glob.h. */
#include "glob.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { T_LIT, T_ANY1, T_STAR, T_DSTAR, T_CLASS };

typedef struct tok {
    uint8_t kind;
    uint8_t skip_slash; /* T_DSTAR written as "**" + "/": may also match nothing at all */
    unsigned char c;    /* T_LIT */
    uint8_t neg;        /* T_CLASS */
    uint32_t set[8];    /* T_CLASS byte set */
} tok;

typedef struct alt {
    tok *t;
    int n;
    int depth; /* components, -1 unbounded */
} alt;

struct glob_pat {
    alt *alts;
    int n;
};

static int gfail(char *err, size_t cap, const char *msg)
{
    if (err && cap) snprintf(err, cap, "bad glob pattern: %s", msg);
    return -1;
}

/* Expands the first top-level-most brace group of p recursively into out. */
static int expand(const char *p, char ***out, int *n, int *cap, char *err, size_t err_cap, int depth)
{
    if (depth > 32) return gfail(err, err_cap, "braces nest too deeply");
    /* find the first '{' with a matching '}' that has a ',' at its level */
    size_t len = strlen(p);
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '\\' && i + 1 < len) { i++; continue; }
        if (p[i] == '[') { /* skip classes */
            size_t j = i + 1;
            if (j < len && (p[j] == '!' || p[j] == '^')) j++;
            if (j < len && p[j] == ']') j++;
            while (j < len && p[j] != ']') j++;
            if (j < len) i = j;
            continue;
        }
        if (p[i] != '{') continue;
        int lvl = 0;
        size_t end = 0;
        bool comma = false;
        for (size_t j = i + 1; j < len; j++) {
            if (p[j] == '\\' && j + 1 < len) { j++; continue; }
            if (p[j] == '{') lvl++;
            else if (p[j] == '}') { if (lvl == 0) { end = j; break; } lvl--; }
            else if (p[j] == ',' && lvl == 0) comma = true;
        }
        if (!end) return gfail(err, err_cap, "unclosed {");
        if (!comma) continue;
        /* split the group at top-level commas */
        size_t st = i + 1;
        lvl = 0;
        for (size_t j = i + 1; j <= end; j++) {
            if (p[j] == '\\' && j + 1 < end) { j++; continue; }
            if (p[j] == '{') lvl++;
            else if (p[j] == '}' && j < end) lvl--;
            else if ((p[j] == ',' && lvl == 0) || j == end) {
                size_t plen = i + (j - st) + (len - end - 1);
                char *q = malloc(plen + 1);
                if (!q) return gfail(err, err_cap, "out of memory");
                memcpy(q, p, i);
                memcpy(q + i, p + st, j - st);
                memcpy(q + i + (j - st), p + end + 1, len - end - 1);
                q[plen] = 0;
                int r = expand(q, out, n, cap, err, err_cap, depth + 1);
                free(q);
                if (r < 0) return -1;
                st = j + 1;
            }
        }
        return 0;
    }
    if (*n >= GLOB_MAX_ALTERNATIVES) return gfail(err, err_cap, "too many {..} alternatives");
    if (*n == *cap) {
        int nc = *cap ? *cap * 2 : 4;
        char **no = realloc(*out, (size_t)nc * sizeof *no);
        if (!no) return gfail(err, err_cap, "out of memory");
        *out = no;
        *cap = nc;
    }
    (*out)[*n] = strdup(p);
    if (!(*out)[*n]) return gfail(err, err_cap, "out of memory");
    (*n)++;
    return 0;
}

static int tokenize(const char *p, alt *a, char *err, size_t err_cap)
{
    size_t len = strlen(p);
    a->t = calloc(len + 1, sizeof(tok));
    if (!a->t) return gfail(err, err_cap, "out of memory");
    a->n = 0;
    a->depth = 1;
    for (size_t i = 0; i < len; i++) {
        tok *t = &a->t[a->n];
        unsigned char c = (unsigned char)p[i];
        if (c == '*') {
            if (i + 1 < len && p[i + 1] == '*') {
                while (i + 1 < len && p[i + 1] == '*') i++;
                t->kind = T_DSTAR;
                a->depth = -1;
                if (i + 1 < len && p[i + 1] == '/') t->skip_slash = 1;
            } else {
                t->kind = T_STAR;
            }
        } else if (c == '?') {
            t->kind = T_ANY1;
        } else if (c == '[') {
            size_t j = i + 1;
            bool neg = false;
            if (j < len && (p[j] == '!' || p[j] == '^')) { neg = true; j++; }
            size_t st = j;
            if (j < len && p[j] == ']') j++;
            while (j < len && p[j] != ']') j++;
            if (j >= len) {
                t->kind = T_LIT; /* an unclosed [ is literal */
                t->c = c;
            } else {
                t->kind = T_CLASS;
                t->neg = neg;
                for (size_t k = st; k < j; k++) {
                    unsigned char lo = (unsigned char)p[k], hi = lo;
                    if (lo == '\\' && k + 1 < j) lo = hi = (unsigned char)p[++k];
                    if (k + 2 < j && p[k + 1] == '-') { hi = (unsigned char)p[k + 2]; k += 2; }
                    if (hi < lo) return gfail(err, err_cap, "range out of order in [...]");
                    for (unsigned x = lo; x <= hi; x++) t->set[x >> 5] |= 1u << (x & 31);
                }
                i = j;
            }
        } else {
            if (c == '\\' && i + 1 < len) c = (unsigned char)p[++i];
            t->kind = T_LIT;
            t->c = c;
            if (c == '/' && a->depth > 0) a->depth++;
        }
        a->n++;
    }
    return 0;
}

glob_pat *glob_compile(const char *pattern, char *err, size_t err_cap)
{
    if (strlen(pattern) > GLOB_MAX_PATTERN) { gfail(err, err_cap, "pattern too long"); return NULL; }
    char **alts = NULL;
    int n = 0, cap = 0;
    glob_pat *g = NULL;
    if (expand(pattern, &alts, &n, &cap, err, err_cap, 0) < 0) goto done;
    g = calloc(1, sizeof *g);
    if (!g) goto done;
    g->alts = calloc((size_t)n, sizeof(alt));
    if (!g->alts && n) { free(g); g = NULL; goto done; }
    g->n = n;
    for (int k = 0; k < n; k++) {
        if (tokenize(alts[k], &g->alts[k], err, err_cap) < 0) {
            glob_free(g);
            g = NULL;
            goto done;
        }
    }
done:
    for (int k = 0; k < n; k++) free(alts[k]);
    free(alts);
    return g;
}

void glob_free(glob_pat *g)
{
    if (!g) return;
    for (int k = 0; k < g->n; k++) free(g->alts[k].t);
    free(g->alts);
    free(g);
}

/* Adds state i and its epsilon successors to set. */
static void add_state(const alt *a, uint8_t *set, int i)
{
    while (i <= a->n && !set[i]) {
        set[i] = 1;
        if (i == a->n) break;
        const tok *t = &a->t[i];
        if (t->kind == T_STAR || t->kind == T_DSTAR) {
            if (t->kind == T_DSTAR && t->skip_slash && i + 2 <= a->n) add_state(a, set, i + 2);
            i++;
            continue;
        }
        break;
    }
}

static bool match_alt(const alt *a, const unsigned char *s, size_t len)
{
    uint8_t small[2][130];
    uint8_t *cur = small[0], *nxt = small[1], *heap = NULL;
    size_t sz = (size_t)a->n + 1;
    if (sz > sizeof small[0]) {
        heap = calloc(2, sz);
        if (!heap) return false;
        cur = heap;
        nxt = heap + sz;
    }
    memset(cur, 0, sz);
    add_state(a, cur, 0);
    bool any = true;
    for (size_t k = 0; k < len && any; k++) {
        unsigned char c = s[k];
        memset(nxt, 0, sz);
        any = false;
        for (int i = 0; i < a->n; i++) {
            if (!cur[i]) continue;
            const tok *t = &a->t[i];
            switch (t->kind) {
            case T_LIT: if (t->c == c) { add_state(a, nxt, i + 1); any = true; } break;
            case T_ANY1: if (c != '/') { add_state(a, nxt, i + 1); any = true; } break;
            case T_STAR: if (c != '/') { add_state(a, nxt, i); any = true; } break;
            case T_DSTAR: add_state(a, nxt, i); any = true; break;
            case T_CLASS: {
                bool in = (t->set[c >> 5] >> (c & 31)) & 1;
                if (in != (bool)t->neg && c != '/') { add_state(a, nxt, i + 1); any = true; }
                break;
            }
            }
        }
        uint8_t *tmp = cur; cur = nxt; nxt = tmp;
    }
    bool ok = any && cur[a->n];
    free(heap);
    return ok;
}

bool glob_match(const glob_pat *g, const char *path, size_t len)
{
    for (int k = 0; k < g->n; k++)
        if (match_alt(&g->alts[k], (const unsigned char *)path, len)) return true;
    return false;
}

bool glob_recursive(const glob_pat *g) { return glob_max_depth(g) != 1; }

int glob_max_depth(const glob_pat *g)
{
    int d = 1;
    for (int k = 0; k < g->n; k++) {
        if (g->alts[k].depth < 0) return -1;
        if (g->alts[k].depth > d) d = g->alts[k].depth;
    }
    return d;
}
