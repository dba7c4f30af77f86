/* SPDX-License-Identifier: MPL-2.0 */
/* Recovery at open: scan every segment (torn or corrupt records are skipped with a warning),
 * replay every queue index, rewrite indexes that hold acks or damage, drop unreferenced
 * messages and empty segments. Also wr_store_recover, which streams the result to the caller. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_internal.h"

/* Lists names in dirfd matching "<prefix><number><suffix>" exactly (number in base 10 or 16). */
static int
list_dir(int dirfd, const char *prefix, int base, const char *suffix, uint64_t **out, size_t *n)
{
    size_t cap = 0, plen = strlen(prefix);
    int fd = dup(dirfd), rc = 0;
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *de;

    *out = NULL;
    *n = 0;
    if (!d) {
        rc = -errno;
        if (fd >= 0)
            close(fd);
        return rc;
    }
    rewinddir(d);
    while ((de = readdir(d)) != NULL) {
        char *end;
        const char *p = de->d_name;
        if (strncmp(p, prefix, plen) != 0)
            continue;
        char canon[64];
        unsigned long long v = strtoull(p + plen, &end, base);
        /* Only canonical names: anything else is not ours and is left alone. */
        snprintf(canon, sizeof(canon), base == 10 ? "%s%08llu%s" : "%s%016llx%s", prefix, v,
                 suffix);
        if (end == p + plen || strcmp(canon, p) != 0)
            continue;
        uint64_t *a = store_grow(*out, &cap, *n + 1, sizeof(**out));
        if (!a) {
            rc = -ENOMEM;
            break;
        }
        *out = a;
        (*out)[(*n)++] = v;
    }
    closedir(d);
    return rc;
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static bool
all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* Indexes one intact record; duplicates (left by a compaction that crashed before unlinking
 * its source) keep the first copy. */
static int
add_record(struct wr_store *s, struct store_seg *g, uint64_t off, const struct store_rec *r)
{
    struct store_ent *e;

    if (r->id >= s->next_id)
        s->next_id = r->id + 1;
    if (r->flags & WR_STORE_TRANSIENT)
        return 0;
    if (!(e = store_tab_insert(&s->tab, r->id)))
        return store_tab_find(&s->tab, r->id) ? 0 : -ENOMEM;
    e->seg = g->num;
    e->off = (uint32_t)off;
    e->hdr_len = r->hdr_len;
    e->body_len = r->body_len;
    return 0;
}

struct scan {
    const uint8_t *p;
    uint64_t size, off, good_end;
};

/* Skips a damaged header: walks 8-byte steps to the next intact header. Returns false at a
 * clean end (the rest is zeros: preallocated or never written). */
static bool
resync(struct wr_store *s, struct store_seg *g, struct scan *c)
{
    struct store_rec r;
    uint64_t from = c->off;

    if (all_zero(c->p + c->off, c->size - c->off))
        return false;
    do
        c->off += 8;
    while (c->off + STORE_REC_HDR <= c->size && store_seg_decode_hdr(c->p + c->off, &r) < 0);
    s->corrupt++;
    store_log(s, WR_STORE_LOG_WARN,
              "message store: segment %08" PRIu32 ": corrupt record at %" PRIu64
              ", skipped %" PRIu64 " bytes",
              g->num, from, c->off - from);
    return c->off + STORE_REC_HDR <= c->size;
}

static int
scan_records(struct wr_store *s, struct store_seg *g, struct scan *c)
{
    struct store_rec r;
    int rc;

    while (c->off + STORE_REC_HDR <= c->size) {
        if (store_seg_decode_hdr(c->p + c->off, &r) < 0) {
            if (!resync(s, g, c))
                break;
            continue;
        }
        uint64_t plen = (uint64_t)r.hdr_len + r.body_len;
        if (c->off + STORE_REC_HDR + plen > c->size)
            break; /* torn: the tail of the last write never reached the disk */
        if (r.pcrc != store_crc32c(0, c->p + c->off + STORE_REC_HDR, plen)) {
            s->corrupt++;
            store_log(s, WR_STORE_LOG_WARN,
                      "message store: segment %08" PRIu32 ": message %" PRIu64 " at %" PRIu64
                      " fails its checksum, skipped",
                      g->num, r.id, c->off);
        } else if ((rc = add_record(s, g, c->off, &r)) < 0) {
            return rc;
        }
        c->off += STORE_ALIGN(STORE_REC_HDR + plen);
        c->good_end = c->off < c->size ? c->off : c->size;
    }
    return 0;
}

/* A torn tail after the last intact record is cut off, so its warning is given once and
 * appends never follow garbage. */
static int
trim_tail(struct wr_store *s, struct store_seg *g, const struct scan *c, uint64_t file_size)
{
    if (c->good_end >= file_size)
        return 0;
    if (!c->p || !all_zero(c->p + c->good_end, c->size - c->good_end))
        store_log(s, WR_STORE_LOG_WARN,
                  "message store: segment %08" PRIu32 ": torn record at %" PRIu64
                  ", truncating %" PRIu64 " bytes",
                  g->num, c->good_end, file_size - c->good_end);
    return ftruncate(g->fd, (off_t)c->good_end) < 0 ? -errno : 0;
}

static int
scan_segment(struct wr_store *s, struct store_seg *g)
{
    struct stat st;
    struct scan c = {0};
    void *m = NULL;
    int rc = 0;

    if (fstat(g->fd, &st) < 0)
        return -errno;
    c.size = (uint64_t)st.st_size > UINT32_MAX ? UINT32_MAX : (uint64_t)st.st_size;
    if (c.size > 0) {
        m = mmap(NULL, c.size, PROT_READ, MAP_PRIVATE, g->fd, 0);
        if (m == MAP_FAILED)
            return -errno;
        c.p = m;
        rc = scan_records(s, g, &c);
    }
    if (rc == 0)
        rc = trim_tail(s, g, &c, (uint64_t)st.st_size);
    if (m)
        munmap(m, c.size);
    g->size = g->written = c.good_end;
    return rc;
}

static int
scan_segments(struct wr_store *s)
{
    uint64_t *nums;
    size_t n;
    int rc = list_dir(s->msg_dir_fd, "msg.", 10, "", &nums, &n);
    char name[32];

    if (n > 0)
        qsort(nums, n, sizeof(*nums), cmp_u64);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct store_seg *g;
        if (nums[i] > UINT32_MAX - 1)
            continue;
        store_seg_path(name, sizeof(name), NULL, (uint32_t)nums[i]);
        int fd = openat(s->msg_dir_fd, name, O_RDWR | O_CLOEXEC);
        if (fd < 0) {
            rc = -errno;
            break;
        }
        if (!(g = store_seg_add(s, (uint32_t)nums[i], fd))) {
            close(fd);
            rc = -ENOMEM;
            break;
        }
        rc = scan_segment(s, g);
    }
    free(nums);
    return rc;
}

/* ---- queue indexes ---- */

struct qent {
    uint64_t id, seq;
    bool delivered, alive;
};

/* One queue's replay state: entries in log order, and id -> position (kept in ent.off). */
struct replay {
    uint64_t qid;
    struct qent *v;
    size_t n, cap, live;
    struct store_tab pos;
    bool dirty; /* the file holds more than its live entries: rewrite it */
};

#define QCHUNK (STORE_QREC * 2730u)

static int
apply_enq(struct replay *rp, uint64_t id, uint64_t seq, unsigned flags)
{
    struct store_ent *e;
    struct qent *v;

    if (store_tab_find(&rp->pos, id)) {
        rp->dirty = true; /* a duplicate: keep the first */
        return 0;
    }
    if (!(v = store_grow(rp->v, &rp->cap, rp->n + 1, sizeof(*v))) ||
        !(e = store_tab_insert(&rp->pos, id)))
        return -ENOMEM;
    rp->v = v;
    e->off = (uint32_t)rp->n;
    rp->v[rp->n++] = (struct qent){id, seq, flags & STORE_QF_DELIVERED, true};
    return 0;
}

static int
apply(struct wr_store *s, struct replay *rp, const uint8_t *p, uint64_t at)
{
    unsigned type, flags;
    uint64_t id, seq;
    struct store_ent *e;

    if (store_qrec_decode(p, &type, &flags, &id, &seq) < 0) {
        s->corrupt++;
        rp->dirty = true;
        store_log(s, WR_STORE_LOG_WARN,
                  "message store: queue index %016" PRIx64 ": corrupt record at %" PRIu64
                  ", skipped",
                  rp->qid, at);
        return 0;
    }
    if (type == STORE_Q_ENQ)
        return apply_enq(rp, id, seq, flags);
    rp->dirty = true;
    if (!(e = store_tab_find(&rp->pos, id)))
        return 0;
    if (type == STORE_Q_DELIV) {
        rp->v[e->off].delivered = true;
    } else {
        rp->v[e->off].alive = false;
        store_tab_remove(&rp->pos, e);
    }
    return 0;
}

/* The offset of the first non-zero byte at or after off, UINT64_MAX when there is none. */
static uint64_t
nonzero_from(int fd, uint64_t off)
{
    uint8_t buf[4096];
    ssize_t n;

    while ((n = pread(fd, buf, sizeof(buf), (off_t)off)) > 0) {
        for (ssize_t i = 0; i < n; i++)
            if (buf[i])
                return off + (uint64_t)i;
        off += (uint64_t)n;
    }
    return n < 0 ? off : UINT64_MAX;
}

static int
replay_file(struct wr_store *s, struct replay *rp, int fd)
{
    uint8_t *buf = malloc(QCHUNK);
    uint64_t off = 0, data_to = 0; /* below data_to, zeros are not the end */
    ssize_t n = 0;
    int rc = buf ? 0 : -ENOMEM;
    bool end = false;

    while (rc == 0 && !end && (n = pread(fd, buf, QCHUNK, (off_t)off)) > 0) {
        size_t whole = (size_t)n - (size_t)n % STORE_QREC;
        for (size_t i = 0; rc == 0 && !end && i < whole; i += STORE_QREC) {
            /* zeros after the last record (the file grew but the data never reached the disk)
             * end the log, and the rewrite drops them; zeros with records after them are
             * damage, reported by apply */
            if (off + i >= data_to && all_zero(buf + i, STORE_QREC)) {
                if ((data_to = nonzero_from(fd, off + i)) == UINT64_MAX) {
                    rp->dirty = end = true;
                    continue;
                }
            }
            rc = apply(s, rp, buf + i, off + i);
        }
        off += whole;
        if (!end && whole < (size_t)n) { /* a torn last record */
            rp->dirty = true;
            store_log(s, WR_STORE_LOG_WARN,
                      "message store: queue index %016" PRIx64 ": torn record at %" PRIu64
                      ", dropped",
                      rp->qid, off);
            break;
        }
    }
    if (rc == 0 && n < 0)
        rc = -errno;
    free(buf);
    return rc;
}

/* Takes a reference for each live entry; entries whose message did not survive are dropped. */
static void
take_refs(struct wr_store *s, struct replay *rp)
{
    for (size_t i = 0; i < rp->n; i++) {
        struct store_ent *e;
        if (!rp->v[i].alive)
            continue;
        if (!(e = store_tab_find(&s->tab, rp->v[i].id))) {
            rp->v[i].alive = false;
            rp->dirty = true;
            store_log(s, WR_STORE_LOG_WARN,
                      "message store: queue index %016" PRIx64 ": message %" PRIu64
                      " is missing or corrupt, dropped",
                      rp->qid, rp->v[i].id);
            continue;
        }
        if (e->refs++ == 0) {
            struct store_seg *g = store_seg_find(s, e->seg);
            g->live += STORE_ALIGN(STORE_REC_HDR + (uint64_t)e->hdr_len + e->body_len);
        }
        rp->live++;
    }
}

static int
write_compact(struct replay *rp, int fd)
{
    uint8_t *buf = malloc(QCHUNK);
    size_t len = 0;
    int rc = buf ? 0 : -ENOMEM;

    for (size_t i = 0; rc == 0 && i <= rp->n; i++) {
        if (len == QCHUNK || (i == rp->n && len > 0)) {
            if (write(fd, buf, len) != (ssize_t)len)
                rc = errno ? -errno : -EIO;
            len = 0;
        }
        if (i < rp->n && rp->v[i].alive) {
            unsigned f = rp->v[i].delivered ? STORE_QF_DELIVERED : 0;
            store_qrec_encode(buf + len, STORE_Q_ENQ, f, rp->v[i].id, rp->v[i].seq);
            len += STORE_QREC;
        }
    }
    if (rc == 0 && fdatasync(fd) < 0)
        rc = -errno;
    free(buf);
    return rc;
}

/* Writes the live entries to <name>.tmp, then renames it over the index: a crash leaves either
 * the old or the new file, both of which replay to the same entries. */
static int
rewrite(struct wr_store *s, struct replay *rp)
{
    char name[64], tmp[64];
    int fd, rc;

    store_queue_path(name, sizeof(name), NULL, rp->qid, "");
    store_queue_path(tmp, sizeof(tmp), NULL, rp->qid, ".tmp");
    fd = openat(s->q_dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0)
        return -errno;
    rc = write_compact(rp, fd);
    close(fd);
    if (rc == 0 && renameat(s->q_dir_fd, tmp, s->q_dir_fd, name) < 0)
        rc = -errno;
    return rc;
}

static int
finish_queue(struct wr_store *s, struct replay *rp)
{
    char name[64];
    struct store_queue *q;
    int rc = 0;

    store_queue_path(name, sizeof(name), NULL, rp->qid, "");
    if (rp->live == 0)
        return unlinkat(s->q_dir_fd, name, 0) < 0 ? -errno : 0;
    if (rp->dirty && (rc = rewrite(s, rp)) < 0)
        return rc;
    if (!(q = store_queue_get(s, rp->qid, true)))
        return -ENOMEM;
    q->size = q->recovered_end = (uint64_t)rp->live * STORE_QREC;
    return 0;
}

static int
recover_queue(struct wr_store *s, uint64_t qid)
{
    struct replay rp = {.qid = qid};
    char name[64];
    int fd, rc;

    store_queue_path(name, sizeof(name), NULL, qid, "");
    if ((fd = openat(s->q_dir_fd, name, O_RDONLY | O_CLOEXEC)) < 0)
        return -errno;
    rc = store_tab_init(&rp.pos, 0);
    if (rc == 0)
        rc = replay_file(s, &rp, fd);
    close(fd);
    if (rc == 0) {
        take_refs(s, &rp);
        rc = finish_queue(s, &rp);
    }
    store_tab_fini(&rp.pos);
    free(rp.v);
    return rc;
}

static int
recover_queues(struct wr_store *s)
{
    uint64_t *ids;
    size_t n;
    char name[64];
    int rc = list_dir(s->q_dir_fd, "", 16, ".idx.tmp", &ids, &n);

    for (size_t i = 0; rc == 0 && i < n; i++) { /* leftovers of an interrupted rewrite */
        store_queue_path(name, sizeof(name), NULL, ids[i], ".tmp");
        if (unlinkat(s->q_dir_fd, name, 0) < 0)
            rc = -errno;
    }
    free(ids);
    if (rc == 0)
        rc = list_dir(s->q_dir_fd, "", 16, ".idx", &ids, &n);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = recover_queue(s, ids[i]);
    free(ids);
    return rc == 0 && fsync(s->q_dir_fd) < 0 ? -errno : rc;
}

/* Drops messages no queue references (acked, transient, orphaned) and segments left empty. */
static int
sweep(struct wr_store *s)
{
    char name[32];

    for (size_t i = 0; i < s->tab.cap;) {
        if (s->tab.slots[i].id != 0 && s->tab.slots[i].refs == 0)
            store_tab_remove(&s->tab, &s->tab.slots[i]); /* re-check slot i: it was refilled */
        else
            i++;
    }
    for (size_t i = s->nsegs; i-- > 0;) {
        struct store_seg *g = s->segs[i];
        if (g->live > 0)
            continue;
        store_seg_path(name, sizeof(name), NULL, g->num);
        if (unlinkat(s->msg_dir_fd, name, 0) < 0)
            return -errno;
        close(g->fd);
        store_seg_remove(s, g);
    }
    return 0;
}

int
store_recover_open(struct wr_store *s)
{
    int rc = scan_segments(s);

    if (rc == 0)
        rc = recover_queues(s);
    if (rc == 0)
        rc = sweep(s);
    if (rc == 0)
        store_log(s, WR_STORE_LOG_INFO,
                  "message store: recovered %zu messages in %zu queues, %zu "
                  "segments, %" PRIu64 " corrupt records skipped",
                  s->tab.count, s->nqueues, s->nsegs, s->corrupt);
    return rc;
}

static int
stream_queue(struct wr_store *s, struct store_queue *q, wr_store_recover_cb *cb, void *arg)
{
    uint8_t *buf = malloc(QCHUNK);
    struct wr_store_entry en = {.qid = q->qid};
    int rc = buf ? 0 : -ENOMEM;
    ssize_t n = 0;

    for (uint64_t off = 0; rc == 0 && off < q->recovered_end; off += (uint64_t)n) {
        size_t want = q->recovered_end - off < QCHUNK ? q->recovered_end - off : QCHUNK;
        if ((n = pread(q->fd, buf, want, (off_t)off)) <= 0) {
            rc = n < 0 ? -errno : -EIO;
            break;
        }
        n -= n % STORE_QREC;
        for (ssize_t i = 0; rc == 0 && i < n; i += STORE_QREC) {
            unsigned type, flags;
            if (store_qrec_decode(buf + i, &type, &flags, &en.msg_id, &en.seq) < 0 ||
                wr_store_msg_info(s, en.msg_id, &en.hdr_len, &en.body_len) < 0)
                continue; /* verified at open; only a disk error gets here */
            en.redelivered = flags & STORE_QF_DELIVERED;
            rc = cb(&en, arg);
        }
    }
    free(buf);
    return rc;
}

int
wr_store_recover(struct wr_store *s, wr_store_recover_cb *cb, void *arg)
{
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < s->nqbuckets; i++)
        for (struct store_queue *q = s->qbuckets[i]; rc == 0 && q; q = q->next)
            rc = stream_queue(s, q, cb, arg);
    return rc;
}
