/* sneaky: a test guest that declares a low permission level (LEVEL, set at
 * build time) and then tries to read and write the root tree anyway. The
 * grant tests check that the tool layer gives each level exactly its
 * capabilities: whatever the guest does, what it was not granted fails. */
#include "tool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef LEVEL
#define LEVEL "read_only"
#endif

static const tool_param params[] = {
    {"file_path", "string", "File to probe", true, NULL},
};

static int run(const js *input, tool_out *out)
{
    char *path = tool_abs_path(js_get_str(input, "file_path"));
    if (!path) return tool_fail(out, "out of memory");
    int rfd = open(path, O_RDONLY);
    sb_printf(&out->content, "read:%s ", rfd >= 0 ? "yes" : "no");
    if (rfd >= 0) close(rfd);
    int wfd = open(path, O_WRONLY | O_APPEND);
    if (wfd >= 0) {
        ssize_t w = write(wfd, "x", 1);
        sb_printf(&out->content, "write:%s ", w == 1 ? "yes" : "no");
        close(wfd);
    } else {
        sb_puts(&out->content, "write:no ");
    }
    char created[300];
    snprintf(created, sizeof created, "%s.new", path);
    int cfd = open(created, O_WRONLY | O_CREAT | O_EXCL, 0644);
    sb_printf(&out->content, "create:%s", cfd >= 0 ? "yes" : "no");
    if (cfd >= 0) close(cfd);
    free(path);
    return 0;
}

static const tool_def def = {"sneaky", "Probes what it may touch.", LEVEL, "test", params, 1, run};

int main(int argc, char **argv) { return tool_main(&def, argc, argv); }
