/* SPDX-License-Identifier: MPL-2.0 */
/* Content header payloads and the basic properties, driven by spec.c's property table.
 * Raw property bytes stay the canonical form; struct wr_props holds views into them. */
#include <stddef.h>
#include <string.h>

#include "amqp/props.h"
#include "amqp/table.h"
#include "amqp/wire.h"

/* Where each property of wr_basic_prop_descs (same order) lives in struct wr_props. */
static const uint16_t prop_offset[WR_BASIC_PROP_COUNT] = {
        offsetof(struct wr_props, content_type), offsetof(struct wr_props, content_encoding),
        offsetof(struct wr_props, headers),      offsetof(struct wr_props, delivery_mode),
        offsetof(struct wr_props, priority),     offsetof(struct wr_props, correlation_id),
        offsetof(struct wr_props, reply_to),     offsetof(struct wr_props, expiration),
        offsetof(struct wr_props, message_id),   offsetof(struct wr_props, timestamp),
        offsetof(struct wr_props, type),         offsetof(struct wr_props, user_id),
        offsetof(struct wr_props, app_id),       offsetof(struct wr_props, cluster_id),
};

/* Bits 1 and 0 (continuation) name no basic property. */
#define UNUSED_FLAGS 0x0003U

#define PFIELD(p, i, type)  ((type *)(void *)((char *)(p) + prop_offset[i]))
#define CPFIELD(p, i, type) ((const type *)(const void *)((const char *)(p) + prop_offset[i]))

static int
decode_prop(struct wr_cur *c, unsigned i, struct wr_props *p)
{
    struct wr_bytes *s = PFIELD(p, i, struct wr_bytes);
    uint8_t n8;
    uint32_t n32;
    const uint8_t *v;

    switch (wr_basic_prop_descs[i].type) {
    case WR_T_OCTET:
        return wr_get_u8(c, PFIELD(p, i, uint8_t)) ? 0 : WR_ESHORT;
    case WR_T_TIMESTAMP:
        return wr_get_u64(c, PFIELD(p, i, uint64_t)) ? 0 : WR_ESHORT;
    case WR_T_SHORTSTR:
        if (!wr_get_u8(c, &n8) || !wr_get_bytes(c, n8, &v))
            return WR_ESHORT;
        *s = (struct wr_bytes){v, n8};
        return 0;
    default: /* table */
        if (!wr_get_u32(c, &n32) || !wr_get_bytes(c, n32, &v))
            return WR_ESHORT;
        *s = (struct wr_bytes){v, n32};
        return wr_table_validate(*s);
    }
}

int
wr_props_decode(const uint8_t *raw, size_t len, struct wr_props *p)
{
    struct wr_cur c = {raw, len, 0};
    int rc;

    memset(p, 0, sizeof(*p));
    if (!wr_get_u16(&c, &p->flags) || (p->flags & UNUSED_FLAGS))
        return WR_ESHORT;
    for (unsigned i = 0; i < WR_BASIC_PROP_COUNT; i++) {
        if (!(p->flags & wr_basic_prop_descs[i].flag))
            continue;
        if ((rc = decode_prop(&c, i, p)) < 0)
            return rc;
    }
    return c.off == len ? WR_OK : WR_ESHORT;
}

static size_t
prop_size(const struct wr_props *p, unsigned i)
{
    const struct wr_bytes *s = CPFIELD(p, i, struct wr_bytes);

    switch (wr_basic_prop_descs[i].type) {
    case WR_T_OCTET:
        return 1;
    case WR_T_TIMESTAMP:
        return 8;
    case WR_T_SHORTSTR:
        return s->len > 255 ? 0 : 1 + (size_t)s->len;
    default:
        return 4 + (size_t)s->len;
    }
}

size_t
wr_props_encoded_size(const struct wr_props *p)
{
    size_t n = 2;

    for (unsigned i = 0; i < WR_BASIC_PROP_COUNT; i++) {
        if (!(p->flags & wr_basic_prop_descs[i].flag))
            continue;
        size_t k = prop_size(p, i);
        if (k == 0)
            return 0;
        n += k;
    }
    return n;
}

static void
encode_prop(struct wr_wcur *w, const struct wr_props *p, unsigned i)
{
    const struct wr_bytes *s = CPFIELD(p, i, struct wr_bytes);

    switch (wr_basic_prop_descs[i].type) {
    case WR_T_OCTET:
        wr_put_u8(w, *CPFIELD(p, i, uint8_t));
        break;
    case WR_T_TIMESTAMP:
        wr_put_u64(w, *CPFIELD(p, i, uint64_t));
        break;
    case WR_T_SHORTSTR:
        wr_put_u8(w, (uint8_t)s->len);
        wr_put_bytes(w, s->ptr, s->len);
        break;
    default:
        wr_put_u32(w, s->len);
        wr_put_bytes(w, s->ptr, s->len);
        break;
    }
}

int
wr_props_encode(const struct wr_props *p, uint8_t *buf, size_t cap)
{
    struct wr_wcur w = {buf, cap, 0};
    size_t n = wr_props_encoded_size(p);

    if (n == 0)
        return WR_ESHORT;
    if (n > cap || n > INT32_MAX)
        return WR_ESPACE;
    wr_put_u16(&w, (uint16_t)(p->flags & ~UNUSED_FLAGS));
    for (unsigned i = 0; i < WR_BASIC_PROP_COUNT; i++) {
        if (p->flags & wr_basic_prop_descs[i].flag)
            encode_prop(&w, p, i);
    }
    return (int)w.off;
}

int
wr_content_header_parse(const uint8_t *payload, size_t len, struct wr_content_header *h)
{
    struct wr_cur c = {payload, len, 0};

    if (!wr_get_u16(&c, &h->class_id) || !wr_get_u16(&c, &h->weight) ||
        !wr_get_u64(&c, &h->body_size) || !wr_cur_has(&c, 2))
        return WR_ESHORT;
    if (len - c.off > UINT32_MAX)
        return WR_ESHORT;
    h->props = (struct wr_bytes){payload + c.off, (uint32_t)(len - c.off)};
    return WR_OK;
}
