/* SPDX-License-Identifier: MPL-2.0 */
/* Client for it_ack_timeout.sh (P-08, ERR-27): a consumer that never acknowledges its delivery
 * must see its channel closed with 406 and RabbitMQ's text once consumer_timeout passes. */
#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

static const char want[] =
        "PRECONDITION_FAILED - delivery acknowledgement on channel 1 timed out. Timeout value "
        "used: 500 ms. This timeout value can be configured, see consumers doc guide to learn more";

int
main(int argc, char **argv)
{
    amqp_connection_state_t c = amqp_new_connection();
    amqp_socket_t *s = amqp_tcp_socket_new(c);
    struct timeval tv = {5, 0};
    amqp_frame_t f;
    int delivered = 0, rc = 1;

    if (argc != 3 || amqp_socket_open_noblock(s, argv[1], atoi(argv[2]), &tv) != AMQP_STATUS_OK ||
        amqp_login(c, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest").reply_type !=
                AMQP_RESPONSE_NORMAL)
        return 2;
    amqp_channel_open(c, 1);
    amqp_queue_declare(c, 1, amqp_cstring_bytes("acktimeout"), 0, 0, 0, 1, amqp_empty_table);
    amqp_basic_publish(c, 1, amqp_cstring_bytes(""), amqp_cstring_bytes("acktimeout"), 0, 0, NULL,
                       amqp_cstring_bytes("never acked"));
    amqp_basic_consume(c, 1, amqp_cstring_bytes("acktimeout"), amqp_empty_bytes, 0, 0, 0,
                       amqp_empty_table);
    while (amqp_simple_wait_frame_noblock(c, &f, &tv) == AMQP_STATUS_OK) {
        if (f.frame_type != AMQP_FRAME_METHOD)
            continue;
        if (f.payload.method.id == AMQP_BASIC_DELIVER_METHOD)
            delivered = 1;
        if (f.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD) {
            amqp_channel_close_t *m = f.payload.method.decoded;
            printf("channel.close %u %.*s\n", m->reply_code, (int)m->reply_text.len,
                   (char *)m->reply_text.bytes);
            rc = delivered && m->reply_code == 406 && m->reply_text.len == strlen(want) &&
                                 memcmp(m->reply_text.bytes, want, strlen(want)) == 0
                         ? 0
                         : 1;
            break;
        }
    }
    printf("%s - unacknowledged delivery closes the channel after consumer_timeout\n",
           rc == 0 ? "ok 1" : "not ok 1");
    printf("%d passed, %d failed\n", rc == 0, rc != 0);
    amqp_destroy_connection(c);
    return rc;
}
