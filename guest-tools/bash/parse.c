/* parse.c: lexer and recursive-descent parser of the shell language.
 *
 * The lexer splits the script into operators and raw words (quotes and
 * expansions kept verbatim: expand.c interprets them when the command runs,
 * so a word is parsed once and expanded many times). It skips over nested
 * $( ), ${ }, $(( )), backquotes and quotes to find where a word ends, and
 * reads here-document bodies at the next newline. The parser follows the
 * POSIX grammar plus the bash forms agents use: [[ ]], (( )), for (( )),
 * `function name`, ;& and ;;&. Nodes live in a refcounted arena.
 */
#include "sh.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- arena ---- */

struct ablock {
    struct ablock *next;
    size_t used, cap;
    char data[];
};

arena *arena_new(void)
{
    arena *a = xcalloc(1, sizeof *a);
    a->refs = 1;
    return a;
}

void arena_unref(arena *a)
{
    if (!a || --a->refs > 0)
        return;
    struct ablock *b = a->blocks;
    while (b) {
        struct ablock *n = b->next;
        free(b);
        b = n;
    }
    free(a);
}

void *arena_alloc(arena *a, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    struct ablock *b = a->blocks;
    if (!b || b->used + n > b->cap) {
        size_t cap = n > 16384 ? n : 16384;
        b = xmalloc(sizeof *b + cap);
        b->cap = cap;
        b->used = 0;
        b->next = a->blocks;
        a->blocks = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

/* ---- lexer ---- */

enum tok {
    T_EOF, T_WORD, T_NL, T_SEMI, T_AMP, T_PIPE, T_PIPEAMP, T_ANDAND, T_OROR, T_DSEMI,
    T_SEMIAND, T_DSEMIAND, T_LPAREN, T_RPAREN, T_LESS, T_GREAT, T_DGREAT, T_DLESS,
    T_DLESSDASH, T_TLESS, T_LESSAND, T_GREATAND, T_LESSGREAT, T_CLOBBER, T_ANDGREAT,
    T_ANDDGREAT, T_ARITH, T_IONUM
};

static const char *const tok_names[] = {
    "end of file", "word", "newline", ";", "&", "|", "|&", "&&", "||", ";;", ";&", ";;&",
    "(", ")", "<", ">", ">>", "<<", "<<-", "<<<", "<&", ">&", "<>", ">|", "&>", "&>>",
    "((", "number"};

typedef struct pending_hd {
    redir *r;
    char *delim;
    bool strip;
} pending_hd;

typedef struct lexer {
    const char *s;
    size_t n, i;
    int line;
    arena *a;
    parse_err *err;
    bool failed;
    /* lookahead */
    bool have;
    int tok;
    char *text;
    int tline;
    pending_hd hd[64];
    int nhd;
    int depth;
} lexer;

static void lx_error(lexer *lx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void lx_error(lexer *lx, const char *fmt, ...)
{
    if (lx->failed)
        return;
    lx->failed = true;
    lx->err->line = lx->line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(lx->err->msg, sizeof lx->err->msg, fmt, ap);
    va_end(ap);
}

static int ch(lexer *lx, size_t k)
{
    return lx->i + k < lx->n ? (unsigned char)lx->s[lx->i + k] : -1;
}

/* Skip helpers: each takes an index just after the opening char and returns
 * the index just after the closing one, or n when unterminated. */
static size_t skip_dollar(lexer *lx, size_t i);
static size_t skip_cmdsub(lexer *lx, size_t i);

static size_t skip_squote(lexer *lx, size_t i)
{
    while (i < lx->n && lx->s[i] != '\'')
        i++;
    if (i >= lx->n) {
        lx_error(lx, "unexpected EOF while looking for matching `''");
        return lx->n;
    }
    return i + 1;
}

static size_t skip_ansi(lexer *lx, size_t i)
{
    while (i < lx->n && lx->s[i] != '\'') {
        if (lx->s[i] == '\\' && i + 1 < lx->n)
            i++;
        i++;
    }
    if (i >= lx->n) {
        lx_error(lx, "unexpected EOF while looking for matching `''");
        return lx->n;
    }
    return i + 1;
}

static size_t skip_bquote(lexer *lx, size_t i)
{
    while (i < lx->n && lx->s[i] != '`') {
        if (lx->s[i] == '\\' && i + 1 < lx->n)
            i++;
        i++;
    }
    if (i >= lx->n) {
        lx_error(lx, "unexpected EOF while looking for matching ``'");
        return lx->n;
    }
    return i + 1;
}

static size_t skip_dquote(lexer *lx, size_t i)
{
    while (i < lx->n && lx->s[i] != '"') {
        char c = lx->s[i];
        if (c == '\\' && i + 1 < lx->n)
            i += 2;
        else if (c == '$')
            i = skip_dollar(lx, i + 1);
        else if (c == '`')
            i = skip_bquote(lx, i + 1);
        else
            i++;
    }
    if (i >= lx->n) {
        lx_error(lx, "unexpected EOF while looking for matching `\"'");
        return lx->n;
    }
    return i + 1;
}

static size_t skip_braces(lexer *lx, size_t i)
{
    int depth = 1;
    while (i < lx->n) {
        char c = lx->s[i];
        if (c == '\\' && i + 1 < lx->n) {
            i += 2;
        } else if (c == '\'') {
            i = skip_squote(lx, i + 1);
        } else if (c == '"') {
            i = skip_dquote(lx, i + 1);
        } else if (c == '`') {
            i = skip_bquote(lx, i + 1);
        } else if (c == '$') {
            i = skip_dollar(lx, i + 1);
        } else if (c == '{') {
            depth++;
            i++;
        } else if (c == '}') {
            i++;
            if (--depth == 0)
                return i;
        } else {
            i++;
        }
    }
    lx_error(lx, "unexpected EOF while looking for matching `}'");
    return lx->n;
}

static size_t skip_arith(lexer *lx, size_t i)
{
    /* i is after "((" ; ends after "))" */
    int depth = 0;
    while (i < lx->n) {
        char c = lx->s[i];
        if (c == '\\' && i + 1 < lx->n) {
            i += 2;
        } else if (c == '\'') {
            i = skip_squote(lx, i + 1);
        } else if (c == '"') {
            i = skip_dquote(lx, i + 1);
        } else if (c == '`') {
            i = skip_bquote(lx, i + 1);
        } else if (c == '$') {
            i = skip_dollar(lx, i + 1);
        } else if (c == '(') {
            depth++;
            i++;
        } else if (c == ')') {
            if (depth == 0) {
                if (i + 1 < lx->n && lx->s[i + 1] == ')')
                    return i + 2;
                lx_error(lx, "syntax error in arithmetic expression");
                return lx->n;
            }
            depth--;
            i++;
        } else {
            i++;
        }
    }
    lx_error(lx, "unexpected EOF while looking for matching `))'");
    return lx->n;
}

static size_t skip_dollar(lexer *lx, size_t i)
{
    if (i >= lx->n)
        return i;
    char c = lx->s[i];
    if (c == '(') {
        if (i + 1 < lx->n && lx->s[i + 1] == '(')
            return skip_arith(lx, i + 2);
        return skip_cmdsub(lx, i + 1);
    }
    if (c == '{')
        return skip_braces(lx, i + 1);
    if (c == '\'')
        return skip_ansi(lx, i + 1);
    if (c == '"')
        return skip_dquote(lx, i + 1);
    return i;
}

static bool is_meta(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' ||
           c == '<' || c == '>' || c == '(' || c == ')';
}

/* Finds the ')' closing a command substitution, allowing for quotes,
 * comments, nested parentheses and case patterns. */
static size_t skip_cmdsub(lexer *lx, size_t i)
{
    int depth = 1;
    int case_at[64];
    int ncase = 0;
    bool word_start = true;
    /* here-documents inside $( ): their bodies are skipped verbatim */
    char hd_delim[16][128];
    bool hd_strip[16];
    int nhd = 0;
    if (++lx->depth > SH_MAX_PARSE_DEPTH) {
        lx_error(lx, "nesting too deep");
        return lx->n;
    }
    while (i < lx->n) {
        char c = lx->s[i];
        if (c == '<' && i + 2 < lx->n && lx->s[i + 1] == '<' && lx->s[i + 2] != '<' && nhd < 16) {
            i += 2;
            bool strip = false;
            if (i < lx->n && lx->s[i] == '-') {
                strip = true;
                i++;
            }
            while (i < lx->n && (lx->s[i] == ' ' || lx->s[i] == '\t'))
                i++;
            size_t b = i;
            while (i < lx->n && !is_meta((unsigned char)lx->s[i])) {
                if (lx->s[i] == '\'')
                    i = skip_squote(lx, i + 1);
                else if (lx->s[i] == '"')
                    i = skip_dquote(lx, i + 1);
                else
                    i++;
            }
            /* the delimiter without its quotes (no arena here: sh_scan_end) */
            size_t o = 0;
            for (size_t k = b; k < i && o < sizeof hd_delim[0] - 1; k++) {
                char d = lx->s[k];
                if (d == '\\' && k + 1 < i)
                    hd_delim[nhd][o++] = lx->s[++k];
                else if (d != '\'' && d != '"')
                    hd_delim[nhd][o++] = d;
            }
            hd_delim[nhd][o] = 0;
            hd_strip[nhd] = strip;
            nhd++;
            word_start = false;
            continue;
        }
        if (c == '\n' && nhd > 0) {
            i++;
            for (int k = 0; k < nhd; k++) {
                size_t dl = strlen(hd_delim[k]);
                while (i < lx->n) {
                    size_t b = i;
                    while (i < lx->n && lx->s[i] != '\n')
                        i++;
                    size_t e = i;
                    if (i < lx->n)
                        i++;
                    if (hd_strip[k])
                        while (b < e && lx->s[b] == '\t')
                            b++;
                    if (e - b == dl && memcmp(lx->s + b, hd_delim[k], dl) == 0)
                        break;
                }
            }
            nhd = 0;
            word_start = true;
            continue;
        }
        if (c == '\\' && i + 1 < lx->n) {
            i += 2;
            word_start = false;
        } else if (c == '\'') {
            i = skip_squote(lx, i + 1);
            word_start = false;
        } else if (c == '"') {
            i = skip_dquote(lx, i + 1);
            word_start = false;
        } else if (c == '`') {
            i = skip_bquote(lx, i + 1);
            word_start = false;
        } else if (c == '$') {
            i = skip_dollar(lx, i + 1);
            word_start = false;
        } else if (c == '#' && word_start) {
            while (i < lx->n && lx->s[i] != '\n')
                i++;
        } else if (c == '(') {
            depth++;
            i++;
            word_start = true;
        } else if (c == ')') {
            i++;
            if (ncase > 0 && case_at[ncase - 1] == depth) {
                word_start = true;
                continue; /* a case pattern's closing parenthesis */
            }
            if (--depth == 0) {
                lx->depth--;
                return i;
            }
            word_start = true;
        } else if (is_meta((unsigned char)c)) {
            i++;
            word_start = true;
        } else if (word_start) {
            size_t b = i;
            while (i < lx->n && !is_meta((unsigned char)lx->s[i]) && lx->s[i] != '\'' &&
                   lx->s[i] != '"' && lx->s[i] != '`' && lx->s[i] != '$' && lx->s[i] != '\\')
                i++;
            size_t wl = i - b;
            if (wl == 4 && memcmp(lx->s + b, "case", 4) == 0 && ncase < 64)
                case_at[ncase++] = depth;
            else if (wl == 4 && memcmp(lx->s + b, "esac", 4) == 0 && ncase > 0)
                ncase--;
            word_start = false;
        } else {
            i++;
        }
    }
    lx_error(lx, "unexpected EOF while looking for matching `)'");
    return lx->n;
}

static char *unquote_delim(lexer *lx, const char *s, size_t n, bool *quoted)
{
    sx b;
    sx_init(&b);
    *quoted = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\\' && i + 1 < n) {
            *quoted = true;
            sx_addc(&b, s[++i]);
        } else if (c == '\'' || c == '"') {
            *quoted = true;
        } else {
            sx_addc(&b, c);
        }
    }
    char *r = arena_strndup(lx->a, b.s, b.len);
    sx_free(&b);
    return r;
}

static void read_heredocs(lexer *lx)
{
    for (int k = 0; k < lx->nhd; k++) {
        pending_hd *h = &lx->hd[k];
        sx body;
        sx_init(&body);
        size_t dl = strlen(h->delim);
        bool found = false;
        while (lx->i < lx->n) {
            size_t b = lx->i;
            while (lx->i < lx->n && lx->s[lx->i] != '\n')
                lx->i++;
            size_t e = lx->i;
            if (lx->i < lx->n)
                lx->i++;
            lx->line++;
            if (h->strip)
                while (b < e && lx->s[b] == '\t')
                    b++;
            if (e - b == dl && memcmp(lx->s + b, h->delim, dl) == 0) {
                found = true;
                break;
            }
            if (body.len + (e - b) > SH_MAX_STRING) {
                lx_error(lx, "here-document too large");
                break;
            }
            sx_add(&body, lx->s + b, e - b);
            sx_addc(&body, '\n');
        }
        (void)found; /* bash only warns when the delimiter is missing */
        h->r->target.text = arena_strndup(lx->a, body.s, body.len);
        sx_free(&body);
    }
    lx->nhd = 0;
}

static int lex(lexer *lx)
{
    for (;;) {
        int c = ch(lx, 0);
        if (c == ' ' || c == '\t' || c == '\r') {
            lx->i++;
        } else if (c == '\\' && ch(lx, 1) == '\n') {
            lx->i += 2;
            lx->line++;
        } else if (c == '#') {
            while (lx->i < lx->n && lx->s[lx->i] != '\n')
                lx->i++;
        } else {
            break;
        }
    }
    lx->tline = lx->line;
    lx->text = NULL;
    int c = ch(lx, 0);
    if (c < 0) {
        if (lx->nhd)
            read_heredocs(lx);
        return T_EOF;
    }
    int c1 = ch(lx, 1), c2 = ch(lx, 2);
    if ((c == '<' || c == '>') && c1 == '(') {
        /* process substitution <(cmd) / >(cmd): one word */
        size_t b = lx->i;
        size_t e = skip_cmdsub(lx, lx->i + 2);
        if (lx->failed)
            return T_EOF;
        lx->text = arena_strndup(lx->a, lx->s + b, e - b);
        lx->i = e;
        return T_WORD;
    }
    switch (c) {
    case '\n':
        lx->i++;
        lx->line++;
        if (lx->nhd)
            read_heredocs(lx);
        return T_NL;
    case ';':
        if (c1 == ';' && c2 == '&') {
            lx->i += 3;
            return T_DSEMIAND;
        }
        if (c1 == ';') {
            lx->i += 2;
            return T_DSEMI;
        }
        if (c1 == '&') {
            lx->i += 2;
            return T_SEMIAND;
        }
        lx->i++;
        return T_SEMI;
    case '&':
        if (c1 == '&') {
            lx->i += 2;
            return T_ANDAND;
        }
        if (c1 == '>' && c2 == '>') {
            lx->i += 3;
            return T_ANDDGREAT;
        }
        if (c1 == '>') {
            lx->i += 2;
            return T_ANDGREAT;
        }
        lx->i++;
        return T_AMP;
    case '|':
        if (c1 == '|') {
            lx->i += 2;
            return T_OROR;
        }
        if (c1 == '&') {
            lx->i += 2;
            return T_PIPEAMP;
        }
        lx->i++;
        return T_PIPE;
    case '(':
        if (c1 == '(') {
            size_t b = lx->i + 2;
            size_t e = skip_arith(lx, b);
            if (lx->failed)
                return T_EOF;
            lx->text = arena_strndup(lx->a, lx->s + b, e - 2 - b);
            lx->i = e;
            return T_ARITH;
        }
        lx->i++;
        return T_LPAREN;
    case ')':
        lx->i++;
        return T_RPAREN;
    case '<':
        if (c1 == '<' && c2 == '<') {
            lx->i += 3;
            return T_TLESS;
        }
        if (c1 == '<' && c2 == '-') {
            lx->i += 3;
            return T_DLESSDASH;
        }
        if (c1 == '<') {
            lx->i += 2;
            return T_DLESS;
        }
        if (c1 == '&') {
            lx->i += 2;
            return T_LESSAND;
        }
        if (c1 == '>') {
            lx->i += 2;
            return T_LESSGREAT;
        }
        lx->i++;
        return T_LESS;
    case '>':
        if (c1 == '>') {
            lx->i += 2;
            return T_DGREAT;
        }
        if (c1 == '&') {
            lx->i += 2;
            return T_GREATAND;
        }
        if (c1 == '|') {
            lx->i += 2;
            return T_CLOBBER;
        }
        lx->i++;
        return T_GREAT;
    default:
        break;
    }
    /* a word */
    size_t b = lx->i, i = lx->i;
    bool digits = true;
    while (i < lx->n) {
        char d = lx->s[i];
        if (is_meta((unsigned char)d)) {
            break;
        } else if (d == '\\') {
            i += 2;
        } else if (d == '\'') {
            i = skip_squote(lx, i + 1);
        } else if (d == '"') {
            i = skip_dquote(lx, i + 1);
        } else if (d == '`') {
            i = skip_bquote(lx, i + 1);
        } else if (d == '$') {
            i = skip_dollar(lx, i + 1);
        } else if ((d == '@' || d == '*' || d == '?' || d == '+' || d == '!') && i + 1 < lx->n &&
                   lx->s[i + 1] == '(') {
            /* extglob-looking text: keep the parenthesised part in the word */
            i = skip_cmdsub(lx, i + 2);
        } else {
            i++;
        }
        if (d < '0' || d > '9')
            digits = false;
        if (i > lx->n)
            i = lx->n;
    }
    if (lx->failed)
        return T_EOF;
    for (size_t k = b; k < i && k < lx->n; k++)
        if (lx->s[k] == '\n')
            lx->line++;
    lx->text = arena_strndup(lx->a, lx->s + b, i - b);
    lx->i = i;
    if (digits && i - b <= 2 && (ch(lx, 0) == '<' || ch(lx, 0) == '>'))
        return T_IONUM;
    return T_WORD;
}

static int peek(lexer *lx)
{
    if (!lx->have) {
        lx->tok = lex(lx);
        lx->have = true;
    }
    return lx->tok;
}

static int next(lexer *lx)
{
    int t = peek(lx);
    lx->have = false;
    return t;
}

static bool peek_word(lexer *lx, const char *w)
{
    return peek(lx) == T_WORD && strcmp(lx->text, w) == 0;
}

static void expect_word(lexer *lx, const char *w)
{
    if (!peek_word(lx, w)) {
        int t = peek(lx);
        lx_error(lx, "syntax error near unexpected token `%s' (expected `%s')",
                 t == T_WORD || t == T_IONUM ? lx->text : tok_names[t], w);
        return;
    }
    next(lx);
}

static void skip_nl(lexer *lx)
{
    while (peek(lx) == T_NL)
        next(lx);
}

static void unexpected(lexer *lx)
{
    int t = peek(lx);
    if (t == T_EOF)
        lx_error(lx, "syntax error: unexpected end of file");
    else
        lx_error(lx, "syntax error near unexpected token `%s'",
                 t == T_WORD || t == T_IONUM ? lx->text : tok_names[t]);
}

/* ---- parser ---- */

typedef struct pvec {
    void **v;
    int n, cap;
} pvec;

static void pv_push(pvec *p, void *x)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 8;
        p->v = xrealloc(p->v, (size_t)p->cap * sizeof *p->v);
    }
    p->v[p->n++] = x;
}

static node *new_node(lexer *lx, int kind)
{
    node *n = arena_alloc(lx->a, sizeof *n);
    n->kind = kind;
    n->line = lx->tline;
    return n;
}

static node *parse_list(lexer *lx);
static node *parse_command(lexer *lx);

static bool is_reserved_stop(const char *w)
{
    static const char *const stops[] = {"then", "else", "elif", "fi", "do", "done",
                                        "esac", "}", NULL};
    for (int i = 0; stops[i]; i++)
        if (strcmp(w, stops[i]) == 0)
            return true;
    return false;
}

static bool at_list_end(lexer *lx)
{
    int t = peek(lx);
    if (t == T_EOF || t == T_RPAREN || t == T_DSEMI || t == T_SEMIAND || t == T_DSEMIAND)
        return true;
    return t == T_WORD && is_reserved_stop(lx->text);
}

static bool is_redir_tok(int t)
{
    return t == T_LESS || t == T_GREAT || t == T_DGREAT || t == T_DLESS || t == T_DLESSDASH ||
           t == T_TLESS || t == T_LESSAND || t == T_GREATAND || t == T_LESSGREAT ||
           t == T_CLOBBER || t == T_ANDGREAT || t == T_ANDDGREAT || t == T_IONUM;
}

static redir *parse_redir(lexer *lx)
{
    int fd = -1;
    int t = next(lx);
    if (t == T_IONUM) {
        fd = atoi(lx->text);
        t = next(lx);
    }
    redir *r = arena_alloc(lx->a, sizeof *r);
    r->fd = fd;
    switch (t) {
    case T_LESS: r->op = R_IN; break;
    case T_GREAT: r->op = R_OUT; break;
    case T_CLOBBER: r->op = R_CLOBBER; break;
    case T_DGREAT: r->op = R_APPEND; break;
    case T_LESSGREAT: r->op = R_INOUT; break;
    case T_LESSAND: r->op = R_DUPIN; break;
    case T_GREATAND: r->op = R_DUPOUT; break;
    case T_DLESS:
    case T_DLESSDASH: r->op = R_HEREDOC; break;
    case T_TLESS: r->op = R_HERESTR; break;
    case T_ANDGREAT: r->op = R_ALL; break;
    case T_ANDDGREAT: r->op = R_ALLAPPEND; break;
    default:
        unexpected(lx);
        return NULL;
    }
    if (peek(lx) != T_WORD) {
        unexpected(lx);
        return NULL;
    }
    next(lx);
    r->target.text = lx->text;
    r->target.line = lx->tline;
    if (r->op == R_HEREDOC) {
        if (lx->nhd >= 64) {
            lx_error(lx, "too many here-documents on one line");
            return NULL;
        }
        pending_hd *h = &lx->hd[lx->nhd++];
        h->r = r;
        h->strip = t == T_DLESSDASH;
        h->delim = unquote_delim(lx, lx->text, strlen(lx->text), &r->here_quoted);
        r->target.text = arena_strndup(lx->a, "", 0);
    }
    return r;
}

static redir *parse_redirs(lexer *lx, redir *head)
{
    redir **tail = &head;
    while (*tail)
        tail = &(*tail)->next;
    while (!lx->failed && is_redir_tok(peek(lx))) {
        redir *r = parse_redir(lx);
        if (!r)
            return head;
        *tail = r;
        tail = &r->next;
    }
    return head;
}

static word *words_to_arena(lexer *lx, pvec *v, int *out_n)
{
    word *w = arena_alloc(lx->a, sizeof *w * (size_t)(v->n ? v->n : 1));
    for (int i = 0; i < v->n; i++)
        w[i] = *(word *)v->v[i];
    *out_n = v->n;
    for (int i = 0; i < v->n; i++)
        free(v->v[i]);
    free(v->v);
    return w;
}

static word *mkword(lexer *lx)
{
    word *w = xmalloc(sizeof *w);
    w->text = lx->text;
    w->line = lx->tline;
    return w;
}

static bool is_assignment(const char *s)
{
    size_t i = 0;
    if (!(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return false;
    while (isalnum((unsigned char)s[i]) || s[i] == '_')
        i++;
    if (s[i] == '+' && s[i + 1] == '=')
        return true;
    return s[i] == '=';
}

bool sh_is_name(const char *s, size_t n)
{
    if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
            return false;
    return true;
}

static node *parse_simple(lexer *lx, const char *first, int first_line)
{
    node *n = new_node(lx, N_CMD);
    pvec assigns = {0}, args = {0};
    redir *rh = NULL, **rt = &rh;
    if (first) {
        word *w = xmalloc(sizeof *w);
        w->text = (char *)first;
        w->line = first_line;
        n->line = first_line;
        pv_push(is_assignment(first) ? &assigns : &args, w);
    }
    for (;;) {
        if (lx->failed)
            break;
        int t = peek(lx);
        if (is_redir_tok(t)) {
            redir *r = parse_redir(lx);
            if (!r)
                break;
            *rt = r;
            rt = &r->next;
        } else if (t == T_WORD) {
            next(lx);
            if (args.n == 0 && is_assignment(lx->text))
                pv_push(&assigns, mkword(lx));
            else
                pv_push(&args, mkword(lx));
        } else {
            break;
        }
    }
    n->u.cmd.assigns = words_to_arena(lx, &assigns, &n->u.cmd.nassign);
    n->u.cmd.args = words_to_arena(lx, &args, &n->u.cmd.nargs);
    n->redirs = rh;
    if (!lx->failed && n->u.cmd.nassign == 0 && n->u.cmd.nargs == 0 && !rh)
        unexpected(lx);
    return n;
}

static node *parse_if(lexer *lx)
{
    node *n = new_node(lx, N_IF);
    n->u.ifn.cond = parse_list(lx);
    expect_word(lx, "then");
    n->u.ifn.then = parse_list(lx);
    if (peek_word(lx, "elif")) {
        next(lx);
        n->u.ifn.els = parse_if(lx);
        return n;
    }
    if (peek_word(lx, "else")) {
        next(lx);
        n->u.ifn.els = parse_list(lx);
    }
    expect_word(lx, "fi");
    return n;
}

static node *parse_do(lexer *lx)
{
    skip_nl(lx);
    if (peek_word(lx, "{")) { /* bash accepts for x in ..; { ...; } */
        next(lx);
        node *b = parse_list(lx);
        expect_word(lx, "}");
        return b;
    }
    expect_word(lx, "do");
    node *b = parse_list(lx);
    expect_word(lx, "done");
    return b;
}

static node *parse_for(lexer *lx)
{
    if (peek(lx) == T_ARITH) {
        next(lx);
        node *n = new_node(lx, N_ARFOR);
        /* split "init; test; step" at top-level semicolons */
        const char *s = lx->text;
        const char *parts[3] = {s, "", ""};
        size_t lens[3] = {strlen(s), 0, 0};
        int k = 0, depth = 0;
        size_t start = 0, len = strlen(s);
        for (size_t i = 0; i <= len && k < 3; i++) {
            if (i < len && s[i] == '(')
                depth++;
            else if (i < len && s[i] == ')')
                depth--;
            if (i == len || (s[i] == ';' && depth == 0)) {
                parts[k] = s + start;
                lens[k] = i - start;
                k++;
                start = i + 1;
            }
        }
        if (k != 3) {
            lx_error(lx, "syntax error: bad for loop expression");
            return n;
        }
        n->u.arfor.init.text = arena_strndup(lx->a, parts[0], lens[0]);
        n->u.arfor.test.text = arena_strndup(lx->a, parts[1], lens[1]);
        n->u.arfor.step.text = arena_strndup(lx->a, parts[2], lens[2]);
        if (peek(lx) == T_SEMI)
            next(lx);
        n->u.arfor.body = parse_do(lx);
        return n;
    }
    node *n = new_node(lx, N_FOR);
    if (peek(lx) != T_WORD || !sh_is_name(lx->text, strlen(lx->text))) {
        lx_error(lx, "syntax error: `%s': not a valid identifier",
                 peek(lx) == T_WORD ? lx->text : tok_names[peek(lx)]);
        return n;
    }
    next(lx);
    n->u.forn.var = lx->text;
    skip_nl(lx);
    pvec ws = {0};
    if (peek_word(lx, "in")) {
        next(lx);
        n->u.forn.in = true;
        while (peek(lx) == T_WORD) {
            next(lx);
            pv_push(&ws, mkword(lx));
        }
        if (peek(lx) == T_SEMI || peek(lx) == T_NL)
            next(lx);
        else if (!lx->failed && !peek_word(lx, "do"))
            unexpected(lx);
    } else if (peek(lx) == T_SEMI) {
        next(lx);
    }
    n->u.forn.words = words_to_arena(lx, &ws, &n->u.forn.nwords);
    n->u.forn.body = parse_do(lx);
    return n;
}

static node *parse_case(lexer *lx)
{
    node *n = new_node(lx, N_CASE);
    if (peek(lx) != T_WORD) {
        unexpected(lx);
        return n;
    }
    next(lx);
    n->u.casen.subject.text = lx->text;
    n->u.casen.subject.line = lx->tline;
    skip_nl(lx);
    expect_word(lx, "in");
    skip_nl(lx);
    case_item **tail = &n->u.casen.items;
    while (!lx->failed && !peek_word(lx, "esac")) {
        case_item *ci = arena_alloc(lx->a, sizeof *ci);
        pvec pats = {0};
        if (peek(lx) == T_LPAREN)
            next(lx);
        for (;;) {
            if (peek(lx) != T_WORD) {
                unexpected(lx);
                break;
            }
            next(lx);
            pv_push(&pats, mkword(lx));
            if (peek(lx) == T_PIPE) {
                next(lx);
                continue;
            }
            break;
        }
        if (!lx->failed && next(lx) != T_RPAREN) {
            lx->have = true; /* put back for the message */
            unexpected(lx);
        }
        ci->pats = words_to_arena(lx, &pats, &ci->npats);
        skip_nl(lx);
        if (peek(lx) == T_DSEMI || peek(lx) == T_SEMIAND || peek(lx) == T_DSEMIAND ||
            peek_word(lx, "esac"))
            ci->body = NULL;
        else
            ci->body = parse_list(lx);
        int t = peek(lx);
        if (t == T_DSEMI || t == T_SEMIAND || t == T_DSEMIAND) {
            next(lx);
            ci->term = t == T_DSEMI ? 0 : t == T_SEMIAND ? 1 : 2;
        } else if (!peek_word(lx, "esac")) {
            unexpected(lx);
        }
        skip_nl(lx);
        *tail = ci;
        tail = &ci->next;
    }
    expect_word(lx, "esac");
    return n;
}

static node *parse_funcdef(lexer *lx, const char *name)
{
    node *n = new_node(lx, N_FUNC);
    n->u.func.name = arena_strndup(lx->a, name, strlen(name));
    skip_nl(lx);
    node *body = parse_command(lx);
    if (body && body->kind != N_GROUP && body->kind != N_SUBSHELL && body->kind != N_IF &&
        body->kind != N_WHILE && body->kind != N_UNTIL && body->kind != N_FOR &&
        body->kind != N_CASE && body->kind != N_ARITH && body->kind != N_COND &&
        body->kind != N_ARFOR && !lx->failed)
        lx_error(lx, "syntax error: function body must be a compound command");
    n->u.func.body = body;
    return n;
}

static node *parse_cond(lexer *lx)
{
    node *n = new_node(lx, N_COND);
    pvec ws = {0};
    for (;;) {
        int t = peek(lx);
        if (t == T_EOF || t == T_NL || lx->failed) {
            lx_error(lx, "syntax error: unexpected end of `[[' expression");
            break;
        }
        next(lx);
        word *w = xmalloc(sizeof *w);
        if (t == T_WORD) {
            if (strcmp(lx->text, "]]") == 0) {
                free(w);
                break;
            }
            w->text = lx->text;
            w->line = lx->tline;
            if (strcmp(lx->text, "=~") == 0 && !lx->have) {
                /* the regex operand may hold ( ) | < > unquoted: take the
                 * raw text up to blank space outside parentheses */
                pv_push(&ws, w);
                while (lx->i < lx->n && (lx->s[lx->i] == ' ' || lx->s[lx->i] == '\t'))
                    lx->i++;
                size_t b = lx->i, i = lx->i;
                int depth = 0;
                while (i < lx->n) {
                    char c = lx->s[i];
                    if (c == '\\' && i + 1 < lx->n) {
                        i += 2;
                    } else if (c == '\'') {
                        i = skip_squote(lx, i + 1);
                    } else if (c == '"') {
                        i = skip_dquote(lx, i + 1);
                    } else if (c == '$') {
                        i = skip_dollar(lx, i + 1);
                        if (i < lx->n && i > 0 && lx->s[i - 1] == '$')
                            continue;
                    } else if (c == '(') {
                        depth++;
                        i++;
                    } else if (c == ')' && depth > 0) {
                        depth--;
                        i++;
                    } else if (depth == 0 && (c == ' ' || c == '\t' || c == '\n' || c == ';' ||
                                              c == '&' || c == ')')) {
                        break;
                    } else {
                        i++;
                    }
                }
                word *r = xmalloc(sizeof *r);
                r->text = arena_strndup(lx->a, lx->s + b, i - b);
                r->line = lx->line;
                lx->i = i;
                pv_push(&ws, r);
                continue;
            }
        } else {
            /* operators inside [[ ]] are kept as marked words */
            w->text = (char *)tok_names[t];
            w->line = -1;
            if (t == T_IONUM) {
                w->text = lx->text;
                w->line = lx->tline;
            }
        }
        pv_push(&ws, w);
    }
    n->u.cond.w = words_to_arena(lx, &ws, &n->u.cond.n);
    return n;
}

static node *parse_command(lexer *lx)
{
    if (++lx->depth > SH_MAX_PARSE_DEPTH) {
        lx_error(lx, "syntax error: nesting too deep");
        return NULL;
    }
    node *n = NULL;
    int t = peek(lx);
    if (t == T_LPAREN) {
        next(lx);
        n = new_node(lx, N_SUBSHELL);
        n->u.sub.body = parse_list(lx);
        if (!lx->failed && next(lx) != T_RPAREN) {
            lx->have = true;
            unexpected(lx);
        }
    } else if (t == T_ARITH) {
        next(lx);
        n = new_node(lx, N_ARITH);
        n->u.arith.expr.text = lx->text;
        n->u.arith.expr.line = lx->tline;
    } else if (t == T_WORD) {
        const char *w = lx->text;
        if (strcmp(w, "{") == 0) {
            next(lx);
            n = new_node(lx, N_GROUP);
            n->u.sub.body = parse_list(lx);
            expect_word(lx, "}");
        } else if (strcmp(w, "if") == 0) {
            next(lx);
            n = parse_if(lx);
        } else if (strcmp(w, "while") == 0 || strcmp(w, "until") == 0) {
            next(lx);
            n = new_node(lx, w[0] == 'w' ? N_WHILE : N_UNTIL);
            n->u.loop.cond = parse_list(lx);
            n->u.loop.body = parse_do(lx);
        } else if (strcmp(w, "for") == 0) {
            next(lx);
            n = parse_for(lx);
        } else if (strcmp(w, "case") == 0) {
            next(lx);
            n = parse_case(lx);
        } else if (strcmp(w, "[[") == 0) {
            next(lx);
            n = parse_cond(lx);
        } else if (strcmp(w, "function") == 0) {
            next(lx);
            if (peek(lx) != T_WORD) {
                unexpected(lx);
                return NULL;
            }
            next(lx);
            const char *name = lx->text;
            if (peek(lx) == T_LPAREN) {
                next(lx);
                if (next(lx) != T_RPAREN) {
                    lx->have = true;
                    unexpected(lx);
                }
            }
            n = parse_funcdef(lx, name);
            lx->depth--;
            return n;
        } else if (is_reserved_stop(w) || strcmp(w, "in") == 0) {
            unexpected(lx);
            return NULL;
        } else {
            /* name () compound: the word is consumed, the next token peeked */
            const char *name = w;
            int nline = lx->tline;
            next(lx);
            if (peek(lx) == T_LPAREN && name[0] && !strpbrk(name, "'\"$`\\=")) {
                next(lx);
                if (next(lx) != T_RPAREN) {
                    lx->have = true;
                    unexpected(lx);
                    return NULL;
                }
                n = parse_funcdef(lx, name);
                lx->depth--;
                return n;
            }
            n = parse_simple(lx, name, nline);
            lx->depth--;
            return n;
        }
    } else if (is_redir_tok(t)) {
        n = parse_simple(lx, NULL, 0);
        lx->depth--;
        return n;
    } else {
        unexpected(lx);
        return NULL;
    }
    if (n && !lx->failed)
        n->redirs = parse_redirs(lx, n->redirs);
    lx->depth--;
    return n;
}

static node *parse_pipeline(lexer *lx)
{
    bool bang = false;
    while (peek_word(lx, "!")) {
        next(lx);
        bang = !bang;
    }
    if (peek_word(lx, "time")) /* accepted and ignored */
        next(lx);
    pvec v = {0};
    node *c = parse_command(lx);
    if (c)
        pv_push(&v, c);
    while (!lx->failed && (peek(lx) == T_PIPE || peek(lx) == T_PIPEAMP)) {
        int t = next(lx);
        if (t == T_PIPEAMP && c) {
            redir *r = arena_alloc(lx->a, sizeof *r);
            r->fd = 2;
            r->op = R_DUPOUT;
            r->target.text = arena_strndup(lx->a, "1", 1);
            redir **tl = &c->redirs;
            while (*tl)
                tl = &(*tl)->next;
            *tl = r;
        }
        skip_nl(lx);
        c = parse_command(lx);
        if (c)
            pv_push(&v, c);
    }
    if (v.n == 1 && !bang) {
        node *r = v.v[0];
        free(v.v);
        return r;
    }
    node *n = new_node(lx, N_PIPE);
    n->u.pipe.n = v.n;
    n->u.pipe.bang = bang;
    n->u.pipe.v = arena_alloc(lx->a, sizeof(node *) * (size_t)(v.n ? v.n : 1));
    if (v.n)
        memcpy(n->u.pipe.v, v.v, sizeof(node *) * (size_t)v.n);
    free(v.v);
    return n;
}

static node *parse_and_or(lexer *lx)
{
    node *l = parse_pipeline(lx);
    while (!lx->failed && (peek(lx) == T_ANDAND || peek(lx) == T_OROR)) {
        int t = next(lx);
        skip_nl(lx);
        node *r = parse_pipeline(lx);
        node *n = new_node(lx, t == T_ANDAND ? N_AND : N_OR);
        n->u.bin.l = l;
        n->u.bin.r = r;
        l = n;
    }
    return l;
}

static node *parse_list(lexer *lx)
{
    pvec v = {0};
    int nasync = 0;
    bool *async = NULL;
    skip_nl(lx);
    while (!lx->failed && !at_list_end(lx)) {
        node *c = parse_and_or(lx);
        if (lx->failed)
            break;
        bool a = false;
        int t = peek(lx);
        if (t == T_SEMI || t == T_AMP) {
            next(lx);
            a = t == T_AMP;
        } else if (t == T_NL) {
            /* separators */
        } else if (!at_list_end(lx)) {
            unexpected(lx);
            break;
        }
        pv_push(&v, c);
        async = xrealloc(async, (size_t)v.n * sizeof *async);
        async[v.n - 1] = a;
        nasync++;
        skip_nl(lx);
    }
    node *n = new_node(lx, N_LIST);
    n->u.list.n = v.n;
    n->u.list.v = arena_alloc(lx->a, sizeof(node *) * (size_t)(v.n ? v.n : 1));
    n->u.list.async = arena_alloc(lx->a, sizeof(bool) * (size_t)(v.n ? v.n : 1));
    if (v.n) {
        memcpy(n->u.list.v, v.v, sizeof(node *) * (size_t)v.n);
        memcpy(n->u.list.async, async, sizeof(bool) * (size_t)v.n);
    }
    free(v.v);
    free(async);
    return n;
}

node *sh_parse(arena *a, const char *src, size_t len, int first_line, parse_err *err)
{
    lexer lx;
    memset(&lx, 0, sizeof lx);
    lx.s = src;
    lx.n = len;
    lx.line = first_line;
    lx.a = a;
    lx.err = err;
    err->msg[0] = 0;
    err->line = first_line;
    node *n = parse_list(&lx);
    if (!lx.failed && peek(&lx) != T_EOF)
        unexpected(&lx);
    if (lx.failed)
        return NULL;
    return n;
}

/* Incremental parsing: one top-level command at a time, so a script runs
 * up to a syntax error further down, as bash does. */
struct sh_parser {
    lexer lx;
};

sh_parser *sh_parser_new(arena *a, const char *src, size_t len, int first_line, parse_err *err)
{
    sh_parser *p = xcalloc(1, sizeof *p);
    p->lx.s = src;
    p->lx.n = len;
    p->lx.line = first_line;
    p->lx.a = a;
    p->lx.err = err;
    err->msg[0] = 0;
    err->line = first_line;
    return p;
}

void sh_parser_free(sh_parser *p)
{
    free(p);
}

int sh_parse_one(sh_parser *p, node **out)
{
    lexer *lx = &p->lx;
    *out = NULL;
    if (lx->failed)
        return -1;
    while (peek(lx) == T_NL || peek(lx) == T_SEMI)
        next(lx);
    if (lx->failed)
        return -1;
    if (peek(lx) == T_EOF)
        return 0;
    /* one line: and-or lists separated by ; or & up to a newline */
    pvec v = {0};
    bool *async = NULL;
    for (;;) {
        lx->depth = 0;
        node *c = parse_and_or(lx);
        if (lx->failed)
            break;
        bool a = false;
        int t = peek(lx);
        if (t == T_SEMI || t == T_AMP) {
            next(lx);
            a = t == T_AMP;
        } else if (t != T_NL && t != T_EOF) {
            unexpected(lx);
            break;
        }
        pv_push(&v, c);
        async = xrealloc(async, (size_t)v.n * sizeof *async);
        async[v.n - 1] = a;
        t = peek(lx);
        if (lx->failed || t == T_NL || t == T_EOF)
            break;
    }
    if (lx->failed) {
        free(v.v);
        free(async);
        return -1;
    }
    node *n = new_node(lx, N_LIST);
    n->u.list.n = v.n;
    n->u.list.v = arena_alloc(lx->a, sizeof(node *) * (size_t)(v.n ? v.n : 1));
    n->u.list.async = arena_alloc(lx->a, sizeof(bool) * (size_t)(v.n ? v.n : 1));
    if (v.n) {
        memcpy(n->u.list.v, v.v, sizeof(node *) * (size_t)v.n);
        memcpy(n->u.list.async, async, sizeof(bool) * (size_t)v.n);
    }
    free(v.v);
    free(async);
    *out = n;
    return 1;
}

size_t sh_scan_end(const char *s, size_t n, size_t i, char open)
{
    lexer lx;
    parse_err err;
    memset(&lx, 0, sizeof lx);
    lx.s = s;
    lx.n = n;
    lx.err = &err;
    size_t r;
    switch (open) {
    case '(': r = skip_cmdsub(&lx, i); break;
    case '{': r = skip_braces(&lx, i); break;
    case 'A': r = skip_arith(&lx, i); break;
    case '`': r = skip_bquote(&lx, i); break;
    case '"': r = skip_dquote(&lx, i); break;
    case '\'': r = skip_squote(&lx, i); break;
    case '$': r = skip_ansi(&lx, i); break;
    default: r = n; break;
    }
    return lx.failed ? n : r;
}
