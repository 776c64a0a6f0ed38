/* db.c: opening the database, the connection pool, the statement cache,
 * transactions, error mapping and input validation.
 *
 * Every connection is set up the same way: WAL, synchronous=FULL (so an
 * acknowledged commit survives power loss, not only a crash), foreign keys
 * on, a busy timeout, defensive mode. A call borrows one connection from
 * the pool and gives it back; writers also take write_mu so in-process
 * writers queue on a mutex instead of SQLite's sleeping busy handler.
 */
#include <string.h>
#include <time.h>

#include "json/json.h"
#include "store/store_int.h"

#define DEFAULT_POOL 4
#define MAX_POOL 64
#define DEFAULT_BUSY_MS 5000

static const char *const stmt_sql[] = {
#define X(name, sql) sql,
    STORE_STMTS(X)
#undef X
};

/* ------------------------------------------------------------ errors */

bx_err store__fail(store *st, store_conn *c, int rc, const char *what, bx_error *out_error)
{
    const char *path = st ? st->path : "store";
    const char *msg = (c && c->db) ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc);
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return bx_error_set(out_error, BX_BUSY, -1,
                            "%s: %s: database is locked by another connection or process "
                            "(waited %d ms): %s",
                            path, what, st ? st->busy_timeout_ms : 0, msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return bx_error_set(out_error, BX_STORE, -1,
                            "%s: %s: the database file is corrupt or not a SQLite database: %s",
                            path, what, msg);
    case SQLITE_CONSTRAINT:
        if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
            return bx_error_set(out_error, BX_EXISTS, -1, "%s: already exists (%s)", what, msg);
        if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
            return bx_error_set(out_error, BX_NOTFOUND, -1,
                                "%s: refers to a row that does not exist (%s)", what, msg);
        return bx_error_set(out_error, BX_INVALID, -1, "%s: rejected by the schema (%s)", what,
                            msg);
    case SQLITE_NOMEM:
        return bx_error_set(out_error, BX_NOMEM, -1, "%s: %s", what, msg);
    case SQLITE_TOOBIG:
        return bx_error_set(out_error, BX_TOOBIG, -1, "%s: %s", what, msg);
    case SQLITE_FULL:
        return bx_error_set(out_error, BX_IO, -1, "%s: %s: disk full: %s", path, what, msg);
    case SQLITE_IOERR:
        return bx_error_set(out_error, BX_IO, -1, "%s: %s: I/O error: %s", path, what, msg);
    case SQLITE_CANTOPEN:
        return bx_error_set(out_error, BX_IO, -1, "%s: %s: cannot open the database file: %s",
                            path, what, msg);
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
        return bx_error_set(out_error, BX_DENIED, -1, "%s: %s: %s", path, what, msg);
    default:
        return bx_error_set(out_error, BX_STORE, -1, "%s: %s: %s (%s)", path, what, msg,
                            sqlite3_errstr(rc));
    }
}

/* --------------------------------------------------------- connections */

/* Runs a PRAGMA, retrying SQLITE_BUSY until the busy timeout. Changing the
 * journal mode of a fresh file needs an exclusive lock, and when two
 * connections both hold SHARED and both want it SQLite reports BUSY at once
 * instead of calling the busy handler (it would deadlock); so wait here. */
static bx_err conn_pragma(store *st, store_conn *c, const char *sql, const char *expect,
                          bx_error *out_error)
{
    uint64_t deadline = bx_mono_ns() + (uint64_t)st->busy_timeout_ms * 1000000u;
    sqlite3_stmt *s = NULL;
    int rc;
    for (;;) {
        rc = sqlite3_prepare_v2(c->db, sql, -1, &s, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(s);
        if ((rc & 0xff) != SQLITE_BUSY || bx_mono_ns() >= deadline)
            break;
        sqlite3_finalize(s);
        s = NULL;
        nanosleep(&(struct timespec){0, 2000000}, NULL);
    }
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        if (expect) {
            const char *got = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(s, 0) : NULL;
            if (!got || strcmp(got, expect) != 0) {
                bx_err err = bx_error_set(out_error, BX_STORE, -1,
                                          "%s: %s gave \"%s\", wanted \"%s\"", st->path, sql,
                                          got ? got : "", expect);
                sqlite3_finalize(s);
                return err;
            }
        }
        rc = SQLITE_OK;
    }
    if (rc != SQLITE_OK) {
        bx_err err = store__fail(st, c, rc, sql, out_error);
        sqlite3_finalize(s);
        return err;
    }
    sqlite3_finalize(s);
    return BX_OK;
}

static bx_err conn_open(store *st, store_conn *c, bool first, bool sync_normal,
                        bx_error *out_error)
{
    /* NOMUTEX: the pool guarantees one thread per connection at a time. */
    int rc = sqlite3_open_v2(st->path, &c->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             NULL);
    if (rc != SQLITE_OK)
        return store__fail(st, c, rc, "open", out_error);
    sqlite3_extended_result_codes(c->db, 1);
    sqlite3_busy_timeout(c->db, st->busy_timeout_ms);
    sqlite3_limit(c->db, SQLITE_LIMIT_LENGTH, (int)STORE_MAX_TEXT + 4096);
    sqlite3_db_config(c->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
    sqlite3_db_config(c->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);

    bx_err err = BX_OK;
    /* WAL is a property of the file; setting it once is enough, but the
     * first connection also proves the file is a database at all. */
    if (first)
        err = conn_pragma(st, c, "PRAGMA journal_mode = WAL", "wal", out_error);
    if (!err)
        err = conn_pragma(st, c, sync_normal ? "PRAGMA synchronous = NORMAL"
                                             : "PRAGMA synchronous = FULL",
                          NULL, out_error);
    /* After a burst the WAL is cut back to this size at checkpoints. */
    if (!err)
        err = conn_pragma(st, c, "PRAGMA journal_size_limit = 67108864", NULL, out_error);
    if (!err)
        err = conn_pragma(st, c, "PRAGMA foreign_keys = ON", NULL, out_error);
    if (!err)
        err = conn_pragma(st, c, "PRAGMA foreign_keys", "1", out_error);
    return err;
}

static void conn_close(store_conn *c)
{
    for (int i = 0; i < STMT__COUNT; i++) {
        sqlite3_finalize(c->stmts[i]);
        c->stmts[i] = NULL;
    }
    if (c->db)
        sqlite3_close_v2(c->db);
    c->db = NULL;
}

int store_schema_version(void)
{
    return store__schema_version();
}

bx_err store_open(const char *path, const store_options *opts, store **out_store,
                  bx_error *out_error)
{
    bx_error_clear(out_error);
    if (!out_store)
        return bx_error_set(out_error, BX_INVALID, -1, "store_open: out_store is NULL");
    *out_store = NULL;
    if (!path || !*path)
        return bx_error_set(out_error, BX_INVALID, -1, "store_open: empty path");
    if (!sqlite3_threadsafe())
        return bx_error_set(out_error, BX_UNSUPPORTED, -1,
                            "store_open: SQLite was built without thread support");
    store_options o = opts ? *opts : (store_options){0};
    if (o.pool_size < 0 || o.pool_size > MAX_POOL || o.busy_timeout_ms < 0)
        return bx_error_set(out_error, BX_INVALID, -1,
                            "store_open: pool_size must be 0..%d and busy_timeout_ms >= 0",
                            MAX_POOL);

    store *st = bx_calloc(1, sizeof *st);
    st->path = bx_strdup(path);
    st->busy_timeout_ms = o.busy_timeout_ms ? o.busy_timeout_ms : DEFAULT_BUSY_MS;
    st->nconn = o.pool_size ? o.pool_size : DEFAULT_POOL;
    st->conns = bx_calloc((size_t)st->nconn, sizeof *st->conns);
    pthread_mutex_init(&st->mu, NULL);
    pthread_cond_init(&st->cv, NULL);
    pthread_mutex_init(&st->write_mu, NULL);

    bx_err err = BX_OK;
    for (int i = 0; i < st->nconn && !err; i++)
        err = conn_open(st, &st->conns[i], i == 0, o.sync_normal, out_error);
    if (!err)
        err = store__migrate(st, &st->conns[0], out_error);
    if (err) {
        store_close(st);
        return err;
    }
    st->ready = true;
    *out_store = st;
    return BX_OK;
}

void store_close(store *st)
{
    if (!st)
        return;
    /* SQLite's advice for long-lived connections: refresh planner
     * statistics where they are stale, cheaply, at close. */
    if (st->ready)
        sqlite3_exec(st->conns[0].db, "PRAGMA optimize", NULL, NULL, NULL);
    for (int i = 0; i < st->nconn; i++)
        conn_close(&st->conns[i]);
    pthread_mutex_destroy(&st->mu);
    pthread_cond_destroy(&st->cv);
    pthread_mutex_destroy(&st->write_mu);
    bx_free(st->conns);
    bx_free(st->path);
    bx_free(st);
}

store_conn *store__acquire(store *st)
{
    pthread_mutex_lock(&st->mu);
    for (;;) {
        for (int i = 0; i < st->nconn; i++) {
            if (!st->conns[i].in_use) {
                st->conns[i].in_use = true;
                pthread_mutex_unlock(&st->mu);
                return &st->conns[i];
            }
        }
        pthread_cond_wait(&st->cv, &st->mu);
    }
}

void store__release(store *st, store_conn *c)
{
    pthread_mutex_lock(&st->mu);
    c->in_use = false;
    pthread_cond_signal(&st->cv);
    pthread_mutex_unlock(&st->mu);
}

sqlite3_stmt *store__stmt(store *st, store_conn *c, store_stmt_id id, bx_error *out_error)
{
    if (!c->stmts[id]) {
        int rc = sqlite3_prepare_v3(c->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                    &c->stmts[id], NULL);
        if (rc != SQLITE_OK) {
            store__fail(st, c, rc, "prepare", out_error);
            sqlite3_finalize(c->stmts[id]);
            c->stmts[id] = NULL;
            return NULL;
        }
    }
    return c->stmts[id];
}

void store__done(sqlite3_stmt *s)
{
    if (s) {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
    }
}

bx_err store__exec_stmt(store *st, store_conn *c, sqlite3_stmt *s, const char *what,
                        bx_error *out_error)
{
    int rc = sqlite3_step(s);
    bx_err err = BX_OK;
    if (rc != SQLITE_DONE)
        err = store__fail(st, c, rc, what, out_error);
    store__done(s);
    return err;
}

/* --------------------------------------------------------- transactions */

static int exec_sql(store_conn *c, const char *sql)
{
    return sqlite3_exec(c->db, sql, NULL, NULL, NULL);
}

bx_err store__begin(store *st, store_conn *c, bx_error *out_error)
{
    pthread_mutex_lock(&st->write_mu);
    int rc = exec_sql(c, "BEGIN IMMEDIATE");
    if (rc != SQLITE_OK) {
        bx_err err = store__fail(st, c, rc, "begin transaction", out_error);
        pthread_mutex_unlock(&st->write_mu);
        return err;
    }
    return BX_OK;
}

bx_err store__commit(store *st, store_conn *c, bx_error *out_error)
{
    int rc = exec_sql(c, "COMMIT");
    bx_err err = BX_OK;
    if (rc != SQLITE_OK) {
        err = store__fail(st, c, rc, "commit", out_error);
        /* COMMIT can fail with BUSY and leave the transaction open; roll
         * back so the connection goes back to the pool clean. */
        if (!sqlite3_get_autocommit(c->db))
            exec_sql(c, "ROLLBACK");
    }
    pthread_mutex_unlock(&st->write_mu);
    return err;
}

void store__rollback(store *st, store_conn *c)
{
    if (!sqlite3_get_autocommit(c->db))
        exec_sql(c, "ROLLBACK");
    pthread_mutex_unlock(&st->write_mu);
}

/* ---------------------------------------------------------- maintenance */

bx_err store_db_version(store *st, int *out_version, bx_error *out_error)
{
    bx_error_clear(out_error);
    if (!st || !out_version)
        return bx_error_set(out_error, BX_INVALID, -1, "store_db_version: NULL argument");
    *out_version = 0;
    store_conn *c = store__acquire(st);
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    bx_err err = BX_OK;
    if (rc == SQLITE_ROW)
        *out_version = sqlite3_column_int(s, 0);
    else
        err = store__fail(st, c, rc, "read schema version", out_error);
    sqlite3_finalize(s);
    store__release(st, c);
    return err;
}

bx_err store_check(store *st, bool quick, bx_error *out_error)
{
    bx_error_clear(out_error);
    if (!st)
        return bx_error_set(out_error, BX_INVALID, -1, "store_check: NULL store");
    store_conn *c = store__acquire(st);
    sqlite3_stmt *s = NULL;
    const char *sql = quick ? "PRAGMA quick_check(1)" : "PRAGMA integrity_check(1)";
    int rc = sqlite3_prepare_v2(c->db, sql, -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    bx_err err = BX_OK;
    if (rc == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(s, 0);
        if (!r || strcmp(r, "ok") != 0)
            err = bx_error_set(out_error, BX_STORE, -1, "%s: integrity check failed: %s",
                               st->path, r ? r : "(no result)");
    } else {
        err = store__fail(st, c, rc, "integrity check", out_error);
    }
    sqlite3_finalize(s);
    /* A foreign key that points nowhere is damage too. */
    if (!err) {
        rc = sqlite3_prepare_v2(c->db, "PRAGMA foreign_key_check", -1, &s, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(s);
        if (rc == SQLITE_ROW)
            err = bx_error_set(out_error, BX_STORE, -1,
                               "%s: foreign key check failed in table %s", st->path,
                               (const char *)sqlite3_column_text(s, 0));
        else if (rc != SQLITE_DONE)
            err = store__fail(st, c, rc, "foreign key check", out_error);
        sqlite3_finalize(s);
    }
    store__release(st, c);
    return err;
}

/* ----------------------------------------------------------- validation */

bx_err store__check_id(const char *id, const char *what, bx_error *out_error)
{
    if (!id)
        return bx_error_set(out_error, BX_INVALID, -1, "%s: missing id", what);
    size_t n = strnlen(id, 37);
    bool ok = n == 36;
    for (size_t i = 0; ok && i < 36; i++) {
        char ch = id[i];
        if (i == 8 || i == 13 || i == 18 || i == 23)
            ok = ch == '-';
        else
            ok = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
    }
    if (!ok)
        return bx_error_set(out_error, BX_INVALID, -1,
                            "%s: \"%.40s\" is not a valid id (a lowercase UUID)", what, id);
    return BX_OK;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
static bool utf8_valid(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char b = p[i];
        if (b < 0x80) {
            i++;
            continue;
        }
        size_t need;
        uint32_t cp, min;
        if ((b & 0xe0) == 0xc0) {
            need = 1, cp = b & 0x1f, min = 0x80;
        } else if ((b & 0xf0) == 0xe0) {
            need = 2, cp = b & 0x0f, min = 0x800;
        } else if ((b & 0xf8) == 0xf0) {
            need = 3, cp = b & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (n - i <= need)
            return false;
        for (size_t k = 1; k <= need; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += need + 1;
    }
    return true;
}

bx_err store__check_text(const char *s, const char *what, size_t max, bool nonempty,
                         bx_error *out_error)
{
    if (!s)
        return bx_error_set(out_error, BX_INVALID, -1, "%s: missing", what);
    size_t n = strnlen(s, max + 1);
    if (n > max)
        return bx_error_set(out_error, BX_TOOBIG, -1, "%s: longer than %zu bytes", what, max);
    if (nonempty && n == 0)
        return bx_error_set(out_error, BX_INVALID, -1, "%s: must not be empty", what);
    if (!utf8_valid((const unsigned char *)s, n))
        return bx_error_set(out_error, BX_INVALID, -1, "%s: not valid UTF-8", what);
    return BX_OK;
}

bx_err store__parse_json(const char *text, size_t len, store_json_shape shape, const char *what,
                         json_t **out_doc, bx_error *out_error)
{
    *out_doc = NULL;
    if (!text)
        return bx_error_set(out_error, BX_INVALID, -1, "%s: missing JSON", what);
    bx_error detail;
    bx_error_clear(&detail);
    json_t *v = jx_parse(text, len, STORE_MAX_TEXT, &detail);
    if (!v) {
        bx_err err = bx_error_set(out_error, detail.code ? detail.code : BX_PARSE,
                                  detail.position, "%s: invalid JSON: %s", what, detail.message);
        if (out_error) {
            out_error->line = detail.line;
            out_error->column = detail.column;
        }
        return err;
    }
    bx_err err = BX_OK;
    if (shape == STORE_JSON_OBJECT) {
        if (!json_is_object(v))
            err = bx_error_set(out_error, BX_INVALID, -1, "%s: must be a JSON object", what);
    } else {
        if (!json_is_array(v)) {
            err = bx_error_set(out_error, BX_INVALID, -1,
                               "%s: must be a JSON array of content blocks", what);
        } else {
            size_t i;
            json_t *block;
            json_array_foreach(v, i, block) {
                if (!jx_str(block, "type", NULL)) {
                    err = bx_error_set(out_error, BX_INVALID, -1,
                                       "%s: block %zu is not an object with a string \"type\"",
                                       what, i);
                    break;
                }
            }
        }
    }
    if (err) {
        json_decref(v);
        return err;
    }
    *out_doc = v;
    return BX_OK;
}

bx_err store__check_json(const char *text, size_t len, store_json_shape shape, const char *what,
                         bx_error *out_error)
{
    json_t *v = NULL;
    bx_err err = store__parse_json(text, len, shape, what, &v, out_error);
    json_decref(v);
    return err;
}

/* -------------------------------------------------------------- columns */

int store__bind_text(sqlite3_stmt *s, int idx, const char *text)
{
    if (!text)
        return sqlite3_bind_null(s, idx);
    return sqlite3_bind_text(s, idx, text, -1, SQLITE_STATIC);
}

int store__bind_blob_text(sqlite3_stmt *s, int idx, const char *text, size_t len)
{
    if (!text)
        return sqlite3_bind_null(s, idx);
    return sqlite3_bind_text64(s, idx, text, (sqlite3_uint64)len, SQLITE_STATIC, SQLITE_UTF8);
}

char *store__col_strdup(sqlite3_stmt *s, int col)
{
    const char *t = (const char *)sqlite3_column_text(s, col);
    int n = sqlite3_column_bytes(s, col);
    if (!t)
        return bx_strdup("");
    /* Exactly n bytes: tool output may hold NULs, so no strndup. */
    char *out = bx_malloc((size_t)n + 1);
    memcpy(out, t, (size_t)n);
    out[n] = '\0';
    return out;
}

void store__col_copy(sqlite3_stmt *s, int col, char *out, size_t cap)
{
    const char *t = (const char *)sqlite3_column_text(s, col);
    size_t n = t ? (size_t)sqlite3_column_bytes(s, col) : 0;
    if (!t || n >= cap)
        n = 0;
    if (n)
        memcpy(out, t, n);
    out[n] = '\0';
}

void *store__grow(void **items, size_t *len, size_t *cap, size_t elem)
{
    if (*len == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        *items = bx_realloc(*items, ncap * elem);
        *cap = ncap;
    }
    char *slot = (char *)*items + *len * elem;
    memset(slot, 0, elem);
    (*len)++;
    return slot;
}
