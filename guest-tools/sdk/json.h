/* json: the small JSON reader and writer of the guest tools (jansson has no
 * wasm build). The reader builds a tree from one buffer with a depth cap and
 * strict RFC 8259 grammar; the writer appends to a growable string buffer and
 * always emits valid UTF-8 (undecodable input bytes become U+FFFD). Plain C,
 * libc only, built for wasm32-wasi and natively (tests, fuzzing).
 */
#ifndef BX_GUEST_JSON_H
#define BX_GUEST_JSON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------ string buffer */

/* A growable byte string. data is NULL until the first append, then always
 * NUL-terminated. On allocation failure `oom` is set and appends stop. */
typedef struct sb {
    char *data;
    size_t len, cap;
    bool oom;
} sb;

void sb_init(sb *b);
void sb_free(sb *b);
void sb_putn(sb *b, const void *p, size_t n);
void sb_puts(sb *b, const char *s);
void sb_putc(sb *b, char c);
void sb_printf(sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The contents as a C string ("" while empty). */
const char *sb_str(const sb *b);

/* ------------------------------------------------------------ reader */

typedef enum js_type { JS_NULL, JS_BOOL, JS_NUM, JS_STR, JS_ARR, JS_OBJ } js_type;

/* A parsed value. The tree owns all its strings and children. */
typedef struct js {
    js_type type;
    bool b;             /* JS_BOOL */
    double num;         /* JS_NUM */
    char *str;          /* JS_STR: decoded, NUL-terminated (may contain NULs; see len) */
    size_t len;         /* JS_STR bytes, JS_ARR/JS_OBJ element count */
    struct js **items;  /* JS_ARR / JS_OBJ values */
    char **keys;        /* JS_OBJ keys, decoded and NUL-terminated */
} js;

#define JS_MAX_DEPTH 128
#define JS_MAX_INPUT (64u * 1024 * 1024)

/* Parses exactly one JSON value (surrounding whitespace allowed). NULL on
 * error, with "line L column C: what" in err. */
js *js_parse(const char *s, size_t n, char *err, size_t err_cap);
void js_free(js *v);

/* Object member by key (the last one when keys repeat); NULL when v is not
 * an object or has no such key. */
js *js_get(const js *v, const char *key);
/* Typed views: NULL / fallback when the value is missing or of another type. */
const char *js_get_str(const js *obj, const char *key);
bool js_get_bool(const js *obj, const char *key, bool fallback);
double js_get_num(const js *obj, const char *key, double fallback);
/* True when v is a number with an integral value in [-2^53, 2^53]. */
bool js_is_int(const js *v);

/* ------------------------------------------------------------ writer */

/* Appends s[0..n) as a JSON string literal (quotes included). */
void jw_str(sb *b, const char *s, size_t n);
void jw_cstr(sb *b, const char *s);
/* Appends a number: integers exactly, others with 17 significant digits;
 * NaN and infinities (not JSON) as null. */
void jw_num(sb *b, double v);
/* Serialises a tree compactly. */
void jw_value(sb *b, const js *v);

/* Tree equality (numbers by value, objects by key order). */
bool js_equal(const js *a, const js *b);

#endif
