/* SPDX-License-Identifier: MPL-2.0 */
/* Definitions export/import (14.3) and policy application (PO-02, PO-04, PO-05): a round trip
 * through RabbitMQ's JSON keeps users with their hashes, permissions, policies and durable
 * objects; policies combine with arguments as RabbitMQ's classic queues do. */
#include "tests/unit/server_fixture.h"

#include "server/admin.h"
#include "server/broker.h"
#include "server/definitions.h"
#include "server/exchange.h"
#include "server/policy.h"
#include "server/queue.h"
#include "server/user.h"
#include "server/vhost.h"

#include <event2/event.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static struct wr_queue *
declare(struct fx *f, const char *vhost, const char *name, struct wr_bytes args)
{
    struct wr_vhost *vh = wr_broker_vhost(f->b, vhost, strlen(vhost));
    struct wr_queue_opts o = {.durable = true, .args = args};

    return wr_queue_new(vh, name, strlen(name), &o);
}

static void
populate(struct fx *f)
{
    char err[300];
    struct wr_exchange_opts xo = {.type = WR_X_TOPIC, .durable = true};

    assert_int_equal(wr_admin_add_vhost(f->b, "v1", err, sizeof(err)), 0);
    assert_int_equal(wr_admin_set_vhost_metadata(f->b, "v1", "first", "x,y", err, sizeof(err)), 0);
    assert_int_equal(wr_admin_add_user(f->b, "alice", "s3cret", err, sizeof(err)), 0);
    assert_int_equal(wr_admin_set_tags(f->b, "alice", "monitoring", err, sizeof(err)), 0);
    assert_int_equal(
            wr_admin_set_permissions(f->b, "v1", "alice", "^a", "^b", "^c", err, sizeof(err)), 0);
    assert_int_equal(wr_policy_set(f->b, false, "v1", "ttl", "^t\\.", "{\"message-ttl\":100}", 5,
                                   "queues", err, sizeof(err)),
                     0);
    struct wr_vhost *vh = wr_broker_vhost(f->b, "v1", 2);
    struct wr_exchange *x = wr_exchange_new(vh, "events", 6, &xo);
    struct wr_queue *q = declare(f, "v1", "t.q", (struct wr_bytes){NULL, 0});
    assert_int_equal(wr_binding_add(x, q, NULL, WR_BYTES_LIT("a.#"), (struct wr_bytes){NULL, 0},
                                    err, sizeof(err)),
                     0);
}

static void
test_round_trip(void **state)
{
    struct fx *f = *state, g;
    char err[300];

    populate(f);
    char *json = wr_definitions_export(f->b, true);
    assert_non_null(json);
    void *gs = &g;
    fx_setup(&gs);
    struct fx *g2 = gs;
    assert_int_equal(wr_definitions_import(g2->b, json, strlen(json), err, sizeof(err)), 0);
    struct wr_vhost *vh = wr_broker_vhost(g2->b, "v1", 2);
    assert_non_null(vh);
    assert_string_equal(wr_vhost_description(vh), "first");
    assert_string_equal(wr_vhost_tags(vh), "x,y");
    const struct wr_user *u = wr_broker_user(g2->b, "alice", 5);
    assert_non_null(u);
    /* the hash travelled, not the password: the same password still logs in */
    assert_true(wr_user_check_password(u, "s3cret", 6));
    assert_false(wr_user_check_password(u, "wrong", 5));
    assert_string_equal(wr_user_tags(u), "monitoring");
    const struct wr_perm *p = wr_user_perm(u, "v1", 2);
    assert_non_null(p);
    assert_string_equal(p->write, "^b");
    struct wr_queue *q = wr_vhost_queue(vh, "t.q", 3);
    assert_non_null(q);
    assert_string_equal(wr_policy_of_queue(q, false), "ttl");
    assert_int_equal(wr_queue_params(q)->message_ttl, 100);
    assert_non_null(wr_vhost_exchange(vh, "events", 6));
    assert_true(wr_exchange_in_use(wr_vhost_exchange(vh, "events", 6)));
    free(json);
    fx_teardown(&gs);
}

static void
test_import_rejects(void **state)
{
    struct fx *f = *state;
    char err[300];
    static const char *const bad[] = {
            "not json",
            "[1,2]",
            "{\"users\":[{\"name\":\"x\",\"password_hash\":\"short\"}]}",
            "{\"users\":[{\"name\":\"x\",\"hashing_algorithm\":\"rabbit_password_hashing_md5\"}]}",
            "{\"queues\":[{\"name\":\"q\",\"vhost\":\"nope\"}]}",
            "{\"vhosts\":[{\"name\":\"v\",\"metadata\":{\"tags\":[1]}}]}",
            "{\"bindings\":[{\"source\":\"nope\",\"vhost\":\"/\",\"destination\":\"q\"}]}",
            ("{\"policies\":[{\"vhost\":\"/\",\"name\":\"p\",\"pattern\":\".*\","
             "\"definition\":{\"foo\":1}}]}"),
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_int_equal(wr_definitions_import(f->b, bad[i], strlen(bad[i]), err, sizeof(err)), -1);
        assert_true(err[0] != '\0');
    }
}

/* PO-04: min(policy, argument) for TTL and limits; the argument wins for dead-lettering.
 * PO-05: an operator policy caps both. PO-02: the highest priority policy alone applies. */
static void
test_policy_precedence(void **state)
{
    struct fx *f = *state;
    char err[300];
    struct fx_arg a[] = {FX_LONG("x-message-ttl", 5000),
                         FX_LONG("x-max-length", 10),
                         FX_STR("x-dead-letter-exchange", "argdlx"),
                         {NULL, {0}}};
    struct wr_tbuf tb;

    wr_tbuf_init(&tb);
    fx_args(&tb, a);
    struct wr_queue *q = declare(f, "/", "p.q", wr_tbuf_bytes(&tb));

    assert_int_equal(wr_policy_set(f->b, false, "/", "low", "^p\\.", "{\"max-length\":1}", 1, "all",
                                   err, sizeof(err)),
                     0);
    assert_int_equal(wr_policy_set(f->b, false, "/", "high", "^p\\.",
                                   "{\"message-ttl\":100,\"max-length\":5,"
                                   "\"dead-letter-exchange\":\"poldlx\"}",
                                   9, "queues", err, sizeof(err)),
                     0);
    const struct wr_qparams *p = wr_queue_params(q);
    assert_string_equal(wr_policy_of_queue(q, false), "high");
    assert_int_equal(p->message_ttl, 100);
    assert_int_equal(p->max_length, 5);
    assert_string_equal(p->dlx, "argdlx");
    assert_int_equal(wr_policy_set(f->b, true, "/", "cap", ".*", "{\"max-length\":3}", 0, "all",
                                   err, sizeof(err)),
                     0);
    assert_int_equal(wr_queue_params(q)->max_length, 3);
    assert_int_equal(wr_policy_clear(f->b, true, "/", "cap", err, sizeof(err)), 0);
    assert_int_equal(wr_policy_clear(f->b, false, "/", "high", err, sizeof(err)), 0);
    assert_int_equal(wr_queue_params(q)->message_ttl, 5000);
    assert_int_equal(wr_queue_params(q)->max_length, 1);
    wr_tbuf_free(&tb);
}

static void
test_policy_validation(void **state)
{
    struct fx *f = *state;
    char err[300];
    static const struct {
        const char *def, *apply, *pattern, *text;
        bool op;
    } cases[] = {
            {"{\"foo\":1}", "all", ".*", "[{<<\"foo\">>,1}] are not recognised policy settings",
             false},
            {"{\"message-ttl\":\"abc\"}", "all", ".*", "<<\"abc\">> is not a valid message TTL",
             false},
            {"{\"message-ttl\":1}", "widgets", ".*",
             "apply-to 'widgets' unrecognised; should be 'queues', 'exchanges' or 'all'", false},
            {"{\"dead-letter-exchange\":\"x\"}", "all", ".*",
             "[{<<\"dead-letter-exchange\">>,<<\"x\">>}] are not recognised policy settings", true},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(wr_policy_set(f->b, cases[i].op, "/", "p", cases[i].pattern, cases[i].def,
                                       0, cases[i].apply, err, sizeof(err)),
                         -1);
        assert_string_equal(err, cases[i].text);
    }
    assert_int_equal(wr_policy_set(f->b, false, "/", "p", "(", "{\"message-ttl\":1}", 0, "all", err,
                                   sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "pattern should be regular expression but is invalid: "));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_round_trip, fx_setup, fx_teardown),
            cmocka_unit_test_setup_teardown(test_import_rejects, fx_setup, fx_teardown),
            cmocka_unit_test_setup_teardown(test_policy_precedence, fx_setup, fx_teardown),
            cmocka_unit_test_setup_teardown(test_policy_validation, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests_name("definitions", tests, NULL, NULL);
}
