/* SPDX-License-Identifier: MPL-2.0 */
/* RabbitMQ's definitions JSON. Export lists what RabbitMQ 3.10 lists: transient queues and
 * exchanges too, but not exclusive queues (their connection owns them). Import goes through the
 * same admin and declare paths as clients, so what is durable is recorded durably. */
#include "server/definitions.h"

#include "server/admin.h"
#include "server/broker.h"
#include "server/exchange.h"
#include "server/gparam.h"
#include "server/hmap.h"
#include "server/json_table.h"
#include "server/mem.h"
#include "server/policy.h"
#include "server/queue.h"
#include "server/queue_args.h"
#include "server/user.h"
#include "server/vhost.h"

#include "amqp/table.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WR_COMPAT_VERSION "3.10.8"

/* A-06 limits as RabbitMQ writes them: an object under users[] and parameters[], but a list of
 * [key, value] pairs under vhosts[]. Only the limits that are set appear. */
static json_t *
wr_export_limits(int64_t conns, const char *other, int64_t n, bool pairs)
{
    json_t *o = pairs ? json_array() : json_object();
    const char *keys[2] = {"max-connections", other};
    int64_t vals[2] = {conns, n};

    for (int i = 0; i < 2; i++) {
        if (vals[i] < 0)
            continue;
        if (pairs)
            json_array_append_new(o, json_pack("[s, I]", keys[i], (json_int_t)vals[i]));
        else
            json_object_set_new(o, keys[i], json_integer(vals[i]));
    }
    return o;
}

static json_t *
wr_export_user(const struct wr_user *u)
{
    uint8_t sh[WR_USER_SALT_LEN + WR_USER_HASH_LEN];
    char b64[64] = "";

    if (wr_user_get_hash(u, sh, sh + WR_USER_SALT_LEN))
        EVP_EncodeBlock((unsigned char *)b64, sh, sizeof(sh));
    return json_pack("{s:s, s:s, s:s, s:o, s:o}", "name", wr_user_name(u), "password_hash", b64,
                     "hashing_algorithm", "rabbit_password_hashing_sha256", "tags",
                     wr_json_tags(wr_user_tags(u)), "limits",
                     wr_export_limits(wr_user_max_connections(u), "max-channels",
                                      wr_user_max_channels(u), false));
}

static void
wr_export_users(struct wr_broker *b, json_t *users, json_t *perms, json_t *tperms)
{
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *val;

    wr_hmap_iter_init(wr_broker_users(b), &it);
    while (wr_hmap_next(&it, &key, &len, &val)) {
        json_array_append_new(users, wr_export_user(val));
        for (size_t i = 0; i < wr_user_nperms(val); i++) {
            const struct wr_perm *p = wr_user_perm_at(val, i);
            json_array_append_new(perms,
                                  json_pack("{s:s, s:s, s:s, s:s, s:s}", "user", wr_user_name(val),
                                            "vhost", p->vhost, "configure", p->configure, "write",
                                            p->write, "read", p->read));
        }
        for (size_t i = 0; i < wr_user_ntopic_perms(val); i++) {
            const struct wr_topic_perm *t = wr_user_topic_perm_at(val, i);
            json_array_append_new(tperms,
                                  json_pack("{s:s, s:s, s:s, s:s, s:s}", "user", wr_user_name(val),
                                            "vhost", t->vhost, "exchange", t->exchange, "write",
                                            t->write, "read", t->read));
        }
    }
}

static void
wr_export_policy(const struct wr_policy_view *p, void *arg)
{
    json_t *def = json_loads(p->definition_json, 0, NULL);

    json_array_append_new(arg, json_pack("{s:s, s:s, s:s, s:s, s:o, s:i}", "vhost", p->vhost,
                                         "name", p->name, "pattern", p->pattern, "apply-to",
                                         p->apply_to, "definition", def ? def : json_object(),
                                         "priority", p->priority));
}

static int
wr_cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* RabbitMQ keeps operator policies as runtime parameters, and its export writes their
 * definition as a list of [key, value] pairs sorted by key; the import takes both forms. */
static void
wr_export_op_policy(const struct wr_policy_view *p, void *arg)
{
    json_t *def = json_loads(p->definition_json, 0, NULL), *pairs = json_array(), *v;
    const char **keys = wr_xcalloc(def ? json_object_size(def) + 1 : 1, sizeof(*keys));
    const char *k;
    size_t n = 0;

    json_object_foreach(def, k, v) keys[n++] = k;
    qsort(keys, n, sizeof(*keys), wr_cmp_cstr);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(pairs, json_pack("[s, O]", keys[i], json_object_get(def, keys[i])));
    free(keys);
    json_decref(def);
    json_array_append_new(arg, json_pack("{s:s, s:s, s:s, s:{s:s, s:o, s:s, s:i}}", "vhost",
                                         p->vhost, "component", "operator_policy", "name", p->name,
                                         "value", "apply-to", p->apply_to, "definition", pairs,
                                         "pattern", p->pattern, "priority", p->priority));
}

struct wr_export_ctx {
    const char *vhost;
    json_t *bindings;
};

static void
wr_export_binding(struct wr_exchange *src, struct wr_queue *q, struct wr_exchange *xd,
                  struct wr_bytes key, struct wr_bytes args, void *arg)
{
    struct wr_export_ctx *e = arg;

    if (q != NULL && wr_queue_opts(q)->exclusive)
        return;
    json_array_append_new(e->bindings,
                          json_pack("{s:s, s:s, s:s, s:s, s:s%, s:o}", "source",
                                    wr_exchange_name(src), "vhost", e->vhost, "destination",
                                    q ? wr_queue_name(q) : wr_exchange_name(xd), "destination_type",
                                    q ? "queue" : "exchange", "routing_key",
                                    key.len ? (const char *)key.ptr : "", (size_t)key.len,
                                    "arguments", wr_json_from_table(args)));
}

static const char *
wr_export_qtype(const struct wr_queue *q)
{
    static const char *const names[] = {"classic", "quorum", "stream"};
    size_t t = (size_t)wr_queue_params(q)->type;

    return t < sizeof(names) / sizeof(names[0]) ? names[t] : "classic";
}

static bool
wr_export_wanted(struct wr_exchange *x)
{
    return !wr_exchange_is_default(x) && strncmp(wr_exchange_name(x), "amq.", 4) != 0;
}

static void
wr_export_vhost(struct wr_vhost *vh, json_t *doc)
{
    struct wr_export_ctx e = {wr_vhost_name(vh), json_object_get(doc, "bindings")};
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *val;
    int64_t conns = wr_vhost_max_connections(vh), queues = wr_vhost_max_queues(vh);

    json_array_append_new(json_object_get(doc, "vhosts"),
                          json_pack("{s:s, s:o, s:{s:s, s:o}}", "name", e.vhost, "limits",
                                    wr_export_limits(conns, "max-queues", queues, true), "metadata",
                                    "description", wr_vhost_description(vh), "tags",
                                    wr_json_tags(wr_vhost_tags(vh))));
    if (conns >= 0 || queues >= 0)
        json_array_append_new(json_object_get(doc, "parameters"),
                              json_pack("{s:s, s:s, s:s, s:o}", "vhost", e.vhost, "component",
                                        "vhost-limits", "name", "limits", "value",
                                        wr_export_limits(conns, "max-queues", queues, false)));
    wr_hmap_iter_init(wr_vhost_queues(vh), &it);
    while (wr_hmap_next(&it, &key, &len, &val)) {
        const struct wr_queue_opts *o = wr_queue_opts(val);
        if (o->exclusive)
            continue;
        json_array_append_new(json_object_get(doc, "queues"),
                              json_pack("{s:s, s:s, s:s, s:b, s:b, s:o}", "name",
                                        wr_queue_name(val), "vhost", e.vhost, "type",
                                        wr_export_qtype(val), "durable", o->durable, "auto_delete",
                                        o->auto_delete, "arguments", wr_json_from_table(o->args)));
    }
    wr_hmap_iter_init(wr_vhost_exchanges(vh), &it);
    while (wr_hmap_next(&it, &key, &len, &val)) {
        const struct wr_exchange_opts *o = wr_exchange_opts(val);
        if (wr_export_wanted(val))
            json_array_append_new(json_object_get(doc, "exchanges"),
                                  json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:o}", "name",
                                            wr_exchange_name(val), "vhost", e.vhost, "type",
                                            wr_xtype_name(o->type), "durable", o->durable,
                                            "auto_delete", o->auto_delete, "internal", o->internal,
                                            "arguments", wr_json_from_table(o->args)));
        wr_exchange_foreach_binding(val, wr_export_binding, &e);
    }
}

static void
wr_export_gparam(const char *name, const char *value_json, void *arg)
{
    json_array_append_new(arg, json_pack("{s:s, s:o}", "name", name, "value",
                                         json_loads(value_json, JSON_DECODE_ANY, NULL)));
}

char *
wr_definitions_export(struct wr_broker *b, bool sorted)
{
    json_t *doc =
            json_pack("{s:s, s:s, s:s, s:s, s:[], s:[], s:[], s:[], s:[], s:[], s:[], s:[],"
                      " s:[], s:[]}",
                      "rabbit_version", WR_COMPAT_VERSION, "rabbitmq_version", WR_COMPAT_VERSION,
                      "product_name", "RabbitMQ", "product_version", WR_COMPAT_VERSION, "users",
                      "vhosts", "permissions", "topic_permissions", "parameters",
                      "global_parameters", "policies", "queues", "exchanges", "bindings");
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *val;
    char *out;

    wr_export_users(b, json_object_get(doc, "users"), json_object_get(doc, "permissions"),
                    json_object_get(doc, "topic_permissions"));
    wr_policy_foreach(b, false, NULL, wr_export_policy, json_object_get(doc, "policies"));
    wr_policy_foreach(b, true, NULL, wr_export_op_policy, json_object_get(doc, "parameters"));
    wr_gparam_foreach(b, wr_export_gparam, json_object_get(doc, "global_parameters"));
    wr_hmap_iter_init(wr_broker_vhosts(b), &it);
    while (wr_hmap_next(&it, &key, &len, &val))
        wr_export_vhost(val, doc);
    out = json_dumps(doc, JSON_COMPACT | (sorted ? JSON_SORT_KEYS : JSON_PRESERVE_ORDER));
    json_decref(doc);
    return out;
}

/* ---- import ---------------------------------------------------------------------------------
 * Each section is applied in dependency order; an invalid entry stops the import with a reason
 * naming it. */

static const char *
wr_jstr(const json_t *o, const char *key, const char *def)
{
    const json_t *v = json_object_get(o, key);

    return json_is_string(v) ? json_string_value(v) : def;
}

static int
wr_import_fail(char *err, size_t errcap, const char *section, size_t i, const char *why)
{
    snprintf(err, errcap, "%s entry %zu: %s", section, i, why);
    return -1;
}

typedef int wr_limits_fn(struct wr_broker *b, const char *who, const char *json, char *err,
                         size_t errcap);

/* Limits as an object, or as the [key, value] pairs RabbitMQ writes under vhosts[]; absent or
 * empty sets nothing. */
static int
wr_import_limits(const json_t *l, char *err, size_t errcap, wr_limits_fn *set, struct wr_broker *b,
                 const char *who)
{
    json_t *o = json_is_object(l) ? json_incref((json_t *)l) : json_object(), *e;
    char *txt;
    size_t i;
    int rc = 0;

    json_array_foreach(l, i, e)
    {
        if (json_is_array(e) && json_is_string(json_array_get(e, 0)))
            json_object_set(o, json_string_value(json_array_get(e, 0)), json_array_get(e, 1));
    }
    if (json_object_size(o) > 0) {
        txt = json_dumps(o, JSON_COMPACT);
        rc = set(b, who, txt, err, errcap);
        free(txt);
    }
    json_decref(o);
    return rc;
}

static int
wr_import_user(struct wr_broker *b, const json_t *u, char *err, size_t errcap)
{
    const char *name = wr_jstr(u, "name", NULL), *hash = wr_jstr(u, "password_hash", "");
    const char *alg = wr_jstr(u, "hashing_algorithm", "rabbit_password_hashing_sha256");
    uint8_t sh[64];
    char *tags;

    if (name == NULL)
        return snprintf(err, errcap, "user without a name"), -1;
    if (strcmp(alg, "rabbit_password_hashing_sha256") != 0)
        return snprintf(err, errcap, "user '%s': hashing algorithm %s is not supported", name, alg),
               -1;
    /* base64 of salt (4 bytes) and SHA-256 (32): 48 characters decoding to 36 bytes */
    if (*hash != '\0' &&
        (strlen(hash) != 48 || EVP_DecodeBlock(sh, (const unsigned char *)hash, 48) != 36))
        return snprintf(err, errcap, "user '%s': password_hash is not a SHA-256 hash", name), -1;
    if ((tags = wr_json_tags_join(json_object_get(u, "tags"), ' ')) == NULL)
        return snprintf(err, errcap, "user '%s': tags must be a string or a list", name), -1;
    wr_admin_put_user_hash(b, name, *hash ? sh : NULL, tags);
    free(tags);
    return wr_import_limits(json_object_get(u, "limits"), err, errcap, wr_admin_set_user_limits, b,
                            name);
}

static int
wr_import_args(const json_t *o, struct wr_tbuf *args)
{
    const json_t *a = json_object_get(o, "arguments");

    return a == NULL ? 0 : wr_json_to_table(a, args);
}

static int
wr_import_exchange(struct wr_broker *b, const json_t *x, char *err, size_t errcap)
{
    const char *name = wr_jstr(x, "name", NULL), *vhost = wr_jstr(x, "vhost", "/");
    struct wr_vhost *vh = wr_broker_vhost(b, vhost, strlen(vhost));
    struct wr_exchange_opts o = {.durable = true};
    struct wr_tbuf args;

    if (name == NULL || vh == NULL ||
        wr_xtype_parse(wr_jstr(x, "type", ""), strlen(wr_jstr(x, "type", "")), &o.type) < 0)
        return snprintf(err, errcap, "exchange '%s': unknown vhost or type", name ? name : "?"), -1;
    if (wr_vhost_exchange(vh, name, strlen(name)) != NULL)
        return 0;
    wr_tbuf_init(&args);
    if (wr_import_args(x, &args) < 0) {
        wr_tbuf_free(&args);
        return snprintf(err, errcap, "exchange '%s': invalid arguments", name), -1;
    }
    o.durable = !json_is_false(json_object_get(x, "durable"));
    o.auto_delete = json_is_true(json_object_get(x, "auto_delete"));
    o.internal = json_is_true(json_object_get(x, "internal"));
    o.args = wr_tbuf_bytes(&args);
    wr_exchange_new(vh, name, strlen(name), &o);
    wr_tbuf_free(&args);
    return 0;
}

static int
wr_import_queue(struct wr_broker *b, const json_t *j, char *err, size_t errcap)
{
    const char *name = wr_jstr(j, "name", NULL), *vhost = wr_jstr(j, "vhost", "/");
    struct wr_vhost *vh = wr_broker_vhost(b, vhost, strlen(vhost));
    struct wr_queue_opts o = {.durable = true};
    struct wr_tbuf args;

    if (name == NULL || vh == NULL)
        return snprintf(err, errcap, "queue '%s': unknown vhost", name ? name : "?"), -1;
    if (wr_vhost_queue(vh, name, strlen(name)) != NULL)
        return 0;
    wr_tbuf_init(&args);
    if (wr_import_args(j, &args) < 0) {
        wr_tbuf_free(&args);
        return snprintf(err, errcap, "queue '%s': invalid arguments", name), -1;
    }
    o.durable = !json_is_false(json_object_get(j, "durable"));
    o.auto_delete = json_is_true(json_object_get(j, "auto_delete"));
    o.args = wr_tbuf_bytes(&args);
    if (o.durable && wr_broker_persist(b) != NULL)
        o.qid = wr_broker_next_qid(b);
    wr_queue_new(vh, name, strlen(name), &o);
    wr_tbuf_free(&args);
    return 0;
}

static int
wr_import_binding(struct wr_broker *b, const json_t *j, char *err, size_t errcap)
{
    const char *vhost = wr_jstr(j, "vhost", "/"), *src = wr_jstr(j, "source", "");
    const char *dst = wr_jstr(j, "destination", ""), *key = wr_jstr(j, "routing_key", "");
    struct wr_vhost *vh = wr_broker_vhost(b, vhost, strlen(vhost));
    bool toq = strcmp(wr_jstr(j, "destination_type", "queue"), "queue") == 0;
    struct wr_exchange *x = vh ? wr_vhost_exchange(vh, src, strlen(src)) : NULL;
    struct wr_queue *q = vh && toq ? wr_vhost_queue(vh, dst, strlen(dst)) : NULL;
    struct wr_exchange *xd = vh && !toq ? wr_vhost_exchange(vh, dst, strlen(dst)) : NULL;
    struct wr_tbuf args;
    char why[300];
    int rc = 0;

    if (x == NULL || (q == NULL && xd == NULL))
        return snprintf(err, errcap, "binding %s -> %s: missing source or destination", src, dst),
               -1;
    wr_tbuf_init(&args);
    if (wr_import_args(j, &args) < 0 ||
        wr_binding_add(x, q, xd, wr_bytes_str(key), wr_tbuf_bytes(&args), why, sizeof(why)) < 0) {
        snprintf(err, errcap, "binding %s -> %s: invalid arguments", src, dst);
        rc = -1;
    }
    wr_tbuf_free(&args);
    return rc;
}

/* RabbitMQ 3.10 writes description and tags under "metadata"; older files have them at the
 * top level or not at all (then the vhost keeps what it has). */
static int
wr_import_vhost_metadata(struct wr_broker *b, const json_t *j, const char *name, char *err,
                         size_t errcap)
{
    const json_t *m = json_object_get(j, "metadata");
    const json_t *src = json_is_object(m) ? m : j;
    const json_t *desc = json_object_get(src, "description");
    char *tags;
    int rc;

    if (desc == NULL && json_object_get(src, "tags") == NULL)
        return 0;
    if ((tags = wr_json_tags_join(json_object_get(src, "tags"), ',')) == NULL)
        return snprintf(err, errcap, "vhost '%s': tags must be a string or a list", name), -1;
    rc = wr_admin_set_vhost_metadata(b, name, json_is_string(desc) ? json_string_value(desc) : "",
                                     tags, err, errcap);
    free(tags);
    return rc;
}

static int
wr_import_vhost(struct wr_broker *b, const json_t *j, char *err, size_t errcap)
{
    const char *name = wr_jstr(j, "name", NULL);
    char why[300];

    if (name == NULL)
        return snprintf(err, errcap, "vhost without a name"), -1;
    if (wr_broker_vhost(b, name, strlen(name)) == NULL &&
        wr_admin_add_vhost(b, name, why, sizeof(why)) < 0) {
        snprintf(err, errcap, "%s", why);
        return -1;
    }
    if (wr_import_vhost_metadata(b, j, name, err, errcap) < 0)
        return -1;
    return wr_import_limits(json_object_get(j, "limits"), err, errcap, wr_admin_set_vhost_limits, b,
                            name);
}

static int
wr_import_perm(struct wr_broker *b, const json_t *j, char *err, size_t errcap)
{
    return wr_admin_set_permissions(b, wr_jstr(j, "vhost", "/"), wr_jstr(j, "user", ""),
                                    wr_jstr(j, "configure", ""), wr_jstr(j, "write", ""),
                                    wr_jstr(j, "read", ""), err, errcap);
}

static int
wr_import_topic(struct wr_broker *b, const json_t *j, char *err, size_t errcap)
{
    return wr_admin_set_topic_permissions(b, wr_jstr(j, "vhost", "/"), wr_jstr(j, "user", ""),
                                          wr_jstr(j, "exchange", ""), wr_jstr(j, "write", ""),
                                          wr_jstr(j, "read", ""), err, errcap);
}

static int
wr_import_policy(struct wr_broker *b, const json_t *j, char *err, size_t errcap)
{
    char *def = json_dumps(json_object_get(j, "definition"), JSON_COMPACT);
    const json_t *prio = json_object_get(j, "priority");
    int rc;

    rc = wr_policy_set(b, false, wr_jstr(j, "vhost", "/"), wr_jstr(j, "name", ""),
                       wr_jstr(j, "pattern", ""), def ? def : "", (int)json_integer_value(prio),
                       wr_jstr(j, "apply-to", "all"), err, errcap);
    free(def);
    return rc;
}

/* An operator policy's value carries its definition as an object, or as RabbitMQ's export
 * writes it: a list of [key, value] pairs. */
static int
wr_import_op_policy(struct wr_broker *b, const char *vhost, const char *name, const json_t *v,
                    char *err, size_t errcap)
{
    const json_t *d = json_object_get(v, "definition"), *e;
    json_t *def = json_is_object(d) ? json_incref((json_t *)d) : json_object();
    char *txt;
    size_t i;
    int rc;

    json_array_foreach(d, i, e)
    {
        if (json_is_array(e) && json_is_string(json_array_get(e, 0)))
            json_object_set(def, json_string_value(json_array_get(e, 0)), json_array_get(e, 1));
    }
    txt = json_dumps(def, JSON_COMPACT);
    rc = wr_policy_set(b, true, vhost, name, wr_jstr(v, "pattern", ""), txt ? txt : "{}",
                       (int)json_integer_value(json_object_get(v, "priority")),
                       wr_jstr(v, "apply-to", "all"), err, errcap);
    free(txt);
    json_decref(def);
    return rc;
}

/* Runtime parameters: Warren knows the two components RabbitMQ's core has; any other one
 * belongs to a plugin Warren does not have, and RabbitMQ refuses such an import too. */
static int
wr_import_param(struct wr_broker *b, const json_t *j, char *err, size_t errcap)
{
    const char *comp = wr_jstr(j, "component", ""), *vhost = wr_jstr(j, "vhost", "/");
    const json_t *v = json_object_get(j, "value");

    if (!json_is_object(v))
        return snprintf(err, errcap, "parameter '%s': value is not an object", comp), -1;
    if (strcmp(comp, "vhost-limits") == 0)
        return wr_import_limits(v, err, errcap, wr_admin_set_vhost_limits, b, vhost);
    if (strcmp(comp, "operator_policy") == 0)
        return wr_import_op_policy(b, vhost, wr_jstr(j, "name", ""), v, err, errcap);
    return snprintf(err, errcap, "parameter component '%s' is not supported", comp), -1;
}

/* A global parameter's value is any JSON; RabbitMQ's CLI export writes an object value as
 * [key, value] pairs, which is kept as it is. */
static int
wr_import_gparam(struct wr_broker *b, const json_t *j, char *err, size_t errcap)
{
    const char *name = wr_jstr(j, "name", NULL);
    const json_t *v = json_object_get(j, "value");
    char *text;
    int rc;

    if (name == NULL || v == NULL)
        return snprintf(err, errcap, "global parameter without a name or value"), -1;
    text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    rc = wr_gparam_set(b, name, text, err, errcap);
    free(text);
    return rc;
}

typedef int wr_import_fn(struct wr_broker *b, const json_t *j, char *err, size_t errcap);

int
wr_definitions_import(struct wr_broker *b, const char *json, size_t len, char *err, size_t errcap)
{
    static const struct {
        const char *section;
        wr_import_fn *fn;
    } order[] = {{"vhosts", wr_import_vhost},     {"users", wr_import_user},
                 {"permissions", wr_import_perm}, {"topic_permissions", wr_import_topic},
                 {"parameters", wr_import_param}, {"global_parameters", wr_import_gparam},
                 {"policies", wr_import_policy},  {"exchanges", wr_import_exchange},
                 {"queues", wr_import_queue},     {"bindings", wr_import_binding}};
    json_error_t jerr;
    json_t *doc = json_loadb(json, len, 0, &jerr), *e;
    char why[400];
    size_t i;
    int rc = 0;

    if (doc == NULL || !json_is_object(doc)) {
        snprintf(err, errcap, "not a definitions document: %s", doc ? "not an object" : jerr.text);
        json_decref(doc);
        return -1;
    }
    for (size_t s = 0; s < sizeof(order) / sizeof(order[0]) && rc == 0; s++) {
        json_array_foreach(json_object_get(doc, order[s].section), i, e)
        {
            if (!json_is_object(e) || order[s].fn(b, e, why, sizeof(why)) < 0) {
                rc = wr_import_fail(err, errcap, order[s].section, i,
                                    json_is_object(e) ? why : "not an object");
                break;
            }
        }
    }
    json_decref(doc);
    return rc;
}
