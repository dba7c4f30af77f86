/* SPDX-License-Identifier: MPL-2.0 */
/* Free lists for the small fixed-size records made per message (queue entries, unacked
 * records), so the hot path does not call malloc. Sanitizer builds use plain malloc (R8). */
#ifndef WR_POOL_H
#define WR_POOL_H

#include <stddef.h>

struct wr_pool {
    size_t size; /* object size */
    void *free;  /* singly linked through the objects' first word */
    size_t nfree;
    size_t max_free; /* beyond this, objects go back to malloc */
};

#define WR_POOL_INIT(type, max)                                                       \
    {                                                                                 \
        sizeof(type) < sizeof(void *) ? sizeof(void *) : sizeof(type), NULL, 0, (max) \
    }

void *wr_pool_get(struct wr_pool *p); /* zeroed */
void wr_pool_put(struct wr_pool *p, void *obj);

#endif
