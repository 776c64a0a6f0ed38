/* big.c: a ~200 KB module of many distinct small functions, for measuring
 * how long instantiating a cached module and calling a trivial export takes
 * (the per-tool-call cost). A function table keeps every function alive;
 * there are no large data segments. Built only for wasm32. */
#include <stdint.h>

#define F(n)                                                         \
    static uint32_t f##n(uint32_t x)                                 \
    {                                                                \
        uint32_t y = x * (uint32_t)(n * 2654435761u);                \
        for (uint32_t i = 0; i < (n % 5) + 1; i++) {                 \
            y ^= y >> ((n % 7) + 1);                                 \
            y += (uint32_t)n * 0x9e3779b9u;                          \
            y = (y << 3) | (y >> 29);                                \
        }                                                            \
        if (y & 1)                                                   \
            y += x * (n + 3);                                        \
        else                                                         \
            y -= x ^ n;                                              \
        return y ^ (y >> 11) ^ (uint32_t)(n * 31);                   \
    }
#define D0(p) F(p##0) F(p##1) F(p##2) F(p##3) F(p##4) F(p##5) F(p##6) F(p##7) F(p##8) F(p##9)
#define D1(p) D0(p##0) D0(p##1) D0(p##2) D0(p##3) D0(p##4) D0(p##5) D0(p##6) D0(p##7) D0(p##8) D0(p##9)
#define D2(p) D1(p##0) D1(p##1) D1(p##2) D1(p##3) D1(p##4) D1(p##5) D1(p##6) D1(p##7) D1(p##8) D1(p##9)
D2(1)
D1(20) D1(21) D1(22) D1(23) D1(24)

#define T(n) f##n,
#define T0(p) T(p##0) T(p##1) T(p##2) T(p##3) T(p##4) T(p##5) T(p##6) T(p##7) T(p##8) T(p##9)
#define T1(p) T0(p##0) T0(p##1) T0(p##2) T0(p##3) T0(p##4) T0(p##5) T0(p##6) T0(p##7) T0(p##8) T0(p##9)
#define T2(p) T1(p##0) T1(p##1) T1(p##2) T1(p##3) T1(p##4) T1(p##5) T1(p##6) T1(p##7) T1(p##8) T1(p##9)
static uint32_t (*const table[])(uint32_t) = {T2(1) T1(20) T1(21) T1(22) T1(23) T1(24)};

__attribute__((export_name("big_call"))) uint32_t big_call(uint32_t i, uint32_t x)
{
    return table[i % (sizeof table / sizeof table[0])](x);
}

__attribute__((export_name("k_nop"))) uint32_t k_nop(uint32_t x) { return x + 1; }
