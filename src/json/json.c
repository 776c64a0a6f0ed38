/* json.c: jansson wrappers. jansson does the parsing; we add the limits,
 * the error detail and the canonical dump. */
#include "json/json.h"

#include <stdlib.h>
#include <string.h>

/* Parses with jansson; the error message names path:line:column when a
 * path is given (as compilers do) and "line L, column C" otherwise. */
static json_t *parse_named(const char *text, size_t len, size_t max_bytes, const char *path,
                           bx_error *detail)
{
    if (len > max_bytes) {
        bx_error_set(detail, BX_TOOBIG, (int64_t)max_bytes,
                     "%s%sJSON document of %zu bytes exceeds the %zu-byte limit",
                     path ? path : "", path ? ": " : "", len, max_bytes);
        return NULL;
    }
    json_error_t je;
    json_t *v = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL,
                           &je);
    if (!v) {
        if (path)
            bx_error_set(detail, BX_PARSE, je.position, "%s:%d:%d: %s", path, je.line,
                         je.column, je.text);
        else
            bx_error_set(detail, BX_PARSE, je.position, "line %d, column %d: %s", je.line,
                         je.column, je.text);
        if (detail) {
            detail->line = je.line;
            detail->column = je.column;
        }
        return NULL;
    }
    bx_error_clear(detail);
    return v;
}

json_t *jx_parse(const char *text, size_t len, size_t max_bytes, bx_error *detail)
{
    return parse_named(text, len, max_bytes, NULL, detail);
}

json_t *jx_parse_file(const char *path, size_t max_bytes, bx_error *detail)
{
    bx_buf b;
    bx_buf_init(&b, max_bytes);
    bx_err err = bx_read_file(path, max_bytes, &b);
    json_t *v = NULL;
    if (err)
        bx_error_set(detail, err, -1, "%s: %s", path, bx_err_str(err));
    else
        v = parse_named(b.data, b.len, max_bytes, path, detail);
    bx_buf_release(&b);
    return v;
}

const char *jx_str(const json_t *obj, const char *key, const char *def)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_string(v) ? json_string_value(v) : def;
}

int64_t jx_int(const json_t *obj, const char *key, int64_t def)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : def;
}

double jx_num(const json_t *obj, const char *key, double def)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_number(v) ? json_number_value(v) : def;
}

bool jx_bool(const json_t *obj, const char *key, bool def)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_boolean(v) ? json_is_true(v) : def;
}

json_t *jx_obj(const json_t *obj, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_object(v) ? v : NULL;
}

json_t *jx_arr(const json_t *obj, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_array(v) ? v : NULL;
}

json_t *jx_path(const json_t *root, const char *dotted)
{
    const json_t *cur = root;
    char key[256];
    while (cur && *dotted) {
        const char *dot = strchr(dotted, '.');
        size_t n = dot ? (size_t)(dot - dotted) : strlen(dotted);
        if (n >= sizeof key || !json_is_object(cur))
            return NULL;
        memcpy(key, dotted, n);
        key[n] = '\0';
        cur = json_object_get(cur, key);
        dotted += n + (dot ? 1 : 0);
    }
    return (json_t *)cur;
}

static int dump_cb(const char *chunk, size_t size, void *data)
{
    return bx_buf_append(data, chunk, size) ? -1 : 0;
}

static bx_err dump_flags(const json_t *value, bx_buf *out, size_t flags)
{
    size_t before = out->len;
    if (json_dump_callback(value, dump_cb, out, flags | JSON_ENCODE_ANY) != 0) {
        out->len = before;
        out->data[before] = '\0';
        return BX_TOOBIG;
    }
    return BX_OK;
}

bx_err jx_dump_canonical(const json_t *value, bx_buf *out)
{
    return dump_flags(value, out, JSON_COMPACT | JSON_SORT_KEYS);
}

bx_err jx_dump_pretty(const json_t *value, bx_buf *out)
{
    return dump_flags(value, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
}

bx_err jx_dump(const json_t *value, bx_buf *out)
{
    return dump_flags(value, out, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

char *jx_dumps(const json_t *value)
{
    return json_dumps(value, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
}

void jx_set_str(json_t *obj, const char *key, const char *value)
{
    json_object_set_new(obj, key, json_string(value));
}

void jx_set_int(json_t *obj, const char *key, int64_t value)
{
    json_object_set_new(obj, key, json_integer((json_int_t)value));
}

void jx_set_bool(json_t *obj, const char *key, bool value)
{
    json_object_set_new(obj, key, json_boolean(value));
}
