/* SPDX-License-Identifier: MPL-2.0 */
/* warren-perf: a PerfTest-style AMQP 0-9-1 load generator on one libevent loop.
 * This header holds the run-wide state shared by the option parser, the client connection, the
 * producer and consumer roles and the reporter. Everything runs on one thread: no locks. */
#ifndef WR_PERF_H
#define WR_PERF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "tools/perf/hist.h"

/* Body layout: monotonic send time in ns, then (producer id << 48 | sequence number). */
#define WR_PERF_TS_BYTES  8
#define WR_PERF_TAG_BYTES 16
#define WR_PERF_SEQ_BITS  48

struct wr_perf_opts {
    const char *host, *user, *pass, *vhost;
    int port;
    int producers, consumers, queues;
    const char *queue, *exchange, *type, *routing_key, *queue_args;
    size_t body_size;
    double seconds, rate, drain_s;
    uint64_t pub_count, cons_count;
    unsigned confirm, prefetch, multi_ack, pipeline, heartbeat;
    bool persistent, autoack, durable, cleanup, quiet;
    int idle_conns, src_addrs;
    int workers;   /* threads; each runs its share of producers, consumers and queues */
    int watch_pid; /* --watch-pid: sample this process's VmRSS every 100 ms (0 = none) */
};

/* Parses argv into o (defaults first). Returns 0, or exits with usage on bad input. */
void wr_perf_opts_parse(struct wr_perf_opts *o, int argc, char **argv);

enum wr_perf_role {
    WR_PERF_PRODUCER,
    WR_PERF_CONSUMER,
    WR_PERF_IDLE,
};

struct wr_perf_conn;

/* Per-queue duplicate tracking: one growable bitmap of seen sequence numbers per producer. */
struct wr_perf_seen {
    uint8_t **bits;
    size_t *cap; /* bytes per producer bitmap */
};

struct wr_perf_run {
    struct wr_perf_opts opt;
    struct event_base *base;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    const struct timeval *hb_tv; /* common timeout shared by all heartbeat timers */
    struct event *tick_ev, *stop_ev, *limit_ev;
    int worker;                  /* this run's index among --workers (0 without) */
    int queue_base;              /* its first queue's index among all queues */
    int next_open;               /* connections not yet opened start from here */
    uint64_t fanout;             /* queues each published message reaches */
    struct wr_perf_conn **conns; /* producers first, then consumers, then idle connections */
    int nconns, nready, nclosed;
    char **qnames;
    uint8_t *qargs; /* encoded --queue-args table contents */
    size_t qargs_len;
    struct wr_perf_seen *seen; /* [queues] */

    uint64_t t_open_ns, t0_ns, t_end_pub_ns, t_last_recv_ns, t_last_confirm_ns, t_done_ns;
    uint64_t cpu0_ns, cpu_done_ns; /* the generator's own CPU time at t0 and at the end */
    bool started, pub_done, stopping;
    int producers_done, consumers_done;

    /* Totals and the values at the previous progress line. */
    uint64_t sent, confirmed, nacked, received, unique, dup;
    uint64_t peak_rss_kb, page_kb; /* of --watch-pid */
    uint64_t last_sent, last_confirmed, last_received, last_tick_ns;
    struct wr_perf_hist lat, lat_tick;
};

/* Monotonic clock in ns: the same clock stamps bodies and reads them on delivery. */
uint64_t wr_perf_now_ns(void);

/* CPU time the calling thread has used, in ns: shows when the generator, not the broker, is
 * the limit. */
uint64_t wr_perf_cpu_ns(void);

/* Run control (main.c). */
void wr_perf_conn_ready(struct wr_perf_run *r);
void wr_perf_check_done(struct wr_perf_run *r);
void wr_perf_fail(const char *fmt, ...);

/* Duplicate tracking (seen.c): true when (queue, producer, seq) was seen before. */
bool wr_perf_seen_test_set(struct wr_perf_seen *s, uint32_t producer, uint64_t seq);
void wr_perf_seen_init(struct wr_perf_seen *s, int producers);

/* Reporting (report.c). */
void wr_perf_report_tick(struct wr_perf_run *r);
void wr_perf_report_summary(struct wr_perf_run *r);
/* Adds a worker's counts, times and latencies into the run that reports for all of them. */
void wr_perf_report_merge(struct wr_perf_run *into, const struct wr_perf_run *w);

#endif
