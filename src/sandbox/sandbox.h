/* sandbox: runs a WebAssembly program with exactly the capabilities its
 * RunOption grants (level 3; builds on wasm, util, json).
 *
 * A guest gets WASI preview1 over our own fd table (rights per fd, every
 * path resolved beneath its preopen with openat2), HTTP through the host
 * (`boxagnts_http`, allow-listed hosts only, never private or metadata
 * addresses), and limits with safe defaults on time, fuel, memory, stack and
 * output. Modules are translated once and cached by SHA-256.
 * User-facing notes: docs/sandbox.md.
 *
 * Thread-safety: sandbox_run may be called from any number of threads at
 * once (each run is its own instance); a sandbox_cache is thread-safe; a
 * sandbox_net is immutable after creation and may be shared.
 */
#ifndef BX_SANDBOX_H
#define BX_SANDBOX_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "util/util.h"

/* ------------------------------------------------------- network policy */

/* A compiled network policy: an allow-list of `scheme://host[:port]`
 * patterns (`*` wildcards in any part; an empty list denies everything) and
 * a list of blocked CIDR ranges checked against every resolved address
 * (IPv4-mapped, -compatible, NAT64, 6to4 and Teredo forms are unwrapped and
 * checked too). Immutable once built. */
typedef struct sandbox_net sandbox_net;

typedef struct sandbox_net_config {
    const char *const *allow;   /* allowed_outbound_hosts patterns */
    size_t n_allow;
    const char *const *blocked; /* CIDRs; NULL = the defaults (sandbox_net_default_blocked) */
    size_t n_blocked;           /* with blocked != NULL; 0 entries blocks nothing */
    /* Test-only: "host=addr[,addr...]" entries used instead of DNS for
     * `host`. The addresses still pass the block list. */
    const char *const *resolve;
    size_t n_resolve;
    const char *extra_ca_file;  /* PEM CA bundle trusted in addition to the system's */
    uint32_t max_redirects;     /* 0 = default 5 */
    uint64_t max_response_bytes;/* body cap; 0 = default 16 MiB */
    uint32_t timeout_ms;        /* per request, 0 = default 30,000 */
} sandbox_net_config;

/* The default block list as CIDR strings with a name each, NULL-terminated. */
typedef struct sandbox_cidr_name {
    const char *cidr;
    const char *name;
} sandbox_cidr_name;
extern const sandbox_cidr_name sandbox_net_default_blocked[];

/* Compiles a policy. A bad pattern or CIDR gives BX_INVALID naming it. */
bx_err sandbox_net_new(const sandbox_net_config *cfg, bx_error *detail, sandbox_net **out);
void sandbox_net_free(sandbox_net *net);

/* True when scheme://host:port matches an allow-list entry. scheme and host
 * are compared case-insensitively; host is as it appears in a URL (IPv6 in
 * brackets). On false, why (if not NULL) names the rule to change. */
bool sandbox_net_host_allowed(const sandbox_net *net, const char *scheme, const char *host,
                              unsigned port, char *why, size_t why_cap);
/* BX_OK when the address is outside every blocked range, BX_DENIED
 * otherwise with why naming the range. */
bx_err sandbox_net_check_addr(const sandbox_net *net, const struct sockaddr *sa, char *why,
                              size_t why_cap);
/* Same for a textual IP address (v4 or v6, no brackets). BX_INVALID if
 * it is not an address. */
bx_err sandbox_net_check_ip(const sandbox_net *net, const char *ip, char *why, size_t why_cap);

/* ------------------------------------------------------------ host HTTP */

typedef struct sandbox_http_request {
    const char *method;  /* "GET", "POST", ...; NULL = GET */
    const char *url;     /* absolute http(s) URL */
    const char *headers; /* "Name: value" lines separated by '\n'; may be NULL */
    const void *body;
    size_t body_len;
} sandbox_http_request;

typedef struct sandbox_http_response {
    long status;         /* final HTTP status */
    bx_buf headers;      /* final response's header lines "Name: value\n" */
    bx_buf body;         /* capped by max_response_bytes */
    char *final_url;     /* after redirects (bx_free) */
    uint32_t redirects;  /* hops followed */
} sandbox_http_response;

void sandbox_http_response_init(sandbox_http_response *r);
void sandbox_http_response_release(sandbox_http_response *r);

/* Performs a request the way a guest's is performed: URL checked against
 * the allow-list, name resolved by the host, every address checked against
 * the block list and pinned, redirects followed here (each hop checked
 * again), body and time capped. cancel (may be NULL) aborts when it becomes
 * true. Errors: BX_DENIED (policy; detail names the rule), BX_INVALID (bad
 * URL or header), BX_NETWORK, BX_TIMEOUT, BX_TOOBIG, BX_LIMIT (redirects),
 * BX_CANCELLED. */
bx_err sandbox_http_fetch(const sandbox_net *net, const sandbox_http_request *req,
                          const atomic_bool *cancel, sandbox_http_response *out,
                          bx_error *detail);

/* --------------------------------------------------------------- modules */

/* A translated module ready to instantiate (wraps the engine's module).
 * Refcounted; immutable; shareable across threads. */
typedef struct sandbox_module sandbox_module;

/* Translates bytes without a cache. */
bx_err sandbox_module_load(const void *bytes, size_t len, bx_error *detail,
                           sandbox_module **out);
sandbox_module *sandbox_module_ref(sandbox_module *m);
void sandbox_module_unref(sandbox_module *m);
/* SHA-256 of the bytes the module was made from (64 hex + NUL) for a
 * module from the cache; "" for one from sandbox_module_load. */
const char *sandbox_module_hash(const sandbox_module *m);

/* A cache of translated modules keyed by the SHA-256 of their bytes,
 * bounded by the summed size of their bytes (LRU eviction). Thread-safe;
 * two threads asking for the same bytes translate once. */
typedef struct sandbox_cache sandbox_cache;

sandbox_cache *sandbox_cache_new(size_t max_bytes);
void sandbox_cache_free(sandbox_cache *c);
/* A reference to the cached module for these bytes (translating on a
 * miss). The caller unrefs it. */
bx_err sandbox_cache_get(sandbox_cache *c, const void *bytes, size_t len, bx_error *detail,
                         sandbox_module **out);
/* Entries, bytes held, hits and misses so far. */
void sandbox_cache_stats(sandbox_cache *c, size_t *out_entries, size_t *out_bytes,
                         uint64_t *out_hits, uint64_t *out_misses);
/* The process-wide cache (64 MiB), created on first use. */
sandbox_cache *sandbox_cache_default(void);

/* ----------------------------------------------------------- run options */

/* One preopened directory: host directory -> guest path. */
typedef struct sandbox_map_dir {
    const char *host;  /* host directory (must exist) */
    const char *guest; /* guest path, e.g. "/" or "/data" */
    bool read_only;    /* refuses every write-type call whatever host permissions say */
} sandbox_map_dir;

#define SANDBOX_DEFAULT_TIMEOUT_MS 30000u
#define SANDBOX_DEFAULT_MAX_MEMORY (256ull << 20)
#define SANDBOX_DEFAULT_FUEL 20000000000ull /* basic blocks; several seconds of work */
#define SANDBOX_DEFAULT_MAX_STACK (8ull << 20)
#define SANDBOX_DEFAULT_OUTPUT_CAP (1u << 20)
#define SANDBOX_MAX_ARGS_BYTES (1u << 20) /* argv + environ, summed */

/* Everything a run may use. Zero-initialise (or call sandbox_opts_init) and
 * set what you grant: a zero field means the safe default, never "off". */
typedef struct sandbox_opts {
    const char *work_dir;           /* host dir preopened as guest "/" (rw); NULL: none */
    bool work_dir_read_only;        /* ... read-only instead */
    const sandbox_map_dir *map_dirs;/* further preopens */
    size_t n_map_dirs;
    const char *const *args;        /* argv[1..] (argv[0] is program_name) */
    size_t n_args;
    const char *program_name;       /* argv[0]; NULL = "main.wasm" */
    const char *const *env;         /* "K=V" strings; nothing else is visible */
    size_t n_env;
    const char *const *allowed_outbound_hosts; /* empty: no network */
    size_t n_allowed_outbound_hosts;
    const char *const *blocked_networks; /* NULL: defaults */
    size_t n_blocked_networks;
    const char *const *test_resolve; /* test-only DNS override, see sandbox_net_config */
    size_t n_test_resolve;
    const char *extra_ca_file;      /* extra trusted CAs for guest HTTPS */
    uint64_t max_http_response;     /* body bytes per guest HTTP response; 0 = 16 MiB */
    uint32_t timeout_ms;            /* wall time; 0 = 30 s */
    uint64_t max_memory;            /* bytes of linear memory; 0 = 256 MiB */
    uint64_t fuel;                  /* 0 = SANDBOX_DEFAULT_FUEL */
    uint64_t max_stack;             /* value-stack bytes; 0 = 8 MiB */
    uint32_t max_call_depth;        /* 0 = 10,000 */
    size_t stdout_cap;              /* 0 = 1 MiB; truncated with a marker */
    size_t stderr_cap;              /* 0 = 1 MiB */
    const void *stdin_data;         /* bytes the guest reads on fd 0 */
    size_t stdin_len;
    int stdin_fd;                   /* >= 0: read fd 0 from this host fd instead */
    int stdout_fd;                  /* >= 0: stream stdout here (still capped) */
    int stderr_fd;                  /* >= 0: stream stderr here (still capped) */
    const char *entry;              /* export to call; NULL = "_start" (a reactor's
                                       _initialize runs first for any other entry) */
    const atomic_bool *cancel;      /* optional: set it (any thread) to stop the run
                                       within ~20 ms with BX_CANCELLED */
} sandbox_opts;

void sandbox_opts_init(sandbox_opts *o); /* zeroes; fds -1 */

/* What happened. */
typedef struct sandbox_result {
    bx_err err;          /* BX_OK: ran to an exit (see exit_code); BX_TRAP, BX_TIMEOUT,
                            BX_LIMIT (fuel, memory, stack), BX_CANCELLED; others: setup
                            failed */
    int exit_code;       /* proc_exit status, or 0 when the entry returned */
    char message[512];   /* trap / limit / setup message; empty on success */
    bx_buf out;          /* captured stdout (when not streamed) */
    bx_buf errout;       /* captured stderr (when not streamed) */
    bool out_truncated, err_truncated;
    uint64_t fuel_used;
    uint64_t wall_ns;
    uint64_t memory_bytes; /* linear memory at the end */
} sandbox_result;

void sandbox_result_init(sandbox_result *r);
void sandbox_result_release(sandbox_result *r);

/* Instantiates the module with opts' capabilities, calls its entry and
 * fills *out (which the caller initialised). Returns out->err. Never lets
 * the guest crash or stall the host: traps, timeouts and limits come back
 * as errors with a message. */
bx_err sandbox_run(sandbox_module *m, const sandbox_opts *opts, sandbox_result *out);

/* The visible marker appended to output cut at its cap. */
#define SANDBOX_TRUNCATION_MARKER "\n[boxagnts: output truncated at %zu bytes]\n"

/* ------------------------------------------------------------------ CLI */

/* `boxagnts wasm run [options] FILE.wasm [-- ARGS]` (argv[0] == "wasm").
 * Returns the process exit code: the guest's, or 1..123 with a message on
 * stderr for a trap, a limit or a usage error. */
int sandbox_cli_main(int argc, char **argv, const char *workspace_dir);

#endif
