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
static uint16_t open_parent(const sandbox__fd *d, const char *path, int *out_parent, char name[NAME_MAX + 1])
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

/* Nested read-only grants (wasi_grant.c): ENOTCAPABLE when changing the
 * entry `name` of directory pfd would change a read-only grant's tree,
 * because pfd lies in one or (root) because the entry is a read-only
 * grant's root itself. Free unless a read-only grant is nested in a
 * read-write one; an fd under a read-only grant never gets here, its
 * rights already refuse every write. The check and the change use the
 * same parent fd, so swapping a path component in between cannot
 * redirect the change. */
static uint16_t guard(const sandbox__ctx *c, int pfd, const char *name, bool root)
{
    if (!c->ro_nested)
        return 0;
    if (sandbox__dir_read_only(c, pfd) || (root && sandbox__is_ro_root(c, pfd, name)))
        return WASI_ENOTCAPABLE;
    return 0;
}

/* path's last component is "." or ".." (after trailing slashes). */
static bool last_is_dot(const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    size_t s = n;
    while (s > 0 && path[s - 1] != '/')
        s--;
    return (n - s == 1 && path[s] == '.') || (n - s == 2 && path[s] == '.' && path[s + 1] == '.');
}

/* The entry path names beneath d: its real parent directory (*out_pfd,
 * owned) and its name. With follow, symlinks in the last component are
 * followed here (at most 40), each relative target resolved beneath d from
 * the link's directory as the kernel would, so the caller can check and
 * act on one (parent fd, name) pair. An absolute target is ENOTCAPABLE. */
static uint16_t locate(const sandbox__fd *d, const char *path, bool follow, int *out_pfd,
                       char name[NAME_MAX + 1])
{
    char cur[WASI_PATH_MAX + 1], t[WASI_PATH_MAX + 1];
    snprintf(cur, sizeof cur, "%s", path);
    for (int hops = 0;; hops++) {
        int pfd;
        uint16_t e = open_parent(d, cur, &pfd, name);
        if (e)
            return e;
        ssize_t n = follow ? readlinkat(pfd, name, t, sizeof t) : -1;
        if (n < 0) { /* not a symlink, or nothing there yet */
            *out_pfd = pfd;
            return 0;
        }
        close(pfd);
        if (n >= (ssize_t)sizeof t)
            return WASI_ENAMETOOLONG;
        if (hops == 40)
            return WASI_ELOOP;
        if (n == 0)
            return WASI_ENOENT;
        if (t[0] == '/')
            return WASI_ENOTCAPABLE;
        size_t l = strlen(cur);
        while (l > 1 && cur[l - 1] == '/')
            l--;
        while (l > 0 && cur[l - 1] != '/')
            l--;
        if (l + (size_t)n > WASI_PATH_MAX)
            return WASI_ENAMETOOLONG;
        memcpy(cur + l, t, (size_t)n);
        cur[l + (size_t)n] = '\0';
    }
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
    bool ro = d->read_only;
    int parent_host = d->host;
    /* Under a read-only grant nested in a read-write one (reached through
     * the outer fd), the new fd is read-only too: find the entry's real
     * parent first and decide before anything is created or truncated. */
    int pfd = -1;
    char name[NAME_MAX + 1];
    bool want_dir = trailing_slash(path) || (oflags & 2);
    bool dot = false;
    if (c->ro_nested && !ro) {
        dot = last_is_dot(path);
        if (!dot) {
            e = locate(d, path, (dirflags & 1) || trailing_slash(path), &pfd, name);
            dot = e == WASI_EINVAL; /* a link to "." or "..": a directory, checked below */
            if (e && !dot)
                return e;
        }
        if (dot && (oflags & (1 | 8)))
            return WASI_EISDIR; /* the host's answer for CREAT or TRUNC on a directory */
        if (!dot) {
            if (sandbox__dir_read_only(c, pfd))
                ro = true; /* (the entry being a grant root is checked once open) */
            if (ro && (oflags & (1 | 8))) {
                close(pfd);
                return WASI_ENOTCAPABLE;
            }
            if (trailing_slash(path) && (oflags & 1)) {
                close(pfd);
                return WASI_EISDIR; /* "name/" can only be an existing directory */
            }
        }
    }
    if (ro) {
        rights &= ~RIGHTS_WRITE;
        rights_inh &= ~RIGHTS_WRITE;
    }
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
    if ((want_dir && pfd >= 0) || dot)
        flags |= O_DIRECTORY; /* a directory is what "name/", "." and ".." name */
    if (oflags & 1)
        flags |= O_CREAT;
    if (oflags & 4)
        flags |= O_EXCL;
    if (oflags & 8)
        flags |= O_TRUNC; /* Linux truncates with O_RDONLY too (write permission checked) */
    if (!(dirflags & 1) || pfd >= 0)
        flags |= O_NOFOLLOW; /* with pfd, locate has followed the links already */
    if (fdflags & 0x1)
        flags |= O_APPEND;
    if (fdflags & 0x2)
        flags |= O_DSYNC;
    if (fdflags & 0x18)
        flags |= O_SYNC;
    int hfd = -1;
    errno = 0;
    if (pfd >= 0) {
        hfd = openat(pfd, name, flags | O_CLOEXEC, (flags & O_CREAT) ? 0666 : 0);
        e = hfd < 0 ? sandbox__wasi_errno(errno) : 0;
        close(pfd);
        if (e)
            return e;
    } else {
        /* mode only with O_CREAT: util treats O_DIRECTORY as part of O_TMPFILE */
        bx_err err = bx_open_beneath(parent_host, path, flags, (flags & O_CREAT) ? 0666 : 0, &hfd);
        if (err)
            return resolve_errno(err);
    }
    struct stat st;
    if (fstat(hfd, &st) < 0) {
        e = sandbox__wasi_errno(errno);
        close(hfd);
        return e;
    }
    if (c->ro_nested && !ro && S_ISDIR(st.st_mode) &&
        (dot ? sandbox__dir_read_only(c, hfd) : sandbox__is_ro_root(c, hfd, ""))) {
        /* a read-only grant's root, or "." / ".." in its tree: opening a
         * directory has no effect, its fd is read-only from here on */
        ro = true;
        rights &= ~RIGHTS_WRITE;
        rights_inh &= ~RIGHTS_WRITE;
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
    if ((e = guard(c, pfd, name, false))) {
        close(pfd);
        return e;
    }
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
    if ((e = guard(c, pfd, name, true))) {
        close(pfd);
        return e;
    }
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
    if ((e = guard(c, pfd, name, false))) {
        /* refused */
    } else if (trailing_slash(path)) {
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
    /* Following or not, act on one (parent, name) pair: locate follows the
     * last component's links itself. */
    int pfd;
    e = last_is_dot(path) ? WASI_EINVAL : locate(d, path, A32(1) & 1, &pfd, name);
    if (e == WASI_EINVAL) {
        /* ".", "..", or a link to one: a directory, set through its own fd */
        int hfd;
        errno = 0;
        bx_err err = bx_open_beneath(d->host, path, O_RDONLY | O_DIRECTORY | O_NONBLOCK, 0, &hfd);
        if (err)
            return resolve_errno(err);
        e = sandbox__dir_read_only(c, hfd) ? WASI_ENOTCAPABLE
            : futimens(hfd, ts) < 0         ? sandbox__wasi_errno(errno)
                                            : 0;
        close(hfd);
        return e;
    }
    if (e)
        return e;
    if ((e = guard(c, pfd, name, true))) {
        close(pfd);
        return e;
    }
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
    if (!e && !(e = guard(c, op, oname, false)))
        e = guard(c, np, nname, false);
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
    if (!e && !(e = guard(c, op, oname, true)))
        e = guard(c, np, nname, true);
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
    if ((e = guard(c, pfd, name, false)))
        ; /* refused */
    else if (trailing_slash(path))
        e = slash_new_errno(pfd, name); /* a symlink is never a directory */
    else
        e = symlinkat(target, pfd, name) < 0 ? sandbox__wasi_errno(errno) : 0;
    close(pfd);
    return e;
}
