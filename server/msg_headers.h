/* SPDX-License-Identifier: MPL-2.0 */
/* Reading and rewriting message headers off the hot path: CC/BCC, x-death (D-03). */
#ifndef WR_MSG_HEADERS_H
#define WR_MSG_HEADERS_H

#include "amqp/types.h"

#include <stdbool.h>
#include <stddef.h>

struct wr_msg;
struct wr_props;
struct wr_tbuf;

#define WR_MAX_ROUTE_KEYS 64

/* Appends the longstr elements of header name (an array) to keys. Returns 0, 0 when the header
 * is absent, or -1 with the ERR-23 explanation in err when it is not an array of longstr. */
int wr_headers_keys(struct wr_bytes headers, const char *name, struct wr_bytes *keys, size_t *n,
                    size_t cap, char *err, size_t errcap);
/* Copies every header except the names listed (NULL-terminated) into b. */
void wr_headers_copy_except(struct wr_bytes headers, const char *const *skip, struct wr_tbuf *b);
/* A new message like m with properties p (whose headers were rewritten): one body copy. */
struct wr_msg *wr_msg_with_props(const struct wr_msg *m, const struct wr_props *p,
                                 const char *exchange, size_t elen, struct wr_bytes rk);

/* A copy of m whose header key is set to a long (x-delivery-count, x-stream-offset). */
struct wr_msg *wr_msg_with_header_long(const struct wr_msg *m, const char *key, int64_t value);

#endif
