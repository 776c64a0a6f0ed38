/* builtins.c: the tools the runtime itself provides, natively.
 *
 * ask_user, todo_write, sleep, skill, tool_search, enter_plan_mode,
 * exit_plan_mode and brief act on the run rather than on files, so they
 * are host code behind the same agent_tool interface as the sandboxed
 * tools and go through the same permission engine. exit_plan_mode is the
 * one mode change the model may ask for, and only the user can grant it.
 */
#include <ctype.h>
#include <string.h>

#include "agent/agent_int.h"

#define TODO_MAX 200
#define SKILL_MAX (1u << 20)

static bx_err result(agent_tool_result *out, bool is_error, char *content)
{
    out->content = content;
    out->is_error = is_error;
    return BX_OK;
}

/* ---------------------------------------------------------------- ask_user */

static bx_err t_ask_user(void *ctx, agent_call *call, const json_t *in, agent_tool_result *out)
{
    BX_UNUSED(ctx);
    char *answer = NULL;
    bx_err err = agent__ask_question(agent_call_run(call), jx_str(in, "question", ""),
                                     jx_arr(in, "options"), &answer);
    if (err == BX_UNSUPPORTED)
        return result(out, true, bx_strdup("Nobody can answer questions in this run. Decide "
                                           "yourself and state your assumption."));
    if (err == BX_TIMEOUT)
        return result(out, true, bx_strdup("The user did not answer in time."));
    if (err)
        return result(out, true, bx_strdup("The question was cancelled."));
    char *text = bx_sprintf("The user answered: %s", answer);
    bx_free(answer);
    return result(out, false, text);
}

/* -------------------------------------------------------------- todo_write */

static bx_err t_todo_write(void *ctx, agent_call *call, const json_t *in, agent_tool_result *out)
{
    BX_UNUSED(ctx);
    agent_run *run = agent_call_run(call);
    json_t *todos = jx_arr(in, "todos");
    if (json_array_size(todos) > TODO_MAX)
        return result(out, true, bx_sprintf("At most %d todos.", TODO_MAX));
    json_t *clean = json_array();
    size_t i, done = 0, active = 0;
    json_t *t;
    json_array_foreach(todos, i, t) {
        const char *content = jx_str(t, "content", "");
        const char *status = jx_str(t, "status", "pending");
        json_t *c = json_object();
        jx_set_str(c, "content", content);
        jx_set_str(c, "status", status);
        jx_set_str(c, "active_form", jx_str(t, "active_form", jx_str(t, "activeForm", content)));
        json_array_append_new(clean, c);
        done += strcmp(status, "completed") == 0;
        active += strcmp(status, "in_progress") == 0;
    }
    pthread_mutex_lock(&run->lock);
    json_decref(run->todos);
    run->todos = json_incref(clean);
    pthread_mutex_unlock(&run->lock);
    json_t *ev = json_object();
    json_object_set_new(ev, "todos", clean);
    agent__emit(run, "todo_update", ev);
    return result(out, false,
                  bx_sprintf("Todo list updated: %zu items, %zu in progress, %zu completed.",
                             json_array_size(todos), active, done));
}

/* ------------------------------------------------------------------- sleep */

static bx_err t_sleep(void *ctx, agent_call *call, const json_t *in, agent_tool_result *out)
{
    BX_UNUSED(ctx);
    double s = jx_num(in, "seconds", 0);
    if (!agent_call_wait(call, (int64_t)(s * 1000)))
        return result(out, true, bx_strdup("Sleep interrupted: the run was cancelled."));
    return result(out, false, bx_sprintf("Slept %.3g seconds.", s));
}

/* ------------------------------------------------------------------- brief */

static bx_err t_brief(void *ctx, agent_call *call, const json_t *in, agent_tool_result *out)
{
    BX_UNUSED(ctx);
    const char *msg = jx_str(in, "message", "");
    json_t *ev = json_object();
    json_object_set_new(ev, "text", agent__jstr(msg, strlen(msg)));
    agent__emit(agent_call_run(call), "brief", ev);
    return result(out, false, bx_strdup("Delivered to the user."));
}

/* ------------------------------------------------------------- plan mode */

static void emit_mode(agent_run *run, agent_mode m, const char *by)
{
    json_t *ev = json_object();
    jx_set_str(ev, "mode", agent_mode_name(m));
    jx_set_str(ev, "by", by);
    agent__emit(run, "mode_change", ev);
}

static bx_err t_enter_plan(void *ctx, agent_call *call, const json_t *in, agent_tool_result *out)
{
    BX_UNUSED(ctx);
    BX_UNUSED(in);
    agent_run *run = agent_call_run(call);
    pthread_mutex_lock(&run->lock);
    bool already = run->mode == AGENT_MODE_PLAN;
    if (!already) {
        run->mode_before_plan = run->mode;
        run->mode = AGENT_MODE_PLAN; /* only ever more restrictive */
    }
    pthread_mutex_unlock(&run->lock);
    if (!already)
        emit_mode(run, AGENT_MODE_PLAN, "agent");
    return result(out, false, bx_strdup("Plan mode is on: only reading tools are available. "
                                        "Explore, then present a plan with exit_plan_mode."));
}

static bx_err t_exit_plan(void *ctx, agent_call *call, const json_t *in, agent_tool_result *out)
{
    BX_UNUSED(ctx);
    agent_run *run = agent_call_run(call);
    char *msg = NULL;
    agent_answer a = agent__ask_approval(run, agent_call_id(call), "exit_plan_mode", in,
                                         "the agent wants to leave plan mode and start making "
                                         "changes with this plan",
                                         &msg);
    if (a != AGENT_ANSWER_ALLOW_ONCE && a != AGENT_ANSWER_ALLOW_ALWAYS) {
        char *text = msg ? bx_sprintf("The user kept plan mode on and said: %s", msg)
                         : bx_strdup("The user kept plan mode on. Refine the plan or ask what "
                                     "to change.");
        bx_free(msg);
        return result(out, true, text);
    }
    pthread_mutex_lock(&run->lock);
    agent_mode back = run->mode_before_plan == AGENT_MODE_PLAN ? AGENT_MODE_DEFAULT
                                                              : run->mode_before_plan;
    run->mode = back;
    pthread_mutex_unlock(&run->lock);
    emit_mode(run, back, "user");
    return result(out, false, bx_sprintf("The user approved the plan. Mode is now %s; go ahead.",
                                         agent_mode_name(back)));
}

/* ------------------------------------------------------------ tool_search */

static bool contains_ci(const char *hay, const char *needle, size_t n)
{
    if (n == 0)
        return true;
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return true;
    return false;
}

static bx_err t_tool_search(void *ctx, agent_call *call, const json_t *in, agent_tool_result *out)
{
    BX_UNUSED(ctx);
    agent_run *run = agent_call_run(call);
    const char *q = jx_str(in, "query", "");
    int64_t max = jx_int(in, "max_results", 10);
    bx_vec offered;
    bx_vec_init(&offered, sizeof(const agent_tool *));
    agent__offered_tools(run, &offered);
    json_t *hits = json_array();
    for (size_t i = 0; i < offered.len && (int64_t)json_array_size(hits) < max; i++) {
        const agent_tool *t = BX_VEC_AT(&offered, const agent_tool *, i);
        /* every whitespace-separated term must appear in the name or description */
        bool all = true;
        const char *p = q;
        while (*p && all) {
            while (isspace((unsigned char)*p))
                p++;
            size_t n = 0;
            while (p[n] && !isspace((unsigned char)p[n]))
                n++;
            if (n)
                all = contains_ci(t->name, p, n) || contains_ci(t->description ? t->description : "", p, n);
            p += n;
        }
        if (!all)
            continue;
        json_array_append_new(hits, json_pack("{s:s,s:s,s:s,s:O}", "name", t->name, "description",
                                              t->description ? t->description : "", "level",
                                              agent_level_name(t->level), "input_schema",
                                              t->schema ? t->schema : json_null()));
    }
    bx_vec_release(&offered);
    char *text = jx_dumps(hits);
    size_t n = json_array_size(hits);
    json_decref(hits);
    bx_err err = result(out, false, n ? bx_strdup(text) : bx_sprintf("No tool matches '%s'.", q));
    free(text);
    return err;
}

/* ------------------------------------------------------------------- skill */

static char *arg_value(const json_t *args, const json_t *meta, const char *name, bool *out_found)
{
    *out_found = true;
    json_t *v = json_is_object(args) ? json_object_get(args, name) : NULL;
    if (json_is_string(v))
        return bx_strdup(json_string_value(v));
    if (v && !json_is_null(v)) {
        char *d = jx_dumps(v);
        char *r = bx_strdup(d ? d : "");
        free(d);
        return r;
    }
    /* defaults: args: [{name, default}] or {name: default | {default}} */
    json_t *spec = json_object_get(meta, "args");
    if (!spec)
        spec = json_object_get(meta, "arguments");
    json_t *def = NULL;
    if (json_is_array(spec)) {
        size_t i;
        json_t *a;
        json_array_foreach(spec, i, a) {
            if (strcmp(jx_str(a, "name", ""), name) == 0)
                def = json_object_get(a, "default");
        }
    } else if (json_is_object(spec)) {
        json_t *a = json_object_get(spec, name);
        def = json_is_object(a) ? json_object_get(a, "default") : a;
    }
    if (json_is_string(def))
        return bx_strdup(json_string_value(def));
    if (json_is_number(def) || json_is_boolean(def)) {
        char *d = jx_dumps(def);
        char *r = bx_strdup(d ? d : "");
        free(d);
        return r;
    }
    *out_found = false;
    return NULL;
}

/* Substitutes $ARGUMENTS and {{name}} in body; BX_INVALID names a missing arg. */
static bx_err substitute(const char *body, const json_t *args, const json_t *meta, bx_buf *out,
                         char *missing, size_t missing_cap)
{
    char *all;
    if (json_is_string(args)) {
        all = bx_strdup(json_string_value(args));
    } else if (json_is_object(args) && json_object_size(args)) {
        char *d = jx_dumps(args);
        all = bx_strdup(d ? d : "");
        free(d);
    } else {
        all = bx_strdup("");
    }
    bx_err err = BX_OK;
    const char *p = body;
    while (*p && err == BX_OK) {
        if (strncmp(p, "$ARGUMENTS", 10) == 0) {
            err = bx_buf_puts(out, all);
            p += 10;
        } else if (p[0] == '{' && p[1] == '{') {
            const char *end = strstr(p + 2, "}}");
            const char *s = p + 2;
            while (end && s < end && isspace((unsigned char)*s))
                s++;
            const char *e = end;
            while (end && e > s && isspace((unsigned char)e[-1]))
                e--;
            bool ident = end && e > s && e - s < 128;
            for (const char *c = s; ident && c < e; c++)
                ident = isalnum((unsigned char)*c) || *c == '_' || *c == '-';
            if (!ident) {
                err = bx_buf_putc(out, *p++);
                continue;
            }
            char name[128];
            snprintf(name, sizeof(name), "%.*s", (int)(e - s), s);
            bool found;
            char *v = arg_value(args, meta, name, &found);
            if (!found) {
                snprintf(missing, missing_cap, "%s", name);
                err = BX_INVALID;
            } else {
                err = bx_buf_puts(out, v);
            }
            bx_free(v);
            p = end + 2;
        } else {
            err = bx_buf_putc(out, *p++);
        }
    }
    bx_free(all);
    return err;
}

static json_t *skill_tools(const json_t *meta)
{
    json_t *t = json_object_get(meta, "tools");
    if (!t)
        t = json_object_get(meta, "allowed-tools");
    if (!t)
        t = json_object_get(meta, "allowed_tools");
    if (json_is_array(t))
        return json_deep_copy(t);
    if (!json_is_string(t))
        return NULL;
    json_t *arr = json_array();
    const char *p = json_string_value(t);
    while (*p) {
        while (*p == ',' || isspace((unsigned char)*p))
            p++;
        size_t n = 0;
        while (p[n] && p[n] != ',' && !isspace((unsigned char)p[n]))
            n++;
        if (n)
            json_array_append_new(arr, json_stringn(p, n));
        p += n;
    }
    return arr;
}

static bx_err t_skill(void *ctx, agent_call *call, const json_t *in, agent_tool_result *out)
{
    BX_UNUSED(ctx);
    agent_run *run = agent_call_run(call);
    if (!run->cfg.ws)
        return result(out, true, bx_strdup("No workspace: no skills are installed."));
    bx_vec skills;
    bx_vec_init(&skills, sizeof(workspace_skill));
    workspace_skills(run->cfg.ws, &skills);
    const char *name = jx_str(in, "name", NULL);
    bx_buf b;
    bx_buf_init(&b, SKILL_MAX);
    if (!name || !*name) {
        bx_buf_printf(&b, "%zu skills installed:\n", skills.len);
        for (size_t i = 0; i < skills.len; i++) {
            workspace_skill *s = bx_vec_at(&skills, i);
            bx_buf_printf(&b, "- %s: %s\n", s->name, s->description);
        }
        workspace_skills_free(&skills);
        return result(out, false, bx_buf_detach(&b, NULL));
    }
    workspace_skill *found = NULL;
    for (size_t i = 0; i < skills.len && !found; i++) {
        workspace_skill *s = bx_vec_at(&skills, i);
        if (strcmp(s->name, name) == 0)
            found = s;
    }
    if (!found) {
        workspace_skills_free(&skills);
        bx_buf_release(&b);
        return result(out, true, bx_sprintf("No skill named '%.200s'. Call skill without a name "
                                            "to list them.", name));
    }
    bx_buf file;
    bx_buf_init(&file, SKILL_MAX);
    bx_err err = bx_read_file(found->path, SKILL_MAX, &file);
    json_t *meta = NULL;
    size_t off = 0;
    bx_error e;
    bx_error_clear(&e);
    if (err == BX_OK)
        err = workspace_front_matter(file.data, file.len, &meta, &off, &e);
    char missing[128] = "";
    if (err == BX_OK)
        err = substitute(file.data + off, json_object_get(in, "arguments"), meta, &b, missing,
                         sizeof(missing));
    bx_err ret;
    if (err == BX_INVALID && missing[0]) {
        ret = result(out, true, bx_sprintf("The skill %s needs the argument '%s': pass it in "
                                           "\"arguments\": {\"%s\": ...}.", name, missing, missing));
    } else if (err) {
        ret = result(out, true, bx_sprintf("Could not load the skill %s: %s %s", name,
                                           bx_err_str(err), e.message));
    } else {
        json_t *allow = skill_tools(meta);
        if (allow) {
            char *list = jx_dumps(allow);
            bx_buf_printf(&b, "\n\n[This skill limits the tools to %s.]", list ? list : "[]");
            free(list);
            pthread_mutex_lock(&run->lock);
            json_decref(run->skill_tools);
            run->skill_tools = allow;
            pthread_mutex_unlock(&run->lock);
        }
        ret = result(out, false, bx_buf_detach(&b, NULL));
    }
    json_decref(meta);
    bx_buf_release(&file);
    bx_buf_release(&b);
    workspace_skills_free(&skills);
    return ret;
}

/* ------------------------------------------------------------- the table */

typedef struct builtin_def {
    const char *name;
    const char *description;
    agent_level level;
    const char *schema;
    bx_err (*fn)(void *, agent_call *, const json_t *, agent_tool_result *);
} builtin_def;

static const builtin_def defs[] = {
    {"ask_user", "Ask the user a question and wait for the answer. Give options when the answer "
                 "is a choice.",
     AGENT_LEVEL_NONE,
     "{\"type\":\"object\",\"properties\":{\"question\":{\"type\":\"string\",\"minLength\":1},"
     "\"options\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"maxItems\":20}},"
     "\"required\":[\"question\"]}",
     t_ask_user},
    {"todo_write", "Replace the task list shown to the user. Use it for work with several steps; "
                   "keep exactly one item in_progress.",
     AGENT_LEVEL_NONE,
     "{\"type\":\"object\",\"properties\":{\"todos\":{\"type\":\"array\",\"maxItems\":200,"
     "\"items\":{\"type\":\"object\",\"properties\":{\"content\":{\"type\":\"string\","
     "\"minLength\":1},\"status\":{\"type\":\"string\",\"enum\":[\"pending\",\"in_progress\","
     "\"completed\"]},\"active_form\":{\"type\":\"string\"}},\"required\":[\"content\","
     "\"status\"]}}},\"required\":[\"todos\"]}",
     t_todo_write},
    {"sleep", "Wait for a number of seconds (at most 600), e.g. for a process to finish.",
     AGENT_LEVEL_NONE,
     "{\"type\":\"object\",\"properties\":{\"seconds\":{\"type\":\"number\",\"minimum\":0,"
     "\"maximum\":600}},\"required\":[\"seconds\"]}",
     t_sleep},
    {"skill", "List the installed skills (no name) or load one by name; arguments fill its "
              "$ARGUMENTS and {{name}} placeholders.",
     AGENT_LEVEL_NONE,
     "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},\"arguments\":"
     "{\"type\":[\"string\",\"object\"]}}}",
     t_skill},
    {"tool_search", "Find available tools by words in their name or description; returns their "
                    "input schemas.",
     AGENT_LEVEL_NONE,
     "{\"type\":\"object\",\"properties\":{\"query\":{\"type\":\"string\"},\"max_results\":"
     "{\"type\":\"integer\",\"minimum\":1,\"maximum\":100}},\"required\":[\"query\"]}",
     t_tool_search},
    {"enter_plan_mode", "Switch to plan mode: only reading tools until the user approves a plan.",
     AGENT_LEVEL_NONE, "{\"type\":\"object\",\"properties\":{}}", t_enter_plan},
    {"exit_plan_mode", "Present your plan to the user and ask to leave plan mode and make the "
                       "changes.",
     AGENT_LEVEL_NONE,
     "{\"type\":\"object\",\"properties\":{\"plan\":{\"type\":\"string\",\"minLength\":1}},"
     "\"required\":[\"plan\"]}",
     t_exit_plan},
    {"brief", "Send the user a short message without ending your turn (progress, a finding).",
     AGENT_LEVEL_NONE,
     "{\"type\":\"object\",\"properties\":{\"message\":{\"type\":\"string\",\"minLength\":1}},"
     "\"required\":[\"message\"]}",
     t_brief},
};

bool agent__is_builtin(const char *name)
{
    for (size_t i = 0; i < BX_ARRAY_LEN(defs); i++)
        if (strcmp(defs[i].name, name) == 0)
            return true;
    return false;
}

void agent__builtins_init(agent_run *run)
{
    run->builtin_schemas = json_array();
    run->builtins = bx_calloc(BX_ARRAY_LEN(defs), sizeof(agent_tool));
    run->n_builtins = BX_ARRAY_LEN(defs);
    for (size_t i = 0; i < BX_ARRAY_LEN(defs); i++) {
        json_t *schema = json_loads(defs[i].schema, 0, NULL);
        json_array_append_new(run->builtin_schemas, schema ? schema : json_object());
        run->builtins[i] = (agent_tool){defs[i].name, defs[i].description, defs[i].level,
                                        json_array_get(run->builtin_schemas, i), defs[i].fn, NULL};
    }
}

void agent__builtins_release(agent_run *run)
{
    bx_free(run->builtins);
    run->builtins = NULL;
    json_decref(run->builtin_schemas);
    run->builtin_schemas = NULL;
}
