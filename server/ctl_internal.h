/* SPDX-License-Identifier: MPL-2.0 */
/* Shared by the control channel's command files (ctl_cmds.c, ctl_list.c): the parsed request,
 * the command table row, and the table writer that prints rows as rabbitmqctl does. */
#ifndef WR_SERVER_CTL_INTERNAL_H
#define WR_SERVER_CTL_INTERNAL_H

#include "amqp/types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct evbuffer;
struct wr_broker;

#define WR_CTL_MAX_COLS 48

struct wr_ctl_opts {
    const char *vhost; /* -p / --vhost; "/" by default */
    bool quiet;        /* -q: no informational line */
    bool no_headers;   /* --no-table-headers (and -s) */
    bool json;         /* --formatter json */
    bool if_empty, if_unused;
    const char *priority, *apply_to; /* set_policy's --priority (NULL = 0) and --apply-to */
    const char *user;                /* list_user_limits --user; "guest" by default */
    const char *description, *tags;  /* add_vhost's metadata; tags comma-separated */
};

struct wr_ctl_cmd;

/* One command line being run. argv holds the positional arguments after the command name;
 * line is the whole command line as typed, for rabbitmqctl's "Arguments given:" block. */
struct wr_ctl_req {
    struct wr_broker *b;
    const struct wr_ctl_cmd *cmd;
    struct wr_ctl_opts o;
    int argc;
    char **argv;
    const char *line;
    struct evbuffer *out, *err;
    int stop;
};

/* How a value is printed: TSV and JSON differ for tables and tag lists. */
enum wr_ctl_vtype {
    WR_CTL_V_STR,
    WR_CTL_V_INT,
    WR_CTL_V_BOOL,
    WR_CTL_V_ARGS,        /* AMQP table contents, in stored order */
    WR_CTL_V_SORTED_ARGS, /* binding arguments: RabbitMQ keeps them sorted by key */
    WR_CTL_V_TAGS,        /* space-separated tags: [a, b] / ["a","b"] */
};

struct wr_ctl_val {
    enum wr_ctl_vtype type;
    const char *s; /* STR (NUL-terminated), TAGS */
    int64_t i;     /* INT, BOOL */
    struct wr_bytes t;
};

typedef void wr_ctl_getter(const void *row, struct wr_ctl_val *v);

/* An info key a list command accepts. */
struct wr_ctl_col {
    const char *name;
    wr_ctl_getter *get;
};

typedef int wr_ctl_handler(struct wr_ctl_req *r);

struct wr_ctl_cmd {
    const char *name;
    const char *usage;      /* the part after the command name */
    int min_args, max_args; /* positional arguments; max -1 = any (info keys) */
    wr_ctl_handler *run;
    const struct wr_ctl_col *cols; /* list commands: accepted info keys, NULL-name terminated */
    const char *defaults;          /* list commands: default info keys */
};

/* The list commands (ctl_list.c), referenced from the command table. */
extern const struct wr_ctl_col wr_ctl_queue_cols[], wr_ctl_exchange_cols[], wr_ctl_binding_cols[],
        wr_ctl_vhost_cols[], wr_ctl_user_cols[], wr_ctl_perm_cols[], wr_ctl_conn_cols[],
        wr_ctl_chan_cols[], wr_ctl_consumer_cols[], wr_ctl_policy_cols[], wr_ctl_gparam_cols[];
wr_ctl_handler wr_ctl_list_queues, wr_ctl_list_exchanges, wr_ctl_list_bindings, wr_ctl_list_vhosts,
        wr_ctl_list_users, wr_ctl_list_permissions, wr_ctl_list_connections, wr_ctl_list_channels,
        wr_ctl_list_consumers, wr_ctl_list_policies, wr_ctl_list_operator_policies,
        wr_ctl_list_global_parameters;

/* Definitions and limits (ctl_defs.c). */
wr_ctl_handler wr_ctl_export_definitions, wr_ctl_import_definitions, wr_ctl_set_vhost_limits,
        wr_ctl_clear_vhost_limits, wr_ctl_list_vhost_limits, wr_ctl_set_user_limits,
        wr_ctl_clear_user_limits, wr_ctl_authenticate_user, wr_ctl_close_connection,
        wr_ctl_close_all_connections, wr_ctl_set_topic_permissions, wr_ctl_clear_topic_permissions,
        wr_ctl_list_topic_permissions, wr_ctl_list_user_permissions,
        wr_ctl_list_user_topic_permissions, wr_ctl_list_user_limits, wr_ctl_set_global_parameter,
        wr_ctl_clear_global_parameter, wr_ctl_set_cluster_name;

/* Output helpers (ctl_cmds.c). info is suppressed by -q and by the JSON formatter. */
void wr_ctl_info(struct wr_ctl_req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "Error:\n<text>\n" on stderr and returns code. */
int wr_ctl_fail(struct wr_ctl_req *r, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Records when the control channel opened (the broker's start), for status's uptime. */
void wr_ctl_mark_started(void);

/* The table writer: begin resolves the info keys (r->argv or the command's defaults, already
 * validated by wr_ctl_run), row prints one object, end closes a JSON array. The header line
 * comes before the first row only: rabbitmqctl prints none for an empty listing. */
struct wr_ctl_table {
    struct wr_ctl_req *r;
    const struct wr_ctl_col *cols[WR_CTL_MAX_COLS];
    int ncols;
    size_t rows;
};
void wr_ctl_table_begin(struct wr_ctl_req *r, struct wr_ctl_table *t);
void wr_ctl_table_row(struct wr_ctl_table *t, const void *row);
void wr_ctl_table_end(struct wr_ctl_table *t);
/* Finds the named info keys; returns the first unknown one (to report), or NULL when all are
 * known. keys may be separated by spaces or commas across the argument vector. */
const char *wr_ctl_cols_resolve(const struct wr_ctl_col *all, int argc, char **argv,
                                const char *defaults, const struct wr_ctl_col **out, int *n);

#endif
