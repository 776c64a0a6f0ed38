/* records.c: usage per request, the audit log, cron jobs and cron runs.
 *
 * Usage rows are the raw material for cost reports; aggregation happens in
 * SQL (by UTC day, by provider/model, by session) over an index on the time
 * column. The audit log keeps only a SHA-256 of each tool input and is
 * append-only by schema triggers. Cron rows hold what the scheduler needs;
 * schedule syntax belongs to the cron module.
 */
#include <math.h>
#include <string.h>

#include "store/store_int.h"

static const char *const decision_names[] = {"allow", "approved", "deny", "rejected"};
static const char *const outcome_names[] = {"ok", "error", "skipped", "cancelled"};
static const char *const run_status_names[] = {"running", "succeeded", "failed", "cancelled"};

static bool parse_name(const char *name, const char *const *names, unsigned n, unsigned *out)
{
    for (unsigned i = 0; name && i < n; i++) {
        if (strcmp(name, names[i]) == 0) {
            *out = i;
            return true;
        }
    }
    return false;
}

const char *store_decision_name(store_decision d)
{
    return (unsigned)d < STORE__DECISION_COUNT ? decision_names[d] : NULL;
}

bool store_decision_parse(const char *name, store_decision *out_decision)
{
    unsigned i;
    if (!parse_name(name, decision_names, STORE__DECISION_COUNT, &i))
        return false;
    if (out_decision)
        *out_decision = (store_decision)i;
    return true;
}

const char *store_outcome_name(store_outcome o)
{
    return (unsigned)o < STORE__OUTCOME_COUNT ? outcome_names[o] : NULL;
}

bool store_outcome_parse(const char *name, store_outcome *out_outcome)
{
    unsigned i;
    if (!parse_name(name, outcome_names, STORE__OUTCOME_COUNT, &i))
        return false;
    if (out_outcome)
        *out_outcome = (store_outcome)i;
    return true;
}

const char *store_run_status_name(store_run_status s)
{
    return (unsigned)s < STORE__RUN_STATUS_COUNT ? run_status_names[s] : NULL;
}

bool store_run_status_parse(const char *name, store_run_status *out_status)
{
    unsigned i;
    if (!parse_name(name, run_status_names, STORE__RUN_STATUS_COUNT, &i))
        return false;
    if (out_status)
        *out_status = (store_run_status)i;
    return true;
}

#define STMT_OR_FAIL(s, id)                                   \
    do {                                                      \
        (s) = store__stmt(st, c, (id), out_error);            \
        if (!(s)) {                                           \
            err = out_error ? out_error->code : BX_STORE;     \
            goto out;                                         \
        }                                                     \
    } while (0)

/* --------------------------------------------------------------- usage */

bx_err store_usage_record(store *st, const store_usage_new *u, int64_t *out_id,
                          bx_error *out_error)
{
    bx_error_clear(out_error);
    if (out_id)
        *out_id = 0;
    if (!st || !u)
        return bx_error_set(out_error, BX_INVALID, -1, "store_usage_record: NULL argument");
    bx_err err = BX_OK;
    if (u->session_id)
        err = store__check_id(u->session_id, "usage session", out_error);
    if (!err)
        err = store__check_text(u->provider, "usage provider", STORE_MAX_NAME, true, out_error);
    if (!err)
        err = store__check_text(u->model, "usage model", STORE_MAX_NAME, true, out_error);
    if (!err && (u->input_tokens < 0 || u->output_tokens < 0 || u->cache_read_tokens < 0 ||
                 u->cache_write_tokens < 0))
        err = bx_error_set(out_error, BX_INVALID, -1, "usage: token counts must be >= 0");
    if (!err && (!isfinite(u->cost_usd) || u->cost_usd < 0))
        err = bx_error_set(out_error, BX_INVALID, -1, "usage: cost must be a finite number >= 0");
    if (!err && u->at_ms < 0)
        err = bx_error_set(out_error, BX_INVALID, -1, "usage: time must be >= 0");
    if (err)
        return err;

    store_conn *c = store__acquire(st);
    sqlite3_stmt *s;
    STMT_OR_FAIL(s, STMT_USAGE_INSERT);
    store__bind_text(s, 1, u->session_id);
    sqlite3_bind_text(s, 2, u->provider, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, u->model, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, u->input_tokens);
    sqlite3_bind_int64(s, 5, u->output_tokens);
    sqlite3_bind_int64(s, 6, u->cache_read_tokens);
    sqlite3_bind_int64(s, 7, u->cache_write_tokens);
    sqlite3_bind_double(s, 8, u->cost_usd);
    sqlite3_bind_int64(s, 9, u->at_ms ? u->at_ms : bx_wall_ms());
    /* A single-row insert: no transaction needed, but queue like a writer. */
    pthread_mutex_lock(&st->write_mu);
    err = store__exec_stmt(st, c, s, "record usage", out_error);
    if (!err && out_id)
        *out_id = sqlite3_last_insert_rowid(c->db);
    pthread_mutex_unlock(&st->write_mu);
out:
    store__release(st, c);
    return err;
}

void store_usage_list_release(store_usage_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->len; i++)
        bx_free(l->items[i].key);
    bx_free(l->items);
    memset(l, 0, sizeof *l);
}

bx_err store_usage_aggregate(store *st, const store_usage_query *q, store_usage_list *out_list,
                             bx_error *out_error)
{
    bx_error_clear(out_error);
    if (!st || !q || !out_list)
        return bx_error_set(out_error, BX_INVALID, -1, "store_usage_aggregate: NULL argument");
    memset(out_list, 0, sizeof *out_list);
    store_stmt_id id;
    bool one = q->session_id != NULL;
    switch (q->group) {
    case STORE_USAGE_BY_DAY: id = one ? STMT_USAGE_S_BY_DAY : STMT_USAGE_BY_DAY; break;
    case STORE_USAGE_BY_MODEL: id = one ? STMT_USAGE_S_BY_MODEL : STMT_USAGE_BY_MODEL; break;
    case STORE_USAGE_BY_SESSION:
        id = one ? STMT_USAGE_S_BY_SESSION : STMT_USAGE_BY_SESSION;
        break;
    default:
        return bx_error_set(out_error, BX_INVALID, -1, "usage: unknown grouping %d",
                            (int)q->group);
    }
    bx_err err = BX_OK;
    if (q->session_id)
        err = store__check_id(q->session_id, "usage session", out_error);
    if (!err && (q->from_ms < 0 || q->to_ms < 0 || (q->to_ms && q->to_ms <= q->from_ms)))
        err = bx_error_set(out_error, BX_INVALID, -1,
                           "usage: bad time range [%lld, %lld)", (long long)q->from_ms,
                           (long long)q->to_ms);
    if (err)
        return err;
    size_t cap = 0;
    store_conn *c = store__acquire(st);
    sqlite3_stmt *s;
    STMT_OR_FAIL(s, id);
    sqlite3_bind_int64(s, 1, q->from_ms);
    sqlite3_bind_int64(s, 2, q->to_ms ? q->to_ms : INT64_MAX);
    if (one)
        sqlite3_bind_text(s, 3, q->session_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, STORE_MAX_MESSAGES);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        store_usage_row *r = store__grow((void **)&out_list->items, &out_list->len, &cap,
                                         sizeof *r);
        r->key = store__col_strdup(s, 0);
        r->requests = sqlite3_column_int64(s, 1);
        r->input_tokens = sqlite3_column_int64(s, 2);
        r->output_tokens = sqlite3_column_int64(s, 3);
        r->cache_read_tokens = sqlite3_column_int64(s, 4);
        r->cache_write_tokens = sqlite3_column_int64(s, 5);
        r->cost_usd = sqlite3_column_double(s, 6);
    }
    if (rc != SQLITE_DONE)
        err = store__fail(st, c, rc, "aggregate usage", out_error);
    store__done(s);
out:
    store__release(st, c);
    if (err)
        store_usage_list_release(out_list);
    return err;
}

/* --------------------------------------------------------------- audit */

bx_err store_audit_append(store *st, const store_audit_new *a, int64_t *out_id,
                          bx_error *out_error)
{
    bx_error_clear(out_error);
    if (out_id)
        *out_id = 0;
    if (!st || !a)
        return bx_error_set(out_error, BX_INVALID, -1, "store_audit_append: NULL argument");
    bx_err err = BX_OK;
    if (a->session_id)
        err = store__check_id(a->session_id, "audit session", out_error);
    if (!err && a->tool_call_id)
        err = store__check_text(a->tool_call_id, "audit tool call id", STORE_MAX_NAME, true,
                                out_error);
    if (!err)
        err = store__check_text(a->tool, "audit tool", STORE_MAX_NAME, true, out_error);
    if (!err && !store_decision_name(a->decision))
        err = bx_error_set(out_error, BX_INVALID, -1, "audit: unknown decision %d",
                           (int)a->decision);
    if (!err && !store_outcome_name(a->outcome))
        err = bx_error_set(out_error, BX_INVALID, -1, "audit: unknown outcome %d",
                           (int)a->outcome);
    if (!err && (a->duration_ms < 0 || a->at_ms < 0))
        err = bx_error_set(out_error, BX_INVALID, -1, "audit: duration and time must be >= 0");
    if (!err && !a->input && a->input_len)
        err = bx_error_set(out_error, BX_INVALID, -1, "audit: input is NULL");
    if (err)
        return err;
    char digest[65];
    bx_sha256_hex(a->input ? a->input : "", a->input_len, digest);

    store_conn *c = store__acquire(st);
    sqlite3_stmt *s;
    STMT_OR_FAIL(s, STMT_AUDIT_INSERT);
    sqlite3_bind_int64(s, 1, a->at_ms ? a->at_ms : bx_wall_ms());
    store__bind_text(s, 2, a->session_id);
    store__bind_text(s, 3, a->tool_call_id);
    sqlite3_bind_text(s, 4, a->tool, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, digest, 64, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, store_decision_name(a->decision), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, store_outcome_name(a->outcome), -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 8, a->duration_ms);
    pthread_mutex_lock(&st->write_mu);
    err = store__exec_stmt(st, c, s, "append audit entry", out_error);
    if (!err && out_id)
        *out_id = sqlite3_last_insert_rowid(c->db);
    pthread_mutex_unlock(&st->write_mu);
out:
    store__release(st, c);
    return err;
}

void store_audit_list_release(store_audit_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->len; i++) {
        bx_free(l->items[i].session_id);
        bx_free(l->items[i].tool_call_id);
        bx_free(l->items[i].tool);
    }
    bx_free(l->items);
    memset(l, 0, sizeof *l);
}

bx_err store_audit_entries_list(store *st, const char *session_id, int64_t before_id, size_t limit,
                        store_audit_list *out_list, bx_error *out_error)
{
    bx_error_clear(out_error);
    if (!st || !out_list)
        return bx_error_set(out_error, BX_INVALID, -1, "store_audit_entries_list: NULL argument");
    memset(out_list, 0, sizeof *out_list);
    bx_err err = BX_OK;
    if (session_id)
        err = store__check_id(session_id, "audit session", out_error);
    if (!err && before_id < 0)
        err = bx_error_set(out_error, BX_INVALID, -1, "audit list: before_id must be >= 0");
    if (!err && limit > STORE_MAX_PAGE)
        err = bx_error_set(out_error, BX_INVALID, -1, "audit list: limit %zu above %d", limit,
                           STORE_MAX_PAGE);
    if (err)
        return err;
    if (limit == 0)
        limit = 100;
    size_t cap = 0;
    store_conn *c = store__acquire(st);
    sqlite3_stmt *s;
    STMT_OR_FAIL(s, session_id ? STMT_AUDIT_LIST_SESSION : STMT_AUDIT_LIST);
    sqlite3_bind_int64(s, 1, before_id ? before_id : INT64_MAX);
    if (session_id)
        sqlite3_bind_text(s, 2, session_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, (int64_t)limit);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        store_audit_entry *e = store__grow((void **)&out_list->items, &out_list->len, &cap,
                                           sizeof *e);
        e->id = sqlite3_column_int64(s, 0);
        e->at_ms = sqlite3_column_int64(s, 1);
        e->session_id = store__col_strdup(s, 2);
        e->tool_call_id = store__col_strdup(s, 3);
        e->tool = store__col_strdup(s, 4);
        store__col_copy(s, 5, e->input_sha256, sizeof e->input_sha256);
        store_decision_parse((const char *)sqlite3_column_text(s, 6), &e->decision);
        store_outcome_parse((const char *)sqlite3_column_text(s, 7), &e->outcome);
        e->duration_ms = sqlite3_column_int64(s, 8);
    }
    if (rc != SQLITE_DONE)
        err = store__fail(st, c, rc, "list audit log", out_error);
    store__done(s);
out:
    store__release(st, c);
    if (err)
        store_audit_list_release(out_list);
    return err;
}

/* ---------------------------------------------------------------- cron */

void store_cron_job_release(store_cron_job *j)
{
    if (!j)
        return;
    bx_free(j->name);
    bx_free(j->schedule);
    bx_free(j->prompt);
    bx_free(j->agent);
    bx_free(j->model);
    memset(j, 0, sizeof *j);
}

void store_cron_job_list_release(store_cron_job_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->len; i++)
        store_cron_job_release(&l->items[i]);
    bx_free(l->items);
    memset(l, 0, sizeof *l);
}

void store_cron_run_list_release(store_cron_run_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->len; i++)
        bx_free(l->items[i].error);
    bx_free(l->items);
    memset(l, 0, sizeof *l);
}

static bx_err check_job(const store_cron_job_fields *f, bx_error *out_error)
{
    bx_err err = store__check_text(f->name, "cron job name", STORE_MAX_NAME, true, out_error);
    if (!err)
        err = store__check_text(f->schedule, "cron schedule", STORE_MAX_NAME, true, out_error);
    if (!err)
        err = store__check_text(f->prompt, "cron prompt", STORE_MAX_TEXT, true, out_error);
    if (!err && f->agent)
        err = store__check_text(f->agent, "cron agent", STORE_MAX_NAME, false, out_error);
    if (!err && f->model)
        err = store__check_text(f->model, "cron model", STORE_MAX_NAME, false, out_error);
    if (!err && f->next_run_ms < 0)
        err = bx_error_set(out_error, BX_INVALID, -1, "cron job: next run time must be >= 0");
    return err;
}

static void bind_next(sqlite3_stmt *s, int idx, int64_t ms)
{
    if (ms)
        sqlite3_bind_int64(s, idx, ms);
    else
        sqlite3_bind_null(s, idx);
}

bx_err store_cron_job_create(store *st, const store_cron_job_fields *f, char out_id[37],
                             bx_error *out_error)
{
    bx_error_clear(out_error);
    if (!st || !f || !out_id)
        return bx_error_set(out_error, BX_INVALID, -1, "store_cron_job_create: NULL argument");
    out_id[0] = '\0';
    bx_err err = check_job(f, out_error);
    if (err)
        return err;
    char id[37];
    bx_uuid_v7(id);
    store_conn *c = store__acquire(st);
    sqlite3_stmt *s;
    STMT_OR_FAIL(s, STMT_CRON_JOB_INSERT);
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, f->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, f->schedule, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, f->prompt, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, f->agent ? f->agent : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, f->model ? f->model : "", -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 7, f->enabled ? 1 : 0);
    sqlite3_bind_int64(s, 8, bx_wall_ms());
    bind_next(s, 9, f->next_run_ms);
    pthread_mutex_lock(&st->write_mu);
    err = store__exec_stmt(st, c, s, "create cron job", out_error);
    pthread_mutex_unlock(&st->write_mu);
    if (!err)
        memcpy(out_id, id, sizeof id);
out:
    store__release(st, c);
    return err;
}

/* Columns as in CRON_JOB_COLS. */
static void read_job(sqlite3_stmt *s, store_cron_job *j)
{
    store__col_copy(s, 0, j->id, sizeof j->id);
    j->name = store__col_strdup(s, 1);
    j->schedule = store__col_strdup(s, 2);
    j->prompt = store__col_strdup(s, 3);
    j->agent = store__col_strdup(s, 4);
    j->model = store__col_strdup(s, 5);
    j->enabled = sqlite3_column_int(s, 6) != 0;
    j->created_ms = sqlite3_column_int64(s, 7);
    j->updated_ms = sqlite3_column_int64(s, 8);
    j->next_run_ms = sqlite3_column_int64(s, 9);
    j->last_run_ms = sqlite3_column_int64(s, 10);
}

bx_err store_cron_job_get(store *st, const char *id, store_cron_job *out_job,
                          bx_error *out_error)
{
    bx_error_clear(out_error);
    if (!st || !out_job)
        return bx_error_set(out_error, BX_INVALID, -1, "store_cron_job_get: NULL argument");
    memset(out_job, 0, sizeof *out_job);
    bx_err err = store__check_id(id, "cron job", out_error);
    if (err)
        return err;
    store_conn *c = store__acquire(st);
    sqlite3_stmt *s;
    STMT_OR_FAIL(s, STMT_CRON_JOB_GET);
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        read_job(s, out_job);
    else if (rc == SQLITE_DONE)
        err = bx_error_set(out_error, BX_NOTFOUND, -1, "cron job %s not found", id);
    else
        err = store__fail(st, c, rc, "get cron job", out_error);
    store__done(s);
out:
    store__release(st, c);
    return err;
}

/* Both job lists: all by name, or the due ones (due_before >= 0). */
static bx_err list_jobs(store *st, int64_t due_before, store_cron_job_list *out_list,
                        bx_error *out_error)
{
    bx_err err = BX_OK;
    size_t cap = 0;
    store_conn *c = store__acquire(st);
    sqlite3_stmt *s;
    if (due_before >= 0) {
        STMT_OR_FAIL(s, STMT_CRON_JOB_DUE);
        sqlite3_bind_int64(s, 1, due_before);
        sqlite3_bind_int64(s, 2, STORE_MAX_PAGE);
    } else {
        STMT_OR_FAIL(s, STMT_CRON_JOB_LIST);
        sqlite3_bind_int64(s, 1, STORE_MAX_PAGE);
    }
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        store_cron_job *j = store__grow((void **)&out_list->items, &out_list->len, &cap,
                                        sizeof *j);
        read_job(s, j);
    }
    if (rc != SQLITE_DONE)
        err = store__fail(st, c, rc, "list cron jobs", out_error);
    store__done(s);
out:
    store__release(st, c);
    if (err)
        store_cron_job_list_release(out_list);
    return err;
}

bx_err store_cron_jobs_list(store *st, store_cron_job_list *out_list, bx_error *out_error)
{
    bx_error_clear(out_error);
    if (!st || !out_list)
        return bx_error_set(out_error, BX_INVALID, -1, "store_cron_jobs_list: NULL argument");
    memset(out_list, 0, sizeof *out_list);
    return list_jobs(st, -1, out_list, out_error);
}

bx_err store_cron_jobs_due(store *st, int64_t now_ms, store_cron_job_list *out_list,
                           bx_error *out_error)
{
    bx_error_clear(out_error);
    if (!st || !out_list)
        return bx_error_set(out_error, BX_INVALID, -1, "store_cron_jobs_due: NULL argument");
    memset(out_list, 0, sizeof *out_list);
    if (now_ms < 0)
        return bx_error_set(out_error, BX_INVALID, -1, "cron due: time must be >= 0");
    return list_jobs(st, now_ms, out_list, out_error);
}

bx_err store_cron_job_update(store *st, const char *id, const store_cron_job_fields *f,
                             bx_error *out_error)
{
    bx_error_clear(out_error);
    if (!st || !f)
        return bx_error_set(out_error, BX_INVALID, -1, "store_cron_job_update: NULL argument");
    bx_err err = store__check_id(id, "cron job", out_error);
    if (!err)
        err = check_job(f, out_error);
    if (err)
        return err;
    store_conn *c = store__acquire(st);
    sqlite3_stmt *s;
    STMT_OR_FAIL(s, STMT_CRON_JOB_UPDATE);
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, f->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, f->schedule, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, f->prompt, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, f->agent ? f->agent : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, f->model ? f->model : "", -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 7, f->enabled ? 1 : 0);
    bind_next(s, 8, f->next_run_ms);
    sqlite3_bind_int64(s, 9, bx_wall_ms());
    pthread_mutex_lock(&st->write_mu);
    err = store__exec_stmt(st, c, s, "update cron job", out_error);
    if (!err && sqlite3_changes(c->db) == 0)
        err = bx_error_set(out_error, BX_NOTFOUND, -1, "cron job %s not found", id);
    pthread_mutex_unlock(&st->write_mu);
out:
    store__release(st, c);
    return err;
}

/* One-statement writes keyed by id: set-next-run and delete. */
static bx_err job_write(store *st, store_stmt_id id_stmt, const char *id, bool with_ms,
                        int64_t ms, const char *what, bx_error *out_error)
{
    bx_err err = store__check_id(id, "cron job", out_error);
    if (!err && ms < 0)
        err = bx_error_set(out_error, BX_INVALID, -1, "%s: time must be >= 0", what);
    if (err)
        return err;
    store_conn *c = store__acquire(st);
    sqlite3_stmt *s;
    STMT_OR_FAIL(s, id_stmt);
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    if (with_ms)
        bind_next(s, 2, ms);
    /* Deleting cascades to runs: a transaction keeps it all-or-nothing. */
    err = store__begin(st, c, out_error);
    if (err) {
        store__done(s);
        goto out;
    }
    err = store__exec_stmt(st, c, s, what, out_error);
    if (!err && sqlite3_changes(c->db) == 0)
        err = bx_error_set(out_error, BX_NOTFOUND, -1, "cron job %s not found", id);
    if (err)
        store__rollback(st, c);
    else
        err = store__commit(st, c, out_error);
out:
    store__release(st, c);
    return err;
}

bx_err store_cron_job_set_next_run(store *st, const char *id, int64_t next_run_ms,
                                   bx_error *out_error)
{
    bx_error_clear(out_error);
    if (!st)
        return bx_error_set(out_error, BX_INVALID, -1, "store_cron_job_set_next_run: NULL store");
    return job_write(st, STMT_CRON_JOB_SET_NEXT, id, true, next_run_ms, "set next cron run",
                     out_error);
}

bx_err store_cron_job_delete(store *st, const char *id, bx_error *out_error)
{
    bx_error_clear(out_error);
    if (!st)
        return bx_error_set(out_error, BX_INVALID, -1, "store_cron_job_delete: NULL store");
    return job_write(st, STMT_CRON_JOB_DELETE, id, false, 0, "delete cron job", out_error);
}

bx_err store_cron_run_start(store *st, const char *job_id, const char *session_id,
                            char out_run_id[37], bx_error *out_error)
{
    bx_error_clear(out_error);
    if (!st || !out_run_id)
        return bx_error_set(out_error, BX_INVALID, -1, "store_cron_run_start: NULL argument");
    out_run_id[0] = '\0';
    bx_err err = store__check_id(job_id, "cron job", out_error);
    if (!err && session_id)
        err = store__check_id(session_id, "cron run session", out_error);
    if (err)
        return err;
    char id[37];
    bx_uuid_v7(id);
    int64_t now = bx_wall_ms();
    store_conn *c = store__acquire(st);
    err = store__begin(st, c, out_error);
    if (err)
        goto out;
    sqlite3_stmt *s = store__stmt(st, c, STMT_CRON_JOB_SET_LAST, out_error);
    if (!s) {
        err = out_error ? out_error->code : BX_STORE;
        goto rollback;
    }
    sqlite3_bind_text(s, 1, job_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, now);
    err = store__exec_stmt(st, c, s, "start cron run", out_error);
    if (!err && sqlite3_changes(c->db) == 0)
        err = bx_error_set(out_error, BX_NOTFOUND, -1, "cron job %s not found", job_id);
    if (err)
        goto rollback;
    s = store__stmt(st, c, STMT_CRON_RUN_INSERT, out_error);
    if (!s) {
        err = out_error ? out_error->code : BX_STORE;
        goto rollback;
    }
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, job_id, -1, SQLITE_STATIC);
    store__bind_text(s, 3, session_id);
    sqlite3_bind_int64(s, 4, now);
    err = store__exec_stmt(st, c, s, "start cron run", out_error);
    if (err)
        goto rollback;
    err = store__commit(st, c, out_error);
    if (!err)
        memcpy(out_run_id, id, sizeof id);
    goto out;
rollback:
    store__rollback(st, c);
out:
    store__release(st, c);
    return err;
}

bx_err store_cron_run_finish(store *st, const char *run_id, store_run_status status,
                             const char *error, bx_error *out_error)
{
    bx_error_clear(out_error);
    if (!st)
        return bx_error_set(out_error, BX_INVALID, -1, "store_cron_run_finish: NULL store");
    bx_err err = store__check_id(run_id, "cron run", out_error);
    if (!err && (status == STORE_RUN_RUNNING || !store_run_status_name(status)))
        err = bx_error_set(out_error, BX_INVALID, -1,
                           "cron run %s: finish needs succeeded, failed or cancelled", run_id);
    if (!err && error)
        err = store__check_text(error, "cron run error", STORE_MAX_TEXT, false, out_error);
    if (err)
        return err;
    store_conn *c = store__acquire(st);
    err = store__begin(st, c, out_error);
    if (err)
        goto out;
    sqlite3_stmt *s = store__stmt(st, c, STMT_CRON_RUN_GET_STATUS, out_error);
    if (!s) {
        err = out_error ? out_error->code : BX_STORE;
        goto rollback;
    }
    sqlite3_bind_text(s, 1, run_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE)
        err = bx_error_set(out_error, BX_NOTFOUND, -1, "cron run %s not found", run_id);
    else if (rc != SQLITE_ROW)
        err = store__fail(st, c, rc, "finish cron run", out_error);
    else if (strcmp((const char *)sqlite3_column_text(s, 0), "running") != 0)
        err = bx_error_set(out_error, BX_INVALID, -1, "cron run %s already finished (%s)",
                           run_id, (const char *)sqlite3_column_text(s, 0));
    store__done(s);
    if (err)
        goto rollback;
    s = store__stmt(st, c, STMT_CRON_RUN_FINISH, out_error);
    if (!s) {
        err = out_error ? out_error->code : BX_STORE;
        goto rollback;
    }
    sqlite3_bind_text(s, 1, run_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, store_run_status_name(status), -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, bx_wall_ms());
    sqlite3_bind_text(s, 4, error ? error : "", -1, SQLITE_STATIC);
    err = store__exec_stmt(st, c, s, "finish cron run", out_error);
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

bx_err store_cron_runs_list(store *st, const char *job_id, size_t limit,
                            store_cron_run_list *out_list, bx_error *out_error)
{
    bx_error_clear(out_error);
    if (!st || !out_list)
        return bx_error_set(out_error, BX_INVALID, -1, "store_cron_runs_list: NULL argument");
    memset(out_list, 0, sizeof *out_list);
    bx_err err = store__check_id(job_id, "cron job", out_error);
    if (!err && limit > STORE_MAX_PAGE)
        err = bx_error_set(out_error, BX_INVALID, -1, "cron runs: limit %zu above %d", limit,
                           STORE_MAX_PAGE);
    if (err)
        return err;
    if (limit == 0)
        limit = 50;
    size_t cap = 0;
    store_conn *c = store__acquire(st);
    sqlite3_stmt *s;
    STMT_OR_FAIL(s, STMT_CRON_RUN_LIST);
    sqlite3_bind_text(s, 1, job_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, (int64_t)limit);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        store_cron_run *r = store__grow((void **)&out_list->items, &out_list->len, &cap,
                                        sizeof *r);
        store__col_copy(s, 0, r->id, sizeof r->id);
        store__col_copy(s, 1, r->job_id, sizeof r->job_id);
        store__col_copy(s, 2, r->session_id, sizeof r->session_id);
        store_run_status_parse((const char *)sqlite3_column_text(s, 3), &r->status);
        r->started_ms = sqlite3_column_int64(s, 4);
        r->ended_ms = sqlite3_column_int64(s, 5);
        r->error = store__col_strdup(s, 6);
    }
    if (rc != SQLITE_DONE)
        err = store__fail(st, c, rc, "list cron runs", out_error);
    store__done(s);
out:
    store__release(st, c);
    if (err)
        store_cron_run_list_release(out_list);
    return err;
}
