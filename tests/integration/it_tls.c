/* SPDX-License-Identifier: MPL-2.0 */
/* amqps checks through rabbitmq-c (S-01, S-02, C-07). it_tls.sh makes the certificates, starts
 * the broker and runs: it_tls_client MODE PLAIN_PORT TLS_PORT CERT_DIR. MODE "peer": client
 * certificates required, login name from the CN. MODE "dn": certificates optional, login name
 * from the subject DN, which the config makes the default user. Prints TAP-style lines. */
#include "config.h"

#include <amqp.h>
#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define DN_USER "CN=guest,O=WarrenTest"
#define DN_PASS "dnpass"

static const char *certdir;
static int plain_port, tls_port;
static int failures, checks;

static void
report(bool ok, const char *what)
{
    printf("%sok %d - %s\n", ok ? "" : "not ", ++checks, what);
    fflush(stdout);
    if (!ok)
        failures++;
}

static const char *
path(const char *name, const char *ext)
{
    static char buf[4][512];
    static int next;
    char *p = buf[next++ % 4];

    snprintf(p, 512, "%s/%s.%s", certdir, name, ext);
    return p;
}

/* Connects, logs in and opens channel 1; NULL when any step fails. cert NULL: no client
 * certificate; tls false: plain AMQP on the plain port. */
static amqp_connection_state_t
open_conn(bool tls, const char *cert, amqp_sasl_method_enum method, const char *user,
          const char *pass)
{
    amqp_connection_state_t c = amqp_new_connection();
    amqp_socket_t *s = tls ? amqp_ssl_socket_new(c) : amqp_tcp_socket_new(c);
    struct timeval tv = {5, 0};
    amqp_rpc_reply_t r;

    amqp_set_handshake_timeout(c, &tv);
    amqp_set_rpc_timeout(c, &tv);
    if (s == NULL)
        goto fail;
    if (tls && amqp_ssl_socket_set_cacert(s, path("ca", "pem")) != AMQP_STATUS_OK)
        goto fail;
    if (tls && cert && amqp_ssl_socket_set_key(s, path(cert, "pem"), path(cert, "key")))
        goto fail;
    if (amqp_socket_open_noblock(s, "localhost", tls ? tls_port : plain_port, &tv))
        goto fail;
    if (method == AMQP_SASL_METHOD_EXTERNAL)
        r = amqp_login(c, "/", 0, 131072, 0, AMQP_SASL_METHOD_EXTERNAL, user);
    else
        r = amqp_login(c, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, user, pass);
    if (r.reply_type != AMQP_RESPONSE_NORMAL)
        goto fail;
    amqp_channel_open(c, 1);
    if (amqp_get_rpc_reply(c).reply_type != AMQP_RESPONSE_NORMAL)
        goto fail;
    return c;
fail:
    amqp_destroy_connection(c);
    return NULL;
}

static void
close_conn(amqp_connection_state_t c)
{
    if (c == NULL)
        return;
    amqp_connection_close(c, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(c);
}

/* Publishes a body to a fresh exclusive queue and takes it back with basic.get. */
static bool
pubget(amqp_connection_state_t c, const char *body)
{
    amqp_queue_declare_ok_t *q;
    amqp_bytes_t name;
    amqp_message_t msg;
    bool ok = false;

    if (c == NULL)
        return false;
    q = amqp_queue_declare(c, 1, amqp_empty_bytes, 0, 0, 1, 1, amqp_empty_table);
    if (q == NULL)
        return false;
    name = amqp_bytes_malloc_dup(q->queue);
    if (amqp_basic_publish(c, 1, amqp_empty_bytes, name, 0, 0, NULL, amqp_cstring_bytes(body)))
        goto out;
    amqp_rpc_reply_t r = amqp_basic_get(c, 1, name, 1);
    if (r.reply_type != AMQP_RESPONSE_NORMAL || r.reply.id != AMQP_BASIC_GET_OK_METHOD)
        goto out;
    if (amqp_read_message(c, 1, &msg, 0).reply_type != AMQP_RESPONSE_NORMAL)
        goto out;
    ok = msg.body.len == strlen(body) && memcmp(msg.body.bytes, body, msg.body.len) == 0;
    amqp_destroy_message(&msg);
out:
    amqp_bytes_free(name);
    return ok;
}

/* Sends out on a raw socket, collects what comes back until the peer closes. Returns the
 * number of bytes read, or -1 when the connection is still open after 3 s. */
static int
raw_exchange(int port, const void *out, size_t outlen, unsigned char *in, size_t incap)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    struct timeval tv = {3, 0};
    size_t got = 0;
    int fd = socket(AF_INET, SOCK_STREAM, 0), rc = -1;

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
        write(fd, out, outlen) != (ssize_t)outlen)
        goto out;
    for (;;) {
        unsigned char scratch[512];
        unsigned char *dst = got < incap ? in + got : scratch;
        size_t cap = got < incap ? incap - got : sizeof(scratch);
        ssize_t n = read(fd, dst, cap);
        if (n == 0 || (n < 0 && errno == ECONNRESET)) {
            rc = (int)got;
            break;
        }
        if (n < 0)
            break; /* timeout: the broker kept the socket */
        got += (size_t)n;
    }
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

static void
check_cross_protocol(void)
{
    static const unsigned char amqp_header[8] = {'A', 'M', 'Q', 'P', 0, 0, 9, 1};
    /* the first bytes of a TLS 1.2 ClientHello record; the broker judges the first 8 (W-01) */
    static const unsigned char hello[16] = {0x16, 0x03, 0x01, 0x00, 0xf1, 0x01, 0x00, 0x00,
                                            0xed, 0x03, 0x03, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a};
    unsigned char in[64];
    int n;

    n = raw_exchange(tls_port, amqp_header, sizeof(amqp_header), in, sizeof(in));
    report(n >= 0 && (n == 0 || in[0] == 0x15), "plaintext AMQP header on the TLS port: closed");
    n = raw_exchange(plain_port, hello, sizeof(hello), in, sizeof(in));
    report(n == 8 && memcmp(in, amqp_header, 8) == 0,
           "TLS ClientHello on the AMQP port: protocol header sent back, then closed");
}

static void
mode_peer(void)
{
    amqp_connection_state_t keep, c;

    keep = open_conn(true, "client", AMQP_SASL_METHOD_PLAIN, "guest", "guest");
    report(pubget(keep, "over tls"), "good client certificate: PLAIN login, publish and get");
    c = open_conn(true, "client", AMQP_SASL_METHOD_EXTERNAL, "ignored", NULL);
    report(pubget(c, "external"), "EXTERNAL login as the certificate's CN (guest)");
    close_conn(c);
    c = open_conn(true, "stranger", AMQP_SASL_METHOD_EXTERNAL, "ignored", NULL);
    report(c == NULL, "EXTERNAL refused when the CN names no user");
    close_conn(c);
    c = open_conn(true, "stranger", AMQP_SASL_METHOD_PLAIN, "guest", "guest");
    report(c != NULL, "a verified certificate does not prevent PLAIN");
    close_conn(c);
    c = open_conn(true, "expired", AMQP_SASL_METHOD_PLAIN, "guest", "guest");
    report(c == NULL, "expired client certificate refused");
    close_conn(c);
    c = open_conn(true, "rogue", AMQP_SASL_METHOD_PLAIN, "guest", "guest");
    report(c == NULL, "client certificate from another CA refused");
    close_conn(c);
    c = open_conn(true, NULL, AMQP_SASL_METHOD_PLAIN, "guest", "guest");
    report(c == NULL, "no client certificate refused (fail_if_no_peer_cert)");
    close_conn(c);
    check_cross_protocol();
    c = open_conn(false, NULL, AMQP_SASL_METHOD_PLAIN, "guest", "guest");
    report(pubget(c, "plain"), "plain AMQP still served");
    close_conn(c);
    c = open_conn(false, NULL, AMQP_SASL_METHOD_EXTERNAL, "guest", NULL);
    report(c == NULL, "EXTERNAL refused on plain AMQP");
    close_conn(c);
    report(pubget(keep, "still here"), "the first TLS connection survived all of the above");
    close_conn(keep);
}

static void
mode_dn(void)
{
    amqp_connection_state_t c;

    c = open_conn(true, "client", AMQP_SASL_METHOD_EXTERNAL, "ignored", NULL);
    report(pubget(c, "dn"), "EXTERNAL login as the subject DN " DN_USER);
    close_conn(c);
    c = open_conn(true, NULL, AMQP_SASL_METHOD_PLAIN, DN_USER, DN_PASS);
    report(pubget(c, "no cert"), "no client certificate: allowed, PLAIN works");
    close_conn(c);
    c = open_conn(true, NULL, AMQP_SASL_METHOD_EXTERNAL, DN_USER, NULL);
    report(c == NULL, "no client certificate: EXTERNAL refused");
    close_conn(c);
    c = open_conn(true, "stranger", AMQP_SASL_METHOD_EXTERNAL, "ignored", NULL);
    report(c == NULL, "EXTERNAL refused when the DN names no user");
    close_conn(c);
    c = open_conn(true, "rogue", AMQP_SASL_METHOD_EXTERNAL, "ignored", NULL);
    report(c == NULL, "certificate from another CA refused even when optional");
    close_conn(c);
    c = open_conn(true, "expired", AMQP_SASL_METHOD_EXTERNAL, "ignored", NULL);
    report(c == NULL, "expired certificate refused even when optional");
    close_conn(c);
}

int
main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: it_tls_client peer|dn PLAIN_PORT TLS_PORT CERT_DIR\n");
        return 2;
    }
    plain_port = atoi(argv[2]);
    tls_port = atoi(argv[3]);
    certdir = argv[4];
    if (strcmp(argv[1], "peer") == 0)
        mode_peer();
    else
        mode_dn();
    return failures ? 1 : 0;
}
