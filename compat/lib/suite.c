/* SPDX-License-Identifier: MPL-2.0 */
/* Compat runner: selects scenarios by tag and filter, runs each in a forked child
 * under a timeout, reports TAP-ish lines and deletes what each scenario created. */
#include "config.h"

#include "compat/lib/suite.h"

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *sc_host = "127.0.0.1";
int sc_port = 5672;

static int report_fd = -1;  /* child → parent pipe: "Q name", "X name", "F reason" */
static char run_id[16];     /* random per run, so concurrent runs do not collide */
static unsigned name_seq;   /* per scenario */
static char arena[1 << 16]; /* scenario-lifetime strings; the child exits afterwards */
static size_t arena_used;

static const struct scenario *const areas[] = {
        sc_handshake,   sc_framing,       sc_errors,   sc_exchanges,   sc_queues,  sc_basic,
        sc_consume,     sc_confirm_tx,    sc_ttl,      sc_limits,      sc_dlx,     sc_priority,
        sc_routing_ext, sc_consumers_ext, sc_reply_to, sc_queue_types, sc_backlog,
};

static void
report(char kind, const char *text)
{
    char line[1024];
    int n = snprintf(line, sizeof(line), "%c %s", kind, text);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(line) - 1)
        n = sizeof(line) - 2;
    for (int i = 2; i < n; i++)
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    line[n++] = '\n';
    if (report_fd >= 0 && write(report_fd, line, (size_t)n) < 0)
        _exit(3);
}

_Noreturn void
sc_fail(const char *fmt, ...)
{
    char why[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    report('F', why);
    _exit(1);
}

static const char *
arena_vfmt(const char *fmt, va_list ap)
{
    size_t room = sizeof(arena) - arena_used;
    int n = vsnprintf(arena + arena_used, room, fmt, ap);
    if (n < 0 || (size_t)n >= room)
        sc_fail("compat arena exhausted");
    const char *s = arena + arena_used;
    arena_used += (size_t)n + 1;
    return s;
}

const char *
sc_fmt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *s = arena_vfmt(fmt, ap);
    va_end(ap);
    return s;
}

const char *
sc_unique(const char *hint)
{
    return sc_fmt("compat.%s.%u.%s", run_id, ++name_seq, hint);
}

const char *
sc_queue(const char *hint)
{
    const char *name = sc_unique(hint);
    report('Q', name);
    return name;
}

const char *
sc_exchange(const char *hint)
{
    const char *name = sc_unique(hint);
    report('X', name);
    return name;
}

/* Best-effort deletion of everything a scenario registered; errors are ignored
 * because the scenario may already have deleted it or never created it. */
static void
cleanup(char *names)
{
    if (!names[0])
        return;
    amqp_connection_state_t c = amqp_new_connection();
    amqp_socket_t *s = amqp_tcp_socket_new(c);
    struct timeval tv = {5, 0};
    amqp_set_rpc_timeout(c, &tv);
    if (!s || amqp_socket_open_noblock(s, sc_host, sc_port, &tv) != AMQP_STATUS_OK)
        goto out;
    amqp_rpc_reply_t r = amqp_login(c, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest");
    if (r.reply_type != AMQP_RESPONSE_NORMAL)
        goto out;
    amqp_channel_t ch = 1;
    amqp_channel_open(c, ch);
    for (char *line = strtok(names, "\n"); line; line = strtok(NULL, "\n")) {
        if (strlen(line) < 3)
            continue;
        amqp_bytes_t name = amqp_cstring_bytes(line + 2);
        if (line[0] == 'Q')
            amqp_queue_delete(c, ch, name, 0, 0);
        else
            amqp_exchange_delete(c, ch, name, 0);
        r = amqp_get_rpc_reply(c);
        if (r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION &&
            r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
            amqp_channel_close_ok_t ok = {0};
            amqp_send_method(c, ch, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
            amqp_channel_open(c, ++ch);
        } else if (r.reply_type != AMQP_RESPONSE_NORMAL) {
            goto out;
        }
    }
    amqp_connection_close(c, AMQP_REPLY_SUCCESS);
out:
    amqp_destroy_connection(c);
}

static int
has_tag(const char *list, const char *tag, size_t len)
{
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == len && strncmp(p, tag, len) == 0)
            return 1;
        p = end ? end + 1 : NULL;
    }
    return 0;
}

/* Returns the first tag of sc that the user did not enable, or NULL if runnable. */
static const char *
missing_tag(const struct scenario *sc, const char *enabled, char *buf, size_t cap)
{
    for (const char *p = sc->tags; p && *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n && !has_tag(enabled, p, n)) {
            snprintf(buf, cap, "%.*s", (int)n, p);
            return buf;
        }
        p = end ? end + 1 : NULL;
    }
    return NULL;
}

/* --filter takes comma-separated IDs, ID prefixes ("ERR-") or area names. */
static int
selected(const struct scenario *sc, const char *filter)
{
    if (!filter)
        return 1;
    for (const char *p = filter; *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n &&
            (strncmp(sc->id, p, n) == 0 || (strlen(sc->area) == n && strncmp(sc->area, p, n) == 0)))
            return 1;
        if (!end)
            break;
        p = end + 1;
    }
    return 0;
}

static void
child_run(const struct scenario *sc, int fd, unsigned timeout_s)
{
    report_fd = fd;
    name_seq = 0;
    arena_used = 0;
    alarm(timeout_s);
    sc->fn();
    _exit(0);
}

/* Reads the child's reports until EOF, keeps resource names and the failure reason. */
static void
collect(int fd, char *names, size_t names_cap, char *why, size_t why_cap)
{
    char buf[4096], line[1000];
    size_t used = 0, nl = 0;
    ssize_t n;
    names[0] = why[0] = 0;
    while ((n = read(fd, buf, sizeof(buf))) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] != '\n') {
                if (nl < sizeof(line) - 1)
                    line[nl++] = buf[i];
                continue;
            }
            line[nl] = 0;
            if (line[0] == 'F')
                snprintf(why, why_cap, "%.900s", line + 2);
            else if (used + nl + 2 < names_cap)
                used += (size_t)snprintf(names + used, names_cap - used, "%s\n", line);
            nl = 0;
        }
    }
}

/* Returns 1 on pass; fills why on failure. */
static int
run_one(const struct scenario *sc, unsigned timeout_s, char *why, size_t why_cap)
{
    static char names[1 << 15];
    int fds[2];
    if (pipe(fds) < 0) {
        snprintf(why, why_cap, "pipe: %s", strerror(errno));
        return 0;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        child_run(sc, fds[1], timeout_s);
    }
    close(fds[1]);
    collect(fds[0], names, sizeof(names), why, why_cap);
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    cleanup(names);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 1;
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
        snprintf(why, why_cap, "timed out after %us", timeout_s);
    else if (WIFSIGNALED(status))
        snprintf(why, why_cap, "killed by signal %d", WTERMSIG(status));
    else if (!why[0])
        snprintf(why, why_cap, "exit status %d", WEXITSTATUS(status));
    return 0;
}

static void
usage(void)
{
    fprintf(stderr, "usage: run-scenarios [--host H] [--port P] [--tags T1,T2] "
                    "[--filter ID,PREFIX,AREA] [--timeout S] [--list]\n");
    exit(2);
}

static void
make_run_id(void)
{
    unsigned v = (unsigned)time(NULL) ^ ((unsigned)getpid() << 16);
    int fd = open("/dev/urandom", O_RDONLY);
    if (fd >= 0) {
        if (read(fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
            v ^= (unsigned)clock();
        close(fd);
    }
    snprintf(run_id, sizeof(run_id), "%06x", v & 0xffffffu);
}

int
main(int argc, char **argv)
{
    const char *tags = "", *filter = NULL;
    unsigned timeout_s = 10;
    int list = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--list")) {
            list = 1;
            continue;
        }
        if (!v)
            usage();
        if (!strcmp(a, "--host"))
            sc_host = v;
        else if (!strcmp(a, "--port"))
            sc_port = atoi(v);
        else if (!strcmp(a, "--tags"))
            tags = v;
        else if (!strcmp(a, "--filter"))
            filter = v;
        else if (!strcmp(a, "--timeout"))
            timeout_s = (unsigned)atoi(v);
        else
            usage();
        i++;
    }
    signal(SIGPIPE, SIG_IGN);
    make_run_id();
    setvbuf(stdout, NULL, _IOLBF, 0);

    unsigned n = 0, passed = 0, failed = 0, skipped = 0;
    for (size_t a = 0; a < sizeof(areas) / sizeof(areas[0]); a++) {
        for (const struct scenario *sc = areas[a]; sc->id; sc++) {
            char why[1024], tagbuf[64];
            if (!selected(sc, filter))
                continue;
            n++;
            if (list) {
                printf("%s\t%s\t%s\t%s\n", sc->id, sc->area, sc->tags, sc->desc);
                continue;
            }
            const char *missing = missing_tag(sc, tags, tagbuf, sizeof(tagbuf));
            if (missing) {
                printf("ok %u - %s %s # SKIP %s\n", n, sc->id, sc->desc, missing);
                skipped++;
            } else if (run_one(sc, timeout_s, why, sizeof(why))) {
                printf("ok %u - %s %s\n", n, sc->id, sc->desc);
                passed++;
            } else {
                printf("not ok %u - %s %s (%s)\n", n, sc->id, sc->desc, why);
                failed++;
            }
        }
    }
    if (list)
        return 0;
    if (skipped)
        printf("%u passed, %u failed, %u skipped\n", passed, failed, skipped);
    else
        printf("%u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}
