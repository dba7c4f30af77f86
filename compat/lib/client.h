/* SPDX-License-Identifier: MPL-2.0 */
/* rabbitmq-c wrappers for compat scenarios: every call has a timeout and every
 * unexpected outcome fails the scenario, so scenario bodies read as plain steps. */
#ifndef WR_COMPAT_CLIENT_H
#define WR_COMPAT_CLIENT_H

#include <amqp.h>
#include <stdint.h>

typedef amqp_connection_state_t conn_t;

/* Connects as guest to vhost "/" and opens channel 1. */
conn_t cl_open(void);
void cl_close(conn_t c);
void cl_channel(conn_t c, amqp_channel_t ch);

/* Fails the scenario unless the last RPC succeeded. */
void cl_ok(conn_t c, const char *what);
/* The last RPC must have failed with channel.close (code, text, class, method);
 * answers close-ok so the channel number can be reopened. */
void cl_expect_ch_close(conn_t c, amqp_channel_t ch, uint16_t code, const char *text, uint16_t cls,
                        uint16_t meth);
/* The last RPC must have failed with connection.close; answers close-ok. */
void cl_expect_conn_close(conn_t c, uint16_t code, const char *text, uint16_t cls, uint16_t meth);
/* For errors caused by asynchronous methods (publish, ack): waits for the close. */
void cl_await_ch_close(conn_t c, amqp_channel_t ch, uint16_t code, const char *text, uint16_t cls,
                       uint16_t meth);
void cl_await_conn_close(conn_t c, uint16_t code, const char *text, uint16_t cls, uint16_t meth);

/* Declares a queue; flags: CL_DURABLE | CL_EXCLUSIVE | CL_AUTODEL | CL_PASSIVE. */
#define CL_DURABLE   1
#define CL_EXCLUSIVE 2
#define CL_AUTODEL   4
#define CL_PASSIVE   8
#define CL_INTERNAL  16
amqp_queue_declare_ok_t *cl_queue(conn_t c, amqp_channel_t ch, const char *q, int flags,
                                  amqp_table_t args);
void cl_exchange(conn_t c, amqp_channel_t ch, const char *x, const char *type, int flags,
                 amqp_table_t args);
void cl_bind(conn_t c, amqp_channel_t ch, const char *q, const char *x, const char *rk,
             amqp_table_t args);

void cl_publish(conn_t c, amqp_channel_t ch, const char *x, const char *rk, const char *body);
void cl_publish_props(conn_t c, amqp_channel_t ch, const char *x, const char *rk, int mandatory,
                      const amqp_basic_properties_t *props, const char *body);

/* basic.get: returns 1 with *body (scenario lifetime), tag, redelivered and the remaining
 * message_count, or 0 on get-empty. */
struct got {
    const char *body;
    uint64_t tag;
    int redelivered;
    uint32_t remaining;
    const char *exchange, *routing_key;
    const char *consumer_tag;      /* deliveries only; "" for basic.get */
    amqp_basic_properties_t props; /* deep copy, scenario lifetime */
};
int cl_get(conn_t c, amqp_channel_t ch, const char *q, int no_ack, struct got *g);
/* Expects get-ok with exactly this body. */
void cl_get_expect(conn_t c, amqp_channel_t ch, const char *q, int no_ack, const char *body);

/* Starts a consumer; returns the server's consumer tag (scenario lifetime). */
const char *cl_consume(conn_t c, amqp_channel_t ch, const char *q, const char *tag, int no_ack,
                       int exclusive);
/* Same with consume arguments (x-priority, x-stream-offset, ...). */
const char *cl_consume_args(conn_t c, amqp_channel_t ch, const char *q, const char *tag, int no_ack,
                            int exclusive, amqp_table_t args);
/* basic.qos prefetch_count with the global flag; fails the scenario unless qos-ok. */
void cl_qos(conn_t c, amqp_channel_t ch, uint16_t prefetch, int global);
/* Waits up to timeout_ms for a delivery on any channel. Returns 1 and fills g, 0 on timeout. */
int cl_next(conn_t c, int timeout_ms, struct got *g, amqp_channel_t *ch);

/* Puts ch in confirm mode. */
void cl_confirm(conn_t c, amqp_channel_t ch);
/* Publishes on a confirm channel and waits for the broker's ack, so the message is routed
 * before the caller looks at queues. Returns 1 if a basic.return came before the ack. */
int cl_publish_wait(conn_t c, amqp_channel_t ch, const char *x, const char *rk, int mandatory,
                    const amqp_basic_properties_t *props, const char *body);
/* Like cl_publish_wait but a broker nack is an outcome, not a failure:
 * returns CL_ACKED or CL_NACKED, plus CL_RETURNED if a basic.return came first. */
#define CL_ACKED    0
#define CL_RETURNED 1
#define CL_NACKED   2
int cl_publish_confirm(conn_t c, amqp_channel_t ch, const char *x, const char *rk, int mandatory,
                       const amqp_basic_properties_t *props, const char *body);
/* Polls passive declares until q is gone (404) or timeout_ms passes; returns 1 if gone.
 * Used where RabbitMQ deletes asynchronously after the triggering reply. */
int cl_await_gone(conn_t c, const char *q, int timeout_ms);

/* Number of ready messages (passive declare). */
uint32_t cl_count(conn_t c, amqp_channel_t ch, const char *q);
/* Polls cl_count every 20 ms until it equals want; returns 1, or 0 after timeout_ms.
 * For effects RabbitMQ applies on a timer (TTL expiry) where no event can be awaited. */
int cl_await_count(conn_t c, amqp_channel_t ch, const char *q, uint32_t want, int timeout_ms);
void cl_sleep_ms(int ms);
/* Milliseconds on a monotonic clock, for deadlines. */
long long cl_now_ms(void);

/* Renders a field table as {key:<kind><value>,...} in wire order, kinds being the AMQP
 * type letters (S longstr, l long, I int, T timestamp, A array, F table, t bool, V void).
 * Timestamps render as a bare "T" so expected strings stay time-independent. */
const char *cl_render(amqp_table_t t);
/* The headers of a received message rendered with cl_render, or "-" when absent. */
const char *cl_headers(const struct got *g);
/* The value of key in t (first match), or NULL. */
const amqp_field_value_t *cl_find(amqp_table_t t, const char *key);
/* A bytes property as a string (scenario lifetime); "-" when its flag is not set. */
const char *cl_prop(const struct got *g, amqp_flags_t flag, amqp_bytes_t v);

/* Table builder for a few entries; entries live for the scenario. */
amqp_table_t cl_table1(const char *key, amqp_field_value_t v);
amqp_table_t cl_table2(const char *k1, amqp_field_value_t v1, const char *k2,
                       amqp_field_value_t v2);
amqp_field_value_t cl_int(int32_t v);
amqp_field_value_t cl_long(int64_t v);
amqp_field_value_t cl_str(const char *s);
amqp_field_value_t cl_void(void);
amqp_field_value_t cl_bool(int v);
/* n key/value pairs: cl_table(2, "k1", v1, "k2", v2). */
amqp_table_t cl_table(int n, ...);
/* Array of n longstrs: cl_strs(2, "a", "b"). */
amqp_field_value_t cl_strs(int n, ...);

/* Declares a fresh queue/exchange on channel 1 (registered for cleanup); returns its name. */
const char *cl_new_queue(conn_t c, const char *hint, int flags, amqp_table_t args);
const char *cl_new_exchange(conn_t c, const char *hint, const char *type, int flags,
                            amqp_table_t args);
/* Drains q with no-ack gets; returns the bodies joined by ',' in queue order. */
const char *cl_drain(conn_t c, amqp_channel_t ch, const char *q);
/* Connection with channel 1 for declares and channel 2 in confirm mode for publishes. */
conn_t cl_open_confirming(void);

#endif
