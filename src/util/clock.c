/* clock.c: monotonic and wall clocks, and RFC 3339 formatting. */
#include "util/util.h"

#include <stdio.h>
#include <time.h>

uint64_t bx_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t bx_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int64_t bx_wall_ms(void)
{
    return (int64_t)(bx_wall_ns() / 1000000ull);
}

void bx_format_time(int64_t wall_ms, char out[32])
{
    time_t secs = (time_t)(wall_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03dZ", (int)(wall_ms % 1000 + 1000) % 1000);
}
