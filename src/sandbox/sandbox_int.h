/* sandbox_int.h: what the sandbox's files share and nobody else sees.
 *
 * The network policy's compiled form, the per-run context a host function
 * finds through its instance (fd table, output sinks, limits, HTTP handles),
 * and the entry points that bind WASI and boxagnts_http into a linker.
 */
#ifndef BX_SANDBOX_INT_H
#define BX_SANDBOX_INT_H

#include <netinet/in.h>
#include <stdatomic.h>
#include <sys/types.h>

#include "sandbox/sandbox.h"
#include "wasm/wasm.h"

/* ------------------------------------------------------------- network */

#define SANDBOX__MAX_ADDRS 16

typedef struct sandbox__cidr {
    uint8_t addr[16]; /* IPv6; IPv4 as ::ffff:a.b.c.d */
    uint8_t prefix;   /* bits over the 128 */
    char text[64];    /* as written, for messages */
    char name[32];    /* "loopback", ... */
} sandbox__cidr;

typedef struct sandbox__pattern {
    char scheme[16]; /* glob */
    char host[256];  /* glob; IPv6 literal in brackets */
    int port;        /* -1: scheme default, -2: any, else the port */
} sandbox__pattern;

typedef struct sandbox__addr {
    union {
        struct sockaddr sa;
        struct sockaddr_in v4;
        struct sockaddr_in6 v6;
    } sa;
    socklen_t len;
} sandbox__addr;

typedef struct sandbox__resolve {
    char host[256];
    sandbox__addr addrs[SANDBOX__MAX_ADDRS];
    size_t n_addrs;
} sandbox__resolve;

struct sandbox_net {
    sandbox__pattern *allow;
    size_t n_allow;
    sandbox__cidr *blocked;
    size_t n_blocked;
    sandbox__resolve *resolve; /* test-only overrides */
    size_t n_resolve;
    char *extra_ca_file;
    uint32_t max_redirects;
    uint64_t max_response_bytes;
    uint32_t timeout_ms;
};

const sandbox__resolve *sandbox__net_override(const sandbox_net *net, const char *host);

/* -------------------------------------------------------------- modules */

struct sandbox_module {
    atomic_int refs;
    wasm_module *wm;
    char hash[65];
    size_t bytes;     /* size of the source bytes (the cache's measure) */
    bool wants_http;  /* imports boxagnts_http */
};

/* --------------------------------------------------------------- WASI */

enum sandbox__fd_kind {
    SANDBOX__FD_FREE = 0,
    SANDBOX__FD_STDIN,  /* bytes from opts, or a host fd */
    SANDBOX__FD_STDOUT, /* capped sink */
    SANDBOX__FD_STDERR,
    SANDBOX__FD_FILE,   /* host fd, regular file or other non-directory */
    SANDBOX__FD_DIR,    /* host fd opened O_DIRECTORY */
};

typedef struct sandbox__dirent {
    uint64_t ino;
    uint8_t type; /* WASI filetype */
    uint32_t name_off, name_len; /* into the fd's names buffer */
} sandbox__dirent;

typedef struct sandbox__fd {
    int kind;
    int host;              /* host fd, -1 if none */
    uint8_t filetype;      /* WASI filetype */
    uint16_t flags;        /* WASI fdflags */
    uint64_t rights;       /* base rights */
    uint64_t inheriting;   /* rights for what is opened through it */
    bool read_only;        /* from a read-only preopen: no write-type call */
    char *preopen;         /* guest path of a preopen, else NULL */
    /* fd_readdir snapshot, taken at cookie 0 */
    sandbox__dirent *dents;
    size_t n_dents;
    bx_buf dent_names;
} sandbox__fd;

typedef struct sandbox__sink {
    int host_fd;     /* >= 0: stream there */
    bx_buf *capture; /* else append here */
    size_t cap;      /* bytes kept */
    size_t written;  /* bytes the guest wrote in total */
    bool truncated;
} sandbox__sink;

#define SANDBOX__MAX_FDS 1024
#define SANDBOX__MAX_HTTP 8

typedef struct sandbox__http_handle {
    bool used;
    sandbox_http_response resp;
    size_t body_pos;
} sandbox__http_handle;

/* A preopen's host directory, by identity (see wasi_grant.c). */
typedef struct sandbox__grant {
    dev_t dev;
    ino_t ino;
    bool read_only;
} sandbox__grant;

/* Everything one run's host functions need, found through the instance. */
typedef struct sandbox__ctx {
    sandbox__fd *fds;      /* table; guest fd = index */
    size_t n_fds;
    sandbox__grant *grants;    /* every preopen, in order */
    size_t n_grants;
    bool ro_nested;            /* a read-only grant lies at or below a read-write one */
    /* args and environ, each a sequence of NUL-terminated strings */
    bx_buf argbuf, envbuf;
    uint32_t argc, envc;
    /* stdin */
    const uint8_t *stdin_data;
    size_t stdin_len, stdin_pos;
    int stdin_fd;
    sandbox__sink out, err;
    /* limits */
    uint64_t deadline_ns;      /* monotonic; 0 = none */
    atomic_bool stop;          /* set by the timer: the run is over */
    uint64_t poll_start;       /* poll_oneoff: when the current call began */
    /* network */
    sandbox_net *net;          /* NULL: no network granted */
    sandbox__http_handle http[SANDBOX__MAX_HTTP];
    char http_error[512];
} sandbox__ctx;

/* WASI preview1 constants (wasi_snapshot_preview1 witx). */
enum {
    WASI_ESUCCESS = 0, WASI_E2BIG = 1, WASI_EACCES = 2, WASI_EADDRINUSE = 3,
    WASI_EADDRNOTAVAIL = 4, WASI_EAFNOSUPPORT = 5, WASI_EAGAIN = 6, WASI_EALREADY = 7,
    WASI_EBADF = 8, WASI_EBADMSG = 9, WASI_EBUSY = 10, WASI_ECANCELED = 11, WASI_ECHILD = 12,
    WASI_ECONNABORTED = 13, WASI_ECONNREFUSED = 14, WASI_ECONNRESET = 15, WASI_EDEADLK = 16,
    WASI_EDESTADDRREQ = 17, WASI_EDOM = 18, WASI_EDQUOT = 19, WASI_EEXIST = 20,
    WASI_EFAULT = 21, WASI_EFBIG = 22, WASI_EHOSTUNREACH = 23, WASI_EIDRM = 24,
    WASI_EILSEQ = 25, WASI_EINPROGRESS = 26, WASI_EINTR = 27, WASI_EINVAL = 28, WASI_EIO = 29,
    WASI_EISCONN = 30, WASI_EISDIR = 31, WASI_ELOOP = 32, WASI_EMFILE = 33, WASI_EMLINK = 34,
    WASI_EMSGSIZE = 35, WASI_EMULTIHOP = 36, WASI_ENAMETOOLONG = 37, WASI_ENETDOWN = 38,
    WASI_ENETRESET = 39, WASI_ENETUNREACH = 40, WASI_ENFILE = 41, WASI_ENOBUFS = 42,
    WASI_ENODEV = 43, WASI_ENOENT = 44, WASI_ENOEXEC = 45, WASI_ENOLCK = 46, WASI_ENOLINK = 47,
    WASI_ENOMEM = 48, WASI_ENOMSG = 49, WASI_ENOPROTOOPT = 50, WASI_ENOSPC = 51,
    WASI_ENOSYS = 52, WASI_ENOTCONN = 53, WASI_ENOTDIR = 54, WASI_ENOTEMPTY = 55,
    WASI_ENOTRECOVERABLE = 56, WASI_ENOTSOCK = 57, WASI_ENOTSUP = 58, WASI_ENOTTY = 59,
    WASI_ENXIO = 60, WASI_EOVERFLOW = 61, WASI_EOWNERDEAD = 62, WASI_EPERM = 63,
    WASI_EPIPE = 64, WASI_EPROTO = 65, WASI_EPROTONOSUPPORT = 66, WASI_EPROTOTYPE = 67,
    WASI_ERANGE = 68, WASI_EROFS = 69, WASI_ESPIPE = 70, WASI_ESRCH = 71, WASI_ESTALE = 72,
    WASI_ETIMEDOUT = 73, WASI_ETXTBSY = 74, WASI_EXDEV = 75, WASI_ENOTCAPABLE = 76,
};

#define WASI_RIGHT(n) (1ull << (n))
enum {
    WASI_FT_UNKNOWN = 0, WASI_FT_BLOCK = 1, WASI_FT_CHAR = 2, WASI_FT_DIR = 3,
    WASI_FT_FILE = 4, WASI_FT_DGRAM = 5, WASI_FT_STREAM = 6, WASI_FT_SYMLINK = 7,
};
#define R_FD_DATASYNC WASI_RIGHT(0)
#define R_FD_READ WASI_RIGHT(1)
#define R_FD_SEEK WASI_RIGHT(2)
#define R_FD_FDSTAT_SET_FLAGS WASI_RIGHT(3)
#define R_FD_SYNC WASI_RIGHT(4)
#define R_FD_TELL WASI_RIGHT(5)
#define R_FD_WRITE WASI_RIGHT(6)
#define R_FD_ADVISE WASI_RIGHT(7)
#define R_FD_ALLOCATE WASI_RIGHT(8)
#define R_PATH_CREATE_DIRECTORY WASI_RIGHT(9)
#define R_PATH_CREATE_FILE WASI_RIGHT(10)
#define R_PATH_LINK_SOURCE WASI_RIGHT(11)
#define R_PATH_LINK_TARGET WASI_RIGHT(12)
#define R_PATH_OPEN WASI_RIGHT(13)
#define R_FD_READDIR WASI_RIGHT(14)
#define R_PATH_READLINK WASI_RIGHT(15)
#define R_PATH_RENAME_SOURCE WASI_RIGHT(16)
#define R_PATH_RENAME_TARGET WASI_RIGHT(17)
#define R_PATH_FILESTAT_GET WASI_RIGHT(18)
#define R_PATH_FILESTAT_SET_SIZE WASI_RIGHT(19)
#define R_PATH_FILESTAT_SET_TIMES WASI_RIGHT(20)
#define R_FD_FILESTAT_GET WASI_RIGHT(21)
#define R_FD_FILESTAT_SET_SIZE WASI_RIGHT(22)
#define R_FD_FILESTAT_SET_TIMES WASI_RIGHT(23)
#define R_PATH_SYMLINK WASI_RIGHT(24)
#define R_PATH_REMOVE_DIRECTORY WASI_RIGHT(25)
#define R_PATH_UNLINK_FILE WASI_RIGHT(26)
#define R_POLL_FD_READWRITE WASI_RIGHT(27)
#define R_SOCK_SHUTDOWN WASI_RIGHT(28)
#define R_SOCK_ACCEPT WASI_RIGHT(29)

#define RIGHTS_FILE                                                                  \
    (R_FD_DATASYNC | R_FD_READ | R_FD_SEEK | R_FD_FDSTAT_SET_FLAGS | R_FD_SYNC |     \
     R_FD_TELL | R_FD_WRITE | R_FD_ADVISE | R_FD_ALLOCATE | R_FD_FILESTAT_GET |      \
     R_FD_FILESTAT_SET_SIZE | R_FD_FILESTAT_SET_TIMES | R_POLL_FD_READWRITE)
#define RIGHTS_DIR                                                                   \
    (R_FD_DATASYNC | R_FD_FDSTAT_SET_FLAGS | R_FD_SYNC | R_PATH_CREATE_DIRECTORY |   \
     R_PATH_CREATE_FILE | R_PATH_LINK_SOURCE | R_PATH_LINK_TARGET | R_PATH_OPEN |    \
     R_FD_READDIR | R_PATH_READLINK | R_PATH_RENAME_SOURCE | R_PATH_RENAME_TARGET |  \
     R_PATH_FILESTAT_GET | R_PATH_FILESTAT_SET_SIZE | R_PATH_FILESTAT_SET_TIMES |    \
     R_FD_FILESTAT_GET | R_FD_FILESTAT_SET_TIMES | R_PATH_SYMLINK |                  \
     R_PATH_REMOVE_DIRECTORY | R_PATH_UNLINK_FILE | R_POLL_FD_READWRITE)
/* Everything that changes the file system: never granted under a read-only preopen. */
#define RIGHTS_WRITE                                                                 \
    (R_FD_WRITE | R_FD_ALLOCATE | R_FD_FILESTAT_SET_SIZE | R_FD_FILESTAT_SET_TIMES |  \
     R_PATH_CREATE_DIRECTORY | R_PATH_CREATE_FILE | R_PATH_LINK_SOURCE |             \
     R_PATH_LINK_TARGET | R_PATH_RENAME_SOURCE | R_PATH_RENAME_TARGET |              \
     R_PATH_FILESTAT_SET_SIZE | R_PATH_FILESTAT_SET_TIMES | R_PATH_SYMLINK |         \
     R_PATH_REMOVE_DIRECTORY | R_PATH_UNLINK_FILE)

/* Host errno -> WASI errno. */
uint16_t sandbox__wasi_errno(int host_errno);

/* WASI preview1 and boxagnts_http host functions, defined into a linker
 * under their module names. Host functions find their sandbox__ctx with
 * wasm_instance_user(wasm_call_instance(call)). */
bx_err sandbox__define_wasi(wasm_linker *l);
bx_err sandbox__define_http(wasm_linker *l);

/* fd table */
void sandbox__fds_init(sandbox__ctx *c);
void sandbox__fds_release(sandbox__ctx *c);
bx_err sandbox__preopen(sandbox__ctx *c, const char *host, const char *guest, bool read_only,
                        bx_error *detail);
/* Grants: one per preopen, then finish once all are made (decides
 * ro_nested). dir_read_only: the directory dfd lies in a read-only grant's
 * tree (the deepest grant holding it is read-only), or cannot be placed
 * (fail closed); always false unless ro_nested. is_ro_root: the entry
 * name in pfd (pfd itself for "") is a read-only grant's root directory. */
bx_err sandbox__grant_add(sandbox__ctx *c, int host_fd, bool read_only);
void sandbox__grants_finish(sandbox__ctx *c);
bool sandbox__dir_read_only(const sandbox__ctx *c, int dfd);
bool sandbox__is_ro_root(const sandbox__ctx *c, int pfd, const char *name);
void sandbox__sink_write(sandbox__sink *s, const void *p, size_t n);
void sandbox__sink_finish(sandbox__sink *s);
void sandbox__http_release(sandbox__ctx *c);

#endif
