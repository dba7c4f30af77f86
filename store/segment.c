/* SPDX-License-Identifier: MPL-2.0 */
/* Segment files msgs/msg.NNNNNNNN: the record format, the segment table, appending messages
 * (into the current write batch) and reading them back. Scanning lives in recover.c. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "store/store_internal.h"

void
store_seg_encode_hdr(uint8_t *out, const struct store_rec *r, const void *hdr, const void *body)
{
    uint32_t pcrc = store_crc32c(store_crc32c(0, hdr, r->hdr_len), body, r->body_len);

    store_put32(out, STORE_REC_MAGIC);
    store_put32(out + 8, pcrc);
    store_put32(out + 12, r->flags);
    store_put64(out + 16, r->id);
    store_put32(out + 24, r->hdr_len);
    store_put32(out + 28, r->body_len);
    store_put32(out + 4, store_crc32c(0, out + 8, STORE_REC_HDR - 8));
}

/* Returns 0 when the header is intact and plausible; the payload is checked separately. */
int
store_seg_decode_hdr(const uint8_t *p, struct store_rec *r)
{
    r->magic = store_get32(p);
    r->hcrc = store_get32(p + 4);
    r->pcrc = store_get32(p + 8);
    r->flags = store_get32(p + 12);
    r->id = store_get64(p + 16);
    r->hdr_len = store_get32(p + 24);
    r->body_len = store_get32(p + 28);
    if (r->magic != STORE_REC_MAGIC || r->hcrc != store_crc32c(0, p + 8, STORE_REC_HDR - 8))
        return -1;
    if ((r->flags & ~WR_STORE_TRANSIENT) || r->id == 0)
        return -1;
    if ((uint64_t)r->hdr_len + r->body_len > UINT32_MAX - 2 * STORE_REC_HDR)
        return -1;
    return 0;
}

void
store_seg_path(char *out, size_t cap, const char *dir, uint32_t num)
{
    snprintf(out, cap, "%s%smsg.%08" PRIu32, dir ? dir : "", dir ? "/msgs/" : "", num);
}

struct store_seg *
store_seg_find(struct wr_store *s, uint32_t num)
{
    size_t lo = 0, hi = s->nsegs;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->segs[mid]->num == num)
            return s->segs[mid];
        if (s->segs[mid]->num < num)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Segments are added in increasing number order (numbers only grow), so this appends. */
struct store_seg *
store_seg_add(struct wr_store *s, uint32_t num, int fd)
{
    struct store_seg *g = calloc(1, sizeof(*g)), **arr;

    arr = g ? store_grow(s->segs, &s->segcap, s->nsegs + 1, sizeof(*arr)) : NULL;
    if (!arr) {
        free(g);
        return NULL;
    }
    s->segs = arr;
    g->num = num;
    g->fd = fd;
    s->segs[s->nsegs++] = g;
    if (num >= s->next_seg)
        s->next_seg = num + 1;
    return g;
}

/* Forgets g; its fd is closed by whoever queued the unlink. */
void
store_seg_remove(struct wr_store *s, struct store_seg *g)
{
    for (size_t i = 0; i < s->nsegs; i++) {
        if (s->segs[i] != g)
            continue;
        memmove(&s->segs[i], &s->segs[i + 1], (s->nsegs - i - 1) * sizeof(*s->segs));
        s->nsegs--;
        break;
    }
    if (s->active == g)
        s->active = NULL;
    free(g);
}

int
store_seg_create(struct wr_store *s, uint32_t num, struct store_seg **out)
{
    char name[32];
    int fd;

    store_seg_path(name, sizeof(name), NULL, num);
    fd = openat(s->msg_dir_fd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0)
        return -errno;
    *out = store_seg_add(s, num, fd);
    if (!*out) {
        close(fd);
        unlinkat(s->msg_dir_fd, name, 0);
        return -ENOMEM;
    }
    return 0;
}

/* Records whose last reference went away; a segment left with no live data is unlinked (after
 * everything submitted before, acks included, is durable) unless it is still being appended. */
void
store_seg_release(struct wr_store *s, struct store_seg *g, uint64_t bytes)
{
    char path[4096];

    g->live -= bytes < g->live ? bytes : g->live;
    if (g->live > 0 || g == s->active || g->compacting)
        return;
    store_seg_path(path, sizeof(path), s->dir, g->num);
    if (store_commit_add_unlink(s, g->fd, path) < 0)
        return; /* out of memory: the file stays until compaction or restart */
    store_seg_remove(s, g);
}

static int
roll(struct wr_store *s)
{
    struct store_seg *old = s->active, *g;
    int rc;

    if (s->cur && s->cur->len > 0 && (rc = store_commit_submit(s)) < 0)
        return rc;
    if ((rc = store_seg_create(s, s->next_seg, &g)) < 0)
        return rc;
    s->active = g;
    if (!store_commit_cur(s))
        return -ENOMEM;
    s->cur->sync_msgdir = true; /* the new file's directory entry must be durable */
    if (old)
        store_seg_release(s, old, 0);
    return 0;
}

/* The batch to append a total-byte record to, bound to the active segment. */
static struct store_batch *
batch_for_put(struct wr_store *s, uint64_t total)
{
    struct store_batch *b;

    if (!s->active || (s->active->size > 0 && s->active->size + total > s->opts.segment_bytes))
        if (roll(s) < 0)
            return NULL;
    b = store_commit_cur(s);
    if (b && b->len > 0 && b->len + total > s->opts.batch_max_bytes) {
        if (store_commit_submit(s) < 0)
            return NULL;
        b = store_commit_cur(s);
    }
    if (!b || !(b->data = store_grow(b->data, &b->cap, b->len + total, 1)))
        return NULL;
    if (b->len == 0) {
        b->seg_num = s->active->num;
        b->seg_fd = s->active->fd;
        b->seg_off = s->active->size;
    }
    return b;
}

int
wr_store_put(struct wr_store *s, const void *hdr, size_t hdr_len, const void *body, size_t body_len,
             unsigned flags, uint64_t *id)
{
    struct store_rec r = {.flags = flags, .id = s->next_id};
    uint64_t total = STORE_ALIGN(STORE_REC_HDR + (uint64_t)hdr_len + body_len);
    struct store_batch *b;
    struct store_ent *e;
    uint8_t *p;

    if (s->failed)
        return s->failed;
    if (total > UINT32_MAX - 8 || (flags & ~WR_STORE_TRANSIENT))
        return -EFBIG;
    r.hdr_len = (uint32_t)hdr_len;
    r.body_len = (uint32_t)body_len;
    if (!(b = batch_for_put(s, total)) || !(e = store_tab_insert(&s->tab, r.id)))
        return s->failed ? s->failed : -ENOMEM;
    p = b->data + b->len;
    store_seg_encode_hdr(p, &r, hdr, body);
    memcpy(p + STORE_REC_HDR, hdr, hdr_len);
    memcpy(p + STORE_REC_HDR + hdr_len, body, body_len);
    memset(p + STORE_REC_HDR + hdr_len + body_len, 0, total - STORE_REC_HDR - hdr_len - body_len);
    *e = (struct store_ent){.id = r.id,
                            .seg = s->active->num,
                            .off = (uint32_t)s->active->size,
                            .hdr_len = r.hdr_len,
                            .body_len = r.body_len,
                            .refs = 1};
    b->len += total;
    s->active->size += total;
    s->active->live += total;
    *id = s->next_id++;
    return 0;
}

int
wr_store_msg_info(struct wr_store *s, uint64_t id, uint32_t *hdr_len, uint32_t *body_len)
{
    struct store_ent *e = store_tab_find(&s->tab, id);

    if (!e)
        return -ENOENT;
    *hdr_len = e->hdr_len;
    *body_len = e->body_len;
    return 0;
}

/* Gets the record header and payload, from the file or from a batch not yet written. */
static int
read_raw(struct wr_store *s, const struct store_ent *e, uint8_t *rh, void *hdr, void *body)
{
    struct store_seg *g = store_seg_find(s, e->seg);
    size_t plen = (size_t)e->hdr_len + e->body_len;
    const uint8_t *p;

    if (!g)
        return -EIO;
    if (e->off + STORE_REC_HDR + plen <= g->written) {
        struct iovec iov[3] = {{rh, STORE_REC_HDR}, {hdr, e->hdr_len}, {body, e->body_len}};
        ssize_t n = preadv(g->fd, iov, 3, e->off);
        if (n < 0)
            return -errno;
        return (size_t)n == STORE_REC_HDR + plen ? 0 : -EIO;
    }
    p = store_commit_find_pending(s, e->seg, e->off, STORE_REC_HDR + plen);
    if (!p)
        return -EIO;
    memcpy(rh, p, STORE_REC_HDR);
    memcpy(hdr, p + STORE_REC_HDR, e->hdr_len);
    memcpy(body, p + STORE_REC_HDR + e->hdr_len, e->body_len);
    return 0;
}

int
wr_store_read(struct wr_store *s, uint64_t id, void *hdr, void *body)
{
    struct store_ent *e = store_tab_find(&s->tab, id);
    uint8_t rh[STORE_REC_HDR];
    struct store_rec r;
    int rc;

    if (!e)
        return -ENOENT;
    if ((rc = read_raw(s, e, rh, hdr, body)) < 0)
        goto bad;
    rc = -EIO;
    if (store_seg_decode_hdr(rh, &r) < 0 || r.id != id || r.hdr_len != e->hdr_len ||
        r.body_len != e->body_len)
        goto bad;
    if (r.pcrc != store_crc32c(store_crc32c(0, hdr, r.hdr_len), body, r.body_len))
        goto bad;
    return 0;
bad:
    s->corrupt++;
    store_log(s, WR_STORE_LOG_ERROR,
              "message store: cannot read message %" PRIu64 " (segment %" PRIu32 " offset %" PRIu32
              "): %s",
              id, e->seg, e->off, rc == -EIO ? "corrupt record" : strerror(-rc));
    return rc;
}
