/* SPDX-License-Identifier: MPL-2.0 */
/* The control channel: the broker's side of warrenctl, a unix stream socket on the loop thread.
 * It owns the socket file and the per-client request/reply framing; the commands themselves live
 * in ctl_cmds.c and ctl_list.c.
 *
 * Protocol (one request per connection, all integers unsigned 32-bit big-endian):
 *   client -> broker:  N, then N bytes holding argc strings, each as LEN + LEN bytes
 *                      (argv without the program name, exactly as typed; N <= WR_CTL_MAX_REQUEST)
 *   broker -> client:  CODE (the process exit code), OUTLEN + stdout bytes, ERRLEN + stderr bytes,
 *                      then the broker closes the connection.
 * A request over the limit or malformed is answered with code 64 and a message, then closed.
 * The socket is created mode 0600, so only the broker's owner (and root) may connect; the broker
 * also checks the peer's uid where the OS reports it. */
#ifndef WR_SERVER_CTL_H
#define WR_SERVER_CTL_H

#include <stddef.h>

struct wr_broker;
struct evbuffer;
struct wr_ctl;

/* import_definitions sends the whole document */
#define WR_CTL_MAX_REQUEST (16 * 1024 * 1024)
#define WR_CTL_MAX_ARGS    1024

/* rabbitmqctl's exit codes (sysexits.h values) */
enum {
    WR_CTL_OK = 0,
    WR_CTL_USAGE = 64,
    WR_CTL_DATAERR = 65,
    WR_CTL_NOUSER = 67,
    WR_CTL_UNAVAILABLE = 69,
    WR_CTL_SOFTWARE = 70,
    WR_CTL_NOINPUT = 66,
    WR_CTL_CANTCREAT = 73,
};

/* Listens on the config's ctl_socket path (default <data_dir>/warren.sock), replacing a stale
 * socket file left by a broker that died. Returns NULL (logged) when it cannot; the broker
 * then runs without a control channel. Loop thread only. */
struct wr_ctl *wr_ctl_open(struct wr_broker *b);
/* Closes the listener and every client, and removes the socket file. NULL is a no-op. */
void wr_ctl_close(struct wr_ctl *c);

/* Runs one command line (argv without the program name) against b and appends what rabbitmqctl
 * would print to out and err; returns the exit code. Sets *stop when the command asks the broker
 * to stop once the reply is sent. With b == NULL only the arguments are checked (warrenctl does
 * this before connecting, so usage errors do not need a broker). */
int wr_ctl_run(struct wr_broker *b, int argc, char **argv, struct evbuffer *out,
               struct evbuffer *err, int *stop);
/* The command list, for `warrenctl help`. */
void wr_ctl_usage(struct evbuffer *out);

#endif
