/* wasi_fd.c: the capability fd table and the WASI calls that act on an fd.
 *
 * Guest fds index our own table of {host fd, filetype, flags, rights}; a
 * guest never sees or names a host fd. Preopens are directories opened once
 * on the host; a read-only preopen has every write-type right stripped from
 * its base and inheriting rights (and is marked, so each write-type call
 * also refuses explicitly). Every guest (pointer, length) goes through
 * wasm_mem_ptr before use; iovec arrays are walked one entry at a time, so
 * nothing the guest sizes lands on the host stack or heap. */
#include "sandbox/wasi_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------- errnos */

uint16_t sandbox__wasi_errno(int e)
{
    switch (e) {
    case 0: return WASI_ESUCCESS;
    case E2BIG: return WASI_E2BIG;
    case EACCES: return WASI_EACCES;
    case EADDRINUSE: return WASI_EADDRINUSE;
    case EADDRNOTAVAIL: return WASI_EADDRNOTAVAIL;
    case EAFNOSUPPORT: return WASI_EAFNOSUPPORT;
    case EAGAIN: return WASI_EAGAIN;
    case EALREADY: return WASI_EALREADY;
    case EBADF: return WASI_EBADF;
    case EBADMSG: return WASI_EBADMSG;
    case EBUSY: return WASI_EBUSY;
    case ECANCELED: return WASI_ECANCELED;
    case ECHILD: return WASI_ECHILD;
    case ECONNABORTED: return WASI_ECONNABORTED;
    case ECONNREFUSED: return WASI_ECONNREFUSED;
    case ECONNRESET: return WASI_ECONNRESET;
    case EDEADLK: return WASI_EDEADLK;
    case EDESTADDRREQ: return WASI_EDESTADDRREQ;
    case EDOM: return WASI_EDOM;
    case EDQUOT: return WASI_EDQUOT;
    case EEXIST: return WASI_EEXIST;
    case EFAULT: return WASI_EFAULT;
    case EFBIG: return WASI_EFBIG;
    case EHOSTUNREACH: return WASI_EHOSTUNREACH;
    case EIDRM: return WASI_EIDRM;
    case EILSEQ: return WASI_EILSEQ;
    case EINPROGRESS: return WASI_EINPROGRESS;
    case EINTR: return WASI_EINTR;
    case EINVAL: return WASI_EINVAL;
    case EIO: return WASI_EIO;
    case EISCONN: return WASI_EISCONN;
    case EISDIR: return WASI_EISDIR;
    case ELOOP: return WASI_ELOOP;
    case EMFILE: return WASI_EMFILE;
    case EMLINK: return WASI_EMLINK;
    case EMSGSIZE: return WASI_EMSGSIZE;
    case EMULTIHOP: return WASI_EMULTIHOP;
    case ENAMETOOLONG: return WASI_ENAMETOOLONG;
    case ENETDOWN: return WASI_ENETDOWN;
    case ENETRESET: return WASI_ENETRESET;
    case ENETUNREACH: return WASI_ENETUNREACH;
    case ENFILE: return WASI_ENFILE;
    case ENOBUFS: return WASI_ENOBUFS;
    case ENODEV: return WASI_ENODEV;
    case ENOENT: return WASI_ENOENT;
    case ENOEXEC: return WASI_ENOEXEC;
    case ENOLCK: return WASI_ENOLCK;
    case ENOLINK: return WASI_ENOLINK;
    case ENOMEM: return WASI_ENOMEM;
    case ENOMSG: return WASI_ENOMSG;
    case ENOPROTOOPT: return WASI_ENOPROTOOPT;
    case ENOSPC: return WASI_ENOSPC;
    case ENOSYS: return WASI_ENOSYS;
    case ENOTCONN: return WASI_ENOTCONN;
    case ENOTDIR: return WASI_ENOTDIR;
    case ENOTEMPTY: return WASI_ENOTEMPTY;
    case ENOTRECOVERABLE: return WASI_ENOTRECOVERABLE;
    case ENOTSOCK: return WASI_ENOTSOCK;
    case EOPNOTSUPP: return WASI_ENOTSUP;
    case ENOTTY: return WASI_ENOTTY;
    case ENXIO: return WASI_ENXIO;
    case EOVERFLOW: return WASI_EOVERFLOW;
    case EOWNERDEAD: return WASI_EOWNERDEAD;
    case EPERM: return WASI_EPERM;
    case EPIPE: return WASI_EPIPE;
    case EPROTO: return WASI_EPROTO;
    case EPROTONOSUPPORT: return WASI_EPROTONOSUPPORT;
    case EPROTOTYPE: return WASI_EPROTOTYPE;
    case ERANGE: return WASI_ERANGE;
    case EROFS: return WASI_EROFS;
    case ESPIPE: return WASI_ESPIPE;
    case ESRCH: return WASI_ESRCH;
    case ESTALE: return WASI_ESTALE;
    case ETIMEDOUT: return WASI_ETIMEDOUT;
    case ETXTBSY: return WASI_ETXTBSY;
    case EXDEV: return WASI_ENOTCAPABLE; /* openat2 RESOLVE_BENEATH: an escape */
    default: return WASI_EIO;
    }
}

/* ------------------------------------------------------------ the table */

static void fd_clear(sandbox__fd *f)
{
    if (f->host >= 0 && f->kind != SANDBOX__FD_STDIN && f->kind != SANDBOX__FD_STDOUT &&
        f->kind != SANDBOX__FD_STDERR)
        close(f->host);
    bx_free(f->preopen);
    bx_free(f->dents);
    bx_buf_release(&f->dent_names);
    memset(f, 0, sizeof *f);
    f->host = -1;
    bx_buf_init(&f->dent_names, 16u << 20);
}

sandbox__fd *sandbox__fd_slot(sandbox__ctx *c, uint32_t *out_fd)
{
    for (size_t i = 0; i < c->n_fds; i++)
        if (c->fds[i].kind == SANDBOX__FD_FREE) {
            *out_fd = (uint32_t)i;
            return &c->fds[i];
        }
    if (c->n_fds >= SANDBOX__MAX_FDS)
        return NULL;
    size_t ncap = c->n_fds + 1;
    c->fds = bx_realloc(c->fds, ncap * sizeof *c->fds);
    sandbox__fd *f = &c->fds[c->n_fds];
    memset(f, 0, sizeof *f);
    f->host = -1;
    bx_buf_init(&f->dent_names, 16u << 20);
    *out_fd = (uint32_t)c->n_fds++;
    return f;
}

void sandbox__fds_init(sandbox__ctx *c)
{
    c->fds = NULL;
    c->n_fds = 0;
    uint32_t n;
    static const int kinds[3] = {SANDBOX__FD_STDIN, SANDBOX__FD_STDOUT, SANDBOX__FD_STDERR};
    for (int i = 0; i < 3; i++) {
        sandbox__fd *f = sandbox__fd_slot(c, &n);
        f->kind = kinds[i];
        int hfd = i == 0 ? c->stdin_fd : i == 1 ? c->out.host_fd : c->err.host_fd;
        f->host = hfd;
        f->filetype = (hfd >= 0 && isatty(hfd)) ? WASI_FT_CHAR : WASI_FT_UNKNOWN;
        f->rights = R_POLL_FD_READWRITE | R_FD_FILESTAT_GET | R_FD_FDSTAT_SET_FLAGS |
                    (i == 0 ? R_FD_READ : R_FD_WRITE);
    }
}

void sandbox__fds_release(sandbox__ctx *c)
{
    for (size_t i = 0; i < c->n_fds; i++)
        fd_clear(&c->fds[i]);
    bx_free(c->fds);
    c->fds = NULL;
    c->n_fds = 0;
    bx_free(c->grants);
    c->grants = NULL;
    c->n_grants = 0;
}

bx_err sandbox__preopen(sandbox__ctx *c, const char *host, const char *guest, bool read_only,
                        bx_error *detail)
{
    if (!guest || !*guest || strlen(guest) > 4096)
        return bx_error_set(detail, BX_INVALID, -1, "bad guest path for %s", host);
    int hfd = open(host, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (hfd < 0)
        return bx_error_set(detail, bx_err_from_errno(errno), -1, "cannot open directory %s: %s",
                            host, strerror(errno));
    uint32_t n;
    sandbox__fd *f = sandbox__fd_slot(c, &n);
    if (!f) {
        close(hfd);
        return bx_error_set(detail, BX_LIMIT, -1, "too many preopens");
    }
    f->kind = SANDBOX__FD_DIR;
    f->host = hfd;
    f->filetype = WASI_FT_DIR;
    f->rights = RIGHTS_DIR;
    f->inheriting = RIGHTS_DIR | RIGHTS_FILE;
    if (read_only) {
        f->rights &= ~RIGHTS_WRITE;
        f->inheriting &= ~RIGHTS_WRITE;
    }
    f->read_only = read_only;
    f->preopen = bx_strdup(guest);
    if (sandbox__grant_add(c, hfd, read_only) != BX_OK)
        return bx_error_set(detail, BX_IO, -1, "cannot stat directory %s: %s", host, strerror(errno));
    return BX_OK;
}

sandbox__fd *sandbox__get_fd(sandbox__ctx *c, uint32_t fd, uint64_t need, uint16_t *out_errno)
{
    if (fd >= c->n_fds || c->fds[fd].kind == SANDBOX__FD_FREE) {
        *out_errno = WASI_EBADF;
        return NULL;
    }
    sandbox__fd *f = &c->fds[fd];
    if ((f->rights & need) != need) {
        *out_errno = WASI_ENOTCAPABLE;
        return NULL;
    }
    if (f->read_only && (need & RIGHTS_WRITE)) {
        *out_errno = WASI_ENOTCAPABLE;
        return NULL;
    }
    *out_errno = 0;
    return f;
}

/* ---------------------------------------------------------- output sinks */

void sandbox__sink_write(sandbox__sink *s, const void *p, size_t n)
{
    s->written += n;
    size_t kept = s->capture ? s->capture->len : 0;
    if (s->host_fd >= 0)
        kept = s->written - n; /* streamed: count what went out */
    size_t room = s->cap > kept ? s->cap - kept : 0;
    if (n > room) {
        n = room;
        s->truncated = true;
    }
    if (n == 0)
        return;
    if (s->host_fd >= 0) {
        const char *q = p;
        while (n > 0) {
            ssize_t w = write(s->host_fd, q, n);
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0 && errno == EAGAIN) {
                /* a non-blocking pipe that is full: wait for room, briefly */
                struct pollfd pfd = {.fd = s->host_fd, .events = POLLOUT};
                if (poll(&pfd, 1, 1000) > 0)
                    continue;
                break;
            }
            if (w <= 0)
                break; /* a closed pipe: the guest's output is dropped, the run goes on */
            q += w;
            n -= (size_t)w;
        }
    } else if (s->capture) {
        bx_buf_append(s->capture, p, n);
    }
}

void sandbox__sink_finish(sandbox__sink *s)
{
    if (!s->truncated)
        return;
    char marker[96];
    int n = snprintf(marker, sizeof marker, SANDBOX_TRUNCATION_MARKER, s->cap);
    if (n <= 0)
        return;
    if (s->host_fd >= 0) {
        ssize_t w = write(s->host_fd, marker, (size_t)n);
        BX_UNUSED(w);
    } else if (s->capture) {
        s->capture->max = s->capture->len + (size_t)n + 1;
        bx_buf_append(s->capture, marker, (size_t)n);
    }
}

/* ----------------------------------------------------------- fd calls */

static uint16_t filetype_of(mode_t m)
{
    switch (m & S_IFMT) {
    case S_IFREG: return WASI_FT_FILE;
    case S_IFDIR: return WASI_FT_DIR;
    case S_IFLNK: return WASI_FT_SYMLINK;
    case S_IFCHR: return WASI_FT_CHAR;
    case S_IFBLK: return WASI_FT_BLOCK;
    case S_IFSOCK: return WASI_FT_STREAM;
    default: return WASI_FT_UNKNOWN;
    }
}

void sandbox__put_filestat(uint8_t *p, const struct stat *st)
{
    wasi_put64(p + 0, (uint64_t)st->st_dev);
    wasi_put64(p + 8, (uint64_t)st->st_ino);
    memset(p + 16, 0, 8);
    p[16] = (uint8_t)filetype_of(st->st_mode);
    wasi_put64(p + 24, (uint64_t)st->st_nlink);
    wasi_put64(p + 32, (uint64_t)st->st_size);
    wasi_put64(p + 40, (uint64_t)st->st_atim.tv_sec * 1000000000ull + (uint64_t)st->st_atim.tv_nsec);
    wasi_put64(p + 48, (uint64_t)st->st_mtim.tv_sec * 1000000000ull + (uint64_t)st->st_mtim.tv_nsec);
    wasi_put64(p + 56, (uint64_t)st->st_ctim.tv_sec * 1000000000ull + (uint64_t)st->st_ctim.tv_nsec);
}

uint8_t sandbox__filetype_of_mode(unsigned mode) { return (uint8_t)filetype_of((mode_t)mode); }

/* Reads from the stdin source into p; -1 with errno on failure. */
static ssize_t stdin_read(sandbox__ctx *c, sandbox__fd *f, void *p, size_t n)
{
    if (f->host < 0) {
        size_t left = c->stdin_len - c->stdin_pos;
        if (n > left)
            n = left;
        if (n)
            memcpy(p, c->stdin_data + c->stdin_pos, n);
        c->stdin_pos += n;
        return (ssize_t)n;
    }
    /* A host stdin: wait in slices so the run's timeout still ends us. */
    for (;;) {
        if (atomic_load_explicit(&c->stop, memory_order_relaxed)) {
            errno = EINTR;
            return -1;
        }
        struct pollfd pfd = {.fd = f->host, .events = POLLIN};
        int r = poll(&pfd, 1, 50);
        if (r < 0 && errno != EINTR)
            return -1;
        if (r > 0) {
            ssize_t got = read(f->host, p, n);
            if (got < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            return got;
        }
    }
}

/* Walks iovs one entry at a time. write: data flows guest -> host. */
static uint16_t do_io(wasm_call *call, sandbox__ctx *c, sandbox__fd *f, uint32_t iovs,
                      uint32_t iovs_len, bool to_host, bool positional, uint64_t offset,
                      uint32_t *out_total)
{
    uint64_t total = 0;
    if (!wasm_mem_ptr(call, iovs, (uint64_t)iovs_len * 8))
        return WASI_EFAULT;
    for (uint32_t i = 0; i < iovs_len; i++) {
        uint8_t *iov = wasm_mem_ptr(call, (uint64_t)iovs + (uint64_t)i * 8, 8);
        uint32_t buf = wasi_get32(iov), len = wasi_get32(iov + 4);
        if (len == 0)
            continue;
        if ((uint64_t)total + len > INT32_MAX)
            len = (uint32_t)(INT32_MAX - total);
        uint8_t *p = wasm_mem_ptr(call, buf, len);
        if (!p)
            return WASI_EFAULT;
        ssize_t n;
        if (f->kind == SANDBOX__FD_STDOUT || f->kind == SANDBOX__FD_STDERR) {
            sandbox__sink_write(f->kind == SANDBOX__FD_STDOUT ? &c->out : &c->err, p, len);
            n = len;
        } else if (f->kind == SANDBOX__FD_STDIN) {
            n = stdin_read(c, f, p, len);
        } else if (positional) {
            n = to_host ? pwrite(f->host, p, len, (off_t)(offset + total))
                        : pread(f->host, p, len, (off_t)(offset + total));
        } else {
            n = to_host ? write(f->host, p, len) : read(f->host, p, len);
        }
        if (n < 0) {
            if (total > 0)
                break; /* report what was transferred */
            return sandbox__wasi_errno(errno);
        }
        total += (uint64_t)n;
        if ((uint32_t)n < len || total >= INT32_MAX)
            break;
    }
    *out_total = (uint32_t)total;
    return 0;
}

static uint16_t fd_rw(wasm_call *call, sandbox__ctx *c, const wasm_val *a, bool to_host,
                      bool positional)
{
    uint16_t e;
    uint64_t need = (to_host ? R_FD_WRITE : R_FD_READ) | (positional ? R_FD_SEEK : 0);
    sandbox__fd *f = sandbox__get_fd(c, A32(0), need, &e);
    if (!f)
        return e;
    uint32_t out_ptr = positional ? A32(4) : A32(3);
    uint8_t *out = wasm_mem_ptr(call, out_ptr, 4);
    if (!out)
        return WASI_EFAULT;
    if (positional && f->kind != SANDBOX__FD_FILE)
        return WASI_ESPIPE;
    if (positional && A64(3) > INT64_MAX)
        return WASI_EINVAL;
    if (f->kind == SANDBOX__FD_DIR)
        return WASI_EISDIR;
    uint32_t total = 0;
    e = do_io(call, c, f, A32(1), A32(2), to_host, positional, positional ? A64(3) : 0, &total);
    if (e)
        return e;
    out = wasm_mem_ptr(call, out_ptr, 4);
    wasi_put32(out, total);
    return 0;
}

WASI_FN(fd_read) { return fd_rw(call, c, a, false, false); }
WASI_FN(fd_write) { return fd_rw(call, c, a, true, false); }
WASI_FN(fd_pread) { return fd_rw(call, c, a, false, true); }
WASI_FN(fd_pwrite) { return fd_rw(call, c, a, true, true); }

WASI_FN(fd_seek)
{
    uint16_t e;
    int64_t off = (int64_t)A64(1);
    uint32_t whence = A32(2);
    uint64_t need = (whence == 1 && off == 0) ? R_FD_TELL : R_FD_SEEK;
    uint32_t fdn = A32(0);
    if (fdn < c->n_fds && (c->fds[fdn].kind == SANDBOX__FD_STDIN ||
                           c->fds[fdn].kind == SANDBOX__FD_STDOUT ||
                           c->fds[fdn].kind == SANDBOX__FD_STDERR))
        return WASI_ESPIPE; /* a stream, as lseek on a pipe or tty says */
    sandbox__fd *f = sandbox__get_fd(c, A32(0), need, &e);
    if (!f) {
        /* fd_seek(CUR, 0) is also allowed with only FD_SEEK */
        if (e == WASI_ENOTCAPABLE && need == R_FD_TELL)
            f = sandbox__get_fd(c, A32(0), R_FD_SEEK, &e);
        if (!f)
            return e;
    }
    uint8_t *out = wasm_mem_ptr(call, A32(3), 8);
    if (!out)
        return WASI_EFAULT;
    if (f->kind != SANDBOX__FD_FILE)
        return f->kind == SANDBOX__FD_DIR ? WASI_EBADF : WASI_ESPIPE;
    int w = whence == 0 ? SEEK_SET : whence == 1 ? SEEK_CUR : whence == 2 ? SEEK_END : -1;
    if (w < 0)
        return WASI_EINVAL;
    off_t r = lseek(f->host, (off_t)off, w);
    if (r < 0)
        return sandbox__wasi_errno(errno);
    wasi_put64(out, (uint64_t)r);
    return 0;
}

WASI_FN(fd_tell)
{
    uint16_t e;
    sandbox__fd *f = sandbox__get_fd(c, A32(0), R_FD_TELL, &e);
    if (!f)
        return e;
    uint8_t *out = wasm_mem_ptr(call, A32(1), 8);
    if (!out)
        return WASI_EFAULT;
    if (f->kind != SANDBOX__FD_FILE)
        return WASI_ESPIPE;
    off_t r = lseek(f->host, 0, SEEK_CUR);
    if (r < 0)
        return sandbox__wasi_errno(errno);
    wasi_put64(out, (uint64_t)r);
    return 0;
}

WASI_FN(fd_close)
{
    BX_UNUSED(call);
    uint16_t e;
    sandbox__fd *f = sandbox__get_fd(c, A32(0), 0, &e);
    if (!f)
        return e;
    fd_clear(f);
    return 0;
}

static uint16_t fd_sync_common(sandbox__ctx *c, uint32_t fd, bool data)
{
    uint16_t e;
    sandbox__fd *f = sandbox__get_fd(c, fd, data ? R_FD_DATASYNC : R_FD_SYNC, &e);
    if (!f)
        return e;
    if (f->kind != SANDBOX__FD_FILE && f->kind != SANDBOX__FD_DIR)
        return WASI_EINVAL;
    if ((data ? fdatasync(f->host) : fsync(f->host)) < 0)
        return sandbox__wasi_errno(errno);
    return 0;
}

WASI_FN(fd_sync) { BX_UNUSED(call); return fd_sync_common(c, A32(0), false); }
WASI_FN(fd_datasync) { BX_UNUSED(call); return fd_sync_common(c, A32(0), true); }

WASI_FN(fd_advise)
{
    BX_UNUSED(call);
    uint16_t e;
    sandbox__fd *f = sandbox__get_fd(c, A32(0), R_FD_ADVISE, &e);
    if (!f)
        return e;
    uint32_t advice = A32(3);
    static const int map[6] = {POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                               POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
    if (advice > 5 || A64(1) > INT64_MAX || A64(2) > INT64_MAX)
        return WASI_EINVAL;
    if (f->kind != SANDBOX__FD_FILE)
        return WASI_EBADF;
    int r = posix_fadvise(f->host, (off_t)A64(1), (off_t)A64(2), map[advice]);
    return r ? sandbox__wasi_errno(r) : 0;
}

WASI_FN(fd_allocate)
{
    BX_UNUSED(call);
    uint16_t e;
    sandbox__fd *f = sandbox__get_fd(c, A32(0), R_FD_ALLOCATE, &e);
    if (!f)
        return e;
    if (f->kind != SANDBOX__FD_FILE)
        return WASI_EBADF;
    if (A64(1) > INT64_MAX || A64(2) > INT64_MAX || A64(2) == 0)
        return WASI_EINVAL;
    int r = posix_fallocate(f->host, (off_t)A64(1), (off_t)A64(2));
    return r ? sandbox__wasi_errno(r) : 0;
}

WASI_FN(fd_renumber)
{
    BX_UNUSED(call);
    uint16_t e;
    uint32_t from = A32(0), to = A32(1);
    sandbox__fd *f = sandbox__get_fd(c, from, 0, &e);
    if (!f)
        return e;
    sandbox__fd *t = sandbox__get_fd(c, to, 0, &e);
    if (!t)
        return e;
    if (from == to)
        return 0;
    fd_clear(t);
    *t = *f; /* moves ownership, including the readdir snapshot */
    memset(f, 0, sizeof *f);
    f->host = -1;
    bx_buf_init(&f->dent_names, 16u << 20);
    return 0;
}

WASI_FN(fd_fdstat_get)
{
    uint16_t e;
    sandbox__fd *f = sandbox__get_fd(c, A32(0), 0, &e);
    if (!f)
        return e;
    uint8_t *p = wasm_mem_ptr(call, A32(1), 24);
    if (!p)
        return WASI_EFAULT;
    memset(p, 0, 24);
    p[0] = f->filetype;
    uint16_t flags = f->flags;
    p[2] = (uint8_t)flags;
    p[3] = (uint8_t)(flags >> 8);
    wasi_put64(p + 8, f->rights);
    wasi_put64(p + 16, f->inheriting);
    return 0;
}

WASI_FN(fd_fdstat_set_flags)
{
    BX_UNUSED(call);
    uint16_t e;
    sandbox__fd *f = sandbox__get_fd(c, A32(0), R_FD_FDSTAT_SET_FLAGS, &e);
    if (!f)
        return e;
    uint32_t flags = A32(1);
    if (flags & ~0x1fu)
        return WASI_EINVAL;
    if (flags & (0x2 | 0x8 | 0x10)) /* DSYNC, RSYNC, SYNC cannot change after open */
        return WASI_ENOTSUP;
    if (f->kind == SANDBOX__FD_FILE || f->kind == SANDBOX__FD_DIR) {
        int hf = fcntl(f->host, F_GETFL);
        if (hf < 0)
            return sandbox__wasi_errno(errno);
        hf &= ~(O_APPEND | O_NONBLOCK);
        if (flags & 0x1)
            hf |= O_APPEND;
        if (flags & 0x4)
            hf |= O_NONBLOCK;
        if (fcntl(f->host, F_SETFL, hf) < 0)
            return sandbox__wasi_errno(errno);
    }
    f->flags = (uint16_t)((f->flags & ~0x5u) | (flags & 0x5u));
    return 0;
}

WASI_FN(fd_fdstat_set_rights)
{
    BX_UNUSED(call);
    uint16_t e;
    sandbox__fd *f = sandbox__get_fd(c, A32(0), 0, &e);
    if (!f)
        return e;
    uint64_t base = A64(1), inh = A64(2);
    if ((base & ~f->rights) || (inh & ~f->inheriting))
        return WASI_ENOTCAPABLE; /* rights only ever shrink */
    f->rights = base;
    f->inheriting = inh;
    return 0;
}

WASI_FN(fd_filestat_get)
{
    uint16_t e;
    sandbox__fd *f = sandbox__get_fd(c, A32(0), R_FD_FILESTAT_GET, &e);
    if (!f)
        return e;
    uint8_t *p = wasm_mem_ptr(call, A32(1), 64);
    if (!p)
        return WASI_EFAULT;
    if (f->kind == SANDBOX__FD_FILE || f->kind == SANDBOX__FD_DIR) {
        struct stat st;
        if (fstat(f->host, &st) < 0)
            return sandbox__wasi_errno(errno);
        sandbox__put_filestat(p, &st);
    } else {
        memset(p, 0, 64);
        p[16] = f->filetype;
    }
    return 0;
}

WASI_FN(fd_filestat_set_size)
{
    BX_UNUSED(call);
    uint16_t e;
    sandbox__fd *f = sandbox__get_fd(c, A32(0), R_FD_FILESTAT_SET_SIZE, &e);
    if (!f)
        return e;
    if (f->kind != SANDBOX__FD_FILE)
        return WASI_EINVAL;
    if (A64(1) > INT64_MAX)
        return WASI_EINVAL;
    if (ftruncate(f->host, (off_t)A64(1)) < 0)
        return sandbox__wasi_errno(errno);
    return 0;
}

/* WASI fstflags -> utimensat times; false on a contradictory set. */
bool sandbox__times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2])
{
    if (((fst & 1) && (fst & 2)) || ((fst & 4) && (fst & 8)) || (fst & ~0xfu))
        return false;
    ts[0].tv_sec = (time_t)(atim / 1000000000ull);
    ts[0].tv_nsec = (long)(atim % 1000000000ull);
    ts[1].tv_sec = (time_t)(mtim / 1000000000ull);
    ts[1].tv_nsec = (long)(mtim % 1000000000ull);
    if (fst & 2)
        ts[0].tv_nsec = UTIME_NOW;
    else if (!(fst & 1))
        ts[0].tv_nsec = UTIME_OMIT;
    if (fst & 8)
        ts[1].tv_nsec = UTIME_NOW;
    else if (!(fst & 4))
        ts[1].tv_nsec = UTIME_OMIT;
    return true;
}

WASI_FN(fd_filestat_set_times)
{
    BX_UNUSED(call);
    uint16_t e;
    sandbox__fd *f = sandbox__get_fd(c, A32(0), R_FD_FILESTAT_SET_TIMES, &e);
    if (!f)
        return e;
    struct timespec ts[2];
    if (!sandbox__times(A64(1), A64(2), A32(3), ts))
        return WASI_EINVAL;
    if (f->kind != SANDBOX__FD_FILE && f->kind != SANDBOX__FD_DIR)
        return WASI_EBADF;
    if (futimens(f->host, ts) < 0)
        return sandbox__wasi_errno(errno);
    return 0;
}

/* Takes a fresh listing of the directory into f->dents. */
static uint16_t readdir_snapshot(sandbox__fd *f)
{
    bx_free(f->dents);
    f->dents = NULL;
    f->n_dents = 0;
    bx_buf_reset(&f->dent_names);
    int dfd = fcntl(f->host, F_DUPFD_CLOEXEC, 0);
    if (dfd < 0)
        return sandbox__wasi_errno(errno);
    if (lseek(dfd, 0, SEEK_SET) < 0) {
        close(dfd);
        return sandbox__wasi_errno(errno);
    }
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return sandbox__wasi_errno(errno);
    }
    size_t cap = 0;
    uint16_t e = 0;
    struct dirent *de;
    errno = 0;
    while ((de = readdir(d))) {
        if (f->n_dents >= 1000000) {
            e = WASI_ENOMEM;
            break;
        }
        if (f->n_dents == cap) {
            cap = cap ? cap * 2 : 64;
            f->dents = bx_realloc(f->dents, cap * sizeof *f->dents);
        }
        size_t nl = strlen(de->d_name);
        sandbox__dirent *t = &f->dents[f->n_dents];
        t->ino = de->d_ino;
        t->name_off = (uint32_t)f->dent_names.len;
        t->name_len = (uint32_t)nl;
        if (bx_buf_append(&f->dent_names, de->d_name, nl)) {
            e = WASI_ENOMEM;
            break;
        }
        switch (de->d_type) {
        case DT_REG: t->type = WASI_FT_FILE; break;
        case DT_DIR: t->type = WASI_FT_DIR; break;
        case DT_LNK: t->type = WASI_FT_SYMLINK; break;
        case DT_CHR: t->type = WASI_FT_CHAR; break;
        case DT_BLK: t->type = WASI_FT_BLOCK; break;
        case DT_SOCK: t->type = WASI_FT_STREAM; break;
        default: {
            struct stat st;
            t->type = fstatat(f->host, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0
                          ? (uint8_t)filetype_of(st.st_mode)
                          : WASI_FT_UNKNOWN;
        }
        }
        f->n_dents++;
    }
    if (!e && errno)
        e = sandbox__wasi_errno(errno);
    closedir(d);
    return e;
}

WASI_FN(fd_readdir)
{
    uint16_t e;
    sandbox__fd *f = sandbox__get_fd(c, A32(0), R_FD_READDIR, &e);
    if (!f)
        return e;
    uint32_t buf = A32(1), buf_len = A32(2);
    uint64_t cookie = A64(3);
    uint8_t *used = wasm_mem_ptr(call, A32(4), 4);
    uint8_t *out = wasm_mem_ptr(call, buf, buf_len);
    if (!used || !out)
        return WASI_EFAULT;
    if (f->kind != SANDBOX__FD_DIR)
        return WASI_ENOTDIR;
    if (cookie == 0 || !f->dents) {
        if ((e = readdir_snapshot(f)))
            return e;
    }
    uint32_t pos = 0;
    for (uint64_t i = cookie; i < f->n_dents && pos < buf_len; i++) {
        const sandbox__dirent *t = &f->dents[i];
        uint8_t hdr[24];
        memset(hdr, 0, sizeof hdr);
        wasi_put64(hdr, i + 1);
        wasi_put64(hdr + 8, t->ino);
        wasi_put32(hdr + 16, t->name_len);
        hdr[20] = t->type;
        /* A full buffer holding a cut entry tells the guest to retry bigger. */
        uint32_t n = BX_MIN((uint32_t)sizeof hdr, buf_len - pos);
        memcpy(out + pos, hdr, n);
        pos += n;
        n = BX_MIN(t->name_len, buf_len - pos);
        memcpy(out + pos, f->dent_names.data + t->name_off, n);
        pos += n;
    }
    wasi_put32(used, pos);
    return 0;
}

WASI_FN(fd_prestat_get)
{
    uint16_t e;
    sandbox__fd *f = sandbox__get_fd(c, A32(0), 0, &e);
    if (!f)
        return e;
    if (!f->preopen)
        return WASI_EBADF;
    uint8_t *p = wasm_mem_ptr(call, A32(1), 8);
    if (!p)
        return WASI_EFAULT;
    memset(p, 0, 8);
    wasi_put32(p + 4, (uint32_t)strlen(f->preopen));
    return 0;
}

WASI_FN(fd_prestat_dir_name)
{
    uint16_t e;
    sandbox__fd *f = sandbox__get_fd(c, A32(0), 0, &e);
    if (!f)
        return e;
    if (!f->preopen)
        return WASI_EBADF;
    size_t n = strlen(f->preopen);
    if (A32(2) < n)
        return WASI_ENAMETOOLONG;
    uint8_t *p = wasm_mem_ptr(call, A32(1), n);
    if (!p)
        return WASI_EFAULT;
    memcpy(p, f->preopen, n);
    return 0;
}
