/* migrate.c: the schema, as an ordered list of migrations.
 *
 * PRAGMA user_version holds the number of migrations applied. Each pending
 * migration runs in its own BEGIN IMMEDIATE transaction together with the
 * user_version bump, so a crash leaves the database at the old version or
 * the new one, never between. Versions are re-read inside the transaction,
 * so two processes opening a fresh file at once do not both migrate. A
 * database with a higher version than we know is refused, never touched.
 * Migrations are append-only: never edit one that has shipped.
 */
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"

/* 'bxAg': marks the file as ours, so a foreign SQLite file is refused. */
#define STORE_APPLICATION_ID 0x62784167

static const char *const migrations[] = {
    /* 1: the first schema. Times are ms since the epoch. JSON columns are
     * validated in C with jansson before they are written (no json_valid()
     * CHECKs: SQLite 3.40 does not mark it innocuous, and connections run
     * with trusted_schema off). */
    "CREATE TABLE sessions("
    "  id TEXT PRIMARY KEY,"
    "  title TEXT NOT NULL DEFAULT '',"
    "  agent TEXT NOT NULL DEFAULT '',"
    "  model TEXT NOT NULL DEFAULT '',"
    "  metadata TEXT NOT NULL DEFAULT '{}',"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  parent_id TEXT REFERENCES sessions(id) ON DELETE SET NULL,"
    "  fork_seq INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE INDEX sessions_recent ON sessions(updated_at DESC, id DESC);"
    "CREATE INDEX sessions_parent ON sessions(parent_id) WHERE parent_id IS NOT NULL;"

    "CREATE TABLE messages("
    "  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
    "  seq INTEGER NOT NULL CHECK(seq > 0),"
    "  role TEXT NOT NULL CHECK(role IN ('system','user','assistant','tool')),"
    "  content TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  input_tokens INTEGER NOT NULL DEFAULT 0 CHECK(input_tokens >= 0),"
    "  output_tokens INTEGER NOT NULL DEFAULT 0 CHECK(output_tokens >= 0),"
    "  PRIMARY KEY(session_id, seq)"
    ") WITHOUT ROWID;"

    "CREATE TABLE tool_calls("
    "  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
    "  id TEXT NOT NULL,"
    "  message_seq INTEGER,"
    "  tool TEXT NOT NULL,"
    "  input TEXT NOT NULL,"
    "  output TEXT,"
    "  is_error INTEGER NOT NULL DEFAULT 0 CHECK(is_error IN (0, 1)),"
    "  status TEXT NOT NULL CHECK(status IN "
    "    ('pending','running','completed','denied','cancelled')),"
    "  started_at INTEGER,"
    "  ended_at INTEGER,"
    "  duration_ms INTEGER NOT NULL DEFAULT 0,"
    "  UNIQUE(session_id, id),"
    "  FOREIGN KEY(session_id, message_seq) REFERENCES messages(session_id, seq)"
    "    ON DELETE CASCADE"
    ");"

    "CREATE TABLE events("
    "  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
    "  seq INTEGER NOT NULL CHECK(seq > 0),"
    "  run_id TEXT,"
    "  type TEXT NOT NULL,"
    "  data TEXT NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  PRIMARY KEY(session_id, seq)"
    ") WITHOUT ROWID;"

    "CREATE TABLE usage("
    "  id INTEGER PRIMARY KEY,"
    "  session_id TEXT REFERENCES sessions(id) ON DELETE SET NULL,"
    "  provider TEXT NOT NULL,"
    "  model TEXT NOT NULL,"
    "  input_tokens INTEGER NOT NULL DEFAULT 0 CHECK(input_tokens >= 0),"
    "  output_tokens INTEGER NOT NULL DEFAULT 0 CHECK(output_tokens >= 0),"
    "  cache_read_tokens INTEGER NOT NULL DEFAULT 0 CHECK(cache_read_tokens >= 0),"
    "  cache_write_tokens INTEGER NOT NULL DEFAULT 0 CHECK(cache_write_tokens >= 0),"
    "  cost_usd REAL NOT NULL DEFAULT 0 CHECK(cost_usd >= 0),"
    "  at INTEGER NOT NULL"
    ");"
    "CREATE INDEX usage_at ON usage(at);"
    "CREATE INDEX usage_model ON usage(provider, model, at);"
    "CREATE INDEX usage_session ON usage(session_id, at);"

    "CREATE TABLE cron_jobs("
    "  id TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  schedule TEXT NOT NULL,"
    "  prompt TEXT NOT NULL,"
    "  agent TEXT NOT NULL DEFAULT '',"
    "  model TEXT NOT NULL DEFAULT '',"
    "  enabled INTEGER NOT NULL DEFAULT 1 CHECK(enabled IN (0, 1)),"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  next_run_at INTEGER,"
    "  last_run_at INTEGER"
    ");"
    "CREATE INDEX cron_jobs_due ON cron_jobs(next_run_at) WHERE enabled = 1;"

    "CREATE TABLE cron_runs("
    "  id TEXT PRIMARY KEY,"
    "  job_id TEXT NOT NULL REFERENCES cron_jobs(id) ON DELETE CASCADE,"
    "  session_id TEXT REFERENCES sessions(id) ON DELETE SET NULL,"
    "  status TEXT NOT NULL CHECK(status IN ('running','succeeded','failed','cancelled')),"
    "  started_at INTEGER NOT NULL,"
    "  ended_at INTEGER,"
    "  error TEXT NOT NULL DEFAULT ''"
    ");"
    "CREATE INDEX cron_runs_job ON cron_runs(job_id, started_at DESC);"
    "CREATE INDEX cron_runs_session ON cron_runs(session_id) WHERE session_id IS NOT NULL;"

    /* No foreign keys: the audit trail outlives what it describes. */
    "CREATE TABLE audit_log("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  at INTEGER NOT NULL,"
    "  session_id TEXT,"
    "  tool_call_id TEXT,"
    "  tool TEXT NOT NULL,"
    "  input_sha256 TEXT NOT NULL CHECK(length(input_sha256) = 64),"
    "  decision TEXT NOT NULL CHECK(decision IN ('allow','approved','deny','rejected')),"
    "  outcome TEXT NOT NULL CHECK(outcome IN ('ok','error','skipped','cancelled')),"
    "  duration_ms INTEGER NOT NULL DEFAULT 0 CHECK(duration_ms >= 0)"
    ");"
    "CREATE INDEX audit_session ON audit_log(session_id, id) WHERE session_id IS NOT NULL;"
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;",
};

int store__schema_version(void)
{
    return (int)BX_ARRAY_LEN(migrations);
}

static bx_err read_pragma_int(store *st, store_conn *c, const char *pragma, int *out,
                              bx_error *out_error)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA %s", pragma);
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(c->db, sql, -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        bx_err err = store__fail(st, c, rc, pragma, out_error);
        sqlite3_finalize(s);
        return err;
    }
    *out = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return BX_OK;
}

static bx_err exec(store *st, store_conn *c, const char *sql, const char *what,
                   bx_error *out_error)
{
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return store__fail(st, c, rc, what, out_error);
    return BX_OK;
}

static bx_err check_version(store *st, int version, int app_id, bx_error *out_error)
{
    int known = store__schema_version();
    if (app_id != 0 && app_id != STORE_APPLICATION_ID)
        return bx_error_set(out_error, BX_STORE, -1,
                            "%s: not a boxagnts database (application_id 0x%08x)", st->path,
                            (unsigned)app_id);
    if (version > known)
        return bx_error_set(out_error, BX_UNSUPPORTED, -1,
                            "%s: database schema version %d is newer than this boxagnts "
                            "supports (%d); upgrade boxagnts or use another workspace",
                            st->path, version, known);
    if (version < 0)
        return bx_error_set(out_error, BX_STORE, -1, "%s: bad schema version %d", st->path,
                            version);
    return BX_OK;
}

bx_err store__migrate(store *st, store_conn *c, bx_error *out_error)
{
    int known = store__schema_version();
    for (;;) {
        int version = 0, app_id = 0;
        /* Cheap check first, outside any transaction. */
        bx_err err = read_pragma_int(st, c, "user_version", &version, out_error);
        if (!err)
            err = read_pragma_int(st, c, "application_id", &app_id, out_error);
        if (!err)
            err = check_version(st, version, app_id, out_error);
        if (err)
            return err;
        if (version == known)
            return BX_OK;

        err = store__begin(st, c, out_error);
        if (err)
            return err;
        /* Again under the write lock: another process may have migrated. */
        err = read_pragma_int(st, c, "user_version", &version, out_error);
        if (!err)
            err = read_pragma_int(st, c, "application_id", &app_id, out_error);
        if (!err)
            err = check_version(st, version, app_id, out_error);
        bool migrated = false;
        if (!err && version < known) {
            migrated = true;
            char what[64];
            snprintf(what, sizeof what, "migration %d", version + 1);
            err = exec(st, c, migrations[version], what, out_error);
            if (!err) {
                char sql[96];
                snprintf(sql, sizeof sql, "PRAGMA user_version = %d; PRAGMA application_id = %d",
                         version + 1, STORE_APPLICATION_ID);
                err = exec(st, c, sql, what, out_error);
            }
        }
        if (err) {
            store__rollback(st, c);
            return err;
        }
        err = store__commit(st, c, out_error);
        if (err)
            return err;
        if (migrated)
            bx_log(BX_LOG_INFO, "store", "%s: migrated to schema version %d", st->path,
                   version + 1);
    }
}
