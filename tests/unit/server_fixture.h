/* SPDX-License-Identifier: MPL-2.0 */
/* Shared fixture for the server unit tests: a real broker on a real event base with no sockets,
 * plus helpers to build argument tables and messages and to run timers against a deadline. */
#ifndef WR_TESTS_SERVER_FIXTURE_H
#define WR_TESTS_SERVER_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "amqp/props.h"
#include "amqp/table.h"
#include "amqp/types.h"
#include "server/settings.h"

struct event_base;
struct wr_broker;
struct wr_vhost;
struct wr_queue;
struct wr_qentry;
struct wr_msg;

struct fx {
    struct event_base *base;
    struct wr_config cfg;
    struct wr_broker *b;
    struct wr_vhost *vh; /* "/" */
};

/* cmocka setup/teardown: *state becomes a struct fx; teardown frees broker and base. */
int fx_setup(void **state);
int fx_teardown(void **state);

/* Argument tables. An arg row is a key and a value; fx_args encodes a NULL-key-terminated list
 * into b (which the caller frees with wr_tbuf_free). */
struct fx_arg {
    const char *key;
    struct wr_fvalue v;
};
#define FX_INT(k, n)                \
    {                               \
        (k),                        \
        {                           \
            .type = 'I', .v.i = (n) \
        }                           \
    }
#define FX_LONG(k, n)               \
    {                               \
        (k),                        \
        {                           \
            .type = 'l', .v.i = (n) \
        }                           \
    }
#define FX_STR(k, str)                                                                 \
    {                                                                                  \
        (k),                                                                           \
        {                                                                              \
            .type = 'S', .v.s = {(const uint8_t *)(str), (uint32_t)(sizeof(str) - 1) } \
        }                                                                              \
    }
#define FX_BOOL(k, x)               \
    {                               \
        (k),                        \
        {                           \
            .type = 't', .v.b = (x) \
        }                           \
    }
#define FX_END \
    {          \
        NULL,  \
        {      \
            0  \
        }      \
    }
void fx_args(struct wr_tbuf *b, const struct fx_arg *args);

/* Creates a classic queue "name" in f->vh with the given argument rows (NULL for none). */
struct wr_queue *fx_queue(struct fx *f, const char *name, const struct fx_arg *args);

/* A complete message as publish.c would build it: props encoded from p (NULL = no properties),
 * priority and expiration_ms read from p. The caller owns the one reference. */
struct wr_msg *fx_msg(const char *exchange, const char *rk, const char *body,
                      const struct wr_props *p);
/* fx_msg + wr_queue_push + unref: returns what wr_queue_push returned. */
bool fx_push(struct wr_queue *q, const char *rk, const char *body, const struct wr_props *p);
/* Message whose only property is expiration (decimal ms); NULL exp = no properties. */
bool fx_push_exp(struct wr_queue *q, const char *body, const char *exp);

/* Whether the message body equals s. */
bool fx_body_is(const struct wr_msg *m, const char *s);
/* Pops the head with wr_queue_get, checks its body, acks it. Fails the test when empty. */
void fx_get_ack(struct wr_queue *q, const char *body);

/* Runs the event loop in short slices until cond(arg) holds or max_ms pass; returns cond's last
 * value. Lets timers fire without fixed sleeps. */
bool fx_wait(struct fx *f, bool (*cond)(void *), void *arg, int max_ms);
/* Runs the loop for about ms (for "still there after" checks). */
void fx_run(struct fx *f, int ms);

/* Ready-count conditions for fx_wait. */
struct fx_count {
    struct wr_queue *q;
    uint32_t n;
};
bool fx_ready_is(void *arg);

#endif
