/* SPDX-License-Identifier: MPL-2.0 */
/* Recording AMQP exceptions. A handler calls one of these and returns WR_EXC; the dispatcher
 * turns the record into channel.close (soft) or connection.close (hard), DESIGN.md section 4. */
#ifndef WR_ERROR_H
#define WR_ERROR_H

#include "server/log.h"

#include <stdint.h>

#define WR_EXC (-1)

struct wr_conn;
struct wr_channel;

struct wr_exc {
    uint16_t code; /* 0 when nothing is pending */
    uint16_t channel;
    uint32_t method; /* class << 16 | method, 0 for frame-level errors */
    char text[256];  /* "NAME - explanation", capped at 255 bytes as RabbitMQ does */
};

int wr_chan_fail(struct wr_channel *ch, uint16_t code, const char *fmt, ...) WR_PRINTF(3, 4);
int wr_conn_fail(struct wr_conn *c, uint16_t code, const char *fmt, ...) WR_PRINTF(3, 4);
/* Formats "NAME - text" into e->text with the 255-byte cap (252 bytes + "..."). */
void wr_exc_format(struct wr_exc *e, uint16_t code, const char *text);

#endif
