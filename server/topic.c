/* SPDX-License-Identifier: MPL-2.0 */
/* Topic trie. Literal edges live in one hash map per trie, keyed by (parent address, word);
 * '*' and '#' edges are plain pointers on the node. Matching runs the trie as an NFA over the
 * key's words (a set of live nodes per word), so "#.#.#" style patterns cost O(words x nodes)
 * instead of the exponential time of naive backtracking. */
#include <config.h>

#include "server/topic.h"

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "server/hmap.h"

enum topic_kind { TOPIC_ROOT, TOPIC_LIT, TOPIC_STAR, TOPIC_HASH };

struct topic_node {
    LIST_ENTRY(topic_node) all; /* every node, so wr_topic_free needs no traversal */
    struct topic_node *parent;
    struct topic_node *star, *hash;
    size_t nchildren; /* literal + star + hash */
    void **dests;
    size_t ndests, capdests;
    uint64_t mark; /* generation in which this node joined the live set */
    enum topic_kind kind;
    size_t wlen; /* literal word, kept to rebuild the edge key when pruning */
    char word[];
};

struct wr_topic {
    struct topic_node *root;
    LIST_HEAD(, topic_node) nodes;
    size_t nnodes;
    struct wr_hmap *edges;
    uint64_t gen;
    /* Scratch for wr_topic_match, sized by add so that matching never allocates: two live
     * sets of nnodes entries each, and an edge-key buffer for the longest literal word. */
    struct topic_node **live;
    size_t livecap;
    uint8_t *kbuf;
    size_t maxwlen;
};

struct word_iter {
    const char *p, *end;
    bool done;
};

/* The empty string has zero words; otherwise there is one more word than there are dots. */
static void
word_iter_init(struct word_iter *w, const char *s, size_t len)
{
    w->p = s;
    w->end = s + len;
    w->done = len == 0;
}

static bool
word_next(struct word_iter *w, const char **word, size_t *wlen)
{
    if (w->done)
        return false;
    const char *dot = memchr(w->p, '.', (size_t)(w->end - w->p));
    const char *stop = dot != NULL ? dot : w->end;
    *word = w->p;
    *wlen = (size_t)(stop - w->p);
    if (dot != NULL)
        w->p = dot + 1;
    else
        w->done = true;
    return true;
}

static size_t
edge_key(struct wr_topic *t, const struct topic_node *parent, const char *w, size_t wlen)
{
    memcpy(t->kbuf, &parent, sizeof(parent));
    if (wlen > 0)
        memcpy(t->kbuf + sizeof(parent), w, wlen);
    return sizeof(parent) + wlen;
}

/* Looks up the child of n reached by pattern word w (which may be "*" or "#"). */
static struct topic_node *
child_get(struct wr_topic *t, struct topic_node *n, const char *w, size_t wlen)
{
    if (wlen == 1 && w[0] == '*')
        return n->star;
    if (wlen == 1 && w[0] == '#')
        return n->hash;
    if (wlen > t->maxwlen || n->nchildren == 0)
        return NULL;
    return wr_hmap_get(t->edges, t->kbuf, edge_key(t, n, w, wlen));
}

static struct topic_node *
node_alloc(struct wr_topic *t, enum topic_kind kind, const char *w, size_t wlen)
{
    struct topic_node *n = calloc(1, sizeof(*n) + wlen);
    if (n == NULL)
        return NULL;
    n->kind = kind;
    n->wlen = wlen;
    if (wlen > 0)
        memcpy(n->word, w, wlen);
    LIST_INSERT_HEAD(&t->nodes, n, all);
    t->nnodes++;
    return n;
}

static void
node_free(struct wr_topic *t, struct topic_node *n)
{
    LIST_REMOVE(n, all);
    t->nnodes--;
    free(n->dests);
    free(n);
}

/* Grows the match scratch so it always covers every node and the longest literal word. */
static int
scratch_reserve(struct wr_topic *t, size_t nnodes, size_t wlen)
{
    if (wlen > t->maxwlen) {
        uint8_t *k = realloc(t->kbuf, sizeof(void *) + wlen);
        if (k == NULL)
            return -ENOMEM;
        t->kbuf = k;
        t->maxwlen = wlen;
    }
    if (nnodes > t->livecap) {
        size_t cap = t->livecap * 2 > nnodes ? t->livecap * 2 : nnodes;
        struct topic_node **l = realloc(t->live, 2 * cap * sizeof(*l));
        if (l == NULL)
            return -ENOMEM;
        t->live = l;
        t->livecap = cap;
    }
    return 0;
}

static enum topic_kind
word_kind(const char *w, size_t wlen)
{
    if (wlen == 1 && w[0] == '*')
        return TOPIC_STAR;
    if (wlen == 1 && w[0] == '#')
        return TOPIC_HASH;
    return TOPIC_LIT;
}

static struct topic_node *
child_add(struct wr_topic *t, struct topic_node *n, const char *w, size_t wlen)
{
    enum topic_kind kind = word_kind(w, wlen);
    if (scratch_reserve(t, t->nnodes + 1, kind == TOPIC_LIT ? wlen : 0) != 0)
        return NULL;
    struct topic_node *c = node_alloc(t, kind, w, kind == TOPIC_LIT ? wlen : 0);
    if (c == NULL)
        return NULL;
    if (kind == TOPIC_STAR)
        n->star = c;
    else if (kind == TOPIC_HASH)
        n->hash = c;
    else if (wr_hmap_put(t->edges, t->kbuf, edge_key(t, n, w, wlen), c) != 0) {
        node_free(t, c);
        return NULL;
    }
    c->parent = n;
    n->nchildren++;
    return c;
}

/* Walks up from n, freeing nodes that hold neither destinations nor children. */
static void
prune(struct wr_topic *t, struct topic_node *n)
{
    while (n != t->root && n->ndests == 0 && n->nchildren == 0) {
        struct topic_node *p = n->parent;
        if (n->kind == TOPIC_STAR)
            p->star = NULL;
        else if (n->kind == TOPIC_HASH)
            p->hash = NULL;
        else
            wr_hmap_del(t->edges, t->kbuf, edge_key(t, p, n->word, n->wlen));
        p->nchildren--;
        node_free(t, n);
        n = p;
    }
}

struct wr_topic *
wr_topic_new(void)
{
    struct wr_topic *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    LIST_INIT(&t->nodes);
    t->edges = wr_hmap_new();
    t->kbuf = malloc(sizeof(void *));
    if (t->edges == NULL || t->kbuf == NULL || scratch_reserve(t, 1, 0) != 0 ||
        (t->root = node_alloc(t, TOPIC_ROOT, NULL, 0)) == NULL) {
        wr_topic_free(t);
        return NULL;
    }
    return t;
}

void
wr_topic_free(struct wr_topic *t)
{
    if (t == NULL)
        return;
    while (!LIST_EMPTY(&t->nodes))
        node_free(t, LIST_FIRST(&t->nodes));
    wr_hmap_free(t->edges);
    free(t->live);
    free(t->kbuf);
    free(t);
}

static int
dest_add(struct topic_node *n, void *dest)
{
    for (size_t i = 0; i < n->ndests; i++)
        if (n->dests[i] == dest)
            return 1;
    if (n->ndests == n->capdests) {
        size_t cap = n->capdests ? n->capdests * 2 : 2;
        void **d = realloc(n->dests, cap * sizeof(*d));
        if (d == NULL)
            return -ENOMEM;
        n->dests = d;
        n->capdests = cap;
    }
    n->dests[n->ndests++] = dest;
    return 0;
}

int
wr_topic_add(struct wr_topic *t, const char *pattern, size_t len, void *dest)
{
    assert(t != NULL && (pattern != NULL || len == 0));
    struct topic_node *n = t->root, *c;
    struct word_iter it;
    const char *w;
    size_t wlen;

    word_iter_init(&it, pattern, len);
    while (word_next(&it, &w, &wlen)) {
        c = child_get(t, n, w, wlen);
        if (c == NULL && (c = child_add(t, n, w, wlen)) == NULL) {
            prune(t, n);
            return -ENOMEM;
        }
        n = c;
    }
    int rc = dest_add(n, dest);
    if (rc < 0)
        prune(t, n);
    return rc;
}

int
wr_topic_remove(struct wr_topic *t, const char *pattern, size_t len, void *dest)
{
    assert(t != NULL && (pattern != NULL || len == 0));
    struct topic_node *n = t->root;
    struct word_iter it;
    const char *w;
    size_t wlen;

    word_iter_init(&it, pattern, len);
    while (n != NULL && word_next(&it, &w, &wlen))
        n = child_get(t, n, w, wlen);
    if (n == NULL)
        return -ENOENT;
    for (size_t i = 0; i < n->ndests; i++) {
        if (n->dests[i] == dest) {
            n->dests[i] = n->dests[--n->ndests];
            prune(t, n);
            return 0;
        }
    }
    return -ENOENT;
}

/* Adds n to the live set unless it is already there this generation, then follows its '#'
 * child: a '#' may match zero words, so it is live wherever its parent is. */
static void
live_add(struct topic_node **set, size_t *count, struct topic_node *n, uint64_t gen)
{
    for (; n != NULL && n->mark != gen; n = n->hash) {
        n->mark = gen;
        set[(*count)++] = n;
    }
}

/* One step of the NFA: the nodes reachable from cur by consuming word w. */
static size_t
match_step(struct wr_topic *t, struct topic_node **cur, size_t ncur, struct topic_node **next,
           const char *w, size_t wlen)
{
    uint64_t gen = ++t->gen;
    size_t nnext = 0;

    for (size_t i = 0; i < ncur; i++) {
        struct topic_node *n = cur[i];
        if (n->kind == TOPIC_HASH)
            live_add(next, &nnext, n, gen); /* '#' swallows this word too */
        live_add(next, &nnext, n->star, gen);
        if (n->nchildren > 0 && wlen <= t->maxwlen)
            live_add(next, &nnext, wr_hmap_get(t->edges, t->kbuf, edge_key(t, n, w, wlen)), gen);
    }
    return nnext;
}

void
wr_topic_match(struct wr_topic *t, const char *key, size_t len, wr_topic_match_cb *cb, void *arg)
{
    assert(t != NULL && cb != NULL && (key != NULL || len == 0));
    struct topic_node **cur = t->live, **next = t->live + t->livecap, **tmp;
    size_t ncur = 0;
    struct word_iter it;
    const char *w;
    size_t wlen;

    live_add(cur, &ncur, t->root, ++t->gen);
    word_iter_init(&it, key, len);
    while (ncur > 0 && word_next(&it, &w, &wlen)) {
        ncur = match_step(t, cur, ncur, next, w, wlen);
        tmp = cur;
        cur = next;
        next = tmp;
    }
    for (size_t i = 0; i < ncur; i++)
        for (size_t j = 0; j < cur[i]->ndests; j++)
            cb(cur[i]->dests[j], arg);
}

bool
wr_topic_empty(const struct wr_topic *t)
{
    return t->root->ndests == 0 && t->root->nchildren == 0;
}
