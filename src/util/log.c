/* log.c: leveled logging to stderr, as text or one JSON object per line.
 * A line is written with one write(2) so concurrent threads don't interleave. */
#include "util/util.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static atomic_int log_level = BX_LOG_INFO;
static atomic_bool log_json;

static const char *const level_names[] = {"error", "warn", "info", "debug", "trace"};

void bx_log_set_level(bx_log_level level) { atomic_store(&log_level, (int)level); }
bx_log_level bx_log_get_level(void) { return (bx_log_level)atomic_load_explicit(&log_level, memory_order_relaxed); }
void bx_log_set_json(bool on) { atomic_store(&log_json, on); }

bool bx_log_level_parse(const char *name, bx_log_level *out_level)
{
    for (size_t i = 0; i < BX_ARRAY_LEN(level_names); i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out_level = (bx_log_level)i;
            return true;
        }
    }
    return false;
}

/* JSON-escapes s into b (best effort: the log line is capped). */
static void json_escape(bx_buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            bx_buf_printf(b, "\\%c", c);
        else if (c < 0x20)
            bx_buf_printf(b, "\\u%04x", c);
        else
            bx_buf_putc(b, (char)c);
    }
}

void bx_log(bx_log_level level, const char *component, const char *fmt, ...)
{
    if (!BX_LOG_ENABLED(level))
        return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char ts[32];
    bx_format_time(bx_wall_ms(), ts);
    const char *lname = (unsigned)level < BX_ARRAY_LEN(level_names) ? level_names[level] : "?";

    bx_buf b;
    bx_buf_init(&b, 8192);
    if (atomic_load(&log_json)) {
        bx_buf_printf(&b, "{\"ts\":\"%s\",\"level\":\"%s\",\"component\":\"", ts, lname);
        json_escape(&b, component ? component : "");
        bx_buf_puts(&b, "\",\"msg\":\"");
        json_escape(&b, msg);
        bx_buf_puts(&b, "\"}\n");
    } else {
        bx_buf_printf(&b, "%s %-5s %s: %s\n", ts, lname, component ? component : "-", msg);
    }
    ssize_t w = write(STDERR_FILENO, b.data, b.len);
    (void)w;
    bx_buf_release(&b);
}
