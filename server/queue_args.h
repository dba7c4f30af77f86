/* SPDX-License-Identifier: MPL-2.0 */
/* Queue x-arguments: validation at declare (Q-08, ERR-14, ERR-15) and the equivalence check on
 * redeclare (Q-03, ERR-12), both driven by one table of the arguments RabbitMQ knows. */
#ifndef WR_QUEUE_ARGS_H
#define WR_QUEUE_ARGS_H

#include "amqp/types.h"

#include <stddef.h>

/* Returns 0, or -1 with the full explanation (after "PRECONDITION_FAILED - ") in err. */
int wr_queue_args_validate(struct wr_bytes args, const char *qname, const char *vhost, char *err,
                           size_t errcap);
int wr_queue_args_equivalent(struct wr_bytes got, struct wr_bytes cur, const char *qname,
                             const char *vhost, char *err, size_t errcap);

#endif
