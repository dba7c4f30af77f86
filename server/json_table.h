/* SPDX-License-Identifier: MPL-2.0 */
/* AMQP field tables <-> JSON, as RabbitMQ's definitions and HTTP API show arguments: strings,
 * integers, booleans, floats, arrays and nested objects. Also tag lists, which Warren keeps as
 * one string and JSON shows as an array. */
#ifndef WR_JSON_TABLE_H
#define WR_JSON_TABLE_H

#include "amqp/types.h"

#include <jansson.h>

struct wr_tbuf;

/* A new JSON object for the table (never NULL for a valid table). */
json_t *wr_json_from_table(struct wr_bytes table);
/* Appends obj's members to b; -1 when a value has no AMQP equivalent (null). */
int wr_json_to_table(const json_t *obj, struct wr_tbuf *b);

/* The tags in a string separated by spaces or commas, as a JSON array of strings. */
json_t *wr_json_tags(const char *tags);
/* An array of strings, or a string like "a, b", as one malloc'd string "a<sep>b"; absent tags
 * give "", anything else NULL. */
char *wr_json_tags_join(const json_t *tags, char sep);

#endif
