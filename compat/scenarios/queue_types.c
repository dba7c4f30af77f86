/* SPDX-License-Identifier: MPL-2.0 */
/* Queue type scenarios (Q-09, ERR-29, ERR-30, ERR-40..ERR-42, LZ-01, QL-01, Q-03):
 * x-queue-type classic/quorum/stream declaration rules, quorum delivery limits and the
 * x-delivery-count header, stream consumption rules and x-stream-offset, accepted args. */
#include "config.h"

#include "compat/lib/client.h"
#include "compat/lib/suite.h"

#include <string.h>

static amqp_table_t
typed(const char *type)
{
    return cl_table1("x-queue-type", cl_str(type));
}

static const char *
qdesc(const char *q)
{
    return sc_fmt("queue '%s' in vhost '/'", q);
}

static void
declare_fails(conn_t c, const char *q, int flags, amqp_table_t args, uint16_t code,
              const char *text)
{
    cl_queue(c, 1, q, flags, args);
    cl_expect_ch_close(c, 1, code, text, 50, 10);
    cl_channel(c, 1);
}

/* classic is accepted explicitly; changing the type on redeclare is inequivalent. */
static void
q09_type_change(void)
{
    conn_t c = cl_open();
    const char *q = cl_new_queue(c, "cl", CL_DURABLE, typed("classic"));
    declare_fails(c, q, CL_DURABLE, typed("quorum"), 406,
                  sc_fmt("PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for %s: "
                         "received 'quorum' but current is 'classic'",
                         qdesc(q)));
    cl_close(c);
}

/* ERR-29: quorum queues must be durable, non-exclusive, non-auto-delete, client-named and
 * take only quorum arguments. */
static void
err29_quorum_rules(void)
{
    conn_t c = cl_open();
    const char *q = sc_queue("qq");
    const char *bad = "PRECONDITION_FAILED - invalid property '%s' for %s";
    declare_fails(c, q, 0, typed("quorum"), 406, sc_fmt(bad, "non-durable", qdesc(q)));
    declare_fails(c, q, CL_DURABLE | CL_EXCLUSIVE, typed("quorum"), 406,
                  sc_fmt(bad, "exclusive-owner", qdesc(q)));
    declare_fails(c, q, CL_DURABLE | CL_AUTODEL, typed("quorum"), 406,
                  sc_fmt(bad, "auto-delete", qdesc(q)));
    declare_fails(c, "", CL_DURABLE, typed("quorum"), 406,
                  "PRECONDITION_FAILED - Cannot declare a server-named queue for type "
                  "rabbit_quorum_queue");
    declare_fails(c, q, CL_DURABLE,
                  cl_table2("x-queue-type", cl_str("quorum"), "x-max-priority", cl_int(5)), 406,
                  sc_fmt("PRECONDITION_FAILED - invalid arg 'x-max-priority' for %s of queue "
                         "type rabbit_quorum_queue",
                         qdesc(q)));
    cl_queue(c, 1, q, CL_DURABLE, typed("quorum"));
    cl_ok(c, "valid quorum declare");
    cl_close(c);
}

/* unknown x- arguments are ignored in quorum equivalence too. */
static void
q03_quorum_unknown_arg(void)
{
    conn_t c = cl_open();
    const char *q = sc_queue("qq");
    cl_queue(c, 1, q, CL_DURABLE, cl_table2("x-queue-type", cl_str("quorum"), "x-foo", cl_int(1)));
    cl_ok(c, "declare with x-foo 1");
    cl_queue(c, 1, q, CL_DURABLE, cl_table2("x-queue-type", cl_str("quorum"), "x-foo", cl_int(2)));
    cl_ok(c, "redeclare with x-foo 2");
    cl_close(c);
}

/* Q-09 / D-01: a quorum queue counts deliveries: x-delivery-count on redeliveries, and
 * past x-delivery-limit the message is dead-lettered with reason delivery_limit. */
static void
q09_delivery_limit(void)
{
    conn_t c = cl_open_confirming(), sub = cl_open();
    const char *dlx = cl_new_exchange(c, "dlx", "fanout", 0, amqp_empty_table);
    const char *dlq = cl_new_queue(c, "dlq", 0, amqp_empty_table);
    cl_bind(c, 1, dlq, dlx, "", amqp_empty_table);
    const char *q = sc_queue("qq");
    cl_queue(c, 1, q, CL_DURABLE,
             cl_table(3, "x-queue-type", cl_str("quorum"), "x-delivery-limit", cl_int(2),
                      "x-dead-letter-exchange", cl_str(dlx)));
    cl_ok(c, "declare quorum with x-delivery-limit 2");
    cl_publish_wait(c, 2, "", q, 0, NULL, "poison");
    cl_consume(sub, 1, q, NULL, 0, 0);
    static const char *const want[] = {"-", "{x-delivery-count:l1}", "{x-delivery-count:l2}"};
    struct got g;
    for (int i = 0; i < 3; i++) {
        CHECK(cl_next(sub, 3000, &g, NULL), "delivery %d missing", i + 1);
        CHECK_INT(g.redelivered, i > 0, "redelivered");
        CHECK_STR(cl_headers(&g), want[i], sc_fmt("headers of delivery %d", i + 1));
        amqp_basic_reject(sub, 1, g.tag, 1);
    }
    CHECK(!cl_next(sub, 300, &g, NULL), "delivered past the limit: %s", cl_headers(&g));
    CHECK(cl_await_count(c, 1, dlq, 1, 3000), "not dead-lettered after the limit");
    CHECK(cl_get(c, 1, dlq, 1, &g), "dead letter missing");
    CHECK_STR(cl_headers(&g),
              sc_fmt("{x-death:A[F{count:l1,reason:S\"delivery_limit\","
                     "queue:S\"%s\",time:T,exchange:S\"\",routing-keys:A[S\"%s\"]}],"
                     "x-first-death-exchange:S\"\",x-first-death-queue:S\"%s\","
                     "x-first-death-reason:S\"delivery_limit\"}",
                     q, q, q),
              "dead letter headers");
    cl_close(sub);
    cl_close(c);
}

static const char *
quorum(conn_t c, amqp_table_t args)
{
    const char *q = sc_queue("qq");
    cl_queue(c, 1, q, CL_DURABLE, args);
    cl_ok(c, "declare quorum");
    return q;
}

/* ERR-40: a consumer on a quorum queue under a global prefetch is refused. */
static void
err40_quorum_global_qos(void)
{
    conn_t c = cl_open();
    const char *q = quorum(c, typed("quorum"));
    cl_qos(c, 1, 10, 1);
    amqp_basic_consume(c, 1, amqp_cstring_bytes(q), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
    cl_expect_conn_close(
            c, 540, sc_fmt("NOT_IMPLEMENTED - %s does not support global qos", qdesc(q)), 60, 20);
    amqp_destroy_connection(c);
}

/* ERR-42: basic.get on a quorum queue with single active consumer. */
static void
err42_quorum_sac_get(void)
{
    conn_t c = cl_open();
    const char *q = quorum(
            c, cl_table2("x-queue-type", cl_str("quorum"), "x-single-active-consumer", cl_bool(1)));
    amqp_basic_get(c, 1, amqp_cstring_bytes(q), 1);
    cl_expect_ch_close(c, 1, 405,
                       sc_fmt("RESOURCE_LOCKED - cannot obtain access to locked %s. basic.get "
                              "operations are not supported by quorum queues with single active "
                              "consumer",
                              qdesc(q)),
                       60, 70);
    cl_close(c);
}

static const char *
stream(conn_t c)
{
    const char *q = sc_queue("st");
    cl_queue(c, 1, q, CL_DURABLE, typed("stream"));
    cl_ok(c, "declare stream");
    return q;
}

/* ERR-30: consuming a stream needs a prefetch count. */
static void
err30_stream_no_prefetch(void)
{
    conn_t c = cl_open();
    const char *q = stream(c);
    amqp_basic_consume(c, 1, amqp_cstring_bytes(q), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
    cl_expect_ch_close(
            c, 1, 406,
            sc_fmt("PRECONDITION_FAILED - consumer prefetch count is not set for '%s'", qdesc(q)),
            60, 20);
    cl_close(c);
}

/* ERR-41: basic.get, queue.purge and auto-ack consume on a stream close the connection. */
static void
err41_stream_unsupported(void)
{
    static const char *const what[] = {"basic.get not supported by stream queues",
                                       "queue.purge not supported by stream queues",
                                       "automatic acknowledgement not supported by stream queues"};
    static const uint16_t meth[][2] = {{60, 70}, {50, 30}, {60, 20}};
    const char *q = NULL;
    for (int i = 0; i < 3; i++) {
        conn_t c = cl_open();
        if (!q)
            q = stream(c);
        if (i == 0)
            amqp_basic_get(c, 1, amqp_cstring_bytes(q), 0);
        else if (i == 1)
            amqp_queue_purge(c, 1, amqp_cstring_bytes(q));
        else {
            cl_qos(c, 1, 10, 0);
            amqp_basic_consume(c, 1, amqp_cstring_bytes(q), amqp_empty_bytes, 0, 1, 0,
                               amqp_empty_table);
        }
        cl_expect_conn_close(c, 540, sc_fmt("NOT_IMPLEMENTED - %s %s", what[i], qdesc(q)),
                             meth[i][0], meth[i][1]);
        amqp_destroy_connection(c);
    }
}

/* Starts a prefetch-limited manual-ack stream consumer from offset "first". */
static void
stream_consume(conn_t c, const char *q)
{
    cl_qos(c, 1, 10, 0);
    cl_consume_args(c, 1, q, "st", 0, 0, cl_table1("x-stream-offset", cl_str("first")));
}

/* every stream delivery carries x-stream-offset (long), counting from 0. */
static void
q09_stream_offset_header(void)
{
    conn_t c = cl_open_confirming(), sub = cl_open();
    const char *q = stream(c);
    for (int i = 0; i < 3; i++)
        cl_publish_wait(c, 2, "", q, 0, NULL, sc_fmt("s%d", i));
    stream_consume(sub, q);
    struct got g;
    for (int i = 0; i < 3; i++) {
        CHECK(cl_next(sub, 3000, &g, NULL), "stream delivery %d missing", i);
        CHECK_STR(g.body, sc_fmt("s%d", i), "body");
        CHECK_STR(cl_headers(&g), sc_fmt("{x-stream-offset:l%d}", i), "headers");
        amqp_basic_ack(sub, 1, g.tag, 0);
    }
    cl_close(sub);
    cl_close(c);
}

/* ERR-41: reject and nack on a stream delivery close the connection. */
static void
err41_stream_reject(void)
{
    const char *q = NULL;
    for (int i = 0; i < 2; i++) {
        conn_t c = cl_open_confirming(), sub = cl_open();
        if (!q) {
            q = stream(c);
            cl_publish_wait(c, 2, "", q, 0, NULL, "s");
        }
        stream_consume(sub, q);
        struct got g;
        CHECK(cl_next(sub, 3000, &g, NULL), "stream delivery missing");
        if (i == 0)
            amqp_basic_reject(sub, 1, g.tag, 0);
        else
            amqp_basic_nack(sub, 1, g.tag, 0, 0);
        cl_await_conn_close(sub, 540,
                            sc_fmt("NOT_IMPLEMENTED - basic.nack and basic.reject not supported "
                                   "by stream queues %s",
                                   qdesc(q)),
                            60, i == 0 ? 90 : 120);
        amqp_destroy_connection(sub);
        cl_close(c);
    }
}

/* LZ-01: x-queue-mode and x-queue-version are accepted and validated. */
static void
lz01_mode_version(void)
{
    conn_t c = cl_open();
    cl_new_queue(c, "lazy", 0, cl_table1("x-queue-mode", cl_str("lazy")));
    cl_new_queue(c, "v2", 0, cl_table1("x-queue-version", cl_int(2)));
    const char *q = sc_queue("bad");
    declare_fails(c, q, 0, cl_table1("x-queue-mode", cl_str("bogus")), 406,
                  sc_fmt("PRECONDITION_FAILED - invalid arg 'x-queue-mode' for %s: "
                         "\"unsupported queue mode 'bogus'\"",
                         qdesc(q)));
    declare_fails(c, q, 0, cl_table1("x-queue-version", cl_int(3)), 406,
                  sc_fmt("PRECONDITION_FAILED - invalid arg 'x-queue-version' for %s: "
                         "\"unsupported queue version '3'\"",
                         qdesc(q)));
    cl_close(c);
}

/* QL-01: queue master/leader locators are accepted (single node: no effect). */
static void
ql01_locators(void)
{
    conn_t c = cl_open();
    cl_new_queue(c, "ml", 0, cl_table1("x-queue-master-locator", cl_str("client-local")));
    cl_new_queue(c, "ll", CL_DURABLE,
                 cl_table2("x-queue-type", cl_str("quorum"), "x-queue-leader-locator",
                           cl_str("balanced")));
    cl_close(c);
}

/* QL-01 (rmq-bug): 3.10.8 answers a bogus x-queue-master-locator with a crash,
 * connection.close 541 "INTERNAL_ERROR" (0/0). The sane answer, asserted here, is a 406
 * channel close naming the argument, like the other invalid-arg errors (ERR-14). */
static void
ql01_bogus_locator(void)
{
    conn_t c = cl_open();
    const char *q = sc_queue("bad");
    cl_queue(c, 1, q, 0, cl_table1("x-queue-master-locator", cl_str("bogus")));
    amqp_rpc_reply_t r = amqp_get_rpc_reply(c);
    CHECK(r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION && r.reply.id == AMQP_CHANNEL_CLOSE_METHOD,
          "bogus x-queue-master-locator: no channel.close");
    amqp_channel_close_t *m = r.reply.decoded;
    const char *want =
            sc_fmt("PRECONDITION_FAILED - invalid arg 'x-queue-master-locator' for %s", qdesc(q));
    const char *got = sc_fmt("%.*s", (int)m->reply_text.len, (char *)m->reply_text.bytes);
    CHECK_INT(m->reply_code, 406, "reply-code");
    CHECK(strncmp(got, want, strlen(want)) == 0, "reply-text \"%s\" does not start \"%s\"", got,
          want);
    CHECK(m->class_id == 50 && m->method_id == 10, "close class/method %u/%u", m->class_id,
          m->method_id);
    amqp_channel_close_ok_t ok = {0};
    amqp_send_method(c, 1, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
    cl_close(c);
}

const struct scenario sc_queue_types[] = {
        {"Q-09", "queue-types", "", q09_type_change, "x-queue-type change on redeclare 406"},
        {"ERR-29", "queue-types", "", err29_quorum_rules, "quorum declare rules 406 (5 cases)"},
        {"Q-03", "queue-types", "", q03_quorum_unknown_arg, "quorum ignores x-foo in equivalence"},
        {"Q-09", "queue-types", "", q09_delivery_limit,
         "quorum x-delivery-count, delivery_limit DLX"},
        {"ERR-40", "queue-types", "", err40_quorum_global_qos,
         "quorum consumer with global qos 540"},
        {"ERR-42", "queue-types", "", err42_quorum_sac_get, "basic.get on quorum SAC 405"},
        {"ERR-30", "queue-types", "", err30_stream_no_prefetch,
         "stream consume without prefetch 406"},
        {"ERR-41", "queue-types", "", err41_stream_unsupported, "stream get/purge/auto-ack 540"},
        {"ERR-41", "queue-types", "", err41_stream_reject, "stream reject/nack 540"},
        {"Q-09", "queue-types", "", q09_stream_offset_header, "stream x-stream-offset header"},
        {"LZ-01", "queue-types", "", lz01_mode_version, "x-queue-mode/x-queue-version"},
        {"QL-01", "queue-types", "", ql01_locators, "queue master/leader locators accepted"},
        {"QL-01", "queue-types", "rmq-bug", ql01_bogus_locator, "bogus master locator 406"},
        {NULL, NULL, NULL, NULL, NULL},
};
