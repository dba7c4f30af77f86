/* SPDX-License-Identifier: MPL-2.0 */
/* Direct reply-to: a no-ack pseudo-consumer per channel on amq.rabbitmq.reply-to; replies
 * published to its address through the default exchange go straight to it, never queued. */
#include "server/conn_internal.h"

#include "amqp/props.h"
#include "server/broker.h"
#include "server/hmap.h"
#include "server/mem.h"
#include "server/msg.h"
#include "server/msg_headers.h"
#include "server/stats.h"

#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#define WR_REPLY_NAME   "amq.rabbitmq.reply-to"
#define WR_REPLY_PREFIX WR_REPLY_NAME "."

bool
wr_reply_is_pseudo(struct wr_bytes queue)
{
    return wr_bytes_eq_str(queue, WR_REPLY_NAME);
}

static struct wr_hmap *
wr_replies(struct wr_channel *ch)
{
    return wr_broker_reply_map(ch->conn->broker);
}

static char *
wr_reply_new_key(void)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t r[16];
    char *k = wr_xmalloc(sizeof(WR_REPLY_PREFIX) + 32);

    RAND_bytes(r, sizeof(r));
    memcpy(k, WR_REPLY_PREFIX, sizeof(WR_REPLY_PREFIX) - 1);
    char *p = k + sizeof(WR_REPLY_PREFIX) - 1;
    for (size_t i = 0; i < sizeof(r); i++) {
        *p++ = hex[r[i] >> 4];
        *p++ = hex[r[i] & 15];
    }
    *p = '\0';
    return k;
}

int
wr_reply_consume(struct wr_channel *ch, struct wr_bytes tag, bool no_ack, bool no_wait)
{
    if (!no_ack)
        return wr_chan_fail(ch, WR_PRECONDITION_FAILED, "reply consumer cannot acknowledge");
    if (ch->reply_tag != NULL)
        return wr_chan_fail(ch, WR_PRECONDITION_FAILED, "reply consumer already set");
    ch->reply_tag = wr_xstrndup((const char *)tag.ptr, tag.len);
    ch->reply_key = wr_reply_new_key();
    wr_hmap_put(wr_replies(ch), ch->reply_key, strlen(ch->reply_key), ch);
    if (no_wait)
        return 0;
    struct wr_m_basic_consume_ok ok = {.consumer_tag = tag};
    return wr_conn_send(ch->conn, ch->id, WR_M_BASIC_CONSUME_OK, &ok) < 0 ? WR_EXC : 0;
}

void
wr_reply_channel_gone(struct wr_channel *ch)
{
    if (ch->reply_key == NULL)
        return;
    wr_hmap_del(wr_replies(ch), ch->reply_key, strlen(ch->reply_key));
    free(ch->reply_key);
    free(ch->reply_tag);
    ch->reply_key = ch->reply_tag = NULL;
}

bool
wr_reply_cancel(struct wr_channel *ch, struct wr_bytes tag)
{
    if (ch->reply_tag == NULL || !wr_bytes_eq_str(tag, ch->reply_tag))
        return false;
    wr_reply_channel_gone(ch);
    return true;
}

int
wr_reply_rewrite(struct wr_channel *ch, struct wr_msg **m)
{
    struct wr_props p;
    struct wr_msg *n;

    if (!((*m)->prop_flags & WR_P_REPLY_TO) ||
        wr_props_decode((*m)->props, (*m)->props_len, &p) < 0 || !(p.flags & WR_P_REPLY_TO) ||
        !wr_bytes_eq_str(p.reply_to, WR_REPLY_NAME))
        return 0;
    if (ch->reply_key == NULL)
        return wr_chan_fail(ch, WR_PRECONDITION_FAILED, "fast reply consumer does not exist");
    p.reply_to = wr_bytes_str(ch->reply_key);
    n = wr_msg_with_props(*m, &p, (*m)->exchange, (*m)->exchange_len,
                          (struct wr_bytes){(const uint8_t *)(*m)->rk, (*m)->rk_len});
    if (n == NULL)
        return wr_conn_fail(ch->conn, WR_INTERNAL_ERROR, "out of memory");
    *m = n; /* the caller drops this ref */
    return 1;
}

bool
wr_reply_route(struct wr_channel *ch, struct wr_msg *m)
{
    struct wr_channel *to;

    if (m->exchange_len != 0 || m->rk_len < sizeof(WR_REPLY_PREFIX) - 1 ||
        memcmp(m->rk, WR_REPLY_PREFIX, sizeof(WR_REPLY_PREFIX) - 1) != 0)
        return false;
    /* unknown or stale addresses drop silently, even with mandatory */
    to = wr_hmap_get(wr_replies(ch), m->rk, m->rk_len);
    if (to == NULL || to->state != WR_CH_OPEN)
        return true;
    struct wr_m_basic_deliver d = {
            .consumer_tag = wr_bytes_str(to->reply_tag),
            .delivery_tag = ++to->next_tag,
            .exchange = WR_BYTES_LIT(""),
            .routing_key = {(const uint8_t *)m->rk, m->rk_len},
    };
    wr_channel_write_delivery(to->conn, to->id, WR_M_BASIC_DELIVER, &d, m);
    wr_stat_add(WR_STAT_DELIVER_NO_ACK, 1);
    return true;
}

int
wr_reply_declare(struct wr_channel *ch, struct wr_bytes name)
{
    if (name.len < sizeof(WR_REPLY_PREFIX) - 1 ||
        memcmp(name.ptr, WR_REPLY_PREFIX, sizeof(WR_REPLY_PREFIX) - 1) != 0)
        return -1;
    return wr_hmap_get(wr_replies(ch), name.ptr, name.len) != NULL;
}
