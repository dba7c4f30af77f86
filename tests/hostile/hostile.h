/* SPDX-License-Identifier: MPL-2.0 */
/* Shared state of the hostile-input program: target, budget, the broker's pid, and the
 * pass/fail tally every attack reports into. */
#ifndef WR_HOSTILE_H
#define WR_HOSTILE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct hostile_opts {
    const char *host;
    int port;
    pid_t pid;          /* broker pid for RSS and fd checks; 0 = unknown */
    int flood;          /* connections opened and dropped */
    int slow;           /* slowloris sockets per variant */
    int randoms;        /* random-byte sessions */
    int slowreader_mb;  /* bytes published to a consumer that never reads */
    int pipeline_mb;    /* requests pipelined by a client that never reads */
    int rss_limit_mb;   /* allowed RSS growth, before vs after */
    int latency_factor; /* allowed p99 degradation */
    int handshake_ms;   /* broker's handshake timeout */
    int slack_ms;       /* timing slack (sanitizer builds are slower) */
    unsigned seed;
};

extern struct hostile_opts g_opt;

/* Records one check; prints "ok"/"FAIL" with the formatted detail. */
void report(bool ok, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* /proc/PID/status VmRSS in KiB and the count of /proc/PID/fd entries; -1 if unknown. */
long broker_rss_kb(void);
int broker_fds(void);
bool broker_alive(void);

/* malformed.c */
void run_malformed(void);
void run_nul_names(void);
/* slow.c: slowloris and heartbeat-silent sockets, run on their own thread */
void *run_slow(void *arg);
/* flood.c */
void run_flood(void);
/* backpressure.c */
void run_slow_reader(void);
void run_pipeline(void);
void run_declared_size(void);

/* good.c: the well-behaved client */
enum good_phase { GP_BASELINE, GP_ATTACK, GP_DONE };
int good_start(void);
void good_set_phase(enum good_phase p);
/* Stops the client; returns its error count. */
int good_stop(void);
/* p99 round trip in microseconds for a phase, and the sample count. */
long good_p99_us(enum good_phase p, int *count);

#endif
