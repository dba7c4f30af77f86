/* SPDX-License-Identifier: MPL-2.0 */
/* Framing scenarios (W-xx): frame size limits, body splitting, malformed and
 * out-of-sequence frames. All raw: real clients cannot produce these bytes. */
#include "config.h"

#include "compat/lib/suite.h"
#include "compat/lib/wire.h"

#include <stdlib.h>
#include <string.h>

/* Logs in with frame_max 4096 and opens channel 1. */
static void
open_small(struct wire *w)
{
    struct handshake h = wire_defaults();
    h.frame_max = 4096;
    wire_connect(w);
    wire_login(w, &h);
    wire_channel_open(w, 1);
}

static void
w04_frame_too_large(void)
{
    struct wire w;
    static uint8_t payload[5000];
    open_small(&w);
    payload[1] = 60, payload[3] = 40;
    wire_send_frame(&w, WIRE_METHOD, 1, payload, sizeof(payload));
    wire_expect_conn_close(&w, 501,
                           "FRAME_ERROR - type 1, all octets = <<>>: "
                           "{frame_too_large,5000,4088}",
                           0, 0);
    wire_close(&w);
}

static void
send_get(struct wire *w, const char *q)
{
    struct buf b = {0};
    buf_u16(&b, 0);
    buf_shortstr(&b, q);
    buf_u8(&b, 1); /* no-ack */
    wire_send_method(w, 1, 60, 70, &b);
    buf_free(&b);
}

/* Expects get-ok plus a header announcing size; returns after the header frame. */
static void
expect_get_ok_header(struct wire *w, uint64_t size)
{
    struct frame f;
    wire_expect(w, &f, 1, 60, 71);
    wire_next(w, &f);
    CHECK(f.type == WIRE_HEADER, "expected a content header after get-ok, got type %u", f.type);
    struct rd r = {f.payload, f.size, 0, 0};
    CHECK_INT(rd_u16(&r), 60, "header class");
    rd_u16(&r);
    CHECK_INT(rd_u64(&r), size, "header body-size");
}

static void
w05_body_split(void)
{
    struct wire w;
    struct frame f;
    const char *q = sc_queue("split");
    static uint8_t body[10000];
    static const uint32_t want[] = {4088, 4088, 1824};
    open_small(&w);
    wire_queue_declare(&w, 1, q, 0);
    wire_expect(&w, &f, 1, 50, 11);
    for (size_t i = 0; i < sizeof(body); i++)
        body[i] = (uint8_t)i;
    wire_publish(&w, 1, "", q, body, sizeof(body), 4096);
    send_get(&w, q);
    expect_get_ok_header(&w, sizeof(body));
    size_t off = 0;
    for (size_t i = 0; i < 3; i++) {
        wire_next(&w, &f);
        CHECK(f.type == WIRE_BODY, "body frame %zu: got type %u", i, f.type);
        CHECK_INT(f.size, want[i], "body frame size");
        CHECK(memcmp(f.payload, body + off, f.size) == 0, "body frame %zu content differs", i);
        off += f.size;
    }
    wire_close(&w);
}

/* W-05: an empty body is a header with body-size 0 and no body frame at all. */
static void
w05_empty_body(void)
{
    struct wire w;
    struct frame f;
    const char *q = sc_queue("empty");
    open_small(&w);
    wire_queue_declare(&w, 1, q, 0);
    wire_expect(&w, &f, 1, 50, 11);
    wire_publish(&w, 1, "", q, "", 0, 4096);
    send_get(&w, q);
    expect_get_ok_header(&w, 0);
    send_get(&w, q);
    wire_next(&w, &f);
    CHECK(f.type == WIRE_METHOD && f.cls == 60 && f.meth == 72,
          "expected get-empty right after the header, got frame type %u (%u/%u)", f.type, f.cls,
          f.meth);
    wire_close(&w);
}

static void
w06_bad_frame_end(void)
{
    struct wire w;
    static const uint8_t frame[] = {1, 0, 1, 0, 0, 0, 4, 0, 20, 0, 10, 0};
    wire_open(&w, 0);
    wire_send(&w, frame, sizeof(frame));
    wire_expect_conn_close(&w, 501,
                           "FRAME_ERROR - type 1, all octets = <<0,20,0,10>>: "
                           "{invalid_frame_end_marker,0}",
                           0, 0);
    wire_close(&w);
}

static void
w07_unknown_frame_type(void)
{
    struct wire w;
    wire_open(&w, 1);
    wire_send_frame(&w, 9, 0, "abc", 3);
    wire_expect_conn_close(&w, 501, "FRAME_ERROR - type 9, all octets = <<\"abc\">>: unknown_frame",
                           0, 0);
    wire_close(&w);
}

static void
w08_heartbeat_on_channel(void)
{
    struct wire w;
    wire_open(&w, 1);
    wire_send_frame(&w, WIRE_HEARTBEAT, 1, "", 0);
    wire_expect_conn_close(&w, 505, "UNEXPECTED_FRAME - type 8, all octets = <<>>", 0, 0);
    wire_close(&w);
}

static void
w09_header_without_method(void)
{
    struct wire w;
    wire_open(&w, 1);
    wire_send_header(&w, 1, 60, 3);
    wire_expect_conn_close(&w, 505,
                           "UNEXPECTED_FRAME - expected method frame, got non method frame "
                           "instead",
                           0, 0);
    wire_close(&w);
}

static void
send_publish_method(struct wire *w, const char *rk)
{
    struct buf b = {0};
    buf_u16(&b, 0);
    buf_shortstr(&b, "");
    buf_shortstr(&b, rk);
    buf_u8(&b, 0);
    wire_send_method(w, 1, 60, 40, &b);
    buf_free(&b);
}

static void
send_qos(struct wire *w, uint16_t ch)
{
    struct buf b = {0};
    buf_u32(&b, 0);
    buf_u16(&b, 1);
    buf_u8(&b, 0);
    wire_send_method(w, ch, 60, 10, &b);
    buf_free(&b);
}

static void
w10_header_wrong_class(void)
{
    struct wire w;
    wire_open(&w, 1);
    send_publish_method(&w, sc_unique("nowhere"));
    wire_send_header(&w, 1, 50, 3);
    wire_expect_conn_close(&w, 505,
                           "UNEXPECTED_FRAME - expected content header for class 60, got one "
                           "for class 50 instead",
                           60, 40);
    wire_close(&w);
}

static void
w10_method_instead_of_header(void)
{
    struct wire w;
    wire_open(&w, 1);
    send_publish_method(&w, sc_unique("nowhere"));
    send_qos(&w, 1);
    wire_expect_conn_close(&w, 505,
                           "UNEXPECTED_FRAME - expected content header for class 60, got non "
                           "content header frame instead",
                           60, 40);
    wire_close(&w);
}

static void
w10_method_instead_of_body(void)
{
    struct wire w;
    wire_open(&w, 1);
    send_publish_method(&w, sc_unique("nowhere"));
    wire_send_header(&w, 1, 60, 10);
    send_qos(&w, 1);
    wire_expect_conn_close(&w, 505,
                           "UNEXPECTED_FRAME - expected content body, got non content body "
                           "frame instead",
                           60, 40);
    wire_close(&w);
}

/* W-10: content of one channel may interleave with frames of another channel. */
static void
w10_interleave(void)
{
    struct wire w;
    struct frame f;
    const char *q = sc_queue("inter");
    wire_open(&w, 1);
    wire_channel_open(&w, 2);
    wire_queue_declare(&w, 2, q, 0);
    wire_expect(&w, &f, 2, 50, 11);
    send_publish_method(&w, q);
    wire_send_header(&w, 1, 60, 2);
    send_qos(&w, 2);
    wire_expect(&w, &f, 2, 60, 11);
    wire_send_frame(&w, WIRE_BODY, 1, "hi", 2);
    send_get(&w, q);
    wire_next(&w, &f);
    CHECK(f.type == WIRE_METHOD && f.cls == 60 && f.meth == 71,
          "interleaved publish did not arrive (frame type %u %u/%u)", f.type, f.cls, f.meth);
    wire_close(&w);
}

static void
w12_truncated_args(void)
{
    struct wire w;
    struct buf b = {0};
    wire_open(&w, 1);
    buf_u16(&b, 0);
    wire_send_method(&w, 1, 50, 10, &b);
    buf_free(&b);
    wire_expect_conn_close(&w, 501, "FRAME_ERROR - cannot decode <<0,0>>", 50, 10);
    wire_close(&w);
}

static void
w12_bad_utf8(void)
{
    struct wire w;
    wire_open(&w, 1);
    wire_queue_declare(&w, 1, "bad\xff\xfename", 0);
    /* Unlike a truncated method, RabbitMQ reports this one as a frame-level error (0/0). */
    wire_expect_conn_close(&w, 501, "FRAME_ERROR - Malformed UTF-8 in shortstr", 0, 0);
    wire_close(&w);
}

/* W-11 (RabbitMQ stalls the channel): a body longer than declared is a frame error. */
static void
w11_body_too_long(void)
{
    struct wire w;
    struct frame f;
    wire_open(&w, 1);
    send_publish_method(&w, sc_unique("nowhere"));
    wire_send_header(&w, 1, 60, 2);
    wire_send_frame(&w, WIRE_BODY, 1, "toolong", 7);
    wire_expect(&w, &f, 0, 10, 50);
    uint16_t code = rd_u16(&f.args);
    CHECK(code == 501 || code == 505, "reply-code %u, want 501 or 505", code);
    wire_close(&w);
}

/* W-13 (RabbitMQ resets the socket): unknown class/method is refused with a close. */
static void
w13_unknown_method(void)
{
    struct wire w;
    struct frame f;
    wire_open(&w, 1);
    wire_send_method(&w, 1, 99, 99, NULL);
    wire_expect(&w, &f, 0, 10, 50);
    uint16_t code = rd_u16(&f.args);
    CHECK(code == 540 || code == 503, "reply-code %u, want 540 or 503", code);
    wire_close(&w);
}

const struct scenario sc_framing[] = {
        {"W-04", "framing", "", w04_frame_too_large, "frame over frame_max 501"},
        {"W-05", "framing", "", w05_body_split, "body split 4088/4088/1824 at frame_max 4096"},
        {"W-05", "framing", "", w05_empty_body, "empty body: header only"},
        {"W-06", "framing", "", w06_bad_frame_end, "bad frame end octet 501"},
        {"W-07", "framing", "", w07_unknown_frame_type, "unknown frame type 501"},
        {"W-08", "framing", "", w08_heartbeat_on_channel, "heartbeat on channel 1 505"},
        {"W-09", "framing", "", w09_header_without_method, "header without method 505"},
        {"W-10", "framing", "", w10_header_wrong_class, "header for wrong class 505"},
        {"W-10", "framing", "", w10_method_instead_of_header, "method while header expected 505"},
        {"W-10", "framing", "", w10_method_instead_of_body, "method while body expected 505"},
        {"W-10", "framing", "", w10_interleave, "content interleaves with other channels"},
        {"W-11", "framing", "rmq-bug", w11_body_too_long, "body longer than declared refused"},
        {"W-12", "framing", "", w12_truncated_args, "truncated method args 501"},
        {"W-12", "framing", "", w12_bad_utf8, "malformed UTF-8 shortstr 501"},
        {"W-13", "framing", "rmq-bug", w13_unknown_method, "unknown class/method refused"},
        {NULL, NULL, NULL, NULL, NULL},
};
