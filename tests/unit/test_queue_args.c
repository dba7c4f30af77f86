/* SPDX-License-Identifier: MPL-2.0 */
/* Unit tests for server/queue_args.c: declare-time validation texts (Q-08, ERR-14, ERR-15),
 * redeclare equivalence (Q-03, ERR-12), quorum/stream checks (ERR-29) and parsed parameters. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "server/queue_args.h"
#include "tests/unit/server_fixture.h"

#define MAXARGS 4

/* Validation texts as RabbitMQ 3.10 prints them after "PRECONDITION_FAILED - ". */
#define INVALID(k) "invalid arg '" k "' for queue 'q' in vhost '/': "

static const struct {
    struct fx_arg args[MAXARGS];
    const char *err; /* NULL: valid */
} validate_rows[] = {
        /* ERR-14 tails, one per observed reason */
        {{FX_INT("x-message-ttl", -1)}, INVALID("x-message-ttl") "{value_negative,-1}"},
        {{FX_STR("x-message-ttl", "1000")},
         INVALID("x-message-ttl") "\"expected integer, got longstr\""},
        {{FX_INT("x-expires", 0)}, INVALID("x-expires") "{value_zero,0}"},
        {{FX_INT("x-expires", -5)}, INVALID("x-expires") "{value_negative,-5}"},
        {{FX_STR("x-expires", "1")}, INVALID("x-expires") "\"expected integer, got longstr\""},
        {{FX_INT("x-max-priority", 256)}, INVALID("x-max-priority") "{max_value_exceeded,256}"},
        {{FX_INT("x-max-length", -1)}, INVALID("x-max-length") "{value_negative,-1}"},
        {{FX_BOOL("x-max-length-bytes", true)},
         INVALID("x-max-length-bytes") "\"expected integer, got bool\""},
        {{FX_STR("x-overflow", "drop-tail")}, INVALID("x-overflow") "invalid_overflow"},
        {{FX_STR("x-queue-mode", "bogus")},
         INVALID("x-queue-mode") "\"unsupported queue mode 'bogus'\""},
        {{FX_STR("x-dead-letter-routing-key", "rk")},
         INVALID("x-dead-letter-routing-key") "routing_key_but_no_dlx_defined"},
        {{FX_STR("x-single-active-consumer", "true")},
         INVALID("x-single-active-consumer") "{unacceptable_type,longstr}"},
        {{FX_STR("x-queue-type", "bogus")},
         INVALID("x-queue-type") "\"unsupported queue type 'bogus'\""},
        /* ERR-15: exchange names must be strings, with a text of their own */
        {{FX_INT("x-dead-letter-exchange", 1)},
         "invalid type 'signedint' for arg 'x-dead-letter-exchange' in queue 'q' in vhost '/'"},
        /* Q-08 boundaries that are accepted */
        {{FX_INT("x-message-ttl", 0)}, NULL},
        {{FX_LONG("x-message-ttl", 315360000000LL)}, NULL},
        {{FX_INT("x-expires", 1)}, NULL},
        {{FX_INT("x-max-priority", 0)}, NULL},
        {{FX_INT("x-max-priority", 255)}, NULL},
        {{FX_INT("x-max-length", 0)}, NULL},
        {{FX_INT("x-max-length-bytes", 0)}, NULL},
        {{FX_STR("x-overflow", "drop-head")}, NULL},
        {{FX_STR("x-overflow", "reject-publish")}, NULL},
        {{FX_STR("x-overflow", "reject-publish-dlx")}, NULL},
        {{FX_STR("x-queue-mode", "default")}, NULL},
        {{FX_STR("x-queue-mode", "lazy")}, NULL},
        {{FX_INT("x-queue-version", 1)}, NULL},
        {{FX_INT("x-queue-version", 2)}, NULL},
        {{FX_BOOL("x-single-active-consumer", true)}, NULL},
        {{FX_STR("x-queue-type", "classic")}, NULL},
        {{FX_STR("x-queue-type", "quorum")}, NULL},
        {{FX_STR("x-queue-type", "stream")}, NULL},
        {{FX_STR("x-dead-letter-exchange", "")}, NULL},
        {{FX_STR("x-dead-letter-exchange", "dlx"), FX_STR("x-dead-letter-routing-key", "rk")},
         NULL},
        {{FX_INT("x-foo", -1), FX_STR("x-bar", "anything")}, NULL}, /* unknown args pass */
        {{FX_END}, NULL},
};

static void
test_validate(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(validate_rows) / sizeof(validate_rows[0]); i++) {
        struct wr_tbuf t;
        char err[512] = "";
        fx_args(&t, validate_rows[i].args);
        int rc = wr_queue_args_validate(wr_tbuf_bytes(&t), "q", "/", err, sizeof(err));
        wr_tbuf_free(&t);
        if (validate_rows[i].err == NULL && rc != 0)
            fail_msg("row %zu: expected valid, got '%s'", i, err);
        if (validate_rows[i].err != NULL && (rc != -1 || strcmp(err, validate_rows[i].err) != 0))
            fail_msg("row %zu: rc %d\n  got  '%s'\n  want '%s'", i, rc, err, validate_rows[i].err);
    }
}

/* A string argument given another type: rabbit_amqqueue's check_dlxrk_arg, check_overflow,
 * check_queue_mode and check_queue_type all answer {unacceptable_type,Type} (3.10 source). Only
 * x-dead-letter-exchange has ERR-15's separate text, from rabbit_channel. */
static const struct {
    struct fx_arg args[MAXARGS];
    const char *err;
} type_error_rows[] = {
        {{FX_STR("x-dead-letter-exchange", "dlx"), FX_LONG("x-dead-letter-routing-key", 7)},
         INVALID("x-dead-letter-routing-key") "{unacceptable_type,long}"},
        {{FX_INT("x-overflow", 1)}, INVALID("x-overflow") "{unacceptable_type,signedint}"},
        {{FX_BOOL("x-queue-mode", true)}, INVALID("x-queue-mode") "{unacceptable_type,bool}"},
        {{FX_INT("x-queue-type", 1)}, INVALID("x-queue-type") "{unacceptable_type,signedint}"},
};

static void
test_validate_type_errors(void **state)
{
    size_t bad = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(type_error_rows) / sizeof(type_error_rows[0]); i++) {
        struct wr_tbuf t;
        char err[512] = "";
        fx_args(&t, type_error_rows[i].args);
        int rc = wr_queue_args_validate(wr_tbuf_bytes(&t), "q", "/", err, sizeof(err));
        wr_tbuf_free(&t);
        if (rc != -1 || strcmp(err, type_error_rows[i].err) != 0) {
            print_error("row %zu: rc %d\n  got  '%s'\n  want '%s'\n", i, rc, err,
                        type_error_rows[i].err);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

/* The queue and vhost names in the text are the ones passed in. */
static void
test_validate_names(void **state)
{
    static const struct fx_arg args[] = {FX_INT("x-message-ttl", -1), FX_END};
    struct wr_tbuf t;
    char err[256];

    (void)state;
    fx_args(&t, args);
    assert_int_equal(
            wr_queue_args_validate(wr_tbuf_bytes(&t), "featprobe.bad1", "prod", err, sizeof(err)),
            -1);
    assert_string_equal(err, "invalid arg 'x-message-ttl' for queue 'featprobe.bad1' in vhost "
                             "'prod': {value_negative,-1}");
    wr_tbuf_free(&t);
}

#define INEQ(k) "inequivalent arg '" k "' for queue 'q' in vhost '/': "

struct equiv_row {
    struct fx_arg got[MAXARGS], cur[MAXARGS];
    const char *err; /* NULL: equivalent */
};

static const struct equiv_row equiv_rows[] = {
        /* ERR-12's three shapes */
        {{FX_INT("x-message-ttl", 2000)},
         {FX_INT("x-message-ttl", 1000)},
         INEQ("x-message-ttl") "received '2000' but current is '1000'"},
        {{FX_INT("x-message-ttl", 1000)},
         {FX_END},
         INEQ("x-message-ttl") "received the value '1000' of type 'signedint' but current is none"},
        {{FX_END},
         {FX_INT("x-message-ttl", 1000)},
         INEQ("x-message-ttl") "received none but current is the value '1000' of type 'signedint'"},
        {{FX_STR("x-dead-letter-exchange", "a")},
         {FX_STR("x-dead-letter-exchange", "b")},
         INEQ("x-dead-letter-exchange") "received 'a' but current is 'b'"},
        {{FX_STR("x-queue-type", "quorum")},
         {FX_STR("x-queue-type", "stream")},
         INEQ("x-queue-type") "received 'quorum' but current is 'stream'"},
        {{FX_BOOL("x-single-active-consumer", true)},
         {FX_BOOL("x-single-active-consumer", false)},
         INEQ("x-single-active-consumer") "received 'true' but current is 'false'"},
        {{FX_INT("x-max-length", 1)},
         {FX_END},
         INEQ("x-max-length") "received the value '1' of "
                              "type 'signedint' but current "
                              "is none"},
        /* Q-03 equivalences */
        {{FX_STR("x-queue-type", "classic")}, {FX_END}, NULL},
        {{FX_END}, {FX_STR("x-queue-type", "classic")}, NULL},
        {{FX_STR("x-foo", "a")}, {FX_STR("x-foo", "b")}, NULL},
        {{FX_INT("x-foo", 1)}, {FX_END}, NULL},
        {{FX_INT("x-max-in-memory-length", 1)}, {FX_END}, NULL}, /* not a classic queue arg */
        {{FX_LONG("x-message-ttl", 1000)}, {FX_INT("x-message-ttl", 1000)}, NULL},
        {{{"x-max-priority", {.type = 'b', .v.i = 5}}}, {FX_LONG("x-max-priority", 5)}, NULL},
        {{{"x-max-length", {.type = 's', .v.i = 7}}},
         {{"x-max-length", {.type = 'I', .v.i = 7}}},
         NULL},
        /* order of arguments does not matter */
        {{FX_INT("x-max-length", 1), FX_INT("x-message-ttl", 2)},
         {FX_INT("x-message-ttl", 2), FX_INT("x-max-length", 1)},
         NULL},
        {{FX_END}, {FX_END}, NULL},
};

/* Runs every row, printing each mismatch, then fails once if any row did. */
static void
check_equiv_rows(const struct equiv_row *rows, size_t n)
{
    size_t bad = 0;

    for (size_t i = 0; i < n; i++) {
        struct wr_tbuf got, cur;
        char err[512] = "";
        fx_args(&got, rows[i].got);
        fx_args(&cur, rows[i].cur);
        int rc = wr_queue_args_equivalent(wr_tbuf_bytes(&got), wr_tbuf_bytes(&cur), "q", "/", err,
                                          sizeof(err));
        wr_tbuf_free(&got);
        wr_tbuf_free(&cur);
        if (rows[i].err == NULL ? rc != 0 : rc != -1 || strcmp(err, rows[i].err) != 0) {
            print_error("row %zu: rc %d\n  got  '%s'\n  want '%s'\n", i, rc, err,
                        rows[i].err ? rows[i].err : "(equivalent)");
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static void
test_equivalent(void **state)
{
    (void)state;
    check_equiv_rows(equiv_rows, sizeof(equiv_rows) / sizeof(equiv_rows[0]));
}

/* "1000" is not 1000, and int widths are one class. When both sides have the argument,
 * rabbit_misc:assert_args_equivalence1 passes the bare values to assert_field_equivalence,
 * which prints them without their types, even across type classes (rabbit_common 3.10). */
static const struct equiv_row bare_rows[] = {
        {{FX_STR("x-message-ttl", "1000")},
         {FX_INT("x-message-ttl", 1000)},
         INEQ("x-message-ttl") "received '1000' but current is '1000'"},
        {{FX_LONG("x-message-ttl", 2000)},
         {FX_INT("x-message-ttl", 1000)},
         INEQ("x-message-ttl") "received '2000' but current is '1000'"},
        {{FX_BOOL("x-message-ttl", true)},
         {FX_INT("x-message-ttl", 1000)},
         INEQ("x-message-ttl") "received 'true' but current is '1000'"},
};

static void
test_equivalent_bare_values(void **state)
{
    (void)state;
    check_equiv_rows(bare_rows, sizeof(bare_rows) / sizeof(bare_rows[0]));
}

/* changing the type is refused; how an absent type is rendered was not observed, so only
 * the start of the text is fixed. */
static void
test_equivalent_type_change(void **state)
{
    static const struct fx_arg quorum[] = {FX_STR("x-queue-type", "quorum"), FX_END};
    struct wr_tbuf got, cur;
    char err[512] = "";

    (void)state;
    fx_args(&got, quorum);
    fx_args(&cur, NULL);
    assert_int_equal(wr_queue_args_equivalent(wr_tbuf_bytes(&got), wr_tbuf_bytes(&cur), "q", "/",
                                              err, sizeof(err)),
                     -1);
    assert_int_equal(strncmp(err, INEQ("x-queue-type"), strlen(INEQ("x-queue-type"))), 0);
    wr_tbuf_free(&got);
    wr_tbuf_free(&cur);
}

/* ERR-29: quorum and stream queues are durable, shared, client-named, with their own args. */
static const struct {
    struct fx_arg args[MAXARGS];
    bool durable, exclusive, auto_delete, server_named;
    const char *err;
} type_rows[] = {
        {{FX_STR("x-queue-type", "quorum")},
         false,
         false,
         false,
         false,
         "invalid property 'non-durable' for queue 'q' in vhost '/'"},
        {{FX_STR("x-queue-type", "quorum")},
         true,
         true,
         false,
         false,
         "invalid property 'exclusive-owner' for queue 'q' in vhost '/'"},
        {{FX_STR("x-queue-type", "quorum")},
         true,
         false,
         true,
         false,
         "invalid property 'auto-delete' for queue 'q' in vhost '/'"},
        {{FX_STR("x-queue-type", "quorum")},
         true,
         false,
         false,
         true,
         "Cannot declare a server-named queue for type rabbit_quorum_queue"},
        {{FX_STR("x-queue-type", "quorum"), FX_INT("x-max-priority", 5)},
         true,
         false,
         false,
         false,
         "invalid arg 'x-max-priority' for queue 'q' in vhost '/' of queue type "
         "rabbit_quorum_queue"},
        {{FX_STR("x-queue-type", "stream"), FX_INT("x-max-length", 5)},
         true,
         false,
         false,
         false,
         "invalid arg 'x-max-length' for queue 'q' in vhost '/' of queue type "
         "rabbit_stream_queue"},
        {{FX_STR("x-queue-type", "stream")},
         false,
         false,
         false,
         false,
         "invalid property 'non-durable' for queue 'q' in vhost '/'"},
        /* accepted */
        {{FX_STR("x-queue-type", "quorum")}, true, false, false, false, NULL},
        {{FX_STR("x-queue-type", "quorum"), FX_INT("x-max-length", 5),
          FX_INT("x-delivery-limit", 3)},
         true,
         false,
         false,
         false,
         NULL},
        {{FX_STR("x-queue-type", "stream"), FX_INT("x-max-length-bytes", 5)},
         true,
         false,
         false,
         false,
         NULL},
        /* classic queues may be anything */
        {{FX_STR("x-queue-type", "classic"), FX_INT("x-max-priority", 5)},
         false,
         true,
         true,
         true,
         NULL},
        {{FX_END}, false, true, true, true, NULL},
};

static void
test_type_check(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(type_rows) / sizeof(type_rows[0]); i++) {
        struct wr_tbuf t;
        char err[512] = "";
        fx_args(&t, type_rows[i].args);
        int rc = wr_queue_type_check(wr_tbuf_bytes(&t), type_rows[i].durable,
                                     type_rows[i].exclusive, type_rows[i].auto_delete,
                                     type_rows[i].server_named, "q", "/", err, sizeof(err));
        wr_tbuf_free(&t);
        if (type_rows[i].err == NULL && rc != 0)
            fail_msg("row %zu: expected accepted, got '%s'", i, err);
        if (type_rows[i].err != NULL && (rc != -1 || strcmp(err, type_rows[i].err) != 0))
            fail_msg("row %zu: rc %d\n  got  '%s'\n  want '%s'", i, rc, err, type_rows[i].err);
    }
}

/* What the queue runs with: -1 for unset limits, every width of integer read. */
static void
test_params(void **state)
{
    static const struct fx_arg args[] = {
            FX_INT("x-message-ttl", 1000),
            FX_LONG("x-expires", 60000),
            {"x-max-length", {.type = 's', .v.i = 10}},
            FX_INT("x-max-length-bytes", 0),
            FX_INT("x-max-priority", 9),
            FX_STR("x-overflow", "reject-publish-dlx"),
            FX_STR("x-dead-letter-exchange", "dlx"),
            FX_STR("x-dead-letter-routing-key", "dead"),
            FX_BOOL("x-single-active-consumer", true),
            FX_STR("x-queue-type", "quorum"),
            FX_INT("x-delivery-limit", 3),
            FX_END,
    };
    struct wr_tbuf t;
    struct wr_qparams p;

    (void)state;
    fx_args(&t, args);
    wr_qparams_from_args(&p, wr_tbuf_bytes(&t));
    wr_tbuf_free(&t);
    assert_int_equal(p.message_ttl, 1000);
    assert_int_equal(p.expires, 60000);
    assert_int_equal(p.max_length, 10);
    assert_int_equal(p.max_length_bytes, 0);
    assert_true(p.priority);
    assert_int_equal(p.max_priority, 9);
    assert_int_equal(p.overflow, WR_OVF_REJECT_PUBLISH_DLX);
    assert_true(p.has_dlx);
    assert_string_equal(p.dlx, "dlx");
    assert_true(p.has_dlrk);
    assert_string_equal(p.dlrk, "dead");
    assert_true(p.single_active);
    assert_int_equal(p.type, WR_QT_QUORUM);
    assert_int_equal(p.delivery_limit, 3);

    wr_qparams_from_args(&p, (struct wr_bytes){0});
    assert_int_equal(p.message_ttl, -1);
    assert_int_equal(p.expires, -1);
    assert_int_equal(p.max_length, -1);
    assert_int_equal(p.max_length_bytes, -1);
    assert_int_equal(p.delivery_limit, -1);
    assert_false(p.priority);
    assert_false(p.has_dlx);
    assert_false(p.has_dlrk);
    assert_false(p.single_active);
    assert_int_equal(p.overflow, WR_OVF_DROP_HEAD);
    assert_int_equal(p.type, WR_QT_CLASSIC);
}

/* PR-01: x-max-priority 0 means no priorities at all. */
static void
test_params_priority_zero(void **state)
{
    static const struct fx_arg args[] = {FX_INT("x-max-priority", 0), FX_END};
    struct wr_tbuf t;
    struct wr_qparams p;

    (void)state;
    fx_args(&t, args);
    wr_qparams_from_args(&p, wr_tbuf_bytes(&t));
    wr_tbuf_free(&t);
    assert_false(p.priority);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_validate),
            cmocka_unit_test(test_validate_names),
            cmocka_unit_test(test_validate_type_errors),
            cmocka_unit_test(test_equivalent),
            cmocka_unit_test(test_equivalent_type_change),
            cmocka_unit_test(test_equivalent_bare_values),
            cmocka_unit_test(test_type_check),
            cmocka_unit_test(test_params),
            cmocka_unit_test(test_params_priority_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
