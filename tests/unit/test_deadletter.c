/* SPDX-License-Identifier: MPL-2.0 */
/* Unit tests for server/deadletter.c through the queue API: triggers (D-01), the rewritten
 * message and its routing keys (D-02), the exact x-death header (D-03) and cycle rules (D-04). */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "server/exchange.h"
#include "server/msg.h"
#include "server/queue.h"
#include "server/vhost.h"
#include "tests/unit/server_fixture.h"

/* ---- reading the dead-lettered copy ---- */

static struct wr_props
props_of(const struct wr_msg *m)
{
    struct wr_props p;

    assert_int_equal(wr_props_decode(m->props, m->props_len, &p), 0);
    return p;
}

static bool
has_key(struct wr_bytes table, const char *key)
{
    struct wr_fvalue v;

    return wr_table_get(table, key, &v);
}

static void
expect_str(struct wr_bytes table, const char *key, const char *want)
{
    struct wr_fvalue v;

    if (!wr_table_get(table, key, &v))
        fail_msg("'%s' missing", key);
    assert_int_equal(v.type, 'S');
    if (!wr_bytes_eq_str(v.v.s, want))
        fail_msg("'%s' is '%.*s', want '%s'", key, (int)v.v.s.len, (const char *)v.v.s.ptr, want);
}

static int64_t
get_int(struct wr_bytes table, const char *key, uint8_t type)
{
    struct wr_fvalue v;

    if (!wr_table_get(table, key, &v))
        fail_msg("'%s' missing", key);
    assert_int_equal(v.type, type);
    return type == 'T' ? (int64_t)v.v.ts : v.v.i;
}

/* The idx-th entry (newest first) of the x-death array in headers; *n gets the array length. */
static struct wr_bytes
death(struct wr_bytes headers, size_t idx, size_t *n)
{
    struct wr_fvalue a, el;
    struct wr_table_iter it;
    struct wr_bytes found = {0};
    size_t i = 0;

    if (!wr_table_get(headers, "x-death", &a))
        fail_msg("no x-death header");
    assert_int_equal(a.type, 'A');
    wr_table_iter_init(&it, a.v.s);
    while (wr_array_next(&it, &el) > 0) {
        assert_int_equal(el.type, 'F');
        if (i++ == idx)
            found = el.v.s;
    }
    if (n != NULL)
        *n = i;
    assert_true(idx < i);
    return found;
}

/* Checks an array-of-longstr value against a NULL-terminated list. */
static void
expect_keys(struct wr_bytes table, const char *key, const char *const *want)
{
    struct wr_fvalue a, el;
    struct wr_table_iter it;
    size_t i = 0;

    if (!wr_table_get(table, key, &a))
        fail_msg("'%s' missing", key);
    assert_int_equal(a.type, 'A');
    wr_table_iter_init(&it, a.v.s);
    while (wr_array_next(&it, &el) > 0) {
        assert_non_null(want[i]);
        assert_int_equal(el.type, 'S');
        if (!wr_bytes_eq_str(el.v.s, want[i]))
            fail_msg("%s[%zu] is '%.*s', want '%s'", key, i, (int)el.v.s.len,
                     (const char *)el.v.s.ptr, want[i]);
        i++;
    }
    assert_null(want[i]);
}

/* ---- building the scene ---- */

static struct wr_exchange *
xnew(struct fx *f, const char *name, enum wr_xtype type)
{
    struct wr_exchange_opts o = {.type = type};

    return wr_exchange_new(f->vh, name, strlen(name), &o);
}

static void
bindq(struct wr_exchange *x, struct wr_queue *q, const char *key)
{
    char err[128];

    assert_int_equal(
            wr_binding_add(x, q, NULL, wr_bytes_str(key), (struct wr_bytes){0}, err, sizeof(err)),
            0);
}

/* Publishes (exchange, rk, body, props) straight into q, as routing would. */
static void
push(struct wr_queue *q, const char *exchange, const char *rk, const char *body,
     const struct wr_props *p)
{
    struct wr_msg *m = fx_msg(exchange, rk, body, p);

    assert_true(wr_queue_push(q, m));
    wr_msg_unref(m);
}

/* basic.get + basic.reject(requeue=false) of the head. */
static void
get_reject(struct wr_queue *q)
{
    struct wr_qentry *e = wr_queue_get(q);

    assert_non_null(e);
    wr_queue_reject(q, e);
}

/* Pops the head of q, which must exist; the caller acks it. */
static struct wr_qentry *
get(struct wr_queue *q)
{
    struct wr_qentry *e = wr_queue_get(q);

    assert_non_null(e);
    return e;
}

static const struct fx_arg dlx_args[] = {FX_STR("x-dead-letter-exchange", "dlx"), FX_END};

/* D-01, D-03: a rejected message lands in the DL queue with one complete x-death entry. */
static void
test_reject_x_death(void **state)
{
    static const char *const rk[] = {"rk", NULL};
    struct fx *f = *state;
    struct wr_queue *src = fx_queue(f, "src", dlx_args);
    struct wr_queue *dlq = fx_queue(f, "dlq", NULL);
    struct wr_qentry *e;
    struct wr_props p = {.flags = WR_P_MESSAGE_ID | WR_P_DELIVERY_MODE | WR_P_PRIORITY,
                         .message_id = WR_BYTES_LIT("id-1"),
                         .delivery_mode = 2,
                         .priority = 3};
    int64_t t0 = (int64_t)time(NULL), t;

    bindq(xnew(f, "dlx", WR_X_FANOUT), dlq, "");
    push(src, "orig.x", "rk", "body", &p);
    get_reject(src);
    assert_int_equal(wr_queue_ready(src), 0);
    assert_int_equal(wr_queue_ready(dlq), 1);

    e = get(dlq);
    assert_true(fx_body_is(e->msg, "body"));
    assert_int_equal(e->msg->exchange_len, 3); /* delivered from the DLX (D-02) */
    assert_memory_equal(e->msg->exchange, "dlx", 3);
    assert_int_equal(e->msg->rk_len, 2);
    assert_memory_equal(e->msg->rk, "rk", 2);
    struct wr_props np = props_of(e->msg);
    /* other properties unchanged */
    assert_true(np.flags & WR_P_MESSAGE_ID);
    assert_true(wr_bytes_eq_str(np.message_id, "id-1"));
    assert_int_equal(np.delivery_mode, 2);
    assert_int_equal(np.priority, 3);
    assert_int_equal(e->msg->delivery_mode, 2);
    assert_int_equal(e->msg->priority, 3);

    size_t n;
    struct wr_bytes d = death(np.headers, 0, &n);
    assert_int_equal(n, 1);
    assert_int_equal(get_int(d, "count", 'l'), 1);
    expect_str(d, "reason", "rejected");
    expect_str(d, "queue", "src");
    t = get_int(d, "time", 'T');
    assert_true(t >= t0 && t <= (int64_t)time(NULL));
    expect_str(d, "exchange", "orig.x");
    expect_keys(d, "routing-keys", rk);
    assert_false(has_key(d, "original-expiration"));
    expect_str(np.headers, "x-first-death-reason", "rejected");
    expect_str(np.headers, "x-first-death-queue", "src");
    expect_str(np.headers, "x-first-death-exchange", "orig.x");
    wr_queue_ack(dlq, e);
}

static void
push_cc(struct wr_queue *q, const char *rk, const char *cc)
{
    struct wr_tbuf h, arr;
    struct wr_props p = {.flags = WR_P_HEADERS};

    wr_tbuf_init(&h);
    wr_tbuf_init(&arr);
    wr_tbuf_str(&arr, NULL, cc, strlen(cc));
    wr_tbuf_nested(&h, "CC", 'A', &arr);
    wr_tbuf_str(&h, "keep", "me", 2);
    p.headers = wr_tbuf_bytes(&h);
    push(q, "orig.x", rk, "body", &p);
    wr_tbuf_free(&arr);
    wr_tbuf_free(&h);
}

/* D-02: a DL routing key replaces the message's keys and removes CC; x-death still records the
 * original keys, CC included. */
static void
test_dl_routing_key(void **state)
{
    static const struct fx_arg args[] = {FX_STR("x-dead-letter-exchange", "dlx"),
                                         FX_STR("x-dead-letter-routing-key", "dead"), FX_END};
    static const char *const rks[] = {"rk", "cc1", NULL};
    struct fx *f = *state;
    struct wr_queue *src = fx_queue(f, "src", args);
    struct wr_queue *dlq = fx_queue(f, "dlq", NULL);
    struct wr_queue *q_rk = fx_queue(f, "q_rk", NULL);
    struct wr_queue *q_cc = fx_queue(f, "q_cc", NULL);
    struct wr_exchange *dlx = xnew(f, "dlx", WR_X_DIRECT);
    struct wr_qentry *e;

    bindq(dlx, dlq, "dead");
    bindq(dlx, q_rk, "rk");
    bindq(dlx, q_cc, "cc1");
    push_cc(src, "rk", "cc1");
    get_reject(src);
    assert_int_equal(wr_queue_ready(dlq), 1);
    assert_int_equal(wr_queue_ready(q_rk), 0);
    assert_int_equal(wr_queue_ready(q_cc), 0);

    e = get(dlq);
    assert_int_equal(e->msg->rk_len, 4);
    assert_memory_equal(e->msg->rk, "dead", 4);
    struct wr_props np = props_of(e->msg);
    assert_false(has_key(np.headers, "CC"));
    expect_str(np.headers, "keep", "me");
    expect_keys(death(np.headers, 0, NULL), "routing-keys", rks);
    wr_queue_ack(dlq, e);
}

/* D-02: without a DL routing key the original key and the CC keys route the copy, once per
 * queue, and CC stays in the headers. */
static void
test_cc_kept_without_dl_routing_key(void **state)
{
    static const char *const rks[] = {"rk", "cc1", NULL};
    struct fx *f = *state;
    struct wr_queue *src = fx_queue(f, "src", dlx_args);
    struct wr_queue *q_rk = fx_queue(f, "q_rk", NULL);
    struct wr_queue *q_cc = fx_queue(f, "q_cc", NULL);
    struct wr_queue *q_both = fx_queue(f, "q_both", NULL);
    struct wr_exchange *dlx = xnew(f, "dlx", WR_X_DIRECT);
    struct wr_qentry *e;

    bindq(dlx, q_rk, "rk");
    bindq(dlx, q_cc, "cc1");
    bindq(dlx, q_both, "rk");
    bindq(dlx, q_both, "cc1");
    push_cc(src, "rk", "cc1");
    get_reject(src);
    assert_int_equal(wr_queue_ready(q_rk), 1);
    assert_int_equal(wr_queue_ready(q_cc), 1);
    assert_int_equal(wr_queue_ready(q_both), 1);

    e = get(q_cc);
    assert_memory_equal(e->msg->rk, "rk", 2); /* the delivery shows the original key */
    struct wr_props np = props_of(e->msg);
    assert_true(has_key(np.headers, "CC"));
    expect_keys(np.headers, "CC", rks + 1);
    expect_keys(death(np.headers, 0, NULL), "routing-keys", rks);
    wr_queue_ack(q_cc, e);
}

/* D-02: the expiration property is removed and recorded as original-expiration. */
static void
test_expiration_removed(void **state)
{
    struct fx *f = *state;
    struct wr_queue *src = fx_queue(f, "src", dlx_args);
    struct wr_queue *dlq = fx_queue(f, "dlq", NULL);
    struct wr_props p = {.flags = WR_P_EXPIRATION, .expiration = WR_BYTES_LIT("60000")};
    struct wr_qentry *e;

    bindq(xnew(f, "dlx", WR_X_FANOUT), dlq, "");
    push(src, "", "src", "body", &p);
    get_reject(src);
    e = get(dlq);
    struct wr_props np = props_of(e->msg);
    assert_false(np.flags & WR_P_EXPIRATION);
    assert_int_equal(e->msg->expiration_ms, -1); /* and it will not expire in the DL queue */
    expect_str(death(np.headers, 0, NULL), "original-expiration", "60000");
    expect_str(death(np.headers, 0, NULL), "exchange", "");
    expect_str(np.headers, "x-first-death-exchange", "");
    wr_queue_ack(dlq, e);
}

static bool
dlq_has_one(void *arg)
{
    return wr_queue_ready(arg) == 1;
}

/* D-01: expiry dead-letters with reason 'expired', by the queue's timer. */
static void
test_expired_reason(void **state)
{
    static const struct fx_arg args[] = {FX_STR("x-dead-letter-exchange", "dlx"),
                                         FX_INT("x-message-ttl", 20), FX_END};
    struct fx *f = *state;
    struct wr_queue *src = fx_queue(f, "src", args);
    struct wr_queue *dlq = fx_queue(f, "dlq", NULL);
    struct wr_qentry *e;

    bindq(xnew(f, "dlx", WR_X_FANOUT), dlq, "");
    push(src, "", "src", "body", NULL);
    assert_true(fx_wait(f, dlq_has_one, dlq, 2000));
    assert_int_equal(wr_queue_ready(src), 0);
    e = get(dlq);
    struct wr_props np = props_of(e->msg);
    expect_str(death(np.headers, 0, NULL), "reason", "expired");
    expect_str(np.headers, "x-first-death-reason", "expired");
    wr_queue_ack(dlq, e);
}

/* D-01, L-01, L-02: drop-head and reject-publish-dlx dead-letter as 'maxlen'; reject-publish
 * refuses without dead-lettering. */
static void
test_maxlen_reason(void **state)
{
    static const struct {
        const char *overflow;
        bool accepted;    /* wr_queue_push's answer for the second message */
        const char *dead; /* body dead-lettered, NULL for none */
    } rows[] = {
            {"drop-head", true, "first"},
            {"reject-publish-dlx", false, "second"},
            {"reject-publish", false, NULL},
    };
    struct fx *f = *state;
    struct wr_queue *dlq = fx_queue(f, "dlq", NULL);

    bindq(xnew(f, "dlx", WR_X_FANOUT), dlq, "");
    for (size_t i = 0; i < 3; i++) {
        struct fx_arg args[] = {
                FX_STR("x-dead-letter-exchange", "dlx"),
                FX_INT("x-max-length", 1),
                {"x-overflow", {.type = 'S', .v.s = wr_bytes_str(rows[i].overflow)}},
                FX_END};
        struct wr_queue *src = fx_queue(f, "src", args);
        struct wr_msg *m = fx_msg("", "src", "first", NULL);
        assert_true(wr_queue_push(src, m));
        wr_msg_unref(m);
        m = fx_msg("", "src", "second", NULL);
        assert_int_equal(wr_queue_push(src, m), rows[i].accepted);
        wr_msg_unref(m);
        assert_int_equal(wr_queue_ready(src), 1);
        if (rows[i].dead == NULL) {
            assert_int_equal(wr_queue_ready(dlq), 0);
        } else {
            struct wr_qentry *e = get(dlq);
            assert_true(fx_body_is(e->msg, rows[i].dead));
            struct wr_props np = props_of(e->msg);
            expect_str(death(np.headers, 0, NULL), "reason", "maxlen");
            wr_queue_ack(dlq, e);
        }
        wr_queue_delete(src, false);
    }
}

/* D-03: a repeat death in the same queue for the same reason counts up, moves to the front and
 * keeps its first time, exchange and routing keys; x-first-death-* are never overwritten. */
static void
test_repeat_death_counts(void **state)
{
    static const struct fx_arg args[] = {FX_STR("x-dead-letter-exchange", "dlx"),
                                         FX_STR("x-dead-letter-routing-key", "dlq"), FX_END};
    static const char *const old_keys[] = {"first-rk", NULL};
    struct fx *f = *state;
    struct wr_queue *src = fx_queue(f, "src", args);
    struct wr_queue *dlq = fx_queue(f, "dlq", NULL);
    struct wr_tbuf h, arr, other, mine, keys;
    struct wr_fvalue ts = {.type = 'T', .v.ts = 12345};
    struct wr_props p = {.flags = WR_P_HEADERS};
    struct wr_qentry *e;

    bindq(xnew(f, "dlx", WR_X_DIRECT), dlq, "dlq");
    /* the message already died twice: once expired in "other", earlier twice rejected in src */
    wr_tbuf_init(&other);
    wr_tbuf_long(&other, "count", 1);
    wr_tbuf_str(&other, "reason", "expired", 7);
    wr_tbuf_str(&other, "queue", "other", 5);
    wr_tbuf_init(&mine);
    wr_tbuf_long(&mine, "count", 2);
    wr_tbuf_str(&mine, "reason", "rejected", 8);
    wr_tbuf_str(&mine, "queue", "src", 3);
    wr_tbuf_key(&mine, "time");
    wr_tbuf_value(&mine, &ts);
    wr_tbuf_str(&mine, "exchange", "first-x", 7);
    wr_tbuf_init(&keys);
    wr_tbuf_str(&keys, NULL, "first-rk", 8);
    wr_tbuf_nested(&mine, "routing-keys", 'A', &keys);
    wr_tbuf_init(&arr);
    wr_tbuf_nested(&arr, NULL, 'F', &other);
    wr_tbuf_nested(&arr, NULL, 'F', &mine);
    wr_tbuf_init(&h);
    wr_tbuf_nested(&h, "x-death", 'A', &arr);
    wr_tbuf_str(&h, "x-first-death-reason", "expired", 7);
    wr_tbuf_str(&h, "x-first-death-queue", "other", 5);
    wr_tbuf_str(&h, "x-first-death-exchange", "first-x", 7);
    p.headers = wr_tbuf_bytes(&h);
    push(src, "now-x", "now-rk", "body", &p);
    wr_tbuf_free(&h);
    wr_tbuf_free(&arr);
    wr_tbuf_free(&keys);
    wr_tbuf_free(&mine);
    wr_tbuf_free(&other);

    get_reject(src);
    e = get(dlq);
    struct wr_props np = props_of(e->msg);
    size_t n;
    struct wr_bytes d0 = death(np.headers, 0, &n), d1 = death(np.headers, 1, NULL);
    assert_int_equal(n, 2);
    expect_str(d0, "queue", "src");
    expect_str(d0, "reason", "rejected");
    assert_int_equal(get_int(d0, "count", 'l'), 3);
    assert_int_equal(get_int(d0, "time", 'T'), 12345);
    expect_str(d0, "exchange", "first-x");
    expect_keys(d0, "routing-keys", old_keys);
    expect_str(d1, "queue", "other");
    assert_int_equal(get_int(d1, "count", 'l'), 1);
    expect_str(np.headers, "x-first-death-reason", "expired");
    expect_str(np.headers, "x-first-death-queue", "other");
    expect_str(np.headers, "x-first-death-exchange", "first-x");
    wr_queue_ack(dlq, e);
}

/* D-03 end to end: the second death of the same message increments the same entry and keeps the
 * time of the first. */
static void
test_second_death_same_queue(void **state)
{
    static const struct fx_arg args[] = {FX_STR("x-dead-letter-exchange", "dlx"), FX_END};
    struct fx *f = *state;
    struct wr_queue *src = fx_queue(f, "src", args);
    struct wr_queue *dlq = fx_queue(f, "dlq", NULL);
    struct wr_qentry *e;
    int64_t t1;

    bindq(xnew(f, "dlx", WR_X_FANOUT), dlq, "");
    push(src, "orig.x", "rk", "body", NULL);
    get_reject(src);
    e = get(dlq);
    t1 = get_int(death(props_of(e->msg).headers, 0, NULL), "time", 'T');
    wr_queue_push(src, e->msg); /* republished into src by a consumer of dlq */
    wr_queue_ack(dlq, e);
    get_reject(src);
    e = get(dlq);
    struct wr_props np = props_of(e->msg);
    size_t n;
    struct wr_bytes d = death(np.headers, 0, &n);
    assert_int_equal(n, 1);
    assert_int_equal(get_int(d, "count", 'l'), 2);
    assert_int_equal(get_int(d, "time", 'T'), t1);
    expect_str(d, "exchange", "orig.x"); /* not the DLX it was last published to */
    wr_queue_ack(dlq, e);
}

static bool
queue_empty(void *arg)
{
    return wr_queue_ready(arg) == 0;
}

/* D-04: a queue dead-lettering expired messages back into itself drops them instead of cycling
 * forever. */
static void
test_ttl_self_loop_dropped(void **state)
{
    static const struct fx_arg args[] = {FX_STR("x-dead-letter-exchange", ""),
                                         FX_INT("x-message-ttl", 20), FX_END};
    struct fx *f = *state;
    struct wr_queue *q = fx_queue(f, "loop", args);

    push(q, "", "loop", "body", NULL);
    assert_true(fx_wait(f, queue_empty, q, 2000));
    fx_run(f, 60); /* and it does not come back */
    assert_int_equal(wr_queue_ready(q), 0);
}

/* D-04: the same through a second queue (A expires into B, B expires back into A). */
static void
test_ttl_two_queue_loop_dropped(void **state)
{
    static const struct fx_arg a_args[] = {FX_STR("x-dead-letter-exchange", ""),
                                           FX_STR("x-dead-letter-routing-key", "b"),
                                           FX_INT("x-message-ttl", 20), FX_END};
    static const struct fx_arg b_args[] = {FX_STR("x-dead-letter-exchange", ""),
                                           FX_STR("x-dead-letter-routing-key", "a"),
                                           FX_INT("x-message-ttl", 20), FX_END};
    struct fx *f = *state;
    struct wr_queue *a = fx_queue(f, "a", a_args);
    struct wr_queue *b = fx_queue(f, "b", b_args);
    struct fx_count b_has = {b, 1};

    push(a, "", "a", "body", NULL);
    assert_true(fx_wait(f, fx_ready_is, &b_has, 2000)); /* first hop is no cycle */
    assert_true(fx_wait(f, queue_empty, b, 2000));
    fx_run(f, 60);
    assert_int_equal(wr_queue_ready(a), 0);
    assert_int_equal(wr_queue_ready(b), 0);
}

/* D-04: a cycle that includes a rejection is allowed (retry pattern); the count goes up. */
static void
test_reject_loop_cycles(void **state)
{
    static const struct fx_arg args[] = {FX_STR("x-dead-letter-exchange", ""), FX_END};
    struct fx *f = *state;
    struct wr_queue *q = fx_queue(f, "retry", args);

    push(q, "", "retry", "body", NULL);
    for (int64_t i = 1; i <= 3; i++) {
        get_reject(q);
        assert_int_equal(wr_queue_ready(q), 1);
        struct wr_qentry *e = wr_queue_get(q);
        struct wr_props np = props_of(e->msg);
        size_t n;
        struct wr_bytes d = death(np.headers, 0, &n);
        assert_int_equal(n, 1);
        assert_int_equal(get_int(d, "count", 'l'), i);
        expect_str(d, "reason", "rejected");
        wr_queue_requeue(q, e); /* back to the head for the next round */
    }
}

/* D-04: once a message was rejected somewhere in the loop, a later expiry may revisit a queue. */
static void
test_reject_then_expire_allowed(void **state)
{
    static const struct fx_arg work_args[] = {FX_STR("x-dead-letter-exchange", ""),
                                              FX_STR("x-dead-letter-routing-key", "wait"), FX_END};
    static const struct fx_arg wait_args[] = {FX_STR("x-dead-letter-exchange", ""),
                                              FX_STR("x-dead-letter-routing-key", "work"),
                                              FX_INT("x-message-ttl", 20), FX_END};
    struct fx *f = *state;
    struct wr_queue *work = fx_queue(f, "work", work_args);
    struct wr_queue *wait = fx_queue(f, "wait", wait_args);
    struct fx_count back = {work, 1};

    push(work, "", "work", "body", NULL);
    get_reject(work);
    assert_int_equal(wr_queue_ready(wait), 1);
    assert_true(fx_wait(f, fx_ready_is, &back, 2000));
    struct wr_qentry *e = get(work);
    size_t n;
    death(props_of(e->msg).headers, 0, &n);
    assert_int_equal(n, 2);
    wr_queue_ack(work, e);
}

/* D-01: a DLX that does not exist drops the message silently; no DLX at all just drops. */
static void
test_missing_dlx_dropped(void **state)
{
    static const struct fx_arg args[] = {FX_STR("x-dead-letter-exchange", "nope"), FX_END};
    struct fx *f = *state;
    struct wr_queue *q = fx_queue(f, "q", args);
    struct wr_queue *plain = fx_queue(f, "plain", NULL);

    push(q, "", "q", "body", NULL);
    get_reject(q);
    assert_int_equal(wr_queue_ready(q), 0);
    assert_null(wr_vhost_exchange(f->vh, "nope", 4));
    push(plain, "", "plain", "body", NULL);
    get_reject(plain);
    assert_int_equal(wr_queue_ready(plain), 0);
}

/* D-01: purge and delete do not dead-letter. */
static void
test_purge_delete_not_dead_lettered(void **state)
{
    struct fx *f = *state;
    struct wr_queue *src = fx_queue(f, "src", dlx_args);
    struct wr_queue *dlq = fx_queue(f, "dlq", NULL);

    bindq(xnew(f, "dlx", WR_X_FANOUT), dlq, "");
    push(src, "", "src", "a", NULL);
    assert_int_equal(wr_queue_purge(src), 1);
    push(src, "", "src", "b", NULL);
    assert_int_equal(wr_queue_delete(src, false), 1);
    assert_int_equal(wr_queue_ready(dlq), 0);
}

/* A requeue is not a death: no x-death appears. */
static void
test_requeue_not_dead_lettered(void **state)
{
    struct fx *f = *state;
    struct wr_queue *src = fx_queue(f, "src", dlx_args);
    struct wr_queue *dlq = fx_queue(f, "dlq", NULL);
    struct wr_qentry *e;

    bindq(xnew(f, "dlx", WR_X_FANOUT), dlq, "");
    push(src, "", "src", "a", NULL);
    wr_queue_requeue(src, get(src));
    assert_int_equal(wr_queue_ready(dlq), 0);
    e = get(src);
    assert_false(props_of(e->msg).flags & WR_P_HEADERS);
    wr_queue_ack(src, e);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
    const struct CMUnitTest tests[] = {
            T(test_reject_x_death),
            T(test_dl_routing_key),
            T(test_cc_kept_without_dl_routing_key),
            T(test_expiration_removed),
            T(test_expired_reason),
            T(test_maxlen_reason),
            T(test_repeat_death_counts),
            T(test_second_death_same_queue),
            T(test_ttl_self_loop_dropped),
            T(test_ttl_two_queue_loop_dropped),
            T(test_reject_loop_cycles),
            T(test_reject_then_expire_allowed),
            T(test_missing_dlx_dropped),
            T(test_purge_delete_not_dead_lettered),
            T(test_requeue_not_dead_lettered),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
