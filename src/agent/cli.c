/* cli.c: `boxagnts run "prompt" [flags]` — an agent in the terminal.
 *
 * The run executes on a worker thread; the main thread owns the terminal:
 * it answers approval requests and questions from the TTY (by explicit
 * agent_run_approve/agent_run_answer calls, as the gateway does), and a
 * signal thread turns Ctrl-C into agent_run_cancel. Without a TTY nothing
 * can be asked, so whatever would ask is denied. --json prints every event
 * (docs/events.md) as one line on stdout. The exit code follows the outcome.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent_int.h"

#define PROMPT_MAX (1u << 20)

typedef struct cli_state {
    bool json;
    bool color;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    json_t *asks;        /* approval_request / question events waiting for the TTY */
    bool done;
    agent_run *run;
    const char *prompt;
    agent_outcome outcome;
    bx_error detail;
} cli_state;

static void cli_sink(void *ctx, const json_t *ev)
{
    cli_state *cs = ctx;
    const char *type = jx_str(ev, "type", "");
    if (cs->json) {
        char *line = jx_dumps(ev);
        if (line) {
            fputs(line, stdout);
            fputc('\n', stdout);
            fflush(stdout);
        }
        free(line);
    } else {
        agent__print_event(stdout, ev, cs->color);
    }
    if (strcmp(type, "approval_request") == 0 || strcmp(type, "question") == 0) {
        pthread_mutex_lock(&cs->lock);
        json_array_append(cs->asks, (json_t *)ev);
        pthread_cond_broadcast(&cs->cond);
        pthread_mutex_unlock(&cs->lock);
    }
}

static void *run_thread(void *arg)
{
    cli_state *cs = arg;
    cs->outcome = agent_run_exec(cs->run, cs->prompt, &cs->detail);
    pthread_mutex_lock(&cs->lock);
    cs->done = true;
    pthread_cond_broadcast(&cs->cond);
    pthread_mutex_unlock(&cs->lock);
    return NULL;
}

typedef struct sig_state {
    sigset_t set;
    agent_run *run;
} sig_state;

static void *signal_thread(void *arg)
{
    sig_state *ss = arg;
    int seen = 0;
    for (;;) {
        int sig = 0;
        if (sigwait(&ss->set, &sig) != 0)
            continue;
        if (sig == SIGUSR1)
            return NULL; /* our own wake-up at the end */
        if (++seen > 1) {
            /* a second Ctrl-C while the first is being honoured: the user
             * insists; every stored record is already committed (WAL) */
            static const char msg[] = "\nboxagnts run: interrupted again, exiting now\n";
            if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
            }
            _exit(130);
        }
        agent_run_cancel(ss->run);
    }
}

/* Reads one line from stdin, giving up when the run ends meanwhile. */
static bool read_line(cli_state *cs, char *buf, size_t cap)
{
    for (;;) {
        pthread_mutex_lock(&cs->lock);
        bool done = cs->done;
        pthread_mutex_unlock(&cs->lock);
        if (done)
            return false;
        struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
        int r = poll(&p, 1, 100);
        if (r < 0 && errno != EINTR)
            return false;
        if (r > 0) {
            if (!fgets(buf, (int)cap, stdin))
                return false;
            buf[strcspn(buf, "\r\n")] = '\0';
            return true;
        }
    }
}

static void answer_one(cli_state *cs, json_t *ev)
{
    char line[4096];
    const char *type = jx_str(ev, "type", "");
    if (strcmp(type, "question") == 0) {
        fprintf(stderr, "\n? %s\n", jx_str(ev, "question", ""));
        size_t i;
        json_t *o;
        json_array_foreach(jx_arr(ev, "options"), i, o)
            fprintf(stderr, "  %zu) %s\n", i + 1, json_string_value(o) ? json_string_value(o) : "");
        fprintf(stderr, "> ");
        if (!read_line(cs, line, sizeof(line)))
            return;
        char *end;
        long k = strtol(line, &end, 10);
        json_t *opt = (*line && !*end && k >= 1) ? json_array_get(jx_arr(ev, "options"), (size_t)k - 1) : NULL;
        agent_run_answer(cs->run, jx_str(ev, "question_id", ""),
                         json_is_string(opt) ? json_string_value(opt) : line);
        return;
    }
    char *in = jx_dumps(jx_obj(ev, "input"));
    fprintf(stderr, "\nAllow %s(%.400s)?\n  reason: %s\n  [y] yes once  [a] always  [n] no  "
                    "(or type a message to deny with it) > ",
            jx_str(ev, "tool", ""), in ? in : "", jx_str(ev, "reason", ""));
    free(in);
    if (!read_line(cs, line, sizeof(line)))
        return;
    agent_answer a = AGENT_ANSWER_DENY;
    const char *msg = NULL;
    if (strcmp(line, "y") == 0 || strcmp(line, "yes") == 0)
        a = AGENT_ANSWER_ALLOW_ONCE;
    else if (strcmp(line, "a") == 0 || strcmp(line, "always") == 0)
        a = AGENT_ANSWER_ALLOW_ALWAYS;
    else if (*line && strcmp(line, "n") != 0 && strcmp(line, "no") != 0) {
        a = AGENT_ANSWER_DENY_WITH_MESSAGE;
        msg = line;
    }
    if (agent_run_approve(cs->run, jx_str(ev, "approval_id", ""), a, msg) != BX_OK)
        fprintf(stderr, "(the request had already expired)\n");
}

static void usage(FILE *f)
{
    fprintf(f, "usage: boxagnts run \"prompt\" [--model provider/model] [--agent build|plan|explore|NAME]\n"
               "           [--permission-mode default|accept-edits|plan|bypass] [--max-turns N]\n"
               "           [--budget-usd X] [--max-time SECONDS] [--max-tokens N] [--session ID]\n"
               "           [--json] [--root DIR]\n"
               "  prompt \"-\" reads it from stdin. Exit: 0 completed, 1 error, 2 usage,\n"
               "  3 a budget stopped the run, 130 cancelled.\n");
}

static bool parse_num(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi))
        return false;
    *out = v;
    return true;
}

int agent_cli_main(int argc, char **argv, const char *workspace_dir)
{
    static const struct option opts[] = {
        {"model", required_argument, NULL, 'm'},      {"agent", required_argument, NULL, 'a'},
        {"permission-mode", required_argument, NULL, 'p'},
        {"max-turns", required_argument, NULL, 't'},  {"budget-usd", required_argument, NULL, 'b'},
        {"max-time", required_argument, NULL, 'T'},   {"max-tokens", required_argument, NULL, 'k'},
        {"session", required_argument, NULL, 's'},    {"json", no_argument, NULL, 'j'},
        {"root", required_argument, NULL, 'r'},       {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *model_spec = NULL, *agent_name = "build", *mode_s = NULL, *session = NULL,
               *root = NULL;
    double max_turns = 0, budget = 0, max_time = 0, max_tokens = 0;
    bool json = false;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        bool ok = true;
        switch (c) {
        case 'm': model_spec = optarg; break;
        case 'a': agent_name = optarg; break;
        case 'p': mode_s = optarg; break;
        case 't': ok = parse_num(optarg, 1, 1e6, &max_turns); break;
        case 'b': ok = parse_num(optarg, 0, 1e9, &budget); break;
        case 'T': ok = parse_num(optarg, 0, 1e7, &max_time); break;
        case 'k': ok = parse_num(optarg, 1, 1e15, &max_tokens); break;
        case 's': session = optarg; break;
        case 'j': json = true; break;
        case 'r': root = optarg; break;
        case 'h': usage(stdout); return 0;
        default:
            fprintf(stderr, "boxagnts run: unknown or incomplete option '%s'\n", argv[optind - 1]);
            usage(stderr);
            return 2;
        }
        if (!ok) {
            fprintf(stderr, "boxagnts run: bad value '%s' for --%s\n", optarg,
                    c == 't' ? "max-turns" : c == 'b' ? "budget-usd" : c == 'T' ? "max-time" : "max-tokens");
            return 2;
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr, "boxagnts run: exactly one prompt is needed\n");
        usage(stderr);
        return 2;
    }
    const char *prompt_arg = argv[optind];
    agent_mode mode = AGENT_MODE_DEFAULT;
    if (mode_s && !agent_mode_parse(mode_s, &mode)) {
        fprintf(stderr, "boxagnts run: unknown permission mode '%s'\n", mode_s);
        return 2;
    }

    int rc = 1;
    bx_error detail;
    bx_error_clear(&detail);
    workspace *ws = NULL;
    store *st = NULL;
    const workspace_config *settings = NULL;
    agent_model model;
    memset(&model, 0, sizeof(model));
    agent_run *run = NULL;
    tools_registry *reg = NULL;
    agent_toolset toolset = {0};
    bx_buf prompt;
    bx_buf_init(&prompt, PROMPT_MAX);
    cli_state cs = {.json = json, .color = !json && isatty(STDOUT_FILENO)};
    pthread_mutex_init(&cs.lock, NULL);
    pthread_cond_init(&cs.cond, NULL);
    cs.asks = json_array();

    sig_state sigs = {0};
    sigemptyset(&sigs.set);
    sigaddset(&sigs.set, SIGINT);
    sigaddset(&sigs.set, SIGTERM);
    sigaddset(&sigs.set, SIGUSR1);
    sigset_t old;
    pthread_sigmask(SIG_BLOCK, &sigs.set, &old);

    if (strcmp(prompt_arg, "-") == 0) {
        char chunk[8192];
        size_t n;
        while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0) {
            if (bx_buf_append(&prompt, chunk, n) != BX_OK) {
                fprintf(stderr, "boxagnts run: the prompt is larger than %u bytes\n", PROMPT_MAX);
                rc = 2;
                goto out;
            }
        }
    } else if (bx_buf_puts(&prompt, prompt_arg) != BX_OK) {
        fprintf(stderr, "boxagnts run: the prompt is larger than %u bytes\n", PROMPT_MAX);
        rc = 2;
        goto out;
    }

    if (workspace_open(workspace_dir ? workspace_dir : ".", root, &detail, &ws) != BX_OK) {
        fprintf(stderr, "boxagnts run: %s\n", detail.message);
        goto out;
    }
    settings = workspace_config_get(ws);
    agent_profile prof;
    if (agent_profile_resolve(settings, agent_name, mode_s ? agent_mode_name(mode) : NULL,
                              model_spec, &prof, &detail) != BX_OK) {
        fprintf(stderr, "boxagnts run: %s\n", detail.message);
        rc = prof.def ? 1 : 2;
        goto out;
    }
    agent_access access = prof.access;
    mode = prof.mode;
    model_spec = prof.model;
    if (!model_spec) {
        fprintf(stderr, "boxagnts run: no model: pass --model provider/model\n");
        rc = 2;
        goto out;
    }
    bx_err merr = agent_model_llm(ws, model_spec, &model, &detail);
    if (merr != BX_OK) {
        fprintf(stderr, "boxagnts run: %s\n", detail.message);
        if (merr == BX_AUTH || merr == BX_INVALID)
            agent_first_run_help(ws, settings, stderr);
        goto out;
    }
    /* WAL with synchronous=NORMAL: every write survives a crash of this
     * process (what resume needs); only a power cut can lose the last
     * commits. FULL costs an fsync per record, ~25 ms a turn here. */
    store_options so = {.sync_normal = true};
    if (store_open(workspace_db_path(ws), &so, &st, &detail) != BX_OK) {
        fprintf(stderr, "boxagnts run: store: %s\n", detail.message);
        goto out;
    }

    /* The sandboxed tools: embedded ones and W/extensions/tools. */
    reg = tools_registry_new(NULL);
    tools_registry_add_embedded(reg);
    tools_registry_load_dir(reg, workspace_tools_dir(ws), false);
    tools_ctx tctx;
    tools_ctx_from_config(&tctx, settings, workspace_root(ws));
    agent_toolset_from_registry(reg, &tctx, &toolset);

    agent_config cfg = {
        .ws = ws,
        .tools = toolset.tools,
        .n_tools = toolset.n,
        .st = st,
        .model = &model,
        .agent_name = agent_name,
        .access = access,
        .mode = mode,
        .session_id = session,
        .sink = cli_sink,
        .sink_ctx = &cs,
        .can_ask = isatty(STDIN_FILENO),
        .max_turns = (int)max_turns,
        .max_time_ms = (int64_t)(max_time * 1000),
        .max_cost_usd = budget,
        .max_tokens = (int64_t)max_tokens,
    };
    if (agent_run_new(&cfg, &run, &detail) != BX_OK) {
        fprintf(stderr, "boxagnts run: %s\n", detail.message);
        goto out;
    }
    cs.run = run;
    cs.prompt = prompt.data;

    /* Ctrl-C and SIGTERM cancel the run; a thread waits for them (they
     * were blocked before any thread existed, so none takes the default). */
    sigs.run = run;
    pthread_t sig_th, run_th;
    bool sig_ok = pthread_create(&sig_th, NULL, signal_thread, &sigs) == 0;
    if (pthread_create(&run_th, NULL, run_thread, &cs) != 0) {
        run_thread(&cs);
    } else {
        pthread_mutex_lock(&cs.lock);
        while (!cs.done) {
            if (json_array_size(cs.asks)) {
                json_t *ev = json_incref(json_array_get(cs.asks, 0));
                json_array_remove(cs.asks, 0);
                pthread_mutex_unlock(&cs.lock);
                answer_one(&cs, ev);
                json_decref(ev);
                pthread_mutex_lock(&cs.lock);
                continue;
            }
            pthread_cond_wait(&cs.cond, &cs.lock);
        }
        pthread_mutex_unlock(&cs.lock);
        pthread_join(run_th, NULL);
    }
    if (sig_ok) {
        pthread_kill(sig_th, SIGUSR1);
        pthread_join(sig_th, NULL);
    }
    if (cs.outcome == AGENT_OUTCOME_ERROR && cs.detail.message[0] && !json)
        fprintf(stderr, "boxagnts run: %s\n", cs.detail.message);
    if (!json && agent_run_session_id(run)[0])
        fprintf(stderr, "session %s\n", agent_run_session_id(run));
    rc = agent_outcome_exit_code(cs.outcome);

out:
    agent_run_free(run);
    agent_toolset_release(&toolset);
    if (reg)
        tools_registry_free(reg);
    if (model.call)
        agent_model_llm_release(&model);
    store_close(st);
    workspace_config_release(settings);
    workspace_close(ws);
    bx_buf_release(&prompt);
    json_decref(cs.asks);
    pthread_cond_destroy(&cs.cond);
    pthread_mutex_destroy(&cs.lock);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}
