/* SPDX-License-Identifier: MPL-2.0 */
/* Queue scenarios (Q-01..Q-06, M-05, M-06, M-08, M-09): naming, passive declares,
 * equivalence, exclusivity, auto-delete, declare-ok counts, bind, purge and delete. */
#include "config.h"

#include "compat/lib/client.h"
#include "compat/lib/suite.h"

#include <string.h>

static const char *
fresh_queue(conn_t c, const char *hint, int flags)
{
    const char *q = sc_queue(hint);
    cl_queue(c, 1, q, flags, amqp_empty_table);
    cl_ok(c, sc_fmt("declare %s", q));
    return q;
}

static void
publish_n(conn_t c, const char *q, int n)
{
    cl_channel(c, 9);
    cl_confirm(c, 9);
    for (int i = 1; i <= n; i++)
        cl_publish_wait(c, 9, "", q, 0, NULL, sc_fmt("m%d", i));
}

static void
q01_server_named(void)
{
    conn_t c = cl_open();
    amqp_queue_declare_ok_t *ok = cl_queue(c, 1, "", CL_EXCLUSIVE, amqp_empty_table);
    cl_ok(c, "declare ''");
    const char *name = sc_fmt("%.*s", (int)ok->queue.len, (char *)ok->queue.bytes);
    CHECK(strlen(name) == 30 && strncmp(name, "amq.gen-", 8) == 0 &&
                  strspn(name + 8, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                   "0123456789_-") == 22,
          "server-named queue '%s' is not amq.gen- + 22 base64url chars", name);
    cl_close(c);
}

static void
q02_passive_ignores_flags(void)
{
    conn_t c = cl_open();
    const char *q = fresh_queue(c, "p", 0);
    cl_queue(c, 1, q, CL_PASSIVE | CL_DURABLE | CL_AUTODEL, cl_table1("x-message-ttl", cl_int(5)));
    cl_ok(c, "passive declare with different flags and args");
    cl_close(c);
}

static void
q03_equivalence(void)
{
    conn_t c = cl_open();
    const char *q = sc_queue("eq");
    cl_queue(c, 1, q, 0, cl_table1("x-foo", cl_int(1)));
    cl_ok(c, "declare with x-foo");
    cl_queue(c, 1, q, 0, cl_table1("x-foo", cl_str("other")));
    cl_ok(c, "redeclare with a different unknown arg");
    cl_queue(c, 1, q, 0, cl_table1("x-queue-type", cl_str("classic")));
    cl_ok(c, "redeclare with x-queue-type classic");
    cl_queue(c, 1, q, 0, cl_table1("x-message-ttl", cl_str("1000")));
    amqp_rpc_reply_t r = amqp_get_rpc_reply(c);
    CHECK(r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION, "known arg added on redeclare accepted");
    cl_close(c);
}

static void
q05_exclusive_lifecycle(void)
{
    conn_t a = cl_open(), b = cl_open();
    const char *q = fresh_queue(a, "excl", CL_EXCLUSIVE);
    cl_publish(b, 1, "", q, "others may publish");
    cl_close(a);
    CHECK(cl_await_gone(b, q, 2000), "exclusive queue survived its connection");
    cl_close(b);
}

static void
q06_auto_delete_queue(void)
{
    conn_t c = cl_open();
    const char *q = fresh_queue(c, "ad", CL_AUTODEL);
    cl_count(c, 1, q); /* never consumed: still there */
    const char *tag = cl_consume(c, 1, q, NULL, 1, 0);
    amqp_basic_cancel(c, 1, amqp_cstring_bytes(tag));
    cl_ok(c, "basic.cancel");
    CHECK(cl_await_gone(c, q, 2000), "auto-delete queue survived its last consumer");
    cl_close(c);
}

static void
m05_declare_ok_counts(void)
{
    conn_t c = cl_open();
    const char *q = fresh_queue(c, "cnt", 0), *idle = fresh_queue(c, "idle", 0);
    struct got g;
    publish_n(c, q, 3);
    CHECK(cl_get(c, 1, q, 0, &g), "get");
    amqp_queue_declare_ok_t *ok = cl_queue(c, 1, q, 0, amqp_empty_table);
    cl_ok(c, "redeclare");
    CHECK_INT(ok->message_count, 2, "declare-ok message_count (ready only)");
    CHECK_INT(ok->consumer_count, 0, "declare-ok consumer_count");
    cl_channel(c, 2);
    cl_consume(c, 2, idle, "idle", 0, 0);
    ok = cl_queue(c, 1, idle, 0, amqp_empty_table);
    cl_ok(c, "redeclare");
    CHECK_INT(ok->consumer_count, 1, "declare-ok consumer_count with a consumer");
    cl_close(c);
}

static void
m06_bind_idempotent(void)
{
    conn_t c = cl_open();
    const char *q = fresh_queue(c, "b2", 0);
    cl_bind(c, 1, q, "amq.direct", q, amqp_empty_table);
    cl_bind(c, 1, q, "amq.direct", q, amqp_empty_table);
    cl_channel(c, 2);
    cl_confirm(c, 2);
    cl_publish_wait(c, 2, "amq.direct", q, 0, NULL, "one");
    CHECK_INT(cl_count(c, 1, q), 1, "copies after binding twice");
    cl_close(c);
}

static void
m08_purge_ready_only(void)
{
    conn_t c = cl_open();
    const char *q = fresh_queue(c, "purge", 0);
    struct got g;
    publish_n(c, q, 3);
    CHECK(cl_get(c, 1, q, 0, &g), "get");
    amqp_queue_purge_ok_t *ok = amqp_queue_purge(c, 1, amqp_cstring_bytes(q));
    cl_ok(c, "queue.purge");
    CHECK_INT(ok->message_count, 2, "purge-ok message_count");
    amqp_channel_close(c, 1, AMQP_REPLY_SUCCESS);
    cl_channel(c, 1);
    CHECK_INT(cl_count(c, 1, q), 1, "unacked message survives purge");
    cl_close(c);
}

static void
m09_delete_counts(void)
{
    conn_t c = cl_open();
    amqp_queue_delete_ok_t *ok =
            amqp_queue_delete(c, 1, amqp_cstring_bytes(sc_unique("never")), 0, 0);
    cl_ok(c, "delete of a missing queue");
    CHECK_INT(ok->message_count, 0, "delete-ok of a missing queue");
    const char *q = fresh_queue(c, "del", 0);
    struct got g;
    publish_n(c, q, 3);
    CHECK(cl_get(c, 1, q, 0, &g), "get");
    ok = amqp_queue_delete(c, 1, amqp_cstring_bytes(q), 0, 0);
    cl_ok(c, "queue.delete");
    CHECK_INT(ok->message_count, 2, "delete-ok message_count (ready only)");
    cl_close(c);
}

const struct scenario sc_queues[] = {
        {"Q-01", "queues", "", q01_server_named, "server-named queue amq.gen-*"},
        {"Q-02", "queues", "", q02_passive_ignores_flags, "passive declare ignores flags/args"},
        {"Q-03", "queues", "", q03_equivalence, "unknown args and x-queue-type classic ignored"},
        {"Q-05", "queues", "", q05_exclusive_lifecycle, "exclusive queue dies with owner"},
        {"Q-06", "queues", "", q06_auto_delete_queue, "auto-delete queue after last consumer"},
        {"M-05", "queues", "", m05_declare_ok_counts, "declare-ok counts ready and consumers"},
        {"M-06", "queues", "", m06_bind_idempotent, "bind twice = one binding"},
        {"M-08", "queues", "", m08_purge_ready_only, "purge counts ready only"},
        {"M-09", "queues", "", m09_delete_counts, "delete missing ok(0), counts ready"},
        {NULL, NULL, NULL, NULL, NULL},
};
