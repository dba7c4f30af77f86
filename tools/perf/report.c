/* SPDX-License-Identifier: MPL-2.0 */
/* Output of warren-perf: one progress line per second on stderr-free stdout, and the final
 * SUMMARY line of key=value pairs that bench/compare parses. */
#include <inttypes.h>
#include <stdio.h>

#include "tools/perf/perf.h"

static double
us(uint64_t ns)
{
    return (double)ns / 1000.0;
}

static double
per_s(uint64_t n, uint64_t from_ns, uint64_t to_ns)
{
    return to_ns > from_ns ? (double)n * 1e9 / (double)(to_ns - from_ns) : 0;
}

void
wr_perf_report_tick(struct wr_perf_run *r)
{
    uint64_t now = wr_perf_now_ns();
    const struct wr_perf_hist *h = &r->lat_tick;
    if (!r->opt.quiet)
        printf("time %.0fs, sent %.0f msg/s, confirmed %.0f msg/s, received %.0f msg/s, "
               "latency p50/p99/p99.9/max %.0f/%.0f/%.0f/%.0f us\n",
               (double)(now - r->t0_ns) / 1e9, per_s(r->sent - r->last_sent, r->last_tick_ns, now),
               per_s(r->confirmed - r->last_confirmed, r->last_tick_ns, now),
               per_s(r->received - r->last_received, r->last_tick_ns, now),
               us(wr_perf_hist_quantile(h, 0.5)), us(wr_perf_hist_quantile(h, 0.99)),
               us(wr_perf_hist_quantile(h, 0.999)), us(h->max));
    fflush(stdout);
    r->last_sent = r->sent;
    r->last_confirmed = r->confirmed;
    r->last_received = r->received;
    r->last_tick_ns = now;
    wr_perf_hist_reset(&r->lat_tick);
}

/* Lost is only defined when every queue has a consumer that was meant to drain it. */
static void
print_lost(const struct wr_perf_run *r)
{
    const struct wr_perf_opts *o = &r->opt;
    if (o->producers == 0 || o->consumers < o->queues || o->cons_count) {
        printf(" lost=na");
        return;
    }
    uint64_t expected = (r->sent - r->nacked) * r->fanout;
    printf(" lost=%" PRIu64, expected > r->unique ? expected - r->unique : 0);
}

void
wr_perf_report_summary(struct wr_perf_run *r)
{
    uint64_t pub_end = r->t_end_pub_ns ? r->t_end_pub_ns : r->t_done_ns;
    uint64_t recv_end = r->t_last_recv_ns ? r->t_last_recv_ns : r->t_done_ns;
    const struct wr_perf_hist *h = &r->lat;
    printf("SUMMARY sent=%" PRIu64 " confirmed=%" PRIu64 " nacked=%" PRIu64 " received=%" PRIu64
           " dup=%" PRIu64,
           r->sent, r->confirmed, r->nacked, r->received, r->dup);
    print_lost(r);
    printf(" sent_rate=%.0f confirm_rate=%.0f recv_rate=%.0f pub_s=%.3f recv_s=%.3f"
           " connect_s=%.3f conns=%d",
           per_s(r->sent, r->t0_ns, pub_end),
           per_s(r->confirmed, r->t0_ns, r->t_last_confirm_ns ? r->t_last_confirm_ns : pub_end),
           per_s(r->received, r->t0_ns, recv_end), (double)(pub_end - r->t0_ns) / 1e9,
           (double)(recv_end - r->t0_ns) / 1e9, (double)(r->t0_ns - r->t_open_ns) / 1e9, r->nready);
    printf(" p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f", us(wr_perf_hist_quantile(h, 0.5)),
           us(wr_perf_hist_quantile(h, 0.99)), us(wr_perf_hist_quantile(h, 0.999)), us(h->max));
    /* the generator's CPU over the run, in % of one core: near 100 means it was the limit */
    printf(" gen_cpu_pct=%.0f", r->t_done_ns > r->t0_ns
                                        ? 100.0 * (double)(r->cpu_done_ns - r->cpu0_ns) /
                                                  (double)(r->t_done_ns - r->t0_ns)
                                        : 0.0);
    if (r->opt.watch_pid > 0)
        printf(" peak_rss_kb=%" PRIu64, r->peak_rss_kb);
    printf("\n");
    fflush(stdout);
}

static uint64_t
earliest(uint64_t a, uint64_t b)
{
    return a == 0 ? b : b == 0 || a < b ? a : b;
}

static uint64_t
latest(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

void
wr_perf_report_merge(struct wr_perf_run *into, const struct wr_perf_run *w)
{
    into->sent += w->sent;
    into->confirmed += w->confirmed;
    into->nacked += w->nacked;
    into->received += w->received;
    into->unique += w->unique;
    into->dup += w->dup;
    into->nready += w->nready;
    into->peak_rss_kb = latest(into->peak_rss_kb, w->peak_rss_kb);
    into->fanout = w->fanout;
    into->t_open_ns = earliest(into->t_open_ns, w->t_open_ns);
    into->t0_ns = earliest(into->t0_ns, w->t0_ns);
    into->t_end_pub_ns = latest(into->t_end_pub_ns, w->t_end_pub_ns);
    into->t_last_recv_ns = latest(into->t_last_recv_ns, w->t_last_recv_ns);
    into->t_last_confirm_ns = latest(into->t_last_confirm_ns, w->t_last_confirm_ns);
    into->t_done_ns = latest(into->t_done_ns, w->t_done_ns);
    into->cpu_done_ns += w->cpu_done_ns - w->cpu0_ns; /* cpu0_ns stays 0: a sum of deltas */
    wr_perf_hist_merge(&into->lat, &w->lat);
}
