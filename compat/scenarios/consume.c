/* SPDX-License-Identifier: MPL-2.0 */
/* Consumer scenarios (P-01, P-02, P-03, P-06, P-07): RabbitMQ's basic.qos semantics,
 * round-robin, redelivered flags, exclusive consumers and server-sent basic.cancel. */
#include "config.h"

#include "compat/lib/client.h"
#include "compat/lib/suite.h"
#include "compat/lib/wire.h"

#include <string.h>

/* Deliveries stop arriving for this long before we call a prefetch limit reached. */
#define QUIET_MS 300

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
    amqp_channel_close(c, 9, AMQP_REPLY_SUCCESS);
    cl_ok(c, "channel.close");
    return q;
}

/* Counts deliveries from q1 and q2 until the connection goes quiet. */
static void
count_until_quiet(conn_t c, const char *q1, const char *q2, int *n1, int *n2)
{
    struct got g;
    *n1 = *n2 = 0;
    while (cl_next(c, QUIET_MS, &g, NULL)) {
        if (strcmp(g.routing_key, q1) == 0)
            (*n1)++;
        else if (q2 && strcmp(g.routing_key, q2) == 0)
            (*n2)++;
        else
            sc_fail("delivery from unexpected queue %s", g.routing_key);
    }
}

static void
p01_per_consumer(void)
{
    conn_t c = cl_open();
    const char *q1 = queue_with(c, "pc1", 3), *q2 = queue_with(c, "pc2", 3);
    int n1, n2;
    amqp_basic_qos(c, 1, 0, 1, 0);
    cl_ok(c, "basic.qos 1 global=false");
    cl_consume(c, 1, q1, NULL, 0, 0);
    cl_consume(c, 1, q2, NULL, 0, 0);
    count_until_quiet(c, q1, q2, &n1, &n2);
    CHECK(n1 == 1 && n2 == 1, "global=false prefetch 1: got %d+%d deliveries, want 1+1", n1, n2);
    cl_close(c);
}

static void
p01_global(void)
{
    conn_t c = cl_open();
    const char *q1 = queue_with(c, "g1", 3), *q2 = queue_with(c, "g2", 3);
    int n1, n2;
    amqp_basic_qos(c, 1, 0, 2, 1);
    cl_ok(c, "basic.qos 2 global=true");
    cl_consume(c, 1, q1, NULL, 0, 0);
    cl_consume(c, 1, q2, NULL, 0, 0);
    count_until_quiet(c, q1, q2, &n1, &n2);
    CHECK(n1 + n2 == 2, "global=true prefetch 2: got %d+%d deliveries, want 2 in total", n1, n2);
    cl_close(c);
}

/* P-01: a per-consumer limit binds only consumers created after the qos call. */
static void
p01_earlier_consumer(void)
{
    conn_t c = cl_open();
    const char *q1 = queue_with(c, "early", 3);
    int n1, n2;
    cl_consume(c, 1, q1, NULL, 0, 0);
    amqp_basic_qos(c, 1, 0, 1, 0);
    cl_ok(c, "basic.qos 1 global=false");
    count_until_quiet(c, q1, NULL, &n1, &n2);
    CHECK_INT(n1, 3, "deliveries to a consumer created before basic.qos");
    cl_close(c);
}

static void
p02_round_robin(void)
{
    conn_t c = cl_open(), pub = cl_open();
    const char *q = queue_with(c, "rr", 0);
    cl_channel(c, 2);
    cl_consume(c, 1, q, NULL, 1, 0);
    cl_consume(c, 2, q, NULL, 1, 0);
    cl_confirm(pub, 1);
    for (int i = 1; i <= 4; i++)
        cl_publish_wait(pub, 1, "", q, 0, NULL, sc_fmt("m%d", i));
    amqp_channel_t ch[4];
    struct got g;
    for (int i = 0; i < 4; i++) {
        CHECK(cl_next(c, 5000, &g, &ch[i]), "delivery %d missing", i + 1);
        CHECK_STR(g.body, sc_fmt("m%d", i + 1), "FIFO order");
    }
    CHECK(ch[0] != ch[1] && ch[0] == ch[2] && ch[1] == ch[3],
          "deliveries not alternating between consumers: channels %u,%u,%u,%u", ch[0], ch[1], ch[2],
          ch[3]);
    cl_close(pub);
    cl_close(c);
}

static void
p03_redelivered_after_channel_close(void)
{
    conn_t c = cl_open();
    const char *q = queue_with(c, "redeliv", 1);
    struct got g;
    cl_channel(c, 2);
    cl_consume(c, 2, q, NULL, 0, 0);
    CHECK(cl_next(c, 5000, &g, NULL), "no first delivery");
    CHECK_INT(g.redelivered, 0, "redelivered on first delivery");
    amqp_channel_close(c, 2, AMQP_REPLY_SUCCESS);
    cl_ok(c, "channel.close with an unacked delivery");
    cl_consume(c, 1, q, NULL, 1, 0);
    CHECK(cl_next(c, 5000, &g, NULL), "no redelivery");
    CHECK_INT(g.redelivered, 1, "redelivered after requeue");
    CHECK_STR(g.body, "m1", "body");
    cl_close(c);
}

static void
p06_exclusive_consumer(void)
{
    conn_t c = cl_open();
    const char *q = queue_with(c, "xc", 0);
    cl_channel(c, 2);
    cl_consume(c, 1, q, NULL, 1, 1);
    amqp_basic_consume(c, 2, amqp_cstring_bytes(q), amqp_empty_bytes, 0, 1, 0, amqp_empty_table);
    cl_expect_ch_close(c, 2, 403,
                       sc_fmt("ACCESS_REFUSED - queue '%s' in vhost '/' in exclusive use", q), 60,
                       20);
    cl_close(c);
}

static void
raw_consume(struct wire *w, const char *q, const char *tag)
{
    struct frame f;
    struct buf b = {0};
    buf_u16(&b, 0);
    buf_shortstr(&b, q);
    buf_shortstr(&b, tag);
    buf_u8(&b, 0);
    buf_u32(&b, 0);
    wire_send_method(w, 1, 60, 20, &b);
    buf_free(&b);
    wire_expect(w, &f, 1, 60, 21);
    CHECK_STR(rd_shortstr(&f.args), tag, "consume-ok tag");
}

/* P-07: deleting a queue from another connection cancels its consumers, and a client that
 * advertised consumer_cancel_notify is told so with a server-sent basic.cancel. */
static void
p07_cancel_notify(void)
{
    struct wire w;
    struct frame f;
    const char *q = sc_queue("cancelled");
    wire_open(&w, 1);
    wire_queue_declare(&w, 1, q, 0);
    wire_expect(&w, &f, 1, 50, 11);
    raw_consume(&w, q, "watcher");
    conn_t c = cl_open();
    amqp_queue_delete(c, 1, amqp_cstring_bytes(q), 0, 0);
    cl_ok(c, "queue.delete from another connection");
    wire_expect(&w, &f, 1, 60, 30);
    CHECK_STR(rd_shortstr(&f.args), "watcher", "basic.cancel consumer tag");
    CHECK_INT(rd_u8(&f.args) & 1, 1, "basic.cancel nowait bit");
    cl_close(c);
    wire_close(&w);
}

const struct scenario sc_consume[] = {
        {"P-01", "consume", "", p01_per_consumer, "qos global=false limits each consumer"},
        {"P-01", "consume", "", p01_global, "qos global=true shared by the channel"},
        {"P-01", "consume", "", p01_earlier_consumer, "qos does not bind earlier consumers"},
        {"P-02", "consume", "", p02_round_robin, "round-robin between consumers, FIFO"},
        {"P-03", "consume", "", p03_redelivered_after_channel_close, "redelivered after requeue"},
        {"P-06", "consume", "", p06_exclusive_consumer, "exclusive consumer blocks others 403"},
        {"P-07", "consume", "", p07_cancel_notify, "basic.cancel when queue deleted elsewhere"},
        {NULL, NULL, NULL, NULL, NULL},
};
