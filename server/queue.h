/* SPDX-License-Identifier: MPL-2.0 */
/* Queues: ready messages in publish order, consumers, dispatch, requeue to original position. */
#ifndef WR_QUEUE_H
#define WR_QUEUE_H

#include "amqp/table.h"
#include "amqp/types.h"
#include "server/exchange.h"
#include "server/queue_args.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

struct wr_vhost;
struct wr_conn;
struct wr_channel;
struct wr_msg;

/* One message in one queue; moves to a channel's unacked map on delivery (never copied). */
struct wr_qentry {
    TAILQ_ENTRY(wr_qentry) link;
    struct wr_msg *msg;  /* one ref; NULL while paged out (the store holds it) */
    uint64_t store_id;   /* message store id when written (durable queue, persistent) */
    uint32_t size;       /* body bytes, for x-max-length-bytes even while paged out */
    uint64_t seq;        /* publish order within the queue; requeue restores it (M-16) */
    int64_t expires;     /* monotonic ms, INT64_MAX when it never expires; kept on requeue */
    uint32_t deliveries; /* for quorum queues' delivery-limit and x-delivery-count */
    uint8_t level;       /* priority level it is queued at */
    bool transient;      /* store_id is a paged-out transient record this entry alone holds */
    bool redelivered;
};
TAILQ_HEAD(wr_qentry_list, wr_qentry);

struct wr_consumer {
    TAILQ_ENTRY(wr_consumer) qlink;
    TAILQ_ENTRY(wr_consumer) chlink;
    struct wr_channel *ch;
    struct wr_queue *q;
    char *tag;
    size_t tag_len;
    bool no_ack, exclusive;
    uint32_t prefetch; /* per-consumer limit, 0 = none (P-01) */
    uint64_t offset;   /* stream queues: the next log offset this consumer reads */
    uint32_t unacked;
    int32_t priority;
};

struct wr_queue_opts {
    bool durable, exclusive, auto_delete;
    uint64_t qid;          /* durable queues: stable id of its message store index, else 0 */
    struct wr_conn *owner; /* exclusive owner */
    struct wr_bytes args;  /* copied */
};

struct wr_queue;

/* Creates and registers the queue; the vhost holds the first ref. */
struct wr_queue *wr_queue_new(struct wr_vhost *vh, const char *name, size_t len,
                              const struct wr_queue_opts *o);
void wr_queue_ref(struct wr_queue *q);
void wr_queue_unref(struct wr_queue *q);
/* Unregisters, drops bindings and ready messages, cancels consumers (notifying them when
 * notify is set, P-07). Unacked entries stay with their channels. Returns the ready count. */
uint32_t wr_queue_delete(struct wr_queue *q, bool notify);

const char *wr_queue_name(const struct wr_queue *q);
size_t wr_queue_name_len(const struct wr_queue *q);
struct wr_vhost *wr_queue_vhost(const struct wr_queue *q);
const struct wr_queue_opts *wr_queue_opts(const struct wr_queue *q);
bool wr_queue_is_deleted(const struct wr_queue *q);
uint32_t wr_queue_ready(const struct wr_queue *q);
uint32_t wr_queue_consumer_count(const struct wr_queue *q);
/* Messages delivered and not yet acknowledged. */
uint32_t wr_queue_unacked(const struct wr_queue *q);
bool wr_queue_has_exclusive_consumer(const struct wr_queue *q);
struct wr_binding_list *wr_queue_bindings(struct wr_queue *q);
/* True the first time it is called with a given routing generation (route dedupe). */
bool wr_queue_route_mark(struct wr_queue *q, uint64_t gen);

/* Enqueues m (taking a ref) and dispatches to consumers. Returns false when the queue refused
 * it (x-overflow reject-publish*), which confirming publishers see as a nack (L-02). */
bool wr_queue_push(struct wr_queue *q, struct wr_msg *m);
uint32_t wr_queue_purge(struct wr_queue *q);
/* Recovery: puts back a stored message at its original position (no new store records); it
 * stays on disk unless the queue's memory window has room. */
void wr_queue_restore(struct wr_queue *q, uint64_t store_id, uint32_t size, uint64_t seq,
                      bool redelivered);
/* Pops the head for basic.get; NULL when empty. The entry counts as unacked until settled. */
struct wr_qentry *wr_queue_get(struct wr_queue *q);
/* Settles an unacked entry: acked (dropped) or requeued to its original position. */
void wr_queue_ack(struct wr_queue *q, struct wr_qentry *e);
void wr_queue_requeue(struct wr_queue *q, struct wr_qentry *e);
/* Rejected without requeue: dead-lettered with reason 'rejected' when the queue has a DLX. */
void wr_queue_reject(struct wr_queue *q, struct wr_qentry *e);
/* Recomputes the queue's settings after a policy change (PO-02). */
void wr_queue_refresh_params(struct wr_queue *q);
/* Renews the x-expires lease (declare, basic.get count as use, T-03). */
void wr_queue_touch(struct wr_queue *q);
const struct wr_qparams *wr_queue_params(const struct wr_queue *q);
/* Stream queues: the log length, and the offset an x-stream-offset value names;
 * -1 when the value is not one RabbitMQ accepts. */
uint64_t wr_queue_log_length(const struct wr_queue *q);
int64_t wr_queue_stream_offset(const struct wr_queue *q, const struct wr_fvalue *v);
/* The message to write for this delivery: quorum redeliveries carry x-delivery-count, stream
 * deliveries x-stream-offset. Returns NULL when e->msg goes out unchanged; else a new ref. */
struct wr_msg *wr_queue_delivery_msg(const struct wr_queue *q, const struct wr_qentry *e);
/* Delivers ready messages to consumers that have credit. */
void wr_queue_dispatch(struct wr_queue *q);

void wr_queue_add_consumer(struct wr_queue *q, struct wr_consumer *c);
/* For list_consumers; active is false for waiting single-active-consumer consumers. */
typedef void wr_consumer_visit(const struct wr_queue *q, const struct wr_consumer *c, bool active,
                               void *arg);
void wr_queue_foreach_consumer(const struct wr_queue *q, wr_consumer_visit *cb, void *arg);
/* Removes c; an auto-delete queue whose last consumer leaves is deleted. */
void wr_queue_remove_consumer(struct wr_queue *q, struct wr_consumer *c);

#endif
