/* SPDX-License-Identifier: MPL-2.0 */
/* warren: parse the configuration, start the broker, run the loop until SIGTERM/SIGINT. */
#include "server/broker.h"
#include "server/log.h"
#include "server/settings.h"

#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static void
wr_on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct wr_broker *b = arg;

    wr_log(WR_LOG_INFO, "received signal %d, stopping", (int)sig);
    wr_broker_shutdown(b);
}

/* A second SIGTERM must not end the shutdown half way (timeout(1) sends one to the process
 * and another to its process group): from here on they stay pending until exit. The store
 * thread blocks every signal, so this thread's mask is the process's. */
static void
wr_block_stop_signals(void)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
}

static void
wr_event_log(int severity, const char *msg)
{
    wr_log(severity >= EVENT_LOG_ERR ? WR_LOG_ERROR : WR_LOG_DEBUG, "libevent: %s", msg);
}

int
main(int argc, char **argv)
{
    struct wr_config cfg;
    struct event_base *base;
    struct wr_broker *b;
    struct event *sigterm, *sigint;
    int rc;

    wr_config_defaults(&cfg);
    rc = wr_config_args(&cfg, argc, argv);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    wr_log_set_level(cfg.log_level);
    signal(SIGPIPE, SIG_IGN);
    event_set_log_callback(wr_event_log);
    if (cfg.data_dir)
        mkdir(cfg.data_dir, 0750);
    base = event_base_new();
    if (base == NULL) {
        wr_log(WR_LOG_ERROR, "cannot create the event loop");
        return 1;
    }
    b = wr_broker_new(base, &cfg);
    if (wr_broker_start(b) < 0) {
        wr_broker_free(b);
        event_base_free(base);
        return 1;
    }
    sigterm = evsignal_new(base, SIGTERM, wr_on_signal, b);
    sigint = evsignal_new(base, SIGINT, wr_on_signal, b);
    evsignal_add(sigterm, NULL);
    evsignal_add(sigint, NULL);
    event_base_dispatch(base);
    wr_block_stop_signals();
    event_free(sigterm);
    event_free(sigint);
    wr_broker_free(b);
    event_base_free(base);
    wr_log(WR_LOG_INFO, "stopped");
    return 0;
}
