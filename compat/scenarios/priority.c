/* SPDX-License-Identifier: MPL-2.0 */
/* Priority queue scenarios (PR-01): x-max-priority ordering, FIFO among equal priorities,
 * priorities above the maximum treated as the maximum, and no ordering without the arg. */
#include "config.h"

#include "compat/lib/client.h"
#include "compat/lib/suite.h"

#include <string.h>

/* Publishes bodies with priorities; prio < 0 means no priority property. */
static void
publish_prioritised(conn_t c, const char *q, const char *const *bodies, const int *prios, int n)
{
    for (int i = 0; i < n; i++) {
        amqp_basic_properties_t p = {0};
        if (prios[i] >= 0) {
            p._flags = AMQP_BASIC_PRIORITY_FLAG;
            p.priority = (uint8_t)prios[i];
        }
        cl_publish_wait(c, 2, "", q, 0, &p, bodies[i]);
    }
}

static const char *const bodies[] = {"p0", "p9", "p3", "p5", "p1", "p5b", "none"};
static const int prios[] = {0, 9, 3, 5, 1, 5, -1};
enum { N = sizeof(prios) / sizeof(prios[0]) };

/* PR-01: max 5; 9 ranks as 5 (FIFO with the other 5s), unset ranks as 0. */
static void
pr01_order(void)
{
    conn_t c = cl_open_confirming();
    const char *q = cl_new_queue(c, "prio", 0, cl_table1("x-max-priority", cl_int(5)));
    publish_prioritised(c, q, bodies, prios, N);
    CHECK_STR(cl_drain(c, 1, q), "p9,p5,p5b,p3,p1,p0,none", "basic.get order");
    cl_close(c);
}

/* PR-01: a consumer that arrives after the publishes sees the same order. */
static void
pr01_consumer_order(void)
{
    conn_t c = cl_open_confirming(), sub = cl_open();
    const char *q = cl_new_queue(c, "prio", 0, cl_table1("x-max-priority", cl_int(5)));
    publish_prioritised(c, q, bodies, prios, N);
    cl_consume(sub, 1, q, NULL, 1, 0);
    const char *all = "";
    struct got g;
    for (int i = 0; i < N; i++) {
        CHECK(cl_next(sub, 3000, &g, NULL), "delivery %d missing", i + 1);
        all = sc_fmt("%s%s%s", all, i ? "," : "", g.body);
    }
    CHECK_STR(all, "p9,p5,p5b,p3,p1,p0,none", "delivery order");
    cl_close(sub);
    cl_close(c);
}

/* PR-01: a requeued message goes back in front of its priority level. */
static void
pr01_requeue(void)
{
    conn_t c = cl_open_confirming();
    const char *q = cl_new_queue(c, "prio", 0, cl_table1("x-max-priority", cl_int(5)));
    publish_prioritised(c, q, bodies, prios, N);
    struct got g;
    CHECK(cl_get(c, 1, q, 0, &g), "first message missing");
    CHECK_STR(g.body, "p9", "first message");
    amqp_basic_reject(c, 1, g.tag, 1);
    CHECK_STR(cl_drain(c, 1, q), "p9,p5,p5b,p3,p1,p0,none", "order after requeue");
    cl_close(c);
}

/* PR-01: without x-max-priority (or with 0) the priority property is ignored. */
static void
pr01_ignored(void)
{
    conn_t c = cl_open_confirming();
    const char *plain = cl_new_queue(c, "plain", 0, amqp_empty_table);
    const char *zero = cl_new_queue(c, "zero", 0, cl_table1("x-max-priority", cl_int(0)));
    publish_prioritised(c, plain, bodies, prios, N);
    publish_prioritised(c, zero, bodies, prios, N);
    CHECK_STR(cl_drain(c, 1, plain), "p0,p9,p3,p5,p1,p5b,none", "order without x-max-priority");
    CHECK_STR(cl_drain(c, 1, zero), "p0,p9,p3,p5,p1,p5b,none", "order with x-max-priority 0");
    cl_close(c);
}

const struct scenario sc_priority[] = {
        {"PR-01", "priority", "", pr01_order, "max 5: 9,5,5b,3,1,0,unset (get)"},
        {"PR-01", "priority", "", pr01_consumer_order, "priority order to a late consumer"},
        {"PR-01", "priority", "", pr01_requeue, "requeue returns to the head of its level"},
        {"PR-01", "priority", "", pr01_ignored, "no x-max-priority or 0: FIFO"},
        {NULL, NULL, NULL, NULL, NULL},
};
