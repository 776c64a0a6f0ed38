/* cmd_text2.c: sort uniq tr cut paste comm join od split.
 *
 * sort, comm, join and od read all their input first (uslurp); uniq, tr and
 * cut stream line by line. Field and key handling follows GNU coreutils
 * under LC_ALL=C (bytewise comparison).
 */
#include "cmds.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- sort ---- */

typedef struct skey {
    int f1, c1, f2, c2; /* fields/chars, 1-based; f2 = 0: end of line */
    bool n, r, f, b, h, g, V, M;
} skey;

typedef struct sort_opt {
    skey keys[16];
    int nkeys;
    skey global;
    bool u, s, c, z;
    int tab; /* -1: blank-separated */
    const char *out;
} sort_opt;

typedef struct sline {
    const char *p;
    size_t n;
    size_t idx;
} sline;

static sort_opt *g_sort; /* qsort has no context argument */

static void key_span(const sort_opt *o, const skey *k, const char *p, size_t n, size_t *kb,
                     size_t *ke)
{
    /* locate field starts */
    size_t b = 0, e = n;
    int field = 1;
    size_t i = 0;
    /* start */
    while (field < k->f1 && i < n) {
        if (o->tab >= 0) {
            while (i < n && p[i] != o->tab)
                i++;
            if (i < n)
                i++;
        } else {
            while (i < n && (p[i] == ' ' || p[i] == '\t'))
                i++;
            while (i < n && p[i] != ' ' && p[i] != '\t')
                i++;
        }
        field++;
    }
    if (field < k->f1)
        i = n;
    if (k->b || (o->tab < 0 && false))
        while (i < n && (p[i] == ' ' || p[i] == '\t'))
            i++;
    if (k->c1 > 1)
        i = i + (size_t)(k->c1 - 1) < n ? i + (size_t)(k->c1 - 1) : n;
    b = i;
    if (k->f2 > 0) {
        size_t j = 0;
        field = 1;
        while (field < k->f2 && j < n) {
            if (o->tab >= 0) {
                while (j < n && p[j] != o->tab)
                    j++;
                if (j < n)
                    j++;
            } else {
                while (j < n && (p[j] == ' ' || p[j] == '\t'))
                    j++;
                while (j < n && p[j] != ' ' && p[j] != '\t')
                    j++;
            }
            field++;
        }
        if (k->c2 > 0) {
            if (o->tab < 0 && k->b)
                while (j < n && (p[j] == ' ' || p[j] == '\t'))
                    j++;
            e = j + (size_t)k->c2 < n ? j + (size_t)k->c2 : n;
        } else {
            /* end of field f2 */
            if (o->tab >= 0) {
                while (j < n && p[j] != o->tab)
                    j++;
            } else {
                while (j < n && (p[j] == ' ' || p[j] == '\t'))
                    j++;
                while (j < n && p[j] != ' ' && p[j] != '\t')
                    j++;
            }
            e = j;
        }
    }
    if (e < b)
        e = b;
    *kb = b;
    *ke = e;
}

static double human_val(const char *p, size_t n)
{
    char buf[64];
    size_t k = n < 63 ? n : 63;
    memcpy(buf, p, k);
    buf[k] = 0;
    char *end;
    double v = strtod(buf, &end);
    if (end == buf)
        return 0;
    const char *units = "KMGTPE";
    const char *u = *end ? strchr(units, toupper((unsigned char)*end)) : NULL;
    if (u)
        v *= pow(1024, (double)(u - units + 1));
    return v;
}

static int numcmp(const char *a, size_t an, const char *b, size_t bn)
{
    /* GNU -n: leading blanks, optional '-', digits, optional decimal part */
    size_t i = 0, j = 0;
    while (i < an && (a[i] == ' ' || a[i] == '\t'))
        i++;
    while (j < bn && (b[j] == ' ' || b[j] == '\t'))
        j++;
    bool na = i < an && a[i] == '-', nb = j < bn && b[j] == '-';
    if (na)
        i++;
    if (nb)
        j++;
    /* parse integer parts */
    size_t ia = i, ja = j;
    while (ia < an && isdigit((unsigned char)a[ia]))
        ia++;
    while (ja < bn && isdigit((unsigned char)b[ja]))
        ja++;
    /* strip leading zeros */
    size_t sa = i, sb_ = j;
    while (sa < ia && a[sa] == '0')
        sa++;
    while (sb_ < ja && b[sb_] == '0')
        sb_++;
    size_t la = ia - sa, lb = ja - sb_;
    /* fractional parts */
    size_t fa = ia, fb = ja;
    size_t fae = fa, fbe = fb;
    if (fa < an && a[fa] == '.') {
        fae = fa + 1;
        while (fae < an && isdigit((unsigned char)a[fae]))
            fae++;
    }
    if (fb < bn && b[fb] == '.') {
        fbe = fb + 1;
        while (fbe < bn && isdigit((unsigned char)b[fbe]))
            fbe++;
    }
    bool za = la == 0, zb = lb == 0;
    if (za)
        for (size_t k = fa + 1; k < fae; k++)
            if (a[k] != '0')
                za = false;
    if (zb)
        for (size_t k = fb + 1; k < fbe; k++)
            if (b[k] != '0')
                zb = false;
    if (za)
        na = false;
    if (zb)
        nb = false;
    if (na != nb)
        return na ? -1 : 1;
    int sign = na ? -1 : 1;
    if (la != lb)
        return (la < lb ? -1 : 1) * sign;
    int c = memcmp(a + sa, b + sb_, la);
    if (c)
        return (c < 0 ? -1 : 1) * sign;
    /* compare fractions digit by digit */
    size_t x = fa < fae ? fa + 1 : fae, y = fb < fbe ? fb + 1 : fbe;
    while (x < fae || y < fbe) {
        char dx = x < fae ? a[x++] : '0';
        char dy = y < fbe ? b[y++] : '0';
        if (dx != dy)
            return (dx < dy ? -1 : 1) * sign;
    }
    return 0;
}

static int vercmp(const char *a, size_t an, const char *b, size_t bn)
{
    size_t i = 0, j = 0;
    while (i < an || j < bn) {
        if (i < an && j < bn && isdigit((unsigned char)a[i]) && isdigit((unsigned char)b[j])) {
            while (i < an && a[i] == '0')
                i++;
            while (j < bn && b[j] == '0')
                j++;
            size_t si = i, sj = j;
            while (i < an && isdigit((unsigned char)a[i]))
                i++;
            while (j < bn && isdigit((unsigned char)b[j]))
                j++;
            if (i - si != j - sj)
                return i - si < j - sj ? -1 : 1;
            int c = memcmp(a + si, b + sj, i - si);
            if (c)
                return c < 0 ? -1 : 1;
            continue;
        }
        int ca = i < an ? (unsigned char)a[i] : -1;
        int cb = j < bn ? (unsigned char)b[j] : -1;
        if (ca != cb)
            return ca < cb ? -1 : 1;
        i++;
        j++;
    }
    return 0;
}

static int keycmp(const skey *k, const char *a, size_t an, const char *b, size_t bn)
{
    int c;
    if (k->n) {
        c = numcmp(a, an, b, bn);
    } else if (k->h || k->g) {
        double x = k->h ? human_val(a, an) : strtod(xstrndup(a, an), NULL);
        double y = k->h ? human_val(b, bn) : 0;
        if (k->g) {
            char *ta = xstrndup(a, an), *tb = xstrndup(b, bn);
            x = strtod(ta, NULL);
            y = strtod(tb, NULL);
            free(ta);
            free(tb);
        }
        c = x < y ? -1 : x > y ? 1 : 0;
    } else if (k->V) {
        c = vercmp(a, an, b, bn);
    } else if (k->f) {
        size_t m = an < bn ? an : bn;
        c = 0;
        for (size_t i = 0; i < m && !c; i++) {
            int x = toupper((unsigned char)a[i]), y = toupper((unsigned char)b[i]);
            c = x < y ? -1 : x > y ? 1 : 0;
        }
        if (!c && an != bn)
            c = an < bn ? -1 : 1;
    } else {
        size_t m = an < bn ? an : bn;
        c = memcmp(a, b, m);
        if (!c && an != bn)
            c = an < bn ? -1 : 1;
        c = c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    return k->r ? -c : c;
}

static int line_cmp_keys(const sort_opt *o, const sline *x, const sline *y)
{
    for (int i = 0; i < o->nkeys; i++) {
        const skey *k = &o->keys[i];
        size_t ab, ae, bb, be;
        key_span(o, k, x->p, x->n, &ab, &ae);
        key_span(o, k, y->p, y->n, &bb, &be);
        if (k->b) {
            while (ab < ae && (x->p[ab] == ' ' || x->p[ab] == '\t'))
                ab++;
            while (bb < be && (y->p[bb] == ' ' || y->p[bb] == '\t'))
                bb++;
        }
        int c = keycmp(k, x->p + ab, ae - ab, y->p + bb, be - bb);
        if (c)
            return c;
    }
    if (o->nkeys == 0) {
        int c = keycmp(&o->global, x->p, x->n, y->p, y->n);
        if (c)
            return c;
        if (!o->global.n && !o->global.f && !o->global.h && !o->global.g && !o->global.V)
            return 0;
    }
    return 2; /* equal under the keys */
}

static int sort_cmp(const void *a, const void *b)
{
    const sline *x = a, *y = b;
    const sort_opt *o = g_sort;
    int c = line_cmp_keys(o, x, y);
    if (c != 2 && c != 0)
        return c;
    if (c == 0 && o->nkeys == 0 && !o->global.n && !o->global.f && !o->global.h && !o->global.g && !o->global.V)
        return x->idx < y->idx ? -1 : x->idx > y->idx;
    if (o->s || o->u)
        return x->idx < y->idx ? -1 : x->idx > y->idx;
    /* last resort: the whole line, bytewise */
    size_t m = x->n < y->n ? x->n : y->n;
    int r = memcmp(x->p, y->p, m);
    if (!r && x->n != y->n)
        r = x->n < y->n ? -1 : 1;
    if (o->global.r)
        r = -r;
    if (r)
        return r;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int sort_run(ucmd *u, sx *d)
{
    sort_opt *o = u->ext;
    g_sort = o; /* for the qsort comparator, during this call only */
    char sep = o->z ? '\0' : '\n';
    size_t cap = 1024, n = 0;
    sline *v = xmalloc(cap * sizeof *v);
    size_t i = 0;
    while (i < d->len) {
        const char *e = memchr(d->s + i, sep, d->len - i);
        size_t len = e ? (size_t)(e - (d->s + i)) : d->len - i;
        if (n == cap) {
            cap *= 2;
            v = xrealloc(v, cap * sizeof *v);
        }
        v[n].p = d->s + i;
        v[n].n = len;
        v[n].idx = n;
        n++;
        i += len + 1;
    }
    if (o->c) {
        for (size_t k = 1; k < n; k++) {
            int c = sort_cmp(&v[k - 1], &v[k]);
            /* index tiebreak makes equal lines compare -1: fine for -c */
            if (c > 0) {
                uerr(u, "-:%zu: disorder: %.*s", k + 1, (int)v[k].n, v[k].p);
                free(v);
                return 1;
            }
        }
        free(v);
        return 0;
    }
    qsort(v, n, sizeof *v, sort_cmp);
    sh_io *outio = NULL;
    if (o->out) {
        int fd = sh_open(u->sh, o->out, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (fd < 0) {
            uerr(u, "open failed: %s: %s", o->out, sh_strerror(errno));
            free(v);
            return 2;
        }
        outio = io_fd(fd, true);
    }
    sx out;
    sx_init(&out);
    for (size_t k = 0; k < n; k++) {
        if (o->u && k > 0) {
            int c = line_cmp_keys(o, &v[k - 1], &v[k]);
            if (c == 0 || c == 2)
                continue;
        }
        sx_add(&out, v[k].p, v[k].n);
        sx_addc(&out, sep);
        if (out.len > 65536) {
            if (outio)
                io_write(u->sh, outio, out.s, out.len);
            else
                uwrite(u, out.s, out.len);
            sx_reset(&out);
        }
    }
    if (outio) {
        io_write(u->sh, outio, out.s, out.len);
        io_unref(outio);
    } else {
        uwrite(u, out.s, out.len);
    }
    sx_free(&out);
    free(v);
    return 0;
}

static bool parse_key_flags(const char **s, skey *k)
{
    while (**s && isalpha((unsigned char)**s)) {
        switch (**s) {
        case 'n': k->n = true; break;
        case 'r': k->r = true; break;
        case 'f': k->f = true; break;
        case 'b': k->b = true; break;
        case 'h': k->h = true; break;
        case 'g': k->g = true; break;
        case 'V': k->V = true; break;
        case 'M': k->M = true; break;
        case 'd': case 'i': break;
        default: return false;
        }
        (*s)++;
    }
    return true;
}

static bool parse_key(const char *s, skey *k, const skey *global)
{
    memset(k, 0, sizeof *k);
    char *end;
    k->f1 = (int)strtol(s, &end, 10);
    if (end == s || k->f1 < 1)
        return false;
    s = end;
    if (*s == '.') {
        k->c1 = (int)strtol(s + 1, &end, 10);
        s = end;
    }
    if (!parse_key_flags(&s, k))
        return false;
    if (*s == ',') {
        s++;
        k->f2 = (int)strtol(s, &end, 10);
        if (end == s || k->f2 < 1)
            return false;
        s = end;
        if (*s == '.') {
            k->c2 = (int)strtol(s + 1, &end, 10);
            s = end;
        }
        if (!parse_key_flags(&s, k))
            return false;
    }
    if (*s)
        return false;
    if (!k->n && !k->r && !k->f && !k->b && !k->h && !k->g && !k->V && !k->M) {
        bool f1c = k->f1, f2 = k->f2;
        (void)f1c;
        (void)f2;
        k->n = global->n;
        k->r = global->r;
        k->f = global->f;
        k->b = global->b;
        k->h = global->h;
        k->g = global->g;
        k->V = global->V;
    }
    return true;
}

int u_sort(ucmd *u)
{
    sort_opt *op = xcalloc(1, sizeof *op);
    u->ext = op;
    u->ext_free = free;
    sort_opt opt;
    memset(&opt, 0, sizeof opt);
    opt.tab = -1;
    uopt o = {0};
    int ch;
    const char *keyspec[16];
    int nks = 0;
    static const char *const longs[] = {"reverse=r", "numeric-sort=n", "unique=u", "key:=k",
                                        "field-separator:=t", "ignore-case=f", "stable=s",
                                        "human-numeric-sort=h", "general-numeric-sort=g",
                                        "version-sort=V", "output:=o", "check=c",
                                        "ignore-leading-blanks=b", "zero-terminated=z",
                                        "month-sort=M", NULL};
    while ((ch = uopt_next(u, &o, "rnuk:t:fshgVo:cbzdiMT:S:", longs)) != 0) {
        switch (ch) {
        case 'r': opt.global.r = true; break;
        case 'n': opt.global.n = true; break;
        case 'f': opt.global.f = true; break;
        case 'h': opt.global.h = true; break;
        case 'g': opt.global.g = true; break;
        case 'V': opt.global.V = true; break;
        case 'M': opt.global.M = true; break;
        case 'b': opt.global.b = true; break;
        case 'u': opt.u = true; break;
        case 's': opt.s = true; break;
        case 'c': opt.c = true; break;
        case 'z': opt.z = true; break;
        case 'd': case 'i': case 'T': case 'S': break;
        case 'o': opt.out = o.arg; break;
        case 't':
            if (strlen(o.arg) != 1 && strcmp(o.arg, "\\0") != 0) {
                uerr(u, "multi-character tab '%s'", o.arg);
                return 2;
            }
            opt.tab = strcmp(o.arg, "\\0") == 0 ? 0 : (unsigned char)o.arg[0];
            break;
        case 'k':
            if (nks < 16)
                keyspec[nks++] = o.arg;
            break;
        default:
            return 2;
        }
    }
    for (int i = 0; i < nks; i++) {
        if (!parse_key(keyspec[i], &opt.keys[opt.nkeys], &opt.global)) {
            uerr(u, "invalid key specification '%s'", keyspec[i]);
            return 2;
        }
        opt.nkeys++;
    }
    *op = opt;
    return uslurp(u, u->argv + o.ind, u->argc - o.ind, sort_run);
}

/* ---- uniq ---- */

typedef struct uniq_ctx {
    bool c, d, u, i, D;
    long long f, s, w;
    char *prev;
    size_t prevn;
    bool have;
    long long count;
    sh_io *outio;
} uniq_ctx;

static void uniq_key(uniq_ctx *q, const char *p, size_t n, const char **kp, size_t *kn)
{
    size_t i = 0;
    for (long long k = 0; k < q->f; k++) {
        while (i < n && (p[i] == ' ' || p[i] == '\t'))
            i++;
        while (i < n && p[i] != ' ' && p[i] != '\t')
            i++;
    }
    i = i + (size_t)q->s < n ? i + (size_t)q->s : n;
    size_t e = n;
    if (q->w >= 0 && i + (size_t)q->w < e)
        e = i + (size_t)q->w;
    *kp = p + i;
    *kn = e - i;
}

static void uniq_emit(ucmd *u, uniq_ctx *q)
{
    if (!q->have)
        return;
    if ((q->d && q->count < 2) || (q->u && q->count > 1))
        return;
    sx o;
    sx_init(&o);
    if (q->c)
        sx_printf(&o, "%7lld ", q->count);
    sx_add(&o, q->prev, q->prevn);
    sx_addc(&o, '\n');
    if (q->outio)
        io_write(u->sh, q->outio, o.s, o.len);
    else
        uwrite(u, o.s, o.len);
    sx_free(&o);
}

static int uniq_line(ucmd *u, lf *l, const char *p, size_t n)
{
    uniq_ctx *q = l->ctx;
    if (n && p[n - 1] == '\n')
        n--;
    if (q->have) {
        const char *a, *b;
        size_t an, bn;
        uniq_key(q, q->prev, q->prevn, &a, &an);
        uniq_key(q, p, n, &b, &bn);
        bool same = an == bn && (q->i ? strncasecmp(a, b, an) == 0 : memcmp(a, b, an) == 0);
        if (same) {
            q->count++;
            if (q->D) {
                sx o;
                sx_init(&o);
                sx_add(&o, p, n);
                sx_addc(&o, '\n');
                uwrite(u, o.s, o.len);
                sx_free(&o);
            }
            return 0;
        }
        if (!q->D)
            uniq_emit(u, q);
    }
    free(q->prev);
    q->prev = xstrndup(p, n);
    q->prevn = n;
    q->have = true;
    q->count = 1;
    if (q->D) {
        /* print lazily: only groups with duplicates; keep the first */
    }
    return 0;
}

static int uniq_end(ucmd *u, lf *l)
{
    uniq_ctx *q = l->ctx;
    if (!q->D)
        uniq_emit(u, q);
    return l->f.status;
}

static void uniq_free(void *p)
{
    uniq_ctx *q = p;
    free(q->prev);
    io_unref(q->outio);
    free(q);
}

int u_uniq(ucmd *u)
{
    uniq_ctx *q = xcalloc(1, sizeof *q);
    q->w = -1;
    uopt o = {0};
    int ch;
    static const char *const longs[] = {"count=c", "repeated=d", "unique=u", "ignore-case=i",
                                        "skip-fields:=f", "skip-chars:=s", "check-chars:=w",
                                        NULL};
    while ((ch = uopt_next(u, &o, "cduiDf:s:w:", longs)) != 0) {
        switch (ch) {
        case 'c': q->c = true; break;
        case 'd': q->d = true; break;
        case 'u': q->u = true; break;
        case 'i': q->i = true; break;
        case 'D': q->D = true; break;
        case 'f':
        case 's':
        case 'w': {
            long long v;
            if (!parse_ll(o.arg, &v) || v < 0) {
                uerr(u, "invalid number: '%s'", o.arg);
                uniq_free(q);
                return 1;
            }
            if (ch == 'f') q->f = v;
            else if (ch == 's') q->s = v;
            else q->w = v;
            break;
        }
        default:
            uniq_free(q);
            return 1;
        }
    }
    int nops = u->argc - o.ind;
    if (nops > 2) {
        uerr(u, "extra operand '%s'", u->argv[o.ind + 2]);
        uniq_free(q);
        return 1;
    }
    if (nops == 2) {
        int fd = sh_open(u->sh, u->argv[o.ind + 1], O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (fd < 0) {
            uerr(u, "%s: %s", u->argv[o.ind + 1], sh_strerror(errno));
            uniq_free(q);
            return 1;
        }
        q->outio = io_fd(fd, true);
    }
    lf *l = lf_new();
    l->ctx = q;
    l->free_ctx = uniq_free;
    l->line = uniq_line;
    l->end = uniq_end;
    lf_run(u, l, o.ind);
    l->f.n = nops > 0 ? 1 : 0;
    return -1;
}

/* ---- tr ---- */

/* Expands a tr SET into up to 256 bytes (plus repeat markers for [c*]). */
static int tr_set(ucmd *u, const char *s, unsigned char *out, int cap, int *star_at, int *star_c)
{
    int n = 0;
    *star_at = -1;
    size_t i = 0, len = strlen(s);
    while (i < len && n < cap) {
        int c;
        if (s[i] == '[' && s[i + 1] == ':') {
            const char *e = strstr(s + i + 2, ":]");
            if (e) {
                size_t nl = (size_t)(e - (s + i + 2));
                const char *nm = s + i + 2;
                int (*fn)(int) = NULL;
#define CL(name, f) if (nl == strlen(name) && strncmp(nm, name, nl) == 0) fn = f;
                CL("alpha", isalpha) CL("digit", isdigit) CL("alnum", isalnum) CL("upper", isupper)
                CL("lower", islower) CL("space", isspace) CL("punct", ispunct) CL("xdigit", isxdigit)
                CL("print", isprint) CL("graph", isgraph) CL("cntrl", iscntrl) CL("blank", isblank)
#undef CL
                if (!fn) {
                    uerr(u, "invalid character class '%.*s'", (int)nl, nm);
                    return -1;
                }
                for (int k = 0; k < 256 && n < cap; k++)
                    if (fn(k))
                        out[n++] = (unsigned char)k;
                i = (size_t)(e - s) + 2;
                continue;
            }
        }
        if (s[i] == '[' && i + 2 < len && s[i + 2] == '*') {
            const char *e = strchr(s + i + 3, ']');
            if (e) {
                *star_c = (unsigned char)s[i + 1];
                long rep = strtol(s + i + 3, NULL, 10);
                if (rep > 0) {
                    for (long k = 0; k < rep && n < cap; k++)
                        out[n++] = (unsigned char)*star_c;
                } else {
                    *star_at = n;
                }
                i = (size_t)(e - s) + 1;
                continue;
            }
        }
        if (s[i] == '\\' && i + 1 < len) {
            i++;
            switch (s[i]) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'a': c = '\a'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'v': c = '\v'; break;
            case '\\': c = '\\'; break;
            default:
                if (s[i] >= '0' && s[i] <= '7') {
                    c = 0;
                    int k = 0;
                    while (k < 3 && s[i] >= '0' && s[i] <= '7') {
                        c = c * 8 + (s[i] - '0');
                        i++;
                        k++;
                    }
                    i--;
                } else {
                    c = (unsigned char)s[i];
                }
            }
            i++;
        } else {
            c = (unsigned char)s[i++];
        }
        if (i + 1 < len && s[i] == '-' ) {
            int hi;
            size_t j = i + 1;
            if (s[j] == '\\' && j + 1 < len) {
                j++;
                hi = s[j] == 'n' ? '\n' : s[j] == 't' ? '\t' : (unsigned char)s[j];
            } else {
                hi = (unsigned char)s[j];
            }
            if (hi < c) {
                uerr(u, "range-endpoints of '%c-%c' are in reverse collating sequence order", c, hi);
                return -1;
            }
            for (int k = c; k <= hi && n < cap; k++)
                out[n++] = (unsigned char)k;
            i = j + 1;
            continue;
        }
        out[n++] = (unsigned char)c;
    }
    return n;
}

typedef struct tr_ctx {
    bool del;
    unsigned char map[256];
    bool delset[256], sqset[256];
    bool squeeze;
    int last;
} tr_ctx;

static int tr_step(ucmd *u)
{
    tr_ctx *t = u->st;
    for (int budget = 0; budget < 16; budget++) {
        const char *p;
        size_t n;
        int r = io_avail(u->in, &p, &n);
        if (r == IN_NEED)
            return U_NEED;
        if (r == IN_EOF)
            return udone(u, 0);
        char *o = xmalloc(n);
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)p[i];
            if (t->del && t->delset[c])
                continue;
            unsigned char m = t->map[c];
            if (t->squeeze && t->last == m && t->sqset[m])
                continue;
            o[k++] = (char)m;
            t->last = m;
        }
        uwrite(u, o, k);
        free(o);
        io_consume(u->in, n);
        if (u->sigpipe)
            return U_DONE;
    }
    return U_MORE;
}

static void tr_fini(ucmd *u)
{
    free(u->st);
    u->st = NULL;
}

int u_tr(ucmd *u)
{
    bool del = false, squeeze = false, comp = false;
    uopt o = {0};
    int ch;
    static const char *const longs[] = {"delete=d", "squeeze-repeats=s", "complement=c", NULL};
    while ((ch = uopt_next(u, &o, "dscCt", longs)) != 0) {
        switch (ch) {
        case 'd': del = true; break;
        case 's': squeeze = true; break;
        case 'c':
        case 'C': comp = true; break;
        case 't': break;
        default: return 1;
        }
    }
    int nsets = u->argc - o.ind;
    if (nsets < 1 || (nsets < 2 && !del && !squeeze)) {
        uerr(u, nsets < 1 ? "missing operand" : "missing operand after '%s'",
             nsets < 1 ? "" : u->argv[o.ind]);
        return 1;
    }
    if (nsets > 2 || (del && !squeeze && nsets > 1)) {
        uerr(u, "extra operand '%s'", u->argv[o.ind + (del && !squeeze ? 1 : 2)]);
        return 1;
    }
    unsigned char s1[4096], s2[4096];
    int star1, star2, sc1 = 0, sc2 = 0;
    int n1 = tr_set(u, u->argv[o.ind], s1, sizeof s1, &star1, &sc1);
    int n2 = 0;
    if (n1 < 0)
        return 1;
    if (nsets > 1) {
        n2 = tr_set(u, u->argv[o.ind + 1], s2, sizeof s2, &star2, &sc2);
        if (n2 < 0)
            return 1;
    }
    tr_ctx *t = xcalloc(1, sizeof *t);
    t->del = del;
    t->squeeze = squeeze;
    t->last = -1;
    bool in1[256] = {0};
    for (int i = 0; i < n1; i++)
        in1[s1[i]] = true;
    unsigned char l1[256];
    int ln1 = 0;
    if (comp) {
        for (int c = 0; c < 256; c++)
            if (!in1[c])
                l1[ln1++] = (unsigned char)c;
    } else {
        for (int i = 0; i < n1 && ln1 < 256; i++)
            l1[ln1++] = s1[i];
    }
    for (int c = 0; c < 256; c++)
        t->map[c] = (unsigned char)c;
    if (del) {
        for (int i = 0; i < ln1; i++)
            t->delset[l1[i]] = true;
        if (squeeze)
            for (int i = 0; i < n2; i++)
                t->sqset[s2[i]] = true;
    } else if (nsets > 1) {
        if (n2 == 0) {
            uerr(u, "when not truncating set1, string2 must be non-empty");
            free(t);
            return 1;
        }
        if (star2 >= 0) {
            /* [c*] fills set2 up to the length of set1 */
            int fill = ln1 - n2;
            unsigned char tmp[4096];
            int k = 0;
            for (int i = 0; i < star2; i++)
                tmp[k++] = s2[i];
            for (int i = 0; i < fill && k < 4096; i++)
                tmp[k++] = (unsigned char)sc2;
            for (int i = star2; i < n2 && k < 4096; i++)
                tmp[k++] = s2[i];
            memcpy(s2, tmp, (size_t)k);
            n2 = k;
        }
        for (int i = 0; i < ln1; i++)
            t->map[l1[i]] = s2[i < n2 ? i : n2 - 1];
        if (squeeze)
            for (int i = 0; i < n2; i++)
                t->sqset[s2[i]] = true;
    } else if (squeeze) {
        for (int i = 0; i < ln1; i++)
            t->sqset[l1[i]] = true;
    }
    u->st = t;
    u->step = tr_step;
    u->fini = tr_fini;
    return -1;
}

/* ---- cut ---- */

typedef struct range {
    long long lo, hi; /* 1-based inclusive; hi = LLONG_MAX for open */
} range;

typedef struct cut_ctx {
    range r[64];
    int nr;
    char mode; /* b c f */
    char delim;
    const char *odelim;
    bool s, comp;
} cut_ctx;

static bool parse_list(const char *s, cut_ctx *c)
{
    while (*s && c->nr < 64) {
        range r = {1, 0x7fffffffffffffffLL};
        char *end;
        if (*s == '-') {
            r.lo = 1;
            r.hi = strtoll(s + 1, &end, 10);
            if (end == s + 1)
                return false;
            s = end;
        } else {
            r.lo = strtoll(s, &end, 10);
            if (end == s || r.lo < 1)
                return false;
            s = end;
            if (*s == '-') {
                s++;
                if (isdigit((unsigned char)*s)) {
                    r.hi = strtoll(s, &end, 10);
                    s = end;
                }
            } else {
                r.hi = r.lo;
            }
        }
        c->r[c->nr++] = r;
        if (*s == ',')
            s++;
        else if (*s)
            return false;
    }
    return c->nr > 0;
}

static bool in_list(const cut_ctx *c, long long k)
{
    bool in = false;
    for (int i = 0; i < c->nr; i++)
        if (k >= c->r[i].lo && k <= c->r[i].hi)
            in = true;
    return in != c->comp;
}

static int cut_line(ucmd *u, lf *l, const char *p, size_t n)
{
    cut_ctx *c = l->ctx;
    bool nl = n && p[n - 1] == '\n';
    if (nl)
        n--;
    sx o;
    sx_init(&o);
    if (c->mode == 'f') {
        if (!memchr(p, c->delim, n)) {
            if (!c->s) {
                sx_add(&o, p, n);
                sx_addc(&o, '\n');
            }
            uwrite(u, o.s, o.len);
            sx_free(&o);
            return 0;
        }
        long long f = 1;
        size_t b = 0;
        bool first = true;
        for (size_t i = 0; i <= n; i++) {
            if (i == n || p[i] == c->delim) {
                if (in_list(c, f)) {
                    if (!first)
                        sx_adds(&o, c->odelim ? c->odelim : (char[]){c->delim, 0});
                    sx_add(&o, p + b, i - b);
                    first = false;
                }
                f++;
                b = i + 1;
            }
        }
    } else {
        long long k = 0;
        bool prev_in = false;
        bool any = false;
        for (size_t i = 0; i < n; i++) {
            size_t len = 1;
            if (c->mode == 'c') {
                while (i + len < n && ((unsigned char)p[i + len] & 0xC0) == 0x80)
                    len++;
            }
            k++;
            bool in = in_list(c, k);
            if (in) {
                if (c->odelim && any && !prev_in)
                    sx_adds(&o, c->odelim);
                sx_add(&o, p + i, len);
                any = true;
            }
            prev_in = in;
            i += len - 1;
        }
    }
    sx_addc(&o, '\n');
    uwrite(u, o.s, o.len);
    sx_free(&o);
    return 0;
}

int u_cut(ucmd *u)
{
    cut_ctx *c = xcalloc(1, sizeof *c);
    c->delim = '\t';
    uopt o = {0};
    int ch;
    static const char *const longs[] = {"bytes:=b", "characters:=c", "fields:=f",
                                        "delimiter:=d", "only-delimited=s", "complement=C",
                                        "output-delimiter:=O", NULL};
    const char *list = NULL;
    while ((ch = uopt_next(u, &o, "b:c:f:d:snC", longs)) != 0) {
        switch (ch) {
        case 'b':
        case 'c':
        case 'f':
            if (c->mode) {
                uerr(u, "only one type of list may be specified");
                free(c);
                return 1;
            }
            c->mode = (char)ch;
            list = o.arg;
            break;
        case 'd':
            if (strlen(o.arg) > 1) {
                uerr(u, "the delimiter must be a single character");
                free(c);
                return 1;
            }
            c->delim = o.arg[0];
            break;
        case 's': c->s = true; break;
        case 'C': c->comp = true; break;
        case 'O': c->odelim = o.arg; break;
        case 'n': break;
        default:
            free(c);
            return 1;
        }
    }
    if (!c->mode) {
        uerr(u, "you must specify a list of bytes, characters, or fields");
        free(c);
        return 1;
    }
    if (!parse_list(list, c)) {
        uerr(u, "invalid field value '%s'", list);
        free(c);
        return 1;
    }
    lf *l = lf_new();
    l->ctx = c;
    l->free_ctx = free;
    l->line = cut_line;
    return lf_run(u, l, o.ind);
}

/* ---- paste ---- */

static char **split_lines(sx *d, int *out_n)
{
    int cap = 64, n = 0;
    char **v = xmalloc(sizeof *v * (size_t)cap);
    size_t i = 0;
    while (i < d->len) {
        const char *e = memchr(d->s + i, '\n', d->len - i);
        size_t len = e ? (size_t)(e - (d->s + i)) : d->len - i;
        if (n == cap) {
            cap *= 2;
            v = xrealloc(v, sizeof *v * (size_t)cap);
        }
        v[n++] = xstrndup(d->s + i, len);
        i += len + 1;
    }
    *out_n = n;
    return v;
}

static void free_lines(char **v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Reads a file operand fully ("-" = data already read from stdin). */
static int read_operand(ucmd *u, const char *name, sx *stdin_data, sx *out)
{
    if (strcmp(name, "-") == 0) {
        sx_add(out, stdin_data->s, stdin_data->len);
        return 0;
    }
    if (sh_read_file(u->sh, name, out, SH_MAX_STRING) != 0) {
        uerr(u, "%s: %s", name, sh_strerror(errno));
        return 1;
    }
    return 0;
}

typedef struct multi_ctx {
    char **names;
    int n;
    const char *delims;
    bool serial;
    char *own;      /* owned delimiter text */
    bool hide[4];   /* comm -1 -2 -3 */
} multi_ctx;

static void multi_free(void *p)
{
    multi_ctx *m = p;
    free(m->own);
    free(m);
}


static multi_ctx *new_multi(ucmd *u)
{
    multi_ctx *m = xcalloc(1, sizeof *m);
    u->ext = m;
    u->ext_free = multi_free;
    return m;
}

static int paste_run(ucmd *u, sx *stdin_data)
{
    multi_ctx *m = u->ext;
    int nf = m->n;
    char ***lines = xcalloc((size_t)nf, sizeof *lines);
    int *counts = xcalloc((size_t)nf, sizeof *counts);
    int st = 0;
    int maxn = 0;
    /* with several "-", stdin lines are dealt round-robin */
    int dashes = 0;
    for (int i = 0; i < nf; i++)
        if (strcmp(m->names[i], "-") == 0)
            dashes++;
    char **slines = NULL;
    int sn = 0, snext = 0;
    if (dashes)
        slines = split_lines(stdin_data, &sn);
    for (int i = 0; i < nf; i++) {
        if (strcmp(m->names[i], "-") == 0 && !m->serial) {
            continue;
        }
        sx d;
        sx_init(&d);
        if (read_operand(u, m->names[i], stdin_data, &d) != 0)
            st = 1;
        lines[i] = split_lines(&d, &counts[i]);
        sx_free(&d);
        if (counts[i] > maxn)
            maxn = counts[i];
    }
    size_t nd = strlen(m->delims);
    sx o;
    sx_init(&o);
    if (m->serial) {
        for (int i = 0; i < nf; i++) {
            for (int k = 0; k < counts[i]; k++) {
                if (k && nd)
                    sx_addc(&o, m->delims[(k - 1) % nd]);
                sx_adds(&o, lines[i][k]);
            }
            sx_addc(&o, '\n');
        }
    } else {
        if (dashes) {
            int rows = (sn + dashes - 1) / dashes;
            if (rows > maxn)
                maxn = rows;
        }
        for (int r = 0; r < maxn; r++) {
            for (int i = 0; i < nf; i++) {
                if (i && nd)
                    sx_addc(&o, m->delims[(i - 1) % nd]);
                if (strcmp(m->names[i], "-") == 0) {
                    if (snext < sn)
                        sx_adds(&o, slines[snext++]);
                } else if (r < counts[i]) {
                    sx_adds(&o, lines[i][r]);
                }
            }
            sx_addc(&o, '\n');
        }
    }
    uwrite(u, o.s, o.len);
    sx_free(&o);
    for (int i = 0; i < nf; i++)
        if (lines[i])
            free_lines(lines[i], counts[i]);
    if (slines)
        free_lines(slines, sn);
    free(lines);
    free(counts);
    return st;
}

static char *unescape_delims(const char *s)
{
    sx b;
    sx_init(&b);
    for (; *s; s++) {
        if (*s == '\\' && s[1]) {
            s++;
            sx_addc(&b, *s == 'n' ? '\n' : *s == 't' ? '\t' : *s == '0' ? '\0' : *s);
        } else {
            sx_addc(&b, *s);
        }
    }
    return sx_take(&b);
}

int u_paste(ucmd *u)
{
    char *delims = xstrdup("\t");
    bool serial = false;
    uopt o = {0};
    int ch;
    static const char *const longs[] = {"delimiters:=d", "serial=s", NULL};
    while ((ch = uopt_next(u, &o, "d:s", longs)) != 0) {
        if (ch == 'd') {
            free(delims);
            delims = unescape_delims(o.arg);
        } else if (ch == 's') {
            serial = true;
        } else {
            free(delims);
            return 1;
        }
    }
    static char *dash[] = {(char *)"-", NULL};
    multi_ctx *m = new_multi(u);
    m->own = delims;
    m->names = u->argc - o.ind ? u->argv + o.ind : dash;
    m->n = u->argc - o.ind ? u->argc - o.ind : 1;
    m->delims = delims;
    m->serial = serial;
    bool need_stdin = false;
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->names[i], "-") == 0)
            need_stdin = true;
    return uslurp(u, dash, need_stdin ? 1 : -1, paste_run);
}

/* ---- comm ---- */


static int comm_run(ucmd *u, sx *stdin_data)
{
    sx a, b;
    sx_init(&a);
    sx_init(&b);
    multi_ctx *m = u->ext;
    bool *g_comm_hide = m->hide;
    int st = read_operand(u, m->names[0], stdin_data, &a) |
             read_operand(u, m->names[1], stdin_data, &b);
    int na, nb;
    char **la = split_lines(&a, &na), **lb = split_lines(&b, &nb);
    sx o;
    sx_init(&o);
    int i = 0, j = 0;
    const char *t1 = m->delims;
    while (i < na || j < nb) {
        int c = i >= na ? 1 : j >= nb ? -1 : strcmp(la[i], lb[j]);
        if (c < 0) {
            if (!g_comm_hide[1]) {
                sx_adds(&o, la[i]);
                sx_addc(&o, '\n');
            }
            i++;
        } else if (c > 0) {
            if (!g_comm_hide[2]) {
                if (!g_comm_hide[1])
                    sx_adds(&o, t1);
                sx_adds(&o, lb[j]);
                sx_addc(&o, '\n');
            }
            j++;
        } else {
            if (!g_comm_hide[3]) {
                if (!g_comm_hide[1])
                    sx_adds(&o, t1);
                if (!g_comm_hide[2])
                    sx_adds(&o, t1);
                sx_adds(&o, la[i]);
                sx_addc(&o, '\n');
            }
            i++;
            j++;
        }
    }
    uwrite(u, o.s, o.len);
    sx_free(&o);
    free_lines(la, na);
    free_lines(lb, nb);
    sx_free(&a);
    sx_free(&b);
    return st;
}

int u_comm(ucmd *u)
{
    multi_ctx *m = new_multi(u);
    bool *g_comm_hide = m->hide;
    char *odelim = xstrdup("\t");
    m->own = odelim;
    uopt o = {0};
    int ch;
    static const char *const longs[] = {"output-delimiter:=o", "check-order=c",
                                        "nocheck-order=C", NULL};
    while ((ch = uopt_next(u, &o, "123", longs)) != 0) {
        if (ch >= '1' && ch <= '3')
            g_comm_hide[ch - '0'] = true;
        else if (ch == 'o') {
            free(odelim);
            odelim = m->own = xstrdup(o.arg);
        } else if (ch != 'c' && ch != 'C')
            return 1;
    }
    if (u->argc - o.ind != 2) {
        uerr(u, u->argc - o.ind < 2 ? "missing operand" : "extra operand");
        return 1;
    }
    m->names = u->argv + o.ind;
    m->n = 2;
    m->delims = odelim;
    bool need_stdin = strcmp(u->argv[o.ind], "-") == 0 || strcmp(u->argv[o.ind + 1], "-") == 0;
    static char *dash[] = {(char *)"-", NULL};
    return uslurp(u, dash, need_stdin ? 1 : -1, comm_run);
}

/* ---- join ---- */

typedef struct join_opt {
    int f1, f2;
    int tab;
    bool a1, a2, v1, v2, ic;
    const char *empty;
    char *const *empty_names; /* the two file operands */
} join_opt;

static void split_fields(const char *s, int tab, strv *out)
{
    if (tab >= 0) {
        const char *b = s;
        for (;;) {
            const char *e = strchr(b, tab);
            if (!e) {
                strv_push(out, xstrdup(b));
                break;
            }
            strv_push(out, xstrndup(b, (size_t)(e - b)));
            b = e + 1;
        }
        return;
    }
    const char *p = s;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        const char *b = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        strv_push(out, xstrndup(b, (size_t)(p - b)));
    }
}

static void join_emit(sx *o, strv *a, int fa, strv *b, int fb, int tab)
{
    char sep = tab >= 0 ? (char)tab : ' ';
    const char *key = fa < a->n ? a->v[fa] : (b && fb < b->n ? b->v[fb] : "");
    sx_adds(o, key);
    for (int i = 0; i < a->n; i++)
        if (i != fa) {
            sx_addc(o, sep);
            sx_adds(o, a->v[i]);
        }
    if (b)
        for (int i = 0; i < b->n; i++)
            if (i != fb) {
                sx_addc(o, sep);
                sx_adds(o, b->v[i]);
            }
    sx_addc(o, '\n');
}

static int join_run(ucmd *u, sx *stdin_data)
{
    join_opt *j = u->ext;
    char **names = (char **)j->empty_names;
    sx a, b;
    sx_init(&a);
    sx_init(&b);
    int st = read_operand(u, names[0], stdin_data, &a) |
             read_operand(u, names[1], stdin_data, &b);
    int na, nb;
    char **la = split_lines(&a, &na), **lb = split_lines(&b, &nb);
    sx o;
    sx_init(&o);
    int i = 0, k = 0;
    while (i < na || k < nb) {
        strv fa = {0}, fb = {0};
        if (i < na)
            split_fields(la[i], j->tab, &fa);
        if (k < nb)
            split_fields(lb[k], j->tab, &fb);
        const char *ka = i < na && j->f1 < fa.n ? fa.v[j->f1] : "";
        const char *kb = k < nb && j->f2 < fb.n ? fb.v[j->f2] : "";
        int c = i >= na ? 1 : k >= nb ? -1 : (j->ic ? strcasecmp(ka, kb) : strcmp(ka, kb));
        if (c < 0) {
            if (j->a1 || j->v1)
                join_emit(&o, &fa, j->f1, NULL, 0, j->tab);
            i++;
        } else if (c > 0) {
            if (j->a2 || j->v2)
                join_emit(&o, &fb, j->f2, NULL, 0, j->tab);
            k++;
        } else {
            /* all pairs of the runs with this key */
            int k2 = k;
            while (k2 < nb) {
                strv f2 = {0};
                split_fields(lb[k2], j->tab, &f2);
                const char *kk = j->f2 < f2.n ? f2.v[j->f2] : "";
                bool same = (j->ic ? strcasecmp(ka, kk) : strcmp(ka, kk)) == 0;
                if (same && !j->v1 && !j->v2)
                    join_emit(&o, &fa, j->f1, &f2, j->f2, j->tab);
                strv_free(&f2);
                if (!same)
                    break;
                k2++;
            }
            i++;
            /* advance b past the run only when the next a has another key */
            if (i < na) {
                strv nx = {0};
                split_fields(la[i], j->tab, &nx);
                const char *kn = j->f1 < nx.n ? nx.v[j->f1] : "";
                if ((j->ic ? strcasecmp(kn, ka) : strcmp(kn, ka)) != 0)
                    k = k2;
                strv_free(&nx);
            } else {
                k = k2;
            }
        }
        strv_free(&fa);
        strv_free(&fb);
    }
    uwrite(u, o.s, o.len);
    sx_free(&o);
    free_lines(la, na);
    free_lines(lb, nb);
    sx_free(&a);
    sx_free(&b);
    return st;
}

int u_join(ucmd *u)
{
    join_opt *jo = xcalloc(1, sizeof *jo);
    u->ext = jo;
    u->ext_free = free;
    join_opt g_join_s;
    memset(&g_join_s, 0, sizeof g_join_s);
#define g_join g_join_s
    g_join.tab = -1;
    uopt o = {0};
    int ch;
    while ((ch = uopt_next(u, &o, "1:2:j:t:a:v:ie:o:", NULL)) != 0) {
        long long v = 0;
        switch (ch) {
        case '1':
        case '2':
        case 'j':
            if (!parse_ll(o.arg, &v) || v < 1) {
                uerr(u, "invalid field number: '%s'", o.arg);
                return 1;
            }
            if (ch != '2')
                g_join.f1 = (int)v - 1;
            if (ch != '1')
                g_join.f2 = (int)v - 1;
            break;
        case 't': g_join.tab = (unsigned char)o.arg[0]; break;
        case 'a':
            if (strcmp(o.arg, "1") == 0) g_join.a1 = true;
            else if (strcmp(o.arg, "2") == 0) g_join.a2 = true;
            else {
                uerr(u, "invalid file number: '%s'", o.arg);
                return 1;
            }
            break;
        case 'v':
            if (strcmp(o.arg, "1") == 0) g_join.v1 = true;
            else if (strcmp(o.arg, "2") == 0) g_join.v2 = true;
            else {
                uerr(u, "invalid file number: '%s'", o.arg);
                return 1;
            }
            break;
        case 'i': g_join.ic = true; break;
        case 'e': g_join.empty = o.arg; break;
        case 'o':
            uerr(u, "-o is not supported");
            return 1;
        default: return 1;
        }
    }
    if (u->argc - o.ind != 2) {
        uerr(u, u->argc - o.ind < 2 ? "missing operand" : "extra operand");
        return 1;
    }
    g_join.empty_names = u->argv + o.ind;
    *jo = g_join;
#undef g_join
    bool need_stdin = strcmp(u->argv[o.ind], "-") == 0 || strcmp(u->argv[o.ind + 1], "-") == 0;
    static char *dash[] = {(char *)"-", NULL};
    return uslurp(u, dash, need_stdin ? 1 : -1, join_run);
}

/* ---- od ---- */

typedef struct od_opt {
    char addr;       /* o d x n */
    char types[8];   /* c x(2) o(2) d(2) b(o1) + sizes */
    int sizes[8];
    int ntypes;
    long long skip, count;
    bool v;
} od_opt;


static void od_fmt_line(sx *o, const unsigned char *p, size_t n, char type, int size)
{
    for (size_t i = 0; i < n; i += (size_t)size) {
        unsigned long long v = 0;
        for (int k = size - 1; k >= 0; k--)
            v = (v << 8) | (i + (size_t)k < n ? p[i + (size_t)k] : 0);
        switch (type) {
        case 'c': {
            unsigned char c = p[i];
            const char *name = NULL;
            switch (c) {
            case 0: name = "\\0"; break;
            case '\a': name = "\\a"; break;
            case '\b': name = "\\b"; break;
            case '\f': name = "\\f"; break;
            case '\n': name = "\\n"; break;
            case '\r': name = "\\r"; break;
            case '\t': name = "\\t"; break;
            case '\v': name = "\\v"; break;
            default: break;
            }
            if (name)
                sx_printf(o, "%4s", name);
            else if (c >= 32 && c < 127)
                sx_printf(o, "%4c", c);
            else
                sx_printf(o, " %03o", c);
            break;
        }
        case 'x':
            sx_printf(o, " %0*llx", size * 2, v);
            break;
        case 'o': {
            int w = size == 1 ? 3 : size == 2 ? 6 : size == 4 ? 11 : 22;
            sx_printf(o, " %0*llo", w, v);
            break;
        }
        case 'u': {
            int w = size == 1 ? 3 : size == 2 ? 5 : size == 4 ? 10 : 20;
            sx_printf(o, " %*llu", w, v);
            break;
        }
        case 'd': {
            long long sv = (long long)v;
            if (size < 8 && (v >> (size * 8 - 1)) & 1)
                sv = (long long)(v | (~0ULL << (size * 8)));
            int w = size == 1 ? 4 : size == 2 ? 6 : size == 4 ? 11 : 20;
            sx_printf(o, " %*lld", w, sv);
            break;
        }
        default:
            break;
        }
    }
    sx_addc(o, '\n');
}

static void od_addr(sx *o, char a, long long off)
{
    switch (a) {
    case 'd': sx_printf(o, "%07lld", off); break;
    case 'x': sx_printf(o, "%06llx", off); break;
    case 'n': break;
    default: sx_printf(o, "%07llo", off); break;
    }
}

static int od_run(ucmd *u, sx *d)
{
    od_opt *op = u->ext;
    size_t start = (size_t)(op->skip < (long long)d->len ? op->skip : (long long)d->len);
    size_t end = d->len;
    if (op->count >= 0 && start + (size_t)op->count < end)
        end = start + (size_t)op->count;
    sx o;
    sx_init(&o);
    const unsigned char *p = (const unsigned char *)d->s;
    const unsigned char *prev = NULL;
    bool star = false;
    for (size_t off = start; off < end; off += 16) {
        size_t n = end - off < 16 ? end - off : 16;
        if (!op->v && prev && n == 16 && memcmp(prev, p + off, 16) == 0) {
            if (!star)
                sx_adds(&o, "*\n");
            star = true;
            continue;
        }
        star = false;
        for (int t = 0; t < op->ntypes; t++) {
            if (t == 0)
                od_addr(&o, op->addr, (long long)off);
            else if (op->addr != 'n')
                sx_printf(&o, "%7s", "");
            od_fmt_line(&o, p + off, n, op->types[t], op->sizes[t]);
        }
        prev = p + off;
        if (o.len > 65536) {
            uwrite(u, o.s, o.len);
            sx_reset(&o);
        }
    }
    if (op->addr != 'n') {
        od_addr(&o, op->addr, (long long)end);
        sx_addc(&o, '\n');
    }
    uwrite(u, o.s, o.len);
    sx_free(&o);
    return 0;
}

static bool od_add_type(od_opt *op, const char *t)
{
    while (*t && op->ntypes < 8) {
        char c = *t++;
        int size = 0;
        if (c == 'a')
            c = 'c';
        if (!strchr("cxoudC", c))
            return false;
        if (c != 'c') {
            if (isdigit((unsigned char)*t)) {
                size = (int)strtol(t, (char **)&t, 10);
            } else if (*t == 'C') {
                size = 1;
                t++;
            } else if (*t == 'S') {
                size = 2;
                t++;
            } else if (*t == 'I') {
                size = 4;
                t++;
            } else if (*t == 'L') {
                size = 8;
                t++;
            } else {
                size = 4;
            }
            if (size != 1 && size != 2 && size != 4 && size != 8)
                return false;
        } else {
            size = 1;
        }
        op->types[op->ntypes] = c;
        op->sizes[op->ntypes++] = size;
    }
    return true;
}

int u_od(ucmd *u)
{
    od_opt *g_odp = xcalloc(1, sizeof *g_odp);
    u->ext = g_odp;
    u->ext_free = free;
#define g_od (*g_odp)
    g_od.addr = 'o';
    g_od.count = -1;
    uopt o = {0};
    int ch;
    while ((ch = uopt_next(u, &o, "cxobdvA:t:N:j:s", NULL)) != 0) {
        switch (ch) {
        case 'c': od_add_type(&g_od, "c"); break;
        case 'x': od_add_type(&g_od, "x2"); break;
        case 'o': od_add_type(&g_od, "o2"); break;
        case 'b': od_add_type(&g_od, "o1"); break;
        case 'd': od_add_type(&g_od, "u2"); break;
        case 's': od_add_type(&g_od, "d2"); break;
        case 'v': g_od.v = true; break;
        case 'A':
            if (!strchr("odxn", o.arg[0]) || o.arg[1]) {
                uerr(u, "invalid output address radix '%s'", o.arg);
                return 1;
            }
            g_od.addr = o.arg[0];
            break;
        case 't':
            if (!od_add_type(&g_od, o.arg)) {
                uerr(u, "invalid type string '%s'", o.arg);
                return 1;
            }
            break;
        case 'N':
        case 'j': {
            long long v;
            if (!parse_size(o.arg, &v) || v < 0) {
                uerr(u, "invalid number '%s'", o.arg);
                return 1;
            }
            if (ch == 'N')
                g_od.count = v;
            else
                g_od.skip = v;
            break;
        }
        default: return 1;
        }
    }
    if (g_od.ntypes == 0)
        od_add_type(&g_od, "o2");
#undef g_od
    return uslurp(u, u->argv + o.ind, u->argc - o.ind, od_run);
}

/* ---- split ---- */

typedef struct split_opt {
    long long lines, bytes;
    int suffix_len;
    bool numeric;
    const char *prefix;
    const char *add_suffix;
} split_opt;


static char *split_name(split_opt *s, long long k)
{
    char suf[32];
    int len = s->suffix_len;
    for (int i = len - 1; i >= 0; i--) {
        int base = s->numeric ? 10 : 26;
        int d = (int)(k % base);
        suf[i] = (char)(s->numeric ? '0' + d : 'a' + d);
        k /= base;
    }
    suf[len] = 0;
    if (k > 0)
        return NULL;
    sx b;
    sx_init(&b);
    sx_adds(&b, s->prefix);
    sx_adds(&b, suf);
    if (s->add_suffix)
        sx_adds(&b, s->add_suffix);
    return sx_take(&b);
}

static int split_run(ucmd *u, sx *d)
{
    split_opt *s = u->ext;
    size_t i = 0;
    long long k = 0;
    while (i < d->len) {
        size_t e;
        if (s->bytes > 0) {
            e = i + (size_t)s->bytes < d->len ? i + (size_t)s->bytes : d->len;
        } else {
            e = i;
            for (long long n = 0; n < s->lines && e < d->len; n++) {
                const char *nl = memchr(d->s + e, '\n', d->len - e);
                e = nl ? (size_t)(nl - d->s) + 1 : d->len;
            }
        }
        char *name = split_name(s, k++);
        if (!name) {
            uerr(u, "output file suffixes exhausted");
            return 1;
        }
        int fd = sh_open(u->sh, name, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (fd < 0) {
            uerr(u, "%s: %s", name, sh_strerror(errno));
            free(name);
            return 1;
        }
        sh_io *io = io_fd(fd, true);
        io_write(u->sh, io, d->s + i, e - i);
        io_unref(io);
        free(name);
        i = e;
    }
    return 0;
}

int u_split(ucmd *u)
{
    split_opt *g_splitp = xcalloc(1, sizeof *g_splitp);
    u->ext = g_splitp;
    u->ext_free = free;
#define g_split (*g_splitp)
    g_split.lines = 1000;
    g_split.suffix_len = 2;
    g_split.prefix = "x";
    uopt o = {0};
    int ch;
    static const char *const longs[] = {"lines:=l", "bytes:=b", "suffix-length:=a",
                                        "numeric-suffixes=d", "additional-suffix:=A", NULL};
    while ((ch = uopt_next(u, &o, "l:b:a:dA:", longs)) != 0) {
        long long v;
        switch (ch) {
        case 'l':
        case 'b':
        case 'a':
            if (!parse_size(o.arg, &v) || v <= 0 || (ch == 'a' && v > 20)) {
                uerr(u, "invalid number: '%s'", o.arg);
                return 1;
            }
            if (ch == 'l') {
                g_split.lines = v;
                g_split.bytes = 0;
            } else if (ch == 'b') {
                g_split.bytes = v;
            } else {
                g_split.suffix_len = (int)v;
            }
            break;
        case 'd': g_split.numeric = true; break;
        case 'A': g_split.add_suffix = o.arg; break;
        default: return 1;
        }
    }
    int n = u->argc - o.ind;
    if (n > 2) {
        uerr(u, "extra operand '%s'", u->argv[o.ind + 2]);
        return 1;
    }
    if (n == 2)
        g_split.prefix = u->argv[o.ind + 1];
#undef g_split
    return uslurp(u, u->argv + o.ind, n ? 1 : 0, split_run);
}
