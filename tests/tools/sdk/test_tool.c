/* test_tool: the guest tool contract, compiled natively: flags to input,
 * input checks naming the field, the spec as JSON, clap-style help, and
 * guest path normalisation. */
#include "test.h"
#include "tool.h"

#include <stdlib.h>
#include <string.h>

static const tool_param params[] = {
    {"file_path", "string", "The file", true, NULL},
    {"limit", "integer", "Max lines", false, "\"minimum\":1,\"maximum\":100,\"default\":10"},
    {"replace_all", "boolean", "All of them", false, NULL},
    {"mode", "string", "Output mode", false, "\"enum\":[\"a\",\"b\"],\"default\":\"a\""},
    {"edits", "array", "Edits", false, "\"items\":{\"type\":\"object\"}"},
};

static int run_nothing(const js *input, tool_out *out)
{
    (void)input;
    (void)out;
    return 0;
}

static const tool_def def = {"demo", "A demo tool.", "read_only", "demo, test", params, 5, run_nothing};

/* argv from literals (the API takes char **, as main does). */
static char **mkargv(int n, const char *const *src)
{
    static char *store[16];
    for (int k = 0; k < 16; k++) { free(store[k]); store[k] = NULL; }
    for (int k = 0; k < n && k < 16; k++) store[k] = strdup(src[k]);
    return store;
}

TEST(flags_to_input)
{
    const char *argv_[] = {"demo", "--file-path", "a b.txt", "--limit", "5", "--replace-all", "--mode=b",
                    "--edits", "[{\"x\":1}]"};
    char err[256] = "";
    js *in = tool_parse_args(&def, 9, mkargv(9, argv_), err, sizeof err);
    REQUIRE(in != NULL);
    CHECK_EQ_STR(js_get_str(in, "file_path"), "a b.txt");
    CHECK(js_get_num(in, "limit", 0) == 5);
    CHECK(js_get_bool(in, "replace_all", false));
    CHECK_EQ_STR(js_get_str(in, "mode"), "b");
    CHECK_EQ_INT(js_get(in, "edits")->len, 1);
    CHECK(tool_check_input(&def, in, err, sizeof err));
    js_free(in);

    const char *bad1_[] = {"demo", "--nope", "1"};
    CHECK(tool_parse_args(&def, 3, mkargv(3, bad1_), err, sizeof err) == NULL);
    CHECK(strstr(err, "unknown option '--nope'") != NULL);
    const char *bad2_[] = {"demo", "--limit"};
    CHECK(tool_parse_args(&def, 2, mkargv(2, bad2_), err, sizeof err) == NULL);
    CHECK(strstr(err, "needs a value") != NULL);
    const char *bad3_[] = {"demo", "--limit", "x"};
    CHECK(tool_parse_args(&def, 3, mkargv(3, bad3_), err, sizeof err) == NULL);
    CHECK(strstr(err, "'limit'") != NULL);
    const char *bad4_[] = {"demo", "positional"};
    CHECK(tool_parse_args(&def, 2, mkargv(2, bad4_), err, sizeof err) == NULL);
}

TEST(checks_name_the_field)
{
    static const struct { const char *in; const char *msg; } cases[] = {
        {"{}", "missing required field 'file_path'"},
        {"{\"file_path\":3}", "field 'file_path' must be of type string"},
        {"{\"file_path\":\"x\",\"limit\":1.5}", "field 'limit' must be of type integer"},
        {"{\"file_path\":\"x\",\"limit\":0}", "field 'limit' must be >= 1"},
        {"{\"file_path\":\"x\",\"limit\":101}", "field 'limit' must be <= 100"},
        {"{\"file_path\":\"x\",\"mode\":\"c\"}", "field 'mode' must be one of"},
        {"{\"file_path\":\"x\",\"extra\":1}", "unknown field 'extra'"},
        {"[]", "must be a JSON object"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        js *in = js_parse(cases[k].in, strlen(cases[k].in), NULL, 0);
        REQUIRE(in != NULL);
        char err[256] = "";
        CHECK(!tool_check_input(&def, in, err, sizeof err));
        if (!strstr(err, cases[k].msg)) {
            fprintf(stderr, "%s: \"%s\" lacks \"%s\"\n", cases[k].in, err, cases[k].msg);
            CHECK(0);
        }
        js_free(in);
    }
}

TEST(spec_and_help)
{
    sb s;
    sb_init(&s);
    tool_print_spec(&def, &s);
    char err[128];
    js *spec = js_parse(s.data, s.len, err, sizeof err);
    REQUIRE(spec != NULL);
    CHECK_EQ_STR(js_get_str(spec, "name"), "demo");
    CHECK_EQ_STR(js_get_str(spec, "level"), "read_only");
    js *kw = js_get(spec, "keywords");
    REQUIRE(kw && kw->len == 2);
    CHECK_EQ_STR(kw->items[1]->str, "test");
    js *schema = js_get(spec, "input_schema");
    js *limit = js_get(js_get(schema, "properties"), "limit");
    CHECK(js_get_num(limit, "maximum", 0) == 100);
    CHECK_EQ_INT(js_get(schema, "required")->len, 1);
    js_free(spec);
    sb_free(&s);
    sb_init(&s);
    tool_print_help(&def, &s);
    CHECK(strstr(s.data, "Usage: demo [OPTIONS] --file-path <VALUE>") != NULL);
    CHECK(strstr(s.data, "--limit <VALUE>") != NULL);
    CHECK(strstr(s.data, "[default: 10]") != NULL);
    CHECK(strstr(s.data, "[possible values: a, b]") != NULL);
    CHECK(strstr(s.data, "--replace-all ") != NULL);
    sb_free(&s);
}

TEST(abs_path)
{
    static const char *cases[][2] = {
        {"", "/"}, {"/", "/"}, {"a/b", "/a/b"}, {"/a//b/", "/a/b"}, {"./a/./b", "/a/b"},
        {"../../etc/passwd", "/etc/passwd"}, {"a/../../b", "/b"}, {"a/b/..", "/a"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char *p = tool_abs_path(cases[k][0]);
        CHECK_EQ_STR(p, cases[k][1]);
        free(p);
    }
}

TEST(release_argv)
{
    mkargv(0, NULL);
    CHECK(1 + 1 == 2);
}

TEST_MAIN()
