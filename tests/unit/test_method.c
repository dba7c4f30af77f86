/* SPDX-License-Identifier: MPL-2.0 */
/* amqp/method.c: exact wire bytes, bit packing, and every way a method payload can be malformed
 * (W-12: truncation, bad UTF-8, bad tables, trailing bytes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "amqp/method.h"
#include "amqp/table.h"

static int
encode(uint32_t id, const void *m, uint8_t *buf, size_t cap)
{
    int n = wr_method_encode(id, m, buf, cap);

    assert_true(n > 0);
    return n;
}

static void
test_publish_bytes(void **state)
{
    struct wr_m_basic_publish m = {
            .exchange = WR_BYTES_LIT("ex"), .routing_key = WR_BYTES_LIT("rk"), .mandatory = true};
    static const uint8_t want[] = {0, 60, 0, 40, 0, 0, 2, 'e', 'x', 2, 'r', 'k', 0x01};
    uint8_t buf[64];

    assert_int_equal(encode(WR_M_BASIC_PUBLISH, &m, buf, sizeof(buf)), sizeof(want));
    assert_memory_equal(buf, want, sizeof(want));
}

/* queue.declare's five bits share one octet, first bit in the least significant position. */
static void
test_bit_packing_declare(void **state)
{
    struct wr_m_queue_declare m = {
            .queue = WR_BYTES_LIT("q"), .passive = true, .exclusive = true, .no_wait = true};
    struct wr_m_queue_declare d;
    uint8_t buf[64];
    int n = encode(WR_M_QUEUE_DECLARE, &m, buf, sizeof(buf));

    /* ids(4) reserved(2) "q"(2) bits(1) table length(4) */
    assert_int_equal(n, 13);
    assert_int_equal(buf[8], 0x15);
    assert_int_equal(wr_method_decode(WR_M_QUEUE_DECLARE, buf + 4, (size_t)n - 4, &d), WR_OK);
    assert_true(d.passive && !d.durable && d.exclusive && !d.auto_delete && d.no_wait);
    assert_true(wr_bytes_eq_str(d.queue, "q"));
    assert_int_equal(d.arguments.len, 0);
}

static void
test_bit_packing_adjacent(void **state)
{
    struct wr_m_basic_nack nack = {.delivery_tag = 7, .multiple = false, .requeue = true};
    struct wr_m_access_request ar = {.realm = WR_BYTES_LIT("/data"), .active = true, .read = true};
    struct wr_m_access_request ard;
    uint8_t buf[64];

    assert_int_equal(encode(WR_M_BASIC_NACK, &nack, buf, sizeof(buf)), 4 + 8 + 1);
    assert_int_equal(buf[12], 0x02);
    assert_int_equal(encode(WR_M_ACCESS_REQUEST, &ar, buf, sizeof(buf)), 4 + 6 + 1);
    assert_int_equal(buf[10], 0x14);
    assert_int_equal(wr_method_decode(WR_M_ACCESS_REQUEST, buf + 4, 7, &ard), WR_OK);
    assert_true(!ard.exclusive && !ard.passive && ard.active && !ard.write && ard.read);
}

/* Bits separated by another field start a new octet. */
static void
test_bits_split_by_field(void **state)
{
    struct wr_m_basic_deliver m = {
            .consumer_tag = WR_BYTES_LIT("c"), .delivery_tag = 1, .redelivered = true};
    uint8_t buf[64];
    int n = encode(WR_M_BASIC_DELIVER, &m, buf, sizeof(buf));

    /* ids(4) "c"(2) tag(8) bits(1) exchange(1) rk(1) */
    assert_int_equal(n, 17);
    assert_int_equal(buf[14], 0x01);
    assert_int_equal(buf[15], 0);
    assert_int_equal(buf[16], 0);
}

static void
test_no_arguments(void **state)
{
    struct wr_m_tx_select m = {0};
    uint8_t buf[8];

    assert_int_equal(encode(WR_M_TX_SELECT, &m, buf, sizeof(buf)), 4);
    assert_int_equal(wr_method_decode(WR_M_TX_SELECT, NULL, 0, &m), WR_OK);
    assert_int_equal(wr_method_decode(WR_M_TX_SELECT, buf, 1, &m), WR_ESHORT);
}

static int
encode_declare(uint8_t *buf, size_t cap)
{
    struct wr_tbuf t;
    struct wr_m_queue_declare m = {.queue = WR_BYTES_LIT("orders"), .durable = true};
    int n;

    wr_tbuf_init(&t);
    wr_tbuf_long(&t, "x-message-ttl", 1000);
    wr_tbuf_str(&t, "x-dead-letter-exchange", "dlx", 3);
    m.arguments = wr_tbuf_bytes(&t);
    n = encode(WR_M_QUEUE_DECLARE, &m, buf, cap);
    wr_tbuf_free(&t);
    return n;
}

/* W-12: every truncation is an error, never a crash or a partial success. */
static void
test_truncated_every_length(void **state)
{
    struct wr_m_queue_declare d;
    uint8_t buf[128];
    int n = encode_declare(buf, sizeof(buf));

    for (size_t len = 0; len < (size_t)n - 4; len++)
        assert_int_equal(wr_method_decode(WR_M_QUEUE_DECLARE, buf + 4, len, &d), WR_ESHORT);
    assert_int_equal(wr_method_decode(WR_M_QUEUE_DECLARE, buf + 4, (size_t)n - 4, &d), WR_OK);
    assert_true(wr_bytes_eq_str(d.queue, "orders"));
    assert_true(d.durable);
    struct wr_fvalue v;
    assert_true(wr_table_get(d.arguments, "x-message-ttl", &v));
    assert_int_equal(v.v.i, 1000);
}

static void
test_trailing_bytes(void **state)
{
    struct wr_m_basic_ack m = {.delivery_tag = 42, .multiple = true}, d;
    uint8_t buf[32];
    int n = encode(WR_M_BASIC_ACK, &m, buf, sizeof(buf) - 1);

    buf[n] = 0;
    assert_int_equal(wr_method_decode(WR_M_BASIC_ACK, buf + 4, (size_t)n - 4, &d), WR_OK);
    assert_true(d.delivery_tag == 42 && d.multiple);
    assert_int_equal(wr_method_decode(WR_M_BASIC_ACK, buf + 4, (size_t)n - 3, &d), WR_ESHORT);
}

static void
test_bad_utf8(void **state)
{
    struct wr_m_queue_declare d;
    /* reserved, shortstr "\xC3(" (bad continuation), bits, empty table */
    static const uint8_t bad[] = {0, 0, 2, 0xC3, '(', 0, 0, 0, 0, 0};
    static const uint8_t good[] = {0, 0, 2, 0xC3, 0xA9, 0, 0, 0, 0, 0};

    assert_int_equal(wr_method_decode(WR_M_QUEUE_DECLARE, bad, sizeof(bad), &d), WR_EUTF8);
    assert_int_equal(wr_method_decode(WR_M_QUEUE_DECLARE, good, sizeof(good), &d), WR_OK);
    /* longstr is not text: the same bytes pass in connection.secure-ok */
    static const uint8_t ls[] = {0, 0, 0, 2, 0xC3, '('};
    struct wr_m_connection_secure_ok s;
    assert_int_equal(wr_method_decode(WR_M_CONNECTION_SECURE_OK, ls, sizeof(ls), &s), WR_OK);
}

static void
test_bad_tables(void **state)
{
    struct wr_m_queue_declare d;
    /* reserved, "", bits, table {"k": 'Z'} */
    static const uint8_t badtype[] = {0, 0, 0, 0, 0, 0, 0, 3, 1, 'k', 'Z'};
    /* table length larger than the payload */
    static const uint8_t huge[] = {0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0};
    /* table whose entry is cut: key "k", 'I' with two of four octets */
    static const uint8_t cut[] = {0, 0, 0, 0, 0, 0, 0, 5, 1, 'k', 'I', 0, 0};

    assert_int_equal(wr_method_decode(WR_M_QUEUE_DECLARE, badtype, sizeof(badtype), &d), WR_ETYPE);
    assert_int_equal(wr_method_decode(WR_M_QUEUE_DECLARE, huge, sizeof(huge), &d), WR_ESHORT);
    assert_int_equal(wr_method_decode(WR_M_QUEUE_DECLARE, cut, sizeof(cut), &d), WR_ESHORT);
}

static void
test_table_too_deep(void **state)
{
    struct wr_tbuf in, out;
    struct wr_m_queue_declare m = {0}, d;
    static uint8_t buf[4096];

    wr_tbuf_init(&in);
    for (int depth = 1; depth <= WR_TABLE_MAX_DEPTH + 1; depth++) {
        /* "arguments" itself is level 1, so after this wrap the table has depth + 1 levels */
        wr_tbuf_init(&out);
        wr_tbuf_nested(&out, "n", 'F', &in);
        wr_tbuf_free(&in);
        in = out;
        m.arguments = wr_tbuf_bytes(&in);
        int n = encode(WR_M_QUEUE_DECLARE, &m, buf, sizeof(buf));
        int want = depth + 1 > WR_TABLE_MAX_DEPTH ? WR_EDEPTH : WR_OK;
        assert_int_equal(wr_method_decode(WR_M_QUEUE_DECLARE, buf + 4, (size_t)n - 4, &d), want);
    }
    wr_tbuf_free(&in);
}

static void
test_unknown_method(void **state)
{
    uint8_t buf[16] = {0};
    struct wr_m_tx_select m = {0};

    assert_int_equal(wr_method_decode(0x000A0001U, buf, 0, &m), WR_EUNKNOWN);
    assert_int_equal(wr_method_encode(0x00FF000AU, &m, buf, sizeof(buf)), WR_EUNKNOWN);
    assert_int_equal(wr_method_encoded_size(0, &m), WR_EUNKNOWN);
}

static void
test_encode_space(void **state)
{
    struct wr_m_channel_close m = {.reply_code = WR_NOT_FOUND,
                                   .reply_text = WR_BYTES_LIT("NOT_FOUND - no queue 'q'"),
                                   .class_id = 50,
                                   .method_id = 10};
    uint8_t buf[64];
    int n = wr_method_encoded_size(WR_M_CHANNEL_CLOSE, &m);

    assert_int_equal(n, 4 + 2 + 1 + 24 + 2 + 2);
    for (size_t cap = 0; cap < (size_t)n; cap++)
        assert_int_equal(wr_method_encode(WR_M_CHANNEL_CLOSE, &m, buf, cap), WR_ESPACE);
    assert_int_equal(wr_method_encode(WR_M_CHANNEL_CLOSE, &m, buf, (size_t)n), n);
}

static void
test_shortstr_too_long(void **state)
{
    static char name[256];
    struct wr_m_queue_declare m = {0};
    uint8_t buf[512];

    memset(name, 'a', sizeof(name));
    m.queue = (struct wr_bytes){(const uint8_t *)name, 256};
    assert_int_equal(wr_method_encode(WR_M_QUEUE_DECLARE, &m, buf, sizeof(buf)), WR_ESHORT);
    m.queue.len = 255;
    assert_int_equal(wr_method_encode(WR_M_QUEUE_DECLARE, &m, buf, sizeof(buf)),
                     4 + 2 + 256 + 1 + 4);
}

static void
test_update_secret(void **state)
{
    struct wr_m_connection_update_secret m = {.new_secret = WR_BYTES_LIT("token"),
                                              .reason = WR_BYTES_LIT("refresh")},
                                         d;
    static const uint8_t want[] = {0,   10,  0, 70,  0,   0,   0,   5,   't', 'o', 'k',
                                   'e', 'n', 7, 'r', 'e', 'f', 'r', 'e', 's', 'h'};
    uint8_t buf[64];

    assert_int_equal(encode(WR_M_CONNECTION_UPDATE_SECRET, &m, buf, sizeof(buf)), sizeof(want));
    assert_memory_equal(buf, want, sizeof(want));
    assert_int_equal(
            wr_method_decode(WR_M_CONNECTION_UPDATE_SECRET, want + 4, sizeof(want) - 4, &d), WR_OK);
    assert_true(wr_bytes_eq_str(d.reason, "refresh"));
}

static void
test_id_read(void **state)
{
    static const uint8_t p[] = {0, 60, 0, 40, 9};
    uint32_t id = 0;

    assert_int_equal(wr_method_id_read(p, 3, &id), WR_ESHORT);
    assert_int_equal(wr_method_id_read(p, sizeof(p), &id), WR_OK);
    assert_int_equal(id, WR_M_BASIC_PUBLISH);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_publish_bytes),
            cmocka_unit_test(test_bit_packing_declare),
            cmocka_unit_test(test_bit_packing_adjacent),
            cmocka_unit_test(test_bits_split_by_field),
            cmocka_unit_test(test_no_arguments),
            cmocka_unit_test(test_truncated_every_length),
            cmocka_unit_test(test_trailing_bytes),
            cmocka_unit_test(test_bad_utf8),
            cmocka_unit_test(test_bad_tables),
            cmocka_unit_test(test_table_too_deep),
            cmocka_unit_test(test_unknown_method),
            cmocka_unit_test(test_encode_space),
            cmocka_unit_test(test_shortstr_too_long),
            cmocka_unit_test(test_update_secret),
            cmocka_unit_test(test_id_read),
    };

    return cmocka_run_group_tests_name("method", tests, NULL, NULL);
}
