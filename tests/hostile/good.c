/* SPDX-License-Identifier: MPL-2.0 */
/* The well-behaved client: a rabbitmq-c publish + consume round trip every few milliseconds on
 * its own thread, for the whole run. Its latencies, split by phase, show whether hostile peers
 * cost other clients service. */
#define _POSIX_C_SOURCE 200809L

#include "tests/hostile/hostile.h"
#include "tests/hostile/raw.h"

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GOOD_MAX_SAMPLES 100000

static struct {
    pthread_t thread;
    atomic_int phase;
    atomic_bool stop;
    int errors;
    long *samples[2];
    int nsamples[2];
    amqp_connection_state_t conn;
    amqp_bytes_t queue;
} g;

static bool
rpc_ok(amqp_rpc_reply_t r, const char *what)
{
    if (r.reply_type == AMQP_RESPONSE_NORMAL)
        return true;
    note("good client: %s failed (reply type %d, library error %s)", what, r.reply_type,
         amqp_error_string2(r.library_error));
    return false;
}

static bool
good_connect(void)
{
    amqp_socket_t *s;
    amqp_queue_declare_ok_t *q;

    g.conn = amqp_new_connection();
    s = amqp_tcp_socket_new(g.conn);
    if (s == NULL || amqp_socket_open(s, g_opt.host, g_opt.port) != AMQP_STATUS_OK) {
        note("good client: cannot connect");
        return false;
    }
    if (!rpc_ok(amqp_login(g.conn, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest"),
                "login"))
        return false;
    amqp_channel_open(g.conn, 1);
    if (!rpc_ok(amqp_get_rpc_reply(g.conn), "channel.open"))
        return false;
    q = amqp_queue_declare(g.conn, 1, amqp_empty_bytes, 0, 0, 1, 1, amqp_empty_table);
    if (!rpc_ok(amqp_get_rpc_reply(g.conn), "queue.declare"))
        return false;
    g.queue = amqp_bytes_malloc_dup(q->queue);
    amqp_basic_consume(g.conn, 1, g.queue, amqp_empty_bytes, 0, 1, 0, amqp_empty_table);
    return rpc_ok(amqp_get_rpc_reply(g.conn), "basic.consume");
}

/* One publish and the matching delivery; returns the latency in microseconds or -1. */
static long
good_round_trip(unsigned n)
{
    char body[32];
    struct timespec t0, t1;
    struct timeval tv = {5, 0};
    amqp_envelope_t env;
    amqp_rpc_reply_t r;
    int len = snprintf(body, sizeof(body), "rt-%u", n);

    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (amqp_basic_publish(g.conn, 1, amqp_empty_bytes, g.queue, 0, 0, NULL,
                           (amqp_bytes_t){(size_t)len, body}) != AMQP_STATUS_OK) {
        note("good client: publish %u failed", n);
        return -1;
    }
    amqp_maybe_release_buffers(g.conn);
    r = amqp_consume_message(g.conn, &env, &tv, 0);
    if (!rpc_ok(r, "consume"))
        return -1;
    bool same =
            env.message.body.len == (size_t)len && memcmp(env.message.body.bytes, body, len) == 0;
    amqp_destroy_envelope(&env);
    if (!same) {
        note("good client: round trip %u returned another message", n);
        return -1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000;
}

static void *
good_main(void *arg)
{
    struct timespec pause = {0, 5 * 1000000};

    (void)arg;
    for (unsigned n = 0; !atomic_load(&g.stop); n++) {
        long us = good_round_trip(n);
        int p = atomic_load(&g.phase);
        if (us < 0) {
            g.errors++;
            break;
        }
        if (p < GP_DONE && g.nsamples[p] < GOOD_MAX_SAMPLES)
            g.samples[p][g.nsamples[p]++] = us;
        nanosleep(&pause, NULL);
    }
    return NULL;
}

int
good_start(void)
{
    for (int i = 0; i < 2; i++)
        g.samples[i] = calloc(GOOD_MAX_SAMPLES, sizeof(long));
    if (!good_connect())
        return -1;
    return pthread_create(&g.thread, NULL, good_main, NULL) == 0 ? 0 : -1;
}

void
good_set_phase(enum good_phase p)
{
    atomic_store(&g.phase, p);
}

int
good_stop(void)
{
    atomic_store(&g.stop, true);
    pthread_join(g.thread, NULL);
    amqp_channel_close(g.conn, 1, AMQP_REPLY_SUCCESS);
    amqp_connection_close(g.conn, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(g.conn);
    amqp_bytes_free(g.queue);
    return g.errors;
}

static int
cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

long
good_p99_us(enum good_phase p, int *count)
{
    int n = g.nsamples[p];

    *count = n;
    if (n == 0)
        return -1;
    qsort(g.samples[p], (size_t)n, sizeof(long), cmp_long);
    return g.samples[p][(size_t)((n - 1) * 0.99)];
}
