/* test.h: the unit-test harness. Each test file defines TEST(name) blocks
 * and ends with TEST_MAIN(). A failed CHECK reports file:line and marks the
 * test failed; the run ends with "N passed, N failed" and exits non-zero on
 * any failure. Tests must assert things that can fail. */
#ifndef BX_TEST_H
#define BX_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*bx_test_fn)(int *failed);
typedef struct bx_test_case {
    const char *name;
    bx_test_fn fn;
} bx_test_case;

#define BX_TEST_MAX 512
extern bx_test_case bx_tests[BX_TEST_MAX];
extern int bx_test_count;

#define TEST(name)                                                          \
    static void test_##name(int *bx__failed);                               \
    __attribute__((constructor)) static void register_##name(void)          \
    {                                                                       \
        if (bx_test_count < BX_TEST_MAX)                                    \
            bx_tests[bx_test_count++] = (bx_test_case){#name, test_##name}; \
    }                                                                       \
    static void test_##name(int *bx__failed)

#define CHECK(cond)                                                        \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            *bx__failed = 1;                                               \
        }                                                                  \
    } while (0)

#define REQUIRE(cond)                                                      \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "%s:%d: REQUIRE failed: %s\n", __FILE__, __LINE__, #cond); \
            *bx__failed = 1;                                               \
            return;                                                        \
        }                                                                  \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                 \
    do {                                                                   \
        long long bx__a = (long long)(a), bx__b = (long long)(b);          \
        if (bx__a != bx__b) {                                              \
            fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, \
                    __LINE__, #a, #b, bx__a, bx__b);                       \
            *bx__failed = 1;                                               \
        }                                                                  \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                 \
    do {                                                                   \
        const char *bx__a = (a), *bx__b = (b);                             \
        if (!bx__a || !bx__b || strcmp(bx__a, bx__b) != 0) {               \
            fprintf(stderr, "%s:%d: %s == %s failed:\n  got:  \"%s\"\n  want: \"%s\"\n", \
                    __FILE__, __LINE__, #a, #b, bx__a ? bx__a : "(null)",  \
                    bx__b ? bx__b : "(null)");                             \
            *bx__failed = 1;                                               \
        }                                                                  \
    } while (0)

/* Runs every test, or only those named on the command line. */
#define TEST_MAIN()                                                        \
    bx_test_case bx_tests[BX_TEST_MAX];                                    \
    int bx_test_count;                                                     \
    int main(int argc, char **argv)                                        \
    {                                                                      \
        int passed = 0, failed = 0;                                        \
        for (int i = 0; i < bx_test_count; i++) {                          \
            if (argc > 1) {                                                \
                int want = 0;                                              \
                for (int a = 1; a < argc; a++)                             \
                    want |= strcmp(argv[a], bx_tests[i].name) == 0;        \
                if (!want)                                                 \
                    continue;                                              \
            }                                                              \
            int f = 0;                                                     \
            bx_tests[i].fn(&f);                                            \
            if (f) {                                                       \
                failed++;                                                  \
                fprintf(stderr, "FAIL %s\n", bx_tests[i].name);            \
            } else {                                                       \
                passed++;                                                  \
            }                                                              \
        }                                                                  \
        printf("%d passed, %d failed\n", passed, failed);                  \
        return failed ? 1 : 0;                                             \
    }

#endif
