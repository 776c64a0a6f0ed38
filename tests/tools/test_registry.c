/* test_registry: extension tools and hot reload. A running registry
 * watching a directory picks up a dropped .wasm, a replaced one, a deleted
 * one (an overridden embedded tool comes back), skips a broken one without
 * losing the others, and turns a program with only a clap-style --help
 * into a tool fed with flags. */
#include "test.h"
#include "tools/tools.h"
#include "json/json.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char DIR_[256], ROOT[256];

static void guest_path(const char *name, char *out, size_t cap)
{
    const char *bin = getenv("BX_BINARY_DIR");
    snprintf(out, cap, "%s/guests/%s.wasm", bin ? bin : ".", name);
}

/* Copies a built guest into the watched directory as file (atomically:
 * written beside, renamed in, as an editor or package manager would). */
static void drop(const char *guest, const char *file)
{
    char src[512], tmp[512], dst[512];
    guest_path(guest, src, sizeof src);
    bx_buf b;
    bx_buf_init(&b, 1 << 26);
    if (bx_read_file(src, 1 << 26, &b) != BX_OK) { fprintf(stderr, "cannot read %s\n", src); exit(1); }
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", DIR_, file);
    snprintf(dst, sizeof dst, "%s/%s", DIR_, file);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, b.data, b.len) != (ssize_t)b.len) exit(1);
    close(fd);
    if (rename(tmp, dst) != 0) exit(1);
    bx_buf_release(&b);
}

static void drop_bytes(const char *file, const char *bytes, size_t n)
{
    char dst[512];
    snprintf(dst, sizeof dst, "%s/%s", DIR_, file);
    int fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, bytes, n) != (ssize_t)n) exit(1);
    close(fd);
}

/* Waits (up to 20 s) until the registry has applied more than `since` changes. */
static bool wait_gen(tools_registry *reg, uint64_t since)
{
    for (int k = 0; k < 2000; k++) {
        if (tools_registry_generation(reg) > since) return true;
        usleep(10000);
    }
    return false;
}

static bool has_prop(tools_tool *t, const char *prop)
{
    return json_object_get(json_object_get(tools_tool_schema(t), "properties"), prop) != NULL;
}

TEST(hot_reload)
{
    snprintf(DIR_, sizeof DIR_, "/tmp/bx-reg-test-%d/ext", (int)getpid());
    snprintf(ROOT, sizeof ROOT, "/tmp/bx-reg-test-%d/root", (int)getpid());
    bx_mkdirs(ROOT, 0755);
    /* one tool present before the start */
    bx_mkdirs(DIR_, 0755);
    drop("ls", "early.wasm");
    tools_registry *reg = tools_registry_new(NULL);
    tools_registry_add_embedded(reg); /* failures are logged; read is checked below */
    REQUIRE(tools_registry_load_dir(reg, DIR_, true) == BX_OK);
    tools_tool *t = tools_registry_get(reg, "early");
    REQUIRE(t != NULL);
    CHECK(has_prop(t, "depth"));
    tools_tool_unref(t);

    /* drop a new tool */
    uint64_t g = tools_registry_generation(reg);
    drop("ls", "mytool.wasm");
    REQUIRE(wait_gen(reg, g));
    t = tools_registry_get(reg, "mytool");
    REQUIRE(t != NULL);
    CHECK(has_prop(t, "depth"));
    CHECK(strstr(tools_tool_source(t), "mytool.wasm") != NULL);
    /* it runs */
    tools_ctx ctx = {.root_dir = ROOT};
    json_t *in = json_object();
    tools_result r;
    tools_result_init(&r);
    tools_execute(t, in, &ctx, &r);
    CHECK(!r.is_error);
    tools_result_release(&r);
    json_decref(in);

    /* replace it: the old reference keeps working, lookups get the new one */
    g = tools_registry_generation(reg);
    drop("grep", "mytool.wasm");
    REQUIRE(wait_gen(reg, g));
    tools_tool *t2 = tools_registry_get(reg, "mytool");
    REQUIRE(t2 != NULL);
    CHECK(has_prop(t2, "pattern"));
    CHECK(has_prop(t, "depth"));
    tools_tool_unref(t);
    tools_tool_unref(t2);

    /* override an embedded tool, then delete the override */
    g = tools_registry_generation(reg);
    drop("ls", "read.wasm");
    REQUIRE(wait_gen(reg, g));
    t = tools_registry_get(reg, "read");
    REQUIRE(t != NULL);
    CHECK(has_prop(t, "depth"));
    tools_tool_unref(t);
    char path[512];
    snprintf(path, sizeof path, "%s/read.wasm", DIR_);
    g = tools_registry_generation(reg);
    REQUIRE(unlink(path) == 0);
    REQUIRE(wait_gen(reg, g));
    t = tools_registry_get(reg, "read");
    REQUIRE(t != NULL);
    CHECK(has_prop(t, "file_path"));
    CHECK_EQ_STR(tools_tool_source(t), "embedded");
    tools_tool_unref(t);

    /* delete a plain extension tool */
    snprintf(path, sizeof path, "%s/mytool.wasm", DIR_);
    g = tools_registry_generation(reg);
    REQUIRE(unlink(path) == 0);
    REQUIRE(wait_gen(reg, g));
    CHECK(tools_registry_get(reg, "mytool") == NULL);

    /* broken modules are reported and skipped; the registry keeps working */
    g = tools_registry_generation(reg);
    drop_bytes("garbage.wasm", "\0asm\x01\0\0\0\x05\xff\xff", 11);
    REQUIRE(wait_gen(reg, g));
    g = tools_registry_generation(reg);
    drop("hello", "nospec.wasm");
    REQUIRE(wait_gen(reg, g));
    CHECK(tools_registry_get(reg, "garbage") == NULL);
    CHECK(tools_registry_get(reg, "nospec") == NULL);
    json_t *errs = tools_registry_errors(reg);
    CHECK(json_object_get(errs, "garbage.wasm") != NULL);
    const char *msg = json_string_value(json_object_get(errs, "nospec.wasm"));
    CHECK(msg && strstr(msg, "neither a --boxagnts-spec nor a --help"));
    json_decref(errs);
    t = tools_registry_get(reg, "grep");
    CHECK(t != NULL);
    tools_tool_unref(t);

    /* a program with only a clap-style --help becomes a tool fed with flags */
    g = tools_registry_generation(reg);
    drop("tools_helpy", "helpy.wasm");
    REQUIRE(wait_gen(reg, g));
    t = tools_registry_get(reg, "helpy");
    REQUIRE(t != NULL);
    CHECK_EQ_STR(tools_tool_description(t), "Echoes its options");
    CHECK(tools_tool_level(t) == TOOLS_READ_ONLY);
    const char *args = "{\"word\":\"hi there\",\"count\":3,\"shout\":true}";
    in = jx_parse(args, strlen(args), 4096, NULL);
    REQUIRE(in != NULL);
    tools_result_init(&r);
    tools_execute(t, in, &ctx, &r);
    CHECK(!r.is_error);
    CHECK_EQ_STR(r.content, "--word hi there --count 3 --shout\n");
    tools_result_release(&r);
    json_decref(in);
    in = jx_parse("{\"count\":3}", 11, 4096, NULL);
    tools_result_init(&r);
    CHECK_EQ_INT(tools_execute(t, in, &ctx, &r), BX_INVALID);
    CHECK(strstr(r.content, "missing required field 'word'") != NULL);
    tools_result_release(&r);
    json_decref(in);
    tools_tool_unref(t);

    tools_registry_free(reg);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf /tmp/bx-reg-test-%d", (int)getpid());
    CHECK(system(cmd) == 0);
}

TEST_MAIN()
