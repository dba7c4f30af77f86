/* SPDX-License-Identifier: MPL-2.0 */
/* Store lifecycle (open, close), references, stats, and the small helpers the store's files
 * share (logging through the caller's callback, little-endian codecs, array growth). */
#include <config.h>

#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_internal.h"

void
store_log(struct wr_store *s, enum wr_store_log_level lv, const char *fmt, ...)
{
    char line[512];
    va_list ap;

    if (!s->opts.log)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    s->opts.log(lv, line, s->opts.log_arg);
}

void
store_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void
store_put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

uint32_t
store_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t
store_get64(const uint8_t *p)
{
    return (uint64_t)store_get32(p) | (uint64_t)store_get32(p + 4) << 32;
}

/* Grows arr so it holds need elements; returns the (maybe moved) array or NULL (arr intact). */
void *
store_grow(void *arr, size_t *cap, size_t need, size_t elem)
{
    size_t c = *cap ? *cap : 8;
    void *n;

    if (need <= *cap)
        return arr;
    while (c < need)
        c *= 2;
    n = realloc(arr, c * elem);
    if (n)
        *cap = c;
    return n;
}

static int
open_subdir(int parent, const char *name, int *fd)
{
    if (mkdirat(parent, name, 0750) < 0 && errno != EEXIST)
        return -errno;
    *fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return *fd < 0 ? -errno : 0;
}

static int
open_dirs(struct wr_store *s)
{
    int rc;

    if (mkdir(s->dir, 0750) < 0 && errno != EEXIST)
        return -errno;
    s->dir_fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s->dir_fd < 0)
        return -errno;
    rc = open_subdir(s->dir_fd, "msgs", &s->msg_dir_fd);
    if (rc == 0)
        rc = open_subdir(s->dir_fd, "queues", &s->q_dir_fd);
    if (rc == 0 && fsync(s->dir_fd) < 0) /* the subdirectories must survive a crash */
        rc = -errno;
    return rc;
}

static struct wr_store *
store_alloc(const char *dir, struct event_base *base, const struct wr_store_opts *opts)
{
    struct wr_store *s = calloc(1, sizeof(*s));

    if (!s)
        return NULL;
    if (opts)
        s->opts = *opts;
    if (!s->opts.segment_bytes)
        s->opts.segment_bytes = 16u << 20;
    if (s->opts.segment_bytes > UINT32_MAX - 8)
        s->opts.segment_bytes = UINT32_MAX - 8; /* offsets are 32-bit */
    if (!s->opts.batch_max_bytes)
        s->opts.batch_max_bytes = 4u << 20;
    if (s->opts.compact_ratio <= 0)
        s->opts.compact_ratio = 0.5;
    s->base = base;
    s->efd = s->dir_fd = s->msg_dir_fd = s->q_dir_fd = -1;
    s->next_id = s->next_seg = 1;
    TAILQ_INIT(&s->pending);
    STAILQ_INIT(&s->todo);
    STAILQ_INIT(&s->done);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->dir = strdup(dir);
    if (!s->dir || store_tab_init(&s->tab, 0) < 0) {
        free(s->dir);
        free(s);
        return NULL;
    }
    return s;
}

struct wr_store *
wr_store_open(const char *dir, struct event_base *base, const struct wr_store_opts *opts, char *err,
              size_t errcap)
{
    struct wr_store *s = store_alloc(dir, base, opts);
    const char *what = "out of memory";
    int rc = -ENOMEM;

    if (!s)
        goto fail;
    what = "cannot open data directory";
    if ((rc = open_dirs(s)) < 0)
        goto fail;
    what = "recovery failed";
    if ((rc = store_recover_open(s)) < 0)
        goto fail;
    what = "cannot start store thread";
    if ((rc = store_commit_start(s)) < 0)
        goto fail;
    return s;
fail:
    snprintf(err, errcap, "%s %s: %s", what, dir, strerror(-rc));
    wr_store_close(s);
    return NULL;
}

static void
close_fd(int fd)
{
    if (fd >= 0)
        close(fd);
}

void
wr_store_close(struct wr_store *s)
{
    if (!s)
        return;
    store_commit_stop(s);
    for (size_t i = 0; i < s->nsegs; i++) {
        close_fd(s->segs[i]->fd);
        free(s->segs[i]);
    }
    free(s->segs);
    store_queues_free(s);
    store_tab_fini(&s->tab);
    close_fd(s->q_dir_fd);
    close_fd(s->msg_dir_fd);
    close_fd(s->dir_fd);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s->dir);
    free(s);
}

void
wr_store_ref(struct wr_store *s, uint64_t id)
{
    struct store_ent *e = store_tab_find(&s->tab, id);

    if (e)
        e->refs++;
}

void
wr_store_unref(struct wr_store *s, uint64_t id)
{
    struct store_ent *e = store_tab_find(&s->tab, id);

    if (e && e->refs > 0 && --e->refs == 0)
        store_tab_drop(s, e);
}

void
wr_store_get_stats(struct wr_store *s, struct wr_store_stats *st)
{
    memset(st, 0, sizeof(*st));
    for (size_t i = 0; i < s->nsegs; i++) {
        st->disk_bytes += s->segs[i]->size;
        st->live_bytes += s->segs[i]->live;
    }
    st->segments = s->nsegs;
    st->messages = s->tab.count;
    st->mem_bytes = sizeof(*s) + s->tab.cap * sizeof(struct store_ent) +
                    s->segcap * sizeof(*s->segs) + s->nsegs * sizeof(struct store_seg) +
                    s->nqbuckets * sizeof(*s->qbuckets) + s->nqueues * sizeof(struct store_queue) +
                    store_commit_mem(s);
    st->pending_bytes = atomic_load(&s->pending_bytes);
    st->fsyncs = atomic_load(&s->fsyncs);
    st->sync_rounds = atomic_load(&s->rounds);
    st->records_written = atomic_load(&s->records);
    st->compactions = s->compactions;
    st->corrupt_records = s->corrupt;
}
