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
 * Settings are an immutable JSON snapshot: readers take a reference, an
 * update writes the file atomically and swaps the snapshot, so readers on
 * other threads never see a half-applied change. Secrets never enter the
 * settings snapshot, logs or any output. Design notes: docs/internals/workspace.md.
 * Thread-safety: every function may be called from any thread.
 */
#ifndef BX_WORKSPACE_H
#define BX_WORKSPACE_H

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
/* Re-reads settings.json (after a hand edit). */
bx_err workspace_settings_reload(workspace *ws, bx_error *detail);

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
