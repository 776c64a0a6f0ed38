/* test_json: the guest JSON reader/writer, compiled natively: values,
 * escapes, errors with line/column, depth cap, writer escaping. */
#include "json.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static js *P(const char *s) { return js_parse(s, strlen(s), NULL, 0); }

TEST(values)
{
    js *v = P(" {\"s\":\"a\\u00e9\\ud83d\\ude00\\n\", \"n\": -12.5e-1, \"i\": 42, \"t\": true,"
              " \"z\": null, \"a\": [1, [2], {}], \"s\": \"last\"} ");
    REQUIRE(v != NULL);
    CHECK_EQ_STR(js_get_str(v, "s"), "last");
    CHECK(js_get_num(v, "n", 0) == -1.25);
    CHECK(js_is_int(js_get(v, "i")));
    CHECK(!js_is_int(js_get(v, "n")));
    CHECK(js_get_bool(v, "t", false));
    CHECK(js_get(v, "z")->type == JS_NULL);
    CHECK_EQ_INT(js_get(v, "a")->len, 3);
    CHECK(js_get(v, "missing") == NULL);
    CHECK(js_get_bool(v, "s", true) == true);
    js_free(v);
    v = P("\"a\\u00e9\\ud83d\\ude00\\u0000b\"");
    REQUIRE(v != NULL);
    CHECK_EQ_INT(v->len, 1 + 2 + 4 + 1 + 1);
    CHECK(memcmp(v->str, "a\xc3\xa9\xf0\x9f\x98\x80\0b", 9) == 0);
    js_free(v);
    v = P("\"\\udc00\"");
    REQUIRE(v != NULL);
    CHECK_EQ_STR(v->str, "\xef\xbf\xbd");
    js_free(v);
}

TEST(errors)
{
    static const struct { const char *in; const char *msg; } bad[] = {
        {"", "line 1 column 1: unexpected end"},
        {"{\"a\":1,}", "expected a string key"},
        {"[1 2]", "expected ','"},
        {"{\"a\"\n  1}", "line 2 column 3: expected ':'"},
        {"01", "trailing"},
        {"1.", "bad fraction"},
        {"1e", "bad exponent"},
        {"\"a\x01\"", "control character"},
        {"\"\xff\"", "invalid UTF-8"},
        {"\"\\x\"", "bad escape"},
        {"\"abc", "unterminated string"},
        {"tru", "unexpected word"},
        {"{} x", "trailing"},
        {"+1", "unexpected character"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char err[128] = "";
        js *v = js_parse(bad[k].in, strlen(bad[k].in), err, sizeof err);
        CHECK(v == NULL);
        js_free(v);
        if (!strstr(err, bad[k].msg)) {
            fprintf(stderr, "%s: \"%s\" lacks \"%s\"\n", bad[k].in, err, bad[k].msg);
            CHECK(0);
        }
    }
}

TEST(depth_cap)
{
    size_t n = 100000;
    char *s = malloc(2 * n);
    REQUIRE(s != NULL);
    memset(s, '[', n);
    memset(s + n, ']', n);
    char err[128];
    CHECK(js_parse(s, 2 * n, err, sizeof err) == NULL);
    CHECK(strstr(err, "nesting too deep") != NULL);
    js *v = js_parse(s + n - JS_MAX_DEPTH, 2 * JS_MAX_DEPTH, err, sizeof err);
    CHECK(v != NULL);
    js_free(v);
    free(s);
}

TEST(writer)
{
    sb b;
    sb_init(&b);
    jw_str(&b, "a\"\\\n\x01\xff\xc3\xa9", 8);
    CHECK_EQ_STR(sb_str(&b), "\"a\\\"\\\\\\n\\u0001\xef\xbf\xbd\xc3\xa9\"");
    sb_free(&b);
    sb_init(&b);
    jw_num(&b, 3);
    sb_putc(&b, ' ');
    jw_num(&b, -0.25);
    sb_putc(&b, ' ');
    jw_num(&b, 1.0 / 0.0);
    CHECK_EQ_STR(sb_str(&b), "3 -0.25 null");
    sb_free(&b);
    js *v = P("{\"k\":[1,\"two\",{\"x\":null}],\"b\":false}");
    REQUIRE(v != NULL);
    sb_init(&b);
    jw_value(&b, v);
    CHECK_EQ_STR(sb_str(&b), "{\"k\":[1,\"two\",{\"x\":null}],\"b\":false}");
    sb_free(&b);
    js_free(v);
    sb_init(&b);
    for (int k = 0; k < 1000; k++) sb_printf(&b, "%04d", k);
    CHECK_EQ_INT(b.len, 4000);
    sb_printf(&b, "%s", "");
    CHECK(!b.oom);
    sb_free(&b);
}

TEST_MAIN()
