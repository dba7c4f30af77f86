/* SPDX-License-Identifier: MPL-2.0 */
/* A queue's spill: the ready messages behind its in-memory window, kept on disk in publish order
 * with nothing per message in memory (DESIGN.md section 5). A message already in the message
 * store (persistent, durable queue) is spilled as its store id; any other is written whole.
 * The file is unlinked from the start: a spill never outlives the broker, as transient messages
 * do not. Writes are buffered (no syscall per message); space is given back as the head is read. */
#ifndef WR_SPILL_H
#define WR_SPILL_H

#include <stdbool.h>
#include <stdint.h>

struct wr_msg;
struct wr_spill;

/* What a queue entry needs back besides the message. */
struct wr_spill_rec {
    uint64_t store_id; /* 0: the message itself is in the spill */
    uint64_t seq;      /* the queue's publish order */
    int64_t expires;
    uint32_t size; /* body bytes */
    bool redelivered;
};

/* Spill files go to dir (created when missing). NULL (logged) when it cannot be used. */
struct wr_spill *wr_spill_new(const char *dir);
void wr_spill_free(struct wr_spill *s);

/* Appends r, and m's content when r->store_id is 0. -1 (logged) on a write error. */
int wr_spill_push(struct wr_spill *s, const struct wr_spill_rec *r, const struct wr_msg *m);
/* Takes the oldest record: *m is a new message (refs 1) for an in-spill one, NULL for a stored
 * one (m may be NULL: the record is skipped). 0, 1 when the spill is empty, -1 (logged) when it
 * cannot be read back. */
int wr_spill_pop(struct wr_spill *s, struct wr_spill_rec *r, struct wr_msg **m);
uint64_t wr_spill_count(const struct wr_spill *s);
uint64_t wr_spill_bytes(const struct wr_spill *s); /* body bytes of the records held */

/* Empties the spill, calling cb for every record first (stored ones need their store ref
 * dropped). Returns the number of records. */
typedef void wr_spill_visit(const struct wr_spill_rec *r, void *arg);
uint64_t wr_spill_clear(struct wr_spill *s, wr_spill_visit *cb, void *arg);

#endif
