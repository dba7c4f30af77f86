/* SPDX-License-Identifier: MPL-2.0 */
/* Exchange class: declare, delete, bind, unbind (M-02..M-04, ERR-01..03, ERR-13, ERR-18). */
#include "server/conn_internal.h"

#include "amqp/table.h"
#include "server/perm.h"
#include "server/vhost.h"

#include <stdio.h>
#include <string.h>

#define NAMEF    "%.*s"
#define NAMEA(b) (int)(b).len, (const char *)(b).ptr

static const char *
wr_bool_str(bool b)
{
    return b ? "true" : "false";
}

static int
wr_exchange_equiv_bool(struct wr_channel *ch, const char *arg, struct wr_bytes name, bool got,
                       bool cur)
{
    if (got == cur)
        return 0;
    return wr_chan_fail(ch, WR_PRECONDITION_FAILED,
                        "inequivalent arg '%s' for exchange '" NAMEF "' in vhost '%s': received "
                        "'%s' but current is '%s'",
                        arg, NAMEA(name), wr_vhost_name(ch->conn->vh), wr_bool_str(got),
                        wr_bool_str(cur));
}

/* Renders an optional argument the way RabbitMQ's inequivalence texts do. */
static void
wr_arg_render(struct wr_bytes args, const char *key, char *buf, size_t cap)
{
    struct wr_fvalue v;
    char val[200];

    if (!wr_table_get(args, key, &v)) {
        snprintf(buf, cap, "none");
        return;
    }
    wr_fvalue_render(&v, val, sizeof(val));
    if (v.type == 'S')
        snprintf(buf, cap, "'%s'", val);
    else
        snprintf(buf, cap, "the value '%s' of type '%s'", val, wr_fvalue_type_name(v.type));
}

static int
wr_exchange_equiv(struct wr_channel *ch, const struct wr_m_exchange_declare *m,
                  struct wr_exchange *x, enum wr_xtype type)
{
    const struct wr_exchange_opts *o = wr_exchange_opts(x);
    struct wr_fvalue a, b;
    bool ha, hb;

    if (type != o->type)
        return wr_chan_fail(ch, WR_PRECONDITION_FAILED,
                            "inequivalent arg 'type' for exchange '" NAMEF "' in vhost '%s': "
                            "received '%s' but current is '%s'",
                            NAMEA(m->exchange), wr_vhost_name(ch->conn->vh), wr_xtype_name(type),
                            wr_xtype_name(o->type));
    if (wr_exchange_equiv_bool(ch, "durable", m->exchange, m->durable, o->durable) ||
        wr_exchange_equiv_bool(ch, "auto_delete", m->exchange, m->auto_delete, o->auto_delete) ||
        wr_exchange_equiv_bool(ch, "internal", m->exchange, m->internal, o->internal))
        return WR_EXC;
    ha = wr_table_get(m->arguments, "alternate-exchange", &a);
    hb = wr_table_get(o->args, "alternate-exchange", &b);
    if (ha != hb || (ha && !wr_fvalue_equal(&a, &b))) {
        char got[256], cur[256];
        wr_arg_render(m->arguments, "alternate-exchange", got, sizeof(got));
        wr_arg_render(o->args, "alternate-exchange", cur, sizeof(cur));
        return wr_chan_fail(ch, WR_PRECONDITION_FAILED,
                            "inequivalent arg 'alternate-exchange' for exchange '" NAMEF
                            "' in vhost '%s': received %s but current is %s",
                            NAMEA(m->exchange), wr_vhost_name(ch->conn->vh), got, cur);
    }
    return 0;
}

static int
wr_declare_ok(struct wr_channel *ch, bool no_wait)
{
    struct wr_m_exchange_declare_ok ok = {0};

    if (no_wait)
        return 0;
    return wr_conn_send(ch->conn, ch->id, WR_M_EXCHANGE_DECLARE_OK, &ok) < 0 ? WR_EXC : 0;
}

/* configure on the exchange; with an alternate exchange also read on it and write on the AE
 * (A-04). */
static int
wr_exchange_declare_perms(struct wr_channel *ch, const struct wr_m_exchange_declare *m)
{
    struct wr_fvalue ae;

    if (wr_perm_exchange(ch, WR_PERM_CONFIGURE, m->exchange) < 0)
        return WR_EXC;
    if (!wr_table_get(m->arguments, "alternate-exchange", &ae) || ae.type != 'S')
        return 0;
    if (wr_perm_exchange(ch, WR_PERM_READ, m->exchange) < 0 ||
        wr_perm_exchange(ch, WR_PERM_WRITE, ae.v.s) < 0)
        return WR_EXC;
    return 0;
}

static int
wr_exchange_declare(struct wr_channel *ch, const struct wr_m_exchange_declare *m)
{
    struct wr_vhost *vh = ch->conn->vh;
    struct wr_exchange *x;
    enum wr_xtype type = WR_X_DIRECT;

    if (m->passive) {
        if (m->exchange.len == 0)
            return wr_chan_fail(ch, WR_ACCESS_REFUSED,
                                "operation not permitted on the default exchange");
        x = wr_vhost_exchange(vh, (const char *)m->exchange.ptr, m->exchange.len);
        if (x == NULL)
            return wr_chan_fail(ch, WR_NOT_FOUND, "no exchange '" NAMEF "' in vhost '%s'",
                                NAMEA(m->exchange), wr_vhost_name(vh));
        return wr_declare_ok(ch, m->no_wait);
    }
    /* check order: type (503), default exchange (403), reserved prefix (403), M-02 */
    if (wr_xtype_parse((const char *)m->type.ptr, m->type.len, &type) < 0)
        return wr_conn_fail(ch->conn, WR_COMMAND_INVALID, "unknown exchange type '" NAMEF "'",
                            NAMEA(m->type));
    if (m->exchange.len == 0)
        return wr_chan_fail(ch, WR_ACCESS_REFUSED,
                            "operation not permitted on the default exchange");
    if (wr_exchange_declare_perms(ch, m) < 0)
        return WR_EXC;
    x = wr_vhost_exchange(vh, (const char *)m->exchange.ptr, m->exchange.len);
    if (x != NULL) {
        if (wr_exchange_equiv(ch, m, x, type) < 0)
            return WR_EXC;
        return wr_declare_ok(ch, m->no_wait);
    }
    if (m->exchange.len >= 4 && memcmp(m->exchange.ptr, "amq.", 4) == 0)
        return wr_chan_fail(ch, WR_ACCESS_REFUSED,
                            "exchange name '" NAMEF "' contains reserved prefix 'amq.*'",
                            NAMEA(m->exchange));
    if (wr_table_validate(m->arguments) != 0)
        return wr_conn_fail(ch->conn, WR_FRAME_ERROR, "cannot decode arguments");
    struct wr_exchange_opts o = {.type = type,
                                 .durable = m->durable,
                                 .auto_delete = m->auto_delete,
                                 .internal = m->internal,
                                 .args = m->arguments};
    wr_exchange_new(vh, (const char *)m->exchange.ptr, m->exchange.len, &o);
    return wr_declare_ok(ch, m->no_wait);
}

static int
wr_exchange_delete_m(struct wr_channel *ch, const struct wr_m_exchange_delete *m)
{
    struct wr_vhost *vh = ch->conn->vh;
    struct wr_exchange *x;
    struct wr_m_exchange_delete_ok ok = {0};

    if (m->exchange.len == 0)
        return wr_chan_fail(ch, WR_ACCESS_REFUSED,
                            "operation not permitted on the default exchange");
    if (m->exchange.len >= 4 && memcmp(m->exchange.ptr, "amq.", 4) == 0)
        return wr_chan_fail(ch, WR_ACCESS_REFUSED,
                            "deletion of system exchange '" NAMEF "' in vhost '%s' not allowed",
                            NAMEA(m->exchange), wr_vhost_name(vh));
    if (wr_perm_exchange(ch, WR_PERM_CONFIGURE, m->exchange) < 0)
        return WR_EXC;
    x = wr_vhost_exchange(vh, (const char *)m->exchange.ptr, m->exchange.len);
    if (x != NULL) {
        if (m->if_unused && wr_exchange_in_use(x))
            return wr_chan_fail(ch, WR_PRECONDITION_FAILED,
                                "exchange '" NAMEF "' in vhost '%s' in use", NAMEA(m->exchange),
                                wr_vhost_name(vh));
        wr_exchange_delete(x);
    }
    if (m->no_wait)
        return 0;
    return wr_conn_send(ch->conn, ch->id, WR_M_EXCHANGE_DELETE_OK, &ok) < 0 ? WR_EXC : 0;
}

/* exchange.bind/unbind share their fields; bind and unbind differ only in the action (M-04). */
static int
wr_exchange_bind_m(struct wr_channel *ch, const struct wr_m_exchange_bind *m, bool bind)
{
    struct wr_vhost *vh = ch->conn->vh;
    struct wr_exchange *src, *dst;
    char err[300];

    if (m->source.len == 0 || m->destination.len == 0)
        return wr_chan_fail(ch, WR_ACCESS_REFUSED,
                            "operation not permitted on the default exchange");
    if (wr_perm_exchange(ch, WR_PERM_WRITE, m->destination) < 0 ||
        wr_perm_exchange(ch, WR_PERM_READ, m->source) < 0 ||
        wr_perm_topic(ch, WR_PERM_READ, m->source, m->routing_key) < 0)
        return WR_EXC;
    dst = wr_vhost_exchange(vh, (const char *)m->destination.ptr, m->destination.len);
    src = wr_vhost_exchange(vh, (const char *)m->source.ptr, m->source.len);
    if (bind || (src && dst)) {
        if (dst == NULL)
            return wr_chan_fail(ch, WR_NOT_FOUND, "no exchange '" NAMEF "' in vhost '%s'",
                                NAMEA(m->destination), wr_vhost_name(vh));
        if (src == NULL)
            return wr_chan_fail(ch, WR_NOT_FOUND, "no exchange '" NAMEF "' in vhost '%s'",
                                NAMEA(m->source), wr_vhost_name(vh));
    }
    if (bind) {
        if (wr_binding_add(src, NULL, dst, m->routing_key, m->arguments, err, sizeof(err)) < 0)
            return wr_chan_fail(ch, WR_PRECONDITION_FAILED, "%s", err);
    } else if (src && dst) {
        wr_binding_remove(src, NULL, dst, m->routing_key, m->arguments);
    }
    if (m->no_wait)
        return 0;
    if (bind) {
        struct wr_m_exchange_bind_ok ok = {0};
        return wr_conn_send(ch->conn, ch->id, WR_M_EXCHANGE_BIND_OK, &ok) < 0 ? WR_EXC : 0;
    }
    struct wr_m_exchange_unbind_ok ok = {0};
    return wr_conn_send(ch->conn, ch->id, WR_M_EXCHANGE_UNBIND_OK, &ok) < 0 ? WR_EXC : 0;
}

int
wr_h_exchange(struct wr_channel *ch, uint32_t id, const void *m)
{
    switch (id) {
    case WR_M_EXCHANGE_DECLARE:
        return wr_exchange_declare(ch, m);
    case WR_M_EXCHANGE_DELETE:
        return wr_exchange_delete_m(ch, m);
    case WR_M_EXCHANGE_BIND:
        return wr_exchange_bind_m(ch, m, true);
    case WR_M_EXCHANGE_UNBIND:
        return wr_exchange_bind_m(ch, m, false);
    default:
        return wr_conn_fail(ch->conn, WR_COMMAND_INVALID, "unimplemented method");
    }
}
