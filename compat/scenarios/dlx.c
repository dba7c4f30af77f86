/* SPDX-License-Identifier: MPL-2.0 */
/* Dead-lettering scenarios (D-01..D-04): triggers, routing key/CC rewrite, the exact
 * x-death and x-first-death-* headers RabbitMQ 3.10.8 sends, cycle detection, and the
 * retry-later and delay-queue patterns end to end. Headers are compared as rendered by
 * cl_render (wire order, AMQP type letters, timestamps as a bare T). */
#include "config.h"

#include "compat/lib/client.h"
#include "compat/lib/suite.h"

#include <string.h>
#include <time.h>

/* One x-death entry as RabbitMQ 3.10.8 lays it out; rks is the rendered array body. */
static const char *
death(long count, const char *reason, const char *q, const char *x, const char *rks)
{
    return sc_fmt("F{count:l%ld,reason:S\"%s\",queue:S\"%s\",time:T,exchange:S\"%s\","
                  "routing-keys:A[%s]}",
                  count, reason, q, x, rks);
}

/* An entry added to, or updated in, a message that already carries x-death: RabbitMQ
 * 3.10.8 then sends that entry's fields sorted by name. Only the very first entry, until
 * it is first updated, has the layout of death() above. */
static const char *
death_sorted(long count, const char *reason, const char *q, const char *x, const char *rks)
{
    return sc_fmt("F{count:l%ld,exchange:S\"%s\",queue:S\"%s\",reason:S\"%s\","
                  "routing-keys:A[%s],time:T}",
                  count, x, q, reason, rks);
}

/* The same with original-expiration (per-message TTL deaths). */
static const char *
death_exp(long count, const char *reason, const char *q, const char *x, const char *rks,
          const char *exp)
{
    return sc_fmt("F{count:l%ld,reason:S\"%s\",queue:S\"%s\",time:T,exchange:S\"%s\","
                  "routing-keys:A[%s],original-expiration:S\"%s\"}",
                  count, reason, q, x, rks, exp);
}

/* Full header table after dead-lettering: client headers (extra, "" for none, with a
 * trailing comma), then x-death (entries is the rendered array body), then the
 * x-first-death-* headers describing the first death. */
static const char *
dead_headers(const char *extra, const char *entries, const char *fq, const char *freason,
             const char *fx)
{
    return sc_fmt("{%sx-death:A[%s],x-first-death-exchange:S\"%s\",x-first-death-queue:S\"%s\","
                  "x-first-death-reason:S\"%s\"}",
                  extra, entries, fx, fq, freason);
}

static const char *
rk(const char *k)
{
    return sc_fmt("S\"%s\"", k);
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

/* Waits for a message to arrive in q (dead-lettering is asynchronous) and gets it. */
static struct got
await_get(conn_t c, const char *q, int no_ack)
{
    struct got g;
    long long deadline = cl_now_ms() + 3000;
    while (!cl_get(c, 1, q, no_ack, &g)) {
        CHECK(cl_now_ms() < deadline, "nothing arrived in %s within 3 s", q);
        cl_sleep_ms(20);
    }
    return g;
}

/* x-death time: a timestamp in seconds close to the wall clock. */
static uint64_t
death_time(const struct got *g, int index)
{
    const amqp_field_value_t *d = cl_find(g->props.headers, "x-death");
    CHECK(d && d->kind == AMQP_FIELD_KIND_ARRAY && d->value.array.num_entries > index,
          "x-death entry %d missing", index);
    const amqp_field_value_t *e = &d->value.array.entries[index];
    CHECK(e->kind == AMQP_FIELD_KIND_TABLE, "x-death entry is not a table");
    const amqp_field_value_t *t = cl_find(e->value.table, "time");
    CHECK(t && t->kind == AMQP_FIELD_KIND_TIMESTAMP, "x-death time is not a timestamp");
    long long now = (long long)time(NULL), v = (long long)t->value.u64;
    CHECK(v > now - 60 && v < now + 60, "x-death time %lld is not seconds near %lld", v, now);
    return t->value.u64;
}

/* D-01 / D-03: reject requeue=false dead-letters with reason rejected; exact headers. */
static void
d01_rejected(void)
{
    conn_t c = cl_open_confirming();
    const char *dlq, *dlx = dead_letter_sink(c, &dlq);
    const char *q = cl_new_queue(c, "work", 0, cl_table1("x-dead-letter-exchange", cl_str(dlx)));
    cl_publish_wait(c, 2, "", q, 0, NULL, "m");
    struct got g;
    CHECK(cl_get(c, 1, q, 0, &g), "message missing");
    amqp_basic_reject(c, 1, g.tag, 0);
    g = await_get(c, dlq, 1);
    CHECK_STR(g.body, "m", "body");
    CHECK_STR(g.exchange, dlx, "deliver exchange is the DLX");
    CHECK_STR(g.routing_key, q, "deliver routing key is the original key");
    CHECK_INT(g.redelivered, 0, "redelivered");
    CHECK_STR(cl_headers(&g),
              dead_headers("", death(1, "rejected", q, "", rk(q)), q, "rejected", ""), "headers");
    death_time(&g, 0);
    CHECK_INT(cl_count(c, 1, q), 0, "source queue after reject");
    cl_close(c);
}

/* D-01: nack requeue=false (multiple) dead-letters each message in order. */
static void
d01_nacked(void)
{
    conn_t c = cl_open_confirming();
    const char *dlq, *dlx = dead_letter_sink(c, &dlq);
    const char *q = cl_new_queue(c, "work", 0, cl_table1("x-dead-letter-exchange", cl_str(dlx)));
    struct got g;
    for (int i = 1; i <= 3; i++)
        cl_publish_wait(c, 2, "", q, 0, NULL, sc_fmt("n%d", i));
    for (int i = 1; i <= 3; i++)
        CHECK(cl_get(c, 1, q, 0, &g), "message %d missing", i);
    amqp_basic_nack(c, 1, g.tag, 1, 0);
    CHECK(cl_await_count(c, 1, dlq, 3, 3000), "nacked messages not dead-lettered");
    for (int i = 1; i <= 3; i++) {
        CHECK(cl_get(c, 1, dlq, 1, &g), "dead letter %d missing", i);
        CHECK_STR(g.body, sc_fmt("n%d", i), "dead-letter order");
        CHECK_STR(cl_headers(&g),
                  dead_headers("", death(1, "rejected", q, "", rk(q)), q, "rejected", ""),
                  "headers");
    }
    cl_close(c);
}

/* D-01 / D-02 / D-03: expiry by x-message-ttl dead-letters with reason expired; a queue
 * TTL adds no original-expiration. */
static void
d01_expired_queue_ttl(void)
{
    conn_t c = cl_open_confirming();
    const char *dlq, *dlx = dead_letter_sink(c, &dlq);
    const char *q = cl_new_queue(
            c, "ttl", 0,
            cl_table2("x-dead-letter-exchange", cl_str(dlx), "x-message-ttl", cl_int(100)));
    cl_publish_wait(c, 2, "", q, 0, NULL, "late");
    struct got g = await_get(c, dlq, 1);
    CHECK_STR(g.body, "late", "body");
    CHECK_STR(cl_headers(&g), dead_headers("", death(1, "expired", q, "", rk(q)), q, "expired", ""),
              "headers");
    cl_close(c);
}

/* D-02 / D-03: a per-message expiration is removed from the properties and kept in the
 * x-death entry as original-expiration; other properties and headers pass unchanged. */
static void
d02_expiration_moved(void)
{
    conn_t c = cl_open_confirming();
    const char *dlq, *dlx = dead_letter_sink(c, &dlq);
    const char *q = cl_new_queue(c, "exp", 0, cl_table1("x-dead-letter-exchange", cl_str(dlx)));
    amqp_basic_properties_t p = {
            ._flags = AMQP_BASIC_EXPIRATION_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG |
                      AMQP_BASIC_CORRELATION_ID_FLAG | AMQP_BASIC_PRIORITY_FLAG |
                      AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_HEADERS_FLAG,
            .expiration = amqp_cstring_bytes("100"),
            .message_id = amqp_cstring_bytes("mid"),
            .correlation_id = amqp_cstring_bytes("cid"),
            .priority = 3,
            .delivery_mode = 2,
            .headers = cl_table1("app", cl_str("kept")),
    };
    cl_publish_wait(c, 2, "", q, 0, &p, "short-lived");
    struct got g = await_get(c, dlq, 1);
    CHECK_STR(cl_prop(&g, AMQP_BASIC_EXPIRATION_FLAG, g.props.expiration), "-",
              "expiration property after dead-lettering");
    CHECK_STR(cl_prop(&g, AMQP_BASIC_MESSAGE_ID_FLAG, g.props.message_id), "mid", "message-id");
    CHECK_STR(cl_prop(&g, AMQP_BASIC_CORRELATION_ID_FLAG, g.props.correlation_id), "cid",
              "correlation-id");
    CHECK((g.props._flags & AMQP_BASIC_PRIORITY_FLAG) && g.props.priority == 3, "priority lost");
    CHECK((g.props._flags & AMQP_BASIC_DELIVERY_MODE_FLAG) && g.props.delivery_mode == 2,
          "delivery-mode lost");
    CHECK_STR(cl_headers(&g),
              dead_headers("app:S\"kept\",", death_exp(1, "expired", q, "", rk(q), "100"), q,
                           "expired", ""),
              "headers");
    cl_close(c);
}

/* D-02: with x-dead-letter-routing-key the message is routed by that key only, the
 * deliver shows it, and the CC header is removed; x-death keeps the original keys. */
static void
d02_routing_key_rewrite(void)
{
    conn_t c = cl_open_confirming();
    const char *dlx = cl_new_exchange(c, "dlx", "direct", 0, amqp_empty_table);
    const char *by_new = cl_new_queue(c, "bynew", 0, amqp_empty_table);
    const char *by_cc = cl_new_queue(c, "bycc", 0, amqp_empty_table);
    cl_bind(c, 1, by_new, dlx, "dl-key", amqp_empty_table);
    cl_bind(c, 1, by_cc, dlx, "cc-key", amqp_empty_table);
    const char *q = cl_new_queue(c, "src", 0,
                                 cl_table2("x-dead-letter-exchange", cl_str(dlx),
                                           "x-dead-letter-routing-key", cl_str("dl-key")));
    amqp_basic_properties_t p = {._flags = AMQP_BASIC_HEADERS_FLAG,
                                 .headers = cl_table1("CC", cl_strs(1, "cc-key"))};
    cl_publish_wait(c, 2, "", q, 0, &p, "m");
    struct got g;
    CHECK(cl_get(c, 1, q, 0, &g), "message missing");
    amqp_basic_reject(c, 1, g.tag, 0);
    g = await_get(c, by_new, 1);
    CHECK_STR(g.routing_key, "dl-key", "deliver routing key");
    CHECK_STR(g.exchange, dlx, "deliver exchange");
    CHECK_STR(cl_headers(&g),
              dead_headers("", death(1, "rejected", q, "", sc_fmt("%s,%s", rk(q), rk("cc-key"))), q,
                           "rejected", ""),
              "headers (CC removed)");
    CHECK_INT(cl_count(c, 1, by_cc), 0, "CC key used although a DL routing key is set");
    cl_close(c);
}

/* D-02: without a DL routing key the original key and the CC keys route again, the CC
 * header stays, and each queue gets one copy. */
static void
d02_original_keys(void)
{
    conn_t c = cl_open_confirming();
    const char *dlx = cl_new_exchange(c, "dlx", "direct", 0, amqp_empty_table);
    const char *q = cl_new_queue(c, "src", 0, cl_table1("x-dead-letter-exchange", cl_str(dlx)));
    const char *by_key = cl_new_queue(c, "bykey", 0, amqp_empty_table);
    const char *by_cc = cl_new_queue(c, "bycc", 0, amqp_empty_table);
    cl_bind(c, 1, by_key, dlx, q, amqp_empty_table);
    cl_bind(c, 1, by_cc, dlx, "cc-key", amqp_empty_table);
    amqp_basic_properties_t p = {._flags = AMQP_BASIC_HEADERS_FLAG,
                                 .headers = cl_table1("CC", cl_strs(1, "cc-key"))};
    cl_publish_wait(c, 2, "", q, 0, &p, "m");
    struct got g;
    CHECK(cl_get(c, 1, q, 0, &g), "message missing");
    amqp_basic_reject(c, 1, g.tag, 0);
    const char *want = dead_headers(
            "CC:A[S\"cc-key\"],", death(1, "rejected", q, "", sc_fmt("%s,%s", rk(q), rk("cc-key"))),
            q, "rejected", "");
    g = await_get(c, by_key, 1);
    CHECK_STR(g.routing_key, q, "deliver routing key (original)");
    CHECK_STR(cl_headers(&g), want, "headers via the original key");
    g = await_get(c, by_cc, 1);
    CHECK_STR(g.routing_key, q, "deliver routing key of the CC copy");
    CHECK_STR(cl_headers(&g), want, "headers via the CC key");
    CHECK_INT(cl_count(c, 1, by_key) + cl_count(c, 1, by_cc), 0, "extra copies");
    cl_close(c);
}

/* D-01: a missing DLX drops the message silently; once the exchange exists it works. */
static void
d01_missing_dlx(void)
{
    conn_t c = cl_open_confirming();
    const char *dlx = sc_exchange("later");
    const char *q = cl_new_queue(c, "src", 0, cl_table1("x-dead-letter-exchange", cl_str(dlx)));
    struct got g;
    cl_publish_wait(c, 2, "", q, 0, NULL, "lost");
    CHECK(cl_get(c, 1, q, 0, &g), "message missing");
    amqp_basic_reject(c, 1, g.tag, 0);
    CHECK_INT(cl_count(c, 1, q), 0, "rejected message with a missing DLX");
    cl_exchange(c, 1, dlx, "fanout", 0, amqp_empty_table);
    cl_ok(c, "declare the DLX");
    const char *dlq = cl_new_queue(c, "dlq", 0, amqp_empty_table);
    cl_bind(c, 1, dlq, dlx, "", amqp_empty_table);
    cl_publish_wait(c, 2, "", q, 0, NULL, "found");
    CHECK(cl_get(c, 1, q, 0, &g), "second message missing");
    amqp_basic_reject(c, 1, g.tag, 0);
    g = await_get(c, dlq, 1);
    CHECK_STR(g.body, "found", "only the message rejected after the DLX existed arrives");
    CHECK_INT(cl_count(c, 1, dlq), 0, "dead letters");
    cl_close(c);
}

/* D-01: purge and queue deletion do not dead-letter. */
static void
d01_not_on_purge_or_delete(void)
{
    conn_t c = cl_open_confirming();
    const char *dlq, *dlx = dead_letter_sink(c, &dlq);
    const char *q = cl_new_queue(c, "src", 0, cl_table1("x-dead-letter-exchange", cl_str(dlx)));
    struct got g;
    cl_publish_wait(c, 2, "", q, 0, NULL, "rejected");
    CHECK(cl_get(c, 1, q, 0, &g), "message missing");
    amqp_basic_reject(c, 1, g.tag, 0);
    await_get(c, dlq, 1);
    cl_publish_wait(c, 2, "", q, 0, NULL, "purged");
    amqp_queue_purge(c, 1, amqp_cstring_bytes(q));
    cl_ok(c, "queue.purge");
    cl_publish_wait(c, 2, "", q, 0, NULL, "deleted");
    amqp_queue_delete(c, 1, amqp_cstring_bytes(q), 0, 0);
    cl_ok(c, "queue.delete");
    cl_sleep_ms(200);
    CHECK_INT(cl_count(c, 1, dlq), 0, "messages dead-lettered by purge or delete");
    cl_close(c);
}

/* D-03 / D-04: work queue W (via exchange wx, key "job") dead-letters to the fanout rx and
 * retry queue R; R has a TTL and dead-letters back to W through "" with key W. A consumer
 * rejects three times; x-death counts 1, 2, 3 with the first occurrence's exchange and
 * routing keys kept per (queue, reason), newest entry first. */
static void
d03_retry_later(void)
{
    conn_t c = cl_open_confirming(), sub = cl_open();
    const char *wx = cl_new_exchange(c, "wx", "direct", 0, amqp_empty_table);
    const char *rx = cl_new_exchange(c, "rx", "fanout", 0, amqp_empty_table);
    const char *w = cl_new_queue(c, "work", 0, cl_table1("x-dead-letter-exchange", cl_str(rx)));
    const char *r = sc_queue("retry");
    cl_queue(c, 1, r, 0,
             cl_table(3, "x-message-ttl", cl_int(150), "x-dead-letter-exchange", cl_str(""),
                      "x-dead-letter-routing-key", cl_str(w)));
    cl_ok(c, "declare retry queue");
    cl_bind(c, 1, w, wx, "job", amqp_empty_table);
    cl_bind(c, 1, r, rx, "", amqp_empty_table);
    cl_consume(sub, 1, w, NULL, 0, 0);
    cl_publish_wait(c, 2, wx, "job", 0, NULL, "task");
    struct got g;
    uint64_t first_reject = 0;
    for (int round = 0; round <= 3; round++) {
        CHECK(cl_next(sub, 3000, &g, NULL), "delivery %d missing", round + 1);
        CHECK_STR(g.body, "task", "body");
        CHECK_INT(g.redelivered, 0, "redelivered flag of a dead-lettered message");
        if (round == 0) {
            CHECK_STR(cl_headers(&g), "-", "headers of the first delivery");
        } else {
            CHECK_STR(g.exchange, "", "deliver exchange after retry");
            CHECK_STR(g.routing_key, w, "deliver routing key after retry");
            const char *entries =
                    sc_fmt("%s,%s", death_sorted(round, "expired", r, rx, rk("job")),
                           round == 1 ? death(1, "rejected", w, wx, rk("job"))
                                      : death_sorted(round, "rejected", w, wx, rk("job")));
            CHECK_STR(cl_headers(&g), dead_headers("", entries, w, "rejected", wx),
                      sc_fmt("headers on attempt %d", round + 1));
            uint64_t t = death_time(&g, 1);
            if (round == 1)
                first_reject = t;
            CHECK(t == first_reject, "time of the rejected entry changed on a repeat death");
        }
        if (round < 3)
            amqp_basic_reject(sub, 1, g.tag, 0);
        else
            amqp_basic_ack(sub, 1, g.tag, 0);
    }
    CHECK_INT(cl_count(c, 1, w) + cl_count(c, 1, r), 0, "messages left after the final ack");
    cl_close(sub);
    cl_close(c);
}

/* D-01: delay queue: nobody consumes D; its TTL moves messages to the target via the DLX. */
static void
d01_delay_queue(void)
{
    conn_t c = cl_open_confirming(), sub = cl_open();
    const char *target = cl_new_queue(c, "target", 0, amqp_empty_table);
    const char *d = sc_queue("delay");
    cl_queue(c, 1, d, 0,
             cl_table(3, "x-message-ttl", cl_int(300), "x-dead-letter-exchange", cl_str(""),
                      "x-dead-letter-routing-key", cl_str(target)));
    cl_ok(c, "declare delay queue");
    cl_consume(sub, 1, target, NULL, 1, 0);
    long long start = cl_now_ms();
    cl_publish_wait(c, 2, "", d, 0, NULL, "later");
    struct got g;
    CHECK(cl_next(sub, 3000, &g, NULL), "delayed message never arrived");
    long long waited = cl_now_ms() - start;
    CHECK(waited >= 250, "delayed message arrived after %lld ms, TTL is 300", waited);
    CHECK_STR(g.routing_key, target, "deliver routing key");
    CHECK_STR(cl_headers(&g), dead_headers("", death(1, "expired", d, "", rk(d)), d, "expired", ""),
              "headers");
    cl_close(sub);
    cl_close(c);
}

/* Sum of ready messages in two queues. */
static uint32_t
both(conn_t c, const char *a, const char *b)
{
    return cl_count(c, 1, a) + cl_count(c, 1, b);
}

/* D-04: a fully automatic cycle (expiry only) is cut: A -> B -> A drops the message when
 * it would re-enter A, and a self-loop drops it at the first expiry. */
static void
d04_expiry_cycle_dropped(void)
{
    conn_t c = cl_open_confirming();
    const char *a = sc_queue("a"), *b = sc_queue("b"), *self = sc_queue("self");
    const char *tap = cl_new_queue(c, "tap", 0, amqp_empty_table);
    const char *tx = cl_new_exchange(c, "tap", "fanout", 0, amqp_empty_table);
    cl_queue(c, 1, a, 0,
             cl_table(3, "x-message-ttl", cl_int(100), "x-dead-letter-exchange", cl_str(""),
                      "x-dead-letter-routing-key", cl_str(b)));
    cl_ok(c, "declare a");
    cl_queue(c, 1, b, 0,
             cl_table(3, "x-message-ttl", cl_int(100), "x-dead-letter-exchange", cl_str(tx),
                      "x-dead-letter-routing-key", cl_str(a)));
    cl_ok(c, "declare b");
    /* b dead-letters through a fanout that feeds both a and a tap, to see it happen. */
    cl_bind(c, 1, a, tx, "", amqp_empty_table);
    cl_bind(c, 1, tap, tx, "", amqp_empty_table);
    cl_queue(c, 1, self, 0,
             cl_table(3, "x-message-ttl", cl_int(100), "x-dead-letter-exchange", cl_str(""),
                      "x-dead-letter-routing-key", cl_str(self)));
    cl_ok(c, "declare self");
    cl_publish_wait(c, 2, "", a, 0, NULL, "loop");
    cl_publish_wait(c, 2, "", self, 0, NULL, "self");
    struct got g = await_get(c, tap, 1);
    CHECK_STR(cl_headers(&g),
              dead_headers("",
                           sc_fmt("%s,%s", death_sorted(1, "expired", b, "", rk(b)),
                                  death(1, "expired", a, "", rk(a))),
                           a, "expired", ""),
              "headers after a -> b -> tap");
    CHECK(cl_await_count(c, 1, a, 0, 2000) && cl_await_count(c, 1, self, 0, 2000),
          "cycled messages not dropped");
    for (int i = 0; i < 10; i++) {
        cl_sleep_ms(50);
        CHECK_INT(both(c, a, b) + cl_count(c, 1, self), 0, "message reappeared in the cycle");
    }
    cl_close(c);
}

/* D-04: a cycle that contains a rejection is allowed: a queue dead-lettering to itself
 * gets the message back after each reject, x-death count 1, 2, 3. */
static void
d04_reject_cycle_allowed(void)
{
    conn_t c = cl_open_confirming();
    const char *q = sc_queue("self");
    cl_queue(c, 1, q, 0,
             cl_table2("x-dead-letter-exchange", cl_str(""), "x-dead-letter-routing-key",
                       cl_str(q)));
    cl_ok(c, "declare");
    cl_publish_wait(c, 2, "", q, 0, NULL, "again");
    struct got g = await_get(c, q, 0);
    for (int n = 1; n <= 3; n++) {
        amqp_basic_reject(c, 1, g.tag, 0);
        g = await_get(c, q, 0);
        const char *entry = n == 1 ? death(1, "rejected", q, "", rk(q))
                                   : death_sorted(n, "rejected", q, "", rk(q));
        CHECK_STR(cl_headers(&g), dead_headers("", entry, q, "rejected", ""),
                  sc_fmt("headers after reject %d", n));
    }
    amqp_basic_ack(c, 1, g.tag, 0);
    cl_close(c);
}

/* D-03: a client-supplied x-death that is not an array is replaced by a fresh one; the
 * x-first-death-* headers are then not added (3.10.8 adds them only when x-death is absent). */
static void
d03_bogus_client_x_death(void)
{
    conn_t c = cl_open_confirming();
    const char *dlq, *dlx = dead_letter_sink(c, &dlq);
    const char *q = cl_new_queue(c, "src", 0, cl_table1("x-dead-letter-exchange", cl_str(dlx)));
    amqp_basic_properties_t p = {._flags = AMQP_BASIC_HEADERS_FLAG,
                                 .headers = cl_table1("x-death", cl_str("bogus"))};
    cl_publish_wait(c, 2, "", q, 0, &p, "m");
    struct got g;
    CHECK(cl_get(c, 1, q, 0, &g), "message missing");
    amqp_basic_reject(c, 1, g.tag, 0);
    g = await_get(c, dlq, 1);
    CHECK_STR(cl_headers(&g), sc_fmt("{x-death:A[%s]}", death(1, "rejected", q, "", rk(q))),
              "headers");
    cl_close(c);
}

const struct scenario sc_dlx[] = {
        {"D-01", "dlx", "", d01_rejected, "reject requeue=false: x-death rejected (exact)"},
        {"D-01", "dlx", "", d01_nacked, "nack multiple requeue=false: each dead-lettered"},
        {"D-01", "dlx", "", d01_expired_queue_ttl, "x-message-ttl expiry: x-death expired"},
        {"D-01", "dlx", "", d01_missing_dlx, "missing DLX drops silently"},
        {"D-01", "dlx", "", d01_not_on_purge_or_delete, "purge/delete do not dead-letter"},
        {"D-01", "dlx", "", d01_delay_queue, "delay queue: TTL + DLX to a consumer"},
        {"D-02", "dlx", "", d02_expiration_moved, "expiration -> original-expiration, props kept"},
        {"D-02", "dlx", "", d02_routing_key_rewrite, "DL routing key replaces keys, CC removed"},
        {"D-02", "dlx", "", d02_original_keys, "no DL key: original key + CC route, CC kept"},
        {"D-03", "dlx", "", d03_retry_later, "retry-later loop: x-death counts 1,2,3"},
        {"D-03", "dlx", "", d03_bogus_client_x_death, "non-array client x-death replaced"},
        {"D-04", "dlx", "", d04_expiry_cycle_dropped, "expiry-only cycles dropped"},
        {"D-04", "dlx", "", d04_reject_cycle_allowed, "cycle with reject allowed, count 1..3"},
        {NULL, NULL, NULL, NULL, NULL},
};
