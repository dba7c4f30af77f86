/* SPDX-License-Identifier: MPL-2.0 */
/* Publisher confirms and transactions. */
#include "config.h"

#include "compat/lib/client.h"
#include "compat/lib/suite.h"

#include <sys/time.h>

/* Waits for the next method frame, which must be basic.ack/nack/return as allowed. */
static amqp_frame_t
next_method(conn_t c)
{
    amqp_frame_t f;
    for (;;) {
        struct timeval tv = {5, 0};
        int rc = amqp_simple_wait_frame_noblock(c, &f, &tv);
        CHECK(rc == AMQP_STATUS_OK, "waiting for confirms: %s", amqp_error_string2(rc));
        if (f.frame_type == AMQP_FRAME_METHOD)
            return f;
    }
}

static void
r01_confirm_sequence(void)
{
    conn_t c = cl_open();
    const char *q = sc_queue("conf");
    cl_queue(c, 1, q, 0, amqp_empty_table);
    cl_ok(c, "declare");
    cl_confirm(c, 1);
    for (int i = 0; i < 7; i++)
        cl_publish(c, 1, "", i < 5 ? q : sc_unique("nowhere"), "m");
    /* Acks may arrive out of order: unroutable publishes are confirmed at once while
     * routed ones wait for their queue. Each tag must be covered exactly once. */
    int acked[8] = {0}, left = 7;
    while (left > 0) {
        amqp_frame_t f = next_method(c);
        CHECK(f.payload.method.id == AMQP_BASIC_ACK_METHOD, "expected basic.ack, got 0x%08x",
              f.payload.method.id);
        amqp_basic_ack_t *a = f.payload.method.decoded;
        CHECK(a->delivery_tag >= 1 && a->delivery_tag <= 7, "ack tag %llu out of range",
              (unsigned long long)a->delivery_tag);
        CHECK(a->multiple || !acked[a->delivery_tag], "tag %llu acked twice",
              (unsigned long long)a->delivery_tag);
        for (uint64_t t = a->multiple ? 1 : a->delivery_tag; t <= a->delivery_tag; t++)
            if (!acked[t]) {
                acked[t] = 1;
                left--;
            }
    }
    CHECK_INT(cl_count(c, 1, q), 5, "routed messages");
    cl_close(c);
}

/* R-01 / M-13: for an unroutable mandatory publish the return precedes the confirm. */
static void
r01_return_before_ack(void)
{
    conn_t c = cl_open();
    amqp_message_t msg;
    cl_confirm(c, 1);
    cl_publish_props(c, 1, "amq.direct", sc_unique("nowhere"), 1, NULL, "m");
    amqp_frame_t f = next_method(c);
    CHECK(f.payload.method.id == AMQP_BASIC_RETURN_METHOD,
          "expected basic.return before the ack, got 0x%08x", f.payload.method.id);
    amqp_rpc_reply_t r = amqp_read_message(c, 1, &msg, 0);
    CHECK(r.reply_type == AMQP_RESPONSE_NORMAL, "reading returned content");
    amqp_destroy_message(&msg);
    f = next_method(c);
    CHECK(f.payload.method.id == AMQP_BASIC_ACK_METHOD, "expected basic.ack, got 0x%08x",
          f.payload.method.id);
    CHECK_INT(((amqp_basic_ack_t *)f.payload.method.decoded)->delivery_tag, 1, "ack tag");
    cl_close(c);
}

static void
r03_exclusive_modes(void)
{
    conn_t c = cl_open();
    amqp_confirm_select(c, 1);
    cl_ok(c, "confirm.select");
    amqp_tx_select(c, 1);
    cl_expect_ch_close(c, 1, 406, "PRECONDITION_FAILED - cannot switch from confirm to tx mode", 90,
                       10);
    cl_close(c);
}

static void
tx(conn_t c, int commit)
{
    if (commit)
        amqp_tx_commit(c, 1);
    else
        amqp_tx_rollback(c, 1);
    cl_ok(c, commit ? "tx.commit" : "tx.rollback");
}

static void
r05_tx_publish(void)
{
    conn_t c = cl_open();
    const char *q = sc_queue("tx");
    cl_queue(c, 1, q, 0, amqp_empty_table);
    cl_ok(c, "declare");
    amqp_tx_select(c, 1);
    cl_ok(c, "tx.select");
    cl_publish(c, 1, "", q, "rolled-back");
    CHECK_INT(cl_count(c, 1, q), 0, "uncommitted publish visible");
    tx(c, 0);
    CHECK_INT(cl_count(c, 1, q), 0, "messages after rollback");
    cl_publish(c, 1, "", q, "committed");
    tx(c, 1);
    CHECK_INT(cl_count(c, 1, q), 1, "messages after commit");
    cl_close(c);
}

/* a rolled-back ack leaves the message unacked (requeued only when the channel closes). */
static void
r05_tx_ack(void)
{
    conn_t c = cl_open();
    const char *q = sc_queue("txack");
    struct got g;
    cl_queue(c, 1, q, 0, amqp_empty_table);
    cl_ok(c, "declare");
    cl_publish(c, 1, "", q, "m");
    amqp_tx_select(c, 1);
    cl_ok(c, "tx.select");
    CHECK(cl_get(c, 1, q, 0, &g), "get");
    amqp_basic_ack(c, 1, g.tag, 0);
    tx(c, 0);
    amqp_channel_close(c, 1, AMQP_REPLY_SUCCESS);
    cl_ok(c, "channel.close");
    cl_channel(c, 1);
    CHECK_INT(cl_count(c, 1, q), 1, "message requeued after rolled-back ack");
    amqp_tx_select(c, 1);
    cl_ok(c, "tx.select");
    CHECK(cl_get(c, 1, q, 0, &g), "get");
    amqp_basic_ack(c, 1, g.tag, 0);
    tx(c, 1);
    amqp_channel_close(c, 1, AMQP_REPLY_SUCCESS);
    cl_ok(c, "channel.close");
    cl_channel(c, 1);
    CHECK_INT(cl_count(c, 1, q), 0, "messages after committed ack");
    cl_close(c);
}

const struct scenario sc_confirm_tx[] = {
        {"R-01", "confirm", "", r01_confirm_sequence, "confirms numbered from 1, all acked"},
        {"R-01", "confirm", "", r01_return_before_ack, "basic.return precedes the ack"},
        {"R-03", "confirm", "", r03_exclusive_modes, "confirm then tx.select 406"},
        {"R-05", "tx", "", r05_tx_publish, "tx publish rollback/commit"},
        {"R-05", "tx", "", r05_tx_ack, "tx ack rollback/commit"},
        {NULL, NULL, NULL, NULL, NULL},
};
