/* SPDX-License-Identifier: MPL-2.0 */
/* Unit tests for server/queue.c and server/queue_expiry.c on real broker objects: publish order,
 * requeue position (M-16), priorities (PR-01), length limits (L-01, L-02), purge, message TTL
 * (T-01, T-02) and the x-expires lease, with timers driven by the event loop. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/msg.h"
#include "server/queue.h"
#include "server/vhost.h"
#include "tests/unit/server_fixture.h"

/* Pops n entries and checks their bodies and redelivered flags, acking each. */
static void
expect_gets(struct wr_queue *q, const char *const *bodies, const bool *redelivered, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct wr_qentry *e = wr_queue_get(q);
        assert_non_null(e);
        if (!fx_body_is(e->msg, bodies[i]))
            fail_msg("get %zu: expected '%s', got '%.*s'", i, bodies[i], (int)e->msg->body_size,
                     (const char *)e->msg->body);
        if (redelivered != NULL)
            assert_int_equal(e->redelivered, redelivered[i]);
        wr_queue_ack(q, e);
    }
    assert_null(wr_queue_get(q));
}

static void
test_fifo(void **state)
{
    static const char *const bodies[] = {"m1", "m2", "m3", "m4", "m5"};
    static const bool fresh[] = {false, false, false, false, false};
    struct wr_queue *q = fx_queue(*state, "q", NULL);

    assert_null(wr_queue_get(q));
    for (size_t i = 0; i < 5; i++)
        assert_true(fx_push(q, "q", bodies[i], NULL));
    assert_int_equal(wr_queue_ready(q), 5);
    expect_gets(q, bodies, fresh, 5);
    assert_int_equal(wr_queue_ready(q), 0);
}

/* M-16: requeued messages go back to their publish position, not to the tail and not in the
 * order they were requeued, and are flagged redelivered. */
static void
test_requeue_original_position(void **state)
{
    static const char *const bodies[] = {"1", "2", "3", "4", "5"};
    static const bool redelivered[] = {true, true, true, false, false};
    struct wr_queue *q = fx_queue(*state, "q", NULL);
    struct wr_qentry *e[3];

    for (size_t i = 0; i < 5; i++)
        fx_push(q, "q", bodies[i], NULL);
    for (size_t i = 0; i < 3; i++)
        e[i] = wr_queue_get(q);
    assert_int_equal(wr_queue_ready(q), 2);
    wr_queue_requeue(q, e[1]);
    wr_queue_requeue(q, e[2]);
    wr_queue_requeue(q, e[0]);
    assert_int_equal(wr_queue_ready(q), 5);
    expect_gets(q, bodies, redelivered, 5);
}

/* A message published after a get still queues behind the requeued one. */
static void
test_requeue_before_later_publish(void **state)
{
    static const char *const bodies[] = {"a", "b", "c"};
    static const bool redelivered[] = {true, false, false};
    struct wr_queue *q = fx_queue(*state, "q", NULL);
    struct wr_qentry *e;

    fx_push(q, "q", "a", NULL);
    fx_push(q, "q", "b", NULL);
    e = wr_queue_get(q);
    fx_push(q, "q", "c", NULL);
    wr_queue_requeue(q, e);
    expect_gets(q, bodies, redelivered, 3);
}

static void
push_prio(struct wr_queue *q, const char *body, uint8_t prio)
{
    struct wr_props p = {.flags = WR_P_PRIORITY, .priority = prio};

    assert_true(fx_push(q, "q", body, &p));
}

/* PR-01: higher first, FIFO among equals, priorities above the maximum count as the maximum. */
static void
test_priority_order(void **state)
{
    static const struct fx_arg args[] = {FX_INT("x-max-priority", 5), FX_END};
    static const struct {
        const char *body;
        uint8_t prio;
    } in[] = {{"p0", 0}, {"p9", 9}, {"p3", 3}, {"p5", 5}, {"p1", 1}, {"p5b", 5}};
    static const char *const out[] = {"p9", "p5", "p5b", "p3", "p1", "p0"};
    struct wr_queue *q = fx_queue(*state, "q", args);

    for (size_t i = 0; i < 6; i++)
        push_prio(q, in[i].body, in[i].prio);
    expect_gets(q, out, NULL, 6);
}

/* PR-01: without x-max-priority the priority property is ignored. */
static void
test_priority_ignored_without_max(void **state)
{
    static const char *const out[] = {"p0", "p9", "p3"};
    struct wr_queue *q = fx_queue(*state, "q", NULL);

    push_prio(q, "p0", 0);
    push_prio(q, "p9", 9);
    push_prio(q, "p3", 3);
    expect_gets(q, out, NULL, 3);
}

/* A requeued priority message returns ahead of lower levels and of later equals. */
static void
test_priority_requeue(void **state)
{
    static const struct fx_arg args[] = {FX_INT("x-max-priority", 5), FX_END};
    static const char *const out[] = {"hi", "hi2", "lo"};
    struct wr_queue *q = fx_queue(*state, "q", args);
    struct wr_qentry *e;

    push_prio(q, "lo", 1);
    push_prio(q, "hi", 4);
    e = wr_queue_get(q);
    assert_true(fx_body_is(e->msg, "hi"));
    push_prio(q, "hi2", 4);
    wr_queue_requeue(q, e);
    expect_gets(q, out, NULL, 3);
}

/* L-01: default overflow drop-head keeps the newest; unacked messages do not count. */
static void
test_max_length_drop_head(void **state)
{
    static const struct fx_arg args[] = {FX_INT("x-max-length", 2), FX_END};
    static const char *const out[] = {"m4", "m5"};
    struct wr_queue *q = fx_queue(*state, "q", args);
    struct wr_qentry *e;

    for (int i = 0; i < 4; i++) {
        char b[8];
        snprintf(b, sizeof(b), "m%d", i);
        assert_true(fx_push(q, "q", b, NULL)); /* drop-head never refuses */
    }
    assert_int_equal(wr_queue_ready(q), 2);
    e = wr_queue_get(q);
    assert_true(fx_body_is(e->msg, "m2"));
    /* m2 is unacked: m4 fits beside m3, m5 pushes m3 out */
    fx_push(q, "q", "m4", NULL);
    assert_int_equal(wr_queue_ready(q), 2);
    fx_push(q, "q", "m5", NULL);
    assert_int_equal(wr_queue_ready(q), 2);
    wr_queue_ack(q, e);
    expect_gets(q, out, NULL, 2);
}

/* L-01: max-length 0 drops every message. */
static void
test_max_length_zero(void **state)
{
    static const struct fx_arg args[] = {FX_INT("x-max-length", 0), FX_END};
    struct wr_queue *q = fx_queue(*state, "q", args);

    assert_true(fx_push(q, "q", "gone", NULL));
    assert_int_equal(wr_queue_ready(q), 0);
    assert_null(wr_queue_get(q));
}

/* L-01 as observed: limit 10 bytes, bodies of 5, 5, 3 → the head is dropped until it fits. */
static void
test_max_length_bytes(void **state)
{
    static const struct fx_arg args[] = {FX_INT("x-max-length-bytes", 10), FX_END};
    static const char *const out[] = {"12345", "123"};
    struct wr_queue *q = fx_queue(*state, "q", args);

    fx_push(q, "q", "abcde", NULL);
    fx_push(q, "q", "12345", NULL);
    assert_int_equal(wr_queue_ready(q), 2); /* exactly at the limit is allowed */
    fx_push(q, "q", "123", NULL);
    assert_int_equal(wr_queue_ready(q), 2);
    expect_gets(q, out, NULL, 2);
}

/* L-02: reject-publish refuses new messages when full and keeps the old ones. */
static void
test_reject_publish(void **state)
{
    static const struct fx_arg len_args[] = {FX_INT("x-max-length", 2),
                                             FX_STR("x-overflow", "reject-publish"), FX_END};
    static const struct fx_arg byte_args[] = {FX_INT("x-max-length-bytes", 4),
                                              FX_STR("x-overflow", "reject-publish"), FX_END};
    static const char *const out[] = {"m1", "m3"};
    struct fx *f = *state;
    struct wr_queue *q = fx_queue(f, "q", len_args);
    struct wr_queue *qb = fx_queue(f, "qb", byte_args);

    assert_true(fx_push(q, "q", "m0", NULL));
    assert_true(fx_push(q, "q", "m1", NULL));
    assert_false(fx_push(q, "q", "m2", NULL));
    assert_int_equal(wr_queue_ready(q), 2);
    fx_get_ack(q, "m0");
    assert_true(fx_push(q, "q", "m3", NULL)); /* room again */
    expect_gets(q, out, NULL, 2);

    assert_true(fx_push(qb, "qb", "abcd", NULL));
    assert_false(fx_push(qb, "qb", "e", NULL));
    assert_int_equal(wr_queue_ready(qb), 1);
}

/* Purge drops ready messages only and reports how many; unacked ones survive and requeue. */
static void
test_purge_ready_only(void **state)
{
    struct wr_queue *q = fx_queue(*state, "q", NULL);
    struct wr_qentry *e;

    fx_push(q, "q", "a", NULL);
    fx_push(q, "q", "b", NULL);
    fx_push(q, "q", "c", NULL);
    e = wr_queue_get(q);
    assert_int_equal(wr_queue_purge(q), 2);
    assert_int_equal(wr_queue_ready(q), 0);
    assert_int_equal(wr_queue_purge(q), 0);
    wr_queue_requeue(q, e);
    assert_int_equal(wr_queue_ready(q), 1);
    fx_get_ack(q, "a");
}

/* T-01: classic queues expire only at the head; an expired message behind a live one stays
 * counted until it reaches the head, and is then dropped, never delivered. */
static void
test_ttl_head_only(void **state)
{
    struct fx *f = *state;
    struct wr_queue *q = fx_queue(f, "q", NULL);

    fx_push_exp(q, "long", "60000");
    fx_push_exp(q, "short", "30");
    fx_run(f, 120);
    assert_int_equal(wr_queue_ready(q), 2);
    /* a publish looks at the head only: the expired message behind it is still counted */
    fx_push_exp(q, "third", NULL);
    assert_int_equal(wr_queue_ready(q), 3);
    fx_get_ack(q, "long");
    fx_get_ack(q, "third"); /* "short" is never delivered */
    assert_null(wr_queue_get(q));
}

/* T-01: an expired message is dropped as soon as it reaches the head, so the count after a get
 * (basic.get-ok message-count, queue.declare-ok) no longer includes it (rabbit_amqqueue_process
 * runs drop_expired_msgs after every fetch). */
static void
test_ttl_dropped_on_reaching_head(void **state)
{
    struct fx *f = *state;
    struct wr_queue *q = fx_queue(f, "q", NULL);

    fx_push_exp(q, "long", "60000");
    fx_push_exp(q, "short", "30");
    fx_push_exp(q, "third", NULL);
    fx_run(f, 80);
    fx_get_ack(q, "long");
    assert_int_equal(wr_queue_ready(q), 1);
    fx_get_ack(q, "third");
    assert_null(wr_queue_get(q));
    assert_int_equal(wr_queue_ready(q), 0);
}

/* T-01: an expiring head goes by the queue's timer, with nobody calling into the queue. */
static void
test_ttl_timer_expires_head(void **state)
{
    struct fx *f = *state;
    struct wr_queue *q = fx_queue(f, "q", NULL);
    struct fx_count empty = {q, 0}, one = {q, 1};

    fx_push_exp(q, "a", "30");
    fx_push_exp(q, "b", "60000");
    assert_int_equal(wr_queue_ready(q), 2);
    assert_true(fx_wait(f, fx_ready_is, &one, 2000));
    fx_get_ack(q, "b");
    /* and alone in the queue */
    fx_push_exp(q, "c", "30");
    assert_int_equal(wr_queue_ready(q), 1);
    assert_true(fx_wait(f, fx_ready_is, &empty, 2000));
}

/* T-01: expiration "0" expires at once when nobody can take the message. */
static void
test_ttl_zero(void **state)
{
    struct wr_queue *q = fx_queue(*state, "q", NULL);

    fx_push_exp(q, "now", "0");
    assert_int_equal(wr_queue_ready(q), 0);
}

/* T-02: the lower of x-message-ttl and the expiration property applies. */
static void
test_ttl_lower_wins(void **state)
{
    static const struct {
        int64_t queue_ttl; /* -1: no x-message-ttl */
        const char *exp;   /* NULL: no expiration */
        bool expires;
    } rows[] = {
            {30, "60000", true},     {60000, "30", true},  {30, NULL, true},
            {60000, "60000", false}, {-1, "60000", false}, {60000, NULL, false},
    };
    struct fx *f = *state;
    struct wr_queue *q[6];

    for (size_t i = 0; i < 6; i++) {
        struct fx_arg args[] = {FX_LONG("x-message-ttl", rows[i].queue_ttl), FX_END};
        char name[8];
        snprintf(name, sizeof(name), "q%zu", i);
        q[i] = fx_queue(f, name, rows[i].queue_ttl >= 0 ? args : NULL);
        fx_push_exp(q[i], "m", rows[i].exp);
    }
    fx_run(f, 150);
    for (size_t i = 0; i < 6; i++) {
        if (wr_queue_ready(q[i]) != (rows[i].expires ? 0 : 1))
            fail_msg("row %zu: ready %u", i, wr_queue_ready(q[i]));
    }
}

/* T-01 [D]: a requeued message keeps its original expiry instead of starting over. */
static void
test_ttl_kept_on_requeue(void **state)
{
    struct fx *f = *state;
    struct wr_queue *q = fx_queue(f, "q", NULL);
    struct wr_qentry *e;

    fx_push_exp(q, "m", "40");
    e = wr_queue_get(q);
    assert_non_null(e);
    fx_run(f, 80);
    wr_queue_requeue(q, e);
    assert_int_equal(wr_queue_ready(q), 0);
    assert_null(wr_queue_get(q));
}

static bool
queue_gone(void *arg)
{
    struct fx *f = arg;

    return wr_vhost_queue(f->vh, "q", 1) == NULL;
}

/* T-03: x-expires deletes a queue nobody uses, ready messages and all. */
static void
test_expires_deletes_unused(void **state)
{
    static const struct fx_arg args[] = {FX_INT("x-expires", 30), FX_END};
    struct fx *f = *state;
    struct wr_queue *q = fx_queue(f, "q", args);

    fx_push(q, "q", "m", NULL);
    assert_ptr_equal(wr_vhost_queue(f->vh, "q", 1), q);
    assert_true(fx_wait(f, queue_gone, f, 2000));
}

/* T-03: touching the queue (declare, basic.get) renews the lease. */
static void
test_expires_renewed_by_touch(void **state)
{
    static const struct fx_arg args[] = {FX_INT("x-expires", 200), FX_END};
    struct fx *f = *state;
    struct wr_queue *q = fx_queue(f, "q", args);

    for (int i = 0; i < 20; i++) { /* 400 ms, twice the lease */
        fx_run(f, 20);
        wr_queue_touch(q);
    }
    assert_ptr_equal(wr_vhost_queue(f->vh, "q", 1), q);
    assert_true(fx_wait(f, queue_gone, f, 3000));
}

/* Without x-expires nothing deletes the queue. */
static void
test_no_expires_stays(void **state)
{
    struct fx *f = *state;
    struct wr_queue *q = fx_queue(f, "q", NULL);

    fx_run(f, 50);
    assert_ptr_equal(wr_vhost_queue(f->vh, "q", 1), q);
}

/* Delete unregisters, returns the ready count, and an entry settled afterwards is just freed. */
static void
test_delete(void **state)
{
    struct fx *f = *state;
    struct wr_queue *q = fx_queue(f, "q", NULL);
    struct wr_qentry *e;

    fx_push(q, "q", "a", NULL);
    fx_push(q, "q", "b", NULL);
    fx_push(q, "q", "c", NULL);
    e = wr_queue_get(q);
    wr_queue_ref(q); /* as a channel holding an unacked delivery does */
    assert_int_equal(wr_queue_delete(q, false), 2);
    assert_true(wr_queue_is_deleted(q));
    assert_null(wr_vhost_queue(f->vh, "q", 1));
    assert_int_equal(wr_queue_delete(q, false), 0);
    wr_queue_requeue(q, e);
    assert_int_equal(wr_queue_ready(q), 0);
    wr_queue_unref(q);
}

/* ---- backlogs past the in-memory window (the spill) ------------------------------------- */

#define BACKLOG 5000

/* Points the fixture's data dir at a fresh directory, where queues spill. */
static void
spill_dir(struct fx *f, char *dir)
{
    assert_non_null(mkdtemp(dir));
    f->cfg.data_dir = dir;
}

static void
rm_dir(const char *dir)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void
push_range(struct wr_queue *q, int first, int last)
{
    char body[32];

    for (int i = first; i <= last; i++) {
        snprintf(body, sizeof(body), "m%d", i);
        assert_true(fx_push(q, "q", body, NULL));
    }
}

/* Gets n messages, expecting m<first>.. in order with the first nredelivered redelivered. */
static void
expect_range(struct wr_queue *q, int first, int n, int nredelivered)
{
    char want[32];

    for (int i = 0; i < n; i++) {
        struct wr_qentry *e = wr_queue_get(q);
        snprintf(want, sizeof(want), "m%d", first + i);
        assert_non_null(e);
        if (!fx_body_is(e->msg, want))
            fail_msg("get %d: expected %s, got '%.*s'", i, want, (int)e->msg->body_size,
                     (const char *)e->msg->body);
        assert_int_equal(e->redelivered, i < nredelivered);
        wr_queue_ack(q, e);
    }
}

/* P-02, M-16: order and requeue position hold across the window and the spill. */
static void
test_spill_order_and_requeue(void **state)
{
    char dir[] = "/tmp/test_queue_XXXXXX";
    struct wr_queue *q;
    struct wr_qentry *e[10];

    spill_dir(*state, dir);
    q = fx_queue(*state, "q", NULL);
    uint64_t live = wr_msg_live_bytes();
    push_range(q, 1, BACKLOG);
    assert_int_equal(wr_queue_ready(q), BACKLOG);
    /* only the window's 1024 messages stay in memory, however long the backlog */
    assert_in_range(wr_msg_live_bytes() - live, 1, 1024 * (sizeof(struct wr_msg) + 64));
    for (int i = 0; i < 10; i++)
        e[i] = wr_queue_get(q);
    for (int i = 9; i >= 0; i--)
        wr_queue_requeue(q, e[i]);
    push_range(q, BACKLOG + 1, BACKLOG + 100);
    expect_range(q, 1, BACKLOG + 100, 10);
    assert_null(wr_queue_get(q));
    rm_dir(dir);
}

/* L-01 over a spilled backlog: drop-head keeps the newest; x-max-length-bytes counts spilled
 * bodies too. */
static void
test_spill_limits(void **state)
{
    static const struct fx_arg len[] = {FX_INT("x-max-length", 1500), FX_END};
    static const struct fx_arg bytes[] = {FX_INT("x-max-length-bytes", 6 * 2000), FX_END};
    char dir[] = "/tmp/test_queue_XXXXXX";
    struct wr_queue *q, *qb;

    spill_dir(*state, dir);
    q = fx_queue(*state, "q", len);
    push_range(q, 1, 4000);
    assert_int_equal(wr_queue_ready(q), 1500);
    expect_range(q, 2501, 1500, 0);
    qb = fx_queue(*state, "qb", bytes);
    push_range(qb, 100000, 103999); /* 7-byte bodies: 1714 fit in 12000 bytes */
    assert_int_equal(wr_queue_ready(qb), 12000 / 7);
    expect_range(qb, 104000 - 12000 / 7, 12000 / 7, 0);
    rm_dir(dir);
}

/* Purge and delete count and drop the spilled messages; the queue works on after a purge. */
static void
test_spill_purge_delete(void **state)
{
    char dir[] = "/tmp/test_queue_XXXXXX";
    struct wr_queue *q, *q2;

    spill_dir(*state, dir);
    q = fx_queue(*state, "q", NULL);
    push_range(q, 1, BACKLOG);
    assert_int_equal(wr_queue_purge(q), BACKLOG);
    assert_int_equal(wr_queue_ready(q), 0);
    push_range(q, 1, 2);
    expect_range(q, 1, 2, 0);
    q2 = fx_queue(*state, "q2", NULL);
    push_range(q2, 1, BACKLOG);
    assert_int_equal(wr_queue_delete(q2, false), BACKLOG);
    rm_dir(dir);
}

/* PR-01 over spilled backlogs: each level spills past its own window, higher levels first,
 * FIFO within a level. */
static void
test_spill_priority(void **state)
{
    static const struct fx_arg args[] = {FX_INT("x-max-priority", 5), FX_END};
    char dir[] = "/tmp/test_queue_XXXXXX", body[32];
    struct wr_queue *q;
    struct wr_qentry *e;

    spill_dir(*state, dir);
    q = fx_queue(*state, "q", args);
    uint64_t live = wr_msg_live_bytes();
    for (int i = 1; i <= 2 * BACKLOG; i++) {
        snprintf(body, sizeof(body), "m%d", i);
        push_prio(q, body, i % 2 ? 5 : 0);
    }
    assert_int_equal(wr_queue_ready(q), 2 * BACKLOG);
    /* one window per level in use */
    assert_in_range(wr_msg_live_bytes() - live, 1, 2 * 1024 * (sizeof(struct wr_msg) + 64));
    for (int i = 0; i < 2 * BACKLOG; i++) {
        int want = i < BACKLOG ? 2 * i + 1 : 2 * (i - BACKLOG) + 2;
        snprintf(body, sizeof(body), "m%d", want);
        e = wr_queue_get(q);
        assert_non_null(e);
        if (!fx_body_is(e->msg, body))
            fail_msg("get %d: expected %s", i, body);
        wr_queue_ack(q, e);
    }
    assert_null(wr_queue_get(q));
    rm_dir(dir);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
    const struct CMUnitTest tests[] = {
            T(test_fifo),
            T(test_requeue_original_position),
            T(test_requeue_before_later_publish),
            T(test_priority_order),
            T(test_priority_ignored_without_max),
            T(test_priority_requeue),
            T(test_max_length_drop_head),
            T(test_max_length_zero),
            T(test_max_length_bytes),
            T(test_reject_publish),
            T(test_purge_ready_only),
            T(test_ttl_head_only),
            T(test_ttl_dropped_on_reaching_head),
            T(test_ttl_timer_expires_head),
            T(test_ttl_zero),
            T(test_ttl_lower_wins),
            T(test_ttl_kept_on_requeue),
            T(test_expires_deletes_unused),
            T(test_expires_renewed_by_touch),
            T(test_no_expires_stays),
            T(test_delete),
            T(test_spill_order_and_requeue),
            T(test_spill_limits),
            T(test_spill_purge_delete),
            T(test_spill_priority),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
