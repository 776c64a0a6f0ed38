/* schema.c: checking a tool call's input against its JSON Schema.
 *
 * Only the subset tool schemas use: type (incl. integer and type arrays),
 * properties, required, enum, minimum/maximum, minLength/maxLength,
 * minItems/maxItems, items and additionalProperties:false. The first
 * failure is reported with the field's path, so the model can fix its call.
 * Recursion is bounded: input comes from the model.
 */
#include <math.h>
#include <string.h>

#include "agent/agent_int.h"

#define SCHEMA_MAX_DEPTH 32

static bool type_is(const char *t, const json_t *v)
{
    if (strcmp(t, "object") == 0) return json_is_object(v);
    if (strcmp(t, "array") == 0) return json_is_array(v);
    if (strcmp(t, "string") == 0) return json_is_string(v);
    if (strcmp(t, "boolean") == 0) return json_is_boolean(v);
    if (strcmp(t, "null") == 0) return json_is_null(v);
    if (strcmp(t, "number") == 0) return json_is_number(v);
    if (strcmp(t, "integer") == 0)
        return json_is_integer(v) ||
               (json_is_real(v) && floor(json_real_value(v)) == json_real_value(v));
    return true; /* an unknown type keyword constrains nothing */
}

static const char *kind_of(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

static size_t utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static bool check(const json_t *schema, const json_t *v, const char *path, int depth, bx_buf *msg)
{
    if (!json_is_object(schema))
        return true;
    if (depth > SCHEMA_MAX_DEPTH) {
        bx_buf_printf(msg, "%s: nested too deeply", path);
        return false;
    }
    json_t *type = json_object_get(schema, "type");
    if (json_is_string(type) && !type_is(json_string_value(type), v)) {
        bx_buf_printf(msg, "%s must be %s %s, not %s", path,
                      strchr("aeiou", json_string_value(type)[0]) ? "an" : "a",
                      json_string_value(type), kind_of(v));
        return false;
    }
    if (json_is_array(type)) {
        bool any = false;
        size_t i;
        json_t *t;
        json_array_foreach(type, i, t) any |= json_is_string(t) && type_is(json_string_value(t), v);
        if (!any) {
            bx_buf_printf(msg, "%s has the wrong type (%s)", path, kind_of(v));
            return false;
        }
    }
    json_t *en = jx_arr(schema, "enum");
    if (en) {
        bool any = false;
        size_t i;
        json_t *e;
        json_array_foreach(en, i, e) any |= json_equal(e, (json_t *)v);
        if (!any) {
            char *allowed = jx_dumps(en);
            bx_buf_printf(msg, "%s must be one of %s", path, allowed ? allowed : "the enum");
            free(allowed);
            return false;
        }
    }
    if (json_is_number(v)) {
        double d = json_number_value(v);
        json_t *mn = json_object_get(schema, "minimum"), *mx = json_object_get(schema, "maximum");
        if (json_is_number(mn) && d < json_number_value(mn)) {
            bx_buf_printf(msg, "%s must be >= %g", path, json_number_value(mn));
            return false;
        }
        if (json_is_number(mx) && d > json_number_value(mx)) {
            bx_buf_printf(msg, "%s must be <= %g", path, json_number_value(mx));
            return false;
        }
    }
    if (json_is_string(v)) {
        size_t n = utf8_len(json_string_value(v));
        json_int_t mn = jx_int(schema, "minLength", -1), mx = jx_int(schema, "maxLength", -1);
        if (mn >= 0 && n < (size_t)mn) {
            bx_buf_printf(msg, "%s must be at least %lld characters", path, (long long)mn);
            return false;
        }
        if (mx >= 0 && n > (size_t)mx) {
            bx_buf_printf(msg, "%s must be at most %lld characters", path, (long long)mx);
            return false;
        }
    }
    if (json_is_array(v)) {
        size_t n = json_array_size(v);
        json_int_t mn = jx_int(schema, "minItems", -1), mx = jx_int(schema, "maxItems", -1);
        if ((mn >= 0 && n < (size_t)mn) || (mx >= 0 && n > (size_t)mx)) {
            bx_buf_printf(msg, "%s has %zu items, outside [%lld, %lld]", path, n, (long long)mn,
                          (long long)mx);
            return false;
        }
        json_t *items = jx_obj(schema, "items");
        size_t i;
        json_t *it;
        json_array_foreach(v, i, it) {
            char sub[256];
            snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
            if (items && !check(items, it, sub, depth + 1, msg))
                return false;
        }
    }
    if (json_is_object(v)) {
        json_t *props = jx_obj(schema, "properties");
        size_t i;
        json_t *r;
        json_array_foreach(jx_arr(schema, "required"), i, r) {
            if (json_is_string(r) && !json_object_get(v, json_string_value(r))) {
                bx_buf_printf(msg, "%s%s%s is required", path, *path ? "." : "",
                              json_string_value(r));
                return false;
            }
        }
        json_t *addl = json_object_get(schema, "additionalProperties");
        const char *key;
        json_t *val;
        json_object_foreach((json_t *)v, key, val) {
            char sub[256];
            snprintf(sub, sizeof(sub), "%s%s%.100s", path, *path ? "." : "", key);
            json_t *ps = props ? json_object_get(props, key) : NULL;
            if (!ps && json_is_false(addl)) {
                bx_buf_printf(msg, "%s is not a known field", sub);
                return false;
            }
            if (ps && !check(ps, val, sub, depth + 1, msg))
                return false;
        }
    }
    return true;
}

bool agent_schema_check(const json_t *schema, const json_t *input, bx_buf *msg)
{
    if (!json_is_object(input)) {
        bx_buf_puts(msg, "the input must be a JSON object");
        return false;
    }
    return check(schema, input, "", 0, msg);
}
