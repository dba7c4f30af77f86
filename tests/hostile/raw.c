/* SPDX-License-Identifier: MPL-2.0 */
/* Raw AMQP frames for the hostile tests: byte builders, a frame reader, the handshake. */
#define _POSIX_C_SOURCE 200809L

#include "tests/hostile/raw.h"

#include <arpa/inet.h>
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

int64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool
target_is_loopback(const char *host)
{
    return strcmp(host, "127.0.0.1") == 0 || strcmp(host, "::1") == 0 ||
           strcmp(host, "localhost") == 0;
}

static void
ob_reserve(struct obuf *b, size_t n)
{
    if (b->len + n <= b->cap)
        return;
    b->cap = (b->len + n) * 2 + 64;
    b->p = realloc(b->p, b->cap);
    if (b->p == NULL) {
        perror("realloc");
        exit(99);
    }
}

void
ob_free(struct obuf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

void
ob_bytes(struct obuf *b, const void *p, size_t n)
{
    ob_reserve(b, n);
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
}

void
ob_u8(struct obuf *b, uint8_t v)
{
    ob_bytes(b, &v, 1);
}

void
ob_u16(struct obuf *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    ob_bytes(b, x, 2);
}

void
ob_u32(struct obuf *b, uint32_t v)
{
    ob_u16(b, (uint16_t)(v >> 16));
    ob_u16(b, (uint16_t)v);
}

void
ob_u64(struct obuf *b, uint64_t v)
{
    ob_u32(b, (uint32_t)(v >> 32));
    ob_u32(b, (uint32_t)v);
}

void
ob_sstr(struct obuf *b, const char *s)
{
    size_t n = strlen(s);
    ob_u8(b, (uint8_t)n);
    ob_bytes(b, s, n);
}

void
ob_lstr(struct obuf *b, const void *s, uint32_t n)
{
    ob_u32(b, n);
    ob_bytes(b, s, n);
}

void
ob_frame(struct obuf *b, uint8_t type, uint16_t ch, const struct obuf *payload)
{
    size_t n = payload ? payload->len : 0;

    ob_u8(b, type);
    ob_u16(b, ch);
    ob_u32(b, (uint32_t)n);
    if (n)
        ob_bytes(b, payload->p, n);
    ob_u8(b, 0xCE);
}

void
ob_method(struct obuf *b, uint16_t ch, uint16_t cls, uint16_t mth, const struct obuf *args)
{
    struct obuf p = {0};

    ob_u16(&p, cls);
    ob_u16(&p, mth);
    if (args)
        ob_bytes(&p, args->p, args->len);
    ob_frame(b, 1, ch, &p);
    ob_free(&p);
}

void
raw_header(struct obuf *b)
{
    ob_bytes(b, "AMQP\0\0\x09\x01", 8);
}

void
raw_start_ok(struct obuf *b)
{
    struct obuf a = {0};

    ob_u32(&a, 0); /* client-properties: empty table */
    ob_sstr(&a, "PLAIN");
    ob_lstr(&a, "\0guest\0guest", 12);
    ob_sstr(&a, "en_US");
    ob_method(b, 0, 10, 11, &a);
    ob_free(&a);
}

void
raw_tune_ok(struct obuf *b, uint16_t heartbeat)
{
    struct obuf a = {0};

    ob_u16(&a, 2047);
    ob_u32(&a, 131072);
    ob_u16(&a, heartbeat);
    ob_method(b, 0, 10, 31, &a);
    ob_free(&a);
}

void
raw_open(struct obuf *b)
{
    struct obuf a = {0};

    ob_sstr(&a, "/");
    ob_sstr(&a, "");
    ob_u8(&a, 0);
    ob_method(b, 0, 10, 40, &a);
    ob_free(&a);
}

void
raw_channel_open(struct obuf *b, uint16_t ch)
{
    struct obuf a = {0};

    ob_sstr(&a, "");
    ob_method(b, ch, 20, 10, &a);
    ob_free(&a);
}

void
raw_queue_declare(struct obuf *b, uint16_t ch, const char *q, uint8_t flags)
{
    struct obuf a = {0};

    ob_u16(&a, 0);
    ob_sstr(&a, q);
    ob_u8(&a, flags);
    ob_u32(&a, 0);
    ob_method(b, ch, 50, 10, &a);
    ob_free(&a);
}

void
raw_publish(struct obuf *b, uint16_t ch, const char *rk, const void *body, size_t len,
            uint32_t frame_max)
{
    struct obuf a = {0}, h = {0};
    size_t chunk = frame_max - 8;

    ob_u16(&a, 0);
    ob_sstr(&a, "");
    ob_sstr(&a, rk);
    ob_u8(&a, 0);
    ob_method(b, ch, 60, 40, &a);
    ob_u16(&h, 60);
    ob_u16(&h, 0);
    ob_u64(&h, len);
    ob_u16(&h, 0);
    ob_frame(b, 2, ch, &h);
    for (size_t off = 0; off < len; off += chunk) {
        struct obuf p = {0};
        ob_bytes(&p, (const uint8_t *)body + off, len - off < chunk ? len - off : chunk);
        ob_frame(b, 3, ch, &p);
        ob_free(&p);
    }
    ob_free(&a);
    ob_free(&h);
}

void
raw_consume(struct obuf *b, uint16_t ch, const char *q, bool no_ack)
{
    struct obuf a = {0};

    ob_u16(&a, 0);
    ob_sstr(&a, q);
    ob_sstr(&a, "");
    ob_u8(&a, no_ack ? 2 : 0);
    ob_u32(&a, 0);
    ob_method(b, ch, 60, 20, &a);
    ob_free(&a);
}

int
raw_connect(const char *host, int port, int rcvbuf)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
    char service[16];
    int fd = -1, one = 1;

    if (!target_is_loopback(host))
        return -1;
    snprintf(service, sizeof(service), "%d", port);
    if (getaddrinfo(host, service, &hints, &ai) != 0)
        return -1;
    fd = socket(ai->ai_family, SOCK_STREAM, 0);
    if (fd >= 0) {
        /* before connect, so the window the broker sees is small from the start */
        if (rcvbuf > 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(ai);
    return fd;
}

bool
raw_send(int fd, const void *p, size_t n, int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    const uint8_t *q = p;

    while (n > 0) {
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        int left = (int)(deadline - now_ms());
        if (left <= 0 || poll(&pfd, 1, left) <= 0)
            return false;
        ssize_t w = send(fd, q, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (w <= 0)
            return false;
        q += w;
        n -= (size_t)w;
    }
    return true;
}

/* Reads exactly n bytes: 1, 0 on EOF, -1 on error, -2 on timeout. */
static int
read_full(int fd, uint8_t *p, size_t n, int64_t deadline)
{
    while (n > 0) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int left = (int)(deadline - now_ms());
        if (left <= 0)
            return -2;
        int pr = poll(&pfd, 1, left);
        if (pr == 0)
            return -2;
        if (pr < 0)
            return errno == EINTR ? read_full(fd, p, n, deadline) : -1;
        ssize_t r = recv(fd, p, n, 0);
        /* a reset is how a broker closes with our unread bytes pending: count it as EOF */
        if (r == 0 || (r < 0 && errno == ECONNRESET))
            return 0;
        if (r < 0)
            return (errno == EINTR || errno == EAGAIN) ? read_full(fd, p, n, deadline) : -1;
        p += r;
        n -= (size_t)r;
    }
    return 1;
}

int
raw_read_frame(int fd, struct frame *f, int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    uint8_t h[7], end;
    int rc;

    memset(f, 0, sizeof(*f));
    if ((rc = read_full(fd, h, 7, deadline)) != 1)
        return rc;
    f->type = h[0];
    f->ch = (uint16_t)(h[1] << 8 | h[2]);
    f->size = (uint32_t)h[3] << 24 | (uint32_t)h[4] << 16 | (uint32_t)h[5] << 8 | h[6];
    if (f->size > (64u << 20))
        return -1; /* nothing we provoke is this large: the stream is garbage */
    f->payload = malloc(f->size + 1);
    if (f->payload == NULL)
        return -1;
    f->payload[f->size] = 0;
    if ((rc = read_full(fd, f->payload, f->size, deadline)) != 1 ||
        (rc = read_full(fd, &end, 1, deadline)) != 1) {
        frame_free(f);
        return rc;
    }
    if (end != 0xCE) {
        frame_free(f);
        return -1;
    }
    if (f->type == 1 && f->size >= 4) {
        f->cls = (uint16_t)(f->payload[0] << 8 | f->payload[1]);
        f->mth = (uint16_t)(f->payload[2] << 8 | f->payload[3]);
    }
    return 1;
}

void
frame_free(struct frame *f)
{
    free(f->payload);
    f->payload = NULL;
}

/* Waits for method cls/mth, skipping heartbeats. */
bool
expect_method(int fd, uint16_t cls, uint16_t mth, int timeout_ms)
{
    struct frame f;
    int64_t deadline = now_ms() + timeout_ms;

    while (now_ms() < deadline) {
        if (raw_read_frame(fd, &f, (int)(deadline - now_ms())) != 1)
            return false;
        bool hit = f.type == 1 && f.cls == cls && f.mth == mth;
        bool skip = f.type == 8;
        frame_free(&f);
        if (hit)
            return true;
        if (!skip)
            return false;
    }
    return false;
}

int
raw_session(const char *host, int port, uint16_t heartbeat, bool with_channel, char *err,
            size_t errcap)
{
    return raw_session_rcvbuf(host, port, heartbeat, with_channel, 0, err, errcap);
}

int
raw_session_rcvbuf(const char *host, int port, uint16_t heartbeat, bool with_channel, int rcvbuf,
                   char *err, size_t errcap)
{
    struct obuf b = {0};
    int fd = raw_connect(host, port, rcvbuf);
    const char *why = NULL;

    if (fd < 0) {
        snprintf(err, errcap, "connect failed: %s", strerror(errno));
        return -1;
    }
    raw_header(&b);
    if (!raw_send(fd, b.p, b.len, 5000) || !expect_method(fd, 10, 10, 5000))
        why = "no connection.start";
    b.len = 0;
    raw_start_ok(&b);
    if (!why && (!raw_send(fd, b.p, b.len, 5000) || !expect_method(fd, 10, 30, 5000)))
        why = "no connection.tune";
    b.len = 0;
    raw_tune_ok(&b, heartbeat);
    raw_open(&b);
    if (!why && (!raw_send(fd, b.p, b.len, 5000) || !expect_method(fd, 10, 41, 5000)))
        why = "no connection.open-ok";
    b.len = 0;
    raw_channel_open(&b, 1);
    if (!why && with_channel &&
        (!raw_send(fd, b.p, b.len, 5000) || !expect_method(fd, 20, 11, 5000)))
        why = "no channel.open-ok";
    ob_free(&b);
    if (why) {
        snprintf(err, errcap, "%s", why);
        close(fd);
        return -1;
    }
    return fd;
}

static void
parse_close(const struct frame *f, struct close_result *r)
{
    const uint8_t *p = f->payload + 4;
    size_t n = f->size - 4;

    r->code = n >= 2 ? (uint16_t)(p[0] << 8 | p[1]) : 0;
    if (n >= 3 && (size_t)p[2] + 3 <= n)
        snprintf(r->text, sizeof(r->text), "%.*s", p[2], (const char *)p + 3);
}

/* After connection.close: answer close-ok. Closing the socket is then the client's move, as
 * with RabbitMQ (C-16); the broker only lingers for it, so nothing is awaited here. */
static void
finish_conn_close(int fd)
{
    struct obuf b = {0};

    ob_method(&b, 0, 10, 51, NULL);
    raw_send(fd, b.p, b.len, 1000);
    ob_free(&b);
}

void
raw_expect_close(int fd, int timeout_ms, struct close_result *r)
{
    int64_t deadline = now_ms() + timeout_ms;
    struct frame f;

    memset(r, 0, sizeof(*r));
    for (;;) {
        int rc = raw_read_frame(fd, &f, (int)(deadline - now_ms()));
        r->at_ms = now_ms();
        if (rc != 1) {
            r->kind = rc == 0 ? CK_EOF : rc == -2 ? CK_TIMEOUT : CK_ERROR;
            return;
        }
        if (f.type == 1 && f.cls == 10 && f.mth == 50) {
            r->kind = CK_CONN_CLOSE;
            parse_close(&f, r);
            frame_free(&f);
            finish_conn_close(fd);
            return;
        }
        if (f.type == 1 && f.cls == 20 && f.mth == 40) {
            r->kind = CK_CHAN_CLOSE;
            parse_close(&f, r);
            frame_free(&f);
            return;
        }
        frame_free(&f);
    }
}

const char *
close_describe(const struct close_result *r, char *buf, size_t cap)
{
    static const char *const names[] = {"connection.close", "channel.close", "EOF", "timeout",
                                        "socket error/garbage"};

    if (r->kind == CK_CONN_CLOSE || r->kind == CK_CHAN_CLOSE)
        snprintf(buf, cap, "%s %u \"%s\"", names[r->kind], r->code, r->text);
    else
        snprintf(buf, cap, "%s", names[r->kind]);
    return buf;
}

void
raw_reset(int fd)
{
    struct linger l = {1, 0};

    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
    close(fd);
}
