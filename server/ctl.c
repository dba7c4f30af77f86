/* SPDX-License-Identifier: MPL-2.0 */
/* The control channel's socket: owns the unix socket file (0600, stale files replaced, removed at
 * close) and each client's request/reply framing (see ctl.h). Commands run in ctl_cmds.c, on the
 * loop thread, between reading a whole request and queueing the whole reply. */
#include "server/ctl.h"

#include "server/broker.h"
#include "server/ctl_internal.h"
#include "server/log.h"
#include "server/mem.h"
#include "server/settings.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* A client that sends nothing for this long is dropped: the loop must not hold it forever. */
#define WR_CTL_READ_TIMEOUT_S 30

struct wr_ctl_client {
    LIST_ENTRY(wr_ctl_client) link;
    struct wr_ctl *ctl;
    struct bufferevent *bev;
    bool replied;
    int stop;
};

struct wr_ctl {
    struct wr_broker *b;
    struct evconnlistener *ev;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    LIST_HEAD(, wr_ctl_client) clients;
};

static void
wr_ctl_client_free(struct wr_ctl_client *cl)
{
    LIST_REMOVE(cl, link);
    bufferevent_free(cl->bev);
    free(cl);
}

static void
wr_ctl_put_u32(struct evbuffer *o, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

    evbuffer_add(o, b, 4);
}

static uint32_t
wr_ctl_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Queues CODE, stdout and stderr; the write callback closes once they have left. */
static void
wr_ctl_reply(struct wr_ctl_client *cl, int code, struct evbuffer *out, struct evbuffer *err)
{
    struct evbuffer *o = bufferevent_get_output(cl->bev);

    wr_ctl_put_u32(o, (uint32_t)code);
    wr_ctl_put_u32(o, (uint32_t)evbuffer_get_length(out));
    evbuffer_add_buffer(o, out);
    wr_ctl_put_u32(o, (uint32_t)evbuffer_get_length(err));
    evbuffer_add_buffer(o, err);
    cl->replied = true;
    bufferevent_disable(cl->bev, EV_READ);
    bufferevent_enable(cl->bev, EV_WRITE);
}

static void
wr_ctl_reply_text(struct wr_ctl_client *cl, int code, const char *text)
{
    struct evbuffer *out = evbuffer_new(), *err = evbuffer_new();

    evbuffer_add_printf(err, "%s\n", text);
    wr_ctl_reply(cl, code, out, err);
    evbuffer_free(out);
    evbuffer_free(err);
}

/* Splits the request body into argv (copies, NUL-terminated); -1 when malformed. Every length is
 * checked against what is left before it is used. */
static int
wr_ctl_decode(const uint8_t *p, size_t len, char **argv, int *argc)
{
    size_t off = 0;

    *argc = 0;
    while (off < len) {
        if (len - off < 4 || *argc == WR_CTL_MAX_ARGS)
            return -1;
        uint32_t n = wr_ctl_get_u32(p + off);
        off += 4;
        if (n > len - off || memchr(p + off, '\0', n) != NULL)
            return -1;
        argv[*argc] = wr_xmalloc((size_t)n + 1);
        memcpy(argv[*argc], p + off, n);
        argv[(*argc)++][n] = '\0';
        off += n;
    }
    return 0;
}

static void
wr_ctl_execute(struct wr_ctl_client *cl, const uint8_t *body, size_t len)
{
    char **argv = wr_xcalloc(WR_CTL_MAX_ARGS, sizeof(char *));
    struct evbuffer *out = evbuffer_new(), *err = evbuffer_new();
    int argc = 0, code;

    if (wr_ctl_decode(body, len, argv, &argc) < 0) {
        evbuffer_add_printf(err, "malformed control request\n");
        code = WR_CTL_USAGE;
    } else {
        code = wr_ctl_run(cl->ctl->b, argc, argv, out, err, &cl->stop);
    }
    wr_ctl_reply(cl, code, out, err);
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    free(argv);
    evbuffer_free(out);
    evbuffer_free(err);
}

/* Waits for the 4-byte size and then the whole request; the size is checked before the body is
 * buffered, so a client cannot make the broker hold more than the limit. */
static void
wr_ctl_readcb(struct bufferevent *bev, void *arg)
{
    struct wr_ctl_client *cl = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    uint8_t hdr[4];
    uint32_t n;

    if (cl->replied || evbuffer_copyout(in, hdr, 4) < 4)
        return;
    n = wr_ctl_get_u32(hdr);
    if (n > WR_CTL_MAX_REQUEST) {
        wr_ctl_reply_text(cl, WR_CTL_USAGE, "control request too large");
        return;
    }
    if (evbuffer_get_length(in) < 4 + (size_t)n)
        return;
    evbuffer_drain(in, 4);
    wr_ctl_execute(cl, evbuffer_pullup(in, n), n);
    evbuffer_drain(in, n);
}

/* The reply has left: close, and carry out a stop only now so that warrenctl saw its answer. */
static void
wr_ctl_writecb(struct bufferevent *bev, void *arg)
{
    struct wr_ctl_client *cl = arg;
    struct wr_broker *b = cl->ctl->b;
    int stop = cl->stop;

    (void)bev;
    if (!cl->replied)
        return;
    wr_ctl_client_free(cl);
    if (stop) {
        wr_log(WR_LOG_INFO, "stop requested through the control channel");
        wr_broker_shutdown(b);
    }
}

static void
wr_ctl_eventcb(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    (void)what;
    wr_ctl_client_free(arg);
}

/* The socket's mode already keeps other users out; the uid check also covers a socket file
 * whose directory or mode was changed by hand. Root may always connect. */
static bool
wr_ctl_peer_allowed(int fd)
{
#ifdef SO_PEERCRED
    struct ucred cred;
    socklen_t len = sizeof(cred);

    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
        return false;
    return cred.uid == 0 || cred.uid == geteuid();
#else
    (void)fd;
    return true;
#endif
}

static void
wr_ctl_accept(struct evconnlistener *ev, evutil_socket_t fd, struct sockaddr *sa, int len,
              void *arg)
{
    struct wr_ctl *ctl = arg;
    struct wr_ctl_client *cl;
    struct timeval tv = {WR_CTL_READ_TIMEOUT_S, 0};

    (void)ev, (void)sa, (void)len;
    if (!wr_ctl_peer_allowed(fd)) {
        wr_log(WR_LOG_WARN, "control channel: refused a client of another user");
        evutil_closesocket(fd);
        return;
    }
    cl = wr_xcalloc(1, sizeof(*cl));
    cl->ctl = ctl;
    cl->bev = bufferevent_socket_new(evconnlistener_get_base(ev), fd, BEV_OPT_CLOSE_ON_FREE);
    if (cl->bev == NULL) {
        evutil_closesocket(fd);
        free(cl);
        return;
    }
    LIST_INSERT_HEAD(&ctl->clients, cl, link);
    bufferevent_setcb(cl->bev, wr_ctl_readcb, wr_ctl_writecb, wr_ctl_eventcb, cl);
    bufferevent_setwatermark(cl->bev, EV_READ, 0, 4 + WR_CTL_MAX_REQUEST);
    bufferevent_set_timeouts(cl->bev, &tv, &tv);
    bufferevent_enable(cl->bev, EV_READ);
}

/* ---- the socket file --------------------------------------------------------------------- */

/* A socket file nobody answers on was left by a broker that died: remove it. A live one belongs
 * to another broker on the same data directory, and anything that is not a socket is not ours. */
static int
wr_ctl_clear_stale(const struct sockaddr_un *sun)
{
    struct stat st;
    int fd, rc;

    if (lstat(sun->sun_path, &st) < 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISSOCK(st.st_mode)) {
        wr_log(WR_LOG_ERROR, "control socket %s: exists and is not a socket", sun->sun_path);
        return -1;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
    close(fd);
    if (rc == 0) {
        wr_log(WR_LOG_ERROR, "control socket %s: another broker is answering on it", sun->sun_path);
        return -1;
    }
    wr_log(WR_LOG_INFO, "control socket %s: replacing a stale socket file", sun->sun_path);
    return unlink(sun->sun_path) < 0 && errno != ENOENT ? -1 : 0;
}

/* Binds with mode 0600 from the start: on Linux the file takes the socket inode's mode at bind,
 * so there is no window in which others could connect; the chmod covers other systems. */
static int
wr_ctl_bind(const struct sockaddr_un *sun)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -1;
    if (fchmod(fd, 0600) < 0 || bind(fd, (const struct sockaddr *)sun, sizeof(*sun)) < 0 ||
        chmod(sun->sun_path, 0600) < 0 || evutil_make_socket_nonblocking(fd) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static int
wr_ctl_path(const struct wr_config *cfg, struct sockaddr_un *sun)
{
    int n;

    memset(sun, 0, sizeof(*sun));
    sun->sun_family = AF_UNIX;
    if (cfg->ctl_socket != NULL)
        n = snprintf(sun->sun_path, sizeof(sun->sun_path), "%s", cfg->ctl_socket);
    else
        n = snprintf(sun->sun_path, sizeof(sun->sun_path), "%s/warren.sock", cfg->data_dir);
    if (n < 0 || (size_t)n >= sizeof(sun->sun_path)) {
        wr_log(WR_LOG_ERROR, "control socket path too long (at most %zu bytes)",
               sizeof(sun->sun_path) - 1);
        return -1;
    }
    return 0;
}

struct wr_ctl *
wr_ctl_open(struct wr_broker *b)
{
    struct sockaddr_un sun;
    struct wr_ctl *ctl;
    int fd;

    if (wr_ctl_path(wr_broker_config(b), &sun) < 0 || wr_ctl_clear_stale(&sun) < 0)
        goto fail;
    if ((fd = wr_ctl_bind(&sun)) < 0) {
        wr_log(WR_LOG_ERROR, "control socket %s: %s", sun.sun_path, strerror(errno));
        goto fail;
    }
    ctl = wr_xcalloc(1, sizeof(*ctl));
    ctl->b = b;
    LIST_INIT(&ctl->clients);
    memcpy(ctl->path, sun.sun_path, sizeof(ctl->path));
    ctl->ev = evconnlistener_new(wr_broker_base(b), wr_ctl_accept, ctl,
                                 LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16, fd);
    if (ctl->ev == NULL) {
        close(fd);
        wr_ctl_close(ctl);
        goto fail;
    }
    wr_ctl_mark_started();
    wr_log(WR_LOG_INFO, "control channel listening on %s", ctl->path);
    return ctl;
fail:
    wr_log(WR_LOG_WARN, "running without a control channel: warrenctl cannot reach this broker");
    return NULL;
}

void
wr_ctl_close(struct wr_ctl *ctl)
{
    if (ctl == NULL)
        return;
    while (!LIST_EMPTY(&ctl->clients))
        wr_ctl_client_free(LIST_FIRST(&ctl->clients));
    if (ctl->ev != NULL)
        evconnlistener_free(ctl->ev);
    unlink(ctl->path);
    free(ctl);
}
