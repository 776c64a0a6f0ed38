/* read: the file-reading tool (ReadOnly). Prints lines like `cat -n`,
 * starting at `offset` (1-based) for at most `limit` lines.
 *
 * The file is streamed in 64 KiB chunks and only the lines shown are kept
 * (each cut at 2,000 characters), so a 1 GB file read at an offset stays
 * within a small memory cap. The first chunk decides what the file is:
 * images and PDFs are described (type, size, dimensions where the header
 * gives them), UTF-16 with a BOM is converted, other binary data is
 * described, not printed. Lines that are not valid UTF-8 are read as
 * Latin-1.
 */
#include "tool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK 65536
#define MAX_LINE_CHARS 2000
#define UTF16_MAX (64u * 1024 * 1024)

static const tool_param params[] = {
    {"file_path", "string", "Path of the file to read (relative to the root, or absolute like /src/main.c)", true, NULL},
    {"offset", "integer", "Line number to start reading from (1-based)", false, "\"minimum\":0,\"default\":1"},
    {"limit", "integer", "Maximum number of lines to read", false, "\"minimum\":1,\"maximum\":100000,\"default\":2000"},
};

static uint32_t be32(const unsigned char *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static unsigned le16(const unsigned char *p) { return (unsigned)p[0] | (unsigned)p[1] << 8; }
static unsigned be16(const unsigned char *p) { return (unsigned)p[0] << 8 | p[1]; }

/* Recognises images and PDFs from the head of the file. */
static bool describe_media(const unsigned char *h, size_t n, long long size, const char *path, tool_out *out)
{
    char dims[64] = "";
    const char *kind = NULL, *mime = NULL;
    if (n >= 24 && memcmp(h, "\x89PNG\r\n\x1a\n", 8) == 0) {
        kind = "PNG image"; mime = "image/png";
        if (memcmp(h + 12, "IHDR", 4) == 0) snprintf(dims, sizeof dims, "%ux%u", be32(h + 16), be32(h + 20));
    } else if (n >= 10 && (memcmp(h, "GIF87a", 6) == 0 || memcmp(h, "GIF89a", 6) == 0)) {
        kind = "GIF image"; mime = "image/gif";
        snprintf(dims, sizeof dims, "%ux%u", le16(h + 6), le16(h + 8));
    } else if (n >= 3 && h[0] == 0xFF && h[1] == 0xD8 && h[2] == 0xFF) {
        kind = "JPEG image"; mime = "image/jpeg";
        size_t i = 2;
        while (i + 9 < n) {
            if (h[i] != 0xFF) { i++; continue; }
            unsigned char m = h[i + 1];
            if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
                snprintf(dims, sizeof dims, "%ux%u", be16(h + i + 7), be16(h + i + 5));
                break;
            }
            if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { i += 2; continue; }
            i += 2 + be16(h + i + 2);
        }
    } else if (n >= 30 && memcmp(h, "RIFF", 4) == 0 && memcmp(h + 8, "WEBP", 4) == 0) {
        kind = "WebP image"; mime = "image/webp";
        if (memcmp(h + 12, "VP8X", 4) == 0)
            snprintf(dims, sizeof dims, "%ux%u", 1 + (h[24] | h[25] << 8 | h[26] << 16), 1 + (h[27] | h[28] << 8 | h[29] << 16));
        else if (memcmp(h + 12, "VP8 ", 4) == 0 && n >= 30)
            snprintf(dims, sizeof dims, "%ux%u", le16(h + 26) & 0x3FFF, le16(h + 28) & 0x3FFF);
    } else if (n >= 26 && h[0] == 'B' && h[1] == 'M') {
        kind = "BMP image"; mime = "image/bmp";
        int32_t w = (int32_t)(h[18] | h[19] << 8 | h[20] << 16 | (uint32_t)h[21] << 24);
        int32_t hh = (int32_t)(h[22] | h[23] << 8 | h[24] << 16 | (uint32_t)h[25] << 24);
        snprintf(dims, sizeof dims, "%dx%d", w, hh < 0 ? -hh : hh);
    } else if (n >= 5 && memcmp(h, "%PDF-", 5) == 0) {
        kind = "PDF document"; mime = "application/pdf";
        size_t v = 5;
        while (v < n && v < 9 && ((h[v] >= '0' && h[v] <= '9') || h[v] == '.')) v++;
        snprintf(dims, sizeof dims, "version %.*s", (int)(v - 5), (const char *)h + 5);
    }
    if (!kind) return false;
    sb_printf(&out->content, "%s: %s, %lld bytes", path, kind, size);
    if (dims[0]) sb_printf(&out->content, ", %s", dims);
    sb_puts(&out->content, ". Its contents are not shown as text.");
    tool_meta_str(out, "type", strncmp(mime, "image/", 6) == 0 ? "image" : "pdf");
    tool_meta_str(out, "mime", mime);
    if (dims[0] && dims[0] != 'v') tool_meta_str(out, "dimensions", dims);
    tool_meta_num(out, "bytes", (double)size);
    return true;
}

static const char *magic_name(const unsigned char *h, size_t n)
{
    static const struct { const char *sig; size_t len; const char *name; } tab[] = {
        {"\x7f" "ELF", 4, "ELF executable"}, {"\0asm", 4, "WebAssembly module"},
        {"PK\x03\x04", 4, "ZIP archive"}, {"\x1f\x8b", 2, "gzip data"}, {"BZh", 3, "bzip2 data"},
        {"\xfd" "7zXZ", 5, "xz data"}, {"7z\xbc\xaf", 4, "7-Zip archive"},
        {"SQLite format 3", 15, "SQLite database"}, {"\xca\xfe\xba\xbe", 4, "Mach-O or Java class"},
        {"MZ", 2, "DOS/Windows executable"}, {"OggS", 4, "Ogg media"}, {"ID3", 3, "MP3 audio"},
        {"fLaC", 4, "FLAC audio"}, {"\x28\xb5\x2f\xfd", 4, "zstd data"},
    };
    for (size_t k = 0; k < sizeof tab / sizeof tab[0]; k++)
        if (n >= tab[k].len && memcmp(h, tab[k].sig, tab[k].len) == 0) return tab[k].name;
    return NULL;
}

/* ------------------------------------------------------------ lines */

typedef struct reader {
    long offset, limit;  /* first line (1-based), max lines */
    long line;           /* number of the line being assembled */
    long shown;
    sb cur;              /* the current line, at most MAX_LINE_CHARS*4 bytes kept */
    size_t cur_extra;    /* bytes of the current line beyond what is kept */
    bool latin1_seen;
    bool done;           /* limit reached */
    bool more;           /* done, and bytes follow the last line shown */
    bool partial;        /* bytes seen since the last line break */
    tool_out *out;
} reader;

/* Appends line text to content: valid UTF-8 as is, otherwise Latin-1;
 * cut at MAX_LINE_CHARS characters. */
/* Appends s[0..n) with NUL bytes shown as U+FFFD (binary data inside a
 * text file; a raw NUL helps no reader). */
static void put_text(sb *c, const unsigned char *s, size_t n)
{
    while (n) {
        const unsigned char *z = memchr(s, 0, n);
        size_t run = z ? (size_t)(z - s) : n;
        sb_putn(c, s, run);
        if (!z) break;
        sb_puts(c, "\xEF\xBF\xBD");
        s += run + 1;
        n -= run + 1;
    }
}

static void emit_line(reader *r)
{
    const unsigned char *s = (const unsigned char *)sb_str(&r->cur);
    size_t n = r->cur.len;
    if (n && s[n - 1] == '\r') n--;
    sb *c = &r->out->content;
    /* "%6ld\t" without printf: this runs once per line in an interpreter */
    char num[24];
    int k = (int)sizeof num;
    num[--k] = '\t';
    unsigned long v = (unsigned long)r->line;
    do { num[--k] = (char)('0' + v % 10); v /= 10; } while (v && k > 0);
    while (k > (int)sizeof num - 7) num[--k] = ' ';
    sb_putn(c, num + k, sizeof num - (size_t)k);
    /* fast path: plain ASCII that fits */
    /* one pass finds both non-ASCII bytes and NULs */
    size_t ascii = 0;
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    while (ascii + 8 <= n) {
        uint64_t x;
        memcpy(&x, s + ascii, 8);
        if ((x & highs) | ((x - ones) & ~x & highs)) break;
        ascii += 8;
    }
    while (ascii < n && s[ascii] < 0x80 && s[ascii]) ascii++;
    if (ascii == n && n <= MAX_LINE_CHARS && !r->cur_extra) {
        sb_putn(c, s, n);
        sb_putc(c, '\n');
        r->shown++;
        return;
    }
    bool valid = true;
    for (size_t i = ascii; i < n;) {
        if (s[i] < 0x80) { i++; continue; } /* NULs are valid UTF-8; put_text shows them */
        size_t l = tool_utf8_len(s + i, n - i);
        if (!l) { valid = false; break; }
        i += l;
    }
    /* a cut at the byte cap may split a character: not a Latin-1 sign */
    if (!valid && r->cur_extra) {
        size_t i = 0;
        while (i < n) { size_t l = tool_utf8_len(s + i, n - i); if (!l) break; i += l; }
        if (n - i < 4) { valid = true; n = i; }
    }
    size_t chars = 0, i = 0;
    if (valid) {
        /* count characters up to the cap, then copy in one go */
        while (i < n && chars < MAX_LINE_CHARS) {
            i++;
            while (i < n && (s[i] & 0xC0) == 0x80) i++;
            chars++;
        }
        put_text(c, s, i);
    } else {
        while (i < n && chars < MAX_LINE_CHARS) {
            unsigned char b = s[i++];
            if (b == 0) sb_puts(c, "\xEF\xBF\xBD");
            else if (b < 0x80) sb_putc(c, (char)b);
            else { char u[2] = {(char)(0xC0 | (b >> 6)), (char)(0x80 | (b & 0x3F))}; sb_putn(c, u, 2); }
            chars++;
        }
        r->latin1_seen = true;
    }
    size_t more_bytes = (n - i) + r->cur_extra;
    if (more_bytes) sb_printf(c, " [... line truncated: %zu more bytes]", more_bytes);
    sb_putc(c, '\n');
    r->shown++;
}

static void feed(reader *r, const char *p, size_t n, bool eof)
{
    size_t i = 0;
    while (i < n && !r->done) {
        const char *nl = memchr(p + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - p) : n;
        if (end > i) r->partial = true;
        if (r->line >= r->offset) {
            size_t room = MAX_LINE_CHARS * 4 + 4;
            size_t take = end - i;
            if (r->cur.len + take > room) {
                size_t keep = room > r->cur.len ? room - r->cur.len : 0;
                r->cur_extra += take - keep;
                take = keep;
            }
            sb_putn(&r->cur, p + i, take);
        }
        if (!nl) break;
        if (r->line >= r->offset) {
            emit_line(r);
            if (r->shown >= r->limit) r->done = true;
        }
        r->cur.len = 0;
        r->cur_extra = 0;
        r->partial = false;
        r->line++;
        i = end + 1;
        if (r->done && i < n) r->more = true;
    }
    if (eof && !r->done && r->partial && r->line >= r->offset) {
        emit_line(r);
        r->cur.len = 0;
    }
}

/* UTF-16 with BOM: converted as a whole (capped) and fed as UTF-8. */
static bool utf16_to_utf8(const unsigned char *s, size_t n, bool le, sb *out)
{
    for (size_t i = 2; i + 1 < n; i += 2) {
        uint32_t u = le ? le16(s + i) : be16(s + i);
        if (u >= 0xD800 && u <= 0xDBFF && i + 3 < n) {
            uint32_t lo = le ? le16(s + i + 2) : be16(s + i + 2);
            if (lo >= 0xDC00 && lo <= 0xDFFF) { u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00); i += 2; }
            else u = 0xFFFD;
        } else if (u >= 0xD800 && u <= 0xDFFF) {
            u = 0xFFFD;
        }
        char o[4];
        int l;
        if (u < 0x80) { o[0] = (char)u; l = 1; }
        else if (u < 0x800) { o[0] = (char)(0xC0 | (u >> 6)); o[1] = (char)(0x80 | (u & 0x3F)); l = 2; }
        else if (u < 0x10000) { o[0] = (char)(0xE0 | (u >> 12)); o[1] = (char)(0x80 | ((u >> 6) & 0x3F)); o[2] = (char)(0x80 | (u & 0x3F)); l = 3; }
        else { o[0] = (char)(0xF0 | (u >> 18)); o[1] = (char)(0x80 | ((u >> 12) & 0x3F)); o[2] = (char)(0x80 | ((u >> 6) & 0x3F)); o[3] = (char)(0x80 | (u & 0x3F)); l = 4; }
        sb_putn(out, o, (size_t)l);
    }
    return !out->oom;
}

static int run(const js *input, tool_out *out)
{
    const char *given = js_get_str(input, "file_path");
    long offset = tool_get_int(input, "offset", 1, 0, 0x7fffffffL);
    if (offset < 1) offset = 1;
    long limit = tool_get_int(input, "limit", 2000, 1, 100000);
    char *path = tool_abs_path(given);
    if (!path) return tool_fail(out, "out of memory");
    int rc = 0;
    unsigned char *buf = NULL;
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        rc = tool_fail(out, "cannot read %s: %s", path, tool_errno_str(errno));
        goto done;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        rc = tool_fail(out, "cannot stat %s: %s", path, tool_errno_str(errno));
        goto done;
    }
    if (S_ISDIR(st.st_mode)) {
        rc = tool_fail(out, "%s is a directory; use the ls tool to list it", path);
        goto done;
    }
    /* a small file gets a small buffer: growing guest memory is not free */
    size_t bufsz = st.st_size >= 0 && (size_t)st.st_size < CHUNK ? (size_t)st.st_size + 1 : CHUNK;
    buf = malloc(bufsz);
    if (!buf) { rc = tool_fail(out, "out of memory"); goto done; }
    ssize_t got = 0;
    size_t head = 0;
    while (head < bufsz && (got = read(fd, buf + head, bufsz - head)) > 0) head += (size_t)got;
    if (got < 0) { rc = tool_fail(out, "cannot read %s: %s", path, tool_errno_str(errno)); goto done; }
    long long size = (long long)st.st_size;
    tool_meta_str(out, "path", path);
    if (head == 0) {
        sb_printf(&out->content, "%s is empty.", path);
        tool_meta_str(out, "type", "text");
        tool_meta_num(out, "bytes", 0);
        tool_meta_num(out, "lines", 0);
        goto done;
    }
    if (describe_media(buf, head, size, path, out)) goto done;
    bool u16le = head >= 2 && buf[0] == 0xFF && buf[1] == 0xFE;
    bool u16be = head >= 2 && buf[0] == 0xFE && buf[1] == 0xFF;
    reader r = {.offset = offset, .limit = limit, .line = 1, .out = out};
    sb_init(&r.cur);
    const char *encoding = "utf-8";
    bool eof = false;
    if (u16le || u16be) {
        if (size > (long long)UTF16_MAX) {
            rc = tool_fail(out, "%s is UTF-16 and larger than %u bytes; convert it first", path, UTF16_MAX);
            sb_free(&r.cur);
            goto done;
        }
        sb raw;
        sb_init(&raw);
        sb_putn(&raw, buf, head);
        while ((got = read(fd, buf, bufsz)) > 0 && raw.len <= UTF16_MAX) sb_putn(&raw, buf, (size_t)got);
        sb utf8;
        sb_init(&utf8);
        utf16_to_utf8((const unsigned char *)sb_str(&raw), raw.len, u16le, &utf8);
        sb_free(&raw);
        feed(&r, sb_str(&utf8), utf8.len, true);
        eof = !r.done;
        sb_free(&utf8);
        encoding = u16le ? "utf-16le" : "utf-16be";
    } else {
        size_t probe = head < 8192 ? head : 8192;
        if (memchr(buf, 0, probe)) {
            const char *what = magic_name(buf, head);
            sb_printf(&out->content, "%s: binary file (%s), %lld bytes. First bytes:", path,
                      what ? what : "unknown format", size);
            for (size_t k = 0; k < head && k < 32; k++) sb_printf(&out->content, " %02x", buf[k]);
            tool_meta_str(out, "type", "binary");
            tool_meta_num(out, "bytes", (double)size);
            sb_free(&r.cur);
            goto done;
        }
        size_t skip = head >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
        feed(&r, (const char *)buf + skip, head - skip, false);
        while (!r.done && (got = read(fd, buf, bufsz)) > 0) feed(&r, (const char *)buf, (size_t)got, false);
        if (got < 0) {
            rc = tool_fail(out, "cannot read %s: %s", path, tool_errno_str(errno));
            sb_free(&r.cur);
            goto done;
        }
        if (!r.done) { feed(&r, "", 0, true); eof = true; }
        if (r.latin1_seen) encoding = "latin-1";
    }
    sb_free(&r.cur);
    long total = r.line - (r.partial ? 0 : 1);
    if (r.shown == 0) {
        sb_printf(&out->content, "%s has %ld lines; offset %ld is past the end.", path, total < 0 ? 0 : total, offset);
    } else if (r.done) {
        /* is there anything after the last line shown? */
        char probe[1];
        if (r.more || (!(u16le || u16be) && read(fd, probe, 1) == 1))
            sb_printf(&out->content, "\n(Showing lines %ld-%ld. The file continues: read with offset=%ld.)\n",
                      offset, offset + r.shown - 1, offset + r.shown);
    }
    tool_meta_str(out, "type", "text");
    tool_meta_str(out, "encoding", encoding);
    tool_meta_num(out, "bytes", (double)size);
    tool_meta_num(out, "start_line", (double)offset);
    tool_meta_num(out, "lines_shown", (double)r.shown);
    if (eof) tool_meta_num(out, "total_lines", (double)total);
done:
    if (fd >= 0) close(fd);
    free(buf);
    free(path);
    return rc;
}

static const tool_def def = {
    "read",
    "Reads a file from the workspace tree. Text comes back with line numbers like `cat -n` "
    "(lines over 2000 characters are cut); use offset and limit to page through large files. "
    "Images and PDFs are described by type, size and dimensions; other binary files are described, not printed.",
    "read_only", "file, cat, view, open, show, contents, lines",
    params, 3, run,
};

int main(int argc, char **argv) { return tool_main(&def, argc, argv); }
