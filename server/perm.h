/* SPDX-License-Identifier: MPL-2.0 */
/* Resource permission checks (A-04, ERR-05): the user's configure/write/read pattern for the
 * channel's vhost must match the resource name; the default exchange is checked as
 * "amq.default". */
#ifndef WR_PERM_H
#define WR_PERM_H

#include "amqp/types.h"
#include "server/user.h"

#include <stdbool.h>

struct wr_channel;

/* Whether u's configure/write/read pattern on vhost matches the resource name; an exchange
 * named "" is the default exchange and is matched as "amq.default". No permissions on the
 * vhost, or an empty pattern, allow nothing. The channel checks below add the error. */
bool wr_perm_allows(const struct wr_user *u, const char *vhost, enum wr_perm_kind kind,
                    bool exchange, struct wr_bytes name);
/* A-05 for a topic exchange: true when u has no topic permission for it, else whether the
 * write (kind WR_PERM_WRITE) or read pattern matches the routing key. */
bool wr_perm_topic_allows(const struct wr_user *u, const char *vhost, struct wr_bytes exchange,
                          enum wr_perm_kind kind, struct wr_bytes key);

/* 0, or WR_EXC with 403 ACCESS_REFUSED recorded on the channel. */
int wr_perm_queue(struct wr_channel *ch, enum wr_perm_kind kind, struct wr_bytes name);
int wr_perm_exchange(struct wr_channel *ch, enum wr_perm_kind kind, struct wr_bytes name);

/* on a topic exchange with topic permissions for the user, the routing key must match
 * the write (publish) or read (bind) pattern. */
int wr_perm_topic(struct wr_channel *ch, enum wr_perm_kind kind, struct wr_bytes exchange,
                  struct wr_bytes key);

#endif
