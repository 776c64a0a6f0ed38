/* fuzz_regex: libFuzzer target for the guest regex engine. The first byte
 * picks compile flags, the input up to the first NUL is the pattern and the
 * rest the subject. Any pattern either fails with a message or compiles;
 * every match lies inside the subject with ordered, in-range submatches, and
 * iterating over all matches terminates. The program cap keeps each case
 * bounded (linear time is the point of the engine). */
#include "regex.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    unsigned flags = data[0];
    const char *rest = (const char *)data + 1;
    size_t n = size - 1;
    const char *nul = memchr(rest, 0, n);
    size_t plen = nul ? (size_t)(nul - rest) : n;
    const char *subj = nul ? nul + 1 : "";
    size_t slen = nul ? n - plen - 1 : 0;
    if (slen > 4096) slen = 4096;
    char err[256];
    err[0] = 0;
    rx *re = rx_compile(rest, plen, flags, err, sizeof err);
    if (!re) {
        if (!err[0]) __builtin_trap();
        return 0;
    }
    int ng = rx_groups(re);
    size_t caps[20];
    int nc = 2 * (ng + 1) < 20 ? 2 * (ng + 1) : 20;
    size_t pos = 0;
    for (int iter = 0; iter < 64 && pos <= slen; iter++) {
        int r = rx_search(re, subj, slen, pos, caps, nc);
        if (r < 0) break;
        if (r == 0) break;
        if (caps[0] < pos || caps[0] > caps[1] || caps[1] > slen) __builtin_trap();
        for (int k = 2; k + 1 < nc; k += 2) {
            if ((caps[k] == RX_UNSET) != (caps[k + 1] == RX_UNSET)) __builtin_trap();
            if (caps[k] != RX_UNSET && (caps[k] > caps[k + 1] || caps[k + 1] > slen)) __builtin_trap();
        }
        pos = caps[1] > caps[0] ? caps[1] : caps[1] + 1;
    }
    rx_free(re);
    return 0;
}
