/* SPDX-License-Identifier: MPL-2.0 */
/* Unit tests for server/settings.c: rabbitmq.conf keys and their defaults, RabbitMQ's
 * information units, indexed keys, "infinity", and the errors that name the bad line. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "server/settings.h"

static int
parse(struct wr_config *cfg, const char *text, char *err, size_t errcap)
{
    wr_config_defaults(cfg);
    return wr_config_parse(cfg, text, strlen(text), "t.conf", err, errcap);
}

/* C-11 defaults and the values a stock rabbitmq.conf sets. */
static void
test_defaults_and_keys(void **state)
{
    struct wr_config cfg;
    char err[256] = "";

    (void)state;
    wr_config_defaults(&cfg);
    assert_int_equal(cfg.channel_max, 2047);
    assert_int_equal(cfg.frame_max, 131072);
    assert_int_equal(cfg.heartbeat, 60);
    assert_int_equal(cfg.connection_max, UINT32_MAX);
    assert_int_equal(cfg.consumer_max_per_channel, UINT32_MAX);
    assert_int_equal(cfg.max_message_size, 134217728);
    assert_int_equal(parse(&cfg,
                           "# a comment\n\n  channel_max = 16  \nheartbeat=5\r\n"
                           "connection_max = 100\nconsumer_max_per_channel = 0\n"
                           "loopback_users.guest = false\n"
                           "default_user = admin",
                           err, sizeof(err)),
                     0);
    assert_int_equal(cfg.channel_max, 16);
    assert_int_equal(cfg.heartbeat, 5);
    assert_int_equal(cfg.connection_max, 100);
    assert_int_equal(cfg.consumer_max_per_channel, 0);
    assert_false(cfg.guest_loopback_only);
    assert_string_equal(cfg.default_user, "admin");
    assert_int_equal(parse(&cfg, "connection_max = infinity\n", err, sizeof(err)), 0);
    assert_int_equal(cfg.connection_max, UINT32_MAX);
    wr_config_free(&cfg);
}

/* kB/MB/GB are powers of 1000, KiB/MiB/GiB powers of 1024, as in rabbitmq.conf. */
static void
test_units(void **state)
{
    static const struct {
        const char *in;
        uint64_t out;
    } rows[] = {{"100", 100},          {"50MB", 50000000},    {"2GB", 2000000000}, {"1kB", 1000},
                {"2GiB", 2147483648u}, {"512MiB", 536870912}, {"3KiB", 3072},      {"1M", 1048576}};
    uint64_t v;

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        assert_int_equal(wr_config_parse_bytes(rows[i].in, &v), 0);
        assert_int_equal(v, rows[i].out);
    }
    assert_int_equal(wr_config_parse_bytes("12 parsecs", &v), -1);
    assert_int_equal(wr_config_parse_bytes("-5MB", &v), -1);
    assert_int_equal(wr_config_parse_bytes("", &v), -1);
}

/* Indexed keys: versions.N OR together, ciphers.N join with ':'. */
static void
test_indexed_keys(void **state)
{
    struct wr_config cfg;
    char err[256] = "";

    (void)state;
    assert_int_equal(parse(&cfg,
                           "ssl_options.versions.1 = tlsv1.3\nssl_options.versions.2 = tlsv1.2\n"
                           "ssl_options.ciphers.1 = A\nssl_options.ciphers.2 = B\n"
                           "ssl_options.verify = verify_peer\n",
                           err, sizeof(err)),
                     0);
    assert_int_equal(cfg.tls_versions, WR_TLS_V1_2 | WR_TLS_V1_3);
    assert_string_equal(cfg.tls_ciphers, "A:B");
    assert_int_equal(cfg.tls_verify_peer, 1);
    wr_config_free(&cfg);
}

/* management.ssl.* mirrors ssl_options.* and is independent of it; any key turns HTTPS on at
 * 15671 unless management.ssl.port says otherwise. */
static void
test_management_tls(void **state)
{
    struct wr_config cfg;
    char err[256] = "", pem[] = "/tmp/test_settings_XXXXXX", text[512];
    int fd = mkstemp(pem);

    (void)state;
    assert_true(fd >= 0);
    close(fd);
    wr_config_defaults(&cfg);
    assert_int_equal(cfg.mgmt_tls_port, -1);
    snprintf(text, sizeof(text),
             "management.ssl.certfile = %s\nmanagement.ssl.versions.1 = tlsv1.3\n"
             "management.ssl.verify = verify_peer\nmanagement.ssl.depth = 3\n",
             pem);
    assert_int_equal(parse(&cfg, text, err, sizeof(err)), 0);
    assert_string_equal(cfg.mgmt_tls_certfile, pem);
    assert_int_equal(cfg.mgmt_tls_versions, WR_TLS_V1_3);
    assert_int_equal(cfg.mgmt_tls_verify_peer, 1);
    assert_int_equal(cfg.mgmt_tls_depth, 3);
    assert_int_equal(cfg.tls_versions, 0);
    assert_int_equal(cfg.tls_verify_peer, 0);
    assert_true(cfg.mgmt_tls_given);
    assert_int_equal(parse(&cfg, "management.ssl.verify = sometimes\n", err, sizeof(err)), -1);
    assert_string_equal(err, "t.conf:1: invalid value 'sometimes' for management.ssl.verify");
    /* as RabbitMQ: a TLS file that cannot be read stops the start */
    assert_int_equal(parse(&cfg, "ssl_options.keyfile = /nonexistent/k.pem\n", err, sizeof(err)),
                     -1);
    assert_string_equal(err,
                        "t.conf:1: invalid value '/nonexistent/k.pem' for ssl_options.keyfile: "
                        "file does not exist or cannot be read");
    assert_int_equal(parse(&cfg, "management.ssl.cacertfile = /tmp\n", err, sizeof(err)), -1);
    unlink(pem);
    wr_config_free(&cfg);
}

/* Every rejection names the file and the line, and the reason. */
static void
test_errors(void **state)
{
    static const struct {
        const char *text, *err;
    } rows[] = {
            {"heartbeat = 1\nframe_max = 1000\n",
             "t.conf:2: invalid value '1000' for frame_max (expected 4096..2147483647)"},
            {"channel_max = -1\n",
             "t.conf:1: invalid value '-1' for channel_max (expected 0..65535)"},
            {"no equals sign\n", "t.conf:1: expected 'key = value'"},
            {"\n\nnot.a.key = 1\n", "t.conf:3: unknown or unsupported key 'not.a.key'"},
            {"ssl_options.verify = maybe\n",
             "t.conf:1: invalid value 'maybe' for ssl_options.verify"},
            {"ssl_options.versions.x = tlsv1.2\n",
             "t.conf:1: unknown or unsupported key 'ssl_options.versions.x'"},
            {"heartbeat = infinity\n",
             "t.conf:1: invalid value 'infinity' for heartbeat (expected 0..65535)"},
    };
    struct wr_config cfg;
    char err[256];

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        err[0] = '\0';
        assert_int_equal(parse(&cfg, rows[i].text, err, sizeof(err)), -1);
        assert_string_equal(err, rows[i].err);
        wr_config_free(&cfg);
    }
}

/* A line longer than the parser's buffer is an error, never a silent split into two lines. */
static void
test_long_line(void **state)
{
    static char text[5000];
    struct wr_config cfg;
    char err[256] = "";

    (void)state;
    memset(text, 'a', sizeof(text) - 1);
    memcpy(text, "default_user = ", 15);
    assert_int_equal(parse(&cfg, text, err, sizeof(err)), -1);
    assert_string_equal(err, "t.conf:1: line longer than 4095 bytes");
    wr_config_free(&cfg);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_defaults_and_keys), cmocka_unit_test(test_units),
            cmocka_unit_test(test_indexed_keys),      cmocka_unit_test(test_errors),
            cmocka_unit_test(test_long_line),         cmocka_unit_test(test_management_tls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
