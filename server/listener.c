/* SPDX-License-Identifier: MPL-2.0 */
/* Accepting sockets with evconnlistener; every accepted fd becomes a wr_conn, after a TLS
 * handshake on amqps listeners. */
#include "server/listener.h"

#include "server/broker.h"
#include "server/conn.h"
#include "server/log.h"
#include "server/mem.h"
#include "server/tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wr_listener {
    struct evconnlistener *ev;
    struct wr_broker *broker;
    int port;
    struct wr_tls *tls; /* NULL for plain AMQP */
};

static void
wr_listener_accept(struct evconnlistener *ev, evutil_socket_t fd, struct sockaddr *sa, int len,
                   void *arg)
{
    struct wr_listener *l = arg;

    evutil_make_socket_nonblocking(fd);
    if (l->tls != NULL)
        wr_tls_accept(l->tls, fd, sa, len);
    else
        wr_conn_accept(l->broker, fd, sa, len);
}

static void
wr_listener_error(struct evconnlistener *ev, void *arg)
{
    /* EMFILE and friends: keep listening, the next accept may succeed */
    wr_log(WR_LOG_WARN, "accept failed: %s", strerror(errno));
}

/* On success the listener owns tls. */
static struct wr_listener *
wr_listener_bind(struct wr_broker *b, const char *addr, int port, struct wr_tls *tls)
{
    struct sockaddr_storage ss;
    int sslen;
    char spec[128];
    struct wr_listener *l;
    struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

    memset(&ss, 0, sizeof(ss));
    if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        sslen = sizeof(*in4);
        snprintf(spec, sizeof(spec), "%s:%d", addr, port);
    } else if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        sslen = sizeof(*in6);
        snprintf(spec, sizeof(spec), "[%s]:%d", addr, port);
    } else {
        wr_log(WR_LOG_ERROR, "invalid listener address '%s'", addr);
        return NULL;
    }
    l = wr_xcalloc(1, sizeof(*l));
    l->broker = b;
    l->tls = tls;
    unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC;
    if (ss.ss_family == AF_INET6)
        flags |= LEV_OPT_BIND_IPV6ONLY;
    l->ev = evconnlistener_new_bind(wr_broker_base(b), wr_listener_accept, l, flags, 1024,
                                    (struct sockaddr *)&ss, sslen);
    if (l->ev == NULL) {
        wr_log(WR_LOG_ERROR, "cannot listen on %s: %s", spec, strerror(errno));
        free(l);
        return NULL;
    }
    evconnlistener_set_error_cb(l->ev, wr_listener_error);
    sslen = sizeof(ss);
    getsockname(evconnlistener_get_fd(l->ev), (struct sockaddr *)&ss, (socklen_t *)&sslen);
    l->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                             : ((struct sockaddr_in *)&ss)->sin_port);
    wr_log(WR_LOG_INFO, "started %s listener on %s", tls ? "TLS" : "TCP", spec);
    return l;
}

struct wr_listener *
wr_listener_new(struct wr_broker *b, const char *addr, int port)
{
    return wr_listener_bind(b, addr, port, NULL);
}

struct wr_listener *
wr_listener_new_tls(struct wr_broker *b, const char *addr, int port)
{
    struct wr_tls *tls = wr_tls_new(b);
    struct wr_listener *l;

    if (tls == NULL)
        return NULL;
    l = wr_listener_bind(b, addr, port, tls);
    if (l == NULL)
        wr_tls_free(tls);
    return l;
}

int
wr_listener_port(const struct wr_listener *l)
{
    return l->port;
}

void
wr_listener_pause(struct wr_listener *l, bool paused)
{
    if (paused)
        evconnlistener_disable(l->ev);
    else
        evconnlistener_enable(l->ev);
}

void
wr_listener_free(struct wr_listener *l)
{
    if (l == NULL)
        return;
    evconnlistener_free(l->ev);
    wr_tls_free(l->tls);
    free(l);
}

int
wr_ready_file_write(const char *path, int port, int tls_port, int mgmt_port, int prom_port,
                    int mgmt_tls_port)
{
    char tmp[4096];
    FILE *f;

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    f = fopen(tmp, "w");
    if (f == NULL)
        return -1;
    fprintf(f, "port=%d\n", port);
    if (tls_port >= 0)
        fprintf(f, "tls_port=%d\n", tls_port);
    if (mgmt_port >= 0)
        fprintf(f, "mgmt_port=%d\n", mgmt_port);
    if (prom_port >= 0)
        fprintf(f, "prometheus_port=%d\n", prom_port);
    if (mgmt_tls_port >= 0)
        fprintf(f, "mgmt_tls_port=%d\n", mgmt_tls_port);
    if (fclose(f) != 0 || rename(tmp, path) != 0)
        return -1;
    return 0;
}
