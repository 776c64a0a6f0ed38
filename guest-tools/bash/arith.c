/* arith.c: shell arithmetic — $(( )), (( )), let, ${x:off:len}.
 *
 * A precedence-climbing evaluator over the text with C's operators on 64-bit
 * integers, assignment operators, ++/--, ?: and the comma. Variables hold
 * text and are evaluated as expressions themselves (with a depth cap), the
 * way bash does. A `noeval` counter skips side effects in the branches that
 * && || ?: do not take. Division by zero is an error, never a trap.
 */
#include "sh.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ar {
    shell *sh;
    const char *s;
    size_t i;
    int noeval;
    bool err;
    int depth;
} ar;

static long long expr_comma(ar *a);
static long long expr_assign(ar *a);

static void ar_error(ar *a, const char *msg)
{
    if (a->err)
        return;
    a->err = true;
    sh_errf(a->sh, "%s: %s (error token is \"%s\")", a->s, msg, a->s + a->i);
}

static void ws(ar *a)
{
    while (a->s[a->i] && isspace((unsigned char)a->s[a->i]))
        a->i++;
}

static bool eat(ar *a, const char *op)
{
    ws(a);
    size_t n = strlen(op);
    if (strncmp(a->s + a->i, op, n) != 0)
        return false;
    /* don't take '=' out of '==', '<' out of '<<' and so on */
    char nx = a->s[a->i + n];
    if (n == 1 && (op[0] == '=' ) && nx == '=')
        return false;
    if (n == 1 && strchr("<>&|*", op[0]) && nx == op[0])
        return false;
    if (n == 1 && strchr("+-*/%&|^!<>", op[0]) && nx == '=' &&
        !(op[0] == '<' || op[0] == '>' || op[0] == '!'))
        return false;
    if (n == 2 && (strcmp(op, "<<") == 0 || strcmp(op, ">>") == 0) && nx == '=')
        return false;
    if (n == 1 && (op[0] == '<' || op[0] == '>' || op[0] == '!') && nx == '=')
        return false;
    if (n == 1 && (op[0] == '+' || op[0] == '-') && nx == op[0])
        return false;
    a->i += n;
    return true;
}

static long long var_num(ar *a, const char *name)
{
    const char *v = var_get(a->sh, name);
    if (!v || !*v) {
        if (!v && a->sh->opt_u && !a->noeval) {
            sh_exit_error(a->sh, 1, "%s: unbound variable", name);
            a->err = true;
        }
        return 0;
    }
    char *end;
    long long x = strtoll(v, &end, 10);
    while (*end && isspace((unsigned char)*end))
        end++;
    if (!*end && v[0] && !(v[0] == '0' && v[1]))
        return x;
    if (a->depth > 64) {
        ar_error(a, "expression recursion level exceeded");
        return 0;
    }
    ar sub = {a->sh, v, 0, a->noeval, false, a->depth + 1};
    long long r = expr_comma(&sub);
    ws(&sub);
    if (!sub.err && sub.s[sub.i])
        ar_error(&sub, "syntax error in expression");
    if (sub.err)
        a->err = true;
    return r;
}

static void set_num(ar *a, const char *name, long long v)
{
    if (a->noeval)
        return;
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", v);
    if (var_set(a->sh, name, buf, 0) != 0)
        a->err = true;
}

static long long number(ar *a)
{
    const char *s = a->s + a->i;
    long long base = 10;
    size_t k = 0;
    long long v = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        k = 2;
    } else if (s[0] == '0' && isdigit((unsigned char)s[1])) {
        base = 8;
        k = 1;
    } else {
        size_t j = 0;
        while (isdigit((unsigned char)s[j]))
            j++;
        if (s[j] == '#') {
            base = strtoll(s, NULL, 10);
            if (base < 2 || base > 64) {
                ar_error(a, "invalid arithmetic base");
                return 0;
            }
            k = j + 1;
        }
    }
    bool any = false;
    for (;; k++) {
        char c = s[k];
        int d;
        if (isdigit((unsigned char)c))
            d = c - '0';
        else if (c >= 'a' && c <= 'z')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'Z')
            d = base <= 36 ? c - 'A' + 10 : c - 'A' + 36;
        else if (c == '@')
            d = 62;
        else if (c == '_')
            d = 63;
        else
            break;
        if (d >= base) {
            a->i += k;
            ar_error(a, "value too great for base");
            return 0;
        }
        v = (long long)((unsigned long long)v * (unsigned long long)base + (unsigned long long)d);
        any = true;
    }
    if (!any && base != 10 && k <= 1)
        any = true; /* "0" */
    a->i += k;
    return v;
}

static long long primary(ar *a)
{
    ws(a);
    if (++a->depth > 200) {
        ar_error(a, "expression nesting too deep");
        return 0;
    }
    long long r = 0;
    char c = a->s[a->i];
    if (c == '(') {
        a->i++;
        r = expr_comma(a);
        ws(a);
        if (a->s[a->i] != ')')
            ar_error(a, "missing `)'");
        else
            a->i++;
    } else if (isdigit((unsigned char)c)) {
        r = number(a);
    } else if (isalpha((unsigned char)c) || c == '_') {
        size_t b = a->i;
        while (isalnum((unsigned char)a->s[a->i]) || a->s[a->i] == '_')
            a->i++;
        char *name = xstrndup(a->s + b, a->i - b);
        ws(a);
        if (strncmp(a->s + a->i, "++", 2) == 0 || strncmp(a->s + a->i, "--", 2) == 0) {
            bool inc = a->s[a->i] == '+';
            a->i += 2;
            r = var_num(a, name);
            set_num(a, name, inc ? r + 1 : r - 1);
        } else {
            /* assignment operators */
            static const char *const ops[] = {"=", "+=", "-=", "*=", "/=", "%=", "<<=",
                                              ">>=", "&=", "^=", "|=", NULL};
            int which = -1;
            for (int k = 0; ops[k]; k++) {
                size_t n = strlen(ops[k]);
                if (strncmp(a->s + a->i, ops[k], n) == 0 &&
                    !(k == 0 && a->s[a->i + 1] == '=')) {
                    which = k;
                    a->i += n;
                    break;
                }
            }
            if (which >= 0) {
                long long rhs = expr_assign(a);
                long long cur = which ? var_num(a, name) : 0;
                switch (which) {
                case 0: r = rhs; break;
                case 1: r = (long long)((unsigned long long)cur + (unsigned long long)rhs); break;
                case 2: r = (long long)((unsigned long long)cur - (unsigned long long)rhs); break;
                case 3: r = (long long)((unsigned long long)cur * (unsigned long long)rhs); break;
                case 4:
                case 5:
                    if (rhs == 0) {
                        if (!a->noeval)
                            ar_error(a, "division by 0");
                        r = 0;
                    } else if (cur == (-9223372036854775807LL - 1) && rhs == -1) {
                        r = which == 4 ? cur : 0;
                    } else {
                        r = which == 4 ? cur / rhs : cur % rhs;
                    }
                    break;
                case 6: r = (long long)((unsigned long long)cur << (rhs & 63)); break;
                case 7: r = cur >> (rhs & 63); break;
                case 8: r = cur & rhs; break;
                case 9: r = cur ^ rhs; break;
                default: r = cur | rhs; break;
                }
                if (!a->err)
                    set_num(a, name, r);
            } else {
                r = var_num(a, name);
            }
        }
        free(name);
    } else if (c == '$') {
        /* $name inside an already-expanded expression: take the name */
        a->i++;
        r = primary(a);
    } else {
        ar_error(a, c ? "syntax error: operand expected" : "syntax error: operand expected");
    }
    a->depth--;
    return r;
}

static long long unary(ar *a)
{
    ws(a);
    const char *s = a->s + a->i;
    if (strncmp(s, "++", 2) == 0 || strncmp(s, "--", 2) == 0) {
        bool inc = s[0] == '+';
        a->i += 2;
        ws(a);
        size_t b = a->i;
        while (isalnum((unsigned char)a->s[a->i]) || a->s[a->i] == '_')
            a->i++;
        if (b == a->i) {
            ar_error(a, "syntax error: operand expected");
            return 0;
        }
        char *name = xstrndup(a->s + b, a->i - b);
        long long v = var_num(a, name) + (inc ? 1 : -1);
        set_num(a, name, v);
        free(name);
        return v;
    }
    if (s[0] == '-') {
        a->i++;
        return (long long)(0ULL - (unsigned long long)unary(a));
    }
    if (s[0] == '+') {
        a->i++;
        return unary(a);
    }
    if (s[0] == '!' && s[1] != '=') {
        a->i++;
        return !unary(a);
    }
    if (s[0] == '~') {
        a->i++;
        return ~unary(a);
    }
    return primary(a);
}

static long long ipow(long long b, long long e)
{
    unsigned long long r = 1, x = (unsigned long long)b;
    while (e > 0) {
        if (e & 1)
            r *= x;
        x *= x;
        e >>= 1;
    }
    return (long long)r;
}

static long long power(ar *a)
{
    long long l = unary(a);
    ws(a);
    if (strncmp(a->s + a->i, "**", 2) == 0) {
        a->i += 2;
        long long r = power(a);
        if (r < 0) {
            ar_error(a, "exponent less than 0");
            return 0;
        }
        return ipow(l, r);
    }
    return l;
}

static long long mul(ar *a)
{
    long long l = power(a);
    for (;;) {
        ws(a);
        char c = a->s[a->i];
        if ((c == '*' || c == '/' || c == '%') && a->s[a->i + 1] != '=' &&
            !(c == '*' && a->s[a->i + 1] == '*')) {
            a->i++;
            long long r = power(a);
            if (c == '*') {
                l = (long long)((unsigned long long)l * (unsigned long long)r);
            } else if (r == 0) {
                if (!a->noeval)
                    ar_error(a, "division by 0");
                l = 0;
            } else if (l == (-9223372036854775807LL - 1) && r == -1) {
                l = c == '/' ? l : 0;
            } else {
                l = c == '/' ? l / r : l % r;
            }
        } else {
            return l;
        }
    }
}

static long long add(ar *a)
{
    long long l = mul(a);
    for (;;) {
        ws(a);
        char c = a->s[a->i];
        if ((c == '+' || c == '-') && a->s[a->i + 1] != '=' && a->s[a->i + 1] != c) {
            a->i++;
            long long r = mul(a);
            l = c == '+' ? (long long)((unsigned long long)l + (unsigned long long)r)
                         : (long long)((unsigned long long)l - (unsigned long long)r);
        } else {
            return l;
        }
    }
}

static long long shift(ar *a)
{
    long long l = add(a);
    for (;;) {
        if (eat(a, "<<"))
            l = (long long)((unsigned long long)l << (add(a) & 63));
        else if (eat(a, ">>"))
            l = l >> (add(a) & 63);
        else
            return l;
    }
}

static long long rel(ar *a)
{
    long long l = shift(a);
    for (;;) {
        if (eat(a, "<="))
            l = l <= shift(a);
        else if (eat(a, ">="))
            l = l >= shift(a);
        else if (eat(a, "<"))
            l = l < shift(a);
        else if (eat(a, ">"))
            l = l > shift(a);
        else
            return l;
    }
}

static long long eq(ar *a)
{
    long long l = rel(a);
    for (;;) {
        if (eat(a, "=="))
            l = l == rel(a);
        else if (eat(a, "!="))
            l = l != rel(a);
        else
            return l;
    }
}

static long long band(ar *a)
{
    long long l = eq(a);
    while (eat(a, "&"))
        l &= eq(a);
    return l;
}

static long long bxor(ar *a)
{
    long long l = band(a);
    while (eat(a, "^"))
        l ^= band(a);
    return l;
}

static long long bor(ar *a)
{
    long long l = bxor(a);
    while (eat(a, "|"))
        l |= bxor(a);
    return l;
}

static long long land(ar *a)
{
    long long l = bor(a);
    while (eat(a, "&&")) {
        if (!l)
            a->noeval++;
        long long r = bor(a);
        if (!l)
            a->noeval--;
        l = l && r;
    }
    return l;
}

static long long lor(ar *a)
{
    long long l = land(a);
    while (eat(a, "||")) {
        if (l)
            a->noeval++;
        long long r = land(a);
        if (l)
            a->noeval--;
        l = l || r;
    }
    return l;
}

static long long cond(ar *a)
{
    long long c = lor(a);
    ws(a);
    if (a->s[a->i] == '?') {
        a->i++;
        if (!c)
            a->noeval++;
        long long x = expr_assign(a);
        if (!c)
            a->noeval--;
        ws(a);
        if (a->s[a->i] != ':') {
            ar_error(a, "`:' expected for conditional expression");
            return 0;
        }
        a->i++;
        if (c)
            a->noeval++;
        long long y = cond(a);
        if (c)
            a->noeval--;
        return c ? x : y;
    }
    return c;
}

static long long expr_assign(ar *a)
{
    return cond(a);
}

static long long expr_comma(ar *a)
{
    long long v = expr_assign(a);
    for (;;) {
        ws(a);
        if (a->s[a->i] == ',') {
            a->i++;
            v = expr_assign(a);
        } else {
            return v;
        }
    }
}

int arith_eval(shell *sh, const char *expr, long long *out)
{
    ar a = {sh, expr, 0, 0, false, 0};
    ws(&a);
    if (!a.s[a.i]) {
        *out = 0;
        return 0;
    }
    long long v = expr_comma(&a);
    ws(&a);
    if (!a.err && a.s[a.i])
        ar_error(&a, "syntax error in expression");
    if (a.err) {
        sh->status = 1;
        if (!sh->fatal && sh->ctl == CTL_NONE) {
            /* an arithmetic error aborts the current command (bash: the line) */
        }
        return -1;
    }
    *out = v;
    return 0;
}
