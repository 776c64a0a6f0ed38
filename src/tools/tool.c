/* tool.c: the tool object, results and tools_execute (validate, then run).
 * Tools are immutable after creation and refcounted, so the registry can
 * swap one out (hot reload) while a caller still runs the old one. */
#include "tools/tools.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct tools_tool {
    atomic_int refs;
    char *name;
    char *description;
    tools_level level;
    json_t *schema;
    json_t *keywords;
    char *source;
    const tools_ops *ops;
    void *impl;
};

static const char *const level_names[] = {"none", "read_only", "write", "execute", "network"};

const char *tools_level_name(tools_level level)
{
    return (unsigned)level < BX_ARRAY_LEN(level_names) ? level_names[level] : "none";
}

bool tools_level_parse(const char *name, tools_level *out)
{
    if (!name) return false;
    for (size_t k = 0; k < BX_ARRAY_LEN(level_names); k++) {
        if (strcmp(name, level_names[k]) == 0) {
            *out = (tools_level)k;
            return true;
        }
    }
    if (strcmp(name, "readonly") == 0 || strcmp(name, "read-only") == 0 || strcmp(name, "ReadOnly") == 0) {
        *out = TOOLS_READ_ONLY;
        return true;
    }
    return false;
}

/* ------------------------------------------------------------- results */

void tools_result_init(tools_result *r)
{
    memset(r, 0, sizeof *r);
    r->metadata = json_object();
}

void tools_result_release(tools_result *r)
{
    bx_free(r->content);
    json_decref(r->metadata);
    memset(r, 0, sizeof *r);
}

void tools_result_error(tools_result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bx_buf b;
    bx_buf_init(&b, 64 * 1024);
    bx_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    bx_free(r->content);
    r->content = bx_buf_detach(&b, &r->content_len);
    r->is_error = true;
}

json_t *tools_result_json(const tools_result *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "content", json_stringn(r->content ? r->content : "", r->content ? r->content_len : 0));
    json_object_set_new(o, "is_error", json_boolean(r->is_error));
    json_object_set_new(o, "metadata", r->metadata ? json_incref(r->metadata) : json_object());
    return o;
}

/* ------------------------------------------------------------- tools */

tools_tool *tools_tool_new(const char *name, const char *description, tools_level level,
                           json_t *schema, json_t *keywords, const char *source,
                           const tools_ops *ops, void *impl)
{
    tools_tool *t = bx_calloc(1, sizeof *t);
    atomic_init(&t->refs, 1);
    t->name = bx_strdup(name);
    t->description = bx_strdup(description ? description : "");
    t->level = level;
    t->schema = schema ? json_incref(schema) : json_pack("{s:s}", "type", "object");
    t->keywords = keywords ? json_incref(keywords) : json_array();
    t->source = bx_strdup(source ? source : "native");
    t->ops = ops;
    t->impl = impl;
    return t;
}

tools_tool *tools_tool_ref(tools_tool *t)
{
    if (t) atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
    return t;
}

void tools_tool_unref(tools_tool *t)
{
    if (!t || atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) != 1) return;
    if (t->ops && t->ops->destroy) t->ops->destroy(t->impl);
    bx_free(t->name);
    bx_free(t->description);
    bx_free(t->source);
    json_decref(t->schema);
    json_decref(t->keywords);
    bx_free(t);
}

const char *tools_tool_name(const tools_tool *t) { return t->name; }
const char *tools_tool_description(const tools_tool *t) { return t->description; }
tools_level tools_tool_level(const tools_tool *t) { return t->level; }
const json_t *tools_tool_schema(const tools_tool *t) { return t->schema; }
const json_t *tools_tool_keywords(const tools_tool *t) { return t->keywords; }
const char *tools_tool_source(const tools_tool *t) { return t->source; }
void *tools_tool_impl(const tools_tool *t) { return t->impl; }

json_t *tools_tool_spec(const tools_tool *t)
{
    return json_pack("{s:s, s:s, s:s, s:O, s:O, s:s}", "name", t->name, "description", t->description,
                     "level", tools_level_name(t->level), "input_schema", t->schema, "keywords",
                     t->keywords, "source", t->source);
}

bx_err tools_execute(tools_tool *t, const json_t *input, const tools_ctx *ctx, tools_result *out)
{
    char err[512];
    if (!out->metadata) out->metadata = json_object();
    if (!input || !tools_schema_validate(t->schema, input, err, sizeof err)) {
        tools_result_error(out, "invalid input for %s: %s", t->name, input ? err : "no input");
        return BX_INVALID;
    }
    if (ctx->cancel && atomic_load_explicit(ctx->cancel, memory_order_relaxed)) {
        tools_result_error(out, "%s was cancelled before it started", t->name);
        return BX_CANCELLED;
    }
    bx_err e = t->ops->execute(t, input, ctx, out);
    if (!out->content) {
        out->content = bx_strdup("");
        out->content_len = 0;
    }
    size_t cap = ctx->content_cap ? ctx->content_cap : TOOLS_DEFAULT_CONTENT_CAP;
    if (out->content_len > cap) {
        size_t cut = cap;
        while (cut > 0 && ((unsigned char)out->content[cut] & 0xC0) == 0x80) cut--;
        bx_buf b;
        bx_buf_init(&b, BX_BUF_UNLIMITED);
        bx_buf_append(&b, out->content, cut);
        bx_buf_printf(&b, "\n[boxagnts: content truncated: %zu of %zu bytes shown]", cut, out->content_len);
        bx_free(out->content);
        out->content = bx_buf_detach(&b, &out->content_len);
        json_object_set_new(out->metadata, "content_truncated", json_true());
    }
    return e;
}

void tools_ctx_from_config(tools_ctx *out, const workspace_config *cfg, const char *root_dir)
{
    *out = (tools_ctx){
        .root_dir = root_dir,
        .allowed_hosts = cfg->allowed_hosts,
        .n_allowed_hosts = cfg->n_allowed_hosts,
        .timeout_ms = cfg->sandbox.timeout_ms,
        .fuel = cfg->sandbox.fuel,
        .max_memory = cfg->sandbox.max_memory,
    };
}
