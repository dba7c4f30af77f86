/* SPDX-License-Identifier: MPL-2.0 */
/* Method frames: decode through the generated tables, check the connection and channel state
 * every method shares, then call the handler for its class. */
#include "server/conn_internal.h"

#include "amqp/frame.h"
#include "amqp/method.h"
#include "server/broker.h"
#include "server/settings.h"
#include "server/user.h"

#include <stdalign.h>
#include <stdlib.h>

typedef int wr_class_handler(struct wr_channel *ch, uint32_t id, const void *m);

static const struct {
    uint16_t class_id;
    wr_class_handler *fn;
} wr_class_table[] = {
        {WR_CLASS_CHANNEL, wr_h_channel},    {WR_CLASS_EXCHANGE, wr_h_exchange},
        {WR_CLASS_QUEUE, wr_h_queue},        {WR_CLASS_BASIC, wr_h_basic},
        {WR_CLASS_CONFIRM, wr_h_confirm_tx}, {WR_CLASS_TX, wr_h_confirm_tx},
};

static const char *const wr_state_names[] = {"starting", "starting", "tuning", "opening",
                                             "running",  "closing",  "closed", "closed"};

static int
wr_decode_fail(struct wr_conn *c, int rc, const uint8_t *args, uint32_t len)
{
    char oct[128];

    if (rc == WR_EUTF8) {
        c->cur_method = 0; /* RabbitMQ reports this one as a frame-level error (0/0) */
        return wr_conn_fail(c, WR_FRAME_ERROR, "Malformed UTF-8 in shortstr");
    }
    wr_frame_render_octets(args, len > 16 ? 16 : len, oct, sizeof(oct));
    return wr_conn_fail(c, WR_FRAME_ERROR, "cannot decode %s", oct);
}

static int
wr_channel_open(struct wr_conn *c, uint16_t chan)
{
    const struct wr_config *cfg = wr_broker_config(c->broker);
    uint32_t max = c->channel_max ? c->channel_max : cfg->channel_max;
    struct wr_m_channel_open_ok ok = {0};

    /* RabbitMQ limits the count of open channels, not their numbers (C-20) */
    c->cur_method = 0;
    if (max != 0 && c->open_channels >= max)
        return wr_conn_fail(c, WR_NOT_ALLOWED,
                            "number of channels opened (%u) has reached the negotiated "
                            "channel_max (%u)",
                            c->open_channels, max);
    if (wr_user_max_channels(c->user) >= 0 &&
        wr_user_channels(c->user) >= (uint64_t)wr_user_max_channels(c->user))
        return wr_conn_fail(c, WR_NOT_ALLOWED,
                            "number of channels opened for user '%s' has reached the maximum "
                            "allowed user limit of (%lld)",
                            wr_user_name(c->user), (long long)wr_user_max_channels(c->user));
    wr_channel_new(c, chan);
    return wr_conn_send(c, chan, WR_M_CHANNEL_OPEN_OK, &ok) < 0 ? WR_EXC : 0;
}

/* A channel we closed ignores everything until close-ok (section 3). */
static int
wr_dispatch_closing(struct wr_conn *c, struct wr_channel *ch, uint32_t id)
{
    if (id == WR_M_CHANNEL_CLOSE) {
        struct wr_m_channel_close_ok ok = {0};
        wr_conn_send(c, ch->id, WR_M_CHANNEL_CLOSE_OK, &ok);
    } else if (id != WR_M_CHANNEL_CLOSE_OK) {
        return 0;
    }
    c->chans[ch->id] = NULL;
    wr_channel_free(ch);
    return 0;
}

static int
wr_dispatch_channel(struct wr_conn *c, uint16_t chan, uint32_t id, const void *m)
{
    struct wr_channel *ch = chan < c->nchans ? c->chans[chan] : NULL;
    uint16_t cls = (uint16_t)(id >> 16);

    if (ch == NULL) {
        if (id == WR_M_CHANNEL_OPEN)
            return wr_channel_open(c, chan);
        return wr_conn_fail(c, WR_CHANNEL_ERROR, "expected 'channel.open'");
    }
    if (ch->state == WR_CH_CLOSING)
        return wr_dispatch_closing(c, ch, id);
    if (ch->ct != WR_CT_IDLE) {
        c->cur_method = WR_M_BASIC_PUBLISH;
        if (ch->ct == WR_CT_HEADER)
            return wr_conn_fail(c, WR_UNEXPECTED_FRAME,
                                "expected content header for class 60, got non content header "
                                "frame instead");
        return wr_conn_fail(c, WR_UNEXPECTED_FRAME,
                            "expected content body, got non content body frame instead");
    }
    if (id == WR_M_CHANNEL_OPEN)
        return wr_conn_fail(c, WR_CHANNEL_ERROR, "second 'channel.open' seen");
    if (ch->committing && id != WR_M_CHANNEL_CLOSE)
        return wr_conn_fail(c, WR_CHANNEL_ERROR, "unexpected command while processing 'tx.commit'");
    if (cls == WR_CLASS_ACCESS && id == WR_M_ACCESS_REQUEST) {
        struct wr_m_access_request_ok ok = {.reserved_1 = 1};
        return wr_conn_send(c, chan, WR_M_ACCESS_REQUEST_OK, &ok) < 0 ? WR_EXC : 0;
    }
    for (size_t i = 0; i < sizeof(wr_class_table) / sizeof(wr_class_table[0]); i++) {
        if (wr_class_table[i].class_id == cls)
            return wr_class_table[i].fn(ch, id, m);
    }
    if (cls == WR_CLASS_CONNECTION)
        return wr_conn_fail(c, WR_CHANNEL_ERROR, "unexpected method in connection state %s",
                            wr_state_names[c->state]);
    return wr_conn_fail(c, WR_COMMAND_INVALID, "unimplemented method");
}

int
wr_dispatch_method(struct wr_conn *c, uint16_t chan, const uint8_t *p, uint32_t len)
{
    union {
        max_align_t align;
        uint8_t bytes[512];
    } m;
    const struct wr_method_desc *d;
    uint32_t id;
    int rc;

    c->cur_channel = chan;
    c->cur_method = 0;
    if (len < 4)
        return wr_decode_fail(c, WR_ESHORT, p, len);
    id = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    d = wr_method_lookup(id);
    if (d == NULL || d->size > sizeof(m))
        return wr_conn_fail(c, WR_COMMAND_INVALID, "unknown method %u/%u", id >> 16, id & 0xffff);
    c->cur_method = id;
    rc = wr_method_decode(id, p + 4, len - 4, &m);
    if (rc < 0)
        return wr_decode_fail(c, rc, p + 4, len - 4);
    if (c->state == WR_CS_CLOSING) {
        if (chan == 0 && (id == WR_M_CONNECTION_CLOSE_OK || id == WR_M_CONNECTION_CLOSE))
            return wr_h_connection(c, id, &m);
        return 0;
    }
    if (chan == 0 || c->state != WR_CS_RUNNING) {
        if (chan != 0 || (id >> 16) != WR_CLASS_CONNECTION)
            return wr_conn_fail(c, WR_CHANNEL_ERROR, "unexpected method in connection state %s",
                                wr_state_names[c->state]);
        return wr_h_connection(c, id, &m);
    }
    return wr_dispatch_channel(c, chan, id, &m);
}
