/* kernels.c: compute kernels for the engine benchmark, built twice.
 *
 * Natively (gcc -O2) this file is linked into the harness; for the engine
 * it is compiled with clang-14 --target=wasm32-wasi -O2 -mbulk-memory
 * -nostdlib, so it uses no libc: every kernel is self-contained, works on
 * static buffers and returns a checksum of what it computed, and the
 * harness checks that both builds agree. Each entry point takes an
 * iteration count so one call can be made to last long enough to time.
 */
#include <stddef.h>
#include <stdint.h>

#ifdef __wasm__
#define EXPORT(name) __attribute__((export_name(name)))
#else
#define EXPORT(name)
#endif

#define BUF_SIZE (64 * 1024)
static uint8_t buf_a[BUF_SIZE];
static uint8_t buf_b[BUF_SIZE];

static uint32_t rng_state;
static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* ------------------------------------------------------------------ fib */

static uint32_t fib(uint32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

EXPORT("k_fib") uint32_t k_fib(uint32_t iters)
{
    uint32_t s = 0;
    for (uint32_t i = 0; i < iters; i++)
        s += fib(25 + (i & 1));
    return s;
}

/* --------------------------------------------------------------- sha256 */

static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(uint32_t h[8], const uint8_t *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t S1 = ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25);
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t t1 = hh + S1 + ch + K256[i] + w[i];
        uint32_t S0 = ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22);
        uint32_t mj = (a & b) ^ (a & c) ^ (b & c);
        uint32_t t2 = S0 + mj;
        hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

EXPORT("k_sha256") uint32_t k_sha256(uint32_t iters)
{
    for (uint32_t i = 0; i < 16384; i++)
        buf_a[i] = (uint8_t)(i * 7 + 3);
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    for (uint32_t it = 0; it < iters; it++)
        for (uint32_t off = 0; off < 16384; off += 64)
            sha256_block(h, buf_a + off);
    return h[0] ^ h[3] ^ h[7];
}

/* ------------------------------------------------------------ tokenizer */

static uint32_t gen_json(uint8_t *out, uint32_t cap)
{
    static const char *const parts[] = {"{\"name\": \"value\", ", "\"n\": 12345, ",
                                        "\"list\": [1, 2.5, -3e4, true, false, null], ",
                                        "\"s\": \"esc\\\"aped\\n\"}, "};
    uint32_t n = 0;
    rng_state = 12345;
    while (n + 64 < cap) {
        const char *p = parts[rng() % 4];
        while (*p)
            out[n++] = (uint8_t)*p++;
    }
    return n;
}

EXPORT("k_tokenizer") uint32_t k_tokenizer(uint32_t iters)
{
    uint32_t len = gen_json(buf_a, BUF_SIZE);
    uint32_t counts[8] = {0};
    for (uint32_t it = 0; it < iters; it++) {
        uint32_t i = 0;
        while (i < len) {
            uint8_t c = buf_a[i];
            if (c == ' ' || c == '\n' || c == '\t') {
                i++;
            } else if (c == '"') {
                i++;
                while (i < len && buf_a[i] != '"') {
                    if (buf_a[i] == '\\')
                        i++;
                    i++;
                }
                i++;
                counts[0]++;
            } else if ((c >= '0' && c <= '9') || c == '-') {
                while (i < len && ((buf_a[i] >= '0' && buf_a[i] <= '9') || buf_a[i] == '.' ||
                                   buf_a[i] == 'e' || buf_a[i] == '-' || buf_a[i] == '+'))
                    i++;
                counts[1]++;
            } else if (c >= 'a' && c <= 'z') {
                while (i < len && buf_a[i] >= 'a' && buf_a[i] <= 'z')
                    i++;
                counts[2]++;
            } else {
                counts[3 + (c & 3)]++;
                i++;
            }
        }
    }
    uint32_t s = 0;
    for (int k = 0; k < 8; k++)
        s = s * 31 + counts[k];
    return s;
}

/* ----------------------------------------------------------- string ops */

static size_t my_strlen(const uint8_t *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static const uint8_t *my_strstr(const uint8_t *h, const uint8_t *n, size_t nl)
{
    for (; *h; h++) {
        size_t k = 0;
        while (k < nl && h[k] == n[k])
            k++;
        if (k == nl)
            return h;
    }
    return NULL;
}

EXPORT("k_strings") uint32_t k_strings(uint32_t iters)
{
    rng_state = 777;
    for (uint32_t i = 0; i < 8191; i++)
        buf_a[i] = (uint8_t)('a' + rng() % 20);
    buf_a[8191] = 0;
    static const uint8_t needle[] = "qrst";
    uint32_t s = 0;
    for (uint32_t it = 0; it < iters; it++) {
        size_t n = my_strlen(buf_a);
        /* upper-case copy, reversed */
        for (size_t i = 0; i < n; i++) {
            uint8_t c = buf_a[n - 1 - i];
            buf_b[i] = (c >= 'a' && c <= 'z') ? (uint8_t)(c - 32) : c;
        }
        buf_b[n] = 0;
        const uint8_t *p = buf_a;
        while ((p = my_strstr(p, needle, 4)) != NULL) {
            s += (uint32_t)(p - buf_a);
            p++;
        }
        /* compare prefixes */
        for (size_t i = 0; i + 16 < n; i += 97) {
            size_t k = 0;
            while (k < 16 && buf_a[i + k] == buf_a[i + k + 1])
                k++;
            s += (uint32_t)k;
        }
        s += buf_b[it % n];
        buf_a[it % n] = (uint8_t)('a' + (s % 20));
    }
    return s;
}

/* ---------------------------------------------------------- memcpy/fill */

EXPORT("k_memcpy") uint32_t k_memcpy(uint32_t iters)
{
    uint32_t s = 0;
    for (uint32_t it = 0; it < iters; it++) {
        __builtin_memset(buf_a, (int)(it & 0xff), BUF_SIZE);
        __builtin_memcpy(buf_b, buf_a, BUF_SIZE);
        __builtin_memmove(buf_b + 1, buf_b, BUF_SIZE - 1);
        s += buf_b[it % BUF_SIZE] + buf_b[BUF_SIZE - 1];
    }
    return s;
}

/* ------------------------------------------------------ CoreMark-like */

typedef struct node {
    int32_t value;
    uint16_t index;
    struct node *next;
} node;

static node nodes[512];

static uint16_t crc16(uint16_t crc, uint8_t data)
{
    for (int i = 0; i < 8; i++) {
        uint16_t x = (uint16_t)((data ^ crc) & 1);
        data >>= 1;
        if (x)
            crc = (uint16_t)(((crc ^ 0x4002) >> 1) | 0x8000);
        else
            crc = (uint16_t)(crc >> 1);
    }
    return crc;
}

static node *list_reverse(node *l)
{
    node *r = NULL;
    while (l) {
        node *n = l->next;
        l->next = r;
        r = l;
        l = n;
    }
    return r;
}

static node *list_find(node *l, int32_t v)
{
    while (l && l->value != v)
        l = l->next;
    return l;
}

static int32_t mat_a[32][32], mat_b[32][32], mat_c[32][32];

static uint32_t state_machine(const uint8_t *s, uint32_t n)
{
    /* int / float / error classification of comma-separated tokens */
    uint32_t counts[4] = {0};
    uint32_t st = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        if (c == ',') {
            counts[st]++;
            st = 0;
            continue;
        }
        switch (st) {
        case 0: st = (c >= '0' && c <= '9') ? 1 : (c == '-' ? 1 : 3); break;
        case 1: st = (c >= '0' && c <= '9') ? 1 : (c == '.' ? 2 : 3); break;
        case 2: st = (c >= '0' && c <= '9') ? 2 : 3; break;
        default: break;
        }
    }
    return counts[0] + counts[1] * 3 + counts[2] * 5 + counts[3] * 7;
}

EXPORT("k_coremark") uint32_t k_coremark(uint32_t iters)
{
    rng_state = 4242;
    for (int i = 0; i < 512; i++) {
        nodes[i].value = (int32_t)(rng() % 1000);
        nodes[i].index = (uint16_t)i;
        nodes[i].next = i + 1 < 512 ? &nodes[i + 1] : NULL;
    }
    for (int i = 0; i < 32; i++)
        for (int j = 0; j < 32; j++) {
            mat_a[i][j] = (int32_t)(rng() % 100) - 50;
            mat_b[i][j] = (int32_t)(rng() % 100) - 50;
        }
    static const char *const toks[] = {"123,", "-4.5,", "x9,", "77.0,", "abc,", "5,"};
    uint32_t slen = 0;
    for (int i = 0; i < 400; i++) {
        const char *t = toks[rng() % 6];
        while (*t)
            buf_a[slen++] = (uint8_t)*t++;
    }
    node *head = &nodes[0];
    uint16_t crc = 0;
    for (uint32_t it = 0; it < iters; it++) {
        /* list */
        head = list_reverse(head);
        node *f = list_find(head, (int32_t)(it % 1000));
        crc = crc16(crc, (uint8_t)(f ? f->index : 0xff));
        int32_t sum = 0;
        for (node *n = head; n; n = n->next)
            sum += n->value * (n->index & 7);
        crc = crc16(crc, (uint8_t)sum);
        /* matrix */
        for (int i = 0; i < 32; i++)
            for (int j = 0; j < 32; j++) {
                int32_t acc = 0;
                for (int k = 0; k < 32; k++)
                    acc += mat_a[i][k] * mat_b[k][j];
                mat_c[i][j] = acc;
            }
        int32_t msum = 0;
        for (int i = 0; i < 32; i++)
            for (int j = 0; j < 32; j++)
                msum += mat_c[i][j] >> 2;
        mat_a[it & 31][(it >> 5) & 31] += 1;
        crc = crc16(crc, (uint8_t)msum);
        /* state machine */
        crc = crc16(crc, (uint8_t)state_machine(buf_a, slen));
    }
    return crc;
}

/* -------------------------------------------------------- f64 matmul */

#define MN 64
static double fa[MN][MN], fb[MN][MN], fc[MN][MN];

EXPORT("k_matmul") uint32_t k_matmul(uint32_t iters)
{
    for (int i = 0; i < MN; i++)
        for (int j = 0; j < MN; j++) {
            fa[i][j] = (double)((i * 7 + j * 3) % 17) / 8.0;
            fb[i][j] = (double)((i * 5 + j * 11) % 13) / 4.0;
        }
    double total = 0;
    for (uint32_t it = 0; it < iters; it++) {
        for (int i = 0; i < MN; i++)
            for (int j = 0; j < MN; j++) {
                double acc = 0;
                for (int k = 0; k < MN; k++)
                    acc += fa[i][k] * fb[k][j];
                fc[i][j] = acc;
            }
        total += fc[it % MN][(it * 7) % MN];
        fa[it % MN][0] += 0.5;
    }
    return (uint32_t)(int64_t)total;
}

/* A trivial export for the call-latency measurement. */
EXPORT("k_nop") uint32_t k_nop(uint32_t x) { return x + 1; }
