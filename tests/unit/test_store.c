/* SPDX-License-Identifier: MPL-2.0 */
/* Unit tests for store/: round trips, shared messages, acks, restart recovery with order and
 * redelivered flags, transient records, and damaged files (torn tails, flipped bits). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "tests/unit/test_store_util.h"

uint32_t store_crc32c(uint32_t crc, const void *buf, size_t len);

static int
setup(void **state)
{
    struct tenv *t = tenv_new();

    *state = t;
    return tenv_open(t) ? 0 : -1;
}

static int
teardown(void **state)
{
    tenv_free(*state);
    return 0;
}

/* Collected recovery output. */
struct got {
    size_t n;
    struct wr_store_entry e[4096];
};

static int
collect(const struct wr_store_entry *e, void *arg)
{
    struct got *g = arg;

    if (g->n < 4096)
        g->e[g->n++] = *e;
    return 0;
}

static struct got *
reopen_and_recover(struct tenv *t)
{
    struct got *g = calloc(1, sizeof(*g));

    tenv_close(t);
    assert_non_null(tenv_open(t));
    assert_int_equal(wr_store_recover(t->s, collect, g), 0);
    return g;
}

static void
test_crc32c(void **state)
{
    (void)state;
    assert_int_equal(store_crc32c(0, "123456789", 9), 0xe3069283u);
    assert_int_equal(store_crc32c(store_crc32c(0, "1234", 4), "56789", 5), 0xe3069283u);
    assert_int_equal(store_crc32c(0, "", 0), 0);
}

static void
test_roundtrip(void **state)
{
    struct tenv *t = *state;
    uint64_t ids[300];

    for (unsigned i = 0; i < 300; i++) {
        ids[i] = msg_put(t->s, i, 100 + i, 0);
        assert_true(ids[i] != 0);
        assert_int_equal(wr_store_enqueue(t->s, 1 + i % 3, ids[i], i), 0);
        wr_store_unref(t->s, ids[i]);
    }
    for (unsigned i = 0; i < 300; i++) /* served from the unwritten batch */
        assert_int_equal(msg_check(t->s, ids[i], i, 100 + i), 0);
    assert_int_equal(tenv_sync(t), 0);
    for (unsigned i = 0; i < 300; i++) /* from the file */
        assert_int_equal(msg_check(t->s, ids[i], i, 100 + i), 0);
    struct wr_store_stats st;
    wr_store_get_stats(t->s, &st);
    assert_int_equal(st.messages, 300);
    assert_true(st.live_bytes == st.disk_bytes);
    assert_int_equal(wr_store_read(t->s, 999999, NULL, NULL), -ENOENT);
}

static void
test_shared_written_once(void **state)
{
    struct tenv *t = *state;
    struct wr_store_stats st;
    uint64_t id = msg_put(t->s, 7, 1000, 0);

    for (uint64_t q = 1; q <= 5; q++)
        assert_int_equal(wr_store_enqueue(t->s, q, id, 1), 0);
    wr_store_unref(t->s, id);
    assert_int_equal(tenv_sync(t), 0);
    wr_store_get_stats(t->s, &st);
    assert_int_equal(st.disk_bytes, (32 + 5 + 1000 + 7) & ~7u); /* one record */
    for (uint64_t q = 1; q <= 4; q++)
        assert_int_equal(wr_store_ack(t->s, q, id), 0);
    assert_int_equal(msg_check(t->s, id, 7, 1000), 0);
    assert_int_equal(wr_store_ack(t->s, 5, id), 0);
    uint32_t hl, bl;
    assert_int_equal(wr_store_msg_info(t->s, id, &hl, &bl), -ENOENT);
    wr_store_get_stats(t->s, &st);
    assert_int_equal(st.live_bytes, 0);
    assert_int_equal(st.messages, 0);
    assert_int_equal(tenv_sync(t), 0);
    struct got *g = reopen_and_recover(t);
    assert_int_equal(g->n, 0);
    free(g);
}

/* Two queues sharing messages; acks on even ones in q1, delivered markers on some. */
static void
test_restart_order_redelivered(void **state)
{
    struct tenv *t = *state;
    uint64_t ids[60];

    for (unsigned i = 0; i < 60; i++) {
        ids[i] = msg_put(t->s, i, 64, 0);
        assert_int_equal(wr_store_enqueue(t->s, 1, ids[i], 1000 + i), 0);
        if (i % 3 == 0)
            assert_int_equal(wr_store_enqueue(t->s, 2, ids[i], 2000 + i), 0);
        wr_store_unref(t->s, ids[i]);
    }
    for (unsigned i = 0; i < 60; i++) {
        if (i % 5 == 1)
            assert_int_equal(wr_store_delivered(t->s, 1, ids[i]), 0);
        if (i % 2 == 0)
            assert_int_equal(wr_store_ack(t->s, 1, ids[i]), 0);
    }
    assert_int_equal(tenv_sync(t), 0);
    for (int round = 0; round < 2; round++) { /* the second open reads the rewritten index */
        struct got *g = reopen_and_recover(t);
        size_t n1 = 0, n2 = 0;
        unsigned next1 = 1, next2 = 0;
        for (size_t k = 0; k < g->n; k++) {
            const struct wr_store_entry *e = &g->e[k];
            unsigned i = (unsigned)(e->seq % 1000);
            assert_int_equal(e->msg_id, ids[i]);
            assert_int_equal(msg_check(t->s, e->msg_id, i, 64), 0);
            if (e->qid == 1) {
                assert_int_equal(i, next1); /* odd ones, in order */
                next1 += 2;
                assert_int_equal(e->redelivered, i % 5 == 1);
                n1++;
            } else {
                assert_int_equal(e->qid, 2);
                assert_int_equal(i, next2);
                next2 += 3;
                assert_false(e->redelivered);
                n2++;
            }
        }
        assert_int_equal(n1, 30);
        assert_int_equal(n2, 20);
        free(g);
    }
    assert_int_equal(t->warnings, 0);
    /* New ids never reuse recovered ones. */
    uint64_t nid = msg_put(t->s, 99, 10, 0);
    assert_true(nid > ids[59]);
}

static void
test_transient_dropped(void **state)
{
    struct tenv *t = *state;
    uint64_t tid = msg_put(t->s, 1, 500, WR_STORE_TRANSIENT);
    uint64_t pid = msg_put(t->s, 2, 500, 0);

    assert_int_equal(wr_store_enqueue(t->s, 9, pid, 1), 0);
    wr_store_unref(t->s, pid);
    assert_int_equal(tenv_sync(t), 0);
    assert_int_equal(msg_check(t->s, tid, 1, 500), 0); /* paged out, readable */
    struct got *g = reopen_and_recover(t);
    uint32_t hl, bl;
    assert_int_equal(g->n, 1);
    assert_int_equal(g->e[0].msg_id, pid);
    assert_int_equal(wr_store_msg_info(t->s, tid, &hl, &bl), -ENOENT);
    free(g);
}

static void
test_queue_delete(void **state)
{
    struct tenv *t = *state;
    uint64_t a = msg_put(t->s, 1, 10, 0), b;

    assert_int_equal(wr_store_enqueue(t->s, 4, a, 1), 0);
    wr_store_unref(t->s, a);
    assert_int_equal(tenv_sync(t), 0);
    wr_store_unref(t->s, a); /* the queue's reference */
    assert_int_equal(wr_store_queue_delete(t->s, 4), 0);
    b = msg_put(t->s, 2, 10, 0); /* re-declared with the same id */
    assert_int_equal(wr_store_enqueue(t->s, 4, b, 2), 0);
    wr_store_unref(t->s, b);
    assert_int_equal(tenv_sync(t), 0);
    struct got *g = reopen_and_recover(t);
    assert_int_equal(g->n, 1);
    assert_int_equal(g->e[0].msg_id, b);
    free(g);
}

/* Writes 20 messages of 200 bytes into queue 1 and closes; returns the segment path. */
static void
fill_and_close(struct tenv *t, uint64_t *ids, char *seg, size_t cap)
{
    for (unsigned i = 0; i < 20; i++) {
        ids[i] = msg_put(t->s, i, 200, 0);
        assert_int_equal(wr_store_enqueue(t->s, 1, ids[i], i), 0);
        wr_store_unref(t->s, ids[i]);
    }
    assert_int_equal(tenv_sync(t), 0);
    tenv_close(t);
    snprintf(seg, cap, "%s/msgs/msg.00000001", t->dir);
}

static void
flip(const char *path, off_t off)
{
    int fd = open(path, O_RDWR);
    uint8_t c;

    assert_true(fd >= 0);
    assert_int_equal(pread(fd, &c, 1, off), 1);
    c ^= 0x10;
    assert_int_equal(pwrite(fd, &c, 1, off), 1);
    close(fd);
}

#define REC 240 /* 32 + "hdr-N"(5 or 6) + 200, aligned: every record here is 240 bytes */

static void
expect_all_but(struct tenv *t, const uint64_t *ids, unsigned lost)
{
    struct got *g = calloc(1, sizeof(*g));
    unsigned i = 0;

    assert_non_null(tenv_open(t));
    assert_int_equal(wr_store_recover(t->s, collect, g), 0);
    assert_int_equal(g->n, lost < 20 ? 19 : 20);
    for (size_t k = 0; k < g->n; k++, i++) {
        if (i == lost)
            i++;
        assert_int_equal(g->e[k].msg_id, ids[i]);
        assert_int_equal(msg_check(t->s, ids[i], i, 200), 0);
    }
    free(g);
}

static void
test_torn_tail(void **state)
{
    struct tenv *t = *state;
    uint64_t ids[20];
    char seg[128];

    fill_and_close(t, ids, seg, sizeof(seg));
    assert_int_equal(truncate(seg, 19 * REC + 100), 0); /* the last record half written */
    t->warnings = 0;
    expect_all_but(t, ids, 19);
    assert_true(t->warnings >= 1);
    struct stat st;
    assert_int_equal(stat(seg, &st), 0);
    assert_int_equal(st.st_size, 19 * REC); /* torn tail cut off */
    tenv_close(t);
    t->warnings = 0;
    expect_all_but(t, ids, 19); /* warned once: the second open is clean */
    assert_int_equal(t->warnings, 0);
}

static void
test_bitflip_body(void **state)
{
    struct tenv *t = *state;
    uint64_t ids[20];
    char seg[128];

    fill_and_close(t, ids, seg, sizeof(seg));
    flip(seg, 10 * REC + 100);
    t->warnings = 0;
    expect_all_but(t, ids, 10);
    assert_true(t->warnings >= 2); /* the record, and the queue entry that lost it */
}

static void
test_bitflip_header(void **state)
{
    struct tenv *t = *state;
    uint64_t ids[20];
    char seg[128];

    fill_and_close(t, ids, seg, sizeof(seg));
    flip(seg, 10 * REC + 26); /* hdr_len: the length cannot be trusted; resync */
    t->warnings = 0;
    expect_all_but(t, ids, 10);
    assert_true(t->warnings >= 2);
}

/* The index file of queue 1, the queue fill_and_close() fills. */
static void
idx_of(const struct tenv *t, char *out, size_t cap)
{
    snprintf(out, cap, "%s/queues/%016x.idx", t->dir, 1);
}

static void
test_bitflip_qindex(void **state)
{
    struct tenv *t = *state;
    uint64_t ids[20];
    char seg[128], idx[128];

    fill_and_close(t, ids, seg, sizeof(seg));
    idx_of(t, idx, sizeof(idx));
    flip(idx, 5 * 24 + 9);
    t->warnings = 0;
    expect_all_but(t, ids, 5);
    assert_true(t->warnings >= 1);
}

static off_t
file_size(const char *path)
{
    struct stat st;

    assert_int_equal(stat(path, &st), 0);
    return st.st_size;
}

/* Zeros after the last record (a file extended but not written, as a crash can leave it) are
 * the clean end: recovered without a warning, and cut off. */
static void
append_zeros(const char *path, size_t n)
{
    uint8_t zero[4096] = {0};
    int fd = open(path, O_WRONLY | O_APPEND);

    assert_true(fd >= 0);
    for (size_t done = 0; done < n; done += sizeof(zero))
        assert_int_equal(write(fd, zero, sizeof(zero)), (ssize_t)sizeof(zero));
    close(fd);
}

static void
test_zero_tail_clean_end(void **state)
{
    struct tenv *t = *state;
    uint64_t ids[20];
    char seg[128], idx[128];

    fill_and_close(t, ids, seg, sizeof(seg));
    idx_of(t, idx, sizeof(idx));
    append_zeros(seg, 8192);
    append_zeros(idx, 8192);
    t->warnings = 0;
    expect_all_but(t, ids, 20);
    assert_int_equal(t->warnings, 0);
    assert_int_equal(file_size(seg), 20 * REC);
    assert_int_equal(file_size(idx), 20 * 24);
}

/* Zeros with records after them are damage, not the end: the later records still count. */
static void
test_zero_record_inside_qindex(void **state)
{
    struct tenv *t = *state;
    uint64_t ids[20];
    char seg[128], idx[128];
    uint8_t zero[24] = {0};

    fill_and_close(t, ids, seg, sizeof(seg));
    idx_of(t, idx, sizeof(idx));
    int fd = open(idx, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, zero, sizeof(zero), 7 * 24), 24);
    close(fd);
    t->warnings = 0;
    expect_all_but(t, ids, 7);
    assert_true(t->warnings >= 1);
}

static void
test_garbage_files_ignored(void **state)
{
    struct tenv *t = *state;
    uint64_t ids[20];
    char seg[128], p[160];

    fill_and_close(t, ids, seg, sizeof(seg));
    snprintf(p, sizeof(p), "%s/msgs/msg.1", t->dir); /* not a canonical name */
    FILE *f = fopen(p, "w");
    fputs("junk", f);
    fclose(f);
    snprintf(p, sizeof(p), "%s/msgs/msg.00000009", t->dir); /* random bytes in a segment */
    f = fopen(p, "w");
    for (int i = 0; i < 5000; i++)
        fputc((i * 7919) & 0xff, f);
    fclose(f);
    expect_all_but(t, ids, 20);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_crc32c),
            cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
            cmocka_unit_test_setup_teardown(test_shared_written_once, setup, teardown),
            cmocka_unit_test_setup_teardown(test_restart_order_redelivered, setup, teardown),
            cmocka_unit_test_setup_teardown(test_transient_dropped, setup, teardown),
            cmocka_unit_test_setup_teardown(test_queue_delete, setup, teardown),
            cmocka_unit_test_setup_teardown(test_torn_tail, setup, teardown),
            cmocka_unit_test_setup_teardown(test_bitflip_body, setup, teardown),
            cmocka_unit_test_setup_teardown(test_bitflip_header, setup, teardown),
            cmocka_unit_test_setup_teardown(test_bitflip_qindex, setup, teardown),
            cmocka_unit_test_setup_teardown(test_zero_tail_clean_end, setup, teardown),
            cmocka_unit_test_setup_teardown(test_zero_record_inside_qindex, setup, teardown),
            cmocka_unit_test_setup_teardown(test_garbage_files_ignored, setup, teardown),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
