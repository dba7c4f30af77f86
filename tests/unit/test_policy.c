/* SPDX-License-Identifier: MPL-2.0 */
/* Policy matching (PO-02..PO-05): which policy applies to a queue or exchange (pattern, vhost,
 * apply-to, highest priority), and how user policies, operator policies and x-arguments
 * combine; operator policies also travel through definitions as RabbitMQ writes them. */
#include "tests/unit/server_fixture.h"

#include "server/admin.h"
#include "server/broker.h"
#include "server/definitions.h"
#include "server/exchange.h"
#include "server/policy.h"
#include "server/queue.h"
#include "server/queue_args.h"
#include "server/vhost.h"

#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void
set(struct fx *f, bool op, const char *name, const char *pattern, const char *def, int prio,
    const char *apply)
{
    char err[300] = "";

    if (wr_policy_set(f->b, op, "/", name, pattern, def, prio, apply, err, sizeof(err)) != 0)
        fail_msg("policy %s: %s", name, err);
}

static const char *
policy_of(const struct wr_queue *q)
{
    return wr_policy_of_queue(q, false);
}

static struct wr_exchange *
exchange(struct fx *f, const char *name)
{
    struct wr_exchange_opts o = {.type = WR_X_DIRECT, .durable = true};

    return wr_exchange_new(f->vh, name, strlen(name), &o);
}

/* Patterns are unanchored searches over the name; no match means no policy. */
static void
test_pattern(void **state)
{
    struct fx *f = *state;
    struct wr_queue *a = fx_queue(f, "p.a", NULL), *mid = fx_queue(f, "x.p.a", NULL);
    struct wr_queue *none = fx_queue(f, "zz", NULL);

    set(f, false, "anchored", "^p\\.", "{\"max-length\":5}", 0, "queues");
    set(f, false, "anywhere", "mid", "{\"max-length\":6}", 0, "queues");
    struct wr_queue *m = fx_queue(f, "a.mid.b", NULL);
    assert_string_equal(policy_of(a), "anchored");
    assert_null(policy_of(mid));
    assert_null(policy_of(none));
    assert_int_equal(wr_queue_params(none)->max_length, -1);
    /* a policy set before the queue existed applies at declaration too */
    assert_string_equal(policy_of(m), "anywhere");
    assert_int_equal(wr_queue_params(m)->max_length, 6);
}

/* apply-to: queues, exchanges, all, and the queue-type specific values. */
static void
test_apply_to(void **state)
{
    struct fx *f = *state;
    struct fx_arg quorum[] = {FX_STR("x-queue-type", "quorum"), FX_END};
    struct wr_queue *q = fx_queue(f, "p.q", NULL), *qq = fx_queue(f, "p.quorum", quorum);
    struct wr_exchange *x = exchange(f, "p.x");

    /* the exchanges policy has the higher priority but cannot apply to a queue */
    set(f, false, "xs", "^p\\.", "{\"alternate-exchange\":\"ae\"}", 10, "exchanges");
    set(f, false, "qs", "^p\\.", "{\"max-length\":5}", 0, "queues");
    assert_string_equal(policy_of(q), "qs");
    assert_string_equal(wr_policy_alternate(x), "ae");
    set(f, false, "classic", "^p\\.", "{\"max-length\":7}", 5, "classic_queues");
    set(f, false, "quorum", "^p\\.", "{\"delivery-limit\":2}", 4, "quorum_queues");
    assert_string_equal(policy_of(q), "classic");
    assert_string_equal(policy_of(qq), "quorum");
    assert_int_equal(wr_queue_params(qq)->delivery_limit, 2);
    /* "all" reaches both kinds of object */
    set(f, false, "all", "^p\\.", "{\"alternate-exchange\":\"ae2\",\"max-length\":1}", 20, "all");
    assert_string_equal(policy_of(q), "all");
    assert_string_equal(wr_policy_alternate(x), "ae2");
}

/* Exactly one policy applies, the matching one with the highest priority; its definition is
 * not merged with a lower one's. Changes apply to existing queues. */
static void
test_priority(void **state)
{
    struct fx *f = *state;
    struct wr_queue *q = fx_queue(f, "q1", NULL);
    char err[300];

    set(f, false, "low", "^q", "{\"max-length\":10}", 1, "all");
    set(f, false, "high", "^q", "{\"message-ttl\":500}", 7, "all");
    assert_string_equal(policy_of(q), "high");
    assert_int_equal(wr_queue_params(q)->message_ttl, 500);
    assert_int_equal(wr_queue_params(q)->max_length, -1);
    set(f, false, "low", "^q", "{\"max-length\":10}", 9, "all");
    assert_string_equal(policy_of(q), "low");
    assert_int_equal(wr_queue_params(q)->message_ttl, -1);
    assert_int_equal(wr_queue_params(q)->max_length, 10);
    assert_int_equal(wr_policy_clear(f->b, false, "/", "low", err, sizeof(err)), 0);
    assert_string_equal(policy_of(q), "high");
    assert_int_equal(wr_queue_params(q)->max_length, -1);
}

/* A policy belongs to its vhost. */
static void
test_vhost_scope(void **state)
{
    struct fx *f = *state;
    struct wr_queue *q = fx_queue(f, "q", NULL);
    char err[300];

    assert_int_equal(wr_admin_add_vhost(f->b, "other", err, sizeof(err)), 0);
    assert_int_equal(wr_policy_set(f->b, false, "other", "p", ".*", "{\"max-length\":1}", 0, "all",
                                   err, sizeof(err)),
                     0);
    assert_null(policy_of(q));
    assert_int_equal(wr_queue_params(q)->max_length, -1);
}

/* RabbitMQ 3.10 for classic queues: the numeric limits take the lowest of the x-argument, the
 * user policy and the operator policy; the operator policy is chosen on its own (highest
 * priority among operator policies) and never replaces the user policy. */
static void
test_operator_merge(void **state)
{
    struct fx *f = *state;
    struct fx_arg args[] = {FX_LONG("x-max-length", 100), FX_LONG("x-expires", 90000), FX_END};
    struct wr_queue *q = fx_queue(f, "rt.orders", args), *bare = fx_queue(f, "rt.bare", NULL);
    const struct wr_qparams *p;

    set(f, false, "user", "^rt\\.", "{\"max-length\":1000,\"message-ttl\":60000}", 5, "queues");
    set(f, true, "cap", "^rt\\.", "{\"max-length\":50,\"message-ttl\":3600000}", 2, "queues");
    set(f, true, "cap-low", "^rt\\.", "{\"max-length\":1}", 1, "queues");
    p = wr_queue_params(q);
    assert_string_equal(policy_of(q), "user");
    assert_string_equal(wr_policy_of_queue(q, true), "cap");
    assert_int_equal(p->max_length, 50);     /* the operator policy is lowest */
    assert_int_equal(p->message_ttl, 60000); /* the user policy is lowest */
    assert_int_equal(p->expires, 90000);     /* only the argument sets it */
    /* without a user policy or arguments, the operator policy alone sets the limits */
    set(f, false, "user", "^nothing$", "{\"max-length\":1000}", 5, "queues");
    p = wr_queue_params(bare);
    assert_null(policy_of(bare));
    assert_int_equal(p->max_length, 50);
    assert_int_equal(p->message_ttl, 3600000);
    /* an operator policy above the argument does not raise it */
    set(f, true, "cap", "^rt\\.", "{\"max-length\":500}", 2, "queues");
    assert_int_equal(wr_queue_params(q)->max_length, 100);
}

/* The dead-letter settings and overflow: the argument wins over the user policy. */
static void
test_argument_wins_for_strings(void **state)
{
    struct fx *f = *state;
    struct fx_arg args[] = {FX_STR("x-dead-letter-exchange", "argdlx"),
                            FX_STR("x-overflow", "reject-publish"), FX_END};
    struct wr_queue *q = fx_queue(f, "d.q", args), *plain = fx_queue(f, "d.plain", NULL);

    set(f, false, "dl", "^d\\.",
        "{\"dead-letter-exchange\":\"poldlx\",\"dead-letter-routing-key\":\"k\","
        "\"overflow\":\"drop-head\"}",
        0, "queues");
    assert_string_equal(wr_queue_params(q)->dlx, "argdlx");
    assert_string_equal(wr_queue_params(q)->dlrk, "k");
    assert_int_equal(wr_queue_params(q)->overflow, WR_OVF_REJECT_PUBLISH);
    assert_string_equal(wr_queue_params(plain)->dlx, "poldlx");
    assert_int_equal(wr_queue_params(plain)->overflow, WR_OVF_DROP_HEAD);
}

/* An exchange's alternate-exchange argument wins over a policy's. */
static void
test_alternate_exchange(void **state)
{
    struct fx *f = *state;
    struct wr_exchange *x = exchange(f, "x.plain");

    assert_null(wr_policy_alternate(x));
    set(f, false, "ae", "^x\\.", "{\"alternate-exchange\":\"unrouted\"}", 0, "exchanges");
    assert_string_equal(wr_policy_alternate(x), "unrouted");
    set(f, false, "ae", "^y\\.", "{\"alternate-exchange\":\"unrouted\"}", 0, "exchanges");
    assert_null(wr_policy_alternate(x));
}

/* RabbitMQ keeps an operator policy as a runtime parameter and exports its definition as a
 * list of [key, value] pairs: Warren imports that form and writes it back the same way. */
static void
test_operator_policy_definitions(void **state)
{
    struct fx *f = *state;
    static const char doc[] =
            "{\"parameters\":[{\"component\":\"operator_policy\",\"name\":\"rt-op-cap\","
            "\"value\":{\"apply-to\":\"queues\",\"definition\":[[\"max-length\",5000],"
            "[\"message-ttl\",3600000]],\"pattern\":\"^rt\\\\.\",\"priority\":2},\"vhost\":\"/\"},"
            "{\"component\":\"vhost-limits\",\"name\":\"limits\",\"value\":{\"max-queues\":128},"
            "\"vhost\":\"/\"}]}";
    static const char plugin[] =
            "{\"parameters\":[{\"component\":\"federation-upstream\",\"name\":\"u\","
            "\"value\":{\"uri\":\"amqp://\"},\"vhost\":\"/\"}]}";
    struct wr_queue *q = fx_queue(f, "rt.q", NULL);
    char err[300] = "", *out;
    json_t *exp, *want = json_loads(doc, 0, NULL), *e;
    size_t i, found = 0;

    assert_int_equal(wr_definitions_import(f->b, doc, strlen(doc), err, sizeof(err)), 0);
    assert_string_equal(wr_policy_of_queue(q, true), "rt-op-cap");
    assert_int_equal(wr_queue_params(q)->max_length, 5000);
    assert_int_equal(wr_vhost_max_queues(f->vh), 128);
    out = wr_definitions_export(f->b, false);
    exp = json_loads(out, 0, NULL);
    json_array_foreach(json_object_get(exp, "parameters"), i, e)
    {
        for (size_t j = 0; j < json_array_size(json_object_get(want, "parameters")); j++)
            found += json_equal(e, json_array_get(json_object_get(want, "parameters"), j));
    }
    assert_int_equal(found, 2);
    assert_int_equal(json_array_size(json_object_get(exp, "parameters")), 2);
    /* a component from a plugin Warren does not have is refused, naming it */
    assert_int_equal(wr_definitions_import(f->b, plugin, strlen(plugin), err, sizeof(err)), -1);
    assert_non_null(strstr(err, "federation-upstream"));
    json_decref(exp);
    json_decref(want);
    free(out);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
    const struct CMUnitTest tests[] = {
            T(test_pattern),
            T(test_apply_to),
            T(test_priority),
            T(test_vhost_scope),
            T(test_operator_merge),
            T(test_argument_wins_for_strings),
            T(test_alternate_exchange),
            T(test_operator_policy_definitions),
    };
#undef T
    return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
