/* SPDX-License-Identifier: MPL-2.0 */
/* Internal to amqp/: a bounded text appender for the renderers in table.c and frame.c.
 * Appends past the end are cut; the buffer is always NUL-terminated when cap > 0. */
#ifndef WR_AMQP_TEXT_H
#define WR_AMQP_TEXT_H

#include <stddef.h>
#include <string.h>

struct wr_text {
    char *buf;
    size_t cap, len;
};

static inline void
wr_text_init(struct wr_text *t, char *buf, size_t cap)
{
    t->buf = buf;
    t->cap = cap;
    t->len = 0;
    if (cap > 0)
        buf[0] = '\0';
}

static inline void
wr_text_add(struct wr_text *t, const char *s, size_t n)
{
    if (t->cap == 0)
        return;
    if (n > t->cap - 1 - t->len)
        n = t->cap - 1 - t->len;
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = '\0';
}

static inline void
wr_text_str(struct wr_text *t, const char *s)
{
    wr_text_add(t, s, strlen(s));
}

#endif
