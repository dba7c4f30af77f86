/* SPDX-License-Identifier: MPL-2.0 */
/* Socket I/O of plain TCP connections; TLS connections leave all of it to their OpenSSL
 * bufferevent. The bufferevent keeps the buffers, so parsing and encoding are unchanged.
 * Reads: libevent's socket bufferevent asks the kernel how many bytes are readable (ioctl
 * FIONREAD) before every read; with messages arriving one per client write that was a third of
 * the broker's syscalls per message. Writes: the bufferevent arms EPOLLOUT when output is added
 * and disarms it once written, two epoll_ctl calls per flush (most of them, when messages come
 * one at a time). Output gathered in a loop pass is written at the end of the pass instead, and
 * only what the socket does not take waits for EPOLLOUT through the bufferevent. */
#include "server/conn_internal.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <sys/uio.h>

/* As much as the bufferevent reads at once (libevent's default). */
#define WR_READ_CHUNK 16384

static void
wr_conn_raw_read(evutil_socket_t fd, short what, void *arg)
{
    struct wr_conn *c = arg;
    struct evbuffer *in = bufferevent_get_input(c->bev);
    struct evbuffer_iovec v[2];
    struct iovec iov[2];
    int n;
    ssize_t got;

    (void)what;
    /* the bufferevent keeps the buffer's end frozen except around its own reads */
    evbuffer_unfreeze(in, 0);
    n = evbuffer_reserve_space(in, WR_READ_CHUNK, v, 2);
    evbuffer_freeze(in, 0);
    if (n <= 0) { /* out of memory: a read that cannot be taken would be signalled forever */
        wr_conn_peer_event(c, BEV_EVENT_READING | BEV_EVENT_ERROR);
        return;
    }
    for (int i = 0; i < n; i++)
        iov[i] = (struct iovec){v[i].iov_base, v[i].iov_len};
    do
        got = readv(fd, iov, n);
    while (got < 0 && errno == EINTR);
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (got <= 0) {
        wr_conn_peer_event(c, BEV_EVENT_READING | (got == 0 ? BEV_EVENT_EOF : BEV_EVENT_ERROR));
        return;
    }
    size_t left = (size_t)got;
    int used = 0;
    while (left > 0) {
        if (v[used].iov_len > left)
            v[used].iov_len = left;
        left -= v[used++].iov_len;
    }
    evbuffer_unfreeze(in, 0);
    evbuffer_commit_space(in, v, used);
    evbuffer_freeze(in, 0);
    wr_conn_input(c);
}

/* The socket was full: the bufferevent writes the rest on EPOLLOUT, with EV_WRITE enabled only
 * for that while this file does the writes. */
static bool
wr_conn_write_waits(const struct wr_conn *c)
{
    return (bufferevent_get_enabled(c->bev) & EV_WRITE) != 0;
}

/* Activated by the first output of a pass, this runs behind every socket event the poll
 * returned: what the pass produced goes out in one write. */
static void
wr_conn_raw_write(evutil_socket_t fd, short what, void *arg)
{
    struct wr_conn *c = arg;
    struct evbuffer *out = bufferevent_get_output(c->bev);

    (void)fd, (void)what;
    c->write_queued = false;
    if (wr_conn_write_waits(c) || evbuffer_get_length(out) == 0)
        return;
    /* the bufferevent keeps the buffer's front frozen except around its own writes */
    evbuffer_unfreeze(out, 1);
    int n = evbuffer_write(out, bufferevent_getfd(c->bev));
    evbuffer_freeze(out, 1);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        wr_conn_peer_event(c, BEV_EVENT_WRITING | BEV_EVENT_ERROR);
        return;
    }
    if (evbuffer_get_length(out) > 0) {
        bufferevent_enable(c->bev, EV_WRITE);
        return;
    }
    wr_conn_drained(c);
}

void
wr_conn_output_added(struct wr_conn *c)
{
    if (c->wr_ev != NULL && !c->write_queued && !wr_conn_write_waits(c)) {
        c->write_queued = true;
        event_active(c->wr_ev, 0, 0);
    }
}

void
wr_conn_output_empty(struct wr_conn *c)
{
    if (c->wr_ev != NULL)
        bufferevent_disable(c->bev, EV_WRITE);
}

int
wr_conn_own_io(struct wr_conn *c, struct event_base *base)
{
    evutil_socket_t fd = bufferevent_getfd(c->bev);

    c->rd_ev = event_new(base, fd, EV_READ | EV_PERSIST, wr_conn_raw_read, c);
    c->wr_ev = event_new(base, -1, 0, wr_conn_raw_write, c);
    if (c->rd_ev == NULL || c->wr_ev == NULL) {
        if (c->rd_ev)
            event_free(c->rd_ev);
        if (c->wr_ev)
            event_free(c->wr_ev);
        c->rd_ev = c->wr_ev = NULL;
        return -1;
    }
    return 0;
}

void
wr_conn_reading(struct wr_conn *c, bool on)
{
    if (c->rd_ev == NULL) {
        if (on)
            bufferevent_enable(c->bev, EV_READ);
        else
            bufferevent_disable(c->bev, EV_READ);
    } else if (on) {
        event_add(c->rd_ev, NULL);
    } else {
        event_del(c->rd_ev);
    }
}
