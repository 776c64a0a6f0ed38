/* schema.c: the JSON-Schema subset tools declare, checked before any tool
 * runs. Errors name the field by its path from the input's root
 * ("edits[2].old_string") so the model can fix exactly what it sent.
 * Recursion follows the schema, whose depth is bounded (64). */
#include "tools/tools.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAX_DEPTH 64

static const char *type_of(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER: return "integer";
    case JSON_REAL: return "number";
    case JSON_TRUE:
    case JSON_FALSE: return "boolean";
    default: return "null";
    }
}

static bool is_type(const json_t *v, const char *t)
{
    if (strcmp(t, "number") == 0) {
        return json_is_integer(v) || json_is_real(v);
    }
    if (strcmp(t, "integer") == 0) {
        if (json_is_integer(v)) return true;
        if (json_is_real(v)) {
            double d = json_real_value(v);
            return d == floor(d) && fabs(d) < 9007199254740992.0;
        }
        return false;
    }
    return strcmp(type_of(v), t) == 0;
}

static const char *const known_types[] = {"object", "array", "string", "integer", "number", "boolean", "null"};

static bool fail(char *err, size_t cap, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool fail(char *err, size_t cap, const char *path, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (path[0]) snprintf(err, cap, "field '%s': %s", path, msg);
    else snprintf(err, cap, "%s", msg);
    return false;
}

static size_t utf8_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++) c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

static double num(const json_t *v) { return json_is_integer(v) ? (double)json_integer_value(v) : json_real_value(v); }

static bool validate(const json_t *s, const json_t *v, char *path, size_t plen, size_t pcap, int depth,
                     char *err, size_t cap)
{
    if (depth > MAX_DEPTH) return fail(err, cap, path, "schema nests too deeply");
    if (!json_is_object(s)) return true; /* true / {} schemas accept anything */
    json_t *type = json_object_get(s, "type");
    if (json_is_string(type)) {
        if (!is_type(v, json_string_value(type)))
            return fail(err, cap, path, "expected %s, got %s", json_string_value(type), type_of(v));
    } else if (json_is_array(type)) {
        size_t i;
        json_t *t;
        bool ok = false;
        json_array_foreach(type, i, t) if (json_is_string(t) && is_type(v, json_string_value(t))) ok = true;
        if (!ok) return fail(err, cap, path, "has type %s, which is not allowed here", type_of(v));
    }
    json_t *en = json_object_get(s, "enum");
    if (json_is_array(en)) {
        size_t i;
        json_t *e;
        bool ok = false;
        json_array_foreach(en, i, e) if (json_equal(e, (json_t *)v)) ok = true;
        if (!ok) {
            char *allowed = json_dumps(en, JSON_COMPACT);
            bool r = fail(err, cap, path, "must be one of %s", allowed ? allowed : "the listed values");
            free(allowed);
            return r;
        }
    }
    json_t *cst = json_object_get(s, "const");
    if (cst && !json_equal(cst, (json_t *)v)) return fail(err, cap, path, "must equal the constant value");
    if (json_is_number(v)) {
        double d = num(v);
        json_t *b;
        if ((b = json_object_get(s, "minimum")) && json_is_number(b) && d < num(b))
            return fail(err, cap, path, "must be >= %g (got %g)", num(b), d);
        if ((b = json_object_get(s, "maximum")) && json_is_number(b) && d > num(b))
            return fail(err, cap, path, "must be <= %g (got %g)", num(b), d);
        if ((b = json_object_get(s, "exclusiveMinimum")) && json_is_number(b) && d <= num(b))
            return fail(err, cap, path, "must be > %g (got %g)", num(b), d);
        if ((b = json_object_get(s, "exclusiveMaximum")) && json_is_number(b) && d >= num(b))
            return fail(err, cap, path, "must be < %g (got %g)", num(b), d);
    }
    if (json_is_string(v)) {
        size_t chars = utf8_chars(json_string_value(v), json_string_length(v));
        json_t *b;
        if ((b = json_object_get(s, "minLength")) && json_is_integer(b) && (json_int_t)chars < json_integer_value(b))
            return fail(err, cap, path, "must be at least %lld characters long", (long long)json_integer_value(b));
        if ((b = json_object_get(s, "maxLength")) && json_is_integer(b) && (json_int_t)chars > json_integer_value(b))
            return fail(err, cap, path, "must be at most %lld characters long (got %zu)", (long long)json_integer_value(b), chars);
    }
    if (json_is_array(v)) {
        json_t *b;
        size_t n = json_array_size(v);
        if ((b = json_object_get(s, "minItems")) && json_is_integer(b) && (json_int_t)n < json_integer_value(b))
            return fail(err, cap, path, "needs at least %lld items (got %zu)", (long long)json_integer_value(b), n);
        if ((b = json_object_get(s, "maxItems")) && json_is_integer(b) && (json_int_t)n > json_integer_value(b))
            return fail(err, cap, path, "allows at most %lld items (got %zu)", (long long)json_integer_value(b), n);
        json_t *items = json_object_get(s, "items");
        if (json_is_object(items)) {
            for (size_t i = 0; i < n; i++) {
                int w = snprintf(path + plen, pcap - plen, "[%zu]", i);
                size_t np = plen + (w > 0 && (size_t)w < pcap - plen ? (size_t)w : 0);
                bool ok = validate(items, json_array_get(v, i), path, np, pcap, depth + 1, err, cap);
                path[plen] = 0;
                if (!ok) return false;
            }
        }
    }
    if (json_is_object(v)) {
        json_t *props = json_object_get(s, "properties");
        json_t *req = json_object_get(s, "required");
        if (json_is_array(req)) {
            size_t i;
            json_t *r;
            json_array_foreach(req, i, r) {
                if (json_is_string(r) && !json_object_get(v, json_string_value(r))) {
                    char sub[300];
                    snprintf(sub, sizeof sub, "%s%s%s", path, path[0] ? "." : "", json_string_value(r));
                    snprintf(err, cap, "missing required field '%s'", sub);
                    return false;
                }
            }
        }
        json_t *addl = json_object_get(s, "additionalProperties");
        const char *key;
        json_t *val;
        json_object_foreach((json_t *)v, key, val) {
            json_t *ps = json_is_object(props) ? json_object_get(props, key) : NULL;
            int w = snprintf(path + plen, pcap - plen, "%s%s", plen ? "." : "", key);
            size_t np = plen + (w > 0 && (size_t)w < pcap - plen ? (size_t)w : 0);
            bool ok = true;
            if (ps) {
                ok = validate(ps, val, path, np, pcap, depth + 1, err, cap);
            } else if (json_is_false(addl)) {
                path[plen] = 0;
                char sub[300];
                snprintf(sub, sizeof sub, "%s%s%s", path, path[0] ? "." : "", key);
                if (json_is_object(props)) {
                    bx_buf names;
                    bx_buf_init(&names, 2048);
                    const char *pk;
                    json_t *pv;
                    json_object_foreach(props, pk, pv) bx_buf_printf(&names, "%s%s", names.len ? ", " : "", pk);
                    snprintf(err, cap, "unknown field '%s' (allowed: %s)", sub, names.data);
                    bx_buf_release(&names);
                } else {
                    snprintf(err, cap, "unknown field '%s'", sub);
                }
                ok = false;
            } else if (json_is_object(addl)) {
                ok = validate(addl, val, path, np, pcap, depth + 1, err, cap);
            }
            path[plen] = 0;
            if (!ok) return false;
        }
    }
    return true;
}

bool tools_schema_validate(const json_t *schema, const json_t *value, char *err, size_t cap)
{
    char path[256] = "";
    if (err && cap) err[0] = 0;
    char dummy[8];
    if (!err || !cap) { err = dummy; cap = sizeof dummy; }
    return validate(schema, value, path, 0, sizeof path, 0, err, cap);
}

static bool check(const json_t *s, int depth, char *err, size_t cap)
{
    if (depth > MAX_DEPTH) { snprintf(err, cap, "schema nests too deeply"); return false; }
    if (json_is_boolean(s)) return true;
    if (!json_is_object(s)) { snprintf(err, cap, "a schema must be an object"); return false; }
    json_t *type = json_object_get(s, "type");
    if (type) {
        bool ok = false;
        if (json_is_string(type)) {
            for (size_t k = 0; k < BX_ARRAY_LEN(known_types); k++) ok |= strcmp(json_string_value(type), known_types[k]) == 0;
        } else if (json_is_array(type) && json_array_size(type) > 0) {
            ok = true;
            size_t i;
            json_t *t;
            json_array_foreach(type, i, t) {
                bool one = false;
                for (size_t k = 0; k < BX_ARRAY_LEN(known_types) && json_is_string(t); k++) one |= strcmp(json_string_value(t), known_types[k]) == 0;
                ok &= one;
            }
        }
        if (!ok) { snprintf(err, cap, "unknown type in schema"); return false; }
    }
    static const char *const numeric[] = {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
                                          "minLength", "maxLength", "minItems", "maxItems"};
    for (size_t k = 0; k < BX_ARRAY_LEN(numeric); k++) {
        json_t *b = json_object_get(s, numeric[k]);
        if (b && !json_is_number(b)) { snprintf(err, cap, "%s must be a number", numeric[k]); return false; }
    }
    json_t *req = json_object_get(s, "required");
    if (req) {
        if (!json_is_array(req)) { snprintf(err, cap, "required must be an array"); return false; }
        size_t i;
        json_t *r;
        json_array_foreach(req, i, r) if (!json_is_string(r)) { snprintf(err, cap, "required holds a non-string"); return false; }
    }
    json_t *en = json_object_get(s, "enum");
    if (en && !json_is_array(en)) { snprintf(err, cap, "enum must be an array"); return false; }
    json_t *props = json_object_get(s, "properties");
    if (props) {
        if (!json_is_object(props)) { snprintf(err, cap, "properties must be an object"); return false; }
        const char *k;
        json_t *p;
        json_object_foreach(props, k, p) if (!check(p, depth + 1, err, cap)) return false;
    }
    json_t *items = json_object_get(s, "items");
    if (items && !check(items, depth + 1, err, cap)) return false;
    json_t *addl = json_object_get(s, "additionalProperties");
    if (addl && !check(addl, depth + 1, err, cap)) return false;
    return true;
}

bool tools_schema_check(const json_t *schema, char *err, size_t cap)
{
    char dummy[8];
    if (!err || !cap) { err = dummy; cap = sizeof dummy; }
    err[0] = 0;
    return check(schema, 0, err, cap);
}
