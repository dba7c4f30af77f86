/* SPDX-License-Identifier: MPL-2.0 */
/* The management plugin's equivalent: an HTTP listener (evhttp) on management.tcp.port serving
 * rabbitmq_management's core JSON API, the dashboard page and Prometheus metrics, the same over
 * HTTPS on management.ssl.port, and a listener on prometheus.tcp.port serving only the metrics.
 * Loop thread only. */
#ifndef WR_SERVER_MGMT_H
#define WR_SERVER_MGMT_H

struct wr_broker;
struct wr_mgmt;

/* Binds the configured ports (-1 = that listener is off). A port that cannot be bound, or
 * management.ssl settings that cannot be used, are logged and that listener left off: the broker
 * runs on without it. Returns NULL when no listener is open. */
struct wr_mgmt *wr_mgmt_open(struct wr_broker *b);
/* Closes the listeners and any HTTP connection still open. NULL is a no-op. */
void wr_mgmt_close(struct wr_mgmt *m);
/* The bound ports (the real one for port 0), or -1 when that listener is off; m may be NULL. */
int wr_mgmt_port(const struct wr_mgmt *m);
int wr_mgmt_prometheus_port(const struct wr_mgmt *m);
int wr_mgmt_tls_port(const struct wr_mgmt *m);

#endif
