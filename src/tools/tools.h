/* tools: the tool interface, permission levels, JSON-Schema input checks,
 * the registry (embedded wasm tools + W/extensions/tools/<name>.wasm with hot
 * reload), the wasm-tool adapter and tool_search (level 4; builds on
 * sandbox, workspace, json, util).
 *
 * A tool has a name, a description, a permission level, a JSON Schema for
 * its input and an execute function. tools_execute() validates the input
 * against the schema before anything runs, so a tool body only ever sees
 * input of the declared shape. Wasm tools run through the sandbox with
 * exactly the grants of their level (ReadOnly: the root tree read-only;
 * Write/Execute: read-write; Network: the allow-list, no files; None:
 * nothing). The guest contract is in docs/tools.md.
 *
 * Thread-safety: tools are immutable and refcounted; a registry is
 * thread-safe (lookups take a reference, hot reload swaps entries under a
 * lock), so a tool keeps working for a caller even if it is replaced.
 */
#ifndef BX_TOOLS_H
#define BX_TOOLS_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sandbox/sandbox.h"
#include "util/util.h"
#include "workspace/workspace.h"

/* ------------------------------------------------------------- levels */

typedef enum tools_level {
    TOOLS_NONE = 0,     /* nothing outside the tool itself */
    TOOLS_READ_ONLY,    /* reads the root tree */
    TOOLS_WRITE,        /* reads and writes the root tree */
    TOOLS_EXECUTE,      /* runs commands (the shell): root read-write */
    TOOLS_NETWORK,      /* reaches allow-listed hosts; no files */
} tools_level;

/* "none", "read_only", "write", "execute", "network". */
const char *tools_level_name(tools_level level);
/* Accepts the names above (also "readonly", "read-only"); false if unknown. */
bool tools_level_parse(const char *name, tools_level *out_level);

/* ------------------------------------------------------------- results */

/* What a tool run produced. content is for the model; metadata is an
 * object (never NULL after tools_result_init). */
typedef struct tools_result {
    char *content;     /* NUL-terminated, bx_malloc'd; never NULL after a run */
    size_t content_len;
    bool is_error;
    json_t *metadata;  /* owned reference */
} tools_result;

void tools_result_init(tools_result *r);
void tools_result_release(tools_result *r);
/* Sets content from a format and is_error = true. */
void tools_result_error(tools_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* {"content":..., "is_error":..., "metadata":...} as a new reference. */
json_t *tools_result_json(const tools_result *r);

/* ------------------------------------------------------------- context */

/* Default cap on a result's content (after the guest's JSON is parsed). */
#define TOOLS_DEFAULT_CONTENT_CAP (1u << 20)
/* stdout cap for a tool run (DESIGN: 16 MiB). */
#define TOOLS_STDOUT_CAP (16u << 20)

/* Everything a run may use; what the level does not grant is ignored. */
typedef struct tools_ctx {
    const char *root_dir;                  /* host dir seen as guest "/" */
    const char *const *allowed_hosts;      /* Network tools only */
    size_t n_allowed_hosts;
    const char *const *test_resolve;       /* test-only DNS override (sandbox_net_config) */
    size_t n_test_resolve;
    const char *const *blocked_networks;   /* NULL: the sandbox's defaults (loopback, private, */
    size_t n_blocked_networks;             /* metadata...); tests may narrow it */
    const char *extra_ca_file;
    const atomic_bool *cancel;             /* may be NULL; set it (any thread) to stop a run */
    uint32_t timeout_ms;                   /* 0 = sandbox default (30 s) */
    uint64_t fuel;                         /* 0 = sandbox default */
    uint64_t max_memory;                   /* 0 = sandbox default */
    size_t content_cap;                    /* 0 = TOOLS_DEFAULT_CONTENT_CAP */
} tools_ctx;

/* The context the settings give a run: root_dir, the outbound hosts and
 * the sandbox limits (timeout, memory, fuel); the rest zero. Borrows from
 * cfg, which must outlive the context. */
void tools_ctx_from_config(tools_ctx *out, const workspace_config *cfg, const char *root_dir);

/* ------------------------------------------------------------- tools */

typedef struct tools_tool tools_tool;

typedef struct tools_ops {
    /* Runs the tool on validated input; fills out (initialised by the
     * caller). Returns BX_OK when the tool ran (out->is_error may still be
     * true); an error code when it could not run (out explains). */
    bx_err (*execute)(tools_tool *t, const json_t *input, const tools_ctx *ctx, tools_result *out);
    /* Frees impl. May be NULL. */
    void (*destroy)(void *impl);
} tools_ops;

/* A new tool with refcount 1. Takes a reference to schema and keywords
 * (an array of strings, may be NULL). source describes where it came from
 * ("native", "embedded", a file path). */
tools_tool *tools_tool_new(const char *name, const char *description, tools_level level,
                           json_t *schema, json_t *keywords, const char *source,
                           const tools_ops *ops, void *impl);
tools_tool *tools_tool_ref(tools_tool *t);
void tools_tool_unref(tools_tool *t);

const char *tools_tool_name(const tools_tool *t);
const char *tools_tool_description(const tools_tool *t);
tools_level tools_tool_level(const tools_tool *t);
const json_t *tools_tool_schema(const tools_tool *t);    /* borrowed */
const json_t *tools_tool_keywords(const tools_tool *t);  /* borrowed array */
const char *tools_tool_source(const tools_tool *t);
void *tools_tool_impl(const tools_tool *t);
/* {name, description, level, input_schema, keywords, source}, new reference. */
json_t *tools_tool_spec(const tools_tool *t);

/* Validates input against the tool's schema, then runs it. A schema
 * mismatch is a result with is_error and a message naming the field, and
 * BX_INVALID. When ctx->cancel becomes true, before or during the run, the
 * result is an error and BX_CANCELLED: the sandbox's timer thread polls the
 * flag (every ~20 ms) and sets the instance's interrupt flag. */
bx_err tools_execute(tools_tool *t, const json_t *input, const tools_ctx *ctx, tools_result *out);

/* ------------------------------------------------------------- schema */

/* Validates value against the JSON-Schema subset tools use: type (a name
 * or a list), properties, required, additionalProperties (false or a
 * schema), enum, const, minimum, maximum, exclusiveMinimum,
 * exclusiveMaximum, minLength, maxLength (in code points), pattern-free
 * strings, items, minItems, maxItems. Unknown keywords are ignored. On a
 * mismatch returns false with a message naming the field path (e.g.
 * "edits[2].old_string: expected string, got number"). */
bool tools_schema_validate(const json_t *schema, const json_t *value, char *err, size_t err_cap);
/* Checks that a schema only uses the subset above correctly (types known,
 * bounds numeric, required an array of strings...). */
bool tools_schema_check(const json_t *schema, char *err, size_t err_cap);

/* ------------------------------------------------------------- wasm tools */

/* Builds a tool from module bytes: reads its spec by running it with
 * --boxagnts-spec, falling back to parsing a clap/argparse-style --help.
 * name overrides the spec's name (the file name decides, so a file in
 * extensions/tools overrides the embedded tool of that name). */
bx_err tools_wasm_tool_new(const char *name, const void *bytes, size_t len, const char *source,
                           sandbox_cache *cache, bx_error *detail, tools_tool **out);
/* Parses clap/argparse --help text into {description, input_schema};
 * NULL when nothing option-like is found. Exposed for tests. */
json_t *tools_parse_help(const char *text, size_t len);

/* ------------------------------------------------------------- registry */

typedef struct tools_registry tools_registry;

/* cache may be NULL (the process-wide cache). */
tools_registry *tools_registry_new(sandbox_cache *cache);
void tools_registry_free(tools_registry *reg);

/* Adds or replaces a tool by name (takes a reference). */
void tools_registry_add(tools_registry *reg, tools_tool *t);
bool tools_registry_remove(tools_registry *reg, const char *name);
/* Registers every tool embedded in the binary. */
bx_err tools_registry_add_embedded(tools_registry *reg);
/* Registers tool_search, which searches this registry. */
void tools_registry_add_tool_search(tools_registry *reg);
/* Loads dir/<name>.wasm (overriding embedded tools of the same name) and, when
 * watch is true, keeps following the directory with inotify: a new or
 * changed file is loaded, a deleted one removed (an overridden embedded
 * tool comes back). A broken module is logged and skipped. The directory
 * is created if missing. */
bx_err tools_registry_load_dir(tools_registry *reg, const char *dir, bool watch);
/* Changes applied by hot reload so far (tests wait on it). */
uint64_t tools_registry_generation(tools_registry *reg);
/* The last load error per file, as {file: message}; new reference. */
json_t *tools_registry_errors(tools_registry *reg);

/* A reference to the named tool, or NULL. */
tools_tool *tools_registry_get(tools_registry *reg, const char *name);
/* References to all tools sorted by name; free with tools_list_free. */
size_t tools_registry_list(tools_registry *reg, tools_tool ***out_tools);
void tools_list_free(tools_tool **tools, size_t n);
/* Tools whose name, description or keywords match the query words, best
 * first (name hits weigh most), at most max. */
size_t tools_registry_search(tools_registry *reg, const char *query, size_t max,
                             tools_tool ***out_tools);

/* ------------------------------------------------------------- CLI */

/* `boxagnts tool list|spec NAME|run NAME --json '{...}' [--root DIR]|
 * search QUERY` (argv[0] == "tool"). Returns the process exit code:
 * 0, 1 when the tool reported an error, 2 on usage errors. */
int tools_cli_main(int argc, char **argv, const char *workspace_dir);

#endif
