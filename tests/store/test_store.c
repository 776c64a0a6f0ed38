/* Unit tests for src/store: every API function, its error paths, and the
 * promises in store.h (cascade, fork, pagination, append-only audit,
 * concurrency through the pool, clear errors for corrupt, locked and newer
 * databases). Each test works in its own temporary directory. The tests
 * use sqlite3.h directly only to damage, lock or inspect a database. */
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "test.h"

typedef struct tmpdb {
    char dir[64];
    char path[128];
} tmpdb;

static void tmpdb_init(tmpdb *t)
{
    snprintf(t->dir, sizeof t->dir, "/tmp/bx-store-XXXXXX");
    if (!mkdtemp(t->dir)) {
        perror("mkdtemp");
        exit(1);
    }
    snprintf(t->path, sizeof t->path, "%s/boxagnts.db", t->dir);
}

static void tmpdb_release(tmpdb *t)
{
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    char p[160];
    for (size_t i = 0; i < BX_ARRAY_LEN(suffix); i++) {
        snprintf(p, sizeof p, "%s%s", t->path, suffix[i]);
        unlink(p);
    }
    rmdir(t->dir);
}

static store *open_ok(tmpdb *t, int *failed)
{
    store *st = NULL;
    bx_error e;
    bx_err err = store_open(t->path, NULL, &st, &e);
    if (err) {
        fprintf(stderr, "store_open: %s\n", e.message);
        *failed = 1;
    }
    return st;
}

/* Runs one SQL statement on a raw connection to path; returns the rc. */
static int raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open(path, &db);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);
    return rc;
}

static int64_t raw_count(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    int64_t n = -1;
    if (sqlite3_open(path, &db) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return n;
}

static const char *const BLOCKS = "[{\"type\":\"text\",\"text\":\"hello\"}]";

static int64_t append(store *st, const char *sid, const char *role, const char *content)
{
    store_message_new m = {.role = role, .content = content};
    int64_t seq = 0;
    bx_error e;
    if (store_message_append(st, sid, &m, &seq, &e) != BX_OK) {
        fprintf(stderr, "append: %s\n", e.message);
        return -1;
    }
    return seq;
}

/* ----------------------------------------------------------------- open */

TEST(open_creates_migrates_and_reopens)
{
    tmpdb t;
    tmpdb_init(&t);
    long live = bx_mem_live();
    store *st = open_ok(&t, bx__failed);
    REQUIRE(st);
    int v = -1;
    CHECK(store_db_version(st, &v, NULL) == BX_OK);
    CHECK_EQ_INT(v, store_schema_version());
    CHECK(store_schema_version() >= 1);
    CHECK(store_check(st, false, NULL) == BX_OK);
    CHECK(store_check(st, true, NULL) == BX_OK);
    char id[37];
    CHECK(store_session_create(st, NULL, id, NULL) == BX_OK);
    store_close(st);
    /* WAL is a property of the file. */
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    REQUIRE(sqlite3_open(t.path, &db) == SQLITE_OK);
    REQUIRE(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL) == SQLITE_OK);
    REQUIRE(sqlite3_step(s) == SQLITE_ROW);
    CHECK_EQ_STR((const char *)sqlite3_column_text(s, 0), "wal");
    sqlite3_finalize(s);
    sqlite3_close(db);
    /* Reopen: no migration runs again, data is there. */
    st = open_ok(&t, bx__failed);
    REQUIRE(st);
    store_session ses;
    CHECK(store_session_get(st, id, &ses, NULL) == BX_OK);
    store_session_release(&ses);
    store_close(st);
    CHECK_EQ_INT(bx_mem_live(), live);
    tmpdb_release(&t);
}

TEST(open_rejects_bad_arguments)
{
    tmpdb t;
    tmpdb_init(&t);
    store *st = (store *)1;
    bx_error e;
    CHECK(store_open(NULL, NULL, &st, &e) == BX_INVALID);
    CHECK(st == NULL);
    CHECK(strlen(e.message) > 0);
    CHECK(store_open("", NULL, &st, &e) == BX_INVALID);
    CHECK(store_open(t.path, NULL, NULL, &e) == BX_INVALID);
    store_options o = {.pool_size = 65};
    CHECK(store_open(t.path, &o, &st, &e) == BX_INVALID);
    o = (store_options){.busy_timeout_ms = -1};
    CHECK(store_open(t.path, &o, &st, &e) == BX_INVALID);
    CHECK(store_open("/nonexistent-dir-bx/x.db", NULL, &st, &e) == BX_IO);
    CHECK(strstr(e.message, "/nonexistent-dir-bx/x.db") != NULL);
    CHECK(st == NULL);
    /* NULL handles are refused, never dereferenced. */
    store_close(NULL);
    int v;
    CHECK(store_db_version(NULL, &v, &e) == BX_INVALID);
    CHECK(store_check(NULL, false, &e) == BX_INVALID);
    char id[37];
    CHECK(store_session_create(NULL, NULL, id, &e) == BX_INVALID);
    tmpdb_release(&t);
}

TEST(open_garbage_file_is_a_clear_error)
{
    tmpdb t;
    tmpdb_init(&t);
    FILE *f = fopen(t.path, "wb");
    REQUIRE(f);
    for (int i = 0; i < 4096; i++)
        fputc("not a database "[i % 15], f);
    fclose(f);
    store *st = NULL;
    bx_error e;
    CHECK(store_open(t.path, NULL, &st, &e) == BX_STORE);
    CHECK(st == NULL);
    CHECK(strstr(e.message, "corrupt or not a SQLite database") != NULL);
    CHECK(strstr(e.message, t.path) != NULL);
    /* The file is left alone. */
    CHECK_EQ_INT(raw_count(t.path, "SELECT count(*) FROM sqlite_master"), -1);
    f = fopen(t.path, "rb");
    REQUIRE(f);
    char head[16] = "";
    CHECK(fread(head, 1, 15, f) == 15);
    CHECK_EQ_STR(head, "not a database ");
    fseek(f, 0, SEEK_END);
    CHECK_EQ_INT(ftell(f), 4096);
    fclose(f);
    tmpdb_release(&t);
}

TEST(open_newer_schema_is_refused)
{
    tmpdb t;
    tmpdb_init(&t);
    store *st = open_ok(&t, bx__failed);
    REQUIRE(st);
    store_close(st);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", store_schema_version() + 1);
    REQUIRE(raw_exec(t.path, sql) == SQLITE_OK);
    bx_error e;
    CHECK(store_open(t.path, NULL, &st, &e) == BX_UNSUPPORTED);
    CHECK(strstr(e.message, "newer") != NULL);
    CHECK(st == NULL);
    /* Not downgraded or touched. */
    CHECK_EQ_INT(raw_count(t.path, "PRAGMA user_version"), store_schema_version() + 1);
    tmpdb_release(&t);
}

TEST(open_foreign_database_is_refused)
{
    tmpdb t;
    tmpdb_init(&t);
    REQUIRE(raw_exec(t.path, "PRAGMA application_id = 1234; CREATE TABLE x(a);") == SQLITE_OK);
    store *st = NULL;
    bx_error e;
    CHECK(store_open(t.path, NULL, &st, &e) == BX_STORE);
    CHECK(strstr(e.message, "not a boxagnts database") != NULL);
    /* An unmarked SQLite file whose tables clash fails the migration
     * cleanly, leaving the file as it was. */
    tmpdb_release(&t);
    tmpdb_init(&t);
    REQUIRE(raw_exec(t.path, "CREATE TABLE sessions(a); INSERT INTO sessions VALUES(7);") ==
            SQLITE_OK);
    CHECK(store_open(t.path, NULL, &st, &e) == BX_STORE);
    CHECK(strstr(e.message, "migration 1") != NULL);
    CHECK_EQ_INT(raw_count(t.path, "SELECT a FROM sessions"), 7);
    CHECK_EQ_INT(raw_count(t.path, "PRAGMA user_version"), 0);
    tmpdb_release(&t);
}

TEST(corrupt_pages_are_reported)
{
    tmpdb t;
    tmpdb_init(&t);
    store *st = open_ok(&t, bx__failed);
    REQUIRE(st);
    char id[37];
    REQUIRE(store_session_create(st, NULL, id, NULL) == BX_OK);
    for (int i = 0; i < 200; i++)
        append(st, id, "user", BLOCKS);
    store_close(st); /* checkpoints the WAL into the main file */
    int64_t pages = raw_count(t.path, "PRAGMA page_count");
    int64_t psize = raw_count(t.path, "PRAGMA page_size");
    REQUIRE(pages > 4);
    FILE *f = fopen(t.path, "r+b");
    REQUIRE(f);
    /* Scribble over every page but the first (the header stays valid). */
    for (int64_t p = 1; p < pages; p++) {
        fseek(f, (long)(p * psize), SEEK_SET);
        for (int i = 0; i < 64; i++)
            fputc(0xA5, f);
    }
    fclose(f);
    bx_error e;
    bx_err err = store_open(t.path, NULL, &st, &e);
    if (err == BX_OK) {
        err = store_check(st, false, &e);
        store_close(st);
    }
    CHECK(err == BX_STORE);
    CHECK(strlen(e.message) > 0);
    tmpdb_release(&t);
}

TEST(locked_database_gives_busy)
{
    tmpdb t;
    tmpdb_init(&t);
    /* A fresh file held EXCLUSIVE by another connection in rollback mode:
     * switching to WAL has to wait, then gives up with BX_BUSY. */
    sqlite3 *db = NULL;
    REQUIRE(sqlite3_open(t.path, &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE TABLE hold(a); BEGIN EXCLUSIVE; INSERT INTO hold VALUES(1);",
                         NULL, NULL, NULL) == SQLITE_OK);
    store_options o = {.busy_timeout_ms = 50};
    store *st = NULL;
    bx_error e;
    CHECK(store_open(t.path, &o, &st, &e) == BX_BUSY);
    CHECK(strstr(e.message, "locked") != NULL);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(db);
    tmpdb_release(&t);

    /* A WAL database whose write lock another process holds: reads go on,
     * a write gives BX_BUSY and changes nothing. */
    tmpdb_init(&t);
    st = NULL;
    CHECK(store_open(t.path, &o, &st, &e) == BX_OK);
    REQUIRE(st);
    char id[37];
    REQUIRE(store_session_create(st, NULL, id, NULL) == BX_OK);
    REQUIRE(sqlite3_open(t.path, &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK);
    store_session ses;
    CHECK(store_session_get(st, id, &ses, NULL) == BX_OK);
    store_session_release(&ses);
    CHECK(store_session_rename(st, id, "new", &e) == BX_BUSY);
    CHECK(strstr(e.message, "locked") != NULL);
    CHECK(append(st, id, "user", BLOCKS) == -1);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(db);
    /* Released: writes work again, and the failed ones left no trace. */
    CHECK(append(st, id, "user", BLOCKS) == 1);
    CHECK(store_session_get(st, id, &ses, NULL) == BX_OK);
    CHECK_EQ_STR(ses.title, "");
    store_session_release(&ses);
    store_close(st);
    tmpdb_release(&t);
}

/* ------------------------------------------------------------- sessions */

TEST(session_create_get_update_rename)
{
    tmpdb t;
    tmpdb_init(&t);
    store *st = open_ok(&t, bx__failed);
    REQUIRE(st);
    int64_t before = bx_wall_ms();
    store_session_fields f = {.title = "First", .agent = "build",
                              .model = "anthropic/claude-sonnet-4-5",
                              .metadata = "{\"k\":[1,2]}"};
    char id[37];
    bx_error e;
    REQUIRE(store_session_create(st, &f, id, &e) == BX_OK);
    CHECK_EQ_INT(strlen(id), 36);
    CHECK(id[14] == '7'); /* v7 */
    store_session s;
    REQUIRE(store_session_get(st, id, &s, &e) == BX_OK);
    CHECK_EQ_STR(s.id, id);
    CHECK_EQ_STR(s.title, "First");
    CHECK_EQ_STR(s.agent, "build");
    CHECK_EQ_STR(s.model, "anthropic/claude-sonnet-4-5");
    CHECK_EQ_STR(s.metadata, "{\"k\":[1,2]}");
    CHECK(s.created_ms >= before && s.created_ms <= bx_wall_ms());
    CHECK(s.updated_ms == s.created_ms);
    CHECK_EQ_STR(s.parent_id, "");
    CHECK_EQ_INT(s.fork_seq, 0);
    CHECK_EQ_INT(s.message_count, 0);
    int64_t created = s.created_ms;
    store_session_release(&s);
    store_session_release(&s); /* idempotent */

    /* Defaults. */
    char id2[37];
    REQUIRE(store_session_create(st, NULL, id2, &e) == BX_OK);
    CHECK(strcmp(id, id2) != 0);
    REQUIRE(store_session_get(st, id2, &s, &e) == BX_OK);
    CHECK_EQ_STR(s.title, "");
    CHECK_EQ_STR(s.metadata, "{}");
    store_session_release(&s);

    /* Rename and update change only what they name. */
    usleep(2000);
    CHECK(store_session_rename(st, id, "Renamed ✓", &e) == BX_OK);
    store_session_fields u = {.model = "openai/gpt-5", .metadata = "{\"a\":1}"};
    CHECK(store_session_update(st, id, &u, &e) == BX_OK);
    REQUIRE(store_session_get(st, id, &s, &e) == BX_OK);
    CHECK_EQ_STR(s.title, "Renamed ✓");
    CHECK_EQ_STR(s.agent, "build");
    CHECK_EQ_STR(s.model, "openai/gpt-5");
    CHECK_EQ_STR(s.metadata, "{\"a\":1}");
    CHECK(s.updated_ms > created);
    CHECK_EQ_INT(s.created_ms, created);
    store_session_release(&s);
    store_close(st);
    tmpdb_release(&t);
}

TEST(session_bad_input_is_rejected_and_loses_nothing)
{
    tmpdb t;
    tmpdb_init(&t);
    store *st = open_ok(&t, bx__failed);
    REQUIRE(st);
    char id[37];
    bx_error e;
    store_session_fields f = {.title = "keep", .metadata = "{\"x\":1}"};
    REQUIRE(store_session_create(st, &f, id, &e) == BX_OK);

    /* Malformed metadata: a parse error with line and column. */
    store_session_fields bad = {.metadata = "{\n  \"x\": 1,\n  oops\n}"};
    char nid[37] = "x";
    CHECK(store_session_create(st, &bad, nid, &e) == BX_PARSE);
    CHECK_EQ_STR(nid, "");
    CHECK_EQ_INT(e.line, 3);
    CHECK(e.column > 0);
    CHECK(strstr(e.message, "session metadata") != NULL);
    CHECK(store_session_update(st, id, &bad, &e) == BX_PARSE);
    /* Valid JSON, wrong shape. */
    store_session_fields arr = {.metadata = "[1]"};
    CHECK(store_session_update(st, id, &arr, &e) == BX_INVALID);
    CHECK(strstr(e.message, "object") != NULL);
    store_session_fields dup = {.metadata = "{\"a\":1,\"a\":2}"};
    CHECK(store_session_update(st, id, &dup, &e) == BX_PARSE);
    /* Invalid UTF-8, overlong, too long. */
    CHECK(store_session_rename(st, id, "bad \xff", &e) == BX_INVALID);
    CHECK(strstr(e.message, "UTF-8") != NULL);
    CHECK(store_session_rename(st, id, "\xc0\xaf", &e) == BX_INVALID);
    CHECK(store_session_rename(st, id, "\xed\xa0\x80", &e) == BX_INVALID); /* surrogate */
    CHECK(store_session_rename(st, id, "\xe2\x82", &e) == BX_INVALID);     /* truncated */
    char *longt = malloc(STORE_MAX_NAME + 2);
    memset(longt, 'a', STORE_MAX_NAME + 1);
    longt[STORE_MAX_NAME + 1] = '\0';
    CHECK(store_session_rename(st, id, longt, &e) == BX_TOOBIG);
    longt[STORE_MAX_NAME] = '\0';
    CHECK(store_session_rename(st, id, longt, &e) == BX_OK); /* exactly the cap */
    CHECK(store_session_rename(st, id, "keep", &e) == BX_OK);
    free(longt);
    CHECK(store_session_rename(st, id, NULL, &e) == BX_INVALID);
    CHECK(store_session_update(st, id, NULL, &e) == BX_INVALID);

    /* Ids must be UUIDs; unknown ones are NOTFOUND. */
    store_session s;
    CHECK(store_session_get(st, "nope", &s, &e) == BX_INVALID);
    CHECK(store_session_get(st, NULL, &s, &e) == BX_INVALID);
    CHECK(store_session_get(st, "0190a5e2-0000-7000-8000-00000000000G", &s, &e) == BX_INVALID);
    CHECK(store_session_get(st, "0190a5e2-0000-7000-8000-000000000000", &s, &e) == BX_NOTFOUND);
    CHECK(strstr(e.message, "not found") != NULL);
    CHECK(store_session_get(st, id, NULL, &e) == BX_INVALID);
    CHECK(store_session_rename(st, "0190a5e2-0000-7000-8000-000000000000", "x", &e) ==
          BX_NOTFOUND);

    REQUIRE(store_session_get(st, id, &s, &e) == BX_OK);
    CHECK_EQ_STR(s.title, "keep");
    CHECK_EQ_STR(s.metadata, "{\"x\":1}");
    store_session_release(&s);
    store_close(st);
    tmpdb_release(&t);
}

TEST(session_list_pages_newest_first)
{
    tmpdb t;
    tmpdb_init(&t);
    store *st = open_ok(&t, bx__failed);
    REQUIRE(st);
    char ids[7][37];
    for (int i = 0; i < 7; i++) {
        char title[8];
        snprintf(title, sizeof title, "s%d", i);
        store_session_fields f = {.title = title};
        REQUIRE(store_session_create(st, &f, ids[i], NULL) == BX_OK);
        usleep(1500); /* distinct updated times */
    }
    bx_error e;
    store_session_list all;
    REQUIRE(store_sessions_list(st, 0, NULL, &all, &e) == BX_OK);
    CHECK_EQ_INT(all.len, 7);
    CHECK_EQ_STR(all.next_cursor, "");
    for (size_t i = 0; i < all.len && i < 7; i++)
        CHECK_EQ_STR(all.items[i].id, ids[6 - i]);

    /* Pages of 3: 3 + 3 + 1, same order, no repeats. */
    store_session_list p;
    char cursor[64] = "";
    size_t seen = 0;
    for (int page = 0; page < 3; page++) {
        REQUIRE(store_sessions_list(st, 3, cursor, &p, &e) == BX_OK);
        CHECK_EQ_INT(p.len, page < 2 ? 3 : 1);
        for (size_t i = 0; i < p.len; i++, seen++)
            CHECK_EQ_STR(p.items[i].id, all.items[seen].id);
        CHECK(page < 2 ? p.next_cursor[0] != '\0' : p.next_cursor[0] == '\0');
        snprintf(cursor, sizeof cursor, "%s", p.next_cursor);
        store_session_list_release(&p);
    }
    CHECK_EQ_INT(seen, 7);

    /* Activity moves a session to the front. */
    CHECK(append(st, ids[0], "user", BLOCKS) == 1);
    REQUIRE(store_sessions_list(st, 1, NULL, &p, &e) == BX_OK);
    REQUIRE(p.len == 1);
    CHECK_EQ_STR(p.items[0].id, ids[0]);
    CHECK_EQ_INT(p.items[0].message_count, 1);
    store_session_list_release(&p);

    /* Bad cursors and limits. */
    CHECK(store_sessions_list(st, 3, "garbage", &p, &e) == BX_INVALID);
    CHECK(store_sessions_list(st, 3, "12.notanid", &p, &e) == BX_INVALID);
    CHECK(store_sessions_list(st, 3, ".0190a5e2-0000-7000-8000-000000000000", &p, &e) ==
          BX_INVALID);
    CHECK(store_sessions_list(st, STORE_MAX_PAGE + 1, NULL, &p, &e) == BX_INVALID);
    CHECK(p.len == 0 && p.items == NULL);
    CHECK(store_sessions_list(st, 3, NULL, NULL, &e) == BX_INVALID);
    store_session_list_release(&all);
    store_close(st);
    tmpdb_release(&t);
}

TEST(session_delete_cascades)
{
    tmpdb t;
    tmpdb_init(&t);
    store *st = open_ok(&t, bx__failed);
    REQUIRE(st);
    char id[37], other[37];
    REQUIRE(store_session_create(st, NULL, id, NULL) == BX_OK);
    REQUIRE(store_session_create(st, NULL, other, NULL) == BX_OK);
    CHECK(append(st, id, "user", BLOCKS) == 1);
    CHECK(append(st, id, "assistant", "[{\"type\":\"tool_use\",\"id\":\"t1\"}]") == 2);
    CHECK(append(st, other, "user", BLOCKS) == 1);
    store_tool_call_new tc = {.id = "t1", .message_seq = 2, .tool = "read", .input = "{}"};
    REQUIRE(store_tool_call_record(st, id, &tc, NULL) == BX_OK);
    store_usage_new u = {.session_id = id, .provider = "openai", .model = "m",
                         .input_tokens = 10, .cost_usd = 0.5};
    REQUIRE(store_usage_record(st, &u, NULL, NULL) == BX_OK);
    store_audit_new a = {.session_id = id, .tool_call_id = "t1", .tool = "read",
                         .input = "{}", .input_len = 2};
    REQUIRE(store_audit_append(st, &a, NULL, NULL) == BX_OK);

    bx_error e;
    CHECK(store_session_delete(st, id, &e) == BX_OK);
    store_session s;
    CHECK(store_session_get(st, id, &s, &e) == BX_NOTFOUND);
    CHECK(store_session_delete(st, id, &e) == BX_NOTFOUND);
    CHECK(store_session_delete(st, "bad", &e) == BX_INVALID);
    CHECK_EQ_INT(raw_count(t.path, "SELECT count(*) FROM messages"), 1);
    CHECK_EQ_INT(raw_count(t.path, "SELECT count(*) FROM tool_calls"), 0);
    /* Usage survives with its session cleared; the audit log is untouched. */
    CHECK_EQ_INT(raw_count(t.path, "SELECT count(*) FROM usage WHERE session_id IS NULL"), 1);
    CHECK_EQ_INT(raw_count(t.path, "SELECT count(*) FROM audit_log"), 1);
    store_message_list ml;
    CHECK(store_messages_get(st, id, 0, 0, &ml, &e) == BX_NOTFOUND);
    CHECK(store_messages_get(st, other, 0, 0, &ml, &e) == BX_OK);
    CHECK_EQ_INT(ml.len, 1);
    store_message_list_release(&ml);
    CHECK(store_check(st, false, &e) == BX_OK);
    store_close(st);
    tmpdb_release(&t);
}

TEST(session_fork_copies_a_prefix)
{
    tmpdb t;
    tmpdb_init(&t);
    store *st = open_ok(&t, bx__failed);
    REQUIRE(st);
    store_session_fields f = {.title = "Base", .agent = "plan", .model = "p/m",
                              .metadata = "{\"m\":true}"};
    char src[37];
    REQUIRE(store_session_create(st, &f, src, NULL) == BX_OK);
    CHECK(append(st, src, "user", "[{\"type\":\"text\",\"text\":\"one\"}]") == 1);
    CHECK(append(st, src, "assistant", "[{\"type\":\"tool_use\",\"id\":\"a\"}]") == 2);
    CHECK(append(st, src, "tool", "[{\"type\":\"tool_result\",\"id\":\"a\"}]") == 3);
    CHECK(append(st, src, "assistant", "[{\"type\":\"tool_use\",\"id\":\"b\"}]") == 4);
    store_tool_call_new a = {.id = "a", .message_seq = 2, .tool = "read", .input = "{\"p\":1}"};
    store_tool_call_new b = {.id = "b", .message_seq = 4, .tool = "ls", .input = "{}"};
    REQUIRE(store_tool_call_record(st, src, &a, NULL) == BX_OK);
    REQUIRE(store_tool_call_record(st, src, &b, NULL) == BX_OK);
    REQUIRE(store_tool_call_update(st, src, "a", STORE_TOOL_COMPLETED, "out", 0, false, NULL) ==
            BX_OK);

    bx_error e;
    char fk[37];
    REQUIRE(store_session_fork(st, src, 3, NULL, fk, &e) == BX_OK);
    store_session s;
    REQUIRE(store_session_get(st, fk, &s, &e) == BX_OK);
    CHECK_EQ_STR(s.title, "Base (fork)");
    CHECK_EQ_STR(s.agent, "plan");
    CHECK_EQ_STR(s.model, "p/m");
    CHECK_EQ_STR(s.metadata, "{\"m\":true}");
    CHECK_EQ_STR(s.parent_id, src);
    CHECK_EQ_INT(s.fork_seq, 3);
    CHECK_EQ_INT(s.message_count, 3);
    store_session_release(&s);
    store_message_list ml;
    REQUIRE(store_messages_get(st, fk, 0, 0, &ml, &e) == BX_OK);
    REQUIRE(ml.len == 3);
    CHECK_EQ_STR(ml.items[0].content, "[{\"type\":\"text\",\"text\":\"one\"}]");
    CHECK_EQ_STR(ml.items[2].role, "tool");
    CHECK_EQ_STR(ml.items[1].session_id, fk);
    store_message_list_release(&ml);
    store_tool_call_list tl;
    REQUIRE(store_tool_calls_list(st, fk, &tl, &e) == BX_OK);
    REQUIRE(tl.len == 1);
    CHECK_EQ_STR(tl.items[0].id, "a");
    CHECK_EQ_STR(tl.items[0].output, "out");
    CHECK(tl.items[0].status == STORE_TOOL_COMPLETED);
    store_tool_call_list_release(&tl);

    /* The fork goes on by itself; the source is unchanged. */
    CHECK(append(st, fk, "user", BLOCKS) == 4);
    REQUIRE(store_session_get(st, src, &s, &e) == BX_OK);
    CHECK_EQ_INT(s.message_count, 4);
    store_session_release(&s);

    /* A given title, and errors. */
    char fk2[37];
    CHECK(store_session_fork(st, src, 1, "Try two", fk2, &e) == BX_OK);
    REQUIRE(store_session_get(st, fk2, &s, &e) == BX_OK);
    CHECK_EQ_STR(s.title, "Try two");
    CHECK_EQ_INT(s.message_count, 1);
    store_session_release(&s);
    char bad[37] = "x";
    CHECK(store_session_fork(st, src, 0, NULL, bad, &e) == BX_INVALID);
    CHECK_EQ_STR(bad, "");
    CHECK(store_session_fork(st, src, 5, NULL, bad, &e) == BX_NOTFOUND);
    CHECK(strstr(e.message, "no message 5") != NULL);
    CHECK(store_session_fork(st, "0190a5e2-0000-7000-8000-000000000000", 1, NULL, bad, &e) ==
          BX_NOTFOUND);
    CHECK(store_session_fork(st, src, 1, "\xff", bad, &e) == BX_INVALID);
    CHECK(store_session_fork(st, src, 1, NULL, NULL, &e) == BX_INVALID);
    CHECK_EQ_INT(raw_count(t.path, "SELECT count(*) FROM sessions"), 3);

    /* A derived title stays within the cap: a title already at the cap
     * (512 x "é") forks under the same title, " (fork)" cut off. */
    char longt[STORE_MAX_NAME + 1];
    for (int i = 0; i < STORE_MAX_NAME / 2; i++)
        memcpy(longt + 2 * i, "\xc3\xa9", 2);
    longt[STORE_MAX_NAME] = '\0';
    char lsrc[37], lfk[37];
    store_session_fields lf = {.title = longt};
    REQUIRE(store_session_create(st, &lf, lsrc, &e) == BX_OK);
    CHECK(append(st, lsrc, "user", BLOCKS) == 1);
    REQUIRE(store_session_fork(st, lsrc, 1, NULL, lfk, &e) == BX_OK);
    REQUIRE(store_session_get(st, lfk, &s, &e) == BX_OK);
    CHECK_EQ_STR(s.title, longt);
    /* Valid enough to be written back as a title. */
    CHECK(store_session_rename(st, lfk, s.title, &e) == BX_OK);
    store_session_release(&s);
    CHECK(store_session_delete(st, lsrc, &e) == BX_OK);
    CHECK(store_session_delete(st, lfk, &e) == BX_OK);

    /* Deleting the parent keeps the fork, without a parent. */
    CHECK(store_session_delete(st, src, &e) == BX_OK);
    REQUIRE(store_session_get(st, fk, &s, &e) == BX_OK);
    CHECK_EQ_STR(s.parent_id, "");
    CHECK_EQ_INT(s.message_count, 4);
    store_session_release(&s);
    CHECK(store_check(st, false, &e) == BX_OK);
    store_close(st);
    tmpdb_release(&t);
}

/* ------------------------------------------------------------- messages */

TEST(messages_append_and_get)
{
    tmpdb t;
    tmpdb_init(&t);
    store *st = open_ok(&t, bx__failed);
    REQUIRE(st);
    char id[37];
    REQUIRE(store_session_create(st, NULL, id, NULL) == BX_OK);
    bx_error e;
    store_message_new m = {.role = "system", .content = "[]", .input_tokens = 0};
    int64_t seq = 0;
    CHECK(store_message_append(st, id, &m, &seq, &e) == BX_OK);
    CHECK_EQ_INT(seq, 1);
    /* content_len: a buffer that is not NUL-terminated where it ends. */
    const char buf[] = "[{\"type\":\"text\",\"text\":\"x\"}]TRAILING";
    m = (store_message_new){.role = "user", .content = buf, .content_len = sizeof buf - 1 - 8,
                            .input_tokens = 12, .output_tokens = 34};
    CHECK(store_message_append(st, id, &m, &seq, &e) == BX_OK);
    CHECK_EQ_INT(seq, 2);
    CHECK(append(st, id, "assistant", BLOCKS) == 3);

    store_message_list ml;
    REQUIRE(store_messages_get(st, id, 0, 0, &ml, &e) == BX_OK);
    REQUIRE(ml.len == 3);
    for (size_t i = 0; i < 3; i++)
        CHECK_EQ_INT(ml.items[i].seq, (int64_t)i + 1);
    CHECK_EQ_STR(ml.items[0].role, "system");
    CHECK_EQ_STR(ml.items[1].content, "[{\"type\":\"text\",\"text\":\"x\"}]");
    CHECK_EQ_INT(ml.items[1].input_tokens, 12);
    CHECK_EQ_INT(ml.items[1].output_tokens, 34);
    CHECK(ml.items[1].created_ms > 0);
    store_message_list_release(&ml);
    store_message_list_release(&ml);

    REQUIRE(store_messages_get(st, id, 1, 1, &ml, &e) == BX_OK);
    REQUIRE(ml.len == 1);
    CHECK_EQ_INT(ml.items[0].seq, 2);
    store_message_list_release(&ml);
    REQUIRE(store_messages_get(st, id, 3, 0, &ml, &e) == BX_OK);
    CHECK_EQ_INT(ml.len, 0);
    store_message_list_release(&ml);
    CHECK(store_messages_get(st, id, 0, STORE_MAX_MESSAGES + 1, &ml, &e) == BX_INVALID);
    CHECK(store_messages_get(st, "0190a5e2-0000-7000-8000-000000000000", 0, 0, &ml, &e) ==
          BX_NOTFOUND);
    CHECK(store_messages_get(st, "x", 0, 0, &ml, &e) == BX_INVALID);
    CHECK(store_messages_get(st, id, 0, 0, NULL, &e) == BX_INVALID);
    store_close(st);
    tmpdb_release(&t);
}

TEST(messages_malformed_content_is_rejected)
{
    tmpdb t;
    tmpdb_init(&t);
    store *st = open_ok(&t, bx__failed);
    REQUIRE(st);
    char id[37];
    REQUIRE(store_session_create(st, NULL, id, NULL) == BX_OK);
    CHECK(append(st, id, "user", BLOCKS) == 1);
    bx_error e;
    int64_t seq = 99;
    static const struct {
        const char *content;
        bx_err want;
    } cases[] = {
        {"", BX_PARSE},
        {"[", BX_PARSE},
        {"[{\"type\":\"text\"}", BX_PARSE},
        {"[{\"type\":\"text\"}] x", BX_PARSE},          /* trailing garbage */
        {"[{\"type\":\"text\",\"type\":\"x\"}]", BX_PARSE}, /* duplicate key */
        {"[{'type':'text'}]", BX_PARSE},
        {"[\"\xff\"]", BX_PARSE},                         /* invalid UTF-8 */
        {"{\"type\":\"text\"}", BX_INVALID},              /* not an array */
        {"[1]", BX_INVALID},
        {"[{\"text\":\"no type\"}]", BX_INVALID},
        {"[{\"type\":7}]", BX_INVALID},
        {"null", BX_INVALID},
    };
    for (size_t i = 0; i < BX_ARRAY_LEN(cases); i++) {
        store_message_new m = {.role = "user", .content = cases[i].content};
        bx_err err = store_message_append(st, id, &m, &seq, &e);
        if (err != cases[i].want)
            fprintf(stderr, "case %zu (%s): got %s: %s\n", i, cases[i].content,
                    bx_err_name(err), e.message);
        CHECK(err == cases[i].want);
        CHECK(strstr(e.message, "message content") != NULL);
        CHECK_EQ_INT(seq, 0);
    }
    /* A raw NUL inside the given length. */
    store_message_new m = {.role = "user", .content = "[]\0[]", .content_len = 5};
    CHECK(store_message_append(st, id, &m, &seq, &e) == BX_PARSE);
    m = (store_message_new){.role = "user", .content = NULL};
    CHECK(store_message_append(st, id, &m, &seq, &e) == BX_INVALID);
    /* Roles and counts. */
    m = (store_message_new){.role = "root", .content = BLOCKS};
    CHECK(store_message_append(st, id, &m, &seq, &e) == BX_INVALID);
    CHECK(strstr(e.message, "role") != NULL);
    m = (store_message_new){.role = NULL, .content = BLOCKS};
    CHECK(store_message_append(st, id, &m, &seq, &e) == BX_INVALID);
    m = (store_message_new){.role = "user", .content = BLOCKS, .output_tokens = -1};
    CHECK(store_message_append(st, id, &m, &seq, &e) == BX_INVALID);
    m = (store_message_new){.role = "user", .content = BLOCKS};
    CHECK(store_message_append(st, "0190a5e2-0000-7000-8000-000000000000", &m, &seq, &e) ==
          BX_NOTFOUND);
    CHECK(store_message_append(st, id, NULL, &seq, &e) == BX_INVALID);
    /* Over the cap: refused before parsing. */
    m = (store_message_new){.role = "user", .content = BLOCKS,
                            .content_len = (size_t)STORE_MAX_TEXT + 1};
    CHECK(store_message_append(st, id, &m, &seq, &e) == BX_TOOBIG);

    /* Nothing stored was lost or added. */
    store_message_list ml;
    REQUIRE(store_messages_get(st, id, 0, 0, &ml, &e) == BX_OK);
    REQUIRE(ml.len == 1);
    CHECK_EQ_STR(ml.items[0].content, BLOCKS);
    store_message_list_release(&ml);
    CHECK(append(st, id, "user", BLOCKS) == 2);
    store_close(st);
    tmpdb_release(&t);
}

/* --------------------------------------------------------------- events */

static bx_slice sl(const char *s)
{
    return bx_slice_from(s);
}

TEST(events_append_list_resume)
{
    tmpdb t;
    tmpdb_init(&t);
    store *st = open_ok(&t, bx__failed);
    REQUIRE(st);
    char id[37], other[37];
    REQUIRE(store_session_create(st, NULL, id, NULL) == BX_OK);
    REQUIRE(store_session_create(st, NULL, other, NULL) == BX_OK);
    bx_error e;
    int64_t last = -1;
    CHECK(store_event_last_seq(st, id, &last, &e) == BX_OK);
    CHECK_EQ_INT(last, 0);
    char run_start[256];
    snprintf(run_start, sizeof run_start,
             "{\"type\":\"run_start\",\"session_id\":\"%s\",\"seq\":1,"
             "\"run_id\":\"0190a5e2-0000-7000-8000-000000000001\",\"agent\":\"build\"}",
             id);
    bx_slice batch[] = {sl(run_start), sl("{\"type\":\"text_delta\",\"seq\":2,\"text\":\"he\"}"),
                        sl("{\"type\":\"text_delta\",\"seq\":3,\"text\":\"llo\"}")};
    REQUIRE(store_events_append(st, id, batch, 3, &e) == BX_OK);
    CHECK(store_events_append(st, id, NULL, 0, &e) == BX_OK); /* empty batch */
    bx_slice one = sl("{\"type\":\"run_end\",\"seq\":7}"); /* gaps are fine */
    REQUIRE(store_events_append(st, id, &one, 1, &e) == BX_OK);
    CHECK(store_event_last_seq(st, id, &last, &e) == BX_OK);
    CHECK_EQ_INT(last, 7);

    store_event_list l;
    REQUIRE(store_events_list(st, id, 0, 0, &l, &e) == BX_OK);
    REQUIRE(l.len == 4);
    CHECK_EQ_INT(l.items[0].seq, 1);
    CHECK_EQ_STR(l.items[0].type, "run_start");
    CHECK_EQ_STR(l.items[0].run_id, "0190a5e2-0000-7000-8000-000000000001");
    CHECK_EQ_STR(l.items[0].data, run_start); /* verbatim */
    CHECK_EQ_STR(l.items[1].run_id, "");
    CHECK_EQ_INT(l.items[3].seq, 7);
    CHECK(l.items[3].at_ms > 0);
    store_event_list_release(&l);
    /* Resume after Last-Event-ID 2. */
    REQUIRE(store_events_list(st, id, 2, 1, &l, &e) == BX_OK);
    REQUIRE(l.len == 1);
    CHECK_EQ_INT(l.items[0].seq, 3);
    store_event_list_release(&l);

    /* Reused, decreasing or malformed seqs; bad fields; all-or-nothing. */
    bx_slice reuse = sl("{\"type\":\"x\",\"seq\":7}");
    CHECK(store_events_append(st, id, &reuse, 1, &e) == BX_EXISTS);
    CHECK(strstr(e.message, "already used") != NULL);
    bx_slice mixed[] = {sl("{\"type\":\"x\",\"seq\":8}"), sl("{\"type\":\"x\",\"seq\":8}")};
    CHECK(store_events_append(st, id, mixed, 2, &e) == BX_INVALID);
    bx_slice badjson[] = {sl("{\"type\":\"x\",\"seq\":8}"), sl("{\"type\":")};
    CHECK(store_events_append(st, id, badjson, 2, &e) == BX_PARSE);
    CHECK(strstr(e.message, "event 1") != NULL);
    static const char *const bad[] = {
        "[]", "{\"seq\":9}", "{\"type\":\"\",\"seq\":9}", "{\"type\":\"x\"}",
        "{\"type\":\"x\",\"seq\":0}", "{\"type\":\"x\",\"seq\":\"9\"}",
        "{\"type\":\"x\",\"seq\":9.5}", "{\"type\":\"x\",\"seq\":9,\"run_id\":\"r1\"}",
        "{\"type\":\"x\",\"seq\":9,\"run_id\":5}",
        "{\"type\":\"x\",\"seq\":9,\"session_id\":\"0190a5e2-0000-7000-8000-000000000000\"}",
        "{\"type\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\",\"seq\":9}",
    };
    for (size_t i = 0; i < BX_ARRAY_LEN(bad); i++) {
        bx_slice b1 = sl(bad[i]);
        bx_err err = store_events_append(st, id, &b1, 1, &e);
        if (err != BX_INVALID)
            fprintf(stderr, "event case %zu: %s: %s\n", i, bx_err_name(err), e.message);
        CHECK(err == BX_INVALID);
    }
    CHECK(store_events_append(st, "0190a5e2-0000-7000-8000-000000000000", &reuse, 1, &e) ==
          BX_NOTFOUND);
    CHECK(store_events_append(st, "x", &reuse, 1, &e) == BX_INVALID);
    CHECK(store_events_append(st, id, NULL, 1, &e) == BX_INVALID);
    CHECK(store_events_append(st, id, batch, 10001, &e) == BX_TOOBIG);
    CHECK(store_events_list(st, id, 0, STORE_MAX_MESSAGES + 1, &l, &e) == BX_INVALID);
    CHECK(store_events_list(st, "0190a5e2-0000-7000-8000-000000000000", 0, 0, &l, &e) ==
          BX_NOTFOUND);
    CHECK(store_event_last_seq(st, "0190a5e2-0000-7000-8000-000000000000", &last, &e) ==
          BX_NOTFOUND);
    CHECK(store_event_last_seq(st, id, NULL, &e) == BX_INVALID);
    CHECK_EQ_INT(raw_count(t.path, "SELECT count(*) FROM events"), 4);
    /* Seqs are per session. */
    CHECK(store_events_append(st, other, &reuse, 1, &e) == BX_OK);
    /* Forks do not copy events; deleting a session drops them. */
    CHECK(store_session_delete(st, id, &e) == BX_OK);
    CHECK_EQ_INT(raw_count(t.path, "SELECT count(*) FROM events"), 1);
    store_close(st);
    tmpdb_release(&t);
}

/* Random token soup, some of it valid: every input is either stored exactly
 * or refused with PARSE/INVALID/TOOBIG, and the refusals leave no trace. */
TEST(random_json_inputs_are_stored_exactly_or_refused)
{
    tmpdb t;
    tmpdb_init(&t);
    store *st = NULL;
    store_options o = {.sync_normal = true}; /* not a durability test: skip the fsyncs */
    REQUIRE(store_open(t.path, &o, &st, NULL) == BX_OK);
    char id[37];
    REQUIRE(store_session_create(st, NULL, id, NULL) == BX_OK);
    static const char *const toks[] = {"[", "]", "{", "}", "\"type\"", ":", ",", "\"text\"",
                                       "1", "-0.5e3", "null", "true", "\"\\u00e9\"", "\xff",
                                       "\"\\ud800\"", " ", "\"a\\\"b\"", "[{\"type\":\"x\"}"};
    srand(12345);
    char buf[512];
    int stored = 0;
    for (int i = 0; i < 3000; i++) {
        static const char *const values[] = {"1", "null", "true", "-0.5e3", "\"\\u00e9\"",
                                             "\"a\\\"b\"", "[]", "{}", "\"\xc3\xa9\""};
        size_t n = 0;
        int k = 1 + rand() % 12;
        if (i % 3 == 0) {
            /* A valid block list, with noise in half of them. */
            n += (size_t)snprintf(buf, sizeof buf, "[{\"type\":\"text\",\"v\":%s%s}]",
                                  values[rand() % (int)BX_ARRAY_LEN(values)],
                                  rand() % 2 ? toks[rand() % (int)BX_ARRAY_LEN(toks)] : "");
        } else {
            for (int j = 0; j < k; j++)
                n += (size_t)snprintf(buf + n, sizeof buf - n, "%s",
                                      toks[rand() % (int)BX_ARRAY_LEN(toks)]);
        }
        store_message_new m = {.role = "user", .content = buf};
        int64_t seq = -1;
        bx_error e;
        bx_err err = store_message_append(st, id, &m, &seq, &e);
        if (err == BX_OK) {
            stored++;
            CHECK_EQ_INT(seq, stored);
            store_message_list ml;
            REQUIRE(store_messages_get(st, id, seq - 1, 1, &ml, NULL) == BX_OK);
            REQUIRE(ml.len == 1);
            CHECK_EQ_STR(ml.items[0].content, buf);
            store_message_list_release(&ml);
        } else {
            CHECK(err == BX_PARSE || err == BX_INVALID);
            CHECK(e.message[0] != '\0');
            CHECK_EQ_INT(seq, 0);
        }
        /* The same soup as session metadata. */
        store_session_fields f = {.metadata = buf};
        err = store_session_update(st, id, &f, &e);
        CHECK(err == BX_OK || err == BX_PARSE || err == BX_INVALID);
    }
    printf("random inputs: %d of 3000 stored\n", stored);
    CHECK(stored > 10);
    CHECK(stored < 3000);
    CHECK_EQ_INT(raw_count(t.path, "SELECT count(*) FROM messages"), stored);
    CHECK(store_check(st, false, NULL) == BX_OK);
    store_close(st);
    tmpdb_release(&t);
}

/* ----------------------------------------------------------- tool calls */

TEST(tool_calls_lifecycle)
{
    tmpdb t;
    tmpdb_init(&t);
    store *st = open_ok(&t, bx__failed);
    REQUIRE(st);
    char id[37];
    REQUIRE(store_session_create(st, NULL, id, NULL) == BX_OK);
    CHECK(append(st, id, "assistant", "[{\"type\":\"tool_use\"}]") == 1);
    bx_error e;
    store_tool_call_new tc = {.id = "toolu_1", .message_seq = 1, .tool = "read",
                              .input = "{\"file_path\":\"README.md\"}"};
    REQUIRE(store_tool_call_record(st, id, &tc, &e) == BX_OK);
    store_tool_call c;
    REQUIRE(store_tool_call_get(st, id, "toolu_1", &c, &e) == BX_OK);
    CHECK(c.status == STORE_TOOL_PENDING);
    CHECK_EQ_STR(c.session_id, id);
    CHECK_EQ_STR(c.tool, "read");
    CHECK_EQ_STR(c.input, "{\"file_path\":\"README.md\"}");
    CHECK(c.output == NULL);
    CHECK_EQ_INT(c.message_seq, 1);
    CHECK_EQ_INT(c.started_ms, 0);
    store_tool_call_release(&c);

    CHECK(store_tool_call_update(st, id, "toolu_1", STORE_TOOL_RUNNING, NULL, 0, false, &e) ==
          BX_OK);
    REQUIRE(store_tool_call_get(st, id, "toolu_1", &c, &e) == BX_OK);
    CHECK(c.status == STORE_TOOL_RUNNING);
    CHECK(c.started_ms > 0);
    CHECK_EQ_INT(c.ended_ms, 0);
    store_tool_call_release(&c);
    CHECK(store_tool_call_update(st, id, "toolu_1", STORE_TOOL_RUNNING, NULL, 0, false, &e) ==
          BX_INVALID);
    usleep(3000);
    /* Output with an embedded NUL keeps its length. */
    const char out[] = "line\0more";
    CHECK(store_tool_call_update(st, id, "toolu_1", STORE_TOOL_COMPLETED, out, sizeof out - 1,
                                 true, &e) == BX_OK);
    REQUIRE(store_tool_call_get(st, id, "toolu_1", &c, &e) == BX_OK);
    CHECK(c.status == STORE_TOOL_COMPLETED);
    CHECK(c.is_error);
    CHECK_EQ_INT(c.output_len, sizeof out - 1);
    CHECK(c.output && memcmp(c.output, out, sizeof out - 1) == 0);
    CHECK(c.ended_ms >= c.started_ms + 3);
    CHECK_EQ_INT(c.duration_ms, c.ended_ms - c.started_ms);
    store_tool_call_release(&c);

    /* Final is final. */
    CHECK(store_tool_call_update(st, id, "toolu_1", STORE_TOOL_CANCELLED, "x", 0, false, &e) ==
          BX_INVALID);
    CHECK(strstr(e.message, "already completed") != NULL);
    REQUIRE(store_tool_call_get(st, id, "toolu_1", &c, &e) == BX_OK);
    CHECK(c.is_error && c.status == STORE_TOOL_COMPLETED);
    store_tool_call_release(&c);

    /* A call denied straight from pending: no start, duration 0. */
    tc = (store_tool_call_new){.id = "toolu_2", .tool = "bash", .input = "{\"command\":\"rm\"}"};
    REQUIRE(store_tool_call_record(st, id, &tc, &e) == BX_OK);
    CHECK(store_tool_call_update(st, id, "toolu_2", STORE_TOOL_DENIED, NULL, 0, false, &e) ==
          BX_OK);
    /* Recorded already running. */
    tc = (store_tool_call_new){.id = "toolu_3", .tool = "ls", .input = "{}",
                               .status = STORE_TOOL_RUNNING};
    REQUIRE(store_tool_call_record(st, id, &tc, &e) == BX_OK);
    store_tool_call_list l;
    REQUIRE(store_tool_calls_list(st, id, &l, &e) == BX_OK);
    REQUIRE(l.len == 3);
    CHECK_EQ_STR(l.items[0].id, "toolu_1");
    CHECK_EQ_STR(l.items[1].id, "toolu_2");
    CHECK(l.items[1].status == STORE_TOOL_DENIED);
    CHECK_EQ_INT(l.items[1].duration_ms, 0);
    CHECK(l.items[1].ended_ms > 0);
    CHECK_EQ_INT(l.items[1].message_seq, 0);
    CHECK(l.items[2].status == STORE_TOOL_RUNNING && l.items[2].started_ms > 0);
    store_tool_call_list_release(&l);
    store_close(st);
    tmpdb_release(&t);
}

TEST(tool_calls_errors)
{
    tmpdb t;
    tmpdb_init(&t);
    store *st = open_ok(&t, bx__failed);
    REQUIRE(st);
    char id[37];
    REQUIRE(store_session_create(st, NULL, id, NULL) == BX_OK);
    bx_error e;
    store_tool_call_new tc = {.id = "t", .tool = "read", .input = "{}"};
    REQUIRE(store_tool_call_record(st, id, &tc, &e) == BX_OK);
    CHECK(store_tool_call_record(st, id, &tc, &e) == BX_EXISTS);
    store_tool_call_new bad = tc;
    bad.id = "u";
    bad.input = "{\"a\":";
    CHECK(store_tool_call_record(st, id, &bad, &e) == BX_PARSE);
    CHECK(strstr(e.message, "tool call input") != NULL);
    bad.input = "[]";
    CHECK(store_tool_call_record(st, id, &bad, &e) == BX_INVALID);
    bad.input = "{}";
    bad.message_seq = 5;
    CHECK(store_tool_call_record(st, id, &bad, &e) == BX_NOTFOUND);
    CHECK(strstr(e.message, "no message 5") != NULL);
    bad.message_seq = -1;
    CHECK(store_tool_call_record(st, id, &bad, &e) == BX_INVALID);
    bad.message_seq = 0;
    bad.status = STORE_TOOL_COMPLETED;
    CHECK(store_tool_call_record(st, id, &bad, &e) == BX_INVALID);
    bad.status = STORE_TOOL_PENDING;
    bad.tool = "";
    CHECK(store_tool_call_record(st, id, &bad, &e) == BX_INVALID);
    bad.tool = "read";
    bad.id = NULL;
    CHECK(store_tool_call_record(st, id, &bad, &e) == BX_INVALID);
    bad.id = "u";
    CHECK(store_tool_call_record(st, "0190a5e2-0000-7000-8000-000000000000", &bad, &e) ==
          BX_NOTFOUND);
    CHECK(store_tool_call_record(st, id, NULL, &e) == BX_INVALID);

    CHECK(store_tool_call_update(st, id, "nope", STORE_TOOL_RUNNING, NULL, 0, false, &e) ==
          BX_NOTFOUND);
    CHECK(store_tool_call_update(st, id, "t", STORE_TOOL_PENDING, NULL, 0, false, &e) ==
          BX_INVALID);
    CHECK(store_tool_call_update(st, id, "t", (store_tool_status)42, NULL, 0, false, &e) ==
          BX_INVALID);
    CHECK(store_tool_call_update(st, id, "t", STORE_TOOL_RUNNING, "out", 0, false, &e) ==
          BX_INVALID);
    CHECK(store_tool_call_update(st, id, "t", STORE_TOOL_COMPLETED, "x",
                                 (size_t)STORE_MAX_TEXT + 1, false, &e) == BX_TOOBIG);
    store_tool_call c;
    CHECK(store_tool_call_get(st, id, "nope", &c, &e) == BX_NOTFOUND);
    CHECK(store_tool_call_get(st, id, "", &c, &e) == BX_INVALID);
    store_tool_call_list l;
    CHECK(store_tool_calls_list(st, "bad", &l, &e) == BX_INVALID);
    REQUIRE(store_tool_call_get(st, id, "t", &c, &e) == BX_OK);
    CHECK(c.status == STORE_TOOL_PENDING);
    store_tool_call_release(&c);
    CHECK_EQ_INT(raw_count(t.path, "SELECT count(*) FROM tool_calls"), 1);

    /* Names round-trip. */
    for (int i = 0; i < STORE__TOOL_STATUS_COUNT; i++) {
        store_tool_status s;
        CHECK(store_tool_status_parse(store_tool_status_name((store_tool_status)i), &s));
        CHECK_EQ_INT(s, i);
    }
    CHECK(store_tool_status_name(STORE__TOOL_STATUS_COUNT) == NULL);
    CHECK(!store_tool_status_parse("done", NULL));
    CHECK(!store_tool_status_parse(NULL, NULL));
    store_close(st);
    tmpdb_release(&t);
}

/* ---------------------------------------------------------------- usage */

#define DAY_MS 86400000LL
#define T0 1764115200000LL /* 2025-11-26T00:00:00Z */

TEST(usage_record_and_aggregate)
{
    tmpdb t;
    tmpdb_init(&t);
    store *st = open_ok(&t, bx__failed);
    REQUIRE(st);
    char s1[37], s2[37];
    REQUIRE(store_session_create(st, NULL, s1, NULL) == BX_OK);
    REQUIRE(store_session_create(st, NULL, s2, NULL) == BX_OK);
    struct {
        const char *sid, *provider, *model;
        int64_t in, out, cr, cw;
        double cost;
        int64_t at;
    } rows[] = {
        {s1, "anthropic", "claude", 100, 10, 5, 1, 0.25, T0 + 1000},
        {s1, "anthropic", "claude", 200, 20, 0, 0, 0.50, T0 + DAY_MS - 1},
        {s2, "openai", "gpt", 50, 5, 0, 0, 0.125, T0 + DAY_MS},
        {NULL, "openai", "gpt", 1, 1, 0, 0, 0.0, T0 + 2 * DAY_MS + 5},
    };
    bx_error e;
    int64_t last = 0;
    for (size_t i = 0; i < BX_ARRAY_LEN(rows); i++) {
        store_usage_new u = {rows[i].sid, rows[i].provider, rows[i].model, rows[i].in,
                             rows[i].out, rows[i].cr, rows[i].cw, rows[i].cost, rows[i].at};
        int64_t uid = 0;
        REQUIRE(store_usage_record(st, &u, &uid, &e) == BX_OK);
        CHECK(uid > last);
        last = uid;
    }
    store_usage_query q = {.group = STORE_USAGE_BY_DAY};
    store_usage_list l;
    REQUIRE(store_usage_aggregate(st, &q, &l, &e) == BX_OK);
    REQUIRE(l.len == 3);
    CHECK_EQ_STR(l.items[0].key, "2025-11-26");
    CHECK_EQ_INT(l.items[0].requests, 2);
    CHECK_EQ_INT(l.items[0].input_tokens, 300);
    CHECK_EQ_INT(l.items[0].output_tokens, 30);
    CHECK_EQ_INT(l.items[0].cache_read_tokens, 5);
    CHECK_EQ_INT(l.items[0].cache_write_tokens, 1);
    CHECK(fabs(l.items[0].cost_usd - 0.75) < 1e-9);
    CHECK_EQ_STR(l.items[1].key, "2025-11-27");
    CHECK_EQ_STR(l.items[2].key, "2025-11-28");
    store_usage_list_release(&l);

    q = (store_usage_query){.group = STORE_USAGE_BY_MODEL};
    REQUIRE(store_usage_aggregate(st, &q, &l, &e) == BX_OK);
    REQUIRE(l.len == 2);
    CHECK_EQ_STR(l.items[0].key, "anthropic/claude");
    CHECK_EQ_INT(l.items[0].requests, 2);
    CHECK_EQ_STR(l.items[1].key, "openai/gpt");
    CHECK_EQ_INT(l.items[1].input_tokens, 51);
    store_usage_list_release(&l);

    q = (store_usage_query){.group = STORE_USAGE_BY_SESSION};
    REQUIRE(store_usage_aggregate(st, &q, &l, &e) == BX_OK);
    REQUIRE(l.len == 3);
    CHECK_EQ_STR(l.items[0].key, ""); /* no session */
    store_usage_list_release(&l);

    /* Range [T0 + 1 day, T0 + 2 days) and one session. */
    q = (store_usage_query){.group = STORE_USAGE_BY_MODEL, .from_ms = T0 + DAY_MS,
                            .to_ms = T0 + 2 * DAY_MS};
    REQUIRE(store_usage_aggregate(st, &q, &l, &e) == BX_OK);
    REQUIRE(l.len == 1);
    CHECK_EQ_STR(l.items[0].key, "openai/gpt");
    CHECK_EQ_INT(l.items[0].requests, 1);
    store_usage_list_release(&l);
    q = (store_usage_query){.group = STORE_USAGE_BY_DAY, .session_id = s1};
    REQUIRE(store_usage_aggregate(st, &q, &l, &e) == BX_OK);
    REQUIRE(l.len == 1);
    CHECK_EQ_INT(l.items[0].input_tokens, 300);
    store_usage_list_release(&l);
    q = (store_usage_query){.group = STORE_USAGE_BY_DAY, .from_ms = T0 + 10 * DAY_MS};
    REQUIRE(store_usage_aggregate(st, &q, &l, &e) == BX_OK);
    CHECK_EQ_INT(l.len, 0);
    store_usage_list_release(&l);

    /* Errors. */
    q = (store_usage_query){.group = (store_usage_group)9};
    CHECK(store_usage_aggregate(st, &q, &l, &e) == BX_INVALID);
    q = (store_usage_query){.from_ms = 10, .to_ms = 5};
    CHECK(store_usage_aggregate(st, &q, &l, &e) == BX_INVALID);
    q = (store_usage_query){.session_id = "x"};
    CHECK(store_usage_aggregate(st, &q, &l, &e) == BX_INVALID);
    CHECK(store_usage_aggregate(st, NULL, &l, &e) == BX_INVALID);
    store_usage_new u = {.provider = "p", .model = "m"};
    u.input_tokens = -1;
    CHECK(store_usage_record(st, &u, NULL, &e) == BX_INVALID);
    u.input_tokens = 0;
    u.cost_usd = NAN;
    CHECK(store_usage_record(st, &u, NULL, &e) == BX_INVALID);
    u.cost_usd = INFINITY;
    CHECK(store_usage_record(st, &u, NULL, &e) == BX_INVALID);
    u.cost_usd = -0.1;
    CHECK(store_usage_record(st, &u, NULL, &e) == BX_INVALID);
    u.cost_usd = 0;
    u.provider = "";
    CHECK(store_usage_record(st, &u, NULL, &e) == BX_INVALID);
    u.provider = "p";
    u.model = NULL;
    CHECK(store_usage_record(st, &u, NULL, &e) == BX_INVALID);
    u.model = "m";
    u.session_id = "0190a5e2-0000-7000-8000-000000000000";
    CHECK(store_usage_record(st, &u, NULL, &e) == BX_NOTFOUND);
    u.session_id = NULL;
    u.at_ms = -5;
    CHECK(store_usage_record(st, &u, NULL, &e) == BX_INVALID);
    CHECK(store_usage_record(st, NULL, NULL, &e) == BX_INVALID);
    CHECK_EQ_INT(raw_count(t.path, "SELECT count(*) FROM usage"), 4);
    u.at_ms = 0; /* now */
    CHECK(store_usage_record(st, &u, NULL, &e) == BX_OK);
    CHECK(raw_count(t.path, "SELECT max(at) FROM usage") >= bx_wall_ms() - 60000);
    store_close(st);
    tmpdb_release(&t);
}

/* ---------------------------------------------------------------- audit */

TEST(audit_append_list_and_immutability)
{
    tmpdb t;
    tmpdb_init(&t);
    store *st = open_ok(&t, bx__failed);
    REQUIRE(st);
    char sid[37];
    REQUIRE(store_session_create(st, NULL, sid, NULL) == BX_OK);
    bx_error e;
    const char *input = "{\"command\":\"ls\"}";
    int64_t ids[5];
    for (int i = 0; i < 5; i++) {
        store_audit_new a = {.session_id = i < 3 ? sid : NULL, .tool_call_id = "tc",
                             .tool = "bash", .input = input, .input_len = strlen(input),
                             .decision = (store_decision)(i % STORE__DECISION_COUNT),
                             .outcome = (store_outcome)(i % STORE__OUTCOME_COUNT),
                             .duration_ms = i * 10};
        REQUIRE(store_audit_append(st, &a, &ids[i], &e) == BX_OK);
        CHECK(i == 0 || ids[i] > ids[i - 1]);
    }
    char want[65];
    bx_sha256_hex(input, strlen(input), want);
    store_audit_list l;
    REQUIRE(store_audit_entries_list(st, NULL, 0, 0, &l, &e) == BX_OK);
    REQUIRE(l.len == 5);
    CHECK_EQ_INT(l.items[0].id, ids[4]); /* newest first */
    CHECK_EQ_STR(l.items[0].input_sha256, want);
    CHECK_EQ_STR(l.items[0].session_id, "");
    CHECK_EQ_STR(l.items[4].session_id, sid);
    CHECK_EQ_STR(l.items[4].tool, "bash");
    CHECK_EQ_STR(l.items[4].tool_call_id, "tc");
    CHECK(l.items[3].decision == STORE_DECISION_APPROVED);
    CHECK(l.items[3].outcome == STORE_OUTCOME_ERROR);
    CHECK_EQ_INT(l.items[3].duration_ms, 10);
    CHECK(l.items[0].at_ms > 0);
    store_audit_list_release(&l);
    /* Paging and the session filter. */
    REQUIRE(store_audit_entries_list(st, NULL, ids[3], 2, &l, &e) == BX_OK);
    REQUIRE(l.len == 2);
    CHECK_EQ_INT(l.items[0].id, ids[2]);
    CHECK_EQ_INT(l.items[1].id, ids[1]);
    store_audit_list_release(&l);
    REQUIRE(store_audit_entries_list(st, sid, 0, 0, &l, &e) == BX_OK);
    CHECK_EQ_INT(l.len, 3);
    store_audit_list_release(&l);

    /* Digest of empty input; entries do not need a session. */
    store_audit_new a = {.tool = "read"};
    REQUIRE(store_audit_append(st, &a, NULL, &e) == BX_OK);
    REQUIRE(store_audit_entries_list(st, NULL, 0, 1, &l, &e) == BX_OK);
    REQUIRE(l.len == 1);
    CHECK_EQ_STR(l.items[0].input_sha256,
                 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    store_audit_list_release(&l);

    /* Errors. */
    a = (store_audit_new){.tool = "read", .decision = STORE__DECISION_COUNT};
    CHECK(store_audit_append(st, &a, NULL, &e) == BX_INVALID);
    a = (store_audit_new){.tool = "read", .outcome = (store_outcome)-1};
    CHECK(store_audit_append(st, &a, NULL, &e) == BX_INVALID);
    a = (store_audit_new){.tool = ""};
    CHECK(store_audit_append(st, &a, NULL, &e) == BX_INVALID);
    a = (store_audit_new){.tool = "read", .duration_ms = -1};
    CHECK(store_audit_append(st, &a, NULL, &e) == BX_INVALID);
    a = (store_audit_new){.tool = "read", .input_len = 4};
    CHECK(store_audit_append(st, &a, NULL, &e) == BX_INVALID);
    a = (store_audit_new){.tool = "read", .session_id = "zzz"};
    CHECK(store_audit_append(st, &a, NULL, &e) == BX_INVALID);
    CHECK(store_audit_append(st, NULL, NULL, &e) == BX_INVALID);
    CHECK(store_audit_entries_list(st, NULL, -1, 0, &l, &e) == BX_INVALID);
    CHECK(store_audit_entries_list(st, NULL, 0, STORE_MAX_PAGE + 1, &l, &e) == BX_INVALID);
    CHECK(store_audit_entries_list(st, "x", 0, 0, &l, &e) == BX_INVALID);

    /* Append-only, enforced by the schema. */
    CHECK(raw_exec(t.path, "UPDATE audit_log SET tool = 'x'") == SQLITE_CONSTRAINT);
    CHECK(raw_exec(t.path, "DELETE FROM audit_log") == SQLITE_CONSTRAINT);
    CHECK_EQ_INT(raw_count(t.path, "SELECT count(*) FROM audit_log WHERE tool = 'bash'"), 5);

    for (int i = 0; i < STORE__DECISION_COUNT; i++) {
        store_decision d;
        CHECK(store_decision_parse(store_decision_name((store_decision)i), &d) && (int)d == i);
    }
    for (int i = 0; i < STORE__OUTCOME_COUNT; i++) {
        store_outcome o;
        CHECK(store_outcome_parse(store_outcome_name((store_outcome)i), &o) && (int)o == i);
    }
    CHECK(!store_decision_parse("maybe", NULL));
    CHECK(!store_outcome_parse("", NULL));
    CHECK(store_decision_name(STORE__DECISION_COUNT) == NULL);
    CHECK(store_outcome_name(STORE__OUTCOME_COUNT) == NULL);
    store_close(st);
    tmpdb_release(&t);
}

/* ----------------------------------------------------------------- cron */

TEST(cron_jobs_and_runs)
{
    tmpdb t;
    tmpdb_init(&t);
    store *st = open_ok(&t, bx__failed);
    REQUIRE(st);
    bx_error e;
    store_cron_job_fields f = {.name = "nightly", .schedule = "0 3 * * *",
                               .prompt = "run the tests", .agent = "build", .enabled = true,
                               .next_run_ms = T0};
    char jid[37], jid2[37];
    REQUIRE(store_cron_job_create(st, &f, jid, &e) == BX_OK);
    store_cron_job_fields f2 = {.name = "another", .schedule = "@hourly", .prompt = "p"};
    REQUIRE(store_cron_job_create(st, &f2, jid2, &e) == BX_OK);
    CHECK(store_cron_job_create(st, &f, jid2, &e) == BX_EXISTS); /* name taken */
    CHECK(strstr(e.message, "already exists") != NULL);

    store_cron_job j;
    REQUIRE(store_cron_job_get(st, jid, &j, &e) == BX_OK);
    CHECK_EQ_STR(j.name, "nightly");
    CHECK_EQ_STR(j.schedule, "0 3 * * *");
    CHECK_EQ_STR(j.prompt, "run the tests");
    CHECK_EQ_STR(j.agent, "build");
    CHECK_EQ_STR(j.model, "");
    CHECK(j.enabled);
    CHECK_EQ_INT(j.next_run_ms, T0);
    CHECK_EQ_INT(j.last_run_ms, 0);
    CHECK(j.created_ms > 0);
    store_cron_job_release(&j);

    store_cron_job_list jl;
    REQUIRE(store_cron_jobs_list(st, &jl, &e) == BX_OK);
    REQUIRE(jl.len == 2);
    CHECK_EQ_STR(jl.items[0].name, "another"); /* by name */
    CHECK(!jl.items[0].enabled);
    CHECK_EQ_INT(jl.items[0].next_run_ms, 0);
    store_cron_job_list_release(&jl);

    /* Due: enabled with next_run <= now, soonest first. */
    store_cron_job_fields f3 = {.name = "soon", .schedule = "@daily", .prompt = "p",
                                .enabled = true, .next_run_ms = T0 - 5};
    char jid3[37];
    REQUIRE(store_cron_job_create(st, &f3, jid3, &e) == BX_OK);
    REQUIRE(store_cron_jobs_due(st, T0 - 6, &jl, &e) == BX_OK);
    CHECK_EQ_INT(jl.len, 0);
    store_cron_job_list_release(&jl);
    REQUIRE(store_cron_jobs_due(st, T0, &jl, &e) == BX_OK);
    REQUIRE(jl.len == 2);
    CHECK_EQ_STR(jl.items[0].id, jid3);
    CHECK_EQ_STR(jl.items[1].id, jid);
    store_cron_job_list_release(&jl);
    CHECK(store_cron_jobs_due(st, -1, &jl, &e) == BX_INVALID);
    CHECK(store_cron_jobs_due(st, 0, NULL, &e) == BX_INVALID);
    CHECK(store_cron_job_delete(st, jid3, &e) == BX_OK);

    f.schedule = "0 4 * * *";
    f.enabled = false;
    f.model = "openai/gpt";
    CHECK(store_cron_job_update(st, jid, &f, &e) == BX_OK);
    CHECK(store_cron_job_set_next_run(st, jid, T0 + DAY_MS, &e) == BX_OK);
    REQUIRE(store_cron_job_get(st, jid, &j, &e) == BX_OK);
    CHECK_EQ_STR(j.schedule, "0 4 * * *");
    CHECK_EQ_STR(j.model, "openai/gpt");
    CHECK(!j.enabled);
    CHECK_EQ_INT(j.next_run_ms, T0 + DAY_MS);
    store_cron_job_release(&j);
    /* Disabled jobs are never due. */
    REQUIRE(store_cron_jobs_due(st, T0 + 2 * DAY_MS, &jl, &e) == BX_OK);
    CHECK_EQ_INT(jl.len, 0);
    store_cron_job_list_release(&jl);
    CHECK(store_cron_job_set_next_run(st, jid, 0, &e) == BX_OK);
    REQUIRE(store_cron_job_get(st, jid, &j, &e) == BX_OK);
    CHECK_EQ_INT(j.next_run_ms, 0);
    store_cron_job_release(&j);

    /* Runs. */
    char sid[37], r1[37], r2[37];
    REQUIRE(store_session_create(st, NULL, sid, NULL) == BX_OK);
    REQUIRE(store_cron_run_start(st, jid, sid, r1, &e) == BX_OK);
    usleep(2000);
    REQUIRE(store_cron_run_start(st, jid, NULL, r2, &e) == BX_OK);
    REQUIRE(store_cron_job_get(st, jid, &j, &e) == BX_OK);
    CHECK(j.last_run_ms > 0);
    store_cron_job_release(&j);
    CHECK(store_cron_run_finish(st, r1, STORE_RUN_SUCCEEDED, NULL, &e) == BX_OK);
    CHECK(store_cron_run_finish(st, r1, STORE_RUN_FAILED, "late", &e) == BX_INVALID);
    CHECK(strstr(e.message, "already finished") != NULL);
    CHECK(store_cron_run_finish(st, r2, STORE_RUN_RUNNING, NULL, &e) == BX_INVALID);
    CHECK(store_cron_run_finish(st, r2, STORE_RUN_FAILED, "model timed out", &e) == BX_OK);
    store_cron_run_list rl;
    REQUIRE(store_cron_runs_list(st, jid, 0, &rl, &e) == BX_OK);
    REQUIRE(rl.len == 2);
    CHECK_EQ_STR(rl.items[0].id, r2); /* newest first */
    CHECK(rl.items[0].status == STORE_RUN_FAILED);
    CHECK_EQ_STR(rl.items[0].error, "model timed out");
    CHECK_EQ_STR(rl.items[0].session_id, "");
    CHECK_EQ_STR(rl.items[1].session_id, sid);
    CHECK(rl.items[1].status == STORE_RUN_SUCCEEDED);
    CHECK_EQ_STR(rl.items[1].error, "");
    CHECK(rl.items[1].ended_ms >= rl.items[1].started_ms);
    CHECK_EQ_STR(rl.items[1].job_id, jid);
    store_cron_run_list_release(&rl);
    REQUIRE(store_cron_runs_list(st, jid, 1, &rl, &e) == BX_OK);
    CHECK_EQ_INT(rl.len, 1);
    store_cron_run_list_release(&rl);

    /* Errors. */
    const char *nid = "0190a5e2-0000-7000-8000-000000000000";
    CHECK(store_cron_job_get(st, nid, &j, &e) == BX_NOTFOUND);
    CHECK(store_cron_job_update(st, nid, &f, &e) == BX_NOTFOUND);
    CHECK(store_cron_job_set_next_run(st, nid, 1, &e) == BX_NOTFOUND);
    CHECK(store_cron_job_set_next_run(st, jid, -1, &e) == BX_INVALID);
    CHECK(store_cron_job_delete(st, nid, &e) == BX_NOTFOUND);
    char rid[37];
    CHECK(store_cron_run_start(st, nid, NULL, rid, &e) == BX_NOTFOUND);
    CHECK(store_cron_run_start(st, jid, "bad", rid, &e) == BX_INVALID);
    CHECK(store_cron_run_start(st, jid, nid, rid, &e) == BX_NOTFOUND); /* no such session */
    CHECK(store_cron_run_finish(st, nid, STORE_RUN_FAILED, NULL, &e) == BX_NOTFOUND);
    CHECK(store_cron_runs_list(st, jid, STORE_MAX_PAGE + 1, &rl, &e) == BX_INVALID);
    store_cron_job_fields badf = f;
    badf.name = "";
    CHECK(store_cron_job_create(st, &badf, rid, &e) == BX_INVALID);
    badf = f;
    badf.schedule = NULL;
    CHECK(store_cron_job_create(st, &badf, rid, &e) == BX_INVALID);
    badf = f;
    badf.prompt = "\xfe";
    CHECK(store_cron_job_update(st, jid, &badf, &e) == BX_INVALID);
    badf = f;
    badf.name = "another"; /* rename onto a taken name */
    CHECK(store_cron_job_update(st, jid, &badf, &e) == BX_EXISTS);
    CHECK(store_cron_job_create(st, NULL, rid, &e) == BX_INVALID);
    REQUIRE(store_cron_job_get(st, jid, &j, &e) == BX_OK);
    CHECK_EQ_STR(j.name, "nightly");
    store_cron_job_release(&j);

    /* Delete takes the runs along; the session stays. */
    CHECK(store_cron_job_delete(st, jid, &e) == BX_OK);
    CHECK_EQ_INT(raw_count(t.path, "SELECT count(*) FROM cron_runs"), 0);
    CHECK_EQ_INT(raw_count(t.path, "SELECT count(*) FROM cron_jobs"), 1);
    store_session s;
    CHECK(store_session_get(st, sid, &s, &e) == BX_OK);
    store_session_release(&s);

    for (int i = 0; i < STORE__RUN_STATUS_COUNT; i++) {
        store_run_status rs;
        CHECK(store_run_status_parse(store_run_status_name((store_run_status)i), &rs) && (int)rs == i);
    }
    CHECK(store_run_status_name(STORE__RUN_STATUS_COUNT) == NULL);
    CHECK(!store_run_status_parse("done", NULL));
    store_close(st);
    tmpdb_release(&t);
}

/* ------------------------------------------------------------ threads */

typedef struct worker {
    store *st;
    int failures;
    char sid[37];
} worker;

#define WORKER_MESSAGES 40

static void *worker_main(void *arg)
{
    worker *w = arg;
    bx_error e;
    if (store_session_create(w->st, NULL, w->sid, &e) != BX_OK) {
        w->failures++;
        return NULL;
    }
    for (int i = 0; i < WORKER_MESSAGES; i++) {
        if (append(w->st, w->sid, i % 2 ? "assistant" : "user", BLOCKS) != i + 1)
            w->failures++;
        store_usage_new u = {.session_id = w->sid, .provider = "p", .model = "m",
                             .input_tokens = 1};
        if (store_usage_record(w->st, &u, NULL, &e) != BX_OK)
            w->failures++;
        store_message_list ml;
        if (store_messages_get(w->st, w->sid, 0, 0, &ml, &e) != BX_OK ||
            ml.len != (size_t)i + 1)
            w->failures++;
        store_message_list_release(&ml);
        store_session_list sl;
        if (store_sessions_list(w->st, 5, NULL, &sl, &e) != BX_OK)
            w->failures++;
        store_session_list_release(&sl);
    }
    return NULL;
}

static void run_threads(store_options o, int *bx__failed)
{
    tmpdb t;
    tmpdb_init(&t);
    store *st = NULL;
    REQUIRE(store_open(t.path, &o, &st, NULL) == BX_OK);
    worker w[8];
    pthread_t th[8];
    for (int i = 0; i < 8; i++) {
        w[i] = (worker){.st = st};
        REQUIRE(pthread_create(&th[i], NULL, worker_main, &w[i]) == 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        CHECK_EQ_INT(w[i].failures, 0);
    }
    CHECK_EQ_INT(raw_count(t.path, "SELECT count(*) FROM messages"), 8 * WORKER_MESSAGES);
    CHECK_EQ_INT(raw_count(t.path, "SELECT count(*) FROM usage"), 8 * WORKER_MESSAGES);
    store_usage_query q = {.group = STORE_USAGE_BY_SESSION};
    store_usage_list l;
    REQUIRE(store_usage_aggregate(st, &q, &l, NULL) == BX_OK);
    CHECK_EQ_INT(l.len, 8);
    for (size_t i = 0; i < l.len; i++)
        CHECK_EQ_INT(l.items[i].input_tokens, WORKER_MESSAGES);
    store_usage_list_release(&l);
    CHECK(store_check(st, false, NULL) == BX_OK);
    store_close(st);
    tmpdb_release(&t);
}

TEST(threads_share_one_handle)
{
    run_threads((store_options){.pool_size = 3}, bx__failed);
}

/* One connection for eight threads: every call queues, none deadlocks. */
TEST(threads_share_a_pool_of_one)
{
    run_threads((store_options){.pool_size = 1, .sync_normal = true}, bx__failed);
}

typedef struct opener {
    const char *path;
    bx_err err;
} opener;

static void *opener_main(void *arg)
{
    opener *o = arg;
    store *st = NULL;
    bx_error e;
    o->err = store_open(o->path, NULL, &st, &e);
    if (o->err)
        fprintf(stderr, "concurrent open: %s\n", e.message);
    else
        store_close(st);
    return NULL;
}

TEST(concurrent_first_opens_migrate_once)
{
    tmpdb t;
    tmpdb_init(&t);
    opener o[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        o[i] = (opener){.path = t.path};
        REQUIRE(pthread_create(&th[i], NULL, opener_main, &o[i]) == 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK(o[i].err == BX_OK);
    }
    CHECK_EQ_INT(raw_count(t.path, "PRAGMA user_version"), store_schema_version());
    store *st = open_ok(&t, bx__failed);
    REQUIRE(st);
    CHECK(store_check(st, false, NULL) == BX_OK);
    store_close(st);
    tmpdb_release(&t);
}

TEST(two_handles_see_each_other)
{
    tmpdb t;
    tmpdb_init(&t);
    store *a = open_ok(&t, bx__failed);
    store *b = open_ok(&t, bx__failed);
    REQUIRE(a && b);
    char id[37];
    REQUIRE(store_session_create(a, NULL, id, NULL) == BX_OK);
    CHECK(append(b, id, "user", BLOCKS) == 1);
    CHECK(append(a, id, "assistant", BLOCKS) == 2);
    store_message_list ml;
    REQUIRE(store_messages_get(b, id, 0, 0, &ml, NULL) == BX_OK);
    CHECK_EQ_INT(ml.len, 2);
    store_message_list_release(&ml);
    store_close(a);
    store_close(b);
    tmpdb_release(&t);
}

TEST_MAIN()
