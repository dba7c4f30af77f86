/* SPDX-License-Identifier: MPL-2.0 */
/* Latency histogram with log-linear buckets (16 per power of two, about 6% resolution), in the
 * spirit of HdrHistogram: constant memory, O(1) record, percentiles by a bucket scan. */
#ifndef WR_PERF_HIST_H
#define WR_PERF_HIST_H

#include <stdint.h>

#define WR_PERF_HIST_SUB     16
#define WR_PERF_HIST_BUCKETS (2 * WR_PERF_HIST_SUB + 60 * WR_PERF_HIST_SUB)

struct wr_perf_hist {
    uint64_t count, max;
    uint64_t bucket[WR_PERF_HIST_BUCKETS];
};

void wr_perf_hist_reset(struct wr_perf_hist *h);
void wr_perf_hist_record(struct wr_perf_hist *h, uint64_t v);
/* Adds the samples of from into h. */
void wr_perf_hist_merge(struct wr_perf_hist *h, const struct wr_perf_hist *from);
/* Upper bound of the bucket holding quantile q (0..1); 0 for an empty histogram. */
uint64_t wr_perf_hist_quantile(const struct wr_perf_hist *h, double q);

#endif
