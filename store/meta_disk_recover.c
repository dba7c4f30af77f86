/* SPDX-License-Identifier: MPL-2.0 */
/* The disk-node metadata backend, read side: finds the newest valid snapshot, replays the logs
 * from its number on, and starts a fresh log. Everything read is distrusted: lengths are
 * bounded by the file, every record and snapshot is CRC-checked, and a record is applied only
 * if its index continues the chain, so damage is logged and skipped, never applied. */
#include <config.h>

#include <dirent.h>
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

struct meta_scan {
    uint32_t *logs, *snaps; /* sorted ascending */
    size_t nlogs, nsnaps, logcap, snapcap;
    uint32_t min_num, max_num;
};

/* A replay cursor over one log file. */
struct meta_file {
    int fd;
    uint64_t size, off;
    uint8_t *buf;
    size_t cap;
    char name[64];
};

static int
read_at(int fd, void *buf, size_t len, uint64_t off)
{
    uint8_t *p = buf;

    while (len > 0) {
        ssize_t n = pread(fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return -EIO; /* shrank under us */
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

/* "<prefix>NNNNNNNN<suffix>" exactly, as meta_disk_name writes it; else not ours. */
static bool
parse_name(const char *s, const char *prefix, const char *suffix, uint32_t *num)
{
    size_t plen = strlen(prefix);
    char canon[64];
    unsigned long v;
    char *end;

    if (strncmp(s, prefix, plen) != 0 || s[plen] < '0' || s[plen] > '9')
        return false;
    errno = 0;
    v = strtoul(s + plen, &end, 10);
    if (errno || v == 0 || v >= UINT32_MAX)
        return false;
    meta_disk_name(canon, sizeof(canon), prefix, (uint32_t)v, suffix);
    if (strcmp(canon, s) != 0)
        return false;
    *num = (uint32_t)v;
    return true;
}

static int
scan_add(uint32_t **arr, size_t *n, size_t *cap, uint32_t v)
{
    uint32_t *a = store_grow(*arr, cap, *n + 1, sizeof(**arr));

    if (!a)
        return -ENOMEM;
    *arr = a;
    a[(*n)++] = v;
    return 0;
}

/* Sorts names into logs and snapshots; removes temp files of interrupted snapshots. */
static int
scan_entry(struct meta_disk *d, struct meta_scan *sc, const char *name)
{
    uint32_t num;
    int rc = 0;

    if (parse_name(name, "log.", "", &num))
        rc = scan_add(&sc->logs, &sc->nlogs, &sc->logcap, num);
    else if (parse_name(name, "snapshot.", "", &num))
        rc = scan_add(&sc->snaps, &sc->nsnaps, &sc->snapcap, num);
    else if (parse_name(name, "snapshot.", ".tmp", &num)) {
        meta_log(&d->opts, WR_STORE_LOG_INFO, "metadata: removing unfinished %s", name);
        if (unlinkat(d->dir_fd, name, 0) < 0)
            rc = -errno;
        return rc;
    } else
        return 0;
    if (num > sc->max_num)
        sc->max_num = num;
    if (sc->min_num == 0 || num < sc->min_num)
        sc->min_num = num;
    return rc;
}

static int
cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int
scan_dir(struct meta_disk *d, struct meta_scan *sc)
{
    int fd = dup(d->dir_fd), rc = 0;
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *de;

    if (!dir) {
        rc = -errno;
        if (fd >= 0)
            close(fd);
        return rc;
    }
    rewinddir(dir);
    while (rc == 0 && (de = readdir(dir)) != NULL)
        rc = scan_entry(d, sc, de->d_name);
    closedir(dir);
    if (sc->nlogs) /* qsort's array must not be NULL, even for zero elements */
        qsort(sc->logs, sc->nlogs, sizeof(*sc->logs), cmp_u32);
    if (sc->nsnaps)
        qsort(sc->snaps, sc->nsnaps, sizeof(*sc->snaps), cmp_u32);
    return rc;
}

/* Reads and checks snapshot.<num>. Returns 1 and the state in *out (malloc'd, *len bytes) if
 * it is intact, 0 if damaged (logged), or a negative errno on I/O errors. */
static int
read_snapshot(struct meta_disk *d, const char *name, uint8_t **out, uint64_t *len, uint64_t *idx)
{
    uint8_t h[META_SNAP_HDR], *state = NULL;
    int fd = openat(d->dir_fd, name, O_RDONLY | O_CLOEXEC), rc;
    struct stat st;

    if (fd < 0)
        return -errno;
    rc = fstat(fd, &st) < 0 ? -errno : 0;
    if (rc < 0 || (uint64_t)st.st_size < META_SNAP_HDR)
        goto out;
    if ((rc = read_at(fd, h, sizeof(h), 0)) < 0)
        goto out;
    *len = store_get64(h + 24);
    *idx = store_get64(h + 16);
    if (memcmp(h, META_SNAP_MAGIC, META_MAGIC_LEN) != 0 || *len > WR_META_MAX_SNAPSHOT ||
        *len != (uint64_t)st.st_size - META_SNAP_HDR)
        goto out;
    rc = -ENOMEM;
    if (!(state = malloc(*len ? (size_t)*len : 1)) ||
        (rc = read_at(fd, state, (size_t)*len, META_SNAP_HDR)) < 0)
        goto out;
    if (store_crc32c(store_crc32c(0, h + 12, META_SNAP_HDR - 12), state, (size_t)*len) ==
        store_get32(h + 8)) {
        *out = state;
        state = NULL;
        rc = 1;
    }
out:
    close(fd);
    free(state);
    return rc;
}

/* Restores from the newest intact snapshot; damaged ones are logged and passed over. */
static int
load_snapshot(struct meta_disk *d, const struct meta_scan *sc, const struct wr_meta_fsm *fsm)
{
    for (size_t i = sc->nsnaps; i-- > 0;) {
        uint8_t *state = NULL;
        uint64_t len = 0, idx = 0;
        char name[64];
        int rc;

        meta_disk_name(name, sizeof(name), "snapshot.", sc->snaps[i], "");
        rc = read_snapshot(d, name, &state, &len, &idx);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            d->corrupt++;
            d->damaged = true;
            meta_log(&d->opts, WR_STORE_LOG_WARN, "metadata: %s is damaged, ignored", name);
            continue;
        }
        rc = fsm->restore(state, (size_t)len, fsm->arg);
        free(state);
        if (rc != 0)
            return rc < 0 ? rc : -EBADMSG;
        d->snap_num = sc->snaps[i];
        d->snap_index = d->last_index = idx;
        return 0;
    }
    return 0;
}

/* How reading the next record of a log went. */
enum meta_next { META_REC_OK, META_REC_END, META_REC_TORN, META_REC_CORRUPT, META_REC_IOERR };

/* Reads the record at f->off into f->buf. */
static enum meta_next
next_record(struct meta_file *f, uint64_t *idx, size_t *len)
{
    uint8_t h[META_REC_HDR], *nb;
    uint64_t left = f->size - f->off;
    uint32_t l;

    if (left == 0)
        return META_REC_END;
    if (left < META_REC_HDR)
        return META_REC_TORN;
    if (read_at(f->fd, h, sizeof(h), f->off) < 0)
        return META_REC_IOERR;
    l = store_get32(h + 4);
    if (l > WR_META_MAX_CMD)
        return META_REC_CORRUPT;
    if (l > left - META_REC_HDR)
        return META_REC_TORN; /* or a damaged length: either way the file ends here */
    if (!(nb = store_grow(f->buf, &f->cap, l ? l : 1, 1)))
        return META_REC_IOERR;
    f->buf = nb;
    if (read_at(f->fd, f->buf, l, f->off + META_REC_HDR) < 0)
        return META_REC_IOERR;
    if (store_crc32c(store_crc32c(0, h + 4, META_REC_HDR - 4), f->buf, l) != store_get32(h))
        return l + META_REC_HDR == left ? META_REC_TORN : META_REC_CORRUPT;
    *idx = store_get64(h + 8);
    *len = l;
    f->off += META_REC_HDR + l;
    return META_REC_OK;
}

static void
report(struct meta_disk *d, const struct meta_file *f, enum meta_next r, uint64_t skipped)
{
    if (r == META_REC_TORN || r == META_REC_CORRUPT) {
        d->corrupt++;
        meta_log(&d->opts, WR_STORE_LOG_WARN,
                 "metadata: %s record at offset %" PRIu64 " in %s: its last %" PRIu64
                 " bytes are not applied",
                 r == META_REC_TORN ? "torn" : "corrupt", f->off, f->name, f->size - f->off);
    }
    if (skipped) {
        d->corrupt += skipped;
        meta_log(&d->opts, WR_STORE_LOG_WARN,
                 "metadata: %" PRIu64 " records in %s do not follow command %" PRIu64
                 " and are not applied",
                 skipped, f->name, d->last_index);
    }
    /* A torn tail is an append that never completed; anything else lost acknowledged state. */
    if (r == META_REC_CORRUPT || skipped)
        d->damaged = true;
}

/* Applies the records of one log that continue the index chain. Returns 1 if the file was
 * intact to its end (appends may continue in it), 0 if not, or a negative errno. */
static int
replay_log(struct meta_disk *d, uint32_t num, const struct wr_meta_fsm *fsm, struct meta_file *f)
{
    enum meta_next r = META_REC_CORRUPT;
    uint8_t magic[META_MAGIC_LEN];
    uint64_t idx, skipped = 0;
    struct stat st;
    size_t len;

    meta_disk_name(f->name, sizeof(f->name), "log.", num, "");
    if ((f->fd = openat(d->dir_fd, f->name, O_RDONLY | O_CLOEXEC)) < 0 || fstat(f->fd, &st) < 0)
        goto fail;
    f->size = (uint64_t)st.st_size;
    f->off = 0;
    if (f->size < META_MAGIC_LEN) /* created, then a crash before the magic was synced */
        r = f->size ? META_REC_TORN : META_REC_END;
    else if (read_at(f->fd, magic, sizeof(magic), 0) < 0)
        goto fail;
    else if (memcmp(magic, META_LOG_MAGIC, META_MAGIC_LEN) == 0) {
        f->off = META_MAGIC_LEN;
        r = META_REC_OK;
    }
    while (r == META_REC_OK && (r = next_record(f, &idx, &len)) == META_REC_OK) {
        if (idx != d->last_index + 1) {
            skipped++;
            continue;
        }
        fsm->apply(f->buf, len, fsm->arg);
        d->last_index = idx;
        d->log_records++;
        d->log_bytes += META_REC_HDR + len;
    }
    if (r == META_REC_IOERR)
        goto fail;
    report(d, f, r, skipped);
    close(f->fd);
    f->fd = -1;
    return r == META_REC_END && skipped == 0 && f->size >= META_MAGIC_LEN;
fail:
    meta_log(&d->opts, WR_STORE_LOG_ERROR, "metadata: cannot read %s: %s", f->name,
             strerror(errno ? errno : EIO));
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    return -EIO;
}

/* Keeps appending to the newest log if it was intact; otherwise (damage, or no log yet) new
 * commands go to a fresh file, never after bytes that did not replay. */
static int
open_active(struct meta_disk *d, const struct meta_scan *sc, bool last_intact)
{
    char name[64];
    int fd;

    if (!last_intact || sc->nlogs == 0 || sc->logs[sc->nlogs - 1] != sc->max_num)
        return meta_disk_new_log(d, sc->max_num + 1);
    meta_disk_name(name, sizeof(name), "log.", sc->max_num, "");
    if ((fd = openat(d->dir_fd, name, O_WRONLY | O_CLOEXEC)) < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int rc = -errno;
        close(fd);
        return rc;
    }
    d->log_fd = fd;
    d->log_num = sc->max_num;
    d->log_size = (uint64_t)st.st_size;
    return 0;
}

int
meta_disk_recover(void *be, const struct wr_meta_fsm *fsm)
{
    struct meta_disk *d = be;
    struct meta_scan sc = {0};
    struct meta_file f = {.fd = -1};
    int rc, intact = 0;

    if ((rc = scan_dir(d, &sc)) < 0 || (rc = load_snapshot(d, &sc, fsm)) < 0)
        goto out;
    for (size_t i = 0; i < sc.nlogs && rc >= 0; i++)
        if (sc.logs[i] >= d->snap_num)
            rc = intact = replay_log(d, sc.logs[i], fsm, &f);
    if (rc < 0 || (rc = open_active(d, &sc, intact == 1)) < 0)
        goto out;
    d->oldest_num = sc.min_num ? sc.min_num : d->log_num;
    meta_log(&d->opts, WR_STORE_LOG_INFO,
             "metadata: recovered %" PRIu64 " commands (snapshot at %" PRIu64 ", %" PRIu64
             " from the log%s), appending to log.%08" PRIu32,
             d->last_index, d->snap_index, d->log_records, d->damaged ? ", damaged" : "",
             d->log_num);
out:
    if (rc < 0)
        meta_log(&d->opts, WR_STORE_LOG_ERROR, "metadata: recovery failed: %s", strerror(-rc));
    free(sc.logs);
    free(sc.snaps);
    free(f.buf);
    return rc;
}
