/* path.c: lexical path helpers and the resolver every host-side file access
 * by a guest or an API client goes through. Confinement is the kernel's
 * job: openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) refuses `..`,
 * absolute symlinks and magic links that would leave the directory, so no
 * race between a check and a use exists. EXDEV/ELOOP from it mean "escape". */
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

bx_err bx_path_normalize(const char *path, bx_buf *out)
{
    bool abs = path[0] == '/';
    size_t base = out->len;                /* where our output starts in out */
    size_t floor = base + (abs ? 1 : 0);   /* output never shrinks below this */
    size_t depth = 0;                      /* components that ".." may pop */
    bx_err err = BX_OK;
    if (abs && (err = bx_buf_putc(out, '/')))
        return err;
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *s = p;
        while (*p && *p != '/')
            p++;
        size_t n = (size_t)(p - s);
        if (n == 1 && s[0] == '.')
            continue;
        if (n == 2 && s[0] == '.' && s[1] == '.') {
            if (depth > 0) {
                size_t q = out->len;
                while (q > floor && out->data[q - 1] != '/')
                    q--;
                out->len = q > floor ? q - 1 : floor; /* drop "/name" or "name" */
                out->data[out->len] = '\0';
                depth--;
                continue;
            }
            if (abs)
                continue;                  /* "/.." is "/" */
            /* a relative path keeps its leading ".." (not poppable) */
        } else {
            depth++;
        }
        if (out->len > floor && (err = bx_buf_putc(out, '/')))
            return err;
        if ((err = bx_buf_append(out, s, n)))
            return err;
    }
    if (out->len == base && (err = bx_buf_putc(out, '.')))
        return err;
    return BX_OK;
}

bool bx_path_is_beneath(const char *root, const char *path)
{
    bx_buf r, p;
    bx_buf_init(&r, 1 << 16);
    bx_buf_init(&p, 1 << 16);
    bool ok = false;
    if (bx_path_normalize(root, &r) || bx_path_normalize(path, &p))
        goto out;
    if (strcmp(p.data, "..") == 0 || strncmp(p.data, "../", 3) == 0)
        goto out;
    if (strcmp(r.data, "/") == 0) {
        ok = p.data[0] == '/';
        goto out;
    }
    ok = strncmp(p.data, r.data, r.len) == 0 && (p.data[r.len] == '\0' || p.data[r.len] == '/');
out:
    bx_buf_release(&r);
    bx_buf_release(&p);
    return ok;
}

bx_err bx_path_join(const char *a, const char *b, bx_buf *out)
{
    size_t alen = strlen(a);
    while (alen > 1 && a[alen - 1] == '/')
        alen--;
    while (*b == '/')
        b++;
    bx_err err = bx_buf_append(out, a, alen);
    if (!err && alen && a[alen - 1] != '/' && *b)
        err = bx_buf_putc(out, '/');
    if (!err)
        err = bx_buf_puts(out, b);
    return err;
}

static const char *strip_root(const char *path)
{
    while (*path == '/')
        path++;
    return *path ? path : ".";
}

bx_err bx_open_beneath(int dirfd, const char *path, int flags, mode_t mode, int *out_fd)
{
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC),
        /* O_TMPFILE includes O_DIRECTORY's bit: test for all of it. */
        .mode = ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) ? mode : 0,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
    };
    long fd;
    do {
        fd = syscall(SYS_openat2, dirfd, strip_root(path), &how, sizeof how);
    } while (fd < 0 && (errno == EAGAIN || errno == EINTR));
    if (fd < 0) {
        if (errno == EXDEV)
            return BX_NOTCAPABLE;
        return bx_err_from_errno(errno) == BX_NOTCAPABLE ? BX_NOTCAPABLE
                                                         : bx_err_from_errno(errno);
    }
    *out_fd = (int)fd;
    return BX_OK;
}

bx_err bx_open_parent_beneath(int dirfd, const char *path, int *out_parent_fd, char *out_name,
                              size_t name_cap)
{
    const char *rel = strip_root(path);
    size_t len = strlen(rel);
    while (len > 1 && rel[len - 1] == '/')
        len--;
    size_t slash = len;
    while (slash > 0 && rel[slash - 1] != '/')
        slash--;
    size_t name_len = len - slash;
    if (name_len == 0 || name_len + 1 > name_cap)
        return name_len == 0 ? BX_INVALID : BX_TOOBIG;
    const char *name = rel + slash;
    if ((name_len == 1 && name[0] == '.') || (name_len == 2 && name[0] == '.' && name[1] == '.'))
        return BX_INVALID;
    memcpy(out_name, name, name_len);
    out_name[name_len] = '\0';
    if (slash == 0) {
        int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
        if (fd < 0)
            return bx_err_from_errno(errno);
        *out_parent_fd = fd;
        return BX_OK;
    }
    char *parent = bx_strndup(rel, slash);
    bx_err err = bx_open_beneath(dirfd, parent, O_RDONLY | O_DIRECTORY, 0, out_parent_fd);
    bx_free(parent);
    return err;
}
