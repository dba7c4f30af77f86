/* SPDX-License-Identifier: MPL-2.0 */
/* Server TLS: one SSL_CTX builder for every listener that speaks TLS (amqps from ssl_options.*,
 * S-01, S-02; HTTPS management from management.ssl.*), the TLS handshake of each accepted amqps
 * socket, and the client-certificate name SASL EXTERNAL logs in with (C-07).
 * An amqps connection is only created once its handshake has succeeded; conn.c never sees TLS. */
#ifndef WR_TLS_H
#define WR_TLS_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct wr_broker;
struct wr_config;
struct wr_tls;

/* One listener's TLS settings, as rabbitmq.conf spells them under some prefix. The strings are
 * borrowed from the config for the duration of wr_tls_ctx_new. */
struct wr_tls_opts {
    const char *prefix; /* "ssl_options", "management.ssl": names the keys in log messages */
    const char *cacertfile, *certfile, *keyfile, *password;
    bool verify_peer, fail_if_no_peer_cert, honor_cipher_order;
    int versions;        /* WR_TLS_V* bits; 0 = TLS 1.2 and 1.3 */
    const char *ciphers; /* ':'-separated, TLS 1.3 suites and older ciphers mixed; NULL = default */
    uint32_t depth;      /* intermediate CAs allowed in a client's chain */
};

/* A server context from o: certificate, key, CA, verification, versions and ciphers. Returns
 * NULL (logged, naming the offending key) when any of them cannot be used. */
SSL_CTX *wr_tls_ctx_new(const struct wr_tls_opts *o);
/* The amqps listener's settings: ssl_options.* of cfg. */
void wr_tls_opts_amqps(const struct wr_config *cfg, struct wr_tls_opts *o);

/* An amqps acceptor with the context of wr_tls_opts_amqps. Returns NULL (logged) on failure. */
struct wr_tls *wr_tls_new(struct wr_broker *b);
/* Also drops the handshakes still in progress. */
void wr_tls_free(struct wr_tls *t);
/* Takes ownership of fd and starts the server handshake; on success the socket becomes a
 * wr_conn, on failure or after ssl_handshake_timeout it is closed and the reason logged. */
void wr_tls_accept(struct wr_tls *t, int fd, const struct sockaddr *peer, int plen);
/* Logs and clears OpenSSL's error queue, prefixed with what failed. */
void wr_tls_log_errors(const char *what);
/* A certificate name in RFC 4514 form ("CN=alice,O=example"), malloc'd; NULL on failure. */
char *wr_tls_name_string(const X509_NAME *name);

/* A TLS connection's session as the management API shows it (ssl_protocol, ssl_cipher, ...),
 * in the names RabbitMQ (Erlang's ssl) uses. tls_session.c. */
struct bufferevent;
struct wr_tls_session {
    char protocol[16], cipher[48], hash[24], key_exchange[32];
    char *subject, *issuer, *validity; /* of the peer's certificate; NULL without one */
};
/* false for a connection that is not TLS (s is then left empty). */
bool wr_tls_session_get(struct bufferevent *bev, struct wr_tls_session *s);
void wr_tls_session_fini(struct wr_tls_session *s);

#endif
