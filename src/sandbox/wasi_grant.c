/* wasi_grant.c: which grant a directory belongs to, so that a read-only
 * preopen nested inside a read-write one stays read-only through the outer
 * one as well.
 *
 * Each preopen is a grant: the (device, inode) of its host directory and
 * its mode. A directory belongs to the deepest grant whose root is the
 * directory itself or one of its ancestors on the host; we find it by
 * walking `..` up from the directory (fstatat of "..", "../..", ...) until
 * a grant root is met. When the same directory is granted twice, read-only wins.
 * The walk runs only when some read-only grant lies at or below a
 * read-write one (c->ro_nested, decided once when the preopens are made);
 * otherwise every check here is skipped and a read-only grant is already
 * unreachable except through its own read-only fd. Walking by inode, not by
 * path, keeps the answer right when the guest renames an ancestor. */
#include "sandbox/wasi_int.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

/* The "../../.." path that reaches the top: 1,365 levels, deeper is
 * refused (fail closed). */
#define GRANT_MAX_PATH 4095

/* -1: no grant has this root; else 1 when a read-only grant has it, 0 when
 * only read-write ones do. */
static int grant_of(const sandbox__ctx *c, const struct stat *st, bool ro_only)
{
    int g = -1;
    for (size_t i = 0; i < c->n_grants; i++) {
        const sandbox__grant *r = &c->grants[i];
        if (r->ino != st->st_ino || r->dev != st->st_dev || (ro_only && !r->read_only))
            continue;
        if (r->read_only)
            return 1;
        g = 0;
    }
    return g;
}

bx_err sandbox__grant_add(sandbox__ctx *c, int host_fd, bool read_only)
{
    struct stat st;
    if (fstat(host_fd, &st) < 0)
        return bx_err_from_errno(errno);
    c->grants = bx_realloc(c->grants, (c->n_grants + 1) * sizeof *c->grants);
    c->grants[c->n_grants++] = (sandbox__grant){st.st_dev, st.st_ino, read_only};
    return BX_OK;
}

/* Walks up from dfd (inclusive): one fstatat of "..", "../..", ... per
 * level (".." is never a symlink, and crosses mounts as the kernel does).
 * stop(c, st) >= 0 ends the walk with that answer; the file-system root
 * without a match answers `none`; an error or a walk deeper than the path
 * buffer allows answers `fail`. */
static int walk_up(const sandbox__ctx *c, int dfd, int (*stop)(const sandbox__ctx *, const struct stat *),
                   int none, int fail)
{
    char up[GRANT_MAX_PATH + 1];
    size_t len = 0;
    struct stat st, prev;
    if (fstat(dfd, &st) < 0)
        return fail;
    for (;;) {
        int g = stop(c, &st);
        if (g >= 0)
            return g;
        if (len + 3 > GRANT_MAX_PATH)
            return fail;
        if (len)
            up[len++] = '/';
        up[len++] = '.', up[len++] = '.', up[len] = '\0';
        prev = st;
        if (fstatat(dfd, up, &st, AT_SYMLINK_NOFOLLOW) < 0)
            return fail;
        if (st.st_dev == prev.st_dev && st.st_ino == prev.st_ino)
            return none; /* "/" is its own parent */
    }
}

static int deepest_grant(const sandbox__ctx *c, const struct stat *st)
{
    return grant_of(c, st, false);
}

static int rw_grant(const sandbox__ctx *c, const struct stat *st)
{
    for (size_t i = 0; i < c->n_grants; i++)
        if (!c->grants[i].read_only && c->grants[i].ino == st->st_ino &&
            c->grants[i].dev == st->st_dev)
            return 1;
    return -1;
}

void sandbox__grants_finish(sandbox__ctx *c)
{
    c->ro_nested = false;
    bool any_rw = false;
    for (size_t i = 0; i < c->n_grants; i++)
        any_rw |= !c->grants[i].read_only;
    if (!any_rw)
        return;
    for (size_t i = 0; i < c->n_fds && !c->ro_nested; i++) {
        const sandbox__fd *f = &c->fds[i];
        if (f->preopen && f->read_only)
            /* a read-write grant at or above it; unknown counts as nested */
            c->ro_nested = walk_up(c, f->host, rw_grant, 0, 1) != 0;
    }
}

bool sandbox__dir_read_only(const sandbox__ctx *c, int dfd)
{
    if (!c->ro_nested)
        return false;
    /* every directory a guest reaches lies beneath a grant root; an error
     * or an absurd depth fails closed */
    return walk_up(c, dfd, deepest_grant, 0, 1) != 0;
}

bool sandbox__is_ro_root(const sandbox__ctx *c, int pfd, const char *name)
{
    struct stat st;
    int r = *name ? fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) : fstat(pfd, &st);
    if (!c->ro_nested || r < 0 || !S_ISDIR(st.st_mode))
        return false;
    return grant_of(c, &st, true) == 1;
}
