/* SPDX-License-Identifier: MPL-2.0 */
/* Error catalogue scenarios (ERR-xx): exact reply codes, texts and class/method ids
 * for channel and connection exceptions, mostly through rabbitmq-c. */
#include "config.h"

#include "compat/lib/client.h"
#include "compat/lib/suite.h"
#include "compat/lib/wire.h"

#include <string.h>
#include <sys/time.h>

/* Declare must fail with a channel close; channel 1 is reopened afterwards. */
static void
declare_fails(conn_t c, const char *q, int flags, amqp_table_t args, uint16_t code,
              const char *text)
{
    cl_queue(c, 1, q, flags, args);
    cl_expect_ch_close(c, 1, code, text, 50, 10);
    cl_channel(c, 1);
}

static const char *
qdesc(const char *q)
{
    return sc_fmt("queue '%s' in vhost '/'", q);
}

static void
err01_queue_prefix(void)
{
    conn_t c = cl_open();
    const char *q = sc_fmt("amq.%s", sc_unique("q"));
    declare_fails(c, q, 0, amqp_empty_table, 403,
                  sc_fmt("ACCESS_REFUSED - queue name '%s' contains reserved prefix 'amq.*'", q));
    cl_close(c);
}

static void
err01_exchange_prefix(void)
{
    conn_t c = cl_open();
    const char *x = sc_fmt("amq.%s", sc_unique("x"));
    cl_exchange(c, 1, x, "direct", 0, amqp_empty_table);
    cl_expect_ch_close(
            c, 1, 403,
            sc_fmt("ACCESS_REFUSED - exchange name '%s' contains reserved prefix 'amq.*'", x), 40,
            10);
    cl_close(c);
}

static void
err02_default_exchange(void)
{
    static const char *const text =
            "ACCESS_REFUSED - operation not permitted on the default exchange";
    conn_t c = cl_open();
    cl_exchange(c, 1, "", "direct", 0, amqp_empty_table);
    cl_expect_ch_close(c, 1, 403, text, 40, 10);
    cl_channel(c, 1);
    amqp_exchange_delete(c, 1, amqp_cstring_bytes(""), 0);
    cl_expect_ch_close(c, 1, 403, text, 40, 20);
    cl_close(c);
}

static void
err03_delete_system_exchange(void)
{
    conn_t c = cl_open();
    amqp_exchange_delete(c, 1, amqp_cstring_bytes("amq.direct"), 0);
    cl_expect_ch_close(
            c, 1, 403,
            "ACCESS_REFUSED - deletion of system exchange 'amq.direct' in vhost '/' not allowed",
            40, 20);
    cl_close(c);
}

static void
err04_internal_exchange(void)
{
    conn_t c = cl_open();
    const char *x = sc_exchange("int");
    cl_exchange(c, 1, x, "fanout", CL_INTERNAL | CL_AUTODEL, amqp_empty_table);
    cl_ok(c, "declare internal exchange");
    cl_publish(c, 1, x, "", "m");
    cl_await_ch_close(
            c, 1, 403,
            sc_fmt("ACCESS_REFUSED - cannot publish to internal exchange '%s' in vhost '/'", x), 60,
            40);
    cl_close(c);
}

/* ERR-06 / P-06: exclusive consumers conflict in both directions. */
static void
exclusive_conflict(int first_exclusive)
{
    conn_t a = cl_open(), b = cl_open();
    const char *q = sc_queue("excl-use");
    cl_queue(a, 1, q, 0, amqp_empty_table);
    cl_ok(a, "declare");
    cl_consume(a, 1, q, NULL, 0, first_exclusive);
    amqp_basic_consume(b, 1, amqp_cstring_bytes(q), amqp_empty_bytes, 0, 0, !first_exclusive,
                       amqp_empty_table);
    cl_expect_ch_close(b, 1, 403, sc_fmt("ACCESS_REFUSED - %s in exclusive use", qdesc(q)), 60, 20);
    cl_close(b);
    cl_close(a);
}

static void
err06_exclusive_held(void)
{
    exclusive_conflict(1);
}

static void
err06_exclusive_wanted(void)
{
    exclusive_conflict(0);
}

static void
err07_missing_queue(void)
{
    conn_t c = cl_open();
    const char *q = sc_unique("nope");
    const char *text = sc_fmt("NOT_FOUND - no queue '%s' in vhost '/'", q);
    amqp_bytes_t qb = amqp_cstring_bytes(q);
    declare_fails(c, q, CL_PASSIVE, amqp_empty_table, 404, text);
    amqp_basic_get(c, 1, qb, 0);
    cl_expect_ch_close(c, 1, 404, text, 60, 70);
    cl_channel(c, 1);
    amqp_basic_consume(c, 1, qb, amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
    cl_expect_ch_close(c, 1, 404, text, 60, 20);
    cl_channel(c, 1);
    amqp_queue_purge(c, 1, qb);
    cl_expect_ch_close(c, 1, 404, text, 50, 30);
    cl_channel(c, 1);
    amqp_queue_bind(c, 1, qb, amqp_cstring_bytes("amq.direct"), qb, amqp_empty_table);
    cl_expect_ch_close(c, 1, 404, text, 50, 20);
    cl_close(c);
}

static void
err08_missing_exchange(void)
{
    conn_t c = cl_open();
    const char *x = sc_unique("nope");
    cl_exchange(c, 1, x, "direct", CL_PASSIVE, amqp_empty_table);
    cl_expect_ch_close(c, 1, 404, sc_fmt("NOT_FOUND - no exchange '%s' in vhost '/'", x), 40, 10);
    cl_channel(c, 1);
    cl_publish(c, 1, x, "k", "m");
    cl_await_ch_close(c, 1, 404, sc_fmt("NOT_FOUND - no exchange '%s' in vhost '/'", x), 60, 40);
    cl_channel(c, 1);
    /* amq.default is the permission name of "", not an alias for it. */
    cl_exchange(c, 1, "amq.default", "direct", CL_PASSIVE, amqp_empty_table);
    cl_expect_ch_close(c, 1, 404, "NOT_FOUND - no exchange 'amq.default' in vhost '/'", 40, 10);
    cl_close(c);
}

static void
err09_no_previous_queue(void)
{
    conn_t c = cl_open();
    amqp_basic_get(c, 1, amqp_cstring_bytes(""), 0);
    cl_expect_ch_close(c, 1, 404, "NOT_FOUND - no previously declared queue", 60, 70);
    cl_channel(c, 1);
    amqp_queue_purge(c, 1, amqp_cstring_bytes(""));
    cl_expect_ch_close(c, 1, 404, "NOT_FOUND - no previously declared queue", 50, 30);
    cl_close(c);
}

static void
err10_exclusive_locked(void)
{
    conn_t a = cl_open(), b = cl_open();
    const char *q = sc_queue("locked");
    const char *text =
            sc_fmt("RESOURCE_LOCKED - cannot obtain exclusive access to locked %s. It could be "
                   "originally declared on another connection or the exclusive property value does "
                   "not match that of the original declaration.",
                   qdesc(q));
    cl_queue(a, 1, q, CL_EXCLUSIVE, amqp_empty_table);
    cl_ok(a, "declare exclusive");
    declare_fails(b, q, CL_PASSIVE, amqp_empty_table, 405, text);
    declare_fails(b, q, CL_EXCLUSIVE, amqp_empty_table, 405, text);
    amqp_basic_get(b, 1, amqp_cstring_bytes(q), 1);
    cl_expect_ch_close(b, 1, 405, text, 60, 70);
    cl_channel(b, 1);
    amqp_queue_delete(b, 1, amqp_cstring_bytes(q), 0, 0);
    cl_expect_ch_close(b, 1, 405, text, 50, 40);
    cl_close(b);
    cl_close(a);
}

static void
err11_inequivalent_durable(void)
{
    conn_t c = cl_open();
    const char *q = sc_queue("q1");
    cl_queue(c, 1, q, 0, amqp_empty_table);
    cl_ok(c, "declare");
    declare_fails(c, q, CL_DURABLE, amqp_empty_table, 406,
                  sc_fmt("PRECONDITION_FAILED - inequivalent arg 'durable' for %s: "
                         "received 'true' but current is 'false'",
                         qdesc(q)));
    cl_close(c);
}

static void
err12_inequivalent_args(void)
{
    conn_t c = cl_open();
    const char *q = sc_queue("q2"), *q2 = sc_queue("q2b");
    cl_queue(c, 1, q, 0, cl_table1("x-message-ttl", cl_int(1000)));
    cl_ok(c, "declare");
    const char *pre =
            sc_fmt("PRECONDITION_FAILED - inequivalent arg 'x-message-ttl' for %s: ", qdesc(q));
    declare_fails(c, q, 0, cl_table1("x-message-ttl", cl_int(2000)), 406,
                  sc_fmt("%sreceived '2000' but current is '1000'", pre));
    declare_fails(
            c, q, 0, amqp_empty_table, 406,
            sc_fmt("%sreceived none but current is the value '1000' of type 'signedint'", pre));
    cl_queue(c, 1, q2, 0, amqp_empty_table);
    cl_ok(c, "declare");
    declare_fails(c, q2, 0, cl_table1("x-message-ttl", cl_int(1000)), 406,
                  sc_fmt("PRECONDITION_FAILED - inequivalent arg 'x-message-ttl' for %s: "
                         "received the value '1000' of type 'signedint' but current is none",
                         qdesc(q2)));
    cl_close(c);
}

static void
err13_inequivalent_exchange(void)
{
    conn_t c = cl_open();
    const char *x = sc_exchange("ex1");
    cl_exchange(c, 1, x, "direct", 0, amqp_empty_table);
    cl_ok(c, "declare exchange");
    cl_exchange(c, 1, x, "topic", 0, amqp_empty_table);
    cl_expect_ch_close(c, 1, 406,
                       sc_fmt("PRECONDITION_FAILED - inequivalent arg 'type' for exchange '%s' "
                              "in vhost '/': received 'topic' but current is 'direct'",
                              x),
                       40, 10);
    cl_close(c);
}

static void
err14_invalid_arg(void)
{
    conn_t c = cl_open();
    const char *q = sc_queue("bad1");
    const char *pre = sc_fmt("PRECONDITION_FAILED - invalid arg '%%s' for %s: ", qdesc(q));
    declare_fails(c, q, 0, cl_table1("x-message-ttl", cl_int(-1)), 406,
                  sc_fmt("%s{value_negative,-1}", sc_fmt(pre, "x-message-ttl")));
    declare_fails(c, q, 0, cl_table1("x-expires", cl_int(0)), 406,
                  sc_fmt("%s{value_zero,0}", sc_fmt(pre, "x-expires")));
    declare_fails(c, q, 0, cl_table1("x-max-priority", cl_int(256)), 406,
                  sc_fmt("%s{max_value_exceeded,256}", sc_fmt(pre, "x-max-priority")));
    declare_fails(c, q, 0, cl_table1("x-message-ttl", cl_str("1000")), 406,
                  sc_fmt("%s\"expected integer, got longstr\"", sc_fmt(pre, "x-message-ttl")));
    cl_close(c);
}

static void
err15_invalid_arg_type(void)
{
    conn_t c = cl_open();
    const char *q = sc_queue("bad1");
    declare_fails(c, q, 0, cl_table1("x-dead-letter-exchange", cl_int(1)), 406,
                  sc_fmt("PRECONDITION_FAILED - invalid type 'signedint' for arg "
                         "'x-dead-letter-exchange' in %s",
                         qdesc(q)));
    cl_close(c);
}

static void
err16_unknown_tag(void)
{
    conn_t c = cl_open();
    amqp_basic_ack(c, 1, 99, 0);
    cl_await_ch_close(c, 1, 406, "PRECONDITION_FAILED - unknown delivery tag 99", 60, 80);
    cl_close(c);
}

static void
err17_delete_if(void)
{
    conn_t c = cl_open();
    const char *q = sc_queue("g"), *q2 = sc_queue("g2");
    cl_queue(c, 1, q, 0, amqp_empty_table);
    cl_ok(c, "declare");
    cl_consume(c, 1, q, NULL, 0, 0);
    amqp_queue_delete(c, 1, amqp_cstring_bytes(q), 1, 0);
    cl_expect_ch_close(c, 1, 406, sc_fmt("PRECONDITION_FAILED - %s in use", qdesc(q)), 50, 40);
    cl_channel(c, 1);
    cl_queue(c, 1, q2, 0, amqp_empty_table);
    cl_ok(c, "declare");
    cl_publish(c, 1, "", q2, "m");
    amqp_queue_delete(c, 1, amqp_cstring_bytes(q2), 0, 1);
    cl_expect_ch_close(c, 1, 406, sc_fmt("PRECONDITION_FAILED - %s not empty", qdesc(q2)), 50, 40);
    cl_close(c);
}

static void
err18_exchange_in_use(void)
{
    conn_t c = cl_open();
    const char *x = sc_exchange("ex1"), *q = sc_queue("b");
    cl_exchange(c, 1, x, "direct", 0, amqp_empty_table);
    cl_ok(c, "declare exchange");
    cl_queue(c, 1, q, 0, amqp_empty_table);
    cl_ok(c, "declare");
    cl_bind(c, 1, q, x, "k", amqp_empty_table);
    amqp_exchange_delete(c, 1, amqp_cstring_bytes(x), 1);
    cl_expect_ch_close(c, 1, 406,
                       sc_fmt("PRECONDITION_FAILED - exchange '%s' in vhost '/' in use", x), 40,
                       20);
    cl_close(c);
}

static void
err19_not_transactional(void)
{
    conn_t c = cl_open();
    amqp_tx_commit(c, 1);
    cl_expect_ch_close(c, 1, 406, "PRECONDITION_FAILED - channel is not transactional", 90, 20);
    cl_channel(c, 1);
    amqp_tx_rollback(c, 1);
    cl_expect_ch_close(c, 1, 406, "PRECONDITION_FAILED - channel is not transactional", 90, 30);
    cl_close(c);
}

static void
err20_tx_confirm_switch(void)
{
    conn_t c = cl_open();
    amqp_tx_select(c, 1);
    cl_ok(c, "tx.select");
    amqp_confirm_select(c, 1);
    cl_expect_ch_close(c, 1, 406, "PRECONDITION_FAILED - cannot switch from tx to confirm mode", 85,
                       10);
    cl_channel(c, 1);
    amqp_confirm_select(c, 1);
    cl_ok(c, "confirm.select");
    amqp_tx_select(c, 1);
    cl_expect_ch_close(c, 1, 406, "PRECONDITION_FAILED - cannot switch from confirm to tx mode", 90,
                       10);
    cl_close(c);
}

static void
err21_user_id(void)
{
    conn_t c = cl_open();
    amqp_basic_properties_t p = {._flags = AMQP_BASIC_USER_ID_FLAG,
                                 .user_id = amqp_cstring_bytes("bob")};
    cl_publish_props(c, 1, "", sc_unique("nowhere"), 0, &p, "m");
    cl_await_ch_close(
            c, 1, 406,
            "PRECONDITION_FAILED - user_id property set to 'bob' but authenticated user was "
            "'guest'",
            60, 40);
    cl_close(c);
}

static void
err22_expiration(void)
{
    conn_t c = cl_open();
    amqp_basic_properties_t p = {._flags = AMQP_BASIC_EXPIRATION_FLAG,
                                 .expiration = amqp_cstring_bytes("abc")};
    cl_publish_props(c, 1, "", sc_unique("nowhere"), 0, &p, "m");
    cl_await_ch_close(c, 1, 406, "PRECONDITION_FAILED - invalid expiration 'abc': no_integer", 60,
                      40);
    cl_channel(c, 1);
    p.expiration = amqp_cstring_bytes("-5");
    cl_publish_props(c, 1, "", sc_unique("nowhere"), 0, &p, "m");
    cl_await_ch_close(c, 1, 406,
                      "PRECONDITION_FAILED - invalid expiration '-5': {value_negative,-5}", 60, 40);
    cl_close(c);
}

static void
err31_before_open(void)
{
    struct wire w;
    struct buf b = {0};
    wire_open(&w, 0);
    buf_u32(&b, 0);
    buf_u16(&b, 1);
    buf_u8(&b, 0);
    wire_send_method(&w, 1, 60, 10, &b);
    buf_free(&b);
    wire_expect_conn_close(&w, 504, "CHANNEL_ERROR - expected 'channel.open'", 60, 10);
    wire_close(&w);
}

static void
err32_second_open(void)
{
    struct wire w;
    struct buf b = {0};
    wire_open(&w, 1);
    buf_shortstr(&b, "");
    wire_send_method(&w, 1, 20, 10, &b);
    buf_free(&b);
    wire_expect_conn_close(&w, 504, "CHANNEL_ERROR - second 'channel.open' seen", 20, 10);
    wire_close(&w);
}

static void
err33_method_on_channel0(void)
{
    struct wire w;
    wire_open(&w, 0);
    wire_queue_declare(&w, 0, sc_unique("ch0"), 0);
    wire_expect_conn_close(&w, 504, "CHANNEL_ERROR - unexpected method in connection state running",
                           50, 10);
    wire_close(&w);
}

static void
err35_tag_reuse(void)
{
    conn_t c = cl_open();
    const char *q = sc_queue("tags");
    cl_queue(c, 1, q, 0, amqp_empty_table);
    cl_ok(c, "declare");
    cl_consume(c, 1, q, "dup", 0, 0);
    amqp_basic_consume(c, 1, amqp_cstring_bytes(q), amqp_cstring_bytes("dup"), 0, 0, 0,
                       amqp_empty_table);
    cl_expect_conn_close(c, 530, "NOT_ALLOWED - attempt to reuse consumer tag 'dup'", 60, 20);
    amqp_destroy_connection(c);
}

static void
err36_unknown_exchange_type(void)
{
    conn_t c = cl_open();
    cl_exchange(c, 1, sc_unique("bogus"), "bogus", 0, amqp_empty_table);
    cl_expect_conn_close(c, 503, "COMMAND_INVALID - unknown exchange type 'bogus'", 40, 10);
    amqp_destroy_connection(c);
}

static void
err37_immediate(void)
{
    conn_t c = cl_open();
    amqp_basic_publish(c, 1, amqp_cstring_bytes(""), amqp_cstring_bytes(sc_unique("q")), 0, 1, NULL,
                       amqp_cstring_bytes("m"));
    cl_await_conn_close(c, 540, "NOT_IMPLEMENTED - immediate=true", 60, 40);
    amqp_destroy_connection(c);
}

static void
err38_prefetch_size(void)
{
    conn_t c = cl_open();
    amqp_basic_qos(c, 1, 10, 0, 0);
    cl_expect_conn_close(c, 540, "NOT_IMPLEMENTED - prefetch_size!=0 (10)", 60, 10);
    amqp_destroy_connection(c);
}

static void
err39_recover_no_requeue(void)
{
    conn_t c = cl_open();
    amqp_basic_recover(c, 1, 0);
    cl_expect_conn_close(c, 540, "NOT_IMPLEMENTED - requeue=false", 60, 110);
    amqp_destroy_connection(c);
    c = cl_open();
    amqp_basic_recover_async_t m = {.requeue = 0};
    amqp_send_method(c, 1, AMQP_BASIC_RECOVER_ASYNC_METHOD, &m);
    cl_await_conn_close(c, 540, "NOT_IMPLEMENTED - requeue=false", 60, 100);
    amqp_destroy_connection(c);
}

static void
err45_no_route(void)
{
    conn_t c = cl_open();
    amqp_frame_t f;
    amqp_message_t msg;
    const char *rk = sc_unique("nowhere");
    struct timeval tv = {5, 0};
    cl_publish_props(c, 1, "amq.direct", rk, 1, NULL, "returned");
    int rc = amqp_simple_wait_frame_noblock(c, &f, &tv);
    CHECK(rc == AMQP_STATUS_OK && f.frame_type == AMQP_FRAME_METHOD &&
                  f.payload.method.id == AMQP_BASIC_RETURN_METHOD,
          "no basic.return for a mandatory unroutable publish");
    amqp_basic_return_t *r = f.payload.method.decoded;
    CHECK_INT(r->reply_code, 312, "reply-code");
    CHECK_STR(sc_fmt("%.*s", (int)r->reply_text.len, (char *)r->reply_text.bytes), "NO_ROUTE",
              "reply-text");
    CHECK_STR(sc_fmt("%.*s", (int)r->exchange.len, (char *)r->exchange.bytes), "amq.direct",
              "exchange");
    CHECK_STR(sc_fmt("%.*s", (int)r->routing_key.len, (char *)r->routing_key.bytes), rk,
              "routing-key");
    amqp_rpc_reply_t rr = amqp_read_message(c, 1, &msg, 0);
    CHECK(rr.reply_type == AMQP_RESPONSE_NORMAL, "reading returned content");
    CHECK_STR(sc_fmt("%.*s", (int)msg.body.len, (char *)msg.body.bytes), "returned", "body");
    amqp_destroy_message(&msg);
    cl_close(c);
}

const struct scenario sc_errors[] = {
        {"ERR-01", "errors", "", err01_queue_prefix, "queue amq.* prefix 403"},
        {"ERR-01", "errors", "", err01_exchange_prefix, "exchange amq.* prefix 403"},
        {"ERR-02", "errors", "", err02_default_exchange, "declare/delete default exchange 403"},
        {"ERR-03", "errors", "", err03_delete_system_exchange, "delete amq.direct 403"},
        {"ERR-04", "errors", "", err04_internal_exchange, "publish to internal exchange 403"},
        {"ERR-06", "errors", "", err06_exclusive_held, "consume while exclusive consumer 403"},
        {"ERR-06", "errors", "", err06_exclusive_wanted, "exclusive consume with consumers 403"},
        {"ERR-07", "errors", "", err07_missing_queue,
         "missing queue 404 (declare/get/consume/purge/bind)"},
        {"ERR-08", "errors", "", err08_missing_exchange, "missing exchange 404 (passive/publish)"},
        {"ERR-09", "errors", "", err09_no_previous_queue, "empty queue name without declare 404"},
        {"ERR-10", "errors", "", err10_exclusive_locked, "other connection's exclusive queue 405"},
        {"ERR-11", "errors", "", err11_inequivalent_durable, "inequivalent durable 406"},
        {"ERR-12", "errors", "", err12_inequivalent_args, "inequivalent x-message-ttl 406"},
        {"ERR-13", "errors", "", err13_inequivalent_exchange, "inequivalent exchange type 406"},
        {"ERR-14", "errors", "", err14_invalid_arg, "invalid x-arg values 406"},
        {"ERR-15", "errors", "", err15_invalid_arg_type, "x-dead-letter-exchange not a string 406"},
        {"ERR-16", "errors", "", err16_unknown_tag, "ack unknown delivery tag 406"},
        {"ERR-17", "errors", "", err17_delete_if, "queue.delete if-unused/if-empty 406"},
        {"ERR-18", "errors", "", err18_exchange_in_use, "exchange.delete if-unused 406"},
        {"ERR-19", "errors", "", err19_not_transactional, "commit/rollback without tx 406"},
        {"ERR-20", "errors", "", err20_tx_confirm_switch, "tx <-> confirm switch 406"},
        {"ERR-21", "errors", "", err21_user_id, "user_id mismatch 406"},
        {"ERR-22", "errors", "", err22_expiration, "invalid expiration 406"},
        {"ERR-31", "errors", "", err31_before_open, "method before channel.open 504"},
        {"ERR-32", "errors", "", err32_second_open, "second channel.open 504"},
        {"ERR-33", "errors", "", err33_method_on_channel0, "queue method on channel 0 504"},
        {"ERR-35", "errors", "", err35_tag_reuse, "consumer tag reuse 530"},
        {"ERR-36", "errors", "", err36_unknown_exchange_type, "unknown exchange type 503"},
        {"ERR-37", "errors", "", err37_immediate, "publish immediate=true 540"},
        {"ERR-38", "errors", "", err38_prefetch_size, "qos prefetch_size!=0 540"},
        {"ERR-39", "errors", "", err39_recover_no_requeue, "recover(-async) requeue=false 540"},
        {"ERR-45", "errors", "", err45_no_route, "mandatory unroutable: basic.return 312 NO_ROUTE"},
        {NULL, NULL, NULL, NULL, NULL},
};
