/* SPDX-License-Identifier: MPL-2.0 */
/* Node-wide endpoints: /api/overview, /api/nodes, /api/whoami and the alarms health check
 * (F-05). Totals are counted on demand: Warren keeps no statistics database. */
#include "server/alarm.h"
#include "server/broker.h"
#include "server/gparam.h"
#include "server/hmap.h"
#include "server/json_table.h"
#include "server/mgmt.h"
#include "server/mgmt_internal.h"
#include "server/queue.h"
#include "server/settings.h"
#include "server/stats.h"
#include "server/user.h"
#include "server/vhost.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct mgmt_totals {
    json_int_t queues, exchanges, consumers, ready, unacked;
};

static void
mgmt_count_vhost(struct mgmt_req *r, struct wr_vhost *vh, void *arg)
{
    struct mgmt_totals *t = arg;
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *q;

    (void)r;
    t->exchanges += (json_int_t)wr_hmap_count(wr_vhost_exchanges(vh));
    wr_hmap_iter_init(wr_vhost_queues(vh), &it);
    while (wr_hmap_next(&it, &key, &len, &q)) {
        t->queues++;
        t->consumers += wr_queue_consumer_count(q);
        t->ready += wr_queue_ready(q);
        t->unacked += wr_queue_unacked(q);
    }
}

static json_t *
mgmt_exchange_types(void)
{
    static const char *const t[][2] = {
            {"direct", "AMQP direct exchange, as per the AMQP specification"},
            {"fanout", "AMQP fanout exchange, as per the AMQP specification"},
            {"headers", "AMQP headers exchange, as per the AMQP specification"},
            {"topic", "AMQP topic exchange, as per the AMQP specification"}};
    json_t *arr = json_array();

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        json_array_append_new(arr, json_pack("{s:s, s:s, s:b}", "name", t[i][0], "description",
                                             t[i][1], "enabled", 1));
    return arr;
}

/* Only the listeners this module knows the port of; the AMQP one when it is not ephemeral. */
/* The listeners actually bound (ephemeral ports resolved), in RabbitMQ's protocol names. */
static json_t *
mgmt_listeners(struct mgmt_req *r)
{
    const struct wr_mgmt *m = wr_broker_mgmt(r->b);
    const struct {
        const char *protocol;
        int port;
    } l[] = {{"amqp", wr_broker_amqp_port(r->b, false)},
             {"amqp/ssl", wr_broker_amqp_port(r->b, true)},
             {"http", wr_mgmt_port(m)},
             {"https", wr_mgmt_tls_port(m)},
             {"http/prometheus", wr_mgmt_prometheus_port(m)}};
    json_t *arr = json_array();

    for (size_t i = 0; i < sizeof(l) / sizeof(l[0]); i++)
        if (l[i].port >= 0)
            json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:i}", "node", wr_node_name(),
                                                 "protocol", l[i].protocol, "ip_address",
                                                 "::", "port", l[i].port));
    return arr;
}

/* Counters with their rates, as rabbitmq_management's rates_mode "basic" shows them. */
static json_t *
mgmt_json_message_stats(void)
{
    json_t *o = json_object();
    char key[64];

    for (int s = 0; s < WR_STAT_N; s++) {
        json_object_set_new(o, wr_stat_name(s), json_integer((json_int_t)wr_stats[s]));
        snprintf(key, sizeof(key), "%s_details", wr_stat_name(s));
        json_object_set_new(o, key, json_pack("{s:f}", "rate", wr_stat_rate(s)));
    }
    json_object_set_new(
            o, "deliver_get",
            json_integer((json_int_t)(wr_stats[WR_STAT_DELIVER] + wr_stats[WR_STAT_DELIVER_NO_ACK] +
                                      wr_stats[WR_STAT_GET] + wr_stats[WR_STAT_GET_NO_ACK])));
    json_object_set_new(
            o, "deliver_get_details",
            json_pack("{s:f}", "rate",
                      wr_stat_rate(WR_STAT_DELIVER) + wr_stat_rate(WR_STAT_DELIVER_NO_ACK) +
                              wr_stat_rate(WR_STAT_GET) + wr_stat_rate(WR_STAT_GET_NO_ACK)));
    return o;
}

void
mgmt_api_overview(struct mgmt_req *r)
{
    struct mgmt_totals t = {0};
    json_int_t conns = (json_int_t)wr_hmap_count(wr_broker_conns(r->b));

    mgmt_foreach_vhost(r, mgmt_count_vhost, &t);
    mgmt_reply_json(
            r, 200,
            json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:b, s:b, s:o, s:{}, s:{s:I, s:I, "
                      "s:I}, s:{s:I, s:I, s:I, s:I}, s:i, s:s, s:o, s:[]}",
                      "management_version", MGMT_RABBITMQ, "rates_mode", "basic", "exchange_types",
                      mgmt_exchange_types(), "product_version", PACKAGE_VERSION, "product_name",
                      "Warren", "rabbitmq_version", MGMT_RABBITMQ, "cluster_name",
                      wr_gparam_cluster_name(r->b, wr_node_name()), "disable_stats", 0,
                      "enable_queue_totals", 1, "message_stats", mgmt_json_message_stats(),
                      "churn_rates", "queue_totals", "messages", t.ready + t.unacked,
                      "messages_ready", t.ready, "messages_unacknowledged", t.unacked,
                      "object_totals", "connections", conns, "consumers", t.consumers, "exchanges",
                      t.exchanges, "queues", t.queues, "statistics_db_event_queue", 0, "node",
                      wr_node_name(), "listeners", mgmt_listeners(r), "contexts"));
}

static json_t *
mgmt_node_json(struct mgmt_req *r)
{
    static time_t started;
    const struct wr_config *cfg = wr_broker_config(r->b);
    unsigned alarms = wr_alarms_active(wr_broker_alarms(r->b));
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    char pid[24];

    if (started == 0)
        started = time(NULL); /* first asked: close enough to the start for an uptime */
    snprintf(pid, sizeof(pid), "%ld", (long)getpid());
    return json_pack("{s:s, s:s, s:b, s:I, s:I, s:b, s:I, s:b, s:s, s:I, s:i, s:s, s:[]}", "name",
                     wr_node_name(), "type", cfg->node_type ? cfg->node_type : "disc", "running", 1,
                     "mem_used", (json_int_t)mgmt_rss_bytes(), "mem_limit",
                     (json_int_t)mgmt_mem_limit_bytes(r->b), "mem_alarm",
                     (alarms & WR_ALARM_MEMORY) != 0, "disk_free_limit",
                     (json_int_t)cfg->disk_free_limit, "disk_free_alarm",
                     (alarms & WR_ALARM_DISK) != 0, "os_pid", pid, "uptime",
                     (json_int_t)(time(NULL) - started) * 1000, "processors",
                     (int)(cpus > 0 ? cpus : 1), "rates_mode", "basic", "partitions");
}

void
mgmt_api_nodes(struct mgmt_req *r)
{
    mgmt_reply_json(r, 200, json_pack("[o]", mgmt_node_json(r)));
}

void
mgmt_api_node(struct mgmt_req *r)
{
    if (strcmp(r->arg[0], wr_node_name()) != 0) {
        mgmt_not_found(r);
        return;
    }
    mgmt_reply_json(r, 200, mgmt_node_json(r));
}

void
mgmt_api_whoami(struct mgmt_req *r)
{
    mgmt_reply_json(r, 200,
                    json_pack("{s:s, s:o}", "name", wr_user_name(r->user), "tags",
                              wr_json_tags(wr_user_tags(r->user))));
}

/* F-05: 503 with the alarms in force, each as {node, resource}. */
void
mgmt_api_health_alarms(struct mgmt_req *r)
{
    unsigned bits = wr_alarms_active(wr_broker_alarms(r->b));
    json_t *list;

    if (bits == 0) {
        mgmt_reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
        return;
    }
    list = json_array();
    if (bits & WR_ALARM_MEMORY)
        json_array_append_new(
                list, json_pack("{s:s, s:s}", "node", wr_node_name(), "resource", "memory"));
    if (bits & WR_ALARM_DISK)
        json_array_append_new(list,
                              json_pack("{s:s, s:s}", "node", wr_node_name(), "resource", "disk"));
    mgmt_reply_json(r, 503,
                    json_pack("{s:s, s:s, s:o}", "status", "failed", "reason",
                              "There are alarms in effect in the cluster", "alarms", list));
}
