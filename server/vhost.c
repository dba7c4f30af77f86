/* SPDX-License-Identifier: MPL-2.0 */
/* Vhost registry of exchanges and queues. */
#include "server/vhost.h"

#include "server/exchange.h"
#include "server/hmap.h"
#include "server/log.h"
#include "server/mem.h"
#include "server/queue.h"

#include <stdlib.h>
#include <string.h>

struct wr_vhost {
    char *name;
    char *description, *tags; /* metadata; tags comma-separated */
    struct wr_broker *broker;
    struct wr_hmap *exchanges;
    struct wr_hmap *queues;
    int64_t max_connections, max_queues;
    uint32_t connections;
};

static const struct {
    const char *name;
    enum wr_xtype type;
    bool internal;
} wr_predeclared[] = {
        {"", WR_X_DIRECT, false},
        {"amq.direct", WR_X_DIRECT, false},
        {"amq.fanout", WR_X_FANOUT, false},
        {"amq.topic", WR_X_TOPIC, false},
        {"amq.headers", WR_X_HEADERS, false},
        {"amq.match", WR_X_HEADERS, false},
        {"amq.rabbitmq.trace", WR_X_TOPIC, true},
};

struct wr_vhost *
wr_vhost_new(struct wr_broker *b, const char *name)
{
    struct wr_vhost *vh = wr_xcalloc(1, sizeof(*vh));

    vh->name = wr_xstrdup(name);
    vh->description = wr_xstrdup("");
    vh->tags = wr_xstrdup("");
    vh->broker = b;
    vh->exchanges = wr_hmap_new();
    vh->queues = wr_hmap_new();
    vh->max_connections = vh->max_queues = -1;
    for (size_t i = 0; i < sizeof(wr_predeclared) / sizeof(wr_predeclared[0]); i++) {
        struct wr_exchange_opts o = {.type = wr_predeclared[i].type,
                                     .durable = true,
                                     .internal = wr_predeclared[i].internal};
        const char *xn = wr_predeclared[i].name;
        wr_exchange_new(vh, xn, strlen(xn), &o);
    }
    return vh;
}

void
wr_vhost_free(struct wr_vhost *vh)
{
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *val;

    if (vh == NULL)
        return;
    for (;;) {
        wr_hmap_iter_init(vh->queues, &it);
        if (!wr_hmap_next(&it, &key, &len, &val))
            break;
        wr_queue_delete(val, false);
    }
    /* a delete can auto-delete other exchanges, so restart the walk each time */
    for (;;) {
        wr_hmap_iter_init(vh->exchanges, &it);
        if (!wr_hmap_next(&it, &key, &len, &val))
            break;
        wr_exchange_delete(val);
    }
    wr_hmap_free(vh->exchanges);
    wr_hmap_free(vh->queues);
    free(vh->name);
    free(vh->description);
    free(vh->tags);
    free(vh);
}

const char *
wr_vhost_name(const struct wr_vhost *vh)
{
    return vh->name;
}

void
wr_vhost_set_metadata(struct wr_vhost *vh, const char *description, const char *tags)
{
    char *d = wr_xstrdup(description), *t = wr_xstrdup(tags);

    free(vh->description);
    free(vh->tags);
    vh->description = d;
    vh->tags = t;
}

const char *
wr_vhost_description(const struct wr_vhost *vh)
{
    return vh->description;
}

const char *
wr_vhost_tags(const struct wr_vhost *vh)
{
    return vh->tags;
}

struct wr_broker *
wr_vhost_broker(const struct wr_vhost *vh)
{
    return vh->broker;
}

struct wr_exchange *
wr_vhost_exchange(const struct wr_vhost *vh, const char *name, size_t len)
{
    return wr_hmap_get(vh->exchanges, name, len);
}

struct wr_queue *
wr_vhost_queue(const struct wr_vhost *vh, const char *name, size_t len)
{
    return wr_hmap_get(vh->queues, name, len);
}

void
wr_vhost_add_exchange(struct wr_vhost *vh, struct wr_exchange *x)
{
    const char *n = wr_exchange_name(x);

    if (wr_hmap_put(vh->exchanges, n, wr_exchange_name_len(x), x) != 0)
        wr_panic("exchange '%s' registered twice", n);
}

void
wr_vhost_remove_exchange(struct wr_vhost *vh, struct wr_exchange *x)
{
    wr_hmap_del(vh->exchanges, wr_exchange_name(x), wr_exchange_name_len(x));
}

void
wr_vhost_add_queue(struct wr_vhost *vh, struct wr_queue *q)
{
    const char *n = wr_queue_name(q);

    if (wr_hmap_put(vh->queues, n, wr_queue_name_len(q), q) != 0)
        wr_panic("queue '%s' registered twice", n);
}

void
wr_vhost_remove_queue(struct wr_vhost *vh, struct wr_queue *q)
{
    wr_hmap_del(vh->queues, wr_queue_name(q), wr_queue_name_len(q));
}

struct wr_hmap *
wr_vhost_queues(const struct wr_vhost *vh)
{
    return vh->queues;
}

struct wr_hmap *
wr_vhost_exchanges(const struct wr_vhost *vh)
{
    return vh->exchanges;
}

void
wr_vhost_set_limits(struct wr_vhost *vh, int64_t max_connections, int64_t max_queues)
{
    vh->max_connections = max_connections;
    vh->max_queues = max_queues;
}

int64_t
wr_vhost_max_connections(const struct wr_vhost *vh)
{
    return vh->max_connections;
}

int64_t
wr_vhost_max_queues(const struct wr_vhost *vh)
{
    return vh->max_queues;
}

uint32_t
wr_vhost_connections(const struct wr_vhost *vh)
{
    return vh->connections;
}

void
wr_vhost_count_connection(struct wr_vhost *vh, int delta)
{
    vh->connections = (uint32_t)((int64_t)vh->connections + delta);
}
