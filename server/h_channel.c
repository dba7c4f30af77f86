/* SPDX-License-Identifier: MPL-2.0 */
/* Channel class: flow and close (C-22, M-01). */
#include "server/conn_internal.h"

int
wr_h_channel(struct wr_channel *ch, uint32_t id, const void *m)
{
    struct wr_conn *c = ch->conn;

    switch (id) {
    case WR_M_CHANNEL_FLOW: {
        const struct wr_m_channel_flow *f = m;
        struct wr_m_channel_flow_ok ok = {.active = true};
        /* RabbitMQ refuses to stop deliveries this way */
        if (!f->active)
            return wr_conn_fail(c, WR_NOT_IMPLEMENTED, "active=false");
        return wr_conn_send(c, ch->id, WR_M_CHANNEL_FLOW_OK, &ok) < 0 ? WR_EXC : 0;
    }
    case WR_M_CHANNEL_CLOSE: {
        struct wr_m_channel_close_ok ok = {0};
        uint16_t n = ch->id;
        wr_channel_free(ch);
        return wr_conn_send(c, n, WR_M_CHANNEL_CLOSE_OK, &ok) < 0 ? WR_EXC : 0;
    }
    case WR_M_CHANNEL_CLOSE_OK:
        return 0; /* nothing was pending: ignore, as RabbitMQ does */
    default:
        return wr_conn_fail(c, WR_COMMAND_INVALID, "unimplemented method");
    }
}
