/* test_wasm_tools: every embedded tool run through the tool layer and the
 * real sandbox: golden outputs, every error path, and hostile input (huge
 * files, deep trees, binary data, invalid UTF-8, regex bombs, paths that
 * try to leave the root, Unicode). Escapes are also tried natively first as
 * a positive control: they must work there, so the sandbox is what stops
 * them. */
#include "test.h"
#include "tools/tools.h"
#include "json/json.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static tools_registry *REG;
static char ROOT[256];
static tools_ctx CTX;

static void put(const char *rel, const void *data, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", ROOT, rel);
    char *slash = strrchr(path, '/');
    *slash = 0;
    bx_mkdirs(path, 0755);
    *slash = '/';
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) { perror(path); exit(1); }
    if (n && write(fd, data, n) != (ssize_t)n) { perror(path); exit(1); }
    close(fd);
    struct timeval tv[2] = {{1700000000, 0}, {1700000000, 0}};
    utimes(path, tv);
}

static void puts_file(const char *rel, const char *s) { put(rel, s, strlen(s)); }

static char *slurp(const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", ROOT, rel);
    bx_buf b;
    bx_buf_init(&b, 1 << 26);
    if (bx_read_file(path, 1 << 26, &b) != BX_OK) { bx_buf_release(&b); return NULL; }
    return bx_buf_detach(&b, NULL);
}

/* Runs a tool; returns the result (release it) and the execute code. */
static bx_err run(const char *tool, const char *json, tools_result *r)
{
    tools_result_init(r);
    tools_tool *t = tools_registry_get(REG, tool);
    if (!t) { tools_result_error(r, "no tool %s", tool); return BX_NOTFOUND; }
    json_t *in = jx_parse(json, strlen(json), 1 << 26, NULL);
    if (!in) { tools_tool_unref(t); tools_result_error(r, "bad test json"); return BX_PARSE; }
    bx_err e = tools_execute(t, in, &CTX, r);
    json_decref(in);
    tools_tool_unref(t);
    return e;
}

#define EXPECT_OK(r)                                                                  \
    do {                                                                              \
        if ((r).is_error) fprintf(stderr, "%s:%d: unexpected error: %s\n", __FILE__, __LINE__, (r).content); \
        CHECK(!(r).is_error);                                                         \
    } while (0)
#define EXPECT_ERR(r, substr)                                                         \
    do {                                                                              \
        CHECK((r).is_error);                                                          \
        if (!strstr((r).content, substr)) {                                           \
            fprintf(stderr, "%s:%d: error \"%s\" lacks \"%s\"\n", __FILE__, __LINE__, (r).content, substr); \
            CHECK(0);                                                                 \
        }                                                                             \
    } while (0)
#define EXPECT_HAS(r, substr)                                                         \
    do {                                                                              \
        if (!strstr((r).content, substr)) {                                           \
            fprintf(stderr, "%s:%d: \"%s\" lacks \"%s\"\n", __FILE__, __LINE__, (r).content, substr); \
            CHECK(0);                                                                 \
        }                                                                             \
    } while (0)

static void setup(void)
{
    if (REG) return;
    snprintf(ROOT, sizeof ROOT, "/tmp/bx-tools-test-%d", (int)getpid());
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", ROOT);
    if (system(cmd) != 0) exit(1);
    bx_mkdirs(ROOT, 0755);
    REG = tools_registry_new(NULL);
    /* a failure is logged; the tests below check for each tool they need */
    if (tools_registry_add_embedded(REG) != BX_OK) fprintf(stderr, "warning: an embedded tool failed to load\n");
    tools_registry_add_tool_search(REG);
    CTX = (tools_ctx){.root_dir = ROOT, .timeout_ms = 60000};
}

TEST(embedded_tools_have_specs)
{
    setup();
    static const struct { const char *name, *level; } want[] = {
        {"read", "read_only"}, {"glob", "read_only"}, {"grep", "read_only"}, {"ls", "read_only"},
        {"write", "write"}, {"edit", "write"}, {"multi_edit", "write"}, {"web_fetch", "network"},
        {"tool_search", "none"},
    };
    for (size_t k = 0; k < BX_ARRAY_LEN(want); k++) {
        tools_tool *t = tools_registry_get(REG, want[k].name);
        if (!t) { fprintf(stderr, "missing tool %s\n", want[k].name); CHECK(0); continue; }
        CHECK_EQ_STR(tools_level_name(tools_tool_level(t)), want[k].level);
        CHECK(strlen(tools_tool_description(t)) > 20);
        char err[256];
        CHECK(tools_schema_check(tools_tool_schema(t), err, sizeof err));
        tools_tool_unref(t);
    }
}

TEST(read_golden_and_errors)
{
    setup();
    puts_file("a.txt", "one\ntwo\nthree\n");
    tools_result r;
    run("read", "{\"file_path\":\"a.txt\"}", &r);
    EXPECT_OK(r);
    CHECK_EQ_STR(r.content, "     1\tone\n     2\ttwo\n     3\tthree\n");
    CHECK_EQ_INT(jx_int(r.metadata, "total_lines", 0), 3);
    tools_result_release(&r);
    run("read", "{\"file_path\":\"/a.txt\",\"offset\":2,\"limit\":1}", &r);
    EXPECT_OK(r);
    CHECK_EQ_STR(r.content, "     2\ttwo\n\n(Showing lines 2-2. The file continues: read with offset=3.)\n");
    tools_result_release(&r);
    run("read", "{\"file_path\":\"a.txt\",\"offset\":9}", &r);
    EXPECT_OK(r);
    EXPECT_HAS(r, "has 3 lines; offset 9 is past the end");
    tools_result_release(&r);
    run("read", "{\"file_path\":\"nope.txt\"}", &r);
    EXPECT_ERR(r, "no such file");
    tools_result_release(&r);
    bx_mkdirs("/tmp", 0755);
    char d[300];
    snprintf(d, sizeof d, "%s/dir", ROOT);
    bx_mkdirs(d, 0755);
    run("read", "{\"file_path\":\"dir\"}", &r);
    EXPECT_ERR(r, "is a directory");
    tools_result_release(&r);
    CHECK_EQ_INT(run("read", "{\"file_path\":3}", &r), BX_INVALID);
    EXPECT_ERR(r, "file_path");
    tools_result_release(&r);
    run("read", "{}", &r);
    EXPECT_ERR(r, "missing required field 'file_path'");
    tools_result_release(&r);
    run("read", "{\"file_path\":\"a.txt\",\"limit\":0}", &r);
    EXPECT_ERR(r, "field 'limit'");
    tools_result_release(&r);
    puts_file("empty.txt", "");
    run("read", "{\"file_path\":\"empty.txt\"}", &r);
    EXPECT_OK(r);
    EXPECT_HAS(r, "is empty");
    tools_result_release(&r);
}

TEST(read_encodings_and_media)
{
    setup();
    tools_result r;
    put("latin1.txt", "caf\xe9\n", 5);
    run("read", "{\"file_path\":\"latin1.txt\"}", &r);
    CHECK_EQ_STR(r.content, "     1\tcaf\xc3\xa9\n");
    CHECK_EQ_STR(jx_str(r.metadata, "encoding", ""), "latin-1");
    tools_result_release(&r);
    put("utf16.txt", "\xff\xfeh\0i\0\n\0\x3d\xd8\x00\xde\n\0", 14);
    run("read", "{\"file_path\":\"utf16.txt\"}", &r);
    CHECK_EQ_STR(r.content, "     1\thi\n     2\t\xf0\x9f\x98\x80\n");
    CHECK_EQ_STR(jx_str(r.metadata, "encoding", ""), "utf-16le");
    tools_result_release(&r);
    put("uni/日本語.txt", "héllo wörld ✓\n", strlen("héllo wörld ✓\n"));
    run("read", "{\"file_path\":\"uni/日本語.txt\"}", &r);
    CHECK_EQ_STR(r.content, "     1\théllo wörld ✓\n");
    tools_result_release(&r);
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
                                        0, 0, 0, 2, 0, 0, 0, 3, 8, 6, 0, 0, 0};
    put("img.png", png, sizeof png);
    run("read", "{\"file_path\":\"img.png\"}", &r);
    EXPECT_OK(r);
    EXPECT_HAS(r, "PNG image, 29 bytes, 2x3");
    tools_result_release(&r);
    put("doc.pdf", "%PDF-1.7\n%binary", 16);
    run("read", "{\"file_path\":\"doc.pdf\"}", &r);
    EXPECT_HAS(r, "PDF document");
    tools_result_release(&r);
    put("bin.dat", "\x7f" "ELF\0\0\0\x01\x02", 9);
    run("read", "{\"file_path\":\"bin.dat\"}", &r);
    EXPECT_HAS(r, "binary file (ELF executable), 9 bytes");
    tools_result_release(&r);
    /* a long line is cut, invalid UTF-8 never reaches the JSON raw */
    char *line = malloc(5001);
    memset(line, 'x', 5000);
    line[5000] = '\n';
    put("long.txt", line, 5001);
    free(line);
    run("read", "{\"file_path\":\"long.txt\"}", &r);
    EXPECT_HAS(r, "[... line truncated: 3000 more bytes]");
    tools_result_release(&r);
}

TEST(read_huge_file_stays_in_memory_cap)
{
    setup();
    /* 48 MiB of lines, read near the end with a 16 MiB memory cap */
    size_t n = 48u << 20;
    char *big = malloc(n);
    REQUIRE(big != NULL);
    for (size_t i = 0; i < n; i += 64) {
        memset(big + i, 'a' + (int)((i / 64) % 26), 63);
        big[i + 63] = '\n';
    }
    put("huge.txt", big, n);
    free(big);
    tools_ctx saved = CTX;
    CTX.max_memory = 16u << 20;
    tools_result r;
    run("read", "{\"file_path\":\"huge.txt\",\"offset\":786400,\"limit\":2}", &r);
    CTX = saved;
    EXPECT_OK(r);
    EXPECT_HAS(r, "786400\t");
    EXPECT_HAS(r, "786401\t");
    CHECK_EQ_INT(jx_int(r.metadata, "lines_shown", 0), 2);
    tools_result_release(&r);
    char path[300];
    snprintf(path, sizeof path, "%s/huge.txt", ROOT);
    unlink(path);
}

TEST(read_256mib_file_at_an_offset)
{
    setup();
    /* 256 MiB (16x the memory cap), mostly a sparse hole: 100 text lines,
     * one line of ~256 MiB of NULs, then a last line; read from line 101.
     * bench-tools does the same with 1 GiB in a Release build. */
    char path[300];
    snprintf(path, sizeof path, "%s/big.txt", ROOT);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    REQUIRE(fd >= 0);
    char line[128];
    for (int k = 1; k <= 100; k++) { /* 100-byte lines: the binary probe (8 KiB) sees text */
        int n = snprintf(line, sizeof line, "text line %-88d\n", k);
        REQUIRE(write(fd, line, (size_t)n) == n);
    }
    off_t size = (off_t)256 << 20;
    REQUIRE(lseek(fd, size - 10, SEEK_SET) == size - 10);
    REQUIRE(write(fd, "\nlast one\n", 10) == 10);
    close(fd);
    tools_ctx saved = CTX;
    CTX.max_memory = 16u << 20;
    CTX.timeout_ms = 300000; /* sanitizer builds interpret slowly */
    tools_result r;
    uint64_t t0 = bx_mono_ns();
    run("read", "{\"file_path\":\"big.txt\",\"offset\":101,\"limit\":5}", &r);
    fprintf(stderr, "read of a 256 MiB file at an offset: %.0f ms\n", (double)(bx_mono_ns() - t0) / 1e6);
    CTX = saved;
    EXPECT_OK(r);
    EXPECT_HAS(r, "   101\t");
    EXPECT_HAS(r, "more bytes]\n   102\tlast one\n");
    CHECK_EQ_INT(jx_int(r.metadata, "total_lines", 0), 102);
    CHECK(r.content_len < 20000);
    tools_result_release(&r);
    unlink(path);
}

TEST(paths_cannot_leave_the_root)
{
    setup();
    /* positive controls: these work natively */
    char link[300];
    snprintf(link, sizeof link, "%s/escape", ROOT);
    unlink(link);
    REQUIRE(symlink("/etc/hostname", link) == 0);
    int fd = open(link, O_RDONLY);
    CHECK(fd >= 0);
    if (fd >= 0) close(fd);
    snprintf(link, sizeof link, "%s/escdir", ROOT);
    unlink(link);
    REQUIRE(symlink("/etc", link) == 0);
    tools_result r;
    run("read", "{\"file_path\":\"escape\"}", &r);
    CHECK(r.is_error);
    tools_result_release(&r);
    run("read", "{\"file_path\":\"escdir/hostname\"}", &r);
    CHECK(r.is_error);
    tools_result_release(&r);
    run("read", "{\"file_path\":\"../../../../etc/hostname\"}", &r);
    CHECK(r.is_error);
    tools_result_release(&r);
    run("write", "{\"file_path\":\"escdir/boxagnts-pwned\",\"content\":\"x\"}", &r);
    CHECK(r.is_error);
    tools_result_release(&r);
    CHECK(access("/etc/boxagnts-pwned", F_OK) != 0);
    run("ls", "{\"path\":\"escdir\"}", &r);
    CHECK(r.is_error);
    tools_result_release(&r);
    run("grep", "{\"pattern\":\"root\",\"path\":\"escdir\"}", &r);
    CHECK(r.is_error || strstr(r.content, "No matches"));
    tools_result_release(&r);
    /* ReadOnly tools really are read-only: a write through the grant fails */
    run("ls", "{}", &r);
    EXPECT_OK(r);
    CHECK(strstr(r.content, "escape") != NULL);
    tools_result_release(&r);
}

TEST(write_edit_multi_edit)
{
    setup();
    tools_result r;
    run("write", "{\"file_path\":\"new/deep/f.txt\",\"content\":\"a\\nb\\nc\\nd\\ne\\n\"}", &r);
    EXPECT_OK(r);
    CHECK_EQ_STR(r.content, "Created /new/deep/f.txt: 10 bytes, 5 lines.");
    tools_result_release(&r);
    char *s = slurp("new/deep/f.txt");
    CHECK_EQ_STR(s, "a\nb\nc\nd\ne\n");
    bx_free(s);
    run("write", "{\"file_path\":\"new/deep/f.txt\",\"content\":\"x\\ny\\nx\\n\"}", &r);
    EXPECT_HAS(r, "Overwrote");
    tools_result_release(&r);
    run("write", "{\"file_path\":\"/\",\"content\":\"x\"}", &r);
    EXPECT_ERR(r, "must name a file");
    tools_result_release(&r);
    run("write", "{\"file_path\":\"new\",\"content\":\"x\"}", &r);
    EXPECT_ERR(r, "is a directory");
    tools_result_release(&r);

    run("edit", "{\"file_path\":\"new/deep/f.txt\",\"old_string\":\"x\",\"new_string\":\"z\"}", &r);
    EXPECT_ERR(r, "occurs 2 times");
    tools_result_release(&r);
    run("edit", "{\"file_path\":\"new/deep/f.txt\",\"old_string\":\"q\",\"new_string\":\"z\"}", &r);
    EXPECT_ERR(r, "was not found");
    tools_result_release(&r);
    run("edit", "{\"file_path\":\"new/deep/f.txt\",\"old_string\":\"y\",\"new_string\":\"y\"}", &r);
    EXPECT_ERR(r, "the same");
    tools_result_release(&r);
    run("edit", "{\"file_path\":\"nope.txt\",\"old_string\":\"y\",\"new_string\":\"z\"}", &r);
    EXPECT_ERR(r, "no such file");
    tools_result_release(&r);
    run("edit", "{\"file_path\":\"new/deep/f.txt\",\"old_string\":\"y\\n\",\"new_string\":\"Y1\\nY2\\n\"}", &r);
    EXPECT_OK(r);
    CHECK_EQ_STR(r.content, "Edited /new/deep/f.txt: replaced 1 occurrence.\n\n"
                            "--- /new/deep/f.txt\n+++ /new/deep/f.txt\n@@ -1,3 +1,4 @@\n x\n-y\n+Y1\n+Y2\n x\n");
    tools_result_release(&r);
    run("edit", "{\"file_path\":\"new/deep/f.txt\",\"old_string\":\"x\",\"new_string\":\"Z\",\"replace_all\":true}", &r);
    EXPECT_OK(r);
    CHECK_EQ_INT(jx_int(r.metadata, "replacements", 0), 2);
    tools_result_release(&r);
    s = slurp("new/deep/f.txt");
    CHECK_EQ_STR(s, "Z\nY1\nY2\nZ\n");
    bx_free(s);
    run("edit", "{\"file_path\":\"made.txt\",\"old_string\":\"\",\"new_string\":\"fresh\\n\"}", &r);
    EXPECT_OK(r);
    tools_result_release(&r);
    s = slurp("made.txt");
    CHECK_EQ_STR(s, "fresh\n");
    bx_free(s);

    /* multi_edit: all or nothing */
    run("multi_edit", "{\"file_path\":\"new/deep/f.txt\",\"edits\":[{\"old_string\":\"Y1\",\"new_string\":\"A\"},"
                      "{\"old_string\":\"missing\",\"new_string\":\"B\"}]}", &r);
    EXPECT_ERR(r, "edit 2: old_string was not found");
    tools_result_release(&r);
    s = slurp("new/deep/f.txt");
    CHECK_EQ_STR(s, "Z\nY1\nY2\nZ\n");
    bx_free(s);
    run("multi_edit", "{\"file_path\":\"new/deep/f.txt\",\"edits\":[{\"old_string\":\"Y1\",\"new_string\":\"A\"},"
                      "{\"old_string\":\"A\\nY2\",\"new_string\":\"B\"},{\"old_string\":\"Z\",\"new_string\":\"W\",\"replace_all\":true}]}", &r);
    EXPECT_OK(r);
    CHECK_EQ_INT(jx_int(r.metadata, "replacements", 0), 4);
    tools_result_release(&r);
    s = slurp("new/deep/f.txt");
    CHECK_EQ_STR(s, "W\nB\nW\n");
    bx_free(s);
    run("multi_edit", "{\"file_path\":\"new/deep/f.txt\",\"edits\":[]}", &r);
    EXPECT_ERR(r, "needs at least 1 items");
    tools_result_release(&r);
    run("multi_edit", "{\"file_path\":\"new/deep/f.txt\",\"edits\":[{\"old_string\":\"W\"}]}", &r);
    EXPECT_ERR(r, "missing required field 'edits[0].new_string'");
    tools_result_release(&r);
}

TEST(glob_and_ls)
{
    setup();
    puts_file("g/src/a.c", "int a;\n");
    puts_file("g/src/b.h", "int b;\n");
    puts_file("g/src/sub/c.c", "int c;\n");
    puts_file("g/docs/readme.md", "# hi\n");
    puts_file("g/.git/config", "x\n");
    puts_file("g/.git/x.c", "x\n");
    tools_result r;
    run("glob", "{\"pattern\":\"**/*.c\",\"path\":\"g\"}", &r);
    EXPECT_OK(r);
    CHECK_EQ_STR(r.content, "/g/src/a.c\n/g/src/sub/c.c\n");
    tools_result_release(&r);
    run("glob", "{\"pattern\":\"src/*.{c,h}\",\"path\":\"/g\"}", &r);
    CHECK_EQ_STR(r.content, "/g/src/a.c\n/g/src/b.h\n");
    tools_result_release(&r);
    run("glob", "{\"pattern\":\"g/**/[r]eadme.?d\"}", &r);
    CHECK_EQ_STR(r.content, "/g/docs/readme.md\n");
    tools_result_release(&r);
    run("glob", "{\"pattern\":\"*.zzz\",\"path\":\"g\"}", &r);
    EXPECT_OK(r);
    EXPECT_HAS(r, "No files match");
    tools_result_release(&r);
    run("glob", "{\"pattern\":\"{a,b\",\"path\":\"g\"}", &r);
    EXPECT_ERR(r, "unclosed {");
    tools_result_release(&r);
    run("glob", "{\"pattern\":\"*\",\"path\":\"nowhere\"}", &r);
    EXPECT_ERR(r, "no such file");
    tools_result_release(&r);
    /* newest first */
    char p[400];
    snprintf(p, sizeof p, "%s/g/src/sub/c.c", ROOT);
    struct timeval tv[2] = {{1800000000, 0}, {1800000000, 0}};
    utimes(p, tv);
    run("glob", "{\"pattern\":\"**/*.c\",\"path\":\"g\"}", &r);
    CHECK_EQ_STR(r.content, "/g/src/sub/c.c\n/g/src/a.c\n");
    tools_result_release(&r);
    utimes(p, (struct timeval[2]){{1700000000, 0}, {1700000000, 0}});

    snprintf(p, sizeof p, "%s/g/src/sub", ROOT);
    utimes(p, (struct timeval[2]){{1700000000, 0}, {1700000000, 0}});
    run("ls", "{\"path\":\"g/src\"}", &r);
    EXPECT_OK(r);
    CHECK_EQ_STR(r.content, "/g/src:\n"
                            "f          7  2023-11-14 22:13  a.c\n"
                            "f          7  2023-11-14 22:13  b.h\n"
                            "d          -  2023-11-14 22:13  sub/\n");
    tools_result_release(&r);
    run("ls", "{\"path\":\"g/src\",\"depth\":2}", &r);
    EXPECT_HAS(r, "sub/c.c\n");
    tools_result_release(&r);
    run("ls", "{\"path\":\"g/nope\"}", &r);
    EXPECT_ERR(r, "no such file");
    tools_result_release(&r);
    run("ls", "{\"path\":\"g/src/a.c\"}", &r);
    EXPECT_OK(r);
    EXPECT_HAS(r, "/g/src/a.c");
    tools_result_release(&r);
}

TEST(grep_modes)
{
    setup();
    puts_file("s/one.txt", "alpha\nbeta\ngamma foo\ndelta\nepsilon\nzeta foo\neta\n");
    puts_file("s/two.c", "int foo(void);\nint bar;\n");
    puts_file("s/three.md", "FOO in caps\n");
    put("s/bin.dat", "foo\0\0\0", 6);
    puts_file("s/uni.txt", "naïve café wörld\n");
    tools_result r;
    run("grep", "{\"pattern\":\"foo\",\"path\":\"s\"}", &r);
    EXPECT_OK(r);
    CHECK_EQ_STR(r.content, "/s/one.txt\n/s/two.c\n");
    CHECK_EQ_INT(jx_int(r.metadata, "skipped_binary", 0), 1);
    tools_result_release(&r);
    run("grep", "{\"pattern\":\"foo\",\"path\":\"s\",\"-i\":true,\"output_mode\":\"count\"}", &r);
    CHECK_EQ_STR(r.content, "/s/one.txt:2\n/s/three.md:1\n/s/two.c:1\n");
    tools_result_release(&r);
    run("grep", "{\"pattern\":\"fo+\",\"path\":\"s/one.txt\",\"output_mode\":\"content\",\"-C\":1}", &r);
    CHECK_EQ_STR(r.content, "/s/one.txt-2-beta\n/s/one.txt:3:gamma foo\n/s/one.txt-4-delta\n"
                            "/s/one.txt-5-epsilon\n/s/one.txt:6:zeta foo\n/s/one.txt-7-eta\n");
    tools_result_release(&r);
    run("grep", "{\"pattern\":\"a$\",\"path\":\"s/one.txt\",\"output_mode\":\"content\",\"-n\":false,\"-A\":1}", &r);
    CHECK_EQ_STR(r.content, "/s/one.txt:alpha\n/s/one.txt:beta\n/s/one.txt-gamma foo\n/s/one.txt:delta\n"
                            "/s/one.txt-epsilon\n--\n/s/one.txt:eta\n");
    tools_result_release(&r);
    run("grep", "{\"pattern\":\"\\\\bint\\\\b\",\"path\":\"s\",\"type\":\"c\",\"output_mode\":\"content\"}", &r);
    CHECK_EQ_STR(r.content, "/s/two.c:1:int foo(void);\n/s/two.c:2:int bar;\n");
    tools_result_release(&r);
    run("grep", "{\"pattern\":\"o\",\"path\":\"s\",\"glob\":\"*.md\",\"-i\":true}", &r);
    CHECK_EQ_STR(r.content, "/s/three.md\n");
    tools_result_release(&r);
    run("grep", "{\"pattern\":\"[a-z]+\",\"path\":\"s/one.txt\",\"output_mode\":\"content\",\"head_limit\":2}", &r);
    CHECK(strncmp(r.content, "/s/one.txt:1:alpha\n/s/one.txt:2:beta\n", 36) == 0);
    EXPECT_HAS(r, "head_limit 2");
    tools_result_release(&r);
    run("grep", "{\"pattern\":\"gamma.*\\\\n.*delta\",\"path\":\"s/one.txt\",\"multiline\":true,\"output_mode\":\"content\"}", &r);
    CHECK_EQ_STR(r.content, "/s/one.txt:3:gamma foo\n/s/one.txt:4:delta\n");
    tools_result_release(&r);
    run("grep", "{\"pattern\":\"caf[é]\\\\s+w.rld\",\"path\":\"s\",\"output_mode\":\"content\"}", &r);
    CHECK_EQ_STR(r.content, "/s/uni.txt:1:naïve café wörld\n");
    tools_result_release(&r);
    run("grep", "{\"pattern\":\"(unclosed\",\"path\":\"s\"}", &r);
    EXPECT_ERR(r, "unclosed (");
    tools_result_release(&r);
    run("grep", "{\"pattern\":\"x\",\"type\":\"klingon\"}", &r);
    EXPECT_ERR(r, "unknown type 'klingon'");
    tools_result_release(&r);
    run("grep", "{\"pattern\":\"x\",\"output_mode\":\"lines\"}", &r);
    EXPECT_ERR(r, "field 'output_mode': must be one of");
    tools_result_release(&r);
    run("grep", "{\"pattern\":\"zzzz\",\"path\":\"s\"}", &r);
    EXPECT_OK(r);
    EXPECT_HAS(r, "No matches");
    tools_result_release(&r);
}

TEST(grep_regex_bomb_and_deep_tree)
{
    setup();
    /* 64 KB of 'a': a backtracking engine would never finish these */
    size_t n = 65536;
    char *s = malloc(n + 1);
    REQUIRE(s != NULL);
    memset(s, 'a', n);
    s[n] = '\n';
    put("bomb/a.txt", s, n + 1);
    free(s);
    tools_result r;
    uint64_t t0 = bx_mono_ns();
    run("grep", "{\"pattern\":\"(a*)*b\",\"path\":\"bomb\"}", &r);
    EXPECT_OK(r);
    EXPECT_HAS(r, "No matches");
    tools_result_release(&r);
    run("grep", "{\"pattern\":\"(a|aa)+$b\",\"path\":\"bomb\",\"output_mode\":\"count\"}", &r);
    EXPECT_OK(r);
    tools_result_release(&r);
    fprintf(stderr, "regex bombs over 64 KB: %.1f ms\n", (double)(bx_mono_ns() - t0) / 1e6);
    /* 100 levels deep: the walkers cap depth at 64 and keep going */
    char rel[1200] = "deep";
    for (int k = 0; k < 100; k++) strcat(rel, "/d");
    strcat(rel, "/leaf.txt");
    puts_file(rel, "needle\n");
    puts_file("deep/d/shallow.txt", "needle\n");
    run("grep", "{\"pattern\":\"needle\",\"path\":\"deep\"}", &r);
    EXPECT_OK(r);
    EXPECT_HAS(r, "/deep/d/shallow.txt");
    tools_result_release(&r);
    run("glob", "{\"pattern\":\"**/*.txt\",\"path\":\"deep\"}", &r);
    EXPECT_OK(r);
    EXPECT_HAS(r, "shallow.txt");
    tools_result_release(&r);
    run("ls", "{\"path\":\"deep\",\"depth\":20}", &r);
    EXPECT_OK(r);
    tools_result_release(&r);
}

TEST(web_fetch_denied_and_bad_url)
{
    setup();
    tools_result r;
    run("web_fetch", "{\"url\":\"http://127.0.0.1:9/\"}", &r);
    EXPECT_ERR(r, "allowed_outbound_hosts");
    tools_result_release(&r);
    run("web_fetch", "{\"url\":\"ftp://example.com/\"}", &r);
    EXPECT_ERR(r, "must start with http");
    tools_result_release(&r);
    static const char *allow[] = {"http://127.0.0.1:9"};
    tools_ctx saved = CTX;
    CTX.allowed_hosts = allow;
    CTX.n_allowed_hosts = 1;
    run("web_fetch", "{\"url\":\"http://127.0.0.1:9/\",\"timeout\":5}", &r);
    CTX = saved;
    CHECK(r.is_error); /* allowed by the list, still refused: loopback is blocked */
    EXPECT_HAS(r, "127.0.0.1");
    tools_result_release(&r);
}

TEST(tool_search_finds_tools)
{
    setup();
    tools_result r;
    run("tool_search", "{\"query\":\"regex search\"}", &r);
    EXPECT_OK(r);
    if (strncmp(r.content, "grep (read_only)", 16) != 0) fprintf(stderr, "tool_search: %s\n", r.content);
    CHECK(strncmp(r.content, "grep (read_only)", 16) == 0);
    tools_result_release(&r);
    run("tool_search", "{\"query\":\"download url\",\"max_results\":1}", &r);
    CHECK(strncmp(r.content, "web_fetch", 9) == 0);
    CHECK_EQ_INT(json_array_size(json_object_get(r.metadata, "tools")), 1);
    tools_result_release(&r);
    run("tool_search", "{\"query\":\"qwertyuiop\"}", &r);
    EXPECT_HAS(r, "No tools match");
    tools_result_release(&r);
}

TEST(cancel_before_start)
{
    setup();
    atomic_bool cancel = true;
    tools_ctx saved = CTX;
    CTX.cancel = &cancel;
    tools_result r;
    CHECK_EQ_INT(run("ls", "{}", &r), BX_CANCELLED);
    if (!r.is_error) fprintf(stderr, "cancel: content=%s\n", r.content ? r.content : "(null)");
    CHECK(r.is_error);
    tools_result_release(&r);
    CTX = saved;
}

typedef struct cancel_job {
    atomic_bool flag;
    tools_result r;
    bx_err err;
    uint64_t done_ns;
} cancel_job;

static void *cancel_runner(void *p)
{
    cancel_job *j = p;
    tools_ctx ctx = CTX;
    ctx.cancel = &j->flag;
    ctx.timeout_ms = 120000;
    tools_tool *t = tools_registry_get(REG, "grep");
    json_t *in = json_pack("{s:s, s:s}", "pattern", "(a*)*b", "path", "cancel");
    tools_result_init(&j->r);
    j->err = tools_execute(t, in, &ctx, &j->r);
    j->done_ns = bx_mono_ns();
    json_decref(in);
    tools_tool_unref(t);
    return NULL;
}

TEST(cancel_while_running)
{
    setup();
    /* a regex-bomb grep over 4 MB takes many seconds in the interpreter */
    size_t n = 4u << 20;
    char *s = malloc(n);
    REQUIRE(s != NULL);
    memset(s, 'a', n);
    put("cancel/a.txt", s, n);
    free(s);
    cancel_job j;
    memset(&j, 0, sizeof j);
    atomic_init(&j.flag, false);
    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, cancel_runner, &j) == 0);
    usleep(300 * 1000);
    uint64_t t0 = bx_mono_ns();
    atomic_store(&j.flag, true);
    pthread_join(th, NULL);
    CHECK_EQ_INT(j.err, BX_CANCELLED);
    CHECK(j.r.is_error);
    CHECK(j.r.content && strstr(j.r.content, "cancelled") != NULL);
    fprintf(stderr, "cancel latency: %.1f ms (target <= 100 ms)\n", (double)(j.done_ns - t0) / 1e6);
    tools_result_release(&j.r);
}

TEST(cleanup)
{
    setup();
    tools_registry_free(REG);
    REG = NULL;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", ROOT);
    CHECK(system(cmd) == 0);
}

TEST_MAIN()
