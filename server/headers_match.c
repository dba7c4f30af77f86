/* SPDX-License-Identifier: MPL-2.0 */
/* Headers-exchange matching. RabbitMQ sorts both tables stably by key and merges them, comparing
 * values with Erlang's ==; this file gets the same answers from the unsorted wire tables by
 * pairing the n-th binding entry of a key with the n-th header of that key. */
#include <config.h>

#include "server/headers_match.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "amqp/frame.h"
#include "amqp/table.h"

static const struct {
    const char *name;
    enum wr_xmatch mode;
} xmatch_names[] = {
        {"all", WR_XMATCH_ALL},
        {"any", WR_XMATCH_ANY},
        {"all-with-x", WR_XMATCH_ALL_WITH_X},
        {"any-with-x", WR_XMATCH_ANY_WITH_X},
};

/* Renders a value as Erlang's ~tp prints the term RabbitMQ decoded it to. */
static void
render_term(const struct wr_fvalue *v, char *buf, size_t cap)
{
    if (v->type == 'x')
        wr_frame_render_octets(v->v.s.ptr, v->v.s.len, buf, cap);
    else if (v->type == 'V')
        snprintf(buf, cap, "undefined");
    else
        wr_fvalue_render(v, buf, cap);
}

int
wr_headers_xmatch(struct wr_bytes binding_args, enum wr_xmatch *mode, char *err, size_t errcap)
{
    struct wr_fvalue v;
    char val[256];

    *mode = WR_XMATCH_ALL; /* absent x-match: RabbitMQ allows it and means all */
    if (!wr_table_get(binding_args, "x-match", &v))
        return 0;
    if (v.type != 'S') {
        render_term(&v, val, sizeof(val));
        snprintf(err, errcap, "Invalid x-match field type %s (value %s); expected longstr",
                 wr_fvalue_type_name(v.type), val);
        return -1;
    }
    for (size_t i = 0; i < sizeof(xmatch_names) / sizeof(xmatch_names[0]); i++) {
        if (wr_bytes_eq_str(v.v.s, xmatch_names[i].name)) {
            *mode = xmatch_names[i].mode;
            return 0;
        }
    }
    wr_frame_render_octets(v.v.s.ptr, v.v.s.len, val, sizeof(val));
    snprintf(err, errcap,
             "Invalid x-match field value %s; expected all, any, all-with-x, or any-with-x", val);
    return -1;
}

/* An integer as sign and magnitude, so int64 and uint64 (timestamp) values compare exactly. */
struct exact_int {
    bool neg;
    uint64_t mag;
};

static bool
num_exact(const struct wr_fvalue *v, struct exact_int *n)
{
    if (v->type == 'T') {
        *n = (struct exact_int){false, v->v.ts};
        return true;
    }
    if (wr_fvalue_is_int(v)) {
        n->neg = v->v.i < 0;
        n->mag = n->neg ? 0 - (uint64_t)v->v.i : (uint64_t)v->v.i;
        return true;
    }
    return false;
}

/* Erlang's 1 == 1.0 holds: a float equals an integer when it is integral and in range. */
static bool
float_exact(double d, struct exact_int *n)
{
    if (d >= 0 && d < 18446744073709551616.0) {
        uint64_t u = (uint64_t)d;
        *n = (struct exact_int){false, u};
        return (double)u == d;
    }
    if (d < 0 && d >= -9223372036854775808.0) {
        int64_t i = (int64_t)d;
        *n = (struct exact_int){true, 0 - (uint64_t)i};
        return (double)i == d;
    }
    return false; /* NaN, infinities, out of range */
}

static bool
is_float(const struct wr_fvalue *v)
{
    return v->type == 'f' || v->type == 'd';
}

static double
float_of(const struct wr_fvalue *v)
{
    return v->type == 'f' ? (double)v->v.f : v->v.d;
}

/* Numbers compare by value whatever their letters; false when either is not a number. */
static bool
num_equal(const struct wr_fvalue *a, const struct wr_fvalue *b)
{
    struct exact_int x, y;
    bool xi = num_exact(a, &x), yi = num_exact(b, &y);

    if (!xi && !is_float(a))
        return false;
    if (!yi && !is_float(b))
        return false;
    if (!xi && !yi)
        return float_of(a) == float_of(b);
    if (!xi && !float_exact(float_of(a), &x))
        return false;
    if (!yi && !float_exact(float_of(b), &y))
        return false;
    return x.neg == y.neg && x.mag == y.mag;
}

static bool term_equal(const struct wr_fvalue *a, const struct wr_fvalue *b);

/* RabbitMQ's type atom: letters it reads alike (l and L are both long) compare equal. */
static bool
same_type_atom(const struct wr_fvalue *a, const struct wr_fvalue *b)
{
    return a->type == b->type ||
           strcmp(wr_fvalue_type_name(a->type), wr_fvalue_type_name(b->type)) == 0;
}

/* Nested entries are {Key, Type, Value} / {Type, Value} tuples in Erlang: the type atoms must
 * match, and order matters. */
static bool
tables_equal(struct wr_bytes ta, struct wr_bytes tb, bool is_array)
{
    struct wr_table_iter ia, ib;
    struct wr_bytes ka = {0}, kb = {0};
    struct wr_fvalue va, vb;

    wr_table_iter_init(&ia, ta);
    wr_table_iter_init(&ib, tb);
    for (;;) {
        int ra = is_array ? wr_array_next(&ia, &va) : wr_table_next(&ia, &ka, &va);
        int rb = is_array ? wr_array_next(&ib, &vb) : wr_table_next(&ib, &kb, &vb);
        if (ra != rb || ra < 0)
            return false;
        if (ra == 0)
            return true;
        if (!wr_bytes_eq(ka, kb) || !same_type_atom(&va, &vb) || !term_equal(&va, &vb))
            return false;
    }
}

/* Erlang == on the terms RabbitMQ's parser produces for two values. */
static bool
term_equal(const struct wr_fvalue *a, const struct wr_fvalue *b)
{
    if (num_equal(a, b))
        return true;
    bool a_bin = a->type == 'S' || a->type == 'x', b_bin = b->type == 'S' || b->type == 'x';
    if (a_bin || b_bin)
        return a_bin && b_bin && wr_bytes_eq(a->v.s, b->v.s);
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case 't':
        return a->v.b == b->v.b;
    case 'V':
        return true;
    case 'D':
        return a->v.dec.scale == b->v.dec.scale && a->v.dec.value == b->v.dec.value;
    case 'F':
    case 'A':
        return tables_equal(a->v.s, b->v.s, a->type == 'A');
    default:
        return false; /* numbers were handled above */
    }
}

/* How many entries before position pos of t are named key. */
static unsigned
dup_rank(struct wr_bytes t, unsigned pos, struct wr_bytes key)
{
    struct wr_table_iter it;
    struct wr_bytes k;
    struct wr_fvalue v;
    unsigned rank = 0;

    wr_table_iter_init(&it, t);
    for (unsigned i = 0; i < pos && wr_table_next(&it, &k, &v) > 0; i++)
        rank += wr_bytes_eq(k, key);
    return rank;
}

/* The rank-th entry named key in t (0 = the first). */
static bool
table_nth(struct wr_bytes t, struct wr_bytes key, unsigned rank, struct wr_fvalue *v)
{
    struct wr_table_iter it;
    struct wr_bytes k;

    wr_table_iter_init(&it, t);
    while (wr_table_next(&it, &k, v) > 0)
        if (wr_bytes_eq(k, key) && rank-- == 0)
            return true;
    return false;
}

/* x-match itself is never a condition; other x- arguments are, in the -with-x modes only. */
static bool
arg_ignored(struct wr_bytes key, bool with_x)
{
    if (wr_bytes_eq_str(key, "x-match"))
        return true;
    return !with_x && key.len >= 2 && key.ptr[0] == 'x' && key.ptr[1] == '-';
}

bool
wr_headers_match(struct wr_bytes binding_args, enum wr_xmatch mode, struct wr_bytes msg_headers)
{
    bool any = mode == WR_XMATCH_ANY || mode == WR_XMATCH_ANY_WITH_X;
    bool with_x = mode == WR_XMATCH_ALL_WITH_X || mode == WR_XMATCH_ANY_WITH_X;
    struct wr_table_iter it;
    struct wr_bytes key;
    struct wr_fvalue want, have;

    wr_table_iter_init(&it, binding_args);
    for (unsigned pos = 0; wr_table_next(&it, &key, &want) > 0; pos++) {
        if (arg_ignored(key, with_x))
            continue;
        bool hit = table_nth(msg_headers, key, dup_rank(binding_args, pos, key), &have) &&
                   (want.type == 'V' || term_equal(&want, &have));
        if (hit == any)
            return any; /* the first hit decides any, the first miss decides all */
    }
    return !any;
}
