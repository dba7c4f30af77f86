/* SPDX-License-Identifier: MPL-2.0 */
/* UTF-8 validation for shortstr method fields (RabbitMQ: "FRAME_ERROR - Malformed UTF-8 in
 * shortstr"). */
#ifndef WR_AMQP_UTF8_H
#define WR_AMQP_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Strict RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF. NUL is allowed. */
bool wr_utf8_valid(const uint8_t *p, size_t n);

#endif
