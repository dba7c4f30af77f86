/* SPDX-License-Identifier: MPL-2.0 */
/* Broker process control for integration tests: spawn, await the ready file by polling
 * against a deadline (never a fixed sleep), stop with TERM then KILL. */
#include "config.h"

#include "tests/lib/harness.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define POLL_MS 10

static long
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void
nap(void)
{
    struct timespec ts = {0, POLL_MS * 1000000L};
    nanosleep(&ts, NULL);
}

static int
use_external(struct wr_harness *h, const char *addr)
{
    const char *colon = strrchr(addr, ':');
    if (!colon || colon == addr || (size_t)(colon - addr) >= sizeof(h->host)) {
        fprintf(stderr, "harness: WARREN_TEST_ADDR must be host:port, got '%s'\n", addr);
        return -1;
    }
    snprintf(h->host, sizeof(h->host), "%.*s", (int)(colon - addr), addr);
    h->port = atoi(colon + 1);
    return h->port > 0 ? 0 : -1;
}

static void
dump_log(const struct wr_harness *h)
{
    char path[300], line[512];
    snprintf(path, sizeof(path), "%s/warren.log", h->dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    fprintf(stderr, "harness: --- %s ---\n", path);
    while (fgets(line, sizeof(line), f))
        fputs(line, stderr);
    fclose(f);
}

static pid_t
spawn(const struct wr_harness *h, const char *bin)
{
    char ready[300], data[300], log[300];
    snprintf(ready, sizeof(ready), "%s/ready", h->dir);
    snprintf(data, sizeof(data), "%s/data", h->dir);
    snprintf(log, sizeof(log), "%s/warren.log", h->dir);
    if (mkdir(data, 0700) < 0)
        return -1;
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        close(fd);
    }
    const char *vg = getenv("WARREN_VALGRIND");
    if (vg && strcmp(vg, "1") == 0)
        execlp("valgrind", "valgrind", "--error-exitcode=99", "--leak-check=full", bin, "--port",
               "0", "--ready-file", ready, "--data-dir", data, (char *)NULL);
    else
        execl(bin, bin, "--port", "0", "--ready-file", ready, "--data-dir", data, (char *)NULL);
    _exit(127);
}

/* The broker writes F.tmp then renames it, so a visible F is always complete. */
static int
read_port(const struct wr_harness *h)
{
    char path[300];
    int port = -1;
    snprintf(path, sizeof(path), "%s/ready", h->dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    if (fscanf(f, "port=%d", &port) != 1)
        port = -1;
    fclose(f);
    return port;
}

static int
await_ready(struct wr_harness *h, int timeout_ms)
{
    long deadline = now_ms() + timeout_ms;
    int status;
    while (now_ms() < deadline) {
        if ((h->port = read_port(h)) > 0)
            return 0;
        if (waitpid(h->pid, &status, WNOHANG) == h->pid) {
            fprintf(stderr, "harness: broker exited before ready (status 0x%x)\n", status);
            h->pid = 0;
            return -1;
        }
        nap();
    }
    fprintf(stderr, "harness: no ready file after %d ms\n", timeout_ms);
    return -1;
}

int
wr_harness_start(struct wr_harness *h, int timeout_ms)
{
    memset(h, 0, sizeof(*h));
    const char *addr = getenv("WARREN_TEST_ADDR");
    if (addr && *addr)
        return use_external(h, addr);
    const char *bin = getenv("WARREN_BIN");
    if (!bin || !*bin)
        bin = "./warren";
    if (access(bin, X_OK) != 0) {
        fprintf(stderr, "harness: %s not found; set WARREN_BIN or WARREN_TEST_ADDR\n", bin);
        return 77;
    }
    snprintf(h->dir, sizeof(h->dir), "%s/warren-it-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(h->dir)) {
        fprintf(stderr, "harness: mkdtemp: %s\n", strerror(errno));
        return -1;
    }
    snprintf(h->host, sizeof(h->host), "127.0.0.1");
    h->pid = spawn(h, bin);
    if (h->pid < 0 || await_ready(h, timeout_ms) < 0) {
        dump_log(h);
        wr_harness_stop(h, 2000);
        return -1;
    }
    return 0;
}

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static int
wait_exit(pid_t pid, int timeout_ms, int *status)
{
    long deadline = now_ms() + timeout_ms;
    while (now_ms() < deadline) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD))
            return 0;
        nap();
    }
    return -1;
}

int
wr_harness_stop(struct wr_harness *h, int timeout_ms)
{
    int status = 0, rc = 0;
    if (h->pid > 0) {
        kill(h->pid, SIGTERM);
        if (wait_exit(h->pid, timeout_ms, &status) < 0) {
            fprintf(stderr, "harness: broker ignored SIGTERM for %d ms; killing\n", timeout_ms);
            kill(h->pid, SIGKILL);
            waitpid(h->pid, &status, 0);
            rc = -1;
        } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        h->pid = 0;
    }
    if (h->dir[0] && rc == 0)
        nftw(h->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    else if (h->dir[0])
        dump_log(h);
    h->dir[0] = 0;
    return rc;
}
