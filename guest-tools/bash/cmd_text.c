/* cmd_text.c: streaming text utilities — cat head tail wc seq yes tee sort
 * uniq tr cut rev tac nl fold expand.
 *
 * Most are line filters built on lf_run(): a resumable step that takes the
 * lines of every input (file operands, or stdin) and hands each to a
 * callback, at most a few thousand per step, so a pipeline interleaves them
 * and stops early when the reader goes away (`yes | head -1`).
 */
#include "cmds.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the line-filter frame ---- */

static int lf_step(ucmd *u)
{
    lf *l = u->st;
    for (int budget = 0; budget < 4096; budget++) {
        if (!l->f.cur) {
            if (uf_next(u, &l->f)) {
                /* an end callback decides the status itself */
                int st = l->end ? l->end(u, l) : l->f.status;
                return udone(u, st);
            }
            if (l->file_start)
                l->file_start(u, l);
        }
        const char *p;
        size_t n;
        int r = io_line(l->f.cur, &p, &n);
        if (r == IN_NEED)
            return U_NEED;
        if (r == IN_EOF) {
            if (l->file_end)
                l->file_end(u, l);
            uf_close(&l->f);
            continue;
        }
        int x = l->line(u, l, p, n);
        io_consume(l->f.cur, n);
        if (x)
            return udone(u, (x > 0 ? x - 1 : 0) | l->f.status);
        if (u->sigpipe)
            return U_DONE;
    }
    return U_MORE;
}

static void lf_fini(ucmd *u)
{
    lf *l = u->st;
    if (!l)
        return;
    uf_free(&l->f);
    if (l->free_ctx)
        l->free_ctx(l->ctx);
    free(l);
    u->st = NULL;
}

int lf_install(ucmd *u, lf *l)
{
    u->st = l;
    u->step = lf_step;
    u->fini = lf_fini;
    return -1;
}

int lf_run(ucmd *u, lf *l, int first_file)
{
    uf_init(&l->f, u->argv + first_file, u->argc - first_file);
    u->st = l;
    u->step = lf_step;
    u->fini = lf_fini;
    return -1;
}

lf *lf_new(void)
{
    return xcalloc(1, sizeof(lf));
}

/* ---- slurp: read every input fully, then run ---- */

typedef struct slurp {
    ufiles f;
    sx data;
    int (*run)(ucmd *u, sx *data);
} slurp;

static int slurp_step(ucmd *u)
{
    slurp *s = u->st;
    for (int budget = 0; budget < 64; budget++) {
        if (!s->f.cur && uf_next(u, &s->f)) {
            int st = s->run(u, &s->data);
            return udone(u, st | s->f.status);
        }
        const char *p;
        size_t n;
        int r = io_avail(s->f.cur, &p, &n);
        if (r == IN_NEED)
            return U_NEED;
        if (r == IN_EOF) {
            uf_close(&s->f);
            continue;
        }
        if (s->data.len + n > SH_MAX_STRING) {
            uerr(u, "input too large (limit %u bytes)", SH_MAX_STRING);
            return udone(u, 1);
        }
        sx_add(&s->data, p, n);
        io_consume(s->f.cur, n);
    }
    return U_MORE;
}

static void slurp_fini(ucmd *u)
{
    slurp *s = u->st;
    if (!s)
        return;
    uf_free(&s->f);
    sx_free(&s->data);
    free(s);
    u->st = NULL;
}

int uslurp(ucmd *u, char **files, int nfiles, int (*run)(ucmd *u, sx *data))
{
    slurp *s = xcalloc(1, sizeof *s);
    uf_init(&s->f, files, nfiles < 0 ? 0 : nfiles);
    if (nfiles < 0)
        s->f.i = 1; /* no input at all */
    sx_init(&s->data);
    s->run = run;
    u->st = s;
    u->step = slurp_step;
    u->fini = slurp_fini;
    return -1;
}

/* Parses a count like 10, 10K, 2M (K=1024). */
bool parse_size(const char *s, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || errno)
        return false;
    long long m = 1;
    if (*end) {
        switch (*end) {
        case 'b': m = 512; break;
        case 'k': case 'K': m = 1024; break;
        case 'M': m = 1024 * 1024; break;
        case 'G': m = 1024LL * 1024 * 1024; break;
        default: return false;
        }
        end++;
        if (*end == 'B' || (*end == 'i' && end[1] == 'B'))
            end += *end == 'i' ? 2 : 1;
        if (*end)
            return false;
    }
    *out = v * m;
    return true;
}

/* ---- cat ---- */

typedef struct cat_ctx {
    bool n, b, s, E, T, v;
    long long lineno;
    bool prev_blank;
} cat_ctx;

static int cat_line(ucmd *u, lf *l, const char *p, size_t n)
{
    cat_ctx *c = l->ctx;
    bool has_nl = n && p[n - 1] == '\n';
    size_t body = has_nl ? n - 1 : n;
    bool blank = body == 0;
    if (c->s && blank && c->prev_blank)
        return 0;
    c->prev_blank = blank;
    sx o;
    sx_init(&o);
    if (c->b ? !blank : c->n)
        sx_printf(&o, "%6lld\t", ++c->lineno);
    for (size_t i = 0; i < body; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (c->T && ch == '\t') {
            sx_adds(&o, "^I");
        } else if (c->v && ch != '\t' && (ch < 32 || ch >= 127)) {
            if (ch >= 128) {
                sx_adds(&o, "M-");
                ch -= 128;
            }
            if (ch < 32) {
                sx_addc(&o, '^');
                sx_addc(&o, (char)(ch + 64));
            } else if (ch == 127) {
                sx_adds(&o, "^?");
            } else {
                sx_addc(&o, (char)ch);
            }
        } else {
            sx_addc(&o, (char)ch);
        }
    }
    if (c->E && has_nl)
        sx_addc(&o, '$');
    if (has_nl)
        sx_addc(&o, '\n');
    uwrite(u, o.s, o.len);
    sx_free(&o);
    return 0;
}

typedef struct cat_raw {
    ufiles f;
} cat_raw;

static int cat_raw_step(ucmd *u)
{
    cat_raw *c = u->st;
    for (int budget = 0; budget < 16; budget++) {
        if (!c->f.cur && uf_next(u, &c->f))
            return udone(u, c->f.status);
        const char *p;
        size_t n;
        int r = io_avail(c->f.cur, &p, &n);
        if (r == IN_NEED)
            return U_NEED;
        if (r == IN_EOF) {
            uf_close(&c->f);
            continue;
        }
        uwrite(u, p, n);
        io_consume(c->f.cur, n);
        if (u->sigpipe)
            return U_DONE;
    }
    return U_MORE;
}

static void cat_raw_fini(ucmd *u)
{
    cat_raw *c = u->st;
    if (c) {
        uf_free(&c->f);
        free(c);
    }
    u->st = NULL;
}

int u_cat(ucmd *u)
{
    cat_ctx c = {0};
    uopt o = {0};
    int ch;
    static const char *const longs[] = {"number=n", "number-nonblank=b", "squeeze-blank=s",
                                        "show-ends=E", "show-tabs=T", "show-nonprinting=v",
                                        "show-all=A", NULL};
    while ((ch = uopt_next(u, &o, "nbsETvAetu", longs)) != 0) {
        switch (ch) {
        case 'n': c.n = true; break;
        case 'b': c.b = true; break;
        case 's': c.s = true; break;
        case 'E': c.E = true; break;
        case 'T': c.T = true; break;
        case 'v': c.v = true; break;
        case 'A': c.v = c.E = c.T = true; break;
        case 'e': c.v = c.E = true; break;
        case 't': c.v = c.T = true; break;
        case 'u': break;
        default: return 1;
        }
    }
    if (!c.n && !c.b && !c.s && !c.E && !c.T && !c.v) {
        cat_raw *r = xcalloc(1, sizeof *r);
        uf_init(&r->f, u->argv + o.ind, u->argc - o.ind);
        u->st = r;
        u->step = cat_raw_step;
        u->fini = cat_raw_fini;
        return -1;
    }
    lf *l = lf_new();
    cat_ctx *cc = xmalloc(sizeof *cc);
    *cc = c;
    l->ctx = cc;
    l->free_ctx = free;
    l->line = cat_line;
    return lf_run(u, l, o.ind);
}

/* ---- head ---- */

typedef struct head_ctx {
    long long n;       /* lines or bytes; negative: all but the last */
    bool bytes;
    bool headers;
    long long seen;
    int nfiles, fileno;
    sx ring;           /* for negative counts: pending data */
    strv lines;
} head_ctx;

static void head_file_start(ucmd *u, lf *l)
{
    head_ctx *h = l->ctx;
    h->seen = 0;
    if (h->headers)
        uprintf(u, "%s==> %s <==\n", h->fileno++ ? "\n" : "",
                l->f.cur_is_stdin ? "standard input" : l->f.curname);
}

static void head_file_end(ucmd *u, lf *l)
{
    head_ctx *h = l->ctx;
    if (h->n >= 0)
        return;
    long long keep = -h->n;
    if (h->bytes) {
        if ((long long)h->ring.len > keep)
            uwrite(u, h->ring.s, h->ring.len - (size_t)keep);
        sx_reset(&h->ring);
    } else {
        for (int i = 0; i + keep < h->lines.n; i++)
            uputs(u, h->lines.v[i]);
        strv_free(&h->lines);
    }
}

static int head_line(ucmd *u, lf *l, const char *p, size_t n)
{
    head_ctx *h = l->ctx;
    if (h->n < 0) {
        if (h->bytes) {
            sx_add(&h->ring, p, n);
        } else {
            strv_push(&h->lines, xstrndup(p, n));
            /* keep memory bounded by emitting what can no longer be cut */
            if (h->lines.n > 2 * (-h->n) + 1024) {
                int emit = h->lines.n - (int)(-h->n);
                for (int i = 0; i < emit; i++) {
                    uputs(u, h->lines.v[i]);
                    free(h->lines.v[i]);
                }
                memmove(h->lines.v, h->lines.v + emit, sizeof(char *) * (size_t)(h->lines.n - emit + 1));
                h->lines.n -= emit;
            }
        }
        return 0;
    }
    if (h->bytes) {
        long long room = h->n - h->seen;
        if (room <= 0)
            goto skip;
        size_t k = (long long)n < room ? n : (size_t)room;
        uwrite(u, p, k);
        h->seen += (long long)k;
    } else {
        if (h->seen >= h->n)
            goto skip;
        uwrite(u, p, n);
        h->seen++;
    }
    if (h->seen >= h->n && h->nfiles <= 1)
        return 1; /* done: stop reading */
    return 0;
skip:
    if (h->nfiles <= 1)
        return 1;
    /* with several files, skip the rest of this one */
    io_consume(l->f.cur, n);
    {
        const char *q;
        size_t m;
        while (io_avail(l->f.cur, &q, &m) == IN_DATA && !l->f.cur_is_stdin)
            io_consume(l->f.cur, m);
    }
    return 0;
}

static void head_free(void *p)
{
    head_ctx *h = p;
    sx_free(&h->ring);
    strv_free(&h->lines);
    free(h);
}

int u_head(ucmd *u)
{
    head_ctx *h = xcalloc(1, sizeof *h);
    sx_init(&h->ring);
    h->n = 10;
    bool quiet = false, verbose = false;
    uopt o = {0};
    int ch;
    /* -NUM shorthand */
    if (u->argc > 1 && u->argv[1][0] == '-' && isdigit((unsigned char)u->argv[1][1])) {
        parse_size(u->argv[1] + 1, &h->n);
        o.ind = 2;
    }
    static const char *const longs[] = {"lines:=n", "bytes:=c", "quiet=q", "silent=q", "verbose=v", NULL};
    while ((ch = uopt_next(u, &o, "n:c:qv", longs)) != 0) {
        switch (ch) {
        case 'n':
        case 'c': {
            const char *a = o.arg;
            bool neg = a[0] == '-';
            long long v;
            if (!parse_size(neg || a[0] == '+' ? a + 1 : a, &v)) {
                uerr(u, "invalid number of %s: '%s'", ch == 'n' ? "lines" : "bytes", a);
                head_free(h);
                return 1;
            }
            h->n = neg ? -v : v;
            h->bytes = ch == 'c';
            break;
        }
        case 'q': quiet = true; break;
        case 'v': verbose = true; break;
        default:
            head_free(h);
            return 1;
        }
    }
    h->nfiles = u->argc - o.ind;
    h->headers = verbose || (h->nfiles > 1 && !quiet);
    if (h->n == 0 && h->nfiles <= 1) {
        head_free(h);
        return 0;
    }
    lf *l = lf_new();
    l->ctx = h;
    l->free_ctx = head_free;
    l->line = head_line;
    l->file_start = head_file_start;
    l->file_end = head_file_end;
    return lf_run(u, l, o.ind);
}

/* ---- tail ---- */

typedef struct tail_ctx {
    long long n;
    bool from_start; /* +N */
    bool bytes;
    bool headers;
    int fileno;
    long long seen;
    char **ring;     /* last n lines */
    size_t *ringlen;
    long long rn, rpos;
    sx bring;        /* bytes mode */
} tail_ctx;

static void tail_file_start(ucmd *u, lf *l)
{
    tail_ctx *t = l->ctx;
    t->seen = 0;
    t->rn = t->rpos = 0;
    sx_reset(&t->bring);
    if (t->headers)
        uprintf(u, "%s==> %s <==\n", t->fileno++ ? "\n" : "",
                l->f.cur_is_stdin ? "standard input" : l->f.curname);
}

static void tail_file_end(ucmd *u, lf *l)
{
    tail_ctx *t = l->ctx;
    if (t->from_start)
        return;
    if (t->bytes) {
        size_t keep = (size_t)t->n;
        if (t->bring.len > keep)
            uwrite(u, t->bring.s + t->bring.len - keep, keep);
        else
            uwrite(u, t->bring.s, t->bring.len);
        return;
    }
    long long cnt = t->rn < t->n ? t->rn : t->n;
    long long start = t->rn < t->n ? 0 : t->rpos;
    for (long long i = 0; i < cnt; i++) {
        long long k = (start + i) % t->n;
        uwrite(u, t->ring[k], t->ringlen[k]);
    }
    for (long long i = 0; i < t->n && i < t->rn; i++) {
        free(t->ring[i]);
        t->ring[i] = NULL;
    }
}

static int tail_line(ucmd *u, lf *l, const char *p, size_t n)
{
    tail_ctx *t = l->ctx;
    if (t->from_start) {
        if (t->bytes) {
            long long skip = t->n - 1 - t->seen;
            if (skip >= (long long)n) {
                t->seen += (long long)n;
                return 0;
            }
            if (skip < 0)
                skip = 0;
            uwrite(u, p + skip, n - (size_t)skip);
            t->seen += (long long)n;
        } else {
            if (++t->seen >= t->n)
                uwrite(u, p, n);
        }
        return 0;
    }
    if (t->n == 0)
        return 0;
    if (t->bytes) {
        sx_add(&t->bring, p, n);
        if (t->bring.len > (size_t)t->n * 2 + 65536) {
            size_t drop = t->bring.len - (size_t)t->n;
            memmove(t->bring.s, t->bring.s + drop, (size_t)t->n);
            t->bring.len = (size_t)t->n;
        }
        return 0;
    }
    long long k = t->rpos;
    free(t->ring[k]);
    t->ring[k] = xstrndup(p, n);
    t->ringlen[k] = n;
    t->rpos = (t->rpos + 1) % t->n;
    t->rn++;
    return 0;
}

static void tail_free(void *p)
{
    tail_ctx *t = p;
    if (t->ring)
        for (long long i = 0; i < t->n; i++)
            free(t->ring[i]);
    free(t->ring);
    free(t->ringlen);
    sx_free(&t->bring);
    free(t);
}

int u_tail(ucmd *u)
{
    tail_ctx *t = xcalloc(1, sizeof *t);
    sx_init(&t->bring);
    t->n = 10;
    bool quiet = false, verbose = false;
    uopt o = {0};
    int ch;
    if (u->argc > 1 && (u->argv[1][0] == '-' || u->argv[1][0] == '+') &&
        isdigit((unsigned char)u->argv[1][1])) {
        parse_size(u->argv[1] + 1, &t->n);
        t->from_start = u->argv[1][0] == '+';
        o.ind = 2;
    }
    static const char *const longs[] = {"lines:=n", "bytes:=c", "quiet=q", "silent=q", "verbose=v",
                                        "follow=f", NULL};
    while ((ch = uopt_next(u, &o, "n:c:qvfF", longs)) != 0) {
        switch (ch) {
        case 'n':
        case 'c': {
            const char *a = o.arg;
            t->from_start = a[0] == '+';
            long long v;
            if (!parse_size(a[0] == '+' || a[0] == '-' ? a + 1 : a, &v)) {
                uerr(u, "invalid number of %s: '%s'", ch == 'n' ? "lines" : "bytes", a);
                tail_free(t);
                return 1;
            }
            t->n = v;
            t->bytes = ch == 'c';
            break;
        }
        case 'q': quiet = true; break;
        case 'v': verbose = true; break;
        case 'f':
        case 'F':
            uerr(u, "-f is not supported in the sandbox (files do not grow while a command runs)");
            tail_free(t);
            return 1;
        default:
            tail_free(t);
            return 1;
        }
    }
    int nfiles = u->argc - o.ind;
    t->headers = verbose || (nfiles > 1 && !quiet);
    if (t->n > 10000000) {
        uerr(u, "line count too large");
        tail_free(t);
        return 1;
    }
    if (!t->from_start && !t->bytes && t->n > 0) {
        t->ring = xcalloc((size_t)t->n, sizeof *t->ring);
        t->ringlen = xcalloc((size_t)t->n, sizeof *t->ringlen);
    }
    lf *l = lf_new();
    l->ctx = t;
    l->free_ctx = tail_free;
    l->line = tail_line;
    l->file_start = tail_file_start;
    l->file_end = tail_file_end;
    return lf_run(u, l, o.ind);
}

/* ---- wc ---- */

typedef struct wc_ctx {
    bool l, w, c, m, L;
    long long cl, cw, cc, cm, cL;   /* current file */
    long long tl, tw, tc, tm, tL;   /* totals */
    bool inword;
    int nfiles;
    int width;
    strv rows;                      /* deferred output (needs the width) */
    bool any_stdin;
    long long total_size;
} wc_ctx;

static void wc_file_start(ucmd *u, lf *l)
{
    (void)u;
    wc_ctx *w = l->ctx;
    w->cl = w->cw = w->cc = w->cm = w->cL = 0;
    w->inword = false;
    if (l->f.cur_is_stdin || l->f.cur->kind != IO_FD) {
        w->any_stdin = true;
    } else {
        struct stat st;
        if (fstat(l->f.cur->fd, &st) == 0 && S_ISREG(st.st_mode))
            w->total_size += st.st_size;
        else
            w->any_stdin = true;
    }
}

static void wc_row(wc_ctx *w, long long l, long long wd, long long c, long long m, long long L,
                   const char *name)
{
    sx b;
    sx_init(&b);
    /* widths are applied at the end: store numbers tab-separated */
    if (w->l) sx_printf(&b, "%lld\t", l);
    if (w->w) sx_printf(&b, "%lld\t", wd);
    if (w->m) sx_printf(&b, "%lld\t", m);
    if (w->c) sx_printf(&b, "%lld\t", c);
    if (w->L) sx_printf(&b, "%lld\t", L);
    sx_addc(&b, '\001');
    if (name)
        sx_adds(&b, name);
    strv_push(&w->rows, sx_take(&b));
}

static void wc_file_end(ucmd *u, lf *l)
{
    (void)u;
    wc_ctx *w = l->ctx;
    w->tl += w->cl;
    w->tw += w->cw;
    w->tc += w->cc;
    w->tm += w->cm;
    if (w->cL > w->tL)
        w->tL = w->cL;
    wc_row(w, w->cl, w->cw, w->cc, w->cm, w->cL, l->f.cur_is_stdin && w->nfiles == 0 ? NULL : l->f.curname);
}

static int wc_line(ucmd *u, lf *l, const char *p, size_t n)
{
    (void)u;
    wc_ctx *w = l->ctx;
    w->cc += (long long)n;
    long long width = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\n')
            w->cl++;
        if ((c & 0xC0) != 0x80)
            w->cm++;
        bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
        if (space) {
            w->inword = false;
        } else if (!w->inword) {
            w->inword = true;
            w->cw++;
        }
        if (c == '\t')
            width = (width / 8 + 1) * 8;
        else if (c != '\n' && (c & 0xC0) != 0x80)
            width++;
    }
    if (width > w->cL)
        w->cL = width;
    return 0;
}

static int wc_end(ucmd *u, lf *l)
{
    wc_ctx *w = l->ctx;
    if (w->nfiles > 1)
        wc_row(w, w->tl, w->tw, w->tc, w->tm, w->tL, "total");
    int ncounts = w->l + w->w + w->c + w->m + w->L;
    int width = 1;
    if (ncounts == 1 && w->rows.n == 1) {
        width = 1;
    } else if (w->any_stdin) {
        width = 7;
    } else {
        long long v = w->total_size;
        while (v >= 10) {
            width++;
            v /= 10;
        }
    }
    for (int i = 0; i < w->rows.n; i++) {
        sx o;
        sx_init(&o);
        const char *r = w->rows.v[i];
        bool first = true;
        while (*r && *r != '\001') {
            const char *tab = strchr(r, '\t');
            if (!first)
                sx_addc(&o, ' ');
            first = false;
            sx_printf(&o, "%*.*s", width, (int)(tab - r), r);
            r = tab + 1;
        }
        if (*r == '\001' && r[1]) {
            sx_addc(&o, ' ');
            sx_adds(&o, r + 1);
        }
        sx_addc(&o, '\n');
        uwrite(u, o.s, o.len);
        sx_free(&o);
    }
    return l->f.status;
}

static void wc_free(void *p)
{
    wc_ctx *w = p;
    strv_free(&w->rows);
    free(w);
}

int u_wc(ucmd *u)
{
    wc_ctx *w = xcalloc(1, sizeof *w);
    uopt o = {0};
    int ch;
    static const char *const longs[] = {"lines=l", "words=w", "bytes=c", "chars=m",
                                        "max-line-length=L", NULL};
    while ((ch = uopt_next(u, &o, "lwcmL", longs)) != 0) {
        switch (ch) {
        case 'l': w->l = true; break;
        case 'w': w->w = true; break;
        case 'c': w->c = true; break;
        case 'm': w->m = true; break;
        case 'L': w->L = true; break;
        default:
            wc_free(w);
            return 1;
        }
    }
    if (!w->l && !w->w && !w->c && !w->m && !w->L)
        w->l = w->w = w->c = true;
    w->nfiles = u->argc - o.ind;
    lf *l = lf_new();
    l->ctx = w;
    l->free_ctx = wc_free;
    l->line = wc_line;
    l->file_start = wc_file_start;
    l->file_end = wc_file_end;
    l->end = wc_end;
    return lf_run(u, l, o.ind);
}

/* ---- seq ---- */

typedef struct seq_ctx {
    double first, incr, last;
    long long i, ifirst, iincr, ilast;
    bool ints;
    int prec;
    const char *sep;
    const char *fmt;
    bool equal_width;
    int width;
    long long k;
    bool started;
} seq_ctx;

static int seq_prec(const char *s)
{
    const char *dot = strchr(s, '.');
    if (!dot || strpbrk(s, "eE"))
        return 0;
    return (int)strlen(dot + 1);
}

static int seq_step(ucmd *u)
{
    seq_ctx *s = u->st;
    sx o;
    sx_init(&o);
    for (int n = 0; n < 2048; n++) {
        if (s->ints) {
            long long v = s->ifirst + s->k * s->iincr;
            if ((s->iincr > 0 && v > s->ilast) || (s->iincr < 0 && v < s->ilast))
                goto end;
            if (s->started)
                sx_adds(&o, s->sep);
            if (s->equal_width)
                sx_printf(&o, "%0*lld", s->width, v);
            else
                sx_printf(&o, "%lld", v);
        } else {
            double v = s->first + (double)s->k * s->incr;
            if ((s->incr > 0 && v > s->last + 1e-10 * (s->incr)) ||
                (s->incr < 0 && v < s->last + 1e-10 * s->incr))
                goto end;
            if (s->started)
                sx_adds(&o, s->sep);
            if (s->fmt) {
                char *args[1];
                char num[64];
                snprintf(num, sizeof num, "%.17g", v);
                args[0] = num;
                bool stop = false;
                sh_format(u->sh, u, s->fmt, 1, args, &o, &stop);
            }
            else if (s->equal_width)
                sx_printf(&o, "%0*.*f", s->width, s->prec, v);
            else
                sx_printf(&o, "%.*f", s->prec, v);
        }
        s->started = true;
        s->k++;
    }
    uwrite(u, o.s, o.len);
    sx_free(&o);
    return U_MORE;
end:
    if (s->started)
        sx_addc(&o, '\n');
    uwrite(u, o.s, o.len);
    sx_free(&o);
    return udone(u, 0);
}

static void seq_fini(ucmd *u)
{
    free(u->st);
    u->st = NULL;
}

int u_seq(ucmd *u)
{
    seq_ctx *s = xcalloc(1, sizeof *s);
    s->sep = "\n";
    int i = 1;
    for (; i < u->argc; i++) {
        const char *a = u->argv[i];
        if (a[0] != '-' || !a[1] || isdigit((unsigned char)a[1]) || a[1] == '.')
            break;
        if (strcmp(a, "-s") == 0 && i + 1 < u->argc)
            s->sep = u->argv[++i];
        else if (strncmp(a, "-s", 2) == 0)
            s->sep = a + 2;
        else if (strcmp(a, "-w") == 0)
            s->equal_width = true;
        else if (strcmp(a, "-f") == 0 && i + 1 < u->argc)
            s->fmt = u->argv[++i];
        else if (strcmp(a, "--") == 0) {
            i++;
            break;
        } else {
            uerr(u, "invalid option -- '%s'", a + 1);
            free(s);
            return 1;
        }
    }
    int n = u->argc - i;
    if (n < 1 || n > 3) {
        uerr(u, n < 1 ? "missing operand" : "extra operand '%s'", n < 1 ? "" : u->argv[i + 3]);
        free(s);
        return 1;
    }
    const char *a[3] = {"1", "1", NULL};
    if (n == 1)
        a[2] = u->argv[i];
    else if (n == 2) {
        a[0] = u->argv[i];
        a[2] = u->argv[i + 1];
    } else {
        a[0] = u->argv[i];
        a[1] = u->argv[i + 1];
        a[2] = u->argv[i + 2];
    }
    double v[3];
    bool ints = true;
    for (int k = 0; k < 3; k++) {
        char *end;
        v[k] = strtod(a[k], &end);
        if (end == a[k] || *end) {
            uerr(u, "invalid floating point argument: '%s'", a[k]);
            free(s);
            return 1;
        }
        if (strpbrk(a[k], ".eExXnN"))
            ints = false;
    }
    if (v[1] == 0) {
        uerr(u, "invalid Zero increment value: '%s'", a[1]);
        free(s);
        return 1;
    }
    s->first = v[0];
    s->incr = v[1];
    s->last = v[2];
    s->ints = ints && !s->fmt && fabs(v[0]) < 9e15 && fabs(v[2]) < 9e15;
    s->ifirst = (long long)v[0];
    s->iincr = (long long)v[1];
    s->ilast = (long long)v[2];
    s->prec = seq_prec(a[0]) > seq_prec(a[1]) ? seq_prec(a[0]) : seq_prec(a[1]);
    if (s->equal_width) {
        char b1[64], b2[64];
        if (s->ints) {
            snprintf(b1, sizeof b1, "%lld", s->ifirst);
            snprintf(b2, sizeof b2, "%lld", s->ilast);
        } else {
            snprintf(b1, sizeof b1, "%.*f", s->prec, s->first);
            snprintf(b2, sizeof b2, "%.*f", s->prec, s->last);
        }
        s->width = (int)(strlen(b1) > strlen(b2) ? strlen(b1) : strlen(b2));
    }
    u->st = s;
    u->step = seq_step;
    u->fini = seq_fini;
    return -1;
}

/* ---- yes ---- */

static int yes_step(ucmd *u)
{
    sx *s = u->st;
    uwrite(u, s->s, s->len);
    return U_MORE;
}

static void yes_fini(ucmd *u)
{
    sx *s = u->st;
    if (s) {
        sx_free(s);
        free(s);
    }
    u->st = NULL;
}

int u_yes(ucmd *u)
{
    sx line;
    sx_init(&line);
    int i = 1;
    if (i < u->argc && strcmp(u->argv[i], "--") == 0)
        i++;
    if (i >= u->argc)
        sx_addc(&line, 'y');
    for (int k = i; k < u->argc; k++) {
        if (k > i)
            sx_addc(&line, ' ');
        sx_adds(&line, u->argv[k]);
    }
    sx_addc(&line, '\n');
    sx *s = xmalloc(sizeof *s);
    sx_init(s);
    while (s->len < 8192)
        sx_add(s, line.s, line.len);
    sx_free(&line);
    u->st = s;
    u->step = yes_step;
    u->fini = yes_fini;
    return -1;
}

/* ---- tee ---- */

typedef struct tee_ctx {
    sh_io **outs;
    int n;
} tee_ctx;

static int tee_line(ucmd *u, lf *l, const char *p, size_t n)
{
    tee_ctx *t = l->ctx;
    uwrite(u, p, n);
    for (int i = 0; i < t->n; i++)
        io_write(u->sh, t->outs[i], p, n);
    if (u->sigpipe)
        u->sigpipe = false; /* keep copying into the files */
    return 0;
}

static void tee_free(void *p)
{
    tee_ctx *t = p;
    for (int i = 0; i < t->n; i++)
        io_unref(t->outs[i]);
    free(t->outs);
    free(t);
}

int u_tee(ucmd *u)
{
    bool append = false;
    uopt o = {0};
    int ch;
    static const char *const longs[] = {"append=a", "ignore-interrupts=i", NULL};
    while ((ch = uopt_next(u, &o, "ai", longs)) != 0) {
        if (ch == 'a')
            append = true;
        else if (ch != 'i')
            return 1;
    }
    tee_ctx *t = xcalloc(1, sizeof *t);
    t->outs = xcalloc((size_t)(u->argc + 1), sizeof *t->outs);
    int st = 0;
    for (int i = o.ind; i < u->argc; i++) {
        int fd = sh_open(u->sh, u->argv[i], O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0666);
        if (fd < 0) {
            uerr(u, "%s: %s", u->argv[i], sh_strerror(errno));
            st = 1;
            continue;
        }
        t->outs[t->n++] = io_fd(fd, true);
    }
    lf *l = lf_new();
    l->ctx = t;
    l->free_ctx = tee_free;
    l->line = tee_line;
    static char *none[1] = {NULL};
    uf_init(&l->f, none, 0);
    u->st = l;
    u->step = lf_step;
    u->fini = lf_fini;
    l->f.status = st;
    return -1;
}

/* ---- rev, tac ---- */

static int rev_line(ucmd *u, lf *l, const char *p, size_t n)
{
    (void)l;
    bool nl = n && p[n - 1] == '\n';
    size_t b = nl ? n - 1 : n;
    char *r = xmalloc(n + 1);
    /* reverse by UTF-8 characters */
    size_t o = b;
    size_t i = 0;
    while (i < b) {
        size_t k = 1;
        unsigned char c = (unsigned char)p[i];
        if (c >= 0xC0) {
            while (i + k < b && ((unsigned char)p[i + k] & 0xC0) == 0x80)
                k++;
        }
        o -= k;
        memcpy(r + o, p + i, k);
        i += k;
    }
    if (nl)
        r[b] = '\n';
    uwrite(u, r, n);
    free(r);
    return 0;
}

int u_rev(ucmd *u)
{
    lf *l = lf_new();
    l->line = rev_line;
    int i = 1;
    if (i < u->argc && strcmp(u->argv[i], "--") == 0)
        i++;
    return lf_run(u, l, i);
}

static int tac_run(ucmd *u, sx *d)
{
    size_t end = d->len;
    if (end == 0)
        return 0;
    size_t e = end;
    /* lines end with '\n'; the last may lack it */
    bool last_nl = d->s[end - 1] == '\n';
    size_t pos = last_nl ? end - 1 : end;
    sx o;
    sx_init(&o);
    while (1) {
        size_t b = pos;
        while (b > 0 && d->s[b - 1] != '\n')
            b--;
        sx_add(&o, d->s + b, e - b);
        if (b == 0)
            break;
        e = b;
        pos = b - 1;
        if (o.len > 65536) {
            uwrite(u, o.s, o.len);
            sx_reset(&o);
        }
    }
    uwrite(u, o.s, o.len);
    sx_free(&o);
    return 0;
}

int u_tac(ucmd *u)
{
    int i = 1;
    if (i < u->argc && strcmp(u->argv[i], "--") == 0)
        i++;
    return uslurp(u, u->argv + i, u->argc - i, tac_run);
}

/* ---- nl ---- */

typedef struct nl_ctx {
    char style;      /* a t n */
    const char *fmt; /* ln rn rz */
    int width;
    const char *sep;
    long long num, incr;
} nl_ctx;

static int nl_line(ucmd *u, lf *l, const char *p, size_t n)
{
    nl_ctx *c = l->ctx;
    bool nl = n && p[n - 1] == '\n';
    size_t b = nl ? n - 1 : n;
    bool number = c->style == 'a' || (c->style == 't' && b > 0);
    sx o;
    sx_init(&o);
    if (number) {
        if (strcmp(c->fmt, "ln") == 0)
            sx_printf(&o, "%-*lld", c->width, c->num);
        else if (strcmp(c->fmt, "rz") == 0)
            sx_printf(&o, "%0*lld", c->width, c->num);
        else
            sx_printf(&o, "%*lld", c->width, c->num);
        sx_adds(&o, c->sep);
        c->num += c->incr;
    } else {
        sx_printf(&o, "%*s", c->width + (int)strlen(c->sep), "");
    }
    sx_add(&o, p, n);
    uwrite(u, o.s, o.len);
    sx_free(&o);
    return 0;
}

int u_nl(ucmd *u)
{
    nl_ctx *c = xcalloc(1, sizeof *c);
    c->style = 't';
    c->fmt = "rn";
    c->width = 6;
    c->sep = "\t";
    c->num = 1;
    c->incr = 1;
    uopt o = {0};
    int ch;
    while ((ch = uopt_next(u, &o, "b:n:w:s:v:i:", NULL)) != 0) {
        long long v;
        switch (ch) {
        case 'b':
            if (!strchr("atn", o.arg[0]) || o.arg[1]) {
                uerr(u, "invalid body numbering style: '%s'", o.arg);
                free(c);
                return 1;
            }
            c->style = o.arg[0];
            break;
        case 'n':
            if (strcmp(o.arg, "ln") && strcmp(o.arg, "rn") && strcmp(o.arg, "rz")) {
                uerr(u, "invalid line numbering format: '%s'", o.arg);
                free(c);
                return 1;
            }
            c->fmt = o.arg;
            break;
        case 'w':
            if (!parse_ll(o.arg, &v) || v < 1 || v > 1000) {
                uerr(u, "invalid line number field width: '%s'", o.arg);
                free(c);
                return 1;
            }
            c->width = (int)v;
            break;
        case 's': c->sep = o.arg; break;
        case 'v':
        case 'i':
            if (!parse_ll(o.arg, &v)) {
                uerr(u, "invalid number: '%s'", o.arg);
                free(c);
                return 1;
            }
            if (ch == 'v')
                c->num = v;
            else
                c->incr = v;
            break;
        default:
            free(c);
            return 1;
        }
    }
    lf *l = lf_new();
    l->ctx = c;
    l->free_ctx = free;
    l->line = nl_line;
    return lf_run(u, l, o.ind);
}

/* ---- fold ---- */

typedef struct fold_ctx {
    long long width;
    bool spaces, bytes;
} fold_ctx;

static int fold_line(ucmd *u, lf *l, const char *p, size_t n)
{
    fold_ctx *c = l->ctx;
    bool nl = n && p[n - 1] == '\n';
    size_t b = nl ? n - 1 : n;
    sx o;
    sx_init(&o);
    size_t start = 0;
    long long col = 0;
    size_t last_space = (size_t)-1;
    for (size_t i = 0; i < b; i++) {
        char ch = p[i];
        long long w = 1;
        if (!c->bytes) {
            if (ch == '\t')
                w = 8 - col % 8;
            else if (ch == '\b')
                w = col > 0 ? -1 : 0;
            else if (ch == '\r')
                w = -col;
        }
        if (col + w > c->width && i > start) {
            size_t cut = i;
            if (c->spaces && last_space != (size_t)-1 && last_space >= start)
                cut = last_space + 1;
            sx_add(&o, p + start, cut - start);
            sx_addc(&o, '\n');
            start = cut;
            col = 0;
            for (size_t k = start; k < i; k++)
                col += p[k] == '\t' && !c->bytes ? 8 - col % 8 : 1;
            last_space = (size_t)-1;
        }
        if (ch == ' ' || ch == '\t')
            last_space = i;
        col += w;
    }
    sx_add(&o, p + start, b - start);
    if (nl)
        sx_addc(&o, '\n');
    uwrite(u, o.s, o.len);
    sx_free(&o);
    return 0;
}

int u_fold(ucmd *u)
{
    fold_ctx *c = xcalloc(1, sizeof *c);
    c->width = 80;
    uopt o = {0};
    int ch;
    static const char *const longs[] = {"width:=w", "spaces=s", "bytes=b", NULL};
    if (u->argc > 1 && u->argv[1][0] == '-' && isdigit((unsigned char)u->argv[1][1])) {
        parse_ll(u->argv[1] + 1, &c->width);
        o.ind = 2;
    }
    while ((ch = uopt_next(u, &o, "w:sb", longs)) != 0) {
        switch (ch) {
        case 'w':
            if (!parse_ll(o.arg, &c->width) || c->width < 1) {
                uerr(u, "invalid number of columns: '%s'", o.arg);
                free(c);
                return 1;
            }
            break;
        case 's': c->spaces = true; break;
        case 'b': c->bytes = true; break;
        default:
            free(c);
            return 1;
        }
    }
    lf *l = lf_new();
    l->ctx = c;
    l->free_ctx = free;
    l->line = fold_line;
    return lf_run(u, l, o.ind);
}

/* ---- expand ---- */

typedef struct expand_ctx {
    int tabs[64];
    int ntabs;
    bool initial;
} expand_ctx;

static long long next_stop(expand_ctx *c, long long col)
{
    if (c->ntabs == 1)
        return (col / c->tabs[0] + 1) * c->tabs[0];
    for (int i = 0; i < c->ntabs; i++)
        if (c->tabs[i] > col)
            return c->tabs[i];
    return col + 1;
}

static int expand_line(ucmd *u, lf *l, const char *p, size_t n)
{
    expand_ctx *c = l->ctx;
    sx o;
    sx_init(&o);
    long long col = 0;
    bool leading = true;
    for (size_t i = 0; i < n; i++) {
        char ch = p[i];
        if (ch == '\t' && (!c->initial || leading)) {
            long long stop = next_stop(c, col);
            while (col < stop) {
                sx_addc(&o, ' ');
                col++;
            }
            continue;
        }
        if (ch != ' ' && ch != '\t')
            leading = false;
        sx_addc(&o, ch);
        if (ch == '\b')
            col = col > 0 ? col - 1 : 0;
        else if ((ch & 0xC0) != 0x80)
            col++;
    }
    uwrite(u, o.s, o.len);
    sx_free(&o);
    return 0;
}

int u_expand(ucmd *u)
{
    expand_ctx *c = xcalloc(1, sizeof *c);
    c->tabs[0] = 8;
    c->ntabs = 1;
    uopt o = {0};
    int ch;
    static const char *const longs[] = {"tabs:=t", "initial=i", NULL};
    while ((ch = uopt_next(u, &o, "t:i", longs)) != 0) {
        if (ch == 'i') {
            c->initial = true;
        } else if (ch == 't') {
            c->ntabs = 0;
            const char *s = o.arg;
            while (*s && c->ntabs < 64) {
                char *end;
                long v = strtol(s, &end, 10);
                if (end == s || v <= 0) {
                    uerr(u, "tab size contains invalid character(s): '%s'", o.arg);
                    free(c);
                    return 1;
                }
                c->tabs[c->ntabs++] = (int)v;
                s = end;
                if (*s == ',' || *s == ' ')
                    s++;
            }
        } else {
            free(c);
            return 1;
        }
    }
    lf *l = lf_new();
    l->ctx = c;
    l->free_ctx = free;
    l->line = expand_line;
    return lf_run(u, l, o.ind);
}
