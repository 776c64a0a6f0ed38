/* multi_edit: several exact-string edits to one file, applied in order in
 * memory and written once, so either all of them take effect or none does
 * (Write level). Each edit is checked against the text left by the edits
 * before it; a failure names the edit by its index. */
#include "textedit.h"
#include "tool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE (64u * 1024 * 1024)
#define MAX_EDITS 1000

static const tool_param params[] = {
    {"file_path", "string", "Path of the file to modify", true, NULL},
    {"edits", "array", "Edits applied in order: each {old_string, new_string, replace_all?}", true,
     "\"minItems\":1,\"maxItems\":1000,\"items\":{\"type\":\"object\",\"properties\":{"
     "\"old_string\":{\"type\":\"string\"},\"new_string\":{\"type\":\"string\"},"
     "\"replace_all\":{\"type\":\"boolean\",\"default\":false}},"
     "\"required\":[\"old_string\",\"new_string\"],\"additionalProperties\":false}"},
};

static int run(const js *input, tool_out *out)
{
    js *edits = js_get(input, "edits");
    char *path = tool_abs_path(js_get_str(input, "file_path"));
    if (!path) return tool_fail(out, "out of memory");
    char *orig = NULL, *cur = NULL;
    size_t total = 0;
    int rc = 0;
    if (edits->len == 0 || edits->len > MAX_EDITS) {
        rc = tool_fail(out, "edits must hold between 1 and %d edits", MAX_EDITS);
        goto done;
    }
    for (size_t k = 0; k < edits->len; k++) {
        js *e = edits->items[k];
        js *o = js_get(e, "old_string"), *n = js_get(e, "new_string"), *ra = js_get(e, "replace_all");
        if (e->type != JS_OBJ || !o || o->type != JS_STR || !n || n->type != JS_STR ||
            (ra && ra->type != JS_BOOL)) {
            rc = tool_fail(out, "edit %zu must be an object with string old_string and new_string (and optional boolean replace_all)", k + 1);
            goto done;
        }
        for (size_t f = 0; f < e->len; f++) {
            if (strcmp(e->keys[f], "old_string") && strcmp(e->keys[f], "new_string") && strcmp(e->keys[f], "replace_all")) {
                rc = tool_fail(out, "edit %zu has an unknown field '%s'", k + 1, e->keys[f]);
                goto done;
            }
        }
    }
    long n = tool_read_file(path, MAX_FILE, &orig);
    js *first_old = js_get(edits->items[0], "old_string");
    bool create = n < 0 && errno == ENOENT && first_old->len == 0;
    if (n == -2) { rc = tool_fail(out, "%s is larger than %u bytes; multi_edit refuses it", path, MAX_FILE); goto done; }
    if (n < 0 && !create) { rc = tool_fail(out, "cannot read %s: %s", path, tool_errno_str(errno)); goto done; }
    size_t len = n < 0 ? 0 : (size_t)n;
    cur = malloc(len + 1);
    if (!cur) { rc = tool_fail(out, "out of memory"); goto done; }
    if (len) memcpy(cur, orig, len);
    size_t curlen = len;
    for (size_t k = 0; k < edits->len; k++) {
        js *e = edits->items[k];
        js *o = js_get(e, "old_string"), *r = js_get(e, "new_string");
        bool all = js_get_bool(e, "replace_all", false);
        if (o->len == r->len && memcmp(o->str, r->str, o->len) == 0) {
            rc = tool_fail(out, "edit %zu: old_string and new_string are the same; no file was changed", k + 1);
            goto done;
        }
        char *next;
        size_t nextlen, count = 1;
        if (o->len == 0) {
            if (curlen != 0) {
                rc = tool_fail(out, "edit %zu: old_string is empty but the file has content; no file was changed", k + 1);
                goto done;
            }
            next = malloc(r->len + 1);
            if (!next) { rc = tool_fail(out, "out of memory"); goto done; }
            memcpy(next, r->str, r->len);
            nextlen = r->len;
        } else {
            count = te_count(cur, curlen, o->str, o->len);
            if (count == 0) {
                rc = tool_fail(out, "edit %zu: old_string was not found%s; no file was changed", k + 1,
                               k ? " (after applying the edits before it)" : "");
                goto done;
            }
            if (count > 1 && !all) {
                rc = tool_fail(out, "edit %zu: old_string occurs %zu times; add context or set replace_all; no file was changed", k + 1, count);
                goto done;
            }
            next = te_replace(cur, curlen, o->str, o->len, r->str, r->len, all, &nextlen);
            if (!next) { rc = tool_fail(out, "out of memory"); goto done; }
        }
        if (nextlen > MAX_FILE) {
            free(next);
            rc = tool_fail(out, "edit %zu makes the file larger than %u bytes; no file was changed", k + 1, MAX_FILE);
            goto done;
        }
        free(cur);
        cur = next;
        curlen = nextlen;
        total += count;
    }
    if (tool_write_file(path, cur, curlen, create, out) != 0) { rc = 1; goto done; }
    sb_printf(&out->content, "Applied %zu edit%s to %s (%zu replacement%s).\n\n", edits->len,
              edits->len == 1 ? "" : "s", path, total, total == 1 ? "" : "s");
    te_diff(&out->content, path, orig ? orig : "", len, cur, curlen, 3, 300);
    tool_meta_str(out, "path", path);
    tool_meta_num(out, "edits", (double)edits->len);
    tool_meta_num(out, "replacements", (double)total);
    tool_meta_num(out, "bytes", (double)curlen);
done:
    free(orig);
    free(cur);
    free(path);
    return rc;
}

static const tool_def def = {
    "multi_edit",
    "Applies several exact-string edits to one file in order, atomically: if any edit fails "
    "(not found, not unique), the file is left unchanged. Returns a unified diff.",
    "write", "edit, multiple, batch, replace, refactor, patch, atomic",
    params, 2, run,
};

int main(int argc, char **argv) { return tool_main(&def, argc, argv); }
