/* SPDX-License-Identifier: MPL-2.0 */
/* Connection and channel state shared by conn.c, channel.c, dispatch.c and the h_*.c handlers.
 * Nothing outside those files includes this header. */
#ifndef WR_CONN_INTERNAL_H
#define WR_CONN_INTERNAL_H

#include "amqp/spec.h"
#include "amqp/types.h"
#include "server/channel.h"
#include "server/conn.h"
#include "server/error.h"
#include "server/exchange.h"
#include "server/queue.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#define INET6_ADDRSTRLEN_WR 48

struct bufferevent;
struct evbuffer;
struct event;
struct event_base;
struct wr_broker;
struct wr_user;
struct wr_vhost;
struct wr_msg;

enum wr_conn_state {
    WR_CS_HEADER,   /* waiting for the protocol header */
    WR_CS_START_OK, /* connection.start sent */
    WR_CS_TUNE_OK,  /* connection.tune sent */
    WR_CS_OPEN,     /* waiting for connection.open */
    WR_CS_RUNNING,
    WR_CS_CLOSING, /* connection.close sent, waiting for close-ok */
    WR_CS_CLOSED,  /* flushing output before the socket goes */
    WR_CS_LINGER,  /* closed at the AMQP level: waiting for the client to close the socket */
};

enum wr_ch_state { WR_CH_OPEN, WR_CH_CLOSING };
enum wr_content_state { WR_CT_IDLE, WR_CT_HEADER, WR_CT_BODY };

/* A delivered message waiting for ack, in delivery-tag order. */
struct wr_unacked {
    TAILQ_ENTRY(wr_unacked) link;
    uint64_t tag;
    struct wr_queue *q; /* one ref */
    struct wr_qentry *e;
    struct wr_consumer *c; /* NULL for basic.get or once the consumer is gone */
    int64_t at;            /* delivery time, for the acknowledgement timeout (P-08) */
};
TAILQ_HEAD(wr_unacked_list, wr_unacked);
TAILQ_HEAD(wr_chconsumer_list, wr_consumer);

/* A publish or an ack held by a transaction until tx.commit. */
struct wr_txop {
    STAILQ_ENTRY(wr_txop) link;
    uint32_t method;    /* basic.publish, ack, nack or reject */
    struct wr_msg *msg; /* publishes: one ref */
    bool mandatory;
    uint64_t tag;
    bool multiple, requeue;
};
STAILQ_HEAD(wr_txop_list, wr_txop);

struct wr_channel {
    struct wr_conn *conn;
    uint16_t id;
    enum wr_ch_state state;
    bool torn_down;
    /* content assembly: method, then header, then body frames (W-10) */
    enum wr_content_state ct;
    bool pub_mandatory, pub_immediate;
    uint8_t pub_exchange_len, pub_rk_len;
    char pub_exchange[256], pub_rk[256];
    struct wr_msg *pub;        /* being assembled; one ref */
    struct wr_exchange *pub_x; /* the publish's exchange, looked up once, during routing only */
    /* consumers and acks */
    struct wr_chconsumer_list consumers;
    uint32_t prefetch_next;   /* per-consumer limit for consumers created from now on */
    uint32_t prefetch_global; /* shared by all consumers of the channel */
    uint32_t nunacked;
    uint64_t next_tag;
    struct wr_unacked_list unacked;
    /* confirms */
    bool confirm;
    uint64_t pub_seq;      /* last publish sequence number */
    uint64_t confirmed;    /* acks sent up to here */
    uint64_t confirm_upto; /* acks owed up to here */
    uint64_t sync_upto;    /* waiting for the store's fsync up to here */
    uint64_t *nacks;       /* sequence numbers to nack, ascending */
    size_t nnacks, nacks_cap;
    bool committing; /* tx.commit waits for the fsync (ERR-34) */
    bool flush_queued;
    TAILQ_ENTRY(wr_channel) flush_link;
    /* transactions */
    bool tx;
    struct wr_txop_list txops;
    /* direct reply-to pseudo-consumer: its tag and the channel's reply address */
    char *reply_tag;
    char *reply_key;
    /* name of the last queue declared, for the empty-name shortcuts (M-05) */
    char last_queue[256];
};
TAILQ_HEAD(wr_channel_list, wr_channel);

struct wr_conn {
    struct wr_broker *broker;
    struct bufferevent *bev;
    /* plain sockets: reads and end-of-pass writes done by conn_io.c, not by the bufferevent */
    struct event *rd_ev, *wr_ev;
    bool write_queued; /* wr_ev is active */
    TAILQ_ENTRY(wr_conn) link;
    enum wr_conn_state state;
    char peer[80];
    char peer_host[INET6_ADDRSTRLEN_WR];
    uint16_t peer_port;
    int64_t connected_at; /* wall clock ms, for list_connections */
    bool loopback;
    const struct wr_user *user;
    struct wr_vhost *vh;
    /* negotiated */
    uint32_t frame_max;
    uint16_t channel_max;
    uint16_t heartbeat;
    bool cap_cancel_notify, cap_blocked, cap_auth_failure_close;
    uint8_t *client_props; /* start-ok's client-properties table, for the management API */
    uint32_t client_props_len;
    const char *auth_mechanism; /* a static string once logged in */
    /* timers and liveness */
    struct event *handshake_timer;
    struct event *heartbeat_timer;
    struct event *close_timer;
    struct event *flush_ev;
    bool sent, received;
    int missed;
    /* channels: sparse array indexed by number */
    struct wr_channel **chans;
    uint32_t nchans; /* array size */
    uint32_t open_channels;
    struct wr_channel_list flush_list;
    /* exclusive queues owned (refs) */
    struct wr_queue **owned;
    size_t nowned, owned_cap;
    /* error being raised, and the method being handled */
    struct wr_exc exc;
    uint32_t cur_method;
    uint16_t cur_channel;
    bool output_full;
    bool blocked;      /* not read while a resource alarm is on (F-03) */
    bool blocked_sent; /* connection.blocked sent for this episode */
    bool read_paused;  /* input paused until output drains (WR_OUT_MAX) */
    bool input_dead;   /* framing lost: input is discarded */
    bool in_read;      /* inside the read callback: defer frees */
    bool free_pending;
    struct wr_route route; /* reusable routing target vector */
    char *tls_identity;    /* verified client certificate's name; EXTERNAL offered iff set */
    /* traffic, as RabbitMQ's recv_oct/recv_cnt/send_oct/send_cnt, and its sampled rates */
    uint64_t recv_oct, recv_cnt, send_oct, send_cnt;
    uint64_t sampled_recv, sampled_send;
    double recv_rate, send_rate;
    struct evbuffer_cb_entry *in_cb, *out_cb;
};

#define WR_OUT_HIGH (1024 * 1024)
#define WR_OUT_LOW  (256 * 1024)
/* Above this much unsent output the connection's input is no longer read. */
#define WR_OUT_MAX (4 * 1024 * 1024)

/* conn.c */
struct evbuffer *wr_conn_out(struct wr_conn *c);
/* conn_io.c: the connection does its socket I/O itself from now on (plain TCP only); -1 when
 * out of memory. */
int wr_conn_own_io(struct wr_conn *c, struct event_base *base);
/* Starts or stops reading, through the bufferevent or the connection's own read event. */
void wr_conn_reading(struct wr_conn *c, bool on);
/* Output was added: it is written at the end of the loop pass. */
void wr_conn_output_added(struct wr_conn *c);
/* The bufferevent wrote everything that was waiting: back to end-of-pass writes. */
void wr_conn_output_empty(struct wr_conn *c);
/* conn.c: new bytes are in the input buffer / the peer closed or the socket failed / all output
 * has been written. */
void wr_conn_input(struct wr_conn *c);
void wr_conn_peer_event(struct wr_conn *c, short what);
void wr_conn_drained(struct wr_conn *c);
int wr_conn_send(struct wr_conn *c, uint16_t ch, uint32_t id, const void *m);
void wr_conn_schedule_flush(struct wr_conn *c, struct wr_channel *ch);
/* Dispatches the queues of every consumer on the connection (credit or socket space freed). */
void wr_conn_kick(struct wr_conn *c);

/* channel.c */
struct wr_channel *wr_channel_new(struct wr_conn *c, uint16_t id);
/* Requeues unacked, cancels consumers, drops tx state and a half-assembled message. */
void wr_channel_teardown(struct wr_channel *ch);
void wr_channel_free(struct wr_channel *ch);
void wr_channel_kick(struct wr_channel *ch);
void wr_channel_flush_confirms(struct wr_channel *ch);
/* Content frames for the message announced by basic.publish. */
int wr_channel_content_header(struct wr_channel *ch, const uint8_t *p, uint32_t len);
int wr_channel_content_body(struct wr_channel *ch, const uint8_t *p, uint32_t len);
struct wr_consumer *wr_channel_find_consumer(struct wr_channel *ch, const uint8_t *tag, size_t len);
void wr_channel_cancel_consumer(struct wr_channel *ch, struct wr_consumer *c);
/* Records a delivery for ack; returns its delivery tag. */
uint64_t wr_channel_track(struct wr_channel *ch, struct wr_queue *q, struct wr_qentry *e,
                          struct wr_consumer *c);
/* Settles tag (multiple: all up to it; tag 0 + multiple: everything). Returns WR_EXC on an
 * unknown tag (ERR-16). */
int wr_channel_settle(struct wr_channel *ch, uint64_t tag, bool multiple, bool requeue, bool ack);
void wr_channel_requeue_all(struct wr_channel *ch);
/* Routes and enqueues a complete message (also used by tx.commit). */
int wr_channel_route(struct wr_channel *ch, struct wr_msg *m, bool mandatory);
int wr_channel_route_keys(struct wr_channel *ch, struct wr_msg *m, bool mandatory,
                          const struct wr_bytes *keys, size_t nkeys, struct wr_bytes headers);
/* Writes a delivery-like method (deliver, get-ok, return) followed by m's content. */
void wr_channel_write_delivery(struct wr_conn *c, uint16_t ch, uint32_t method, const void *args,
                               const struct wr_msg *m);
/* Writes header and body frames of m on channel id. */
void wr_channel_write_content(struct wr_conn *c, uint16_t id, const struct wr_msg *m);

/* reply_to.c: direct reply-to (X-10, ERR-24, ERR-25) */
bool wr_reply_is_pseudo(struct wr_bytes queue);
int wr_reply_consume(struct wr_channel *ch, struct wr_bytes tag, bool no_ack, bool no_wait);
bool wr_reply_cancel(struct wr_channel *ch, struct wr_bytes tag);
void wr_reply_channel_gone(struct wr_channel *ch);
/* Rewrites reply_to = amq.rabbitmq.reply-to into this channel's address; *m may be replaced. */
int wr_reply_rewrite(struct wr_channel *ch, struct wr_msg **m);
/* True when m is addressed to a reply address via the default exchange: delivered or dropped. */
bool wr_reply_route(struct wr_channel *ch, struct wr_msg *m);
/* Passive declare of a reply address: 1 if its consumer is alive, 0 if not, -1 if not one. */
int wr_reply_declare(struct wr_channel *ch, struct wr_bytes name);

/* dispatch.c */
int wr_dispatch_method(struct wr_conn *c, uint16_t ch, const uint8_t *p, uint32_t len);

/* handlers, one file per class; each returns 0 or WR_EXC */
int wr_h_connection(struct wr_conn *c, uint32_t id, const void *m);
int wr_h_channel(struct wr_channel *ch, uint32_t id, const void *m);
int wr_h_exchange(struct wr_channel *ch, uint32_t id, const void *m);
int wr_h_queue(struct wr_channel *ch, uint32_t id, const void *m);
int wr_h_basic(struct wr_channel *ch, uint32_t id, const void *m);
int wr_h_confirm_tx(struct wr_channel *ch, uint32_t id, const void *m);

#endif
