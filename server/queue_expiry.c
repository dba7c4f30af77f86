/* SPDX-License-Identifier: MPL-2.0 */
/* Time in queues: message TTL at the head (T-01, T-02) and the x-expires lease (T-03). */
#include "server/queue_internal.h"

#include "server/broker.h"
#include "server/deadletter.h"
#include "server/vhost.h"

#include <event2/event.h>
#include <time.h>

int64_t
wr_clock_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct event_base *
wr_queue_base(const struct wr_queue *q)
{
    return wr_broker_base(wr_vhost_broker(q->vh));
}

static void
wr_timer_arm(struct event *ev, int64_t ms)
{
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000)};

    evtimer_add(ev, &tv);
}

static void
wr_queue_ttl_fire(evutil_socket_t fd, short what, void *arg)
{
    struct wr_queue *q = arg;

    wr_queue_expire_head(q);
    wr_queue_dispatch(q);
}

/* Classic queues expire messages only at the head: one behind a live message waits (T-01). */
void
wr_queue_expire_head(struct wr_queue *q)
{
    struct wr_qentry *e;
    int64_t now;

    if (q->deleted)
        return;
    e = wr_queue_head(q);
    if (e == NULL || e->expires == INT64_MAX)
        return;
    now = wr_clock_ms();
    while (e != NULL && e->expires <= now) {
        wr_queue_unlink(q, e);
        wr_queue_deadletter_entry(q, e, WR_DL_EXPIRED);
        wr_queue_drop(q, e);
        e = wr_queue_head(q);
    }
    if (e == NULL || e->expires == INT64_MAX)
        return;
    if (q->ttl_timer == NULL)
        q->ttl_timer = evtimer_new(wr_queue_base(q), wr_queue_ttl_fire, q);
    wr_timer_arm(q->ttl_timer, e->expires - now);
}

static void
wr_queue_lease_fire(evutil_socket_t fd, short what, void *arg)
{
    struct wr_queue *q = arg;

    if (!q->deleted && q->nconsumers == 0)
        wr_queue_delete(q, true);
}

void
wr_queue_lease(struct wr_queue *q)
{
    if (q->p.expires <= 0 || q->deleted)
        return;
    if (q->expiry_timer == NULL)
        q->expiry_timer = evtimer_new(wr_queue_base(q), wr_queue_lease_fire, q);
    if (q->nconsumers > 0)
        evtimer_del(q->expiry_timer);
    else
        wr_timer_arm(q->expiry_timer, q->p.expires);
}

void
wr_queue_timers_free(struct wr_queue *q)
{
    if (q->ttl_timer) {
        event_free(q->ttl_timer);
        q->ttl_timer = NULL;
    }
    if (q->expiry_timer) {
        event_free(q->expiry_timer);
        q->expiry_timer = NULL;
    }
}
