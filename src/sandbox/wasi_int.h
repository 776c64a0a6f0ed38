/* wasi_int.h: what the WASI host's files share: the list of every
 * wasi_snapshot_preview1 function with its signature (one X-macro drives
 * the prototypes and the linker bindings), little-endian guest memory
 * accessors, and the fd-table helpers. */
#ifndef BX_SANDBOX_WASI_INT_H
#define BX_SANDBOX_WASI_INT_H

#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sandbox/sandbox_int.h"

/* X(name, params): params as i (i32) / I (i64); every result is one i32
 * errno except proc_exit, which is bound separately. */
#define WASI_FN_LIST(X)                       \
    X(args_get, "ii")                         \
    X(args_sizes_get, "ii")                   \
    X(environ_get, "ii")                      \
    X(environ_sizes_get, "ii")                \
    X(clock_res_get, "ii")                    \
    X(clock_time_get, "iIi")                  \
    X(fd_advise, "iIIi")                      \
    X(fd_allocate, "iII")                     \
    X(fd_close, "i")                          \
    X(fd_datasync, "i")                       \
    X(fd_fdstat_get, "ii")                    \
    X(fd_fdstat_set_flags, "ii")              \
    X(fd_fdstat_set_rights, "iII")            \
    X(fd_filestat_get, "ii")                  \
    X(fd_filestat_set_size, "iI")             \
    X(fd_filestat_set_times, "iIIi")          \
    X(fd_pread, "iiiIi")                      \
    X(fd_prestat_get, "ii")                   \
    X(fd_prestat_dir_name, "iii")             \
    X(fd_pwrite, "iiiIi")                     \
    X(fd_read, "iiii")                        \
    X(fd_readdir, "iiiIi")                    \
    X(fd_renumber, "ii")                      \
    X(fd_seek, "iIii")                        \
    X(fd_sync, "i")                           \
    X(fd_tell, "ii")                          \
    X(fd_write, "iiii")                       \
    X(path_create_directory, "iii")           \
    X(path_filestat_get, "iiiii")             \
    X(path_filestat_set_times, "iiiiIIi")     \
    X(path_link, "iiiiiii")                   \
    X(path_open, "iiiiiIIii")                 \
    X(path_readlink, "iiiiii")                \
    X(path_remove_directory, "iii")           \
    X(path_rename, "iiiiii")                  \
    X(path_symlink, "iiiii")                  \
    X(path_unlink_file, "iii")                \
    X(poll_oneoff, "iiii")                    \
    X(proc_raise, "i")                        \
    X(sched_yield, "")                        \
    X(random_get, "ii")                       \
    X(sock_accept, "iii")                     \
    X(sock_recv, "iiiiii")                    \
    X(sock_send, "iiiii")                     \
    X(sock_shutdown, "ii")

#define WASI_FN(name) uint16_t sandbox__wasi_##name(wasm_call *call, sandbox__ctx *c, const wasm_val *a)
#define WASI_PROTO(name, sig) WASI_FN(name);
WASI_FN_LIST(WASI_PROTO)
#undef WASI_PROTO

#define A32(i) ((uint32_t)a[i].of.i32)
#define A64(i) ((uint64_t)a[i].of.i64)

static inline uint32_t wasi_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t wasi_get64(const uint8_t *p)
{
    return (uint64_t)wasi_get32(p) | (uint64_t)wasi_get32(p + 4) << 32;
}
static inline uint16_t wasi_get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline void wasi_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}
static inline void wasi_put64(uint8_t *p, uint64_t v)
{
    wasi_put32(p, (uint32_t)v);
    wasi_put32(p + 4, (uint32_t)(v >> 32));
}
static inline void wasi_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }

/* The fd's entry when it is open and holds every right in need (and, for a
 * write-type right, is not under a read-only preopen); else NULL with
 * *out_errno EBADF or ENOTCAPABLE. */
sandbox__fd *sandbox__get_fd(sandbox__ctx *c, uint32_t fd, uint64_t need, uint16_t *out_errno);
/* A free slot (lowest number), or NULL at SANDBOX__MAX_FDS. May move the
 * table: re-fetch entries after calling it. */
sandbox__fd *sandbox__fd_slot(sandbox__ctx *c, uint32_t *out_fd);
/* path_open's rights check for directory d (see wasi_path.c): 0 and the
 * new fd's base and inheriting rights, or the errno. */
uint16_t sandbox__open_rights(const sandbox__fd *d, uint32_t oflags, uint32_t fdflags,
                              uint64_t base, uint64_t inh, uint64_t *out_base,
                              uint64_t *out_inh);
void sandbox__put_filestat(uint8_t *p, const struct stat *st);
uint8_t sandbox__filetype_of_mode(unsigned mode);
bool sandbox__times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2]);

#endif
