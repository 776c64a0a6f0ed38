/* wasi_path.c: the WASI calls that name a path relative to a directory fd.
 *
 * Every path is copied out of guest memory into a fixed host buffer (capped
 * at PATH_MAX, never sized by the guest), refused if absolute, and resolved
 * only with util's bx_open_beneath / bx_open_parent_beneath — openat2 with
 * RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS — so `..`, symlinks out, loops and
 * /proc tricks cannot leave the directory. Calls that act on a last
 * component (mkdir, unlink, rename, link, symlink, readlink) open its parent
 * that way and use the *at call with no symlink following. */
#include "sandbox/wasi_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define WASI_PATH_MAX 4096

/* Copies the guest path (ptr, len) into out. */
static uint16_t get_path(wasm_call *call, uint32_t ptr, uint32_t len, char out[WASI_PATH_MAX + 1])
{
    if (len > WASI_PATH_MAX)
        return WASI_ENAMETOOLONG;
    const uint8_t *p = wasm_mem_ptr(call, ptr, len);
    if (!p)
        return WASI_EFAULT;
    if (memchr(p, '\0', len))
        return WASI_EILSEQ;
    if (len == 0)
        return WASI_ENOENT;
    if (p[0] == '/')
        return WASI_ENOTCAPABLE; /* WASI paths are relative to their fd */
    memcpy(out, p, len);
    out[len] = '\0';
    return 0;
}

/* errno after a failed bx_open_beneath / bx_open_parent_beneath. */
static uint16_t resolve_errno(bx_err err)
{
    if (err == BX_NOTCAPABLE && errno == EXDEV)
        return WASI_ENOTCAPABLE;
    if (err == BX_INVALID && errno == 0)
        return WASI_EINVAL;
    if (err == BX_TOOBIG)
        return WASI_ENAMETOOLONG;
    return errno ? sandbox__wasi_errno(errno) : WASI_EIO;
}

/* The directory entry for fd with `need` rights. */
static sandbox__fd *dir_fd(sandbox__ctx *c, uint32_t fd, uint64_t need, uint16_t *e)
{
    sandbox__fd *d = sandbox__get_fd(c, fd, need, e);
    if (d && d->kind != SANDBOX__FD_DIR) {
        *e = WASI_ENOTDIR;
        return NULL;
    }
    return d;
}

/* Opens the parent of path beneath d; *out_parent and name on success. */
static uint16_t open_parent(sandbox__fd *d, const char *path, int *out_parent, char name[NAME_MAX + 1])
{
    errno = 0;
    bx_err err = bx_open_parent_beneath(d->host, path, out_parent, name, NAME_MAX + 1);
    if (err)
        return resolve_errno(err);
    return 0;
}

static bool trailing_slash(const char *path)
{
    size_t n = strlen(path);
    return n > 0 && path[n - 1] == '/';
}

/* The rights arithmetic of path_open, after the preview1 rights table:
 * the directory's base rights must hold path_open, path_create_file for
 * CREAT and path_filestat_set_size for TRUNC; its inheriting rights must
 * hold fd_datasync (or fd_sync) for DSYNC and fd_sync for RSYNC/SYNC, as
 * the reference runtimes check. The new fd gets the requested base rights
 * that the directory may hand down (its inheriting rights; never a write
 * right under a read-only grant), narrowed to what its file type supports.
 * TRUNC does not need fd_write: the directory's set-size right is what
 * allows it. DIRECTORY with CREAT, EXCL or TRUNC is EINVAL, as on the
 * reference runtimes (DIRECTORY with fd_write requested is the host's
 * answer: path_open asks for O_RDWR, so EISDIR, or ENOTDIR on a file). */
uint16_t sandbox__open_rights(const sandbox__fd *d, uint32_t oflags, uint32_t fdflags,
                              uint64_t base, uint64_t inh, uint64_t *out_base,
                              uint64_t *out_inh)
{
    if ((oflags & ~0xfu) || (fdflags & ~0x1fu))
        return WASI_EINVAL;
    if ((oflags & 2) && (oflags & (1 | 4 | 8)))
        return WASI_EINVAL;
    uint64_t need = R_PATH_OPEN;
    if (oflags & 1)
        need |= R_PATH_CREATE_FILE;
    if (oflags & 8)
        need |= R_PATH_FILESTAT_SET_SIZE;
    if ((d->rights & need) != need || (d->read_only && (need & RIGHTS_WRITE)))
        return WASI_ENOTCAPABLE;
    if ((fdflags & 0x2) && !(d->inheriting & (R_FD_DATASYNC | R_FD_SYNC)))
        return WASI_ENOTCAPABLE;
    if ((fdflags & 0x18) && !(d->inheriting & R_FD_SYNC))
        return WASI_ENOTCAPABLE;
    *out_base = base & d->inheriting;
    *out_inh = inh & d->inheriting;
    if (d->read_only) {
        *out_base &= ~RIGHTS_WRITE;
        *out_inh &= ~RIGHTS_WRITE;
    }
    return 0;
}

/* What the host answers for a name with a trailing slash that must name
 * a non-directory to be created (link, symlink): EEXIST when the entry
 * exists, else ENOENT. */
static uint16_t slash_new_errno(int pfd, const char *name)
{
    struct stat st;
    return fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? WASI_EEXIST
           : errno == ENOENT                                 ? WASI_ENOENT
                                                             : sandbox__wasi_errno(errno);
}

/* For an existing entry named with a trailing slash that the call acts on
 * without following (link source, rename, set_times): 0 when it is a
 * directory, else ENOTDIR (ENOENT when missing), as the host says. */
static uint16_t slash_dir_errno(int pfd, const char *name)
{
    struct stat st;
    if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return sandbox__wasi_errno(errno);
    return S_ISDIR(st.st_mode) ? 0 : WASI_ENOTDIR;
}

WASI_FN(path_open)
{
    uint16_t e;
    uint32_t dirflags = A32(1), oflags = A32(4), fdflags = A32(7);
    sandbox__fd *d = dir_fd(c, A32(0), R_PATH_OPEN, &e);
    if (!d)
        return e;
    char path[WASI_PATH_MAX + 1];
    if ((e = get_path(call, A32(2), A32(3), path)))
        return e;
    if (!wasm_mem_ptr(call, A32(8), 4))
        return WASI_EFAULT;
    uint64_t rights, rights_inh;
    if ((e = sandbox__open_rights(d, oflags, fdflags, A64(5), A64(6), &rights, &rights_inh)))
        return e;
    bool want_write = (rights & (R_FD_WRITE | R_FD_ALLOCATE | R_FD_FILESTAT_SET_SIZE)) != 0;
    bool want_read = (rights & (R_FD_READ | R_FD_READDIR)) != 0;
    int flags = O_NOCTTY | O_NONBLOCK;
    if ((oflags & 2) && (A64(5) & R_FD_WRITE)) /* never granted on a directory: */
        flags |= O_DIRECTORY | O_RDWR;           /* the host says EISDIR or ENOTDIR */
    else if (oflags & 2)
        flags |= O_DIRECTORY;
    else if (want_write)
        flags |= want_read ? O_RDWR : O_WRONLY;
    else
        flags |= O_RDONLY;
    if (oflags & 1)
        flags |= O_CREAT;
    if (oflags & 4)
        flags |= O_EXCL;
    if (oflags & 8)
        flags |= O_TRUNC; /* Linux truncates with O_RDONLY too (write permission checked) */
    if (!(dirflags & 1))
        flags |= O_NOFOLLOW;
    if (fdflags & 0x1)
        flags |= O_APPEND;
    if (fdflags & 0x2)
        flags |= O_DSYNC;
    if (fdflags & 0x18)
        flags |= O_SYNC;
    bool ro = d->read_only;
    int parent_host = d->host;
    int hfd = -1;
    errno = 0;
    /* mode only with O_CREAT: util treats O_DIRECTORY as part of O_TMPFILE */
    bx_err err = bx_open_beneath(parent_host, path, flags, (flags & O_CREAT) ? 0666 : 0, &hfd);
    if (err)
        return resolve_errno(err);
    struct stat st;
    if (fstat(hfd, &st) < 0) {
        e = sandbox__wasi_errno(errno);
        close(hfd);
        return e;
    }
    if (!(fdflags & 0x4) && S_ISREG(st.st_mode)) {
        int fl = fcntl(hfd, F_GETFL);
        if (fl >= 0)
            fcntl(hfd, F_SETFL, fl & ~O_NONBLOCK);
    }
    uint32_t n;
    sandbox__fd *f = sandbox__fd_slot(c, &n); /* may move d: not used below */
    if (!f) {
        close(hfd);
        return WASI_EMFILE;
    }
    f->host = hfd;
    f->read_only = ro;
    f->flags = (uint16_t)(fdflags & 0x1f);
    if (S_ISDIR(st.st_mode)) {
        f->kind = SANDBOX__FD_DIR;
        f->filetype = WASI_FT_DIR;
        f->rights = rights & RIGHTS_DIR;
        f->inheriting = rights_inh & (RIGHTS_DIR | RIGHTS_FILE);
    } else {
        f->kind = SANDBOX__FD_FILE;
        f->filetype = sandbox__filetype_of_mode(st.st_mode);
        f->rights = rights & RIGHTS_FILE;
        if ((flags & O_ACCMODE) == O_RDONLY)
            f->rights &= ~(R_FD_WRITE | R_FD_ALLOCATE | R_FD_FILESTAT_SET_SIZE);
        if ((flags & O_ACCMODE) == O_WRONLY)
            f->rights &= ~R_FD_READ;
        if (!S_ISREG(st.st_mode))
            f->rights &= ~(R_FD_SEEK | R_FD_TELL);
        f->inheriting = 0;
    }
    wasi_put32(wasm_mem_ptr(call, A32(8), 4), n);
    return 0;
}

WASI_FN(path_create_directory)
{
    uint16_t e;
    sandbox__fd *d = dir_fd(c, A32(0), R_PATH_CREATE_DIRECTORY, &e);
    if (!d)
        return e;
    char path[WASI_PATH_MAX + 1], name[NAME_MAX + 1];
    int pfd;
    if ((e = get_path(call, A32(1), A32(2), path)) || (e = open_parent(d, path, &pfd, name)))
        return e == WASI_EINVAL ? WASI_EEXIST : e;
    int r = mkdirat(pfd, name, 0777);
    e = r < 0 ? sandbox__wasi_errno(errno) : 0;
    close(pfd);
    return e;
}

WASI_FN(path_remove_directory)
{
    uint16_t e;
    sandbox__fd *d = dir_fd(c, A32(0), R_PATH_REMOVE_DIRECTORY, &e);
    if (!d)
        return e;
    char path[WASI_PATH_MAX + 1], name[NAME_MAX + 1];
    int pfd;
    if ((e = get_path(call, A32(1), A32(2), path)) || (e = open_parent(d, path, &pfd, name)))
        return e;
    int r = unlinkat(pfd, name, AT_REMOVEDIR);
    e = r < 0 ? sandbox__wasi_errno(errno) : 0;
    close(pfd);
    return e;
}

WASI_FN(path_unlink_file)
{
    uint16_t e;
    sandbox__fd *d = dir_fd(c, A32(0), R_PATH_UNLINK_FILE, &e);
    if (!d)
        return e;
    char path[WASI_PATH_MAX + 1], name[NAME_MAX + 1];
    int pfd;
    if ((e = get_path(call, A32(1), A32(2), path)) || (e = open_parent(d, path, &pfd, name)))
        return e;
    struct stat st;
    if (trailing_slash(path)) {
        /* "file/" names a directory or nothing: POSIX says ENOTDIR / EISDIR */
        e = fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ? sandbox__wasi_errno(errno)
            : S_ISDIR(st.st_mode)                             ? WASI_EISDIR
                                                              : WASI_ENOTDIR;
    } else {
        int r = unlinkat(pfd, name, 0);
        e = r < 0 ? sandbox__wasi_errno(errno) : 0;
    }
    close(pfd);
    return e;
}

WASI_FN(path_filestat_get)
{
    uint16_t e;
    sandbox__fd *d = dir_fd(c, A32(0), R_PATH_FILESTAT_GET, &e);
    if (!d)
        return e;
    char path[WASI_PATH_MAX + 1];
    if ((e = get_path(call, A32(2), A32(3), path)))
        return e;
    if (!wasm_mem_ptr(call, A32(4), 64))
        return WASI_EFAULT;
    int hfd;
    errno = 0;
    bx_err err = bx_open_beneath(d->host, path, O_PATH | ((A32(1) & 1) ? 0 : O_NOFOLLOW), 0, &hfd);
    if (err)
        return resolve_errno(err);
    struct stat st;
    int r = fstat(hfd, &st);
    e = r < 0 ? sandbox__wasi_errno(errno) : 0;
    close(hfd);
    if (!e)
        sandbox__put_filestat(wasm_mem_ptr(call, A32(4), 64), &st);
    return e;
}

WASI_FN(path_filestat_set_times)
{
    uint16_t e;
    sandbox__fd *d = dir_fd(c, A32(0), R_PATH_FILESTAT_SET_TIMES, &e);
    if (!d)
        return e;
    char path[WASI_PATH_MAX + 1], name[NAME_MAX + 1];
    if ((e = get_path(call, A32(2), A32(3), path)))
        return e;
    struct timespec ts[2];
    if (!sandbox__times(A64(4), A64(5), A32(6), ts))
        return WASI_EINVAL;
    if (A32(1) & 1) {
        /* Follow: open the target beneath the tree, then set its times. */
        int hfd;
        errno = 0;
        bx_err err = bx_open_beneath(d->host, path, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0, &hfd);
        if (err && errno == EACCES)
            err = bx_open_beneath(d->host, path, O_WRONLY | O_NONBLOCK | O_NOCTTY, 0, &hfd);
        if (err)
            return resolve_errno(err);
        e = futimens(hfd, ts) < 0 ? sandbox__wasi_errno(errno) : 0;
        close(hfd);
        return e;
    }
    int pfd;
    if ((e = open_parent(d, path, &pfd, name)))
        return e;
    e = trailing_slash(path) ? slash_dir_errno(pfd, name) : 0;
    if (!e)
        e = utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0 ? sandbox__wasi_errno(errno) : 0;
    close(pfd);
    return e;
}

WASI_FN(path_link)
{
    uint16_t e;
    sandbox__fd *od = dir_fd(c, A32(0), R_PATH_LINK_SOURCE, &e);
    if (!od)
        return e;
    sandbox__fd *nd = dir_fd(c, A32(4), R_PATH_LINK_TARGET, &e);
    if (!nd)
        return e;
    if (A32(1) & 1)
        return WASI_EINVAL; /* following a symlink could name a file outside the tree */
    char opath[WASI_PATH_MAX + 1], npath[WASI_PATH_MAX + 1];
    char oname[NAME_MAX + 1], nname[NAME_MAX + 1];
    if ((e = get_path(call, A32(2), A32(3), opath)) || (e = get_path(call, A32(5), A32(6), npath)))
        return e;
    int op, np;
    if ((e = open_parent(od, opath, &op, oname)))
        return e;
    if ((e = open_parent(nd, npath, &np, nname))) {
        close(op);
        return e;
    }
    /* "f/" as the source names a directory (hard links to those are EPERM);
     * as the new name it names nothing that could be created. */
    if (trailing_slash(opath))
        e = slash_dir_errno(op, oname);
    if (!e && trailing_slash(opath))
        e = WASI_EPERM;
    struct stat st;
    if (!e && trailing_slash(npath))
        e = fstatat(op, oname, &st, AT_SYMLINK_NOFOLLOW) < 0 ? sandbox__wasi_errno(errno)
                                                            : slash_new_errno(np, nname);
    if (!e)
        e = linkat(op, oname, np, nname, 0) < 0 ? sandbox__wasi_errno(errno) : 0;
    close(op);
    close(np);
    return e;
}

WASI_FN(path_readlink)
{
    uint16_t e;
    sandbox__fd *d = dir_fd(c, A32(0), R_PATH_READLINK, &e);
    if (!d)
        return e;
    char path[WASI_PATH_MAX + 1], name[NAME_MAX + 1];
    if ((e = get_path(call, A32(1), A32(2), path)))
        return e;
    uint32_t buf = A32(3), buf_len = A32(4);
    if (!wasm_mem_ptr(call, buf, buf_len) || !wasm_mem_ptr(call, A32(5), 4))
        return WASI_EFAULT;
    int pfd;
    if ((e = open_parent(d, path, &pfd, name)))
        return e;
    char target[WASI_PATH_MAX + 1];
    ssize_t n = readlinkat(pfd, name, target, sizeof target);
    e = n < 0 ? sandbox__wasi_errno(errno) : 0;
    close(pfd);
    if (e)
        return e;
    size_t copy = BX_MIN((size_t)n, (size_t)buf_len);
    memcpy(wasm_mem_ptr(call, buf, buf_len), target, copy);
    wasi_put32(wasm_mem_ptr(call, A32(5), 4), (uint32_t)copy);
    return 0;
}

WASI_FN(path_rename)
{
    uint16_t e;
    sandbox__fd *od = dir_fd(c, A32(0), R_PATH_RENAME_SOURCE, &e);
    if (!od)
        return e;
    sandbox__fd *nd = dir_fd(c, A32(3), R_PATH_RENAME_TARGET, &e);
    if (!nd)
        return e;
    char opath[WASI_PATH_MAX + 1], npath[WASI_PATH_MAX + 1];
    char oname[NAME_MAX + 1], nname[NAME_MAX + 1];
    if ((e = get_path(call, A32(1), A32(2), opath)) || (e = get_path(call, A32(4), A32(5), npath)))
        return e;
    int op, np;
    if ((e = open_parent(od, opath, &op, oname)))
        return e;
    if ((e = open_parent(nd, npath, &np, nname))) {
        close(op);
        return e;
    }
    /* A trailing slash on either side means both must be directories. */
    e = 0;
    if (trailing_slash(opath) || trailing_slash(npath))
        e = slash_dir_errno(op, oname);
    if (!e)
        e = renameat(op, oname, np, nname) < 0 ? sandbox__wasi_errno(errno) : 0;
    close(op);
    close(np);
    return e;
}

WASI_FN(path_symlink)
{
    uint16_t e;
    sandbox__fd *d = dir_fd(c, A32(2), R_PATH_SYMLINK, &e);
    if (!d)
        return e;
    char target[WASI_PATH_MAX + 1], path[WASI_PATH_MAX + 1], name[NAME_MAX + 1];
    /* An absolute target could only ever point out of the tree. */
    if ((e = get_path(call, A32(0), A32(1), target)) || (e = get_path(call, A32(3), A32(4), path)))
        return e;
    int pfd;
    if ((e = open_parent(d, path, &pfd, name)))
        return e;
    if (trailing_slash(path))
        e = slash_new_errno(pfd, name); /* a symlink is never a directory */
    else
        e = symlinkat(target, pfd, name) < 0 ? sandbox__wasi_errno(errno) : 0;
    close(pfd);
    return e;
}
