/* Unit tests for src/util. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "util/util.h"

TEST(err_names_and_messages)
{
    CHECK_EQ_STR(bx_err_name(BX_OK), "OK");
    CHECK_EQ_STR(bx_err_name(BX_TOOBIG), "TOOBIG");
    CHECK_EQ_STR(bx_err_str(BX_NOMEM), "out of memory");
    CHECK_EQ_STR(bx_err_name((bx_err)9999), "UNKNOWN");
    CHECK(bx_err_from_errno(ENOENT) == BX_NOTFOUND);
    CHECK(bx_err_from_errno(EXDEV) == BX_NOTCAPABLE);
    bx_error e;
    CHECK(bx_error_set(&e, BX_PARSE, 7, "bad %s", "thing") == BX_PARSE);
    CHECK_EQ_STR(e.message, "bad thing");
    CHECK_EQ_INT(e.position, 7);
    CHECK(bx_error_set(NULL, BX_IO, 0, "x") == BX_IO);
}

TEST(buf_cap_is_hard)
{
    bx_buf b;
    bx_buf_init(&b, 10);
    CHECK(b.data != NULL && b.data[0] == '\0');
    CHECK(bx_buf_puts(&b, "hello") == BX_OK);
    CHECK(bx_buf_puts(&b, "world") == BX_OK);
    CHECK_EQ_INT(b.len, 10);
    CHECK(bx_buf_putc(&b, '!') == BX_TOOBIG);
    CHECK_EQ_STR(b.data, "helloworld"); /* unchanged by the failed append */
    bx_buf_consume(&b, 5);
    CHECK_EQ_STR(b.data, "world");
    CHECK(bx_buf_printf(&b, "%d", 12345) == BX_OK);
    CHECK_EQ_STR(b.data, "world12345");
    CHECK(bx_buf_printf(&b, "%d", 1) == BX_TOOBIG);
    size_t n;
    char *p = bx_buf_detach(&b, &n);
    CHECK_EQ_INT(n, 10);
    CHECK_EQ_STR(p, "world12345");
    CHECK(b.len == 0 && b.data[0] == '\0');
    bx_free(p);
    bx_buf_release(&b);
}

TEST(slices)
{
    bx_slice s = bx_slice_trim(bx_slice_from("  abc \n"));
    CHECK_EQ_INT(s.len, 3);
    CHECK(bx_slice_eq_cstr(s, "abc"));
    CHECK(bx_slice_starts_with(s, "ab"));
    CHECK(!bx_slice_starts_with(s, "abcd"));
}

TEST(vec)
{
    bx_vec v;
    bx_vec_init(&v, sizeof(int));
    for (int i = 0; i < 100; i++)
        bx_vec_push(&v, &i);
    CHECK_EQ_INT(v.len, 100);
    CHECK_EQ_INT(BX_VEC_AT(&v, int, 42), 42);
    bx_vec_remove(&v, 0);
    CHECK_EQ_INT(BX_VEC_AT(&v, int, 0), 1);
    int last;
    bx_vec_pop(&v, &last);
    CHECK_EQ_INT(last, 99);
    CHECK(bx_vec_at(&v, 98) == NULL);
    bx_vec_release(&v);
}

TEST(map)
{
    bx_map m;
    bx_map_init(&m);
    char key[32];
    for (long i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "k%ld", i);
        bx_map_puts(&m, key, (void *)(i + 1), NULL);
    }
    CHECK_EQ_INT(m.len, 1000);
    CHECK(bx_map_gets(&m, "k500") == (void *)501);
    CHECK(bx_map_gets(&m, "nope") == NULL);
    void *old;
    bx_map_puts(&m, "k1", (void *)7, &old);
    CHECK(old == (void *)2);
    for (long i = 0; i < 1000; i += 2) {
        snprintf(key, sizeof key, "k%ld", i);
        CHECK(bx_map_del(&m, key, strlen(key)) != NULL);
    }
    CHECK_EQ_INT(m.len, 500);
    CHECK(bx_map_gets(&m, "k0") == NULL);
    CHECK(bx_map_gets(&m, "k999") == (void *)1000);
    /* keys with embedded NUL are distinct */
    bx_map_put(&m, "a\0b", 3, (void *)1, NULL);
    bx_map_put(&m, "a\0c", 3, (void *)2, NULL);
    CHECK(bx_map_get(&m, "a\0b", 3) == (void *)1);
    CHECK(bx_map_get(&m, "a\0c", 3) == (void *)2);
    size_t it = 0, seen = 0;
    bx_map_entry *e;
    while (bx_map_next(&m, &it, &e))
        seen++;
    CHECK_EQ_INT(seen, 502);
    bx_map_release(&m);
}

TEST(arena)
{
    bx_arena a;
    bx_arena_init(&a, 64);
    char *s = bx_arena_strdup(&a, "hello");
    void *big = bx_arena_alloc(&a, 1000);
    CHECK(((uintptr_t)big & 15) == 0);
    CHECK_EQ_STR(s, "hello");
    CHECK(((char *)big)[999] == 0);
    bx_arena_reset(&a);
    CHECK_EQ_INT(a.used, 0);
    bx_arena_release(&a);
}

TEST(path_normalize)
{
    static const char *cases[][2] = {
        {"/a/b/../c", "/a/c"}, {"a//b/./c/", "a/b/c"}, {"/..", "/"},     {"../x", "../x"},
        {"a/../../x", "../x"}, {"", "."},             {"./", "."},       {"/", "/"},
        {"/a/..", "/"},        {"a/..", "."},         {"../a/..", ".."}, {"/x/y/../../z", "/z"},
    };
    for (size_t i = 0; i < BX_ARRAY_LEN(cases); i++) {
        bx_buf b;
        bx_buf_init(&b, 1024);
        CHECK(bx_path_normalize(cases[i][0], &b) == BX_OK);
        CHECK_EQ_STR(b.data, cases[i][1]);
        bx_buf_release(&b);
    }
    CHECK(bx_path_is_beneath("/w/root", "/w/root/a/b"));
    CHECK(bx_path_is_beneath("/w/root", "/w/root"));
    CHECK(!bx_path_is_beneath("/w/root", "/w/rootx"));
    CHECK(!bx_path_is_beneath("/w/root", "/w/root/../etc"));
    bx_buf j;
    bx_buf_init(&j, 100);
    bx_path_join("/a/", "/b", &j);
    CHECK_EQ_STR(j.data, "/a/b");
    bx_buf_release(&j);
}

/* Makes a scratch directory with a file, a subdir and escaping symlinks. */
static char *make_tree(void)
{
    char tmpl[] = "/tmp/bx-util-XXXXXX";
    char *dir = mkdtemp(tmpl);
    if (!dir)
        return NULL;
    char *root = bx_sprintf("%s", dir);
    char *p = bx_sprintf("%s/root", root);
    mkdir(p, 0755);
    bx_free(p);
    p = bx_sprintf("%s/root/sub", root);
    mkdir(p, 0755);
    bx_free(p);
    p = bx_sprintf("%s/secret", root);
    bx_write_file_atomic(p, "s", 1, 0600);
    bx_free(p);
    p = bx_sprintf("%s/root/ok.txt", root);
    bx_write_file_atomic(p, "ok", 2, 0644);
    bx_free(p);
    p = bx_sprintf("%s/root/abs", root);
    char *target = bx_sprintf("%s/secret", root);
    if (symlink(target, p) != 0)
        perror("symlink");
    bx_free(target);
    bx_free(p);
    p = bx_sprintf("%s/root/sub/rel", root);
    if (symlink("../../secret", p) != 0)
        perror("symlink");
    bx_free(p);
    p = bx_sprintf("%s/root/loop", root);
    if (symlink("loop", p) != 0)
        perror("symlink");
    bx_free(p);
    return root;
}

TEST(open_beneath_confines)
{
    char *tree = make_tree();
    REQUIRE(tree);
    char *rootp = bx_sprintf("%s/root", tree);
    int dfd = open(rootp, O_RDONLY | O_DIRECTORY);
    REQUIRE(dfd >= 0);
    int fd = -1;
    CHECK(bx_open_beneath(dfd, "ok.txt", O_RDONLY, 0, &fd) == BX_OK);
    if (fd >= 0)
        close(fd);
    CHECK(bx_open_beneath(dfd, "/ok.txt", O_RDONLY, 0, &fd) == BX_OK); /* guest-absolute */
    if (fd >= 0)
        close(fd);
    CHECK(bx_open_beneath(dfd, "../secret", O_RDONLY, 0, &fd) == BX_NOTCAPABLE);
    CHECK(bx_open_beneath(dfd, "sub/../../secret", O_RDONLY, 0, &fd) == BX_NOTCAPABLE);
    CHECK(bx_open_beneath(dfd, "abs", O_RDONLY, 0, &fd) == BX_NOTCAPABLE);
    CHECK(bx_open_beneath(dfd, "sub/rel", O_RDONLY, 0, &fd) == BX_NOTCAPABLE);
    CHECK(bx_open_beneath(dfd, "loop", O_RDONLY, 0, &fd) == BX_NOTCAPABLE);
    CHECK(bx_open_beneath(dfd, "missing", O_RDONLY, 0, &fd) == BX_NOTFOUND);
    /* a mode with O_DIRECTORY (no O_CREAT) is ignored, not an EINVAL */
    CHECK(bx_open_beneath(dfd, "sub", O_RDONLY | O_DIRECTORY, 0755, &fd) == BX_OK);
    if (fd >= 0)
        close(fd);
    /* positive control: the same symlink resolves outside without the resolver */
    char *abs = bx_sprintf("%s/root/abs", tree);
    int raw = open(abs, O_RDONLY);
    CHECK(raw >= 0);
    if (raw >= 0)
        close(raw);
    bx_free(abs);

    int pfd = -1;
    char name[256];
    CHECK(bx_open_parent_beneath(dfd, "sub/new.txt", &pfd, name, sizeof name) == BX_OK);
    CHECK_EQ_STR(name, "new.txt");
    if (pfd >= 0)
        close(pfd);
    CHECK(bx_open_parent_beneath(dfd, "top.txt", &pfd, name, sizeof name) == BX_OK);
    if (pfd >= 0)
        close(pfd);
    CHECK(bx_open_parent_beneath(dfd, "sub/..", &pfd, name, sizeof name) == BX_INVALID);
    CHECK(bx_open_parent_beneath(dfd, "../x/y", &pfd, name, sizeof name) == BX_NOTCAPABLE);
    close(dfd);
    char *cmd = bx_sprintf("rm -rf %s", tree);
    CHECK(system(cmd) == 0);
    bx_free(cmd);
    bx_free(rootp);
    bx_free(tree);
}

TEST(files_atomic_and_capped)
{
    char tmpl[] = "/tmp/bx-file-XXXXXX";
    REQUIRE(mkdtemp(tmpl));
    char *path = bx_sprintf("%s/f.json", tmpl);
    CHECK(bx_write_file_atomic(path, "first", 5, 0600) == BX_OK);
    CHECK(bx_write_file_atomic(path, "second", 6, 0600) == BX_OK);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    bx_buf b;
    bx_buf_init(&b, 100);
    CHECK(bx_read_file(path, 100, &b) == BX_OK);
    CHECK_EQ_STR(b.data, "second");
    bx_buf_reset(&b);
    CHECK(bx_read_file(path, 3, &b) == BX_TOOBIG);
    bx_buf_release(&b);
    char *deep = bx_sprintf("%s/a/b/c", tmpl);
    CHECK(bx_mkdirs(deep, 0755) == BX_OK);
    CHECK(bx_mkdirs(deep, 0755) == BX_OK);
    CHECK(bx_write_file_atomic("/nonexistent-dir/x", "x", 1, 0600) != BX_OK);
    char *cmd = bx_sprintf("rm -rf %s", tmpl);
    CHECK(system(cmd) == 0);
    bx_free(cmd);
    bx_free(deep);
    bx_free(path);
}

TEST(sha256_hex_uuid)
{
    char hex[65];
    bx_sha256_hex("abc", 3, hex);
    CHECK_EQ_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    bx_sha256_ctx c;
    bx_sha256_init(&c);
    bx_sha256_update(&c, "a", 1);
    bx_sha256_update(&c, "bc", 2);
    uint8_t d[32];
    bx_sha256_final(&c, d);
    char hex2[65];
    bx_hex(d, 32, hex2);
    CHECK_EQ_STR(hex2, hex);
    char u4[37], u7a[37], u7b[37];
    bx_uuid_v4(u4);
    CHECK_EQ_INT(strlen(u4), 36);
    CHECK(u4[14] == '4');
    CHECK(strchr("89ab", u4[19]) != NULL);
    bx_uuid_v7(u7a);
    usleep(2000);
    bx_uuid_v7(u7b);
    CHECK(u7a[14] == '7');
    CHECK(strcmp(u7a, u7b) < 0); /* time-ordered across milliseconds */
    char prev[37], cur[37];
    bx_uuid_v7(prev);
    for (int i = 0; i < 10000; i++) { /* and strictly increasing within one */
        bx_uuid_v7(cur);
        CHECK(strcmp(prev, cur) < 0);
        CHECK(cur[14] == '7' && strchr("89ab", cur[19]));
        memcpy(prev, cur, sizeof cur);
    }
    CHECK(bx_ct_equal("abc", "abc", 3));
    CHECK(!bx_ct_equal("abc", "abd", 3));
}

TEST(log_levels)
{
    bx_log_level l;
    CHECK(bx_log_level_parse("debug", &l) && l == BX_LOG_DEBUG);
    CHECK(!bx_log_level_parse("loud", &l));
    bx_log_set_level(BX_LOG_WARN);
    CHECK(!BX_LOG_ENABLED(BX_LOG_INFO));
    CHECK(BX_LOG_ENABLED(BX_LOG_ERROR));
    bx_log_set_level(BX_LOG_INFO);
}

TEST(time_format)
{
    char ts[32];
    bx_format_time(0, ts);
    CHECK_EQ_STR(ts, "1970-01-01T00:00:00.000Z");
    bx_format_time(1795734301123, ts);
    CHECK_EQ_STR(ts, "2026-11-26T23:05:01.123Z");
    uint64_t a = bx_mono_ns(), b = bx_mono_ns();
    CHECK(b >= a);
}

TEST(no_leaks_in_debug_builds)
{
    /* Runs last by registration order: every test above released its blocks. */
    CHECK_EQ_INT(bx_mem_live(), 0);
}

TEST_MAIN()
