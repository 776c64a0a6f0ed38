/* json: thin helpers over jansson (level 1). Prefix jx_ (jansson owns json_).
 *
 * Strict parsing that reports line, column and byte position; typed getters
 * with defaults that never crash on a missing key or a wrong type; and a
 * canonical dump (sorted keys, compact) for digests and golden files.
 * Ownership: functions returning json_t * return a new reference; getters
 * return borrowed values valid while the object lives.
 */
#ifndef BX_JSON_H
#define BX_JSON_H

#include <jansson.h>

#include "util/util.h"

/* Parses exactly one JSON value (no trailing garbage, no duplicate keys
 * silently accepted: duplicates are rejected). Input longer than max_bytes
 * is refused with BX_TOOBIG. On failure returns NULL and fills detail with
 * code BX_PARSE, line, column and position. */
json_t *jx_parse(const char *text, size_t len, size_t max_bytes, bx_error *detail);
/* The same, with errors written "name:line:column: ..." as compilers do. */
json_t *jx_parse_named(const char *text, size_t len, size_t max_bytes, const char *name,
                       bx_error *detail);
/* Reads and parses a file; detail->message starts with the path. */
json_t *jx_parse_file(const char *path, size_t max_bytes, bx_error *detail);

/* Typed getters: the value at key when it has the right type, else def. */
const char *jx_str(const json_t *obj, const char *key, const char *def);
int64_t jx_int(const json_t *obj, const char *key, int64_t def);
double jx_num(const json_t *obj, const char *key, double def); /* int or real */
bool jx_bool(const json_t *obj, const char *key, bool def);
json_t *jx_obj(const json_t *obj, const char *key); /* NULL unless an object */
json_t *jx_arr(const json_t *obj, const char *key); /* NULL unless an array */
/* Dotted path lookup, e.g. jx_path(settings, "sandbox.timeout_s"). */
json_t *jx_path(const json_t *root, const char *dotted);

/* Where the value at path (object keys, or decimal indices into arrays)
 * stands in the JSON text, as 1-based line and column (in characters), so a
 * checker of a parsed document can point into the file. False when the text
 * does not hold that path. Nesting deeper than 64 is not followed. */
bool jx_locate(const char *text, size_t len, const char *const *path, size_t depth, int *out_line,
               int *out_col);

/* Canonical form: sorted keys, compact, UTF-8 unescaped. Appends to out. */
bx_err jx_dump_canonical(const json_t *value, bx_buf *out);
/* Pretty form (2-space indent, key order kept) for files people edit. */
bx_err jx_dump_pretty(const json_t *value, bx_buf *out);
/* Compact, key order kept. */
bx_err jx_dump(const json_t *value, bx_buf *out);
/* Compact dump into a fresh string (free with free(), jansson's allocator). */
char *jx_dumps(const json_t *value);

/* Setting helpers that take ownership of the new value (jansson's _new). */
void jx_set_str(json_t *obj, const char *key, const char *value);
void jx_set_int(json_t *obj, const char *key, int64_t value);
void jx_set_bool(json_t *obj, const char *key, bool value);

#endif
