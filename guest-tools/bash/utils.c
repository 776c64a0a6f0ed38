/* utils.c: the table of utilities (every command that is not a builtin),
 * generated from utils.def, looked up by name with a binary search.
 */
#include "cmds.h"

#include <stdlib.h>
#include <string.h>

static util_def table[] = {
#define UTIL(name) {#name, u_##name},
#include "utils.def"
#undef UTIL
};

static int cmp(const void *a, const void *b)
{
    return strcmp(((const util_def *)a)->name, ((const util_def *)b)->name);
}

static bool sorted;

const util_def *util_find(const char *name)
{
    size_t n = sizeof table / sizeof table[0];
    if (!sorted) {
        qsort(table, n, sizeof table[0], cmp);
        sorted = true;
    }
    util_def key = {name, NULL};
    return bsearch(&key, table, n, sizeof table[0], cmp);
}

void util_list(sx *out)
{
    util_find("");
    size_t n = sizeof table / sizeof table[0];
    for (size_t i = 0; i < n; i++) {
        if (i)
            sx_addc(out, ' ');
        sx_adds(out, table[i].name);
    }
}
