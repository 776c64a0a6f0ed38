/* awk_run.c: the awk interpreter and the `awk` utility entry.
 *
 * Records stream in through the line-filter frame (RS is a newline, or ""
 * for paragraph mode, or one character); fields split lazily on FS (" ",
 * one literal character, or an ERE). Arrays are hash maps that iterate in
 * insertion order. Output redirections (> >> |) and getline from files or
 * commands go through the shell's own file and command machinery.
 */
#include "awk.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- arrays ---- */

typedef struct aent {
    astr *key;
    aval v;
    struct aent *hnext, *inext, *iprev;
} aent;

struct amap {
    aent **b;
    size_t nb, n;
    aent *first, *last;
};

static size_t khash(const char *s, size_t n)
{
    size_t h = 1469598103u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static void val_free(aval *v)
{
    astr_unref(v->s);
    v->s = NULL;
    v->flags = 0;
}

static amap *map_new(void)
{
    amap *m = xcalloc(1, sizeof *m);
    m->nb = 16;
    m->b = xcalloc(m->nb, sizeof *m->b);
    return m;
}

static aent *map_find(amap *m, const char *k, size_t n)
{
    for (aent *e = m->b[khash(k, n) & (m->nb - 1)]; e; e = e->hnext)
        if (e->key->len == n && memcmp(e->key->s, k, n) == 0)
            return e;
    return NULL;
}

static aent *map_get(amap *m, const char *k, size_t n)
{
    aent *e = map_find(m, k, n);
    if (e)
        return e;
    if (m->n + 1 > m->nb) {
        size_t nb = m->nb * 2;
        aent **b = xcalloc(nb, sizeof *b);
        for (aent *x = m->first; x; x = x->inext) {
            size_t h = khash(x->key->s, x->key->len) & (nb - 1);
            x->hnext = b[h];
            b[h] = x;
        }
        free(m->b);
        m->b = b;
        m->nb = nb;
    }
    e = xcalloc(1, sizeof *e);
    e->key = astr_new(k, n);
    size_t h = khash(k, n) & (m->nb - 1);
    e->hnext = m->b[h];
    m->b[h] = e;
    e->iprev = m->last;
    if (m->last)
        m->last->inext = e;
    else
        m->first = e;
    m->last = e;
    m->n++;
    return e;
}

static void map_del(amap *m, const char *k, size_t n)
{
    aent **pp = &m->b[khash(k, n) & (m->nb - 1)];
    while (*pp) {
        aent *e = *pp;
        if (e->key->len == n && memcmp(e->key->s, k, n) == 0) {
            *pp = e->hnext;
            if (e->iprev)
                e->iprev->inext = e->inext;
            else
                m->first = e->inext;
            if (e->inext)
                e->inext->iprev = e->iprev;
            else
                m->last = e->iprev;
            astr_unref(e->key);
            val_free(&e->v);
            free(e);
            m->n--;
            return;
        }
        pp = &e->hnext;
    }
}

static void map_clear(amap *m)
{
    aent *e = m->first;
    while (e) {
        aent *n = e->inext;
        astr_unref(e->key);
        val_free(&e->v);
        free(e);
        e = n;
    }
    memset(m->b, 0, sizeof *m->b * m->nb);
    m->first = m->last = NULL;
    m->n = 0;
}

static void map_free(amap *m)
{
    if (!m)
        return;
    map_clear(m);
    free(m->b);
    free(m);
}

/* ---- runtime ---- */

typedef struct aout {
    char *name;
    int kind; /* '>' 'a' '|' */
    sh_io *io;
    sx pipe_data;
    struct aout *next;
} aout;

typedef struct ain {
    char *name;
    int kind; /* '<' or '|' */
    sh_io *io;
    struct ain *next;
} ain;

typedef struct frame {
    acell *locals;
    int n;
} frame;

enum { R_NONE, R_NEXT, R_NEXTFILE, R_EXIT, R_RETURN, R_BREAK, R_CONTINUE };

typedef struct awk {
    ucmd *u;
    aprog *p;
    acell *g;
    astr *rec;             /* $0 */
    astr **fld;            /* $1.. */
    int nf, fcap;
    bool split_done;
    frame *fr;
    int depth;
    int ctl;
    aval retval;
    int exit_code;
    bool exiting;
    aout *outs;
    ain *ins;
    unsigned long long seed;
    double prev_seed;
    bool *range_on;
    rx *fs_re;
    astr *fs_re_src;
    /* main input */
    ufiles *mf;
    char **argv_files;
    int nfiles;
    sx recbuf;             /* paragraph mode accumulation */
    bool in_end;
    bool in_begin;
} awk;

static astr *empty_str;

static aval v_num(double n)
{
    aval v = {AV_NUM, n, NULL};
    return v;
}

static aval v_str(astr *s)
{
    aval v = {AV_STR, 0, s};
    return v;
}

static bool looks_numeric(const char *s, size_t n, double *out)
{
    size_t i = 0;
    while (i < n && isspace((unsigned char)s[i]))
        i++;
    if (i == n)
        return false;
    char buf[128];
    size_t k = n - i < sizeof buf - 1 ? n - i : sizeof buf - 1;
    memcpy(buf, s + i, k);
    buf[k] = 0;
    char *end;
    double d = strtod(buf, &end);
    if (end == buf)
        return false;
    /* reject hex, inf and nan spellings as awk does */
    for (char *q = buf; q < end; q++)
        if (*q == 'x' || *q == 'X' || *q == 'n' || *q == 'N' || *q == 'i' || *q == 'I')
            return false;
    while (*end && isspace((unsigned char)*end))
        end++;
    if (*end || n - i >= sizeof buf - 1)
        return false;
    *out = d;
    return true;
}

static aval v_strnum(astr *s)
{
    aval v = {AV_STR, 0, s};
    double d;
    if (looks_numeric(s->s, s->len, &d)) {
        v.flags = AV_STR | AV_STRNUM | AV_NUM;
        v.n = d;
    }
    return v;
}

static double to_num(aval v)
{
    if (v.flags & AV_NUM)
        return v.n;
    if (!v.s)
        return 0;
    return strtod(v.s->s, NULL);
}

static astr *num_str(awk *a, double d, int which)
{
    char buf[64];
    if (d == (double)(long long)d && fabs(d) < 1e16) {
        snprintf(buf, sizeof buf, "%lld", (long long)d);
    } else {
        aval f = a->g[which].v;
        const char *fmt = f.s ? f.s->s : "%.6g";
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        if (!strchr(fmt, '%') || strchr(fmt, 's') || strchr(fmt, '*'))
            fmt = "%.6g";
        snprintf(buf, sizeof buf, fmt, d);
#pragma GCC diagnostic pop
    }
    return astr_new(buf, strlen(buf));
}

/* Returns a new reference. */
static astr *to_str(awk *a, aval v)
{
    if (v.flags & AV_STR || (!(v.flags & AV_NUM) && v.s)) {
        v.s->refs++;
        return v.s;
    }
    if (v.flags & AV_NUM)
        return num_str(a, v.n, G_CONVFMT);
    empty_str->refs++;
    return empty_str;
}

static astr *to_out_str(awk *a, aval v)
{
    if (!(v.flags & AV_STR) && (v.flags & AV_NUM))
        return num_str(a, v.n, G_OFMT);
    return to_str(a, v);
}

static bool to_bool(aval v)
{
    if (v.flags & AV_STRNUM)
        return v.n != 0;
    if (v.flags & AV_STR)
        return v.s && v.s->len > 0;
    if (v.flags & AV_NUM)
        return v.n != 0;
    return false;
}

static aval v_copy(aval v)
{
    if (v.s)
        v.s->refs++;
    return v;
}

static void aerr(awk *a, const char *msg)
{
    uerr(a->u, "%s", msg);
    a->ctl = R_EXIT;
    a->exiting = true;
    a->exit_code = 2;
}

/* ---- fields ---- */

static const char *gstr(awk *a, int slot)
{
    aval v = a->g[slot].v;
    if (v.s && (v.flags & AV_STR))
        return v.s->s;
    if (v.flags & AV_NUM) {
        static char buf[64];
        snprintf(buf, sizeof buf, "%.6g", v.n);
        return buf;
    }
    return v.s ? v.s->s : "";
}

static void set_fields_count(awk *a, int n)
{
    if (n > a->fcap) {
        int cap = a->fcap ? a->fcap : 16;
        while (cap < n)
            cap *= 2;
        a->fld = xrealloc(a->fld, sizeof *a->fld * (size_t)cap);
        for (int i = a->fcap; i < cap; i++)
            a->fld[i] = NULL;
        a->fcap = cap;
    }
    for (int i = n; i < a->nf; i++) {
        astr_unref(a->fld[i]);
        a->fld[i] = NULL;
    }
    for (int i = a->nf; i < n; i++) {
        if (!a->fld[i]) {
            empty_str->refs++;
            a->fld[i] = empty_str;
        }
    }
    a->nf = n;
}

static void add_field(awk *a, const char *s, size_t n)
{
    int k = a->nf;
    set_fields_count(a, k + 1);
    astr_unref(a->fld[k]);
    a->fld[k] = astr_new(s, n);
}

static void split_record(awk *a)
{
    if (a->split_done)
        return;
    a->split_done = true;
    set_fields_count(a, 0);
    const char *s = a->rec->s;
    size_t n = a->rec->len;
    const char *fs = gstr(a, G_FS);
    if (strcmp(fs, " ") == 0) {
        size_t i = 0;
        while (i < n) {
            while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n'))
                i++;
            if (i >= n)
                break;
            size_t b = i;
            while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\n')
                i++;
            add_field(a, s + b, i - b);
        }
    } else if (n == 0) {
    } else if (fs[0] && !fs[1] && fs[0] != '\\') {
        char c = fs[0];
        size_t b = 0;
        for (size_t i = 0; i <= n; i++)
            if (i == n || s[i] == c) {
                add_field(a, s + b, i - b);
                b = i + 1;
            }
    } else if (!fs[0]) {
        for (size_t i = 0; i < n; i++)
            add_field(a, s + i, 1);
    } else {
        if (!a->fs_re_src || strcmp(a->fs_re_src->s, fs) != 0) {
            if (a->fs_re)
                rx_free(a->fs_re);
            astr_unref(a->fs_re_src);
            char err[128];
            a->fs_re = rx_compile(fs, strlen(fs), RX_ERE | RX_LONGEST, err, sizeof err);
            a->fs_re_src = astr_new(fs, strlen(fs));
            if (!a->fs_re) {
                aerr(a, "invalid FS regular expression");
                return;
            }
        }
        size_t b = 0, pos = 0;
        while (pos <= n) {
            size_t caps[2];
            if (rx_search(a->fs_re, s, n, pos, caps, 2) != 1 || caps[1] == caps[0]) {
                if (caps[1] == caps[0] && caps[0] < n && rx_search(a->fs_re, s, n, pos, caps, 2) == 1 &&
                    caps[1] == caps[0]) {
                    pos = caps[0] + 1;
                    if (pos <= n)
                        continue;
                }
                break;
            }
            add_field(a, s + b, caps[0] - b);
            b = pos = caps[1];
        }
        add_field(a, s + b, n - b);
    }
    val_free(&a->g[G_NF].v);
    a->g[G_NF].v = v_num(a->nf);
}

static void set_record(awk *a, astr *s)
{
    astr_unref(a->rec);
    a->rec = s;
    a->split_done = false;
    split_record(a);
}

static void rebuild_record(awk *a)
{
    sx b;
    sx_init(&b);
    const char *ofs = gstr(a, G_OFS);
    for (int i = 0; i < a->nf; i++) {
        if (i)
            sx_adds(&b, ofs);
        sx_add(&b, a->fld[i]->s, a->fld[i]->len);
    }
    astr_unref(a->rec);
    a->rec = astr_new(b.s, b.len);
    sx_free(&b);
}

static aval get_field(awk *a, double d)
{
    long long i = (long long)d;
    if (i < 0) {
        aerr(a, "trying to access out of range field");
        return v_num(0);
    }
    if (i == 0) {
        a->rec->refs++;
        return v_strnum(a->rec);
    }
    split_record(a);
    if (i > a->nf) {
        empty_str->refs++;
        return v_strnum(empty_str);
    }
    a->fld[i - 1]->refs++;
    return v_strnum(a->fld[i - 1]);
}

static void set_field(awk *a, double d, astr *s)
{
    long long i = (long long)d;
    if (i < 0 || i > 100000) {
        astr_unref(s);
        aerr(a, "field index out of range");
        return;
    }
    if (i == 0) {
        set_record(a, s);
        return;
    }
    split_record(a);
    if (i > a->nf)
        set_fields_count(a, (int)i);
    astr_unref(a->fld[i - 1]);
    a->fld[i - 1] = s;
    val_free(&a->g[G_NF].v);
    a->g[G_NF].v = v_num(a->nf);
    rebuild_record(a);
}

/* ---- evaluation ---- */

static aval eval(awk *a, anode *n);
static void exec_list(awk *a, anode *n);

static acell *cell_of(awk *a, anode *n)
{
    if (n->kind == E_LOCAL)
        return &a->fr->locals[n->slot];
    return &a->g[n->slot];
}

static amap *array_of(awk *a, anode *n)
{
    acell *c = cell_of(a, n);
    if (!c->arr) {
        if (c->v.flags & (AV_STR | AV_NUM)) {
            aerr(a, "can't use scalar as array");
            c->arr = map_new();
            return c->arr;
        }
        c->arr = map_new();
    }
    return c->arr;
}

static astr *subscript(awk *a, anode *list)
{
    if (!list->next)
        return to_str(a, eval(a, list)); /* leaks the value's own ref: handled below */
    sx b;
    sx_init(&b);
    const char *sep = gstr(a, G_SUBSEP);
    bool first = true;
    for (anode *e = list; e; e = e->next) {
        if (!first)
            sx_adds(&b, sep);
        first = false;
        aval v = eval(a, e);
        astr *s = to_str(a, v);
        val_free(&v);
        sx_add(&b, s->s, s->len);
        astr_unref(s);
    }
    astr *r = astr_new(b.s, b.len);
    sx_free(&b);
    return r;
}

static astr *key_of(awk *a, anode *list)
{
    if (!list->next) {
        aval v = eval(a, list);
        astr *s = to_str(a, v);
        val_free(&v);
        return s;
    }
    return subscript(a, list);
}

static void assign_to(awk *a, anode *lv, aval v)
{
    switch (lv->kind) {
    case E_VAR:
    case E_LOCAL: {
        acell *c = cell_of(a, lv);
        if (c->arr) {
            val_free(&v);
            aerr(a, "can't assign to an array name");
            return;
        }
        val_free(&c->v);
        c->v = v;
        if (lv->kind == E_VAR && lv->slot == G_NF) {
            split_record(a);
            long long nf = (long long)to_num(v);
            if (nf < 0 || nf > 100000) {
                aerr(a, "NF out of range");
                return;
            }
            set_fields_count(a, (int)nf);
            rebuild_record(a);
        }
        break;
    }
    case E_FIELD: {
        aval iv = eval(a, lv->a);
        double i = to_num(iv);
        val_free(&iv);
        set_field(a, i, to_str(a, v));
        val_free(&v);
        break;
    }
    case E_INDEX: {
        amap *m = array_of(a, lv->a);
        astr *k = key_of(a, lv->b);
        aent *e = map_get(m, k->s, k->len);
        astr_unref(k);
        val_free(&e->v);
        e->v = v;
        break;
    }
    default:
        val_free(&v);
        break;
    }
}

static aval lvalue_get(awk *a, anode *lv)
{
    switch (lv->kind) {
    case E_VAR:
    case E_LOCAL: {
        acell *c = cell_of(a, lv);
        if (lv->kind == E_VAR && lv->slot == G_NF)
            split_record(a);
        return v_copy(c->v);
    }
    case E_FIELD: {
        aval iv = eval(a, lv->a);
        double i = to_num(iv);
        val_free(&iv);
        return get_field(a, i);
    }
    case E_INDEX: {
        amap *m = array_of(a, lv->a);
        astr *k = key_of(a, lv->b);
        aent *e = map_get(m, k->s, k->len);
        astr_unref(k);
        return v_copy(e->v);
    }
    default:
        return eval(a, lv);
    }
}

static rx *dyn_re(awk *a, anode *n, bool *owned)
{
    *owned = false;
    if (n->kind == E_RE)
        return n->re;
    aval v = eval(a, n);
    astr *s = to_str(a, v);
    val_free(&v);
    char err[256];
    rx *r = rx_compile(s->s, s->len, RX_ERE | RX_LONGEST, err, sizeof err);
    astr_unref(s);
    if (!r) {
        aerr(a, err);
        return NULL;
    }
    *owned = true;
    return r;
}

static int compare(awk *a, aval x, aval y)
{
    bool xn = (x.flags & AV_NUM) && (!(x.flags & AV_STR) || (x.flags & AV_STRNUM));
    bool yn = (y.flags & AV_NUM) && (!(y.flags & AV_STR) || (y.flags & AV_STRNUM));
    bool xu = !x.flags, yu = !y.flags;
    if ((xn || xu) && (yn || yu)) {
        double p = to_num(x), q = to_num(y);
        return p < q ? -1 : p > q ? 1 : 0;
    }
    astr *s = to_str(a, x), *t = to_str(a, y);
    size_t m = s->len < t->len ? s->len : t->len;
    int c = memcmp(s->s, t->s, m);
    if (!c && s->len != t->len)
        c = s->len < t->len ? -1 : 1;
    astr_unref(s);
    astr_unref(t);
    return c;
}

static aval call_user(awk *a, anode *n);
static aval builtin(awk *a, anode *n);
static aval do_getline(awk *a, anode *n);

static aval eval(awk *a, anode *n)
{
    if (!n || a->ctl == R_EXIT)
        return v_num(0);
    if (!sh_stack_ok(a->u->sh)) {
        a->ctl = R_EXIT;
        a->exiting = true;
        a->exit_code = 2;
        return v_num(0);
    }
    switch (n->kind) {
    case E_NUM: return v_num(n->num);
    case E_STR:
        n->str->refs++;
        return v_str(n->str);
    case E_RE: {
        int m = rx_search(n->re, a->rec->s, a->rec->len, 0, NULL, 0) == 1;
        return v_num(m);
    }
    case E_GROUP: return eval(a, n->a);
    case E_VAR:
    case E_LOCAL:
    case E_FIELD:
    case E_INDEX:
        return lvalue_get(a, n);
    case E_ASSIGN: {
        aval r = eval(a, n->b);
        if (n->op != '=') {
            aval cur = lvalue_get(a, n->a);
            double x = to_num(cur), y = to_num(r);
            val_free(&cur);
            val_free(&r);
            double z = 0;
            switch (n->op) {
            case '+': z = x + y; break;
            case '-': z = x - y; break;
            case '*': z = x * y; break;
            case '/':
                if (y == 0) {
                    aerr(a, "division by zero in /=");
                    return v_num(0);
                }
                z = x / y;
                break;
            case '%':
                if (y == 0) {
                    aerr(a, "division by zero in %=");
                    return v_num(0);
                }
                z = fmod(x, y);
                break;
            case '^': z = pow(x, y); break;
            default: break;
            }
            r = v_num(z);
        } else if (r.flags & AV_STRNUM) {
            /* keep strnum-ness */
        }
        assign_to(a, n->a, v_copy(r));
        return r;
    }
    case E_COND: {
        aval c = eval(a, n->a);
        bool t = to_bool(c);
        val_free(&c);
        return eval(a, t ? n->b : n->c);
    }
    case E_AND: {
        aval x = eval(a, n->a);
        bool t = to_bool(x);
        val_free(&x);
        if (!t)
            return v_num(0);
        aval y = eval(a, n->b);
        t = to_bool(y);
        val_free(&y);
        return v_num(t);
    }
    case E_OR: {
        aval x = eval(a, n->a);
        bool t = to_bool(x);
        val_free(&x);
        if (t)
            return v_num(1);
        aval y = eval(a, n->b);
        t = to_bool(y);
        val_free(&y);
        return v_num(t);
    }
    case E_NOT: {
        aval x = eval(a, n->a);
        bool t = to_bool(x);
        val_free(&x);
        return v_num(!t);
    }
    case E_NEG:
    case E_PLUS: {
        aval x = eval(a, n->a);
        double d = to_num(x);
        val_free(&x);
        return v_num(n->kind == E_NEG ? -d : d);
    }
    case E_BIN: {
        aval x = eval(a, n->a), y = eval(a, n->b);
        double p = to_num(x), q = to_num(y);
        val_free(&x);
        val_free(&y);
        switch (n->op) {
        case '+': return v_num(p + q);
        case '-': return v_num(p - q);
        case '*': return v_num(p * q);
        case '/':
            if (q == 0) {
                aerr(a, "division by zero");
                return v_num(0);
            }
            return v_num(p / q);
        case '%':
            if (q == 0) {
                aerr(a, "division by zero in %");
                return v_num(0);
            }
            return v_num(fmod(p, q));
        case '^': return v_num(pow(p, q));
        default: return v_num(0);
        }
    }
    case E_CAT: {
        aval x = eval(a, n->a), y = eval(a, n->b);
        astr *s = to_str(a, x), *t = to_str(a, y);
        val_free(&x);
        val_free(&y);
        if (s->len + t->len > SH_MAX_STRING) {
            astr_unref(s);
            astr_unref(t);
            aerr(a, "string too long");
            return v_num(0);
        }
        astr *r = xmalloc(sizeof *r + s->len + t->len + 1);
        r->refs = 1;
        r->len = s->len + t->len;
        memcpy(r->s, s->s, s->len);
        memcpy(r->s + s->len, t->s, t->len);
        r->s[r->len] = 0;
        astr_unref(s);
        astr_unref(t);
        return v_str(r);
    }
    case E_CMP: {
        aval x = eval(a, n->a), y = eval(a, n->b);
        int c = compare(a, x, y);
        val_free(&x);
        val_free(&y);
        switch (n->op) {
        case 0: return v_num(c < 0);
        case 1: return v_num(c <= 0);
        case 2: return v_num(c != 0);
        case 3: return v_num(c == 0);
        case 4: return v_num(c > 0);
        default: return v_num(c >= 0);
        }
    }
    case E_MATCH: {
        aval x = eval(a, n->a);
        astr *s = to_str(a, x);
        val_free(&x);
        bool owned;
        rx *r = dyn_re(a, n->b, &owned);
        int m = r ? rx_search(r, s->s, s->len, 0, NULL, 0) == 1 : 0;
        if (owned)
            rx_free(r);
        astr_unref(s);
        return v_num(n->op ? !m : m);
    }
    case E_IN: {
        amap *m = array_of(a, n->b);
        astr *k = key_of(a, n->a);
        bool found = map_find(m, k->s, k->len) != NULL;
        astr_unref(k);
        return v_num(found);
    }
    case E_INCDEC: {
        aval cur = lvalue_get(a, n->a);
        double d = to_num(cur);
        val_free(&cur);
        double nv = (n->op == 'i' || n->op == 'I') ? d + 1 : d - 1;
        assign_to(a, n->a, v_num(nv));
        return v_num(n->op == 'I' || n->op == 'D' ? nv : d);
    }
    case E_BUILTIN: return builtin(a, n);
    case E_CALL: return call_user(a, n);
    case E_GETLINE: return do_getline(a, n);
    default:
        return v_num(0);
    }
}

/* Output streams, printf and the builtin functions: awk_lib.inc. */
#include "awk_lib.inc"

/* ---- getline ---- */

static int read_record(awk *a, sh_io *io, astr **out)
{
    const char *rs = gstr(a, G_RS);
    const char *p;
    size_t n;
    if (rs[0] == '\n' || (rs[0] && rs[1])) {
        int r = io_pull_line(a->u->sh, io, &p, &n);
        if (r != IN_DATA)
            return 0;
        size_t len = n && p[n - 1] == '\n' ? n - 1 : n;
        *out = astr_new(p, len);
        io_consume(io, n);
        return 1;
    }
    /* single-character RS or paragraph mode: read everything available */
    sx b;
    sx_init(&b);
    bool para = rs[0] == 0;
    char sep = para ? '\n' : rs[0];
    for (;;) {
        int r = io_pull_avail(a->u->sh, io, &p, &n);
        if (r != IN_DATA)
            break;
        size_t k = 0;
        bool done = false;
        for (; k < n; k++) {
            if (para && b.len == 0 && p[k] == '\n')
                continue; /* leading newlines */
            if (p[k] == sep) {
                if (para) {
                    if (k + 1 < n && p[k + 1] == '\n') {
                        k += 2;
                        while (k < n && p[k] == '\n')
                            k++;
                        done = true;
                        break;
                    }
                    if (k + 1 >= n) {
                        /* need to see the next byte */
                        sx_addc(&b, p[k]);
                        continue;
                    }
                    sx_addc(&b, p[k]);
                    continue;
                }
                k++;
                done = true;
                break;
            }
            sx_addc(&b, p[k]);
        }
        io_consume(io, k);
        if (done)
            break;
    }
    if (para) {
        while (b.len && b.s[b.len - 1] == '\n')
            b.len--;
        if (!b.len) {
            sx_free(&b);
            return 0;
        }
    } else if (!b.len) {
        const char *q;
        size_t m;
        if (io_avail(io, &q, &m) == IN_EOF) {
            sx_free(&b);
            return 0;
        }
    }
    *out = astr_new(b.s, b.len);
    sx_free(&b);
    return 1;
}

static void incr(awk *a, int slot)
{
    double d = to_num(a->g[slot].v);
    val_free(&a->g[slot].v);
    a->g[slot].v = v_num(d + 1);
}

static aval do_getline(awk *a, anode *n)
{
    sh_io *io = NULL;
    if (n->op == 0) {
        /* from the main input: only inside the main loop, simplified to the
         * current input stream */
        if (!a->mf || !a->mf->cur)
            return v_num(0);
        io = a->mf->cur;
    } else {
        aval nv = eval(a, n->b);
        astr *name = to_str(a, nv);
        val_free(&nv);
        ain *in = NULL;
        for (ain *x = a->ins; x; x = x->next)
            if (strcmp(x->name, name->s) == 0)
                in = x;
        if (!in) {
            in = xcalloc(1, sizeof *in);
            in->name = xstrdup(name->s);
            in->kind = n->op == 1 ? '<' : '|';
            if (n->op == 1) {
                if (strcmp(name->s, "-") == 0 || strcmp(name->s, "/dev/stdin") == 0) {
                    in->io = io_ref(a->u->in);
                } else {
                    int fd = sh_open(a->u->sh, name->s, O_RDONLY, 0);
                    if (fd < 0) {
                        free(in->name);
                        free(in);
                        astr_unref(name);
                        return v_num(-1);
                    }
                    in->io = io_fd(fd, true);
                }
            } else {
                sx outb;
                sx_init(&outb);
                shell *sh = a->u->sh;
                sh_io *s2 = sh->fd[2];
                sh->fd[2] = a->u->err;
                sh_cmdsubst(sh, name->s, name->len, &outb);
                sh->fd[2] = s2;
                if (outb.len)
                    sx_addc(&outb, '\n');
                in->io = io_str(outb.s, outb.len);
                sx_free(&outb);
            }
            in->next = a->ins;
            a->ins = in;
        }
        io = in->io;
        astr_unref(name);
    }
    astr *rec;
    if (!read_record(a, io, &rec))
        return v_num(0);
    if (n->op == 0) {
        incr(a, G_NR);
        incr(a, G_FNR);
    } else if (!n->a) {
        incr(a, G_NR);
    }
    if (n->a)
        assign_to(a, n->a, v_strnum(rec));
    else
        set_record(a, rec);
    return v_num(1);
}

/* ---- statements ---- */

static aval call_user(awk *a, anode *n)
{
    afunc *f = &a->p->funcs[n->slot];
    if (a->depth >= 1000) {
        aerr(a, "function call nesting too deep");
        return v_num(0);
    }
    if (n->nargs > f->nparams) {
        aerr(a, "function called with too many arguments");
        return v_num(0);
    }
    frame fr;
    fr.n = f->nparams;
    fr.locals = xcalloc((size_t)(f->nparams ? f->nparams : 1), sizeof *fr.locals);
    int k = 0;
    for (anode *e = n->a; e; e = e->next, k++) {
        if ((e->kind == E_VAR || e->kind == E_LOCAL) && cell_of(a, e)->arr) {
            fr.locals[k].arr = cell_of(a, e)->arr; /* arrays by reference */
            fr.locals[k].v.flags = -1;
        } else if ((e->kind == E_VAR || e->kind == E_LOCAL) && !cell_of(a, e)->v.flags) {
            /* an untyped variable may become an array inside: share it */
            acell *c = cell_of(a, e);
            c->arr = map_new();
            fr.locals[k].arr = c->arr;
            fr.locals[k].v.flags = -1;
        } else {
            fr.locals[k].v = eval(a, e);
        }
    }
    frame *saved = a->fr;
    a->fr = &fr;
    a->depth++;
    exec_list(a, f->body);
    a->depth--;
    a->fr = saved;
    aval r = v_num(0);
    if (a->ctl == R_RETURN) {
        r = a->retval;
        a->retval = v_num(0);
        a->ctl = R_NONE;
    }
    for (int i = 0; i < fr.n; i++) {
        if (fr.locals[i].v.flags == -1) {
            /* borrowed array */
        } else {
            val_free(&fr.locals[i].v);
            map_free(fr.locals[i].arr);
        }
    }
    free(fr.locals);
    /* untyped arguments that were never used as arrays go back to scalars */
    for (anode *e = n->a; e; e = e->next)
        if ((e->kind == E_VAR || e->kind == E_LOCAL)) {
            acell *c = cell_of(a, e);
            if (c->arr && c->arr->n == 0 && !c->v.flags) {
                map_free(c->arr);
                c->arr = NULL;
            }
        }
    return r;
}

static void do_print(awk *a, anode *n)
{
    sx o;
    sx_init(&o);
    if (n->kind == S_PRINTF) {
        awk_printf(a, n->a, &o);
    } else {
        const char *ofs = gstr(a, G_OFS);
        if (!n->a) {
            sx_add(&o, a->rec->s, a->rec->len);
        } else {
            bool first = true;
            for (anode *e = n->a; e; e = e->next) {
                if (!first)
                    sx_adds(&o, ofs);
                first = false;
                aval v = eval(a, e);
                astr *s = to_out_str(a, v);
                val_free(&v);
                sx_add(&o, s->s, s->len);
                astr_unref(s);
            }
        }
        sx_adds(&o, gstr(a, G_ORS));
    }
    emit(a, n, o.s, o.len);
    sx_free(&o);
}

static void exec_stmt(awk *a, anode *n)
{
    if (a->ctl != R_NONE)
        return;
    if (!sh_check(a->u->sh)) {
        a->ctl = R_EXIT;
        a->exiting = true;
        a->exit_code = 2;
        return;
    }
    switch (n->kind) {
    case S_BLOCK: exec_list(a, n->a); break;
    case S_EXPR: {
        aval v = eval(a, n->a);
        val_free(&v);
        break;
    }
    case S_PRINT:
    case S_PRINTF: do_print(a, n); break;
    case S_IF: {
        aval c = eval(a, n->a);
        bool t = to_bool(c);
        val_free(&c);
        if (t)
            exec_stmt(a, n->b);
        else if (n->c)
            exec_stmt(a, n->c);
        break;
    }
    case S_WHILE:
    case S_DO:
    case S_FOR: {
        if (n->kind == S_FOR && n->a) {
            aval v = eval(a, n->a);
            val_free(&v);
        }
        bool first = n->kind == S_DO;
        for (;;) {
            if (!first) {
                anode *cond = n->kind == S_FOR ? n->b : n->a;
                if (cond) {
                    aval c = eval(a, cond);
                    bool t = to_bool(c);
                    val_free(&c);
                    if (!t || a->ctl == R_EXIT)
                        break;
                }
            }
            first = false;
            exec_stmt(a, n->kind == S_FOR ? n->d : n->b);
            if (a->ctl == R_BREAK) {
                a->ctl = R_NONE;
                break;
            }
            if (a->ctl == R_CONTINUE)
                a->ctl = R_NONE;
            if (a->ctl != R_NONE)
                break;
            if (n->kind == S_FOR && n->c) {
                aval v = eval(a, n->c);
                val_free(&v);
            }
            if (!sh_check(a->u->sh)) {
                a->ctl = R_EXIT;
                a->exiting = true;
                a->exit_code = 2;
                break;
            }
        }
        break;
    }
    case S_FORIN: {
        amap *m = array_of(a, n->b);
        /* snapshot the keys: the body may delete */
        int cnt = (int)m->n;
        astr **keys = xcalloc((size_t)(cnt ? cnt : 1), sizeof *keys);
        int k = 0;
        for (aent *e = m->first; e && k < cnt; e = e->inext) {
            e->key->refs++;
            keys[k++] = e->key;
        }
        for (int i = 0; i < k; i++) {
            if (!map_find(m, keys[i]->s, keys[i]->len))
                continue;
            keys[i]->refs++;
            assign_to(a, n->a, v_strnum(keys[i]));
            exec_stmt(a, n->c);
            if (a->ctl == R_BREAK) {
                a->ctl = R_NONE;
                break;
            }
            if (a->ctl == R_CONTINUE)
                a->ctl = R_NONE;
            if (a->ctl != R_NONE)
                break;
        }
        for (int i = 0; i < k; i++)
            astr_unref(keys[i]);
        free(keys);
        break;
    }
    case S_NEXT: a->ctl = R_NEXT; break;
    case S_NEXTFILE: a->ctl = R_NEXTFILE; break;
    case S_BREAK: a->ctl = R_BREAK; break;
    case S_CONTINUE: a->ctl = R_CONTINUE; break;
    case S_EXIT: {
        if (n->a) {
            aval v = eval(a, n->a);
            a->exit_code = (int)to_num(v);
            val_free(&v);
        }
        a->ctl = R_EXIT;
        a->exiting = true;
        break;
    }
    case S_RETURN: {
        val_free(&a->retval);
        a->retval = n->a ? eval(a, n->a) : v_num(0);
        a->ctl = R_RETURN;
        break;
    }
    case S_DELETE: {
        amap *m = array_of(a, n->a);
        if (n->b) {
            astr *k = key_of(a, n->b);
            map_del(m, k->s, k->len);
            astr_unref(k);
        } else {
            map_clear(m);
        }
        break;
    }
    default:
        break;
    }
}

static void exec_list(awk *a, anode *n)
{
    for (; n && a->ctl == R_NONE; n = n->next)
        exec_stmt(a, n);
}

/* ---- main loop ---- */

static bool pattern_match(awk *a, anode *rule, int idx)
{
    if (!rule->a)
        return true;
    if (rule->op == 1) {
        if (!a->range_on[idx]) {
            aval v = eval(a, rule->a);
            bool t = to_bool(v);
            val_free(&v);
            if (!t)
                return false;
            a->range_on[idx] = true;
        }
        aval e = eval(a, rule->b);
        bool end = to_bool(e);
        val_free(&e);
        if (end)
            a->range_on[idx] = false;
        return true;
    }
    aval v = eval(a, rule->a);
    bool t = to_bool(v);
    val_free(&v);
    return t;
}

static void run_rules(awk *a)
{
    int idx = 0;
    for (anode *r = a->p->rules; r && a->ctl == R_NONE; r = r->next, idx++) {
        if (!pattern_match(a, r, idx))
            continue;
        if (r->c) {
            exec_stmt(a, r->c);
        } else {
            sx o;
            sx_init(&o);
            sx_add(&o, a->rec->s, a->rec->len);
            sx_adds(&o, gstr(a, G_ORS));
            uwrite(a->u, o.s, o.len);
            sx_free(&o);
        }
    }
}

static void run_end(awk *a)
{
    if (a->in_end)
        return;
    a->in_end = true;
    if (a->ctl == R_EXIT && a->exiting && a->exit_code == 2 && a->u->sh->fatal)
        return;
    a->ctl = R_NONE;
    for (anode *b = a->p->end; b && a->ctl == R_NONE; b = b->next)
        exec_stmt(a, b);
}

static void awk_destroy(awk *a)
{
    while (a->outs) {
        aout *o = a->outs;
        a->outs = o->next;
        close_out(a, o);
    }
    while (a->ins) {
        ain *in = a->ins;
        a->ins = in->next;
        io_unref(in->io);
        free(in->name);
        free(in);
    }
    for (int i = 0; i < a->p->nglobals; i++) {
        val_free(&a->g[i].v);
        map_free(a->g[i].arr);
    }
    free(a->g);
    set_fields_count(a, 0);
    free(a->fld);
    astr_unref(a->rec);
    val_free(&a->retval);
    if (a->fs_re)
        rx_free(a->fs_re);
    astr_unref(a->fs_re_src);
    free(a->range_on);
    awk_free(a->p);
    free(a->argv_files);
    free(a->mf);
    free(a);
}

typedef struct awk_st {
    awk *a;
    ufiles f;
    bool begun;
} awk_st;

static int awk_step(ucmd *u)
{
    awk_st *st = u->st;
    awk *a = st->a;
    for (int budget = 0; budget < 1024; budget++) {
        if (a->exiting || a->u->sh->fatal)
            break;
        if (!st->f.cur) {
            if (uf_next(u, &st->f))
                break;
            val_free(&a->g[G_FILENAME].v);
            a->g[G_FILENAME].v = v_str(astr_new(st->f.cur_is_stdin ? "" : st->f.curname,
                                                strlen(st->f.cur_is_stdin ? "" : st->f.curname)));
            val_free(&a->g[G_FNR].v);
            a->g[G_FNR].v = v_num(0);
        }
        const char *rs = gstr(a, G_RS);
        astr *rec = NULL;
        if (rs[0] == '\n' || (rs[0] && rs[1])) {
            const char *p;
            size_t n;
            int r = io_line(st->f.cur, &p, &n);
            if (r == IN_NEED)
                return U_NEED;
            if (r == IN_EOF) {
                uf_close(&st->f);
                continue;
            }
            rec = astr_new(p, n && p[n - 1] == '\n' ? n - 1 : n);
            io_consume(st->f.cur, n);
        } else {
            /* other RS values read the whole input first */
            const char *p;
            size_t n;
            int r = io_avail(st->f.cur, &p, &n);
            if (r == IN_NEED && !st->f.cur->wclosed)
                return U_NEED;
            if (!read_record(a, st->f.cur, &rec)) {
                uf_close(&st->f);
                continue;
            }
        }
        incr(a, G_NR);
        incr(a, G_FNR);
        set_record(a, rec);
        a->ctl = R_NONE;
        a->mf = &st->f;
        run_rules(a);
        a->mf = NULL;
        if (a->ctl == R_NEXTFILE)
            uf_close(&st->f);
        if (a->ctl == R_NEXT || a->ctl == R_NEXTFILE)
            a->ctl = R_NONE;
        if (u->sigpipe)
            return U_DONE;
        if (a->ctl == R_EXIT)
            break;
        if (a->ctl != R_NONE)
            a->ctl = R_NONE;
        if (budget == 1023)
            return U_MORE;
    }
    run_end(a);
    int code = a->exit_code;
    return udone(u, code | (st->f.status ? 2 : 0));
}

static void awk_fini(ucmd *u)
{
    awk_st *st = u->st;
    if (!st)
        return;
    uf_free(&st->f);
    awk_destroy(st->a);
    free(st);
    u->st = NULL;
}

static void set_var_str(awk *a, const char *name, const char *value, bool strnum)
{
    int slot = awk_global(a->p, name);
    if (slot >= a->p->nglobals - 0 && false) {
    }
    val_free(&a->g[slot].v);
    astr *s = astr_new(value, strlen(value));
    a->g[slot].v = strnum ? v_strnum(s) : v_str(s);
}

/* Unescapes -v and command-line assignment values like awk strings. */
static char *unescape(const char *s)
{
    sx b;
    sx_init(&b);
    for (; *s; s++) {
        if (*s == '\\' && s[1]) {
            s++;
            switch (*s) {
            case 'n': sx_addc(&b, '\n'); break;
            case 't': sx_addc(&b, '\t'); break;
            case 'r': sx_addc(&b, '\r'); break;
            case '\\': sx_addc(&b, '\\'); break;
            case '"': sx_addc(&b, '"'); break;
            case '/': sx_addc(&b, '/'); break;
            default:
                sx_addc(&b, '\\');
                sx_addc(&b, *s);
            }
        } else {
            sx_addc(&b, *s);
        }
    }
    return sx_take(&b);
}

int u_awk(ucmd *u)
{
    if (!empty_str)
        empty_str = astr_new("", 0);
    strv assigns = {0};
    const char *fs = NULL;
    sx prog;
    sx_init(&prog);
    bool have = false;
    int i = 1;
    for (; i < u->argc; i++) {
        const char *a = u->argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (a[0] != '-' || !a[1])
            break;
        if (a[1] == 'F') {
            fs = a[2] ? a + 2 : (i + 1 < u->argc ? u->argv[++i] : NULL);
            if (!fs) {
                uerr(u, "option requires an argument -- 'F'");
                goto fail;
            }
        } else if (a[1] == 'v') {
            const char *v = a[2] ? a + 2 : (i + 1 < u->argc ? u->argv[++i] : NULL);
            if (!v || !strchr(v, '=')) {
                uerr(u, "-v: expected NAME=value");
                goto fail;
            }
            strv_push(&assigns, xstrdup(v));
        } else if (a[1] == 'f') {
            const char *f = a[2] ? a + 2 : (i + 1 < u->argc ? u->argv[++i] : NULL);
            if (!f || sh_read_file(u->sh, f, &prog, SH_MAX_SCRIPT) != 0) {
                uerr(u, "can't open file %s", f ? f : "");
                goto fail;
            }
            sx_addc(&prog, '\n');
            have = true;
        } else if (strcmp(a, "--posix") == 0 || strcmp(a, "--traditional") == 0) {
        } else {
            uerr(u, "unknown option %s", a);
            goto fail;
        }
    }
    if (!have) {
        if (i >= u->argc) {
            uerr(u, "usage: awk [-F fs][-v var=value][prog | -f progfile][file ...]");
            goto fail;
        }
        sx_adds(&prog, u->argv[i++]);
    }
    aprog *p = awk_parse(u, prog.s, prog.len);
    sx_free(&prog);
    if (!p) {
        strv_free(&assigns);
        return 2;
    }
    awk *a = xcalloc(1, sizeof *a);
    a->u = u;
    a->p = p;
    /* make room for every global the program can name, plus -v ones */
    for (int k = 0; k < assigns.n; k++) {
        char *eq = strchr(assigns.v[k], '=');
        *eq = 0;
        awk_global(p, assigns.v[k]);
        *eq = '=';
    }
    for (int k = i; k < u->argc; k++) {
        char *eq = strchr(u->argv[k], '=');
        if (eq && sh_is_name(u->argv[k], (size_t)(eq - u->argv[k]))) {
            *eq = 0;
            awk_global(p, u->argv[k]);
            *eq = '=';
        }
    }
    a->g = xcalloc((size_t)p->nglobals, sizeof *a->g);
    empty_str->refs++;
    a->rec = empty_str;
    a->range_on = xcalloc(64 + 1, sizeof *a->range_on);
    int nrules = 0;
    for (anode *r = p->rules; r; r = r->next)
        nrules++;
    free(a->range_on);
    a->range_on = xcalloc((size_t)nrules + 1, sizeof *a->range_on);
    set_var_str(a, "FS", fs ? (strcmp(fs, "t") == 0 ? "\t" : fs) : " ", false);
    if (fs) {
        char *ufs = unescape(a->g[G_FS].v.s->s);
        set_var_str(a, "FS", ufs, false);
        free(ufs);
    }
    set_var_str(a, "OFS", " ", false);
    set_var_str(a, "ORS", "\n", false);
    set_var_str(a, "RS", "\n", false);
    set_var_str(a, "SUBSEP", "\034", false);
    set_var_str(a, "CONVFMT", "%.6g", false);
    set_var_str(a, "OFMT", "%.6g", false);
    a->g[G_NR].v = v_num(0);
    a->g[G_NF].v = v_num(0);
    a->g[G_FNR].v = v_num(0);
    a->g[G_RSTART].v = v_num(0);
    a->g[G_RLENGTH].v = v_num(-1);
    a->seed = 0;
    /* ENVIRON and ARGV */
    a->g[G_ENVIRON].arr = map_new();
    strv env = {0};
    var_export_list(u->sh, &env);
    for (int k = 0; k < env.n; k++) {
        char *eq = strchr(env.v[k], '=');
        if (!eq)
            continue;
        aent *e = map_get(a->g[G_ENVIRON].arr, env.v[k], (size_t)(eq - env.v[k]));
        e->v = v_strnum(astr_new(eq + 1, strlen(eq + 1)));
    }
    strv_free(&env);
    a->g[G_ARGV].arr = map_new();
    {
        aent *e = map_get(a->g[G_ARGV].arr, "0", 1);
        e->v = v_str(astr_new("awk", 3));
        int k = 1;
        for (int j = i; j < u->argc; j++, k++) {
            char key[16];
            snprintf(key, sizeof key, "%d", k);
            aent *x = map_get(a->g[G_ARGV].arr, key, strlen(key));
            x->v = v_strnum(astr_new(u->argv[j], strlen(u->argv[j])));
        }
        a->g[G_ARGC].v = v_num(k);
    }
    for (int k = 0; k < assigns.n; k++) {
        char *eq = strchr(assigns.v[k], '=');
        *eq = 0;
        char *val = unescape(eq + 1);
        set_var_str(a, assigns.v[k], val, true);
        free(val);
    }
    strv_free(&assigns);
    /* BEGIN */
    for (anode *b = p->begin; b && a->ctl == R_NONE; b = b->next)
        exec_stmt(a, b);
    awk_st *st = xcalloc(1, sizeof *st);
    st->a = a;
    u->st = st;
    u->fini = awk_fini;
    if (a->ctl == R_EXIT) {
        run_end(a);
        return a->exit_code;
    }
    a->ctl = R_NONE;
    if (!p->rules && !p->end) {
        return a->exit_code;
    }
    /* operands: files, with NAME=value assignments applied in order (here:
     * before reading, which covers the common use) */
    a->argv_files = xcalloc((size_t)(u->argc - i + 1), sizeof *a->argv_files);
    for (int k = i; k < u->argc; k++) {
        char *eq = strchr(u->argv[k], '=');
        if (eq && sh_is_name(u->argv[k], (size_t)(eq - u->argv[k]))) {
            *eq = 0;
            char *val = unescape(eq + 1);
            set_var_str(a, u->argv[k], val, true);
            *eq = '=';
            free(val);
            continue;
        }
        a->argv_files[a->nfiles++] = u->argv[k];
    }
    uf_init(&st->f, a->argv_files, a->nfiles);
    u->step = awk_step;
    return -1;
fail:
    sx_free(&prog);
    strv_free(&assigns);
    return 2;
}
