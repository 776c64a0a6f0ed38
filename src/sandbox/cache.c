/* cache.c: translated modules keyed by the SHA-256 of their bytes.
 *
 * One mutex guards a map (hash -> entry) and an LRU list; the translation
 * itself runs outside the lock. A second thread asking for bytes that are
 * being translated waits on a condition variable instead of translating
 * them again. The cache is bounded by the summed size of the source bytes;
 * the least recently used entries are dropped past it (a module still in
 * use stays alive through its own reference count). */
#include "sandbox/sandbox_int.h"

#include <pthread.h>
#include <string.h>

typedef struct cache_entry {
    char hash[65];
    sandbox_module *m; /* NULL while loading */
    bool loading;
    struct cache_entry *prev, *next; /* LRU: head is most recent */
} cache_entry;

struct sandbox_cache {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bx_map map;
    cache_entry *head, *tail;
    size_t bytes, max_bytes, entries;
    uint64_t hits, misses;
};

sandbox_cache *sandbox_cache_new(size_t max_bytes)
{
    sandbox_cache *c = bx_calloc(1, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    bx_map_init(&c->map);
    c->max_bytes = max_bytes;
    return c;
}

static void lru_unlink(sandbox_cache *c, cache_entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else if (c->head == e)
        c->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else if (c->tail == e)
        c->tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_front(sandbox_cache *c, cache_entry *e)
{
    e->prev = NULL;
    e->next = c->head;
    if (c->head)
        c->head->prev = e;
    c->head = e;
    if (!c->tail)
        c->tail = e;
}

static void drop(sandbox_cache *c, cache_entry *e)
{
    lru_unlink(c, e);
    bx_map_del(&c->map, e->hash, 64);
    c->bytes -= e->m->bytes;
    c->entries--;
    sandbox_module_unref(e->m);
    bx_free(e);
}

void sandbox_cache_free(sandbox_cache *c)
{
    if (!c)
        return;
    while (c->tail)
        drop(c, c->tail);
    bx_map_release(&c->map);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    bx_free(c);
}

bx_err sandbox_cache_get(sandbox_cache *c, const void *bytes, size_t len, bx_error *detail,
                         sandbox_module **out)
{
    char hash[65];
    bx_sha256_hex(bytes, len, hash);
    pthread_mutex_lock(&c->mu);
    for (;;) {
        cache_entry *e = bx_map_get(&c->map, hash, 64);
        if (!e)
            break;
        if (e->loading) {
            pthread_cond_wait(&c->cv, &c->mu);
            continue; /* the entry may be gone (failed) or ready */
        }
        c->hits++;
        lru_unlink(c, e);
        lru_front(c, e);
        *out = sandbox_module_ref(e->m);
        pthread_mutex_unlock(&c->mu);
        return BX_OK;
    }
    c->misses++;
    cache_entry *e = bx_calloc(1, sizeof *e);
    memcpy(e->hash, hash, sizeof hash);
    e->loading = true;
    bx_map_put(&c->map, e->hash, 64, e, NULL);
    pthread_mutex_unlock(&c->mu);

    sandbox_module *m = NULL;
    bx_err err = sandbox_module_load(bytes, len, detail, &m);

    pthread_mutex_lock(&c->mu);
    if (err) {
        bx_map_del(&c->map, hash, 64);
        bx_free(e);
    } else {
        memcpy(m->hash, hash, sizeof hash);
        e->m = m;
        e->loading = false;
        lru_front(c, e);
        c->bytes += m->bytes;
        c->entries++;
        *out = sandbox_module_ref(m);
        /* Evict from the cold end, never the entry just added. */
        while (c->bytes > c->max_bytes && c->tail && c->tail != e)
            drop(c, c->tail);
    }
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    return err;
}

void sandbox_cache_stats(sandbox_cache *c, size_t *out_entries, size_t *out_bytes,
                         uint64_t *out_hits, uint64_t *out_misses)
{
    pthread_mutex_lock(&c->mu);
    if (out_entries)
        *out_entries = c->entries;
    if (out_bytes)
        *out_bytes = c->bytes;
    if (out_hits)
        *out_hits = c->hits;
    if (out_misses)
        *out_misses = c->misses;
    pthread_mutex_unlock(&c->mu);
}

static pthread_once_t default_once = PTHREAD_ONCE_INIT;
static sandbox_cache *default_cache;
static void default_init(void) { default_cache = sandbox_cache_new(64u << 20); }

sandbox_cache *sandbox_cache_default(void)
{
    pthread_once(&default_once, default_init);
    return default_cache;
}
