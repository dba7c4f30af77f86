/* SPDX-License-Identifier: MPL-2.0 */
/* Client for it_perm.sh: logs in as a user whose permissions cover only "alice-" names and
 * checks that each kind of permission is enforced with RabbitMQ's 403 text (A-04, ERR-05),
 * while what is allowed still works. Run as "tom" it checks topic permissions instead. */
#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

static int passed, failed;
static int chan = 1;

static void
result(int ok, const char *what, const char *detail)
{
    printf("%s %d - %s%s%s\n", ok ? "ok" : "not ok", passed + failed + 1, what, detail ? ": " : "",
           detail ? detail : "");
    ok ? passed++ : failed++;
}

/* Expects the last RPC to have failed with channel.close 403 and exactly text. */
static void
expect_refused(amqp_connection_state_t c, const char *what, const char *text)
{
    amqp_rpc_reply_t r = amqp_get_rpc_reply(c);
    char got[300] = "no channel.close";

    if (r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION && r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        amqp_channel_close_t *m = r.reply.decoded;
        snprintf(got, sizeof(got), "%u %.*s", m->reply_code, (int)m->reply_text.len,
                 (char *)m->reply_text.bytes);
        amqp_channel_close_ok_t ok = {0};
        amqp_send_method(c, (amqp_channel_t)chan, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
        result(m->reply_code == 403 && strlen(text) == m->reply_text.len &&
                       memcmp(text, m->reply_text.bytes, m->reply_text.len) == 0,
               what, got);
    } else {
        result(0, what, got);
    }
    amqp_channel_open(c, (amqp_channel_t)++chan);
}

static void
expect_ok(amqp_connection_state_t c, const char *what)
{
    result(amqp_get_rpc_reply(c).reply_type == AMQP_RESPONSE_NORMAL, what, NULL);
}

/* A publish error arrives asynchronously: a following synchronous call sees the close. */
static void
publish_then_sync(amqp_connection_state_t c, const char *exchange, const char *key)
{
    amqp_basic_publish(c, (amqp_channel_t)chan, amqp_cstring_bytes(exchange),
                       amqp_cstring_bytes(key), 0, 0, NULL, amqp_cstring_bytes("x"));
    amqp_basic_qos(c, (amqp_channel_t)chan, 0, 0, 0);
}

/* Topic permissions (A-05): "tom" may write and read only routing keys that start with his
 * own name ({username} expanded), on topic exchanges only. */
static void
topic_checks(amqp_connection_state_t c)
{
    amqp_queue_declare(c, (amqp_channel_t)chan, amqp_cstring_bytes("tom-q"), 0, 0, 0, 1,
                       amqp_empty_table);
    expect_ok(c, "declare tom-q");
    amqp_queue_bind(c, (amqp_channel_t)chan, amqp_cstring_bytes("tom-q"),
                    amqp_cstring_bytes("amq.topic"), amqp_cstring_bytes("tom.#"), amqp_empty_table);
    expect_ok(c, "topic read allowed: bind with tom.#");
    amqp_queue_bind(c, (amqp_channel_t)chan, amqp_cstring_bytes("tom-q"),
                    amqp_cstring_bytes("amq.topic"), amqp_cstring_bytes("b.#"), amqp_empty_table);
    expect_refused(c, "topic read denied: bind with b.#",
                   "ACCESS_REFUSED - access to topic 'b.#' in exchange 'amq.topic' in vhost '/' "
                   "refused for user 'tom'");
    publish_then_sync(c, "amq.topic", "tom.x");
    expect_ok(c, "topic write allowed: publish tom.x");
    publish_then_sync(c, "amq.topic", "b.x");
    expect_refused(c, "topic write denied: publish b.x",
                   "ACCESS_REFUSED - access to topic 'b.x' in exchange 'amq.topic' in vhost '/' "
                   "refused for user 'tom'");
    publish_then_sync(c, "amq.direct", "b.x");
    expect_ok(c, "topic permissions do not apply to a direct exchange");
    amqp_basic_get(c, (amqp_channel_t)chan, amqp_cstring_bytes("tom-q"), 1);
    amqp_rpc_reply_t r = amqp_get_rpc_reply(c);
    result(r.reply_type == AMQP_RESPONSE_NORMAL && r.reply.id == AMQP_BASIC_GET_OK_METHOD,
           "only the allowed publish was routed to tom-q", NULL);
    amqp_maybe_release_buffers(c);
    amqp_basic_get(c, (amqp_channel_t)chan, amqp_cstring_bytes("tom-q"), 1);
    r = amqp_get_rpc_reply(c);
    result(r.reply_type == AMQP_RESPONSE_NORMAL && r.reply.id == AMQP_BASIC_GET_EMPTY_METHOD,
           "the refused publish was not routed", NULL);
}

static void
name_checks(amqp_connection_state_t c)
{
    amqp_queue_declare(c, 1, amqp_cstring_bytes("alice-q"), 0, 0, 0, 1, amqp_empty_table);
    expect_ok(c, "configure allowed: declare alice-q");
    amqp_queue_declare(c, (amqp_channel_t)chan, amqp_cstring_bytes("bob-q"), 0, 0, 0, 1,
                       amqp_empty_table);
    expect_refused(
            c, "configure denied: declare bob-q",
            "ACCESS_REFUSED - access to queue 'bob-q' in vhost '/' refused for user 'alice'");
    amqp_queue_delete(c, (amqp_channel_t)chan, amqp_cstring_bytes("guest-q"), 0, 0);
    expect_refused(
            c, "configure denied: delete guest-q",
            "ACCESS_REFUSED - access to queue 'guest-q' in vhost '/' refused for user 'alice'");
    publish_then_sync(c, "amq.direct", "alice-q");
    expect_refused(c, "write denied: publish to amq.direct",
                   "ACCESS_REFUSED - access to exchange 'amq.direct' in vhost '/' refused for user "
                   "'alice'");
    publish_then_sync(c, "", "alice-q");
    expect_ok(c, "write allowed: publish through amq.default");
    amqp_basic_consume(c, (amqp_channel_t)chan, amqp_cstring_bytes("guest-q"), amqp_empty_bytes, 0,
                       1, 0, amqp_empty_table);
    expect_refused(
            c, "read denied: consume guest-q",
            "ACCESS_REFUSED - access to queue 'guest-q' in vhost '/' refused for user 'alice'");
    amqp_queue_bind(c, (amqp_channel_t)chan, amqp_cstring_bytes("alice-q"),
                    amqp_cstring_bytes("amq.topic"), amqp_cstring_bytes("#"), amqp_empty_table);
    expect_refused(c, "read denied on the source: bind alice-q to amq.topic",
                   "ACCESS_REFUSED - access to exchange 'amq.topic' in vhost '/' refused for user "
                   "'alice'");
    amqp_basic_get(c, (amqp_channel_t)chan, amqp_cstring_bytes("alice-q"), 1);
    expect_ok(c, "read allowed: get from alice-q");
}

int
main(int argc, char **argv)
{
    amqp_connection_state_t c = amqp_new_connection();
    amqp_socket_t *s = amqp_tcp_socket_new(c);
    struct timeval tv = {10, 0};
    const char *user = argc == 4 ? argv[3] : "alice";

    if (argc < 3 || amqp_socket_open_noblock(s, argv[1], atoi(argv[2]), &tv) != AMQP_STATUS_OK ||
        amqp_login(c, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, user, user).reply_type !=
                AMQP_RESPONSE_NORMAL)
        return 2;
    amqp_set_rpc_timeout(c, &tv);
    amqp_channel_open(c, (amqp_channel_t)chan);
    if (strcmp(user, "tom") == 0)
        topic_checks(c);
    else
        name_checks(c);
    amqp_connection_close(c, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(c);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
