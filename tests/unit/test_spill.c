/* SPDX-License-Identifier: MPL-2.0 */
/* Unit tests for server/spill.c: records come back in order with their fields and content,
 * across write-buffer flushes and read-buffer refills, a message larger than either buffer, the
 * head read straight from the write buffer, stored records without content, clear, and reuse
 * of an emptied spill. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "server/msg.h"
#include "server/spill.h"

static char dir[] = "/tmp/test_spill_XXXXXX";

static struct wr_msg *
msg_of(uint64_t i, size_t size)
{
    static const uint8_t props[] = {0x10, 0x00, 0x02}; /* delivery-mode 2 */
    struct wr_msg *m = wr_msg_new("x", 1, "key", 3, props, sizeof(props), size);

    for (size_t k = 0; k < size; k++)
        m->body[k] = (uint8_t)(i + k);
    m->received = size;
    return m;
}

static size_t
size_of(uint64_t i)
{
    return i == 777 ? 300 * 1024 : (size_t)(i % 97) * 13; /* one larger than the buffers */
}

static void
push(struct wr_spill *s, uint64_t i)
{
    struct wr_msg *m = msg_of(i, size_of(i));
    struct wr_spill_rec r = {0, i, (int64_t)i * 10, (uint32_t)size_of(i), i % 3 == 0};

    assert_int_equal(wr_spill_push(s, &r, m), 0);
    wr_msg_unref(m);
}

static void
pop_expect(struct wr_spill *s, uint64_t i)
{
    struct wr_spill_rec r;
    struct wr_msg *m;

    assert_int_equal(wr_spill_pop(s, &r, &m), 0);
    assert_int_equal(r.seq, i);
    assert_int_equal(r.store_id, 0);
    assert_int_equal(r.expires, (int64_t)i * 10);
    assert_int_equal(r.size, size_of(i));
    assert_int_equal(r.redelivered, i % 3 == 0);
    assert_non_null(m);
    assert_int_equal(m->body_size, size_of(i));
    assert_int_equal(m->exchange_len, 1);
    assert_memory_equal(m->rk, "key", 3);
    assert_int_equal(m->delivery_mode, 2);
    for (size_t k = 0; k < m->body_size; k++)
        if (m->body[k] != (uint8_t)(i + k))
            fail_msg("record %llu: body byte %zu differs", (unsigned long long)i, k);
    wr_msg_unref(m);
}

/* 20000 records in, half out, 10000 more in, all out: order and content hold throughout. */
static void
test_order_and_content(void **state)
{
    struct wr_spill *s = wr_spill_new(dir);
    uint64_t in = 1, out = 1;

    (void)state;
    assert_non_null(s);
    for (; in <= 20000; in++)
        push(s, in);
    assert_int_equal(wr_spill_count(s), 20000);
    for (; out <= 10000; out++)
        pop_expect(s, out);
    for (; in <= 30000; in++)
        push(s, in);
    for (; out < in; out++)
        pop_expect(s, out);
    assert_int_equal(wr_spill_count(s), 0);
    assert_int_equal(wr_spill_bytes(s), 0);
    struct wr_spill_rec r;
    struct wr_msg *m;
    assert_int_equal(wr_spill_pop(s, &r, &m), 1);
    wr_spill_free(s);
}

/* One record at a time: the head is read back from the write buffer, with no flush. */
static void
test_alternating(void **state)
{
    struct wr_spill *s = wr_spill_new(dir);

    (void)state;
    for (uint64_t i = 1; i <= 5000; i++) {
        push(s, i);
        if (i % 2 == 0) {
            pop_expect(s, i - 1);
            pop_expect(s, i);
        }
    }
    assert_int_equal(wr_spill_count(s), 0);
    wr_spill_free(s);
}

static void
count_stored(const struct wr_spill_rec *r, void *arg)
{
    if (r->store_id != 0)
        (*(int *)arg)++;
}

/* Stored records carry no content; clear visits every record and the spill is usable after. */
static void
test_stored_and_clear(void **state)
{
    struct wr_spill *s = wr_spill_new(dir);
    struct wr_spill_rec r = {42, 1, 5, 1000, true}, got;
    struct wr_msg *m = (struct wr_msg *)1;
    int stored = 0;

    (void)state;
    assert_int_equal(wr_spill_push(s, &r, NULL), 0);
    push(s, 2);
    assert_int_equal(wr_spill_bytes(s), 1000 + size_of(2));
    assert_int_equal(wr_spill_pop(s, &got, &m), 0);
    assert_null(m);
    assert_int_equal(got.store_id, 42);
    assert_int_equal(got.size, 1000);
    assert_true(got.redelivered);
    for (uint64_t i = 3; i <= 3000; i++) {
        r.store_id = i % 2 ? i : 0;
        if (r.store_id)
            assert_int_equal(wr_spill_push(s, &r, NULL), 0);
        else
            push(s, i);
    }
    assert_int_equal(wr_spill_clear(s, count_stored, &stored), 1 + 2998);
    assert_int_equal(stored, 1499);
    assert_int_equal(wr_spill_count(s), 0);
    push(s, 7);
    pop_expect(s, 7);
    wr_spill_free(s);
}

static void
test_bad_dir(void **state)
{
    (void)state;
    assert_null(wr_spill_new("/proc/no/such/dir"));
}

static int
cleanup(void **state)
{
    char cmd[64];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_order_and_content),
            cmocka_unit_test(test_alternating),
            cmocka_unit_test(test_stored_and_clear),
            cmocka_unit_test(test_bad_dir),
    };

    if (mkdtemp(dir) == NULL)
        return 1;
    return cmocka_run_group_tests(tests, NULL, cleanup);
}
