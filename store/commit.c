/* SPDX-License-Identifier: MPL-2.0 */
/* Group commit. The loop fills one batch; it is handed to the store thread when a sync is
 * requested and the thread is idle, as soon as the thread's round ends, or when it grows large. The
 * thread takes every queued batch, writes them, fdatasyncs each touched file once, and reports
 * through an eventfd so the completions run on the loop thread. */
#include <config.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "store/store_internal.h"

static void
batch_free(struct store_batch *b)
{
    for (size_t i = 0; i < b->nq; i++)
        free(b->qbufs[i].buf);
    for (size_t i = 0; i < b->nun; i++)
        free(b->unlinks[i].path);
    if (b->cjob)
        free(b->cjob->mv);
    free(b->cjob);
    free(b->qbufs);
    free(b->waiters);
    free(b->unlinks);
    free(b->data);
    free(b);
}

static uint64_t
batch_bytes(const struct store_batch *b)
{
    uint64_t n = b->len;

    for (size_t i = 0; i < b->nq; i++)
        n += b->qbufs[i].len;
    return n;
}

struct store_batch *
store_commit_cur(struct wr_store *s)
{
    if (!s->cur && (s->cur = calloc(1, sizeof(*s->cur))) != NULL) {
        s->cur->gen = ++s->gen;
        s->cur->seg_fd = -1;
    }
    return s->cur;
}

int
store_commit_submit(struct wr_store *s)
{
    struct store_batch *b = s->cur;

    if (!b)
        return 0;
    s->cur = NULL;
    TAILQ_INSERT_TAIL(&s->pending, b, pending);
    s->inflight++;
    atomic_fetch_add(&s->pending_bytes, batch_bytes(b));
    pthread_mutex_lock(&s->mu);
    STAILQ_INSERT_TAIL(&s->todo, b, link);
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return 0;
}

int
store_commit_add_unlink(struct wr_store *s, int fd, const char *path)
{
    struct store_batch *b = store_commit_cur(s);
    struct store_unlink *u;
    char *p = path ? strdup(path) : NULL;

    if (!b || (path && !p) || !(u = store_grow(b->unlinks, &b->uncap, b->nun + 1, sizeof(*u)))) {
        free(p);
        return -ENOMEM;
    }
    b->unlinks = u;
    b->unlinks[b->nun++] = (struct store_unlink){.fd = fd, .path = p};
    return 0;
}

int
wr_store_sync(struct wr_store *s, wr_store_sync_cb *cb, void *arg)
{
    struct store_batch *b = store_commit_cur(s);
    struct store_waiter *w;

    if (!b)
        return -ENOMEM;
    if (cb) {
        if (!(w = store_grow(b->waiters, &b->wcap, b->nw + 1, sizeof(*w))))
            return -ENOMEM;
        b->waiters = w;
        b->waiters[b->nw++] = (struct store_waiter){cb, arg};
    }
    /* While the thread is busy, requests pile up in cur and share the next fsync. */
    return s->inflight == 0 ? store_commit_submit(s) : 0;
}

const uint8_t *
store_commit_find_pending(struct wr_store *s, uint32_t seg, uint64_t off, size_t len)
{
    struct store_batch *b;

    TAILQ_FOREACH(b, &s->pending, pending)
        if (b->len && b->seg_num == seg && off >= b->seg_off && off + len <= b->seg_off + b->len)
            return b->data + (off - b->seg_off);
    b = s->cur;
    if (b && b->len && b->seg_num == seg && off >= b->seg_off && off + len <= b->seg_off + b->len)
        return b->data + (off - b->seg_off);
    return NULL;
}

uint64_t
store_commit_mem(struct wr_store *s)
{
    struct store_batch *b;
    uint64_t n = s->cur ? s->cur->cap + sizeof(*s->cur) : 0;

    TAILQ_FOREACH(b, &s->pending, pending)
        n += b->cap + sizeof(*b);
    return n;
}

/* Loop thread: applies one completed batch, then runs its sync callbacks. */
static void
complete(struct wr_store *s, struct store_batch *b)
{
    struct store_seg *g;
    int status;

    TAILQ_REMOVE(&s->pending, b, pending);
    s->inflight--;
    atomic_fetch_sub(&s->pending_bytes, batch_bytes(b));
    if (b->status < 0 && !s->failed) {
        s->failed = b->status;
        store_log(s, WR_STORE_LOG_ERROR, "message store: write failed: %s; refusing writes",
                  strerror(-b->status));
    }
    status = b->status < 0 ? b->status : s->failed;
    if (b->len && (g = store_seg_find(s, b->seg_num)) != NULL && b->status == 0)
        g->written = b->seg_off + b->len;
    if (b->cjob)
        store_compact_done(s, b->cjob);
    for (size_t i = 0; i < b->nun; i++)
        if (b->unlinks[i].fd >= 0)
            close(b->unlinks[i].fd);
    for (size_t i = 0; i < b->nw; i++)
        b->waiters[i].cb(status, b->waiters[i].arg);
    batch_free(b);
}

static bool
cur_has_work(const struct wr_store *s)
{
    const struct store_batch *b = s->cur;

    return b && (b->len || b->nq || b->nw || b->nun || b->cjob);
}

/* Takes the batches the thread has finished; returns how many. */
static size_t
take_done(struct wr_store *s, struct store_bq *done)
{
    struct store_batch *b;
    size_t n = 0;

    pthread_mutex_lock(&s->mu);
    STAILQ_CONCAT(done, &s->done);
    pthread_mutex_unlock(&s->mu);
    STAILQ_FOREACH(b, done, link)
        n++;
    return n;
}

static void
complete_all(struct wr_store *s, struct store_bq *done)
{
    struct store_batch *b;

    while ((b = STAILQ_FIRST(done)) != NULL) {
        STAILQ_REMOVE_HEAD(done, link);
        complete(s, b);
    }
}

static void
done_cb(evutil_socket_t fd, short what, void *arg)
{
    struct wr_store *s = arg;
    struct store_bq done = STAILQ_HEAD_INITIALIZER(done);
    uint64_t n;

    if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
        store_log(s, WR_STORE_LOG_ERROR, "message store: eventfd read: %s", strerror(errno));
    /* With every batch in flight done the thread is idle: hand it the next one before running
     * the completions (confirms, acks), so its next round overlaps them. */
    if (take_done(s, &done) == s->inflight && cur_has_work(s))
        store_commit_submit(s);
    complete_all(s, &done);
    if (s->inflight == 0 && cur_has_work(s))
        store_commit_submit(s);
}

static void *thread_main(void *arg);

int
store_commit_start(struct wr_store *s)
{
    int rc;

    s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (s->efd < 0)
        return -errno;
    s->done_ev = event_new(s->base, s->efd, EV_READ | EV_PERSIST, done_cb, s);
    if (!s->done_ev || event_add(s->done_ev, NULL) < 0)
        return -ENOMEM;
    if ((rc = pthread_create(&s->thread, NULL, thread_main, s)) != 0)
        return -rc;
    s->thread_started = true;
    return 0;
}

void
store_commit_stop(struct wr_store *s)
{
    struct store_bq done = STAILQ_HEAD_INITIALIZER(done);

    if (s->thread_started) {
        store_commit_submit(s);
        pthread_mutex_lock(&s->mu);
        s->stop = true;
        pthread_cond_signal(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->thread, NULL);
        s->thread_started = false;
        take_done(s, &done);
        complete_all(s, &done);
    }
    if (s->cur)
        batch_free(s->cur);
    s->cur = NULL;
    if (s->done_ev)
        event_free(s->done_ev);
    s->done_ev = NULL;
    if (s->efd >= 0)
        close(s->efd);
    s->efd = -1;
}

/* ---- store thread ---- */

static int
write_all(int fd, const uint8_t *p, size_t len, uint64_t off)
{
    while (len > 0) {
        ssize_t n = pwrite(fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

struct fdset {
    int *fd;
    size_t n, cap;
};

static int
fdset_add(struct fdset *f, int fd)
{
    int *a;

    for (size_t i = 0; i < f->n; i++)
        if (f->fd[i] == fd)
            return 0;
    if (!(a = store_grow(f->fd, &f->cap, f->n + 1, sizeof(int))))
        return -ENOMEM;
    f->fd = a;
    f->fd[f->n++] = fd;
    return 0;
}

static int
write_batch(struct wr_store *s, struct store_batch *b, struct fdset *f)
{
    int rc = 0;

    if (b->len && (rc = write_all(b->seg_fd, b->data, b->len, b->seg_off)) == 0)
        rc = fdset_add(f, b->seg_fd);
    for (size_t i = 0; rc == 0 && i < b->nq; i++)
        if ((rc = write_all(b->qbufs[i].fd, b->qbufs[i].buf, b->qbufs[i].len, b->qbufs[i].off)) ==
            0)
            rc = fdset_add(f, b->qbufs[i].fd);
    if (rc == 0 && b->sync_msgdir)
        rc = fdset_add(f, s->msg_dir_fd);
    if (rc == 0 && b->sync_qdir)
        rc = fdset_add(f, s->q_dir_fd);
    atomic_fetch_add(&s->records, b->nq + (b->len ? 1 : 0));
    return rc;
}

static int
sync_fds(struct wr_store *s, const struct fdset *f)
{
    if (s->opts.no_fsync)
        return 0;
    /* Start writeback of every file before waiting on any, so their writes reach the device
     * together rather than one file after the other. A hint only: fdatasync reports errors. */
    for (size_t i = 0; f->n > 1 && i < f->n; i++)
        (void)sync_file_range(f->fd[i], 0, 0, SYNC_FILE_RANGE_WRITE);
    for (size_t i = 0; i < f->n; i++) {
        atomic_fetch_add(&s->fsyncs, 1);
        if (fdatasync(f->fd[i]) < 0)
            return -errno;
    }
    return 0;
}

/* After the fsync: compaction and unlinks, which must follow what came before them. */
static void
after_sync(struct wr_store *s, struct store_batch *b)
{
    if (b->status < 0)
        return;
    if (b->cjob)
        store_compact_run(s, b->cjob);
    for (size_t i = 0; i < b->nun; i++)
        if (b->unlinks[i].path && unlink(b->unlinks[i].path) < 0 && errno != ENOENT)
            b->status = -errno;
}

static void
run_round(struct wr_store *s, struct store_bq *q)
{
    struct fdset f = {0};
    struct store_batch *b;
    int rc = 0;

    STAILQ_FOREACH(b, q, link)
        if (rc == 0)
            rc = write_batch(s, b, &f);
    if (rc == 0)
        rc = sync_fds(s, &f);
    free(f.fd);
    atomic_fetch_add(&s->rounds, 1);
    STAILQ_FOREACH(b, q, link) {
        b->status = rc;
        after_sync(s, b);
    }
}

static void *
thread_main(void *arg)
{
    struct wr_store *s = arg;
    uint64_t one = 1;
    sigset_t all;

    /* Signals are the loop thread's: it blocks SIGTERM while it shuts down. */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    for (;;) {
        struct store_bq q = STAILQ_HEAD_INITIALIZER(q);
        pthread_mutex_lock(&s->mu);
        while (STAILQ_EMPTY(&s->todo) && !s->stop)
            pthread_cond_wait(&s->cv, &s->mu);
        STAILQ_CONCAT(&q, &s->todo);
        pthread_mutex_unlock(&s->mu);
        if (STAILQ_EMPTY(&q))
            break;
        run_round(s, &q);
        pthread_mutex_lock(&s->mu);
        STAILQ_CONCAT(&s->done, &q);
        pthread_mutex_unlock(&s->mu);
        while (write(s->efd, &one, sizeof(one)) < 0 && errno == EINTR)
            ;
    }
    return NULL;
}
