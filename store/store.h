/* SPDX-License-Identifier: MPL-2.0 */
/* The message store: shared append-only segments (each message written once), per-queue index
 * logs, group commit on a store thread, recovery, compaction. The only store header server/ uses.
 *
 * Threading and ownership contract
 * - Every function here is called on the thread that runs the event_base given to
 *   wr_store_open (the loop thread), never concurrently. The store owns one private thread that
 *   writes and fsyncs; it never calls back into the caller. Completions (wr_store_sync_cb) and
 *   log callbacks run on the loop thread, from the event_base or from wr_store_close.
 * - Data passed in (header, body) is copied before the call returns; the caller keeps ownership.
 * - Messages are identified by a store-assigned id (never 0, never reused). A message's disk
 *   record lives while it has references: the caller's guard ref from wr_store_put, one per
 *   wr_store_enqueue, one per wr_store_ref. When the last goes, its bytes become garbage that
 *   compaction reclaims. Using an id after its last reference is dropped is a programmer error.
 * - Nothing is durable until a wr_store_sync callback reports status 0 for a sync requested
 *   after it. Reads work immediately after put (pending data is served from memory).
 * - Memory: the store keeps one 32-byte table entry per stored message (hash slots at load
 *   <= 0.75) plus write batches: a batch is handed over at opts.batch_max_bytes, and the
 *   caller bounds how many are in flight by applying publisher flow control while
 *   wr_store_stats.pending_bytes is high. Nothing else per message or per queue entry lives in
 *   memory; queue order is on disk.
 * Return values: 0 or a negative errno value, unless stated otherwise. */
#ifndef WR_STORE_STORE_H
#define WR_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct wr_store;

/* Same values as server/log.h's enum wr_log_level, so the server can pass its own levels. */
enum wr_store_log_level {
    WR_STORE_LOG_ERROR,
    WR_STORE_LOG_WARN,
    WR_STORE_LOG_INFO,
    WR_STORE_LOG_DEBUG
};

/* Called on the loop thread (or during wr_store_open) with a complete, NUL-terminated line. */
typedef void wr_store_log_cb(enum wr_store_log_level level, const char *line, void *arg);

struct wr_store_opts {
    uint64_t segment_bytes;   /* roll segments at this size; 0 = 16 MiB */
    uint64_t batch_max_bytes; /* hand a batch to the store thread at this size; 0 = 4 MiB */
    double compact_ratio;     /* compact segments whose live/size is below this; 0 = 0.5 */
    bool no_fsync;            /* tests/benchmarks only: skip fdatasync (not durable) */
    wr_store_log_cb *log;     /* NULL: no logging */
    void *log_arg;
    /* Test hook: when > 0 the process calls _exit(77) at compaction step N (1: half the live
     * records copied, 2: copies fsynced, 3: locations switched, old segment not yet unlinked). */
    int test_crash_step;
};

/* Message record flags. */
#define WR_STORE_TRANSIENT 0x1u /* paged-out transient message: dropped at restart */

/* Opens (creating if needed) the store in dir (subdirectories msgs/ and queues/), and recovers:
 * segments are scanned, torn or corrupt records are skipped with a warning, queue indexes are
 * replayed and rewritten compactly. Messages then hold one reference per queue entry; call
 * wr_store_recover before anything else to learn them. base is borrowed and must outlive the
 * store. opts may be NULL. On failure returns NULL with a message in err. */
struct wr_store *wr_store_open(const char *dir, struct event_base *base,
                               const struct wr_store_opts *opts, char *err, size_t errcap);

/* Submits what is pending, waits for the store thread, runs outstanding sync callbacks (status
 * 0 when durable), closes files and frees everything. NULL is accepted. */
void wr_store_close(struct wr_store *s);

/* One recovered queue entry; valid only during the callback. */
struct wr_store_entry {
    uint64_t qid;
    uint64_t msg_id;
    uint64_t seq;     /* the caller's seq from wr_store_enqueue */
    bool redelivered; /* a delivered marker was logged before the restart */
    uint32_t hdr_len; /* sizes for wr_store_read */
    uint32_t body_len;
};

/* Returns nonzero to stop the iteration (wr_store_recover then returns that value). */
typedef int wr_store_recover_cb(const struct wr_store_entry *e, void *arg);

/* Yields every recovered queue entry, each queue's entries together and in enqueue order.
 * Reads the (compacted) indexes sequentially, so memory stays flat. Call after open, before
 * any write. Entries the caller does not keep (queue no longer defined) must be released with
 * wr_store_unref, then the queue removed with wr_store_queue_delete. */
int wr_store_recover(struct wr_store *s, wr_store_recover_cb *cb, void *arg);

/* Appends one message record (hdr: the caller's encoded exchange/routing key/properties; body)
 * and returns its id in *id with one reference held by the caller (the guard: release it with
 * wr_store_unref once the message is enqueued). -EFBIG when the record exceeds 4 GiB. */
int wr_store_put(struct wr_store *s, const void *hdr, size_t hdr_len, const void *body,
                 size_t body_len, unsigned flags, uint64_t *id);

/* Takes / drops one reference without writing an index record (transient paging, guard refs,
 * queues being deleted). */
void wr_store_ref(struct wr_store *s, uint64_t id);
void wr_store_unref(struct wr_store *s, uint64_t id);

/* Per-queue index records, keyed by the caller's stable durable-queue id (qid != 0).
 * enqueue takes one reference and logs (id, seq); ack logs the removal and drops it; delivered
 * logs that the entry has been handed to a consumer, so a restart marks it redelivered. */
int wr_store_enqueue(struct wr_store *s, uint64_t qid, uint64_t id, uint64_t seq);
int wr_store_ack(struct wr_store *s, uint64_t qid, uint64_t id);
int wr_store_delivered(struct wr_store *s, uint64_t qid, uint64_t id);

/* Unlinks the queue's index now (the directory change becomes durable with the next sync), so
 * the same qid can be declared again at once. The caller must first drop the queue's
 * references with wr_store_unref. */
int wr_store_queue_delete(struct wr_store *s, uint64_t qid);

/* Called on the loop thread once everything submitted before the matching wr_store_sync is on
 * disk (status 0) or failed (negative errno; the store then refuses further writes). */
typedef void wr_store_sync_cb(int status, void *arg);

/* Group commit: requests durability of everything submitted so far. Requests made while the
 * store thread is busy share its next fsync. Callbacks run in request order. */
int wr_store_sync(struct wr_store *s, wr_store_sync_cb *cb, void *arg);

/* Sizes of a stored message, from memory (no I/O). -ENOENT for an unknown id. */
int wr_store_msg_info(struct wr_store *s, uint64_t id, uint32_t *hdr_len, uint32_t *body_len);

/* Reads a message into caller buffers of exactly the sizes from wr_store_msg_info: one preadv
 * (page cache) or a memcpy for data not yet written. The checksum is verified: -EIO if the
 * record is corrupt. Cheap enough for the loop thread. */
int wr_store_read(struct wr_store *s, uint64_t id, void *hdr, void *body);

/* Starts compacting the emptiest non-active segment whose live ratio is below
 * opts.compact_ratio: live records are copied forward by the store thread, locations switch
 * when the copy is durable, then the old file is unlinked. Returns 1 if started, 0 if no
 * segment qualifies, -EBUSY while a compaction is running. */
int wr_store_compact(struct wr_store *s);

struct wr_store_stats {
    uint64_t disk_bytes;    /* bytes in segment files */
    uint64_t live_bytes;    /* bytes of records still referenced */
    uint64_t segments;      /* segment files */
    uint64_t messages;      /* messages with references */
    uint64_t mem_bytes;     /* heap held by the store (table, batches, segments, queues) */
    uint64_t pending_bytes; /* submitted but not yet written: for flow control */
    uint64_t fsyncs;        /* fdatasync/fsync calls made */
    uint64_t sync_rounds;   /* store thread write+fsync rounds (one per group commit) */
    uint64_t records_written;
    uint64_t compactions;
    uint64_t corrupt_records; /* skipped at recovery or on read */
};

void wr_store_get_stats(struct wr_store *s, struct wr_store_stats *st);

#endif
