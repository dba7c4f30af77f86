/* SPDX-License-Identifier: MPL-2.0 */
/* Client side of an AMQP connection for warren-perf: socket setup, the handshake as PLAIN, frame
 * reading and the methods every role shares. A close from the broker ends the whole run: a load
 * generator that keeps going after an error would report numbers that mean nothing. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "amqp/frame.h"
#include "amqp/method.h"
#include "amqp/spec.h"
#include "amqp/table.h"
#include "tools/perf/conn.h"

static const uint8_t protocol_header[8] = {'A', 'M', 'Q', 'P', 0, 0, 9, 1};

/* Large reads and writes: the default 16 KiB cap costs a syscall per few hundred messages. */
#define IO_CHUNK (256 * 1024)

static void read_cb(struct bufferevent *bev, void *arg);
static void write_cb(struct bufferevent *bev, void *arg);
static void again_cb(evutil_socket_t fd, short what, void *arg);
static void event_cb(struct bufferevent *bev, short what, void *arg);

/* Binds to 127.0.0.(2 + idx % n) so that many connections do not exhaust one address's ports. */
static int
bind_source(int fd, int idx, int n)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(0x7f000002u + (uint32_t)(idx % n));
    return bind(fd, (struct sockaddr *)&sa, sizeof(sa));
}

static int
open_socket(struct wr_perf_run *r, int idx, bool idle)
{
    int fd = socket(r->addr.ss_family, SOCK_STREAM, 0);
    if (fd < 0)
        wr_perf_fail("socket: %m (raise ulimit -n?)");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (idle) {
        /* Reset on close: ten thousand sockets in TIME_WAIT would block the next run's ports. */
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    }
    if (r->opt.src_addrs > 0 && bind_source(fd, idx, r->opt.src_addrs) < 0)
        wr_perf_fail("bind source address: %m");
    return fd;
}

struct wr_perf_conn *
wr_perf_conn_new(struct wr_perf_run *r, enum wr_perf_role role, int idx,
                 const struct wr_perf_role_ops *ops, void *role_data)
{
    struct wr_perf_conn *c = calloc(1, sizeof(*c));
    if (!c)
        abort();
    c->run = r;
    c->role = role;
    c->idx = idx;
    c->ops = ops;
    c->role_data = role_data;
    int fd = open_socket(r, r->nconns, role == WR_PERF_IDLE);
    c->bev = bufferevent_socket_new(r->base, fd, BEV_OPT_CLOSE_ON_FREE);
    c->stage = evbuffer_new();
    c->again = evtimer_new(r->base, again_cb, c);
    if (!c->bev || !c->stage || !c->again)
        abort();
    bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
    bufferevent_set_max_single_read(c->bev, IO_CHUNK);
    bufferevent_set_max_single_write(c->bev, IO_CHUNK);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&r->addr, (int)r->addrlen) < 0)
        wr_perf_fail("connect: %m");
    return c;
}

void
wr_perf_conn_free(struct wr_perf_conn *c)
{
    if (!c)
        return;
    if (c->hb_ev)
        event_free(c->hb_ev);
    event_free(c->again);
    evbuffer_free(c->stage);
    if (c->bev)
        bufferevent_free(c->bev);
    free(c);
}

void
wr_perf_conn_flush(struct wr_perf_conn *c)
{
    struct evbuffer *out = bufferevent_get_output(c->bev);

    if (evbuffer_get_length(c->stage) == 0)
        return;
    if (c->state != WR_PERF_CONNECTING && evbuffer_get_length(out) == 0) {
        evbuffer_write(c->stage, bufferevent_getfd(c->bev)); /* errors surface in the bufferevent */
        if (evbuffer_get_length(c->stage) == 0) {
            /* a zero timeout runs it after the next poll (event_active would run it in this
             * pass, and a producer would never let the loop poll) */
            static const struct timeval now = {0, 0};
            if (c->ops->writable)
                evtimer_add(c->again, &now);
            return;
        }
    }
    evbuffer_add_buffer(out, c->stage);
}

static void
again_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    struct wr_perf_conn *c = arg;
    if (c->state == WR_PERF_READY && c->ops->writable)
        c->ops->writable(c);
}

void
wr_perf_conn_send(struct wr_perf_conn *c, uint32_t id, const void *m)
{
    uint16_t ch = (id >> 16) == 10 ? 0 : 1;
    if (wr_frame_add_method(wr_perf_conn_out(c), ch, id, m) != 0)
        wr_perf_fail("cannot encode method %s", wr_method_name(id));
}

void
wr_perf_conn_send_sync(struct wr_perf_conn *c, uint32_t id, const void *m)
{
    c->pending++;
    wr_perf_conn_send(c, id, m);
}

static struct wr_bytes
queue_args(const struct wr_perf_run *r)
{
    return (struct wr_bytes){r->qargs, (uint32_t)r->qargs_len};
}

/* The default exchange and amq.* exist already and cannot be declared or bound to. */
static bool
exchange_is_predeclared(const char *name)
{
    return name[0] == '\0' || strncmp(name, "amq.", 4) == 0;
}

void
wr_perf_conn_declare(struct wr_perf_conn *c)
{
    const struct wr_perf_opts *o = &c->run->opt;
    if (!exchange_is_predeclared(o->exchange)) {
        struct wr_m_exchange_declare ed = {.exchange = wr_bytes_str(o->exchange),
                                           .type = wr_bytes_str(o->type)};
        wr_perf_conn_send_sync(c, WR_M_EXCHANGE_DECLARE, &ed);
    }
    for (int i = 0; i < o->queues; i++) {
        struct wr_m_queue_declare qd = {.queue = wr_bytes_str(c->run->qnames[i]),
                                        .durable = o->durable,
                                        .arguments = queue_args(c->run)};
        wr_perf_conn_send_sync(c, WR_M_QUEUE_DECLARE, &qd);
        if (o->exchange[0] == '\0')
            continue;
        const char *key = o->routing_key ? o->routing_key : c->run->qnames[i];
        struct wr_m_queue_bind qb = {.queue = qd.queue,
                                     .exchange = wr_bytes_str(o->exchange),
                                     .routing_key = wr_bytes_str(key)};
        wr_perf_conn_send_sync(c, WR_M_QUEUE_BIND, &qb);
    }
}

void
wr_perf_conn_delete_queues(struct wr_perf_conn *c)
{
    for (int i = 0; i < c->run->opt.queues; i++) {
        struct wr_m_queue_delete qd = {.queue = wr_bytes_str(c->run->qnames[i])};
        wr_perf_conn_send_sync(c, WR_M_QUEUE_DELETE, &qd);
    }
    wr_perf_conn_flush(c); /* called from a timer, not from read_cb */
}

void
wr_perf_conn_close(struct wr_perf_conn *c)
{
    if (c->state == WR_PERF_CLOSING || c->state == WR_PERF_CLOSED)
        return;
    struct wr_m_connection_close cc = {.reply_code = 200, .reply_text = WR_BYTES_LIT("bye")};
    if (c->state >= WR_PERF_SETUP)
        wr_perf_conn_send(c, WR_M_CONNECTION_CLOSE, &cc);
    wr_perf_conn_flush(c);
    c->state = WR_PERF_CLOSING;
}

static void
closed(struct wr_perf_conn *c)
{
    c->state = WR_PERF_CLOSED;
    bufferevent_disable(c->bev, EV_READ | EV_WRITE);
    c->run->nclosed++;
    wr_perf_check_done(c->run);
}

static void
heartbeat_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct wr_perf_conn *c = arg;
    if (c->state < WR_PERF_CLOSING) {
        wr_frame_add_heartbeat(wr_perf_conn_out(c));
        wr_perf_conn_flush(c);
    }
}

static void
start_heartbeats(struct wr_perf_conn *c, uint16_t secs)
{
    if (secs == 0)
        return;
    struct timeval tv = {.tv_sec = secs / 2, .tv_usec = (secs % 2) * 500000};
    if (!c->run->hb_tv)
        c->run->hb_tv = event_base_init_common_timeout(c->run->base, &tv);
    c->hb_ev = event_new(c->run->base, -1, EV_PERSIST, heartbeat_cb, c);
    event_add(c->hb_ev, c->run->hb_tv);
}

static void
on_start(struct wr_perf_conn *c)
{
    const struct wr_perf_opts *o = &c->run->opt;
    char resp[512];
    int n = snprintf(resp, sizeof(resp), "%c%s%c%s", 0, o->user, 0, o->pass);
    struct wr_tbuf props, caps;
    wr_tbuf_init(&props);
    wr_tbuf_init(&caps);
    /* Without it RabbitMQ answers a bad password by dropping the socket, not with a close. */
    wr_tbuf_bool(&caps, "authentication_failure_close", true);
    wr_tbuf_str(&props, "product", "warren-perf", 11);
    wr_tbuf_nested(&props, "capabilities", 'F', &caps);
    wr_tbuf_free(&caps);
    struct wr_m_connection_start_ok so = {.client_properties = wr_tbuf_bytes(&props),
                                          .mechanism = WR_BYTES_LIT("PLAIN"),
                                          .response = {(const uint8_t *)resp, (uint32_t)n},
                                          .locale = WR_BYTES_LIT("en_US")};
    wr_perf_conn_send(c, WR_M_CONNECTION_START_OK, &so);
    wr_tbuf_free(&props);
}

static void
on_tune(struct wr_perf_conn *c, const struct wr_m_connection_tune *t)
{
    const struct wr_perf_opts *o = &c->run->opt;
    c->frame_max = t->frame_max ? t->frame_max : 131072;
    uint16_t hb = (uint16_t)o->heartbeat;
    if (hb && t->heartbeat && t->heartbeat < hb)
        hb = t->heartbeat;
    struct wr_m_connection_tune_ok to = {
            .channel_max = t->channel_max, .frame_max = c->frame_max, .heartbeat = hb};
    wr_perf_conn_send(c, WR_M_CONNECTION_TUNE_OK, &to);
    struct wr_m_connection_open op = {.virtual_host = wr_bytes_str(o->vhost)};
    wr_perf_conn_send(c, WR_M_CONNECTION_OPEN, &op);
    start_heartbeats(c, hb);
}

static void
on_close(struct wr_perf_conn *c, uint32_t id, const uint8_t *args, size_t len)
{
    struct wr_m_connection_close m; /* channel.close has the same layout */
    if (wr_method_decode(id, args, len, &m) != WR_OK)
        memset(&m, 0, sizeof(m));
    wr_perf_fail("broker sent %s: %u %.*s (class %u, method %u)", wr_method_name(id), m.reply_code,
                 (int)m.reply_text.len, (const char *)m.reply_text.ptr, m.class_id, m.method_id);
}

static void
on_sync_reply(struct wr_perf_conn *c)
{
    if (c->pending == 0)
        wr_perf_fail("unexpected synchronous reply");
    if (--c->pending > 0)
        return;
    if (c->state == WR_PERF_SETUP) {
        c->state = WR_PERF_READY;
        if (c->ops->setup_done)
            c->ops->setup_done(c);
        wr_perf_conn_ready(c->run);
    } else if (c->state == WR_PERF_READY) {
        wr_perf_check_done(c->run); /* the cleanup deletes finished */
    }
}

static bool
is_sync_reply(uint32_t id)
{
    switch (id) {
    case WR_M_EXCHANGE_DECLARE_OK:
    case WR_M_QUEUE_DECLARE_OK:
    case WR_M_QUEUE_BIND_OK:
    case WR_M_QUEUE_DELETE_OK:
    case WR_M_BASIC_QOS_OK:
    case WR_M_BASIC_CONSUME_OK:
    case WR_M_CONFIRM_SELECT_OK:
        return true;
    default:
        return false;
    }
}

static void
on_channel_open_ok(struct wr_perf_conn *c)
{
    c->state = WR_PERF_SETUP;
    c->ops->setup(c);
    c->pending++; /* balances the call below when setup sent nothing */
    on_sync_reply(c);
}

static void
on_method(struct wr_perf_conn *c, const uint8_t *p, size_t len)
{
    uint32_t id;
    if (wr_method_id_read(p, len, &id) != WR_OK)
        wr_perf_fail("short method frame");
    const uint8_t *args = p + 4;
    size_t alen = len - 4;
    struct wr_m_connection_tune tune;
    switch (id) {
    case WR_M_CONNECTION_START:
        on_start(c);
        return;
    case WR_M_CONNECTION_TUNE:
        if (wr_method_decode(id, args, alen, &tune) != WR_OK)
            wr_perf_fail("bad connection.tune");
        on_tune(c, &tune);
        return;
    case WR_M_CONNECTION_OPEN_OK:
        wr_perf_conn_send(c, WR_M_CHANNEL_OPEN, &(struct wr_m_channel_open){0});
        return;
    case WR_M_CHANNEL_OPEN_OK:
        on_channel_open_ok(c);
        return;
    case WR_M_CONNECTION_CLOSE:
    case WR_M_CHANNEL_CLOSE:
        on_close(c, id, args, alen);
        return;
    case WR_M_CONNECTION_CLOSE_OK:
        closed(c);
        return;
    case WR_M_CONNECTION_BLOCKED:
        fprintf(stderr, "warren-perf: connection blocked\n");
        return;
    case WR_M_CONNECTION_UNBLOCKED:
        return;
    }
    if (is_sync_reply(id))
        on_sync_reply(c);
    else if (c->ops->method)
        c->ops->method(c, id, args, alen);
}

/* Handles every complete frame in the input buffer, in one pass. */
static void
read_cb(struct bufferevent *bev, void *arg)
{
    struct wr_perf_conn *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    for (;;) {
        size_t avail = evbuffer_get_length(in);
        if (avail < WR_FRAME_HEADER_SIZE || c->state == WR_PERF_CLOSED)
            break;
        uint8_t type;
        uint16_t ch;
        uint32_t size;
        wr_frame_header_read(evbuffer_pullup(in, WR_FRAME_HEADER_SIZE), &type, &ch, &size);
        size_t total = (size_t)size + WR_FRAME_OVERHEAD;
        if (avail < total)
            break;
        const uint8_t *f = evbuffer_pullup(in, (ev_ssize_t)total);
        if (f[total - 1] != WR_FRAME_END)
            wr_perf_fail("bad frame end");
        const uint8_t *p = f + WR_FRAME_HEADER_SIZE;
        if (type == WR_FRAME_METHOD)
            on_method(c, p, size);
        else if ((type == WR_FRAME_HEADER || type == WR_FRAME_BODY) && c->ops->content)
            c->ops->content(c, type, p, size);
        evbuffer_drain(in, total);
    }
    wr_perf_conn_flush(c); /* the replies to everything read, in one write */
}

static void
write_cb(struct bufferevent *bev, void *arg)
{
    (void)bev;
    struct wr_perf_conn *c = arg;
    if (c->state == WR_PERF_READY && c->ops->writable)
        c->ops->writable(c);
}

static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
    struct wr_perf_conn *c = arg;
    if (what & BEV_EVENT_CONNECTED) {
        c->state = WR_PERF_HANDSHAKE;
        bufferevent_write(bev, protocol_header, sizeof(protocol_header));
        return;
    }
    if (c->state == WR_PERF_CLOSING) {
        closed(c);
        return;
    }
    if (what & BEV_EVENT_EOF)
        wr_perf_fail("connection %d closed by the broker", c->idx);
    wr_perf_fail("connection %d: %s", c->idx, evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
}
