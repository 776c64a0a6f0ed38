/* tool: the guest tool contract (docs/tools.md). A guest tool is a WASI
 * command that describes itself with a tool_def and calls tool_main():
 *
 *   tool --boxagnts-spec        prints {name, description, level,
 *                               input_schema, keywords} as JSON
 *   tool --help                 prints clap-style human help
 *   tool --json-stdin           reads one JSON object from stdin
 *   tool --json '{...}'         the same, inline
 *   tool --file-path x --limit 3 --replace-all
 *                               kebab-case flags: booleans bare (or =true /
 *                               =false), numbers parsed, arrays and objects
 *                               as JSON text
 *
 * and prints {"content": "...", "error": false, "metadata": {...}} on
 * stdout, exiting 0, or 1 when error is true. Paths are guest paths: the
 * root tree is "/", relative paths are taken from "/".
 */
#ifndef BX_GUEST_TOOL_H
#define BX_GUEST_TOOL_H

#include "json.h"

#include <stdbool.h>
#include <stddef.h>

/* One input field. `extra` is a raw JSON fragment added to the field's
 * schema object, e.g. "\"minimum\":0" or "\"enum\":[\"a\",\"b\"]". */
typedef struct tool_param {
    const char *name;        /* snake_case JSON name */
    const char *type;        /* string, integer, number, boolean, array, object */
    const char *description;
    bool required;
    const char *extra;       /* may be NULL */
} tool_param;

/* What a run produces. content is the text for the model; metadata holds
 * comma-separated JSON members written with the tool_meta_* helpers. */
typedef struct tool_out {
    sb content;
    sb meta;
    bool error;
} tool_out;

typedef struct tool_def {
    const char *name;
    const char *description;
    const char *level;       /* none, read_only, write, execute, network */
    const char *keywords;    /* comma-separated */
    const tool_param *params;
    int nparams;
    /* Runs the tool on a validated input object; returns 0, or 1 after
     * tool_fail(). */
    int (*run)(const js *input, tool_out *out);
} tool_def;

/* Caps: stdin input, and the text a tool should put in content. */
#define TOOL_MAX_INPUT (32u * 1024 * 1024)
#define TOOL_MAX_CONTENT (8u * 1024 * 1024)

/* Parses the command line, runs def->run, prints the result; returns the
 * process exit code. */
int tool_main(const tool_def *def, int argc, char **argv);

/* Builds the input object from argv (exposed for tests). NULL with a
 * message in err on bad usage. */
js *tool_parse_args(const tool_def *def, int argc, char **argv, char *err, size_t err_cap);
/* Checks required fields and types; false with a message naming the field. */
bool tool_check_input(const tool_def *def, const js *input, char *err, size_t err_cap);
void tool_print_spec(const tool_def *def, sb *out);
void tool_print_help(const tool_def *def, sb *out);

/* Sets error and replaces content with the formatted message; returns 1. */
int tool_fail(tool_out *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tool_meta_num(tool_out *out, const char *key, double v);
void tool_meta_str(tool_out *out, const char *key, const char *v);
void tool_meta_bool(tool_out *out, const char *key, bool v);
/* value is raw JSON text. */
void tool_meta_raw(tool_out *out, const char *key, const char *json);

/* ------------------------------------------------------------ helpers */

/* Guest path as given -> absolute guest path ("a/b" -> "/a/b", "" -> "/").
 * Lexically normalised; ".." never rises above "/". Caller frees. */
char *tool_abs_path(const char *path);
/* Reads a whole file (at most max bytes; -2 when larger, -1 on error with
 * errno set). On success *out is malloc'd and NUL-terminated. */
long tool_read_file(const char *path, size_t max, char **out);
/* Writes a whole file: temporary file beside it, then rename, so readers
 * never see half a file. parents: create missing parent directories.
 * Returns 0, or 1 after tool_fail(). path is an absolute guest path. */
int tool_write_file(const char *path, const char *data, size_t len, bool parents, tool_out *out);
/* Integer input field with a default, clamped to [lo, hi]. */
long tool_get_int(const js *input, const char *key, long fallback, long lo, long hi);
/* strerror with a guest-friendly wording for the common cases. */
const char *tool_errno_str(int e);
/* Length of the valid UTF-8 sequence at s (n > 0 bytes left), 0 if invalid. */
size_t tool_utf8_len(const unsigned char *s, size_t n);

#endif
