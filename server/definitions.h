/* SPDX-License-Identifier: MPL-2.0 */
/* Definitions export and import in RabbitMQ's JSON format (14.3): users with their password
 * hashes, vhosts, permissions, policies, and durable queues, exchanges and bindings. */
#ifndef WR_DEFINITIONS_H
#define WR_DEFINITIONS_H

#include <stdbool.h>
#include <stddef.h>

struct wr_broker;

/* A malloc'ed JSON document on one line: keys sorted as rabbitmqctl writes them, or in
 * rabbitmq_management's order. */
char *wr_definitions_export(struct wr_broker *b, bool sorted);
/* Applies a document; existing objects are kept. -1 with the reason in err when it is not a
 * definitions document or an entry is invalid (what came before stays applied). */
int wr_definitions_import(struct wr_broker *b, const char *json, size_t len, char *err,
                          size_t errcap);

#endif
