/* SPDX-License-Identifier: MPL-2.0 */
/* Connection lifecycle and the input loop: every complete frame in the input buffer is parsed
 * in one pass, checked against the negotiated limits before anything is allocated (W-04..W-09),
 * and handed to the dispatcher. Output is batched: one write per loop pass. The socket I/O of
 * plain connections is conn_io.c's; TLS connections leave theirs to the OpenSSL bufferevent. */
#include "server/conn_internal.h"

#include "amqp/frame.h"
#include "server/alarm.h"
#include "server/broker.h"
#include "server/log.h"
#include "server/mem.h"
#include "server/msg.h"
#include "server/settings.h"
#include "server/user.h"
#include "server/vhost.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t wr_proto_header[8] = {'A', 'M', 'Q', 'P', 0, 0, 9, 1};

static void wr_conn_readcb(struct bufferevent *bev, void *arg);
static void wr_conn_writecb(struct bufferevent *bev, void *arg);
static void wr_conn_eventcb(struct bufferevent *bev, short what, void *arg);
void wr_conn_start_handshake(struct wr_conn *c);
static struct wr_conn *wr_conn_new(struct wr_broker *b, struct bufferevent *bev,
                                   const struct sockaddr *peer, char *tls_identity, bool own_io);

static void
wr_conn_describe_peer(struct wr_conn *c, const struct sockaddr *sa)
{
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;

    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
        port = ntohs(in->sin_port);
        c->loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
        port = ntohs(in6->sin6_port);
        c->loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ||
                      (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127);
    }
    snprintf(c->peer, sizeof(c->peer), "%s:%d", host, port);
    snprintf(c->peer_host, sizeof(c->peer_host), "%s", host);
    c->peer_port = (uint16_t)port;
}

static void
wr_conn_handshake_timeout(evutil_socket_t fd, short what, void *arg)
{
    struct wr_conn *c = arg;

    wr_log(WR_LOG_WARN, "closing connection %s: handshake timeout", c->peer);
    wr_conn_free(c);
}

static void
wr_conn_flush_cb(evutil_socket_t fd, short what, void *arg)
{
    struct wr_conn *c = arg;
    struct wr_channel *ch;

    while ((ch = TAILQ_FIRST(&c->flush_list)) != NULL) {
        TAILQ_REMOVE(&c->flush_list, ch, flush_link);
        ch->flush_queued = false;
        wr_channel_flush_confirms(ch);
    }
}

struct wr_conn *
wr_conn_accept(struct wr_broker *b, int fd, const struct sockaddr *peer, int plen)
{
    struct bufferevent *bev;
    int one = 1;

    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    bev = bufferevent_socket_new(wr_broker_base(b), fd, BEV_OPT_CLOSE_ON_FREE);
    if (bev == NULL) {
        evutil_closesocket(fd);
        return NULL;
    }
    return wr_conn_new(b, bev, peer, NULL, true);
}

/* The input buffer grows only by socket reads and the output shrinks only by writes, so their
 * change callbacks count both, without a syscall or a hook in the read and write paths. */
static void
wr_conn_in_counted(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    struct wr_conn *c = arg;

    (void)buf;
    if (info->n_added > 0) {
        c->recv_oct += info->n_added;
        c->recv_cnt++;
    }
}

static void
wr_conn_out_counted(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    struct wr_conn *c = arg;

    (void)buf;
    if (info->n_deleted > 0) {
        c->send_oct += info->n_deleted;
        c->send_cnt++;
    }
}

void
wr_conn_sample_rates(struct wr_conn *c, double secs)
{
    if (secs <= 0)
        return;
    c->recv_rate = (double)(c->recv_oct - c->sampled_recv) / secs;
    c->send_rate = (double)(c->send_oct - c->sampled_send) / secs;
    c->sampled_recv = c->recv_oct;
    c->sampled_send = c->send_oct;
}

struct wr_conn *
wr_conn_accept_bev(struct wr_broker *b, struct bufferevent *bev, const struct sockaddr *peer,
                   int plen, char *tls_identity)
{
    (void)plen;
    return wr_conn_new(b, bev, peer, tls_identity, false);
}

static struct wr_conn *
wr_conn_new(struct wr_broker *b, struct bufferevent *bev, const struct sockaddr *peer,
            char *tls_identity, bool own_io)
{
    struct wr_conn *c = wr_xcalloc(1, sizeof(*c));
    struct event_base *base = wr_broker_base(b);
    const struct wr_config *cfg = wr_broker_config(b);
    struct timeval tv = {cfg->handshake_timeout_ms / 1000,
                         (cfg->handshake_timeout_ms % 1000) * 1000};

    c->broker = b;
    c->state = WR_CS_HEADER;
    c->frame_max = WR_FRAME_MIN_SIZE;
    TAILQ_INIT(&c->flush_list);
    wr_conn_describe_peer(c, peer);
    struct timeval now;
    evutil_gettimeofday(&now, NULL);
    c->connected_at = (int64_t)now.tv_sec * 1000 + now.tv_usec / 1000;
    c->bev = bev;
    c->tls_identity = tls_identity;
    c->in_cb = evbuffer_add_cb(bufferevent_get_input(bev), wr_conn_in_counted, c);
    c->out_cb = evbuffer_add_cb(bufferevent_get_output(bev), wr_conn_out_counted, c);
    bufferevent_setcb(c->bev, wr_conn_readcb, wr_conn_writecb, wr_conn_eventcb, c);
    bufferevent_setwatermark(c->bev, EV_WRITE, WR_OUT_LOW, 0);
    if (own_io && wr_conn_own_io(c, base) == 0)
        bufferevent_disable(c->bev, EV_WRITE); /* enabled by default; conn_io.c writes */
    else
        bufferevent_enable(c->bev, EV_WRITE);
    wr_conn_reading(c, true);
    c->handshake_timer = evtimer_new(base, wr_conn_handshake_timeout, c);
    evtimer_add(c->handshake_timer, &tv);
    c->flush_ev = event_new(base, -1, 0, wr_conn_flush_cb, c);
    wr_broker_conn_add(b, c);
    wr_log(WR_LOG_DEBUG, "accepting AMQP connection %s", c->peer);
    return c;
}

/* Exclusive queues go with their owner as soon as the connection is closed, before the
 * client drops the socket: a client told close-ok may go on to redeclare them elsewhere.
 * Deleting disowns, so walk from the end. */
static void
wr_conn_drop_exclusive(struct wr_conn *c)
{
    while (c->nowned > 0) {
        struct wr_queue *q = c->owned[c->nowned - 1];
        wr_queue_delete(q, true);
    }
}

static void
wr_conn_destroy(struct wr_conn *c)
{
    for (uint32_t i = 0; i < c->nchans; i++) {
        if (c->chans[i] != NULL)
            wr_channel_free(c->chans[i]);
    }
    free(c->chans);
    wr_conn_drop_exclusive(c);
    free(c->owned);
    if (c->vh != NULL) {
        wr_vhost_count_connection(c->vh, -1);
        wr_user_count(c->user, -1, 0);
    }
    wr_broker_conn_remove(c->broker, c);
    if (c->handshake_timer)
        event_free(c->handshake_timer);
    if (c->heartbeat_timer)
        event_free(c->heartbeat_timer);
    if (c->close_timer)
        event_free(c->close_timer);
    event_free(c->flush_ev);
    if (c->rd_ev)
        event_free(c->rd_ev);
    if (c->wr_ev)
        event_free(c->wr_ev);
    evbuffer_remove_cb_entry(bufferevent_get_input(c->bev), c->in_cb);
    evbuffer_remove_cb_entry(bufferevent_get_output(c->bev), c->out_cb);
    bufferevent_free(c->bev);
    free(c->tls_identity);
    free(c->client_props);
    wr_route_free(&c->route);
    free(c);
}

void
wr_conn_free(struct wr_conn *c)
{
    /* a free requested from inside the read loop waits until the loop unwinds */
    if (c->in_read) {
        c->free_pending = true;
        return;
    }
    wr_conn_destroy(c);
}

struct evbuffer *
wr_conn_out(struct wr_conn *c)
{
    c->sent = true;
    wr_conn_output_added(c);
    return bufferevent_get_output(c->bev);
}

int
wr_conn_send(struct wr_conn *c, uint16_t ch, uint32_t id, const void *m)
{
    int rc = wr_frame_add_method(wr_conn_out(c), ch, id, m);

    if (rc < 0)
        wr_log(WR_LOG_ERROR, "cannot encode method 0x%08x: %d", id, rc);
    return rc;
}

void
wr_conn_schedule_flush(struct wr_conn *c, struct wr_channel *ch)
{
    if (!ch->flush_queued) {
        ch->flush_queued = true;
        TAILQ_INSERT_TAIL(&c->flush_list, ch, flush_link);
    }
    event_active(c->flush_ev, 0, 0);
}

void
wr_conn_kick(struct wr_conn *c)
{
    for (uint32_t i = 0; i < c->nchans; i++) {
        if (c->chans[i] != NULL)
            wr_channel_kick(c->chans[i]);
    }
}

static void
wr_conn_close_timeout(evutil_socket_t fd, short what, void *arg)
{
    wr_conn_free(arg);
}

/* Hard error or forced close: send connection.close, stop reading everything but close-ok. */
static void
wr_conn_send_close(struct wr_conn *c, uint16_t code, const char *text, uint32_t method)
{
    struct wr_m_connection_close m = {.reply_code = code,
                                      .reply_text = wr_bytes_str(text),
                                      .class_id = (uint16_t)(method >> 16),
                                      .method_id = (uint16_t)(method & 0xffff)};
    struct timeval tv = {3, 0};

    wr_log(WR_LOG_WARN, "closing AMQP connection %s: %s", c->peer, text);
    wr_conn_send(c, 0, WR_M_CONNECTION_CLOSE, &m);
    /* channels die now: their unacked messages are requeued for other consumers */
    for (uint32_t i = 0; i < c->nchans; i++) {
        if (c->chans[i] != NULL) {
            wr_channel_free(c->chans[i]);
            c->chans[i] = NULL;
        }
    }
    c->open_channels = 0;
    c->state = WR_CS_CLOSING;
    if (c->close_timer == NULL)
        c->close_timer = evtimer_new(wr_broker_base(c->broker), wr_conn_close_timeout, c);
    evtimer_add(c->close_timer, &tv);
}

void
wr_conn_force_close(struct wr_conn *c, uint16_t code, const char *text)
{
    struct wr_exc e;

    if (c->state >= WR_CS_CLOSING)
        return;
    if (c->state != WR_CS_RUNNING && c->state != WR_CS_OPEN) {
        wr_conn_free(c);
        return;
    }
    wr_exc_format(&e, code, text);
    wr_conn_send_close(c, code, e.text, 0);
}

/* Closes the socket once everything queued has been written. */
void wr_conn_close_after_flush(struct wr_conn *c);
void
wr_conn_close_after_flush(struct wr_conn *c)
{
    c->state = WR_CS_CLOSED;
    wr_conn_reading(c, false);
    if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
        wr_conn_free(c);
}

/* After close/close-ok the client closes the socket, as with RabbitMQ (C-16): closing it here
 * while the client may still be writing (frames it queued before its close) would reset the
 * connection under it. Input is discarded until EOF, or the timer gives up. */
void wr_conn_linger(struct wr_conn *c);
void
wr_conn_linger(struct wr_conn *c)
{
    struct timeval tv = {5, 0};

    for (uint32_t i = 0; i < c->nchans; i++) {
        if (c->chans[i] != NULL)
            wr_channel_free(c->chans[i]);
    }
    c->open_channels = 0;
    wr_conn_drop_exclusive(c);
    c->state = WR_CS_LINGER;
    if (c->heartbeat_timer)
        evtimer_del(c->heartbeat_timer);
    if (c->close_timer == NULL)
        c->close_timer = evtimer_new(wr_broker_base(c->broker), wr_conn_close_timeout, c);
    evtimer_add(c->close_timer, &tv);
}

/* The one converter from a recorded exception to channel.close or connection.close. */
static void
wr_conn_raise(struct wr_conn *c)
{
    struct wr_exc *e = &c->exc;
    struct wr_channel *ch = e->channel < c->nchans ? c->chans[e->channel] : NULL;

    if (wr_reply_is_hard(e->code) || e->channel == 0 || ch == NULL) {
        wr_conn_send_close(c, e->code, e->text, e->method);
    } else {
        struct wr_m_channel_close m = {.reply_code = e->code,
                                       .reply_text = wr_bytes_str(e->text),
                                       .class_id = (uint16_t)(e->method >> 16),
                                       .method_id = (uint16_t)(e->method & 0xffff)};
        wr_log(WR_LOG_WARN, "channel error on connection %s, channel %u: %s", c->peer, e->channel,
               e->text);
        wr_channel_teardown(ch);
        ch->state = WR_CH_CLOSING;
        wr_conn_send(c, e->channel, WR_M_CHANNEL_CLOSE, &m);
    }
    e->code = 0;
}

static int
wr_frame_fail(struct wr_conn *c, uint16_t code, uint8_t type, const uint8_t *p, uint32_t n,
              const char *what)
{
    char oct[128];
    const char *label = n > 16 ? "first 16 octets" : "all octets";

    wr_frame_render_octets(p, n > 16 ? 16 : n, oct, sizeof(oct));
    c->cur_method = 0;
    c->cur_channel = 0;
    if (what)
        return wr_conn_fail(c, code, "type %u, %s = %s: %s", type, label, oct, what);
    return wr_conn_fail(c, code, "type %u, %s = %s", type, label, oct);
}

static int
wr_conn_frame(struct wr_conn *c, uint8_t type, uint16_t chan, const uint8_t *p, uint32_t n)
{
    struct wr_channel *ch = chan < c->nchans ? c->chans[chan] : NULL;

    /* after connection.close only close/close-ok on channel 0 matter (C-17) */
    if (c->state == WR_CS_CLOSING && (type != WR_FRAME_METHOD || chan != 0))
        return 0;
    switch (type) {
    case WR_FRAME_METHOD:
        return wr_dispatch_method(c, chan, p, n);
    case WR_FRAME_HEADER:
    case WR_FRAME_BODY:
        if (c->state != WR_CS_RUNNING || chan == 0)
            goto unexpected;
        if (ch != NULL && ch->state == WR_CH_CLOSING)
            return 0; /* dropped until close-ok */
        if (ch == NULL || ch->ct == WR_CT_IDLE)
            goto unexpected;
        c->cur_channel = chan;
        if (type == WR_FRAME_HEADER)
            return wr_channel_content_header(ch, p, n);
        return wr_channel_content_body(ch, p, n);
    case WR_FRAME_HEARTBEAT:
        if (chan != 0)
            return wr_frame_fail(c, WR_UNEXPECTED_FRAME, type, p, n, NULL);
        return 0;
    default:
        return wr_frame_fail(c, WR_FRAME_ERROR, type, p, n, "unknown_frame");
    }
unexpected:
    c->cur_method = 0;
    c->cur_channel = 0;
    return wr_conn_fail(c, WR_UNEXPECTED_FRAME,
                        "expected method frame, got non method frame instead");
}

/* Parses one frame if complete. Returns 1 when one was consumed, 0 when more bytes are needed,
 * -1 when the connection is closing. */
static int
wr_conn_next_frame(struct wr_conn *c, struct evbuffer *in)
{
    uint8_t hdr[WR_FRAME_HEADER_SIZE], type;
    uint16_t chan;
    uint32_t size;
    size_t avail = evbuffer_get_length(in);

    if (avail < WR_FRAME_HEADER_SIZE)
        return 0;
    evbuffer_copyout(in, hdr, sizeof(hdr));
    wr_frame_header_read(hdr, &type, &chan, &size);
    /* RabbitMQ accepts payloads up to frame_max and reports frame_max - 8 (W-04) */
    if (size > c->frame_max) {
        char what[80];
        snprintf(what, sizeof(what), "{frame_too_large,%u,%u}", size, c->frame_max - 8);
        wr_frame_fail(c, WR_FRAME_ERROR, type, NULL, 0, what);
        return -1;
    }
    if (avail < (size_t)size + WR_FRAME_HEADER_SIZE + 1)
        return 0;
    uint8_t *f = evbuffer_pullup(in, (ssize_t)size + WR_FRAME_HEADER_SIZE + 1);
    const uint8_t *payload = f + WR_FRAME_HEADER_SIZE;
    if (payload[size] != WR_FRAME_END) {
        char what[64];
        snprintf(what, sizeof(what), "{invalid_frame_end_marker,%u}", payload[size]);
        wr_frame_fail(c, WR_FRAME_ERROR, type, payload, size, what);
    } else {
        /* a failing handler has recorded its exception; the caller raises it */
        wr_conn_frame(c, type, chan, payload, size);
    }
    evbuffer_drain(in, (size_t)size + WR_FRAME_HEADER_SIZE + 1);
    return 1;
}

static int
wr_conn_read_header(struct wr_conn *c, struct evbuffer *in)
{
    uint8_t h[8];

    if (evbuffer_get_length(in) < 8)
        return 0;
    evbuffer_remove(in, h, sizeof(h));
    /* 0-9-1 and the 0-9 spelling RabbitMQ also accepts (W-01) */
    if (memcmp(h, wr_proto_header, 8) == 0 || memcmp(h, "AMQP\x01\x01\x00\x09", 8) == 0) {
        wr_conn_start_handshake(c);
        return 1;
    }
    evbuffer_add(wr_conn_out(c), wr_proto_header, sizeof(wr_proto_header));
    wr_conn_close_after_flush(c);
    return -1;
}

/* F-03: under a resource alarm a connection is read until it publishes; then it is blocked
 * (no longer read) and told so once, if it asked for connection.blocked (C-18). */
static bool
wr_conn_must_block(struct wr_conn *c, struct evbuffer *in)
{
    uint8_t h[WR_FRAME_HEADER_SIZE + 4];
    struct wr_alarms *a = wr_broker_alarms(c->broker);
    unsigned bits = a ? wr_alarms_active(a) : 0;

    if (bits == 0 || c->state != WR_CS_RUNNING ||
        evbuffer_copyout(in, h, sizeof(h)) < (ssize_t)sizeof(h))
        return false;
    if (h[0] != WR_FRAME_METHOD || memcmp(h + 7, "\x00\x3c\x00\x28", 4) != 0)
        return false; /* only basic.publish blocks */
    c->blocked = true;
    wr_conn_reading(c, false);
    if (c->cap_blocked && !c->blocked_sent) {
        struct wr_m_connection_blocked m = {.reason = wr_bytes_str(wr_alarms_reason(bits))};
        wr_conn_send(c, 0, WR_M_CONNECTION_BLOCKED, &m);
        c->blocked_sent = true;
    }
    return true;
}

void
wr_conn_alarm(struct wr_conn *c, unsigned bits)
{
    if (bits != 0 || !c->blocked)
        return;
    c->blocked = false;
    if (c->blocked_sent) {
        struct wr_m_connection_unblocked m = {0};
        wr_conn_send(c, 0, WR_M_CONNECTION_UNBLOCKED, &m);
        c->blocked_sent = false;
    }
    wr_conn_reading(c, true);
    wr_conn_input(c); /* publishes already buffered go on now */
}

static void
wr_conn_readcb(struct bufferevent *bev, void *arg)
{
    (void)bev;
    wr_conn_input(arg);
}

void
wr_conn_input(struct wr_conn *c)
{
    struct bufferevent *bev = c->bev;
    struct evbuffer *in = bufferevent_get_input(bev);
    int rc = 1;

    c->received = true;
    if (c->input_dead) {
        evbuffer_drain(in, evbuffer_get_length(in));
        return;
    }
    c->in_read = true;
    if (c->state == WR_CS_HEADER)
        rc = wr_conn_read_header(c, in);
    while (rc > 0 && c->state < WR_CS_CLOSED && c->state != WR_CS_HEADER && !c->free_pending) {
        /* a client that does not read its replies is not read either (back-pressure) */
        if (evbuffer_get_length(bufferevent_get_output(bev)) > WR_OUT_MAX) {
            c->read_paused = true;
            wr_conn_reading(c, false);
            break;
        }
        if (wr_conn_must_block(c, in))
            break;
        rc = wr_conn_next_frame(c, in);
        if (c->exc.code != 0)
            wr_conn_raise(c);
    }
    /* framing is lost after an oversized frame: nothing more is parsed (W-04) */
    if (rc < 0)
        c->input_dead = true;
    if (c->state == WR_CS_CLOSED || c->state == WR_CS_LINGER || c->input_dead)
        evbuffer_drain(in, evbuffer_get_length(in));
    c->in_read = false;
    if (c->free_pending)
        wr_conn_destroy(c);
}

static void
wr_conn_writecb(struct bufferevent *bev, void *arg)
{
    struct wr_conn *c = arg;

    if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
        wr_conn_output_empty(c);
    wr_conn_drained(c);
}

void
wr_conn_drained(struct wr_conn *c)
{
    struct bufferevent *bev = c->bev;

    if (c->state == WR_CS_CLOSED) {
        if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
            wr_conn_free(c);
        return;
    }
    if (c->output_full) {
        c->output_full = false;
        wr_conn_kick(c);
    }
    if (c->read_paused && !c->blocked &&
        evbuffer_get_length(bufferevent_get_output(bev)) <= WR_OUT_LOW) {
        c->read_paused = false;
        wr_conn_reading(c, true);
        wr_conn_input(c); /* frames already buffered would otherwise wait for new data */
    }
}

static void
wr_conn_eventcb(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    wr_conn_peer_event(arg, what);
}

void
wr_conn_peer_event(struct wr_conn *c, short what)
{
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
        if (c->state == WR_CS_RUNNING)
            wr_log(WR_LOG_WARN, "client unexpectedly closed TCP connection %s", c->peer);
        wr_conn_free(c);
    }
}

void
wr_conn_own_queue(struct wr_conn *c, struct wr_queue *q)
{
    if (c->nowned == c->owned_cap) {
        c->owned_cap = c->owned_cap ? c->owned_cap * 2 : 4;
        c->owned = wr_xrealloc(c->owned, c->owned_cap * sizeof(*c->owned));
    }
    c->owned[c->nowned++] = q;
}

void
wr_conn_disown_queue(struct wr_conn *c, struct wr_queue *q)
{
    for (size_t i = 0; i < c->nowned; i++) {
        if (c->owned[i] == q) {
            c->owned[i] = c->owned[--c->nowned];
            return;
        }
    }
}

void
wr_conn_vhost_deleted(struct wr_conn *c, struct wr_vhost *vh)
{
    char text[300];

    if (c->vh != vh)
        return;
    snprintf(text, sizeof(text), "vhost '%s' is deleted", wr_vhost_name(vh));
    wr_conn_force_close(c, WR_CONNECTION_FORCED, text);
    wr_user_count(c->user, -1, 0);
    c->vh = NULL;
}

void
wr_conn_check_ack_timeouts(struct wr_conn *c, int64_t now_ms, uint32_t timeout_ms)
{
    if (c->state != WR_CS_RUNNING)
        return;
    for (uint32_t i = 0; i < c->nchans; i++) {
        struct wr_channel *ch = c->chans[i];
        struct wr_unacked *u = ch ? TAILQ_FIRST(&ch->unacked) : NULL;
        if (u == NULL || ch->state != WR_CH_OPEN || now_ms - u->at <= (int64_t)timeout_ms)
            continue;
        c->cur_method = 0;
        wr_chan_fail(ch, WR_PRECONDITION_FAILED,
                     "delivery acknowledgement on channel %u timed out. Timeout value used: %u "
                     "ms. This timeout value can be configured, see consumers doc guide to learn "
                     "more",
                     ch->id, timeout_ms);
        wr_conn_raise(c);
    }
}

static const char *
wr_conn_state_name(const struct wr_conn *c)
{
    if (c->blocked)
        return c->blocked_sent ? "blocked" : "blocking";
    return c->state == WR_CS_RUNNING  ? "running"
           : c->state < WR_CS_RUNNING ? "starting"
                                      : "closing";
}

void
wr_conn_info(const struct wr_conn *c, struct wr_conn_info *out)
{
    *out = (struct wr_conn_info){
            .peer = c->peer,
            .peer_host = c->peer_host,
            .peer_port = c->peer_port,
            .user = c->user ? wr_user_name(c->user) : "",
            .vhost = c->vh ? wr_vhost_name(c->vh) : "",
            .state = wr_conn_state_name(c),
            .channels = c->open_channels,
            .frame_max = c->frame_max,
            .channel_max = c->channel_max,
            .heartbeat = c->heartbeat,
            .bev = c->bev,
            .connected_at = c->connected_at,
            .client_props = c->client_props,
            .client_props_len = c->client_props_len,
            .auth_mechanism = c->auth_mechanism ? c->auth_mechanism : "",
            .recv_oct = c->recv_oct,
            .recv_cnt = c->recv_cnt,
            .send_oct = c->send_oct,
            .send_cnt = c->send_cnt,
            .send_pend = evbuffer_get_length(bufferevent_get_output(c->bev)),
            .recv_rate = c->recv_rate,
            .send_rate = c->send_rate,
    };
}

/* Read when asked rather than kept: only the management API names connections by it. */
void
wr_conn_local_addr(const struct wr_conn *c, char *host, size_t cap, uint16_t *port)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    evutil_socket_t fd = bufferevent_getfd(c->bev);

    snprintf(host, cap, "?");
    *port = 0;
    if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
        return;
    if (ss.ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &in->sin_addr, host, (socklen_t)cap);
        *port = ntohs(in->sin_port);
    } else if (ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;
        inet_ntop(AF_INET6, &in6->sin6_addr, host, (socklen_t)cap);
        *port = ntohs(in6->sin6_port);
    }
}

void
wr_conn_foreach_channel(const struct wr_conn *c, wr_channel_visit *cb, void *arg)
{
    for (uint32_t i = 0; i < c->nchans; i++) {
        const struct wr_channel *ch = c->chans[i];
        struct wr_consumer *k;
        uint32_t n = 0;
        if (ch == NULL || ch->state != WR_CH_OPEN)
            continue;
        TAILQ_FOREACH(k, &ch->consumers, chlink)
            n++;
        struct wr_channel_info ci = {
                ch->id,      n,     ch->nunacked, ch->prefetch_next, ch->prefetch_global,
                ch->confirm, ch->tx};
        cb(c, &ci, arg);
    }
}
