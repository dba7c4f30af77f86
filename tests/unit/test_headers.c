/* SPDX-License-Identifier: MPL-2.0 */
/* Unit tests for server/headers_match: X-04 routing decisions and ERR-26 texts, table-driven.
 * Tables are written in a small notation, "key=L:value,..." with L a field type letter
 * ("a=I:1,b=S:two,c=V,d=D:2/150"), and encoded with wr_tbuf. */
#include <config.h>

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "amqp/table.h"
#include "server/headers_match.h"

/* Parses one value written after "L:" into v; strings point into text. */
static void
parse_value(uint8_t letter, const char *text, size_t len, struct wr_fvalue *v)
{
    char num[64];

    assert_true(len < sizeof(num));
    memcpy(num, text, len);
    num[len] = '\0';
    v->type = letter;
    switch (letter) {
    case 'S':
    case 'x':
        v->v.s = (struct wr_bytes){(const uint8_t *)text, (uint32_t)len};
        break;
    case 't':
        v->v.b = strcmp(num, "true") == 0;
        break;
    case 'f':
        v->v.f = strtof(num, NULL);
        break;
    case 'd':
        v->v.d = strtod(num, NULL);
        break;
    case 'T':
        v->v.ts = strtoull(num, NULL, 10);
        break;
    case 'D':
        v->v.dec.scale = (uint8_t)strtoul(num, NULL, 10);
        v->v.dec.value = (uint32_t)strtoul(strchr(num, '/') + 1, NULL, 10);
        break;
    case 'V':
        break;
    default:
        v->v.i = strtoll(num, NULL, 10);
        break;
    }
}

/* Encodes "k=L:v,k2=L:v2" (NULL or "" = no entries) into b. */
static void
build(struct wr_tbuf *b, const char *spec)
{
    wr_tbuf_init(b);
    for (const char *p = spec; p != NULL && *p != '\0';) {
        const char *end = strchr(p, ','), *eq = strchr(p, '=');
        if (end == NULL)
            end = p + strlen(p);
        assert_true(eq != NULL && eq < end);
        char key[64];
        assert_true((size_t)(eq - p) < sizeof(key));
        memcpy(key, p, (size_t)(eq - p));
        key[eq - p] = '\0';

        struct wr_fvalue v;
        const char *val = eq + 3 <= end ? eq + 3 : end;
        parse_value((uint8_t)eq[1], val, (size_t)(end - val), &v);
        wr_tbuf_key(b, key);
        wr_tbuf_value(b, &v);
        p = *end ? end + 1 : end;
    }
    assert_int_equal(wr_table_validate(wr_tbuf_bytes(b)), 0);
}

/* Routes one message: x-match is read from the binding as the exchange does at bind time. */
static bool
route(const char *binding, const char *headers)
{
    struct wr_tbuf b, h;
    enum wr_xmatch mode;
    char err[256];

    build(&b, binding);
    build(&h, headers);
    assert_int_equal(wr_headers_xmatch(wr_tbuf_bytes(&b), &mode, err, sizeof(err)), 0);
    struct wr_bytes hv = headers ? wr_tbuf_bytes(&h) : (struct wr_bytes){NULL, 0};
    bool hit = wr_headers_match(wr_tbuf_bytes(&b), mode, hv);
    wr_tbuf_free(&b);
    wr_tbuf_free(&h);
    return hit;
}

static const struct {
    const char *binding;
    const char *headers; /* NULL: the message has no headers property */
    bool match;
} cases[] = {
        /* X-04 observed: all {a:1,b:"two"} matched only the exact pair; any matched a alone */
        {"a=I:1,b=S:two", "a=I:1,b=S:two", true},
        {"x-match=S:all,a=I:1,b=S:two", "a=I:1,b=S:two", true},
        {"x-match=S:all,a=I:1,b=S:two", "b=S:two,a=I:1", true},
        {"x-match=S:all,a=I:1,b=S:two", "a=I:1,b=S:two,c=I:3", true},
        {"x-match=S:all,a=I:1,b=S:two", "a=I:1", false},
        {"x-match=S:all,a=I:1,b=S:two", "a=I:1,b=S:three", false},
        {"x-match=S:all,a=I:1,b=S:two", NULL, false},
        {"x-match=S:any,a=I:1,b=S:two", "a=I:1", true},
        {"x-match=S:any,a=I:1,b=S:two", "b=S:two", true},
        {"x-match=S:any,a=I:1,b=S:two", "a=I:2,b=S:too", false},
        {"x-match=S:any,a=I:1,b=S:two", "c=I:1", false},
        {"x-match=S:any,a=I:1,b=S:two", NULL, false},
        {"a=I:1", "A=I:1", false}, /* keys are case-sensitive */
        {"=I:1", "=I:1", true},    /* the empty key is a key like any other */
        /* no conditions: all matches everything, any nothing */
        {"", NULL, true},
        {"", "a=I:1", true},
        {"x-match=S:all", NULL, true},
        {"x-match=S:any", "a=I:1", false},
        {"x-match=S:any", NULL, false},
        /* x- arguments are ignored by all/any and compared by the -with-x forms */
        {"x-foo=I:1,a=I:1", "a=I:1", true},
        {"x-match=S:all,x-foo=I:1", NULL, true},
        {"x-match=S:any,x-foo=I:1", "x-foo=I:1", false},
        {"x-match=S:all-with-x,x-foo=I:1", "x-foo=I:1", true},
        {"x-match=S:all-with-x,x-foo=I:1", NULL, false},
        {"x-match=S:all-with-x,x-foo=I:1,a=I:1", "a=I:1", false},
        {"x-match=S:any-with-x,x-foo=I:1,a=I:1", "x-foo=I:1", true},
        {"x-match=S:any-with-x,x-foo=I:1", "x-foo=I:2", false},
        {"x-match=S:all-with-x,a=I:1", "a=I:1", true}, /* x-match itself is never a condition */
        {"x-match=S:any-with-x", "x-match=S:any-with-x", false},
        /* a void binding value tests presence only */
        {"a=V", "a=S:anything", true},
        {"a=V", "a=V", true},
        {"a=V", "b=I:1", false},
        {"a=V", NULL, false},
        {"x-match=S:any,a=V,b=I:1", "a=I:7", true},
        {"a=I:0", "a=V", false},
        /* values compare as Erlang terms: numbers by value, strings never equal numbers */
        {"a=I:1", "a=S:1", false},
        {"a=S:1", "a=I:1", false},
        {"a=I:1", "a=l:1", true},
        {"a=b:1", "a=u:1", true},
        {"a=B:200", "a=s:200", true},
        {"a=I:-1", "a=l:-1", true},
        {"a=i:4294967295", "a=I:-1", false},
        {"a=l:5", "a=T:5", true},
        {"a=l:-1", "a=T:18446744073709551615", false},
        {"a=I:1", "a=d:1.0", true},
        {"a=I:1", "a=f:1.0", true},
        {"a=I:1", "a=d:1.5", false},
        {"a=l:-3", "a=d:-3.0", true},
        {"a=f:1.5", "a=d:1.5", true},
        {"a=f:0.1", "a=d:0.1", false}, /* the float widens to 0.100000001490116... */
        {"a=d:0.0", "a=d:-0.0", true},
        {"a=S:ab", "a=x:ab", true}, /* longstr and binary are both Erlang binaries */
        {"a=S:ab", "a=S:abc", false},
        {"a=S:", "a=S:", true},
        {"a=t:true", "a=t:true", true},
        {"a=t:true", "a=t:false", false},
        {"a=t:true", "a=I:1", false},
        {"a=t:true", "a=S:true", false},
        {"a=D:2/150", "a=D:2/150", true},
        {"a=D:2/150", "a=D:1/15", false},
        {"a=D:0/1", "a=I:1", false},
        /* duplicate keys pair up in order, as RabbitMQ's stable sort and merge do */
        {"a=I:1", "a=I:2,a=I:1", false},
        {"a=I:1", "a=I:1,a=I:2", true},
        {"a=I:1,a=I:1", "a=I:1", false},
        {"a=I:1,a=I:2", "a=I:1,a=I:2", true},
        {"a=I:1,a=I:2", "a=I:2,a=I:1", false},
        {"x-match=S:any,a=I:1,a=I:2", "a=I:2", false},
        {"x-match=S:any,a=I:1,a=I:2", "a=I:3,a=I:2", true},
};

static void
test_match_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bool got = route(cases[i].binding, cases[i].headers);
        if (got != cases[i].match)
            fail_msg("case %zu: binding {%s} headers {%s}: got %s", i, cases[i].binding,
                     cases[i].headers ? cases[i].headers : "(none)", got ? "match" : "no match");
    }
}

/* Builds a one-entry table {key: type-letter nested contents}. */
static void
wrap(struct wr_tbuf *out, const char *key, uint8_t type, const char *inner_spec, bool array)
{
    struct wr_tbuf inner;

    if (array) {
        /* arrays reuse the notation with the keys dropped */
        struct wr_tbuf tmp;
        struct wr_table_iter it;
        struct wr_bytes k;
        struct wr_fvalue v;
        build(&tmp, inner_spec);
        wr_tbuf_init(&inner);
        wr_table_iter_init(&it, wr_tbuf_bytes(&tmp));
        while (wr_table_next(&it, &k, &v) > 0)
            wr_tbuf_value(&inner, &v);
        wr_tbuf_init(out);
        wr_tbuf_nested(out, key, type, &inner);
        wr_tbuf_free(&tmp);
    } else {
        build(&inner, inner_spec);
        wr_tbuf_init(out);
        wr_tbuf_nested(out, key, type, &inner);
    }
    wr_tbuf_free(&inner);
}

static const struct {
    uint8_t btype;
    const char *binding;
    uint8_t htype;
    const char *headers;
    bool match;
} nested[] = {
        {'F', "k=I:1", 'F', "k=I:1", true},
        {'F', "k=I:1", 'F', "k=l:1", false}, /* inside a table the type is part of the term */
        {'F', "k=I:1", 'F', "k=I:1,j=I:2", false},
        {'F', "k=I:1,j=I:2", 'F', "j=I:2,k=I:1", false}, /* nested order matters */
        {'F', "", 'F', "", true},
        {'F', "", 'A', "", false},
        {'A', "_=I:1,_=S:x", 'A', "_=I:1,_=S:x", true},
        {'A', "_=I:1,_=S:x", 'A', "_=l:1,_=S:x", false},
        {'A', "_=I:1,_=S:x", 'A', "_=I:1", false},
        {'A', "_=S:x", 'A', "_=x:x", false},
};

static void
test_match_nested(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(nested) / sizeof(nested[0]); i++) {
        struct wr_tbuf b, h;
        wrap(&b, "n", nested[i].btype, nested[i].binding, nested[i].btype == 'A');
        wrap(&h, "n", nested[i].htype, nested[i].headers, nested[i].htype == 'A');
        bool got = wr_headers_match(wr_tbuf_bytes(&b), WR_XMATCH_ALL, wr_tbuf_bytes(&h));
        if (got != nested[i].match)
            fail_msg("nested case %zu: got %s", i, got ? "match" : "no match");
        wr_tbuf_free(&b);
        wr_tbuf_free(&h);
    }
}

/* Message headers are client input: a truncated table must not crash and matches only as far
 * as it could be read. */
static void
test_malformed_headers(void **state)
{
    struct wr_tbuf b, h;
    (void)state;

    build(&b, "a=I:1,b=I:2");
    build(&h, "a=I:1,b=I:2");
    for (size_t cut = 0; cut < h.len; cut++) {
        struct wr_bytes hv = {h.data, (uint32_t)cut};
        assert_false(wr_headers_match(wr_tbuf_bytes(&b), WR_XMATCH_ALL, hv));
    }
    struct wr_bytes first_only = {h.data, 7}; /* 1 + "a" + 'I' + 4 bytes */
    assert_true(wr_headers_match(wr_tbuf_bytes(&b), WR_XMATCH_ANY, first_only));
    const uint8_t junk[] = {5, 'a', 'b', 'c', 'd', 'e', 'Z', 0, 0};
    assert_false(wr_headers_match(wr_tbuf_bytes(&b), WR_XMATCH_ANY,
                                  (struct wr_bytes){junk, sizeof(junk)}));
    wr_tbuf_free(&b);
    wr_tbuf_free(&h);
}

/* ERR-26 texts, without "PRECONDITION_FAILED - " */
#define BAD_VALUE "Invalid x-match field value "
#define EXPECTED  "; expected all, any, all-with-x, or any-with-x"
#define BAD_TYPE  "Invalid x-match field type "
#define LONGSTR   "; expected longstr"

static const struct {
    const char *binding;
    enum wr_xmatch mode;
    const char *err; /* NULL when accepted */
} xmatch_cases[] = {
        {"", WR_XMATCH_ALL, NULL},
        {"a=I:1", WR_XMATCH_ALL, NULL},
        {"x-match=S:all", WR_XMATCH_ALL, NULL},
        {"x-match=S:any", WR_XMATCH_ANY, NULL},
        {"x-match=S:all-with-x", WR_XMATCH_ALL_WITH_X, NULL},
        {"x-match=S:any-with-x", WR_XMATCH_ANY_WITH_X, NULL},
        {"a=I:1,x-match=S:any", WR_XMATCH_ANY, NULL},
        {"x-match=S:any,x-match=S:bogus", WR_XMATCH_ANY, NULL}, /* the first one counts */
        {"x-match=S:some", WR_XMATCH_ALL, BAD_VALUE "<<\"some\">>" EXPECTED},
        {"x-match=S:ALL", WR_XMATCH_ALL, BAD_VALUE "<<\"ALL\">>" EXPECTED},
        {"x-match=S:", WR_XMATCH_ALL, BAD_VALUE "<<>>" EXPECTED},
        {"x-match=I:1", WR_XMATCH_ALL, BAD_TYPE "signedint (value 1)" LONGSTR},
        {"x-match=l:-5", WR_XMATCH_ALL, BAD_TYPE "long (value -5)" LONGSTR},
        {"x-match=t:true", WR_XMATCH_ALL, BAD_TYPE "bool (value true)" LONGSTR},
        {"x-match=V", WR_XMATCH_ALL, BAD_TYPE "void (value undefined)" LONGSTR},
        {"x-match=x:all", WR_XMATCH_ALL, BAD_TYPE "binary (value <<\"all\">>)" LONGSTR},
};

static void
test_xmatch(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(xmatch_cases) / sizeof(xmatch_cases[0]); i++) {
        struct wr_tbuf b;
        enum wr_xmatch mode = WR_XMATCH_ANY_WITH_X;
        char err[256] = "";

        build(&b, xmatch_cases[i].binding);
        int rc = wr_headers_xmatch(wr_tbuf_bytes(&b), &mode, err, sizeof(err));
        if (rc != (xmatch_cases[i].err ? -1 : 0))
            fail_msg("x-match case {%s}: rc %d, err \"%s\"", xmatch_cases[i].binding, rc, err);
        if (rc == 0)
            assert_int_equal(mode, xmatch_cases[i].mode);
        else
            assert_string_equal(err, xmatch_cases[i].err);
        wr_tbuf_free(&b);
    }
}

/* The error text is cut to the caller's buffer, never overrun. */
static void
test_xmatch_small_buffer(void **state)
{
    struct wr_tbuf b;
    enum wr_xmatch mode;
    char err[16];
    (void)state;

    memset(err, 'Z', sizeof(err));
    build(&b, "x-match=S:some");
    assert_int_equal(wr_headers_xmatch(wr_tbuf_bytes(&b), &mode, err, 12), -1);
    assert_string_equal(err, "Invalid x-m");
    assert_int_equal(err[12], 'Z');
    wr_tbuf_free(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_match_table),         cmocka_unit_test(test_match_nested),
            cmocka_unit_test(test_malformed_headers),   cmocka_unit_test(test_xmatch),
            cmocka_unit_test(test_xmatch_small_buffer),
    };
    return cmocka_run_group_tests_name("headers", tests, NULL, NULL);
}
