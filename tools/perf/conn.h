/* SPDX-License-Identifier: MPL-2.0 */
/* One AMQP client connection with one channel: connect, handshake, frame reading, the shared
 * topology declarations and the close. What the channel does afterwards belongs to its role
 * (producer.c, consumer.c), reached through struct wr_perf_role_ops. */
#ifndef WR_PERF_CONN_H
#define WR_PERF_CONN_H

#include <stddef.h>
#include <stdint.h>

#include <event2/buffer.h>

#include "tools/perf/perf.h"

struct wr_perf_conn;

struct wr_perf_role_ops {
    /* Channel 1 is open: send declarations with wr_perf_conn_send_sync(). */
    void (*setup)(struct wr_perf_conn *c);
    /* Every reply to the setup methods has arrived. */
    void (*setup_done)(struct wr_perf_conn *c);
    /* A method the connection does not handle itself; args are valid during the call. */
    void (*method)(struct wr_perf_conn *c, uint32_t id, const uint8_t *args, size_t len);
    /* A content header or body frame payload. */
    void (*content)(struct wr_perf_conn *c, uint8_t type, const uint8_t *p, size_t len);
    /* Everything written so far has gone to the kernel. */
    void (*writable)(struct wr_perf_conn *c);
};

enum wr_perf_conn_state {
    WR_PERF_CONNECTING,
    WR_PERF_HANDSHAKE,
    WR_PERF_SETUP,
    WR_PERF_READY,
    WR_PERF_CLOSING,
    WR_PERF_CLOSED,
};

struct wr_perf_conn {
    struct wr_perf_run *run;
    struct bufferevent *bev;
    struct evbuffer *stage; /* frames not yet written: see wr_perf_conn_flush() */
    struct event *again;    /* calls writable after a direct write, as the bufferevent would */
    struct event *hb_ev;
    const struct wr_perf_role_ops *ops;
    void *role_data; /* struct wr_perf_producer / wr_perf_consumer, owned by the role */
    enum wr_perf_role role;
    enum wr_perf_conn_state state;
    int idx; /* among connections of the same role */
    uint32_t frame_max;
    unsigned pending; /* synchronous replies still awaited */
};

/* Starts connecting; the connection reports readiness through wr_perf_conn_ready(). */
struct wr_perf_conn *wr_perf_conn_new(struct wr_perf_run *r, enum wr_perf_role role, int idx,
                                      const struct wr_perf_role_ops *ops, void *role_data);
void wr_perf_conn_free(struct wr_perf_conn *c);

static inline struct evbuffer *
wr_perf_conn_out(struct wr_perf_conn *c)
{
    return c->stage;
}

/* Writes the staged frames: straight to the socket when nothing waits in the bufferevent, so a
 * publish costs one write as with a blocking client, not a write plus the epoll_ctl pair of
 * arming and disarming EPOLLOUT. What the socket does not take goes through the bufferevent. */
void wr_perf_conn_flush(struct wr_perf_conn *c);

/* Appends method frame m (struct wr_m_*) on channel 1, or channel 0 for connection methods. */
void wr_perf_conn_send(struct wr_perf_conn *c, uint32_t id, const void *m);
/* Same, and counts a synchronous reply to wait for before setup_done. */
void wr_perf_conn_send_sync(struct wr_perf_conn *c, uint32_t id, const void *m);
/* Declares the exchange, the queues and their bindings of the run. */
void wr_perf_conn_declare(struct wr_perf_conn *c);
/* Deletes the run's queues (sync); used once at the end with --cleanup. */
void wr_perf_conn_delete_queues(struct wr_perf_conn *c);
/* Sends connection.close; the connection frees itself on close-ok. */
void wr_perf_conn_close(struct wr_perf_conn *c);

#endif
