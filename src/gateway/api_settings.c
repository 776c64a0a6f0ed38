/* api_settings.c: settings, agents, provider keys (write-only), AGENTS.md,
 * skills, usage and the audit log. Settings go through the workspace, so
 * unknown fields survive and secrets are refused; keys live in secrets.json
 * and only their presence is ever reported. */
#include <stdlib.h>
#include <string.h>

#include "gateway/gateway_int.h"
#include "llm/llm.h"

#define SKILL_MAX (1u << 20)

static enum MHD_Result get_settings(gateway_req *req)
{
    json_t *s = workspace_settings(req->gw->ws);
    json_t *body = json_pack("{s:o}", "settings", s);
    const bx_error *e = workspace_settings_error(req->gw->ws);
    if (e)
        json_object_set_new(body, "settings_error", json_string(e->message));
    char *problems = workspace_settings_problems(req->gw->ws);
    if (problems)
        json_object_set_new(body, "settings_problems", json_string(problems));
    bx_free(problems);
    return gateway__send_json(req, MHD_HTTP_OK, body);
}

static enum MHD_Result patch_settings(gateway_req *req)
{
    enum MHD_Result r;
    json_t *patch = gateway__body_object(req, &r);
    if (!patch)
        return r;
    bx_error e;
    bx_err err = workspace_settings_update(req->gw->ws, patch, &e);
    json_decref(patch);
    if (err == BX_PARSE)
        return gateway__send_error(req, MHD_HTTP_CONFLICT, "settings_file_invalid", "%s",
                                   e.message);
    if (err)
        return gateway__send_bx_error(req, err, &e);
    return get_settings(req);
}

/* ---------------------------------------------------------------- agents */

static bool valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return false;
    }
    return s[0] != '.';
}

static enum MHD_Result list_agents(gateway_req *req)
{
    json_t *s = workspace_settings(req->gw->ws);
    json_t *agents = json_array();
    const char *name;
    json_t *a;
    json_object_foreach(jx_obj(s, "agents"), name, a)
    {
        json_t *copy = json_deep_copy(a);
        json_object_set_new(copy, "name", json_string(name));
        json_array_append_new(agents, copy);
    }
    json_decref(s);
    return gateway__send_json(req, MHD_HTTP_OK, json_pack("{s:o}", "agents", agents));
}

static enum MHD_Result put_agent(gateway_req *req)
{
    const char *name = req->params[0];
    if (!valid_name(name))
        return gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_request",
                                   "agent names use letters, digits, '-', '_' and '.'");
    enum MHD_Result r;
    json_t *body = gateway__body_object(req, &r);
    if (!body)
        return r;
    static const char *const access[] = {"full", "read-only", "search-only"};
    static const char *const modes[] = {"default", "accept-edits", "plan", "bypass"};
    const char *acc = jx_str(body, "access", NULL), *mode = jx_str(body, "permission_mode", NULL);
    bool ok_acc = !json_object_get(body, "access"),
         ok_mode = !json_object_get(body, "permission_mode");
    for (size_t i = 0; acc && i < BX_ARRAY_LEN(access); i++)
        ok_acc |= !strcmp(acc, access[i]);
    for (size_t i = 0; mode && i < BX_ARRAY_LEN(modes); i++)
        ok_mode |= !strcmp(mode, modes[i]);
    json_t *mt = json_object_get(body, "max_turns");
    if (!ok_acc || !ok_mode || (mt && (!json_is_integer(mt) || json_integer_value(mt) < 1))) {
        json_decref(body);
        return gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_request",
                                   "access is full|read-only|search-only, permission_mode is "
                                   "default|accept-edits|plan|bypass, max_turns >= 1");
    }
    json_t *patch = json_pack("{s:{s:o}}", "agents", name, body);
    bx_error e;
    bx_err err = workspace_settings_update(req->gw->ws, patch, &e);
    json_decref(patch);
    if (err)
        return gateway__send_bx_error(req, err, &e);
    return list_agents(req);
}

static enum MHD_Result delete_agent(gateway_req *req)
{
    json_t *s = workspace_settings(req->gw->ws);
    bool exists = jx_obj(jx_obj(s, "agents"), req->params[0]) != NULL;
    json_decref(s);
    if (!exists)
        return gateway__send_error(req, MHD_HTTP_NOT_FOUND, "not_found", "no agent named \"%s\"",
                                   req->params[0]);
    json_t *patch = json_pack("{s:{s:n}}", "agents", req->params[0]);
    bx_error e;
    bx_err err = workspace_settings_update(req->gw->ws, patch, &e);
    json_decref(patch);
    if (err)
        return gateway__send_bx_error(req, err, &e);
    return list_agents(req);
}

/* ------------------------------------------------------- provider keys */

static char *ws_secret(void *ctx, const char *name)
{
    return workspace_secret(ctx, name);
}

/* Every provider with whether it can be used now (llm_provider_status: keys
 * are only ever reported as set or not), and its own settings. */
static enum MHD_Result list_providers(gateway_req *req)
{
    const workspace_config *cfg = workspace_config_get(req->gw->ws);
    json_t *status = llm_provider_status(cfg, ws_secret, req->gw->ws, NULL, NULL, 150);
    size_t i;
    json_t *p;
    json_array_foreach(jx_arr(status, "providers"), i, p) {
        json_t *own = jx_obj(jx_obj(cfg->json, "providers"), jx_str(p, "id", ""));
        json_object_set_new(p, "settings", own ? json_deep_copy(own) : json_object());
    }
    const char *slash = strchr(cfg->default_model, '/');
    if (slash) {
        json_array_foreach(jx_arr(status, "providers"), i, p) {
            const char *id = jx_str(p, "id", "");
            if (strlen(id) == (size_t)(slash - cfg->default_model) &&
                strncmp(id, cfg->default_model, strlen(id)) == 0)
                json_object_set_new(status, "default_model_ready",
                                    json_boolean(jx_bool(p, "ready", false)));
        }
    }
    jx_set_str(status, "default_model", cfg->default_model);
    workspace_config_release(cfg);
    return gateway__send_json(req, MHD_HTTP_OK, status);
}

/* The secret name of provider id's key, or NULL after answering 404. */
static char *provider_key_name(gateway_req *req, enum MHD_Result *out_r)
{
    const workspace_config *cfg = workspace_config_get(req->gw->ws);
    const char *k = llm_provider_key_env(cfg, req->params[0]);
    char *name = k ? bx_strdup(k) : NULL;
    workspace_config_release(cfg);
    if (!name)
        *out_r = gateway__send_error(req, MHD_HTTP_NOT_FOUND, "not_found",
                                     "no provider \"%s\" (not a preset, not in settings)",
                                     req->params[0]);
    return name;
}

static enum MHD_Result put_provider_key(gateway_req *req)
{
    if (!valid_name(req->params[0]))
        return gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_request", "bad provider id");
    enum MHD_Result r;
    json_t *body = gateway__body_object(req, &r);
    if (!body)
        return r;
    const char *key = jx_str(body, "api_key", NULL);
    if (!key || !*key || strlen(key) > 4096) {
        json_decref(body);
        return gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_request",
                                   "api_key (a non-empty string) is required");
    }
    char *name = provider_key_name(req, &r);
    if (!name) {
        json_decref(body);
        return r;
    }
    bx_err err = workspace_secret_set(req->gw->ws, name, key);
    json_decref(body); /* the key never leaves this function */
    if (err) {
        bx_free(name);
        return gateway__send_bx_error(req, err, NULL);
    }
    r = gateway__send_json(
        req, MHD_HTTP_OK,
        json_pack("{s:s,s:s,s:b}", "id", req->params[0], "key_name", name, "key_set", 1));
    bx_free(name);
    return r;
}

static enum MHD_Result delete_provider_key(gateway_req *req)
{
    enum MHD_Result r;
    char *name = provider_key_name(req, &r);
    if (!name)
        return r;
    bx_err err = workspace_secret_set(req->gw->ws, name, NULL);
    r = err ? gateway__send_bx_error(req, err, NULL)
            : gateway__send_json(req, MHD_HTTP_OK,
                                 json_pack("{s:s,s:b}", "id", req->params[0], "key_set",
                                           workspace_secret_present(req->gw->ws, name)));
    bx_free(name);
    return r;
}

/* ------------------------------------------------------------ AGENTS.md */

static enum MHD_Result get_agents_md(gateway_req *req)
{
    bx_buf b;
    bx_buf_init(&b, 1 << 20);
    char *path = bx_sprintf("%s/AGENTS.md", workspace_state_dir(req->gw->ws));
    bx_err err = bx_read_file(path, 1 << 20, &b);
    bx_free(path);
    if (err && err != BX_NOTFOUND) {
        bx_buf_release(&b);
        return gateway__send_bx_error(req, err, NULL);
    }
    json_t *body = json_pack("{s:s%}", "content", b.data, b.len);
    bx_buf_release(&b);
    return gateway__send_json(req, MHD_HTTP_OK, body);
}

static enum MHD_Result put_agents_md(gateway_req *req)
{
    enum MHD_Result r;
    json_t *body = gateway__body_object(req, &r);
    if (!body)
        return r;
    json_t *c = json_object_get(body, "content");
    if (!json_is_string(c)) {
        json_decref(body);
        return gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_request",
                                   "content (a string) is required");
    }
    bx_err err =
        workspace_agents_md_write(req->gw->ws, json_string_value(c), json_string_length(c));
    json_decref(body);
    return err ? gateway__send_bx_error(req, err, NULL) : get_agents_md(req);
}

/* --------------------------------------------------------------- skills */

static enum MHD_Result list_skills(gateway_req *req)
{
    bx_vec skills;
    workspace_skills(req->gw->ws, &skills);
    json_t *arr = json_array();
    for (size_t i = 0; i < skills.len; i++) {
        workspace_skill *s = bx_vec_at(&skills, i);
        json_array_append_new(arr, json_pack("{s:s,s:s,s:O}", "name", s->name, "description",
                                             s->description, "meta", s->meta));
    }
    workspace_skills_free(&skills);
    return gateway__send_json(req, MHD_HTTP_OK, json_pack("{s:o}", "skills", arr));
}

static char *skill_path(gateway_req *req)
{
    return bx_sprintf("%s/%s/SKILL.md", workspace_skills_dir(req->gw->ws), req->params[0]);
}

static enum MHD_Result get_skill(gateway_req *req)
{
    if (!valid_name(req->params[0]))
        return gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_request", "bad skill name");
    char *path = skill_path(req);
    bx_buf b;
    bx_buf_init(&b, SKILL_MAX);
    bx_err err = bx_read_file(path, SKILL_MAX, &b);
    bx_free(path);
    enum MHD_Result r =
        err ? gateway__send_error(req, err == BX_NOTFOUND ? MHD_HTTP_NOT_FOUND : 500,
                                  err == BX_NOTFOUND ? "not_found" : "internal", "skill \"%s\": %s",
                                  req->params[0], bx_err_str(err))
            : gateway__send_json(
                  req, MHD_HTTP_OK,
                  json_pack("{s:s,s:s%}", "name", req->params[0], "content", b.data, b.len));
    bx_buf_release(&b);
    return r;
}

static enum MHD_Result put_skill(gateway_req *req)
{
    if (!valid_name(req->params[0]))
        return gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_request", "bad skill name");
    enum MHD_Result r;
    json_t *body = gateway__body_object(req, &r);
    if (!body)
        return r;
    json_t *c = json_object_get(body, "content");
    if (!json_is_string(c) || json_string_length(c) > SKILL_MAX) {
        json_decref(body);
        return gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_request",
                                   "content (a string up to 1 MiB) is required");
    }
    /* Refuse front matter that would not load, with the parser's message. */
    json_t *meta;
    size_t off;
    bx_error e;
    if (workspace_front_matter(json_string_value(c), json_string_length(c), &meta, &off, &e)) {
        json_decref(body);
        return gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_skill", "%s", e.message);
    }
    json_decref(meta);
    char *dir = bx_sprintf("%s/%s", workspace_skills_dir(req->gw->ws), req->params[0]);
    char *path = skill_path(req);
    bx_err err = bx_mkdirs(dir, 0755);
    if (!err)
        err = bx_write_file_atomic(path, json_string_value(c), json_string_length(c), 0644);
    bx_free(dir);
    bx_free(path);
    json_decref(body);
    return err ? gateway__send_bx_error(req, err, NULL) : get_skill(req);
}

static enum MHD_Result delete_skill(gateway_req *req)
{
    if (!valid_name(req->params[0]))
        return gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_request", "bad skill name");
    char *path = skill_path(req);
    char *dir = bx_sprintf("%s/%s", workspace_skills_dir(req->gw->ws), req->params[0]);
    int rc = unlink(path);
    if (rc == 0)
        rmdir(dir); /* only if now empty */
    bx_free(path);
    bx_free(dir);
    if (rc != 0)
        return gateway__send_error(req, MHD_HTTP_NOT_FOUND, "not_found", "no skill \"%s\"",
                                   req->params[0]);
    return gateway__send_json(req, MHD_HTTP_OK, json_pack("{s:b}", "deleted", 1));
}

/* ---------------------------------------------------------- usage, audit */

static bool query_i64(gateway_req *req, const char *key, int64_t *out)
{
    const char *v = gateway__query(req, key);
    *out = 0;
    if (!v)
        return true;
    char *end;
    long long n = strtoll(v, &end, 10);
    if (*end || end == v || n < 0)
        return false;
    *out = n;
    return true;
}

static enum MHD_Result get_usage(gateway_req *req)
{
    store_usage_query q = {.group = STORE_USAGE_BY_DAY,
                           .session_id = gateway__query(req, "session_id")};
    const char *g = gateway__query(req, "group");
    if (g && !strcmp(g, "model"))
        q.group = STORE_USAGE_BY_MODEL;
    else if (g && !strcmp(g, "session"))
        q.group = STORE_USAGE_BY_SESSION;
    else if (g && strcmp(g, "day"))
        return gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_request",
                                   "group is day, model or session");
    if (!query_i64(req, "from_ms", &q.from_ms) || !query_i64(req, "to_ms", &q.to_ms))
        return gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_request",
                                   "from_ms and to_ms are non-negative integers");
    store_usage_list l = {0};
    bx_error e;
    bx_err err = store_usage_aggregate(req->gw->st, &q, &l, &e);
    if (err)
        return gateway__send_bx_error(req, err, &e);
    json_t *rows = json_array();
    for (size_t i = 0; i < l.len; i++) {
        store_usage_row *u = &l.items[i];
        json_array_append_new(
            rows, json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:f}", "key", u->key, "requests",
                            (json_int_t)u->requests, "input_tokens", (json_int_t)u->input_tokens,
                            "output_tokens", (json_int_t)u->output_tokens, "cache_read_tokens",
                            (json_int_t)u->cache_read_tokens, "cache_write_tokens",
                            (json_int_t)u->cache_write_tokens, "cost_usd", u->cost_usd));
    }
    store_usage_list_release(&l);
    return gateway__send_json(req, MHD_HTTP_OK,
                              json_pack("{s:s,s:o}", "group", g ? g : "day", "rows", rows));
}

static enum MHD_Result get_audit(gateway_req *req)
{
    int64_t before, limit;
    if (!query_i64(req, "before_id", &before) || !query_i64(req, "limit", &limit) ||
        limit > STORE_MAX_PAGE)
        return gateway__send_error(req, MHD_HTTP_BAD_REQUEST, "invalid_request",
                                   "before_id and limit (<= %d) are non-negative integers",
                                   STORE_MAX_PAGE);
    store_audit_list l = {0};
    bx_error e;
    bx_err err = store_audit_entries_list(req->gw->st, gateway__query(req, "session_id"), before,
                                          (size_t)limit, &l, &e);
    if (err)
        return gateway__send_bx_error(req, err, &e);
    json_t *rows = json_array();
    for (size_t i = 0; i < l.len; i++) {
        store_audit_entry *a = &l.items[i];
        json_array_append_new(
            rows,
            json_pack("{s:I,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:I}", "id", (json_int_t)a->id, "at_ms",
                      (json_int_t)a->at_ms, "session_id", a->session_id, "tool_call_id",
                      a->tool_call_id, "tool", a->tool, "input_sha256", a->input_sha256, "decision",
                      store_decision_name(a->decision), "outcome", store_outcome_name(a->outcome),
                      "duration_ms", (json_int_t)a->duration_ms));
    }
    store_audit_list_release(&l);
    return gateway__send_json(req, MHD_HTTP_OK, json_pack("{s:o}", "entries", rows));
}

/* The model catalog (data/models.json) with settings.models on top: what
 * the dashboard's model picker offers. Prices in USD per million tokens. */
static enum MHD_Result list_models(gateway_req *req)
{
    json_t *settings = workspace_settings(req->gw->ws);
    json_t *all = json_deep_copy(jx_obj(llm_catalog(), "models"));
    if (!all)
        all = json_object();
    json_t *over = jx_obj(settings, "models");
    const char *id;
    json_t *v;
    json_object_foreach(over, id, v)
    {
        if (!json_is_object(v))
            continue;
        json_t *cur = json_object_get(all, id);
        if (json_is_object(cur))
            json_object_update(cur, v);
        else
            json_object_set(all, id, v);
    }
    json_t *arr = json_array();
    json_object_foreach(all, id, v)
    {
        json_t *m = json_deep_copy(v);
        json_object_set_new(m, "id", json_string(id));
        json_array_append_new(arr, m);
    }
    json_decref(all);
    json_t *body = json_pack("{s:o,s:s}", "models", arr, "default_model",
                             jx_str(settings, "default_model", ""));
    json_decref(settings);
    return gateway__send_json(req, MHD_HTTP_OK, body);
}

const gateway_route gateway__settings_routes[] = {
    {"GET", "/api/models", list_models, 0},
    {"GET", "/api/settings", get_settings, 0},
    {"PATCH", "/api/settings", patch_settings, 0},
    {"GET", "/api/agents", list_agents, 0},
    {"PUT", "/api/agents/{name}", put_agent, 0},
    {"DELETE", "/api/agents/{name}", delete_agent, 0},
    {"GET", "/api/providers", list_providers, 0},
    {"PUT", "/api/providers/{id}/key", put_provider_key, 0},
    {"DELETE", "/api/providers/{id}/key", delete_provider_key, 0},
    {"GET", "/api/agents-md", get_agents_md, 0},
    {"PUT", "/api/agents-md", put_agents_md, 0},
    {"GET", "/api/skills", list_skills, 0},
    {"GET", "/api/skills/{name}", get_skill, 0},
    {"PUT", "/api/skills/{name}", put_skill, 0},
    {"DELETE", "/api/skills/{name}", delete_skill, 0},
    {"GET", "/api/usage", get_usage, 0},
    {"GET", "/api/audit", get_audit, 0},
};
const size_t gateway__settings_route_count = BX_ARRAY_LEN(gateway__settings_routes);
