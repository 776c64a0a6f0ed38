/* test_cli: `boxagnts tool list|spec|run|search` through tools_cli_main on
 * a fresh workspace: exit codes (0 ok, 1 tool error, 2 usage), output,
 * --root, extension tools, and writes landing in W/root. */
#include "test.h"
#include "tools/tools.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static char WS[256];
static char OUT[1 << 16];

/* Runs the CLI with stdout and stderr captured into OUT. */
static int cli(int argc, const char **argv)
{
    char path[300];
    snprintf(path, sizeof path, "%s.out", WS);
    fflush(stdout);
    fflush(stderr);
    int saved1 = dup(1), saved2 = dup(2);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    close(fd);
    int rc = tools_cli_main(argc, (char **)argv, WS);
    fflush(stdout);
    fflush(stderr);
    dup2(saved1, 1);
    dup2(saved2, 2);
    close(saved1);
    close(saved2);
    fd = open(path, O_RDONLY);
    ssize_t n = read(fd, OUT, sizeof OUT - 1);
    close(fd);
    OUT[n > 0 ? n : 0] = 0;
    return rc;
}

static void setup(void)
{
    if (WS[0]) return;
    snprintf(WS, sizeof WS, "/tmp/bx-tools-cli-%d", (int)getpid());
    char p[400];
    snprintf(p, sizeof p, "%s/root", WS);
    bx_mkdirs(p, 0755);
    snprintf(p, sizeof p, "%s/root/a.txt", WS);
    bx_write_file_atomic(p, "hello\n", 6, 0644);
}

TEST(list_spec_search)
{
    setup();
    const char *a1[] = {"tool", "list"};
    CHECK_EQ_INT(cli(2, a1), 0);
    CHECK(strstr(OUT, "read ") && strstr(OUT, "web_fetch") && strstr(OUT, "tool_search"));
    const char *a2[] = {"tool", "spec", "read"};
    CHECK_EQ_INT(cli(3, a2), 0);
    CHECK(strstr(OUT, "\"file_path\"") && strstr(OUT, "\"read_only\""));
    const char *a3[] = {"tool", "search", "edit", "files"};
    CHECK_EQ_INT(cli(4, a3), 0);
    CHECK(strncmp(OUT, "edit", 4) == 0);
    const char *a4[] = {"tool", "spec", "nope"};
    CHECK_EQ_INT(cli(3, a4), 2);
    CHECK(strstr(OUT, "no tool named 'nope'") != NULL);
    const char *a5[] = {"tool"};
    CHECK_EQ_INT(cli(1, a5), 2);
    const char *a6[] = {"tool", "frobnicate"};
    CHECK_EQ_INT(cli(2, a6), 2);
}

TEST(run)
{
    setup();
    const char *a1[] = {"tool", "run", "read", "--json", "{\"file_path\":\"a.txt\"}"};
    CHECK_EQ_INT(cli(5, a1), 0);
    CHECK_EQ_STR(OUT, "     1\thello\n");
    const char *a2[] = {"tool", "run", "read", "--json", "{\"file_path\":\"missing\"}"};
    CHECK_EQ_INT(cli(5, a2), 1);
    CHECK(strstr(OUT, "no such file") != NULL);
    const char *a3[] = {"tool", "run", "read", "--json", "{\"file_path\":"};
    CHECK_EQ_INT(cli(5, a3), 2);
    CHECK(strstr(OUT, "not valid JSON") != NULL);
    const char *a4[] = {"tool", "run", "read", "--json", "{\"file_path\":1}"};
    CHECK_EQ_INT(cli(5, a4), 1);
    CHECK(strstr(OUT, "field 'file_path'") != NULL);
    const char *a5[] = {"tool", "run", "write", "--json", "{\"file_path\":\"d/n.txt\",\"content\":\"x\"}",
                        "--output", "json"};
    CHECK_EQ_INT(cli(7, a5), 0);
    CHECK(strstr(OUT, "\"is_error\":false") != NULL);
    char p[400];
    snprintf(p, sizeof p, "%s/root/d/n.txt", WS);
    CHECK(access(p, F_OK) == 0);
    /* --root points the tools elsewhere */
    snprintf(p, sizeof p, "%s/other", WS);
    bx_mkdirs(p, 0755);
    const char *a6[] = {"tool", "run", "ls", "--json", "{}", "--root", p};
    CHECK_EQ_INT(cli(7, a6), 0);
    CHECK(strstr(OUT, "(empty directory)") != NULL);
}

TEST(extension_tools)
{
    setup();
    char src[400], dst[400];
    const char *bin = getenv("BX_BINARY_DIR");
    snprintf(src, sizeof src, "%s/guests/ls.wasm", bin ? bin : ".");
    snprintf(dst, sizeof dst, "%s/extensions/tools", WS);
    bx_mkdirs(dst, 0755);
    bx_buf b;
    bx_buf_init(&b, 1 << 26);
    REQUIRE(bx_read_file(src, 1 << 26, &b) == BX_OK);
    snprintf(dst, sizeof dst, "%s/extensions/tools/lister.wasm", WS);
    REQUIRE(bx_write_file_atomic(dst, b.data, b.len, 0644) == BX_OK);
    snprintf(dst, sizeof dst, "%s/extensions/tools/broken.wasm", WS);
    REQUIRE(bx_write_file_atomic(dst, "junk", 4, 0644) == BX_OK);
    bx_buf_release(&b);
    const char *a1[] = {"tool", "list"};
    CHECK_EQ_INT(cli(2, a1), 0);
    CHECK(strstr(OUT, "lister") != NULL);
    CHECK(strstr(OUT, "broken.wasm skipped") != NULL);
    const char *a2[] = {"tool", "run", "lister", "--json", "{}"};
    CHECK_EQ_INT(cli(5, a2), 0);
    CHECK(strstr(OUT, "a.txt") != NULL);
}

TEST(cleanup)
{
    setup();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s %s.out", WS, WS);
    CHECK(system(cmd) == 0);
}

TEST_MAIN()
