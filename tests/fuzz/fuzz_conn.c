/* SPDX-License-Identifier: MPL-2.0 */
/* Fuzz target for a whole client connection: the input is the byte stream a client sends
 * (protocol header, handshake, methods, content), fed into a real broker's connection code on
 * an event loop without listeners. Whatever the bytes, the broker must neither crash nor leak,
 * and must let go of the connection once the client hangs up.
 *
 * server/conn.h only takes a file descriptor (wr_conn_accept), so the client end is one side
 * of a socketpair; a bufferevent_pair entry point would avoid the kernel round trips. */
#define _POSIX_C_SOURCE 200809L

#include "server/broker.h"
#include "server/conn.h"
#include "server/log.h"
#include "server/settings.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <event2/util.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Passes without progress before the session is considered settled. */
#define IDLE_PASSES 32
#define MAX_PASSES  20000

/* Reads and drops what the broker wrote. Returns true once the broker closed its end. */
static bool
drain(int fd, bool *progress)
{
    char buf[16384];
    ssize_t r;

    while ((r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
        *progress = true;
    return r == 0;
}

/* Feeds the input, then hangs up and runs the loop until the broker closes the socket or
 * nothing moves any more; wr_broker_free() then takes whatever is left. */
static void
run_session(struct event_base *base, int fd, const uint8_t *data, size_t size)
{
    size_t off = 0;
    bool shut = false;
    int idle = 0;

    for (int pass = 0; pass < MAX_PASSES && idle < IDLE_PASSES; pass++) {
        bool progress = false;
        if (off < size) {
            ssize_t w = send(fd, data + off, size - off, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (w > 0)
                off += (size_t)w, progress = true;
        } else if (!shut) {
            shutdown(fd, SHUT_WR);
            shut = progress = true;
        }
        event_base_loop(base, EVLOOP_NONBLOCK);
        if (drain(fd, &progress) && shut)
            break;
        idle = progress ? 0 : idle + 1;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct wr_config cfg;
    static bool init;
    struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(40000)};
    struct event_base *base;
    struct wr_broker *b;
    int sv[2];

    if (!init) {
        wr_config_defaults(&cfg);
        wr_log_set_level(WR_LOG_ERROR); /* every rejected input would log a warning */
        init = true;
    }
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return 0;
    evutil_make_socket_nonblocking(sv[0]);
    evutil_make_socket_nonblocking(sv[1]);
    peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* guest may log in from loopback only */
    base = event_base_new();
    b = wr_broker_new(base, &cfg);
    if (wr_conn_accept(b, sv[1], (const struct sockaddr *)&peer, sizeof(peer)) != NULL)
        run_session(base, sv[0], data, size);
    wr_broker_free(b);
    event_base_free(base);
    close(sv[0]);
    return 0;
}
