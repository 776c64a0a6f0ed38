/* crypto.c: SHA-256 (OpenSSL EVP), hex, secure random and UUIDs v4/v7. */
#include "util/util.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

void bx_sha256(const void *data, size_t len, uint8_t out[32])
{
    unsigned int n = 32;
    EVP_Digest(data, len, out, &n, EVP_sha256(), NULL);
}

void bx_sha256_init(bx_sha256_ctx *c)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md)
        bx_malloc((size_t)-1); /* OOM path: aborts with a message */
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    c->md = md;
}

void bx_sha256_update(bx_sha256_ctx *c, const void *data, size_t len)
{
    EVP_DigestUpdate(c->md, data, len);
}

void bx_sha256_final(bx_sha256_ctx *c, uint8_t out[32])
{
    unsigned int n = 32;
    EVP_DigestFinal_ex(c->md, out, &n);
    EVP_MD_CTX_free(c->md);
    c->md = NULL;
}

void bx_hex(const void *data, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    const uint8_t *b = data;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

void bx_sha256_hex(const void *data, size_t len, char out[65])
{
    uint8_t d[32];
    bx_sha256(data, len, d);
    bx_hex(d, 32, out);
}

void bx_random_bytes(void *out, size_t n)
{
    uint8_t *p = out;
    while (n) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            /* getrandom only fails on ancient kernels; OpenSSL's CSPRNG is
             * the fallback, never a weak generator. */
            if (RAND_bytes(p, (int)n) == 1)
                return;
            bx_malloc((size_t)-1);
        }
        p += got;
        n -= (size_t)got;
    }
}

uint64_t bx_random_u64(void)
{
    uint64_t v;
    bx_random_bytes(&v, sizeof v);
    return v;
}

static void uuid_format(const uint8_t b[16], char out[37])
{
    char hex[33];
    bx_hex(b, 16, hex);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

void bx_uuid_v4(char out[37])
{
    uint8_t b[16];
    bx_random_bytes(b, 16);
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    uuid_format(b, out);
}

/* v7 with a 12-bit sub-millisecond counter in rand_a (RFC 9562, method 1),
 * so ids made in one process are strictly increasing even within a
 * millisecond: "newest first" by id needs no tie-breaker. */
void bx_uuid_v7(char out[37])
{
    static uint64_t last; /* (ms << 12) | counter of the previous id */
    uint64_t ms = (uint64_t)bx_wall_ms(), prev, next;
    do {
        prev = __atomic_load_n(&last, __ATOMIC_RELAXED);
        next = ms << 12;
        if (next <= prev)
            next = prev + 1; /* same ms (or clock went back): count on */
    } while (!__atomic_compare_exchange_n(&last, &prev, next, false, __ATOMIC_RELAXED,
                                          __ATOMIC_RELAXED));
    uint64_t t = next >> 12;
    uint8_t b[16];
    bx_random_bytes(b, 16);
    for (int i = 0; i < 6; i++)
        b[i] = (uint8_t)(t >> (40 - 8 * i));
    b[6] = (uint8_t)(0x70 | ((next >> 8) & 0x0f));
    b[7] = (uint8_t)(next & 0xff);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    uuid_format(b, out);
}

bool bx_ct_equal(const void *a, const void *b, size_t n)
{
    const volatile uint8_t *x = a, *y = b;
    uint8_t d = 0;
    for (size_t i = 0; i < n; i++)
        d |= (uint8_t)(x[i] ^ y[i]);
    return d == 0;
}
