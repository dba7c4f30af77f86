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

static void
wr_tbuf_sarray(struct wr_tbuf *b, const char *key, const struct wr_bytes *vals, size_t n)
{
    struct wr_tbuf a;

    wr_tbuf_init(&a);
    for (size_t i = 0; i < n; i++)
        wr_tbuf_str(&a, NULL, vals[i].ptr, vals[i].len);
    wr_tbuf_nested(b, key, 'A', &a);
    wr_tbuf_free(&a);
}

/* A new x-death entry for this death: count, reason, queue, time, exchange, routing-keys. */
static void
wr_death_new(const struct wr_dl *d, struct wr_tbuf *e)
{
    struct wr_fvalue ts = {.type = 'T', .v.ts = (uint64_t)time(NULL)};

    wr_tbuf_long(e, "count", 1);
    wr_tbuf_str(e, "reason", d->reason, strlen(d->reason));
    wr_tbuf_str(e, "queue", d->q->name, strlen(d->q->name));
    wr_tbuf_key(e, "time");
    wr_tbuf_value(e, &ts);
    wr_tbuf_str(e, "exchange", d->m->exchange, d->m->exchange_len);
    wr_tbuf_sarray(e, "routing-keys", d->keys, d->nkeys);
    if (d->props.flags & WR_P_EXPIRATION)
        wr_tbuf_str(e, "original-expiration", d->props.expiration.ptr, d->props.expiration.len);
}

/* The same (queue, reason) entry counts up and moves to the front, keeping its first time,
 * exchange and routing keys. */
static void
wr_death_bump(struct wr_bytes old, struct wr_tbuf *e)
{
    struct wr_table_iter it;
    struct wr_bytes key;
    struct wr_fvalue v;
    char k[256];

    wr_table_iter_init(&it, old);
    while (wr_table_next(&it, &key, &v) > 0) {
        memcpy(k, key.ptr, key.len);
        k[key.len] = '\0';
        if (strcmp(k, "count") == 0 && wr_fvalue_is_int(&v)) {
            wr_tbuf_long(e, "count", v.v.i + 1);
            continue;
        }
        wr_tbuf_key(e, k);
        wr_tbuf_value(e, &v);
    }
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
        wr_death_new(d, &entry);
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

static void
wr_first_death(const struct wr_dl *d, const char *key, const void *val, size_t len,
               struct wr_tbuf *b)
{
    struct wr_fvalue v;

    if (!wr_table_get(d->props.headers, key, &v))
        wr_tbuf_str(b, key, val, len);
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
    static const char *const keep_cc[] = {"x-death", NULL};
    static const char *const drop_cc[] = {"x-death", "CC", NULL};
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
    wr_headers_copy_except(d.props.headers, q->p.has_dlrk ? drop_cc : keep_cc, &h);
    wr_death_array(&d, &h);
    wr_first_death(&d, "x-first-death-reason", d.reason, strlen(d.reason), &h);
    wr_first_death(&d, "x-first-death-queue", q->name, strlen(q->name), &h);
    wr_first_death(&d, "x-first-death-exchange", m->exchange, m->exchange_len, &h);
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
