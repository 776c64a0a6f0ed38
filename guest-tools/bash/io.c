/* io.c: strings, I/O objects and the utility scheduler of the shell.
 *
 * A pipe is a byte buffer with a writer end and a reader end. When the
 * reader is a utility (a resumable state machine) the writer drains the pipe
 * into it once the pipe holds SH_PIPE_SOFT bytes; when shell code reads an
 * empty pipe whose writer is a utility, the read steps that utility (and,
 * recursively, the stages before it). So every pipeline streams in bounded
 * memory without processes or stack switching; see docs/shell.md.
 */
#include "sh.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- memory and strings ---- */

static void oom(void)
{
    static const char m[] = "bash: out of memory\n";
    if (write(2, m, sizeof m - 1) < 0) {
    }
    _exit(2);
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *xcalloc(size_t n, size_t m)
{
    void *p = calloc(n ? n : 1, m ? m : 1);
    if (!p)
        oom();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        oom();
    return p;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

void sx_init(sx *b)
{
    b->cap = 32;
    b->len = 0;
    b->s = xmalloc(b->cap);
    b->s[0] = 0;
}

void sx_free(sx *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

void sx_reset(sx *b)
{
    b->len = 0;
    if (b->s)
        b->s[0] = 0;
}

static void sx_grow(sx *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t c = b->cap ? b->cap : 32;
    while (c < b->len + extra + 1)
        c *= 2;
    b->s = xrealloc(b->s, c);
    b->cap = c;
}

void sx_add(sx *b, const char *p, size_t n)
{
    if (!n)
        return;
    sx_grow(b, n);
    memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = 0;
}

void sx_addc(sx *b, char c)
{
    sx_grow(b, 1);
    b->s[b->len++] = c;
    b->s[b->len] = 0;
}

void sx_adds(sx *b, const char *s)
{
    sx_add(b, s, strlen(s));
}

void sx_vprintf(sx *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    if (n < 0) {
        va_end(ap2);
        return;
    }
    if ((size_t)n < sizeof tmp) {
        sx_add(b, tmp, (size_t)n);
    } else {
        sx_grow(b, (size_t)n);
        vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
}

void sx_printf(sx *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sx_vprintf(b, fmt, ap);
    va_end(ap);
}

char *sx_take(sx *b)
{
    char *s = b->s ? b->s : xstrdup("");
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

void strv_push(strv *a, char *s)
{
    if (a->n + 2 > a->cap) {
        a->cap = a->cap ? a->cap * 2 : 8;
        a->v = xrealloc(a->v, (size_t)a->cap * sizeof *a->v);
    }
    a->v[a->n++] = s;
    a->v[a->n] = NULL;
}

void strv_free(strv *a)
{
    for (int i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
    a->v = NULL;
    a->n = a->cap = 0;
}

/* ---- I/O objects ---- */

sh_io *io_new(int kind)
{
    sh_io *io = xcalloc(1, sizeof *io);
    io->kind = kind;
    io->refs = 1;
    io->fd = -1;
    io->limit = SH_MAX_PIPEBUF;
    return io;
}

sh_io *io_fd(int fd, bool own)
{
    sh_io *io = io_new(IO_FD);
    io->fd = fd;
    io->own_fd = own;
    return io;
}

sh_io *io_str(const char *p, size_t n)
{
    sh_io *io = io_new(IO_STR);
    io->buf = xmalloc(n + 1);
    memcpy(io->buf, p, n);
    io->len = n;
    io->cap = n + 1;
    io->wclosed = true;
    return io;
}

sh_io *io_ref(sh_io *io)
{
    if (io)
        io->refs++;
    return io;
}

void io_flush(sh_io *io)
{
    if (!io || io->kind != IO_FD || !io->wlen)
        return;
    size_t off = 0;
    while (off < io->wlen) {
        ssize_t w = write(io->fd, io->wbuf + off, io->wlen - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    io->wlen = 0;
}

/* The fd written last: flushed before another fd is written, so output to
 * stdout and stderr keeps its order. */
static sh_io *last_fd_written;

void io_unref(sh_io *io)
{
    if (!io || --io->refs > 0)
        return;
    io_flush(io);
    if (io == last_fd_written)
        last_fd_written = NULL;
    if (io->kind == IO_FD && io->own_fd && io->fd >= 0)
        close(io->fd);
    free(io->buf);
    free(io->wbuf);
    free(io);
}

static void buf_append(sh_io *io, const char *p, size_t n)
{
    if (io->off && io->off >= io->len / 2) {
        memmove(io->buf, io->buf + io->off, io->len - io->off);
        io->len -= io->off;
        io->off = 0;
    }
    if (io->len + n + 1 > io->cap) {
        size_t c = io->cap ? io->cap : 4096;
        while (c < io->len + n + 1)
            c *= 2;
        io->buf = xrealloc(io->buf, c);
        io->cap = c;
    }
    memcpy(io->buf + io->len, p, n);
    io->len += n;
}

static void drain(sh_io *io);

int io_write(shell *sh, sh_io *io, const char *p, size_t n)
{
    if (!io)
        return 0;
    switch (io->kind) {
    case IO_NULL:
    case IO_STR:
        return 0;
    case IO_FD:
        if (last_fd_written && last_fd_written != io)
            io_flush(last_fd_written);
        last_fd_written = io;
        if (!io->wbuf)
            io->wbuf = xmalloc(32768);
        if (io->wlen + n > 32768) {
            io_flush(io);
            if (n >= 32768) {
                size_t off = 0;
                while (off < n) {
                    ssize_t w = write(io->fd, p + off, n - off);
                    if (w < 0 && errno == EINTR)
                        continue;
                    if (w <= 0)
                        return -1;
                    off += (size_t)w;
                }
                return 0;
            }
        }
        memcpy(io->wbuf + io->wlen, p, n);
        io->wlen += n;
        return 0;
    case IO_CAP:
        if (io->len - io->off + n > io->limit) {
            size_t room = io->limit > io->len - io->off ? io->limit - (io->len - io->off) : 0;
            buf_append(io, p, room);
            io->truncated = true;
            io->overflow = true;
            if (sh && sh->tool_mode && io == sh->tool_out)
                sh_fatal(sh, 1, "output limit of %zu bytes exceeded", io->limit);
            return -1;
        }
        buf_append(io, p, n);
        return 0;
    case IO_PIPE:
        if (io->rclosed)
            return -1;
        if (io->len - io->off + n > io->limit) {
            io->overflow = true;
            if (sh)
                sh_fatal(sh, 1, "pipe buffer limit of %zu bytes exceeded", io->limit);
            return -1;
        }
        buf_append(io, p, n);
        if (io->reader && io->len - io->off >= SH_PIPE_SOFT)
            drain(io);
        return 0;
    }
    return 0;
}

/* Reads more bytes from a file descriptor into the buffer. */
static void fd_fill(sh_io *io)
{
    if (io->eof)
        return;
    if (io->off == io->len)
        io->off = io->len = 0;
    if (io->len + 65536 + 1 > io->cap) {
        if (io->off) {
            memmove(io->buf, io->buf + io->off, io->len - io->off);
            io->len -= io->off;
            io->off = 0;
        }
        if (io->len + 65536 + 1 > io->cap) {
            size_t c = io->cap ? io->cap * 2 : 65536 + 1;
            while (c < io->len + 65536 + 1)
                c *= 2;
            io->buf = xrealloc(io->buf, c);
            io->cap = c;
        }
    }
    for (;;) {
        ssize_t r = read(io->fd, io->buf + io->len, 65536);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            io->eof = true;
        else
            io->len += (size_t)r;
        break;
    }
}

int io_avail(sh_io *io, const char **p, size_t *n)
{
    *p = NULL;
    *n = 0;
    if (!io || io->kind == IO_NULL || io->kind == IO_CAP)
        return IN_EOF;
    if (io->kind == IO_FD && io->off == io->len)
        fd_fill(io);
    if (io->off < io->len) {
        *p = io->buf + io->off;
        *n = io->len - io->off;
        return IN_DATA;
    }
    if (io->kind == IO_FD || io->kind == IO_STR || io->wclosed)
        return IN_EOF;
    return IN_NEED;
}

void io_consume(sh_io *io, size_t n)
{
    if (!io)
        return;
    io->off += n;
    if (io->off >= io->len)
        io->off = io->len = 0;
}

int io_line(sh_io *io, const char **p, size_t *n)
{
    *p = NULL;
    *n = 0;
    if (!io || io->kind == IO_NULL || io->kind == IO_CAP)
        return IN_EOF;
    size_t scanned = 0;
    for (;;) {
        if (io->off < io->len) {
            const char *b = io->buf + io->off;
            size_t avail = io->len - io->off;
            const char *nl = memchr(b + scanned, '\n', avail - scanned);
            if (nl) {
                *p = b;
                *n = (size_t)(nl - b) + 1;
                return IN_DATA;
            }
            scanned = avail;
        }
        if (io->kind == IO_FD && !io->eof) {
            if (io->len - io->off > SH_MAX_STRING) {
                *p = io->buf + io->off;
                *n = io->len - io->off;
                return IN_DATA;
            }
            fd_fill(io);
            continue;
        }
        if (io->kind == IO_FD || io->kind == IO_STR || io->wclosed) {
            if (io->off < io->len) {
                *p = io->buf + io->off;
                *n = io->len - io->off;
                return IN_DATA;
            }
            return IN_EOF;
        }
        return IN_NEED;
    }
}

/* ---- the scheduler ---- */

/* One unit of progress toward more data in io; false when none is possible. */
static bool pump(sh_io *io)
{
    if (io->kind != IO_PIPE || io->wclosed)
        return false;
    ucmd *w = io->writer;
    if (!w || w->done || w->running)
        return false;
    int r = ucmd_step(w);
    if (r == U_NEED && !pump(w->in)) {
        if (w->in && w->in->kind == IO_PIPE && !w->in->writer)
            return false; /* waiting for shell code that is still running */
        if (w->in)
            w->in->wclosed = true;
    }
    return true;
}

static void drain(sh_io *io)
{
    while (io->len - io->off >= SH_PIPE_SOFT && io->reader && !io->reader->done &&
           !io->reader->running && !io->rclosed) {
        size_t before = io->len - io->off;
        int r = ucmd_step(io->reader);
        if (r == U_NEED && io->len - io->off >= before)
            break;
    }
}

int io_pull_avail(shell *sh, sh_io *io, const char **p, size_t *n)
{
    for (;;) {
        int r = io_avail(io, p, n);
        if (r != IN_NEED)
            return r;
        if (sh && !sh_check(sh))
            return IN_EOF;
        if (!pump(io))
            io->wclosed = true;
    }
}

int io_pull_line(shell *sh, sh_io *io, const char **p, size_t *n)
{
    for (;;) {
        int r = io_line(io, p, n);
        if (r != IN_NEED)
            return r;
        if (sh && !sh_check(sh))
            return IN_EOF;
        if (!pump(io))
            io->wclosed = true;
    }
}

int io_pull_all(shell *sh, sh_io *io, sx *out)
{
    const char *p;
    size_t n;
    while (io_pull_avail(sh, io, &p, &n) == IN_DATA) {
        if (out->len + n > SH_MAX_STRING)
            return -1;
        sx_add(out, p, n);
        io_consume(io, n);
    }
    return 0;
}

/* ---- utilities ---- */

ucmd *ucmd_new(shell *sh, const util_def *d, int argc, char **argv, sh_io *in, sh_io *out,
               sh_io *err, bool stage)
{
    ucmd *u = xcalloc(1, sizeof *u);
    u->sh = sh;
    u->name = d->name;
    u->argc = argc;
    u->argv = xcalloc((size_t)argc + 1, sizeof *u->argv);
    for (int i = 0; i < argc; i++)
        u->argv[i] = xstrdup(argv[i]);
    u->in = io_ref(in);
    u->out = io_ref(out);
    u->err = io_ref(err);
    if (stage && out && out->kind == IO_PIPE)
        out->writer = u;
    if (stage && in && in->kind == IO_PIPE)
        in->reader = u;
    u->running = true;
    int st = d->start(u);
    u->running = false;
    if (st >= 0 || !u->step)
        udone(u, st < 0 ? 0 : st);
    return u;
}

int udone(ucmd *u, int status)
{
    if (u->done)
        return U_DONE;
    u->done = true;
    u->status = status;
    if (u->fini)
        u->fini(u);
    u->fini = NULL;
    if (u->out && u->out->kind == IO_PIPE && u->out->writer == u) {
        u->out->wclosed = true;
        u->out->writer = NULL;
    }
    if (u->in && u->in->kind == IO_PIPE && u->in->reader == u) {
        u->in->rclosed = true;
        u->in->reader = NULL;
    }
    return U_DONE;
}

void ucmd_free(ucmd *u)
{
    if (!u)
        return;
    if (!u->done)
        udone(u, 1);
    if (u->ext_free)
        u->ext_free(u->ext);
    for (int i = 0; i < u->argc; i++)
        free(u->argv[i]);
    free(u->argv);
    io_unref(u->in);
    io_unref(u->out);
    io_unref(u->err);
    free(u);
}

int ucmd_step(ucmd *u)
{
    if (u->done)
        return U_DONE;
    if (!sh_check(u->sh)) {
        udone(u, 1);
        return U_DONE;
    }
    u->running = true;
    int r = u->step(u);
    u->running = false;
    if (u->sigpipe && !u->done)
        udone(u, 141);
    if (u->done)
        return U_DONE;
    return r;
}

void ucmd_finish(ucmd *u)
{
    while (!u->done) {
        int r = ucmd_step(u);
        if (r == U_NEED && !pump(u->in) && u->in)
            u->in->wclosed = true;
    }
}

int ucmd_run(shell *sh, const util_def *d, int argc, char **argv)
{
    /* A synchronous run does not become a pipe end of the caller's pipes. */
    ucmd *u = ucmd_new(sh, d, argc, argv, sh->fd[0], sh->fd[1], sh->fd[2], false);
    ucmd_finish(u);
    int st = u->status;
    ucmd_free(u);
    return st;
}

int uwrite(ucmd *u, const char *p, size_t n)
{
    if (u->sigpipe)
        return -1;
    if (io_write(u->sh, u->out, p, n) < 0) {
        u->sigpipe = true;
        return -1;
    }
    return 0;
}

int uputs(ucmd *u, const char *s)
{
    return uwrite(u, s, strlen(s));
}

int uprintf(ucmd *u, const char *fmt, ...)
{
    sx b;
    sx_init(&b);
    va_list ap;
    va_start(ap, fmt);
    sx_vprintf(&b, fmt, ap);
    va_end(ap);
    int r = uwrite(u, b.s, b.len);
    sx_free(&b);
    return r;
}

void uerr(ucmd *u, const char *fmt, ...)
{
    sx b;
    sx_init(&b);
    sx_adds(&b, u->name);
    sx_adds(&b, ": ");
    va_list ap;
    va_start(ap, fmt);
    sx_vprintf(&b, fmt, ap);
    va_end(ap);
    sx_addc(&b, '\n');
    io_write(u->sh, u->err, b.s, b.len);
    sx_free(&b);
}

void uf_init(ufiles *f, char **names, int n)
{
    memset(f, 0, sizeof *f);
    f->names = names;
    f->n = n;
}

int uf_next(ucmd *u, ufiles *f)
{
    while (!f->cur) {
        if (f->n == 0 && f->i == 0) {
            f->i = 1;
            f->cur = u->in;
            f->curname = "-";
            f->cur_is_stdin = true;
            return 0;
        }
        if (f->i >= f->n)
            return 1;
        const char *name = f->names[f->i++];
        if (strcmp(name, "-") == 0 || strcmp(name, "/dev/stdin") == 0) {
            f->cur = u->in;
            f->curname = name;
            f->cur_is_stdin = true;
            return 0;
        }
        if (strcmp(name, "/dev/null") == 0) {
            /* WASI has no devices: the name still means an empty input */
            f->cur = io_new(IO_NULL);
            f->curname = name;
            f->cur_is_stdin = false;
            return 0;
        }
        const sx *vf = sh_vfile(u->sh, name);
        if (vf) {
            f->cur = io_str(vf->s ? vf->s : "", vf->len);
            f->curname = name;
            f->cur_is_stdin = false;
            return 0;
        }
        int fd = sh_open(u->sh, name, O_RDONLY, 0);
        if (fd < 0) {
            uerr(u, "%s: %s", name, sh_strerror(errno));
            f->status = 1;
            continue;
        }
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
            uerr(u, "%s: Is a directory", name);
            close(fd);
            f->status = 1;
            continue;
        }
        f->cur = io_fd(fd, true);
        f->curname = name;
        f->cur_is_stdin = false;
    }
    return 0;
}

void uf_close(ufiles *f)
{
    if (f->cur && !f->cur_is_stdin)
        io_unref(f->cur);
    f->cur = NULL;
}

void uf_free(ufiles *f)
{
    uf_close(f);
    f->i = f->n + 1;
}

int uf_line(ucmd *u, ufiles *f, const char **p, size_t *n)
{
    (void)u;
    return io_line(f->cur, p, n);
}

/* GNU-style permutation: an option after operands ("sort f -o f", "grep x
 * f -n") is moved in front of them, with its separate argument if any. */
static bool needs_arg(const char *a, const char *spec, const char *const *longs)
{
    if (a[1] == '-') {
        const char *name = a + 2;
        if (strchr(name, '='))
            return false;
        for (int i = 0; longs && longs[i]; i++) {
            const char *sep = strpbrk(longs[i], ":=");
            if ((size_t)(sep - longs[i]) == strlen(name) && strncmp(longs[i], name, strlen(name)) == 0)
                return *sep == ':';
        }
        return false;
    }
    for (const char *p = a + 1; *p; p++) {
        const char *s = strchr(spec, *p);
        if (s && s[1] == ':')
            return p[1] == 0; /* the argument is the next word */
    }
    return false;
}

static void permute(ucmd *u, uopt *o, const char *spec, const char *const *longs)
{
    int j = o->ind;
    while (j < u->argc && !(u->argv[j][0] == '-' && u->argv[j][1]))
        j++;
    if (j >= u->argc || j == o->ind || strcmp(u->argv[j], "--") == 0)
        return;
    int take = needs_arg(u->argv[j], spec, longs) && j + 1 < u->argc ? 2 : 1;
    char *moved[2] = {u->argv[j], take == 2 ? u->argv[j + 1] : NULL};
    memmove(u->argv + o->ind + take, u->argv + o->ind, sizeof(char *) * (size_t)(j - o->ind));
    u->argv[o->ind] = moved[0];
    if (take == 2)
        u->argv[o->ind + 1] = moved[1];
}

int uopt_next(ucmd *u, uopt *o, const char *spec, const char *const *longs)
{
    if (o->ind == 0)
        o->ind = 1;
    o->arg = NULL;
    if (o->pos == 0 && o->ind < u->argc && !(u->argv[o->ind][0] == '-' && u->argv[o->ind][1]))
        permute(u, o, spec, longs);
    if (o->pos == 0) {
        if (o->ind >= u->argc)
            return 0;
        const char *a = u->argv[o->ind];
        if (a[0] != '-' || a[1] == 0)
            return 0;
        if (strcmp(a, "--") == 0) {
            o->ind++;
            return 0;
        }
        if (a[1] == '-') {
            const char *name = a + 2;
            const char *eq = strchr(name, '=');
            size_t nl = eq ? (size_t)(eq - name) : strlen(name);
            for (int i = 0; longs && longs[i]; i++) {
                const char *l = longs[i];
                const char *sep = strpbrk(l, ":=");
                size_t ll = (size_t)(sep - l);
                if (ll == nl && strncmp(l, name, nl) == 0) {
                    bool arg = *sep == ':';
                    int c = (unsigned char)sep[arg ? 2 : 1];
                    o->ind++;
                    if (arg) {
                        if (eq)
                            o->arg = eq + 1;
                        else if (o->ind < u->argc)
                            o->arg = u->argv[o->ind++];
                        else {
                            uerr(u, "option '--%.*s' requires an argument", (int)nl, name);
                            return '?';
                        }
                    } else if (eq) {
                        uerr(u, "option '--%.*s' doesn't allow an argument", (int)nl, name);
                        return '?';
                    }
                    o->opt = c;
                    return c;
                }
            }
            uerr(u, "unrecognized option '%s'", a);
            return '?';
        }
        o->pos = 1;
    }
    const char *a = u->argv[o->ind];
    int c = (unsigned char)a[o->pos++];
    const char *s = strchr(spec, c);
    if (!s || c == ':') {
        uerr(u, "invalid option -- '%c'", c);
        o->pos = 0;
        o->ind++;
        return '?';
    }
    if (s[1] == ':') {
        if (a[o->pos]) {
            o->arg = a + o->pos;
        } else if (o->ind + 1 < u->argc) {
            o->arg = u->argv[++o->ind];
        } else {
            uerr(u, "option requires an argument -- '%c'", c);
            o->pos = 0;
            o->ind++;
            return '?';
        }
        o->pos = 0;
        o->ind++;
    } else if (!a[o->pos]) {
        o->pos = 0;
        o->ind++;
    }
    o->opt = c;
    return c;
}

/* ---- paths ---- */

char *sh_abspath(shell *sh, const char *path)
{
    sx b;
    sx_init(&b);
    if (path[0] != '/')
        sx_adds(&b, sh->cwd);
    sx_addc(&b, '/');
    sx_adds(&b, path);
    /* Normalise lexically: the guest root is the top; ".." never leaves it. */
    char *src = b.s;
    char *out = xmalloc(b.len + 2);
    size_t o = 0;
    const char *p = src;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 1 && p[0] == '.') {
        } else if (n == 2 && p[0] == '.' && p[1] == '.') {
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
        } else {
            out[o++] = '/';
            memcpy(out + o, p, n);
            o += n;
        }
        p += n;
    }
    if (o == 0)
        out[o++] = '/';
    out[o] = 0;
    sx_free(&b);
    return out;
}

int sh_open(shell *sh, const char *path, int flags, int mode)
{
    char *abs = sh_abspath(sh, path);
    int fd = open(abs, flags | O_CLOEXEC, mode);
    int e = errno;
    free(abs);
    errno = e;
    return fd;
}

const sx *sh_vfile(shell *sh, const char *path)
{
    if (strncmp(path, "/dev/fd/6", 9) != 0 || path[9] < '0' || path[9] > '7' || path[10])
        return NULL;
    return &sh->vfile[path[9] - '0'];
}

int sh_read_file(shell *sh, const char *path, sx *out, size_t cap)
{
    if (strcmp(path, "/dev/null") == 0)
        return 0;
    const sx *vf = sh_vfile(sh, path);
    if (vf) {
        if (vf->len > cap) {
            errno = EFBIG;
            return -1;
        }
        sx_add(out, vf->s ? vf->s : "", vf->len);
        return 0;
    }
    int fd = sh_open(sh, path, O_RDONLY, 0);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        errno = EISDIR;
        return -1;
    }
    char buf[65536];
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (r == 0)
            break;
        if (out->len + (size_t)r > cap) {
            close(fd);
            errno = EFBIG;
            return -1;
        }
        sx_add(out, buf, (size_t)r);
    }
    close(fd);
    return 0;
}

const char *sh_strerror(int e)
{
    switch (e) {
    case ENOENT: return "No such file or directory";
    case EACCES: return "Permission denied";
    case EPERM: return "Operation not permitted";
    case EEXIST: return "File exists";
    case ENOTDIR: return "Not a directory";
    case EISDIR: return "Is a directory";
    case ENOTEMPTY: return "Directory not empty";
    case EXDEV: return "Invalid cross-device link";
#ifdef ENOTCAPABLE
    case ENOTCAPABLE: return "Permission denied (outside the sandbox root)";
#endif
    case EFBIG: return "File too large";
    case ENOSPC: return "No space left on device";
    case EROFS: return "Read-only file system";
    case ELOOP: return "Too many levels of symbolic links";
    case ENAMETOOLONG: return "File name too long";
    case EINVAL: return "Invalid argument";
    case EBADF: return "Bad file descriptor";
    case ENOSYS: return "Function not implemented";
    case ENOTSUP: return "Operation not supported";
    default: return strerror(e);
    }
}

uint64_t sh_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}
