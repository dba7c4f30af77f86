/* SPDX-License-Identifier: MPL-2.0 */
/* Shared fixture for the server unit tests: a broker without listeners, real queues and
 * exchanges, and an event loop driven in short slices so timers fire without long sleeps. */
#include <config.h>

#include "tests/unit/server_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <event2/event.h>

#include "server/broker.h"
#include "server/log.h"
#include "server/msg.h"
#include "server/queue.h"
#include "server/vhost.h"

int
fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    /* dead-letter cycles log a warning by design; keep test output readable */
    wr_log_set_level(WR_LOG_ERROR);
    f->base = event_base_new();
    wr_config_defaults(&f->cfg);
    f->b = wr_broker_new(f->base, &f->cfg);
    f->vh = wr_broker_vhost(f->b, "/", 1);
    if (f->base == NULL || f->vh == NULL)
        return -1;
    *state = f;
    return 0;
}

int
fx_teardown(void **state)
{
    struct fx *f = *state;

    wr_broker_free(f->b);
    event_base_free(f->base);
    free(f);
    return 0;
}

void
fx_args(struct wr_tbuf *b, const struct fx_arg *args)
{
    wr_tbuf_init(b);
    for (; args != NULL && args->key != NULL; args++) {
        wr_tbuf_key(b, args->key);
        wr_tbuf_value(b, &args->v);
    }
}

struct wr_queue *
fx_queue(struct fx *f, const char *name, const struct fx_arg *args)
{
    struct wr_tbuf t;
    struct wr_queue_opts o = {0};
    struct wr_queue *q;

    fx_args(&t, args);
    o.args = wr_tbuf_bytes(&t);
    q = wr_queue_new(f->vh, name, strlen(name), &o);
    wr_tbuf_free(&t); /* wr_queue_new copies the arguments */
    assert_non_null(q);
    return q;
}

struct wr_msg *
fx_msg(const char *exchange, const char *rk, const char *body, const struct wr_props *p)
{
    static const struct wr_props none = {0};
    uint8_t raw[4096];
    int n;
    struct wr_msg *m;
    size_t blen = strlen(body);

    if (p == NULL)
        p = &none;
    n = wr_props_encode(p, raw, sizeof(raw));
    assert_true(n > 0);
    m = wr_msg_new(exchange, strlen(exchange), rk, strlen(rk), raw, (size_t)n, blen);
    assert_non_null(m);
    memcpy(m->body, body, blen);
    m->received = blen;
    /* what publish.c derives from the properties */
    m->delivery_mode = (p->flags & WR_P_DELIVERY_MODE) ? p->delivery_mode : 0;
    m->priority = (p->flags & WR_P_PRIORITY) ? p->priority : 0;
    if (p->flags & WR_P_EXPIRATION) {
        char buf[32];
        snprintf(buf, sizeof(buf), "%.*s", (int)p->expiration.len, (const char *)p->expiration.ptr);
        m->expiration_ms = strtoll(buf, NULL, 10);
    }
    return m;
}

bool
fx_push(struct wr_queue *q, const char *rk, const char *body, const struct wr_props *p)
{
    struct wr_msg *m = fx_msg("", rk, body, p);
    bool ok = wr_queue_push(q, m);

    wr_msg_unref(m);
    return ok;
}

bool
fx_push_exp(struct wr_queue *q, const char *body, const char *exp)
{
    struct wr_props p = {0};

    if (exp != NULL) {
        p.flags = WR_P_EXPIRATION;
        p.expiration = wr_bytes_str(exp);
    }
    return fx_push(q, wr_queue_name(q), body, &p);
}

bool
fx_body_is(const struct wr_msg *m, const char *s)
{
    size_t n = strlen(s);

    return m->body_size == n && memcmp(m->body, s, n) == 0;
}

void
fx_get_ack(struct wr_queue *q, const char *body)
{
    struct wr_qentry *e = wr_queue_get(q);

    assert_non_null(e);
    if (!fx_body_is(e->msg, body))
        fail_msg("expected body '%s', got '%.*s'", body, (int)e->msg->body_size,
                 (const char *)e->msg->body);
    wr_queue_ack(q, e);
}

/* One loop slice: stops after ms even when no other event is pending. */
static void
fx_slice(struct fx *f, int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

    event_base_loopexit(f->base, &tv);
    event_base_dispatch(f->base);
}

static int64_t
fx_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool
fx_wait(struct fx *f, bool (*cond)(void *), void *arg, int max_ms)
{
    int64_t deadline = fx_now_ms() + max_ms;

    while (!cond(arg)) {
        if (fx_now_ms() >= deadline)
            return cond(arg);
        fx_slice(f, 5);
    }
    return true;
}

void
fx_run(struct fx *f, int ms)
{
    int64_t deadline = fx_now_ms() + ms;

    while (fx_now_ms() < deadline)
        fx_slice(f, 5);
}

bool
fx_ready_is(void *arg)
{
    const struct fx_count *c = arg;

    return wr_queue_ready(c->q) == c->n;
}
