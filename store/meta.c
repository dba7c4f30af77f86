/* SPDX-License-Identifier: MPL-2.0 */
/* The metadata log front end: picks a backend, routes every state change through the caller's
 * fsm (replay and live appends alike), and holds the logging helper. The files themselves are
 * meta_disk*.c's business; command encoding is meta_rec.c's. */
#include <config.h>

#include "store/meta.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/meta_internal.h"

void
meta_log(const struct wr_meta_opts *o, enum wr_store_log_level lv, const char *fmt, ...)
{
    char line[512];
    va_list ap;

    if (!o->log)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    o->log(lv, line, o->log_arg);
}

struct wr_meta *
wr_meta_open_backend(const struct wr_meta_backend *ops, void *be, const struct wr_meta_opts *opts)
{
    struct wr_meta *m = calloc(1, sizeof(*m));

    if (!m) {
        ops->close(be);
        return NULL;
    }
    if (opts)
        m->opts = *opts;
    m->ops = ops;
    m->be = be;
    return m;
}

struct wr_meta *
wr_meta_open(const char *dir, enum wr_meta_kind kind, const struct wr_meta_opts *opts, char *err,
             size_t errcap)
{
    const struct wr_meta_backend *ops = &meta_ram_ops;
    struct meta_disk *d = NULL;
    struct wr_meta *m;
    void *be;
    int rc;

    if (kind == WR_META_DISK) {
        if ((rc = meta_disk_new(dir, opts, &d)) < 0) {
            snprintf(err, errcap, "cannot open metadata log in %s/meta: %s", dir, strerror(-rc));
            return NULL;
        }
        ops = &meta_disk_ops;
        be = d;
    } else if (!(be = meta_ram_new())) {
        snprintf(err, errcap, "cannot open metadata: out of memory");
        return NULL;
    }
    m = wr_meta_open_backend(ops, be, opts);
    if (!m)
        snprintf(err, errcap, "cannot open metadata: out of memory");
    return m;
}

void
wr_meta_close(struct wr_meta *m)
{
    if (!m)
        return;
    m->ops->close(m->be);
    free(m);
}

/* Replay wrappers: an apply error at replay happened live too, so it is counted, not fatal. */
static int
replay_restore(const void *state, size_t len, void *arg)
{
    struct wr_meta *m = arg;
    int rc = m->fsm.restore(state, len, m->fsm.arg);

    if (rc != 0)
        meta_log(&m->opts, WR_STORE_LOG_ERROR, "metadata: snapshot restore failed (%d)", rc);
    return rc;
}

static int
replay_apply(const void *cmd, size_t len, void *arg)
{
    struct wr_meta *m = arg;
    int rc = m->fsm.apply(cmd, len, m->fsm.arg);

    if (rc != 0) {
        m->apply_errors++;
        meta_log(&m->opts, WR_STORE_LOG_DEBUG, "metadata: replayed command failed (%d)", rc);
    }
    return 0;
}

int
wr_meta_recover(struct wr_meta *m, const struct wr_meta_fsm *fsm)
{
    struct wr_meta_fsm wrap = {replay_restore, replay_apply, m};

    assert(fsm && fsm->restore && fsm->apply);
    if (m->recovered)
        return -EINVAL;
    m->fsm = *fsm;
    m->recovered = true;
    return m->ops->recover(m->be, &wrap);
}

int
wr_meta_append_many(struct wr_meta *m, const struct wr_meta_cmd *cmds, size_t n)
{
    int rc, first = 0;

    if (!m->recovered)
        return -EINVAL;
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (cmds[i].len > WR_META_MAX_CMD)
            return -EMSGSIZE;
    if ((rc = m->ops->append(m->be, cmds, n)) < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        rc = m->fsm.apply(cmds[i].data, cmds[i].len, m->fsm.arg);
        if (rc != 0) {
            m->apply_errors++;
            if (first == 0)
                first = rc;
        }
    }
    return first;
}

int
wr_meta_append(struct wr_meta *m, const void *cmd, size_t len)
{
    struct wr_meta_cmd c = {cmd, len};

    return wr_meta_append_many(m, &c, 1);
}

int
wr_meta_snapshot(struct wr_meta *m, const void *state, size_t len)
{
    if (!m->recovered)
        return -EINVAL;
    if ((uint64_t)len > WR_META_MAX_SNAPSHOT)
        return -EMSGSIZE;
    return m->ops->snapshot(m->be, state, len);
}

bool
wr_meta_should_snapshot(struct wr_meta *m)
{
    return m->recovered && m->ops->should_snapshot(m->be);
}

void
wr_meta_get_stats(struct wr_meta *m, struct wr_meta_stats *st)
{
    memset(st, 0, sizeof(*st));
    m->ops->stats(m->be, st);
    st->apply_errors = m->apply_errors;
}
