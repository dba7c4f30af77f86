/* SPDX-License-Identifier: MPL-2.0 */
/* Runtime objects: /api/connections, /api/channels and /api/consumers, read through conn.h's
 * and queue.h's visitors as warrenctl's listings are. Users without the monitoring tag see
 * only their own connections and channels, as in RabbitMQ. Statistics Warren does not keep
 * (octet counts, rates, client properties) are left out. */
#include "server/broker.h"
#include "server/channel.h"
#include "server/conn.h"
#include "server/hmap.h"
#include "server/json_table.h"
#include "server/mgmt_internal.h"
#include "server/queue.h"
#include "server/tls.h"
#include "server/user.h"
#include "server/vhost.h"

#include <event2/http.h>
#include <stdio.h>
#include <string.h>

#define MGMT_NAME_MAX 200

/* RabbitMQ names a connection "peer -> local address" and a channel "connection (number)". */
static void
mgmt_conn_name(const struct wr_conn *c, const struct wr_conn_info *i, char *buf, size_t cap)
{
    char host[64];
    uint16_t port;

    wr_conn_local_addr(c, host, sizeof(host), &port);
    snprintf(buf, cap, "%s -> %s:%u", i->peer, host, port);
}

static bool
mgmt_conn_visible(const struct mgmt_req *r, const struct wr_conn_info *i)
{
    if (strcmp(i->state, "starting") == 0 || !mgmt_vhost_visible(r, i->vhost))
        return false;
    return (r->tags & MGMT_T_MONITORING) || strcmp(i->user, wr_user_name(r->user)) == 0;
}

/* RabbitMQ's ssl_* and peer_cert_* keys: null on a plain connection. */
static void
mgmt_conn_tls(json_t *o, const struct wr_conn_info *i)
{
    struct wr_tls_session s;
    bool tls = wr_tls_session_get(i->bev, &s);

    json_object_set_new(o, "ssl", json_boolean(tls));
    json_object_set_new(o, "ssl_protocol", mgmt_json_string_or_null(s.protocol));
    json_object_set_new(o, "ssl_cipher", mgmt_json_string_or_null(s.cipher));
    json_object_set_new(o, "ssl_hash", mgmt_json_string_or_null(s.hash));
    json_object_set_new(o, "ssl_key_exchange", mgmt_json_string_or_null(s.key_exchange));
    json_object_set_new(o, "peer_cert_subject", mgmt_json_string_or_null(s.subject));
    json_object_set_new(o, "peer_cert_issuer", mgmt_json_string_or_null(s.issuer));
    json_object_set_new(o, "peer_cert_validity", mgmt_json_string_or_null(s.validity));
    wr_tls_session_fini(&s);
}

static json_t *
mgmt_json_conn(const struct wr_conn *c, const struct mgmt_req *r)
{
    struct wr_conn_info i;
    char name[MGMT_NAME_MAX], host[64];
    uint16_t port;
    json_t *o;

    wr_conn_info(c, &i);
    mgmt_conn_name(c, &i, name, sizeof(name));
    wr_conn_local_addr(c, host, sizeof(host), &port);
    o = json_pack("{s:s, s:o, s:i, s:i, s:I, s:i, s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:s, s:i, "
                  "s:s, s:s, s:s}",
                  "auth_mechanism", i.auth_mechanism, "client_properties",
                  wr_json_from_table((struct wr_bytes){i.client_props, i.client_props_len}),
                  "channel_max", i.channel_max, "channels", i.channels, "connected_at",
                  (json_int_t)i.connected_at, "frame_max", i.frame_max, "host", host, "name", name,
                  "node", wr_node_name(), "peer_host", i.peer_host, "peer_port", i.peer_port,
                  "port", port, "protocol", "AMQP 0-9-1", "state", i.state, "timeout", i.heartbeat,
                  "type", "network", "user", i.user, "user_who_performed_action", i.user);
    json_object_set_new(o, "vhost", json_string(i.vhost));
    json_object_set_new(o, "recv_oct", json_integer((json_int_t)i.recv_oct));
    json_object_set_new(o, "recv_cnt", json_integer((json_int_t)i.recv_cnt));
    json_object_set_new(o, "recv_oct_details", json_pack("{s:f}", "rate", i.recv_rate));
    json_object_set_new(o, "send_oct", json_integer((json_int_t)i.send_oct));
    json_object_set_new(o, "send_cnt", json_integer((json_int_t)i.send_cnt));
    json_object_set_new(o, "send_oct_details", json_pack("{s:f}", "rate", i.send_rate));
    json_object_set_new(o, "send_pend", json_integer((json_int_t)i.send_pend));
    mgmt_conn_tls(o, &i);
    return o;
}

/* Calls cb for every connection r may see, restricted to vhost when it is not NULL. */
typedef void mgmt_conn_visit(struct mgmt_req *r, struct wr_conn *c, void *arg);

static void
mgmt_foreach_conn(struct mgmt_req *r, const char *vhost, mgmt_conn_visit *cb, void *arg)
{
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *c;

    wr_hmap_iter_init(wr_broker_conns(r->b), &it);
    while (wr_hmap_next(&it, &key, &len, &c)) {
        struct wr_conn_info i;

        wr_conn_info(c, &i);
        if (mgmt_conn_visible(r, &i) && (vhost == NULL || strcmp(vhost, i.vhost) == 0))
            cb(r, c, arg);
    }
}

static void
mgmt_conn_append(struct mgmt_req *r, struct wr_conn *c, void *arg)
{
    json_array_append_new(arg, mgmt_json_conn(c, r));
}

struct mgmt_conn_find {
    const char *name;
    struct wr_conn *found;
};

static void
mgmt_conn_match(struct mgmt_req *r, struct wr_conn *c, void *arg)
{
    struct mgmt_conn_find *f = arg;
    struct wr_conn_info i;
    char name[MGMT_NAME_MAX];

    (void)r;
    wr_conn_info(c, &i);
    mgmt_conn_name(c, &i, name, sizeof(name));
    if (strcmp(name, f->name) == 0)
        f->found = c;
}

/* The connection named by r->arg[0], or NULL after replying 404. */
static struct wr_conn *
mgmt_conn_arg(struct mgmt_req *r)
{
    struct mgmt_conn_find f = {r->arg[0], NULL};

    mgmt_foreach_conn(r, NULL, mgmt_conn_match, &f);
    if (f.found == NULL)
        mgmt_not_found(r);
    return f.found;
}

/* GET /api/connections and /api/vhosts/{vhost}/connections */
void
mgmt_api_connections(struct mgmt_req *r)
{
    const char *vhost = NULL;
    json_t *arr;

    if (r->nseg == 4) {
        if (mgmt_vhost_arg(r, 0) == NULL)
            return;
        vhost = r->arg[0];
    }
    arr = json_array();
    mgmt_foreach_conn(r, vhost, mgmt_conn_append, arr);
    mgmt_reply_json(r, 200, arr);
}

void
mgmt_api_connection_get(struct mgmt_req *r)
{
    struct wr_conn *c = mgmt_conn_arg(r);

    if (c != NULL)
        mgmt_reply_json(r, 200, mgmt_json_conn(c, r));
}

/* The client sees 320 CONNECTION_FORCED; an X-Reason header replaces the default text. */
void
mgmt_api_connection_delete(struct mgmt_req *r)
{
    struct wr_conn *c = mgmt_conn_arg(r);
    const char *why;

    if (c == NULL)
        return;
    why = evhttp_find_header(evhttp_request_get_input_headers(r->req), "X-Reason");
    wr_conn_force_close(c, 320, why ? why : "Closed via management plugin");
    mgmt_reply_empty(r, 204);
}

/* ---- channels ----------------------------------------------------------------------------- */

struct mgmt_chan_walk {
    json_t *arr;
    const char *name; /* look for this channel only: found, and its connection and number */
    json_t *found;
    const struct wr_conn *conn;
    uint16_t number;
};

static void
mgmt_chan_name(const struct wr_conn *c, uint16_t number, char *buf, size_t cap)
{
    struct wr_conn_info i;
    char conn[MGMT_NAME_MAX];

    wr_conn_info(c, &i);
    mgmt_conn_name(c, &i, conn, sizeof(conn));
    snprintf(buf, cap, "%s (%u)", conn, number);
}

static json_t *
mgmt_json_chan(const struct wr_conn *c, const struct wr_channel_info *ch)
{
    struct wr_conn_info i;
    char conn[MGMT_NAME_MAX], name[MGMT_NAME_MAX + 16];

    wr_conn_info(c, &i);
    mgmt_conn_name(c, &i, conn, sizeof(conn));
    snprintf(name, sizeof(name), "%s (%u)", conn, ch->number);
    return json_pack("{s:b, s:{s:s, s:s, s:i}, s:i, s:i, s:i, s:s, s:s, s:i, s:i, s:s, s:b, "
                     "s:s, s:s, s:s}",
                     "confirm", ch->confirm, "connection_details", "name", conn, "peer_host",
                     i.peer_host, "peer_port", i.peer_port, "consumer_count", ch->consumers,
                     "global_prefetch_count", ch->global_prefetch, "messages_unacknowledged",
                     ch->unacked, "name", name, "node", wr_node_name(), "number", ch->number,
                     "prefetch_count", ch->prefetch, "state", "running", "transactional", ch->tx,
                     "user", i.user, "user_who_performed_action", i.user, "vhost", i.vhost);
}

static void
mgmt_chan_visit(const struct wr_conn *c, const struct wr_channel_info *ch, void *arg)
{
    struct mgmt_chan_walk *w = arg;
    char name[MGMT_NAME_MAX + 16];

    if (w->name == NULL) {
        json_array_append_new(w->arr, mgmt_json_chan(c, ch));
        return;
    }
    mgmt_chan_name(c, ch->number, name, sizeof(name));
    if (w->found == NULL && strcmp(name, w->name) == 0) {
        w->found = mgmt_json_chan(c, ch);
        w->conn = c;
        w->number = ch->number;
    }
}

static void
mgmt_conn_chans(struct mgmt_req *r, struct wr_conn *c, void *arg)
{
    (void)r;
    wr_conn_foreach_channel(c, mgmt_chan_visit, arg);
}

/* GET /api/channels, /api/vhosts/{vhost}/channels, /api/connections/{name}/channels */
void
mgmt_api_channels(struct mgmt_req *r)
{
    struct mgmt_chan_walk w = {0};
    struct wr_conn *c = NULL;
    const char *vhost = NULL;

    if (r->nseg == 4 && strcmp(r->seg[1], "vhosts") == 0) {
        if (mgmt_vhost_arg(r, 0) == NULL)
            return;
        vhost = r->arg[0];
    } else if (r->nseg == 4 && (c = mgmt_conn_arg(r)) == NULL) {
        return;
    }
    w.arr = json_array();
    if (c != NULL)
        wr_conn_foreach_channel(c, mgmt_chan_visit, &w);
    else
        mgmt_foreach_conn(r, vhost, mgmt_conn_chans, &w);
    mgmt_reply_json(r, 200, w.arr);
}

/* ---- consumers ---------------------------------------------------------------------------- */

static json_t *
mgmt_json_consumer(const struct wr_queue *q, const struct wr_consumer *k, bool active)
{
    const struct wr_conn *c = wr_channel_conn(k->ch);
    uint16_t number = wr_channel_number(k->ch);
    struct wr_conn_info i;
    char conn[MGMT_NAME_MAX], name[MGMT_NAME_MAX + 16];

    wr_conn_info(c, &i);
    mgmt_conn_name(c, &i, conn, sizeof(conn));
    snprintf(name, sizeof(name), "%s (%u)", conn, number);
    return json_pack("{s:{}, s:b, s:b, s:s, s:{s:s, s:s, s:s, s:i, s:s, s:i, s:s}, s:s%, s:b, "
                     "s:i, s:{s:s%, s:s}}",
                     "arguments", "ack_required", !k->no_ack, "active", active, "activity_status",
                     active ? "up" : "waiting", "channel_details", "connection_name", conn, "name",
                     name, "node", wr_node_name(), "number", number, "peer_host", i.peer_host,
                     "peer_port", i.peer_port, "user", i.user, "consumer_tag", k->tag, k->tag_len,
                     "exclusive", k->exclusive, "prefetch_count", k->prefetch, "queue", "name",
                     wr_queue_name(q), wr_queue_name_len(q), "vhost",
                     wr_vhost_name(wr_queue_vhost(q)));
}

struct mgmt_cons_walk {
    json_t *arr;
    const struct wr_conn *conn; /* only this channel's consumers, when set */
    uint16_t number;
};

static void
mgmt_cons_visit(const struct wr_queue *q, const struct wr_consumer *k, bool active, void *arg)
{
    struct mgmt_cons_walk *w = arg;

    if (w->conn != NULL &&
        (wr_channel_conn(k->ch) != w->conn || wr_channel_number(k->ch) != w->number))
        return;
    json_array_append_new(w->arr, mgmt_json_consumer(q, k, active));
}

static void
mgmt_consumers_of(struct mgmt_req *r, struct wr_vhost *vh, void *arg)
{
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *q;

    (void)r;
    wr_hmap_iter_init(wr_vhost_queues(vh), &it);
    while (wr_hmap_next(&it, &key, &len, &q))
        wr_queue_foreach_consumer(q, mgmt_cons_visit, arg);
}

/* GET /api/consumers and /api/consumers/{vhost} */
void
mgmt_api_consumers(struct mgmt_req *r)
{
    struct mgmt_cons_walk w = {NULL, NULL, 0};

    w.arr = json_array();
    if (mgmt_visit_vhost_arg(r, mgmt_consumers_of, &w))
        mgmt_reply_json(r, 200, w.arr);
    else
        json_decref(w.arr);
}

/* ---- one channel -------------------------------------------------------------------------- */

/* GET /api/channels/{name}: the listing's fields plus the channel's consumer_details. */
void
mgmt_api_channel_get(struct mgmt_req *r)
{
    struct mgmt_chan_walk w = {.name = r->arg[0]};
    struct mgmt_cons_walk cw;
    struct wr_conn_info i;
    struct wr_vhost *vh;

    mgmt_foreach_conn(r, NULL, mgmt_conn_chans, &w);
    if (w.found == NULL) {
        mgmt_not_found(r);
        return;
    }
    wr_conn_info(w.conn, &i);
    cw = (struct mgmt_cons_walk){json_array(), w.conn, w.number};
    if ((vh = wr_broker_vhost(r->b, i.vhost, strlen(i.vhost))) != NULL)
        mgmt_consumers_of(r, vh, &cw);
    json_object_set_new(w.found, "consumer_details", cw.arr);
    mgmt_reply_json(r, 200, w.found);
}
