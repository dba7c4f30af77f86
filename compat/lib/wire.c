/* SPDX-License-Identifier: MPL-2.0 */
/* Raw AMQP client for compat scenarios: frames are built and read by hand so the
 * suite can send what real clients never would and see exact frame boundaries. */
#include "config.h"

#include "compat/lib/wire.h"

#include "compat/lib/suite.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

void
buf_free(struct buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void
buf_bytes(struct buf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *np = realloc(b->p, cap);
        if (!np)
            sc_fail("out of memory");
        b->p = np;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
}

void
buf_u8(struct buf *b, uint8_t v)
{
    buf_bytes(b, &v, 1);
}

void
buf_u16(struct buf *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    buf_bytes(b, x, 2);
}

void
buf_u32(struct buf *b, uint32_t v)
{
    buf_u16(b, (uint16_t)(v >> 16));
    buf_u16(b, (uint16_t)v);
}

void
buf_u64(struct buf *b, uint64_t v)
{
    buf_u32(b, (uint32_t)(v >> 32));
    buf_u32(b, (uint32_t)v);
}

void
buf_shortstr(struct buf *b, const char *s)
{
    size_t n = strlen(s);
    if (n > 255)
        sc_fail("shortstr too long");
    buf_u8(b, (uint8_t)n);
    buf_bytes(b, s, n);
}

void
buf_longstr(struct buf *b, const char *s)
{
    size_t n = strlen(s);
    buf_u32(b, (uint32_t)n);
    buf_bytes(b, s, n);
}

size_t
buf_table_begin(struct buf *b)
{
    size_t at = b->len;
    buf_u32(b, 0);
    return at;
}

void
buf_table_end(struct buf *b, size_t at)
{
    uint32_t n = (uint32_t)(b->len - at - 4);
    b->p[at] = (uint8_t)(n >> 24);
    b->p[at + 1] = (uint8_t)(n >> 16);
    b->p[at + 2] = (uint8_t)(n >> 8);
    b->p[at + 3] = (uint8_t)n;
}

void
buf_field_bool(struct buf *b, const char *key, int v)
{
    buf_shortstr(b, key);
    buf_u8(b, 't');
    buf_u8(b, v ? 1 : 0);
}

void
buf_field_str(struct buf *b, const char *key, const char *v)
{
    buf_shortstr(b, key);
    buf_u8(b, 'S');
    buf_longstr(b, v);
}

void
buf_field_int(struct buf *b, const char *key, int32_t v)
{
    buf_shortstr(b, key);
    buf_u8(b, 'I');
    buf_u32(b, (uint32_t)v);
}

static const uint8_t *
rd_take(struct rd *r, size_t n)
{
    static const uint8_t zeros[8];
    if (r->err || r->len - r->off < n) {
        r->err = 1;
        return zeros;
    }
    const uint8_t *p = r->p + r->off;
    r->off += n;
    return p;
}

uint8_t
rd_u8(struct rd *r)
{
    return *rd_take(r, 1);
}

uint16_t
rd_u16(struct rd *r)
{
    const uint8_t *p = rd_take(r, 2);
    return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t
rd_u32(struct rd *r)
{
    uint32_t hi = rd_u16(r);
    return hi << 16 | rd_u16(r);
}

uint64_t
rd_u64(struct rd *r)
{
    uint64_t hi = rd_u32(r);
    return hi << 32 | rd_u32(r);
}

static const char *
rd_copy(struct rd *r, size_t n)
{
    if (r->err || r->len - r->off < n) {
        r->err = 1;
        return "";
    }
    const char *s = sc_fmt("%.*s", (int)n, (const char *)r->p + r->off);
    r->off += n;
    return s;
}

const char *
rd_shortstr(struct rd *r)
{
    return rd_copy(r, rd_u8(r));
}

const char *
rd_longstr(struct rd *r, size_t *len)
{
    uint32_t n = rd_u32(r);
    if (len)
        *len = n;
    return rd_copy(r, n);
}

void
rd_skip(struct rd *r, size_t n)
{
    rd_take(r, n);
}

void
wire_connect(struct wire *w)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    char port[16];
    snprintf(port, sizeof(port), "%d", sc_port);
    memset(w, 0, sizeof(*w));
    int rc = getaddrinfo(sc_host, port, &hints, &res);
    if (rc != 0)
        sc_fail("resolve %s: %s", sc_host, gai_strerror(rc));
    w->fd = socket(res->ai_family, SOCK_STREAM, 0);
    if (w->fd < 0 || connect(w->fd, res->ai_addr, res->ai_addrlen) < 0)
        sc_fail("connect %s:%d: %s", sc_host, sc_port, strerror(errno));
    freeaddrinfo(res);
    int one = 1;
    setsockopt(w->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

void
wire_close(struct wire *w)
{
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    free(w->last);
    w->last = NULL;
}

void
wire_send(struct wire *w, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n) {
        ssize_t k = send(w->fd, b, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            sc_fail("send: %s", strerror(errno));
        b += k;
        n -= (size_t)k;
    }
}

void
wire_send_frame(struct wire *w, uint8_t type, uint16_t ch, const void *payload, size_t n)
{
    struct buf b = {0};
    buf_u8(&b, type);
    buf_u16(&b, ch);
    buf_u32(&b, (uint32_t)n);
    buf_bytes(&b, payload, n);
    buf_u8(&b, 0xCE);
    wire_send(w, b.p, b.len);
    buf_free(&b);
}

void
wire_send_method(struct wire *w, uint16_t ch, uint16_t cls, uint16_t meth, const struct buf *args)
{
    struct buf b = {0};
    buf_u16(&b, cls);
    buf_u16(&b, meth);
    if (args)
        buf_bytes(&b, args->p, args->len);
    wire_send_frame(w, WIRE_METHOD, ch, b.p, b.len);
    buf_free(&b);
}

void
wire_send_header(struct wire *w, uint16_t ch, uint16_t cls, uint64_t body_size)
{
    struct buf b = {0};
    buf_u16(&b, cls);
    buf_u16(&b, 0); /* weight */
    buf_u64(&b, body_size);
    buf_u16(&b, 0); /* no properties */
    wire_send_frame(w, WIRE_HEADER, ch, b.p, b.len);
    buf_free(&b);
}

static long
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Reads more bytes into w->in. Returns >0 bytes, 0 EOF/reset, -1 timeout. */
static int
fill(struct wire *w, long deadline)
{
    if (w->in_len == sizeof(w->in))
        sc_fail("inbound frame larger than %zu bytes", sizeof(w->in));
    for (;;) {
        long left = deadline - now_ms();
        if (left <= 0)
            return -1;
        struct pollfd p = {.fd = w->fd, .events = POLLIN};
        int rc = poll(&p, 1, (int)left);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc == 0)
            return -1;
        ssize_t n = recv(w->fd, w->in + w->in_len, sizeof(w->in) - w->in_len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return 0;
        w->in_len += (size_t)n;
        return (int)n;
    }
}

static void
consume_in(struct wire *w, size_t n)
{
    memmove(w->in, w->in + n, w->in_len - n);
    w->in_len -= n;
}

int
wire_read(struct wire *w, struct frame *f, int timeout_ms)
{
    long deadline = now_ms() + timeout_ms;
    for (;;) {
        if (w->in_len >= 7) {
            uint32_t size = (uint32_t)w->in[3] << 24 | (uint32_t)w->in[4] << 16 |
                            (uint32_t)w->in[5] << 8 | w->in[6];
            if (size > sizeof(w->in) - 8)
                sc_fail("server sent a %u-byte frame", size);
            if (w->in_len >= (size_t)size + 8) {
                if (w->in[7 + size] != 0xCE)
                    sc_fail("server frame without 0xCE end marker");
                free(w->last);
                w->last = malloc(size ? size : 1);
                if (!w->last)
                    sc_fail("out of memory");
                memcpy(w->last, w->in + 7, size);
                memset(f, 0, sizeof(*f));
                f->type = w->in[0];
                f->channel = (uint16_t)(w->in[1] << 8 | w->in[2]);
                f->size = size;
                f->payload = w->last;
                consume_in(w, (size_t)size + 8);
                if (f->type == WIRE_METHOD) {
                    struct rd r = {f->payload, size, 0, 0};
                    f->cls = rd_u16(&r);
                    f->meth = rd_u16(&r);
                    f->args = (struct rd){f->payload + 4, size >= 4 ? size - 4 : 0, 0, 0};
                }
                return 1;
            }
        }
        int rc = fill(w, deadline);
        if (rc <= 0)
            return rc;
    }
}

size_t
wire_read_raw(struct wire *w, uint8_t *out, size_t n, int timeout_ms)
{
    long deadline = now_ms() + timeout_ms;
    while (w->in_len < n && fill(w, deadline) > 0)
        ;
    size_t k = w->in_len < n ? w->in_len : n;
    memcpy(out, w->in, k);
    consume_in(w, k);
    return k;
}

int
wire_wait_eof(struct wire *w, int timeout_ms)
{
    long deadline = now_ms() + timeout_ms;
    for (;;) {
        w->in_len = 0;
        int rc = fill(w, deadline);
        if (rc == 0)
            return 1;
        if (rc < 0)
            return 0;
    }
}

void
wire_next(struct wire *w, struct frame *f)
{
    for (;;) {
        int rc = wire_read(w, f, WIRE_TIMEOUT);
        if (rc == 0)
            sc_fail("connection closed by server while waiting for a frame");
        if (rc < 0)
            sc_fail("no frame from server within %d ms", WIRE_TIMEOUT);
        if (f->type != WIRE_HEARTBEAT)
            return;
    }
}

/* Describes an unexpected frame, decoding close methods for a useful message. */
static const char *
describe(struct frame *f)
{
    if (f->type == WIRE_METHOD && (f->cls == 10 || f->cls == 20) &&
        f->meth == 40 + 10 * (f->cls == 10)) {
        struct rd r = f->args;
        uint16_t code = rd_u16(&r);
        const char *text = rd_shortstr(&r);
        return sc_fmt("%s.close %u \"%s\" on ch %u", f->cls == 10 ? "connection" : "channel", code,
                      text, f->channel);
    }
    if (f->type == WIRE_METHOD)
        return sc_fmt("method %u/%u on ch %u", f->cls, f->meth, f->channel);
    return sc_fmt("frame type %u on ch %u (%u bytes)", f->type, f->channel, f->size);
}

void
wire_expect(struct wire *w, struct frame *f, uint16_t ch, uint16_t cls, uint16_t meth)
{
    wire_next(w, f);
    if (f->type != WIRE_METHOD || f->channel != ch || f->cls != cls || f->meth != meth)
        sc_fail("expected method %u/%u on ch %u, got %s", cls, meth, ch, describe(f));
}

struct handshake
wire_defaults(void)
{
    return (struct handshake){
            .user = "guest", .pass = "guest", .vhost = "/", .mechanism = "PLAIN", .caps = 1};
}

static void
client_properties(struct buf *b, int caps)
{
    size_t t = buf_table_begin(b);
    buf_field_str(b, "product", "warren-compat");
    if (caps) {
        static const char *const names[] = {"authentication_failure_close",
                                            "consumer_cancel_notify",
                                            "publisher_confirms",
                                            "exchange_exchange_bindings",
                                            "basic.nack",
                                            "connection.blocked"};
        buf_shortstr(b, "capabilities");
        buf_u8(b, 'F');
        size_t c = buf_table_begin(b);
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            buf_field_bool(b, names[i], 1);
        buf_table_end(b, c);
    }
    buf_table_end(b, t);
}

/* SASL response: PLAIN is "\0user\0pass"; AMQPLAIN is a table body without its length. */
static void
sasl_response(struct buf *b, const struct handshake *h)
{
    struct buf r = {0};
    if (!strcmp(h->mechanism, "AMQPLAIN")) {
        size_t t = buf_table_begin(&r);
        buf_field_str(&r, "LOGIN", h->user);
        buf_field_str(&r, "PASSWORD", h->pass);
        buf_table_end(&r, t);
        buf_u32(b, (uint32_t)(r.len - 4));
        buf_bytes(b, r.p + 4, r.len - 4);
    } else {
        buf_u8(&r, 0);
        buf_bytes(&r, h->user, strlen(h->user));
        buf_u8(&r, 0);
        buf_bytes(&r, h->pass, strlen(h->pass));
        buf_u32(b, (uint32_t)r.len);
        buf_bytes(b, r.p, r.len);
    }
    buf_free(&r);
}

void
wire_start(struct wire *w, const struct handshake *h, struct frame *start)
{
    struct frame f;
    wire_send(w, "AMQP\0\0\x09\x01", 8);
    wire_expect(w, &f, 0, 10, 10);
    if (start)
        *start = f;
    struct buf b = {0};
    client_properties(&b, h->caps);
    buf_shortstr(&b, h->mechanism);
    sasl_response(&b, h);
    buf_shortstr(&b, "en_US");
    wire_send_method(w, 0, 10, 11, &b);
    buf_free(&b);
}

void
wire_tune(struct wire *w, const struct handshake *h, struct frame *tune)
{
    struct frame f;
    wire_expect(w, &f, 0, 10, 30);
    struct rd r = f.args;
    uint16_t channel_max = rd_u16(&r);
    uint32_t frame_max = rd_u32(&r);
    if (tune)
        *tune = f;
    struct buf b = {0};
    buf_u16(&b, h->channel_max ? h->channel_max : channel_max);
    buf_u32(&b, h->frame_max ? h->frame_max : frame_max);
    buf_u16(&b, h->heartbeat);
    wire_send_method(w, 0, 10, 31, &b);
    buf_free(&b);
}

void
wire_send_open(struct wire *w, const char *vhost)
{
    struct buf b = {0};
    buf_shortstr(&b, vhost);
    buf_shortstr(&b, "");
    buf_u8(&b, 0);
    wire_send_method(w, 0, 10, 40, &b);
    buf_free(&b);
}

void
wire_login(struct wire *w, const struct handshake *h)
{
    struct frame f;
    wire_start(w, h, NULL);
    wire_tune(w, h, NULL);
    wire_send_open(w, h->vhost);
    wire_expect(w, &f, 0, 10, 41);
}

void
wire_channel_open(struct wire *w, uint16_t ch)
{
    struct frame f;
    struct buf b = {0};
    buf_shortstr(&b, "");
    wire_send_method(w, ch, 20, 10, &b);
    buf_free(&b);
    wire_expect(w, &f, ch, 20, 11);
}

void
wire_open(struct wire *w, uint16_t ch)
{
    struct handshake h = wire_defaults();
    wire_connect(w);
    wire_login(w, &h);
    if (ch)
        wire_channel_open(w, ch);
}

static void
expect_close(struct wire *w, uint16_t ch, uint16_t cls_close, uint16_t code, const char *text,
             uint16_t cls, uint16_t meth)
{
    struct frame f;
    uint16_t close_meth = cls_close == 10 ? 50 : 40;
    wire_expect(w, &f, ch, cls_close, close_meth);
    struct rd r = f.args;
    uint16_t got_code = rd_u16(&r);
    const char *got_text = rd_shortstr(&r);
    uint16_t got_cls = rd_u16(&r), got_meth = rd_u16(&r);
    CHECK(!r.err, "truncated close method");
    CHECK_INT(got_code, code, "reply-code");
    CHECK_STR(got_text, text, "reply-text");
    CHECK(got_cls == cls && got_meth == meth, "close class/method: got %u/%u, want %u/%u", got_cls,
          got_meth, cls, meth);
    wire_send_method(w, ch, cls_close, close_meth + 1, NULL);
}

void
wire_expect_conn_close(struct wire *w, uint16_t code, const char *text, uint16_t cls, uint16_t meth)
{
    expect_close(w, 0, 10, code, text, cls, meth);
}

void
wire_expect_ch_close(struct wire *w, uint16_t ch, uint16_t code, const char *text, uint16_t cls,
                     uint16_t meth)
{
    expect_close(w, ch, 20, code, text, cls, meth);
}

void
wire_queue_declare(struct wire *w, uint16_t ch, const char *q, uint8_t bits)
{
    struct buf b = {0};
    buf_u16(&b, 0);
    buf_shortstr(&b, q);
    buf_u8(&b, bits);
    buf_u32(&b, 0); /* empty arguments table */
    wire_send_method(w, ch, 50, 10, &b);
    buf_free(&b);
}

void
wire_publish(struct wire *w, uint16_t ch, const char *ex, const char *rk, const void *body,
             size_t n, uint32_t frame_max)
{
    struct buf b = {0};
    buf_u16(&b, 0);
    buf_shortstr(&b, ex);
    buf_shortstr(&b, rk);
    buf_u8(&b, 0);
    wire_send_method(w, ch, 60, 40, &b);
    buf_free(&b);
    wire_send_header(w, ch, 60, n);
    size_t chunk = frame_max - 8;
    for (size_t off = 0; off < n; off += chunk) {
        size_t k = n - off < chunk ? n - off : chunk;
        wire_send_frame(w, WIRE_BODY, ch, (const uint8_t *)body + off, k);
    }
}
