/* SPDX-License-Identifier: MPL-2.0 */
/* Queue state and dispatch. Delivery itself (frames, unacked records) belongs to channel.c. */
#include "server/queue.h"

#include "server/channel.h"
#include "server/conn.h"
#include "server/log.h"
#include "server/mem.h"
#include "server/msg.h"
#include "server/vhost.h"

#include <stdlib.h>
#include <string.h>

TAILQ_HEAD(wr_consumer_list, wr_consumer);

struct wr_queue {
    char *name;
    struct wr_vhost *vh;
    struct wr_queue_opts o;
    uint8_t *args;
    uint32_t refs;
    bool deleted;
    bool dispatching;
    struct wr_qentry_list ready;
    uint32_t nready;
    uint32_t nunacked;
    uint64_t next_seq;
    struct wr_consumer_list consumers;
    uint32_t nconsumers;
    bool exclusive_consumer;
    struct wr_binding_list bindings;
    uint64_t route_mark;
};

struct wr_queue *
wr_queue_new(struct wr_vhost *vh, const char *name, size_t len, const struct wr_queue_opts *o)
{
    struct wr_queue *q = wr_xcalloc(1, sizeof(*q));

    q->name = wr_xstrndup(name, len);
    q->vh = vh;
    q->o = *o;
    if (o->args.len) {
        q->args = wr_xmalloc(o->args.len);
        memcpy(q->args, o->args.ptr, o->args.len);
    }
    q->o.args = (struct wr_bytes){q->args, o->args.len};
    q->refs = 1;
    q->next_seq = 1;
    TAILQ_INIT(&q->ready);
    TAILQ_INIT(&q->consumers);
    TAILQ_INIT(&q->bindings);
    wr_vhost_add_queue(vh, q);
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
    free(q->args);
    free(q->name);
    free(q);
}

static void
wr_qentry_free(struct wr_qentry *e)
{
    wr_msg_unref(e->msg);
    free(e);
}

static uint32_t
wr_queue_drop_ready(struct wr_queue *q)
{
    struct wr_qentry *e;
    uint32_t n = q->nready;

    while ((e = TAILQ_FIRST(&q->ready)) != NULL) {
        TAILQ_REMOVE(&q->ready, e, link);
        wr_qentry_free(e);
    }
    q->nready = 0;
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
    wr_vhost_remove_queue(q->vh, q);
    wr_bindings_drop_dest(&q->bindings);
    while ((c = TAILQ_FIRST(&q->consumers)) != NULL) {
        TAILQ_REMOVE(&q->consumers, c, qlink);
        q->nconsumers--;
        wr_channel_consumer_gone(c->ch, c, notify);
    }
    n = wr_queue_drop_ready(q);
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

bool
wr_queue_is_deleted(const struct wr_queue *q)
{
    return q->deleted;
}

uint32_t
wr_queue_ready(const struct wr_queue *q)
{
    return q->nready;
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

void
wr_queue_push(struct wr_queue *q, struct wr_msg *m)
{
    struct wr_qentry *e = wr_xmalloc(sizeof(*e));

    wr_msg_ref(m);
    e->msg = m;
    e->seq = q->next_seq++;
    e->redelivered = false;
    TAILQ_INSERT_TAIL(&q->ready, e, link);
    q->nready++;
    wr_queue_dispatch(q);
}

uint32_t
wr_queue_purge(struct wr_queue *q)
{
    return wr_queue_drop_ready(q);
}

struct wr_qentry *
wr_queue_get(struct wr_queue *q)
{
    struct wr_qentry *e = TAILQ_FIRST(&q->ready);

    if (e == NULL)
        return NULL;
    TAILQ_REMOVE(&q->ready, e, link);
    q->nready--;
    q->nunacked++;
    return e;
}

void
wr_queue_ack(struct wr_queue *q, struct wr_qentry *e)
{
    q->nunacked--;
    wr_qentry_free(e);
}

/* Requeued messages usually belong near the head, so search from there (M-16). */
void
wr_queue_requeue(struct wr_queue *q, struct wr_qentry *e)
{
    struct wr_qentry *it;

    q->nunacked--;
    if (q->deleted) {
        wr_qentry_free(e);
        return;
    }
    e->redelivered = true;
    TAILQ_FOREACH(it, &q->ready, link) {
        if (it->seq > e->seq)
            break;
    }
    if (it != NULL)
        TAILQ_INSERT_BEFORE(it, e, link);
    else
        TAILQ_INSERT_TAIL(&q->ready, e, link);
    q->nready++;
    wr_queue_dispatch(q);
}

static struct wr_consumer *
wr_queue_pick(struct wr_queue *q)
{
    struct wr_consumer *c;

    TAILQ_FOREACH(c, &q->consumers, qlink) {
        if (wr_channel_can_deliver(c->ch, c))
            return c;
    }
    return NULL;
}

void
wr_queue_dispatch(struct wr_queue *q)
{
    struct wr_consumer *c;
    struct wr_qentry *e;

    /* delivery can re-enter (auto-delete, channel errors); one loop at a time */
    if (q->dispatching || q->deleted)
        return;
    q->dispatching = true;
    wr_queue_ref(q);
    while (q->nready > 0 && !q->deleted && (c = wr_queue_pick(q)) != NULL) {
        e = TAILQ_FIRST(&q->ready);
        TAILQ_REMOVE(&q->ready, e, link);
        q->nready--;
        q->nunacked++;
        /* round-robin: the consumer just served goes to the back (P-02) */
        TAILQ_REMOVE(&q->consumers, c, qlink);
        TAILQ_INSERT_TAIL(&q->consumers, c, qlink);
        wr_channel_deliver(c->ch, c, q, e);
    }
    q->dispatching = false;
    wr_queue_unref(q);
}

void
wr_queue_add_consumer(struct wr_queue *q, struct wr_consumer *c)
{
    c->q = q;
    TAILQ_INSERT_TAIL(&q->consumers, c, qlink);
    q->nconsumers++;
    if (c->exclusive)
        q->exclusive_consumer = true;
}

void
wr_queue_remove_consumer(struct wr_queue *q, struct wr_consumer *c)
{
    TAILQ_REMOVE(&q->consumers, c, qlink);
    q->nconsumers--;
    if (c->exclusive)
        q->exclusive_consumer = false;
    if (q->o.auto_delete && q->nconsumers == 0)
        wr_queue_delete(q, true);
}
