/* SPDX-License-Identifier: MPL-2.0 */
/* Per-queue index logs queues/<qid>.idx: fixed 24-byte records (enqueue id+seq, ack, delivered
 * marker) appended through the current write batch. Replay and rewrite live in recover.c. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store_internal.h"

void
store_qrec_encode(uint8_t *p, enum store_qtype type, unsigned flags, uint64_t id, uint64_t seq)
{
    p[4] = (uint8_t)type;
    p[5] = (uint8_t)flags;
    p[6] = p[7] = 0;
    store_put64(p + 8, id);
    store_put64(p + 16, seq);
    store_put32(p, store_crc32c(0, p + 4, STORE_QREC - 4));
}

/* Returns 0 for an intact, well-formed record. */
int
store_qrec_decode(const uint8_t *p, unsigned *type, unsigned *flags, uint64_t *id, uint64_t *seq)
{
    if (store_get32(p) != store_crc32c(0, p + 4, STORE_QREC - 4))
        return -1;
    *type = p[4];
    *flags = p[5];
    *id = store_get64(p + 8);
    *seq = store_get64(p + 16);
    if (*type < STORE_Q_ENQ || *type > STORE_Q_DELIV || (*flags & ~STORE_QF_DELIVERED) || !*id)
        return -1;
    return 0;
}

void
store_queue_path(char *out, size_t cap, const char *dir, uint64_t qid, const char *suffix)
{
    snprintf(out, cap, "%s%s%016" PRIx64 ".idx%s", dir ? dir : "", dir ? "/queues/" : "", qid,
             suffix);
}

static int
rehash(struct wr_store *s)
{
    size_t n = s->nqbuckets ? s->nqbuckets * 2 : 64;
    struct store_queue **b = calloc(n, sizeof(*b));

    if (!b)
        return -ENOMEM;
    for (size_t i = 0; i < s->nqbuckets; i++) {
        struct store_queue *q, *next;
        for (q = s->qbuckets[i]; q; q = next) {
            next = q->next;
            q->next = b[q->qid & (n - 1)];
            b[q->qid & (n - 1)] = q;
        }
    }
    free(s->qbuckets);
    s->qbuckets = b;
    s->nqbuckets = n;
    return 0;
}

static struct store_queue *
queue_create(struct wr_store *s, uint64_t qid)
{
    struct store_queue *q;
    char name[64];
    int fd;

    if (s->nqueues >= s->nqbuckets && rehash(s) < 0)
        return NULL;
    if (!(q = calloc(1, sizeof(*q))))
        return NULL;
    store_queue_path(name, sizeof(name), NULL, qid, "");
    fd = openat(s->q_dir_fd, name, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        store_log(s, WR_STORE_LOG_ERROR, "message store: cannot open queue index %s: %s", name,
                  strerror(errno));
        free(q);
        return NULL;
    }
    q->qid = qid;
    q->fd = fd;
    q->next = s->qbuckets[qid & (s->nqbuckets - 1)];
    s->qbuckets[qid & (s->nqbuckets - 1)] = q;
    s->nqueues++;
    return q;
}

/* Finds the queue's index; with create, opens (creating) the file. The new directory entry is
 * made durable with the next batch. */
struct store_queue *
store_queue_get(struct wr_store *s, uint64_t qid, bool create)
{
    struct store_queue *q = NULL;

    if (s->nqbuckets)
        for (q = s->qbuckets[qid & (s->nqbuckets - 1)]; q && q->qid != qid; q = q->next)
            ;
    if (q || !create)
        return q;
    if ((q = queue_create(s, qid)) != NULL && store_commit_cur(s))
        s->cur->sync_qdir = true;
    return q;
}

void
store_queue_unlink_bucket(struct wr_store *s, struct store_queue *q)
{
    struct store_queue **pp = &s->qbuckets[q->qid & (s->nqbuckets - 1)];

    while (*pp != q)
        pp = &(*pp)->next;
    *pp = q->next;
    s->nqueues--;
}

void
store_queues_free(struct wr_store *s)
{
    for (size_t i = 0; i < s->nqbuckets; i++) {
        struct store_queue *q, *next;
        for (q = s->qbuckets[i]; q; q = next) {
            next = q->next;
            if (q->fd >= 0)
                close(q->fd);
            free(q);
        }
    }
    free(s->qbuckets);
    s->qbuckets = NULL;
    s->nqbuckets = s->nqueues = 0;
}

static int
append(struct wr_store *s, uint64_t qid, enum store_qtype type, uint64_t id, uint64_t seq)
{
    struct store_queue *q = store_queue_get(s, qid, true);
    struct store_batch *b = store_commit_cur(s);
    struct store_qbuf *qb;

    if (s->failed)
        return s->failed;
    if (!q || !b)
        return -ENOMEM;
    if (q->batch_gen != b->gen) {
        if (!(qb = store_grow(b->qbufs, &b->qcap, b->nq + 1, sizeof(*qb))))
            return -ENOMEM;
        b->qbufs = qb;
        b->qbufs[b->nq] = (struct store_qbuf){.fd = q->fd, .off = q->size};
        q->qbuf_idx = b->nq++;
        q->batch_gen = b->gen;
    }
    qb = &b->qbufs[q->qbuf_idx];
    if (!(qb->buf = store_grow(qb->buf, &qb->cap, qb->len + STORE_QREC, 1)))
        return -ENOMEM;
    store_qrec_encode(qb->buf + qb->len, type, 0, id, seq);
    qb->len += STORE_QREC;
    q->size += STORE_QREC;
    return 0;
}

int
wr_store_enqueue(struct wr_store *s, uint64_t qid, uint64_t id, uint64_t seq)
{
    struct store_ent *e = store_tab_find(&s->tab, id);
    int rc;

    if (!e || e->refs == 0)
        return -ENOENT;
    if ((rc = append(s, qid, STORE_Q_ENQ, id, seq)) == 0)
        e->refs++;
    return rc;
}

int
wr_store_ack(struct wr_store *s, uint64_t qid, uint64_t id)
{
    int rc = append(s, qid, STORE_Q_ACK, id, 0);

    if (rc == 0)
        wr_store_unref(s, id);
    return rc;
}

int
wr_store_delivered(struct wr_store *s, uint64_t qid, uint64_t id)
{
    return append(s, qid, STORE_Q_DELIV, id, 0);
}

/* Unlinked now, so a queue re-declared with the same id starts a fresh file; the descriptor
 * is closed only after batches that still write to it are done. */
int
wr_store_queue_delete(struct wr_store *s, uint64_t qid)
{
    struct store_queue *q = store_queue_get(s, qid, false);
    char name[64];
    int rc;

    if (!q)
        return 0;
    store_queue_path(name, sizeof(name), NULL, qid, "");
    if (unlinkat(s->q_dir_fd, name, 0) < 0 && errno != ENOENT)
        return -errno;
    if ((rc = store_commit_add_unlink(s, q->fd, NULL)) < 0)
        return rc;
    s->cur->sync_qdir = true;
    store_queue_unlink_bucket(s, q);
    free(q);
    return 0;
}
