/* find.c: find (an expression tree evaluated per file), and the builtins
 * that run other commands: xargs, env, printenv, which, timeout.
 *
 * find walks directories in sorted order (deterministic output) with a
 * depth cap, and stops as soon as its reader goes away. -exec, xargs and
 * env run commands through sh_exec_argv, so they reach functions, builtins
 * and utilities alike.
 */
#include "cmds.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum fk {
    F_TRUE, F_FALSE, F_NAME, F_INAME, F_PATH, F_IPATH, F_TYPE, F_MTIME, F_MMIN, F_SIZE,
    F_NEWER, F_EMPTY, F_EXEC, F_EXECPLUS, F_PRINT, F_PRINT0, F_DELETE, F_PRUNE, F_NOT,
    F_AND, F_OR, F_QUIT, F_PRINTF, F_REGEX, F_PERM, F_LINKS
};

typedef struct fnode {
    int kind;
    struct fnode *l, *r;
    const char *arg;
    char cmp;           /* '+', '-', or 0 */
    long long num;
    char **argv;        /* -exec words */
    int argc;
    strv pending;       /* -exec ... {} + */
    time_t t;
} fnode;

typedef struct fctx {
    ucmd *u;
    char **args;
    int nargs, i;
    int maxdepth, mindepth;
    bool has_action, quit, depth_first;
    int status;
    time_t now;
    fnode *root;
    strv allocs;
} fctx;

static fnode *fnew(int kind)
{
    fnode *n = xcalloc(1, sizeof *n);
    n->kind = kind;
    return n;
}

static void ffree(fnode *n)
{
    if (!n)
        return;
    ffree(n->l);
    ffree(n->r);
    free(n->argv);
    strv_free(&n->pending);
    free(n);
}

static fnode *p_or(fctx *c);

static bool num_arg(fctx *c, const char *a, fnode *n)
{
    n->cmp = 0;
    if (*a == '+' || *a == '-')
        n->cmp = *a++;
    char *end;
    n->num = strtoll(a, &end, 10);
    if (end == a) {
        uerr(c->u, "invalid argument '%s'", a);
        return false;
    }
    n->arg = end;
    return true;
}

static fnode *p_prim(fctx *c)
{
    if (c->i >= c->nargs) {
        uerr(c->u, "expected an expression");
        return NULL;
    }
    const char *a = c->args[c->i++];
    const char *next = c->i < c->nargs ? c->args[c->i] : NULL;
    fnode *n;
    if (strcmp(a, "(") == 0) {
        n = p_or(c);
        if (!n)
            return NULL;
        if (c->i >= c->nargs || strcmp(c->args[c->i], ")") != 0) {
            uerr(c->u, "invalid expression; expected ')'");
            ffree(n);
            return NULL;
        }
        c->i++;
        return n;
    }
    if (strcmp(a, "!") == 0 || strcmp(a, "-not") == 0) {
        fnode *x = p_prim(c);
        if (!x)
            return NULL;
        n = fnew(F_NOT);
        n->l = x;
        return n;
    }
    struct {
        const char *name;
        int kind;
        bool arg;
    } simple[] = {
        {"-name", F_NAME, true}, {"-iname", F_INAME, true}, {"-path", F_PATH, true},
        {"-wholename", F_PATH, true}, {"-ipath", F_IPATH, true}, {"-type", F_TYPE, true},
        {"-print", F_PRINT, false}, {"-print0", F_PRINT0, false}, {"-delete", F_DELETE, false},
        {"-prune", F_PRUNE, false}, {"-true", F_TRUE, false}, {"-false", F_FALSE, false},
        {"-empty", F_EMPTY, false}, {"-quit", F_QUIT, false}, {"-printf", F_PRINTF, true},
        {"-regex", F_REGEX, true}, {"-readable", F_TRUE, false}, {"-writable", F_TRUE, false},
        {"-user", F_TRUE, true}, {"-group", F_TRUE, true}, {"-nouser", F_FALSE, false},
        {"-nogroup", F_FALSE, false}, {"-perm", F_PERM, true}, {"-executable", F_PERM, false},
    };
    for (size_t k = 0; k < sizeof simple / sizeof simple[0]; k++) {
        if (strcmp(a, simple[k].name) != 0)
            continue;
        n = fnew(simple[k].kind);
        if (simple[k].arg) {
            if (!next) {
                uerr(c->u, "missing argument to '%s'", a);
                ffree(n);
                return NULL;
            }
            n->arg = next;
            c->i++;
        }
        if (n->kind == F_PERM && !simple[k].arg)
            n->arg = "/111";
        if (n->kind == F_PRINT || n->kind == F_PRINT0 || n->kind == F_DELETE ||
            n->kind == F_PRINTF || n->kind == F_QUIT)
            c->has_action = true;
        if (n->kind == F_DELETE)
            c->depth_first = true;
        if (n->kind == F_TYPE && (!strchr("fdlpsbc", n->arg[0]) || n->arg[1])) {
            uerr(c->u, "Unknown argument to -type: %s", n->arg);
            ffree(n);
            return NULL;
        }
        return n;
    }
    if (strcmp(a, "-maxdepth") == 0 || strcmp(a, "-mindepth") == 0) {
        long long v;
        if (!next || !parse_ll(next, &v) || v < 0) {
            uerr(c->u, "invalid argument to %s", a);
            return NULL;
        }
        c->i++;
        if (a[2] == 'a')
            c->maxdepth = (int)v;
        else
            c->mindepth = (int)v;
        return fnew(F_TRUE);
    }
    if (strcmp(a, "-depth") == 0 || strcmp(a, "-xdev") == 0 || strcmp(a, "-mount") == 0 ||
        strcmp(a, "-follow") == 0 || strcmp(a, "-noleaf") == 0 || strcmp(a, "-ignore_readdir_race") == 0) {
        if (a[1] == 'd')
            c->depth_first = true;
        return fnew(F_TRUE);
    }
    if (strcmp(a, "-mtime") == 0 || strcmp(a, "-mmin") == 0 || strcmp(a, "-size") == 0 ||
        strcmp(a, "-links") == 0) {
        if (!next) {
            uerr(c->u, "missing argument to '%s'", a);
            return NULL;
        }
        c->i++;
        n = fnew(a[1] == 's' ? F_SIZE : a[1] == 'l' ? F_LINKS : a[2] == 't' ? F_MTIME : F_MMIN);
        if (!num_arg(c, next, n)) {
            ffree(n);
            return NULL;
        }
        if (n->kind == F_SIZE && *n->arg && !strchr("cwbkMG", *n->arg)) {
            uerr(c->u, "invalid -size argument '%s'", next);
            ffree(n);
            return NULL;
        }
        return n;
    }
    if (strcmp(a, "-newer") == 0) {
        if (!next) {
            uerr(c->u, "missing argument to '%s'", a);
            return NULL;
        }
        c->i++;
        char *abs = sh_abspath(c->u->sh, next);
        struct stat st;
        int r = stat(abs, &st);
        free(abs);
        if (r != 0) {
            uerr(c->u, "'%s': %s", next, sh_strerror(errno));
            return NULL;
        }
        n = fnew(F_NEWER);
        n->t = st.st_mtim.tv_sec;
        n->num = st.st_mtim.tv_nsec;
        return n;
    }
    if (strcmp(a, "-exec") == 0 || strcmp(a, "-execdir") == 0 || strcmp(a, "-ok") == 0) {
        int start = c->i;
        while (c->i < c->nargs && strcmp(c->args[c->i], ";") != 0 &&
               !(strcmp(c->args[c->i], "+") == 0 && c->i > start &&
                 strcmp(c->args[c->i - 1], "{}") == 0))
            c->i++;
        if (c->i >= c->nargs || c->i == start) {
            uerr(c->u, "missing argument to '%s'", a);
            return NULL;
        }
        bool plus = strcmp(c->args[c->i], "+") == 0;
        n = fnew(plus ? F_EXECPLUS : F_EXEC);
        n->argc = c->i - start;
        n->argv = xcalloc((size_t)n->argc + 1, sizeof *n->argv);
        for (int k = 0; k < n->argc; k++)
            n->argv[k] = c->args[start + k];
        c->i++;
        c->has_action = true;
        return n;
    }
    uerr(c->u, "unknown predicate '%s'", a);
    return NULL;
}

static bool starts_prim(const char *a)
{
    return strcmp(a, ")") != 0 && strcmp(a, "-o") != 0 && strcmp(a, "-or") != 0 &&
           strcmp(a, ",") != 0;
}

static fnode *p_and(fctx *c)
{
    fnode *l = p_prim(c);
    while (l && c->i < c->nargs && starts_prim(c->args[c->i])) {
        if (strcmp(c->args[c->i], "-a") == 0 || strcmp(c->args[c->i], "-and") == 0)
            c->i++;
        fnode *r = p_prim(c);
        if (!r) {
            ffree(l);
            return NULL;
        }
        fnode *n = fnew(F_AND);
        n->l = l;
        n->r = r;
        l = n;
    }
    return l;
}

static fnode *p_or(fctx *c)
{
    fnode *l = p_and(c);
    while (l && c->i < c->nargs && (strcmp(c->args[c->i], "-o") == 0 || strcmp(c->args[c->i], "-or") == 0 ||
                                   strcmp(c->args[c->i], ",") == 0)) {
        c->i++;
        fnode *r = p_and(c);
        if (!r) {
            ffree(l);
            return NULL;
        }
        fnode *n = fnew(F_OR);
        n->l = l;
        n->r = r;
        l = n;
    }
    return l;
}

static bool lower_match(const char *pat, const char *s)
{
    char *p = xstrdup(pat), *t = xstrdup(s);
    for (char *q = p; *q; q++)
        *q = (char)tolower((unsigned char)*q);
    for (char *q = t; *q; q++)
        *q = (char)tolower((unsigned char)*q);
    bool r = pat_match(p, t, strlen(t));
    free(p);
    free(t);
    return r;
}

static int run_cmd(fctx *c, int argc, char **argv)
{
    shell *sh = c->u->sh;
    sh_io *s0 = sh->fd[0], *s1 = sh->fd[1], *s2 = sh->fd[2];
    sh_io *null = io_new(IO_NULL);
    sh->fd[0] = null;
    sh->fd[1] = c->u->out;
    sh->fd[2] = c->u->err;
    int st = sh_exec_argv(sh, argc, argv);
    if (sh->ctl != CTL_NONE && !sh->fatal)
        sh->ctl = CTL_NONE;
    sh->fd[0] = s0;
    sh->fd[1] = s1;
    sh->fd[2] = s2;
    io_unref(null);
    return st;
}

static void flush_plus(fctx *c, fnode *n)
{
    if (!n->pending.n)
        return;
    strv argv = {0};
    for (int k = 0; k < n->argc - 1; k++)
        strv_push(&argv, xstrdup(n->argv[k]));
    for (int k = 0; k < n->pending.n; k++)
        strv_push(&argv, xstrdup(n->pending.v[k]));
    if (run_cmd(c, argv.n, argv.v) != 0)
        c->status = 1;
    strv_free(&argv);
    strv_free(&n->pending);
}

static void flush_all(fctx *c, fnode *n)
{
    if (!n)
        return;
    if (n->kind == F_EXECPLUS)
        flush_plus(c, n);
    flush_all(c, n->l);
    flush_all(c, n->r);
}

static void fprintf_(fctx *c, const char *fmt, const char *path, const char *base,
                     const struct stat *st, int depth, const char *start)
{
    sx o;
    sx_init(&o);
    for (const char *p = fmt; *p; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            sx_addc(&o, *p == 'n' ? '\n' : *p == 't' ? '\t' : *p == '0' ? '\0' : *p);
            continue;
        }
        if (*p != '%' || !p[1]) {
            sx_addc(&o, *p);
            continue;
        }
        p++;
        switch (*p) {
        case 'p': sx_adds(&o, path); break;
        case 'f': sx_adds(&o, base); break;
        case 's': sx_printf(&o, "%lld", (long long)st->st_size); break;
        case 'd': sx_printf(&o, "%d", depth); break;
        case 'm': sx_printf(&o, "%o", (unsigned)(st->st_mode & 07777)); break;
        case 'y': sx_addc(&o, S_ISDIR(st->st_mode) ? 'd' : S_ISLNK(st->st_mode) ? 'l' : 'f'); break;
        case 'T':
        case 't': {
            if (*p == 'T' && p[1])
                p++;
            sx_printf(&o, "%lld", (long long)st->st_mtim.tv_sec);
            break;
        }
        case 'P': {
            size_t sl = strlen(start);
            const char *rel = strncmp(path, start, sl) == 0 ? path + sl : path;
            while (*rel == '/')
                rel++;
            sx_adds(&o, rel);
            break;
        }
        case 'h': {
            const char *sl = strrchr(path, '/');
            if (sl)
                sx_add(&o, path, (size_t)(sl - path));
            else
                sx_addc(&o, '.');
            break;
        }
        case '%': sx_addc(&o, '%'); break;
        default:
            sx_addc(&o, '%');
            sx_addc(&o, *p);
        }
    }
    uwrite(c->u, o.s, o.len);
    sx_free(&o);
}

typedef struct fent {
    const char *path, *base, *abs, *start;
    struct stat st;
    int depth;
    bool prune;
} fent;

static bool eval(fctx *c, fnode *n, fent *e)
{
    switch (n->kind) {
    case F_TRUE: return true;
    case F_FALSE: return false;
    case F_NOT: return !eval(c, n->l, e);
    case F_AND: return eval(c, n->l, e) && eval(c, n->r, e);
    case F_OR: return eval(c, n->l, e) || eval(c, n->r, e);
    case F_NAME: return pat_match(n->arg, e->base, strlen(e->base));
    case F_INAME: return lower_match(n->arg, e->base);
    case F_PATH: return pat_match(n->arg, e->path, strlen(e->path));
    case F_IPATH: return lower_match(n->arg, e->path);
    case F_REGEX: {
        /* emacs-style regex in GNU find; approximated by a glob-free ERE */
        extern bool find_regex_match(const char *re, const char *s);
        return find_regex_match(n->arg, e->path);
    }
    case F_TYPE: {
        mode_t m = e->st.st_mode;
        switch (n->arg[0]) {
        case 'f': return S_ISREG(m);
        case 'd': return S_ISDIR(m);
        case 'l': return S_ISLNK(m);
        case 'p': return S_ISFIFO(m);
        case 's': return S_ISSOCK(m);
        case 'b': return S_ISBLK(m);
        case 'c': return S_ISCHR(m);
        default: return false;
        }
    }
    case F_MTIME:
    case F_MMIN: {
        long long unit = n->kind == F_MTIME ? 86400 : 60;
        long long age = ((long long)c->now - (long long)e->st.st_mtim.tv_sec);
        long long v = age >= 0 ? age / unit : -((-age + unit - 1) / unit);
        if (n->kind == F_MMIN)
            v = age >= 0 ? (age + unit - 1) / unit : v;
        if (n->cmp == '+')
            return v > n->num;
        if (n->cmp == '-')
            return v < n->num;
        return v == n->num;
    }
    case F_SIZE: {
        long long unit = 512;
        switch (*n->arg) {
        case 'c': unit = 1; break;
        case 'w': unit = 2; break;
        case 'k': unit = 1024; break;
        case 'M': unit = 1024 * 1024; break;
        case 'G': unit = 1024LL * 1024 * 1024; break;
        default: break;
        }
        long long v = ((long long)e->st.st_size + unit - 1) / unit;
        if (n->cmp == '+')
            return v > n->num;
        if (n->cmp == '-')
            return v < n->num;
        return v == n->num;
    }
    case F_LINKS: {
        long long v = (long long)e->st.st_nlink;
        return n->cmp == '+' ? v > n->num : n->cmp == '-' ? v < n->num : v == n->num;
    }
    case F_NEWER:
        return e->st.st_mtim.tv_sec > n->t ||
               (e->st.st_mtim.tv_sec == n->t && e->st.st_mtim.tv_nsec > n->num);
    case F_PERM: {
        const char *a = n->arg;
        char mode = 0;
        if (*a == '/' || *a == '-')
            mode = *a++;
        unsigned long want = strtoul(a, NULL, 8);
        unsigned long have = e->st.st_mode & 07777;
        if (mode == '/')
            return (have & want) != 0;
        if (mode == '-')
            return (have & want) == want;
        return have == want;
    }
    case F_EMPTY: {
        if (S_ISREG(e->st.st_mode))
            return e->st.st_size == 0;
        if (!S_ISDIR(e->st.st_mode))
            return false;
        DIR *d = opendir(e->abs);
        if (!d)
            return false;
        struct dirent *de;
        bool empty = true;
        while ((de = readdir(d)))
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
                empty = false;
                break;
            }
        closedir(d);
        return empty;
    }
    case F_PRINT:
    case F_PRINT0: {
        uwrite(c->u, e->path, strlen(e->path));
        uwrite(c->u, n->kind == F_PRINT ? "\n" : "", 1);
        return true;
    }
    case F_PRINTF:
        fprintf_(c, n->arg, e->path, e->base, &e->st, e->depth, e->start);
        return true;
    case F_DELETE: {
        int r = S_ISDIR(e->st.st_mode) ? rmdir(e->abs) : unlink(e->abs);
        if (r != 0 && strcmp(e->path, ".") != 0) {
            uerr(c->u, "cannot delete '%s': %s", e->path, sh_strerror(errno));
            c->status = 1;
            return false;
        }
        return true;
    }
    case F_PRUNE:
        e->prune = true;
        return true;
    case F_QUIT:
        c->quit = true;
        return true;
    case F_EXEC: {
        strv argv = {0};
        for (int k = 0; k < n->argc; k++) {
            const char *w = n->argv[k];
            const char *br = strstr(w, "{}");
            if (!br) {
                strv_push(&argv, xstrdup(w));
                continue;
            }
            sx b;
            sx_init(&b);
            while ((br = strstr(w, "{}"))) {
                sx_add(&b, w, (size_t)(br - w));
                sx_adds(&b, e->path);
                w = br + 2;
            }
            sx_adds(&b, w);
            strv_push(&argv, sx_take(&b));
        }
        int st = run_cmd(c, argv.n, argv.v);
        strv_free(&argv);
        return st == 0;
    }
    case F_EXECPLUS:
        strv_push(&n->pending, xstrdup(e->path));
        if (n->pending.n >= 4096)
            flush_plus(c, n);
        return true;
    default:
        return false;
    }
}

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void visit(fctx *c, const char *path, const char *abs, const char *start, int depth)
{
    if (c->quit || c->u->sigpipe || !sh_check(c->u->sh))
        return;
    fent e;
    memset(&e, 0, sizeof e);
    e.path = path;
    e.abs = abs;
    e.start = start;
    e.depth = depth;
    const char *b = strrchr(path, '/');
    e.base = b && b[1] ? b + 1 : path;
    if (lstat(abs, &e.st) != 0) {
        uerr(c->u, "'%s': %s", path, sh_strerror(errno));
        c->status = 1;
        return;
    }
    bool in_range = depth >= c->mindepth;
    if (!c->depth_first && in_range) {
        if (eval(c, c->root, &e) && !c->has_action) {
            uwrite(c->u, path, strlen(path));
            uwrite(c->u, "\n", 1);
        }
    }
    if (S_ISDIR(e.st.st_mode) && !e.prune && (c->maxdepth < 0 || depth < c->maxdepth)) {
        if (depth > 512) {
            uerr(c->u, "'%s': directory tree too deep", path);
            c->status = 1;
            return;
        }
        DIR *d = opendir(abs);
        if (!d) {
            uerr(c->u, "'%s': %s", path, sh_strerror(errno));
            c->status = 1;
        } else {
            strv names = {0};
            struct dirent *de;
            while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                    strv_push(&names, xstrdup(de->d_name));
            closedir(d);
            if (names.n)
                qsort(names.v, (size_t)names.n, sizeof *names.v, cmpstr);
            for (int i = 0; i < names.n && !c->quit && !c->u->sigpipe; i++) {
                sx p, a;
                sx_init(&p);
                sx_init(&a);
                sx_adds(&p, path);
                if (p.len && p.s[p.len - 1] != '/')
                    sx_addc(&p, '/');
                sx_adds(&p, names.v[i]);
                sx_adds(&a, abs);
                if (a.len && a.s[a.len - 1] != '/')
                    sx_addc(&a, '/');
                sx_adds(&a, names.v[i]);
                visit(c, p.s, a.s, start, depth + 1);
                sx_free(&p);
                sx_free(&a);
            }
            strv_free(&names);
        }
    }
    if (c->depth_first && in_range && !c->quit) {
        if (eval(c, c->root, &e) && !c->has_action) {
            uwrite(c->u, path, strlen(path));
            uwrite(c->u, "\n", 1);
        }
    }
}

int u_find(ucmd *u)
{
    fctx c;
    memset(&c, 0, sizeof c);
    c.u = u;
    c.maxdepth = -1;
    c.now = time(NULL);
    int i = 1;
    while (i < u->argc && (strcmp(u->argv[i], "-L") == 0 || strcmp(u->argv[i], "-P") == 0 ||
                           strcmp(u->argv[i], "-H") == 0))
        i++;
    int pstart = i;
    while (i < u->argc && u->argv[i][0] != '-' && strcmp(u->argv[i], "(") != 0 &&
           strcmp(u->argv[i], "!") != 0)
        i++;
    int pend = i;
    c.args = u->argv + i;
    c.nargs = u->argc - i;
    if (c.nargs > 0) {
        c.root = p_or(&c);
        if (!c.root)
            return 1;
        if (c.i < c.nargs) {
            uerr(u, "unexpected '%s'", c.args[c.i]);
            ffree(c.root);
            return 1;
        }
    } else {
        c.root = fnew(F_TRUE);
    }
    if (pstart == pend) {
        visit(&c, ".", u->sh->cwd, ".", 0);
    } else {
        for (int k = pstart; k < pend && !c.quit; k++) {
            char *abs = sh_abspath(u->sh, u->argv[k]);
            visit(&c, u->argv[k], abs, u->argv[k], 0);
            free(abs);
        }
    }
    flush_all(&c, c.root);
    ffree(c.root);
    return c.status;
}

#include "regex.h"

bool find_regex_match(const char *re, const char *s);
bool find_regex_match(const char *re, const char *s)
{
    /* -regex matches the whole path */
    sx p;
    sx_init(&p);
    sx_adds(&p, "^(?:");
    sx_adds(&p, re);
    sx_adds(&p, ")$");
    char err[128];
    rx *r = rx_compile(p.s, p.len, 0, err, sizeof err);
    sx_free(&p);
    if (!r)
        return false;
    bool m = rx_search(r, s, strlen(s), 0, NULL, 0) == 1;
    rx_free(r);
    return m;
}

/* ---- xargs (a builtin: it reads stdin and runs commands) ---- */

static void berr(shell *sh, const char *fmt, const char *a)
{
    sx b;
    sx_init(&b);
    sx_adds(&b, "xargs: ");
    const char *p = strstr(fmt, "%s");
    if (p) {
        sx_add(&b, fmt, (size_t)(p - fmt));
        sx_adds(&b, a);
        sx_adds(&b, p + 2);
    } else {
        sx_adds(&b, fmt);
    }
    sx_addc(&b, '\n');
    io_write(sh, sh->fd[2], b.s, b.len);
    sx_free(&b);
}

int b_xargs(shell *sh, int argc, char **argv);
int b_xargs(shell *sh, int argc, char **argv)
{
    bool zero = false, noempty = false, trace = false;
    long long maxn = 0, maxl = 0;
    const char *repl = NULL;
    int delim = -1;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (strcmp(a, "-0") == 0 || strcmp(a, "--null") == 0) zero = true;
        else if (strcmp(a, "-r") == 0 || strcmp(a, "--no-run-if-empty") == 0) noempty = true;
        else if (strcmp(a, "-t") == 0 || strcmp(a, "--verbose") == 0) trace = true;
        else if (strcmp(a, "-x") == 0 || strcmp(a, "-p") == 0) {
        } else if (a[1] == 'n' || a[1] == 'L' || a[1] == 'P' || a[1] == 's' || a[1] == 'I' ||
                   a[1] == 'd' || a[1] == 'i' || a[1] == 'E' || a[1] == 'l') {
            const char *v = a[2] ? a + 2 : (i + 1 < argc ? argv[++i] : NULL);
            if (a[1] == 'i' && !a[2]) {
                v = "{}";
                if (argv[i] != a)
                    i--;
            }
            if (a[1] == 'l' && !a[2]) {
                v = "1";
                if (argv[i] != a)
                    i--;
            }
            if (!v) {
                berr(sh, "option requires an argument -- '%s'", a + 1);
                return 1;
            }
            long long n = 0;
            if (a[1] == 'n' || a[1] == 'L' || a[1] == 'P' || a[1] == 's' || a[1] == 'l') {
                if (!parse_ll(v, &n) || n < 0) {
                    berr(sh, "invalid number '%s'", v);
                    return 1;
                }
            }
            if (a[1] == 'n') maxn = n;
            else if (a[1] == 'L' || a[1] == 'l') maxl = n;
            else if (a[1] == 'I' || a[1] == 'i') {
                repl = v;
                maxl = 1;
            } else if (a[1] == 'd') {
                delim = v[0] == '\\' && v[1] == 'n' ? '\n' : v[0] == '\\' && v[1] == 't' ? '\t' : (unsigned char)v[0];
            }
        } else {
            berr(sh, "invalid option -- '%s'", a + 1);
            return 1;
        }
    }
    strv cmd = {0};
    if (i >= argc)
        strv_push(&cmd, xstrdup("echo"));
    for (; i < argc; i++)
        strv_push(&cmd, xstrdup(argv[i]));
    /* read and split the input */
    sx in;
    sx_init(&in);
    if (io_pull_all(sh, sh->fd[0], &in) != 0) {
        berr(sh, "input too large%s", "");
        sx_free(&in);
        strv_free(&cmd);
        return 1;
    }
    strv items = {0};
    strv lines = {0}; /* for -L: line number of each item */
    int lineno = 0;
    size_t k = 0;
    if (zero || delim >= 0) {
        char d = zero ? '\0' : (char)delim;
        while (k < in.len) {
            const char *e = memchr(in.s + k, d, in.len - k);
            size_t len = e ? (size_t)(e - (in.s + k)) : in.len - k;
            if (len || e)
                strv_push(&items, xstrndup(in.s + k, len));
            k += len + 1;
        }
        if (!zero && items.n && !items.v[items.n - 1][0] && delim == '\n') {
        }
    } else if (repl) {
        /* -I: one item per line, leading blanks trimmed */
        while (k < in.len) {
            const char *e = memchr(in.s + k, '\n', in.len - k);
            size_t len = e ? (size_t)(e - (in.s + k)) : in.len - k;
            size_t b = k;
            while (b < k + len && (in.s[b] == ' ' || in.s[b] == '\t'))
                b++;
            if (k + len > b)
                strv_push(&items, xstrndup(in.s + b, k + len - b));
            k += len + 1;
        }
    } else {
        sx cur;
        sx_init(&cur);
        bool have = false;
        char q = 0;
        while (k < in.len) {
            char ch = in.s[k++];
            if (q) {
                if (ch == q)
                    q = 0;
                else
                    sx_addc(&cur, ch);
                continue;
            }
            if (ch == '\'' || ch == '"') {
                q = ch;
                have = true;
            } else if (ch == '\\' && k < in.len) {
                sx_addc(&cur, in.s[k++]);
                have = true;
            } else if (ch == ' ' || ch == '\t' || ch == '\n') {
                if (have) {
                    strv_push(&items, sx_take(&cur));
                    sx_init(&cur);
                    char nb[16];
                    snprintf(nb, sizeof nb, "%d", lineno);
                    strv_push(&lines, xstrdup(nb));
                    have = false;
                }
                if (ch == '\n')
                    lineno++;
            } else {
                sx_addc(&cur, ch);
                have = true;
            }
        }
        if (q) {
            berr(sh, "unmatched %s quote; by default quotes are special to xargs unless you use the -0 option",
                 q == '\'' ? "single" : "double");
            sx_free(&cur);
            sx_free(&in);
            strv_free(&items);
            strv_free(&lines);
            strv_free(&cmd);
            return 1;
        }
        if (have) {
            strv_push(&items, sx_take(&cur));
            char nb[16];
            snprintf(nb, sizeof nb, "%d", lineno);
            strv_push(&lines, xstrdup(nb));
        }
        sx_free(&cur);
    }
    sx_free(&in);
    int status = 0;
    if (items.n == 0 && !noempty && !repl) {
        int st = sh_exec_argv(sh, cmd.n, cmd.v);
        status = st == 127 ? 127 : st ? 123 : 0;
    }
    int pos = 0;
    while (pos < items.n && sh_check(sh)) {
        strv run = {0};
        int take;
        if (repl) {
            take = 1;
            for (int j = 0; j < cmd.n; j++) {
                const char *w = cmd.v[j];
                sx b;
                sx_init(&b);
                const char *r;
                size_t rl = strlen(repl);
                while (rl && (r = strstr(w, repl))) {
                    sx_add(&b, w, (size_t)(r - w));
                    sx_adds(&b, items.v[pos]);
                    w = r + rl;
                }
                sx_adds(&b, w);
                strv_push(&run, sx_take(&b));
            }
        } else {
            for (int j = 0; j < cmd.n; j++)
                strv_push(&run, xstrdup(cmd.v[j]));
            take = items.n - pos;
            if (maxn > 0 && take > maxn)
                take = (int)maxn;
            if (maxl > 0 && lines.n) {
                int first = atoi(lines.v[pos]);
                int t = 0;
                while (pos + t < items.n && t < take && atoi(lines.v[pos + t]) < first + maxl)
                    t++;
                take = t ? t : 1;
            }
            for (int j = 0; j < take; j++)
                strv_push(&run, xstrdup(items.v[pos + j]));
        }
        pos += take;
        if (trace) {
            sx t;
            sx_init(&t);
            for (int j = 0; j < run.n; j++) {
                if (j)
                    sx_addc(&t, ' ');
                sx_adds(&t, run.v[j]);
            }
            sx_addc(&t, '\n');
            io_write(sh, sh->fd[2], t.s, t.len);
            sx_free(&t);
        }
        sh_io *s0 = sh->fd[0];
        sh->fd[0] = io_new(IO_NULL);
        int st = sh_exec_argv(sh, run.n, run.v);
        io_unref(sh->fd[0]);
        sh->fd[0] = s0;
        strv_free(&run);
        if (sh->ctl != CTL_NONE)
            break;
        if (st == 127 || st == 126) {
            status = st;
            break;
        }
        if (st == 255) {
            berr(sh, "%s: exited with status 255; aborting", cmd.v[0]);
            status = 124;
            break;
        }
        if (st)
            status = 123;
    }
    strv_free(&items);
    strv_free(&lines);
    strv_free(&cmd);
    return status;
}

/* ---- env, printenv, which, timeout ---- */

int b_env(shell *sh, int argc, char **argv);
int b_env(shell *sh, int argc, char **argv)
{
    int i = 1;
    bool clear = false;
    strv unset = {0};
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-i") == 0 || strcmp(argv[i], "-") == 0 ||
            strcmp(argv[i], "--ignore-environment") == 0)
            clear = true;
        else if (strcmp(argv[i], "-u") == 0 && i + 1 < argc)
            strv_push(&unset, xstrdup(argv[++i]));
        else if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        } else {
            sh_printf(sh, 2, "env: invalid option -- '%s'\n", argv[i] + 1);
            strv_free(&unset);
            return 125;
        }
    }
    /* NAME=value assignments, in a snapshot so they end with the command */
    sh_snap *snap = sh_snap_take(sh);
    if (clear) {
        strv names = {0};
        strv all = {0};
        var_export_list(sh, &all);
        for (int k = 0; k < all.n; k++) {
            char *eq = strchr(all.v[k], '=');
            if (eq)
                strv_push(&names, xstrndup(all.v[k], (size_t)(eq - all.v[k])));
        }
        for (int k = 0; k < names.n; k++) {
            var *v = var_lookup(sh, names.v[k]);
            if (v)
                v->flags &= ~V_EXPORT;
        }
        strv_free(&names);
        strv_free(&all);
    }
    for (int k = 0; k < unset.n; k++) {
        var *v = var_lookup(sh, unset.v[k]);
        if (v)
            v->flags &= ~V_EXPORT;
    }
    strv_free(&unset);
    for (; i < argc && strchr(argv[i], '=') && argv[i][0] != '='; i++) {
        char *eq = strchr(argv[i], '=');
        char *name = xstrndup(argv[i], (size_t)(eq - argv[i]));
        var_set(sh, name, eq + 1, V_EXPORT);
        free(name);
    }
    int st = 0;
    if (i >= argc) {
        strv all = {0};
        var_export_list(sh, &all);
        for (int k = 0; k < all.n; k++) {
            sh_puts(sh, 1, all.v[k]);
            sh_puts(sh, 1, "\n");
        }
        strv_free(&all);
    } else {
        st = sh_exec_argv(sh, argc - i, argv + i);
        if (sh->ctl == CTL_RETURN || sh->ctl == CTL_BREAK || sh->ctl == CTL_CONTINUE)
            sh->ctl = CTL_NONE;
    }
    sh_snap_restore(sh, snap);
    return st;
}

int b_printenv(shell *sh, int argc, char **argv);
int b_printenv(shell *sh, int argc, char **argv)
{
    if (argc < 2)
        return b_env(sh, 1, argv);
    int st = 0;
    for (int i = 1; i < argc; i++) {
        var *v = var_lookup(sh, argv[i]);
        if (v && (v->flags & V_EXPORT) && v->value) {
            sh_puts(sh, 1, v->value);
            sh_puts(sh, 1, "\n");
        } else {
            st = 1;
        }
    }
    return st;
}

int b_which(shell *sh, int argc, char **argv);
int b_which(shell *sh, int argc, char **argv)
{
    int st = 0;
    int i = 1;
    if (i < argc && strcmp(argv[i], "-a") == 0)
        i++;
    if (i >= argc)
        return 1;
    for (; i < argc; i++) {
        const char *n = argv[i];
        if (util_find(n) || (builtin_find(n) && !builtin_is_special(n) && strcmp(n, "cd") &&
                             strcmp(n, "local") && strcmp(n, "declare") && strcmp(n, "typeset") &&
                             strcmp(n, "source") && strcmp(n, "type") && strcmp(n, "read") &&
                             strcmp(n, "getopts") && strcmp(n, "let") && strcmp(n, "hash") &&
                             strcmp(n, "umask") && strcmp(n, "wait") && strcmp(n, "command") &&
                             strcmp(n, "builtin")))
            sh_printf(sh, 1, "/usr/bin/%s\n", n);
        else
            st = 1;
    }
    return st;
}

int b_timeout(shell *sh, int argc, char **argv);
int b_timeout(shell *sh, int argc, char **argv)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if ((strcmp(argv[i], "-s") == 0 || strcmp(argv[i], "-k") == 0) && i + 1 < argc)
            i++;
        else if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
    }
    if (i + 1 >= argc) {
        sh_puts(sh, 2, "timeout: missing operand\n");
        return 125;
    }
    char *end;
    double d = strtod(argv[i], &end);
    double m = *end == 'm' ? 60 : *end == 'h' ? 3600 : *end == 'd' ? 86400 : 1;
    if (end == argv[i] || (*end && strchr("smhd", *end) == NULL) || (*end && end[1]) || d < 0) {
        sh_printf(sh, 2, "timeout: invalid time interval '%s'\n", argv[i]);
        return 125;
    }
    uint64_t ms = (uint64_t)(d * m * 1000);
    uint64_t saved = sh->soft_deadline_ms;
    uint64_t dl = sh_now_ms() + ms;
    if (ms == 0)
        dl = 0;
    if (saved && saved < dl)
        dl = saved;
    sh->soft_deadline_ms = dl;
    int st = sh_exec_argv(sh, argc - i - 1, argv + i + 1);
    if (sh->timed_out) {
        sh->timed_out = false;
        st = 124;
        if (sh->ctl == CTL_EXIT && !sh->fatal)
            sh->ctl = CTL_NONE;
    }
    sh->soft_deadline_ms = saved;
    return st;
}
