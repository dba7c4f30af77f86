/* SPDX-License-Identifier: MPL-2.0 */
/* Topic-exchange bindings as a trie of words, with RabbitMQ's matching rules: words split
 * on '.', empty words count, the empty string has zero words, '*' is exactly one word and '#'
 * zero or more. Knows nothing of queues or exchanges: destinations are opaque pointers. */
#ifndef WR_SERVER_TOPIC_H
#define WR_SERVER_TOPIC_H

#include <stdbool.h>
#include <stddef.h>

struct wr_topic;

/* Returns an empty trie, or NULL when out of memory. */
struct wr_topic *wr_topic_new(void);
/* Frees the trie; destinations are borrowed and left alone. NULL is a no-op. */
void wr_topic_free(struct wr_topic *t);

/* Binds dest (borrowed; must stay valid until removed) with pattern (copied).
 * Returns 0 when added, 1 when this (pattern, dest) pair was already bound, -ENOMEM. */
int wr_topic_add(struct wr_topic *t, const char *pattern, size_t len, void *dest);
/* Unbinds one (pattern, dest) pair and prunes nodes left empty. Returns 0 or -ENOENT. */
int wr_topic_remove(struct wr_topic *t, const char *pattern, size_t len, void *dest);

typedef void wr_topic_match_cb(void *dest, void *arg);
/* Calls cb once per (matching pattern, dest) pair, so a dest bound with several patterns that
 * match can be reported several times: the caller dedupes. Time is O(words x trie nodes) at
 * worst, with no allocation. cb must not add to or remove from t. */
void wr_topic_match(struct wr_topic *t, const char *key, size_t len, wr_topic_match_cb *cb,
                    void *arg);

/* True when nothing is bound. */
bool wr_topic_empty(const struct wr_topic *t);

#endif
