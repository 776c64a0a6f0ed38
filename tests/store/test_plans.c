/* Query-plan tests for src/store: every statement in STORE_STMTS prepares
 * against the migrated schema, and the ones behind the hot queries (newest
 * sessions, messages and events of a session, usage reports, audit pages,
 * cron runs) are answered from an index, not a table scan. The plans come
 * from EXPLAIN QUERY PLAN on the real SQL (store_int.h). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store_int.h"
#include "test.h"

static const char *const stmt_names[] = {
#define X(name, sql) #name,
    STORE_STMTS(X)
#undef X
};
static const char *const stmt_sqls[] = {
#define X(name, sql) sql,
    STORE_STMTS(X)
#undef X
};

static char db_path[128];
static char db_dir[64];

static void remove_db(void)
{
    static const char *const suffix[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < BX_ARRAY_LEN(suffix); i++) {
        char p[160];
        snprintf(p, sizeof p, "%s%s", db_path, suffix[i]);
        unlink(p);
    }
    rmdir(db_dir);
}

static sqlite3 *open_migrated(void)
{
    if (!db_path[0]) {
        snprintf(db_dir, sizeof db_dir, "/tmp/bx-plans-XXXXXX");
        if (!mkdtemp(db_dir))
            return NULL;
        snprintf(db_path, sizeof db_path, "%s/boxagnts.db", db_dir);
        atexit(remove_db);
        store *st = NULL;
        if (store_open(db_path, NULL, &st, NULL) != BX_OK)
            return NULL;
        store_close(st);
    }
    sqlite3 *db = NULL;
    if (sqlite3_open(db_path, &db) != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

/* The plan's detail lines joined with " | ". */
static bool plan_of(sqlite3 *db, const char *sql, char *out, size_t cap)
{
    char *q = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql);
    sqlite3_stmt *s = NULL;
    bool ok = sqlite3_prepare_v2(db, q, -1, &s, NULL) == SQLITE_OK;
    sqlite3_free(q);
    out[0] = '\0';
    size_t n = 0;
    while (ok && sqlite3_step(s) == SQLITE_ROW) {
        const char *d = (const char *)sqlite3_column_text(s, 3);
        int w = snprintf(out + n, cap - n, "%s%s", n ? " | " : "", d ? d : "");
        if (w < 0 || (size_t)w >= cap - n)
            break;
        n += (size_t)w;
    }
    sqlite3_finalize(s);
    return ok;
}

static int stmt_index(const char *name)
{
    for (int i = 0; i < STMT__COUNT; i++)
        if (strcmp(stmt_names[i], name) == 0)
            return i;
    return -1;
}

TEST(every_statement_prepares)
{
    sqlite3 *db = open_migrated();
    REQUIRE(db);
    for (int i = 0; i < STMT__COUNT; i++) {
        sqlite3_stmt *s = NULL;
        int rc = sqlite3_prepare_v2(db, stmt_sqls[i], -1, &s, NULL);
        if (rc != SQLITE_OK)
            fprintf(stderr, "%s: %s\n", stmt_names[i], sqlite3_errmsg(db));
        CHECK(rc == SQLITE_OK);
        sqlite3_finalize(s);
    }
    sqlite3_close(db);
}

TEST(hot_queries_use_indices)
{
    static const struct {
        const char *stmt;
        const char *want; /* must appear in the plan */
    } cases[] = {
        {"SESSION_LIST_FIRST", "SCAN s USING INDEX sessions_recent"},
        {"SESSION_LIST_AFTER", "SEARCH s USING INDEX sessions_recent"},
        {"SESSION_GET", "SEARCH m USING PRIMARY KEY (session_id=?)"},
        {"MESSAGE_LIST", "SEARCH messages USING PRIMARY KEY (session_id=? AND seq>?)"},
        {"MESSAGE_LAST_SEQ", "SEARCH messages USING PRIMARY KEY (session_id=?)"},
        {"EVENT_LIST", "SEARCH events USING PRIMARY KEY (session_id=? AND seq>?)"},
        {"TOOL_LIST", "SEARCH tool_calls USING INDEX"},
        {"USAGE_BY_DAY", "SEARCH usage USING INDEX usage_at"},
        {"USAGE_BY_MODEL", "SEARCH usage USING INDEX usage_at"},
        {"USAGE_S_BY_DAY", "SEARCH usage USING INDEX usage_session"},
        {"USAGE_S_BY_SESSION", "SEARCH usage USING INDEX usage_session"},
        {"AUDIT_LIST", "SEARCH audit_log USING INTEGER PRIMARY KEY"},
        {"AUDIT_LIST_SESSION", "SEARCH audit_log USING INDEX audit_session"},
        {"CRON_RUN_LIST", "SEARCH cron_runs USING INDEX cron_runs_job"},
        {"CRON_JOB_LIST", "USING INDEX"},
        {"CRON_JOB_DUE", "USING INDEX cron_jobs_due"},
    };
    sqlite3 *db = open_migrated();
    REQUIRE(db);
    char plan[2048];
    for (size_t i = 0; i < BX_ARRAY_LEN(cases); i++) {
        int k = stmt_index(cases[i].stmt);
        CHECK(k >= 0);
        if (k < 0)
            continue;
        CHECK(plan_of(db, stmt_sqls[k], plan, sizeof plan));
        if (!strstr(plan, cases[i].want)) {
            fprintf(stderr, "%s: plan \"%s\" lacks \"%s\"\n", cases[i].stmt, plan, cases[i].want);
            *bx__failed = 1;
        }
        /* No full-table scan anywhere in these plans. */
        static const char *const tables[] = {"sessions", "messages", "events", "tool_calls",
                                             "usage", "audit_log", "cron_runs"};
        for (size_t t = 0; t < BX_ARRAY_LEN(tables); t++) {
            char bare[64];
            snprintf(bare, sizeof bare, "SCAN %s", tables[t]);
            const char *hit = strstr(plan, bare);
            if (hit && strncmp(hit + strlen(bare), " USING", 6) != 0) {
                fprintf(stderr, "%s: full scan in \"%s\"\n", cases[i].stmt, plan);
                *bx__failed = 1;
            }
        }
    }
    sqlite3_close(db);
}

TEST_MAIN()
