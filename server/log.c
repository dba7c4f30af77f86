/* SPDX-License-Identifier: MPL-2.0 */
/* Logging to stderr with timestamps; libevent's own messages are routed here too. */
#include "server/log.h"

#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static enum wr_log_level wr_level = WR_LOG_INFO;
static const char *const wr_level_names[] = {"error", "warning", "info", "debug"};

void
wr_log_set_level(enum wr_log_level level)
{
    wr_level = level;
}

int
wr_log_parse_level(const char *name, enum wr_log_level *out)
{
    for (int i = 0; i <= WR_LOG_DEBUG; i++) {
        if (strcmp(name, wr_level_names[i]) == 0) {
            *out = (enum wr_log_level)i;
            return 0;
        }
    }
    if (strcmp(name, "warn") == 0) {
        *out = WR_LOG_WARN;
        return 0;
    }
    return -1;
}

int
wr_log_enabled(enum wr_log_level level)
{
    return level <= wr_level;
}

static void
wr_vlog(enum wr_log_level level, const char *fmt, va_list ap)
{
    char line[1024];
    struct timespec ts;
    struct tm tm;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = (int)strftime(line, sizeof(line), "%Y-%m-%d %H:%M:%S", &tm);
    n += snprintf(line + n, sizeof(line) - (size_t)n, ".%03ld [%s] ", ts.tv_nsec / 1000000,
                  wr_level_names[level]);
    vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    fprintf(stderr, "%s\n", line);
}

void
wr_log(enum wr_log_level level, const char *fmt, ...)
{
    va_list ap;

    if (!wr_log_enabled(level))
        return;
    va_start(ap, fmt);
    wr_vlog(level, fmt, ap);
    va_end(ap);
}

void
wr_panic(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    wr_vlog(WR_LOG_ERROR, fmt, ap);
    va_end(ap);
    abort();
}
