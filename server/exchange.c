/* SPDX-License-Identifier: MPL-2.0 */
/* Exchange registry entries, bindings and the per-type routers. A binding links a source exchange
 * to a queue or an exchange; it sits on the source's list (and a type index) and on the
 * destination's list, so deleting either end drops it in O(its bindings). */
#include "server/exchange.h"

#include "amqp/table.h"
#include "server/defs.h"
#include "server/headers_match.h"
#include "server/hmap.h"
#include "server/log.h"
#include "server/mem.h"
#include "server/policy.h"
#include "server/queue.h"
#include "server/topic.h"
#include "server/vhost.h"

#include <stdlib.h>
#include <string.h>

struct wr_binding {
    TAILQ_ENTRY(wr_binding) src_link; /* on src->bindings */
    TAILQ_ENTRY(wr_binding) dst_link; /* on the destination's binding list */
    TAILQ_ENTRY(wr_binding) key_link; /* on a direct-exchange key bucket */
    struct wr_exchange *src;
    struct wr_queue *q;        /* destination queue, or */
    struct wr_exchange *xdest; /* destination exchange */
    char *key;
    size_t key_len;
    uint8_t *args;
    uint32_t args_len;
    enum wr_xmatch xmatch;
};

struct wr_bucket {
    struct wr_binding_list list;
};

struct wr_exchange {
    char *name;
    size_t name_len; /* names may hold NUL bytes: the registry key is name_len bytes */
    struct wr_vhost *vh;
    struct wr_exchange_opts o;
    uint8_t *args;
    struct wr_binding_list bindings; /* as source */
    struct wr_binding_list as_dest;  /* as destination (e2e) */
    size_t nbindings;
    struct wr_hmap *direct; /* key -> struct wr_bucket */
    struct wr_topic *topic;
    uint64_t route_mark;
    bool is_default;
};

static const char *const wr_xtype_names[] = {"direct", "fanout", "topic", "headers"};
static uint64_t wr_route_gen;

int
wr_xtype_parse(const char *s, size_t len, enum wr_xtype *out)
{
    for (int i = 0; i < 4; i++) {
        if (strlen(wr_xtype_names[i]) == len && memcmp(s, wr_xtype_names[i], len) == 0) {
            *out = (enum wr_xtype)i;
            return 0;
        }
    }
    return -1;
}

const char *
wr_xtype_name(enum wr_xtype t)
{
    return wr_xtype_names[t];
}

struct wr_exchange *
wr_exchange_new(struct wr_vhost *vh, const char *name, size_t len, const struct wr_exchange_opts *o)
{
    struct wr_exchange *x = wr_xcalloc(1, sizeof(*x));

    x->name = wr_xmalloc(len + 1);
    memcpy(x->name, name, len);
    x->name[len] = '\0';
    x->name_len = len;
    x->vh = vh;
    x->o = *o;
    if (o->args.len) {
        x->args = wr_xmalloc(o->args.len);
        memcpy(x->args, o->args.ptr, o->args.len);
    }
    x->o.args = (struct wr_bytes){x->args, o->args.len};
    x->is_default = len == 0;
    TAILQ_INIT(&x->bindings);
    TAILQ_INIT(&x->as_dest);
    if (o->type == WR_X_DIRECT)
        x->direct = wr_hmap_new();
    else if (o->type == WR_X_TOPIC)
        x->topic = wr_topic_new();
    wr_vhost_add_exchange(vh, x);
    wr_defs_exchange_declared(x);
    return x;
}

static void wr_binding_free(struct wr_binding *b);

void
wr_exchange_delete(struct wr_exchange *x)
{
    struct wr_binding *b;

    wr_defs_exchange_deleted(x); /* replay cascades its bindings the same way */
    while ((b = TAILQ_FIRST(&x->bindings)) != NULL)
        wr_binding_free(b);
    wr_bindings_drop_dest(&x->as_dest);
    wr_vhost_remove_exchange(x->vh, x);
    if (x->direct)
        wr_hmap_free(x->direct);
    if (x->topic)
        wr_topic_free(x->topic);
    free(x->args);
    free(x->name);
    free(x);
}

const char *
wr_exchange_name(const struct wr_exchange *x)
{
    return x->name;
}

size_t
wr_exchange_name_len(const struct wr_exchange *x)
{
    return x->name_len;
}

struct wr_vhost *
wr_exchange_vhost(const struct wr_exchange *x)
{
    return x->vh;
}

const struct wr_exchange_opts *
wr_exchange_opts(const struct wr_exchange *x)
{
    return &x->o;
}

bool
wr_exchange_in_use(const struct wr_exchange *x)
{
    return x->nbindings > 0;
}

bool
wr_exchange_is_default(const struct wr_exchange *x)
{
    return x->is_default;
}

static bool
wr_binding_same(const struct wr_binding *b, struct wr_queue *q, struct wr_exchange *xdest,
                struct wr_bytes key, struct wr_bytes args)
{
    return b->q == q && b->xdest == xdest && b->key_len == key.len &&
           memcmp(b->key, key.ptr, key.len) == 0 && b->args_len == args.len &&
           (args.len == 0 || memcmp(b->args, args.ptr, args.len) == 0);
}

static struct wr_binding *
wr_binding_find(struct wr_exchange *src, struct wr_queue *q, struct wr_exchange *xdest,
                struct wr_bytes key, struct wr_bytes args)
{
    struct wr_binding *b;
    struct wr_binding_list *l = q ? wr_queue_bindings(q) : &xdest->as_dest;

    /* the destination's list is usually the shorter one */
    TAILQ_FOREACH(b, l, dst_link) {
        if (b->src == src && wr_binding_same(b, q, xdest, key, args))
            return b;
    }
    return NULL;
}

static void
wr_binding_index(struct wr_exchange *x, struct wr_binding *b)
{
    struct wr_bucket *bk;

    if (x->direct) {
        bk = wr_hmap_get(x->direct, b->key, b->key_len);
        if (bk == NULL) {
            bk = wr_xmalloc(sizeof(*bk));
            TAILQ_INIT(&bk->list);
            wr_hmap_put(x->direct, b->key, b->key_len, bk);
        }
        TAILQ_INSERT_TAIL(&bk->list, b, key_link);
    } else if (x->topic) {
        wr_topic_add(x->topic, b->key, b->key_len, b);
    }
}

static void
wr_binding_unindex(struct wr_exchange *x, struct wr_binding *b)
{
    struct wr_bucket *bk;

    if (x->direct) {
        bk = wr_hmap_get(x->direct, b->key, b->key_len);
        if (bk == NULL)
            wr_panic("direct binding without bucket");
        TAILQ_REMOVE(&bk->list, b, key_link);
        if (TAILQ_EMPTY(&bk->list)) {
            wr_hmap_del(x->direct, b->key, b->key_len);
            free(bk);
        }
    } else if (x->topic) {
        wr_topic_remove(x->topic, b->key, b->key_len, b);
    }
}

int
wr_binding_add(struct wr_exchange *src, struct wr_queue *q, struct wr_exchange *xdest,
               struct wr_bytes key, struct wr_bytes args, char *err, size_t errcap)
{
    enum wr_xmatch xm = WR_XMATCH_ALL;
    struct wr_binding *b;

    if (src->o.type == WR_X_HEADERS && wr_headers_xmatch(args, &xm, err, errcap) < 0)
        return -1;
    if (wr_binding_find(src, q, xdest, key, args) != NULL)
        return 1;
    b = wr_xcalloc(1, sizeof(*b));
    b->src = src;
    b->q = q;
    b->xdest = xdest;
    b->key = wr_xstrndup((const char *)key.ptr, key.len);
    b->key_len = key.len;
    if (args.len) {
        b->args = wr_xmalloc(args.len);
        memcpy(b->args, args.ptr, args.len);
    }
    b->args_len = args.len;
    b->xmatch = xm;
    TAILQ_INSERT_TAIL(&src->bindings, b, src_link);
    TAILQ_INSERT_TAIL(q ? wr_queue_bindings(q) : &xdest->as_dest, b, dst_link);
    src->nbindings++;
    wr_binding_index(src, b);
    wr_defs_binding(src, q, xdest, key, args, true);
    return 0;
}

/* Unlinks and frees b without auto-delete side effects. */
static void
wr_binding_free(struct wr_binding *b)
{
    struct wr_exchange *src = b->src;

    wr_binding_unindex(src, b);
    TAILQ_REMOVE(&src->bindings, b, src_link);
    TAILQ_REMOVE(b->q ? wr_queue_bindings(b->q) : &b->xdest->as_dest, b, dst_link);
    src->nbindings--;
    free(b->key);
    free(b->args);
    free(b);
}

/* an auto-delete exchange goes once its last binding as source is removed. */
static void
wr_binding_drop(struct wr_binding *b)
{
    struct wr_exchange *src = b->src;

    wr_binding_free(b);
    if (src->o.auto_delete && src->nbindings == 0)
        wr_exchange_delete(src);
}

void
wr_binding_remove(struct wr_exchange *src, struct wr_queue *q, struct wr_exchange *xdest,
                  struct wr_bytes key, struct wr_bytes args)
{
    struct wr_binding *b = wr_binding_find(src, q, xdest, key, args);

    if (b == NULL)
        return;
    wr_defs_binding(src, q, xdest, key, args, false);
    wr_binding_drop(b);
}

void
wr_bindings_drop_dest(struct wr_binding_list *l)
{
    struct wr_binding *b;

    while ((b = TAILQ_FIRST(l)) != NULL)
        wr_binding_drop(b);
}

struct wr_route_ctx {
    struct wr_bytes rk, headers;
    struct wr_route *r;
    uint64_t xgen;  /* per routing key: e2e cycles terminate */
    uint64_t qgen;  /* per publish: each queue once */
    size_t matched; /* bindings the exchange being routed matched, queues or exchanges */
};

static void wr_route_from(struct wr_exchange *x, const struct wr_route_ctx *t);
static void wr_route_match(struct wr_exchange *x, struct wr_route_ctx *t);
static struct wr_exchange *wr_exchange_alternate(const struct wr_exchange *x);

static void
wr_route_add(struct wr_route *r, struct wr_queue *q, uint64_t qgen)
{
    if (!wr_queue_route_mark(q, qgen))
        return;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 8;
        r->qs = wr_xrealloc(r->qs, r->cap * sizeof(*r->qs));
    }
    r->qs[r->n++] = q;
}

static void
wr_route_binding(struct wr_binding *b, struct wr_route_ctx *t)
{
    t->matched++;
    if (b->q)
        wr_route_add(t->r, b->q, t->qgen);
    else
        wr_route_from(b->xdest, t);
}

static void
wr_route_topic_cb(void *dest, void *arg)
{
    wr_route_binding(dest, arg);
}

/* Each exchange reached, first or through an exchange-to-exchange binding, falls back to its
 * alternate exchange when none of its own bindings matched, as RabbitMQ's route does;
 * the alternate is then routed like any other exchange, so chains and loops need no more. */
static void
wr_route_from(struct wr_exchange *x, const struct wr_route_ctx *outer)
{
    struct wr_route_ctx t = *outer;
    struct wr_exchange *ae;

    if (x->route_mark == t.xgen)
        return; /* e2e cycles terminate */
    x->route_mark = t.xgen;
    t.matched = 0;
    wr_route_match(x, &t);
    if (t.matched == 0 && !x->is_default && (ae = wr_exchange_alternate(x)) != NULL)
        wr_route_from(ae, &t);
}

static void
wr_route_match(struct wr_exchange *x, struct wr_route_ctx *t)
{
    struct wr_binding *b;
    struct wr_bucket *bk;

    if (x->is_default) {
        struct wr_queue *q = wr_vhost_queue(x->vh, (const char *)t->rk.ptr, t->rk.len);
        if (q != NULL)
            wr_route_add(t->r, q, t->qgen);
        return;
    }
    switch (x->o.type) {
    case WR_X_DIRECT:
        bk = wr_hmap_get(x->direct, (const char *)t->rk.ptr, t->rk.len);
        if (bk != NULL) {
            TAILQ_FOREACH(b, &bk->list, key_link)
                wr_route_binding(b, t);
        }
        break;
    case WR_X_FANOUT:
        TAILQ_FOREACH(b, &x->bindings, src_link)
            wr_route_binding(b, t);
        break;
    case WR_X_TOPIC:
        wr_topic_match(x->topic, (const char *)t->rk.ptr, t->rk.len, wr_route_topic_cb, (void *)t);
        break;
    case WR_X_HEADERS:
        TAILQ_FOREACH(b, &x->bindings, src_link) {
            struct wr_bytes a = {b->args, b->args_len};
            if (wr_headers_match(a, b->xmatch, t->headers))
                wr_route_binding(b, t);
        }
        break;
    }
}

/* The alternate exchange named by the 'alternate-exchange' argument, if it exists. */
static struct wr_exchange *
wr_exchange_alternate(const struct wr_exchange *x)
{
    struct wr_fvalue v;
    const char *pol;

    /* the argument wins over a policy's alternate-exchange */
    if (wr_table_get(x->o.args, "alternate-exchange", &v) && v.type == 'S')
        return wr_vhost_exchange(x->vh, (const char *)v.v.s.ptr, v.v.s.len);
    pol = wr_policy_alternate(x);
    return pol ? wr_vhost_exchange(x->vh, pol, strlen(pol)) : NULL;
}

static void
wr_route_all(struct wr_exchange *x, const struct wr_bytes *keys, size_t nkeys,
             struct wr_bytes headers, struct wr_route *r, uint64_t qgen)
{
    for (size_t i = 0; i < nkeys; i++) {
        struct wr_route_ctx t = {keys[i], headers, r, ++wr_route_gen, qgen, 0};
        wr_route_from(x, &t);
    }
}

void
wr_exchange_route_keys(struct wr_exchange *x, const struct wr_bytes *keys, size_t nkeys,
                       struct wr_bytes headers, struct wr_route *r)
{
    wr_route_all(x, keys, nkeys, headers, r, ++wr_route_gen);
}

void
wr_exchange_route(struct wr_exchange *x, struct wr_bytes rk, struct wr_bytes headers,
                  struct wr_route *r)
{
    wr_exchange_route_keys(x, &rk, 1, headers, r);
}

void
wr_route_reset(struct wr_route *r)
{
    r->n = 0;
}

void
wr_route_free(struct wr_route *r)
{
    free(r->qs);
    r->qs = NULL;
    r->n = r->cap = 0;
}

void
wr_exchange_foreach_binding(struct wr_exchange *x, wr_binding_visit *cb, void *arg)
{
    struct wr_binding *b;

    TAILQ_FOREACH(b, &x->bindings, src_link) {
        struct wr_bytes key = {(const uint8_t *)b->key, (uint32_t)b->key_len};
        cb(x, b->q, b->xdest, key, (struct wr_bytes){b->args, b->args_len}, arg);
    }
}
