/* net_web_fetch: web_fetch end to end through the sandbox's boxagnts_http
 * import against a tiny HTTP server on loopback. Run under `unshare -rn`
 * (tests.cmake), so the loopback is private and no packet leaves. The
 * server's address is loopback, which the default block list refuses: the
 * first case checks exactly that, the others narrow the block list the way
 * only a test can. */
#include "test.h"
#include "tools/tools.h"
#include "json/json.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

static int PORT;
static tools_registry *REG;

static const char PAGE[] =
    "<!doctype html><html><head><title>Test Page</title><style>body{}</style></head><body>"
    "<h2>Hello</h2><p>Some <b>bold</b> text and a <a href=\"/next\">link</a>.</p>"
    "<ul><li>one</li><li>two</li></ul><script>var x = '<p>hidden</p>';</script>"
    "<pre>code &lt;here&gt;</pre></body></html>";

static void *serve(void *arg)
{
    int ls = *(int *)arg;
    for (;;) {
        int c = accept(ls, NULL, NULL);
        if (c < 0) break;
        char req[4096];
        ssize_t n = recv(c, req, sizeof req - 1, 0);
        if (n <= 0) { close(c); continue; }
        req[n] = 0;
        char resp[8192];
        int len;
        if (strncmp(req, "GET /page ", 10) == 0) {
            len = snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                                              "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", strlen(PAGE), PAGE);
        } else if (strncmp(req, "GET /latin ", 11) == 0) {
            len = snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=ISO-8859-1\r\n"
                                              "Content-Length: 5\r\nConnection: close\r\n\r\ncaf\xe9\n");
        } else if (strncmp(req, "GET /redir ", 11) == 0) {
            len = snprintf(resp, sizeof resp, "HTTP/1.1 302 Found\r\nLocation: /page\r\nContent-Length: 0\r\n"
                                              "Connection: close\r\n\r\n");
        } else {
            len = snprintf(resp, sizeof resp, "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"
                                              "Content-Length: 9\r\nConnection: close\r\n\r\nnot here\n");
        }
        if (send(c, resp, (size_t)len, 0) < 0) perror("send");
        close(c);
    }
    return NULL;
}

static void setup(void)
{
    if (REG) return;
    /* a fresh network namespace starts with loopback down */
    if (system("ip link set lo up") != 0) fprintf(stderr, "warning: cannot bring lo up\n");
    static int ls;
    ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 16) != 0) { perror("bind"); exit(1); }
    socklen_t al = sizeof a;
    getsockname(ls, (struct sockaddr *)&a, &al);
    PORT = ntohs(a.sin_port);
    pthread_t t;
    pthread_create(&t, NULL, serve, &ls);
    pthread_detach(t);
    REG = tools_registry_new(NULL);
    if (tools_registry_add_embedded(REG) != BX_OK) fprintf(stderr, "warning: an embedded tool failed to load\n");
}

static bx_err fetch(const char *path, const char *extra, bool open_blocklist, tools_result *r)
{
    char allow[64], json[512];
    snprintf(allow, sizeof allow, "http://127.0.0.1:%d", PORT);
    const char *allows[] = {allow};
    static const char *none[1];
    tools_ctx ctx = {.allowed_hosts = allows, .n_allowed_hosts = 1, .timeout_ms = 20000};
    if (open_blocklist) {
        ctx.blocked_networks = none;
        ctx.n_blocked_networks = 0;
    }
    snprintf(json, sizeof json, "{\"url\":\"http://127.0.0.1:%d%s\"%s}", PORT, path, extra);
    json_t *in = jx_parse(json, strlen(json), 4096, NULL);
    tools_tool *t = tools_registry_get(REG, "web_fetch");
    tools_result_init(r);
    if (!t) {
        json_decref(in);
        tools_result_error(r, "web_fetch is not registered");
        return BX_NOTFOUND;
    }
    bx_err e = tools_execute(t, in, &ctx, r);
    tools_tool_unref(t);
    json_decref(in);
    return e;
}

TEST(loopback_is_blocked_by_default)
{
    setup();
    tools_result r;
    fetch("/page", "", false, &r);
    CHECK(r.is_error);
    if (!strstr(r.content, "127.0.0.0/8")) fprintf(stderr, "got: %s\n", r.content);
    CHECK(strstr(r.content, "denied") != NULL);
    tools_result_release(&r);
}

TEST(html_becomes_markdown)
{
    setup();
    tools_result r;
    fetch("/page", "", true, &r);
    if (r.is_error) fprintf(stderr, "got: %s\n", r.content);
    REQUIRE(!r.is_error);
    char want[1024];
    snprintf(want, sizeof want,
             "# Test Page\n\n## Hello\n\nSome **bold** text and a [link](http://127.0.0.1:%d/next).\n\n"
             "- one\n- two\n\n```\ncode <here>\n```",
             PORT);
    CHECK_EQ_STR(r.content, want);
    CHECK_EQ_INT(jx_int(r.metadata, "status", 0), 200);
    CHECK_EQ_STR(jx_str(r.metadata, "title", ""), "Test Page");
    tools_result_release(&r);
    fetch("/page", ",\"extract_mode\":\"text\"", true, &r);
    CHECK(strstr(r.content, "Some bold text and a link.") != NULL);
    CHECK(strstr(r.content, "* one") != NULL);
    tools_result_release(&r);
    fetch("/page", ",\"max_chars\":100", true, &r);
    CHECK(strstr(r.content, "content truncated at 100 characters") != NULL);
    CHECK(jx_bool(r.metadata, "truncated", false));
    tools_result_release(&r);
}

TEST(redirects_errors_charsets)
{
    setup();
    tools_result r;
    fetch("/redir", "", true, &r);
    CHECK(!r.is_error);
    CHECK(strstr(r.content, "## Hello") != NULL);
    tools_result_release(&r);
    fetch("/missing", "", true, &r);
    CHECK(r.is_error);
    CHECK(strncmp(r.content, "HTTP 404 from", 13) == 0);
    tools_result_release(&r);
    fetch("/latin", "", true, &r);
    CHECK_EQ_STR(r.content, "caf\xc3\xa9\n");
    tools_result_release(&r);
}

TEST(cleanup)
{
    tools_registry_free(REG);
    REG = NULL;
    CHECK(REG == NULL);
}

TEST_MAIN()
