/* SPDX-License-Identifier: MPL-2.0 */
/* TCP and TLS listeners and the ready file that tells tests which ports were bound. */
#ifndef WR_LISTENER_H
#define WR_LISTENER_H

#include <stdbool.h>

struct wr_broker;
struct wr_listener;

/* Binds addr:port (port 0 = ephemeral). Returns NULL (logged) on failure. */
struct wr_listener *wr_listener_new(struct wr_broker *b, const char *addr, int port);
/* Same for amqps; the TLS context comes from ssl_options.* and is owned by the listener. */
struct wr_listener *wr_listener_new_tls(struct wr_broker *b, const char *addr, int port);
int wr_listener_port(const struct wr_listener *l);
/* Stops (paused) or resumes accepting; pending connections wait in the kernel's backlog. */
void wr_listener_pause(struct wr_listener *l, bool paused);
void wr_listener_free(struct wr_listener *l);
/* Writes "port=N\n" (and "tls_port=N\n", "mgmt_port=N\n", "prometheus_port=N\n",
 * "mgmt_tls_port=N\n" for each of those that is >= 0) to path.tmp and renames it into place, so
 * readers never see a partial file. */
int wr_ready_file_write(const char *path, int port, int tls_port, int mgmt_port, int prom_port,
                        int mgmt_tls_port);

#endif
