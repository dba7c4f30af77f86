/* SPDX-License-Identifier: MPL-2.0 */
/* Field tables and arrays: validation, iteration, lookup, equivalence, rendering and encoding.
 * Everything works on table contents (no length prefix) and never copies values out of them. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amqp/table.h"
#include "amqp/text.h"
#include "amqp/wire.h"

/* Integer letters: width in octets and whether the wire value is signed (W-14). */
static const struct {
    uint8_t letter, width;
    bool sign;
    const char *name;
} int_types[] = {
        {'b', 1, true, "byte"},      {'B', 1, false, "unsignedbyte"},
        {'s', 2, true, "short"},     {'u', 2, false, "unsignedshort"},
        {'I', 4, true, "signedint"}, {'i', 4, false, "unsignedint"},
        {'l', 8, true, "long"},      {'L', 8, true, "long"},
};

static const struct {
    uint8_t letter;
    const char *name;
} other_types[] = {
        {'t', "bool"},  {'f', "float"},     {'d', "double"}, {'D', "decimal"}, {'S', "longstr"},
        {'A', "array"}, {'T', "timestamp"}, {'F', "table"},  {'V', "void"},    {'x', "binary"},
};

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

static int
int_index(uint8_t letter)
{
    for (size_t i = 0; i < NELEMS(int_types); i++) {
        if (int_types[i].letter == letter)
            return (int)i;
    }
    return -1;
}

static bool
get_uint(struct wr_cur *c, unsigned width, uint64_t *v)
{
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;

    switch (width) {
    case 1:
        if (!wr_get_u8(c, &u8))
            return false;
        *v = u8;
        return true;
    case 2:
        if (!wr_get_u16(c, &u16))
            return false;
        *v = u16;
        return true;
    case 4:
        if (!wr_get_u32(c, &u32))
            return false;
        *v = u32;
        return true;
    default:
        return wr_get_u64(c, v);
    }
}

/* Two's complement sign extension of a width-octet value, without implementation-defined casts. */
static int64_t
sign_extend(uint64_t u, unsigned width)
{
    if (width == 8)
        return u > INT64_MAX ? -(int64_t)(UINT64_MAX - u) - 1 : (int64_t)u;
    uint64_t sign = UINT64_C(1) << (width * 8 - 1);
    return u & sign ? (int64_t)u - (int64_t)(sign << 1) : (int64_t)u;
}

static int
read_int(struct wr_cur *c, int idx, struct wr_fvalue *v)
{
    uint64_t u;

    if (!get_uint(c, int_types[idx].width, &u))
        return WR_ESHORT;
    v->v.i = int_types[idx].sign ? sign_extend(u, int_types[idx].width) : (int64_t)u;
    return 0;
}

static int
read_long_bytes(struct wr_cur *c, struct wr_fvalue *v)
{
    uint32_t n;
    const uint8_t *p;

    if (!wr_get_u32(c, &n) || !wr_get_bytes(c, n, &p))
        return WR_ESHORT;
    v->v.s = (struct wr_bytes){p, n};
    return 0;
}

static int
read_float(struct wr_cur *c, uint8_t type, struct wr_fvalue *v)
{
    uint32_t u32;
    uint64_t u64;

    if (type == 'f') {
        if (!wr_get_u32(c, &u32))
            return WR_ESHORT;
        memcpy(&v->v.f, &u32, sizeof(v->v.f));
        return 0;
    }
    if (!wr_get_u64(c, &u64))
        return WR_ESHORT;
    memcpy(&v->v.d, &u64, sizeof(v->v.d));
    return 0;
}

/* Reads a type letter and its value. */
static int
read_value(struct wr_cur *c, struct wr_fvalue *v)
{
    uint8_t t, u8;
    int idx;

    memset(v, 0, sizeof(*v));
    if (!wr_get_u8(c, &t))
        return WR_ESHORT;
    v->type = t;
    if ((idx = int_index(t)) >= 0)
        return read_int(c, idx, v);
    switch (t) {
    case 't':
        if (!wr_get_u8(c, &u8))
            return WR_ESHORT;
        v->v.b = u8 != 0;
        return 0;
    case 'f':
    case 'd':
        return read_float(c, t, v);
    case 'D':
        return wr_get_u8(c, &v->v.dec.scale) && wr_get_u32(c, &v->v.dec.value) ? 0 : WR_ESHORT;
    case 'T':
        return wr_get_u64(c, &v->v.ts) ? 0 : WR_ESHORT;
    case 'S':
    case 'x':
    case 'A':
    case 'F':
        return read_long_bytes(c, v);
    case 'V':
        return 0;
    default:
        return WR_ETYPE;
    }
}

void
wr_table_iter_init(struct wr_table_iter *it, struct wr_bytes t)
{
    it->p = t.ptr;
    it->len = t.len;
    it->off = 0;
}

int
wr_table_next(struct wr_table_iter *it, struct wr_bytes *key, struct wr_fvalue *v)
{
    struct wr_cur c = {it->p, it->len, it->off};
    uint8_t klen;
    const uint8_t *k;
    int rc;

    if (!wr_cur_has(&c, 1))
        return 0;
    if (!wr_get_u8(&c, &klen) || !wr_get_bytes(&c, klen, &k))
        return WR_ESHORT;
    if ((rc = read_value(&c, v)) < 0)
        return rc;
    *key = (struct wr_bytes){k, klen};
    it->off = c.off;
    return 1;
}

int
wr_array_next(struct wr_table_iter *it, struct wr_fvalue *v)
{
    struct wr_cur c = {it->p, it->len, it->off};
    int rc;

    if (!wr_cur_has(&c, 1))
        return 0;
    if ((rc = read_value(&c, v)) < 0)
        return rc;
    it->off = c.off;
    return 1;
}

static int validate(struct wr_bytes t, bool array, int depth);

static int
validate_value(const struct wr_fvalue *v, int depth)
{
    if (v->type == 'F')
        return validate(v->v.s, false, depth + 1);
    if (v->type == 'A')
        return validate(v->v.s, true, depth + 1);
    return 0;
}

static int
validate(struct wr_bytes t, bool array, int depth)
{
    struct wr_table_iter it;
    struct wr_bytes key;
    struct wr_fvalue v;
    int rc;

    if (depth > WR_TABLE_MAX_DEPTH)
        return WR_EDEPTH;
    wr_table_iter_init(&it, t);
    while ((rc = array ? wr_array_next(&it, &v) : wr_table_next(&it, &key, &v)) > 0) {
        if ((rc = validate_value(&v, depth)) < 0)
            return rc;
    }
    return rc;
}

int
wr_table_validate(struct wr_bytes t)
{
    return validate(t, false, 1);
}

int
wr_array_validate(struct wr_bytes a)
{
    return validate(a, true, 1);
}

static bool
table_get(struct wr_bytes t, struct wr_bytes key, struct wr_fvalue *v)
{
    struct wr_table_iter it;
    struct wr_bytes k;

    wr_table_iter_init(&it, t);
    while (wr_table_next(&it, &k, v) > 0) {
        if (wr_bytes_eq(k, key))
            return true;
    }
    return false;
}

bool
wr_table_get(struct wr_bytes t, const char *key, struct wr_fvalue *v)
{
    return table_get(t, wr_bytes_str(key), v);
}

int
wr_table_count(struct wr_bytes t)
{
    struct wr_table_iter it;
    struct wr_bytes k;
    struct wr_fvalue v;
    int n = 0, rc;

    wr_table_iter_init(&it, t);
    while ((rc = wr_table_next(&it, &k, &v)) > 0)
        n++;
    return rc < 0 ? rc : n;
}

bool
wr_fvalue_is_int(const struct wr_fvalue *v)
{
    return int_index(v->type) >= 0;
}

static bool
is_float(const struct wr_fvalue *v)
{
    return v->type == 'f' || v->type == 'd';
}

static double
as_double(const struct wr_fvalue *v)
{
    return v->type == 'f' ? (double)v->v.f : v->v.d;
}

static bool fvalue_equal(const struct wr_fvalue *a, const struct wr_fvalue *b, int depth);

/* Tables are equal when they have the same number of entries and every key of a finds an equal
 * value in b; RabbitMQ compares arguments as sorted lists, so order does not matter. */
static bool
tables_equal(struct wr_bytes a, struct wr_bytes b, int depth)
{
    struct wr_table_iter it;
    struct wr_bytes k;
    struct wr_fvalue va, vb;
    int na = wr_table_count(a), rc;

    if (na < 0 || na != wr_table_count(b))
        return false;
    wr_table_iter_init(&it, a);
    while ((rc = wr_table_next(&it, &k, &va)) > 0) {
        if (!table_get(b, k, &vb) || !fvalue_equal(&va, &vb, depth + 1))
            return false;
    }
    return rc == 0;
}

static bool
arrays_equal(struct wr_bytes a, struct wr_bytes b, int depth)
{
    struct wr_table_iter ia, ib;
    struct wr_fvalue va, vb;
    int ra, rb;

    wr_table_iter_init(&ia, a);
    wr_table_iter_init(&ib, b);
    for (;;) {
        ra = wr_array_next(&ia, &va);
        rb = wr_array_next(&ib, &vb);
        if (ra <= 0 || rb <= 0)
            return ra == 0 && rb == 0;
        if (!fvalue_equal(&va, &vb, depth + 1))
            return false;
    }
}

static bool
fvalue_equal(const struct wr_fvalue *a, const struct wr_fvalue *b, int depth)
{
    if (depth > WR_TABLE_MAX_DEPTH)
        return false;
    if (wr_fvalue_is_int(a) && wr_fvalue_is_int(b))
        return a->v.i == b->v.i;
    if (is_float(a) && is_float(b))
        return as_double(a) == as_double(b);
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case 't':
        return a->v.b == b->v.b;
    case 'D':
        return a->v.dec.scale == b->v.dec.scale && a->v.dec.value == b->v.dec.value;
    case 'T':
        return a->v.ts == b->v.ts;
    case 'S':
    case 'x':
        return wr_bytes_eq(a->v.s, b->v.s);
    case 'F':
        return tables_equal(a->v.s, b->v.s, depth);
    case 'A':
        return arrays_equal(a->v.s, b->v.s, depth);
    default: /* 'V' */
        return true;
    }
}

bool
wr_fvalue_equal(const struct wr_fvalue *a, const struct wr_fvalue *b)
{
    return fvalue_equal(a, b, 1);
}

const char *
wr_fvalue_type_name(uint8_t type)
{
    int idx = int_index(type);

    if (idx >= 0)
        return int_types[idx].name;
    for (size_t i = 0; i < NELEMS(other_types); i++) {
        if (other_types[i].letter == type)
            return other_types[i].name;
    }
    return "unknown";
}

/* Erlang prints the shortest text that reads back as the same double, always with a fraction. */
static void
render_double(struct wr_text *o, double d)
{
    char tmp[40];

    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    wr_text_str(o, tmp);
    if (!strpbrk(tmp, ".eni"))
        wr_text_str(o, ".0");
}

static void render_value(struct wr_text *o, const struct wr_fvalue *v, int depth);

/* Nested values follow Erlang's term syntax as RabbitMQ decodes them: a table is a list of
 * {Key,Type,Value}, an array a list of {Type,Value}. */
static void
render_nested(struct wr_text *o, const struct wr_fvalue *v, int depth)
{
    struct wr_table_iter it;
    struct wr_bytes key;
    struct wr_fvalue e;
    bool first = true;

    if (depth > WR_TABLE_MAX_DEPTH)
        return;
    wr_table_iter_init(&it, v->v.s);
    wr_text_str(o, "[");
    while ((v->type == 'F' ? wr_table_next(&it, &key, &e) : wr_array_next(&it, &e)) > 0) {
        wr_text_str(o, first ? "{" : ",{");
        first = false;
        if (v->type == 'F') {
            wr_text_add(o, (const char *)key.ptr, key.len);
            wr_text_str(o, ",");
        }
        wr_text_str(o, wr_fvalue_type_name(e.type));
        wr_text_str(o, ",");
        render_value(o, &e, depth + 1);
        wr_text_str(o, "}");
    }
    wr_text_str(o, "]");
}

static void
render_value(struct wr_text *o, const struct wr_fvalue *v, int depth)
{
    char tmp[48];

    if (wr_fvalue_is_int(v)) {
        snprintf(tmp, sizeof(tmp), "%" PRId64, v->v.i);
        wr_text_str(o, tmp);
        return;
    }
    switch (v->type) {
    case 't':
        wr_text_str(o, v->v.b ? "true" : "false");
        return;
    case 'f':
    case 'd':
        render_double(o, as_double(v));
        return;
    case 'D':
        snprintf(tmp, sizeof(tmp), "{%u,%" PRIu32 "}", v->v.dec.scale, v->v.dec.value);
        wr_text_str(o, tmp);
        return;
    case 'T':
        snprintf(tmp, sizeof(tmp), "%" PRIu64, v->v.ts);
        wr_text_str(o, tmp);
        return;
    case 'S':
    case 'x':
        wr_text_add(o, (const char *)v->v.s.ptr, v->v.s.len);
        return;
    case 'F':
    case 'A':
        render_nested(o, v, depth);
        return;
    default:
        wr_text_str(o, "undefined");
        return;
    }
}

size_t
wr_fvalue_render(const struct wr_fvalue *v, char *buf, size_t cap)
{
    struct wr_text o;

    wr_text_init(&o, buf, cap);
    render_value(&o, v, 1);
    return o.len;
}

/* Encoder. */

void
wr_tbuf_init(struct wr_tbuf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
}

void
wr_tbuf_free(struct wr_tbuf *b)
{
    free(b->data);
    wr_tbuf_init(b);
}

static uint8_t *
tbuf_grow(struct wr_tbuf *b, size_t n)
{
    if (n > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 64;
        while (n > cap - b->len)
            cap *= 2;
        uint8_t *p = realloc(b->data, cap);
        if (!p)
            abort();
        b->data = p;
        b->cap = cap;
    }
    uint8_t *at = b->data + b->len;
    b->len += n;
    return at;
}

static void
tbuf_put(struct wr_tbuf *b, const void *p, size_t n)
{
    if (n)
        memcpy(tbuf_grow(b, n), p, n);
}

/* Big-endian, low `width` octets of v. */
static void
tbuf_uint(struct wr_tbuf *b, uint64_t v, unsigned width)
{
    uint8_t *p = tbuf_grow(b, width);

    for (unsigned i = 0; i < width; i++)
        p[i] = (uint8_t)(v >> (8 * (width - 1 - i)));
}

static void
tbuf_bytes32(struct wr_tbuf *b, struct wr_bytes s)
{
    tbuf_uint(b, s.len, 4);
    tbuf_put(b, s.ptr, s.len);
}

void
wr_tbuf_key(struct wr_tbuf *b, const char *key)
{
    size_t n = strlen(key);

    if (n > 255)
        n = 255;
    tbuf_uint(b, n, 1);
    tbuf_put(b, key, n);
}

static void
tbuf_float(struct wr_tbuf *b, const struct wr_fvalue *v)
{
    uint32_t u32;
    uint64_t u64;

    if (v->type == 'f') {
        memcpy(&u32, &v->v.f, sizeof(u32));
        tbuf_uint(b, u32, 4);
    } else {
        memcpy(&u64, &v->v.d, sizeof(u64));
        tbuf_uint(b, u64, 8);
    }
}

void
wr_tbuf_value(struct wr_tbuf *b, const struct wr_fvalue *v)
{
    int idx = int_index(v->type);

    tbuf_uint(b, v->type, 1);
    if (idx >= 0) {
        tbuf_uint(b, (uint64_t)v->v.i, int_types[idx].width);
        return;
    }
    switch (v->type) {
    case 't':
        tbuf_uint(b, v->v.b ? 1 : 0, 1);
        break;
    case 'f':
    case 'd':
        tbuf_float(b, v);
        break;
    case 'D':
        tbuf_uint(b, v->v.dec.scale, 1);
        tbuf_uint(b, v->v.dec.value, 4);
        break;
    case 'T':
        tbuf_uint(b, v->v.ts, 8);
        break;
    case 'S':
    case 'x':
    case 'A':
    case 'F':
        tbuf_bytes32(b, v->v.s);
        break;
    case 'V':
        break;
    default:
        assert(false); /* not a W-14 type letter: a programming error */
        break;
    }
}

/* key == NULL appends an array element instead of a table entry. */
static void
tbuf_entry(struct wr_tbuf *b, const char *key, const struct wr_fvalue *v)
{
    if (key)
        wr_tbuf_key(b, key);
    wr_tbuf_value(b, v);
}

void
wr_tbuf_str(struct wr_tbuf *b, const char *key, const void *s, size_t len)
{
    struct wr_fvalue v = {.type = 'S'};

    assert(len <= UINT32_MAX);
    v.v.s = (struct wr_bytes){s, (uint32_t)len};
    tbuf_entry(b, key, &v);
}

void
wr_tbuf_bool(struct wr_tbuf *b, const char *key, bool val)
{
    struct wr_fvalue v = {.type = 't', .v.b = val};

    tbuf_entry(b, key, &v);
}

void
wr_tbuf_long(struct wr_tbuf *b, const char *key, int64_t val)
{
    struct wr_fvalue v = {.type = 'l', .v.i = val};

    tbuf_entry(b, key, &v);
}

void
wr_tbuf_nested(struct wr_tbuf *b, const char *key, uint8_t type, const struct wr_tbuf *inner)
{
    struct wr_fvalue v = {.type = type};

    assert(type == 'F' || type == 'A');
    v.v.s = wr_tbuf_bytes(inner);
    tbuf_entry(b, key, &v);
}
