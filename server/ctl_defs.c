/* SPDX-License-Identifier: MPL-2.0 */
/* warrenctl's definitions and limits commands: export_definitions / import_definitions (the
 * client reads and writes the files; the broker sees JSON), set/clear_vhost_limits and
 * set/clear_user_limits. */
#include "server/admin.h"
#include "server/broker.h"
#include "server/ctl.h"
#include "server/ctl_internal.h"
#include "server/definitions.h"
#include "server/hmap.h"
#include "server/user.h"
#include "server/vhost.h"

#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The client passes "-" (print the JSON) or the document itself for import. */
int
wr_ctl_export_definitions(struct wr_ctl_req *r)
{
    char *json = wr_definitions_export(r->b);

    if (json == NULL)
        return wr_ctl_fail(r, WR_CTL_SOFTWARE, "could not export definitions");
    evbuffer_add_printf(r->out, "%s\n", json);
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

int
wr_ctl_clear_user_limits(struct wr_ctl_req *r)
{
    char err[512];

    wr_ctl_info(r, "Clearing \"%s\" limit for user \"%s\" ...", r->argv[1], r->argv[0]);
    if (wr_admin_set_user_limits(r->b, r->argv[0], "{}", err, sizeof(err)) < 0)
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
