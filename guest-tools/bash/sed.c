/* sed.c: the stream editor, on the shared regex engine (sdk/regex.h).
 *
 * The script is parsed into a command array (addresses, ranges, blocks,
 * labels resolved to indexes). Execution is a resumable machine: lines are
 * queued as they arrive, a cycle runs from a saved program counter, and n/N
 * suspend the cycle until the next line (plus one line of lookahead for `$`)
 * is available — so sed streams inside a pipeline. -i rewrites each file.
 */
#include "cmds.h"
#include "regex.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { A_NONE, A_LINE, A_LAST, A_RE, A_STEP, A_PLUS, A_MULT, A_ZERO };

typedef struct saddr {
    int kind;
    long long n, step;
    rx *re;
} saddr;

typedef struct scmd {
    saddr a1, a2;
    bool neg;
    char cmd;
    bool active;        /* inside the range */
    long long end;      /* range end line for numeric forms */
    /* s */
    rx *re;
    char *rep;
    bool g, p, has_re;
    long long nth;
    /* a i c r w b t T : */
    char *text;
    int jump;           /* b t T: target index; { : index of the matching } */
    sh_io *wio;
    unsigned char ymap[256];
    int code;           /* q Q exit code */
} scmd;

typedef struct qline {
    char *s;
    size_t n;
    bool nl;
} qline;

typedef struct sed {
    ucmd *u;
    scmd *c;
    int nc;
    bool quiet, ere, separate, inplace, posix_z;
    const char *suffix;
    sx ps, hs;
    bool ps_nl;
    sx append;          /* a / r output queued for the end of the cycle */
    sx out;
    qline *q;
    int qn, qcap;
    bool input_done;
    bool in_cycle;
    int pc;
    int waiting;        /* 'n' or 'N' when suspended */
    long long lineno;
    bool last;
    bool tflag;
    bool quit;
    int status;
    rx *last_re;
    const char *fname;
    /* -i / -s: per-file */
    char **files;
    int nfiles;
} sed;

/* ---- parsing ---- */

typedef struct sp {
    const char *s;
    size_t i, n;
    ucmd *u;
    bool ere;
    bool err;
    rx **last;
} sp;

static void sp_err(sp *p, const char *msg)
{
    if (!p->err)
        uerr(p->u, "-e expression #1, char %zu: %s", p->i, msg);
    p->err = true;
}

static void ws(sp *p)
{
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t'))
        p->i++;
}

/* Reads a delimited regex or replacement; converts \n, \t and \delim. */
static char *delimited(sp *p, char delim, bool is_re)
{
    sx b;
    sx_init(&b);
    bool in_bracket = false;
    while (p->i < p->n) {
        char c = p->s[p->i];
        if (c == delim && !in_bracket) {
            p->i++;
            return sx_take(&b);
        }
        if (c == '\\' && p->i + 1 < p->n) {
            char d = p->s[p->i + 1];
            p->i += 2;
            if (d == delim && delim != '&') {
                if (is_re && strchr(".*[]^$+?(){}|", d) && d != '\n') {
                    /* an escaped delimiter is the literal character */
                    sx_addc(&b, '\\');
                }
                sx_addc(&b, d);
            } else if (d == 'n') {
                sx_adds(&b, is_re ? "\n" : "\\n");
            } else if (d == 't') {
                sx_addc(&b, '\t');
            } else if (d == '\n') {
                sx_addc(&b, '\n');
            } else {
                sx_addc(&b, '\\');
                sx_addc(&b, d);
            }
            continue;
        }
        if (is_re && c == '[' && !in_bracket) {
            in_bracket = true;
            sx_addc(&b, c);
            p->i++;
            if (p->i < p->n && p->s[p->i] == '^') {
                sx_addc(&b, '^');
                p->i++;
            }
            if (p->i < p->n && p->s[p->i] == ']') {
                sx_addc(&b, ']');
                p->i++;
            }
            continue;
        }
        if (is_re && c == ']' && in_bracket)
            in_bracket = false;
        sx_addc(&b, c);
        p->i++;
    }
    sx_free(&b);
    sp_err(p, is_re ? "unterminated address regex" : "unterminated `s' command");
    return NULL;
}

static rx *compile_re(sp *p, const char *pat, bool icase, bool multiline)
{
    if (!*pat) {
        if (!*p->last) {
            sp_err(p, "no previous regular expression");
            return NULL;
        }
        return NULL; /* NULL + has_re: use the last regex at run time */
    }
    unsigned flags = (p->ere ? RX_ERE : RX_BRE) | RX_LONGEST;
    if (icase)
        flags |= RX_ICASE;
    if (multiline)
        flags |= RX_MULTILINE;
    char err[256];
    rx *r = rx_compile(pat, strlen(pat), flags, err, sizeof err);
    if (!r) {
        uerr(p->u, "-e expression #1, char %zu: %s", p->i, err);
        p->err = true;
        return NULL;
    }
    *p->last = r;
    return r;
}

static bool parse_addr(sp *p, saddr *a, bool second)
{
    ws(p);
    if (p->i >= p->n)
        return false;
    char c = p->s[p->i];
    if (isdigit((unsigned char)c)) {
        long long v = 0;
        while (p->i < p->n && isdigit((unsigned char)p->s[p->i]))
            v = v * 10 + (p->s[p->i++] - '0');
        if (p->i < p->n && p->s[p->i] == '~' && !second) {
            p->i++;
            long long st = 0;
            while (p->i < p->n && isdigit((unsigned char)p->s[p->i]))
                st = st * 10 + (p->s[p->i++] - '0');
            a->kind = A_STEP;
            a->n = v;
            a->step = st;
            return true;
        }
        a->kind = v == 0 && !second ? A_ZERO : A_LINE;
        a->n = v;
        return true;
    }
    if (c == '$') {
        p->i++;
        a->kind = A_LAST;
        return true;
    }
    if (second && (c == '+' || c == '~')) {
        p->i++;
        long long v = 0;
        while (p->i < p->n && isdigit((unsigned char)p->s[p->i]))
            v = v * 10 + (p->s[p->i++] - '0');
        a->kind = c == '+' ? A_PLUS : A_MULT;
        a->n = v;
        return true;
    }
    if (c == '/' || c == '\\') {
        char delim = '/';
        p->i++;
        if (c == '\\') {
            if (p->i >= p->n) {
                sp_err(p, "unexpected end");
                return false;
            }
            delim = p->s[p->i++];
        }
        char *pat = delimited(p, delim, true);
        if (!pat)
            return false;
        bool icase = false, ml = false;
        while (p->i < p->n && (p->s[p->i] == 'I' || p->s[p->i] == 'M')) {
            if (p->s[p->i] == 'I')
                icase = true;
            else
                ml = true;
            p->i++;
        }
        a->kind = A_RE;
        a->re = compile_re(p, pat, icase, ml);
        free(pat);
        return !p->err;
    }
    return false;
}

/* Text argument of a, i, c: "a\<nl>text" or GNU "a text". */
static char *read_text(sp *p)
{
    ws(p);
    sx b;
    sx_init(&b);
    if (p->i < p->n && p->s[p->i] == '\\') {
        p->i++;
        if (p->i < p->n && p->s[p->i] == '\n')
            p->i++;
        else
            ws(p);
    }
    while (p->i < p->n && p->s[p->i] != '\n') {
        char c = p->s[p->i];
        if (c == '\\' && p->i + 1 < p->n) {
            char d = p->s[p->i + 1];
            p->i += 2;
            if (d == '\n')
                sx_addc(&b, '\n');
            else if (d == 't')
                sx_addc(&b, '\t');
            else
                sx_addc(&b, d);
            continue;
        }
        sx_addc(&b, c);
        p->i++;
    }
    return sx_take(&b);
}

static char *read_label(sp *p)
{
    ws(p);
    size_t b = p->i;
    while (p->i < p->n && p->s[p->i] != '\n' && p->s[p->i] != ';' && p->s[p->i] != '}')
        p->i++;
    size_t e = p->i;
    while (e > b && (p->s[e - 1] == ' ' || p->s[e - 1] == '\t'))
        e--;
    return xstrndup(p->s + b, e - b);
}

static char *read_fname(sp *p)
{
    ws(p);
    size_t b = p->i;
    while (p->i < p->n && p->s[p->i] != '\n')
        p->i++;
    return xstrndup(p->s + b, p->i - b);
}

static bool parse_script(sed *s, const char *src, size_t n)
{
    sp p = {src, 0, n, s->u, s->ere, false, &s->last_re};
    int cap = 16;
    s->c = xcalloc((size_t)cap, sizeof *s->c);
    int stack[256];
    int depth = 0;
    while (!p.err) {
        while (p.i < n && (isspace((unsigned char)src[p.i]) || src[p.i] == ';'))
            p.i++;
        if (p.i >= n)
            break;
        if (src[p.i] == '#') {
            while (p.i < n && src[p.i] != '\n')
                p.i++;
            continue;
        }
        if (s->nc == cap) {
            cap *= 2;
            s->c = xrealloc(s->c, sizeof *s->c * (size_t)cap);
        }
        scmd *c = &s->c[s->nc];
        memset(c, 0, sizeof *c);
        if (parse_addr(&p, &c->a1, false)) {
            ws(&p);
            if (p.i < n && src[p.i] == ',') {
                p.i++;
                if (!parse_addr(&p, &c->a2, true)) {
                    sp_err(&p, "unexpected `,'");
                    break;
                }
            }
        }
        if (p.err)
            break;
        ws(&p);
        while (p.i < n && src[p.i] == '!') {
            c->neg = !c->neg;
            p.i++;
            ws(&p);
        }
        if (p.i >= n) {
            sp_err(&p, "missing command");
            break;
        }
        char cmd = src[p.i++];
        c->cmd = cmd;
        switch (cmd) {
        case '{':
            if (depth >= 256) {
                sp_err(&p, "too many nested blocks");
                break;
            }
            stack[depth++] = s->nc;
            break;
        case '}':
            if (depth == 0) {
                sp_err(&p, "unexpected `}'");
                break;
            }
            s->c[stack[--depth]].jump = s->nc;
            break;
        case '=': case 'd': case 'D': case 'g': case 'G': case 'h': case 'H': case 'l':
        case 'n': case 'N': case 'p': case 'P': case 'x': case 'z': case 'F':
            break;
        case 'q':
        case 'Q':
            ws(&p);
            while (p.i < n && isdigit((unsigned char)src[p.i]))
                c->code = c->code * 10 + (src[p.i++] - '0');
            break;
        case 'a':
        case 'i':
        case 'c':
            c->text = read_text(&p);
            break;
        case ':':
            c->text = read_label(&p);
            if (!c->text[0])
                sp_err(&p, "\":\" lacks a label");
            break;
        case 'b':
        case 't':
        case 'T':
            c->text = read_label(&p);
            break;
        case 'r':
        case 'R':
            c->text = read_fname(&p);
            break;
        case 'w': {
            c->text = read_fname(&p);
            const char *fn = c->text;
            if (strcmp(fn, "/dev/stdout") == 0) {
                c->wio = io_ref(s->u->out);
            } else if (strcmp(fn, "/dev/stderr") == 0) {
                c->wio = io_ref(s->u->err);
            } else {
                int fd = sh_open(s->u->sh, fn, O_WRONLY | O_CREAT | O_TRUNC, 0666);
                if (fd < 0) {
                    uerr(s->u, "couldn't open file %s: %s", fn, sh_strerror(errno));
                    p.err = true;
                    break;
                }
                c->wio = io_fd(fd, true);
            }
            break;
        }
        case 's': {
            if (p.i >= n) {
                sp_err(&p, "unterminated `s' command");
                break;
            }
            char delim = src[p.i++];
            char *pat = delimited(&p, delim, true);
            if (!pat)
                break;
            char *rep = delimited(&p, delim, false);
            if (!rep) {
                free(pat);
                break;
            }
            bool icase = false, ml = false;
            for (;;) {
                if (p.i >= n)
                    break;
                char f = src[p.i];
                if (f == 'g') {
                    c->g = true;
                } else if (f == 'p') {
                    c->p = true;
                } else if (f == 'i' || f == 'I') {
                    icase = true;
                } else if (f == 'm' || f == 'M') {
                    ml = true;
                } else if (isdigit((unsigned char)f)) {
                    long long v = 0;
                    while (p.i < n && isdigit((unsigned char)src[p.i]))
                        v = v * 10 + (src[p.i++] - '0');
                    c->nth = v;
                    continue;
                } else if (f == 'w') {
                    p.i++;
                    char *fn = read_fname(&p);
                    int fd = sh_open(s->u->sh, fn, O_WRONLY | O_CREAT | O_TRUNC, 0666);
                    if (fd < 0) {
                        uerr(s->u, "couldn't open file %s: %s", fn, sh_strerror(errno));
                        p.err = true;
                    } else {
                        c->wio = io_fd(fd, true);
                    }
                    free(fn);
                    break;
                } else if (f == 'e') {
                    sp_err(&p, "the e flag is not supported");
                    break;
                } else {
                    break;
                }
                p.i++;
            }
            c->has_re = true;
            c->re = compile_re(&p, pat, icase, ml);
            c->rep = rep;
            free(pat);
            break;
        }
        case 'y': {
            if (p.i >= n) {
                sp_err(&p, "unterminated `y' command");
                break;
            }
            char delim = src[p.i++];
            char *a = delimited(&p, delim, false);
            char *b = a ? delimited(&p, delim, false) : NULL;
            if (!a || !b) {
                free(a);
                free(b);
                break;
            }
            /* undo the \n kept for replacements */
            for (char **t = (char *[]){a, b, NULL}; *t; t++) {
                char *r = *t, *w = *t;
                while (*r) {
                    if (r[0] == '\\' && r[1] == 'n') {
                        *w++ = '\n';
                        r += 2;
                    } else if (r[0] == '\\' && r[1] == '\\') {
                        *w++ = '\\';
                        r += 2;
                    } else {
                        *w++ = *r++;
                    }
                }
                *w = 0;
            }
            if (strlen(a) != strlen(b)) {
                sp_err(&p, "strings for `y' command are different lengths");
            } else {
                for (int k = 0; k < 256; k++)
                    c->ymap[k] = (unsigned char)k;
                for (size_t k = 0; a[k]; k++)
                    c->ymap[(unsigned char)a[k]] = (unsigned char)b[k];
            }
            free(a);
            free(b);
            break;
        }
        default: {
            char msg[64];
            snprintf(msg, sizeof msg, "unknown command: `%c'", cmd);
            sp_err(&p, msg);
            break;
        }
        }
        if (p.err)
            break;
        s->nc++;
        ws(&p);
        if (p.i < n && src[p.i] == '}' )
            continue;
        if (p.i < n && src[p.i] != ';' && src[p.i] != '\n' && src[p.i] != '#' &&
            !strchr("aicrwbtT:", cmd)) {
            sp_err(&p, "extra characters after command");
            break;
        }
    }
    if (!p.err && depth > 0)
        sp_err(&p, "unmatched `{'");
    if (p.err)
        return false;
    /* resolve labels */
    for (int k = 0; k < s->nc; k++) {
        scmd *c = &s->c[k];
        if (c->cmd != 'b' && c->cmd != 't' && c->cmd != 'T')
            continue;
        c->jump = s->nc;
        if (!c->text[0])
            continue;
        bool found = false;
        for (int j = 0; j < s->nc; j++)
            if (s->c[j].cmd == ':' && strcmp(s->c[j].text, c->text) == 0) {
                c->jump = j;
                found = true;
            }
        if (!found) {
            uerr(s->u, "-e expression #1, char 0: can't find label for jump to `%s'", c->text);
            return false;
        }
    }
    return true;
}

/* ---- execution ---- */

static rx *use_re(sed *s, rx *r)
{
    if (r) {
        s->last_re = r;
        return r;
    }
    return s->last_re;
}

static bool match_addr(sed *s, saddr *a)
{
    switch (a->kind) {
    case A_LINE: return s->lineno == a->n;
    case A_ZERO: return false;
    case A_LAST: return s->last;
    case A_STEP:
        if (a->step <= 0)
            return s->lineno == a->n;
        return s->lineno >= a->n && (s->lineno - a->n) % a->step == 0;
    case A_RE: {
        rx *r = use_re(s, a->re);
        return r && rx_search(r, s->ps.s, s->ps.len, 0, NULL, 0) == 1;
    }
    default: return false;
    }
}

static bool selected(sed *s, scmd *c)
{
    bool m;
    if (c->a1.kind == A_NONE) {
        m = true;
    } else if (c->a2.kind == A_NONE) {
        m = match_addr(s, &c->a1);
    } else if (!c->active) {
        bool start = c->a1.kind == A_ZERO ? s->lineno == 1 && c->a2.kind == A_RE : match_addr(s, &c->a1);
        if (c->a1.kind == A_ZERO && start) {
            /* 0,/re/: the regex may end the range on line 1 */
            m = true;
            if (!match_addr(s, &c->a2))
                c->active = true;
        } else if (start) {
            m = true;
            switch (c->a2.kind) {
            case A_LINE:
                c->active = c->a2.n > s->lineno;
                c->end = c->a2.n;
                break;
            case A_PLUS:
                c->end = s->lineno + c->a2.n;
                c->active = c->a2.n > 0;
                break;
            case A_MULT:
                c->end = c->a2.n > 0 ? ((s->lineno + c->a2.n - 1) / c->a2.n) * c->a2.n : s->lineno;
                if (c->end < s->lineno)
                    c->end = s->lineno;
                c->active = c->end > s->lineno;
                break;
            case A_LAST:
                c->active = !s->last;
                break;
            default:
                c->active = true;
                break;
            }
        } else {
            m = false;
        }
    } else {
        m = true;
        switch (c->a2.kind) {
        case A_LINE:
        case A_PLUS:
        case A_MULT:
            if (s->lineno >= c->end)
                c->active = false;
            if (c->a2.kind == A_LINE && s->lineno > c->end) {
                c->active = false;
                m = false;
                m = match_addr(s, &c->a1);
            }
            break;
        case A_LAST:
            if (s->last)
                c->active = false;
            break;
        default:
            if (match_addr(s, &c->a2))
                c->active = false;
            break;
        }
    }
    return c->neg ? !m : m;
}

static void emit_ps(sed *s, sx *o, bool nl)
{
    sx_add(o, s->ps.s, s->ps.len);
    if (nl)
        sx_addc(o, '\n');
}

static void do_l(sed *s)
{
    sx *o = &s->out;
    int col = 0;
    for (size_t i = 0; i < s->ps.len; i++) {
        unsigned char c = (unsigned char)s->ps.s[i];
        char buf[8];
        if (c == '\\') strcpy(buf, "\\\\");
        else if (c == '\a') strcpy(buf, "\\a");
        else if (c == '\b') strcpy(buf, "\\b");
        else if (c == '\f') strcpy(buf, "\\f");
        else if (c == '\n') strcpy(buf, "\\n");
        else if (c == '\r') strcpy(buf, "\\r");
        else if (c == '\t') strcpy(buf, "\\t");
        else if (c == '\v') strcpy(buf, "\\v");
        else if (c < 32 || c >= 127) snprintf(buf, sizeof buf, "\\%03o", c);
        else {
            buf[0] = (char)c;
            buf[1] = 0;
        }
        int w = (int)strlen(buf);
        if (col + w > 69) {
            sx_adds(o, "\\\n");
            col = 0;
        }
        sx_adds(o, buf);
        col += w;
    }
    sx_adds(o, "$\n");
}

static void case_add(sx *o, const char *p, size_t n, int *onecase, int mode)
{
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (*onecase) {
            c = (char)(*onecase == 'u' ? toupper((unsigned char)c) : tolower((unsigned char)c));
            *onecase = 0;
        } else if (mode == 'U') {
            c = (char)toupper((unsigned char)c);
        } else if (mode == 'L') {
            c = (char)tolower((unsigned char)c);
        }
        sx_addc(o, c);
    }
}

static void expand_rep(const char *rep, const char *src, const size_t *caps, int ncaps, sx *o)
{
    int mode = 0, onecase = 0;
    for (const char *r = rep; *r; r++) {
        if (*r == '&') {
            case_add(o, src + caps[0], caps[1] - caps[0], &onecase, mode);
        } else if (*r == '\\' && r[1]) {
            r++;
            if (*r >= '0' && *r <= '9') {
                int g = *r - '0';
                if (g < ncaps && caps[2 * g] != RX_UNSET)
                    case_add(o, src + caps[2 * g], caps[2 * g + 1] - caps[2 * g], &onecase, mode);
            } else if (*r == 'n') {
                sx_addc(o, '\n');
            } else if (*r == 't') {
                sx_addc(o, '\t');
            } else if (*r == 'U' || *r == 'L') {
                mode = *r;
            } else if (*r == 'E') {
                mode = 0;
            } else if (*r == 'u' || *r == 'l') {
                onecase = *r;
            } else {
                case_add(o, r, 1, &onecase, mode);
            }
        } else {
            case_add(o, r, 1, &onecase, mode);
        }
    }
}

static bool do_s(sed *s, scmd *c)
{
    rx *r = use_re(s, c->re);
    if (!r)
        return false;
    size_t caps[20];
    int ncaps = 10;
    sx o;
    sx_init(&o);
    size_t pos = 0, len = s->ps.len;
    long long count = 0;
    bool did = false;
    size_t prev_end = (size_t)-1;
    const char *src = s->ps.s;
    while (pos <= len) {
        for (int k = 0; k < 20; k++)
            caps[k] = RX_UNSET;
        int m = rx_search(r, src, len, pos, caps, 2 * ncaps);
        if (m != 1)
            break;
        size_t ms = caps[0], me = caps[1];
        if (ms == me && ms == prev_end) {
            /* no empty match right after the previous match */
            if (ms >= len)
                break;
            sx_add(&o, src + pos, ms + 1 - pos);
            pos = ms + 1;
            continue;
        }
        count++;
        bool replace = c->nth ? count == c->nth || (c->g && count > c->nth) : true;
        sx_add(&o, src + pos, ms - pos);
        if (replace) {
            expand_rep(c->rep, src, caps, ncaps, &o);
            did = true;
        } else {
            sx_add(&o, src + ms, me - ms);
        }
        prev_end = me;
        if (me == ms) {
            if (ms < len)
                sx_addc(&o, src[ms]);
            pos = ms + 1;
        } else {
            pos = me;
        }
        if (did && !c->g)
            break;
        if (o.len > SH_MAX_STRING)
            break;
    }
    if (!did) {
        sx_free(&o);
        return false;
    }
    if (pos < len)
        sx_add(&o, src + pos, len - pos);
    sx_free(&s->ps);
    s->ps = o;
    return true;
}

/* Takes the next queued line into the pattern space (replace or append). */
static void take_line(sed *s, bool append)
{
    qline l = s->q[0];
    memmove(s->q, s->q + 1, sizeof *s->q * (size_t)(s->qn - 1));
    s->qn--;
    if (append) {
        sx_addc(&s->ps, '\n');
        sx_add(&s->ps, l.s, l.n);
    } else {
        sx_reset(&s->ps);
        sx_add(&s->ps, l.s, l.n);
    }
    s->ps_nl = l.nl;
    free(l.s);
    s->lineno++;
    s->last = s->qn == 0 && s->input_done;
}

static bool can_take(sed *s)
{
    return s->qn >= 2 || (s->qn == 1 && s->input_done);
}

static void end_cycle(sed *s, bool autoprint)
{
    if (autoprint && !s->quiet)
        emit_ps(s, &s->out, s->ps_nl || !s->last);
    if (s->append.len) {
        sx_add(&s->out, s->append.s, s->append.len);
        sx_reset(&s->append);
    }
    s->in_cycle = false;
}

static void queue_file(sed *s, const char *name)
{
    sx d;
    sx_init(&d);
    if (sh_read_file(s->u->sh, name, &d, SH_MAX_STRING) == 0)
        sx_add(&s->append, d.s, d.len);
    sx_free(&d);
}

/* Runs cycles while input allows. */
static void sed_run(sed *s)
{
    while (!s->quit) {
        if (!s->in_cycle) {
            if (!can_take(s))
                return;
            take_line(s, false);
            s->in_cycle = true;
            s->tflag = false;
            s->pc = 0;
        } else if (s->waiting) {
            if (!can_take(s)) {
                if (!s->input_done)
                    return;
                /* no next line: GNU prints the pattern space and ends */
                s->waiting = 0;
                end_cycle(s, true);
                s->quit = true;
                return;
            }
            if (s->waiting == 'n') {
                if (!s->quiet)
                    emit_ps(s, &s->out, true);
                take_line(s, false);
            } else {
                take_line(s, true);
            }
            s->waiting = 0;
            s->pc++;
        }
        bool restart = false, deleted = false;
        while (s->pc < s->nc && !s->quit) {
            scmd *c = &s->c[s->pc];
            if (c->cmd == '}' || c->cmd == ':') {
                s->pc++;
                continue;
            }
            if (!selected(s, c)) {
                s->pc = c->cmd == '{' ? c->jump + 1 : s->pc + 1;
                continue;
            }
            switch (c->cmd) {
            case '{': break;
            case '=': sx_printf(&s->out, "%lld\n", s->lineno); break;
            case 'a': sx_adds(&s->append, c->text); sx_addc(&s->append, '\n'); break;
            case 'i': sx_adds(&s->out, c->text); sx_addc(&s->out, '\n'); break;
            case 'c':
                if (c->a2.kind == A_NONE || !c->active) {
                    sx_adds(&s->out, c->text);
                    sx_addc(&s->out, '\n');
                }
                deleted = true;
                break;
            case 'd': deleted = true; break;
            case 'D': {
                char *nl = memchr(s->ps.s, '\n', s->ps.len);
                if (!nl) {
                    deleted = true;
                } else {
                    size_t k = (size_t)(nl - s->ps.s) + 1;
                    memmove(s->ps.s, s->ps.s + k, s->ps.len - k);
                    s->ps.len -= k;
                    s->ps.s[s->ps.len] = 0;
                    restart = true;
                }
                break;
            }
            case 'g': sx_reset(&s->ps); sx_add(&s->ps, s->hs.s, s->hs.len); break;
            case 'G': sx_addc(&s->ps, '\n'); sx_add(&s->ps, s->hs.s, s->hs.len); break;
            case 'h': sx_reset(&s->hs); sx_add(&s->hs, s->ps.s, s->ps.len); break;
            case 'H': sx_addc(&s->hs, '\n'); sx_add(&s->hs, s->ps.s, s->ps.len); break;
            case 'x': {
                sx t = s->ps;
                s->ps = s->hs;
                s->hs = t;
                break;
            }
            case 'l': do_l(s); break;
            case 'n':
            case 'N':
                if (!can_take(s) && !s->input_done) {
                    s->waiting = c->cmd;
                    return; /* suspended until more input */
                }
                if (!can_take(s)) {
                    /* no next line */
                    if (c->cmd == 'N' || !s->quiet)
                        end_cycle(s, true);
                    else
                        end_cycle(s, false);
                    s->quit = true;
                    return;
                }
                if (c->cmd == 'n') {
                    if (!s->quiet)
                        emit_ps(s, &s->out, true);
                    take_line(s, false);
                } else {
                    take_line(s, true);
                }
                break;
            case 'p': emit_ps(s, &s->out, true); break;
            case 'P': {
                char *nl = memchr(s->ps.s, '\n', s->ps.len);
                sx_add(&s->out, s->ps.s, nl ? (size_t)(nl - s->ps.s) : s->ps.len);
                sx_addc(&s->out, '\n');
                break;
            }
            case 'q':
                end_cycle(s, true);
                s->status = c->code;
                s->quit = true;
                return;
            case 'Q':
                s->status = c->code;
                s->quit = true;
                s->in_cycle = false;
                return;
            case 'r': queue_file(s, c->text); break;
            case 'w':
                io_write(s->u->sh, c->wio, s->ps.s, s->ps.len);
                io_write(s->u->sh, c->wio, "\n", 1);
                break;
            case 's':
                if (do_s(s, c)) {
                    s->tflag = true;
                    if (c->p)
                        emit_ps(s, &s->out, true);
                    if (c->wio) {
                        io_write(s->u->sh, c->wio, s->ps.s, s->ps.len);
                        io_write(s->u->sh, c->wio, "\n", 1);
                    }
                }
                break;
            case 'y':
                for (size_t k = 0; k < s->ps.len; k++)
                    s->ps.s[k] = (char)c->ymap[(unsigned char)s->ps.s[k]];
                break;
            case 'z': sx_reset(&s->ps); break;
            case 'F':
                sx_adds(&s->out, s->fname ? s->fname : "-");
                sx_addc(&s->out, '\n');
                break;
            case 'b':
                s->pc = c->jump;
                continue;
            case 't':
            case 'T':
                if (s->tflag == (c->cmd == 't')) {
                    s->tflag = false;
                    s->pc = c->jump;
                    continue;
                }
                if (c->cmd == 't')
                    s->tflag = false;
                break;
            default:
                break;
            }
            if (deleted || restart)
                break;
            s->pc++;
        }
        if (deleted) {
            end_cycle(s, false);
        } else if (restart) {
            /* D: start the next cycle without reading a new line */
            if (s->append.len) {
                sx_add(&s->out, s->append.s, s->append.len);
                sx_reset(&s->append);
            }
            s->pc = 0;
            s->tflag = false;
            continue;
        } else if (s->in_cycle) {
            end_cycle(s, true);
        }
    }
}

static void sed_feed(sed *s, const char *p, size_t n)
{
    bool nl = n && p[n - 1] == '\n';
    if (s->qn == s->qcap) {
        s->qcap = s->qcap ? s->qcap * 2 : 8;
        s->q = xrealloc(s->q, sizeof *s->q * (size_t)s->qcap);
    }
    s->q[s->qn].s = xstrndup(p, nl ? n - 1 : n);
    s->q[s->qn].n = nl ? n - 1 : n;
    s->q[s->qn].nl = nl;
    s->qn++;
}

static void sed_reset_input(sed *s)
{
    for (int i = 0; i < s->qn; i++)
        free(s->q[i].s);
    s->qn = 0;
    s->input_done = false;
    s->in_cycle = false;
    s->waiting = 0;
    s->quit = false;
    for (int i = 0; i < s->nc; i++)
        s->c[i].active = false;
}

static void sed_free(sed *s)
{
    for (int i = 0; i < s->nc; i++) {
        scmd *c = &s->c[i];
        if (c->a1.re)
            rx_free(c->a1.re);
        if (c->a2.re)
            rx_free(c->a2.re);
        if (c->re)
            rx_free(c->re);
        free(c->rep);
        free(c->text);
        io_unref(c->wio);
    }
    free(s->c);
    for (int i = 0; i < s->qn; i++)
        free(s->q[i].s);
    free(s->q);
    sx_free(&s->ps);
    sx_free(&s->hs);
    sx_free(&s->append);
    sx_free(&s->out);
    free(s);
}

/* ---- streaming frame ---- */

static void flush_out(ucmd *u, sed *s)
{
    if (s->out.len) {
        uwrite(u, s->out.s, s->out.len);
        sx_reset(&s->out);
    }
}

static int sed_line(ucmd *u, lf *l, const char *p, size_t n)
{
    sed *s = l->ctx;
    if (s->quit)
        return s->status + 1;
    sed_feed(s, p, n);
    sed_run(s);
    flush_out(u, s);
    if (s->quit)
        return s->status + 1;
    return 0;
}

static void sed_file_start(ucmd *u, lf *l)
{
    (void)u;
    sed *s = l->ctx;
    s->fname = l->f.cur_is_stdin ? "-" : l->f.curname;
}

static void sed_file_end(ucmd *u, lf *l)
{
    sed *s = l->ctx;
    if (s->separate) {
        s->input_done = true;
        sed_run(s);
        flush_out(u, s);
        s->input_done = false;
        s->lineno = 0;
    }
}

static int sed_end(ucmd *u, lf *l)
{
    sed *s = l->ctx;
    s->input_done = true;
    sed_run(s);
    flush_out(u, s);
    return s->status ? s->status : (l->f.status ? 2 : 0);
}

static void sed_free_v(void *p)
{
    sed_free(p);
}

static int sed_inplace(ucmd *u, sed *s, char **files, int n)
{
    int st = 0;
    for (int i = 0; i < n; i++) {
        sx d;
        sx_init(&d);
        if (sh_read_file(u->sh, files[i], &d, SH_MAX_STRING) != 0) {
            uerr(u, "can't read %s: %s", files[i], sh_strerror(errno));
            sx_free(&d);
            st = 2;
            continue;
        }
        sed_reset_input(s);
        s->lineno = 0;
        s->fname = files[i];
        size_t k = 0;
        while (k < d.len) {
            const char *e = memchr(d.s + k, '\n', d.len - k);
            size_t len = e ? (size_t)(e - (d.s + k)) + 1 : d.len - k;
            sed_feed(s, d.s + k, len);
            k += len;
        }
        s->input_done = true;
        sed_run(s);
        while (s->in_cycle && !s->quit)
            sed_run(s);
        if (s->suffix && *s->suffix) {
            sx bak;
            sx_init(&bak);
            sx_adds(&bak, files[i]);
            sx_adds(&bak, s->suffix);
            int fd = sh_open(u->sh, bak.s, O_WRONLY | O_CREAT | O_TRUNC, 0666);
            if (fd >= 0) {
                sh_io *io = io_fd(fd, true);
                io_write(u->sh, io, d.s, d.len);
                io_unref(io);
            }
            sx_free(&bak);
        }
        int fd = sh_open(u->sh, files[i], O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (fd < 0) {
            uerr(u, "couldn't open %s: %s", files[i], sh_strerror(errno));
            st = 4;
        } else {
            sh_io *io = io_fd(fd, true);
            io_write(u->sh, io, s->out.s, s->out.len);
            io_unref(io);
        }
        sx_reset(&s->out);
        sx_free(&d);
        if (s->quit && s->status)
            st = s->status;
    }
    return st;
}

int u_sed(ucmd *u)
{
    sed *s = xcalloc(1, sizeof *s);
    s->u = u;
    sx_init(&s->ps);
    sx_init(&s->hs);
    sx_init(&s->append);
    sx_init(&s->out);
    sx script;
    sx_init(&script);
    bool have_script = false;
    int st = 1;
    /* options may follow operands, as in GNU sed */
    strv ops = {0};
    for (int i = 1; i < u->argc; i++) {
        const char *a = u->argv[i];
        if (a[0] == '-' && a[1] && a[1] != '-') {
            for (const char *p = a + 1; *p; p++) {
                char c = *p;
                if (c == 'n') s->quiet = true;
                else if (c == 'E' || c == 'r') s->ere = true;
                else if (c == 's') s->separate = true;
                else if (c == 'u' || c == 'z' || c == 'l') {
                    if (c == 'l' && !p[1] && i + 1 < u->argc)
                        i++;
                } else if (c == 'i') {
                    s->inplace = true;
                    s->separate = true;
                    s->suffix = p + 1;
                    break;
                } else if (c == 'e' || c == 'f') {
                    const char *arg = p[1] ? p + 1 : (i + 1 < u->argc ? u->argv[++i] : NULL);
                    if (!arg) {
                        uerr(u, "option requires an argument -- '%c'", c);
                        goto out;
                    }
                    if (script.len)
                        sx_addc(&script, '\n');
                    if (c == 'e') {
                        sx_adds(&script, arg);
                    } else if (sh_read_file(u->sh, arg, &script, SH_MAX_SCRIPT) != 0) {
                        uerr(u, "couldn't open file %s: %s", arg, sh_strerror(errno));
                        goto out;
                    }
                    have_script = true;
                    break;
                } else {
                    uerr(u, "invalid option -- '%c'", c);
                    goto out;
                }
            }
        } else if (strncmp(a, "--", 2) == 0 && a[2]) {
            if (strcmp(a, "--quiet") == 0 || strcmp(a, "--silent") == 0) s->quiet = true;
            else if (strcmp(a, "--regexp-extended") == 0) s->ere = true;
            else if (strcmp(a, "--separate") == 0) s->separate = true;
            else if (strncmp(a, "--in-place", 10) == 0) {
                s->inplace = s->separate = true;
                s->suffix = a[10] == '=' ? a + 11 : "";
            } else if (strncmp(a, "--expression=", 13) == 0) {
                if (script.len)
                    sx_addc(&script, '\n');
                sx_adds(&script, a + 13);
                have_script = true;
            } else if (strcmp(a, "--posix") == 0 || strcmp(a, "--debug") == 0) {
            } else {
                uerr(u, "unknown option -- '%s'", a + 2);
                goto out;
            }
        } else if (strcmp(a, "--") == 0) {
            for (i++; i < u->argc; i++)
                strv_push(&ops, xstrdup(u->argv[i]));
        } else {
            strv_push(&ops, xstrdup(a));
        }
    }
    int first = 0;
    if (!have_script) {
        if (ops.n == 0) {
            uerr(u, "usage: sed [OPTION]... {script-only-if-no-other-script} [input-file]...");
            goto out;
        }
        sx_adds(&script, ops.v[0]);
        first = 1;
    }
    if (!parse_script(s, script.s, script.len))
        goto out;
    sx_free(&script);
    if (s->inplace) {
        if (ops.n - first == 0) {
            uerr(u, "no input files");
            strv_free(&ops);
            sed_free(s);
            return 1;
        }
        st = sed_inplace(u, s, ops.v + first, ops.n - first);
        strv_free(&ops);
        sed_free(s);
        return st;
    }
    /* stream: keep the operands alive in the ucmd argv order */
    lf *l = lf_new();
    l->ctx = s;
    l->free_ctx = sed_free_v;
    l->line = sed_line;
    l->file_start = sed_file_start;
    l->file_end = sed_file_end;
    l->end = sed_end;
    /* operands are copies; hand them to the frame by reusing u->argv slots */
    int nf = ops.n - first;
    for (int k = 0; k < nf; k++) {
        free(u->argv[u->argc - nf + k]);
        u->argv[u->argc - nf + k] = xstrdup(ops.v[first + k]);
    }
    strv_free(&ops);
    return lf_run(u, l, u->argc - nf);
out:
    sx_free(&script);
    strv_free(&ops);
    sed_free(s);
    return st;
}
