/* SPDX-License-Identifier: MPL-2.0 */
/* The server's one hash table: byte-string keys (copied) to borrowed void * values.
 * Keys are hashed with SipHash-1-3 under a per-map random key, so client-chosen names
 * (queues, exchanges, routing keys) cannot be crafted to collide. Not thread-safe. */
#ifndef WR_SERVER_HMAP_H
#define WR_SERVER_HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wr_hmap;
struct wr_hmap_entry;

/* Returns an empty map, or NULL when out of memory. */
struct wr_hmap *wr_hmap_new(void);
/* Frees the map and its key copies; values are the caller's and are left alone. NULL is a no-op. */
void wr_hmap_free(struct wr_hmap *m);

/* Returns the value stored under key, or NULL. */
void *wr_hmap_get(const struct wr_hmap *m, const void *key, size_t len);
/* Like wr_hmap_get, and tells a stored NULL value apart from a missing key. */
bool wr_hmap_find(const struct wr_hmap *m, const void *key, size_t len, void **val);
/* Inserts a copy of key with val. Returns 0, -EEXIST (the map is unchanged) or -ENOMEM.
 * May rehash: must not be called while iterating. */
int wr_hmap_put(struct wr_hmap *m, const void *key, size_t len, void *val);
/* Removes key; returns its value, or NULL when absent. Never shrinks or rehashes, so deleting the
 * element an iterator just returned is safe. */
void *wr_hmap_del(struct wr_hmap *m, const void *key, size_t len);
size_t wr_hmap_count(const struct wr_hmap *m);

/* 64-bit integer keys (e.g. delivery tags), stored as 8 native-order bytes. Do not mix with
 * string keys of length 8 in the same map. */
void *wr_hmap_get_u64(const struct wr_hmap *m, uint64_t key);
int wr_hmap_put_u64(struct wr_hmap *m, uint64_t key, void *val);
void *wr_hmap_del_u64(struct wr_hmap *m, uint64_t key);

/* Iteration in unspecified order. While iterating, the caller may delete the element last
 * returned (and only that one), but must not put. The key pointer stays valid until that
 * element is deleted. */
struct wr_hmap_iter {
    const struct wr_hmap *m;
    size_t bucket;
    struct wr_hmap_entry *next;
};
void wr_hmap_iter_init(const struct wr_hmap *m, struct wr_hmap_iter *it);
bool wr_hmap_next(struct wr_hmap_iter *it, const char **key, size_t *len, void **val);

#endif
