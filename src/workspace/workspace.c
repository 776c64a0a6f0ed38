/* workspace.c: layout, settings and secrets of a workspace.
 *
 * The file's own JSON document (`file_doc`) is kept apart from the effective
 * settings (`effective` = defaults overlaid with file_doc): updates patch
 * file_doc, so unknown fields and key order survive a save, and defaults are
 * never written into the user's file. */
#include "workspace/workspace_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct workspace {
    char *dir, *root, *state_dir, *db_path, *tools_dir, *skills_dir;
    char *settings_path, *secrets_path, *agents_md_path;
    pthread_mutex_t lock;   /* guards the fields below */
    json_t *file_doc;       /* settings.json as written by the user (object) */
    json_t *effective;      /* immutable snapshot handed to readers */
    workspace_config *config; /* its typed form (config.c) */
    char *config_problems;  /* what that build reported, or NULL */
    bool settings_broken;   /* settings.json has a syntax error */
    bx_error settings_err;
};

static const char default_settings[] =
    "{"
    "\"default_model\": \"anthropic/claude-sonnet-4-5\","
    "\"permission_mode\": \"default\","
    "\"providers\": {},"
    "\"agents\": {"
    "  \"build\": {\"description\": \"Full access: reads, edits, runs commands.\","
    "              \"access\": \"full\", \"permission_mode\": \"default\", \"max_turns\": 100},"
    "  \"plan\": {\"description\": \"Reads and plans; changes nothing.\","
    "             \"access\": \"read-only\", \"permission_mode\": \"plan\", \"max_turns\": 50},"
    "  \"explore\": {\"description\": \"Searches the tree and the web.\","
    "                \"access\": \"search-only\", \"permission_mode\": \"default\", \"max_turns\": 50}"
    "},"
    "\"sandbox\": {\"timeout_s\": 30, \"max_memory\": \"256M\", \"fuel\": 20000000000,"
    "              \"stdout_cap\": \"1M\", \"stderr_cap\": \"1M\", \"max_stack\": \"1M\"},"
    "\"allowed_outbound_hosts\": [],"
    "\"permissions\": {\"allow\": [], \"deny\": []},"
    "\"mcp_servers\": {},"
    "\"compaction\": {\"threshold\": 0.85}"
    "}";

/* ------------------------------------------------------------- helpers */

/* Deep merge: objects merge key by key, anything else replaces; a JSON null
 * in src deletes the key when delete_nulls. */
static void merge_into(json_t *dst, const json_t *src, bool delete_nulls)
{
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)src, key, value) {
        json_t *cur = json_object_get(dst, key);
        if (delete_nulls && json_is_null(value)) {
            json_object_del(dst, key);
        } else if (json_is_object(cur) && json_is_object(value)) {
            merge_into(cur, value, delete_nulls);
        } else {
            json_object_set_new(dst, key, json_deep_copy(value));
        }
    }
}

static bool is_secret_key(const char *key)
{
    static const char *const words[] = {"api_key", "apikey", "token", "password", "secret"};
    char low[128];
    size_t n = strlen(key);
    if (n >= sizeof low)
        n = sizeof low - 1;
    for (size_t i = 0; i < n; i++)
        low[i] = (char)((key[i] >= 'A' && key[i] <= 'Z') ? key[i] + 32 : key[i]);
    low[n] = '\0';
    for (size_t i = 0; i < BX_ARRAY_LEN(words); i++)
        if (strstr(low, words[i]))
            return true;
    return false;
}

/* Finds a secret-looking key anywhere in v; returns it (borrowed) or NULL. */
static const char *find_secret_key(const json_t *v)
{
    if (json_is_object(v)) {
        const char *key;
        json_t *child;
        json_object_foreach((json_t *)v, key, child) {
            if (is_secret_key(key) && !json_is_null(child) && !json_is_boolean(child))
                return key;
            const char *inner = find_secret_key(child);
            if (inner)
                return inner;
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *child;
        json_array_foreach(v, i, child) {
            const char *inner = find_secret_key(child);
            if (inner)
                return inner;
        }
    }
    return NULL;
}

/* Removes secret-looking keys (recursively) so a hand-written key in
 * settings.json never reaches an API response or a log. */
static void strip_secrets(json_t *v)
{
    if (json_is_object(v)) {
        const char *key;
        json_t *child;
        void *tmp;
        json_object_foreach_safe(v, tmp, key, child) {
            if (is_secret_key(key) && !json_is_boolean(child))
                json_object_del(v, key);
            else
                strip_secrets(child);
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *child;
        json_array_foreach(v, i, child) strip_secrets(child);
    }
}

/* defaults overlaid with doc, without secrets: a new reference. */
static json_t *effective_of(const json_t *doc)
{
    json_t *eff = json_loads(default_settings, 0, NULL);
    if (doc)
        merge_into(eff, doc, false);
    strip_secrets(eff);
    return eff;
}

/* Rebuilds the effective snapshot and its typed form from file_doc; text
 * is the file's text when it was just read (positions for problems).
 * Caller holds the lock. */
static void rebuild_effective(workspace *ws, const char *text, size_t len)
{
    json_t *eff = effective_of(ws->file_doc);
    bx_buf problems;
    bx_buf_init(&problems, 64 * 1024);
    workspace_config *cfg =
        workspace__config_build(eff, ws->settings_path, text, len, &problems);
    if (problems.len)
        bx_log(BX_LOG_WARN, "workspace", "%.*s(those values are replaced by their defaults)",
               (int)problems.len, problems.data);
    bx_free(ws->config_problems);
    ws->config_problems = problems.len ? bx_strdup(problems.data) : NULL;
    bx_buf_release(&problems);
    workspace_config_release(ws->config);
    ws->config = cfg;
    json_decref(ws->effective);
    ws->effective = eff;
}

/* Loads settings.json into file_doc; missing file = {}. Caller holds lock. */
static bx_err load_settings(workspace *ws, bx_error *detail)
{
    struct stat st;
    json_decref(ws->file_doc);
    ws->file_doc = NULL;
    ws->settings_broken = false;
    bx_error_clear(&ws->settings_err);
    if (stat(ws->settings_path, &st) != 0) {
        ws->file_doc = json_object();
        rebuild_effective(ws, NULL, 0);
        return BX_OK;
    }
    bx_error e;
    bx_buf text;
    bx_buf_init(&text, WORKSPACE_FILE_MAX);
    json_t *doc = NULL;
    bx_err rerr = bx_read_file(ws->settings_path, WORKSPACE_FILE_MAX, &text);
    if (rerr) {
        bx_error_set(&e, rerr, -1, "%s: cannot read: %s", ws->settings_path, bx_err_str(rerr));
    } else {
        doc = jx_parse_named(text.data, text.len, WORKSPACE_FILE_MAX, ws->settings_path, &e);
    }
    if (doc && !json_is_object(doc)) {
        json_decref(doc);
        doc = NULL;
        bx_error_set(&e, BX_PARSE, 0, "%s:1:1: settings must be a JSON object",
                     ws->settings_path);
        e.line = e.column = 1;
    }
    if (!doc) {
        ws->settings_broken = true;
        ws->settings_err = e;
        if (detail)
            *detail = e;
        ws->file_doc = json_object();
        rebuild_effective(ws, NULL, 0);
        bx_log(BX_LOG_WARN, "workspace", "%s (using defaults; the file will not be overwritten)",
               e.message);
        bx_buf_release(&text);
        return e.code;
    }
    const char *leaked = find_secret_key(doc);
    if (leaked)
        bx_log(BX_LOG_WARN, "workspace",
               "%s: field \"%s\" looks like a secret and is ignored; put keys in %s",
               ws->settings_path, leaked, ws->secrets_path);
    ws->file_doc = doc;
    rebuild_effective(ws, text.data, text.len);
    bx_buf_release(&text);
    return BX_OK;
}

static char *absolute(const char *path)
{
    char *r = realpath(path, NULL);
    if (!r)
        return NULL;
    char *copy = bx_strdup(r); /* keep all our blocks under bx_ accounting */
    free(r);
    return copy;
}

/* ---------------------------------------------------------------- open */

bx_err workspace_open(const char *dir, const char *root_dir, bx_error *detail,
                      workspace **out_ws)
{
    bx_err err = bx_mkdirs(dir, 0755);
    if (err)
        return bx_error_set(detail, err, -1, "cannot create workspace %s: %s", dir,
                            strerror(errno));
    workspace *ws = bx_calloc(1, sizeof *ws);
    pthread_mutex_init(&ws->lock, NULL);
    ws->dir = absolute(dir);
    if (!ws->dir) {
        err = bx_error_set(detail, BX_IO, -1, "cannot resolve %s: %s", dir, strerror(errno));
        goto fail;
    }
    ws->state_dir = bx_sprintf("%s/.boxagnts", ws->dir);
    ws->db_path = bx_sprintf("%s/boxagnts.db", ws->state_dir);
    ws->tools_dir = bx_sprintf("%s/extensions/tools", ws->dir);
    ws->skills_dir = bx_sprintf("%s/extensions/skills", ws->dir);
    ws->settings_path = bx_sprintf("%s/settings.json", ws->state_dir);
    ws->secrets_path = bx_sprintf("%s/secrets.json", ws->state_dir);
    ws->agents_md_path = bx_sprintf("%s/AGENTS.md", ws->state_dir);
    char *root = root_dir ? bx_strdup(root_dir) : bx_sprintf("%s/root", ws->dir);
    const char *dirs[] = {root, ws->tools_dir, ws->skills_dir, ws->state_dir};
    for (size_t i = 0; i < BX_ARRAY_LEN(dirs); i++) {
        if ((err = bx_mkdirs(dirs[i], i == 3 ? 0700 : 0755))) {
            bx_error_set(detail, err, -1, "cannot create %s: %s", dirs[i], strerror(errno));
            bx_free(root);
            goto fail;
        }
    }
    ws->root = absolute(root);
    bx_free(root);
    if (!ws->root) {
        err = bx_error_set(detail, BX_IO, -1, "cannot resolve the root tree: %s", strerror(errno));
        goto fail;
    }
    /* Keep secrets private even if someone loosened the mode by hand. */
    struct stat st;
    if (stat(ws->secrets_path, &st) == 0 && (st.st_mode & 077))
        chmod(ws->secrets_path, 0600);
    pthread_mutex_lock(&ws->lock);
    load_settings(ws, NULL); /* a broken file is reported, not fatal */
    pthread_mutex_unlock(&ws->lock);
    *out_ws = ws;
    return BX_OK;
fail:
    workspace_close(ws);
    return err;
}

void workspace_close(workspace *ws)
{
    if (!ws)
        return;
    json_decref(ws->file_doc);
    json_decref(ws->effective);
    workspace_config_release(ws->config);
    bx_free(ws->config_problems);
    char *paths[] = {ws->dir,           ws->root,          ws->state_dir,    ws->db_path,
                     ws->tools_dir,     ws->skills_dir,    ws->settings_path, ws->secrets_path,
                     ws->agents_md_path};
    for (size_t i = 0; i < BX_ARRAY_LEN(paths); i++)
        bx_free(paths[i]);
    pthread_mutex_destroy(&ws->lock);
    bx_free(ws);
}

const char *workspace_dir(const workspace *ws) { return ws->dir; }
const char *workspace_root(const workspace *ws) { return ws->root; }
const char *workspace_state_dir(const workspace *ws) { return ws->state_dir; }
const char *workspace_db_path(const workspace *ws) { return ws->db_path; }
const char *workspace_tools_dir(const workspace *ws) { return ws->tools_dir; }
const char *workspace_skills_dir(const workspace *ws) { return ws->skills_dir; }
const char *workspace_settings_path(const workspace *ws) { return ws->settings_path; }
const char *workspace_secrets_path(const workspace *ws) { return ws->secrets_path; }

/* ------------------------------------------------------------ settings */

json_t *workspace_settings(workspace *ws)
{
    pthread_mutex_lock(&ws->lock);
    json_t *s = json_incref(ws->effective);
    pthread_mutex_unlock(&ws->lock);
    return s;
}

const workspace_config *workspace_config_get(workspace *ws)
{
    pthread_mutex_lock(&ws->lock);
    const workspace_config *cfg = workspace_config_ref(ws->config);
    pthread_mutex_unlock(&ws->lock);
    return cfg;
}

const workspace_config *workspace_config_from_json(const json_t *doc, char **out_problems)
{
    json_t *eff = effective_of(json_is_object(doc) ? doc : NULL);
    bx_buf problems;
    bx_buf_init(&problems, 64 * 1024);
    workspace_config *cfg = workspace__config_build(eff, "settings", NULL, 0, &problems);
    json_decref(eff);
    if (out_problems)
        *out_problems = problems.len ? bx_strdup(problems.data) : NULL;
    bx_buf_release(&problems);
    return cfg;
}

char *workspace_settings_problems(workspace *ws)
{
    pthread_mutex_lock(&ws->lock);
    char *p = ws->config_problems ? bx_strdup(ws->config_problems) : NULL;
    pthread_mutex_unlock(&ws->lock);
    return p;
}

const bx_error *workspace_settings_error(const workspace *ws)
{
    return ws->settings_broken ? &ws->settings_err : NULL;
}

static bx_err save_json(const char *path, const json_t *doc, mode_t mode)
{
    bx_buf b;
    bx_buf_init(&b, WORKSPACE_FILE_MAX);
    bx_err err = jx_dump_pretty(doc, &b);
    if (!err)
        err = bx_buf_putc(&b, '\n');
    if (!err)
        err = bx_write_file_atomic(path, b.data, b.len, mode);
    bx_buf_release(&b);
    return err;
}

/* The problems the settings document next has that before has not, as
 * "path: expected ..." joined by "; ". */
static void new_problems(const json_t *before, const json_t *next, bx_buf *out)
{
    bx_buf was, now;
    bx_buf_init(&was, 64 * 1024);
    bx_buf_init(&now, 64 * 1024);
    const json_t *docs[2] = {before, next};
    bx_buf *bufs[2] = {&was, &now};
    for (int i = 0; i < 2; i++) {
        json_t *eff = effective_of(docs[i]);
        workspace_config_release(workspace__config_build(eff, "settings", NULL, 0, bufs[i]));
        json_decref(eff);
    }
    for (char *line = now.data; line && *line;) {
        char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        bool known = false;
        for (char *w = was.data; w && *w && !known;) {
            char *wn = strchr(w, '\n');
            size_t m = wn ? (size_t)(wn - w) : strlen(w);
            known = m == n && memcmp(w, line, n) == 0;
            w = wn ? wn + 1 : NULL;
        }
        /* "settings: " names no file: drop it from the message */
        const char *msg = strncmp(line, "settings: ", 10) == 0 ? line + 10 : line;
        if (!known)
            bx_buf_printf(out, "%s%.*s", out->len ? "; " : "", (int)(n - (size_t)(msg - line)),
                          msg);
        line = nl ? nl + 1 : NULL;
    }
    bx_buf_release(&was);
    bx_buf_release(&now);
}

bx_err workspace_settings_update(workspace *ws, const json_t *patch, bx_error *detail)
{
    if (!json_is_object(patch))
        return bx_error_set(detail, BX_INVALID, -1, "settings update must be a JSON object");
    const char *leaked = find_secret_key(patch);
    if (leaked)
        return bx_error_set(detail, BX_INVALID, -1,
                            "field \"%s\" is a secret: set it as a secret, not a setting", leaked);
    pthread_mutex_lock(&ws->lock);
    bx_err err;
    /* Pick up hand edits first so a save never reverts them. */
    bx_error e;
    if (load_settings(ws, &e) != BX_OK || ws->settings_broken) {
        err = bx_error_set(detail, BX_PARSE, e.position,
                           "%s; fix the file before saving (it was not changed)", e.message);
        goto out;
    }
    json_t *next = json_deep_copy(ws->file_doc);
    merge_into(next, patch, true);
    /* A save never adds a value the runtime would have to replace (one
     * the file already had is the hand edit's, reported at load). */
    bx_buf added;
    bx_buf_init(&added, 64 * 1024);
    new_problems(ws->file_doc, next, &added);
    if (added.len) {
        err = bx_error_set(detail, BX_INVALID, -1, "%s (nothing was saved)", added.data);
        bx_buf_release(&added);
        json_decref(next);
        goto out;
    }
    bx_buf_release(&added);
    err = save_json(ws->settings_path, next, 0644);
    if (err) {
        bx_error_set(detail, err, -1, "cannot save %s: %s", ws->settings_path, bx_err_str(err));
        json_decref(next);
        goto out;
    }
    json_decref(ws->file_doc);
    ws->file_doc = next;
    rebuild_effective(ws, NULL, 0);
out:
    pthread_mutex_unlock(&ws->lock);
    return err;
}

bx_err workspace_settings_reload(workspace *ws, bx_error *detail)
{
    pthread_mutex_lock(&ws->lock);
    bx_err err = load_settings(ws, detail);
    pthread_mutex_unlock(&ws->lock);
    return err;
}

/* ------------------------------------------------------------- secrets */

/* Loads secrets.json (an object of strings); missing = empty. Lock held. */
static json_t *load_secrets(workspace *ws, bx_err *out_err)
{
    struct stat st;
    *out_err = BX_OK;
    if (stat(ws->secrets_path, &st) != 0)
        return json_object();
    bx_error e;
    json_t *doc = jx_parse_file(ws->secrets_path, WORKSPACE_FILE_MAX, &e);
    if (!json_is_object(doc)) {
        /* Never echo the file's content: it holds secrets. */
        bx_log(BX_LOG_WARN, "workspace", "%s is not a valid JSON object (line %d, column %d)",
               ws->secrets_path, e.line, e.column);
        json_decref(doc);
        *out_err = BX_PARSE;
        return NULL;
    }
    return doc;
}

char *workspace_secret(workspace *ws, const char *name)
{
    char *value = NULL;
    bx_err err;
    pthread_mutex_lock(&ws->lock);
    json_t *doc = load_secrets(ws, &err);
    const char *v = jx_str(doc, name, NULL);
    if (v && *v)
        value = bx_strdup(v);
    json_decref(doc);
    pthread_mutex_unlock(&ws->lock);
    if (!value) {
        const char *env = getenv(name);
        if (env && *env)
            value = bx_strdup(env);
    }
    return value;
}

bool workspace_secret_present(workspace *ws, const char *name)
{
    char *v = workspace_secret(ws, name);
    if (!v)
        return false;
    explicit_bzero(v, strlen(v));
    bx_free(v);
    return true;
}

bx_err workspace_secret_set(workspace *ws, const char *name, const char *value)
{
    if (!name || !*name)
        return BX_INVALID;
    pthread_mutex_lock(&ws->lock);
    bx_err err;
    json_t *doc = load_secrets(ws, &err);
    if (doc) {
        if (value)
            json_object_set_new(doc, name, json_string(value));
        else
            json_object_del(doc, name);
        err = save_json(ws->secrets_path, doc, 0600);
        json_decref(doc);
    }
    pthread_mutex_unlock(&ws->lock);
    return err;
}

/* ----------------------------------------------------------- AGENTS.md */

static bx_err append_md(const char *path, const char *label, bx_buf *out)
{
    bx_buf b;
    bx_buf_init(&b, 1 << 20);
    bx_err err = bx_read_file(path, 1 << 20, &b);
    if (err == BX_NOTFOUND) {
        err = BX_OK;
    } else if (!err && b.len) {
        err = bx_buf_printf(out, "%s# %s\n\n%s\n", out->len ? "\n" : "", label, b.data);
    }
    bx_buf_release(&b);
    return err;
}

bx_err workspace_agents_md(workspace *ws, bx_buf *out)
{
    bx_err err = append_md(ws->agents_md_path, ".boxagnts/AGENTS.md", out);
    if (err)
        return err;
    char *root_md = bx_sprintf("%s/AGENTS.md", ws->root);
    err = append_md(root_md, "AGENTS.md", out);
    bx_free(root_md);
    return err;
}

bx_err workspace_agents_md_write(workspace *ws, const char *text, size_t len)
{
    return bx_write_file_atomic(ws->agents_md_path, text, len, 0644);
}
