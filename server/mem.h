/* SPDX-License-Identifier: MPL-2.0 */
/* Allocation wrappers: fixed-size internal allocations abort on OOM; all count bytes for alarms. */
#ifndef WR_MEM_H
#define WR_MEM_H

#include <stddef.h>

void *wr_xmalloc(size_t n);
void *wr_xcalloc(size_t n, size_t size);
void *wr_xrealloc(void *p, size_t n);
char *wr_xstrndup(const char *s, size_t n);
char *wr_xstrdup(const char *s);

#endif
