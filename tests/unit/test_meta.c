/* SPDX-License-Identifier: MPL-2.0 */
/* Unit tests for the metadata log (store/meta.h): disk and RAM backends, snapshots, damaged
 * logs and snapshots, crashes inside a snapshot, batching, and the command record codec. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/meta.h"

/* The caller's state machine for the tests: the list of applied commands. */
struct tfsm {
    size_t n, cap;
    uint8_t **cmd;
    size_t *len;
    int restores;
    int fail_on; /* apply returns -42 for a command whose first byte is this (0: never) */
};

struct tenv {
    char dir[64];
    struct wr_meta *m;
    struct wr_meta_opts opts;
    struct tfsm fsm;
    int warnings;
    char last[512];
};

static void
tfsm_clear(struct tfsm *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->cmd[i]);
    f->n = 0;
}

static void
tfsm_push(struct tfsm *f, const void *p, size_t len)
{
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 64;
        f->cmd = realloc(f->cmd, f->cap * sizeof(*f->cmd));
        f->len = realloc(f->len, f->cap * sizeof(*f->len));
        assert_non_null(f->cmd);
        assert_non_null(f->len);
    }
    f->cmd[f->n] = malloc(len ? len : 1);
    assert_non_null(f->cmd[f->n]);
    if (len)
        memcpy(f->cmd[f->n], p, len);
    f->len[f->n++] = len;
}

static int
t_apply(const void *cmd, size_t len, void *arg)
{
    struct tfsm *f = arg;

    tfsm_push(f, cmd, len);
    return f->fail_on && len && *(const uint8_t *)cmd == f->fail_on ? -42 : 0;
}

/* State = u32 count, then each command as bytes: also exercises the record reader. */
static int
t_restore(const void *state, size_t len, void *arg)
{
    struct tfsm *f = arg;
    struct wr_meta_rd rd;
    uint32_t n = 0;

    tfsm_clear(f);
    f->restores++;
    wr_meta_rd_init(&rd, state, len);
    wr_meta_rd_u32(&rd, &n);
    for (uint32_t i = 0; i < n && rd.err == 0; i++) {
        const void *p;
        size_t l;
        if (wr_meta_rd_bytes(&rd, &p, &l) == 0)
            tfsm_push(f, p, l);
    }
    return wr_meta_rd_end(&rd);
}

static void
t_state(const struct tfsm *f, struct wr_meta_rec *r)
{
    wr_meta_rec_init(r);
    wr_meta_rec_put_u32(r, (uint32_t)f->n);
    for (size_t i = 0; i < f->n; i++)
        wr_meta_rec_put_bytes(r, f->cmd[i], f->len[i]);
    assert_int_equal(wr_meta_rec_error(r), 0);
}

static void
tlog(enum wr_store_log_level lv, const char *line, void *arg)
{
    struct tenv *t = arg;

    if (lv <= WR_STORE_LOG_WARN)
        t->warnings++;
    snprintf(t->last, sizeof(t->last), "%s", line);
    if (getenv("WR_META_TEST_VERBOSE"))
        fprintf(stderr, "[meta %d] %s\n", lv, line);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(path);
}

/* Opens and recovers into a cleared fsm. */
static int
t_open(struct tenv *t, enum wr_meta_kind kind)
{
    struct wr_meta_fsm fsm = {t_restore, t_apply, &t->fsm};
    char err[256];

    tfsm_clear(&t->fsm);
    t->fsm.restores = 0;
    t->warnings = 0;
    t->opts.log = tlog;
    t->opts.log_arg = t;
    t->m = wr_meta_open(t->dir, kind, &t->opts, err, sizeof(err));
    if (!t->m) {
        fprintf(stderr, "open: %s\n", err);
        return -1;
    }
    return wr_meta_recover(t->m, &fsm);
}

static void
t_close(struct tenv *t)
{
    wr_meta_close(t->m);
    t->m = NULL;
}

static int
t_reopen(struct tenv *t)
{
    t_close(t);
    return t_open(t, WR_META_DISK);
}

static int
setup(void **state)
{
    struct tenv *t = calloc(1, sizeof(*t));

    snprintf(t->dir, sizeof(t->dir), "/tmp/wr_meta_XXXXXX");
    if (!t || !mkdtemp(t->dir))
        return -1;
    *state = t;
    return t_open(t, WR_META_DISK);
}

static int
teardown(void **state)
{
    struct tenv *t = *state;

    t_close(t);
    tfsm_clear(&t->fsm);
    free(t->fsm.cmd);
    free(t->fsm.len);
    nftw(t->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(t);
    return 0;
}

/* Command i: "cmd-<i>" (distinct first bytes are not needed). */
static void
append_n(struct tenv *t, unsigned from, unsigned to)
{
    char buf[32];

    for (unsigned i = from; i < to; i++) {
        snprintf(buf, sizeof(buf), "cmd-%u", i);
        assert_int_equal(wr_meta_append(t->m, buf, strlen(buf)), 0);
    }
}

/* The fsm holds exactly commands [from, to) starting at position at. */
static void
expect_cmds(const struct tfsm *f, size_t at, unsigned from, unsigned to)
{
    char buf[32];

    assert_true(f->n >= at + (to - from));
    for (unsigned i = from; i < to; i++) {
        snprintf(buf, sizeof(buf), "cmd-%u", i);
        assert_int_equal(f->len[at + i - from], strlen(buf));
        assert_memory_equal(f->cmd[at + i - from], buf, strlen(buf));
    }
}

static void
meta_path(const struct tenv *t, char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/meta/%s", t->dir, name);
}

static off_t
file_size(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? st.st_size : -1;
}

static void
flip_byte(const char *path, off_t off)
{
    int fd = open(path, O_RDWR);
    uint8_t b;

    assert_true(fd >= 0);
    assert_int_equal(pread(fd, &b, 1, off), 1);
    b ^= 0x10;
    assert_int_equal(pwrite(fd, &b, 1, off), 1);
    close(fd);
}

static void
test_round_trip(void **state)
{
    struct tenv *t = *state;
    struct wr_meta_stats st;

    assert_int_equal(t->fsm.n, 0);
    append_n(t, 0, 100);
    expect_cmds(&t->fsm, 0, 0, 100);
    wr_meta_get_stats(t->m, &st);
    assert_int_equal(st.last_index, 100);
    assert_int_equal(st.log_records, 100);
    assert_int_equal(t_reopen(t), 0);
    assert_int_equal(t->fsm.n, 100);
    assert_int_equal(t->fsm.restores, 0);
    expect_cmds(&t->fsm, 0, 0, 100);
    assert_int_equal(t->warnings, 0);
    /* Appends continue the chain in the same log, and survive another restart. */
    append_n(t, 100, 110);
    assert_int_equal(t_reopen(t), 0);
    expect_cmds(&t->fsm, 0, 0, 110);
    assert_int_equal(t->fsm.n, 110);
    assert_int_equal(t->warnings, 0);
}

static void
test_empty_and_zero_length(void **state)
{
    struct tenv *t = *state;

    assert_int_equal(wr_meta_append(t->m, "", 0), 0);
    assert_int_equal(wr_meta_append(t->m, "x", 1), 0);
    assert_int_equal(t_reopen(t), 0);
    assert_int_equal(t->fsm.n, 2);
    assert_int_equal(t->fsm.len[0], 0);
    assert_int_equal(t->fsm.len[1], 1);
}

static void
test_batch_one_fsync(void **state)
{
    struct tenv *t = *state;
    struct wr_meta_cmd cmds[10];
    struct wr_meta_stats a, b;
    char bufs[10][16];

    for (int i = 0; i < 10; i++) {
        snprintf(bufs[i], sizeof(bufs[i]), "cmd-%d", i);
        cmds[i].data = bufs[i];
        cmds[i].len = strlen(bufs[i]);
    }
    wr_meta_get_stats(t->m, &a);
    assert_int_equal(wr_meta_append_many(t->m, cmds, 10), 0);
    wr_meta_get_stats(t->m, &b);
    assert_int_equal(b.fsyncs - a.fsyncs, 1);
    assert_int_equal(b.last_index, 10);
    expect_cmds(&t->fsm, 0, 0, 10);
    assert_int_equal(t_reopen(t), 0);
    expect_cmds(&t->fsm, 0, 0, 10);
}

static void
test_apply_error(void **state)
{
    struct tenv *t = *state;
    struct wr_meta_stats st;

    t->fsm.fail_on = 'B';
    assert_int_equal(wr_meta_append(t->m, "A", 1), 0);
    assert_int_equal(wr_meta_append(t->m, "B", 1), -42);
    assert_int_equal(wr_meta_append(t->m, "C", 1), 0);
    wr_meta_get_stats(t->m, &st);
    assert_int_equal(st.apply_errors, 1);
    /* Replay reproduces the failure deterministically and goes on. */
    assert_int_equal(t_reopen(t), 0);
    assert_int_equal(t->fsm.n, 3);
    wr_meta_get_stats(t->m, &st);
    assert_int_equal(st.apply_errors, 1);
}

static void
test_misuse(void **state)
{
    struct tenv *t = *state;
    struct wr_meta_fsm fsm = {t_restore, t_apply, &t->fsm};
    struct wr_meta *m;
    char err[128];

    /* Appending before recovery, recovering twice. */
    m = wr_meta_open(t->dir, WR_META_DISK, NULL, err, sizeof(err));
    assert_non_null(m);
    assert_int_equal(wr_meta_append(m, "x", 1), -EINVAL);
    assert_int_equal(wr_meta_snapshot(m, "x", 1), -EINVAL);
    assert_false(wr_meta_should_snapshot(m));
    wr_meta_close(m);
    assert_int_equal(wr_meta_recover(t->m, &fsm), -EINVAL);
    assert_int_equal(wr_meta_append_many(t->m, NULL, 0), 0);
    wr_meta_close(NULL);
    /* A data dir that cannot be created. */
    assert_null(wr_meta_open("/proc/definitely/not", WR_META_DISK, NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "cannot open metadata log"));
}

static void
snapshot_now(struct tenv *t)
{
    struct wr_meta_rec r;

    t_state(&t->fsm, &r);
    assert_int_equal(wr_meta_snapshot(t->m, r.buf, r.len), 0);
    wr_meta_rec_fini(&r);
}

static void
test_snapshot_then_appends(void **state)
{
    struct tenv *t = *state;
    struct wr_meta_rec r;
    struct wr_meta_stats st;
    char path[128];

    append_n(t, 0, 50);
    t_state(&t->fsm, &r);
    assert_int_equal(wr_meta_snapshot(t->m, r.buf, r.len), 0);
    wr_meta_rec_fini(&r);
    wr_meta_get_stats(t->m, &st);
    assert_int_equal(st.snapshot_index, 50);
    assert_int_equal(st.log_records, 0);
    assert_int_equal(st.snapshots, 1);
    append_n(t, 50, 60);
    /* The snapshot replaced the old log. */
    meta_path(t, path, sizeof(path), "log.00000001");
    assert_int_equal(file_size(path), -1);
    meta_path(t, path, sizeof(path), "snapshot.00000002");
    assert_true(file_size(path) > 0);

    assert_int_equal(t_reopen(t), 0);
    assert_int_equal(t->fsm.restores, 1);
    assert_int_equal(t->fsm.n, 60);
    expect_cmds(&t->fsm, 0, 0, 60);
    wr_meta_get_stats(t->m, &st);
    assert_int_equal(st.snapshot_index, 50);
    assert_int_equal(st.log_records, 10);
    assert_int_equal(st.last_index, 60);
    assert_int_equal(t->warnings, 0);

    /* A second snapshot removes the first. */
    t_state(&t->fsm, &r);
    assert_int_equal(wr_meta_snapshot(t->m, r.buf, r.len), 0);
    wr_meta_rec_fini(&r);
    meta_path(t, path, sizeof(path), "snapshot.00000002");
    assert_int_equal(file_size(path), -1);
    append_n(t, 60, 61);
    assert_int_equal(t_reopen(t), 0);
    expect_cmds(&t->fsm, 0, 0, 61);
    assert_int_equal(t->fsm.n, 61);
}

static void
test_should_snapshot(void **state)
{
    struct tenv *t = *state;

    t_close(t);
    t->opts.snapshot_records = 5;
    assert_int_equal(t_open(t, WR_META_DISK), 0);
    append_n(t, 0, 5);
    assert_false(wr_meta_should_snapshot(t->m));
    append_n(t, 5, 6);
    assert_true(wr_meta_should_snapshot(t->m));
    snapshot_now(t);
    assert_false(wr_meta_should_snapshot(t->m));

    t_close(t);
    t->opts.snapshot_records = 0;
    t->opts.snapshot_bytes = 100;
    assert_int_equal(t_open(t, WR_META_DISK), 0);
    assert_false(wr_meta_should_snapshot(t->m));
    append_n(t, 0, 5); /* 5 * 21 bytes */
    assert_true(wr_meta_should_snapshot(t->m));
}

/* Cuts the log at every length inside its last record: the others always come back. */
static void
test_torn_tail(void **state)
{
    struct tenv *t = *state;
    char path[128];
    off_t full, prev;

    append_n(t, 0, 4);
    meta_path(t, path, sizeof(path), "log.00000001");
    prev = file_size(path);
    append_n(t, 4, 5);
    full = file_size(path);
    t_close(t);
    for (off_t cut = full - 1; cut > prev; cut--) {
        assert_int_equal(truncate(path, cut), 0);
        assert_int_equal(t_open(t, WR_META_DISK), 0);
        assert_int_equal(t->fsm.n, 4);
        expect_cmds(&t->fsm, 0, 0, 4);
        assert_true(t->warnings >= 1);
        assert_non_null(strstr(t->last, "recovered 4 commands"));
        assert_false(wr_meta_should_snapshot(t->m)); /* an unfinished append lost nothing */
        t_close(t);
    }
    /* New commands go to a new log, chained after the survivors. */
    assert_int_equal(t_open(t, WR_META_DISK), 0);
    append_n(t, 100, 102);
    assert_int_equal(t_reopen(t), 0);
    assert_int_equal(t->fsm.n, 6);
    expect_cmds(&t->fsm, 0, 0, 4);
    expect_cmds(&t->fsm, 4, 100, 102);
}

static void
test_bit_flip(void **state)
{
    struct tenv *t = *state;
    char path[128];
    off_t rec5;

    append_n(t, 0, 5); /* records "cmd-0".."cmd-4": 21 bytes each after the 8-byte magic */
    meta_path(t, path, sizeof(path), "log.00000001");
    rec5 = file_size(path);
    append_n(t, 5, 10);
    t_close(t);
    flip_byte(path, rec5 + 16 + 2); /* payload of cmd-5 */
    assert_int_equal(t_open(t, WR_META_DISK), 0);
    assert_int_equal(t->fsm.n, 5);
    expect_cmds(&t->fsm, 0, 0, 5);
    assert_true(t->warnings >= 1);
    assert_true(wr_meta_should_snapshot(t->m));

    /* Later appends build on the 5 survivors; the damaged file's later records stay out. */
    append_n(t, 200, 203);
    assert_int_equal(t_reopen(t), 0);
    assert_int_equal(t->fsm.n, 8);
    expect_cmds(&t->fsm, 0, 0, 5);
    expect_cmds(&t->fsm, 5, 200, 203);
}

static void
test_bad_length_and_magic(void **state)
{
    struct tenv *t = *state;
    char path[128];
    off_t rec2;

    append_n(t, 0, 2);
    meta_path(t, path, sizeof(path), "log.00000001");
    rec2 = file_size(path);
    append_n(t, 2, 4);
    t_close(t);
    flip_byte(path, rec2 + 7); /* high byte of cmd-2's length */
    assert_int_equal(t_open(t, WR_META_DISK), 0);
    assert_int_equal(t->fsm.n, 2);
    assert_true(t->warnings >= 1);
    t_close(t);
    flip_byte(path, 0); /* not a log at all */
    assert_int_equal(t_open(t, WR_META_DISK), 0);
    assert_true(t->warnings >= 1);
}

/* A child process dies at the hook; the parent recovers what the child left. */
static void
crash_in_snapshot(struct tenv *t, int step)
{
    pid_t pid;
    int status;

    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct wr_meta_rec r;
        t->m = NULL;
        t->opts.test_crash_step = step;
        if (t_open(t, WR_META_DISK) != 0)
            _exit(1);
        append_n(t, 30, 40);
        t_state(&t->fsm, &r);
        wr_meta_snapshot(t->m, r.buf, r.len);
        _exit(2);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 77);
}

static void
test_crash_in_snapshot(void **state)
{
    struct tenv *t = *state;
    char path[128];

    append_n(t, 0, 20);
    snapshot_now(t); /* snapshot.00000002 at 20 */
    append_n(t, 20, 30);
    t_close(t);
    for (int step = 1; step <= 2; step++) {
        crash_in_snapshot(t, step);
        assert_int_equal(t_open(t, WR_META_DISK), 0);
        assert_int_equal(t->fsm.restores, 1);
        assert_int_equal(t->fsm.n, 40);
        expect_cmds(&t->fsm, 0, 0, 40);
        assert_int_equal(t->warnings, 0);
        if (step == 2) { /* the files the child left behind go with the next snapshot */
            meta_path(t, path, sizeof(path), "snapshot.00000002");
            assert_true(file_size(path) > 0);
            snapshot_now(t);
            assert_int_equal(file_size(path), -1);
            meta_path(t, path, sizeof(path), "log.00000002");
            assert_int_equal(file_size(path), -1);
        }
        /* Roll back to the state before the child ran, by snapshotting 0..29 again. */
        tfsm_clear(&t->fsm);
        t_close(t);
        nftw(t->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        assert_int_equal(mkdir(t->dir, 0700), 0);
        assert_int_equal(t_open(t, WR_META_DISK), 0);
        append_n(t, 0, 20);
        snapshot_now(t);
        append_n(t, 20, 30);
        t_close(t);
    }
    /* A leftover temp file by hand: removed, ignored. */
    meta_path(t, path, sizeof(path), "snapshot.00000009.tmp");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("half a snapshot", f);
    fclose(f);
    assert_int_equal(t_open(t, WR_META_DISK), 0);
    assert_int_equal(t->fsm.n, 30);
    assert_int_equal(file_size(path), -1);
}

static void
test_damaged_snapshot(void **state)
{
    struct tenv *t = *state;
    char path[128];

    append_n(t, 0, 10);
    snapshot_now(t);
    append_n(t, 10, 12);
    t_close(t);
    meta_path(t, path, sizeof(path), "snapshot.00000002");
    flip_byte(path, 40);
    /* The snapshot is gone and the logs before it too: nothing may be applied out of order. */
    assert_int_equal(t_open(t, WR_META_DISK), 0);
    assert_int_equal(t->fsm.restores, 0);
    assert_int_equal(t->fsm.n, 0);
    assert_true(t->warnings >= 2);
    assert_true(wr_meta_should_snapshot(t->m));
}

static void
test_large_records(void **state)
{
    struct tenv *t = *state;
    size_t big = 8u << 20;
    uint8_t *p = malloc(WR_META_MAX_CMD + 1u);

    assert_non_null(p);
    for (size_t i = 0; i < big; i++)
        p[i] = (uint8_t)(i * 131 + (i >> 13));
    assert_int_equal(wr_meta_append(t->m, p, big), 0);
    assert_int_equal(wr_meta_append(t->m, p, WR_META_MAX_CMD + 1u), -EMSGSIZE);
    assert_int_equal(wr_meta_append(t->m, "tail", 4), 0);
    assert_int_equal(t_reopen(t), 0);
    assert_int_equal(t->fsm.n, 2);
    assert_int_equal(t->fsm.len[0], big);
    assert_memory_equal(t->fsm.cmd[0], p, big);
    /* ... and inside a snapshot. */
    snapshot_now(t);
    assert_int_equal(t_reopen(t), 0);
    assert_int_equal(t->fsm.restores, 1);
    assert_int_equal(t->fsm.len[0], big);
    assert_memory_equal(t->fsm.cmd[0], p, big);
    free(p);
}

static void
test_ram_keeps_nothing(void **state)
{
    struct tenv *t = *state;
    struct wr_meta_stats st;
    char path[128];

    t_close(t);
    nftw(t->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    assert_int_equal(t_open(t, WR_META_RAM), 0);
    append_n(t, 0, 10);
    expect_cmds(&t->fsm, 0, 0, 10);
    assert_int_equal(wr_meta_snapshot(t->m, "s", 1), 0);
    assert_false(wr_meta_should_snapshot(t->m));
    wr_meta_get_stats(t->m, &st);
    assert_int_equal(st.last_index, 10);
    assert_int_equal(st.fsyncs, 0);
    t_close(t);
    assert_int_equal(file_size(t->dir), -1); /* not even the directory */
    assert_int_equal(t_open(t, WR_META_RAM), 0);
    assert_int_equal(t->fsm.n, 0);
    assert_int_equal(t->fsm.restores, 0);
    meta_path(t, path, sizeof(path), "");
    assert_int_equal(file_size(path), -1);
    assert_int_equal(mkdir(t->dir, 0700), 0);
}

/* ---- record codec ---- */

static void
build_sample(struct wr_meta_rec *r)
{
    wr_meta_rec_init(r);
    wr_meta_rec_put_u8(r, 7);
    wr_meta_rec_put_u8(r, 1);
    wr_meta_rec_put_str(r, "/");
    wr_meta_rec_put_str(r, "orders");
    wr_meta_rec_put_u32(r, 0xdeadbeef);
    wr_meta_rec_put_u64(r, 0x0102030405060708ull);
    wr_meta_rec_put_bytes(r, "\0\1\2", 3);
    wr_meta_rec_put_str(r, "");
}

/* Returns 0 if the whole sample decodes. */
static int
read_sample(const void *p, size_t len)
{
    struct wr_meta_rd rd;
    char vhost[8], name[16], empty[4];
    const void *b;
    uint8_t op, ver;
    uint32_t u32;
    uint64_t u64;
    size_t bl;

    wr_meta_rd_init(&rd, p, len);
    wr_meta_rd_u8(&rd, &op);
    wr_meta_rd_u8(&rd, &ver);
    wr_meta_rd_str(&rd, vhost, sizeof(vhost));
    wr_meta_rd_str(&rd, name, sizeof(name));
    wr_meta_rd_u32(&rd, &u32);
    wr_meta_rd_u64(&rd, &u64);
    wr_meta_rd_bytes(&rd, &b, &bl);
    wr_meta_rd_str(&rd, empty, sizeof(empty));
    if (wr_meta_rd_end(&rd) < 0)
        return -1;
    assert_int_equal(op, 7);
    assert_int_equal(ver, 1);
    assert_string_equal(vhost, "/");
    assert_string_equal(name, "orders");
    assert_int_equal(u32, 0xdeadbeef);
    assert_true(u64 == 0x0102030405060708ull);
    assert_int_equal(bl, 3);
    assert_memory_equal(b, "\0\1\2", 3);
    assert_string_equal(empty, "");
    return 0;
}

static void
test_rec_truncation(void **state)
{
    struct wr_meta_rec r;

    (void)state;
    build_sample(&r);
    assert_int_equal(wr_meta_rec_error(&r), 0);
    assert_int_equal(read_sample(r.buf, r.len), 0);
    for (size_t n = 0; n < r.len; n++) {
        /* An exact-size copy, so ASan catches any read past the end. */
        uint8_t *cut = malloc(n ? n : 1);
        memcpy(cut, r.buf, n);
        assert_int_equal(read_sample(n ? cut : NULL, n), -1);
        free(cut);
    }
    /* Trailing bytes are an error too. */
    wr_meta_rec_put_u8(&r, 0);
    assert_int_equal(read_sample(r.buf, r.len), -1);
    wr_meta_rec_reset(&r);
    assert_int_equal(r.len, 0);
    wr_meta_rec_fini(&r);
}

static void
test_rec_bad_content(void **state)
{
    struct wr_meta_rec r;
    struct wr_meta_rd rd;
    char small[4];
    const void *p;
    size_t len;
    uint8_t u8;

    (void)state;
    wr_meta_rec_init(&r);
    wr_meta_rec_put_bytes(&r, "ab\0c", 4); /* a NUL inside a str */
    wr_meta_rec_put_str(&r, "toolong");
    wr_meta_rd_init(&rd, r.buf, r.len);
    assert_int_equal(wr_meta_rd_str(&rd, small, sizeof(small)), -EBADMSG);
    assert_string_equal(small, "");
    /* Errors are sticky. */
    assert_int_equal(wr_meta_rd_u8(&rd, &u8), -EBADMSG);
    wr_meta_rd_init(&rd, r.buf, r.len);
    assert_int_equal(wr_meta_rd_bytes(&rd, &p, &len), 0);
    assert_int_equal(wr_meta_rd_str(&rd, small, sizeof(small)), -EBADMSG); /* 7 > 3 */
    wr_meta_rec_fini(&r);
    /* A length prefix larger than what is left. */
    uint8_t huge[8] = {0xff, 0xff, 0xff, 0xff, 'x'};
    wr_meta_rd_init(&rd, huge, sizeof(huge));
    assert_int_equal(wr_meta_rd_bytes(&rd, &p, &len), -EBADMSG);
    assert_null(p);
    assert_int_equal(len, 0);
    assert_int_equal(wr_meta_rd_left(&rd), 4);
}

static void
test_rec_large(void **state)
{
    struct wr_meta_rec r;
    struct wr_meta_rd rd;
    size_t big = 5u << 20;
    uint8_t *p = calloc(1, big);
    const void *got;
    size_t len;

    (void)state;
    wr_meta_rec_init(&r);
    for (int i = 0; i < 3; i++)
        wr_meta_rec_put_bytes(&r, p, big);
    assert_int_equal(wr_meta_rec_error(&r), 0);
    wr_meta_rd_init(&rd, r.buf, r.len);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(wr_meta_rd_bytes(&rd, &got, &len), 0);
        assert_int_equal(len, big);
    }
    assert_int_equal(wr_meta_rd_end(&rd), 0);
    /* Past the command limit the builder fails, stickily. */
    for (int i = 0; i < 13; i++)
        wr_meta_rec_put_bytes(&r, p, big);
    assert_int_equal(wr_meta_rec_error(&r), -EMSGSIZE);
    wr_meta_rec_put_u8(&r, 1);
    assert_int_equal(wr_meta_rec_error(&r), -EMSGSIZE);
    assert_true(r.len <= WR_META_MAX_CMD);
    wr_meta_rec_fini(&r);
    free(p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
            cmocka_unit_test_setup_teardown(test_empty_and_zero_length, setup, teardown),
            cmocka_unit_test_setup_teardown(test_batch_one_fsync, setup, teardown),
            cmocka_unit_test_setup_teardown(test_apply_error, setup, teardown),
            cmocka_unit_test_setup_teardown(test_misuse, setup, teardown),
            cmocka_unit_test_setup_teardown(test_snapshot_then_appends, setup, teardown),
            cmocka_unit_test_setup_teardown(test_should_snapshot, setup, teardown),
            cmocka_unit_test_setup_teardown(test_torn_tail, setup, teardown),
            cmocka_unit_test_setup_teardown(test_bit_flip, setup, teardown),
            cmocka_unit_test_setup_teardown(test_bad_length_and_magic, setup, teardown),
            cmocka_unit_test_setup_teardown(test_crash_in_snapshot, setup, teardown),
            cmocka_unit_test_setup_teardown(test_damaged_snapshot, setup, teardown),
            cmocka_unit_test_setup_teardown(test_large_records, setup, teardown),
            cmocka_unit_test_setup_teardown(test_ram_keeps_nothing, setup, teardown),
            cmocka_unit_test(test_rec_truncation),
            cmocka_unit_test(test_rec_bad_content),
            cmocka_unit_test(test_rec_large),
    };

    return cmocka_run_group_tests_name("meta", tests, NULL, NULL);
}
