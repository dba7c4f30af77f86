/* SPDX-License-Identifier: MPL-2.0 */
/* Queue state and dispatch: ready messages per priority level in publish order, length limits,
 * consumer priorities and single active consumer. Delivery itself belongs to channel.c. */
#include "server/queue_internal.h"

#include "server/alarm.h"
#include "server/broker.h"
#include "server/channel.h"
#include "server/conn.h"
#include "server/deadletter.h"
#include "server/defs.h"
#include "server/log.h"
#include "server/mem.h"
#include "server/msg.h"
#include "server/msg_headers.h"
#include "server/persist.h"
#include "server/policy.h"
#include "server/pool.h"
#include "server/settings.h"
#include "server/spill.h"
#include "server/vhost.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct wr_queue *
wr_queue_new(struct wr_vhost *vh, const char *name, size_t len, const struct wr_queue_opts *o)
{
    struct wr_queue *q = wr_xcalloc(1, sizeof(*q));

    q->name = wr_xmalloc(len + 1);
    memcpy(q->name, name, len);
    q->name[len] = '\0';
    q->name_len = len;
    q->vh = vh;
    q->o = *o;
    if (o->args.len) {
        q->args = wr_xmalloc(o->args.len);
        memcpy(q->args, o->args.ptr, o->args.len);
    }
    q->o.args = (struct wr_bytes){q->args, o->args.len};
    wr_qparams_from_args(&q->p, q->o.args);
    wr_policy_queue_params(q, &q->p);
    if (o->qid != 0)
        wr_broker_qid_add(wr_vhost_broker(vh), o->qid, q);
    q->refs = 1;
    q->next_seq = 1;
    /* PR-01: one level per priority 0..max; a non-priority queue has one */
    q->nlevels = q->p.priority ? (uint32_t)q->p.max_priority + 1 : 1;
    q->levels = wr_xcalloc(q->nlevels, sizeof(*q->levels));
    q->nlisted = wr_xcalloc(q->nlevels, sizeof(*q->nlisted));
    for (uint32_t i = 0; i < q->nlevels; i++)
        TAILQ_INIT(&q->levels[i]);
    TAILQ_INIT(&q->consumers);
    TAILQ_INIT(&q->bindings);
    wr_vhost_add_queue(vh, q);
    wr_defs_queue_declared(q);
    wr_queue_lease(q);
    return q;
}

void
wr_queue_ref(struct wr_queue *q)
{
    q->refs++;
}

void
wr_queue_unref(struct wr_queue *q)
{
    if (q->refs == 0)
        wr_panic("wr_queue_unref: refcount underflow on '%s'", q->name);
    if (--q->refs > 0)
        return;
    for (uint32_t i = 0; q->spills != NULL && i < q->nlevels; i++)
        wr_spill_free(q->spills[i]);
    free(q->spills);
    free(q->nlisted);
    free(q->levels);
    free(q->args);
    free(q->name);
    free(q);
}

static struct wr_pool wr_qentry_pool = WR_POOL_INIT(struct wr_qentry, 65536);

void
wr_qentry_free(struct wr_qentry *e)
{
    if (e->msg != NULL)
        wr_msg_unref(e->msg);
    wr_pool_put(&wr_qentry_pool, e);
}

/* The store for a durable queue; NULL for others, and once the broker has closed it. */
static struct wr_persist *
wr_queue_store(const struct wr_queue *q)
{
    return q->o.qid ? wr_broker_persist(wr_vhost_broker(q->vh)) : NULL;
}

/* Any store: transient paging uses it for every queue, durable or not. */
static struct wr_persist *
wr_queue_pager(const struct wr_queue *q)
{
    return wr_broker_persist(wr_vhost_broker(q->vh));
}

void
wr_queue_drop(struct wr_queue *q, struct wr_qentry *e)
{
    if (e->transient && wr_queue_pager(q) != NULL) {
        wr_persist_unref(wr_queue_pager(q), e->store_id);
    } else if (wr_queue_store(q) != NULL && e->store_id != 0) {
        if (q->deleted)
            wr_persist_unref(wr_queue_store(q), e->store_id);
        else
            wr_persist_ack(wr_queue_store(q), q->o.qid, e->store_id);
    }
    if (e->msg == NULL)
        q->npaged--;
    wr_qentry_free(e);
}

/* Persistent messages in a durable queue are written once, whatever the number of queues. */
static void
wr_queue_persist(struct wr_queue *q, struct wr_qentry *e)
{
    struct wr_persist *p = wr_queue_store(q);
    struct wr_msg *m = e->msg;

    if (p == NULL || m->delivery_mode != 2)
        return;
    if (m->store_id == 0) {
        if (wr_persist_put(p, m) < 0)
            return;
        wr_persist_enqueue(p, q->o.qid, m->store_id, e->seq);
        wr_persist_release(p, m); /* the index entry now holds the record */
    } else {
        wr_persist_enqueue(p, q->o.qid, m->store_id, e->seq);
    }
    e->store_id = m->store_id;
}

/* The first delivery is logged so that a restart marks the message redelivered. */
static void
wr_queue_delivered(struct wr_queue *q, struct wr_qentry *e)
{
    if (++e->deliveries == 1 && wr_queue_store(q) != NULL && e->store_id != 0 && !e->transient)
        wr_persist_delivered(wr_queue_store(q), q->o.qid, e->store_id);
}

static void wr_queue_refill(struct wr_queue *q, uint32_t level);

struct wr_qentry *
wr_queue_head(struct wr_queue *q)
{
    for (uint32_t i = q->nlevels; i-- > 0;) {
        struct wr_qentry *e;

        wr_queue_refill(q, i);
        e = TAILQ_FIRST(&q->levels[i]);
        if (e != NULL)
            return e;
    }
    return NULL;
}

void
wr_queue_unlink(struct wr_queue *q, struct wr_qentry *e)
{
    TAILQ_REMOVE(&q->levels[e->level], e, link);
    q->nlisted[e->level]--;
    q->nready--;
    q->ready_bytes -= e->size;
}

/* A spilled record leaves the queue for good, as wr_queue_drop does for an entry. */
static void
wr_queue_drop_spilled(const struct wr_spill_rec *r, void *arg)
{
    struct wr_queue *q = arg;

    if (r->store_id == 0 || wr_queue_store(q) == NULL)
        return;
    if (q->deleted)
        wr_persist_unref(wr_queue_store(q), r->store_id);
    else
        wr_persist_ack(wr_queue_store(q), q->o.qid, r->store_id);
}

static struct wr_spill *
wr_queue_spill(const struct wr_queue *q, uint32_t level)
{
    return q->spills != NULL ? q->spills[level] : NULL;
}

static void
wr_queue_clear_spill(struct wr_queue *q, uint32_t level)
{
    struct wr_spill *s = wr_queue_spill(q, level);
    uint64_t bytes = wr_spill_bytes(s);
    uint32_t n;

    if (s == NULL)
        return;
    n = (uint32_t)wr_spill_clear(s, wr_queue_drop_spilled, q);
    q->nready -= n;
    q->nspilled -= n;
    q->ready_bytes -= bytes;
}

static uint32_t
wr_queue_drop_ready(struct wr_queue *q)
{
    struct wr_qentry *e;
    uint32_t n = q->nready;

    for (uint32_t i = 0; i < q->nlevels; i++)
        wr_queue_clear_spill(q, i);
    while ((e = wr_queue_head(q)) != NULL) {
        wr_queue_unlink(q, e);
        wr_queue_drop(q, e);
    }
    return n;
}

uint32_t
wr_queue_delete(struct wr_queue *q, bool notify)
{
    struct wr_consumer *c;
    uint32_t n;

    if (q->deleted)
        return 0;
    q->deleted = true;
    wr_defs_queue_deleted(q);
    wr_vhost_remove_queue(q->vh, q);
    wr_bindings_drop_dest(&q->bindings);
    while ((c = TAILQ_FIRST(&q->consumers)) != NULL) {
        TAILQ_REMOVE(&q->consumers, c, qlink);
        q->nconsumers--;
        wr_channel_consumer_gone(c->ch, c, notify);
    }
    n = wr_queue_drop_ready(q) + (uint32_t)q->nlog;
    for (uint64_t i = 0; i < q->nlog; i++)
        wr_qentry_free(q->log[i]);
    free(q->log);
    q->log = NULL;
    q->nlog = 0;
    wr_queue_timers_free(q);
    if (wr_queue_store(q) != NULL)
        wr_persist_queue_delete(wr_queue_store(q), q->o.qid);
    if (q->o.qid != 0)
        wr_broker_qid_remove(wr_vhost_broker(q->vh), q->o.qid);
    if (q->o.owner != NULL)
        wr_conn_disown_queue(q->o.owner, q);
    wr_queue_unref(q);
    return n;
}

const char *
wr_queue_name(const struct wr_queue *q)
{
    return q->name;
}

size_t
wr_queue_name_len(const struct wr_queue *q)
{
    return q->name_len;
}

struct wr_vhost *
wr_queue_vhost(const struct wr_queue *q)
{
    return q->vh;
}

const struct wr_queue_opts *
wr_queue_opts(const struct wr_queue *q)
{
    return &q->o;
}

const struct wr_qparams *
wr_queue_params(const struct wr_queue *q)
{
    return &q->p;
}

bool
wr_queue_is_deleted(const struct wr_queue *q)
{
    return q->deleted;
}

uint32_t
wr_queue_ready(const struct wr_queue *q)
{
    return q->p.type == WR_QT_STREAM ? (uint32_t)q->nlog : q->nready;
}

uint64_t
wr_queue_log_length(const struct wr_queue *q)
{
    return q->nlog;
}

uint32_t
wr_queue_unacked(const struct wr_queue *q)
{
    return q->nunacked;
}

uint32_t
wr_queue_consumer_count(const struct wr_queue *q)
{
    return q->nconsumers;
}

bool
wr_queue_has_exclusive_consumer(const struct wr_queue *q)
{
    return q->exclusive_consumer;
}

struct wr_binding_list *
wr_queue_bindings(struct wr_queue *q)
{
    return &q->bindings;
}

bool
wr_queue_route_mark(struct wr_queue *q, uint64_t gen)
{
    if (q->route_mark == gen)
        return false;
    q->route_mark = gen;
    return true;
}

static bool
wr_queue_full(const struct wr_queue *q)
{
    return (q->p.max_length >= 0 && q->nready >= (uint64_t)q->p.max_length) ||
           (q->p.max_length_bytes >= 0 && q->ready_bytes >= (uint64_t)q->p.max_length_bytes);
}

static bool
wr_queue_over(const struct wr_queue *q)
{
    return (q->p.max_length >= 0 && q->nready > (uint64_t)q->p.max_length) ||
           (q->p.max_length_bytes >= 0 && q->ready_bytes > (uint64_t)q->p.max_length_bytes);
}

/* Disk-first queues (DESIGN.md section 5): each priority level of a queue (one without
 * x-max-priority) lists at most this many ready messages; the rest wait in its spill, transient
 * ones included, and come back in batches as the head nears them, so a backlog costs no memory
 * per message. Recovered messages out of publish order keep an entry each, paged out. */
#define WR_QUEUE_WINDOW    1024
#define WR_QUEUE_READAHEAD 256

/* Entries on the level lists, and those of them with their message in memory. */
static uint32_t
wr_queue_listed(const struct wr_queue *q)
{
    return q->nready - q->nspilled;
}

static uint32_t
wr_queue_loaded(const struct wr_queue *q)
{
    return wr_queue_listed(q) - q->npaged;
}

/* Past a full window on its level, a new message goes to the level's spill (and every one of
 * the level does while the spill holds any, so publish order is kept); stream queues keep
 * entries. */
static bool
wr_queue_spill_entry(struct wr_queue *q, struct wr_qentry *e)
{
    struct wr_spill_rec r = {e->store_id, e->seq, e->expires, e->size, e->redelivered};
    struct wr_spill *s = wr_queue_spill(q, e->level);
    char dir[4096];

    if (q->p.type == WR_QT_STREAM || q->spill_failed ||
        (wr_spill_count(s) == 0 && q->nlisted[e->level] < WR_QUEUE_WINDOW))
        return false;
    if (s == NULL) {
        if (q->spills == NULL)
            q->spills = wr_xcalloc(q->nlevels, sizeof(*q->spills));
        snprintf(dir, sizeof(dir), "%s/spill", wr_broker_config(wr_vhost_broker(q->vh))->data_dir);
        if ((s = q->spills[e->level] = wr_spill_new(dir)) == NULL) {
            q->spill_failed = true;
            return false;
        }
    }
    if (wr_spill_push(s, &r, e->store_id ? NULL : e->msg) < 0)
        return false;
    q->nready++;
    q->nspilled++;
    q->ready_bytes += e->size;
    wr_qentry_free(e);
    return true;
}

/* Moves the oldest spilled records of a level onto its list as its window empties. A spill that
 * cannot be read back loses what it held (logged), as an unreadable stored message is dropped. */
static void
wr_queue_refill(struct wr_queue *q, uint32_t level)
{
    struct wr_spill *s = wr_queue_spill(q, level);
    struct wr_spill_rec r;
    struct wr_msg *m;
    struct wr_qentry *e;
    int rc = 0;

    if (wr_spill_count(s) == 0 || q->nlisted[level] >= WR_QUEUE_WINDOW - WR_QUEUE_READAHEAD)
        return;
    for (int n = 0; n < WR_QUEUE_READAHEAD && (rc = wr_spill_pop(s, &r, &m)) == 0; n++) {
        e = wr_pool_get(&wr_qentry_pool);
        memset(e, 0, sizeof(*e));
        e->msg = m;
        e->store_id = r.store_id;
        e->seq = r.seq;
        e->expires = r.expires;
        e->size = r.size;
        e->redelivered = r.redelivered;
        e->level = (uint8_t)level;
        TAILQ_INSERT_TAIL(&q->levels[level], e, link);
        q->nlisted[level]++;
        q->nspilled--;
        if (m == NULL)
            q->npaged++;
    }
    if (rc < 0) {
        wr_log(WR_LOG_ERROR, "queue '%s': %" PRIu64 " spilled messages lost", q->name,
               wr_spill_count(s));
        wr_queue_clear_spill(q, level);
    }
}

/* Transient messages go to disk too once message memory passes the paging threshold (half the
 * memory high watermark, RabbitMQ's vm_memory_high_watermark_paging_ratio). */
static bool
wr_queue_page_transient(struct wr_queue *q, struct wr_qentry *e)
{
    struct wr_alarms *a = wr_broker_alarms(wr_vhost_broker(q->vh));
    struct wr_persist *p = wr_queue_pager(q);

    if (p == NULL || a == NULL || wr_msg_live_bytes() < wr_alarms_paging_bytes(a))
        return false;
    if (wr_persist_put_transient(p, e->msg, &e->store_id) < 0)
        return false;
    e->transient = true;
    return true;
}

/* The tail is the message furthest from delivery: it leaves memory when the window is full. */
static void
wr_queue_page_out(struct wr_queue *q)
{
    struct wr_qentry *e;

    if (wr_queue_loaded(q) <= WR_QUEUE_WINDOW)
        return;
    for (uint32_t i = 0; i < q->nlevels; i++) {
        e = TAILQ_LAST(&q->levels[i], wr_qentry_list);
        if (e == NULL || e->msg == NULL)
            continue;
        if (e->store_id == 0 && !wr_queue_page_transient(q, e))
            return;
        wr_msg_unref(e->msg);
        e->msg = NULL;
        q->npaged++;
        return;
    }
}

/* Reads e back, and the paged messages after it on its level, in one pass over the store. */
static void
wr_queue_page_in(struct wr_queue *q, struct wr_qentry *e)
{
    struct wr_persist *p = wr_queue_pager(q);
    int n = 0;

    for (; e != NULL && n < WR_QUEUE_READAHEAD; e = TAILQ_NEXT(e, link)) {
        if (e->msg != NULL)
            continue;
        e->msg = p ? wr_persist_load(p, e->store_id) : NULL;
        if (e->msg == NULL)
            break; /* unreadable: the caller drops it */
        q->npaged--;
        n++;
    }
}

/* The head, in memory; an unreadable stored message is dropped (logged by the store). */
static struct wr_qentry *
wr_queue_head_loaded(struct wr_queue *q)
{
    struct wr_qentry *e;

    while ((e = wr_queue_head(q)) != NULL && e->msg == NULL) {
        wr_queue_page_in(q, e);
        if (e->msg != NULL)
            break;
        wr_queue_unlink(q, e);
        wr_queue_drop(q, e);
    }
    return e;
}

/* Dead-letters e's message when the queue has a DLX (reading it back if it is paged out). */
static void
wr_queue_deadletter(struct wr_queue *q, struct wr_qentry *e, enum wr_dl_reason reason)
{
    if (!q->p.has_dlx)
        return;
    if (e->msg == NULL && wr_queue_pager(q) != NULL) {
        e->msg = wr_persist_load(wr_queue_pager(q), e->store_id);
        if (e->msg != NULL)
            q->npaged--;
    }
    if (e->msg != NULL)
        wr_deadletter(q, e->msg, reason);
}

void
wr_queue_deadletter_entry(struct wr_queue *q, struct wr_qentry *e, int reason)
{
    wr_queue_deadletter(q, e, (enum wr_dl_reason)reason);
}

/* drop-head: the oldest ready messages go (dead-lettered as maxlen) until the limits hold (L-01).
 */
static void
wr_queue_enforce_limits(struct wr_queue *q)
{
    struct wr_qentry *e;

    while (wr_queue_over(q) && (e = wr_queue_head(q)) != NULL) {
        wr_queue_unlink(q, e);
        wr_queue_deadletter(q, e, WR_DL_MAXLEN);
        wr_queue_drop(q, e);
    }
}

static void
wr_queue_insert(struct wr_queue *q, struct wr_qentry *e)
{
    struct wr_qentry_list *l = &q->levels[e->level];
    struct wr_qentry *it = TAILQ_LAST(l, wr_qentry_list);

    /* recovery restores in publish order: the tail, at once; requeued messages usually belong
     * near the head, so search from there (M-16) */
    if (it != NULL && it->seq < e->seq)
        it = NULL;
    else
        TAILQ_FOREACH(it, l, link) {
            if (it->seq > e->seq)
                break;
        }
    if (it != NULL)
        TAILQ_INSERT_BEFORE(it, e, link);
    else
        TAILQ_INSERT_TAIL(l, e, link);
    q->nlisted[e->level]++;
    q->nready++;
    q->ready_bytes += e->size;
}

static void wr_queue_dispatch_from(struct wr_queue *q, bool fresh);
static void wr_queue_enforce_limits(struct wr_queue *q);

static int64_t
wr_queue_msg_expiry(const struct wr_queue *q, const struct wr_msg *m)
{
    int64_t ttl = q->p.message_ttl;

    if (m->expiration_ms >= 0 && (ttl < 0 || m->expiration_ms < ttl))
        ttl = m->expiration_ms; /* the lower of queue and message TTL applies (T-02) */
    return ttl < 0 ? INT64_MAX : wr_clock_ms() + ttl;
}

static void wr_stream_append(struct wr_queue *q, struct wr_msg *m);

bool
wr_queue_push(struct wr_queue *q, struct wr_msg *m)
{
    struct wr_qentry *e;

    if (q->p.type == WR_QT_STREAM) {
        wr_stream_append(q, m);
        return true;
    }

    if (q->p.overflow != WR_OVF_DROP_HEAD && wr_queue_full(q)) {
        if (q->p.overflow == WR_OVF_REJECT_PUBLISH_DLX)
            wr_deadletter(q, m, WR_DL_MAXLEN);
        return false;
    }
    e = wr_pool_get(&wr_qentry_pool);
    wr_msg_ref(m);
    e->msg = m;
    e->seq = q->next_seq++;
    e->expires = wr_queue_msg_expiry(q, m);
    e->level =
            q->p.priority ? (m->priority > q->p.max_priority ? q->p.max_priority : m->priority) : 0;
    e->size = (uint32_t)m->body_size;
    wr_queue_persist(q, e);
    if (!wr_queue_spill_entry(q, e)) {
        TAILQ_INSERT_TAIL(&q->levels[e->level], e, link);
        q->nlisted[e->level]++;
        q->nready++;
        q->ready_bytes += e->size;
    }
    wr_queue_dispatch_from(q, q->nready == 1);
    wr_queue_enforce_limits(q);
    wr_queue_expire_head(q);
    wr_queue_page_out(q);
    return true;
}

/* Recovered messages stay on disk past the memory window; a priority queue reads each one to
 * learn its level. TTLs restart from recovery. */
void
wr_queue_restore(struct wr_queue *q, uint64_t store_id, uint32_t size, uint64_t seq,
                 bool redelivered)
{
    struct wr_qentry *e = wr_pool_get(&wr_qentry_pool);
    struct wr_msg *m = NULL;

    memset(e, 0, sizeof(*e));
    e->store_id = store_id;
    e->size = size;
    e->seq = seq;
    e->redelivered = redelivered;
    e->expires = q->p.message_ttl >= 0 ? wr_clock_ms() + q->p.message_ttl : INT64_MAX;
    /* in publish order past a full window, a recovered message waits in the spill (of its
     * level: a priority queue reads the message to learn it) */
    if (!q->p.priority && seq >= q->next_seq && wr_queue_spill_entry(q, e)) {
        q->next_seq = seq + 1;
        return;
    }
    if (q->p.priority || wr_queue_loaded(q) < WR_QUEUE_WINDOW) {
        m = wr_persist_load(wr_queue_store(q), store_id);
        if (m == NULL) {
            wr_persist_ack(wr_queue_store(q), q->o.qid, store_id);
            wr_pool_put(&wr_qentry_pool, e);
            return;
        }
        e->msg = m;
        e->expires = wr_queue_msg_expiry(q, m);
        if (q->p.priority)
            e->level = m->priority > q->p.max_priority ? q->p.max_priority : m->priority;
    }
    if (q->p.priority && seq >= q->next_seq && wr_queue_spill_entry(q, e)) {
        q->next_seq = seq + 1;
        return;
    }
    wr_queue_insert(q, e);
    if (m == NULL)
        q->npaged++;
    if (seq >= q->next_seq)
        q->next_seq = seq + 1;
}

uint32_t
wr_queue_purge(struct wr_queue *q)
{
    return wr_queue_drop_ready(q);
}

struct wr_qentry *
wr_queue_get(struct wr_queue *q)
{
    struct wr_qentry *e;

    wr_queue_expire_head(q);
    e = wr_queue_head_loaded(q);
    if (e == NULL)
        return NULL;
    wr_queue_unlink(q, e);
    q->nunacked++;
    wr_queue_delivered(q, e);
    wr_queue_expire_head(q); /* an expired message the get exposed goes now */
    return e;
}

void
wr_queue_ack(struct wr_queue *q, struct wr_qentry *e)
{
    q->nunacked--;
    wr_queue_drop(q, e);
}

void
wr_queue_reject(struct wr_queue *q, struct wr_qentry *e)
{
    q->nunacked--;
    if (!q->deleted)
        wr_queue_deadletter(q, e, WR_DL_REJECTED);
    wr_queue_drop(q, e);
}

void
wr_queue_requeue(struct wr_queue *q, struct wr_qentry *e)
{
    q->nunacked--;
    if (q->deleted || q->p.type == WR_QT_STREAM) {
        wr_queue_drop(q, e);
        return;
    }
    /* quorum queues dead-letter a message redelivered too often (D-01 delivery_limit) */
    if (q->p.delivery_limit >= 0 && e->deliveries > (uint64_t)q->p.delivery_limit) {
        wr_queue_deadletter(q, e, WR_DL_DELIVERY_LIMIT);
        wr_queue_drop(q, e);
        return;
    }
    e->redelivered = true;
    wr_queue_insert(q, e);
    wr_queue_dispatch(q);
    wr_queue_enforce_limits(q); /* RabbitMQ drops heads after a requeue too */
    wr_queue_expire_head(q);
}

/* Highest priority first; among equals the list order is the round-robin order (P-02, P-04).
 * With single active consumer only the first registered consumer receives (P-05). */
static struct wr_consumer *
wr_queue_pick(struct wr_queue *q)
{
    struct wr_consumer *c;

    if (q->p.single_active) {
        c = TAILQ_FIRST(&q->consumers);
        return c != NULL && wr_channel_can_deliver(c->ch, c) ? c : NULL;
    }
    TAILQ_FOREACH(c, &q->consumers, qlink) {
        if (wr_channel_can_deliver(c->ch, c))
            return c;
    }
    return NULL;
}

/* Moves c behind the other consumers of its priority. */
static void
wr_queue_rotate(struct wr_queue *q, struct wr_consumer *c)
{
    struct wr_consumer *it = TAILQ_NEXT(c, qlink), *last = NULL;

    if (q->p.single_active)
        return;
    for (; it != NULL && it->priority == c->priority; it = TAILQ_NEXT(it, qlink))
        last = it;
    if (last == NULL)
        return;
    TAILQ_REMOVE(&q->consumers, c, qlink);
    TAILQ_INSERT_AFTER(&q->consumers, last, c, qlink);
}

/* fresh: the head was just published, so a TTL-0 message may still go to a waiting consumer
 * before it expires (T-01). */
static void
wr_queue_dispatch_from(struct wr_queue *q, bool fresh)
{
    struct wr_consumer *c;
    struct wr_qentry *e;

    /* delivery can re-enter (auto-delete, channel errors); one loop at a time */
    if (q->dispatching || q->deleted || q->nconsumers == 0)
        return;
    q->dispatching = true;
    wr_queue_ref(q);
    if (!fresh)
        wr_queue_expire_head(q);
    while (q->nready > 0 && !q->deleted && (c = wr_queue_pick(q)) != NULL) {
        e = wr_queue_head_loaded(q);
        if (e == NULL)
            break;
        wr_queue_unlink(q, e);
        q->nunacked++;
        wr_queue_delivered(q, e);
        wr_queue_rotate(q, c);
        wr_channel_deliver(c->ch, c, q, e);
        wr_queue_expire_head(q);
    }
    q->dispatching = false;
    wr_queue_unref(q);
}

/* Stream consumers each read the log from their own offset; messages stay. */
static void
wr_stream_dispatch(struct wr_queue *q)
{
    struct wr_consumer *c;
    bool progress = true;

    q->dispatching = true;
    wr_queue_ref(q);
    while (progress && !q->deleted) {
        progress = false;
        TAILQ_FOREACH(c, &q->consumers, qlink) {
            if (c->offset >= q->nlog || !wr_channel_can_deliver(c->ch, c))
                continue;
            struct wr_qentry *e = wr_pool_get(&wr_qentry_pool), *src = q->log[c->offset++];
            wr_msg_ref(src->msg);
            e->msg = src->msg;
            e->seq = src->seq;
            e->expires = INT64_MAX;
            e->deliveries = 1;
            q->nunacked++;
            wr_channel_deliver(c->ch, c, q, e);
            progress = true;
            break; /* the consumer list may have changed */
        }
    }
    q->dispatching = false;
    wr_queue_unref(q);
}

static void
wr_stream_append(struct wr_queue *q, struct wr_msg *m)
{
    struct wr_qentry *e = wr_pool_get(&wr_qentry_pool);

    if (q->nlog == q->log_cap) {
        q->log_cap = q->log_cap ? q->log_cap * 2 : 64;
        q->log = wr_xrealloc(q->log, q->log_cap * sizeof(*q->log));
    }
    wr_msg_ref(m);
    e->msg = m;
    e->seq = q->nlog;           /* the offset */
    e->expires = wr_clock_ms(); /* streams have no TTL: this is the append time */
    q->log[q->nlog++] = e;
    wr_queue_dispatch(q);
}

int64_t
wr_queue_stream_offset(const struct wr_queue *q, const struct wr_fvalue *v)
{
    if (wr_fvalue_is_int(v))
        return v->v.i < 0 ? 0 : (v->v.i > (int64_t)q->nlog ? (int64_t)q->nlog : v->v.i);
    if (v->type == 'T') {
        /* the first message appended at or after the timestamp (seconds) */
        int64_t at = (int64_t)v->v.ts * 1000 - (time(NULL) * 1000 - wr_clock_ms());
        for (uint64_t i = 0; i < q->nlog; i++) {
            if (q->log[i]->expires >= at)
                return (int64_t)i;
        }
        return (int64_t)q->nlog;
    }
    if (v->type != 'S')
        return -1;
    if (wr_bytes_eq_str(v->v.s, "first"))
        return 0;
    if (wr_bytes_eq_str(v->v.s, "last"))
        return q->nlog ? (int64_t)q->nlog - 1 : 0;
    if (wr_bytes_eq_str(v->v.s, "next"))
        return (int64_t)q->nlog;
    return -1;
}

void
wr_queue_dispatch(struct wr_queue *q)
{
    if (q->p.type == WR_QT_STREAM) {
        if (!q->dispatching && !q->deleted && q->nconsumers > 0)
            wr_stream_dispatch(q);
        return;
    }
    wr_queue_dispatch_from(q, false);
}

struct wr_msg *
wr_queue_delivery_msg(const struct wr_queue *q, const struct wr_qentry *e)
{
    if (q->p.type == WR_QT_QUORUM && e->deliveries > 1)
        return wr_msg_with_header_long(e->msg, "x-delivery-count", e->deliveries - 1);
    if (q->p.type == WR_QT_STREAM)
        return wr_msg_with_header_long(e->msg, "x-stream-offset", (int64_t)e->seq);
    return NULL;
}

void
wr_queue_add_consumer(struct wr_queue *q, struct wr_consumer *c)
{
    struct wr_consumer *it;

    c->q = q;
    TAILQ_FOREACH(it, &q->consumers, qlink) {
        if (!q->p.single_active && it->priority < c->priority)
            break;
    }
    if (it != NULL)
        TAILQ_INSERT_BEFORE(it, c, qlink);
    else
        TAILQ_INSERT_TAIL(&q->consumers, c, qlink);
    q->nconsumers++;
    if (c->exclusive)
        q->exclusive_consumer = true;
    wr_queue_lease(q);
}

void
wr_queue_remove_consumer(struct wr_queue *q, struct wr_consumer *c)
{
    TAILQ_REMOVE(&q->consumers, c, qlink);
    q->nconsumers--;
    if (c->exclusive)
        q->exclusive_consumer = false;
    if (q->o.auto_delete && q->nconsumers == 0) {
        wr_queue_delete(q, true);
        return;
    }
    wr_queue_lease(q);
    /* a new single active consumer may take over what is ready */
    wr_queue_dispatch(q);
}

void
wr_queue_touch(struct wr_queue *q)
{
    wr_queue_lease(q);
}

/* A policy changed: the settings are recomputed from the arguments and the policies; limits
 * and the expiry lease take effect at once, TTLs for messages published from now on. */
void
wr_queue_refresh_params(struct wr_queue *q)
{
    struct wr_qparams p;

    if (q->deleted)
        return;
    wr_qparams_from_args(&p, q->o.args);
    wr_policy_queue_params(q, &p);
    q->p = p;
    wr_queue_enforce_limits(q);
    wr_queue_lease(q);
    wr_queue_dispatch(q);
}

void
wr_queue_foreach_consumer(const struct wr_queue *q, wr_consumer_visit *cb, void *arg)
{
    const struct wr_consumer *c;

    TAILQ_FOREACH(c, &q->consumers, qlink)
        cb(q, c, !q->p.single_active || c == TAILQ_FIRST(&q->consumers), arg);
}
