/* awk_parse.c: lexer and recursive-descent parser of awk programs.
 *
 * `/` starts a regex literal only where an operand is expected; newlines
 * end statements except after tokens that continue one ({ , && || do else).
 * Inside print's argument list an unparenthesised `>` is a redirection.
 * Names become global slots or, inside a function, parameter slots.
 */
#include "awk.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tk {
    K_EOF, K_NL, K_NUM, K_STR, K_ERE, K_NAME, K_FUNCNAME, K_BUILTIN, K_BEGIN, K_END,
    K_FUNCTION, K_IF, K_ELSE, K_WHILE, K_FOR, K_DO, K_BREAK, K_CONTINUE, K_NEXT, K_NEXTFILE,
    K_EXIT, K_RETURN, K_DELETE, K_IN, K_GETLINE, K_PRINT, K_PRINTF, K_OP
};

typedef struct lx {
    ucmd *u;
    const char *s;
    size_t n, i;
    int line;
    int tok;
    char op[4];
    sx text;
    double num;
    int builtin;
    bool prev_operand;
    bool err;
    /* parser state */
    aprog *prog;
    afunc *cur;      /* function being parsed */
    int in_print;    /* >0: unparenthesised > is a redirection */
    int no_in;       /* >0: `in` is not an operator (for (x in a)) */
    int depth;
} lx;

static const char *const builtin_names[] = {
    "length", "substr", "index", "split", "sub", "gsub", "match", "sprintf", "sin", "cos",
    "atan2", "exp", "log", "sqrt", "int", "rand", "srand", "tolower", "toupper", "system",
    "close", "fflush", NULL};

static void perr(lx *l, const char *msg)
{
    if (!l->err)
        uerr(l->u, "syntax error at source line %d: %s", l->line, msg);
    l->err = true;
    l->tok = K_EOF;
}

astr *astr_new(const char *s, size_t n)
{
    astr *a = xmalloc(sizeof *a + n + 1);
    a->refs = 1;
    a->len = n;
    memcpy(a->s, s, n);
    a->s[n] = 0;
    return a;
}

void astr_unref(astr *s)
{
    if (s && --s->refs == 0)
        free(s);
}

int awk_global(aprog *p, const char *name)
{
    for (int i = 0; i < p->nglobals; i++)
        if (strcmp(p->globals[i], name) == 0)
            return i;
    p->globals = xrealloc(p->globals, sizeof *p->globals * (size_t)(p->nglobals + 1));
    p->globals[p->nglobals] = xstrdup(name);
    return p->nglobals++;
}

static void next(lx *l)
{
    if (l->err)
        return;
    for (;;) {
        while (l->i < l->n && (l->s[l->i] == ' ' || l->s[l->i] == '\t' || l->s[l->i] == '\r'))
            l->i++;
        if (l->i + 1 < l->n && l->s[l->i] == '\\' && l->s[l->i + 1] == '\n') {
            l->i += 2;
            l->line++;
            continue;
        }
        if (l->i < l->n && l->s[l->i] == '#') {
            while (l->i < l->n && l->s[l->i] != '\n')
                l->i++;
            continue;
        }
        break;
    }
    sx_reset(&l->text);
    if (l->i >= l->n) {
        l->tok = K_EOF;
        return;
    }
    char c = l->s[l->i];
    bool was_operand = l->prev_operand;
    l->prev_operand = false;
    if (c == '\n') {
        l->i++;
        l->line++;
        l->tok = K_NL;
        return;
    }
    if (isdigit((unsigned char)c) || (c == '.' && l->i + 1 < l->n && isdigit((unsigned char)l->s[l->i + 1]))) {
        char *end;
        l->num = strtod(l->s + l->i, &end);
        if (l->s[l->i] == '0' && (l->s[l->i + 1] == 'x' || l->s[l->i + 1] == 'X')) {
            /* hex constants are a gawk extension; POSIX reads 0 then x */
            l->num = 0;
            end = (char *)l->s + l->i + 1;
        }
        l->i = (size_t)(end - l->s);
        l->tok = K_NUM;
        l->prev_operand = true;
        return;
    }
    if (isalpha((unsigned char)c) || c == '_') {
        size_t b = l->i;
        while (l->i < l->n && (isalnum((unsigned char)l->s[l->i]) || l->s[l->i] == '_'))
            l->i++;
        sx_add(&l->text, l->s + b, l->i - b);
        static const struct { const char *w; int t; } kw[] = {
            {"BEGIN", K_BEGIN}, {"END", K_END}, {"function", K_FUNCTION}, {"func", K_FUNCTION},
            {"if", K_IF}, {"else", K_ELSE}, {"while", K_WHILE}, {"for", K_FOR}, {"do", K_DO},
            {"break", K_BREAK}, {"continue", K_CONTINUE}, {"next", K_NEXT},
            {"nextfile", K_NEXTFILE}, {"exit", K_EXIT}, {"return", K_RETURN},
            {"delete", K_DELETE}, {"in", K_IN}, {"getline", K_GETLINE}, {"print", K_PRINT},
            {"printf", K_PRINTF}};
        for (size_t k = 0; k < sizeof kw / sizeof kw[0]; k++)
            if (strcmp(l->text.s, kw[k].w) == 0) {
                l->tok = kw[k].t;
                return;
            }
        for (int k = 0; builtin_names[k]; k++)
            if (strcmp(l->text.s, builtin_names[k]) == 0) {
                l->tok = K_BUILTIN;
                l->builtin = k;
                l->prev_operand = true; /* `length` alone */
                return;
            }
        l->tok = l->i < l->n && l->s[l->i] == '(' ? K_FUNCNAME : K_NAME;
        l->prev_operand = true;
        return;
    }
    if (c == '"') {
        l->i++;
        while (l->i < l->n && l->s[l->i] != '"') {
            char d = l->s[l->i++];
            if (d == '\n') {
                perr(l, "newline in string");
                return;
            }
            if (d == '\\' && l->i < l->n) {
                d = l->s[l->i++];
                switch (d) {
                case 'n': sx_addc(&l->text, '\n'); break;
                case 't': sx_addc(&l->text, '\t'); break;
                case 'r': sx_addc(&l->text, '\r'); break;
                case '\\': sx_addc(&l->text, '\\'); break;
                case '"': sx_addc(&l->text, '"'); break;
                case '/': sx_addc(&l->text, '/'); break;
                case 'a': sx_addc(&l->text, '\a'); break;
                case 'b': sx_addc(&l->text, '\b'); break;
                case 'f': sx_addc(&l->text, '\f'); break;
                case 'v': sx_addc(&l->text, '\v'); break;
                case '\n': l->line++; break;
                default:
                    if (d >= '0' && d <= '7') {
                        int v = d - '0', k = 1;
                        while (k < 3 && l->i < l->n && l->s[l->i] >= '0' && l->s[l->i] <= '7') {
                            v = v * 8 + (l->s[l->i++] - '0');
                            k++;
                        }
                        sx_addc(&l->text, (char)v);
                    } else {
                        sx_addc(&l->text, '\\');
                        sx_addc(&l->text, d);
                    }
                }
                continue;
            }
            sx_addc(&l->text, d);
        }
        if (l->i >= l->n) {
            perr(l, "non-terminated string");
            return;
        }
        l->i++;
        l->tok = K_STR;
        l->prev_operand = true;
        return;
    }
    if (c == '/' && !was_operand) {
        l->i++;
        bool br = false;
        while (l->i < l->n && (l->s[l->i] != '/' || br)) {
            char d = l->s[l->i++];
            if (d == '\n') {
                perr(l, "newline in regex");
                return;
            }
            if (d == '\\' && l->i < l->n) {
                char e = l->s[l->i++];
                if (e == '/')
                    sx_addc(&l->text, '/');
                else {
                    sx_addc(&l->text, '\\');
                    sx_addc(&l->text, e);
                }
                continue;
            }
            if (d == '[' && !br) {
                br = true;
                sx_addc(&l->text, d);
                if (l->i < l->n && l->s[l->i] == '^')
                    sx_addc(&l->text, l->s[l->i++]);
                if (l->i < l->n && l->s[l->i] == ']')
                    sx_addc(&l->text, l->s[l->i++]);
                continue;
            }
            if (d == ']')
                br = false;
            sx_addc(&l->text, d);
        }
        if (l->i >= l->n) {
            perr(l, "non-terminated regular expression");
            return;
        }
        l->i++;
        l->tok = K_ERE;
        l->prev_operand = true;
        return;
    }
    static const char *const ops[] = {"+=", "-=", "*=", "/=", "%=", "^=", "==", "<=", ">=",
                                      "!=", "++", "--", "&&", "||", ">>", "!~", "**", NULL};
    for (int k = 0; ops[k]; k++)
        if (l->i + 1 < l->n && l->s[l->i] == ops[k][0] && l->s[l->i + 1] == ops[k][1]) {
            if (ops[k][0] == '/' && ops[k][1] == '=' && !was_operand)
                break; /* a regex starting with = */
            strcpy(l->op, ops[k]);
            l->i += 2;
            l->tok = K_OP;
            if (strcmp(l->op, "**") == 0)
                strcpy(l->op, "^");
            l->prev_operand = strcmp(l->op, "++") == 0 || strcmp(l->op, "--") == 0;
            return;
        }
    if (strchr("{}()[];,+-*/%^!><|?:~$=", c)) {
        l->op[0] = c;
        l->op[1] = 0;
        l->i++;
        l->tok = K_OP;
        l->prev_operand = c == ')' || c == ']';
        return;
    }
    char msg[64];
    snprintf(msg, sizeof msg, "unexpected character '%c'", c);
    perr(l, msg);
}

static bool is_op(lx *l, const char *op)
{
    return l->tok == K_OP && strcmp(l->op, op) == 0;
}

static bool accept(lx *l, const char *op)
{
    if (is_op(l, op)) {
        next(l);
        return true;
    }
    return false;
}

static void expect(lx *l, const char *op)
{
    if (!accept(l, op)) {
        char msg[64];
        snprintf(msg, sizeof msg, "expected '%s'", op);
        perr(l, msg);
    }
}

static void opt_nl(lx *l)
{
    while (l->tok == K_NL || is_op(l, ";") )
        next(l);
}

static void skip_nl(lx *l)
{
    while (l->tok == K_NL)
        next(l);
}

static anode *mk(int kind)
{
    anode *n = xcalloc(1, sizeof *n);
    n->kind = kind;
    return n;
}

static anode *expr(lx *l);
static anode *ternary(lx *l);
static anode *stmt(lx *l);
static anode *unary(lx *l);

static rx *compile_ere(lx *l, const char *s, size_t n)
{
    char err[256];
    rx *r = rx_compile(s, n, RX_ERE | RX_LONGEST, err, sizeof err);
    if (!r) {
        char msg[300];
        snprintf(msg, sizeof msg, "bad regex: %s", err);
        perr(l, msg);
    }
    return r;
}

static anode *var_ref(lx *l, const char *name)
{
    if (l->cur) {
        for (int i = 0; i < l->cur->nparams; i++)
            if (strcmp(l->cur->params[i], name) == 0) {
                anode *n = mk(E_LOCAL);
                n->slot = i;
                return n;
            }
    }
    anode *n = mk(E_VAR);
    n->slot = awk_global(l->prog, name);
    return n;
}

static int func_index(lx *l, const char *name)
{
    aprog *p = l->prog;
    for (int i = 0; i < p->nfuncs; i++)
        if (strcmp(p->funcs[i].name, name) == 0)
            return i;
    p->funcs = xrealloc(p->funcs, sizeof *p->funcs * (size_t)(p->nfuncs + 1));
    memset(&p->funcs[p->nfuncs], 0, sizeof p->funcs[0]);
    p->funcs[p->nfuncs].name = xstrdup(name);
    return p->nfuncs++;
}

static anode *arg_list(lx *l, int *count)
{
    anode *head = NULL, **tail = &head;
    *count = 0;
    if (is_op(l, ")")) {
        next(l);
        return NULL;
    }
    for (;;) {
        skip_nl(l);
        anode *e = expr(l);
        if (!e)
            return head;
        *tail = e;
        tail = &e->next;
        (*count)++;
        skip_nl(l);
        if (accept(l, ","))
            continue;
        expect(l, ")");
        return head;
    }
}

static anode *primary(lx *l)
{
    if (l->err)
        return NULL;
    if (++l->depth > 300) {
        perr(l, "expression nesting too deep");
        return NULL;
    }
    anode *n = NULL;
    switch (l->tok) {
    case K_NUM:
        n = mk(E_NUM);
        n->num = l->num;
        next(l);
        break;
    case K_STR:
        n = mk(E_STR);
        n->str = astr_new(l->text.s, l->text.len);
        next(l);
        break;
    case K_ERE:
        n = mk(E_RE);
        n->str = astr_new(l->text.s, l->text.len);
        n->re = compile_ere(l, l->text.s, l->text.len);
        next(l);
        break;
    case K_NAME: {
        char *name = xstrdup(l->text.s);
        next(l);
        if (is_op(l, "[")) {
            next(l);
            n = mk(E_INDEX);
            n->a = var_ref(l, name);
            int cnt;
            anode *subs = NULL, **tail = &subs;
            for (;;) {
                anode *e = expr(l);
                if (!e)
                    break;
                *tail = e;
                tail = &e->next;
                if (!accept(l, ","))
                    break;
            }
            (void)cnt;
            n->b = subs;
            expect(l, "]");
        } else {
            n = var_ref(l, name);
        }
        free(name);
        break;
    }
    case K_FUNCNAME: {
        n = mk(E_CALL);
        n->slot = func_index(l, l->text.s);
        next(l);
        expect(l, "(");
        n->a = arg_list(l, &n->nargs);
        break;
    }
    case K_BUILTIN: {
        n = mk(E_BUILTIN);
        n->op = l->builtin;
        next(l);
        if (is_op(l, "(")) {
            next(l);
            n->a = arg_list(l, &n->nargs);
        } else if (n->op != B_LENGTH) {
            perr(l, "builtin function needs arguments");
        }
        break;
    }
    case K_GETLINE: {
        next(l);
        n = mk(E_GETLINE);
        n->op = 0; /* plain */
        if (l->tok == K_NAME || is_op(l, "$")) {
            n->a = l->tok == K_NAME ? primary(l) : unary(l);
        }
        if (is_op(l, "<")) {
            next(l);
            n->op = 1; /* from file */
            n->b = primary(l);
        }
        l->prog->has_getline = true;
        break;
    }
    case K_OP:
        if (is_op(l, "(")) {
            next(l);
            l->in_print++; /* parentheses: > is a comparison again */
            int saved = l->in_print;
            l->in_print = 0;
            anode *e = expr(l);
            if (is_op(l, ",")) {
                /* (a, b) in arr */
                anode *list = e, **tail = &e->next;
                while (accept(l, ",")) {
                    anode *x = expr(l);
                    if (!x)
                        break;
                    *tail = x;
                    tail = &x->next;
                }
                expect(l, ")");
                l->in_print = saved - 1;
                if (l->tok != K_IN) {
                    perr(l, "expected 'in' after (list)");
                    break;
                }
                next(l);
                if (l->tok != K_NAME) {
                    perr(l, "expected array name");
                    break;
                }
                n = mk(E_IN);
                n->a = list;
                n->b = var_ref(l, l->text.s);
                next(l);
                break;
            }
            expect(l, ")");
            l->in_print = saved - 1;
            n = mk(E_GROUP);
            n->a = e;
        } else if (is_op(l, "$")) {
            next(l);
            n = mk(E_FIELD);
            if (is_op(l, "++") || is_op(l, "--"))
                n->a = unary(l);
            else
                n->a = primary(l);
        } else if (is_op(l, "-") || is_op(l, "+") || is_op(l, "!")) {
            n = unary(l);
        } else if (is_op(l, "++") || is_op(l, "--")) {
            n = unary(l);
        } else {
            char msg[64];
            snprintf(msg, sizeof msg, "unexpected '%s'", l->op);
            perr(l, msg);
        }
        break;
    default:
        perr(l, l->tok == K_EOF ? "unexpected end of program" : "unexpected token");
        break;
    }
    l->depth--;
    return n;
}

static bool is_lvalue(anode *n)
{
    return n && (n->kind == E_VAR || n->kind == E_LOCAL || n->kind == E_FIELD || n->kind == E_INDEX);
}

static anode *postfix(lx *l)
{
    anode *n = primary(l);
    if (n && is_lvalue(n) && (is_op(l, "++") || is_op(l, "--"))) {
        anode *x = mk(E_INCDEC);
        x->op = l->op[0] == '+' ? 'i' : 'd'; /* post */
        x->a = n;
        next(l);
        return x;
    }
    return n;
}

static anode *power(lx *l)
{
    anode *n = postfix(l);
    if (n && is_op(l, "^")) {
        next(l);
        anode *x = mk(E_BIN);
        x->op = '^';
        x->a = n;
        x->b = unary(l); /* right associative, binds tighter than unary minus on the left */
        return x;
    }
    return n;
}

static anode *unary(lx *l)
{
    if (is_op(l, "!")) {
        next(l);
        anode *n = mk(E_NOT);
        n->a = unary(l);
        return n;
    }
    if (is_op(l, "-") || is_op(l, "+")) {
        char c = l->op[0];
        next(l);
        anode *n = mk(c == '-' ? E_NEG : E_PLUS);
        n->a = unary(l);
        return n;
    }
    if (is_op(l, "++") || is_op(l, "--")) {
        char c = l->op[0];
        next(l);
        anode *n = mk(E_INCDEC);
        n->op = c == '+' ? 'I' : 'D'; /* pre */
        n->a = unary(l);
        if (!is_lvalue(n->a))
            perr(l, "++ or -- needs a variable");
        return n;
    }
    return power(l);
}

static anode *mul(lx *l)
{
    anode *n = unary(l);
    while (n && (is_op(l, "*") || is_op(l, "/") || is_op(l, "%"))) {
        anode *x = mk(E_BIN);
        x->op = l->op[0];
        next(l);
        x->a = n;
        x->b = unary(l);
        n = x;
    }
    return n;
}

static anode *add(lx *l)
{
    anode *n = mul(l);
    while (n && (is_op(l, "+") || is_op(l, "-"))) {
        anode *x = mk(E_BIN);
        x->op = l->op[0];
        next(l);
        x->a = n;
        x->b = mul(l);
        n = x;
    }
    return n;
}

static bool starts_operand(lx *l)
{
    switch (l->tok) {
    case K_NUM: case K_STR: case K_ERE: case K_NAME: case K_FUNCNAME: case K_BUILTIN:
        return true;
    case K_OP:
        return is_op(l, "$") || is_op(l, "!") || is_op(l, "(") || is_op(l, "-") ||
               is_op(l, "+") || is_op(l, "++") || is_op(l, "--");
    default:
        return false;
    }
}

static anode *concat(lx *l)
{
    anode *n = add(l);
    while (n && starts_operand(l) && !(l->tok == K_GETLINE)) {
        /* `a -1` is subtraction, handled by add(); here only juxtaposition */
        anode *x = mk(E_CAT);
        x->a = n;
        x->b = add(l);
        n = x;
    }
    return n;
}

static anode *comparison(lx *l)
{
    anode *n = concat(l);
    if (!n)
        return n;
    const char *ops[] = {"<", "<=", "!=", "==", ">", ">=", NULL};
    for (int k = 0; ops[k]; k++) {
        if (is_op(l, ops[k])) {
            if (l->in_print > 0 && (strcmp(ops[k], ">") == 0))
                return n; /* print > "file" */
            anode *x = mk(E_CMP);
            x->op = k;
            next(l);
            x->a = n;
            x->b = concat(l);
            return x;
        }
    }
    /* cmd | getline */
    while (is_op(l, "|") && l->i < l->n) {
        /* look ahead for getline */
        size_t save_i = l->i;
        int save_line = l->line;
        next(l);
        if (l->tok != K_GETLINE) {
            l->i = save_i;
            l->line = save_line;
            l->tok = K_OP;
            strcpy(l->op, "|");
            return n;
        }
        next(l);
        anode *g = mk(E_GETLINE);
        g->op = 2; /* from command */
        g->b = n;
        if (l->tok == K_NAME || is_op(l, "$"))
            g->a = l->tok == K_NAME ? primary(l) : unary(l);
        l->prog->has_getline = true;
        n = g;
    }
    return n;
}

static anode *matchop(lx *l)
{
    anode *n = comparison(l);
    while (n && (is_op(l, "~") || is_op(l, "!~"))) {
        anode *x = mk(E_MATCH);
        x->op = l->op[0] == '!';
        next(l);
        x->a = n;
        x->b = comparison(l);
        n = x;
    }
    return n;
}

static anode *inop(lx *l)
{
    anode *n = matchop(l);
    while (n && l->tok == K_IN && !l->no_in) {
        next(l);
        if (l->tok != K_NAME) {
            perr(l, "expected array name after 'in'");
            return n;
        }
        anode *x = mk(E_IN);
        x->a = n;
        x->b = var_ref(l, l->text.s);
        next(l);
        n = x;
    }
    return n;
}

static anode *andop(lx *l)
{
    anode *n = inop(l);
    while (n && is_op(l, "&&")) {
        next(l);
        skip_nl(l);
        anode *x = mk(E_AND);
        x->a = n;
        x->b = inop(l);
        n = x;
    }
    return n;
}

static anode *orop(lx *l)
{
    anode *n = andop(l);
    while (n && is_op(l, "||")) {
        next(l);
        skip_nl(l);
        anode *x = mk(E_OR);
        x->a = n;
        x->b = andop(l);
        n = x;
    }
    return n;
}

static anode *ternary(lx *l)
{
    anode *n = orop(l);
    if (n && is_op(l, "?")) {
        next(l);
        skip_nl(l);
        anode *x = mk(E_COND);
        x->a = n;
        x->b = ternary(l);
        skip_nl(l);
        expect(l, ":");
        skip_nl(l);
        x->c = ternary(l);
        return x;
    }
    return n;
}

static anode *expr(lx *l)
{
    anode *n = ternary(l);
    if (!n)
        return NULL;
    static const char *const aops[] = {"=", "+=", "-=", "*=", "/=", "%=", "^=", NULL};
    for (int k = 0; aops[k]; k++) {
        if (is_op(l, aops[k])) {
            if (!is_lvalue(n)) {
                if (k == 3 - 3 + 4 && false) {
                }
                perr(l, "assignment to a non-variable");
                return n;
            }
            anode *x = mk(E_ASSIGN);
            x->op = k == 0 ? '=' : aops[k][0];
            next(l);
            skip_nl(l);
            x->a = n;
            x->b = expr(l);
            return x;
        }
    }
    return n;
}

static void end_simple(lx *l)
{
    if (l->tok == K_NL || is_op(l, ";")) {
        next(l);
        return;
    }
    if (is_op(l, "}") || l->tok == K_EOF)
        return;
    perr(l, "expected newline or ';'");
}

static anode *block(lx *l)
{
    expect(l, "{");
    anode *b = mk(S_BLOCK);
    anode **tail = &b->a;
    opt_nl(l);
    while (!l->err && !is_op(l, "}") && l->tok != K_EOF) {
        anode *s = stmt(l);
        if (s) {
            *tail = s;
            tail = &s->next;
        }
        opt_nl(l);
    }
    expect(l, "}");
    return b;
}

static anode *simple_or_block(lx *l)
{
    opt_nl(l);
    if (is_op(l, "{"))
        return block(l);
    if (is_op(l, ";")) {
        next(l);
        return mk(S_BLOCK);
    }
    return stmt(l);
}

static anode *print_stmt(lx *l, int kind)
{
    anode *n = mk(kind);
    next(l);
    l->in_print++;
    anode **tail = &n->a;
    if (!(l->tok == K_NL || is_op(l, ";") || is_op(l, "}") || is_op(l, ">") || is_op(l, ">>") ||
          is_op(l, "|") || l->tok == K_EOF)) {
        for (;;) {
            anode *e = expr(l);
            if (!e)
                break;
            /* print (a, b): a grouped list */
            *tail = e;
            tail = &e->next;
            n->nargs++;
            if (!accept(l, ","))
                break;
            skip_nl(l);
        }
    }
    /* print (a,b) parses as a grouping of the first only; fine for common use */
    l->in_print--;
    if (is_op(l, ">") || is_op(l, ">>") || is_op(l, "|")) {
        n->op = is_op(l, ">") ? '>' : is_op(l, ">>") ? 'a' : '|';
        next(l);
        n->b = concat(l);
    }
    end_simple(l);
    return n;
}

static anode *stmt(lx *l)
{
    if (l->err)
        return NULL;
    if (++l->depth > 300) {
        perr(l, "statement nesting too deep");
        return NULL;
    }
    anode *n = NULL;
    switch (l->tok) {
    case K_OP:
        if (is_op(l, "{")) {
            n = block(l);
            break;
        }
        if (is_op(l, ";")) {
            next(l);
            n = mk(S_BLOCK);
            break;
        }
        goto expression;
    case K_IF:
        next(l);
        n = mk(S_IF);
        expect(l, "(");
        n->a = expr(l);
        expect(l, ")");
        n->b = simple_or_block(l);
        {
            /* else may follow newlines / a semicolon */
            size_t save_i = l->i;
            int save_line = l->line, save_tok = l->tok;
            char save_op[4];
            memcpy(save_op, l->op, sizeof save_op);
            bool save_prev = l->prev_operand;
            opt_nl(l);
            if (l->tok == K_ELSE) {
                next(l);
                n->c = simple_or_block(l);
            } else if (l->i != save_i || l->tok != save_tok) {
                /* restore: the statement separator belongs to the caller */
                l->i = save_i;
                l->line = save_line;
                l->tok = save_tok;
                memcpy(l->op, save_op, sizeof save_op);
                l->prev_operand = save_prev;
                if (save_tok == K_NL || save_tok == K_OP) {
                    /* re-lexing from save_i is not possible for text tokens,
                     * but separators carry no text */
                }
            }
        }
        break;
    case K_WHILE:
        next(l);
        n = mk(S_WHILE);
        expect(l, "(");
        n->a = expr(l);
        expect(l, ")");
        if (is_op(l, ";")) {
            next(l);
            n->b = mk(S_BLOCK);
        } else {
            n->b = simple_or_block(l);
        }
        break;
    case K_DO:
        next(l);
        n = mk(S_DO);
        n->b = simple_or_block(l);
        opt_nl(l);
        if (l->tok != K_WHILE) {
            perr(l, "expected 'while' after 'do' body");
            break;
        }
        next(l);
        expect(l, "(");
        n->a = expr(l);
        expect(l, ")");
        end_simple(l);
        break;
    case K_FOR: {
        next(l);
        expect(l, "(");
        /* for (k in arr) */
        if (l->tok == K_NAME) {
            size_t save_i = l->i;
            int save_line = l->line;
            char *name = xstrdup(l->text.s);
            next(l);
            if (l->tok == K_IN) {
                next(l);
                if (l->tok == K_NAME) {
                    anode *arr = var_ref(l, l->text.s);
                    next(l);
                    if (is_op(l, ")")) {
                        next(l);
                        n = mk(S_FORIN);
                        n->a = var_ref(l, name);
                        n->b = arr;
                        n->c = simple_or_block(l);
                        free(name);
                        break;
                    }
                }
            }
            /* not for-in: rewind to the name */
            l->i = save_i - strlen(name);
            l->line = save_line;
            l->prev_operand = false;
            free(name);
            next(l);
        }
        n = mk(S_FOR);
        if (!is_op(l, ";"))
            n->a = expr(l);
        expect(l, ";");
        skip_nl(l);
        if (!is_op(l, ";"))
            n->b = expr(l);
        expect(l, ";");
        skip_nl(l);
        if (!is_op(l, ")"))
            n->c = expr(l);
        expect(l, ")");
        if (is_op(l, ";")) {
            next(l);
            n->d = mk(S_BLOCK);
        } else {
            n->d = simple_or_block(l);
        }
        break;
    }
    case K_BREAK: next(l); n = mk(S_BREAK); end_simple(l); break;
    case K_CONTINUE: next(l); n = mk(S_CONTINUE); end_simple(l); break;
    case K_NEXT: next(l); n = mk(S_NEXT); end_simple(l); break;
    case K_NEXTFILE: next(l); n = mk(S_NEXTFILE); end_simple(l); break;
    case K_EXIT:
        next(l);
        n = mk(S_EXIT);
        if (!(l->tok == K_NL || is_op(l, ";") || is_op(l, "}") || l->tok == K_EOF))
            n->a = expr(l);
        end_simple(l);
        break;
    case K_RETURN:
        next(l);
        n = mk(S_RETURN);
        if (!(l->tok == K_NL || is_op(l, ";") || is_op(l, "}") || l->tok == K_EOF))
            n->a = expr(l);
        end_simple(l);
        break;
    case K_DELETE:
        next(l);
        n = mk(S_DELETE);
        if (l->tok != K_NAME) {
            perr(l, "expected array name after delete");
            break;
        }
        {
            char *name = xstrdup(l->text.s);
            next(l);
            n->a = var_ref(l, name);
            free(name);
            if (accept(l, "[")) {
                anode **tail = &n->b;
                for (;;) {
                    anode *e = expr(l);
                    if (!e)
                        break;
                    *tail = e;
                    tail = &e->next;
                    if (!accept(l, ","))
                        break;
                }
                expect(l, "]");
            }
        }
        end_simple(l);
        break;
    case K_PRINT:
        n = print_stmt(l, S_PRINT);
        break;
    case K_PRINTF:
        n = print_stmt(l, S_PRINTF);
        if (!n->a)
            perr(l, "printf: no format");
        break;
    default:
    expression:
        n = mk(S_EXPR);
        n->a = expr(l);
        end_simple(l);
        break;
    }
    l->depth--;
    return n;
}

aprog *awk_parse(ucmd *u, const char *src, size_t len)
{
    aprog *p = xcalloc(1, sizeof *p);
    static const char *const specials[] = {"NR", "NF", "FNR", "FS", "OFS", "ORS", "RS",
                                           "FILENAME", "SUBSEP", "RSTART", "RLENGTH",
                                           "CONVFMT", "OFMT", "ENVIRON", "ARGC", "ARGV"};
    for (int i = 0; i < G_NSPECIAL; i++)
        awk_global(p, specials[i]);
    lx l;
    memset(&l, 0, sizeof l);
    l.u = u;
    l.s = src;
    l.n = len;
    l.line = 1;
    l.prog = p;
    sx_init(&l.text);
    next(&l);
    anode **btail = &p->begin, **etail = &p->end, **rtail = &p->rules;
    opt_nl(&l);
    while (!l.err && l.tok != K_EOF) {
        if (l.tok == K_BEGIN || l.tok == K_END) {
            bool begin = l.tok == K_BEGIN;
            next(&l);
            skip_nl(&l);
            anode *b = block(&l);
            if (begin) {
                *btail = b;
                btail = &b->next;
            } else {
                *etail = b;
                etail = &b->next;
            }
        } else if (l.tok == K_FUNCTION) {
            next(&l);
            if (l.tok != K_NAME && l.tok != K_FUNCNAME) {
                perr(&l, "expected function name");
                break;
            }
            int fi = func_index(&l, l.text.s);
            afunc *f = &p->funcs[fi];
            if (f->defined) {
                perr(&l, "function defined twice");
                break;
            }
            next(&l);
            expect(&l, "(");
            while (!l.err && l.tok == K_NAME) {
                f = &p->funcs[fi];
                f->params = xrealloc(f->params, sizeof *f->params * (size_t)(f->nparams + 1));
                f->params[f->nparams++] = xstrdup(l.text.s);
                next(&l);
                skip_nl(&l);
                if (!accept(&l, ","))
                    break;
                skip_nl(&l);
            }
            expect(&l, ")");
            skip_nl(&l);
            l.cur = &p->funcs[fi];
            anode *body = block(&l);
            f = &p->funcs[fi];
            f->body = body;
            f->defined = true;
            l.cur = NULL;
        } else {
            anode *r = mk(S_BLOCK);
            if (!is_op(&l, "{")) {
                r->a = expr(&l);
                if (accept(&l, ",")) {
                    skip_nl(&l);
                    r->b = expr(&l); /* range end */
                    r->op = 1;
                }
            }
            if (is_op(&l, "{"))
                r->c = block(&l);
            *rtail = r;
            rtail = &r->next;
        }
        opt_nl(&l);
    }
    for (int i = 0; i < p->nfuncs && !l.err; i++)
        if (!p->funcs[i].defined) {
            char msg[128];
            snprintf(msg, sizeof msg, "calling undefined function %s", p->funcs[i].name);
            perr(&l, msg);
        }
    sx_free(&l.text);
    if (l.err) {
        awk_free(p);
        return NULL;
    }
    return p;
}

static void node_free(anode *n)
{
    while (n) {
        anode *nx = n->next;
        node_free(n->a);
        node_free(n->b);
        node_free(n->c);
        node_free(n->d);
        astr_unref(n->str);
        if (n->re)
            rx_free(n->re);
        free(n);
        n = nx;
    }
}

void awk_free(aprog *p)
{
    if (!p)
        return;
    node_free(p->begin);
    node_free(p->end);
    node_free(p->rules);
    for (int i = 0; i < p->nfuncs; i++) {
        free(p->funcs[i].name);
        for (int k = 0; k < p->funcs[i].nparams; k++)
            free(p->funcs[i].params[k]);
        free(p->funcs[i].params);
        node_free(p->funcs[i].body);
    }
    free(p->funcs);
    for (int i = 0; i < p->nglobals; i++)
        free(p->globals[i]);
    free(p->globals);
    free(p);
}
