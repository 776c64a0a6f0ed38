/* builtins.c: commands that run inside the shell itself because they change
 * its state or read its stdin line by line: cd, export, read, set, exit,
 * source, eval, local, shift, getopts, trap, echo, printf, test and friends.
 *
 * Each takes (sh, argc, argv) and returns an exit status; output goes
 * through sh_write so it reaches whatever fd 1 is (a pipe, a capture, the
 * tool's output buffer).
 */
#include "sh.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void berr(shell *sh, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void berr(shell *sh, const char *name, const char *fmt, ...)
{
    sx b;
    sx_init(&b);
    sx_printf(&b, "bash: line %d: %s: ", sh->lineno, name);
    va_list ap;
    va_start(ap, fmt);
    sx_vprintf(&b, fmt, ap);
    va_end(ap);
    sx_addc(&b, '\n');
    io_write(sh, sh->fd[2], b.s, b.len);
    sx_free(&b);
}

static int b_true(shell *sh, int argc, char **argv)
{
    (void)sh, (void)argc, (void)argv;
    return 0;
}

static int b_false(shell *sh, int argc, char **argv)
{
    (void)sh, (void)argc, (void)argv;
    return 1;
}

static int b_cd(shell *sh, int argc, char **argv)
{
    int i = 1;
    while (i < argc && (strcmp(argv[i], "-L") == 0 || strcmp(argv[i], "-P") == 0))
        i++;
    if (i < argc && strcmp(argv[i], "--") == 0)
        i++;
    const char *dir;
    bool print = false;
    if (i >= argc) {
        dir = var_get(sh, "HOME");
        if (!dir) {
            berr(sh, "cd", "HOME not set");
            return 1;
        }
    } else if (argc - i > 1) {
        berr(sh, "cd", "too many arguments");
        return 1;
    } else if (strcmp(argv[i], "-") == 0) {
        dir = var_get(sh, "OLDPWD");
        if (!dir) {
            berr(sh, "cd", "OLDPWD not set");
            return 1;
        }
        print = true;
    } else {
        dir = argv[i];
    }
    if (!dir[0])
        return 0;
    char *abs = sh_abspath(sh, dir);
    struct stat st;
    if (stat(abs, &st) != 0) {
        berr(sh, "cd", "%s: %s", dir, sh_strerror(errno));
        free(abs);
        return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
        berr(sh, "cd", "%s: Not a directory", dir);
        free(abs);
        return 1;
    }
    var_set(sh, "OLDPWD", sh->cwd, 0);
    free(sh->cwd);
    sh->cwd = abs;
    var_set(sh, "PWD", abs, 0);
    if (print)
        sh_printf(sh, 1, "%s\n", abs);
    return 0;
}

static int b_pwd(shell *sh, int argc, char **argv)
{
    (void)argc, (void)argv;
    sh_printf(sh, 1, "%s\n", sh->cwd);
    return 0;
}

static void print_var_decl(shell *sh, const char *prefix, var *v)
{
    sx b;
    sx_init(&b);
    sx_adds(&b, prefix);
    sx_adds(&b, v->name);
    if (v->value) {
        sx_adds(&b, "=\"");
        for (const char *p = v->value; *p; p++) {
            if (strchr("\"\\$`", *p))
                sx_addc(&b, '\\');
            sx_addc(&b, *p);
        }
        sx_addc(&b, '"');
    }
    sx_addc(&b, '\n');
    sh_write(sh, 1, b.s, b.len);
    sx_free(&b);
}

static int cmpvar(const void *a, const void *b)
{
    return strcmp((*(var *const *)a)->name, (*(var *const *)b)->name);
}

typedef struct vcollect {
    var **v;
    int n, cap;
    int need;
} vcollect;

static void collect(var *v, void *ctx)
{
    vcollect *c = ctx;
    if (c->need && !(v->flags & c->need))
        return;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->v = xrealloc(c->v, sizeof *c->v * (size_t)c->cap);
    }
    c->v[c->n++] = v;
}

static void list_vars(shell *sh, int need, const char *prefix)
{
    vcollect c = {0};
    c.need = need;
    var_iter(sh, collect, &c);
    if (c.n)
        qsort(c.v, (size_t)c.n, sizeof *c.v, cmpvar);
    for (int i = 0; i < c.n; i++) {
        if (prefix) {
            print_var_decl(sh, prefix, c.v[i]);
        } else if (c.v[i]->value) {
            sx b;
            sx_init(&b);
            sx_adds(&b, c.v[i]->name);
            sx_addc(&b, '=');
            const char *val = c.v[i]->value;
            bool plain = *val != 0;
            for (const char *p = val; *p; p++)
                if (!(isalnum((unsigned char)*p) || strchr("_-./:,+%@", *p)))
                    plain = false;
            if (plain) {
                sx_adds(&b, val);
            } else {
                sx_addc(&b, '\'');
                for (const char *p = val; *p; p++) {
                    if (*p == '\'')
                        sx_adds(&b, "'\\''");
                    else
                        sx_addc(&b, *p);
                }
                sx_addc(&b, '\'');
            }
            sx_addc(&b, '\n');
            sh_write(sh, 1, b.s, b.len);
            sx_free(&b);
        }
    }
    free(c.v);
}

/* NAME[=value] arguments of export / readonly / local / declare. */
static int assign_args(shell *sh, const char *who, int argc, char **argv, int i, int flags,
                       bool local, bool unexport)
{
    int st = 0;
    for (; i < argc; i++) {
        const char *a = argv[i];
        const char *eq = strchr(a, '=');
        size_t nl = eq ? (size_t)(eq - a) : strlen(a);
        bool append = eq && nl > 0 && a[nl - 1] == '+';
        if (append)
            nl--;
        if (!sh_is_name(a, nl)) {
            berr(sh, who, "`%s': not a valid identifier", a);
            st = 1;
            continue;
        }
        char *name = xstrndup(a, nl);
        if (local)
            local_declare(sh, name);
        if (eq) {
            const char *val = eq + 1;
            char *joined = NULL;
            if (append) {
                const char *old = var_get(sh, name);
                sx b;
                sx_init(&b);
                sx_adds(&b, old ? old : "");
                sx_adds(&b, val);
                joined = sx_take(&b);
                val = joined;
            }
            if (var_set(sh, name, val, flags) != 0)
                st = 1;
            free(joined);
        } else {
            var *v = var_lookup(sh, name);
            if (v)
                v->flags |= flags;
            else if (local || flags)
                var_set(sh, name, local ? "" : NULL, flags);
            if (local && v == NULL) {
                /* `local x` leaves x set to empty in bash only with a value;
                 * keep it unset but scoped */
                var *nv = var_lookup(sh, name);
                if (nv) {
                    free(nv->value);
                    nv->value = NULL;
                }
            }
        }
        if (unexport) {
            var *v = var_lookup(sh, name);
            if (v)
                v->flags &= ~V_EXPORT;
        }
        free(name);
    }
    return st;
}

static int b_export(shell *sh, int argc, char **argv)
{
    int i = 1;
    bool unexport = false, print = false;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        for (const char *p = argv[i] + 1; *p; p++) {
            if (*p == 'n')
                unexport = true;
            else if (*p == 'p')
                print = true;
            else if (*p != 'f') {
                berr(sh, "export", "-%c: invalid option", *p);
                return 2;
            }
        }
    }
    if (i >= argc || print) {
        list_vars(sh, V_EXPORT, "declare -x ");
        return 0;
    }
    return assign_args(sh, "export", argc, argv, i, unexport ? 0 : V_EXPORT, false, unexport);
}

static int b_readonly(shell *sh, int argc, char **argv)
{
    int i = 1;
    while (i < argc && argv[i][0] == '-' && argv[i][1])
        i++;
    if (i >= argc) {
        list_vars(sh, V_READONLY, "declare -r ");
        return 0;
    }
    return assign_args(sh, "readonly", argc, argv, i, V_READONLY, false, false);
}

static int b_declare(shell *sh, int argc, char **argv)
{
    int i = 1, flags = 0;
    bool print = false, global = false, unexport = false;
    for (; i < argc && (argv[i][0] == '-' || argv[i][0] == '+') && argv[i][1]; i++) {
        bool plus = argv[i][0] == '+';
        for (const char *p = argv[i] + 1; *p; p++) {
            switch (*p) {
            case 'x':
                if (plus)
                    unexport = true;
                else
                    flags |= V_EXPORT;
                break;
            case 'r': flags |= V_READONLY; break;
            case 'i': flags |= V_INTEGER; break;
            case 'p': print = true; break;
            case 'g': global = true; break;
            case 'l': case 'u': case 't': case 'f': case 'F': break;
            case 'a':
            case 'A':
                berr(sh, argv[0], "-%c: arrays are not supported by this shell", *p);
                return 2;
            default:
                berr(sh, argv[0], "-%c: invalid option", *p);
                return 2;
            }
        }
    }
    if (i >= argc) {
        list_vars(sh, flags, print || flags ? "declare -- " : NULL);
        return 0;
    }
    if (print) {
        int st = 0;
        for (; i < argc; i++) {
            var *v = var_lookup(sh, argv[i]);
            if (!v) {
                berr(sh, argv[0], "%s: not found", argv[i]);
                st = 1;
            } else {
                print_var_decl(sh, v->flags & V_EXPORT ? "declare -x " : "declare -- ", v);
            }
        }
        return st;
    }
    bool local = sh->func_depth > 0 && !global;
    return assign_args(sh, argv[0], argc, argv, i, flags, local, unexport);
}

static int b_local(shell *sh, int argc, char **argv)
{
    if (sh->func_depth == 0) {
        berr(sh, "local", "can only be used in a function");
        return 1;
    }
    int i = 1;
    while (i < argc && argv[i][0] == '-' && argv[i][1])
        i++;
    return assign_args(sh, "local", argc, argv, i, 0, true, false);
}

static int b_unset(shell *sh, int argc, char **argv)
{
    bool funcs = false, vars_only = false;
    int i = 1, st = 0;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (strcmp(argv[i], "-f") == 0)
            funcs = true;
        else if (strcmp(argv[i], "-v") == 0)
            vars_only = true;
        else if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        } else {
            berr(sh, "unset", "%s: invalid option", argv[i]);
            return 2;
        }
    }
    for (; i < argc; i++) {
        if (funcs) {
            func_unset(sh, argv[i]);
            continue;
        }
        if (!sh_is_name(argv[i], strlen(argv[i]))) {
            berr(sh, "unset", "`%s': not a valid identifier", argv[i]);
            st = 1;
            continue;
        }
        if (var_lookup(sh, argv[i]) || vars_only) {
            if (var_unset(sh, argv[i]) != 0)
                st = 1;
        } else {
            func_unset(sh, argv[i]);
        }
    }
    return st;
}

static bool set_option(shell *sh, const char *name, bool on)
{
    struct { const char *name; bool *flag; } opts[] = {
        {"errexit", &sh->opt_e}, {"nounset", &sh->opt_u}, {"xtrace", &sh->opt_x},
        {"pipefail", &sh->opt_pipefail}, {"noglob", &sh->opt_f}, {"noclobber", &sh->opt_C},
        {"allexport", &sh->opt_a}, {"verbose", &sh->opt_v}, {"noexec", &sh->opt_n},
    };
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        if (strcmp(opts[i].name, name) == 0) {
            *opts[i].flag = on;
            return true;
        }
    /* accepted and without effect here */
    static const char *const quiet[] = {"posix", "monitor", "hashall", "braceexpand",
                                        "histexpand", "history", "emacs", "vi",
                                        "interactive-comments", "ignoreeof", "notify",
                                        "physical", "keyword", "onecmd", "nolog", NULL};
    for (int i = 0; quiet[i]; i++)
        if (strcmp(quiet[i], name) == 0)
            return true;
    return false;
}

static int b_set(shell *sh, int argc, char **argv)
{
    if (argc == 1) {
        list_vars(sh, 0, NULL);
        return 0;
    }
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            goto positional;
        }
        if ((a[0] != '-' && a[0] != '+') || !a[1]) {
            if (strcmp(a, "-") == 0) {
                sh->opt_x = false;
                sh->opt_v = false;
                i++;
            }
            goto positional;
        }
        bool on = a[0] == '-';
        for (const char *p = a + 1; *p; p++) {
            switch (*p) {
            case 'e': sh->opt_e = on; break;
            case 'u': sh->opt_u = on; break;
            case 'x': sh->opt_x = on; break;
            case 'f': sh->opt_f = on; break;
            case 'C': sh->opt_C = on; break;
            case 'a': sh->opt_a = on; break;
            case 'v': sh->opt_v = on; break;
            case 'n': break;
            case 'h': case 'm': case 'B': case 'H': case 'b': case 'T': case 'E': case 'P': break;
            case 'o':
                if (i + 1 >= argc) {
                    static const char *const names[] = {"errexit", "noglob", "noclobber", "nounset",
                                                        "pipefail", "xtrace", NULL};
                    bool vals[] = {sh->opt_e, sh->opt_f, sh->opt_C, sh->opt_u, sh->opt_pipefail, sh->opt_x};
                    for (int k = 0; names[k]; k++)
                        sh_printf(sh, 1, "%-15s\t%s\n", names[k], vals[k] ? "on" : "off");
                    return 0;
                }
                if (!set_option(sh, argv[++i], on)) {
                    berr(sh, "set", "%s: invalid option name", argv[i]);
                    return 2;
                }
                break;
            default:
                berr(sh, "set", "-%c: invalid option", *p);
                return 2;
            }
        }
    }
    return 0;
positional:
    strv_free(&sh->pos);
    for (; i < argc; i++)
        strv_push(&sh->pos, xstrdup(argv[i]));
    return 0;
}

static int b_shift(shell *sh, int argc, char **argv)
{
    long long n = 1;
    if (argc > 1 && !parse_ll(argv[1], &n)) {
        berr(sh, "shift", "%s: numeric argument required", argv[1]);
        return 1;
    }
    if (n < 0 || n > sh->pos.n)
        return 1;
    for (int i = 0; i < n; i++)
        free(sh->pos.v[i]);
    memmove(sh->pos.v, sh->pos.v + n, sizeof(char *) * (size_t)(sh->pos.n - n + 1));
    sh->pos.n -= (int)n;
    return 0;
}

static int b_exit(shell *sh, int argc, char **argv)
{
    long long n = sh->status;
    if (argc > 1 && !parse_ll(argv[1], &n)) {
        berr(sh, "exit", "%s: numeric argument required", argv[1]);
        n = 2;
    }
    sh->ctl = CTL_EXIT;
    sh->exit_status = (int)(n & 255);
    return sh->exit_status;
}

static int b_return(shell *sh, int argc, char **argv)
{
    long long n = sh->status;
    if (argc > 1 && !parse_ll(argv[1], &n)) {
        berr(sh, "return", "%s: numeric argument required", argv[1]);
        n = 2;
    }
    if (sh->func_depth == 0 && sh->eval_depth == 0 && !var_lookup(sh, "BASH_SOURCE_DEPTH")) {
        berr(sh, "return", "can only `return' from a function or sourced script");
        return 1;
    }
    sh->ctl = CTL_RETURN;
    sh->exit_status = (int)(n & 255);
    return sh->exit_status;
}

static int loopctl(shell *sh, int argc, char **argv, int kind)
{
    long long n = 1;
    if (argc > 1 && (!parse_ll(argv[1], &n) || n < 1)) {
        berr(sh, argv[0], "%s: loop count out of range", argv[1]);
        return 1;
    }
    if (sh->loop_depth == 0) {
        berr(sh, argv[0], "only meaningful in a `for', `while', or `until' loop");
        return 0;
    }
    if (n > sh->loop_depth)
        n = sh->loop_depth;
    sh->ctl = kind;
    sh->ctl_n = (int)n;
    return 0;
}

static int b_break(shell *sh, int argc, char **argv)
{
    return loopctl(sh, argc, argv, CTL_BREAK);
}

static int b_continue(shell *sh, int argc, char **argv)
{
    return loopctl(sh, argc, argv, CTL_CONTINUE);
}

static int b_eval(shell *sh, int argc, char **argv)
{
    sx b;
    sx_init(&b);
    for (int i = 1; i < argc; i++) {
        if (i > 1)
            sx_addc(&b, ' ');
        sx_adds(&b, argv[i]);
    }
    if (sh->eval_depth >= SH_MAX_EVAL_DEPTH) {
        sx_free(&b);
        sh_fatal(sh, 1, "eval: nesting too deep");
        return 1;
    }
    sh->eval_depth++;
    int st = sh_run_string(sh, b.s, b.len, "eval");
    sh->eval_depth--;
    sx_free(&b);
    return st;
}

static int b_source(shell *sh, int argc, char **argv)
{
    if (argc < 2) {
        berr(sh, argv[0], "filename argument required");
        return 2;
    }
    sx text;
    sx_init(&text);
    if (sh_read_file(sh, argv[1], &text, SH_MAX_SCRIPT) != 0) {
        berr(sh, argv[0], "%s: %s", argv[1], sh_strerror(errno));
        sx_free(&text);
        return 1;
    }
    if (sh->eval_depth >= SH_MAX_EVAL_DEPTH) {
        sx_free(&text);
        sh_fatal(sh, 1, "source: nesting too deep");
        return 1;
    }
    strv saved = {0};
    bool args = argc > 2;
    if (args) {
        saved = sh->pos;
        memset(&sh->pos, 0, sizeof sh->pos);
        for (int i = 2; i < argc; i++)
            strv_push(&sh->pos, xstrdup(argv[i]));
    }
    sh->eval_depth++;
    int st = sh_run_string(sh, text.s, text.len, argv[1]);
    sh->eval_depth--;
    if (sh->ctl == CTL_RETURN) {
        sh->ctl = CTL_NONE;
        st = sh->exit_status;
    }
    if (args) {
        strv_free(&sh->pos);
        sh->pos = saved;
    }
    sx_free(&text);
    return st;
}

static const char *kind_of(shell *sh, const char *name)
{
    static const char *const kw[] = {"if", "then", "else", "elif", "fi", "case", "esac",
                                     "for", "while", "until", "do", "done", "in", "function",
                                     "{", "}", "!", "[[", "]]", "time", NULL};
    for (int i = 0; kw[i]; i++)
        if (strcmp(kw[i], name) == 0)
            return "keyword";
    if (func_get(sh, name))
        return "function";
    if (builtin_find(name))
        return "builtin";
    if (util_find(name))
        return "file";
    return NULL;
}

static int b_type(shell *sh, int argc, char **argv)
{
    int i = 1, st = 0;
    bool t = false, p = false;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strchr(argv[i], 't'))
            t = true;
        if (strchr(argv[i], 'p') || strchr(argv[i], 'P'))
            p = true;
    }
    for (; i < argc; i++) {
        const char *k = kind_of(sh, argv[i]);
        if (!k) {
            if (!t && !p)
                berr(sh, "type", "%s: not found", argv[i]);
            st = 1;
            continue;
        }
        if (t)
            sh_printf(sh, 1, "%s\n", k);
        else if (p) {
            if (strcmp(k, "file") == 0)
                sh_printf(sh, 1, "/usr/bin/%s\n", argv[i]);
        } else if (strcmp(k, "keyword") == 0)
            sh_printf(sh, 1, "%s is a shell keyword\n", argv[i]);
        else if (strcmp(k, "function") == 0)
            sh_printf(sh, 1, "%s is a function\n", argv[i]);
        else if (strcmp(k, "builtin") == 0)
            sh_printf(sh, 1, "%s is a shell builtin\n", argv[i]);
        else
            sh_printf(sh, 1, "%s is /usr/bin/%s\n", argv[i], argv[i]);
    }
    return st;
}

static int b_command(shell *sh, int argc, char **argv)
{
    int i = 1;
    bool v = false, V = false;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        for (const char *p = argv[i] + 1; *p; p++) {
            if (*p == 'v')
                v = true;
            else if (*p == 'V')
                V = true;
            else if (*p != 'p') {
                berr(sh, "command", "-%c: invalid option", *p);
                return 2;
            }
        }
    }
    if (i >= argc)
        return 0;
    if (v || V) {
        int st = 0;
        for (; i < argc; i++) {
            const char *k = kind_of(sh, argv[i]);
            if (!k) {
                if (V)
                    berr(sh, "command", "%s: not found", argv[i]);
                st = 1;
            } else if (strcmp(k, "file") == 0) {
                sh_printf(sh, 1, V ? "%s is /usr/bin/%s\n" : "/usr/bin/%s\n", V ? argv[i] : argv[i], argv[i]);
            } else if (V) {
                sh_printf(sh, 1, "%s is a shell %s\n", argv[i], k);
            } else {
                sh_printf(sh, 1, "%s\n", argv[i]);
            }
        }
        return st;
    }
    /* skip functions */
    builtin_fn b = builtin_find(argv[i]);
    if (b)
        return b(sh, argc - i, argv + i);
    const util_def *d = util_find(argv[i]);
    if (d)
        return ucmd_run(sh, d, argc - i, argv + i);
    sh_printf(sh, 2, "bash: %s: command not found\n", argv[i]);
    return 127;
}

static int b_builtin(shell *sh, int argc, char **argv)
{
    if (argc < 2)
        return 0;
    builtin_fn b = builtin_find(argv[1]);
    if (b)
        return b(sh, argc - 1, argv + 1);
    const util_def *d = util_find(argv[1]);
    if (d)
        return ucmd_run(sh, d, argc - 1, argv + 1);
    berr(sh, "builtin", "%s: not a shell builtin", argv[1]);
    return 1;
}

static int b_exec(shell *sh, int argc, char **argv)
{
    if (argc < 2)
        return 0;
    int st = sh_exec_argv(sh, argc - 1, argv + 1);
    if (sh->ctl == CTL_NONE) {
        sh->ctl = CTL_EXIT;
        sh->exit_status = st;
    }
    return st;
}

static int b_let(shell *sh, int argc, char **argv)
{
    long long v = 0;
    if (argc < 2) {
        berr(sh, "let", "expression expected");
        return 1;
    }
    for (int i = 1; i < argc; i++)
        if (arith_eval(sh, argv[i], &v) != 0)
            return 1;
    return v == 0;
}

static int b_wait(shell *sh, int argc, char **argv)
{
    (void)sh, (void)argc, (void)argv;
    return 0; /* background jobs ran to completion when started */
}

static int b_trap(shell *sh, int argc, char **argv)
{
    if (argc < 2)
        return 0;
    if (argc == 2) {
        if (strcmp(argv[1], "-l") == 0 || strcmp(argv[1], "-p") == 0)
            return 0;
        var_unset(sh, "BX_TRAP_EXIT");
        return 0;
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "EXIT") == 0 || strcmp(argv[i], "0") == 0) {
            if (strcmp(argv[1], "-") == 0)
                var_unset(sh, "BX_TRAP_EXIT");
            else
                var_set(sh, "BX_TRAP_EXIT", argv[1], 0);
        }
        /* other signals never arrive in the sandbox: accepted, no effect */
    }
    return 0;
}

static int b_umask(shell *sh, int argc, char **argv)
{
    if (argc < 2)
        sh_puts(sh, 1, "0022\n");
    (void)argv;
    return 0;
}

static int b_getopts(shell *sh, int argc, char **argv)
{
    if (argc < 3) {
        berr(sh, "getopts", "usage: getopts optstring name [arg ...]");
        return 2;
    }
    const char *spec = argv[1];
    const char *name = argv[2];
    char **args = argc > 3 ? argv + 3 : sh->pos.v;
    int nargs = argc > 3 ? argc - 3 : sh->pos.n;
    long long ind = 1;
    const char *oi = var_get(sh, "OPTIND");
    if (oi && !parse_ll(oi, &ind))
        ind = 1;
    if (ind < 1)
        ind = 1;
    const char *sp = var_get(sh, "BX_OPTPOS");
    long long pos = 0;
    if (sp && !parse_ll(sp, &pos))
        pos = 0;
    bool silent = spec[0] == ':';
    char buf[32];
    if (ind > nargs) {
        var_set(sh, name, "?", 0);
        return 1;
    }
    const char *a = args[ind - 1];
    if (pos == 0) {
        if (a[0] != '-' || !a[1]) {
            var_set(sh, name, "?", 0);
            return 1;
        }
        if (strcmp(a, "--") == 0) {
            snprintf(buf, sizeof buf, "%lld", ind + 1);
            var_set(sh, "OPTIND", buf, 0);
            var_set(sh, name, "?", 0);
            return 1;
        }
        pos = 1;
    }
    char c = a[pos];
    const char *s = strchr(spec + silent, c);
    pos++;
    bool end_of_word = a[pos] == 0;
    char opt[2] = {c, 0};
    var_unset(sh, "OPTARG");
    if (!s || c == ':') {
        if (silent) {
            var_set(sh, "OPTARG", opt, 0);
        } else {
            berr(sh, "getopts", "illegal option -- %c", c);
        }
        var_set(sh, name, "?", 0);
    } else if (s[1] == ':') {
        if (!end_of_word) {
            var_set(sh, "OPTARG", a + pos, 0);
        } else if (ind < nargs) {
            var_set(sh, "OPTARG", args[ind], 0);
            ind++;
        } else {
            if (silent) {
                var_set(sh, name, ":", 0);
                var_set(sh, "OPTARG", opt, 0);
            } else {
                berr(sh, "getopts", "option requires an argument -- %c", c);
                var_set(sh, name, "?", 0);
            }
            ind++;
            snprintf(buf, sizeof buf, "%lld", ind);
            var_set(sh, "OPTIND", buf, 0);
            var_set(sh, "BX_OPTPOS", "0", 0);
            return 0;
        }
        end_of_word = true;
        var_set(sh, name, opt, 0);
    } else {
        var_set(sh, name, opt, 0);
    }
    if (end_of_word) {
        ind++;
        pos = 0;
    }
    snprintf(buf, sizeof buf, "%lld", ind);
    var_set(sh, "OPTIND", buf, 0);
    snprintf(buf, sizeof buf, "%lld", pos);
    var_set(sh, "BX_OPTPOS", buf, 0);
    return 0;
}

/* ---- read ---- */

static int b_read(shell *sh, int argc, char **argv)
{
    bool raw = false;
    const char *prompt = NULL;
    int delim = '\n';
    long long nchars = -1;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        for (const char *p = argv[i] + 1; *p; p++) {
            char c = *p;
            if (c == 'r') {
                raw = true;
            } else if (c == 's') {
            } else if (c == 'p' || c == 'd' || c == 'n' || c == 'N' || c == 't' || c == 'u') {
                const char *arg = p[1] ? p + 1 : (i + 1 < argc ? argv[++i] : NULL);
                if (!arg) {
                    berr(sh, "read", "-%c: option requires an argument", c);
                    return 2;
                }
                if (c == 'p')
                    prompt = arg;
                else if (c == 'd')
                    delim = (unsigned char)arg[0];
                else if (c == 'n' || c == 'N') {
                    if (!parse_ll(arg, &nchars)) {
                        berr(sh, "read", "%s: invalid number", arg);
                        return 2;
                    }
                }
                break;
            } else if (c == 'a') {
                berr(sh, "read", "-a: arrays are not supported by this shell");
                return 2;
            } else {
                berr(sh, "read", "-%c: invalid option", c);
                return 2;
            }
        }
    }
    if (prompt)
        sh_puts(sh, 2, prompt);
    for (int k = i; k < argc; k++)
        if (!sh_is_name(argv[k], strlen(argv[k]))) {
            berr(sh, "read", "`%s': not a valid identifier", argv[k]);
            return 1;
        }
    io_flush(sh->fd[1]);
    sh_io *in = sh->fd[0];
    sx line;
    sx_init(&line);
    bool got_delim = false;
    bool esc = false;
    sx qmask; /* 1 where a byte was escaped by backslash */
    sx_init(&qmask);
    for (;;) {
        const char *p;
        size_t n;
        int r = io_pull_avail(sh, in, &p, &n);
        if (r != IN_DATA)
            break;
        size_t k = 0;
        bool stop = false;
        for (; k < n; k++) {
            char c = p[k];
            if (esc) {
                esc = false;
                if (c == '\n')
                    continue;
                sx_addc(&line, c);
                sx_addc(&qmask, 1);
            } else if (!raw && c == '\\') {
                esc = true;
            } else if ((unsigned char)c == (unsigned)delim && nchars < 0) {
                got_delim = true;
                stop = true;
                k++;
                break;
            } else {
                sx_addc(&line, c);
                sx_addc(&qmask, 0);
            }
            if (nchars >= 0 && (long long)line.len >= nchars) {
                got_delim = true;
                stop = true;
                k++;
                break;
            }
            if (line.len > SH_MAX_STRING) {
                stop = true;
                k++;
                break;
            }
        }
        io_consume(in, k);
        if (stop)
            break;
    }
    /* split into the variables */
    const char *is = var_get(sh, "IFS");
    if (!is)
        is = " \t\n";
    int nv = argc - i;
    int st = got_delim || line.len ? 0 : 1;
    if (nv == 0) {
        var_set(sh, "REPLY", line.s, 0);
        sx_free(&line);
        sx_free(&qmask);
        return st;
    }
    size_t pos = 0, len = line.len;
    const char *s = line.s;
#define ISWS(c) ((c) == ' ' || (c) == '\t' || (c) == '\n')
#define ISIFS(k) (!qmask.s[k] && s[k] && strchr(is, s[k]))
    while (pos < len && ISIFS(pos) && ISWS(s[pos]))
        pos++;
    for (int v = 0; v < nv; v++) {
        const char *name = argv[i + v];
        if (v == nv - 1) {
            /* the rest, minus trailing IFS whitespace */
            size_t e = len;
            while (e > pos && ISIFS(e - 1) && ISWS(s[e - 1]))
                e--;
            /* a single trailing non-whitespace delimiter is dropped */
            char *val = xstrndup(s + pos, e - pos);
            if (e > pos && ISIFS(e - 1) && !ISWS(s[e - 1])) {
                /* bash keeps it unless it is the only remaining separator */
                bool other = false;
                for (size_t k = pos; k + 1 < e; k++)
                    if (ISIFS(k))
                        other = true;
                if (!other)
                    val[e - pos - 1] = 0;
            }
            var_set(sh, name, val, 0);
            free(val);
            pos = len;
            break;
        }
        size_t b = pos;
        while (pos < len && !ISIFS(pos))
            pos++;
        char *val = xstrndup(s + b, pos - b);
        var_set(sh, name, val, 0);
        free(val);
        /* skip one separator: whitespace run, optionally one non-ws delimiter */
        while (pos < len && ISIFS(pos) && ISWS(s[pos]))
            pos++;
        if (pos < len && ISIFS(pos) && !ISWS(s[pos])) {
            pos++;
            while (pos < len && ISIFS(pos) && ISWS(s[pos]))
                pos++;
        }
    }
#undef ISWS
#undef ISIFS
    sx_free(&line);
    sx_free(&qmask);
    return st;
}

/* ---- echo, printf ---- */

static int b_echo(shell *sh, int argc, char **argv)
{
    bool nl = true, esc = false;
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || !a[1] || strspn(a + 1, "neE") != strlen(a + 1))
            break;
        for (const char *p = a + 1; *p; p++) {
            if (*p == 'n')
                nl = false;
            else if (*p == 'e')
                esc = true;
            else
                esc = false;
        }
    }
    sx b;
    sx_init(&b);
    for (int k = i; k < argc; k++) {
        if (k > i)
            sx_addc(&b, ' ');
        if (!esc) {
            sx_adds(&b, argv[k]);
            continue;
        }
        bool stop = false;
        char *fmt_args[1] = {argv[k]};
        sx tmp;
        sx_init(&tmp);
        sh_format(sh, NULL, "%b", 1, fmt_args, &tmp, &stop);
        sx_add(&b, tmp.s, tmp.len);
        sx_free(&tmp);
        if (stop) {
            nl = false;
            break;
        }
    }
    if (nl)
        sx_addc(&b, '\n');
    sh_write(sh, 1, b.s, b.len);
    sx_free(&b);
    return 0;
}

static int b_printf(shell *sh, int argc, char **argv)
{
    int i = 1;
    const char *vname = NULL;
    if (i < argc && strcmp(argv[i], "-v") == 0) {
        if (i + 1 >= argc) {
            berr(sh, "printf", "-v: option requires an argument");
            return 2;
        }
        vname = argv[i + 1];
        i += 2;
    }
    if (i < argc && strcmp(argv[i], "--") == 0)
        i++;
    if (i >= argc) {
        berr(sh, "printf", "usage: printf [-v var] format [arguments]");
        return 2;
    }
    const char *fmt = argv[i++];
    sx out;
    sx_init(&out);
    int nargs = argc - i;
    char **args = argv + i;
    int st = 0;
    bool stop = false;
    sh->status = 0;
    for (;;) {
        int used = sh_format(sh, NULL, fmt, nargs, args, &out, &stop);
        if (used < 0) {
            st = 1;
            used = -used - 1;
        }
        if (stop || used <= 0 || used >= nargs)
            break;
        args += used;
        nargs -= used;
        if (out.len > SH_MAX_STRING)
            break;
    }
    if (sh->status)
        st = sh->status;
    if (vname) {
        if (var_set(sh, vname, out.s, 0) != 0)
            st = 1;
    } else {
        sh_write(sh, 1, out.s, out.len);
    }
    sx_free(&out);
    return st;
}

static int b_test(shell *sh, int argc, char **argv)
{
    if (strcmp(argv[0], "[") == 0) {
        if (argc < 2 || strcmp(argv[argc - 1], "]") != 0) {
            berr(sh, "[", "missing `]'");
            return 2;
        }
        argc--;
    }
    return test_eval(sh, NULL, argc, argv, false);
}

static int b_shopt(shell *sh, int argc, char **argv)
{
    struct { const char *name; bool *flag; } opts[] = {
        {"nullglob", &sh->nullglob}, {"dotglob", &sh->dotglob}, {"globstar", &sh->globstar},
    };
    int i = 1, set = 0;
    bool quiet = false, o_opts = false;
    for (; i < argc && argv[i][0] == '-'; i++) {
        for (const char *p = argv[i] + 1; *p; p++) {
            if (*p == 's') set = 1;
            else if (*p == 'u') set = -1;
            else if (*p == 'q') quiet = true;
            else if (*p == 'o') o_opts = true;
            else {
                berr(sh, "shopt", "-%c: invalid option", *p);
                return 2;
            }
        }
    }
    int st = 0;
    for (int k = i; k < argc; k++) {
        bool *flag = NULL;
        for (size_t j = 0; j < sizeof opts / sizeof opts[0]; j++)
            if (strcmp(argv[k], opts[j].name) == 0)
                flag = opts[j].flag;
        if (o_opts) {
            if (!set_option(sh, argv[k], set >= 0)) {
                berr(sh, "shopt", "%s: invalid option name", argv[k]);
                st = 1;
            }
            continue;
        }
        static const char *const inert[] = {"extglob", "expand_aliases", "checkwinsize",
                                            "histappend", "cmdhist", "lastpipe", "inherit_errexit",
                                            "extquote", "progcomp", "promptvars", "sourcepath",
                                            "interactive_comments", "nocasematch", NULL};
        bool known_inert = false;
        for (int j = 0; inert[j]; j++)
            if (strcmp(inert[j], argv[k]) == 0)
                known_inert = true;
        if (!flag && !known_inert) {
            berr(sh, "shopt", "%s: invalid shell option name", argv[k]);
            st = 1;
            continue;
        }
        if (!flag) {
            /* accepted; these change nothing this shell does differently */
            continue;
        }
        if (set > 0)
            *flag = true;
        else if (set < 0)
            *flag = false;
        else {
            if (!quiet)
                sh_printf(sh, 1, "%-15s\t%s\n", argv[k], *flag ? "on" : "off");
            if (!*flag)
                st = 1;
        }
    }
    if (i >= argc && !set)
        for (size_t j = 0; j < sizeof opts / sizeof opts[0]; j++)
            sh_printf(sh, 1, "%-15s\t%s\n", opts[j].name, *opts[j].flag ? "on" : "off");
    return st;
}

/* bash / sh as commands: a nested shell in a subshell snapshot. */
static int b_bash(shell *sh, int argc, char **argv)
{
    int i = 1;
    const char *script = NULL;
    bool e = sh->opt_e, u = sh->opt_u, x = sh->opt_x, pf = sh->opt_pipefail, from_stdin = false;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (a[0] != '-' || !a[1] || script)
            break;
        if (strcmp(a, "--norc") == 0 || strcmp(a, "--noprofile") == 0 || strcmp(a, "--posix") == 0)
            continue;
        for (const char *p = a + 1; *p; p++) {
            switch (*p) {
            case 'c':
                if (i + 1 >= argc) {
                    berr(sh, argv[0], "-c: option requires an argument");
                    return 2;
                }
                script = argv[++i];
                break;
            case 'e': e = true; break;
            case 'u': u = true; break;
            case 'x': x = true; break;
            case 's': from_stdin = true; break;
            case 'l': case 'i': case 'v': case 'f': break;
            case 'o':
                if (i + 1 < argc && strcmp(argv[++i], "pipefail") == 0)
                    pf = true;
                break;
            default:
                berr(sh, argv[0], "-%c: invalid option", *p);
                return 2;
            }
        }
        if (script) {
            i++;
            break;
        }
    }
    bool se = sh->opt_e, su = sh->opt_u, sx_ = sh->opt_x, spf = sh->opt_pipefail;
    sh->opt_e = e;
    sh->opt_u = u;
    sh->opt_x = x;
    sh->opt_pipefail = pf;
    int st;
    if (script) {
        const char *name = i < argc ? argv[i++] : argv[0];
        st = sh_run_script(sh, script, strlen(script), name, argc - i, argv + i);
    } else if (i < argc && !from_stdin) {
        st = sh_run_script_file(sh, argc - i, argv + i);
    } else {
        sx text;
        sx_init(&text);
        if (io_pull_all(sh, sh->fd[0], &text) != 0) {
            sx_free(&text);
            berr(sh, argv[0], "script on stdin too large");
            st = 2;
        } else {
            st = sh_run_script(sh, text.s, text.len, argv[0], argc - i, argv + i);
            sx_free(&text);
        }
    }
    sh->opt_e = se;
    sh->opt_u = su;
    sh->opt_x = sx_;
    sh->opt_pipefail = spf;
    return st;
}

static int b_hash(shell *sh, int argc, char **argv)
{
    (void)sh, (void)argc, (void)argv;
    return 0;
}

static int b_times(shell *sh, int argc, char **argv)
{
    (void)argc, (void)argv;
    sh_puts(sh, 1, "0m0.000s 0m0.000s\n0m0.000s 0m0.000s\n");
    return 0;
}

static const struct {
    const char *name;
    builtin_fn fn;
    bool special;
} builtins[] = {
    {".", b_source, true},
    {":", b_true, true},
    {"[", b_test, false},
    {"bash", b_bash, false},
    {"break", b_break, true},
    {"builtin", b_builtin, false},
    {"cd", b_cd, false},
    {"command", b_command, false},
    {"continue", b_continue, true},
    {"declare", b_declare, false},
    {"echo", b_echo, false},
    {"env", b_env, false},
    {"eval", b_eval, true},
    {"exec", b_exec, true},
    {"exit", b_exit, true},
    {"export", b_export, true},
    {"false", b_false, false},
    {"getopts", b_getopts, false},
    {"hash", b_hash, false},
    {"let", b_let, false},
    {"local", b_local, false},
    {"printenv", b_printenv, false},
    {"printf", b_printf, false},
    {"pwd", b_pwd, false},
    {"read", b_read, false},
    {"readonly", b_readonly, true},
    {"return", b_return, true},
    {"set", b_set, true},
    {"sh", b_bash, false},
    {"shift", b_shift, true},
    {"shopt", b_shopt, false},
    {"source", b_source, false},
    {"test", b_test, false},
    {"timeout", b_timeout, false},
    {"times", b_times, true},
    {"trap", b_trap, true},
    {"true", b_true, false},
    {"type", b_type, false},
    {"typeset", b_declare, false},
    {"umask", b_umask, false},
    {"unset", b_unset, true},
    {"wait", b_wait, false},
    {"which", b_which, false},
    {"xargs", b_xargs, false},
};

builtin_fn builtin_find(const char *name)
{
    size_t lo = 0, hi = sizeof builtins / sizeof builtins[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(name, builtins[mid].name);
        if (c == 0)
            return builtins[mid].fn;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

bool builtin_is_special(const char *name)
{
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
        if (strcmp(builtins[i].name, name) == 0)
            return builtins[i].special;
    return false;
}

void builtin_list(sx *out)
{
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++) {
        if (i)
            sx_addc(out, ' ');
        sx_adds(out, builtins[i].name);
    }
}
