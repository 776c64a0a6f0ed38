/* expand.c: word expansion — tilde, parameters, command substitution,
 * arithmetic, field splitting, pathname expansion and quote removal.
 *
 * A raw word is walked once, producing bytes with a parallel flag per byte:
 * QUOTED bytes are literal for globbing and never split, SPLIT bytes came
 * from an unquoted expansion and are split on IFS, BREAK marks a hard field
 * boundary ("$@"), MARK records that quotes were present (so "" yields an
 * empty field). Splitting and globbing then work on that annotated string.
 */
#include "sh.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { F_QUOTED = 1, F_SPLIT = 2, F_BREAK = 4, F_MARK = 8 };

typedef struct xp {
    shell *sh;
    int flags;
    sx s;   /* bytes */
    sx f;   /* one flag byte per byte of s */
    bool err;
} xp;

static void put(xp *x, const char *p, size_t n, int fl)
{
    if (x->s.len + n > SH_MAX_STRING) {
        if (!x->err)
            sh_fatal(x->sh, 1, "expansion exceeds %u bytes", SH_MAX_STRING);
        x->err = true;
        return;
    }
    sx_add(&x->s, p, n);
    for (size_t i = 0; i < n; i++)
        sx_addc(&x->f, (char)fl);
}

static void putc_(xp *x, char c, int fl)
{
    put(x, &c, 1, fl);
}

static void mark(xp *x)
{
    putc_(x, 0, F_MARK | F_QUOTED);
}

static void brk(xp *x)
{
    putc_(x, 0, F_BREAK | F_QUOTED);
}

/* Value bytes produced by an expansion. */
static void put_value(xp *x, const char *v, size_t n, bool inq)
{
    put(x, v, n, inq ? F_QUOTED : F_SPLIT);
}

static int ex_text(xp *x, const char *s, size_t n, bool inq);

/* ---- parameters ---- */

static const char *ifs(shell *sh)
{
    const char *v = var_get(sh, "IFS");
    return v ? v : " \t\n";
}

/* Returns a malloc'd value, or NULL when unset. */
static char *param_value(shell *sh, const char *name, size_t n, bool *is_set)
{
    char buf[64];
    *is_set = true;
    if (n == 1) {
        switch (name[0]) {
        case '?':
            snprintf(buf, sizeof buf, "%d", sh->status);
            return xstrdup(buf);
        case '#':
            snprintf(buf, sizeof buf, "%d", sh->pos.n);
            return xstrdup(buf);
        case '$':
            return xstrdup("1");
        case '!':
            if (!sh->bg_pid) {
                *is_set = false;
                return NULL;
            }
            snprintf(buf, sizeof buf, "%ld", sh->bg_pid);
            return xstrdup(buf);
        case '-': {
            sx b;
            sx_init(&b);
            if (sh->opt_e) sx_addc(&b, 'e');
            if (sh->opt_f) sx_addc(&b, 'f');
            if (sh->opt_u) sx_addc(&b, 'u');
            if (sh->opt_x) sx_addc(&b, 'x');
            sx_addc(&b, 'c');
            return sx_take(&b) ;
        }
        case '0':
            return xstrdup(sh->arg0 ? sh->arg0 : "bash");
        case '@':
        case '*': {
            sx b;
            sx_init(&b);
            const char *is = ifs(sh);
            for (int i = 0; i < sh->pos.n; i++) {
                if (i && is[0])
                    sx_addc(&b, name[0] == '*' ? is[0] : ' ');
                sx_adds(&b, sh->pos.v[i]);
            }
            if (sh->pos.n == 0)
                *is_set = name[0] == '*' ? true : true;
            return sx_take(&b);
        }
        default:
            break;
        }
    }
    if (isdigit((unsigned char)name[0])) {
        long k = strtol(name, NULL, 10);
        if (k == 0)
            return xstrdup(sh->arg0 ? sh->arg0 : "bash");
        if (k <= sh->pos.n)
            return xstrdup(sh->pos.v[k - 1]);
        *is_set = false;
        return NULL;
    }
    char *nm = xstrndup(name, n);
    const char *v;
    char tmp[64];
    if (strcmp(nm, "RANDOM") == 0) {
        sh->rand_state = sh->rand_state * 1103515245u + 12345u;
        snprintf(tmp, sizeof tmp, "%u", (sh->rand_state >> 16) & 0x7fff);
        v = tmp;
    } else if (strcmp(nm, "LINENO") == 0) {
        snprintf(tmp, sizeof tmp, "%d", sh->lineno);
        v = tmp;
    } else if (strcmp(nm, "SECONDS") == 0) {
        snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)(sh_now_ms() / 1000));
        v = var_get(sh, nm) ? var_get(sh, nm) : tmp;
    } else {
        v = var_get(sh, nm);
    }
    free(nm);
    if (!v) {
        *is_set = false;
        return NULL;
    }
    return xstrdup(v);
}

static bool unset_error(xp *x, const char *name, size_t n)
{
    if (x->sh->opt_u) {
        if (n == 1 && (name[0] == '@' || name[0] == '*'))
            return false;
        sh_exit_error(x->sh, 1, "%.*s: unbound variable", (int)n, name);
        x->err = true;
        return true;
    }
    return false;
}

/* Expands the operand word of ${name OP word} to a plain string. */
static char *ex_operand(xp *x, const char *w, size_t n, int mode)
{
    xp y;
    memset(&y, 0, sizeof y);
    y.sh = x->sh;
    y.flags = mode;
    sx_init(&y.s);
    sx_init(&y.f);
    ex_text(&y, w, n, false);
    if (y.err)
        x->err = true;
    sx out;
    sx_init(&out);
    for (size_t i = 0; i < y.s.len; i++) {
        int fl = (unsigned char)y.f.s[i];
        if (fl & (F_MARK | F_BREAK))
            continue;
        char c = y.s.s[i];
        if ((mode & EX_PATTERN) && (fl & F_QUOTED) && strchr("*?[]\\", c))
            sx_addc(&out, '\\');
        sx_addc(&out, c);
    }
    sx_free(&y.s);
    sx_free(&y.f);
    return sx_take(&out);
}

/* Operand expanded in the caller's context (keeps quoting for :- and :+). */
static void ex_operand_inline(xp *x, const char *w, size_t n, bool inq)
{
    if (inq) {
        /* inside "...": the operand behaves like double-quoted text */
        xp y;
        memset(&y, 0, sizeof y);
        y.sh = x->sh;
        y.flags = x->flags;
        sx_init(&y.s);
        sx_init(&y.f);
        ex_text(&y, w, n, true);
        for (size_t i = 0; i < y.s.len; i++) {
            int fl = (unsigned char)y.f.s[i];
            if (fl & F_MARK)
                continue;
            putc_(x, y.s.s[i], fl | F_QUOTED);
        }
        if (y.err)
            x->err = true;
        sx_free(&y.s);
        sx_free(&y.f);
    } else {
        ex_text(x, w, n, false);
    }
}

static size_t find_op_end(const char *s, size_t n, size_t i, char stop)
{
    /* the first unquoted `stop` at top level */
    while (i < n) {
        char c = s[i];
        if (c == '\\' && i + 1 < n) {
            i += 2;
        } else if (c == '\'') {
            i = sh_scan_end(s, n, i + 1, '\'');
        } else if (c == '"') {
            i = sh_scan_end(s, n, i + 1, '"');
        } else if (c == '$' && i + 1 < n && s[i + 1] == '{') {
            i = sh_scan_end(s, n, i + 2, '{');
        } else if (c == '$' && i + 1 < n && s[i + 1] == '(') {
            if (i + 2 < n && s[i + 2] == '(')
                i = sh_scan_end(s, n, i + 3, 'A');
            else
                i = sh_scan_end(s, n, i + 2, '(');
        } else if (c == '`') {
            i = sh_scan_end(s, n, i + 1, '`');
        } else if (c == stop) {
            return i;
        } else {
            i++;
        }
    }
    return n;
}

static char *case_conv(const char *v, int how, bool all)
{
    char *r = xstrdup(v);
    for (size_t i = 0; r[i]; i++) {
        r[i] = (char)(how == '^' ? toupper((unsigned char)r[i]) : tolower((unsigned char)r[i]));
        if (!all)
            break;
    }
    return r;
}

static char *remove_affix(const char *v, const char *pat, bool suffix, bool longest)
{
    size_t n = strlen(v);
    if (!suffix) {
        if (longest) {
            for (size_t k = n + 1; k-- > 0;)
                if (pat_match(pat, v, k))
                    return xstrdup(v + k);
        } else {
            for (size_t k = 0; k <= n; k++)
                if (pat_match(pat, v, k))
                    return xstrdup(v + k);
        }
    } else {
        if (longest) {
            for (size_t k = 0; k <= n; k++)
                if (pat_match(pat, v + k, n - k))
                    return xstrndup(v, k);
        } else {
            for (size_t k = n + 1; k-- > 0;)
                if (pat_match(pat, v + k, n - k))
                    return xstrndup(v, k);
        }
    }
    return xstrdup(v);
}

static char *replace(const char *v, const char *pat, const char *rep, int mode)
{
    /* mode: '/' first, 'a' all, '#' anchored start, '%' anchored end */
    size_t n = strlen(v);
    sx out;
    sx_init(&out);
    if (mode == '#') {
        for (size_t k = n + 1; k-- > 0;)
            if (pat_match(pat, v, k)) {
                sx_adds(&out, rep);
                sx_adds(&out, v + k);
                return sx_take(&out);
            }
        sx_adds(&out, v);
        return sx_take(&out);
    }
    if (mode == '%') {
        for (size_t k = 0; k <= n; k++)
            if (pat_match(pat, v + k, n - k)) {
                sx_add(&out, v, k);
                sx_adds(&out, rep);
                return sx_take(&out);
            }
        sx_adds(&out, v);
        return sx_take(&out);
    }
    size_t i = 0;
    bool done = false;
    while (i < n) {
        size_t best = 0;
        bool found = false;
        if (!done) {
            for (size_t k = n - i + 1; k-- > 1;)
                if (pat_match(pat, v + i, k)) {
                    best = k;
                    found = true;
                    break;
                }
        }
        if (found) {
            sx_adds(&out, rep);
            i += best;
            if (mode == '/')
                done = true;
        } else {
            sx_addc(&out, v[i++]);
        }
    }
    return sx_take(&out);
}

static void put_positional_fields(xp *x, int from, int count, bool inq)
{
    bool first = true;
    for (int i = from; i < x->sh->pos.n && count != 0; i++, count--) {
        if (!first)
            brk(x);
        first = false;
        const char *v = i < 0 ? (x->sh->arg0 ? x->sh->arg0 : "bash") : x->sh->pos.v[i];
        put_value(x, v, strlen(v), inq);
        if (inq && !v[0])
            mark(x);
    }
}

/* ${...}: s[0..n) is the text between the braces. */
static void ex_brace(xp *x, const char *s, size_t n, bool inq)
{
    shell *sh = x->sh;
    size_t i = 0;
    bool length = false, indirect = false;
    if (n > 1 && s[0] == '#' && s[1] != '}' && !(n >= 2 && (s[1] == '-' || s[1] == '=' || s[1] == '?' || s[1] == '+') && n > 2)) {
        length = true;
        i = 1;
    } else if (n > 1 && s[0] == '!') {
        indirect = true;
        i = 1;
    }
    size_t nb = i;
    if (i < n && (isalpha((unsigned char)s[i]) || s[i] == '_')) {
        while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_'))
            i++;
    } else if (i < n && isdigit((unsigned char)s[i])) {
        while (i < n && isdigit((unsigned char)s[i]))
            i++;
    } else if (i < n && strchr("@*#?$!-0", s[i])) {
        i++;
    } else {
        sh_errf(sh, "${%.*s}: bad substitution", (int)n, s);
        x->err = true;
        sh->status = 1;
        return;
    }
    const char *name = s + nb;
    size_t nl = i - nb;
    bool multi = nl == 1 && (name[0] == '@' || (name[0] == '*' && !inq));
    if (length) {
        if (i != n) {
            sh_errf(sh, "${%.*s}: bad substitution", (int)n, s);
            x->err = true;
            return;
        }
        char buf[32];
        if (nl == 1 && (name[0] == '@' || name[0] == '*')) {
            snprintf(buf, sizeof buf, "%d", sh->pos.n);
        } else {
            bool set;
            char *v = param_value(sh, name, nl, &set);
            if (!set && unset_error(x, name, nl))
                return;
            size_t cnt = 0;
            for (const char *p = v ? v : ""; *p; p++)
                if (((unsigned char)*p & 0xC0) != 0x80)
                    cnt++;
            snprintf(buf, sizeof buf, "%zu", cnt);
            free(v);
        }
        put_value(x, buf, strlen(buf), inq);
        return;
    }
    bool set;
    char *v;
    if (indirect) {
        char *ref = param_value(sh, name, nl, &set);
        if (ref && sh_is_name(ref, strlen(ref)))
            v = param_value(sh, ref, strlen(ref), &set);
        else if (ref && ref[0] && isdigit((unsigned char)ref[0]))
            v = param_value(sh, ref, strlen(ref), &set);
        else {
            v = NULL;
            set = false;
        }
        free(ref);
    } else {
        v = param_value(sh, name, nl, &set);
    }
    if (nl == 1 && (name[0] == '@' || name[0] == '*'))
        set = sh->pos.n > 0;
    if (i == n) {
        if (!set && unset_error(x, name, nl)) {
            free(v);
            return;
        }
        if (multi)
            put_positional_fields(x, 0, -1, inq);
        else if (v)
            put_value(x, v, strlen(v), inq);
        free(v);
        return;
    }
    /* operators */
    char op = s[i];
    bool colon = false;
    if (op == ':' && i + 1 < n && strchr("-=?+", s[i + 1])) {
        colon = true;
        op = s[++i];
    }
    const char *w = s + i + 1;
    size_t wn = n - i - 1;
    bool empty = !set || (colon && (!v || !v[0]) &&
                          !(multi && sh->pos.n > 0 && !(sh->pos.n == 1 && !sh->pos.v[0][0])));
    switch (op) {
    case '-':
        if (empty)
            ex_operand_inline(x, w, wn, inq);
        else if (multi)
            put_positional_fields(x, 0, -1, inq);
        else
            put_value(x, v, strlen(v), inq);
        free(v);
        return;
    case '+':
        if (!empty)
            ex_operand_inline(x, w, wn, inq);
        free(v);
        return;
    case '=': {
        if (empty) {
            char *nv = ex_operand(x, w, wn, EX_NOSPLIT | EX_NOGLOB);
            if (!sh_is_name(name, nl)) {
                sh_errf(sh, "$%.*s: cannot assign in this way", (int)nl, name);
                x->err = true;
                free(nv);
                free(v);
                return;
            }
            char *nm = xstrndup(name, nl);
            var_set(sh, nm, nv, 0);
            free(nm);
            put_value(x, nv, strlen(nv), inq);
            free(nv);
        } else {
            put_value(x, v, strlen(v), inq);
        }
        free(v);
        return;
    }
    case '?':
        if (empty) {
            char *msg = ex_operand(x, w, wn, EX_NOSPLIT | EX_NOGLOB);
            sh_exit_error(sh, 1, "%.*s: %s", (int)nl, name,
                          msg[0] ? msg : "parameter null or not set");
            free(msg);
            x->err = true;
        } else {
            put_value(x, v, strlen(v), inq);
        }
        free(v);
        return;
    default:
        break;
    }
    if (!set && unset_error(x, name, nl)) {
        free(v);
        return;
    }
    if (!v)
        v = xstrdup("");
    char *r = NULL;
    if (op == '%' || op == '#') {
        bool longest = i + 1 < n && s[i + 1] == op;
        const char *pw = s + i + (longest ? 2 : 1);
        size_t pn = n - i - (longest ? 2 : 1);
        char *pat = ex_operand(x, pw, pn, EX_PATTERN | EX_NOSPLIT | EX_NOGLOB);
        if (multi) {
            /* apply to each positional parameter */
            bool first = true;
            for (int k = 0; k < sh->pos.n; k++) {
                if (!first)
                    brk(x);
                first = false;
                char *e = remove_affix(sh->pos.v[k], pat, op == '%', longest);
                put_value(x, e, strlen(e), inq);
                free(e);
            }
            free(pat);
            free(v);
            return;
        }
        r = remove_affix(v, pat, op == '%', longest);
        free(pat);
    } else if (op == '/') {
        int mode = '/';
        size_t k = i + 1;
        if (k < n && s[k] == '/') {
            mode = 'a';
            k++;
        } else if (k < n && (s[k] == '#' || s[k] == '%')) {
            mode = s[k];
            k++;
        }
        size_t e = find_op_end(s, n, k, '/');
        char *pat = ex_operand(x, s + k, e - k, EX_PATTERN | EX_NOSPLIT | EX_NOGLOB);
        char *rep = e < n ? ex_operand(x, s + e + 1, n - e - 1, EX_NOSPLIT | EX_NOGLOB)
                          : xstrdup("");
        r = replace(v, pat, rep, mode);
        free(pat);
        free(rep);
    } else if (op == ':') {
        size_t e = find_op_end(s, n, i + 1, ':');
        char *offs = ex_operand(x, s + i + 1, e - i - 1, EX_NOSPLIT | EX_NOGLOB);
        long long off = 0, len = -1;
        bool has_len = e < n;
        if (arith_eval(sh, offs, &off) != 0) {
            x->err = true;
            free(offs);
            free(v);
            return;
        }
        free(offs);
        if (has_len) {
            char *ls = ex_operand(x, s + e + 1, n - e - 1, EX_NOSPLIT | EX_NOGLOB);
            if (arith_eval(sh, ls, &len) != 0) {
                x->err = true;
                free(ls);
                free(v);
                return;
            }
            free(ls);
        }
        if (multi) {
            int cnt = sh->pos.n + 1; /* $0 is element 0 */
            if (off < 0)
                off += cnt;
            if (off < 0)
                off = 0;
            long long count = has_len ? len : -1;
            if (has_len && len < 0)
                count = cnt - off + len < 0 ? 0 : cnt - off + len;
            if (off == 0) {
                put_value(x, sh->arg0 ? sh->arg0 : "bash", strlen(sh->arg0 ? sh->arg0 : "bash"), inq);
                if (count > 0)
                    count--;
                if (count != 0 && sh->pos.n)
                    brk(x);
                off = 1;
                if (count == 0) {
                    free(v);
                    return;
                }
            }
            put_positional_fields(x, (int)off - 1, (int)count, inq);
            free(v);
            return;
        }
        long long vl = (long long)strlen(v);
        if (off < 0)
            off += vl;
        if (off < 0 || off > vl) {
            r = xstrdup("");
        } else {
            long long take = vl - off;
            if (has_len)
                take = len < 0 ? vl - off + len : (len < take ? len : take);
            if (take < 0) {
                sh_errf(sh, "%.*s: substring expression < 0", (int)(n - i - 1), s + i + 1);
                x->err = true;
                free(v);
                return;
            }
            r = xstrndup(v + off, (size_t)take);
        }
    } else if (op == '^' || op == ',') {
        bool all = i + 1 < n && s[i + 1] == op;
        r = case_conv(v, op, all);
    } else if (op == '@' && i + 2 == n && s[i + 1] == 'Q') {
        sx q;
        sx_init(&q);
        sx_addc(&q, '\'');
        for (const char *p = v; *p; p++) {
            if (*p == '\'')
                sx_adds(&q, "'\\''");
            else
                sx_addc(&q, *p);
        }
        sx_addc(&q, '\'');
        r = sx_take(&q);
        sx_free(&q);
    } else {
        sh_errf(sh, "${%.*s}: bad substitution", (int)n, s);
        x->err = true;
        free(v);
        return;
    }
    put_value(x, r, strlen(r), inq);
    free(r);
    free(v);
}

static void ex_cmdsub(xp *x, const char *src, size_t n, bool inq)
{
    sx out;
    sx_init(&out);
    int st = sh_cmdsubst(x->sh, src, n, &out);
    x->sh->status = st;
    x->sh->subst_status = st;
    put_value(x, out.s, out.len, inq);
    sx_free(&out);
}

static void ex_arith(xp *x, const char *src, size_t n, bool inq)
{
    char *e = ex_operand(x, src, n, EX_NOSPLIT | EX_NOGLOB | EX_HEREDOC);
    long long v;
    if (arith_eval(x->sh, e, &v) != 0) {
        x->err = true;
        free(e);
        return;
    }
    free(e);
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", v);
    put_value(x, buf, strlen(buf), inq);
}

static size_t ansi_c(const char *s, size_t n, sx *out)
{
    size_t i = 0;
    while (i < n && s[i] != '\'') {
        char c = s[i++];
        if (c != '\\' || i >= n) {
            sx_addc(out, c);
            continue;
        }
        c = s[i++];
        switch (c) {
        case 'n': sx_addc(out, '\n'); break;
        case 't': sx_addc(out, '\t'); break;
        case 'r': sx_addc(out, '\r'); break;
        case 'a': sx_addc(out, '\a'); break;
        case 'b': sx_addc(out, '\b'); break;
        case 'e':
        case 'E': sx_addc(out, 27); break;
        case 'f': sx_addc(out, '\f'); break;
        case 'v': sx_addc(out, '\v'); break;
        case '\\': sx_addc(out, '\\'); break;
        case '\'': sx_addc(out, '\''); break;
        case '"': sx_addc(out, '"'); break;
        case '?': sx_addc(out, '?'); break;
        case 'x': {
            int v = 0, k = 0;
            while (k < 2 && i < n && isxdigit((unsigned char)s[i])) {
                v = v * 16 + (isdigit((unsigned char)s[i]) ? s[i] - '0' : (tolower((unsigned char)s[i]) - 'a' + 10));
                i++;
                k++;
            }
            if (k)
                sx_addc(out, (char)v);
            else
                sx_adds(out, "\\x");
            break;
        }
        case 'u':
        case 'U': {
            unsigned v = 0;
            int k = 0, max = c == 'u' ? 4 : 8;
            while (k < max && i < n && isxdigit((unsigned char)s[i])) {
                v = v * 16 + (unsigned)(isdigit((unsigned char)s[i]) ? s[i] - '0' : (tolower((unsigned char)s[i]) - 'a' + 10));
                i++;
                k++;
            }
            char u[4];
            int ul;
            if (v < 0x80) { u[0] = (char)v; ul = 1; }
            else if (v < 0x800) { u[0] = (char)(0xC0 | (v >> 6)); u[1] = (char)(0x80 | (v & 63)); ul = 2; }
            else if (v < 0x10000) { u[0] = (char)(0xE0 | (v >> 12)); u[1] = (char)(0x80 | ((v >> 6) & 63)); u[2] = (char)(0x80 | (v & 63)); ul = 3; }
            else { u[0] = (char)(0xF0 | ((v >> 18) & 7)); u[1] = (char)(0x80 | ((v >> 12) & 63)); u[2] = (char)(0x80 | ((v >> 6) & 63)); u[3] = (char)(0x80 | (v & 63)); ul = 4; }
            sx_add(out, u, (size_t)ul);
            break;
        }
        case 'c':
            if (i < n) {
                sx_addc(out, (char)(s[i] & 31));
                i++;
            }
            break;
        default:
            if (c >= '0' && c <= '7') {
                int v = c - '0', k = 1;
                while (k < 3 && i < n && s[i] >= '0' && s[i] <= '7') {
                    v = v * 8 + (s[i++] - '0');
                    k++;
                }
                sx_addc(out, (char)v);
            } else {
                sx_addc(out, '\\');
                sx_addc(out, c);
            }
        }
    }
    return i;
}

static size_t ex_dollar(xp *x, const char *s, size_t n, size_t i, bool inq)
{
    /* s[i] == '$' */
    size_t j = i + 1;
    if (j >= n) {
        putc_(x, '$', inq ? F_QUOTED : 0);
        return j;
    }
    char c = s[j];
    if (c == '(' && j + 1 < n && s[j + 1] == '(') {
        size_t e = sh_scan_end(s, n, j + 2, 'A');
        if (e <= n && e >= j + 4)
            ex_arith(x, s + j + 2, e - j - 4, inq);
        return e;
    }
    if (c == '(') {
        size_t e = sh_scan_end(s, n, j + 1, '(');
        ex_cmdsub(x, s + j + 1, e > j + 1 ? e - j - 2 : 0, inq);
        return e;
    }
    if (c == '{') {
        size_t e = sh_scan_end(s, n, j + 1, '{');
        ex_brace(x, s + j + 1, e > j + 1 ? e - j - 2 : 0, inq);
        return e;
    }
    if (c == '\'' && !inq && !(x->flags & EX_HEREDOC)) {
        sx b;
        sx_init(&b);
        size_t k = ansi_c(s + j + 1, n - j - 1, &b);
        put(x, b.s, b.len, F_QUOTED);
        mark(x);
        sx_free(&b);
        return j + 1 + k + 1;
    }
    if (c == '"' && !inq && !(x->flags & EX_HEREDOC)) {
        return j; /* $"..." is "..." */
    }
    if (isalpha((unsigned char)c) || c == '_') {
        size_t e = j;
        while (e < n && (isalnum((unsigned char)s[e]) || s[e] == '_'))
            e++;
        ex_brace(x, s + j, e - j, inq);
        return e;
    }
    if (isdigit((unsigned char)c) || strchr("@*#?$!-", c)) {
        ex_brace(x, s + j, 1, inq);
        return j + 1;
    }
    putc_(x, '$', inq ? F_QUOTED : 0);
    return j;
}

static void ex_bquote(xp *x, const char *s, size_t n, bool inq)
{
    sx b;
    sx_init(&b);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n && (s[i + 1] == '$' || s[i + 1] == '`' || s[i + 1] == '\\' ||
                                          (inq && s[i + 1] == '"'))) {
            sx_addc(&b, s[++i]);
        } else {
            sx_addc(&b, s[i]);
        }
    }
    ex_cmdsub(x, b.s, b.len, inq);
    sx_free(&b);
}

/* <(cmd): run cmd now, keep its output, expand to a name for it. */
static void ex_procsub(xp *x, const char *s, size_t n)
{
    shell *sh = x->sh;
    if (s[0] == '>') {
        sh_errf(sh, ">(...) process substitution is not supported");
        x->err = true;
        return;
    }
    int k = sh->nvfile++ % 8;
    sx_free(&sh->vfile[k]);
    sx_init(&sh->vfile[k]);
    /* like $( ) but keeping trailing newlines: run "cmd; echo ." and drop the dot */
    sx src;
    sx_init(&src);
    sx_add(&src, s + 2, n > 3 ? n - 3 : 0);
    sx_adds(&src, "\necho .");
    sx out;
    sx_init(&out);
    sh_cmdsubst(sh, src.s, src.len, &out);
    if (out.len >= 1 && out.s[out.len - 1] == '.')
        out.len--;
    sx_add(&sh->vfile[k], out.s, out.len);
    sx_free(&out);
    sx_free(&src);
    char name[32];
    snprintf(name, sizeof name, "/dev/fd/%d", 60 + k);
    put(x, name, strlen(name), F_QUOTED);
}

static int ex_text(xp *x, const char *s, size_t n, bool inq)
{
    size_t i = 0;
    if (!inq && n >= 3 && (s[0] == '<' || s[0] == '>') && s[1] == '(' && s[n - 1] == ')') {
        ex_procsub(x, s, n);
        return x->err ? -1 : 0;
    }
    bool heredoc = (x->flags & EX_HEREDOC) != 0;
    bool assign = (x->flags & EX_ASSIGN) != 0;
    if (!sh_stack_ok(x->sh)) {
        x->err = true;
        return -1;
    }
    if (++x->sh->eval_depth > SH_MAX_EVAL_DEPTH) {
        x->sh->eval_depth--;
        sh_fatal(x->sh, 1, "expansion nesting too deep");
        x->err = true;
        return -1;
    }
    /* tilde at word start */
    if (!inq && !heredoc && n > 0 && s[0] == '~') {
        size_t e = 1;
        while (e < n && s[e] != '/' && !(assign && s[e] == ':') &&
               (isalnum((unsigned char)s[e]) || s[e] == '_' || s[e] == '-' || s[e] == '.'))
            e++;
        if (e == n || s[e] == '/' || (assign && s[e] == ':')) {
            if (e == 1) {
                const char *h = var_get(x->sh, "HOME");
                put(x, h ? h : "/", strlen(h ? h : "/"), F_QUOTED);
                i = 1;
            } else if (e == 2 && s[1] == '+') {
                put(x, x->sh->cwd, strlen(x->sh->cwd), F_QUOTED);
                i = 2;
            }
        }
    }
    while (i < n && !x->err) {
        char c = s[i];
        if (c == '\\') {
            if (i + 1 >= n) {
                putc_(x, '\\', inq ? F_QUOTED : 0);
                i++;
                continue;
            }
            char d = s[i + 1];
            if (d == '\n') {
                i += 2;
                continue;
            }
            if (heredoc || inq) {
                if (d == '$' || d == '`' || d == '\\' || (inq && !heredoc && d == '"')) {
                    putc_(x, d, F_QUOTED);
                } else {
                    putc_(x, '\\', F_QUOTED);
                    putc_(x, d, F_QUOTED);
                }
            } else {
                putc_(x, d, F_QUOTED);
            }
            i += 2;
        } else if (c == '\'' && !inq && !heredoc) {
            size_t e = sh_scan_end(s, n, i + 1, '\'');
            size_t end = e > i + 1 ? e - 1 : i + 1;
            if (end > n)
                end = n;
            put(x, s + i + 1, end - i - 1, F_QUOTED);
            mark(x);
            i = e;
        } else if (c == '"' && !inq && !heredoc) {
            size_t e = sh_scan_end(s, n, i + 1, '"');
            size_t end = e > i + 1 ? e - 1 : i + 1;
            if (end > n)
                end = n;
            /* "$@" with no parameters yields no field at all */
            bool only_at = end - (i + 1) == 2 && s[i + 1] == '$' && s[i + 2] == '@';
            bool only_at2 = end - (i + 1) == 4 && memcmp(s + i + 1, "${@}", 4) == 0;
            ex_text(x, s + i + 1, end - i - 1, true);
            if (!((only_at || only_at2) && x->sh->pos.n == 0))
                mark(x);
            i = e;
        } else if (c == '$') {
            if (i + 1 < n && s[i + 1] == '"' && !inq && !heredoc) {
                i++;
                continue;
            }
            i = ex_dollar(x, s, n, i, inq);
        } else if (c == '`') {
            size_t e = sh_scan_end(s, n, i + 1, '`');
            size_t end = e > i + 1 ? e - 1 : i + 1;
            if (end > n)
                end = n;
            ex_bquote(x, s + i + 1, end - i - 1, inq);
            i = e;
        } else if (assign && !inq && c == ':' && i + 1 < n && s[i + 1] == '~' &&
                   (i + 2 == n || s[i + 2] == '/' || s[i + 2] == ':')) {
            putc_(x, ':', 0);
            const char *h = var_get(x->sh, "HOME");
            put(x, h ? h : "/", strlen(h ? h : "/"), F_QUOTED);
            i += 2;
        } else {
            putc_(x, c, inq ? F_QUOTED : 0);
            i++;
        }
    }
    x->sh->eval_depth--;
    return x->err ? -1 : 0;
}

/* ---- splitting and globbing ---- */

typedef struct field {
    sx s, f;
    bool quoted; /* a quote or a non-empty byte was seen */
} field;

static void emit_field(xp *x, field *fd, strv *out, bool *too_many)
{
    shell *sh = x->sh;
    if (fd->s.len == 0 && !fd->quoted) {
        sx_reset(&fd->s);
        sx_reset(&fd->f);
        return;
    }
    /* build the glob pattern and the literal */
    sx lit, pat;
    sx_init(&lit);
    sx_init(&pat);
    bool magic = false;
    for (size_t i = 0; i < fd->s.len; i++) {
        int fl = (unsigned char)fd->f.s[i];
        char c = fd->s.s[i];
        if (fl & (F_MARK | F_BREAK))
            continue;
        sx_addc(&lit, c);
        if (fl & F_QUOTED) {
            if (strchr("*?[]\\", c))
                sx_addc(&pat, '\\');
        } else if (c == '*' || c == '?' || c == '[') {
            magic = true;
        } else if (c == '\\') {
            sx_addc(&pat, '\\');
        }
        sx_addc(&pat, c);
    }
    if (magic && !(x->flags & EX_NOGLOB) && !sh->opt_f && pat_has_magic(pat.s)) {
        strv g = {0};
        int gr = glob_expand(sh, pat.s, &g);
        if (gr != 0 && sh->nullglob) {
            /* nullglob: a pattern without matches expands to nothing */
            strv_free(&g);
            sx_free(&lit);
            sx_free(&pat);
            sx_reset(&fd->s);
            sx_reset(&fd->f);
            fd->quoted = false;
            return;
        }
        if (gr == 0 && g.n > 0) {
            for (int k = 0; k < g.n; k++) {
                if (out->n >= SH_MAX_FIELDS) {
                    *too_many = true;
                    break;
                }
                strv_push(out, g.v[k]);
                g.v[k] = NULL;
            }
            free(g.v);
            sx_free(&lit);
            sx_free(&pat);
            sx_reset(&fd->s);
            sx_reset(&fd->f);
            fd->quoted = false;
            return;
        }
        strv_free(&g);
    }
    if (out->n >= SH_MAX_FIELDS)
        *too_many = true;
    else
        strv_push(out, sx_take(&lit));
    sx_free(&lit);
    sx_free(&pat);
    sx_reset(&fd->s);
    sx_reset(&fd->f);
    fd->quoted = false;
}

static int split_fields(xp *x, strv *out)
{
    const char *is = ifs(x->sh);
    bool nosplit = (x->flags & EX_NOSPLIT) != 0;
    field fd;
    sx_init(&fd.s);
    sx_init(&fd.f);
    fd.quoted = false;
    bool too_many = false;
    bool pending_nonws = false;
    for (size_t i = 0; i < x->s.len && !too_many; i++) {
        int fl = (unsigned char)x->f.s[i];
        char c = x->s.s[i];
        if (fl & F_BREAK) {
            fd.quoted = true;
            emit_field(x, &fd, out, &too_many);
            pending_nonws = false;
            continue;
        }
        if (fl & F_MARK) {
            fd.quoted = true;
            sx_addc(&fd.s, 0);
            sx_addc(&fd.f, (char)fl);
            continue;
        }
        if (!nosplit && (fl & F_SPLIT) && c && strchr(is, c)) {
            bool ws = c == ' ' || c == '\t' || c == '\n';
            if (ws) {
                if (fd.s.len || fd.quoted)
                    emit_field(x, &fd, out, &too_many);
                continue;
            }
            /* non-whitespace IFS: always delimits, possibly an empty field */
            fd.quoted = true;
            if (fd.s.len == 0 && !pending_nonws) {
                /* empty field before this delimiter only if nothing preceded */
            }
            emit_field(x, &fd, out, &too_many);
            pending_nonws = true;
            /* swallow following IFS whitespace */
            while (i + 1 < x->s.len && ((unsigned char)x->f.s[i + 1] & F_SPLIT) &&
                   (x->s.s[i + 1] == ' ' || x->s.s[i + 1] == '\t' || x->s.s[i + 1] == '\n') &&
                   strchr(is, x->s.s[i + 1]))
                i++;
            continue;
        }
        pending_nonws = false;
        sx_addc(&fd.s, c);
        sx_addc(&fd.f, (char)fl);
        fd.quoted = fd.quoted || true;
    }
    if (!too_many && (fd.s.len || fd.quoted))
        emit_field(x, &fd, out, &too_many);
    sx_free(&fd.s);
    sx_free(&fd.f);
    if (too_many) {
        sh_fatal(x->sh, 1, "too many words after expansion (limit %d)", SH_MAX_FIELDS);
        return -1;
    }
    return 0;
}

/* ---- brace expansion: a{b,c}d and {1..5} on the raw word ---- */

#define BRACE_MAX 100000

/* Index just past a quoted or substituted region starting at w[i], or i. */
static size_t skip_region(const char *w, size_t n, size_t i)
{
    char c = w[i];
    if (c == '\\' && i + 1 < n)
        return i + 2;
    if (c == '\'')
        return sh_scan_end(w, n, i + 1, '\'');
    if (c == '"')
        return sh_scan_end(w, n, i + 1, '"');
    if (c == '`')
        return sh_scan_end(w, n, i + 1, '`');
    if (c == '$' && i + 1 < n && w[i + 1] == '{')
        return sh_scan_end(w, n, i + 2, '{');
    if (c == '$' && i + 1 < n && w[i + 1] == '(')
        return i + 2 < n && w[i + 2] == '(' ? sh_scan_end(w, n, i + 3, 'A') : sh_scan_end(w, n, i + 2, '(');
    if (c == '$' && i + 1 < n && w[i + 1] == '\'')
        return sh_scan_end(w, n, i + 2, '$');
    return i;
}

static bool seq_bounds(const char *s, size_t n, long long *a, long long *b, long long *step, bool *chars)
{
    char buf[96];
    if (n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = 0;
    char *dots = strstr(buf, "..");
    if (!dots)
        return false;
    *dots = 0;
    char *second = dots + 2;
    char *third = strstr(second, "..");
    *step = 1;
    if (third) {
        *third = 0;
        if (!parse_ll(third + 2, step) || *step == 0)
            return false;
    }
    *chars = false;
    if (strlen(buf) == 1 && strlen(second) == 1 && isalpha((unsigned char)buf[0]) &&
        isalpha((unsigned char)second[0])) {
        *a = (unsigned char)buf[0];
        *b = (unsigned char)second[0];
        *chars = true;
        return true;
    }
    return parse_ll(buf, a) && parse_ll(second, b);
}

static void brace_expand(const char *w, strv *out, int depth)
{
    size_t n = strlen(w);
    if (depth > 32 || out->n >= BRACE_MAX) {
        strv_push(out, xstrdup(w));
        return;
    }
    for (size_t i = 0; i < n; i++) {
        size_t r = skip_region(w, n, i);
        if (r != i) {
            i = r - 1;
            continue;
        }
        if (w[i] != '{')
            continue;
        /* find the matching '}' and the top-level commas */
        size_t commas[256];
        int nc = 0, lvl = 0;
        size_t j = i + 1;
        bool ok = false;
        for (; j < n; j++) {
            size_t rr = skip_region(w, n, j);
            if (rr != j) {
                j = rr - 1;
                continue;
            }
            if (w[j] == '{')
                lvl++;
            else if (w[j] == '}') {
                if (lvl == 0) {
                    ok = true;
                    break;
                }
                lvl--;
            } else if (w[j] == ',' && lvl == 0 && nc < 256) {
                commas[nc++] = j;
            }
        }
        if (!ok)
            return (void)strv_push(out, xstrdup(w));
        sx pre, alt;
        sx_init(&pre);
        sx_init(&alt);
        if (nc > 0) {
            size_t from = i + 1;
            for (int k = 0; k <= nc && out->n < BRACE_MAX; k++) {
                size_t to = k < nc ? commas[k] : j;
                sx_reset(&pre);
                sx_add(&pre, w, i);
                sx_add(&pre, w + from, to - from);
                sx_adds(&pre, w + j + 1);
                brace_expand(pre.s, out, depth + 1);
                from = to + 1;
            }
            sx_free(&pre);
            sx_free(&alt);
            return;
        }
        long long a, b, step;
        bool chars;
        if (seq_bounds(w + i + 1, j - i - 1, &a, &b, &step, &chars)) {
            if (step < 0)
                step = -step;
            long long cnt = 0;
            for (long long v = a; (a <= b ? v <= b : v >= b) && out->n < BRACE_MAX; v += a <= b ? step : -step) {
                sx_reset(&pre);
                sx_add(&pre, w, i);
                if (chars)
                    sx_addc(&pre, (char)v);
                else
                    sx_printf(&pre, "%lld", v);
                sx_adds(&pre, w + j + 1);
                brace_expand(pre.s, out, depth + 1);
                if (++cnt > BRACE_MAX)
                    break;
            }
            sx_free(&pre);
            sx_free(&alt);
            return;
        }
        sx_free(&pre);
        sx_free(&alt);
        /* not a brace expression: keep scanning after this '{' */
    }
    strv_push(out, xstrdup(w));
}

static int expand_one(shell *sh, const char *text, strv *out);

int expand_words(shell *sh, word *w, int n, strv *out)
{
    for (int k = 0; k < n; k++) {
        if (strchr(w[k].text, '{') && !sh->opt_f) {
            strv parts = {0};
            brace_expand(w[k].text, &parts, 0);
            if (parts.n >= BRACE_MAX) {
                strv_free(&parts);
                sh_fatal(sh, 1, "brace expansion yields more than %d words", BRACE_MAX);
                return -1;
            }
            for (int i = 0; i < parts.n; i++)
                if (expand_one(sh, parts.v[i], out) != 0) {
                    strv_free(&parts);
                    return -1;
                }
            strv_free(&parts);
            continue;
        }
        if (expand_one(sh, w[k].text, out) != 0)
            return -1;
    }
    return 0;
}

static int expand_one(shell *sh, const char *text, strv *out)
{
    {
        xp x;
        memset(&x, 0, sizeof x);
        x.sh = sh;
        sx_init(&x.s);
        sx_init(&x.f);
        ex_text(&x, text, strlen(text), false);
        int r = x.err ? -1 : split_fields(&x, out);
        sx_free(&x.s);
        sx_free(&x.f);
        if (r < 0)
            return -1;
    }
    return 0;
}

int expand_str(shell *sh, const char *text, int flags, char **out)
{
    xp x;
    memset(&x, 0, sizeof x);
    x.sh = sh;
    x.flags = flags;
    sx_init(&x.s);
    sx_init(&x.f);
    ex_text(&x, text, strlen(text), false);
    sx r;
    sx_init(&r);
    for (size_t i = 0; i < x.s.len; i++) {
        int fl = (unsigned char)x.f.s[i];
        if (fl & F_MARK)
            continue;
        if (fl & F_BREAK) {
            sx_addc(&r, ' ');
            continue;
        }
        char c = x.s.s[i];
        if ((flags & EX_PATTERN) && (fl & F_QUOTED) && strchr("*?[]\\", c))
            sx_addc(&r, '\\');
        sx_addc(&r, c);
    }
    sx_free(&x.s);
    sx_free(&x.f);
    *out = sx_take(&r);
    sx_free(&r);
    return x.err ? -1 : 0;
}

int expand_pattern(shell *sh, const char *text, char **out)
{
    return expand_str(sh, text, EX_PATTERN | EX_NOSPLIT | EX_NOGLOB, out);
}
