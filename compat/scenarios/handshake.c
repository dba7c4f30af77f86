/* SPDX-License-Identifier: MPL-2.0 */
/* Handshake scenarios (W-01, C-xx): protocol header, connection.start contents, SASL,
 * tune/tune-ok, vhost open, channel limits, access.request, channel.flow, heartbeats. */
#include "config.h"

#include "compat/lib/suite.h"
#include "compat/lib/wire.h"

#include <stdio.h>
#include <string.h>

static const uint8_t amqp091[8] = {'A', 'M', 'Q', 'P', 0, 0, 9, 1};

/* W-01: any header the server does not speak is answered with its own header, then EOF. */
static void
refused_header(const void *hdr, size_t n)
{
    struct wire w;
    uint8_t got[8];
    wire_connect(&w);
    wire_send(&w, hdr, n);
    size_t k = wire_read_raw(&w, got, sizeof(got), WIRE_TIMEOUT);
    CHECK(k == 8 && memcmp(got, amqp091, 8) == 0,
          "expected AMQP 0-0-9-1 header back (got %zu bytes)", k);
    CHECK(wire_wait_eof(&w, WIRE_TIMEOUT), "socket not closed after header refusal");
    wire_close(&w);
}

static void
w01_refusal(void)
{
    refused_header("AMQP\0\1\0\0", 8);
    refused_header("GET / HTTP/1.1\r\n\r\n", 18);
    refused_header("AMQP\0\0\x0a\x00", 8);
}

static void
w01_variant(void)
{
    struct wire w;
    struct frame f;
    wire_connect(&w);
    wire_send(&w, "AMQP\1\1\0\x09", 8);
    wire_expect(&w, &f, 0, 10, 10);
    struct rd r = f.args;
    CHECK(rd_u8(&r) == 0 && rd_u8(&r) == 9, "connection.start version is not 0-9");
    wire_close(&w);
}

static struct frame
read_start(struct wire *w)
{
    struct frame f;
    wire_connect(w);
    wire_send(w, amqp091, 8);
    wire_expect(w, &f, 0, 10, 10);
    return f;
}

/* Walks a field table whose values are only S, F or t (all connection.start uses).
 * Calls fn for each entry with the value cursor positioned on the value. */
static void
walk_table(struct rd *r, void (*fn)(const char *key, uint8_t type, struct rd *v, void *arg),
           void *arg)
{
    uint32_t n = rd_u32(r);
    CHECK(!r->err && n <= r->len - r->off, "bad table length");
    struct rd t = {r->p + r->off, n, 0, 0};
    rd_skip(r, n);
    while (t.off < t.len && !t.err) {
        const char *key = rd_shortstr(&t);
        uint8_t type = rd_u8(&t);
        size_t before = t.off;
        fn(key, type, &t, arg);
        if (t.off == before) {
            if (type == 'S')
                rd_longstr(&t, NULL);
            else if (type == 'F')
                rd_skip(&t, rd_u32(&t));
            else if (type == 't')
                rd_u8(&t);
            else
                sc_fail("unexpected field type '%c' for key %s", type, key);
        }
    }
    CHECK(!t.err, "truncated table");
}

static void
c01_start(void)
{
    struct wire w;
    struct frame f = read_start(&w);
    struct rd r = f.args;
    CHECK_INT(rd_u8(&r), 0, "version-major");
    CHECK_INT(rd_u8(&r), 9, "version-minor");
    rd_skip(&r, rd_u32(&r)); /* server-properties */
    CHECK_STR(rd_longstr(&r, NULL), "AMQPLAIN PLAIN", "mechanisms");
    CHECK_STR(rd_longstr(&r, NULL), "en_US", "locales");
    CHECK(!r.err && r.off == r.len, "connection.start has trailing or missing bytes");
    wire_close(&w);
}

struct keys {
    char list[512];
};

static void
collect_key(const char *key, uint8_t type, struct rd *v, void *arg)
{
    struct keys *k = arg;
    size_t n = strlen(k->list);
    snprintf(k->list + n, sizeof(k->list) - n, "%s%s:%c", n ? " " : "", key, type);
}

static void
c02_server_properties(void)
{
    struct wire w;
    struct frame f = read_start(&w);
    struct rd r = f.args;
    struct keys k = {{0}};
    rd_skip(&r, 2);
    walk_table(&r, collect_key, &k);
    CHECK_STR(k.list,
              "capabilities:F cluster_name:S copyright:S information:S platform:S product:S "
              "version:S",
              "server-properties keys:types");
    wire_close(&w);
}

static void
capability(const char *key, uint8_t type, struct rd *v, void *arg)
{
    struct keys *k = arg;
    CHECK(type == 't', "capability %s has type '%c', want 't'", key, type);
    CHECK(rd_u8(v) == 1, "capability %s is false", key);
    size_t n = strlen(k->list);
    snprintf(k->list + n, sizeof(k->list) - n, "%s%s", n ? " " : "", key);
}

static void
find_caps(const char *key, uint8_t type, struct rd *v, void *arg)
{
    if (strcmp(key, "capabilities") == 0 && type == 'F')
        walk_table(v, capability, arg);
}

static void
c03_capabilities(void)
{
    struct wire w;
    struct frame f = read_start(&w);
    struct rd r = f.args;
    struct keys k = {{0}};
    rd_skip(&r, 2);
    walk_table(&r, find_caps, &k);
    CHECK_STR(k.list,
              "publisher_confirms exchange_exchange_bindings basic.nack consumer_cancel_notify "
              "connection.blocked consumer_priorities authentication_failure_close "
              "per_consumer_qos direct_reply_to",
              "capabilities");
    wire_close(&w);
}

static void
c09_auth_failure_close(void)
{
    struct wire w;
    struct handshake h = wire_defaults();
    h.pass = "not-the-password";
    wire_connect(&w);
    wire_start(&w, &h, NULL);
    wire_expect_conn_close(&w, 403,
                           "ACCESS_REFUSED - Login was refused using authentication mechanism "
                           "PLAIN. For details see the broker logfile.",
                           0, 0);
    wire_close(&w);
}

/* C-04: without authentication_failure_close the server only drops the socket. */
static void
c04_auth_failure_no_cap(void)
{
    struct wire w;
    struct frame f;
    struct handshake h = wire_defaults();
    h.caps = 0;
    h.pass = "not-the-password";
    wire_connect(&w);
    wire_start(&w, &h, NULL);
    int rc = wire_read(&w, &f, 8000);
    CHECK(rc != 1, "expected a bare TCP close, got a frame (type %u, %u/%u)", f.type, f.cls,
          f.meth);
    CHECK(rc == 0, "socket still open 8 s after a refused login");
    wire_close(&w);
}

static void
c06_amqplain(void)
{
    struct wire w;
    struct handshake h = wire_defaults();
    h.mechanism = "AMQPLAIN";
    wire_connect(&w);
    wire_login(&w, &h);
    wire_channel_open(&w, 1);
    wire_close(&w);
}

static void
c11_tune(void)
{
    struct wire w;
    struct frame f;
    struct handshake h = wire_defaults();
    wire_connect(&w);
    wire_start(&w, &h, NULL);
    wire_tune(&w, &h, &f);
    struct rd r = f.args;
    CHECK_INT(rd_u16(&r), 2047, "channel-max");
    CHECK_INT(rd_u32(&r), 131072, "frame-max");
    CHECK_INT(rd_u16(&r), 60, "heartbeat");
    wire_close(&w);
}

/* C-12: RabbitMQ 3.10.8 resets the socket (a bug); the intended reply, and Warren's, is a
 * 530 connection.close. Either outcome passes; an open-ok does not. */
static void
bad_tune_ok(uint32_t frame_max, const char *text)
{
    struct wire w;
    struct frame f;
    struct handshake h = wire_defaults();
    h.frame_max = frame_max;
    wire_connect(&w);
    wire_start(&w, &h, NULL);
    wire_tune(&w, &h, NULL);
    wire_send_open(&w, "/");
    int rc;
    while ((rc = wire_read(&w, &f, 8000)) == 1 && f.type == WIRE_HEARTBEAT)
        ;
    CHECK(rc >= 0, "connection neither closed nor refused after tune-ok frame_max %u", frame_max);
    if (rc == 1) {
        CHECK(f.type == WIRE_METHOD && f.cls == 10 && f.meth == 50,
              "tune-ok frame_max %u accepted (got %u/%u)", frame_max, f.cls, f.meth);
        struct rd r = f.args;
        CHECK_INT(rd_u16(&r), 530, "reply-code");
        CHECK_STR(rd_shortstr(&r), text, "reply-text");
        CHECK(rd_u16(&r) == 10 && rd_u16(&r) == 30, "close should carry connection.tune (10/30)");
    }
    wire_close(&w);
}

static void
c12_frame_max_low(void)
{
    bad_tune_ok(1000, "NOT_ALLOWED - negotiated frame_max = 1000 is lower than the minimum "
                      "allowed value (4096)");
}

static void
c12_frame_max_high(void)
{
    bad_tune_ok(200000, "NOT_ALLOWED - negotiated frame_max = 200000 is higher than the maximum "
                        "allowed value (131072)");
}

static void
c13_heartbeat(void)
{
    struct wire w;
    struct frame f;
    struct handshake h = wire_defaults();
    h.heartbeat = 2;
    wire_connect(&w);
    wire_login(&w, &h);
    int rc = wire_read(&w, &f, 3000);
    CHECK(rc == 1, "no heartbeat within 3 s at heartbeat=2");
    CHECK(f.type == WIRE_HEARTBEAT && f.channel == 0 && f.size == 0,
          "expected an empty heartbeat on channel 0, got type %u ch %u size %u", f.type, f.channel,
          f.size);
    wire_close(&w);
}

static void
c14_vhost_not_found(void)
{
    struct wire w;
    struct handshake h = wire_defaults();
    const char *vhost = sc_unique("vhost");
    wire_connect(&w);
    wire_start(&w, &h, NULL);
    wire_tune(&w, &h, NULL);
    wire_send_open(&w, vhost);
    wire_expect_conn_close(&w, 530, sc_fmt("NOT_ALLOWED - vhost %s not found", vhost), 10, 40);
    wire_close(&w);
}

static void
c16_client_close(void)
{
    struct wire w;
    struct frame f;
    struct buf b = {0};
    wire_open(&w, 1);
    buf_u16(&b, 200);
    buf_shortstr(&b, "bye");
    buf_u16(&b, 0);
    buf_u16(&b, 0);
    wire_send_method(&w, 0, 10, 50, &b);
    buf_free(&b);
    /* The client that sent close closes the socket; the server only answers. */
    wire_expect(&w, &f, 0, 10, 51);
    wire_close(&w);
}

static void
open_with_channel_max(struct wire *w, uint16_t channel_max)
{
    struct handshake h = wire_defaults();
    h.channel_max = channel_max;
    wire_connect(w);
    wire_login(w, &h);
}

static void
c20_channel_max(void)
{
    struct wire w;
    struct buf b = {0};
    open_with_channel_max(&w, 2);
    wire_channel_open(&w, 1);
    wire_channel_open(&w, 2);
    buf_shortstr(&b, "");
    wire_send_method(&w, 3, 20, 10, &b);
    buf_free(&b);
    wire_expect_conn_close(&w, 530,
                           "NOT_ALLOWED - number of channels opened (2) has reached the "
                           "negotiated channel_max (2)",
                           0, 0);
    wire_close(&w);
}

/* C-20: limits count channels, not numbers; a closed number is free again at once. */
static void
c20_channel_reuse(void)
{
    struct wire w;
    struct frame f;
    struct buf b = {0};
    open_with_channel_max(&w, 2);
    wire_channel_open(&w, 5);
    buf_u16(&b, 200);
    buf_shortstr(&b, "");
    buf_u16(&b, 0);
    buf_u16(&b, 0);
    wire_send_method(&w, 5, 20, 40, &b);
    buf_free(&b);
    wire_expect(&w, &f, 5, 20, 41);
    wire_channel_open(&w, 5);
    wire_close(&w);
}

static void
c21_access_request(void)
{
    struct wire w;
    struct frame f;
    struct buf b = {0};
    wire_open(&w, 1);
    buf_shortstr(&b, "/data");
    buf_u8(&b, 0x1e);
    wire_send_method(&w, 1, 30, 10, &b);
    buf_free(&b);
    wire_expect(&w, &f, 1, 30, 11);
    CHECK_INT(rd_u16(&f.args), 1, "access.request-ok ticket");
    wire_close(&w);
}

static void
send_flow(struct wire *w, uint8_t active)
{
    struct buf b = {0};
    buf_u8(&b, active);
    wire_send_method(w, 1, 20, 20, &b);
    buf_free(&b);
}

static void
c22_flow_on(void)
{
    struct wire w;
    struct frame f;
    wire_open(&w, 1);
    send_flow(&w, 1);
    wire_expect(&w, &f, 1, 20, 21);
    CHECK_INT(rd_u8(&f.args), 1, "channel.flow-ok active");
    wire_close(&w);
}

static void
c22_flow_off(void)
{
    struct wire w;
    wire_open(&w, 1);
    send_flow(&w, 0);
    wire_expect_conn_close(&w, 540, "NOT_IMPLEMENTED - active=false", 20, 20);
    wire_close(&w);
}

/* C-08 (RabbitMQ just drops the socket after ~3 s): an unknown mechanism gets a 503. */
static void
c08_unknown_mechanism(void)
{
    struct wire w;
    struct handshake h = wire_defaults();
    h.mechanism = "FOO";
    wire_connect(&w);
    wire_start(&w, &h, NULL);
    wire_expect_conn_close(&w, 503, "COMMAND_INVALID - unknown authentication mechanism 'FOO'", 10,
                           11);
    wire_close(&w);
}

const struct scenario sc_handshake[] = {
        {"W-01", "handshake", "", w01_refusal, "bad headers answered with AMQP 0-9-1 and closed"},
        {"W-01", "handshake", "", w01_variant, "AMQP 1-1-0-9 header accepted as 0-9-1"},
        {"C-01", "handshake", "", c01_start, "connection.start version, mechanisms, locales"},
        {"C-02", "handshake", "", c02_server_properties, "server-properties keys and types"},
        {"C-03", "handshake", "", c03_capabilities, "capabilities table exact"},
        {"C-04", "handshake", "", c04_auth_failure_no_cap, "auth failure without cap: TCP close"},
        {"C-06", "handshake", "", c06_amqplain, "AMQPLAIN login"},
        {"C-08", "handshake", "rmq-bug", c08_unknown_mechanism, "unknown SASL mechanism 503"},
        {"C-09", "handshake", "", c09_auth_failure_close, "auth failure 403 close"},
        {"C-11", "handshake", "", c11_tune, "tune 2047/131072/60"},
        {"C-12", "handshake", "", c12_frame_max_low, "tune-ok frame_max 1000 refused"},
        {"C-12", "handshake", "", c12_frame_max_high, "tune-ok frame_max 200000 refused"},
        {"C-13", "handshake", "", c13_heartbeat, "server heartbeats at H/2"},
        {"C-14", "handshake", "", c14_vhost_not_found, "open unknown vhost 530"},
        {"C-16", "handshake", "", c16_client_close, "client connection.close answered"},
        {"C-20", "handshake", "", c20_channel_max, "channel count over channel_max 530"},
        {"C-20", "handshake", "", c20_channel_reuse, "channel number > max ok and reusable"},
        {"C-21", "handshake", "", c21_access_request, "access.request-ok ticket 1"},
        {"C-22", "handshake", "", c22_flow_on, "channel.flow active=true"},
        {"C-22", "handshake", "", c22_flow_off, "channel.flow active=false 540"},
        {NULL, NULL, NULL, NULL, NULL},
};
