/* SPDX-License-Identifier: MPL-2.0 */
/* Big-endian reads and writes on a bounds-checked cursor; the only place amqp/ touches raw octets.
 * Checks compare against the bytes left (len - off), so no addition can overflow. */
#ifndef WR_AMQP_WIRE_H
#define WR_AMQP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* For reading, p is const input; for writing the same struct is used over a writable buffer. */
struct wr_cur {
    const uint8_t *p;
    size_t len, off;
};

struct wr_wcur {
    uint8_t *p;
    size_t cap, off;
};

static inline uint32_t
wr_be32_(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline bool
wr_cur_has(const struct wr_cur *c, size_t n)
{
    return c->off <= c->len && n <= c->len - c->off;
}

static inline size_t
wr_cur_left(const struct wr_cur *c)
{
    return c->off <= c->len ? c->len - c->off : 0;
}

static inline bool
wr_get_u8(struct wr_cur *c, uint8_t *v)
{
    if (!wr_cur_has(c, 1))
        return false;
    *v = c->p[c->off++];
    return true;
}

static inline bool
wr_get_u16(struct wr_cur *c, uint16_t *v)
{
    if (!wr_cur_has(c, 2))
        return false;
    const uint8_t *p = c->p + c->off;
    *v = (uint16_t)((unsigned)p[0] << 8 | p[1]);
    c->off += 2;
    return true;
}

static inline bool
wr_get_u32(struct wr_cur *c, uint32_t *v)
{
    if (!wr_cur_has(c, 4))
        return false;
    *v = wr_be32_(c->p + c->off);
    c->off += 4;
    return true;
}

static inline bool
wr_get_u64(struct wr_cur *c, uint64_t *v)
{
    if (!wr_cur_has(c, 8))
        return false;
    const uint8_t *p = c->p + c->off;
    *v = (uint64_t)wr_be32_(p) << 32 | wr_be32_(p + 4);
    c->off += 8;
    return true;
}

/* A view of the next n bytes; the cursor moves past them. */
static inline bool
wr_get_bytes(struct wr_cur *c, size_t n, const uint8_t **v)
{
    if (!wr_cur_has(c, n))
        return false;
    *v = c->p + c->off;
    c->off += n;
    return true;
}

static inline bool
wr_wcur_has(const struct wr_wcur *c, size_t n)
{
    return c->off <= c->cap && n <= c->cap - c->off;
}

static inline bool
wr_put_u8(struct wr_wcur *c, uint8_t v)
{
    if (!wr_wcur_has(c, 1))
        return false;
    c->p[c->off++] = v;
    return true;
}

static inline bool
wr_put_u16(struct wr_wcur *c, uint16_t v)
{
    if (!wr_wcur_has(c, 2))
        return false;
    c->p[c->off] = (uint8_t)(v >> 8);
    c->p[c->off + 1] = (uint8_t)v;
    c->off += 2;
    return true;
}

static inline bool
wr_put_u32(struct wr_wcur *c, uint32_t v)
{
    if (!wr_wcur_has(c, 4))
        return false;
    for (int i = 0; i < 4; i++)
        c->p[c->off + (size_t)i] = (uint8_t)(v >> (24 - 8 * i));
    c->off += 4;
    return true;
}

static inline bool
wr_put_u64(struct wr_wcur *c, uint64_t v)
{
    if (!wr_wcur_has(c, 8))
        return false;
    wr_put_u32(c, (uint32_t)(v >> 32));
    wr_put_u32(c, (uint32_t)v);
    return true;
}

static inline bool
wr_put_bytes(struct wr_wcur *c, const void *v, size_t n)
{
    if (!wr_wcur_has(c, n))
        return false;
    if (n)
        memcpy(c->p + c->off, v, n);
    c->off += n;
    return true;
}

/* Plain big-endian helpers for fixed layouts (frame headers) where the length is already known. */
static inline uint16_t
wr_be16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t
wr_be32(const uint8_t *p)
{
    return wr_be32_(p);
}

static inline void
wr_put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void
wr_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

#endif
