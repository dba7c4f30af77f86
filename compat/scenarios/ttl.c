/* SPDX-License-Identifier: MPL-2.0 */
/* Message and queue TTL scenarios (T-01..T-03): per-message expiration, x-message-ttl,
 * the lower of the two, TTL 0, expiry at the head only, and x-expires leases.
 * Timed effects are observed by polling with a deadline; fixed waits only prove absence. */
#include "config.h"

#include "compat/lib/client.h"
#include "compat/lib/suite.h"

#include <string.h>

static amqp_basic_properties_t
expiring(const char *ms)
{
    amqp_basic_properties_t p = {._flags = AMQP_BASIC_EXPIRATION_FLAG,
                                 .expiration = amqp_cstring_bytes(ms)};
    return p;
}

static void
publish_expiring(conn_t c, const char *q, const char *ms, const char *body)
{
    amqp_basic_properties_t p = expiring(ms);
    cl_publish_wait(c, 2, "", q, 0, &p, body);
}

/* T-01: an expired message behind a live one is still counted, and is dropped when it
 * reaches the head instead of being delivered. */
static void
t01_head_only(void)
{
    conn_t c = cl_open_confirming();
    const char *q = cl_new_queue(c, "head", 0, amqp_empty_table);
    publish_expiring(c, q, "60000", "long");
    publish_expiring(c, q, "100", "short");
    cl_sleep_ms(400);
    CHECK_INT(cl_count(c, 1, q), 2, "ready count with an expired message behind a live one");
    cl_get_expect(c, 1, q, 1, "long");
    struct got g;
    CHECK(!cl_get(c, 1, q, 1, &g), "expired message delivered: \"%s\"", g.body);
    CHECK_INT(cl_count(c, 1, q), 0, "ready count after the expired head was dropped");
    cl_close(c);
}

/* T-01: expiration "0" reaches a consumer that is waiting, otherwise it is dropped. */
static void
t01_zero(void)
{
    conn_t c = cl_open_confirming(), sub = cl_open();
    const char *q = cl_new_queue(c, "zero", 0, amqp_empty_table);
    publish_expiring(c, q, "0", "nobody-waiting");
    struct got g;
    CHECK(!cl_get(c, 1, q, 1, &g), "expiration 0 without a consumer was kept: \"%s\"", g.body);
    cl_consume(sub, 1, q, NULL, 1, 0);
    publish_expiring(c, q, "0", "delivered-now");
    CHECK(cl_next(sub, 2000, &g, NULL), "expiration 0 not delivered to a waiting consumer");
    CHECK_STR(g.body, "delivered-now", "body");
    CHECK_STR(cl_prop(&g, AMQP_BASIC_EXPIRATION_FLAG, g.props.expiration), "0",
              "expiration property on delivery");
    cl_close(sub);
    cl_close(c);
}

/* T-01: a requeued message keeps its original expiry; once past it, it is not redelivered. */
static void
t01_requeue_keeps_expiry(void)
{
    conn_t c = cl_open_confirming();
    const char *q = cl_new_queue(c, "requeue", 0, amqp_empty_table);
    publish_expiring(c, q, "200", "m");
    struct got g;
    CHECK(cl_get(c, 1, q, 0, &g), "message missing before its expiry");
    cl_sleep_ms(400);
    amqp_basic_reject(c, 1, g.tag, 1);
    CHECK(cl_await_count(c, 1, q, 0, 2000), "requeued message past its expiry still counted");
    CHECK(!cl_get(c, 1, q, 1, &g), "requeued message delivered after its expiry");
    cl_close(c);
}

/* T-02: the effective TTL is the lower of x-message-ttl and the expiration property. */
static void
t02_lower_applies(void)
{
    conn_t c = cl_open_confirming();
    const char *q1 = cl_new_queue(c, "qttl", 0, cl_table1("x-message-ttl", cl_int(200)));
    const char *q2 = cl_new_queue(c, "mttl", 0, cl_table1("x-message-ttl", cl_int(60000)));
    publish_expiring(c, q1, "60000", "queue-ttl-lower");
    publish_expiring(c, q2, "200", "message-ttl-lower");
    CHECK_INT(cl_count(c, 1, q1), 1, "queue TTL message expired at once");
    CHECK(cl_await_count(c, 1, q1, 0, 2000), "x-message-ttl 200 did not beat expiration 60000");
    CHECK(cl_await_count(c, 1, q2, 0, 2000), "expiration 200 did not beat x-message-ttl 60000");
    cl_close(c);
}

/* T-02: each message expires TTL after its own enqueue, in order. */
static void
t02_per_message_clock(void)
{
    conn_t c = cl_open_confirming();
    const char *q = cl_new_queue(c, "clock", 0, cl_table1("x-message-ttl", cl_int(400)));
    cl_publish_wait(c, 2, "", q, 0, NULL, "first");
    cl_sleep_ms(250);
    cl_publish_wait(c, 2, "", q, 0, NULL, "second");
    CHECK(cl_await_count(c, 1, q, 1, 2000), "first message did not expire alone");
    cl_get_expect(c, 1, q, 1, "second");
    cl_close(c);
}

/* T-02: x-message-ttl 0 delivers to a waiting consumer or drops. */
static void
t02_zero(void)
{
    conn_t c = cl_open_confirming(), sub = cl_open();
    const char *q = cl_new_queue(c, "qzero", 0, cl_table1("x-message-ttl", cl_int(0)));
    cl_publish_wait(c, 2, "", q, 0, NULL, "dropped");
    struct got g;
    CHECK(!cl_get(c, 1, q, 1, &g), "x-message-ttl 0 kept a message without consumers");
    cl_consume(sub, 1, q, NULL, 1, 0);
    cl_publish_wait(c, 2, "", q, 0, NULL, "delivered");
    CHECK(cl_next(sub, 2000, &g, NULL), "x-message-ttl 0 not delivered to a waiting consumer");
    CHECK_STR(g.body, "delivered", "body");
    CHECK_STR(cl_prop(&g, AMQP_BASIC_EXPIRATION_FLAG, g.props.expiration), "-",
              "expiration property (queue TTL adds none)");
    cl_close(sub);
    cl_close(c);
}

/* Returns the declare-ok message count. */
static uint32_t
declare_expiring(conn_t c, const char *q, int ms)
{
    amqp_queue_declare_ok_t *ok = cl_queue(c, 1, q, 0, cl_table1("x-expires", cl_int(ms)));
    cl_ok(c, sc_fmt("declare %s x-expires %d", q, ms));
    return ok->message_count;
}

/* Probes for q without touching its lease: passive declares renew an x-expires lease on
 * RabbitMQ, a publish does not. A mandatory publish with expiration 0 is returned iff q is
 * gone and leaves nothing behind when q exists. Needs c's channel 2 in confirm mode. */
static int
exists_quietly(conn_t c, const char *q)
{
    amqp_basic_properties_t p = expiring("0");
    return !cl_publish_wait(c, 2, "", q, 1, &p, "probe");
}

static int
await_expired(conn_t c, const char *q, int timeout_ms)
{
    long long deadline = cl_now_ms() + timeout_ms;
    while (exists_quietly(c, q)) {
        if (cl_now_ms() >= deadline)
            return 0;
        cl_sleep_ms(20);
    }
    return 1;
}

/* T-03: an unused queue is deleted after its lease; passive declares renew the lease. */
static void
t03_lease(void)
{
    conn_t c = cl_open_confirming();
    const char *q = sc_queue("lease");
    declare_expiring(c, q, 300);
    CHECK(exists_quietly(c, q), "queue missing right after declare");
    for (int i = 0; i < 6; i++) {
        cl_sleep_ms(150);
        CHECK_INT(cl_count(c, 1, q), 0, "passive declare while renewing");
    }
    CHECK(await_expired(c, q, 2000), "x-expires 300 queue still exists after 2 s");
    CHECK(cl_await_gone(c, q, 0), "passive declare found an expired queue");
    cl_close(c);
}

/* T-03: redeclaring renews the lease; after the last redeclare it expires. A message put
 * in first shows the queue was never deleted and silently recreated in between. */
static void
t03_redeclare_renews(void)
{
    conn_t c = cl_open_confirming();
    const char *q = sc_queue("renew");
    declare_expiring(c, q, 400);
    cl_publish_wait(c, 2, "", q, 0, NULL, "witness");
    for (int i = 0; i < 8; i++) {
        cl_sleep_ms(150);
        CHECK_INT(declare_expiring(c, q, 400), 1, "declare-ok message_count while renewing");
    }
    CHECK(await_expired(c, q, 2000), "queue not deleted after redeclares stopped");
    cl_close(c);
}

/* T-03: basic.get (even on an empty queue) renews the lease. */
static void
t03_get_renews(void)
{
    conn_t c = cl_open_confirming();
    const char *q = sc_queue("getrenew");
    struct got g;
    declare_expiring(c, q, 400);
    for (int i = 0; i < 8; i++) {
        cl_sleep_ms(150);
        CHECK(!cl_get(c, 1, q, 1, &g), "unexpected message");
    }
    CHECK(await_expired(c, q, 2000), "queue not deleted after gets stopped");
    cl_close(c);
}

/* T-03: a queue with a consumer is in use; the lease starts when the last consumer goes. */
static void
t03_consumer_holds(void)
{
    conn_t c = cl_open_confirming(), sub = cl_open();
    const char *q = sc_queue("held");
    declare_expiring(c, q, 300);
    const char *tag = cl_consume(sub, 1, q, NULL, 1, 0);
    cl_sleep_ms(700);
    CHECK(exists_quietly(c, q), "queue with a consumer deleted by x-expires");
    amqp_basic_cancel(sub, 1, amqp_cstring_bytes(tag));
    cl_ok(sub, "basic.cancel");
    CHECK(await_expired(c, q, 2000), "queue not deleted after its consumer cancelled");
    cl_close(sub);
    cl_close(c);
}

const struct scenario sc_ttl[] = {
        {"T-01", "ttl", "", t01_head_only, "expired behind live: counted, never delivered"},
        {"T-01", "ttl", "", t01_zero, "expiration 0: deliver now or drop"},
        {"T-01", "ttl", "", t01_requeue_keeps_expiry, "requeue keeps the original expiry"},
        {"T-02", "ttl", "", t02_lower_applies, "lower of x-message-ttl and expiration"},
        {"T-02", "ttl", "", t02_per_message_clock, "x-message-ttl counts from each enqueue"},
        {"T-02", "ttl", "", t02_zero, "x-message-ttl 0: deliver now or drop"},
        {"T-03", "ttl", "", t03_lease, "x-expires deletes an unused queue; passive renews"},
        {"T-03", "ttl", "", t03_redeclare_renews, "x-expires lease renewed by redeclare"},
        {"T-03", "ttl", "", t03_get_renews, "x-expires lease renewed by basic.get"},
        {"T-03", "ttl", "", t03_consumer_holds, "x-expires waits for the last consumer"},
        {NULL, NULL, NULL, NULL, NULL},
};
