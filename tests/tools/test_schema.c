/* test_schema: the JSON-Schema subset checked before any tool runs (every
 * error names the field), schema self-checks, and the clap/argparse --help
 * parser that turns a foreign program into a tool. */
#include "test.h"
#include "tools/tools.h"
#include "json/json.h"

static json_t *J(const char *s)
{
    json_t *v = jx_parse(s, strlen(s), 1 << 20, NULL);
    if (!v) fprintf(stderr, "bad test JSON: %s\n", s);
    return v;
}

static const char *SCHEMA =
    "{\"type\":\"object\",\"properties\":{"
    "\"file_path\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":5},"
    "\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":10},"
    "\"ratio\":{\"type\":\"number\",\"exclusiveMinimum\":0},"
    "\"mode\":{\"type\":\"string\",\"enum\":[\"a\",\"b\"]},"
    "\"flag\":{\"type\":\"boolean\"},"
    "\"edits\":{\"type\":\"array\",\"minItems\":1,\"maxItems\":2,\"items\":{\"type\":\"object\","
    "  \"properties\":{\"old_string\":{\"type\":\"string\"}},\"required\":[\"old_string\"],"
    "  \"additionalProperties\":false}}},"
    "\"required\":[\"file_path\"],\"additionalProperties\":false}";

TEST(valid_inputs_pass)
{
    json_t *s = J(SCHEMA);
    static const char *ok[] = {
        "{\"file_path\":\"a\"}",
        "{\"file_path\":\"héllo\",\"limit\":10,\"ratio\":0.5,\"mode\":\"b\",\"flag\":false}",
        "{\"file_path\":\"a\",\"limit\":3.0}",
        "{\"file_path\":\"a\",\"edits\":[{\"old_string\":\"x\"},{\"old_string\":\"\"}]}",
    };
    for (size_t k = 0; k < BX_ARRAY_LEN(ok); k++) {
        json_t *v = J(ok[k]);
        char err[256];
        bool r = tools_schema_validate(s, v, err, sizeof err);
        if (!r) fprintf(stderr, "%s: %s\n", ok[k], err);
        CHECK(r);
        json_decref(v);
    }
    json_decref(s);
}

TEST(errors_name_the_field)
{
    json_t *s = J(SCHEMA);
    static const struct { const char *in, *msg; } bad[] = {
        {"{}", "missing required field 'file_path'"},
        {"[]", "expected object, got array"},
        {"{\"file_path\":1}", "field 'file_path': expected string, got integer"},
        {"{\"file_path\":\"\"}", "field 'file_path': must be at least 1 characters"},
        {"{\"file_path\":\"toolong\"}", "field 'file_path': must be at most 5 characters"},
        {"{\"file_path\":\"a\",\"limit\":0}", "field 'limit': must be >= 1"},
        {"{\"file_path\":\"a\",\"limit\":11}", "field 'limit': must be <= 10"},
        {"{\"file_path\":\"a\",\"limit\":1.5}", "field 'limit': expected integer, got number"},
        {"{\"file_path\":\"a\",\"ratio\":0}", "field 'ratio': must be > 0"},
        {"{\"file_path\":\"a\",\"mode\":\"c\"}", "field 'mode': must be one of [\"a\",\"b\"]"},
        {"{\"file_path\":\"a\",\"flag\":\"yes\"}", "field 'flag': expected boolean, got string"},
        {"{\"file_path\":\"a\",\"other\":1}", "unknown field 'other' (allowed: file_path, limit"},
        {"{\"file_path\":\"a\",\"edits\":[]}", "field 'edits': needs at least 1 items"},
        {"{\"file_path\":\"a\",\"edits\":[{},{},{}]}", "field 'edits': allows at most 2 items"},
        {"{\"file_path\":\"a\",\"edits\":[{\"old_string\":\"x\"},{\"old_string\":2}]}",
         "field 'edits[1].old_string': expected string, got integer"},
        {"{\"file_path\":\"a\",\"edits\":[{}]}", "missing required field 'edits[0].old_string'"},
        {"{\"file_path\":\"a\",\"edits\":[{\"old_string\":\"x\",\"zz\":1}]}", "unknown field 'edits[0].zz'"},
    };
    for (size_t k = 0; k < BX_ARRAY_LEN(bad); k++) {
        json_t *v = J(bad[k].in);
        REQUIRE(v != NULL);
        char err[512] = "";
        CHECK(!tools_schema_validate(s, v, err, sizeof err));
        if (!strstr(err, bad[k].msg)) {
            fprintf(stderr, "%s:\n  got  %s\n  want %s\n", bad[k].in, err, bad[k].msg);
            CHECK(0);
        }
        json_decref(v);
    }
    json_decref(s);
}

TEST(schema_self_check)
{
    json_t *s = J(SCHEMA);
    char err[256];
    CHECK(tools_schema_check(s, err, sizeof err));
    json_decref(s);
    static const char *bad[] = {
        "{\"type\":\"strnig\"}", "{\"type\":\"object\",\"required\":\"x\"}",
        "{\"minimum\":\"1\"}", "{\"properties\":{\"a\":{\"type\":7}}}", "{\"enum\":1}", "[]",
    };
    for (size_t k = 0; k < BX_ARRAY_LEN(bad); k++) {
        json_t *v = J(bad[k]);
        CHECK(!tools_schema_check(v, err, sizeof err));
        json_decref(v);
    }
    /* hostile depth is refused, not a stack overflow */
    bx_buf b;
    bx_buf_init(&b, BX_BUF_UNLIMITED);
    for (int k = 0; k < 200; k++) bx_buf_puts(&b, "{\"items\":");
    bx_buf_puts(&b, "{}");
    for (int k = 0; k < 200; k++) bx_buf_putc(&b, '}');
    json_t *deep = jx_parse(b.data, b.len, 1 << 20, NULL);
    REQUIRE(deep != NULL);
    CHECK(!tools_schema_check(deep, err, sizeof err));
    json_decref(deep);
    bx_buf_release(&b);
}

TEST(clap_help)
{
    const char *help =
        "Counts words in files\n\n"
        "Usage: wc [OPTIONS] --path <PATH>\n\n"
        "Options:\n"
        "  -p, --path <PATH>      File to count\n"
        "  -m, --mode <MODE>      What to count [default: words] [possible values: words, lines, bytes]\n"
        "      --max-files <N>    Stop after N files [default: 100]\n"
        "  -v, --verbose          Print more\n"
        "                         (continued help)\n"
        "  -h, --help             Print help\n"
        "  -V, --version          Print version\n";
    json_t *spec = tools_parse_help(help, strlen(help));
    REQUIRE(spec != NULL);
    CHECK_EQ_STR(jx_str(spec, "description", ""), "Counts words in files");
    json_t *props = jx_path(spec, "input_schema.properties");
    CHECK_EQ_INT(json_object_size(props), 4);
    CHECK_EQ_STR(jx_str(json_object_get(props, "path"), "type", ""), "string");
    CHECK_EQ_STR(jx_str(json_object_get(props, "path"), "x-flag", ""), "--path");
    CHECK_EQ_STR(jx_str(json_object_get(props, "max_files"), "type", ""), "integer");
    CHECK_EQ_INT(jx_int(json_object_get(props, "max_files"), "default", 0), 100);
    CHECK_EQ_STR(jx_str(json_object_get(props, "verbose"), "type", ""), "boolean");
    CHECK(strstr(jx_str(json_object_get(props, "verbose"), "description", ""), "continued") != NULL);
    json_t *en = jx_path(spec, "input_schema.properties.mode.enum");
    CHECK_EQ_INT(json_array_size(en), 3);
    json_t *req = jx_path(spec, "input_schema.required");
    CHECK_EQ_INT(json_array_size(req), 1);
    CHECK_EQ_STR(json_string_value(json_array_get(req, 0)), "path");
    char err[128];
    CHECK(tools_schema_check(json_object_get(spec, "input_schema"), err, sizeof err));
    json_decref(spec);
}

TEST(argparse_help)
{
    const char *help =
        "usage: fetch.py [-h] [--retries RETRIES] [--format {json,csv}] --url URL [--dry-run]\n\n"
        "Downloads a URL.\n\n"
        "options:\n"
        "  -h, --help           show this help message and exit\n"
        "  --retries RETRIES    how often to retry (default: 3)\n"
        "  --format {json,csv}  output format\n"
        "  --url URL            the URL\n"
        "  --dry-run            do nothing\n";
    json_t *spec = tools_parse_help(help, strlen(help));
    REQUIRE(spec != NULL);
    CHECK_EQ_STR(jx_str(spec, "description", ""), "Downloads a URL.");
    json_t *props = jx_path(spec, "input_schema.properties");
    CHECK_EQ_INT(json_object_size(props), 4);
    CHECK_EQ_STR(jx_str(json_object_get(props, "retries"), "type", ""), "integer");
    CHECK_EQ_INT(json_array_size(jx_path(spec, "input_schema.properties.format.enum")), 2);
    CHECK_EQ_STR(jx_str(json_object_get(props, "dry_run"), "type", ""), "boolean");
    json_t *req = jx_path(spec, "input_schema.required");
    CHECK_EQ_INT(json_array_size(req), 1);
    CHECK_EQ_STR(json_string_value(json_array_get(req, 0)), "url");
    json_decref(spec);
    CHECK(tools_parse_help("no options here\n", 16) == NULL);
}

TEST(levels)
{
    tools_level l;
    CHECK(tools_level_parse("read_only", &l) && l == TOOLS_READ_ONLY);
    CHECK(tools_level_parse("network", &l) && l == TOOLS_NETWORK);
    CHECK(!tools_level_parse("root", &l));
    CHECK_EQ_STR(tools_level_name(TOOLS_EXECUTE), "execute");
}

TEST_MAIN()
