/* cmd_files.c: file utilities — ls mkdir rmdir rm cp mv touch ln stat du
 * basename dirname realpath readlink date sleep.
 *
 * Each runs once (no stdin) on shell paths: relative paths are resolved
 * against the shell's cwd, and the sandbox (WASI preopens) is what keeps
 * every path inside the root tree. Messages follow GNU coreutils wording.
 */
#include "cmds.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join_path(const char *a, const char *b)
{
    sx s;
    sx_init(&s);
    sx_adds(&s, a);
    if (s.len && s.s[s.len - 1] != '/')
        sx_addc(&s, '/');
    sx_adds(&s, b);
    return sx_take(&s);
}

static int xstat(ucmd *u, const char *path, struct stat *st, bool follow)
{
    char *abs = sh_abspath(u->sh, path);
    int r = follow ? stat(abs, st) : lstat(abs, st);
    int e = errno;
    free(abs);
    errno = e;
    return r;
}

/* ---- ls ---- */

typedef struct ls_opt {
    bool l, a, A, one, R, d, h, t, r, S, F, p, i, s, U;
} ls_opt;

typedef struct ls_ent {
    char *name;
    struct stat st;
    bool ok;
} ls_ent;

static ls_opt g_ls;

static int ls_cmp(const void *a, const void *b)
{
    const ls_ent *x = a, *y = b;
    int c = 0;
    if (g_ls.t) {
        if (x->st.st_mtim.tv_sec != y->st.st_mtim.tv_sec)
            c = x->st.st_mtim.tv_sec > y->st.st_mtim.tv_sec ? -1 : 1;
        else if (x->st.st_mtim.tv_nsec != y->st.st_mtim.tv_nsec)
            c = x->st.st_mtim.tv_nsec > y->st.st_mtim.tv_nsec ? -1 : 1;
    } else if (g_ls.S) {
        if (x->st.st_size != y->st.st_size)
            c = x->st.st_size > y->st.st_size ? -1 : 1;
    }
    if (!c)
        c = strcmp(x->name, y->name);
    return g_ls.r ? -c : c;
}

static void mode_str(mode_t m, char *out)
{
    out[0] = S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : S_ISCHR(m) ? 'c' : S_ISBLK(m) ? 'b' :
             S_ISFIFO(m) ? 'p' : S_ISSOCK(m) ? 's' : '-';
    const char *rwx = "rwxrwxrwx";
    for (int i = 0; i < 9; i++)
        out[1 + i] = (m & (1 << (8 - i))) ? rwx[i] : '-';
    out[10] = 0;
}

static void human(long long v, char *out, size_t n)
{
    const char *u = "KMGTPE";
    if (v < 1024) {
        snprintf(out, n, "%lld", v);
        return;
    }
    double d = (double)v;
    int k = -1;
    while (d >= 1024 && k < 5) {
        d /= 1024;
        k++;
    }
    if (d < 10)
        snprintf(out, n, "%.1f%c", (double)((long long)(d * 10 + 0.999999)) / 10, u[k]);
    else
        snprintf(out, n, "%.0f%c", d + 0.4999, u[k]);
}

static void fmt_time(time_t t, char *out, size_t n)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    time_t now = time(NULL);
    if (now - t > 180 * 24 * 3600 || t - now > 3600)
        strftime(out, n, "%b %e  %Y", &tm);
    else
        strftime(out, n, "%b %e %H:%M", &tm);
}

static void ls_entry(ucmd *u, sx *o, const char *dir, const ls_ent *e)
{
    const ls_opt *op = &g_ls;
    if (op->i)
        sx_printf(o, "%llu ", (unsigned long long)e->st.st_ino);
    if (op->s)
        sx_printf(o, "%lld ", (long long)e->st.st_blocks / 2);
    if (op->l) {
        char m[11], sz[32], tm[64];
        mode_str(e->st.st_mode, m);
        if (op->h)
            human((long long)e->st.st_size, sz, sizeof sz);
        else
            snprintf(sz, sizeof sz, "%lld", (long long)e->st.st_size);
        fmt_time(e->st.st_mtim.tv_sec, tm, sizeof tm);
        sx_printf(o, "%s %lu %s %s %s %s ", m, (unsigned long)e->st.st_nlink, "user", "user", sz, tm);
    }
    sx_adds(o, e->name);
    if (op->F || op->p) {
        if (S_ISDIR(e->st.st_mode))
            sx_addc(o, '/');
        else if (op->F && S_ISLNK(e->st.st_mode))
            sx_addc(o, '@');
        else if (op->F && (e->st.st_mode & 0111) && S_ISREG(e->st.st_mode))
            sx_addc(o, '*');
    }
    if (op->l && S_ISLNK(e->st.st_mode)) {
        char *p = dir ? join_path(dir, e->name) : xstrdup(e->name);
        char *abs = sh_abspath(u->sh, p);
        char buf[4096];
        ssize_t n = readlink(abs, buf, sizeof buf - 1);
        if (n >= 0) {
            buf[n] = 0;
            sx_adds(o, " -> ");
            sx_adds(o, buf);
        }
        free(abs);
        free(p);
    }
    sx_addc(o, '\n');
}

static int ls_dir(ucmd *u, const char *path, bool header, bool *first)
{
    char *abs = sh_abspath(u->sh, path);
    DIR *d = opendir(abs);
    if (!d) {
        uerr(u, "cannot open directory '%s': %s", path, sh_strerror(errno));
        free(abs);
        return 2;
    }
    ls_ent *v = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *nm = de->d_name;
        if (nm[0] == '.' && !g_ls.a && !g_ls.A)
            continue;
        if (g_ls.A && !g_ls.a && (strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            v = xrealloc(v, cap * sizeof *v);
        }
        v[n].name = xstrdup(nm);
        char *full = join_path(abs, nm);
        v[n].ok = lstat(full, &v[n].st) == 0;
        if (!v[n].ok)
            memset(&v[n].st, 0, sizeof v[n].st);
        free(full);
        n++;
    }
    closedir(d);
    if (g_ls.a) {
        /* WASI readdir may omit . and ..: make sure they are listed */
        bool dot = false, dotdot = false;
        for (size_t i = 0; i < n; i++) {
            if (strcmp(v[i].name, ".") == 0)
                dot = true;
            if (strcmp(v[i].name, "..") == 0)
                dotdot = true;
        }
        for (int k = 0; k < 2; k++) {
            if ((k == 0 && dot) || (k == 1 && dotdot))
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                v = xrealloc(v, cap * sizeof *v);
            }
            v[n].name = xstrdup(k == 0 ? "." : "..");
            char *full = join_path(abs, v[n].name);
            v[n].ok = stat(full, &v[n].st) == 0;
            free(full);
            n++;
        }
    }
    if (!g_ls.U && n)
        qsort(v, n, sizeof *v, ls_cmp);
    sx o;
    sx_init(&o);
    if (header) {
        if (!*first)
            sx_addc(&o, '\n');
        sx_printf(&o, "%s:\n", path);
    }
    *first = false;
    if (g_ls.l || g_ls.s) {
        long long total = 0;
        for (size_t i = 0; i < n; i++)
            total += (long long)v[i].st.st_blocks / 2;
        sx_printf(&o, "total %lld\n", total);
    }
    for (size_t i = 0; i < n; i++) {
        ls_entry(u, &o, path, &v[i]);
        if (o.len > 65536) {
            uwrite(u, o.s, o.len);
            sx_reset(&o);
        }
    }
    uwrite(u, o.s, o.len);
    sx_free(&o);
    int st = 0;
    if (g_ls.R) {
        for (size_t i = 0; i < n && !u->sigpipe; i++) {
            if (S_ISDIR(v[i].st.st_mode) && strcmp(v[i].name, ".") && strcmp(v[i].name, "..")) {
                char *sub = join_path(path, v[i].name);
                st |= ls_dir(u, sub, true, first);
                free(sub);
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        free(v[i].name);
    free(v);
    free(abs);
    return st;
}

int u_ls(ucmd *u)
{
    memset(&g_ls, 0, sizeof g_ls);
    uopt o = {0};
    int ch;
    static const char *const longs[] = {"all=a", "almost-all=A", "recursive=R", "directory=d",
                                        "human-readable=h", "reverse=r", "classify=F",
                                        "inode=i", "size=s", "color=c", NULL};
    while ((ch = uopt_next(u, &o, "laA1RdhtrSFpisUCGgon", longs)) != 0) {
        switch (ch) {
        case 'l': case 'g': case 'o': case 'n': g_ls.l = true; break;
        case 'a': g_ls.a = true; break;
        case 'A': g_ls.A = true; break;
        case '1': g_ls.one = true; break;
        case 'R': g_ls.R = true; break;
        case 'd': g_ls.d = true; break;
        case 'h': g_ls.h = true; break;
        case 't': g_ls.t = true; break;
        case 'r': g_ls.r = true; break;
        case 'S': g_ls.S = true; break;
        case 'F': g_ls.F = true; break;
        case 'p': g_ls.p = true; break;
        case 'i': g_ls.i = true; break;
        case 's': g_ls.s = true; break;
        case 'U': g_ls.U = true; break;
        case 'C': case 'G': case 'c': break;
        default: return 2;
        }
    }
    int nargs = u->argc - o.ind;
    char *dot[] = {(char *)".", NULL};
    char **args = nargs ? u->argv + o.ind : dot;
    if (!nargs)
        nargs = 1;
    int st = 0;
    /* files first, then directories */
    ls_ent *files = xcalloc((size_t)nargs, sizeof *files);
    int nf = 0;
    char **dirs = xcalloc((size_t)nargs, sizeof *dirs);
    int nd = 0;
    for (int i = 0; i < nargs; i++) {
        struct stat sst;
        if (xstat(u, args[i], &sst, true) != 0 && xstat(u, args[i], &sst, false) != 0) {
            uerr(u, "cannot access '%s': %s", args[i], sh_strerror(errno));
            st = 2;
            continue;
        }
        if (S_ISDIR(sst.st_mode) && !g_ls.d) {
            dirs[nd++] = args[i];
        } else {
            files[nf].name = args[i];
            files[nf].st = sst;
            if (g_ls.l)
                xstat(u, args[i], &files[nf].st, false);
            nf++;
        }
    }
    if (nf)
        qsort(files, (size_t)nf, sizeof *files, ls_cmp);
    sx out;
    sx_init(&out);
    for (int i = 0; i < nf; i++)
        ls_entry(u, &out, NULL, &files[i]);
    uwrite(u, out.s, out.len);
    sx_free(&out);
    if (nd > 1)
        qsort(dirs, (size_t)nd, sizeof *dirs, cmpstr);
    bool first = nf == 0;
    for (int i = 0; i < nd; i++)
        st |= ls_dir(u, dirs[i], nargs > 1 || g_ls.R, &first);
    free(files);
    free(dirs);
    return st;
}

/* ---- mkdir, rmdir ---- */

static int mkdir_p(ucmd *u, const char *path, mode_t mode, bool verbose)
{
    char *abs = sh_abspath(u->sh, path);
    size_t n = strlen(abs);
    for (size_t i = 1; i <= n; i++) {
        if (i == n || abs[i] == '/') {
            char c = abs[i];
            abs[i] = 0;
            struct stat st;
            if (stat(abs, &st) != 0) {
                if (mkdir(abs, mode) != 0 && errno != EEXIST) {
                    uerr(u, "cannot create directory '%s': %s", path, sh_strerror(errno));
                    free(abs);
                    return 1;
                }
                if (verbose)
                    uprintf(u, "mkdir: created directory '%s'\n", abs);
            } else if (!S_ISDIR(st.st_mode)) {
                uerr(u, "cannot create directory '%s': Not a directory", path);
                free(abs);
                return 1;
            }
            abs[i] = c;
        }
    }
    free(abs);
    return 0;
}

int u_mkdir(ucmd *u)
{
    bool p = false, v = false;
    mode_t mode = 0777;
    uopt o = {0};
    int ch;
    static const char *const longs[] = {"parents=p", "verbose=v", "mode:=m", NULL};
    while ((ch = uopt_next(u, &o, "pvm:", longs)) != 0) {
        if (ch == 'p')
            p = true;
        else if (ch == 'v')
            v = true;
        else if (ch == 'm')
            mode = (mode_t)strtol(o.arg, NULL, 8);
        else
            return 1;
    }
    if (o.ind >= u->argc) {
        uerr(u, "missing operand");
        return 1;
    }
    int st = 0;
    for (int i = o.ind; i < u->argc; i++) {
        if (p) {
            st |= mkdir_p(u, u->argv[i], mode, v);
            continue;
        }
        char *abs = sh_abspath(u->sh, u->argv[i]);
        if (mkdir(abs, mode) != 0) {
            uerr(u, "cannot create directory '%s': %s", u->argv[i], sh_strerror(errno));
            st = 1;
        } else if (v) {
            uprintf(u, "mkdir: created directory '%s'\n", u->argv[i]);
        }
        free(abs);
    }
    return st;
}

int u_rmdir(ucmd *u)
{
    bool p = false;
    uopt o = {0};
    int ch;
    static const char *const longs[] = {"parents=p", "ignore-fail-on-non-empty=I", NULL};
    bool ignore = false;
    while ((ch = uopt_next(u, &o, "pv", longs)) != 0) {
        if (ch == 'p')
            p = true;
        else if (ch == 'I')
            ignore = true;
        else if (ch != 'v')
            return 1;
    }
    if (o.ind >= u->argc) {
        uerr(u, "missing operand");
        return 1;
    }
    int st = 0;
    for (int i = o.ind; i < u->argc; i++) {
        char *path = xstrdup(u->argv[i]);
        for (;;) {
            char *abs = sh_abspath(u->sh, path);
            int r = rmdir(abs);
            free(abs);
            if (r != 0) {
                if (!(ignore && errno == ENOTEMPTY)) {
                    uerr(u, "failed to remove '%s': %s", path, sh_strerror(errno));
                    st = 1;
                }
                break;
            }
            if (!p)
                break;
            char *slash = strrchr(path, '/');
            if (!slash || slash == path)
                break;
            *slash = 0;
        }
        free(path);
    }
    return st;
}

/* ---- rm ---- */

static int rm_tree(ucmd *u, const char *abs, const char *shown, bool verbose, int depth)
{
    struct stat st;
    if (lstat(abs, &st) != 0)
        return -1;
    if (S_ISDIR(st.st_mode)) {
        if (depth > 256) {
            uerr(u, "cannot remove '%s': directory tree too deep", shown);
            return 1;
        }
        DIR *d = opendir(abs);
        if (!d) {
            uerr(u, "cannot remove '%s': %s", shown, sh_strerror(errno));
            return 1;
        }
        strv names = {0};
        struct dirent *de;
        while ((de = readdir(d)))
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                strv_push(&names, xstrdup(de->d_name));
        closedir(d);
        int r = 0;
        for (int i = 0; i < names.n; i++) {
            char *c = join_path(abs, names.v[i]);
            char *cs = join_path(shown, names.v[i]);
            int x = rm_tree(u, c, cs, verbose, depth + 1);
            if (x > 0)
                r = 1;
            free(c);
            free(cs);
        }
        strv_free(&names);
        if (rmdir(abs) != 0) {
            uerr(u, "cannot remove '%s': %s", shown, sh_strerror(errno));
            return 1;
        }
        if (verbose)
            uprintf(u, "removed directory '%s'\n", shown);
        return r;
    }
    if (unlink(abs) != 0) {
        uerr(u, "cannot remove '%s': %s", shown, sh_strerror(errno));
        return 1;
    }
    if (verbose)
        uprintf(u, "removed '%s'\n", shown);
    return 0;
}

int u_rm(ucmd *u)
{
    bool r = false, f = false, v = false, d = false;
    uopt o = {0};
    int ch;
    static const char *const longs[] = {"recursive=r", "force=f", "verbose=v", "dir=d",
                                        "no-preserve-root=P", "preserve-root=Q", NULL};
    while ((ch = uopt_next(u, &o, "rRfvdiI", longs)) != 0) {
        switch (ch) {
        case 'r': case 'R': r = true; break;
        case 'f': f = true; break;
        case 'v': v = true; break;
        case 'd': d = true; break;
        case 'i': case 'I': case 'P': case 'Q': break;
        default: return 1;
        }
    }
    if (o.ind >= u->argc) {
        if (f)
            return 0;
        uerr(u, "missing operand");
        return 1;
    }
    int st = 0;
    for (int i = o.ind; i < u->argc; i++) {
        const char *a = u->argv[i];
        char *abs = sh_abspath(u->sh, a);
        struct stat sst;
        if (lstat(abs, &sst) != 0) {
            if (!f) {
                uerr(u, "cannot remove '%s': %s", a, sh_strerror(errno));
                st = 1;
            }
            free(abs);
            continue;
        }
        if (strcmp(abs, "/") == 0 && r) {
            uerr(u, "it is dangerous to operate recursively on '/'");
            st = 1;
            free(abs);
            continue;
        }
        if (S_ISDIR(sst.st_mode)) {
            if (r) {
                if (rm_tree(u, abs, a, v, 0) != 0)
                    st = 1;
            } else if (d) {
                if (rmdir(abs) != 0) {
                    uerr(u, "cannot remove '%s': %s", a, sh_strerror(errno));
                    st = 1;
                }
            } else {
                uerr(u, "cannot remove '%s': Is a directory", a);
                st = 1;
            }
        } else if (unlink(abs) != 0) {
            uerr(u, "cannot remove '%s': %s", a, sh_strerror(errno));
            st = 1;
        } else if (v) {
            uprintf(u, "removed '%s'\n", a);
        }
        free(abs);
    }
    return st;
}

/* ---- cp, mv ---- */

static int copy_file(ucmd *u, const char *src, const char *dst, const char *ssrc, bool preserve)
{
    int in = open(src, O_RDONLY);
    if (in < 0) {
        uerr(u, "cannot open '%s' for reading: %s", ssrc, sh_strerror(errno));
        return 1;
    }
    struct stat st;
    fstat(in, &st);
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, st.st_mode & 0777);
    if (out < 0) {
        uerr(u, "cannot create regular file '%s': %s", dst, sh_strerror(errno));
        close(in);
        return 1;
    }
    char buf[65536];
    int r = 0;
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n < 0)
                r = 1;
            break;
        }
        ssize_t off = 0;
        while (off < n) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w <= 0) {
                uerr(u, "error writing '%s': %s", dst, sh_strerror(errno));
                r = 1;
                break;
            }
            off += w;
        }
        if (r)
            break;
    }
    close(in);
    close(out);
    if (preserve) {
        struct timespec ts[2] = {st.st_atim, st.st_mtim};
        utimensat(AT_FDCWD, dst, ts, 0);
    }
    return r;
}

static int copy_tree(ucmd *u, const char *src, const char *dst, const char *ssrc, bool rec,
                     bool preserve, bool noclob, int depth)
{
    struct stat st;
    if (lstat(src, &st) != 0) {
        uerr(u, "cannot stat '%s': %s", ssrc, sh_strerror(errno));
        return 1;
    }
    if (noclob) {
        struct stat dt;
        if (lstat(dst, &dt) == 0)
            return 0;
    }
    if (S_ISLNK(st.st_mode) && rec) {
        char buf[4096];
        ssize_t n = readlink(src, buf, sizeof buf - 1);
        if (n >= 0) {
            buf[n] = 0;
            unlink(dst);
            if (symlink(buf, dst) != 0) {
                uerr(u, "cannot create symbolic link '%s': %s", dst, sh_strerror(errno));
                return 1;
            }
            return 0;
        }
    }
    if (S_ISDIR(st.st_mode)) {
        if (!rec) {
            uerr(u, "-r not specified; omitting directory '%s'", ssrc);
            return 1;
        }
        if (depth > 256) {
            uerr(u, "'%s': directory tree too deep", ssrc);
            return 1;
        }
        if (strncmp(dst, src, strlen(src)) == 0 && dst[strlen(src)] == '/') {
            uerr(u, "cannot copy a directory, '%s', into itself", ssrc);
            return 1;
        }
        if (mkdir(dst, st.st_mode & 0777) != 0 && errno != EEXIST) {
            uerr(u, "cannot create directory '%s': %s", dst, sh_strerror(errno));
            return 1;
        }
        DIR *d = opendir(src);
        if (!d) {
            uerr(u, "cannot access '%s': %s", ssrc, sh_strerror(errno));
            return 1;
        }
        strv names = {0};
        struct dirent *de;
        while ((de = readdir(d)))
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                strv_push(&names, xstrdup(de->d_name));
        closedir(d);
        int r = 0;
        for (int i = 0; i < names.n; i++) {
            char *s2 = join_path(src, names.v[i]);
            char *d2 = join_path(dst, names.v[i]);
            char *ss2 = join_path(ssrc, names.v[i]);
            r |= copy_tree(u, s2, d2, ss2, rec, preserve, noclob, depth + 1);
            free(s2);
            free(d2);
            free(ss2);
        }
        strv_free(&names);
        return r;
    }
    return copy_file(u, src, dst, ssrc, preserve);
}

static const char *base_name(const char *p)
{
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        n--;
    const char *s = p + n;
    while (s > p && s[-1] != '/')
        s--;
    return s;
}

static int cp_mv(ucmd *u, bool move)
{
    bool rec = false, preserve = false, noclob = false, verbose = false, notarget = false;
    uopt o = {0};
    int ch;
    static const char *const longs[] = {"recursive=r", "archive=a", "force=f", "no-clobber=n",
                                        "verbose=v", "preserve=p", "no-target-directory=T",
                                        NULL};
    while ((ch = uopt_next(u, &o, move ? "fnviuT" : "rRafpnviuLPdT", longs)) != 0) {
        switch (ch) {
        case 'r': case 'R': rec = true; break;
        case 'a': rec = preserve = true; break;
        case 'p': preserve = true; break;
        case 'n': noclob = true; break;
        case 'v': verbose = true; break;
        case 'T': notarget = true; break;
        case 'f': case 'i': case 'u': case 'L': case 'P': case 'd': break;
        default: return 1;
        }
    }
    int n = u->argc - o.ind;
    if (n < 1) {
        uerr(u, "missing file operand");
        return 1;
    }
    if (n < 2) {
        uerr(u, "missing destination file operand after '%s'", u->argv[o.ind]);
        return 1;
    }
    const char *target = u->argv[u->argc - 1];
    char *tabs = sh_abspath(u->sh, target);
    struct stat tst;
    bool tdir = !notarget && stat(tabs, &tst) == 0 && S_ISDIR(tst.st_mode);
    if (n > 2 && !tdir) {
        uerr(u, "target '%s' is not a directory", target);
        free(tabs);
        return 1;
    }
    int st = 0;
    for (int i = o.ind; i < u->argc - 1; i++) {
        const char *src = u->argv[i];
        char *sabs = sh_abspath(u->sh, src);
        char *dabs = tdir ? join_path(tabs, base_name(src)) : xstrdup(tabs);
        struct stat sst;
        if (lstat(sabs, &sst) != 0) {
            uerr(u, "cannot stat '%s': %s", src, sh_strerror(errno));
            st = 1;
        } else if (strcmp(sabs, dabs) == 0) {
            uerr(u, "'%s' and '%s' are the same file", src, target);
            st = 1;
        } else if (move) {
            struct stat dst;
            if (noclob && lstat(dabs, &dst) == 0) {
                /* keep the existing file */
            } else if (rename(sabs, dabs) != 0) {
                if (errno == EXDEV) {
                    st |= copy_tree(u, sabs, dabs, src, true, true, false, 0);
                    if (!st)
                        st |= rm_tree(u, sabs, src, false, 0) > 0;
                } else {
                    uerr(u, "cannot move '%s' to '%s': %s", src, target, sh_strerror(errno));
                    st = 1;
                }
            } else if (verbose) {
                uprintf(u, "renamed '%s' -> '%s'\n", src, tdir ? dabs : target);
            }
        } else {
            int r = copy_tree(u, sabs, dabs, src, rec, preserve, noclob, 0);
            st |= r;
            if (!r && verbose)
                uprintf(u, "'%s' -> '%s'\n", src, tdir ? dabs : target);
        }
        free(sabs);
        free(dabs);
    }
    free(tabs);
    return st;
}

int u_cp(ucmd *u)
{
    return cp_mv(u, false);
}

int u_mv(ucmd *u)
{
    return cp_mv(u, true);
}

/* ---- touch, ln ---- */

int u_touch(ucmd *u)
{
    bool nocreate = false;
    const char *ref = NULL;
    const char *date = NULL;
    uopt o = {0};
    int ch;
    static const char *const longs[] = {"no-create=c", "reference:=r", "date:=d", NULL};
    while ((ch = uopt_next(u, &o, "cr:d:amt:", longs)) != 0) {
        if (ch == 'c')
            nocreate = true;
        else if (ch == 'r')
            ref = o.arg;
        else if (ch == 'd' || ch == 't')
            date = o.arg;
        else if (ch != 'a' && ch != 'm')
            return 1;
    }
    if (o.ind >= u->argc) {
        uerr(u, "missing file operand");
        return 1;
    }
    struct timespec ts[2];
    bool set = false;
    if (ref) {
        struct stat st;
        if (xstat(u, ref, &st, true) != 0) {
            uerr(u, "failed to get attributes of '%s': %s", ref, sh_strerror(errno));
            return 1;
        }
        ts[0] = st.st_atim;
        ts[1] = st.st_mtim;
        set = true;
    } else if (date) {
        long long epoch;
        if (date[0] == '@' && parse_ll(date + 1, &epoch)) {
            ts[0].tv_sec = ts[1].tv_sec = (time_t)epoch;
            ts[0].tv_nsec = ts[1].tv_nsec = 0;
            set = true;
        } else {
            struct tm tm;
            memset(&tm, 0, sizeof tm);
            const char *e = strptime(date, "%Y-%m-%d %H:%M:%S", &tm);
            if (!e)
                e = strptime(date, "%Y-%m-%d", &tm);
            if (!e) {
                uerr(u, "invalid date format '%s'", date);
                return 1;
            }
            ts[0].tv_sec = ts[1].tv_sec = timegm(&tm);
            ts[0].tv_nsec = ts[1].tv_nsec = 0;
            set = true;
        }
    }
    int st = 0;
    for (int i = o.ind; i < u->argc; i++) {
        char *abs = sh_abspath(u->sh, u->argv[i]);
        struct stat sst;
        if (stat(abs, &sst) != 0) {
            if (nocreate) {
                free(abs);
                continue;
            }
            int fd = open(abs, O_WRONLY | O_CREAT, 0666);
            if (fd < 0) {
                uerr(u, "cannot touch '%s': %s", u->argv[i], sh_strerror(errno));
                st = 1;
                free(abs);
                continue;
            }
            close(fd);
        }
        if (utimensat(AT_FDCWD, abs, set ? ts : NULL, 0) != 0) {
            uerr(u, "setting times of '%s': %s", u->argv[i], sh_strerror(errno));
            st = 1;
        }
        free(abs);
    }
    return st;
}

int u_ln(ucmd *u)
{
    bool sym = false, force = false, verbose = false, notarget = false;
    uopt o = {0};
    int ch;
    static const char *const longs[] = {"symbolic=s", "force=f", "verbose=v",
                                        "no-dereference=n", "no-target-directory=T", NULL};
    while ((ch = uopt_next(u, &o, "sfvnrT", longs)) != 0) {
        switch (ch) {
        case 's': sym = true; break;
        case 'f': force = true; break;
        case 'v': verbose = true; break;
        case 'T': notarget = true; break;
        case 'n': case 'r': break;
        default: return 1;
        }
    }
    int n = u->argc - o.ind;
    if (n < 1) {
        uerr(u, "missing file operand");
        return 1;
    }
    const char *target = n == 1 ? "." : u->argv[u->argc - 1];
    char *tabs = sh_abspath(u->sh, target);
    struct stat tst;
    bool tdir = !notarget && stat(tabs, &tst) == 0 && S_ISDIR(tst.st_mode);
    int st = 0;
    int last = n == 1 ? u->argc : u->argc - 1;
    for (int i = o.ind; i < last; i++) {
        const char *src = u->argv[i];
        char *dabs = tdir ? join_path(tabs, base_name(src)) : xstrdup(tabs);
        if (force)
            unlink(dabs);
        int r;
        if (sym) {
            r = symlink(src, dabs);
        } else {
            char *sabs = sh_abspath(u->sh, src);
            r = link(sabs, dabs);
            free(sabs);
        }
        if (r != 0) {
            uerr(u, "failed to create %slink '%s': %s", sym ? "symbolic " : "hard ",
                 tdir ? dabs : target, sh_strerror(errno));
            st = 1;
        } else if (verbose) {
            uprintf(u, "'%s' -> '%s'\n", tdir ? dabs : target, src);
        }
        free(dabs);
    }
    free(tabs);
    return st;
}

/* ---- stat, du ---- */

static const char *file_type(mode_t m, long long size)
{
    if (S_ISREG(m))
        return size ? "regular file" : "regular empty file";
    if (S_ISDIR(m))
        return "directory";
    if (S_ISLNK(m))
        return "symbolic link";
    if (S_ISFIFO(m))
        return "fifo";
    if (S_ISSOCK(m))
        return "socket";
    if (S_ISCHR(m))
        return "character special file";
    if (S_ISBLK(m))
        return "block special file";
    return "weird file";
}

static void time_str(const struct timespec *ts, char *out, size_t n)
{
    struct tm tm;
    gmtime_r(&ts->tv_sec, &tm);
    char b[64];
    strftime(b, sizeof b, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(out, n, "%s.%09ld +0000", b, (long)ts->tv_nsec);
}

static void stat_format(ucmd *u, sx *o, const char *fmt, const char *name, const struct stat *st)
{
    for (const char *p = fmt; *p; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            sx_addc(o, *p == 'n' ? '\n' : *p == 't' ? '\t' : *p);
            continue;
        }
        if (*p != '%' || !p[1]) {
            sx_addc(o, *p);
            continue;
        }
        p++;
        char m[11], tb[80];
        switch (*p) {
        case 'n': sx_adds(o, name); break;
        case 'N': sx_printf(o, "'%s'", name); break;
        case 's': sx_printf(o, "%lld", (long long)st->st_size); break;
        case 'a': sx_printf(o, "%o", (unsigned)(st->st_mode & 07777)); break;
        case 'A': mode_str(st->st_mode, m); sx_adds(o, m); break;
        case 'F': sx_adds(o, file_type(st->st_mode, (long long)st->st_size)); break;
        case 'i': sx_printf(o, "%llu", (unsigned long long)st->st_ino); break;
        case 'h': sx_printf(o, "%lu", (unsigned long)st->st_nlink); break;
        case 'u': case 'g': sx_printf(o, "%u", 0u); break;
        case 'U': case 'G': sx_adds(o, "user"); break;
        case 'b': sx_printf(o, "%lld", (long long)st->st_blocks); break;
        case 'B': sx_adds(o, "512"); break;
        case 'Y': sx_printf(o, "%lld", (long long)st->st_mtim.tv_sec); break;
        case 'X': sx_printf(o, "%lld", (long long)st->st_atim.tv_sec); break;
        case 'Z': sx_printf(o, "%lld", (long long)st->st_ctim.tv_sec); break;
        case 'y': time_str(&st->st_mtim, tb, sizeof tb); sx_adds(o, tb); break;
        case 'x': time_str(&st->st_atim, tb, sizeof tb); sx_adds(o, tb); break;
        case 'z': time_str(&st->st_ctim, tb, sizeof tb); sx_adds(o, tb); break;
        case 'd': sx_printf(o, "%llu", (unsigned long long)st->st_dev); break;
        case '%': sx_addc(o, '%'); break;
        default:
            sx_addc(o, '%');
            sx_addc(o, *p);
        }
    }
    (void)u;
}

int u_stat(ucmd *u)
{
    const char *fmt = NULL;
    bool follow = false, printf_mode = false;
    uopt o = {0};
    int ch;
    static const char *const longs[] = {"format:=c", "printf:=P", "dereference=L", NULL};
    while ((ch = uopt_next(u, &o, "c:Lt", longs)) != 0) {
        if (ch == 'c')
            fmt = o.arg;
        else if (ch == 'P') {
            fmt = o.arg;
            printf_mode = true;
        } else if (ch == 'L')
            follow = true;
        else if (ch != 't')
            return 1;
    }
    if (o.ind >= u->argc) {
        uerr(u, "missing operand");
        return 1;
    }
    int st = 0;
    sx out;
    sx_init(&out);
    for (int i = o.ind; i < u->argc; i++) {
        struct stat sst;
        if (xstat(u, u->argv[i], &sst, follow) != 0) {
            uerr(u, "cannot statx '%s': %s", u->argv[i], sh_strerror(errno));
            st = 1;
            continue;
        }
        if (fmt) {
            stat_format(u, &out, fmt, u->argv[i], &sst);
            if (!printf_mode)
                sx_addc(&out, '\n');
        } else {
            stat_format(u, &out,
                        "  File: %n\n  Size: %s\tBlocks: %b\tIO Block: 4096\t%F\n"
                        "Device: %d\tInode: %i\tLinks: %h\n"
                        "Access: (0%a/%A)  Uid: (%u/%U)   Gid: (%g/%G)\n"
                        "Access: %x\nModify: %y\nChange: %z\n Birth: -\n",
                        u->argv[i], &sst);
        }
    }
    uwrite(u, out.s, out.len);
    sx_free(&out);
    return st;
}

typedef struct du_opt {
    bool s, h, a, c, b, k, m;
    int maxdepth;
} du_opt;

static void du_print(ucmd *u, const du_opt *d, long long bytes, long long blocks, const char *name)
{
    char buf[64];
    if (d->h)
        human(d->b ? bytes : blocks * 512, buf, sizeof buf);
    else if (d->b)
        snprintf(buf, sizeof buf, "%lld", bytes);
    else if (d->m)
        snprintf(buf, sizeof buf, "%lld", (blocks * 512 + 1048575) / 1048576);
    else
        snprintf(buf, sizeof buf, "%lld", (blocks * 512 + 1023) / 1024);
    uprintf(u, "%s\t%s\n", buf, name);
}

static void du_walk(ucmd *u, const du_opt *d, const char *abs, const char *shown, int depth,
                    long long *bytes, long long *blocks)
{
    struct stat st;
    if (lstat(abs, &st) != 0) {
        uerr(u, "cannot access '%s': %s", shown, sh_strerror(errno));
        return;
    }
    long long by = (long long)st.st_size, bl = (long long)st.st_blocks;
    if (S_ISDIR(st.st_mode) && depth < 256) {
        DIR *dir = opendir(abs);
        if (dir) {
            strv names = {0};
            struct dirent *de;
            while ((de = readdir(dir)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                    strv_push(&names, xstrdup(de->d_name));
            closedir(dir);
            qsort(names.v, (size_t)names.n, sizeof *names.v, cmpstr);
            for (int i = 0; i < names.n; i++) {
                char *c = join_path(abs, names.v[i]);
                char *cs = join_path(shown, names.v[i]);
                long long cb = 0, ck = 0;
                du_walk(u, d, c, cs, depth + 1, &cb, &ck);
                by += cb;
                bl += ck;
                free(c);
                free(cs);
            }
            strv_free(&names);
        }
        if (!d->s && (d->maxdepth < 0 || depth <= d->maxdepth))
            du_print(u, d, by, bl, shown);
    } else if (d->a && !d->s && (d->maxdepth < 0 || depth <= d->maxdepth)) {
        du_print(u, d, by, bl, shown);
    }
    *bytes = by;
    *blocks = bl;
}

int u_du(ucmd *u)
{
    du_opt d = {0};
    d.maxdepth = -1;
    uopt o = {0};
    int ch;
    static const char *const longs[] = {"summarize=s", "human-readable=h", "all=a", "total=c",
                                        "bytes=b", "max-depth:=d", NULL};
    while ((ch = uopt_next(u, &o, "shacbkmd:x", longs)) != 0) {
        switch (ch) {
        case 's': d.s = true; break;
        case 'h': d.h = true; break;
        case 'a': d.a = true; break;
        case 'c': d.c = true; break;
        case 'b': d.b = true; break;
        case 'k': d.k = true; break;
        case 'm': d.m = true; break;
        case 'x': break;
        case 'd': {
            long long v;
            if (!parse_ll(o.arg, &v) || v < 0) {
                uerr(u, "invalid maximum depth '%s'", o.arg);
                return 1;
            }
            d.maxdepth = (int)v;
            break;
        }
        default: return 1;
        }
    }
    char *dot[] = {(char *)".", NULL};
    char **args = u->argc > o.ind ? u->argv + o.ind : dot;
    int n = u->argc > o.ind ? u->argc - o.ind : 1;
    long long tb = 0, tk = 0;
    for (int i = 0; i < n; i++) {
        char *abs = sh_abspath(u->sh, args[i]);
        long long b = 0, k = 0;
        du_walk(u, &d, abs, args[i], 0, &b, &k);
        struct stat st;
        if (d.s || (lstat(abs, &st) == 0 && !S_ISDIR(st.st_mode) && !d.a))
            du_print(u, &d, b, k, args[i]);
        tb += b;
        tk += k;
        free(abs);
    }
    if (d.c)
        du_print(u, &d, tb, tk, "total");
    return 0;
}

/* ---- names ---- */

int u_basename(ucmd *u)
{
    bool multi = false;
    const char *suffix = NULL;
    bool zero = false;
    uopt o = {0};
    int ch;
    static const char *const longs[] = {"multiple=a", "suffix:=s", "zero=z", NULL};
    while ((ch = uopt_next(u, &o, "as:z", longs)) != 0) {
        if (ch == 'a')
            multi = true;
        else if (ch == 's') {
            suffix = o.arg;
            multi = true;
        } else if (ch == 'z')
            zero = true;
        else
            return 1;
    }
    int n = u->argc - o.ind;
    if (n < 1) {
        uerr(u, "missing operand");
        return 1;
    }
    if (!multi && n == 2)
        suffix = u->argv[o.ind + 1];
    else if (!multi && n > 2) {
        uerr(u, "extra operand '%s'", u->argv[o.ind + 2]);
        return 1;
    }
    int last = multi ? u->argc : o.ind + 1;
    sx out;
    sx_init(&out);
    for (int i = o.ind; i < last; i++) {
        const char *p = u->argv[i];
        size_t len = strlen(p);
        while (len > 1 && p[len - 1] == '/')
            len--;
        size_t b = len;
        while (b > 0 && p[b - 1] != '/')
            b--;
        if (len == 1 && p[0] == '/')
            b = 0;
        size_t bl = len - b;
        if (suffix && *suffix) {
            size_t sl = strlen(suffix);
            if (sl < bl && memcmp(p + len - sl, suffix, sl) == 0)
                bl -= sl;
        }
        sx_add(&out, p + b, bl);
        sx_addc(&out, zero ? '\0' : '\n');
    }
    uwrite(u, out.s, out.len);
    sx_free(&out);
    return 0;
}

int u_dirname(ucmd *u)
{
    int i = 1;
    if (i < u->argc && strcmp(u->argv[i], "--") == 0)
        i++;
    if (i >= u->argc) {
        uerr(u, "missing operand");
        return 1;
    }
    sx out;
    sx_init(&out);
    for (; i < u->argc; i++) {
        const char *p = u->argv[i];
        size_t len = strlen(p);
        while (len > 1 && p[len - 1] == '/')
            len--;
        while (len > 0 && p[len - 1] != '/')
            len--;
        while (len > 1 && p[len - 1] == '/')
            len--;
        if (len == 0)
            sx_addc(&out, '.');
        else
            sx_add(&out, p, len);
        sx_addc(&out, '\n');
    }
    uwrite(u, out.s, out.len);
    sx_free(&out);
    return 0;
}

/* Resolves symlinks component by component (readlink -f / realpath). */
static char *resolve(ucmd *u, const char *path, int mode, int depth)
{
    /* mode: 'f' all but the last must exist, 'e' all must exist, 'm' none */
    char *abs = sh_abspath(u->sh, path);
    if (depth > 40) {
        free(abs);
        errno = ELOOP;
        return NULL;
    }
    sx out;
    sx_init(&out);
    const char *p = abs;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        bool last = !e || !e[strspn(e, "/")];
        size_t save = out.len;
        sx_addc(&out, '/');
        sx_add(&out, p, n);
        struct stat st;
        if (lstat(out.s, &st) != 0) {
            if (mode == 'e' || (mode == 'f' && !last)) {
                sx_free(&out);
                free(abs);
                return NULL;
            }
        } else if (S_ISLNK(st.st_mode)) {
            char buf[4096];
            ssize_t k = readlink(out.s, buf, sizeof buf - 1);
            if (k >= 0) {
                buf[k] = 0;
                sx rest;
                sx_init(&rest);
                if (buf[0] == '/') {
                    sx_adds(&rest, buf);
                } else {
                    sx_add(&rest, out.s, save);
                    sx_addc(&rest, '/');
                    sx_adds(&rest, buf);
                }
                if (e) {
                    sx_adds(&rest, e);
                }
                char *r = resolve(u, rest.s, mode, depth + 1);
                sx_free(&rest);
                sx_free(&out);
                free(abs);
                return r;
            }
        }
        p += n;
    }
    if (out.len == 0)
        sx_addc(&out, '/');
    free(abs);
    char *r = sh_abspath(u->sh, out.s);
    sx_free(&out);
    return r;
}

static int real_or_readlink(ucmd *u, bool is_readlink)
{
    int mode = is_readlink ? 0 : 'f';
    bool nonl = false, strip = false, quiet = false, rel = false;
    uopt o = {0};
    int ch;
    static const char *const longs[] = {"canonicalize=f", "canonicalize-existing=e",
                                        "canonicalize-missing=m", "no-newline=n", "strip=s",
                                        "no-symlinks=s", "quiet=q", "silent=q",
                                        "relative-to:=R", NULL};
    const char *relto = NULL;
    while ((ch = uopt_next(u, &o, "femnsqzvP", longs)) != 0) {
        switch (ch) {
        case 'f': mode = 'f'; break;
        case 'e': mode = 'e'; break;
        case 'm': mode = 'm'; break;
        case 'n': nonl = true; break;
        case 's': strip = true; break;
        case 'q': quiet = true; break;
        case 'R': relto = o.arg; rel = true; break;
        case 'z': case 'v': case 'P': break;
        default: return 1;
        }
    }
    if (o.ind >= u->argc) {
        uerr(u, "missing operand");
        return 1;
    }
    int st = 0;
    sx out;
    sx_init(&out);
    for (int i = o.ind; i < u->argc; i++) {
        const char *a = u->argv[i];
        char *r;
        if (is_readlink && mode == 0) {
            char *abs = sh_abspath(u->sh, a);
            char buf[4096];
            ssize_t k = readlink(abs, buf, sizeof buf - 1);
            free(abs);
            if (k < 0) {
                st = 1;
                continue;
            }
            buf[k] = 0;
            r = xstrdup(buf);
        } else if (strip) {
            r = sh_abspath(u->sh, a);
        } else {
            r = resolve(u, a, mode, 0);
            if (!r) {
                if (!is_readlink && !quiet)
                    uerr(u, "%s: %s", a, sh_strerror(errno ? errno : ENOENT));
                st = 1;
                continue;
            }
        }
        if (rel && relto) {
            char *base = sh_abspath(u->sh, relto);
            size_t bl = strlen(base);
            if (strcmp(base, "/") == 0 && r[1]) {
                sx_adds(&out, r + 1);
            } else if (strncmp(r, base, bl) == 0 && (r[bl] == '/' || !r[bl])) {
                sx_adds(&out, r[bl] ? r + bl + 1 : ".");
            } else {
                sx_adds(&out, r);
            }
            free(base);
        } else {
            sx_adds(&out, r);
        }
        if (!nonl)
            sx_addc(&out, '\n');
        free(r);
    }
    uwrite(u, out.s, out.len);
    sx_free(&out);
    return st;
}

int u_realpath(ucmd *u)
{
    return real_or_readlink(u, false);
}

int u_readlink(ucmd *u)
{
    return real_or_readlink(u, true);
}

/* ---- date, sleep ---- */

int u_date(ucmd *u)
{
    const char *fmt = "%a %b %e %H:%M:%S UTC %Y";
    const char *dstr = NULL;
    const char *ref = NULL;
    bool iso = false, rfc = false;
    const char *iso_kind = "date";
    int i = 1;
    for (; i < u->argc; i++) {
        const char *a = u->argv[i];
        if (a[0] == '+') {
            fmt = a + 1;
        } else if (strcmp(a, "-u") == 0 || strcmp(a, "--utc") == 0 || strcmp(a, "-R") == 0) {
            if (a[1] == 'R')
                rfc = true;
        } else if (strcmp(a, "-d") == 0 && i + 1 < u->argc) {
            dstr = u->argv[++i];
        } else if (strncmp(a, "--date=", 7) == 0) {
            dstr = a + 7;
        } else if (strcmp(a, "-r") == 0 && i + 1 < u->argc) {
            ref = u->argv[++i];
        } else if (strncmp(a, "-I", 2) == 0 || strncmp(a, "--iso-8601", 10) == 0) {
            iso = true;
            const char *k = a[1] == 'I' ? a + 2 : (a[10] == '=' ? a + 11 : "");
            if (*k)
                iso_kind = k;
        } else {
            uerr(u, "invalid option or date '%s'", a);
            return 1;
        }
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    time_t t = now.tv_sec;
    if (ref) {
        struct stat st;
        if (xstat(u, ref, &st, true) != 0) {
            uerr(u, "%s: %s", ref, sh_strerror(errno));
            return 1;
        }
        t = st.st_mtim.tv_sec;
    }
    if (dstr) {
        long long e;
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        if (dstr[0] == '@' && parse_ll(dstr + 1, &e)) {
            t = (time_t)e;
        } else if (strcmp(dstr, "now") == 0 || !*dstr) {
        } else if (strptime(dstr, "%Y-%m-%d %H:%M:%S", &tm) || strptime(dstr, "%Y-%m-%dT%H:%M:%S", &tm) ||
                   strptime(dstr, "%Y-%m-%d", &tm)) {
            t = timegm(&tm);
        } else {
            uerr(u, "invalid date '%s'", dstr);
            return 1;
        }
    }
    struct tm tm;
    gmtime_r(&t, &tm);
    if (iso) {
        if (strcmp(iso_kind, "seconds") == 0)
            fmt = "%Y-%m-%dT%H:%M:%S+00:00";
        else if (strcmp(iso_kind, "minutes") == 0)
            fmt = "%Y-%m-%dT%H:%M+00:00";
        else if (strcmp(iso_kind, "hours") == 0)
            fmt = "%Y-%m-%dT%H+00:00";
        else
            fmt = "%Y-%m-%d";
    }
    if (rfc)
        fmt = "%a, %d %b %Y %H:%M:%S +0000";
    /* %N (nanoseconds) and %s are not in every strftime: expand them here */
    sx f;
    sx_init(&f);
    for (const char *p = fmt; *p; p++) {
        if (p[0] == '%' && p[1] == 'N') {
            sx_printf(&f, "%09ld", dstr || ref ? 0L : (long)now.tv_nsec);
            p++;
        } else if (p[0] == '%' && p[1] == 's') {
            sx_printf(&f, "%lld", (long long)t);
            p++;
        } else if (p[0] == '%' && p[1] == 'Z') {
            sx_adds(&f, "UTC");
            p++;
        } else if (p[0] == '%' && p[1] == 'z') {
            sx_adds(&f, "+0000");
            p++;
        } else if (p[0] == '%' && p[1] == '%') {
            sx_adds(&f, "%%");
            p++;
        } else {
            sx_addc(&f, *p);
        }
    }
    char out[1024];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    size_t n = f.len ? strftime(out, sizeof out, f.s, &tm) : 0;
#pragma GCC diagnostic pop
    sx_free(&f);
    out[n] = 0;
    uprintf(u, "%s\n", out);
    return 0;
}

int u_sleep(ucmd *u)
{
    if (u->argc < 2) {
        uerr(u, "missing operand");
        return 1;
    }
    double total = 0;
    for (int i = 1; i < u->argc; i++) {
        char *end;
        double v = strtod(u->argv[i], &end);
        double m = 1;
        if (*end == 's')
            end++;
        else if (*end == 'm') {
            m = 60;
            end++;
        } else if (*end == 'h') {
            m = 3600;
            end++;
        } else if (*end == 'd') {
            m = 86400;
            end++;
        }
        if (end == u->argv[i] || *end || v < 0) {
            uerr(u, "invalid time interval '%s'", u->argv[i]);
            return 1;
        }
        total += v * m;
    }
    uint64_t ms = (uint64_t)(total * 1000);
    shell *sh = u->sh;
    uint64_t dl = sh->deadline_ms;
    if (sh->soft_deadline_ms && (!dl || sh->soft_deadline_ms < dl))
        dl = sh->soft_deadline_ms;
    if (dl) {
        uint64_t now = sh_now_ms();
        if (now + ms > dl) {
            /* sleep until the deadline, then the timeout stops the script */
            ms = dl > now ? dl - now + 1 : 0;
        }
    }
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
    if (dl)
        sh->checks |= 63; /* check the clock at the next opportunity */
    sh_check(sh);
    return 0;
}
