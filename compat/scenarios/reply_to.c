/* SPDX-License-Identifier: MPL-2.0 */
/* Direct reply-to scenarios (X-10, ERR-24, ERR-25): the amq.rabbitmq.reply-to pseudo-queue,
 * reply_to rewriting, RPC round trip, passive declare of the rewritten name and stale names. */
#include "config.h"

#include "compat/lib/client.h"
#include "compat/lib/suite.h"

#include <string.h>

#define REPLY_TO "amq.rabbitmq.reply-to"

static void
publish_request(conn_t c, const char *q, const char *body)
{
    amqp_basic_properties_t p = {._flags = AMQP_BASIC_REPLY_TO_FLAG,
                                 .reply_to = amqp_cstring_bytes(REPLY_TO)};
    cl_publish_props(c, 1, "", q, 0, &p, body);
}

/* Runs one RPC: cli consumes the pseudo-queue and sends a request, srv answers to the
 * rewritten reply_to (mandatory or not; *returned tells whether a basic.return came).
 * Returns that name. */
static const char *
round_trip(conn_t cli, conn_t srv, const char *q, int mandatory, int *returned)
{
    const char *tag = cl_consume(cli, 1, REPLY_TO, NULL, 1, 0);
    publish_request(cli, q, "ping");
    struct got req;
    long long deadline = cl_now_ms() + 3000;
    while (!cl_get(srv, 1, q, 1, &req))
        CHECK(cl_now_ms() < deadline, "request never arrived");
    const char *to = cl_prop(&req, AMQP_BASIC_REPLY_TO_FLAG, req.props.reply_to);
    CHECK(strncmp(to, REPLY_TO ".", strlen(REPLY_TO ".")) == 0 && strlen(to) > strlen(REPLY_TO) + 1,
          "reply_to not rewritten: \"%s\"", to);
    *returned = cl_publish_wait(srv, 2, "", to, mandatory, NULL, "pong");
    struct got rep;
    CHECK(cl_next(cli, 3000, &rep, NULL), "reply never arrived");
    CHECK_STR(rep.body, "pong", "reply body");
    CHECK_STR(rep.exchange, "", "reply deliver exchange");
    CHECK_STR(rep.routing_key, to, "reply deliver routing key");
    CHECK_STR(rep.consumer_tag, tag, "reply consumer tag");
    return to;
}

/* RPC round trip through direct reply-to. */
static void
x10_round_trip(void)
{
    conn_t cli = cl_open(), srv = cl_open_confirming();
    const char *q = cl_new_queue(srv, "rpc", 0, amqp_empty_table);
    int returned;
    round_trip(cli, srv, q, 0, &returned);
    CHECK(!returned, "non-mandatory reply returned");
    cl_close(cli);
    cl_close(srv);
}

/* 3.10.8 on the wire, unlike the reference text: a mandatory publish to any
 * amq.rabbitmq.reply-to.* name gets basic.return (the pseudo-queue is not a routing
 * target), although a live consumer still receives the message; stale and made-up names
 * are returned too, and a non-mandatory publish to them is dropped without error. */
static void
x10_mandatory_returned(void)
{
    conn_t cli = cl_open(), srv = cl_open_confirming();
    const char *q = cl_new_queue(srv, "rpc", 0, amqp_empty_table);
    int returned;
    const char *to = round_trip(cli, srv, q, 1, &returned);
    CHECK(returned, "mandatory reply to a live name not returned");
    cl_close(cli);
    CHECK(cl_publish_wait(srv, 2, "", to, 1, NULL, "late"),
          "mandatory publish to a stale reply-to name not returned");
    CHECK(cl_publish_wait(srv, 2, "", REPLY_TO ".bogus", 1, NULL, "bogus"),
          "mandatory publish to a made-up reply-to name not returned");
    CHECK(!cl_publish_wait(srv, 2, "", to, 0, NULL, "late"), "non-mandatory publish returned");
    cl_close(srv);
}

/* the rewritten name passive-declares as (0 messages, 1 consumer) while the consumer
 * lives, 404 afterwards; publishing to the stale name is silently dropped. */
static void
x10_passive_and_stale(void)
{
    conn_t cli = cl_open(), srv = cl_open_confirming();
    const char *q = cl_new_queue(srv, "rpc", 0, amqp_empty_table);
    int returned;
    const char *to = round_trip(cli, srv, q, 0, &returned);
    amqp_queue_declare_ok_t *ok = cl_queue(srv, 1, to, CL_PASSIVE, amqp_empty_table);
    cl_ok(srv, "passive declare of the reply-to name");
    CHECK_INT(ok->message_count, 0, "message_count");
    CHECK_INT(ok->consumer_count, 1, "consumer_count");
    cl_close(cli);
    cl_queue(srv, 1, to, CL_PASSIVE, amqp_empty_table);
    cl_expect_ch_close(srv, 1, 404, sc_fmt("NOT_FOUND - no queue '%s' in vhost '/'", to), 50, 10);
    cl_channel(srv, 1);
    CHECK(!cl_publish_wait(srv, 2, "", to, 0, NULL, "late"),
          "publish to a stale reply-to name returned");
    cl_publish_wait(srv, 2, "", q, 0, NULL, "still-open");
    cl_get_expect(srv, 1, q, 1, "still-open");
    cl_close(srv);
}

/* ERR-24: reply_to the pseudo-queue without a reply consumer on the channel. */
static void
err24_no_reply_consumer(void)
{
    conn_t c = cl_open();
    const char *q = cl_new_queue(c, "rpc", 0, amqp_empty_table);
    publish_request(c, q, "ping");
    cl_await_ch_close(c, 1, 406, "PRECONDITION_FAILED - fast reply consumer does not exist", 60,
                      40);
    cl_close(c);
}

/* ERR-25: the reply consumer must be no_ack and is one per channel. */
static void
err25_reply_consumer_rules(void)
{
    conn_t c = cl_open();
    amqp_basic_consume(c, 1, amqp_cstring_bytes(REPLY_TO), amqp_empty_bytes, 0, 0, 0,
                       amqp_empty_table);
    cl_expect_ch_close(c, 1, 406, "PRECONDITION_FAILED - reply consumer cannot acknowledge", 60,
                       20);
    cl_channel(c, 1);
    cl_consume(c, 1, REPLY_TO, NULL, 1, 0);
    amqp_basic_consume(c, 1, amqp_cstring_bytes(REPLY_TO), amqp_empty_bytes, 0, 1, 0,
                       amqp_empty_table);
    cl_expect_ch_close(c, 1, 406, "PRECONDITION_FAILED - reply consumer already set", 60, 20);
    cl_close(c);
}

/* the bare pseudo-queue name passive-declares as (0 messages, 1 consumer) even with
 * no reply consumer anywhere (3.10.8 reports a constant consumer_count of 1). */
static void
x10_passive_pseudo_queue(void)
{
    conn_t c = cl_open();
    amqp_queue_declare_ok_t *ok = cl_queue(c, 1, REPLY_TO, CL_PASSIVE, amqp_empty_table);
    cl_ok(c, "passive declare of " REPLY_TO);
    CHECK_STR(sc_fmt("%.*s", (int)ok->queue.len, (char *)ok->queue.bytes), REPLY_TO, "queue name");
    CHECK_INT(ok->message_count, 0, "message_count");
    CHECK_INT(ok->consumer_count, 1, "consumer_count");
    cl_close(c);
}

const struct scenario sc_reply_to[] = {
        {"X-10", "reply-to", "", x10_round_trip, "direct reply-to RPC round trip"},
        {"X-10", "reply-to", "", x10_passive_and_stale, "passive declare; stale name dropped"},
        {"X-10", "reply-to", "", x10_mandatory_returned, "mandatory to reply-to names returned"},
        {"X-10", "reply-to", "", x10_passive_pseudo_queue, "passive declare of the pseudo-queue"},
        {"ERR-24", "reply-to", "", err24_no_reply_consumer, "reply_to without consumer 406"},
        {"ERR-25", "reply-to", "", err25_reply_consumer_rules, "reply consumer ack/twice 406"},
        {NULL, NULL, NULL, NULL, NULL},
};
