/* SPDX-License-Identifier: MPL-2.0 */
/* store/ private: the metadata log handle, the disk backend's state and file formats, and the
 * functions the meta_*.c files share. Only store/meta*.c include this. */
#ifndef WR_STORE_META_INTERNAL_H
#define WR_STORE_META_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/meta.h"

struct wr_meta {
    struct wr_meta_opts opts;
    const struct wr_meta_backend *ops;
    void *be;
    struct wr_meta_fsm fsm; /* the caller's, set by wr_meta_recover */
    bool recovered;
    uint64_t apply_errors;
};

/* Disk format, little-endian, every file in <dir>/meta/.
 * log.NNNNNNNN: 8-byte magic, then records: crc(4) len(4) index(8) payload(len). crc is the
 *   CRC32C of bytes 4..15 and the payload, so a damaged length is never trusted. Indexes
 *   run 1, 2, 3... across files with no gaps; a record out of sequence ends the replay.
 * snapshot.NNNNNNNN: magic(8) crc(4) zero(4) index(8) len(8) state(len); crc covers bytes
 *   12..31 and the state. It holds the state after command `index` and was taken when log
 *   NNNNNNNN was started, so recovery replays logs numbered >= NNNNNNNN.
 * *.tmp: a snapshot being written; removed at recovery. */
#define META_LOG_MAGIC  "WRMETAL1"
#define META_SNAP_MAGIC "WRMETAS1"
#define META_MAGIC_LEN  8u
#define META_REC_HDR    16u
#define META_SNAP_HDR   32u

struct meta_disk {
    struct wr_meta_opts opts;
    int dir_fd;          /* <dir>/meta */
    int log_fd;          /* active log; -1 until recovered */
    uint32_t log_num;    /* its number */
    uint64_t log_size;   /* its append position */
    uint32_t snap_num;   /* newest valid snapshot's number, 0 = none */
    uint32_t oldest_num; /* lowest file number that may still exist */
    uint64_t last_index; /* newest durable command */
    uint64_t snap_index;
    uint64_t log_records, log_bytes; /* since the snapshot */
    uint64_t snapshots, fsyncs, corrupt;
    bool damaged; /* recovery stopped early: snapshot soon */
    bool failed;  /* a write could not be undone: refuse appends */
};

/* meta.c */
void meta_log(const struct wr_meta_opts *o, enum wr_store_log_level lv, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* meta_disk.c */
extern const struct wr_meta_backend meta_disk_ops;
int meta_disk_new(const char *dir, const struct wr_meta_opts *opts, struct meta_disk **out);
int meta_disk_new_log(struct meta_disk *d, uint32_t num);
void meta_disk_name(char *out, size_t cap, const char *prefix, uint32_t num, const char *suffix);

/* meta_disk_recover.c */
int meta_disk_recover(void *be, const struct wr_meta_fsm *fsm);

/* meta_ram.c */
extern const struct wr_meta_backend meta_ram_ops;
void *meta_ram_new(void);

#endif
