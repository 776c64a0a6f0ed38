/* skills.c: skill discovery under extensions/skills/<name>/SKILL.md and the
 * YAML front matter reader (libyaml's event parser turned into JSON, so the
 * rest of boxagnts deals with one value model). Scalars stay strings except
 * plain true/false/null and integers, as YAML 1.2's core schema reads them. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "workspace/workspace.h"

#define FRONT_MATTER_MAX (64u << 10)
#define YAML_DEPTH_MAX 32

static json_t *scalar_value(const yaml_event_t *ev)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
        if (!strcmp(s, "true") || !strcmp(s, "True"))
            return json_true();
        if (!strcmp(s, "false") || !strcmp(s, "False"))
            return json_false();
        if (!strcmp(s, "null") || !strcmp(s, "~") || n == 0)
            return json_null();
        char *end;
        long long v = strtoll(s, &end, 10);
        if (*s && *end == '\0' && n < 19)
            return json_integer(v);
    }
    return json_stringn(s, n);
}

/* Reads one node starting with the event already in *ev. Returns a new
 * reference or NULL on error (message in detail). */
static json_t *read_node(yaml_parser_t *p, yaml_event_t *ev, int depth, bx_error *detail)
{
    if (depth > YAML_DEPTH_MAX) {
        bx_error_set(detail, BX_PARSE, (int64_t)ev->start_mark.index,
                     "front matter nests deeper than %d", YAML_DEPTH_MAX);
        return NULL;
    }
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        return scalar_value(ev);
    case YAML_ALIAS_EVENT:
        bx_error_set(detail, BX_PARSE, (int64_t)ev->start_mark.index,
                     "YAML aliases are not supported in front matter");
        return NULL;
    case YAML_SEQUENCE_START_EVENT: {
        json_t *arr = json_array();
        for (;;) {
            yaml_event_t e;
            if (!yaml_parser_parse(p, &e))
                goto parse_error_arr;
            if (e.type == YAML_SEQUENCE_END_EVENT) {
                yaml_event_delete(&e);
                return arr;
            }
            json_t *item = read_node(p, &e, depth + 1, detail);
            yaml_event_delete(&e);
            if (!item) {
                json_decref(arr);
                return NULL;
            }
            json_array_append_new(arr, item);
        }
    parse_error_arr:
        bx_error_set(detail, BX_PARSE, (int64_t)p->problem_offset, "YAML: %s",
                     p->problem ? p->problem : "syntax error");
        json_decref(arr);
        return NULL;
    }
    case YAML_MAPPING_START_EVENT: {
        json_t *obj = json_object();
        for (;;) {
            yaml_event_t k;
            if (!yaml_parser_parse(p, &k))
                goto parse_error_map;
            if (k.type == YAML_MAPPING_END_EVENT) {
                yaml_event_delete(&k);
                return obj;
            }
            if (k.type != YAML_SCALAR_EVENT) {
                bx_error_set(detail, BX_PARSE, (int64_t)k.start_mark.index,
                             "front matter keys must be plain strings");
                yaml_event_delete(&k);
                json_decref(obj);
                return NULL;
            }
            char *key = bx_strndup((const char *)k.data.scalar.value, k.data.scalar.length);
            yaml_event_delete(&k);
            yaml_event_t v;
            if (!yaml_parser_parse(p, &v)) {
                bx_free(key);
                goto parse_error_map;
            }
            json_t *val = read_node(p, &v, depth + 1, detail);
            yaml_event_delete(&v);
            if (!val) {
                bx_free(key);
                json_decref(obj);
                return NULL;
            }
            json_object_set_new(obj, key, val);
            bx_free(key);
        }
    parse_error_map:
        bx_error_set(detail, BX_PARSE, (int64_t)p->problem_offset, "YAML: %s",
                     p->problem ? p->problem : "syntax error");
        json_decref(obj);
        return NULL;
    }
    default:
        bx_error_set(detail, BX_PARSE, (int64_t)ev->start_mark.index, "unexpected YAML event");
        return NULL;
    }
}

static json_t *parse_yaml(const char *text, size_t len, bx_error *detail)
{
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) {
        bx_error_set(detail, BX_NOMEM, -1, "cannot start the YAML parser");
        return NULL;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    json_t *result = NULL;
    yaml_event_t ev;
    /* STREAM_START, DOCUMENT_START (or STREAM_END for empty), node, ... */
    for (;;) {
        if (!yaml_parser_parse(&p, &ev)) {
            bx_error_set(detail, BX_PARSE, (int64_t)p.problem_offset, "YAML line %zu: %s",
                         p.problem_mark.line + 1, p.problem ? p.problem : "syntax error");
            break;
        }
        yaml_event_type_t t = ev.type;
        if (t == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            if (!result)
                result = json_object();
            break;
        }
        if (t == YAML_MAPPING_START_EVENT || t == YAML_SEQUENCE_START_EVENT ||
            t == YAML_SCALAR_EVENT || t == YAML_ALIAS_EVENT) {
            json_t *node = read_node(&p, &ev, 0, detail);
            yaml_event_delete(&ev);
            if (!node)
                break;
            if (result) { /* a second document: ignore it */
                json_decref(node);
                continue;
            }
            result = node;
            continue;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    if (result && !json_is_object(result)) {
        if (json_is_null(result)) {
            json_decref(result);
            return json_object();
        }
        json_decref(result);
        bx_error_set(detail, BX_PARSE, 0, "front matter must be a mapping");
        return NULL;
    }
    return result;
}

bx_err workspace_front_matter(const char *text, size_t len, json_t **out_meta,
                              size_t *out_body_offset, bx_error *detail)
{
    *out_body_offset = 0;
    if (len < 4 || strncmp(text, "---", 3) != 0 || (text[3] != '\n' && text[3] != '\r')) {
        *out_meta = json_object();
        return BX_OK;
    }
    size_t start = text[3] == '\r' ? 5 : 4;
    /* Find a line that is exactly "---" (or "..."). */
    size_t i = start;
    while (i < len) {
        size_t eol = i;
        while (eol < len && text[eol] != '\n')
            eol++;
        size_t linelen = eol - i;
        if (linelen && text[i + linelen - 1] == '\r')
            linelen--;
        if (linelen == 3 && (!strncmp(text + i, "---", 3) || !strncmp(text + i, "...", 3))) {
            if (i - start > FRONT_MATTER_MAX)
                return bx_error_set(detail, BX_TOOBIG, 0, "front matter over %u bytes",
                                    FRONT_MATTER_MAX);
            json_t *meta = parse_yaml(text + start, i - start, detail);
            if (!meta)
                return detail ? detail->code : BX_PARSE;
            *out_meta = meta;
            *out_body_offset = eol < len ? eol + 1 : len;
            return BX_OK;
        }
        i = eol + 1;
    }
    return bx_error_set(detail, BX_PARSE, 0, "front matter starts with --- but never ends");
}

static int skill_cmp(const void *a, const void *b)
{
    return strcmp(((const workspace_skill *)a)->name, ((const workspace_skill *)b)->name);
}

bx_err workspace_skills(workspace *ws, bx_vec *out_skills)
{
    bx_vec_init(out_skills, sizeof(workspace_skill));
    DIR *d = opendir(workspace_skills_dir(ws));
    if (!d)
        return BX_OK;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char *path = bx_sprintf("%s/%s/SKILL.md", workspace_skills_dir(ws), de->d_name);
        bx_buf b;
        bx_buf_init(&b, 1 << 20);
        if (bx_read_file(path, 1 << 20, &b) != BX_OK) {
            bx_buf_release(&b);
            bx_free(path);
            continue;
        }
        json_t *meta = NULL;
        size_t body;
        bx_error e;
        if (workspace_front_matter(b.data, b.len, &meta, &body, &e) != BX_OK) {
            bx_log(BX_LOG_WARN, "skills", "%s: %s (skipped)", path, e.message);
            bx_buf_release(&b);
            bx_free(path);
            continue;
        }
        workspace_skill s = {
            .name = bx_strdup(jx_str(meta, "name", de->d_name)),
            .description = bx_strdup(jx_str(meta, "description", "")),
            .path = path,
            .meta = meta,
        };
        bx_vec_push(out_skills, &s);
        bx_buf_release(&b);
    }
    closedir(d);
    if (out_skills->len > 1)
        qsort(out_skills->data, out_skills->len, sizeof(workspace_skill), skill_cmp);
    return BX_OK;
}

void workspace_skills_free(bx_vec *skills)
{
    for (size_t i = 0; i < skills->len; i++) {
        workspace_skill *s = bx_vec_at(skills, i);
        bx_free(s->name);
        bx_free(s->description);
        bx_free(s->path);
        json_decref(s->meta);
    }
    bx_vec_release(skills);
}
