/* SPDX-License-Identifier: MPL-2.0 */
/* Exchanges, bindings and routing (direct, fanout, topic, headers; exchange-to-exchange). */
#ifndef WR_EXCHANGE_H
#define WR_EXCHANGE_H

#include "amqp/types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

struct wr_vhost;
struct wr_queue;
struct wr_msg;

enum wr_xtype { WR_X_DIRECT, WR_X_FANOUT, WR_X_TOPIC, WR_X_HEADERS };

struct wr_exchange_opts {
    enum wr_xtype type;
    bool durable, auto_delete, internal;
    struct wr_bytes args; /* table contents; copied */
};

struct wr_exchange;
struct wr_binding;
/* Bindings in which a queue or an exchange is the destination; embedded in both. */
TAILQ_HEAD(wr_binding_list, wr_binding);

/* Route result: queues in first-reached order, each once. */
struct wr_route {
    struct wr_queue **qs;
    size_t n, cap;
};

int wr_xtype_parse(const char *s, size_t len, enum wr_xtype *out);
const char *wr_xtype_name(enum wr_xtype t);

/* Creates and registers the exchange in vh. */
struct wr_exchange *wr_exchange_new(struct wr_vhost *vh, const char *name, size_t len,
                                    const struct wr_exchange_opts *o);
/* Removes bindings where x is source or destination, unregisters and frees x. */
void wr_exchange_delete(struct wr_exchange *x);

const char *wr_exchange_name(const struct wr_exchange *x);
size_t wr_exchange_name_len(const struct wr_exchange *x);
struct wr_vhost *wr_exchange_vhost(const struct wr_exchange *x);
const struct wr_exchange_opts *wr_exchange_opts(const struct wr_exchange *x);
bool wr_exchange_in_use(const struct wr_exchange *x);
bool wr_exchange_is_default(const struct wr_exchange *x);

/* Binds src to a queue (q != NULL) or an exchange (xdest). Returns 0 when added, 1 when an
 * identical binding exists, -1 with the explanation in err for an invalid x-match (ERR-26). */
int wr_binding_add(struct wr_exchange *src, struct wr_queue *q, struct wr_exchange *xdest,
                   struct wr_bytes key, struct wr_bytes args, char *err, size_t errcap);
/* Removes one binding if present (idempotent, M-07); may auto-delete src. */
void wr_binding_remove(struct wr_exchange *src, struct wr_queue *q, struct wr_exchange *xdest,
                       struct wr_bytes key, struct wr_bytes args);
/* Drops every binding in which the owner of the list is the destination. */
void wr_bindings_drop_dest(struct wr_binding_list *l);

/* Calls cb for every binding whose source is x. */
typedef void wr_binding_visit(struct wr_exchange *src, struct wr_queue *q,
                              struct wr_exchange *xdest, struct wr_bytes key, struct wr_bytes args,
                              void *arg);
void wr_exchange_foreach_binding(struct wr_exchange *x, wr_binding_visit *cb, void *arg);

/* Routes m (routing key rk, message headers table) from x, appending queues to r. */
void wr_exchange_route(struct wr_exchange *x, struct wr_bytes rk, struct wr_bytes headers,
                       struct wr_route *r);
/* The same with several routing keys (CC/BCC, dead-lettering); each queue appears once. */
void wr_exchange_route_keys(struct wr_exchange *x, const struct wr_bytes *keys, size_t nkeys,
                            struct wr_bytes headers, struct wr_route *r);
void wr_route_reset(struct wr_route *r);
void wr_route_free(struct wr_route *r);

#endif
