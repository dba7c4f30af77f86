/* SPDX-License-Identifier: MPL-2.0 */
/* Definitions administration behind warrenctl and definitions import. Texts follow
 * rabbitmqctl 3.10 where it prints them. */
#include "server/admin.h"

#include "server/alarm.h"
#include "server/broker.h"
#include "server/conn.h"
#include "server/defs.h"
#include "server/gparam.h"
#include "server/hmap.h"
#include "server/log.h"
#include "server/policy.h"
#include "server/user.h"
#include "server/vhost.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

int
wr_admin_add_vhost(struct wr_broker *b, const char *name, char *err, size_t errcap)
{
    struct wr_hmap *vhosts = wr_broker_vhosts(b);

    if (wr_hmap_get(vhosts, name, strlen(name)) != NULL) {
        snprintf(err, errcap, "Virtual host '%s' already exists", name);
        return -1;
    }
    wr_hmap_put(vhosts, name, strlen(name), wr_vhost_new(b, name));
    wr_defs_vhost(b, name, true);
    wr_log(WR_LOG_INFO, "added vhost '%s'", name);
    return 0;
}

int
wr_admin_set_vhost_metadata(struct wr_broker *b, const char *name, const char *description,
                            const char *tags, char *err, size_t errcap)
{
    struct wr_vhost *vh = wr_hmap_get(wr_broker_vhosts(b), name, strlen(name));

    if (vh == NULL) {
        snprintf(err, errcap, "Virtual host '%s' does not exist", name);
        return -1;
    }
    wr_vhost_set_metadata(vh, description, tags);
    wr_defs_vhost_metadata(b, name, description, tags);
    return 0;
}

/* deleting a vhost closes its connections and deletes everything in it. */
int
wr_admin_delete_vhost(struct wr_broker *b, const char *name, char *err, size_t errcap)
{
    struct wr_vhost *vh = wr_hmap_get(wr_broker_vhosts(b), name, strlen(name));
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *val;

    if (vh == NULL) {
        snprintf(err, errcap, "Virtual host '%s' does not exist", name);
        return -1;
    }
    wr_hmap_iter_init(wr_broker_conns(b), &it);
    while (wr_hmap_next(&it, &key, &len, &val))
        wr_conn_vhost_deleted(val, vh);
    wr_hmap_iter_init(wr_broker_users(b), &it);
    while (wr_hmap_next(&it, &key, &len, &val))
        wr_user_clear_perm(val, name);
    /* its queues' deletions are recorded first, so the log replays in a valid order */
    wr_policy_clear_vhost(b, name);
    wr_vhost_free(vh);
    wr_hmap_del(wr_broker_vhosts(b), name, strlen(name));
    wr_defs_vhost(b, name, false);
    wr_log(WR_LOG_INFO, "deleted vhost '%s'", name);
    return 0;
}

static struct wr_user *
wr_admin_user(struct wr_broker *b, const char *name, char *err, size_t errcap)
{
    struct wr_user *u = wr_hmap_get(wr_broker_users(b), name, strlen(name));

    if (u == NULL)
        snprintf(err, errcap, "User \"%s\" does not exist", name);
    return u;
}

int
wr_admin_add_user(struct wr_broker *b, const char *name, const char *password, char *err,
                  size_t errcap)
{
    struct wr_user *u;

    if (wr_hmap_get(wr_broker_users(b), name, strlen(name)) != NULL) {
        snprintf(err, errcap, "User \"%s\" already exists", name);
        return -1;
    }
    u = wr_user_new(name, password);
    wr_hmap_put(wr_broker_users(b), name, strlen(name), u);
    wr_defs_user(b, u);
    return 0;
}

void
wr_admin_put_user_hash(struct wr_broker *b, const char *name, const void *salt_hash,
                       const char *tags)
{
    struct wr_user *u = wr_hmap_get(wr_broker_users(b), name, strlen(name));

    if (u == NULL) {
        u = wr_user_new(name, NULL);
        wr_hmap_put(wr_broker_users(b), name, strlen(name), u);
    }
    if (salt_hash != NULL)
        wr_user_set_hash(u, salt_hash, (const uint8_t *)salt_hash + WR_USER_SALT_LEN);
    wr_user_set_tags(u, tags);
    wr_defs_user(b, u);
}

int
wr_admin_delete_user(struct wr_broker *b, const char *name, char *err, size_t errcap)
{
    struct wr_user *u = wr_admin_user(b, name, err, errcap);

    if (u == NULL)
        return -1;
    /* open connections keep their authenticated user until they close, as RabbitMQ's do;
     * they hold a pointer, so the record is kept aside rather than freed */
    wr_hmap_del(wr_broker_users(b), name, strlen(name));
    wr_broker_retire_user(b, u);
    wr_defs_user_deleted(b, name);
    return 0;
}

int
wr_admin_change_password(struct wr_broker *b, const char *name, const char *password, char *err,
                         size_t errcap)
{
    struct wr_user *u = wr_admin_user(b, name, err, errcap);

    if (u == NULL)
        return -1;
    wr_user_set_password(u, password);
    wr_defs_user(b, u);
    return 0;
}

int
wr_admin_set_tags(struct wr_broker *b, const char *name, const char *tags, char *err, size_t errcap)
{
    struct wr_user *u = wr_admin_user(b, name, err, errcap);

    if (u == NULL)
        return -1;
    wr_user_set_tags(u, tags);
    wr_defs_user(b, u);
    return 0;
}

int
wr_admin_set_permissions(struct wr_broker *b, const char *vhost, const char *user,
                         const char *configure, const char *write, const char *read, char *err,
                         size_t errcap)
{
    struct wr_user *u = wr_admin_user(b, user, err, errcap);

    if (u == NULL)
        return -1;
    if (wr_hmap_get(wr_broker_vhosts(b), vhost, strlen(vhost)) == NULL) {
        snprintf(err, errcap, "Virtual host '%s' does not exist", vhost);
        return -1;
    }
    if (wr_user_set_perm(u, vhost, configure, write, read, err, errcap) < 0)
        return -1;
    wr_defs_perm(b, vhost, user, true);
    return 0;
}

int
wr_admin_clear_permissions(struct wr_broker *b, const char *vhost, const char *user, char *err,
                           size_t errcap)
{
    struct wr_user *u = wr_admin_user(b, user, err, errcap);

    if (u == NULL)
        return -1;
    if (wr_user_clear_perm(u, vhost))
        wr_defs_perm(b, vhost, user, false);
    return 0;
}

void
wr_admin_clear_all(struct wr_broker *b)
{
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *val;

    wr_policy_clear_vhost(b, NULL);
    wr_gparams_clear_all(wr_broker_gparams(b));
    for (;;) {
        wr_hmap_iter_init(wr_broker_vhosts(b), &it);
        if (!wr_hmap_next(&it, &key, &len, &val))
            break;
        wr_hmap_del(wr_broker_vhosts(b), key, len);
        wr_vhost_free(val);
    }
    for (;;) {
        wr_hmap_iter_init(wr_broker_users(b), &it);
        if (!wr_hmap_next(&it, &key, &len, &val))
            break;
        wr_hmap_del(wr_broker_users(b), key, len);
        wr_user_free(val);
    }
}

void
wr_admin_set_memory_watermark(struct wr_broker *b, double relative, uint64_t absolute)
{
    struct wr_alarms *a = wr_broker_alarms(b);

    if (a == NULL)
        return;
    if (absolute)
        wr_alarms_set_memory_limit(a, absolute);
    else
        wr_alarms_set_memory_relative(a, relative);
}

void
wr_admin_set_disk_free_limit(struct wr_broker *b, uint64_t bytes)
{
    if (wr_broker_alarms(b) != NULL)
        wr_alarms_set_disk_limit(wr_broker_alarms(b), bytes);
}

/* Reads the two limits a JSON object may set; unknown keys are refused as RabbitMQ does. */
static int
wr_admin_limits(const char *json, const char *k1, const char *k2, int64_t *v1, int64_t *v2,
                char *err, size_t errcap)
{
    json_t *o = json_loads(json, 0, NULL), *v;
    const char *key;
    int rc = 0;

    if (!json_is_object(o)) {
        snprintf(err, errcap, "JSON decoding error. Reason: badarg");
        json_decref(o);
        return -1;
    }
    json_object_foreach(o, key, v)
    {
        int64_t *dst = strcmp(key, k1) == 0 ? v1 : strcmp(key, k2) == 0 ? v2 : NULL;
        if (dst == NULL || !json_is_integer(v)) {
            snprintf(err, errcap, "Validation failed\n\n%s is not a valid limit", key);
            rc = -1;
            break;
        }
        *dst = json_integer_value(v) < 0 ? -1 : (int64_t)json_integer_value(v);
    }
    json_decref(o);
    return rc;
}

int
wr_admin_set_vhost_limits(struct wr_broker *b, const char *vhost, const char *json, char *err,
                          size_t errcap)
{
    struct wr_vhost *vh = wr_hmap_get(wr_broker_vhosts(b), vhost, strlen(vhost));
    int64_t conns = -1, queues = -1;

    if (vh == NULL) {
        snprintf(err, errcap, "Virtual host '%s' does not exist", vhost);
        return -1;
    }
    if (wr_admin_limits(json, "max-connections", "max-queues", &conns, &queues, err, errcap) < 0)
        return -1;
    wr_vhost_set_limits(vh, conns, queues);
    wr_defs_limits(b, true, vhost, conns, queues);
    return 0;
}

int
wr_admin_set_user_limits(struct wr_broker *b, const char *user, const char *json, char *err,
                         size_t errcap)
{
    struct wr_user *u = wr_admin_user(b, user, err, errcap);
    int64_t conns = -1, chans = -1;

    if (u == NULL ||
        wr_admin_limits(json, "max-connections", "max-channels", &conns, &chans, err, errcap) < 0)
        return -1;
    wr_user_set_limits(u, conns, chans);
    wr_defs_limits(b, false, user, conns, chans);
    return 0;
}

int
wr_admin_set_topic_permissions(struct wr_broker *b, const char *vhost, const char *user,
                               const char *exchange, const char *write, const char *read, char *err,
                               size_t errcap)
{
    struct wr_user *u = wr_admin_user(b, user, err, errcap);

    if (u == NULL)
        return -1;
    if (wr_hmap_get(wr_broker_vhosts(b), vhost, strlen(vhost)) == NULL) {
        snprintf(err, errcap, "Virtual host '%s' does not exist", vhost);
        return -1;
    }
    if (wr_user_set_topic_perm(u, vhost, exchange, write, read, err, errcap) < 0)
        return -1;
    wr_defs_topic_perm(b, vhost, user, exchange, write, read, true);
    return 0;
}

int
wr_admin_clear_topic_permissions(struct wr_broker *b, const char *vhost, const char *user,
                                 const char *exchange, char *err, size_t errcap)
{
    struct wr_user *u = wr_admin_user(b, user, err, errcap);

    if (u == NULL)
        return -1;
    if (wr_user_clear_topic_perm(u, vhost, exchange))
        wr_defs_topic_perm(b, vhost, user, exchange ? exchange : "", "", "", false);
    return 0;
}
