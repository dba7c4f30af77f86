/* SPDX-License-Identifier: MPL-2.0 */
/* Run control entry points used by main.c. */
#ifndef WR_PERF_RUN_H
#define WR_PERF_RUN_H

#include "tools/perf/perf.h"

/* Opens the first connections; the rest follow as handshakes complete. */
void wr_perf_run_open(struct wr_perf_run *r);
/* Prints the summary and starts the cleanup and close; safe to call more than once. */
void wr_perf_run_finish(struct wr_perf_run *r);

#endif
