/* SPDX-License-Identifier: MPL-2.0 */
/* Counters and their rates, sampled as RabbitMQ's collect_statistics_interval does. */
#include "server/stats.h"

#include <string.h>

uint64_t wr_stats[WR_STAT_N];

static const char *const wr_stat_names[WR_STAT_N] = {
        [WR_STAT_PUBLISH] = "publish",
        [WR_STAT_CONFIRM] = "confirm",
        [WR_STAT_DELIVER] = "deliver",
        [WR_STAT_DELIVER_NO_ACK] = "deliver_no_ack",
        [WR_STAT_GET] = "get",
        [WR_STAT_GET_NO_ACK] = "get_no_ack",
        [WR_STAT_ACK] = "ack",
        [WR_STAT_REDELIVER] = "redeliver",
        [WR_STAT_RETURN_UNROUTABLE] = "return_unroutable",
        [WR_STAT_DROP_UNROUTABLE] = "drop_unroutable",
};

static uint64_t wr_prev[WR_STAT_N], wr_prev_ms;
static double wr_rates[WR_STAT_N];

const char *
wr_stat_name(enum wr_stat s)
{
    return wr_stat_names[s];
}

void
wr_stats_sample(uint64_t now_ms)
{
    if (wr_prev_ms != 0 && now_ms > wr_prev_ms) {
        for (int i = 0; i < WR_STAT_N; i++)
            wr_rates[i] =
                    (double)(wr_stats[i] - wr_prev[i]) * 1000.0 / (double)(now_ms - wr_prev_ms);
    }
    memcpy(wr_prev, wr_stats, sizeof(wr_prev));
    wr_prev_ms = now_ms;
}

double
wr_stat_rate(enum wr_stat s)
{
    return wr_rates[s];
}
