/* SPDX-License-Identifier: MPL-2.0 */
/* Queue length limit scenarios (L-01, L-02): x-max-length and x-max-length-bytes on ready
 * messages, x-overflow drop-head / reject-publish / reject-publish-dlx, publisher nacks
 * and dead-lettering with reason maxlen. */
#include "config.h"

#include "compat/lib/client.h"
#include "compat/lib/suite.h"

#include <string.h>

static const char *
limited(conn_t c, const char *hint, amqp_table_t args)
{
    return cl_new_queue(c, hint, 0, args);
}

/* A fanout DLX with one bound queue; returns the exchange, *dlq gets the queue. */
static const char *
dead_letter_sink(conn_t c, const char **dlq)
{
    const char *dlx = cl_new_exchange(c, "dlx", "fanout", 0, amqp_empty_table);
    *dlq = cl_new_queue(c, "dlq", 0, amqp_empty_table);
    cl_bind(c, 1, *dlq, dlx, "", amqp_empty_table);
    return dlx;
}

/* Gets everything from q (dead-lettering is asynchronous: waits for want messages first). */
static const char *
drain_when(conn_t c, const char *q, uint32_t want)
{
    CHECK(cl_await_count(c, 1, q, want, 3000), "%s: %u messages did not arrive", q, want);
    return cl_drain(c, 1, q);
}

/* L-01: drop-head keeps the newest max-length messages. */
static void
l01_drop_head(void)
{
    conn_t c = cl_open_confirming();
    const char *q = limited(c, "len", cl_table1("x-max-length", cl_int(2)));
    for (int i = 1; i <= 4; i++)
        cl_publish_wait(c, 2, "", q, 0, NULL, sc_fmt("m%d", i));
    CHECK_STR(cl_drain(c, 1, q), "m3,m4", "kept messages");
    cl_close(c);
}

/* L-01 / D-01: dropped heads are dead-lettered with reason maxlen, in order. */
static void
l01_drop_head_dead_letters(void)
{
    conn_t c = cl_open_confirming();
    const char *dlq, *dlx = dead_letter_sink(c, &dlq);
    const char *q = limited(
            c, "len", cl_table2("x-max-length", cl_int(2), "x-dead-letter-exchange", cl_str(dlx)));
    for (int i = 1; i <= 4; i++)
        cl_publish_wait(c, 2, "", q, 0, NULL, sc_fmt("m%d", i));
    CHECK(cl_await_count(c, 1, dlq, 2, 3000), "dropped heads not dead-lettered");
    struct got g;
    CHECK(cl_get(c, 1, dlq, 1, &g), "dead letter missing");
    CHECK_STR(g.body, "m1", "first dead letter");
    CHECK_STR(cl_headers(&g),
              sc_fmt("{x-death:A[F{count:l1,reason:S\"maxlen\",queue:S\"%s\",time:T,exchange:S\"\","
                     "routing-keys:A[S\"%s\"]}],x-first-death-exchange:S\"\","
                     "x-first-death-queue:S\"%s\",x-first-death-reason:S\"maxlen\"}",
                     q, q, q),
              "headers");
    CHECK_STR(cl_drain(c, 1, dlq), "m2", "second dead letter");
    CHECK_STR(cl_drain(c, 1, q), "m3,m4", "kept messages");
    cl_close(c);
}

/* L-01: x-max-length-bytes counts body bytes; heads go until the rest fits. */
static void
l01_bytes(void)
{
    conn_t c = cl_open_confirming();
    const char *q = limited(c, "bytes", cl_table1("x-max-length-bytes", cl_int(10)));
    cl_publish_wait(c, 2, "", q, 0, NULL, "aaaaa");
    cl_publish_wait(c, 2, "", q, 0, NULL, "12345");
    cl_publish_wait(c, 2, "", q, 0, NULL, "123");
    CHECK_STR(cl_drain(c, 1, q), "12345,123", "kept messages");
    cl_close(c);
}

/* L-01: the limit counts ready messages only, not unacknowledged ones. */
static void
l01_ready_only(void)
{
    conn_t c = cl_open_confirming();
    const char *q = limited(c, "ready", cl_table1("x-max-length", cl_int(1)));
    struct got g;
    cl_publish_wait(c, 2, "", q, 0, NULL, "m1");
    CHECK(cl_get(c, 1, q, 0, &g), "m1 missing");
    cl_publish_wait(c, 2, "", q, 0, NULL, "m2");
    CHECK_INT(cl_count(c, 1, q), 1, "ready messages with one unacked");
    amqp_basic_ack(c, 1, g.tag, 0);
    CHECK_STR(cl_drain(c, 1, q), "m2", "ready message kept beside an unacked one");
    cl_close(c);
}

/* L-01: x-max-length 0 drops every message (confirmed, not nacked). */
static void
l01_zero(void)
{
    conn_t c = cl_open_confirming();
    const char *q = limited(c, "zero", cl_table1("x-max-length", cl_int(0)));
    cl_publish_wait(c, 2, "", q, 0, NULL, "gone");
    CHECK_INT(cl_count(c, 1, q), 0, "ready messages at x-max-length 0");
    cl_close(c);
}

/* L-02: reject-publish nacks confirming publishers when full and does not dead-letter. */
static void
l02_reject_publish_confirms(void)
{
    conn_t c = cl_open_confirming();
    const char *dlq, *dlx = dead_letter_sink(c, &dlq);
    const char *q =
            limited(c, "rp",
                    cl_table(3, "x-max-length", cl_int(2), "x-overflow", cl_str("reject-publish"),
                             "x-dead-letter-exchange", cl_str(dlx)));
    static const int want[] = {CL_ACKED, CL_ACKED, CL_NACKED, CL_NACKED};
    for (int i = 0; i < 4; i++)
        CHECK_INT(cl_publish_confirm(c, 2, "", q, 0, NULL, sc_fmt("m%d", i + 1)), want[i],
                  sc_fmt("confirm outcome of publish %d (0 ack, 2 nack)", i + 1));
    CHECK_STR(cl_drain(c, 1, q), "m1,m2", "kept messages");
    CHECK_INT(cl_count(c, 1, dlq), 0, "reject-publish dead-lettered");
    cl_publish_wait(c, 2, "", q, 0, NULL, "room-again");
    CHECK_STR(cl_drain(c, 1, q), "room-again", "publish accepted once there is room");
    cl_close(c);
}

/* L-02: without confirms, reject-publish drops silently and the channel stays open. */
static void
l02_reject_publish_silent(void)
{
    conn_t c = cl_open();
    const char *q = limited(
            c, "rp", cl_table2("x-max-length", cl_int(1), "x-overflow", cl_str("reject-publish")));
    cl_publish(c, 1, "", q, "m1");
    cl_publish(c, 1, "", q, "m2");
    cl_publish(c, 1, "", q, "m3");
    /* Same channel: the passive declare is answered after the publishes reached the queue. */
    CHECK_STR(cl_drain(c, 1, q), "m1", "kept messages");
    cl_close(c);
}

/* L-02: reject-publish-dlx refuses (nack) and dead-letters the refused message (maxlen). */
static void
l02_reject_publish_dlx(void)
{
    conn_t c = cl_open_confirming();
    const char *dlq, *dlx = dead_letter_sink(c, &dlq);
    const char *q =
            limited(c, "rpd",
                    cl_table(3, "x-max-length", cl_int(1), "x-overflow",
                             cl_str("reject-publish-dlx"), "x-dead-letter-exchange", cl_str(dlx)));
    CHECK_INT(cl_publish_confirm(c, 2, "", q, 0, NULL, "r0"), CL_ACKED, "first publish");
    CHECK_INT(cl_publish_confirm(c, 2, "", q, 0, NULL, "r1"), CL_NACKED, "second publish");
    CHECK_INT(cl_publish_confirm(c, 2, "", q, 0, NULL, "r2"), CL_NACKED, "third publish");
    CHECK(cl_await_count(c, 1, dlq, 2, 3000), "refused messages not dead-lettered");
    struct got g;
    CHECK(cl_get(c, 1, dlq, 1, &g), "dead letter missing");
    CHECK_STR(g.body, "r1", "first dead letter");
    CHECK_STR(cl_headers(&g),
              sc_fmt("{x-death:A[F{count:l1,reason:S\"maxlen\",queue:S\"%s\",time:T,exchange:S\"\","
                     "routing-keys:A[S\"%s\"]}],x-first-death-exchange:S\"\","
                     "x-first-death-queue:S\"%s\",x-first-death-reason:S\"maxlen\"}",
                     q, q, q),
              "headers");
    CHECK_STR(drain_when(c, dlq, 1), "r2", "second dead letter");
    CHECK_STR(cl_drain(c, 1, q), "r0", "kept messages");
    cl_close(c);
}

/* L-02: routed to a full reject-publish queue and a free one: nack, yet the free queue
 * has the message. */
static void
l02_multi_queue_nack(void)
{
    conn_t c = cl_open_confirming();
    const char *x = cl_new_exchange(c, "fan", "fanout", 0, amqp_empty_table);
    const char *full =
            limited(c, "full",
                    cl_table2("x-max-length", cl_int(0), "x-overflow", cl_str("reject-publish")));
    const char *free_q = limited(c, "free", amqp_empty_table);
    cl_bind(c, 1, full, x, "", amqp_empty_table);
    cl_bind(c, 1, free_q, x, "", amqp_empty_table);
    CHECK_INT(cl_publish_confirm(c, 2, x, "", 0, NULL, "both"), CL_NACKED,
              "confirm outcome (0 ack, 2 nack)");
    CHECK_STR(cl_drain(c, 1, free_q), "both", "queue with room");
    CHECK_INT(cl_count(c, 1, full), 0, "full queue");
    cl_close(c);
}

const struct scenario sc_limits[] = {
        {"L-01", "limits", "", l01_drop_head, "x-max-length drop-head keeps newest"},
        {"L-01", "limits", "", l01_drop_head_dead_letters, "dropped heads dead-lettered maxlen"},
        {"L-01", "limits", "", l01_bytes, "x-max-length-bytes on body bytes"},
        {"L-01", "limits", "", l01_ready_only, "limit counts ready messages only"},
        {"L-01", "limits", "", l01_zero, "x-max-length 0 drops everything"},
        {"L-02", "limits", "", l02_reject_publish_confirms, "reject-publish nacks, no DLX"},
        {"L-02", "limits", "", l02_reject_publish_silent, "reject-publish without confirms"},
        {"L-02", "limits", "", l02_reject_publish_dlx, "reject-publish-dlx nacks + maxlen"},
        {"L-02", "limits", "", l02_multi_queue_nack, "nack if any queue refused"},
        {NULL, NULL, NULL, NULL, NULL},
};
