/* agent: the query loop (level 6). The model proposes, the runtime disposes:
 * a run streams a model reply, decides permission for each tool call it
 * asks for (access level x mode x allow/deny rules, deny wins), runs the
 * allowed ones (ReadOnly tools in parallel), feeds the results back and
 * repeats until the model ends its turn or a budget stops it. Everything it
 * does is an event (docs/events.md) delivered to one sink, and every
 * message, tool call and usage record is written to the store as it happens.
 * Design notes: docs/agent.md.
 *
 * Thread-safety: agent_run_exec() runs on the caller's thread. cancel,
 * approve and answer may be called from any other thread. The sink is
 * called with the run's emit lock held (events arrive one at a time, in seq
 * order), possibly from a tool worker thread; it must not call back into the
 * run except through agent_run_cancel/approve/answer.
 */
#ifndef BX_AGENT_H
#define BX_AGENT_H

#include <stdatomic.h>
#include <stdio.h>

#include "json/json.h"
#include "llm/llm.h"
#include "store/store.h"
#include "tools/tools.h"
#include "util/util.h"
#include "workspace/workspace.h"

/* ------------------------------------------------------------ permissions */

typedef enum agent_level {
    AGENT_LEVEL_NONE = 0, /* touches nothing outside the run (todo_write, brief) */
    AGENT_LEVEL_READONLY,
    AGENT_LEVEL_WRITE,
    AGENT_LEVEL_EXECUTE,
    AGENT_LEVEL_NETWORK,
} agent_level;

typedef enum agent_mode {
    AGENT_MODE_DEFAULT = 0, /* ReadOnly runs; Write, Execute, Network ask */
    AGENT_MODE_ACCEPT_EDITS, /* Write runs too */
    AGENT_MODE_PLAN,         /* only None/ReadOnly tools are offered */
    AGENT_MODE_BYPASS,       /* everything not denied by a rule runs; user opt-in only */
} agent_mode;

typedef enum agent_access {
    AGENT_ACCESS_FULL = 0,
    AGENT_ACCESS_READ_ONLY,   /* tools of level None/ReadOnly */
    AGENT_ACCESS_SEARCH_ONLY, /* read, glob, grep, ls, web_fetch, tool_search */
} agent_access;

const char *agent_level_name(agent_level l);      /* "none", "read_only", ... */
bool agent_level_parse(const char *s, agent_level *out_level);
const char *agent_mode_name(agent_mode m);        /* "default", "accept-edits", "plan", "bypass" */
bool agent_mode_parse(const char *s, agent_mode *out_mode);
const char *agent_access_name(agent_access a);    /* "full", "read-only", "search-only" */
bool agent_access_parse(const char *s, agent_access *out_access);

/* What a run of a named agent takes from the settings: access, mode and
 * model, with the caller's explicit choices applied. */
typedef struct agent_profile {
    const workspace_agent_def *def; /* borrowed from the config */
    agent_access access;
    agent_mode mode;
    const char *model; /* the override, else the agent's, else settings.default_model;
                          NULL when none is set. Borrowed. */
} agent_profile;

/* Resolves agent_name in cfg. mode_override and model_override may be NULL
 * (or "" for the model). Bypass is only ever the override's: a bypass in
 * the settings runs as default. BX_INVALID with a message for an unknown
 * agent or mode name. */
bx_err agent_profile_resolve(const workspace_config *cfg, const char *agent_name,
                             const char *mode_override, const char *model_override,
                             agent_profile *out, bx_error *detail);

/* One allow or deny rule: a tool name ("*" = any) and an optional glob on
 * the call's subject (file_path/path for file tools, url for web_fetch,
 * command for bash). Written in settings as "tool" or "tool(glob)", or as
 * {"tool": ..., "path": ...}. In globs `*` and `?` stay within one path
 * segment, `**` crosses them; paths are guest paths, normalised and
 * compared without the leading '/'. */
typedef struct agent_rule {
    char *tool;
    char *glob; /* NULL = any subject */
} agent_rule;

typedef struct agent_rules {
    bx_vec allow; /* agent_rule */
    bx_vec deny;  /* agent_rule */
} agent_rules;

void agent_rules_init(agent_rules *r);
void agent_rules_release(agent_rules *r);
/* Adds one rule from its settings form; BX_INVALID for a malformed one. */
bx_err agent_rules_add(agent_rules *r, bool allow, const json_t *spec, bx_error *detail);
/* Reads settings.permissions.{allow,deny}; malformed entries are skipped
 * with a warning (a hand-edit typo must not disable the other rules). */
void agent_rules_from_config(agent_rules *r, const workspace_config *cfg);

/* The subject a rule glob is matched against (borrowed from input), or NULL. */
const char *agent_call_subject(const char *tool, const json_t *input);
/* The glob matcher used by rules (exposed for tests). */
bool agent_glob_match(const char *glob, const char *subject);

/* Whether a tool is offered to the model at all under this access and mode. */
bool agent_tool_offered(agent_access access, agent_mode mode, const char *tool, agent_level level);

typedef enum agent_verdict { AGENT_VERDICT_ALLOW = 0, AGENT_VERDICT_ASK, AGENT_VERDICT_DENY } agent_verdict;

typedef struct agent_decision {
    agent_verdict verdict;
    const char *by;  /* "rule" or "mode" */
    char reason[256]; /* why it asks or denies, for the user and the model */
} agent_decision;

/* The pure permission decision for a call of an offered tool. Order: a
 * matching deny rule denies; plan mode denies anything above ReadOnly;
 * bypass allows; a matching allow rule allows; None/ReadOnly run; Write
 * runs under accept-edits; everything else asks. */
void agent_permission_decide(const agent_rules *rules, agent_mode mode, const char *tool,
                             agent_level level, const json_t *input, agent_decision *out);

/* ------------------------------------------------------------------ tools */

typedef struct agent_run agent_run;
typedef struct agent_call agent_call;

typedef struct agent_tool_result {
    char *content;    /* bx_malloc'd text for the model; NULL = "" */
    bool is_error;
    json_t *metadata; /* owned reference or NULL */
} agent_tool_result;

/* A tool as the loop sees it. Wasm tools from src/tools are wrapped into
 * this shape; the built-in tools (ask_user, todo_write, ...) implement it
 * directly. execute runs on a loop or worker thread and must return soon
 * after agent_call_cancelled() turns true (agent_call_wait helps). */
typedef struct agent_tool {
    const char *name;
    const char *description;
    agent_level level;
    const json_t *schema; /* JSON Schema of the input object (borrowed) */
    bx_err (*execute)(void *ctx, agent_call *call, const json_t *input, agent_tool_result *out);
    void *ctx;
} agent_tool;

/* Inside execute: the run and the call, for built-ins and adapters. */
agent_run *agent_call_run(agent_call *call);
const char *agent_call_id(const agent_call *call);
bool agent_call_cancelled(const agent_call *call);
/* Sleeps up to ms; returns false early when the call is cancelled. */
bool agent_call_wait(agent_call *call, int64_t ms);
/* A hook run (on the cancelling thread) when the call is cancelled, e.g.
 * to set a wasm instance's interrupt flag. Pass NULL to clear. */
void agent_call_on_cancel(agent_call *call, void (*fn)(void *arg), void *arg);

/* Validates input against the subset of JSON Schema tools use (type,
 * properties, required, enum, minimum/maximum, minLength/maxLength, items,
 * additionalProperties false). On failure fills msg naming the field. */
bool agent_schema_check(const json_t *schema, const json_t *input, bx_buf *msg);

/* The tools of a registry (the embedded wasm tools and extensions) as
 * agent tools. Each call runs through tools_execute with base's grants and
 * the call's cancellation flag. The set holds references to the tools; it
 * must outlive the runs that use it. base is copied (its strings are
 * borrowed). tool_search is left out: the built-in one searches what the
 * agent may use. */
typedef struct agent_toolset {
    agent_tool *tools;
    size_t n;
    void *impl; /* internal */
} agent_toolset;

bx_err agent_toolset_from_registry(tools_registry *reg, const tools_ctx *base,
                                   agent_toolset *out);
void agent_toolset_release(agent_toolset *ts);

/* ------------------------------------------------------------------ model */

/* How the loop reaches a model: llm_call with a resolved provider in
 * production (agent_model_llm), anything with the same contract in tests. */
typedef struct agent_model {
    bx_err (*call)(void *ctx, const llm_request *req, llm_sink_fn sink, void *sink_ctx,
                   llm_cancel *cancel);
    void *ctx;
    char spec[192];         /* "provider/model", for events and the store */
    const char *model_id;   /* the provider's model id sent in requests */
    llm_model_info info;    /* context window and prices (zeroed = unknown) */
} agent_model;

/* A model reached through llm_call: resolves spec with the workspace's
 * settings and secrets. Release with agent_model_llm_release. */
/* After a model could not be set up: says which providers are ready, or,
 * when none is, where a key or a local server's base URL goes. */
void agent_first_run_help(workspace *ws, const workspace_config *cfg, FILE *out);
bx_err agent_model_llm(workspace *ws, const char *spec, agent_model *out, bx_error *detail);
void agent_model_llm_release(agent_model *m);

/* ------------------------------------------------------------------- runs */

typedef enum agent_outcome {
    AGENT_OUTCOME_COMPLETED = 0,
    AGENT_OUTCOME_MAX_TURNS,
    AGENT_OUTCOME_MAX_TIME,
    AGENT_OUTCOME_MAX_COST,
    AGENT_OUTCOME_MAX_TOKENS,
    AGENT_OUTCOME_CANCELLED,
    AGENT_OUTCOME_ERROR,
} agent_outcome;

const char *agent_outcome_name(agent_outcome o); /* "completed", ... */
int agent_outcome_exit_code(agent_outcome o);     /* docs/events.md */

/* The sink receives each event as a JSON object (borrowed for the call). */
typedef void (*agent_sink_fn)(void *ctx, const json_t *event);

typedef struct agent_config {
    workspace *ws;           /* settings, AGENTS.md, skills, root; may be NULL in tests */
    store *st;               /* where everything is recorded; may be NULL in tests */
    const char *root_dir;    /* the tools' "/" on the host (NULL = workspace root) */
    agent_model *model;      /* borrowed */
    const char *agent_name;  /* "build", "plan", "explore" or a settings.agents key */
    agent_access access;
    agent_mode mode;
    const char *session_id;  /* continue this session; NULL/"" = a new one */
    const agent_tool *tools; /* the tool set besides the built-ins (borrowed) */
    size_t n_tools;
    agent_sink_fn sink;
    void *sink_ctx;
    bool can_ask;            /* someone can answer approvals/questions */
    int64_t approval_timeout_ms; /* <= 0: 10 minutes */
    int max_turns;           /* <= 0: from the agent's settings, else 100 */
    int64_t max_time_ms;     /* <= 0: none */
    double max_cost_usd;     /* <= 0: none */
    int64_t max_tokens;      /* <= 0: none (input + output over the run) */
    double compact_threshold; /* share of the context window; <= 0: settings or 0.85 */
    size_t result_cap;       /* bytes of one tool result kept in context; 0 = 32 KiB */
    int parallel_limit;      /* ReadOnly tools at once; <= 0: 4 */
    int64_t max_output_tokens; /* per request; <= 0: the model's default */
    const char *system_extra; /* appended to the system prompt; may be NULL */
} agent_config;

/* Creates a run. The config and everything it points to must outlive it. */
bx_err agent_run_new(const agent_config *cfg, agent_run **out_run, bx_error *detail);
void agent_run_free(agent_run *run);
/* Runs one user message to its end. Returns the outcome; detail says why
 * for AGENT_OUTCOME_ERROR. May be called again for the next user message,
 * one exec at a time per run (a gateway serialises a session's messages). */
agent_outcome agent_run_exec(agent_run *run, const char *prompt, bx_error *detail);
/* The session (created on the first exec when none was given). */
const char *agent_run_session_id(const agent_run *run);
const char *agent_run_id(const agent_run *run);
agent_mode agent_run_mode(agent_run *run);

/* From any thread: stops the stream and running tools (within ~100 ms);
 * exec then returns AGENT_OUTCOME_CANCELLED. */
void agent_run_cancel(agent_run *run);

typedef enum agent_answer {
    AGENT_ANSWER_ALLOW_ONCE = 0,
    AGENT_ANSWER_ALLOW_ALWAYS,
    AGENT_ANSWER_DENY,
    AGENT_ANSWER_DENY_WITH_MESSAGE,
} agent_answer;

bool agent_answer_parse(const char *s, agent_answer *out_answer);

/* Answers a pending approval_request by its approval_id. message goes to
 * the model with DENY_WITH_MESSAGE. BX_NOTFOUND when no such request is
 * pending (answered, expired or unknown). */
bx_err agent_run_approve(agent_run *run, const char *approval_id, agent_answer answer,
                         const char *message);
/* Answers a pending question (ask_user) by its question_id. */
bx_err agent_run_answer(agent_run *run, const char *question_id, const char *answer);
/* What a late-joining client needs to redraw the run: the approval_request
 * and question events still waiting for an answer (an array, new
 * reference), and the last todo_write list (an array, new reference). */
json_t *agent_run_pending(agent_run *run);
json_t *agent_run_todos(agent_run *run);
/* Changes the mode on the user's behalf (the only way into bypass). */
void agent_run_set_mode(agent_run *run, agent_mode mode);

/* Running totals (safe from any thread). */
typedef struct agent_stats {
    int turns;
    int64_t input_tokens, output_tokens;
    double cost_usd;
    int compactions;
    int64_t context_tokens;
} agent_stats;
void agent_run_stats(agent_run *run, agent_stats *out);

/* ------------------------------------------------------------------- CLI */

/* `boxagnts run "prompt" [flags]`; argv[0] is "run". Returns the exit code. */
int agent_cli_main(int argc, char **argv, const char *workspace_dir);

#endif
