/* SPDX-License-Identifier: MPL-2.0 */
/* warrenctl's commands: option parsing, the command table, usage errors and the commands that
 * change something (vhosts, users, permissions, policies, queues, alarm thresholds, stop).
 * Listings are in ctl_list.c. Texts and exit codes copy rabbitmqctl 3.10; changes go through
 * admin.h. */
#include "server/ctl.h"

#include "server/admin.h"
#include "server/alarm.h"
#include "server/broker.h"
#include "server/ctl_internal.h"
#include "server/hmap.h"
#include "server/json_table.h"
#include "server/policy.h"
#include "server/queue.h"
#include "server/settings.h"
#include "server/user.h"
#include "server/vhost.h"

#include <ctype.h>
#include <errno.h>
#include <event2/buffer.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WR_CTL_PREFIX "warrenctl [--node <node>] [--longnames] [--quiet] "

static wr_ctl_handler wr_ctl_status, wr_ctl_await_startup, wr_ctl_add_vhost, wr_ctl_delete_vhost,
        wr_ctl_add_user, wr_ctl_delete_user, wr_ctl_change_password, wr_ctl_set_user_tags,
        wr_ctl_set_permissions, wr_ctl_clear_permissions, wr_ctl_purge_queue, wr_ctl_delete_queue,
        wr_ctl_set_vm_memory_high_watermark, wr_ctl_set_disk_free_limit, wr_ctl_stop,
        wr_ctl_set_policy, wr_ctl_clear_policy, wr_ctl_set_operator_policy,
        wr_ctl_clear_operator_policy;

#define VH    "[--vhost <vhost>] "
#define COLS  "[--no-table-headers] [<column> ...]"
#define POL   "[--priority <priority>] [--apply-to <apply-to>] <name> <pattern> <definition>"
#define PCOLS "vhost name pattern apply-to definition priority"

static const struct wr_ctl_cmd wr_ctl_cmds[] = {
        {"status", "", 0, 0, wr_ctl_status, NULL, NULL},
        {"await_startup", "[--timeout <timeout>]", 0, 0, wr_ctl_await_startup, NULL, NULL},
        {"stop", "", 0, 0, wr_ctl_stop, NULL, NULL},
        {"list_queues", VH COLS, 0, -1, wr_ctl_list_queues, wr_ctl_queue_cols, "name messages"},
        {"list_exchanges", VH COLS, 0, -1, wr_ctl_list_exchanges, wr_ctl_exchange_cols,
         "name type"},
        {"list_bindings", VH COLS, 0, -1, wr_ctl_list_bindings, wr_ctl_binding_cols,
         "source_name source_kind destination_name destination_kind routing_key arguments"},
        {"list_connections", COLS, 0, -1, wr_ctl_list_connections, wr_ctl_conn_cols,
         "user peer_host peer_port state"},
        {"list_channels", COLS, 0, -1, wr_ctl_list_channels, wr_ctl_chan_cols,
         "pid user consumer_count messages_unacknowledged"},
        {"list_consumers", VH COLS, 0, -1, wr_ctl_list_consumers, wr_ctl_consumer_cols,
         "queue_name channel_pid consumer_tag ack_required prefetch_count active arguments"},
        {"list_vhosts", COLS, 0, -1, wr_ctl_list_vhosts, wr_ctl_vhost_cols, "name"},
        {"list_users", "[--no-table-headers]", 0, 0, wr_ctl_list_users, wr_ctl_user_cols,
         "user tags"},
        {"list_permissions", VH "[--no-table-headers]", 0, 0, wr_ctl_list_permissions,
         wr_ctl_perm_cols, "user configure write read"},
        {"add_vhost", "<vhost>", 1, 1, wr_ctl_add_vhost, NULL, NULL},
        {"delete_vhost", "<vhost>", 1, 1, wr_ctl_delete_vhost, NULL, NULL},
        {"add_user", "<username> <password>", 2, 2, wr_ctl_add_user, NULL, NULL},
        {"delete_user", "<username>", 1, 1, wr_ctl_delete_user, NULL, NULL},
        {"change_password", "<username> <password>", 2, 2, wr_ctl_change_password, NULL, NULL},
        {"set_user_tags", "<username> <tag> [...]", 1, -1, wr_ctl_set_user_tags, NULL, NULL},
        {"set_permissions", VH "<username> <conf> <write> <read>", 4, 4, wr_ctl_set_permissions,
         NULL, NULL},
        {"clear_permissions", VH "<username>", 1, 1, wr_ctl_clear_permissions, NULL, NULL},
        {"set_policy", VH POL, 3, 3, wr_ctl_set_policy, NULL, NULL},
        {"clear_policy", VH "<name>", 1, 1, wr_ctl_clear_policy, NULL, NULL},
        {"list_policies", VH "[--no-table-headers]", 0, 0, wr_ctl_list_policies, wr_ctl_policy_cols,
         PCOLS},
        {"set_operator_policy", VH POL, 3, 3, wr_ctl_set_operator_policy, NULL, NULL},
        {"clear_operator_policy", VH "<name>", 1, 1, wr_ctl_clear_operator_policy, NULL, NULL},
        {"list_operator_policies", VH "[--no-table-headers]", 0, 0, wr_ctl_list_operator_policies,
         wr_ctl_policy_cols, PCOLS},
        {"purge_queue", VH "<queue>", 1, 1, wr_ctl_purge_queue, NULL, NULL},
        {"export_definitions", "<file_path | \"-\">", 1, 1, wr_ctl_export_definitions, NULL, NULL},
        {"import_definitions", "<file_path | \"-\">", 1, 1, wr_ctl_import_definitions, NULL, NULL},
        {"set_vhost_limits", VH "<definition>", 1, 1, wr_ctl_set_vhost_limits, NULL, NULL},
        {"authenticate_user", "<username> <password>", 2, 2, wr_ctl_authenticate_user, NULL, NULL},
        {"set_topic_permissions", VH "<username> <exchange> <write> <read>", 4, 4,
         wr_ctl_set_topic_permissions, NULL, NULL},
        {"clear_topic_permissions", VH "<username> [<exchange>]", 1, 2,
         wr_ctl_clear_topic_permissions, NULL, NULL},
        {"list_topic_permissions", VH "[--no-table-headers]", 0, 0, wr_ctl_list_topic_permissions,
         NULL, NULL},
        {"list_user_permissions", "[--no-table-headers] <username>", 1, 1,
         wr_ctl_list_user_permissions, NULL, NULL},
        {"list_user_topic_permissions", "[--no-table-headers] <username>", 1, 1,
         wr_ctl_list_user_topic_permissions, NULL, NULL},
        {"close_connection", "<connection_name> <explanation>", 2, 2, wr_ctl_close_connection, NULL,
         NULL},
        {"close_all_connections", VH "<explanation>", 1, 1, wr_ctl_close_all_connections, NULL,
         NULL},
        {"clear_vhost_limits", VH, 0, 0, wr_ctl_clear_vhost_limits, NULL, NULL},
        {"list_vhost_limits", VH, 0, 0, wr_ctl_list_vhost_limits, NULL, NULL},
        {"set_global_parameter", "<name> <value>", 2, 2, wr_ctl_set_global_parameter, NULL, NULL},
        {"clear_global_parameter", "<name>", 1, 1, wr_ctl_clear_global_parameter, NULL, NULL},
        {"list_global_parameters", "[--no-table-headers]", 0, 0, wr_ctl_list_global_parameters,
         wr_ctl_gparam_cols, "name value"},
        {"set_cluster_name", "<name>", 1, 1, wr_ctl_set_cluster_name, NULL, NULL},
        {"set_user_limits", "<username> <definition>", 2, 2, wr_ctl_set_user_limits, NULL, NULL},
        {"clear_user_limits", "<username> <limit>", 2, 2, wr_ctl_clear_user_limits, NULL, NULL},
        {"list_user_limits", "[--user <username>]", 0, 0, wr_ctl_list_user_limits, NULL, NULL},
        {"delete_queue", VH "<queue_name> [--if-empty|-e] [--if-unused|-u]", 1, 1,
         wr_ctl_delete_queue, NULL, NULL},
        {"set_vm_memory_high_watermark", "<fraction> | absolute <value>", 1, 2,
         wr_ctl_set_vm_memory_high_watermark, NULL, NULL},
        {"set_disk_free_limit", "<disk_limit> | mem_relative <fraction>", 1, 2,
         wr_ctl_set_disk_free_limit, NULL, NULL},
};

#define WR_CTL_NCMDS (sizeof(wr_ctl_cmds) / sizeof(wr_ctl_cmds[0]))

/* ---- output helpers ---------------------------------------------------------------------- */

void
wr_ctl_info(struct wr_ctl_req *r, const char *fmt, ...)
{
    va_list ap;

    if (r->o.quiet || r->o.json)
        return;
    va_start(ap, fmt);
    evbuffer_add_vprintf(r->out, fmt, ap);
    va_end(ap);
    evbuffer_add(r->out, "\n", 1);
}

int
wr_ctl_fail(struct wr_ctl_req *r, int code, const char *fmt, ...)
{
    va_list ap;

    evbuffer_add_printf(r->err, "Error:\n");
    va_start(ap, fmt);
    evbuffer_add_vprintf(r->err, fmt, ap);
    va_end(ap);
    evbuffer_add(r->err, "\n", 1);
    return code;
}

static int wr_ctl_usage_error(struct wr_ctl_req *r, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* rabbitmqctl's argument validation error: the reason, the line as given, and the usage. */
static int
wr_ctl_usage_error(struct wr_ctl_req *r, const char *fmt, ...)
{
    va_list ap;

    evbuffer_add_printf(r->err, "Error (argument validation): ");
    va_start(ap, fmt);
    evbuffer_add_vprintf(r->err, fmt, ap);
    va_end(ap);
    evbuffer_add_printf(r->err, "\nArguments given:\n\t%s\n\nUsage\n\n" WR_CTL_PREFIX "%s %s\n",
                        r->line, r->cmd->name, r->cmd->usage);
    return WR_CTL_USAGE;
}

void
wr_ctl_usage(struct evbuffer *out)
{
    evbuffer_add_printf(out, "\nUsage\n\n" WR_CTL_PREFIX "<command> [<command options>]\n\n"
                             "Options: -n <node> (a path with '/' names the control socket),\n"
                             "  -p <vhost>, -q, -s, --no-table-headers, --formatter json\n\n"
                             "Available commands:\n\n");
    for (size_t i = 0; i < WR_CTL_NCMDS; i++)
        evbuffer_add_printf(out, "   %s %s\n", wr_ctl_cmds[i].name, wr_ctl_cmds[i].usage);
}

/* A value rabbitmqctl's validator rejects: the same block as a usage error, exit code 65. */
static int
wr_ctl_bad_argument(struct wr_ctl_req *r, const char *why)
{
    wr_ctl_usage_error(r, "Bad argument%s", why);
    return WR_CTL_DATAERR;
}

/* ---- parsing ----------------------------------------------------------------------------- */

/* Flags that take a value; the value is the next argument or follows '='. */
static const char *
wr_ctl_flag_value(int argc, char **argv, int *i, const char *s, const char *lng)
{
    size_t n = strlen(lng);

    if (strcmp(argv[*i], s) == 0 || strcmp(argv[*i], lng) == 0)
        return *i + 1 < argc ? argv[++*i] : "";
    if (strncmp(argv[*i], lng, n) == 0 && argv[*i][n] == '=')
        return argv[*i] + n + 1;
    return NULL;
}

/* One option at argv[*i]; returns 0, or -1 when it is not an option warrenctl knows. */
static int
wr_ctl_option(struct wr_ctl_opts *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *v;

    if ((v = wr_ctl_flag_value(argc, argv, i, "-p", "--vhost")) != NULL)
        o->vhost = v;
    else if ((v = wr_ctl_flag_value(argc, argv, i, "-n", "--node")) != NULL ||
             (v = wr_ctl_flag_value(argc, argv, i, "-t", "--timeout")) != NULL)
        ; /* the client uses these before connecting */
    else if ((v = wr_ctl_flag_value(argc, argv, i, "-f", "--formatter")) != NULL)
        o->json = strcmp(v, "json") == 0;
    else if ((v = wr_ctl_flag_value(argc, argv, i, "--priority", "--priority")) != NULL)
        o->priority = v;
    else if ((v = wr_ctl_flag_value(argc, argv, i, "--apply-to", "--apply-to")) != NULL)
        o->apply_to = v;
    else if ((v = wr_ctl_flag_value(argc, argv, i, "--user", "--user")) != NULL)
        o->user = v;
    else if ((v = wr_ctl_flag_value(argc, argv, i, "--description", "--description")) != NULL)
        o->description = v;
    else if ((v = wr_ctl_flag_value(argc, argv, i, "--tags", "--tags")) != NULL)
        o->tags = v;
    else if ((v = wr_ctl_flag_value(argc, argv, i, "--default-queue-type",
                                    "--default-queue-type")) != NULL)
        ; /* RabbitMQ 3.10 does not keep it either (its API shows "undefined") */
    else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0)
        o->quiet = true;
    else if (strcmp(a, "-s") == 0 || strcmp(a, "--silent") == 0)
        o->quiet = o->no_headers = true;
    else if (strcmp(a, "--no-table-headers") == 0)
        o->no_headers = true;
    else if (strcmp(a, "-e") == 0 || strcmp(a, "--if-empty") == 0)
        o->if_empty = true;
    else if (strcmp(a, "-u") == 0 || strcmp(a, "--if-unused") == 0)
        o->if_unused = true;
    else if (strcmp(a, "-l") != 0 && strcmp(a, "--longnames") != 0 && strcmp(a, "--online") != 0 &&
             strcmp(a, "--offline") != 0 && strcmp(a, "--local") != 0)
        return -1;
    return 0;
}

/* Splits argv into options and positional arguments (kept in argv's order, command first).
 * Returns the unknown option, or NULL. */
static const char *
wr_ctl_parse(struct wr_ctl_opts *o, int argc, char **argv, char **pos, int *npos)
{
    bool opts_done = false;

    o->vhost = "/";
    o->priority = NULL;
    o->apply_to = "all";
    o->user = "guest";
    o->description = o->tags = "";
    *npos = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!opts_done && strcmp(a, "--") == 0)
            opts_done = true;
        else if (opts_done || a[0] != '-' || a[1] == '\0')
            pos[(*npos)++] = argv[i];
        else if (wr_ctl_option(o, argc, argv, &i) < 0)
            return a;
    }
    return NULL;
}

static const struct wr_ctl_cmd *
wr_ctl_find(const char *name)
{
    for (size_t i = 0; i < WR_CTL_NCMDS; i++) {
        if (strcmp(wr_ctl_cmds[i].name, name) == 0)
            return &wr_ctl_cmds[i];
    }
    return NULL;
}

static void
wr_ctl_join(char *line, size_t cap, int argc, char **argv)
{
    size_t n = 0;

    line[0] = '\0';
    for (int i = 0; i < argc && n + 1 < cap; i++)
        n += (size_t)snprintf(line + n, cap - n, "%s%s", i ? " " : "", argv[i]);
}

/* Argument checks common to every command: count, and info keys for listings. */
static int
wr_ctl_validate(struct wr_ctl_req *r)
{
    const struct wr_ctl_col *cols[WR_CTL_MAX_COLS];
    const char *bad;
    int n;

    if (r->argc < r->cmd->min_args)
        return wr_ctl_usage_error(r, "not enough arguments.");
    if (r->cmd->max_args >= 0 && r->argc > r->cmd->max_args)
        return wr_ctl_usage_error(r, "too many arguments.");
    if (r->cmd->cols == NULL || r->cmd->max_args == 0)
        return 0;
    bad = wr_ctl_cols_resolve(r->cmd->cols, r->argc, r->argv, r->cmd->defaults, cols, &n);
    if (bad != NULL)
        return wr_ctl_usage_error(r, "Info key(s) %s are not supported", bad);
    return 0;
}

int
wr_ctl_run(struct wr_broker *b, int argc, char **argv, struct evbuffer *out, struct evbuffer *err,
           int *stop)
{
    char *pos[WR_CTL_MAX_ARGS], line[4096];
    struct wr_ctl_req r = {.b = b, .out = out, .err = err, .line = line};
    const char *bad;
    int npos, rc;

    if (argc > WR_CTL_MAX_ARGS)
        argc = WR_CTL_MAX_ARGS;
    wr_ctl_join(line, sizeof(line), argc, argv);
    bad = wr_ctl_parse(&r.o, argc, argv, pos, &npos);
    if (npos == 0) {
        wr_ctl_usage(err);
        return WR_CTL_USAGE;
    }
    r.cmd = wr_ctl_find(pos[0]);
    if (r.cmd == NULL) {
        evbuffer_add_printf(err, "\nCommand '%s' not found. \n", pos[0]);
        wr_ctl_usage(err);
        return WR_CTL_USAGE;
    }
    r.argc = npos - 1;
    r.argv = pos + 1;
    if (bad != NULL)
        return wr_ctl_usage_error(&r, "invalid option %s", bad);
    rc = wr_ctl_validate(&r);
    if (rc != 0 || b == NULL)
        return rc;
    rc = r.cmd->run(&r);
    if (stop != NULL)
        *stop = r.stop;
    return rc;
}

/* ---- node commands ----------------------------------------------------------------------- */

static time_t wr_ctl_started;

void
wr_ctl_mark_started(void)
{
    wr_ctl_started = time(NULL);
}

static int
wr_ctl_status(struct wr_ctl_req *r)
{
    struct wr_alarms *a = wr_broker_alarms(r->b);
    unsigned bits = a ? wr_alarms_active(a) : 0;
    const char *node = wr_node_name();

    wr_ctl_info(r, "Status of node %s ...", node);
    evbuffer_add_printf(r->out,
                        "Runtime\n\nOS PID: %ld\nOS: Linux\nUptime (seconds): %ld\n"
                        "Is under maintenance?: false\nRabbitMQ version: 3.10.8\n"
                        "Warren version: %s\nNode name: %s\n\nData directory\n\n"
                        "Node data directory: %s\n\nAlarms\n\n",
                        (long)getpid(), (long)(time(NULL) - wr_ctl_started), PACKAGE_VERSION, node,
                        wr_broker_config(r->b)->data_dir);
    if (bits == 0)
        evbuffer_add_printf(r->out, "(none)\n");
    if (bits & WR_ALARM_MEMORY)
        evbuffer_add_printf(r->out, "Memory alarm on node %s\n", node);
    if (bits & WR_ALARM_DISK)
        evbuffer_add_printf(r->out, "Free disk space alarm on node %s\n", node);
    return 0;
}

/* The control socket exists only once the broker has started, so answering is the answer;
 * the waiting happens in warrenctl, which retries the connection until --timeout. */
static int
wr_ctl_await_startup(struct wr_ctl_req *r)
{
    (void)r;
    return 0;
}

static int
wr_ctl_stop(struct wr_ctl_req *r)
{
    wr_ctl_info(r, "Stopping and halting node %s ...", wr_node_name());
    r->stop = 1;
    return 0;
}

/* ---- vhosts and users -------------------------------------------------------------------- */

static bool
wr_ctl_vhost_exists(struct wr_ctl_req *r, const char *name)
{
    return wr_broker_vhost(r->b, name, strlen(name)) != NULL;
}

static bool
wr_ctl_user_exists(struct wr_ctl_req *r, const char *name)
{
    return wr_broker_user(r->b, name, strlen(name)) != NULL;
}

/* add_vhost of an existing vhost succeeds quietly in rabbitmqctl 3.10, metadata unchanged */
static int
wr_ctl_add_vhost(struct wr_ctl_req *r)
{
    json_t *tags = json_string(r->o.tags);
    char err[512], *t = wr_json_tags_join(tags, ',');
    int rc = 0;

    wr_ctl_info(r, "Adding vhost \"%s\" ...", r->argv[0]);
    if (!wr_ctl_vhost_exists(r, r->argv[0]) &&
        (wr_admin_add_vhost(r->b, r->argv[0], err, sizeof(err)) < 0 ||
         wr_admin_set_vhost_metadata(r->b, r->argv[0], r->o.description, t ? t : "", err,
                                     sizeof(err)) < 0))
        rc = wr_ctl_fail(r, WR_CTL_SOFTWARE, "%s", err);
    free(t);
    json_decref(tags);
    return rc;
}

static int
wr_ctl_delete_vhost(struct wr_ctl_req *r)
{
    char err[512];

    wr_ctl_info(r, "Deleting vhost \"%s\" ...", r->argv[0]);
    if (!wr_ctl_vhost_exists(r, r->argv[0])) {
        evbuffer_add_printf(r->err, "Virtual host '%s' does not exist\n", r->argv[0]);
        return WR_CTL_DATAERR;
    }
    if (wr_admin_delete_vhost(r->b, r->argv[0], err, sizeof(err)) < 0)
        return wr_ctl_fail(r, WR_CTL_SOFTWARE, "%s", err);
    return 0;
}

/* The user and the vhost were checked before an admin call, so a failure left is internal. */
static int
wr_ctl_user_call(struct wr_ctl_req *r, int rc, const char *err)
{
    if (rc == 0)
        return 0;
    return wr_ctl_fail(r, WR_CTL_SOFTWARE, "%s", err);
}

static int
wr_ctl_add_user(struct wr_ctl_req *r)
{
    char err[512];

    wr_ctl_info(r, "Adding user \"%s\" ...", r->argv[0]);
    if (wr_ctl_user_exists(r, r->argv[0]))
        return wr_ctl_fail(r, WR_CTL_SOFTWARE, "User \"%s\" already exists", r->argv[0]);
    if (wr_admin_add_user(r->b, r->argv[0], r->argv[1], err, sizeof(err)) < 0)
        return wr_ctl_fail(r, WR_CTL_SOFTWARE, "%s", err);
    wr_ctl_info(r, "Done. Don't forget to grant the user permissions to some virtual hosts! See "
                   "'rabbitmqctl help set_permissions' to learn more.");
    return 0;
}

static int
wr_ctl_no_user(struct wr_ctl_req *r, const char *name)
{
    return wr_ctl_fail(r, WR_CTL_NOUSER, "User \"%s\" does not exist", name);
}

static int
wr_ctl_delete_user(struct wr_ctl_req *r)
{
    char err[512];

    wr_ctl_info(r, "Deleting user \"%s\" ...", r->argv[0]);
    if (!wr_ctl_user_exists(r, r->argv[0]))
        return wr_ctl_no_user(r, r->argv[0]);
    return wr_ctl_user_call(r, wr_admin_delete_user(r->b, r->argv[0], err, sizeof(err)), err);
}

static int
wr_ctl_change_password(struct wr_ctl_req *r)
{
    char err[512];
    int rc;

    wr_ctl_info(r, "Changing password for user \"%s\" ...", r->argv[0]);
    if (!wr_ctl_user_exists(r, r->argv[0]))
        return wr_ctl_no_user(r, r->argv[0]);
    rc = wr_admin_change_password(r->b, r->argv[0], r->argv[1], err, sizeof(err));
    return wr_ctl_user_call(r, rc, err);
}

static int
wr_ctl_set_user_tags(struct wr_ctl_req *r)
{
    char tags[2048] = "", shown[2048] = "", err[512];
    size_t nt = 0, ns = 0;

    for (int i = 1; i < r->argc; i++) {
        nt += (size_t)snprintf(tags + nt, sizeof(tags) - nt, "%s%s", i > 1 ? " " : "", r->argv[i]);
        ns += (size_t)snprintf(shown + ns, sizeof(shown) - ns, "%s%s", i > 1 ? ", " : "",
                               r->argv[i]);
        if (nt >= sizeof(tags) || ns >= sizeof(shown))
            return wr_ctl_usage_error(r, "too many tags.");
    }
    wr_ctl_info(r, "Setting tags for user \"%s\" to [%s] ...", r->argv[0], shown);
    if (!wr_ctl_user_exists(r, r->argv[0]))
        return wr_ctl_no_user(r, r->argv[0]);
    return wr_ctl_user_call(r, wr_admin_set_tags(r->b, r->argv[0], tags, err, sizeof(err)), err);
}

/* set/clear_permissions check the user before the vhost, as RabbitMQ does, and word the
 * errors without quotes (unlike the user commands above). */
static int
wr_ctl_perm_check(struct wr_ctl_req *r, const char *user)
{
    if (!wr_ctl_user_exists(r, user))
        return wr_ctl_fail(r, WR_CTL_NOUSER, "User %s does not exist", user);
    if (!wr_ctl_vhost_exists(r, r->o.vhost))
        return wr_ctl_fail(r, WR_CTL_UNAVAILABLE, "Virtual host %s does not exist", r->o.vhost);
    return 0;
}

static int
wr_ctl_set_permissions(struct wr_ctl_req *r)
{
    char err[512];
    int rc;

    wr_ctl_info(r, "Setting permissions for user \"%s\" in vhost \"%s\" ...", r->argv[0],
                r->o.vhost);
    if ((rc = wr_ctl_perm_check(r, r->argv[0])) != 0)
        return rc;
    rc = wr_admin_set_permissions(r->b, r->o.vhost, r->argv[0], r->argv[1], r->argv[2], r->argv[3],
                                  err, sizeof(err));
    return wr_ctl_user_call(r, rc, err);
}

static int
wr_ctl_clear_permissions(struct wr_ctl_req *r)
{
    char err[512];
    int rc;

    wr_ctl_info(r, "Clearing permissions for user \"%s\" in vhost \"%s\" ...", r->argv[0],
                r->o.vhost);
    if ((rc = wr_ctl_perm_check(r, r->argv[0])) != 0)
        return rc;
    rc = wr_admin_clear_permissions(r->b, r->o.vhost, r->argv[0], err, sizeof(err));
    return wr_ctl_user_call(r, rc, err);
}

/* ---- policies and operator policies ------------------------------------------------------ */

/* --priority takes an integer; anything else is refused as rabbitmqctl's option parser does. */
static int
wr_ctl_priority(struct wr_ctl_req *r, int *out)
{
    const char *s = r->o.priority;
    long long v;
    char *end;

    *out = 0;
    if (s == NULL)
        return 0;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (isspace((unsigned char)*s) || errno || end == s || *end || v < INT_MIN || v > INT_MAX)
        return wr_ctl_usage_error(r, "Invalid options for this command:\n--priority : %s", s);
    *out = (int)v;
    return 0;
}

/* The vhost is checked first (exit 65, no "Error:" line); the definition's errors are
 * RabbitMQ's validation texts, except that JSON which does not parse is not a validation
 * failure. */
static int
wr_ctl_policy_set(struct wr_ctl_req *r, bool op)
{
    char err[1024] = "";
    int prio, rc;

    if ((rc = wr_ctl_priority(r, &prio)) != 0)
        return rc;
    wr_ctl_info(r,
                "Setting %s \"%s\" for pattern \"%s\" to \"%s\" with priority \"%d\" for vhost "
                "\"%s\" ...",
                op ? "operator policy override" : "policy", r->argv[0], r->argv[1], r->argv[2],
                prio, r->o.vhost);
    if (!wr_ctl_vhost_exists(r, r->o.vhost)) {
        evbuffer_add_printf(r->err, "Virtual host '%s' does not exist\n", r->o.vhost);
        return WR_CTL_DATAERR;
    }
    if (wr_policy_set(r->b, op, r->o.vhost, r->argv[0], r->argv[1], r->argv[2], prio, r->o.apply_to,
                      err, sizeof(err)) == 0)
        return 0;
    if (strncmp(err, "JSON decoding error", 19) == 0)
        return wr_ctl_fail(r, WR_CTL_UNAVAILABLE, "%s", err);
    return wr_ctl_fail(r, WR_CTL_UNAVAILABLE, "Validation failed\n\n%s\n", err);
}

/* A missing vhost is "Parameter does not exist" too, as in rabbitmqctl. */
static int
wr_ctl_policy_clear(struct wr_ctl_req *r, bool op)
{
    char err[512] = "";

    wr_ctl_info(r, "Clearing %s \"%s\" on vhost \"%s\" ...", op ? "operator policy" : "policy",
                r->argv[0], r->o.vhost);
    if (wr_policy_clear(r->b, op, r->o.vhost, r->argv[0], err, sizeof(err)) < 0)
        return wr_ctl_fail(r, WR_CTL_UNAVAILABLE, "%s", err[0] ? err : "Parameter does not exist");
    return 0;
}

static int
wr_ctl_set_policy(struct wr_ctl_req *r)
{
    return wr_ctl_policy_set(r, false);
}

static int
wr_ctl_clear_policy(struct wr_ctl_req *r)
{
    return wr_ctl_policy_clear(r, false);
}

static int
wr_ctl_set_operator_policy(struct wr_ctl_req *r)
{
    return wr_ctl_policy_set(r, true);
}

static int
wr_ctl_clear_operator_policy(struct wr_ctl_req *r)
{
    return wr_ctl_policy_clear(r, true);
}

/* ---- queues ------------------------------------------------------------------------------ */

static struct wr_queue *
wr_ctl_queue(struct wr_ctl_req *r, const char *name)
{
    struct wr_vhost *vh = wr_broker_vhost(r->b, r->o.vhost, strlen(r->o.vhost));

    return vh ? wr_vhost_queue(vh, name, strlen(name)) : NULL;
}

static int
wr_ctl_purge_queue(struct wr_ctl_req *r)
{
    struct wr_queue *q;

    wr_ctl_info(r, "Purging queue '%s' in vhost '%s' ...", r->argv[0], r->o.vhost);
    q = wr_ctl_queue(r, r->argv[0]);
    if (q == NULL)
        return wr_ctl_fail(r, WR_CTL_UNAVAILABLE, "not_found");
    wr_queue_purge(q);
    return 0;
}

static int
wr_ctl_delete_queue(struct wr_ctl_req *r)
{
    static const char *const cond[] = {"", " if queue is empty", " if queue is unused",
                                       " if queue is empty and unused"};
    struct wr_queue *q;
    uint32_t n;

    wr_ctl_info(r, "Deleting queue '%s' on vhost '%s'%s ...", r->argv[0], r->o.vhost,
                cond[r->o.if_empty + 2 * r->o.if_unused]);
    q = wr_ctl_queue(r, r->argv[0]);
    if (q == NULL)
        return wr_ctl_fail(r, WR_CTL_USAGE, "Queue not found");
    if (r->o.if_empty && wr_queue_ready(q) > 0)
        return wr_ctl_fail(r, WR_CTL_USAGE, "Queue is not empty");
    if (r->o.if_unused && wr_queue_consumer_count(q) > 0)
        return wr_ctl_fail(r, WR_CTL_USAGE, "Queue is in use");
    n = wr_queue_delete(q, true);
    /* not an informational line: rabbitmqctl prints it with -q too */
    evbuffer_add_printf(r->out, "Queue was successfully deleted with %u ready messages\n", n);
    return 0;
}

/* ---- alarm thresholds -------------------------------------------------------------------- */

static int
wr_ctl_fraction(const char *s, double *out)
{
    char *end;

    errno = 0;
    *out = strtod(s, &end);
    return (errno || end == s || *end) ? -1 : 0;
}

static int
wr_ctl_set_vm_memory_high_watermark(struct wr_ctl_req *r)
{
    uint64_t bytes;
    double f;

    if (r->argc == 2) {
        if (strcmp(r->argv[0], "absolute") != 0)
            return wr_ctl_bad_argument(r, ".");
        if (wr_config_parse_bytes(r->argv[1], &bytes) < 0)
            return wr_ctl_bad_argument(r, ": Invalid units.");
        wr_ctl_info(r, "Setting memory threshold on %s to %s bytes ...", wr_node_name(),
                    r->argv[1]);
        wr_admin_set_memory_watermark(r->b, 0, bytes);
        return 0;
    }
    if (wr_ctl_fraction(r->argv[0], &f) < 0)
        return wr_ctl_bad_argument(r, ".");
    if (f < 0 || f > 1)
        return wr_ctl_bad_argument(r, ": The threshold should be a fraction between 0.0 and 1.0");
    wr_ctl_info(r, "Setting memory threshold on %s to %s ...", wr_node_name(), r->argv[0]);
    wr_admin_set_memory_watermark(r->b, f, 0);
    return 0;
}

static uint64_t
wr_ctl_total_ram(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

    return pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : 0;
}

static int
wr_ctl_set_disk_free_limit(struct wr_ctl_req *r)
{
    uint64_t bytes;
    double f;

    if (r->argc == 2) {
        if (strcmp(r->argv[0], "mem_relative") != 0 || wr_ctl_fraction(r->argv[1], &f) < 0 || f < 0)
            return wr_ctl_bad_argument(r, ".");
        wr_ctl_info(r, "Setting disk free limit on %s to %s times the total RAM ...",
                    wr_node_name(), r->argv[1]);
        wr_admin_set_disk_free_limit(r->b, (uint64_t)(f * (double)wr_ctl_total_ram()));
        return 0;
    }
    if (wr_config_parse_bytes(r->argv[0], &bytes) < 0)
        return wr_ctl_bad_argument(r, ".");
    wr_ctl_info(r, "Setting disk free limit on %s to %s bytes ...", wr_node_name(), r->argv[0]);
    wr_admin_set_disk_free_limit(r->b, bytes);
    return 0;
}
