/* SPDX-License-Identifier: MPL-2.0 */
/* The two active roles of a connection: a producer publishes stamped bodies, a consumer checks
 * them. main.c creates them and drives the producers' clock. */
#ifndef WR_PERF_ROLES_H
#define WR_PERF_ROLES_H

#include <stdint.h>

#include "tools/perf/conn.h"

extern const struct wr_perf_role_ops wr_perf_producer_ops;
extern const struct wr_perf_role_ops wr_perf_consumer_ops;
extern const struct wr_perf_role_ops wr_perf_idle_ops;

/* Role state for connection number id of its kind; freed by free(). */
void *wr_perf_producer_new(int id);
void *wr_perf_consumer_new(int id);

/* Publishing may begin (all connections are ready) or may continue (rate credit, window). */
void wr_perf_producer_pump(struct wr_perf_conn *c);
/* With -r: starts the producer's own clock, which publishes each message when it is due. */
void wr_perf_producer_clock(struct wr_perf_conn *c);
/* Publishes not yet confirmed by this producer. */
uint64_t wr_perf_producer_outstanding(const struct wr_perf_conn *c);

#endif
