/* hub.c: the event fan-out behind every Server-Sent Events stream.
 *
 * One channel per session (and one for file changes) keeps a bounded ring
 * of ready-made SSE frames ("id: seq\nevent: type\ndata: {...}\n\n"). A run
 * publishes each event once; every subscriber (a browser tab) holds only a
 * cursor into the ring, so a thousand idle streams cost a cursor and a
 * suspended MHD connection each. Reader callbacks copy frames straight from
 * the ring; with nothing to send they suspend the connection, and publish
 * resumes it. Persistent channels also write their events to the store in
 * batches (from the hub thread, or before a frame could leave the ring), so
 * Last-Event-ID can resume from the store after the ring has moved on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway/gateway_int.h"

#define RING_EVENTS 2048      /* frames kept per channel */
#define RING_BYTES (4u << 20) /* and at most this many bytes */
#define BATCH_EVENTS 64       /* store batch that triggers a flush */
#define FLUSH_MS 200          /* unflushed events wait at most this */
#define IDLE_GC_MS                                                                                 \
    60000                       /* a channel without users is freed after this                     \
                                   (BOXAGNTS_HUB_IDLE_MS overrides it for tests) */
#define BACKLOG_MAX (16u << 20) /* replay from the store, per subscriber */
#define SSE_BLOCK 4096          /* MHD's per-response buffer */

typedef struct ring_entry {
    int64_t seq;
    char *frame; /* bx_malloc'd SSE frame */
    size_t len;
} ring_entry;

typedef struct sse_sub sse_sub;

struct gateway__chan {
    char key[40];               /* session id, or "~files" */
    bool persist;               /* write events to the store */
    pthread_mutex_t flush_lock; /* one store writer at a time, in seq order */
    pthread_mutex_t lock;       /* everything below */
    ring_entry ring[RING_EVENTS];
    uint64_t first, next; /* ring holds entries [first, next) by publish index */
    size_t bytes;
    bx_vec pending;     /* char * event JSON not yet handed to the store */
    uint64_t run_start; /* index of the last run_start (valid while run_active) */
    bool run_active;
    int64_t last_seq;
    uint64_t oldest_unflushed_ns;
    sse_sub *subs; /* doubly linked */
    int users;     /* subscribers + publishers holding it */
    uint64_t idle_since_ns;
};
typedef gateway__chan hub_chan;

struct sse_sub {
    gateway *gw;
    hub_chan *ch;
    struct MHD_Connection *conn;
    uint64_t next;  /* next ring index to send */
    size_t off;     /* bytes of ring[next] already sent */
    bx_buf backlog; /* replay from the store, sent first */
    size_t backlog_off;
    bool suspended;
    bool ping_due;
    sse_sub *prev, *next_sub;
};

struct gateway__hubs {
    pthread_mutex_t lock; /* the channel map */
    bx_map chans;
    pthread_t thread;
    pthread_cond_t cond;
    bool stopping;
    bool thread_ok;
    bool closing;      /* streams end at their next read */
    bool kick;         /* a channel has a full batch to store */
    uint64_t idle_ns;  /* free a channel unused this long */
    uint64_t flush_ns; /* store queued events at most this late */
    uint64_t heartbeat_ns;
    uint64_t last_ping_ns;
};

/* ---------------------------------------------------------- store flush */

/* Writes the channel's pending events in one transaction. The channel lock
 * is held only to take the batch; the write runs under flush_lock, which
 * keeps batches in seq order. */
static void flush(gateway *gw, hub_chan *ch)
{
    pthread_mutex_lock(&ch->flush_lock);
    pthread_mutex_lock(&ch->lock);
    bx_vec batch = ch->pending;
    bx_vec_init(&ch->pending, sizeof(char *));
    pthread_mutex_unlock(&ch->lock);
    if (batch.len) {
        bx_slice *sl = bx_malloc(batch.len * sizeof *sl);
        for (size_t i = 0; i < batch.len; i++) {
            const char *j = BX_VEC_AT(&batch, char *, i);
            sl[i] = (bx_slice){j, strlen(j)};
        }
        bx_error err;
        if (store_events_append(gw->st, ch->key, sl, batch.len, &err) != BX_OK)
            bx_log(BX_LOG_WARN, "gateway", "storing %zu events of session %s: %s", batch.len,
                   ch->key, err.message);
        bx_free(sl);
        for (size_t i = 0; i < batch.len; i++)
            free(BX_VEC_AT(&batch, char *, i));
    }
    bx_vec_release(&batch);
    pthread_mutex_unlock(&ch->flush_lock);
}

static void evict_oldest_locked(hub_chan *ch)
{
    ring_entry *e = &ch->ring[ch->first % RING_EVENTS];
    ch->bytes -= e->len;
    bx_free(e->frame);
    memset(e, 0, sizeof *e);
    ch->first++;
}

/* ------------------------------------------------------------ channels */

static hub_chan *chan_get(gateway *gw, const char *key, bool persist)
{
    gateway__hubs *h = gw->hubs;
    pthread_mutex_lock(&h->lock);
    hub_chan *ch = bx_map_gets(&h->chans, key);
    if (!ch) {
        ch = bx_calloc(1, sizeof *ch);
        snprintf(ch->key, sizeof ch->key, "%s", key);
        ch->persist = persist;
        pthread_mutex_init(&ch->lock, NULL);
        pthread_mutex_init(&ch->flush_lock, NULL);
        bx_vec_init(&ch->pending, sizeof(char *));
        if (persist) {
            int64_t last = 0;
            store_event_last_seq(gw->st, key, &last, NULL);
            ch->last_seq = last;
        }
        bx_map_puts(&h->chans, key, ch, NULL);
    }
    pthread_mutex_lock(&ch->lock);
    ch->users++;
    pthread_mutex_unlock(&ch->lock);
    pthread_mutex_unlock(&h->lock);
    return ch;
}

static void chan_put(hub_chan *ch)
{
    pthread_mutex_lock(&ch->lock);
    if (--ch->users == 0)
        ch->idle_since_ns = bx_mono_ns();
    pthread_mutex_unlock(&ch->lock);
}

static void chan_free(hub_chan *ch)
{
    for (uint64_t i = ch->first; i < ch->next; i++)
        bx_free(ch->ring[i % RING_EVENTS].frame);
    for (size_t i = 0; i < ch->pending.len; i++)
        free(BX_VEC_AT(&ch->pending, char *, i));
    bx_vec_release(&ch->pending);
    pthread_mutex_destroy(&ch->flush_lock);
    pthread_mutex_destroy(&ch->lock);
    bx_free(ch);
}

/* Wakes every suspended subscriber. Channel lock held. */
static void wake_locked(hub_chan *ch)
{
    for (sse_sub *s = ch->subs; s; s = s->next_sub) {
        if (s->suspended) {
            s->suspended = false;
            MHD_resume_connection(s->conn);
        }
    }
}

/* ------------------------------------------------------------- publish */

static void publish(gateway *gw, hub_chan *ch, const json_t *event, int64_t seq, bool persist)
{
    char *json = jx_dumps(event);
    if (!json)
        return;
    const char *type = jx_str(event, "type", "message");
    size_t cap = strlen(json) + strlen(type) + 64;
    char *frame = bx_malloc(cap);
    int n = snprintf(frame, cap, "id: %lld\nevent: %s\ndata: %s\n\n", (long long)seq, type, json);
    pthread_mutex_lock(&ch->lock);
    while (ch->next - ch->first >= RING_EVENTS ||
           (ch->next > ch->first && ch->bytes + (size_t)n > RING_BYTES))
        evict_oldest_locked(ch);
    ring_entry *e = &ch->ring[ch->next % RING_EVENTS];
    e->seq = seq;
    e->frame = frame;
    e->len = (size_t)n;
    ch->bytes += (size_t)n;
    if (strcmp(type, "run_start") == 0) {
        ch->run_start = ch->next;
        ch->run_active = true;
    } else if (strcmp(type, "run_end") == 0) {
        ch->run_active = false;
    }
    ch->next++;
    if (seq > ch->last_seq)
        ch->last_seq = seq;
    wake_locked(ch);
    bool kick = false;
    if (persist) {
        if (ch->pending.len == 0)
            ch->oldest_unflushed_ns = bx_mono_ns();
        bx_vec_push(&ch->pending, &json);
        json = NULL;
        kick = ch->pending.len >= BATCH_EVENTS || strcmp(type, "run_end") == 0;
    }
    pthread_mutex_unlock(&ch->lock);
    free(json);
    if (kick) {
        /* The store write happens on the hub thread, never on the run's. */
        pthread_mutex_lock(&gw->hubs->lock);
        gw->hubs->kick = true;
        pthread_cond_signal(&gw->hubs->cond);
        pthread_mutex_unlock(&gw->hubs->lock);
    }
}

gateway__chan *gateway__hub_open(gateway *gw, const char *key, bool persist)
{
    return chan_get(gw, key, persist);
}

void gateway__hub_close(gateway__chan *ch)
{
    if (ch)
        chan_put(ch);
}

void gateway__hub_send(gateway *gw, gateway__chan *ch, const json_t *event)
{
    publish(gw, ch, event, jx_int(event, "seq", 0), ch->persist);
}

void gateway__hub_publish_volatile(gateway *gw, const char *channel, json_t *event)
{
    hub_chan *ch = chan_get(gw, channel, false);
    pthread_mutex_lock(&ch->lock);
    int64_t seq = ch->last_seq + 1;
    ch->last_seq = seq;
    pthread_mutex_unlock(&ch->lock);
    jx_set_int(event, "seq", seq);
    publish(gw, ch, event, seq, false);
    chan_put(ch);
}

/* --------------------------------------------------------- subscribers */

static ssize_t copy_out(const char *src, size_t len, size_t *off, char *buf, size_t max)
{
    size_t n = BX_MIN(len - *off, max);
    memcpy(buf, src + *off, n);
    *off += n;
    return (ssize_t)n;
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    sse_sub *s = cls;
    hub_chan *ch = s->ch;
    pthread_mutex_lock(&ch->lock);
    ssize_t r = 0;
    if (s->backlog_off < s->backlog.len) {
        r = copy_out(s->backlog.data, s->backlog.len, &s->backlog_off, buf, max);
        if (s->backlog_off == s->backlog.len)
            bx_buf_release(&s->backlog);
        goto out;
    }
    if (s->next < ch->first) {
        /* A slow reader: the frames it needs are gone from the ring. End the
         * stream; the browser reconnects with Last-Event-ID and replays from
         * the store. */
        r = MHD_CONTENT_READER_END_OF_STREAM;
        goto out;
    }
    size_t total = 0;
    while (s->next < ch->next && total < max) {
        ring_entry *e = &ch->ring[s->next % RING_EVENTS];
        total += (size_t)copy_out(e->frame, e->len, &s->off, buf + total, max - total);
        if (s->off == e->len) {
            s->off = 0;
            s->next++;
        }
    }
    if (total) {
        r = (ssize_t)total;
        goto out;
    }
    if (__atomic_load_n(&s->gw->hubs->closing, __ATOMIC_ACQUIRE)) {
        /* Shutting down: what was published (e.g. the cancelled runs'
         * run_end) has been sent; end the response cleanly. */
        r = MHD_CONTENT_READER_END_OF_STREAM;
        goto out;
    }
    if (s->ping_due) {
        static const char ping[] = ": ping\n\n";
        s->ping_due = false;
        size_t off = 0;
        r = copy_out(ping, sizeof ping - 1, &off, buf, max);
        goto out;
    }
    s->suspended = true;
    MHD_suspend_connection(s->conn);
out:
    pthread_mutex_unlock(&ch->lock);
    return r;
}

static void sse_free(void *cls)
{
    sse_sub *s = cls;
    hub_chan *ch = s->ch;
    pthread_mutex_lock(&ch->lock);
    if (s->prev)
        s->prev->next_sub = s->next_sub;
    else
        ch->subs = s->next_sub;
    if (s->next_sub)
        s->next_sub->prev = s->prev;
    pthread_mutex_unlock(&ch->lock);
    __atomic_fetch_sub(&s->gw->sse_streams, 1, __ATOMIC_RELAXED);
    chan_put(ch);
    bx_buf_release(&s->backlog);
    bx_free(s);
}

/* Replays stored events with after < seq < before into s->backlog. */
static void replay_from_store(gateway *gw, sse_sub *s, int64_t after, int64_t before)
{
    for (;;) {
        store_event_list l = {0};
        if (store_events_list(gw->st, s->ch->key, after, 0, &l, NULL) != BX_OK)
            return;
        bool more = l.len > 0;
        for (size_t i = 0; i < l.len; i++) {
            store_event *e = &l.items[i];
            if (before && e->seq >= before) {
                more = false;
                break;
            }
            if (bx_buf_printf(&s->backlog, "id: %lld\nevent: %s\ndata: %s\n\n", (long long)e->seq,
                              e->type, e->data) != BX_OK) {
                more = false;
                break;
            }
            after = e->seq;
        }
        store_event_list_release(&l);
        if (!more)
            return;
    }
}

enum MHD_Result gateway__sse_serve(gateway_req *req, const char *channel, bool persist,
                                   bool has_last_id, int64_t last_id)
{
    gateway *gw = req->gw;
    sse_sub *s = bx_calloc(1, sizeof *s);
    s->gw = gw;
    s->conn = req->conn;
    bx_buf_init(&s->backlog, BACKLOG_MAX);
    bx_buf_puts(&s->backlog, "retry: 2000\n: connected\n\n");
    hub_chan *ch = s->ch = chan_get(gw, channel, persist);
    if (has_last_id && persist) {
        /* Whatever is still queued for the store goes there first, so the
         * store and the ring together hold every event. */
        flush(gw, ch);
        pthread_mutex_lock(&ch->flush_lock);
    }
    pthread_mutex_lock(&ch->lock);
    if (!has_last_id) {
        /* A new viewer sees the run in progress from its start, if the ring
         * still has it, and everything after. */
        s->next = ch->run_active && ch->run_start >= ch->first ? ch->run_start : ch->next;
    } else {
        uint64_t i = ch->first;
        while (i < ch->next && ch->ring[i % RING_EVENTS].seq <= last_id)
            i++;
        s->next = i;
        int64_t oldest = ch->first < ch->next ? ch->ring[ch->first % RING_EVENTS].seq : 0;
        /* Events between last_id and the ring's oldest are only in the store
         * (the ring flushes before it evicts, so the store has them all). */
        if (persist && ch->pending.len == 0 && (oldest == 0 || oldest > last_id + 1))
            replay_from_store(gw, s, last_id, oldest);
    }
    s->next_sub = ch->subs;
    if (ch->subs)
        ch->subs->prev = s;
    ch->subs = s;
    pthread_mutex_unlock(&ch->lock);
    if (has_last_id && persist)
        pthread_mutex_unlock(&ch->flush_lock);
    __atomic_fetch_add(&gw->sse_streams, 1, __ATOMIC_RELAXED);

    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, SSE_BLOCK, sse_read, s, sse_free);
    if (!resp) {
        sse_free(s);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", "text/event-stream");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    enum MHD_Result r = MHD_queue_response(req->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    req->responded = true;
    return r;
}

bool gateway__parse_last_event_id(gateway_req *req, int64_t *out_id)
{
    const char *v = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Last-Event-ID");
    if (!v)
        v = gateway__query(req, "last_event_id");
    if (!v || !*v)
        return false;
    char *end;
    long long n = strtoll(v, &end, 10);
    if (*end || n < 0)
        return false;
    *out_id = n;
    return true;
}

/* ----------------------------------------------------------- hub thread */

/* Heartbeats, timed store flushes and freeing idle channels. Store writes
 * happen with no hub lock held, so publishers never wait for a disk. */
static void *hub_thread(void *arg)
{
    gateway *gw = arg;
    gateway__hubs *h = gw->hubs;
    bx_vec work;
    bx_vec_init(&work, sizeof(hub_chan *));
    pthread_mutex_lock(&h->lock);
    while (!h->stopping) {
        if (!h->kick) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            ts.tv_nsec += (long)(h->flush_ns % 1000000000ull);
            ts.tv_sec += (time_t)(h->flush_ns / 1000000000ull);
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&h->cond, &h->lock, &ts);
        }
        bool kicked = h->kick;
        h->kick = false;
        if (h->stopping)
            break;
        uint64_t now = bx_mono_ns();
        bool ping = now - h->last_ping_ns >= h->heartbeat_ns;
        if (ping)
            h->last_ping_ns = now;
        bx_vec_clear(&work);
        bx_map_entry *me;
        for (size_t it = 0; bx_map_next(&h->chans, &it, &me);) {
            hub_chan *ch = me->value;
            pthread_mutex_lock(&ch->lock);
            bool due = ch->pending.len && (kicked || now - ch->oldest_unflushed_ns >= h->flush_ns);
            bool idle = ch->users == 0 && !ch->subs && now - ch->idle_since_ns > h->idle_ns;
            if (ping) {
                for (sse_sub *s = ch->subs; s; s = s->next_sub)
                    s->ping_due = true;
                wake_locked(ch);
            }
            if (due || idle) {
                ch->users++; /* pinned while we work on it unlocked */
                bx_vec_push(&work, &ch);
            }
            pthread_mutex_unlock(&ch->lock);
        }
        pthread_mutex_unlock(&h->lock);
        if (ping)
            for (int i = 0; i < gw->n_on_heartbeat; i++)
                gw->on_heartbeat[i](gw);
        for (size_t i = 0; i < work.len; i++)
            flush(gw, BX_VEC_AT(&work, hub_chan *, i));
        pthread_mutex_lock(&h->lock);
        for (size_t i = 0; i < work.len; i++) {
            hub_chan *ch = BX_VEC_AT(&work, hub_chan *, i);
            pthread_mutex_lock(&ch->lock);
            bool free_it = --ch->users == 0 && !ch->subs && ch->pending.len == 0 &&
                           now - ch->idle_since_ns > h->idle_ns;
            pthread_mutex_unlock(&ch->lock);
            if (free_it) {
                bx_log(BX_LOG_DEBUG, "gateway", "event channel %s is idle: freed", ch->key);
                bx_map_del(&h->chans, ch->key, strlen(ch->key));
                chan_free(ch);
            }
        }
    }
    pthread_mutex_unlock(&h->lock);
    bx_vec_release(&work);
    return NULL;
}

void gateway__hub_on_heartbeat(gateway *gw, gateway__heartbeat_fn fn)
{
    if (gw->n_on_heartbeat < GATEWAY_HEARTBEAT_HOOKS)
        gw->on_heartbeat[gw->n_on_heartbeat++] = fn;
    else
        bx_log(BX_LOG_ERROR, "gateway", "too many heartbeat hooks; one is ignored");
}

bx_err gateway__hubs_init(gateway *gw)
{
    gateway__hubs *h = bx_calloc(1, sizeof *h);
    pthread_mutex_init(&h->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&h->cond, &ca);
    pthread_condattr_destroy(&ca);
    bx_map_init(&h->chans);
    const char *hb = getenv("BOXAGNTS_SSE_HEARTBEAT_MS");
    long ms = hb ? strtol(hb, NULL, 10) : 15000;
    h->heartbeat_ns = (uint64_t)(ms >= 100 ? ms : 15000) * 1000000ull;
    h->last_ping_ns = bx_mono_ns();
    h->idle_ns = (uint64_t)gateway__env_size("BOXAGNTS_HUB_IDLE_MS", IDLE_GC_MS) * 1000000ull;
    h->flush_ns = (uint64_t)gateway__env_size("BOXAGNTS_HUB_FLUSH_MS", FLUSH_MS) * 1000000ull;
    gw->hubs = h;
    if (pthread_create(&h->thread, NULL, hub_thread, gw) != 0)
        return BX_INTERNAL;
    h->thread_ok = true;
    return BX_OK;
}

/* Ends every stream: suspended connections are resumed and their next read
 * ends the response (MHD must not be stopped with suspended connections). */
void gateway__hubs_close_streams(gateway *gw)
{
    gateway__hubs *h = gw->hubs;
    if (!h)
        return;
    pthread_mutex_lock(&h->lock);
    __atomic_store_n(&h->closing, true, __ATOMIC_RELEASE);
    bx_map_entry *me;
    for (size_t it = 0; bx_map_next(&h->chans, &it, &me);) {
        hub_chan *ch = me->value;
        pthread_mutex_lock(&ch->lock);
        wake_locked(ch);
        pthread_mutex_unlock(&ch->lock);
    }
    pthread_mutex_unlock(&h->lock);
}

bool gateway__hubs_closing(gateway *gw)
{
    pthread_mutex_lock(&gw->hubs->lock);
    bool c = gw->hubs->closing;
    pthread_mutex_unlock(&gw->hubs->lock);
    return c;
}

void gateway__hubs_free(gateway *gw)
{
    gateway__hubs *h = gw->hubs;
    if (!h)
        return;
    pthread_mutex_lock(&h->lock);
    h->stopping = true;
    pthread_cond_broadcast(&h->cond);
    pthread_mutex_unlock(&h->lock);
    if (h->thread_ok)
        pthread_join(h->thread, NULL);
    bx_map_entry *me;
    for (size_t it = 0; bx_map_next(&h->chans, &it, &me);) {
        hub_chan *ch = me->value;
        flush(gw, ch);
        chan_free(ch);
    }
    bx_map_release(&h->chans);
    pthread_cond_destroy(&h->cond);
    pthread_mutex_destroy(&h->lock);
    bx_free(h);
    gw->hubs = NULL;
}
