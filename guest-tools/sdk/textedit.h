/* textedit: literal search-and-replace and a unified-diff snippet, shared by
 * the edit and multi_edit tools. */
#ifndef BX_GUEST_TEXTEDIT_H
#define BX_GUEST_TEXTEDIT_H

#include "json.h"

#include <stdbool.h>
#include <stddef.h>

/* Non-overlapping occurrences of needle (nlen > 0) in hay. */
size_t te_count(const char *hay, size_t hlen, const char *needle, size_t nlen);
/* hay with the first (or every) occurrence of old replaced by rep; a new
 * malloc'd NUL-terminated buffer, NULL when out of memory. */
char *te_replace(const char *hay, size_t hlen, const char *old, size_t olen, const char *rep,
                 size_t rlen, bool all, size_t *out_len);
/* Appends a unified diff of a -> b (one hunk around the changed lines,
 * `context` lines either side, at most max_lines lines of hunk body). */
void te_diff(sb *out, const char *path, const char *a, size_t alen, const char *b, size_t blen,
             int context, int max_lines);

#endif
