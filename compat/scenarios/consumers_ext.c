/* SPDX-License-Identifier: MPL-2.0 */
/* Consumer feature scenarios (P-04, P-05, P-06, P-07, M-11): consumer priorities,
 * single active consumer hand-over, exclusive consumer release and consume arguments. */
#include "config.h"

#include "compat/lib/client.h"
#include "compat/lib/suite.h"

#include <string.h>

/* Deliveries stop arriving for this long before we conclude none are pending. */
#define QUIET_MS 300

static void
publish_n(const char *q, int from, int to)
{
    conn_t p = cl_open();
    cl_confirm(p, 1);
    for (int i = from; i <= to; i++)
        cl_publish_wait(p, 1, "", q, 0, NULL, sc_fmt("m%d", i));
    cl_close(p);
}

/* Collects deliveries until quiet: bodies per channel 1 and 2, joined by ','. */
static void
collect(conn_t c, const char **on1, const char **on2, uint64_t *last1, uint64_t *last2)
{
    struct got g;
    amqp_channel_t ch;
    *on1 = *on2 = "";
    while (cl_next(c, QUIET_MS, &g, &ch)) {
        const char **dst = ch == 1 ? on1 : on2;
        *dst = sc_fmt("%s%s%s", *dst, **dst ? "," : "", g.body);
        if (ch == 1 && last1)
            *last1 = g.tag;
        if (ch == 2 && last2)
            *last2 = g.tag;
    }
}

/* P-04: the higher-priority consumer gets messages while it has prefetch capacity; the
 * lower one only when it is full. The low one registers first so round-robin would differ. */
static void
p04_consumer_priority(void)
{
    conn_t c = cl_open();
    const char *q = cl_new_queue(c, "cp", 0, amqp_empty_table);
    const char *lo, *hi;
    uint64_t last_hi = 0;
    cl_channel(c, 2);
    cl_qos(c, 1, 2, 0);
    cl_qos(c, 2, 2, 0);
    cl_consume_args(c, 1, q, "lo", 0, 0, cl_table1("x-priority", cl_int(1)));
    cl_consume_args(c, 2, q, "hi", 0, 0, cl_table1("x-priority", cl_int(10)));
    publish_n(q, 1, 6);
    collect(c, &lo, &hi, NULL, &last_hi);
    CHECK_STR(hi, "m1,m2", "high-priority consumer");
    CHECK_STR(lo, "m3,m4", "low-priority consumer");
    amqp_basic_ack(c, 2, last_hi, 1);
    collect(c, &lo, &hi, NULL, NULL);
    CHECK_STR(hi, "m5,m6", "high-priority consumer after acking");
    CHECK_STR(lo, "", "low-priority consumer after the high one acked");
    cl_close(c);
}

/* P-04 / M-11: x-priority must be an integer. */
static void
p04_priority_type(void)
{
    conn_t c = cl_open();
    const char *q = cl_new_queue(c, "cp", 0, amqp_empty_table);
    amqp_basic_consume(c, 1, amqp_cstring_bytes(q), amqp_empty_bytes, 0, 1, 0,
                       cl_table1("x-priority", cl_str("high")));
    cl_expect_ch_close(c, 1, 406,
                       sc_fmt("PRECONDITION_FAILED - invalid arg 'x-priority' for queue '%s' in "
                              "vhost '/': \"expected integer, got longstr\"",
                              q),
                       60, 20);
    cl_close(c);
}

/* Single-active-consumer queue with consumers on two connections; publishes m1..m3. */
static const char *
sac_setup(conn_t c, conn_t a, conn_t b, const char **tag_a)
{
    const char *q = cl_new_queue(c, "sac", 0, cl_table1("x-single-active-consumer", cl_bool(1)));
    *tag_a = cl_consume(a, 1, q, "first", 0, 0);
    cl_consume(b, 1, q, "second", 0, 0);
    amqp_queue_declare_ok_t *ok = cl_queue(c, 1, q, CL_PASSIVE, amqp_empty_table);
    cl_ok(c, "passive declare");
    CHECK_INT(ok->consumer_count, 2, "consumer_count counts the idle consumer");
    publish_n(q, 1, 3);
    struct got g;
    for (int i = 1; i <= 3; i++) {
        CHECK(cl_next(a, 3000, &g, NULL), "active consumer: delivery %d missing", i);
        CHECK_STR(g.body, sc_fmt("m%d", i), "active consumer order");
    }
    CHECK(!cl_next(b, QUIET_MS, &g, NULL), "idle consumer received \"%s\"", g.body);
    return q;
}

static void
expect_redelivered_all(conn_t b)
{
    struct got g;
    for (int i = 1; i <= 3; i++) {
        CHECK(cl_next(b, 3000, &g, NULL), "next consumer: delivery %d missing", i);
        CHECK_STR(g.body, sc_fmt("m%d", i), "hand-over order");
        CHECK_INT(g.redelivered, 1, "redelivered after hand-over");
        CHECK_STR(g.consumer_tag, "second", "consumer tag");
    }
}

/* P-05: when the active consumer's channel closes, its unacked messages are requeued and
 * the next consumer becomes active and receives them redelivered. */
static void
p05_sac_close(void)
{
    conn_t c = cl_open(), a = cl_open(), b = cl_open();
    const char *tag_a;
    sac_setup(c, a, b, &tag_a);
    amqp_channel_close(a, 1, AMQP_REPLY_SUCCESS);
    cl_ok(a, "channel.close of the active consumer");
    expect_redelivered_all(b);
    cl_close(a);
    cl_close(b);
    cl_close(c);
}

/* P-05 / M-12: cancelling the active consumer hands over to the next one, but its unacked
 * deliveries stay with its channel until that channel closes. */
static void
p05_sac_cancel(void)
{
    conn_t c = cl_open(), a = cl_open(), b = cl_open();
    const char *tag_a;
    const char *q = sac_setup(c, a, b, &tag_a);
    amqp_basic_cancel(a, 1, amqp_cstring_bytes(tag_a));
    cl_ok(a, "basic.cancel of the active consumer");
    struct got g;
    publish_n(q, 4, 4);
    CHECK(cl_next(b, 3000, &g, NULL), "new active consumer got nothing");
    CHECK_STR(g.body, "m4", "new active consumer's first delivery");
    CHECK_INT(g.redelivered, 0, "redelivered");
    amqp_channel_close(a, 1, AMQP_REPLY_SUCCESS);
    cl_ok(a, "channel.close");
    expect_redelivered_all(b);
    cl_close(a);
    cl_close(b);
    cl_close(c);
}

/* P-05: basic.get still works on a classic single-active-consumer queue. */
static void
p05_sac_get(void)
{
    conn_t c = cl_open();
    const char *q = cl_new_queue(c, "sac", 0, cl_table1("x-single-active-consumer", cl_bool(1)));
    publish_n(q, 1, 1);
    cl_get_expect(c, 1, q, 1, "m1");
    cl_close(c);
}

/* P-06: once the exclusive consumer cancels, others may consume. */
static void
p06_exclusive_released(void)
{
    conn_t c = cl_open(), other = cl_open();
    const char *q = cl_new_queue(c, "xc", 0, amqp_empty_table);
    const char *tag = cl_consume(c, 1, q, NULL, 1, 1);
    amqp_basic_consume(other, 1, amqp_cstring_bytes(q), amqp_empty_bytes, 0, 1, 0,
                       amqp_empty_table);
    cl_expect_ch_close(other, 1, 403,
                       sc_fmt("ACCESS_REFUSED - queue '%s' in vhost '/' in exclusive use", q), 60,
                       20);
    amqp_basic_cancel(c, 1, amqp_cstring_bytes(tag));
    cl_ok(c, "basic.cancel");
    cl_channel(other, 1);
    cl_consume(other, 1, q, NULL, 1, 0);
    cl_close(other);
    cl_close(c);
}

/* P-07 / M-11: x-cancel-on-ha-failover is accepted (single node: no effect). */
static void
p07_cancel_on_ha_failover(void)
{
    conn_t c = cl_open();
    const char *q = cl_new_queue(c, "ha", 0, amqp_empty_table);
    cl_consume_args(c, 1, q, "ha", 1, 0, cl_table1("x-cancel-on-ha-failover", cl_bool(1)));
    publish_n(q, 1, 1);
    struct got g;
    CHECK(cl_next(c, 3000, &g, NULL), "no delivery to the consumer");
    CHECK_STR(g.body, "m1", "body");
    cl_close(c);
}

const struct scenario sc_consumers_ext[] = {
        {"P-04", "consumers", "", p04_consumer_priority,
         "x-priority: hi 2, lo 2 of 6 (prefetch 2)"},
        {"P-04", "consumers", "", p04_priority_type, "x-priority not an integer 406"},
        {"P-05", "consumers", "", p05_sac_close, "SAC: close hands over, redelivered"},
        {"P-05", "consumers", "", p05_sac_cancel, "SAC: cancel hands over, unacked stay"},
        {"P-05", "consumers", "", p05_sac_get, "SAC: basic.get works"},
        {"P-06", "consumers", "", p06_exclusive_released, "exclusive consumer cancel releases"},
        {"P-07", "consumers", "", p07_cancel_on_ha_failover, "x-cancel-on-ha-failover accepted"},
        {NULL, NULL, NULL, NULL, NULL},
};
