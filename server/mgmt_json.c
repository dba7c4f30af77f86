/* SPDX-License-Identifier: MPL-2.0 */
/* Management API objects in rabbitmq_management 3.10's JSON shapes (field names and types as a
 * real 3.10.8 answers). Fields Warren has no data for are left out rather than invented. */
#include "server/broker.h"
#include "server/exchange.h"
#include "server/hmap.h"
#include "server/json_table.h"
#include "server/mem.h"
#include "server/mgmt_internal.h"
#include "server/policy.h"
#include "server/queue.h"
#include "server/user.h"
#include "server/vhost.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *
mgmt_qtype_name(enum wr_qtype t)
{
    static const char *const names[] = {"classic", "quorum", "stream"};

    return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "classic";
}

json_t *
mgmt_json_string_or_null(const char *s)
{
    return s != NULL && *s != '\0' ? json_string(s) : json_null();
}

json_t *
mgmt_json_queue(const struct wr_queue *q)
{
    const struct wr_queue_opts *o = wr_queue_opts(q);
    uint32_t ready = wr_queue_ready(q), unacked = wr_queue_unacked(q);
    json_t *j = json_object();

    json_object_set_new(j, "arguments", wr_json_from_table(o->args));
    json_object_set_new(j, "auto_delete", json_boolean(o->auto_delete));
    json_object_set_new(j, "consumers", json_integer(wr_queue_consumer_count(q)));
    json_object_set_new(j, "durable", json_boolean(o->durable));
    json_object_set_new(j, "exclusive", json_boolean(o->exclusive));
    json_object_set_new(j, "messages", json_integer((json_int_t)ready + unacked));
    json_object_set_new(j, "messages_ready", json_integer(ready));
    json_object_set_new(j, "messages_unacknowledged", json_integer(unacked));
    json_object_set_new(j, "name", json_stringn(wr_queue_name(q), wr_queue_name_len(q)));
    json_object_set_new(j, "node", json_string(wr_node_name()));
    json_object_set_new(j, "operator_policy",
                        mgmt_json_string_or_null(wr_policy_of_queue(q, true)));
    json_object_set_new(j, "policy", mgmt_json_string_or_null(wr_policy_of_queue(q, false)));
    json_object_set_new(j, "state", json_string("running"));
    json_object_set_new(j, "type", json_string(mgmt_qtype_name(wr_queue_params(q)->type)));
    json_object_set_new(j, "vhost", json_string(wr_vhost_name(wr_queue_vhost(q))));
    return j;
}

json_t *
mgmt_json_exchange(const struct wr_exchange *x)
{
    const struct wr_exchange_opts *o = wr_exchange_opts(x);

    return json_pack("{s:o, s:b, s:b, s:b, s:s%, s:s, s:s}", "arguments",
                     wr_json_from_table(o->args), "auto_delete", o->auto_delete, "durable",
                     o->durable, "internal", o->internal, "name", wr_exchange_name(x),
                     wr_exchange_name_len(x), "type", wr_xtype_name(o->type), "vhost",
                     wr_vhost_name(wr_exchange_vhost(x)));
}

/* default_queue_type is "undefined" as on RabbitMQ 3.10, which does not keep it either. */
json_t *
mgmt_json_vhost(struct wr_vhost *vh)
{
    unsigned long long ready = 0, unacked = 0;
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *q;

    wr_hmap_iter_init(wr_vhost_queues(vh), &it);
    while (wr_hmap_next(&it, &key, &len, &q)) {
        ready += wr_queue_ready(q);
        unacked += wr_queue_unacked(q);
    }
    return json_pack("{s:s, s:s, s:o, s:s, s:{s:s, s:o}, s:b, s:{s:s}, s:I, s:I, s:I}", "name",
                     wr_vhost_name(vh), "description", wr_vhost_description(vh), "tags",
                     wr_json_tags(wr_vhost_tags(vh)), "default_queue_type", "undefined", "metadata",
                     "description", wr_vhost_description(vh), "tags",
                     wr_json_tags(wr_vhost_tags(vh)), "tracing", 0, "cluster_state", wr_node_name(),
                     "running", "messages_ready", (json_int_t)ready, "messages_unacknowledged",
                     (json_int_t)unacked, "messages", (json_int_t)(ready + unacked));
}

json_t *
mgmt_json_user(const struct wr_user *u)
{
    uint8_t sh[WR_USER_SALT_LEN + WR_USER_HASH_LEN];
    char b64[64] = "";

    if (wr_user_get_hash(u, sh, sh + WR_USER_SALT_LEN))
        EVP_EncodeBlock((unsigned char *)b64, sh, sizeof(sh));
    return json_pack("{s:s, s:s, s:s, s:o, s:{}}", "name", wr_user_name(u), "password_hash", b64,
                     "hashing_algorithm", "rabbit_password_hashing_sha256", "tags",
                     wr_json_tags(wr_user_tags(u)), "limits");
}

json_t *
mgmt_json_perm(const char *user, const struct wr_perm *p)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s}", "user", user, "vhost", p->vhost, "configure",
                     p->configure, "write", p->write, "read", p->read);
}

json_t *
mgmt_json_policy(const struct wr_policy_view *p)
{
    json_t *def = json_loads(p->definition_json, 0, NULL);

    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:i}", "vhost", p->vhost, "name", p->name,
                     "pattern", p->pattern, "apply-to", p->apply_to, "definition",
                     def ? def : json_object(), "priority", p->priority);
}

/* RabbitMQ's properties_key names a binding in URLs: the routing key, form-encoded, alone when
 * there are no arguments, else followed by '~' and a digest of the arguments ("~" alone for
 * the empty key). */
json_t *
mgmt_json_props_key(struct wr_bytes key, struct wr_bytes args)
{
    static const char hex[] = "0123456789ABCDEF";
    uint32_t h = 2166136261u;
    char *s = wr_xmalloc((size_t)key.len * 3 + 12), *p = s;
    json_t *j;

    for (uint32_t i = 0; i < key.len; i++) {
        uint8_t c = key.ptr[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            (c != 0 && strchr("-_.~", c) != NULL)) {
            *p++ = (char)c;
        } else if (c == ' ') {
            *p++ = '+';
        } else {
            *p++ = '%';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
        }
    }
    *p = '\0';
    for (uint32_t i = 0; i < args.len; i++)
        h = (h ^ args.ptr[i]) * 16777619u;
    if (args.len > 0)
        snprintf(p, 11, "~%08x", h);
    else if (key.len == 0)
        snprintf(p, 2, "~");
    j = json_string(s);
    free(s);
    return j;
}

json_t *
mgmt_json_binding(struct wr_exchange *src, struct wr_queue *q, struct wr_exchange *xd,
                  struct wr_bytes key, struct wr_bytes args)
{
    json_t *j = json_object();

    json_object_set_new(j, "source", json_string(wr_exchange_name(src)));
    json_object_set_new(j, "vhost", json_string(wr_vhost_name(wr_exchange_vhost(src))));
    json_object_set_new(j, "destination",
                        q ? json_stringn(wr_queue_name(q), wr_queue_name_len(q))
                          : json_stringn(wr_exchange_name(xd), wr_exchange_name_len(xd)));
    json_object_set_new(j, "destination_type", json_string(q ? "queue" : "exchange"));
    json_object_set_new(j, "routing_key", json_stringn((const char *)key.ptr, key.len));
    json_object_set_new(j, "arguments", wr_json_from_table(args));
    json_object_set_new(j, "properties_key", mgmt_json_props_key(key, args));
    return j;
}

static void
mgmt_binding_visit(struct wr_exchange *src, struct wr_queue *q, struct wr_exchange *xd,
                   struct wr_bytes key, struct wr_bytes args, void *arg)
{
    json_array_append_new(arg, mgmt_json_binding(src, q, xd, key, args));
}

void
mgmt_json_bindings(struct wr_vhost *vh, json_t *arr)
{
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *val;

    /* every queue is bound to the default exchange by its name (list_bindings shows them) */
    wr_hmap_iter_init(wr_vhost_queues(vh), &it);
    while (wr_hmap_next(&it, &key, &len, &val)) {
        struct wr_bytes name = {(const uint8_t *)wr_queue_name(val),
                                (uint32_t)wr_queue_name_len(val)};
        struct wr_exchange *dflt = wr_vhost_exchange(vh, "", 0);

        if (dflt != NULL)
            mgmt_binding_visit(dflt, val, NULL, name, (struct wr_bytes){NULL, 0}, arr);
    }
    wr_hmap_iter_init(wr_vhost_exchanges(vh), &it);
    while (wr_hmap_next(&it, &key, &len, &val))
        if (!wr_exchange_is_default(val))
            wr_exchange_foreach_binding(val, mgmt_binding_visit, arr);
}
