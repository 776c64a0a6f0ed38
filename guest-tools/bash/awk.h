/* awk.h: internals of the awk utility (awk_parse.c builds the tree,
 * awk_run.c walks it). Values are numbers, strings or "strnums" (input
 * that looks numeric), with refcounted strings; variables are resolved to
 * global or local slots at parse time.
 */
#ifndef SH_AWK_H
#define SH_AWK_H

#include "cmds.h"
#include "regex.h"

typedef struct astr {
    int refs;
    size_t len;
    char s[];
} astr;

enum { AV_NUM = 1, AV_STR = 2, AV_STRNUM = 4 };

typedef struct aval {
    int flags;
    double n;
    astr *s;
} aval;

typedef struct amap amap;

/* A variable slot: a scalar or an array. */
typedef struct acell {
    aval v;
    amap *arr;
} acell;

enum anode_kind {
    /* expressions */
    E_NUM, E_STR, E_RE, E_VAR, E_LOCAL, E_FIELD, E_INDEX, E_ASSIGN, E_COND, E_AND, E_OR,
    E_NOT, E_BIN, E_CAT, E_CMP, E_MATCH, E_IN, E_INCDEC, E_NEG, E_PLUS, E_BUILTIN, E_CALL,
    E_GETLINE, E_GROUP,
    /* statements */
    S_PRINT, S_PRINTF, S_EXPR, S_IF, S_WHILE, S_DO, S_FOR, S_FORIN, S_BLOCK, S_NEXT,
    S_NEXTFILE, S_EXIT, S_RETURN, S_BREAK, S_CONTINUE, S_DELETE
};

typedef struct anode anode;
struct anode {
    int kind;
    int op;          /* operator char / builtin id / getline kind / redirect kind */
    double num;
    astr *str;
    rx *re;
    int slot;        /* variable slot / function index */
    anode *a, *b, *c, *d; /* operands; lists chain through next */
    anode *next;
    int nargs;
};

typedef struct afunc {
    char *name;
    int nparams;
    char **params;
    anode *body;
    bool defined;
} afunc;

typedef struct aprog {
    anode *begin, *end;      /* lists of S_BLOCK */
    anode *rules;            /* pattern-action list: a = pattern(s), b = action */
    afunc *funcs;
    int nfuncs;
    char **globals;          /* names of global slots */
    int nglobals;
    bool has_getline;
} aprog;

/* Builtin ids. */
enum {
    B_LENGTH, B_SUBSTR, B_INDEX, B_SPLIT, B_SUB, B_GSUB, B_MATCH, B_SPRINTF, B_SIN, B_COS,
    B_ATAN2, B_EXP, B_LOG, B_SQRT, B_INT, B_RAND, B_SRAND, B_TOLOWER, B_TOUPPER, B_SYSTEM,
    B_CLOSE, B_FFLUSH
};

/* Special global slots, fixed order at the start of the table. */
enum { G_NR, G_NF, G_FNR, G_FS, G_OFS, G_ORS, G_RS, G_FILENAME, G_SUBSEP, G_RSTART, G_RLENGTH,
       G_CONVFMT, G_OFMT, G_ENVIRON, G_ARGC, G_ARGV, G_NSPECIAL };

astr *astr_new(const char *s, size_t n);
void astr_unref(astr *s);

/* Parses program text; NULL after printing an error through u. */
aprog *awk_parse(ucmd *u, const char *src, size_t n);
void awk_free(aprog *p);
/* Global slot of a name (creating it). */
int awk_global(aprog *p, const char *name);

#endif
