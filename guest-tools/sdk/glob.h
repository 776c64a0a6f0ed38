/* glob: path-pattern matching for the glob and grep tools.
 *
 * A pattern is brace-expanded ({a,b}, nested, capped) into alternatives,
 * each compiled to a token list and matched by simulating it as an NFA
 * over the path (a bit set of token positions), so matching is linear in
 * the path for any pattern. Syntax: star (not across a slash), two stars (any
 * depth, and "a/<two stars>/b" also matches "a/b"), ?, [abc], [a-z], [!x] / [^x],
 * `\` escapes.
 */
#ifndef BX_GUEST_GLOB_H
#define BX_GUEST_GLOB_H

#include <stdbool.h>
#include <stddef.h>

typedef struct glob_pat glob_pat;

#define GLOB_MAX_PATTERN 4096
#define GLOB_MAX_ALTERNATIVES 256

/* NULL on a bad pattern, with a message in err. */
glob_pat *glob_compile(const char *pattern, char *err, size_t err_cap);
void glob_free(glob_pat *g);
/* Matches the whole path (no leading '/'). */
bool glob_match(const glob_pat *g, const char *path, size_t len);
/* True when some alternative contains "**" or a '/' (it needs to see
 * paths below the top level). */
bool glob_recursive(const glob_pat *g);
/* Largest number of '/'-separated components any alternative can match
 * (-1 when unbounded). */
int glob_max_depth(const glob_pat *g);

#endif
