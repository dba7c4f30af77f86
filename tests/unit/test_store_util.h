/* SPDX-License-Identifier: MPL-2.0 */
/* Shared helpers for the store tests: temp dirs, opening a store on a private event_base,
 * waiting for group commits, deterministic message contents, a log sink that counts warnings. */
#ifndef WR_TESTS_UNIT_TEST_STORE_UTIL_H
#define WR_TESTS_UNIT_TEST_STORE_UTIL_H

#include <event2/event.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"

struct tenv {
    char dir[64];
    struct event_base *base;
    struct wr_store *s;
    struct wr_store_opts opts;
    int warnings;
    char last[512];
};

static inline void
tlog(enum wr_store_log_level lv, const char *line, void *arg)
{
    struct tenv *t = arg;

    if (lv <= WR_STORE_LOG_WARN)
        t->warnings++;
    snprintf(t->last, sizeof(t->last), "%s", line);
    if (getenv("WR_STORE_TEST_VERBOSE"))
        fprintf(stderr, "[store %d] %s\n", lv, line);
}

static inline int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(path);
}

static inline void
tenv_rmdir(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static inline struct wr_store *
tenv_open(struct tenv *t)
{
    char err[256];

    t->opts.log = tlog;
    t->opts.log_arg = t;
    t->s = wr_store_open(t->dir, t->base, &t->opts, err, sizeof(err));
    if (!t->s)
        fprintf(stderr, "open: %s\n", err);
    return t->s;
}

static inline void
tenv_close(struct tenv *t)
{
    wr_store_close(t->s);
    t->s = NULL;
}

static inline struct tenv *
tenv_new(void)
{
    struct tenv *t = calloc(1, sizeof(*t));

    snprintf(t->dir, sizeof(t->dir), "/tmp/wr_store_XXXXXX");
    if (!mkdtemp(t->dir))
        abort();
    t->base = event_base_new();
    return t;
}

static inline void
tenv_free(struct tenv *t)
{
    if (!t)
        return;
    tenv_close(t);
    event_base_free(t->base);
    tenv_rmdir(t->dir);
    free(t);
}

static inline void
sync_done(int status, void *arg)
{
    int *p = arg;
    *p = status == 0 ? 1 : status;
}

/* Requests a group commit and runs the loop until its callback; returns its status. */
static inline int
tenv_sync(struct tenv *t)
{
    int done = 0;

    if (wr_store_sync(t->s, sync_done, &done) < 0)
        return -1;
    while (!done)
        event_base_loop(t->base, EVLOOP_ONCE);
    return done == 1 ? 0 : done;
}

/* Message i: header "hdr-<i>", body of body_len bytes derived from i. */
static inline void
msg_make(unsigned i, size_t body_len, char *hdr, size_t hcap, uint8_t *body)
{
    snprintf(hdr, hcap, "hdr-%u", i);
    for (size_t k = 0; k < body_len; k++)
        body[k] = (uint8_t)(i * 31 + k * 7);
}

static inline uint64_t
msg_put(struct wr_store *s, unsigned i, size_t body_len, unsigned flags)
{
    char hdr[32];
    uint8_t *body = malloc(body_len ? body_len : 1);
    uint64_t id = 0;

    msg_make(i, body_len, hdr, sizeof(hdr), body);
    if (wr_store_put(s, hdr, strlen(hdr), body, body_len, flags, &id) < 0)
        id = 0;
    free(body);
    return id;
}

/* 0 when id holds message i with a body of body_len bytes. */
static inline int
msg_check(struct wr_store *s, uint64_t id, unsigned i, size_t body_len)
{
    char want_h[32], got_h[64];
    uint8_t *want = malloc(body_len + 1), *got = malloc(body_len + 1);
    uint32_t hl, bl;
    int rc = -1;

    msg_make(i, body_len, want_h, sizeof(want_h), want);
    if (wr_store_msg_info(s, id, &hl, &bl) == 0 && hl == strlen(want_h) && bl == body_len &&
        wr_store_read(s, id, got_h, got) == 0 && memcmp(got_h, want_h, hl) == 0 &&
        memcmp(got, want, body_len) == 0)
        rc = 0;
    free(want);
    free(got);
    return rc;
}

#endif
