/* SPDX-License-Identifier: MPL-2.0 */
/* Run control: opens connections (a bounded number of handshakes at a time), starts publishing
 * once every connection is ready, decides when the run is over, then cleans up and closes.
 * The 1 s tick prints progress and enforces -z and the drain timeout; a 10 ms tick feeds
 * rate-limited producers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tools/perf/roles.h"
#include "tools/perf/run.h"

/* More parallel handshakes than this overflow the broker's listen backlog (SYN retries cost 1 s).
 */
#define MAX_OPENING 256
/* With no known expected count, a run ends after this long without deliveries. */
#define IDLE_END_NS 2000000000ULL

static uint64_t
clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t
wr_perf_now_ns(void)
{
    return clock_ns(CLOCK_MONOTONIC);
}

uint64_t
wr_perf_cpu_ns(void)
{
    return clock_ns(CLOCK_THREAD_CPUTIME_ID); /* the run's own thread: workers add theirs */
}

void
wr_perf_fail(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fputs("warren-perf: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static int
total_conns(const struct wr_perf_run *r)
{
    return r->opt.producers + r->opt.consumers + r->opt.idle_conns;
}

static void
open_one(struct wr_perf_run *r)
{
    const struct wr_perf_opts *o = &r->opt;
    int i = r->next_open++;
    struct wr_perf_conn *c;
    if (i < o->producers)
        c = wr_perf_conn_new(r, WR_PERF_PRODUCER, i, &wr_perf_producer_ops,
                             wr_perf_producer_new(i));
    else if (i < o->producers + o->consumers)
        c = wr_perf_conn_new(r, WR_PERF_CONSUMER, i - o->producers, &wr_perf_consumer_ops,
                             wr_perf_consumer_new(i - o->producers));
    else
        c = wr_perf_conn_new(r, WR_PERF_IDLE, i, &wr_perf_idle_ops, NULL);
    r->conns[i] = c;
    r->nconns++;
}

static void
pump_all(struct wr_perf_run *r)
{
    for (int i = 0; i < r->opt.producers; i++)
        wr_perf_producer_pump(r->conns[i]);
}

static void tick_cb(evutil_socket_t fd, short what, void *arg);

static void limit_cb(evutil_socket_t fd, short what, void *arg);

static void
start(struct wr_perf_run *r)
{
    r->started = true;
    r->t0_ns = r->last_tick_ns = wr_perf_now_ns();
    r->cpu0_ns = wr_perf_cpu_ns();
    struct timeval sec = {1, 0};
    r->tick_ev = event_new(r->base, -1, EV_PERSIST, tick_cb, r);
    event_add(r->tick_ev, &sec);
    for (int i = 0; i < r->opt.producers; i++)
        wr_perf_producer_clock(r->conns[i]);
    if (r->opt.seconds > 0) {
        double s = r->opt.seconds;
        struct timeval lim = {(time_t)s, (suseconds_t)((s - (double)(time_t)s) * 1e6)};
        r->limit_ev = evtimer_new(r->base, limit_cb, r);
        evtimer_add(r->limit_ev, &lim);
    }
    pump_all(r);
    wr_perf_check_done(r);
}

/* --watch-pid: the broker's RSS read from /proc by the generator itself, so that measuring
 * memory forks no sampler process beside a latency measurement. */
static void
rss_cb(evutil_socket_t fd, short what, void *arg)
{
    struct wr_perf_run *r = arg;
    char path[64];
    unsigned long long size, pages;
    FILE *f;

    (void)fd, (void)what;
    /* statm, not status: status formats some forty fields, ten times a second, on the cores
     * the latency scenario runs on */
    snprintf(path, sizeof(path), "/proc/%d/statm", r->opt.watch_pid);
    if ((f = fopen(path, "r")) == NULL)
        return;
    if (fscanf(f, "%llu %llu", &size, &pages) == 2 && pages * r->page_kb > r->peak_rss_kb)
        r->peak_rss_kb = pages * r->page_kb;
    fclose(f);
}

static void
watch_rss(struct wr_perf_run *r)
{
    static const struct timeval ms100 = {0, 100000};
    struct event *ev;

    if (r->opt.watch_pid <= 0)
        return;
    r->page_kb = (uint64_t)sysconf(_SC_PAGESIZE) / 1024;
    ev = event_new(r->base, -1, EV_PERSIST, rss_cb, r);
    event_add(ev, &ms100);
    rss_cb(-1, 0, r);
}

void
wr_perf_run_open(struct wr_perf_run *r)
{
    watch_rss(r);
    r->conns = calloc((size_t)total_conns(r) + 1, sizeof(*r->conns));
    if (!r->conns)
        abort();
    r->t_open_ns = wr_perf_now_ns();
    while (r->next_open < total_conns(r) && r->next_open - r->nready < MAX_OPENING)
        open_one(r);
}

void
wr_perf_conn_ready(struct wr_perf_run *r)
{
    r->nready++;
    if (r->next_open < total_conns(r))
        open_one(r);
    else if (r->nready == total_conns(r))
        start(r);
}

static uint64_t
outstanding(const struct wr_perf_run *r)
{
    uint64_t n = 0;
    for (int i = 0; i < r->opt.producers; i++)
        n += wr_perf_producer_outstanding(r->conns[i]);
    return n;
}

static bool
consumers_finished(const struct wr_perf_run *r)
{
    const struct wr_perf_opts *o = &r->opt;
    if (o->consumers == 0)
        return true;
    if (o->cons_count)
        return r->consumers_done == o->consumers;
    if (o->producers == 0 || o->consumers < o->queues)
        return false; /* only time or the idle timeout end this */
    return r->unique >= (r->sent - r->nacked) * r->fanout;
}

static bool
is_done(struct wr_perf_run *r)
{
    const struct wr_perf_opts *o = &r->opt;
    if (o->producers && !r->pub_done && r->producers_done == o->producers) {
        r->pub_done = true;
        r->t_end_pub_ns = wr_perf_now_ns();
    }
    if (o->producers && !r->pub_done)
        return false;
    if (o->confirm && outstanding(r) > 0)
        return false;
    return o->idle_conns == 0 && consumers_finished(r);
}

static void
close_all(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct wr_perf_run *r = arg;
    for (int i = 0; i < r->nconns; i++)
        wr_perf_conn_close(r->conns[i]);
}

static void
force_exit(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    event_base_loopbreak(((struct wr_perf_run *)arg)->base);
}

/* Runs once: summary first, so a slow close cannot lose the numbers. */
void
wr_perf_run_finish(struct wr_perf_run *r)
{
    if (r->stopping)
        return;
    r->stopping = true;
    r->t_done_ns = wr_perf_now_ns();
    r->cpu_done_ns = wr_perf_cpu_ns();
    if (r->opt.workers == 1)
        wr_perf_report_summary(r); /* workers: main.c reports for all once they are done */
    if (r->tick_ev)
        event_del(r->tick_ev);
    if (r->limit_ev)
        event_del(r->limit_ev);
    struct timeval grace = {3, 0};
    r->stop_ev = evtimer_new(r->base, force_exit, r);
    evtimer_add(r->stop_ev, &grace);
    if (r->opt.cleanup && r->nconns > 0 && r->conns[0]->state == WR_PERF_READY)
        wr_perf_conn_delete_queues(r->conns[0]);
    else
        close_all(-1, 0, r);
}

static void
stop_progress(struct wr_perf_run *r)
{
    struct wr_perf_conn *c0 = r->conns[0];
    if (c0 && c0->state == WR_PERF_READY && c0->pending == 0)
        close_all(-1, 0, r);
    if (r->nclosed == r->nconns)
        event_base_loopbreak(r->base);
}

void
wr_perf_check_done(struct wr_perf_run *r)
{
    if (r->stopping)
        stop_progress(r);
    else if (r->started && is_done(r))
        wr_perf_run_finish(r);
}

/* -z ends publishing, or the whole run when there are no producers. */
static void
limit_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct wr_perf_run *r = arg;
    if (r->opt.producers == 0 || r->opt.idle_conns) {
        wr_perf_run_finish(r);
        return;
    }
    if (!r->pub_done) {
        r->pub_done = true;
        r->t_end_pub_ns = wr_perf_now_ns();
    }
    wr_perf_check_done(r);
}

/* Progress, and the drain limits once publishing is over:  (or the whole run without producers);
 * then drain. */
static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct wr_perf_run *r = arg;
    const struct wr_perf_opts *o = &r->opt;
    uint64_t now = wr_perf_now_ns();
    wr_perf_report_tick(r);
    if (r->pub_done) {
        uint64_t last = r->t_last_recv_ns > r->t_end_pub_ns ? r->t_last_recv_ns : r->t_end_pub_ns;
        bool drained_out = (double)(now - r->t_end_pub_ns) >= o->drain_s * 1e9;
        bool quiet = o->consumers > 0 && now - last >= IDLE_END_NS;
        if (drained_out || (quiet && !consumers_finished(r)))
            wr_perf_run_finish(r);
    }
    wr_perf_check_done(r);
}
