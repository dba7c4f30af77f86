/* SPDX-License-Identifier: MPL-2.0 */
/* The publish path: content header and body frames are assembled into one message allocation
 * (the only copy of the body), then checked, routed and enqueued (DESIGN.md section 3). */
#include "server/conn_internal.h"

#include "amqp/props.h"
#include "amqp/table.h"
#include "server/broker.h"
#include "server/mem.h"
#include "server/msg.h"
#include "server/msg_headers.h"
#include "server/perm.h"
#include "server/persist.h"
#include "server/settings.h"
#include "server/stats.h"
#include "server/user.h"
#include "server/vhost.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int
wr_channel_content_header(struct wr_channel *ch, const uint8_t *p, uint32_t len)
{
    struct wr_conn *c = ch->conn;
    const struct wr_config *cfg = wr_broker_config(c->broker);
    struct wr_content_header h;
    struct wr_props props;

    c->cur_method = WR_M_BASIC_PUBLISH;
    if (ch->ct != WR_CT_HEADER)
        return wr_conn_fail(c, WR_UNEXPECTED_FRAME,
                            "expected content body, got non content body frame instead");
    if (wr_content_header_parse(p, len, &h) < 0 ||
        wr_props_decode(h.props.ptr, h.props.len, &props) < 0)
        return wr_conn_fail(c, WR_FRAME_ERROR, "cannot decode content header");
    if (h.class_id != WR_CLASS_BASIC)
        return wr_conn_fail(c, WR_UNEXPECTED_FRAME,
                            "expected content header for class 60, got one for class %u instead",
                            h.class_id);
    /* checked before anything is allocated (W-16) */
    if (h.body_size > cfg->max_message_size)
        return wr_chan_fail(
                ch, WR_PRECONDITION_FAILED, "message size %llu is larger than max size %llu",
                (unsigned long long)h.body_size, (unsigned long long)cfg->max_message_size);
    ch->pub = wr_msg_new(ch->pub_exchange, ch->pub_exchange_len, ch->pub_rk, ch->pub_rk_len,
                         h.props.ptr, h.props.len, h.body_size);
    if (ch->pub == NULL)
        return wr_conn_fail(c, WR_INTERNAL_ERROR, "out of memory");
    ch->pub->prop_flags = props.flags;
    ch->pub->delivery_mode = (props.flags & WR_P_DELIVERY_MODE) ? props.delivery_mode : 0;
    ch->pub->priority = (props.flags & WR_P_PRIORITY) ? props.priority : 0;
    ch->ct = WR_CT_BODY;
    if (h.body_size == 0)
        return wr_channel_content_body(ch, NULL, 0);
    return 0;
}

static int wr_channel_publish(struct wr_channel *ch, struct wr_msg *m);

int
wr_channel_content_body(struct wr_channel *ch, const uint8_t *p, uint32_t len)
{
    struct wr_conn *c = ch->conn;
    struct wr_msg *m = ch->pub;
    int rc;

    c->cur_method = WR_M_BASIC_PUBLISH;
    if (ch->ct != WR_CT_BODY)
        return wr_conn_fail(c, WR_UNEXPECTED_FRAME,
                            "expected content header for class 60, got non content header frame "
                            "instead");
    if (len > m->body_size - m->received)
        return wr_conn_fail(c, WR_FRAME_ERROR,
                            "content body is larger than the declared %llu bytes",
                            (unsigned long long)m->body_size);
    if (len)
        memcpy(m->body + m->received, p, len);
    m->received += len;
    if (m->received < m->body_size)
        return 0;
    ch->pub = NULL;
    ch->ct = WR_CT_IDLE;
    rc = wr_channel_publish(ch, m);
    wr_msg_unref(m);
    return rc;
}

/* ERR-22: expiration must be a non-negative decimal integer. */
static int
wr_check_expiration(struct wr_channel *ch, struct wr_msg *m, struct wr_bytes e)
{
    char buf[256], *end;
    long long v;

    memcpy(buf, e.ptr, e.len);
    buf[e.len] = '\0';
    errno = 0;
    v = strtoll(buf, &end, 10);
    if (e.len == 0 || *end != '\0' || errno != 0 || buf[0] == '+' || buf[0] == ' ')
        return wr_chan_fail(ch, WR_PRECONDITION_FAILED, "invalid expiration '%s': no_integer", buf);
    if (v < 0)
        return wr_chan_fail(ch, WR_PRECONDITION_FAILED,
                            "invalid expiration '%s': {value_negative,%lld}", buf, v);
    m->expiration_ms = v;
    return 0;
}

/* M-13's checks, in RabbitMQ's order, once the content is complete. */
static int
wr_channel_publish(struct wr_channel *ch, struct wr_msg *m)
{
    struct wr_conn *c = ch->conn;
    struct wr_exchange *x;
    struct wr_props props;

    if (ch->pub_immediate)
        return wr_conn_fail(c, WR_NOT_IMPLEMENTED, "immediate=true");
    if (wr_perm_exchange(ch, WR_PERM_WRITE,
                         (struct wr_bytes){(const uint8_t *)m->exchange, m->exchange_len}) < 0)
        return WR_EXC;
    x = wr_vhost_exchange(c->vh, m->exchange, m->exchange_len);
    if (x == NULL)
        return wr_chan_fail(ch, WR_NOT_FOUND, "no exchange '%.*s' in vhost '%s'", m->exchange_len,
                            m->exchange, wr_vhost_name(c->vh));
    if (wr_exchange_opts(x)->internal)
        return wr_chan_fail(ch, WR_ACCESS_REFUSED,
                            "cannot publish to internal exchange '%.*s' in vhost '%s'",
                            m->exchange_len, m->exchange, wr_vhost_name(c->vh));
    if (wr_perm_topic(ch, WR_PERM_WRITE,
                      (struct wr_bytes){(const uint8_t *)m->exchange, m->exchange_len},
                      (struct wr_bytes){(const uint8_t *)m->rk, m->rk_len}) < 0)
        return WR_EXC;
    props.flags = 0;
    if (m->prop_flags & (WR_P_USER_ID | WR_P_EXPIRATION))
        wr_props_decode(m->props, m->props_len, &props);
    if ((props.flags & WR_P_USER_ID) && !wr_bytes_eq_str(props.user_id, wr_user_name(c->user)))
        return wr_chan_fail(ch, WR_PRECONDITION_FAILED,
                            "user_id property set to '%.*s' but authenticated user was '%s'",
                            (int)props.user_id.len, (const char *)props.user_id.ptr,
                            wr_user_name(c->user));
    if ((props.flags & WR_P_EXPIRATION) && wr_check_expiration(ch, m, props.expiration) < 0)
        return WR_EXC;
    int rewritten = wr_reply_rewrite(ch, &m);
    if (rewritten < 0)
        return WR_EXC;
    int rc = 0;
    if (ch->tx) {
        struct wr_txop *op = wr_xcalloc(1, sizeof(*op));
        op->method = WR_M_BASIC_PUBLISH;
        op->msg = m;
        op->mandatory = ch->pub_mandatory;
        wr_msg_ref(m);
        STAILQ_INSERT_TAIL(&ch->txops, op, link);
    } else {
        if (ch->confirm)
            ch->pub_seq++;
        ch->pub_x = x;
        rc = wr_channel_route(ch, m, ch->pub_mandatory);
        ch->pub_x = NULL;
    }
    if (rewritten)
        wr_msg_unref(m);
    return rc;
}

static void
wr_channel_return(struct wr_channel *ch, struct wr_msg *m)
{
    struct wr_m_basic_return r = {.reply_code = WR_NO_ROUTE,
                                  .reply_text = WR_BYTES_LIT("NO_ROUTE"),
                                  .exchange = {(const uint8_t *)m->exchange, m->exchange_len},
                                  .routing_key = {(const uint8_t *)m->rk, m->rk_len}};

    wr_channel_write_delivery(ch->conn, ch->id, WR_M_BASIC_RETURN, &r, m);
}

/* Confirms may complete out of order but a multiple ack covers everything below it, so a
 * nack is recorded and sent in sequence by wr_channel_flush_confirms. Once
 * something waits for the store's fsync, later publishes wait with it. */
static void
wr_channel_confirm(struct wr_channel *ch, bool nack, bool durable)
{
    if (nack) {
        if (ch->nnacks == ch->nacks_cap) {
            ch->nacks_cap = ch->nacks_cap ? ch->nacks_cap * 2 : 4;
            ch->nacks = wr_xrealloc(ch->nacks, ch->nacks_cap * sizeof(*ch->nacks));
        }
        ch->nacks[ch->nnacks++] = ch->pub_seq;
    }
    struct wr_persist *p = wr_broker_persist(ch->conn->broker);
    if (p != NULL && (durable || ch->sync_upto > ch->confirm_upto)) {
        ch->sync_upto = ch->pub_seq;
        wr_persist_wait(p, ch, ch->pub_seq, false);
        return;
    }
    ch->confirm_upto = ch->pub_seq;
    wr_conn_schedule_flush(ch->conn, ch);
}

int
wr_channel_route_keys(struct wr_channel *ch, struct wr_msg *m, bool mandatory,
                      const struct wr_bytes *keys, size_t nkeys, struct wr_bytes headers)
{
    struct wr_conn *c = ch->conn;
    struct wr_exchange *x =
            ch->pub_x ? ch->pub_x : wr_vhost_exchange(c->vh, m->exchange, m->exchange_len);
    struct wr_route *r = &c->route;
    bool rejected = false;

    wr_route_reset(r);
    if (x != NULL)
        wr_exchange_route_keys(x, keys, nkeys, headers, r);
    if (r->n == 0)
        wr_stat_add(mandatory ? WR_STAT_RETURN_UNROUTABLE : WR_STAT_DROP_UNROUTABLE, 1);
    if (r->n == 0 && mandatory)
        wr_channel_return(ch, m);
    for (size_t i = 0; i < r->n; i++)
        rejected |= !wr_queue_push(r->qs[i], m);
    /* transient messages are confirmed once enqueued, persistent ones in durable queues once
     * fsynced; returns precede the ack */
    if (ch->confirm)
        wr_channel_confirm(ch, rejected, m->store_id != 0);
    else if (ch->tx && m->store_id != 0)
        ch->sync_upto = 1; /* the commit must wait for the fsync */
    return 0;
}

/* Routing keys are the publish key plus CC and BCC; BCC never reaches a consumer. */
int
wr_channel_route(struct wr_channel *ch, struct wr_msg *m, bool mandatory)
{
    static const char *const strip[] = {"BCC", NULL};
    struct wr_bytes keys[WR_MAX_ROUTE_KEYS];
    size_t nkeys = 0, ncc;
    struct wr_props props;
    struct wr_fvalue bcc;
    char err[200];
    int rc;

    wr_stat_add(WR_STAT_PUBLISH, 1);
    if (wr_reply_route(ch, m)) {
        /* 3.10 returns mandatory publishes to reply addresses, delivered or not (compat X-10) */
        if (mandatory)
            wr_channel_return(ch, m);
        if (ch->confirm)
            wr_channel_confirm(ch, false, false);
        return 0;
    }
    keys[nkeys++] = (struct wr_bytes){(const uint8_t *)m->rk, m->rk_len};
    if (!(m->prop_flags & WR_P_HEADERS) || wr_props_decode(m->props, m->props_len, &props) < 0)
        return wr_channel_route_keys(ch, m, mandatory, keys, nkeys, (struct wr_bytes){NULL, 0});
    if (wr_headers_keys(props.headers, "CC", keys, &nkeys, WR_MAX_ROUTE_KEYS, err, sizeof(err)) < 0)
        return wr_chan_fail(ch, WR_PRECONDITION_FAILED, "%s", err);
    ncc = nkeys;
    if (wr_headers_keys(props.headers, "BCC", keys, &nkeys, WR_MAX_ROUTE_KEYS, err, sizeof(err)) <
        0)
        return wr_chan_fail(ch, WR_PRECONDITION_FAILED, "%s", err);
    if (!wr_table_get(props.headers, "BCC", &bcc) || ncc == nkeys)
        return wr_channel_route_keys(ch, m, mandatory, keys, nkeys, props.headers);
    struct wr_tbuf h;
    wr_tbuf_init(&h);
    wr_headers_copy_except(props.headers, strip, &h);
    props.headers = (struct wr_bytes){h.data, (uint32_t)h.len};
    struct wr_msg *n = wr_msg_with_props(m, &props, m->exchange, m->exchange_len, keys[0]);
    rc = n ? wr_channel_route_keys(ch, n, mandatory, keys, nkeys, props.headers)
           : wr_conn_fail(ch->conn, WR_INTERNAL_ERROR, "out of memory");
    if (n)
        wr_msg_unref(n);
    wr_tbuf_free(&h);
    return rc;
}
