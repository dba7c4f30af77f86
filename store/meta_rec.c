/* SPDX-License-Identifier: MPL-2.0 */
/* Command encoding for the metadata log: a growable positional record builder and a reader
 * that distrusts its input (records come back from disk, maybe damaged, or from a peer). */
#include <config.h>

#include "store/meta.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

void
wr_meta_rec_init(struct wr_meta_rec *r)
{
    memset(r, 0, sizeof(*r));
}

void
wr_meta_rec_fini(struct wr_meta_rec *r)
{
    free(r->buf);
    memset(r, 0, sizeof(*r));
}

void
wr_meta_rec_reset(struct wr_meta_rec *r)
{
    r->len = 0;
    r->err = 0;
}

int
wr_meta_rec_error(const struct wr_meta_rec *r)
{
    return r->err;
}

/* Reserves n bytes at the end and returns them, or NULL (and a sticky error). */
static uint8_t *
rec_room(struct wr_meta_rec *r, size_t n)
{
    uint8_t *p;

    if (r->err)
        return NULL;
    if (n > WR_META_MAX_CMD - r->len) {
        r->err = -EMSGSIZE;
        return NULL;
    }
    p = store_grow(r->buf, &r->cap, r->len + n, 1);
    if (!p) {
        r->err = -ENOMEM;
        return NULL;
    }
    r->buf = p;
    p += r->len;
    r->len += n;
    return p;
}

void
wr_meta_rec_put_u8(struct wr_meta_rec *r, uint8_t v)
{
    uint8_t *p = rec_room(r, 1);

    if (p)
        *p = v;
}

void
wr_meta_rec_put_u32(struct wr_meta_rec *r, uint32_t v)
{
    uint8_t *p = rec_room(r, 4);

    if (p)
        store_put32(p, v);
}

void
wr_meta_rec_put_u64(struct wr_meta_rec *r, uint64_t v)
{
    uint8_t *p = rec_room(r, 8);

    if (p)
        store_put64(p, v);
}

void
wr_meta_rec_put_bytes(struct wr_meta_rec *r, const void *data, size_t len)
{
    uint8_t *p;

    if (len > WR_META_MAX_CMD) {
        r->err = r->err ? r->err : -EMSGSIZE;
        return;
    }
    if ((p = rec_room(r, 4 + len)) == NULL)
        return;
    store_put32(p, (uint32_t)len);
    if (len)
        memcpy(p + 4, data, len);
}

void
wr_meta_rec_put_str(struct wr_meta_rec *r, const char *s)
{
    wr_meta_rec_put_bytes(r, s, strlen(s));
}

void
wr_meta_rd_init(struct wr_meta_rd *r, const void *p, size_t len)
{
    r->p = p;
    r->len = p ? len : 0;
    r->off = 0;
    r->err = 0;
}

size_t
wr_meta_rd_left(const struct wr_meta_rd *r)
{
    return r->len - r->off;
}

int
wr_meta_rd_end(const struct wr_meta_rd *r)
{
    return r->err || r->off != r->len ? -EBADMSG : 0;
}

/* Consumes n bytes and returns them, or NULL (sticky) when fewer are left. */
static const uint8_t *
rd_take(struct wr_meta_rd *r, size_t n)
{
    const uint8_t *p;

    if (r->err || n > r->len - r->off) {
        r->err = -EBADMSG;
        return NULL;
    }
    p = r->p + r->off;
    r->off += n;
    return p;
}

int
wr_meta_rd_u8(struct wr_meta_rd *r, uint8_t *v)
{
    const uint8_t *p = rd_take(r, 1);

    *v = p ? *p : 0;
    return r->err;
}

int
wr_meta_rd_u32(struct wr_meta_rd *r, uint32_t *v)
{
    const uint8_t *p = rd_take(r, 4);

    *v = p ? store_get32(p) : 0;
    return r->err;
}

int
wr_meta_rd_u64(struct wr_meta_rd *r, uint64_t *v)
{
    const uint8_t *p = rd_take(r, 8);

    *v = p ? store_get64(p) : 0;
    return r->err;
}

int
wr_meta_rd_bytes(struct wr_meta_rd *r, const void **data, size_t *len)
{
    uint32_t n = 0;
    const uint8_t *p = NULL;

    if (wr_meta_rd_u32(r, &n) == 0)
        p = rd_take(r, n);
    *data = p;
    *len = p ? n : 0;
    return r->err;
}

int
wr_meta_rd_str(struct wr_meta_rd *r, char *out, size_t cap)
{
    const void *p;
    size_t n;

    if (cap)
        out[0] = '\0';
    if (wr_meta_rd_bytes(r, &p, &n) < 0)
        return r->err;
    if (n >= cap || memchr(p, '\0', n)) {
        r->err = -EBADMSG;
        return r->err;
    }
    memcpy(out, p, n);
    out[n] = '\0';
    return 0;
}
