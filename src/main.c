/* boxagnts: CLI parsing and wiring; no logic lives here.
 *
 * Global options may stand before or after the subcommand. Everything the
 * global parser does not know is handed to the subcommand, which parses its
 * own flags; `serve` (the default) accepts none beyond the globals. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "agent/agent.h"
#include "gateway/gateway.h"
#include "llm/llm.h"
#include "sandbox/sandbox.h"
#include "tools/tools.h"
#include "util/util.h"
#include "workspace/workspace.h"

typedef struct globals {
    const char *workspace_dir;
    const char *root;
    const char *host;
    int port;
    const char *app_dir;
    const char *admin_user;
    const char *admin_pass;
} globals;

typedef int (*subcommand_fn)(int argc, char **argv, const globals *g);

static int cmd_serve(int argc, char **argv, const globals *g);
static int cmd_run(int argc, char **argv, const globals *g);
static int cmd_tool(int argc, char **argv, const globals *g);
static int cmd_wasm(int argc, char **argv, const globals *g);
static int cmd_llm(int argc, char **argv, const globals *g);

static const struct {
    const char *name;
    subcommand_fn fn;
    const char *summary;
} subcommands[] = {
    {"serve", cmd_serve, "serve the API and dashboard (the default)"},
    {"run", cmd_run, "run an agent in the terminal: run \"PROMPT\" [--model P/M] [--json] ..."},
    {"tool", cmd_tool, "list, inspect and run tools: tool list | spec NAME | run NAME --json '{}'"},
    {"wasm", cmd_wasm, "run a WASI program in the sandbox: wasm run [--dir H::G[:ro]] FILE.wasm"},
    {"llm", cmd_llm, "try a provider: llm ping|chat --model provider/model [TEXT]"},
};

/* Subcommands that take the tree tools see get --root back as their own
 * flag; the module parses it with its other flags. */
static int with_root(int argc, char **argv, const globals *g,
                     int (*fn)(int, char **, const char *))
{
    if (!g->root)
        return fn(argc, argv, g->workspace_dir);
    char **args = calloc((size_t)argc + 3, sizeof *args);
    if (!args)
        return 1;
    int n = 0, i = 0;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++)
        args[n++] = argv[i];
    args[n++] = (char *)"--root";
    args[n++] = (char *)g->root;
    for (; i < argc; i++)
        args[n++] = argv[i];
    int rc = fn(n, args, g->workspace_dir);
    free(args);
    return rc;
}

static int cmd_run(int argc, char **argv, const globals *g)
{
    return with_root(argc, argv, g, agent_cli_main);
}

static int cmd_tool(int argc, char **argv, const globals *g)
{
    return with_root(argc, argv, g, tools_cli_main);
}

static int cmd_wasm(int argc, char **argv, const globals *g)
{
    return sandbox_cli_main(argc, argv, g->workspace_dir);
}

static int cmd_llm(int argc, char **argv, const globals *g)
{
    return llm_cli_main(argc, argv, g->workspace_dir);
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: boxagnts [GLOBAL OPTIONS] [SUBCOMMAND] [ARGS]\n"
            "\n"
            "Global options (before or after the subcommand):\n"
            "  --workspace-dir DIR   the workspace (default: the current directory)\n"
            "  --root DIR            the tree tools see (default: WORKSPACE/root)\n"
            "  --host ADDR           address to bind (default: 127.0.0.1)\n"
            "  --port N              port to listen on (default: 30001)\n"
            "  --app-dir DIR         serve dashboard files from DIR instead of the embedded ones\n"
            "  --admin-user U        admin user (required with a non-loopback --host)\n"
            "  --admin-pass P        admin password\n"
            "  --log-level L         error, warn, info, debug or trace (default: info)\n"
            "  --log-json            log one JSON object per line\n"
            "  --version             print the version and exit\n"
            "  --help                print this help and exit\n"
            "\n"
            "Subcommands:\n");
    for (size_t i = 0; i < BX_ARRAY_LEN(subcommands); i++)
        fprintf(out, "  %-10s %s\n", subcommands[i].name, subcommands[i].summary);
}

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "boxagnts: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n\n");
    usage(stderr);
    return 2;
}

/* ------------------------------------------------------------- serve */

static int cmd_serve(int argc, char **argv, const globals *g)
{
    if (argc > 1)
        return usage_error("serve: unexpected argument '%s'", argv[1]);
    if (!gateway_host_is_loopback(g->host) &&
        (!g->admin_user || !*g->admin_user || !g->admin_pass || !*g->admin_pass)) {
        fprintf(stderr, "boxagnts: --host %s would expose the server beyond this machine; "
                        "give --admin-user and --admin-pass as well\n", g->host);
        return 2;
    }
    workspace *ws;
    bx_error e;
    if (workspace_open(g->workspace_dir, g->root, &e, &ws) != BX_OK) {
        fprintf(stderr, "boxagnts: %s\n", e.message);
        return 1;
    }
    /* Block the stop signals in every thread (MHD's included) and take them
     * synchronously below, so shutdown runs on this thread, not a handler. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* Over a thousand SSE clients need over a thousand descriptors. */
    struct rlimit nofile;
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
        nofile.rlim_cur = nofile.rlim_max;
        setrlimit(RLIMIT_NOFILE, &nofile);
    }

    gateway_config cfg = {
        .host = g->host,
        .port = g->port,
        .app_dir = g->app_dir,
        .admin_user = g->admin_user,
        .admin_pass = g->admin_pass,
        .ws = ws,
    };
    gateway *gw;
    if (gateway_start(&cfg, &e, &gw) != BX_OK) {
        fprintf(stderr, "boxagnts: %s\n", e.message);
        workspace_close(ws);
        return e.code == BX_DENIED ? 2 : 1;
    }
    char base[128];
    snprintf(base, sizeof base, strchr(g->host, ':') ? "http://[%s]:%d" : "http://%s:%d", g->host,
             gateway_port(gw));
    bx_log(BX_LOG_INFO, "serve", "boxagnts %s serving workspace %s on %s/", BX_VERSION,
           workspace_dir(ws), base);
    /* The token is shown once, when it is made; afterwards it stays in
     * .boxagnts/secrets.json for whoever may read that file. */
    if (gateway_token_is_new(gw)) {
        printf("Open %s/login?token=%s to log in (shown once; the token is kept in %s)\n", base,
               gateway_token(gw), workspace_secrets_path(ws));
        fflush(stdout);
    }
    int sig = 0;
    while (sigwait(&stop, &sig) != 0)
        ;
    bx_log(BX_LOG_INFO, "serve", "%s received, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    gateway_stop(gw);
    workspace_close(ws);
    return 0;
}

/* -------------------------------------------------------------- main */

static bool take_value(int argc, char **argv, int *i, const char **out)
{
    const char *arg = argv[*i];
    const char *eq = strchr(arg, '=');
    if (eq) {
        *out = eq + 1;
        return true;
    }
    if (*i + 1 >= argc)
        return false;
    *out = argv[++*i];
    return true;
}

/* Matches "--name" or "--name=value". */
static bool is_opt(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

int main(int argc, char **argv)
{
    globals g = {.workspace_dir = ".", .host = "127.0.0.1", .port = 30001};
    const char *sub = NULL;
    /* Arguments for the subcommand: argv[0] is its name. */
    char **rest = calloc((size_t)argc + 3, sizeof *rest);
    int nrest = 1;
    bool after_dashdash = false;
    int rc = 2;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = NULL;
        if (after_dashdash) {
            rest[nrest++] = argv[i];
            continue;
        }
        if (strcmp(a, "--") == 0) {
            after_dashdash = true;
            rest[nrest++] = argv[i];
            continue;
        }
        if (strcmp(a, "--version") == 0 && !sub) {
            printf("boxagnts %s\n", BX_VERSION);
            rc = 0;
            goto out;
        }
        if ((strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) && !sub) {
            usage(stdout);
            rc = 0;
            goto out;
        }
        bool known = true;
        if (is_opt(a, "--workspace-dir")) {
            known = take_value(argc, argv, &i, &g.workspace_dir);
        } else if (is_opt(a, "--root")) {
            known = take_value(argc, argv, &i, &g.root);
        } else if (is_opt(a, "--host")) {
            known = take_value(argc, argv, &i, &g.host);
        } else if (is_opt(a, "--app-dir")) {
            known = take_value(argc, argv, &i, &g.app_dir);
        } else if (is_opt(a, "--admin-user")) {
            known = take_value(argc, argv, &i, &g.admin_user);
        } else if (is_opt(a, "--admin-pass")) {
            known = take_value(argc, argv, &i, &g.admin_pass);
        } else if (is_opt(a, "--port")) {
            if (!take_value(argc, argv, &i, &v)) {
                rc = usage_error("%s needs a value", a);
                goto out;
            }
            char *end;
            errno = 0;
            long port = strtol(v, &end, 10);
            if (errno || *end || end == v || port < 0 || port > 65535) {
                rc = usage_error("--port: '%s' is not a port number (0-65535)", v);
                goto out;
            }
            g.port = (int)port;
        } else if (is_opt(a, "--log-level")) {
            bx_log_level level;
            if (!take_value(argc, argv, &i, &v)) {
                rc = usage_error("%s needs a value", a);
                goto out;
            }
            if (!bx_log_level_parse(v, &level)) {
                rc = usage_error("--log-level: '%s' is not one of error, warn, info, debug, trace",
                                 v);
                goto out;
            }
            bx_log_set_level(level);
        } else if (strcmp(a, "--log-json") == 0) {
            bx_log_set_json(true);
        } else if (!sub && a[0] != '-') {
            sub = a;
        } else if (sub) {
            rest[nrest++] = argv[i]; /* the subcommand's own flag or argument */
        } else {
            rc = usage_error("unknown option '%s'", a);
            goto out;
        }
        if (!known) {
            rc = usage_error("%s needs a value", a);
            goto out;
        }
    }

    if (!sub)
        sub = "serve";
    for (size_t k = 0; k < BX_ARRAY_LEN(subcommands); k++) {
        if (strcmp(sub, subcommands[k].name) == 0) {
            rest[0] = (char *)subcommands[k].name;
            rc = subcommands[k].fn(nrest, rest, &g);
            goto out;
        }
    }
    rc = usage_error("unknown subcommand '%s'", sub);
out:
    free(rest);
    return rc;
}
