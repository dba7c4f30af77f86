/* SPDX-License-Identifier: MPL-2.0 */
/* Resource alarms (F-01..F-04): memory above the high watermark or free disk below the limit
 * blocks publishing connections until every alarm clears. Checked once a second. */
#ifndef WR_ALARM_H
#define WR_ALARM_H

#include <stdint.h>

struct wr_broker;
struct wr_alarms;

enum { WR_ALARM_MEMORY = 1, WR_ALARM_DISK = 2 };

struct wr_alarms *wr_alarms_new(struct wr_broker *b);
void wr_alarms_free(struct wr_alarms *a);
/* Runtime changes (set_vm_memory_high_watermark, set_disk_free_limit); checked at once. */
void wr_alarms_set_memory_limit(struct wr_alarms *a, uint64_t bytes);
void wr_alarms_set_memory_relative(struct wr_alarms *a, double fraction);
void wr_alarms_set_disk_limit(struct wr_alarms *a, uint64_t bytes);
/* Message memory above which queues page transient messages to disk (half the watermark). */
uint64_t wr_alarms_paging_bytes(const struct wr_alarms *a);
/* WR_ALARM_* bits in force. */
unsigned wr_alarms_active(const struct wr_alarms *a);
/* RabbitMQ's connection.blocked reason for a set of bits (C-18). */
const char *wr_alarms_reason(unsigned bits);
/* Measures now and notifies connections of any change. */
void wr_alarms_check(struct wr_alarms *a);

#endif
