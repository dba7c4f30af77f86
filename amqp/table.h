/* SPDX-License-Identifier: MPL-2.0 */
/* Field tables and arrays with RabbitMQ's type letters (W-14; 's' is int16): validation, iteration,
 * lookup, RabbitMQ argument equivalence, rendering for error texts, and a growable encoder.
 * A table is always handled as its contents, without the 4-byte length prefix. */
#ifndef WR_AMQP_TABLE_H
#define WR_AMQP_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "amqp/types.h"

/* The outermost table counts as level 1; a table nested deeper than this is WR_EDEPTH. */
#define WR_TABLE_MAX_DEPTH 100

/* Type letters as RabbitMQ reads them (W-14): t b B s u I i l L f d D S A T F V x */
struct wr_fvalue {
    uint8_t type; /* the type letter */
    union {
        bool b;
        int64_t i; /* b s I l L (signed), and B u i widened */
        float f;
        double d;
        struct {
            uint8_t scale;
            uint32_t value;
        } dec;
        uint64_t ts;       /* T */
        struct wr_bytes s; /* S, x; for A and F the contents without the 4-byte length */
    } v;
};

/* 0 or WR_ESHORT / WR_EDEPTH / WR_ETYPE; checks every nested table and array. */
int wr_table_validate(struct wr_bytes t);
/* Same for array contents. */
int wr_array_validate(struct wr_bytes a);

/* Iteration over table or array contents. Values are views into the table. The iterators check
 * sizes and letters of the entries they step over, not nested contents: validate first. */
struct wr_table_iter {
    const uint8_t *p;
    size_t len, off;
};
void wr_table_iter_init(struct wr_table_iter *it, struct wr_bytes t);
/* 1 with *key and *v set, 0 at the end, <0 (wr_codec_err) on malformed input. */
int wr_table_next(struct wr_table_iter *it, struct wr_bytes *key, struct wr_fvalue *v);
int wr_array_next(struct wr_table_iter *it, struct wr_fvalue *v);
/* First entry named key; false when absent or the table is malformed before it. */
bool wr_table_get(struct wr_bytes t, const char *key, struct wr_fvalue *v);
/* Number of entries, or a negative wr_codec_err. */
int wr_table_count(struct wr_bytes t);

/* b B s u I i l L */
bool wr_fvalue_is_int(const struct wr_fvalue *v);
/* RabbitMQ equivalence: all integer widths are one class, f/d one class, tables (order-insensitive,
 * by key) and arrays (in order) compared deeply; otherwise the letters must match. */
bool wr_fvalue_equal(const struct wr_fvalue *a, const struct wr_fvalue *b);
/* RabbitMQ's names: 'I' "signedint", 'S' "longstr", 't' "bool", 'l' "long", 'b' "byte", ...
 * "unknown" for a letter outside W-14. */
const char *wr_fvalue_type_name(uint8_t type);
/* Renders a value as RabbitMQ prints it in inequivalence texts: integers in decimal, strings raw,
 * bools true/false, tables and arrays in Erlang term syntax. Returns the length written (always
 * NUL-terminated when cap > 0, truncated to cap - 1). */
size_t wr_fvalue_render(const struct wr_fvalue *v, char *buf, size_t cap);

/* Growable encoder for tables and arrays (server-properties, x-death, ...). Allocation failure
 * aborts the process, as for every small allocation in Warren. Keys longer than 255 bytes are cut.
 * In the keyed helpers below, key == NULL appends an array element instead of a table entry. */
struct wr_tbuf {
    uint8_t *data;
    size_t len, cap;
};
void wr_tbuf_init(struct wr_tbuf *b);
void wr_tbuf_free(struct wr_tbuf *b);
void wr_tbuf_key(struct wr_tbuf *b, const char *key);             /* shortstr key (table only) */
void wr_tbuf_value(struct wr_tbuf *b, const struct wr_fvalue *v); /* type letter + value */
void wr_tbuf_str(struct wr_tbuf *b, const char *key, const void *s, size_t len); /* key + 'S' */
void wr_tbuf_bool(struct wr_tbuf *b, const char *key, bool v);
void wr_tbuf_long(struct wr_tbuf *b, const char *key, int64_t v); /* 'l' */
void wr_tbuf_nested(struct wr_tbuf *b, const char *key, uint8_t type,
                    const struct wr_tbuf *inner); /* 'F'/'A' */
/* The result is b->data/b->len: contents without the 4-byte length prefix, like every table view.
 */
static inline struct wr_bytes
wr_tbuf_bytes(const struct wr_tbuf *b)
{
    return (struct wr_bytes){b->data, (uint32_t)b->len};
}

#endif
