/* SPDX-License-Identifier: MPL-2.0 */
/* Log-linear latency buckets: values below 32 are exact, above that each power of two is split in
 * 16 equal buckets, so the relative error stays under 1/16. */
#include <string.h>

#include "tools/perf/hist.h"

static unsigned
bucket_of(uint64_t v)
{
    if (v < 2 * WR_PERF_HIST_SUB)
        return (unsigned)v;
    unsigned msb = 63u - (unsigned)__builtin_clzll(v);
    unsigned shift = msb - 4; /* keeps the top 5 bits: 16..31 */
    unsigned top = (unsigned)(v >> shift);
    return 2 * WR_PERF_HIST_SUB + (shift - 1) * WR_PERF_HIST_SUB + (top - WR_PERF_HIST_SUB);
}

static uint64_t
bucket_upper(unsigned i)
{
    if (i < 2 * WR_PERF_HIST_SUB)
        return i;
    unsigned shift = (i - 2 * WR_PERF_HIST_SUB) / WR_PERF_HIST_SUB + 1;
    uint64_t top = (i - 2 * WR_PERF_HIST_SUB) % WR_PERF_HIST_SUB + WR_PERF_HIST_SUB;
    return ((top + 1) << shift) - 1;
}

void
wr_perf_hist_reset(struct wr_perf_hist *h)
{
    memset(h, 0, sizeof(*h));
}

void
wr_perf_hist_merge(struct wr_perf_hist *h, const struct wr_perf_hist *from)
{
    for (unsigned i = 0; i < WR_PERF_HIST_BUCKETS; i++)
        h->bucket[i] += from->bucket[i];
    h->count += from->count;
    if (from->max > h->max)
        h->max = from->max;
}

void
wr_perf_hist_record(struct wr_perf_hist *h, uint64_t v)
{
    unsigned b = bucket_of(v);
    if (b >= WR_PERF_HIST_BUCKETS)
        b = WR_PERF_HIST_BUCKETS - 1;
    h->bucket[b]++;
    h->count++;
    if (v > h->max)
        h->max = v;
}

uint64_t
wr_perf_hist_quantile(const struct wr_perf_hist *h, double q)
{
    if (h->count == 0)
        return 0;
    uint64_t want = (uint64_t)(q * (double)h->count + 0.5);
    if (want == 0)
        want = 1;
    uint64_t acc = 0;
    for (unsigned i = 0; i < WR_PERF_HIST_BUCKETS; i++) {
        acc += h->bucket[i];
        if (acc >= want)
            return bucket_upper(i) < h->max ? bucket_upper(i) : h->max;
    }
    return h->max;
}
