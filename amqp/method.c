/* SPDX-License-Identifier: MPL-2.0 */
/* The one interpreter over spec.c's field descriptor tables: decodes method arguments into the
 * generated structs and encodes them back. No per-method code lives here. */
#include <limits.h>
#include <string.h>

#include "amqp/method.h"
#include "amqp/table.h"
#include "amqp/utf8.h"
#include "amqp/wire.h"

#define FIELD(base, f, type)  ((type *)(void *)((char *)(base) + (f)->offset))
#define CFIELD(base, f, type) ((const type *)(const void *)((const char *)(base) + (f)->offset))

/* Bit fields: consecutive bits share octets, least significant bit first, eight per octet. */
struct bits {
    uint8_t octet;
    unsigned n; /* bits used in octet; 8 means "none loaded" when decoding */
};

/* The descriptor lookup is a binary search; the few methods of the hot path (publish, deliver,
 * ack) hit this direct-mapped cache instead. */
const struct wr_method_desc *
wr_method_lookup(uint32_t id)
{
    static struct {
        uint32_t id;
        const struct wr_method_desc *d;
    } cache[64];
    unsigned slot = ((id >> 16) * 7u + (id & 0xffff)) & 63u;

    if (cache[slot].d != NULL && cache[slot].id == id)
        return cache[slot].d;
    const struct wr_method_desc *d = wr_method_desc(id);
    if (d != NULL) {
        cache[slot].id = id;
        cache[slot].d = d;
    }
    return d;
}

static int
get_string(struct wr_cur *c, uint32_t n, struct wr_bytes *s)
{
    const uint8_t *p;

    if (!wr_get_bytes(c, n, &p))
        return WR_ESHORT;
    *s = (struct wr_bytes){p, n};
    return 0;
}

static int
decode_shortstr(struct wr_cur *c, struct wr_bytes *s)
{
    uint8_t n;
    int rc;

    if (!wr_get_u8(c, &n))
        return WR_ESHORT;
    if ((rc = get_string(c, n, s)) < 0)
        return rc;
    return wr_utf8_valid(s->ptr, s->len) ? 0 : WR_EUTF8;
}

static int
decode_longstr(struct wr_cur *c, struct wr_bytes *s)
{
    uint32_t n;

    if (!wr_get_u32(c, &n))
        return WR_ESHORT;
    return get_string(c, n, s);
}

static int
decode_field(struct wr_cur *c, const struct wr_field_desc *f, void *out)
{
    int rc;

    switch (f->type) {
    case WR_T_OCTET:
        return wr_get_u8(c, FIELD(out, f, uint8_t)) ? 0 : WR_ESHORT;
    case WR_T_SHORT:
        return wr_get_u16(c, FIELD(out, f, uint16_t)) ? 0 : WR_ESHORT;
    case WR_T_LONG:
        return wr_get_u32(c, FIELD(out, f, uint32_t)) ? 0 : WR_ESHORT;
    case WR_T_LONGLONG:
    case WR_T_TIMESTAMP:
        return wr_get_u64(c, FIELD(out, f, uint64_t)) ? 0 : WR_ESHORT;
    case WR_T_SHORTSTR:
        return decode_shortstr(c, FIELD(out, f, struct wr_bytes));
    case WR_T_LONGSTR:
        return decode_longstr(c, FIELD(out, f, struct wr_bytes));
    case WR_T_TABLE:
        if ((rc = decode_longstr(c, FIELD(out, f, struct wr_bytes))) < 0)
            return rc;
        return wr_table_validate(*FIELD(out, f, struct wr_bytes));
    default:
        return WR_ETYPE;
    }
}

static int
decode_bit(struct wr_cur *c, struct bits *b, const struct wr_field_desc *f, void *out)
{
    if (b->n == 8) {
        if (!wr_get_u8(c, &b->octet))
            return WR_ESHORT;
        b->n = 0;
    }
    *FIELD(out, f, bool) = (b->octet >> b->n++) & 1;
    return 0;
}

int
wr_method_decode(uint32_t id, const uint8_t *args, size_t len, void *out)
{
    const struct wr_method_desc *d = wr_method_lookup(id);
    struct wr_cur c = {args, len, 0};
    struct bits b = {0, 8};
    int rc;

    if (!d)
        return WR_EUNKNOWN;
    memset(out, 0, d->size);
    for (unsigned i = 0; i < d->nfields; i++) {
        const struct wr_field_desc *f = &d->fields[i];
        if (f->type == WR_T_BIT) {
            rc = decode_bit(&c, &b, f, out);
        } else {
            b.n = 8;
            rc = decode_field(&c, f, out);
        }
        if (rc < 0)
            return rc;
    }
    /* RabbitMQ's decoder matches the whole payload, so trailing octets are malformed too. */
    return c.off == len ? WR_OK : WR_ESHORT;
}

/* Encoding. The size pass and the write pass walk the same table; keep them in step. */

static const uint8_t fixed_size[] = {
        [WR_T_OCTET] = 1,     [WR_T_SHORT] = 2,    [WR_T_LONG] = 4,    [WR_T_LONGLONG] = 8,
        [WR_T_TIMESTAMP] = 8, [WR_T_SHORTSTR] = 1, [WR_T_LONGSTR] = 4, [WR_T_TABLE] = 4,
};

static size_t
field_size(const struct wr_field_desc *f, const void *in)
{
    size_t n = f->type < sizeof(fixed_size) ? fixed_size[f->type] : 0;

    if (f->type == WR_T_SHORTSTR || f->type == WR_T_LONGSTR || f->type == WR_T_TABLE)
        n += CFIELD(in, f, struct wr_bytes)->len;
    return n;
}

int
wr_method_encoded_size(uint32_t id, const void *in)
{
    const struct wr_method_desc *d = wr_method_lookup(id);
    size_t n = 4;
    unsigned nbits = 0;

    if (!d)
        return WR_EUNKNOWN;
    for (unsigned i = 0; i < d->nfields; i++) {
        const struct wr_field_desc *f = &d->fields[i];
        if (f->type == WR_T_BIT) {
            if (nbits++ % 8 == 0)
                n++;
            continue;
        }
        nbits = 0;
        if (f->type == WR_T_SHORTSTR && CFIELD(in, f, struct wr_bytes)->len > 255)
            return WR_ESHORT;
        n += field_size(f, in);
        if (n > INT_MAX)
            return WR_ESPACE;
    }
    return (int)n;
}

static bool
put_string(struct wr_wcur *w, const struct wr_bytes *s, bool shortstr)
{
    bool ok = shortstr ? wr_put_u8(w, (uint8_t)s->len) : wr_put_u32(w, s->len);

    return ok && wr_put_bytes(w, s->ptr, s->len);
}

static bool
encode_field(struct wr_wcur *w, const struct wr_field_desc *f, const void *in)
{
    switch (f->type) {
    case WR_T_OCTET:
        return wr_put_u8(w, *CFIELD(in, f, uint8_t));
    case WR_T_SHORT:
        return wr_put_u16(w, *CFIELD(in, f, uint16_t));
    case WR_T_LONG:
        return wr_put_u32(w, *CFIELD(in, f, uint32_t));
    case WR_T_LONGLONG:
    case WR_T_TIMESTAMP:
        return wr_put_u64(w, *CFIELD(in, f, uint64_t));
    case WR_T_SHORTSTR:
        return put_string(w, CFIELD(in, f, struct wr_bytes), true);
    default: /* longstr, table */
        return put_string(w, CFIELD(in, f, struct wr_bytes), false);
    }
}

/* Bits are written into an octet reserved when the first bit of a run is seen. */
static bool
encode_bit(struct wr_wcur *w, struct bits *b, const struct wr_field_desc *f, const void *in)
{
    if (b->n == 8) {
        if (!wr_put_u8(w, 0))
            return false;
        b->n = 0;
    }
    if (*CFIELD(in, f, bool))
        w->p[w->off - 1] |= (uint8_t)(1U << b->n);
    b->n++;
    return true;
}

int
wr_method_encode(uint32_t id, const void *in, uint8_t *buf, size_t cap)
{
    const struct wr_method_desc *d = wr_method_lookup(id);
    struct wr_wcur w = {buf, cap, 0};
    struct bits b = {0, 8};
    int size = wr_method_encoded_size(id, in);

    if (size < 0)
        return size;
    if ((size_t)size > cap)
        return WR_ESPACE;
    wr_put_u16(&w, (uint16_t)(id >> 16));
    wr_put_u16(&w, (uint16_t)id);
    for (unsigned i = 0; i < d->nfields; i++) {
        const struct wr_field_desc *f = &d->fields[i];
        bool ok;
        if (f->type == WR_T_BIT) {
            ok = encode_bit(&w, &b, f, in);
        } else {
            b.n = 8;
            ok = encode_field(&w, f, in);
        }
        if (!ok)
            return WR_ESPACE;
    }
    return (int)w.off;
}

int
wr_method_id_read(const uint8_t *payload, size_t len, uint32_t *id)
{
    if (len < 4)
        return WR_ESHORT;
    *id = wr_be32(payload);
    return WR_OK;
}
