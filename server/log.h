/* SPDX-License-Identifier: MPL-2.0 */
/* Logging: one sink (stderr), RabbitMQ's level names, a fixed stack buffer per line. */
#ifndef WR_LOG_H
#define WR_LOG_H

#include <stdnoreturn.h>

enum wr_log_level { WR_LOG_ERROR, WR_LOG_WARN, WR_LOG_INFO, WR_LOG_DEBUG };

#define WR_PRINTF(f, a) __attribute__((format(printf, f, a)))

void wr_log_set_level(enum wr_log_level level);
/* Returns -1 when name is not one of error, warning, info, debug. */
int wr_log_parse_level(const char *name, enum wr_log_level *out);
int wr_log_enabled(enum wr_log_level level);
void wr_log(enum wr_log_level level, const char *fmt, ...) WR_PRINTF(2, 3);
/* For broken internal invariants only; never for bad input. */
noreturn void wr_panic(const char *fmt, ...) WR_PRINTF(1, 2);

#endif
