/* SPDX-License-Identifier: MPL-2.0 */
/* Messages through the API: POST /api/exchanges/{vh}/{x}/publish and /api/queues/{vh}/{q}/get.
 * RabbitMQ runs them as basic.publish and basic.get on an internal channel, so a channel error
 * comes back as 400 with the whole "CODE NAME - text". Publishing goes through the exchange's
 * routing and wr_queue_push, so policies, limits and persistence apply as for clients. */
#include "amqp/props.h"
#include "server/broker.h"
#include "server/exchange.h"
#include "server/json_table.h"
#include "server/mem.h"
#include "server/mgmt_internal.h"
#include "server/msg.h"
#include "server/queue.h"
#include "server/settings.h"
#include "server/user.h"
#include "server/vhost.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Replies 400 listing the missing keys as RabbitMQ's Erlang term does; false when some are. */
static bool
mgmt_require(struct mgmt_req *r, const char *const *keys)
{
    char one[400] = "[", many[400] = "[";
    bool missing = false;

    for (; *keys != NULL; keys++) {
        if (json_object_get(r->body, *keys) != NULL)
            continue;
        snprintf(one + strlen(one), sizeof(one) - strlen(one), "%s{key_missing,%s}",
                 missing ? "," : "", *keys);
        snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s{key_missing,%s}",
                 missing ? ",\n " : "", *keys);
        missing = true;
    }
    if (!missing)
        return true;
    strcat(one, "]");
    strcat(many, "]");
    mgmt_bad_request(r, strlen(one) > 80 ? many : one); /* Erlang's ~p breaks long lines */
    return false;
}

static void
mgmt_bad_term(struct mgmt_req *r, const char *what, json_t *v)
{
    mgmt_reply_json(r, 400,
                    json_pack("{s:s, s:[s, o]}", "error", "bad_request", "reason", what, v));
}

/* ---- properties --------------------------------------------------------------------------- */

enum { P_STR, P_U8, P_U64, P_TABLE };

/* The basic properties in the protocol's order; the API shows them in the reverse order. */
static const struct mgmt_prop {
    const char *name;
    uint16_t flag;
    int kind;
    size_t off;
} mgmt_props[] = {
        {"content_type", WR_P_CONTENT_TYPE, P_STR, offsetof(struct wr_props, content_type)},
        {"content_encoding", WR_P_CONTENT_ENCODING, P_STR,
         offsetof(struct wr_props, content_encoding)},
        {"headers", WR_P_HEADERS, P_TABLE, offsetof(struct wr_props, headers)},
        {"delivery_mode", WR_P_DELIVERY_MODE, P_U8, offsetof(struct wr_props, delivery_mode)},
        {"priority", WR_P_PRIORITY, P_U8, offsetof(struct wr_props, priority)},
        {"correlation_id", WR_P_CORRELATION_ID, P_STR, offsetof(struct wr_props, correlation_id)},
        {"reply_to", WR_P_REPLY_TO, P_STR, offsetof(struct wr_props, reply_to)},
        {"expiration", WR_P_EXPIRATION, P_STR, offsetof(struct wr_props, expiration)},
        {"message_id", WR_P_MESSAGE_ID, P_STR, offsetof(struct wr_props, message_id)},
        {"timestamp", WR_P_TIMESTAMP, P_U64, offsetof(struct wr_props, timestamp)},
        {"type", WR_P_TYPE, P_STR, offsetof(struct wr_props, type)},
        {"user_id", WR_P_USER_ID, P_STR, offsetof(struct wr_props, user_id)},
        {"app_id", WR_P_APP_ID, P_STR, offsetof(struct wr_props, app_id)},
        {"cluster_id", WR_P_CLUSTER_ID, P_STR, offsetof(struct wr_props, cluster_id)},
};
#define MGMT_NPROPS (sizeof(mgmt_props) / sizeof(mgmt_props[0]))

/* Fills p from the JSON object (views into it, headers into h); false after replying 400. */
static bool
mgmt_props_from_json(struct mgmt_req *r, json_t *obj, struct wr_props *p, struct wr_tbuf *h)
{
    memset(p, 0, sizeof(*p));
    for (size_t i = 0; i < MGMT_NPROPS; i++) {
        const struct mgmt_prop *d = &mgmt_props[i];
        json_t *v = json_object_get(obj, d->name);
        char *f = (char *)p + d->off;

        if (v == NULL)
            continue;
        if (d->kind == P_STR && json_is_string(v)) {
            *(struct wr_bytes *)f = (struct wr_bytes){(const uint8_t *)json_string_value(v),
                                                      (uint32_t)json_string_length(v)};
        } else if (d->kind == P_U8 && json_is_integer(v)) {
            *(uint8_t *)f = (uint8_t)json_integer_value(v);
        } else if (d->kind == P_U64 && json_is_integer(v)) {
            *(uint64_t *)f = (uint64_t)json_integer_value(v);
        } else if (d->kind == P_TABLE && wr_json_to_table(v, h) == 0) {
            *(struct wr_bytes *)f = wr_tbuf_bytes(h);
        } else {
            mgmt_bad_term(r, d->kind == P_STR ? "not_string" : "not_int", json_string(d->name));
            return false;
        }
        p->flags |= d->flag;
    }
    return true;
}

/* An empty property list is an Erlang [] in RabbitMQ's answer, hence an array. */
static json_t *
mgmt_props_to_json(const struct wr_msg *m)
{
    struct wr_props p;
    json_t *o;

    if (m->props_len == 0 || wr_props_decode(m->props, m->props_len, &p) < 0 || p.flags == 0)
        return json_array();
    o = json_object();
    for (size_t i = MGMT_NPROPS; i-- > 0;) {
        const struct mgmt_prop *d = &mgmt_props[i];
        const char *f = (const char *)&p + d->off;
        const struct wr_bytes *s = (const struct wr_bytes *)f;

        if (!(p.flags & d->flag))
            continue;
        if (d->kind == P_STR)
            json_object_set_new(o, d->name, json_stringn((const char *)s->ptr, s->len));
        else if (d->kind == P_U8)
            json_object_set_new(o, d->name, json_integer(*(const uint8_t *)f));
        else if (d->kind == P_U64)
            json_object_set_new(o, d->name, json_integer((json_int_t) * (const uint64_t *)f));
        else
            json_object_set_new(o, d->name, wr_json_from_table(*s));
    }
    return o;
}

/* ---- publish ------------------------------------------------------------------------------ */

/* The body bytes (malloc'ed, to free) from payload and payload_encoding; NULL after a 400. */
static uint8_t *
mgmt_payload(struct mgmt_req *r, size_t *len)
{
    json_t *pl = json_object_get(r->body, "payload");
    json_t *enc = json_object_get(r->body, "payload_encoding");
    const char *e = json_is_string(enc) ? json_string_value(enc) : "";
    size_t n = json_string_length(pl);
    uint8_t *out;
    int dn, pad;

    if (!json_is_string(pl)) {
        mgmt_bad_request(r, "payload_not_string");
        return NULL;
    }
    out = wr_xmalloc(n + 1);
    if (strcmp(e, "string") == 0) {
        memcpy(out, json_string_value(pl), n);
        *len = n;
        return out;
    }
    pad = (n > 0 && json_string_value(pl)[n - 1] == '=') +
          (n > 1 && json_string_value(pl)[n - 2] == '=');
    dn = strcmp(e, "base64") == 0 && n % 4 == 0
                 ? EVP_DecodeBlock(out, (const unsigned char *)json_string_value(pl), (int)n)
                 : -1;
    if (dn < pad) {
        free(out);
        mgmt_bad_term(r, strcmp(e, "base64") == 0 ? "not_base64" : "unsupported_encoding",
                      json_incref(strcmp(e, "base64") == 0 ? pl : enc));
        return NULL;
    }
    *len = (size_t)(dn - pad); /* EVP_DecodeBlock counts the padding as data */
    return out;
}

/* ERR-22's rule: a non-negative decimal integer. -1 with RabbitMQ's text in buf otherwise. */
static int
mgmt_expiration(struct wr_bytes e, int64_t *ms, char *buf, size_t cap)
{
    char num[256], *end;
    long long v;
    bool integer;

    snprintf(num, sizeof(num), "%.*s", (int)e.len, (const char *)e.ptr);
    errno = 0;
    v = strtoll(num, &end, 10);
    integer = num[0] != '\0' && *end == '\0' && errno == 0 && num[0] != '+' && num[0] != ' ';
    if (integer && v >= 0) {
        *ms = v;
        return 0;
    }
    if (!integer)
        snprintf(buf, cap, "406 PRECONDITION_FAILED - invalid expiration '%s': no_integer", num);
    else
        snprintf(buf, cap,
                 "406 PRECONDITION_FAILED - invalid expiration '%s': {value_negative,%lld}", num,
                 v);
    return -1;
}

/* The checks basic.publish makes once the content is complete, in RabbitMQ's words. */
static bool
mgmt_publish_checks(struct mgmt_req *r, const struct wr_props *p, size_t len, int64_t *exp_ms)
{
    uint64_t max = wr_broker_config(r->b)->max_message_size;
    const char *user = wr_user_name(r->user);
    char buf[600];

    *exp_ms = -1;
    if (len > max)
        snprintf(buf, sizeof(buf),
                 "406 PRECONDITION_FAILED - message size %zu is larger than max size %llu", len,
                 (unsigned long long)max);
    else if ((p->flags & WR_P_USER_ID) && !wr_bytes_eq_str(p->user_id, user))
        snprintf(buf, sizeof(buf),
                 "406 PRECONDITION_FAILED - user_id property set to '%.*s' but authenticated "
                 "user was '%s'",
                 (int)p->user_id.len, (const char *)p->user_id.ptr, user);
    else if (!(p->flags & WR_P_EXPIRATION) ||
             mgmt_expiration(p->expiration, exp_ms, buf, sizeof(buf)) == 0)
        return true;
    mgmt_bad_request(r, buf);
    return false;
}

/* Builds the message and routes it from x; true when some queue took it. */
static bool
mgmt_route_msg(struct wr_exchange *x, const char *rk, const struct wr_props *p, const uint8_t *raw,
               size_t rawlen, const uint8_t *body, size_t len, int64_t exp_ms)
{
    struct wr_msg *m = wr_msg_new(wr_exchange_name(x), wr_exchange_name_len(x), rk, strlen(rk), raw,
                                  rawlen, len);
    struct wr_route route = {0};
    bool routed;

    if (m == NULL)
        return false;
    memcpy(m->body, body, len);
    m->received = len;
    m->prop_flags = p->flags;
    m->delivery_mode = (p->flags & WR_P_DELIVERY_MODE) ? p->delivery_mode : 0;
    m->priority = (p->flags & WR_P_PRIORITY) ? p->priority : 0;
    m->expiration_ms = exp_ms;
    wr_exchange_route(x, wr_bytes_str(rk), p->headers, &route);
    routed = route.n > 0;
    for (size_t i = 0; i < route.n; i++)
        wr_queue_push(route.qs[i], m);
    wr_route_free(&route);
    wr_msg_unref(m);
    return routed;
}

/* The message part of a publish, once the exchange is known. */
static void
mgmt_publish_to(struct mgmt_req *r, struct wr_exchange *x, const char *rk)
{
    struct wr_props p;
    struct wr_tbuf h;
    uint8_t *body = NULL, *raw = NULL;
    size_t len = 0, rawlen;
    int64_t exp_ms;
    bool routed;

    wr_tbuf_init(&h);
    if (!mgmt_props_from_json(r, json_object_get(r->body, "properties"), &p, &h) ||
        (body = mgmt_payload(r, &len)) == NULL || !mgmt_publish_checks(r, &p, len, &exp_ms))
        goto out;
    rawlen = wr_props_encoded_size(&p);
    raw = wr_xmalloc(rawlen + 1);
    if (rawlen == 0 || wr_props_encode(&p, raw, rawlen) < 0) {
        mgmt_bad_request(r, "properties too long");
        goto out;
    }
    routed = mgmt_route_msg(x, rk, &p, raw, rawlen, body, len, exp_ms);
    mgmt_reply_json(r, 200, json_pack("{s:b}", "routed", routed));
out:
    free(raw);
    free(body);
    wr_tbuf_free(&h);
}

void
mgmt_api_exchange_publish(struct mgmt_req *r)
{
    static const char *const keys[] = {"routing_key", "properties", "payload", "payload_encoding",
                                       NULL};
    const char *xn = strcmp(r->arg[1], "amq.default") == 0 ? "" : r->arg[1];
    struct wr_vhost *vh = wr_broker_vhost(r->b, r->arg[0], strlen(r->arg[0]));
    json_t *rk = json_object_get(r->body, "routing_key");
    struct wr_exchange *x;
    char err[600];

    if (!mgmt_perm(r, r->arg[0], WR_PERM_WRITE, r->arg[1]) || !mgmt_require(r, keys))
        return;
    if (!json_is_string(rk) || json_string_length(rk) > 255 ||
        !json_is_object(json_object_get(r->body, "properties"))) {
        mgmt_bad_request(r, "routing_key must be a string, properties an object");
        return;
    }
    x = vh ? wr_vhost_exchange(vh, xn, strlen(xn)) : NULL;
    if (x == NULL || wr_exchange_opts(x)->internal) {
        snprintf(err, sizeof(err),
                 x ? "403 ACCESS_REFUSED - cannot publish to internal exchange "
                     "'%s' in vhost '%s'"
                   : "404 NOT_FOUND - no exchange '%s' in vhost '%s'",
                 xn, r->arg[0]);
        mgmt_bad_request(r, err);
        return;
    }
    mgmt_publish_to(r, x, json_string_value(rk));
}

/* ---- get ---------------------------------------------------------------------------------- */

enum mgmt_ackmode { MGMT_ACK_REQUEUE, MGMT_ACK, MGMT_REJECT_REQUEUE, MGMT_REJECT };

static const char *const mgmt_ackmodes[] = {"ack_requeue_true", "ack_requeue_false",
                                            "reject_requeue_true", "reject_requeue_false"};

/* auto shows the payload as a string when it is valid UTF-8, as RabbitMQ does. */
static json_t *
mgmt_json_msg(const struct wr_queue *q, const struct wr_qentry *e, const struct wr_msg *m, bool b64,
              json_int_t truncate)
{
    size_t n = truncate >= 0 && (uint64_t)truncate < m->body_size ? (size_t)truncate
                                                                  : (size_t)m->body_size;
    json_t *payload = b64 ? NULL : json_stringn((const char *)m->body, n);
    const char *enc = "string";

    if (payload == NULL) {
        char *s = wr_xmalloc(4 * ((n + 2) / 3) + 1);
        EVP_EncodeBlock((unsigned char *)s, m->body, (int)n);
        payload = json_string(s);
        free(s);
        enc = "base64";
    }
    return json_pack("{s:I, s:b, s:s%, s:s%, s:i, s:o, s:o, s:s}", "payload_bytes",
                     (json_int_t)m->body_size, "redelivered", e->redelivered, "exchange",
                     m->exchange, (size_t)m->exchange_len, "routing_key", m->rk, (size_t)m->rk_len,
                     "message_count", wr_queue_ready(q), "properties", mgmt_props_to_json(m),
                     "payload", payload, "payload_encoding", enc);
}

static void
mgmt_settle(struct wr_queue *q, struct wr_qentry *e, enum mgmt_ackmode mode)
{
    if (mode == MGMT_ACK)
        wr_queue_ack(q, e);
    else if (mode == MGMT_REJECT)
        wr_queue_reject(q, e);
    else
        wr_queue_requeue(q, e);
}

/* Takes up to count messages first and settles them after, as RabbitMQ's basic.gets on one
 * channel followed by its close: a requeued message is not fetched twice. */
static json_t *
mgmt_get_msgs(struct wr_queue *q, json_int_t count, enum mgmt_ackmode mode, bool b64,
              json_int_t truncate)
{
    struct wr_qentry **got;
    json_t *arr = json_array();
    json_int_t n = 0;

    if (count > wr_queue_ready(q))
        count = wr_queue_ready(q);
    got = wr_xcalloc(count > 0 ? (size_t)count + 1 : 1, sizeof(*got));
    wr_queue_touch(q);
    while (n < count && (got[n] = wr_queue_get(q)) != NULL) {
        struct wr_msg *out = wr_queue_delivery_msg(q, got[n]);
        json_array_append_new(arr,
                              mgmt_json_msg(q, got[n], out ? out : got[n]->msg, b64, truncate));
        if (out)
            wr_msg_unref(out);
        n++;
    }
    for (json_int_t i = 0; i < n; i++)
        mgmt_settle(q, got[i], mode);
    free(got);
    return arr;
}

/* The body's ackmode, encoding and integers; false after replying 400. */
static bool
mgmt_get_opts(struct mgmt_req *r, json_int_t *count, int *mode, bool *b64, json_int_t *trunc)
{
    static const char *const keys[] = {"ackmode", "count", "encoding", NULL};
    json_t *c = json_object_get(r->body, "count"), *t = json_object_get(r->body, "truncate");
    const char *am = json_string_value(json_object_get(r->body, "ackmode"));
    const char *enc = json_string_value(json_object_get(r->body, "encoding"));

    if (!mgmt_require(r, keys))
        return false;
    if (!json_is_integer(c) || (t != NULL && !json_is_integer(t))) {
        mgmt_bad_term(r, "not_integer", json_incref(json_is_integer(c) ? t : c));
        return false;
    }
    *count = json_integer_value(c);
    *trunc = t ? json_integer_value(t) : -1;
    *mode = -1;
    for (int i = 0; i < 4; i++)
        if (am != NULL && strcmp(am, mgmt_ackmodes[i]) == 0)
            *mode = i;
    if (enc == NULL || (strcmp(enc, "auto") != 0 && strcmp(enc, "base64") != 0)) {
        mgmt_bad_request(r, "Unsupported encoding. Please use auto or base64.");
        return false;
    }
    *b64 = strcmp(enc, "base64") == 0;
    if (*mode < 0)
        mgmt_bad_request(r, "Unsupported ackmode.");
    return *mode >= 0;
}

void
mgmt_api_queue_get_msgs(struct mgmt_req *r)
{
    struct wr_vhost *vh = wr_broker_vhost(r->b, r->arg[0], strlen(r->arg[0]));
    struct wr_queue *q;
    json_int_t count, trunc;
    bool b64;
    int mode;
    char err[600];

    if (!mgmt_perm(r, r->arg[0], WR_PERM_READ, r->arg[1]) ||
        !mgmt_get_opts(r, &count, &mode, &b64, &trunc))
        return;
    q = vh ? wr_vhost_queue(vh, r->arg[1], strlen(r->arg[1])) : NULL;
    if (q == NULL) {
        snprintf(err, sizeof(err), "NOT_FOUND - no queue '%s' in vhost '%s'", r->arg[1], r->arg[0]);
        mgmt_reply_error(r, 404, "not_found", err);
        return;
    }
    if (wr_queue_params(q)->type == WR_QT_STREAM) {
        snprintf(err, sizeof(err),
                 "540 NOT_IMPLEMENTED - basic.get not supported by stream "
                 "queues queue '%s' in vhost '%s'",
                 r->arg[1], r->arg[0]);
        mgmt_bad_request(r, err);
        return;
    }
    mgmt_reply_json(r, 200, mgmt_get_msgs(q, count, mode, b64, trunc));
}
