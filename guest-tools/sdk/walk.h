/* walk: depth-first directory traversal for the glob, grep and ls tools.
 * Iterative (an explicit stack, never recursion), names sorted within each
 * directory so every host gives the same order, symbolic links reported but
 * never followed, depth and entry count capped. */
#ifndef BX_GUEST_WALK_H
#define BX_GUEST_WALK_H

#include <stdbool.h>
#include <stddef.h>

typedef struct walk_entry {
    const char *path; /* full guest path */
    const char *rel;  /* path relative to the walk's root ("" for nothing) */
    const char *name; /* last component */
    int depth;        /* 1 for the root's children */
    bool is_dir;
    bool is_link;
} walk_entry;

/* Return values of the callback. */
enum { WALK_CONTINUE = 0, WALK_SKIP = 1, WALK_STOP = 2 };

typedef int (*walk_fn)(const walk_entry *e, void *ctx);

typedef struct walk_stats {
    size_t entries;     /* entries reported */
    size_t unreadable;  /* directories that could not be opened */
    bool capped;        /* stopped at max_entries */
    bool depth_capped;  /* some directory lay below max_depth */
} walk_stats;

/* Walks below root (a directory). Directories are reported before their
 * contents; WALK_SKIP on a directory skips its contents. max_depth 0 means
 * 64. Returns 0, or -1 when root cannot be opened (errno set). */
int walk(const char *root, int max_depth, size_t max_entries, walk_fn fn, void *ctx, walk_stats *out_stats);

#endif
