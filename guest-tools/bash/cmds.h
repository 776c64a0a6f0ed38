/* cmds.h: shared frame of the utility implementations (cmd_*.c and the
 * larger per-command files). A line filter (lf) hands every input line to
 * a callback from a resumable step; uslurp() reads every input fully
 * before running a command that needs all of it (tac, sort, diff, ...).
 */
#ifndef SH_CMDS_H
#define SH_CMDS_H

#include "sh.h"

typedef struct lf lf;
struct lf {
    ufiles f;
    /* p[0..n) is one line with its '\n' when present. Returns 0 to go on,
     * or status + 1 to finish now. */
    int (*line)(ucmd *u, lf *l, const char *p, size_t n);
    int (*end)(ucmd *u, lf *l);            /* after the last input; status */
    void (*file_start)(ucmd *u, lf *l);
    void (*file_end)(ucmd *u, lf *l);
    void *ctx;
    void (*free_ctx)(void *ctx);
};

lf *lf_new(void);
/* Installs l as u's step over the operands argv[first_file..]; returns -1. */
int lf_run(ucmd *u, lf *l, int first_file);
/* Installs l with l->f already set up; returns -1. */
int lf_install(ucmd *u, lf *l);
/* Reads files (or stdin when nfiles is 0; nothing when it is -1) fully,
 * then calls run with the bytes; returns -1. */
int uslurp(ucmd *u, char **files, int nfiles, int (*run)(ucmd *u, sx *data));
/* 10, 10K, 2M, 1G (powers of 1024), 3b (512-byte blocks). */
bool parse_size(const char *s, long long *out);

#define UTIL(name) int u_##name(ucmd *u);
#include "utils.def"
#undef UTIL

#endif
