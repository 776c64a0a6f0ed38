/* registry.c: the tool registry — embedded tools, extension tools with
 * inotify hot reload, lookup, listing, search and the tool_search tool.
 *
 * The map from name to tool is guarded by one mutex held only to swap or
 * copy references; loading a module (translation + running --boxagnts-spec)
 * happens outside it, so lookups never wait on a load. Embedded tools are
 * remembered separately so deleting an override brings the original back.
 * A module that fails to load is logged and recorded in errors; the
 * previous version of that tool (if any) stays registered.
 */
#include "tools/tools.h"
#include "json/json.h"
#include "tools/tools_int.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#define MAX_MODULE_BYTES (64u << 20)

struct tools_registry {
    pthread_mutex_t mu;
    bx_map tools;       /* name -> tools_tool * (one reference each) */
    bx_map embedded;    /* name -> tools_tool * of the embedded originals */
    json_t *errors;     /* file -> message */
    sandbox_cache *cache;
    char *dir;          /* watched extensions directory */
    int ino_fd, stop_pipe[2];
    pthread_t thread;
    bool watching;
    _Atomic uint64_t generation;
};

tools_registry *tools_registry_new(sandbox_cache *cache)
{
    tools_registry *reg = bx_calloc(1, sizeof *reg);
    pthread_mutex_init(&reg->mu, NULL);
    bx_map_init(&reg->tools);
    bx_map_init(&reg->embedded);
    reg->errors = json_object();
    reg->cache = cache;
    reg->ino_fd = reg->stop_pipe[0] = reg->stop_pipe[1] = -1;
    return reg;
}

static void unref_all(bx_map *m)
{
    bx_map_entry *e;
    for (size_t i = 0; bx_map_next(m, &i, &e);) tools_tool_unref(e->value);
    bx_map_release(m);
}

void tools_registry_free(tools_registry *reg)
{
    if (!reg) return;
    if (reg->watching) {
        char c = 'x';
        if (write(reg->stop_pipe[1], &c, 1) < 0) bx_log(BX_LOG_WARN, "tools", "cannot stop the tool watcher");
        pthread_join(reg->thread, NULL);
    }
    if (reg->ino_fd >= 0) close(reg->ino_fd);
    if (reg->stop_pipe[0] >= 0) close(reg->stop_pipe[0]);
    if (reg->stop_pipe[1] >= 0) close(reg->stop_pipe[1]);
    unref_all(&reg->tools);
    unref_all(&reg->embedded);
    json_decref(reg->errors);
    bx_free(reg->dir);
    pthread_mutex_destroy(&reg->mu);
    bx_free(reg);
}

void tools_registry_add(tools_registry *reg, tools_tool *t)
{
    void *old = NULL;
    tools_tool_ref(t);
    pthread_mutex_lock(&reg->mu);
    bx_map_puts(&reg->tools, tools_tool_name(t), t, &old);
    pthread_mutex_unlock(&reg->mu);
    tools_tool_unref(old);
}

bool tools_registry_remove(tools_registry *reg, const char *name)
{
    pthread_mutex_lock(&reg->mu);
    tools_tool *t = bx_map_del(&reg->tools, name, strlen(name));
    pthread_mutex_unlock(&reg->mu);
    tools_tool_unref(t);
    return t != NULL;
}

tools_tool *tools_registry_get(tools_registry *reg, const char *name)
{
    pthread_mutex_lock(&reg->mu);
    tools_tool *t = tools_tool_ref(bx_map_gets(&reg->tools, name));
    pthread_mutex_unlock(&reg->mu);
    return t;
}

static int cmp_tool(const void *a, const void *b)
{
    return strcmp(tools_tool_name(*(tools_tool *const *)a), tools_tool_name(*(tools_tool *const *)b));
}

size_t tools_registry_list(tools_registry *reg, tools_tool ***out)
{
    pthread_mutex_lock(&reg->mu);
    size_t n = reg->tools.len, k = 0;
    tools_tool **v = bx_calloc(n ? n : 1, sizeof *v);
    bx_map_entry *e;
    for (size_t i = 0; bx_map_next(&reg->tools, &i, &e) && k < n;) v[k++] = tools_tool_ref(e->value);
    pthread_mutex_unlock(&reg->mu);
    qsort(v, k, sizeof *v, cmp_tool);
    *out = v;
    return k;
}

void tools_list_free(tools_tool **tools, size_t n)
{
    for (size_t k = 0; k < n; k++) tools_tool_unref(tools[k]);
    bx_free(tools);
}

uint64_t tools_registry_generation(tools_registry *reg) { return atomic_load(&reg->generation); }

json_t *tools_registry_errors(tools_registry *reg)
{
    pthread_mutex_lock(&reg->mu);
    json_t *e = json_deep_copy(reg->errors);
    pthread_mutex_unlock(&reg->mu);
    return e;
}

/* ------------------------------------------------------------- embedded */

bx_err tools_registry_add_embedded(tools_registry *reg)
{
    bx_err first = BX_OK;
    for (size_t k = 0; k < tools__embedded_count; k++) {
        const tools__embedded *e = &tools__embedded_list[k];
        tools_tool *t = NULL;
        bx_error detail;
        bx_error_clear(&detail);
        char source[64];
        snprintf(source, sizeof source, "embedded");
        bx_err err = tools_wasm_tool_new(e->name, e->data, (size_t)(e->end - e->data), source, reg->cache, &detail, &t);
        if (err) {
            bx_log(BX_LOG_ERROR, "tools", "embedded tool %s: %s", e->name, detail.message);
            if (!first) first = err;
            continue;
        }
        void *old = NULL;
        pthread_mutex_lock(&reg->mu);
        bx_map_puts(&reg->embedded, e->name, tools_tool_ref(t), &old);
        tools_tool_unref(old);
        old = NULL;
        bx_map_puts(&reg->tools, e->name, t, &old);
        pthread_mutex_unlock(&reg->mu);
        tools_tool_unref(old);
    }
    return first;
}

/* ------------------------------------------------------------- extensions */

static bool wasm_name(const char *file, char *name, size_t cap)
{
    size_t l = strlen(file);
    if (l <= 5 || strcmp(file + l - 5, ".wasm") != 0 || file[0] == '.' || l - 5 >= cap) return false;
    memcpy(name, file, l - 5);
    name[l - 5] = 0;
    for (char *p = name; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '-')) return false;
    return true;
}

static void set_error(tools_registry *reg, const char *file, const char *msg)
{
    pthread_mutex_lock(&reg->mu);
    if (msg) json_object_set_new(reg->errors, file, json_string(msg));
    else json_object_del(reg->errors, file);
    pthread_mutex_unlock(&reg->mu);
}

/* Loads (or reloads) dir/file; false when the file is not a tool file. */
static bool load_file(tools_registry *reg, const char *file)
{
    char name[128];
    if (!wasm_name(file, name, sizeof name)) return false;
    bx_buf path, bytes;
    bx_buf_init(&path, 8192);
    bx_buf_init(&bytes, MAX_MODULE_BYTES);
    bx_path_join(reg->dir, file, &path);
    bx_err err = bx_read_file(path.data, MAX_MODULE_BYTES, &bytes);
    if (err) {
        char msg[300];
        snprintf(msg, sizeof msg, "cannot read: %s", bx_err_str(err));
        set_error(reg, file, msg);
        bx_log(BX_LOG_WARN, "tools", "%s: %s", path.data, msg);
    } else {
        tools_tool *t = NULL;
        bx_error detail;
        bx_error_clear(&detail);
        err = tools_wasm_tool_new(name, bytes.data, bytes.len, path.data, reg->cache, &detail, &t);
        if (err) {
            set_error(reg, file, detail.message[0] ? detail.message : bx_err_str(err));
            bx_log(BX_LOG_WARN, "tools", "skipping a tool: %s", detail.message);
        } else {
            set_error(reg, file, NULL);
            tools_registry_add(reg, t);
            tools_tool_unref(t);
            bx_log(BX_LOG_INFO, "tools", "loaded tool %s from %s", name, path.data);
        }
    }
    bx_buf_release(&path);
    bx_buf_release(&bytes);
    return true;
}

static bool unload_file(tools_registry *reg, const char *file)
{
    char name[128];
    if (!wasm_name(file, name, sizeof name)) return false;
    set_error(reg, file, NULL);
    void *old = NULL;
    pthread_mutex_lock(&reg->mu);
    tools_tool *orig = bx_map_gets(&reg->embedded, name);
    tools_tool *cur = bx_map_gets(&reg->tools, name);
    if (cur && strcmp(tools_tool_source(cur), "embedded") != 0) {
        if (orig) bx_map_puts(&reg->tools, name, tools_tool_ref(orig), &old);
        else old = bx_map_del(&reg->tools, name, strlen(name));
    }
    pthread_mutex_unlock(&reg->mu);
    tools_tool_unref(old);
    bx_log(BX_LOG_INFO, "tools", "tool file %s removed", file);
    return true;
}

static void *watch_main(void *arg)
{
    tools_registry *reg = arg;
    char *buf = bx_malloc(64 * 1024);
    for (;;) {
        struct pollfd p[2] = {{reg->ino_fd, POLLIN, 0}, {reg->stop_pipe[0], POLLIN, 0}};
        int r = poll(p, 2, -1);
        if (r < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (p[1].revents) break;
        if (!(p[0].revents & POLLIN)) continue;
        ssize_t n = read(reg->ino_fd, buf, 64 * 1024);
        if (n <= 0) continue;
        for (ssize_t off = 0; off < n;) {
            const struct inotify_event *ev = (const struct inotify_event *)(const void *)(buf + off);
            off += (ssize_t)(sizeof *ev + ev->len);
            if (!ev->len) continue;
            bool applied = false;
            if (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) applied = load_file(reg, ev->name);
            else if (ev->mask & (IN_DELETE | IN_MOVED_FROM)) applied = unload_file(reg, ev->name);
            /* only changes to tool files count (temporary files do not) */
            if (applied) atomic_fetch_add(&reg->generation, 1);
        }
    }
    bx_free(buf);
    return NULL;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

bx_err tools_registry_load_dir(tools_registry *reg, const char *dir, bool watch)
{
    if (reg->dir) return BX_EXISTS;
    bx_err err = bx_mkdirs(dir, 0755);
    if (err) return err;
    reg->dir = bx_strdup(dir);
    if (watch) {
        /* watch first, so a file dropped during the scan is not missed */
        reg->ino_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (reg->ino_fd < 0 || inotify_add_watch(reg->ino_fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM) < 0 ||
            pipe2(reg->stop_pipe, O_CLOEXEC) != 0) {
            bx_log(BX_LOG_WARN, "tools", "cannot watch %s: %s (no hot reload)", dir, strerror(errno));
            watch = false;
        }
    }
    DIR *d = opendir(dir);
    if (d) {
        bx_vec names;
        bx_vec_init(&names, sizeof(char *));
        struct dirent *e;
        while ((e = readdir(d))) {
            char name[128];
            if (!wasm_name(e->d_name, name, sizeof name)) continue;
            char *copy = bx_strdup(e->d_name);
            bx_vec_push(&names, &copy);
        }
        closedir(d);
        if (names.len) qsort(names.data, names.len, sizeof(char *), cmp_str);
        for (size_t k = 0; k < names.len; k++) {
            load_file(reg, BX_VEC_AT(&names, char *, k));
            bx_free(BX_VEC_AT(&names, char *, k));
        }
        bx_vec_release(&names);
    }
    if (watch) {
        if (pthread_create(&reg->thread, NULL, watch_main, reg) == 0) reg->watching = true;
        else bx_log(BX_LOG_WARN, "tools", "cannot start the tool watcher (no hot reload)");
    }
    return BX_OK;
}

/* ------------------------------------------------------------- search */

typedef struct scored {
    tools_tool *t;
    int score;
} scored;

static int cmp_scored(const void *a, const void *b)
{
    const scored *x = a, *y = b;
    if (x->score != y->score) return y->score - x->score;
    return strcmp(tools_tool_name(x->t), tools_tool_name(y->t));
}

static bool contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    if (!n) return false;
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0) return true;
    return false;
}

size_t tools_registry_search(tools_registry *reg, const char *query, size_t max, tools_tool ***out)
{
    tools_tool **all;
    size_t n = tools_registry_list(reg, &all);
    scored *s = bx_calloc(n ? n : 1, sizeof *s);
    char *q = bx_strdup(query ? query : "");
    char *words[32];
    size_t nw = 0;
    char *save = NULL;
    for (char *w = strtok_r(q, " \t\n,;", &save); w && nw < 32; w = strtok_r(NULL, " \t\n,;", &save)) words[nw++] = w;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int score = 0;
        const char *name = tools_tool_name(all[i]);
        for (size_t w = 0; w < nw; w++) {
            if (strcasecmp(name, words[w]) == 0) score += 20;
            else if (contains_ci(name, words[w])) score += 10;
            size_t j;
            json_t *kw;
            json_array_foreach(tools_tool_keywords(all[i]), j, kw) {
                if (!json_is_string(kw)) continue;
                if (strcasecmp(json_string_value(kw), words[w]) == 0) score += 5;
                else if (contains_ci(json_string_value(kw), words[w])) score += 2;
            }
            if (contains_ci(tools_tool_description(all[i]), words[w])) score += 1;
        }
        if (score > 0) s[k++] = (scored){all[i], score};
    }
    qsort(s, k, sizeof *s, cmp_scored);
    size_t m = k < max ? k : max;
    tools_tool **res = bx_calloc(m ? m : 1, sizeof *res);
    for (size_t i = 0; i < m; i++) res[i] = tools_tool_ref(s[i].t);
    tools_list_free(all, n);
    bx_free(s);
    bx_free(q);
    *out = res;
    return m;
}

/* ------------------------------------------------------------- tool_search */

static bx_err search_execute(tools_tool *t, const json_t *input, const tools_ctx *ctx, tools_result *out)
{
    BX_UNUSED(ctx);
    tools_registry *reg = tools_tool_impl(t);
    const char *query = jx_str(input, "query", "");
    size_t max = (size_t)jx_int(input, "max_results", 10);
    tools_tool **found;
    size_t n = tools_registry_search(reg, query, max + 1, &found);
    bx_buf b;
    bx_buf_init(&b, BX_BUF_UNLIMITED);
    json_t *list = json_array();
    size_t shown = 0;
    for (size_t k = 0; k < n && shown < max; k++) {
        if (found[k] == t) continue; /* not itself */
        shown++;
        bx_buf_printf(&b, "%s (%s): %s\n", tools_tool_name(found[k]), tools_level_name(tools_tool_level(found[k])),
                      tools_tool_description(found[k]));
        json_array_append_new(list, json_pack("{s:s, s:s, s:O}", "name", tools_tool_name(found[k]), "level",
                                              tools_level_name(tools_tool_level(found[k])), "input_schema",
                                              tools_tool_schema(found[k])));
    }
    if (shown == 0) bx_buf_printf(&b, "No tools match \"%s\".", query);
    out->content = bx_buf_detach(&b, &out->content_len);
    json_object_set_new(out->metadata, "tools", list);
    tools_list_free(found, n);
    return BX_OK;
}

static const tools_ops search_ops = {search_execute, NULL};

void tools_registry_add_tool_search(tools_registry *reg)
{
    json_t *schema = json_pack(
        "{s:s, s:{s:{s:s, s:s, s:i}, s:{s:s, s:s, s:i, s:i, s:i}}, s:[s], s:b}", "type", "object", "properties",
        "query", "type", "string", "description", "Words to look for in tool names, descriptions and keywords",
        "maxLength", 1000, "max_results", "type", "integer", "description", "At most this many tools (default 10)",
        "minimum", 1, "maximum", 100, "default", 10, "required", "query", "additionalProperties", 0);
    json_t *kw = json_pack("[s,s,s,s]", "tools", "search", "discover", "capabilities");
    tools_tool *t = tools_tool_new("tool_search",
                                   "Searches the available tools by name, description and keywords; returns each "
                                   "match with its permission level and input schema.",
                                   TOOLS_NONE, schema, kw, "native", &search_ops, reg);
    json_decref(schema);
    json_decref(kw);
    tools_registry_add(reg, t);
    tools_tool_unref(t);
}
