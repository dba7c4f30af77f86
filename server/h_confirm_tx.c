/* SPDX-License-Identifier: MPL-2.0 */
/* Confirm and tx classes: confirm.select, tx.select/commit/rollback. */
#include "server/conn_internal.h"

#include "server/broker.h"
#include "server/msg.h"
#include "server/persist.h"

#include <stdlib.h>

static int
wr_reply(struct wr_channel *ch, uint32_t id)
{
    struct wr_m_tx_select_ok ok = {0}; /* every reply here has no fields */

    return wr_conn_send(ch->conn, ch->id, id, &ok) < 0 ? WR_EXC : 0;
}

static void
wr_tx_apply(struct wr_channel *ch, struct wr_txop *op)
{
    if (op->method == WR_M_BASIC_PUBLISH) {
        wr_channel_route(ch, op->msg, op->mandatory);
        return;
    }
    /* a tag settled earlier in the same transaction is skipped: the error was raised at ack time */
    struct wr_exc saved = ch->conn->exc;
    wr_channel_settle(ch, op->tag, op->multiple, op->requeue, op->method == WR_M_BASIC_ACK);
    ch->conn->exc = saved;
}

static int
wr_tx_finish(struct wr_channel *ch, bool commit)
{
    struct wr_txop *op;

    if (!ch->tx)
        return wr_chan_fail(ch, WR_PRECONDITION_FAILED, "channel is not transactional");
    while ((op = STAILQ_FIRST(&ch->txops)) != NULL) {
        STAILQ_REMOVE_HEAD(&ch->txops, link);
        if (commit)
            wr_tx_apply(ch, op);
        if (op->msg)
            wr_msg_unref(op->msg);
        free(op);
    }
    /* commit-ok waits until persistent messages of the transaction are on disk */
    if (commit && ch->sync_upto != 0 && wr_broker_persist(ch->conn->broker) != NULL) {
        ch->committing = true;
        wr_persist_wait(wr_broker_persist(ch->conn->broker), ch, 0, true);
        return 0;
    }
    ch->sync_upto = 0;
    return wr_reply(ch, commit ? WR_M_TX_COMMIT_OK : WR_M_TX_ROLLBACK_OK);
}

int
wr_h_confirm_tx(struct wr_channel *ch, uint32_t id, const void *m)
{
    switch (id) {
    case WR_M_CONFIRM_SELECT:
        if (ch->tx)
            return wr_chan_fail(ch, WR_PRECONDITION_FAILED,
                                "cannot switch from tx to confirm mode");
        ch->confirm = true;
        if (((const struct wr_m_confirm_select *)m)->nowait)
            return 0;
        return wr_reply(ch, WR_M_CONFIRM_SELECT_OK);
    case WR_M_TX_SELECT:
        if (ch->confirm)
            return wr_chan_fail(ch, WR_PRECONDITION_FAILED,
                                "cannot switch from confirm to tx mode");
        ch->tx = true;
        return wr_reply(ch, WR_M_TX_SELECT_OK);
    case WR_M_TX_COMMIT:
        return wr_tx_finish(ch, true);
    case WR_M_TX_ROLLBACK:
        return wr_tx_finish(ch, false);
    default:
        return wr_conn_fail(ch->conn, WR_COMMAND_INVALID, "unimplemented method");
    }
}
