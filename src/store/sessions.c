/* sessions.c: sessions, their messages and their tool calls.
 *
 * A session's messages are numbered 1, 2, 3 ... with no gaps; appending reads
 * the last seq and inserts the next inside one write transaction, which also
 * bumps the session's updated time, so the list order and the message count
 * always agree. A fork copies a prefix of messages and their tool calls in
 * one transaction. Inputs are validated before any statement runs.
 */
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"

static const char *const role_names[] = {"system", "user", "assistant", "tool"};
static const char *const tool_status_names[] = {"pending", "running", "completed", "denied",
                                                "cancelled"};

const char *store_tool_status_name(store_tool_status s)
{
    if ((unsigned)s >= STORE__TOOL_STATUS_COUNT)
        return NULL;
    return tool_status_names[s];
}

bool store_tool_status_parse(const char *name, store_tool_status *out_status)
{
    for (unsigned i = 0; name && i < STORE__TOOL_STATUS_COUNT; i++) {
        if (strcmp(name, tool_status_names[i]) == 0) {
            if (out_status)
                *out_status = (store_tool_status)i;
            return true;
        }
    }
    return false;
}

static bool tool_status_final(store_tool_status s)
{
    return s == STORE_TOOL_COMPLETED || s == STORE_TOOL_DENIED || s == STORE_TOOL_CANCELLED;
}

/* ------------------------------------------------------------ sessions */

void store_session_release(store_session *s)
{
    if (!s)
        return;
    bx_free(s->title);
    bx_free(s->agent);
    bx_free(s->model);
    bx_free(s->metadata);
    memset(s, 0, sizeof *s);
}

void store_session_list_release(store_session_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->len; i++)
        store_session_release(&l->items[i]);
    bx_free(l->items);
    memset(l, 0, sizeof *l);
}

/* Columns as in SESSION_COLS. */
static void read_session(sqlite3_stmt *s, store_session *out)
{
    store__col_copy(s, 0, out->id, sizeof out->id);
    out->title = store__col_strdup(s, 1);
    out->agent = store__col_strdup(s, 2);
    out->model = store__col_strdup(s, 3);
    out->metadata = store__col_strdup(s, 4);
    out->created_ms = sqlite3_column_int64(s, 5);
    out->updated_ms = sqlite3_column_int64(s, 6);
    store__col_copy(s, 7, out->parent_id, sizeof out->parent_id);
    out->fork_seq = sqlite3_column_int64(s, 8);
    out->message_count = sqlite3_column_int64(s, 9);
}

static bx_err check_fields(const store_session_fields *f, bx_error *out_error)
{
    bx_err err = BX_OK;
    if (f->title)
        err = store__check_text(f->title, "session title", STORE_MAX_NAME, false, out_error);
    if (!err && f->agent)
        err = store__check_text(f->agent, "session agent", STORE_MAX_NAME, false, out_error);
    if (!err && f->model)
        err = store__check_text(f->model, "session model", STORE_MAX_NAME, false, out_error);
    if (!err && f->metadata)
        err = store__check_json(f->metadata, strlen(f->metadata), STORE_JSON_OBJECT,
                                "session metadata", out_error);
    return err;
}

bx_err store__session_exists(store *st, store_conn *c, const char *id, bx_error *out_error)
{
    sqlite3_stmt *s = store__stmt(st, c, STMT_SESSION_EXISTS, out_error);
    if (!s)
        return out_error ? out_error->code : BX_STORE;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    bx_err err = BX_OK;
    if (rc == SQLITE_DONE)
        err = bx_error_set(out_error, BX_NOTFOUND, -1, "session %s not found", id);
    else if (rc != SQLITE_ROW)
        err = store__fail(st, c, rc, "look up session", out_error);
    store__done(s);
    return err;
}

static bx_err insert_session(store *st, store_conn *c, const char *id,
                             const store_session_fields *f, const char *parent_id,
                             int64_t fork_seq, bx_error *out_error)
{
    sqlite3_stmt *s = store__stmt(st, c, STMT_SESSION_INSERT, out_error);
    if (!s)
        return out_error ? out_error->code : BX_STORE;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, f->title ? f->title : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, f->agent ? f->agent : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, f->model ? f->model : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, f->metadata ? f->metadata : "{}", -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 6, bx_wall_ms());
    store__bind_text(s, 7, parent_id);
    sqlite3_bind_int64(s, 8, fork_seq);
    return store__exec_stmt(st, c, s, "create session", out_error);
}

bx_err store_session_create(store *st, const store_session_fields *fields, char out_id[37],
                            bx_error *out_error)
{
    bx_error_clear(out_error);
    if (!st || !out_id)
        return bx_error_set(out_error, BX_INVALID, -1, "store_session_create: NULL argument");
    out_id[0] = '\0';
    store_session_fields none = {0};
    const store_session_fields *f = fields ? fields : &none;
    bx_err err = check_fields(f, out_error);
    if (err)
        return err;
    char id[37];
    bx_uuid_v7(id);
    store_conn *c = store__acquire(st);
    err = insert_session(st, c, id, f, NULL, 0, out_error);
    store__release(st, c);
    if (!err)
        memcpy(out_id, id, sizeof id);
    return err;
}

bx_err store_session_get(store *st, const char *id, store_session *out_session,
                         bx_error *out_error)
{
    bx_error_clear(out_error);
    if (!st || !out_session)
        return bx_error_set(out_error, BX_INVALID, -1, "store_session_get: NULL argument");
    memset(out_session, 0, sizeof *out_session);
    bx_err err = store__check_id(id, "session", out_error);
    if (err)
        return err;
    store_conn *c = store__acquire(st);
    sqlite3_stmt *s = store__stmt(st, c, STMT_SESSION_GET, out_error);
    if (!s) {
        err = out_error ? out_error->code : BX_STORE;
        goto out;
    }
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        read_session(s, out_session);
    else if (rc == SQLITE_DONE)
        err = bx_error_set(out_error, BX_NOTFOUND, -1, "session %s not found", id);
    else
        err = store__fail(st, c, rc, "get session", out_error);
    store__done(s);
out:
    store__release(st, c);
    return err;
}

/* Cursor: "<updated_ms>.<id>" of the last row of the previous page. */
static bool parse_cursor(const char *cursor, int64_t *out_ms, char out_id[37])
{
    const char *dot = strchr(cursor, '.');
    if (!dot || dot == cursor || dot - cursor > 19)
        return false;
    int64_t ms = 0;
    for (const char *p = cursor; p < dot; p++) {
        if (*p < '0' || *p > '9')
            return false;
        ms = ms * 10 + (*p - '0');
    }
    if (store__check_id(dot + 1, "cursor", NULL) != BX_OK)
        return false;
    *out_ms = ms;
    memcpy(out_id, dot + 1, 37);
    return true;
}

bx_err store_sessions_list(store *st, size_t limit, const char *cursor,
                          store_session_list *out_list, bx_error *out_error)
{
    bx_error_clear(out_error);
    if (!st || !out_list)
        return bx_error_set(out_error, BX_INVALID, -1, "store_sessions_list: NULL argument");
    memset(out_list, 0, sizeof *out_list);
    if (limit == 0)
        limit = 50;
    if (limit > STORE_MAX_PAGE)
        return bx_error_set(out_error, BX_INVALID, -1, "session list: limit %zu above %d",
                            limit, STORE_MAX_PAGE);
    int64_t after_ms = 0;
    char after_id[37] = "";
    bool paged = cursor && *cursor;
    if (paged && !parse_cursor(cursor, &after_ms, after_id))
        return bx_error_set(out_error, BX_INVALID, -1, "session list: bad cursor \"%.80s\"",
                            cursor);

    bx_err err = BX_OK;
    size_t cap = 0;
    store_conn *c = store__acquire(st);
    sqlite3_stmt *s =
        store__stmt(st, c, paged ? STMT_SESSION_LIST_AFTER : STMT_SESSION_LIST_FIRST, out_error);
    if (!s) {
        err = out_error ? out_error->code : BX_STORE;
        goto out;
    }
    /* One extra row tells whether there is a next page. */
    sqlite3_bind_int64(s, 1, (int64_t)limit + 1);
    if (paged) {
        sqlite3_bind_int64(s, 2, after_ms);
        sqlite3_bind_text(s, 3, after_id, -1, SQLITE_STATIC);
    }
    int rc;
    bool more = false;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (out_list->len == limit) {
            more = true;
            break;
        }
        store_session *item = store__grow((void **)&out_list->items, &out_list->len, &cap,
                                          sizeof *item);
        read_session(s, item);
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        err = store__fail(st, c, rc, "list sessions", out_error);
    store__done(s);
    if (!err && more) {
        const store_session *last = &out_list->items[out_list->len - 1];
        snprintf(out_list->next_cursor, sizeof out_list->next_cursor, "%lld.%s",
                 (long long)last->updated_ms, last->id);
    }
out:
    store__release(st, c);
    if (err)
        store_session_list_release(out_list);
    return err;
}

bx_err store_session_update(store *st, const char *id, const store_session_fields *fields,
                            bx_error *out_error)
{
    bx_error_clear(out_error);
    if (!st || !fields)
        return bx_error_set(out_error, BX_INVALID, -1, "store_session_update: NULL argument");
    bx_err err = store__check_id(id, "session", out_error);
    if (!err)
        err = check_fields(fields, out_error);
    if (err)
        return err;
    store_conn *c = store__acquire(st);
    sqlite3_stmt *s = store__stmt(st, c, STMT_SESSION_UPDATE, out_error);
    if (!s) {
        err = out_error ? out_error->code : BX_STORE;
        goto out;
    }
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    store__bind_text(s, 2, fields->title);
    store__bind_text(s, 3, fields->agent);
    store__bind_text(s, 4, fields->model);
    store__bind_text(s, 5, fields->metadata);
    sqlite3_bind_int64(s, 6, bx_wall_ms());
    err = store__exec_stmt(st, c, s, "update session", out_error);
    if (!err && sqlite3_changes(c->db) == 0)
        err = bx_error_set(out_error, BX_NOTFOUND, -1, "session %s not found", id);
out:
    store__release(st, c);
    return err;
}

bx_err store_session_rename(store *st, const char *id, const char *title, bx_error *out_error)
{
    if (!title) {
        bx_error_clear(out_error);
        return bx_error_set(out_error, BX_INVALID, -1, "rename session: missing title");
    }
    store_session_fields f = {.title = title};
    return store_session_update(st, id, &f, out_error);
}

bx_err store_session_delete(store *st, const char *id, bx_error *out_error)
{
    bx_error_clear(out_error);
    if (!st)
        return bx_error_set(out_error, BX_INVALID, -1, "store_session_delete: NULL store");
    bx_err err = store__check_id(id, "session", out_error);
    if (err)
        return err;
    store_conn *c = store__acquire(st);
    /* One statement, but the cascade touches several tables: make it one
     * transaction explicitly so it queues on write_mu like every writer. */
    err = store__begin(st, c, out_error);
    if (err)
        goto out;
    sqlite3_stmt *s = store__stmt(st, c, STMT_SESSION_DELETE, out_error);
    if (!s)
        err = out_error ? out_error->code : BX_STORE;
    if (!err) {
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        err = store__exec_stmt(st, c, s, "delete session", out_error);
    }
    if (!err && sqlite3_changes(c->db) == 0)
        err = bx_error_set(out_error, BX_NOTFOUND, -1, "session %s not found", id);
    if (err)
        store__rollback(st, c);
    else
        err = store__commit(st, c, out_error);
out:
    store__release(st, c);
    return err;
}

bx_err store_session_fork(store *st, const char *source_id, int64_t at_seq, const char *title,
                          char out_id[37], bx_error *out_error)
{
    bx_error_clear(out_error);
    if (!st || !out_id)
        return bx_error_set(out_error, BX_INVALID, -1, "store_session_fork: NULL argument");
    out_id[0] = '\0';
    bx_err err = store__check_id(source_id, "fork source session", out_error);
    if (!err && title)
        err = store__check_text(title, "fork title", STORE_MAX_NAME, false, out_error);
    if (!err && at_seq < 1)
        err = bx_error_set(out_error, BX_INVALID, -1, "fork: message seq %lld must be >= 1",
                           (long long)at_seq);
    if (err)
        return err;

    char id[37];
    bx_uuid_v7(id);
    store_session src = {0};
    char *fork_title = NULL;
    store_conn *c = store__acquire(st);
    err = store__begin(st, c, out_error);
    if (err)
        goto out;
    sqlite3_stmt *s = store__stmt(st, c, STMT_SESSION_GET, out_error);
    if (!s) {
        err = out_error ? out_error->code : BX_STORE;
        goto rollback;
    }
    sqlite3_bind_text(s, 1, source_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        read_session(s, &src);
    else if (rc == SQLITE_DONE)
        err = bx_error_set(out_error, BX_NOTFOUND, -1, "fork: session %s not found", source_id);
    else
        err = store__fail(st, c, rc, "fork: read session", out_error);
    store__done(s);
    if (err)
        goto rollback;
    if (at_seq > src.message_count) {
        err = bx_error_set(out_error, BX_NOTFOUND, -1,
                           "fork: session %s has no message %lld (it has %lld)", source_id,
                           (long long)at_seq, (long long)src.message_count);
        goto rollback;
    }
    if (!title) {
        fork_title = bx_sprintf("%s (fork)", src.title);
        /* Keep the derived title within the cap, cutting at a character. */
        size_t n = strlen(fork_title);
        if (n > STORE_MAX_NAME) {
            n = STORE_MAX_NAME;
            while (n > 0 && ((unsigned char)fork_title[n] & 0xc0) == 0x80)
                n--;
            fork_title[n] = '\0';
        }
    }
    store_session_fields f = {.title = title ? title : fork_title,
                              .agent = src.agent,
                              .model = src.model,
                              .metadata = src.metadata};
    err = insert_session(st, c, id, &f, source_id, at_seq, out_error);
    if (err)
        goto rollback;
    static const store_stmt_id copies[] = {STMT_FORK_COPY_MESSAGES, STMT_FORK_COPY_TOOL_CALLS};
    for (size_t i = 0; i < BX_ARRAY_LEN(copies) && !err; i++) {
        s = store__stmt(st, c, copies[i], out_error);
        if (!s) {
            err = out_error ? out_error->code : BX_STORE;
            break;
        }
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, source_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, at_seq);
        err = store__exec_stmt(st, c, s, "fork: copy", out_error);
    }
    if (err)
        goto rollback;
    err = store__commit(st, c, out_error);
    if (!err)
        memcpy(out_id, id, sizeof id);
    goto out;
rollback:
    store__rollback(st, c);
out:
    store__release(st, c);
    store_session_release(&src);
    bx_free(fork_title);
    return err;
}

/* ------------------------------------------------------------ messages */

void store_message_list_release(store_message_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->len; i++)
        bx_free(l->items[i].content);
    bx_free(l->items);
    memset(l, 0, sizeof *l);
}

bx_err store_message_append(store *st, const char *session_id, const store_message_new *m,
                            int64_t *out_seq, bx_error *out_error)
{
    bx_error_clear(out_error);
    if (out_seq)
        *out_seq = 0;
    if (!st || !m)
        return bx_error_set(out_error, BX_INVALID, -1, "store_message_append: NULL argument");
    bx_err err = store__check_id(session_id, "session", out_error);
    if (err)
        return err;
    bool role_ok = false;
    for (size_t i = 0; m->role && i < BX_ARRAY_LEN(role_names); i++)
        role_ok |= strcmp(m->role, role_names[i]) == 0;
    if (!role_ok)
        return bx_error_set(out_error, BX_INVALID, -1,
                            "message role \"%.32s\" is not system, user, assistant or tool",
                            m->role ? m->role : "(null)");
    if (m->input_tokens < 0 || m->output_tokens < 0)
        return bx_error_set(out_error, BX_INVALID, -1, "message token counts must be >= 0");
    size_t clen = m->content ? (m->content_len ? m->content_len : strlen(m->content)) : 0;
    err = store__check_json(m->content, clen, STORE_JSON_BLOCKS, "message content", out_error);
    if (err)
        return err;

    int64_t now = bx_wall_ms(), seq = 0;
    store_conn *c = store__acquire(st);
    err = store__begin(st, c, out_error);
    if (err)
        goto out;
    err = store__session_exists(st, c, session_id, out_error);
    if (err)
        goto rollback;
    sqlite3_stmt *s = store__stmt(st, c, STMT_MESSAGE_LAST_SEQ, out_error);
    if (!s) {
        err = out_error ? out_error->code : BX_STORE;
        goto rollback;
    }
    sqlite3_bind_text(s, 1, session_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        seq = sqlite3_column_int64(s, 0) + 1;
    else
        err = store__fail(st, c, rc, "append message: last seq", out_error);
    store__done(s);
    if (err)
        goto rollback;

    s = store__stmt(st, c, STMT_MESSAGE_INSERT, out_error);
    if (!s) {
        err = out_error ? out_error->code : BX_STORE;
        goto rollback;
    }
    sqlite3_bind_text(s, 1, session_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, seq);
    sqlite3_bind_text(s, 3, m->role, -1, SQLITE_STATIC);
    store__bind_blob_text(s, 4, m->content, clen);
    sqlite3_bind_int64(s, 5, now);
    sqlite3_bind_int64(s, 6, m->input_tokens);
    sqlite3_bind_int64(s, 7, m->output_tokens);
    err = store__exec_stmt(st, c, s, "append message", out_error);
    if (err)
        goto rollback;

    s = store__stmt(st, c, STMT_SESSION_TOUCH, out_error);
    if (!s) {
        err = out_error ? out_error->code : BX_STORE;
        goto rollback;
    }
    sqlite3_bind_text(s, 1, session_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, now);
    err = store__exec_stmt(st, c, s, "append message: touch session", out_error);
    if (err)
        goto rollback;
    err = store__commit(st, c, out_error);
    if (!err && out_seq)
        *out_seq = seq;
    goto out;
rollback:
    store__rollback(st, c);
out:
    store__release(st, c);
    return err;
}

bx_err store_messages_get(store *st, const char *session_id, int64_t after_seq, size_t limit,
                          store_message_list *out_list, bx_error *out_error)
{
    bx_error_clear(out_error);
    if (!st || !out_list)
        return bx_error_set(out_error, BX_INVALID, -1, "store_messages_get: NULL argument");
    memset(out_list, 0, sizeof *out_list);
    bx_err err = store__check_id(session_id, "session", out_error);
    if (err)
        return err;
    if (limit == 0)
        limit = STORE_MAX_MESSAGES;
    if (limit > STORE_MAX_MESSAGES)
        return bx_error_set(out_error, BX_INVALID, -1, "get messages: limit %zu above %d",
                            limit, STORE_MAX_MESSAGES);
    size_t cap = 0;
    store_conn *c = store__acquire(st);
    /* A read transaction: the existence check and the rows see one snapshot. */
    if (sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        err = store__fail(st, c, sqlite3_errcode(c->db), "get messages", out_error);
        goto out;
    }
    err = store__session_exists(st, c, session_id, out_error);
    if (err)
        goto end;
    sqlite3_stmt *s = store__stmt(st, c, STMT_MESSAGE_LIST, out_error);
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
        /* Text size first (column_bytes of a TEXT column does no conversion). */
        size_t n = (size_t)sqlite3_column_bytes(s, 3);
        if (out_list->len > 0 && bytes + n > STORE_MAX_RESULT) {
            rc = SQLITE_DONE; /* a short page; the caller goes on after it */
            break;
        }
        bytes += n;
        store_message *m = store__grow((void **)&out_list->items, &out_list->len, &cap,
                                       sizeof *m);
        store__col_copy(s, 0, m->session_id, sizeof m->session_id);
        m->seq = sqlite3_column_int64(s, 1);
        store__col_copy(s, 2, m->role, sizeof m->role);
        m->content = store__col_strdup(s, 3);
        m->created_ms = sqlite3_column_int64(s, 4);
        m->input_tokens = sqlite3_column_int64(s, 5);
        m->output_tokens = sqlite3_column_int64(s, 6);
    }
    if (rc != SQLITE_DONE)
        err = store__fail(st, c, rc, "get messages", out_error);
    store__done(s);
end:
    sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
out:
    store__release(st, c);
    if (err)
        store_message_list_release(out_list);
    return err;
}

/* ---------------------------------------------------------- tool calls */

void store_tool_call_release(store_tool_call *c)
{
    if (!c)
        return;
    bx_free(c->id);
    bx_free(c->tool);
    bx_free(c->input);
    bx_free(c->output);
    memset(c, 0, sizeof *c);
}

void store_tool_call_list_release(store_tool_call_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->len; i++)
        store_tool_call_release(&l->items[i]);
    bx_free(l->items);
    memset(l, 0, sizeof *l);
}

/* Columns as in TOOL_CALL_COLS. */
static void read_tool_call(sqlite3_stmt *s, store_tool_call *out)
{
    store__col_copy(s, 0, out->session_id, sizeof out->session_id);
    out->id = store__col_strdup(s, 1);
    out->message_seq = sqlite3_column_int64(s, 2);
    out->tool = store__col_strdup(s, 3);
    out->input = store__col_strdup(s, 4);
    if (sqlite3_column_type(s, 5) != SQLITE_NULL) {
        out->output = store__col_strdup(s, 5);
        out->output_len = (size_t)sqlite3_column_bytes(s, 5);
    }
    out->is_error = sqlite3_column_int(s, 6) != 0;
    const char *status = (const char *)sqlite3_column_text(s, 7);
    store_tool_status_parse(status, &out->status);
    out->started_ms = sqlite3_column_int64(s, 8);
    out->ended_ms = sqlite3_column_int64(s, 9);
    out->duration_ms = sqlite3_column_int64(s, 10);
}

bx_err store_tool_call_record(store *st, const char *session_id, const store_tool_call_new *tc,
                              bx_error *out_error)
{
    bx_error_clear(out_error);
    if (!st || !tc)
        return bx_error_set(out_error, BX_INVALID, -1, "store_tool_call_record: NULL argument");
    bx_err err = store__check_id(session_id, "session", out_error);
    if (!err)
        err = store__check_text(tc->id, "tool call id", STORE_MAX_NAME, true, out_error);
    if (!err)
        err = store__check_text(tc->tool, "tool name", STORE_MAX_NAME, true, out_error);
    if (!err && tc->status != STORE_TOOL_PENDING && tc->status != STORE_TOOL_RUNNING)
        err = bx_error_set(out_error, BX_INVALID, -1,
                           "tool call %s: a new call is pending or running", tc->id);
    if (!err && tc->message_seq < 0)
        err = bx_error_set(out_error, BX_INVALID, -1, "tool call %s: message seq < 0", tc->id);
    size_t ilen = tc->input ? (tc->input_len ? tc->input_len : strlen(tc->input)) : 0;
    if (!err)
        err = store__check_json(tc->input, ilen, STORE_JSON_OBJECT, "tool call input",
                                out_error);
    if (err)
        return err;

    store_conn *c = store__acquire(st);
    err = store__begin(st, c, out_error);
    if (err)
        goto out;
    /* Checked here so the error names what is missing, not the constraint. */
    err = store__session_exists(st, c, session_id, out_error);
    sqlite3_stmt *s = NULL;
    if (!err && tc->message_seq > 0) {
        s = store__stmt(st, c, STMT_MESSAGE_EXISTS, out_error);
        if (!s) {
            err = out_error ? out_error->code : BX_STORE;
        } else {
            sqlite3_bind_text(s, 1, session_id, -1, SQLITE_STATIC);
            sqlite3_bind_int64(s, 2, tc->message_seq);
            int rc = sqlite3_step(s);
            if (rc == SQLITE_DONE)
                err = bx_error_set(out_error, BX_NOTFOUND, -1,
                                   "tool call %s: session %s has no message %lld", tc->id,
                                   session_id, (long long)tc->message_seq);
            else if (rc != SQLITE_ROW)
                err = store__fail(st, c, rc, "record tool call", out_error);
            store__done(s);
        }
    }
    if (!err) {
        s = store__stmt(st, c, STMT_TOOL_INSERT, out_error);
        if (!s)
            err = out_error ? out_error->code : BX_STORE;
    }
    if (!err) {
        sqlite3_bind_text(s, 1, session_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, tc->id, -1, SQLITE_STATIC);
        if (tc->message_seq > 0)
            sqlite3_bind_int64(s, 3, tc->message_seq);
        sqlite3_bind_text(s, 4, tc->tool, -1, SQLITE_STATIC);
        store__bind_blob_text(s, 5, tc->input, ilen);
        sqlite3_bind_text(s, 6, store_tool_status_name(tc->status), -1, SQLITE_STATIC);
        if (tc->status == STORE_TOOL_RUNNING)
            sqlite3_bind_int64(s, 7, bx_wall_ms());
        err = store__exec_stmt(st, c, s, "record tool call", out_error);
    }
    if (err)
        store__rollback(st, c);
    else
        err = store__commit(st, c, out_error);
out:
    store__release(st, c);
    return err;
}

bx_err store_tool_call_update(store *st, const char *session_id, const char *id,
                              store_tool_status status, const char *output, size_t output_len,
                              bool is_error, bx_error *out_error)
{
    bx_error_clear(out_error);
    if (!st)
        return bx_error_set(out_error, BX_INVALID, -1, "store_tool_call_update: NULL store");
    bx_err err = store__check_id(session_id, "session", out_error);
    if (!err)
        err = store__check_text(id, "tool call id", STORE_MAX_NAME, true, out_error);
    if (err)
        return err;
    if ((unsigned)status >= STORE__TOOL_STATUS_COUNT || status == STORE_TOOL_PENDING)
        return bx_error_set(out_error, BX_INVALID, -1,
                            "tool call %s: can only move to running or a final status", id);
    if (output && !output_len)
        output_len = strlen(output);
    if (output && output_len > STORE_MAX_TEXT)
        return bx_error_set(out_error, BX_TOOBIG, -1,
                            "tool call %s: output of %zu bytes above the %u-byte cap", id,
                            output_len, STORE_MAX_TEXT);
    if (output && status == STORE_TOOL_RUNNING)
        return bx_error_set(out_error, BX_INVALID, -1,
                            "tool call %s: output comes with a final status", id);

    store_conn *c = store__acquire(st);
    err = store__begin(st, c, out_error);
    if (err)
        goto out;
    /* Read the current status: final calls are never rewritten. */
    sqlite3_stmt *s = store__stmt(st, c, STMT_TOOL_GET, out_error);
    if (!s) {
        err = out_error ? out_error->code : BX_STORE;
        goto rollback;
    }
    sqlite3_bind_text(s, 1, session_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    store_tool_status cur = STORE_TOOL_PENDING;
    if (rc == SQLITE_ROW)
        store_tool_status_parse((const char *)sqlite3_column_text(s, 7), &cur);
    else if (rc == SQLITE_DONE)
        err = bx_error_set(out_error, BX_NOTFOUND, -1, "tool call %s not found in session %s",
                           id, session_id);
    else
        err = store__fail(st, c, rc, "update tool call", out_error);
    store__done(s);
    if (err)
        goto rollback;
    if (tool_status_final(cur) || (status == STORE_TOOL_RUNNING && cur == STORE_TOOL_RUNNING)) {
        err = bx_error_set(out_error, BX_INVALID, -1,
                           "tool call %s is already %s; not changed to %s", id,
                           store_tool_status_name(cur), store_tool_status_name(status));
        goto rollback;
    }
    int64_t now = bx_wall_ms();
    if (status == STORE_TOOL_RUNNING) {
        s = store__stmt(st, c, STMT_TOOL_START, out_error);
        if (!s) {
            err = out_error ? out_error->code : BX_STORE;
            goto rollback;
        }
        sqlite3_bind_text(s, 1, session_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, now);
    } else {
        s = store__stmt(st, c, STMT_TOOL_FINISH, out_error);
        if (!s) {
            err = out_error ? out_error->code : BX_STORE;
            goto rollback;
        }
        sqlite3_bind_text(s, 1, session_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, store_tool_status_name(status), -1, SQLITE_STATIC);
        store__bind_blob_text(s, 4, output, output_len);
        sqlite3_bind_int(s, 5, is_error ? 1 : 0);
        sqlite3_bind_int64(s, 6, now);
    }
    err = store__exec_stmt(st, c, s, "update tool call", out_error);
    if (err)
        goto rollback;
    err = store__commit(st, c, out_error);
    goto out;
rollback:
    store__rollback(st, c);
out:
    store__release(st, c);
    return err;
}

bx_err store_tool_call_get(store *st, const char *session_id, const char *id,
                           store_tool_call *out_call, bx_error *out_error)
{
    bx_error_clear(out_error);
    if (!st || !out_call)
        return bx_error_set(out_error, BX_INVALID, -1, "store_tool_call_get: NULL argument");
    memset(out_call, 0, sizeof *out_call);
    bx_err err = store__check_id(session_id, "session", out_error);
    if (!err)
        err = store__check_text(id, "tool call id", STORE_MAX_NAME, true, out_error);
    if (err)
        return err;
    store_conn *c = store__acquire(st);
    sqlite3_stmt *s = store__stmt(st, c, STMT_TOOL_GET, out_error);
    if (!s) {
        err = out_error ? out_error->code : BX_STORE;
        goto out;
    }
    sqlite3_bind_text(s, 1, session_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        read_tool_call(s, out_call);
    else if (rc == SQLITE_DONE)
        err = bx_error_set(out_error, BX_NOTFOUND, -1, "tool call %s not found in session %s",
                           id, session_id);
    else
        err = store__fail(st, c, rc, "get tool call", out_error);
    store__done(s);
out:
    store__release(st, c);
    return err;
}

bx_err store_tool_calls_list(store *st, const char *session_id, store_tool_call_list *out_list,
                             bx_error *out_error)
{
    bx_error_clear(out_error);
    if (!st || !out_list)
        return bx_error_set(out_error, BX_INVALID, -1, "store_tool_calls_list: NULL argument");
    memset(out_list, 0, sizeof *out_list);
    bx_err err = store__check_id(session_id, "session", out_error);
    if (err)
        return err;
    size_t cap = 0;
    store_conn *c = store__acquire(st);
    sqlite3_stmt *s = store__stmt(st, c, STMT_TOOL_LIST, out_error);
    if (!s) {
        err = out_error ? out_error->code : BX_STORE;
        goto out;
    }
    sqlite3_bind_text(s, 1, session_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, STORE_MAX_MESSAGES);
    int rc;
    size_t bytes = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        bytes += (size_t)sqlite3_column_bytes(s, 4) + (size_t)sqlite3_column_bytes(s, 5);
        if (bytes > STORE_MAX_RESULT) {
            err = bx_error_set(out_error, BX_TOOBIG, -1,
                               "tool calls of session %s: more than %u bytes; get them one by one",
                               session_id, STORE_MAX_RESULT);
            break;
        }
        store_tool_call *tc = store__grow((void **)&out_list->items, &out_list->len, &cap,
                                          sizeof *tc);
        read_tool_call(s, tc);
    }
    if (!err && rc != SQLITE_DONE)
        err = store__fail(st, c, rc, "list tool calls", out_error);
    store__done(s);
out:
    store__release(st, c);
    if (err)
        store_tool_call_list_release(out_list);
    return err;
}
