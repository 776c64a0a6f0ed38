/* store: the SQLite store (level 2) — sessions, messages, run events, tool
 * calls, usage, cron jobs and runs, and the audit log, in one database file
 * (W/.boxagnts/boxagnts.db). The only module that includes sqlite3.h.
 *
 * Central idea: a typed API over a WAL-mode database with versioned
 * migrations; every write that touches several rows is one transaction, and
 * every error comes back as a bx_err with a message that says what failed.
 * Design notes: docs/internals/store.md.
 *
 * Thread-safety: a store handle may be used from any number of threads at
 * once. It owns a small pool of connections (store_options.pool_size); each
 * call borrows one for its duration, so reads run in parallel. Writers in
 * the same process queue on one mutex before BEGIN IMMEDIATE; writers in
 * other processes are waited for up to busy_timeout_ms, then BX_BUSY.
 * A handle must not be used across fork(): a child process opens its own.
 *
 * Conventions:
 *   - Times are milliseconds since the Unix epoch (UTC), from bx_wall_ms().
 *   - Ids are lowercase UUIDs; sessions, cron jobs and runs get v7 ids
 *     (time-ordered) made by the store.
 *   - Every function takes an optional `bx_error *out_error` last; on failure
 *     it is filled with the code and a message. On failure out-parameters
 *     are left zeroed and nothing already stored has changed.
 *   - Strings passed in are borrowed. Records returned are owned by the
 *     caller and released with the matching *_release function (safe on a
 *     zeroed record, and idempotent).
 *   - JSON columns are validated with jx_parse before they are written
 *     (content blocks: an array of objects with a string "type"; metadata
 *     and tool input: an object). Invalid JSON gives BX_PARSE with line and
 *     column; a valid document of the wrong shape gives BX_INVALID.
 */
#ifndef BX_STORE_H
#define BX_STORE_H

#include "util/util.h"

/* Hard caps on what a caller may write. */
#define STORE_MAX_NAME 1024           /* titles, names, models, roles, ids */
#define STORE_MAX_TEXT (64u << 20)    /* JSON documents, tool output */
#define STORE_MAX_PAGE 1000           /* rows in one page of a list */
#define STORE_MAX_MESSAGES 100000     /* messages in one store_messages_get */
#define STORE_MAX_RESULT (256u << 20) /* text bytes in one list result */

typedef struct store store;

typedef struct store_options {
    int pool_size;       /* connections; 0 = 4, at most 64 */
    int busy_timeout_ms; /* wait for other processes' locks; 0 = 5000 */
    bool sync_normal;    /* synchronous=NORMAL instead of FULL (see docs) */
} store_options;

/* Opens (creating if missing) the database at path, switches it to WAL,
 * and runs pending migrations, each in its own transaction. A database from
 * a newer boxagnts (schema version above store_schema_version()) gives
 * BX_UNSUPPORTED; a file that is not a boxagnts database or is corrupt gives
 * BX_STORE; a lock held too long by another process gives BX_BUSY.
 * opts may be NULL for the defaults. */
bx_err store_open(const char *path, const store_options *opts, store **out_store,
                  bx_error *out_error);
/* Finalises statements and closes every connection. The caller makes sure
 * no other thread is still inside a store call. NULL is a no-op. */
void store_close(store *st);
/* The schema version this build migrates to. */
int store_schema_version(void);
/* The schema version of the open database (== store_schema_version()). */
bx_err store_db_version(store *st, int *out_version, bx_error *out_error);
/* PRAGMA integrity_check (quick_check when quick): BX_OK when the database
 * is sound, else BX_STORE with the first problem in the message. */
bx_err store_check(store *st, bool quick, bx_error *out_error);

/* ---------------------------------------------------------------- sessions */

typedef struct store_session_fields {
    const char *title;    /* NULL = "" on create, unchanged on update */
    const char *agent;    /* e.g. "build"; NULL as above */
    const char *model;    /* "provider/model"; NULL as above */
    const char *metadata; /* JSON object text; NULL = "{}" / unchanged */
} store_session_fields;

typedef struct store_session {
    char id[37];
    char *title;          /* never NULL once filled */
    char *agent;
    char *model;
    char *metadata;       /* JSON object text */
    int64_t created_ms;
    int64_t updated_ms;   /* last change to the session or its messages */
    char parent_id[37];   /* the session this was forked from, "" if none
                             (or if the parent was deleted) */
    int64_t fork_seq;     /* last message seq copied from the parent, 0 if none */
    int64_t message_count;
} store_session;

typedef struct store_session_list {
    store_session *items;
    size_t len;
    /* Pass back as the cursor for the next page; "" when this was the last. */
    char next_cursor[64];
} store_session_list;

bx_err store_session_create(store *st, const store_session_fields *fields, char out_id[37],
                            bx_error *out_error);
bx_err store_session_get(store *st, const char *id, store_session *out_session,
                         bx_error *out_error);
/* Newest first by updated time (ties by id). limit 0 = 50, at most
 * STORE_MAX_PAGE. cursor is NULL/"" for the first page, else a
 * next_cursor from the previous page (keyset pagination: rows inserted
 * meanwhile never shift later pages). */
bx_err store_sessions_list(store *st, size_t limit, const char *cursor,
                          store_session_list *out_list, bx_error *out_error);
/* Changes the non-NULL fields and bumps updated_ms. */
bx_err store_session_update(store *st, const char *id, const store_session_fields *fields,
                            bx_error *out_error);
bx_err store_session_rename(store *st, const char *id, const char *title,
                            bx_error *out_error);
/* Deletes the session with its messages and tool calls. Usage rows, cron
 * runs and forks stay, with their session reference cleared; the audit log
 * is never changed. */
bx_err store_session_delete(store *st, const char *id, bx_error *out_error);
/* A new session with the source's agent, model and metadata, title (NULL =
 * source title + " (fork)"), and copies of messages 1..at_seq and their tool
 * calls, all in one transaction. at_seq must name an existing message. */
bx_err store_session_fork(store *st, const char *source_id, int64_t at_seq, const char *title,
                          char out_id[37], bx_error *out_error);
void store_session_release(store_session *s);
void store_session_list_release(store_session_list *l);

/* ---------------------------------------------------------------- messages */

/* Roles: "system", "user", "assistant", "tool". */
typedef struct store_message_new {
    const char *role;
    const char *content;   /* JSON array of content blocks */
    size_t content_len;    /* 0 = strlen(content) */
    int64_t input_tokens;  /* >= 0 */
    int64_t output_tokens; /* >= 0 */
} store_message_new;

typedef struct store_message {
    char session_id[37];
    int64_t seq;           /* 1, 2, 3 ... dense within a session */
    char role[16];
    char *content;         /* JSON array text */
    int64_t created_ms;
    int64_t input_tokens;
    int64_t output_tokens;
} store_message;

typedef struct store_message_list {
    store_message *items;
    size_t len;
} store_message_list;

/* Appends at seq = last + 1 and bumps the session's updated_ms, together. */
bx_err store_message_append(store *st, const char *session_id, const store_message_new *m,
                            int64_t *out_seq, bx_error *out_error);
/* Messages with seq > after_seq in order; limit 0 = up to
 * STORE_MAX_MESSAGES. A page stops early (but holds at least one message)
 * when its text would pass STORE_MAX_RESULT bytes: continue after the last
 * seq returned. BX_NOTFOUND when the session does not exist. */
bx_err store_messages_get(store *st, const char *session_id, int64_t after_seq, size_t limit,
                          store_message_list *out_list, bx_error *out_error);
void store_message_list_release(store_message_list *l);

/* ------------------------------------------------------------------ events */

/* Run events (docs/events.md), kept so a late SSE subscriber can replay a
 * session and `Last-Event-ID` can resume after a seq. Each event is a JSON
 * object stored verbatim; its "type" (non-empty string), "seq" (integer
 * >= 1) and optional "run_id" (UUID string) are also kept as columns, and
 * a "session_id" field, when present, must name the session. */
typedef struct store_event {
    int64_t seq;
    char run_id[37];  /* "" if the event has none */
    char *type;
    char *data;       /* the event object as appended */
    int64_t at_ms;    /* when it was stored */
} store_event;

typedef struct store_event_list {
    store_event *items; /* by seq */
    size_t len;
} store_event_list;

/* Appends n events in one transaction (all or none). Seqs must increase
 * within the batch and be above every seq already stored for the session
 * (they are never reused): otherwise BX_EXISTS. Batching matters: each
 * transaction is one fsync, so stream deltas should be appended in groups. */
bx_err store_events_append(store *st, const char *session_id, const bx_slice *events, size_t n,
                           bx_error *out_error);
/* The highest stored seq of the session, 0 if none: where to continue
 * numbering after a restart. */
bx_err store_event_last_seq(store *st, const char *session_id, int64_t *out_seq,
                            bx_error *out_error);
/* Events with seq > after_seq in order; limit 0 = 1000, at most
 * STORE_MAX_MESSAGES; stops early like store_messages_get past
 * STORE_MAX_RESULT bytes. BX_NOTFOUND when the session does not exist. */
bx_err store_events_list(store *st, const char *session_id, int64_t after_seq, size_t limit,
                         store_event_list *out_list, bx_error *out_error);
void store_event_list_release(store_event_list *l);

/* -------------------------------------------------------------- tool calls */

typedef enum store_tool_status {
    STORE_TOOL_PENDING = 0, /* recorded, waiting for permission */
    STORE_TOOL_RUNNING,     /* started_ms set */
    STORE_TOOL_COMPLETED,   /* ran to the end; is_error says how it went */
    STORE_TOOL_DENIED,      /* refused by policy or by the user */
    STORE_TOOL_CANCELLED,   /* interrupted */
    STORE__TOOL_STATUS_COUNT
} store_tool_status;

/* "pending", "running", ...; NULL for an out-of-range value. */
const char *store_tool_status_name(store_tool_status s);
bool store_tool_status_parse(const char *name, store_tool_status *out_status);

typedef struct store_tool_call_new {
    const char *id;        /* the provider's tool-use id; unique per session */
    int64_t message_seq;   /* the assistant message that asked for it, 0 = none */
    const char *tool;
    const char *input;     /* JSON object text */
    size_t input_len;      /* 0 = strlen(input) */
    store_tool_status status; /* PENDING or RUNNING (RUNNING sets started_ms) */
} store_tool_call_new;

typedef struct store_tool_call {
    char session_id[37];
    char *id;
    int64_t message_seq;   /* 0 = none */
    char *tool;
    char *input;           /* JSON object text */
    char *output;          /* NULL until finished */
    size_t output_len;
    bool is_error;
    store_tool_status status;
    int64_t started_ms;    /* 0 = not started */
    int64_t ended_ms;      /* 0 = not ended */
    int64_t duration_ms;   /* ended - started, 0 until both are set */
} store_tool_call;

typedef struct store_tool_call_list {
    store_tool_call *items;
    size_t len;
} store_tool_call_list;

bx_err store_tool_call_record(store *st, const char *session_id, const store_tool_call_new *c,
                              bx_error *out_error);
/* Moves a call forward: PENDING -> RUNNING sets started_ms; any -> a final
 * status (COMPLETED, DENIED, CANCELLED) sets ended_ms, duration_ms,
 * is_error and, when output is not NULL, the output (output_len 0 =
 * strlen; any bytes, at most STORE_MAX_TEXT).
 * A call already in a final status is not changed (BX_INVALID), nor is a
 * move back to PENDING. */
bx_err store_tool_call_update(store *st, const char *session_id, const char *id,
                              store_tool_status status, const char *output, size_t output_len,
                              bool is_error, bx_error *out_error);
bx_err store_tool_call_get(store *st, const char *session_id, const char *id,
                           store_tool_call *out_call, bx_error *out_error);
/* A session's tool calls in the order they were recorded (at most
 * STORE_MAX_MESSAGES); BX_TOOBIG if their inputs and outputs together pass
 * STORE_MAX_RESULT bytes (fetch them one by one then). */
bx_err store_tool_calls_list(store *st, const char *session_id, store_tool_call_list *out_list,
                             bx_error *out_error);
void store_tool_call_release(store_tool_call *c);
void store_tool_call_list_release(store_tool_call_list *l);

/* ------------------------------------------------------------------- usage */

typedef struct store_usage_new {
    const char *session_id; /* NULL = not tied to a session */
    const char *provider;   /* preset id, e.g. "anthropic" */
    const char *model;      /* model name without the provider */
    int64_t input_tokens, output_tokens, cache_read_tokens, cache_write_tokens; /* >= 0 */
    double cost_usd;        /* finite, >= 0 */
    int64_t at_ms;          /* 0 = now */
} store_usage_new;

typedef enum store_usage_group {
    STORE_USAGE_BY_DAY = 0, /* key "YYYY-MM-DD" (UTC), oldest first */
    STORE_USAGE_BY_MODEL,   /* key "provider/model", sorted by key */
    STORE_USAGE_BY_SESSION, /* key session id ("" for none), sorted by key */
} store_usage_group;

typedef struct store_usage_query {
    store_usage_group group;
    int64_t from_ms;        /* inclusive; 0 = from the start */
    int64_t to_ms;          /* exclusive; 0 = no end */
    const char *session_id; /* NULL = every session */
} store_usage_query;

typedef struct store_usage_row {
    char *key;
    int64_t requests;
    int64_t input_tokens, output_tokens, cache_read_tokens, cache_write_tokens;
    double cost_usd;
} store_usage_row;

typedef struct store_usage_list {
    store_usage_row *items; /* at most STORE_MAX_MESSAGES groups */
    size_t len;
} store_usage_list;

bx_err store_usage_record(store *st, const store_usage_new *u, int64_t *out_id,
                          bx_error *out_error);
bx_err store_usage_aggregate(store *st, const store_usage_query *q, store_usage_list *out_list,
                             bx_error *out_error);
void store_usage_list_release(store_usage_list *l);

/* --------------------------------------------------------------- audit log */

typedef enum store_decision {
    STORE_DECISION_ALLOW = 0, /* allowed by level and mode, no question asked */
    STORE_DECISION_APPROVED,  /* the user approved */
    STORE_DECISION_DENY,      /* refused by level, mode or policy */
    STORE_DECISION_REJECTED,  /* the user refused, or the question timed out */
    STORE__DECISION_COUNT
} store_decision;

typedef enum store_outcome {
    STORE_OUTCOME_OK = 0,    /* ran, not an error */
    STORE_OUTCOME_ERROR,     /* ran, is_error (incl. traps and limits) */
    STORE_OUTCOME_SKIPPED,   /* not run (denied or rejected) */
    STORE_OUTCOME_CANCELLED, /* interrupted */
    STORE__OUTCOME_COUNT
} store_outcome;

const char *store_decision_name(store_decision d); /* "allow", ...; NULL if out of range */
bool store_decision_parse(const char *name, store_decision *out_decision);
const char *store_outcome_name(store_outcome o);
bool store_outcome_parse(const char *name, store_outcome *out_outcome);

typedef struct store_audit_new {
    const char *session_id;   /* may be NULL */
    const char *tool_call_id; /* may be NULL */
    const char *tool;
    const void *input;        /* the tool input as received, any bytes (not */
    size_t input_len;         /* NUL-terminated; 0 = empty); only its SHA-256 is kept */
    store_decision decision;
    store_outcome outcome;
    int64_t duration_ms;      /* >= 0 */
    int64_t at_ms;            /* 0 = now */
} store_audit_new;

typedef struct store_audit_entry {
    int64_t id;               /* increasing */
    int64_t at_ms;
    char *session_id;         /* "" if none */
    char *tool_call_id;       /* "" if none */
    char *tool;
    char input_sha256[65];    /* lowercase hex */
    store_decision decision;
    store_outcome outcome;
    int64_t duration_ms;
} store_audit_entry;

typedef struct store_audit_list {
    store_audit_entry *items; /* newest first */
    size_t len;
} store_audit_list;

/* The audit log is append-only: the schema refuses UPDATE and DELETE. */
bx_err store_audit_append(store *st, const store_audit_new *a, int64_t *out_id,
                          bx_error *out_error);
/* Newest first; entries with id < before_id (0 = from the newest), of one
 * session when session_id is not NULL. limit 0 = 100, at most
 * STORE_MAX_PAGE. */
bx_err store_audit_entries_list(store *st, const char *session_id, int64_t before_id, size_t limit,
                        store_audit_list *out_list, bx_error *out_error);
void store_audit_list_release(store_audit_list *l);

/* -------------------------------------------------------------------- cron */

typedef struct store_cron_job_fields {
    const char *name;     /* unique, non-empty */
    const char *schedule; /* non-empty; its syntax is the cron module's business */
    const char *prompt;   /* non-empty */
    const char *agent;    /* NULL = "" */
    const char *model;    /* NULL = "" */
    bool enabled;
    int64_t next_run_ms;  /* 0 = not scheduled */
} store_cron_job_fields;

typedef struct store_cron_job {
    char id[37];
    char *name, *schedule, *prompt, *agent, *model;
    bool enabled;
    int64_t created_ms, updated_ms;
    int64_t next_run_ms;  /* 0 = not scheduled */
    int64_t last_run_ms;  /* 0 = never ran */
} store_cron_job;

typedef struct store_cron_job_list {
    store_cron_job *items; /* by name */
    size_t len;
} store_cron_job_list;

typedef enum store_run_status {
    STORE_RUN_RUNNING = 0,
    STORE_RUN_SUCCEEDED,
    STORE_RUN_FAILED,
    STORE_RUN_CANCELLED,
    STORE__RUN_STATUS_COUNT
} store_run_status;

const char *store_run_status_name(store_run_status s);
bool store_run_status_parse(const char *name, store_run_status *out_status);

typedef struct store_cron_run {
    char id[37];
    char job_id[37];
    char session_id[37];  /* "" if none */
    store_run_status status;
    int64_t started_ms;
    int64_t ended_ms;     /* 0 while running */
    char *error;          /* "" unless failed */
} store_cron_run;

typedef struct store_cron_run_list {
    store_cron_run *items; /* newest first */
    size_t len;
} store_cron_run_list;

bx_err store_cron_job_create(store *st, const store_cron_job_fields *f, char out_id[37],
                             bx_error *out_error);
bx_err store_cron_job_get(store *st, const char *id, store_cron_job *out_job,
                          bx_error *out_error);
/* Every job, by name (at most STORE_MAX_PAGE). */
bx_err store_cron_jobs_list(store *st, store_cron_job_list *out_list, bx_error *out_error);
/* Enabled jobs whose next_run_ms is set and <= now_ms, soonest first (at
 * most STORE_MAX_PAGE): what the scheduler should start. */
bx_err store_cron_jobs_due(store *st, int64_t now_ms, store_cron_job_list *out_list,
                           bx_error *out_error);
/* Replaces every editable field with f's. */
bx_err store_cron_job_update(store *st, const char *id, const store_cron_job_fields *f,
                             bx_error *out_error);
bx_err store_cron_job_set_next_run(store *st, const char *id, int64_t next_run_ms,
                                   bx_error *out_error);
/* Deletes the job and its runs. */
bx_err store_cron_job_delete(store *st, const char *id, bx_error *out_error);
/* Inserts a RUNNING run and sets the job's last_run_ms, together.
 * session_id may be NULL. */
bx_err store_cron_run_start(store *st, const char *job_id, const char *session_id,
                            char out_run_id[37], bx_error *out_error);
/* status must be final; error may be NULL. A finished run is not changed. */
bx_err store_cron_run_finish(store *st, const char *run_id, store_run_status status,
                             const char *error, bx_error *out_error);
/* Newest first; limit 0 = 50, at most STORE_MAX_PAGE. */
bx_err store_cron_runs_list(store *st, const char *job_id, size_t limit,
                            store_cron_run_list *out_list, bx_error *out_error);
void store_cron_job_release(store_cron_job *j);
void store_cron_job_list_release(store_cron_job_list *l);
void store_cron_run_list_release(store_cron_run_list *l);

#endif
