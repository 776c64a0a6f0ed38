/* jq.c: a useful subset of jq — paths, pipes, comma, literals, object and
 * array construction, arithmetic and comparison, alternatives, if, reduce,
 * variables, string interpolation and the common builtins (map, select,
 * keys, length, sort_by, group_by, to_entries, test, split, join, ...).
 *
 * Input is parsed with the sdk's JSON reader, then converted to refcounted
 * immutable values. A filter is a tree evaluated in continuation-passing
 * style: each node calls `emit` once per output, and a non-zero return from
 * emit stops the generator early (first, limit, any, all).
 */
#include "cmds.h"
#include "json.h"
#include "regex.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- values ---- */

enum { J_NULL, J_FALSE, J_TRUE, J_NUM, J_STR, J_ARR, J_OBJ };

typedef struct jv jv;
struct jv {
    int refs;
    int t;
    double n;
    char *s;
    size_t len;      /* string bytes / element count */
    jv **items;
    char **keys;
};

static jv jnull = {1 << 30, J_NULL, 0, NULL, 0, NULL, NULL};
static jv jfalse = {1 << 30, J_FALSE, 0, NULL, 0, NULL, NULL};
static jv jtrue = {1 << 30, J_TRUE, 0, NULL, 0, NULL, NULL};

static jv *jref(jv *v)
{
    if (v->refs < (1 << 29))
        v->refs++;
    return v;
}

static void junref(jv *v)
{
    if (!v || v->refs >= (1 << 29) || --v->refs > 0)
        return;
    for (size_t i = 0; (v->t == J_ARR || v->t == J_OBJ) && i < v->len; i++) {
        junref(v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->s);
    free(v);
}

static jv *jnew(int t)
{
    jv *v = xcalloc(1, sizeof *v);
    v->refs = 1;
    v->t = t;
    return v;
}

static jv *jnum(double n)
{
    jv *v = jnew(J_NUM);
    v->n = n;
    return v;
}

static jv *jstrn(const char *s, size_t n)
{
    jv *v = jnew(J_STR);
    v->s = xstrndup(s, n);
    v->len = n;
    return v;
}

static jv *jstr(const char *s)
{
    return jstrn(s, strlen(s));
}

static jv *jbool(bool b)
{
    return b ? &jtrue : &jfalse;
}

static void arr_push(jv *a, jv *x)
{
    a->items = xrealloc(a->items, sizeof *a->items * (a->len + 1));
    a->items[a->len++] = x;
}

static jv *obj_get(jv *o, const char *k)
{
    for (size_t i = o->len; i-- > 0;)
        if (strcmp(o->keys[i], k) == 0)
            return o->items[i];
    return NULL;
}

/* Returns a new object with k set (copy on write). */
static jv *obj_set(jv *o, const char *k, jv *x)
{
    jv *r = jnew(J_OBJ);
    bool done = false;
    for (size_t i = 0; o && i < o->len; i++) {
        r->keys = xrealloc(r->keys, sizeof *r->keys * (r->len + 1));
        r->keys[r->len] = xstrdup(o->keys[i]);
        if (strcmp(o->keys[i], k) == 0) {
            arr_push(r, x);
            done = true;
        } else {
            arr_push(r, jref(o->items[i]));
        }
    }
    if (!done) {
        r->keys = xrealloc(r->keys, sizeof *r->keys * (r->len + 1));
        r->keys[r->len] = xstrdup(k);
        arr_push(r, x);
    }
    return r;
}

static jv *from_js(const js *v)
{
    switch (v->type) {
    case JS_NULL: return &jnull;
    case JS_BOOL: return jbool(v->b);
    case JS_NUM: return jnum(v->num);
    case JS_STR: return jstrn(v->str, v->len);
    case JS_ARR: {
        jv *a = jnew(J_ARR);
        for (size_t i = 0; i < v->len; i++)
            arr_push(a, from_js(v->items[i]));
        return a;
    }
    default: {
        jv *o = jnew(J_OBJ);
        for (size_t i = 0; i < v->len; i++) {
            jv *x = from_js(v->items[i]);
            jv *n = obj_set(o, v->keys[i], x);
            junref(o);
            o = n;
        }
        return o;
    }
    }
}

static int type_order(int t)
{
    switch (t) {
    case J_NULL: return 0;
    case J_FALSE: return 1;
    case J_TRUE: return 2;
    case J_NUM: return 3;
    case J_STR: return 4;
    case J_ARR: return 5;
    default: return 6;
    }
}

static int cmpkeys(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **sorted_keys(jv *o)
{
    char **k = xcalloc(o->len + 1, sizeof *k);
    for (size_t i = 0; i < o->len; i++)
        k[i] = o->keys[i];
    qsort(k, o->len, sizeof *k, cmpkeys);
    return k;
}

static int jcmp(jv *a, jv *b)
{
    int ta = type_order(a->t), tb = type_order(b->t);
    if (ta != tb)
        return ta < tb ? -1 : 1;
    switch (a->t) {
    case J_NUM: return a->n < b->n ? -1 : a->n > b->n ? 1 : 0;
    case J_STR: {
        size_t m = a->len < b->len ? a->len : b->len;
        int c = memcmp(a->s, b->s, m);
        if (c)
            return c < 0 ? -1 : 1;
        return a->len < b->len ? -1 : a->len > b->len ? 1 : 0;
    }
    case J_ARR:
        for (size_t i = 0; i < a->len && i < b->len; i++) {
            int c = jcmp(a->items[i], b->items[i]);
            if (c)
                return c;
        }
        return a->len < b->len ? -1 : a->len > b->len ? 1 : 0;
    case J_OBJ: {
        char **ka = sorted_keys(a), **kb = sorted_keys(b);
        int c = 0;
        for (size_t i = 0; i < a->len && i < b->len && !c; i++)
            c = strcmp(ka[i], kb[i]);
        if (!c && a->len != b->len)
            c = a->len < b->len ? -1 : 1;
        for (size_t i = 0; i < a->len && !c; i++)
            c = jcmp(obj_get(a, ka[i]), obj_get(b, ka[i]));
        free(ka);
        free(kb);
        return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    default: return 0;
    }
}

static bool truthy(jv *v)
{
    return v->t != J_NULL && v->t != J_FALSE;
}

/* ---- output ---- */

typedef struct jout {
    bool raw, compact, sort, tab, join, ascii;
} jout;

static void num_out(sx *o, double d)
{
    if (isnan(d)) {
        sx_adds(o, "null");
        return;
    }
    if (isinf(d)) {
        sx_adds(o, d > 0 ? "1.7976931348623157e+308" : "-1.7976931348623157e+308");
        return;
    }
    char buf[64];
    if (d == trunc(d) && fabs(d) < 1e17)
        snprintf(buf, sizeof buf, "%.0f", d);
    else
        snprintf(buf, sizeof buf, "%.17g", d);
    if (strcmp(buf, "-0") == 0)
        strcpy(buf, "-0");
    sx_adds(o, buf);
}

static void str_out(sx *o, const char *s, size_t n)
{
    sb tmp;
    sb_init(&tmp);
    jw_str(&tmp, s, n);
    sx_add(o, sb_str(&tmp), tmp.len);
    sb_free(&tmp);
}

static void jdump(sx *o, jv *v, const jout *f, int indent)
{
    switch (v->t) {
    case J_NULL: sx_adds(o, "null"); break;
    case J_FALSE: sx_adds(o, "false"); break;
    case J_TRUE: sx_adds(o, "true"); break;
    case J_NUM: num_out(o, v->n); break;
    case J_STR: str_out(o, v->s, v->len); break;
    case J_ARR:
    case J_OBJ: {
        bool obj = v->t == J_OBJ;
        if (v->len == 0) {
            sx_adds(o, obj ? "{}" : "[]");
            break;
        }
        sx_addc(o, obj ? '{' : '[');
        char **keys = obj && f->sort ? sorted_keys(v) : NULL;
        for (size_t i = 0; i < v->len; i++) {
            if (i)
                sx_addc(o, ',');
            if (!f->compact) {
                sx_addc(o, '\n');
                for (int k = 0; k < indent + 1; k++)
                    sx_adds(o, f->tab ? "\t" : "  ");
            }
            jv *x = v->items[i];
            if (obj) {
                const char *k = keys ? keys[i] : v->keys[i];
                if (keys)
                    x = obj_get(v, k);
                str_out(o, k, strlen(k));
                sx_adds(o, f->compact ? ":" : ": ");
            }
            jdump(o, x, f, indent + 1);
        }
        free(keys);
        if (!f->compact) {
            sx_addc(o, '\n');
            for (int k = 0; k < indent; k++)
                sx_adds(o, f->tab ? "\t" : "  ");
        }
        sx_addc(o, obj ? '}' : ']');
        break;
    }
    default: break;
    }
}

static jv *tojson(jv *v)
{
    sx o;
    sx_init(&o);
    jout f = {false, true, false, false, false, false};
    jdump(&o, v, &f, 0);
    jv *r = jstrn(o.s, o.len);
    sx_free(&o);
    return r;
}

/* ---- filters ---- */

enum {
    Q_IDENT, Q_RECURSE, Q_FIELD, Q_INDEX, Q_SLICE, Q_ITER, Q_PIPE, Q_COMMA, Q_LIT, Q_STR,
    Q_ARRAY, Q_OBJECT, Q_NEG, Q_BIN, Q_AND, Q_OR, Q_ALT, Q_IF, Q_TRY, Q_REDUCE, Q_FOREACH,
    Q_AS, Q_VAR, Q_CALL, Q_FORMAT, Q_OPT, Q_ASSIGN
};

typedef struct qn qn;
struct qn {
    int k;
    int op;          /* binary operator / assignment kind */
    qn *a, *b, *c, *d;
    jv *lit;
    char *name;
    qn **args;       /* Q_CALL arguments, Q_STR parts, Q_OBJECT keys+values */
    int nargs;
};

typedef struct jfunc {
    char *name;
    char **params;
    int nparams;
    qn *body;
    struct jfunc *next;
} jfunc;

typedef struct qp {
    const char *s;
    size_t i, n;
    bool err;
    char msg[200];
    jfunc *funcs;
    int depth;
    int no_as;     /* >0 while parsing the source of reduce/foreach */
} qp;

static qn *qnew(int k)
{
    qn *n = xcalloc(1, sizeof *n);
    n->k = k;
    return n;
}

static void qfree(qn *n)
{
    if (!n)
        return;
    qfree(n->a);
    qfree(n->b);
    qfree(n->c);
    qfree(n->d);
    if (n->lit)
        junref(n->lit);
    free(n->name);
    for (int i = 0; i < n->nargs; i++)
        qfree(n->args[i]);
    free(n->args);
    free(n);
}

static void qerr(qp *p, const char *m)
{
    if (!p->err)
        snprintf(p->msg, sizeof p->msg, "syntax error at offset %zu: %s", p->i, m);
    p->err = true;
}

static void qws(qp *p)
{
    for (;;) {
        while (p->i < p->n && isspace((unsigned char)p->s[p->i]))
            p->i++;
        if (p->i < p->n && p->s[p->i] == '#') {
            while (p->i < p->n && p->s[p->i] != '\n')
                p->i++;
            continue;
        }
        break;
    }
}

static bool qpeek(qp *p, const char *t)
{
    qws(p);
    size_t n = strlen(t);
    if (p->i + n > p->n || strncmp(p->s + p->i, t, n) != 0)
        return false;
    if (isalpha((unsigned char)t[0])) {
        char c = p->i + n < p->n ? p->s[p->i + n] : 0;
        if (isalnum((unsigned char)c) || c == '_')
            return false;
    }
    return true;
}

static bool qaccept(qp *p, const char *t)
{
    if (!qpeek(p, t))
        return false;
    p->i += strlen(t);
    return true;
}

static void qexpect(qp *p, const char *t)
{
    if (!qaccept(p, t)) {
        char m[64];
        snprintf(m, sizeof m, "expected '%s'", t);
        qerr(p, m);
    }
}

static char *qident(qp *p)
{
    qws(p);
    size_t b = p->i;
    while (p->i < p->n && (isalnum((unsigned char)p->s[p->i]) || p->s[p->i] == '_' ||
                           (p->s[p->i] == ':' && p->i + 1 < p->n && p->s[p->i + 1] == ':')))
        p->i += p->s[p->i] == ':' ? 2 : 1;
    if (b == p->i)
        return NULL;
    return xstrndup(p->s + b, p->i - b);
}

static qn *parse_pipe(qp *p);
static qn *parse_postfix(qp *p);

/* A string literal; with interpolation it becomes Q_STR with parts. */
static qn *parse_string(qp *p, const char *fmt)
{
    p->i++; /* opening quote */
    qn *n = qnew(Q_STR);
    if (fmt)
        n->name = xstrdup(fmt);
    sx cur;
    sx_init(&cur);
    while (p->i < p->n && p->s[p->i] != '"') {
        char c = p->s[p->i++];
        if (c != '\\') {
            sx_addc(&cur, c);
            continue;
        }
        if (p->i >= p->n)
            break;
        c = p->s[p->i++];
        if (c == '(') {
            qn *lit = qnew(Q_LIT);
            lit->lit = jstrn(cur.s, cur.len);
            sx_reset(&cur);
            n->args = xrealloc(n->args, sizeof *n->args * (size_t)(n->nargs + 2));
            n->args[n->nargs++] = lit;
            qn *e = parse_pipe(p);
            qexpect(p, ")");
            n->args[n->nargs++] = e;
            continue;
        }
        switch (c) {
        case 'n': sx_addc(&cur, '\n'); break;
        case 't': sx_addc(&cur, '\t'); break;
        case 'r': sx_addc(&cur, '\r'); break;
        case 'b': sx_addc(&cur, '\b'); break;
        case 'f': sx_addc(&cur, '\f'); break;
        case 'u': {
            unsigned v = 0;
            for (int k = 0; k < 4 && p->i < p->n; k++) {
                char h = p->s[p->i++];
                v = v * 16 + (unsigned)(isdigit((unsigned char)h) ? h - '0' : (tolower((unsigned char)h) - 'a' + 10));
            }
            if (v < 0x80) sx_addc(&cur, (char)v);
            else if (v < 0x800) { sx_addc(&cur, (char)(0xC0 | (v >> 6))); sx_addc(&cur, (char)(0x80 | (v & 63))); }
            else { sx_addc(&cur, (char)(0xE0 | (v >> 12))); sx_addc(&cur, (char)(0x80 | ((v >> 6) & 63))); sx_addc(&cur, (char)(0x80 | (v & 63))); }
            break;
        }
        default: sx_addc(&cur, c); break;
        }
    }
    if (p->i >= p->n) {
        qerr(p, "unterminated string");
        sx_free(&cur);
        return n;
    }
    p->i++;
    if (n->nargs == 0) {
        n->k = Q_LIT;
        n->lit = jstrn(cur.s, cur.len);
    } else {
        qn *lit = qnew(Q_LIT);
        lit->lit = jstrn(cur.s, cur.len);
        n->args = xrealloc(n->args, sizeof *n->args * (size_t)(n->nargs + 1));
        n->args[n->nargs++] = lit;
    }
    sx_free(&cur);
    return n;
}

static qn *parse_primary(qp *p)
{
    qws(p);
    if (p->err || p->i >= p->n) {
        qerr(p, "unexpected end of filter");
        return NULL;
    }
    if (++p->depth > 200) {
        qerr(p, "filter nesting too deep");
        return NULL;
    }
    qn *n = NULL;
    char c = p->s[p->i];
    if (c == '.' && p->i + 1 < p->n && p->s[p->i + 1] == '.') {
        p->i += 2;
        n = qnew(Q_RECURSE);
    } else if (c == '.') {
        p->i++;
        qws(p);
        n = qnew(Q_IDENT);
        if (p->i < p->n && (isalpha((unsigned char)p->s[p->i]) || p->s[p->i] == '_')) {
            char *id = qident(p);
            qn *f = qnew(Q_FIELD);
            f->a = n;
            f->name = id;
            n = f;
        } else if (p->i < p->n && p->s[p->i] == '"') {
            qn *s = parse_string(p, NULL);
            qn *f = qnew(Q_INDEX);
            f->a = n;
            f->b = s;
            n = f;
        }
    } else if (c == '$') {
        p->i++;
        char *id = qident(p);
        if (!id) {
            qerr(p, "expected variable name");
            return NULL;
        }
        n = qnew(Q_VAR);
        n->name = id;
    } else if (c == '"') {
        n = parse_string(p, NULL);
    } else if (c == '@') {
        p->i++;
        char *id = qident(p);
        qws(p);
        if (p->i < p->n && p->s[p->i] == '"') {
            n = parse_string(p, id);
            if (n->k == Q_LIT) {
                /* a literal under a format is just the literal */
            }
            free(id);
        } else {
            n = qnew(Q_FORMAT);
            n->name = id;
        }
    } else if (isdigit((unsigned char)c) || (c == '-' && false)) {
        char *end;
        double d = strtod(p->s + p->i, &end);
        p->i = (size_t)(end - p->s);
        n = qnew(Q_LIT);
        n->lit = jnum(d);
    } else if (c == '(') {
        p->i++;
        n = parse_pipe(p);
        qexpect(p, ")");
    } else if (c == '[') {
        p->i++;
        n = qnew(Q_ARRAY);
        if (!qaccept(p, "]")) {
            n->a = parse_pipe(p);
            qexpect(p, "]");
        }
    } else if (c == '{') {
        p->i++;
        n = qnew(Q_OBJECT);
        while (!p->err && !qaccept(p, "}")) {
            qws(p);
            qn *key = NULL, *val = NULL;
            if (p->i < p->n && p->s[p->i] == '"') {
                key = parse_string(p, NULL);
            } else if (p->i < p->n && p->s[p->i] == '(') {
                p->i++;
                key = parse_pipe(p);
                qexpect(p, ")");
            } else if (p->i < p->n && p->s[p->i] == '$') {
                p->i++;
                char *id = qident(p);
                key = qnew(Q_LIT);
                key->lit = jstr(id ? id : "");
                val = qnew(Q_VAR);
                val->name = id;
            } else {
                char *id = qident(p);
                if (!id) {
                    qerr(p, "expected object key");
                    break;
                }
                key = qnew(Q_LIT);
                key->lit = jstr(id);
                free(id);
            }
            if (!val) {
                if (qaccept(p, ":")) {
                    /* value: a postfix expression or alternation without comma */
                    val = parse_postfix(p);
                    while (!p->err && (qpeek(p, "|") && !qpeek(p, "||"))) {
                        /* pipes inside object values need parentheses in jq */
                        break;
                    }
                } else {
                    /* {a} is {a: .a} */
                    val = qnew(Q_INDEX);
                    val->a = qnew(Q_IDENT);
                    val->b = qnew(Q_LIT);
                    val->b->lit = jref(key->lit ? key->lit : &jnull);
                }
            }
            n->args = xrealloc(n->args, sizeof *n->args * (size_t)(n->nargs + 2));
            n->args[n->nargs++] = key;
            n->args[n->nargs++] = val;
            if (!qaccept(p, ",")) {
                qexpect(p, "}");
                break;
            }
        }
    } else if (qaccept(p, "if")) {
        n = qnew(Q_IF);
        n->a = parse_pipe(p);
        qexpect(p, "then");
        n->b = parse_pipe(p);
        qn *cur = n;
        while (qaccept(p, "elif")) {
            qn *e = qnew(Q_IF);
            e->a = parse_pipe(p);
            qexpect(p, "then");
            e->b = parse_pipe(p);
            cur->c = e;
            cur = e;
        }
        if (qaccept(p, "else"))
            cur->c = parse_pipe(p);
        qexpect(p, "end");
    } else if (qaccept(p, "try")) {
        n = qnew(Q_TRY);
        n->a = parse_postfix(p);
        if (qaccept(p, "catch"))
            n->b = parse_postfix(p);
    } else if (qaccept(p, "reduce") || qaccept(p, "foreach")) {
        bool fe = p->s[p->i - 1] == 'h';
        n = qnew(fe ? Q_FOREACH : Q_REDUCE);
        p->no_as++;
        n->a = parse_postfix(p);
        p->no_as--;
        qexpect(p, "as");
        qws(p);
        if (!qaccept(p, "$")) {
            qerr(p, "expected $name");
            return n;
        }
        n->name = qident(p);
        qexpect(p, "(");
        n->b = parse_pipe(p);
        qexpect(p, ";");
        n->c = parse_pipe(p);
        if (fe && qaccept(p, ";"))
            n->d = parse_pipe(p);
        qexpect(p, ")");
    } else if (qaccept(p, "def")) {
        char *name = qident(p);
        jfunc *f = xcalloc(1, sizeof *f);
        f->name = name ? name : xstrdup("");
        if (qaccept(p, "(")) {
            do {
                qaccept(p, "$");
                char *pn = qident(p);
                if (!pn) {
                    qerr(p, "expected parameter");
                    break;
                }
                f->params = xrealloc(f->params, sizeof *f->params * (size_t)(f->nparams + 1));
                f->params[f->nparams++] = pn;
            } while (qaccept(p, ";"));
            qexpect(p, ")");
        }
        qexpect(p, ":");
        f->next = p->funcs;
        p->funcs = f;
        f->body = parse_pipe(p);
        qexpect(p, ";");
        n = parse_pipe(p);
    } else if (isalpha((unsigned char)c) || c == '_') {
        char *id = qident(p);
        if (strcmp(id, "true") == 0 || strcmp(id, "false") == 0 || strcmp(id, "null") == 0) {
            n = qnew(Q_LIT);
            n->lit = id[0] == 't' ? &jtrue : id[0] == 'f' ? &jfalse : &jnull;
            free(id);
        } else {
            n = qnew(Q_CALL);
            n->name = id;
            if (qaccept(p, "(")) {
                do {
                    n->args = xrealloc(n->args, sizeof *n->args * (size_t)(n->nargs + 1));
                    n->args[n->nargs++] = parse_pipe(p);
                } while (!p->err && qaccept(p, ";"));
                qexpect(p, ")");
            }
        }
    } else {
        char m[32];
        snprintf(m, sizeof m, "unexpected '%c'", c);
        qerr(p, m);
    }
    p->depth--;
    return n;
}

static qn *parse_postfix(qp *p)
{
    qn *n = parse_primary(p);
    for (;;) {
        if (p->err || !n)
            return n;
        qws(p);
        if (p->i >= p->n)
            return n;
        char c = p->s[p->i];
        if (c == '.' && p->i + 1 < p->n && (isalpha((unsigned char)p->s[p->i + 1]) || p->s[p->i + 1] == '_' || p->s[p->i + 1] == '"')) {
            p->i++;
            if (p->s[p->i] == '"') {
                qn *s = parse_string(p, NULL);
                qn *f = qnew(Q_INDEX);
                f->a = n;
                f->b = s;
                n = f;
            } else {
                qn *f = qnew(Q_FIELD);
                f->a = n;
                f->name = qident(p);
                n = f;
            }
        } else if (c == '[' || (c == '.' && p->i + 1 < p->n && p->s[p->i + 1] == '[')) {
            if (c == '.')
                p->i++;
            p->i++;
            if (qaccept(p, "]")) {
                qn *f = qnew(Q_ITER);
                f->a = n;
                n = f;
                continue;
            }
            qn *from = NULL, *to = NULL;
            if (!qpeek(p, ":"))
                from = parse_pipe(p);
            if (qaccept(p, ":")) {
                if (!qpeek(p, "]"))
                    to = parse_pipe(p);
                qn *f = qnew(Q_SLICE);
                f->a = n;
                f->b = from;
                f->c = to;
                n = f;
            } else {
                qn *f = qnew(Q_INDEX);
                f->a = n;
                f->b = from;
                n = f;
            }
            qexpect(p, "]");
        } else if (c == '?') {
            p->i++;
            qn *f = qnew(Q_TRY);
            f->a = n;
            n = f;
        } else if (!p->no_as && qpeek(p, "as")) {
            p->i += 2;
            qws(p);
            if (!qaccept(p, "$")) {
                qerr(p, "expected $name after as");
                return n;
            }
            qn *f = qnew(Q_AS);
            f->name = qident(p);
            f->a = n;
            qexpect(p, "|");
            f->b = parse_pipe(p);
            return f;
        } else {
            return n;
        }
    }
}

static qn *parse_unary(qp *p)
{
    qws(p);
    if (p->i < p->n && p->s[p->i] == '-' ) {
        p->i++;
        qn *n = qnew(Q_NEG);
        n->a = parse_postfix(p);
        return n;
    }
    return parse_postfix(p);
}

static qn *bin(int op, qn *a, qn *b)
{
    qn *n = qnew(Q_BIN);
    n->op = op;
    n->a = a;
    n->b = b;
    return n;
}

static qn *parse_mul(qp *p)
{
    qn *n = parse_unary(p);
    for (;;) {
        qws(p);
        if (p->i < p->n && (p->s[p->i] == '*' || p->s[p->i] == '%' ||
                            (p->s[p->i] == '/' && !(p->i + 1 < p->n && p->s[p->i + 1] == '/')))) {
            if (p->i + 1 < p->n && p->s[p->i + 1] == '=')
                return n;
            char op = p->s[p->i++];
            n = bin(op, n, parse_unary(p));
        } else {
            return n;
        }
    }
}

static qn *parse_add(qp *p)
{
    qn *n = parse_mul(p);
    for (;;) {
        qws(p);
        if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-') &&
            !(p->i + 1 < p->n && p->s[p->i + 1] == '=')) {
            char op = p->s[p->i++];
            n = bin(op, n, parse_mul(p));
        } else {
            return n;
        }
    }
}

static qn *parse_cmp(qp *p)
{
    qn *n = parse_add(p);
    static const char *const ops[] = {"==", "!=", "<=", ">=", "<", ">", NULL};
    for (int k = 0; ops[k]; k++)
        if (qaccept(p, ops[k]))
            return bin('A' + k, n, parse_add(p));
    return n;
}

static qn *parse_and(qp *p)
{
    qn *n = parse_cmp(p);
    while (qaccept(p, "and")) {
        qn *x = qnew(Q_AND);
        x->a = n;
        x->b = parse_cmp(p);
        n = x;
    }
    return n;
}

static qn *parse_or(qp *p)
{
    qn *n = parse_and(p);
    while (qaccept(p, "or")) {
        qn *x = qnew(Q_OR);
        x->a = n;
        x->b = parse_and(p);
        n = x;
    }
    return n;
}

static qn *parse_alt(qp *p)
{
    qn *n = parse_or(p);
    if (qaccept(p, "//")) {
        qn *x = qnew(Q_ALT);
        x->a = n;
        x->b = parse_alt(p);
        return x;
    }
    return n;
}

static qn *parse_assign(qp *p)
{
    qn *n = parse_alt(p);
    static const char *const ops[] = {"|=", "+=", "-=", "*=", "/=", "//=", "=", NULL};
    for (int k = 0; ops[k]; k++) {
        if (qpeek(p, ops[k]) && !(k == 6 && qpeek(p, "=="))) {
            p->i += strlen(ops[k]);
            qn *x = qnew(Q_ASSIGN);
            x->op = k;
            x->a = n;
            x->b = parse_alt(p);
            return x;
        }
    }
    return n;
}

static qn *parse_comma(qp *p)
{
    qn *n = parse_assign(p);
    while (!p->err && qaccept(p, ",")) {
        qn *x = qnew(Q_COMMA);
        x->a = n;
        x->b = parse_assign(p);
        n = x;
    }
    return n;
}

static qn *parse_pipe(qp *p)
{
    qn *n = parse_comma(p);
    while (!p->err && qpeek(p, "|") && !qpeek(p, "|=")) {
        p->i++;
        qn *x = qnew(Q_PIPE);
        x->a = n;
        x->b = parse_comma(p);
        n = x;
    }
    return n;
}

/* ---- evaluation ---- */

typedef struct jenv {
    const char *name;
    jv *v;
    struct jenv *next;
} jenv;

/* A closure argument: the filter and the environment it was written in. */
typedef struct jclos {
    qn *f;
    jenv *env;
    struct jctx_frame *frame;
} jclos;

typedef struct jctx_frame {
    jfunc *fn;
    jclos *args;
    struct jctx_frame *up;
} jctx_frame;

typedef struct jq {
    ucmd *u;
    jfunc *funcs;
    char err[256];
    bool failed;
    int depth;
    jv *named_args;
} jq;

typedef int (*emit_fn)(jq *q, jv *v, void *ctx); /* consumes v; non-zero stops */

static int ev(jq *q, qn *n, jv *in, jenv *env, jctx_frame *fr, emit_fn emit, void *ctx);

static void jerr(jq *q, const char *fmt, const char *a, const char *b)
{
    if (q->failed)
        return;
    q->failed = true;
    char m[200];
    snprintf(m, sizeof m, "%s", fmt);
    sx s;
    sx_init(&s);
    const char *p1 = strstr(m, "%1"), *p2 = strstr(m, "%2");
    for (const char *c = m; *c; c++) {
        if (c == p1) {
            sx_adds(&s, a ? a : "");
            c++;
        } else if (c == p2) {
            sx_adds(&s, b ? b : "");
            c++;
        } else {
            sx_addc(&s, *c);
        }
    }
    snprintf(q->err, sizeof q->err, "%s", s.s);
    sx_free(&s);
}

static const char *tname(jv *v)
{
    switch (v->t) {
    case J_NULL: return "null";
    case J_FALSE:
    case J_TRUE: return "boolean";
    case J_NUM: return "number";
    case J_STR: return "string";
    case J_ARR: return "array";
    default: return "object";
    }
}

/* Collects every output of a filter into an array (new ref). */
static int collect_cb(jq *q, jv *v, void *ctx)
{
    (void)q;
    arr_push(ctx, v);
    return 0;
}

static jv *collect(jq *q, qn *n, jv *in, jenv *env, jctx_frame *fr)
{
    jv *a = jnew(J_ARR);
    ev(q, n, in, env, fr, collect_cb, a);
    return a;
}

/* The first output (new ref) or NULL. */
static int first_cb(jq *q, jv *v, void *ctx)
{
    (void)q;
    *(jv **)ctx = v;
    return 1;
}

static jv *first(jq *q, qn *n, jv *in, jenv *env, jctx_frame *fr)
{
    jv *r = NULL;
    ev(q, n, in, env, fr, first_cb, &r);
    return r;
}

static jv *binop(jq *q, int op, jv *a, jv *b)
{
    if (op >= 'A' && op <= 'F') {
        int c = jcmp(a, b);
        switch (op) {
        case 'A': return jbool(c == 0);
        case 'B': return jbool(c != 0);
        case 'C': return jbool(c <= 0);
        case 'D': return jbool(c >= 0);
        case 'E': return jbool(c < 0);
        default: return jbool(c > 0);
        }
    }
    if (op == '+') {
        if (a->t == J_NULL)
            return jref(b);
        if (b->t == J_NULL)
            return jref(a);
        if (a->t == J_NUM && b->t == J_NUM)
            return jnum(a->n + b->n);
        if (a->t == J_STR && b->t == J_STR) {
            jv *r = jnew(J_STR);
            r->len = a->len + b->len;
            r->s = xmalloc(r->len + 1);
            memcpy(r->s, a->s, a->len);
            memcpy(r->s + a->len, b->s, b->len);
            r->s[r->len] = 0;
            return r;
        }
        if (a->t == J_ARR && b->t == J_ARR) {
            jv *r = jnew(J_ARR);
            for (size_t i = 0; i < a->len; i++)
                arr_push(r, jref(a->items[i]));
            for (size_t i = 0; i < b->len; i++)
                arr_push(r, jref(b->items[i]));
            return r;
        }
        if (a->t == J_OBJ && b->t == J_OBJ) {
            jv *r = jref(a);
            for (size_t i = 0; i < b->len; i++) {
                jv *x = obj_set(r, b->keys[i], jref(b->items[i]));
                junref(r);
                r = x;
            }
            return r;
        }
    } else if (op == '-') {
        if (a->t == J_NUM && b->t == J_NUM)
            return jnum(a->n - b->n);
        if (a->t == J_ARR && b->t == J_ARR) {
            jv *r = jnew(J_ARR);
            for (size_t i = 0; i < a->len; i++) {
                bool found = false;
                for (size_t k = 0; k < b->len && !found; k++)
                    found = jcmp(a->items[i], b->items[k]) == 0;
                if (!found)
                    arr_push(r, jref(a->items[i]));
            }
            return r;
        }
    } else if (op == '*') {
        if (a->t == J_NUM && b->t == J_NUM)
            return jnum(a->n * b->n);
        if ((a->t == J_STR && b->t == J_NUM) || (a->t == J_NUM && b->t == J_STR)) {
            jv *s = a->t == J_STR ? a : b;
            double k = a->t == J_NUM ? a->n : b->n;
            if (k <= 0)
                return &jnull;
            sx o;
            sx_init(&o);
            for (int i = 0; i < (int)k && o.len < SH_MAX_STRING; i++)
                sx_add(&o, s->s, s->len);
            jv *r = jstrn(o.s, o.len);
            sx_free(&o);
            return r;
        }
        if (a->t == J_OBJ && b->t == J_OBJ) {
            jv *r = jref(a);
            for (size_t i = 0; i < b->len; i++) {
                jv *old = obj_get(r, b->keys[i]);
                jv *nv = old && old->t == J_OBJ && b->items[i]->t == J_OBJ
                             ? binop(q, '*', old, b->items[i])
                             : jref(b->items[i]);
                jv *x = obj_set(r, b->keys[i], nv);
                junref(r);
                r = x;
            }
            return r;
        }
    } else if (op == '/') {
        if (a->t == J_NUM && b->t == J_NUM) {
            if (b->n == 0) {
                jerr(q, "number and number cannot be divided because the divisor is zero", NULL, NULL);
                return &jnull;
            }
            return jnum(a->n / b->n);
        }
        if (a->t == J_STR && b->t == J_STR) {
            jv *r = jnew(J_ARR);
            if (a->len == 0)
                return r;
            size_t s = 0;
            for (size_t i = 0; b->len && i + b->len <= a->len;) {
                if (memcmp(a->s + i, b->s, b->len) == 0) {
                    arr_push(r, jstrn(a->s + s, i - s));
                    i += b->len;
                    s = i;
                } else {
                    i++;
                }
            }
            arr_push(r, jstrn(a->s + s, a->len - s));
            return r;
        }
    } else if (op == '%') {
        if (a->t == J_NUM && b->t == J_NUM) {
            long long y = (long long)b->n;
            if (y == 0) {
                jerr(q, "number and number cannot be divided because the divisor is zero", NULL, NULL);
                return &jnull;
            }
            long long x = (long long)a->n;
            if (y == -1)
                return jnum(0);
            return jnum((double)(x % (y < 0 ? -y : y)));
        }
    }
    char m[128];
    snprintf(m, sizeof m, "%s and %s cannot be %s", tname(a), tname(b),
             op == '+' ? "added" : op == '-' ? "subtracted" : op == '*' ? "multiplied" : "divided");
    jerr(q, m, NULL, NULL);
    return &jnull;
}

static jv *index_of(jq *q, jv *t, jv *k)
{
    if (t->t == J_NULL)
        return &jnull;
    if (t->t == J_OBJ && k->t == J_STR) {
        jv *x = obj_get(t, k->s);
        return x ? jref(x) : &jnull;
    }
    if (t->t == J_ARR && k->t == J_NUM) {
        long long i = (long long)floor(k->n);
        if (i < 0)
            i += (long long)t->len;
        if (i < 0 || i >= (long long)t->len)
            return &jnull;
        return jref(t->items[i]);
    }
    char m[128];
    snprintf(m, sizeof m, "Cannot index %s with %s", tname(t), k->t == J_STR ? "string \"%1\"" : tname(k));
    jerr(q, m, k->t == J_STR ? k->s : NULL, NULL);
    return NULL;
}

typedef struct pipe_ctx {
    jq *q;
    qn *next;
    jenv *env;
    jctx_frame *fr;
    emit_fn emit;
    void *ctx;
} pipe_ctx;

static int pipe_cb(jq *q, jv *v, void *c)
{
    pipe_ctx *p = c;
    int r = ev(q, p->next, v, p->env, p->fr, p->emit, p->ctx);
    junref(v);
    return r;
}

static int emit_iter(jq *q, jv *t, emit_fn emit, void *ctx)
{
    if (t->t != J_ARR && t->t != J_OBJ) {
        jerr(q, "Cannot iterate over %1", tname(t), NULL);
        return 1;
    }
    for (size_t i = 0; i < t->len; i++)
        if (emit(q, jref(t->items[i]), ctx))
            return 1;
    return 0;
}

static int recurse_emit(jq *q, jv *v, emit_fn emit, void *ctx, int depth)
{
    if (depth > 500)
        return 1;
    if (emit(q, jref(v), ctx))
        return 1;
    if (v->t == J_ARR || v->t == J_OBJ)
        for (size_t i = 0; i < v->len; i++)
            if (recurse_emit(q, v->items[i], emit, ctx, depth + 1))
                return 1;
    return 0;
}

static int call(jq *q, qn *n, jv *in, jenv *env, jctx_frame *fr, emit_fn emit, void *ctx);

/* Cartesian product for binary operators: for each b, for each a. */
typedef struct bin_ctx {
    qn *n;
    jv *in;
    jenv *env;
    jctx_frame *fr;
    emit_fn emit;
    void *ctx;
    jv *rhs;
} bin_ctx;

static int bin_lhs_cb(jq *q, jv *a, void *c)
{
    bin_ctx *b = c;
    jv *r = binop(q, b->n->op, a, b->rhs);
    junref(a);
    if (q->failed) {
        junref(r);
        return 1;
    }
    return b->emit(q, r, b->ctx);
}

static int bin_rhs_cb(jq *q, jv *r, void *c)
{
    bin_ctx *b = c;
    b->rhs = r;
    int x = ev(q, b->n->a, b->in, b->env, b->fr, bin_lhs_cb, b);
    junref(r);
    return x;
}

typedef struct obj_ctx {
    qn *n;
    jv *in;
    jenv *env;
    jctx_frame *fr;
    emit_fn emit;
    void *ctx;
    int i;
    jv *acc;
    jv *key;
} obj_ctx;

static int obj_step(jq *q, obj_ctx *o);

static int obj_val_cb(jq *q, jv *v, void *c)
{
    obj_ctx *o = c;
    obj_ctx next = *o;
    next.acc = obj_set(o->acc, o->key->s, v);
    next.i = o->i + 2;
    int r = obj_step(q, &next);
    junref(next.acc);
    return r;
}

static int obj_key_cb(jq *q, jv *k, void *c)
{
    obj_ctx *o = c;
    if (k->t != J_STR) {
        jerr(q, "Object keys must be strings", NULL, NULL);
        junref(k);
        return 1;
    }
    obj_ctx sub = *o;
    sub.key = k;
    int r = ev(q, o->n->args[o->i + 1], o->in, o->env, o->fr, obj_val_cb, &sub);
    junref(k);
    return r;
}

static int obj_step(jq *q, obj_ctx *o)
{
    if (o->i >= o->n->nargs)
        return o->emit(q, jref(o->acc), o->ctx);
    return ev(q, o->n->args[o->i], o->in, o->env, o->fr, obj_key_cb, o);
}

typedef struct str_ctx {
    qn *n;
    jv *in;
    jenv *env;
    jctx_frame *fr;
    emit_fn emit;
    void *ctx;
    int i;
    sx *acc;
} str_ctx;

static jv *format(jq *q, const char *fmt, jv *v);

static int str_step(jq *q, str_ctx *s);

static int str_part_cb(jq *q, jv *v, void *c)
{
    str_ctx *s = c;
    size_t save = s->acc->len;
    if (v->t == J_STR && (!s->n->name || (s->i % 2 == 0))) {
        sx_add(s->acc, v->s, v->len);
    } else {
        jv *t = s->n->name ? format(q, s->n->name, v) : (v->t == J_STR ? jref(v) : tojson(v));
        if (t && t->t == J_STR)
            sx_add(s->acc, t->s, t->len);
        junref(t);
    }
    junref(v);
    str_ctx next = *s;
    next.i = s->i + 1;
    int r = str_step(q, &next);
    s->acc->len = save;
    s->acc->s[save] = 0;
    return r;
}

static int str_step(jq *q, str_ctx *s)
{
    if (s->i >= s->n->nargs)
        return s->emit(q, jstrn(s->acc->s, s->acc->len), s->ctx);
    return ev(q, s->n->args[s->i], s->in, s->env, s->fr, str_part_cb, s);
}

typedef struct reduce_ctx {
    qn *n;
    jenv *env;
    jctx_frame *fr;
    jv *acc;
    emit_fn emit;
    void *ctx;
} reduce_ctx;

static int reduce_cb(jq *q, jv *x, void *c)
{
    reduce_ctx *r = c;
    jenv e = {r->n->name, x, r->env};
    jv *nacc = NULL;
    jv *res = first(q, r->n->c, r->acc, &e, r->fr);
    /* jq keeps the last output; first is enough for the usual updates */
    nacc = res ? res : &jnull;
    junref(r->acc);
    r->acc = nacc;
    int stop = 0;
    if (r->n->k == Q_FOREACH) {
        if (r->n->d)
            stop = ev(q, r->n->d, r->acc, &e, r->fr, r->emit, r->ctx);
        else
            stop = r->emit(q, jref(r->acc), r->ctx);
    }
    junref(x);
    return stop || q->failed;
}

typedef struct as_ctx {
    qn *n;
    jv *in;
    jenv *env;
    jctx_frame *fr;
    emit_fn emit;
    void *ctx;
} as_ctx;

static int as_cb(jq *q, jv *x, void *c)
{
    as_ctx *a = c;
    jenv e = {a->n->name, x, a->env};
    int r = ev(q, a->n->b, a->in, &e, a->fr, a->emit, a->ctx);
    junref(x);
    return r;
}

typedef struct alt_ctx {
    emit_fn emit;
    void *ctx;
    bool any;
} alt_ctx;

static int alt_cb(jq *q, jv *v, void *c)
{
    alt_ctx *a = c;
    if (!truthy(v)) {
        junref(v);
        return 0;
    }
    a->any = true;
    return a->emit(q, v, a->ctx);
}

typedef struct if_ctx {
    qn *n;
    jv *in;
    jenv *env;
    jctx_frame *fr;
    emit_fn emit;
    void *ctx;
} if_ctx;

static int if_cb(jq *q, jv *c, void *x)
{
    if_ctx *f = x;
    bool t = truthy(c);
    junref(c);
    if (t)
        return ev(q, f->n->b, f->in, f->env, f->fr, f->emit, f->ctx);
    if (f->n->c)
        return ev(q, f->n->c, f->in, f->env, f->fr, f->emit, f->ctx);
    return f->emit(q, jref(f->in), f->ctx);
}

jv *jq_update_nested(jq *q, qn *outer, qn *step, jv *root, jv *(*fn)(jq *, jv *, void *),
                     void *arg, int depth);

/* Path-based update for `p |= f`, `p = v`, `p += v`: supports paths made of
 * .field, .[index], .[] and pipes of those. */
static jv *update(jq *q, qn *path, jv *root, jv *(*fn)(jq *, jv *, void *), void *arg, int depth)
{
    if (depth > 100 || q->failed)
        return jref(root);
    switch (path->k) {
    case Q_IDENT:
        return fn(q, root, arg);
    case Q_PIPE:
        return jq_update_nested(q, path->a, path->b, root, fn, arg, depth);
    case Q_FIELD:
    case Q_INDEX: {
        jv *key;
        if (path->k == Q_FIELD)
            key = jstr(path->name);
        else {
            key = first(q, path->b, root, NULL, NULL);
            if (!key)
                return jref(root);
        }
        /* the container is path->a applied to root */
        jv *res = NULL;
        if (path->a->k == Q_IDENT) {
            jv *cur = index_of(q, root, key);
            if (!cur) {
                junref(key);
                return jref(root);
            }
            jv *nv = fn(q, cur, arg);
            junref(cur);
            if (root->t == J_NULL && key->t == J_STR) {
                jv *o = jnew(J_OBJ);
                res = obj_set(o, key->s, nv);
                junref(o);
            } else if (root->t == J_OBJ && key->t == J_STR) {
                res = obj_set(root, key->s, nv);
            } else if ((root->t == J_ARR || root->t == J_NULL) && key->t == J_NUM) {
                jv *a = jnew(J_ARR);
                long long idx = (long long)key->n;
                if (idx < 0)
                    idx += (long long)(root->t == J_ARR ? root->len : 0);
                size_t len = root->t == J_ARR ? root->len : 0;
                size_t want = idx >= 0 && (size_t)idx >= len ? (size_t)idx + 1 : len;
                for (size_t i = 0; i < want && i < 1000000; i++) {
                    if ((long long)i == idx)
                        arr_push(a, jref(nv));
                    else
                        arr_push(a, i < len ? jref(root->items[i]) : &jnull);
                }
                junref(nv);
                res = a;
            } else {
                junref(nv);
                jerr(q, "Cannot update this path", NULL, NULL);
                res = jref(root);
            }
        } else {
            /* nested: rewrite as update(path->a, root, x -> update(key step)) */
            qn step = *path;
            qn ident = {0};
            ident.k = Q_IDENT;
            step.a = &ident;
            res = jq_update_nested(q, path->a, &step, root, fn, arg, depth);
        }
        junref(key);
        return res;
    }
    case Q_ITER: {
        if (path->a->k != Q_IDENT) {
            qn step = *path;
            qn ident = {0};
            ident.k = Q_IDENT;
            step.a = &ident;
            return jq_update_nested(q, path->a, &step, root, fn, arg, depth);
        }
        if (root->t == J_ARR) {
            jv *a = jnew(J_ARR);
            for (size_t i = 0; i < root->len; i++)
                arr_push(a, fn(q, root->items[i], arg));
            return a;
        }
        if (root->t == J_OBJ) {
            jv *o = jref(root);
            for (size_t i = 0; i < root->len; i++) {
                jv *x = obj_set(o, root->keys[i], fn(q, root->items[i], arg));
                junref(o);
                o = x;
            }
            return o;
        }
        jerr(q, "Cannot iterate over %1", tname(root), NULL);
        return jref(root);
    }
    case Q_TRY:
        return update(q, path->a, root, fn, arg, depth + 1);
    default:
        jerr(q, "Invalid path expression", NULL, NULL);
        return jref(root);
    }
}

typedef struct nest_arg {
    qn *step;
    jv *(*fn)(jq *, jv *, void *);
    void *arg;
    int depth;
} nest_arg;

static jv *nest_fn(jq *q, jv *v, void *a)
{
    nest_arg *n = a;
    return update(q, n->step, v, n->fn, n->arg, n->depth + 1);
}

jv *jq_update_nested(jq *q, qn *outer, qn *step, jv *root, jv *(*fn)(jq *, jv *, void *),
                     void *arg, int depth)
{
    nest_arg n = {step, fn, arg, depth};
    return update(q, outer, root, nest_fn, &n, depth + 1);
}

typedef struct upd_arg {
    qn *rhs;
    jv *rhs_val;
    int op;
    jenv *env;
    jctx_frame *fr;
    jv *dot;
} upd_arg;

static jv *upd_fn(jq *q, jv *cur, void *a)
{
    upd_arg *u = a;
    if (u->op == 0) { /* |= */
        jv *r = first(q, u->rhs, cur, u->env, u->fr);
        return r ? r : &jnull;
    }
    if (u->op == 6) /* = */
        return jref(u->rhs_val);
    if (u->op == 5) /* //= */
        return truthy(cur) ? jref(cur) : jref(u->rhs_val);
    static const char ops[] = {0, '+', '-', '*', '/'};
    return binop(q, ops[u->op], cur, u->rhs_val);
}

typedef struct step_ctx {
    qn *n;
    jv *in;
    jenv *env;
    jctx_frame *fr;
    emit_fn emit;
    void *ctx;
} step_ctx;

/* Applies one path step (.f, .[i], .[], .[a:b]) to one output t of the base. */
static int step_cb(jq *q, jv *t, void *c)
{
    step_ctx *sc = c;
    qn *n = sc->n;
    jv *in = sc->in;
    jenv *env = sc->env;
    jctx_frame *fr = sc->fr;
    emit_fn emit = sc->emit;
    void *ctx = sc->ctx;
    int r = 0;
    if (n->k == Q_ITER) {
        if (t->t != J_NULL)
            r = emit_iter(q, t, emit, ctx);
    } else if (n->k == Q_FIELD) {
        jv *k = jstr(n->name);
        jv *x = index_of(q, t, k);
        junref(k);
        r = x ? emit(q, x, ctx) : 1;
    } else if (n->k == Q_INDEX) {
        jv *k = first(q, n->b, in, env, fr);
        if (k) {
            jv *x = index_of(q, t, k);
            junref(k);
            r = x ? emit(q, x, ctx) : 1;
        }
    } else {
        jv *from = n->b ? first(q, n->b, in, env, fr) : NULL;
        jv *to = n->c ? first(q, n->c, in, env, fr) : NULL;
        long long len = t->t == J_STR ? (long long)t->len : t->t == J_ARR ? (long long)t->len : 0;
        long long b = from && from->t == J_NUM ? (long long)floor(from->n) : 0;
        long long e = to && to->t == J_NUM ? (long long)ceil(to->n) : len;
        if (b < 0) b += len;
        if (e < 0) e += len;
        if (b < 0) b = 0;
        if (e > len) e = len;
        if (e < b) e = b;
        junref(from);
        junref(to);
        if (t->t == J_STR) {
            r = emit(q, jstrn(t->s + b, (size_t)(e - b)), ctx);
        } else if (t->t == J_ARR) {
            jv *a = jnew(J_ARR);
            for (long long i = b; i < e; i++)
                arr_push(a, jref(t->items[i]));
            r = emit(q, a, ctx);
        } else if (t->t == J_NULL) {
            r = emit(q, &jnull, ctx);
        } else {
            jerr(q, "Cannot index %1 with object", tname(t), NULL);
            r = 1;
        }
    }
    junref(t);
    return r;
}

static int ev(jq *q, qn *n, jv *in, jenv *env, jctx_frame *fr, emit_fn emit, void *ctx)
{
    if (!n || q->failed)
        return 1;
    if (++q->depth > 400 || !sh_stack_ok(q->u->sh)) {
        q->depth--;
        jerr(q, "filter recursion too deep", NULL, NULL);
        return 1;
    }
    int r = 0;
    switch (n->k) {
    case Q_IDENT:
        r = emit(q, jref(in), ctx);
        break;
    case Q_RECURSE:
        r = recurse_emit(q, in, emit, ctx, 0);
        break;
    case Q_LIT:
        r = emit(q, jref(n->lit), ctx);
        break;
    case Q_FIELD:
    case Q_INDEX:
    case Q_ITER:
    case Q_SLICE: {
        step_ctx sc = {n, in, env, fr, emit, ctx};
        r = ev(q, n->a, in, env, fr, step_cb, &sc);
        break;
    }
    case Q_PIPE: {
        pipe_ctx p = {q, n->b, env, fr, emit, ctx};
        r = ev(q, n->a, in, env, fr, pipe_cb, &p);
        break;
    }
    case Q_COMMA:
        r = ev(q, n->a, in, env, fr, emit, ctx);
        if (!r)
            r = ev(q, n->b, in, env, fr, emit, ctx);
        break;
    case Q_STR: {
        sx acc;
        sx_init(&acc);
        str_ctx s = {n, in, env, fr, emit, ctx, 0, &acc};
        r = str_step(q, &s);
        sx_free(&acc);
        break;
    }
    case Q_ARRAY:
        r = emit(q, n->a ? collect(q, n->a, in, env, fr) : jnew(J_ARR), ctx);
        break;
    case Q_OBJECT: {
        jv *empty = jnew(J_OBJ);
        obj_ctx o = {n, in, env, fr, emit, ctx, 0, empty, NULL};
        r = obj_step(q, &o);
        junref(empty);
        break;
    }
    case Q_NEG: {
        jv *x = first(q, n->a, in, env, fr);
        if (x && x->t == J_NUM)
            r = emit(q, jnum(-x->n), ctx);
        else if (x) {
            jerr(q, "%1 cannot be negated", tname(x), NULL);
            r = 1;
        }
        junref(x);
        break;
    }
    case Q_BIN: {
        bin_ctx b = {n, in, env, fr, emit, ctx, NULL};
        r = ev(q, n->b, in, env, fr, bin_rhs_cb, &b);
        break;
    }
    case Q_AND:
    case Q_OR: {
        jv *x = first(q, n->a, in, env, fr);
        if (!x)
            break;
        bool t = truthy(x);
        junref(x);
        if (n->k == Q_AND && !t) {
            r = emit(q, &jfalse, ctx);
            break;
        }
        if (n->k == Q_OR && t) {
            r = emit(q, &jtrue, ctx);
            break;
        }
        jv *y = first(q, n->b, in, env, fr);
        if (!y)
            break;
        r = emit(q, jbool(truthy(y)), ctx);
        junref(y);
        break;
    }
    case Q_ALT: {
        alt_ctx a = {emit, ctx, false};
        bool saved = q->failed;
        r = ev(q, n->a, in, env, fr, alt_cb, &a);
        if (q->failed && !saved) {
            q->failed = false;
            r = 0;
        }
        if (!a.any && !r)
            r = ev(q, n->b, in, env, fr, emit, ctx);
        break;
    }
    case Q_IF: {
        if_ctx f = {n, in, env, fr, emit, ctx};
        r = ev(q, n->a, in, env, fr, if_cb, &f);
        break;
    }
    case Q_TRY: {
        r = ev(q, n->a, in, env, fr, emit, ctx);
        if (q->failed) {
            q->failed = false;
            if (n->b) {
                jv *msg = jstr(q->err);
                r = ev(q, n->b, msg, env, fr, emit, ctx);
                junref(msg);
            } else {
                r = 0;
            }
        }
        break;
    }
    case Q_REDUCE:
    case Q_FOREACH: {
        jv *init = first(q, n->b, in, env, fr);
        reduce_ctx rc = {n, env, fr, init ? init : &jnull, emit, ctx};
        ev(q, n->a, in, env, fr, reduce_cb, &rc);
        if (n->k == Q_REDUCE && !q->failed)
            r = emit(q, rc.acc, ctx);
        else
            junref(rc.acc);
        break;
    }
    case Q_AS: {
        as_ctx a = {n, in, env, fr, emit, ctx};
        r = ev(q, n->a, in, env, fr, as_cb, &a);
        break;
    }
    case Q_VAR: {
        jenv *e = env;
        while (e && strcmp(e->name, n->name) != 0)
            e = e->next;
        if (e) {
            r = emit(q, jref(e->v), ctx);
        } else if (strcmp(n->name, "ENV") == 0 || strcmp(n->name, "__prog_args") == 0) {
            jv *o = jnew(J_OBJ);
            strv ex = {0};
            var_export_list(q->u->sh, &ex);
            for (int i = 0; i < ex.n; i++) {
                char *eq = strchr(ex.v[i], '=');
                if (!eq)
                    continue;
                *eq = 0;
                jv *x = obj_set(o, ex.v[i], jstr(eq + 1));
                junref(o);
                o = x;
            }
            strv_free(&ex);
            r = emit(q, o, ctx);
        } else if (q->named_args && obj_get(q->named_args, n->name)) {
            r = emit(q, jref(obj_get(q->named_args, n->name)), ctx);
        } else {
            jerr(q, "$%1 is not defined", n->name, NULL);
            r = 1;
        }
        break;
    }
    case Q_FORMAT: {
        jv *x = format(q, n->name, in);
        r = x ? emit(q, x, ctx) : 1;
        break;
    }
    case Q_ASSIGN: {
        upd_arg ua = {n->b, NULL, n->op, env, fr, in};
        if (n->op != 0) {
            ua.rhs_val = first(q, n->b, in, env, fr);
            if (!ua.rhs_val)
                break;
        }
        jv *res = update(q, n->a, in, upd_fn, &ua, 0);
        junref(ua.rhs_val);
        if (!res) {
            jerr(q, "Invalid path expression", NULL, NULL);
            r = 1;
            break;
        }
        if (q->failed) {
            junref(res);
            r = 1;
            break;
        }
        r = emit(q, res, ctx);
        break;
    }
    case Q_CALL:
        r = call(q, n, in, env, fr, emit, ctx);
        break;
    default:
        break;
    }
    q->depth--;
    return r || q->failed;
}

#include "jq_builtins.inc"
