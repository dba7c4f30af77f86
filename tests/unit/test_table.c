/* SPDX-License-Identifier: MPL-2.0 */
/* amqp/table.c: every W-14 type letter round-tripped (and checked against librabbitmq's decoder),
 * equivalence, type names, rendering, nesting limit, truncation at every length, the builder. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <amqp.h>

#include "amqp/table.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

static struct wr_fvalue
ival(uint8_t type, int64_t i)
{
    return (struct wr_fvalue){.type = type, .v.i = i};
}

static struct wr_fvalue
sval(uint8_t type, const void *p, size_t n)
{
    return (struct wr_fvalue){.type = type, .v.s = {(const uint8_t *)p, (uint32_t)n}};
}

/* One value of every letter, with values that exercise sign and width. */
static void
sample_values(struct wr_fvalue *v, struct wr_tbuf *inner_t, struct wr_tbuf *inner_a)
{
    wr_tbuf_init(inner_t);
    wr_tbuf_str(inner_t, "k", "v", 1);
    wr_tbuf_init(inner_a);
    wr_tbuf_long(inner_a, NULL, -5);
    wr_tbuf_bool(inner_a, NULL, true);
    v[0] = (struct wr_fvalue){.type = 't', .v.b = true};
    v[1] = ival('b', -100);
    v[2] = ival('B', 200);
    v[3] = ival('s', -30000);
    v[4] = ival('u', 60000);
    v[5] = ival('I', -2000000000);
    v[6] = ival('i', 4000000000);
    v[7] = ival('l', INT64_MIN + 1);
    v[8] = ival('L', INT64_MAX);
    v[9] = (struct wr_fvalue){.type = 'f', .v.f = 1.5f};
    v[10] = (struct wr_fvalue){.type = 'd', .v.d = -2.25};
    v[11] = (struct wr_fvalue){.type = 'D', .v.dec = {2, 12345}};
    v[12] = sval('S', "hello", 5);
    v[13] = sval('A', inner_a->data, inner_a->len);
    v[14] = (struct wr_fvalue){.type = 'T', .v.ts = 1700000000};
    v[15] = sval('F', inner_t->data, inner_t->len);
    v[16] = (struct wr_fvalue){.type = 'V'};
    v[17] = sval('x', "\x00\xFF", 2);
}
#define NSAMPLES 18

static void
build_sample_table(struct wr_tbuf *t, struct wr_fvalue *v, struct wr_tbuf *it, struct wr_tbuf *ia)
{
    char key[4] = "k00";

    sample_values(v, it, ia);
    wr_tbuf_init(t);
    for (int i = 0; i < NSAMPLES; i++) {
        key[1] = (char)('0' + i / 10);
        key[2] = (char)('0' + i % 10);
        wr_tbuf_key(t, key);
        wr_tbuf_value(t, &v[i]);
    }
}

static void
free_all(struct wr_tbuf *a, struct wr_tbuf *b, struct wr_tbuf *c)
{
    wr_tbuf_free(a);
    wr_tbuf_free(b);
    wr_tbuf_free(c);
}

static void
assert_same(const struct wr_fvalue *a, const struct wr_fvalue *b)
{
    assert_int_equal(a->type, b->type);
    assert_true(wr_fvalue_equal(a, b));
    if (wr_fvalue_is_int(a))
        assert_true(a->v.i == b->v.i);
}

static void
test_round_trip_every_type(void **state)
{
    struct wr_tbuf t, it, ia;
    struct wr_fvalue v[NSAMPLES], got;
    struct wr_table_iter iter;
    struct wr_bytes key;
    int i = 0;

    build_sample_table(&t, v, &it, &ia);
    assert_int_equal(wr_table_validate(wr_tbuf_bytes(&t)), 0);
    assert_int_equal(wr_table_count(wr_tbuf_bytes(&t)), NSAMPLES);
    wr_table_iter_init(&iter, wr_tbuf_bytes(&t));
    while (wr_table_next(&iter, &key, &got) == 1) {
        assert_int_equal(key.len, 3);
        assert_same(&v[i], &got);
        i++;
    }
    assert_int_equal(i, NSAMPLES);
    free_all(&t, &it, &ia);
}

/* librabbitmq decodes our table and encodes it again byte for byte. */
static void
test_rabbitmq_c_agrees(void **state)
{
    struct wr_tbuf t, it, ia;
    struct wr_fvalue v[NSAMPLES];
    amqp_pool_t pool;
    amqp_table_t decoded;
    size_t off = 0;
    uint8_t *framed, out[1024];

    build_sample_table(&t, v, &it, &ia);
    framed = malloc(t.len + 4);
    assert_non_null(framed);
    framed[0] = (uint8_t)(t.len >> 24);
    framed[1] = (uint8_t)(t.len >> 16);
    framed[2] = (uint8_t)(t.len >> 8);
    framed[3] = (uint8_t)t.len;
    memcpy(framed + 4, t.data, t.len);
    init_amqp_pool(&pool, 4096);
    assert_int_equal(amqp_decode_table((amqp_bytes_t){t.len + 4, framed}, &pool, &decoded, &off),
                     0);
    assert_int_equal(decoded.num_entries, NSAMPLES);
    assert_int_equal(decoded.entries[3].value.kind, AMQP_FIELD_KIND_I16);
    assert_int_equal(decoded.entries[3].value.value.i16, -30000);
    off = 0;
    assert_int_equal(amqp_encode_table((amqp_bytes_t){sizeof(out), out}, &decoded, &off), 0);
    assert_int_equal(off, t.len + 4);
    assert_memory_equal(out, framed, off);
    empty_amqp_pool(&pool);
    free(framed);
    free_all(&t, &it, &ia);
}

static void
test_s_is_int16(void **state)
{
    static const uint8_t t[] = {1, 'a', 's', 0xFF, 0xFE, 1, 'b', 'u', 0xFF, 0xFE};
    struct wr_fvalue v;

    assert_int_equal(wr_table_validate((struct wr_bytes){t, sizeof(t)}), 0);
    assert_true(wr_table_get((struct wr_bytes){t, sizeof(t)}, "a", &v));
    assert_int_equal(v.type, 's');
    assert_int_equal(v.v.i, -2);
    assert_true(wr_table_get((struct wr_bytes){t, sizeof(t)}, "b", &v));
    assert_int_equal(v.v.i, 65534);
    assert_string_equal(wr_fvalue_type_name('s'), "short");
}

static void
test_type_names(void **state)
{
    static const struct {
        uint8_t type;
        const char *name;
    } names[] = {
            {'t', "bool"},          {'b', "byte"},      {'B', "unsignedbyte"}, {'s', "short"},
            {'u', "unsignedshort"}, {'I', "signedint"}, {'i', "unsignedint"},  {'l', "long"},
            {'L', "long"},          {'f', "float"},     {'d', "double"},       {'D', "decimal"},
            {'S', "longstr"},       {'A', "array"},     {'T', "timestamp"},    {'F', "table"},
            {'V', "void"},          {'x', "binary"},
    };

    for (size_t i = 0; i < NELEMS(names); i++)
        assert_string_equal(wr_fvalue_type_name(names[i].type), names[i].name);
    assert_string_equal(wr_fvalue_type_name('Z'), "unknown");
}

static void
test_equivalence(void **state)
{
    struct wr_fvalue a = ival('b', 5), b = ival('l', 5), c = ival('u', 6);
    struct wr_fvalue f = {.type = 'f', .v.f = 1.5f}, d = {.type = 'd', .v.d = 1.5};
    struct wr_fvalue s = sval('S', "ab", 2), x = sval('x', "ab", 2), t = {.type = 't', .v.b = true};

    assert_true(wr_fvalue_equal(&a, &b));
    assert_false(wr_fvalue_equal(&a, &c));
    assert_true(wr_fvalue_equal(&f, &d));
    assert_false(wr_fvalue_equal(&f, &a));
    assert_false(wr_fvalue_equal(&s, &x));
    assert_false(wr_fvalue_equal(&t, &a));
    assert_true(wr_fvalue_is_int(&a));
    assert_false(wr_fvalue_is_int(&t));
    assert_false(wr_fvalue_is_int(&s));
}

static void
test_equivalence_nested(void **state)
{
    struct wr_tbuf t1, t2, t3, a1, a2;
    struct wr_fvalue v1, v2;

    wr_tbuf_init(&t1);
    wr_tbuf_long(&t1, "x", 1);
    wr_tbuf_str(&t1, "y", "z", 1);
    wr_tbuf_init(&t2); /* same entries, other order, other integer width */
    wr_tbuf_str(&t2, "y", "z", 1);
    wr_tbuf_key(&t2, "x");
    wr_tbuf_value(&t2, &(struct wr_fvalue){.type = 'I', .v.i = 1});
    wr_tbuf_init(&t3);
    wr_tbuf_long(&t3, "x", 1);
    v1 = sval('F', t1.data, t1.len);
    v2 = sval('F', t2.data, t2.len);
    assert_true(wr_fvalue_equal(&v1, &v2));
    v2 = sval('F', t3.data, t3.len);
    assert_false(wr_fvalue_equal(&v1, &v2));

    wr_tbuf_init(&a1);
    wr_tbuf_long(&a1, NULL, 1);
    wr_tbuf_long(&a1, NULL, 2);
    wr_tbuf_init(&a2);
    wr_tbuf_long(&a2, NULL, 2);
    wr_tbuf_long(&a2, NULL, 1);
    v1 = sval('A', a1.data, a1.len);
    v2 = sval('A', a2.data, a2.len);
    assert_false(wr_fvalue_equal(&v1, &v2));
    assert_true(wr_fvalue_equal(&v1, &v1));
    v2 = sval('A', a1.data, a1.len - 9); /* prefix: one element */
    assert_false(wr_fvalue_equal(&v1, &v2));
    wr_tbuf_free(&t1);
    wr_tbuf_free(&t2);
    wr_tbuf_free(&t3);
    wr_tbuf_free(&a1);
    wr_tbuf_free(&a2);
}

static void
assert_render(const struct wr_fvalue *v, const char *want)
{
    char buf[128];

    assert_int_equal(wr_fvalue_render(v, buf, sizeof(buf)), strlen(want));
    assert_string_equal(buf, want);
}

static void
test_render(void **state)
{
    struct wr_tbuf t;
    char small[4];

    assert_render(&(struct wr_fvalue){.type = 'I', .v.i = 1000}, "1000");
    assert_render(&(struct wr_fvalue){.type = 'b', .v.i = -7}, "-7");
    assert_render(&(struct wr_fvalue){.type = 't', .v.b = true}, "true");
    assert_render(&(struct wr_fvalue){.type = 't', .v.b = false}, "false");
    assert_render(&(struct wr_fvalue){.type = 'S', .v.s = WR_BYTES_LIT("dlx")}, "dlx");
    assert_render(&(struct wr_fvalue){.type = 'd', .v.d = 1.5}, "1.5");
    assert_render(&(struct wr_fvalue){.type = 'f', .v.f = 2.0f}, "2.0");
    assert_render(&(struct wr_fvalue){.type = 'D', .v.dec = {2, 150}}, "{2,150}");
    assert_render(&(struct wr_fvalue){.type = 'T', .v.ts = 1700000000}, "1700000000");
    assert_render(&(struct wr_fvalue){.type = 'V'}, "undefined");
    wr_tbuf_init(&t);
    wr_tbuf_long(&t, "a", 1);
    wr_tbuf_str(&t, "b", "c", 1);
    assert_render(&(struct wr_fvalue){.type = 'F', .v.s = wr_tbuf_bytes(&t)},
                  "[{a,long,1},{b,longstr,c}]");
    wr_tbuf_free(&t);
    assert_int_equal(
            wr_fvalue_render(&(struct wr_fvalue){.type = 'I', .v.i = 123456}, small, sizeof(small)),
            3);
    assert_string_equal(small, "123");
    assert_int_equal(wr_fvalue_render(&(struct wr_fvalue){.type = 'I', .v.i = 1}, small, 0), 0);
}

/* A table with `levels` levels including the outermost one. */
static void
nest(struct wr_tbuf *out, int levels, uint8_t type)
{
    struct wr_tbuf in, next;

    wr_tbuf_init(&in);
    for (int i = 1; i < levels; i++) {
        wr_tbuf_init(&next);
        wr_tbuf_nested(&next, type == 'F' ? "n" : NULL, type, &in);
        wr_tbuf_free(&in);
        in = next;
    }
    *out = in;
}

static void
test_depth_limit(void **state)
{
    struct wr_tbuf t;

    nest(&t, WR_TABLE_MAX_DEPTH, 'F');
    assert_int_equal(wr_table_validate(wr_tbuf_bytes(&t)), 0);
    wr_tbuf_free(&t);
    nest(&t, WR_TABLE_MAX_DEPTH + 1, 'F');
    assert_int_equal(wr_table_validate(wr_tbuf_bytes(&t)), WR_EDEPTH);
    wr_tbuf_free(&t);
    nest(&t, WR_TABLE_MAX_DEPTH, 'A');
    assert_int_equal(wr_array_validate(wr_tbuf_bytes(&t)), 0);
    wr_tbuf_free(&t);
    nest(&t, WR_TABLE_MAX_DEPTH + 1, 'A');
    assert_int_equal(wr_array_validate(wr_tbuf_bytes(&t)), WR_EDEPTH);
    wr_tbuf_free(&t);
}

/* A prefix is a valid table exactly when it ends on an entry boundary. */
static void
test_truncated_every_length(void **state)
{
    struct wr_tbuf t, it, ia;
    struct wr_fvalue v[NSAMPLES], got;
    struct wr_table_iter iter;
    struct wr_bytes key;
    bool boundary[1024] = {true};

    build_sample_table(&t, v, &it, &ia);
    assert_true(t.len < NELEMS(boundary));
    wr_table_iter_init(&iter, wr_tbuf_bytes(&t));
    while (wr_table_next(&iter, &key, &got) == 1)
        boundary[iter.off] = true;
    for (size_t len = 0; len <= t.len; len++) {
        int rc = wr_table_validate((struct wr_bytes){t.data, (uint32_t)len});
        assert_int_equal(rc, boundary[len] ? 0 : WR_ESHORT);
    }
    free_all(&t, &it, &ia);
}

static void
test_bad_letter_and_lengths(void **state)
{
    static const uint8_t bad[] = {1, 'k', 'Z', 0};
    static const uint8_t huge[] = {1, 'k', 'S', 0xFF, 0xFF, 0xFF, 0xF0, 'a'};
    static const uint8_t keycut[] = {5, 'k'};
    static const uint8_t badarr[] = {1, 'k', 'A', 0, 0, 0, 1, 'Q'};

    assert_int_equal(wr_table_validate((struct wr_bytes){bad, sizeof(bad)}), WR_ETYPE);
    assert_int_equal(wr_table_validate((struct wr_bytes){huge, sizeof(huge)}), WR_ESHORT);
    assert_int_equal(wr_table_validate((struct wr_bytes){keycut, sizeof(keycut)}), WR_ESHORT);
    assert_int_equal(wr_table_validate((struct wr_bytes){badarr, sizeof(badarr)}), WR_ETYPE);
    assert_int_equal(wr_table_count((struct wr_bytes){bad, sizeof(bad)}), WR_ETYPE);
    assert_int_equal(wr_table_validate((struct wr_bytes){NULL, 0}), 0);
}

static void
test_get(void **state)
{
    struct wr_tbuf t;
    struct wr_fvalue v;

    wr_tbuf_init(&t);
    wr_tbuf_long(&t, "x-max-length", 10);
    wr_tbuf_long(&t, "x-max-length", 20);
    wr_tbuf_bool(&t, "flag", false);
    assert_true(wr_table_get(wr_tbuf_bytes(&t), "x-max-length", &v));
    assert_int_equal(v.type, 'l');
    assert_int_equal(v.v.i, 10);
    assert_true(wr_table_get(wr_tbuf_bytes(&t), "flag", &v));
    assert_int_equal(v.type, 't');
    assert_false(v.v.b);
    assert_false(wr_table_get(wr_tbuf_bytes(&t), "x-max", &v));
    wr_tbuf_free(&t);
}

static void
test_builder_bytes(void **state)
{
    struct wr_tbuf t, a;
    static char longkey[300];
    static const uint8_t want[] = {1,    'a',  'S', 0,   0,   0,    2,    'h',  'i',  1,    'b',
                                   't',  1,    1,   'c', 'l', 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                   0xFF, 0xFE, 1,   'd', 'A', 0,    0,    0,    2,    't',  0};

    wr_tbuf_init(&t);
    wr_tbuf_init(&a);
    wr_tbuf_str(&t, "a", "hi", 2);
    wr_tbuf_bool(&t, "b", true);
    wr_tbuf_long(&t, "c", -2);
    wr_tbuf_bool(&a, NULL, false);
    wr_tbuf_nested(&t, "d", 'A', &a);
    assert_int_equal(t.len, sizeof(want));
    assert_memory_equal(t.data, want, sizeof(want));
    wr_tbuf_free(&t);
    memset(longkey, 'k', sizeof(longkey) - 1);
    wr_tbuf_key(&t, longkey);
    assert_int_equal(t.len, 256);
    assert_int_equal(t.data[0], 255);
    wr_tbuf_free(&t);
    wr_tbuf_free(&a);
    assert_null(t.data);
}

static void
test_float_bits(void **state)
{
    struct wr_tbuf t;
    struct wr_fvalue v;

    wr_tbuf_init(&t);
    wr_tbuf_key(&t, "f");
    wr_tbuf_value(&t, &(struct wr_fvalue){.type = 'f', .v.f = -0.5f});
    wr_tbuf_key(&t, "d");
    wr_tbuf_value(&t, &(struct wr_fvalue){.type = 'd', .v.d = INFINITY});
    static const uint8_t want_f[] = {0xBF, 0x00, 0x00, 0x00};
    assert_memory_equal(t.data + 3, want_f, 4);
    assert_true(wr_table_get(wr_tbuf_bytes(&t), "d", &v));
    assert_true(isinf(v.v.d));
    wr_tbuf_free(&t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_round_trip_every_type),
            cmocka_unit_test(test_rabbitmq_c_agrees),
            cmocka_unit_test(test_s_is_int16),
            cmocka_unit_test(test_type_names),
            cmocka_unit_test(test_equivalence),
            cmocka_unit_test(test_equivalence_nested),
            cmocka_unit_test(test_render),
            cmocka_unit_test(test_depth_limit),
            cmocka_unit_test(test_truncated_every_length),
            cmocka_unit_test(test_bad_letter_and_lengths),
            cmocka_unit_test(test_get),
            cmocka_unit_test(test_builder_bytes),
            cmocka_unit_test(test_float_bits),
    };

    return cmocka_run_group_tests_name("table", tests, NULL, NULL);
}
