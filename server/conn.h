/* SPDX-License-Identifier: MPL-2.0 */
/* A client connection: socket I/O, the handshake, frame parsing and the error converter. */
#ifndef WR_CONN_H
#define WR_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct bufferevent;
struct wr_broker;
struct wr_queue;
struct wr_conn;

/* Takes ownership of fd. */
struct wr_conn *wr_conn_accept(struct wr_broker *b, int fd, const struct sockaddr *peer, int plen);
/* Same over a ready bufferevent (a TLS socket after its handshake); takes ownership of bev and of
 * tls_identity, the verified client certificate's name for SASL EXTERNAL (NULL: none). */
struct wr_conn *wr_conn_accept_bev(struct wr_broker *b, struct bufferevent *bev,
                                   const struct sockaddr *peer, int plen, char *tls_identity);
/* Sends connection.close with code and text (e.g. CONNECTION_FORCED at shutdown). */
void wr_conn_force_close(struct wr_conn *c, uint16_t code, const char *text);
/* Drops the socket at once, tearing down channels and exclusive queues. */
void wr_conn_free(struct wr_conn *c);

/* Resource alarms changed (WR_ALARM_* bits): a blocked connection resumes when all clear. */
void wr_conn_alarm(struct wr_conn *c, unsigned bits);

/* The vhost is being deleted: a connection on it is closed (CONNECTION_FORCED) and forgets it. */
struct wr_vhost;
void wr_conn_vhost_deleted(struct wr_conn *c, struct wr_vhost *vh);

/* P-08: a channel whose oldest unacknowledged delivery is older than timeout_ms is closed
 * with ERR-27's 406. */
void wr_conn_check_ack_timeouts(struct wr_conn *c, int64_t now_ms, uint32_t timeout_ms);

/* What list_connections and list_channels show. */
struct wr_conn_info {
    const char *peer, *peer_host, *user, *vhost, *state;
    uint16_t peer_port, channel_max, heartbeat;
    uint32_t channels, frame_max;
    int64_t connected_at;        /* ms since the epoch */
    const uint8_t *client_props; /* AMQP table contents; len 0 before start-ok */
    size_t client_props_len;
    const char *auth_mechanism; /* "" before login */
    uint64_t recv_oct, recv_cnt, send_oct, send_cnt, send_pend;
    struct bufferevent *bev;     /* for the TLS session's details (tls.h) */
    double recv_rate, send_rate; /* bytes per second between the last two samples */
};
void wr_conn_info(const struct wr_conn *c, struct wr_conn_info *out);
/* Takes a traffic sample, secs after the previous one (the management sampler's period). */
void wr_conn_sample_rates(struct wr_conn *c, double secs);
/* The address and port the client connected to (RabbitMQ's "host" and "port"). */
void wr_conn_local_addr(const struct wr_conn *c, char *host, size_t cap, uint16_t *port);
struct wr_channel_info {
    uint16_t number;
    uint32_t consumers, unacked, prefetch, global_prefetch;
    bool confirm, tx;
};
typedef void wr_channel_visit(const struct wr_conn *c, const struct wr_channel_info *ch, void *arg);
void wr_conn_foreach_channel(const struct wr_conn *c, wr_channel_visit *cb, void *arg);

/* Exclusive queues are owned by the declaring connection and deleted with it. */
void wr_conn_own_queue(struct wr_conn *c, struct wr_queue *q);
void wr_conn_disown_queue(struct wr_conn *c, struct wr_queue *q);

#endif
