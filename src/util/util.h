/* util: the base vocabulary of boxagnts (level 0; includes nothing of ours).
 *
 * Errors, allocation, bounded buffers, slices, vectors, maps, arenas, logging,
 * clocks, files, paths (including the one resolver that confines a path
 * beneath a directory), hashing, random and UUIDs. The prefix is `bx_`: every
 * other module builds on these names. Design notes: docs/internals/util.md.
 *
 * Thread-safety: every function here is safe to call from any thread on
 * distinct objects; the logger and allocator counters are global and
 * thread-safe.
 */
#ifndef BX_UTIL_H
#define BX_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---------------------------------------------------------------- errors */

/* X(name, message). Add codes at the end of a group; names are stable. */
#define BX_ERR_LIST(X)                                               \
    X(OK, "success")                                                 \
    X(NOMEM, "out of memory")                                        \
    X(INVALID, "invalid argument")                                   \
    X(TOOBIG, "size limit exceeded")                                 \
    X(NOTFOUND, "not found")                                         \
    X(EXISTS, "already exists")                                      \
    X(IO, "input/output error")                                      \
    X(PARSE, "parse error")                                          \
    X(UNSUPPORTED, "not supported")                                  \
    X(NOTCAPABLE, "path escapes its root or needs a capability not granted") \
    X(DENIED, "permission denied")                                   \
    X(TIMEOUT, "timed out")                                          \
    X(CANCELLED, "cancelled")                                        \
    X(TRAP, "WebAssembly trap")                                      \
    X(LIMIT, "resource limit reached")                               \
    X(NETWORK, "network error")                                      \
    X(PROTOCOL, "protocol error")                                    \
    X(AUTH, "authentication failed")                                 \
    X(RATELIMIT, "rate limited")                                     \
    X(CONTEXT, "context length exceeded")                            \
    X(SERVER, "server error")                                        \
    X(STORE, "store error")                                          \
    X(BUSY, "busy")                                                  \
    X(INTERNAL, "internal error")

typedef enum bx_err {
#define BX_ERR_ENUM(name, msg) BX_##name,
    BX_ERR_LIST(BX_ERR_ENUM)
#undef BX_ERR_ENUM
    BX__ERR_COUNT
} bx_err;

/* "NOMEM", "OK", ...; "UNKNOWN" for out-of-range codes. Never NULL. */
const char *bx_err_name(bx_err err);
/* The code's human message. Never NULL. */
const char *bx_err_str(bx_err err);
/* Maps an errno value to the closest code (ENOENT -> NOTFOUND, ...). */
bx_err bx_err_from_errno(int errnum);

/* Optional detail a parser or loader fills: code, message, byte position
 * (or -1), and line/column where the input is text (0 when unknown). */
typedef struct bx_error {
    bx_err code;       /* BX_OK when nothing failed */
    int64_t position;  /* byte offset into the input, -1 if none */
    int line, column;  /* 1-based, 0 when not applicable */
    char message[512]; /* NUL-terminated, may be empty */
} bx_error;

/* Sets *out (when out is not NULL) and returns code, so callers can write
 * `return bx_error_set(out, BX_PARSE, pos, "bad %s", what);`. */
bx_err bx_error_set(bx_error *out, bx_err code, int64_t position, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void bx_error_clear(bx_error *out);

/* ------------------------------------------------------------ allocation */

/* All allocation goes through these. Host out-of-memory aborts (the only
 * abort in the project); sizes from outside must be capped before they get
 * here. With BX_DEBUG_ALLOC (Debug and sanitizer builds) live blocks are
 * counted so tests can assert that a unit released everything. */
void *bx_malloc(size_t n);
void *bx_calloc(size_t count, size_t n);
void *bx_realloc(void *p, size_t n);
void bx_free(void *p);
char *bx_strdup(const char *s);
char *bx_strndup(const char *s, size_t n);
/* printf into a fresh allocation. */
char *bx_sprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Live blocks allocated through bx_* (0 unless BX_DEBUG_ALLOC). */
long bx_mem_live(void);

/* Checked size arithmetic: false on overflow. */
bool bx_add_overflows(size_t a, size_t b, size_t *out);
bool bx_mul_overflows(size_t a, size_t b, size_t *out);

/* ----------------------------------------------------------------- slices */

/* A borrowed (ptr, len) view; never owns, may not be NUL-terminated. */
typedef struct bx_slice {
    const char *ptr;
    size_t len;
} bx_slice;

#define BX_SLICE_LIT(s) ((bx_slice){(s), sizeof(s) - 1})
bx_slice bx_slice_from(const char *cstr);
bool bx_slice_eq(bx_slice a, bx_slice b);
bool bx_slice_eq_cstr(bx_slice a, const char *cstr);
bool bx_slice_starts_with(bx_slice a, const char *prefix);
/* Trims ASCII whitespace from both ends. */
bx_slice bx_slice_trim(bx_slice a);

/* ----------------------------------------------------------------- buffer */

/* A growable byte buffer with a hard cap.
 * Invariants: data is never NULL (an empty buffer points at a static ""),
 * data[len] == '\0' always, len <= max. Appending past max returns
 * BX_TOOBIG and leaves the buffer unchanged (never a silent truncation). */
typedef struct bx_buf {
    char *data;  /* contents, NUL-terminated; owned unless it is the static "" */
    size_t len;  /* bytes used, excluding the NUL */
    size_t cap;  /* bytes allocated, 0 while data is the static "" */
    size_t max;  /* hard cap on len */
} bx_buf;

#define BX_BUF_UNLIMITED ((size_t)-1 / 2)

void bx_buf_init(bx_buf *b, size_t max);
void bx_buf_release(bx_buf *b);
void bx_buf_reset(bx_buf *b); /* len = 0, keeps the allocation */
bx_err bx_buf_reserve(bx_buf *b, size_t extra);
bx_err bx_buf_append(bx_buf *b, const void *p, size_t n);
bx_err bx_buf_puts(bx_buf *b, const char *s);
bx_err bx_buf_putc(bx_buf *b, char c);
bx_err bx_buf_printf(bx_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bx_err bx_buf_vprintf(bx_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Removes the first n bytes (n > len clears). */
void bx_buf_consume(bx_buf *b, size_t n);
/* Hands the contents to the caller (free with bx_free) and resets b. */
char *bx_buf_detach(bx_buf *b, size_t *out_len);
static inline bx_slice bx_buf_slice(const bx_buf *b) { return (bx_slice){b->data, b->len}; }

/* ----------------------------------------------------------------- vector */

/* A growable array of fixed-size elements. data is NULL while empty. */
typedef struct bx_vec {
    void *data;  /* len * elem bytes in use */
    size_t len;  /* elements in use */
    size_t cap;  /* elements allocated */
    size_t elem; /* element size in bytes */
} bx_vec;

void bx_vec_init(bx_vec *v, size_t elem);
void bx_vec_release(bx_vec *v);
/* Appends a copy of *item (or zeroes when item is NULL); returns its address. */
void *bx_vec_push(bx_vec *v, const void *item);
void *bx_vec_at(const bx_vec *v, size_t i); /* NULL when i >= len */
void bx_vec_pop(bx_vec *v, void *out_item);  /* out_item may be NULL */
void bx_vec_remove(bx_vec *v, size_t i);     /* keeps order */
void bx_vec_clear(bx_vec *v);
#define BX_VEC_AT(v, T, i) (((T *)(v)->data)[i])

/* -------------------------------------------------------------------- map */

/* A hash map from byte-string keys (copied) to void * values (borrowed).
 * Open addressing, seeded hash. Not thread-safe. */
typedef struct bx_map_entry {
    char *key;   /* owned copy, NUL-terminated; NULL for an empty slot */
    size_t klen;
    uint64_t hash;
    void *value;
} bx_map_entry;

typedef struct bx_map {
    bx_map_entry *slots; /* cap entries */
    size_t len;          /* live entries */
    size_t cap;          /* power of two, or 0 */
    size_t tombs;        /* deleted slots */
} bx_map;

void bx_map_init(bx_map *m);
/* Frees the keys; the caller owns the values and frees them first. */
void bx_map_release(bx_map *m);
void *bx_map_get(const bx_map *m, const char *key, size_t klen);
void *bx_map_gets(const bx_map *m, const char *key);
/* Inserts or replaces; *out_old (optional) gets the replaced value or NULL. */
void bx_map_put(bx_map *m, const char *key, size_t klen, void *value, void **out_old);
void bx_map_puts(bx_map *m, const char *key, void *value, void **out_old);
/* Removes key; returns its value or NULL. */
void *bx_map_del(bx_map *m, const char *key, size_t klen);
/* Iteration: for (size_t i = 0; bx_map_next(m, &i, &e);) { ... } */
bool bx_map_next(const bx_map *m, size_t *iter, bx_map_entry **out_entry);

uint64_t bx_hash_bytes(const void *p, size_t n);

/* -------------------------------------------------------------------- net */

/* True when a TCP connection to host:port (numeric or a name) is accepted
 * within timeout_ms (the connection is closed at once). */
bool bx_tcp_probe(const char *host, const char *port, int timeout_ms);

/* ------------------------------------------------------------------ arena */

/* Bump allocation for request- and turn-scoped memory; freed all at once. */
typedef struct bx_arena_chunk bx_arena_chunk;
typedef struct bx_arena {
    bx_arena_chunk *head; /* newest chunk first */
    size_t chunk_size;    /* default size of new chunks */
    size_t used;          /* total bytes handed out */
} bx_arena;

void bx_arena_init(bx_arena *a, size_t chunk_size); /* 0 = 16 KiB */
void bx_arena_release(bx_arena *a);
void bx_arena_reset(bx_arena *a); /* keeps the first chunk */
void *bx_arena_alloc(bx_arena *a, size_t n); /* 16-byte aligned, zeroed */
char *bx_arena_strdup(bx_arena *a, const char *s);
char *bx_arena_strndup(bx_arena *a, const char *s, size_t n);

/* -------------------------------------------------------------------- log */

typedef enum bx_log_level {
    BX_LOG_ERROR = 0,
    BX_LOG_WARN,
    BX_LOG_INFO,
    BX_LOG_DEBUG,
    BX_LOG_TRACE,
} bx_log_level;

void bx_log_set_level(bx_log_level level);
bx_log_level bx_log_get_level(void);
/* One JSON object per line instead of text. */
void bx_log_set_json(bool on);
/* "error", "warn", "info", "debug", "trace" -> level; false if unknown. */
bool bx_log_level_parse(const char *name, bx_log_level *out_level);
void bx_log(bx_log_level level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define BX_LOG_ENABLED(lvl) ((lvl) <= bx_log_get_level())

/* ------------------------------------------------------------------ clock */

uint64_t bx_mono_ns(void);     /* CLOCK_MONOTONIC */
uint64_t bx_wall_ns(void);     /* CLOCK_REALTIME, ns since the epoch */
int64_t bx_wall_ms(void);
/* RFC 3339 UTC with milliseconds, e.g. 2026-11-26T23:05:01.123Z. */
void bx_format_time(int64_t wall_ms, char out[32]);

/* ------------------------------------------------------------------ files */

/* Reads a whole file; BX_TOOBIG past max bytes. Appends to out. */
bx_err bx_read_file(const char *path, size_t max, bx_buf *out);
/* temp file in the same directory + fsync + rename + fsync(dir). mode as
 * for open(2). On failure the old file is untouched. */
bx_err bx_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);
/* mkdir -p with mode for each created component. */
bx_err bx_mkdirs(const char *path, mode_t mode);

/* ------------------------------------------------------------------ paths */

/* Lexical normalisation: collapses //, ., and .. (never above the start of
 * a relative path: "../x" stays "../x"; "/.." is "/"). Appends to out. */
bx_err bx_path_normalize(const char *path, bx_buf *out);
/* True when the normalised `path` equals `root` or lies beneath it
 * (lexical check; for access use bx_open_beneath). */
bool bx_path_is_beneath(const char *root, const char *path);
/* Joins a and b with exactly one '/' into out (appends). */
bx_err bx_path_join(const char *a, const char *b, bx_buf *out);

/* The resolver. Opens `path` relative to the directory fd `dirfd` with
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS): `..`, absolute paths,
 * symlinks (absolute or relative) pointing out, and /proc magic links cannot
 * leave the tree. A leading '/' is stripped first (guest paths are relative
 * to their root). flags/mode as for openat. Escapes give BX_NOTCAPABLE;
 * other failures map errno (the raw errno is left in errno). */
bx_err bx_open_beneath(int dirfd, const char *path, int flags, mode_t mode, int *out_fd);
/* For link/rename/unlink/symlink/mkdir: opens the parent directory of
 * `path` beneath dirfd (as above) and returns the last component, which the
 * caller acts on with the *at call and AT_SYMLINK_NOFOLLOW where it applies.
 * `path` with no parent gives a dup of dirfd. The last component is copied
 * into out_name (NUL-terminated); "." and ".." as last component are refused
 * with BX_INVALID. */
bx_err bx_open_parent_beneath(int dirfd, const char *path, int *out_parent_fd,
                              char *out_name, size_t name_cap);

/* ------------------------------------------------- hashing, random, UUIDs */

typedef struct bx_sha256_ctx {
    void *md; /* OpenSSL EVP_MD_CTX */
} bx_sha256_ctx;

void bx_sha256(const void *data, size_t len, uint8_t out[32]);
void bx_sha256_init(bx_sha256_ctx *c);
void bx_sha256_update(bx_sha256_ctx *c, const void *data, size_t len);
void bx_sha256_final(bx_sha256_ctx *c, uint8_t out[32]);
/* Lowercase hex of n bytes into out (2n+1 bytes with the NUL). */
void bx_hex(const void *data, size_t n, char *out);
/* SHA-256 as 64 hex chars + NUL. */
void bx_sha256_hex(const void *data, size_t len, char out[65]);

/* Cryptographically secure bytes (getrandom). */
void bx_random_bytes(void *out, size_t n);
uint64_t bx_random_u64(void);
/* 36 chars + NUL, lowercase. v7 is time-ordered. */
void bx_uuid_v4(char out[37]);
void bx_uuid_v7(char out[37]);

/* Constant-time comparison for secrets. */
bool bx_ct_equal(const void *a, const void *b, size_t n);

#define BX_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define BX_MIN(a, b) ((a) < (b) ? (a) : (b))
#define BX_MAX(a, b) ((a) > (b) ? (a) : (b))
#define BX_UNUSED(x) ((void)(x))

#endif
