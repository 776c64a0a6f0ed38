/* grep: searches file contents with the sdk's linear-time regex engine
 * (ReadOnly). ripgrep-like: output modes content / files_with_matches /
 * count, -A/-B/-C context, -i, -n, glob and type filters, head_limit and
 * multiline. Each file is searched as one buffer (not line by line): in
 * line mode the engine never lets a match cross a line break, so the first
 * match found locates the next matching line directly and text without
 * matches costs only the prefilter's scan. Binary files, .git directories
 * and files over 64 MiB are skipped and counted.
 */
#include "glob.h"
#include "regex.h"
#include "tool.h"
#include "walk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILE (64u * 1024 * 1024)
#define MAX_VISIT 500000
#define MAX_LINE_OUT 500
#define MAX_OUTPUT (4u * 1024 * 1024)

static const tool_param params[] = {
    {"pattern", "string", "Regular expression (ripgrep syntax: \\d \\w \\s \\b, (?i), lazy quantifiers; matched in linear time)", true, NULL},
    {"path", "string", "File or directory to search (default the root)", false, "\"default\":\"/\""},
    {"glob", "string", "Only files matching this glob, e.g. \"*.js\" or \"src/**/*.{ts,tsx}\"", false, NULL},
    {"type", "string", "Only files of this type: c, cpp, go, java, js, ts, py, rust, rb, sh, md, json, yaml, toml, html, css, txt, ...", false, NULL},
    {"output_mode", "string", "content (matching lines), files_with_matches (paths) or count (matches per file)", false,
     "\"enum\":[\"content\",\"files_with_matches\",\"count\"],\"default\":\"files_with_matches\""},
    {"-A", "integer", "Lines of context after each match (content mode)", false, "\"minimum\":0,\"maximum\":1000"},
    {"-B", "integer", "Lines of context before each match (content mode)", false, "\"minimum\":0,\"maximum\":1000"},
    {"-C", "integer", "Lines of context before and after each match (content mode)", false, "\"minimum\":0,\"maximum\":1000"},
    {"-i", "boolean", "Case-insensitive search", false, "\"default\":false"},
    {"-n", "boolean", "Show line numbers (content mode)", false, "\"default\":true"},
    {"head_limit", "integer", "Only the first N output lines / files / counts (0 = all)", false, "\"minimum\":0"},
    {"multiline", "boolean", "Let matches span lines; . also matches a line break", false, "\"default\":false"},
};

static const struct { const char *type; const char *globs; } types[] = {
    {"c", "*.{c,h}"}, {"cpp", "*.{cpp,cc,cxx,hpp,hh,hxx,h,c++,h++}"}, {"go", "*.go"},
    {"java", "*.java"}, {"js", "*.{js,jsx,mjs,cjs}"}, {"ts", "*.{ts,tsx,mts,cts}"},
    {"py", "*.{py,pyi}"}, {"python", "*.{py,pyi}"}, {"rust", "*.rs"}, {"rs", "*.rs"},
    {"rb", "*.{rb,gemspec}"}, {"ruby", "*.{rb,gemspec}"}, {"sh", "*.{sh,bash,zsh}"},
    {"md", "*.{md,markdown,mdx}"}, {"markdown", "*.{md,markdown,mdx}"}, {"json", "*.{json,jsonl}"},
    {"yaml", "*.{yaml,yml}"}, {"toml", "*.toml"}, {"html", "*.{html,htm}"}, {"css", "*.{css,scss,sass,less}"},
    {"txt", "*.txt"}, {"php", "*.php"}, {"swift", "*.swift"}, {"kotlin", "*.{kt,kts}"}, {"cs", "*.cs"},
    {"lua", "*.lua"}, {"sql", "*.sql"}, {"xml", "*.xml"}, {"cmake", "{CMakeLists.txt,*.cmake}"},
    {"make", "{Makefile,makefile,GNUmakefile,*.mk}"}, {"zig", "*.zig"}, {"scala", "*.scala"},
};

enum { MODE_CONTENT, MODE_FILES, MODE_COUNT };

typedef struct grep {
    rx *re;
    glob_pat *glob;
    bool glob_by_name; /* the glob has no '/': match it against the name */
    glob_pat *type;
    int mode;
    long after, before;
    bool numbers;
    long head_limit;   /* 0 = none */
    long emitted;      /* output lines / files / counts so far */
    bool stop;         /* head_limit or output cap reached */
    bool output_capped;
    size_t files_searched, files_matched, skipped_binary, skipped_large, unreadable;
    size_t total_matches;
    tool_out *out;
    char *buf;
    size_t buf_cap;
} grep;

static bool limit_reached(grep *g)
{
    if (g->head_limit > 0 && g->emitted >= g->head_limit) { g->stop = true; return true; }
    if (g->out->content.len > MAX_OUTPUT) { g->stop = g->output_capped = true; return true; }
    return false;
}

static void put_line(grep *g, const char *path, long num, char sep, const char *s, size_t n)
{
    if (limit_reached(g)) return;
    sb *c = &g->out->content;
    if (n && s[n - 1] == '\r') n--;
    if (g->numbers) sb_printf(c, "%s%c%ld%c", path, sep, num, sep);
    else sb_printf(c, "%s%c", path, sep);
    size_t cut = n;
    if (n > MAX_LINE_OUT) {
        cut = MAX_LINE_OUT;
        while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80) cut--;
    }
    sb_putn(c, s, cut);
    if (cut < n) sb_printf(c, " [... %zu more bytes]", n - cut);
    sb_putc(c, '\n');
    g->emitted++;
}

/* A NUL byte in p[0..n)? Eight bytes per step: this probe runs on every
 * file, in an interpreter. */
static bool has_nul(const char *p, size_t n)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, p + i, 8);
        if ((x - ones) & ~x & highs) return true;
    }
    for (; i < n; i++)
        if (!p[i]) return true;
    return false;
}

/* Reads a file into g->buf; 1 ok, 0 skipped, -1 unreadable. */
static int load(grep *g, const char *path, size_t *out_len)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) { close(fd); return 0; }
    if ((unsigned long long)st.st_size > MAX_FILE) { close(fd); g->skipped_large++; return 0; }
    size_t want = (size_t)st.st_size + 1;
    if (want > g->buf_cap) {
        char *nb = realloc(g->buf, want);
        if (!nb) { close(fd); return -1; }
        g->buf = nb;
        g->buf_cap = want;
    }
    size_t n = 0;
    for (;;) {
        if (n == g->buf_cap - 1) break; /* grew since fstat: search what fits */
        ssize_t r = read(fd, g->buf + n, g->buf_cap - 1 - n);
        if (r < 0) { if (errno == EINTR) continue; close(fd); return -1; }
        if (r == 0) break;
        n += (size_t)r;
    }
    close(fd);
    g->buf[n] = 0;
    if (has_nul(g->buf, n < 8192 ? n : 8192)) { g->skipped_binary++; return 0; }
    *out_len = n;
    return 1;
}

static size_t line_start(const char *b, size_t pos)
{
    while (pos > 0 && b[pos - 1] != '\n') pos--;
    return pos;
}

static size_t line_end(const char *b, size_t len, size_t pos)
{
    const char *nl = memchr(b + pos, '\n', len - pos);
    return nl ? (size_t)(nl - b) : len;
}

static long count_lines(const char *b, size_t from, size_t to)
{
    long n = 0;
    while (from < to) {
        const char *nl = memchr(b + from, '\n', to - from);
        if (!nl) break;
        n++;
        from = (size_t)(nl - b) + 1;
    }
    return n;
}

static void search_file(grep *g, const char *path)
{
    size_t len;
    int r = load(g, path, &len);
    if (r < 0) { g->unreadable++; return; }
    if (r == 0) return;
    g->files_searched++;
    const char *b = g->buf;
    size_t caps[2];
    size_t pos = 0, matches = 0;
    /* content mode: the last line printed (exclusive end offset and number) */
    size_t printed_end = 0;
    long printed_line = 0; /* number of the last line printed, 0 = none */
    bool any_printed = false;
    size_t cur_pos = 0;
    long cur_line = 1; /* line number at cur_pos (a line start) */
    while (pos <= len && !g->stop) {
        int m = rx_search(g->re, b, len, pos, caps, 2);
        if (m <= 0) break;
        if (caps[0] == len && len > 0 && b[len - 1] == '\n') break; /* no line after the last break */
        matches++;
        if (g->mode == MODE_FILES) break;
        size_t ls = line_start(b, caps[0]);
        size_t le = line_end(b, len, caps[1] > caps[0] ? caps[1] - 1 : caps[1]);
        if (caps[1] > caps[0] && caps[1] - 1 < len && b[caps[1] - 1] == '\n') le = caps[1] - 1;
        if (g->mode == MODE_CONTENT) {
            cur_line += count_lines(b, cur_pos, ls);
            cur_pos = ls;
            long first = cur_line;
            /* context before */
            size_t cs = ls;
            long cl = first;
            for (long k = 0; k < g->before && cs > 0; k++) {
                size_t prev = line_start(b, cs - 1);
                if (any_printed && prev < printed_end) break;
                cs = prev;
                cl--;
            }
            if (any_printed && (g->before > 0 || g->after > 0) && cl > printed_line + 1)
                if (!limit_reached(g)) sb_puts(&g->out->content, "--\n");
            for (size_t p = cs; p < ls && !g->stop; cl++) {
                size_t e = line_end(b, len, p);
                put_line(g, path, cl, '-', b + p, e - p);
                p = e + 1;
            }
            /* the matching line(s) */
            long ln = first;
            for (size_t p = ls; p <= le && !g->stop; ln++) {
                size_t e = line_end(b, len, p);
                put_line(g, path, ln, ':', b + p, e - p);
                p = e + 1;
                if (e >= le) { ln++; break; }
            }
            printed_line = ln - 1;
            printed_end = le < len ? le + 1 : len;
            any_printed = true;
            cur_line += count_lines(b, ls, printed_end);
            cur_pos = printed_end;
            /* context after, stopping before the next match's line */
            if (g->after > 0 && printed_end < len) {
                size_t nxt[2];
                size_t next_match = rx_search(g->re, b, len, printed_end, nxt, 2) == 1 ? nxt[0] : len + 1;
                size_t p = printed_end;
                for (long k = 0; k < g->after && p < len && p <= next_match && !g->stop; k++) {
                    size_t e = line_end(b, len, p);
                    if (next_match <= e) break;
                    put_line(g, path, printed_line + 1, '-', b + p, e - p);
                    printed_line++;
                    p = e + 1;
                }
                if (p > printed_end) {
                    cur_line += count_lines(b, printed_end, p);
                    printed_end = cur_pos = p;
                }
            }
        }
        /* continue after this match's last line */
        pos = le + 1;
    }
    if (matches == 0) return;
    g->files_matched++;
    g->total_matches += matches;
    if (g->mode == MODE_FILES) {
        if (!limit_reached(g)) {
            sb_printf(&g->out->content, "%s\n", path);
            g->emitted++;
        }
    } else if (g->mode == MODE_COUNT) {
        if (!limit_reached(g)) {
            sb_printf(&g->out->content, "%s:%zu\n", path, matches);
            g->emitted++;
        }
    }
}

static bool wanted(grep *g, const walk_entry *e)
{
    if (g->glob) {
        const char *s = g->glob_by_name ? e->name : e->rel;
        if (!glob_match(g->glob, s, strlen(s))) return false;
    }
    if (g->type && !glob_match(g->type, e->name, strlen(e->name))) return false;
    return true;
}

static int on_entry(const walk_entry *e, void *p)
{
    grep *g = p;
    if (e->is_dir) return strcmp(e->name, ".git") == 0 ? WALK_SKIP : WALK_CONTINUE;
    if (e->is_link || !wanted(g, e)) return WALK_CONTINUE;
    search_file(g, e->path);
    return g->stop ? WALK_STOP : WALK_CONTINUE;
}

static int run(const js *input, tool_out *out)
{
    grep g;
    memset(&g, 0, sizeof g);
    g.out = out;
    int rc = 0;
    char err[512];
    const char *pattern = js_get_str(input, "pattern");
    const char *given = js_get_str(input, "path");
    const char *mode = js_get_str(input, "output_mode");
    const char *glob = js_get_str(input, "glob");
    const char *type = js_get_str(input, "type");
    g.mode = !mode || strcmp(mode, "files_with_matches") == 0 ? MODE_FILES
             : strcmp(mode, "count") == 0                    ? MODE_COUNT
                                                             : MODE_CONTENT;
    long ctx = tool_get_int(input, "-C", 0, 0, 1000);
    g.after = tool_get_int(input, "-A", ctx, 0, 1000);
    g.before = tool_get_int(input, "-B", ctx, 0, 1000);
    g.numbers = js_get_bool(input, "-n", true);
    g.head_limit = tool_get_int(input, "head_limit", 0, 0, 0x7fffffffL);
    bool multiline = js_get_bool(input, "multiline", false);
    unsigned flags = multiline ? (RX_MULTILINE | RX_DOTALL) : RX_NONL;
    if (js_get_bool(input, "-i", false)) flags |= RX_ICASE;
    char *path = tool_abs_path(given ? given : "/");
    if (!path) return tool_fail(out, "out of memory");
    g.re = rx_compile(pattern, strlen(pattern), flags, err, sizeof err);
    if (!g.re) { rc = tool_fail(out, "%s", err); goto done; }
    if (glob) {
        g.glob = glob_compile(glob, err, sizeof err);
        if (!g.glob) { rc = tool_fail(out, "glob: %s", err); goto done; }
        g.glob_by_name = !strchr(glob, '/');
    }
    if (type) {
        const char *globs = NULL;
        for (size_t k = 0; k < sizeof types / sizeof types[0]; k++)
            if (strcmp(types[k].type, type) == 0) globs = types[k].globs;
        if (!globs) {
            sb known;
            sb_init(&known);
            for (size_t k = 0; k < sizeof types / sizeof types[0]; k++)
                sb_printf(&known, "%s%s", k ? ", " : "", types[k].type);
            rc = tool_fail(out, "unknown type '%s'; known types: %s", type, sb_str(&known));
            sb_free(&known);
            goto done;
        }
        g.type = glob_compile(globs, err, sizeof err);
        if (!g.type) { rc = tool_fail(out, "type: %s", err); goto done; }
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        rc = tool_fail(out, "cannot search %s: %s", path, tool_errno_str(errno));
        goto done;
    }
    walk_stats ws = {0};
    if (S_ISDIR(st.st_mode)) {
        if (walk(path, 0, MAX_VISIT, on_entry, &g, &ws) != 0) {
            rc = tool_fail(out, "cannot search %s: %s", path, tool_errno_str(errno));
            goto done;
        }
    } else {
        search_file(&g, path);
    }
    if (g.files_matched == 0) sb_printf(&out->content, "No matches for %s in %s.\n", pattern, path);
    if (g.output_capped) sb_printf(&out->content, "(output stopped at %u bytes; narrow the search or use head_limit)\n", MAX_OUTPUT);
    else if (g.stop && g.head_limit) sb_printf(&out->content, "(stopped at head_limit %ld)\n", g.head_limit);
    if (ws.capped) sb_printf(&out->content, "(search stopped after visiting %d entries)\n", MAX_VISIT);
    tool_meta_num(out, "files_searched", (double)g.files_searched);
    tool_meta_num(out, "files_matched", (double)g.files_matched);
    if (g.mode != MODE_FILES) tool_meta_num(out, "matches", (double)g.total_matches);
    if (g.skipped_binary) tool_meta_num(out, "skipped_binary", (double)g.skipped_binary);
    if (g.skipped_large) tool_meta_num(out, "skipped_large", (double)g.skipped_large);
    if (g.unreadable) tool_meta_num(out, "unreadable", (double)g.unreadable);
    tool_meta_bool(out, "truncated", g.stop || ws.capped);
done:
    rx_free(g.re);
    glob_free(g.glob);
    glob_free(g.type);
    free(g.buf);
    free(path);
    return rc;
}

static const tool_def def = {
    "grep",
    "Searches file contents with a regular expression (ripgrep syntax, linear-time: no pattern can "
    "make it slow). Output modes: files_with_matches (default), content (matching lines with -A/-B/-C "
    "context and line numbers) or count. Filter files with glob or type; binary files and .git are skipped.",
    "read_only", "search, find, regex, text, content, ripgrep, rg, pattern",
    params, 12, run,
};

int main(int argc, char **argv) { return tool_main(&def, argc, argv); }
