/* SPDX-License-Identifier: MPL-2.0 */
/* A deliberately independent raw AMQP 0-9-1 client for hostile tests: frames are built by hand
 * (not with amqp/), so a codec bug cannot hide itself by being on both ends of the wire. */
#ifndef WR_HOSTILE_RAW_H
#define WR_HOSTILE_RAW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A growable byte buffer with big-endian writers. */
struct obuf {
    uint8_t *p;
    size_t len, cap;
};

void ob_free(struct obuf *b);
void ob_bytes(struct obuf *b, const void *p, size_t n);
void ob_u8(struct obuf *b, uint8_t v);
void ob_u16(struct obuf *b, uint16_t v);
void ob_u32(struct obuf *b, uint32_t v);
void ob_u64(struct obuf *b, uint64_t v);
void ob_sstr(struct obuf *b, const char *s); /* shortstr: length octet + bytes */
void ob_lstr(struct obuf *b, const void *s, uint32_t n);
/* Appends a whole frame: type, channel, payload, frame-end. */
void ob_frame(struct obuf *b, uint8_t type, uint16_t ch, const struct obuf *payload);
/* Appends a method frame whose arguments are args (may be NULL). */
void ob_method(struct obuf *b, uint16_t ch, uint16_t cls, uint16_t mth, const struct obuf *args);

/* The protocol header and the client's handshake methods as raw bytes. */
void raw_header(struct obuf *b);
void raw_start_ok(struct obuf *b);
void raw_tune_ok(struct obuf *b, uint16_t heartbeat);
void raw_open(struct obuf *b);
void raw_channel_open(struct obuf *b, uint16_t ch);
/* queue.declare with flags bits (1 passive, 2 durable, 4 exclusive, 8 auto-delete). */
void raw_queue_declare(struct obuf *b, uint16_t ch, const char *q, uint8_t flags);
void raw_publish(struct obuf *b, uint16_t ch, const char *rk, const void *body, size_t len,
                 uint32_t frame_max);
void raw_consume(struct obuf *b, uint16_t ch, const char *q, bool no_ack);

/* Connects to host:port; rcvbuf > 0 shrinks the receive buffer first. Returns fd or -1. */
int raw_connect(const char *host, int port, int rcvbuf);
/* Writes all of b; false on error or after timeout_ms. */
bool raw_send(int fd, const void *p, size_t n, int timeout_ms);

struct frame {
    uint8_t type;
    uint16_t ch;
    uint32_t size;
    uint8_t *payload;  /* owned; NUL after size bytes */
    uint16_t cls, mth; /* for method frames */
};

/* Reads one frame. Returns 1, 0 on EOF, -1 on error/garbage, -2 on timeout. */
int raw_read_frame(int fd, struct frame *f, int timeout_ms);
void frame_free(struct frame *f);

/* Opens a connection through open-ok (heartbeat as given), plus channel 1 when with_channel.
 * Returns fd, or -1 with a reason in err. */
int raw_session(const char *host, int port, uint16_t heartbeat, bool with_channel, char *err,
                size_t errcap);
int raw_session_rcvbuf(const char *host, int port, uint16_t heartbeat, bool with_channel,
                       int rcvbuf, char *err, size_t errcap);
/* Reads frames until method cls/mth, skipping heartbeats only. */
bool expect_method(int fd, uint16_t cls, uint16_t mth, int timeout_ms);
/* Drops the connection with a reset (SO_LINGER 0), as a crashed client would. */
void raw_reset(int fd);

enum close_kind { CK_CONN_CLOSE, CK_CHAN_CLOSE, CK_EOF, CK_TIMEOUT, CK_ERROR };
struct close_result {
    enum close_kind kind;
    uint16_t code;
    char text[256];
    int64_t at_ms; /* when the close (or EOF) arrived, now_ms() clock */
};

/* Reads until the broker closes the connection (answered with close-ok; the socket is then
 * ours to close) or a channel, the socket ends, or the timeout passes. */
void raw_expect_close(int fd, int timeout_ms, struct close_result *r);
const char *close_describe(const struct close_result *r, char *buf, size_t cap);

/* Monotonic milliseconds. */
int64_t now_ms(void);
/* Refuses anything but loopback targets: hostile traffic must never leave the host. */
bool target_is_loopback(const char *host);

#endif
