/* SPDX-License-Identifier: MPL-2.0 */
/* Compaction: live records of a mostly-dead segment are copied into a new segment by the store
 * thread and fsynced; only then do locations switch (loop thread) and is the old file unlinked,
 * in a later batch. A crash at any point leaves every live record in at least one intact copy;
 * recovery keeps the first copy of a duplicate. Dead records are never copied. */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store_internal.h"

static void
crash_hook(struct wr_store *s, int step)
{
    if (s->opts.test_crash_step == step)
        _exit(77);
}

static struct store_seg *
pick_victim(struct wr_store *s)
{
    struct store_seg *best = NULL;
    double best_ratio = s->opts.compact_ratio;

    for (size_t i = 0; i < s->nsegs; i++) {
        struct store_seg *g = s->segs[i];
        if (g == s->active || g->compacting || g->size == 0 || g->written < g->size ||
            g->num == s->compact_dst)
            continue;
        double r = (double)g->live / (double)g->size;
        if (r < best_ratio) {
            best_ratio = r;
            best = g;
        }
    }
    return best;
}

static int
cmp_move(const void *a, const void *b)
{
    const struct store_move *x = a, *y = b;
    return x->off < y->off ? -1 : x->off > y->off;
}

/* Live records of g, in file order. One pass over the table: compaction is rare. */
static struct store_cjob *
build_job(struct wr_store *s, struct store_seg *g)
{
    struct store_cjob *j = calloc(1, sizeof(*j));
    size_t cap = 0;

    if (!j)
        return NULL;
    for (size_t i = 0; i < s->tab.cap; i++) {
        const struct store_ent *e = &s->tab.slots[i];
        if (e->id == 0 || e->seg != g->num)
            continue;
        struct store_move *mv = store_grow(j->mv, &cap, j->n + 1, sizeof(*mv));
        if (!mv) {
            free(j->mv);
            free(j);
            return NULL;
        }
        j->mv = mv;
        j->mv[j->n++] = (struct store_move){
                .id = e->id,
                .off = e->off,
                .len = (uint32_t)STORE_ALIGN(STORE_REC_HDR + (uint64_t)e->hdr_len + e->body_len)};
    }
    qsort(j->mv, j->n, sizeof(*j->mv), cmp_move);
    return j;
}

/* Survivors of several victims share one output segment while it has room, so compaction
 * reduces the number of files as well as their bytes. */
static int
pick_dst(struct wr_store *s, const struct store_seg *victim, struct store_seg **dst)
{
    struct store_seg *d = s->compact_dst ? store_seg_find(s, s->compact_dst) : NULL;
    int rc;

    if (d && d->size + victim->live <= s->opts.segment_bytes) {
        *dst = d;
        return 0;
    }
    if ((rc = store_seg_create(s, s->next_seg, dst)) < 0)
        return rc;
    s->compact_dst = (*dst)->num;
    return 0;
}

int
wr_store_compact(struct wr_store *s)
{
    struct store_seg *g, *dst;
    struct store_cjob *j;
    int rc;

    if (s->failed)
        return s->failed;
    if (s->compacting)
        return -EBUSY;
    if (!(g = pick_victim(s)))
        return 0;
    if (!(j = build_job(s, g)) || !store_commit_cur(s))
        goto nomem;
    if ((rc = pick_dst(s, g, &dst)) < 0) {
        free(j->mv);
        free(j);
        return rc;
    }
    *j = (struct store_cjob){.src_fd = g->fd,
                             .dst_fd = dst->fd,
                             .src_num = g->num,
                             .dst_num = dst->num,
                             .n = j->n,
                             .mv = j->mv,
                             .dst_size = dst->size};
    g->compacting = dst->compacting = s->compacting = true;
    s->cur->cjob = j;
    return store_commit_submit(s) < 0 ? -ENOMEM : 1;
nomem:
    if (j)
        free(j->mv);
    free(j);
    return -ENOMEM;
}

/* Store thread: copies one record, verifying it first so corruption is not propagated. */
static int
copy_one(struct wr_store *s, struct store_cjob *j, struct store_move *m, uint8_t *buf)
{
    struct store_rec r;
    ssize_t n = pread(j->src_fd, buf, m->len, m->off);

    m->new_off = UINT32_MAX;
    if (n < 0)
        return -errno;
    if ((size_t)n < STORE_REC_HDR || store_seg_decode_hdr(buf, &r) < 0 || r.id != m->id ||
        STORE_REC_HDR + (uint64_t)r.hdr_len + r.body_len > (uint64_t)n ||
        r.pcrc != store_crc32c(0, buf + STORE_REC_HDR, (size_t)r.hdr_len + r.body_len)) {
        j->corrupt++;
        return 0;
    }
    for (size_t done = 0; done < m->len;) {
        ssize_t w = pwrite(j->dst_fd, buf + done, m->len - done, (off_t)(j->dst_size + done));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? -errno : -EIO;
        done += (size_t)w;
    }
    m->new_off = (uint32_t)j->dst_size;
    j->dst_size += m->len;
    return 0;
}

static int
sync_dst(struct wr_store *s, struct store_cjob *j)
{
    if (s->opts.no_fsync)
        return 0;
    atomic_fetch_add(&s->fsyncs, 2);
    if (fdatasync(j->dst_fd) < 0 || fsync(s->msg_dir_fd) < 0)
        return -errno;
    return 0;
}

void
store_compact_run(struct wr_store *s, struct store_cjob *j)
{
    uint8_t *buf = NULL;
    size_t cap = 0;

    for (size_t i = 0; j->status == 0 && i < j->n; i++) {
        if (i == j->n / 2)
            crash_hook(s, 1);
        uint8_t *nb = store_grow(buf, &cap, j->mv[i].len, 1);
        if (!nb) {
            j->status = -ENOMEM;
            break;
        }
        buf = nb;
        j->status = copy_one(s, j, &j->mv[i], buf);
    }
    free(buf);
    if (j->status == 0)
        j->status = sync_dst(s, j);
    if (j->status == 0)
        crash_hook(s, 2);
}

static void
abandon(struct wr_store *s, struct store_cjob *j, struct store_seg *src, struct store_seg *dst)
{
    char path[4096];

    store_log(s, WR_STORE_LOG_ERROR,
              "message store: compaction of segment %08" PRIu32 " failed: %s", j->src_num,
              strerror(-j->status));
    if (src)
        src->compacting = false;
    if (dst) {
        store_seg_path(path, sizeof(path), s->dir, dst->num);
        if (store_commit_add_unlink(s, dst->fd, path) == 0)
            store_seg_remove(s, dst);
    }
}

/* Loop thread: the copies are durable; switch locations, then unlink the source. */
void
store_compact_done(struct wr_store *s, struct store_cjob *j)
{
    struct store_seg *src = store_seg_find(s, j->src_num), *dst = store_seg_find(s, j->dst_num);
    char path[4096];
    size_t moved = 0;

    s->compacting = false;
    if (j->status < 0 || !src || !dst) {
        abandon(s, j, src, dst);
        return;
    }
    dst->size = dst->written = j->dst_size;
    for (size_t i = 0; i < j->n; i++) {
        struct store_move *m = &j->mv[i];
        struct store_ent *e = store_tab_find(&s->tab, m->id);
        if (m->new_off == UINT32_MAX || !e || e->seg != j->src_num || e->off != m->off)
            continue; /* corrupt, or dropped while the copy ran */
        e->seg = j->dst_num;
        e->off = m->new_off;
        dst->live += m->len;
        moved++;
    }
    crash_hook(s, 3);
    store_log(s, WR_STORE_LOG_INFO,
              "message store: compacted segment %08" PRIu32 " into %08" PRIu32
              ": %zu records moved, %zu corrupt, %" PRIu64 " bytes reclaimed",
              j->src_num, j->dst_num, moved, j->corrupt, src->size - j->dst_size);
    s->corrupt += j->corrupt;
    s->compactions++;
    store_seg_path(path, sizeof(path), s->dir, src->num);
    if (store_commit_add_unlink(s, src->fd, path) == 0)
        store_seg_remove(s, src);
    else
        src->compacting = false;
    dst->compacting = false;
    store_seg_release(s, dst, 0);
}
