/* test_node_diff: the same guest binaries under Node's node:wasi and under
 * our sandbox must answer alike. Each case runs a tool on an identical tree
 * in both hosts (write-type tools on two copies, whose files are compared
 * afterwards) and compares content, error and metadata (minus the host's
 * own duration_ms). Node is part of the toolchain: its absence fails the
 * test rather than skipping it. */
#include "test.h"
#include "tools/tools.h"
#include "json/json.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/time.h>
#include <unistd.h>

static char BASE[256];
static tools_registry *REG;

static void put(const char *root, const char *rel, const void *data, size_t n)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    char *slash = strrchr(path, '/');
    *slash = 0;
    bx_mkdirs(path, 0755);
    *slash = '/';
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || (n && write(fd, data, n) != (ssize_t)n)) exit(1);
    close(fd);
}

static void make_tree(const char *root)
{
    put(root, "a.txt", "one\ntwo\nthree\n", 14);
    put(root, "latin1.txt", "caf\xe9\n", 5);
    put(root, "utf16.txt", "\xff\xfeh\0i\0\n\0", 8);
    put(root, "src/main.c", "int main(void) { return 0; }\n// TODO: more\n", 44);
    put(root, "src/util.h", "#define TODO 1\n", 15);
    put(root, "src/deep/x.py", "print('todo')\n", 14);
    put(root, "bin.dat", "\x7f" "ELF\0\0\0", 7);
    put(root, "uni/ünï.txt", "grüße\n", 8);
    /* fixed times so ls and glob order agree */
    char cmd[700];
    snprintf(cmd, sizeof cmd, "find %s -exec touch -h -d @1700000000 {} +", root);
    if (system(cmd) != 0) exit(1);
}

static void copy_tree(const char *from, const char *to)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s && cp -a %s %s", to, from, to);
    if (system(cmd) != 0) exit(1);
}

/* Runs the guest under node; returns its stdout parsed, or NULL. */
static json_t *run_node(const char *tool, const char *root, const char *input)
{
    const char *src = getenv("BX_SOURCE_DIR"), *bin = getenv("BX_BINARY_DIR");
    char in_path[300], cmd[2000];
    snprintf(in_path, sizeof in_path, "%s/input.json", BASE);
    int fd = open(in_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, input, strlen(input)) != (ssize_t)strlen(input)) return NULL;
    close(fd);
    snprintf(cmd, sizeof cmd, "node --no-warnings %s/tests/tools/wasi_run.mjs %s/guests/%s.wasm %s --json-stdin < %s",
             src ? src : ".", bin ? bin : ".", tool, root, in_path);
    FILE *p = popen(cmd, "r");
    if (!p) return NULL;
    bx_buf b;
    bx_buf_init(&b, 1 << 26);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0) bx_buf_append(&b, chunk, n);
    pclose(p);
    json_t *v = jx_parse(b.data, b.len, 1 << 26, NULL);
    if (!v) fprintf(stderr, "node gave: %s\n", b.data);
    bx_buf_release(&b);
    return v;
}

static bool same_result(const char *tool, const char *input, const char *root_ours, const char *root_node)
{
    tools_tool *t = tools_registry_get(REG, tool);
    if (!t) {
        fprintf(stderr, "tool %s is not registered\n", tool);
        return false;
    }
    json_t *in = jx_parse(input, strlen(input), 1 << 20, NULL);
    tools_ctx ctx = {.root_dir = root_ours};
    tools_result r;
    tools_result_init(&r);
    tools_execute(t, in, &ctx, &r);
    json_decref(in);
    tools_tool_unref(t);
    json_t *node = run_node(tool, root_node, input);
    bool ok = node != NULL;
    if (ok) {
        json_object_del(r.metadata, "duration_ms");
        json_object_del(r.metadata, "exit_code");
        const char *nc = jx_str(node, "content", "");
        ok = strcmp(nc, r.content) == 0 && jx_bool(node, "error", false) == r.is_error &&
             json_equal(json_object_get(node, "metadata"), r.metadata);
        if (!ok) {
            char *m1 = jx_dumps(json_object_get(node, "metadata")), *m2 = jx_dumps(r.metadata);
            fprintf(stderr, "%s %s differs:\n  node:    %s | %s\n  sandbox: %s | %s\n", tool, input, nc, m1, r.content, m2);
            free(m1);
            free(m2);
        }
    }
    json_decref(node);
    tools_result_release(&r);
    return ok;
}

static void setup(void)
{
    if (REG) return;
    snprintf(BASE, sizeof BASE, "/tmp/bx-node-diff-%d", (int)getpid());
    char p[400];
    snprintf(p, sizeof p, "%s/tree", BASE);
    make_tree(p);
    REG = tools_registry_new(NULL);
    if (tools_registry_add_embedded(REG) != BX_OK) fprintf(stderr, "warning: an embedded tool failed to load\n");
}

TEST(node_is_available)
{
    CHECK(system("node --version > /dev/null") == 0);
}

TEST(read_only_tools_agree)
{
    setup();
    static const char *cases[][2] = {
        {"read", "{\"file_path\":\"a.txt\"}"},
        {"read", "{\"file_path\":\"/a.txt\",\"offset\":2,\"limit\":1}"},
        {"read", "{\"file_path\":\"latin1.txt\"}"},
        {"read", "{\"file_path\":\"utf16.txt\"}"},
        {"read", "{\"file_path\":\"bin.dat\"}"},
        {"read", "{\"file_path\":\"uni/ünï.txt\"}"},
        {"read", "{\"file_path\":\"missing.txt\"}"},
        {"read", "{\"file_path\":\"src\"}"},
        {"ls", "{}"},
        {"ls", "{\"path\":\"src\",\"depth\":3}"},
        {"ls", "{\"path\":\"nope\"}"},
        {"glob", "{\"pattern\":\"**/*.{c,h,py}\"}"},
        {"glob", "{\"pattern\":\"src/*\"}"},
        {"grep", "{\"pattern\":\"todo\",\"-i\":true}"},
        {"grep", "{\"pattern\":\"TODO\",\"output_mode\":\"content\",\"-C\":1}"},
        {"grep", "{\"pattern\":\"o\",\"output_mode\":\"count\",\"type\":\"c\"}"},
        {"grep", "{\"pattern\":\"grü(ß|ss)e\",\"output_mode\":\"content\"}"},
        {"grep", "{\"pattern\":\"(bad\"}"},
    };
    char root[400];
    snprintf(root, sizeof root, "%s/tree", BASE);
    for (size_t k = 0; k < BX_ARRAY_LEN(cases); k++) CHECK(same_result(cases[k][0], cases[k][1], root, root));
}

TEST(write_tools_agree)
{
    setup();
    static const char *cases[][2] = {
        {"write", "{\"file_path\":\"new/dir/n.txt\",\"content\":\"héllo\\n\"}"},
        {"edit", "{\"file_path\":\"a.txt\",\"old_string\":\"two\",\"new_string\":\"TWO\\n2\"}"},
        {"edit", "{\"file_path\":\"a.txt\",\"old_string\":\"zzz\",\"new_string\":\"y\"}"},
        {"multi_edit", "{\"file_path\":\"src/main.c\",\"edits\":[{\"old_string\":\"main\",\"new_string\":\"start\"},"
                       "{\"old_string\":\"TODO\",\"new_string\":\"DONE\"}]}"},
        {"multi_edit", "{\"file_path\":\"src/main.c\",\"edits\":[{\"old_string\":\"start\",\"new_string\":\"x\"},"
                       "{\"old_string\":\"nope\",\"new_string\":\"y\"}]}"},
    };
    char tree[400], a[400], b[400];
    snprintf(tree, sizeof tree, "%s/tree", BASE);
    snprintf(a, sizeof a, "%s/ours", BASE);
    snprintf(b, sizeof b, "%s/node", BASE);
    copy_tree(tree, a);
    copy_tree(tree, b);
    for (size_t k = 0; k < BX_ARRAY_LEN(cases); k++) CHECK(same_result(cases[k][0], cases[k][1], a, b));
    char cmd[900];
    snprintf(cmd, sizeof cmd, "diff -r %s %s", a, b);
    CHECK(system(cmd) == 0);
}

TEST(cleanup)
{
    setup();
    tools_registry_free(REG);
    REG = NULL;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", BASE);
    CHECK(system(cmd) == 0);
}

TEST_MAIN()
