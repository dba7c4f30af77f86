/* SPDX-License-Identifier: MPL-2.0 */
/* Builds the dead-lettered copy: routing keys (D-02), the x-death array and x-first-death-*
 * headers (D-03), then routes it with RabbitMQ's cycle rule (D-04). Not confirmed to anyone. */
#include "server/deadletter.h"

#include "amqp/props.h"
#include "amqp/table.h"
#include "server/exchange.h"
#include "server/log.h"
#include "server/msg.h"
#include "server/msg_headers.h"
#include "server/queue_internal.h"
#include "server/vhost.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const wr_dl_reasons[] = {"rejected", "expired", "maxlen", "delivery_limit"};

struct wr_dl {
    const struct wr_queue *q;
    const struct wr_msg *m;
    const char *reason;
    struct wr_props props;
    struct wr_bytes keys[WR_MAX_ROUTE_KEYS]; /* the message's own keys: publish key + CC */
    size_t nkeys;
};

static bool
wr_entry_is(struct wr_bytes entry, const char *key, struct wr_bytes want)
{
    struct wr_fvalue v;

    return wr_table_get(entry, key, &v) && v.type == 'S' && wr_bytes_eq(v.v.s, want);
}

/* One x-death field, kept by name so an entry can be written in either order. */
struct wr_dfield {
    const char *name;
    struct wr_fvalue v;
};

enum {
    WR_DF_COUNT,
    WR_DF_REASON,
    WR_DF_QUEUE,
    WR_DF_TIME,
    WR_DF_EXCHANGE,
    WR_DF_KEYS,
    WR_DF_ORIG,
    WR_DF_N
};

/* RabbitMQ writes a first entry as count, reason, queue, time, exchange, routing-keys
 * [, original-expiration]; an entry added to or bumped in an existing array has its fields
 * sorted by name (observed on 3.10.8, compat D-03). */
static const int wr_df_sorted[WR_DF_N] = {WR_DF_COUNT,  WR_DF_EXCHANGE, WR_DF_ORIG, WR_DF_QUEUE,
                                          WR_DF_REASON, WR_DF_KEYS,     WR_DF_TIME};

static void
wr_death_write(struct wr_dfield *f, bool sorted, struct wr_tbuf *e)
{
    for (int i = 0; i < WR_DF_N; i++) {
        struct wr_dfield *d = &f[sorted ? wr_df_sorted[i] : i];
        if (d->name == NULL)
            continue;
        wr_tbuf_key(e, d->name);
        wr_tbuf_value(e, &d->v);
    }
}

static void
wr_death_new(const struct wr_dl *d, bool sorted, struct wr_tbuf *e)
{
    struct wr_tbuf keys;

    wr_tbuf_init(&keys);
    for (size_t i = 0; i < d->nkeys; i++)
        wr_tbuf_str(&keys, NULL, d->keys[i].ptr, d->keys[i].len);
    struct wr_dfield f[WR_DF_N] = {
            [WR_DF_COUNT] = {"count", {.type = 'l', .v.i = 1}},
            [WR_DF_REASON] = {"reason", {.type = 'S', .v.s = wr_bytes_str(d->reason)}},
            [WR_DF_QUEUE] = {"queue", {.type = 'S', .v.s = wr_bytes_str(d->q->name)}},
            [WR_DF_TIME] = {"time", {.type = 'T', .v.ts = (uint64_t)time(NULL)}},
            [WR_DF_EXCHANGE] = {"exchange",
                                {.type = 'S',
                                 .v.s = {(const uint8_t *)d->m->exchange, d->m->exchange_len}}},
            [WR_DF_KEYS] = {"routing-keys", {.type = 'A', .v.s = wr_tbuf_bytes(&keys)}},
    };

    if (d->props.flags & WR_P_EXPIRATION)
        f[WR_DF_ORIG] = (struct wr_dfield){"original-expiration",
                                           {.type = 'S', .v.s = d->props.expiration}};
    wr_death_write(f, sorted, e);
    wr_tbuf_free(&keys);
}

/* The same (queue, reason) entry counts up and moves to the front, keeping its first time,
 * exchange and routing keys; its fields come out sorted by name. */
static void
wr_death_bump(struct wr_bytes old, struct wr_tbuf *e)
{
    static const char *const names[WR_DF_N] = {
            "count", "reason", "queue", "time", "exchange", "routing-keys", "original-expiration"};
    struct wr_dfield f[WR_DF_N] = {{0}};
    struct wr_table_iter it;
    struct wr_bytes key;
    struct wr_fvalue v;

    wr_table_iter_init(&it, old);
    while (wr_table_next(&it, &key, &v) > 0) {
        for (int i = 0; i < WR_DF_N; i++) {
            if (wr_bytes_eq_str(key, names[i])) {
                f[i].name = names[i];
                f[i].v = v;
            }
        }
    }
    if (f[WR_DF_COUNT].name && wr_fvalue_is_int(&f[WR_DF_COUNT].v))
        f[WR_DF_COUNT].v = (struct wr_fvalue){.type = 'l', .v.i = f[WR_DF_COUNT].v.v.i + 1};
    wr_death_write(f, true, e);
}

/* Writes the updated x-death array into b (newest first). */
static void
wr_death_array(const struct wr_dl *d, struct wr_tbuf *b)
{
    struct wr_tbuf arr, entry;
    struct wr_fvalue old, el;
    struct wr_table_iter it;
    struct wr_bytes qn = wr_bytes_str(d->q->name), rs = wr_bytes_str(d->reason);
    bool have = wr_table_get(d->props.headers, "x-death", &old) && old.type == 'A';
    bool bumped = false;

    wr_tbuf_init(&arr);
    wr_tbuf_init(&entry);
    if (have) {
        wr_table_iter_init(&it, old.v.s);
        while (!bumped && wr_array_next(&it, &el) > 0) {
            if (el.type == 'F' && wr_entry_is(el.v.s, "queue", qn) &&
                wr_entry_is(el.v.s, "reason", rs)) {
                wr_death_bump(el.v.s, &entry);
                bumped = true;
            }
        }
    }
    if (!bumped)
        wr_death_new(d, have, &entry);
    wr_tbuf_nested(&arr, NULL, 'F', &entry);
    if (have) {
        wr_table_iter_init(&it, old.v.s);
        while (wr_array_next(&it, &el) > 0) {
            if (el.type == 'F' && wr_entry_is(el.v.s, "queue", qn) &&
                wr_entry_is(el.v.s, "reason", rs))
                continue;
            wr_tbuf_value(&arr, &el);
        }
    }
    wr_tbuf_nested(b, "x-death", 'A', &arr);
    wr_tbuf_free(&arr);
    wr_tbuf_free(&entry);
}

/* Client headers keep their order with x-death replaced in place; on a first death (no
 * x-death at all) x-death and the x-first-death-* headers are appended (compat D-01). */
static void
wr_dl_headers(const struct wr_dl *d, bool drop_cc, struct wr_tbuf *h)
{
    struct wr_table_iter it;
    struct wr_bytes key;
    struct wr_fvalue v;
    char k[256];
    bool first = !wr_table_get(d->props.headers, "x-death", &v);

    wr_table_iter_init(&it, d->props.headers);
    while (wr_table_next(&it, &key, &v) > 0) {
        if (wr_bytes_eq_str(key, "x-death")) {
            wr_death_array(d, h);
            continue;
        }
        if (drop_cc && wr_bytes_eq_str(key, "CC"))
            continue;
        memcpy(k, key.ptr, key.len);
        k[key.len] = '\0';
        wr_tbuf_key(h, k);
        wr_tbuf_value(h, &v);
    }
    if (!first)
        return;
    wr_death_array(d, h);
    wr_tbuf_str(h, "x-first-death-exchange", d->m->exchange, d->m->exchange_len);
    wr_tbuf_str(h, "x-first-death-queue", d->q->name, strlen(d->q->name));
    wr_tbuf_str(h, "x-first-death-reason", d->reason, strlen(d->reason));
}

/* D-04: with no 'rejected' death between now and the earlier death in queue t, it is a cycle. */
static bool
wr_dl_cycle(struct wr_bytes deaths, const char *target)
{
    struct wr_table_iter it;
    struct wr_fvalue el;
    struct wr_bytes tn = wr_bytes_str(target), rej = WR_BYTES_LIT("rejected");

    wr_table_iter_init(&it, deaths);
    while (wr_array_next(&it, &el) > 0) {
        if (el.type != 'F')
            continue;
        if (wr_entry_is(el.v.s, "reason", rej))
            return false;
        if (wr_entry_is(el.v.s, "queue", tn))
            return true;
    }
    return false;
}

static void
wr_dl_route(const struct wr_dl *d, struct wr_exchange *x, struct wr_msg *n,
            const struct wr_bytes *keys, size_t nkeys, struct wr_bytes headers)
{
    struct wr_route r = {0};
    struct wr_fvalue deaths;

    wr_exchange_route_keys(x, keys, nkeys, headers, &r);
    wr_table_get(headers, "x-death", &deaths);
    for (size_t i = 0; i < r.n; i++) {
        if (d->reason != wr_dl_reasons[WR_DL_REJECTED] && wr_dl_cycle(deaths.v.s, r.qs[i]->name)) {
            wr_log(WR_LOG_WARN, "dead-letter cycle: message dropped instead of reaching queue '%s'",
                   r.qs[i]->name);
            continue;
        }
        wr_queue_push(r.qs[i], n);
    }
    wr_route_free(&r);
}

void
wr_deadletter(struct wr_queue *q, const struct wr_msg *m, enum wr_dl_reason reason)
{
    struct wr_dl d = {.q = q, .m = m, .reason = wr_dl_reasons[reason]};
    struct wr_exchange *x;
    struct wr_tbuf h;
    char err[200];

    if (!q->p.has_dlx)
        return;
    x = wr_vhost_exchange(q->vh, q->p.dlx, strlen(q->p.dlx));
    if (x == NULL || wr_props_decode(m->props, m->props_len, &d.props) < 0)
        return; /* a missing dead-letter exchange drops the message (D-01) */
    d.keys[d.nkeys++] = (struct wr_bytes){(const uint8_t *)m->rk, m->rk_len};
    wr_headers_keys(d.props.headers, "CC", d.keys, &d.nkeys, WR_MAX_ROUTE_KEYS, err, sizeof(err));
    wr_tbuf_init(&h);
    wr_dl_headers(&d, q->p.has_dlrk, &h);
    struct wr_props np = d.props;
    np.flags = (uint16_t)((np.flags | WR_P_HEADERS) & ~WR_P_EXPIRATION);
    np.headers = (struct wr_bytes){h.data, (uint32_t)h.len};
    struct wr_bytes dlrk = wr_bytes_str(q->p.dlrk);
    const struct wr_bytes *keys = q->p.has_dlrk ? &dlrk : d.keys;
    size_t nkeys = q->p.has_dlrk ? 1 : d.nkeys;
    struct wr_msg *n = wr_msg_with_props(m, &np, q->p.dlx, strlen(q->p.dlx), keys[0]);
    if (n != NULL) {
        wr_dl_route(&d, x, n, keys, nkeys, np.headers);
        wr_msg_unref(n);
    }
    wr_tbuf_free(&h);
}
