/* glob.c: shell pattern matching (*, ?, [...], backslash escapes) and
 * pathname expansion.
 *
 * Matching keeps one backtrack point for the last `*`, which is enough for
 * glob patterns and makes a match O(pattern x text) at worst. Pathname
 * expansion walks the pattern one component at a time, reading only the
 * directories that a magic component needs; results are sorted bytewise
 * (bash's order under LC_ALL=C).
 */
#include "sh.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Matches a bracket expression at p (just after '['); returns the length of
 * the expression (up to and including ']') or 0 when p does not hold one. */
static size_t bracket(const char *p, unsigned char c, bool *matched)
{
    size_t i = 0;
    bool neg = false;
    if (p[i] == '!' || p[i] == '^') {
        neg = true;
        i++;
    }
    bool m = false;
    bool first = true;
    while (p[i] && (p[i] != ']' || first)) {
        first = false;
        if (p[i] == '[' && p[i + 1] == ':') {
            const char *e = strstr(p + i + 2, ":]");
            if (e) {
                size_t nl = (size_t)(e - (p + i + 2));
                const char *nm = p + i + 2;
#define CLS(s, f) if (nl == strlen(s) && strncmp(nm, s, nl) == 0 && f(c)) m = true;
                CLS("alpha", isalpha) CLS("digit", isdigit) CLS("alnum", isalnum)
                CLS("upper", isupper) CLS("lower", islower) CLS("space", isspace)
                CLS("punct", ispunct) CLS("xdigit", isxdigit) CLS("print", isprint)
                CLS("graph", isgraph) CLS("cntrl", iscntrl)
                if (nl == 5 && strncmp(nm, "blank", 5) == 0 && (c == ' ' || c == '\t'))
                    m = true;
#undef CLS
                i = (size_t)(e - p) + 2;
                continue;
            }
        }
        unsigned char lo = (unsigned char)p[i];
        if (lo == '\\' && p[i + 1]) {
            i++;
            lo = (unsigned char)p[i];
        }
        i++;
        if (p[i] == '-' && p[i + 1] && p[i + 1] != ']') {
            unsigned char hi = (unsigned char)p[i + 1];
            i += 2;
            if (hi == '\\' && p[i]) {
                hi = (unsigned char)p[i];
                i++;
            }
            if (c >= lo && c <= hi)
                m = true;
        } else if (c == lo) {
            m = true;
        }
    }
    if (p[i] != ']')
        return 0;
    *matched = m != neg;
    return i + 1;
}

bool pat_match(const char *pat, const char *s, size_t slen)
{
    const char *p = pat;
    size_t i = 0;
    const char *star_p = NULL;
    size_t star_i = 0;
    for (;;) {
        if (*p == '*') {
            while (*p == '*')
                p++;
            star_p = p;
            star_i = i;
            continue;
        }
        if (i < slen && *p) {
            unsigned char c = (unsigned char)s[i];
            if (*p == '?') {
                p++;
                i++;
                continue;
            }
            if (*p == '[') {
                bool m;
                size_t k = bracket(p + 1, c, &m);
                if (k) {
                    if (m) {
                        p += 1 + k;
                        i++;
                        continue;
                    }
                    goto backtrack;
                }
                if (c == '[') {
                    p++;
                    i++;
                    continue;
                }
                goto backtrack;
            }
            if (*p == '\\' && p[1]) {
                if ((unsigned char)p[1] == c) {
                    p += 2;
                    i++;
                    continue;
                }
                goto backtrack;
            }
            if ((unsigned char)*p == c) {
                p++;
                i++;
                continue;
            }
        } else if (i == slen && !*p) {
            return true;
        }
    backtrack:
        if (!star_p || star_i >= slen)
            return false;
        star_i++;
        i = star_i;
        p = star_p;
    }
}

bool pat_has_magic(const char *pat)
{
    for (const char *p = pat; *p; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            continue;
        }
        if (*p == '*' || *p == '?')
            return true;
        if (*p == '[') {
            bool m;
            if (bracket(p + 1, 'a', &m))
                return true;
        }
    }
    return false;
}

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void unescape(const char *p, size_t n, sx *out)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\\' && i + 1 < n)
            i++;
        sx_addc(out, p[i]);
    }
}

/* prefix: the path built so far as shown to the user ("" or "a/b/");
 * rest: the remaining pattern. */
static void glob_rec(shell *sh, const char *prefix, const char *rest, strv *out, int *budget);

/* globstar: "**" matches zero or more directories (not following links). */
static void glob_star(shell *sh, const char *prefix, const char *after, strv *out, int *budget,
                      int depth)
{
    if (depth > 64 || *budget < 0)
        return;
    if (*after)
        glob_rec(sh, prefix, after, out, budget);
    else if (depth == 0 && prefix[0])
        strv_push(out, xstrdup(prefix)); /* a trailing globstar includes the directory itself */
    char *abs = sh_abspath(sh, prefix[0] ? prefix : ".");
    DIR *d = opendir(abs);
    if (!d) {
        free(abs);
        return;
    }
    strv names = {0};
    struct dirent *de;
    while ((de = readdir(d))) {
        if (--*budget < 0)
            break;
        if (de->d_name[0] == '.' && (!sh->dotglob || !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")))
            continue;
        strv_push(&names, xstrdup(de->d_name));
    }
    closedir(d);
    for (int i = 0; i < names.n; i++) {
        sx p;
        sx_init(&p);
        sx_adds(&p, prefix);
        sx_adds(&p, names.v[i]);
        char *pabs = sh_abspath(sh, p.s);
        struct stat st;
        bool dir = lstat(pabs, &st) == 0 && S_ISDIR(st.st_mode);
        free(pabs);
        if (!*after)
            strv_push(out, xstrdup(p.s)); /* a trailing ** lists everything */
        if (dir) {
            sx_addc(&p, '/');
            glob_star(sh, p.s, after, out, budget, depth + 1);
        }
        sx_free(&p);
    }
    strv_free(&names);
    free(abs);
}

static void glob_rec(shell *sh, const char *prefix, const char *rest, strv *out, int *budget)
{
    while (*rest == '/')
        rest++;
    if (sh->globstar && rest[0] == '*' && rest[1] == '*' && (rest[2] == '/' || !rest[2])) {
        glob_star(sh, prefix, rest[2] ? rest + 3 : "", out, budget, 0);
        return;
    }
    const char *slash = rest;
    while (*slash && *slash != '/') {
        if (*slash == '\\' && slash[1])
            slash++;
        slash++;
    }
    size_t clen = (size_t)(slash - rest);
    char *comp = xstrndup(rest, clen);
    bool last = *slash == 0;
    if (!pat_has_magic(comp)) {
        sx path;
        sx_init(&path);
        sx_adds(&path, prefix);
        unescape(comp, clen, &path);
        free(comp);
        char *abs = sh_abspath(sh, path.s[0] ? path.s : ".");
        struct stat st;
        bool ok = lstat(abs, &st) == 0;
        free(abs);
        if (ok) {
            if (last) {
                strv_push(out, sx_take(&path));
            } else if (S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode)) {
                sx_addc(&path, '/');
                glob_rec(sh, path.s, slash, out, budget);
            }
        }
        sx_free(&path);
        return;
    }
    char *abs = sh_abspath(sh, prefix[0] ? prefix : ".");
    DIR *d = opendir(abs);
    free(abs);
    if (!d) {
        free(comp);
        return;
    }
    strv names = {0};
    struct dirent *de;
    while ((de = readdir(d))) {
        if (--*budget < 0)
            break;
        const char *nm = de->d_name;
        if (nm[0] == '.' && comp[0] != '.' &&
            (!sh->dotglob || strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0))
            continue;
        if (strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0)
            if (!(comp[0] == '.' && (strcmp(comp, nm) == 0)))
                continue;
        if (pat_match(comp, nm, strlen(nm)))
            strv_push(&names, xstrdup(nm));
    }
    closedir(d);
    free(comp);
    if (names.n)
        qsort(names.v, (size_t)names.n, sizeof *names.v, cmpstr);
    for (int i = 0; i < names.n; i++) {
        sx path;
        sx_init(&path);
        sx_adds(&path, prefix);
        sx_adds(&path, names.v[i]);
        if (last) {
            strv_push(out, sx_take(&path));
        } else {
            char *pabs = sh_abspath(sh, path.s);
            struct stat st;
            bool dir = stat(pabs, &st) == 0 && S_ISDIR(st.st_mode);
            free(pabs);
            if (dir) {
                sx_addc(&path, '/');
                glob_rec(sh, path.s, slash, out, budget);
            }
        }
        sx_free(&path);
    }
    strv_free(&names);
}

int glob_expand(shell *sh, const char *pat, strv *out)
{
    int budget = 50 * 1000 * 1000; /* directory entries read, in total */
    if (pat[0] == '/')
        glob_rec(sh, "/", pat + 1, out, &budget);
    else
        glob_rec(sh, "", pat, out, &budget);
    if (budget < 0) {
        sh_errf(sh, "glob: too many directory entries");
        return -1;
    }
    if (sh->globstar && out->n > 1) {
        qsort(out->v, (size_t)out->n, sizeof *out->v, cmpstr);
        /* "**" can reach a path twice (zero dirs, then one): drop repeats */
        int k = 1;
        for (int i = 1; i < out->n; i++) {
            if (strcmp(out->v[i], out->v[k - 1]) == 0)
                free(out->v[i]);
            else
                out->v[k++] = out->v[i];
        }
        out->n = k;
        out->v[k] = NULL;
    }
    return out->n ? 0 : 1;
}
