/* permissions.c: the permission engine — access levels x modes x rules.
 *
 * Pure functions of (rules, mode, tool, level, input): no I/O, no state, so
 * every path is unit-testable. Deny rules are checked first and win over
 * everything, including bypass; plan mode refuses anything above ReadOnly
 * even when a rule allows it. Nothing here reads tool output: a file or a
 * fetched page can never change a mode, a rule or a limit.
 */
#include <string.h>

#include "agent/agent_int.h"

/* ------------------------------------------------------------------ names */

static const char *const level_names[] = {"none", "read_only", "write", "execute", "network"};
static const char *const mode_names[] = {"default", "accept-edits", "plan", "bypass"};
static const char *const access_names[] = {"full", "read-only", "search-only"};

const char *agent_level_name(agent_level l)
{
    return (unsigned)l < BX_ARRAY_LEN(level_names) ? level_names[l] : "unknown";
}

bool agent_level_parse(const char *s, agent_level *out_level)
{
    static const struct { const char *name; agent_level l; } alias[] = {
        {"none", AGENT_LEVEL_NONE},         {"read_only", AGENT_LEVEL_READONLY},
        {"readonly", AGENT_LEVEL_READONLY}, {"read-only", AGENT_LEVEL_READONLY},
        {"write", AGENT_LEVEL_WRITE},       {"execute", AGENT_LEVEL_EXECUTE},
        {"network", AGENT_LEVEL_NETWORK},
    };
    if (!s)
        return false;
    for (size_t i = 0; i < BX_ARRAY_LEN(alias); i++) {
        if (strcasecmp(s, alias[i].name) == 0) {
            *out_level = alias[i].l;
            return true;
        }
    }
    return false;
}

const char *agent_mode_name(agent_mode m)
{
    return (unsigned)m < BX_ARRAY_LEN(mode_names) ? mode_names[m] : "unknown";
}

bool agent_mode_parse(const char *s, agent_mode *out_mode)
{
    if (!s)
        return false;
    for (size_t i = 0; i < BX_ARRAY_LEN(mode_names); i++) {
        if (strcmp(s, mode_names[i]) == 0) {
            *out_mode = (agent_mode)i;
            return true;
        }
    }
    if (strcmp(s, "acceptEdits") == 0 || strcmp(s, "accept_edits") == 0) {
        *out_mode = AGENT_MODE_ACCEPT_EDITS;
        return true;
    }
    return false;
}

const char *agent_access_name(agent_access a)
{
    return (unsigned)a < BX_ARRAY_LEN(access_names) ? access_names[a] : "unknown";
}

bool agent_access_parse(const char *s, agent_access *out_access)
{
    if (!s)
        return false;
    for (size_t i = 0; i < BX_ARRAY_LEN(access_names); i++) {
        if (strcmp(s, access_names[i]) == 0) {
            *out_access = (agent_access)i;
            return true;
        }
    }
    return false;
}

/* ------------------------------------------------------------------- glob */

/* Dynamic programming over (pattern token, subject prefix): O(|g| x |s|)
 * time, O(|s|) memory, no backtracking, so no pattern can make it spin.
 * Tokens: a literal byte, `?` (one byte but '/'), `*` (a run without '/'),
 * `**` (any run), and `**` + '/' (zero or more whole directories). When the
 * subject is not a path (a command, a URL), `*` and `?` cross '/' too. */
static bool glob_impl(const char *glob, const char *subject, bool path)
{
    if (!glob || !subject)
        return false;
    size_t n = strlen(subject);
    bool *cur = bx_calloc(n + 1, sizeof(bool)), *next = bx_calloc(n + 1, sizeof(bool));
    cur[0] = true;
    const char *g = glob;
    while (*g) {
        if (g[0] == '*' && g[1] == '*' && g[2] == '/') {
            /* zero dirs, or anything that ends with '/' */
            bool any = false;
            for (size_t j = 0; j <= n; j++) {
                next[j] = cur[j] || (j > 0 && subject[j - 1] == '/' && any);
                any |= cur[j];
            }
            g += 3;
        } else if (g[0] == '*' && g[1] == '*') {
            bool any = false;
            for (size_t j = 0; j <= n; j++) {
                any |= cur[j];
                next[j] = any;
            }
            g += 2;
        } else if (g[0] == '*') {
            for (size_t j = 0; j <= n; j++)
                next[j] = cur[j] || (j > 0 && next[j - 1] && (!path || subject[j - 1] != '/'));
            g++;
        } else {
            next[0] = false;
            for (size_t j = 1; j <= n; j++)
                next[j] = cur[j - 1] && (*g == '?' ? (!path || subject[j - 1] != '/') : subject[j - 1] == *g);
            g++;
        }
        bool *t = cur;
        cur = next;
        next = t;
    }
    bool m = cur[n];
    bx_free(cur);
    bx_free(next);
    return m;
}

bool agent_glob_match(const char *glob, const char *subject)
{
    return glob_impl(glob, subject, true);
}

/* ------------------------------------------------------------------ rules */

void agent_rules_init(agent_rules *r)
{
    bx_vec_init(&r->allow, sizeof(agent_rule));
    bx_vec_init(&r->deny, sizeof(agent_rule));
}

static void rules_free_vec(bx_vec *v)
{
    for (size_t i = 0; i < v->len; i++) {
        agent_rule *ru = bx_vec_at(v, i);
        bx_free(ru->tool);
        bx_free(ru->glob);
    }
    bx_vec_release(v);
}

void agent_rules_release(agent_rules *r)
{
    rules_free_vec(&r->allow);
    rules_free_vec(&r->deny);
}

/* Normalises a guest path or glob: no leading '/', no "." or ".."
 * segments, so "/src/../etc/x" and "etc/x" are the same subject. */
static char *normalize_subject(const char *s)
{
    bx_buf b;
    bx_buf_init(&b, 1 << 16);
    while (*s == '/')
        s++;
    if (bx_path_normalize(*s ? s : ".", &b) != BX_OK) {
        bx_buf_release(&b);
        return bx_strdup(s);
    }
    char *out = bx_buf_detach(&b, NULL);
    if (strcmp(out, ".") == 0)
        out[0] = '\0';
    return out;
}

static void push_rule(agent_rules *r, bool allow, const workspace_rule *w)
{
    agent_rule ru = {bx_strdup(w->tool), w->glob ? bx_strdup(w->glob) : NULL};
    bx_vec_push(allow ? &r->allow : &r->deny, &ru);
}

bx_err agent_rules_add(agent_rules *r, bool allow, const json_t *spec, bx_error *detail)
{
    /* One parser for the rule syntax, the workspace's: a rule the API adds
     * reads exactly as one written in settings.json. */
    bx_arena arena;
    bx_arena_init(&arena, 1024);
    workspace_rule w;
    bx_err err = workspace_rule_parse(spec, &arena, &w, detail);
    if (!err)
        push_rule(r, allow, &w);
    bx_arena_release(&arena);
    return err;
}

void agent_rules_from_config(agent_rules *r, const workspace_config *cfg)
{
    /* Malformed entries were reported, with their place in the file, and
     * left out when the snapshot was built. */
    for (size_t i = 0; i < cfg->n_allow; i++)
        push_rule(r, true, &cfg->allow[i]);
    for (size_t i = 0; i < cfg->n_deny; i++)
        push_rule(r, false, &cfg->deny[i]);
}

bx_err agent_profile_resolve(const workspace_config *cfg, const char *agent_name,
                             const char *mode_override, const char *model_override,
                             agent_profile *out, bx_error *detail)
{
    memset(out, 0, sizeof *out);
    out->def = workspace_config_agent(cfg, agent_name);
    if (!out->def)
        return bx_error_set(detail, BX_INVALID, -1, "no agent named \"%s\" in settings.agents",
                            agent_name ? agent_name : "");
    if (!agent_access_parse(out->def->access, &out->access))
        return bx_error_set(detail, BX_INVALID, -1, "agent %s has an unknown access \"%s\"",
                            agent_name, out->def->access);
    const char *mode_s = mode_override;
    if (!mode_s)
        mode_s = out->def->permission_mode ? out->def->permission_mode : cfg->permission_mode;
    if (!agent_mode_parse(mode_s, &out->mode))
        return bx_error_set(detail, BX_INVALID, -1, "unknown permission mode \"%s\"", mode_s);
    if (out->mode == AGENT_MODE_BYPASS && !mode_override)
        out->mode = AGENT_MODE_DEFAULT; /* bypass only on the user's explicit request */
    out->model = model_override && *model_override ? model_override
                 : out->def->model                 ? out->def->model
                 : *cfg->default_model             ? cfg->default_model
                                                   : NULL;
    return BX_OK;
}

const char *agent_call_subject(const char *tool, const json_t *input)
{
    static const char *const keys[] = {"file_path", "path", "notebook_path", "url", "command"};
    BX_UNUSED(tool);
    for (size_t i = 0; i < BX_ARRAY_LEN(keys); i++) {
        const char *v = jx_str(input, keys[i], NULL);
        if (v)
            return v;
    }
    return NULL;
}

static bool is_path_key_subject(const json_t *input)
{
    return jx_str(input, "file_path", NULL) || jx_str(input, "path", NULL) ||
           jx_str(input, "notebook_path", NULL);
}

/* Does one rule cover this call? A rule with a glob needs a subject. */
static bool rule_matches(const agent_rule *ru, const char *tool, const json_t *input)
{
    if (strcmp(ru->tool, "*") != 0 && strcmp(ru->tool, tool) != 0)
        return false;
    if (!ru->glob)
        return true;
    const char *subject = agent_call_subject(tool, input);
    if (!subject)
        return false;
    if (is_path_key_subject(input)) {
        char *s = normalize_subject(subject);
        char *g = normalize_subject(ru->glob);
        bool m = agent_glob_match(g, s);
        bx_free(s);
        bx_free(g);
        return m;
    }
    return glob_impl(ru->glob, subject, false);
}

static const agent_rule *first_match(const bx_vec *v, const char *tool, const json_t *input)
{
    for (size_t i = 0; i < v->len; i++) {
        const agent_rule *ru = bx_vec_at(v, i);
        if (rule_matches(ru, tool, input))
            return ru;
    }
    return NULL;
}

/* --------------------------------------------------------------- deciding */

static const char *const search_only_tools[] = {"read", "glob", "grep", "ls", "web_fetch",
                                                "tool_search"};

bool agent_tool_offered(agent_access access, agent_mode mode, const char *tool, agent_level level)
{
    if (access == AGENT_ACCESS_SEARCH_ONLY) {
        bool found = false;
        for (size_t i = 0; i < BX_ARRAY_LEN(search_only_tools); i++)
            found |= strcmp(tool, search_only_tools[i]) == 0;
        if (!found)
            return false;
    } else if (access == AGENT_ACCESS_READ_ONLY && level > AGENT_LEVEL_READONLY) {
        return false;
    }
    /* Plan mode: reading and planning only. web_fetch is Network level and
     * so is not offered in plan mode, even to a search-only agent. */
    if (mode == AGENT_MODE_PLAN && level > AGENT_LEVEL_READONLY)
        return false;
    return true;
}

#define VERDICT(v, who, ...)                                      \
    do {                                                          \
        out->verdict = (v);                                       \
        out->by = (who);                                          \
        snprintf(out->reason, sizeof(out->reason), __VA_ARGS__);  \
    } while (0)

void agent_permission_decide(const agent_rules *rules, agent_mode mode, const char *tool,
                             agent_level level, const json_t *input, agent_decision *out)
{
    const agent_rule *ru = rules ? first_match(&rules->deny, tool, input) : NULL;
    if (ru) {
        VERDICT(AGENT_VERDICT_DENY, "rule", "denied by the rule %s%s%s%s", ru->tool,
                ru->glob ? "(" : "", ru->glob ? ru->glob : "", ru->glob ? ")" : "");
        return;
    }
    if (mode == AGENT_MODE_PLAN && level > AGENT_LEVEL_READONLY) {
        VERDICT(AGENT_VERDICT_DENY, "mode",
                "%s is a %s tool and plan mode allows only reading", tool,
                agent_level_name(level));
        return;
    }
    if (mode == AGENT_MODE_BYPASS) {
        VERDICT(AGENT_VERDICT_ALLOW, "mode", "bypass mode");
        return;
    }
    ru = rules ? first_match(&rules->allow, tool, input) : NULL;
    if (ru) {
        VERDICT(AGENT_VERDICT_ALLOW, "rule", "allowed by the rule %s%s%s%s", ru->tool,
                ru->glob ? "(" : "", ru->glob ? ru->glob : "", ru->glob ? ")" : "");
        return;
    }
    if (level <= AGENT_LEVEL_READONLY) {
        VERDICT(AGENT_VERDICT_ALLOW, "mode", "%s tools run without asking",
                agent_level_name(level));
        return;
    }
    if (level == AGENT_LEVEL_WRITE && mode == AGENT_MODE_ACCEPT_EDITS) {
        VERDICT(AGENT_VERDICT_ALLOW, "mode", "accept-edits mode runs write tools");
        return;
    }
    VERDICT(AGENT_VERDICT_ASK, "mode", "%s is a %s tool; %s mode asks first", tool,
            agent_level_name(level), agent_mode_name(mode));
}
