/* SPDX-License-Identifier: MPL-2.0 */
/* warrenctl's definitions and limits commands: export_definitions / import_definitions (the
 * client reads and writes the files; the broker sees JSON), set/clear_vhost_limits and
 * set/clear_user_limits, global parameters. */
#include "amqp/spec.h"
#include "server/admin.h"
#include "server/broker.h"
#include "server/conn.h"
#include "server/ctl.h"
#include "server/ctl_internal.h"
#include "server/definitions.h"
#include "server/gparam.h"
#include "server/hmap.h"
#include "server/user.h"
#include "server/vhost.h"

#include <event2/buffer.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The client passes "-" (print the JSON) or the document itself for import. */
int
wr_ctl_export_definitions(struct wr_ctl_req *r)
{
    char *json = wr_definitions_export(r->b, true);

    if (json == NULL)
        return wr_ctl_fail(r, WR_CTL_SOFTWARE, "could not export definitions");
    evbuffer_add(r->out, json, strlen(json));
    free(json);
    return 0;
}

int
wr_ctl_import_definitions(struct wr_ctl_req *r)
{
    char err[600];

    if (wr_definitions_import(r->b, r->argv[0], strlen(r->argv[0]), err, sizeof(err)) < 0)
        return wr_ctl_fail(r, WR_CTL_DATAERR, "Failed to import definitions: %s", err);
    return 0;
}

int
wr_ctl_set_vhost_limits(struct wr_ctl_req *r)
{
    char err[512];

    wr_ctl_info(r, "Setting vhost limits to \"%s\" for vhost \"%s\" ...", r->argv[0], r->o.vhost);
    if (wr_admin_set_vhost_limits(r->b, r->o.vhost, r->argv[0], err, sizeof(err)) < 0)
        return wr_ctl_fail(r, WR_CTL_DATAERR, "%s", err);
    return 0;
}

int
wr_ctl_clear_vhost_limits(struct wr_ctl_req *r)
{
    char err[512];

    wr_ctl_info(r, "Clearing vhost \"%s\" limits ...", r->o.vhost);
    if (wr_admin_set_vhost_limits(r->b, r->o.vhost, "{}", err, sizeof(err)) < 0)
        return wr_ctl_fail(r, WR_CTL_DATAERR, "%s", err);
    return 0;
}

int
wr_ctl_set_user_limits(struct wr_ctl_req *r)
{
    char err[512];

    wr_ctl_info(r, "Setting user limits to \"%s\" for user \"%s\" ...", r->argv[1], r->argv[0]);
    if (wr_admin_set_user_limits(r->b, r->argv[0], r->argv[1], err, sizeof(err)) < 0)
        return wr_ctl_fail(r, WR_CTL_DATAERR, "%s", err);
    return 0;
}

static void
wr_ctl_limit_json(struct evbuffer *out, const char *k1, int64_t v1, const char *k2, int64_t v2)
{
    const char *sep = "";

    evbuffer_add(out, "{", 1);
    if (v1 >= 0) {
        evbuffer_add_printf(out, "\"%s\":%lld", k1, (long long)v1);
        sep = ",";
    }
    if (v2 >= 0)
        evbuffer_add_printf(out, "%s\"%s\":%lld", sep, k2, (long long)v2);
    evbuffer_add(out, "}", 1);
}

/* Limits are set as a whole, so clearing one ("all" clears both) sets what remains. */
int
wr_ctl_clear_user_limits(struct wr_ctl_req *r)
{
    const char *name = r->argv[0], *which = r->argv[1];
    const struct wr_user *u = wr_broker_user(r->b, name, strlen(name));
    struct evbuffer *json;
    char err[512];
    int rc;

    if (strcmp(which, "all") == 0)
        wr_ctl_info(r, "Clearing all limits for user \"%s\" ...", name);
    else
        wr_ctl_info(r, "Clearing \"%s\" limit for user \"%s\" ...", which, name);
    if (u == NULL)
        return wr_ctl_fail(r, WR_CTL_NOUSER, "User \"%s\" does not exist", name);
    json = evbuffer_new();
    bool all = strcmp(which, "all") == 0;
    wr_ctl_limit_json(json, "max-channels",
                      all || strcmp(which, "max-channels") == 0 ? -1 : wr_user_max_channels(u),
                      "max-connections",
                      all || strcmp(which, "max-connections") == 0 ? -1
                                                                   : wr_user_max_connections(u));
    evbuffer_add(json, "", 1);
    rc = wr_admin_set_user_limits(r->b, name, (const char *)evbuffer_pullup(json, -1), err,
                                  sizeof(err));
    evbuffer_free(json);
    if (rc < 0)
        return wr_ctl_fail(r, WR_CTL_DATAERR, "%s", err);
    return 0;
}

int
wr_ctl_list_vhost_limits(struct wr_ctl_req *r)
{
    struct wr_vhost *vh = wr_broker_vhost(r->b, r->o.vhost, strlen(r->o.vhost));

    if (vh == NULL)
        return wr_ctl_fail(r, WR_CTL_DATAERR, "Virtual host '%s' does not exist", r->o.vhost);
    wr_ctl_info(r, "Listing limits for vhost \"%s\" ...", r->o.vhost);
    if (wr_vhost_max_connections(vh) < 0 && wr_vhost_max_queues(vh) < 0)
        return 0;
    wr_ctl_limit_json(r->out, "max-connections", wr_vhost_max_connections(vh), "max-queues",
                      wr_vhost_max_queues(vh));
    evbuffer_add(r->out, "\n", 1);
    return 0;
}

/* Without --user, rabbitmqctl lists the limits of its default user, guest; "{}" when none. */
int
wr_ctl_list_user_limits(struct wr_ctl_req *r)
{
    const struct wr_user *u = wr_broker_user(r->b, r->o.user, strlen(r->o.user));

    wr_ctl_info(r, "Listing limits for user \"%s\" ...", r->o.user);
    if (u == NULL)
        return wr_ctl_fail(r, WR_CTL_UNAVAILABLE, "{:no_such_user, \"%s\"}", r->o.user);
    wr_ctl_limit_json(r->out, "max-channels", wr_user_max_channels(u), "max-connections",
                      wr_user_max_connections(u));
    evbuffer_add(r->out, "\n", 1);
    return 0;
}

int
wr_ctl_authenticate_user(struct wr_ctl_req *r)
{
    const char *u = r->argv[0], *p = r->argv[1];

    wr_ctl_info(r, "Authenticating user \"%s\" ...", u);
    if (wr_broker_authenticate(r->b, u, strlen(u), p, strlen(p)) == NULL)
        return wr_ctl_fail(r, WR_CTL_NOUSER,
                           "Error: failed to authenticate user \"%s\"\nuser '%s' - invalid "
                           "credentials",
                           u, u);
    evbuffer_add_printf(r->out, "Success\n");
    return 0;
}

struct wr_ctl_close {
    const char *name;  /* NULL: every connection of the vhost */
    const char *vhost; /* NULL: any vhost */
    const char *reason;
    int closed;
};

static void
wr_ctl_close_one(struct wr_ctl_close *k, struct wr_conn *c)
{
    struct wr_conn_info i;
    char name[200];

    wr_conn_info(c, &i);
    snprintf(name, sizeof(name), "%s -> %s", i.peer, wr_node_name());
    if (k->name != NULL && strcmp(k->name, name) != 0 && strcmp(k->name, i.peer) != 0)
        return;
    if (k->vhost != NULL && strcmp(k->vhost, i.vhost) != 0)
        return;
    wr_conn_force_close(c, WR_CONNECTION_FORCED, k->reason);
    k->closed++;
}

static int
wr_ctl_close_conns(struct wr_ctl_req *r, struct wr_ctl_close *k)
{
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *val;

    /* closing only sends connection.close: the registry is not changed while walking it */
    wr_hmap_iter_init(wr_broker_conns(r->b), &it);
    while (wr_hmap_next(&it, &key, &len, &val))
        wr_ctl_close_one(k, val);
    return 0;
}

/* C-17: the client sees 320 CONNECTION_FORCED with the given reason. */
int
wr_ctl_close_connection(struct wr_ctl_req *r)
{
    struct wr_ctl_close k = {r->argv[0], NULL, r->argv[1], 0};

    wr_ctl_info(r, "Closing connection %s, reason: %s...", r->argv[0], r->argv[1]);
    return wr_ctl_close_conns(r, &k);
}

int
wr_ctl_close_all_connections(struct wr_ctl_req *r)
{
    struct wr_ctl_close k = {NULL, r->o.vhost, r->argv[0], 0};

    wr_ctl_info(r, "Closing all connections in vhost %s with reason: %s ...", r->o.vhost,
                r->argv[0]);
    return wr_ctl_close_conns(r, &k);
}

int
wr_ctl_set_topic_permissions(struct wr_ctl_req *r)
{
    char err[512];

    wr_ctl_info(r, "Setting topic permissions on \"%s\" for user \"%s\" in vhost \"%s\" ...",
                r->argv[1], r->argv[0], r->o.vhost);
    if (wr_admin_set_topic_permissions(r->b, r->o.vhost, r->argv[0], r->argv[1], r->argv[2],
                                       r->argv[3], err, sizeof(err)) < 0)
        return wr_ctl_fail(r, WR_CTL_DATAERR, "%s", err);
    return 0;
}

int
wr_ctl_clear_topic_permissions(struct wr_ctl_req *r)
{
    char err[512];

    if (r->argc > 1)
        wr_ctl_info(r, "Clearing topic permissions on \"%s\" for user \"%s\" in vhost \"%s\" ...",
                    r->argv[1], r->argv[0], r->o.vhost);
    else
        wr_ctl_info(r, "Clearing topic permissions for user \"%s\" in vhost \"%s\" ...", r->argv[0],
                    r->o.vhost);
    if (wr_admin_clear_topic_permissions(r->b, r->o.vhost, r->argv[0],
                                         r->argc > 1 ? r->argv[1] : NULL, err, sizeof(err)) < 0)
        return wr_ctl_fail(r, WR_CTL_DATAERR, "%s", err);
    return 0;
}

int
wr_ctl_list_topic_permissions(struct wr_ctl_req *r)
{
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *val;
    bool header = false;

    wr_ctl_info(r, "Listing topic permissions for vhost \"%s\" ...", r->o.vhost);
    wr_hmap_iter_init(wr_broker_users(r->b), &it);
    while (wr_hmap_next(&it, &key, &len, &val)) {
        for (size_t i = 0; i < wr_user_ntopic_perms(val); i++) {
            const struct wr_topic_perm *p = wr_user_topic_perm_at(val, i);
            if (strcmp(p->vhost, r->o.vhost) != 0)
                continue;
            if (!header && !r->o.no_headers)
                evbuffer_add_printf(r->out, "user\texchange\twrite\tread\n");
            header = true;
            evbuffer_add_printf(r->out, "%s\t%s\t%s\t%s\n", key, p->exchange, p->write, p->read);
        }
    }
    return 0;
}

/* list_user_permissions and list_user_topic_permissions: one user's entries across vhosts. */
static const struct wr_user *
wr_ctl_listed_user(struct wr_ctl_req *r, const char *what)
{
    const char *name = r->argv[0];
    const struct wr_user *u = wr_broker_user(r->b, name, strlen(name));

    wr_ctl_info(r, "Listing %spermissions for user \"%s\" ...", what, name);
    if (u == NULL)
        wr_ctl_fail(r, WR_CTL_UNAVAILABLE, "{:no_such_user, \"%s\"}", name);
    return u;
}

int
wr_ctl_list_user_permissions(struct wr_ctl_req *r)
{
    const struct wr_user *u = wr_ctl_listed_user(r, "");

    if (u == NULL)
        return WR_CTL_UNAVAILABLE;
    for (size_t i = 0; i < wr_user_nperms(u); i++) {
        const struct wr_perm *p = wr_user_perm_at(u, i);
        if (i == 0 && !r->o.no_headers)
            evbuffer_add_printf(r->out, "vhost\tconfigure\twrite\tread\n");
        evbuffer_add_printf(r->out, "%s\t%s\t%s\t%s\n", p->vhost, p->configure, p->write, p->read);
    }
    return 0;
}

int
wr_ctl_list_user_topic_permissions(struct wr_ctl_req *r)
{
    const struct wr_user *u = wr_ctl_listed_user(r, "topic ");

    if (u == NULL)
        return WR_CTL_UNAVAILABLE;
    for (size_t i = 0; i < wr_user_ntopic_perms(u); i++) {
        const struct wr_topic_perm *p = wr_user_topic_perm_at(u, i);
        if (i == 0 && !r->o.no_headers)
            evbuffer_add_printf(r->out, "vhost\texchange\twrite\tread\n");
        evbuffer_add_printf(r->out, "%s\t%s\t%s\t%s\n", p->vhost, p->exchange, p->write, p->read);
    }
    return 0;
}

/* ---- global parameters --------------------------------------------------------------------- */

int
wr_ctl_set_global_parameter(struct wr_ctl_req *r)
{
    char err[300];

    wr_ctl_info(r, "Setting global runtime parameter \"%s\" to \"%s\" ...", r->argv[0], r->argv[1]);
    if (wr_gparam_set(r->b, r->argv[0], r->argv[1], err, sizeof(err)) < 0)
        return wr_ctl_fail(r, WR_CTL_UNAVAILABLE, "%s", err);
    return 0;
}

int
wr_ctl_clear_global_parameter(struct wr_ctl_req *r)
{
    char err[300];

    wr_ctl_info(r, "Clearing global runtime parameter \"%s\" ...", r->argv[0]);
    if (wr_gparam_clear(r->b, r->argv[0], err, sizeof(err)) < 0)
        return wr_ctl_fail(r, WR_CTL_UNAVAILABLE, "%s", err);
    return 0;
}

/* rabbitmqctl keeps the name as a JSON string in the cluster_name parameter */
int
wr_ctl_set_cluster_name(struct wr_ctl_req *r)
{
    json_t *s = json_string(r->argv[0]);
    char *text = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL, err[300];
    int rc = 0;

    wr_ctl_info(r, "Setting cluster name to %s ...", r->argv[0]);
    if (text == NULL || wr_gparam_set(r->b, "cluster_name", text, err, sizeof(err)) < 0)
        rc = wr_ctl_fail(r, WR_CTL_DATAERR, "invalid cluster name");
    free(text);
    json_decref(s);
    return rc;
}
