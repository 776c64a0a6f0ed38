/* wasm_tool.c: the adapter that makes a WebAssembly program a tool.
 *
 * Loading: the module is translated once (sandbox cache, keyed by SHA-256)
 * and asked for its spec with --boxagnts-spec; a program that does not
 * speak our contract but prints a clap/argparse-style --help still becomes
 * a tool (ReadOnly, input passed as --kebab-case flags). Running: input goes
 * in as JSON on stdin (--json-stdin), grants follow the level, stdout is
 * parsed as {content, error, metadata}; traps, limits and timeouts come
 * back as error results, never as a crash.
 */
#include "tools/tools.h"
#include "json/json.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define SPEC_TIMEOUT_MS 10000
#define SPEC_OUTPUT_CAP (1u << 20)

typedef struct wasm_impl {
    sandbox_module *mod;
    bool json_stdin; /* speaks the boxagnts contract */
} wasm_impl;

static void wasm_destroy(void *p)
{
    wasm_impl *w = p;
    if (!w) return;
    sandbox_module_unref(w->mod);
    bx_free(w);
}

/* ------------------------------------------------------------- running */

/* Input object -> --kebab-case flags for programs without --json-stdin. */
static void input_to_flags(const json_t *schema, const json_t *input, bx_vec *args, bx_vec *owned)
{
    const char *key;
    json_t *val;
    json_t *props = json_object_get(schema, "properties");
    json_object_foreach((json_t *)input, key, val) {
        const char *flag = jx_str(json_object_get(props, key), "x-flag", NULL);
        char *f;
        if (flag) {
            f = bx_strdup(flag);
        } else {
            f = bx_sprintf("--%s", key);
            for (char *p = f + 2; *p; p++) if (*p == '_') *p = '-';
        }
        bx_vec_push(owned, &f);
        if (json_is_boolean(val)) {
            if (json_is_true(val)) bx_vec_push(args, &f);
            continue;
        }
        char *v = json_is_string(val) ? bx_strdup(json_string_value(val)) : jx_dumps(val);
        if (!json_is_string(val)) {
            char *copy = bx_strdup(v ? v : "null");
            free(v);
            v = copy;
        }
        bx_vec_push(owned, &v);
        bx_vec_push(args, &f);
        bx_vec_push(args, &v);
    }
}

static void set_content(tools_result *out, const char *s, size_t n)
{
    bx_free(out->content);
    out->content = bx_strndup(s, n);
    out->content_len = n;
}

static bx_err wasm_execute(tools_tool *t, const json_t *input, const tools_ctx *ctx, tools_result *out)
{
    wasm_impl *w = tools_tool_impl(t);
    const char *name = tools_tool_name(t);
    tools_level level = tools_tool_level(t);
    sandbox_opts o;
    sandbox_opts_init(&o);
    if (level == TOOLS_READ_ONLY || level == TOOLS_WRITE || level == TOOLS_EXECUTE) {
        if (!ctx->root_dir) {
            tools_result_error(out, "%s needs the root tree, but none was given", name);
            return BX_INVALID;
        }
        o.work_dir = ctx->root_dir;
        o.work_dir_read_only = level == TOOLS_READ_ONLY;
    }
    if (level == TOOLS_NETWORK) {
        o.allowed_outbound_hosts = ctx->allowed_hosts;
        o.n_allowed_outbound_hosts = ctx->n_allowed_hosts;
        o.blocked_networks = ctx->blocked_networks;
        o.n_blocked_networks = ctx->n_blocked_networks;
        o.test_resolve = ctx->test_resolve;
        o.n_test_resolve = ctx->n_test_resolve;
        o.extra_ca_file = ctx->extra_ca_file;
    }
    o.program_name = name;
    o.cancel = ctx->cancel; /* the sandbox's timer interrupts the instance when it is set */
    o.timeout_ms = ctx->timeout_ms;
    o.fuel = ctx->fuel;
    o.max_memory = ctx->max_memory;
    /* a tool that takes a timeout (web_fetch) gets the time it asks for */
    json_t *tprop = json_object_get(json_object_get(tools_tool_schema(t), "properties"), "timeout");
    json_t *tin = json_object_get(input, "timeout");
    if (tprop && json_is_integer(tin) && json_integer_value(tin) > 0 && json_integer_value(tin) <= 3600)
        o.timeout_ms = (uint32_t)json_integer_value(tin) * 1000u + 2000u;
    o.stdout_cap = TOOLS_STDOUT_CAP;
    o.stderr_cap = 64 * 1024;
    bx_vec args, owned;
    bx_vec_init(&args, sizeof(char *));
    bx_vec_init(&owned, sizeof(char *));
    char *stdin_json = NULL;
    if (w->json_stdin) {
        static const char *flag = "--json-stdin";
        bx_vec_push(&args, &flag);
        stdin_json = jx_dumps(input);
        o.stdin_data = stdin_json;
        o.stdin_len = stdin_json ? strlen(stdin_json) : 0;
    } else {
        input_to_flags(tools_tool_schema(t), input, &args, &owned);
    }
    o.args = (const char *const *)args.data;
    o.n_args = args.len;
    sandbox_result r;
    sandbox_result_init(&r);
    uint64_t t0 = bx_mono_ns();
    bx_err err = sandbox_run(w->mod, &o, &r);
    uint64_t dt = bx_mono_ns() - t0;
    bx_err ret = BX_OK;
    json_object_set_new(out->metadata, "duration_ms", json_real((double)dt / 1e6));
    if (err == BX_TIMEOUT) {
        tools_result_error(out, "%s timed out after %u ms%s%s", name, o.timeout_ms ? o.timeout_ms : SANDBOX_DEFAULT_TIMEOUT_MS,
                           r.message[0] ? ": " : "", r.message);
    } else if (err == BX_LIMIT) {
        tools_result_error(out, "%s stopped at a resource limit: %s", name, r.message);
    } else if (err == BX_TRAP) {
        tools_result_error(out, "%s crashed (WebAssembly trap): %s", name, r.message);
    } else if (err == BX_CANCELLED) {
        tools_result_error(out, "%s was cancelled", name);
        ret = BX_CANCELLED;
    } else if (err != BX_OK) {
        tools_result_error(out, "%s could not run: %s", name, r.message[0] ? r.message : bx_err_str(err));
        ret = err;
    } else {
        bx_error detail;
        json_t *doc = r.out_truncated ? NULL : jx_parse(r.out.data, r.out.len, TOOLS_STDOUT_CAP + 4096, &detail);
        json_t *content = json_object_get(doc, "content");
        if (json_is_object(doc) && json_is_string(content)) {
            set_content(out, json_string_value(content), json_string_length(content));
            out->is_error = jx_bool(doc, "error", false) || r.exit_code != 0;
            json_t *meta = json_object_get(doc, "metadata");
            if (json_is_object(meta)) json_object_update(out->metadata, meta);
        } else {
            /* a plain program: its output is the content */
            bx_buf b;
            bx_buf_init(&b, BX_BUF_UNLIMITED);
            bx_buf_append(&b, r.out.data, r.out.len);
            if (r.exit_code != 0 && r.errout.len) {
                if (b.len) bx_buf_putc(&b, '\n');
                bx_buf_append(&b, r.errout.data, r.errout.len);
            }
            if (r.exit_code != 0 && b.len == 0) bx_buf_printf(&b, "%s exited with status %d", name, r.exit_code);
            bx_free(out->content);
            out->content = bx_buf_detach(&b, &out->content_len);
            out->is_error = r.exit_code != 0;
        }
        if (r.exit_code != 0) json_object_set_new(out->metadata, "exit_code", json_integer(r.exit_code));
        json_decref(doc);
    }
    sandbox_result_release(&r);
    free(stdin_json);
    for (size_t k = 0; k < owned.len; k++) bx_free(BX_VEC_AT(&owned, char *, k));
    bx_vec_release(&owned);
    bx_vec_release(&args);
    return ret;
}

static const tools_ops wasm_ops = {wasm_execute, wasm_destroy};

/* ------------------------------------------------------------- help parsing */

static void kebab_to_snake(const char *s, size_t n, char *out, size_t cap)
{
    size_t i = 0;
    for (; i < n && i + 1 < cap; i++) out[i] = s[i] == '-' ? '_' : s[i];
    out[i] = 0;
}

/* Text inside "[tag: ...]" or "(tag: ...)" in help, copied to out. */
static bool bracket_value(const char *help, const char *tag, char *out, size_t cap)
{
    const char *p = strstr(help, tag);
    if (!p) return false;
    p += strlen(tag);
    while (*p == ' ') p++;
    const char *e = p;
    while (*e && *e != ']' && *e != ')') e++;
    size_t l = (size_t)(e - p);
    if (l >= cap) l = cap - 1;
    memcpy(out, p, l);
    out[l] = 0;
    return true;
}

static bool is_integer_text(const char *s)
{
    if (*s == '-') s++;
    if (!*s) return false;
    for (; *s; s++) if (!isdigit((unsigned char)*s)) return false;
    return true;
}

/* Is "--flag" written outside [...] in the usage text? */
static bool required_in_usage(const char *usage, const char *flag)
{
    size_t fl = strlen(flag);
    int depth = 0;
    for (const char *p = usage; *p; p++) {
        if (*p == '[') depth++;
        else if (*p == ']' && depth > 0) depth--;
        else if (depth == 0 && strncmp(p, flag, fl) == 0 && !(isalnum((unsigned char)p[fl]) || p[fl] == '-' || p[fl] == '_'))
            return true;
    }
    return false;
}

json_t *tools_parse_help(const char *text, size_t len)
{
    char *t = bx_strndup(text, len);
    json_t *props = json_object();
    json_t *required = json_array();
    bx_buf usage, desc;
    bx_buf_init(&usage, 64 * 1024);
    bx_buf_init(&desc, 64 * 1024);
    /* pass 1: usage text and description */
    char *save = NULL;
    bool in_usage = false, seen_usage = false, desc_done = false;
    char *copy = bx_strdup(t);
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *s = line;
        while (*s == ' ' || *s == '\t') s++;
        if (strncasecmp(s, "usage:", 6) == 0) {
            in_usage = seen_usage = true;
            bx_buf_puts(&usage, s + 6);
            continue;
        }
        if (in_usage && line[0] == ' ' && *s && *s != '-') { bx_buf_putc(&usage, ' '); bx_buf_puts(&usage, s); continue; }
        in_usage = false;
        if (!*s) continue;
        size_t sl = strlen(s);
        bool header = s[sl - 1] == ':' && !strchr(s, ' ');
        if (header || *s == '-' || strncasecmp(s, "options", 7) == 0 || strncasecmp(s, "positional", 10) == 0 ||
            strncasecmp(s, "optional arguments", 18) == 0 || strncasecmp(s, "arguments", 9) == 0) {
            if (seen_usage || desc.len) desc_done = true;
            continue;
        }
        if (!desc_done && line[0] != ' ') {
            if (desc.len) bx_buf_putc(&desc, ' ');
            bx_buf_puts(&desc, s);
        }
    }
    bx_free(copy);
    /* pass 2: option lines */
    save = NULL;
    json_t *last = NULL;
    for (char *line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *s = line;
        while (*s == ' ' || *s == '\t') s++;
        if (*s != '-') {
            /* continuation of the previous option's help */
            if (last && *s && line[0] == ' ' && strncasecmp(s, "usage:", 6) != 0) {
                const char *d = jx_str(last, "description", "");
                char *nd = bx_sprintf("%s%s%s", d, *d ? " " : "", s);
                json_object_set_new(last, "description", json_string(nd));
                bx_free(nd);
            } else {
                last = NULL;
            }
            continue;
        }
        /* -s, --long <VALUE>  help   |   --long VALUE   help   |  --long=VALUE */
        char *p = s;
        if (p[1] != '-') { /* short option first */
            while (*p && *p != ',' && *p != ' ') p++;
            if (*p == ',') p++;
            while (*p == ' ') p++;
            if (strncmp(p, "--", 2) != 0) { last = NULL; continue; }
        }
        char *ns = p + 2, *ne = ns;
        while (*ne && (isalnum((unsigned char)*ne) || *ne == '-' || *ne == '_')) ne++;
        if (ne == ns) { last = NULL; continue; }
        char flag[128];
        snprintf(flag, sizeof flag, "--%.*s", (int)(ne - ns), ns);
        char *q = ne;
        bool has_value = false;
        char metavar[256] = "";
        if (*q == '=' || (*q == ' ' && q[1] != ' ' && q[1] != 0)) {
            char *v = q + 1;
            char *ve = v;
            if (*v == '<' || *v == '{' || isupper((unsigned char)*v) || *v == '[') {
                char close = *v == '<' ? '>' : *v == '{' ? '}' : *v == '[' ? ']' : ' ';
                ve = v + 1;
                while (*ve && (close == ' ' ? (*ve != ' ') : (*ve != close))) ve++;
                if (close != ' ' && *ve) ve++;
                has_value = true;
                snprintf(metavar, sizeof metavar, "%.*s", (int)(ve - v), v);
                q = ve;
            }
        }
        while (*q == ' ') q++;
        const char *help = q;
        char name[128];
        kebab_to_snake(ns, (size_t)(ne - ns), name, sizeof name);
        static const char *const skip[] = {"help", "version", "json_stdin", "json", "boxagnts_spec"};
        bool skipped = false;
        for (size_t k = 0; k < BX_ARRAY_LEN(skip); k++) skipped |= strcmp(name, skip[k]) == 0;
        if (skipped) { last = NULL; continue; }
        json_t *prop = json_object();
        json_object_set_new(prop, "description", json_string(help));
        json_object_set_new(prop, "x-flag", json_string(flag));
        char buf[512];
        json_t *en = NULL;
        if (bracket_value(help, "[possible values:", buf, sizeof buf) || (metavar[0] == '{' && snprintf(buf, sizeof buf, "%.*s", (int)strlen(metavar) - 2, metavar + 1) > 0)) {
            en = json_array();
            char *sv = NULL;
            for (char *tok = strtok_r(buf, ",", &sv); tok; tok = strtok_r(NULL, ",", &sv)) {
                while (*tok == ' ') tok++;
                size_t l = strlen(tok);
                while (l && tok[l - 1] == ' ') tok[--l] = 0;
                if (l) json_array_append_new(en, json_string(tok));
            }
        }
        const char *type = has_value ? "string" : "boolean";
        if (bracket_value(help, "[default:", buf, sizeof buf) || bracket_value(help, "(default:", buf, sizeof buf)) {
            if (has_value && is_integer_text(buf) && !en) {
                type = "integer";
                json_object_set_new(prop, "default", json_integer(strtoll(buf, NULL, 10)));
            } else if (!has_value) {
                json_object_set_new(prop, "default", json_boolean(strcmp(buf, "true") == 0));
            } else {
                json_object_set_new(prop, "default", json_string(buf));
            }
        }
        json_object_set_new(prop, "type", json_string(type));
        if (en) json_object_set_new(prop, "enum", en);
        json_object_set_new(props, name, prop);
        last = prop;
        if (strstr(help, "[required]") || (usage.len && required_in_usage(usage.data, flag)))
            json_array_append_new(required, json_string(name));
    }
    json_t *res = NULL;
    if (json_object_size(props) > 0) {
        res = json_pack("{s:s, s:{s:s, s:O, s:O, s:b}}", "description", desc.data, "input_schema", "type",
                        "object", "properties", props, "required", required, "additionalProperties", 0);
    }
    json_decref(props);
    json_decref(required);
    bx_buf_release(&usage);
    bx_buf_release(&desc);
    bx_free(t);
    return res;
}

/* ------------------------------------------------------------- loading */

static bx_err run_for_text(sandbox_module *m, const char *name, const char *arg, sandbox_result *r)
{
    sandbox_opts o;
    sandbox_opts_init(&o);
    const char *args[] = {arg};
    o.args = args;
    o.n_args = 1;
    o.program_name = name;
    o.timeout_ms = SPEC_TIMEOUT_MS;
    o.stdout_cap = SPEC_OUTPUT_CAP;
    o.stderr_cap = 64 * 1024;
    return sandbox_run(m, &o, r);
}

bx_err tools_wasm_tool_new(const char *name, const void *bytes, size_t len, const char *source,
                           sandbox_cache *cache, bx_error *detail, tools_tool **out)
{
    *out = NULL;
    sandbox_module *m = NULL;
    bx_err err = sandbox_cache_get(cache ? cache : sandbox_cache_default(), bytes, len, detail, &m);
    if (err) return err;
    json_t *spec = NULL;
    bool json_stdin = true;
    sandbox_result r;
    sandbox_result_init(&r);
    if (run_for_text(m, name, "--boxagnts-spec", &r) == BX_OK && r.exit_code == 0 && !r.out_truncated)
        spec = jx_parse(r.out.data, r.out.len, SPEC_OUTPUT_CAP, NULL);
    sandbox_result_release(&r);
    if (!json_is_object(spec) || !json_is_object(json_object_get(spec, "input_schema"))) {
        json_decref(spec);
        spec = NULL;
        sandbox_result_init(&r);
        bx_err herr = run_for_text(m, name, "--help", &r);
        if (herr == BX_OK && r.out.len) spec = tools_parse_help(r.out.data, r.out.len);
        if (!spec && herr == BX_OK && r.errout.len) spec = tools_parse_help(r.errout.data, r.errout.len);
        sandbox_result_release(&r);
        json_stdin = false;
        if (!spec) {
            sandbox_module_unref(m);
            return bx_error_set(detail, BX_INVALID, -1,
                                "%s: gives neither a --boxagnts-spec nor a --help with options", source);
        }
    }
    json_t *schema = json_object_get(spec, "input_schema");
    char why[256];
    if (!tools_schema_check(schema, why, sizeof why)) {
        json_decref(spec);
        sandbox_module_unref(m);
        return bx_error_set(detail, BX_INVALID, -1, "%s: bad input_schema: %s", source, why);
    }
    tools_level level = TOOLS_READ_ONLY;
    const char *lvl = jx_str(spec, "level", NULL);
    if (lvl && !tools_level_parse(lvl, &level)) {
        json_decref(spec);
        sandbox_module_unref(m);
        return bx_error_set(detail, BX_INVALID, -1, "%s: unknown level '%s'", source, lvl);
    }
    const char *spec_name = jx_str(spec, "name", NULL);
    if (spec_name && name && strcmp(spec_name, name) != 0)
        bx_log(BX_LOG_DEBUG, "tools", "%s: spec names the tool '%s'; using the file name '%s'", source, spec_name, name);
    wasm_impl *w = bx_calloc(1, sizeof *w);
    w->mod = m;
    w->json_stdin = json_stdin;
    json_t *kw = json_object_get(spec, "keywords");
    *out = tools_tool_new(name ? name : spec_name ? spec_name : "tool", jx_str(spec, "description", ""), level,
                          schema, json_is_array(kw) ? kw : NULL, source, &wasm_ops, w);
    json_decref(spec);
    return BX_OK;
}
