/* SPDX-License-Identifier: MPL-2.0 */
/* Queue x-arguments: validation at declare (Q-08, ERR-14, ERR-15) and the equivalence check on
 * redeclare (Q-03, ERR-12), both driven by one table of the arguments RabbitMQ knows. */
#ifndef WR_QUEUE_ARGS_H
#define WR_QUEUE_ARGS_H

#include "amqp/types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum wr_overflow { WR_OVF_DROP_HEAD, WR_OVF_REJECT_PUBLISH, WR_OVF_REJECT_PUBLISH_DLX };
enum wr_qtype { WR_QT_CLASSIC, WR_QT_QUORUM, WR_QT_STREAM };

/* The effective settings of a queue, from its x-arguments (and later its policy). -1 = unset. */
struct wr_qparams {
    int64_t message_ttl;
    int64_t expires;
    int64_t max_length;
    int64_t max_length_bytes;
    int64_t delivery_limit;
    enum wr_overflow overflow;
    bool overflow_set; /* x-overflow given: it wins over a policy's (PO-04) */
    enum wr_qtype type;
    bool has_dlx, has_dlrk;
    char dlx[256];
    char dlrk[256];
    uint8_t max_priority;
    bool priority;
    bool single_active;
};

/* Returns 0, or -1 with the ERR-29 explanation when a quorum/stream declaration is invalid. */
int wr_queue_type_check(struct wr_bytes args, bool durable, bool exclusive, bool auto_delete,
                        bool server_named, const char *qname, const char *vhost, char *err,
                        size_t errcap);
/* Reads validated arguments into p. */
void wr_qparams_from_args(struct wr_qparams *p, struct wr_bytes args);

/* Returns 0, or -1 with the full explanation (after "PRECONDITION_FAILED - ") in err. */
int wr_queue_args_validate(struct wr_bytes args, const char *qname, const char *vhost, char *err,
                           size_t errcap);
int wr_queue_args_equivalent(struct wr_bytes got, struct wr_bytes cur, const char *qname,
                             const char *vhost, char *err, size_t errcap);

#endif
