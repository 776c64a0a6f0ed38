/* test_netpolicy.c: the allow-list globs and the block list, including
 * every IPv6 form that carries a blocked IPv4 address. Pure: no sockets. */
#include "sandbox/sandbox.h"
#include "test.h"

#include <arpa/inet.h>
#include <netinet/in.h>

static sandbox_net *mk(const char *const *allow, size_t n)
{
    sandbox_net_config cfg = {.allow = allow, .n_allow = n};
    sandbox_net *net = NULL;
    bx_error d;
    if (sandbox_net_new(&cfg, &d, &net))
        fprintf(stderr, "net: %s\n", d.message);
    return net;
}

TEST(empty_allow_list_denies_everything)
{
    sandbox_net *net = mk(NULL, 0);
    REQUIRE(net);
    char why[256];
    CHECK(!sandbox_net_host_allowed(net, "https", "example.com", 443, why, sizeof why));
    CHECK(strstr(why, "allowed_outbound_hosts") != NULL);
    CHECK(strstr(why, "https://example.com") != NULL);
    sandbox_net_free(net);
}

TEST(allow_patterns)
{
    static const char *const allow[] = {"https://*.example.com", "http://api.test:8080",
                                        "http://plain.test", "*://any.test:*"};
    sandbox_net *net = mk(allow, 4);
    REQUIRE(net);
    CHECK(sandbox_net_host_allowed(net, "https", "a.example.com", 443, NULL, 0));
    CHECK(sandbox_net_host_allowed(net, "https", "a.b.EXAMPLE.com", 443, NULL, 0));
    CHECK(!sandbox_net_host_allowed(net, "https", "example.com", 443, NULL, 0));
    CHECK(!sandbox_net_host_allowed(net, "http", "a.example.com", 80, NULL, 0));
    CHECK(!sandbox_net_host_allowed(net, "https", "a.example.com", 8443, NULL, 0));
    CHECK(!sandbox_net_host_allowed(net, "https", "a.example.com.evil.test", 443, NULL, 0));
    CHECK(sandbox_net_host_allowed(net, "http", "api.test", 8080, NULL, 0));
    CHECK(!sandbox_net_host_allowed(net, "http", "api.test", 80, NULL, 0));
    CHECK(sandbox_net_host_allowed(net, "http", "plain.test", 80, NULL, 0));
    CHECK(!sandbox_net_host_allowed(net, "http", "plain.test", 81, NULL, 0));
    CHECK(!sandbox_net_host_allowed(net, "http", "plain.test.evil.test", 80, NULL, 0));
    CHECK(sandbox_net_host_allowed(net, "http", "any.test", 1, NULL, 0));
    CHECK(sandbox_net_host_allowed(net, "https", "any.test", 65535, NULL, 0));
    sandbox_net_free(net);
}

TEST(everything_pattern)
{
    static const char *const allow[] = {"*://*:*"};
    sandbox_net *net = mk(allow, 1);
    REQUIRE(net);
    CHECK(sandbox_net_host_allowed(net, "http", "127.0.0.1", 80, NULL, 0));
    CHECK(sandbox_net_host_allowed(net, "https", "[::1]", 8443, NULL, 0));
    sandbox_net_free(net);
}

TEST(bad_patterns_rejected)
{
    static const char *const bad[] = {"example.com", "://x", "http://", "http://x:0",
                                      "http://x:65536", "http://x:8o", "http://a@b"};
    for (size_t i = 0; i < BX_ARRAY_LEN(bad); i++) {
        sandbox_net_config cfg = {.allow = &bad[i], .n_allow = 1};
        sandbox_net *net = NULL;
        bx_error d;
        CHECK_EQ_INT(sandbox_net_new(&cfg, &d, &net), BX_INVALID);
        CHECK(net == NULL);
        CHECK(strstr(d.message, bad[i]) != NULL);
    }
}

TEST(default_block_list)
{
    sandbox_net *net = mk(NULL, 0);
    REQUIRE(net);
    static const char *const blocked[] = {
        "127.0.0.1", "127.255.255.254", "10.0.0.1", "172.16.0.1", "172.31.255.255",
        "192.168.1.1", "169.254.169.254", "169.254.0.1", "100.64.0.1", "100.127.255.255",
        "224.0.0.1", "239.255.255.255", "0.0.0.0", "255.255.255.255", "::1", "::",
        "fd00:ec2::254", "fc00::1", "fdff::1", "fe80::1", "ff02::1",
        /* IPv4 inside IPv6 */
        "::ffff:127.0.0.1", "::ffff:10.1.2.3", "::127.0.0.1", "::ffff:0:127.0.0.1",
        "64:ff9b::127.0.0.1", "2002:7f00:1::", "2002:a9fe:a9fe::1",
        "::ffff:169.254.169.254"};
    for (size_t i = 0; i < BX_ARRAY_LEN(blocked); i++) {
        char why[256] = "";
        bx_err err = sandbox_net_check_ip(net, blocked[i], why, sizeof why);
        if (err != BX_DENIED)
            fprintf(stderr, "not blocked: %s\n", blocked[i]);
        CHECK_EQ_INT(err, BX_DENIED);
        CHECK(strstr(why, "blocked network") != NULL);
    }
    static const char *const open[] = {"93.184.216.34", "1.1.1.1", "203.0.113.5", "172.32.0.1",
                                       "100.128.0.1", "2606:4700::1111", "::ffff:8.8.8.8",
                                       "64:ff9b::8.8.8.8"};
    for (size_t i = 0; i < BX_ARRAY_LEN(open); i++) {
        bx_err err = sandbox_net_check_ip(net, open[i], NULL, 0);
        if (err != BX_OK)
            fprintf(stderr, "blocked: %s\n", open[i]);
        CHECK_EQ_INT(err, BX_OK);
    }
    char why[256];
    CHECK_EQ_INT(sandbox_net_check_ip(net, "169.254.169.254", why, sizeof why), BX_DENIED);
    CHECK(strstr(why, "cloud metadata") != NULL);
    CHECK_EQ_INT(sandbox_net_check_ip(net, "fd00:ec2::254", why, sizeof why), BX_DENIED);
    CHECK(strstr(why, "cloud metadata") != NULL);
    CHECK_EQ_INT(sandbox_net_check_ip(net, "0x7f000001", NULL, 0), BX_INVALID);
    sandbox_net_free(net);
}

TEST(sockaddr_check)
{
    sandbox_net *net = mk(NULL, 0);
    REQUIRE(net);
    struct sockaddr_in v4 = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.1", &v4.sin_addr);
    CHECK_EQ_INT(sandbox_net_check_addr(net, (struct sockaddr *)&v4, NULL, 0), BX_DENIED);
    inet_pton(AF_INET, "8.8.8.8", &v4.sin_addr);
    CHECK_EQ_INT(sandbox_net_check_addr(net, (struct sockaddr *)&v4, NULL, 0), BX_OK);
    struct sockaddr_in6 v6 = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, "::ffff:192.168.0.1", &v6.sin6_addr);
    CHECK_EQ_INT(sandbox_net_check_addr(net, (struct sockaddr *)&v6, NULL, 0), BX_DENIED);
    struct sockaddr unix_sa = {.sa_family = AF_UNIX};
    CHECK_EQ_INT(sandbox_net_check_addr(net, &unix_sa, NULL, 0), BX_DENIED);
    sandbox_net_free(net);
}

TEST(custom_block_list_replaces_defaults)
{
    static const char *const blocked[] = {"203.0.113.0/24", "2001:db8::/32"};
    sandbox_net_config cfg = {.blocked = blocked, .n_blocked = 2};
    sandbox_net *net = NULL;
    REQUIRE(sandbox_net_new(&cfg, NULL, &net) == BX_OK);
    CHECK_EQ_INT(sandbox_net_check_ip(net, "203.0.113.9", NULL, 0), BX_DENIED);
    CHECK_EQ_INT(sandbox_net_check_ip(net, "2001:db8::1", NULL, 0), BX_DENIED);
    CHECK_EQ_INT(sandbox_net_check_ip(net, "127.0.0.1", NULL, 0), BX_OK);
    sandbox_net_free(net);
    static const char *const bad[] = {"10.0.0.0/33"};
    cfg.blocked = bad;
    cfg.n_blocked = 1;
    CHECK_EQ_INT(sandbox_net_new(&cfg, NULL, &net), BX_INVALID);
}

TEST(resolve_override_parsing)
{
    static const char *const res[] = {"a.test=203.0.113.5,::1", "bad"};
    sandbox_net_config cfg = {.resolve = res, .n_resolve = 1};
    sandbox_net *net = NULL;
    REQUIRE(sandbox_net_new(&cfg, NULL, &net) == BX_OK);
    sandbox_net_free(net);
    cfg.resolve = res + 1;
    CHECK_EQ_INT(sandbox_net_new(&cfg, NULL, &net), BX_INVALID);
}

TEST(fetch_denials_without_network)
{
    /* Denied before any packet: these never reach DNS or a socket. */
    static const char *const allow[] = {"http://allowed.example"};
    sandbox_net *net = mk(allow, 1);
    REQUIRE(net);
    static const char *const urls[] = {
        "http://allowed.example@evil.test/", "http://allowed.example.evil.test/",
        "https://allowed.example/", "http://allowed.example:8080/", "ftp://allowed.example/",
        "file:///etc/passwd", "gopher://allowed.example/"};
    for (size_t i = 0; i < BX_ARRAY_LEN(urls); i++) {
        sandbox_http_request req = {.url = urls[i]};
        sandbox_http_response resp;
        sandbox_http_response_init(&resp);
        bx_error d;
        bx_error_clear(&d);
        bx_err err = sandbox_http_fetch(net, &req, NULL, &resp, &d);
        if (err != BX_DENIED)
            fprintf(stderr, "%s: %s %s\n", urls[i], bx_err_name(err), d.message);
        CHECK_EQ_INT(err, BX_DENIED);
        CHECK(strstr(d.message, "denied") != NULL);
        sandbox_http_response_release(&resp);
    }
    sandbox_http_request bad = {.url = "not a url"};
    sandbox_http_response resp;
    sandbox_http_response_init(&resp);
    CHECK_EQ_INT(sandbox_http_fetch(net, &bad, NULL, &resp, NULL), BX_INVALID);
    sandbox_http_request badm = {.url = "http://allowed.example/", .method = "G ET"};
    CHECK_EQ_INT(sandbox_http_fetch(net, &badm, NULL, &resp, NULL), BX_INVALID);
    sandbox_http_response_release(&resp);
    sandbox_net_free(net);
}

TEST_MAIN()
