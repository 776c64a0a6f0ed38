/* lazy_mhd.c: libmicrohttpd, loaded when the server starts instead of at
 * every process start.
 *
 * libmicrohttpd links GnuTLS and its eight dependencies; mapping them costs
 * every `boxagnts` process (`wasm run`, `tool run`, `run`) ~1–2 ms although
 * only `serve` needs them. The binary does not link libmicrohttpd: this
 * file defines the MHD functions the gateway uses as trampolines that
 * dlopen("libmicrohttpd.so.12") once (as util/lazy_curl.c does for
 * libcurl). Calling an MHD function not listed here fails at link time:
 * add it to MHD_FUNCS below. MHD_start_daemon's options are forwarded
 * through MHD_start_daemon_va, so any option works. */
#include <dlfcn.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>

#include "util/util.h"

#define MHD_FUNCS(X)                                                                            \
    X(struct MHD_Daemon *, MHD_start_daemon_va,                                                 \
      (unsigned int f, uint16_t port, MHD_AcceptPolicyCallback apc, void *apc_cls,              \
       MHD_AccessHandlerCallback dh, void *dh_cls, va_list ap))                                 \
    X(void, MHD_stop_daemon, (struct MHD_Daemon * d))                                           \
    X(MHD_socket, MHD_quiesce_daemon, (struct MHD_Daemon * d))                                  \
    X(const union MHD_DaemonInfo *, MHD_get_daemon_info,                                        \
      (struct MHD_Daemon * d, enum MHD_DaemonInfoType t, ...))                                  \
    X(const union MHD_ConnectionInfo *, MHD_get_connection_info,                                \
      (struct MHD_Connection * c, enum MHD_ConnectionInfoType t, ...))                          \
    X(const char *, MHD_lookup_connection_value,                                                \
      (struct MHD_Connection * c, enum MHD_ValueKind k, const char *key))                       \
    X(int, MHD_get_connection_values,                                                           \
      (struct MHD_Connection * c, enum MHD_ValueKind k, MHD_KeyValueIterator it, void *cls))    \
    X(size_t, MHD_http_unescape, (char *val))                                                   \
    X(struct MHD_Response *, MHD_create_response_from_buffer,                                   \
      (size_t size, void *buffer, enum MHD_ResponseMemoryMode mode))                            \
    X(struct MHD_Response *, MHD_create_response_from_fd, (size_t size, int fd))                \
    X(struct MHD_Response *, MHD_create_response_from_callback,                                 \
      (uint64_t size, size_t block, MHD_ContentReaderCallback crc, void *cls,                   \
       MHD_ContentReaderFreeCallback crfc))                                                     \
    X(enum MHD_Result, MHD_add_response_header,                                                 \
      (struct MHD_Response * r, const char *h, const char *v))                                  \
    X(enum MHD_Result, MHD_queue_response,                                                      \
      (struct MHD_Connection * c, unsigned int status, struct MHD_Response *r))                 \
    X(void, MHD_destroy_response, (struct MHD_Response * r))                                    \
    X(void, MHD_suspend_connection, (struct MHD_Connection * c))                                \
    X(void, MHD_resume_connection, (struct MHD_Connection * c))

static struct {
#define X(ret, name, args) ret(*name) args;
    MHD_FUNCS(X)
#undef X
} real;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static bool loaded;

static void load(void)
{
    void *lib = dlopen("libmicrohttpd.so.12", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        bx_log(BX_LOG_ERROR, "gateway", "cannot load libmicrohttpd: %s", dlerror());
        return;
    }
#define X(ret, name, args)                                                   \
    *(void **)&real.name = dlsym(lib, #name);                                \
    if (!real.name) {                                                        \
        bx_log(BX_LOG_ERROR, "gateway", "libmicrohttpd lacks %s", #name);    \
        return;                                                              \
    }
    MHD_FUNCS(X)
#undef X
    loaded = true;
}

static bool ready(void)
{
    pthread_once(&load_once, load);
    return loaded;
}

/* Only MHD_start_daemon decides whether the library is there: every other
 * call needs a daemon or a connection, which exist only once it loaded. */
struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port,
                                    MHD_AcceptPolicyCallback apc, void *apc_cls,
                                    MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
    if (!ready())
        return NULL;
    va_list ap;
    va_start(ap, dh_cls);
    struct MHD_Daemon *d = real.MHD_start_daemon_va(flags, port, apc, apc_cls, dh, dh_cls, ap);
    va_end(ap);
    return d;
}

void MHD_stop_daemon(struct MHD_Daemon *d)
{
    if (ready())
        real.MHD_stop_daemon(d);
}

MHD_socket MHD_quiesce_daemon(struct MHD_Daemon *d)
{
    return ready() ? real.MHD_quiesce_daemon(d) : MHD_INVALID_SOCKET;
}

const union MHD_DaemonInfo *MHD_get_daemon_info(struct MHD_Daemon *d,
                                                enum MHD_DaemonInfoType t, ...)
{
    return ready() ? real.MHD_get_daemon_info(d, t) : NULL;
}

const union MHD_ConnectionInfo *MHD_get_connection_info(struct MHD_Connection *c,
                                                        enum MHD_ConnectionInfoType t, ...)
{
    return ready() ? real.MHD_get_connection_info(c, t) : NULL;
}

const char *MHD_lookup_connection_value(struct MHD_Connection *c, enum MHD_ValueKind k,
                                        const char *key)
{
    return ready() ? real.MHD_lookup_connection_value(c, k, key) : NULL;
}

int MHD_get_connection_values(struct MHD_Connection *c, enum MHD_ValueKind k,
                              MHD_KeyValueIterator it, void *cls)
{
    return ready() ? real.MHD_get_connection_values(c, k, it, cls) : -1;
}

size_t MHD_http_unescape(char *val)
{
    return ready() ? real.MHD_http_unescape(val) : 0;
}

struct MHD_Response *MHD_create_response_from_buffer(size_t size, void *buffer,
                                                     enum MHD_ResponseMemoryMode mode)
{
    return ready() ? real.MHD_create_response_from_buffer(size, buffer, mode) : NULL;
}

struct MHD_Response *MHD_create_response_from_fd(size_t size, int fd)
{
    return ready() ? real.MHD_create_response_from_fd(size, fd) : NULL;
}

struct MHD_Response *MHD_create_response_from_callback(uint64_t size, size_t block,
                                                       MHD_ContentReaderCallback crc, void *cls,
                                                       MHD_ContentReaderFreeCallback crfc)
{
    return ready() ? real.MHD_create_response_from_callback(size, block, crc, cls, crfc) : NULL;
}

enum MHD_Result MHD_add_response_header(struct MHD_Response *r, const char *h, const char *v)
{
    return ready() ? real.MHD_add_response_header(r, h, v) : MHD_NO;
}

enum MHD_Result MHD_queue_response(struct MHD_Connection *c, unsigned int status,
                                   struct MHD_Response *r)
{
    return ready() ? real.MHD_queue_response(c, status, r) : MHD_NO;
}

void MHD_destroy_response(struct MHD_Response *r)
{
    if (ready())
        real.MHD_destroy_response(r);
}

void MHD_suspend_connection(struct MHD_Connection *c)
{
    if (ready())
        real.MHD_suspend_connection(c);
}

void MHD_resume_connection(struct MHD_Connection *c)
{
    if (ready())
        real.MHD_resume_connection(c);
}
