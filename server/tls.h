/* SPDX-License-Identifier: MPL-2.0 */
/* amqps: the server SSL_CTX built from ssl_options.* (S-01, S-02), the TLS handshake of each
 * accepted socket, and the client-certificate name SASL EXTERNAL logs in with (C-07).
 * A connection is only created once its handshake has succeeded; conn.c never sees TLS. */
#ifndef WR_TLS_H
#define WR_TLS_H

#include <sys/socket.h>

struct wr_broker;
struct wr_tls;

/* Loads certificate, key and CA from the broker's config. Returns NULL (logged) on failure. */
struct wr_tls *wr_tls_new(struct wr_broker *b);
/* Also drops the handshakes still in progress. */
void wr_tls_free(struct wr_tls *t);
/* Takes ownership of fd and starts the server handshake; on success the socket becomes a
 * wr_conn, on failure or after ssl_handshake_timeout it is closed and the reason logged. */
void wr_tls_accept(struct wr_tls *t, int fd, const struct sockaddr *peer, int plen);
/* Logs and clears OpenSSL's error queue, prefixed with what failed. */
void wr_tls_log_errors(const char *what);

#endif
