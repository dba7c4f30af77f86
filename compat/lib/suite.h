/* SPDX-License-Identifier: MPL-2.0 */
/* Scenario table, runner contract and fail-fast assertions for the compat suite.
 * Each scenario runs in its own forked child; a failed check ends that child. */
#ifndef WR_COMPAT_SUITE_H
#define WR_COMPAT_SUITE_H

#include <stddef.h>
#include <stdint.h>

typedef void scenario_fn(void);

struct scenario {
    const char *id;   /* behaviour ID from reference/rabbitmq-behaviour.md */
    const char *area; /* handshake, framing, errors, exchanges, queues, basic, ... */
    const char *tags; /* comma-separated capability tags, "" for none */
    scenario_fn *fn;
    const char *desc;
};

/* Per-area tables, each terminated by an entry with id == NULL. */
extern const struct scenario sc_handshake[];
extern const struct scenario sc_framing[];
extern const struct scenario sc_errors[];
extern const struct scenario sc_exchanges[];
extern const struct scenario sc_queues[];
extern const struct scenario sc_basic[];
extern const struct scenario sc_consume[];
extern const struct scenario sc_confirm_tx[];
extern const struct scenario sc_ttl[];
extern const struct scenario sc_limits[];
extern const struct scenario sc_dlx[];
extern const struct scenario sc_priority[];
extern const struct scenario sc_routing_ext[];
extern const struct scenario sc_consumers_ext[];
extern const struct scenario sc_reply_to[];
extern const struct scenario sc_queue_types[];
extern const struct scenario sc_backlog[];

/* Broker under test; set once by main before any scenario runs. */
extern const char *sc_host;
extern int sc_port;

/* Ends the current scenario as failed with a printf-style reason. */
_Noreturn void sc_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Unique resource names for this run; the runner deletes them after the scenario
 * (even when it fails). Returned strings live until the scenario ends. */
const char *sc_queue(const char *hint);
const char *sc_exchange(const char *hint);
/* A unique name that is not registered for cleanup (for things never created). */
const char *sc_unique(const char *hint);

/* printf into a scenario-lifetime buffer (for building expected reply texts). */
const char *sc_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define CHECK(cond, ...)          \
    do {                          \
        if (!(cond))              \
            sc_fail(__VA_ARGS__); \
    } while (0)

/* Exact string comparison with a readable failure. */
#define CHECK_STR(got, want, what)                                                         \
    do {                                                                                   \
        const char *got_ = (got), *want_ = (want);                                         \
        if (got_ == NULL || strcmp(got_, want_) != 0)                                      \
            sc_fail("%s: got \"%s\", want \"%s\"", (what), got_ ? got_ : "(null)", want_); \
    } while (0)

#define CHECK_INT(got, want, what)                                    \
    do {                                                              \
        long long got_ = (long long)(got), want_ = (long long)(want); \
        if (got_ != want_)                                            \
            sc_fail("%s: got %lld, want %lld", (what), got_, want_);  \
    } while (0)

#endif
