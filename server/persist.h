/* SPDX-License-Identifier: MPL-2.0 */
/* The bridge between broker objects and the message store: persistent messages in durable
 * queues are written once, their confirms and tx.commit-ok wait for the group fsync, and a
 * restart recovers them in order (DESIGN.md section 5). */
#ifndef WR_PERSIST_H
#define WR_PERSIST_H

#include <stdbool.h>
#include <stdint.h>

struct event_base;
struct wr_msg;
struct wr_persist;

/* Called on the loop thread when everything a waiter asked for is durable. */
typedef void wr_persist_done_cb(void *owner, uint64_t upto, bool commit);

struct wr_persist_opts {
    uint64_t segment_bytes; /* 0 = the store's default */
    uint32_t compact_ms;    /* least time between compaction attempts */
};

/* Opens DIR (created if needed); NULL (logged) on failure. */
struct wr_persist *wr_persist_open(struct event_base *base, const char *dir,
                                   const struct wr_persist_opts *opts, wr_persist_done_cb *done);
void wr_persist_close(struct wr_persist *p);

/* Recovery: cb receives each stored message of queue qid in order; the message stays on disk
 * until wr_persist_load reads it. */
typedef void wr_persist_recover_cb(uint64_t qid, uint64_t store_id, uint32_t size, uint64_t seq,
                                   bool redelivered, void *arg);
/* Entries of qids for which exists(qid) is false are released and their indexes deleted. */
int wr_persist_recover(struct wr_persist *p, bool (*exists)(uint64_t qid, void *arg),
                       wr_persist_recover_cb *cb, void *arg);

/* Reads a stored message back (paging in, recovery): a new message with one ref and
 * store_id set, or NULL when the record is unreadable (logged by the store). */
struct wr_msg *wr_persist_load(struct wr_persist *p, uint64_t store_id);

/* Writes m once (idempotent, sets m->store_id) and takes a guard ref; -1 if the store failed. */
int wr_persist_put(struct wr_persist *p, struct wr_msg *m);
void wr_persist_release(struct wr_persist *p, struct wr_msg *m);
/* Pages a transient message out under memory pressure: a record dropped at restart, held by
 * the returned id's single reference (release it with wr_persist_unref). */
int wr_persist_put_transient(struct wr_persist *p, const struct wr_msg *m, uint64_t *id);
/* Per-queue index records of a stored message. */
void wr_persist_enqueue(struct wr_persist *p, uint64_t qid, uint64_t id, uint64_t seq);
void wr_persist_ack(struct wr_persist *p, uint64_t qid, uint64_t id);
void wr_persist_delivered(struct wr_persist *p, uint64_t qid, uint64_t id);
void wr_persist_unref(struct wr_persist *p, uint64_t id);
void wr_persist_queue_delete(struct wr_persist *p, uint64_t qid);

/* Asks for done(owner, upto, commit) after the next group fsync (one per loop pass). */
void wr_persist_wait(struct wr_persist *p, void *owner, uint64_t upto, bool commit);
/* The owner is going away: its pending waits are dropped. */
void wr_persist_forget(struct wr_persist *p, void *owner);

#endif
