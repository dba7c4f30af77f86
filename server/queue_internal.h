/* SPDX-License-Identifier: MPL-2.0 */
/* Queue state shared by queue.c, queue_expiry.c and deadletter.c only. */
#ifndef WR_QUEUE_INTERNAL_H
#define WR_QUEUE_INTERNAL_H

#include "server/clock.h"
#include "server/queue.h"
#include "server/queue_args.h"

struct event;
struct wr_persist;
struct wr_spill;

TAILQ_HEAD(wr_consumer_list, wr_consumer);

struct wr_queue {
    char *name;
    size_t name_len; /* names may hold NUL bytes: the registry key is name_len bytes */
    struct wr_vhost *vh;
    struct wr_queue_opts o;
    struct wr_qparams p;
    uint8_t *args;
    uint32_t refs;
    bool deleted;
    bool dispatching;
    /* ready messages, one list per priority level in use (one level without x-max-priority) */
    struct wr_qentry_list *levels;
    uint32_t nlevels;
    uint32_t nready;
    uint32_t npaged; /* ready messages kept on disk only (msg == NULL) */
    /* per level: entries on its list, and the spill of the ready messages behind its window
     * (spill.h; they count in nready, nspilled in all) */
    uint32_t *nlisted;
    struct wr_spill **spills; /* NULL until a level first spills */
    uint32_t nspilled;
    bool spill_failed; /* no spill file could be made: the queue keeps all in memory */
    uint64_t ready_bytes;
    uint32_t nunacked;
    uint64_t next_seq;
    struct wr_consumer_list consumers; /* by priority, then round-robin order */
    uint32_t nconsumers;
    bool exclusive_consumer;
    struct wr_binding_list bindings;
    uint64_t route_mark;
    struct wr_qentry **log; /* stream queues: every message, by offset */
    uint64_t nlog, log_cap;
    struct event *ttl_timer;    /* fires when the head message expires */
    struct event *expiry_timer; /* x-expires: fires when the queue has been unused too long */
};

/* queue.c */
struct wr_qentry *wr_queue_head(struct wr_queue *q);
void wr_queue_unlink(struct wr_queue *q, struct wr_qentry *e);
void wr_qentry_free(struct wr_qentry *e);
/* An entry leaves the queue for good: its store index record goes too (ack, or unref when the
 * queue itself is being deleted). */
void wr_queue_drop(struct wr_queue *q, struct wr_qentry *e);

/* Dead-letters e's message when the queue has a DLX (reading it back if paged out). */
enum wr_dl_reason;
void wr_queue_deadletter_entry(struct wr_queue *q, struct wr_qentry *e, int reason);

/* queue_expiry.c (wr_clock_ms is declared in clock.h) */
/* Drops (or dead-letters) expired messages at the head and re-arms the TTL timer (T-01). */
void wr_queue_expire_head(struct wr_queue *q);
/* Restarts the x-expires lease when the queue is unused (T-03). */
void wr_queue_lease(struct wr_queue *q);
void wr_queue_timers_free(struct wr_queue *q);

#endif
