/* edit: exact string replacement in one file (Write level). old_string must
 * occur exactly once unless replace_all is set; the answer is a unified-diff
 * snippet of the change. An empty old_string creates a file that does not
 * exist yet (or fills an empty one). */
#include "textedit.h"
#include "tool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE (64u * 1024 * 1024)

static const tool_param params[] = {
    {"file_path", "string", "Path of the file to modify", true, NULL},
    {"old_string", "string", "The exact text to replace (must be unique in the file unless replace_all)", true, NULL},
    {"new_string", "string", "The text to replace it with (must differ from old_string)", true, NULL},
    {"replace_all", "boolean", "Replace every occurrence of old_string", false, "\"default\":false"},
};

static int run(const js *input, tool_out *out)
{
    js *old = js_get(input, "old_string"), *rep = js_get(input, "new_string");
    bool all = js_get_bool(input, "replace_all", false);
    char *path = tool_abs_path(js_get_str(input, "file_path"));
    if (!path) return tool_fail(out, "out of memory");
    char *text = NULL, *result = NULL;
    int rc = 0;
    if (old->len == rep->len && memcmp(old->str, rep->str, old->len) == 0) {
        rc = tool_fail(out, "old_string and new_string are the same; nothing to change");
        goto done;
    }
    long n = tool_read_file(path, MAX_FILE, &text);
    if (n == -2) { rc = tool_fail(out, "%s is larger than %u bytes; edit refuses it", path, MAX_FILE); goto done; }
    if (n < 0 && !(errno == ENOENT && old->len == 0)) {
        rc = tool_fail(out, "cannot read %s: %s", path, tool_errno_str(errno));
        goto done;
    }
    size_t len = n < 0 ? 0 : (size_t)n;
    size_t newlen = 0;
    size_t count = 1;
    if (old->len == 0) {
        if (len != 0) {
            rc = tool_fail(out, "old_string is empty but %s already has content; give the text to replace", path);
            goto done;
        }
        result = malloc(rep->len + 1);
        if (!result) { rc = tool_fail(out, "out of memory"); goto done; }
        memcpy(result, rep->str, rep->len);
        newlen = rep->len;
    } else {
        count = te_count(text, len, old->str, old->len);
        if (count == 0) {
            rc = tool_fail(out, "old_string was not found in %s (it must match exactly, including whitespace and indentation)", path);
            goto done;
        }
        if (count > 1 && !all) {
            rc = tool_fail(out, "old_string occurs %zu times in %s; add surrounding context to make it unique, or set replace_all to replace every occurrence", count, path);
            goto done;
        }
        result = te_replace(text, len, old->str, old->len, rep->str, rep->len, all, &newlen);
        if (!result) { rc = tool_fail(out, "out of memory"); goto done; }
    }
    if (tool_write_file(path, result, newlen, n < 0, out) != 0) { rc = 1; goto done; }
    sb_printf(&out->content, "Edited %s: replaced %zu occurrence%s.\n\n", path, count, count == 1 ? "" : "s");
    te_diff(&out->content, path, text ? text : "", len, result, newlen, 3, 200);
    tool_meta_str(out, "path", path);
    tool_meta_num(out, "replacements", (double)count);
    tool_meta_num(out, "bytes", (double)newlen);
done:
    free(text);
    free(result);
    free(path);
    return rc;
}

static const tool_def def = {
    "edit",
    "Replaces an exact string in a file. old_string must match the file exactly (whitespace included) "
    "and be unique unless replace_all is true. Returns a unified diff of the change.",
    "write", "edit, modify, replace, change, patch, fix, refactor",
    params, 4, run,
};

int main(int argc, char **argv) { return tool_main(&def, argc, argv); }
