/* test_permissions.c: the permission engine — levels x modes x rules, the
 * access filters, the glob matcher and the schema checker. Pure functions,
 * no model needed. */
#include "agent/agent.h"
#include "test.h"

static json_t *J(const char *text)
{
    json_t *v = json_loads(text, 0, NULL);
    return v ? v : json_null();
}

static agent_verdict decide(const agent_rules *r, agent_mode m, const char *tool, agent_level l,
                            const char *input, const char **by)
{
    json_t *in = J(input);
    agent_decision d;
    agent_permission_decide(r, m, tool, l, in, &d);
    json_decref(in);
    if (by)
        *by = d.by;
    return d.verdict;
}

TEST(modes_by_level)
{
    struct { agent_mode m; agent_level l; agent_verdict want; } cases[] = {
        {AGENT_MODE_DEFAULT, AGENT_LEVEL_NONE, AGENT_VERDICT_ALLOW},
        {AGENT_MODE_DEFAULT, AGENT_LEVEL_READONLY, AGENT_VERDICT_ALLOW},
        {AGENT_MODE_DEFAULT, AGENT_LEVEL_WRITE, AGENT_VERDICT_ASK},
        {AGENT_MODE_DEFAULT, AGENT_LEVEL_EXECUTE, AGENT_VERDICT_ASK},
        {AGENT_MODE_DEFAULT, AGENT_LEVEL_NETWORK, AGENT_VERDICT_ASK},
        {AGENT_MODE_ACCEPT_EDITS, AGENT_LEVEL_READONLY, AGENT_VERDICT_ALLOW},
        {AGENT_MODE_ACCEPT_EDITS, AGENT_LEVEL_WRITE, AGENT_VERDICT_ALLOW},
        {AGENT_MODE_ACCEPT_EDITS, AGENT_LEVEL_EXECUTE, AGENT_VERDICT_ASK},
        {AGENT_MODE_ACCEPT_EDITS, AGENT_LEVEL_NETWORK, AGENT_VERDICT_ASK},
        {AGENT_MODE_PLAN, AGENT_LEVEL_NONE, AGENT_VERDICT_ALLOW},
        {AGENT_MODE_PLAN, AGENT_LEVEL_READONLY, AGENT_VERDICT_ALLOW},
        {AGENT_MODE_PLAN, AGENT_LEVEL_WRITE, AGENT_VERDICT_DENY},
        {AGENT_MODE_PLAN, AGENT_LEVEL_EXECUTE, AGENT_VERDICT_DENY},
        {AGENT_MODE_PLAN, AGENT_LEVEL_NETWORK, AGENT_VERDICT_DENY},
        {AGENT_MODE_BYPASS, AGENT_LEVEL_WRITE, AGENT_VERDICT_ALLOW},
        {AGENT_MODE_BYPASS, AGENT_LEVEL_EXECUTE, AGENT_VERDICT_ALLOW},
        {AGENT_MODE_BYPASS, AGENT_LEVEL_NETWORK, AGENT_VERDICT_ALLOW},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        agent_verdict v = decide(NULL, cases[i].m, "t", cases[i].l, "{}", NULL);
        if (v != cases[i].want)
            fprintf(stderr, "case %zu: mode %s level %s -> %d\n", i, agent_mode_name(cases[i].m),
                    agent_level_name(cases[i].l), v);
        CHECK_EQ_INT(v, cases[i].want);
    }
}

TEST(rules_deny_wins)
{
    agent_rules r;
    agent_rules_init(&r);
    json_t *s = J("{\"permissions\":{\"allow\":[\"bash\",\"write(src/**)\",{\"tool\":\"edit\",\"path\":\"docs/*.md\"}],"
                  "\"deny\":[\"write(src/secret/**)\",\"bash(rm *)\",\"read(.env)\"]}}");
    const workspace_config *cfg = workspace_config_from_json(s, NULL);
    agent_rules_from_config(&r, cfg);
    workspace_config_release(cfg);
    json_decref(s);
    CHECK_EQ_INT(r.allow.len, 3);
    CHECK_EQ_INT(r.deny.len, 3);
    const char *by = NULL;
    /* allow rules turn an ask into allow */
    CHECK_EQ_INT(decide(&r, AGENT_MODE_DEFAULT, "bash", AGENT_LEVEL_EXECUTE, "{\"command\":\"ls\"}", &by),
                 AGENT_VERDICT_ALLOW);
    CHECK_EQ_STR(by, "rule");
    CHECK_EQ_INT(decide(&r, AGENT_MODE_DEFAULT, "write", AGENT_LEVEL_WRITE,
                        "{\"file_path\":\"/src/a/b.c\"}", NULL), AGENT_VERDICT_ALLOW);
    CHECK_EQ_INT(decide(&r, AGENT_MODE_DEFAULT, "write", AGENT_LEVEL_WRITE,
                        "{\"file_path\":\"lib/b.c\"}", NULL), AGENT_VERDICT_ASK);
    CHECK_EQ_INT(decide(&r, AGENT_MODE_DEFAULT, "edit", AGENT_LEVEL_WRITE,
                        "{\"file_path\":\"docs/x.md\"}", NULL), AGENT_VERDICT_ALLOW);
    CHECK_EQ_INT(decide(&r, AGENT_MODE_DEFAULT, "edit", AGENT_LEVEL_WRITE,
                        "{\"file_path\":\"docs/sub/x.md\"}", NULL), AGENT_VERDICT_ASK);
    /* deny wins over allow, and over bypass */
    CHECK_EQ_INT(decide(&r, AGENT_MODE_DEFAULT, "write", AGENT_LEVEL_WRITE,
                        "{\"file_path\":\"src/secret/k\"}", &by), AGENT_VERDICT_DENY);
    CHECK_EQ_STR(by, "rule");
    CHECK_EQ_INT(decide(&r, AGENT_MODE_BYPASS, "write", AGENT_LEVEL_WRITE,
                        "{\"file_path\":\"src/secret/k\"}", NULL), AGENT_VERDICT_DENY);
    CHECK_EQ_INT(decide(&r, AGENT_MODE_BYPASS, "bash", AGENT_LEVEL_EXECUTE,
                        "{\"command\":\"rm -rf /\"}", NULL), AGENT_VERDICT_DENY);
    /* a deny rule on a ReadOnly tool */
    CHECK_EQ_INT(decide(&r, AGENT_MODE_DEFAULT, "read", AGENT_LEVEL_READONLY,
                        "{\"file_path\":\"/.env\"}", NULL), AGENT_VERDICT_DENY);
    /* ".." cannot walk around a deny rule */
    CHECK_EQ_INT(decide(&r, AGENT_MODE_DEFAULT, "write", AGENT_LEVEL_WRITE,
                        "{\"file_path\":\"src/x/../secret/k\"}", NULL), AGENT_VERDICT_DENY);
    CHECK_EQ_INT(decide(&r, AGENT_MODE_DEFAULT, "read", AGENT_LEVEL_READONLY,
                        "{\"file_path\":\"a/../.env\"}", NULL), AGENT_VERDICT_DENY);
    /* plan mode beats an allow rule */
    CHECK_EQ_INT(decide(&r, AGENT_MODE_PLAN, "bash", AGENT_LEVEL_EXECUTE, "{\"command\":\"ls\"}", NULL),
                 AGENT_VERDICT_DENY);
    agent_rules_release(&r);
}

TEST(rules_malformed_are_skipped)
{
    agent_rules r;
    agent_rules_init(&r);
    json_t *s = J("{\"permissions\":{\"allow\":[\"\",42,\"write(\",{\"path\":\"x\"},\"ok\"],\"deny\":\"nope\"}}");
    char *problems = NULL;
    const workspace_config *cfg = workspace_config_from_json(s, &problems);
    agent_rules_from_config(&r, cfg);
    workspace_config_release(cfg);
    json_decref(s);
    CHECK_EQ_INT(r.allow.len, 1);
    CHECK_EQ_INT(r.deny.len, 0);
    /* each malformed one is named */
    CHECK(problems && strstr(problems, "permissions.allow.0: empty rule"));
    CHECK(problems && strstr(problems, "permissions.allow.1: a rule is a string or an object"));
    CHECK(problems && strstr(problems, "permissions.allow.2: rule 'write(': expected tool(glob)"));
    CHECK(problems && strstr(problems, "permissions.allow.3: rule object without a tool"));
    CHECK(problems && strstr(problems, "permissions.deny: expected a list of rules"));
    bx_free(problems);
    agent_rules_release(&r);
}

TEST(access_filters)
{
    /* full: everything; read-only: None/ReadOnly; search-only: the named set */
    CHECK(agent_tool_offered(AGENT_ACCESS_FULL, AGENT_MODE_DEFAULT, "bash", AGENT_LEVEL_EXECUTE));
    CHECK(!agent_tool_offered(AGENT_ACCESS_READ_ONLY, AGENT_MODE_DEFAULT, "bash", AGENT_LEVEL_EXECUTE));
    CHECK(!agent_tool_offered(AGENT_ACCESS_READ_ONLY, AGENT_MODE_DEFAULT, "write", AGENT_LEVEL_WRITE));
    CHECK(agent_tool_offered(AGENT_ACCESS_READ_ONLY, AGENT_MODE_DEFAULT, "grep", AGENT_LEVEL_READONLY));
    CHECK(agent_tool_offered(AGENT_ACCESS_READ_ONLY, AGENT_MODE_DEFAULT, "todo_write", AGENT_LEVEL_NONE));
    const char *search[] = {"read", "glob", "grep", "ls", "tool_search"};
    for (size_t i = 0; i < 5; i++)
        CHECK(agent_tool_offered(AGENT_ACCESS_SEARCH_ONLY, AGENT_MODE_DEFAULT, search[i],
                                 AGENT_LEVEL_READONLY));
    CHECK(agent_tool_offered(AGENT_ACCESS_SEARCH_ONLY, AGENT_MODE_DEFAULT, "web_fetch", AGENT_LEVEL_NETWORK));
    CHECK(!agent_tool_offered(AGENT_ACCESS_SEARCH_ONLY, AGENT_MODE_DEFAULT, "todo_write", AGENT_LEVEL_NONE));
    CHECK(!agent_tool_offered(AGENT_ACCESS_SEARCH_ONLY, AGENT_MODE_DEFAULT, "write", AGENT_LEVEL_WRITE));
    CHECK(!agent_tool_offered(AGENT_ACCESS_SEARCH_ONLY, AGENT_MODE_DEFAULT, "bash", AGENT_LEVEL_EXECUTE));
    /* plan mode offers only None and ReadOnly */
    CHECK(agent_tool_offered(AGENT_ACCESS_FULL, AGENT_MODE_PLAN, "read", AGENT_LEVEL_READONLY));
    CHECK(agent_tool_offered(AGENT_ACCESS_FULL, AGENT_MODE_PLAN, "brief", AGENT_LEVEL_NONE));
    CHECK(!agent_tool_offered(AGENT_ACCESS_FULL, AGENT_MODE_PLAN, "write", AGENT_LEVEL_WRITE));
    CHECK(!agent_tool_offered(AGENT_ACCESS_FULL, AGENT_MODE_PLAN, "web_fetch", AGENT_LEVEL_NETWORK));
}

TEST(glob)
{
    CHECK(agent_glob_match("src/*.c", "src/a.c"));
    CHECK(!agent_glob_match("src/*.c", "src/x/a.c"));
    CHECK(agent_glob_match("src/**", "src/x/y/a.c"));
    CHECK(agent_glob_match("src/**/*.c", "src/a.c"));
    CHECK(agent_glob_match("src/**/*.c", "src/x/y/a.c"));
    CHECK(!agent_glob_match("src/**/*.c", "lib/a.c"));
    CHECK(agent_glob_match("a?c", "abc"));
    CHECK(!agent_glob_match("a?c", "a/c"));
    CHECK(agent_glob_match("*", "anything"));
    CHECK(!agent_glob_match("*", "a/b"));
    CHECK(agent_glob_match("**", "a/b"));
    CHECK(agent_glob_match("", ""));
    CHECK(!agent_glob_match("x", ""));
    /* a pathological pattern ends quickly and does not match */
    CHECK(!agent_glob_match("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
                            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

TEST(names)
{
    agent_mode m;
    CHECK(agent_mode_parse("accept-edits", &m) && m == AGENT_MODE_ACCEPT_EDITS);
    CHECK(agent_mode_parse("bypass", &m) && m == AGENT_MODE_BYPASS);
    CHECK(!agent_mode_parse("yolo", &m));
    agent_access a;
    CHECK(agent_access_parse("search-only", &a) && a == AGENT_ACCESS_SEARCH_ONLY);
    CHECK(!agent_access_parse("root", &a));
    CHECK_EQ_INT(agent_outcome_exit_code(AGENT_OUTCOME_COMPLETED), 0);
    CHECK_EQ_INT(agent_outcome_exit_code(AGENT_OUTCOME_MAX_COST), 3);
    CHECK_EQ_INT(agent_outcome_exit_code(AGENT_OUTCOME_CANCELLED), 130);
    CHECK_EQ_INT(agent_outcome_exit_code(AGENT_OUTCOME_ERROR), 1);
    CHECK_EQ_STR(agent_outcome_name(AGENT_OUTCOME_MAX_TOKENS), "max_tokens");
}

TEST(schema)
{
    json_t *schema = J("{\"type\":\"object\",\"properties\":{\"file_path\":{\"type\":\"string\",\"minLength\":1},"
                       "\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":10},"
                       "\"mode\":{\"type\":\"string\",\"enum\":[\"a\",\"b\"]},"
                       "\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}},"
                       "\"required\":[\"file_path\"],\"additionalProperties\":false}");
    struct { const char *in; bool ok; const char *needle; } cases[] = {
        {"{\"file_path\":\"x\"}", true, NULL},
        {"{\"file_path\":\"x\",\"limit\":3,\"mode\":\"a\",\"tags\":[\"t\"]}", true, NULL},
        {"{}", false, "file_path is required"},
        {"{\"file_path\":1}", false, "file_path must be a string"},
        {"{\"file_path\":\"\"}", false, "at least 1"},
        {"{\"file_path\":\"x\",\"limit\":0}", false, "limit must be >= 1"},
        {"{\"file_path\":\"x\",\"limit\":2.5}", false, "limit must be an integer"},
        {"{\"file_path\":\"x\",\"mode\":\"c\"}", false, "mode must be one of"},
        {"{\"file_path\":\"x\",\"tags\":[1]}", false, "tags[0]"},
        {"{\"file_path\":\"x\",\"extra\":1}", false, "extra is not a known field"},
        {"[1]", false, "must be a JSON object"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *in = J(cases[i].in);
        bx_buf msg;
        bx_buf_init(&msg, 4096);
        bool ok = agent_schema_check(schema, in, &msg);
        CHECK_EQ_INT(ok, cases[i].ok);
        if (cases[i].needle && !strstr(msg.data, cases[i].needle))
            fprintf(stderr, "case %zu: message '%s' lacks '%s'\n", i, msg.data, cases[i].needle);
        CHECK(!cases[i].needle || strstr(msg.data, cases[i].needle));
        bx_buf_release(&msg);
        json_decref(in);
    }
    json_decref(schema);
}

TEST_MAIN()
