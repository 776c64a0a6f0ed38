/* sh.h: internals of the sandboxed shell (the `bash` guest tool).
 *
 * One program holds the parser, the interpreter and every command. There are
 * no processes: utilities (cat, grep, sort, ...) are resumable state machines
 * that read from and write to in-memory pipes; shell code (loops, functions,
 * `read`, `xargs`) runs on the C stack and pulls from / pushes into those
 * pipes, which drives the neighbouring utilities. docs/shell.md explains the
 * scheduling; this header is shared by every file of guest-tools/bash/.
 */
#ifndef SH_H
#define SH_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct shell;

/* ---- limits (every size that comes from the script has a cap) ---- */
#define SH_MAX_STRING (64u << 20)     /* one expanded word / variable / line */
#define SH_MAX_PIPEBUF (64u << 20)    /* a pipe whose reader is shell code */
#define SH_PIPE_SOFT (64u << 10)      /* a pipe whose reader is a utility */
#define SH_MAX_FIELDS 2000000         /* words after expansion */
#define SH_MAX_FUNC_DEPTH 1000        /* nested function calls (FUNCNEST) */
#define SH_MAX_EVAL_DEPTH 200         /* nested subst / eval / source */
#define SH_MAX_PARSE_DEPTH 500        /* syntactic nesting */
#define SH_MAX_SCRIPT (16u << 20)     /* script text */
#define SH_TOOL_OUTPUT_CAP (16u << 20) /* tool-mode combined output */

/* ---- strings ---- */
/* A growable byte string, always NUL-terminated; s is never NULL after
 * sx_init. sx_take hands the string over and leaves b empty (s NULL): add
 * to it again or sx_free it. */
typedef struct sx {
    char *s;
    size_t len, cap;
} sx;
void sx_init(sx *b);
void sx_free(sx *b);
void sx_reset(sx *b);
void sx_add(sx *b, const char *p, size_t n);
void sx_addc(sx *b, char c);
void sx_adds(sx *b, const char *s);
void sx_printf(sx *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sx_vprintf(sx *b, const char *fmt, va_list ap);
char *sx_take(sx *b);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* A vector of owned strings (argv-like, NULL-terminated). */
typedef struct strv {
    char **v;
    int n, cap;
} strv;
void strv_push(strv *a, char *s); /* takes ownership */
void strv_free(strv *a);

/* ---- I/O objects ---- */
enum io_kind {
    IO_NULL, /* reads EOF, discards writes */
    IO_FD,   /* a host file descriptor (buffered both ways) */
    IO_PIPE, /* in-memory pipe between pipeline stages */
    IO_STR,  /* read-only bytes (here-documents, here-strings) */
    IO_CAP,  /* capture buffer: command substitution, tool output */
};

typedef struct ucmd ucmd;

typedef struct sh_io {
    int kind;
    int refs;
    int fd;                 /* IO_FD */
    bool own_fd;            /* close on release */
    bool eof;               /* IO_FD read side hit EOF */
    char *buf;              /* read buffer (FD/PIPE/STR) or write buffer */
    size_t off, len, cap;   /* unread data is buf[off..len) */
    char *wbuf;             /* IO_FD output buffer */
    size_t wlen;
    bool wclosed;           /* pipe: no more data will come */
    bool rclosed;           /* pipe: the reader is gone; writes fail */
    ucmd *writer, *reader;  /* pipe: utility ends (NULL: shell code) */
    size_t limit;           /* IO_CAP / IO_PIPE hard cap */
    bool truncated;         /* IO_CAP went over limit */
    bool overflow;          /* a write failed on the cap */
} sh_io;

sh_io *io_new(int kind);
sh_io *io_fd(int fd, bool own);
sh_io *io_str(const char *p, size_t n);
sh_io *io_ref(sh_io *io);
void io_unref(sh_io *io);
/* Writes; returns -1 when the reader is gone or a cap was hit. */
int io_write(struct shell *sh, sh_io *io, const char *p, size_t n);
void io_flush(sh_io *io);
/* Data available without waiting; result codes below. */
enum { IN_DATA = 0, IN_EOF = 1, IN_NEED = 2 };
int io_avail(sh_io *io, const char **p, size_t *n);
void io_consume(sh_io *io, size_t n);
/* Like io_avail but for a full line (including '\n' when present). */
int io_line(sh_io *io, const char **p, size_t *n);
/* Shell code reading: drives upstream utilities until data or EOF. */
int io_pull_avail(struct shell *sh, sh_io *io, const char **p, size_t *n);
int io_pull_line(struct shell *sh, sh_io *io, const char **p, size_t *n);
/* Reads everything (pulling) into out; returns 0 or -1 on a cap. */
int io_pull_all(struct shell *sh, sh_io *io, sx *out);

/* ---- utilities: resumable commands ---- */
enum { U_MORE = 0, U_NEED = 1, U_DONE = 2 };

typedef int (*ustep_fn)(ucmd *u);

struct ucmd {
    struct shell *sh;
    const char *name;
    int argc;
    char **argv;      /* owned copy */
    sh_io *in, *out, *err;
    void *st;         /* per-command state */
    ustep_fn step;
    void (*fini)(ucmd *u);
    void *ext;        /* options of commands that run later (sort, jq, ...) */
    void (*ext_free)(void *ext);
    int status;
    bool done, running, sigpipe;
};

/* A utility's entry: parses options, does run-once work, or installs step.
 * Returns the exit status when finished, or -1 when step must run. */
typedef int (*ustart_fn)(ucmd *u);

typedef struct util_def {
    const char *name;
    ustart_fn start;
} util_def;

const util_def *util_find(const char *name);
void util_list(sx *out); /* names of every command, sorted, space-separated */

/* stage: u becomes the writer of `out` / reader of `in` when they are pipes. */
ucmd *ucmd_new(struct shell *sh, const util_def *d, int argc, char **argv, sh_io *in,
               sh_io *out, sh_io *err, bool stage);
void ucmd_free(ucmd *u);
int ucmd_step(ucmd *u);      /* one step with NEED handling by the caller */
void ucmd_finish(ucmd *u);   /* runs to the end, pulling input */
int ucmd_run(struct shell *sh, const util_def *d, int argc, char **argv); /* sync */

/* Helpers for utilities. */
int uwrite(ucmd *u, const char *p, size_t n);
int uputs(ucmd *u, const char *s);
int uprintf(ucmd *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void uerr(ucmd *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int udone(ucmd *u, int status);
/* Input over file operands ("-" or none = stdin). */
typedef struct ufiles {
    char **names;
    int n, i;
    sh_io *cur;        /* current input (a file, or u->in) */
    const char *curname;
    bool cur_is_stdin;
    int status;        /* 1 after any open error */
} ufiles;
void uf_init(ufiles *f, char **names, int n);
/* Ensures f->cur is open; returns 0, or 1 when every input is done. */
int uf_next(ucmd *u, ufiles *f);
void uf_close(ufiles *f);
void uf_free(ufiles *f);
/* Reads a line from the current input of f (see io_line). */
int uf_line(ucmd *u, ufiles *f, const char **p, size_t *n);

/* Option parsing (getopt-like, restartable per utility). */
typedef struct uopt {
    int ind;        /* next argv index */
    int pos;        /* position inside a clustered option */
    const char *arg;
    int opt;
} uopt;
/* spec like "nf:v" (':' = takes argument). Returns the option char, 0 at
 * the end of options, '?' after printing an error. Long options are passed
 * as a string through longs: "name=c" or "name:=c" (argument). */
int uopt_next(ucmd *u, uopt *o, const char *spec, const char *const *longs);

/* The output of a <(cmd) named by path ("/dev/fd/6N"), or NULL. */
const sx *sh_vfile(struct shell *sh, const char *path);
/* Reads a whole file as the shell sees it; 0 or -1 (errno set). */
int sh_read_file(struct shell *sh, const char *path, sx *out, size_t cap);
/* Resolves a path against the shell's cwd to an absolute, normalised path. */
char *sh_abspath(struct shell *sh, const char *path);
/* File API on shell paths. */
int sh_open(struct shell *sh, const char *path, int flags, int mode);

/* ---- variables ---- */
enum { V_EXPORT = 1, V_READONLY = 2, V_INTEGER = 4 };
typedef struct var {
    char *name, *value;
    int flags;
    struct var *next;
} var;
typedef struct vartab {
    var **b;
    size_t nb, n;
} vartab;

/* ---- the parse tree ---- */
typedef struct word {
    char *text;   /* raw source text, quotes included */
    int line;
} word;

enum redir_op {
    R_IN, R_OUT, R_CLOBBER, R_APPEND, R_INOUT, R_DUPIN, R_DUPOUT, R_HEREDOC,
    R_HERESTR, R_ALL, R_ALLAPPEND
};
typedef struct redir {
    int fd;             /* -1 = default for the op */
    int op;
    word target;        /* file, fd number, or here-doc body */
    bool here_quoted;   /* here-doc delimiter was quoted: no expansion */
    struct redir *next;
} redir;

enum node_kind {
    N_CMD, N_PIPE, N_AND, N_OR, N_LIST, N_SUBSHELL, N_GROUP, N_IF, N_WHILE, N_UNTIL,
    N_FOR, N_CASE, N_FUNC, N_ARITH, N_COND, N_ARFOR
};

typedef struct node node;
typedef struct case_item {
    word *pats;
    int npats;
    node *body;
    int term; /* 0 ;;  1 ;&  2 ;;& */
    struct case_item *next;
} case_item;

struct node {
    int kind;
    int line;
    redir *redirs;
    union {
        struct { word *assigns; int nassign; word *args; int nargs; } cmd;
        struct { node **v; int n; bool bang; } pipe;
        struct { node *l, *r; } bin;                       /* AND, OR */
        struct { node **v; bool *async; int n; } list;
        struct { node *body; } sub;                        /* SUBSHELL, GROUP */
        struct { node *cond, *then, *els; } ifn;
        struct { node *cond, *body; } loop;                /* WHILE, UNTIL */
        struct { char *var; word *words; int nwords; bool in; node *body; } forn;
        struct { word subject; case_item *items; } casen;
        struct { char *name; node *body; } func;
        struct { word expr; } arith;                       /* (( expr )) */
        struct { word *w; int n; } cond;                   /* [[ ... ]] */
        struct { word init, test, step; node *body; } arfor; /* for ((;;)) */
    } u;
};

/* Parse arena: nodes and strings of one parse; refcounted because function
 * definitions keep parts of it alive. */
typedef struct arena {
    struct ablock *blocks;
    int refs;
} arena;
void *arena_alloc(arena *a, size_t n);
char *arena_strndup(arena *a, const char *s, size_t n);
arena *arena_new(void);
void arena_unref(arena *a);

typedef struct parse_err {
    int line;
    char msg[256];
} parse_err;
/* Parses a whole script. NULL on error (err filled); *out_empty when the
 * script holds no command. */
node *sh_parse(arena *a, const char *src, size_t len, int first_line, parse_err *err);
/* Incremental form: sh_parse_one gives the next top-level command (1), the
 * end (0) or a syntax error (-1, err filled). */
typedef struct sh_parser sh_parser;
sh_parser *sh_parser_new(arena *a, const char *src, size_t len, int first_line, parse_err *err);
int sh_parse_one(sh_parser *p, node **out);
void sh_parser_free(sh_parser *p);
bool sh_is_name(const char *s, size_t n);
/* Finds the end of a nested construct starting at s[i] (just after its
 * opener): open is '(' for $( ), '{' for ${ }, 'A' for $(( )), '`', '"',
 * '\'' or '$' for $'...'. Returns the index after the closer, n if none. */
size_t sh_scan_end(const char *s, size_t n, size_t i, char open);

/* ---- the shell ---- */
enum ctl { CTL_NONE, CTL_BREAK, CTL_CONTINUE, CTL_RETURN, CTL_EXIT };

typedef struct func {
    char *name;
    node *body;
    arena *ar;
    struct func *next;
} func;

typedef struct local_save {
    char *name;
    char *value;   /* NULL: was unset */
    int flags;
    struct local_save *next;
} local_save;

typedef struct shell {
    vartab vars;
    func *funcs;
    char *cwd;                 /* absolute, normalised */
    strv pos;                  /* positional parameters ($1..) */
    char *arg0;                /* $0 */
    int status;                /* $? */
    int subst_status;          /* status of the last $( ) of this command */
    int pipestatus[64];
    int npipestatus;
    sh_io *fd[10];
    /* options */
    bool opt_e, opt_u, opt_x, opt_pipefail, opt_f, opt_n, opt_v, opt_C, opt_a;
    bool nullglob, dotglob, globstar; /* shopt */
    int noerrexit;             /* >0 inside a condition: set -e is off */
    /* control flow */
    int ctl;                   /* enum ctl */
    int ctl_n;                 /* break/continue count */
    int exit_status;           /* status carried by CTL_EXIT/RETURN */
    bool fatal;                /* unrecoverable (limit, timeout): unwind all */
    int loop_depth, func_depth, eval_depth, sub_depth;
    local_save *locals;        /* innermost function's saved variables */
    int lineno;
    /* limits */
    uint64_t deadline_ms;      /* 0 = none: the whole run (fatal) */
    uint64_t soft_deadline_ms; /* `timeout`: stops only its command */
    bool timed_out;            /* the soft deadline passed: unwinding */
    uint64_t checks;
    size_t out_cap;
    /* tool mode */
    bool tool_mode;
    sh_io *tool_out;
    long bg_pid;
    char *stack_base;          /* address of a local in main: stack guard */
    sx vfile[8];               /* <(cmd) outputs, named /dev/fd/60.. (round robin) */
    int nvfile;
    unsigned rand_state;
} shell;

void sh_init(shell *sh, int argc, char **argv);
void sh_release(shell *sh);
/* Runs script text; returns the exit status. */
int sh_run_string(shell *sh, const char *src, size_t len, const char *what);
int sh_exec(shell *sh, node *n);
/* Runs argv as a command (function, builtin or utility) in this shell. */
int sh_exec_argv(shell *sh, int argc, char **argv);
/* Runs script text in a subshell with $0 and positional parameters. */
int sh_run_script(shell *sh, const char *src, size_t len, const char *arg0, int argc, char **argv);
/* Runs a script file named by a path (./x.sh); 126/127 when it cannot. */
int sh_run_script_file(shell *sh, int argc, char **argv);
/* Errors and checks. */
void sh_errf(shell *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sh_fatal(shell *sh, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* An error that ends the current (sub)shell, like `exit status`. */
void sh_exit_error(shell *sh, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* False (after a fatal message) once the C stack is deeper than the cap:
 * every recursive walker calls it, so no input can overflow the stack. */
bool sh_stack_ok(shell *sh);
#define SH_MAX_STACK (3u << 20)
bool sh_check(shell *sh); /* false once the script must stop (timeout, fatal) */
uint64_t sh_now_ms(void);
/* Writes to the shell's fd n (1 = stdout, 2 = stderr). */
void sh_write(shell *sh, int fd, const char *p, size_t n);
void sh_puts(shell *sh, int fd, const char *s);
void sh_printf(shell *sh, int fd, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Variables. */
const char *var_get(shell *sh, const char *name);
var *var_lookup(shell *sh, const char *name);
int var_set(shell *sh, const char *name, const char *value, int flags);
int var_unset(shell *sh, const char *name);
void var_export_list(shell *sh, strv *out); /* "NAME=value", sorted */
void vartab_copy(vartab *dst, const vartab *src);
void vartab_free(vartab *t);
void var_iter(shell *sh, void (*fn)(var *v, void *ctx), void *ctx);
void local_declare(shell *sh, const char *name);
void func_set(shell *sh, const char *name, node *body, arena *ar);
func *func_get(shell *sh, const char *name);
void func_unset(shell *sh, const char *name);

/* Subshell state snapshots. */
typedef struct sh_snap sh_snap;
sh_snap *sh_snap_take(shell *sh);
void sh_snap_restore(shell *sh, sh_snap *s);

/* Expansion. */
enum { EX_NOSPLIT = 1, EX_NOGLOB = 2, EX_ASSIGN = 4, EX_PATTERN = 8, EX_HEREDOC = 16 };
/* Expands words into fields (split + globbed). Returns 0, or -1 on error. */
int expand_words(shell *sh, word *w, int n, strv *out);
/* Expands one word to one string (no split, no glob). */
int expand_str(shell *sh, const char *text, int flags, char **out);
/* Expands a pattern word: quoted characters are escaped with backslash. */
int expand_pattern(shell *sh, const char *text, char **out);
/* Runs text as a command substitution; output with trailing newlines gone. */
int sh_cmdsubst(shell *sh, const char *src, size_t len, sx *out);
/* Arithmetic. */
int arith_eval(shell *sh, const char *expr, long long *out);
/* Glob matching (shell patterns, backslash escapes). */
bool pat_match(const char *pat, const char *s, size_t slen);
bool pat_has_magic(const char *pat);
int glob_expand(shell *sh, const char *pat, strv *out); /* 0 = matched something */
/* test / [ / [[ evaluation. */
int test_eval(shell *sh, ucmd *u, int argc, char **argv, bool dbl);

/* Builtins that run in the shell itself (state-changing or stdin-reading). */
typedef int (*builtin_fn)(shell *sh, int argc, char **argv);
builtin_fn builtin_find(const char *name);
bool builtin_is_special(const char *name);
void builtin_list(sx *out);
int b_xargs(shell *sh, int argc, char **argv);
int b_env(shell *sh, int argc, char **argv);
int b_printenv(shell *sh, int argc, char **argv);
int b_which(shell *sh, int argc, char **argv);
int b_timeout(shell *sh, int argc, char **argv);

/* Number parsing helper: strict decimal, returns false on junk. */
bool parse_ll(const char *s, long long *out);
/* Formats like printf(1) into out; returns the count of arguments used. */
int sh_format(shell *sh, ucmd *u, const char *fmt, int argc, char **argv, sx *out, bool *stop);
/* Errno text without relying on the libc's wording. */
const char *sh_strerror(int e);

#endif
