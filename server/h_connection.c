/* SPDX-License-Identifier: MPL-2.0 */
/* Connection class: start/start-ok (PLAIN, AMQPLAIN, EXTERNAL), tune/tune-ok, open, close,
 * update-secret, and the heartbeat timer (C-01..C-19). */
#include "server/conn_internal.h"

#include "amqp/frame.h"
#include "amqp/table.h"
#include "server/broker.h"
#include "server/gparam.h"
#include "server/mem.h"
#include "server/settings.h"
#include "server/user.h"
#include "server/vhost.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void wr_conn_start_handshake(struct wr_conn *c);
void wr_conn_close_after_flush(struct wr_conn *c);
void wr_conn_linger(struct wr_conn *c);

/* The RabbitMQ release whose behaviour Warren reproduces. */
#define WR_RABBITMQ_COMPAT "3.10.8"
#define WR_INFORMATION                                                         \
    "Warren " PACKAGE_VERSION ", compatible with RabbitMQ " WR_RABBITMQ_COMPAT \
    ". Licensed under the MPL 2.0"

#define WR_PLATFORM "Warren " PACKAGE_VERSION

/* Advertised exactly as RabbitMQ 3.10 does, in this order (C-03). */
static const char *const wr_capabilities[] = {
        "publisher_confirms",           "exchange_exchange_bindings", "basic.nack",
        "consumer_cancel_notify",       "connection.blocked",         "consumer_priorities",
        "authentication_failure_close", "per_consumer_qos",           "direct_reply_to",
};

static void
wr_server_properties(const struct wr_broker *b, struct wr_tbuf *t)
{
    const char *cluster = wr_gparam_cluster_name(b, wr_node_name());
    struct wr_tbuf caps;

    wr_tbuf_init(&caps);
    for (size_t i = 0; i < sizeof(wr_capabilities) / sizeof(wr_capabilities[0]); i++)
        wr_tbuf_bool(&caps, wr_capabilities[i], true);
    wr_tbuf_nested(t, "capabilities", 'F', &caps);
    wr_tbuf_free(&caps);
    wr_tbuf_str(t, "cluster_name", cluster, strlen(cluster));
    wr_tbuf_str(t, "copyright", "Copyright (c) Warren contributors", 33);
    wr_tbuf_str(t, "information", WR_INFORMATION, strlen(WR_INFORMATION));
    wr_tbuf_str(t, "platform", WR_PLATFORM, strlen(WR_PLATFORM));
    /* Client libraries gate features on product == "RabbitMQ" (AnyEvent::RabbitMQ's confirms,
     * amqplib's own tests), so a drop-in replacement must say it; platform and information
     * name Warren. */
    wr_tbuf_str(t, "product", "RabbitMQ", 8);
    /* clients gate features on the RabbitMQ version they see (AnyEvent::RabbitMQ needs >= 2) */
    wr_tbuf_str(t, "version", WR_RABBITMQ_COMPAT, strlen(WR_RABBITMQ_COMPAT));
}

void
wr_conn_start_handshake(struct wr_conn *c)
{
    struct wr_tbuf props;

    wr_tbuf_init(&props);
    wr_server_properties(c->broker, &props);
    struct wr_m_connection_start m = {
            .version_major = 0,
            .version_minor = 9,
            .server_properties = {props.data, (uint32_t)props.len},
            /* RabbitMQ's order comes from an ETS table; EXTERNAL first is our choice (C-01) */
            .mechanisms = c->tls_identity ? WR_BYTES_LIT("EXTERNAL AMQPLAIN PLAIN")
                                          : WR_BYTES_LIT("AMQPLAIN PLAIN"),
            .locales = WR_BYTES_LIT("en_US"),
    };
    c->state = WR_CS_START_OK;
    wr_conn_send(c, 0, WR_M_CONNECTION_START, &m);
    wr_tbuf_free(&props);
}

static bool
wr_cap_on(struct wr_bytes caps, const char *name)
{
    struct wr_fvalue v;

    return wr_table_get(caps, name, &v) && v.type == 't' && v.v.b;
}

static void
wr_read_client_caps(struct wr_conn *c, struct wr_bytes client_props)
{
    struct wr_fvalue v;

    if (!wr_table_get(client_props, "capabilities", &v) || v.type != 'F')
        return;
    c->cap_cancel_notify = wr_cap_on(v.v.s, "consumer_cancel_notify");
    c->cap_blocked = wr_cap_on(v.v.s, "connection.blocked");
    c->cap_auth_failure_close = wr_cap_on(v.v.s, "authentication_failure_close");
}

/* PLAIN: [authzid] NUL user NUL password (C-05). */
static int
wr_sasl_plain(struct wr_bytes r, struct wr_bytes *user, struct wr_bytes *pass)
{
    const uint8_t *nul1 = memchr(r.ptr, 0, r.len), *nul2;

    if (nul1 == NULL)
        return -1;
    nul2 = memchr(nul1 + 1, 0, (size_t)(r.ptr + r.len - (nul1 + 1)));
    if (nul2 == NULL)
        return -1;
    *user = (struct wr_bytes){nul1 + 1, (uint32_t)(nul2 - nul1 - 1)};
    *pass = (struct wr_bytes){nul2 + 1, (uint32_t)(r.ptr + r.len - (nul2 + 1))};
    return 0;
}

/* AMQPLAIN: a field table without its length prefix, keys LOGIN and PASSWORD (C-06). */
static int
wr_sasl_amqplain(struct wr_bytes r, struct wr_bytes *user, struct wr_bytes *pass)
{
    struct wr_fvalue u, p;

    if (wr_table_validate(r) != 0 || !wr_table_get(r, "LOGIN", &u) ||
        !wr_table_get(r, "PASSWORD", &p) || u.type != 'S' || p.type != 'S')
        return -1;
    *user = u.v.s;
    *pass = p.v.s;
    return 0;
}

/* EXTERNAL: the name is the verified certificate's, the response and any password are ignored
 * (C-07). Without such a certificate the mechanism was not offered, so it is invalid (C-08). */
static const struct wr_user *
wr_sasl_external(struct wr_conn *c)
{
    const struct wr_user *u = wr_broker_user(c->broker, c->tls_identity, strlen(c->tls_identity));

    if (u == NULL)
        wr_log(WR_LOG_WARN, "connection %s: EXTERNAL login refused: user '%s' does not exist",
               c->peer, c->tls_identity);
    return u;
}

static int
wr_auth_refused(struct wr_conn *c, struct wr_bytes mech)
{
    wr_log(WR_LOG_WARN, "connection %s: login refused using mechanism %.*s", c->peer, (int)mech.len,
           (const char *)mech.ptr);
    /* only clients that asked for it get a close frame; others just lose the socket (C-09) */
    if (!c->cap_auth_failure_close) {
        wr_conn_close_after_flush(c);
        return 0;
    }
    c->cur_method = 0;
    return wr_conn_fail(c, WR_ACCESS_REFUSED,
                        "Login was refused using authentication mechanism %.*s. For details see "
                        "the broker logfile.",
                        (int)mech.len, (const char *)mech.ptr);
}

static int
wr_start_ok(struct wr_conn *c, const struct wr_m_connection_start_ok *m)
{
    const struct wr_config *cfg = wr_broker_config(c->broker);
    struct wr_bytes user, pass;
    int rc = 0;
    bool external = c->tls_identity != NULL && wr_bytes_eq_str(m->mechanism, "EXTERNAL");

    wr_read_client_caps(c, m->client_properties);
    free(c->client_props);
    c->client_props = wr_xmalloc(m->client_properties.len + 1);
    memcpy(c->client_props, m->client_properties.ptr, m->client_properties.len);
    c->client_props_len = m->client_properties.len;
    c->auth_mechanism = external                                    ? "EXTERNAL"
                        : wr_bytes_eq_str(m->mechanism, "PLAIN")    ? "PLAIN"
                        : wr_bytes_eq_str(m->mechanism, "AMQPLAIN") ? "AMQPLAIN"
                                                                    : "";
    if (external)
        c->user = wr_sasl_external(c);
    else if (wr_bytes_eq_str(m->mechanism, "EXTERNAL"))
        return wr_conn_fail(c, WR_COMMAND_INVALID, "invalid authentication mechanism 'EXTERNAL'");
    else if (wr_bytes_eq_str(m->mechanism, "PLAIN"))
        rc = wr_sasl_plain(m->response, &user, &pass);
    else if (wr_bytes_eq_str(m->mechanism, "AMQPLAIN"))
        rc = wr_sasl_amqplain(m->response, &user, &pass);
    else
        return wr_conn_fail(c, WR_COMMAND_INVALID, "unknown authentication mechanism '%.*s'",
                            (int)m->mechanism.len, (const char *)m->mechanism.ptr);
    if (rc < 0)
        return wr_auth_refused(c, m->mechanism);
    if (!external)
        c->user = wr_broker_authenticate(c->broker, (const char *)user.ptr, user.len,
                                         (const char *)pass.ptr, pass.len);
    if (c->user == NULL || (wr_user_loopback_only(c->user) && !c->loopback)) {
        if (c->user != NULL)
            wr_log(WR_LOG_WARN, "user '%s' can only connect via localhost", wr_user_name(c->user));
        c->user = NULL;
        return wr_auth_refused(c, m->mechanism);
    }
    struct wr_m_connection_tune t = {.channel_max = cfg->channel_max,
                                     .frame_max = cfg->frame_max,
                                     .heartbeat = (uint16_t)cfg->heartbeat};
    c->state = WR_CS_TUNE_OK;
    return wr_conn_send(c, 0, WR_M_CONNECTION_TUNE, &t) < 0 ? WR_EXC : 0;
}

/* The checks RabbitMQ's reader intends for tune-ok (C-12). */
static int
wr_tune_check(struct wr_conn *c, const char *field, uint32_t min, uint32_t server, uint32_t client)
{
    c->cur_method = WR_M_CONNECTION_TUNE;
    if (client != 0 && client < min)
        return wr_conn_fail(c, WR_NOT_ALLOWED,
                            "negotiated %s = %u is lower than the minimum allowed value (%u)",
                            field, client, min);
    if (server != 0 && (client == 0 || client > server))
        return wr_conn_fail(c, WR_NOT_ALLOWED,
                            "negotiated %s = %u is higher than the maximum allowed value (%u)",
                            field, client, server);
    return 0;
}

static void
wr_heartbeat_tick(evutil_socket_t fd, short what, void *arg)
{
    struct wr_conn *c = arg;

    if (!c->sent)
        wr_frame_add_heartbeat(wr_conn_out(c));
    c->sent = false;
    if (c->received || c->blocked || c->read_paused) {
        c->missed = 0; /* a blocked connection is not read, so its silence proves nothing */
    } else if (++c->missed >= 5) {
        /* ticks are H/2 apart: the peer has been silent for over 2H (C-13) */
        wr_log(WR_LOG_WARN, "closing connection %s: missed heartbeats from client, timeout: %us",
               c->peer, c->heartbeat);
        wr_conn_free(c);
        return;
    }
    c->received = false;
}

static int
wr_tune_ok(struct wr_conn *c, const struct wr_m_connection_tune_ok *m)
{
    const struct wr_config *cfg = wr_broker_config(c->broker);

    if (wr_tune_check(c, "frame_max", WR_FRAME_MIN_SIZE, cfg->frame_max, m->frame_max) ||
        wr_tune_check(c, "channel_max", 0, cfg->channel_max, m->channel_max))
        return WR_EXC;
    c->frame_max = m->frame_max ? m->frame_max : cfg->frame_max;
    c->channel_max = m->channel_max;
    c->heartbeat = m->heartbeat;
    if (c->heartbeat > 0) {
        struct timeval tv = {c->heartbeat / 2, (c->heartbeat % 2) * 500000};
        c->heartbeat_timer =
                event_new(wr_broker_base(c->broker), -1, EV_PERSIST, wr_heartbeat_tick, c);
        evtimer_add(c->heartbeat_timer, &tv);
    }
    c->state = WR_CS_OPEN;
    return 0;
}

static int
wr_open(struct wr_conn *c, const struct wr_m_connection_open *m)
{
    struct wr_vhost *vh =
            wr_broker_vhost(c->broker, (const char *)m->virtual_host.ptr, m->virtual_host.len);
    struct wr_m_connection_open_ok ok = {.reserved_1 = WR_BYTES_LIT("")};

    if (vh == NULL)
        return wr_conn_fail(c, WR_NOT_ALLOWED, "vhost %.*s not found", (int)m->virtual_host.len,
                            (const char *)m->virtual_host.ptr);
    if (!wr_user_has_vhost(c->user, (const char *)m->virtual_host.ptr, m->virtual_host.len))
        return wr_conn_fail(c, WR_NOT_ALLOWED, "access to vhost '%.*s' refused for user '%s'",
                            (int)m->virtual_host.len, (const char *)m->virtual_host.ptr,
                            wr_user_name(c->user));
    if (wr_vhost_max_connections(vh) >= 0 &&
        wr_vhost_connections(vh) >= (uint64_t)wr_vhost_max_connections(vh))
        return wr_conn_fail(c, WR_NOT_ALLOWED,
                            "access to vhost '%s' refused for user '%s': connection limit (%lld) "
                            "is reached",
                            wr_vhost_name(vh), wr_user_name(c->user),
                            (long long)wr_vhost_max_connections(vh));
    if (wr_user_max_connections(c->user) >= 0 &&
        wr_user_connections(c->user) >= (uint64_t)wr_user_max_connections(c->user))
        return wr_conn_fail(c, WR_NOT_ALLOWED,
                            "connection refused for user '%s': user connection limit (%lld) is "
                            "reached",
                            wr_user_name(c->user), (long long)wr_user_max_connections(c->user));
    c->vh = vh;
    wr_vhost_count_connection(vh, 1);
    wr_user_count(c->user, 1, 0);
    c->state = WR_CS_RUNNING;
    evtimer_del(c->handshake_timer);
    wr_log(WR_LOG_INFO, "connection %s: user '%s' authenticated and granted access to vhost '%s'",
           c->peer, wr_user_name(c->user), wr_vhost_name(vh));
    return wr_conn_send(c, 0, WR_M_CONNECTION_OPEN_OK, &ok) < 0 ? WR_EXC : 0;
}

/* The internal user database keeps no per-connection secret to re-check, so RabbitMQ 3.10
 * accepts any new secret with it (C-19; only token backends such as OAuth2 refuse). */
static int
wr_update_secret(struct wr_conn *c, const struct wr_m_connection_update_secret *m)
{
    struct wr_m_connection_update_secret_ok ok = {0};

    wr_log(WR_LOG_INFO, "connection %s: secret updated (%.*s)", c->peer, (int)m->reason.len,
           (const char *)m->reason.ptr);
    return wr_conn_send(c, 0, WR_M_CONNECTION_UPDATE_SECRET_OK, &ok) < 0 ? WR_EXC : 0;
}

int
wr_h_connection(struct wr_conn *c, uint32_t id, const void *m)
{
    struct wr_m_connection_close_ok ok = {0};

    switch (id) {
    case WR_M_CONNECTION_START_OK:
        if (c->state == WR_CS_START_OK)
            return wr_start_ok(c, m);
        break;
    case WR_M_CONNECTION_TUNE_OK:
        if (c->state == WR_CS_TUNE_OK)
            return wr_tune_ok(c, m);
        break;
    case WR_M_CONNECTION_OPEN:
        if (c->state == WR_CS_OPEN)
            return wr_open(c, m);
        break;
    case WR_M_CONNECTION_CLOSE:
        /* C-16: answer close-ok and let the client close the socket */
        wr_conn_send(c, 0, WR_M_CONNECTION_CLOSE_OK, &ok);
        wr_conn_linger(c);
        return 0;
    case WR_M_CONNECTION_CLOSE_OK:
        if (c->state == WR_CS_CLOSING) {
            wr_conn_linger(c);
            return 0;
        }
        break;
    case WR_M_CONNECTION_UPDATE_SECRET:
        if (c->state == WR_CS_RUNNING)
            return wr_update_secret(c, m);
        break;
    default:
        break;
    }
    return wr_conn_fail(c, WR_CHANNEL_ERROR, "unexpected method in connection state %s",
                        c->state == WR_CS_RUNNING ? "running" : "starting");
}
