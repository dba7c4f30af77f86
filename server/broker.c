/* SPDX-License-Identifier: MPL-2.0 */
/* Broker root: owns vhosts, users, listeners and the connection list; ordered start and stop. */
#include "server/broker.h"

#include "server/alarm.h"
#include "server/channel.h"
#include "server/clock.h"
#include "server/conn.h"
#include "server/ctl.h"
#include "server/definitions.h"
#include "server/defs.h"
#include "server/gparam.h"
#include "server/hmap.h"
#include "server/listener.h"
#include "server/log.h"
#include "server/mem.h"
#include "server/mgmt.h"
#include "server/persist.h"
#include "server/policy.h"
#include "server/queue.h"
#include "server/settings.h"
#include "server/user.h"
#include "server/vhost.h"

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#define WR_MAX_LISTENERS (2 * WR_MAX_BINDS) /* AMQP and amqps on each address */

struct wr_conn_ref {
    TAILQ_ENTRY(wr_conn_ref) link;
    struct wr_conn *c;
};

struct wr_broker {
    struct event_base *base;
    const struct wr_config *cfg;
    struct wr_hmap *vhosts;
    struct wr_hmap *users;
    struct wr_hmap *conns; /* struct wr_conn * (as bytes) -> itself */
    struct wr_hmap *replies;
    struct wr_hmap *qids;      /* durable queue id -> struct wr_queue * */
    int amqp_port, amqps_port; /* bound, -1 = off */
    uint64_t next_qid;
    struct wr_persist *persist;
    struct wr_defs *defs;
    struct wr_alarms *alarms;
    struct wr_policies *policies;
    struct wr_gparams *gparams;
    struct event *ack_timer;
    struct wr_ctl *ctl;
    struct wr_mgmt *mgmt;
    struct wr_user **retired;
    size_t nretired;
    struct wr_listener *listeners[WR_MAX_LISTENERS];
    int nlisteners;
    bool stopping;
};

struct wr_broker *
wr_broker_new(struct event_base *base, const struct wr_config *cfg)
{
    struct wr_broker *b = wr_xcalloc(1, sizeof(*b));
    struct wr_user *u;
    struct wr_vhost *vh;

    b->base = base;
    b->cfg = cfg;
    b->vhosts = wr_hmap_new();
    b->users = wr_hmap_new();
    b->conns = wr_hmap_new();
    b->replies = wr_hmap_new();
    b->qids = wr_hmap_new();
    b->policies = wr_policies_new();
    b->gparams = wr_gparams_new();
    b->next_qid = 1;
    b->amqp_port = b->amqps_port = -1;
    vh = wr_vhost_new(b, cfg->default_vhost);
    wr_vhost_set_metadata(vh, "Default virtual host", "");
    wr_hmap_put(b->vhosts, cfg->default_vhost, strlen(cfg->default_vhost), vh);
    u = wr_user_new(cfg->default_user, cfg->default_pass);
    /* A-02/C-15: the stock guest account may only log in from loopback */
    wr_user_set_loopback_only(u,
                              strcmp(cfg->default_user, "guest") == 0 && cfg->guest_loopback_only);
    wr_user_grant(u, cfg->default_vhost);
    wr_user_set_tags(u, "administrator");
    wr_hmap_put(b->users, cfg->default_user, strlen(cfg->default_user), u);
    return b;
}

static bool
wr_broker_qid_exists(uint64_t qid, void *arg)
{
    return wr_hmap_get_u64(((struct wr_broker *)arg)->qids, qid) != NULL;
}

static void
wr_broker_restore(uint64_t qid, uint64_t store_id, uint32_t size, uint64_t seq, bool redelivered,
                  void *arg)
{
    struct wr_queue *q = wr_hmap_get_u64(((struct wr_broker *)arg)->qids, qid);

    wr_queue_restore(q, store_id, size, seq, redelivered);
}

static void
wr_broker_ack_tick(evutil_socket_t fd, short what, void *arg)
{
    struct wr_broker *b = arg;
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *val;
    int64_t now = wr_clock_ms();

    wr_hmap_iter_init(b->conns, &it);
    while (wr_hmap_next(&it, &key, &len, &val))
        wr_conn_check_ack_timeouts(val, now, b->cfg->consumer_timeout_ms);
}

/* P-08: checked at half the timeout (at most once a minute, as channel_tick_interval). */
static void
wr_broker_ack_timer(struct wr_broker *b)
{
    uint32_t period = b->cfg->consumer_timeout_ms / 2;

    if (b->cfg->consumer_timeout_ms == 0)
        return;
    period = period < 100 ? 100 : period > 60000 ? 60000 : period;
    struct timeval tv = {period / 1000, (period % 1000) * 1000};
    b->ack_timer = event_new(b->base, -1, EV_PERSIST, wr_broker_ack_tick, b);
    evtimer_add(b->ack_timer, &tv);
}

/* load_definitions: imported after recovery at every start, as RabbitMQ does. */
static int
wr_broker_load_definitions(struct wr_broker *b)
{
    const char *path = b->cfg->load_definitions;
    char err[600], *json;
    long n;
    FILE *f;
    int rc = -1;

    if (path == NULL)
        return 0;
    if ((f = fopen(path, "r")) == NULL) {
        wr_log(WR_LOG_ERROR, "load_definitions: cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    json = wr_xmalloc(n > 0 ? (size_t)n : 1);
    if (n >= 0 && fread(json, 1, (size_t)n, f) == (size_t)n &&
        wr_definitions_import(b, json, (size_t)n, err, sizeof(err)) == 0)
        rc = 0;
    else
        wr_log(WR_LOG_ERROR, "load_definitions: %s: %s", path, n < 0 ? "unreadable" : err);
    free(json);
    fclose(f);
    return rc;
}

/* Recovery comes before the listeners: clients only ever see a recovered broker. */
static int
wr_broker_recover(struct wr_broker *b)
{
    char dir[4096];

    b->defs = wr_defs_open(b, b->cfg->data_dir);
    if (b->defs == NULL)
        return -1;
    snprintf(dir, sizeof(dir), "%s/store", b->cfg->data_dir);
    struct wr_persist_opts po = {.segment_bytes = b->cfg->store_segment_bytes,
                                 .compact_ms = b->cfg->store_compact_ms};
    b->persist = wr_persist_open(b->base, dir, &po, wr_channel_persisted);
    if (b->persist == NULL)
        return -1;
    return wr_persist_recover(b->persist, wr_broker_qid_exists, wr_broker_restore, b) < 0 ? -1 : 0;
}

/* Listens on every configured address; returns the port bound, or -1 (logged). */
static int
wr_broker_listen(struct wr_broker *b, int port, bool tls)
{
    static const char *const defaults[] = {"0.0.0.0", "::"};
    const char *const *addrs = b->cfg->nbinds ? b->cfg->binds : defaults;
    int n = b->cfg->nbinds ? b->cfg->nbinds : 2;

    for (int i = 0; i < n; i++) {
        struct wr_listener *l =
                tls ? wr_listener_new_tls(b, addrs[i], port) : wr_listener_new(b, addrs[i], port);
        if (l == NULL) {
            /* a host without IPv6 still serves IPv4 with the default pair */
            if (b->cfg->nbinds == 0 && i == 1)
                continue;
            return -1;
        }
        b->listeners[b->nlisteners++] = l;
        port = wr_listener_port(l); /* port 0: every address shares the first ephemeral port */
    }
    return port;
}

/* connection_max (node-wide): a full node stops accepting rather than refusing, as RabbitMQ
 * does; clients beyond the limit wait in the backlog until a connection closes. */
static void
wr_broker_pause_listeners(struct wr_broker *b, bool paused)
{
    for (int i = 0; i < b->nlisteners; i++)
        wr_listener_pause(b->listeners[i], paused);
    if (paused)
        wr_log(WR_LOG_WARN, "node connection limit (%u) reached: not accepting connections",
               b->cfg->connection_max);
}

int
wr_broker_start(struct wr_broker *b)
{
    int port, tls_port = -1;

    if (wr_broker_recover(b) < 0 || wr_broker_load_definitions(b) < 0)
        return -1;
    b->alarms = wr_alarms_new(b);
    wr_broker_ack_timer(b);
    port = wr_broker_listen(b, b->cfg->port, false);
    if (port < 0)
        return -1;
    if (b->cfg->tls_port >= 0 && (tls_port = wr_broker_listen(b, b->cfg->tls_port, true)) < 0)
        return -1;
    b->amqp_port = port;
    b->amqps_port = tls_port;
    if (b->cfg->connection_max == 0)
        wr_broker_pause_listeners(b, true);
    b->ctl = wr_ctl_open(b);
    b->mgmt = wr_mgmt_open(b);
    if (b->cfg->ready_file &&
        wr_ready_file_write(b->cfg->ready_file, port, tls_port, wr_mgmt_port(b->mgmt),
                            wr_mgmt_prometheus_port(b->mgmt), wr_mgmt_tls_port(b->mgmt)) < 0) {
        wr_log(WR_LOG_ERROR, "cannot write ready file %s", b->cfg->ready_file);
        return -1;
    }
    wr_log(WR_LOG_INFO, "Warren %s started, accepting AMQP 0-9-1 connections on port %d",
           PACKAGE_VERSION, port);
    if (tls_port >= 0)
        wr_log(WR_LOG_INFO, "accepting AMQP 0-9-1 over TLS on port %d", tls_port);
    return 0;
}

void
wr_broker_shutdown(struct wr_broker *b)
{
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *val;

    b->stopping = true;
    wr_defs_quiesce(b->defs);
    for (int i = 0; i < b->nlisteners; i++)
        wr_listener_free(b->listeners[i]);
    b->nlisteners = 0;
    wr_hmap_iter_init(b->conns, &it);
    while (wr_hmap_next(&it, &key, &len, &val))
        wr_conn_force_close(val, 320, "broker forced connection closure with reason 'shutdown'");
    if (wr_hmap_count(b->conns) == 0)
        event_base_loopexit(b->base, NULL);
}

void
wr_broker_free(struct wr_broker *b)
{
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *val;

    wr_ctl_close(b->ctl);
    wr_mgmt_close(b->mgmt);
    /* tearing objects down is not deleting them: the store and the log are closed first */
    wr_defs_quiesce(b->defs);
    wr_persist_close(b->persist);
    b->persist = NULL;
    wr_hmap_iter_init(b->conns, &it);
    while (wr_hmap_next(&it, &key, &len, &val))
        wr_conn_free(val);
    for (int i = 0; i < b->nlisteners; i++)
        wr_listener_free(b->listeners[i]);
    wr_hmap_iter_init(b->vhosts, &it);
    while (wr_hmap_next(&it, &key, &len, &val))
        wr_vhost_free(val);
    wr_hmap_iter_init(b->users, &it);
    while (wr_hmap_next(&it, &key, &len, &val))
        wr_user_free(val);
    wr_defs_close(b->defs);
    wr_alarms_free(b->alarms);
    wr_policies_free(b->policies);
    wr_gparams_free(b->gparams);
    if (b->ack_timer)
        event_free(b->ack_timer);
    for (size_t i = 0; i < b->nretired; i++)
        wr_user_free(b->retired[i]);
    free(b->retired);
    wr_hmap_free(b->vhosts);
    wr_hmap_free(b->users);
    wr_hmap_free(b->conns);
    wr_hmap_free(b->replies);
    wr_hmap_free(b->qids);
    free(b);
}

struct event_base *
wr_broker_base(const struct wr_broker *b)
{
    return b->base;
}

const struct wr_config *
wr_broker_config(const struct wr_broker *b)
{
    return b->cfg;
}

struct wr_vhost *
wr_broker_vhost(struct wr_broker *b, const char *name, size_t len)
{
    return wr_hmap_get(b->vhosts, name, len);
}

const struct wr_user *
wr_broker_authenticate(struct wr_broker *b, const char *user, size_t ulen, const char *pass,
                       size_t plen)
{
    struct wr_user *u = wr_hmap_get(b->users, user, ulen);

    if (u == NULL || !wr_user_check_password(u, pass, plen))
        return NULL;
    return u;
}

const struct wr_user *
wr_broker_user(struct wr_broker *b, const char *name, size_t len)
{
    return wr_hmap_get(b->users, name, len);
}

void
wr_broker_conn_add(struct wr_broker *b, struct wr_conn *c)
{
    wr_hmap_put(b->conns, &c, sizeof(c), c);
    if (wr_hmap_count(b->conns) == b->cfg->connection_max)
        wr_broker_pause_listeners(b, true);
}

void
wr_broker_conn_remove(struct wr_broker *b, struct wr_conn *c)
{
    wr_hmap_del(b->conns, &c, sizeof(c));
    if (wr_hmap_count(b->conns) + 1 == b->cfg->connection_max && !b->stopping)
        wr_broker_pause_listeners(b, false);
    if (b->stopping && wr_hmap_count(b->conns) == 0)
        event_base_loopexit(b->base, NULL);
}

struct wr_hmap *
wr_broker_reply_map(struct wr_broker *b)
{
    return b->replies;
}

struct wr_persist *
wr_broker_persist(const struct wr_broker *b)
{
    return b->persist;
}

uint64_t
wr_broker_next_qid(struct wr_broker *b)
{
    return b->next_qid++;
}

void
wr_broker_qid_add(struct wr_broker *b, uint64_t qid, struct wr_queue *q)
{
    wr_hmap_put_u64(b->qids, qid, q);
    if (qid >= b->next_qid)
        b->next_qid = qid + 1;
}

void
wr_broker_qid_remove(struct wr_broker *b, uint64_t qid)
{
    wr_hmap_del_u64(b->qids, qid);
}

struct wr_hmap *
wr_broker_vhosts(const struct wr_broker *b)
{
    return b->vhosts;
}

struct wr_defs *
wr_broker_defs(const struct wr_broker *b)
{
    return b->defs;
}

struct wr_alarms *
wr_broker_alarms(const struct wr_broker *b)
{
    return b->alarms;
}

void
wr_broker_alarms_changed(struct wr_broker *b, unsigned bits)
{
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *val;

    wr_hmap_iter_init(b->conns, &it);
    while (wr_hmap_next(&it, &key, &len, &val))
        wr_conn_alarm(val, bits);
}

struct wr_hmap *
wr_broker_users(const struct wr_broker *b)
{
    return b->users;
}

struct wr_hmap *
wr_broker_conns(const struct wr_broker *b)
{
    return b->conns;
}

void
wr_broker_retire_user(struct wr_broker *b, struct wr_user *u)
{
    b->retired = wr_xrealloc(b->retired, (b->nretired + 1) * sizeof(*b->retired));
    b->retired[b->nretired++] = u;
}

struct wr_mgmt *
wr_broker_mgmt(const struct wr_broker *b)
{
    return b->mgmt;
}

int
wr_broker_amqp_port(const struct wr_broker *b, bool tls)
{
    return tls ? b->amqps_port : b->amqp_port;
}

const char *
wr_node_name(void)
{
    static char node[300];
    char host[256] = "localhost";

    if (node[0] == '\0') {
        if (gethostname(host, sizeof(host) - 1) == 0)
            host[strcspn(host, ".")] = '\0';
        snprintf(node, sizeof(node), "warren@%s", host);
    }
    return node;
}

struct wr_gparams *
wr_broker_gparams(const struct wr_broker *b)
{
    return b->gparams;
}

struct wr_policies *
wr_broker_policies(const struct wr_broker *b)
{
    return b->policies;
}
