/* SPDX-License-Identifier: MPL-2.0 */
/* Cross-checks the generated amqp/spec.[ch] against librabbitmq's own generated headers, and
 * round-trips every method through encode and decode, also through librabbitmq's codec. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <amqp.h>
#include <amqp_framing.h>

#include "amqp/method.h"
#include "amqp/spec.h"
#include "amqp/table.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

#define M(x)                        \
    {                               \
        WR_M_##x, AMQP_##x##_METHOD \
    }
static const struct {
    uint32_t wr, rmq;
} methods[] = {
        M(CONNECTION_START),     M(CONNECTION_START_OK), M(CONNECTION_SECURE),
        M(CONNECTION_SECURE_OK), M(CONNECTION_TUNE),     M(CONNECTION_TUNE_OK),
        M(CONNECTION_OPEN),      M(CONNECTION_OPEN_OK),  M(CONNECTION_CLOSE),
        M(CONNECTION_CLOSE_OK),  M(CONNECTION_BLOCKED),  M(CONNECTION_UNBLOCKED),
        M(CHANNEL_OPEN),         M(CHANNEL_OPEN_OK),     M(CHANNEL_FLOW),
        M(CHANNEL_FLOW_OK),      M(CHANNEL_CLOSE),       M(CHANNEL_CLOSE_OK),
        M(ACCESS_REQUEST),       M(ACCESS_REQUEST_OK),   M(EXCHANGE_DECLARE),
        M(EXCHANGE_DECLARE_OK),  M(EXCHANGE_DELETE),     M(EXCHANGE_DELETE_OK),
        M(EXCHANGE_BIND),        M(EXCHANGE_BIND_OK),    M(EXCHANGE_UNBIND),
        M(EXCHANGE_UNBIND_OK),   M(QUEUE_DECLARE),       M(QUEUE_DECLARE_OK),
        M(QUEUE_BIND),           M(QUEUE_BIND_OK),       M(QUEUE_PURGE),
        M(QUEUE_PURGE_OK),       M(QUEUE_DELETE),        M(QUEUE_DELETE_OK),
        M(QUEUE_UNBIND),         M(QUEUE_UNBIND_OK),     M(BASIC_QOS),
        M(BASIC_QOS_OK),         M(BASIC_CONSUME),       M(BASIC_CONSUME_OK),
        M(BASIC_CANCEL),         M(BASIC_CANCEL_OK),     M(BASIC_PUBLISH),
        M(BASIC_RETURN),         M(BASIC_DELIVER),       M(BASIC_GET),
        M(BASIC_GET_OK),         M(BASIC_GET_EMPTY),     M(BASIC_ACK),
        M(BASIC_REJECT),         M(BASIC_RECOVER_ASYNC), M(BASIC_RECOVER),
        M(BASIC_RECOVER_OK),     M(BASIC_NACK),          M(TX_SELECT),
        M(TX_SELECT_OK),         M(TX_COMMIT),           M(TX_COMMIT_OK),
        M(TX_ROLLBACK),          M(TX_ROLLBACK_OK),      M(CONFIRM_SELECT),
        M(CONFIRM_SELECT_OK),
};

/* RabbitMQ speaks these but librabbitmq 0.11 does not know them (reference §0 ids). */
static const uint32_t rabbit_only[] = {WR_M_CONNECTION_UPDATE_SECRET,
                                       WR_M_CONNECTION_UPDATE_SECRET_OK};

#define R(x)             \
    {                    \
        WR_##x, AMQP_##x \
    }
static const struct {
    int wr, rmq;
} replies[] = {
        R(REPLY_SUCCESS),     R(CONTENT_TOO_LARGE),   R(NO_ROUTE),         R(NO_CONSUMERS),
        R(CONNECTION_FORCED), R(INVALID_PATH),        R(ACCESS_REFUSED),   R(NOT_FOUND),
        R(RESOURCE_LOCKED),   R(PRECONDITION_FAILED), R(FRAME_ERROR),      R(SYNTAX_ERROR),
        R(COMMAND_INVALID),   R(CHANNEL_ERROR),       R(UNEXPECTED_FRAME), R(RESOURCE_ERROR),
        R(NOT_ALLOWED),       R(NOT_IMPLEMENTED),     R(INTERNAL_ERROR),
};

#define P(x)                            \
    {                                   \
        WR_P_##x, AMQP_BASIC_##x##_FLAG \
    }
static const struct {
    unsigned wr, rmq;
} flags[] = {
        P(CONTENT_TYPE),   P(CONTENT_ENCODING), P(HEADERS),    P(DELIVERY_MODE), P(PRIORITY),
        P(CORRELATION_ID), P(REPLY_TO),         P(EXPIRATION), P(MESSAGE_ID),    P(TIMESTAMP),
        P(TYPE),           P(USER_ID),          P(APP_ID),     P(CLUSTER_ID),
};

static bool
known_to_rabbitmq_c(uint32_t id)
{
    for (size_t i = 0; i < NELEMS(methods); i++) {
        if (methods[i].wr == id)
            return true;
    }
    return false;
}

/* "queue.declare-ok" -> "AMQP_QUEUE_DECLARE_OK_METHOD", librabbitmq's naming. */
static void
rabbitmq_c_name(const char *name, char *buf, size_t cap)
{
    size_t n = (size_t)snprintf(buf, cap, "AMQP_%s_METHOD", name);

    assert_true(n < cap);
    for (char *p = buf; *p; p++) {
        if (*p == '.' || *p == '-')
            *p = '_';
        else if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    }
}

static void
test_method_ids(void **state)
{
    char want[80];

    for (size_t i = 0; i < NELEMS(methods); i++) {
        const struct wr_method_desc *d = wr_method_desc(methods[i].wr);
        assert_int_equal(methods[i].wr, methods[i].rmq);
        assert_non_null(d);
        assert_int_equal(d->id, methods[i].wr);
        rabbitmq_c_name(d->name, want, sizeof(want));
        assert_string_equal(want, amqp_method_name(methods[i].rmq));
        assert_int_equal(d->content, amqp_method_has_content(methods[i].rmq) != 0);
        assert_string_equal(wr_method_name(d->id), d->name);
    }
    assert_int_equal(WR_M_CONNECTION_UPDATE_SECRET, (10U << 16) | 70);
    assert_int_equal(WR_M_CONNECTION_UPDATE_SECRET_OK, (10U << 16) | 71);
    assert_int_equal(WR_M_EXCHANGE_UNBIND_OK, (40U << 16) | 51);
    assert_int_equal(WR_M_BASIC_PUBLISH, 0x003C0028U);
    assert_int_equal(NELEMS(methods) + NELEMS(rabbit_only), WR_METHOD_COUNT);
}

/* Every generated method is either checked against librabbitmq or listed as RabbitMQ-only, and the
 * table is sorted so wr_method_desc() can search it. */
static void
test_method_table_complete(void **state)
{
    for (size_t i = 0; i < WR_METHOD_COUNT; i++) {
        uint32_t id = wr_method_descs[i].id;
        bool extra = id == rabbit_only[0] || id == rabbit_only[1];
        assert_true(known_to_rabbitmq_c(id) != extra);
        if (i > 0)
            assert_true(wr_method_descs[i - 1].id < id);
        assert_ptr_equal(wr_method_desc(id), &wr_method_descs[i]);
        assert_true(wr_method_descs[i].nfields == 0 || wr_method_descs[i].fields != NULL);
    }
    assert_null(wr_method_desc(0));
    assert_null(wr_method_desc(0x000A0001U));
    assert_null(wr_method_desc(0xFFFFFFFFU));
    assert_null(wr_method_name(0x003C0029U));
}

static void
test_method_shapes(void **state)
{
    const struct wr_method_desc *d = wr_method_desc(WR_M_QUEUE_DECLARE);

    assert_string_equal(d->name, "queue.declare");
    assert_int_equal(d->size, sizeof(struct wr_m_queue_declare));
    assert_int_equal(d->nfields, 8);
    assert_true(d->synchronous);
    assert_true(d->server_recv);
    assert_int_equal(d->fields[5].offset, offsetof(struct wr_m_queue_declare, auto_delete));
    assert_int_equal(d->fields[5].type, WR_T_BIT);
    assert_string_equal(d->fields[5].name, "auto-delete");
    assert_int_equal(d->fields[7].type, WR_T_TABLE);
    d = wr_method_desc(WR_M_CONNECTION_UPDATE_SECRET);
    assert_int_equal(d->fields[0].type, WR_T_LONGSTR);
    assert_int_equal(d->fields[1].offset, offsetof(struct wr_m_connection_update_secret, reason));
    assert_int_equal(wr_method_desc(WR_M_CONNECTION_BLOCKED)->fields[0].type, WR_T_SHORTSTR);
    assert_false(wr_method_desc(WR_M_CONNECTION_BLOCKED)->server_recv);
    assert_true(wr_method_desc(WR_M_BASIC_PUBLISH)->content);
    assert_false(wr_method_desc(WR_M_BASIC_PUBLISH)->synchronous);
    assert_int_equal(wr_method_desc(WR_M_BASIC_NACK)->nfields, 3);
}

static void
test_reply_codes(void **state)
{
    char want[64];

    for (size_t i = 0; i < NELEMS(replies); i++) {
        int code = replies[i].wr;
        assert_int_equal(code, replies[i].rmq);
        assert_non_null(wr_reply_name((uint16_t)code));
        snprintf(want, sizeof(want), "AMQP_%s", wr_reply_name((uint16_t)code));
        assert_string_equal(want, amqp_constant_name(code));
        assert_int_equal(wr_reply_is_hard((uint16_t)code), amqp_constant_is_hard_error(code) != 0);
    }
    /* Nothing beyond the list: every named code in 100..999 is one of the above. */
    for (int code = 100; code < 1000; code++) {
        bool listed = false;
        for (size_t i = 0; i < NELEMS(replies); i++)
            listed |= replies[i].wr == code;
        assert_int_equal(wr_reply_name((uint16_t)code) != NULL, listed);
    }
    assert_string_equal(wr_reply_name(404), "NOT_FOUND");
    assert_string_equal(wr_reply_name(312), "NO_ROUTE");
    assert_false(wr_reply_is_hard(312));
    assert_true(wr_reply_is_hard(541));
    assert_false(wr_reply_is_hard(200));
}

static void
test_frame_constants(void **state)
{
    assert_int_equal(WR_FRAME_METHOD, AMQP_FRAME_METHOD);
    assert_int_equal(WR_FRAME_HEADER, AMQP_FRAME_HEADER);
    assert_int_equal(WR_FRAME_BODY, AMQP_FRAME_BODY);
    assert_int_equal(WR_FRAME_HEARTBEAT, AMQP_FRAME_HEARTBEAT);
    assert_int_equal(WR_FRAME_END, AMQP_FRAME_END);
    assert_int_equal(WR_FRAME_MIN_SIZE, AMQP_FRAME_MIN_SIZE);
    assert_int_equal(WR_CLASS_CONNECTION, 10);
    assert_int_equal(WR_CLASS_CHANNEL, 20);
    assert_int_equal(WR_CLASS_ACCESS, 30);
    assert_int_equal(WR_CLASS_EXCHANGE, 40);
    assert_int_equal(WR_CLASS_QUEUE, 50);
    assert_int_equal(WR_CLASS_BASIC, 60);
    assert_int_equal(WR_CLASS_CONFIRM, 85);
    assert_int_equal(WR_CLASS_TX, 90);
}

static void
test_property_flags(void **state)
{
    assert_int_equal(NELEMS(flags), WR_BASIC_PROP_COUNT);
    for (size_t i = 0; i < NELEMS(flags); i++) {
        assert_int_equal(flags[i].wr, flags[i].rmq);
        assert_int_equal(wr_basic_prop_descs[i].flag, flags[i].wr);
        assert_int_equal(flags[i].wr, 1U << (15 - i));
    }
    assert_string_equal(wr_basic_prop_descs[13].name, "cluster-id");
    assert_int_equal(wr_basic_prop_descs[2].type, WR_T_TABLE);
    assert_int_equal(wr_basic_prop_descs[9].type, WR_T_TIMESTAMP);
}

/* Generic round trip: every field gets a value no zeroed struct has. variant flips the bits so that
 * every bit is seen set once and clear once. */
union any_method {
    struct wr_m_connection_start start;
    max_align_t align;
    uint8_t raw[512];
};

static const char table_bytes[] = "\x03key\x53\x00\x00\x00\x02vv\x01n\x49\x00\x00\x01\x00";

static void
fill_field(const struct wr_field_desc *f, unsigned i, int variant, uint8_t *m)
{
    static const uint8_t longstr[] = {0, 1, 0xFF, 'x', 0};
    static char strs[32][16];
    void *p = m + f->offset;

    switch (f->type) {
    case WR_T_OCTET:
        *(uint8_t *)p = (uint8_t)(0x80 | i);
        break;
    case WR_T_SHORT:
        *(uint16_t *)p = (uint16_t)(0xA000 + i);
        break;
    case WR_T_LONG:
        *(uint32_t *)p = 0xC0000000U + i;
        break;
    case WR_T_LONGLONG:
    case WR_T_TIMESTAMP:
        *(uint64_t *)p = 0xF000000000000000ULL + i;
        break;
    case WR_T_BIT:
        *(bool *)p = (i + (unsigned)variant) % 2 == 1;
        break;
    case WR_T_SHORTSTR:
        snprintf(strs[i], sizeof(strs[i]), "f%u-\xC3\xA9", i);
        *(struct wr_bytes *)p = wr_bytes_str(strs[i]);
        break;
    case WR_T_LONGSTR:
        *(struct wr_bytes *)p = (struct wr_bytes){longstr, sizeof(longstr)};
        break;
    case WR_T_TABLE:
        *(struct wr_bytes *)p =
                (struct wr_bytes){(const uint8_t *)table_bytes, sizeof(table_bytes) - 1};
        break;
    }
}

static void
assert_field_equal(const struct wr_field_desc *f, const uint8_t *a, const uint8_t *b)
{
    const void *pa = a + f->offset, *pb = b + f->offset;

    switch (f->type) {
    case WR_T_OCTET:
        assert_int_equal(*(const uint8_t *)pa, *(const uint8_t *)pb);
        break;
    case WR_T_SHORT:
        assert_int_equal(*(const uint16_t *)pa, *(const uint16_t *)pb);
        break;
    case WR_T_LONG:
        assert_int_equal(*(const uint32_t *)pa, *(const uint32_t *)pb);
        break;
    case WR_T_LONGLONG:
    case WR_T_TIMESTAMP:
        assert_true(*(const uint64_t *)pa == *(const uint64_t *)pb);
        break;
    case WR_T_BIT:
        assert_int_equal(*(const bool *)pa, *(const bool *)pb);
        break;
    default:
        assert_true(wr_bytes_eq(*(const struct wr_bytes *)pa, *(const struct wr_bytes *)pb));
        break;
    }
}

/* librabbitmq decodes our bytes into its own structs and encodes them again: byte equality proves
 * field order, widths and bit packing agree with an independent implementation. */
static void
cross_check_rabbitmq_c(uint32_t id, const uint8_t *args, size_t len)
{
    amqp_pool_t pool;
    void *decoded = NULL;
    uint8_t again[512];

    if (!known_to_rabbitmq_c(id))
        return;
    init_amqp_pool(&pool, 4096);
    assert_int_equal(amqp_decode_method(id, &pool, (amqp_bytes_t){len, (void *)args}, &decoded), 0);
    int n = amqp_encode_method(id, decoded, (amqp_bytes_t){sizeof(again), again});
    assert_true(n >= 0);
    assert_int_equal((size_t)n, len);
    assert_memory_equal(again, args, len);
    empty_amqp_pool(&pool);
}

static void
round_trip(const struct wr_method_desc *d, int variant)
{
    union any_method in, out;
    uint8_t buf[512];

    assert_true(d->size <= sizeof(in.raw));
    memset(&in, 0, sizeof(in));
    for (unsigned i = 0; i < d->nfields; i++)
        fill_field(&d->fields[i], i, variant, in.raw);
    int n = wr_method_encode(d->id, &in, buf, sizeof(buf));
    assert_true(n >= 4);
    assert_int_equal(n, wr_method_encoded_size(d->id, &in));
    assert_int_equal((uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 |
                             buf[3],
                     d->id);
    memset(&out, 0xEE, sizeof(out));
    assert_int_equal(wr_method_decode(d->id, buf + 4, (size_t)n - 4, &out), WR_OK);
    for (unsigned i = 0; i < d->nfields; i++)
        assert_field_equal(&d->fields[i], in.raw, out.raw);
    cross_check_rabbitmq_c(d->id, buf + 4, (size_t)n - 4);
}

static void
test_round_trip_every_method(void **state)
{
    for (size_t i = 0; i < WR_METHOD_COUNT; i++) {
        round_trip(&wr_method_descs[i], 0);
        round_trip(&wr_method_descs[i], 1);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_method_ids),
            cmocka_unit_test(test_method_table_complete),
            cmocka_unit_test(test_method_shapes),
            cmocka_unit_test(test_reply_codes),
            cmocka_unit_test(test_frame_constants),
            cmocka_unit_test(test_property_flags),
            cmocka_unit_test(test_round_trip_every_method),
    };

    return cmocka_run_group_tests_name("spec", tests, NULL, NULL);
}
