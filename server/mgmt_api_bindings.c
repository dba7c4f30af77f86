/* SPDX-License-Identifier: MPL-2.0 */
/* Bindings from an exchange to a queue or to another exchange: /api/bindings/{vh}/e/{x}/q/{q} and
 * /api/bindings/{vh}/e/{x}/e/{y}, each with an optional /{props}. A binding is named in URLs by
 * its properties_key (mgmt_json.c). As queue.bind and exchange.bind do, the checks are write on
 * the destination and read on the source, and the default exchange cannot be bound. */
#include "amqp/table.h"
#include "server/broker.h"
#include "server/exchange.h"
#include "server/mem.h"
#include "server/mgmt_internal.h"
#include "server/queue.h"
#include "server/vhost.h"

#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The URL names the default exchange amq.default. */
static const char *
mgmt_xname(const char *seg)
{
    return strcmp(seg, "amq.default") == 0 ? "" : seg;
}

/* The destination of a binding URL: a queue (".../q/{q}") or an exchange (".../e/{y}"). */
struct mgmt_dest {
    struct wr_queue *q;
    struct wr_exchange *xd;
    bool is_exchange;
};

static bool
mgmt_dest_is_exchange(const struct mgmt_req *r)
{
    return r->nseg > 5 && strcmp(r->seg[5], "e") == 0;
}

/* Source exchange arg[1] and destination arg[2] of vhost vh; NULL members when missing. */
static void
mgmt_binding_resolve(struct mgmt_req *r, struct wr_vhost *vh, struct wr_exchange **x,
                     struct mgmt_dest *d)
{
    const char *xn = mgmt_xname(r->arg[1]), *dn = mgmt_xname(r->arg[2]);

    *d = (struct mgmt_dest){.is_exchange = mgmt_dest_is_exchange(r)};
    *x = wr_vhost_exchange(vh, xn, strlen(xn));
    if (d->is_exchange)
        d->xd = wr_vhost_exchange(vh, dn, strlen(dn));
    else
        d->q = wr_vhost_queue(vh, r->arg[2], strlen(r->arg[2]));
}

static bool
mgmt_dest_found(const struct mgmt_dest *d)
{
    return d->q != NULL || d->xd != NULL;
}

static struct wr_vhost *
mgmt_binding_ends(struct mgmt_req *r, struct wr_exchange **x, struct mgmt_dest *d)
{
    struct wr_vhost *vh = mgmt_vhost_arg(r, 0);

    if (vh != NULL)
        mgmt_binding_resolve(r, vh, x, d);
    return vh;
}

static void
mgmt_location(struct mgmt_req *r, struct wr_bytes key, struct wr_bytes args)
{
    json_t *pk = mgmt_json_props_key(key, args);
    char *qe = evhttp_uriencode(r->arg[2], -1, 0);
    char *pe = evhttp_uriencode(json_string_value(pk), -1, 0);
    char *loc = wr_xmalloc(strlen(qe) + strlen(pe) + 2);

    sprintf(loc, "%s/%s", qe, pe);
    evhttp_add_header(evhttp_request_get_output_headers(r->req), "Location", loc);
    free(loc);
    free(pe);
    free(qe);
    json_decref(pk);
}

static bool
mgmt_binding_perms(struct mgmt_req *r)
{
    return mgmt_perm(r, r->arg[0], WR_PERM_WRITE, r->arg[2]) &&
           mgmt_perm(r, r->arg[0], WR_PERM_READ, r->arg[1]);
}

/* POST: 201 with a Location naming the binding, also when it existed (as RabbitMQ). */
void
mgmt_api_binding_post(struct mgmt_req *r)
{
    struct wr_vhost *vh = mgmt_vhost_write_arg(r, 0);
    json_t *k = json_object_get(r->body, "routing_key");
    struct wr_bytes key = wr_bytes_str(json_is_string(k) ? json_string_value(k) : "");
    struct wr_exchange *x;
    struct mgmt_dest d;
    struct wr_tbuf args;
    char err[400];

    if (vh == NULL || !mgmt_binding_perms(r))
        return;
    if (mgmt_xname(r->arg[1])[0] == '\0' ||
        (mgmt_dest_is_exchange(r) && mgmt_xname(r->arg[2])[0] == '\0')) {
        mgmt_reply_error(r, 401, "not_authorised", "Access refused.");
        return;
    }
    mgmt_binding_resolve(r, vh, &x, &d);
    if (x == NULL || !mgmt_dest_found(&d)) {
        snprintf(err, sizeof(err), "no %s '%s' in vhost '%s'",
                 x ? (d.is_exchange ? "exchange" : "queue") : "exchange", x ? r->arg[2] : r->arg[1],
                 r->arg[0]);
        mgmt_reply_error(r, 404, "not_found", err);
        return;
    }
    if (!mgmt_body_args(r, &args))
        return;
    if (wr_binding_add(x, d.q, d.xd, key, wr_tbuf_bytes(&args), err, sizeof(err)) < 0) {
        mgmt_bad_request(r, err);
    } else {
        mgmt_location(r, key, wr_tbuf_bytes(&args));
        mgmt_reply_empty(r, 201);
    }
    wr_tbuf_free(&args);
}

struct mgmt_binding_walk {
    const struct wr_queue *q;
    const struct wr_exchange *xd;
    const char *props; /* only the binding with this properties_key (or raw key), when set */
    json_t *arr;
    struct wr_bytes key, args; /* of the match, views into the binding */
};

static bool
mgmt_props_match(const char *props, struct wr_bytes key, struct wr_bytes args)
{
    json_t *pk = mgmt_json_props_key(key, args);
    bool eq = strcmp(props, json_string_value(pk)) == 0 ||
              (args.len == 0 && strlen(props) == key.len && memcmp(props, key.ptr, key.len) == 0);

    json_decref(pk);
    return eq;
}

static void
mgmt_binding_visit(struct wr_exchange *src, struct wr_queue *q, struct wr_exchange *xd,
                   struct wr_bytes key, struct wr_bytes args, void *arg)
{
    struct mgmt_binding_walk *w = arg;

    if (q != w->q || xd != w->xd || (w->props != NULL && !mgmt_props_match(w->props, key, args)))
        return;
    if (json_array_size(w->arr) == 0) {
        w->key = key;
        w->args = args;
    }
    json_array_append_new(w->arr, mgmt_json_binding(src, q, xd, key, args));
}

/* Walks x's bindings to d; the caller owns w->arr. */
static void
mgmt_binding_find(struct wr_exchange *x, const struct mgmt_dest *d, const char *props,
                  struct mgmt_binding_walk *w)
{
    *w = (struct mgmt_binding_walk){.q = d->q, .xd = d->xd, .props = props, .arr = json_array()};
    if (x != NULL && mgmt_dest_found(d))
        wr_exchange_foreach_binding(x, mgmt_binding_visit, w);
}

/* GET without props: an empty list, not 404, when either end is missing (as RabbitMQ). */
void
mgmt_api_bindings_between(struct mgmt_req *r)
{
    struct mgmt_binding_walk w;
    struct wr_exchange *x;
    struct mgmt_dest d;

    if (mgmt_binding_ends(r, &x, &d) == NULL)
        return;
    mgmt_binding_find(x, &d, NULL, &w);
    mgmt_reply_json(r, 200, w.arr);
}

void
mgmt_api_binding_get(struct mgmt_req *r)
{
    struct mgmt_binding_walk w;
    struct wr_exchange *x;
    struct mgmt_dest d;

    if (mgmt_binding_ends(r, &x, &d) == NULL)
        return;
    mgmt_binding_find(x, &d, r->arg[3], &w);
    if (json_array_size(w.arr) == 0)
        mgmt_not_found(r);
    else
        mgmt_reply_json(r, 200, json_incref(json_array_get(w.arr, 0)));
    json_decref(w.arr);
}

/* key and args are views into the binding, which the removal frees: it is given copies. */
static void
mgmt_binding_remove(struct wr_exchange *x, const struct mgmt_dest *d, struct wr_bytes key,
                    struct wr_bytes args)
{
    uint8_t *copy = wr_xmalloc((size_t)key.len + args.len + 1);

    if (key.len > 0)
        memcpy(copy, key.ptr, key.len);
    if (args.len > 0)
        memcpy(copy + key.len, args.ptr, args.len);
    wr_binding_remove(x, d->q, d->xd, (struct wr_bytes){copy, key.len},
                      (struct wr_bytes){copy + key.len, args.len});
    free(copy);
}

void
mgmt_api_binding_delete(struct mgmt_req *r)
{
    struct mgmt_binding_walk w;
    struct wr_exchange *x;
    struct mgmt_dest d;

    if (mgmt_binding_ends(r, &x, &d) == NULL)
        return;
    mgmt_binding_find(x, &d, r->arg[3], &w);
    if (json_array_size(w.arr) == 0) {
        mgmt_not_found(r);
    } else if (mgmt_binding_perms(r)) {
        mgmt_binding_remove(x, &d, w.key, w.args);
        mgmt_reply_empty(r, 204);
    }
    json_decref(w.arr);
}
