/* SPDX-License-Identifier: MPL-2.0 */
/* A small raw AMQP 0-9-1 client for the compat suite: byte builders, frame I/O with
 * timeouts, a hand-driven handshake and close expectations. Independent of amqp/. */
#ifndef WR_COMPAT_WIRE_H
#define WR_COMPAT_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define WIRE_METHOD    1
#define WIRE_HEADER    2
#define WIRE_BODY      3
#define WIRE_HEARTBEAT 8
#define WIRE_TIMEOUT   5000 /* ms; default wait for an expected frame */

/* Growable byte buffer; append-only. */
struct buf {
    uint8_t *p;
    size_t len, cap;
};

void buf_free(struct buf *b);
void buf_bytes(struct buf *b, const void *p, size_t n);
void buf_u8(struct buf *b, uint8_t v);
void buf_u16(struct buf *b, uint16_t v);
void buf_u32(struct buf *b, uint32_t v);
void buf_u64(struct buf *b, uint64_t v);
void buf_shortstr(struct buf *b, const char *s);
void buf_longstr(struct buf *b, const char *s);
/* Field tables: begin returns the offset of the length word, end patches it. */
size_t buf_table_begin(struct buf *b);
void buf_table_end(struct buf *b, size_t at);
void buf_field_bool(struct buf *b, const char *key, int v);
void buf_field_str(struct buf *b, const char *key, const char *v);
void buf_field_int(struct buf *b, const char *key, int32_t v);

/* Cursor over a received payload; any overrun sets err and yields zeros. */
struct rd {
    const uint8_t *p;
    size_t len, off;
    int err;
};

uint8_t rd_u8(struct rd *r);
uint16_t rd_u16(struct rd *r);
uint32_t rd_u32(struct rd *r);
uint64_t rd_u64(struct rd *r);
/* Copies a shortstr/longstr into a scenario-lifetime NUL-terminated string. */
const char *rd_shortstr(struct rd *r);
const char *rd_longstr(struct rd *r, size_t *len);
void rd_skip(struct rd *r, size_t n);

struct frame {
    uint8_t type;
    uint16_t channel;
    uint32_t size;
    uint8_t *payload;   /* owned by the frame; valid until the next wire_read */
    uint16_t cls, meth; /* for method frames */
    struct rd args;     /* method arguments (after class/method ids) */
};

struct wire {
    int fd;
    uint8_t in[1 << 18];
    size_t in_len;
    uint8_t *last; /* payload of the last frame returned */
};

/* Connects or fails the scenario. */
void wire_connect(struct wire *w);
void wire_close(struct wire *w);
void wire_send(struct wire *w, const void *p, size_t n);
void wire_send_frame(struct wire *w, uint8_t type, uint16_t ch, const void *payload, size_t n);
/* args may be NULL (no arguments). */
void wire_send_method(struct wire *w, uint16_t ch, uint16_t cls, uint16_t meth,
                      const struct buf *args);
/* Content header for class 60 with the given body size and no properties. */
void wire_send_header(struct wire *w, uint16_t ch, uint16_t cls, uint64_t body_size);

/* Reads one frame. Returns 1 on a frame, 0 on EOF/reset, -1 on timeout. */
int wire_read(struct wire *w, struct frame *f, int timeout_ms);
/* Reads exactly n raw bytes; returns bytes read before EOF/timeout. */
size_t wire_read_raw(struct wire *w, uint8_t *out, size_t n, int timeout_ms);
/* Returns 1 if the peer closes the socket within timeout_ms (data is discarded). */
int wire_wait_eof(struct wire *w, int timeout_ms);

/* Next frame, skipping heartbeats; fails the scenario on EOF or timeout. */
void wire_next(struct wire *w, struct frame *f);
/* Next frame must be method cls/meth on ch. */
void wire_expect(struct wire *w, struct frame *f, uint16_t ch, uint16_t cls, uint16_t meth);

struct handshake {
    const char *user, *pass, *vhost, *mechanism;
    int caps;             /* advertise consumer_cancel_notify etc. in client caps */
    uint16_t channel_max; /* 0: accept server's */
    uint32_t frame_max;   /* 0: accept server's */
    uint16_t heartbeat;
};

/* Defaults: guest/guest, vhost "/", PLAIN, caps on, server's tune values, heartbeat 0. */
struct handshake wire_defaults(void);
/* Handshake steps, for scenarios that stop or deviate part-way:
 * wire_start sends the header, expects connection.start (copied to *start if not NULL)
 * and answers start-ok; wire_tune expects tune (into *tune) and sends tune-ok;
 * wire_send_open sends connection.open without waiting. */
void wire_start(struct wire *w, const struct handshake *h, struct frame *start);
void wire_tune(struct wire *w, const struct handshake *h, struct frame *tune);
void wire_send_open(struct wire *w, const char *vhost);
/* Performs header → open-ok; fails the scenario on anything unexpected. */
void wire_login(struct wire *w, const struct handshake *h);
/* Connect + login with defaults + open channel ch (if ch != 0). */
void wire_open(struct wire *w, uint16_t ch);
void wire_channel_open(struct wire *w, uint16_t ch);

/* Expect connection.close on channel 0 with exact code/text/class/method, answer close-ok. */
void wire_expect_conn_close(struct wire *w, uint16_t code, const char *text, uint16_t cls,
                            uint16_t meth);
void wire_expect_ch_close(struct wire *w, uint16_t ch, uint16_t code, const char *text,
                          uint16_t cls, uint16_t meth);

/* Frequently used methods. */
void wire_queue_declare(struct wire *w, uint16_t ch, const char *q, uint8_t bits);
void wire_publish(struct wire *w, uint16_t ch, const char *ex, const char *rk, const void *body,
                  size_t n, uint32_t frame_max);

#endif
