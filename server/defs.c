/* SPDX-License-Identifier: MPL-2.0 */
/* Encoding, logging and replay of durable definitions. The snapshot is the same commands,
 * one per durable object, so one apply function serves the log and the snapshot. */
#include "server/defs.h"

#include "server/admin.h"
#include "server/broker.h"
#include "server/exchange.h"
#include "server/gparam.h"
#include "server/hmap.h"
#include "server/log.h"
#include "server/mem.h"
#include "server/policy.h"
#include "server/queue.h"
#include "server/settings.h"
#include "server/user.h"
#include "server/vhost.h"
#include "store/meta.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum wr_def_op {
    WR_DEF_XDECLARE = 1,
    WR_DEF_XDELETE,
    WR_DEF_QDECLARE,
    WR_DEF_QDELETE,
    WR_DEF_BIND,
    WR_DEF_UNBIND,
    WR_DEF_VHOST_ADD,
    WR_DEF_VHOST_DEL,
    WR_DEF_USER_PUT,
    WR_DEF_USER_DEL,
    WR_DEF_PERM_SET,
    WR_DEF_PERM_DEL,
    WR_DEF_POLICY_SET,
    WR_DEF_POLICY_DEL,
    WR_DEF_LIMITS,
    WR_DEF_TOPIC_SET,
    WR_DEF_TOPIC_DEL,
    WR_DEF_VHOST_META,
    WR_DEF_GPARAM
};
#define WR_DEF_VERSION 1

struct wr_defs {
    struct wr_broker *b;
    struct wr_meta *meta;
    bool recording; /* off while replaying and once shutting down */
};

static struct wr_defs *
wr_defs_of_vhost(struct wr_vhost *vh)
{
    return wr_broker_defs(wr_vhost_broker(vh));
}

static void
wr_defs_log(enum wr_store_log_level level, const char *line, void *arg)
{
    wr_log((enum wr_log_level)level, "metadata: %s", line);
}

static void
wr_rec_head(struct wr_meta_rec *r, enum wr_def_op op, struct wr_vhost *vh)
{
    wr_meta_rec_put_u8(r, (uint8_t)op);
    wr_meta_rec_put_u8(r, WR_DEF_VERSION);
    wr_meta_rec_put_str(r, wr_vhost_name(vh));
}

static void
wr_rec_exchange(struct wr_meta_rec *r, struct wr_exchange *x)
{
    const struct wr_exchange_opts *o = wr_exchange_opts(x);

    wr_rec_head(r, WR_DEF_XDECLARE, wr_exchange_vhost(x));
    wr_meta_rec_put_str(r, wr_exchange_name(x));
    wr_meta_rec_put_u8(r, (uint8_t)o->type);
    wr_meta_rec_put_u8(r, (uint8_t)(o->auto_delete | o->internal << 1));
    wr_meta_rec_put_bytes(r, o->args.ptr, o->args.len);
}

static void
wr_rec_queue(struct wr_meta_rec *r, struct wr_queue *q)
{
    const struct wr_queue_opts *o = wr_queue_opts(q);

    wr_rec_head(r, WR_DEF_QDECLARE, wr_queue_vhost(q));
    wr_meta_rec_put_str(r, wr_queue_name(q));
    wr_meta_rec_put_u64(r, o->qid);
    wr_meta_rec_put_u8(r, o->auto_delete);
    wr_meta_rec_put_bytes(r, o->args.ptr, o->args.len);
}

static void
wr_rec_binding(struct wr_meta_rec *r, bool add, struct wr_exchange *src, struct wr_queue *q,
               struct wr_exchange *xdest, struct wr_bytes key, struct wr_bytes args)
{
    wr_rec_head(r, add ? WR_DEF_BIND : WR_DEF_UNBIND, wr_exchange_vhost(src));
    wr_meta_rec_put_str(r, wr_exchange_name(src));
    wr_meta_rec_put_u8(r, q != NULL);
    wr_meta_rec_put_str(r, q ? wr_queue_name(q) : wr_exchange_name(xdest));
    wr_meta_rec_put_bytes(r, key.ptr, key.len);
    wr_meta_rec_put_bytes(r, args.ptr, args.len);
}

static void wr_defs_maybe_snapshot(struct wr_defs *d);

/* Appends one record; a durable-log failure is fatal for durability, so it is logged loudly. */
static void
wr_defs_append(struct wr_defs *d, struct wr_meta_rec *r)
{
    int rc = wr_meta_rec_error(r);

    if (rc == 0)
        rc = wr_meta_append(d->meta, r->buf, r->len);
    if (rc < 0)
        wr_log(WR_LOG_ERROR, "cannot record a definition change: %s", strerror(-rc));
    wr_meta_rec_fini(r);
    if (rc >= 0)
        wr_defs_maybe_snapshot(d);
}

static bool
wr_defs_on(struct wr_defs *d)
{
    return d != NULL && d->recording;
}

void
wr_defs_exchange_declared(struct wr_exchange *x)
{
    struct wr_defs *d = wr_defs_of_vhost(wr_exchange_vhost(x));
    struct wr_meta_rec r;

    if (!wr_defs_on(d) || !wr_exchange_opts(x)->durable || wr_exchange_is_default(x))
        return;
    wr_meta_rec_init(&r);
    wr_rec_exchange(&r, x);
    wr_defs_append(d, &r);
}

void
wr_defs_exchange_deleted(struct wr_exchange *x)
{
    struct wr_defs *d = wr_defs_of_vhost(wr_exchange_vhost(x));
    struct wr_meta_rec r;

    if (!wr_defs_on(d) || !wr_exchange_opts(x)->durable)
        return;
    wr_meta_rec_init(&r);
    wr_rec_head(&r, WR_DEF_XDELETE, wr_exchange_vhost(x));
    wr_meta_rec_put_str(&r, wr_exchange_name(x));
    wr_defs_append(d, &r);
}

void
wr_defs_queue_declared(struct wr_queue *q)
{
    struct wr_defs *d = wr_defs_of_vhost(wr_queue_vhost(q));
    struct wr_meta_rec r;

    if (!wr_defs_on(d) || !wr_queue_opts(q)->durable)
        return;
    wr_meta_rec_init(&r);
    wr_rec_queue(&r, q);
    wr_defs_append(d, &r);
}

void
wr_defs_queue_deleted(struct wr_queue *q)
{
    struct wr_defs *d = wr_defs_of_vhost(wr_queue_vhost(q));
    struct wr_meta_rec r;

    if (!wr_defs_on(d) || !wr_queue_opts(q)->durable)
        return;
    wr_meta_rec_init(&r);
    wr_rec_head(&r, WR_DEF_QDELETE, wr_queue_vhost(q));
    wr_meta_rec_put_str(&r, wr_queue_name(q));
    wr_defs_append(d, &r);
}

/* A binding is durable when both ends are. */
void
wr_defs_binding(struct wr_exchange *src, struct wr_queue *q, struct wr_exchange *xdest,
                struct wr_bytes key, struct wr_bytes args, bool added)
{
    struct wr_defs *d = wr_defs_of_vhost(wr_exchange_vhost(src));
    struct wr_meta_rec r;
    bool dest_durable = q ? wr_queue_opts(q)->durable : wr_exchange_opts(xdest)->durable;

    if (!wr_defs_on(d) || !wr_exchange_opts(src)->durable || !dest_durable)
        return;
    wr_meta_rec_init(&r);
    wr_rec_binding(&r, added, src, q, xdest, key, args);
    wr_defs_append(d, &r);
}

struct wr_def_fields {
    uint8_t op, ver, type, flags, isq;
    char vhost[256], name[256], dest[256];
    uint64_t qid;
    struct wr_bytes key, args;
};

static int
wr_def_read_tail(struct wr_meta_rd *rd, struct wr_def_fields *f)
{
    const void *p = NULL;
    size_t n = 0;

    switch (f->op) {
    case WR_DEF_XDECLARE:
        wr_meta_rd_u8(rd, &f->type);
        wr_meta_rd_u8(rd, &f->flags);
        break;
    case WR_DEF_QDECLARE:
        wr_meta_rd_u64(rd, &f->qid);
        wr_meta_rd_u8(rd, &f->flags);
        break;
    case WR_DEF_BIND:
    case WR_DEF_UNBIND:
        wr_meta_rd_u8(rd, &f->isq);
        wr_meta_rd_str(rd, f->dest, sizeof(f->dest));
        wr_meta_rd_bytes(rd, &p, &n);
        f->key = (struct wr_bytes){p, (uint32_t)n};
        break;
    default:
        break;
    }
    if (f->op == WR_DEF_XDECLARE || f->op == WR_DEF_QDECLARE || f->op == WR_DEF_BIND ||
        f->op == WR_DEF_UNBIND) {
        wr_meta_rd_bytes(rd, &p, &n);
        f->args = (struct wr_bytes){p, (uint32_t)n};
    }
    return wr_meta_rd_end(rd);
}

static int
wr_def_read(const void *cmd, size_t len, struct wr_def_fields *f)
{
    struct wr_meta_rd rd;

    memset(f, 0, sizeof(*f));
    wr_meta_rd_init(&rd, cmd, len);
    wr_meta_rd_u8(&rd, &f->op);
    wr_meta_rd_u8(&rd, &f->ver);
    wr_meta_rd_str(&rd, f->vhost, sizeof(f->vhost));
    wr_meta_rd_str(&rd, f->name, sizeof(f->name));
    if (rd.err != 0 || f->ver != WR_DEF_VERSION || f->op < WR_DEF_XDECLARE || f->op > WR_DEF_UNBIND)
        return -1;
    return wr_def_read_tail(&rd, f);
}

static void
wr_def_apply_binding(struct wr_vhost *vh, const struct wr_def_fields *f)
{
    struct wr_exchange *src = wr_vhost_exchange(vh, f->name, strlen(f->name));
    struct wr_queue *q = f->isq ? wr_vhost_queue(vh, f->dest, strlen(f->dest)) : NULL;
    struct wr_exchange *xd = f->isq ? NULL : wr_vhost_exchange(vh, f->dest, strlen(f->dest));
    char err[300];

    if (src == NULL || (q == NULL && xd == NULL))
        return; /* an end went later in the log; the binding went with it */
    if (f->op == WR_DEF_BIND)
        wr_binding_add(src, q, xd, f->key, f->args, err, sizeof(err));
    else
        wr_binding_remove(src, q, xd, f->key, f->args);
}

static void
wr_def_apply_fields(struct wr_vhost *vh, const struct wr_def_fields *f)
{
    struct wr_exchange *x = wr_vhost_exchange(vh, f->name, strlen(f->name));
    struct wr_queue *q = wr_vhost_queue(vh, f->name, strlen(f->name));

    switch (f->op) {
    case WR_DEF_XDECLARE:
        if (x == NULL && f->type <= WR_X_HEADERS) {
            struct wr_exchange_opts o = {.type = (enum wr_xtype)f->type,
                                         .durable = true,
                                         .auto_delete = f->flags & 1,
                                         .internal = (f->flags >> 1) & 1,
                                         .args = f->args};
            wr_exchange_new(vh, f->name, strlen(f->name), &o);
        }
        break;
    case WR_DEF_XDELETE:
        if (x != NULL)
            wr_exchange_delete(x);
        break;
    case WR_DEF_QDECLARE:
        if (q == NULL) {
            struct wr_queue_opts o = {
                    .durable = true, .auto_delete = f->flags & 1, .qid = f->qid, .args = f->args};
            wr_queue_new(vh, f->name, strlen(f->name), &o);
        }
        break;
    case WR_DEF_QDELETE:
        if (q != NULL)
            wr_queue_delete(q, false);
        break;
    default:
        wr_def_apply_binding(vh, f);
    }
}

/* Live changes have happened already when they are logged; replay performs them. */
static void wr_def_apply_admin(struct wr_defs *d, const void *cmd, size_t len, uint8_t op);
static void wr_def_apply_policy(struct wr_defs *d, const void *cmd, size_t len);
static void wr_def_apply_limits(struct wr_defs *d, const void *cmd, size_t len);
static void wr_def_apply_topic(struct wr_defs *d, const void *cmd, size_t len);
static void wr_def_apply_vhost_meta(struct wr_defs *d, const void *cmd, size_t len);
static void wr_def_apply_gparam(struct wr_defs *d, const void *cmd, size_t len);

static int
wr_def_apply(const void *cmd, size_t len, void *arg)
{
    struct wr_defs *d = arg;
    struct wr_def_fields f;
    struct wr_vhost *vh;

    if (d->recording)
        return 0;
    if (len > 0 && ((const uint8_t *)cmd)[0] == WR_DEF_VHOST_META) {
        wr_def_apply_vhost_meta(d, cmd, len);
        return 0;
    }
    if (len > 0 && ((const uint8_t *)cmd)[0] == WR_DEF_GPARAM) {
        wr_def_apply_gparam(d, cmd, len);
        return 0;
    }
    if (len > 0 && ((const uint8_t *)cmd)[0] >= WR_DEF_TOPIC_SET) {
        wr_def_apply_topic(d, cmd, len);
        return 0;
    }
    if (len > 0 && ((const uint8_t *)cmd)[0] == WR_DEF_LIMITS) {
        wr_def_apply_limits(d, cmd, len);
        return 0;
    }
    if (len > 0 && ((const uint8_t *)cmd)[0] >= WR_DEF_POLICY_SET) {
        wr_def_apply_policy(d, cmd, len);
        return 0;
    }
    if (len > 0 && ((const uint8_t *)cmd)[0] >= WR_DEF_VHOST_ADD) {
        wr_def_apply_admin(d, cmd, len, ((const uint8_t *)cmd)[0]);
        return 0;
    }
    if (wr_def_read(cmd, len, &f) < 0)
        return -1;
    vh = wr_broker_vhost(d->b, f.vhost, strlen(f.vhost));
    if (vh == NULL)
        return -1;
    wr_def_apply_fields(vh, &f);
    return 0;
}

/* A snapshot is the list of commands that recreate every durable object: u32 length + bytes. */
static int
wr_def_restore(const void *state, size_t len, void *arg)
{
    struct wr_meta_rd rd;
    const void *cmd;
    size_t n;

    wr_admin_clear_all(((struct wr_defs *)arg)->b);
    wr_meta_rd_init(&rd, state, len);
    while (wr_meta_rd_left(&rd) > 0) {
        if (wr_meta_rd_bytes(&rd, &cmd, &n) < 0)
            return -1;
        wr_def_apply(cmd, n, arg);
    }
    return 0;
}

struct wr_snap {
    struct wr_meta_rec out, one;
};

static void
wr_snap_take(struct wr_snap *s)
{
    wr_meta_rec_put_bytes(&s->out, s->one.buf, s->one.len);
    wr_meta_rec_reset(&s->one);
}

static void
wr_snap_binding(struct wr_exchange *src, struct wr_queue *q, struct wr_exchange *xdest,
                struct wr_bytes key, struct wr_bytes args, void *arg)
{
    struct wr_snap *s = arg;
    bool dest_durable = q ? wr_queue_opts(q)->durable : wr_exchange_opts(xdest)->durable;

    if (!dest_durable)
        return;
    wr_rec_binding(&s->one, true, src, q, xdest, key, args);
    wr_snap_take(s);
}

static bool
wr_snap_wanted(struct wr_exchange *x)
{
    const char *n = wr_exchange_name(x);

    /* the predeclared exchanges come with every vhost */
    return wr_exchange_opts(x)->durable && !wr_exchange_is_default(x) && strncmp(n, "amq.", 4) != 0;
}

static void
wr_snap_vhost(struct wr_snap *s, struct wr_vhost *vh)
{
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *val;

    wr_hmap_iter_init(wr_vhost_exchanges(vh), &it);
    while (wr_hmap_next(&it, &key, &len, &val)) {
        if (wr_snap_wanted(val)) {
            wr_rec_exchange(&s->one, val);
            wr_snap_take(s);
        }
    }
    wr_hmap_iter_init(wr_vhost_queues(vh), &it);
    while (wr_hmap_next(&it, &key, &len, &val)) {
        if (wr_queue_opts(val)->durable) {
            wr_rec_queue(&s->one, val);
            wr_snap_take(s);
        }
    }
    wr_hmap_iter_init(wr_vhost_exchanges(vh), &it);
    while (wr_hmap_next(&it, &key, &len, &val)) {
        if (wr_exchange_opts(val)->durable)
            wr_exchange_foreach_binding(val, wr_snap_binding, s);
    }
}

static void wr_rec_admin(struct wr_meta_rec *r, enum wr_def_op op, const char *vhost,
                         const char *name);
static void wr_rec_user(struct wr_meta_rec *r, const struct wr_user *u);
static void wr_rec_perm(struct wr_meta_rec *r, const char *user, const struct wr_perm *p);
static void wr_rec_vhost_meta(struct wr_meta_rec *r, const char *name, const char *description,
                              const char *tags);
static void wr_rec_gparam(struct wr_meta_rec *r, const char *name, const char *value_json);

static void
wr_snap_gparam(const char *name, const char *value_json, void *arg)
{
    struct wr_snap *s = arg;

    wr_rec_gparam(&s->one, name, value_json);
    wr_snap_take(s);
}

/* Vhosts first, then users with their permissions: what the objects after them need. */
static void
wr_snap_admin(struct wr_snap *s, struct wr_broker *b)
{
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *val;

    wr_hmap_iter_init(wr_broker_vhosts(b), &it);
    while (wr_hmap_next(&it, &key, &len, &val)) {
        wr_rec_admin(&s->one, WR_DEF_VHOST_ADD, key, "");
        wr_snap_take(s);
        if (*wr_vhost_description(val) != '\0' || *wr_vhost_tags(val) != '\0') {
            wr_rec_vhost_meta(&s->one, key, wr_vhost_description(val), wr_vhost_tags(val));
            wr_snap_take(s);
        }
    }
    wr_gparam_foreach(b, wr_snap_gparam, s);
    wr_hmap_iter_init(wr_broker_users(b), &it);
    while (wr_hmap_next(&it, &key, &len, &val)) {
        wr_rec_user(&s->one, val);
        wr_snap_take(s);
        for (size_t i = 0; i < wr_user_nperms(val); i++) {
            wr_rec_perm(&s->one, wr_user_name(val), wr_user_perm_at(val, i));
            wr_snap_take(s);
        }
    }
}

static void wr_snap_policies(struct wr_snap *s, struct wr_broker *b);
static void wr_snap_limits(struct wr_snap *s, struct wr_broker *b);
static void wr_snap_topics(struct wr_snap *s, struct wr_broker *b);

static void
wr_defs_snapshot(struct wr_defs *d)
{
    struct wr_snap s;
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *val;
    int rc;

    wr_meta_rec_init(&s.out);
    wr_meta_rec_init(&s.one);
    wr_snap_admin(&s, d->b);
    wr_snap_policies(&s, d->b);
    wr_snap_limits(&s, d->b);
    wr_snap_topics(&s, d->b);
    wr_hmap_iter_init(wr_broker_vhosts(d->b), &it);
    while (wr_hmap_next(&it, &key, &len, &val))
        wr_snap_vhost(&s, val);
    rc = wr_meta_rec_error(&s.out);
    if (rc == 0)
        rc = wr_meta_snapshot(d->meta, s.out.buf ? s.out.buf : (const uint8_t *)"", s.out.len);
    if (rc < 0)
        wr_log(WR_LOG_WARN, "metadata snapshot failed: %s", strerror(-rc));
    wr_meta_rec_fini(&s.out);
    wr_meta_rec_fini(&s.one);
}

static void
wr_defs_maybe_snapshot(struct wr_defs *d)
{
    if (wr_meta_should_snapshot(d->meta))
        wr_defs_snapshot(d);
}

struct wr_defs *
wr_defs_open(struct wr_broker *b, const char *data_dir)
{
    struct wr_defs *d = wr_xcalloc(1, sizeof(*d));
    struct wr_meta_opts o = {.log = wr_defs_log,
                             .snapshot_records = wr_broker_config(b)->meta_snapshot_records};
    struct wr_meta_fsm fsm = {wr_def_restore, wr_def_apply, d};
    char err[512];

    const char *type = wr_broker_config(b)->node_type;
    enum wr_meta_kind kind;

    /* a ram node keeps definitions in memory only: a cluster peer supplies them (design 5) */
    if (strcmp(type, "ram") == 0) {
        kind = WR_META_RAM;
    } else if (strcmp(type, "disc") == 0 || strcmp(type, "disk") == 0) {
        kind = WR_META_DISK;
    } else {
        wr_log(WR_LOG_ERROR, "cluster_formation.node_type must be disc or ram, not '%s'", type);
        free(d);
        return NULL;
    }
    d->b = b;
    d->meta = wr_meta_open(data_dir, kind, &o, err, sizeof(err));
    if (d->meta == NULL) {
        wr_log(WR_LOG_ERROR, "cannot open the metadata log: %s", err);
        free(d);
        return NULL;
    }
    if (wr_meta_recover(d->meta, &fsm) < 0) {
        wr_log(WR_LOG_ERROR, "cannot recover the metadata log in %s", data_dir);
        wr_defs_close(d);
        return NULL;
    }
    d->recording = true;
    wr_defs_maybe_snapshot(d);
    return d;
}

void
wr_defs_quiesce(struct wr_defs *d)
{
    if (d != NULL)
        d->recording = false;
}

void
wr_defs_close(struct wr_defs *d)
{
    if (d == NULL)
        return;
    wr_meta_close(d->meta);
    free(d);
}

/* ---- vhosts, users, permissions ------------------------------------------------------------
 * Same record head (op, version, vhost, name); users carry salt+hash and tags, permissions the
 * three regular expressions. */

static void
wr_rec_admin(struct wr_meta_rec *r, enum wr_def_op op, const char *vhost, const char *name)
{
    wr_meta_rec_put_u8(r, (uint8_t)op);
    wr_meta_rec_put_u8(r, WR_DEF_VERSION);
    wr_meta_rec_put_str(r, vhost);
    wr_meta_rec_put_str(r, name);
}

/* Reads what wr_rec_admin wrote and positions rd on the rest of the record; returns the op.
 * Errors surface at wr_meta_rd_end. */
static uint8_t
wr_rd_admin(struct wr_meta_rd *rd, const void *cmd, size_t len, char vhost[256], char name[256])
{
    uint8_t op = 0, version;

    wr_meta_rd_init(rd, cmd, len);
    wr_meta_rd_u8(rd, &op);
    wr_meta_rd_u8(rd, &version);
    wr_meta_rd_str(rd, vhost, 256);
    wr_meta_rd_str(rd, name, 256);
    return op;
}

static void
wr_rec_user(struct wr_meta_rec *r, const struct wr_user *u)
{
    uint8_t sh[WR_USER_SALT_LEN + WR_USER_HASH_LEN];
    bool has = wr_user_get_hash(u, sh, sh + WR_USER_SALT_LEN);

    wr_rec_admin(r, WR_DEF_USER_PUT, "", wr_user_name(u));
    wr_meta_rec_put_bytes(r, sh, has ? sizeof(sh) : 0);
    wr_meta_rec_put_str(r, wr_user_tags(u));
}

static void
wr_rec_perm(struct wr_meta_rec *r, const char *user, const struct wr_perm *p)
{
    wr_rec_admin(r, WR_DEF_PERM_SET, p->vhost, user);
    wr_meta_rec_put_str(r, p->configure);
    wr_meta_rec_put_str(r, p->write);
    wr_meta_rec_put_str(r, p->read);
}

static void
wr_defs_admin_append(struct wr_broker *b, struct wr_meta_rec *r)
{
    struct wr_defs *d = wr_broker_defs(b);

    if (wr_defs_on(d))
        wr_defs_append(d, r);
    else
        wr_meta_rec_fini(r);
}

void
wr_defs_vhost(struct wr_broker *b, const char *name, bool added)
{
    struct wr_meta_rec r;

    wr_meta_rec_init(&r);
    wr_rec_admin(&r, added ? WR_DEF_VHOST_ADD : WR_DEF_VHOST_DEL, name, "");
    wr_defs_admin_append(b, &r);
}

/* Vhost metadata: head (vhost, ""), then description and tags as byte strings. */
static void
wr_rec_vhost_meta(struct wr_meta_rec *r, const char *name, const char *description,
                  const char *tags)
{
    wr_rec_admin(r, WR_DEF_VHOST_META, name, "");
    wr_meta_rec_put_bytes(r, description, strlen(description));
    wr_meta_rec_put_bytes(r, tags, strlen(tags));
}

void
wr_defs_vhost_metadata(struct wr_broker *b, const char *name, const char *description,
                       const char *tags)
{
    struct wr_meta_rec r;

    wr_meta_rec_init(&r);
    wr_rec_vhost_meta(&r, name, description, tags);
    wr_defs_admin_append(b, &r);
}

static void
wr_def_apply_vhost_meta(struct wr_defs *d, const void *cmd, size_t len)
{
    struct wr_meta_rd rd;
    char vhost[256], name[256], *desc, *tags, err[300];
    const void *dp = NULL, *tp = NULL;
    size_t dn = 0, tn = 0;

    wr_rd_admin(&rd, cmd, len, vhost, name);
    wr_meta_rd_bytes(&rd, &dp, &dn);
    wr_meta_rd_bytes(&rd, &tp, &tn);
    if (wr_meta_rd_end(&rd) < 0)
        return;
    desc = wr_xstrndup(dp, dn);
    tags = wr_xstrndup(tp, tn);
    wr_admin_set_vhost_metadata(d->b, vhost, desc, tags, err, sizeof(err));
    free(desc);
    free(tags);
}

/* Global parameter: head ("", name), then 1 and the JSON text, or 0 for cleared. */
static void
wr_rec_gparam(struct wr_meta_rec *r, const char *name, const char *value_json)
{
    wr_rec_admin(r, WR_DEF_GPARAM, "", name);
    wr_meta_rec_put_u8(r, value_json != NULL);
    if (value_json != NULL)
        wr_meta_rec_put_bytes(r, value_json, strlen(value_json));
}

void
wr_defs_gparam(struct wr_broker *b, const char *name, const char *value_json)
{
    struct wr_meta_rec r;

    wr_meta_rec_init(&r);
    wr_rec_gparam(&r, name, value_json);
    wr_defs_admin_append(b, &r);
}

static void
wr_def_apply_gparam(struct wr_defs *d, const void *cmd, size_t len)
{
    struct wr_meta_rd rd;
    uint8_t set = 0;
    char vhost[256], name[256], *value, err[300];
    const void *p = NULL;
    size_t n = 0;

    wr_rd_admin(&rd, cmd, len, vhost, name);
    wr_meta_rd_u8(&rd, &set);
    if (set)
        wr_meta_rd_bytes(&rd, &p, &n);
    if (wr_meta_rd_end(&rd) < 0)
        return;
    if (!set) {
        wr_gparam_clear(d->b, name, err, sizeof(err));
        return;
    }
    value = wr_xstrndup(p, n);
    wr_gparam_set(d->b, name, value, err, sizeof(err));
    free(value);
}

void
wr_defs_user(struct wr_broker *b, const struct wr_user *u)
{
    struct wr_meta_rec r;

    wr_meta_rec_init(&r);
    wr_rec_user(&r, u);
    wr_defs_admin_append(b, &r);
}

void
wr_defs_user_deleted(struct wr_broker *b, const char *name)
{
    struct wr_meta_rec r;

    wr_meta_rec_init(&r);
    wr_rec_admin(&r, WR_DEF_USER_DEL, "", name);
    wr_defs_admin_append(b, &r);
}

void
wr_defs_perm(struct wr_broker *b, const char *vhost, const char *user, bool set)
{
    const struct wr_user *u = wr_broker_user(b, user, strlen(user));
    const struct wr_perm *p = u ? wr_user_perm(u, vhost, strlen(vhost)) : NULL;
    struct wr_meta_rec r;

    wr_meta_rec_init(&r);
    if (set && p != NULL)
        wr_rec_perm(&r, user, p);
    else
        wr_rec_admin(&r, WR_DEF_PERM_DEL, vhost, user);
    wr_defs_admin_append(b, &r);
}

/* Replays one admin record; the admin functions do the work (recording is off meanwhile). */
static void
wr_def_apply_admin(struct wr_defs *d, const void *cmd, size_t len, uint8_t op)
{
    struct wr_meta_rd rd;
    char vhost[256], name[256], a[1024] = "", w[1024] = "", rr[1024] = "", err[256];
    const void *sh = NULL;
    size_t shlen = 0;

    wr_rd_admin(&rd, cmd, len, vhost, name);
    if (op == WR_DEF_USER_PUT) {
        wr_meta_rd_bytes(&rd, &sh, &shlen);
        wr_meta_rd_str(&rd, a, sizeof(a));
    } else if (op == WR_DEF_PERM_SET) {
        wr_meta_rd_str(&rd, a, sizeof(a));
        wr_meta_rd_str(&rd, w, sizeof(w));
        wr_meta_rd_str(&rd, rr, sizeof(rr));
    }
    if (wr_meta_rd_end(&rd) < 0)
        return;
    switch (op) {
    case WR_DEF_VHOST_ADD:
        wr_admin_add_vhost(d->b, vhost, err, sizeof(err));
        break;
    case WR_DEF_VHOST_DEL:
        wr_admin_delete_vhost(d->b, vhost, err, sizeof(err));
        break;
    case WR_DEF_USER_PUT:
        wr_admin_put_user_hash(d->b, name, shlen == WR_USER_SALT_LEN + WR_USER_HASH_LEN ? sh : NULL,
                               a);
        break;
    case WR_DEF_USER_DEL:
        wr_admin_delete_user(d->b, name, err, sizeof(err));
        break;
    case WR_DEF_PERM_SET:
        wr_admin_set_permissions(d->b, vhost, name, a, w, rr, err, sizeof(err));
        break;
    case WR_DEF_PERM_DEL:
        wr_admin_clear_permissions(d->b, vhost, name, err, sizeof(err));
        break;
    default:
        break;
    }
}

/* Policies: head (vhost, name), then the operator flag, pattern, definition, priority, apply-to. */
static void
wr_rec_policy(struct wr_meta_rec *r, bool op, const char *vhost, const char *name,
              const char *pattern, const char *json, int priority, const char *apply_to, bool set)
{
    wr_rec_admin(r, set ? WR_DEF_POLICY_SET : WR_DEF_POLICY_DEL, vhost, name);
    wr_meta_rec_put_u8(r, op);
    wr_meta_rec_put_str(r, pattern);
    wr_meta_rec_put_str(r, json);
    wr_meta_rec_put_u32(r, (uint32_t)priority);
    wr_meta_rec_put_str(r, apply_to);
}

void
wr_defs_policy(struct wr_broker *b, bool op, const char *vhost, const char *name,
               const char *pattern, const char *json, int priority, const char *apply_to, bool set)
{
    struct wr_meta_rec r;

    wr_meta_rec_init(&r);
    wr_rec_policy(&r, op, vhost, name, pattern, json, priority, apply_to, set);
    wr_defs_admin_append(b, &r);
}

static void
wr_def_apply_policy(struct wr_defs *d, const void *cmd, size_t len)
{
    struct wr_meta_rd rd;
    uint8_t o, op;
    uint32_t prio;
    char vhost[256], name[256], pattern[1024], apply[64], err[300];
    char *json = wr_xmalloc(len + 1);

    o = wr_rd_admin(&rd, cmd, len, vhost, name);
    wr_meta_rd_u8(&rd, &op);
    wr_meta_rd_str(&rd, pattern, sizeof(pattern));
    wr_meta_rd_str(&rd, json, len + 1);
    wr_meta_rd_u32(&rd, &prio);
    wr_meta_rd_str(&rd, apply, sizeof(apply));
    if (wr_meta_rd_end(&rd) == 0) {
        if (o == WR_DEF_POLICY_SET)
            wr_policy_set(d->b, op, vhost, name, pattern, json, (int)prio, apply, err, sizeof(err));
        else
            wr_policy_clear(d->b, op, vhost, name, err, sizeof(err));
    }
    free(json);
}

struct wr_snap_pol {
    struct wr_snap *s;
    bool op;
};

static void
wr_snap_policy(const struct wr_policy_view *p, void *arg)
{
    struct wr_snap_pol *sp = arg;

    wr_rec_policy(&sp->s->one, sp->op, p->vhost, p->name, p->pattern, p->definition_json,
                  p->priority, p->apply_to, true);
    wr_snap_take(sp->s);
}

static void
wr_snap_policies(struct wr_snap *s, struct wr_broker *b)
{
    struct wr_snap_pol user = {s, false}, op = {s, true};

    wr_policy_foreach(b, false, NULL, wr_snap_policy, &user);
    wr_policy_foreach(b, true, NULL, wr_snap_policy, &op);
}

/* Limits: head (vhost or "", user or ""), then the two values as u64 (UINT64_MAX = none). */
static void
wr_rec_limits(struct wr_meta_rec *r, bool vhost, const char *name, int64_t a, int64_t c)
{
    wr_rec_admin(r, WR_DEF_LIMITS, vhost ? name : "", vhost ? "" : name);
    wr_meta_rec_put_u64(r, (uint64_t)a);
    wr_meta_rec_put_u64(r, (uint64_t)c);
}

void
wr_defs_limits(struct wr_broker *b, bool vhost, const char *name, int64_t a, int64_t c)
{
    struct wr_meta_rec r;

    wr_meta_rec_init(&r);
    wr_rec_limits(&r, vhost, name, a, c);
    wr_defs_admin_append(b, &r);
}

static void
wr_def_apply_limits(struct wr_defs *d, const void *cmd, size_t len)
{
    struct wr_meta_rd rd;
    uint64_t a, c;
    char vhost[256], user[256];

    wr_rd_admin(&rd, cmd, len, vhost, user);
    wr_meta_rd_u64(&rd, &a);
    wr_meta_rd_u64(&rd, &c);
    if (wr_meta_rd_end(&rd) < 0)
        return;
    if (vhost[0] != '\0') {
        struct wr_vhost *vh = wr_broker_vhost(d->b, vhost, strlen(vhost));
        if (vh != NULL)
            wr_vhost_set_limits(vh, (int64_t)a, (int64_t)c);
    } else {
        struct wr_user *u = wr_hmap_get(wr_broker_users(d->b), user, strlen(user));
        if (u != NULL)
            wr_user_set_limits(u, (int64_t)a, (int64_t)c);
    }
}

static void
wr_snap_limits(struct wr_snap *s, struct wr_broker *b)
{
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *val;

    wr_hmap_iter_init(wr_broker_vhosts(b), &it);
    while (wr_hmap_next(&it, &key, &len, &val)) {
        if (wr_vhost_max_connections(val) < 0 && wr_vhost_max_queues(val) < 0)
            continue;
        wr_rec_limits(&s->one, true, key, wr_vhost_max_connections(val), wr_vhost_max_queues(val));
        wr_snap_take(s);
    }
    wr_hmap_iter_init(wr_broker_users(b), &it);
    while (wr_hmap_next(&it, &key, &len, &val)) {
        if (wr_user_max_connections(val) < 0 && wr_user_max_channels(val) < 0)
            continue;
        wr_rec_limits(&s->one, false, key, wr_user_max_connections(val), wr_user_max_channels(val));
        wr_snap_take(s);
    }
}

/* Topic permissions: head (vhost, user), then exchange, write, read. */
static void
wr_rec_topic(struct wr_meta_rec *r, const char *vhost, const char *user, const char *exchange,
             const char *write, const char *read, bool set)
{
    wr_rec_admin(r, set ? WR_DEF_TOPIC_SET : WR_DEF_TOPIC_DEL, vhost, user);
    wr_meta_rec_put_str(r, exchange);
    wr_meta_rec_put_str(r, write);
    wr_meta_rec_put_str(r, read);
}

void
wr_defs_topic_perm(struct wr_broker *b, const char *vhost, const char *user, const char *exchange,
                   const char *write, const char *read, bool set)
{
    struct wr_meta_rec r;

    wr_meta_rec_init(&r);
    wr_rec_topic(&r, vhost, user, exchange, write, read, set);
    wr_defs_admin_append(b, &r);
}

static void
wr_def_apply_topic(struct wr_defs *d, const void *cmd, size_t len)
{
    struct wr_meta_rd rd;
    char vhost[256], user[256], x[256], w[1024], rr[1024], err[300];
    uint8_t o = wr_rd_admin(&rd, cmd, len, vhost, user);

    wr_meta_rd_str(&rd, x, sizeof(x));
    wr_meta_rd_str(&rd, w, sizeof(w));
    wr_meta_rd_str(&rd, rr, sizeof(rr));
    if (wr_meta_rd_end(&rd) < 0)
        return;
    if (o == WR_DEF_TOPIC_SET)
        wr_admin_set_topic_permissions(d->b, vhost, user, x, w, rr, err, sizeof(err));
    else
        wr_admin_clear_topic_permissions(d->b, vhost, user, x[0] ? x : NULL, err, sizeof(err));
}

static void
wr_snap_topics(struct wr_snap *s, struct wr_broker *b)
{
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *val;

    wr_hmap_iter_init(wr_broker_users(b), &it);
    while (wr_hmap_next(&it, &key, &len, &val)) {
        for (size_t i = 0; i < wr_user_ntopic_perms(val); i++) {
            const struct wr_topic_perm *p = wr_user_topic_perm_at(val, i);
            wr_rec_topic(&s->one, p->vhost, key, p->exchange, p->write, p->read, true);
            wr_snap_take(s);
        }
    }
}
