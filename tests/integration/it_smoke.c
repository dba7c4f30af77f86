/* SPDX-License-Identifier: MPL-2.0 */
/* Smoke test through rabbitmq-c: 1000 confirmed publishes, then one consumer acks
 * them all; checks order and bodies and that the queue ends empty. */
#include "config.h"

#include "tests/lib/harness.h"

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define COUNT 1000

static struct wr_harness broker;

static void
die(const char *what)
{
    fprintf(stderr, "it_smoke: %s\n", what);
    wr_harness_stop(&broker, 5000);
    exit(1);
}

static void
check(amqp_connection_state_t c, const char *what)
{
    if (amqp_get_rpc_reply(c).reply_type != AMQP_RESPONSE_NORMAL)
        die(what);
}

static amqp_connection_state_t
connect_broker(void)
{
    amqp_connection_state_t c = amqp_new_connection();
    amqp_socket_t *s = amqp_tcp_socket_new(c);
    struct timeval tv = {10, 0};
    amqp_set_rpc_timeout(c, &tv);
    if (!s || amqp_socket_open_noblock(s, broker.host, broker.port, &tv) != AMQP_STATUS_OK)
        die("connect");
    if (amqp_login(c, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest").reply_type !=
        AMQP_RESPONSE_NORMAL)
        die("login");
    amqp_channel_open(c, 1);
    check(c, "channel.open");
    return c;
}

/* Publishes COUNT bodies "msg-NNNN" in confirm mode and waits until all are acked. */
static void
publish_all(amqp_connection_state_t c, amqp_bytes_t q)
{
    char body[32];
    amqp_confirm_select(c, 1);
    check(c, "confirm.select");
    for (int i = 0; i < COUNT; i++) {
        snprintf(body, sizeof(body), "msg-%04d", i);
        if (amqp_basic_publish(c, 1, amqp_cstring_bytes(""), q, 0, 0, NULL,
                               amqp_cstring_bytes(body)) != AMQP_STATUS_OK)
            die("publish");
    }
    uint64_t acked = 0;
    while (acked < COUNT) {
        amqp_frame_t f;
        struct timeval tv = {10, 0};
        if (amqp_simple_wait_frame_noblock(c, &f, &tv) != AMQP_STATUS_OK ||
            f.frame_type != AMQP_FRAME_METHOD || f.payload.method.id != AMQP_BASIC_ACK_METHOD)
            die("waiting for publisher confirms");
        amqp_basic_ack_t *a = f.payload.method.decoded;
        if (a->delivery_tag > acked)
            acked = a->delivery_tag;
    }
}

static void
consume_all(amqp_connection_state_t c, amqp_bytes_t q)
{
    char want[32];
    amqp_basic_qos(c, 1, 0, 100, 0);
    check(c, "basic.qos");
    amqp_basic_consume(c, 1, q, amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
    check(c, "basic.consume");
    for (int i = 0; i < COUNT; i++) {
        amqp_envelope_t env;
        struct timeval tv = {10, 0};
        amqp_maybe_release_buffers(c);
        if (amqp_consume_message(c, &env, &tv, 0).reply_type != AMQP_RESPONSE_NORMAL)
            die("consume");
        snprintf(want, sizeof(want), "msg-%04d", i);
        if (env.message.body.len != strlen(want) ||
            memcmp(env.message.body.bytes, want, strlen(want)) != 0) {
            fprintf(stderr, "it_smoke: delivery %d: got '%.*s', want '%s'\n", i,
                    (int)env.message.body.len, (char *)env.message.body.bytes, want);
            die("order or body mismatch");
        }
        if (amqp_basic_ack(c, 1, env.delivery_tag, 0) != 0)
            die("ack");
        amqp_destroy_envelope(&env);
    }
}

int
main(void)
{
    int rc = wr_harness_start(&broker, 30000);
    if (rc != 0)
        return rc == 77 ? 77 : 99;
    amqp_connection_state_t c = connect_broker();
    amqp_queue_declare_ok_t *ok =
            amqp_queue_declare(c, 1, amqp_empty_bytes, 0, 0, 1, 0, amqp_empty_table);
    check(c, "queue.declare");
    amqp_bytes_t q = amqp_bytes_malloc_dup(ok->queue);
    publish_all(c, q);
    consume_all(c, q);
    amqp_channel_close(c, 1, AMQP_REPLY_SUCCESS);
    amqp_channel_open(c, 2);
    check(c, "channel.open 2");
    ok = amqp_queue_declare(c, 2, q, 1, 0, 0, 0, amqp_empty_table);
    check(c, "passive declare");
    if (ok->message_count != 0)
        die("queue not empty after acking everything");
    amqp_bytes_free(q);
    amqp_connection_close(c, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(c);
    printf("it_smoke: %d messages published, consumed in order and acked\n", COUNT);
    return wr_harness_stop(&broker, 10000) == 0 ? 0 : 1;
}
