/* exec.c: the interpreter — walks the parse tree, applies redirections,
 * runs pipelines, calls functions, builtins and utilities.
 *
 * Control flow (break, continue, return, exit, set -e, SIGPIPE, limits)
 * unwinds through sh->ctl, which every loop checks after each command.
 * Pipelines: utility stages become resumable ucmds wired by in-memory pipes;
 * shell-code stages run one after another on the C stack inside a subshell
 * snapshot, pulling from / pushing into their neighbours (see io.c and
 * docs/shell.md). Subshells and command substitutions are snapshots too.
 */
#include "sh.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The arena of the script being run: function definitions keep it alive. */
arena *sh_cur_arena;

/* ---- messages and checks ---- */

void sh_write(shell *sh, int fd, const char *p, size_t n)
{
    sh_io *io = sh->fd[fd];
    if (io_write(sh, io, p, n) < 0 && io && io->kind == IO_PIPE && io->rclosed &&
        sh->ctl == CTL_NONE) {
        sh->ctl = CTL_EXIT;
        sh->exit_status = 141;
    }
}

void sh_puts(shell *sh, int fd, const char *s)
{
    sh_write(sh, fd, s, strlen(s));
}

void sh_printf(shell *sh, int fd, const char *fmt, ...)
{
    sx b;
    sx_init(&b);
    va_list ap;
    va_start(ap, fmt);
    sx_vprintf(&b, fmt, ap);
    va_end(ap);
    sh_write(sh, fd, b.s, b.len);
    sx_free(&b);
}

void sh_errf(shell *sh, const char *fmt, ...)
{
    sx b;
    sx_init(&b);
    if (sh->tool_mode)
        sx_printf(&b, "bash: line %d: ", sh->lineno);
    else
        sx_printf(&b, "bash: line %d: ", sh->lineno);
    va_list ap;
    va_start(ap, fmt);
    sx_vprintf(&b, fmt, ap);
    va_end(ap);
    sx_addc(&b, '\n');
    io_write(sh, sh->fd[2], b.s, b.len);
    sx_free(&b);
}

void sh_fatal(shell *sh, int status, const char *fmt, ...)
{
    if (sh->fatal)
        return;
    sx b;
    sx_init(&b);
    sx_printf(&b, "bash: line %d: ", sh->lineno);
    va_list ap;
    va_start(ap, fmt);
    sx_vprintf(&b, fmt, ap);
    va_end(ap);
    sx_addc(&b, '\n');
    sh->fatal = true;
    sh->ctl = CTL_EXIT;
    sh->exit_status = status;
    /* the message must get out even when the output cap was the problem */
    sh_io *e = sh->fd[2];
    if (e && e->kind == IO_CAP && e->len - e->off + b.len > e->limit)
        e->limit = e->len - e->off + b.len;
    io_write(NULL, e, b.s, b.len);
    sx_free(&b);
}

void sh_exit_error(shell *sh, int status, const char *fmt, ...)
{
    sx b;
    sx_init(&b);
    sx_printf(&b, "bash: line %d: ", sh->lineno);
    va_list ap;
    va_start(ap, fmt);
    sx_vprintf(&b, fmt, ap);
    va_end(ap);
    sx_addc(&b, '\n');
    io_write(sh, sh->fd[2], b.s, b.len);
    sx_free(&b);
    if (sh->ctl == CTL_NONE || sh->ctl == CTL_RETURN) {
        sh->ctl = CTL_EXIT;
        sh->exit_status = status;
    }
}

bool sh_stack_ok(shell *sh)
{
    char probe;
    if (!sh->stack_base)
        return true;
    size_t used = sh->stack_base > &probe ? (size_t)(sh->stack_base - &probe)
                                          : (size_t)(&probe - sh->stack_base);
    if (used > SH_MAX_STACK) {
        sh_fatal(sh, 1, "nesting too deep (stack limit reached)");
        return false;
    }
    return true;
}

bool sh_check(shell *sh)
{
    if (sh->fatal || sh->timed_out)
        return false;
    if ((sh->deadline_ms || sh->soft_deadline_ms) && (++sh->checks & 63) == 0) {
        uint64_t now = sh_now_ms();
        if (sh->deadline_ms && now > sh->deadline_ms) {
            sh_fatal(sh, 124, "timeout: the command ran longer than its time limit and was stopped");
            return false;
        }
        if (sh->soft_deadline_ms && now > sh->soft_deadline_ms) {
            sh->timed_out = true;
            return false;
        }
    }
    return true;
}

/* ---- redirections ---- */

typedef struct fdsave {
    sh_io *old[10];
    bool saved[10];
} fdsave;

static void set_fd(shell *sh, fdsave *sv, int fd, sh_io *io)
{
    if (!sv->saved[fd]) {
        sv->saved[fd] = true;
        sv->old[fd] = sh->fd[fd];
    } else {
        io_unref(sh->fd[fd]);
    }
    sh->fd[fd] = io;
}

static void restore_fds(shell *sh, fdsave *sv)
{
    for (int i = 0; i < 10; i++)
        if (sv->saved[i]) {
            io_flush(sh->fd[i]);
            io_unref(sh->fd[i]);
            sh->fd[i] = sv->old[i];
            sv->saved[i] = false;
        }
}

static sh_io *open_target(shell *sh, const char *path, int flags)
{
    if (strcmp(path, "/dev/null") == 0)
        return io_new(IO_NULL);
    if (strcmp(path, "/dev/stdout") == 0)
        return io_ref(sh->fd[1]);
    if (strcmp(path, "/dev/stderr") == 0)
        return io_ref(sh->fd[2]);
    if (strcmp(path, "/dev/stdin") == 0)
        return io_ref(sh->fd[0]);
    const sx *vf = sh_vfile(sh, path);
    if (vf && (flags & O_ACCMODE) == O_RDONLY)
        return io_str(vf->s ? vf->s : "", vf->len);
    if ((flags & O_ACCMODE) != O_RDONLY && sh->opt_C && !(flags & O_APPEND) &&
        (flags & O_EXCL)) {
        /* noclobber: refuse to overwrite an existing regular file */
        char *abs = sh_abspath(sh, path);
        struct stat st;
        bool exists = stat(abs, &st) == 0 && S_ISREG(st.st_mode);
        free(abs);
        if (exists) {
            sh_errf(sh, "%s: cannot overwrite existing file", path);
            return NULL;
        }
        flags &= ~O_EXCL;
    }
    flags &= ~O_EXCL;
    int fd = sh_open(sh, path, flags, 0666);
    if (fd < 0) {
        sh_errf(sh, "%s: %s", path, sh_strerror(errno));
        return NULL;
    }
    sh_io *io = io_fd(fd, true);
    return io;
}

static int apply_redirs(shell *sh, redir *r, fdsave *sv)
{
    for (; r; r = r->next) {
        int fd = r->fd;
        if (fd > 9) {
            sh_errf(sh, "%d: bad file descriptor", fd);
            return 1;
        }
        char *t = NULL;
        if (r->op == R_HEREDOC) {
            if (r->here_quoted)
                t = xstrdup(r->target.text);
            else if (expand_str(sh, r->target.text, EX_HEREDOC | EX_NOSPLIT | EX_NOGLOB, &t) != 0) {
                free(t);
                return 1;
            }
            set_fd(sh, sv, fd < 0 ? 0 : fd, io_str(t, strlen(t)));
            free(t);
            continue;
        }
        if (expand_str(sh, r->target.text, EX_NOSPLIT | EX_NOGLOB, &t) != 0) {
            free(t);
            return 1;
        }
        sh_io *io = NULL;
        switch (r->op) {
        case R_HERESTR: {
            size_t n = strlen(t);
            char *b = xmalloc(n + 2);
            memcpy(b, t, n);
            b[n] = '\n';
            io = io_str(b, n + 1);
            free(b);
            set_fd(sh, sv, fd < 0 ? 0 : fd, io);
            break;
        }
        case R_IN:
            io = open_target(sh, t, O_RDONLY);
            if (!io)
                goto fail;
            set_fd(sh, sv, fd < 0 ? 0 : fd, io);
            break;
        case R_OUT:
        case R_CLOBBER:
            io = open_target(sh, t, O_WRONLY | O_CREAT | O_TRUNC | (r->op == R_OUT ? O_EXCL : 0));
            if (!io)
                goto fail;
            set_fd(sh, sv, fd < 0 ? 1 : fd, io);
            break;
        case R_APPEND:
            io = open_target(sh, t, O_WRONLY | O_CREAT | O_APPEND);
            if (!io)
                goto fail;
            set_fd(sh, sv, fd < 0 ? 1 : fd, io);
            break;
        case R_INOUT:
            io = open_target(sh, t, O_RDWR | O_CREAT);
            if (!io)
                goto fail;
            set_fd(sh, sv, fd < 0 ? 0 : fd, io);
            break;
        case R_DUPIN:
        case R_DUPOUT: {
            int dfl = r->op == R_DUPIN ? 0 : 1;
            if (strcmp(t, "-") == 0) {
                set_fd(sh, sv, fd < 0 ? dfl : fd, io_new(IO_NULL));
                break;
            }
            long long n;
            bool move = false;
            size_t tl = strlen(t);
            if (tl > 1 && t[tl - 1] == '-') {
                t[tl - 1] = 0;
                move = true;
            }
            if (parse_ll(t, &n)) {
                if (n < 0 || n > 9 || !sh->fd[n]) {
                    sh_errf(sh, "%s: bad file descriptor", t);
                    goto fail;
                }
                set_fd(sh, sv, fd < 0 ? dfl : fd, io_ref(sh->fd[n]));
                if (move && n != (fd < 0 ? dfl : fd))
                    set_fd(sh, sv, (int)n, io_new(IO_NULL));
            } else if (r->op == R_DUPOUT && fd < 0) {
                io = open_target(sh, t, O_WRONLY | O_CREAT | O_TRUNC);
                if (!io)
                    goto fail;
                set_fd(sh, sv, 1, io);
                set_fd(sh, sv, 2, io_ref(io));
            } else {
                sh_errf(sh, "%s: ambiguous redirect", t);
                goto fail;
            }
            break;
        }
        case R_ALL:
        case R_ALLAPPEND:
            io = open_target(sh, t, O_WRONLY | O_CREAT | (r->op == R_ALL ? O_TRUNC : O_APPEND));
            if (!io)
                goto fail;
            set_fd(sh, sv, 1, io);
            set_fd(sh, sv, 2, io_ref(io));
            break;
        default:
            break;
        }
        free(t);
        continue;
    fail:
        free(t);
        return 1;
    }
    return 0;
}

/* ---- helpers ---- */

bool parse_ll(const char *s, long long *out)
{
    if (!s || !*s)
        return false;
    while (*s == ' ' || *s == '\t')
        s++;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || errno)
        return false;
    while (*end == ' ' || *end == '\t' || *end == '\n')
        end++;
    if (*end)
        return false;
    *out = v;
    return true;
}

static void xtrace(shell *sh, int argc, char **argv, word *assigns, int nassign)
{
    sx b;
    sx_init(&b);
    const char *ps4 = var_get(sh, "PS4");
    sx_adds(&b, ps4 ? ps4 : "+ ");
    bool first = true;
    for (int i = 0; i < nassign; i++) {
        char *t;
        if (expand_str(sh, assigns[i].text, EX_NOSPLIT | EX_NOGLOB | EX_ASSIGN, &t) == 0) {
            if (!first)
                sx_addc(&b, ' ');
            sx_adds(&b, t);
            first = false;
        }
        free(t);
    }
    for (int i = 0; i < argc; i++) {
        if (!first)
            sx_addc(&b, ' ');
        first = false;
        const char *a = argv[i];
        bool plain = *a != 0;
        for (const char *p = a; *p; p++)
            if (!(strchr("_-./:=+,%@", *p) || (*p >= '0' && *p <= '9') ||
                  ((*p | 32) >= 'a' && (*p | 32) <= 'z')))
                plain = false;
        if (plain) {
            sx_adds(&b, a);
        } else {
            sx_addc(&b, '\'');
            for (const char *p = a; *p; p++) {
                if (*p == '\'')
                    sx_adds(&b, "'\\''");
                else
                    sx_addc(&b, *p);
            }
            sx_addc(&b, '\'');
        }
    }
    sx_addc(&b, '\n');
    io_write(sh, sh->fd[2], b.s, b.len);
    sx_free(&b);
}

static void set_status(shell *sh, int st)
{
    sh->status = st;
}

static void errexit(shell *sh, int st)
{
    if (st != 0 && sh->opt_e && sh->noerrexit == 0 && sh->ctl == CTL_NONE) {
        sh->ctl = CTL_EXIT;
        sh->exit_status = st;
    }
}

/* ---- function calls ---- */

static int call_func(shell *sh, func *f, int argc, char **argv)
{
    if (sh->func_depth >= SH_MAX_FUNC_DEPTH) {
        sh_fatal(sh, 1, "%s: maximum function nesting level exceeded (%d)", argv[0],
                 SH_MAX_FUNC_DEPTH);
        return 1;
    }
    strv saved = sh->pos;
    memset(&sh->pos, 0, sizeof sh->pos);
    for (int i = 1; i < argc; i++)
        strv_push(&sh->pos, xstrdup(argv[i]));
    local_save *saved_locals = sh->locals;
    sh->locals = NULL;
    int saved_loop = sh->loop_depth;
    sh->loop_depth = 0;
    arena *ar = f->ar;
    ar->refs++;
    node *body = f->body;
    sh->func_depth++;
    int st = sh_exec(sh, body);
    sh->func_depth--;
    if (sh->ctl == CTL_RETURN) {
        sh->ctl = CTL_NONE;
        st = sh->exit_status;
    }
    /* restore variables declared local */
    local_save *l = sh->locals;
    while (l) {
        local_save *n = l->next;
        if (l->flags == -1) {
            var *v = var_lookup(sh, l->name);
            if (v)
                v->flags &= ~V_READONLY;
            var_unset(sh, l->name);
        } else {
            var *v = var_lookup(sh, l->name);
            if (v)
                v->flags &= ~V_READONLY;
            if (l->flags & 0x100) {
                var_unset(sh, l->name);
                var_set(sh, l->name, NULL, l->flags & 0xff);
            } else {
                var_set(sh, l->name, l->value, 0);
                v = var_lookup(sh, l->name);
                if (v)
                    v->flags = l->flags & 0xff;
            }
        }
        free(l->name);
        free(l->value);
        free(l);
        l = n;
    }
    sh->locals = saved_locals;
    sh->loop_depth = saved_loop;
    strv_free(&sh->pos);
    sh->pos = saved;
    arena_unref(ar);
    return st;
}

/* ---- command dispatch ---- */

static int not_found(shell *sh, const char *name)
{
    sx b;
    sx_init(&b);
    sx_printf(&b, "bash: %s: command not found\n", name);
    if (sh->tool_mode) {
        sx_adds(&b, "Available commands: ");
        util_list(&b);
        sx_adds(&b, " ");
        builtin_list(&b);
        sx_addc(&b, '\n');
    }
    io_write(sh, sh->fd[2], b.s, b.len);
    sx_free(&b);
    return 127;
}

static int run_util(shell *sh, const util_def *d, int argc, char **argv)
{
    int st = ucmd_run(sh, d, argc, argv);
    sh_io *o = sh->fd[1];
    if (o && o->kind == IO_PIPE && o->rclosed && sh->ctl == CTL_NONE) {
        /* SIGPIPE ends the shell code writing into a closed pipe */
        sh->ctl = CTL_EXIT;
        sh->exit_status = 141;
    }
    return st;
}

int sh_exec_argv(shell *sh, int argc, char **argv)
{
    if (argc == 0)
        return 0;
    const char *name = argv[0];
    func *f = func_get(sh, name);
    if (f && !strchr(name, '/'))
        return call_func(sh, f, argc, argv);
    builtin_fn b = builtin_find(name);
    if (b)
        return b(sh, argc, argv);
    const char *base = name;
    if (strncmp(name, "/bin/", 5) == 0 || strncmp(name, "/usr/bin/", 9) == 0 ||
        strncmp(name, "/usr/local/bin/", 15) == 0)
        base = strrchr(name, '/') + 1;
    if (base != name) {
        b = builtin_find(base);
        if (b)
            return b(sh, argc, argv);
    }
    const util_def *d = util_find(base);
    if (d)
        return run_util(sh, d, argc, argv);
    if (strchr(name, '/'))
        return sh_run_script_file(sh, argc, argv);
    return not_found(sh, name);
}

/* ./script.sh: a shell script runs in a subshell with its own $0 and
 * arguments; other executables (a #! naming another interpreter, binaries)
 * cannot run in the sandbox. */
int sh_run_script_file(shell *sh, int argc, char **argv)
{
    sx text;
    sx_init(&text);
    if (sh_read_file(sh, argv[0], &text, SH_MAX_SCRIPT) != 0) {
        int e = errno;
        sx_free(&text);
        if (e == ENOENT) {
            sh_errf(sh, "%s: No such file or directory", argv[0]);
            return 127;
        }
        sh_errf(sh, "%s: %s", argv[0], sh_strerror(e));
        return 126;
    }
    if (text.len >= 2 && text.s[0] == '#' && text.s[1] == '!') {
        const char *nl = memchr(text.s, '\n', text.len);
        size_t l = nl ? (size_t)(nl - text.s) : text.len;
        char *line = xstrndup(text.s, l);
        bool shell_script = strstr(line, "sh") != NULL && !strstr(line, "python") &&
                            !strstr(line, "node") && !strstr(line, "perl") && !strstr(line, "ruby");
        if (!shell_script) {
            sh_errf(sh, "%s: cannot execute: only shell scripts run in this sandbox (%s)", argv[0],
                    line);
            free(line);
            sx_free(&text);
            return 126;
        }
        free(line);
    } else if (memchr(text.s, 0, text.len < 4096 ? text.len : 4096)) {
        sh_errf(sh, "%s: cannot execute binary file", argv[0]);
        sx_free(&text);
        return 126;
    }
    int st = sh_run_script(sh, text.s, text.len, argv[0], argc - 1, argv + 1);
    sx_free(&text);
    return st;
}

int sh_run_script(shell *sh, const char *src, size_t len, const char *arg0, int argc, char **argv)
{
    if (sh->sub_depth >= SH_MAX_EVAL_DEPTH) {
        sh_fatal(sh, 1, "script nesting too deep");
        return 1;
    }
    sh_snap *snap = sh_snap_take(sh);
    free(sh->arg0);
    sh->arg0 = xstrdup(arg0);
    strv_free(&sh->pos);
    for (int i = 0; i < argc; i++)
        strv_push(&sh->pos, xstrdup(argv[i]));
    int saved_func = sh->func_depth;
    int saved_noerr = sh->noerrexit;
    sh->func_depth = 0;
    sh->sub_depth++;
    int st = sh_run_string(sh, src, len, arg0);
    sh->sub_depth--;
    sh->func_depth = saved_func;
    sh->noerrexit = saved_noerr;
    if (sh->ctl != CTL_NONE && !sh->fatal) {
        if (sh->ctl == CTL_EXIT || sh->ctl == CTL_RETURN)
            st = sh->exit_status;
        sh->ctl = CTL_NONE;
    }
    sh_snap_restore(sh, snap);
    return st;
}

/* Runs a simple command's words (already expanded) with the temporary
 * assignments in effect. */
static int exec_simple(shell *sh, node *n)
{
    sh->lineno = n->line;
    strv args = {0};
    sh->subst_status = 0;
    if (expand_words(sh, n->u.cmd.args, n->u.cmd.nargs, &args) != 0) {
        strv_free(&args);
        if (!sh->fatal && sh->ctl == CTL_NONE)
            return 1;
        return sh->fatal ? sh->exit_status : 1;
    }
    int subst_status = sh->subst_status;
    if (sh->fatal) {
        strv_free(&args);
        return sh->exit_status;
    }
    if (sh->opt_x)
        xtrace(sh, args.n, args.v, n->u.cmd.assigns, n->u.cmd.nassign);
    /* assignments */
    typedef struct tsave {
        char *name, *value;
        int flags;
        bool existed;
    } tsave;
    tsave *ts = NULL;
    int nts = 0;
    int st = 0;
    for (int i = 0; i < n->u.cmd.nassign; i++) {
        const char *w = n->u.cmd.assigns[i].text;
        const char *eq = strchr(w, '=');
        bool append = eq > w && eq[-1] == '+';
        char *name = xstrndup(w, (size_t)(eq - w) - (append ? 1 : 0));
        char *val;
        if (expand_str(sh, eq + 1, EX_NOSPLIT | EX_NOGLOB | EX_ASSIGN, &val) != 0) {
            free(name);
            free(val);
            st = 1;
            goto done_assign_err;
        }
        subst_status = sh->subst_status;
        if (append) {
            const char *old = var_get(sh, name);
            sx nb;
            sx_init(&nb);
            sx_adds(&nb, old ? old : "");
            sx_adds(&nb, val);
            free(val);
            val = sx_take(&nb);
        }
        if (args.n) {
            ts = xrealloc(ts, sizeof *ts * (size_t)(nts + 1));
            var *v = var_lookup(sh, name);
            ts[nts].name = xstrdup(name);
            ts[nts].existed = v != NULL;
            ts[nts].value = v && v->value ? xstrdup(v->value) : NULL;
            ts[nts].flags = v ? v->flags : 0;
            nts++;
            if (var_set(sh, name, val, V_EXPORT) != 0)
                st = 1;
        } else if (var_set(sh, name, val, 0) != 0) {
            st = 1;
        }
        free(name);
        free(val);
    }
    if (args.n == 0) {
        fdsave sv;
        memset(&sv, 0, sizeof sv);
        int r = apply_redirs(sh, n->redirs, &sv);
        restore_fds(sh, &sv);
        strv_free(&args);
        if (r)
            return 1;
        return st ? st : subst_status;
    }
    if (args.n == 1 && strcmp(args.v[0], "exec") == 0) {
        fdsave sv;
        memset(&sv, 0, sizeof sv);
        st = apply_redirs(sh, n->redirs, &sv);
        for (int i = 0; i < 10; i++)
            if (sv.saved[i])
                io_unref(sv.old[i]);
        goto done_assign_err;
    }
    {
        fdsave sv;
        memset(&sv, 0, sizeof sv);
        if (apply_redirs(sh, n->redirs, &sv) != 0) {
            restore_fds(sh, &sv);
            st = 1;
        } else {
            st = sh_exec_argv(sh, args.n, args.v);
            restore_fds(sh, &sv);
        }
    }
done_assign_err:
    for (int i = nts - 1; i >= 0; i--) {
        var *v = var_lookup(sh, ts[i].name);
        if (v)
            v->flags &= ~V_READONLY;
        if (ts[i].existed) {
            var_set(sh, ts[i].name, ts[i].value, 0);
            v = var_lookup(sh, ts[i].name);
            if (v)
                v->flags = ts[i].flags;
            if (v && !ts[i].value) {
                free(v->value);
                v->value = NULL;
            }
        } else {
            var_unset(sh, ts[i].name);
        }
        free(ts[i].name);
        free(ts[i].value);
    }
    free(ts);
    strv_free(&args);
    return st;
}

/* ---- subshells ---- */

static int run_subshell(shell *sh, node *body)
{
    if (sh->sub_depth >= SH_MAX_EVAL_DEPTH) {
        sh_fatal(sh, 1, "subshell nesting too deep");
        return 1;
    }
    sh_snap *snap = sh_snap_take(sh);
    int saved_func = sh->func_depth;
    sh->sub_depth++;
    int st = sh_exec(sh, body);
    sh->sub_depth--;
    sh->func_depth = saved_func;
    if (sh->ctl != CTL_NONE && !sh->fatal) {
        if (sh->ctl == CTL_EXIT || sh->ctl == CTL_RETURN)
            st = sh->exit_status;
        sh->ctl = CTL_NONE;
    }
    sh_snap_restore(sh, snap);
    return st;
}

int sh_cmdsubst(shell *sh, const char *src, size_t len, sx *out)
{
    if (sh->eval_depth >= SH_MAX_EVAL_DEPTH || sh->sub_depth >= SH_MAX_EVAL_DEPTH) {
        sh_fatal(sh, 1, "command substitution nesting too deep");
        return 1;
    }
    arena *a = arena_new();
    parse_err pe;
    node *n = sh_parse(a, src, len, sh->lineno, &pe);
    if (!n) {
        sh_errf(sh, "command substitution: %s", pe.msg);
        arena_unref(a);
        return 2;
    }
    sh_io *cap = io_new(IO_CAP);
    cap->limit = SH_MAX_STRING;
    arena *saved_arena = sh_cur_arena;
    sh_cur_arena = a;
    sh_io *saved = sh->fd[1];
    sh->fd[1] = cap;
    sh_snap *snap = sh_snap_take(sh);
    int saved_func = sh->func_depth;
    int saved_noerr = sh->noerrexit;
    sh->sub_depth++;
    int st = sh_exec(sh, n);
    sh->sub_depth--;
    sh->func_depth = saved_func;
    sh->noerrexit = saved_noerr;
    if (sh->ctl != CTL_NONE && !sh->fatal) {
        if (sh->ctl == CTL_EXIT || sh->ctl == CTL_RETURN)
            st = sh->exit_status;
        sh->ctl = CTL_NONE;
    }
    sh_snap_restore(sh, snap);
    sh_cur_arena = saved_arena;
    sh->fd[1] = saved;
    size_t l = cap->len - cap->off;
    while (l > 0 && cap->buf[cap->off + l - 1] == '\n')
        l--;
    if (l)
        sx_add(out, cap->buf + cap->off, l);
    if (cap->overflow && !sh->fatal)
        sh_fatal(sh, 1, "command substitution output exceeds %u bytes", SH_MAX_STRING);
    io_unref(cap);
    arena_unref(a);
    return st;
}

/* ---- pipelines ---- */

typedef struct stage {
    node *n;
    ucmd *u;     /* utility stage */
    int status;
    bool is_util;
} stage;

static int exec_pipeline(shell *sh, node *pn)
{
    int k = pn->u.pipe.n;
    bool bang = pn->u.pipe.bang;
    if (bang)
        sh->noerrexit++;
    int st;
    if (k == 1) {
        st = sh_exec(sh, pn->u.pipe.v[0]);
        sh->npipestatus = 1;
        sh->pipestatus[0] = st;
    } else {
        stage *sg = xcalloc((size_t)k, sizeof *sg);
        sh_io **p = xcalloc((size_t)k + 1, sizeof *p);
        for (int i = 1; i < k; i++) {
            p[i] = io_new(IO_PIPE);
            p[i]->limit = SH_MAX_PIPEBUF;
        }
        sh_io *in0 = sh->fd[0], *outk = sh->fd[1];
        /* utilities first, right to left, so data can flow as soon as any
         * stage starts producing */
        for (int i = k - 1; i >= 0 && !sh->fatal; i--) {
            node *n = pn->u.pipe.v[i];
            sg[i].n = n;
            if (n->kind != N_CMD || n->u.cmd.nargs == 0 || n->u.cmd.nassign)
                continue;
            /* only a plain word can name a utility without expanding it */
            const char *w0 = n->u.cmd.args[0].text;
            if (strpbrk(w0, "$`'\"\\*?[~"))
                continue;
            if (func_get(sh, w0) || builtin_find(w0) || !util_find(w0))
                continue;
            sh->lineno = n->line;
            strv args = {0};
            sh_io *sin = sh->fd[0], *sout = sh->fd[1];
            sh->fd[0] = i == 0 ? in0 : p[i];
            sh->fd[1] = i == k - 1 ? outk : p[i + 1];
            fdsave sv;
            memset(&sv, 0, sizeof sv);
            int ok = expand_words(sh, n->u.cmd.args, n->u.cmd.nargs, &args) == 0 &&
                     apply_redirs(sh, n->redirs, &sv) == 0;
            if (ok && sh->opt_x)
                xtrace(sh, args.n, args.v, NULL, 0);
            if (ok && args.n > 0) {
                const util_def *d = util_find(args.v[0]);
                if (d) {
                    sg[i].u = ucmd_new(sh, d, args.n, args.v, sh->fd[0], sh->fd[1], sh->fd[2], true);
                    sg[i].is_util = true;
                }
            } else if (!ok) {
                sg[i].is_util = true; /* failed before it ran */
                sg[i].status = 1;
            }
            restore_fds(sh, &sv);
            sh->fd[0] = sin;
            sh->fd[1] = sout;
            strv_free(&args);
            if (sg[i].is_util && !sg[i].u) {
                if (i < k - 1)
                    p[i + 1]->wclosed = true;
                if (i > 0)
                    p[i]->rclosed = true;
            }
        }
        /* shell-code stages, left to right, each in a subshell */
        for (int i = 0; i < k && !sh->fatal; i++) {
            if (sg[i].is_util)
                continue;
            sh_io *sin = sh->fd[0], *sout = sh->fd[1];
            sh->fd[0] = i == 0 ? in0 : p[i];
            sh->fd[1] = i == k - 1 ? outk : p[i + 1];
            int saved_noerr = sh->noerrexit;
            sg[i].status = run_subshell(sh, sg[i].n);
            sh->noerrexit = saved_noerr;
            sh->fd[0] = sin;
            sh->fd[1] = sout;
            if (i < k - 1)
                p[i + 1]->wclosed = true;
            if (i > 0) {
                p[i]->rclosed = true;
                p[i]->reader = NULL;
            }
        }
        /* drain the utilities: the last stage first, pulling its inputs */
        for (int i = k - 1; i >= 0; i--) {
            if (sg[i].u) {
                ucmd_finish(sg[i].u);
                sg[i].status = sg[i].u->status;
            }
        }
        sh->npipestatus = k < 64 ? k : 64;
        for (int i = 0; i < k; i++) {
            if (i < 64)
                sh->pipestatus[i] = sg[i].status;
            ucmd_free(sg[i].u);
        }
        for (int i = 1; i < k; i++)
            io_unref(p[i]);
        st = sg[k - 1].status;
        if (sh->opt_pipefail)
            for (int i = 0; i < k; i++)
                if (sg[i].status)
                    st = sg[i].status;
        free(sg);
        free(p);
        io_flush(sh->fd[1]);
    }
    if (bang) {
        sh->noerrexit--;
        st = !st;
    } else if (k > 1) {
        errexit(sh, st);
    }
    return st;
}

/* ---- compound commands ---- */

static bool loop_ctl(shell *sh, bool *brk)
{
    /* returns true when the loop must stop iterating */
    *brk = false;
    if (sh->ctl == CTL_BREAK) {
        if (--sh->ctl_n <= 0)
            sh->ctl = CTL_NONE;
        *brk = true;
        return true;
    }
    if (sh->ctl == CTL_CONTINUE) {
        if (--sh->ctl_n <= 0) {
            sh->ctl = CTL_NONE;
            return false;
        }
        return true;
    }
    return sh->ctl != CTL_NONE;
}

static int exec_case(shell *sh, node *n)
{
    char *subj;
    if (expand_str(sh, n->u.casen.subject.text, EX_NOSPLIT | EX_NOGLOB, &subj) != 0) {
        free(subj);
        return 1;
    }
    int st = 0;
    bool fall = false;
    for (case_item *ci = n->u.casen.items; ci; ci = ci->next) {
        bool m = fall;
        for (int i = 0; i < ci->npats && !m; i++) {
            char *pat;
            if (expand_pattern(sh, ci->pats[i].text, &pat) == 0 &&
                pat_match(pat, subj, strlen(subj)))
                m = true;
            free(pat);
        }
        if (!m)
            continue;
        st = ci->body ? sh_exec(sh, ci->body) : 0;
        if (sh->ctl != CTL_NONE)
            break;
        if (ci->term == 1) {
            fall = true;
            continue;
        }
        fall = false;
        if (ci->term == 2)
            continue;
        break;
    }
    free(subj);
    return st;
}

static int exec_for(shell *sh, node *n)
{
    strv items = {0};
    if (n->u.forn.in) {
        if (expand_words(sh, n->u.forn.words, n->u.forn.nwords, &items) != 0) {
            strv_free(&items);
            return 1;
        }
    } else {
        for (int i = 0; i < sh->pos.n; i++)
            strv_push(&items, xstrdup(sh->pos.v[i]));
    }
    int st = 0;
    sh->loop_depth++;
    for (int i = 0; i < items.n; i++) {
        if (!sh_check(sh))
            break;
        if (var_set(sh, n->u.forn.var, items.v[i], 0) != 0) {
            st = 1;
            break;
        }
        st = sh_exec(sh, n->u.forn.body);
        bool brk;
        if (loop_ctl(sh, &brk))
            break;
    }
    sh->loop_depth--;
    strv_free(&items);
    return st;
}

static int exec_arfor(shell *sh, node *n)
{
    long long v;
    char *e;
    int st = 0;
    if (expand_str(sh, n->u.arfor.init.text, EX_NOSPLIT | EX_NOGLOB | EX_HEREDOC, &e) == 0)
        arith_eval(sh, e, &v);
    free(e);
    sh->loop_depth++;
    for (;;) {
        if (!sh_check(sh))
            break;
        if (expand_str(sh, n->u.arfor.test.text, EX_NOSPLIT | EX_NOGLOB | EX_HEREDOC, &e) != 0) {
            free(e);
            st = 1;
            break;
        }
        bool empty = !e[strspn(e, " \t\n")];
        int r = arith_eval(sh, e, &v);
        free(e);
        if (r != 0) {
            st = 1;
            break;
        }
        if (!empty && v == 0)
            break;
        st = sh_exec(sh, n->u.arfor.body);
        bool brk;
        if (loop_ctl(sh, &brk))
            break;
        if (expand_str(sh, n->u.arfor.step.text, EX_NOSPLIT | EX_NOGLOB | EX_HEREDOC, &e) == 0)
            arith_eval(sh, e, &v);
        free(e);
    }
    sh->loop_depth--;
    return st;
}

static int exec_while(shell *sh, node *n, bool until)
{
    int st = 0;
    sh->loop_depth++;
    for (;;) {
        if (!sh_check(sh))
            break;
        sh->noerrexit++;
        int c = sh_exec(sh, n->u.loop.cond);
        sh->noerrexit--;
        bool brk;
        if (sh->ctl != CTL_NONE) {
            if (loop_ctl(sh, &brk))
                break;
            continue;
        }
        if ((c == 0) == until)
            break;
        st = sh_exec(sh, n->u.loop.body);
        if (loop_ctl(sh, &brk))
            break;
    }
    sh->loop_depth--;
    return st;
}

static int exec_arith_cmd(shell *sh, node *n)
{
    char *e;
    if (expand_str(sh, n->u.arith.expr.text, EX_NOSPLIT | EX_NOGLOB | EX_HEREDOC, &e) != 0) {
        free(e);
        return 1;
    }
    long long v;
    int r = arith_eval(sh, e, &v);
    if (sh->opt_x)
        sh_printf(sh, 2, "+ (( %s ))\n", e);
    free(e);
    if (r != 0)
        return 1;
    return v == 0;
}

static int exec_cond(shell *sh, node *n)
{
    /* expand each operand without splitting or globbing; the right side of
     * == != = is a pattern (quoted parts literal), of =~ a regex */
    int cnt = n->u.cond.n;
    char **argv = xcalloc((size_t)cnt + 2, sizeof *argv);
    int st = 0;
    argv[0] = xstrdup("[[");
    for (int i = 0; i < cnt; i++) {
        word *w = &n->u.cond.w[i];
        if (w->line < 0) {
            argv[i + 1] = xstrdup(w->text);
            continue;
        }
        bool pat = i > 0 && n->u.cond.w[i - 1].line >= 0 &&
                   (strcmp(n->u.cond.w[i - 1].text, "==") == 0 ||
                    strcmp(n->u.cond.w[i - 1].text, "!=") == 0 ||
                    strcmp(n->u.cond.w[i - 1].text, "=") == 0 ||
                    strcmp(n->u.cond.w[i - 1].text, "=~") == 0);
        char *t;
        int r = pat ? expand_pattern(sh, w->text, &t) : expand_str(sh, w->text, EX_NOSPLIT | EX_NOGLOB, &t);
        if (r != 0) {
            free(t);
            st = 2;
            goto out;
        }
        argv[i + 1] = t;
    }
    if (sh->opt_x) {
        sx b;
        sx_init(&b);
        sx_adds(&b, "+ [[");
        for (int i = 1; i <= cnt; i++) {
            sx_addc(&b, ' ');
            sx_adds(&b, argv[i]);
        }
        sx_adds(&b, " ]]\n");
        io_write(sh, sh->fd[2], b.s, b.len);
        sx_free(&b);
    }
    st = test_eval(sh, NULL, cnt + 1, argv, true);
out:
    for (int i = 0; i <= cnt; i++)
        free(argv[i]);
    free(argv);
    return st;
}

int sh_exec(shell *sh, node *n)
{
    if (!n)
        return 0;
    if (!sh_check(sh) || !sh_stack_ok(sh))
        return sh->exit_status;
    int st = 0;
    fdsave sv;
    memset(&sv, 0, sizeof sv);
    bool redirs = n->redirs && n->kind != N_CMD;
    if (redirs && apply_redirs(sh, n->redirs, &sv) != 0) {
        restore_fds(sh, &sv);
        set_status(sh, 1);
        errexit(sh, 1);
        return 1;
    }
    switch (n->kind) {
    case N_CMD:
        st = exec_simple(sh, n);
        set_status(sh, st);
        errexit(sh, st);
        break;
    case N_PIPE:
        st = exec_pipeline(sh, n);
        set_status(sh, st);
        break;
    case N_AND:
    case N_OR:
        sh->noerrexit++;
        st = sh_exec(sh, n->u.bin.l);
        sh->noerrexit--;
        if (sh->ctl == CTL_NONE && ((st == 0) == (n->kind == N_AND)))
            st = sh_exec(sh, n->u.bin.r);
        set_status(sh, st);
        break;
    case N_LIST:
        for (int i = 0; i < n->u.list.n; i++) {
            st = sh_exec(sh, n->u.list.v[i]);
            if (n->u.list.async[i]) {
                sh->bg_pid = sh->bg_pid ? sh->bg_pid + 1 : 1000;
                st = 0;
            }
            set_status(sh, st);
            if (sh->ctl != CTL_NONE || sh->fatal)
                break;
        }
        break;
    case N_SUBSHELL:
        st = run_subshell(sh, n->u.sub.body);
        set_status(sh, st);
        errexit(sh, st);
        break;
    case N_GROUP:
        st = sh_exec(sh, n->u.sub.body);
        break;
    case N_IF: {
        sh->noerrexit++;
        int c = sh_exec(sh, n->u.ifn.cond);
        sh->noerrexit--;
        if (sh->ctl != CTL_NONE)
            break;
        if (c == 0)
            st = sh_exec(sh, n->u.ifn.then);
        else if (n->u.ifn.els)
            st = sh_exec(sh, n->u.ifn.els);
        else
            st = 0;
        set_status(sh, st);
        break;
    }
    case N_WHILE:
    case N_UNTIL:
        st = exec_while(sh, n, n->kind == N_UNTIL);
        set_status(sh, st);
        break;
    case N_FOR:
        st = exec_for(sh, n);
        set_status(sh, st);
        break;
    case N_ARFOR:
        st = exec_arfor(sh, n);
        set_status(sh, st);
        break;
    case N_CASE:
        st = exec_case(sh, n);
        set_status(sh, st);
        break;
    case N_FUNC: {
        /* the function body lives in the arena of the running script */
        func_set(sh, n->u.func.name, n->u.func.body, sh_cur_arena);
        st = 0;
        set_status(sh, 0);
        break;
    }
    case N_ARITH:
        st = exec_arith_cmd(sh, n);
        set_status(sh, st);
        errexit(sh, st);
        break;
    case N_COND:
        sh->lineno = n->line;
        st = exec_cond(sh, n);
        set_status(sh, st);
        errexit(sh, st);
        break;
    default:
        break;
    }
    if (redirs)
        restore_fds(sh, &sv);
    if (sh->ctl == CTL_EXIT && sh->fatal)
        return sh->exit_status;
    return st;
}

int sh_run_string(shell *sh, const char *src, size_t len, const char *what)
{
    if (len > SH_MAX_SCRIPT) {
        sh_errf(sh, "%s: script too large", what);
        return 2;
    }
    arena *a = arena_new();
    parse_err pe;
    sh_parser *p = sh_parser_new(a, src, len, 1, &pe);
    arena *saved = sh_cur_arena;
    sh_cur_arena = a;
    int st = 0;
    for (;;) {
        node *n;
        int r = sh_parse_one(p, &n);
        if (r == 0)
            break;
        if (r < 0) {
            sx b;
            sx_init(&b);
            sx_printf(&b, "bash: %s: line %d: %s\n", what, pe.line, pe.msg);
            io_write(sh, sh->fd[2], b.s, b.len);
            sx_free(&b);
            sh->status = 2;
            st = 2;
            break;
        }
        st = sh_exec(sh, n);
        if (sh->ctl != CTL_NONE || sh->fatal)
            break;
    }
    sh_parser_free(p);
    sh_cur_arena = saved;
    arena_unref(a);
    return st;
}
