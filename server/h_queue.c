/* SPDX-License-Identifier: MPL-2.0 */
/* Queue class: declare, bind, unbind, purge, delete (Q-01..Q-12, M-05..M-09). */
#include "server/conn_internal.h"

#include "amqp/table.h"
#include "server/broker.h"
#include "server/hmap.h"
#include "server/mem.h"
#include "server/perm.h"
#include "server/queue_args.h"
#include "server/vhost.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#define NAMEF    "%.*s"
#define NAMEA(b) (int)(b).len, (const char *)(b).ptr

static const char *
wr_vh(struct wr_channel *ch)
{
    return wr_vhost_name(ch->conn->vh);
}

/* amq.gen- followed by 22 base64url characters of 128 random bits. */
static void
wr_queue_gen_name(char out[32])
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    uint8_t r[16];
    uint32_t acc = 0;
    int bits = 0, n = 8;

    RAND_bytes(r, sizeof(r));
    memcpy(out, "amq.gen-", 8);
    for (int i = 0; i < 16; i++) {
        acc = (acc << 8) | r[i];
        bits += 8;
        while (bits >= 6) {
            out[n++] = b64[(acc >> (bits - 6)) & 63];
            bits -= 6;
        }
    }
    out[n++] = b64[(acc << (6 - bits)) & 63];
    out[n] = '\0';
}

/* The empty name means the channel's last declared queue (ERR-09). */
static int
wr_queue_name_arg(struct wr_channel *ch, struct wr_bytes in, struct wr_bytes *out)
{
    if (in.len > 0) {
        *out = in;
        return 0;
    }
    if (ch->last_queue[0] == '\0')
        return wr_chan_fail(ch, WR_NOT_FOUND, "no previously declared queue");
    *out = wr_bytes_str(ch->last_queue);
    return 0;
}

static int
wr_locked_fail(struct wr_channel *ch, struct wr_queue *q)
{
    return wr_chan_fail(ch, WR_RESOURCE_LOCKED,
                        "cannot obtain exclusive access to locked queue '%s' in vhost '%s'. It "
                        "could be originally declared on another connection or the exclusive "
                        "property value does not match that of the original declaration.",
                        wr_queue_name(q), wr_vh(ch));
}

static int
wr_exclusive_check(struct wr_channel *ch, struct wr_queue *q)
{
    struct wr_conn *owner = wr_queue_opts(q)->owner;

    if (owner == NULL || owner == ch->conn)
        return 0;
    return wr_locked_fail(ch, q);
}

/* Looks a queue up for bind/purge/get/consume/delete: 404 when missing, 405 when locked. */
static int
wr_queue_lookup(struct wr_channel *ch, struct wr_bytes name, struct wr_queue **out)
{
    struct wr_queue *q = wr_vhost_queue(ch->conn->vh, (const char *)name.ptr, name.len);

    if (q == NULL)
        return wr_chan_fail(ch, WR_NOT_FOUND, "no queue '" NAMEF "' in vhost '%s'", NAMEA(name),
                            wr_vh(ch));
    if (wr_exclusive_check(ch, q) < 0)
        return WR_EXC;
    *out = q;
    return 0;
}

static int
wr_declare_ok(struct wr_channel *ch, struct wr_queue *q, bool no_wait)
{
    const char *name = wr_queue_name(q);
    struct wr_m_queue_declare_ok ok = {
            .queue = {(const uint8_t *)name, (uint32_t)wr_queue_name_len(q)},
            .message_count = wr_queue_ready(q),
            .consumer_count = wr_queue_consumer_count(q)};

    snprintf(ch->last_queue, sizeof(ch->last_queue), "%s", name);
    if (no_wait)
        return 0;
    return wr_conn_send(ch->conn, ch->id, WR_M_QUEUE_DECLARE_OK, &ok) < 0 ? WR_EXC : 0;
}

static const char *
wr_bool_str(bool b)
{
    return b ? "true" : "false";
}

static int
wr_queue_equiv(struct wr_channel *ch, const struct wr_m_queue_declare *m, struct wr_queue *q)
{
    const struct wr_queue_opts *o = wr_queue_opts(q);
    const char *n = wr_queue_name(q);
    char err[600];

    /* exclusive ownership first, as rabbit_amqqueue:assert_equivalence does (strict) */
    if (wr_exclusive_check(ch, q) < 0)
        return WR_EXC;
    if ((o->owner != NULL) != m->exclusive)
        return wr_locked_fail(ch, q);
    if (o->durable != m->durable)
        return wr_chan_fail(ch, WR_PRECONDITION_FAILED,
                            "inequivalent arg 'durable' for queue '%s' in vhost '%s': received "
                            "'%s' but current is '%s'",
                            n, wr_vh(ch), wr_bool_str(m->durable), wr_bool_str(o->durable));
    if (o->auto_delete != m->auto_delete)
        return wr_chan_fail(ch, WR_PRECONDITION_FAILED,
                            "inequivalent arg 'auto_delete' for queue '%s' in vhost '%s': "
                            "received '%s' but current is '%s'",
                            n, wr_vh(ch), wr_bool_str(m->auto_delete), wr_bool_str(o->auto_delete));
    if (wr_queue_args_equivalent(m->arguments, o->args, n, wr_vh(ch), err, sizeof(err)) < 0)
        return wr_chan_fail(ch, WR_PRECONDITION_FAILED, "%s", err);
    return 0;
}

/* D-01: declaring with a dead-letter exchange needs read on the queue and write on the DLX. */
static int
wr_queue_dlx_perms(struct wr_channel *ch, struct wr_bytes name, struct wr_bytes args)
{
    struct wr_fvalue dlx;

    if (!wr_table_get(args, "x-dead-letter-exchange", &dlx) || dlx.type != 'S')
        return 0;
    if (wr_perm_queue(ch, WR_PERM_READ, name) < 0 ||
        wr_perm_exchange(ch, WR_PERM_WRITE, dlx.v.s) < 0)
        return WR_EXC;
    return 0;
}

static int
wr_queue_declare(struct wr_channel *ch, const struct wr_m_queue_declare *m)
{
    struct wr_vhost *vh = ch->conn->vh;
    struct wr_bytes name = m->queue;
    struct wr_queue *q;
    char gen[32], cname[256], err[600];

    if (m->passive) {
        int alive = wr_reply_is_pseudo(m->queue) ? 1 : wr_reply_declare(ch, m->queue);
        if (alive == 1) {
            struct wr_m_queue_declare_ok ok = {.queue = m->queue, .consumer_count = 1};
            return m->no_wait ? 0 : wr_conn_send(ch->conn, ch->id, WR_M_QUEUE_DECLARE_OK, &ok);
        }
        if (alive == 0)
            return wr_chan_fail(ch, WR_NOT_FOUND, "no queue '" NAMEF "' in vhost '%s'",
                                NAMEA(m->queue), wr_vh(ch));
        if (wr_queue_name_arg(ch, m->queue, &name) < 0 || wr_queue_lookup(ch, name, &q) < 0)
            return WR_EXC;
        wr_queue_touch(q);
        return wr_declare_ok(ch, q, m->no_wait);
    }
    if (name.len == 0) {
        wr_queue_gen_name(gen);
        name = wr_bytes_str(gen); /* permissions apply to the generated name */
    }
    if (wr_perm_queue(ch, WR_PERM_CONFIGURE, name) < 0)
        return WR_EXC;
    q = wr_vhost_queue(vh, (const char *)name.ptr, name.len);
    if (q != NULL) {
        if (wr_queue_equiv(ch, m, q) < 0)
            return WR_EXC;
        wr_queue_touch(q); /* a redeclare renews the x-expires lease (T-03) */
        return wr_declare_ok(ch, q, m->no_wait);
    }
    if (name.len >= 4 && memcmp(name.ptr, "amq.", 4) == 0 && m->queue.len > 0)
        return wr_chan_fail(ch, WR_ACCESS_REFUSED,
                            "queue name '" NAMEF "' contains reserved prefix 'amq.*'", NAMEA(name));
    if (wr_table_validate(m->arguments) != 0)
        return wr_conn_fail(ch->conn, WR_FRAME_ERROR, "cannot decode arguments");
    snprintf(cname, sizeof(cname), NAMEF, NAMEA(name));
    if (wr_queue_args_validate(m->arguments, cname, wr_vh(ch), err, sizeof(err)) < 0 ||
        wr_queue_type_check(m->arguments, m->durable, m->exclusive, m->auto_delete,
                            m->queue.len == 0, cname, wr_vh(ch), err, sizeof(err)) < 0)
        return wr_chan_fail(ch, WR_PRECONDITION_FAILED, "%s", err);
    if (wr_queue_dlx_perms(ch, name, m->arguments) < 0)
        return WR_EXC;
    /* ERR-28: the limit counts queues, so only a new declaration can hit it */
    if (wr_vhost_max_queues(vh) >= 0 &&
        wr_hmap_count(wr_vhost_queues(vh)) >= (uint64_t)wr_vhost_max_queues(vh))
        return wr_chan_fail(
                ch, WR_PRECONDITION_FAILED,
                "cannot declare queue '%s': queue limit in vhost '%s' (%lld) is reached", cname,
                wr_vh(ch), (long long)wr_vhost_max_queues(vh));
    struct wr_queue_opts o = {.durable = m->durable && !m->exclusive,
                              .exclusive = m->exclusive,
                              .auto_delete = m->auto_delete,
                              .owner = m->exclusive ? ch->conn : NULL,
                              .args = m->arguments};
    if (o.durable && wr_broker_persist(ch->conn->broker) != NULL)
        o.qid = wr_broker_next_qid(ch->conn->broker);
    q = wr_queue_new(vh, (const char *)name.ptr, name.len, &o);
    if (m->exclusive)
        wr_conn_own_queue(ch->conn, q);
    return wr_declare_ok(ch, q, m->no_wait);
}

/* queue.bind and queue.unbind: exchange first, then queue, as rabbit_binding looks them up. */
static int
wr_queue_bind(struct wr_channel *ch, struct wr_bytes qname, struct wr_bytes xname,
              struct wr_bytes key, struct wr_bytes args, bool bind)
{
    struct wr_vhost *vh = ch->conn->vh;
    struct wr_exchange *x;
    struct wr_queue *q;
    char err[300];

    if (qname.len == 0 && key.len == 0 && ch->last_queue[0])
        key = wr_bytes_str(ch->last_queue); /* M-06 shortcut */
    if (wr_queue_name_arg(ch, qname, &qname) < 0)
        return WR_EXC;
    if (xname.len == 0)
        return wr_chan_fail(ch, WR_ACCESS_REFUSED,
                            "operation not permitted on the default exchange");
    if (wr_perm_queue(ch, WR_PERM_WRITE, qname) < 0 ||
        wr_perm_exchange(ch, WR_PERM_READ, xname) < 0 ||
        wr_perm_topic(ch, WR_PERM_READ, xname, key) < 0)
        return WR_EXC;
    x = wr_vhost_exchange(vh, (const char *)xname.ptr, xname.len);
    q = wr_vhost_queue(vh, (const char *)qname.ptr, qname.len);
    if (!bind && (x == NULL || q == NULL))
        return 0; /* unbind is idempotent (M-07) */
    if (x == NULL)
        return wr_chan_fail(ch, WR_NOT_FOUND, "no exchange '" NAMEF "' in vhost '%s'", NAMEA(xname),
                            wr_vh(ch));
    if (wr_queue_lookup(ch, qname, &q) < 0)
        return WR_EXC;
    if (!bind) {
        wr_binding_remove(x, q, NULL, key, args);
        return 0;
    }
    if (wr_binding_add(x, q, NULL, key, args, err, sizeof(err)) < 0)
        return wr_chan_fail(ch, WR_PRECONDITION_FAILED, "%s", err);
    return 0;
}

static int
wr_queue_purge_m(struct wr_channel *ch, const struct wr_m_queue_purge *m)
{
    struct wr_bytes name = {NULL, 0};
    struct wr_queue *q;

    if (wr_queue_name_arg(ch, m->queue, &name) < 0 || wr_perm_queue(ch, WR_PERM_READ, name) < 0 ||
        wr_queue_lookup(ch, name, &q) < 0)
        return WR_EXC;
    if (wr_queue_params(q)->type == WR_QT_STREAM)
        return wr_conn_fail(ch->conn, WR_NOT_IMPLEMENTED,
                            "queue.purge not supported by stream queues queue '%s' in vhost '%s'",
                            wr_queue_name(q), wr_vh(ch));
    struct wr_m_queue_purge_ok ok = {.message_count = wr_queue_purge(q)};
    if (m->no_wait)
        return 0;
    return wr_conn_send(ch->conn, ch->id, WR_M_QUEUE_PURGE_OK, &ok) < 0 ? WR_EXC : 0;
}

static int
wr_queue_delete_m(struct wr_channel *ch, const struct wr_m_queue_delete *m)
{
    struct wr_m_queue_delete_ok ok = {0};
    struct wr_bytes name = {NULL, 0};
    struct wr_queue *q;

    if (wr_queue_name_arg(ch, m->queue, &name) < 0 ||
        wr_perm_queue(ch, WR_PERM_CONFIGURE, name) < 0)
        return WR_EXC;
    q = wr_vhost_queue(ch->conn->vh, (const char *)name.ptr, name.len);
    if (q != NULL) {
        if (wr_exclusive_check(ch, q) < 0)
            return WR_EXC;
        if (m->if_unused && wr_queue_consumer_count(q) > 0)
            return wr_chan_fail(ch, WR_PRECONDITION_FAILED, "queue '%s' in vhost '%s' in use",
                                wr_queue_name(q), wr_vh(ch));
        if (m->if_empty && wr_queue_ready(q) > 0)
            return wr_chan_fail(ch, WR_PRECONDITION_FAILED, "queue '%s' in vhost '%s' not empty",
                                wr_queue_name(q), wr_vh(ch));
        ok.message_count = wr_queue_delete(q, true);
    }
    if (m->no_wait)
        return 0;
    return wr_conn_send(ch->conn, ch->id, WR_M_QUEUE_DELETE_OK, &ok) < 0 ? WR_EXC : 0;
}

int
wr_h_queue(struct wr_channel *ch, uint32_t id, const void *m)
{
    switch (id) {
    case WR_M_QUEUE_DECLARE:
        return wr_queue_declare(ch, m);
    case WR_M_QUEUE_BIND: {
        const struct wr_m_queue_bind *b = m;
        struct wr_m_queue_bind_ok ok = {0};
        if (wr_queue_bind(ch, b->queue, b->exchange, b->routing_key, b->arguments, true) < 0)
            return WR_EXC;
        if (b->no_wait)
            return 0;
        return wr_conn_send(ch->conn, ch->id, WR_M_QUEUE_BIND_OK, &ok) < 0 ? WR_EXC : 0;
    }
    case WR_M_QUEUE_UNBIND: {
        const struct wr_m_queue_unbind *u = m;
        struct wr_m_queue_unbind_ok ok = {0};
        if (wr_queue_bind(ch, u->queue, u->exchange, u->routing_key, u->arguments, false) < 0)
            return WR_EXC;
        return wr_conn_send(ch->conn, ch->id, WR_M_QUEUE_UNBIND_OK, &ok) < 0 ? WR_EXC : 0;
    }
    case WR_M_QUEUE_PURGE:
        return wr_queue_purge_m(ch, m);
    case WR_M_QUEUE_DELETE:
        return wr_queue_delete_m(ch, m);
    default:
        return wr_conn_fail(ch->conn, WR_COMMAND_INVALID, "unimplemented method");
    }
}
