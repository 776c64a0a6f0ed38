/* Unit tests for src/json. */
#include "json/json.h"
#include "test.h"

TEST(parse_reports_line_and_column)
{
    bx_error e;
    json_t *v = jx_parse("{\n  \"a\": 1,\n  \"b\": ]\n}", 20, 1 << 20, &e);
    CHECK(v == NULL);
    CHECK(e.code == BX_PARSE);
    CHECK_EQ_INT(e.line, 3);
    CHECK(e.column > 0);
    CHECK(strstr(e.message, "line 3") != NULL);
}

TEST(parse_rejects_duplicates_trailing_and_oversize)
{
    bx_error e;
    CHECK(jx_parse("{\"a\":1,\"a\":2}", 13, 100, &e) == NULL);
    CHECK(jx_parse("{} x", 4, 100, &e) == NULL);
    CHECK(jx_parse("[1,2,3]", 7, 3, &e) == NULL && e.code == BX_TOOBIG);
    json_t *v = jx_parse("42", 2, 100, &e);
    CHECK(json_is_integer(v));
    json_decref(v);
}

TEST(typed_getters)
{
    const char *text = "{\"s\":\"x\",\"i\":5,\"f\":1.5,\"b\":true,\"o\":{\"p\":{\"q\":7}},\"a\":[]}";
    json_t *v = jx_parse(text, strlen(text), 1000, NULL);
    REQUIRE(v);
    CHECK_EQ_STR(jx_str(v, "s", "d"), "x");
    CHECK_EQ_STR(jx_str(v, "i", "d"), "d"); /* wrong type gives the default */
    CHECK_EQ_INT(jx_int(v, "i", 0), 5);
    CHECK_EQ_INT(jx_int(v, "missing", 9), 9);
    CHECK(jx_num(v, "f", 0) == 1.5);
    CHECK(jx_num(v, "i", 0) == 5.0);
    CHECK(jx_bool(v, "b", false));
    CHECK(jx_obj(v, "o") != NULL && jx_obj(v, "a") == NULL);
    CHECK(jx_arr(v, "a") != NULL);
    CHECK_EQ_INT(json_integer_value(jx_path(v, "o.p.q")), 7);
    CHECK(jx_path(v, "o.x.q") == NULL);
    CHECK(jx_str(NULL, "s", "d") != NULL);
    json_decref(v);
}

TEST(locate_finds_values_in_the_text)
{
    const char *t = "{\n  \"a\": {\"b\": [10, {\"c\": \"\u00e9x\"}]},\n  \"d\\\"\": 1, \"d\": \"\u00e9\", \"e\": 2\n}";
    int line = 0, col = 0;
    const char *p1[] = {"a", "b", "1", "c"};
    CHECK(jx_locate(t, strlen(t), p1, 4, &line, &col));
    CHECK_EQ_INT(line, 2);
    CHECK_EQ_INT(col, 25);
    const char *p2[] = {"e"};
    CHECK(jx_locate(t, strlen(t), p2, 1, &line, &col));
    CHECK_EQ_INT(line, 3);
    CHECK_EQ_INT(col, 28); /* the e-acute before it is one column */
    const char *p3[] = {"d"};
    CHECK(jx_locate(t, strlen(t), p3, 1, &line, &col)); /* not the escaped "d\"" */
    CHECK_EQ_INT(col, 18);
    const char *missing[] = {"a", "zz"};
    CHECK(!jx_locate(t, strlen(t), missing, 2, &line, &col));
    const char *past[] = {"a", "b", "7"};
    CHECK(!jx_locate(t, strlen(t), past, 3, &line, &col));
    CHECK(!jx_locate("{\"a\": [1, 2", 11, past, 3, &line, &col)); /* cut text */
}

TEST(canonical_dump_sorts_keys)
{
    const char *text = "{\"b\":1,\"a\":{\"d\":2,\"c\":\"\\u00e9\"}}";
    json_t *v = jx_parse(text, strlen(text), 1000, NULL);
    REQUIRE(v);
    bx_buf b;
    bx_buf_init(&b, 1000);
    CHECK(jx_dump_canonical(v, &b) == BX_OK);
    CHECK_EQ_STR(b.data, "{\"a\":{\"c\":\"\xc3\xa9\",\"d\":2},\"b\":1}");
    bx_buf_release(&b);
    bx_buf_init(&b, 5);
    CHECK(jx_dump_canonical(v, &b) == BX_TOOBIG);
    CHECK_EQ_INT(b.len, 0);
    bx_buf_release(&b);
    json_decref(v);
}

TEST_MAIN()
