/* SPDX-License-Identifier: MPL-2.0 */
/* Reading plain TCP sockets. libevent's socket bufferevent asks the kernel how many bytes are
 * readable (ioctl FIONREAD) before every read; when messages arrive one per client write, that
 * was a third of the broker's syscalls per message. Plain connections are read here into the
 * bufferevent's input buffer, so everything after the read is unchanged; the bufferevent keeps
 * the writes. TLS connections keep the bufferevent's reads (the OpenSSL filter does them). */
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
    int n = evbuffer_reserve_space(in, WR_READ_CHUNK, v, 2);
    ssize_t got;

    (void)what;
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
    evbuffer_commit_space(in, v, used);
    wr_conn_input(c);
}

int
wr_conn_read_own(struct wr_conn *c, struct event_base *base)
{
    c->rd_ev =
            event_new(base, bufferevent_getfd(c->bev), EV_READ | EV_PERSIST, wr_conn_raw_read, c);
    if (c->rd_ev == NULL)
        return -1;
    /* the bufferevent keeps its input closed to appends except while it reads itself */
    evbuffer_unfreeze(bufferevent_get_input(c->bev), 0);
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
