/* SPDX-License-Identifier: MPL-2.0 */
/* store/ private: the store struct, on-disk formats, and the functions its files share.
 * Only the store/ sources include this. Fields are owned by the loop thread unless marked [thread].
 */
#ifndef WR_STORE_STORE_INTERNAL_H
#define WR_STORE_STORE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "store/store.h"

/* Segment record: 32-byte header, then hdr bytes, then body bytes, padded to 8 bytes.
 * Little-endian. hcrc covers header bytes 8..31 so a bad length is never trusted; pcrc covers
 * the payload. Alignment lets the scanner resynchronise after a corrupt header. */
#define STORE_REC_MAGIC 0x314d5257u /* "WRM1" */
#define STORE_REC_HDR   32u
#define STORE_ALIGN(n)  (((n) + 7u) & ~(uint64_t)7u)

struct store_rec {
    uint32_t magic, hcrc, pcrc, flags;
    uint64_t id;
    uint32_t hdr_len, body_len;
};

/* Queue index record: crc(4) type(1) flags(1) pad(2) id(8) seq(8). Fixed size, so a bad one is
 * skipped without losing the ones after it. */
#define STORE_QREC 24u
enum store_qtype { STORE_Q_ENQ = 1, STORE_Q_ACK = 2, STORE_Q_DELIV = 3 };
#define STORE_QF_DELIVERED 0x1u

/* One stored message. 32 bytes; the only per-message heap the store keeps. */
struct store_ent {
    uint64_t id; /* 0 = empty slot */
    uint32_t seg, off;
    uint32_t hdr_len, body_len;
    uint32_t refs, pad;
};

struct store_tab {
    struct store_ent *slots;
    size_t cap, count; /* cap is a power of two */
};

struct store_seg {
    uint32_t num;
    int fd;
    uint64_t size;    /* append position */
    uint64_t written; /* bytes on disk (completed batches); above this, data is in a batch */
    uint64_t live;    /* record bytes still referenced */
    bool compacting;
};

struct store_queue {
    uint64_t qid;
    int fd;
    uint64_t size;          /* append position of the index file */
    uint64_t recovered_end; /* compacted prefix produced at open, for wr_store_recover */
    uint64_t batch_gen;     /* == current batch gen when qbuf_idx is valid */
    size_t qbuf_idx;
    struct store_queue *next; /* hash chain */
};

struct store_qbuf {
    int fd;
    uint64_t off;
    uint8_t *buf;
    size_t len, cap;
};

struct store_waiter {
    wr_store_sync_cb *cb;
    void *arg;
};

struct store_unlink {
    int fd; /* closed by the loop once the unlink is done; -1 for none */
    char *path;
};

struct store_move {
    uint64_t id;
    uint32_t off, len, new_off; /* new_off UINT32_MAX: skipped as corrupt */
};

struct store_cjob {
    int src_fd, dst_fd;
    uint32_t src_num, dst_num;
    size_t n;
    struct store_move *mv;
    uint64_t dst_size; /* [thread] bytes written to dst */
    size_t corrupt;    /* [thread] */
    int status;        /* [thread] 0 or -errno */
};

/* A unit of work for the store thread. Immutable once submitted, except [thread] fields. */
struct store_batch {
    STAILQ_ENTRY(store_batch) link;   /* todo/done lists (under the mutex) */
    TAILQ_ENTRY(store_batch) pending; /* loop: submitted, not completed */
    uint64_t gen;
    uint32_t seg_num; /* data goes to segment seg_num (file seg_fd) at seg_off */
    int seg_fd;
    uint64_t seg_off;
    uint8_t *data;
    size_t len, cap;
    struct store_qbuf *qbufs;
    size_t nq, qcap;
    struct store_waiter *waiters;
    size_t nw, wcap;
    struct store_unlink *unlinks;
    size_t nun, uncap;
    struct store_cjob *cjob;
    bool sync_msgdir, sync_qdir;
    int status; /* [thread] 0 or -errno */
};

STAILQ_HEAD(store_bq, store_batch);
TAILQ_HEAD(store_pq, store_batch);

struct wr_store {
    struct wr_store_opts opts;
    struct event_base *base;
    struct event *done_ev;
    int efd;
    int dir_fd, msg_dir_fd, q_dir_fd;
    char *dir;
    struct store_tab tab;
    uint64_t next_id;
    struct store_seg **segs; /* sorted by num */
    size_t nsegs, segcap;
    struct store_seg *active;
    uint32_t next_seg;
    struct store_queue **qbuckets;
    size_t nqbuckets, nqueues;
    struct store_batch *cur; /* being filled */
    struct store_pq pending; /* submitted, oldest first */
    size_t inflight;
    uint64_t gen;
    bool compacting;
    uint32_t compact_dst; /* segment receiving compacted records, 0 = none yet */
    int failed;           /* first write error: later writes are refused */
    uint64_t corrupt;
    uint64_t compactions;
    /* shared with the thread */
    pthread_t thread;
    bool thread_started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct store_bq todo, done; /* under mu */
    bool stop;                  /* under mu */
    atomic_uint_fast64_t fsyncs, rounds, records, pending_bytes;
};

/* crc32c.c */
uint32_t store_crc32c(uint32_t crc, const void *buf, size_t len);

/* store.c */
void store_log(struct wr_store *s, enum wr_store_log_level lv, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
void store_put32(uint8_t *p, uint32_t v);
void store_put64(uint8_t *p, uint64_t v);
uint32_t store_get32(const uint8_t *p);
uint64_t store_get64(const uint8_t *p);
void *store_grow(void *arr, size_t *cap, size_t need, size_t elem);

/* table.c */
int store_tab_init(struct store_tab *t, size_t cap);
void store_tab_fini(struct store_tab *t);
struct store_ent *store_tab_find(const struct store_tab *t, uint64_t id);
struct store_ent *store_tab_insert(struct store_tab *t, uint64_t id); /* NULL on OOM or duplicate */
void store_tab_remove(struct store_tab *t, struct store_ent *e);
void store_tab_drop(struct wr_store *s, struct store_ent *e); /* refs hit 0: unaccount and remove */

/* segment.c */
void store_seg_encode_hdr(uint8_t *out, const struct store_rec *r, const void *hdr,
                          const void *body);
int store_seg_decode_hdr(const uint8_t *p, struct store_rec *r);
struct store_seg *store_seg_find(struct wr_store *s, uint32_t num);
struct store_seg *store_seg_add(struct wr_store *s, uint32_t num, int fd);
void store_seg_remove(struct wr_store *s, struct store_seg *g);
int store_seg_create(struct wr_store *s, uint32_t num, struct store_seg **out);
void store_seg_path(char *out, size_t cap, const char *dir, uint32_t num);
void store_seg_release(struct wr_store *s, struct store_seg *g, uint64_t bytes);

/* qindex.c */
void store_qrec_encode(uint8_t *p, enum store_qtype type, unsigned flags, uint64_t id,
                       uint64_t seq);
int store_qrec_decode(const uint8_t *p, unsigned *type, unsigned *flags, uint64_t *id,
                      uint64_t *seq);
struct store_queue *store_queue_get(struct wr_store *s, uint64_t qid, bool create);
void store_queue_unlink_bucket(struct wr_store *s, struct store_queue *q);
void store_queue_path(char *out, size_t cap, const char *dir, uint64_t qid, const char *suffix);
void store_queues_free(struct wr_store *s);

/* commit.c */
int store_commit_start(struct wr_store *s);
void store_commit_stop(struct wr_store *s);
struct store_batch *
store_commit_cur(struct wr_store *s); /* the batch being filled, or NULL (OOM) */
int store_commit_submit(struct wr_store *s);
int store_commit_add_unlink(struct wr_store *s, int fd, const char *path);
const uint8_t *store_commit_find_pending(struct wr_store *s, uint32_t seg, uint64_t off,
                                         size_t len);
uint64_t store_commit_mem(struct wr_store *s);

/* recover.c */
int store_recover_open(struct wr_store *s);

/* compact.c */
void store_compact_run(struct wr_store *s, struct store_cjob *j);  /* store thread */
void store_compact_done(struct wr_store *s, struct store_cjob *j); /* loop thread */

#endif
