/* SPDX-License-Identifier: MPL-2.0 */
/* basic.* scenarios (M-11..M-18, P-03, P-09, R-07): consumer tags, get counts, acks,
 * requeue order and redelivered flags, deliver fields, requeue on connection loss. */
#include "config.h"

#include "compat/lib/client.h"
#include "compat/lib/suite.h"

#include <string.h>

/* Declares a fresh queue and publishes n messages "m1".."mN" (confirmed). */
static const char *
queue_with(conn_t c, const char *hint, int n)
{
    const char *q = sc_queue(hint);
    cl_queue(c, 1, q, 0, amqp_empty_table);
    cl_ok(c, sc_fmt("declare %s", q));
    cl_channel(c, 9);
    cl_confirm(c, 9);
    for (int i = 1; i <= n; i++)
        cl_publish_wait(c, 9, "", q, 0, NULL, sc_fmt("m%d", i));
    return q;
}

static struct got
get_one(conn_t c, const char *q, int no_ack)
{
    struct got g;
    CHECK(cl_get(c, 1, q, no_ack, &g), "basic.get %s: empty", q);
    return g;
}

static void
expect_get(conn_t c, const char *q, const char *body, int redelivered)
{
    struct got g = get_one(c, q, 1);
    CHECK_STR(g.body, body, "body");
    CHECK_INT(g.redelivered, redelivered, sc_fmt("redelivered flag of %s", body));
}

static void
m11_server_tag(void)
{
    conn_t c = cl_open();
    const char *q = queue_with(c, "ctag", 0);
    const char *tag = cl_consume(c, 1, q, NULL, 1, 0);
    CHECK(strncmp(tag, "amq.ctag-", 9) == 0 && strlen(tag) > 9,
          "server consumer tag '%s' lacks amq.ctag- prefix", tag);
    cl_close(c);
}

static void
m12_cancel_unknown(void)
{
    conn_t c = cl_open();
    amqp_basic_cancel_ok_t *ok = amqp_basic_cancel(c, 1, amqp_cstring_bytes("no-such-tag"));
    cl_ok(c, "basic.cancel of an unknown tag");
    CHECK_STR(sc_fmt("%.*s", (int)ok->consumer_tag.len, (char *)ok->consumer_tag.bytes),
              "no-such-tag", "cancel-ok consumer tag");
    cl_close(c);
}

static void
m13_publish_to_foreign_exclusive(void)
{
    conn_t a = cl_open(), b = cl_open();
    const char *q = sc_queue("fx");
    cl_queue(a, 1, q, CL_EXCLUSIVE, amqp_empty_table);
    cl_ok(a, "declare exclusive");
    cl_confirm(b, 1);
    cl_publish_wait(b, 1, "", q, 0, NULL, "from-b");
    CHECK_INT(cl_count(a, 1, q), 1, "messages in the exclusive queue");
    cl_close(b);
    cl_close(a);
}

static void
m14_get_counts(void)
{
    conn_t c = cl_open();
    const char *q = queue_with(c, "get", 3);
    for (int i = 1; i <= 3; i++) {
        struct got g = get_one(c, q, 0);
        CHECK_STR(g.body, sc_fmt("m%d", i), "body");
        CHECK_INT(g.remaining, 3 - i, "get-ok message_count");
        CHECK_INT(g.tag, i, "delivery tag");
    }
    struct got g;
    CHECK(!cl_get(c, 1, q, 0, &g), "expected get-empty on a drained queue");
    cl_close(c);
}

static void
m15_ack_all(void)
{
    conn_t c = cl_open();
    const char *q = queue_with(c, "ackall", 3);
    for (int i = 0; i < 3; i++)
        get_one(c, q, 0);
    CHECK(amqp_basic_ack(c, 1, 0, 1) == 0, "basic.ack send");
    amqp_channel_close(c, 1, AMQP_REPLY_SUCCESS);
    cl_ok(c, "channel.close");
    cl_channel(c, 1);
    CHECK_INT(cl_count(c, 1, q), 0, "messages left after ack(0, multiple)");
    cl_close(c);
}

static void
m16_requeue_position(void)
{
    conn_t c = cl_open();
    const char *q = queue_with(c, "rq", 5);
    uint64_t tag[4];
    for (int i = 1; i <= 3; i++)
        tag[i] = get_one(c, q, 0).tag;
    amqp_basic_nack(c, 1, tag[2], 0, 1);
    amqp_basic_reject(c, 1, tag[3], 1);
    amqp_basic_nack(c, 1, tag[1], 0, 1);
    static const int redelivered[] = {1, 1, 1, 0, 0};
    for (int i = 1; i <= 5; i++)
        expect_get(c, q, sc_fmt("m%d", i), redelivered[i - 1]);
    cl_close(c);
}

static void
m17_recover(void)
{
    conn_t c = cl_open();
    const char *q = queue_with(c, "rec", 3);
    get_one(c, q, 0);
    get_one(c, q, 0);
    amqp_basic_recover(c, 1, 1);
    cl_ok(c, "basic.recover requeue=true");
    expect_get(c, q, "m1", 1);
    expect_get(c, q, "m2", 1);
    expect_get(c, q, "m3", 0);
    cl_close(c);
}

static void
m18_deliver_fields(void)
{
    conn_t c = cl_open();
    const char *q = queue_with(c, "dlv", 0);
    cl_bind(c, 1, q, "amq.direct", "rk-1", amqp_empty_table);
    cl_publish_wait(c, 9, "amq.direct", "rk-1", 0, NULL, "hello");
    const char *tag = cl_consume(c, 1, q, "my-tag", 0, 0);
    struct got g;
    CHECK(cl_next(c, 5000, &g, NULL), "no delivery");
    CHECK_STR(tag, "my-tag", "consume-ok tag");
    CHECK_STR(g.exchange, "amq.direct", "deliver exchange");
    CHECK_STR(g.routing_key, "rk-1", "deliver routing key");
    CHECK_INT(g.tag, 1, "first delivery tag");
    CHECK_INT(g.redelivered, 0, "redelivered");
    CHECK_STR(g.body, "hello", "body");
    cl_close(c);
}

static void
p09_ack_auto_acked(void)
{
    conn_t c = cl_open();
    const char *q = queue_with(c, "noack", 1);
    struct got g = get_one(c, q, 1);
    amqp_basic_ack(c, 1, g.tag, 0);
    cl_await_ch_close(
            c, 1, 406,
            sc_fmt("PRECONDITION_FAILED - unknown delivery tag %llu", (unsigned long long)g.tag),
            60, 80);
    cl_close(c);
}

/* R-07 / P-03: unacked deliveries of a closed connection come back, flagged, in order. */
static void
r07_requeue_on_close(void)
{
    conn_t a = cl_open(), b = cl_open();
    const char *q = queue_with(a, "loss", 3);
    struct got g1 = get_one(b, q, 0), g2 = get_one(b, q, 0);
    CHECK(!g1.redelivered && !g2.redelivered, "first deliveries flagged redelivered");
    cl_close(b);
    expect_get(a, q, "m1", 1);
    expect_get(a, q, "m2", 1);
    expect_get(a, q, "m3", 0);
    cl_close(a);
}

const struct scenario sc_basic[] = {
        {"M-11", "basic", "", m11_server_tag, "empty consumer tag -> amq.ctag-*"},
        {"M-12", "basic", "", m12_cancel_unknown, "cancel unknown tag -> cancel-ok"},
        {"M-13", "basic", "", m13_publish_to_foreign_exclusive,
         "publish to other conn's exclusive queue"},
        {"M-14", "basic", "", m14_get_counts, "get-ok message_count, tags, get-empty"},
        {"M-15", "basic", "", m15_ack_all, "ack(0, multiple) acks everything"},
        {"M-16", "basic", "", m16_requeue_position, "requeue to original position, redelivered"},
        {"M-17", "basic", "", m17_recover, "recover(requeue) redelivers in order"},
        {"M-18", "basic", "", m18_deliver_fields, "deliver exchange/key/tag fields"},
        {"P-09", "basic", "", p09_ack_auto_acked, "ack of auto-acked tag 406"},
        {"R-07", "basic", "", r07_requeue_on_close, "unacked requeued on connection close"},
        {NULL, NULL, NULL, NULL, NULL},
};
