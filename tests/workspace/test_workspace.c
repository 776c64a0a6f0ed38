/* Unit tests for src/workspace: layout, settings (errors, unknown fields,
 * secrets refused), secrets file mode, AGENTS.md, skills and front matter. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "workspace/workspace.h"

static char *scratch(void)
{
    char tmpl[] = "/tmp/bx-ws-XXXXXX";
    return mkdtemp(tmpl) ? bx_strdup(tmpl) : NULL;
}

static void rm_rf(const char *dir)
{
    char *cmd = bx_sprintf("rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup failed: %s\n", cmd);
    bx_free(cmd);
}

static void write_text(const char *path, const char *text)
{
    bx_write_file_atomic(path, text, strlen(text), 0644);
}

TEST(creates_layout_on_first_start)
{
    char *dir = scratch();
    REQUIRE(dir);
    workspace *ws;
    REQUIRE(workspace_open(dir, NULL, NULL, &ws) == BX_OK);
    struct stat st;
    CHECK(stat(workspace_root(ws), &st) == 0 && S_ISDIR(st.st_mode));
    CHECK(stat(workspace_tools_dir(ws), &st) == 0 && S_ISDIR(st.st_mode));
    CHECK(stat(workspace_skills_dir(ws), &st) == 0 && S_ISDIR(st.st_mode));
    CHECK(stat(workspace_state_dir(ws), &st) == 0 && (st.st_mode & 0777) == 0700);
    CHECK(strstr(workspace_db_path(ws), "/.boxagnts/boxagnts.db") != NULL);
    json_t *s = workspace_settings(ws);
    CHECK_EQ_STR(jx_str(jx_path(s, "agents.plan"), "access", ""), "read-only");
    CHECK_EQ_STR(jx_str(jx_path(s, "agents.explore"), "access", ""), "search-only");
    CHECK_EQ_INT(jx_int(jx_obj(s, "sandbox"), "timeout_s", 0), 30);
    json_decref(s);
    workspace_close(ws);
    rm_rf(dir);
    bx_free(dir);
}

TEST(settings_syntax_error_reported_and_never_overwritten)
{
    char *dir = scratch();
    REQUIRE(dir);
    char *state = bx_sprintf("%s/.boxagnts", dir);
    bx_mkdirs(state, 0700);
    char *path = bx_sprintf("%s/settings.json", state);
    const char *broken = "{\n  \"default_model\": \"openai/gpt-5\",\n  \"x\": [1, 2,\n}\n";
    write_text(path, broken);
    workspace *ws;
    REQUIRE(workspace_open(dir, NULL, NULL, &ws) == BX_OK);
    const bx_error *e = workspace_settings_error(ws);
    REQUIRE(e != NULL);
    CHECK(strstr(e->message, "settings.json:4:") != NULL); /* file:line:column */
    CHECK_EQ_INT(e->line, 4);
    /* defaults still apply */
    json_t *s = workspace_settings(ws);
    CHECK_EQ_STR(jx_str(s, "permission_mode", ""), "default");
    json_decref(s);
    /* a save is refused and the file is untouched */
    json_t *patch = json_pack("{s:s}", "default_model", "anthropic/x");
    bx_error d;
    CHECK(workspace_settings_update(ws, patch, &d) == BX_PARSE);
    CHECK(strstr(d.message, "not changed") != NULL);
    bx_buf b;
    bx_buf_init(&b, 1 << 16);
    CHECK(bx_read_file(path, 1 << 16, &b) == BX_OK);
    CHECK_EQ_STR(b.data, broken);
    /* fixing the file by hand makes saves work again */
    write_text(path, "{\"default_model\": \"openai/gpt-5\"}");
    CHECK(workspace_settings_update(ws, patch, &d) == BX_OK);
    CHECK(workspace_settings_error(ws) == NULL);
    bx_buf_release(&b);
    json_decref(patch);
    workspace_close(ws);
    rm_rf(dir);
    bx_free(path);
    bx_free(state);
    bx_free(dir);
}

TEST(unknown_fields_survive_a_save_and_nulls_delete)
{
    char *dir = scratch();
    REQUIRE(dir);
    char *state = bx_sprintf("%s/.boxagnts", dir);
    bx_mkdirs(state, 0700);
    char *path = bx_sprintf("%s/settings.json", state);
    write_text(path, "{\"zzz_future\": {\"keep\": [1,2]}, \"sandbox\": {\"fuel\": 5, \"mine\": 1},"
                     " \"drop_me\": 1}");
    workspace *ws;
    REQUIRE(workspace_open(dir, NULL, NULL, &ws) == BX_OK);
    json_t *patch = json_pack("{s:{s:i}, s:n}", "sandbox", "timeout_s", 7, "drop_me");
    CHECK(workspace_settings_update(ws, patch, NULL) == BX_OK);
    json_decref(patch);
    json_t *file = jx_parse_file(path, 1 << 20, NULL);
    REQUIRE(file);
    CHECK(json_is_array(jx_path(file, "zzz_future.keep")));
    CHECK_EQ_INT(jx_int(jx_obj(file, "sandbox"), "mine", 0), 1);
    CHECK_EQ_INT(jx_int(jx_obj(file, "sandbox"), "timeout_s", 0), 7);
    CHECK(json_object_get(file, "drop_me") == NULL);
    CHECK(json_object_get(file, "agents") == NULL); /* defaults are not written out */
    json_decref(file);
    json_t *s = workspace_settings(ws);
    CHECK_EQ_INT(jx_int(jx_obj(s, "sandbox"), "fuel", 0), 5);
    CHECK_EQ_STR(jx_str(jx_obj(s, "sandbox"), "max_memory", ""), "256M"); /* default kept */
    json_decref(s);
    workspace_close(ws);
    rm_rf(dir);
    bx_free(path);
    bx_free(state);
    bx_free(dir);
}

TEST(secrets_stay_out_of_settings)
{
    char *dir = scratch();
    REQUIRE(dir);
    workspace *ws;
    REQUIRE(workspace_open(dir, NULL, NULL, &ws) == BX_OK);
    json_t *patch = json_pack("{s:{s:{s:s}}}", "providers", "openai", "api_key", "sk-123");
    bx_error d;
    CHECK(workspace_settings_update(ws, patch, &d) == BX_INVALID);
    CHECK(strstr(d.message, "sk-123") == NULL);
    json_decref(patch);
    CHECK(workspace_secret_set(ws, "OPENAI_API_KEY", "sk-secret-1") == BX_OK);
    struct stat st;
    CHECK(stat(workspace_secrets_path(ws), &st) == 0 && (st.st_mode & 0777) == 0600);
    char *v = workspace_secret(ws, "OPENAI_API_KEY");
    CHECK_EQ_STR(v, "sk-secret-1");
    bx_free(v);
    setenv("BX_TEST_ONLY_ENV_KEY", "from-env", 1);
    v = workspace_secret(ws, "BX_TEST_ONLY_ENV_KEY");
    CHECK_EQ_STR(v, "from-env");
    bx_free(v);
    CHECK(!workspace_secret_present(ws, "NOPE_NOT_SET_ANYWHERE"));
    CHECK(workspace_secret_set(ws, "OPENAI_API_KEY", NULL) == BX_OK);
    CHECK(!workspace_secret_present(ws, "OPENAI_API_KEY") || getenv("OPENAI_API_KEY"));
    /* a key written into settings.json by hand never reaches the snapshot */
    write_text(workspace_settings_path(ws), "{\"providers\": {\"x\": {\"api_key\": \"leak\"}}}");
    CHECK(workspace_settings_reload(ws, NULL) == BX_OK);
    json_t *s = workspace_settings(ws);
    char *dump = jx_dumps(s);
    CHECK(strstr(dump, "leak") == NULL);
    free(dump);
    json_decref(s);
    workspace_close(ws);
    rm_rf(dir);
    bx_free(dir);
}

TEST(agents_md_and_root_override)
{
    char *dir = scratch();
    REQUIRE(dir);
    char *repo = bx_sprintf("%s/repo", dir);
    bx_mkdirs(repo, 0755);
    char *repo_md = bx_sprintf("%s/AGENTS.md", repo);
    write_text(repo_md, "Run make test.");
    workspace *ws;
    REQUIRE(workspace_open(dir, repo, NULL, &ws) == BX_OK);
    CHECK(strcmp(workspace_root(ws), repo) == 0);
    CHECK(workspace_agents_md_write(ws, "Be brief.", 9) == BX_OK);
    bx_buf b;
    bx_buf_init(&b, 1 << 20);
    CHECK(workspace_agents_md(ws, &b) == BX_OK);
    CHECK(strstr(b.data, "Be brief.") != NULL);
    CHECK(strstr(b.data, "Run make test.") != NULL);
    CHECK(strstr(b.data, "Be brief.") < strstr(b.data, "Run make test."));
    bx_buf_release(&b);
    workspace_close(ws);
    rm_rf(dir);
    bx_free(repo_md);
    bx_free(repo);
    bx_free(dir);
}

TEST(front_matter_and_skills)
{
    const char *doc = "---\nname: review\ndescription: \"Reviews code\"\ntools: [read, grep]\n"
                      "args:\n  - name: path\n    default: src\nmax: 3\nflag: true\n---\nBody $ARGUMENTS\n";
    json_t *meta;
    size_t body;
    bx_error e;
    REQUIRE(workspace_front_matter(doc, strlen(doc), &meta, &body, &e) == BX_OK);
    CHECK_EQ_STR(jx_str(meta, "name", ""), "review");
    CHECK_EQ_INT(json_array_size(jx_arr(meta, "tools")), 2);
    CHECK_EQ_INT(jx_int(meta, "max", 0), 3);
    CHECK(jx_bool(meta, "flag", false));
    CHECK_EQ_STR(jx_str(json_array_get(jx_arr(meta, "args"), 0), "default", ""), "src");
    CHECK_EQ_STR(doc + body, "Body $ARGUMENTS\n");
    json_decref(meta);
    const char *bad = "---\nname: [unclosed\n---\nx";
    CHECK(workspace_front_matter(bad, strlen(bad), &meta, &body, &e) == BX_PARSE);
    const char *open_ended = "---\nname: x\n";
    CHECK(workspace_front_matter(open_ended, strlen(open_ended), &meta, &body, &e) == BX_PARSE);
    CHECK(workspace_front_matter("plain", 5, &meta, &body, &e) == BX_OK && body == 0);
    json_decref(meta);

    char *dir = scratch();
    REQUIRE(dir);
    workspace *ws;
    REQUIRE(workspace_open(dir, NULL, NULL, &ws) == BX_OK);
    const char *names[] = {"zeta", "alpha", "broken"};
    const char *texts[] = {"---\ndescription: last\n---\nz", "---\nname: alpha\n---\na",
                           "---\nname: [\n---\n"};
    for (int i = 0; i < 3; i++) {
        char *sd = bx_sprintf("%s/%s", workspace_skills_dir(ws), names[i]);
        bx_mkdirs(sd, 0755);
        char *p = bx_sprintf("%s/SKILL.md", sd);
        write_text(p, texts[i]);
        bx_free(p);
        bx_free(sd);
    }
    bx_vec skills;
    bx_log_set_level(BX_LOG_ERROR); /* the broken skill's warning is expected */
    CHECK(workspace_skills(ws, &skills) == BX_OK);
    bx_log_set_level(BX_LOG_INFO);
    REQUIRE(skills.len == 2);
    CHECK_EQ_STR(BX_VEC_AT(&skills, workspace_skill, 0).name, "alpha");
    CHECK_EQ_STR(BX_VEC_AT(&skills, workspace_skill, 1).name, "zeta");
    CHECK_EQ_STR(BX_VEC_AT(&skills, workspace_skill, 1).description, "last");
    workspace_skills_free(&skills);
    workspace_close(ws);
    rm_rf(dir);
    bx_free(dir);
}

TEST(typed_settings_defaults)
{
    char *dir = scratch();
    REQUIRE(dir);
    workspace *ws;
    REQUIRE(workspace_open(dir, NULL, NULL, &ws) == BX_OK);
    const workspace_config *c = workspace_config_get(ws);
    CHECK_EQ_STR(c->permission_mode, "default");
    CHECK_EQ_INT(c->sandbox.timeout_ms, 30000);
    CHECK(c->sandbox.max_memory == 256u << 20);
    CHECK(c->sandbox.fuel == 20000000000ull);
    CHECK(c->compaction_threshold == 0.85);
    const workspace_agent_def *plan = workspace_config_agent(c, "plan");
    REQUIRE(plan);
    CHECK_EQ_STR(plan->access, "read-only");
    CHECK_EQ_STR(plan->permission_mode, "plan");
    CHECK_EQ_INT(plan->max_turns, 50);
    CHECK(workspace_config_agent(c, "nobody") == NULL);
    CHECK(workspace_settings_problems(ws) == NULL);
    workspace_config_release(c);
    workspace_close(ws);
    rm_rf(dir);
    bx_free(dir);
}

/* A bad value is reported at its place in the file and replaced by its
 * default; the other values of the file still apply. */
TEST(typed_settings_bad_values_named_with_position)
{
    char *dir = scratch();
    REQUIRE(dir);
    char *state = bx_sprintf("%s/.boxagnts", dir);
    REQUIRE(bx_mkdirs(state, 0700) == BX_OK);
    char *path = bx_sprintf("%s/settings.json", state);
    write_text(path, "{\n"
                     "  \"sandbox\": {\"timeout_s\": 7,\n"
                     "              \"fuel\": \"lots\"},\n"
                     "  \"permission_mode\": \"yolo\",\n"
                     "  \"allowed_outbound_hosts\": [\"a.example\", 3],\n"
                     "  \"permissions\": {\"allow\": [\"read\", \"bash(make *)\", \"x(\"]},\n"
                     "  \"providers\": {\"mine\": {\"base_url\": \"http://h/v1\",\n"
                     "                         \"timeouts\": {\"connect_ms\": -5},\n"
                     "                         \"headers\": {\"X-A\": \"1\"}}},\n"
                     "  \"agents\": {\"rev\": {\"access\": \"root\", \"model\": \"p/m\"}}\n"
                     "}\n");
    workspace *ws;
    REQUIRE(workspace_open(dir, NULL, NULL, &ws) == BX_OK);
    const workspace_config *c = workspace_config_get(ws);
    CHECK_EQ_INT(c->sandbox.timeout_ms, 7000);       /* good values apply */
    CHECK(c->sandbox.fuel == 20000000000ull);         /* bad ones fall back */
    CHECK_EQ_STR(c->permission_mode, "default");
    CHECK_EQ_INT((int)c->n_allowed_hosts, 1);
    CHECK_EQ_STR(c->allowed_hosts[0], "a.example");
    CHECK_EQ_INT((int)c->n_allow, 2);
    CHECK_EQ_STR(c->allow[1].tool, "bash");
    CHECK_EQ_STR(c->allow[1].glob, "make *");
    CHECK(c->allow[0].glob == NULL);
    const workspace_provider_conf *p = workspace_config_provider(c, "mine");
    REQUIRE(p);
    CHECK_EQ_STR(p->base_url, "http://h/v1");
    CHECK(p->connect_ms == -1);
    CHECK_EQ_INT((int)p->n_headers, 1);
    CHECK_EQ_STR(p->header_values[0], "1");
    const workspace_agent_def *a = workspace_config_agent(c, "rev");
    REQUIRE(a);
    CHECK_EQ_STR(a->access, "full");
    CHECK_EQ_STR(a->model, "p/m");
    char *probs = workspace_settings_problems(ws);
    REQUIRE(probs);
    CHECK(strstr(probs, "settings.json:3:23: sandbox.fuel: expected a whole number") != NULL);
    CHECK(strstr(probs, "settings.json:4:22: permission_mode: expected one of") != NULL);
    CHECK(strstr(probs, "settings.json:5:43: allowed_outbound_hosts.1: expected a string") != NULL);
    CHECK(strstr(probs, ":6:53: permissions.allow.2: rule 'x(': expected tool(glob)") != NULL);
    CHECK(strstr(probs, ":8:53: providers.mine.timeouts.connect_ms:") != NULL);
    CHECK(strstr(probs, ":10:32: agents.rev.access: expected one of full") != NULL);
    bx_free(probs);
    workspace_config_release(c);

    /* A save that would write a bad value is refused; the file stays. */
    bx_buf before;
    bx_buf_init(&before, 1 << 16);
    REQUIRE(bx_read_file(path, 1 << 16, &before) == BX_OK);
    json_t *patch = json_pack("{s:{s:s}}", "sandbox", "max_memory", "a lot");
    bx_error d;
    CHECK(workspace_settings_update(ws, patch, &d) == BX_INVALID);
    CHECK(strstr(d.message, "sandbox.max_memory: expected a size") != NULL);
    json_decref(patch);
    bx_buf after;
    bx_buf_init(&after, 1 << 16);
    REQUIRE(bx_read_file(path, 1 << 16, &after) == BX_OK);
    CHECK_EQ_STR(after.data, before.data);
    bx_buf_release(&before);
    bx_buf_release(&after);
    /* A good save replaces the snapshot: old references stay valid. */
    const workspace_config *old = workspace_config_get(ws);
    patch = json_pack("{s:s,s:{s:i}}", "permission_mode", "plan", "sandbox", "fuel", 99);
    CHECK(workspace_settings_update(ws, patch, &d) == BX_OK);
    json_decref(patch);
    c = workspace_config_get(ws);
    CHECK_EQ_STR(c->permission_mode, "plan");
    CHECK(c->sandbox.fuel == 99);
    CHECK_EQ_STR(old->permission_mode, "default");
    workspace_config_release(old);
    workspace_config_release(c);
    workspace_close(ws);
    rm_rf(dir);
    bx_free(path);
    bx_free(state);
    bx_free(dir);
}

TEST(sizes_parse)
{
    uint64_t n = 0;
    json_t *v = json_string("64K");
    CHECK(workspace_parse_size(v, &n) && n == 65536);
    json_decref(v);
    v = json_string("2G");
    CHECK(workspace_parse_size(v, &n) && n == 2ull << 30);
    json_decref(v);
    v = json_integer(12);
    CHECK(workspace_parse_size(v, &n) && n == 12);
    json_decref(v);
    const char *bad[] = {"", "K", "-1M", "12Q", "1MM", "99999999999999999999G"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        v = json_string(bad[i]);
        CHECK(!workspace_parse_size(v, &n));
        json_decref(v);
    }
}

TEST(no_leaks)
{
    CHECK_EQ_INT(bx_mem_live(), 0);
}

TEST_MAIN()
