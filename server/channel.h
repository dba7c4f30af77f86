/* SPDX-License-Identifier: MPL-2.0 */
/* What queues need from channels: credit checks, delivery and consumer loss. */
#ifndef WR_CHANNEL_H
#define WR_CHANNEL_H

#include <stdbool.h>
#include <stdint.h>

struct wr_channel;
struct wr_conn;
struct wr_consumer;
struct wr_queue;
struct wr_qentry;

/* True when c may take one more message now (channel open, prefetch credit, socket not full). */
bool wr_channel_can_deliver(struct wr_channel *ch, const struct wr_consumer *c);
/* Writes basic.deliver + content; takes e (unacked record, or settled at once for no-ack). */
void wr_channel_deliver(struct wr_channel *ch, struct wr_consumer *c, struct wr_queue *q,
                        struct wr_qentry *e);
/* The queue is gone: forget c, and send basic.cancel when notify and the client asked for it. */
void wr_channel_consumer_gone(struct wr_channel *ch, struct wr_consumer *c, bool notify);

/* The message store made a channel's publishes durable up to seq upto (persist.h callback):
 * confirms up to it go out, and tx.commit-ok when commit is set. */
void wr_channel_persisted(void *owner, uint64_t upto, bool commit);

/* For consumer listings: the channel's number and connection. */
uint16_t wr_channel_number(const struct wr_channel *ch);
const struct wr_conn *wr_channel_conn(const struct wr_channel *ch);

#endif
