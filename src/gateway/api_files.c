/* api_files.c: the Files API over W/root (or --root).
 *
 * Every path is a guest-style path ("/" = the root tree) resolved with the
 * one resolver in util (openat2 RESOLVE_BENEATH), so `..`, absolute symlinks
 * and symlinks pointing out fail with 403 outside_root. Changes act on the
 * last component with the *at calls from a parent opened the same way, so a
 * symlink is renamed or deleted itself, never followed. Writes are atomic
 * (temp file + fsync + renameat). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gateway/gateway_int.h"

#define READ_TEXT_MAX (8u << 20)
#define TREE_DEPTH_MAX 64
#define LIST_MAX 10000

static int root_fd(gateway *gw)
{
    return open(workspace_root(gw->ws), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static enum MHD_Result fs_error(gateway_req *req, bx_err err, const char *path)
{
    bx_error e;
    if (err == BX_NOTCAPABLE)
        bx_error_set(&e, err, -1, "%s: outside the root tree", path);
    else
        bx_error_set(&e, err, -1, "%s: %s", path, errno ? strerror(errno) : bx_err_str(err));
    return gateway__send_bx_error(req, err, &e);
}

static const char *type_name(mode_t m)
{
    return S_ISREG(m) ? "file" : S_ISDIR(m) ? "dir" : S_ISLNK(m) ? "symlink" : "other";
}

static int entry_cmp(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int dx = strcmp(jx_str(x, "type", ""), "dir") == 0;
    int dy = strcmp(jx_str(y, "type", ""), "dir") == 0;
    if (dx != dy)
        return dy - dx;
    return strcmp(jx_str(x, "name", ""), jx_str(y, "name", ""));
}

static enum MHD_Result list_dir(gateway_req *req)
{
    const char *path = gateway__query(req, "path");
    if (!path)
        path = "/";
    int rfd = root_fd(req->gw);
    if (rfd < 0)
        return fs_error(req, bx_err_from_errno(errno), "/");
    int dfd;
    errno = 0;
    bx_err err = bx_open_beneath(rfd, path, O_RDONLY | O_DIRECTORY, 0, &dfd);
    close(rfd);
    if (err)
        return fs_error(req, err, path);
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return fs_error(req, BX_IO, path);
    }
    bx_vec entries;
    bx_vec_init(&entries, sizeof(json_t *));
    struct dirent *de;
    bool truncated = false;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (entries.len >= LIST_MAX) {
            truncated = true;
            break;
        }
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        json_t *e = json_pack("{s:s,s:s,s:I,s:I}", "name", de->d_name, "type",
                              type_name(st.st_mode), "size", (json_int_t)st.st_size, "mtime_ms",
                              (json_int_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000);
        if (e)
            bx_vec_push(&entries, &e);
    }
    closedir(d);
    if (entries.len > 1)
        qsort(entries.data, entries.len, sizeof(json_t *), entry_cmp);
    json_t *arr = json_array();
    for (size_t i = 0; i < entries.len; i++)
        json_array_append_new(arr, BX_VEC_AT(&entries, json_t *, i));
    bx_vec_release(&entries);
    return gateway__send_json(
        req, MHD_HTTP_OK,
        json_pack("{s:s,s:o,s:b}", "path", path, "entries", arr, "truncated", truncated));
}

/* Opens a regular file beneath the root for reading. */
static bx_err open_file(gateway_req *req, const char *path, int *out_fd, struct stat *st)
{
    int rfd = root_fd(req->gw);
    if (rfd < 0)
        return bx_err_from_errno(errno);
    bx_err err = bx_open_beneath(rfd, path, O_RDONLY | O_NOFOLLOW, 0, out_fd);
    close(rfd);
    if (err)
        return err;
    if (fstat(*out_fd, st) != 0 || !S_ISREG(st->st_mode)) {
        close(*out_fd);
        errno = EISDIR;
        return BX_INVALID;
    }
    return BX_OK;
}

static bool valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (!len || i + len > n || c == 0)
            return false;
        for (size_t k = 1; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
        if (len == 2 && c < 0xC2)
            return false;
        if (len == 3 && ((c == 0xE0 && s[i + 1] < 0xA0) || (c == 0xED && s[i + 1] >= 0xA0)))
            return false;
        if (len == 4 &&
            ((c == 0xF0 && s[i + 1] < 0x90) || c > 0xF4 || (c == 0xF4 && s[i + 1] >= 0x90)))
            return false;
        i += len;
    }
    return true;
}

static enum MHD_Result read_content(gateway_req *req)
{
    const char *path = gateway__query(req, "path");
    if (!path)
        return gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_request",
                                   "path is required");
    int fd;
    struct stat st;
    errno = 0;
    bx_err err = open_file(req, path, &fd, &st);
    if (err)
        return fs_error(req, err, path);
    if ((size_t)st.st_size > READ_TEXT_MAX) {
        close(fd);
        return gateway__send_json(req, MHD_HTTP_OK,
                                  json_pack("{s:s,s:I,s:b,s:b}", "path", path, "size",
                                            (json_int_t)st.st_size, "binary", 0, "too_large", 1));
    }
    bx_buf b;
    bx_buf_init(&b, READ_TEXT_MAX);
    char chunk[65536];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0)
        if (bx_buf_append(&b, chunk, (size_t)n) != BX_OK)
            break;
    close(fd);
    bool text = valid_utf8((const unsigned char *)b.data, b.len);
    json_t *body =
        json_pack("{s:s,s:I,s:b,s:I}", "path", path, "size", (json_int_t)b.len, "binary", !text,
                  "mtime_ms", (json_int_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000);
    if (text)
        json_object_set_new(body, "content", json_stringn(b.data, b.len));
    bx_buf_release(&b);
    return gateway__send_json(req, MHD_HTTP_OK, body);
}

static enum MHD_Result download(gateway_req *req)
{
    const char *path = gateway__query(req, "path");
    if (!path)
        return gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_request",
                                   "path is required");
    int fd;
    struct stat st;
    errno = 0;
    bx_err err = open_file(req, path, &fd, &st);
    if (err)
        return fs_error(req, err, path);
    struct MHD_Response *resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
    if (!resp) {
        close(fd);
        return MHD_NO;
    }
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char disp[512];
    /* Keep the header well-formed whatever the name holds. */
    char safe[256];
    size_t k = 0;
    for (const char *c = base; *c && k < sizeof safe - 1; c++)
        safe[k++] = (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20) ? '_' : *c;
    safe[k] = '\0';
    snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", safe);
    MHD_add_response_header(resp, "Content-Type", "application/octet-stream");
    MHD_add_response_header(resp, "Content-Disposition", disp);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    enum MHD_Result r = MHD_queue_response(req->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    req->responded = true;
    return r;
}

/* mkdir -p beneath the root; returns an fd of the final directory. Each
 * prefix is resolved from the root, so a symlink to a directory inside the
 * tree is followed and one pointing out is refused (BX_NOTCAPABLE). */
static bx_err mkdirs_beneath(int rfd, const char *path, int *out_fd)
{
    int cur = fcntl(rfd, F_DUPFD_CLOEXEC, 0);
    if (cur < 0)
        return bx_err_from_errno(errno);
    bx_buf prefix;
    bx_buf_init(&prefix, 4096);
    bx_err err = BX_OK;
    const char *p = path;
    int depth = 0;
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
        if (++depth > TREE_DEPTH_MAX || n > 255 || (n == 2 && s[0] == '.' && s[1] == '.')) {
            err = n == 2 ? BX_NOTCAPABLE : BX_TOOBIG;
            break;
        }
        if ((prefix.len && (err = bx_buf_putc(&prefix, '/'))) ||
            (err = bx_buf_append(&prefix, s, n)))
            break;
        char name[256];
        memcpy(name, s, n);
        name[n] = '\0';
        if (mkdirat(cur, name, 0755) != 0 && errno != EEXIST) {
            err = bx_err_from_errno(errno);
            break;
        }
        int next;
        if ((err = bx_open_beneath(rfd, prefix.data, O_RDONLY | O_DIRECTORY, 0, &next)))
            break;
        close(cur);
        cur = next;
    }
    bx_buf_release(&prefix);
    if (err) {
        close(cur);
        return err;
    }
    *out_fd = cur;
    return BX_OK;
}

/* Writes data to path atomically, creating parent directories. */
static bx_err write_beneath(gateway *gw, const char *path, const void *data, size_t len)
{
    int rfd = root_fd(gw);
    if (rfd < 0)
        return bx_err_from_errno(errno);
    char name[256];
    const char *slash = strrchr(path, '/');
    bx_err err;
    int pfd = -1;
    if (slash && slash != path) {
        char *parent = bx_strndup(path, (size_t)(slash - path));
        err = mkdirs_beneath(rfd, parent, &pfd);
        bx_free(parent);
    } else {
        pfd = fcntl(rfd, F_DUPFD_CLOEXEC, 0);
        err = pfd < 0 ? bx_err_from_errno(errno) : BX_OK;
    }
    close(rfd);
    if (err)
        return err;
    const char *last = slash ? slash + 1 : path;
    if (!*last || strlen(last) >= sizeof name || !strcmp(last, ".") || !strcmp(last, "..")) {
        close(pfd);
        return BX_INVALID;
    }
    snprintf(name, sizeof name, "%s", last);
    struct stat st;
    if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) {
        close(pfd);
        errno = EISDIR;
        return BX_INVALID; /* never write through a symlink or over a directory */
    }
    char tmp[64];
    snprintf(tmp, sizeof tmp, ".bx-upload-%016llx", (unsigned long long)bx_random_u64());
    int fd = openat(pfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        err = bx_err_from_errno(errno);
        close(pfd);
        return err;
    }
    const char *p = data;
    size_t left = len;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            err = bx_err_from_errno(errno);
            break;
        }
        p += w;
        left -= (size_t)w;
    }
    if (!err && fsync(fd) != 0)
        err = bx_err_from_errno(errno);
    close(fd);
    if (!err && renameat(pfd, tmp, pfd, name) != 0)
        err = bx_err_from_errno(errno);
    if (err)
        unlinkat(pfd, tmp, 0);
    close(pfd);
    return err;
}

static enum MHD_Result write_content(gateway_req *req)
{
    enum MHD_Result r;
    json_t *body = gateway__body_object(req, &r);
    if (!body)
        return r;
    const char *path = jx_str(body, "path", NULL);
    json_t *content = json_object_get(body, "content");
    if (!path || !json_is_string(content)) {
        json_decref(body);
        return gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_request",
                                   "path and content (strings) are required");
    }
    errno = 0;
    bx_err err =
        write_beneath(req->gw, path, json_string_value(content), json_string_length(content));
    if (err)
        r = fs_error(req, err, path);
    else
        r = gateway__send_json(
            req, MHD_HTTP_OK,
            json_pack("{s:s,s:I}", "path", path, "bytes", (json_int_t)json_string_length(content)));
    json_decref(body);
    return r;
}

static enum MHD_Result upload(gateway_req *req)
{
    const char *path = gateway__query(req, "path");
    if (!path)
        return gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_request",
                                   "path is required");
    errno = 0;
    bx_err err = write_beneath(req->gw, path, req->body.data, req->body.len);
    if (err)
        return fs_error(req, err, path);
    return gateway__send_json(
        req, MHD_HTTP_CREATED,
        json_pack("{s:s,s:I}", "path", path, "bytes", (json_int_t)req->body.len));
}

static enum MHD_Result make_dir(gateway_req *req)
{
    enum MHD_Result r;
    json_t *body = gateway__body_object(req, &r);
    if (!body)
        return r;
    const char *path = jx_str(body, "path", NULL);
    if (!path) {
        json_decref(body);
        return gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_request",
                                   "path is required");
    }
    int rfd = root_fd(req->gw), dfd = -1;
    errno = 0;
    bx_err err = rfd < 0 ? bx_err_from_errno(errno) : mkdirs_beneath(rfd, path, &dfd);
    if (rfd >= 0)
        close(rfd);
    if (dfd >= 0)
        close(dfd);
    r = err ? fs_error(req, err, path)
            : gateway__send_json(req, MHD_HTTP_CREATED, json_pack("{s:s}", "path", path));
    json_decref(body);
    return r;
}

/* Removes name in dirfd; directories recursively when recursive. Symlinks
 * are removed as links. */
static bx_err remove_at(int parent, const char *name, bool recursive, int depth)
{
    struct stat st;
    if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return bx_err_from_errno(errno);
    if (!S_ISDIR(st.st_mode))
        return unlinkat(parent, name, 0) == 0 ? BX_OK : bx_err_from_errno(errno);
    if (unlinkat(parent, name, AT_REMOVEDIR) == 0)
        return BX_OK;
    if (errno != ENOTEMPTY && errno != EEXIST)
        return bx_err_from_errno(errno);
    if (!recursive)
        return BX_EXISTS;
    if (depth > TREE_DEPTH_MAX)
        return BX_TOOBIG;
    int sub = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0)
        return bx_err_from_errno(errno);
    DIR *d = fdopendir(sub);
    if (!d) {
        close(sub);
        return BX_IO;
    }
    bx_err err = BX_OK;
    struct dirent *de;
    while (!err && (de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        err = remove_at(dirfd(d), de->d_name, true, depth + 1);
        if (!err)
            rewinddir(d);
    }
    closedir(d);
    if (!err && unlinkat(parent, name, AT_REMOVEDIR) != 0)
        err = bx_err_from_errno(errno);
    return err;
}

static enum MHD_Result delete_path(gateway_req *req)
{
    const char *path = gateway__query(req, "path");
    const char *rec = gateway__query(req, "recursive");
    if (!path)
        return gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_request",
                                   "path is required");
    int rfd = root_fd(req->gw);
    if (rfd < 0)
        return fs_error(req, bx_err_from_errno(errno), path);
    int pfd;
    char name[256];
    errno = 0;
    bx_err err = bx_open_parent_beneath(rfd, path, &pfd, name, sizeof name);
    close(rfd);
    if (err == BX_INVALID)
        return gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_request",
                                   "%s cannot be deleted", path);
    if (err)
        return fs_error(req, err, path);
    errno = 0;
    err = remove_at(pfd, name, rec && (!strcmp(rec, "1") || !strcmp(rec, "true")), 0);
    close(pfd);
    if (err == BX_EXISTS)
        return gateway__send_error(req, MHD_HTTP_CONFLICT, "not_empty",
                                   "%s is a non-empty directory; pass recursive=1", path);
    if (err)
        return fs_error(req, err, path);
    return gateway__send_json(req, MHD_HTTP_OK, json_pack("{s:s,s:b}", "path", path, "deleted", 1));
}

/* Copies a file or a tree from (sdir, sname) to (ddir, dname). */
static bx_err copy_at(int sdir, const char *sname, int ddir, const char *dname, int depth)
{
    struct stat st;
    if (depth > TREE_DEPTH_MAX)
        return BX_TOOBIG;
    if (fstatat(sdir, sname, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return bx_err_from_errno(errno);
    if (S_ISLNK(st.st_mode)) {
        char target[4096];
        ssize_t n = readlinkat(sdir, sname, target, sizeof target - 1);
        if (n < 0)
            return bx_err_from_errno(errno);
        target[n] = '\0';
        return symlinkat(target, ddir, dname) == 0 ? BX_OK : bx_err_from_errno(errno);
    }
    if (S_ISDIR(st.st_mode)) {
        if (mkdirat(ddir, dname, st.st_mode & 0777) != 0)
            return bx_err_from_errno(errno);
        int s = openat(sdir, sname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int d = openat(ddir, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        bx_err err = (s < 0 || d < 0) ? bx_err_from_errno(errno) : BX_OK;
        DIR *dir = err ? NULL : fdopendir(s);
        if (dir) {
            s = -1;
            struct dirent *de;
            while (!err && (de = readdir(dir)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                    err = copy_at(dirfd(dir), de->d_name, d, de->d_name, depth + 1);
            closedir(dir);
        }
        if (s >= 0)
            close(s);
        if (d >= 0)
            close(d);
        return err;
    }
    if (!S_ISREG(st.st_mode))
        return BX_UNSUPPORTED;
    int in = openat(sdir, sname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (in < 0)
        return bx_err_from_errno(errno);
    int out = openat(ddir, dname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                     st.st_mode & 0777);
    if (out < 0) {
        bx_err err = bx_err_from_errno(errno);
        close(in);
        return err;
    }
    bx_err err = BX_OK;
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0) {
        if (write(out, buf, (size_t)n) != n) {
            err = BX_IO;
            break;
        }
    }
    if (n < 0)
        err = BX_IO;
    close(in);
    close(out);
    return err;
}

/* move (rename) and copy share argument handling: {from, to}. */
static enum MHD_Result move_or_copy(gateway_req *req, bool copy)
{
    enum MHD_Result r;
    json_t *body = gateway__body_object(req, &r);
    if (!body)
        return r;
    const char *from = jx_str(body, "from", NULL), *to = jx_str(body, "to", NULL);
    if (!from || !to) {
        json_decref(body);
        return gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_request",
                                   "from and to are required");
    }
    int rfd = root_fd(req->gw), sp = -1, dp = -1;
    char sname[256], dname[256];
    errno = 0;
    bx_err err = rfd < 0 ? BX_IO : bx_open_parent_beneath(rfd, from, &sp, sname, sizeof sname);
    const char *bad = from;
    if (!err) {
        bad = to;
        err = bx_open_parent_beneath(rfd, to, &dp, dname, sizeof dname);
    }
    if (!err) {
        struct stat st;
        if (fstatat(dp, dname, &st, AT_SYMLINK_NOFOLLOW) == 0) {
            err = BX_EXISTS;
            errno = EEXIST;
        } else if (copy) {
            bad = from;
            err = copy_at(sp, sname, dp, dname, 0);
        } else if (renameat(sp, sname, dp, dname) != 0) {
            bad = from;
            err = bx_err_from_errno(errno);
        }
    }
    if (rfd >= 0)
        close(rfd);
    if (sp >= 0)
        close(sp);
    if (dp >= 0)
        close(dp);
    if (err == BX_EXISTS)
        r = gateway__send_error(req, MHD_HTTP_CONFLICT, "conflict", "%s already exists", to);
    else if (err)
        r = fs_error(req, err, bad);
    else
        r = gateway__send_json(req, copy ? MHD_HTTP_CREATED : MHD_HTTP_OK,
                               json_pack("{s:s,s:s}", "from", from, "to", to));
    json_decref(body);
    return r;
}

static enum MHD_Result move_path(gateway_req *req)
{
    return move_or_copy(req, false);
}
static enum MHD_Result copy_path(gateway_req *req)
{
    return move_or_copy(req, true);
}

const gateway_route gateway__file_routes[] = {
    {"GET", "/api/files", list_dir, 0},
    {"DELETE", "/api/files", delete_path, 0},
    {"GET", "/api/files/content", read_content, 0},
    {"PUT", "/api/files/content", write_content, GATEWAY_UPLOAD},
    {"GET", "/api/files/download", download, 0},
    {"POST", "/api/files/upload", upload, GATEWAY_UPLOAD},
    {"POST", "/api/files/mkdir", make_dir, 0},
    {"POST", "/api/files/move", move_path, 0},
    {"POST", "/api/files/copy", copy_path, 0},
};
const size_t gateway__file_route_count = BX_ARRAY_LEN(gateway__file_routes);
