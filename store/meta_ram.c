/* SPDX-License-Identifier: MPL-2.0 */
/* The RAM-node metadata backend: nothing touches the disk, so a restart starts empty (in a
 * cluster the state then comes from a peer). It only numbers commands for the stats. */
#include <config.h>

#include <stdlib.h>

#include "store/meta_internal.h"

struct meta_ram {
    uint64_t last_index;
};

static int
ram_recover(void *be, const struct wr_meta_fsm *fsm)
{
    (void)be, (void)fsm;
    return 0;
}

static int
ram_append(void *be, const struct wr_meta_cmd *cmds, size_t n)
{
    struct meta_ram *r = be;

    (void)cmds;
    r->last_index += n;
    return 0;
}

static int
ram_snapshot(void *be, const void *state, size_t len)
{
    (void)be, (void)state, (void)len;
    return 0;
}

static void
ram_stats(void *be, struct wr_meta_stats *st)
{
    struct meta_ram *r = be;

    st->last_index = r->last_index;
}

/* Memory is the state itself: there is no log to compact. */
static bool
ram_should_snapshot(void *be)
{
    (void)be;
    return false;
}

static void
ram_close(void *be)
{
    free(be);
}

const struct wr_meta_backend meta_ram_ops = {
        .name = "ram",
        .recover = ram_recover,
        .append = ram_append,
        .snapshot = ram_snapshot,
        .stats = ram_stats,
        .should_snapshot = ram_should_snapshot,
        .close = ram_close,
};

void *
meta_ram_new(void)
{
    return calloc(1, sizeof(struct meta_ram));
}
