/* cmd_misc.c: diff (normal and unified, -r, -q), cmp, base64, sha256sum,
 * md5sum and tar (ustar create / extract / list, no compression).
 *
 * diff uses Myers' O(ND) algorithm with the per-step frontiers kept for the
 * backtrack, capped in memory (past the cap a file is reported as replaced
 * wholesale). The digests are written here from their specifications
 * (FIPS 180-4, RFC 1321). tar refuses member names that are absolute or
 * contain "..", on top of the sandbox's own confinement.
 */
#include "cmds.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ---- */

static int read_input(ucmd *u, const char *name, sx *stdin_data, sx *out)
{
    if (strcmp(name, "-") == 0) {
        sx_add(out, stdin_data->s, stdin_data->len);
        return 0;
    }
    if (sh_read_file(u->sh, name, out, SH_MAX_STRING) != 0)
        return -1;
    return 0;
}

typedef struct lines {
    const char **p;
    size_t *n;
    int cnt;
    bool last_nl;
} lines;

static void split(const sx *d, lines *l)
{
    memset(l, 0, sizeof *l);
    int cap = 0;
    size_t i = 0;
    while (i < d->len) {
        const char *e = memchr(d->s + i, '\n', d->len - i);
        size_t len = e ? (size_t)(e - (d->s + i)) : d->len - i;
        if (l->cnt == cap) {
            cap = cap ? cap * 2 : 64;
            l->p = xrealloc(l->p, sizeof *l->p * (size_t)cap);
            l->n = xrealloc(l->n, sizeof *l->n * (size_t)cap);
        }
        l->p[l->cnt] = d->s + i;
        l->n[l->cnt] = len;
        l->cnt++;
        i += len + 1;
    }
    l->last_nl = d->len == 0 || d->s[d->len - 1] == '\n';
}

static void lines_free(lines *l)
{
    free(l->p);
    free(l->n);
}

static bool leq(const lines *a, int i, const lines *b, int j)
{
    /* a last line without its newline differs from the same text with one */
    bool ea = i == a->cnt - 1 && !a->last_nl, eb = j == b->cnt - 1 && !b->last_nl;
    return ea == eb && a->n[i] == b->n[j] && memcmp(a->p[i], b->p[j], a->n[i]) == 0;
}

/* ---- diff ---- */

enum { OP_EQ, OP_DEL, OP_INS };

/* Edit script as ops over (a, b); returns the count, ops in *out. */
static int myers(const lines *a, const lines *b, char **out)
{
    int n = a->cnt, m = b->cnt, max = n + m;
    char *ops = xmalloc((size_t)max + 1);
    int nops = 0;
    size_t vsize = 2 * (size_t)max + 3;
    int *v = xcalloc(vsize, sizeof *v);
    int **trace = NULL;
    int d, found = -1;
    size_t budget = 40u * 1000 * 1000; /* ints kept for the backtrack */
    int off = max + 1;
    for (d = 0; d <= max; d++) {
        if ((size_t)(d + 1) * (2 * (size_t)d + 3) > budget)
            break;
        trace = xrealloc(trace, sizeof *trace * (size_t)(d + 1));
        trace[d] = xmalloc(sizeof **trace * (2 * (size_t)d + 3));
        for (int k = -d; k <= d; k += 2) {
            int x;
            if (k == -d || (k != d && v[off + k - 1] < v[off + k + 1]))
                x = v[off + k + 1];
            else
                x = v[off + k - 1] + 1;
            int y = x - k;
            while (x < n && y < m && leq(a, x, b, y)) {
                x++;
                y++;
            }
            v[off + k] = x;
            if (x >= n && y >= m) {
                found = d;
                break;
            }
        }
        for (int k = -d; k <= d; k++)
            trace[d][k + d + 1] = v[off + k];
        if (found >= 0)
            break;
    }
    if (found < 0) {
        /* too different to trace: delete everything, insert everything */
        for (int i = 0; i < n; i++)
            ops[nops++] = OP_DEL;
        for (int i = 0; i < m; i++)
            ops[nops++] = OP_INS;
    } else {
        /* backtrack */
        char *rev = xmalloc((size_t)max + 1);
        int nr = 0;
        int x = n, y = m;
        for (int dd = found; dd > 0; dd--) {
            int *pv = trace[dd - 1];
            int k = x - y;
#define PV(kk) pv[(kk) + (dd - 1) + 1]
            int pk;
            if (k == -dd || (k != dd && PV(k - 1) < PV(k + 1)))
                pk = k + 1;
            else
                pk = k - 1;
            int px = PV(pk), py = px - pk;
#undef PV
            while (x > px && y > py) {
                rev[nr++] = OP_EQ;
                x--;
                y--;
            }
            if (x == px)
                rev[nr++] = OP_INS;
            else
                rev[nr++] = OP_DEL;
            x = px;
            y = py;
        }
        while (x > 0 && y > 0) {
            rev[nr++] = OP_EQ;
            x--;
            y--;
        }
        for (int i = nr - 1; i >= 0; i--)
            ops[nops++] = rev[i];
        free(rev);
    }
    for (int i = 0; i <= d && i <= max && trace && i < (found >= 0 ? found + 1 : d); i++)
        free(trace[i]);
    free(trace);
    free(v);
    *out = ops;
    return nops;
}

typedef struct diff_opt {
    int ctx;         /* -1: normal format */
    bool q, r, brief_same, N;
    const char *label[2];
    int status;
} diff_opt;

static void emit_line(sx *o, const char *pfx, const lines *l, int i)
{
    sx_adds(o, pfx);
    sx_add(o, l->p[i], l->n[i]);
    sx_addc(o, '\n');
    if (i == l->cnt - 1 && !l->last_nl)
        sx_adds(o, "\\ No newline at end of file\n");
}

static void range_str(sx *o, int start, int count, bool unified)
{
    if (unified) {
        if (count == 1)
            sx_printf(o, "%d", start);
        else
            sx_printf(o, "%d,%d", count == 0 ? start - 1 + (start == 0 ? 0 : 0) : start, count);
    } else {
        if (count <= 1)
            sx_printf(o, "%d", start);
        else
            sx_printf(o, "%d,%d", start, start + count - 1);
    }
}

static void mtime_label(shell *sh, const char *path, sx *o)
{
    char *abs = sh_abspath(sh, path);
    struct stat st;
    if (stat(abs, &st) == 0) {
        struct tm tm;
        gmtime_r(&st.st_mtim.tv_sec, &tm);
        char b[64];
        strftime(b, sizeof b, "%Y-%m-%d %H:%M:%S", &tm);
        sx_printf(o, "\t%s.%09ld +0000", b, (long)st.st_mtim.tv_nsec);
    }
    free(abs);
}

static int diff_texts(ucmd *u, diff_opt *op, const char *na, const char *nb, sx *da, sx *db)
{
    if (da->len == db->len && memcmp(da->s, db->s, da->len) == 0)
        return 0;
    if (op->q) {
        uprintf(u, "Files %s and %s differ\n", na, nb);
        return 1;
    }
    if (memchr(da->s, 0, da->len < 8192 ? da->len : 8192) || memchr(db->s, 0, db->len < 8192 ? db->len : 8192)) {
        uprintf(u, "Binary files %s and %s differ\n", na, nb);
        return 1;
    }
    lines a, b;
    split(da, &a);
    split(db, &b);
    char *ops;
    int nops = myers(&a, &b, &ops);
    sx o;
    sx_init(&o);
    if (op->ctx >= 0) {
        sx_printf(&o, "--- %s", op->label[0] ? op->label[0] : na);
        if (!op->label[0])
            mtime_label(u->sh, na, &o);
        sx_printf(&o, "\n+++ %s", op->label[1] ? op->label[1] : nb);
        if (!op->label[1])
            mtime_label(u->sh, nb, &o);
        sx_addc(&o, '\n');
        /* hunks: changes with ctx lines around, merged when close */
        int i = 0;
        while (i < nops) {
            while (i < nops && ops[i] == OP_EQ)
                i++;
            if (i >= nops)
                break;
            /* find hunk end */
            int start = i, end = i;
            for (int j = i; j < nops; j++) {
                if (ops[j] != OP_EQ) {
                    end = j + 1;
                    continue;
                }
                int run = 0;
                while (j + run < nops && ops[j + run] == OP_EQ)
                    run++;
                if (j + run >= nops || run > 2 * op->ctx) {
                    break;
                }
                j += run - 1;
            }
            int hs = start - op->ctx < 0 ? 0 : start - op->ctx;
            /* never start inside a previous hunk's region: ops before start are EQ */
            int he = end + op->ctx > nops ? nops : end + op->ctx;
            /* line numbers at hs */
            int ai = 0, bi = 0;
            for (int j = 0; j < hs; j++) {
                if (ops[j] != OP_INS)
                    ai++;
                if (ops[j] != OP_DEL)
                    bi++;
            }
            int ac = 0, bc = 0;
            for (int j = hs; j < he; j++) {
                if (ops[j] != OP_INS)
                    ac++;
                if (ops[j] != OP_DEL)
                    bc++;
            }
            sx_adds(&o, "@@ -");
            range_str(&o, ac ? ai + 1 : ai, ac, true);
            sx_adds(&o, " +");
            range_str(&o, bc ? bi + 1 : bi, bc, true);
            sx_adds(&o, " @@\n");
            for (int j = hs; j < he; j++) {
                if (ops[j] == OP_EQ) {
                    emit_line(&o, " ", &a, ai++);
                    bi++;
                } else if (ops[j] == OP_DEL) {
                    emit_line(&o, "-", &a, ai++);
                } else {
                    emit_line(&o, "+", &b, bi++);
                }
            }
            i = he;
        }
    } else {
        int i = 0, ai = 0, bi = 0;
        while (i < nops) {
            if (ops[i] == OP_EQ) {
                ai++;
                bi++;
                i++;
                continue;
            }
            int dels = 0, ins = 0, j = i;
            while (j < nops && ops[j] != OP_EQ) {
                if (ops[j] == OP_DEL)
                    dels++;
                else
                    ins++;
                j++;
            }
            if (dels && ins) {
                range_str(&o, ai + 1, dels, false);
                sx_addc(&o, 'c');
                range_str(&o, bi + 1, ins, false);
            } else if (dels) {
                range_str(&o, ai + 1, dels, false);
                sx_printf(&o, "d%d", bi);
            } else {
                sx_printf(&o, "%da", ai);
                range_str(&o, bi + 1, ins, false);
            }
            sx_addc(&o, '\n');
            for (int k = 0; k < dels; k++)
                emit_line(&o, "< ", &a, ai + k);
            if (dels && ins)
                sx_adds(&o, "---\n");
            for (int k = 0; k < ins; k++)
                emit_line(&o, "> ", &b, bi + k);
            ai += dels;
            bi += ins;
            i = j;
        }
    }
    uwrite(u, o.s, o.len);
    sx_free(&o);
    free(ops);
    lines_free(&a);
    lines_free(&b);
    return 1;
}

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_dir(ucmd *u, const char *path, strv *out)
{
    char *abs = sh_abspath(u->sh, path);
    DIR *d = opendir(abs);
    free(abs);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            strv_push(out, xstrdup(de->d_name));
    closedir(d);
    if (out->n)
        qsort(out->v, (size_t)out->n, sizeof *out->v, cmpstr);
}

static bool is_dir(ucmd *u, const char *p)
{
    char *abs = sh_abspath(u->sh, p);
    struct stat st;
    bool r = stat(abs, &st) == 0 && S_ISDIR(st.st_mode);
    free(abs);
    return r;
}

static int diff_paths(ucmd *u, diff_opt *op, const char *a, const char *b, sx *stdin_data, int depth)
{
    bool da = strcmp(a, "-") && is_dir(u, a), db = strcmp(b, "-") && is_dir(u, b);
    if (da && db) {
        if (!op->r && depth == 0) {
            uerr(u, "%s and %s are directories; use -r", a, b);
            return 2;
        }
        if (depth > 64)
            return 2;
        strv la = {0}, lb = {0};
        list_dir(u, a, &la);
        list_dir(u, b, &lb);
        int st = 0, i = 0, j = 0;
        while (i < la.n || j < lb.n) {
            int c = i >= la.n ? 1 : j >= lb.n ? -1 : strcmp(la.v[i], lb.v[j]);
            if (c < 0) {
                uprintf(u, "Only in %s: %s\n", a, la.v[i++]);
                st |= 1;
            } else if (c > 0) {
                uprintf(u, "Only in %s: %s\n", b, lb.v[j++]);
                st |= 1;
            } else {
                sx pa, pb;
                sx_init(&pa);
                sx_init(&pb);
                sx_printf(&pa, "%s/%s", a, la.v[i]);
                sx_printf(&pb, "%s/%s", b, lb.v[j]);
                bool sa = is_dir(u, pa.s), sb2 = is_dir(u, pb.s);
                if (sa && sb2) {
                    st |= diff_paths(u, op, pa.s, pb.s, stdin_data, depth + 1);
                } else if (sa != sb2) {
                    uprintf(u, "File %s is a %s while file %s is a %s\n", pa.s,
                            sa ? "directory" : "regular file", pb.s, sb2 ? "directory" : "regular file");
                    st |= 1;
                } else {
                    sx fa, fb;
                    sx_init(&fa);
                    sx_init(&fb);
                    if (sh_read_file(u->sh, pa.s, &fa, SH_MAX_STRING) == 0 &&
                        sh_read_file(u->sh, pb.s, &fb, SH_MAX_STRING) == 0) {
                        bool same = fa.len == fb.len && memcmp(fa.s, fb.s, fa.len) == 0;
                        if (!same && !op->q)
                            uprintf(u, "diff %s%s %s\n", op->ctx >= 0 ? "-ru " : "-r ", pa.s, pb.s);
                        st |= diff_texts(u, op, pa.s, pb.s, &fa, &fb);
                    } else {
                        st |= 2;
                    }
                    sx_free(&fa);
                    sx_free(&fb);
                }
                sx_free(&pa);
                sx_free(&pb);
                i++;
                j++;
            }
        }
        strv_free(&la);
        strv_free(&lb);
        return st;
    }
    sx fa, fb;
    sx_init(&fa);
    sx_init(&fb);
    char *pa = NULL, *pb = NULL;
    if (da) {
        const char *base = strrchr(b, '/');
        sx t;
        sx_init(&t);
        sx_printf(&t, "%s/%s", a, base ? base + 1 : b);
        pa = sx_take(&t);
        a = pa;
    } else if (db) {
        const char *base = strrchr(a, '/');
        sx t;
        sx_init(&t);
        sx_printf(&t, "%s/%s", b, base ? base + 1 : a);
        pb = sx_take(&t);
        b = pb;
    }
    int st;
    if (read_input(u, a, stdin_data, &fa) != 0) {
        uerr(u, "%s: %s", a, sh_strerror(errno));
        st = 2;
    } else if (read_input(u, b, stdin_data, &fb) != 0) {
        uerr(u, "%s: %s", b, sh_strerror(errno));
        st = 2;
    } else {
        st = diff_texts(u, op, a, b, &fa, &fb);
    }
    sx_free(&fa);
    sx_free(&fb);
    free(pa);
    free(pb);
    return st;
}

static int diff_run(ucmd *u, sx *stdin_data)
{
    diff_opt *op = u->ext;
    return diff_paths(u, op, u->argv[u->argc - 2], u->argv[u->argc - 1], stdin_data, 0);
}

int u_diff(ucmd *u)
{
    diff_opt *op = xcalloc(1, sizeof *op);
    u->ext = op;
    u->ext_free = free;
    op->ctx = -1;
    uopt o = {0};
    int ch;
    static const char *const longs[] = {"unified:=U", "brief=q", "recursive=r", "label:=L",
                                        "new-file=N", "text=a", "ignore-all-space=w", NULL};
    int nlabel = 0;
    while ((ch = uopt_next(u, &o, "uU:qrL:NaB", longs)) != 0) {
        switch (ch) {
        case 'u': op->ctx = 3; break;
        case 'U': {
            long long v;
            if (!parse_ll(o.arg, &v) || v < 0) {
                uerr(u, "invalid context length '%s'", o.arg);
                return 2;
            }
            op->ctx = (int)v;
            break;
        }
        case 'q': op->q = true; break;
        case 'r': op->r = true; break;
        case 'N': op->N = true; break;
        case 'L':
            if (nlabel < 2)
                op->label[nlabel++] = o.arg;
            break;
        case 'a': case 'B': break;
        case 'w':
            uerr(u, "-w is not supported");
            return 2;
        default: return 2;
        }
    }
    if (u->argc - o.ind != 2) {
        uerr(u, u->argc - o.ind < 2 ? "missing operand after '%s'" : "extra operand '%s'",
             u->argv[u->argc - 1]);
        return 2;
    }
    bool need_stdin = strcmp(u->argv[o.ind], "-") == 0 || strcmp(u->argv[o.ind + 1], "-") == 0;
    static char *dash[] = {(char *)"-", NULL};
    return uslurp(u, dash, need_stdin ? 1 : -1, diff_run);
}

/* ---- cmp ---- */

static int cmp_run(ucmd *u, sx *stdin_data)
{
    bool *silent = u->ext;
    const char *na = u->argv[u->argc - 2], *nb = u->argv[u->argc - 1];
    sx a, b;
    sx_init(&a);
    sx_init(&b);
    int st = 0;
    if (read_input(u, na, stdin_data, &a) != 0) {
        uerr(u, "%s: %s", na, sh_strerror(errno));
        st = 2;
    } else if (read_input(u, nb, stdin_data, &b) != 0) {
        uerr(u, "%s: %s", nb, sh_strerror(errno));
        st = 2;
    } else {
        size_t m = a.len < b.len ? a.len : b.len;
        long long line = 1;
        size_t i = 0;
        for (; i < m; i++) {
            if (a.s[i] != b.s[i])
                break;
            if (a.s[i] == '\n')
                line++;
        }
        if (i < m) {
            if (!*silent)
                uprintf(u, "%s %s differ: char %zu, line %lld\n", na, nb, i + 1, line);
            st = 1;
        } else if (a.len != b.len) {
            if (!*silent)
                uerr(u, "EOF on %s after byte %zu, line %lld", a.len < b.len ? na : nb, m,
                     line - (m && (a.len < b.len ? a.s : b.s)[m - 1] == '\n' ? 1 : 0));
            st = 1;
        }
    }
    sx_free(&a);
    sx_free(&b);
    return st;
}

int u_cmp(ucmd *u)
{
    bool *silent = xcalloc(1, sizeof *silent);
    u->ext = silent;
    u->ext_free = free;
    uopt o = {0};
    int ch;
    static const char *const longs[] = {"silent=s", "quiet=s", NULL};
    while ((ch = uopt_next(u, &o, "sl", longs)) != 0) {
        if (ch == 's')
            *silent = true;
        else if (ch == 'l') {
            uerr(u, "-l is not supported");
            return 2;
        } else
            return 2;
    }
    if (u->argc - o.ind != 2) {
        uerr(u, "missing operand");
        return 2;
    }
    bool need_stdin = strcmp(u->argv[o.ind], "-") == 0 || strcmp(u->argv[o.ind + 1], "-") == 0;
    static char *dash[] = {(char *)"-", NULL};
    return uslurp(u, dash, need_stdin ? 1 : -1, cmp_run);
}

/* ---- base64 ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

typedef struct b64_opt {
    bool decode, ignore;
    long long wrap;
} b64_opt;

static int b64_run(ucmd *u, sx *d)
{
    b64_opt *op = u->ext;
    sx o;
    sx_init(&o);
    if (op->decode) {
        unsigned acc = 0;
        int bits = 0;
        for (size_t i = 0; i < d->len; i++) {
            char c = d->s[i];
            if (c == '=' || c == '\n' || c == '\r')
                continue;
            const char *p = c ? strchr(b64, c) : NULL;
            if (!p) {
                if (op->ignore)
                    continue;
                uwrite(u, o.s, o.len);
                sx_free(&o);
                uerr(u, "invalid input");
                return 1;
            }
            acc = (acc << 6) | (unsigned)(p - b64);
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                sx_addc(&o, (char)((acc >> bits) & 255));
            }
        }
    } else {
        long long col = 0;
        for (size_t i = 0; i < d->len; i += 3) {
            unsigned v = (unsigned char)d->s[i] << 16;
            if (i + 1 < d->len)
                v |= (unsigned char)d->s[i + 1] << 8;
            if (i + 2 < d->len)
                v |= (unsigned char)d->s[i + 2];
            char q[4] = {b64[(v >> 18) & 63], b64[(v >> 12) & 63],
                         i + 1 < d->len ? b64[(v >> 6) & 63] : '=', i + 2 < d->len ? b64[v & 63] : '='};
            for (int k = 0; k < 4; k++) {
                sx_addc(&o, q[k]);
                if (op->wrap > 0 && ++col == op->wrap) {
                    sx_addc(&o, '\n');
                    col = 0;
                }
            }
        }
        if (op->wrap <= 0 ? o.len > 0 : col > 0)
            sx_addc(&o, '\n');
    }
    uwrite(u, o.s, o.len);
    sx_free(&o);
    return 0;
}

int u_base64(ucmd *u)
{
    b64_opt *op = xcalloc(1, sizeof *op);
    u->ext = op;
    u->ext_free = free;
    op->wrap = 76;
    uopt o = {0};
    int ch;
    static const char *const longs[] = {"decode=d", "ignore-garbage=i", "wrap:=w", NULL};
    while ((ch = uopt_next(u, &o, "diw:", longs)) != 0) {
        if (ch == 'd')
            op->decode = true;
        else if (ch == 'i')
            op->ignore = true;
        else if (ch == 'w') {
            if (!parse_ll(o.arg, &op->wrap) || op->wrap < 0) {
                uerr(u, "invalid wrap size: '%s'", o.arg);
                return 1;
            }
        } else
            return 1;
    }
    if (u->argc - o.ind > 1) {
        uerr(u, "extra operand '%s'", u->argv[o.ind + 1]);
        return 1;
    }
    return uslurp(u, u->argv + o.ind, u->argc - o.ind, b64_run);
}

/* ---- digests ---- */

typedef struct sha256 {
    uint32_t h[8];
    uint8_t buf[64];
    size_t nbuf;
    uint64_t total;
} sha256;

static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t ror(uint32_t x, int n)
{
    return (x >> n) | (x << (32 - n));
}

static void sha256_block(sha256 *c, const uint8_t *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = c->h[0], b = c->h[1], cc = c->h[2], d = c->h[3], e = c->h[4], f = c->h[5],
             g = c->h[6], h = c->h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t S1 = ror(e, 6) ^ ror(e, 11) ^ ror(e, 25);
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t t1 = h + S1 + ch + K256[i] + w[i];
        uint32_t S0 = ror(a, 2) ^ ror(a, 13) ^ ror(a, 22);
        uint32_t mj = (a & b) ^ (a & cc) ^ (b & cc);
        uint32_t t2 = S0 + mj;
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = cc;
        cc = b;
        b = a;
        a = t1 + t2;
    }
    c->h[0] += a; c->h[1] += b; c->h[2] += cc; c->h[3] += d;
    c->h[4] += e; c->h[5] += f; c->h[6] += g; c->h[7] += h;
}

static void sha256_init(sha256 *c)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(c->h, iv, sizeof iv);
    c->nbuf = 0;
    c->total = 0;
}

static void sha256_add(sha256 *c, const void *data, size_t n)
{
    const uint8_t *p = data;
    c->total += n;
    while (n) {
        size_t k = 64 - c->nbuf < n ? 64 - c->nbuf : n;
        memcpy(c->buf + c->nbuf, p, k);
        c->nbuf += k;
        p += k;
        n -= k;
        if (c->nbuf == 64) {
            sha256_block(c, c->buf);
            c->nbuf = 0;
        }
    }
}

static void sha256_end(sha256 *c, uint8_t out[32])
{
    uint64_t bits = c->total * 8;
    uint8_t pad = 0x80;
    sha256_add(c, &pad, 1);
    uint8_t z = 0;
    while (c->nbuf != 56)
        sha256_add(c, &z, 1);
    uint8_t len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (uint8_t)(bits >> (56 - 8 * i));
    sha256_add(c, len, 8);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(c->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)c->h[i];
    }
}

typedef struct md5 {
    uint32_t h[4];
    uint8_t buf[64];
    size_t nbuf;
    uint64_t total;
} md5;

static uint32_t rol(uint32_t x, int n)
{
    return (x << n) | (x >> (32 - n));
}

static void md5_block(md5 *c, const uint8_t *p)
{
    static const int s[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                              5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
                              4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                              6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
    static uint32_t K[64];
    static bool init;
    if (!init) {
        /* K[i] = floor(2^32 * |sin(i + 1)|), computed without libm */
        static const uint32_t t[64] = {
            0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
            0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
            0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
            0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
            0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
            0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
            0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
            0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
        memcpy(K, t, sizeof t);
        init = true;
    }
    uint32_t m[16];
    for (int i = 0; i < 16; i++)
        m[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
    uint32_t a = c->h[0], b = c->h[1], cc = c->h[2], d = c->h[3];
    for (int i = 0; i < 64; i++) {
        uint32_t f;
        int g;
        if (i < 16) {
            f = (b & cc) | (~b & d);
            g = i;
        } else if (i < 32) {
            f = (d & b) | (~d & cc);
            g = (5 * i + 1) % 16;
        } else if (i < 48) {
            f = b ^ cc ^ d;
            g = (3 * i + 5) % 16;
        } else {
            f = cc ^ (b | ~d);
            g = (7 * i) % 16;
        }
        f = f + a + K[i] + m[g];
        a = d;
        d = cc;
        cc = b;
        b = b + rol(f, s[i]);
    }
    c->h[0] += a;
    c->h[1] += b;
    c->h[2] += cc;
    c->h[3] += d;
}

static void md5_init(md5 *c)
{
    c->h[0] = 0x67452301;
    c->h[1] = 0xefcdab89;
    c->h[2] = 0x98badcfe;
    c->h[3] = 0x10325476;
    c->nbuf = 0;
    c->total = 0;
}

static void md5_add(md5 *c, const void *data, size_t n)
{
    const uint8_t *p = data;
    c->total += n;
    while (n) {
        size_t k = 64 - c->nbuf < n ? 64 - c->nbuf : n;
        memcpy(c->buf + c->nbuf, p, k);
        c->nbuf += k;
        p += k;
        n -= k;
        if (c->nbuf == 64) {
            md5_block(c, c->buf);
            c->nbuf = 0;
        }
    }
}

static void md5_end(md5 *c, uint8_t out[16])
{
    uint64_t bits = c->total * 8;
    uint8_t pad = 0x80, z = 0;
    md5_add(c, &pad, 1);
    while (c->nbuf != 56)
        md5_add(c, &z, 1);
    uint8_t len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (uint8_t)(bits >> (8 * i));
    md5_add(c, len, 8);
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 4; k++)
            out[4 * i + k] = (uint8_t)(c->h[i] >> (8 * k));
}

typedef struct sum_ctx {
    bool md5;
    bool check;
    sha256 s;
    md5 m;
    sx checklist;
    int bad;
} sum_ctx;

static void hex(const uint8_t *d, int n, char *out)
{
    for (int i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static int sum_step(ucmd *u)
{
    sum_ctx *c = u->ext;
    ufiles *f = u->st;
    for (int budget = 0; budget < 64; budget++) {
        if (!f->cur) {
            if (uf_next(u, f)) {
                if (c->bad)
                    uerr(u, "WARNING: %d computed checksum%s did NOT match", c->bad,
                         c->bad == 1 ? "" : "s");
                return udone(u, f->status || c->bad ? 1 : 0);
            }
            sha256_init(&c->s);
            md5_init(&c->m);
            sx_reset(&c->checklist);
        }
        const char *p;
        size_t n;
        int r = io_avail(f->cur, &p, &n);
        if (r == IN_NEED)
            return U_NEED;
        if (r == IN_EOF) {
            if (c->check) {
                /* each line: HASH  NAME */
                size_t i = 0;
                while (i < c->checklist.len) {
                    const char *e = memchr(c->checklist.s + i, '\n', c->checklist.len - i);
                    size_t len = e ? (size_t)(e - (c->checklist.s + i)) : c->checklist.len - i;
                    char *line = xstrndup(c->checklist.s + i, len);
                    i += len + 1;
                    char *sp = strstr(line, "  ");
                    if (!sp) {
                        sp = strchr(line, ' ');
                        if (!sp) {
                            free(line);
                            continue;
                        }
                    }
                    *sp = 0;
                    const char *name = sp + (sp[1] == ' ' || sp[1] == '*' ? 2 : 1);
                    sx data;
                    sx_init(&data);
                    bool ok = false;
                    if (sh_read_file(u->sh, name, &data, SH_MAX_STRING) == 0) {
                        uint8_t dg[32];
                        char hx[65];
                        if (c->md5) {
                            md5 m;
                            md5_init(&m);
                            md5_add(&m, data.s, data.len);
                            md5_end(&m, dg);
                            hex(dg, 16, hx);
                        } else {
                            sha256 s;
                            sha256_init(&s);
                            sha256_add(&s, data.s, data.len);
                            sha256_end(&s, dg);
                            hex(dg, 32, hx);
                        }
                        ok = strcmp(hx, line) == 0;
                    }
                    sx_free(&data);
                    uprintf(u, "%s: %s\n", name, ok ? "OK" : "FAILED");
                    if (!ok)
                        c->bad++;
                    free(line);
                }
            } else {
                uint8_t dg[32];
                char hx[65];
                if (c->md5) {
                    md5_end(&c->m, dg);
                    hex(dg, 16, hx);
                } else {
                    sha256_end(&c->s, dg);
                    hex(dg, 32, hx);
                }
                uprintf(u, "%s  %s\n", hx, f->curname);
            }
            uf_close(f);
            continue;
        }
        if (c->check) {
            if (c->checklist.len + n > SH_MAX_STRING)
                return udone(u, 1);
            sx_add(&c->checklist, p, n);
        } else if (c->md5) {
            md5_add(&c->m, p, n);
        } else {
            sha256_add(&c->s, p, n);
        }
        io_consume(f->cur, n);
    }
    return U_MORE;
}

static void sum_free(void *p)
{
    sum_ctx *c = p;
    sx_free(&c->checklist);
    free(c);
}

static void sum_fini(ucmd *u)
{
    ufiles *f = u->st;
    if (f) {
        uf_free(f);
        free(f);
    }
    u->st = NULL;
}

static int sum_start(ucmd *u, bool is_md5)
{
    sum_ctx *c = xcalloc(1, sizeof *c);
    c->md5 = is_md5;
    sx_init(&c->checklist);
    u->ext = c;
    u->ext_free = sum_free;
    uopt o = {0};
    int ch;
    static const char *const longs[] = {"check=c", "binary=b", "text=t", "quiet=q", "status=s", NULL};
    while ((ch = uopt_next(u, &o, "cbtqsw", longs)) != 0) {
        if (ch == 'c')
            c->check = true;
        else if (!strchr("btqsw", ch))
            return 1;
    }
    ufiles *f = xcalloc(1, sizeof *f);
    uf_init(f, u->argv + o.ind, u->argc - o.ind);
    u->st = f;
    u->step = sum_step;
    u->fini = sum_fini;
    return -1;
}

int u_sha256sum(ucmd *u)
{
    return sum_start(u, false);
}

int u_md5sum(ucmd *u)
{
    return sum_start(u, true);
}

/* ---- tar ---- */

typedef struct tar_opt {
    char mode;         /* c x t */
    bool verbose;
    const char *file;  /* NULL or "-" = stdin/stdout */
    const char *dir;
    int first;         /* first member operand */
} tar_opt;

static void oct(char *dst, size_t n, unsigned long long v)
{
    snprintf(dst, n, "%0*llo", (int)n - 1, v);
}

static bool safe_name(const char *n)
{
    if (!*n || n[0] == '/')
        return false;
    const char *p = n;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 2 && p[0] == '.' && p[1] == '.')
            return false;
        p += len;
        if (*p == '/')
            p++;
    }
    return true;
}

static void tar_header(sx *o, const char *name, const struct stat *st, char type, size_t size)
{
    char h[512];
    memset(h, 0, sizeof h);
    size_t nl = strlen(name);
    if (nl > 99) {
        /* split into prefix/name at a slash (ustar) */
        const char *sl = name + nl - 100 < name ? name : name + nl - 100;
        sl = strchr(sl, '/');
        if (sl && (size_t)(sl - name) <= 155 && strlen(sl + 1) <= 99) {
            memcpy(h + 345, name, (size_t)(sl - name));
            memcpy(h, sl + 1, strlen(sl + 1));
        } else {
            memcpy(h, name, 99);
        }
    } else {
        memcpy(h, name, nl);
    }
    oct(h + 100, 8, st ? (st->st_mode & 07777) : 0644);
    oct(h + 108, 8, 0);
    oct(h + 116, 8, 0);
    oct(h + 124, 12, size);
    oct(h + 136, 12, st ? (unsigned long long)st->st_mtim.tv_sec : 0);
    memset(h + 148, ' ', 8);
    h[156] = type;
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += (unsigned char)h[i];
    snprintf(h + 148, 8, "%06o", sum);
    h[155] = ' ';
    sx_add(o, h, 512);
}

static int tar_add(ucmd *u, tar_opt *op, sx *o, const char *name, int depth)
{
    char *abs = sh_abspath(u->sh, name);
    struct stat st;
    if (lstat(abs, &st) != 0) {
        uerr(u, "%s: Cannot stat: %s", name, sh_strerror(errno));
        free(abs);
        return 2;
    }
    /* member names never start with '/' */
    const char *mname = name;
    while (*mname == '/')
        mname++;
    int rc = 0;
    if (S_ISDIR(st.st_mode)) {
        sx dn;
        sx_init(&dn);
        sx_adds(&dn, mname);
        if (dn.len && dn.s[dn.len - 1] != '/')
            sx_addc(&dn, '/');
        if (dn.len > 1 || strcmp(mname, "") != 0)
            tar_header(o, dn.s, &st, '5', 0);
        if (op->verbose)
            uerr(u, "%s", dn.s);
        strv names = {0};
        DIR *d = opendir(abs);
        if (d) {
            struct dirent *de;
            while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                    strv_push(&names, xstrdup(de->d_name));
            closedir(d);
        }
        if (names.n)
            qsort(names.v, (size_t)names.n, sizeof *names.v, cmpstr);
        for (int i = 0; i < names.n && depth < 256; i++) {
            sx c;
            sx_init(&c);
            sx_adds(&c, name);
            if (c.len && c.s[c.len - 1] != '/')
                sx_addc(&c, '/');
            sx_adds(&c, names.v[i]);
            rc |= tar_add(u, op, o, c.s, depth + 1);
            sx_free(&c);
        }
        strv_free(&names);
        sx_free(&dn);
    } else if (S_ISLNK(st.st_mode)) {
        char buf[512];
        ssize_t n = readlink(abs, buf, 99);
        if (n >= 0) {
            buf[n] = 0;
            size_t start = o->len;
            tar_header(o, mname, &st, '2', 0);
            memcpy(o->s + start + 157, buf, (size_t)n);
            /* recompute the checksum with the link name */
            memset(o->s + start + 148, ' ', 8);
            unsigned sum = 0;
            for (int i = 0; i < 512; i++)
                sum += (unsigned char)o->s[start + (size_t)i];
            snprintf(o->s + start + 148, 8, "%06o", sum);
            o->s[start + 155] = ' ';
        }
        if (op->verbose)
            uerr(u, "%s", mname);
    } else if (S_ISREG(st.st_mode)) {
        sx data;
        sx_init(&data);
        if (sh_read_file(u->sh, name, &data, SH_MAX_STRING) != 0) {
            uerr(u, "%s: Cannot open: %s", name, sh_strerror(errno));
            rc = 2;
        } else {
            tar_header(o, mname, &st, '0', data.len);
            sx_add(o, data.s, data.len);
            static const char zero[512];
            if (data.len % 512)
                sx_add(o, zero, 512 - data.len % 512);
            if (op->verbose)
                uerr(u, "%s", mname);
        }
        sx_free(&data);
    }
    free(abs);
    if (o->len > SH_MAX_STRING) {
        uerr(u, "archive too large (limit %u bytes)", SH_MAX_STRING);
        return 2;
    }
    return rc;
}

static unsigned long long from_oct(const char *p, size_t n)
{
    unsigned long long v = 0;
    for (size_t i = 0; i < n && p[i]; i++) {
        if (p[i] == ' ')
            continue;
        if (p[i] < '0' || p[i] > '7')
            break;
        v = v * 8 + (unsigned)(p[i] - '0');
    }
    return v;
}

static int tar_read(ucmd *u, tar_opt *op, sx *d)
{
    size_t pos = 0;
    int rc = 0;
    sx out;
    sx_init(&out);
    while (pos + 512 <= d->len) {
        const char *h = d->s + pos;
        bool zero = true;
        for (int i = 0; i < 512 && zero; i++)
            zero = h[i] == 0;
        if (zero)
            break;
        unsigned sum = 0;
        for (int i = 0; i < 512; i++)
            sum += (i >= 148 && i < 156) ? ' ' : (unsigned char)h[i];
        if (sum != from_oct(h + 148, 8)) {
            uerr(u, "This does not look like a tar archive");
            rc = 2;
            break;
        }
        char name[260];
        char prefix[156];
        memcpy(prefix, h + 345, 155);
        prefix[155] = 0;
        char nm[101];
        memcpy(nm, h, 100);
        nm[100] = 0;
        if (prefix[0])
            snprintf(name, sizeof name, "%s/%s", prefix, nm);
        else
            snprintf(name, sizeof name, "%s", nm);
        unsigned long long size = from_oct(h + 124, 12);
        unsigned mode = (unsigned)from_oct(h + 100, 8);
        char type = h[156];
        pos += 512;
        if (size > d->len - pos) {
            uerr(u, "Unexpected EOF in archive");
            rc = 2;
            break;
        }
        const char *data = d->s + pos;
        pos += (size + 511) / 512 * 512;
        if (type == 'x' || type == 'g' || type == 'L' || type == 'K')
            continue; /* extended headers: names stay as in the ustar header */
        if (op->mode == 't') {
            if (op->verbose)
                sx_printf(&out, "%c%03o %10llu %s\n", type == '5' ? 'd' : type == '2' ? 'l' : '-',
                          mode & 0777, size, name);
            else
                sx_printf(&out, "%s\n", name);
            continue;
        }
        /* extract */
        char *clean = xstrdup(name);
        while (clean[0] == '/')
            memmove(clean, clean + 1, strlen(clean));
        if (!safe_name(clean)) {
            uerr(u, "%s: Member name contains '..' or is absolute; skipped", name);
            free(clean);
            rc = 2;
            continue;
        }
        sx path;
        sx_init(&path);
        if (op->dir) {
            sx_adds(&path, op->dir);
            sx_addc(&path, '/');
        }
        sx_adds(&path, clean);
        if (op->verbose)
            sx_printf(&out, "%s\n", clean);
        char *abs = sh_abspath(u->sh, path.s);
        /* An archive may first plant a symlink ("l -> /elsewhere") and then
         * a member under it ("l/pwn"): never write through a symlink that
         * lies inside the member's own path (GNU tar defers symlinks for the
         * same reason). Components of -C DIR are the user's and may be links. */
        size_t alen = strlen(abs), clen = strlen(clean);
        bool via_link = false;
        for (size_t i = alen > clen ? alen - clen : 1; i < alen && !via_link; i++) {
            if (abs[i] != '/')
                continue;
            struct stat lst;
            abs[i] = 0;
            via_link = lstat(abs, &lst) == 0 && S_ISLNK(lst.st_mode);
            abs[i] = '/';
        }
        if (via_link) {
            uerr(u, "%s: Member path goes through a symbolic link; skipped", clean);
            rc = 2;
            free(abs);
            sx_free(&path);
            free(clean);
            continue;
        }
        /* parents */
        for (char *s = abs + 1; *s; s++)
            if (*s == '/') {
                *s = 0;
                mkdir(abs, 0777);
                *s = '/';
            }
        if (type == '5') {
            if (mkdir(abs, mode ? mode & 0777 : 0755) != 0 && errno != EEXIST) {
                uerr(u, "%s: Cannot mkdir: %s", clean, sh_strerror(errno));
                rc = 2;
            }
        } else if (type == '2') {
            char ln[101];
            memcpy(ln, h + 157, 100);
            ln[100] = 0;
            unlink(abs);
            if (symlink(ln, abs) != 0) {
                uerr(u, "%s: Cannot create symlink: %s", clean, sh_strerror(errno));
                rc = 2;
            }
        } else if (type == '0' || type == 0) {
            unlink(abs);
            int fd = open(abs, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW,
                          mode ? mode & 0777 : 0644);
            if (fd < 0) {
                uerr(u, "%s: Cannot open: %s", clean, sh_strerror(errno));
                rc = 2;
            } else {
                size_t off = 0;
                while (off < size) {
                    ssize_t w = write(fd, data + off, size - off);
                    if (w <= 0)
                        break;
                    off += (size_t)w;
                }
                close(fd);
            }
        }
        free(abs);
        sx_free(&path);
        free(clean);
    }
    uwrite(u, out.s, out.len);
    sx_free(&out);
    return rc;
}

static int tar_run(ucmd *u, sx *stdin_data)
{
    tar_opt *op = u->ext;
    if (op->mode == 'c') {
        sx o;
        sx_init(&o);
        int rc = 0;
        shell *sh = u->sh;
        char *saved_cwd = NULL;
        if (op->dir) {
            saved_cwd = sh->cwd;
            sh->cwd = sh_abspath(sh, op->dir);
        }
        for (int i = op->first; i < u->argc && rc < 2; i++)
            rc |= tar_add(u, op, &o, u->argv[i], 0);
        if (saved_cwd) {
            free(sh->cwd);
            sh->cwd = saved_cwd;
        }
        static const char zero[1024];
        sx_add(&o, zero, 1024);
        if (!op->file || strcmp(op->file, "-") == 0) {
            uwrite(u, o.s, o.len);
        } else {
            int fd = sh_open(u->sh, op->file, O_WRONLY | O_CREAT | O_TRUNC, 0666);
            if (fd < 0) {
                uerr(u, "%s: Cannot open: %s", op->file, sh_strerror(errno));
                rc = 2;
            } else {
                sh_io *io = io_fd(fd, true);
                io_write(u->sh, io, o.s, o.len);
                io_unref(io);
            }
        }
        sx_free(&o);
        return rc;
    }
    if (!op->file || strcmp(op->file, "-") == 0)
        return tar_read(u, op, stdin_data);
    sx d;
    sx_init(&d);
    if (sh_read_file(u->sh, op->file, &d, SH_MAX_STRING) != 0) {
        uerr(u, "%s: Cannot open: %s", op->file, sh_strerror(errno));
        sx_free(&d);
        return 2;
    }
    int rc = tar_read(u, op, &d);
    sx_free(&d);
    return rc;
}

int u_tar(ucmd *u)
{
    tar_opt *op = xcalloc(1, sizeof *op);
    u->ext = op;
    u->ext_free = free;
    int i = 1;
    /* the first word may be a bundle without '-' (tar cvf x.tar dir) */
    for (; i < u->argc; i++) {
        const char *a = u->argv[i];
        bool bundle = i == 1 && a[0] != '-';
        if (!bundle && (a[0] != '-' || !a[1]))
            break;
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (strncmp(a, "--", 2) == 0) {
            if (strcmp(a, "--create") == 0) op->mode = 'c';
            else if (strcmp(a, "--extract") == 0 || strcmp(a, "--get") == 0) op->mode = 'x';
            else if (strcmp(a, "--list") == 0) op->mode = 't';
            else if (strcmp(a, "--verbose") == 0) op->verbose = true;
            else if (strncmp(a, "--file=", 7) == 0) op->file = a + 7;
            else if (strncmp(a, "--directory=", 12) == 0) op->dir = a + 12;
            else if (strcmp(a, "--gzip") == 0 || strcmp(a, "--xz") == 0 || strcmp(a, "--bzip2") == 0) {
                uerr(u, "compression (%s) is not supported in the sandbox", a);
                return 2;
            } else {
                uerr(u, "unrecognized option '%s'", a);
                return 2;
            }
            continue;
        }
        for (const char *p = bundle ? a : a + 1; *p; p++) {
            switch (*p) {
            case 'c': case 'x': case 't': op->mode = *p; break;
            case 'v': op->verbose = true; break;
            case 'f':
            case 'C': {
                const char *arg = p[1] ? p + 1 : (i + 1 < u->argc ? u->argv[++i] : NULL);
                if (!arg) {
                    uerr(u, "option requires an argument -- '%c'", *p);
                    return 2;
                }
                if (*p == 'f')
                    op->file = arg;
                else
                    op->dir = arg;
                goto next_word;
            }
            case 'z': case 'j': case 'J':
                uerr(u, "compression (-%c) is not supported in the sandbox", *p);
                return 2;
            case 'p': case 'o': case 'h': break;
            default:
                uerr(u, "invalid option -- '%c'", *p);
                return 2;
            }
        }
    next_word:;
    }
    if (!op->mode) {
        uerr(u, "You must specify one of the '-ctx' options");
        return 2;
    }
    op->first = i;
    if (op->mode == 'c' && i >= u->argc) {
        uerr(u, "Cowardly refusing to create an empty archive");
        return 2;
    }
    bool need_stdin = op->mode != 'c' && (!op->file || strcmp(op->file, "-") == 0);
    static char *dash[] = {(char *)"-", NULL};
    return uslurp(u, dash, need_stdin ? 1 : -1, tar_run);
}
