/* SPDX-License-Identifier: MPL-2.0 */
/* Client for it_limits.sh, against a broker configured with connection_max = 2: two sessions
 * fill the node; a third socket is left waiting (no connection.start, as RabbitMQ's listener
 * stops accepting) until one of the two closes, then it is served. With
 * consumer_max_per_channel = 2, a third consumer on one channel closes the connection. */
#define _POSIX_C_SOURCE 200809L

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int passed, failed;

static void
result(int ok, const char *what)
{
    printf("%s %d - %s\n", ok ? "ok" : "not ok", passed + failed + 1, what);
    ok ? passed++ : failed++;
}

static amqp_connection_state_t
session(const char *host, int port)
{
    amqp_connection_state_t c = amqp_new_connection();
    amqp_socket_t *s = amqp_tcp_socket_new(c);
    struct timeval tv = {10, 0};

    if (amqp_socket_open_noblock(s, host, port, &tv) != AMQP_STATUS_OK ||
        amqp_login(c, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest").reply_type !=
                AMQP_RESPONSE_NORMAL) {
        amqp_destroy_connection(c);
        return NULL;
    }
    return c;
}

/* A raw socket that has sent the protocol header: the broker answers with connection.start
 * (a method frame, type 1) once it has accepted the connection. */
static int
raw_waiting(const char *host, int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    inet_pton(AF_INET, host, &sa.sin_addr);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        write(fd, "AMQP\0\0\x09\x01", 8) != 8) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static int
got_start(int fd, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    unsigned char type = 0;

    return poll(&p, 1, timeout_ms) == 1 && read(fd, &type, 1) == 1 && type == 1;
}

static void
consume(amqp_connection_state_t c, const char *q)
{
    amqp_basic_consume(c, 1, amqp_cstring_bytes(q), amqp_empty_bytes, 0, 1, 0, amqp_empty_table);
}

static void
consumer_limit(const char *host, int port)
{
    amqp_connection_state_t c = session(host, port);
    amqp_queue_declare_ok_t *q;
    amqp_rpc_reply_t r;
    char name[256] = "";

    if (c == NULL || !amqp_channel_open(c, 1)) {
        result(0, "session for the consumer limit");
        return;
    }
    q = amqp_queue_declare(c, 1, amqp_empty_bytes, 0, 0, 1, 1, amqp_empty_table);
    if (q != NULL)
        snprintf(name, sizeof(name), "%.*s", (int)q->queue.len, (char *)q->queue.bytes);
    consume(c, name);
    consume(c, name);
    result(amqp_get_rpc_reply(c).reply_type == AMQP_RESPONSE_NORMAL,
           "two consumers fit under consumer_max_per_channel = 2");
    consume(c, name);
    r = amqp_get_rpc_reply(c);
    if (r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION &&
        r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        amqp_connection_close_t *m = r.reply.decoded;
        const char *want = "NOT_ALLOWED - reached maximum (2) of consumers per channel";
        result(m->reply_code == 530 && m->reply_text.len == strlen(want) &&
                       memcmp(m->reply_text.bytes, want, strlen(want)) == 0 && m->class_id == 60 &&
                       m->method_id == 20,
               "the third consumer closes the connection with 530");
        amqp_connection_close_ok_t ok = {0};
        amqp_send_method(c, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
    } else {
        result(0, "the third consumer closes the connection with 530");
    }
    amqp_destroy_connection(c);
}

int
main(int argc, char **argv)
{
    amqp_connection_state_t a, b;
    int fd;

    if (argc != 3)
        return 2;
    a = session(argv[1], atoi(argv[2]));
    b = session(argv[1], atoi(argv[2]));
    result(a != NULL && b != NULL, "two connections fit under connection_max = 2");
    fd = raw_waiting(argv[1], atoi(argv[2]));
    result(fd >= 0 && !got_start(fd, 1500), "the third waits: no connection.start while full");
    if (a != NULL) {
        amqp_connection_close(a, AMQP_REPLY_SUCCESS);
        amqp_destroy_connection(a);
    }
    result(fd >= 0 && got_start(fd, 10000), "the third is served once a connection closes");
    if (fd >= 0)
        close(fd);
    if (b != NULL) {
        amqp_connection_close(b, AMQP_REPLY_SUCCESS);
        amqp_destroy_connection(b);
    }
    consumer_limit(argv[1], atoi(argv[2]));
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
