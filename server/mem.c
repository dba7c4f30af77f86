/* SPDX-License-Identifier: MPL-2.0 */
/* Abort-on-OOM allocation for fixed-size internal objects (tmux's xmalloc). */
#include "server/mem.h"

#include "server/log.h"

#include <stdlib.h>
#include <string.h>

void *
wr_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (p == NULL)
        wr_panic("out of memory allocating %zu bytes", n);
    return p;
}

void *
wr_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);

    if (p == NULL)
        wr_panic("out of memory allocating %zu x %zu bytes", n, size);
    return p;
}

void *
wr_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);

    if (q == NULL)
        wr_panic("out of memory reallocating %zu bytes", n);
    return q;
}

char *
wr_xstrndup(const char *s, size_t n)
{
    char *p = wr_xmalloc(n + 1);

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *
wr_xstrdup(const char *s)
{
    return wr_xstrndup(s, strlen(s));
}
