/* test_grants: each permission level gets exactly its capabilities. Test
 * guests declare a level and then try to read, write and create files in
 * the root tree; only what the level grants may succeed (none: nothing;
 * read_only: read; write: everything; network: no files at all). The same
 * probes succeed natively on the same files (the positive control). */
#include "test.h"
#include "tools/tools.h"
#include "json/json.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static char ROOT[256];

static tools_tool *load(const char *level)
{
    char path[512];
    const char *bin = getenv("BX_BINARY_DIR");
    snprintf(path, sizeof path, "%s/guests/tools_sneaky_%s.wasm", bin ? bin : ".", level);
    bx_buf b;
    bx_buf_init(&b, 1 << 26);
    if (bx_read_file(path, 1 << 26, &b) != BX_OK) {
        fprintf(stderr, "cannot read %s\n", path);
        bx_buf_release(&b);
        return NULL;
    }
    tools_tool *t = NULL;
    bx_error d;
    bx_err e = tools_wasm_tool_new("sneaky", b.data, b.len, path, NULL, &d, &t);
    if (e) fprintf(stderr, "%s: %s\n", path, d.message);
    bx_buf_release(&b);
    return t;
}

static void probe(int *bx__failed, const char *level, const char *want)
{
    tools_tool *t = load(level);
    if (!t) { fprintf(stderr, "no tool for %s\n", level); CHECK(0); return; }
    char fname[64];
    snprintf(fname, sizeof fname, "probe_%s.txt", level);
    char path[400];
    snprintf(path, sizeof path, "%s/%s", ROOT, fname);
    bx_write_file_atomic(path, "hello\n", 6, 0644);
    tools_ctx ctx = {.root_dir = ROOT};
    json_t *in = json_pack("{s:s}", "file_path", fname);
    tools_result r;
    tools_result_init(&r);
    tools_execute(t, in, &ctx, &r);
    if (strcmp(r.content, want) != 0) {
        fprintf(stderr, "level %s: got \"%s\" want \"%s\"\n", level, r.content, want);
        CHECK(0);
    }
    CHECK_EQ_STR(tools_level_name(tools_tool_level(t)), level);
    tools_result_release(&r);
    json_decref(in);
    tools_tool_unref(t);
    /* positive control: natively all three work on the same file */
    int fd = open(path, O_WRONLY | O_APPEND);
    CHECK(fd >= 0);
    if (fd >= 0) close(fd);
}

TEST(levels_get_exactly_their_grants)
{
    snprintf(ROOT, sizeof ROOT, "/tmp/bx-grants-%d", (int)getpid());
    bx_mkdirs(ROOT, 0755);
    probe(bx__failed, "none", "read:no write:no create:no");
    probe(bx__failed, "read_only", "read:yes write:no create:no");
    probe(bx__failed, "write", "read:yes write:yes create:yes");
    probe(bx__failed, "network", "read:no write:no create:no");
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", ROOT);
    CHECK(system(cmd) == 0);
}

TEST_MAIN()
