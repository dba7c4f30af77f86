/* SPDX-License-Identifier: MPL-2.0 */
/* warrenctl's listings: the info keys each list command accepts, and the table writer that prints
 * rows as rabbitmqctl 3.10 does (TSV with an optional header, or its JSON formatter). Rows are
 * sorted by name so that output is stable; rabbitmqctl's order is unspecified. */
#include "server/ctl.h"

#include "amqp/table.h"
#include "server/broker.h"
#include "server/channel.h"
#include "server/conn.h"
#include "server/ctl_internal.h"
#include "server/exchange.h"
#include "server/gparam.h"
#include "server/hmap.h"
#include "server/mem.h"
#include "server/policy.h"
#include "server/queue.h"
#include "server/tls.h"
#include "server/user.h"
#include "server/vhost.h"

#include <event2/buffer.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- value rendering --------------------------------------------------------------------- */

static void
wr_ctl_json_str(struct evbuffer *o, const char *s, size_t len)
{
    evbuffer_add(o, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            evbuffer_add_printf(o, "\\%c", c);
        else if (c < 0x20)
            evbuffer_add_printf(o, "\\u%04x", c);
        else
            evbuffer_add(o, &c, 1);
    }
    evbuffer_add(o, "\"", 1);
}

/* Strings inside argument tables are quoted in both formats (Erlang binaries in TSV). */
static void
wr_ctl_quoted(struct evbuffer *o, struct wr_bytes s, bool json)
{
    if (json)
        wr_ctl_json_str(o, (const char *)s.ptr, s.len);
    else
        evbuffer_add_printf(o, "\"%.*s\"", (int)s.len, (const char *)s.ptr);
}

static void wr_ctl_table_val(struct evbuffer *o, struct wr_bytes t, bool json, bool sorted,
                             int depth);
static void wr_ctl_array_val(struct evbuffer *o, struct wr_bytes a, bool json, int depth);

static void
wr_ctl_fvalue(struct evbuffer *o, const struct wr_fvalue *v, bool json, int depth)
{
    char tmp[64];

    if (wr_fvalue_is_int(v)) {
        evbuffer_add_printf(o, "%" PRId64, v->v.i);
        return;
    }
    switch (v->type) {
    case 't':
        evbuffer_add_printf(o, "%s", v->v.b ? "true" : "false");
        return;
    case 'S':
    case 'x':
        wr_ctl_quoted(o, v->v.s, json);
        return;
    case 'F':
        wr_ctl_table_val(o, v->v.s, json, false, depth + 1);
        return;
    case 'A':
        wr_ctl_array_val(o, v->v.s, json, depth + 1);
        return;
    case 'T':
        evbuffer_add_printf(o, "%" PRIu64, v->v.ts);
        return;
    default:
        /* floats and decimals: RabbitMQ's term text, reused from the codec */
        wr_fvalue_render(v, tmp, sizeof(tmp));
        evbuffer_add_printf(o, "%s", v->type == 'V' ? (json ? "null" : "undefined") : tmp);
        return;
    }
}

struct wr_ctl_entry {
    struct wr_bytes key;
    struct wr_fvalue v;
};

static int
wr_ctl_entry_cmp(const void *a, const void *b)
{
    const struct wr_bytes *x = &((const struct wr_ctl_entry *)a)->key;
    const struct wr_bytes *y = &((const struct wr_ctl_entry *)b)->key;
    int c = memcmp(x->ptr, y->ptr, x->len < y->len ? x->len : y->len);

    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* TSV: [{"k",v},...]. JSON: [["k","type",v],...]. */
static void
wr_ctl_table_val(struct evbuffer *o, struct wr_bytes t, bool json, bool sorted, int depth)
{
    int n = wr_table_count(t);
    struct wr_ctl_entry *e;
    struct wr_table_iter it;

    if (n <= 0 || depth > WR_TABLE_MAX_DEPTH) {
        evbuffer_add_printf(o, "[]");
        return;
    }
    e = wr_xcalloc((size_t)n, sizeof(*e));
    wr_table_iter_init(&it, t);
    for (int i = 0; i < n && wr_table_next(&it, &e[i].key, &e[i].v) > 0; i++)
        ;
    if (sorted)
        qsort(e, (size_t)n, sizeof(*e), wr_ctl_entry_cmp);
    evbuffer_add(o, "[", 1);
    for (int i = 0; i < n; i++) {
        evbuffer_add_printf(o, "%s", i ? (json ? ",[" : ",{") : (json ? "[" : "{"));
        wr_ctl_quoted(o, e[i].key, json);
        if (json)
            evbuffer_add_printf(o, ",\"%s\"", wr_fvalue_type_name(e[i].v.type));
        evbuffer_add(o, ",", 1);
        wr_ctl_fvalue(o, &e[i].v, json, depth);
        evbuffer_add(o, json ? "]" : "}", 1);
    }
    evbuffer_add(o, "]", 1);
    free(e);
}

/* TSV: [v,...]. JSON: rabbitmqctl prints an object of "type":value pairs. */
static void
wr_ctl_array_val(struct evbuffer *o, struct wr_bytes a, bool json, int depth)
{
    struct wr_table_iter it;
    struct wr_fvalue v;
    bool first = true;

    if (depth > WR_TABLE_MAX_DEPTH) {
        evbuffer_add_printf(o, json ? "{}" : "[]");
        return;
    }
    evbuffer_add(o, json ? "{" : "[", 1);
    wr_table_iter_init(&it, a);
    while (wr_array_next(&it, &v) > 0) {
        if (!first)
            evbuffer_add(o, ",", 1);
        first = false;
        if (json)
            evbuffer_add_printf(o, "\"%s\":", wr_fvalue_type_name(v.type));
        wr_ctl_fvalue(o, &v, json, depth);
    }
    evbuffer_add(o, json ? "}" : "]", 1);
}

/* TSV: [a, b]. JSON: ["a","b"]. */
static void
wr_ctl_tags_val(struct evbuffer *o, const char *tags, bool json)
{
    const char *p = tags ? tags : "";
    bool first = true;

    evbuffer_add(o, "[", 1);
    while (*p) {
        size_t n = strcspn(p, " ,");
        if (n > 0) {
            evbuffer_add_printf(o, "%s", first ? "" : (json ? "," : ", "));
            if (json)
                wr_ctl_json_str(o, p, n);
            else
                evbuffer_add(o, p, n);
            first = false;
        }
        p += n + (p[n] != '\0');
    }
    evbuffer_add(o, "]", 1);
}

static void
wr_ctl_value(struct evbuffer *o, const struct wr_ctl_val *v, bool json)
{
    switch (v->type) {
    case WR_CTL_V_STR:
        if (json)
            wr_ctl_json_str(o, v->s, v->t.len);
        else
            evbuffer_add(o, v->s, v->t.len);
        return;
    case WR_CTL_V_INT:
        evbuffer_add_printf(o, "%" PRId64, v->i);
        return;
    case WR_CTL_V_BOOL:
        evbuffer_add_printf(o, "%s", v->i ? "true" : "false");
        return;
    case WR_CTL_V_ARGS:
    case WR_CTL_V_SORTED_ARGS:
        wr_ctl_table_val(o, v->t, json, v->type == WR_CTL_V_SORTED_ARGS, 1);
        return;
    case WR_CTL_V_TAGS:
        wr_ctl_tags_val(o, v->s, json);
        return;
    }
}

/* ---- the table writer -------------------------------------------------------------------- */

static const struct wr_ctl_col *
wr_ctl_col_find(const struct wr_ctl_col *all, const char *name, size_t len)
{
    for (; all->name != NULL; all++) {
        if (strlen(all->name) == len && memcmp(all->name, name, len) == 0)
            return all;
    }
    return NULL;
}

/* Adds the keys in s (separated by spaces or commas); returns the first unknown one. */
static const char *
wr_ctl_cols_add(const struct wr_ctl_col *all, const char *s, const struct wr_ctl_col **out, int *n)
{
    static char bad[256];

    while (*s) {
        size_t len = strcspn(s, " ,");
        const struct wr_ctl_col *c = len ? wr_ctl_col_find(all, s, len) : NULL;
        if (len && c == NULL) {
            snprintf(bad, sizeof(bad), "%.*s", (int)len, s);
            return bad;
        }
        if (c != NULL && *n < WR_CTL_MAX_COLS)
            out[(*n)++] = c;
        s += len + (s[len] != '\0');
    }
    return NULL;
}

const char *
wr_ctl_cols_resolve(const struct wr_ctl_col *all, int argc, char **argv, const char *defaults,
                    const struct wr_ctl_col **out, int *n)
{
    const char *bad = NULL;

    *n = 0;
    for (int i = 0; i < argc && bad == NULL; i++)
        bad = wr_ctl_cols_add(all, argv[i], out, n);
    if (bad == NULL && *n == 0)
        bad = wr_ctl_cols_add(all, defaults, out, n);
    return bad;
}

void
wr_ctl_table_begin(struct wr_ctl_req *r, struct wr_ctl_table *t)
{
    const struct wr_ctl_cmd *c = r->cmd;
    int argc = c->max_args == 0 ? 0 : r->argc;

    t->r = r;
    t->rows = 0;
    wr_ctl_cols_resolve(c->cols, argc, r->argv, c->defaults, t->cols, &t->ncols);
    if (r->o.json)
        evbuffer_add_printf(r->out, "[\n");
}

static void
wr_ctl_table_header(struct wr_ctl_table *t)
{
    for (int i = 0; i < t->ncols; i++)
        evbuffer_add_printf(t->r->out, "%s%s", i ? "\t" : "", t->cols[i]->name);
    evbuffer_add(t->r->out, "\n", 1);
}

void
wr_ctl_table_row(struct wr_ctl_table *t, const void *row)
{
    struct evbuffer *o = t->r->out;
    bool json = t->r->o.json;

    if (t->rows++ == 0 && !json && !t->r->o.no_headers)
        wr_ctl_table_header(t);
    if (json)
        evbuffer_add_printf(o, "%s{", t->rows > 1 ? "," : "");
    for (int i = 0; i < t->ncols; i++) {
        struct wr_ctl_val v = {.type = WR_CTL_V_STR, .s = ""};
        if (t->cols[i]->get != NULL)
            t->cols[i]->get(row, &v);
        if (json)
            evbuffer_add_printf(o, "%s\"%s\":", i ? "," : "", t->cols[i]->name);
        else if (i)
            evbuffer_add(o, "\t", 1);
        wr_ctl_value(o, &v, json);
    }
    evbuffer_add_printf(o, "%s\n", json ? "}" : "");
}

void
wr_ctl_table_end(struct wr_ctl_table *t)
{
    if (t->r->o.json)
        evbuffer_add_printf(t->r->out, "]\n");
}

/* ---- value helpers and row collection ---------------------------------------------------- */

static void
wr_ctl_str(struct wr_ctl_val *v, const char *s, size_t len)
{
    v->type = WR_CTL_V_STR;
    v->s = s;
    v->t.len = (uint32_t)len;
}

static void
wr_ctl_cstr(struct wr_ctl_val *v, const char *s)
{
    wr_ctl_str(v, s, strlen(s));
}

static void
wr_ctl_int(struct wr_ctl_val *v, int64_t i)
{
    v->type = WR_CTL_V_INT;
    v->i = i;
}

static void
wr_ctl_bool(struct wr_ctl_val *v, bool b)
{
    v->type = WR_CTL_V_BOOL;
    v->i = b;
}

static void
wr_ctl_args(struct wr_ctl_val *v, struct wr_bytes t)
{
    v->type = WR_CTL_V_ARGS;
    v->t = t;
}

/* Every value of a map, sorted by key: a stable order for the listing. */
struct wr_ctl_rows {
    void **v;
    size_t n;
};

struct wr_ctl_keyed {
    const char *key;
    size_t len;
    void *val;
};

static int
wr_ctl_keyed_cmp(const void *a, const void *b)
{
    const struct wr_ctl_keyed *x = a, *y = b;
    int c = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);

    return c ? c : (x->len > y->len) - (x->len < y->len);
}

static void
wr_ctl_rows_sorted(const struct wr_hmap *m, struct wr_ctl_rows *rows)
{
    size_t n = m ? wr_hmap_count(m) : 0, i = 0;
    struct wr_ctl_keyed *k = wr_xcalloc(n + 1, sizeof(*k));
    struct wr_hmap_iter it;

    if (m != NULL) {
        wr_hmap_iter_init(m, &it);
        while (i < n && wr_hmap_next(&it, &k[i].key, &k[i].len, &k[i].val))
            i++;
    }
    qsort(k, i, sizeof(*k), wr_ctl_keyed_cmp);
    rows->v = wr_xcalloc(i + 1, sizeof(void *));
    for (rows->n = 0; rows->n < i; rows->n++)
        rows->v[rows->n] = k[rows->n].val;
    free(k);
}

/* Prints every value of m as a row (sorted by key) between begin and end. */
static int
wr_ctl_list_map(struct wr_ctl_req *r, const struct wr_hmap *m)
{
    struct wr_ctl_table t;
    struct wr_ctl_rows rows;

    wr_ctl_rows_sorted(m, &rows);
    wr_ctl_table_begin(r, &t);
    for (size_t i = 0; i < rows.n; i++)
        wr_ctl_table_row(&t, rows.v[i]);
    wr_ctl_table_end(&t);
    free(rows.v);
    return 0;
}

static struct wr_vhost *
wr_ctl_vhost(struct wr_ctl_req *r)
{
    return wr_broker_vhost(r->b, r->o.vhost, strlen(r->o.vhost));
}

/* ---- queues ------------------------------------------------------------------------------ */

static void
wr_q_name(const void *q, struct wr_ctl_val *v)
{
    wr_ctl_str(v, wr_queue_name(q), wr_queue_name_len(q));
}

static void
wr_q_vhost(const void *q, struct wr_ctl_val *v)
{
    wr_ctl_cstr(v, wr_vhost_name(wr_queue_vhost(q)));
}

static uint32_t
wr_ctl_q_unacked(const struct wr_queue *q)
{
    return wr_queue_unacked(q);
}

static void
wr_q_messages(const void *q, struct wr_ctl_val *v)
{
    wr_ctl_int(v, (int64_t)wr_queue_ready(q) + wr_ctl_q_unacked(q));
}

static void
wr_q_ready(const void *q, struct wr_ctl_val *v)
{
    wr_ctl_int(v, wr_queue_ready(q));
}

static void
wr_q_unacked(const void *q, struct wr_ctl_val *v)
{
    wr_ctl_int(v, wr_ctl_q_unacked(q));
}

static void
wr_q_consumers(const void *q, struct wr_ctl_val *v)
{
    wr_ctl_int(v, wr_queue_consumer_count(q));
}

static void
wr_q_durable(const void *q, struct wr_ctl_val *v)
{
    wr_ctl_bool(v, wr_queue_opts(q)->durable);
}

static void
wr_q_auto_delete(const void *q, struct wr_ctl_val *v)
{
    wr_ctl_bool(v, wr_queue_opts(q)->auto_delete);
}

static void
wr_q_exclusive(const void *q, struct wr_ctl_val *v)
{
    wr_ctl_bool(v, wr_queue_opts(q)->exclusive);
}

static void
wr_q_arguments(const void *q, struct wr_ctl_val *v)
{
    wr_ctl_args(v, wr_queue_opts(q)->args);
}

static void
wr_q_type(const void *q, struct wr_ctl_val *v)
{
    static const char *const names[] = {"classic", "quorum", "stream"};
    enum wr_qtype t = wr_queue_params(q)->type;

    wr_ctl_cstr(v, (size_t)t < 3 ? names[t] : "classic");
}

static void
wr_q_policy(const void *q, struct wr_ctl_val *v)
{
    const char *p = wr_policy_of_queue(q, false);

    wr_ctl_cstr(v, p ? p : "");
}

static void
wr_q_operator_policy(const void *q, struct wr_ctl_val *v)
{
    const char *p = wr_policy_of_queue(q, true);

    wr_ctl_cstr(v, p ? p : "");
}

static void
wr_ctl_running(const void *row, struct wr_ctl_val *v)
{
    (void)row;
    wr_ctl_cstr(v, "running");
}

static void
wr_ctl_empty(const void *row, struct wr_ctl_val *v)
{
    (void)row;
    wr_ctl_cstr(v, "");
}

static void
wr_ctl_true(const void *row, struct wr_ctl_val *v)
{
    (void)row;
    wr_ctl_bool(v, true);
}

static void
wr_ctl_false(const void *row, struct wr_ctl_val *v)
{
    (void)row;
    wr_ctl_bool(v, false);
}

const struct wr_ctl_col wr_ctl_queue_cols[] = {
        {"name", wr_q_name},
        {"vhost", wr_q_vhost},
        {"messages", wr_q_messages},
        {"messages_ready", wr_q_ready},
        {"messages_unacknowledged", wr_q_unacked},
        {"consumers", wr_q_consumers},
        {"durable", wr_q_durable},
        {"auto_delete", wr_q_auto_delete},
        {"exclusive", wr_q_exclusive},
        {"arguments", wr_q_arguments},
        {"type", wr_q_type},
        {"state", wr_ctl_running},
        {"policy", wr_q_policy},
        /* not an info key of rabbitmqctl 3.10's list_queues (its HTTP API has it) */
        {"operator_policy", wr_q_operator_policy},
        {"online", wr_ctl_true},
        {NULL, NULL},
};

/* Queues that are deleted but still referenced are not listed. */
int
wr_ctl_list_queues(struct wr_ctl_req *r)
{
    struct wr_vhost *vh = wr_ctl_vhost(r);
    struct wr_ctl_table t;
    struct wr_ctl_rows rows;

    wr_ctl_info(r, "Timeout: 60.0 seconds ...");
    wr_ctl_info(r, "Listing queues for vhost %s ...", r->o.vhost);
    wr_ctl_rows_sorted(vh ? wr_vhost_queues(vh) : NULL, &rows);
    wr_ctl_table_begin(r, &t);
    for (size_t i = 0; i < rows.n; i++) {
        if (!wr_queue_is_deleted(rows.v[i]))
            wr_ctl_table_row(&t, rows.v[i]);
    }
    wr_ctl_table_end(&t);
    free(rows.v);
    return 0;
}

/* ---- exchanges --------------------------------------------------------------------------- */

static void
wr_x_name(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_str(v, wr_exchange_name(x), wr_exchange_name_len(x));
}

static void
wr_x_vhost(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_cstr(v, wr_vhost_name(wr_exchange_vhost(x)));
}

static void
wr_x_type(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_cstr(v, wr_xtype_name(wr_exchange_opts(x)->type));
}

static void
wr_x_durable(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_bool(v, wr_exchange_opts(x)->durable);
}

static void
wr_x_auto_delete(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_bool(v, wr_exchange_opts(x)->auto_delete);
}

static void
wr_x_internal(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_bool(v, wr_exchange_opts(x)->internal);
}

static void
wr_x_arguments(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_args(v, wr_exchange_opts(x)->args);
}

const struct wr_ctl_col wr_ctl_exchange_cols[] = {
        {"name", wr_x_name},
        {"vhost", wr_x_vhost},
        {"type", wr_x_type},
        {"durable", wr_x_durable},
        {"auto_delete", wr_x_auto_delete},
        {"internal", wr_x_internal},
        {"arguments", wr_x_arguments},
        {"policy", wr_ctl_empty},
        {NULL, NULL},
};

int
wr_ctl_list_exchanges(struct wr_ctl_req *r)
{
    struct wr_vhost *vh = wr_ctl_vhost(r);

    wr_ctl_info(r, "Listing exchanges for vhost %s ...", r->o.vhost);
    return wr_ctl_list_map(r, vh ? wr_vhost_exchanges(vh) : NULL);
}

/* ---- bindings ---------------------------------------------------------------------------- */

struct wr_ctl_binding {
    struct wr_bytes src, dest, key, args;
    bool dest_is_queue;
    const char *vhost;
};

static void
wr_b_source(const void *b, struct wr_ctl_val *v)
{
    const struct wr_ctl_binding *x = b;
    wr_ctl_str(v, (const char *)x->src.ptr, x->src.len);
}

static void
wr_b_source_kind(const void *b, struct wr_ctl_val *v)
{
    (void)b;
    wr_ctl_cstr(v, "exchange");
}

static void
wr_b_dest(const void *b, struct wr_ctl_val *v)
{
    const struct wr_ctl_binding *x = b;
    wr_ctl_str(v, (const char *)x->dest.ptr, x->dest.len);
}

static void
wr_b_dest_kind(const void *b, struct wr_ctl_val *v)
{
    wr_ctl_cstr(v, ((const struct wr_ctl_binding *)b)->dest_is_queue ? "queue" : "exchange");
}

static void
wr_b_key(const void *b, struct wr_ctl_val *v)
{
    const struct wr_ctl_binding *x = b;
    wr_ctl_str(v, (const char *)x->key.ptr, x->key.len);
}

static void
wr_b_arguments(const void *b, struct wr_ctl_val *v)
{
    v->type = WR_CTL_V_SORTED_ARGS;
    v->t = ((const struct wr_ctl_binding *)b)->args;
}

static void
wr_b_vhost(const void *b, struct wr_ctl_val *v)
{
    wr_ctl_cstr(v, ((const struct wr_ctl_binding *)b)->vhost);
}

const struct wr_ctl_col wr_ctl_binding_cols[] = {
        {"source_name", wr_b_source},    {"source_kind", wr_b_source_kind},
        {"destination_name", wr_b_dest}, {"destination_kind", wr_b_dest_kind},
        {"routing_key", wr_b_key},       {"arguments", wr_b_arguments},
        {"vhost", wr_b_vhost},           {NULL, NULL},
};

static struct wr_bytes
wr_ctl_bytes(const char *s, size_t len)
{
    return (struct wr_bytes){(const uint8_t *)s, (uint32_t)len};
}

static void
wr_ctl_binding_visit(struct wr_exchange *src, struct wr_queue *q, struct wr_exchange *xdest,
                     struct wr_bytes key, struct wr_bytes args, void *arg)
{
    struct wr_ctl_table *t = arg;
    struct wr_ctl_binding b = {
            .src = wr_ctl_bytes(wr_exchange_name(src), wr_exchange_name_len(src)),
            .key = key,
            .args = args,
            .dest_is_queue = q != NULL,
            .vhost = t->r->o.vhost,
    };

    b.dest = q ? wr_ctl_bytes(wr_queue_name(q), wr_queue_name_len(q))
               : wr_ctl_bytes(wr_exchange_name(xdest), wr_exchange_name_len(xdest));
    wr_ctl_table_row(t, &b);
}

/* The default exchange's implicit bindings come first, one per queue, as in rabbitmqctl. */
static void
wr_ctl_default_bindings(struct wr_ctl_table *t, struct wr_vhost *vh)
{
    struct wr_ctl_rows qs;

    wr_ctl_rows_sorted(wr_vhost_queues(vh), &qs);
    for (size_t i = 0; i < qs.n; i++) {
        struct wr_queue *q = qs.v[i];
        struct wr_bytes name = wr_ctl_bytes(wr_queue_name(q), wr_queue_name_len(q));
        struct wr_ctl_binding b = {.src = {NULL, 0},
                                   .dest = name,
                                   .key = name,
                                   .dest_is_queue = true,
                                   .vhost = t->r->o.vhost};
        if (!wr_queue_is_deleted(q))
            wr_ctl_table_row(t, &b);
    }
    free(qs.v);
}

int
wr_ctl_list_bindings(struct wr_ctl_req *r)
{
    struct wr_vhost *vh = wr_ctl_vhost(r);
    struct wr_ctl_table t;
    struct wr_ctl_rows xs;

    wr_ctl_info(r, "Listing bindings for vhost %s...", r->o.vhost);
    wr_ctl_table_begin(r, &t);
    if (vh != NULL) {
        wr_ctl_default_bindings(&t, vh);
        wr_ctl_rows_sorted(wr_vhost_exchanges(vh), &xs);
        for (size_t i = 0; i < xs.n; i++) {
            if (!wr_exchange_is_default(xs.v[i]))
                wr_exchange_foreach_binding(xs.v[i], wr_ctl_binding_visit, &t);
        }
        free(xs.v);
    }
    wr_ctl_table_end(&t);
    return 0;
}

/* ---- vhosts, users, permissions ---------------------------------------------------------- */

static void
wr_vh_name(const void *vh, struct wr_ctl_val *v)
{
    wr_ctl_cstr(v, wr_vhost_name(vh));
}

static void
wr_vh_description(const void *vh, struct wr_ctl_val *v)
{
    wr_ctl_cstr(v, wr_vhost_description(vh));
}

static void
wr_vh_tags(const void *vh, struct wr_ctl_val *v)
{
    v->type = WR_CTL_V_TAGS;
    v->s = wr_vhost_tags(vh);
}

const struct wr_ctl_col wr_ctl_vhost_cols[] = {
        {"name", wr_vh_name},
        {"tracing", wr_ctl_false},
        {"description", wr_vh_description},
        {"tags", wr_vh_tags},
        {NULL, NULL},
};

int
wr_ctl_list_vhosts(struct wr_ctl_req *r)
{
    wr_ctl_info(r, "Listing vhosts ...");
    return wr_ctl_list_map(r, wr_broker_vhosts(r->b));
}

static void
wr_u_name(const void *u, struct wr_ctl_val *v)
{
    wr_ctl_cstr(v, wr_user_name(u));
}

static void
wr_u_tags(const void *u, struct wr_ctl_val *v)
{
    v->type = WR_CTL_V_TAGS;
    v->s = wr_user_tags(u);
}

const struct wr_ctl_col wr_ctl_user_cols[] = {
        {"user", wr_u_name},
        {"tags", wr_u_tags},
        {NULL, NULL},
};

int
wr_ctl_list_users(struct wr_ctl_req *r)
{
    wr_ctl_info(r, "Listing users ...");
    return wr_ctl_list_map(r, wr_broker_users(r->b));
}

struct wr_ctl_perm_row {
    const char *user;
    const struct wr_perm *p;
};

static void
wr_p_user(const void *row, struct wr_ctl_val *v)
{
    wr_ctl_cstr(v, ((const struct wr_ctl_perm_row *)row)->user);
}

static void
wr_p_configure(const void *row, struct wr_ctl_val *v)
{
    wr_ctl_cstr(v, ((const struct wr_ctl_perm_row *)row)->p->configure);
}

static void
wr_p_write(const void *row, struct wr_ctl_val *v)
{
    wr_ctl_cstr(v, ((const struct wr_ctl_perm_row *)row)->p->write);
}

static void
wr_p_read(const void *row, struct wr_ctl_val *v)
{
    wr_ctl_cstr(v, ((const struct wr_ctl_perm_row *)row)->p->read);
}

const struct wr_ctl_col wr_ctl_perm_cols[] = {
        {"user", wr_p_user},   {"configure", wr_p_configure},
        {"write", wr_p_write}, {"read", wr_p_read},
        {NULL, NULL},
};

int
wr_ctl_list_permissions(struct wr_ctl_req *r)
{
    struct wr_ctl_table t;
    struct wr_ctl_rows users;

    wr_ctl_info(r, "Listing permissions for vhost \"%s\" ...", r->o.vhost);
    if (wr_ctl_vhost(r) == NULL) {
        evbuffer_add_printf(r->err, "Virtual host '%s' does not exist\n", r->o.vhost);
        return WR_CTL_DATAERR;
    }
    wr_ctl_rows_sorted(wr_broker_users(r->b), &users);
    wr_ctl_table_begin(r, &t);
    for (size_t i = 0; i < users.n; i++) {
        struct wr_ctl_perm_row row = {wr_user_name(users.v[i]), NULL};
        row.p = wr_user_perm(users.v[i], r->o.vhost, strlen(r->o.vhost));
        if (row.p != NULL)
            wr_ctl_table_row(&t, &row);
    }
    wr_ctl_table_end(&t);
    free(users.v);
    return 0;
}

/* ---- policies and operator policies ------------------------------------------------------ */

/* A copy of a policy, so that the rows outlive wr_policy_foreach's visit. */
struct wr_ctl_policy_row {
    char *vhost, *name, *pattern, *apply_to, *definition;
    int priority;
};

struct wr_ctl_policy_rows {
    struct wr_ctl_policy_row *v;
    size_t n, cap;
};

static void
wr_ctl_policy_collect(const struct wr_policy_view *p, void *arg)
{
    struct wr_ctl_policy_rows *rows = arg;
    struct wr_ctl_policy_row *row;

    if (rows->n == rows->cap) {
        rows->cap = rows->cap ? 2 * rows->cap : 8;
        rows->v = wr_xrealloc(rows->v, rows->cap * sizeof(*rows->v));
    }
    row = &rows->v[rows->n++];
    row->vhost = wr_xstrdup(p->vhost);
    row->name = wr_xstrdup(p->name);
    row->pattern = wr_xstrdup(p->pattern);
    row->apply_to = wr_xstrdup(p->apply_to);
    row->definition = wr_xstrdup(p->definition_json);
    row->priority = p->priority;
}

static int
wr_ctl_policy_cmp(const void *a, const void *b)
{
    return strcmp(((const struct wr_ctl_policy_row *)a)->name,
                  ((const struct wr_ctl_policy_row *)b)->name);
}

static void
wr_pol_vhost(const void *row, struct wr_ctl_val *v)
{
    wr_ctl_cstr(v, ((const struct wr_ctl_policy_row *)row)->vhost);
}

static void
wr_pol_name(const void *row, struct wr_ctl_val *v)
{
    wr_ctl_cstr(v, ((const struct wr_ctl_policy_row *)row)->name);
}

static void
wr_pol_pattern(const void *row, struct wr_ctl_val *v)
{
    wr_ctl_cstr(v, ((const struct wr_ctl_policy_row *)row)->pattern);
}

static void
wr_pol_apply_to(const void *row, struct wr_ctl_val *v)
{
    wr_ctl_cstr(v, ((const struct wr_ctl_policy_row *)row)->apply_to);
}

/* the definition is JSON text, printed as is in TSV and as a JSON string by --formatter json */
static void
wr_pol_definition(const void *row, struct wr_ctl_val *v)
{
    wr_ctl_cstr(v, ((const struct wr_ctl_policy_row *)row)->definition);
}

static void
wr_pol_priority(const void *row, struct wr_ctl_val *v)
{
    wr_ctl_int(v, ((const struct wr_ctl_policy_row *)row)->priority);
}

const struct wr_ctl_col wr_ctl_policy_cols[] = {
        {"vhost", wr_pol_vhost},
        {"name", wr_pol_name},
        {"pattern", wr_pol_pattern},
        {"apply-to", wr_pol_apply_to},
        {"definition", wr_pol_definition},
        {"priority", wr_pol_priority},
        {NULL, NULL},
};

/* Unlike the other listings, rabbitmqctl prints an empty line (JSON: []) for no policies. */
static int
wr_ctl_list_policy_rows(struct wr_ctl_req *r, bool op)
{
    struct wr_ctl_policy_rows rows = {NULL, 0, 0};
    struct wr_ctl_table t;

    wr_ctl_info(r, "Listing %s for vhost \"%s\" ...", op ? "operator policy overrides" : "policies",
                r->o.vhost);
    if (wr_ctl_vhost(r) == NULL) {
        evbuffer_add_printf(r->err, "Virtual host '%s' does not exist\n", r->o.vhost);
        return WR_CTL_DATAERR;
    }
    wr_policy_foreach(r->b, op, r->o.vhost, wr_ctl_policy_collect, &rows);
    if (rows.n == 0) {
        evbuffer_add_printf(r->out, "%s\n", r->o.json ? "[]" : "");
        return 0;
    }
    qsort(rows.v, rows.n, sizeof(*rows.v), wr_ctl_policy_cmp);
    wr_ctl_table_begin(r, &t);
    for (size_t i = 0; i < rows.n; i++)
        wr_ctl_table_row(&t, &rows.v[i]);
    wr_ctl_table_end(&t);
    for (size_t i = 0; i < rows.n; i++) {
        free(rows.v[i].vhost);
        free(rows.v[i].name);
        free(rows.v[i].pattern);
        free(rows.v[i].apply_to);
        free(rows.v[i].definition);
    }
    free(rows.v);
    return 0;
}

int
wr_ctl_list_policies(struct wr_ctl_req *r)
{
    return wr_ctl_list_policy_rows(r, false);
}

int
wr_ctl_list_operator_policies(struct wr_ctl_req *r)
{
    return wr_ctl_list_policy_rows(r, true);
}

/* ---- global parameters --------------------------------------------------------------------- */

struct wr_ctl_gparam_row {
    const char *name, *value;
};

struct wr_ctl_gparam_rows {
    struct wr_ctl_gparam_row *v;
    size_t n;
};

static void
wr_ctl_gparam_collect(const char *name, const char *value_json, void *arg)
{
    struct wr_ctl_gparam_rows *rows = arg;

    rows->v = wr_xrealloc(rows->v, (rows->n + 1) * sizeof(*rows->v));
    rows->v[rows->n++] = (struct wr_ctl_gparam_row){name, value_json};
}

static void
wr_gp_name(const void *row, struct wr_ctl_val *v)
{
    wr_ctl_cstr(v, ((const struct wr_ctl_gparam_row *)row)->name);
}

/* the value is JSON text, printed as is in TSV and as a JSON string by --formatter json */
static void
wr_gp_value(const void *row, struct wr_ctl_val *v)
{
    wr_ctl_cstr(v, ((const struct wr_ctl_gparam_row *)row)->value);
}

const struct wr_ctl_col wr_ctl_gparam_cols[] = {
        {"name", wr_gp_name},
        {"value", wr_gp_value},
        {NULL, NULL},
};

int
wr_ctl_list_global_parameters(struct wr_ctl_req *r)
{
    struct wr_ctl_gparam_rows rows = {NULL, 0};
    struct wr_ctl_table t;

    wr_ctl_info(r, "Listing global runtime parameters ...");
    wr_gparam_foreach(r->b, wr_ctl_gparam_collect, &rows);
    wr_ctl_table_begin(r, &t);
    for (size_t i = 0; i < rows.n; i++)
        wr_ctl_table_row(&t, &rows.v[i]);
    wr_ctl_table_end(&t);
    free(rows.v);
    return 0;
}

/* ---- connections, channels, consumers ---------------------------------------------------- */

/* Connections, channels and consumers are read through conn.h's and queue.h's visitors into
 * small row records; channel_pid and pid use an Erlang-like <node.conn.channel> form. */
struct wr_ctl_conn_row {
    struct wr_conn_info i;
    char name[160];
};

#define CONN_ROW(x) ((const struct wr_ctl_conn_row *)(x))

static void
wr_c_name(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_cstr(v, CONN_ROW(x)->name);
}

static void
wr_c_user(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_cstr(v, CONN_ROW(x)->i.user);
}

static void
wr_c_vhost(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_cstr(v, CONN_ROW(x)->i.vhost);
}

static void
wr_c_peer_host(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_cstr(v, CONN_ROW(x)->i.peer_host);
}

static void
wr_c_peer_port(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_int(v, CONN_ROW(x)->i.peer_port);
}

static void
wr_c_state(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_cstr(v, CONN_ROW(x)->i.state);
}

static void
wr_c_channels(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_int(v, CONN_ROW(x)->i.channels);
}

static void
wr_c_protocol(const void *x, struct wr_ctl_val *v)
{
    (void)x;
    wr_ctl_cstr(v, "{0,9,1}");
}

static void
wr_c_ssl(const void *x, struct wr_ctl_val *v)
{
    struct wr_tls_session s;

    wr_ctl_bool(v, wr_tls_session_get(CONN_ROW(x)->i.bev, &s));
    wr_tls_session_fini(&s);
}

static void
wr_c_frame_max(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_int(v, CONN_ROW(x)->i.frame_max);
}

static void
wr_c_channel_max(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_int(v, CONN_ROW(x)->i.channel_max);
}

static void
wr_c_timeout(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_int(v, CONN_ROW(x)->i.heartbeat);
}

static void
wr_c_connected_at(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_int(v, CONN_ROW(x)->i.connected_at);
}

const struct wr_ctl_col wr_ctl_conn_cols[] = {
        {"name", wr_c_name},
        {"user", wr_c_user},
        {"vhost", wr_c_vhost},
        {"peer_host", wr_c_peer_host},
        {"peer_port", wr_c_peer_port},
        {"state", wr_c_state},
        {"channels", wr_c_channels},
        {"protocol", wr_c_protocol},
        {"ssl", wr_c_ssl},
        {"frame_max", wr_c_frame_max},
        {"channel_max", wr_c_channel_max},
        {"timeout", wr_c_timeout},
        {"connected_at", wr_c_connected_at},
        {NULL, NULL},
};

struct wr_ctl_chan_row {
    struct wr_conn_info i;
    struct wr_channel_info ch;
    char pid[64], name[200];
};

#define CHAN_ROW(x) ((const struct wr_ctl_chan_row *)(x))

static void
wr_ch_pid(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_cstr(v, CHAN_ROW(x)->pid);
}

static void
wr_ch_name(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_cstr(v, CHAN_ROW(x)->name);
}

static void
wr_ch_number(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_int(v, CHAN_ROW(x)->ch.number);
}

static void
wr_ch_user(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_cstr(v, CHAN_ROW(x)->i.user);
}

static void
wr_ch_vhost(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_cstr(v, CHAN_ROW(x)->i.vhost);
}

static void
wr_ch_consumers(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_int(v, CHAN_ROW(x)->ch.consumers);
}

static void
wr_ch_unacked(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_int(v, CHAN_ROW(x)->ch.unacked);
}

static void
wr_ch_prefetch(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_int(v, CHAN_ROW(x)->ch.prefetch);
}

static void
wr_ch_global_prefetch(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_int(v, CHAN_ROW(x)->ch.global_prefetch);
}

static void
wr_ch_confirm(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_bool(v, CHAN_ROW(x)->ch.confirm);
}

static void
wr_ch_tx(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_bool(v, CHAN_ROW(x)->ch.tx);
}

const struct wr_ctl_col wr_ctl_chan_cols[] = {
        {"pid", wr_ch_pid},
        {"name", wr_ch_name},
        {"number", wr_ch_number},
        {"user", wr_ch_user},
        {"vhost", wr_ch_vhost},
        {"consumer_count", wr_ch_consumers},
        {"messages_unacknowledged", wr_ch_unacked},
        {"prefetch_count", wr_ch_prefetch},
        {"global_prefetch_count", wr_ch_global_prefetch},
        {"confirm", wr_ch_confirm},
        {"transactional", wr_ch_tx},
        {NULL, NULL},
};

struct wr_ctl_cons_row {
    const struct wr_queue *q;
    const struct wr_consumer *c;
    bool active;
    char pid[64];
};

#define CONS_ROW(x) ((const struct wr_ctl_cons_row *)(x))

static void
wr_k_queue(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_str(v, wr_queue_name(CONS_ROW(x)->q), wr_queue_name_len(CONS_ROW(x)->q));
}

static void
wr_k_pid(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_cstr(v, CONS_ROW(x)->pid);
}

static void
wr_k_tag(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_str(v, CONS_ROW(x)->c->tag, CONS_ROW(x)->c->tag_len);
}

static void
wr_k_ack(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_bool(v, !CONS_ROW(x)->c->no_ack);
}

static void
wr_k_prefetch(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_int(v, CONS_ROW(x)->c->prefetch);
}

static void
wr_k_active(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_bool(v, CONS_ROW(x)->active);
}

static void
wr_k_status(const void *x, struct wr_ctl_val *v)
{
    wr_ctl_cstr(v, CONS_ROW(x)->active ? "up" : "waiting");
}

static void
wr_k_args(const void *x, struct wr_ctl_val *v)
{
    (void)x;
    v->type = WR_CTL_V_ARGS;
    v->t = (struct wr_bytes){NULL, 0};
}

const struct wr_ctl_col wr_ctl_consumer_cols[] = {
        {"queue_name", wr_k_queue},
        {"channel_pid", wr_k_pid},
        {"consumer_tag", wr_k_tag},
        {"ack_required", wr_k_ack},
        {"prefetch_count", wr_k_prefetch},
        {"active", wr_k_active},
        {"activity_status", wr_k_status},
        {"arguments", wr_k_args},
        {NULL, NULL},
};

static void
wr_ctl_pid(const struct wr_conn *c, uint16_t ch, char *buf, size_t cap)
{
    snprintf(buf, cap, "<%s.%lu.%u>", wr_node_name(), (unsigned long)((uintptr_t)c >> 4) % 100000,
             ch);
}

struct wr_ctl_collect {
    struct wr_ctl_table *t;
    struct wr_ctl_req *r;
};

int
wr_ctl_list_connections(struct wr_ctl_req *r)
{
    struct wr_ctl_table t;
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *val;

    wr_ctl_info(r, "Listing connections ...");
    wr_ctl_table_begin(r, &t);
    wr_hmap_iter_init(wr_broker_conns(r->b), &it);
    while (wr_hmap_next(&it, &key, &len, &val)) {
        struct wr_ctl_conn_row row;
        wr_conn_info(val, &row.i);
        if (strcmp(row.i.state, "starting") == 0)
            continue;
        snprintf(row.name, sizeof(row.name), "%s -> %s", row.i.peer, wr_node_name());
        wr_ctl_table_row(&t, &row);
    }
    wr_ctl_table_end(&t);
    return 0;
}

static void
wr_ctl_chan_visit(const struct wr_conn *c, const struct wr_channel_info *ch, void *arg)
{
    struct wr_ctl_collect *k = arg;
    struct wr_ctl_chan_row row;

    wr_conn_info(c, &row.i);
    row.ch = *ch;
    wr_ctl_pid(c, ch->number, row.pid, sizeof(row.pid));
    snprintf(row.name, sizeof(row.name), "%s (%u)", row.i.peer, ch->number);
    wr_ctl_table_row(k->t, &row);
}

int
wr_ctl_list_channels(struct wr_ctl_req *r)
{
    struct wr_ctl_table t;
    struct wr_ctl_collect k = {&t, r};
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *val;

    wr_ctl_info(r, "Listing channels ...");
    wr_ctl_table_begin(r, &t);
    wr_hmap_iter_init(wr_broker_conns(r->b), &it);
    while (wr_hmap_next(&it, &key, &len, &val))
        wr_conn_foreach_channel(val, wr_ctl_chan_visit, &k);
    wr_ctl_table_end(&t);
    return 0;
}

static void
wr_ctl_cons_visit(const struct wr_queue *q, const struct wr_consumer *c, bool active, void *arg)
{
    struct wr_ctl_collect *k = arg;
    struct wr_ctl_cons_row row = {q, c, active, ""};

    wr_ctl_pid(wr_channel_conn(c->ch), wr_channel_number(c->ch), row.pid, sizeof(row.pid));
    wr_ctl_table_row(k->t, &row);
}

int
wr_ctl_list_consumers(struct wr_ctl_req *r)
{
    struct wr_vhost *vh = wr_ctl_vhost(r);
    struct wr_ctl_table t;
    struct wr_ctl_collect k = {&t, r};
    struct wr_ctl_rows rows;

    wr_ctl_info(r, "Listing consumers in vhost %s ...", r->o.vhost);
    wr_ctl_table_begin(r, &t);
    if (vh != NULL) {
        wr_ctl_rows_sorted(wr_vhost_queues(vh), &rows);
        for (size_t i = 0; i < rows.n; i++)
            wr_queue_foreach_consumer(rows.v[i], wr_ctl_cons_visit, &k);
        free(rows.v);
    }
    wr_ctl_table_end(&t);
    return 0;
}
