/* events.c: run events of a session (docs/events.md), for replay to late
 * SSE subscribers and `Last-Event-ID` resumption.
 *
 * The event JSON is stored verbatim; type, seq and run_id are lifted into
 * columns so replay is an index range scan on (session_id, seq). Seqs are
 * the agent's: the store only insists they increase and are never reused.
 * A batch is one transaction, so a stream of deltas costs one fsync.
 */
#include <stdio.h>
#include <string.h>

#include "json/json.h"
#include "store/store_int.h"

#define MAX_EVENT_BATCH 10000
#define MAX_TYPE_LEN 64

typedef struct parsed_event {
    int64_t seq;
    char run_id[37];
    char type[MAX_TYPE_LEN + 1];
} parsed_event;

/* Validates event i of a batch and lifts its columns. */
static bx_err parse_event(const char *session_id, size_t i, bx_slice ev, parsed_event *out,
                          bx_error *out_error)
{
    char what[48];
    snprintf(what, sizeof what, "event %zu", i);
    json_t *v = NULL;
    bx_err err = store__parse_json(ev.ptr, ev.len, STORE_JSON_OBJECT, what, &v, out_error);
    if (err)
        return err;
    const char *type = jx_str(v, "type", NULL);
    json_t *seq = json_object_get(v, "seq");
    json_t *run = json_object_get(v, "run_id");
    json_t *sid = json_object_get(v, "session_id");
    if (!type || !*type || strlen(type) > MAX_TYPE_LEN)
        err = bx_error_set(out_error, BX_INVALID, -1,
                           "%s: needs a \"type\" string of 1..%d bytes", what, MAX_TYPE_LEN);
    else if (!json_is_integer(seq) || json_integer_value(seq) < 1)
        err = bx_error_set(out_error, BX_INVALID, -1, "%s: needs an integer \"seq\" >= 1", what);
    else if (run && (!json_is_string(run) ||
                     store__check_id(json_string_value(run), what, NULL) != BX_OK))
        err = bx_error_set(out_error, BX_INVALID, -1, "%s: \"run_id\" must be a UUID string",
                           what);
    else if (sid && (!json_is_string(sid) || strcmp(json_string_value(sid), session_id) != 0))
        err = bx_error_set(out_error, BX_INVALID, -1,
                           "%s: \"session_id\" does not name session %s", what, session_id);
    if (!err) {
        memset(out, 0, sizeof *out);
        out->seq = (int64_t)json_integer_value(seq);
        memcpy(out->type, type, strlen(type) + 1);
        if (run)
            memcpy(out->run_id, json_string_value(run), 37);
    }
    json_decref(v);
    return err;
}

static bx_err last_seq(store *st, store_conn *c, const char *session_id, int64_t *out_seq,
                       bx_error *out_error)
{
    sqlite3_stmt *s = store__stmt(st, c, STMT_EVENT_LAST_SEQ, out_error);
    if (!s)
        return out_error ? out_error->code : BX_STORE;
    sqlite3_bind_text(s, 1, session_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    bx_err err = BX_OK;
    if (rc == SQLITE_ROW)
        *out_seq = sqlite3_column_int64(s, 0);
    else
        err = store__fail(st, c, rc, "last event seq", out_error);
    store__done(s);
    return err;
}

bx_err store_events_append(store *st, const char *session_id, const bx_slice *events, size_t n,
                           bx_error *out_error)
{
    bx_error_clear(out_error);
    if (!st || (!events && n))
        return bx_error_set(out_error, BX_INVALID, -1, "store_events_append: NULL argument");
    bx_err err = store__check_id(session_id, "session", out_error);
    if (err)
        return err;
    if (n > MAX_EVENT_BATCH)
        return bx_error_set(out_error, BX_TOOBIG, -1, "events: batch of %zu above %d", n,
                            MAX_EVENT_BATCH);
    if (n == 0)
        return BX_OK;
    parsed_event *pe = bx_calloc(n, sizeof *pe);
    for (size_t i = 0; i < n && !err; i++) {
        err = parse_event(session_id, i, events[i], &pe[i], out_error);
        if (!err && i > 0 && pe[i].seq <= pe[i - 1].seq)
            err = bx_error_set(out_error, BX_INVALID, -1,
                               "event %zu: seq %lld does not follow %lld", i,
                               (long long)pe[i].seq, (long long)pe[i - 1].seq);
    }
    if (err) {
        bx_free(pe);
        return err;
    }

    int64_t now = bx_wall_ms(), last = 0;
    store_conn *c = store__acquire(st);
    err = store__begin(st, c, out_error);
    if (err)
        goto out;
    err = store__session_exists(st, c, session_id, out_error);
    if (!err)
        err = last_seq(st, c, session_id, &last, out_error);
    if (!err && pe[0].seq <= last)
        err = bx_error_set(out_error, BX_EXISTS, -1,
                           "event seq %lld already used in session %s (last is %lld)",
                           (long long)pe[0].seq, session_id, (long long)last);
    for (size_t i = 0; i < n && !err; i++) {
        sqlite3_stmt *s = store__stmt(st, c, STMT_EVENT_INSERT, out_error);
        if (!s) {
            err = out_error ? out_error->code : BX_STORE;
            break;
        }
        sqlite3_bind_text(s, 1, session_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, pe[i].seq);
        store__bind_text(s, 3, pe[i].run_id[0] ? pe[i].run_id : NULL);
        sqlite3_bind_text(s, 4, pe[i].type, -1, SQLITE_STATIC);
        store__bind_blob_text(s, 5, events[i].ptr, events[i].len);
        sqlite3_bind_int64(s, 6, now);
        err = store__exec_stmt(st, c, s, "append event", out_error);
    }
    if (err)
        store__rollback(st, c);
    else
        err = store__commit(st, c, out_error);
out:
    store__release(st, c);
    bx_free(pe);
    return err;
}

bx_err store_event_last_seq(store *st, const char *session_id, int64_t *out_seq,
                            bx_error *out_error)
{
    bx_error_clear(out_error);
    if (!st || !out_seq)
        return bx_error_set(out_error, BX_INVALID, -1, "store_event_last_seq: NULL argument");
    *out_seq = 0;
    bx_err err = store__check_id(session_id, "session", out_error);
    if (err)
        return err;
    store_conn *c = store__acquire(st);
    err = store__session_exists(st, c, session_id, out_error);
    if (!err)
        err = last_seq(st, c, session_id, out_seq, out_error);
    store__release(st, c);
    return err;
}

void store_event_list_release(store_event_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->len; i++) {
        bx_free(l->items[i].type);
        bx_free(l->items[i].data);
    }
    bx_free(l->items);
    memset(l, 0, sizeof *l);
}

bx_err store_events_list(store *st, const char *session_id, int64_t after_seq, size_t limit,
                         store_event_list *out_list, bx_error *out_error)
{
    bx_error_clear(out_error);
    if (!st || !out_list)
        return bx_error_set(out_error, BX_INVALID, -1, "store_events_list: NULL argument");
    memset(out_list, 0, sizeof *out_list);
    bx_err err = store__check_id(session_id, "session", out_error);
    if (err)
        return err;
    if (limit > STORE_MAX_MESSAGES)
        return bx_error_set(out_error, BX_INVALID, -1, "events: limit %zu above %d", limit,
                            STORE_MAX_MESSAGES);
    if (limit == 0)
        limit = 1000;
    size_t cap = 0;
    store_conn *c = store__acquire(st);
    if (sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        err = store__fail(st, c, sqlite3_errcode(c->db), "list events", out_error);
        goto out;
    }
    err = store__session_exists(st, c, session_id, out_error);
    if (err)
        goto end;
    sqlite3_stmt *s = store__stmt(st, c, STMT_EVENT_LIST, out_error);
    if (!s) {
        err = out_error ? out_error->code : BX_STORE;
        goto end;
    }
    sqlite3_bind_text(s, 1, session_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, after_seq);
    sqlite3_bind_int64(s, 3, (int64_t)limit);
    int rc;
    size_t bytes = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(s, 3);
        if (out_list->len > 0 && bytes + n > STORE_MAX_RESULT) {
            rc = SQLITE_DONE; /* a short page; the caller goes on after it */
            break;
        }
        bytes += n;
        store_event *ev = store__grow((void **)&out_list->items, &out_list->len, &cap,
                                      sizeof *ev);
        ev->seq = sqlite3_column_int64(s, 0);
        store__col_copy(s, 1, ev->run_id, sizeof ev->run_id);
        ev->type = store__col_strdup(s, 2);
        ev->data = store__col_strdup(s, 3);
        ev->at_ms = sqlite3_column_int64(s, 4);
    }
    if (rc != SQLITE_DONE)
        err = store__fail(st, c, rc, "list events", out_error);
    store__done(s);
end:
    sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
out:
    store__release(st, c);
    if (err)
        store_event_list_release(out_list);
    return err;
}
