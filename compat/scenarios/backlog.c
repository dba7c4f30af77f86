/* SPDX-License-Identifier: MPL-2.0 */
/* Queues holding thousands of ready messages (more than a broker keeps in memory per queue):
 * order (P-02), requeue position (M-16), drop-head (L-01), purge and TTL (T-02) must hold for
 * a long queue as for a short one. Bodies are checked with rabbitmq-c directly, not through
 * the scenario arena, which is too small for thousands of them. */
#include "config.h"

#include "compat/lib/client.h"
#include "compat/lib/suite.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#define BACKLOG 5000

/* Publishes m<first>..m<last> on the confirm channel 2 and waits until the broker has
 * confirmed them all, so every one is in the queue before the scenario looks. *tags counts the
 * channel's publishes (its delivery tags). */
static void
publish_range(conn_t c, const char *q, int first, int last, const amqp_basic_properties_t *props,
              uint64_t *tags)
{
    char body[32];

    for (int i = first; i <= last; i++) {
        snprintf(body, sizeof(body), "m%d", i);
        CHECK(amqp_basic_publish(c, 2, amqp_empty_bytes, amqp_cstring_bytes(q), 0, 0, props,
                                 amqp_cstring_bytes(body)) == 0,
              "basic.publish m%d", i);
    }
    *tags += (uint64_t)(last - first + 1);
    for (;;) {
        amqp_frame_t f;
        struct timeval tv = {10, 0};
        CHECK(amqp_simple_wait_frame_noblock(c, &f, &tv) == AMQP_STATUS_OK &&
                      f.frame_type == AMQP_FRAME_METHOD,
              "waiting for confirms");
        CHECK(f.payload.method.id == AMQP_BASIC_ACK_METHOD, "publish nacked or closed (0x%08x)",
              f.payload.method.id);
        if (((amqp_basic_ack_t *)f.payload.method.decoded)->delivery_tag >= *tags)
            return;
    }
}

/* A queue holding m1..m<n>. */
static const char *
backlog_queue(conn_t c, const char *hint, amqp_table_t args, int n, uint64_t *tags)
{
    const char *q = cl_new_queue(c, hint, 0, args);

    publish_range(c, q, 1, n, NULL, tags);
    CHECK_INT(cl_count(c, 1, q), n, "messages queued");
    return q;
}

/* Consumes n messages (no-ack) and checks they are m<first>.. in order, the first nredelivered
 * of them redelivered; then cancels. */
static void
expect_run(conn_t c, const char *q, int first, int n, int nredelivered)
{
    amqp_basic_consume_ok_t *ok = amqp_basic_consume(c, 1, amqp_cstring_bytes(q), amqp_empty_bytes,
                                                     0, 1, 0, amqp_empty_table);
    char want[32], tag[256];

    cl_ok(c, "basic.consume");
    /* the reply lives in buffers the loop below releases */
    snprintf(tag, sizeof(tag), "%.*s", (int)ok->consumer_tag.len,
             (const char *)ok->consumer_tag.bytes);
    for (int i = 0; i < n; i++) {
        amqp_envelope_t env;
        struct timeval tv = {5, 0};
        amqp_rpc_reply_t r;

        amqp_maybe_release_buffers(c);
        r = amqp_consume_message(c, &env, &tv, 0);
        CHECK(r.reply_type == AMQP_RESPONSE_NORMAL, "delivery %d of %d did not come", i + 1, n);
        snprintf(want, sizeof(want), "m%d", first + i);
        CHECK(env.message.body.len == strlen(want) &&
                      memcmp(env.message.body.bytes, want, strlen(want)) == 0,
              "delivery %d: body %.*s, want %s", i + 1, (int)env.message.body.len,
              (const char *)env.message.body.bytes, want);
        CHECK_INT(env.redelivered, i < nredelivered, "redelivered flag");
        amqp_destroy_envelope(&env);
    }
    amqp_basic_cancel(c, 1, amqp_cstring_bytes(tag));
    cl_ok(c, "basic.cancel");
}

/* P-02: FIFO through the whole backlog. */
static void
p02_backlog_order(void)
{
    conn_t c = cl_open_confirming();
    uint64_t tags = 0;
    const char *q = backlog_queue(c, "order", amqp_empty_table, BACKLOG, &tags);

    expect_run(c, q, 1, BACKLOG, 0);
    CHECK_INT(cl_count(c, 1, q), 0, "messages left");
    cl_close(c);
}

/* M-16: requeued heads go back before the rest of a long queue, not after it. */
static void
m16_backlog_requeue(void)
{
    conn_t c = cl_open_confirming();
    uint64_t tags = 0;
    const char *q = backlog_queue(c, "requeue", amqp_empty_table, BACKLOG, &tags);
    uint64_t last = 0;

    for (int i = 0; i < 3; i++) {
        amqp_rpc_reply_t r = amqp_basic_get(c, 1, amqp_cstring_bytes(q), 0);
        amqp_message_t msg;
        CHECK(r.reply_type == AMQP_RESPONSE_NORMAL && r.reply.id == AMQP_BASIC_GET_OK_METHOD,
              "basic.get %d", i + 1);
        last = ((amqp_basic_get_ok_t *)r.reply.decoded)->delivery_tag;
        CHECK(amqp_read_message(c, 1, &msg, 0).reply_type == AMQP_RESPONSE_NORMAL, "get body");
        amqp_destroy_message(&msg);
    }
    CHECK(amqp_basic_nack(c, 1, last, 1, 1) == 0, "basic.nack multiple requeue");
    expect_run(c, q, 1, BACKLOG, 3);
    cl_close(c);
}

/* L-01: drop-head keeps the newest max-length messages of a long stream of publishes. */
static void
l01_backlog_drop_head(void)
{
    conn_t c = cl_open_confirming();
    const char *q = cl_new_queue(c, "len", 0, cl_table1("x-max-length", cl_int(2000)));
    uint64_t tags = 0;

    publish_range(c, q, 1, BACKLOG, NULL, &tags);
    CHECK_INT(cl_count(c, 1, q), 2000, "messages kept");
    expect_run(c, q, BACKLOG - 2000 + 1, 2000, 0);
    cl_close(c);
}

/* queue.purge counts and removes every ready message; the queue works on afterwards. */
static void
purge_backlog(void)
{
    conn_t c = cl_open_confirming();
    uint64_t tags = 0;
    const char *q = backlog_queue(c, "purge", amqp_empty_table, BACKLOG, &tags);
    amqp_queue_purge_ok_t *ok = amqp_queue_purge(c, 1, amqp_cstring_bytes(q));

    cl_ok(c, "queue.purge");
    CHECK_INT(ok->message_count, BACKLOG, "purge-ok message_count");
    CHECK_INT(cl_count(c, 1, q), 0, "messages after purge");
    publish_range(c, q, 1, 2, NULL, &tags);
    expect_run(c, q, 1, 2, 0);
    cl_close(c);
}

/* T-02: with a queue TTL every message of the backlog expires, the last ones too. */
static void
t02_backlog_expires(void)
{
    conn_t c = cl_open_confirming();
    const char *q = cl_new_queue(c, "ttl", 0, cl_table1("x-message-ttl", cl_int(300)));
    uint64_t tags = 0;

    publish_range(c, q, 1, BACKLOG, NULL, &tags);
    CHECK(cl_await_count(c, 1, q, 0, 10000), "backlog did not expire");
    cl_close(c);
}

/* PR-01: a long priority queue gives the higher level first, each level in publish order. */
static void
pr01_backlog_priority(void)
{
    conn_t c = cl_open_confirming();
    const char *q = cl_new_queue(c, "prio", 0, cl_table1("x-max-priority", cl_int(5)));
    amqp_basic_properties_t hi = {._flags = AMQP_BASIC_PRIORITY_FLAG, .priority = 5};
    amqp_basic_properties_t lo = {._flags = AMQP_BASIC_PRIORITY_FLAG, .priority = 0};
    uint64_t tags = 0;

    publish_range(c, q, 1, BACKLOG / 2, &lo, &tags);
    publish_range(c, q, BACKLOG / 2 + 1, BACKLOG, &hi, &tags);
    CHECK_INT(cl_count(c, 1, q), BACKLOG, "messages queued");
    expect_run(c, q, BACKLOG / 2 + 1, BACKLOG / 2, 0);
    expect_run(c, q, 1, BACKLOG / 2, 0);
    cl_close(c);
}

const struct scenario sc_backlog[] = {
        {"P-02", "backlog", "", p02_backlog_order, "FIFO through a 5000-message backlog"},
        {"M-16", "backlog", "", m16_backlog_requeue, "requeued heads before a long backlog"},
        {"L-01", "backlog", "", l01_backlog_drop_head, "drop-head over a long publish stream"},
        {"M-08", "backlog", "", purge_backlog, "purge of a 5000-message backlog"},
        {"T-02", "backlog", "", t02_backlog_expires, "queue TTL expires a whole backlog"},
        {"PR-01", "backlog", "", pr01_backlog_priority, "priority levels over a long backlog"},
        {NULL, NULL, NULL, NULL, NULL},
};
