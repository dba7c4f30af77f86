/* SPDX-License-Identifier: MPL-2.0 */
/* A vhost: the namespace holding exchanges and queues by name. */
#ifndef WR_VHOST_H
#define WR_VHOST_H

#include <stddef.h>

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

struct wr_exchange *wr_vhost_exchange(const struct wr_vhost *vh, const char *name, size_t len);
struct wr_queue *wr_vhost_queue(const struct wr_vhost *vh, const char *name, size_t len);
/* Registry changes, called by exchange.c and queue.c only. */
void wr_vhost_add_exchange(struct wr_vhost *vh, struct wr_exchange *x);
void wr_vhost_remove_exchange(struct wr_vhost *vh, struct wr_exchange *x);
void wr_vhost_add_queue(struct wr_vhost *vh, struct wr_queue *q);
void wr_vhost_remove_queue(struct wr_vhost *vh, struct wr_queue *q);
struct wr_hmap *wr_vhost_queues(const struct wr_vhost *vh);
struct wr_hmap *wr_vhost_exchanges(const struct wr_vhost *vh);

#endif
