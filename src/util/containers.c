/* containers.c: vector, hash map and arena. The map uses open addressing
 * with linear probing and a per-process random seed, so hostile keys cannot
 * aim for collisions. */
#include "util/util.h"

#include <string.h>

/* ---------------------------------------------------------------- vector */

void bx_vec_init(bx_vec *v, size_t elem)
{
    v->data = NULL;
    v->len = v->cap = 0;
    v->elem = elem;
}

void bx_vec_release(bx_vec *v)
{
    bx_free(v->data);
    bx_vec_init(v, v->elem);
}

void *bx_vec_push(bx_vec *v, const void *item)
{
    if (v->len == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8, bytes;
        if (bx_mul_overflows(cap, v->elem, &bytes))
            return NULL;
        v->data = bx_realloc(v->data, bytes);
        v->cap = cap;
    }
    char *slot = (char *)v->data + v->len * v->elem;
    if (item)
        memcpy(slot, item, v->elem);
    else
        memset(slot, 0, v->elem);
    v->len++;
    return slot;
}

void *bx_vec_at(const bx_vec *v, size_t i)
{
    return i < v->len ? (char *)v->data + i * v->elem : NULL;
}

void bx_vec_pop(bx_vec *v, void *out_item)
{
    if (!v->len)
        return;
    v->len--;
    if (out_item)
        memcpy(out_item, (char *)v->data + v->len * v->elem, v->elem);
}

void bx_vec_remove(bx_vec *v, size_t i)
{
    if (i >= v->len)
        return;
    char *p = (char *)v->data + i * v->elem;
    memmove(p, p + v->elem, (v->len - i - 1) * v->elem);
    v->len--;
}

void bx_vec_clear(bx_vec *v)
{
    v->len = 0;
}

/* ------------------------------------------------------------------- map */

static uint64_t hash_seed;

uint64_t bx_hash_bytes(const void *p, size_t n)
{
    /* FNV-1a over the bytes, mixed with a random seed and finalised with a
     * murmur-style avalanche; fast enough for keys, not a MAC. */
    if (__atomic_load_n(&hash_seed, __ATOMIC_RELAXED) == 0) {
        uint64_t s = bx_random_u64() | 1;
        uint64_t zero = 0;
        __atomic_compare_exchange_n(&hash_seed, &zero, s, false, __ATOMIC_RELAXED,
                                    __ATOMIC_RELAXED);
    }
    uint64_t h = 0xcbf29ce484222325ull ^ __atomic_load_n(&hash_seed, __ATOMIC_RELAXED);
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

#define TOMB ((char *)&hash_seed) /* a key pointer no real key can have */

void bx_map_init(bx_map *m)
{
    memset(m, 0, sizeof *m);
}

void bx_map_release(bx_map *m)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key && m->slots[i].key != TOMB)
            bx_free(m->slots[i].key);
    bx_free(m->slots);
    bx_map_init(m);
}

static bx_map_entry *find_slot(const bx_map *m, const char *key, size_t klen, uint64_t h)
{
    if (!m->cap)
        return NULL;
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        bx_map_entry *e = &m->slots[i];
        if (!e->key)
            return NULL;
        if (e->key != TOMB && e->hash == h && e->klen == klen && memcmp(e->key, key, klen) == 0)
            return e;
    }
}

static void grow(bx_map *m)
{
    bx_map old = *m;
    m->cap = old.cap ? old.cap * 2 : 16;
    m->slots = bx_calloc(m->cap, sizeof *m->slots);
    m->len = m->tombs = 0;
    for (size_t i = 0; i < old.cap; i++) {
        bx_map_entry *e = &old.slots[i];
        if (!e->key || e->key == TOMB)
            continue;
        size_t mask = m->cap - 1, j = e->hash & mask;
        while (m->slots[j].key)
            j = (j + 1) & mask;
        m->slots[j] = *e;
        m->len++;
    }
    bx_free(old.slots);
}

void *bx_map_get(const bx_map *m, const char *key, size_t klen)
{
    bx_map_entry *e = find_slot(m, key, klen, bx_hash_bytes(key, klen));
    return e ? e->value : NULL;
}

void *bx_map_gets(const bx_map *m, const char *key)
{
    return bx_map_get(m, key, strlen(key));
}

void bx_map_put(bx_map *m, const char *key, size_t klen, void *value, void **out_old)
{
    uint64_t h = bx_hash_bytes(key, klen);
    bx_map_entry *e = find_slot(m, key, klen, h);
    if (out_old)
        *out_old = e ? e->value : NULL;
    if (e) {
        e->value = value;
        return;
    }
    if ((m->len + m->tombs + 1) * 4 >= m->cap * 3)
        grow(m);
    size_t mask = m->cap - 1, i = h & mask;
    while (m->slots[i].key && m->slots[i].key != TOMB)
        i = (i + 1) & mask;
    if (m->slots[i].key == TOMB)
        m->tombs--;
    /* Keys are byte strings (may hold NUL), so copy exactly klen bytes. */
    char *copy = bx_malloc(klen + 1);
    memcpy(copy, key, klen);
    copy[klen] = '\0';
    m->slots[i] = (bx_map_entry){copy, klen, h, value};
    m->len++;
}

void bx_map_puts(bx_map *m, const char *key, void *value, void **out_old)
{
    bx_map_put(m, key, strlen(key), value, out_old);
}

void *bx_map_del(bx_map *m, const char *key, size_t klen)
{
    bx_map_entry *e = find_slot(m, key, klen, bx_hash_bytes(key, klen));
    if (!e)
        return NULL;
    void *v = e->value;
    bx_free(e->key);
    e->key = TOMB;
    e->value = NULL;
    m->len--;
    m->tombs++;
    return v;
}

bool bx_map_next(const bx_map *m, size_t *iter, bx_map_entry **out_entry)
{
    for (; *iter < m->cap; (*iter)++) {
        bx_map_entry *e = &m->slots[*iter];
        if (e->key && e->key != TOMB) {
            (*iter)++;
            *out_entry = e;
            return true;
        }
    }
    return false;
}

/* ----------------------------------------------------------------- arena */

struct bx_arena_chunk {
    bx_arena_chunk *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

void bx_arena_init(bx_arena *a, size_t chunk_size)
{
    a->head = NULL;
    a->chunk_size = chunk_size ? chunk_size : 16 * 1024;
    a->used = 0;
}

void bx_arena_release(bx_arena *a)
{
    bx_arena_chunk *c = a->head;
    while (c) {
        bx_arena_chunk *next = c->next;
        bx_free(c);
        c = next;
    }
    a->head = NULL;
    a->used = 0;
}

void bx_arena_reset(bx_arena *a)
{
    if (!a->head)
        return;
    bx_arena_chunk *keep = a->head;
    while (keep->next) {
        bx_arena_chunk *c = keep;
        keep = keep->next;
        bx_free(c);
    }
    keep->used = 0;
    a->head = keep;
    a->used = 0;
}

void *bx_arena_alloc(bx_arena *a, size_t n)
{
    size_t need = (n + 15) & ~(size_t)15;
    if (need < n)
        return NULL;
    bx_arena_chunk *c = a->head;
    if (!c || c->size - c->used < need) {
        size_t size = need > a->chunk_size ? need : a->chunk_size;
        c = bx_malloc(sizeof *c + size);
        c->size = size;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += need;
    a->used += need;
    memset(p, 0, n);
    return p;
}

char *bx_arena_strndup(bx_arena *a, const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = bx_arena_alloc(a, len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *bx_arena_strdup(bx_arena *a, const char *s)
{
    return bx_arena_strndup(a, s, strlen(s));
}
