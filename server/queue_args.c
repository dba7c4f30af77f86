/* SPDX-License-Identifier: MPL-2.0 */
/* Validation texts follow RabbitMQ 3.10's rabbit_amqqueue: "invalid arg 'K' for queue 'Q' in
 * vhost 'V': <reason printed as an Erlang term>". */
#include "server/queue_args.h"

#include "amqp/table.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define WR_MAX_TTL 315360000000LL /* ten years in ms */

enum wr_arg_check {
    WR_A_EXPIRES,
    WR_A_TTL,
    WR_A_DLX,
    WR_A_DLRK,
    WR_A_NONNEG,
    WR_A_PRIORITY,
    WR_A_OVERFLOW,
    WR_A_MODE,
    WR_A_BOOL,
    WR_A_QTYPE,
    WR_A_VERSION,
    WR_A_LOCATOR,
    WR_A_ANY
};

static const struct {
    const char *key;
    enum wr_arg_check check;
    bool compared; /* part of the classic queue's equivalence check */
} wr_qargs[] = {
        {"x-expires", WR_A_EXPIRES, true},
        {"x-message-ttl", WR_A_TTL, true},
        {"x-dead-letter-exchange", WR_A_DLX, true},
        {"x-dead-letter-routing-key", WR_A_DLRK, true},
        {"x-max-length", WR_A_NONNEG, true},
        {"x-max-length-bytes", WR_A_NONNEG, true},
        {"x-max-in-memory-length", WR_A_NONNEG, false},
        {"x-max-in-memory-bytes", WR_A_NONNEG, false},
        {"x-max-priority", WR_A_PRIORITY, true},
        {"x-overflow", WR_A_OVERFLOW, true},
        {"x-queue-mode", WR_A_MODE, true},
        {"x-single-active-consumer", WR_A_BOOL, true},
        {"x-queue-type", WR_A_QTYPE, true},
        {"x-queue-version", WR_A_VERSION, true},
        {"x-queue-master-locator", WR_A_LOCATOR, true},
        {"x-delivery-limit", WR_A_NONNEG, false},
};

static bool
wr_str_in(const struct wr_fvalue *v, const char *const *set)
{
    for (; *set; set++) {
        if (wr_bytes_eq_str(v->v.s, *set))
            return true;
    }
    return false;
}

static int
wr_check_int(const struct wr_fvalue *v, char *why, size_t cap)
{
    if (wr_fvalue_is_int(v))
        return 0;
    snprintf(why, cap, "\"expected integer, got %s\"", wr_fvalue_type_name(v->type));
    return -1;
}

/* Fills why with the Erlang-printed reason; -2 means a type error with its own text (ERR-15). */
static int
wr_check_arg(enum wr_arg_check ck, const struct wr_fvalue *v, struct wr_bytes args, char *why,
             size_t cap)
{
    static const char *const overflow[] = {"drop-head", "reject-publish", "reject-publish-dlx",
                                           NULL};
    static const char *const modes[] = {"default", "lazy", NULL};
    static const char *const qtypes[] = {"classic", "quorum", "stream", NULL};
    static const char *const locators[] = {"min-masters", "client-local", "random", NULL};
    struct wr_fvalue dlx;

    switch (ck) {
    case WR_A_EXPIRES:
    case WR_A_TTL:
    case WR_A_NONNEG:
    case WR_A_PRIORITY:
        if (wr_check_int(v, why, cap) < 0)
            return -1;
        if (ck == WR_A_EXPIRES && v->v.i == 0)
            return snprintf(why, cap, "{value_zero,0}"), -1;
        if (v->v.i < 0)
            return snprintf(why, cap, "{value_negative,%lld}", (long long)v->v.i), -1;
        if ((ck == WR_A_EXPIRES || ck == WR_A_TTL) && v->v.i > WR_MAX_TTL)
            return snprintf(why, cap, "{value_too_large,%lld,%lld}", (long long)v->v.i, WR_MAX_TTL),
                   -1;
        if (ck == WR_A_PRIORITY && v->v.i > 255)
            return snprintf(why, cap, "{max_value_exceeded,%lld}", (long long)v->v.i), -1;
        return 0;
    case WR_A_DLX:
    case WR_A_DLRK:
        if (v->type != 'S' && ck == WR_A_DLX)
            return -2;
        if (v->type != 'S')
            return snprintf(why, cap, "{unacceptable_type,%s}", wr_fvalue_type_name(v->type)), -1;
        if (ck == WR_A_DLRK && !wr_table_get(args, "x-dead-letter-exchange", &dlx))
            return snprintf(why, cap, "routing_key_but_no_dlx_defined"), -1;
        return 0;
    case WR_A_OVERFLOW:
        if (v->type != 'S')
            return snprintf(why, cap, "{unacceptable_type,%s}", wr_fvalue_type_name(v->type)), -1;
        if (!wr_str_in(v, overflow))
            return snprintf(why, cap, "invalid_overflow"), -1;
        return 0;
    case WR_A_MODE:
    case WR_A_QTYPE:
    case WR_A_LOCATOR:
        if (v->type != 'S')
            return snprintf(why, cap, "{unacceptable_type,%s}", wr_fvalue_type_name(v->type)), -1;
        if (wr_str_in(v, ck == WR_A_MODE ? modes : ck == WR_A_QTYPE ? qtypes : locators))
            return 0;
        snprintf(why, cap, "\"unsupported queue %s '%.*s'\"",
                 ck == WR_A_MODE    ? "mode"
                 : ck == WR_A_QTYPE ? "type"
                                    : "master locator",
                 v->type == 'S' ? (int)v->v.s.len : 0,
                 v->type == 'S' ? (const char *)v->v.s.ptr : "");
        return -1;
    case WR_A_BOOL:
        if (v->type != 't')
            return snprintf(why, cap, "{unacceptable_type,%s}", wr_fvalue_type_name(v->type)), -1;
        return 0;
    case WR_A_VERSION:
        if (wr_check_int(v, why, cap) < 0)
            return -1;
        if (v->v.i != 1 && v->v.i != 2)
            return snprintf(why, cap, "\"unsupported queue version '%lld'\"", (long long)v->v.i),
                   -1;
        return 0;
    case WR_A_ANY:
        return 0;
    }
    return 0;
}

int
wr_queue_args_validate(struct wr_bytes args, const char *qname, const char *vhost, char *err,
                       size_t errcap)
{
    struct wr_fvalue v;
    char why[300];

    for (size_t i = 0; i < sizeof(wr_qargs) / sizeof(wr_qargs[0]); i++) {
        if (!wr_table_get(args, wr_qargs[i].key, &v))
            continue;
        int rc = wr_check_arg(wr_qargs[i].check, &v, args, why, sizeof(why));
        if (rc == -2) {
            snprintf(err, errcap, "invalid type '%s' for arg '%s' in queue '%s' in vhost '%s'",
                     wr_fvalue_type_name(v.type), wr_qargs[i].key, qname, vhost);
            return -1;
        }
        if (rc < 0) {
            snprintf(err, errcap, "invalid arg '%s' for queue '%s' in vhost '%s': %s",
                     wr_qargs[i].key, qname, vhost, why);
            return -1;
        }
    }
    return 0;
}

/* x-queue-type 'classic' is the same as no x-queue-type at all. */
static bool
wr_qarg_get(struct wr_bytes args, const char *key, struct wr_fvalue *v)
{
    if (!wr_table_get(args, key, v))
        return false;
    return !(strcmp(key, "x-queue-type") == 0 && v->type == 'S' &&
             wr_bytes_eq_str(v->v.s, "classic"));
}

static void
wr_qarg_render(bool present, const struct wr_fvalue *v, bool plain, char *buf, size_t cap)
{
    char val[200];

    if (!present) {
        snprintf(buf, cap, "none");
        return;
    }
    wr_fvalue_render(v, val, sizeof(val));
    if (plain)
        snprintf(buf, cap, "'%s'", val);
    else
        snprintf(buf, cap, "the value '%s' of type '%s'", val, wr_fvalue_type_name(v->type));
}

/* Queue types are compared as names, an absent type being 'classic'. */
static int
wr_qtype_inequivalent(const struct wr_fvalue *a, const struct wr_fvalue *b, const char *qname,
                      const char *vhost, char *err, size_t errcap)
{
    char ra[200] = "classic", rb[200] = "classic";

    if (a)
        wr_fvalue_render(a, ra, sizeof(ra));
    if (b)
        wr_fvalue_render(b, rb, sizeof(rb));
    snprintf(err, errcap,
             "inequivalent arg 'x-queue-type' for queue '%s' in vhost '%s': received '%s' but "
             "current is '%s'",
             qname, vhost, ra, rb);
    return -1;
}

int
wr_queue_args_equivalent(struct wr_bytes got, struct wr_bytes cur, const char *qname,
                         const char *vhost, char *err, size_t errcap)
{
    struct wr_fvalue a, b;
    char ra[256], rb[256];

    for (size_t i = 0; i < sizeof(wr_qargs) / sizeof(wr_qargs[0]); i++) {
        if (!wr_qargs[i].compared)
            continue;
        bool ha = wr_qarg_get(got, wr_qargs[i].key, &a);
        bool hb = wr_qarg_get(cur, wr_qargs[i].key, &b);
        if (!ha && !hb)
            continue;
        if (ha && hb && wr_fvalue_equal(&a, &b))
            continue;
        if (strcmp(wr_qargs[i].key, "x-queue-type") == 0)
            return wr_qtype_inequivalent(ha ? &a : NULL, hb ? &b : NULL, qname, vhost, err, errcap);
        bool plain = ha && hb; /* both present: bare values, whatever their types */
        wr_qarg_render(ha, &a, plain, ra, sizeof(ra));
        wr_qarg_render(hb, &b, plain, rb, sizeof(rb));
        snprintf(
                err, errcap,
                "inequivalent arg '%s' for queue '%s' in vhost '%s': received %s but current is %s",
                wr_qargs[i].key, qname, vhost, ra, rb);
        return -1;
    }
    return 0;
}

static int64_t
wr_arg_int(struct wr_bytes args, const char *key, int64_t def)
{
    struct wr_fvalue v;

    if (wr_table_get(args, key, &v) && wr_fvalue_is_int(&v))
        return v.v.i;
    return def;
}

static bool
wr_arg_str(struct wr_bytes args, const char *key, char *out, size_t cap)
{
    struct wr_fvalue v;

    if (!wr_table_get(args, key, &v) || v.type != 'S')
        return false;
    snprintf(out, cap, "%.*s", (int)v.v.s.len, (const char *)v.v.s.ptr);
    return true;
}

void
wr_qparams_from_args(struct wr_qparams *p, struct wr_bytes args)
{
    char buf[64];
    struct wr_fvalue v;

    memset(p, 0, sizeof(*p));
    p->message_ttl = wr_arg_int(args, "x-message-ttl", -1);
    p->expires = wr_arg_int(args, "x-expires", -1);
    p->max_length = wr_arg_int(args, "x-max-length", -1);
    p->max_length_bytes = wr_arg_int(args, "x-max-length-bytes", -1);
    p->delivery_limit = wr_arg_int(args, "x-delivery-limit", -1);
    p->has_dlx = wr_arg_str(args, "x-dead-letter-exchange", p->dlx, sizeof(p->dlx));
    p->has_dlrk = wr_arg_str(args, "x-dead-letter-routing-key", p->dlrk, sizeof(p->dlrk));
    p->overflow_set = wr_arg_str(args, "x-overflow", buf, sizeof(buf));
    if (p->overflow_set)
        p->overflow = strcmp(buf, "reject-publish") == 0       ? WR_OVF_REJECT_PUBLISH
                      : strcmp(buf, "reject-publish-dlx") == 0 ? WR_OVF_REJECT_PUBLISH_DLX
                                                               : WR_OVF_DROP_HEAD;
    if (wr_arg_str(args, "x-queue-type", buf, sizeof(buf)))
        p->type = strcmp(buf, "quorum") == 0   ? WR_QT_QUORUM
                  : strcmp(buf, "stream") == 0 ? WR_QT_STREAM
                                               : WR_QT_CLASSIC;
    int64_t prio = wr_arg_int(args, "x-max-priority", -1);
    p->priority = prio > 0;
    p->max_priority = prio > 0 ? (uint8_t)(prio > 255 ? 255 : prio) : 0;
    p->single_active = wr_table_get(args, "x-single-active-consumer", &v) && v.type == 't' && v.v.b;
}

static const char *const wr_quorum_invalid[] = {"x-max-priority", "x-queue-mode",
                                                "x-queue-master-locator", "x-queue-version", NULL};
static const char *const wr_stream_invalid[] = {"x-max-priority",
                                                "x-queue-mode",
                                                "x-queue-master-locator",
                                                "x-queue-version",
                                                "x-dead-letter-exchange",
                                                "x-dead-letter-routing-key",
                                                "x-max-length",
                                                "x-overflow",
                                                "x-message-ttl",
                                                "x-single-active-consumer",
                                                "x-delivery-limit",
                                                "x-expires",
                                                NULL};

/* ERR-29: quorum and stream queues are durable, shared, client-named, with their own args. */
int
wr_queue_type_check(struct wr_bytes args, bool durable, bool exclusive, bool auto_delete,
                    bool server_named, const char *qname, const char *vhost, char *err,
                    size_t errcap)
{
    struct wr_qparams p;
    struct wr_fvalue v;
    const char *tname;
    const char *const *invalid;

    wr_qparams_from_args(&p, args);
    if (p.type == WR_QT_CLASSIC)
        return 0;
    tname = p.type == WR_QT_QUORUM ? "rabbit_quorum_queue" : "rabbit_stream_queue";
    invalid = p.type == WR_QT_QUORUM ? wr_quorum_invalid : wr_stream_invalid;
    if (server_named) {
        snprintf(err, errcap, "Cannot declare a server-named queue for type %s", tname);
        return -1;
    }
    for (; *invalid; invalid++) {
        if (wr_table_get(args, *invalid, &v)) {
            snprintf(err, errcap, "invalid arg '%s' for queue '%s' in vhost '%s' of queue type %s",
                     *invalid, qname, vhost, tname);
            return -1;
        }
    }
    const char *prop = auto_delete ? "auto-delete"
                       : exclusive ? "exclusive-owner"
                       : !durable  ? "non-durable"
                                   : NULL;
    if (prop == NULL)
        return 0;
    snprintf(err, errcap, "invalid property '%s' for queue '%s' in vhost '%s'", prop, qname, vhost);
    return -1;
}
