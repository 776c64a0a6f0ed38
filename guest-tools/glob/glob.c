/* glob: finds files by path pattern (ReadOnly): `**`, `*`, `?`, `[...]`,
 * `{a,b}`, relative to `path` (default the root). Results are guest paths,
 * newest first, capped at 200 with the number omitted. .git directories
 * are not searched. */
#include "glob.h"
#include "tool.h"
#include "walk.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_RESULTS 200
#define MAX_VISIT 500000

static const tool_param params[] = {
    {"pattern", "string", "Glob pattern, e.g. \"**/*.c\" or \"src/{a,b}/*.ts\"", true, NULL},
    {"path", "string", "Directory to search in (default the root)", false, "\"default\":\"/\""},
};

typedef struct hit {
    char *path;
    long long mtime;
    long mtime_ns;
} hit;

typedef struct ctx {
    glob_pat *g;
    int max_depth;
    hit *hits;
    size_t n, cap;
} ctx;

static int on_entry(const walk_entry *e, void *p)
{
    ctx *c = p;
    if (e->is_dir && strcmp(e->name, ".git") == 0) return WALK_SKIP;
    if (glob_match(c->g, e->rel, strlen(e->rel))) {
        if (c->n == c->cap) {
            size_t nc = c->cap ? c->cap * 2 : 64;
            hit *nh = realloc(c->hits, nc * sizeof *nh);
            if (!nh) return WALK_STOP;
            c->hits = nh;
            c->cap = nc;
        }
        struct stat st;
        hit *h = &c->hits[c->n];
        h->path = strdup(e->path);
        if (!h->path) return WALK_STOP;
        h->mtime = 0;
        h->mtime_ns = 0;
        if (lstat(e->path, &st) == 0) {
            h->mtime = (long long)st.st_mtim.tv_sec;
            h->mtime_ns = (long)st.st_mtim.tv_nsec;
        }
        c->n++;
    }
    return WALK_CONTINUE;
}

static int cmp_hit(const void *a, const void *b)
{
    const hit *x = a, *y = b;
    if (x->mtime != y->mtime) return x->mtime > y->mtime ? -1 : 1;
    if (x->mtime_ns != y->mtime_ns) return x->mtime_ns > y->mtime_ns ? -1 : 1;
    return strcmp(x->path, y->path);
}

static int run(const js *input, tool_out *out)
{
    const char *pattern = js_get_str(input, "pattern");
    const char *given = js_get_str(input, "path");
    char err[256];
    ctx c = {0};
    int rc = 0;
    char *path = tool_abs_path(given ? given : "/");
    if (!path) return tool_fail(out, "out of memory");
    /* an absolute pattern is taken relative to the root */
    while (*pattern == '/') pattern++;
    c.g = glob_compile(pattern, err, sizeof err);
    if (!c.g) { rc = tool_fail(out, "%s", err); goto done; }
    int depth = glob_max_depth(c.g);
    walk_stats ws;
    if (walk(path, depth < 0 ? 0 : depth, MAX_VISIT, on_entry, &c, &ws) != 0) {
        rc = tool_fail(out, "cannot search %s: %s", path, tool_errno_str(errno));
        goto done;
    }
    qsort(c.hits, c.n, sizeof *c.hits, cmp_hit);
    size_t shown = c.n < MAX_RESULTS ? c.n : MAX_RESULTS;
    for (size_t k = 0; k < shown; k++) sb_printf(&out->content, "%s\n", c.hits[k].path);
    if (c.n == 0) sb_printf(&out->content, "No files match %s under %s.\n", pattern, path);
    if (c.n > shown) sb_printf(&out->content, "(%zu more matches not shown; narrow the pattern)\n", c.n - shown);
    if (ws.capped) sb_printf(&out->content, "(search stopped after %d entries)\n", MAX_VISIT);
    tool_meta_num(out, "matches", (double)c.n);
    tool_meta_num(out, "shown", (double)shown);
    tool_meta_bool(out, "truncated", c.n > shown || ws.capped);
done:
    for (size_t k = 0; k < c.n; k++) free(c.hits[k].path);
    free(c.hits);
    glob_free(c.g);
    free(path);
    return rc;
}

static const tool_def def = {
    "glob",
    "Finds files whose path matches a glob pattern (** any depth, * within a name, ?, [abc], {a,b}), "
    "relative to path. Returns matching paths, most recently modified first.",
    "read_only", "find, files, search, pattern, path, wildcard",
    params, 2, run,
};

int main(int argc, char **argv) { return tool_main(&def, argc, argv); }
