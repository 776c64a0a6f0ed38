/* test_cli.c: `boxagnts llm chat|ping|models` through llm_cli_main, against
 * the fake server in each protocol. Base URLs come from the conventional
 * environment variables and keys from the environment, as a user would set
 * them; stdout is captured through a temporary file. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "fake.h"
#include "llm/llm.h"
#include "test.h"

static char ws_dir[256];

/* Runs llm_cli_main with stdout redirected; returns the exit code. */
static int run_cli(int argc, const char **args, bx_buf *out)
{
    char *argv[16];
    for (int i = 0; i < argc && i < 16; i++)
        argv[i] = bx_strdup(args[i]);
    char path[300];
    snprintf(path, sizeof(path), "%s/stdout.txt", ws_dir);
    fflush(stdout);
    int saved = dup(1);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 1);
    close(fd);
    int rc = llm_cli_main(argc, argv, ws_dir);
    for (int i = 0; i < argc && i < 16; i++)
        bx_free(argv[i]);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    bx_buf_reset(out);
    bx_read_file(path, 1 << 20, out);
    return rc;
}

TEST(setup)
{
    REQUIRE(fake_start() > 0);
    snprintf(ws_dir, sizeof(ws_dir), "/tmp/bx-llm-cli-%d", (int)getpid());
    REQUIRE(mkdir(ws_dir, 0700) == 0 || errno == EEXIST);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1", fake_port);
    setenv("OPENAI_BASE_URL", url, 1);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", fake_port);
    setenv("ANTHROPIC_BASE_URL", url, 1);
    setenv("GOOGLE_GEMINI_BASE_URL", url, 1);
    snprintf(url, sizeof(url), "127.0.0.1:%d", fake_port);
    setenv("OLLAMA_HOST", url, 1);
    setenv("OPENAI_API_KEY", "k-openai", 1);
    setenv("ANTHROPIC_API_KEY", "k-anthropic", 1);
    setenv("GEMINI_API_KEY", "k-gemini", 1);
}

TEST(chat_streams_in_each_protocol)
{
    const char *models[] = {"openai/gpt-4o-mini", "openai-responses/gpt-5", "anthropic/claude-sonnet-4-5",
                            "gemini/gemini-2.5-flash", "google/gemini-2.5-flash", "ollama/llama3.2"};
    bx_buf out;
    bx_buf_init(&out, 1 << 20);
    for (size_t i = 0; i < BX_ARRAY_LEN(models); i++) {
        fake_script("{\"turns\":[{\"text\":\"Hi! I am the fake.\",\"chunk\":3,\"usage\":{\"input\":4,\"output\":6}}]}");
        const char *argv[] = {"llm", "chat", "--model", models[i], "hello", NULL};
        int rc = run_cli(5, argv, &out);
        CHECK_EQ_INT(rc, 0);
        if (strcmp(out.data, "Hi! I am the fake.\n") != 0)
            fprintf(stderr, "%s: got [%s]\n", models[i], out.data);
        CHECK_EQ_STR(out.data, "Hi! I am the fake.\n");
        json_t *reqs = fake_requests();
        json_t *q = json_array_get(reqs, 0);
        CHECK(q != NULL);
        json_t *h = jx_obj(q, "headers");
        if (strncmp(models[i], "anthropic", 9) == 0)
            CHECK_EQ_STR(jx_str(h, "x-api-key", ""), "k-anthropic");
        else if (strncmp(models[i], "g", 1) == 0)
            CHECK_EQ_STR(jx_str(h, "x-goog-api-key", ""), "k-gemini");
        else if (strncmp(models[i], "openai", 6) == 0)
            CHECK_EQ_STR(jx_str(h, "authorization", ""), "Bearer k-openai");
        else
            CHECK(jx_str(h, "authorization", NULL) == NULL); /* ollama: no key */
        json_decref(reqs);
    }
    bx_buf_release(&out);
}

TEST(chat_json_and_no_stream)
{
    bx_buf out;
    bx_buf_init(&out, 1 << 20);
    fake_script("{\"turns\":[{\"text\":\"ab\",\"chunk\":1}]}");
    const char *argv[] = {"llm", "chat", "--model", "anthropic/claude-haiku-4-5", "--json", "hi", NULL};
    CHECK_EQ_INT(run_cli(6, argv, &out), 0);
    CHECK(strstr(out.data, "{\"type\":\"text_delta\",\"text\":\"a\"}\n{\"type\":\"text_delta\",\"text\":\"b\"}") != NULL);
    CHECK(strstr(out.data, "{\"type\":\"stop\",\"stop\":\"end_turn\"}") != NULL);
    fake_script("{\"turns\":[{\"text\":\"whole\"}]}");
    const char *argv2[] = {"llm", "chat", "--model", "gemini/gemini-2.5-pro", "--no-stream", "hi", NULL};
    CHECK_EQ_INT(run_cli(6, argv2, &out), 0);
    CHECK_EQ_STR(out.data, "whole\n");
    json_t *reqs = fake_requests();
    CHECK(strstr(jx_str(json_array_get(reqs, 0), "path", ""), ":generateContent") != NULL);
    json_decref(reqs);
    bx_buf_release(&out);
}

TEST(ping_and_errors)
{
    bx_buf out;
    bx_buf_init(&out, 1 << 20);
    fake_script("{\"turns\":[{\"text\":\"pong\"}]}");
    const char *argv[] = {"llm", "ping", "--model", "openai/gpt-4o", NULL};
    CHECK_EQ_INT(run_cli(4, argv, &out), 0);
    CHECK(strncmp(out.data, "ok openai/gpt-4o:", 17) == 0);
    CHECK(strstr(out.data, "\"pong\"") != NULL);
    fake_script("{\"default\":{\"fault\":{\"type\":\"context_length\"}}}");
    CHECK_EQ_INT(run_cli(4, argv, &out), 1);
    const char *bad[] = {"llm", "chat", "--model", "nosuch/x", "hi", NULL};
    CHECK_EQ_INT(run_cli(5, bad, &out), 1);
    const char *nomsg[] = {"llm", "chat", "--model", "openai/x", NULL};
    CHECK_EQ_INT(run_cli(4, nomsg, &out), 2);
    const char *unk[] = {"llm", "frobnicate", NULL};
    CHECK_EQ_INT(run_cli(2, unk, &out), 2);
    const char *models[] = {"llm", "models", NULL};
    CHECK_EQ_INT(run_cli(2, models, &out), 0);
    CHECK(strstr(out.data, "anthropic/claude-sonnet-4-5") != NULL);
    bx_buf_release(&out);
}

TEST(cleanup)
{
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", ws_dir);
    CHECK(system(cmd) == 0);
}

TEST_MAIN()
