/* SPDX-License-Identifier: MPL-2.0 */
/* Malformed input, one fresh connection per case: every frame-level and argument-level defect
 * must end in the close code the reference gives (W-04..W-13), never in a crash or a hang.
 * Then random bytes, after a valid handshake and instead of the protocol header. */
#define _POSIX_C_SOURCE 200809L

#include "tests/hostile/hostile.h"
#include "tests/hostile/raw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Where a case starts: a bare socket, or a session with channel 1 open. */
enum start { ST_BARE, ST_SESSION };

struct mcase {
    const char *name;
    enum start start;
    void (*build)(struct obuf *b);
    enum close_kind kind; /* expected */
    uint16_t code;        /* 0: any code */
    uint16_t alt_code;    /* also acceptable (the reference allows two) */
};

static void
b_bad_frame_end(struct obuf *b)
{
    size_t at;

    raw_channel_open(b, 2);
    at = b->len - 1;
    b->p[at] = 0x00;
}

static void
b_unknown_type(struct obuf *b)
{
    struct obuf p = {0};
    ob_bytes(&p, "abc", 3);
    ob_frame(b, 9, 0, &p);
    ob_free(&p);
}

/* A frame header announcing more than frame_max: the broker must not wait for the payload. */
static void
b_oversize(struct obuf *b)
{
    ob_u8(b, 1);
    ob_u16(b, 1);
    ob_u32(b, 131072 + 1);
}

static void
b_size_max(struct obuf *b)
{
    ob_u8(b, 3);
    ob_u16(b, 1);
    ob_u32(b, 0xffffffffu);
}

/* Before tune-ok the limit is 4096 (W-04). */
static void
b_pre_tune_oversize(struct obuf *b)
{
    struct obuf p = {0};
    uint8_t pad[5000] = {0, 10, 0, 11};

    raw_header(b);
    ob_bytes(&p, pad, sizeof(pad));
    ob_frame(b, 1, 0, &p);
    ob_free(&p);
}

static void
b_empty_method(struct obuf *b)
{
    ob_frame(b, 1, 1, NULL);
}

static void
b_truncated_args(struct obuf *b)
{
    struct obuf a = {0};
    ob_u16(&a, 0);
    ob_method(b, 1, 50, 10, &a);
    ob_free(&a);
}

static void
b_shortstr_overrun(struct obuf *b)
{
    struct obuf a = {0};
    ob_u16(&a, 0);
    ob_u8(&a, 200);
    ob_bytes(&a, "short", 5);
    ob_method(b, 1, 50, 10, &a);
    ob_free(&a);
}

/* queue.declare whose arguments table is given raw. */
static void
declare_with_table(struct obuf *b, const struct obuf *table)
{
    struct obuf a = {0};
    ob_u16(&a, 0);
    ob_sstr(&a, "hostile.table");
    ob_u8(&a, 4 | 8);
    ob_bytes(&a, table->p, table->len);
    ob_method(b, 1, 50, 10, &a);
    ob_free(&a);
}

static void
b_table_overrun(struct obuf *b)
{
    struct obuf t = {0};
    ob_u32(&t, 0xffffffffu);
    ob_bytes(&t, "\x01k", 2);
    declare_with_table(b, &t);
    ob_free(&t);
}

static void
b_longstr_overrun(struct obuf *b)
{
    struct obuf t = {0};
    ob_u32(&t, 7);
    ob_bytes(&t, "\x01kS", 3);
    ob_u32(&t, 0xfffffff0u);
    declare_with_table(b, &t);
    ob_free(&t);
}

/* Tables nested far past any sane depth: recursion in the broker must be bounded. */
static void
nested(struct obuf *b, char type, int depth)
{
    struct obuf t = {0};

    ob_u32(&t, 0);
    for (int i = 0; i < depth; i++) {
        struct obuf o = {0};
        if (type == 'F')
            ob_bytes(&o, "\x01k", 2);
        ob_u8(&o, (uint8_t)type);
        ob_lstr(&o, t.p, (uint32_t)t.len);
        ob_free(&t);
        t.len = 0;
        ob_lstr(&t, o.p, (uint32_t)o.len);
        ob_free(&o);
    }
    declare_with_table(b, &t);
    ob_free(&t);
}

static void
b_deep_table(struct obuf *b)
{
    nested(b, 'F', 5000);
}

static void
b_deep_array(struct obuf *b)
{
    nested(b, 'A', 5000);
}

static void
b_bad_utf8(struct obuf *b)
{
    raw_queue_declare(b, 1, "bad\xc3\x28utf8", 4 | 8);
}

static void
b_heartbeat_ch1(struct obuf *b)
{
    ob_frame(b, 8, 1, NULL);
}

static void
b_header_alone(struct obuf *b)
{
    struct obuf h = {0};
    ob_u16(&h, 60);
    ob_u16(&h, 0);
    ob_u64(&h, 1);
    ob_u16(&h, 0);
    ob_frame(b, 2, 1, &h);
    ob_free(&h);
}

static void
b_body_alone(struct obuf *b)
{
    struct obuf p = {0};
    ob_bytes(&p, "x", 1);
    ob_frame(b, 3, 1, &p);
    ob_free(&p);
}

static void
b_unknown_method(struct obuf *b)
{
    ob_method(b, 1, 99, 99, NULL);
}

static void
b_unopened_channel(struct obuf *b)
{
    raw_queue_declare(b, 7, "hostile.x", 4 | 8);
}

/* basic.publish, then a header declaring body_size with the given class. */
static void
publish_header(struct obuf *b, uint16_t cls, uint64_t size, uint16_t flags)
{
    struct obuf a = {0}, h = {0};
    ob_u16(&a, 0);
    ob_sstr(&a, "");
    ob_sstr(&a, "hostile.nowhere");
    ob_u8(&a, 0);
    ob_method(b, 1, 60, 40, &a);
    ob_u16(&h, cls);
    ob_u16(&h, 0);
    ob_u64(&h, size);
    ob_u16(&h, flags);
    ob_frame(b, 2, 1, &h);
    ob_free(&a);
    ob_free(&h);
}

static void
b_body_too_long(struct obuf *b)
{
    struct obuf p = {0};
    publish_header(b, 60, 5, 0);
    ob_bytes(&p, "0123456789", 10);
    ob_frame(b, 3, 1, &p);
    ob_free(&p);
}

static void
b_header_wrong_class(struct obuf *b)
{
    publish_header(b, 50, 1, 0);
}

static void
b_huge_body_size(struct obuf *b)
{
    publish_header(b, 60, UINT64_MAX, 0);
}

/* Property flags promise every field, the header carries none of them. */
static void
b_props_missing(struct obuf *b)
{
    publish_header(b, 60, 1, 0xfffc);
}

static void
b_method_mid_content(struct obuf *b)
{
    publish_header(b, 60, 10, 0);
    raw_queue_declare(b, 1, "hostile.mid", 4 | 8);
}

/* 8 bytes that are not a protocol header: the broker answers its own and closes (W-01). */
static void
b_http(struct obuf *b)
{
    ob_bytes(b, "GET / HT", 8);
}

static void
b_amqp10(struct obuf *b)
{
    ob_bytes(b, "AMQP\x00\x01\x00\x00", 8);
}

static const struct mcase cases[] = {
        {"bad frame end", ST_SESSION, b_bad_frame_end, CK_CONN_CLOSE, 501, 0},
        {"unknown frame type", ST_SESSION, b_unknown_type, CK_CONN_CLOSE, 501, 0},
        {"frame over frame_max", ST_SESSION, b_oversize, CK_CONN_CLOSE, 501, 0},
        {"frame size 2^32-1", ST_SESSION, b_size_max, CK_CONN_CLOSE, 501, 0},
        {"frame over 4096 before tune", ST_BARE, b_pre_tune_oversize, CK_CONN_CLOSE, 501, 0},
        {"empty method frame", ST_SESSION, b_empty_method, CK_CONN_CLOSE, 501, 0},
        {"truncated method args", ST_SESSION, b_truncated_args, CK_CONN_CLOSE, 501, 0},
        {"shortstr length overrun", ST_SESSION, b_shortstr_overrun, CK_CONN_CLOSE, 501, 0},
        {"table length overrun", ST_SESSION, b_table_overrun, CK_CONN_CLOSE, 501, 0},
        {"longstr length overrun", ST_SESSION, b_longstr_overrun, CK_CONN_CLOSE, 501, 0},
        {"table nested 5000 deep", ST_SESSION, b_deep_table, CK_CONN_CLOSE, 501, 0},
        {"array nested 5000 deep", ST_SESSION, b_deep_array, CK_CONN_CLOSE, 501, 0},
        {"invalid UTF-8 shortstr", ST_SESSION, b_bad_utf8, CK_CONN_CLOSE, 501, 0},
        {"heartbeat on channel 1", ST_SESSION, b_heartbeat_ch1, CK_CONN_CLOSE, 505, 0},
        {"header without method", ST_SESSION, b_header_alone, CK_CONN_CLOSE, 505, 0},
        {"body without method", ST_SESSION, b_body_alone, CK_CONN_CLOSE, 505, 0},
        {"unknown class/method", ST_SESSION, b_unknown_method, CK_CONN_CLOSE, 540, 503},
        {"method on unopened channel", ST_SESSION, b_unopened_channel, CK_CONN_CLOSE, 504, 0},
        {"body longer than declared", ST_SESSION, b_body_too_long, CK_CONN_CLOSE, 501, 505},
        {"header of wrong class", ST_SESSION, b_header_wrong_class, CK_CONN_CLOSE, 505, 0},
        {"body size 2^64-1", ST_SESSION, b_huge_body_size, CK_CHAN_CLOSE, 406, 0},
        {"property fields missing", ST_SESSION, b_props_missing, CK_CONN_CLOSE, 501, 0},
        {"method inside content", ST_SESSION, b_method_mid_content, CK_CONN_CLOSE, 505, 0},
        {"HTTP instead of header", ST_BARE, b_http, CK_EOF, 0, 0},
        {"AMQP 1.0 header", ST_BARE, b_amqp10, CK_EOF, 0, 0},
};

/* For a refused header the broker writes its own header before closing (W-01). */
static bool
got_header_then_eof(int fd)
{
    uint8_t h[8];
    size_t n = 0;
    int64_t deadline = now_ms() + 3000;

    while (n < 8 && now_ms() < deadline) {
        ssize_t r = recv(fd, h + n, 8 - n, 0);
        if (r <= 0)
            return false;
        n += (size_t)r;
    }
    struct close_result cr;
    raw_expect_close(fd, 3000, &cr);
    return memcmp(h, "AMQP\0\0\x09\x01", 8) == 0 && cr.kind == CK_EOF;
}

static void
run_case(const struct mcase *mc)
{
    char err[128], desc[300];
    struct obuf b = {0};
    struct close_result r;
    int fd = mc->start == ST_SESSION
                     ? raw_session(g_opt.host, g_opt.port, 0, true, err, sizeof(err))
                     : raw_connect(g_opt.host, g_opt.port, 0);

    if (fd < 0) {
        report(false, mc->name, "cannot set up: %s", mc->start == ST_SESSION ? err : "connect");
        return;
    }
    mc->build(&b);
    int64_t t0 = now_ms();
    if (!raw_send(fd, b.p, b.len, 5000)) {
        /* the broker may close before reading everything: the close is what matters */
        note("%s: send cut short", mc->name);
    }
    if (mc->kind == CK_EOF) {
        report(got_header_then_eof(fd), mc->name, "expected AMQP 0-9-1 header then EOF");
    } else {
        raw_expect_close(fd, 5000, &r);
        bool ok = r.kind == mc->kind &&
                  (mc->code == 0 || r.code == mc->code || (mc->alt_code && r.code == mc->alt_code));
        report(ok, mc->name, "%s after %lld ms (expected %s %u)",
               close_describe(&r, desc, sizeof(desc)), (long long)(r.at_ms - t0),
               mc->kind == CK_CHAN_CLOSE ? "channel.close" : "connection.close", mc->code);
    }
    ob_free(&b);
    close(fd);
}

/* Random bytes after a valid handshake, a batch of sessions at a time: any close, or a wait for
 * more bytes, is fine; the broker must survive, which the good client and the final checks
 * see. A session that cannot even be opened is an error. */
#define RANDOM_BATCH 25

static void
random_junk(unsigned *seed, struct obuf *b)
{
    size_t n = 1 + (size_t)(rand_r(seed) % 4096);

    for (size_t i = 0; i < n; i++)
        ob_u8(b, (uint8_t)rand_r(seed));
    /* half the time keep a plausible frame type and channel, to get past the first checks */
    if (rand_r(seed) & 1) {
        b->p[0] = (uint8_t)(1 + rand_r(seed) % 3);
        if (n > 3)
            b->p[1] = 0, b->p[2] = 1;
    }
}

static void
run_random_batch(unsigned *seed, int n, int counts[5])
{
    char err[128];
    int fds[RANDOM_BATCH];
    struct close_result r;

    for (int i = 0; i < n; i++) {
        struct obuf b = {0};
        fds[i] = raw_session(g_opt.host, g_opt.port, 0, true, err, sizeof(err));
        random_junk(seed, &b);
        if (fds[i] >= 0)
            raw_send(fds[i], b.p, b.len, 2000);
        ob_free(&b);
    }
    int64_t deadline = now_ms() + 1500;
    for (int i = 0; i < n; i++) {
        if (fds[i] < 0) {
            counts[CK_ERROR]++;
            continue;
        }
        int left = (int)(deadline - now_ms());
        raw_expect_close(fds[i], left > 50 ? left : 50, &r);
        counts[r.kind]++;
        close(fds[i]);
    }
}

static void
run_random_header(unsigned *seed, int *bad)
{
    uint8_t h[8];
    int fd = raw_connect(g_opt.host, g_opt.port, 0);

    if (fd < 0) {
        (*bad)++;
        return;
    }
    for (int i = 0; i < 8; i++)
        h[i] = (uint8_t)rand_r(seed);
    raw_send(fd, h, sizeof(h), 2000);
    if (!got_header_then_eof(fd))
        (*bad)++;
    close(fd);
}

void
run_malformed(void)
{
    unsigned seed = g_opt.seed;
    int counts[5] = {0}, bad = 0;
    int64_t t0 = now_ms();

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        run_case(&cases[i]);
    for (int i = 0; i < g_opt.randoms && now_ms() - t0 < 30000; i += RANDOM_BATCH)
        run_random_batch(&seed, g_opt.randoms - i < RANDOM_BATCH ? g_opt.randoms - i : RANDOM_BATCH,
                         counts);
    report(counts[CK_ERROR] == 0, "random bytes after handshake",
           "%d connection.close, %d channel.close, %d EOF, %d waiting for more, %d errors",
           counts[CK_CONN_CLOSE], counts[CK_CHAN_CLOSE], counts[CK_EOF], counts[CK_TIMEOUT],
           counts[CK_ERROR]);
    for (int i = 0; i < g_opt.randoms && now_ms() - t0 < 40000; i++)
        run_random_header(&seed, &bad);
    report(bad == 0, "random bytes instead of header", "%d of %d not answered with header+EOF", bad,
           g_opt.randoms);
}

/* Names with a NUL byte are valid UTF-8 and must be answered (declare-ok or a close), not
 * crash the broker: run last, as a crash ends every later check. */
void
run_nul_names(void)
{
    char err[128], desc[300];
    struct obuf b = {0}, a = {0};
    struct close_result r;
    int fd = raw_session(g_opt.host, g_opt.port, 0, true, err, sizeof(err));

    if (fd < 0) {
        report(false, "exchange name with NUL byte", "setup: %s", err);
        return;
    }
    ob_u16(&a, 0);
    ob_u8(&a, 2);
    ob_bytes(&a, "\0x", 2);
    ob_sstr(&a, "direct");
    ob_u8(&a, 0);
    ob_u32(&a, 0);
    ob_method(&b, 1, 40, 10, &a);
    raw_send(fd, b.p, b.len, 2000);
    bool answered = expect_method(fd, 40, 11, 3000);
    if (!answered)
        raw_expect_close(fd, 100, &r);
    close(fd);
    bool alive = broker_alive();
    report(alive, "exchange name with NUL byte", "%s; broker %s",
           answered ? "declare-ok" : close_describe(&r, desc, sizeof(desc)),
           alive ? "alive" : "DEAD (see server/vhost.c strlen() keys)");
    ob_free(&a);
    ob_free(&b);
}
