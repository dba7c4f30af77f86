/* SPDX-License-Identifier: MPL-2.0 */
/* Message allocation and reference counting. */
#include "server/msg.h"

#include "amqp/props.h"
#include "server/log.h"

#include <stdlib.h>
#include <string.h>

static uint64_t wr_msg_bytes;

struct wr_msg *
wr_msg_new(const void *exchange, size_t exchange_len, const void *rk, size_t rk_len,
           const uint8_t *props, size_t props_len, uint64_t body_size)
{
    size_t n = sizeof(struct wr_msg) + exchange_len + rk_len + props_len + body_size;
    struct wr_msg *m;

    if (exchange_len > 255 || rk_len > 255 || body_size > SIZE_MAX / 2)
        return NULL;
    m = malloc(n);
    if (m == NULL)
        return NULL;
    memset(m, 0, sizeof(*m));
    m->refs = 1;
    m->exchange_len = (uint8_t)exchange_len;
    m->rk_len = (uint8_t)rk_len;
    m->props_len = (uint32_t)props_len;
    m->body_size = body_size;
    m->expiration_ms = -1;
    uint8_t *p = m->data;
    memcpy(p, exchange, exchange_len);
    m->exchange = (const char *)p;
    p += exchange_len;
    memcpy(p, rk, rk_len);
    m->rk = (const char *)p;
    p += rk_len;
    if (props_len)
        memcpy(p, props, props_len);
    m->props = p;
    m->body = p + props_len;
    wr_msg_bytes += n;
    return m;
}

void
wr_msg_ref(struct wr_msg *m)
{
    m->refs++;
}

void
wr_msg_unref(struct wr_msg *m)
{
    if (m->refs == 0)
        wr_panic("wr_msg_unref: refcount underflow");
    if (--m->refs > 0)
        return;
    wr_msg_bytes -= sizeof(*m) + m->exchange_len + m->rk_len + m->props_len + m->body_size;
    free(m);
}

void
wr_msg_unref_cb(const void *data, size_t len, void *arg)
{
    (void)data;
    (void)len;
    wr_msg_unref(arg);
}

uint64_t
wr_msg_live_bytes(void)
{
    return wr_msg_bytes;
}

void
wr_msg_set_props_info(struct wr_msg *m)
{
    struct wr_props p;

    if (wr_props_decode(m->props, m->props_len, &p) < 0)
        return;
    m->prop_flags = p.flags;
    m->delivery_mode = (p.flags & WR_P_DELIVERY_MODE) ? p.delivery_mode : 0;
    m->priority = (p.flags & WR_P_PRIORITY) ? p.priority : 0;
}

size_t
wr_msg_hdr_len(const struct wr_msg *m)
{
    return 2 + (size_t)m->exchange_len + m->rk_len + m->props_len;
}

size_t
wr_msg_hdr_encode(const struct wr_msg *m, uint8_t *buf)
{
    size_t n = 0;

    buf[n++] = m->exchange_len;
    memcpy(buf + n, m->exchange, m->exchange_len);
    n += m->exchange_len;
    buf[n++] = m->rk_len;
    memcpy(buf + n, m->rk, m->rk_len);
    n += m->rk_len;
    memcpy(buf + n, m->props, m->props_len);
    return n + m->props_len;
}

struct wr_msg *
wr_msg_hdr_decode(const uint8_t *hdr, uint32_t hlen, uint32_t blen)
{
    uint32_t off;

    if (hlen < 2 || hdr[0] + 2u > hlen)
        return NULL;
    const uint8_t *ex = hdr + 1;
    uint8_t exlen = hdr[0];
    off = 1 + exlen;
    uint8_t rklen = hdr[off++];
    if (off + rklen > hlen)
        return NULL;
    const uint8_t *rk = hdr + off;
    off += rklen;
    return wr_msg_new(ex, exlen, rk, rklen, hdr + off, hlen - off, blen);
}
