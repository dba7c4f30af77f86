/* SPDX-License-Identifier: MPL-2.0 */
/* Duplicate detection: per queue and producer, a bitmap over sequence numbers that grows by
 * doubling. A bitmap (not "highest seen") stays right with several consumers on one queue. */
#include <stdlib.h>
#include <string.h>

#include "tools/perf/perf.h"

void
wr_perf_seen_init(struct wr_perf_seen *s, int producers)
{
    size_t n = producers > 0 ? (size_t)producers : 1;
    s->bits = calloc(n, sizeof(*s->bits));
    s->cap = calloc(n, sizeof(*s->cap));
    if (!s->bits || !s->cap)
        abort();
}

static void
grow(struct wr_perf_seen *s, uint32_t producer, size_t need)
{
    size_t cap = s->cap[producer] ? s->cap[producer] : 4096;
    while (cap < need)
        cap *= 2;
    uint8_t *b = realloc(s->bits[producer], cap);
    if (!b)
        abort();
    memset(b + s->cap[producer], 0, cap - s->cap[producer]);
    s->bits[producer] = b;
    s->cap[producer] = cap;
}

bool
wr_perf_seen_test_set(struct wr_perf_seen *s, uint32_t producer, uint64_t seq)
{
    size_t byte = (size_t)(seq >> 3);
    if (byte >= s->cap[producer])
        grow(s, producer, byte + 1);
    uint8_t bit = (uint8_t)(1u << (seq & 7));
    bool was = s->bits[producer][byte] & bit;
    s->bits[producer][byte] |= bit;
    return was;
}
