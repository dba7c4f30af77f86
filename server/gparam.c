/* SPDX-License-Identifier: MPL-2.0 */
/* Global parameters: name -> compact JSON text in one map owned by the broker. */
#include "server/gparam.h"

#include "server/broker.h"
#include "server/defs.h"
#include "server/hmap.h"
#include "server/mem.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wr_gparams {
    struct wr_hmap *map; /* name -> malloc'd JSON text */
    char *cluster_name;  /* cluster_name's string value, NULL when unset or not a string */
};

struct wr_gparams *
wr_gparams_new(void)
{
    struct wr_gparams *g = wr_xcalloc(1, sizeof(*g));

    g->map = wr_hmap_new();
    return g;
}

void
wr_gparams_clear_all(struct wr_gparams *g)
{
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *val;

    wr_hmap_iter_init(g->map, &it);
    while (wr_hmap_next(&it, &key, &len, &val)) {
        wr_hmap_del(g->map, key, len);
        free(val);
    }
    free(g->cluster_name);
    g->cluster_name = NULL;
}

void
wr_gparams_free(struct wr_gparams *g)
{
    if (g == NULL)
        return;
    wr_gparams_clear_all(g);
    wr_hmap_free(g->map);
    free(g);
}

static void
wr_gparam_store(struct wr_gparams *g, const char *name, char *text, const json_t *v)
{
    free(wr_hmap_del(g->map, name, strlen(name)));
    wr_hmap_put(g->map, name, strlen(name), text);
    if (strcmp(name, "cluster_name") == 0) {
        free(g->cluster_name);
        g->cluster_name = json_is_string(v) ? wr_xstrdup(json_string_value(v)) : NULL;
    }
}

int
wr_gparam_set(struct wr_broker *b, const char *name, const char *value_json, char *err,
              size_t errcap)
{
    json_t *v = json_loads(value_json, JSON_DECODE_ANY, NULL);
    char *text;

    if (v == NULL) {
        snprintf(err, errcap, "JSON decoding error. Reason: badarg");
        return -1;
    }
    text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    wr_gparam_store(wr_broker_gparams(b), name, text, v);
    json_decref(v);
    wr_defs_gparam(b, name, text);
    return 0;
}

int
wr_gparam_clear(struct wr_broker *b, const char *name, char *err, size_t errcap)
{
    struct wr_gparams *g = wr_broker_gparams(b);
    char *old = wr_hmap_del(g->map, name, strlen(name));

    if (old == NULL) {
        snprintf(err, errcap, "Parameter does not exist");
        return -1;
    }
    free(old);
    if (strcmp(name, "cluster_name") == 0) {
        free(g->cluster_name);
        g->cluster_name = NULL;
    }
    wr_defs_gparam(b, name, NULL);
    return 0;
}

const char *
wr_gparam_get(const struct wr_broker *b, const char *name)
{
    return wr_hmap_get(wr_broker_gparams(b)->map, name, strlen(name));
}

const char *
wr_gparam_cluster_name(const struct wr_broker *b, const char *dflt)
{
    const char *n = wr_broker_gparams(b)->cluster_name;

    return n != NULL ? n : dflt;
}

static int
wr_gparam_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* In name order, so that listings and exports do not depend on the hash. */
void
wr_gparam_foreach(const struct wr_broker *b, wr_gparam_visit *cb, void *arg)
{
    struct wr_hmap *map = wr_broker_gparams(b)->map;
    size_t n = 0, count = wr_hmap_count(map);
    const char **names = wr_xcalloc(count ? count : 1, sizeof(*names));
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *val;

    wr_hmap_iter_init(map, &it);
    while (n < count && wr_hmap_next(&it, &key, &len, &val))
        names[n++] = key;
    qsort(names, n, sizeof(*names), wr_gparam_cmp);
    for (size_t i = 0; i < n; i++)
        cb(names[i], wr_hmap_get(map, names[i], strlen(names[i])), arg);
    free(names);
}
