/* SPDX-License-Identifier: MPL-2.0 */
/* Integration-test harness: starts a warren process on an ephemeral port in a fresh
 * temporary directory and stops it, or points tests at an external broker. */
#ifndef WR_TESTS_HARNESS_H
#define WR_TESTS_HARNESS_H

#include <sys/types.h>

struct wr_harness {
    char host[256];
    int port;
    pid_t pid;     /* 0 when using an external broker */
    char dir[256]; /* mkdtemp directory holding ready file, data dir and log */
};

/* Starts the broker. With WARREN_TEST_ADDR=host:port set, nothing is started and that
 * address is used. Otherwise runs $WARREN_BIN (default ./warren, relative to the build
 * dir) with --port 0 --ready-file F --data-dir D, and waits up to timeout_ms for F to
 * hold "port=N". Returns 0 on success, 77 (automake "skip") when the binary does not
 * exist, -1 on failure (reason on stderr, broker log copied there too). */
int wr_harness_start(struct wr_harness *h, int timeout_ms);

/* Sends SIGTERM, waits up to timeout_ms, then SIGKILL; removes the temporary directory
 * unless the broker failed to exit cleanly. Returns the broker's exit status (0 clean),
 * or 0 for an external broker. Safe to call twice. */
int wr_harness_stop(struct wr_harness *h, int timeout_ms);

#endif
