/* fmt.c: printf(1)-style formatting and the test / [ / [[ evaluator.
 *
 * sh_format interprets one pass of a format string over string arguments
 * (%s %b %c %d %i %o %u %x %X %e %f %g %q %%, flags, width, precision, *),
 * converting numbers strictly and reporting bad ones the way bash does.
 * test_eval is a recursive-descent parser over the argument list.
 */
#include "sh.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Appends msg with its one "%s" replaced by arg. */
static void splice(sx *b, const char *msg, const char *arg)
{
    const char *p = strstr(msg, "%s");
    if (!p) {
        sx_adds(b, msg);
        return;
    }
    sx_add(b, msg, (size_t)(p - msg));
    sx_adds(b, arg);
    sx_adds(b, p + 2);
}

static void ferr(shell *sh, ucmd *u, const char *fmt, const char *arg)
{
    sx b;
    sx_init(&b);
    sx_adds(&b, "bash: printf: ");
    splice(&b, fmt, arg);
    sx_addc(&b, '\n');
    io_write(sh, u ? u->err : sh->fd[2], b.s, b.len);
    sx_free(&b);
}

static bool num_arg(shell *sh, ucmd *u, const char *a, long long *out, bool *bad)
{
    if (!a || !*a) {
        *out = 0;
        return true;
    }
    if (a[0] == '\'' || a[0] == '"') {
        *out = (unsigned char)a[1];
        return true;
    }
    char *end;
    errno = 0;
    long long v;
    if (a[0] == '-' || a[0] == '+' || isdigit((unsigned char)a[0]) || isspace((unsigned char)a[0]))
        v = strtoll(a, &end, 0);
    else {
        end = (char *)a;
        v = 0;
    }
    if (end == a || *end) {
        ferr(sh, u, "%s: invalid number", a);
        *bad = true;
        *out = end == a ? 0 : v;
        return false;
    }
    *out = v;
    return true;
}

static double dbl_arg(shell *sh, ucmd *u, const char *a, bool *bad)
{
    if (!a || !*a)
        return 0;
    if (a[0] == '\'' || a[0] == '"')
        return (unsigned char)a[1];
    char *end;
    double v = strtod(a, &end);
    if (end == a || *end) {
        ferr(sh, u, "%s: invalid number", a);
        *bad = true;
    }
    return v;
}

/* Backslash escapes of %b and echo -e; sets *stop at \c. */
static void esc_b(const char *s, sx *out, bool *stop)
{
    for (size_t i = 0; s[i]; i++) {
        char c = s[i];
        if (c != '\\' || !s[i + 1]) {
            sx_addc(out, c);
            continue;
        }
        c = s[++i];
        switch (c) {
        case 'n': sx_addc(out, '\n'); break;
        case 't': sx_addc(out, '\t'); break;
        case 'r': sx_addc(out, '\r'); break;
        case 'a': sx_addc(out, '\a'); break;
        case 'b': sx_addc(out, '\b'); break;
        case 'f': sx_addc(out, '\f'); break;
        case 'v': sx_addc(out, '\v'); break;
        case 'e':
        case 'E': sx_addc(out, 27); break;
        case '\\': sx_addc(out, '\\'); break;
        case 'c': *stop = true; return;
        case 'x': {
            int v = 0, k = 0;
            while (k < 2 && isxdigit((unsigned char)s[i + 1])) {
                char d = s[++i];
                v = v * 16 + (isdigit((unsigned char)d) ? d - '0' : (tolower((unsigned char)d) - 'a' + 10));
                k++;
            }
            if (k)
                sx_addc(out, (char)v);
            else
                sx_adds(out, "\\x");
            break;
        }
        case '0': {
            int v = 0, k = 0;
            while (k < 3 && s[i + 1] >= '0' && s[i + 1] <= '7') {
                v = v * 8 + (s[++i] - '0');
                k++;
            }
            sx_addc(out, (char)v);
            break;
        }
        default:
            if (c >= '1' && c <= '7') {
                int v = c - '0', k = 1;
                while (k < 3 && s[i + 1] >= '0' && s[i + 1] <= '7') {
                    v = v * 8 + (s[++i] - '0');
                    k++;
                }
                sx_addc(out, (char)v);
            } else {
                sx_addc(out, '\\');
                sx_addc(out, c);
            }
        }
    }
}

/* The conversion spec is built at run time from a checked subset. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
int sh_format(shell *sh, ucmd *u, const char *fmt, int argc, char **argv, sx *out, bool *stop)
{
    int ai = 0;
    bool bad = false;
    for (size_t i = 0; fmt[i]; i++) {
        char c = fmt[i];
        if (c == '\\') {
            /* format-string escapes (like %b, plus \" and octal without 0) */
            char tmp[8] = {0};
            size_t k = 0;
            tmp[k++] = fmt[i++];
            if (!fmt[i]) {
                sx_addc(out, '\\');
                break;
            }
            if (fmt[i] == '"') {
                sx_addc(out, '"');
                continue;
            }
            if (fmt[i] >= '0' && fmt[i] <= '7') {
                int v = 0, n = 0;
                while (n < 3 && fmt[i] >= '0' && fmt[i] <= '7') {
                    v = v * 8 + (fmt[i++] - '0');
                    n++;
                }
                i--;
                sx_addc(out, (char)v);
                continue;
            }
            if (fmt[i] == 'c') {
                *stop = true;
                return ai;
            }
            tmp[k++] = fmt[i];
            if (fmt[i] == 'x') {
                while (k < 4 && isxdigit((unsigned char)fmt[i + 1]))
                    tmp[k++] = fmt[++i];
            }
            bool st2 = false;
            esc_b(tmp, out, &st2);
            continue;
        }
        if (c != '%') {
            sx_addc(out, c);
            continue;
        }
        if (fmt[i + 1] == '%') {
            sx_addc(out, '%');
            i++;
            continue;
        }
        /* %[flags][width][.prec]conv */
        char spec[64];
        size_t sp = 0;
        spec[sp++] = '%';
        i++;
        while (fmt[i] && strchr("-+ #0", fmt[i]) && sp < 20)
            spec[sp++] = fmt[i++];
        if (fmt[i] == '*') {
            long long w = 0;
            num_arg(sh, u, ai < argc ? argv[ai] : NULL, &w, &bad);
            ai++;
            sp += (size_t)snprintf(spec + sp, sizeof spec - sp, "%lld", w < -100000 ? -100000 : w > 100000 ? 100000 : w);
            i++;
        } else {
            while (isdigit((unsigned char)fmt[i]) && sp < 30)
                spec[sp++] = fmt[i++];
        }
        if (fmt[i] == '.') {
            spec[sp++] = fmt[i++];
            if (fmt[i] == '*') {
                long long p = 0;
                num_arg(sh, u, ai < argc ? argv[ai] : NULL, &p, &bad);
                ai++;
                sp += (size_t)snprintf(spec + sp, sizeof spec - sp, "%lld", p < 0 ? 0 : p > 100000 ? 100000 : p);
                i++;
            } else {
                while (isdigit((unsigned char)fmt[i]) && sp < 40)
                    spec[sp++] = fmt[i++];
            }
        }
        while (fmt[i] == 'l' || fmt[i] == 'h' || fmt[i] == 'L' || fmt[i] == 'q' || fmt[i] == 'j' || fmt[i] == 'z' || fmt[i] == 't')
            if (fmt[i] == 'q' && !strchr("diouxXeEfFgGaAcs", fmt[i + 1]))
                break;
            else
                i++;
        char conv = fmt[i];
        if (!conv) {
            ferr(sh, u, "%s: invalid format character", "%");
            return -(ai + 1);
        }
        const char *arg = ai < argc ? argv[ai] : NULL;
        if (conv != '%')
            ai++;
        char tmp[512];
        switch (conv) {
        case 's':
        case 'b':
        case 'q': {
            sx v;
            sx_init(&v);
            if (conv == 'b') {
                esc_b(arg ? arg : "", &v, stop);
            } else if (conv == 'q') {
                const char *a = arg ? arg : "";
                bool plain = *a != 0;
                for (const char *p = a; *p; p++)
                    if (!(isalnum((unsigned char)*p) || strchr("_-./:=,+%@", *p)))
                        plain = false;
                if (plain || !*a) {
                    sx_adds(&v, *a ? a : "''");
                } else {
                    for (const char *p = a; *p; p++) {
                        if (!(isalnum((unsigned char)*p) || strchr("_-./:=,+%@", *p)))
                            sx_addc(&v, '\\');
                        sx_addc(&v, *p);
                    }
                }
            } else {
                sx_adds(&v, arg ? arg : "");
            }
            spec[sp++] = 's';
            spec[sp] = 0;
            /* precision/width on a possibly long string: do it by hand */
            const char *sv = v.s;
            size_t len = v.len;
            long width = 0, prec = -1;
            bool left = false;
            const char *q = spec + 1;
            while (*q && strchr("-+ #0", *q)) {
                if (*q == '-')
                    left = true;
                q++;
            }
            width = strtol(q, (char **)&q, 10);
            if (width < 0) {
                left = true;
                width = -width;
            }
            if (*q == '.')
                prec = strtol(q + 1, NULL, 10);
            if (prec >= 0 && (size_t)prec < len)
                len = (size_t)prec;
            if (!left)
                for (long k = (long)len; k < width; k++)
                    sx_addc(out, ' ');
            sx_add(out, sv, len);
            if (left)
                for (long k = (long)len; k < width; k++)
                    sx_addc(out, ' ');
            sx_free(&v);
            if (*stop)
                return ai;
            break;
        }
        case 'c':
            if (arg && *arg)
                sx_addc(out, arg[0]);
            break;
        case 'd':
        case 'i':
        case 'o':
        case 'u':
        case 'x':
        case 'X': {
            long long v;
            num_arg(sh, u, arg, &v, &bad);
            spec[sp++] = 'l';
            spec[sp++] = 'l';
            spec[sp++] = conv;
            spec[sp] = 0;
            int n = snprintf(tmp, sizeof tmp, spec, v);
            if (n > 0)
                sx_add(out, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
            break;
        }
        case 'e':
        case 'E':
        case 'f':
        case 'F':
        case 'g':
        case 'G':
        case 'a':
        case 'A': {
            double v = dbl_arg(sh, u, arg, &bad);
            spec[sp++] = conv;
            spec[sp] = 0;
            int n = snprintf(tmp, sizeof tmp, spec, v);
            if (n > 0)
                sx_add(out, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
            break;
        }
        default:
            ferr(sh, u, "%s: invalid format character", (char[]){'%', conv, 0});
            return -(ai + 1);
        }
    }
    if (bad)
        sh->status = 1;
    return ai;
}

#pragma GCC diagnostic pop

/* ---- test ---- */

typedef struct tst {
    shell *sh;
    char **v;
    int n, i;
    bool dbl;
    bool err;
} tst;

static int t_or(tst *t);

static bool is_op(tst *t, int k, const char *op)
{
    return k < t->n && strcmp(t->v[k], op) == 0;
}

static void t_error(tst *t, const char *msg, const char *arg)
{
    if (t->err)
        return;
    t->err = true;
    sx b;
    sx_init(&b);
    sx_printf(&b, "bash: line %d: %s: ", t->sh->lineno, t->dbl ? "conditional" : "test");
    splice(&b, msg, arg ? arg : "");
    sx_addc(&b, '\n');
    io_write(t->sh, t->sh->fd[2], b.s, b.len);
    sx_free(&b);
}

static bool int_arg(tst *t, const char *s, long long *v)
{
    if (t->dbl) {
        if (arith_eval(t->sh, s, v) != 0) {
            t->err = true;
            return false;
        }
        return true;
    }
    if (!parse_ll(s, v)) {
        t_error(t, "%s: integer expression expected", s);
        return false;
    }
    return true;
}

static bool file_test(tst *t, char op, const char *path)
{
    if (op == 't') {
        long long fd;
        if (!parse_ll(path, &fd))
            return false;
        return fd >= 0 && fd <= 2 && isatty((int)fd);
    }
    if (strcmp(path, "/dev/null") == 0 || strcmp(path, "/dev/stdin") == 0 ||
        strcmp(path, "/dev/stdout") == 0 || strcmp(path, "/dev/stderr") == 0)
        return op == 'e' || op == 'c' || op == 'r' || op == 'w';
    if (!*path)
        return false;
    char *abs = sh_abspath(t->sh, path);
    struct stat st;
    int r = op == 'L' || op == 'h' ? lstat(abs, &st) : stat(abs, &st);
    bool res = false;
    if (r == 0) {
        switch (op) {
        case 'e': case 'a': res = true; break;
        case 'f': res = S_ISREG(st.st_mode); break;
        case 'd': res = S_ISDIR(st.st_mode); break;
        case 'L': case 'h': res = S_ISLNK(st.st_mode); break;
        case 's': res = st.st_size > 0; break;
        case 'b': res = S_ISBLK(st.st_mode); break;
        case 'c': res = S_ISCHR(st.st_mode); break;
        case 'p': res = S_ISFIFO(st.st_mode); break;
        case 'S': res = S_ISSOCK(st.st_mode); break;
        case 'r': res = access(abs, R_OK) == 0 || (st.st_mode & 0444); break;
        case 'w': res = access(abs, W_OK) == 0 || (st.st_mode & 0222); break;
        case 'x': res = (st.st_mode & 0111) != 0; break;
        case 'g': res = (st.st_mode & 02000) != 0; break;
        case 'u': res = (st.st_mode & 04000) != 0; break;
        case 'k': res = (st.st_mode & 01000) != 0; break;
        case 'O': case 'G': res = true; break;
        case 'N': res = true; break;
        default: break;
        }
    }
    free(abs);
    return res;
}

static bool is_unary(const char *s)
{
    return s[0] == '-' && s[1] && !s[2] && strchr("abcdefghkprstuwxzGLNOSn", s[1]);
}

static bool is_binary(const char *s)
{
    static const char *const ops[] = {"=", "==", "!=", "<", ">", "-eq", "-ne", "-lt", "-le",
                                      "-gt", "-ge", "-nt", "-ot", "-ef", "=~", NULL};
    for (int i = 0; ops[i]; i++)
        if (strcmp(s, ops[i]) == 0)
            return true;
    return false;
}

static int mtime_cmp(tst *t, const char *a, const char *b)
{
    char *pa = sh_abspath(t->sh, a), *pb = sh_abspath(t->sh, b);
    struct stat sa, sb_;
    int ra = stat(pa, &sa), rb = stat(pb, &sb_);
    free(pa);
    free(pb);
    if (ra && rb)
        return 0;
    if (ra)
        return -1;
    if (rb)
        return 1;
    if (sa.st_mtim.tv_sec != sb_.st_mtim.tv_sec)
        return sa.st_mtim.tv_sec < sb_.st_mtim.tv_sec ? -1 : 1;
    if (sa.st_mtim.tv_nsec != sb_.st_mtim.tv_nsec)
        return sa.st_mtim.tv_nsec < sb_.st_mtim.tv_nsec ? -1 : 1;
    return 0;
}

#include "regex.h"

static bool binary(tst *t, const char *a, const char *op, const char *b)
{
    long long x, y;
    if (strcmp(op, "=") == 0 || strcmp(op, "==") == 0)
        return t->dbl ? pat_match(b, a, strlen(a)) : strcmp(a, b) == 0;
    if (strcmp(op, "!=") == 0)
        return t->dbl ? !pat_match(b, a, strlen(a)) : strcmp(a, b) != 0;
    if (strcmp(op, "<") == 0)
        return strcmp(a, b) < 0;
    if (strcmp(op, ">") == 0)
        return strcmp(a, b) > 0;
    if (strcmp(op, "-nt") == 0)
        return mtime_cmp(t, a, b) > 0;
    if (strcmp(op, "-ot") == 0)
        return mtime_cmp(t, a, b) < 0;
    if (strcmp(op, "-ef") == 0) {
        char *pa = sh_abspath(t->sh, a), *pb = sh_abspath(t->sh, b);
        struct stat sa, sb_;
        bool r = stat(pa, &sa) == 0 && stat(pb, &sb_) == 0 && sa.st_dev == sb_.st_dev &&
                 sa.st_ino == sb_.st_ino;
        free(pa);
        free(pb);
        return r;
    }
    if (strcmp(op, "=~") == 0) {
        /* the pattern arrives with quoted chars backslash-escaped (literal) */
        char err[128];
        rx *re = rx_compile(b, strlen(b), RX_ERE, err, sizeof err);
        if (!re) {
            t->err = true;
            return false;
        }
        size_t caps[2];
        int m = rx_search(re, a, strlen(a), 0, caps, 2);
        if (m == 1) {
            char *whole = xstrndup(a + caps[0], caps[1] - caps[0]);
            var_set(t->sh, "BASH_REMATCH", whole, 0);
            free(whole);
        }
        rx_free(re);
        return m == 1;
    }
    if (!int_arg(t, a, &x) || !int_arg(t, b, &y))
        return false;
    if (strcmp(op, "-eq") == 0) return x == y;
    if (strcmp(op, "-ne") == 0) return x != y;
    if (strcmp(op, "-lt") == 0) return x < y;
    if (strcmp(op, "-le") == 0) return x <= y;
    if (strcmp(op, "-gt") == 0) return x > y;
    if (strcmp(op, "-ge") == 0) return x >= y;
    return false;
}

static int t_prim(tst *t)
{
    if (t->i >= t->n) {
        t_error(t, "argument expected%s", NULL);
        return 0;
    }
    const char *a = t->v[t->i];
    if (strcmp(a, "!") == 0 && t->i + 1 < t->n) {
        t->i++;
        return !t_prim(t);
    }
    if (strcmp(a, "(") == 0) {
        t->i++;
        int r = t_or(t);
        if (!is_op(t, t->i, ")"))
            t_error(t, "`)' expected%s", NULL);
        else
            t->i++;
        return r;
    }
    /* binary first: "a = b" even when a looks like an operator */
    if (t->i + 2 < t->n + 0 + 1 && t->i + 1 < t->n && is_binary(t->v[t->i + 1]) && t->i + 2 < t->n) {
        const char *op = t->v[t->i + 1];
        const char *b = t->v[t->i + 2];
        t->i += 3;
        return binary(t, a, op, b);
    }
    if (is_unary(a) && t->i + 1 < t->n) {
        const char *b = t->v[t->i + 1];
        t->i += 2;
        if (a[1] == 'z')
            return b[0] == 0;
        if (a[1] == 'n')
            return b[0] != 0;
        return file_test(t, a[1], b);
    }
    if (t->dbl && is_unary(a) && t->i + 1 >= t->n) {
        t_error(t, "unexpected argument `%s'", a);
        return 0;
    }
    t->i++;
    return a[0] != 0;
}

static int t_and(tst *t)
{
    int r = t_prim(t);
    while (t->i < t->n && (is_op(t, t->i, t->dbl ? "&&" : "-a"))) {
        t->i++;
        int r2 = t_prim(t);
        r = r && r2;
    }
    return r;
}

static int t_or(tst *t)
{
    int r = t_and(t);
    while (t->i < t->n && (is_op(t, t->i, t->dbl ? "||" : "-o"))) {
        t->i++;
        int r2 = t_and(t);
        r = r || r2;
    }
    return r;
}

int test_eval(shell *sh, ucmd *u, int argc, char **argv, bool dbl)
{
    (void)u;
    tst t = {sh, argv + 1, argc - 1, 0, dbl, false};
    if (t.n == 0)
        return 1;
    int r;
    /* POSIX rules for small argument counts */
    if (!dbl && t.n == 1) {
        r = t.v[0][0] != 0;
    } else if (!dbl && t.n == 2 && strcmp(t.v[0], "!") == 0) {
        r = t.v[1][0] == 0;
    } else if (!dbl && t.n == 3 && is_binary(t.v[1])) {
        r = binary(&t, t.v[0], t.v[1], t.v[2]);
        t.i = 3;
    } else if (!dbl && t.n == 2 && !is_unary(t.v[0])) {
        t_error(&t, "%s: unary operator expected", t.v[0]);
        return 2;
    } else {
        r = t_or(&t);
    }
    if (!t.err && t.i < t.n) {
        t_error(&t, "%s: unexpected argument", t.v[t.i]);
    }
    if (t.err)
        return 2;
    return r ? 0 : 1;
}
