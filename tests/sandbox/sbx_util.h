/* sbx_util.h: helpers the sandbox tests share (header-only, static):
 * temporary trees, small file I/O, loading the guests built into
 * $BX_BINARY_DIR/guests, and a one-call run with captured output. */
#ifndef BX_TESTS_SBX_UTIL_H
#define BX_TESTS_SBX_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/sandbox.h"

static inline char *sbx_guest_path(const char *name)
{
    const char *bin = getenv("BX_BINARY_DIR");
    return bx_sprintf("%s/guests/%s.wasm", bin ? bin : ".", name);
}

static inline sandbox_module *sbx_load(const char *name)
{
    char *path = sbx_guest_path(name);
    bx_buf b;
    bx_buf_init(&b, 64u << 20);
    sandbox_module *m = NULL;
    bx_error d;
    bx_error_clear(&d);
    if (bx_read_file(path, 64u << 20, &b) == BX_OK)
        sandbox_module_load(b.data, b.len, &d, &m);
    if (!m)
        fprintf(stderr, "cannot load %s: %s\n", path, d.message);
    bx_buf_release(&b);
    bx_free(path);
    return m;
}

/* mkdtemp under /tmp; returns an owned path. */
static inline char *sbx_tmpdir(void)
{
    char tmpl[] = "/tmp/bx-sbx-XXXXXX";
    if (!mkdtemp(tmpl))
        return NULL;
    return bx_strdup(tmpl);
}

static inline void sbx_rmrf(const char *dir)
{
    if (!dir || strncmp(dir, "/tmp/bx-sbx-", 12) != 0)
        return;
    char *cmd = bx_sprintf("rm -rf '%s'", dir);
    int rc = system(cmd);
    (void)rc;
    bx_free(cmd);
}

static inline void sbx_write(const char *dir, const char *rel, const char *text)
{
    char *p = bx_sprintf("%s/%s", dir, rel);
    FILE *f = fopen(p, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    bx_free(p);
}

/* Whole file as a string (owned), or NULL. */
static inline char *sbx_read(const char *dir, const char *rel)
{
    char *p = rel ? bx_sprintf("%s/%s", dir, rel) : bx_strdup(dir);
    bx_buf b;
    bx_buf_init(&b, 1u << 24);
    char *out = NULL;
    if (bx_read_file(p, 1u << 24, &b) == BX_OK)
        out = bx_buf_detach(&b, NULL);
    bx_buf_release(&b);
    bx_free(p);
    return out;
}

static inline bool sbx_exists(const char *dir, const char *rel)
{
    char *p = bx_sprintf("%s/%s", dir, rel);
    struct stat st;
    bool ok = lstat(p, &st) == 0;
    bx_free(p);
    return ok;
}

#endif
