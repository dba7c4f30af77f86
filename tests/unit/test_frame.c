/* SPDX-License-Identifier: MPL-2.0 */
/* amqp/frame.c: frame writers byte for byte, body splitting (W-05) and Erlang octet rendering
 * (W-04..W-08). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <event2/buffer.h>

#include "amqp/frame.h"
#include "amqp/method.h"

static int
setup(void **state)
{
    *state = evbuffer_new();
    return *state ? 0 : -1;
}

static int
teardown(void **state)
{
    evbuffer_free(*state);
    return 0;
}

/* Removes one frame from the buffer and checks its framing; returns the payload size. */
static uint32_t
pull_frame(struct evbuffer *b, uint8_t want_type, uint16_t want_ch, uint8_t *payload, size_t cap)
{
    uint8_t hdr[WR_FRAME_HEADER_SIZE], end;
    uint8_t type;
    uint16_t ch;
    uint32_t size;

    assert_int_equal(evbuffer_remove(b, hdr, sizeof(hdr)), sizeof(hdr));
    wr_frame_header_read(hdr, &type, &ch, &size);
    assert_int_equal(type, want_type);
    assert_int_equal(ch, want_ch);
    assert_true(size <= cap);
    assert_int_equal(evbuffer_remove(b, payload, size), (int)size);
    assert_int_equal(evbuffer_remove(b, &end, 1), 1);
    assert_int_equal(end, WR_FRAME_END);
    return size;
}

static void
test_header_read(void **state)
{
    static const uint8_t hdr[] = {1, 0x12, 0x34, 0x00, 0x01, 0x02, 0x03};
    uint8_t type;
    uint16_t ch;
    uint32_t size;

    wr_frame_header_read(hdr, &type, &ch, &size);
    assert_int_equal(type, 1);
    assert_int_equal(ch, 0x1234);
    assert_int_equal(size, 0x00010203);
}

/* W-05: 10 000 bytes with frame_max 4096 go out as 4088, 4088, 1824. */
static void
test_body_split(void **state)
{
    struct evbuffer *b = *state;
    static uint8_t body[10000], got[10000], chunk[4096];
    static const uint32_t want[] = {4088, 4088, 1824};
    size_t off = 0;

    for (size_t i = 0; i < sizeof(body); i++)
        body[i] = (uint8_t)(i * 7);
    wr_frame_add_body(b, 5, body, sizeof(body), 4096);
    for (int i = 0; i < 3; i++) {
        uint32_t n = pull_frame(b, WR_FRAME_BODY, 5, chunk, sizeof(chunk));
        assert_int_equal(n, want[i]);
        memcpy(got + off, chunk, n);
        off += n;
    }
    assert_int_equal(evbuffer_get_length(b), 0);
    assert_memory_equal(got, body, sizeof(body));
}

static void
test_body_edges(void **state)
{
    struct evbuffer *b = *state;
    static uint8_t body[8176], chunk[8192];

    wr_frame_add_body(b, 1, body, 0, 4096);
    assert_int_equal(evbuffer_get_length(b), 0);
    wr_frame_add_body(b, 1, NULL, 0, 4096);
    assert_int_equal(evbuffer_get_length(b), 0);
    wr_frame_add_body(b, 1, body, sizeof(body), 4096); /* exactly two full frames */
    assert_int_equal(pull_frame(b, WR_FRAME_BODY, 1, chunk, sizeof(chunk)), 4088);
    assert_int_equal(pull_frame(b, WR_FRAME_BODY, 1, chunk, sizeof(chunk)), 4088);
    assert_int_equal(evbuffer_get_length(b), 0);
    wr_frame_add_body(b, 1, body, sizeof(body), 0); /* no limit negotiated */
    assert_int_equal(pull_frame(b, WR_FRAME_BODY, 1, chunk, sizeof(chunk)), sizeof(body));
    assert_int_equal(evbuffer_get_length(b), 0);
}

static int cleanups;

static void
count_cleanup(const void *data, size_t len, void *arg)
{
    cleanups++;
    assert_ptr_equal(arg, &cleanups);
}

/* Zero-copy bodies: same frames as the copying writer, and one cleanup per frame. */
static void
test_body_ref(void **state)
{
    struct evbuffer *b = *state, *copy = evbuffer_new();
    static uint8_t body[10000];

    for (size_t i = 0; i < sizeof(body); i++)
        body[i] = (uint8_t)(i * 13);
    assert_int_equal(wr_frame_body_count(sizeof(body), 4096), 3);
    assert_int_equal(wr_frame_body_count(8176, 4096), 2);
    assert_int_equal(wr_frame_body_count(0, 4096), 0);
    assert_int_equal(wr_frame_body_count(1, 0), 1);
    cleanups = 0;
    assert_int_equal(
            wr_frame_add_body_ref(b, 9, body, sizeof(body), 4096, count_cleanup, &cleanups), 0);
    wr_frame_add_body(copy, 9, body, sizeof(body), 4096);
    assert_int_equal(evbuffer_get_length(b), evbuffer_get_length(copy));
    assert_memory_equal(evbuffer_pullup(b, -1), evbuffer_pullup(copy, -1), evbuffer_get_length(b));
    evbuffer_drain(b, evbuffer_get_length(b));
    assert_int_equal(cleanups, 3);
    evbuffer_free(copy);
}

static void
test_heartbeat(void **state)
{
    struct evbuffer *b = *state;
    static const uint8_t want[] = {8, 0, 0, 0, 0, 0, 0, 0xCE};
    uint8_t got[8];

    wr_frame_add_heartbeat(b);
    assert_int_equal(evbuffer_get_length(b), 8);
    evbuffer_remove(b, got, sizeof(got));
    assert_memory_equal(got, want, sizeof(want));
}

static void
test_content_header(void **state)
{
    struct evbuffer *b = *state;
    static const uint8_t props[] = {0x10, 0x00, 2}; /* delivery-mode 2 */
    static const uint8_t want[] = {0, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0x27, 0x10, 0x10, 0x00, 2};
    uint8_t got[64];

    wr_frame_add_header(b, 3, WR_CLASS_BASIC, 10000, props, sizeof(props));
    assert_int_equal(pull_frame(b, WR_FRAME_HEADER, 3, got, sizeof(got)), sizeof(want));
    assert_memory_equal(got, want, sizeof(want));
}

static void
test_method_frame(void **state)
{
    struct evbuffer *b = *state;
    struct wr_m_channel_close m = {.reply_code = WR_NOT_FOUND,
                                   .reply_text = WR_BYTES_LIT("NOT_FOUND"),
                                   .class_id = 50,
                                   .method_id = 10};
    static const uint8_t want[] = {0,   20,  0,   40,  1,   0x94, 9, 'N', 'O', 'T',
                                   '_', 'F', 'O', 'U', 'N', 'D',  0, 50,  0,   10};
    uint8_t got[64];

    assert_int_equal(wr_frame_add_method(b, 7, WR_M_CHANNEL_CLOSE, &m), 0);
    assert_int_equal(pull_frame(b, WR_FRAME_METHOD, 7, got, sizeof(got)), sizeof(want));
    assert_memory_equal(got, want, sizeof(want));
    assert_int_equal(evbuffer_get_length(b), 0);
    assert_int_equal(wr_frame_add_method(b, 7, 0x00FF0001U, &m), WR_EUNKNOWN);
    assert_int_equal(evbuffer_get_length(b), 0);
}

static void
test_method_frame_large(void **state)
{
    struct evbuffer *b = *state;
    size_t n = 100000;
    uint8_t *big = calloc(1, n), *got = malloc(n + 64);
    struct wr_m_connection_secure m = {.challenge = {big, (uint32_t)n}};
    struct wr_m_connection_secure d;

    assert_non_null(big);
    assert_non_null(got);
    assert_int_equal(wr_frame_add_method(b, 0, WR_M_CONNECTION_SECURE, &m), 0);
    uint32_t size = pull_frame(b, WR_FRAME_METHOD, 0, got, n + 64);
    assert_int_equal(size, 4 + 4 + n);
    assert_int_equal(wr_method_decode(WR_M_CONNECTION_SECURE, got + 4, size - 4, &d), 0);
    assert_int_equal(d.challenge.len, n);
    free(big);
    free(got);
}

static void
assert_octets(const void *p, size_t n, const char *want)
{
    char buf[128];

    assert_int_equal(wr_frame_render_octets(p, n, buf, sizeof(buf)), strlen(want));
    assert_string_equal(buf, want);
}

static void
test_render_octets(void **state)
{
    char small[5];

    assert_octets("abc", 3, "<<\"abc\">>");
    assert_octets("\x00\x14\x00\x0a", 4, "<<0,20,0,10>>");
    assert_octets("", 0, "<<>>");
    assert_octets("a\"b\\", 4, "<<\"a\\\"b\\\\\">>");
    assert_octets("ab\xff", 3, "<<97,98,255>>");
    assert_int_equal(
            wr_frame_render_octets((const uint8_t *)"\x01\x02\x03", 3, small, sizeof(small)), 4);
    assert_string_equal(small, "<<1,");
    assert_int_equal(wr_frame_render_octets((const uint8_t *)"abc", 3, small, 0), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_header_read),
            cmocka_unit_test_setup_teardown(test_body_split, setup, teardown),
            cmocka_unit_test_setup_teardown(test_body_edges, setup, teardown),
            cmocka_unit_test_setup_teardown(test_body_ref, setup, teardown),
            cmocka_unit_test_setup_teardown(test_heartbeat, setup, teardown),
            cmocka_unit_test_setup_teardown(test_content_header, setup, teardown),
            cmocka_unit_test_setup_teardown(test_method_frame, setup, teardown),
            cmocka_unit_test_setup_teardown(test_method_frame_large, setup, teardown),
            cmocka_unit_test(test_render_octets),
    };

    return cmocka_run_group_tests_name("frame", tests, NULL, NULL);
}
