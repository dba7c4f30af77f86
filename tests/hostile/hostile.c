/* SPDX-License-Identifier: MPL-2.0 */
/* hostile: attacks a broker on loopback with malformed frames, floods, slowloris handshakes,
 * clients that never read and heartbeat-silent peers, while a well-behaved rabbitmq-c client
 * keeps doing round trips. Fails when the broker dies, the good client errs or slows down more
 * than --latency-factor, broker RSS grows more than --rss-limit-mb, a connection is leaked, or
 * an attack gets the wrong answer. Prints "N passed, M failed"; exit 0 only when M is 0.
 *
 * usage: hostile --port P [--host 127.0.0.1] [--pid BROKER_PID] [--flood N] [--slow N]
 *                [--randoms N] [--slowreader-mb N] [--pipeline-mb N] [--rss-limit-mb N]
 *                [--latency-factor N] [--handshake-ms N] [--slack-ms N] [--seed N] */
#define _POSIX_C_SOURCE 200809L

#include "tests/hostile/hostile.h"
#include "tests/hostile/raw.h"

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* Baseline p99 below this is treated as this: a 10x rule on a 100 us loopback round trip
 * would fail on scheduler noise, not on the broker. */
#define LATENCY_FLOOR_US 2000

struct hostile_opts g_opt = {
        .host = "127.0.0.1",
        .flood = 2000,
        .slow = 10,
        .randoms = 200,
        .slowreader_mb = 32,
        .pipeline_mb = 64,
        .rss_limit_mb = 20,
        .latency_factor = 10,
        .handshake_ms = 10000,
        .slack_ms = 3000,
        .seed = 6,
};

static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static int passed, failed;

void
report(bool ok, const char *name, const char *fmt, ...)
{
    va_list ap;

    pthread_mutex_lock(&report_lock);
    ok ? passed++ : failed++;
    printf("%s %s: ", ok ? "ok  " : "FAIL", name);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    pthread_mutex_unlock(&report_lock);
}

void
note(const char *fmt, ...)
{
    va_list ap;

    pthread_mutex_lock(&report_lock);
    printf("     ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    pthread_mutex_unlock(&report_lock);
}

long
broker_rss_kb(void)
{
    char path[64], line[256];
    long kb = -1;
    FILE *f;

    if (g_opt.pid <= 0)
        return -1;
    snprintf(path, sizeof(path), "/proc/%d/status", (int)g_opt.pid);
    if ((f = fopen(path, "r")) == NULL)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

int
broker_fds(void)
{
    char path[64];
    struct dirent *e;
    int n = 0;
    DIR *d;

    if (g_opt.pid <= 0)
        return -1;
    snprintf(path, sizeof(path), "/proc/%d/fd", (int)g_opt.pid);
    if ((d = opendir(path)) == NULL)
        return -1;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

bool
broker_alive(void)
{
    char err[128];
    int fd;

    if (g_opt.pid > 0 && kill(g_opt.pid, 0) != 0)
        return false;
    fd = raw_session(g_opt.host, g_opt.port, 0, true, err, sizeof(err));
    if (fd < 0)
        return false;
    raw_reset(fd);
    return true;
}

static void
usage(void)
{
    fprintf(stderr, "usage: hostile --port P [--host 127.0.0.1|::1] [--pid PID] [--flood N] "
                    "[--slow N] [--randoms N] [--slowreader-mb N] [--pipeline-mb N] "
                    "[--rss-limit-mb N] [--latency-factor N] [--handshake-ms N] [--slack-ms N] "
                    "[--seed N]\n");
    exit(2);
}

static void
parse_args(int argc, char **argv)
{
    static const struct {
        const char *name;
        int *dst;
    } ints[] = {{"--port", &g_opt.port},
                {"--flood", &g_opt.flood},
                {"--slow", &g_opt.slow},
                {"--randoms", &g_opt.randoms},
                {"--slowreader-mb", &g_opt.slowreader_mb},
                {"--pipeline-mb", &g_opt.pipeline_mb},
                {"--rss-limit-mb", &g_opt.rss_limit_mb},
                {"--latency-factor", &g_opt.latency_factor},
                {"--handshake-ms", &g_opt.handshake_ms},
                {"--slack-ms", &g_opt.slack_ms}};

    for (int i = 1; i < argc; i++) {
        bool hit = false;
        if (i + 1 >= argc)
            usage();
        for (size_t k = 0; k < sizeof(ints) / sizeof(ints[0]) && !hit; k++)
            if (strcmp(argv[i], ints[k].name) == 0)
                *ints[k].dst = atoi(argv[++i]), hit = true;
        if (hit)
            continue;
        if (strcmp(argv[i], "--host") == 0)
            g_opt.host = argv[++i];
        else if (strcmp(argv[i], "--pid") == 0)
            g_opt.pid = (pid_t)atoi(argv[++i]);
        else if (strcmp(argv[i], "--seed") == 0)
            g_opt.seed = (unsigned)strtoul(argv[++i], NULL, 10);
        else
            usage();
    }
    if (g_opt.port <= 0)
        usage();
    /* hostile traffic never leaves the machine */
    if (!target_is_loopback(g_opt.host)) {
        fprintf(stderr, "hostile: refusing non-loopback target %s\n", g_opt.host);
        exit(2);
    }
}

/* Enough descriptors for the slowloris sockets and a flood batch. */
static void
raise_fd_limit(void)
{
    struct rlimit r;

    if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        setrlimit(RLIMIT_NOFILE, &r);
    }
}

static void
sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* Hostile connections are gone when the broker's descriptor count is back near baseline. */
static int
wait_fds_settle(int fds0)
{
    int fds = broker_fds();
    int64_t deadline = now_ms() + 8000;

    while (fds0 >= 0 && fds > fds0 + 2 && now_ms() < deadline) {
        sleep_ms(100);
        fds = broker_fds();
    }
    return fds;
}

static void
judge_latency(void)
{
    int nb, na;
    long b = good_p99_us(GP_BASELINE, &nb), a = good_p99_us(GP_ATTACK, &na);
    long floor = b > LATENCY_FLOOR_US ? b : LATENCY_FLOOR_US;

    report(nb > 0 && na > 0 && a <= floor * g_opt.latency_factor, "good client latency",
           "p99 %ld us over %d round trips before, %ld us over %d during attacks (limit %dx of "
           "max(%ld, %d) us)",
           b, nb, a, na, g_opt.latency_factor, b, LATENCY_FLOOR_US);
}

int
main(int argc, char **argv)
{
    pthread_t slow;

    parse_args(argc, argv);
    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit();
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (good_start() != 0) {
        report(false, "good client", "cannot start");
        printf("%d passed, %d failed\n", passed, failed + 1);
        return 1;
    }
    sleep_ms(1500); /* baseline round trips */
    long rss0 = broker_rss_kb();
    int fds0 = broker_fds();
    note("baseline: broker RSS %ld KiB, %d fds", rss0, fds0);

    good_set_phase(GP_ATTACK);
    pthread_create(&slow, NULL, run_slow, NULL);
    run_malformed();
    run_flood();
    run_slow_reader();
    run_pipeline();
    run_declared_size();
    pthread_join(slow, NULL);
    good_set_phase(GP_DONE);

    int fds1 = wait_fds_settle(fds0);
    sleep_ms(500);
    long rss1 = broker_rss_kb();
    report(fds0 < 0 || fds1 <= fds0 + 2, "connections released", "broker fds %d before, %d after",
           fds0, fds1);
    report(rss0 < 0 || (rss1 - rss0) / 1024 <= g_opt.rss_limit_mb, "broker RSS bounded",
           "%ld KiB before, %ld KiB after (%+ld KiB, limit %d MiB)", rss0, rss1, rss1 - rss0,
           g_opt.rss_limit_mb);
    int errors = good_stop();
    report(errors == 0, "good client served throughout", "%d errors", errors);
    judge_latency();
    run_nul_names();
    report(broker_alive(), "broker alive and answering", "%s", "new session after all attacks");
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
