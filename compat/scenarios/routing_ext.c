/* SPDX-License-Identifier: MPL-2.0 */
/* Routing extension scenarios (X-04, X-06..X-09, ERR-21, ERR-23, ERR-26): alternate
 * exchange chains and loops, internal exchanges as e2e destinations, e2e bind/unbind and
 * auto-delete sources, sender-selected distribution (CC/BCC), headers edge cases, user_id. */
#include "config.h"

#include "compat/lib/client.h"
#include "compat/lib/suite.h"

#include <string.h>

static void
e2e(conn_t c, int bind, const char *dst, const char *src, const char *key)
{
    if (bind)
        amqp_exchange_bind(c, 1, amqp_cstring_bytes(dst), amqp_cstring_bytes(src),
                           amqp_cstring_bytes(key), amqp_empty_table);
    else
        amqp_exchange_unbind(c, 1, amqp_cstring_bytes(dst), amqp_cstring_bytes(src),
                             amqp_cstring_bytes(key), amqp_empty_table);
    cl_ok(c, sc_fmt("exchange.%s %s <- %s", bind ? "bind" : "unbind", dst, src));
}

static amqp_table_t
ae(const char *x)
{
    return cl_table1("alternate-exchange", cl_str(x));
}

/* AE chains are followed (main -> ae1 -> ae2), deliver keeps the original exchange
 * and key; an AE loop with no queue ends as unroutable (returned, not hung). */
static void
x06_chain_and_loop(void)
{
    conn_t c = cl_open_confirming();
    const char *ae2 = cl_new_exchange(c, "ae2", "fanout", 0, amqp_empty_table);
    const char *ae1 = cl_new_exchange(c, "ae1", "direct", 0, ae(ae2));
    const char *x = cl_new_exchange(c, "main", "direct", 0, ae(ae1));
    const char *q = cl_new_queue(c, "end", 0, amqp_empty_table);
    cl_bind(c, 1, q, ae2, "", amqp_empty_table);
    CHECK(!cl_publish_wait(c, 2, x, "k", 1, NULL, "chained"), "returned despite the AE chain");
    struct got g;
    CHECK(cl_get(c, 1, q, 1, &g), "message did not reach the end of the AE chain");
    CHECK_STR(g.exchange, x, "deliver exchange");
    CHECK_STR(g.routing_key, "k", "deliver routing key");
    const char *la = sc_exchange("loop-a"), *lb = sc_exchange("loop-b");
    cl_exchange(c, 1, la, "direct", 0, ae(lb));
    cl_ok(c, "declare loop-a");
    cl_exchange(c, 1, lb, "direct", 0, ae(la));
    cl_ok(c, "declare loop-b");
    CHECK(cl_publish_wait(c, 2, la, "k", 1, NULL, "looping"),
          "mandatory publish into an AE loop not returned");
    cl_close(c);
}

/* the alternate exchange belongs to each exchange on the route: an inner exchange reached
 * through an e2e binding falls back to its own AE when its bindings do not match, while the outer
 * exchange, whose e2e binding did match, does not use its AE even though nothing was routed. */
static void
x06_inner_alternate(void)
{
    conn_t c = cl_open_confirming();
    const char *inner_ae = cl_new_exchange(c, "inner-ae", "fanout", 0, amqp_empty_table);
    const char *outer_ae = cl_new_exchange(c, "outer-ae", "fanout", 0, amqp_empty_table);
    const char *inner = cl_new_exchange(c, "inner", "direct", 0, ae(inner_ae));
    const char *outer = cl_new_exchange(c, "outer", "direct", 0, ae(outer_ae));
    const char *lone = cl_new_exchange(c, "lone", "direct", 0, amqp_empty_table);
    const char *outer2 = cl_new_exchange(c, "outer2", "direct", 0, ae(outer_ae));
    const char *qi = cl_new_queue(c, "qi", 0, amqp_empty_table);
    const char *qo = cl_new_queue(c, "qo", 0, amqp_empty_table);
    cl_bind(c, 1, qi, inner_ae, "", amqp_empty_table);
    cl_bind(c, 1, qo, outer_ae, "", amqp_empty_table);
    e2e(c, 1, inner, outer, "k");
    e2e(c, 1, lone, outer2, "k");
    CHECK(!cl_publish_wait(c, 2, outer, "k", 1, NULL, "via-inner-ae"),
          "returned although the inner exchange's AE routed it");
    CHECK_STR(cl_drain(c, 1, qi), "via-inner-ae", "inner exchange's AE queue");
    CHECK_STR(cl_drain(c, 1, qo), "", "outer exchange's AE queue (its e2e binding matched)");
    CHECK(cl_publish_wait(c, 2, outer2, "k", 1, NULL, "dead-end"),
          "mandatory publish through a matching e2e binding to a dead end not returned");
    CHECK_STR(cl_drain(c, 1, qo), "", "outer AE used although its binding matched");
    cl_close(c);
}

/* an internal exchange refuses publishes but works as an e2e destination. */
static void
x07_internal_destination(void)
{
    conn_t c = cl_open_confirming();
    const char *pub = cl_new_exchange(c, "pub", "fanout", 0, amqp_empty_table);
    const char *in = cl_new_exchange(c, "int", "fanout", CL_INTERNAL, amqp_empty_table);
    const char *q = cl_new_queue(c, "q", 0, amqp_empty_table);
    cl_bind(c, 1, q, in, "", amqp_empty_table);
    e2e(c, 1, in, pub, "");
    cl_publish_wait(c, 2, pub, "k", 0, NULL, "through");
    struct got g;
    CHECK(cl_get(c, 1, q, 1, &g), "message did not pass the internal exchange");
    CHECK_STR(g.exchange, pub, "deliver exchange is the published-to exchange");
    cl_publish(c, 1, in, "k", "direct");
    cl_await_ch_close(
            c, 1, 403,
            sc_fmt("ACCESS_REFUSED - cannot publish to internal exchange '%s' in vhost '/'", in),
            60, 40);
    cl_close(c);
}

/* e2e bind routes by the binding key, unbind stops it. */
static void
x08_bind_unbind(void)
{
    conn_t c = cl_open_confirming();
    const char *src = cl_new_exchange(c, "src", "direct", 0, amqp_empty_table);
    const char *dst = cl_new_exchange(c, "dst", "fanout", 0, amqp_empty_table);
    const char *q = cl_new_queue(c, "q", 0, amqp_empty_table);
    cl_bind(c, 1, q, dst, "", amqp_empty_table);
    e2e(c, 1, dst, src, "k");
    cl_publish_wait(c, 2, src, "k", 0, NULL, "bound");
    cl_publish_wait(c, 2, src, "other", 0, NULL, "wrong-key");
    e2e(c, 0, dst, src, "k");
    CHECK(cl_publish_wait(c, 2, src, "k", 1, NULL, "unbound"), "routed after exchange.unbind");
    CHECK_STR(cl_drain(c, 1, q), "bound", "delivered");
    cl_close(c);
}

static int
exchange_exists(conn_t c, const char *x)
{
    cl_exchange(c, 1, x, "fanout", CL_PASSIVE, amqp_empty_table);
    amqp_rpc_reply_t r = amqp_get_rpc_reply(c);
    if (r.reply_type == AMQP_RESPONSE_NORMAL)
        return 1;
    cl_expect_ch_close(c, 1, 404, sc_fmt("NOT_FOUND - no exchange '%s' in vhost '/'", x), 40, 10);
    cl_channel(c, 1);
    return 0;
}

/* an auto-delete source goes with its last e2e binding, by unbind or by
 * deletion of the destination exchange. */
static void
x08_auto_delete_source(void)
{
    conn_t c = cl_open();
    const char *dst = cl_new_exchange(c, "dst", "fanout", 0, amqp_empty_table);
    const char *s1 = cl_new_exchange(c, "s1", "fanout", CL_AUTODEL, amqp_empty_table);
    e2e(c, 1, dst, s1, "");
    e2e(c, 0, dst, s1, "");
    CHECK(!exchange_exists(c, s1), "auto-delete source survived exchange.unbind");
    const char *s2 = cl_new_exchange(c, "s2", "fanout", CL_AUTODEL, amqp_empty_table);
    e2e(c, 1, dst, s2, "");
    amqp_exchange_delete(c, 1, amqp_cstring_bytes(dst), 0);
    cl_ok(c, "exchange.delete of the destination");
    CHECK(!exchange_exists(c, s2), "auto-delete source survived deletion of its destination");
    cl_close(c);
}

/* an e2e cycle terminates and delivers one copy. */
static void
x08_cycle(void)
{
    conn_t c = cl_open_confirming();
    const char *a = cl_new_exchange(c, "a", "fanout", 0, amqp_empty_table);
    const char *b = cl_new_exchange(c, "b", "fanout", 0, amqp_empty_table);
    const char *q = cl_new_queue(c, "q", 0, amqp_empty_table);
    e2e(c, 1, b, a, "");
    e2e(c, 1, a, b, "");
    cl_bind(c, 1, q, b, "", amqp_empty_table);
    cl_publish_wait(c, 2, a, "", 0, NULL, "once");
    CHECK_STR(cl_drain(c, 1, q), "once", "copies through an e2e cycle");
    cl_close(c);
}

/* CC and BCC add routing keys in the same exchange; BCC is stripped from every copy,
 * CC kept; the deliver routing key stays the publish key; one copy per queue. */
static void
x09_cc_bcc(void)
{
    conn_t c = cl_open_confirming();
    const char *x = cl_new_exchange(c, "d", "direct", 0, amqp_empty_table);
    const char *qa = cl_new_queue(c, "a", 0, amqp_empty_table);
    const char *qb = cl_new_queue(c, "b", 0, amqp_empty_table);
    const char *qc = cl_new_queue(c, "c", 0, amqp_empty_table);
    cl_bind(c, 1, qa, x, "a", amqp_empty_table);
    cl_bind(c, 1, qb, x, "b", amqp_empty_table);
    cl_bind(c, 1, qc, x, "c", amqp_empty_table);
    amqp_basic_properties_t p = {
            ._flags = AMQP_BASIC_HEADERS_FLAG,
            .headers = cl_table(3, "CC", cl_strs(2, "b", "a"), "BCC", cl_strs(1, "c"), "other",
                                cl_int(7)),
    };
    cl_publish_wait(c, 2, x, "a", 0, &p, "m");
    const char *const qs[] = {qa, qb, qc};
    for (int i = 0; i < 3; i++) {
        struct got g;
        CHECK(cl_get(c, 1, qs[i], 1, &g), "copy for %s missing", qs[i]);
        CHECK_STR(g.routing_key, "a", "deliver routing key");
        CHECK_STR(cl_headers(&g), "{CC:A[S\"b\",S\"a\"],other:I7}", "headers (BCC stripped)");
        CHECK_INT(cl_count(c, 1, qs[i]), 0, "copies per queue");
    }
    cl_close(c);
}

static void
bad_header(const char *key, amqp_field_value_t v, const char *text)
{
    conn_t c = cl_open();
    amqp_basic_properties_t p = {._flags = AMQP_BASIC_HEADERS_FLAG, .headers = cl_table1(key, v)};
    cl_publish_props(c, 1, "amq.direct", "k", 0, &p, "m");
    cl_await_ch_close(c, 1, 406, text, 60, 40);
    cl_close(c);
}

/* ERR-23: CC / BCC must be arrays of longstr. */
static void
err23_cc_not_array(void)
{
    bad_header(
            "CC", cl_str("b"),
            "PRECONDITION_FAILED - invalid message: {unacceptable_type_in_header,\"CC\",longstr}");
}

static void
err23_bcc_not_array(void)
{
    bad_header("BCC", cl_int(1),
               "PRECONDITION_FAILED - invalid message: "
               "{unacceptable_type_in_header,\"BCC\",signedint}");
}

/* all-with-x / any-with-x compare x- keys too; all/any ignore them; integer widths
 * compare equal; any with no comparable keys matches nothing. */
static void
x04_headers_edges(void)
{
    conn_t c = cl_open_confirming();
    const char *x = cl_new_exchange(c, "h", "headers", 0, amqp_empty_table);
    const char *allx = cl_new_queue(c, "allx", 0, amqp_empty_table);
    const char *anyx = cl_new_queue(c, "anyx", 0, amqp_empty_table);
    const char *all = cl_new_queue(c, "all", 0, amqp_empty_table);
    const char *width = cl_new_queue(c, "width", 0, amqp_empty_table);
    const char *empty_any = cl_new_queue(c, "emptyany", 0, amqp_empty_table);
    cl_bind(c, 1, allx, x, "", cl_table(2, "x-match", cl_str("all-with-x"), "x-tag", cl_str("t")));
    cl_bind(c, 1, anyx, x, "",
            cl_table(3, "x-match", cl_str("any-with-x"), "x-tag", cl_str("t"), "k", cl_int(9)));
    cl_bind(c, 1, all, x, "", cl_table(2, "x-match", cl_str("all"), "x-tag", cl_str("t")));
    cl_bind(c, 1, width, x, "", cl_table1("n", cl_long(5)));
    cl_bind(c, 1, empty_any, x, "", cl_table1("x-match", cl_str("any")));
    amqp_basic_properties_t p = {._flags = AMQP_BASIC_HEADERS_FLAG};
    p.headers = cl_table1("x-tag", cl_str("t"));
    cl_publish_wait(c, 2, x, "", 0, &p, "tagged");
    p.headers = cl_table1("x-tag", cl_str("u"));
    cl_publish_wait(c, 2, x, "", 0, &p, "other-tag");
    p.headers = cl_table1("n", cl_int(5));
    cl_publish_wait(c, 2, x, "", 0, &p, "n-int");
    CHECK_STR(cl_drain(c, 1, allx), "tagged", "all-with-x");
    CHECK_STR(cl_drain(c, 1, anyx), "tagged", "any-with-x");
    CHECK_STR(cl_drain(c, 1, all), "tagged,other-tag,n-int", "all ignores x- keys");
    CHECK_STR(cl_drain(c, 1, width), "n-int", "long binding vs int header");
    CHECK_STR(cl_drain(c, 1, empty_any), "", "any without keys");
    cl_close(c);
}

/* ERR-26: bad x-match values on a headers binding. */
static void
err26_bad_x_match(void)
{
    conn_t c = cl_open();
    const char *x = cl_new_exchange(c, "h", "headers", 0, amqp_empty_table);
    const char *q = cl_new_queue(c, "q", 0, amqp_empty_table);
    amqp_queue_bind(c, 1, amqp_cstring_bytes(q), amqp_cstring_bytes(x), amqp_empty_bytes,
                    cl_table1("x-match", cl_str("some")));
    cl_expect_ch_close(c, 1, 406,
                       "PRECONDITION_FAILED - Invalid x-match field value <<\"some\">>; expected "
                       "all, any, all-with-x, or any-with-x",
                       50, 20);
    cl_channel(c, 1);
    amqp_queue_bind(c, 1, amqp_cstring_bytes(q), amqp_cstring_bytes(x), amqp_empty_bytes,
                    cl_table1("x-match", cl_int(1)));
    cl_expect_ch_close(c, 1, 406,
                       "PRECONDITION_FAILED - Invalid x-match field type signedint (value 1); "
                       "expected longstr",
                       50, 20);
    cl_close(c);
}

/* ERR-21: a user_id equal to the authenticated user is accepted and delivered as is. */
static void
err21_user_id_matches(void)
{
    conn_t c = cl_open_confirming();
    const char *q = cl_new_queue(c, "uid", 0, amqp_empty_table);
    amqp_basic_properties_t p = {._flags = AMQP_BASIC_USER_ID_FLAG,
                                 .user_id = amqp_cstring_bytes("guest")};
    cl_publish_wait(c, 2, "", q, 0, &p, "m");
    struct got g;
    CHECK(cl_get(c, 1, q, 1, &g), "message with matching user_id missing");
    CHECK_STR(cl_prop(&g, AMQP_BASIC_USER_ID_FLAG, g.props.user_id), "guest", "user_id");
    cl_close(c);
}

const struct scenario sc_routing_ext[] = {
        {"X-06", "routing", "", x06_chain_and_loop, "AE chain followed, AE loop unroutable"},
        {"X-06", "routing", "", x06_inner_alternate, "AE of an exchange reached by e2e binding"},
        {"X-07", "routing", "", x07_internal_destination, "internal exchange as e2e destination"},
        {"X-08", "routing", "", x08_bind_unbind, "e2e bind routes by key, unbind stops"},
        {"X-08", "routing", "", x08_auto_delete_source, "auto-delete e2e source deleted"},
        {"X-08", "routing", "", x08_cycle, "e2e cycle delivers once"},
        {"X-09", "routing", "", x09_cc_bcc, "CC/BCC routing, BCC stripped, CC kept"},
        {"ERR-23", "routing", "", err23_cc_not_array, "CC as longstr 406"},
        {"ERR-23", "routing", "", err23_bcc_not_array, "BCC as int 406"},
        {"X-04", "routing", "", x04_headers_edges, "headers -with-x, int widths, empty any"},
        {"ERR-26", "routing", "", err26_bad_x_match, "bad x-match 406"},
        {"ERR-21", "routing", "", err21_user_id_matches, "user_id = login accepted"},
        {NULL, NULL, NULL, NULL, NULL},
};
