/* SPDX-License-Identifier: MPL-2.0 */
/* Free-list allocation; single-threaded like all broker state. */
#include "server/pool.h"

#include "server/mem.h"

#include <stdlib.h>
#include <string.h>

void *
wr_pool_get(struct wr_pool *p)
{
    void *obj;

#ifndef WR_SANITIZERS
    if (p->free != NULL) {
        obj = p->free;
        p->free = *(void **)obj;
        p->nfree--;
        memset(obj, 0, p->size);
        return obj;
    }
#endif
    obj = wr_xcalloc(1, p->size);
    return obj;
}

void
wr_pool_put(struct wr_pool *p, void *obj)
{
#ifndef WR_SANITIZERS
    if (p->nfree < p->max_free) {
        *(void **)obj = p->free;
        p->free = obj;
        p->nfree++;
        return;
    }
#endif
    free(obj);
}
