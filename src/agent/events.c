/* events.c: run events (docs/events.md) — emission and the terminal printer.
 *
 * Every event passes through agent__emit, which stamps the common fields
 * under one lock so seq is dense and ordered even when parallel tools emit.
 * Seqs are reserved in blocks in the session's metadata: after a crash the
 * next run starts above anything the dead run could have used.
 */
#include <string.h>

#include "agent/agent_int.h"

json_t *agent__jstr(const char *s, size_t n)
{
    if (!s)
        return json_string("");
    json_t *v = json_stringn(s, n);
    if (v)
        return v;
    /* Invalid UTF-8 from a model or a tool: keep the valid sequences. */
    bx_buf b;
    bx_buf_init(&b, BX_BUF_UNLIMITED);
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        bool ok = len > 0 && i + len <= n && c != 0;
        for (size_t k = 1; ok && k < len; k++)
            ok = ((unsigned char)s[i + k] & 0xC0) == 0x80;
        if (ok && len > 1) {
            json_t *t = json_stringn(s + i, len);
            ok = t != NULL;
            json_decref(t);
        }
        if (ok) {
            bx_buf_append(&b, s + i, len);
            i += len;
        } else {
            bx_buf_puts(&b, "\xEF\xBF\xBD");
            i++;
        }
    }
    v = json_stringn(b.data, b.len);
    bx_buf_release(&b);
    return v ? v : json_string("");
}

/* Reads session metadata, sets event_seq, writes it back. */
static void write_seq_mark(agent_run *run, int64_t mark)
{
    store *st = run->cfg.st;
    if (!st || !run->session_id[0])
        return;
    store_session s;
    memset(&s, 0, sizeof(s));
    if (store_session_get(st, run->session_id, &s, NULL) != BX_OK)
        return;
    json_t *meta = jx_parse(s.metadata, strlen(s.metadata), STORE_MAX_TEXT, NULL);
    if (!json_is_object(meta)) {
        json_decref(meta);
        meta = json_object();
    }
    jx_set_int(meta, "event_seq", mark);
    char *text = jx_dumps(meta);
    store_session_fields f = {.metadata = text};
    store_session_update(st, run->session_id, &f, NULL);
    free(text);
    json_decref(meta);
    store_session_release(&s);
}

void agent__seq_reserve(agent_run *run, bool at_end)
{
    if (at_end) {
        write_seq_mark(run, run->seq);
        run->seq_reserved = run->seq;
        return;
    }
    run->seq_reserved = run->seq + AGENT__SEQ_BLOCK;
    write_seq_mark(run, run->seq_reserved);
}

void agent__emit(agent_run *run, const char *type, json_t *ev)
{
    if (!ev)
        return;
    pthread_mutex_lock(&run->emit_lock);
    if (run->seq >= run->seq_reserved)
        agent__seq_reserve(run, false);
    run->seq++;
    char ts[32];
    bx_format_time(bx_wall_ms(), ts);
    json_t *full = json_object();
    jx_set_str(full, "type", type);
    jx_set_str(full, "session_id", run->session_id);
    jx_set_str(full, "run_id", run->run_id);
    jx_set_int(full, "seq", run->seq);
    jx_set_str(full, "ts", ts);
    json_object_update(full, ev);
    json_decref(ev);
    if (run->cfg.sink)
        run->cfg.sink(run->cfg.sink_ctx, full);
    pthread_mutex_unlock(&run->emit_lock);
    json_decref(full);
}

/* ------------------------------------------------------------ the printer */

static void print_clipped(FILE *out, const char *s, size_t max_lines, size_t max_cols)
{
    size_t lines = 0;
    while (*s && lines < max_lines) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        fprintf(out, "  %s %.*s%s\n", lines ? " " : "\xe2\x8e\xbf", (int)BX_MIN(n, max_cols), s,
                n > max_cols ? "…" : "");
        lines++;
        s += n;
        if (*s == '\n')
            s++;
    }
    if (*s)
        fprintf(out, "    …\n");
}

void agent__print_event(FILE *out, const json_t *ev, bool color)
{
    const char *type = jx_str(ev, "type", "");
    const char *dim = color ? "\033[2m" : "", *bold = color ? "\033[1m" : "",
               *red = color ? "\033[31m" : "", *off = color ? "\033[0m" : "";
    if (strcmp(type, "text_delta") == 0) {
        fputs(jx_str(ev, "text", ""), out);
    } else if (strcmp(type, "thinking_delta") == 0) {
        fprintf(out, "%s%s%s", dim, jx_str(ev, "text", ""), off);
    } else if (strcmp(type, "message_end") == 0) {
        fputc('\n', out);
    } else if (strcmp(type, "tool_start") == 0) {
        char *in = jx_dumps(jx_obj(ev, "input"));
        fprintf(out, "%s● %s%s(%.200s%s)\n", bold, jx_str(ev, "tool", ""), off, in ? in : "",
                in && strlen(in) > 200 ? "…" : "");
        free(in);
    } else if (strcmp(type, "tool_end") == 0) {
        bool err = jx_bool(ev, "is_error", false);
        if (err)
            fputs(red, out);
        print_clipped(out, jx_str(ev, "content", ""), 4, 160);
        if (err)
            fputs(off, out);
    } else if (strcmp(type, "todo_update") == 0) {
        size_t i;
        json_t *t;
        json_array_foreach(jx_arr(ev, "todos"), i, t) {
            const char *st = jx_str(t, "status", "pending");
            fprintf(out, "  %s %s\n",
                    strcmp(st, "completed") == 0 ? "[x]" : strcmp(st, "in_progress") == 0 ? "[>]" : "[ ]",
                    jx_str(t, "content", ""));
        }
    } else if (strcmp(type, "brief") == 0) {
        fprintf(out, "%s» %s%s\n", bold, jx_str(ev, "text", ""), off);
    } else if (strcmp(type, "mode_change") == 0) {
        fprintf(out, "%s[mode: %s]%s\n", dim, jx_str(ev, "mode", ""), off);
    } else if (strcmp(type, "compaction") == 0) {
        fprintf(out, "%s[compacted %lld messages: %lld -> %lld tokens]%s\n", dim,
                (long long)jx_int(ev, "summarized_messages", 0), (long long)jx_int(ev, "before_tokens", 0),
                (long long)jx_int(ev, "after_tokens", 0), off);
    } else if (strcmp(type, "approval_result") == 0) {
        const char *by = jx_str(ev, "by", "");
        if (strcmp(by, "user") != 0)
            fprintf(out, "%s[%s by %s]%s\n", dim, jx_str(ev, "decision", ""), by, off);
    } else if (strcmp(type, "retry") == 0) {
        fprintf(out, "%s[retry %lld in %lld ms: %s]%s\n", dim, (long long)jx_int(ev, "attempt", 0),
                (long long)jx_int(ev, "delay_ms", 0), jx_str(ev, "reason", ""), off);
    } else if (strcmp(type, "error") == 0) {
        fprintf(out, "%serror: %s: %s%s\n", red, jx_str(ev, "code", ""), jx_str(ev, "message", ""),
                off);
    } else if (strcmp(type, "run_end") == 0) {
        fprintf(out, "%s[%s: %lld turns, %lld in / %lld out tokens, $%.4f, %lld ms]%s\n", dim,
                jx_str(ev, "outcome", ""), (long long)jx_int(ev, "turns", 0),
                (long long)jx_int(ev, "input_tokens", 0), (long long)jx_int(ev, "output_tokens", 0),
                jx_num(ev, "cost_usd", 0), (long long)jx_int(ev, "duration_ms", 0), off);
    }
    fflush(out);
}
