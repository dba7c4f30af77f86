/* SPDX-License-Identifier: MPL-2.0 */
/* Clients that never read. A consumer whose socket is never read must make delivery pause at
 * the output high watermark, leaving the rest in the queue; a client pipelining requests
 * without reading the replies must not make the broker buffer replies without bound; a
 * client announcing huge bodies it never sends must not cost memory it has not sent. */
#define _POSIX_C_SOURCE 200809L

#include "tests/hostile/hostile.h"
#include "tests/hostile/raw.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SR_QUEUE "hostile.slowreader"
#define SR_MSG   (64 * 1024)
/* The broker's output high watermark plus what kernel buffers can hold on the way
 * (tcp_wmem max 4 MiB here), with room to spare. */
#define SR_INFLIGHT_MAX (12L << 20)

static void
sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* Passive queue.declare on channel 1; returns the ready count or -1. */
static long
ready_count(int fd, const char *q)
{
    struct obuf b = {0};
    struct frame f;
    long n = -1;
    int64_t deadline = now_ms() + 10000;

    raw_queue_declare(&b, 1, q, 1);
    raw_send(fd, b.p, b.len, 5000);
    ob_free(&b);
    while (n < 0 && now_ms() < deadline && raw_read_frame(fd, &f, 10000) == 1) {
        if (f.type == 1 && f.cls == 50 && f.mth == 11 && f.size >= 5 &&
            f.size >= 5u + f.payload[4] + 8) {
            const uint8_t *p = f.payload + 5 + f.payload[4];
            n = (long)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
        } else if (f.type == 1 && (f.cls == 20 || f.cls == 10) && (f.mth == 40 || f.mth == 50)) {
            frame_free(&f);
            break;
        }
        frame_free(&f);
    }
    return n;
}

/* The consumer: tiny receive buffer, auto-delete queue (not exclusive: the publisher must be
 * able to declare it passively), no-ack consume, then never reads. */
static int
slow_consumer(void)
{
    char err[128];
    struct obuf b = {0};
    int fd = raw_session_rcvbuf(g_opt.host, g_opt.port, 0, true, 4096, err, sizeof(err));

    if (fd < 0) {
        note("slow reader: %s", err);
        return -1;
    }
    raw_queue_declare(&b, 1, SR_QUEUE, 8);
    raw_consume(&b, 1, SR_QUEUE, true);
    if (!raw_send(fd, b.p, b.len, 5000) || !expect_method(fd, 50, 11, 5000) ||
        !expect_method(fd, 60, 21, 5000)) {
        note("slow reader: declare/consume failed");
        close(fd);
        fd = -1;
    }
    ob_free(&b);
    return fd;
}

static long
publish_all(int fd, int count)
{
    uint8_t *body = malloc(SR_MSG);
    struct obuf b = {0};
    long sent = 0;

    memset(body, 'h', SR_MSG);
    for (int i = 0; i < count; i++) {
        b.len = 0;
        raw_publish(&b, 1, SR_QUEUE, body, SR_MSG, 131072);
        if (!raw_send(fd, b.p, b.len, 10000))
            break;
        sent++;
    }
    ob_free(&b);
    free(body);
    return sent;
}

void
run_slow_reader(void)
{
    char err[128];
    int count = g_opt.slowreader_mb * 1024 / (SR_MSG / 1024);
    int cfd = slow_consumer();
    int pfd = cfd < 0 ? -1 : raw_session(g_opt.host, g_opt.port, 0, true, err, sizeof(err));
    long rss0 = broker_rss_kb();

    if (cfd < 0 || pfd < 0) {
        report(false, "consumer that never reads", "setup failed");
        if (cfd >= 0)
            close(cfd);
        return;
    }
    long sent = publish_all(pfd, count);
    sleep_ms(500); /* let the broker deliver all it is willing to */
    long ready = ready_count(pfd, SR_QUEUE);
    long rss1 = broker_rss_kb();
    long inflight = (sent - ready) * SR_MSG;
    report(sent == count && ready >= 0 && inflight <= SR_INFLIGHT_MAX, "consumer that never reads",
           "published %ld x %d KiB, %ld still ready, %ld KiB handed to the socket (max %ld); "
           "broker RSS %+ld KiB",
           sent, SR_MSG / 1024, ready, inflight / 1024, SR_INFLIGHT_MAX / 1024, rss1 - rss0);
    raw_reset(cfd); /* the auto-delete queue and its backlog go with its consumer */
    sleep_ms(300);
    long after = ready_count(pfd, SR_QUEUE);
    report(after < 0, "slow reader's queue deleted", "passive declare %s",
           after < 0 ? "refused (404)" : "still finds it");
    close(pfd);
}

/* Sends passive declares of a 255-byte queue name (replies as long as requests) until
 * budget bytes are sent or the broker stops reading for 2 s; tracks the broker's RSS. */
static long
pipeline_send(int fd, const char *q, long budget, long *peak_kb)
{
    struct obuf b = {0};
    long sent = 0;
    size_t off = 0;
    int64_t last_progress = now_ms(), last_sample = 0;

    for (int i = 0; i < 64; i++)
        raw_queue_declare(&b, 1, q, 1);
    while (sent < budget && now_ms() - last_progress < 2000) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        if (poll(&p, 1, 100) > 0) {
            /* resume mid-buffer after a partial send, so framing stays intact */
            ssize_t w = send(fd, b.p + off, b.len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (w < 0 && errno != EAGAIN)
                break;
            if (w > 0) {
                sent += w, last_progress = now_ms();
                off = (off + (size_t)w) % b.len;
            }
        }
        if (now_ms() - last_sample >= 100) {
            long rss = broker_rss_kb();
            *peak_kb = rss > *peak_kb ? rss : *peak_kb;
            last_sample = now_ms();
        }
    }
    ob_free(&b);
    return sent;
}

void
run_pipeline(void)
{
    char err[128], q[256];
    struct obuf b = {0};
    int fd = raw_session_rcvbuf(g_opt.host, g_opt.port, 0, true, 4096, err, sizeof(err));
    long rss0 = broker_rss_kb(), peak = rss0;
    long budget = (long)g_opt.pipeline_mb << 20;

    if (budget == 0) { /* --pipeline-mb 0: skipped */
        if (fd >= 0)
            close(fd);
        return;
    }
    if (fd < 0) {
        report(false, "requests pipelined, replies never read", "setup: %s", err);
        return;
    }
    memset(q, 'p', 255);
    q[255] = 0;
    raw_queue_declare(&b, 1, q, 4 | 8);
    raw_send(fd, b.p, b.len, 5000);
    ob_free(&b);
    if (!expect_method(fd, 50, 11, 5000)) {
        report(false, "requests pipelined, replies never read", "declare failed");
        close(fd);
        return;
    }
    long sent = pipeline_send(fd, q, budget, &peak);
    long growth_mb = rss0 < 0 ? 0 : (peak - rss0) / 1024;
    report(growth_mb <= g_opt.rss_limit_mb, "requests pipelined, replies never read",
           "%ld KiB of requests accepted (of %ld KiB), broker RSS peak %+ld MiB (limit %d)",
           sent / 1024, budget / 1024, growth_mb, g_opt.rss_limit_mb);
    raw_reset(fd);
}

/* Headers announcing max-size bodies on many channels, with no body sent. */
void
run_declared_size(void)
{
    char err[128];
    struct obuf b = {0};
    int fd = raw_session(g_opt.host, g_opt.port, 0, false, err, sizeof(err));
    long rss0 = broker_rss_kb();
    int nch = 64;

    if (fd < 0) {
        report(false, "huge bodies announced, never sent", "setup: %s", err);
        return;
    }
    for (uint16_t ch = 1; ch <= nch; ch++) {
        struct obuf a = {0}, h = {0};
        raw_channel_open(&b, ch);
        ob_u16(&a, 0);
        ob_sstr(&a, "");
        ob_sstr(&a, "hostile.nowhere");
        ob_u8(&a, 0);
        ob_method(&b, ch, 60, 40, &a);
        ob_u16(&h, 60);
        ob_u16(&h, 0);
        ob_u64(&h, 134217728); /* the default max_message_size: accepted */
        ob_u16(&h, 0);
        ob_frame(&b, 2, ch, &h);
        ob_free(&a);
        ob_free(&h);
    }
    raw_send(fd, b.p, b.len, 5000);
    sleep_ms(500);
    long rss1 = broker_rss_kb();
    long growth_mb = rss0 < 0 ? 0 : (rss1 - rss0) / 1024;
    report(growth_mb <= g_opt.rss_limit_mb, "huge bodies announced, never sent",
           "%d channels x 128 MiB announced in %zu bytes: broker RSS %+ld MiB", nch, b.len,
           growth_mb);
    ob_free(&b);
    raw_reset(fd);
}
