/* SPDX-License-Identifier: MPL-2.0 */
/* rabbitmq-c wrappers used by compat scenarios (timeouts, exact close checks). */
#include "config.h"

#include "compat/lib/client.h"

#include "compat/lib/suite.h"

#include <amqp_tcp_socket.h>
#include <stdarg.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#define RPC_TIMEOUT_S 5

static const char *
bytes_str(amqp_bytes_t b)
{
    return sc_fmt("%.*s", (int)b.len, (const char *)b.bytes);
}

conn_t
cl_open(void)
{
    conn_t c = amqp_new_connection();
    amqp_socket_t *s = amqp_tcp_socket_new(c);
    struct timeval tv = {RPC_TIMEOUT_S, 0};
    CHECK(s != NULL, "amqp_tcp_socket_new failed");
    amqp_set_rpc_timeout(c, &tv);
    amqp_set_handshake_timeout(c, &tv);
    int rc = amqp_socket_open_noblock(s, sc_host, sc_port, &tv);
    CHECK(rc == AMQP_STATUS_OK, "connect %s:%d: %s", sc_host, sc_port, amqp_error_string2(rc));
    amqp_rpc_reply_t r = amqp_login(c, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest");
    CHECK(r.reply_type == AMQP_RESPONSE_NORMAL, "login failed (reply type %d)", r.reply_type);
    cl_channel(c, 1);
    return c;
}

void
cl_close(conn_t c)
{
    amqp_connection_close(c, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(c);
}

void
cl_channel(conn_t c, amqp_channel_t ch)
{
    amqp_channel_open(c, ch);
    cl_ok(c, sc_fmt("channel.open %u", ch));
}

static const char *
describe_reply(amqp_rpc_reply_t r)
{
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION)
        return sc_fmt("library error: %s", amqp_error_string2(r.library_error));
    if (r.reply_type != AMQP_RESPONSE_SERVER_EXCEPTION)
        return sc_fmt("reply type %d", r.reply_type);
    if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        amqp_channel_close_t *m = r.reply.decoded;
        return sc_fmt("channel.close %u \"%s\"", m->reply_code, bytes_str(m->reply_text));
    }
    if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        amqp_connection_close_t *m = r.reply.decoded;
        return sc_fmt("connection.close %u \"%s\"", m->reply_code, bytes_str(m->reply_text));
    }
    return sc_fmt("server method 0x%08x", r.reply.id);
}

void
cl_ok(conn_t c, const char *what)
{
    amqp_rpc_reply_t r = amqp_get_rpc_reply(c);
    if (r.reply_type != AMQP_RESPONSE_NORMAL)
        sc_fail("%s: %s", what, describe_reply(r));
}

static void
check_close(amqp_method_number_t id, void *decoded, amqp_method_number_t want, uint16_t code,
            const char *text, uint16_t cls, uint16_t meth)
{
    uint16_t got_code, got_cls, got_meth;
    amqp_bytes_t got_text;
    CHECK(id == want, "expected %s close, got method 0x%08x",
          want == AMQP_CHANNEL_CLOSE_METHOD ? "channel" : "connection", id);
    if (id == AMQP_CHANNEL_CLOSE_METHOD) {
        amqp_channel_close_t *m = decoded;
        got_code = m->reply_code, got_text = m->reply_text;
        got_cls = m->class_id, got_meth = m->method_id;
    } else {
        amqp_connection_close_t *m = decoded;
        got_code = m->reply_code, got_text = m->reply_text;
        got_cls = m->class_id, got_meth = m->method_id;
    }
    CHECK_INT(got_code, code, "reply-code");
    CHECK_STR(bytes_str(got_text), text, "reply-text");
    CHECK(got_cls == cls && got_meth == meth, "close class/method: got %u/%u, want %u/%u", got_cls,
          got_meth, cls, meth);
}

static void
answer_close(conn_t c, amqp_channel_t ch, amqp_method_number_t id)
{
    if (id == AMQP_CHANNEL_CLOSE_METHOD) {
        amqp_channel_close_ok_t ok = {0};
        amqp_send_method(c, ch, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
    } else {
        amqp_connection_close_ok_t ok = {0};
        amqp_send_method(c, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
    }
}

static void
expect_rpc_close(conn_t c, amqp_channel_t ch, amqp_method_number_t want, uint16_t code,
                 const char *text, uint16_t cls, uint16_t meth)
{
    amqp_rpc_reply_t r = amqp_get_rpc_reply(c);
    CHECK(r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION, "expected %u \"%s\", got %s", code, text,
          r.reply_type == AMQP_RESPONSE_NORMAL ? "success" : describe_reply(r));
    check_close(r.reply.id, r.reply.decoded, want, code, text, cls, meth);
    answer_close(c, ch, r.reply.id);
}

void
cl_expect_ch_close(conn_t c, amqp_channel_t ch, uint16_t code, const char *text, uint16_t cls,
                   uint16_t meth)
{
    expect_rpc_close(c, ch, AMQP_CHANNEL_CLOSE_METHOD, code, text, cls, meth);
}

void
cl_expect_conn_close(conn_t c, uint16_t code, const char *text, uint16_t cls, uint16_t meth)
{
    expect_rpc_close(c, 0, AMQP_CONNECTION_CLOSE_METHOD, code, text, cls, meth);
}

/* Waits for the next method frame, skipping content of earlier deliveries. */
static amqp_frame_t
await_method(conn_t c)
{
    amqp_frame_t f;
    for (;;) {
        struct timeval tv = {RPC_TIMEOUT_S, 0};
        int rc = amqp_simple_wait_frame_noblock(c, &f, &tv);
        CHECK(rc == AMQP_STATUS_OK, "waiting for close: %s", amqp_error_string2(rc));
        if (f.frame_type == AMQP_FRAME_METHOD)
            return f;
    }
}

static void
await_close(conn_t c, amqp_channel_t ch, amqp_method_number_t want, uint16_t code, const char *text,
            uint16_t cls, uint16_t meth)
{
    amqp_frame_t f = await_method(c);
    check_close(f.payload.method.id, f.payload.method.decoded, want, code, text, cls, meth);
    answer_close(c, f.channel, f.payload.method.id);
    (void)ch;
}

void
cl_await_ch_close(conn_t c, amqp_channel_t ch, uint16_t code, const char *text, uint16_t cls,
                  uint16_t meth)
{
    await_close(c, ch, AMQP_CHANNEL_CLOSE_METHOD, code, text, cls, meth);
}

void
cl_await_conn_close(conn_t c, uint16_t code, const char *text, uint16_t cls, uint16_t meth)
{
    await_close(c, 0, AMQP_CONNECTION_CLOSE_METHOD, code, text, cls, meth);
}

amqp_queue_declare_ok_t *
cl_queue(conn_t c, amqp_channel_t ch, const char *q, int flags, amqp_table_t args)
{
    amqp_queue_declare_ok_t *ok = amqp_queue_declare(
            c, ch, amqp_cstring_bytes(q), !!(flags & CL_PASSIVE), !!(flags & CL_DURABLE),
            !!(flags & CL_EXCLUSIVE), !!(flags & CL_AUTODEL), args);
    return ok;
}

void
cl_exchange(conn_t c, amqp_channel_t ch, const char *x, const char *type, int flags,
            amqp_table_t args)
{
    amqp_exchange_declare(c, ch, amqp_cstring_bytes(x), amqp_cstring_bytes(type),
                          !!(flags & CL_PASSIVE), !!(flags & CL_DURABLE), !!(flags & CL_AUTODEL),
                          !!(flags & CL_INTERNAL), args);
}

void
cl_bind(conn_t c, amqp_channel_t ch, const char *q, const char *x, const char *rk,
        amqp_table_t args)
{
    amqp_queue_bind(c, ch, amqp_cstring_bytes(q), amqp_cstring_bytes(x), amqp_cstring_bytes(rk),
                    args);
    cl_ok(c, sc_fmt("queue.bind %s -> %s (%s)", x, q, rk));
}

void
cl_publish_props(conn_t c, amqp_channel_t ch, const char *x, const char *rk, int mandatory,
                 const amqp_basic_properties_t *props, const char *body)
{
    int rc = amqp_basic_publish(c, ch, amqp_cstring_bytes(x), amqp_cstring_bytes(rk), mandatory, 0,
                                props, amqp_cstring_bytes(body));
    CHECK(rc == AMQP_STATUS_OK, "basic.publish: %s", amqp_error_string2(rc));
}

void
cl_publish(conn_t c, amqp_channel_t ch, const char *x, const char *rk, const char *body)
{
    cl_publish_props(c, ch, x, rk, 0, NULL, body);
}

/* Received properties live in the connection's pools; scenarios keep them past the next
 * read, so they are copied into a pool that lives until the child exits. */
static amqp_pool_t keep_pool;
static int keep_pool_ready;

static amqp_bytes_t
keep_bytes(amqp_bytes_t b)
{
    if (b.len == 0)
        return amqp_empty_bytes;
    amqp_bytes_t out;
    amqp_pool_alloc_bytes(&keep_pool, b.len, &out);
    CHECK(out.bytes != NULL, "out of memory copying properties");
    memcpy(out.bytes, b.bytes, b.len);
    return out;
}

static void
keep_props(const amqp_basic_properties_t *in, amqp_basic_properties_t *out)
{
    if (!keep_pool_ready) {
        init_amqp_pool(&keep_pool, 16384);
        keep_pool_ready = 1;
    }
    *out = *in;
    amqp_bytes_t *const fields[] = {
            &out->content_type, &out->content_encoding, &out->correlation_id, &out->reply_to,
            &out->expiration,   &out->message_id,       &out->type,           &out->user_id,
            &out->app_id,       &out->cluster_id};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        *fields[i] = keep_bytes(*fields[i]);
    out->headers = amqp_empty_table;
    if (in->_flags & AMQP_BASIC_HEADERS_FLAG)
        CHECK(amqp_table_clone(&in->headers, &out->headers, &keep_pool) == AMQP_STATUS_OK,
              "copying headers");
}

static void
read_body(conn_t c, amqp_channel_t ch, struct got *g)
{
    amqp_message_t msg;
    amqp_rpc_reply_t r = amqp_read_message(c, ch, &msg, 0);
    CHECK(r.reply_type == AMQP_RESPONSE_NORMAL, "reading message: %s", describe_reply(r));
    g->body = bytes_str(msg.body);
    keep_props(&msg.properties, &g->props);
    amqp_destroy_message(&msg);
}

int
cl_get(conn_t c, amqp_channel_t ch, const char *q, int no_ack, struct got *g)
{
    amqp_rpc_reply_t r = amqp_basic_get(c, ch, amqp_cstring_bytes(q), no_ack);
    CHECK(r.reply_type == AMQP_RESPONSE_NORMAL, "basic.get %s: %s", q, describe_reply(r));
    if (r.reply.id == AMQP_BASIC_GET_EMPTY_METHOD)
        return 0;
    CHECK(r.reply.id == AMQP_BASIC_GET_OK_METHOD, "basic.get: method 0x%08x", r.reply.id);
    amqp_basic_get_ok_t *ok = r.reply.decoded;
    g->tag = ok->delivery_tag;
    g->redelivered = ok->redelivered;
    g->remaining = ok->message_count;
    g->exchange = bytes_str(ok->exchange);
    g->routing_key = bytes_str(ok->routing_key);
    g->consumer_tag = "";
    read_body(c, ch, g);
    return 1;
}

void
cl_get_expect(conn_t c, amqp_channel_t ch, const char *q, int no_ack, const char *body)
{
    struct got g;
    CHECK(cl_get(c, ch, q, no_ack, &g), "basic.get %s: empty, want \"%s\"", q, body);
    CHECK_STR(g.body, body, "message body");
}

const char *
cl_consume_args(conn_t c, amqp_channel_t ch, const char *q, const char *tag, int no_ack,
                int exclusive, amqp_table_t args)
{
    amqp_basic_consume_ok_t *ok =
            amqp_basic_consume(c, ch, amqp_cstring_bytes(q), amqp_cstring_bytes(tag ? tag : ""), 0,
                               no_ack, exclusive, args);
    cl_ok(c, sc_fmt("basic.consume %s", q));
    return bytes_str(ok->consumer_tag);
}

const char *
cl_consume(conn_t c, amqp_channel_t ch, const char *q, const char *tag, int no_ack, int exclusive)
{
    return cl_consume_args(c, ch, q, tag, no_ack, exclusive, amqp_empty_table);
}

void
cl_qos(conn_t c, amqp_channel_t ch, uint16_t prefetch, int global)
{
    amqp_basic_qos(c, ch, 0, prefetch, global);
    cl_ok(c, sc_fmt("basic.qos %u global=%d", prefetch, global));
}

int
cl_next(conn_t c, int timeout_ms, struct got *g, amqp_channel_t *ch)
{
    amqp_envelope_t env;
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    amqp_maybe_release_buffers(c);
    amqp_rpc_reply_t r = amqp_consume_message(c, &env, &tv, 0);
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_TIMEOUT)
        return 0;
    CHECK(r.reply_type == AMQP_RESPONSE_NORMAL, "consume: %s", describe_reply(r));
    g->body = bytes_str(env.message.body);
    g->tag = env.delivery_tag;
    g->redelivered = env.redelivered;
    g->exchange = bytes_str(env.exchange);
    g->routing_key = bytes_str(env.routing_key);
    g->consumer_tag = bytes_str(env.consumer_tag);
    g->remaining = 0;
    keep_props(&env.message.properties, &g->props);
    if (ch)
        *ch = env.channel;
    amqp_destroy_envelope(&env);
    return 1;
}

uint32_t
cl_count(conn_t c, amqp_channel_t ch, const char *q)
{
    amqp_queue_declare_ok_t *ok = cl_queue(c, ch, q, CL_PASSIVE, amqp_empty_table);
    cl_ok(c, sc_fmt("passive declare %s", q));
    return ok->message_count;
}

amqp_field_value_t
cl_int(int32_t v)
{
    amqp_field_value_t f = {.kind = AMQP_FIELD_KIND_I32};
    f.value.i32 = v;
    return f;
}

amqp_field_value_t
cl_long(int64_t v)
{
    amqp_field_value_t f = {.kind = AMQP_FIELD_KIND_I64};
    f.value.i64 = v;
    return f;
}

amqp_field_value_t
cl_str(const char *s)
{
    amqp_field_value_t f = {.kind = AMQP_FIELD_KIND_UTF8};
    f.value.bytes = amqp_cstring_bytes(s);
    return f;
}

amqp_field_value_t
cl_void(void)
{
    amqp_field_value_t f = {.kind = AMQP_FIELD_KIND_VOID};
    return f;
}

amqp_field_value_t
cl_bool(int v)
{
    amqp_field_value_t f = {.kind = AMQP_FIELD_KIND_BOOLEAN};
    f.value.boolean = !!v;
    return f;
}

/* Entries are kept in a static pool: a scenario child builds only a few tables. */
static amqp_table_entry_t pool[256];
static size_t pool_used;

static amqp_table_entry_t *
entries(size_t n)
{
    CHECK(pool_used + n <= sizeof(pool) / sizeof(pool[0]), "table pool exhausted");
    amqp_table_entry_t *e = pool + pool_used;
    pool_used += n;
    return e;
}

amqp_table_t
cl_table1(const char *key, amqp_field_value_t v)
{
    amqp_table_entry_t *e = entries(1);
    e[0].key = amqp_cstring_bytes(key);
    e[0].value = v;
    return (amqp_table_t){1, e};
}

amqp_table_t
cl_table2(const char *k1, amqp_field_value_t v1, const char *k2, amqp_field_value_t v2)
{
    amqp_table_entry_t *e = entries(2);
    e[0].key = amqp_cstring_bytes(k1);
    e[0].value = v1;
    e[1].key = amqp_cstring_bytes(k2);
    e[1].value = v2;
    return (amqp_table_t){2, e};
}

amqp_table_t
cl_table(int n, ...)
{
    amqp_table_entry_t *e = entries((size_t)n);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        e[i].key = amqp_cstring_bytes(va_arg(ap, const char *));
        e[i].value = va_arg(ap, amqp_field_value_t);
    }
    va_end(ap);
    return (amqp_table_t){n, e};
}

/* Array elements share the table pool's lifetime; a separate small pool keeps them apart. */
static amqp_field_value_t array_pool[32];
static size_t array_used;

amqp_field_value_t
cl_strs(int n, ...)
{
    CHECK(array_used + (size_t)n <= sizeof(array_pool) / sizeof(array_pool[0]),
          "array pool exhausted");
    amqp_field_value_t *v = array_pool + array_used;
    array_used += (size_t)n;
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        v[i] = cl_str(va_arg(ap, const char *));
    va_end(ap);
    amqp_field_value_t f = {.kind = AMQP_FIELD_KIND_ARRAY};
    f.value.array = (amqp_array_t){n, v};
    return f;
}

static const char *render_value(const amqp_field_value_t *v);

static const char *
render_array(amqp_array_t a)
{
    const char *s = "";
    for (int i = 0; i < a.num_entries; i++)
        s = sc_fmt("%s%s%s", s, i ? "," : "", render_value(&a.entries[i]));
    return sc_fmt("[%s]", s);
}

static const char *
render_value(const amqp_field_value_t *v)
{
    switch (v->kind) {
    case AMQP_FIELD_KIND_UTF8:
    case AMQP_FIELD_KIND_BYTES:
        return sc_fmt("%c\"%s\"", v->kind, bytes_str(v->value.bytes));
    case AMQP_FIELD_KIND_BOOLEAN:
        return sc_fmt("t%d", v->value.boolean);
    case AMQP_FIELD_KIND_I8:
        return sc_fmt("b%d", v->value.i8);
    case AMQP_FIELD_KIND_U8:
        return sc_fmt("B%u", v->value.u8);
    case AMQP_FIELD_KIND_I16:
        return sc_fmt("s%d", v->value.i16);
    case AMQP_FIELD_KIND_U16:
        return sc_fmt("u%u", v->value.u16);
    case AMQP_FIELD_KIND_I32:
        return sc_fmt("I%d", v->value.i32);
    case AMQP_FIELD_KIND_U32:
        return sc_fmt("i%u", v->value.u32);
    case AMQP_FIELD_KIND_I64:
        return sc_fmt("l%lld", (long long)v->value.i64);
    case AMQP_FIELD_KIND_U64:
        return sc_fmt("L%llu", (unsigned long long)v->value.u64);
    case AMQP_FIELD_KIND_TIMESTAMP:
        return "T";
    case AMQP_FIELD_KIND_VOID:
        return "V";
    case AMQP_FIELD_KIND_ARRAY:
        return sc_fmt("A%s", render_array(v->value.array));
    case AMQP_FIELD_KIND_TABLE:
        return sc_fmt("F%s", cl_render(v->value.table));
    default:
        return sc_fmt("%c?", v->kind);
    }
}

const char *
cl_render(amqp_table_t t)
{
    const char *s = "";
    for (int i = 0; i < t.num_entries; i++)
        s = sc_fmt("%s%s%s:%s", s, i ? "," : "", bytes_str(t.entries[i].key),
                   render_value(&t.entries[i].value));
    return sc_fmt("{%s}", s);
}

const char *
cl_headers(const struct got *g)
{
    if (!(g->props._flags & AMQP_BASIC_HEADERS_FLAG))
        return "-";
    return cl_render(g->props.headers);
}

const amqp_field_value_t *
cl_find(amqp_table_t t, const char *key)
{
    for (int i = 0; i < t.num_entries; i++)
        if (t.entries[i].key.len == strlen(key) &&
            memcmp(t.entries[i].key.bytes, key, t.entries[i].key.len) == 0)
            return &t.entries[i].value;
    return NULL;
}

const char *
cl_prop(const struct got *g, amqp_flags_t flag, amqp_bytes_t v)
{
    return (g->props._flags & flag) ? bytes_str(v) : "-";
}

void
cl_confirm(conn_t c, amqp_channel_t ch)
{
    amqp_confirm_select(c, ch);
    cl_ok(c, "confirm.select");
}

int
cl_publish_confirm(conn_t c, amqp_channel_t ch, const char *x, const char *rk, int mandatory,
                   const amqp_basic_properties_t *props, const char *body)
{
    int returned = 0;
    cl_publish_props(c, ch, x, rk, mandatory, props, body);
    for (;;) {
        amqp_frame_t f = await_method(c);
        amqp_method_number_t id = f.payload.method.id;
        if (id == AMQP_BASIC_ACK_METHOD)
            return returned;
        if (id == AMQP_BASIC_NACK_METHOD)
            return returned | CL_NACKED;
        if (id == AMQP_BASIC_RETURN_METHOD) {
            amqp_message_t msg;
            amqp_rpc_reply_t r = amqp_read_message(c, f.channel, &msg, 0);
            CHECK(r.reply_type == AMQP_RESPONSE_NORMAL, "reading returned message");
            amqp_destroy_message(&msg);
            returned = 1;
            continue;
        }
        sc_fail("waiting for publish confirm: got method 0x%08x", id);
    }
}

int
cl_publish_wait(conn_t c, amqp_channel_t ch, const char *x, const char *rk, int mandatory,
                const amqp_basic_properties_t *props, const char *body)
{
    int r = cl_publish_confirm(c, ch, x, rk, mandatory, props, body);
    CHECK(!(r & CL_NACKED), "publish of \"%s\" to '%s' (%s) was nacked", body, x, rk);
    return r & CL_RETURNED;
}

int
cl_await_gone(conn_t c, const char *q, int timeout_ms)
{
    struct timespec step = {0, 20 * 1000000L};
    for (int waited = 0;; waited += 20) {
        cl_queue(c, 1, q, CL_PASSIVE, amqp_empty_table);
        amqp_rpc_reply_t r = amqp_get_rpc_reply(c);
        if (r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION &&
            r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
            amqp_channel_close_t *m = r.reply.decoded;
            CHECK_INT(m->reply_code, 404, "passive declare of a deleted queue");
            answer_close(c, 1, r.reply.id);
            cl_channel(c, 1);
            return 1;
        }
        cl_ok(c, "passive declare");
        if (waited >= timeout_ms)
            return 0;
        nanosleep(&step, NULL);
    }
}

void
cl_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

long long
cl_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
cl_await_count(conn_t c, amqp_channel_t ch, const char *q, uint32_t want, int timeout_ms)
{
    long long deadline = cl_now_ms() + timeout_ms;
    for (;;) {
        if (cl_count(c, ch, q) == want)
            return 1;
        if (cl_now_ms() >= deadline)
            return 0;
        cl_sleep_ms(20);
    }
}

const char *
cl_new_queue(conn_t c, const char *hint, int flags, amqp_table_t args)
{
    const char *q = sc_queue(hint);
    cl_queue(c, 1, q, flags, args);
    cl_ok(c, sc_fmt("declare %s", q));
    return q;
}

const char *
cl_new_exchange(conn_t c, const char *hint, const char *type, int flags, amqp_table_t args)
{
    const char *x = sc_exchange(hint);
    cl_exchange(c, 1, x, type, flags, args);
    cl_ok(c, sc_fmt("declare exchange %s", x));
    return x;
}

const char *
cl_drain(conn_t c, amqp_channel_t ch, const char *q)
{
    const char *all = "";
    struct got g;
    while (cl_get(c, ch, q, 1, &g))
        all = sc_fmt("%s%s%s", all, *all ? "," : "", g.body);
    return all;
}

conn_t
cl_open_confirming(void)
{
    conn_t c = cl_open();
    cl_channel(c, 2);
    cl_confirm(c, 2);
    return c;
}
