/* SPDX-License-Identifier: MPL-2.0 */
/* Message store glue. The record header holds exchange, routing key and the raw properties;
 * waits collected during one loop pass share one wr_store_sync (group commit). */
#include "server/persist.h"

#include "server/log.h"
#include "server/mem.h"
#include "server/msg.h"
#include "store/store.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

struct wr_wait {
    void *owner; /* NULL once forgotten */
    uint64_t upto;
    bool commit;
};

struct wr_batch {
    TAILQ_ENTRY(wr_batch) link;
    struct wr_persist *p;
    struct wr_wait *w;
    size_t n, cap;
};
TAILQ_HEAD(wr_batch_list, wr_batch);

struct wr_persist {
    struct wr_store *store;
    wr_persist_done_cb *done;
    struct wr_batch *open;         /* collecting waits during this loop pass */
    struct wr_batch_list inflight; /* handed to the store, waiting for fsync */
    struct event *flush_ev;
    struct event *tick_ev;
    bool dirty; /* written since the last sync */
    int64_t last_compact;
    int64_t compact_ms;
};

/* Unconfirmed work reaches the disk within this period even when nobody waits for it. */
#define WR_PERSIST_TICK_MS    200
#define WR_PERSIST_COMPACT_MS 5000

static int64_t
wr_persist_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
wr_persist_log(enum wr_store_log_level level, const char *line, void *arg)
{
    wr_log((enum wr_log_level)level, "store: %s", line);
}

static void wr_persist_flush(evutil_socket_t fd, short what, void *arg);

static void
wr_persist_tick(evutil_socket_t fd, short what, void *arg)
{
    struct wr_persist *p = arg;

    if (p->dirty && p->open == NULL)
        wr_store_sync(p->store, NULL, NULL);
    p->dirty = false;
    /* acked messages leave garbage in segments; choosing a victim walks the message table, so
     * it is tried at most every few seconds, and only while the broker writes */
    int64_t now = wr_persist_now_ms();
    if (now - p->last_compact >= p->compact_ms) {
        p->last_compact = now;
        wr_store_compact(p->store);
    }
}

/* Armed only when something was written, so an idle broker does not wake up. */
static void
wr_persist_touch(struct wr_persist *p)
{
    struct timeval tv = {0, WR_PERSIST_TICK_MS * 1000};

    if (p->dirty)
        return;
    p->dirty = true;
    evtimer_add(p->tick_ev, &tv);
}

struct wr_persist *
wr_persist_open(struct event_base *base, const char *dir, const struct wr_persist_opts *opts,
                wr_persist_done_cb *done)
{
    struct wr_persist *p = wr_xcalloc(1, sizeof(*p));
    struct wr_store_opts o = {.segment_bytes = opts->segment_bytes, .log = wr_persist_log};
    char err[512];

    p->store = wr_store_open(dir, base, &o, err, sizeof(err));
    if (p->store == NULL) {
        wr_log(WR_LOG_ERROR, "cannot open the message store in %s: %s", dir, err);
        free(p);
        return NULL;
    }
    p->done = done;
    p->compact_ms = opts->compact_ms ? opts->compact_ms : WR_PERSIST_COMPACT_MS;
    TAILQ_INIT(&p->inflight);
    p->flush_ev = event_new(base, -1, 0, wr_persist_flush, p);
    p->tick_ev = evtimer_new(base, wr_persist_tick, p);
    return p;
}

static void
wr_batch_free(struct wr_batch *bt)
{
    free(bt->w);
    free(bt);
}

void
wr_persist_close(struct wr_persist *p)
{
    struct wr_batch *bt;

    if (p == NULL)
        return;
    wr_store_close(p->store); /* runs outstanding callbacks */
    while ((bt = TAILQ_FIRST(&p->inflight)) != NULL) {
        TAILQ_REMOVE(&p->inflight, bt, link);
        wr_batch_free(bt);
    }
    if (p->open)
        wr_batch_free(p->open);
    event_free(p->flush_ev);
    event_free(p->tick_ev);
    free(p);
}

/* The store record's header (wr_msg_hdr_encode): on the stack when it is small, as it nearly
 * always is, so a persistent publish costs no malloc for it. */
#define WR_HDR_STACK 512

static int
wr_persist_store(struct wr_persist *p, const struct wr_msg *m, unsigned flags, uint64_t *id)
{
    uint8_t stack[WR_HDR_STACK];
    size_t len = wr_msg_hdr_len(m);
    uint8_t *hdr = len <= sizeof(stack) ? stack : wr_xmalloc(len);
    size_t n = wr_msg_hdr_encode(m, hdr);
    int rc = wr_store_put(p->store, hdr, n, m->body, m->body_size, flags, id);

    if (hdr != stack)
        free(hdr);
    return rc;
}

int
wr_persist_put(struct wr_persist *p, struct wr_msg *m)
{
    int rc;

    if (m->store_id != 0) {
        wr_store_ref(p->store, m->store_id);
        return 0;
    }
    rc = wr_persist_store(p, m, 0, &m->store_id);
    if (rc < 0) {
        wr_log(WR_LOG_ERROR, "message store write failed: %s", strerror(-rc));
        m->store_id = 0;
        return -1;
    }
    return 0;
}

int
wr_persist_put_transient(struct wr_persist *p, const struct wr_msg *m, uint64_t *id)
{
    return wr_persist_store(p, m, WR_STORE_TRANSIENT, id) < 0 ? -1 : 0;
}

void
wr_persist_release(struct wr_persist *p, struct wr_msg *m)
{
    wr_store_unref(p->store, m->store_id);
}

void
wr_persist_enqueue(struct wr_persist *p, uint64_t qid, uint64_t id, uint64_t seq)
{
    wr_persist_touch(p);
    wr_store_enqueue(p->store, qid, id, seq);
}

void
wr_persist_ack(struct wr_persist *p, uint64_t qid, uint64_t id)
{
    wr_persist_touch(p);
    wr_store_ack(p->store, qid, id);
}

void
wr_persist_delivered(struct wr_persist *p, uint64_t qid, uint64_t id)
{
    wr_persist_touch(p);
    wr_store_delivered(p->store, qid, id);
}

void
wr_persist_unref(struct wr_persist *p, uint64_t id)
{
    wr_store_unref(p->store, id);
}

void
wr_persist_queue_delete(struct wr_persist *p, uint64_t qid)
{
    wr_store_queue_delete(p->store, qid);
}

static void
wr_batch_done(int status, void *arg)
{
    struct wr_batch *bt = arg;
    struct wr_persist *p = bt->p;

    if (status < 0)
        wr_log(WR_LOG_ERROR, "message store sync failed: %s; confirms withheld", strerror(-status));
    TAILQ_REMOVE(&p->inflight, bt, link);
    for (size_t i = 0; i < bt->n && status == 0; i++) {
        if (bt->w[i].owner != NULL)
            p->done(bt->w[i].owner, bt->w[i].upto, bt->w[i].commit);
    }
    wr_batch_free(bt);
}

static void
wr_persist_flush(evutil_socket_t fd, short what, void *arg)
{
    struct wr_persist *p = arg;
    struct wr_batch *bt = p->open;

    if (bt == NULL)
        return;
    p->open = NULL;
    TAILQ_INSERT_TAIL(&p->inflight, bt, link);
    if (wr_store_sync(p->store, wr_batch_done, bt) < 0) {
        wr_log(WR_LOG_ERROR, "message store refused a sync; confirms withheld");
        TAILQ_REMOVE(&p->inflight, bt, link);
        wr_batch_free(bt);
    }
}

void
wr_persist_wait(struct wr_persist *p, void *owner, uint64_t upto, bool commit)
{
    struct wr_batch *bt = p->open;

    if (bt == NULL) {
        bt = p->open = wr_xcalloc(1, sizeof(*bt));
        bt->p = p;
        event_active(p->flush_ev, 0, 0);
    }
    /* one entry per owner per batch: a later upto covers the earlier one */
    if (bt->n > 0 && bt->w[bt->n - 1].owner == owner && !bt->w[bt->n - 1].commit && !commit) {
        bt->w[bt->n - 1].upto = upto;
        return;
    }
    if (bt->n == bt->cap) {
        bt->cap = bt->cap ? bt->cap * 2 : 8;
        bt->w = wr_xrealloc(bt->w, bt->cap * sizeof(*bt->w));
    }
    bt->w[bt->n++] = (struct wr_wait){owner, upto, commit};
}

static void
wr_batch_forget(struct wr_batch *bt, void *owner)
{
    for (size_t i = 0; bt != NULL && i < bt->n; i++) {
        if (bt->w[i].owner == owner)
            bt->w[i].owner = NULL;
    }
}

void
wr_persist_forget(struct wr_persist *p, void *owner)
{
    struct wr_batch *bt;

    wr_batch_forget(p->open, owner);
    TAILQ_FOREACH(bt, &p->inflight, link)
        wr_batch_forget(bt, owner);
}

struct wr_recover_ctx {
    struct wr_persist *p;
    bool (*exists)(uint64_t qid, void *arg);
    wr_persist_recover_cb *cb;
    void *arg;
    uint64_t *orphans;
    size_t norphans, cap;
    uint64_t loaded, skipped;
};

static void
wr_orphan_add(struct wr_recover_ctx *r, uint64_t qid)
{
    if (r->norphans > 0 && r->orphans[r->norphans - 1] == qid)
        return;
    if (r->norphans == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 8;
        r->orphans = wr_xrealloc(r->orphans, r->cap * sizeof(*r->orphans));
    }
    r->orphans[r->norphans++] = qid;
}

struct wr_msg *
wr_persist_load(struct wr_persist *p, uint64_t store_id)
{
    uint32_t hlen, blen;
    uint8_t *hdr, *body;
    struct wr_msg *m = NULL;

    if (wr_store_msg_info(p->store, store_id, &hlen, &blen) < 0)
        return NULL;
    hdr = wr_xmalloc(hlen ? hlen : 1);
    body = wr_xmalloc(blen ? blen : 1);
    if (wr_store_read(p->store, store_id, hdr, body) == 0)
        m = wr_msg_hdr_decode(hdr, hlen, blen);
    if (m != NULL) {
        memcpy(m->body, body, blen);
        m->received = blen;
        m->store_id = store_id;
        wr_msg_set_props_info(m);
    }
    free(hdr);
    free(body);
    return m;
}

static int
wr_recover_one(const struct wr_store_entry *e, void *arg)
{
    struct wr_recover_ctx *r = arg;

    if (!r->exists(e->qid, r->arg)) {
        wr_store_unref(r->p->store, e->msg_id);
        wr_orphan_add(r, e->qid);
        return 0;
    }
    r->cb(e->qid, e->msg_id, e->body_len, e->seq, e->redelivered, r->arg);
    r->loaded++;
    return 0;
}

int
wr_persist_recover(struct wr_persist *p, bool (*exists)(uint64_t qid, void *arg),
                   wr_persist_recover_cb *cb, void *arg)
{
    struct wr_recover_ctx r = {.p = p, .exists = exists, .cb = cb, .arg = arg};
    int rc = wr_store_recover(p->store, wr_recover_one, &r);

    for (size_t i = 0; i < r.norphans; i++)
        wr_store_queue_delete(p->store, r.orphans[i]);
    free(r.orphans);
    wr_log(WR_LOG_INFO, "recovered %llu persistent messages (%zu stale queues)",
           (unsigned long long)r.loaded, r.norphans);
    return rc;
}
