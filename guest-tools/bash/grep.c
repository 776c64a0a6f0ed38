/* grep.c: grep on the shared linear-time regex engine (sdk/regex.h).
 *
 * Basic (default), extended (-E), fixed (-F) and Perl-like (-P: the
 * engine's own syntax) patterns, leftmost-longest for the POSIX forms.
 * A line filter: stdin and files stream line by line; -r walks directories
 * in sorted order first. Context (-A/-B/-C), -o, -c, -l, -L, -q, -m, -w, -x.
 */
#include "cmds.h"
#include "regex.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct grep_ctx {
    rx **re;
    int nre;
    bool v, c, l, L, n, h, H, o, q, s, w, x, i, b, z, Z;
    long long max, A, B;
    /* per file */
    long long lineno, count, matched_here, after_left;
    long long last_printed;
    bool any_match, any_output, binary, skip_rest;
    strv before;          /* last B lines (without newline) */
    long long before_start;
    strv files;           /* expanded operands (-r) */
    const char *label;
    bool multi;
    int err;
} grep_ctx;

static bool is_word(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* Finds a match in line[0..n) at or after start honouring -w / -x.
 * Returns true with the span in *ms, *me. */
static bool find(grep_ctx *g, const char *line, size_t n, size_t start, size_t *ms, size_t *me)
{
    bool found = false;
    size_t best_s = 0, best_e = 0;
    for (int k = 0; k < g->nre; k++) {
        size_t from = start;
        while (from <= n) {
            size_t caps[2];
            int r = rx_search(g->re[k], line, n, from, caps, 2);
            if (r != 1)
                break;
            size_t s = caps[0], e = caps[1];
            bool ok = true;
            if (g->x)
                ok = s == 0 && e == n;
            else if (g->w)
                ok = (s == 0 || !is_word(line[s - 1])) && (e == n || !is_word(line[e])) && e > s;
            if (ok) {
                if (!found || s < best_s || (s == best_s && e > best_e)) {
                    best_s = s;
                    best_e = e;
                    found = true;
                }
                break;
            }
            if (g->x)
                break;
            from = s + 1;
        }
    }
    *ms = best_s;
    *me = best_e;
    return found;
}

static void prefix(ucmd *u, grep_ctx *g, sx *o, const char *name, long long lineno, char sep)
{
    if (g->H && !g->h) {
        sx_adds(o, name);
        sx_addc(o, g->Z ? '\0' : sep);
    }
    if (g->n)
        sx_printf(o, "%lld%c", lineno, sep);
    (void)u;
}

static const char *cur_name(lf *l, grep_ctx *g)
{
    if (l->f.cur_is_stdin)
        return g->label ? g->label : "(standard input)";
    return l->f.curname;
}

static void grep_file_start(ucmd *u, lf *l)
{
    (void)u;
    grep_ctx *g = l->ctx;
    g->lineno = 0;
    g->count = 0;
    g->matched_here = 0;
    g->after_left = 0;
    g->last_printed = 0;
    g->binary = false;
    g->skip_rest = false;
    strv_free(&g->before);
    if (!l->f.cur_is_stdin && l->f.cur) {
        /* binary detection: a NUL in the first block */
        const char *p;
        size_t n;
        if (io_avail(l->f.cur, &p, &n) == IN_DATA && memchr(p, 0, n < 8192 ? n : 8192))
            g->binary = true;
    }
}

static void grep_file_end(ucmd *u, lf *l)
{
    grep_ctx *g = l->ctx;
    const char *name = cur_name(l, g);
    sx o;
    sx_init(&o);
    if (g->c) {
        if (g->H && !g->h) {
            sx_adds(&o, name);
            sx_addc(&o, ':');
        }
        sx_printf(&o, "%lld\n", g->count);
    } else if (g->l && g->count > 0) {
        sx_adds(&o, name);
        sx_addc(&o, g->Z ? '\0' : '\n');
    } else if (g->L && g->count == 0) {
        sx_adds(&o, name);
        sx_addc(&o, g->Z ? '\0' : '\n');
    } else if (g->binary && g->count > 0 && !g->q) {
        sx_printf(&o, "Binary file %s matches\n", name);
    }
    uwrite(u, o.s, o.len);
    sx_free(&o);
    strv_free(&g->before);
}

static int grep_line(ucmd *u, lf *l, const char *p, size_t n)
{
    grep_ctx *g = l->ctx;
    if (g->skip_rest)
        return 0;
    g->lineno++;
    size_t len = n && p[n - 1] == '\n' ? n - 1 : n;
    size_t ms, me;
    bool m = find(g, p, len, 0, &ms, &me);
    if (g->v)
        m = !m;
    const char *name = cur_name(l, g);
    if (m) {
        g->count++;
        g->any_match = true;
        if (g->q)
            return 1; /* status 0 */
        if (g->l || g->L) {
            g->skip_rest = true;
            return 0;
        }
        if (!g->c && !g->binary) {
            sx o;
            sx_init(&o);
            /* separator between context groups */
            if ((g->A || g->B) && g->any_output && g->last_printed &&
                g->lineno - g->before.n > g->last_printed + 1)
                sx_adds(&o, "--\n");
            for (int k = 0; k < g->before.n; k++) {
                prefix(u, g, &o, name, g->lineno - g->before.n + k, '-');
                sx_adds(&o, g->before.v[k]);
                sx_addc(&o, '\n');
            }
            strv_free(&g->before);
            if (g->o && !g->v) {
                size_t from = 0;
                while (from <= len && find(g, p, len, from, &ms, &me)) {
                    if (me > ms) {
                        prefix(u, g, &o, name, g->lineno, ':');
                        sx_add(&o, p + ms, me - ms);
                        sx_addc(&o, '\n');
                        from = me;
                    } else {
                        from = ms + 1;
                    }
                }
            } else if (!g->o) {
                prefix(u, g, &o, name, g->lineno, ':');
                sx_add(&o, p, len);
                sx_addc(&o, '\n');
            }
            uwrite(u, o.s, o.len);
            sx_free(&o);
            g->any_output = true;
            g->last_printed = g->lineno;
            g->after_left = g->A;
        }
        if (g->max > 0 && g->count >= g->max) {
            if (g->multi || g->A) {
                g->skip_rest = g->A == 0;
                if (g->A == 0)
                    return 0;
            } else if (!g->A) {
                return 1;
            }
        }
        return 0;
    }
    if (g->after_left > 0 && !g->c && !g->l && !g->L) {
        g->after_left--;
        sx o;
        sx_init(&o);
        prefix(u, g, &o, name, g->lineno, '-');
        sx_add(&o, p, len);
        sx_addc(&o, '\n');
        uwrite(u, o.s, o.len);
        sx_free(&o);
        g->last_printed = g->lineno;
        if (g->max > 0 && g->count >= g->max && g->after_left == 0)
            g->skip_rest = true;
        return 0;
    }
    if (g->B > 0) {
        strv_push(&g->before, xstrndup(p, len));
        if (g->before.n > g->B) {
            free(g->before.v[0]);
            memmove(g->before.v, g->before.v + 1, sizeof(char *) * (size_t)g->before.n);
            g->before.n--;
        }
    }
    return 0;
}

static int grep_end(ucmd *u, lf *l)
{
    (void)u;
    grep_ctx *g = l->ctx;
    if ((g->err || l->f.status) && !(g->q && g->any_match))
        return 2;
    return g->any_match ? 0 : 1;
}

static void grep_free(void *p)
{
    grep_ctx *g = p;
    for (int i = 0; i < g->nre; i++)
        rx_free(g->re[i]);
    free(g->re);
    strv_free(&g->before);
    strv_free(&g->files);
    free(g);
}

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct walkopt {
    strv include, exclude, exclude_dir;
} walkopt;

static bool name_ok(const strv *pats, const char *name)
{
    for (int i = 0; i < pats->n; i++)
        if (pat_match(pats->v[i], name, strlen(name)))
            return true;
    return false;
}

static void walk(ucmd *u, grep_ctx *g, walkopt *w, const char *path, int depth)
{
    char *abs = sh_abspath(u->sh, path);
    struct stat st;
    if (stat(abs, &st) != 0) {
        if (!g->s)
            uerr(u, "%s: %s", path, sh_strerror(errno));
        g->err = 1;
        free(abs);
        return;
    }
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (S_ISDIR(st.st_mode)) {
        if (depth > 0 && w->exclude_dir.n && name_ok(&w->exclude_dir, base)) {
            free(abs);
            return;
        }
        if (depth > 256) {
            free(abs);
            return;
        }
        DIR *d = opendir(abs);
        if (!d) {
            if (!g->s)
                uerr(u, "%s: %s", path, sh_strerror(errno));
            g->err = 1;
            free(abs);
            return;
        }
        strv names = {0};
        struct dirent *de;
        while ((de = readdir(d)))
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                strv_push(&names, xstrdup(de->d_name));
        closedir(d);
        if (names.n)
            qsort(names.v, (size_t)names.n, sizeof *names.v, cmpstr);
        for (int i = 0; i < names.n; i++) {
            sx p;
            sx_init(&p);
            sx_adds(&p, path);
            if (p.len && p.s[p.len - 1] != '/')
                sx_addc(&p, '/');
            sx_adds(&p, names.v[i]);
            walk(u, g, w, p.s, depth + 1);
            sx_free(&p);
        }
        strv_free(&names);
    } else {
        bool ok = true;
        if (w->include.n && !name_ok(&w->include, base))
            ok = false;
        if (w->exclude.n && name_ok(&w->exclude, base))
            ok = false;
        if (ok)
            strv_push(&g->files, xstrdup(path));
    }
    free(abs);
}

int u_grep(ucmd *u)
{
    grep_ctx *g = xcalloc(1, sizeof *g);
    unsigned flags = 0;
    bool fixed = false, ere = false, perl = false, rec = false;
    strv pats = {0};
    bool have_pat = false;
    walkopt w = {0};
    uopt o = {0};
    int ch;
    int st = 2;
    static const char *const longs[] = {
        "ignore-case=i", "invert-match=v", "count=c", "files-with-matches=l",
        "files-without-match=L", "line-number=n", "no-filename=h", "with-filename=H",
        "only-matching=o", "quiet=q", "silent=q", "no-messages=s", "word-regexp=w",
        "line-regexp=x", "extended-regexp=E", "fixed-strings=F", "basic-regexp=G",
        "perl-regexp=P", "recursive=r", "dereference-recursive=R", "regexp:=e", "file:=f",
        "after-context:=A", "before-context:=B", "context:=C", "max-count:=m",
        "include:=I", "exclude:=X", "exclude-dir:=D", "color:=K", "colour:=K", "color=k",
        "colour=k", "label:=T", "null=Z", "text=a", "binary-files:=Y", "line-buffered=U",
        "null-data=z", NULL};
    while ((ch = uopt_next(u, &o, "ivclLnhHoqswxEFGPrRe:f:A:B:C:m:aZUzbI", longs)) != 0) {
        long long v;
        switch (ch) {
        case 'i': g->i = true; break;
        case 'v': g->v = true; break;
        case 'c': g->c = true; break;
        case 'l': g->l = true; break;
        case 'L': g->L = true; break;
        case 'n': g->n = true; break;
        case 'h': g->h = true; g->H = false; break;
        case 'H': g->H = true; g->h = false; break;
        case 'o': g->o = true; break;
        case 'q': g->q = true; break;
        case 's': g->s = true; break;
        case 'w': g->w = true; break;
        case 'x': g->x = true; break;
        case 'E': ere = true; fixed = perl = false; break;
        case 'F': fixed = true; ere = perl = false; break;
        case 'G': ere = fixed = perl = false; break;
        case 'P': perl = true; ere = fixed = false; break;
        case 'r': case 'R': rec = true; break;
        case 'e':
            have_pat = true;
            strv_push(&pats, xstrdup(o.arg));
            break;
        case 'f': {
            sx d;
            sx_init(&d);
            if (sh_read_file(u->sh, o.arg, &d, SH_MAX_STRING) != 0) {
                uerr(u, "%s: %s", o.arg, sh_strerror(errno));
                sx_free(&d);
                goto fail;
            }
            have_pat = true;
            size_t i = 0;
            while (i < d.len) {
                const char *e = memchr(d.s + i, '\n', d.len - i);
                size_t len = e ? (size_t)(e - (d.s + i)) : d.len - i;
                strv_push(&pats, xstrndup(d.s + i, len));
                i += len + 1;
            }
            sx_free(&d);
            break;
        }
        case 'A':
        case 'B':
        case 'C':
        case 'm':
            if (!parse_ll(o.arg, &v) || v < 0) {
                uerr(u, "invalid %s argument", ch == 'm' ? "max count" : "context length");
                goto fail;
            }
            if (ch == 'A' || ch == 'C')
                g->A = v;
            if (ch == 'B' || ch == 'C')
                g->B = v;
            if (ch == 'm')
                g->max = v == 0 ? -1 : v;
            break;
        case 'I': strv_push(&w.include, xstrdup(o.arg)); break;
        case 'X': strv_push(&w.exclude, xstrdup(o.arg)); break;
        case 'D': strv_push(&w.exclude_dir, xstrdup(o.arg)); break;
        case 'T': g->label = o.arg; break;
        case 'Z': g->Z = true; break;
        case 'K': case 'k': case 'a': case 'Y': case 'U': case 'b': break;
        case 'z': g->z = true; break;
        default: goto fail;
        }
    }
    if (!have_pat) {
        if (o.ind >= u->argc) {
            uerr(u, "usage: grep [OPTION]... PATTERNS [FILE]...");
            goto fail;
        }
        const char *p = u->argv[o.ind++];
        /* a newline separates several patterns */
        const char *s = p;
        for (;;) {
            const char *e = strchr(s, '\n');
            strv_push(&pats, e ? xstrndup(s, (size_t)(e - s)) : xstrdup(s));
            if (!e)
                break;
            s = e + 1;
        }
    }
    if (g->max < 0) {
        /* -m 0: nothing matches, nothing is read */
        st = 1;
        goto fail;
    }
    if (fixed)
        flags |= RX_LITERAL;
    else if (ere)
        flags |= RX_ERE | RX_LONGEST;
    else if (!perl)
        flags |= RX_BRE | RX_LONGEST;
    if (g->i)
        flags |= RX_ICASE;
    g->re = xcalloc((size_t)pats.n + 1, sizeof *g->re);
    for (int i = 0; i < pats.n; i++) {
        char err[256];
        g->re[i] = rx_compile(pats.v[i], strlen(pats.v[i]), flags, err, sizeof err);
        if (!g->re[i]) {
            uerr(u, "%s", err);
            goto fail;
        }
        g->nre++;
    }
    strv_free(&pats);
    int nops = u->argc - o.ind;
    lf *l = lf_new();
    l->ctx = g;
    l->free_ctx = grep_free;
    l->line = grep_line;
    l->file_start = grep_file_start;
    l->file_end = grep_file_end;
    l->end = grep_end;
    if (rec) {
        if (nops == 0)
            walk(u, g, &w, ".", 0);
        for (int i = o.ind; i < u->argc; i++)
            walk(u, g, &w, u->argv[i], 0);
        g->multi = true;
        if (!g->h)
            g->H = true;
        uf_init(&l->f, g->files.v, g->files.n);
        if (g->files.n == 0)
            l->f.i = 1;
        strv_free(&w.include);
        strv_free(&w.exclude);
        strv_free(&w.exclude_dir);
        return lf_install(u, l);
    }
    strv_free(&w.include);
    strv_free(&w.exclude);
    strv_free(&w.exclude_dir);
    g->multi = nops > 1;
    if (nops > 1 && !g->h)
        g->H = true;
    return lf_run(u, l, o.ind);
fail:
    strv_free(&pats);
    strv_free(&w.include);
    strv_free(&w.exclude);
    strv_free(&w.exclude_dir);
    grep_free(g);
    return st;
}
