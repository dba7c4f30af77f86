/* SPDX-License-Identifier: MPL-2.0 */
/* Memory is the process's resident set (as RabbitMQ's vm_memory_calculation_strategy = rss),
 * disk is the free space of the data directory's file system. */
#include "server/alarm.h"

#include "server/broker.h"
#include "server/log.h"
#include "server/mem.h"
#include "server/settings.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/statvfs.h>
#include <unistd.h>

struct wr_alarms {
    struct wr_broker *b;
    struct event *tick;
    uint64_t mem_limit;
    uint64_t disk_limit;
    unsigned active;
};

static uint64_t
wr_total_ram(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

    return pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : 0;
}

static uint64_t
wr_rss(void)
{
    unsigned long long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");

    if (f == NULL)
        return 0;
    if (fscanf(f, "%llu %llu", &size, &resident) != 2)
        resident = 0;
    fclose(f);
    return resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

static uint64_t
wr_disk_free(const char *dir)
{
    struct statvfs st;

    if (statvfs(dir, &st) != 0)
        return UINT64_MAX; /* unknown: never alarm on it */
    return (uint64_t)st.f_bavail * st.f_frsize;
}

const char *
wr_alarms_reason(unsigned bits)
{
    if (bits == (WR_ALARM_MEMORY | WR_ALARM_DISK))
        return "low on memory & disk";
    return bits == WR_ALARM_DISK ? "low on disk" : "low on memory";
}

void
wr_alarms_check(struct wr_alarms *a)
{
    const struct wr_config *cfg = wr_broker_config(a->b);
    uint64_t rss = wr_rss(), free_disk = wr_disk_free(cfg->data_dir);
    unsigned now = 0;

    if (a->mem_limit && rss >= a->mem_limit)
        now |= WR_ALARM_MEMORY;
    if (free_disk < a->disk_limit)
        now |= WR_ALARM_DISK;
    if (now == a->active)
        return;
    if (now & ~a->active)
        wr_log(WR_LOG_WARN,
               "resource alarm set: %s (rss %llu, limit %llu; disk free %llu, limit %llu)",
               wr_alarms_reason(now), (unsigned long long)rss, (unsigned long long)a->mem_limit,
               (unsigned long long)free_disk, (unsigned long long)a->disk_limit);
    else
        wr_log(WR_LOG_INFO, "resource alarm cleared: %s", now ? wr_alarms_reason(now) : "all");
    a->active = now;
    wr_broker_alarms_changed(a->b, now);
}

static void
wr_alarms_tick(evutil_socket_t fd, short what, void *arg)
{
    wr_alarms_check(arg);
}

struct wr_alarms *
wr_alarms_new(struct wr_broker *b)
{
    const struct wr_config *cfg = wr_broker_config(b);
    struct wr_alarms *a = wr_xcalloc(1, sizeof(*a));
    struct timeval tv = {1, 0};

    a->b = b;
    if (cfg->mem_watermark_absolute)
        a->mem_limit = cfg->mem_watermark_absolute;
    else
        a->mem_limit = (uint64_t)(cfg->mem_watermark_relative * (double)wr_total_ram());
    a->disk_limit = cfg->disk_free_relative > 0
                            ? (uint64_t)(cfg->disk_free_relative * (double)wr_total_ram())
                            : cfg->disk_free_limit;
    a->tick = event_new(wr_broker_base(b), -1, EV_PERSIST, wr_alarms_tick, a);
    evtimer_add(a->tick, &tv);
    wr_alarms_check(a);
    return a;
}

void
wr_alarms_free(struct wr_alarms *a)
{
    if (a == NULL)
        return;
    event_free(a->tick);
    free(a);
}

void
wr_alarms_set_memory_limit(struct wr_alarms *a, uint64_t bytes)
{
    a->mem_limit = bytes;
    wr_alarms_check(a);
}

void
wr_alarms_set_memory_relative(struct wr_alarms *a, double fraction)
{
    wr_alarms_set_memory_limit(a, (uint64_t)(fraction * (double)wr_total_ram()));
}

void
wr_alarms_set_disk_limit(struct wr_alarms *a, uint64_t bytes)
{
    a->disk_limit = bytes;
    wr_alarms_check(a);
}

unsigned
wr_alarms_active(const struct wr_alarms *a)
{
    return a->active;
}

uint64_t
wr_alarms_paging_bytes(const struct wr_alarms *a)
{
    return a->mem_limit / 2;
}
