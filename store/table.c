/* SPDX-License-Identifier: MPL-2.0 */
/* The message table: id -> location, sizes and refcount. Open addressing with linear probing
 * and backward-shift deletion, so there are no tombstones and no per-entry allocation. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

static size_t
slot_of(const struct store_tab *t, uint64_t id)
{
    return (size_t)((id * 0x9e3779b97f4a7c15ull) >> 32) & (t->cap - 1);
}

int
store_tab_init(struct store_tab *t, size_t cap)
{
    size_t c = 1024;

    while (c < cap)
        c <<= 1;
    t->slots = calloc(c, sizeof(*t->slots));
    if (!t->slots)
        return -ENOMEM;
    t->cap = c;
    t->count = 0;
    return 0;
}

void
store_tab_fini(struct store_tab *t)
{
    free(t->slots);
    t->slots = NULL;
    t->cap = t->count = 0;
}

struct store_ent *
store_tab_find(const struct store_tab *t, uint64_t id)
{
    for (size_t i = slot_of(t, id);; i = (i + 1) & (t->cap - 1)) {
        if (t->slots[i].id == id)
            return &t->slots[i];
        if (t->slots[i].id == 0)
            return NULL;
    }
}

static int
tab_grow(struct store_tab *t)
{
    struct store_tab n;
    int rc = store_tab_init(&n, t->cap * 2);

    if (rc < 0)
        return rc;
    for (size_t i = 0; i < t->cap; i++) {
        if (t->slots[i].id == 0)
            continue;
        size_t j = slot_of(&n, t->slots[i].id);
        while (n.slots[j].id != 0)
            j = (j + 1) & (n.cap - 1);
        n.slots[j] = t->slots[i];
    }
    n.count = t->count;
    free(t->slots);
    *t = n;
    return 0;
}

struct store_ent *
store_tab_insert(struct store_tab *t, uint64_t id)
{
    size_t i;

    if ((t->count + 1) * 4 > t->cap * 3 && tab_grow(t) < 0)
        return NULL;
    for (i = slot_of(t, id); t->slots[i].id != 0; i = (i + 1) & (t->cap - 1))
        if (t->slots[i].id == id)
            return NULL;
    memset(&t->slots[i], 0, sizeof(t->slots[i]));
    t->slots[i].id = id;
    t->count++;
    return &t->slots[i];
}

/* Backward shift: move later members of the probe run into the hole when their home slot
 * allows it, so lookups never need tombstones. */
void
store_tab_remove(struct store_tab *t, struct store_ent *e)
{
    size_t mask = t->cap - 1, hole = (size_t)(e - t->slots);

    for (size_t j = (hole + 1) & mask; t->slots[j].id != 0; j = (j + 1) & mask) {
        size_t home = slot_of(t, t->slots[j].id);
        /* j may move to hole iff home is not cyclically in (hole, j]. */
        if (((j - home) & mask) >= ((j - hole) & mask)) {
            t->slots[hole] = t->slots[j];
            hole = j;
        }
    }
    memset(&t->slots[hole], 0, sizeof(t->slots[hole]));
    t->count--;
}

void
store_tab_drop(struct wr_store *s, struct store_ent *e)
{
    struct store_seg *g = store_seg_find(s, e->seg);

    if (g)
        store_seg_release(s, g, STORE_ALIGN(STORE_REC_HDR + (uint64_t)e->hdr_len + e->body_len));
    store_tab_remove(&s->tab, e);
}
