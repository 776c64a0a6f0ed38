/* file.c: whole-file reads with a cap, atomic replacement and mkdir -p.
 * Atomic write = temp file in the same directory, fsync, rename, fsync of
 * the directory: a crash leaves either the old or the new file, never half. */
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bx_err bx_read_file(const char *path, size_t max, bx_buf *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return bx_err_from_errno(errno);
    bx_err err = BX_OK;
    size_t total = 0;
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            err = bx_err_from_errno(errno);
            break;
        }
        if (n == 0)
            break;
        total += (size_t)n;
        if (total > max) {
            err = BX_TOOBIG;
            break;
        }
        if ((err = bx_buf_append(out, chunk, (size_t)n)))
            break;
    }
    close(fd);
    return err;
}

static bx_err write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return bx_err_from_errno(errno);
        }
        p += n;
        len -= (size_t)n;
    }
    return BX_OK;
}

bx_err bx_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
    char *dir_copy = bx_strdup(path);
    const char *dir = dirname(dir_copy);
    char *tmp = bx_sprintf("%s.tmp.%d.%llx", path, (int)getpid(),
                           (unsigned long long)bx_random_u64());
    bx_err err = BX_OK;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        err = bx_err_from_errno(errno);
        goto out_free;
    }
    if (fchmod(fd, mode) != 0 || (err = write_all(fd, data, len)) != BX_OK || fsync(fd) != 0) {
        if (!err)
            err = bx_err_from_errno(errno);
        close(fd);
        unlink(tmp);
        goto out_free;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        err = bx_err_from_errno(errno);
        unlink(tmp);
        goto out_free;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
out_free:
    bx_free(tmp);
    bx_free(dir_copy);
    return err;
}

bx_err bx_mkdirs(const char *path, mode_t mode)
{
    bx_buf b;
    bx_buf_init(&b, 4096);
    bx_err err = bx_buf_puts(&b, path);
    if (err)
        goto out;
    for (char *p = b.data + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            if (mkdir(b.data, mode) != 0 && errno != EEXIST) {
                err = bx_err_from_errno(errno);
                goto out;
            }
            *p = saved;
            if (!saved)
                break;
        }
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        err = BX_INVALID;
out:
    bx_buf_release(&b);
    return err;
}
