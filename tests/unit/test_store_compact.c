/* SPDX-License-Identifier: MPL-2.0 */
/* Unit tests for store/: compaction (also killed mid-way), group commit (many syncs, few
 * fsyncs), and a large backlog held with bounded memory, with throughput figures printed. */
#include <config.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>

#include "tests/unit/test_store_util.h"

#define NMSG 600

static int
setup(void **state)
{
    *state = tenv_new();
    return 0;
}

static int
teardown(void **state)
{
    tenv_free(*state);
    return 0;
}

/* 600 x 1 KB in 64 KiB segments (about 10), then every message but each fifth acked. */
static void
fill_mostly_acked(struct tenv *t, uint64_t *ids)
{
    t->opts.segment_bytes = 64 * 1024;
    assert_non_null(tenv_open(t));
    for (unsigned i = 0; i < NMSG; i++) {
        ids[i] = msg_put(t->s, i, 1000, 0);
        assert_int_equal(wr_store_enqueue(t->s, 1, ids[i], i), 0);
        wr_store_unref(t->s, ids[i]);
    }
    assert_int_equal(tenv_sync(t), 0);
    for (unsigned i = 0; i < NMSG; i++)
        if (i % 5 != 0)
            assert_int_equal(wr_store_ack(t->s, 1, ids[i]), 0);
    assert_int_equal(tenv_sync(t), 0);
}

struct order {
    const uint64_t *ids;
    unsigned next, n;
    struct wr_store *s;
};

static int
check_order(const struct wr_store_entry *e, void *arg)
{
    struct order *o = arg;

    assert_int_equal(e->seq, o->next);
    assert_int_equal(e->msg_id, o->ids[o->next]);
    assert_int_equal(msg_check(o->s, e->msg_id, o->next, 1000), 0);
    o->next += 5;
    o->n++;
    return 0;
}

/* Reopens and checks exactly the unacked fifth survived, in order, with intact contents. */
static void
verify_reopen(struct tenv *t, const uint64_t *ids)
{
    struct order o = {.ids = ids};

    tenv_close(t);
    assert_non_null(tenv_open(t));
    o.s = t->s;
    assert_int_equal(wr_store_recover(t->s, check_order, &o), 0);
    assert_int_equal(o.n, NMSG / 5);
}

static int
compact_all(struct tenv *t)
{
    int rc, n = 0;

    while ((rc = wr_store_compact(t->s)) != 0) {
        if (rc == 1)
            n++;
        else
            assert_int_equal(rc, -EBUSY);
        assert_int_equal(tenv_sync(t), 0); /* runs the loop through the completion */
    }
    assert_int_equal(tenv_sync(t), 0); /* and through the unlinks */
    return n;
}

static void
test_compaction(void **state)
{
    struct tenv *t = *state;
    struct wr_store_stats before, after;
    uint64_t ids[NMSG];

    fill_mostly_acked(t, ids);
    wr_store_get_stats(t->s, &before);
    assert_true(compact_all(t) >= 5);
    wr_store_get_stats(t->s, &after);
    assert_true(after.segments < before.segments);
    assert_true(after.disk_bytes < before.disk_bytes / 2);
    assert_int_equal(after.live_bytes, before.live_bytes);
    for (unsigned i = 0; i < NMSG; i += 5)
        assert_int_equal(msg_check(t->s, ids[i], i, 1000), 0);
    assert_int_equal(t->warnings, 0);
    verify_reopen(t, ids);
    assert_int_equal(t->warnings, 0);
}

/* A child fills, compacts and dies at the given step; the parent recovers its directory. */
static void
crash_at(int step)
{
    struct tenv *t = tenv_new();
    uint64_t ids[NMSG];
    int status;
    pid_t pid = fork();

    assert_true(pid >= 0);
    if (pid == 0) {
        fill_mostly_acked(t, ids);
        tenv_close(t);
        t->opts.test_crash_step = step;
        if (!tenv_open(t))
            _exit(2);
        compact_all(t);
        _exit(0); /* the hook never fired */
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 77);
    /* The child's ids were assigned 1..NMSG in order; recompute them. */
    for (unsigned i = 0; i < NMSG; i++)
        ids[i] = i + 1;
    t->opts.segment_bytes = 64 * 1024;
    assert_non_null(tenv_open(t));
    verify_reopen(t, ids);
    assert_int_equal(t->warnings, 0); /* torn copies are never half-trusted */
    compact_all(t);
    verify_reopen(t, ids);
    tenv_free(t);
}

static void
test_compaction_crash(void **state)
{
    (void)state;
    for (int step = 1; step <= 3; step++)
        crash_at(step);
}

struct gc {
    unsigned next;
    int bad;
};

struct gc_arg {
    struct gc *gc;
    unsigned n;
};

static void
gc_done(int status, void *arg)
{
    struct gc_arg *a = arg;

    if (status != 0 || a->n != a->gc->next)
        a->gc->bad++;
    a->gc->next++;
}

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Each publish asks for its own sync, as a confirm channel would; the syncs must coalesce. */
static void
test_group_commit(void **state)
{
    struct tenv *t = *state;
    enum { N = 20000 };
    struct gc gc = {0};
    struct gc_arg *args = calloc(N, sizeof(*args));
    struct wr_store_stats st;
    double t0;

    assert_non_null(tenv_open(t));
    t0 = now_s();
    for (unsigned i = 0; i < N; i++) {
        uint64_t id = msg_put(t->s, i, 1024, 0);
        assert_int_equal(wr_store_enqueue(t->s, 1 + i % 4, id, i), 0);
        wr_store_unref(t->s, id);
        args[i] = (struct gc_arg){&gc, i};
        assert_int_equal(wr_store_sync(t->s, gc_done, &args[i]), 0);
        if (i % 64 == 0) /* let completions run as the loop would between reads */
            event_base_loop(t->base, EVLOOP_NONBLOCK);
    }
    while (gc.next < N)
        event_base_loop(t->base, EVLOOP_ONCE);
    double dt = now_s() - t0;
    wr_store_get_stats(t->s, &st);
    assert_int_equal(gc.bad, 0);
    assert_true(st.sync_rounds < N / 20);
    printf("# group commit: %u syncs of 1 KB messages in %.3f s: %llu rounds, %llu fsyncs "
           "(%.0f fsyncs/s), %.0f msgs/s\n",
           N, dt, (unsigned long long)st.sync_rounds, (unsigned long long)st.fsyncs,
           (double)st.fsyncs / dt, N / dt);
    free(args);
}

static unsigned
backlog_count(void)
{
    const char *e = getenv("WR_STORE_BACKLOG");
    return e ? (unsigned)strtoul(e, NULL, 10) : 200000;
}

struct bl {
    struct wr_store *s;
    uint64_t next_seq, n;
    uint8_t *body;
    int bad;
};

static int
bl_check(const struct wr_store_entry *e, void *arg)
{
    struct bl *b = arg;
    char h[32];

    if (e->seq != b->next_seq++ || wr_store_read(b->s, e->msg_id, h, b->body) != 0)
        b->bad++;
    else if (b->body[0] != (uint8_t)(e->seq * 31))
        b->bad++;
    b->n++;
    return 0;
}

/* A backlog of N x 1 KB: store memory must be the table plus bounded batches. */
static void
test_backlog_bounded(void **state)
{
    struct tenv *t = *state;
    unsigned n = backlog_count();
    struct wr_store_stats st;
    uint64_t max_mem = 0;
    double t0;

    assert_non_null(tenv_open(t));
    t0 = now_s();
    for (unsigned i = 0; i < n; i++) {
        uint64_t id = msg_put(t->s, i, 1024, 0);
        assert_int_equal(wr_store_enqueue(t->s, 1, id, i), 0);
        wr_store_unref(t->s, id);
        if (i % 1000 == 999) {
            assert_int_equal(wr_store_sync(t->s, NULL, NULL), 0);
            event_base_loop(t->base, EVLOOP_NONBLOCK);
            wr_store_get_stats(t->s, &st);
            max_mem = st.mem_bytes > max_mem ? st.mem_bytes : max_mem;
            /* Flow control, as the broker must apply it: publishers wait for the disk. */
            while (st.pending_bytes > 16u << 20) {
                event_base_loop(t->base, EVLOOP_ONCE);
                wr_store_get_stats(t->s, &st);
            }
        }
    }
    assert_int_equal(tenv_sync(t), 0);
    double dt = now_s() - t0;
    wr_store_get_stats(t->s, &st);
    printf("# backlog: %u x 1 KB in %.3f s: %.1f MB/s, %.0f msgs/s, %llu fsyncs; store memory "
           "%.1f MB peak, %.1f B/msg at rest\n",
           n, dt, st.disk_bytes / dt / 1e6, n / dt, (unsigned long long)st.fsyncs, max_mem / 1e6,
           (double)st.mem_bytes / n);
    /* Table slots (32 B at load >= 0.375) plus the batches flow control allows. */
    assert_true(max_mem < (uint64_t)n * 86 + 24u * 1024 * 1024);
    tenv_close(t);
    t0 = now_s();
    assert_non_null(tenv_open(t));
    double dr = now_s() - t0;
    struct bl b = {.s = t->s, .body = malloc(1024)};
    t0 = now_s();
    assert_int_equal(wr_store_recover(t->s, bl_check, &b), 0);
    printf("# recovery: open %.3f s, then %llu entries streamed and read in %.3f s\n", dr,
           (unsigned long long)b.n, now_s() - t0);
    assert_int_equal(b.bad, 0);
    assert_int_equal(b.n, n);
    free(b.body);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_compaction, setup, teardown),
            cmocka_unit_test_setup_teardown(test_compaction_crash, setup, teardown),
            cmocka_unit_test_setup_teardown(test_group_commit, setup, teardown),
            cmocka_unit_test_setup_teardown(test_backlog_bounded, setup, teardown),
    };
    return cmocka_run_group_tests_name("store_compact", tests, NULL, NULL);
}
