/* fuzz_wasi.c: a guest that turns its stdin into a sequence of raw WASI
 * calls with fuzzer-chosen arguments, for fuzz_wasi.c on the host. Each
 * record is 1 byte of function index and 8 little-endian u64 argument
 * words; an argument word with bit 63 set becomes a pointer into a scratch
 * area (which itself holds the input bytes, so paths, iovecs and structs
 * are fuzzed too), otherwise it is passed as is (wild pointers included).
 * The host must survive anything; the guest may trap. */
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#define RAW(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))
typedef int32_t I;
typedef int64_t L;
RAW(args_get) I w_args_get(I, I);
RAW(args_sizes_get) I w_args_sizes_get(I, I);
RAW(environ_get) I w_environ_get(I, I);
RAW(environ_sizes_get) I w_environ_sizes_get(I, I);
RAW(clock_res_get) I w_clock_res_get(I, I);
RAW(clock_time_get) I w_clock_time_get(I, L, I);
RAW(fd_advise) I w_fd_advise(I, L, L, I);
RAW(fd_allocate) I w_fd_allocate(I, L, L);
RAW(fd_close) I w_fd_close(I);
RAW(fd_datasync) I w_fd_datasync(I);
RAW(fd_fdstat_get) I w_fd_fdstat_get(I, I);
RAW(fd_fdstat_set_flags) I w_fd_fdstat_set_flags(I, I);
RAW(fd_fdstat_set_rights) I w_fd_fdstat_set_rights(I, L, L);
RAW(fd_filestat_get) I w_fd_filestat_get(I, I);
RAW(fd_filestat_set_size) I w_fd_filestat_set_size(I, L);
RAW(fd_filestat_set_times) I w_fd_filestat_set_times(I, L, L, I);
RAW(fd_pread) I w_fd_pread(I, I, I, L, I);
RAW(fd_prestat_get) I w_fd_prestat_get(I, I);
RAW(fd_prestat_dir_name) I w_fd_prestat_dir_name(I, I, I);
RAW(fd_pwrite) I w_fd_pwrite(I, I, I, L, I);
RAW(fd_read) I w_fd_read(I, I, I, I);
RAW(fd_readdir) I w_fd_readdir(I, I, I, L, I);
RAW(fd_renumber) I w_fd_renumber(I, I);
RAW(fd_seek) I w_fd_seek(I, L, I, I);
RAW(fd_sync) I w_fd_sync(I);
RAW(fd_tell) I w_fd_tell(I, I);
RAW(fd_write) I w_fd_write(I, I, I, I);
RAW(path_create_directory) I w_path_create_directory(I, I, I);
RAW(path_filestat_get) I w_path_filestat_get(I, I, I, I, I);
RAW(path_filestat_set_times) I w_path_filestat_set_times(I, I, I, I, L, L, I);
RAW(path_link) I w_path_link(I, I, I, I, I, I, I);
RAW(path_open) I w_path_open(I, I, I, I, I, L, L, I, I);
RAW(path_readlink) I w_path_readlink(I, I, I, I, I, I);
RAW(path_remove_directory) I w_path_remove_directory(I, I, I);
RAW(path_rename) I w_path_rename(I, I, I, I, I, I);
RAW(path_symlink) I w_path_symlink(I, I, I, I, I);
RAW(path_unlink_file) I w_path_unlink_file(I, I, I);
RAW(random_get) I w_random_get(I, I);
RAW(sched_yield) I w_sched_yield(void);
RAW(proc_raise) I w_proc_raise(I);
RAW(sock_accept) I w_sock_accept(I, I, I);
RAW(sock_recv) I w_sock_recv(I, I, I, I, I, I);
RAW(sock_send) I w_sock_send(I, I, I, I, I);
RAW(sock_shutdown) I w_sock_shutdown(I, I);

static uint8_t input[65536];
static uint8_t scratch[65536];

int main(void)
{
    size_t len = 0;
    ssize_t n;
    while (len < sizeof input && (n = read(0, input + len, sizeof input - len)) > 0)
        len += (size_t)n;
    memcpy(scratch, input, len);
    for (size_t pos = 0; pos + 65 <= len; pos += 65) {
        uint8_t op = input[pos];
        uint64_t w[8];
        I a[8];
        L l[8];
        for (int k = 0; k < 8; k++) {
            memcpy(&w[k], input + pos + 1 + 8 * k, 8);
            if (w[k] >> 63)
                w[k] = (uint64_t)(uintptr_t)(scratch + (w[k] % (sizeof scratch - 64)));
            a[k] = (I)w[k];
            l[k] = (L)w[k];
        }
        /* small fds most of the time, so calls reach the table */
        if (!(op & 0x80))
            a[0] &= 7;
        switch (op % 44) {
        case 0: w_args_get(a[0], a[1]); break;
        case 1: w_args_sizes_get(a[0], a[1]); break;
        case 2: w_environ_get(a[0], a[1]); break;
        case 3: w_environ_sizes_get(a[0], a[1]); break;
        case 4: w_clock_res_get(a[0], a[1]); break;
        case 5: w_clock_time_get(a[0], l[1], a[2]); break;
        case 6: w_fd_advise(a[0], l[1], l[2], a[3]); break;
        case 7: w_fd_allocate(a[0], l[1] & 0xffff, l[2] & 0xffff); break;
        case 8: w_fd_close(a[0]); break;
        case 9: w_fd_datasync(a[0]); break;
        case 10: w_fd_fdstat_get(a[0], a[1]); break;
        case 11: w_fd_fdstat_set_flags(a[0], a[1]); break;
        case 12: w_fd_fdstat_set_rights(a[0], l[1], l[2]); break;
        case 13: w_fd_filestat_get(a[0], a[1]); break;
        case 14: w_fd_filestat_set_size(a[0], l[1] & 0xfffff); break;
        case 15: w_fd_filestat_set_times(a[0], l[1], l[2], a[3]); break;
        case 16: w_fd_pread(a[0], a[1], a[2], l[3], a[4]); break;
        case 17: w_fd_prestat_get(a[0], a[1]); break;
        case 18: w_fd_prestat_dir_name(a[0], a[1], a[2]); break;
        case 19: w_fd_pwrite(a[0], a[1], a[2], l[3] & 0xfffff, a[4]); break;
        case 20: w_fd_read(a[0], a[1], a[2], a[3]); break;
        case 21: w_fd_readdir(a[0], a[1], a[2], l[3], a[4]); break;
        case 22: w_fd_renumber(a[0], a[1] & 15); break;
        case 23: w_fd_seek(a[0], l[1], a[2], a[3]); break;
        case 24: w_fd_sync(a[0]); break;
        case 25: w_fd_tell(a[0], a[1]); break;
        case 26: w_fd_write(a[0], a[1], a[2], a[3]); break;
        case 27: w_path_create_directory(a[0], a[1], a[2] & 63); break;
        case 28: w_path_filestat_get(a[0], a[1], a[2], a[3] & 63, a[4]); break;
        case 29: w_path_filestat_set_times(a[0], a[1], a[2], a[3] & 63, l[4], l[5], a[6]); break;
        case 30: w_path_link(a[0], a[1], a[2], a[3] & 63, a[4] & 7, a[5], a[6] & 63); break;
        case 31: w_path_open(a[0], a[1] & 1, a[2], a[3] & 63, a[1] >> 8, l[5], l[6], a[7] & 31, a[4]); break;
        case 32: w_path_readlink(a[0], a[1], a[2] & 63, a[3], a[4], a[5]); break;
        case 33: w_path_remove_directory(a[0], a[1], a[2] & 63); break;
        case 34: w_path_rename(a[0], a[1], a[2] & 63, a[3] & 7, a[4], a[5] & 63); break;
        case 35: w_path_symlink(a[0], a[1] & 63, a[2], a[3], a[4] & 63); break;
        case 36: w_path_unlink_file(a[0], a[1], a[2] & 63); break;
        case 37: w_random_get(a[0], a[1] & 0xffff); break;
        case 38: w_sched_yield(); break;
        case 39: w_proc_raise(a[0]); break;
        case 40: w_sock_accept(a[0], a[1], a[2]); break;
        case 41: w_sock_recv(a[0], a[1], a[2], a[3], a[4], a[5]); break;
        case 42: w_sock_send(a[0], a[1], a[2], a[3], a[4]); break;
        default: w_sock_shutdown(a[0], a[1]); break;
        }
    }
    return 0;
}
