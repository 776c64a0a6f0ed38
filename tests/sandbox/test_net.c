/* test_net.c: guest HTTP through boxagnts_http, and the network escape
 * suite. The binary re-executes itself under `unshare -rn` (a private
 * network namespace with only loopback: no packet leaves the machine), puts
 * the test addresses on lo (10.0.0.1, 169.254.169.254, 203.0.113.5 for
 * allowed.example, 203.0.113.6 for evil hosts) and starts netserver.py,
 * which answers on all of them. Every attack also runs as a positive
 * control with the policy opened up (allow *, no blocked networks), where it
 * must reach the server: what stops it in the real run is the policy. */
#include <signal.h>
#include <sys/wait.h>

#include "sbx_util.h"
#include "test.h"

static int port, tls_port;
static sandbox_module *mod;
static char *ca_file;

__attribute__((constructor(101))) static void enter_netns(int argc, char **argv)
{
    (void)argc;
    if (getenv("BX_NETNS"))
        return;
    /* argv[0] may be relative: name this binary by its real path. */
    static char self[4096];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sl <= 0)
        return;
    self[sl] = '\0';
    char *args[64];
    int n = 0;
    args[n++] = (char *)"unshare";
    args[n++] = (char *)"-rn";
    args[n++] = (char *)"env";
    args[n++] = (char *)"BX_NETNS=1";
    args[n++] = self;
    for (int i = 1; argv && argv[i] && n < 62; i++)
        args[n++] = argv[i];
    args[n] = NULL;
    execvp("unshare", args);
    fprintf(stderr, "test_net: cannot run under unshare -rn: %s\n", strerror(errno));
}

static bool setup(void)
{
    if (port)
        return true;
    if (!getenv("BX_NETNS")) {
        fprintf(stderr, "not in a private network namespace: refusing to touch the network\n");
        return false;
    }
    if (system("ip link set lo up && ip addr add 10.0.0.1/32 dev lo && "
               "ip addr add 169.254.169.254/32 dev lo && ip addr add 203.0.113.5/32 dev lo && "
               "ip addr add 203.0.113.6/32 dev lo") != 0) {
        fprintf(stderr, "cannot configure lo in the namespace\n");
        return false;
    }
    /* A throwaway CA and a server certificate for allowed.example/evil.test. */
    char *certs = sbx_tmpdir();
    char *gen = bx_sprintf(
        "cd '%s' && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
        "-keyout ca.key -out ca.pem -days 1 -subj /CN=bx-test-ca 2>/dev/null && "
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout srv.key "
        "-out srv.csr -subj /CN=allowed.example 2>/dev/null && "
        "printf 'subjectAltName=DNS:allowed.example,DNS:evil.test\n' > ext && "
        "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem "
        "-days 1 -extfile ext 2>/dev/null",
        certs);
    int gen_rc = system(gen);
    bx_free(gen);
    if (gen_rc != 0) {
        fprintf(stderr, "cannot make test certificates with openssl\n");
        return false;
    }
    ca_file = bx_sprintf("%s/ca.pem", certs);
    char *cert = bx_sprintf("%s/srv.pem", certs), *key = bx_sprintf("%s/srv.key", certs);
    int in[2], out[2];
    if (pipe(in) < 0 || pipe(out) < 0)
        return false;
    const char *src = getenv("BX_SOURCE_DIR");
    char *script = bx_sprintf("%s/tests/sandbox/netserver.py", src ? src : ".");
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]);
        close(out[0]);
        execlp("python3", "python3", script, cert, key, (char *)NULL);
        _exit(127);
    }
    bx_free(script);
    bx_free(cert);
    bx_free(key);
    bx_free(certs);
    close(in[0]);
    close(out[1]);
    /* in[1] stays open for our lifetime: the server exits when we do. */
    FILE *f = fdopen(out[0], "r");
    if (!f || fscanf(f, "%d %d", &port, &tls_port) != 2) {
        fprintf(stderr, "netserver.py did not start\n");
        port = 0;
        return false;
    }
    mod = sbx_load("sbx_net_attack");
    return mod != NULL;
}

typedef struct net_case {
    const char *ca;           /* extra CA file */
    const char *const *allow;
    size_t n_allow;
    bool open_policy; /* positive control: allow everything, block nothing */
    const char *const *resolve;
    size_t n_resolve;
    uint64_t max_response;    /* 0 = default */
} net_case;

/* Runs the guest on url; returns its stdout (owned) and exit code. */
static char *fetch(const net_case *nc, const char *url, const char *method, const char *body,
                   const char *headers, int *out_exit)
{
    static const char *const allow_all[] = {"*://*:*"};
    static const char *const no_blocks[] = {NULL};
    const char *args[4] = {url, method ? method : "GET", body ? body : "", headers ? headers : ""};
    sandbox_opts o;
    sandbox_opts_init(&o);
    o.args = args;
    o.n_args = 4;
    o.allowed_outbound_hosts = nc->open_policy ? allow_all : nc->allow;
    o.n_allowed_outbound_hosts = nc->open_policy ? 1 : nc->n_allow;
    if (nc->open_policy) {
        o.blocked_networks = no_blocks;
        o.n_blocked_networks = 0;
    }
    o.extra_ca_file = nc->ca;
    o.max_http_response = nc->max_response;
    o.test_resolve = nc->resolve;
    o.n_test_resolve = nc->n_resolve;
    o.timeout_ms = 10000;
    sandbox_result r;
    sandbox_result_init(&r);
    sandbox_run(mod, &o, &r);
    *out_exit = r.err == BX_OK ? r.exit_code : -1;
    if (r.err)
        fprintf(stderr, "run failed: %s\n", r.message);
    char *out = bx_strdup(r.out.data);
    sandbox_result_release(&r);
    return out;
}

static char *U(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *U(const char *fmt, ...)
{
    static char bufs[8][512];
    static int next;
    char *b = bufs[next++ % 8];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, 512, fmt, ap);
    va_end(ap);
    return b;
}

static const char *const res_std[] = {"allowed.example=203.0.113.5", "evil.test=203.0.113.6",
                                      "allowed.example.evil.test=203.0.113.6",
                                      "mixed.test=203.0.113.5,127.0.0.1",
                                      "rebind.test=10.0.0.1"};
static const char *const allow_allowed[] = {"http://allowed.example:*"};

TEST(allowed_host_gets_status_headers_body)
{
    REQUIRE(setup());
    net_case nc = {NULL, allow_allowed, 1, false, res_std, BX_ARRAY_LEN(res_std), 0};
    int ex;
    char *out = fetch(&nc, U("http://allowed.example:%d/ok", port), NULL, NULL, NULL, &ex);
    CHECK_EQ_INT(ex, 0);
    CHECK(strncmp(out, "STATUS 200 hello\n", 17) == 0);
    CHECK(strstr(out, "X-Test: yes\n") != NULL);
    CHECK(strstr(out, "FAIL") == NULL);
    bx_free(out);
}

TEST(post_body_and_headers)
{
    REQUIRE(setup());
    net_case nc = {NULL, allow_allowed, 1, false, res_std, BX_ARRAY_LEN(res_std), 0};
    int ex;
    char *out = fetch(&nc, U("http://allowed.example:%d/echo", port), "POST", "payload=1",
                      "X-From-Guest: yes\nContent-Type: text/plain", &ex);
    CHECK_EQ_INT(ex, 0);
    CHECK(strstr(out, "STATUS 200 POST\n") != NULL);
    CHECK(strstr(out, "X-From-Guest: yes") != NULL);
    CHECK(strstr(out, "payload=1") != NULL);
    bx_free(out);
    /* headers the host owns, and header injection, are refused */
    out = fetch(&nc, U("http://allowed.example:%d/echo", port), "GET", "", "Host: evil.test", &ex);
    CHECK_EQ_INT(ex, 4);
    CHECK(strstr(out, "ERROR 2 ") != NULL);
    bx_free(out);
    out = fetch(&nc, U("http://allowed.example:%d/echo", port), "GET", "", "X-A: b\rX-B: c", &ex);
    CHECK_EQ_INT(ex, 4);
    bx_free(out);
}

TEST(redirect_within_allowed_is_followed)
{
    REQUIRE(setup());
    net_case nc = {NULL, allow_allowed, 1, false, res_std, BX_ARRAY_LEN(res_std), 0};
    int ex;
    char *out = fetch(&nc, U("http://allowed.example:%d/redirect?to=/ok", port), NULL, NULL,
                      NULL, &ex);
    CHECK_EQ_INT(ex, 0);
    CHECK(strncmp(out, "STATUS 200 hello\n", 17) == 0);
    bx_free(out);
}

TEST(redirect_loop_is_bounded)
{
    REQUIRE(setup());
    net_case nc = {NULL, allow_allowed, 1, false, res_std, BX_ARRAY_LEN(res_std), 0};
    int ex;
    char *out = fetch(&nc, U("http://allowed.example:%d/redirect?to=/redirect?to=/redirect?to="
                             "/redirect?to=/redirect?to=/redirect?to=/redirect?to=/ok",
                             port),
                      NULL, NULL, NULL, &ex);
    CHECK_EQ_INT(ex, 4);
    CHECK(strstr(out, "ERROR 6 ") != NULL);
    bx_free(out);
}

TEST(cross_origin_redirect_drops_credentials)
{
    REQUIRE(setup());
    static const char *const allow[] = {"http://allowed.example:*", "http://evil.test:*"};
    net_case nc = {NULL, allow, 2, false, res_std, BX_ARRAY_LEN(res_std), 0};
    int ex;
    char *out = fetch(&nc, U("http://allowed.example:%d/redirect?to=http://evil.test:%d/echo", port,
                             port),
                      "GET", "", "Authorization: Bearer s3cret\nX-Keep: 1", &ex);
    CHECK_EQ_INT(ex, 0);
    CHECK(strstr(out, "STATUS 200 GET") != NULL);
    CHECK(strstr(out, "s3cret") == NULL);
    CHECK(strstr(out, "X-Keep: 1") != NULL);
    bx_free(out);
}

TEST(response_size_is_capped)
{
    REQUIRE(setup());
    net_case nc = {NULL, allow_allowed, 1, false, res_std, BX_ARRAY_LEN(res_std), 0};
    int ex;
    char *out = fetch(&nc, U("http://allowed.example:%d/big?n=%d", port, 17 << 20), NULL, NULL,
                      NULL, &ex);
    CHECK_EQ_INT(ex, 4);
    CHECK(strstr(out, "ERROR 5 ") != NULL);
    bx_free(out);
    out = fetch(&nc, U("http://allowed.example:%d/big?n=%d", port, 1 << 20), NULL, NULL, NULL, &ex);
    CHECK_EQ_INT(ex, 0);
    CHECK(strstr(out, "BYTES 1048576\n") != NULL);
    bx_free(out);
    nc.max_response = 1000; /* the run's own cap */
    out = fetch(&nc, U("http://allowed.example:%d/big?n=1001", port), NULL, NULL, NULL, &ex);
    CHECK_EQ_INT(ex, 4);
    CHECK(strstr(out, "ERROR 5 response body larger than 1000 bytes") != NULL);
    bx_free(out);
    out = fetch(&nc, U("http://allowed.example:%d/big?n=1000", port), NULL, NULL, NULL, &ex);
    CHECK_EQ_INT(ex, 0);
    bx_free(out);
}

TEST(connection_goes_to_the_checked_address)
{
    REQUIRE(setup());
    /* The system resolves localhost to loopback; the override says
     * 203.0.113.5. Reaching the server at 203.0.113.5 proves curl connected
     * to the address we resolved and checked, not one it looked up itself
     * (the defence against DNS rebinding between check and connect). */
    static const char *const res[] = {"localhost=203.0.113.5"};
    static const char *const allow[] = {"http://localhost:*"};
    net_case nc = {NULL, allow, 1, false, res, 1, 0};
    int ex;
    char *out = fetch(&nc, U("http://localhost:%d/whoami", port), NULL, NULL, NULL, &ex);
    CHECK_EQ_INT(ex, 0);
    CHECK(strstr(out, "STATUS 200 ::ffff:203.0.113.5\n") != NULL);
    bx_free(out);
}

TEST(no_network_unless_granted)
{
    REQUIRE(setup());
    net_case nc = {NULL, NULL, 0, false, res_std, BX_ARRAY_LEN(res_std), 0};
    int ex;
    char *out = fetch(&nc, U("http://allowed.example:%d/ok", port), NULL, NULL, NULL, &ex);
    CHECK_EQ_INT(ex, 3);
    CHECK(strstr(out, "allowed_outbound_hosts is empty") != NULL);
    bx_free(out);
}

typedef struct net_attack {
    const char *name;
    const char *url_fmt;   /* %1$d = port */
    bool allow_all;        /* the block list alone must stop it */
} net_attack;

static const net_attack net_attacks[] = {
    {"loopback_v4", "http://127.0.0.1:%d/ok", true},
    {"private_10", "http://10.0.0.1:%d/ok", true},
    {"metadata_v4", "http://169.254.169.254:%d/ok", true},
    {"loopback_v6", "http://[::1]:%d/ok", true},
    {"hex_literal", "http://0x7f000001:%d/ok", true},
    {"decimal_literal", "http://2130706433:%d/ok", true},
    {"octal_literal", "http://0177.0.0.1:%d/ok", true},
    {"v4_mapped_v6", "http://[::ffff:127.0.0.1]:%d/ok", true},
    {"unspecified", "http://0.0.0.0:%d/ok", true},
    {"name_to_loopback", "http://localhost:%d/ok", true},
    {"name_mixed_answers", "http://mixed.test:%d/ok", true},
    {"name_to_private", "http://rebind.test:%d/ok", true},
    {"redirect_to_loopback", "http://allowed.example:%1$d/redirect?to=http://127.0.0.1:%1$d/ok", true},
    {"redirect_to_metadata", "http://allowed.example:%1$d/redirect?to=http://169.254.169.254:%1$d/ok", true},
    {"redirect_to_hex", "http://allowed.example:%1$d/redirect?to=http://0x7f000001:%1$d/ok", true},
    {"userinfo_trick", "http://allowed.example@evil.test:%d/ok", false},
    {"suffix_trick", "http://allowed.example.evil.test:%d/ok", false},
    {"redirect_to_other_host", "http://allowed.example:%1$d/redirect?to=http://evil.test:%1$d/ok", false},
};

TEST(network_escape_suite)
{
    REQUIRE(setup());
    static const char *const allow_all[] = {"*://*:*"};
    int n = 0, blocked = 0, controls = 0;
    for (size_t i = 0; i < BX_ARRAY_LEN(net_attacks); i++) {
        const net_attack *a = &net_attacks[i];
        char url[512];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        snprintf(url, sizeof url, a->url_fmt, port); /* formats from the table above */
#pragma GCC diagnostic pop
        n++;
        /* positive control: with the policy open, the request gets through */
        net_case open_nc = {NULL, NULL, 0, true, res_std, BX_ARRAY_LEN(res_std), 0};
        int ex;
        char *out = fetch(&open_nc, url, NULL, NULL, NULL, &ex);
        bool reached = ex == 0 && strncmp(out, "STATUS 200 hello", 16) == 0;
        if (reached)
            controls++;
        else
            fprintf(stderr, "%s: positive control failed: %s\n", a->name, out);
        CHECK(reached);
        bx_free(out);
        net_case nc = {NULL, a->allow_all ? allow_all : allow_allowed, 1, false, res_std,
                       BX_ARRAY_LEN(res_std), 0};
        out = fetch(&nc, url, NULL, NULL, NULL, &ex);
        bool ok = ex == 3 && strstr(out, "ERROR 1 network access denied") != NULL;
        printf("%-24s %s  %s", a->name, ok ? "blocked" : "ESCAPED", out);
        if (ok)
            blocked++;
        CHECK(ok);
        bx_free(out);
    }
    printf("%d attacks, %d blocked; %d positive controls reached the server\n", n, blocked,
           controls);
    CHECK_EQ_INT(blocked, n);
    CHECK_EQ_INT(controls, n);
}

TEST(https_with_extra_ca)
{
    REQUIRE(setup());
    static const char *const allow[] = {"https://allowed.example:*"};
    net_case nc = {ca_file, allow, 1, false, res_std, BX_ARRAY_LEN(res_std), 0};
    int ex;
    char *out = fetch(&nc, U("https://allowed.example:%d/ok", tls_port), NULL, NULL, NULL, &ex);
    CHECK_EQ_INT(ex, 0);
    CHECK(strncmp(out, "STATUS 200 hello\n", 17) == 0);
    bx_free(out);
    /* without the extra CA the certificate is not trusted */
    nc.ca = NULL;
    out = fetch(&nc, U("https://allowed.example:%d/ok", tls_port), NULL, NULL, NULL, &ex);
    CHECK_EQ_INT(ex, 4);
    CHECK(strstr(out, "ERROR 3 ") != NULL);
    bx_free(out);
    /* the userinfo trick over https: evil.test even has a valid certificate */
    nc.ca = ca_file;
    out = fetch(&nc, U("https://allowed.example@evil.test:%d/ok", tls_port), NULL, NULL, NULL, &ex);
    CHECK_EQ_INT(ex, 3);
    CHECK(strstr(out, "https://evil.test") != NULL);
    bx_free(out);
    static const char *const allow_all[] = {"*://*:*"};
    net_case open_nc = {ca_file, allow_all, 1, false, res_std, BX_ARRAY_LEN(res_std), 0};
    out = fetch(&open_nc, U("https://allowed.example@evil.test:%d/ok", tls_port), NULL, NULL,
                NULL, &ex);
    CHECK_EQ_INT(ex, 0); /* positive control: reachable when allowed */
    bx_free(out);
}

TEST(zz_cleanup)
{
    if (ca_file) {
        char *slash = strrchr(ca_file, '/');
        if (slash)
            *slash = '\0';
        sbx_rmrf(ca_file);
        bx_free(ca_file);
        ca_file = NULL;
    }
    sandbox_module_unref(mod);
    mod = NULL;
    CHECK(mod == NULL);
}

TEST_MAIN()
