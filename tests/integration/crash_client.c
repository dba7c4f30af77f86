/* SPDX-License-Identifier: MPL-2.0 */
/* Client for it_crash.sh. "publish" sends persistent, checksummed messages with confirms and
 * records every confirmed sequence number as it is acked; "verify" drains the queue after a
 * restart and checks that every confirmed message came back intact and nothing was invented. */
#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define BODY 256

static uint32_t
body_sum(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* seq (8 bytes), filler derived from seq, then a checksum of everything before it */
static void
body_fill(uint8_t *b, uint64_t seq)
{
    memcpy(b, &seq, 8);
    for (size_t i = 8; i < BODY - 4; i++)
        b[i] = (uint8_t)(seq * 31 + i);
    uint32_t s = body_sum(b, BODY - 4);
    memcpy(b + BODY - 4, &s, 4);
}

static int
body_check(const uint8_t *b, size_t n, uint64_t *seq)
{
    uint32_t s;

    if (n != BODY)
        return -1;
    memcpy(&s, b + BODY - 4, 4);
    memcpy(seq, b, 8);
    return s == body_sum(b, BODY - 4) ? 0 : -1;
}

static amqp_connection_state_t
open_conn(const char *host, int port)
{
    amqp_connection_state_t c = amqp_new_connection();
    amqp_socket_t *s = amqp_tcp_socket_new(c);
    struct timeval tv = {10, 0};

    if (!s || amqp_socket_open_noblock(s, host, port, &tv) != AMQP_STATUS_OK)
        return NULL;
    if (amqp_login(c, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest").reply_type !=
        AMQP_RESPONSE_NORMAL)
        return NULL;
    amqp_channel_open(c, 1);
    if (amqp_get_rpc_reply(c).reply_type != AMQP_RESPONSE_NORMAL)
        return NULL;
    amqp_queue_declare(c, 1, amqp_cstring_bytes("crashq"), 0, 1, 0, 0, amqp_empty_table);
    if (amqp_get_rpc_reply(c).reply_type != AMQP_RESPONSE_NORMAL)
        return NULL;
    return c;
}

/* Reads acks until none is outstanding beyond window; appends confirmed seqs to out. */
static int
read_acks(amqp_connection_state_t c, uint64_t *acked, uint64_t sent, uint64_t window, FILE *out)
{
    while (sent - *acked > window) {
        amqp_frame_t f;
        if (amqp_simple_wait_frame(c, &f) != AMQP_STATUS_OK)
            return -1;
        if (f.frame_type != AMQP_FRAME_METHOD || f.payload.method.id != AMQP_BASIC_ACK_METHOD)
            continue;
        amqp_basic_ack_t *a = f.payload.method.decoded;
        uint64_t upto = a->delivery_tag;
        for (uint64_t s = a->multiple ? *acked + 1 : upto; s <= upto; s++)
            fprintf(out, "%llu\n", (unsigned long long)s);
        fflush(out);
        if (upto > *acked)
            *acked = upto;
    }
    return 0;
}

static int
do_publish(const char *host, int port, uint64_t count, const char *path)
{
    amqp_connection_state_t c = open_conn(host, port);
    FILE *out = fopen(path, "w");
    amqp_basic_properties_t props = {._flags = AMQP_BASIC_DELIVERY_MODE_FLAG, .delivery_mode = 2};
    uint8_t b[BODY];
    uint64_t acked = 0, sent = 0;

    if (c == NULL || out == NULL)
        return 2;
    amqp_confirm_select(c, 1);
    if (amqp_get_rpc_reply(c).reply_type != AMQP_RESPONSE_NORMAL)
        return 2;
    for (uint64_t seq = 1; seq <= count; seq++) {
        body_fill(b, seq);
        amqp_bytes_t body = {BODY, b};
        if (amqp_basic_publish(c, 1, amqp_cstring_bytes(""), amqp_cstring_bytes("crashq"), 0, 0,
                               &props, body) != AMQP_STATUS_OK ||
            read_acks(c, &acked, seq, 64, out) < 0)
            break; /* the broker was killed: what was confirmed is in the file */
        sent = seq;
    }
    read_acks(c, &acked, sent, 0, out);
    fclose(out);
    amqp_destroy_connection(c);
    return 0;
}

static int
do_verify(const char *host, int port, const char *path, uint64_t max_seq)
{
    amqp_connection_state_t c = open_conn(host, port);
    uint8_t *seen = calloc(max_seq + 2, 1);
    FILE *in = fopen(path, "r");
    unsigned long long s;
    uint64_t got = 0, bad = 0, missing = 0, last = 0, disorder = 0;

    if (c == NULL || seen == NULL || in == NULL)
        return 2;
    for (;;) {
        amqp_rpc_reply_t r = amqp_basic_get(c, 1, amqp_cstring_bytes("crashq"), 1);
        if (r.reply_type != AMQP_RESPONSE_NORMAL)
            return 2;
        if (r.reply.id == AMQP_BASIC_GET_EMPTY_METHOD)
            break;
        amqp_message_t m;
        if (amqp_read_message(c, 1, &m, 0).reply_type != AMQP_RESPONSE_NORMAL)
            return 2;
        uint64_t seq = 0;
        if (body_check(m.body.bytes, m.body.len, &seq) < 0 || seq == 0 || seq > max_seq) {
            bad++; /* corrupted, or a message nobody published */
        } else {
            seen[seq] = 1;
            /* one publisher on one channel: they come back in publish order (P-02) */
            disorder += seq <= last;
            last = seq;
        }
        got++;
        amqp_destroy_message(&m);
    }
    while (fscanf(in, "%llu", &s) == 1) {
        if (s <= max_seq && !seen[s])
            missing++;
    }
    printf("verify: %llu messages back, %llu corrupt or invented, %llu confirmed missing, %llu "
           "out of order\n",
           (unsigned long long)got, (unsigned long long)bad, (unsigned long long)missing,
           (unsigned long long)disorder);
    free(seen);
    fclose(in);
    amqp_connection_close(c, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(c);
    return bad == 0 && missing == 0 && disorder == 0 ? 0 : 1;
}

/* Declares and deletes durable queues with a persistent message each until the broker dies,
 * so the definitions log takes snapshots while it is killed. */
static int
do_churn(const char *host, int port)
{
    amqp_connection_state_t c = open_conn(host, port);
    amqp_basic_properties_t props = {._flags = AMQP_BASIC_DELIVERY_MODE_FLAG, .delivery_mode = 2};
    char name[32];

    if (c == NULL)
        return 2;
    for (unsigned i = 0;; i++) {
        snprintf(name, sizeof(name), "churn.%u", i % 50);
        amqp_queue_declare(c, 1, amqp_cstring_bytes(name), 0, 1, 0, 0, amqp_empty_table);
        if (amqp_get_rpc_reply(c).reply_type != AMQP_RESPONSE_NORMAL)
            break;
        amqp_basic_publish(c, 1, amqp_cstring_bytes(""), amqp_cstring_bytes(name), 0, 0, &props,
                           amqp_cstring_bytes("churn"));
        snprintf(name, sizeof(name), "churn.%u", (i + 25) % 50);
        amqp_queue_delete(c, 1, amqp_cstring_bytes(name), 0, 0);
        if (amqp_get_rpc_reply(c).reply_type != AMQP_RESPONSE_NORMAL)
            break;
    }
    amqp_destroy_connection(c);
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "churn") == 0)
        return do_churn(argv[2], atoi(argv[3]));
    if (argc == 6 && strcmp(argv[1], "publish") == 0)
        return do_publish(argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 10), argv[5]);
    if (argc == 6 && strcmp(argv[1], "verify") == 0)
        return do_verify(argv[2], atoi(argv[3]), argv[4], strtoull(argv[5], NULL, 10));
    fprintf(stderr, "usage: crash_client publish HOST PORT COUNT FILE | verify HOST PORT FILE MAX"
                    " | churn HOST PORT\n");
    return 2;
}
