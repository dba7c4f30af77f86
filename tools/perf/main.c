/* SPDX-License-Identifier: MPL-2.0 */
/* warren-perf entry point: parses options, resolves the broker, prepares queue names and
 * arguments, and runs everything on one libevent loop (one thread keeps the generator's CPU share
 * small on a machine it shares with the broker under test), or with --workers on one loop per
 * thread, each with its share of the roles and queues. */
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amqp/table.h"
#include "tools/perf/run.h"

static void
resolve(struct wr_perf_run *r)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai;
    char port[16];
    snprintf(port, sizeof(port), "%d", r->opt.port);
    int rc = getaddrinfo(r->opt.host, port, &hints, &ai);
    if (rc != 0)
        wr_perf_fail("%s: %s", r->opt.host, gai_strerror(rc));
    memcpy(&r->addr, ai->ai_addr, ai->ai_addrlen);
    r->addrlen = ai->ai_addrlen;
    freeaddrinfo(ai);
}

static void
name_queues(struct wr_perf_run *r)
{
    const struct wr_perf_opts *o = &r->opt;
    r->qnames = calloc((size_t)o->queues, sizeof(*r->qnames));
    r->seen = calloc((size_t)o->queues, sizeof(*r->seen));
    if (!r->qnames || !r->seen)
        abort();
    for (int i = 0; i < o->queues; i++) {
        size_t n = strlen(o->queue) + 16;
        r->qnames[i] = malloc(n);
        if (o->queues * o->workers == 1)
            snprintf(r->qnames[i], n, "%s", o->queue);
        else
            snprintf(r->qnames[i], n, "%s-%d", o->queue, r->queue_base + i + 1);
        wr_perf_seen_init(&r->seen[i], o->producers);
    }
    bool to_all = strcmp(o->type, "fanout") == 0 || (o->routing_key && o->exchange[0]);
    r->fanout = to_all ? (uint64_t)o->queues : 1;
}

static bool
all_digits(const char *s)
{
    if (*s == '-')
        s++;
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* --queue-args x-max-length=10,x-queue-type=classic: digits become 'l', anything else 'S'. */
static void
encode_queue_args(struct wr_perf_run *r)
{
    if (!r->opt.queue_args)
        return;
    struct wr_tbuf t;
    wr_tbuf_init(&t);
    char *spec = strdup(r->opt.queue_args), *save = NULL;
    for (char *kv = strtok_r(spec, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq)
            wr_perf_fail("--queue-args: expected key=value, got %s", kv);
        *eq = '\0';
        if (all_digits(eq + 1))
            wr_tbuf_long(&t, kv, strtoll(eq + 1, NULL, 10));
        else
            wr_tbuf_str(&t, kv, eq + 1, strlen(eq + 1));
    }
    free(spec);
    r->qargs = t.data;
    r->qargs_len = t.len;
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)sig;
    (void)what;
    wr_perf_run_finish(arg);
}

/* Queue names, arguments and the event loop of one run: the whole generator, or a worker. */
static void
prepare(struct wr_perf_run *r)
{
    name_queues(r);
    encode_queue_args(r);
    /* producers' clocks (-r) fire 100 us apart: epoll's millisecond timeouts would bunch them */
    struct event_config *ec = event_config_new();
    if (ec != NULL)
        event_config_set_flag(ec, EVENT_BASE_FLAG_PRECISE_TIMER);
    r->base = ec != NULL ? event_base_new_with_config(ec) : NULL;
    if (ec != NULL)
        event_config_free(ec);
    if (!r->base)
        wr_perf_fail("event_base_new failed");
}

static void *
run_loop(void *arg)
{
    struct wr_perf_run *r = arg;
    wr_perf_run_open(r);
    event_base_dispatch(r->base);
    if (!r->stopping)
        wr_perf_fail("event loop ended before the run finished");
    return NULL;
}

/* --workers N: N threads, each a run with its share of producers, consumers and queues (so the
 * producers of one thread publish only to its own queues); one summary over all of them, with
 * the latencies of every worker in one histogram. */
static void
run_workers(struct wr_perf_run *all)
{
    static struct wr_perf_run *w; /* static as the single run is: alive until exit */
    int n = all->opt.workers;
    pthread_t *t = calloc((size_t)n, sizeof(*t));
    w = calloc((size_t)n, sizeof(*w));
    if (!w || !t)
        abort();
    for (int i = 0; i < n; i++) {
        w[i].opt = all->opt;
        w[i].opt.producers /= n;
        w[i].opt.consumers /= n;
        w[i].opt.queues /= n;
        w[i].opt.quiet = true;
        if (i > 0)
            w[i].opt.watch_pid = 0;
        w[i].addr = all->addr;
        w[i].addrlen = all->addrlen;
        w[i].worker = i;
        w[i].queue_base = i * w[i].opt.queues;
        prepare(&w[i]);
        if (pthread_create(&t[i], NULL, run_loop, &w[i]) != 0)
            wr_perf_fail("cannot start worker %d", i);
    }
    for (int i = 0; i < n; i++) {
        pthread_join(t[i], NULL);
        wr_perf_report_merge(all, &w[i]);
    }
    free(t);
    wr_perf_report_summary(all);
}

int
main(int argc, char **argv)
{
    static struct wr_perf_run run;
    struct wr_perf_run *r = &run;
    wr_perf_opts_parse(&r->opt, argc, argv);
    signal(SIGPIPE, SIG_IGN);
    resolve(r);
    if (r->opt.workers > 1) {
        run_workers(r);
        return 0;
    }
    prepare(r);
    struct event *sigint = evsignal_new(r->base, SIGINT, on_signal, r);
    struct event *sigterm = evsignal_new(r->base, SIGTERM, on_signal, r);
    event_add(sigint, NULL);
    event_add(sigterm, NULL);
    run_loop(r);
    return 0;
}
