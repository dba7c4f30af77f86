/* SPDX-License-Identifier: MPL-2.0 */
/* Exchange and routing scenarios (X-xx, M-03/M-04/M-07, Q-07, Q-10..Q-12): exchange
 * types, alternate exchanges, e2e bindings, default and predeclared exchanges. */
#include "config.h"

#include "compat/lib/client.h"
#include "compat/lib/suite.h"

#include <string.h>

/* Connection with channel 1 for declares and channel 2 in confirm mode for publishes. */
static conn_t
open_confirming(void)
{
    conn_t c = cl_open();
    cl_channel(c, 2);
    cl_confirm(c, 2);
    return c;
}

static const char *
fresh_queue(conn_t c, const char *hint)
{
    const char *q = sc_queue(hint);
    cl_queue(c, 1, q, 0, amqp_empty_table);
    cl_ok(c, sc_fmt("declare %s", q));
    return q;
}

static const char *
fresh_exchange(conn_t c, const char *hint, const char *type, int flags, amqp_table_t args)
{
    const char *x = sc_exchange(hint);
    cl_exchange(c, 1, x, type, flags, args);
    cl_ok(c, sc_fmt("declare exchange %s", x));
    return x;
}

/* Drains q with no-ack gets and returns the bodies joined by ',' in queue order. */
static const char *
drain(conn_t c, const char *q)
{
    const char *all = "";
    struct got g;
    while (cl_get(c, 1, q, 1, &g))
        all = sc_fmt("%s%s%s", all, *all ? "," : "", g.body);
    return all;
}

static void
x01_direct(void)
{
    conn_t c = open_confirming();
    const char *x = fresh_exchange(c, "d", "direct", CL_AUTODEL, amqp_empty_table);
    const char *q = fresh_queue(c, "d");
    cl_bind(c, 1, q, x, "a", amqp_empty_table);
    static const char *const keys[] = {"a", "b", "A", "a.b", ""};
    for (size_t i = 0; i < 5; i++)
        cl_publish_wait(c, 2, x, keys[i], 0, NULL, keys[i]);
    CHECK_STR(drain(c, q), "a", "direct delivered bodies");
    cl_close(c);
}

static void
x02_fanout(void)
{
    conn_t c = open_confirming();
    const char *x = fresh_exchange(c, "f", "fanout", CL_AUTODEL, amqp_empty_table);
    const char *q1 = fresh_queue(c, "f1"), *q2 = fresh_queue(c, "f2");
    cl_bind(c, 1, q1, x, "ignored", amqp_empty_table);
    cl_bind(c, 1, q2, x, "", amqp_empty_table);
    cl_publish_wait(c, 2, x, "anything", 0, NULL, "m1");
    cl_publish_wait(c, 2, x, "", 0, NULL, "m2");
    CHECK_STR(drain(c, q1), "m1,m2", "fanout queue 1");
    CHECK_STR(drain(c, q2), "m1,m2", "fanout queue 2");
    cl_close(c);
}

/* X-03: the observed RabbitMQ topic matrix; keys matched by each pattern, in key order. */
static const char *const topic_keys[] = {"a",  "x",  "",      "a.b",     "b.a",
                                         ".a", "a.", "a.x.b", "a.x.y.b", "a..b"};
static const struct {
    const char *pattern, *matches;
} topic_rows[] = {
        {"#", "a,x,,a.b,b.a,.a,a.,a.x.b,a.x.y.b,a..b"},
        {"*", "a,x"},
        {"a.*", "a.b,a."},
        {"a.#", "a,a.b,a.,a.x.b,a.x.y.b,a..b"},
        {"#.a", "a,b.a,.a"},
        {"a.#.b", "a.b,a.x.b,a.x.y.b,a..b"},
        {"*.*", "a.b,b.a,.a,a."},
        {"a.*.b", "a.x.b,a..b"},
        {"#.#", "a,x,,a.b,b.a,.a,a.,a.x.b,a.x.y.b,a..b"},
        {"", ""},
        {"a..b", "a..b"},
        {"a.*.#", "a.b,a.,a.x.b,a.x.y.b,a..b"},
};

static void
x03_topic_matrix(void)
{
    enum { ROWS = sizeof(topic_rows) / sizeof(topic_rows[0]) };
    conn_t c = open_confirming();
    const char *x = fresh_exchange(c, "t", "topic", CL_AUTODEL, amqp_empty_table);
    const char *q[ROWS];
    for (size_t i = 0; i < ROWS; i++) {
        q[i] = fresh_queue(c, "t");
        cl_bind(c, 1, q[i], x, topic_rows[i].pattern, amqp_empty_table);
    }
    for (size_t k = 0; k < sizeof(topic_keys) / sizeof(topic_keys[0]); k++)
        cl_publish_wait(c, 2, x, topic_keys[k], 0, NULL, topic_keys[k]);
    for (size_t i = 0; i < ROWS; i++)
        CHECK_STR(drain(c, q[i]), topic_rows[i].matches,
                  sc_fmt("keys matched by '%s'", topic_rows[i].pattern));
    cl_close(c);
}

static void
publish_headers(conn_t c, const char *x, amqp_table_t headers, const char *body)
{
    amqp_basic_properties_t p = {._flags = AMQP_BASIC_HEADERS_FLAG, .headers = headers};
    cl_publish_wait(c, 2, x, "", 0, &p, body);
}

static void
x04_headers(void)
{
    conn_t c = open_confirming();
    const char *x = fresh_exchange(c, "h", "headers", CL_AUTODEL, amqp_empty_table);
    const char *all = fresh_queue(c, "all"), *any = fresh_queue(c, "any");
    const char *pres = fresh_queue(c, "void"), *none = fresh_queue(c, "noargs");
    amqp_table_entry_t e[3] = {{amqp_cstring_bytes("x-match"), cl_str("all")},
                               {amqp_cstring_bytes("a"), cl_int(1)},
                               {amqp_cstring_bytes("b"), cl_str("two")}};
    cl_bind(c, 1, all, x, "", (amqp_table_t){3, e});
    amqp_table_entry_t e2[3] = {{amqp_cstring_bytes("x-match"), cl_str("any")},
                                {amqp_cstring_bytes("a"), cl_int(1)},
                                {amqp_cstring_bytes("b"), cl_str("two")}};
    cl_bind(c, 1, any, x, "", (amqp_table_t){3, e2});
    cl_bind(c, 1, pres, x, "", cl_table1("k", cl_void()));
    cl_bind(c, 1, none, x, "", amqp_empty_table);
    publish_headers(c, x, cl_table2("a", cl_int(1), "b", cl_str("two")), "ab");
    publish_headers(c, x, cl_table1("a", cl_int(1)), "a");
    publish_headers(c, x, cl_table1("a", cl_str("1")), "a-string");
    publish_headers(c, x, cl_table1("k", cl_str("anything")), "k");
    cl_publish_wait(c, 2, x, "", 0, NULL, "bare");
    CHECK_STR(drain(c, all), "ab", "x-match all");
    CHECK_STR(drain(c, any), "ab,a", "x-match any");
    CHECK_STR(drain(c, pres), "k", "void binding value = presence");
    CHECK_STR(drain(c, none), "ab,a,a-string,k,bare", "binding without args");
    cl_close(c);
}

static void
x05_alternate_exchange(void)
{
    conn_t c = open_confirming();
    const char *ae = fresh_exchange(c, "ae", "fanout", CL_AUTODEL, amqp_empty_table);
    const char *aq = fresh_queue(c, "ae");
    cl_bind(c, 1, aq, ae, "", amqp_empty_table);
    const char *x =
            fresh_exchange(c, "main", "direct", 0, cl_table1("alternate-exchange", cl_str(ae)));
    CHECK(!cl_publish_wait(c, 2, x, "unrouted", 1, NULL, "via-ae"),
          "mandatory publish returned although the alternate exchange routed it");
    struct got g;
    CHECK(cl_get(c, 1, aq, 1, &g), "message did not reach the alternate exchange's queue");
    CHECK_STR(g.body, "via-ae", "body");
    CHECK_STR(g.exchange, x, "deliver exchange keeps the original exchange");
    CHECK_STR(g.routing_key, "unrouted", "deliver routing key");
    const char *x2 = fresh_exchange(c, "main2", "direct", 0,
                                    cl_table1("alternate-exchange", cl_str(sc_unique("gone"))));
    CHECK(cl_publish_wait(c, 2, x2, "unrouted", 1, NULL, "m"),
          "mandatory publish not returned when the alternate exchange is missing");
    cl_close(c);
}

static void
e2e_bind(conn_t c, const char *dst, const char *src)
{
    amqp_exchange_bind(c, 1, amqp_cstring_bytes(dst), amqp_cstring_bytes(src),
                       amqp_cstring_bytes(""), amqp_empty_table);
    cl_ok(c, sc_fmt("exchange.bind %s <- %s", dst, src));
}

static void
x08_diamond(void)
{
    conn_t c = open_confirming();
    const char *top = fresh_exchange(c, "top", "fanout", 0, amqp_empty_table);
    const char *l = fresh_exchange(c, "left", "fanout", 0, amqp_empty_table);
    const char *r = fresh_exchange(c, "right", "fanout", 0, amqp_empty_table);
    const char *q = fresh_queue(c, "diamond");
    e2e_bind(c, l, top);
    e2e_bind(c, r, top);
    cl_bind(c, 1, q, l, "", amqp_empty_table);
    cl_bind(c, 1, q, r, "", amqp_empty_table);
    cl_publish_wait(c, 2, top, "k", 0, NULL, "once");
    CHECK_STR(drain(c, q), "once", "queue reached by two paths gets one copy");
    cl_close(c);
}

static void
m03_delete_idempotent(void)
{
    conn_t c = cl_open();
    amqp_exchange_delete(c, 1, amqp_cstring_bytes(sc_unique("never")), 0);
    cl_ok(c, "exchange.delete of a missing exchange");
    cl_close(c);
}

static void
m04_e2e_errors(void)
{
    conn_t c = cl_open();
    const char *x = fresh_exchange(c, "dst", "fanout", 0, amqp_empty_table);
    const char *missing = sc_unique("nope");
    amqp_exchange_bind(c, 1, amqp_cstring_bytes(x), amqp_cstring_bytes(missing),
                       amqp_cstring_bytes(""), amqp_empty_table);
    cl_expect_ch_close(c, 1, 404, sc_fmt("NOT_FOUND - no exchange '%s' in vhost '/'", missing), 40,
                       30);
    cl_channel(c, 1);
    amqp_exchange_bind(c, 1, amqp_cstring_bytes(""), amqp_cstring_bytes(x), amqp_cstring_bytes(""),
                       amqp_empty_table);
    cl_expect_ch_close(c, 1, 403,
                       "ACCESS_REFUSED - operation not permitted on the default exchange", 40, 30);
    cl_close(c);
}

static void
m07_unbind_idempotent(void)
{
    conn_t c = cl_open();
    const char *q = fresh_queue(c, "ub");
    amqp_queue_unbind(c, 1, amqp_cstring_bytes(q), amqp_cstring_bytes("amq.direct"),
                      amqp_cstring_bytes("never-bound"), amqp_empty_table);
    cl_ok(c, "unbind of a missing binding");
    amqp_queue_unbind(c, 1, amqp_cstring_bytes(q), amqp_cstring_bytes(sc_unique("nox")),
                      amqp_cstring_bytes("k"), amqp_empty_table);
    cl_ok(c, "unbind from a missing exchange");
    cl_close(c);
}

static int
exchange_exists(conn_t c, const char *x)
{
    cl_exchange(c, 1, x, "direct", CL_PASSIVE, amqp_empty_table);
    amqp_rpc_reply_t r = amqp_get_rpc_reply(c);
    if (r.reply_type == AMQP_RESPONSE_NORMAL)
        return 1;
    cl_expect_ch_close(c, 1, 404, sc_fmt("NOT_FOUND - no exchange '%s' in vhost '/'", x), 40, 10);
    cl_channel(c, 1);
    return 0;
}

static void
q07_auto_delete_exchange(void)
{
    conn_t c = cl_open();
    const char *x = fresh_exchange(c, "ad", "direct", CL_AUTODEL, amqp_empty_table);
    const char *q = fresh_queue(c, "ad");
    CHECK(exchange_exists(c, x), "never-bound auto-delete exchange was deleted");
    cl_bind(c, 1, q, x, "k", amqp_empty_table);
    amqp_queue_unbind(c, 1, amqp_cstring_bytes(q), amqp_cstring_bytes(x), amqp_cstring_bytes("k"),
                      amqp_empty_table);
    cl_ok(c, "unbind");
    CHECK(!exchange_exists(c, x), "auto-delete exchange survived losing its last binding");
    const char *x2 = fresh_exchange(c, "ad2", "direct", CL_AUTODEL, amqp_empty_table);
    cl_bind(c, 1, q, x2, "k", amqp_empty_table);
    amqp_queue_delete(c, 1, amqp_cstring_bytes(q), 0, 0);
    cl_ok(c, "queue.delete");
    CHECK(!exchange_exists(c, x2), "auto-delete exchange survived deletion of its bound queue");
    cl_close(c);
}

static void
q10_default_exchange(void)
{
    conn_t c = open_confirming();
    const char *q = fresh_queue(c, "dflt");
    cl_publish_wait(c, 2, "", q, 0, NULL, "by-name");
    CHECK_STR(drain(c, q), "by-name", "default exchange routes by queue name");
    amqp_queue_bind(c, 1, amqp_cstring_bytes(q), amqp_cstring_bytes(""), amqp_cstring_bytes("k"),
                    amqp_empty_table);
    cl_expect_ch_close(c, 1, 403,
                       "ACCESS_REFUSED - operation not permitted on the default exchange", 50, 20);
    cl_close(c);
}

static void
q11_predeclared(void)
{
    static const char *const names[] = {"amq.direct",  "amq.fanout", "amq.topic",
                                        "amq.headers", "amq.match",  "amq.rabbitmq.trace"};
    conn_t c = cl_open();
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        CHECK(exchange_exists(c, names[i]), "predeclared exchange %s missing", names[i]);
    cl_close(c);
}

static void
q12_reserved_existing(void)
{
    conn_t c = cl_open();
    cl_exchange(c, 1, "amq.direct", "direct", CL_DURABLE, amqp_empty_table);
    cl_ok(c, "redeclare of existing amq.direct with its own properties");
    cl_exchange(c, 1, "amq.topic", "topic", CL_PASSIVE, amqp_empty_table);
    cl_ok(c, "passive declare of amq.topic");
    cl_close(c);
}

const struct scenario sc_exchanges[] = {
        {"X-01", "exchanges", "", x01_direct, "direct exchange exact key match"},
        {"X-02", "exchanges", "", x02_fanout, "fanout ignores routing key"},
        {"X-03", "exchanges", "", x03_topic_matrix, "topic wildcard matrix (12 x 10)"},
        {"X-04", "exchanges", "", x04_headers, "headers all/any/void/no-args"},
        {"X-05", "exchanges", "", x05_alternate_exchange, "alternate exchange vs mandatory"},
        {"X-08", "exchanges", "", x08_diamond, "e2e diamond delivers once"},
        {"M-03", "exchanges", "", m03_delete_idempotent, "exchange.delete missing ok"},
        {"M-04", "exchanges", "", m04_e2e_errors, "exchange.bind missing source 404, '' 403"},
        {"M-07", "exchanges", "", m07_unbind_idempotent, "queue.unbind missing binding ok"},
        {"Q-07", "exchanges", "", q07_auto_delete_exchange, "auto-delete exchange lifecycle"},
        {"Q-10", "exchanges", "", q10_default_exchange,
         "default exchange routes by name, bind 403"},
        {"Q-11", "exchanges", "", q11_predeclared, "predeclared amq.* exchanges exist"},
        {"Q-12", "exchanges", "", q12_reserved_existing, "existing amq.* declare/passive ok"},
        {NULL, NULL, NULL, NULL, NULL},
};
