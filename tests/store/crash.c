/* crash.c: the store's crash test. A writer child appends messages in a loop
 * and acknowledges each committed row (its seq) through a pipe; the parent
 * kills it with SIGKILL at random points — sometimes before it has opened
 * the database or while it migrates, mostly in the middle of writing — and
 * after every kill re-opens the database and checks that PRAGMA
 * integrity_check (and foreign_key_check) pass, that every acknowledged row
 * is present with the right content, that seqs have no gaps, that at most
 * the one in-flight row beyond the acknowledgements landed, and that every
 * batch of run events (written after each row) is whole.
 *
 * Usage: store_crash [KILLS] [--plant-early-ack | --plant-torn-events]
 *   KILLS defaults to 120; env BX_CRASH_SEED fixes the random seed.
 *   The --plant-* options are bugs the test must catch (the ctests
 *   store/crash-selftest-* expect those runs to fail): acknowledging each
 *   row before it commits, and writing an event batch one event per
 *   transaction.
 * Internal: store_crash --writer DB ACK_FD [early|torn]   (the child)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"

/* ------------------------------------------------------------- writer */

#define EVENT_BATCH 5

static void content_for(int64_t seq, char *out, size_t cap)
{
    /* A few hundred bytes so rows span pages and the WAL grows. */
    snprintf(out, cap,
             "[{\"type\":\"text\",\"text\":\"row %lld %0200lld\"},"
             "{\"type\":\"tool_use\",\"id\":\"t%lld\",\"input\":{}}]",
             (long long)seq, (long long)seq, (long long)seq);
}

static int writer_main(const char *path, int ack_fd, bool ack_early, bool torn)
{
    store *st = NULL;
    bx_error e;
    if (store_open(path, NULL, &st, &e) != BX_OK) {
        fprintf(stderr, "writer: open: %s\n", e.message);
        return 2;
    }
    store_session_list l;
    if (store_sessions_list(st, 1, NULL, &l, &e) != BX_OK) {
        fprintf(stderr, "writer: list: %s\n", e.message);
        return 2;
    }
    char sid[37];
    int64_t seq = 0;
    if (l.len) {
        memcpy(sid, l.items[0].id, sizeof sid);
        seq = l.items[0].message_count;
    } else {
        store_session_fields f = {.title = "crash test"};
        if (store_session_create(st, &f, sid, &e) != BX_OK) {
            fprintf(stderr, "writer: create session: %s\n", e.message);
            return 2;
        }
    }
    store_session_list_release(&l);
    char content[512];
    for (;;) {
        content_for(seq + 1, content, sizeof content);
        store_message_new m = {.role = "user", .content = content, .input_tokens = seq + 1};
        int64_t got = 0;
        if (ack_early) {
            int64_t next = seq + 1;
            if (write(ack_fd, &next, sizeof next) != (ssize_t)sizeof next)
                return 3;
        }
        if (store_message_append(st, sid, &m, &got, &e) != BX_OK) {
            fprintf(stderr, "writer: append: %s\n", e.message);
            return 2;
        }
        if (got != seq + 1) {
            fprintf(stderr, "writer: got seq %lld, expected %lld\n", (long long)got,
                    (long long)seq + 1);
            return 2;
        }
        seq = got;
        /* Committed: acknowledge it. */
        if (!ack_early && write(ack_fd, &seq, sizeof seq) != (ssize_t)sizeof seq)
            return 3;
        /* Other tables grow too, so a kill can land in any of them. */
        store_usage_new u = {.session_id = sid, .provider = "p", .model = "m",
                             .input_tokens = seq};
        if (store_usage_record(st, &u, NULL, &e) != BX_OK) {
            fprintf(stderr, "writer: usage: %s\n", e.message);
            return 2;
        }
        /* A batch of EVENT_BATCH events (seqs derived from the message's),
         * which must land all together or not at all. */
        char evbuf[EVENT_BATCH][96];
        bx_slice batch[EVENT_BATCH];
        for (int k = 0; k < EVENT_BATCH; k++) {
            snprintf(evbuf[k], sizeof evbuf[k], "{\"type\":\"text_delta\",\"seq\":%lld}",
                     (long long)(EVENT_BATCH * (seq - 1) + k + 1));
            batch[k] = bx_slice_from(evbuf[k]);
        }
        for (int k = 0; k < (torn ? EVENT_BATCH : 1); k++) {
            if (store_events_append(st, sid, batch + k, torn ? 1 : EVENT_BATCH, &e) != BX_OK) {
                fprintf(stderr, "writer: events: %s\n", e.message);
                return 2;
            }
        }
    }
}

/* ------------------------------------------------------------- parent */

static double now_s(void)
{
    return (double)bx_mono_ns() / 1e9;
}

/* Reads whole acknowledgements from fd into *max_ack until the deadline
 * (or EOF when deadline < 0). Returns false on a torn or failed read. */
static bool drain_acks(int fd, int64_t *max_ack, double deadline, bool *out_eof)
{
    *out_eof = false;
    for (;;) {
        int timeout = -1;
        if (deadline >= 0) {
            double left = deadline - now_s();
            if (left <= 0)
                return true;
            timeout = (int)(left * 1000) + 1;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, timeout);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return false;
        if (r == 0)
            continue;
        int64_t buf[512];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return false;
        if (n == 0) {
            *out_eof = true;
            return true;
        }
        /* 8-byte writes to a pipe are atomic, so reads see whole acks. */
        if (n % (ssize_t)sizeof(int64_t) != 0)
            return false;
        for (ssize_t i = 0; i < n / (ssize_t)sizeof(int64_t); i++) {
            if (buf[i] != *max_ack + 1) {
                fprintf(stderr, "crash: ack %lld out of order after %lld\n", (long long)buf[i],
                        (long long)*max_ack);
                return false;
            }
            *max_ack = buf[i];
        }
    }
}

/* Re-opens the database and checks it against what was acknowledged.
 * *known is the number of rows known to be committed (acknowledged or seen
 * on an earlier check); it is raised to what is found. */
static bool verify(const char *path, int64_t acked, int64_t *known, int *in_flight_seen)
{
    store *st = NULL;
    bx_error e;
    if (store_open(path, NULL, &st, &e) != BX_OK) {
        /* Even a writer killed mid-migration must leave a file that
         * opens (and migrates) cleanly. */
        fprintf(stderr, "crash: reopen failed: %s\n", e.message);
        return false;
    }
    bool ok = true;
    if (store_check(st, false, &e) != BX_OK) {
        fprintf(stderr, "crash: %s\n", e.message);
        ok = false;
        goto out;
    }
    store_session_list l;
    if (store_sessions_list(st, 10, NULL, &l, &e) != BX_OK) {
        fprintf(stderr, "crash: list: %s\n", e.message);
        ok = false;
        goto out;
    }
    if (l.len > 1) {
        fprintf(stderr, "crash: %zu sessions, expected at most 1\n", l.len);
        ok = false;
    }
    int64_t n = 0;
    if (ok && l.len == 1) {
        store_message_list ml;
        if (store_messages_get(st, l.items[0].id, 0, 0, &ml, &e) != BX_OK) {
            fprintf(stderr, "crash: messages: %s\n", e.message);
            ok = false;
        } else {
            n = (int64_t)ml.len;
            char want[512];
            for (size_t i = 0; i < ml.len && ok; i++) {
                content_for((int64_t)i + 1, want, sizeof want);
                if (ml.items[i].seq != (int64_t)i + 1 || strcmp(ml.items[i].content, want) != 0 ||
                    ml.items[i].input_tokens != (int64_t)i + 1) {
                    fprintf(stderr, "crash: row %zu is wrong (seq %lld)\n", i + 1,
                            (long long)ml.items[i].seq);
                    ok = false;
                }
            }
            if (l.items[0].message_count != n) {
                fprintf(stderr, "crash: message_count %lld but %lld rows\n",
                        (long long)l.items[0].message_count, (long long)n);
                ok = false;
            }
            store_message_list_release(&ml);
        }
        /* Event batches are all-or-nothing: whole groups of EVENT_BATCH
         * consecutive seqs, each belonging to a message that exists. */
        store_event_list el;
        if (ok && store_events_list(st, l.items[0].id, 0, STORE_MAX_MESSAGES, &el, &e) != BX_OK) {
            fprintf(stderr, "crash: events: %s\n", e.message);
            ok = false;
        } else if (ok) {
            if (el.len % EVENT_BATCH != 0) {
                fprintf(stderr, "crash: %zu events: a batch was torn\n", el.len);
                ok = false;
            }
            for (size_t i = 0; ok && i + EVENT_BATCH <= el.len; i += EVENT_BATCH) {
                int64_t first = el.items[i].seq;
                if ((first - 1) % EVENT_BATCH != 0 || (first - 1) / EVENT_BATCH + 1 > n)
                    ok = false;
                for (int k = 1; ok && k < EVENT_BATCH; k++)
                    ok = el.items[i + (size_t)k].seq == first + k;
                if (!ok)
                    fprintf(stderr, "crash: event batch at seq %lld is torn\n",
                            (long long)first);
            }
            store_event_list_release(&el);
        }
    }
    store_session_list_release(&l);
    int64_t floor = acked > *known ? acked : *known;
    if (ok && n < floor) {
        fprintf(stderr, "crash: LOST ROWS: %lld present, %lld acknowledged/known\n", (long long)n,
                (long long)floor);
        ok = false;
    }
    if (ok && n > floor + 1) {
        fprintf(stderr, "crash: %lld rows but only %lld acknowledged (+1 in flight allowed)\n",
                (long long)n, (long long)floor);
        ok = false;
    }
    if (ok && n == floor + 1)
        (*in_flight_seen)++;
    if (ok)
        *known = n;
out:
    store_close(st);
    return ok;
}

int main(int argc, char **argv)
{
    if ((argc == 4 || argc == 5) && strcmp(argv[1], "--writer") == 0)
        return writer_main(argv[2], atoi(argv[3]), argc == 5 && strcmp(argv[4], "early") == 0,
                           argc == 5 && strcmp(argv[4], "torn") == 0);

    int kills = argc > 1 ? atoi(argv[1]) : 120;
    const char *plant = NULL;
    if (argc > 2 && strcmp(argv[2], "--plant-early-ack") == 0)
        plant = "early";
    else if (argc > 2 && strcmp(argv[2], "--plant-torn-events") == 0)
        plant = "torn";
    else if (argc > 2) {
        fprintf(stderr, "usage: store_crash [KILLS] [--plant-early-ack|--plant-torn-events]\n");
        return 2;
    }
    if (kills < 1)
        kills = 1;
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    const char *env = getenv("BX_CRASH_SEED");
    if (env && *env)
        seed = (unsigned)strtoul(env, NULL, 10);
    srand(seed);
    printf("crash: seed %u (BX_CRASH_SEED=%u reproduces), %d kills\n", seed, seed, kills);
    fflush(stdout);

    char dir[] = "/tmp/bx-crash-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char path[128];
    snprintf(path, sizeof path, "%s/boxagnts.db", dir);

    int64_t acked = 0, known = 0;
    int in_flight = 0, early = 0, failures = 0;
    double t0 = now_s();
    for (int round = 0; round < kills && !failures; round++) {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) != 0) {
            perror("pipe2");
            return 1;
        }
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {
            /* The ack pipe becomes fd 3 (dup2 clears CLOEXEC). */
            if (dup2(fds[1], 3) < 0)
                _exit(127);
            char *args[] = {(char *)"store_crash", (char *)"--writer", path, (char *)"3",
                            (char *)plant, NULL};
            execv("/proc/self/exe", args);
            _exit(127);
        }
        close(fds[1]);
        bool eof = false, ok = true;
        /* One kill in five lands at a random time from the start (during
         * exec, open or migration); the rest after the writer is writing. */
        if (rand() % 5 == 0) {
            ok = drain_acks(fds[0], &acked, now_s() + (rand() % 40000) / 1e6, &eof);
            early++;
        } else {
            int64_t before = acked;
            double give_up = now_s() + 30;
            while (ok && !eof && acked == before && now_s() < give_up)
                ok = drain_acks(fds[0], &acked, now_s() + 0.001, &eof);
            if (ok && !eof)
                ok = drain_acks(fds[0], &acked, now_s() + (rand() % 20000) / 1e6, &eof);
        }
        kill(pid, SIGKILL);
        /* Everything written before the kill is still in the pipe. */
        if (ok)
            ok = drain_acks(fds[0], &acked, -1, &eof);
        close(fds[0]);
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
            fprintf(stderr, "crash: round %d: the writer died on its own (status %d)\n", round,
                    status);
            ok = false;
        }
        if (ok)
            ok = verify(path, acked, &known, &in_flight);
        /* An in-flight row that did commit is the next writer's base. */
        acked = known;
        if (!ok) {
            fprintf(stderr, "crash: FAILED in round %d (seed %u)\n", round, seed);
            failures++;
        }
    }
    double secs = now_s() - t0;
    if (!failures)
        printf("crash: %d kills (%d early), %lld rows committed and all present, "
               "in-flight row found committed after %d kills, %.1f s\n",
               kills, early, (long long)known, in_flight, secs);

    static const char *const suffix[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < BX_ARRAY_LEN(suffix); i++) {
        char p[160];
        snprintf(p, sizeof p, "%s%s", path, suffix[i]);
        unlink(p);
    }
    rmdir(dir);
    if (failures || acked == 0) {
        if (!failures)
            fprintf(stderr, "crash: no row was ever acknowledged\n");
        return 1;
    }
    return 0;
}
