/* cli.c: `boxagnts llm ping|chat|models`, for trying a provider by hand.
 * Providers, base URLs and models come from the workspace settings, keys
 * from secrets.json or the environment, exactly as the agent resolves them.
 * chat streams the reply's text to stdout as it arrives (thinking goes to
 * stderr), then a usage and cost line to stderr.
 */
#include "llm/llm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workspace/workspace.h"

static void cli_usage(FILE *out)
{
    fprintf(out,
            "usage: boxagnts llm ping --model PROVIDER/MODEL\n"
            "       boxagnts llm chat --model PROVIDER/MODEL [options] MESSAGE\n"
            "       boxagnts llm models\n"
            "\n"
            "chat options:\n"
            "  --system TEXT        system prompt\n"
            "  --max-tokens N       output token limit\n"
            "  --thinking N         thinking budget in tokens (Anthropic, Gemini)\n"
            "  --effort LEVEL       reasoning effort: low, medium or high\n"
            "  --no-stream          ask for one JSON response instead of a stream\n"
            "  --json               print the neutral events, one JSON object per line\n"
            "\n"
            "Providers: ");
    for (const char *const *id = llm_preset_ids(); *id; id++)
        fprintf(out, "%s%s", *id, id[1] ? ", " : "\n");
    fprintf(out, "Keys: secrets.json or OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY, ...\n"
                 "Base URLs: OPENAI_BASE_URL, ANTHROPIC_BASE_URL, GOOGLE_GEMINI_BASE_URL, OLLAMA_HOST\n");
}

static char *ws_secret(void *ctx, const char *name) { return workspace_secret(ctx, name); }

typedef struct chat_out {
    bool json;
    bool thinking_open;
    bool any_text;
} chat_out;

static int print_sink(void *ctx, const llm_event *ev)
{
    chat_out *o = ctx;
    if (o->json) {
        json_t *j = llm_event_json(ev);
        char *s = jx_dumps(j);
        if (s)
            printf("%s\n", s);
        free(s);
        json_decref(j);
        fflush(stdout);
        return 0;
    }
    switch (ev->type) {
    case LLM_EV_THINKING_DELTA:
        fwrite(ev->text.ptr, 1, ev->text.len, stderr);
        o->thinking_open = true;
        break;
    case LLM_EV_TEXT_DELTA:
        if (o->thinking_open) {
            fputc('\n', stderr);
            o->thinking_open = false;
        }
        fwrite(ev->text.ptr, 1, ev->text.len, stdout);
        fflush(stdout);
        o->any_text = true;
        break;
    case LLM_EV_TOOL_CALL_START:
        fprintf(stderr, "[tool call %s %s]\n", ev->name, ev->id);
        break;
    case LLM_EV_RETRY:
        fprintf(stderr, "[%s (HTTP %d): %.*s; attempt %d in %lld ms]\n", bx_err_name(ev->err),
                ev->status, (int)(ev->text.len > 300 ? 300 : ev->text.len),
                ev->text.ptr ? ev->text.ptr : "", ev->attempt, (long long)ev->delay_ms);
        break;
    default:
        break;
    }
    return 0;
}

/* chat both prints and collects (for the summary line) */
typedef struct tee {
    chat_out out;
    llm_response *resp;
} tee;

static int tee_sink(void *ctx, const llm_event *ev)
{
    tee *t = ctx;
    llm_response_sink(t->resp, ev);
    return print_sink(&t->out, ev);
}

static bool parse_int(const char *s, int64_t *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v < 0)
        return false;
    *out = v;
    return true;
}

static int cmd_models(void)
{
    const json_t *models = jx_obj(llm_catalog(), "models");
    const char *k;
    json_t *v;
    printf("%-48s %10s %8s %8s %8s\n", "model", "context", "max out", "$in/M", "$out/M");
    json_object_foreach((json_t *)models, k, v) {
        printf("%-48s %10lld %8lld %8.3f %8.3f\n", k, (long long)jx_int(v, "context_window", 0),
               (long long)jx_int(v, "max_output", 0), jx_num(v, "input", 0), jx_num(v, "output", 0));
    }
    return 0;
}

int llm_cli_main(int argc, char **argv, const char *workspace_dir)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        cli_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "models") == 0)
        return cmd_models();
    bool ping = strcmp(sub, "ping") == 0;
    if (!ping && strcmp(sub, "chat") != 0) {
        fprintf(stderr, "boxagnts llm: unknown subcommand '%s'\n", sub);
        cli_usage(stderr);
        return 2;
    }
    const char *model = NULL, *system = NULL, *message = NULL, *effort = NULL;
    int64_t max_tokens = -1, thinking = -1;
    bool json = false, stream = true;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        bool has_val = i + 1 < argc;
        if (strcmp(a, "--model") == 0 && has_val) {
            model = argv[++i];
        } else if (strcmp(a, "--system") == 0 && has_val) {
            system = argv[++i];
        } else if (strcmp(a, "--effort") == 0 && has_val) {
            effort = argv[++i];
        } else if (strcmp(a, "--max-tokens") == 0 && has_val) {
            if (!parse_int(argv[++i], &max_tokens)) {
                fprintf(stderr, "boxagnts llm: --max-tokens needs a number\n");
                return 2;
            }
        } else if (strcmp(a, "--thinking") == 0 && has_val) {
            if (!parse_int(argv[++i], &thinking)) {
                fprintf(stderr, "boxagnts llm: --thinking needs a number\n");
                return 2;
            }
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (strcmp(a, "--no-stream") == 0) {
            stream = false;
        } else if (a[0] == '-' && a[1] == '-') {
            fprintf(stderr, "boxagnts llm: unknown or incomplete option '%s'\n", a);
            return 2;
        } else if (!message && !ping) {
            message = a;
        } else {
            fprintf(stderr, "boxagnts llm: unexpected argument '%s'\n", a);
            return 2;
        }
    }
    if (!ping && !message) {
        fprintf(stderr, "boxagnts llm chat: a message is required\n");
        return 2;
    }

    int rc = 1;
    bx_error detail;
    workspace *ws = NULL;
    const workspace_config *settings = NULL;
    llm_provider prov;
    char *model_id = NULL;
    llm_provider_init(&prov);
    if (workspace_open(workspace_dir ? workspace_dir : ".", NULL, &detail, &ws) != BX_OK) {
        fprintf(stderr, "boxagnts llm: %s\n", detail.message);
        goto out;
    }
    settings = workspace_config_get(ws);
    if (!model && *settings->default_model)
        model = settings->default_model;
    if (!model) {
        fprintf(stderr, "boxagnts llm: --model PROVIDER/MODEL is required\n");
        rc = 2;
        goto out;
    }
    llm_provider_release(&prov);
    if (llm_provider_resolve(model, settings, ws_secret, ws, NULL, NULL, &prov, &model_id,
                             &detail) != BX_OK) {
        fprintf(stderr, "boxagnts llm: %s\n", detail.message);
        goto out;
    }

    llm_block block = {.type = LLM_BLOCK_TEXT, .text = ping ? "Reply with the single word: pong" : message};
    llm_message msg = {.role = LLM_ROLE_USER, .blocks = &block, .n_blocks = 1};
    llm_request req;
    llm_request_init(&req);
    req.model = model_id;
    req.system = system;
    req.messages = &msg;
    req.n_messages = 1;
    req.max_tokens = ping && max_tokens < 0 ? 16 : max_tokens;
    req.thinking_budget = thinking;
    req.reasoning_effort = effort;
    req.stream = stream;

    llm_response resp;
    llm_response_init(&resp);
    tee t = {{.json = json}, &resp};
    llm_call_stats stats;
    bx_err err = llm_call(&prov, &req, ping ? llm_response_sink : tee_sink,
                          ping ? (void *)&resp : (void *)&t, NULL, &stats);
    if (!ping && !json && t.out.any_text)
        fputc('\n', stdout);
    fflush(stdout);
    if (err) {
        fprintf(stderr, "boxagnts llm: %s: %s%s%s\n", model, bx_err_name(err),
                resp.error ? ": " : "", resp.error ? resp.error : "");
    } else {
        llm_model_info mi;
        bool priced = llm_model_lookup(model, settings->models, &mi) == BX_OK;
        double cost = priced ? llm_cost(&mi, &resp.usage) : 0;
        if (ping)
            printf("ok %s: %.0f ms (first byte %.0f ms), reply \"%s\"\n", model,
                   (double)stats.total_ns / 1e6, (double)stats.first_byte_ns / 1e6, resp.text.data);
        fprintf(stderr, "[%s: %lld in, %lld out, %lld cache read, %lld cache write tokens; stop %s",
                model, (long long)resp.usage.input_tokens, (long long)resp.usage.output_tokens,
                (long long)resp.usage.cache_read_tokens, (long long)resp.usage.cache_write_tokens,
                llm_stop_name(resp.stop));
        if (priced)
            fprintf(stderr, "; $%.6f", cost);
        fprintf(stderr, "]\n");
        rc = 0;
    }
    llm_response_release(&resp);
out:
    bx_free(model_id);
    llm_provider_release(&prov);
    workspace_config_release(settings);
    if (ws)
        workspace_close(ws);
    return rc;
}
