/* SPDX-License-Identifier: MPL-2.0 */
/* warren-jitter: how late a sleeping thread wakes on each CPU this process may use, on an
 * otherwise idle machine. Stalls seen here stall the brokers and the load generator too and show
 * in the benchmarks' latency tails: on the 2-core machine of docs/bench a kernel thread (kdamond,
 * proactive reclaim) holds a CPU for 2-4 ms about once a second.
 *
 * usage: warren-jitter [SECONDS]   prints one line per CPU:
 *   JITTER cpu=N wakeups=W late_500us=A late_1ms=B max_late_us=M */
#include <config.h>

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define SLEEP_NS 200000LL

struct probe {
    pthread_t thread;
    int cpu;
    long long end_ns, max_late_ns;
    long wakeups, late_500us, late_1ms;
};

static long long
now_ns(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void *
probe_main(void *arg)
{
    struct probe *p = arg;
    const struct timespec d = {0, SLEEP_NS};
    cpu_set_t set;

    CPU_ZERO(&set);
    CPU_SET(p->cpu, &set);
    if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0)
        return NULL;
    for (long long t0 = now_ns(); t0 < p->end_ns; t0 = now_ns()) {
        nanosleep(&d, NULL);
        long long late = now_ns() - t0 - SLEEP_NS;
        p->wakeups++;
        p->late_500us += late > 500000;
        p->late_1ms += late > 1000000;
        if (late > p->max_late_ns)
            p->max_late_ns = late;
    }
    return NULL;
}

int
main(int argc, char **argv)
{
    int secs = argc > 1 ? atoi(argv[1]) : 10, n = 0;
    struct probe p[CPU_SETSIZE];
    cpu_set_t allowed;

    if (secs < 1 || sched_getaffinity(0, sizeof(allowed), &allowed) != 0) {
        fprintf(stderr, "usage: warren-jitter [SECONDS]\n");
        return 2;
    }
    /* The CPUs this process may run on, which is what the brokers and generator get too. */
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &allowed))
            continue;
        p[n] = (struct probe){.cpu = cpu, .end_ns = now_ns() + secs * 1000000000LL};
        if (pthread_create(&p[n].thread, NULL, probe_main, &p[n]) != 0)
            return 1;
        n++;
    }
    for (int i = 0; i < n; i++) {
        pthread_join(p[i].thread, NULL);
        printf("JITTER cpu=%d wakeups=%ld late_500us=%ld late_1ms=%ld max_late_us=%lld\n", p[i].cpu,
               p[i].wakeups, p[i].late_500us, p[i].late_1ms, p[i].max_late_ns / 1000);
    }
    return 0;
}
