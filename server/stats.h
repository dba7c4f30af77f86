/* SPDX-License-Identifier: MPL-2.0 */
/* Node-wide message counters for the management API's message_stats and RabbitMQ's global
 * Prometheus counters. Plain increments on the loop thread: nothing per message beyond that. */
#ifndef WR_STATS_H
#define WR_STATS_H

#include <stdint.h>

enum wr_stat {
    WR_STAT_PUBLISH,
    WR_STAT_CONFIRM,
    WR_STAT_DELIVER,        /* to consumers with manual ack */
    WR_STAT_DELIVER_NO_ACK, /* to auto-ack consumers */
    WR_STAT_GET,
    WR_STAT_GET_NO_ACK,
    WR_STAT_ACK,
    WR_STAT_REDELIVER,
    WR_STAT_RETURN_UNROUTABLE,
    WR_STAT_DROP_UNROUTABLE,
    WR_STAT_N
};

extern uint64_t wr_stats[WR_STAT_N];

static inline void
wr_stat_add(enum wr_stat s, uint64_t n)
{
    wr_stats[s] += n;
}

/* rabbitmq_management's key for a counter ("publish", "deliver_no_ack", ...). */
const char *wr_stat_name(enum wr_stat s);
/* Takes a sample at now_ms; rates are per second between the last two samples. */
void wr_stats_sample(uint64_t now_ms);
double wr_stat_rate(enum wr_stat s);

#endif
