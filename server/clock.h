/* SPDX-License-Identifier: MPL-2.0 */
/* Monotonic time in milliseconds (TTLs, leases, acknowledgement timeouts). */
#ifndef WR_CLOCK_H
#define WR_CLOCK_H

#include <stdint.h>

int64_t wr_clock_ms(void);

#endif
