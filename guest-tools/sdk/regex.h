/* regex: the one linear-time regular-expression engine of the guest tools
 * (the grep tool, the shell's grep and sed).
 *
 * A pattern is parsed to a small tree, compiled to a Thompson program and run
 * by a Pike VM that tracks submatches: time is O(pattern x input) whatever
 * the pattern, so hostile patterns such as (a*)*b cannot blow up. A literal
 * prefix or a first-byte set lets the search skip text that cannot start a
 * match. Plain C, no dependencies beyond libc: it builds for wasm32-wasi and
 * natively (the unit tests). Syntax notes: docs/tools.md.
 */
#ifndef BX_GUEST_REGEX_H
#define BX_GUEST_REGEX_H

#include <stdbool.h>
#include <stddef.h>

typedef struct rx rx;

/* Compile flags. The default syntax is ripgrep's (Rust regex): escapes \d \w
 * \s \b \B \A \z \xNN \x{NNNN}, (?:..), (?i) (?m) (?s) (?U) and scoped
 * (?i:..), named groups (?P<n>..) / (?<n>..), lazy quantifiers. */
enum rx_flags {
    RX_ICASE = 1 << 0,     /* case-insensitive (ASCII, Latin-1, Greek, Cyrillic) */
    RX_MULTILINE = 1 << 1, /* ^ and $ also match at line breaks */
    RX_DOTALL = 1 << 2,    /* . matches \n */
    RX_NONL = 1 << 3,      /* nothing ever consumes \n (line-oriented grep);
                              implies RX_MULTILINE; a literal \n is an error */
    RX_BRE = 1 << 4,       /* POSIX basic syntax: \( \) \{ \} \| \+ \? are operators */
    RX_ERE = 1 << 5,       /* POSIX extended syntax */
    RX_LITERAL = 1 << 6,   /* the pattern is a fixed string */
    RX_LONGEST = 1 << 7,   /* leftmost-longest match (POSIX); default leftmost-first */
};

/* Value of an unset submatch offset. */
#define RX_UNSET ((size_t)-1)

/* Hard caps: longer patterns or larger programs are refused with a message. */
#define RX_MAX_PATTERN (64 * 1024)
#define RX_MAX_PROGRAM 40000
#define RX_MAX_GROUPS 99

/* Compiles pat[0..len). On error returns NULL and writes a NUL-terminated
 * message (with the byte offset) into err when err_cap > 0. */
rx *rx_compile(const char *pat, size_t len, unsigned flags, char *err, size_t err_cap);
void rx_free(rx *re);

/* Number of capture groups, not counting group 0 (the whole match). */
int rx_groups(const rx *re);

/* True when the pattern is a plain string (no operators) searched without
 * case folding: such searches never run the VM. */
bool rx_is_literal(const rx *re);

/* Finds the leftmost match in buf[0..len) that starts at or after `start`.
 * Bytes before `start` are context for ^, \b and friends. caps (may be NULL
 * when ncaps is 0) receives ncaps offsets: caps[2k], caps[2k+1] are the
 * start and end of group k (group 0 = the whole match), RX_UNSET when the
 * group did not take part. Returns 1 on a match, 0 on none, -1 when scratch
 * memory could not be allocated. An rx is not safe for concurrent searches
 * (it keeps its scratch space). */
int rx_search(rx *re, const char *buf, size_t len, size_t start, size_t *caps, int ncaps);

#endif
