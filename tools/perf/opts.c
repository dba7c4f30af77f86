/* SPDX-License-Identifier: MPL-2.0 */
/* Command line of warren-perf. Flags follow RabbitMQ PerfTest where one exists (-x -y -u -s -z -C
 * -D -r -f -c -a -q -e -t -k); the rest are long options of our own. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/perf/perf.h"

static const char usage_text[] =
        "usage: warren-perf [options]\n"
        "  -h, --uri URI|HOST      amqp://user:pass@host:port/vhost or a host (127.0.0.1)\n"
        "      --host HOST --port N\n"
        "  -x N  producers (1)      -y N  consumers (1)      -u NAME  queue (perf-q)\n"
        "  -s N  body bytes (12)    -z S  seconds            -C N  publish count per producer\n"
        "  -D N  consume count per consumer                  -r N  rate per producer (msg/s)\n"
        "  -f persistent            -c N  confirm window     -a    autoack\n"
        "  -q N  prefetch           -e NAME exchange (direct) -t TYPE exchange type (direct)\n"
        "  -k KEY routing key       --multi-ack-every N      --queue-args k=v,...\n"
        "  --queues N  queues NAME-1..N (with fanout every queue gets every message)\n"
        "  --durable  durable queues    --pipeline N  publishes per socket write (1)\n"
        "  --watch-pid PID  report PID's peak RSS (sampled every 100 ms, no process forked)\n"
        "  --cleanup  delete the queues at the end   --drain S  wait for deliveries after "
        "publishing\n"
        "  --idle-conns N  open N idle connections   --heartbeat S   --src-addrs N (127.0.0.2..)\n"
        "  --workers N  N threads, each with an equal share of the producers, consumers and\n"
        "               queues (direct routing only; no progress lines, one merged summary)\n"
        "  --quiet  no progress lines\n";

enum {
    OPT_HOST = 256,
    OPT_PORT,
    OPT_MULTI_ACK,
    OPT_QARGS,
    OPT_QUEUES,
    OPT_DURABLE,
    OPT_PIPELINE,
    OPT_WATCH_PID,
    OPT_CLEANUP,
    OPT_DRAIN,
    OPT_IDLE,
    OPT_HEARTBEAT,
    OPT_SRC,
    OPT_QUIET,
    OPT_WORKERS,
};

static const struct option long_opts[] = {
        {"uri", required_argument, NULL, 'h'},
        {"host", required_argument, NULL, OPT_HOST},
        {"port", required_argument, NULL, OPT_PORT},
        {"producers", required_argument, NULL, 'x'},
        {"consumers", required_argument, NULL, 'y'},
        {"queue", required_argument, NULL, 'u'},
        {"size", required_argument, NULL, 's'},
        {"time", required_argument, NULL, 'z'},
        {"pmessages", required_argument, NULL, 'C'},
        {"cmessages", required_argument, NULL, 'D'},
        {"rate", required_argument, NULL, 'r'},
        {"flag", required_argument, NULL, 'f'},
        {"confirm", required_argument, NULL, 'c'},
        {"autoack", no_argument, NULL, 'a'},
        {"qos", required_argument, NULL, 'q'},
        {"exchange", required_argument, NULL, 'e'},
        {"type", required_argument, NULL, 't'},
        {"routing-key", required_argument, NULL, 'k'},
        {"multi-ack-every", required_argument, NULL, OPT_MULTI_ACK},
        {"queue-args", required_argument, NULL, OPT_QARGS},
        {"queues", required_argument, NULL, OPT_QUEUES},
        {"durable", no_argument, NULL, OPT_DURABLE},
        {"pipeline", required_argument, NULL, OPT_PIPELINE},
        {"watch-pid", required_argument, NULL, OPT_WATCH_PID},
        {"cleanup", no_argument, NULL, OPT_CLEANUP},
        {"drain", required_argument, NULL, OPT_DRAIN},
        {"idle-conns", required_argument, NULL, OPT_IDLE},
        {"heartbeat", required_argument, NULL, OPT_HEARTBEAT},
        {"src-addrs", required_argument, NULL, OPT_SRC},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {"workers", required_argument, NULL, OPT_WORKERS},
        {"help", no_argument, NULL, '?'},
        {NULL, 0, NULL, 0},
};

static void
usage(int code)
{
    fputs(usage_text, code ? stderr : stdout);
    exit(code);
}

static uint64_t
num(const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s == '\0' || *end != '\0' || *s == '-') {
        fprintf(stderr, "warren-perf: not a number: %s\n", s);
        usage(2);
    }
    return v;
}

static double
real(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (*s == '\0' || *end != '\0' || v < 0) {
        fprintf(stderr, "warren-perf: not a number: %s\n", s);
        usage(2);
    }
    return v;
}

/* amqp://user:pass@host:port/vhost; every part optional. The strings are cut in place. */
static void
parse_uri(struct wr_perf_opts *o, char *uri)
{
    if (strncmp(uri, "amqp://", 7) != 0) {
        o->host = uri;
        return;
    }
    char *p = uri + 7, *slash = strchr(p, '/'), *at = strchr(p, '@');
    if (slash) {
        *slash = '\0';
        if (slash[1])
            o->vhost = slash + 1;
    }
    if (at) {
        *at = '\0';
        char *colon = strchr(p, ':');
        if (colon) {
            *colon = '\0';
            o->pass = colon + 1;
        }
        o->user = p;
        p = at + 1;
    }
    char *colon = strchr(p, ':');
    if (colon) {
        *colon = '\0';
        o->port = (int)num(colon + 1);
    }
    if (*p)
        o->host = p;
}

static void
set_defaults(struct wr_perf_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->host = "127.0.0.1";
    o->port = 5672;
    o->user = o->pass = "guest";
    o->vhost = "/";
    o->producers = o->consumers = o->queues = o->workers = 1;
    o->queue = "perf-q";
    o->exchange = "direct";
    o->type = "direct";
    o->body_size = 12;
    o->pipeline = 1;
    o->drain_s = 10;
}

static void
apply(struct wr_perf_opts *o, int c, char *arg)
{
    switch (c) {
    case 'h':
        parse_uri(o, arg);
        break;
    case OPT_HOST:
        o->host = arg;
        break;
    case OPT_PORT:
        o->port = (int)num(arg);
        break;
    case 'x':
        o->producers = (int)num(arg);
        break;
    case 'y':
        o->consumers = (int)num(arg);
        break;
    case 'u':
        o->queue = arg;
        break;
    case 's':
        o->body_size = (size_t)num(arg);
        break;
    case 'z':
        o->seconds = real(arg);
        break;
    case 'C':
        o->pub_count = num(arg);
        break;
    case 'D':
        o->cons_count = num(arg);
        break;
    case 'r':
        o->rate = real(arg);
        break;
    case 'f':
        o->persistent = o->persistent || strcmp(arg, "persistent") == 0;
        break;
    case 'c':
        o->confirm = (unsigned)num(arg);
        break;
    case 'a':
        o->autoack = true;
        break;
    case 'q':
        o->prefetch = (unsigned)num(arg);
        break;
    case 'e':
        o->exchange = arg;
        break;
    case 't':
        o->type = arg;
        break;
    case 'k':
        o->routing_key = arg;
        break;
    case OPT_MULTI_ACK:
        o->multi_ack = (unsigned)num(arg);
        break;
    case OPT_QARGS:
        o->queue_args = arg;
        break;
    case OPT_QUEUES:
        o->queues = (int)num(arg);
        break;
    case OPT_DURABLE:
        o->durable = true;
        break;
    case OPT_PIPELINE:
        o->pipeline = (unsigned)num(arg);
        break;
    case OPT_WATCH_PID:
        o->watch_pid = (int)num(arg);
        break;
    case OPT_CLEANUP:
        o->cleanup = true;
        break;
    case OPT_DRAIN:
        o->drain_s = real(arg);
        break;
    case OPT_IDLE:
        o->idle_conns = (int)num(arg);
        break;
    case OPT_HEARTBEAT:
        o->heartbeat = (unsigned)num(arg);
        break;
    case OPT_SRC:
        o->src_addrs = (int)num(arg);
        break;
    case OPT_QUIET:
        o->quiet = true;
        break;
    case OPT_WORKERS:
        o->workers = (int)num(arg);
        break;
    default:
        usage(c == '?' ? 0 : 2);
    }
}

void
wr_perf_opts_parse(struct wr_perf_opts *o, int argc, char **argv)
{
    set_defaults(o);
    int c;
    while ((c = getopt_long(argc, argv, "h:x:y:u:s:z:C:D:r:f:c:aq:e:t:k:", long_opts, NULL)) != -1)
        apply(o, c, optarg);
    if (optind != argc || o->queues < 1 || o->pipeline < 1)
        usage(2);
    if (o->producers >= (1 << 16))
        usage(2);
    if (o->seconds == 0 && o->pub_count == 0 && o->cons_count == 0 && o->idle_conns == 0) {
        fprintf(stderr, "warren-perf: give -z, -C or -D\n");
        usage(2);
    }
    /* workers must not route into each other's queues: direct routing by queue name only */
    bool by_name = strcmp(o->type, "direct") == 0 && !o->routing_key;
    if (o->workers < 1 ||
        (o->workers > 1 && (!by_name || o->idle_conns || o->producers % o->workers ||
                            o->consumers % o->workers || o->queues % o->workers))) {
        fprintf(stderr, "warren-perf: --workers N needs a direct exchange without -k, no idle "
                        "connections, and producers, consumers and queues divisible by N\n");
        usage(2);
    }
    /* Acking more rarely than the prefetch window allows would stall the consumer. */
    if (o->prefetch && o->multi_ack >= o->prefetch)
        o->multi_ack = o->prefetch / 2;
}
