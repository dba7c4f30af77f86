/* SPDX-License-Identifier: MPL-2.0 */
/* Slow and silent peers, all at once on one poll loop: slowloris handshakes (byte-at-a-time,
 * stalls before each handshake step) must be closed by the broker's handshake timeout (W-02),
 * and heartbeat-silent clients by the missed-heartbeat check (C-13). */
#define _POSIX_C_SOURCE 200809L

#include "tests/hostile/hostile.h"
#include "tests/hostile/raw.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define HB_SECONDS 2

enum variant {
    V_SILENT,         /* connects, sends nothing */
    V_HEADER_TRICKLE, /* the header one byte every 300 ms, then nothing */
    V_TRICKLE_ALL,    /* the whole handshake one byte every 250 ms: never done in time */
    V_STALL_START_OK, /* header, then nothing */
    V_STALL_TUNE_OK,  /* header and start-ok, then nothing */
    V_STALL_OPEN,     /* up to tune-ok, then nothing */
    V_HEARTBEAT,      /* a full handshake with heartbeat 2 s, then silent */
    V_COUNT
};

static const char *const vnames[V_COUNT] = {
        "slowloris: silent socket",        "slowloris: byte-at-a-time header",
        "slowloris: trickled handshake",   "slowloris: stall before start-ok",
        "slowloris: stall before tune-ok", "slowloris: stall before open",
        "heartbeat-silent client"};

struct slow {
    int fd;
    enum variant v;
    struct obuf script;
    size_t pos;
    int interval_ms;
    int64_t t0, next_at, sent_at, closed_at;
};

static void
script_for(enum variant v, struct obuf *b, int *interval)
{
    *interval = v == V_HEADER_TRICKLE ? 300 : v == V_TRICKLE_ALL ? 250 : 0;
    if (v == V_SILENT)
        return;
    raw_header(b);
    if (v == V_HEADER_TRICKLE || v == V_STALL_START_OK)
        return;
    raw_start_ok(b);
    if (v == V_STALL_TUNE_OK)
        return;
    raw_tune_ok(b, v == V_HEARTBEAT ? HB_SECONDS : 0);
    if (v == V_STALL_OPEN)
        return;
    raw_open(b);
}

/* Sends the next due bytes; the trickled variants send one byte per interval. */
static void
slow_send(struct slow *s, int64_t now)
{
    if (s->pos >= s->script.len || now < s->next_at)
        return;
    size_t n = s->interval_ms ? 1 : s->script.len - s->pos;
    ssize_t w = send(s->fd, s->script.p + s->pos, n, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w > 0)
        s->pos += (size_t)w;
    s->next_at = now + s->interval_ms;
    if (s->pos == s->script.len)
        s->sent_at = now;
}

/* Reads and discards what the broker sends (start, tune, heartbeats); notes the close. */
static void
slow_read(struct slow *s, int64_t now)
{
    char buf[4096];
    ssize_t r = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);

    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
        s->closed_at = now;
}

static void
slow_loop(struct slow *s, int n, int64_t deadline)
{
    struct pollfd *p = calloc((size_t)n, sizeof(*p));
    int open = n;

    while (open > 0 && now_ms() < deadline) {
        for (int i = 0; i < n; i++)
            p[i] = (struct pollfd){.fd = s[i].closed_at ? -1 : s[i].fd, .events = POLLIN};
        poll(p, (nfds_t)n, 50);
        int64_t now = now_ms();
        open = 0;
        for (int i = 0; i < n; i++) {
            if (s[i].closed_at)
                continue;
            if (p[i].revents)
                slow_read(&s[i], now);
            if (!s[i].closed_at)
                slow_send(&s[i], now), open++;
        }
    }
    free(p);
}

/* Each variant must be closed inside its window, counted from connect (handshake timeout) or
 * from the end of the handshake (heartbeats: between 2H and 3H plus slack). */
static void
slow_judge(struct slow *s, int n, enum variant v)
{
    int64_t lo = g_opt.handshake_ms - 500, hi = g_opt.handshake_ms + g_opt.slack_ms;
    int64_t min = -1, max = -1;
    int open = 0, early = 0, late = 0, total = 0;

    if (v == V_HEARTBEAT)
        lo = 2 * HB_SECONDS * 1000 - 500, hi = 3 * HB_SECONDS * 1000 + g_opt.slack_ms;
    for (int i = 0; i < n; i++) {
        if (s[i].v != v)
            continue;
        total++;
        if (!s[i].closed_at) {
            open++;
            continue;
        }
        int64_t from = v == V_HEARTBEAT ? s[i].sent_at : s[i].t0;
        int64_t d = s[i].closed_at - from;
        min = min < 0 || d < min ? d : min;
        max = d > max ? d : max;
        early += d < lo;
        late += d > hi;
    }
    report(open == 0 && early == 0 && late == 0, vnames[v],
           "%d sockets: closed after %lld..%lld ms (window %lld..%lld), %d still open, %d early, "
           "%d late",
           total, (long long)min, (long long)max, (long long)lo, (long long)hi, open, early, late);
}

void *
run_slow(void *arg)
{
    int n = g_opt.slow * V_COUNT, opened = 0;
    struct slow *s = calloc((size_t)n, sizeof(*s));

    (void)arg;
    for (int i = 0; i < n; i++) {
        s[i].v = (enum variant)(i % V_COUNT);
        script_for(s[i].v, &s[i].script, &s[i].interval_ms);
        s[i].fd = raw_connect(g_opt.host, g_opt.port, 0);
        s[i].t0 = s[i].next_at = now_ms();
        if (s[i].fd < 0)
            s[i].closed_at = -1; /* counted as a failure below */
        else
            opened++;
    }
    report(opened == n, "slowloris: sockets opened", "%d of %d", opened, n);
    slow_loop(s, n, now_ms() + g_opt.handshake_ms + g_opt.slack_ms + 3000);
    for (int v = 0; v < V_COUNT; v++)
        slow_judge(s, n, (enum variant)v);
    for (int i = 0; i < n; i++) {
        if (s[i].fd >= 0)
            close(s[i].fd);
        ob_free(&s[i].script);
    }
    free(s);
    return NULL;
}
