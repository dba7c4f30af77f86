/* SPDX-License-Identifier: MPL-2.0 */
/* Types shared by the whole codec: byte views, error codes, method field types.
 * Rule: a struct wr_bytes taken from wire input is a view into the caller's buffer and dies with it
 * (in the server: when the handler returns). Copy what must outlive the call. */
#ifndef WR_AMQP_TYPES_H
#define WR_AMQP_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct wr_bytes {
    const uint8_t *ptr;
    uint32_t len;
};

#define WR_BYTES_LIT(s) ((struct wr_bytes){(const uint8_t *)(s), (uint32_t)(sizeof(s) - 1)})

static inline struct wr_bytes
wr_bytes_str(const char *s)
{
    return (struct wr_bytes){(const uint8_t *)s, (uint32_t)strlen(s)};
}

static inline bool
wr_bytes_eq(struct wr_bytes a, struct wr_bytes b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static inline bool
wr_bytes_eq_str(struct wr_bytes a, const char *s)
{
    return wr_bytes_eq(a, wr_bytes_str(s));
}

/* Every codec function returns 0 (or a positive count) on success and one of these on failure. */
enum wr_codec_err {
    WR_OK = 0,
    WR_ESHORT = -1,   /* truncated or malformed input, or a value that cannot be encoded */
    WR_EUTF8 = -2,    /* shortstr is not valid UTF-8 */
    WR_EUNKNOWN = -3, /* unknown class/method */
    WR_ESPACE = -4,   /* output buffer too small */
    WR_EDEPTH = -5,   /* table nesting > WR_TABLE_MAX_DEPTH */
    WR_ETYPE = -6,    /* unknown field-table type letter */
};

/* Method argument types (the spec's domains reduce to these). */
enum wr_ftype {
    WR_T_OCTET = 1, /* uint8_t */
    WR_T_SHORT,     /* uint16_t */
    WR_T_LONG,      /* uint32_t */
    WR_T_LONGLONG,  /* uint64_t */
    WR_T_TIMESTAMP, /* uint64_t */
    WR_T_BIT,       /* bool; consecutive bits share one octet */
    WR_T_SHORTSTR,  /* struct wr_bytes, <= 255 bytes, UTF-8 */
    WR_T_LONGSTR,   /* struct wr_bytes */
    WR_T_TABLE,     /* struct wr_bytes: table contents without the 4-byte length */
};

#endif
