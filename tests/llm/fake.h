/* fake.h: starting and scripting tests/fakes/fake_llm.py from a C test.
 * The fake listens on 127.0.0.1 on a port it picks (printed on its first
 * stdout line); scripts are loaded with POST /_fake/script and the recorded
 * requests read with GET /_fake/requests. Header-only: static functions. */
#ifndef BX_TEST_LLM_FAKE_H
#define BX_TEST_LLM_FAKE_H

#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "json/json.h"

static pid_t fake_pid;
static int fake_port;

static void fake_stop(void)
{
    if (fake_pid > 0) {
        kill(fake_pid, SIGTERM);
        waitpid(fake_pid, NULL, 0);
        fake_pid = 0;
    }
}

/* Starts the fake once per process; returns its port or 0. */
static int fake_start(void)
{
    if (fake_port)
        return fake_port;
    const char *src = getenv("BX_SOURCE_DIR");
    char script[4096];
    snprintf(script, sizeof(script), "%s/tests/fakes/fake_llm.py", src ? src : ".");
    int fds[2];
    if (pipe(fds) != 0)
        return 0;
    pid_t pid = fork();
    if (pid < 0)
        return 0;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlive a crashed test */
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execlp("python3", "python3", script, "--port", "0", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    fake_pid = pid;
    atexit(fake_stop);
    char line[32] = {0};
    size_t n = 0;
    while (n < sizeof(line) - 1) {
        ssize_t r = read(fds[0], line + n, 1);
        if (r <= 0 || line[n] == '\n')
            break;
        n++;
    }
    close(fds[0]);
    fake_port = atoi(line);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return fake_port;
}

static size_t fake_collect(char *p, size_t s, size_t n, void *ctx)
{
    bx_buf_append(ctx, p, s * n);
    return s * n;
}

/* POST (body non-NULL) or GET a control path; returns the parsed reply. */
static json_t *fake_control(const char *path, const char *body)
{
    char url[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", fake_port, path);
    bx_buf out;
    bx_buf_init(&out, 64u << 20);
    CURL *e = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, fake_collect);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &out);
    if (body)
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    CURLcode cc = curl_easy_perform(e);
    curl_easy_cleanup(e);
    json_t *v = cc == CURLE_OK ? json_loadb(out.data, out.len, 0, NULL) : NULL;
    bx_buf_release(&out);
    return v;
}

static bool fake_script(const char *json_text)
{
    json_t *r = fake_control("/_fake/script", json_text);
    bool ok = r && jx_bool(r, "ok", false);
    json_decref(r);
    return ok;
}

static json_t *fake_requests(void) { return fake_control("/_fake/requests", NULL); }

#endif
