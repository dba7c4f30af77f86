/* SPDX-License-Identifier: MPL-2.0 */
/* Durable definitions: every change to a durable exchange, queue or binding is recorded in the
 * metadata log (store/meta.h) before the client hears of it, and replayed at start.
 * Records describe results (created, deleted), so replaying them, cascades included, rebuilds
 * the same state; applying one that is already true is a no-op. */
#ifndef WR_DEFS_H
#define WR_DEFS_H

#include "amqp/types.h"

#include <stdbool.h>
#include <stdint.h>

struct wr_broker;
struct wr_defs;
struct wr_exchange;
struct wr_queue;

/* Opens DATA_DIR/meta and replays it into the broker's vhosts. NULL (logged) on failure. */
struct wr_defs *wr_defs_open(struct wr_broker *b, const char *data_dir);
/* Stops recording: the broker is shutting down and tears its objects down. */
void wr_defs_quiesce(struct wr_defs *d);
void wr_defs_close(struct wr_defs *d);

/* Hooks called by exchange.c and queue.c; they record only durable objects. */
void wr_defs_exchange_declared(struct wr_exchange *x);
void wr_defs_exchange_deleted(struct wr_exchange *x);
void wr_defs_queue_declared(struct wr_queue *q);
void wr_defs_queue_deleted(struct wr_queue *q);
void wr_defs_binding(struct wr_exchange *src, struct wr_queue *q, struct wr_exchange *xdest,
                     struct wr_bytes key, struct wr_bytes args, bool added);

/* Vhosts, users and permissions (recorded from admin.c). */
struct wr_user;
void wr_defs_vhost(struct wr_broker *b, const char *name, bool added);
void wr_defs_vhost_metadata(struct wr_broker *b, const char *name, const char *description,
                            const char *tags);
void wr_defs_user(struct wr_broker *b, const struct wr_user *u); /* created or changed */
/* A global parameter set to value_json, or cleared (NULL). */
void wr_defs_gparam(struct wr_broker *b, const char *name, const char *value_json);
void wr_defs_user_deleted(struct wr_broker *b, const char *name);
void wr_defs_perm(struct wr_broker *b, const char *vhost, const char *user, bool set);
/* Topic permissions (set, or cleared: exchange "" = all of the vhost's). */
void wr_defs_topic_perm(struct wr_broker *b, const char *vhost, const char *user,
                        const char *exchange, const char *write, const char *read, bool set);
/* Limits of a vhost (vhost true) or a user, -1 = none. */
void wr_defs_limits(struct wr_broker *b, bool vhost, const char *name, int64_t a, int64_t c);
void wr_defs_policy(struct wr_broker *b, bool op, const char *vhost, const char *name,
                    const char *pattern, const char *json, int priority, const char *apply_to,
                    bool set);

#endif
