/* SPDX-License-Identifier: MPL-2.0 */
/* Method argument codec: one interpreter over the generated descriptor tables in spec.c.
 * Knows nothing of frames; the payload given here starts after (or, for encode, includes) the ids.
 */
#ifndef WR_AMQP_METHOD_H
#define WR_AMQP_METHOD_H

#include <stddef.h>
#include <stdint.h>

#include "amqp/spec.h"
#include "amqp/types.h"

/* args/len: the method payload after the 4-byte class+method id; out: the method's struct
 * (struct wr_m_<class>_<method>), zeroed first. Strings in *out are views into args.
 * Validates shortstr UTF-8 (WR_EUTF8) and table well-formedness (WR_ESHORT / WR_EDEPTH / WR_ETYPE).
 * Bytes left over after the last argument are malformed (WR_ESHORT), as in RabbitMQ.
 * Returns WR_OK, or WR_EUNKNOWN for an id not in the spec. */
int wr_method_decode(uint32_t id, const uint8_t *args, size_t len, void *out);

/* Encodes class id, method id and arguments into buf. Returns bytes written (>0) or a negative
 * wr_codec_err: WR_ESPACE when cap is too small, WR_ESHORT for a shortstr over 255 bytes. */
int wr_method_encode(uint32_t id, const void *in, uint8_t *buf, size_t cap);

/* Exact size wr_method_encode() needs (ids included), or a negative wr_codec_err. */
int wr_method_encoded_size(uint32_t id, const void *in);

/* Reads the 4-byte class+method id at the start of a method frame payload. WR_ESHORT if len < 4. */
int wr_method_id_read(const uint8_t *payload, size_t len, uint32_t *id);

/* wr_method_desc with a cache in front, for the per-message path. */
const struct wr_method_desc *wr_method_lookup(uint32_t id);

#endif
