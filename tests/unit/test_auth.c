/* SPDX-License-Identifier: MPL-2.0 */
/* Password hashing and permission matching. The hashes below come from a
 * RabbitMQ 3.10.8 export (tests/fixtures/rabbitmq-3.10.8-definitions.json), made for users whose
 * passwords were set on that broker: Warren must accept exactly those passwords. */
#include "tests/unit/server_fixture.h"

#include "server/broker.h"
#include "server/definitions.h"
#include "server/perm.h"
#include "server/user.h"

#include <openssl/evp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* rt-app / rt-app-secret and rt-admin / rt-admin-pw, as RabbitMQ 3.10.8 exported them */
#define RT_APP_HASH   "kjL2PoUZHXrU/UfscPEV1FgJag5awZsRsNtCQnZCUxBbVSuL"
#define RT_ADMIN_HASH "+/fmN48J68926x+Gp120Lj56936jbz7cMksHyEwRMLl0kSF3"

static bool
pw_ok(const struct wr_user *u, const char *pw)
{
    return wr_user_check_password(u, pw, strlen(pw));
}

/* A user carrying a base64 salt-and-hash as RabbitMQ exports it. */
static struct wr_user *
user_with_hash(const char *name, const char *b64)
{
    uint8_t sh[48];
    struct wr_user *u = wr_user_new(name, NULL);

    assert_int_equal(EVP_DecodeBlock(sh, (const unsigned char *)b64, (int)strlen(b64)), 36);
    wr_user_set_hash(u, sh, sh + WR_USER_SALT_LEN);
    return u;
}

static void
test_rabbitmq_hash_verifies(void **state)
{
    (void)state;
    struct wr_user *app = user_with_hash("rt-app", RT_APP_HASH);
    struct wr_user *admin = user_with_hash("rt-admin", RT_ADMIN_HASH);

    assert_true(pw_ok(app, "rt-app-secret"));
    assert_true(pw_ok(admin, "rt-admin-pw"));
    /* near misses: case, a missing or extra byte, the other user's password, nothing */
    assert_false(pw_ok(app, "rt-app-Secret"));
    assert_false(pw_ok(app, "rt-app-secre"));
    assert_false(pw_ok(app, "rt-app-secret "));
    assert_false(pw_ok(app, "rt-admin-pw"));
    assert_false(pw_ok(app, ""));
    /* the length is taken from the caller, so an embedded NUL is part of the password */
    assert_false(wr_user_check_password(app, "rt-app-secret\0x", 15));
    wr_user_free(app);
    wr_user_free(admin);
}

/* Warren's own hashes follow the same algorithm: SHA-256 over the 4-byte salt and then the
 * password, so RabbitMQ can read what Warren exports. */
static void
test_warren_hash_is_rabbitmqs(void **state)
{
    (void)state;
    struct wr_user *u = wr_user_new("carol", "pa55");
    uint8_t salt[WR_USER_SALT_LEN], hash[WR_USER_HASH_LEN], want[WR_USER_HASH_LEN];
    uint8_t in[WR_USER_SALT_LEN + 4];
    unsigned int n = 0;

    assert_true(wr_user_get_hash(u, salt, hash));
    memcpy(in, salt, sizeof(salt));
    memcpy(in + WR_USER_SALT_LEN, "pa55", 4);
    assert_int_equal(EVP_Digest(in, sizeof(in), want, &n, EVP_sha256(), NULL), 1);
    assert_int_equal(n, WR_USER_HASH_LEN);
    assert_memory_equal(hash, want, WR_USER_HASH_LEN);
    assert_true(pw_ok(u, "pa55"));
    /* a new password gets a new hash that verifies, and the old one stops working */
    wr_user_set_password(u, "other");
    assert_true(pw_ok(u, "other"));
    assert_false(pw_ok(u, "pa55"));
    wr_user_free(u);
}

static void
test_no_password_never_verifies(void **state)
{
    (void)state;
    struct wr_user *u = wr_user_new("nopw", NULL);
    uint8_t salt[WR_USER_SALT_LEN], hash[WR_USER_HASH_LEN];

    assert_false(wr_user_get_hash(u, salt, hash));
    assert_false(pw_ok(u, ""));
    assert_false(pw_ok(u, "anything"));
    wr_user_free(u);
}

/* The same hash through the definitions import and the broker's login check. */
static void
test_imported_hash_authenticates(void **state)
{
    struct fx *f = *state;
    static const char doc[] =
            "{\"users\":[{\"name\":\"rt-app\",\"password_hash\":\"" RT_APP_HASH "\","
            "\"hashing_algorithm\":\"rabbit_password_hashing_sha256\",\"tags\":[\"monitoring\"],"
            "\"limits\":{}}]}";
    char err[300] = "";

    assert_int_equal(wr_definitions_import(f->b, doc, strlen(doc), err, sizeof(err)), 0);
    assert_non_null(wr_broker_authenticate(f->b, "rt-app", 6, "rt-app-secret", 13));
    assert_null(wr_broker_authenticate(f->b, "rt-app", 6, "rt-app-secreT", 13));
    assert_string_equal(wr_user_tags(wr_broker_user(f->b, "rt-app", 6)), "monitoring");
}

static bool
allows(const struct wr_user *u, const char *vhost, enum wr_perm_kind k, bool x, const char *name)
{
    return wr_perm_allows(u, vhost, k, x, (struct wr_bytes){(const uint8_t *)name, strlen(name)});
}

/* rt-app's permissions from the fixture. */
static struct wr_user *
rt_app(void)
{
    struct wr_user *u = wr_user_new("rt-app", NULL);
    char err[200];

    assert_int_equal(wr_user_set_perm(u, "rt", "^rt\\.app\\..*", "^(rt\\.app\\..*|amq\\.default)$",
                                      "^rt\\..*", err, sizeof(err)),
                     0);
    return u;
}

static void
test_perm_patterns(void **state)
{
    (void)state;
    struct wr_user *u = rt_app();

    assert_true(allows(u, "rt", WR_PERM_CONFIGURE, false, "rt.app.orders"));
    assert_false(allows(u, "rt", WR_PERM_CONFIGURE, false, "rt.dead"));
    assert_false(allows(u, "rt", WR_PERM_CONFIGURE, false, "x.rt.app.y"));
    assert_true(allows(u, "rt", WR_PERM_READ, false, "rt.dead"));
    assert_false(allows(u, "rt", WR_PERM_WRITE, true, "rt.direct"));
    /* the three kinds are separate: read allows rt.dead, configure does not */
    assert_true(allows(u, "rt", WR_PERM_READ, true, "rt.dead"));
    /* permissions are per vhost: none on "/" allows nothing */
    assert_false(allows(u, "/", WR_PERM_READ, false, "rt.dead"));
    wr_user_free(u);
}

/* Patterns are searched, not anchored: "app" matches anywhere in the name, as in RabbitMQ. */
static void
test_perm_unanchored(void **state)
{
    (void)state;
    struct wr_user *u = wr_user_new("u", NULL);
    char err[200];

    assert_int_equal(wr_user_set_perm(u, "/", "app", ".*", ".*", err, sizeof(err)), 0);
    assert_true(allows(u, "/", WR_PERM_CONFIGURE, false, "my.app.q"));
    assert_false(allows(u, "/", WR_PERM_CONFIGURE, false, "my.ap.q"));
    wr_user_free(u);
}

/* The default exchange is named "" on the wire and checked as "amq.default". */
static void
test_perm_default_exchange(void **state)
{
    (void)state;
    struct wr_user *u = rt_app();

    assert_true(allows(u, "rt", WR_PERM_WRITE, true, ""));
    assert_true(allows(u, "rt", WR_PERM_WRITE, true, "amq.default"));
    assert_false(allows(u, "rt", WR_PERM_READ, true, ""));
    /* a queue named "" is not the default exchange: the mapping is for exchanges only */
    assert_false(allows(u, "rt", WR_PERM_WRITE, false, ""));
    wr_user_free(u);
}

/* An empty pattern matches nothing, not even the empty name. */
static void
test_perm_empty_pattern(void **state)
{
    (void)state;
    struct wr_user *u = wr_user_new("u", NULL);
    char err[200];

    assert_int_equal(wr_user_set_perm(u, "/", "", ".*", "", err, sizeof(err)), 0);
    assert_false(allows(u, "/", WR_PERM_CONFIGURE, false, "q"));
    assert_false(allows(u, "/", WR_PERM_CONFIGURE, false, ""));
    assert_false(allows(u, "/", WR_PERM_CONFIGURE, true, ""));
    assert_false(allows(u, "/", WR_PERM_READ, false, "q"));
    assert_true(allows(u, "/", WR_PERM_WRITE, false, "q"));
    wr_user_free(u);
}

static void
test_perm_set_and_clear(void **state)
{
    (void)state;
    struct wr_user *u = wr_user_new("u", NULL);
    char err[200] = "";

    assert_int_equal(wr_user_set_perm(u, "/", "(", ".*", ".*", err, sizeof(err)), -1);
    assert_true(err[0] != '\0');
    assert_null(wr_user_perm(u, "/", 1));
    assert_int_equal(wr_user_set_perm(u, "/", ".*", ".*", ".*", err, sizeof(err)), 0);
    assert_true(allows(u, "/", WR_PERM_CONFIGURE, false, "q"));
    /* setting again replaces the patterns */
    assert_int_equal(wr_user_set_perm(u, "/", "^a", ".*", ".*", err, sizeof(err)), 0);
    assert_int_equal(wr_user_nperms(u), 1);
    assert_false(allows(u, "/", WR_PERM_CONFIGURE, false, "q"));
    assert_true(wr_user_clear_perm(u, "/"));
    assert_false(wr_user_clear_perm(u, "/"));
    assert_false(allows(u, "/", WR_PERM_WRITE, false, "a"));
    wr_user_free(u);
}

static bool
topic_ok(const struct wr_user *u, const char *x, enum wr_perm_kind k, const char *key)
{
    return wr_perm_topic_allows(u, "rt", (struct wr_bytes){(const uint8_t *)x, strlen(x)}, k,
                                (struct wr_bytes){(const uint8_t *)key, strlen(key)});
}

static void
test_topic_perm(void **state)
{
    (void)state;
    struct wr_user *u = wr_user_new("rt-app", NULL);
    char err[200];

    assert_int_equal(wr_user_set_topic_perm(u, "rt", "rt.topic", "^app\\..*", "^(app|audit)\\..*",
                                            err, sizeof(err)),
                     0);
    assert_true(topic_ok(u, "rt.topic", WR_PERM_WRITE, "app.orders"));
    assert_false(topic_ok(u, "rt.topic", WR_PERM_WRITE, "audit.orders"));
    assert_true(topic_ok(u, "rt.topic", WR_PERM_READ, "audit.orders"));
    assert_false(topic_ok(u, "rt.topic", WR_PERM_READ, "billing.x"));
    /* no topic permission for an exchange: its routing keys are not restricted */
    assert_true(topic_ok(u, "rt.other", WR_PERM_WRITE, "billing.x"));
    /* {username} and {vhost} are expanded when the permission is set */
    assert_int_equal(wr_user_set_topic_perm(u, "rt", "t2", "^{username}\\.", "^{vhost}\\.", err,
                                            sizeof(err)),
                     0);
    assert_true(topic_ok(u, "t2", WR_PERM_WRITE, "rt-app.x"));
    assert_false(topic_ok(u, "t2", WR_PERM_WRITE, "bob.x"));
    assert_true(topic_ok(u, "t2", WR_PERM_READ, "rt.x"));
    assert_true(wr_user_clear_topic_perm(u, "rt", "rt.topic"));
    assert_true(topic_ok(u, "rt.topic", WR_PERM_WRITE, "audit.orders"));
    wr_user_free(u);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_rabbitmq_hash_verifies),
            cmocka_unit_test(test_warren_hash_is_rabbitmqs),
            cmocka_unit_test(test_no_password_never_verifies),
            cmocka_unit_test_setup_teardown(test_imported_hash_authenticates, fx_setup,
                                            fx_teardown),
            cmocka_unit_test(test_perm_patterns),
            cmocka_unit_test(test_perm_unanchored),
            cmocka_unit_test(test_perm_default_exchange),
            cmocka_unit_test(test_perm_empty_pattern),
            cmocka_unit_test(test_perm_set_and_clear),
            cmocka_unit_test(test_topic_perm),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
