/* workspace: the workspace on disk (level 2), as DESIGN.md lays it out.
 *
 *   W/root/                    the tree tools see (or --root DIR)
 *   W/extensions/tools/        extra .wasm tools
 *   W/extensions/skills/       <name>/SKILL.md
 *   W/.boxagnts/settings.json  hand-editable; unknown fields kept; never
 *                              overwritten while it has a syntax error
 *   W/.boxagnts/secrets.json   mode 0600; API keys and tokens
 *   W/.boxagnts/AGENTS.md      project memory
 *   W/.boxagnts/boxagnts.db    the store (opened by src/store)
 *
 * Settings are an immutable snapshot, typed (workspace_config) and as JSON:
 * readers take a reference, an update writes the file atomically and swaps
 * the snapshot, so readers on other threads never see a half-applied change. Secrets never enter the
 * settings snapshot, logs or any output. Design notes: docs/internals/workspace.md.
 * Thread-safety: every function may be called from any thread.
 */
#ifndef BX_WORKSPACE_H
#define BX_WORKSPACE_H

#include <stdint.h>

#include "json/json.h"
#include "util/util.h"

typedef struct workspace workspace;

/* Settings and secrets files are capped at this size. */
#define WORKSPACE_FILE_MAX (4u << 20)

/* Opens (creating on first start) the workspace at dir. root_dir overrides
 * the tree tools see (NULL = dir/root). A settings.json with a syntax error
 * does not fail the open: the defaults are used, workspace_settings_error()
 * reports file:line:column, and saves are refused until it is fixed. */
bx_err workspace_open(const char *dir, const char *root_dir, bx_error *detail,
                      workspace **out_ws);
void workspace_close(workspace *ws);

/* Absolute paths; valid while ws is open. */
const char *workspace_dir(const workspace *ws);
const char *workspace_root(const workspace *ws);       /* the tools' "/" */
const char *workspace_state_dir(const workspace *ws);  /* W/.boxagnts */
const char *workspace_db_path(const workspace *ws);
const char *workspace_tools_dir(const workspace *ws);  /* W/extensions/tools */
const char *workspace_skills_dir(const workspace *ws); /* W/extensions/skills */
const char *workspace_settings_path(const workspace *ws);
const char *workspace_secrets_path(const workspace *ws);

/* The effective settings (defaults overlaid with the file), as a new
 * reference the caller json_decref()s. Never NULL. Never holds secrets. */
json_t *workspace_settings(workspace *ws);
/* The parse error of settings.json, or NULL when it parsed. Borrowed. */
const bx_error *workspace_settings_error(const workspace *ws);
/* Merges patch (an object; null values delete keys; nested objects merge)
 * into the file's own document, keeping unknown fields and key order, and
 * saves atomically. Fields named like secrets (api_key, token, password,
 * secret) are refused with BX_INVALID: they belong in secrets. Refused with
 * BX_PARSE while the file on disk has a syntax error. */
bx_err workspace_settings_update(workspace *ws, const json_t *patch, bx_error *detail);
/* (An update whose result has a value of the wrong type or range is refused
 * with BX_INVALID naming the field; the file is not changed.) */
/* Re-reads settings.json (after a hand edit). */
bx_err workspace_settings_reload(workspace *ws, bx_error *detail);

/* ------------------------------------------------------ typed settings */

/* The settings as the runtime reads them: one immutable snapshot per
 * change, checked once (a bad value is reported with its file position and
 * replaced by its default), shared by reference. Modules take this; raw JSON
 * stays at the edges (the settings API, the file). Strings and arrays are
 * owned by the snapshot and live as long as it does. */

/* The sandbox limits every tool run gets (settings.sandbox). */
typedef struct workspace_limits {
    uint32_t timeout_ms;  /* timeout_s x 1000; default 30 s */
    uint64_t max_memory;  /* bytes; default 256 MiB */
    uint64_t fuel;        /* instructions; default 2e10 */
    uint64_t stdout_cap;  /* bytes; default 1 MiB */
    uint64_t stderr_cap;  /* bytes; default 1 MiB */
    uint64_t max_stack;   /* bytes; default 1 MiB */
} workspace_limits;

/* One allow or deny rule as written: "tool", "tool(glob)" or
 * {"tool": ..., "path": ...}. glob is NULL for any subject. */
typedef struct workspace_rule {
    const char *tool;
    const char *glob;
} workspace_rule;

/* settings.agents.<name>. */
typedef struct workspace_agent_def {
    const char *name;
    const char *description;     /* "" when not given */
    const char *model;           /* NULL: settings.default_model */
    const char *access;          /* "full", "read-only" or "search-only" */
    const char *permission_mode; /* NULL: settings.permission_mode */
    const char *prompt;          /* system_prompt (or the older "prompt"): instructions
                                    added to the system prompt, or NULL */
    int max_turns;               /* 0: the agent module's default */
    const char *const *tools;    /* a subset of tools to offer, or NULL (all) */
    size_t n_tools;
} workspace_agent_def;

/* settings.providers.<id>: overrides of a preset or a provider of its own.
 * NULL strings and negative numbers mean "not set". */
typedef struct workspace_provider_conf {
    const char *id;
    const char *adapter;     /* "openai-chat", "anthropic", ... (src/llm checks the name) */
    const char *base_url;
    const char *api_key_env; /* the secret's name */
    const char *api_version;
    const char *ca_file;
    const char *const *header_names; /* extra headers, n_headers of each */
    const char *const *header_values;
    size_t n_headers;
    int64_t connect_ms, first_byte_ms, stall_ms; /* timeouts */
    int max_retries;
    int64_t retry_base_ms, retry_max_ms;
    bool max_completion_tokens;
} workspace_provider_conf;

typedef struct workspace_config {
    const char *default_model;   /* "provider/model", "" when unset */
    const char *permission_mode; /* "default", "accept-edits", "plan" or "bypass" */
    workspace_limits sandbox;
    const char *const *allowed_hosts; /* allowed_outbound_hosts */
    size_t n_allowed_hosts;
    const char *const *gateway_hosts; /* gateway.allowed_hosts: extra Host names served */
    size_t n_gateway_hosts;
    const char *const *tools_disabled; /* tools.disabled */
    size_t n_tools_disabled;
    const workspace_rule *allow, *deny; /* permissions.allow / .deny */
    size_t n_allow, n_deny;
    double compaction_threshold; /* compaction.threshold, in (0, 1] */
    const workspace_agent_def *agents;
    size_t n_agents;
    const workspace_provider_conf *providers;
    size_t n_providers;
    const json_t *models; /* settings.models: catalog-format entries src/llm reads, or NULL */
    const json_t *json;   /* the whole effective document, for the edges and for
                             sections whose module reads them itself */
} workspace_config;

/* A snapshot of a settings document that no workspace holds (defaults
 * overlaid with doc; tests, and tools that take settings on the command
 * line). Problems, if any, go to *out_problems (bx_malloc'd) when given. */
const workspace_config *workspace_config_from_json(const json_t *doc, char **out_problems);
/* The current snapshot, as a new reference. Never NULL. */
const workspace_config *workspace_config_get(workspace *ws);
const workspace_config *workspace_config_ref(const workspace_config *cfg);
void workspace_config_release(const workspace_config *cfg);
/* The agent or provider of that name, or NULL. Borrowed from cfg. */
const workspace_agent_def *workspace_config_agent(const workspace_config *cfg, const char *name);
const workspace_provider_conf *workspace_config_provider(const workspace_config *cfg,
                                                         const char *id);
bool workspace_config_tool_disabled(const workspace_config *cfg, const char *tool);
/* What the last load found wrong in settings.json, one problem a line
 * ("path:line:col: sandbox.fuel: expected ..."), as a bx_malloc'd string;
 * NULL when nothing was. A syntax error is workspace_settings_error's. */
char *workspace_settings_problems(workspace *ws);
/* Parses one rule ("tool", "tool(glob)" or an object) into arena memory. */
bx_err workspace_rule_parse(const json_t *spec, bx_arena *arena, workspace_rule *out,
                            bx_error *detail);
/* A size: a whole number of bytes or "64K", "256M", "2G" (or "256MB"). */
bool workspace_parse_size(const json_t *v, uint64_t *out_bytes);

/* A secret by name (e.g. "OPENAI_API_KEY"): secrets.json first, then the
 * environment variable of the same name. Returns a copy to bx_free (after
 * wiping), or NULL. */
char *workspace_secret(workspace *ws, const char *name);
/* Sets (value non-NULL) or deletes a secret; secrets.json stays 0600. */
bx_err workspace_secret_set(workspace *ws, const char *name, const char *value);
/* True when the secret exists in secrets.json or the environment. */
bool workspace_secret_present(workspace *ws, const char *name);

/* Project memory: W/.boxagnts/AGENTS.md, then the root tree's own AGENTS.md
 * when it exists, each under a heading naming its file. Appends to out. */
bx_err workspace_agents_md(workspace *ws, bx_buf *out);
/* Replaces W/.boxagnts/AGENTS.md. */
bx_err workspace_agents_md_write(workspace *ws, const char *text, size_t len);

/* A skill found under extensions/skills/<name>/SKILL.md. */
typedef struct workspace_skill {
    char *name;        /* front matter `name`, else the folder name */
    char *description; /* front matter `description`, may be "" */
    char *path;        /* absolute path of SKILL.md */
    json_t *meta;      /* the whole front matter as JSON (tools, args, ...) */
} workspace_skill;

/* Lists skills sorted by name. A SKILL.md whose front matter does not parse
 * is skipped with a warning in the log. Free with workspace_skills_free. */
bx_err workspace_skills(workspace *ws, bx_vec *out_skills);
void workspace_skills_free(bx_vec *skills);
/* Parses "---\nYAML\n---\nbody" into meta (an object) and the body offset.
 * No front matter gives an empty object and offset 0. */
bx_err workspace_front_matter(const char *text, size_t len, json_t **out_meta,
                              size_t *out_body_offset, bx_error *detail);

#endif
