/* tool.c: the guest side of the tool contract (tool.h, docs/tools.md).
 *
 * tool_main() turns argv (or one JSON object on stdin) into an input
 * object, checks it against the tool's parameter list (the host validates
 * the full schema before a run; this check keeps the guest honest when run
 * on its own, e.g. under node:wasi), runs the tool and prints the result
 * envelope. The spec and the help text are generated from the same table.
 */
#include "tool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------ output */

int tool_fail(tool_out *out, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    out->error = true;
    out->content.len = 0;
    sb_puts(&out->content, msg);
    return 1;
}

static void meta_key(tool_out *out, const char *key)
{
    if (out->meta.len) sb_putc(&out->meta, ',');
    jw_cstr(&out->meta, key);
    sb_putc(&out->meta, ':');
}

void tool_meta_num(tool_out *out, const char *key, double v) { meta_key(out, key); jw_num(&out->meta, v); }
void tool_meta_str(tool_out *out, const char *key, const char *v) { meta_key(out, key); jw_cstr(&out->meta, v); }
void tool_meta_bool(tool_out *out, const char *key, bool v) { meta_key(out, key); sb_puts(&out->meta, v ? "true" : "false"); }
void tool_meta_raw(tool_out *out, const char *key, const char *json) { meta_key(out, key); sb_puts(&out->meta, json); }

size_t tool_utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t need;
    unsigned cp, min;
    if (c >= 0xC2 && c <= 0xDF) { need = 1; cp = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { need = 2; cp = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { need = 3; cp = c & 0x07; min = 0x10000; }
    else return 0;
    if (need >= n) return 0;
    for (size_t k = 1; k <= need; k++) {
        if ((s[k] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return need + 1;
}

static void emit_result(tool_out *out)
{
    sb env;
    sb_init(&env);
    size_t n = out->content.len;
    size_t cut = n;
    if (n > TOOL_MAX_CONTENT) {
        cut = TOOL_MAX_CONTENT;
        /* back up to a character boundary */
        while (cut > 0 && ((unsigned char)out->content.data[cut] & 0xC0) == 0x80) cut--;
    }
    sb_puts(&env, "{\"content\":");
    if (cut < n) {
        sb tmp;
        sb_init(&tmp);
        sb_putn(&tmp, out->content.data, cut);
        sb_printf(&tmp, "\n[... output truncated: %zu more bytes]", n - cut);
        jw_str(&env, sb_str(&tmp), tmp.len);
        sb_free(&tmp);
    } else {
        jw_str(&env, sb_str(&out->content), n);
    }
    sb_printf(&env, ",\"error\":%s,\"metadata\":{", out->error ? "true" : "false");
    if (cut < n) {
        if (out->meta.len) sb_putc(&out->meta, ',');
        sb_puts(&out->meta, "\"truncated\":true");
    }
    sb_putn(&env, sb_str(&out->meta), out->meta.len);
    sb_puts(&env, "}}\n");
    if (env.oom || out->content.oom || out->meta.oom) {
        static const char oom[] = "{\"content\":\"out of memory while building the result\",\"error\":true,\"metadata\":{}}\n";
        if (write(1, oom, sizeof oom - 1) < 0) out->error = true;
    } else {
        /* straight to fd 1: stdio would copy it once more, byte by byte */
        size_t off = 0;
        while (off < env.len) {
            ssize_t w = write(1, env.data + off, env.len - off);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) break;
            off += (size_t)w;
        }
    }
    sb_free(&env);
}

/* ------------------------------------------------------------ spec and help */

static js *param_extra(const tool_param *p)
{
    if (!p->extra || !p->extra[0]) return NULL;
    sb b;
    sb_init(&b);
    sb_putc(&b, '{');
    sb_puts(&b, p->extra);
    sb_putc(&b, '}');
    js *v = js_parse(sb_str(&b), b.len, NULL, 0);
    sb_free(&b);
    return v;
}

void tool_print_spec(const tool_def *def, sb *out)
{
    sb_puts(out, "{\"name\":");
    jw_cstr(out, def->name);
    sb_puts(out, ",\"description\":");
    jw_cstr(out, def->description);
    sb_puts(out, ",\"level\":");
    jw_cstr(out, def->level);
    sb_puts(out, ",\"keywords\":[");
    const char *k = def->keywords ? def->keywords : "";
    bool first = true;
    while (*k) {
        const char *e = strchr(k, ',');
        size_t l = e ? (size_t)(e - k) : strlen(k);
        while (l && *k == ' ') { k++; l--; }
        if (l) {
            if (!first) sb_putc(out, ',');
            jw_str(out, k, l);
            first = false;
        }
        k += l;
        if (*k == ',') k++;
    }
    sb_puts(out, "],\"input_schema\":{\"type\":\"object\",\"properties\":{");
    for (int i = 0; i < def->nparams; i++) {
        const tool_param *p = &def->params[i];
        if (i) sb_putc(out, ',');
        jw_cstr(out, p->name);
        sb_puts(out, ":{\"type\":");
        jw_cstr(out, p->type);
        sb_puts(out, ",\"description\":");
        jw_cstr(out, p->description);
        if (p->extra && p->extra[0]) {
            sb_putc(out, ',');
            sb_puts(out, p->extra);
        }
        sb_putc(out, '}');
    }
    sb_puts(out, "},\"required\":[");
    first = true;
    for (int i = 0; i < def->nparams; i++) {
        if (!def->params[i].required) continue;
        if (!first) sb_putc(out, ',');
        jw_cstr(out, def->params[i].name);
        first = false;
    }
    sb_puts(out, "],\"additionalProperties\":false}}\n");
}

/* Field name -> flag name: snake_case to kebab-case; a field named like a
 * short option ("-A") is the flag --A. */
static void kebab(const char *name, char *out, size_t cap)
{
    size_t i = 0;
    while (*name == '-') name++;
    for (; name[i] && i + 1 < cap; i++) out[i] = name[i] == '_' ? '-' : name[i];
    out[i] = 0;
}

void tool_print_help(const tool_def *def, sb *out)
{
    sb_printf(out, "%s\n\nUsage: %s [OPTIONS]", def->description, def->name);
    char kb[128];
    for (int i = 0; i < def->nparams; i++) {
        if (!def->params[i].required) continue;
        kebab(def->params[i].name, kb, sizeof kb);
        sb_printf(out, " --%s <VALUE>", kb);
    }
    sb_puts(out, "\n\nOptions:\n");
    for (int i = 0; i < def->nparams; i++) {
        const tool_param *p = &def->params[i];
        kebab(p->name, kb, sizeof kb);
        char left[160];
        if (strcmp(p->type, "boolean") == 0) snprintf(left, sizeof left, "--%s", kb);
        else snprintf(left, sizeof left, "--%s <VALUE>", kb);
        sb_printf(out, "      %-28s %s", left, p->description);
        js *x = param_extra(p);
        js *d = js_get(x, "default");
        if (d) {
            sb_puts(out, " [default: ");
            if (d->type == JS_STR) sb_puts(out, d->str);
            else jw_value(out, d);
            sb_putc(out, ']');
        }
        js *en = js_get(x, "enum");
        if (en && en->type == JS_ARR) {
            sb_puts(out, " [possible values: ");
            for (size_t k = 0; k < en->len; k++) {
                if (k) sb_puts(out, ", ");
                if (en->items[k]->type == JS_STR) sb_puts(out, en->items[k]->str);
                else jw_value(out, en->items[k]);
            }
            sb_putc(out, ']');
        }
        if (p->required) sb_puts(out, " [required]");
        sb_putc(out, '\n');
        js_free(x);
    }
    sb_printf(out, "      %-28s %s\n", "--json-stdin", "Read the input as one JSON object from stdin");
    sb_printf(out, "      %-28s %s\n", "--json <JSON>", "The input as one JSON object");
    sb_printf(out, "      %-28s %s\n", "--boxagnts-spec", "Print the machine-readable spec (JSON)");
    sb_printf(out, "  -h, %-28s %s\n", "--help", "Print help");
}

/* ------------------------------------------------------------ input */

static const tool_param *find_param(const tool_def *def, const char *name)
{
    for (int i = 0; i < def->nparams; i++)
        if (strcmp(def->params[i].name, name) == 0) return &def->params[i];
    return NULL;
}

static bool type_ok(const char *type, const js *v)
{
    if (strcmp(type, "string") == 0) return v->type == JS_STR;
    if (strcmp(type, "integer") == 0) return js_is_int(v);
    if (strcmp(type, "number") == 0) return v->type == JS_NUM;
    if (strcmp(type, "boolean") == 0) return v->type == JS_BOOL;
    if (strcmp(type, "array") == 0) return v->type == JS_ARR;
    if (strcmp(type, "object") == 0) return v->type == JS_OBJ;
    return false;
}

bool tool_check_input(const tool_def *def, const js *input, char *err, size_t err_cap)
{
    if (!input || input->type != JS_OBJ) {
        snprintf(err, err_cap, "the input must be a JSON object");
        return false;
    }
    for (size_t k = 0; k < input->len; k++) {
        const tool_param *p = find_param(def, input->keys[k]);
        if (!p) {
            snprintf(err, err_cap, "unknown field '%s'", input->keys[k]);
            return false;
        }
        const js *v = input->items[k];
        if (!type_ok(p->type, v)) {
            snprintf(err, err_cap, "field '%s' must be of type %s", p->name, p->type);
            return false;
        }
        js *x = param_extra(p);
        bool ok = true;
        js *en = js_get(x, "enum");
        if (en && en->type == JS_ARR) {
            ok = false;
            for (size_t e = 0; e < en->len && !ok; e++) ok = js_equal(en->items[e], v);
            if (!ok) snprintf(err, err_cap, "field '%s' must be one of the allowed values", p->name);
        }
        js *mn = js_get(x, "minimum"), *mx = js_get(x, "maximum");
        if (ok && v->type == JS_NUM && mn && mn->type == JS_NUM && v->num < mn->num) {
            snprintf(err, err_cap, "field '%s' must be >= %g", p->name, mn->num);
            ok = false;
        }
        if (ok && v->type == JS_NUM && mx && mx->type == JS_NUM && v->num > mx->num) {
            snprintf(err, err_cap, "field '%s' must be <= %g", p->name, mx->num);
            ok = false;
        }
        js_free(x);
        if (!ok) return false;
    }
    for (int i = 0; i < def->nparams; i++) {
        if (def->params[i].required && !js_get(input, def->params[i].name)) {
            snprintf(err, err_cap, "missing required field '%s'", def->params[i].name);
            return false;
        }
    }
    return true;
}

static js *read_stdin(char *err, size_t err_cap)
{
    sb b;
    sb_init(&b);
    /* on the heap: the wasm shadow stack is only 64 KiB */
    enum { CHUNK = 4096 }; /* tool inputs are small; a bigger first allocation costs a memory.grow */
    char *chunk = malloc(CHUNK);
    if (!chunk) {
        snprintf(err, err_cap, "out of memory");
        return NULL;
    }
    size_t r;
    while ((r = fread(chunk, 1, CHUNK, stdin)) > 0) {
        if (b.len + r > TOOL_MAX_INPUT) {
            free(chunk);
            sb_free(&b);
            snprintf(err, err_cap, "input on stdin is larger than %u bytes", TOOL_MAX_INPUT);
            return NULL;
        }
        sb_putn(&b, chunk, r);
    }
    free(chunk);
    char perr[200];
    js *v = js_parse(sb_str(&b), b.len, perr, sizeof perr);
    sb_free(&b);
    if (!v) snprintf(err, err_cap, "invalid JSON input: %s", perr);
    return v;
}

static js *scalar_from_text(const tool_param *p, const char *text, char *err, size_t err_cap)
{
    if (strcmp(p->type, "string") == 0) {
        js *v = calloc(1, sizeof *v);
        if (!v) return NULL;
        v->type = JS_STR;
        v->len = strlen(text);
        v->str = strdup(text);
        if (!v->str) { free(v); return NULL; }
        return v;
    }
    if (strcmp(p->type, "boolean") == 0 && strcmp(text, "true") != 0 && strcmp(text, "false") != 0) {
        snprintf(err, err_cap, "--%s takes true or false", p->name);
        return NULL;
    }
    char perr[160];
    js *v = js_parse(text, strlen(text), perr, sizeof perr);
    if (!v) snprintf(err, err_cap, "bad value for field '%s': %s", p->name, perr);
    return v;
}

js *tool_parse_args(const tool_def *def, int argc, char **argv, char *err, size_t err_cap)
{
    js *obj = calloc(1, sizeof *obj);
    if (!obj) return NULL;
    obj->type = JS_OBJ;
    size_t cap = (size_t)def->nparams + 1;
    obj->items = calloc(cap, sizeof *obj->items);
    obj->keys = calloc(cap, sizeof *obj->keys);
    if (!obj->items || !obj->keys) goto fail;
    for (int a = 1; a < argc; a++) {
        const char *arg = argv[a];
        if (arg[0] != '-' || arg[1] == 0) {
            snprintf(err, err_cap, "unexpected argument '%s' (options are --kebab-case)", arg);
            goto fail;
        }
        /* "--name" or, for fields named like short options, "-A" */
        const char *body = arg[1] == '-' ? arg + 2 : arg + 1;
        char name[128];
        const char *eq = strchr(body, '=');
        size_t nl = eq ? (size_t)(eq - body) : strlen(body);
        if (nl == 0 || nl + 2 >= sizeof name) {
            snprintf(err, err_cap, "bad option '%s'", arg);
            goto fail;
        }
        for (size_t i = 0; i < nl; i++) name[i] = body[i] == '-' ? '_' : body[i];
        name[nl] = 0;
        const tool_param *p = find_param(def, name);
        if (!p) {
            memmove(name + 1, name, nl + 1);
            name[0] = '-';
            p = find_param(def, name);
        }
        if (!p) {
            snprintf(err, err_cap, "unknown option '%s' (see --help)", arg);
            goto fail;
        }
        if (js_get(obj, name)) {
            snprintf(err, err_cap, "option '%s' given twice", arg);
            goto fail;
        }
        const char *text = eq ? eq + 1 : NULL;
        bool is_bool = strcmp(p->type, "boolean") == 0;
        if (!text && !is_bool) {
            if (a + 1 >= argc) {
                snprintf(err, err_cap, "option '%s' needs a value", arg);
                goto fail;
            }
            text = argv[++a];
        }
        js *v = text ? scalar_from_text(p, text, err, err_cap) : calloc(1, sizeof(js));
        if (!v) goto fail;
        if (!text) { v->type = JS_BOOL; v->b = true; }
        obj->keys[obj->len] = strdup(name);
        obj->items[obj->len] = v;
        obj->len++;
        if (!obj->keys[obj->len - 1]) goto fail;
    }
    return obj;
fail:
    js_free(obj);
    return NULL;
}

int tool_main(const tool_def *def, int argc, char **argv)
{
    char err[1024] = "";
    tool_out out;
    memset(&out, 0, sizeof out);
    sb_init(&out.content);
    sb_init(&out.meta);
    js *input = NULL;
    if (argc >= 2 && strcmp(argv[1], "--boxagnts-spec") == 0) {
        sb s;
        sb_init(&s);
        tool_print_spec(def, &s);
        fwrite(sb_str(&s), 1, s.len, stdout);
        sb_free(&s);
        return 0;
    }
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        sb s;
        sb_init(&s);
        tool_print_help(def, &s);
        fwrite(sb_str(&s), 1, s.len, stdout);
        sb_free(&s);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--json-stdin") == 0) {
        input = read_stdin(err, sizeof err);
    } else if (argc == 3 && strcmp(argv[1], "--json") == 0) {
        char perr[200];
        input = js_parse(argv[2], strlen(argv[2]), perr, sizeof perr);
        if (!input) snprintf(err, sizeof err, "invalid JSON input: %s", perr);
    } else {
        input = tool_parse_args(def, argc, argv, err, sizeof err);
    }
    int rc;
    if (!input) {
        tool_fail(&out, "%s", err[0] ? err : "out of memory");
    } else if (!tool_check_input(def, input, err, sizeof err)) {
        tool_fail(&out, "invalid input: %s", err);
    } else {
        rc = def->run(input, &out);
        if (rc != 0) out.error = true;
    }
    emit_result(&out);
    rc = out.error ? 1 : 0;
    js_free(input);
    sb_free(&out.content);
    sb_free(&out.meta);
    return rc;
}

/* ------------------------------------------------------------ helpers */

char *tool_abs_path(const char *path)
{
    size_t n = strlen(path);
    char *out = malloc(n + 2);
    if (!out) return NULL;
    size_t o = 0;
    out[o++] = '/';
    const char *p = path;
    while (*p) {
        while (*p == '/') p++;
        if (!*p) break;
        const char *e = strchr(p, '/');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == 1 && p[0] == '.') {
            /* skip */
        } else if (l == 2 && p[0] == '.' && p[1] == '.') {
            while (o > 1 && out[o - 1] != '/') o--;
            if (o > 1) o--;
        } else {
            if (out[o - 1] != '/') out[o++] = '/';
            memcpy(out + o, p, l);
            o += l;
        }
        p += l;
    }
    if (o > 1 && out[o - 1] == '/') o--;
    out[o] = 0;
    return out;
}

long tool_read_file(const char *path, size_t max, char **out)
{
    *out = NULL;
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        errno = EISDIR;
        return -1;
    }
    size_t cap = st.st_size > 0 && (size_t)st.st_size < max ? (size_t)st.st_size + 1 : 4096;
    char *buf = malloc(cap + 1);
    size_t n = 0;
    if (!buf) { close(fd); errno = ENOMEM; return -1; }
    for (;;) {
        if (n == cap) {
            if (cap > max) { free(buf); close(fd); return -2; }
            size_t nc = cap * 2 > max + 1 ? max + 1 : cap * 2;
            char *nb = realloc(buf, nc + 1);
            if (!nb) { free(buf); close(fd); errno = ENOMEM; return -1; }
            buf = nb;
            cap = nc;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            free(buf);
            close(fd);
            errno = e;
            return -1;
        }
        if (r == 0) break;
        n += (size_t)r;
        if (n > max) { free(buf); close(fd); return -2; }
    }
    close(fd);
    buf[n] = 0;
    *out = buf;
    return (long)n;
}

long tool_get_int(const js *input, const char *key, long fallback, long lo, long hi)
{
    js *v = js_get(input, key);
    if (!v || v->type != JS_NUM) return fallback;
    double d = v->num;
    if (d < (double)lo) return lo;
    if (d > (double)hi) return hi;
    return (long)d;
}

const char *tool_errno_str(int e)
{
    switch (e) {
    case ENOENT: return "no such file or directory";
    case EACCES: case EPERM: return "permission denied";
#ifdef ENOTCAPABLE
    case ENOTCAPABLE: return "not allowed: the path is outside the tree this tool can see, or the tool lacks the right";
#endif
    case EISDIR: return "is a directory";
    case ENOTDIR: return "not a directory";
    case EROFS: return "read-only file system (this tool may not write)";
    case ENOSPC: return "no space left";
    case EEXIST: return "already exists";
    case ELOOP: return "too many levels of symbolic links";
    case ENAMETOOLONG: return "file name too long";
    default: return strerror(e);
    }
}

/* mkdir -p for the parents of path (an absolute guest path). */
static int make_parents(char *path, tool_out *out)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        struct stat st;
        if (stat(path, &st) != 0) {
            if (mkdir(path, 0755) != 0 && errno != EEXIST) {
                int e = errno;
                tool_fail(out, "cannot create directory %s: %s", path, tool_errno_str(e));
                *p = '/';
                return -1;
            }
        } else if (!S_ISDIR(st.st_mode)) {
            tool_fail(out, "cannot create %s: %s exists and is not a directory", path, path);
            *p = '/';
            return -1;
        }
        *p = '/';
    }
    return 0;
}

static int write_atomic(const char *path, const char *data, size_t len, tool_out *out)
{
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 32);
    if (!tmp) return tool_fail(out, "out of memory");
    const char *slash = strrchr(path, '/');
    snprintf(tmp, pl + 32, "%.*s/.%s.%08x.tmp", (int)(slash - path), path, slash + 1, (unsigned)arc4random());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return tool_fail(out, "cannot write %s: %s", path, tool_errno_str(e));
    }
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            close(fd);
            unlink(tmp);
            free(tmp);
            return tool_fail(out, "cannot write %s: %s", path, tool_errno_str(e));
        }
        off += (size_t)w;
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        free(tmp);
        return tool_fail(out, "cannot replace %s: %s", path, tool_errno_str(e));
    }
    free(tmp);
    return 0;
}

int tool_write_file(const char *path, const char *data, size_t len, bool parents, tool_out *out)
{
    if (parents) {
        char *p = strdup(path);
        if (!p) return tool_fail(out, "out of memory");
        int r = make_parents(p, out);
        free(p);
        if (r != 0) return 1;
    }
    return write_atomic(path, data, len, out);
}
