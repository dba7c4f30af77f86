/* SPDX-License-Identifier: MPL-2.0 */
/* Prometheus text exposition (format 0.0.4) with rabbitmq_prometheus's metric names (14.4):
 * /metrics sums queue metrics over the node, /metrics/per-object gives one series per queue
 * labelled {vhost, queue}. Only metrics Warren has data for are emitted. */
#include "server/alarm.h"
#include "server/broker.h"
#include "server/hmap.h"
#include "server/mgmt_internal.h"
#include "server/queue.h"
#include "server/settings.h"
#include "server/stats.h"
#include "server/vhost.h"

#include <event2/buffer.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

unsigned long long
mgmt_rss_bytes(void)
{
    unsigned long long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");

    if (f == NULL)
        return 0;
    if (fscanf(f, "%llu %llu", &size, &resident) != 2)
        resident = 0;
    fclose(f);
    return resident * (unsigned long long)sysconf(_SC_PAGESIZE);
}

/* alarm.h exposes the paging threshold, which is half the watermark; the watermark itself has
 * no getter yet, and this follows runtime changes (set_vm_memory_high_watermark) too. */
unsigned long long
mgmt_mem_limit_bytes(struct wr_broker *b)
{
    const struct wr_alarms *a = wr_broker_alarms(b);

    return a ? 2 * (unsigned long long)wr_alarms_paging_bytes(a) : 0;
}

static void
mgmt_metric_head(struct evbuffer *out, const char *name, const char *type, const char *help)
{
    evbuffer_add_printf(out, "# TYPE %s %s\n# HELP %s %s\n", name, type, name, help);
}

static void
mgmt_metric(struct evbuffer *out, const char *name, const char *type, const char *help,
            unsigned long long v)
{
    mgmt_metric_head(out, name, type, help);
    evbuffer_add_printf(out, "%s %llu\n", name, v);
}

/* Label values escape backslash, double quote and newline (exposition format). */
static void
mgmt_label(struct evbuffer *out, const char *key, const char *v, size_t len)
{
    evbuffer_add_printf(out, "%s=\"", key);
    for (size_t i = 0; i < len; i++) {
        if (v[i] == '\\' || v[i] == '"')
            evbuffer_add_printf(out, "\\%c", v[i]);
        else if (v[i] == '\n')
            evbuffer_add(out, "\\n", 2);
        else
            evbuffer_add(out, &v[i], 1);
    }
    evbuffer_add(out, "\"", 1);
}

/* The per-queue families; field picks the value from a queue. */
enum { MGMT_M_READY, MGMT_M_UNACKED, MGMT_M_MESSAGES, MGMT_M_CONSUMERS, MGMT_M_N };

static const char *const mgmt_qmetric[MGMT_M_N][2] = {
        {"rabbitmq_queue_messages_ready", "Messages ready to be delivered to consumers"},
        {"rabbitmq_queue_messages_unacked",
         "Messages delivered to consumers but not yet acknowledged"},
        {"rabbitmq_queue_messages", "Sum of ready and unacknowledged messages - total queue depth"},
        {"rabbitmq_queue_consumers", "Consumers on a queue"},
};

static unsigned long long
mgmt_qvalue(const struct wr_queue *q, int m)
{
    switch (m) {
    case MGMT_M_READY:
        return wr_queue_ready(q);
    case MGMT_M_UNACKED:
        return wr_queue_unacked(q);
    case MGMT_M_MESSAGES:
        return (unsigned long long)wr_queue_ready(q) + wr_queue_unacked(q);
    default:
        return wr_queue_consumer_count(q);
    }
}

/* Calls fn for every queue of the node. */
static void
mgmt_each_queue(struct wr_broker *b, void (*fn)(struct wr_queue *, void *), void *arg)
{
    struct wr_hmap_iter vi, qi;
    const char *key;
    size_t len;
    void *vh, *q;

    wr_hmap_iter_init(wr_broker_vhosts(b), &vi);
    while (wr_hmap_next(&vi, &key, &len, &vh)) {
        wr_hmap_iter_init(wr_vhost_queues(vh), &qi);
        while (wr_hmap_next(&qi, &key, &len, &q))
            fn(q, arg);
    }
}

struct mgmt_qsum {
    unsigned long long v[MGMT_M_N], queues;
    struct evbuffer *out;
    int metric;
};

static void
mgmt_qsum_add(struct wr_queue *q, void *arg)
{
    struct mgmt_qsum *s = arg;

    s->queues++;
    for (int m = 0; m < MGMT_M_N; m++)
        s->v[m] += mgmt_qvalue(q, m);
}

static void
mgmt_qseries(struct wr_queue *q, void *arg)
{
    struct mgmt_qsum *s = arg;
    const char *vh = wr_vhost_name(wr_queue_vhost(q));

    evbuffer_add_printf(s->out, "%s{", mgmt_qmetric[s->metric][0]);
    mgmt_label(s->out, "vhost", vh, strlen(vh));
    evbuffer_add(s->out, ",", 1);
    mgmt_label(s->out, "queue", wr_queue_name(q), wr_queue_name_len(q));
    evbuffer_add_printf(s->out, "} %llu\n", mgmt_qvalue(q, s->metric));
}

static void
mgmt_metrics_node(struct wr_broker *b, struct evbuffer *out)
{
    unsigned alarms = wr_alarms_active(wr_broker_alarms(b));

    mgmt_metric_head(out, "rabbitmq_build_info", "untyped", "RabbitMQ & Erlang/OTP version info");
    evbuffer_add_printf(out,
                        "rabbitmq_build_info{rabbitmq_version=\"%s\",prometheus_plugin_version="
                        "\"%s\",product_name=\"Warren\",product_version=\"%s\"} 1\n",
                        MGMT_RABBITMQ, MGMT_RABBITMQ, PACKAGE_VERSION);
    mgmt_metric_head(out, "rabbitmq_identity_info", "untyped",
                     "RabbitMQ node & cluster identity info");
    evbuffer_add_printf(out,
                        "rabbitmq_identity_info{rabbitmq_node=\"%s\",rabbitmq_cluster=\"%s\"} 1\n",
                        wr_node_name(), wr_node_name());
    mgmt_metric(out, "rabbitmq_connections", "gauge", "Connections currently open",
                wr_hmap_count(wr_broker_conns(b)));
    mgmt_metric(out, "rabbitmq_process_resident_memory_bytes", "gauge", "Memory used in bytes",
                mgmt_rss_bytes());
    mgmt_metric(out, "rabbitmq_resident_memory_limit_bytes", "gauge",
                "Memory high watermark in bytes", mgmt_mem_limit_bytes(b));
    mgmt_metric(out, "rabbitmq_disk_space_available_limit_bytes", "gauge",
                "Free disk space low watermark in bytes", wr_broker_config(b)->disk_free_limit);
    mgmt_metric(out, "rabbitmq_alarms_memory_used_watermark", "gauge",
                "is 1 if VM memory watermark alarm is in effect", (alarms & WR_ALARM_MEMORY) != 0);
    mgmt_metric(out, "rabbitmq_alarms_free_disk_space_watermark", "gauge",
                "is 1 if free disk space watermark alarm is in effect",
                (alarms & WR_ALARM_DISK) != 0);
}

/* RabbitMQ 3.10's global counters (rabbit_global_counters), for the AMQP 0-9-1 protocol; the
 * first four are per protocol, the rest per protocol and queue type. */
static void
mgmt_metrics_global(struct evbuffer *out)
{
    static const struct {
        const char *name, *help;
        int s[4]; /* summed stats, -1 terminated */
    } g[] = {
            {"rabbitmq_global_messages_received_total",
             "Total number of messages received from publishers",
             {WR_STAT_PUBLISH, -1}},
            {"rabbitmq_global_messages_confirmed_total",
             "Total number of messages confirmed to publishers",
             {WR_STAT_CONFIRM, -1}},
            {"rabbitmq_global_messages_unroutable_dropped_total",
             "Total number of messages published as non-mandatory into an exchange and dropped as "
             "unroutable",
             {WR_STAT_DROP_UNROUTABLE, -1}},
            {"rabbitmq_global_messages_unroutable_returned_total",
             "Total number of messages published as mandatory into an exchange and returned to "
             "the publisher as unroutable",
             {WR_STAT_RETURN_UNROUTABLE, -1}},
            {"rabbitmq_global_messages_delivered_total",
             "Total number of messages delivered to consumers",
             {WR_STAT_DELIVER, WR_STAT_DELIVER_NO_ACK, WR_STAT_GET, WR_STAT_GET_NO_ACK}},
            {"rabbitmq_global_messages_delivered_consume_manual_ack_total",
             "Total number of messages delivered to consumers using basic.consume with manual "
             "acknowledgment",
             {WR_STAT_DELIVER, -1}},
            {"rabbitmq_global_messages_delivered_consume_auto_ack_total",
             "Total number of messages delivered to consumers using basic.consume with automatic "
             "acknowledgment",
             {WR_STAT_DELIVER_NO_ACK, -1}},
            {"rabbitmq_global_messages_delivered_get_manual_ack_total",
             "Total number of messages delivered to consumers using basic.get with manual "
             "acknowledgment",
             {WR_STAT_GET, -1}},
            {"rabbitmq_global_messages_delivered_get_auto_ack_total",
             "Total number of messages delivered to consumers using basic.get with automatic "
             "acknowledgment",
             {WR_STAT_GET_NO_ACK, -1}},
            {"rabbitmq_global_messages_redelivered_total",
             "Total number of messages redelivered to consumers",
             {WR_STAT_REDELIVER, -1}},
            {"rabbitmq_global_messages_acknowledged_total",
             "Total number of messages acknowledged by consumers",
             {WR_STAT_ACK, -1}},
    };

    for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
        unsigned long long v = 0;
        for (int k = 0; k < 4 && g[i].s[k] >= 0; k++)
            v += wr_stats[g[i].s[k]];
        mgmt_metric_head(out, g[i].name, "counter", g[i].help);
        /* per-consumer counters carry queue_type; Warren counts every type as classic */
        evbuffer_add_printf(out, "%s{protocol=\"amqp091\"%s} %llu\n", g[i].name,
                            i >= 4 ? ",queue_type=\"rabbit_classic_queue\"" : "", v);
    }
}

void
mgmt_metrics_render(struct wr_broker *b, struct evbuffer *out, bool per_object)
{
    struct mgmt_qsum s = {.out = out};

    mgmt_metrics_node(b, out);
    mgmt_metrics_global(out);
    mgmt_each_queue(b, mgmt_qsum_add, &s);
    mgmt_metric(out, "rabbitmq_queues", "gauge", "Queues available", s.queues);
    mgmt_metric(out, "rabbitmq_consumers", "gauge", "Consumers currently connected",
                s.v[MGMT_M_CONSUMERS]);
    for (s.metric = 0; s.metric < MGMT_M_N; s.metric++) {
        mgmt_metric_head(out, mgmt_qmetric[s.metric][0], "gauge", mgmt_qmetric[s.metric][1]);
        if (per_object)
            mgmt_each_queue(b, mgmt_qseries, &s);
        else
            evbuffer_add_printf(out, "%s %llu\n", mgmt_qmetric[s.metric][0], s.v[s.metric]);
    }
}

static void
mgmt_metrics_reply(struct mgmt_req *r, bool per_object)
{
    struct evbuffer *body = evbuffer_new();

    if (body == NULL) {
        mgmt_reply_error(r, 500, "internal_error", "out of memory");
        return;
    }
    mgmt_metrics_render(r->b, body, per_object);
    mgmt_reply_text(r, 200, "text/plain; version=0.0.4; charset=utf-8", body);
    evbuffer_free(body);
}

void
mgmt_metrics_get(struct mgmt_req *r)
{
    mgmt_metrics_reply(r, false);
}

void
mgmt_metrics_per_object(struct mgmt_req *r)
{
    mgmt_metrics_reply(r, true);
}
