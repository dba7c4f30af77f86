/* SPDX-License-Identifier: MPL-2.0 */
/* Policies and operator policies (PO-01..PO-06): a pattern over queue/exchange names in a vhost,
 * an apply-to, a priority and a definition; the highest-priority match applies, retroactively,
 * combined with x-arguments as RabbitMQ 3.10 does for classic queues (PO-04). */
#ifndef WR_POLICY_H
#define WR_POLICY_H

#include <stdbool.h>
#include <stddef.h>

struct wr_broker;
struct wr_queue;
struct wr_exchange;
struct wr_qparams;
struct wr_policies;

struct wr_policies *wr_policies_new(void);
void wr_policies_free(struct wr_policies *ps);

/* Returns 0, or -1 with RabbitMQ's validation text in err (PO-01). op: operator policy. */
int wr_policy_set(struct wr_broker *b, bool op, const char *vhost, const char *name,
                  const char *pattern, const char *definition_json, int priority,
                  const char *apply_to, char *err, size_t errcap);
int wr_policy_clear(struct wr_broker *b, bool op, const char *vhost, const char *name, char *err,
                    size_t errcap);
/* Drops every policy of a vhost (vhost deletion, snapshot restore). */
void wr_policy_clear_vhost(struct wr_broker *b, const char *vhost);

struct wr_policy_view {
    const char *vhost, *name, *pattern, *apply_to, *definition_json;
    int priority;
};
typedef void wr_policy_visit(const struct wr_policy_view *p, void *arg);
/* vhost NULL visits every vhost. */
void wr_policy_foreach(struct wr_broker *b, bool op, const char *vhost, wr_policy_visit *cb,
                       void *arg);
/* The name of the user or operator policy that applies to q; NULL for none. */
const char *wr_policy_of_queue(const struct wr_queue *q, bool op);

/* Overlays the policies that match q onto p (p starts as q's x-arguments). */
void wr_policy_queue_params(const struct wr_queue *q, struct wr_qparams *p);
/* The alternate exchange a policy gives x (when its arguments name none), or NULL. */
const char *wr_policy_alternate(const struct wr_exchange *x);

#endif
