/* walk.c: the traversal behind walk.h. */
#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define WALK_MAX_DEPTH 64

typedef struct item {
    char *name;
    unsigned char type;
} item;

static int cmp_item(const void *a, const void *b)
{
    return strcmp(((const item *)a)->name, ((const item *)b)->name);
}

typedef struct frame {
    char *path; /* full path */
    size_t rel_off; /* where the relative part starts in path */
    int depth;
} frame;

static char *join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    bool slash = la > 0 && a[la - 1] == '/';
    char *p = malloc(la + lb + 2);
    if (!p) return NULL;
    memcpy(p, a, la);
    if (!slash) p[la++] = '/';
    memcpy(p + la, b, lb + 1);
    return p;
}

int walk(const char *root, int max_depth, size_t max_entries, walk_fn fn, void *ctx, walk_stats *st)
{
    memset(st, 0, sizeof *st);
    if (max_depth <= 0 || max_depth > WALK_MAX_DEPTH) max_depth = WALK_MAX_DEPTH;
    DIR *d0 = opendir(root);
    if (!d0) return -1;
    closedir(d0);
    size_t root_len = strlen(root);
    size_t rel_off = root_len + (root_len > 0 && root[root_len - 1] == '/' ? 0 : 1);
    frame *stack = NULL;
    size_t sp = 0, cap = 0;
    bool stop = false;
    char *rp = strdup(root);
    if (!rp) return -1;
    stack = malloc(16 * sizeof *stack);
    if (!stack) { free(rp); return -1; }
    cap = 16;
    stack[sp++] = (frame){rp, rel_off, 0};
    while (sp > 0 && !stop) {
        frame f = stack[--sp];
        DIR *d = opendir(f.path);
        if (!d) {
            st->unreadable++;
            free(f.path);
            continue;
        }
        item *items = NULL;
        size_t n = 0, icap = 0;
        struct dirent *e;
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            if (n == icap) {
                size_t nc = icap ? icap * 2 : 32;
                item *ni = realloc(items, nc * sizeof *ni);
                if (!ni) break;
                items = ni;
                icap = nc;
            }
            items[n].name = strdup(e->d_name);
            if (!items[n].name) break;
            items[n].type = e->d_type;
            n++;
        }
        closedir(d);
        if (n) qsort(items, n, sizeof *items, cmp_item);
        /* children pushed after the loop, in reverse, so they pop in order */
        size_t first_push = sp;
        for (size_t k = 0; k < n && !stop; k++) {
            char *full = join(f.path, items[k].name);
            if (!full) { stop = true; break; }
            unsigned char type = items[k].type;
            if (type == DT_UNKNOWN) {
                struct stat sb;
                if (lstat(full, &sb) == 0)
                    type = S_ISDIR(sb.st_mode) ? DT_DIR : S_ISLNK(sb.st_mode) ? DT_LNK : DT_REG;
            }
            bool is_dir = type == DT_DIR, is_link = type == DT_LNK;
            walk_entry we = {full, full + (strlen(full) >= f.rel_off ? f.rel_off : 0), items[k].name,
                             f.depth + 1, is_dir, is_link};
            if (st->entries >= max_entries) { st->capped = true; stop = true; free(full); break; }
            st->entries++;
            int r = fn(&we, ctx);
            if (r == WALK_STOP) { stop = true; free(full); break; }
            if (is_dir && r != WALK_SKIP) {
                if (f.depth + 1 >= max_depth) {
                    st->depth_capped = true;
                    free(full);
                    continue;
                }
                if (sp == cap) {
                    frame *ns = realloc(stack, cap * 2 * sizeof *ns);
                    if (!ns) { free(full); stop = true; break; }
                    stack = ns;
                    cap *= 2;
                }
                stack[sp++] = (frame){full, f.rel_off, f.depth + 1};
            } else {
                free(full);
            }
        }
        /* reverse the pushed children */
        for (size_t a = first_push, b = sp; b > a + 1; a++, b--) {
            frame t = stack[a];
            stack[a] = stack[b - 1];
            stack[b - 1] = t;
        }
        for (size_t k = 0; k < n; k++) free(items[k].name);
        free(items);
        free(f.path);
    }
    while (sp > 0) free(stack[--sp].path);
    free(stack);
    return 0;
}
