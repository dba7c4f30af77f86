/* SPDX-License-Identifier: MPL-2.0 */
/* The disk-node metadata backend, write side: opening <dir>/meta, appending CRC'd records to
 * the active log with one fdatasync per batch, and snapshots (temp file, fsync, new log,
 * rename, directory fsync, then older files deleted). Reading is meta_disk_recover.c. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/meta_internal.h"
#include "store/store_internal.h"

void
meta_disk_name(char *out, size_t cap, const char *prefix, uint32_t num, const char *suffix)
{
    snprintf(out, cap, "%s%08" PRIu32 "%s", prefix, num, suffix);
}

/* fdatasync for files; directories need fsync for their entries. */
static int
disk_sync(struct meta_disk *d, int fd, bool is_dir)
{
    if (d->opts.no_fsync)
        return 0;
    d->fsyncs++;
    if ((is_dir ? fsync(fd) : fdatasync(fd)) < 0)
        return -errno;
    return 0;
}

static int
write_all(int fd, const void *buf, size_t len, uint64_t off)
{
    const uint8_t *p = buf;

    while (len > 0) {
        ssize_t n = pwrite(fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

int
meta_disk_new(const char *dir, const struct wr_meta_opts *opts, struct meta_disk **out)
{
    struct meta_disk *d = calloc(1, sizeof(*d));
    int parent = -1, rc = 0;

    if (!d)
        return -ENOMEM;
    if (opts)
        d->opts = *opts;
    d->opts.snapshot_bytes = d->opts.snapshot_bytes ? d->opts.snapshot_bytes : 4u << 20;
    d->opts.snapshot_records = d->opts.snapshot_records ? d->opts.snapshot_records : 10000;
    d->dir_fd = d->log_fd = -1;
    if ((mkdir(dir, 0750) < 0 && errno != EEXIST) ||
        (parent = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
        (mkdirat(parent, "meta", 0750) < 0 && errno != EEXIST) ||
        (d->dir_fd = openat(parent, "meta", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        rc = -errno;
    if (rc == 0) /* meta/ itself must survive a crash */
        rc = disk_sync(d, parent, true);
    if (parent >= 0)
        close(parent);
    if (rc < 0) {
        meta_disk_ops.close(d);
        return rc;
    }
    *out = d;
    return 0;
}

/* Creates log.<num> holding just the magic, durably, and makes it the active log. */
int
meta_disk_new_log(struct meta_disk *d, uint32_t num)
{
    char name[64];
    int fd, rc;

    meta_disk_name(name, sizeof(name), "log.", num, "");
    fd = openat(d->dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0)
        return -errno;
    rc = write_all(fd, META_LOG_MAGIC, META_MAGIC_LEN, 0);
    if (rc == 0)
        rc = disk_sync(d, fd, false);
    if (rc == 0)
        rc = disk_sync(d, d->dir_fd, true);
    if (rc < 0) {
        close(fd);
        unlinkat(d->dir_fd, name, 0);
        return rc;
    }
    if (d->log_fd >= 0)
        close(d->log_fd);
    d->log_fd = fd;
    d->log_num = num;
    d->log_size = META_MAGIC_LEN;
    return 0;
}

static uint8_t *
encode_batch(const struct meta_disk *d, const struct wr_meta_cmd *cmds, size_t n, size_t *total)
{
    size_t len = 0, off = 0;
    uint8_t *buf;

    for (size_t i = 0; i < n; i++)
        len += META_REC_HDR + cmds[i].len;
    if (!(buf = malloc(len)))
        return NULL;
    for (size_t i = 0; i < n; i++) {
        uint8_t *h = buf + off;
        store_put32(h + 4, (uint32_t)cmds[i].len);
        store_put64(h + 8, d->last_index + 1 + i);
        if (cmds[i].len)
            memcpy(h + META_REC_HDR, cmds[i].data, cmds[i].len);
        store_put32(h, store_crc32c(0, h + 4, META_REC_HDR - 4 + cmds[i].len));
        off += META_REC_HDR + cmds[i].len;
    }
    *total = len;
    return buf;
}

/* A failed write is cut off again so the next record does not follow garbage; if even that
 * fails, or fdatasync failed (the kernel may have dropped the pages), the log stops. */
static int
disk_append(void *be, const struct wr_meta_cmd *cmds, size_t n)
{
    struct meta_disk *d = be;
    size_t total = 0;
    uint8_t *buf = NULL;
    int rc = -EIO;

    if (d->failed || d->log_fd < 0)
        goto out;
    rc = -ENOMEM;
    if (!(buf = encode_batch(d, cmds, n, &total)))
        goto out;
    if ((rc = write_all(d->log_fd, buf, total, d->log_size)) < 0) {
        if (ftruncate(d->log_fd, (off_t)d->log_size) < 0)
            d->failed = true;
        goto out;
    }
    if ((rc = disk_sync(d, d->log_fd, false)) < 0) {
        d->failed = true;
        goto out;
    }
    d->log_size += total;
    d->log_bytes += total;
    d->log_records += n;
    d->last_index += n;
out:
    if (rc < 0)
        meta_log(&d->opts, WR_STORE_LOG_ERROR, "metadata: append to log.%08" PRIu32 " failed: %s%s",
                 d->log_num, strerror(-rc), d->failed ? " (log now read-only)" : "");
    free(buf);
    return rc;
}

static int
write_snap_tmp(struct meta_disk *d, const char *tmp, const void *state, size_t len)
{
    uint8_t h[META_SNAP_HDR] = {0};
    uint32_t crc;
    int fd, rc;

    memcpy(h, META_SNAP_MAGIC, META_MAGIC_LEN);
    store_put64(h + 16, d->last_index);
    store_put64(h + 24, len);
    crc = store_crc32c(store_crc32c(0, h + 12, META_SNAP_HDR - 12), state, len);
    store_put32(h + 8, crc);
    fd = openat(d->dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0)
        return -errno;
    rc = write_all(fd, h, sizeof(h), 0);
    if (rc == 0)
        rc = write_all(fd, state, len, sizeof(h));
    if (rc == 0)
        rc = disk_sync(d, fd, false);
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    return rc;
}

static void
crash_hook(const struct meta_disk *d, int step)
{
    if (d->opts.test_crash_step == step)
        _exit(77);
}

/* Deletes logs and snapshots older than num: snapshot num plus logs >= num hold everything.
 * Numbers below oldest_num were removed before (or never existed). */
static void
remove_older(struct meta_disk *d, uint32_t num)
{
    char name[64];

    for (uint32_t i = d->oldest_num; i < num; i++) {
        meta_disk_name(name, sizeof(name), "log.", i, "");
        if (unlinkat(d->dir_fd, name, 0) < 0 && errno != ENOENT)
            meta_log(&d->opts, WR_STORE_LOG_WARN, "metadata: cannot remove %s: %s", name,
                     strerror(errno));
        meta_disk_name(name, sizeof(name), "snapshot.", i, "");
        if (unlinkat(d->dir_fd, name, 0) < 0 && errno != ENOENT)
            meta_log(&d->opts, WR_STORE_LOG_WARN, "metadata: cannot remove %s: %s", name,
                     strerror(errno));
    }
    if (disk_sync(d, d->dir_fd, true) < 0)
        meta_log(&d->opts, WR_STORE_LOG_WARN, "metadata: directory fsync failed");
    d->oldest_num = num;
}

/* The new log is started before the snapshot is renamed into place: whichever of the two
 * steps a crash interrupts, the snapshot on disk plus the logs from its number on chain up to
 * the last command. */
static int
disk_snapshot(void *be, const void *state, size_t len)
{
    struct meta_disk *d = be;
    uint32_t num = d->log_num + 1;
    char tmp[64], name[64];
    int rc = -EIO;

    if (d->failed || d->log_fd < 0)
        return rc;
    meta_disk_name(tmp, sizeof(tmp), "snapshot.", num, ".tmp");
    meta_disk_name(name, sizeof(name), "snapshot.", num, "");
    if ((rc = write_snap_tmp(d, tmp, state, len)) < 0)
        goto fail;
    crash_hook(d, 1);
    if ((rc = meta_disk_new_log(d, num)) < 0)
        goto fail;
    if (renameat(d->dir_fd, tmp, d->dir_fd, name) < 0) {
        rc = -errno;
        goto fail;
    }
    if ((rc = disk_sync(d, d->dir_fd, true)) < 0)
        goto fail;
    crash_hook(d, 2);
    remove_older(d, num);
    d->snap_num = num;
    d->snap_index = d->last_index;
    d->log_records = d->log_bytes = 0;
    d->damaged = false;
    d->snapshots++;
    meta_log(&d->opts, WR_STORE_LOG_INFO,
             "metadata: snapshot %s at command %" PRIu64 " (%zu bytes)", name, d->last_index, len);
    return 0;
fail:
    unlinkat(d->dir_fd, tmp, 0);
    meta_log(&d->opts, WR_STORE_LOG_ERROR, "metadata: snapshot %s failed: %s", name, strerror(-rc));
    return rc;
}

static void
disk_stats(void *be, struct wr_meta_stats *st)
{
    struct meta_disk *d = be;

    st->last_index = d->last_index;
    st->snapshot_index = d->snap_index;
    st->log_records = d->log_records;
    st->log_bytes = d->log_bytes;
    st->snapshots = d->snapshots;
    st->fsyncs = d->fsyncs;
    st->corrupt_records = d->corrupt;
}

static bool
disk_should_snapshot(void *be)
{
    struct meta_disk *d = be;

    return d->damaged || d->log_bytes > d->opts.snapshot_bytes ||
           d->log_records > d->opts.snapshot_records;
}

static void
disk_close(void *be)
{
    struct meta_disk *d = be;

    if (d->log_fd >= 0)
        close(d->log_fd);
    if (d->dir_fd >= 0)
        close(d->dir_fd);
    free(d);
}

const struct wr_meta_backend meta_disk_ops = {
        .name = "disk",
        .recover = meta_disk_recover,
        .append = disk_append,
        .snapshot = disk_snapshot,
        .stats = disk_stats,
        .should_snapshot = disk_should_snapshot,
        .close = disk_close,
};
