/* config.c: the typed settings snapshot (workspace_config).
 *
 * Built once per change of the settings (load, update, reload) from the
 * effective JSON document; then immutable and refcounted, so a run takes one
 * reference at its start and reads plain fields with no lookups and no lock.
 * Every field is checked here, once: a value of the wrong type or out of
 * range is reported as "settings.json:LINE:COL: path: what was expected"
 * (the position found in the file's text with jx_locate) and the default is
 * used instead, so one bad value never takes the rest of the file with it.
 * Strings point into the effective document, which the snapshot holds.
 * Design notes: docs/internals/workspace.md.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "workspace/workspace_int.h"

typedef struct config_box {
    workspace_config pub; /* first: a workspace_config * is a config_box * */
    atomic_int refs;
    bx_arena arena; /* arrays; strings live in doc */
    json_t *doc;    /* the effective settings, never changed */
} config_box;

/* What a check needs to report a problem where it stands in the file. */
typedef struct checker {
    const char *file;  /* the settings path, for messages */
    const char *text;  /* the file's text, or NULL (no positions) */
    size_t len;
    bx_buf *problems;  /* one line each */
    bx_arena *arena;
} checker;

#define PATH_MAX_DEPTH 6

/* Reports that the value at path is not what was expected. */
static void problem(checker *c, const char *const *path, size_t depth, const char *expected)
{
    char dotted[256];
    size_t n = 0;
    dotted[0] = '\0';
    for (size_t i = 0; i < depth && n < sizeof dotted; i++)
        n += (size_t)snprintf(dotted + n, sizeof dotted - n, "%s%s", i ? "." : "", path[i]);
    int line = 0, col = 0;
    if (c->text && jx_locate(c->text, c->len, path, depth, &line, &col))
        bx_buf_printf(c->problems, "%s:%d:%d: %s: %s\n", c->file, line, col, dotted, expected);
    else
        bx_buf_printf(c->problems, "%s: %s: %s\n", c->file, dotted, expected);
}

/* The value at path, or NULL when absent (or explicitly null). */
static const json_t *at(const json_t *root, const char *const *path, size_t depth)
{
    const json_t *v = root;
    for (size_t i = 0; v && i < depth; i++)
        v = json_is_object(v) ? json_object_get(v, path[i]) : NULL;
    return v && !json_is_null(v) ? v : NULL;
}

static const char *get_str(checker *c, const json_t *root, const char *const *path, size_t depth,
                           const char *def)
{
    const json_t *v = at(root, path, depth);
    if (!v)
        return def;
    if (!json_is_string(v)) {
        problem(c, path, depth, "expected a string");
        return def;
    }
    return json_string_value(v);
}

/* A string that must be one of names (NULL-terminated). */
static const char *get_enum(checker *c, const json_t *root, const char *const *path, size_t depth,
                            const char *def, const char *const *names, const char *expected)
{
    const char *s = get_str(c, root, path, depth, NULL);
    if (!s)
        return def;
    for (size_t i = 0; names[i]; i++)
        if (strcmp(s, names[i]) == 0)
            return names[i];
    problem(c, path, depth, expected);
    return def;
}

static int64_t get_int(checker *c, const json_t *root, const char *const *path, size_t depth,
                       int64_t def, int64_t min, int64_t max)
{
    const json_t *v = at(root, path, depth);
    if (!v)
        return def;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
        char msg[96];
        snprintf(msg, sizeof msg, "expected a whole number from %lld to %lld", (long long)min,
                 (long long)max);
        problem(c, path, depth, msg);
        return def;
    }
    return json_integer_value(v);
}

static bool get_bool(checker *c, const json_t *root, const char *const *path, size_t depth,
                     bool def)
{
    const json_t *v = at(root, path, depth);
    if (!v)
        return def;
    if (!json_is_boolean(v)) {
        problem(c, path, depth, "expected true or false");
        return def;
    }
    return json_is_true(v);
}

bool workspace_parse_size(const json_t *v, uint64_t *out_bytes)
{
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out_bytes = (uint64_t)json_integer_value(v);
        return true;
    }
    if (!json_is_string(v))
        return false;
    const char *s = json_string_value(v);
    char *end;
    unsigned long long n = strtoull(s, &end, 10);
    if (end == s || *s == '-')
        return false;
    unsigned shift = 0;
    switch (*end) {
    case 'K':
    case 'k':
        shift = 10;
        break;
    case 'M':
    case 'm':
        shift = 20;
        break;
    case 'G':
    case 'g':
        shift = 30;
        break;
    default:
        break;
    }
    if (shift)
        end++;
    if (shift && (*end == 'B' || *end == 'b'))
        end++; /* "256MB" as well as "256M" */
    if (*end || n > (UINT64_MAX >> shift))
        return false;
    *out_bytes = (uint64_t)n << shift;
    return true;
}

static uint64_t get_size(checker *c, const json_t *root, const char *const *path, size_t depth,
                         uint64_t def)
{
    const json_t *v = at(root, path, depth);
    uint64_t n;
    if (!v)
        return def;
    if (!workspace_parse_size(v, &n)) {
        problem(c, path, depth, "expected a size in bytes, e.g. 1048576 or \"256M\"");
        return def;
    }
    return n;
}

/* An array of strings; a non-string element is reported and left out. */
static const char *const *get_strings(checker *c, const json_t *root, const char *const *path,
                                      size_t depth, size_t *out_n)
{
    *out_n = 0;
    const json_t *v = at(root, path, depth);
    if (!v)
        return NULL;
    if (!json_is_array(v)) {
        problem(c, path, depth, "expected a list of strings");
        return NULL;
    }
    const char **list = bx_arena_alloc(c->arena, (json_array_size(v) + 1) * sizeof *list);
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
        if (json_is_string(e)) {
            list[(*out_n)++] = json_string_value(e);
        } else {
            char idx[24];
            snprintf(idx, sizeof idx, "%zu", i);
            const char *sub[PATH_MAX_DEPTH + 1];
            memcpy(sub, path, depth * sizeof *path);
            sub[depth] = idx;
            problem(c, sub, depth + 1, "expected a string");
        }
    }
    return list;
}

/* ------------------------------------------------------------- rules */

bx_err workspace_rule_parse(const json_t *spec, bx_arena *arena, workspace_rule *out,
                            bx_error *detail)
{
    const char *tool = NULL, *glob = NULL;
    size_t tool_len = 0, glob_len = 0;
    if (json_is_string(spec)) {
        const char *s = json_string_value(spec);
        const char *open = strchr(s, '(');
        size_t n = strlen(s);
        if (open) {
            if (n < 2 || s[n - 1] != ')' || open == s)
                return bx_error_set(detail, BX_INVALID, -1, "rule '%s': expected tool(glob)", s);
            tool = s, tool_len = (size_t)(open - s);
            glob = open + 1, glob_len = (size_t)(s + n - 1 - (open + 1));
        } else {
            if (n == 0)
                return bx_error_set(detail, BX_INVALID, -1, "empty rule");
            tool = s, tool_len = n;
        }
    } else if (json_is_object(spec)) {
        tool = jx_str(spec, "tool", NULL);
        if (!tool || !*tool)
            return bx_error_set(detail, BX_INVALID, -1, "rule object without a tool");
        tool_len = strlen(tool);
        glob = jx_str(spec, "path", jx_str(spec, "pattern", NULL));
        glob_len = glob ? strlen(glob) : 0;
    } else {
        return bx_error_set(detail, BX_INVALID, -1, "a rule is a string or an object");
    }
    if (glob && glob_len > 4096)
        return bx_error_set(detail, BX_TOOBIG, -1, "rule glob longer than 4096 bytes");
    out->tool = bx_arena_strndup(arena, tool, tool_len);
    out->glob = glob ? bx_arena_strndup(arena, glob, glob_len) : NULL;
    return BX_OK;
}

static const workspace_rule *get_rules(checker *c, const json_t *root, const char *which,
                                       size_t *out_n)
{
    const char *path[] = {"permissions", which, NULL};
    *out_n = 0;
    const json_t *v = at(root, path, 2);
    if (!v)
        return NULL;
    if (!json_is_array(v)) {
        problem(c, path, 2, "expected a list of rules (\"tool\", \"tool(glob)\" or objects)");
        return NULL;
    }
    workspace_rule *rules = bx_arena_alloc(c->arena, (json_array_size(v) + 1) * sizeof *rules);
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
        bx_error err;
        bx_error_clear(&err);
        if (workspace_rule_parse(e, c->arena, &rules[*out_n], &err) == BX_OK) {
            (*out_n)++;
        } else {
            char idx[24];
            snprintf(idx, sizeof idx, "%zu", i);
            path[2] = idx;
            problem(c, path, 3, err.message);
        }
    }
    return rules;
}

/* ------------------------------------------------------------- sections */

static const char *const MODES[] = {"default", "accept-edits", "plan", "bypass", NULL};
static const char *const MODES_MSG = "expected one of default, accept-edits, plan, bypass";
static const char *const ACCESS[] = {"full", "read-only", "search-only", NULL};
static const char *const ACCESS_MSG = "expected one of full, read-only, search-only";

/* The object at path, or NULL (reported when present but not an object). */
static const json_t *get_object(checker *c, const json_t *root, const char *const *path,
                                size_t depth)
{
    const json_t *v = at(root, path, depth);
    if (v && !json_is_object(v)) {
        problem(c, path, depth, "expected an object");
        return NULL;
    }
    return v;
}

static void build_agents(checker *c, const json_t *doc, workspace_config *cfg)
{
    const char *top[] = {"agents"};
    const json_t *agents = get_object(c, doc, top, 1);
    size_t n = json_object_size(agents);
    workspace_agent_def *list = bx_arena_alloc(c->arena, (n + 1) * sizeof *list);
    const char *name;
    json_t *def;
    json_object_foreach((json_t *)agents, name, def) {
        const char *p[] = {"agents", name, NULL};
        if (!json_is_object(def)) {
            problem(c, p, 2, "expected an object (description, model, access, ...)");
            continue;
        }
        workspace_agent_def *a = &list[cfg->n_agents++];
        a->name = name;
        a->description = (p[2] = "description", get_str(c, doc, p, 3, ""));
        a->model = (p[2] = "model", get_str(c, doc, p, 3, NULL));
        if (a->model && !*a->model)
            a->model = NULL;
        a->access = (p[2] = "access", get_enum(c, doc, p, 3, "full", ACCESS, ACCESS_MSG));
        a->permission_mode =
            (p[2] = "permission_mode", get_enum(c, doc, p, 3, NULL, MODES, MODES_MSG));
        /* system_prompt is what the API and dashboard write; prompt is
         * the older name, still read */
        a->prompt = (p[2] = "system_prompt", get_str(c, doc, p, 3, NULL));
        if (!a->prompt)
            a->prompt = (p[2] = "prompt", get_str(c, doc, p, 3, NULL));
        a->max_turns = (int)(p[2] = "max_turns", get_int(c, doc, p, 3, 0, 1, 100000));
        a->tools = (p[2] = "tools", get_strings(c, doc, p, 3, &a->n_tools));
    }
    cfg->agents = list;
}

static void build_providers(checker *c, const json_t *doc, workspace_config *cfg)
{
    const char *top[] = {"providers"};
    const json_t *providers = get_object(c, doc, top, 1);
    size_t n = json_object_size(providers);
    workspace_provider_conf *list = bx_arena_alloc(c->arena, (n + 1) * sizeof *list);
    const char *id;
    json_t *def;
    json_object_foreach((json_t *)providers, id, def) {
        const char *p[] = {"providers", id, NULL, NULL};
        if (!json_is_object(def)) {
            problem(c, p, 2, "expected an object (adapter, base_url, api_key_env, ...)");
            continue;
        }
        workspace_provider_conf *pc = &list[cfg->n_providers++];
        pc->id = id;
        pc->adapter = (p[2] = "adapter", get_str(c, doc, p, 3, NULL));
        pc->base_url = (p[2] = "base_url", get_str(c, doc, p, 3, NULL));
        pc->api_key_env = (p[2] = "api_key_env", get_str(c, doc, p, 3, NULL));
        pc->api_version = (p[2] = "api_version", get_str(c, doc, p, 3, NULL));
        pc->ca_file = (p[2] = "ca_file", get_str(c, doc, p, 3, NULL));
        pc->max_completion_tokens = (p[2] = "max_completion_tokens", get_bool(c, doc, p, 3, false));
        const int64_t day = 86400000;
        p[2] = "timeouts";
        if (get_object(c, doc, p, 3)) {
            pc->connect_ms = (p[3] = "connect_ms", get_int(c, doc, p, 4, -1, 0, day));
            pc->first_byte_ms = (p[3] = "first_byte_ms", get_int(c, doc, p, 4, -1, 0, day));
            pc->stall_ms = (p[3] = "stall_ms", get_int(c, doc, p, 4, -1, 0, day));
        } else {
            pc->connect_ms = pc->first_byte_ms = pc->stall_ms = -1;
        }
        p[2] = "retry";
        if (get_object(c, doc, p, 3)) {
            pc->max_retries = (int)(p[3] = "max_retries", get_int(c, doc, p, 4, -1, 0, 100));
            pc->retry_base_ms = (p[3] = "base_ms", get_int(c, doc, p, 4, -1, 0, day));
            pc->retry_max_ms = (p[3] = "max_ms", get_int(c, doc, p, 4, -1, 0, day));
        } else {
            pc->max_retries = -1;
            pc->retry_base_ms = pc->retry_max_ms = -1;
        }
        p[2] = "headers";
        const json_t *h = get_object(c, doc, p, 3);
        if (h) {
            size_t nh = json_object_size(h);
            pc->header_names = bx_arena_alloc(c->arena, (nh + 1) * sizeof *pc->header_names);
            pc->header_values = bx_arena_alloc(c->arena, (nh + 1) * sizeof *pc->header_values);
            const char *hn;
            json_t *hv;
            json_object_foreach((json_t *)h, hn, hv) {
                if (!json_is_string(hv)) {
                    p[3] = hn;
                    problem(c, p, 4, "expected a string (the header's value)");
                    continue;
                }
                ((const char **)pc->header_names)[pc->n_headers] = hn;
                ((const char **)pc->header_values)[pc->n_headers++] = json_string_value(hv);
            }
        }
    }
    cfg->providers = list;
}

workspace_config *workspace__config_build(const json_t *effective, const char *file,
                                          const char *text, size_t len, bx_buf *problems)
{
    config_box *box = bx_calloc(1, sizeof *box);
    atomic_init(&box->refs, 1);
    bx_arena_init(&box->arena, 4096);
    box->doc = json_incref((json_t *)effective);
    checker c = {
        .file = file, .text = text, .len = len, .problems = problems, .arena = &box->arena};
    workspace_config *cfg = &box->pub;
    const json_t *doc = box->doc;
    const char *p[3];

    p[0] = "default_model";
    cfg->default_model = get_str(&c, doc, p, 1, "");
    p[0] = "permission_mode";
    cfg->permission_mode = get_enum(&c, doc, p, 1, "default", MODES, MODES_MSG);

    p[0] = "sandbox";
    get_object(&c, doc, p, 1);
    p[1] = "timeout_s";
    cfg->sandbox.timeout_ms = (uint32_t)get_int(&c, doc, p, 2, 30, 1, 86400) * 1000u;
    p[1] = "max_memory";
    cfg->sandbox.max_memory = get_size(&c, doc, p, 2, 256u << 20);
    p[1] = "fuel";
    cfg->sandbox.fuel = (uint64_t)get_int(&c, doc, p, 2, 20000000000LL, 1, INT64_MAX);
    p[1] = "stdout_cap";
    cfg->sandbox.stdout_cap = get_size(&c, doc, p, 2, 1u << 20);
    p[1] = "stderr_cap";
    cfg->sandbox.stderr_cap = get_size(&c, doc, p, 2, 1u << 20);
    p[1] = "max_stack";
    cfg->sandbox.max_stack = get_size(&c, doc, p, 2, 1u << 20);

    p[0] = "allowed_outbound_hosts";
    cfg->allowed_hosts = get_strings(&c, doc, p, 1, &cfg->n_allowed_hosts);
    p[0] = "gateway";
    get_object(&c, doc, p, 1);
    p[1] = "allowed_hosts";
    cfg->gateway_hosts = get_strings(&c, doc, p, 2, &cfg->n_gateway_hosts);
    p[0] = "tools";
    get_object(&c, doc, p, 1);
    p[1] = "disabled";
    cfg->tools_disabled = get_strings(&c, doc, p, 2, &cfg->n_tools_disabled);
    p[0] = "permissions";
    get_object(&c, doc, p, 1);
    cfg->allow = get_rules(&c, doc, "allow", &cfg->n_allow);
    cfg->deny = get_rules(&c, doc, "deny", &cfg->n_deny);

    p[0] = "compaction";
    get_object(&c, doc, p, 1);
    p[1] = "threshold";
    const json_t *t = at(doc, p, 2);
    cfg->compaction_threshold = 0.85;
    if (t && (!json_is_number(t) || json_number_value(t) <= 0 || json_number_value(t) > 1))
        problem(&c, p, 2, "expected a number above 0 and at most 1");
    else if (t)
        cfg->compaction_threshold = json_number_value(t);

    build_agents(&c, doc, cfg);
    build_providers(&c, doc, cfg);
    p[0] = "models";
    cfg->models = get_object(&c, doc, p, 1);
    cfg->json = doc;
    return cfg;
}

const workspace_config *workspace_config_ref(const workspace_config *cfg)
{
    config_box *box = (config_box *)cfg;
    atomic_fetch_add(&box->refs, 1);
    return cfg;
}

void workspace_config_release(const workspace_config *cfg)
{
    if (!cfg)
        return;
    config_box *box = (config_box *)cfg;
    if (atomic_fetch_sub(&box->refs, 1) != 1)
        return;
    json_decref(box->doc);
    bx_arena_release(&box->arena);
    bx_free(box);
}

const workspace_agent_def *workspace_config_agent(const workspace_config *cfg, const char *name)
{
    for (size_t i = 0; name && i < cfg->n_agents; i++)
        if (strcmp(cfg->agents[i].name, name) == 0)
            return &cfg->agents[i];
    return NULL;
}

const workspace_provider_conf *workspace_config_provider(const workspace_config *cfg,
                                                         const char *id)
{
    for (size_t i = 0; cfg && id && i < cfg->n_providers; i++)
        if (strcmp(cfg->providers[i].id, id) == 0)
            return &cfg->providers[i];
    return NULL;
}

bool workspace_config_tool_disabled(const workspace_config *cfg, const char *tool)
{
    for (size_t i = 0; i < cfg->n_tools_disabled; i++)
        if (strcmp(cfg->tools_disabled[i], tool) == 0)
            return true;
    return false;
}
