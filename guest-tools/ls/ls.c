/* ls: lists a directory (ReadOnly): type, size, modification time and name
 * of each entry, down to `depth` levels, in name order with directories'
 * contents under them. Capped at 1,000 entries with the number omitted. */
#include "tool.h"
#include "walk.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define MAX_SHOWN 1000
#define MAX_VISIT 200000

static const tool_param params[] = {
    {"path", "string", "Directory to list (relative to the root, or absolute); default the root", false, "\"default\":\"/\""},
    {"depth", "integer", "How many levels to descend (1 = only the directory itself)", false, "\"minimum\":1,\"maximum\":20,\"default\":1"},
};

typedef struct row {
    char *rel;
    char type;
    long long size;
    long long mtime;
} row;

typedef struct ctx {
    row *rows;
    size_t n, cap, total;
} ctx;

static int on_entry(const walk_entry *e, void *p)
{
    ctx *c = p;
    c->total++;
    if (c->n >= MAX_SHOWN) return WALK_CONTINUE;
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 64;
        row *nr = realloc(c->rows, nc * sizeof *nr);
        if (!nr) return WALK_STOP;
        c->rows = nr;
        c->cap = nc;
    }
    struct stat st;
    row *r = &c->rows[c->n];
    r->rel = strdup(e->rel);
    if (!r->rel) return WALK_STOP;
    r->type = e->is_dir ? 'd' : e->is_link ? 'l' : 'f';
    r->size = -1;
    r->mtime = 0;
    if (lstat(e->path, &st) == 0) {
        if (!e->is_dir) r->size = (long long)st.st_size;
        r->mtime = (long long)st.st_mtim.tv_sec;
        if (!e->is_dir && !e->is_link && !S_ISREG(st.st_mode)) r->type = 'o';
    }
    c->n++;
    return WALK_CONTINUE;
}

/* Orders paths component by component, so a directory's contents follow it. */
static int cmp_row(const void *a, const void *b)
{
    const char *x = ((const row *)a)->rel, *y = ((const row *)b)->rel;
    for (;;) {
        size_t lx = strcspn(x, "/"), ly = strcspn(y, "/");
        size_t l = lx < ly ? lx : ly;
        int c = memcmp(x, y, l);
        if (c) return c;
        if (lx != ly) return lx < ly ? -1 : 1;
        if (!x[lx] || !y[ly]) return x[lx] ? 1 : y[ly] ? -1 : 0;
        x += lx + 1;
        y += ly + 1;
    }
}

static void fmt_time(long long t, char out[20])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm)) { strcpy(out, "?"); return; }
    strftime(out, 20, "%Y-%m-%d %H:%M", &tm);
}

static int run(const js *input, tool_out *out)
{
    const char *given = js_get_str(input, "path");
    long depth = tool_get_int(input, "depth", 1, 1, 20);
    char *path = tool_abs_path(given ? given : "/");
    if (!path) return tool_fail(out, "out of memory");
    int rc = 0;
    ctx c = {0};
    struct stat st;
    if (stat(path, &st) != 0) {
        rc = tool_fail(out, "cannot list %s: %s", path, tool_errno_str(errno));
        goto done;
    }
    if (!S_ISDIR(st.st_mode)) {
        char tb[20];
        fmt_time((long long)st.st_mtim.tv_sec, tb);
        sb_printf(&out->content, "f %10lld  %s  %s\n", (long long)st.st_size, tb, path);
        tool_meta_str(out, "path", path);
        tool_meta_num(out, "entries", 1);
        goto done;
    }
    walk_stats ws;
    if (walk(path, (int)depth, MAX_VISIT, on_entry, &c, &ws) != 0) {
        rc = tool_fail(out, "cannot list %s: %s", path, tool_errno_str(errno));
        goto done;
    }
    qsort(c.rows, c.n, sizeof *c.rows, cmp_row);
    sb_printf(&out->content, "%s:\n", path);
    for (size_t k = 0; k < c.n; k++) {
        row *r = &c.rows[k];
        char tb[20], sz[24];
        fmt_time(r->mtime, tb);
        if (r->size < 0) snprintf(sz, sizeof sz, "-");
        else snprintf(sz, sizeof sz, "%lld", r->size);
        sb_printf(&out->content, "%c %10s  %s  %s%s\n", r->type, sz, tb, r->rel, r->type == 'd' ? "/" : "");
    }
    if (c.n == 0) sb_puts(&out->content, "(empty directory)\n");
    if (c.total > c.n) sb_printf(&out->content, "(%zu more entries not shown)\n", c.total - c.n);
    if (ws.capped) sb_printf(&out->content, "(stopped after visiting %d entries)\n", MAX_VISIT);
    if (ws.unreadable) sb_printf(&out->content, "(%zu directories could not be read)\n", ws.unreadable);
    tool_meta_str(out, "path", path);
    tool_meta_num(out, "entries", (double)c.total);
    tool_meta_num(out, "shown", (double)c.n);
done:
    for (size_t k = 0; k < c.n; k++) free(c.rows[k].rel);
    free(c.rows);
    free(path);
    return rc;
}

static const tool_def def = {
    "ls",
    "Lists a directory of the workspace tree: type (d directory, f file, l symlink, o other), size "
    "in bytes, modification time (UTC) and name, optionally several levels deep.",
    "read_only", "list, directory, folder, files, tree, dir",
    params, 2, run,
};

int main(int argc, char **argv) { return tool_main(&def, argc, argv); }
