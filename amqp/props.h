/* SPDX-License-Identifier: MPL-2.0 */
/* Content header frames and the 14 basic properties. The broker keeps raw property bytes and
 * decodes them only when it needs a field; encoding is for properties it changes. */
#ifndef WR_AMQP_PROPS_H
#define WR_AMQP_PROPS_H

#include <stddef.h>
#include <stdint.h>

#include "amqp/spec.h"
#include "amqp/types.h"

/* Strings and headers are views into the raw bytes given to wr_props_decode(). */
struct wr_props {
    uint16_t flags; /* WR_P_* bits present */
    struct wr_bytes content_type, content_encoding, headers /* table contents */, correlation_id,
            reply_to, expiration, message_id, type, user_id, app_id, cluster_id;
    uint8_t delivery_mode, priority;
    uint64_t timestamp;
};

/* raw: property bytes starting at the 16-bit flags word (what follows class, weight, body size).
 * Fails with WR_ESHORT on truncation, trailing bytes, a continuation flag (bit 0) or flag bits 1
 * set, and with the table errors for malformed headers. Property shortstrs are not UTF-8 checked
 * (RabbitMQ does not check them either). */
int wr_props_decode(const uint8_t *raw, size_t len, struct wr_props *p);
/* Size wr_props_encode() will write; 0 when a present string is too long to encode. */
size_t wr_props_encoded_size(const struct wr_props *p);
/* Writes the fields named by p->flags. Bytes written, or WR_ESPACE / WR_ESHORT (a shortstr over
 * 255 bytes). */
int wr_props_encode(const struct wr_props *p, uint8_t *buf, size_t cap);

/* Content header payload: class(2) weight(2) body-size(8) then the properties. */
struct wr_content_header {
    uint16_t class_id, weight;
    uint64_t body_size;
    struct wr_bytes props; /* view into payload, starting at the flags word */
};
/* Splits the payload; the properties themselves are not checked here (see wr_props_decode). */
int wr_content_header_parse(const uint8_t *payload, size_t len, struct wr_content_header *h);

#endif
