/* store_int.h: what the store's files share — the handle, the connection
 * pool, the statement cache and the small helpers every query uses.
 *
 * Every statement the store runs more than once is listed in STORE_STMTS
 * below; each pooled connection prepares it on first use (persistent) and
 * keeps it, so a call is bind + step + reset. See docs/internals/store.md.
 */
#ifndef BX_STORE_INT_H
#define BX_STORE_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "store/store.h"

#define SESSION_COLS                                                              \
    "s.id, s.title, s.agent, s.model, s.metadata, s.created_at, s.updated_at, "    \
    "s.parent_id, s.fork_seq, "                                                   \
    "(SELECT coalesce(max(m.seq), 0) FROM messages m WHERE m.session_id = s.id)"
#define TOOL_CALL_COLS                                                            \
    "session_id, id, message_seq, tool, input, output, is_error, status, "        \
    "started_at, ended_at, duration_ms"
#define CRON_JOB_COLS                                                             \
    "id, name, schedule, prompt, agent, model, enabled, created_at, updated_at, " \
    "next_run_at, last_run_at"
#define CRON_RUN_COLS "id, job_id, session_id, status, started_at, ended_at, error"
#define AUDIT_COLS                                                                \
    "id, at, coalesce(session_id, ''), coalesce(tool_call_id, ''), tool, "        \
    "input_sha256, decision, outcome, duration_ms"
#define USAGE_SUMS                                                                \
    "count(*), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens), "   \
    "sum(cache_write_tokens), sum(cost_usd)"
#define USAGE_RANGE "at >= ?1 AND at < ?2"
#define USAGE_RANGE_SESSION "session_id = ?3 AND at >= ?1 AND at < ?2"

/* X(name, sql) */
#define STORE_STMTS(X)                                                            \
    X(SESSION_INSERT, "INSERT INTO sessions(id, title, agent, model, metadata, "  \
      "created_at, updated_at, parent_id, fork_seq) VALUES(?1,?2,?3,?4,?5,?6,?6,?7,?8)") \
    X(SESSION_GET, "SELECT " SESSION_COLS " FROM sessions s WHERE s.id = ?1")     \
    X(SESSION_LIST_FIRST, "SELECT " SESSION_COLS " FROM sessions s "              \
      "ORDER BY s.updated_at DESC, s.id DESC LIMIT ?1")                           \
    X(SESSION_LIST_AFTER, "SELECT " SESSION_COLS " FROM sessions s "              \
      "WHERE (s.updated_at, s.id) < (?2, ?3) "                                    \
      "ORDER BY s.updated_at DESC, s.id DESC LIMIT ?1")                           \
    X(SESSION_UPDATE, "UPDATE sessions SET title = coalesce(?2, title), "         \
      "agent = coalesce(?3, agent), model = coalesce(?4, model), "                \
      "metadata = coalesce(?5, metadata), updated_at = max(updated_at, ?6) "      \
      "WHERE id = ?1")                                                            \
    X(SESSION_TOUCH, "UPDATE sessions SET updated_at = max(updated_at, ?2) WHERE id = ?1") \
    X(SESSION_DELETE, "DELETE FROM sessions WHERE id = ?1")                       \
    X(SESSION_EXISTS, "SELECT 1 FROM sessions WHERE id = ?1")                     \
    X(FORK_COPY_MESSAGES, "INSERT INTO messages(session_id, seq, role, content, " \
      "created_at, input_tokens, output_tokens) SELECT ?1, seq, role, content, "  \
      "created_at, input_tokens, output_tokens FROM messages "                    \
      "WHERE session_id = ?2 AND seq <= ?3 ORDER BY seq")                         \
    X(FORK_COPY_TOOL_CALLS, "INSERT INTO tool_calls(session_id, id, message_seq, " \
      "tool, input, output, is_error, status, started_at, ended_at, duration_ms) " \
      "SELECT ?1, id, message_seq, tool, input, output, is_error, status, "       \
      "started_at, ended_at, duration_ms FROM tool_calls "                        \
      "WHERE session_id = ?2 AND message_seq IS NOT NULL AND message_seq <= ?3 "  \
      "ORDER BY rowid")                                                           \
    X(MESSAGE_EXISTS, "SELECT 1 FROM messages WHERE session_id = ?1 AND seq = ?2") \
    X(MESSAGE_LAST_SEQ, "SELECT coalesce(max(seq), 0) FROM messages WHERE session_id = ?1") \
    X(MESSAGE_INSERT, "INSERT INTO messages(session_id, seq, role, content, "     \
      "created_at, input_tokens, output_tokens) VALUES(?1,?2,?3,?4,?5,?6,?7)")    \
    X(MESSAGE_LIST, "SELECT session_id, seq, role, content, created_at, "         \
      "input_tokens, output_tokens FROM messages WHERE session_id = ?1 AND seq > ?2 " \
      "ORDER BY seq LIMIT ?3")                                                    \
    X(EVENT_LAST_SEQ, "SELECT coalesce(max(seq), 0) FROM events WHERE session_id = ?1") \
    X(EVENT_INSERT, "INSERT INTO events(session_id, seq, run_id, type, data, at) " \
      "VALUES(?1,?2,?3,?4,?5,?6)")                                                \
    X(EVENT_LIST, "SELECT seq, run_id, type, data, at FROM events "               \
      "WHERE session_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3")                 \
    X(TOOL_INSERT, "INSERT INTO tool_calls(session_id, id, message_seq, tool, "   \
      "input, status, started_at) VALUES(?1,?2,?3,?4,?5,?6,?7)")                  \
    X(TOOL_GET, "SELECT " TOOL_CALL_COLS " FROM tool_calls "                      \
      "WHERE session_id = ?1 AND id = ?2")                                        \
    X(TOOL_LIST, "SELECT " TOOL_CALL_COLS " FROM tool_calls WHERE session_id = ?1 " \
      "ORDER BY rowid LIMIT ?2")                                                  \
    X(TOOL_START, "UPDATE tool_calls SET status = 'running', started_at = ?3 "    \
      "WHERE session_id = ?1 AND id = ?2")                                        \
    X(TOOL_FINISH, "UPDATE tool_calls SET status = ?3, "                          \
      "output = coalesce(?4, output), is_error = ?5, ended_at = ?6, "             \
      "duration_ms = CASE WHEN started_at IS NULL THEN 0 "                        \
      "ELSE max(0, ?6 - started_at) END WHERE session_id = ?1 AND id = ?2")       \
    X(USAGE_INSERT, "INSERT INTO usage(session_id, provider, model, input_tokens, " \
      "output_tokens, cache_read_tokens, cache_write_tokens, cost_usd, at) "      \
      "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)")                                       \
    X(USAGE_BY_DAY, "SELECT strftime('%Y-%m-%d', at / 1000, 'unixepoch') AS k, "  \
      USAGE_SUMS " FROM usage WHERE " USAGE_RANGE " GROUP BY k ORDER BY k LIMIT ?4") \
    X(USAGE_BY_MODEL, "SELECT provider || '/' || model AS k, " USAGE_SUMS         \
      " FROM usage WHERE " USAGE_RANGE " GROUP BY k ORDER BY k LIMIT ?4")         \
    X(USAGE_BY_SESSION, "SELECT coalesce(session_id, '') AS k, " USAGE_SUMS       \
      " FROM usage WHERE " USAGE_RANGE " GROUP BY k ORDER BY k LIMIT ?4")         \
    /* The same three for one session, so usage_session serves them. */         \
    X(USAGE_S_BY_DAY, "SELECT strftime('%Y-%m-%d', at / 1000, 'unixepoch') AS k, " \
      USAGE_SUMS " FROM usage WHERE " USAGE_RANGE_SESSION " GROUP BY k ORDER BY k LIMIT ?4") \
    X(USAGE_S_BY_MODEL, "SELECT provider || '/' || model AS k, " USAGE_SUMS       \
      " FROM usage WHERE " USAGE_RANGE_SESSION " GROUP BY k ORDER BY k LIMIT ?4") \
    X(USAGE_S_BY_SESSION, "SELECT coalesce(session_id, '') AS k, " USAGE_SUMS     \
      " FROM usage WHERE " USAGE_RANGE_SESSION " GROUP BY k ORDER BY k LIMIT ?4") \
    X(AUDIT_INSERT, "INSERT INTO audit_log(at, session_id, tool_call_id, tool, "  \
      "input_sha256, decision, outcome, duration_ms) VALUES(?1,?2,?3,?4,?5,?6,?7,?8)") \
    X(AUDIT_LIST, "SELECT " AUDIT_COLS " FROM audit_log WHERE id < ?1 "           \
      "ORDER BY id DESC LIMIT ?3")                                                \
    X(AUDIT_LIST_SESSION, "SELECT " AUDIT_COLS " FROM audit_log "                 \
      "WHERE session_id = ?2 AND id < ?1 ORDER BY id DESC LIMIT ?3")              \
    X(CRON_JOB_INSERT, "INSERT INTO cron_jobs(id, name, schedule, prompt, agent, " \
      "model, enabled, created_at, updated_at, next_run_at) "                     \
      "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?8,?9)")                                    \
    X(CRON_JOB_GET, "SELECT " CRON_JOB_COLS " FROM cron_jobs WHERE id = ?1")      \
    X(CRON_JOB_LIST, "SELECT " CRON_JOB_COLS " FROM cron_jobs ORDER BY name LIMIT ?1") \
    X(CRON_JOB_DUE, "SELECT " CRON_JOB_COLS " FROM cron_jobs WHERE enabled = 1 "  \
      "AND next_run_at <= ?1 ORDER BY next_run_at, id LIMIT ?2")                  \
    X(CRON_JOB_UPDATE, "UPDATE cron_jobs SET name = ?2, schedule = ?3, prompt = ?4, " \
      "agent = ?5, model = ?6, enabled = ?7, next_run_at = ?8, "                  \
      "updated_at = max(updated_at, ?9) WHERE id = ?1")                           \
    X(CRON_JOB_SET_NEXT, "UPDATE cron_jobs SET next_run_at = ?2 WHERE id = ?1")   \
    X(CRON_JOB_SET_LAST, "UPDATE cron_jobs SET last_run_at = ?2 WHERE id = ?1")   \
    X(CRON_JOB_DELETE, "DELETE FROM cron_jobs WHERE id = ?1")                     \
    X(CRON_RUN_INSERT, "INSERT INTO cron_runs(id, job_id, session_id, status, "   \
      "started_at) VALUES(?1,?2,?3,'running',?4)")                                \
    X(CRON_RUN_GET_STATUS, "SELECT status FROM cron_runs WHERE id = ?1")          \
    X(CRON_RUN_FINISH, "UPDATE cron_runs SET status = ?2, ended_at = ?3, "        \
      "error = ?4 WHERE id = ?1")                                                 \
    X(CRON_RUN_LIST, "SELECT " CRON_RUN_COLS " FROM cron_runs WHERE job_id = ?1 " \
      "ORDER BY started_at DESC, id DESC LIMIT ?2")

typedef enum store_stmt_id {
#define X(name, sql) STMT_##name,
    STORE_STMTS(X)
#undef X
    STMT__COUNT
} store_stmt_id;

/* One pooled connection and its statement cache. */
typedef struct store_conn {
    sqlite3 *db;
    sqlite3_stmt *stmts[STMT__COUNT]; /* prepared on first use */
    bool in_use;                      /* lent to a call (guarded by store.mu) */
} store_conn;

struct store {
    char *path;               /* as given to store_open */
    int busy_timeout_ms;
    pthread_mutex_t mu;       /* guards conns[].in_use */
    pthread_cond_t cv;        /* signalled when a connection comes back */
    pthread_mutex_t write_mu; /* one in-process writer at a time */
    store_conn *conns;
    int nconn;
    bool ready;               /* opened and migrated (a failed open touches nothing) */
};

/* Borrows a connection for the current call (waits while all are lent). */
store_conn *store__acquire(store *st);
void store__release(store *st, store_conn *c);

/* The cached statement, reset and unbound; NULL (with out_error set) if it
 * cannot be prepared. Call store__done when finished with it. */
sqlite3_stmt *store__stmt(store *st, store_conn *c, store_stmt_id id, bx_error *out_error);
void store__done(sqlite3_stmt *s);

/* Maps a SQLite result code to a bx_err and fills out_error with
 * "<what>: <sqlite message>". */
bx_err store__fail(store *st, store_conn *c, int rc, const char *what, bx_error *out_error);

/* A write transaction: takes write_mu, BEGIN IMMEDIATE. commit/rollback
 * end it and drop write_mu. */
bx_err store__begin(store *st, store_conn *c, bx_error *out_error);
bx_err store__commit(store *st, store_conn *c, bx_error *out_error);
void store__rollback(store *st, store_conn *c);

/* Runs a statement that returns no rows to completion (step once, expect
 * SQLITE_DONE), then resets it. */
bx_err store__exec_stmt(store *st, store_conn *c, sqlite3_stmt *s, const char *what,
                        bx_error *out_error);

/* ----------------------------------------------------------- validation */

/* id must look like a UUID (36 chars, lowercase hex and dashes). */
bx_err store__check_id(const char *id, const char *what, bx_error *out_error);
/* s must be non-NULL (or NULL allowed), valid UTF-8, at most max bytes,
 * non-empty when nonempty. */
bx_err store__check_text(const char *s, const char *what, size_t max, bool nonempty,
                         bx_error *out_error);
typedef enum store_json_shape {
    STORE_JSON_OBJECT,
    STORE_JSON_BLOCKS, /* array of objects with a string "type" */
} store_json_shape;
bx_err store__check_json(const char *text, size_t len, store_json_shape shape,
                         const char *what, bx_error *out_error);
/* As store__check_json, but hands back the document in *out_doc (the
 * caller json_decrefs it; NULL on failure). */
struct json_t;
bx_err store__parse_json(const char *text, size_t len, store_json_shape shape,
                         const char *what, struct json_t **out_doc, bx_error *out_error);

/* Binding helpers: text that may be NULL (binds NULL). */
int store__bind_text(sqlite3_stmt *s, int idx, const char *text);
int store__bind_blob_text(sqlite3_stmt *s, int idx, const char *text, size_t len);
/* A column's text as a fresh bx_strdup ("" when NULL). */
char *store__col_strdup(sqlite3_stmt *s, int col);
/* Copies a column into a fixed buffer ("" when NULL or too long). */
void store__col_copy(sqlite3_stmt *s, int col, char *out, size_t cap);

/* Fails with BX_NOTFOUND unless the session exists. */
bx_err store__session_exists(store *st, store_conn *c, const char *id, bx_error *out_error);

/* Grows an array of records by one zeroed element; *items is bx_realloc'd. */
void *store__grow(void **items, size_t *len, size_t *cap, size_t elem);

/* Migrations (migrate.c): brings the database on c up to date. */
bx_err store__migrate(store *st, store_conn *c, bx_error *out_error);
int store__schema_version(void);

#endif
