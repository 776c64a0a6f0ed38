/* main.c: entry point of the `bash` guest tool.
 *
 * Two faces: the tool contract (sdk/tool.h: --boxagnts-spec, --json-stdin,
 * --command '...') where stdout and stderr are captured together, in order,
 * into the result's content with the exit code in metadata; and a plain
 * shell (`bash -c 'script' [name [args]]`, `bash file`, or a script on
 * stdin) with real stdout/stderr and exit status, used by the tests.
 */
#include "sh.h"
#include "tool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

#define DEFAULT_TIMEOUT_MS 120000
#define MAX_TIMEOUT_MS 600000

static void default_vars(shell *sh)
{
    if (!var_get(sh, "HOME"))
        var_set(sh, "HOME", "/", V_EXPORT);
    if (!var_get(sh, "PATH"))
        var_set(sh, "PATH", "/usr/local/bin:/usr/bin:/bin", V_EXPORT);
    var_set(sh, "PWD", sh->cwd, V_EXPORT);
    var_set(sh, "SHELL", "/bin/bash", V_EXPORT);
    var_set(sh, "BASH_VERSION", "5.2.0(1)-boxagnts", 0);
    var_set(sh, "PS4", "+ ", 0);
    var_set(sh, "OPTIND", "1", 0);
}

static void import_env(shell *sh)
{
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq || !sh_is_name(*e, (size_t)(eq - *e)))
            continue;
        char *name = xstrndup(*e, (size_t)(eq - *e));
        if (strcmp(name, "SHELLOPTS") != 0 && strcmp(name, "BASHOPTS") != 0)
            var_set(sh, name, eq + 1, V_EXPORT);
        free(name);
    }
}

/* Runs the EXIT trap, if any, and returns the final status. */
static int finish(shell *sh, int st)
{
    if (sh->ctl == CTL_EXIT)
        st = sh->exit_status;
    const char *trap = var_get(sh, "BX_TRAP_EXIT");
    if (trap && !sh->fatal) {
        char *t = xstrdup(trap);
        var_unset(sh, "BX_TRAP_EXIT");
        sh->ctl = CTL_NONE;
        sh->status = st;
        sh_run_string(sh, t, strlen(t), "trap");
        free(t);
        if (sh->ctl == CTL_EXIT)
            st = sh->exit_status;
    }
    return st & 255;
}

/* ---- tool mode ---- */

static const tool_param params[] = {
    {"command", "string", "The shell script to run (bash syntax: pipelines, redirections, "
                          "loops, functions, $( ), here-documents).", true, NULL},
    {"timeout_ms", "integer", "Stop the script after this many milliseconds (default 120000, "
                              "at most 600000).", false, "\"minimum\":1,\"maximum\":600000"},
    {"cwd", "string", "Working directory (a path in the root tree; default /).", false, NULL},
    {"description", "string", "A short note on what the command does (ignored).", false, NULL},
};

static int run_tool(const js *input, tool_out *out)
{
    const char *cmd = js_get_str(input, "command");
    if (!cmd)
        return tool_fail(out, "command is required");
    long timeout = tool_get_int(input, "timeout_ms", DEFAULT_TIMEOUT_MS, 1, MAX_TIMEOUT_MS);
    shell sh_s;
    shell *sh = &sh_s;
    sh_init(sh, 0, NULL);
    char base;
    sh->stack_base = &base;
    const char *cwd = js_get_str(input, "cwd");
    free(sh->cwd);
    sh->cwd = sh_abspath(sh, cwd && *cwd ? cwd : "/");
    sh->tool_mode = true;
    sh->deadline_ms = sh_now_ms() + (uint64_t)timeout;
    sh_io *cap = io_new(IO_CAP);
    cap->limit = TOOL_MAX_CONTENT - 4096; /* room for the marker and message */
    sh->tool_out = cap;
    sh->fd[0] = io_new(IO_NULL);
    sh->fd[1] = cap;
    sh->fd[2] = io_ref(cap);
    import_env(sh);
    default_vars(sh);
    int st = sh_run_string(sh, cmd, strlen(cmd), "command");
    st = finish(sh, st);
    size_t n = cap->len - cap->off;
    sb_putn(&out->content, cap->buf ? cap->buf + cap->off : "", n);
    if (cap->truncated) {
        char msg[128];
        snprintf(msg, sizeof msg, "\n[output truncated: more than %u bytes]\n",
                 (unsigned)TOOL_MAX_CONTENT);
        sb_puts(&out->content, msg);
    }
    tool_meta_num(out, "exit_code", st);
    if (st != 0)
        out->error = true;
    sh_release(sh);
    return st != 0 ? 1 : 0;
}

static const tool_def bash_tool = {
    .name = "bash",
    .description =
        "Runs a bash script in the sandbox. The shell and its commands are built in: "
        "cat head tail wc sort uniq cut tr tee grep sed awk find xargs ls mkdir rmdir rm cp mv "
        "touch ln stat du basename dirname realpath readlink date sleep seq yes env printenv "
        "diff cmp base64 sha256sum md5sum tar jq nl fold expand rev tac split paste comm join "
        "od which, plus bash/sh for scripts. No network and no other programs (no python, "
        "git or compilers); files are those of the root tree. Each call starts a fresh "
        "shell in cwd (default /), so variables and cd do not carry over between calls. "
        "Output is stdout and stderr combined; the exit code is in metadata.",
    .level = "execute",
    .keywords = "shell,bash,sh,command,run,script,exec",
    .params = params,
    .nparams = (int)(sizeof params / sizeof params[0]),
    .run = run_tool,
};

/* ---- plain shell ---- */

static int usage(void)
{
    static const char m[] = "usage: bash [-euxv] [-o option] -c 'script' [name [args...]]\n"
                            "       bash [options] script-file [args...]\n"
                            "       bash --json-stdin | --command '...' | --boxagnts-spec\n";
    if (write(2, m, sizeof m - 1) < 0) {
    }
    return 2;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--boxagnts-spec") == 0 ||
                      strcmp(argv[1], "--json-stdin") == 0 || strcmp(argv[1], "--json") == 0 ||
                      strcmp(argv[1], "--command") == 0 || strncmp(argv[1], "--command=", 10) == 0 ||
                      strcmp(argv[1], "--help") == 0))
        return tool_main(&bash_tool, argc, argv);

    shell sh_s;
    shell *sh = &sh_s;
    sh_init(sh, argc, argv);
    char base;
    sh->stack_base = &base;
    sh->fd[0] = io_fd(0, false);
    sh->fd[1] = io_fd(1, false);
    sh->fd[2] = io_fd(2, false);
    import_env(sh);
    default_vars(sh);
    const char *script = NULL;
    int i = 1;
    bool from_stdin = false;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (strcmp(a, "--timeout-ms") == 0 && i + 1 < argc) {
            long long t;
            if (!parse_ll(argv[++i], &t) || t <= 0)
                return usage();
            sh->deadline_ms = sh_now_ms() + (uint64_t)t;
            continue;
        }
        if (strcmp(a, "--norc") == 0 || strcmp(a, "--noprofile") == 0 || strcmp(a, "--posix") == 0)
            continue;
        if ((a[0] != '-' && a[0] != '+') || !a[1])
            break;
        bool on = a[0] == '-';
        for (const char *p = a + 1; *p; p++) {
            switch (*p) {
            case 'c':
                if (i + 1 >= argc)
                    return usage();
                script = argv[++i];
                break;
            case 'e': sh->opt_e = on; break;
            case 'u': sh->opt_u = on; break;
            case 'x': sh->opt_x = on; break;
            case 'v': sh->opt_v = on; break;
            case 'f': sh->opt_f = on; break;
            case 's': from_stdin = true; break;
            case 'l': case 'i': case 'p': case 'r': break;
            case 'o':
                if (i + 1 >= argc)
                    return usage();
                i++;
                if (strcmp(argv[i], "pipefail") == 0)
                    sh->opt_pipefail = on;
                else if (strcmp(argv[i], "errexit") == 0)
                    sh->opt_e = on;
                else if (strcmp(argv[i], "nounset") == 0)
                    sh->opt_u = on;
                else if (strcmp(argv[i], "xtrace") == 0)
                    sh->opt_x = on;
                break;
            default:
                return usage();
            }
        }
        if (script)
            break;
    }
    if (script)
        i++;
    sx text;
    sx_init(&text);
    const char *what = "-c";
    if (script) {
        sx_adds(&text, script);
        if (i < argc)
            sh->arg0 = xstrdup(argv[i++]);
    } else if (i < argc && !from_stdin) {
        what = argv[i];
        if (sh_read_file(sh, argv[i], &text, SH_MAX_SCRIPT) != 0) {
            fprintf(stderr, "bash: %s: %s\n", argv[i], sh_strerror(errno));
            sx_free(&text);
            sh_release(sh);
            return 127;
        }
        sh->arg0 = xstrdup(argv[i++]);
    } else {
        what = "stdin";
        if (io_pull_all(sh, sh->fd[0], &text) != 0) {
            fprintf(stderr, "bash: script on stdin too large\n");
            sx_free(&text);
            sh_release(sh);
            return 2;
        }
        io_unref(sh->fd[0]);
        sh->fd[0] = io_new(IO_NULL);
    }
    for (; i < argc; i++)
        strv_push(&sh->pos, xstrdup(argv[i]));
    int st = sh_run_string(sh, text.s, text.len, what);
    st = finish(sh, st);
    sx_free(&text);
    sh_release(sh);
    return st;
}
