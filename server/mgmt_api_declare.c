/* SPDX-License-Identifier: MPL-2.0 */
/* Declarations through the API: PUT /api/queues/{vh}/{q}, PUT and DELETE
 * /api/exchanges/{vh}/{x}. RabbitMQ runs these as AMQP methods on an internal channel, so the
 * checks and texts are queue.declare's and exchange.declare's: a channel error becomes 400
 * bad_request with the text after "NAME - ", a refused permission 401 "Access refused.". */
#include "amqp/table.h"
#include "server/broker.h"
#include "server/exchange.h"
#include "server/hmap.h"
#include "server/json_table.h"
#include "server/mgmt_internal.h"
#include "server/queue.h"
#include "server/queue_args.h"
#include "server/vhost.h"

#include <stdio.h>
#include <string.h>

/* Reads an optional boolean member; false after replying 400 ["not_boolean", value]. */
static bool
mgmt_body_bool(struct mgmt_req *r, const char *key, bool *out)
{
    json_t *v = json_object_get(r->body, key);

    *out = false;
    if (v == NULL || json_is_boolean(v)) {
        *out = json_is_true(v);
        return true;
    }
    mgmt_reply_json(
            r, 400,
            json_pack("{s:s, s:[s, O]}", "error", "bad_request", "reason", "not_boolean", v));
    return false;
}

/* The "arguments" member as an AMQP table in b; false after replying 400. */
bool
mgmt_body_args(struct mgmt_req *r, struct wr_tbuf *b)
{
    json_t *a = json_object_get(r->body, "arguments");

    wr_tbuf_init(b);
    if (a == NULL || wr_json_to_table(a, b) == 0)
        return true;
    wr_tbuf_free(b);
    mgmt_bad_request(r, "arguments must be an object of AMQP values");
    return false;
}

static bool
mgmt_reserved(const char *name)
{
    return strncmp(name, "amq.", 4) == 0;
}

/* ---- queues ------------------------------------------------------------------------------- */

static int
mgmt_queue_equiv(const struct wr_queue *q, bool durable, bool auto_delete, struct wr_bytes args,
                 char *err, size_t cap)
{
    const struct wr_queue_opts *o = wr_queue_opts(q);
    const char *n = wr_queue_name(q), *vh = wr_vhost_name(wr_queue_vhost(q));
    const char *what = o->durable != durable ? "durable" : "auto_delete";
    bool got = o->durable != durable ? durable : auto_delete;

    if (o->durable != durable || o->auto_delete != auto_delete) {
        snprintf(err, cap,
                 "inequivalent arg '%s' for queue '%s' in vhost '%s': received '%s' but current "
                 "is '%s'",
                 what, n, vh, got ? "true" : "false", got ? "false" : "true");
        return -1;
    }
    return wr_queue_args_equivalent(args, o->args, n, vh, err, cap);
}

static int
mgmt_queue_create(struct wr_vhost *vh, const char *name, const struct wr_queue_opts *o, char *err,
                  size_t cap)
{
    const char *v = wr_vhost_name(vh);
    struct wr_broker *b = wr_vhost_broker(vh);
    struct wr_queue_opts qo = *o;

    if (wr_queue_args_validate(o->args, name, v, err, cap) < 0 ||
        wr_queue_type_check(o->args, o->durable, false, o->auto_delete, false, name, v, err, cap) <
                0)
        return -1;
    if (wr_vhost_max_queues(vh) >= 0 &&
        wr_hmap_count(wr_vhost_queues(vh)) >= (uint64_t)wr_vhost_max_queues(vh)) {
        snprintf(err, cap, "cannot declare queue '%s': queue limit in vhost '%s' (%lld) is reached",
                 name, v, (long long)wr_vhost_max_queues(vh));
        return -1;
    }
    if (qo.durable && wr_broker_persist(b) != NULL)
        qo.qid = wr_broker_next_qid(b);
    wr_queue_new(vh, name, strlen(name), &qo);
    return 0;
}

/* 201 when created, 204 when an equivalent queue exists (exclusive is ignored, as RabbitMQ's
 * API does). */
void
mgmt_api_queue_put(struct mgmt_req *r)
{
    struct wr_vhost *vh = mgmt_vhost_write_arg(r, 0);
    const char *name = r->arg[1];
    struct wr_queue_opts o = {0};
    struct wr_queue *q;
    struct wr_tbuf args;
    char err[600];
    int rc;

    if (vh == NULL || !mgmt_body_bool(r, "durable", &o.durable) ||
        !mgmt_body_bool(r, "auto_delete", &o.auto_delete) ||
        !mgmt_perm(r, r->arg[0], WR_PERM_CONFIGURE, name) || !mgmt_body_args(r, &args))
        return;
    o.args = wr_tbuf_bytes(&args);
    q = wr_vhost_queue(vh, name, strlen(name));
    if (q == NULL && mgmt_reserved(name)) {
        wr_tbuf_free(&args);
        mgmt_reply_error(r, 401, "not_authorised", "Access refused.");
        return;
    }
    rc = q ? mgmt_queue_equiv(q, o.durable, o.auto_delete, o.args, err, sizeof(err))
           : mgmt_queue_create(vh, name, &o, err, sizeof(err));
    wr_tbuf_free(&args);
    if (rc < 0)
        mgmt_bad_request(r, err);
    else
        mgmt_reply_empty(r, q ? 204 : 201);
}

/* ---- exchanges ---------------------------------------------------------------------------- */

/* exchange.declare compares the flags and the alternate exchange only. */
static int
mgmt_exchange_equiv(const struct wr_exchange *x, const struct wr_exchange_opts *o, char *err,
                    size_t cap)
{
    const struct wr_exchange_opts *c = wr_exchange_opts(x);
    static const char *const names[] = {"durable", "auto_delete", "internal"};
    const bool got[] = {o->durable, o->auto_delete, o->internal};
    const bool cur[] = {c->durable, c->auto_delete, c->internal};
    const char *n = wr_exchange_name(x), *vh = wr_vhost_name(wr_exchange_vhost(x));
    struct wr_fvalue a, b;
    bool ha, hb;

    if (o->type != c->type)
        return snprintf(err, cap,
                        "inequivalent arg 'type' for exchange '%s' in vhost '%s': received '%s' "
                        "but current is '%s'",
                        n, vh, wr_xtype_name(o->type), wr_xtype_name(c->type)),
               -1;
    for (int i = 0; i < 3; i++)
        if (got[i] != cur[i])
            return snprintf(err, cap,
                            "inequivalent arg '%s' for exchange '%s' in vhost '%s': received "
                            "'%s' but current is '%s'",
                            names[i], n, vh, got[i] ? "true" : "false", cur[i] ? "true" : "false"),
                   -1;
    ha = wr_table_get(o->args, "alternate-exchange", &a);
    hb = wr_table_get(c->args, "alternate-exchange", &b);
    if (ha != hb || (ha && !wr_fvalue_equal(&a, &b)))
        return snprintf(err, cap,
                        "inequivalent arg 'alternate-exchange' for exchange '%s' in vhost '%s'", n,
                        vh),
               -1;
    return 0;
}

static bool
mgmt_exchange_opts(struct mgmt_req *r, struct wr_exchange_opts *o)
{
    json_t *t = json_object_get(r->body, "type");
    const char *type = json_is_string(t) ? json_string_value(t) : "direct";
    char err[300];

    if (!mgmt_body_bool(r, "durable", &o->durable) ||
        !mgmt_body_bool(r, "auto_delete", &o->auto_delete) ||
        !mgmt_body_bool(r, "internal", &o->internal))
        return false;
    if (wr_xtype_parse(type, strlen(type), &o->type) == 0)
        return true;
    snprintf(err, sizeof(err), "unknown exchange type '%s'", type);
    mgmt_bad_request(r, err);
    return false;
}

void
mgmt_api_exchange_put(struct mgmt_req *r)
{
    struct wr_vhost *vh = mgmt_vhost_write_arg(r, 0);
    const char *name = r->arg[1];
    struct wr_exchange_opts o = {0};
    struct wr_exchange *x;
    struct wr_tbuf args;
    char err[600];

    if (vh == NULL || !mgmt_exchange_opts(r, &o) ||
        !mgmt_perm(r, r->arg[0], WR_PERM_CONFIGURE, name) || !mgmt_body_args(r, &args))
        return;
    o.args = wr_tbuf_bytes(&args);
    x = strcmp(name, "amq.default") == 0 ? NULL : wr_vhost_exchange(vh, name, strlen(name));
    if (x == NULL && mgmt_reserved(name)) {
        mgmt_reply_error(r, 401, "not_authorised", "Access refused.");
    } else if (x == NULL) {
        wr_exchange_new(vh, name, strlen(name), &o);
        mgmt_reply_empty(r, 201);
    } else if (mgmt_exchange_equiv(x, &o, err, sizeof(err)) < 0) {
        mgmt_bad_request(r, err);
    } else {
        mgmt_reply_empty(r, 204);
    }
    wr_tbuf_free(&args);
}

/* ?if-unused=true refuses an exchange that is a binding's source or destination. */
void
mgmt_api_exchange_delete(struct mgmt_req *r)
{
    struct wr_vhost *vh = mgmt_vhost_arg(r, 0);
    const char *name = r->arg[1];
    struct wr_exchange *x;

    if (vh == NULL)
        return;
    if (mgmt_reserved(name)) {
        mgmt_reply_error(r, 401, "not_authorised", "Access refused.");
        return;
    }
    if ((x = wr_vhost_exchange(vh, name, strlen(name))) == NULL) {
        mgmt_not_found(r);
        return;
    }
    if (!mgmt_perm(r, r->arg[0], WR_PERM_CONFIGURE, name))
        return;
    if (mgmt_query_true(r, "if-unused") && wr_exchange_in_use(x)) {
        char err[600];
        snprintf(err, sizeof(err), "exchange '%s' in vhost '%s' in use", name, r->arg[0]);
        mgmt_bad_request(r, err);
        return;
    }
    wr_exchange_delete(x);
    mgmt_reply_empty(r, 204);
}
