/* SPDX-License-Identifier: MPL-2.0 */
/* The metadata log: vhosts, users, permissions, policies, exchanges, bindings and durable queue
 * records as opaque commands applied to one deterministic state machine owned by the caller.
 * Behind it sits a pluggable backend: a local log plus snapshots (disk node), memory only (RAM
 * node), and later Raft (cluster/). Also a small record builder/reader for encoding commands.
 *
 * Contract
 * - One thread (the loop thread) calls everything here; nothing is internally threaded.
 * - The caller's state changes only inside its wr_meta_fsm callbacks: restore (replace the
 *   whole state with a snapshot) and apply (one command). Both run during wr_meta_recover and
 *   apply also runs inside wr_meta_append, after the command is durable. That single path is
 *   what makes replay (and a later Raft backend, which calls apply when a command commits)
 *   reproduce the live state. apply must be deterministic: same state + same command = same
 *   result, including the same error. Validate requests before appending them; an apply error
 *   is reported to the appender and merely counted at replay.
 * - The built-in backends are synchronous: wr_meta_append returns after one write + fdatasync
 *   (disk) and the apply. Metadata changes are rare (declares, not publishes), so blocking the
 *   loop for one fsync is accepted; batch several commands with wr_meta_append_many.
 * - Command and state bytes are copied (written) before a call returns; the caller keeps them.
 *   Blobs passed to the fsm callbacks are borrowed and valid only during the callback.
 * Return values: 0 or a negative errno value, unless stated otherwise. */
#ifndef WR_STORE_META_H
#define WR_STORE_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h" /* wr_store_log_cb, enum wr_store_log_level: one logger for both */

struct wr_meta;

/* Largest command wr_meta_append accepts, and largest snapshot (both also bound recovery). */
#define WR_META_MAX_CMD      (64u << 20)
#define WR_META_MAX_SNAPSHOT ((uint64_t)1 << 32)

enum wr_meta_kind {
    WR_META_DISK, /* log + snapshots in <dir>/meta/, survives restarts */
    WR_META_RAM   /* nothing on disk; recovery yields nothing (state comes from a peer) */
};

/* The caller's state machine. Return 0 on success; arg is the fsm's own. */
struct wr_meta_fsm {
    int (*restore)(const void *state, size_t len, void *arg); /* replace the whole state */
    int (*apply)(const void *cmd, size_t len, void *arg);     /* apply one command */
    void *arg;
};

/* One command of a batch (borrowed). */
struct wr_meta_cmd {
    const void *data;
    size_t len;
};

struct wr_meta_stats {
    uint64_t last_index;      /* index of the newest durable command (1-based, 0 = none) */
    uint64_t snapshot_index;  /* last command covered by the newest snapshot */
    uint64_t log_records;     /* commands logged since that snapshot */
    uint64_t log_bytes;       /* log bytes since that snapshot */
    uint64_t snapshots;       /* snapshots written by this process */
    uint64_t fsyncs;          /* fdatasync/fsync calls made */
    uint64_t corrupt_records; /* torn/corrupt records, files or snapshots met at recovery */
    uint64_t apply_errors;    /* applies that returned nonzero (append or replay) */
};

/* A backend. The built-in ones are chosen by wr_meta_open; another module (cluster/: Raft)
 * supplies its own through wr_meta_open_backend. be is the backend's private state. */
struct wr_meta_backend {
    const char *name;
    /* Feeds the durable state to fsm: restore at most once, then apply per command in order.
     * Damage is logged and counted, never applied. Called once, before any append. */
    int (*recover)(void *be, const struct wr_meta_fsm *fsm);
    /* Makes n >= 1 commands durable (disk) / committed (Raft) in order; 0 once they are. On
     * failure none of them may be applied. */
    int (*append)(void *be, const struct wr_meta_cmd *cmds, size_t n);
    /* Stores state as covering every command appended so far; may drop older log records. */
    int (*snapshot)(void *be, const void *state, size_t len);
    /* Fills the backend's fields (all but apply_errors). */
    void (*stats)(void *be, struct wr_meta_stats *st);
    /* True when a snapshot is due (log too long, or recovery met damage). */
    bool (*should_snapshot)(void *be);
    void (*close)(void *be); /* frees be */
};

struct wr_meta_opts {
    uint64_t snapshot_bytes;   /* wr_meta_should_snapshot when the log exceeds this; 0 = 4 MiB */
    uint64_t snapshot_records; /* ... or holds this many commands; 0 = 10000 */
    bool no_fsync;             /* tests/benchmarks only: skip fsyncs (not durable) */
    wr_store_log_cb *log;      /* NULL: no logging */
    void *log_arg;
    /* Test hook: when > 0, wr_meta_snapshot calls _exit(77) at step N (1: temp file written
     * and fsynced, not renamed; 2: renamed, older files not yet deleted). */
    int test_crash_step;
};

/* Opens a metadata log of the given kind. WR_META_DISK creates <dir>/meta/ if needed (dir is
 * the node's data directory, shared with the message store); WR_META_RAM ignores dir. Nothing
 * is read until wr_meta_recover. opts may be NULL. On failure returns NULL with a message in
 * err. */
struct wr_meta *wr_meta_open(const char *dir, enum wr_meta_kind kind,
                             const struct wr_meta_opts *opts, char *err, size_t errcap);

/* Opens over a caller-supplied backend; ops must outlive the handle, be is owned by it from
 * now on (ops->close frees it, also when this fails). Returns NULL only on OOM. */
struct wr_meta *wr_meta_open_backend(const struct wr_meta_backend *ops, void *be,
                                     const struct wr_meta_opts *opts);

/* Closes files and frees everything (ops->close). NULL is accepted. */
void wr_meta_close(struct wr_meta *m);

/* Replays the durable state into fsm (copied; used again by every append): restore from the
 * newest valid snapshot, then apply each later command in order. Commands are numbered; a
 * torn tail or a corrupt record is logged (WARN) and ends the replay of its file, and a later
 * command is applied only if it continues the numbering (commands appended after an earlier
 * damaged recovery do; those that followed the damage do not). An apply error is logged and
 * counted, and the replay goes on (it happened live too). Must be called exactly once, before
 * any append. Fails on I/O errors or when restore fails. */
int wr_meta_recover(struct wr_meta *m, const struct wr_meta_fsm *fsm);

/* Makes cmd durable, then applies it. Returns a negative errno if it could not be made
 * durable (nothing applied; on a disk error the log refuses later appends: -EIO), else what
 * fsm.apply returned. -EMSGSIZE beyond WR_META_MAX_CMD, -EINVAL before wr_meta_recover. */
int wr_meta_append(struct wr_meta *m, const void *cmd, size_t len);

/* Same for n commands with a single write + fsync, applied in order. Returns the first
 * nonzero apply result (all are applied regardless: they are durable). */
int wr_meta_append_many(struct wr_meta *m, const struct wr_meta_cmd *cmds, size_t n);

/* Stores the caller's serialised whole state (as of every command appended so far) so the
 * log before it can be dropped. Disk: temp file, fsync, a new log file, rename, directory
 * fsync, then older logs and snapshots are deleted. RAM: no-op. On failure the previous snapshot
 * and the logs still recover everything. */
int wr_meta_snapshot(struct wr_meta *m, const void *state, size_t len);

/* True when the caller should serialise its state and call wr_meta_snapshot: the log since
 * the last snapshot exceeds opts.snapshot_bytes or opts.snapshot_records, or recovery met a
 * damaged log (a snapshot then makes the recovered state the new base). */
bool wr_meta_should_snapshot(struct wr_meta *m);

void wr_meta_get_stats(struct wr_meta *m, struct wr_meta_stats *st);

/* ---- Command encoding ---------------------------------------------------------------------
 * A positional little-endian record: u8/u32/u64 as is, str and bytes as a u32 length then the
 * bytes. Convention: start each command with an op byte and a version byte, so a later
 * version can append fields that older readers check for with wr_meta_rd_left. */

/* Builder. Errors are sticky (check once with wr_meta_rec_error at the end). */
struct wr_meta_rec {
    uint8_t *buf; /* owned; NULL until the first put */
    size_t len, cap;
    int err; /* 0, -ENOMEM, or -EMSGSIZE past WR_META_MAX_CMD */
};

void wr_meta_rec_init(struct wr_meta_rec *r);
void wr_meta_rec_fini(struct wr_meta_rec *r);  /* frees buf; r may be reused after init */
void wr_meta_rec_reset(struct wr_meta_rec *r); /* len = 0, err = 0, keeps the buffer */
void wr_meta_rec_put_u8(struct wr_meta_rec *r, uint8_t v);
void wr_meta_rec_put_u32(struct wr_meta_rec *r, uint32_t v);
void wr_meta_rec_put_u64(struct wr_meta_rec *r, uint64_t v);
void wr_meta_rec_put_str(struct wr_meta_rec *r, const char *s); /* NUL-terminated */
void wr_meta_rec_put_bytes(struct wr_meta_rec *r, const void *p, size_t len);
int wr_meta_rec_error(const struct wr_meta_rec *r);

/* Reader over borrowed bytes (which may be corrupt). Every getter returns 0 or -EBADMSG on
 * truncation / bad content; errors are sticky, so a caller may read all fields and check the
 * last result or wr_meta_rd_end. Outputs are left zeroed/empty on error. */
struct wr_meta_rd {
    const uint8_t *p;
    size_t len, off;
    int err;
};

void wr_meta_rd_init(struct wr_meta_rd *r, const void *p, size_t len);
int wr_meta_rd_u8(struct wr_meta_rd *r, uint8_t *v);
int wr_meta_rd_u32(struct wr_meta_rd *r, uint32_t *v);
int wr_meta_rd_u64(struct wr_meta_rd *r, uint64_t *v);
/* Copies a str into out (cap bytes incl. the NUL). -EBADMSG if it does not fit or holds a NUL
 * byte (names in the state are C strings). */
int wr_meta_rd_str(struct wr_meta_rd *r, char *out, size_t cap);
/* A view into the record's bytes, valid as long as they are. */
int wr_meta_rd_bytes(struct wr_meta_rd *r, const void **p, size_t *len);
size_t wr_meta_rd_left(const struct wr_meta_rd *r);
/* 0 if no error occurred and every byte was consumed; else -EBADMSG. */
int wr_meta_rd_end(const struct wr_meta_rd *r);

#endif
