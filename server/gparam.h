/* SPDX-License-Identifier: MPL-2.0 */
/* Global runtime parameters (rabbitmqctl set_global_parameter): named JSON values kept with the
 * definitions. cluster_name is the one Warren reads; the others are stored and exported. */
#ifndef WR_GPARAM_H
#define WR_GPARAM_H

#include <stdbool.h>
#include <stddef.h>

struct wr_broker;
struct wr_gparams;

struct wr_gparams *wr_gparams_new(void);
void wr_gparams_free(struct wr_gparams *g);
/* Drops every parameter (snapshot restore). */
void wr_gparams_clear_all(struct wr_gparams *g);

/* Stores value (any JSON text) under name, recorded in the definitions log. -1 with
 * rabbitmqctl's text in err when value is not JSON. */
int wr_gparam_set(struct wr_broker *b, const char *name, const char *value_json, char *err,
                  size_t errcap);
/* -1 with "Parameter does not exist" when there is no such parameter. */
int wr_gparam_clear(struct wr_broker *b, const char *name, char *err, size_t errcap);
/* The compact JSON text of the value, or NULL. */
const char *wr_gparam_get(const struct wr_broker *b, const char *name);
/* The name clients and the API show: the cluster_name parameter when it is a string, else
 * dflt. */
const char *wr_gparam_cluster_name(const struct wr_broker *b, const char *dflt);

typedef void wr_gparam_visit(const char *name, const char *value_json, void *arg);
void wr_gparam_foreach(const struct wr_broker *b, wr_gparam_visit *cb, void *arg);

#endif
