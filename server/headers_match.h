/* SPDX-License-Identifier: MPL-2.0 */
/* Headers-exchange matching and x-match validation (ERR-26). Pure functions over table
 * views (contents without the 4-byte length prefix); nothing is kept or allocated. */
#ifndef WR_SERVER_HEADERS_MATCH_H
#define WR_SERVER_HEADERS_MATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "amqp/types.h"

enum wr_xmatch {
    WR_XMATCH_ALL,        /* every binding argument must match; the default */
    WR_XMATCH_ANY,        /* at least one must match */
    WR_XMATCH_ALL_WITH_X, /* as all/any, but "x-" arguments other than x-match are compared too */
    WR_XMATCH_ANY_WITH_X,
};

/* Reads x-match from validated binding arguments (WR_XMATCH_ALL when absent). Returns 0, or -1
 * with err set to RabbitMQ's explanation (ERR-26) without the "PRECONDITION_FAILED - " prefix. */
int wr_headers_xmatch(struct wr_bytes binding_args, enum wr_xmatch *mode, char *err, size_t errcap);

/* Does a message with msg_headers (empty view when it has none) match a binding?
 * binding_args must have been validated; msg_headers may be malformed (it then matches as far as
 * it can be read). Values compare as RabbitMQ's Erlang terms do: numbers by value across all
 * integer and float types (1 == 1.0), longstr and binary by bytes, nested tables and arrays
 * entry by entry with the same type letters; a void binding value only tests presence. */
bool wr_headers_match(struct wr_bytes binding_args, enum wr_xmatch mode,
                      struct wr_bytes msg_headers);

#endif
