/* fuzz_netpolicy.c: libFuzzer target for the network policy's parsers —
 * allow-list patterns, CIDRs and resolve overrides — and the matchers
 * that use them. Input: up to four NUL-separated fields: pattern, CIDR,
 * override, then "scheme host port" or an IP to check. Never touches the
 * network. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/sandbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    const char *field[4] = {"", "", "", ""};
    int nf = 0;
    char *p = buf;
    while (nf < 4) {
        field[nf++] = p;
        char *z = memchr(p, '\0', (size_t)(buf + size - p));
        if (!z || z == buf + size)
            break;
        p = z + 1;
    }
    const char *allow[1] = {field[0]};
    const char *blocked[1] = {field[1]};
    const char *resolve[1] = {field[2]};
    sandbox_net_config cfg = {
        .allow = allow, .n_allow = 1, .blocked = *field[1] ? blocked : NULL,
        .n_blocked = *field[1] ? 1 : 0, .resolve = resolve, .n_resolve = *field[2] ? 1 : 0};
    bx_error d;
    sandbox_net *net = NULL;
    if (sandbox_net_new(&cfg, &d, &net) == BX_OK) {
        char scheme[32] = "", host[300] = "", why[512];
        unsigned port = 0;
        if (sscanf(field[3], "%31s %299s %u", scheme, host, &port) == 3)
            sandbox_net_host_allowed(net, scheme, host, port, why, sizeof why);
        sandbox_net_check_ip(net, field[3], why, sizeof why);
        sandbox_net_free(net);
    }
    free(buf);
    return 0;
}
