/* SPDX-License-Identifier: MPL-2.0 */
/* Resource permission checks (A-04, ERR-05): the user's configure/write/read pattern for the
 * channel's vhost must match the resource name; the default exchange is checked as
 * "amq.default". */
#ifndef WR_PERM_H
#define WR_PERM_H

#include "amqp/types.h"
#include "server/user.h"

struct wr_channel;

/* 0, or WR_EXC with 403 ACCESS_REFUSED recorded on the channel. */
int wr_perm_queue(struct wr_channel *ch, enum wr_perm_kind kind, struct wr_bytes name);
int wr_perm_exchange(struct wr_channel *ch, enum wr_perm_kind kind, struct wr_bytes name);

/* on a topic exchange with topic permissions for the user, the routing key must match
 * the write (publish) or read (bind) pattern. */
int wr_perm_topic(struct wr_channel *ch, enum wr_perm_kind kind, struct wr_bytes exchange,
                  struct wr_bytes key);

#endif
