/* SPDX-License-Identifier: MPL-2.0 */
/* Channel state: content assembly into one message allocation, routing, deliveries and their
 * acknowledgement, publisher confirms. */
#include "server/conn_internal.h"

#include "amqp/frame.h"
#include "amqp/method.h"
#include "amqp/props.h"
#include "server/broker.h"
#include "server/clock.h"
#include "server/mem.h"
#include "server/msg.h"
#include "server/persist.h"
#include "server/pool.h"
#include "server/settings.h"
#include "server/stats.h"
#include "server/user.h"
#include "server/vhost.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <stdlib.h>
#include <string.h>

/* Bodies from this size up are referenced in the output buffer instead of copied. */
#define WR_REF_MIN 4096

struct wr_channel *
wr_channel_new(struct wr_conn *c, uint16_t id)
{
    struct wr_channel *ch = wr_xcalloc(1, sizeof(*ch));

    if (id >= c->nchans) {
        uint32_t n = c->nchans ? c->nchans : 8;
        while (n <= id)
            n *= 2;
        c->chans = wr_xrealloc(c->chans, n * sizeof(*c->chans));
        memset(c->chans + c->nchans, 0, (n - c->nchans) * sizeof(*c->chans));
        c->nchans = n;
    }
    ch->conn = c;
    ch->id = id;
    TAILQ_INIT(&ch->consumers);
    TAILQ_INIT(&ch->unacked);
    STAILQ_INIT(&ch->txops);
    c->chans[id] = ch;
    c->open_channels++;
    wr_user_count(c->user, 0, 1);
    return ch;
}

static void
wr_consumer_free(struct wr_consumer *c)
{
    free(c->tag);
    free(c);
}

/* The consumer leaves the channel; its unacked deliveries stay, unowned (M-12). */
static void
wr_channel_forget_consumer(struct wr_channel *ch, struct wr_consumer *c)
{
    struct wr_unacked *u;

    TAILQ_REMOVE(&ch->consumers, c, chlink);
    TAILQ_FOREACH(u, &ch->unacked, link) {
        if (u->c == c)
            u->c = NULL;
    }
}

static void
wr_txops_clear(struct wr_channel *ch)
{
    struct wr_txop *op;

    while ((op = STAILQ_FIRST(&ch->txops)) != NULL) {
        STAILQ_REMOVE_HEAD(&ch->txops, link);
        if (op->msg)
            wr_msg_unref(op->msg);
        free(op);
    }
}

void
wr_channel_teardown(struct wr_channel *ch)
{
    struct wr_consumer *c;

    if (ch->torn_down)
        return;
    ch->torn_down = true;
    ch->state = WR_CH_CLOSING; /* no deliveries to this channel from here on */
    if (ch->pub) {
        wr_msg_unref(ch->pub);
        ch->pub = NULL;
    }
    ch->ct = WR_CT_IDLE;
    wr_channel_requeue_all(ch);
    while ((c = TAILQ_FIRST(&ch->consumers)) != NULL) {
        struct wr_queue *q = c->q;
        wr_channel_forget_consumer(ch, c);
        wr_queue_remove_consumer(q, c);
        wr_consumer_free(c);
    }
    wr_txops_clear(ch);
    wr_reply_channel_gone(ch);
    if (wr_broker_persist(ch->conn->broker) != NULL)
        wr_persist_forget(wr_broker_persist(ch->conn->broker), ch);
    if (ch->flush_queued) {
        TAILQ_REMOVE(&ch->conn->flush_list, ch, flush_link);
        ch->flush_queued = false;
    }
}

void
wr_channel_free(struct wr_channel *ch)
{
    struct wr_conn *c = ch->conn;

    wr_channel_teardown(ch);
    if (ch->id < c->nchans && c->chans[ch->id] == ch)
        c->chans[ch->id] = NULL;
    c->open_channels--;
    wr_user_count(c->user, 0, -1);
    free(ch->nacks);
    free(ch);
}

void
wr_channel_kick(struct wr_channel *ch)
{
    struct wr_consumer *c, *next;

    for (c = TAILQ_FIRST(&ch->consumers); c != NULL; c = next) {
        next = TAILQ_NEXT(c, chlink);
        wr_queue_dispatch(c->q);
    }
}

struct wr_consumer *
wr_channel_find_consumer(struct wr_channel *ch, const uint8_t *tag, size_t len)
{
    struct wr_consumer *c;

    TAILQ_FOREACH(c, &ch->consumers, chlink) {
        if (c->tag_len == len && memcmp(c->tag, tag, len) == 0)
            return c;
    }
    return NULL;
}

void
wr_channel_cancel_consumer(struct wr_channel *ch, struct wr_consumer *c)
{
    struct wr_queue *q = c->q;

    wr_channel_forget_consumer(ch, c);
    wr_queue_remove_consumer(q, c);
    wr_consumer_free(c);
}

void
wr_channel_consumer_gone(struct wr_channel *ch, struct wr_consumer *c, bool notify)
{
    wr_channel_forget_consumer(ch, c);
    if (notify && ch->conn->cap_cancel_notify && ch->state == WR_CH_OPEN) {
        struct wr_m_basic_cancel m = {
                .consumer_tag = {(const uint8_t *)c->tag, (uint32_t)c->tag_len}, .no_wait = true};
        wr_conn_send(ch->conn, ch->id, WR_M_BASIC_CANCEL, &m);
    }
    wr_consumer_free(c);
}

bool
wr_channel_can_deliver(struct wr_channel *ch, const struct wr_consumer *c)
{
    struct wr_conn *conn = ch->conn;

    if (ch->state != WR_CH_OPEN || conn->state != WR_CS_RUNNING || conn->output_full)
        return false;
    if (evbuffer_get_length(bufferevent_get_output(conn->bev)) > WR_OUT_HIGH) {
        conn->output_full = true; /* resumed by the write callback at the low watermark */
        return false;
    }
    if (c->no_ack)
        return true;
    if (c->prefetch && c->unacked >= c->prefetch)
        return false;
    return ch->prefetch_global == 0 || ch->nunacked < ch->prefetch_global;
}

static size_t
wr_frame_put(uint8_t *p, uint8_t type, uint16_t ch, const void *payload, uint32_t n)
{
    p[0] = type;
    p[1] = (uint8_t)(ch >> 8);
    p[2] = (uint8_t)ch;
    p[3] = (uint8_t)(n >> 24);
    p[4] = (uint8_t)(n >> 16);
    p[5] = (uint8_t)(n >> 8);
    p[6] = (uint8_t)n;
    if (payload != NULL)
        memcpy(p + 7, payload, n);
    p[7 + n] = WR_FRAME_END;
    return (size_t)n + 8;
}

/* A small message goes out as one buffer holding the method, header and body frames: one
 * evbuffer_add instead of five. Larger ones take the general path. */
void
wr_channel_write_delivery(struct wr_conn *c, uint16_t ch, uint32_t method, const void *args,
                          const struct wr_msg *m)
{
    uint8_t buf[2048], *p = buf;
    int n;

    /* room for the method (tags and names are shortstrs), 12 + props and the body, 3 frames */
    if (m->body_size + m->props_len + 12 + 3 * 8 + 1024 > sizeof(buf) ||
        m->body_size > c->frame_max - 8 ||
        (n = wr_method_encode(method, args, buf + 7, sizeof(buf) - 8)) < 0) {
        wr_conn_send(c, ch, method, args);
        wr_channel_write_content(c, ch, m);
        return;
    }
    p += wr_frame_put(p, WR_FRAME_METHOD, ch, NULL, (uint32_t)n);
    uint8_t h[12] = {0, WR_CLASS_BASIC, 0, 0};
    for (int i = 0; i < 8; i++)
        h[4 + i] = (uint8_t)(m->body_size >> (56 - 8 * i));
    memcpy(p + 7, h, 12);
    memcpy(p + 19, m->props, m->props_len);
    p += wr_frame_put(p, WR_FRAME_HEADER, ch, NULL, (uint32_t)(12 + m->props_len));
    if (m->body_size > 0)
        p += wr_frame_put(p, WR_FRAME_BODY, ch, m->body, (uint32_t)m->body_size);
    evbuffer_add(wr_conn_out(c), buf, (size_t)(p - buf));
}

void
wr_channel_write_content(struct wr_conn *c, uint16_t id, const struct wr_msg *m)
{
    struct evbuffer *out = wr_conn_out(c);
    uint32_t chunk = c->frame_max - 8;

    wr_frame_add_header(out, id, WR_CLASS_BASIC, m->body_size, m->props, m->props_len);
    if (m->body_size < WR_REF_MIN) {
        wr_frame_add_body(out, id, m->body, m->body_size, c->frame_max);
        return;
    }
    for (uint64_t off = 0; off < m->body_size; off += chunk) {
        uint32_t n = (uint32_t)(m->body_size - off < chunk ? m->body_size - off : chunk);
        uint8_t h[7] = {WR_FRAME_BODY,      (uint8_t)(id >> 8), (uint8_t)id, (uint8_t)(n >> 24),
                        (uint8_t)(n >> 16), (uint8_t)(n >> 8),  (uint8_t)n};
        static const uint8_t end = WR_FRAME_END;
        struct wr_msg *mm = (struct wr_msg *)m;

        evbuffer_add(out, h, sizeof(h));
        wr_msg_ref(mm);
        evbuffer_add_reference(out, m->body + off, n, wr_msg_unref_cb, mm);
        evbuffer_add(out, &end, 1);
    }
}

static struct wr_pool wr_unacked_pool = WR_POOL_INIT(struct wr_unacked, 65536);

uint64_t
wr_channel_track(struct wr_channel *ch, struct wr_queue *q, struct wr_qentry *e,
                 struct wr_consumer *c)
{
    struct wr_unacked *u = wr_pool_get(&wr_unacked_pool);

    u->tag = ++ch->next_tag;
    u->q = q;
    u->e = e;
    u->c = c;
    u->at = wr_clock_ms();
    wr_queue_ref(q);
    TAILQ_INSERT_TAIL(&ch->unacked, u, link);
    ch->nunacked++;
    if (c)
        c->unacked++;
    return u->tag;
}

void
wr_channel_deliver(struct wr_channel *ch, struct wr_consumer *c, struct wr_queue *q,
                   struct wr_qentry *e)
{
    const struct wr_msg *m = e->msg;
    struct wr_m_basic_deliver d = {
            .consumer_tag = {(const uint8_t *)c->tag, (uint32_t)c->tag_len},
            .redelivered = e->redelivered,
            .exchange = {(const uint8_t *)m->exchange, m->exchange_len},
            .routing_key = {(const uint8_t *)m->rk, m->rk_len},
    };

    if (c->no_ack) {
        d.delivery_tag = ++ch->next_tag;
    } else {
        d.delivery_tag = wr_channel_track(ch, q, e, c);
    }
    wr_stat_add(c->no_ack ? WR_STAT_DELIVER_NO_ACK : WR_STAT_DELIVER, 1);
    wr_stat_add(WR_STAT_REDELIVER, e->redelivered);
    struct wr_msg *out = wr_queue_delivery_msg(q, e);
    wr_channel_write_delivery(ch->conn, ch->id, WR_M_BASIC_DELIVER, &d, out ? out : m);
    if (out)
        wr_msg_unref(out);
    if (c->no_ack)
        wr_queue_ack(q, e);
}

static void
wr_unacked_settle(struct wr_channel *ch, struct wr_unacked *u, bool ack, bool requeue)
{
    TAILQ_REMOVE(&ch->unacked, u, link);
    ch->nunacked--;
    if (u->c)
        u->c->unacked--;
    if (ack) {
        wr_stat_add(WR_STAT_ACK, 1);
        wr_queue_ack(u->q, u->e);
    } else if (requeue)
        wr_queue_requeue(u->q, u->e);
    else
        wr_queue_reject(u->q, u->e);
    wr_queue_unref(u->q);
    wr_pool_put(&wr_unacked_pool, u);
}

int
wr_channel_settle(struct wr_channel *ch, uint64_t tag, bool multiple, bool requeue, bool ack)
{
    struct wr_unacked *u, *next;
    uint64_t upto = multiple ? (tag == 0 ? ch->next_tag : tag) : tag;
    bool found = multiple && tag == 0;

    TAILQ_FOREACH(u, &ch->unacked, link) {
        if (u->tag >= upto) {
            found = found || u->tag == upto;
            break;
        }
    }
    if (!found)
        return wr_chan_fail(ch, WR_PRECONDITION_FAILED, "unknown delivery tag %llu",
                            (unsigned long long)tag);
    /* requeued messages may be redelivered on this channel while we walk: stop at upto */
    for (u = TAILQ_FIRST(&ch->unacked); u != NULL && u->tag <= upto; u = next) {
        next = TAILQ_NEXT(u, link);
        if (multiple || u->tag == upto)
            wr_unacked_settle(ch, u, ack, requeue);
    }
    wr_channel_kick(ch);
    return 0;
}

void
wr_channel_requeue_all(struct wr_channel *ch)
{
    struct wr_unacked *u;
    bool was_open = ch->state == WR_CH_OPEN;

    /* redeliveries must not come back to this channel while it is being emptied */
    ch->state = WR_CH_CLOSING;
    while ((u = TAILQ_FIRST(&ch->unacked)) != NULL)
        wr_unacked_settle(ch, u, false, true);
    if (was_open)
        ch->state = WR_CH_OPEN;
}

static void
wr_channel_send_ack(struct wr_channel *ch, uint32_t id, uint64_t tag)
{
    struct wr_m_basic_ack a = {.delivery_tag = tag, .multiple = tag - ch->confirmed > 1};

    /* basic.ack and basic.nack start alike: tag, multiple (nack adds requeue = false) */
    if (id == WR_M_BASIC_NACK) {
        struct wr_m_basic_nack n = {.delivery_tag = tag, .multiple = a.multiple};
        wr_conn_send(ch->conn, ch->id, id, &n);
    } else {
        wr_conn_send(ch->conn, ch->id, id, &a);
        wr_stat_add(WR_STAT_CONFIRM, tag - ch->confirmed);
    }
    ch->confirmed = tag;
}

void
wr_channel_flush_confirms(struct wr_channel *ch)
{
    if (ch->state != WR_CH_OPEN)
        return;
    while (ch->nnacks > 0 && ch->nacks[0] <= ch->confirm_upto) {
        uint64_t n = ch->nacks[0];
        if (n - 1 > ch->confirmed)
            wr_channel_send_ack(ch, WR_M_BASIC_ACK, n - 1);
        ch->confirmed = n - 1;
        wr_channel_send_ack(ch, WR_M_BASIC_NACK, n);
        memmove(ch->nacks, ch->nacks + 1, --ch->nnacks * sizeof(*ch->nacks));
    }
    if (ch->confirm_upto > ch->confirmed)
        wr_channel_send_ack(ch, WR_M_BASIC_ACK, ch->confirm_upto);
}

void
wr_channel_persisted(void *owner, uint64_t upto, bool commit)
{
    struct wr_channel *ch = owner;

    if (commit) {
        struct wr_m_tx_commit_ok ok = {0};
        ch->committing = false;
        ch->sync_upto = 0;
        wr_conn_send(ch->conn, ch->id, WR_M_TX_COMMIT_OK, &ok);
        return;
    }
    if (upto > ch->confirm_upto)
        ch->confirm_upto = upto;
    wr_channel_flush_confirms(ch);
}

uint16_t
wr_channel_number(const struct wr_channel *ch)
{
    return ch->id;
}

const struct wr_conn *
wr_channel_conn(const struct wr_channel *ch)
{
    return ch->conn;
}
