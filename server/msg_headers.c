/* SPDX-License-Identifier: MPL-2.0 */
/* Header rewriting creates new messages; shared ones are never mutated (R5). */
#include "server/msg_headers.h"

#include "amqp/props.h"
#include "amqp/table.h"
#include "server/mem.h"
#include "server/msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
wr_headers_keys(struct wr_bytes headers, const char *name, struct wr_bytes *keys, size_t *n,
                size_t cap, char *err, size_t errcap)
{
    struct wr_fvalue v, el;
    struct wr_table_iter it;

    if (!wr_table_get(headers, name, &v))
        return 0;
    if (v.type != 'A')
        goto bad;
    wr_table_iter_init(&it, v.v.s);
    while (wr_array_next(&it, &el) > 0) {
        if (el.type != 'S') {
            v = el;
            goto bad;
        }
        if (*n < cap)
            keys[(*n)++] = el.v.s;
    }
    return 0;
bad:
    snprintf(err, errcap, "invalid message: {unacceptable_type_in_header,\"%s\",%s}", name,
             wr_fvalue_type_name(v.type));
    return -1;
}

static bool
wr_name_in(struct wr_bytes key, const char *const *names)
{
    for (; *names; names++) {
        if (wr_bytes_eq_str(key, *names))
            return true;
    }
    return false;
}

void
wr_headers_copy_except(struct wr_bytes headers, const char *const *skip, struct wr_tbuf *b)
{
    struct wr_table_iter it;
    struct wr_bytes key;
    struct wr_fvalue v;
    char k[256];

    wr_table_iter_init(&it, headers);
    while (wr_table_next(&it, &key, &v) > 0) {
        if (wr_name_in(key, skip))
            continue;
        memcpy(k, key.ptr, key.len);
        k[key.len] = '\0';
        wr_tbuf_key(b, k);
        wr_tbuf_value(b, &v);
    }
}

struct wr_msg *
wr_msg_with_props(const struct wr_msg *m, const struct wr_props *p, const char *exchange,
                  size_t elen, struct wr_bytes rk)
{
    size_t plen = wr_props_encoded_size(p);
    uint8_t *props = wr_xmalloc(plen ? plen : 1);
    struct wr_msg *n = NULL;

    if (plen == 0 || wr_props_encode(p, props, plen) < 0)
        goto out;
    n = wr_msg_new(exchange, elen, rk.ptr, rk.len, props, plen, m->body_size);
    if (n == NULL)
        goto out;
    memcpy(n->body, m->body, m->body_size);
    n->received = m->body_size;
    n->prop_flags = p->flags;
    n->delivery_mode = m->delivery_mode;
    n->priority = m->priority;
    n->expiration_ms = (p->flags & WR_P_EXPIRATION) ? m->expiration_ms : -1;
out:
    free(props);
    return n;
}

struct wr_msg *
wr_msg_with_header_long(const struct wr_msg *m, const char *key, int64_t value)
{
    const char *skip[] = {key, NULL};
    struct wr_props p;
    struct wr_tbuf h;
    struct wr_msg *n;

    if (wr_props_decode(m->props, m->props_len, &p) < 0)
        return NULL;
    wr_tbuf_init(&h);
    if (p.flags & WR_P_HEADERS)
        wr_headers_copy_except(p.headers, skip, &h);
    wr_tbuf_long(&h, key, value);
    p.flags |= WR_P_HEADERS;
    p.headers = wr_tbuf_bytes(&h);
    n = wr_msg_with_props(m, &p, m->exchange, m->exchange_len,
                          (struct wr_bytes){(const uint8_t *)m->rk, m->rk_len});
    wr_tbuf_free(&h);
    return n;
}
