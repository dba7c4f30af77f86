/* SPDX-License-Identifier: MPL-2.0 */
/* amqp/props.c: every basic property alone and all together, cross-checked against librabbitmq's
 * property codec; malformed property bytes and content header payloads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <amqp.h>
#include <amqp_framing.h>

#include "amqp/props.h"
#include "amqp/table.h"

static const uint8_t headers[] = {3, 'h', 'd', 'r', 'I', 0, 0, 0, 7};

/* Every property set to a distinct non-default value; flags select which are present. */
static struct wr_props
all_props(uint16_t flags)
{
    return (struct wr_props){
            .flags = flags,
            .content_type = WR_BYTES_LIT("text/plain"),
            .content_encoding = WR_BYTES_LIT("gzip"),
            .headers = {headers, sizeof(headers)},
            .delivery_mode = 2,
            .priority = 9,
            .correlation_id = WR_BYTES_LIT("corr"),
            .reply_to = WR_BYTES_LIT("amq.rabbitmq.reply-to"),
            .expiration = WR_BYTES_LIT("60000"),
            .message_id = WR_BYTES_LIT("m-1"),
            .timestamp = 1700000000,
            .type = WR_BYTES_LIT("order.created"),
            .user_id = WR_BYTES_LIT("guest"),
            .app_id = WR_BYTES_LIT("shop"),
            .cluster_id = WR_BYTES_LIT("c1"),
    };
}

static void
assert_props_equal(const struct wr_props *a, const struct wr_props *b)
{
    const struct wr_bytes *sa[] = {
            &a->content_type, &a->content_encoding, &a->headers,    &a->correlation_id,
            &a->reply_to,     &a->expiration,       &a->message_id, &a->type,
            &a->user_id,      &a->app_id,           &a->cluster_id};
    const struct wr_bytes *sb[] = {
            &b->content_type, &b->content_encoding, &b->headers,    &b->correlation_id,
            &b->reply_to,     &b->expiration,       &b->message_id, &b->type,
            &b->user_id,      &b->app_id,           &b->cluster_id};

    assert_int_equal(a->flags, b->flags);
    for (size_t i = 0; i < sizeof(sa) / sizeof(sa[0]); i++)
        assert_true(wr_bytes_eq(*sa[i], *sb[i]));
    assert_int_equal(a->delivery_mode, b->delivery_mode);
    assert_int_equal(a->priority, b->priority);
    assert_true(a->timestamp == b->timestamp);
}

/* What a decode of only the present fields must give back. */
static struct wr_props
present_only(const struct wr_props *p)
{
    struct wr_props q = {.flags = p->flags};
    struct wr_props full = *p;

#define KEEP(flag, field)  \
    if (p->flags & (flag)) \
        q.field = full.field;
    KEEP(WR_P_CONTENT_TYPE, content_type)
    KEEP(WR_P_CONTENT_ENCODING, content_encoding)
    KEEP(WR_P_HEADERS, headers)
    KEEP(WR_P_DELIVERY_MODE, delivery_mode)
    KEEP(WR_P_PRIORITY, priority)
    KEEP(WR_P_CORRELATION_ID, correlation_id)
    KEEP(WR_P_REPLY_TO, reply_to)
    KEEP(WR_P_EXPIRATION, expiration)
    KEEP(WR_P_MESSAGE_ID, message_id)
    KEEP(WR_P_TIMESTAMP, timestamp)
    KEEP(WR_P_TYPE, type)
    KEEP(WR_P_USER_ID, user_id)
    KEEP(WR_P_APP_ID, app_id)
    KEEP(WR_P_CLUSTER_ID, cluster_id)
#undef KEEP
    return q;
}

static void
cross_check_rabbitmq_c(const uint8_t *raw, size_t len)
{
    amqp_pool_t pool;
    void *decoded = NULL;
    uint8_t again[512];

    init_amqp_pool(&pool, 4096);
    assert_int_equal(amqp_decode_properties(AMQP_BASIC_CLASS, &pool,
                                            (amqp_bytes_t){len, (void *)raw}, &decoded),
                     0);
    int n = amqp_encode_properties(AMQP_BASIC_CLASS, decoded, (amqp_bytes_t){sizeof(again), again});
    assert_int_equal(n, (int)len);
    assert_memory_equal(again, raw, len);
    empty_amqp_pool(&pool);
}

static void
round_trip(uint16_t flags)
{
    struct wr_props in = all_props(flags), out, want = present_only(&in);
    uint8_t buf[512];
    int n = wr_props_encode(&in, buf, sizeof(buf));

    assert_true(n >= 2);
    assert_int_equal((size_t)n, wr_props_encoded_size(&in));
    assert_int_equal(buf[0] << 8 | buf[1], flags);
    assert_int_equal(wr_props_decode(buf, (size_t)n, &out), WR_OK);
    assert_props_equal(&want, &out);
    cross_check_rabbitmq_c(buf, (size_t)n);
}

static void
test_each_flag_alone(void **state)
{
    for (unsigned i = 0; i < WR_BASIC_PROP_COUNT; i++)
        round_trip(wr_basic_prop_descs[i].flag);
}

static void
test_all_and_none(void **state)
{
    uint16_t all = 0;

    for (unsigned i = 0; i < WR_BASIC_PROP_COUNT; i++)
        all |= wr_basic_prop_descs[i].flag;
    assert_int_equal(all, 0xFFFC);
    round_trip(all);
    round_trip(0);
    round_trip(WR_P_DELIVERY_MODE | WR_P_HEADERS | WR_P_EXPIRATION);
}

static void
test_exact_bytes(void **state)
{
    struct wr_props p = {.flags = WR_P_CONTENT_TYPE | WR_P_DELIVERY_MODE,
                         .content_type = WR_BYTES_LIT("a/b"),
                         .delivery_mode = 2};
    static const uint8_t want[] = {0x90, 0x00, 3, 'a', '/', 'b', 2};
    uint8_t buf[16];

    assert_int_equal(wr_props_encode(&p, buf, sizeof(buf)), sizeof(want));
    assert_memory_equal(buf, want, sizeof(want));
}

static void
test_malformed(void **state)
{
    struct wr_props in = all_props(0xFFFC), out;
    uint8_t buf[512];
    int n = wr_props_encode(&in, buf, sizeof(buf));

    for (size_t len = 0; len < (size_t)n; len++)
        assert_int_equal(wr_props_decode(buf, len, &out), WR_ESHORT);
    buf[n] = 0;
    assert_int_equal(wr_props_decode(buf, (size_t)n + 1, &out), WR_ESHORT);
    static const uint8_t cont[] = {0x00, 0x01};
    static const uint8_t bit1[] = {0x00, 0x02};
    assert_int_equal(wr_props_decode(cont, 2, &out), WR_ESHORT);
    assert_int_equal(wr_props_decode(bit1, 2, &out), WR_ESHORT);
    static const uint8_t badhdr[] = {0x20, 0x00, 0, 0, 0, 3, 1, 'k', 'Z'};
    assert_int_equal(wr_props_decode(badhdr, sizeof(badhdr), &out), WR_ETYPE);
}

static void
test_encode_errors(void **state)
{
    static char longstr[256];
    struct wr_props p = {.flags = WR_P_MESSAGE_ID};
    uint8_t buf[512];

    p.message_id = (struct wr_bytes){(const uint8_t *)longstr, 256};
    assert_int_equal(wr_props_encoded_size(&p), 0);
    assert_int_equal(wr_props_encode(&p, buf, sizeof(buf)), WR_ESHORT);
    p.message_id.len = 255;
    assert_int_equal(wr_props_encoded_size(&p), 2 + 1 + 255);
    assert_int_equal(wr_props_encode(&p, buf, 257), WR_ESPACE);
    assert_int_equal(wr_props_encode(&p, buf, 258), 258);
}

static void
test_content_header(void **state)
{
    static const uint8_t payload[] = {0, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0x27, 0x10, 0x10, 0x00, 1};
    struct wr_content_header h;
    struct wr_props p;

    assert_int_equal(wr_content_header_parse(payload, sizeof(payload), &h), WR_OK);
    assert_int_equal(h.class_id, 60);
    assert_int_equal(h.weight, 0);
    assert_true(h.body_size == 10000);
    assert_int_equal(h.props.len, 3);
    assert_int_equal(wr_props_decode(h.props.ptr, h.props.len, &p), WR_OK);
    assert_int_equal(p.delivery_mode, 1);
    for (size_t len = 0; len < 14; len++)
        assert_int_equal(wr_content_header_parse(payload, len, &h), WR_ESHORT);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_each_flag_alone), cmocka_unit_test(test_all_and_none),
            cmocka_unit_test(test_exact_bytes),     cmocka_unit_test(test_malformed),
            cmocka_unit_test(test_encode_errors),   cmocka_unit_test(test_content_header),
    };

    return cmocka_run_group_tests_name("props", tests, NULL, NULL);
}
