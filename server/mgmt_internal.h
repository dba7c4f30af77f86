/* SPDX-License-Identifier: MPL-2.0 */
/* Shared by the management files only (mgmt*.c): the request being served, the handlers the
 * route table in mgmt.c names, the reply helpers, and the JSON renderers of mgmt_json.c. */
#ifndef WR_SERVER_MGMT_INTERNAL_H
#define WR_SERVER_MGMT_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "amqp/types.h"
#include "server/user.h"

struct evbuffer;
struct evhttp_request;
struct wr_broker;
struct wr_exchange;
struct wr_perm;
struct wr_policy_view;
struct wr_queue;
struct wr_tbuf;
struct wr_user;
struct wr_vhost;

#define MGMT_MAX_SEGS 8
#define MGMT_MAX_ARGS 4
#define MGMT_RABBITMQ "3.10.8" /* the management plugin version Warren answers as */

/* Tags that open the API, as bits; a route names the least one it needs. */
enum {
    MGMT_T_NONE = 0, /* no login at all (metrics) */
    MGMT_T_MANAGEMENT = 1,
    MGMT_T_POLICYMAKER = 2,
    MGMT_T_MONITORING = 4,
    MGMT_T_ADMIN = 8,
};

/* One request, on the stack of the evhttp callback: everything here dies when it returns. */
struct mgmt_req {
    struct evhttp_request *req;
    struct wr_broker *b;
    const struct wr_user *user; /* NULL on MGMT_T_NONE routes */
    unsigned tags;              /* MGMT_T_* bits the user holds */
    char *seg[MGMT_MAX_SEGS];   /* URL-decoded path segments */
    int nseg;
    const char *arg[MGMT_MAX_ARGS]; /* the segments the route's ':' parts captured */
    json_t *body;                   /* a JSON object for routes that take one, else NULL */
};

typedef void mgmt_handler(struct mgmt_req *r);

/* Replies; each sends the response, so a handler calls exactly one and returns. json is stolen. */
void mgmt_reply_json(struct mgmt_req *r, int code, json_t *json);
void mgmt_reply_empty(struct mgmt_req *r, int code);
void mgmt_reply_text(struct mgmt_req *r, int code, const char *ctype, struct evbuffer *body);
void mgmt_reply_error(struct mgmt_req *r, int code, const char *error, const char *reason);
void mgmt_not_found(struct mgmt_req *r);
void mgmt_bad_request(struct mgmt_req *r, const char *reason);
/* True when the query string has key=true (DELETE ?if-empty=true). */
bool mgmt_query_true(struct mgmt_req *r, const char *key);

/* The body's "arguments" object as an AMQP table in b (to free), or false after replying 400. */
bool mgmt_body_args(struct mgmt_req *r, struct wr_tbuf *b);

/* Administrators and monitors see every vhost; other users those they have permissions on. */
bool mgmt_vhost_visible(const struct mgmt_req *r, const char *vhost);
/* The vhost named by r->arg[i], or NULL after replying 404 (missing or not visible). */
struct wr_vhost *mgmt_vhost_arg(struct mgmt_req *r, int i);
/* The vhost r->arg[i] for endpoints that change it, or NULL after RabbitMQ's 404
 * vhost_not_found. */
struct wr_vhost *mgmt_vhost_write_arg(struct mgmt_req *r, int i);
/* True when r's user holds the kind of permission on name in vhost; else replies 401. */
bool mgmt_perm(struct mgmt_req *r, const char *vhost, enum wr_perm_kind kind, const char *name);
/* Calls cb for every vhost r may see. */
typedef void mgmt_vhost_visit(struct mgmt_req *r, struct wr_vhost *vh, void *arg);
void mgmt_foreach_vhost(struct mgmt_req *r, mgmt_vhost_visit *cb, void *arg);
/* For listings under /api/{kind}[/{vhost}]: calls cb for the vhost the URL names, or for every
 * vhost r may see when it names none; false after replying 404 for a missing vhost. */
bool mgmt_visit_vhost_arg(struct mgmt_req *r, mgmt_vhost_visit *cb, void *arg);

/* mgmt_json.c: objects in rabbitmq_management's shapes; each returns a new reference. */
/* s as a JSON string, or null when it is NULL or empty (RabbitMQ's "not set"). */
json_t *mgmt_json_string_or_null(const char *s);
json_t *mgmt_json_queue(const struct wr_queue *q);
json_t *mgmt_json_exchange(const struct wr_exchange *x);
json_t *mgmt_json_vhost(struct wr_vhost *vh);
json_t *mgmt_json_user(const struct wr_user *u);
json_t *mgmt_json_perm(const char *user, const struct wr_perm *p);
json_t *mgmt_json_policy(const struct wr_policy_view *p);
/* One binding as /api/bindings lists it, and its properties_key alone. */
json_t *mgmt_json_binding(struct wr_exchange *src, struct wr_queue *q, struct wr_exchange *xd,
                          struct wr_bytes key, struct wr_bytes args);
json_t *mgmt_json_props_key(struct wr_bytes key, struct wr_bytes args);
/* Appends vh's bindings (the default exchange's implicit ones first) to arr. */
void mgmt_json_bindings(struct wr_vhost *vh, json_t *arr);

/* mgmt_metrics.c: the Prometheus text exposition, aggregated or one series per queue. */
void mgmt_metrics_render(struct wr_broker *b, struct evbuffer *out, bool per_object);
/* Bytes: resident set, and the memory high watermark in force (F-01). */
unsigned long long mgmt_rss_bytes(void);
unsigned long long mgmt_mem_limit_bytes(struct wr_broker *b);

/* Handlers, by file. */
void mgmt_ui_index(struct mgmt_req *r);
void mgmt_metrics_get(struct mgmt_req *r);
void mgmt_metrics_per_object(struct mgmt_req *r);
void mgmt_api_overview(struct mgmt_req *r);
void mgmt_api_nodes(struct mgmt_req *r);
void mgmt_api_node(struct mgmt_req *r);
void mgmt_api_whoami(struct mgmt_req *r);
void mgmt_api_health_alarms(struct mgmt_req *r);
void mgmt_api_vhosts(struct mgmt_req *r);
void mgmt_api_vhost_get(struct mgmt_req *r);
void mgmt_api_vhost_put(struct mgmt_req *r);
void mgmt_api_vhost_delete(struct mgmt_req *r);
void mgmt_api_vhost_perms(struct mgmt_req *r);
void mgmt_api_users(struct mgmt_req *r);
void mgmt_api_user_get(struct mgmt_req *r);
void mgmt_api_user_put(struct mgmt_req *r);
void mgmt_api_user_delete(struct mgmt_req *r);
void mgmt_api_user_perms(struct mgmt_req *r);
void mgmt_api_perms(struct mgmt_req *r);
void mgmt_api_perm_get(struct mgmt_req *r);
void mgmt_api_perm_put(struct mgmt_req *r);
void mgmt_api_perm_delete(struct mgmt_req *r);
void mgmt_api_queues(struct mgmt_req *r);
void mgmt_api_queue_get(struct mgmt_req *r);
void mgmt_api_queue_delete(struct mgmt_req *r);
void mgmt_api_queue_purge(struct mgmt_req *r);
void mgmt_api_exchanges(struct mgmt_req *r);
void mgmt_api_exchange_get(struct mgmt_req *r);
void mgmt_api_bindings(struct mgmt_req *r);
void mgmt_api_queue_put(struct mgmt_req *r);
void mgmt_api_exchange_put(struct mgmt_req *r);
void mgmt_api_exchange_delete(struct mgmt_req *r);
void mgmt_api_binding_post(struct mgmt_req *r);
void mgmt_api_bindings_between(struct mgmt_req *r);
void mgmt_api_binding_get(struct mgmt_req *r);
void mgmt_api_binding_delete(struct mgmt_req *r);
void mgmt_api_queue_get_msgs(struct mgmt_req *r);
void mgmt_api_exchange_publish(struct mgmt_req *r);
void mgmt_api_connections(struct mgmt_req *r);
void mgmt_api_connection_get(struct mgmt_req *r);
void mgmt_api_connection_delete(struct mgmt_req *r);
void mgmt_api_channels(struct mgmt_req *r);
void mgmt_api_channel_get(struct mgmt_req *r);
void mgmt_api_consumers(struct mgmt_req *r);
void mgmt_api_policies(struct mgmt_req *r);
void mgmt_api_policy_get(struct mgmt_req *r);
void mgmt_api_policy_put(struct mgmt_req *r);
void mgmt_api_policy_delete(struct mgmt_req *r);
void mgmt_api_gparams(struct mgmt_req *r);
void mgmt_api_gparam_get(struct mgmt_req *r);
void mgmt_api_gparam_put(struct mgmt_req *r);
void mgmt_api_gparam_delete(struct mgmt_req *r);
void mgmt_api_cluster_name_get(struct mgmt_req *r);
void mgmt_api_cluster_name_put(struct mgmt_req *r);
void mgmt_api_definitions_get(struct mgmt_req *r);
void mgmt_api_definitions_post(struct mgmt_req *r);

#endif
