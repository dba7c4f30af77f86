/* SPDX-License-Identifier: MPL-2.0 */
/* A vhost: the namespace holding exchanges and queues by name. */
#ifndef WR_VHOST_H
#define WR_VHOST_H

#include <stddef.h>
#include <stdint.h>

struct wr_broker;
struct wr_exchange;
struct wr_queue;
struct wr_hmap;

struct wr_vhost;

/* Creates the vhost with its predeclared exchanges ("", amq.direct, amq.fanout, ...), Q-11. */
struct wr_vhost *wr_vhost_new(struct wr_broker *b, const char *name);
void wr_vhost_free(struct wr_vhost *vh);
const char *wr_vhost_name(const struct wr_vhost *vh);
struct wr_broker *wr_vhost_broker(const struct wr_vhost *vh);
/* Metadata shown by the API and definitions: a description and comma-separated tags. */
void wr_vhost_set_metadata(struct wr_vhost *vh, const char *description, const char *tags);
const char *wr_vhost_description(const struct wr_vhost *vh);
const char *wr_vhost_tags(const struct wr_vhost *vh);

struct wr_exchange *wr_vhost_exchange(const struct wr_vhost *vh, const char *name, size_t len);
struct wr_queue *wr_vhost_queue(const struct wr_vhost *vh, const char *name, size_t len);
/* Registry changes, called by exchange.c and queue.c only. */
void wr_vhost_add_exchange(struct wr_vhost *vh, struct wr_exchange *x);
void wr_vhost_remove_exchange(struct wr_vhost *vh, struct wr_exchange *x);
void wr_vhost_add_queue(struct wr_vhost *vh, struct wr_queue *q);
void wr_vhost_remove_queue(struct wr_vhost *vh, struct wr_queue *q);
struct wr_hmap *wr_vhost_queues(const struct wr_vhost *vh);
struct wr_hmap *wr_vhost_exchanges(const struct wr_vhost *vh);

/* A-06 limits (-1 = none) and the open connections they count. */
void wr_vhost_set_limits(struct wr_vhost *vh, int64_t max_connections, int64_t max_queues);
int64_t wr_vhost_max_connections(const struct wr_vhost *vh);
int64_t wr_vhost_max_queues(const struct wr_vhost *vh);
uint32_t wr_vhost_connections(const struct wr_vhost *vh);
void wr_vhost_count_connection(struct wr_vhost *vh, int delta);

#endif
