/* SPDX-License-Identifier: MPL-2.0 */
/* Policy registry, validation of definitions (jansson) and application to queues and
 * exchanges. Texts follow rabbit_policies / rabbit_policy in RabbitMQ 3.10. */
#include "server/policy.h"

#include "server/broker.h"
#include "server/defs.h"
#include "server/exchange.h"
#include "server/hmap.h"
#include "server/log.h"
#include "server/mem.h"
#include "server/queue.h"
#include "server/regex.h"
#include "server/vhost.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

enum wr_apply {
    WR_APPLY_ALL,
    WR_APPLY_QUEUES,
    WR_APPLY_EXCHANGES,
    WR_APPLY_CLASSIC,
    WR_APPLY_QUORUM,
    WR_APPLY_STREAMS
};

/* Parsed definition values; -1 / NULL when the key is absent. */
struct wr_pvals {
    int64_t message_ttl, expires, max_length, max_length_bytes, delivery_limit;
    char *overflow, *dlx, *dlrk, *ae, *queue_mode;
};

struct wr_policy {
    TAILQ_ENTRY(wr_policy) link;
    bool op;
    char *vhost, *name, *pattern, *apply_to, *json;
    int priority;
    enum wr_apply apply;
    struct wr_regex *re;
    struct wr_pvals v;
};

struct wr_policies {
    TAILQ_HEAD(, wr_policy) list;
};

struct wr_policies *
wr_policies_new(void)
{
    struct wr_policies *ps = wr_xcalloc(1, sizeof(*ps));

    TAILQ_INIT(&ps->list);
    return ps;
}

static void
wr_policy_free(struct wr_policy *p)
{
    free(p->vhost);
    free(p->name);
    free(p->pattern);
    free(p->apply_to);
    free(p->json);
    free(p->v.overflow);
    free(p->v.dlx);
    free(p->v.dlrk);
    free(p->v.ae);
    free(p->v.queue_mode);
    wr_regex_free(p->re);
    free(p);
}

void
wr_policies_free(struct wr_policies *ps)
{
    struct wr_policy *p;

    if (ps == NULL)
        return;
    while ((p = TAILQ_FIRST(&ps->list)) != NULL) {
        TAILQ_REMOVE(&ps->list, p, link);
        wr_policy_free(p);
    }
    free(ps);
}

/* Erlang's rendering of a JSON value in validation texts: <<"text">>, 12, true, [...]. */
static void
wr_json_render(const json_t *v, char *buf, size_t cap)
{
    char *dump;

    if (json_is_string(v)) {
        snprintf(buf, cap, "<<\"%s\">>", json_string_value(v));
        return;
    }
    dump = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    snprintf(buf, cap, "%s", dump ? dump : "?");
    free(dump);
}

enum wr_pkind { WR_PK_NONNEG, WR_PK_POS, WR_PK_STR, WR_PK_ENUM, WR_PK_ANY };

struct wr_pkey {
    const char *key;
    enum wr_pkind kind;
    const char *const *choices; /* WR_PK_ENUM */
    const char *what;           /* "%s is not a valid <what>" */
    bool op_allowed;            /* operator policies take only these (PO-05) */
};

static const char *const wr_overflows[] = {"drop-head", "reject-publish", "reject-publish-dlx",
                                           NULL};
static const char *const wr_modes[] = {"default", "lazy", NULL};
static const char *const wr_locators[] = {"min-masters", "client-local", "random", NULL};
static const char *const wr_ha_modes[] = {"all", "exactly", "nodes", NULL};
static const char *const wr_ha_sync[] = {"manual", "automatic", NULL};
static const char *const wr_ha_promote[] = {"always", "when-synced", NULL};

static const struct wr_pkey wr_pkeys[] = {
        {"message-ttl", WR_PK_NONNEG, NULL, "message TTL", true},
        {"expires", WR_PK_POS, NULL, "queue expiry", true},
        {"max-length", WR_PK_NONNEG, NULL, "maximum length", true},
        {"max-length-bytes", WR_PK_NONNEG, NULL, "maximum length in bytes", true},
        {"max-in-memory-length", WR_PK_NONNEG, NULL, "maximum memory length", true},
        {"max-in-memory-bytes", WR_PK_NONNEG, NULL, "maximum memory in bytes", true},
        {"delivery-limit", WR_PK_NONNEG, NULL, "delivery limit", true},
        {"overflow", WR_PK_ENUM, wr_overflows, "overflow value", false},
        {"dead-letter-exchange", WR_PK_STR, NULL, "dead letter exchange name", false},
        {"dead-letter-routing-key", WR_PK_STR, NULL, "dead letter routing key", false},
        {"alternate-exchange", WR_PK_STR, NULL, "alternate exchange name", false},
        {"queue-mode", WR_PK_ENUM, wr_modes, "queue-mode value", false},
        {"queue-version", WR_PK_POS, NULL, "queue version", false},
        {"queue-master-locator", WR_PK_ENUM, wr_locators, "master locator", false},
        {"queue-leader-locator", WR_PK_STR, NULL, "leader locator", false},
        {"ha-mode", WR_PK_ENUM, wr_ha_modes, "ha-mode value", false},
        {"ha-params", WR_PK_ANY, NULL, "ha-params value", false},
        {"ha-sync-mode", WR_PK_ENUM, wr_ha_sync, "ha-sync-mode value", false},
        {"ha-sync-batch-size", WR_PK_POS, NULL, "ha-sync-batch-size value", false},
        {"ha-promote-on-shutdown", WR_PK_ENUM, wr_ha_promote, "ha-promote-on-shutdown value",
         false},
        {"ha-promote-on-failure", WR_PK_ENUM, wr_ha_promote, "ha-promote-on-failure value", false},
        {"dead-letter-strategy", WR_PK_STR, NULL, "dead letter strategy", false},
        {"max-age", WR_PK_STR, NULL, "max-age value", false},
        {"stream-max-segment-size-bytes", WR_PK_POS, NULL, "segment size", false},
        {"initial-cluster-size", WR_PK_POS, NULL, "initial cluster size", false},
        {"federation-upstream", WR_PK_STR, NULL, "federation upstream", false},
        {"federation-upstream-set", WR_PK_STR, NULL, "federation upstream set", false},
        {"federation-upstream-pattern", WR_PK_STR, NULL, "federation upstream pattern", false},
        {"shards-per-node", WR_PK_POS, NULL, "shards per node value", false},
        {"routing-key", WR_PK_STR, NULL, "routing key", false},
};

static const struct wr_pkey *
wr_pkey_find(const char *key, bool op)
{
    for (size_t i = 0; i < sizeof(wr_pkeys) / sizeof(wr_pkeys[0]); i++) {
        if (strcmp(wr_pkeys[i].key, key) == 0)
            return op && !wr_pkeys[i].op_allowed ? NULL : &wr_pkeys[i];
    }
    return NULL;
}

static bool
wr_pkey_valid(const struct wr_pkey *k, const json_t *v)
{
    switch (k->kind) {
    case WR_PK_NONNEG:
        return json_is_integer(v) && json_integer_value(v) >= 0;
    case WR_PK_POS:
        return json_is_integer(v) && json_integer_value(v) > 0;
    case WR_PK_STR:
        return json_is_string(v);
    case WR_PK_ENUM:
        for (const char *const *c = k->choices; json_is_string(v) && *c; c++) {
            if (strcmp(*c, json_string_value(v)) == 0)
                return true;
        }
        return false;
    case WR_PK_ANY:
        return true;
    }
    return false;
}

/* Unknown keys are reported together, as [{<<"k">>,v},...] (PO-01). */
static int
wr_def_unknown(json_t *def, bool op, char *err, size_t errcap)
{
    const char *key;
    json_t *v;
    char list[1024] = "", val[256];
    size_t n = 0;

    json_object_foreach(def, key, v)
    {
        if (wr_pkey_find(key, op) != NULL)
            continue;
        wr_json_render(v, val, sizeof(val));
        n += (size_t)snprintf(list + n, n < sizeof(list) ? sizeof(list) - n : 0,
                              "%s{<<\"%s\">>,%s}", n ? "," : "", key, val);
    }
    if (n == 0)
        return 0;
    snprintf(err, errcap, "[%s] are not recognised policy settings", list);
    return -1;
}

static char *
wr_json_strdup(const json_t *def, const char *key)
{
    const json_t *v = json_object_get(def, key);

    return json_is_string(v) ? wr_xstrdup(json_string_value(v)) : NULL;
}

static int64_t
wr_json_int(const json_t *def, const char *key)
{
    const json_t *v = json_object_get(def, key);

    return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

/* RabbitMQ stores and lists definitions compact with sorted keys. */
static char *
wr_def_normalise(const char *json)
{
    json_t *def = json_loads(json, 0, NULL);
    char *s = def ? json_dumps(def, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    char *out = wr_xstrdup(s ? s : json);

    free(s);
    json_decref(def);
    return out;
}

static int
wr_def_parse(const char *json, bool op, struct wr_pvals *out, char *err, size_t errcap)
{
    json_error_t jerr;
    json_t *def = json_loads(json, 0, &jerr), *v;
    const char *key;
    char val[256];
    int rc = -1;

    (void)jerr;
    if (def == NULL || !json_is_object(def)) {
        snprintf(err, errcap, "JSON decoding error. Reason: badarg");
        goto out;
    }
    if (json_object_size(def) == 0) {
        snprintf(err, errcap, "no policy provided");
        goto out;
    }
    if (wr_def_unknown(def, op, err, errcap) < 0)
        goto out;
    json_object_foreach(def, key, v)
    {
        const struct wr_pkey *k = wr_pkey_find(key, op);
        if (!wr_pkey_valid(k, v)) {
            wr_json_render(v, val, sizeof(val));
            snprintf(err, errcap, "%s is not a valid %s", val, k->what);
            goto out;
        }
    }
    *out = (struct wr_pvals){wr_json_int(def, "message-ttl"),
                             wr_json_int(def, "expires"),
                             wr_json_int(def, "max-length"),
                             wr_json_int(def, "max-length-bytes"),
                             wr_json_int(def, "delivery-limit"),
                             wr_json_strdup(def, "overflow"),
                             wr_json_strdup(def, "dead-letter-exchange"),
                             wr_json_strdup(def, "dead-letter-routing-key"),
                             wr_json_strdup(def, "alternate-exchange"),
                             wr_json_strdup(def, "queue-mode")};
    rc = 0;
out:
    json_decref(def);
    return rc;
}

static int
wr_apply_parse(const char *s, enum wr_apply *out, char *err, size_t errcap)
{
    static const char *const names[] = {"all",           "queues", "exchanges", "classic_queues",
                                        "quorum_queues", "streams"};

    for (int i = 0; i < 6; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (enum wr_apply)i;
            return 0;
        }
    }
    snprintf(err, errcap, "apply-to '%s' unrecognised; should be 'queues', 'exchanges' or 'all'",
             s);
    return -1;
}

static struct wr_policy *
wr_policy_find(struct wr_policies *ps, bool op, const char *vhost, const char *name)
{
    struct wr_policy *p;

    TAILQ_FOREACH(p, &ps->list, link) {
        if (p->op == op && strcmp(p->vhost, vhost) == 0 && strcmp(p->name, name) == 0)
            return p;
    }
    return NULL;
}

/* Re-evaluates every queue of the vhost: policies apply retroactively (PO-02). */
static void
wr_policy_refresh(struct wr_broker *b, const char *vhost)
{
    struct wr_vhost *vh = wr_broker_vhost(b, vhost, strlen(vhost));
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *val;

    if (vh == NULL)
        return;
    wr_hmap_iter_init(wr_vhost_queues(vh), &it);
    while (wr_hmap_next(&it, &key, &len, &val))
        wr_queue_refresh_params(val);
}

int
wr_policy_set(struct wr_broker *b, bool op, const char *vhost, const char *name,
              const char *pattern, const char *definition_json, int priority, const char *apply_to,
              char *err, size_t errcap)
{
    struct wr_policies *ps = wr_broker_policies(b);
    struct wr_policy *p = wr_xcalloc(1, sizeof(*p)), *old;
    char why[256];

    if (wr_broker_vhost(b, vhost, strlen(vhost)) == NULL) {
        snprintf(err, errcap, "Virtual host '%s' does not exist", vhost);
        goto fail;
    }
    if (wr_apply_parse(apply_to, &p->apply, err, errcap) < 0 ||
        wr_def_parse(definition_json, op, &p->v, err, errcap) < 0)
        goto fail;
    if ((p->re = wr_regex_new(pattern, why, sizeof(why))) == NULL) {
        snprintf(err, errcap, "pattern should be regular expression but is invalid: %s", why);
        goto fail;
    }
    p->op = op;
    p->vhost = wr_xstrdup(vhost);
    p->name = wr_xstrdup(name);
    p->pattern = wr_xstrdup(pattern);
    p->apply_to = wr_xstrdup(apply_to);
    p->json = wr_def_normalise(definition_json);
    p->priority = priority;
    if ((old = wr_policy_find(ps, op, vhost, name)) != NULL) {
        TAILQ_REMOVE(&ps->list, old, link);
        wr_policy_free(old);
    }
    TAILQ_INSERT_TAIL(&ps->list, p, link);
    wr_defs_policy(b, op, vhost, name, pattern, p->json, priority, apply_to, true);
    wr_policy_refresh(b, vhost);
    return 0;
fail:
    wr_policy_free(p);
    return -1;
}

int
wr_policy_clear(struct wr_broker *b, bool op, const char *vhost, const char *name, char *err,
                size_t errcap)
{
    struct wr_policies *ps = wr_broker_policies(b);
    struct wr_policy *p = wr_policy_find(ps, op, vhost, name);

    if (p == NULL) {
        snprintf(err, errcap, "Parameter does not exist");
        return -1;
    }
    TAILQ_REMOVE(&ps->list, p, link);
    wr_policy_free(p);
    wr_defs_policy(b, op, vhost, name, "", "", 0, "", false);
    wr_policy_refresh(b, vhost);
    return 0;
}

void
wr_policy_clear_vhost(struct wr_broker *b, const char *vhost)
{
    struct wr_policies *ps = wr_broker_policies(b);
    struct wr_policy *p, *next;

    for (p = TAILQ_FIRST(&ps->list); p != NULL; p = next) {
        next = TAILQ_NEXT(p, link);
        if (vhost == NULL || strcmp(p->vhost, vhost) == 0) {
            TAILQ_REMOVE(&ps->list, p, link);
            wr_policy_free(p);
        }
    }
}

void
wr_policy_foreach(struct wr_broker *b, bool op, const char *vhost, wr_policy_visit *cb, void *arg)
{
    struct wr_policy *p;

    TAILQ_FOREACH(p, &wr_broker_policies(b)->list, link) {
        if (p->op != op || (vhost != NULL && strcmp(p->vhost, vhost) != 0))
            continue;
        struct wr_policy_view v = {p->vhost,    p->name, p->pattern,
                                   p->apply_to, p->json, p->priority};
        cb(&v, arg);
    }
}

static bool
wr_policy_applies(const struct wr_policy *p, bool queue, enum wr_qtype t)
{
    switch (p->apply) {
    case WR_APPLY_ALL:
        return true;
    case WR_APPLY_QUEUES:
        return queue;
    case WR_APPLY_EXCHANGES:
        return !queue;
    case WR_APPLY_CLASSIC:
        return queue && t == WR_QT_CLASSIC;
    case WR_APPLY_QUORUM:
        return queue && t == WR_QT_QUORUM;
    case WR_APPLY_STREAMS:
        return queue && t == WR_QT_STREAM;
    }
    return false;
}

/* Exactly one policy applies: the matching one with the highest priority (PO-02). */
static const struct wr_policy *
wr_policy_match(struct wr_broker *b, bool op, const char *vhost, const char *name, size_t len,
                bool queue, enum wr_qtype t)
{
    const struct wr_policy *p, *best = NULL;

    TAILQ_FOREACH(p, &wr_broker_policies(b)->list, link) {
        if (p->op != op || strcmp(p->vhost, vhost) != 0 || !wr_policy_applies(p, queue, t))
            continue;
        if ((best == NULL || p->priority > best->priority) && wr_regex_match(p->re, name, len))
            best = p;
    }
    return best;
}

static const struct wr_policy *
wr_policy_for_queue(const struct wr_queue *q, bool op, const struct wr_qparams *args)
{
    struct wr_vhost *vh = wr_queue_vhost(q);

    return wr_policy_match(wr_vhost_broker(vh), op, wr_vhost_name(vh), wr_queue_name(q),
                           wr_queue_name_len(q), true, args->type);
}

const char *
wr_policy_of_queue(const struct wr_queue *q, bool op)
{
    const struct wr_policy *p = wr_policy_for_queue(q, op, wr_queue_params(q));

    return p ? p->name : NULL;
}

static void
wr_min_into(int64_t *cur, int64_t pol)
{
    if (pol >= 0 && (*cur < 0 || pol < *cur))
        *cur = pol;
}

static void
wr_str_into(bool *has, char *dst, size_t cap, const char *pol)
{
    if (!*has && pol != NULL) {
        snprintf(dst, cap, "%s", pol);
        *has = true;
    }
}

/* PO-04: the lower of policy and argument for the numeric limits; the argument wins for the
 * dead-letter settings and overflow. PO-05: an operator policy caps with min() on top. */
void
wr_policy_queue_params(const struct wr_queue *q, struct wr_qparams *p)
{
    const struct wr_policy *u = wr_policy_for_queue(q, false, p);
    const struct wr_policy *o = wr_policy_for_queue(q, true, p);
    const struct wr_policy *both[2] = {u, o};

    for (int i = 0; i < 2; i++) {
        if (both[i] == NULL)
            continue;
        wr_min_into(&p->message_ttl, both[i]->v.message_ttl);
        wr_min_into(&p->expires, both[i]->v.expires);
        wr_min_into(&p->max_length, both[i]->v.max_length);
        wr_min_into(&p->max_length_bytes, both[i]->v.max_length_bytes);
        wr_min_into(&p->delivery_limit, both[i]->v.delivery_limit);
    }
    if (u == NULL)
        return;
    wr_str_into(&p->has_dlx, p->dlx, sizeof(p->dlx), u->v.dlx);
    wr_str_into(&p->has_dlrk, p->dlrk, sizeof(p->dlrk), u->v.dlrk);
    if (!p->overflow_set && u->v.overflow != NULL)
        p->overflow = strcmp(u->v.overflow, "reject-publish") == 0       ? WR_OVF_REJECT_PUBLISH
                      : strcmp(u->v.overflow, "reject-publish-dlx") == 0 ? WR_OVF_REJECT_PUBLISH_DLX
                                                                         : WR_OVF_DROP_HEAD;
}

const char *
wr_policy_alternate(const struct wr_exchange *x)
{
    struct wr_vhost *vh = wr_exchange_vhost(x);
    const struct wr_policy *p =
            wr_policy_match(wr_vhost_broker(vh), false, wr_vhost_name(vh), wr_exchange_name(x),
                            wr_exchange_name_len(x), false, WR_QT_CLASSIC);

    return p ? p->v.ae : NULL;
}
