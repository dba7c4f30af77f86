/* SPDX-License-Identifier: MPL-2.0 */
/* Dead-lettering (D-01..D-04): a message leaving a queue by rejection, expiry, length limit or
 * delivery limit is republished as a new message to the queue's dead-letter exchange. */
#ifndef WR_DEADLETTER_H
#define WR_DEADLETTER_H

struct wr_queue;
struct wr_msg;

enum wr_dl_reason { WR_DL_REJECTED, WR_DL_EXPIRED, WR_DL_MAXLEN, WR_DL_DELIVERY_LIMIT };

/* Does nothing when q has no dead-letter exchange or it does not exist. m is not consumed. */
void wr_deadletter(struct wr_queue *q, const struct wr_msg *m, enum wr_dl_reason reason);

#endif
