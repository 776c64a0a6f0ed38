/* netpolicy.c: which hosts a guest may reach and which addresses never.
 *
 * Two independent gates. The allow-list matches the URL's scheme, host and
 * port against `scheme://host[:port]` globs before anything is resolved. The
 * block list is checked against every address the host resolved (and again
 * at connect time), so a name, a redirect or a numeric trick (0x7f000001,
 * 2130706433, 0177.0.0.1) lands on the same check. All addresses are held as
 * 16-byte IPv6; IPv4 lives at ::ffff:a.b.c.d, and IPv6 forms that embed an
 * IPv4 address (mapped, compatible, NAT64, 6to4, Teredo) are unwrapped and
 * checked as IPv4 too. Notes: docs/sandbox.md "Network policy". */
#include "sandbox/sandbox_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <strings.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const sandbox_cidr_name sandbox_net_default_blocked[] = {
    {"0.0.0.0/8", "unspecified (this network)"},
    {"127.0.0.0/8", "loopback"},
    {"10.0.0.0/8", "private"},
    {"172.16.0.0/12", "private"},
    {"192.168.0.0/16", "private"},
    {"169.254.169.254/32", "cloud metadata"},
    {"169.254.0.0/16", "link-local"},
    {"100.64.0.0/10", "carrier-grade NAT"},
    {"192.0.0.0/24", "IETF protocol assignments"},
    {"198.18.0.0/15", "benchmarking"},
    {"224.0.0.0/4", "multicast"},
    {"240.0.0.0/4", "reserved"},
    {"255.255.255.255/32", "broadcast"},
    {"::/128", "unspecified"},
    {"::1/128", "loopback"},
    {"fd00:ec2::254/128", "cloud metadata"},
    {"fc00::/7", "unique local"},
    {"fe80::/10", "link-local"},
    {"fec0::/10", "site-local"},
    {"ff00::/8", "multicast"},
    {NULL, NULL},
};

/* ---------------------------------------------------------------- CIDRs */

static void v4_to_mapped(const uint8_t v4[4], uint8_t out[16])
{
    memset(out, 0, 10);
    out[10] = out[11] = 0xff;
    memcpy(out + 12, v4, 4);
}

/* Parses "a.b.c.d[/n]" or "v6[/n]" strictly (inet_pton: no numeric tricks). */
static bool parse_cidr(const char *s, sandbox__cidr *out)
{
    char tmp[INET6_ADDRSTRLEN + 8];
    size_t n = strlen(s);
    if (n == 0 || n >= sizeof tmp)
        return false;
    memcpy(tmp, s, n + 1);
    char *slash = strchr(tmp, '/');
    long prefix = -1;
    if (slash) {
        *slash = '\0';
        char *end;
        if (!isdigit((unsigned char)slash[1]))
            return false;
        prefix = strtol(slash + 1, &end, 10);
        if (*end || prefix < 0 || prefix > 128)
            return false;
    }
    uint8_t v4[4];
    if (inet_pton(AF_INET, tmp, v4) == 1) {
        if (prefix > 32)
            return false;
        v4_to_mapped(v4, out->addr);
        out->prefix = (uint8_t)(96 + (prefix < 0 ? 32 : prefix));
        return true;
    }
    if (inet_pton(AF_INET6, tmp, out->addr) == 1) {
        out->prefix = (uint8_t)(prefix < 0 ? 128 : prefix);
        return true;
    }
    return false;
}

static bool cidr_contains(const sandbox__cidr *c, const uint8_t a[16])
{
    unsigned bits = c->prefix;
    size_t full = bits / 8;
    if (memcmp(c->addr, a, full) != 0)
        return false;
    if (bits % 8) {
        uint8_t mask = (uint8_t)(0xff << (8 - bits % 8));
        if ((c->addr[full] & mask) != (a[full] & mask))
            return false;
    }
    return true;
}

/* ------------------------------------------------------------ patterns */

/* Case-insensitive glob where '*' matches any run of characters. Linear
 * backtracking (one remembered star), so no pathological cases. */
static bool glob_match(const char *pat, const char *s)
{
    const char *star = NULL, *resume = NULL;
    while (*s) {
        if (*pat == '*') {
            star = pat++;
            resume = s;
        } else if (*pat && tolower((unsigned char)*pat) == tolower((unsigned char)*s)) {
            pat++;
            s++;
        } else if (star) {
            pat = star + 1;
            s = ++resume;
        } else {
            return false;
        }
    }
    while (*pat == '*')
        pat++;
    return *pat == '\0';
}

static unsigned default_port(const char *scheme)
{
    if (strcasecmp(scheme, "http") == 0)
        return 80;
    if (strcasecmp(scheme, "https") == 0)
        return 443;
    return 0;
}

static bool parse_pattern(const char *text, sandbox__pattern *out, bx_error *detail)
{
    const char *sep = strstr(text, "://");
    if (!sep || sep == text) {
        bx_error_set(detail, BX_INVALID, -1,
                     "allowed host \"%s\": expected scheme://host[:port] (e.g. https://*.example.com)",
                     text);
        return false;
    }
    size_t slen = (size_t)(sep - text);
    const char *h = sep + 3;
    size_t hlen = strlen(h);
    while (hlen > 0 && h[hlen - 1] == '/')
        hlen--;
    if (slen >= sizeof out->scheme || hlen == 0 || hlen >= sizeof out->host) {
        bx_error_set(detail, BX_INVALID, -1, "allowed host \"%s\": bad scheme or host", text);
        return false;
    }
    memcpy(out->scheme, text, slen);
    out->scheme[slen] = '\0';
    for (size_t i = 0; i < slen; i++)
        if (!isalnum((unsigned char)out->scheme[i]) && out->scheme[i] != '*' &&
            out->scheme[i] != '+' && out->scheme[i] != '-' && out->scheme[i] != '.') {
            bx_error_set(detail, BX_INVALID, -1, "allowed host \"%s\": bad scheme", text);
            return false;
        }
    /* The port is after the last ':' that is not inside [v6]. */
    const char *close = memchr(h, ']', hlen);
    const char *colon = NULL;
    for (const char *p = close ? close : h; p < h + hlen; p++)
        if (*p == ':')
            colon = p;
    size_t host_len = colon ? (size_t)(colon - h) : hlen;
    memcpy(out->host, h, host_len);
    out->host[host_len] = '\0';
    if (host_len == 0 || strpbrk(out->host, "/?#@ ")) {
        bx_error_set(detail, BX_INVALID, -1, "allowed host \"%s\": bad host", text);
        return false;
    }
    out->port = -1; /* default port of the scheme */
    if (colon) {
        const char *pp = colon + 1;
        size_t plen = hlen - host_len - 1;
        if (plen == 1 && pp[0] == '*') {
            out->port = -2; /* any */
        } else {
            long v = 0;
            if (plen == 0 || plen > 5)
                goto bad_port;
            for (size_t i = 0; i < plen; i++) {
                if (!isdigit((unsigned char)pp[i]))
                    goto bad_port;
                v = v * 10 + (pp[i] - '0');
            }
            if (v < 1 || v > 65535)
                goto bad_port;
            out->port = (int)v;
        }
    }
    return true;
bad_port:
    bx_error_set(detail, BX_INVALID, -1, "allowed host \"%s\": bad port", text);
    return false;
}

/* -------------------------------------------------------------- policy */

static bx_err add_resolve(sandbox_net *net, const char *entry, bx_error *detail)
{
    const char *eq = strchr(entry, '=');
    if (!eq || eq == entry || (size_t)(eq - entry) >= sizeof net->resolve[0].host) {
        return bx_error_set(detail, BX_INVALID, -1, "resolve override \"%s\": expected host=addr",
                            entry);
    }
    sandbox__resolve *r = &net->resolve[net->n_resolve];
    memset(r, 0, sizeof *r);
    memcpy(r->host, entry, (size_t)(eq - entry));
    const char *p = eq + 1;
    while (*p && r->n_addrs < SANDBOX__MAX_ADDRS) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char ip[INET6_ADDRSTRLEN];
        if (n == 0 || n >= sizeof ip)
            goto bad;
        memcpy(ip, p, n);
        ip[n] = '\0';
        sandbox__addr *a = &r->addrs[r->n_addrs];
        if (inet_pton(AF_INET, ip, &a->sa.v4.sin_addr) == 1) {
            a->sa.v4.sin_family = AF_INET;
            a->len = sizeof a->sa.v4;
        } else if (inet_pton(AF_INET6, ip, &a->sa.v6.sin6_addr) == 1) {
            a->sa.v6.sin6_family = AF_INET6;
            a->len = sizeof a->sa.v6;
        } else {
            goto bad;
        }
        r->n_addrs++;
        p = end ? end + 1 : p + n;
    }
    if (r->n_addrs == 0)
        goto bad;
    net->n_resolve++;
    return BX_OK;
bad:
    return bx_error_set(detail, BX_INVALID, -1, "resolve override \"%s\": bad address", entry);
}

bx_err sandbox_net_new(const sandbox_net_config *cfg, bx_error *detail, sandbox_net **out)
{
    bx_err err = BX_OK;
    sandbox_net *net = bx_calloc(1, sizeof *net);
    size_t nb = 0;
    if (cfg->blocked) {
        nb = cfg->n_blocked;
    } else {
        while (sandbox_net_default_blocked[nb].cidr)
            nb++;
    }
    if (cfg->n_allow > 4096 || nb > 4096 || cfg->n_resolve > 256) {
        err = bx_error_set(detail, BX_TOOBIG, -1, "network policy has too many entries");
        goto fail;
    }
    net->allow = bx_calloc(cfg->n_allow + 1, sizeof *net->allow);
    for (size_t i = 0; i < cfg->n_allow; i++) {
        if (!parse_pattern(cfg->allow[i], &net->allow[i], detail)) {
            err = BX_INVALID;
            goto fail;
        }
        net->n_allow++;
    }
    net->blocked = bx_calloc(nb + 1, sizeof *net->blocked);
    for (size_t i = 0; i < nb; i++) {
        const char *text = cfg->blocked ? cfg->blocked[i] : sandbox_net_default_blocked[i].cidr;
        sandbox__cidr *c = &net->blocked[i];
        if (!parse_cidr(text, c)) {
            err = bx_error_set(detail, BX_INVALID, -1, "blocked network \"%s\": not a CIDR", text);
            goto fail;
        }
        snprintf(c->text, sizeof c->text, "%s", text);
        snprintf(c->name, sizeof c->name, "%s",
                 cfg->blocked ? "blocked_networks" : sandbox_net_default_blocked[i].name);
        net->n_blocked++;
    }
    net->resolve = bx_calloc(cfg->n_resolve + 1, sizeof *net->resolve);
    for (size_t i = 0; i < cfg->n_resolve; i++)
        if ((err = add_resolve(net, cfg->resolve[i], detail)))
            goto fail;
    net->extra_ca_file = cfg->extra_ca_file ? bx_strdup(cfg->extra_ca_file) : NULL;
    net->max_redirects = cfg->max_redirects ? cfg->max_redirects : 5;
    if (net->max_redirects > 20)
        net->max_redirects = 20;
    net->max_response_bytes = cfg->max_response_bytes ? cfg->max_response_bytes : (16u << 20);
    if (net->max_response_bytes > (256u << 20))
        net->max_response_bytes = 256u << 20;
    net->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : 30000;
    *out = net;
    return BX_OK;
fail:
    sandbox_net_free(net);
    return err;
}

void sandbox_net_free(sandbox_net *net)
{
    if (!net)
        return;
    bx_free(net->allow);
    bx_free(net->blocked);
    bx_free(net->resolve);
    bx_free(net->extra_ca_file);
    bx_free(net);
}

bool sandbox_net_host_allowed(const sandbox_net *net, const char *scheme, const char *host,
                              unsigned port, char *why, size_t why_cap)
{
    for (size_t i = 0; i < net->n_allow; i++) {
        const sandbox__pattern *p = &net->allow[i];
        if (!glob_match(p->scheme, scheme) || !glob_match(p->host, host))
            continue;
        if (p->port == -2)
            return true;
        unsigned want = p->port == -1 ? default_port(scheme) : (unsigned)p->port;
        if (want == port)
            return true;
    }
    if (why) {
        unsigned def = default_port(scheme);
        if (net->n_allow == 0)
            snprintf(why, why_cap,
                     "network access denied: %s://%s:%u is not allowed (allowed_outbound_hosts "
                     "is empty; add \"%s://%s%s%.0u\" to allow it)",
                     scheme, host, port, scheme, host, port == def ? "" : ":", port == def ? 0 : port);
        else
            snprintf(why, why_cap,
                     "network access denied: %s://%s:%u matches no entry of allowed_outbound_hosts "
                     "(add \"%s://%s%s%.0u\" to allow it)",
                     scheme, host, port, scheme, host, port == def ? "" : ":", port == def ? 0 : port);
    }
    return false;
}

/* Every form of `a` the block list must see: itself, and any IPv4 address
 * an IPv6 form carries. Returns the count (<= 2). */
static size_t addr_forms(const uint8_t a[16], uint8_t out[2][16])
{
    static const uint8_t zero[12] = {0};
    static const uint8_t nat64[12] = {0x00, 0x64, 0xff, 0x9b};
    size_t n = 0;
    memcpy(out[n++], a, 16);
    uint8_t v4[4];
    bool has_v4 = false;
    if (memcmp(a, zero, 10) == 0 && a[10] == 0xff && a[11] == 0xff) {
        return n; /* already the mapped form */
    } else if (memcmp(a, zero, 12) == 0) {
        /* IPv4-compatible ::a.b.c.d (but :: and ::1 are themselves) */
        uint32_t tail = (uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 | (uint32_t)a[14] << 8 | a[15];
        if (tail > 1) {
            memcpy(v4, a + 12, 4);
            has_v4 = true;
        }
    } else if (memcmp(a, zero, 8) == 0 && a[8] == 0xff && a[9] == 0xff && a[10] == 0 &&
               a[11] == 0) {
        memcpy(v4, a + 12, 4); /* IPv4-translated ::ffff:0:a.b.c.d */
        has_v4 = true;
    } else if (memcmp(a, nat64, 12) == 0) {
        memcpy(v4, a + 12, 4); /* NAT64 64:ff9b::/96 */
        has_v4 = true;
    } else if (a[0] == 0x20 && a[1] == 0x02) {
        memcpy(v4, a + 2, 4); /* 6to4 2002::/16 */
        has_v4 = true;
    } else if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0 && a[3] == 0) {
        for (int i = 0; i < 4; i++) /* Teredo: client IPv4 is the inverted tail */
            v4[i] = (uint8_t)~a[12 + i];
        has_v4 = true;
    }
    if (has_v4)
        v4_to_mapped(v4, out[n++]);
    return n;
}

static bx_err check_addr16(const sandbox_net *net, const uint8_t a[16], const char *shown,
                           char *why, size_t why_cap)
{
    uint8_t forms[2][16];
    size_t nf = addr_forms(a, forms);
    for (size_t f = 0; f < nf; f++)
        for (size_t i = 0; i < net->n_blocked; i++) {
            if (!cidr_contains(&net->blocked[i], forms[f]))
                continue;
            if (why)
                snprintf(why, why_cap,
                         "network access denied: %s is in blocked network %s (%s); change "
                         "blocked_networks to allow it",
                         shown, net->blocked[i].text, net->blocked[i].name);
            return BX_DENIED;
        }
    return BX_OK;
}

bx_err sandbox_net_check_addr(const sandbox_net *net, const struct sockaddr *sa, char *why,
                              size_t why_cap)
{
    uint8_t a[16];
    char shown[INET6_ADDRSTRLEN];
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)(const void *)sa;
        v4_to_mapped((const uint8_t *)&v4->sin_addr, a);
        inet_ntop(AF_INET, &v4->sin_addr, shown, sizeof shown);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)(const void *)sa;
        memcpy(a, &v6->sin6_addr, 16);
        inet_ntop(AF_INET6, &v6->sin6_addr, shown, sizeof shown);
    } else {
        if (why)
            snprintf(why, why_cap, "network access denied: address family %d", sa->sa_family);
        return BX_DENIED;
    }
    return check_addr16(net, a, shown, why, why_cap);
}

bx_err sandbox_net_check_ip(const sandbox_net *net, const char *ip, char *why, size_t why_cap)
{
    uint8_t a[16];
    uint8_t v4[4];
    if (inet_pton(AF_INET, ip, v4) == 1)
        v4_to_mapped(v4, a);
    else if (inet_pton(AF_INET6, ip, a) != 1)
        return BX_INVALID;
    return check_addr16(net, a, ip, why, why_cap);
}

const sandbox__resolve *sandbox__net_override(const sandbox_net *net, const char *host)
{
    for (size_t i = 0; i < net->n_resolve; i++)
        if (strcasecmp(net->resolve[i].host, host) == 0)
            return &net->resolve[i];
    return NULL;
}
