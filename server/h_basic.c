/* SPDX-License-Identifier: MPL-2.0 */
/* Basic class: qos, consume, cancel, publish, get, ack/nack/reject, recover (M-10..M-18). */
#include "server/conn_internal.h"

#include "amqp/table.h"
#include "server/broker.h"
#include "server/mem.h"
#include "server/msg.h"
#include "server/perm.h"
#include "server/settings.h"
#include "server/stats.h"
#include "server/vhost.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAMEF    "%.*s"
#define NAMEA(b) (int)(b).len, (const char *)(b).ptr

static int
wr_send_or_exc(struct wr_channel *ch, uint32_t id, const void *m)
{
    return wr_conn_send(ch->conn, ch->id, id, m) < 0 ? WR_EXC : 0;
}

static int
wr_qos(struct wr_channel *ch, const struct wr_m_basic_qos *m)
{
    struct wr_m_basic_qos_ok ok = {0};

    if (m->prefetch_size != 0)
        return wr_conn_fail(ch->conn, WR_NOT_IMPLEMENTED, "prefetch_size!=0 (%u)",
                            m->prefetch_size);
    /* RabbitMQ's reading of global (P-01): false = each new consumer, true = the channel */
    if (m->global)
        ch->prefetch_global = m->prefetch_count;
    else
        ch->prefetch_next = m->prefetch_count;
    wr_channel_kick(ch);
    return wr_send_or_exc(ch, WR_M_BASIC_QOS_OK, &ok);
}

static void
wr_gen_ctag(char out[40])
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    uint8_t r[16];

    RAND_bytes(r, sizeof(r));
    memcpy(out, "amq.ctag-", 9);
    for (int i = 0; i < 22; i++) {
        int bit = i * 6, byte = bit / 8, off = bit % 8;
        unsigned v = ((unsigned)r[byte] << 8 | (byte + 1 < 16 ? r[byte + 1] : 0)) >> (10 - off);
        out[9 + i] = b64[v & 63];
    }
    out[31] = '\0';
}

/* Shared by consume and get: resolve the name (ERR-09), then 404/405. */
static int
wr_basic_queue(struct wr_channel *ch, struct wr_bytes name, struct wr_queue **out)
{
    struct wr_queue *q;
    struct wr_conn *owner;

    if (name.len == 0) {
        if (ch->last_queue[0] == '\0')
            return wr_chan_fail(ch, WR_NOT_FOUND, "no previously declared queue");
        name = wr_bytes_str(ch->last_queue);
    }
    /* consume and get both need read, checked before the queue is looked up */
    if (wr_perm_queue(ch, WR_PERM_READ, name) < 0)
        return WR_EXC;
    q = wr_vhost_queue(ch->conn->vh, (const char *)name.ptr, name.len);
    if (q == NULL)
        return wr_chan_fail(ch, WR_NOT_FOUND, "no queue '" NAMEF "' in vhost '%s'", NAMEA(name),
                            wr_vhost_name(ch->conn->vh));
    owner = wr_queue_opts(q)->owner;
    if (owner != NULL && owner != ch->conn)
        return wr_chan_fail(ch, WR_RESOURCE_LOCKED,
                            "cannot obtain exclusive access to locked queue '%s' in vhost '%s'. "
                            "It could be originally declared on another connection or the "
                            "exclusive property value does not match that of the original "
                            "declaration.",
                            wr_queue_name(q), wr_vhost_name(ch->conn->vh));
    *out = q;
    return 0;
}

static int
wr_consume_priority(struct wr_channel *ch, struct wr_queue *q, struct wr_bytes args, int32_t *prio)
{
    struct wr_fvalue v;

    *prio = 0;
    if (!wr_table_get(args, "x-priority", &v))
        return 0;
    if (!wr_fvalue_is_int(&v))
        return wr_chan_fail(ch, WR_PRECONDITION_FAILED,
                            "invalid arg 'x-priority' for queue '%s' in vhost '%s': \"expected "
                            "integer, got %s\"",
                            wr_queue_name(q), wr_vhost_name(ch->conn->vh),
                            wr_fvalue_type_name(v.type));
    *prio = (int32_t)v.v.i;
    return 0;
}

static int
wr_not_for_streams(struct wr_channel *ch, struct wr_queue *q, const char *what)
{
    return wr_conn_fail(ch->conn, WR_NOT_IMPLEMENTED,
                        "%s not supported by stream queues queue '%s' in vhost '%s'", what,
                        wr_queue_name(q), wr_vhost_name(ch->conn->vh));
}

/* What quorum and stream queues refuse at consume time (ERR-30, ERR-40, ERR-41). */
static int
wr_consume_type_checks(struct wr_channel *ch, struct wr_queue *q,
                       const struct wr_m_basic_consume *m)
{
    enum wr_qtype t = wr_queue_params(q)->type;
    const char *vh = wr_vhost_name(ch->conn->vh);

    if (t == WR_QT_QUORUM && ch->prefetch_global > 0)
        return wr_conn_fail(ch->conn, WR_NOT_IMPLEMENTED,
                            "queue '%s' in vhost '%s' does not support global qos",
                            wr_queue_name(q), vh);
    if (t != WR_QT_STREAM)
        return 0;
    if (m->no_ack)
        return wr_not_for_streams(ch, q, "automatic acknowledgement");
    if (ch->prefetch_next == 0)
        return wr_chan_fail(ch, WR_PRECONDITION_FAILED,
                            "consumer prefetch count is not set for 'queue '%s' in vhost '%s''",
                            wr_queue_name(q), vh);
    return 0;
}

/* Where a stream consumer starts: x-stream-offset, 'next' by default. */
static int
wr_consume_offset(struct wr_channel *ch, struct wr_queue *q, struct wr_bytes args, uint64_t *out)
{
    struct wr_fvalue v;
    int64_t off;

    *out = wr_queue_log_length(q);
    if (wr_queue_params(q)->type != WR_QT_STREAM || !wr_table_get(args, "x-stream-offset", &v))
        return 0;
    off = wr_queue_stream_offset(q, &v);
    if (off < 0)
        return wr_conn_fail(ch->conn, WR_INTERNAL_ERROR, "%s", ""); /* as 3.10 does (ERR-44) */
    *out = (uint64_t)off;
    return 0;
}

/* consumer_max_per_channel guards against applications leaking consumers; a new tag beyond it
 * is a hard error, as in RabbitMQ. */
static int
wr_consume_limit(struct wr_channel *ch, struct wr_bytes tag)
{
    uint32_t max = wr_broker_config(ch->conn->broker)->consumer_max_per_channel, n = 0;
    struct wr_consumer *c;

    if (max == UINT32_MAX || (tag.len > 0 && wr_channel_find_consumer(ch, tag.ptr, tag.len)))
        return 0;
    TAILQ_FOREACH(c, &ch->consumers, chlink) {
        if (++n >= max)
            break;
    }
    if (n < max)
        return 0;
    return wr_conn_fail(ch->conn, WR_NOT_ALLOWED, "reached maximum (%u) of consumers per channel",
                        max);
}

static int
wr_consume(struct wr_channel *ch, const struct wr_m_basic_consume *m)
{
    struct wr_queue *q;
    struct wr_consumer *c;
    char tag[40];
    struct wr_bytes t = m->consumer_tag;
    int32_t prio;
    uint64_t offset;

    if (wr_consume_limit(ch, t) < 0)
        return WR_EXC;
    if (wr_reply_is_pseudo(m->queue)) {
        if (t.len == 0) {
            wr_gen_ctag(tag);
            t = wr_bytes_str(tag);
        }
        return wr_reply_consume(ch, t, m->no_ack, m->no_wait);
    }
    if (wr_basic_queue(ch, m->queue, &q) < 0)
        return WR_EXC;
    if (t.len == 0) {
        wr_gen_ctag(tag);
        t = wr_bytes_str(tag);
    } else if (wr_channel_find_consumer(ch, t.ptr, t.len) != NULL) {
        return wr_conn_fail(ch->conn, WR_NOT_ALLOWED, "attempt to reuse consumer tag '" NAMEF "'",
                            NAMEA(t));
    }
    if (wr_queue_has_exclusive_consumer(q) || (m->exclusive && wr_queue_consumer_count(q) > 0))
        return wr_chan_fail(ch, WR_ACCESS_REFUSED, "queue '%s' in vhost '%s' in exclusive use",
                            wr_queue_name(q), wr_vhost_name(ch->conn->vh));
    if (wr_consume_priority(ch, q, m->arguments, &prio) < 0 ||
        wr_consume_type_checks(ch, q, m) < 0 || wr_consume_offset(ch, q, m->arguments, &offset) < 0)
        return WR_EXC;
    c = wr_xcalloc(1, sizeof(*c));
    c->ch = ch;
    c->tag = wr_xstrndup((const char *)t.ptr, t.len);
    c->tag_len = t.len;
    c->no_ack = m->no_ack;
    c->exclusive = m->exclusive;
    c->prefetch = ch->prefetch_next;
    c->priority = prio;
    c->offset = offset;
    TAILQ_INSERT_TAIL(&ch->consumers, c, chlink);
    wr_queue_add_consumer(q, c);
    /* consume-ok goes out before any delivery for this consumer (M-11) */
    if (!m->no_wait) {
        struct wr_m_basic_consume_ok ok = {.consumer_tag = t};
        if (wr_send_or_exc(ch, WR_M_BASIC_CONSUME_OK, &ok) < 0)
            return WR_EXC;
    }
    wr_queue_dispatch(q);
    return 0;
}

static int
wr_cancel(struct wr_channel *ch, const struct wr_m_basic_cancel *m)
{
    struct wr_consumer *c = wr_channel_find_consumer(ch, m->consumer_tag.ptr, m->consumer_tag.len);
    struct wr_m_basic_cancel_ok ok = {.consumer_tag = m->consumer_tag};

    /* unknown tags are acknowledged anyway (M-12); the tag view points into the frame */
    if (c != NULL)
        wr_channel_cancel_consumer(ch, c);
    else
        wr_reply_cancel(ch, m->consumer_tag);
    if (m->no_wait)
        return 0;
    return wr_send_or_exc(ch, WR_M_BASIC_CANCEL_OK, &ok);
}

static int
wr_publish(struct wr_channel *ch, const struct wr_m_basic_publish *m)
{
    memcpy(ch->pub_exchange, m->exchange.ptr, m->exchange.len);
    ch->pub_exchange_len = (uint8_t)m->exchange.len;
    memcpy(ch->pub_rk, m->routing_key.ptr, m->routing_key.len);
    ch->pub_rk_len = (uint8_t)m->routing_key.len;
    ch->pub_mandatory = m->mandatory;
    ch->pub_immediate = m->immediate;
    ch->ct = WR_CT_HEADER;
    return 0;
}

static int
wr_get(struct wr_channel *ch, const struct wr_m_basic_get *m)
{
    struct wr_queue *q;
    struct wr_qentry *e;

    if (wr_basic_queue(ch, m->queue, &q) < 0)
        return WR_EXC;
    if (wr_queue_params(q)->type == WR_QT_STREAM)
        return wr_not_for_streams(ch, q, "basic.get");
    if (wr_queue_params(q)->type == WR_QT_QUORUM && wr_queue_params(q)->single_active)
        return wr_chan_fail(ch, WR_RESOURCE_LOCKED,
                            "cannot obtain access to locked queue '%s' in vhost '%s'. basic.get "
                            "operations are not supported by quorum queues with single active "
                            "consumer",
                            wr_queue_name(q), wr_vhost_name(ch->conn->vh));
    wr_queue_touch(q);
    e = wr_queue_get(q);
    if (e == NULL) {
        struct wr_m_basic_get_empty empty = {.reserved_1 = WR_BYTES_LIT("")};
        return wr_send_or_exc(ch, WR_M_BASIC_GET_EMPTY, &empty);
    }
    const struct wr_msg *msg = e->msg;
    struct wr_m_basic_get_ok ok = {
            .redelivered = e->redelivered,
            .exchange = {(const uint8_t *)msg->exchange, msg->exchange_len},
            .routing_key = {(const uint8_t *)msg->rk, msg->rk_len},
            .message_count = wr_queue_ready(q),
    };
    if (m->no_ack)
        ok.delivery_tag = ++ch->next_tag;
    else
        ok.delivery_tag = wr_channel_track(ch, q, e, NULL);
    wr_stat_add(m->no_ack ? WR_STAT_GET_NO_ACK : WR_STAT_GET, 1);
    wr_stat_add(WR_STAT_REDELIVER, e->redelivered);
    struct wr_msg *out = wr_queue_delivery_msg(q, e);
    wr_channel_write_delivery(ch->conn, ch->id, WR_M_BASIC_GET_OK, &ok, out ? out : msg);
    if (out)
        wr_msg_unref(out);
    if (m->no_ack)
        wr_queue_ack(q, e);
    return 0;
}

static bool
wr_tag_outstanding(struct wr_channel *ch, uint64_t tag, bool multiple)
{
    struct wr_unacked *u;

    if (multiple && tag == 0)
        return true;
    TAILQ_FOREACH(u, &ch->unacked, link) {
        if (u->tag == tag)
            return true;
    }
    return false;
}

/* ack, nack and reject: applied now, or held by a transaction until commit. */
/* Stream messages are never rejected (ERR-41). */
static int
wr_settle_stream_check(struct wr_channel *ch, uint64_t tag, bool multiple)
{
    struct wr_unacked *u;

    TAILQ_FOREACH(u, &ch->unacked, link) {
        if (multiple ? (tag != 0 && u->tag > tag) : u->tag != tag)
            continue;
        if (wr_queue_params(u->q)->type == WR_QT_STREAM)
            return wr_not_for_streams(ch, u->q, "basic.nack and basic.reject");
    }
    return 0;
}

static int
wr_settle(struct wr_channel *ch, uint32_t id, uint64_t tag, bool multiple, bool requeue)
{
    if (id != WR_M_BASIC_ACK && wr_settle_stream_check(ch, tag, multiple) < 0)
        return WR_EXC;
    if (!ch->tx)
        return wr_channel_settle(ch, tag, multiple, requeue, id == WR_M_BASIC_ACK);
    if (!wr_tag_outstanding(ch, tag, multiple))
        return wr_chan_fail(ch, WR_PRECONDITION_FAILED, "unknown delivery tag %llu",
                            (unsigned long long)tag);
    struct wr_txop *op = wr_xcalloc(1, sizeof(*op));
    op->method = id;
    op->tag = tag;
    op->multiple = multiple;
    op->requeue = requeue;
    STAILQ_INSERT_TAIL(&ch->txops, op, link);
    return 0;
}

static int
wr_recover(struct wr_channel *ch, bool requeue, bool async)
{
    struct wr_m_basic_recover_ok ok = {0};

    if (!requeue)
        return wr_conn_fail(ch->conn, WR_NOT_IMPLEMENTED, "requeue=false");
    wr_channel_requeue_all(ch);
    /* recover-ok first, then the redeliveries to this channel's consumers (M-17) */
    if (!async && wr_send_or_exc(ch, WR_M_BASIC_RECOVER_OK, &ok) < 0)
        return WR_EXC;
    wr_channel_kick(ch);
    return 0;
}

int
wr_h_basic(struct wr_channel *ch, uint32_t id, const void *m)
{
    switch (id) {
    case WR_M_BASIC_QOS:
        return wr_qos(ch, m);
    case WR_M_BASIC_CONSUME:
        return wr_consume(ch, m);
    case WR_M_BASIC_CANCEL:
        return wr_cancel(ch, m);
    case WR_M_BASIC_PUBLISH:
        return wr_publish(ch, m);
    case WR_M_BASIC_GET:
        return wr_get(ch, m);
    case WR_M_BASIC_ACK: {
        const struct wr_m_basic_ack *a = m;
        return wr_settle(ch, id, a->delivery_tag, a->multiple, false);
    }
    case WR_M_BASIC_REJECT: {
        const struct wr_m_basic_reject *r = m;
        return wr_settle(ch, id, r->delivery_tag, false, r->requeue);
    }
    case WR_M_BASIC_NACK: {
        const struct wr_m_basic_nack *n = m;
        return wr_settle(ch, id, n->delivery_tag, n->multiple, n->requeue);
    }
    case WR_M_BASIC_RECOVER:
        return wr_recover(ch, ((const struct wr_m_basic_recover *)m)->requeue, false);
    case WR_M_BASIC_RECOVER_ASYNC:
        return wr_recover(ch, ((const struct wr_m_basic_recover_async *)m)->requeue, true);
    default:
        return wr_conn_fail(ch->conn, WR_COMMAND_INVALID, "unimplemented method");
    }
}
