/* SPDX-License-Identifier: MPL-2.0 */
/* Chained hash table with SipHash-1-3 and a per-map random key. Chaining (rather than open
 * addressing) keeps entries in place on delete, which is what lets iteration survive removal
 * of the current element. */
#include <config.h>

#include "server/hmap.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define HMAP_MIN_BUCKETS 8

struct wr_hmap_entry {
    struct wr_hmap_entry *next;
    uint64_t hash;
    void *val;
    size_t len;
    char key[]; /* NUL-terminated copy, so string keys can be printed */
};

struct wr_hmap {
    struct wr_hmap_entry **buckets;
    size_t nbuckets; /* 0 until the first put, then a power of two */
    size_t count;
    uint64_t k0, k1; /* SipHash key */
};

static inline uint64_t
rotl(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

static inline uint64_t
load_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

#define SIPROUND           \
    do {                   \
        v0 += v1;          \
        v1 = rotl(v1, 13); \
        v1 ^= v0;          \
        v0 = rotl(v0, 32); \
        v2 += v3;          \
        v3 = rotl(v3, 16); \
        v3 ^= v2;          \
        v0 += v3;          \
        v3 = rotl(v3, 21); \
        v3 ^= v0;          \
        v2 += v1;          \
        v1 = rotl(v1, 17); \
        v1 ^= v2;          \
        v2 = rotl(v2, 32); \
    } while (0)

/* SipHash-1-3 (one compression round, three finalisation rounds): the variant Python and Rust
 * use for their dictionaries; strong enough against flooding, cheaper than 2-4. */
static uint64_t
siphash13(uint64_t k0, uint64_t k1, const uint8_t *p, size_t len)
{
    uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
    uint64_t v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
    size_t whole = len & ~(size_t)7;

    for (size_t i = 0; i < whole; i += 8) {
        uint64_t m = load_le64(p + i);
        v3 ^= m;
        SIPROUND;
        v0 ^= m;
    }
    uint64_t b = (uint64_t)len << 56;
    for (size_t i = whole; i < len; i++)
        b |= (uint64_t)p[i] << (8 * (i - whole));
    v3 ^= b;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

/* Used only when getrandom() cannot answer (very early boot, seccomp): weaker, but still
 * different per map and per process. */
static uint64_t
splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void
hmap_seed(struct wr_hmap *m)
{
    uint64_t k[2];
    if (getrandom(k, sizeof(k), GRND_NONBLOCK) == (ssize_t)sizeof(k)) {
        m->k0 = k[0];
        m->k1 = k[1];
        return;
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t s = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)(uintptr_t)m;
    m->k0 = splitmix64(&s);
    m->k1 = splitmix64(&s);
}

struct wr_hmap *
wr_hmap_new(void)
{
    struct wr_hmap *m = calloc(1, sizeof(*m));
    if (m != NULL)
        hmap_seed(m);
    return m;
}

void
wr_hmap_free(struct wr_hmap *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->nbuckets; i++) {
        struct wr_hmap_entry *e = m->buckets[i], *next;
        for (; e != NULL; e = next) {
            next = e->next;
            free(e);
        }
    }
    free(m->buckets);
    free(m);
}

static uint64_t
hmap_hash(const struct wr_hmap *m, const void *key, size_t len)
{
    return siphash13(m->k0, m->k1, key, len);
}

/* Returns the link that points at the entry for key (or at the NULL ending its chain). */
static struct wr_hmap_entry **
hmap_slot(const struct wr_hmap *m, uint64_t h, const void *key, size_t len)
{
    struct wr_hmap_entry **pp = &m->buckets[h & (m->nbuckets - 1)];
    for (; *pp != NULL; pp = &(*pp)->next) {
        const struct wr_hmap_entry *e = *pp;
        if (e->hash == h && e->len == len && memcmp(e->key, key, len) == 0)
            break;
    }
    return pp;
}

bool
wr_hmap_find(const struct wr_hmap *m, const void *key, size_t len, void **val)
{
    assert(m != NULL && (key != NULL || len == 0));
    if (m->count == 0)
        return false;
    struct wr_hmap_entry *e = *hmap_slot(m, hmap_hash(m, key, len), key, len);
    if (e == NULL)
        return false;
    if (val != NULL)
        *val = e->val;
    return true;
}

void *
wr_hmap_get(const struct wr_hmap *m, const void *key, size_t len)
{
    void *val = NULL;
    wr_hmap_find(m, key, len, &val);
    return val;
}

/* Doubles the bucket array, relinking entries with their cached hashes. */
static int
hmap_grow(struct wr_hmap *m)
{
    size_t nb = m->nbuckets ? m->nbuckets * 2 : HMAP_MIN_BUCKETS;
    struct wr_hmap_entry **b = calloc(nb, sizeof(*b));
    if (b == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < m->nbuckets; i++) {
        struct wr_hmap_entry *e = m->buckets[i], *next;
        for (; e != NULL; e = next) {
            next = e->next;
            e->next = b[e->hash & (nb - 1)];
            b[e->hash & (nb - 1)] = e;
        }
    }
    free(m->buckets);
    m->buckets = b;
    m->nbuckets = nb;
    return 0;
}

int
wr_hmap_put(struct wr_hmap *m, const void *key, size_t len, void *val)
{
    assert(m != NULL && (key != NULL || len == 0));
    uint64_t h = hmap_hash(m, key, len);
    if (m->count > 0 && *hmap_slot(m, h, key, len) != NULL)
        return -EEXIST;
    /* Load factor 0.75: grow before the insert that would pass it. */
    if (m->count + 1 > m->nbuckets - m->nbuckets / 4 && hmap_grow(m) != 0)
        return -ENOMEM;
    struct wr_hmap_entry *e = malloc(sizeof(*e) + len + 1);
    if (e == NULL)
        return -ENOMEM;
    struct wr_hmap_entry **head = &m->buckets[h & (m->nbuckets - 1)];
    e->next = *head;
    e->hash = h;
    e->val = val;
    e->len = len;
    if (len > 0)
        memcpy(e->key, key, len);
    e->key[len] = '\0';
    *head = e;
    m->count++;
    return 0;
}

void *
wr_hmap_del(struct wr_hmap *m, const void *key, size_t len)
{
    assert(m != NULL && (key != NULL || len == 0));
    if (m->count == 0)
        return NULL;
    struct wr_hmap_entry **pp = hmap_slot(m, hmap_hash(m, key, len), key, len);
    struct wr_hmap_entry *e = *pp;
    if (e == NULL)
        return NULL;
    void *val = e->val;
    *pp = e->next;
    free(e);
    m->count--;
    return val;
}

size_t
wr_hmap_count(const struct wr_hmap *m)
{
    return m->count;
}

void *
wr_hmap_get_u64(const struct wr_hmap *m, uint64_t key)
{
    return wr_hmap_get(m, &key, sizeof(key));
}

int
wr_hmap_put_u64(struct wr_hmap *m, uint64_t key, void *val)
{
    return wr_hmap_put(m, &key, sizeof(key), val);
}

void *
wr_hmap_del_u64(struct wr_hmap *m, uint64_t key)
{
    return wr_hmap_del(m, &key, sizeof(key));
}

void
wr_hmap_iter_init(const struct wr_hmap *m, struct wr_hmap_iter *it)
{
    it->m = m;
    it->bucket = 0;
    it->next = NULL;
}

/* The iterator always holds the entry after the one it returned, so freeing the returned
 * entry leaves it intact. */
bool
wr_hmap_next(struct wr_hmap_iter *it, const char **key, size_t *len, void **val)
{
    while (it->next == NULL) {
        if (it->bucket >= it->m->nbuckets)
            return false;
        it->next = it->m->buckets[it->bucket++];
    }
    struct wr_hmap_entry *e = it->next;
    it->next = e->next;
    if (key != NULL)
        *key = e->key;
    if (len != NULL)
        *len = e->len;
    if (val != NULL)
        *val = e->val;
    return true;
}
