/* cli.c: `boxagnts tool list | spec NAME | run NAME --json '{...}' |
 * search QUERY`. Opens the workspace for the root tree, the settings (the
 * network allow-list and sandbox limits) and extensions/tools, builds a
 * registry (embedded + extensions, no watcher) and acts. The lead wires
 * tools_cli_main into src/main.c. */
#include "tools/tools.h"
#include "json/json.h"
#include "workspace/workspace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fputs("usage: boxagnts tool list [--json]\n"
          "       boxagnts tool spec NAME\n"
          "       boxagnts tool run NAME --json '{...}' [--root DIR] [--output json]\n"
          "       boxagnts tool search QUERY...\n"
          "  --json -            read the input object from stdin\n"
          "  --root DIR          the tree tools see as / (default W/root)\n"
          "  --workspace-dir DIR the workspace (default: the current directory)\n",
          f);
}

static char *read_stdin_all(size_t max)
{
    bx_buf b;
    bx_buf_init(&b, max);
    char chunk[4096];
    ssize_t r;
    while ((r = read(0, chunk, sizeof chunk)) > 0) {
        if (bx_buf_append(&b, chunk, (size_t)r) != BX_OK) {
            bx_buf_release(&b);
            return NULL;
        }
    }
    return bx_buf_detach(&b, NULL);
}

int tools_cli_main(int argc, char **argv, const char *workspace_dir)
{
    const char *cmd = NULL, *name = NULL, *json_text = NULL, *root = NULL, *output = "text";
    const char *ws_dir = workspace_dir;
    bool list_json = false;
    bx_buf query;
    bx_buf_init(&query, 4096);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0 && i + 1 < argc && cmd && strcmp(cmd, "run") == 0) json_text = argv[++i];
        else if (strcmp(a, "--json") == 0) list_json = true;
        else if (strcmp(a, "--root") == 0 && i + 1 < argc) root = argv[++i];
        else if (strcmp(a, "--workspace-dir") == 0 && i + 1 < argc) ws_dir = argv[++i];
        else if (strcmp(a, "--output") == 0 && i + 1 < argc) output = argv[++i];
        else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { usage(stdout); bx_buf_release(&query); return 0; }
        else if (!cmd) cmd = a;
        else if (!name && strcmp(cmd, "search") != 0) name = a;
        else if (strcmp(cmd, "search") == 0) { if (query.len) bx_buf_putc(&query, ' '); bx_buf_puts(&query, a); }
        else { fprintf(stderr, "boxagnts tool: unexpected argument '%s'\n", a); usage(stderr); bx_buf_release(&query); return 2; }
    }
    if (!cmd || ((strcmp(cmd, "spec") == 0 || strcmp(cmd, "run") == 0) && !name) ||
        (strcmp(cmd, "list") && strcmp(cmd, "spec") && strcmp(cmd, "run") && strcmp(cmd, "search"))) {
        usage(stderr);
        bx_buf_release(&query);
        return 2;
    }
    workspace *ws = NULL;
    bx_error detail;
    bx_error_clear(&detail);
    bx_err err = workspace_open(ws_dir ? ws_dir : ".", root, &detail, &ws);
    if (err) {
        fprintf(stderr, "boxagnts tool: cannot open the workspace: %s\n", detail.message[0] ? detail.message : bx_err_str(err));
        bx_buf_release(&query);
        return 2;
    }
    tools_registry *reg = tools_registry_new(NULL);
    tools_registry_add_embedded(reg);
    tools_registry_add_tool_search(reg);
    tools_registry_load_dir(reg, workspace_tools_dir(ws), false);
    int rc = 0;
    if (strcmp(cmd, "list") == 0) {
        tools_tool **all;
        size_t n = tools_registry_list(reg, &all);
        json_t *arr = json_array();
        for (size_t k = 0; k < n; k++) {
            if (list_json) json_array_append_new(arr, tools_tool_spec(all[k]));
            else printf("%-12s %-10s %s\n", tools_tool_name(all[k]), tools_level_name(tools_tool_level(all[k])),
                        tools_tool_description(all[k]));
        }
        if (list_json) {
            char *s = jx_dumps(arr);
            printf("%s\n", s ? s : "[]");
            free(s);
        }
        json_decref(arr);
        json_t *errs = tools_registry_errors(reg);
        const char *f;
        json_t *m;
        json_object_foreach(errs, f, m) fprintf(stderr, "warning: %s skipped: %s\n", f, json_string_value(m));
        json_decref(errs);
        tools_list_free(all, n);
    } else if (strcmp(cmd, "search") == 0) {
        tools_tool **found;
        size_t n = tools_registry_search(reg, query.data, 20, &found);
        for (size_t k = 0; k < n; k++) printf("%-12s %s\n", tools_tool_name(found[k]), tools_tool_description(found[k]));
        tools_list_free(found, n);
    } else {
        tools_tool *t = tools_registry_get(reg, name);
        if (!t) {
            fprintf(stderr, "boxagnts tool: no tool named '%s' (see `boxagnts tool list`)\n", name);
            rc = 2;
        } else if (strcmp(cmd, "spec") == 0) {
            json_t *spec = tools_tool_spec(t);
            bx_buf b;
            bx_buf_init(&b, BX_BUF_UNLIMITED);
            jx_dump_pretty(spec, &b);
            printf("%s\n", b.data);
            bx_buf_release(&b);
            json_decref(spec);
        } else {
            char *owned = NULL;
            if (json_text && strcmp(json_text, "-") == 0) json_text = owned = read_stdin_all(TOOLS_STDOUT_CAP);
            json_t *input = jx_parse(json_text ? json_text : "{}", strlen(json_text ? json_text : "{}"), TOOLS_STDOUT_CAP, &detail);
            if (!input) {
                fprintf(stderr, "boxagnts tool: --json is not valid JSON: line %d column %d: %s\n", detail.line,
                        detail.column, detail.message);
                rc = 2;
            } else {
                const workspace_config *settings = workspace_config_get(ws);
                tools_ctx ctx;
                tools_ctx_from_config(&ctx, settings, workspace_root(ws));
                ctx.content_cap = TOOLS_STDOUT_CAP;
                tools_result res;
                tools_result_init(&res);
                tools_execute(t, input, &ctx, &res);
                if (strcmp(output, "json") == 0) {
                    json_t *j = tools_result_json(&res);
                    char *s = jx_dumps(j);
                    printf("%s\n", s ? s : "{}");
                    free(s);
                    json_decref(j);
                } else {
                    fwrite(res.content, 1, res.content_len, res.is_error ? stderr : stdout);
                    if (res.content_len && res.content[res.content_len - 1] != '\n') fputc('\n', res.is_error ? stderr : stdout);
                }
                rc = res.is_error ? 1 : 0;
                tools_result_release(&res);
                workspace_config_release(settings);
                json_decref(input);
            }
            bx_free(owned);
        }
        tools_tool_unref(t);
    }
    tools_registry_free(reg);
    workspace_close(ws);
    bx_buf_release(&query);
    return rc;
}
