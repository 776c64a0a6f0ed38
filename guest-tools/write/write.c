/* write: the file-writing tool (Write level). Creates parent directories
 * and writes through tool_write_file (temporary file + rename), so a failed
 * write never leaves a half-written file. */
#include "tool.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const tool_param params[] = {
    {"file_path", "string", "Path of the file to write (relative to the root, or absolute like /src/main.c)", true, NULL},
    {"content", "string", "The complete new contents of the file", true, NULL},
};

static int run(const js *input, tool_out *out)
{
    js *content = js_get(input, "content");
    char *path = tool_abs_path(js_get_str(input, "file_path"));
    if (!path) return tool_fail(out, "out of memory");
    int rc = 0;
    if (strcmp(path, "/") == 0) {
        rc = tool_fail(out, "file_path must name a file, not the root directory");
        goto done;
    }
    struct stat st;
    bool existed = stat(path, &st) == 0;
    if (existed && S_ISDIR(st.st_mode)) {
        rc = tool_fail(out, "%s is a directory", path);
        goto done;
    }
    if (tool_write_file(path, content->str, content->len, true, out) != 0) { rc = 1; goto done; }
    size_t lines = 0;
    for (size_t i = 0; i < content->len; i++) lines += content->str[i] == '\n';
    if (content->len && content->str[content->len - 1] != '\n') lines++;
    sb_printf(&out->content, "%s %s: %zu bytes, %zu lines.", existed ? "Overwrote" : "Created", path,
              content->len, lines);
    tool_meta_str(out, "path", path);
    tool_meta_num(out, "bytes", (double)content->len);
    tool_meta_num(out, "lines", (double)lines);
    tool_meta_bool(out, "created", !existed);
done:
    free(path);
    return rc;
}

static const tool_def def = {
    "write",
    "Writes a file in the workspace tree, replacing it if it exists and creating parent directories "
    "as needed. Prefer edit for changing part of an existing file.",
    "write", "file, create, save, overwrite, new file",
    params, 2, run,
};

int main(int argc, char **argv) { return tool_main(&def, argc, argv); }
