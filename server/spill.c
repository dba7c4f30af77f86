/* SPDX-License-Identifier: MPL-2.0 */
/* One unlinked file per spilling queue, read from the head and appended at the tail. The
 * logical stream is the flushed file followed by the write buffer; the read buffer holds a
 * window of it starting at rbuf_off. Records are native-endian: nobody else ever reads them. */
#include "server/spill.h"

#include "server/log.h"
#include "server/mem.h"
#include "server/msg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WR_SPILL_BUF   (256 * 1024)
#define WR_SPILL_PUNCH (16 * 1024 * 1024) /* give disk space back in steps this large */

struct wr_spill_hdr {
    uint64_t store_id;
    uint64_t seq;
    int64_t expires;
    uint32_t size;    /* body bytes */
    uint32_t hdr_len; /* exchange, routing key and properties (wr_msg_hdr_encode); 0 if stored */
    uint8_t redelivered;
    uint8_t pad[7];
};

struct wr_spill {
    int fd;
    uint64_t count, bytes;
    uint64_t head;     /* logical offset of the oldest record */
    uint64_t file_len; /* bytes written to the file; the write buffer follows them */
    uint64_t punched;  /* file bytes before this offset were given back */
    uint8_t *wbuf, *rbuf;
    size_t wlen, wcap, rlen, rcap;
    uint64_t rbuf_off; /* logical offset of rbuf[0] */
};

static int
wr_spill_open_file(const char *dir)
{
    char path[4096];
    int fd;

    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return -1;
    fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
    /* file systems without O_TMPFILE: a named file, unlinked at once */
    snprintf(path, sizeof(path), "%s/spill-XXXXXX", dir);
    fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0)
        unlink(path);
    return fd;
}

struct wr_spill *
wr_spill_new(const char *dir)
{
    int fd = wr_spill_open_file(dir);
    struct wr_spill *s;

    if (fd < 0) {
        wr_log(WR_LOG_ERROR, "cannot create a spill file in %s: %s", dir, strerror(errno));
        return NULL;
    }
    s = wr_xcalloc(1, sizeof(*s));
    s->fd = fd;
    return s;
}

void
wr_spill_free(struct wr_spill *s)
{
    if (s == NULL)
        return;
    close(s->fd);
    free(s->wbuf);
    free(s->rbuf);
    free(s);
}

uint64_t
wr_spill_count(const struct wr_spill *s)
{
    return s ? s->count : 0;
}

uint64_t
wr_spill_bytes(const struct wr_spill *s)
{
    return s ? s->bytes : 0;
}

static int
wr_spill_flush(struct wr_spill *s)
{
    size_t done = 0;

    while (done < s->wlen) {
        ssize_t n = pwrite(s->fd, s->wbuf + done, s->wlen - done, (off_t)(s->file_len + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            wr_log(WR_LOG_ERROR, "spill write failed: %s", n < 0 ? strerror(errno) : "no space");
            return -1;
        }
        done += (size_t)n;
    }
    s->file_len += s->wlen;
    s->wlen = 0;
    return 0;
}

static void
wr_spill_reserve(uint8_t **buf, size_t *cap, size_t need)
{
    if (*cap >= need)
        return;
    *cap = need > WR_SPILL_BUF ? need : WR_SPILL_BUF;
    *buf = wr_xrealloc(*buf, *cap);
}

int
wr_spill_push(struct wr_spill *s, const struct wr_spill_rec *r, const struct wr_msg *m)
{
    struct wr_spill_hdr h = {.store_id = r->store_id,
                             .seq = r->seq,
                             .expires = r->expires,
                             .size = r->size,
                             .redelivered = r->redelivered};
    size_t len;

    if (r->store_id == 0)
        h.hdr_len = (uint32_t)wr_msg_hdr_len(m);
    len = sizeof(h) + h.hdr_len + (r->store_id == 0 ? r->size : 0);
    if (s->wlen + len > WR_SPILL_BUF && s->wlen > 0 && wr_spill_flush(s) < 0)
        return -1;
    wr_spill_reserve(&s->wbuf, &s->wcap, s->wlen + len);
    memcpy(s->wbuf + s->wlen, &h, sizeof(h));
    if (r->store_id == 0) {
        wr_msg_hdr_encode(m, s->wbuf + s->wlen + sizeof(h));
        memcpy(s->wbuf + s->wlen + sizeof(h) + h.hdr_len, m->body, r->size);
    }
    s->wlen += len;
    s->count++;
    s->bytes += r->size;
    return 0;
}

/* The n logical bytes from the head: still in the write buffer (a record is never split
 * between it and the file), or read into the read buffer. NULL (logged) on a read error. */
static const uint8_t *
wr_spill_at(struct wr_spill *s, size_t n)
{
    size_t pos, have;

    if (s->head >= s->file_len)
        return s->head - s->file_len + n <= s->wlen ? s->wbuf + (s->head - s->file_len) : NULL;
    if (s->head < s->rbuf_off || s->head - s->rbuf_off > s->rlen) {
        /* the head was read from the write buffer, which has been flushed since */
        s->rbuf_off = s->head;
        s->rlen = 0;
    }
    pos = (size_t)(s->head - s->rbuf_off);
    have = s->rlen - pos;
    if (have >= n)
        return s->rbuf + pos;
    if (have > 0)
        memmove(s->rbuf, s->rbuf + pos, have);
    s->rbuf_off = s->head;
    s->rlen = have;
    wr_spill_reserve(&s->rbuf, &s->rcap, n);
    while (s->rlen < n) {
        uint64_t at = s->rbuf_off + s->rlen;
        size_t want = s->rcap - s->rlen;
        ssize_t got;

        if (at + want > s->file_len)
            want = (size_t)(s->file_len - at);
        got = want ? pread(s->fd, s->rbuf + s->rlen, want, (off_t)at) : 0;
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            wr_log(WR_LOG_ERROR, "spill read failed: %s", got < 0 ? strerror(errno) : "truncated");
            return NULL;
        }
        s->rlen += (size_t)got;
    }
    return s->rbuf;
}

/* Empty again: writing restarts at offset 0 (a large file is cut back first). Otherwise the
 * blocks of what was read go back to the file system. */
static void
wr_spill_reclaim(struct wr_spill *s)
{
    uint64_t upto;

    if (s->count == 0) {
        if (s->file_len > WR_SPILL_PUNCH && ftruncate(s->fd, 0) < 0)
            wr_log(WR_LOG_WARN, "spill truncate failed: %s", strerror(errno));
        if (s->rcap > WR_SPILL_BUF || s->wcap > WR_SPILL_BUF) {
            free(s->wbuf);
            free(s->rbuf);
            s->wbuf = s->rbuf = NULL;
            s->wcap = s->rcap = 0;
        }
        s->wlen = s->rlen = 0;
        s->head = s->file_len = s->punched = s->rbuf_off = 0;
        return;
    }
    upto = (s->head < s->file_len ? s->head : s->file_len) & ~(uint64_t)4095;
    if (upto - s->punched < WR_SPILL_PUNCH)
        return;
    /* best effort: without hole punching the file only shrinks when the spill empties */
    (void)fallocate(s->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)s->punched,
                    (off_t)(upto - s->punched));
    s->punched = upto;
}

int
wr_spill_pop(struct wr_spill *s, struct wr_spill_rec *r, struct wr_msg **m)
{
    struct wr_spill_hdr h;
    size_t len;
    const uint8_t *p;

    if (s->count == 0)
        return 1;
    if ((p = wr_spill_at(s, sizeof(h))) == NULL)
        return -1;
    memcpy(&h, p, sizeof(h));
    len = sizeof(h) + h.hdr_len + (h.store_id == 0 ? h.size : 0);
    if ((p = wr_spill_at(s, len)) == NULL)
        return -1;
    p += sizeof(h);
    *r = (struct wr_spill_rec){h.store_id, h.seq, h.expires, h.size, h.redelivered != 0};
    if (m != NULL && h.store_id == 0) {
        *m = wr_msg_hdr_decode(p, h.hdr_len, h.size);
        if (*m == NULL) {
            wr_log(WR_LOG_ERROR, "spill record unreadable");
            return -1;
        }
        memcpy((*m)->body, p + h.hdr_len, h.size);
        (*m)->received = h.size;
        wr_msg_set_props_info(*m);
    } else if (m != NULL) {
        *m = NULL;
    }
    s->head += len;
    s->count--;
    s->bytes -= h.size;
    wr_spill_reclaim(s);
    return 0;
}

uint64_t
wr_spill_clear(struct wr_spill *s, wr_spill_visit *cb, void *arg)
{
    uint64_t n = s->count;
    struct wr_spill_rec r;

    while (s->count > 0 && wr_spill_pop(s, &r, NULL) == 0)
        if (cb != NULL)
            cb(&r, arg);
    if (s->count > 0) { /* unreadable: what is left is lost with the file */
        s->count = s->bytes = 0;
        wr_spill_reclaim(s);
    }
    return n;
}
