/* SPDX-License-Identifier: MPL-2.0 */
/* Entity endpoints: /api/queues, /api/exchanges, /api/bindings, and the queue DELETE and purge
 * operations. Listings cover the vhosts the user may see; a named vhost the user may not see
 * is reported missing, as RabbitMQ does. */
#include "server/broker.h"
#include "server/exchange.h"
#include "server/hmap.h"
#include "server/mgmt_internal.h"
#include "server/queue.h"
#include "server/vhost.h"

#include <string.h>

/* ---- queues ------------------------------------------------------------------------------- */

static void
mgmt_queues_of(struct mgmt_req *r, struct wr_vhost *vh, void *arg)
{
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *q;

    (void)r;
    wr_hmap_iter_init(wr_vhost_queues(vh), &it);
    while (wr_hmap_next(&it, &key, &len, &q))
        json_array_append_new(arg, mgmt_json_queue(q));
}

/* GET /api/queues and /api/queues/{vhost} */
void
mgmt_api_queues(struct mgmt_req *r)
{
    json_t *arr = json_array();

    if (mgmt_visit_vhost_arg(r, mgmt_queues_of, arr))
        mgmt_reply_json(r, 200, arr);
    else
        json_decref(arr);
}

/* The queue named by arg[1] in the vhost arg[0], or NULL after replying 404. */
static struct wr_queue *
mgmt_queue_arg(struct mgmt_req *r)
{
    struct wr_vhost *vh = mgmt_vhost_arg(r, 0);
    struct wr_queue *q;

    if (vh == NULL)
        return NULL;
    q = wr_vhost_queue(vh, r->arg[1], strlen(r->arg[1]));
    if (q == NULL)
        mgmt_not_found(r);
    return q;
}

void
mgmt_api_queue_get(struct mgmt_req *r)
{
    struct wr_queue *q = mgmt_queue_arg(r);

    if (q != NULL)
        mgmt_reply_json(r, 200, mgmt_json_queue(q));
}

/* ?if-empty=true / ?if-unused=true refuse with 400, as RabbitMQ's management API does. */
void
mgmt_api_queue_delete(struct mgmt_req *r)
{
    struct wr_queue *q = mgmt_queue_arg(r);

    if (q == NULL)
        return;
    if (mgmt_query_true(r, "if-empty") && wr_queue_ready(q) + wr_queue_unacked(q) > 0) {
        mgmt_bad_request(r, "precondition_failed");
        return;
    }
    if (mgmt_query_true(r, "if-unused") && wr_queue_consumer_count(q) > 0) {
        mgmt_bad_request(r, "precondition_failed");
        return;
    }
    wr_queue_delete(q, true);
    mgmt_reply_empty(r, 204);
}

void
mgmt_api_queue_purge(struct mgmt_req *r)
{
    struct wr_queue *q = mgmt_queue_arg(r);

    if (q == NULL)
        return;
    wr_queue_purge(q);
    mgmt_reply_empty(r, 204);
}

/* ---- exchanges ---------------------------------------------------------------------------- */

static void
mgmt_exchanges_of(struct mgmt_req *r, struct wr_vhost *vh, void *arg)
{
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *x;

    (void)r;
    wr_hmap_iter_init(wr_vhost_exchanges(vh), &it);
    while (wr_hmap_next(&it, &key, &len, &x))
        json_array_append_new(arg, mgmt_json_exchange(x));
}

void
mgmt_api_exchanges(struct mgmt_req *r)
{
    json_t *arr = json_array();

    if (mgmt_visit_vhost_arg(r, mgmt_exchanges_of, arr))
        mgmt_reply_json(r, 200, arr);
    else
        json_decref(arr);
}

/* The default exchange has no name to put in a URL: RabbitMQ calls it amq.default there. */
void
mgmt_api_exchange_get(struct mgmt_req *r)
{
    struct wr_vhost *vh = mgmt_vhost_arg(r, 0);
    const char *name;
    struct wr_exchange *x;

    if (vh == NULL)
        return;
    name = strcmp(r->arg[1], "amq.default") == 0 ? "" : r->arg[1];
    x = wr_vhost_exchange(vh, name, strlen(name));
    if (x == NULL)
        mgmt_not_found(r);
    else
        mgmt_reply_json(r, 200, mgmt_json_exchange(x));
}

/* ---- bindings ----------------------------------------------------------------------------- */

static void
mgmt_bindings_of(struct mgmt_req *r, struct wr_vhost *vh, void *arg)
{
    (void)r;
    mgmt_json_bindings(vh, arg);
}

void
mgmt_api_bindings(struct mgmt_req *r)
{
    json_t *arr = json_array();

    if (mgmt_visit_vhost_arg(r, mgmt_bindings_of, arr))
        mgmt_reply_json(r, 200, arr);
    else
        json_decref(arr);
}
