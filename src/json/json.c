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

json_t *jx_parse_named(const char *text, size_t len, size_t max_bytes, const char *name,
                       bx_error *detail)
{
    return parse_named(text, len, max_bytes, name, detail);
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

/* ------------------------------------------------------------- locate */

/* A scanner over the raw text, so a checker that found a bad value in the
 * parsed document can say where it stands in the file. It only skips
 * values and compares keys; jx_parse has already judged the text. */
typedef struct locator {
    const char *s;
    size_t len, pos;
} locator;

#define LOCATE_DEPTH 64

static void loc_ws(locator *l)
{
    while (l->pos < l->len && (l->s[l->pos] == ' ' || l->s[l->pos] == '\t' ||
                               l->s[l->pos] == '\n' || l->s[l->pos] == '\r'))
        l->pos++;
}

/* Skips a string at pos (on its opening quote); when key is given, also
 * says whether its text (escapes taken literally but for \" and \\) equals
 * key. */
static bool loc_string(locator *l, const char *key, bool *out_equal)
{
    if (l->pos >= l->len || l->s[l->pos] != '"')
        return false;
    l->pos++;
    size_t k = 0, klen = key ? strlen(key) : 0;
    bool equal = key != NULL;
    while (l->pos < l->len && l->s[l->pos] != '"') {
        char c = l->s[l->pos++];
        if (c == '\\') {
            if (l->pos >= l->len)
                return false;
            c = l->s[l->pos++];
            if (c != '"' && c != '\\' && c != '/')
                equal = false; /* a key we look up never needs other escapes */
        }
        if (equal && (k >= klen || key[k] != c))
            equal = false;
        k++;
    }
    if (l->pos >= l->len)
        return false;
    l->pos++;
    if (out_equal)
        *out_equal = equal && k == klen;
    return true;
}

static bool loc_skip(locator *l, int depth)
{
    loc_ws(l);
    if (l->pos >= l->len || depth > LOCATE_DEPTH)
        return false;
    char c = l->s[l->pos];
    if (c == '"')
        return loc_string(l, NULL, NULL);
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        l->pos++;
        loc_ws(l);
        if (l->pos < l->len && l->s[l->pos] == close) {
            l->pos++;
            return true;
        }
        for (;;) {
            if (c == '{') {
                loc_ws(l);
                if (!loc_string(l, NULL, NULL))
                    return false;
                loc_ws(l);
                if (l->pos >= l->len || l->s[l->pos++] != ':')
                    return false;
            }
            if (!loc_skip(l, depth + 1))
                return false;
            loc_ws(l);
            if (l->pos >= l->len)
                return false;
            char d = l->s[l->pos++];
            if (d == close)
                return true;
            if (d != ',')
                return false;
        }
    }
    /* a number or a literal: up to the next delimiter */
    size_t start = l->pos;
    while (l->pos < l->len && !strchr(",]} \t\r\n", l->s[l->pos]))
        l->pos++;
    return l->pos > start;
}

/* Moves to the value at path[i..] from the value at pos. */
static bool loc_find(locator *l, const char *const *path, size_t n, int depth)
{
    loc_ws(l);
    if (n == 0)
        return l->pos < l->len;
    if (l->pos >= l->len || depth > LOCATE_DEPTH)
        return false;
    char c = l->s[l->pos];
    if (c == '{') {
        l->pos++;
        for (;;) {
            loc_ws(l);
            if (l->pos < l->len && l->s[l->pos] == '}')
                return false;
            bool equal = false;
            if (!loc_string(l, path[0], &equal))
                return false;
            loc_ws(l);
            if (l->pos >= l->len || l->s[l->pos++] != ':')
                return false;
            if (equal)
                return loc_find(l, path + 1, n - 1, depth + 1);
            if (!loc_skip(l, depth + 1))
                return false;
            loc_ws(l);
            if (l->pos >= l->len || l->s[l->pos++] != ',')
                return false;
        }
    }
    if (c == '[') {
        char *end;
        unsigned long want = strtoul(path[0], &end, 10);
        if (end == path[0] || *end)
            return false;
        l->pos++;
        for (unsigned long i = 0;; i++) {
            loc_ws(l);
            if (l->pos < l->len && l->s[l->pos] == ']')
                return false;
            if (i == want)
                return loc_find(l, path + 1, n - 1, depth + 1);
            if (!loc_skip(l, depth + 1))
                return false;
            loc_ws(l);
            if (l->pos >= l->len || l->s[l->pos++] != ',')
                return false;
        }
    }
    return false;
}

bool jx_locate(const char *text, size_t len, const char *const *path, size_t depth, int *out_line,
               int *out_col)
{
    locator l = {.s = text, .len = len, .pos = 0};
    if (!text || !loc_find(&l, path, depth, 0))
        return false;
    int line = 1, col = 1;
    for (size_t i = 0; i < l.pos; i++) {
        if (text[i] == '\n') {
            line++;
            col = 1;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            col++; /* columns count characters, as jx_parse's do */
        }
    }
    *out_line = line;
    *out_col = col;
    return true;
}
