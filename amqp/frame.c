/* SPDX-License-Identifier: MPL-2.0 */
/* Frame header parsing and whole-frame writers into evbuffers; octet rendering for FRAME_ERROR
 * texts. Frame-level policy (size limits, sequencing) is server/'s business. */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "amqp/frame.h"
#include "amqp/method.h"
#include "amqp/text.h"
#include "amqp/wire.h"

void
wr_frame_header_read(const uint8_t hdr[7], uint8_t *type, uint16_t *channel, uint32_t *size)
{
    *type = hdr[0];
    *channel = wr_be16(hdr + 1);
    *size = wr_be32(hdr + 3);
}

static void
put_frame_header(uint8_t *p, uint8_t type, uint16_t ch, uint32_t size)
{
    p[0] = type;
    wr_put_be16(p + 1, ch);
    wr_put_be32(p + 3, size);
}

static void
add_frame_header(struct evbuffer *out, uint8_t type, uint16_t ch, uint32_t size)
{
    uint8_t hdr[WR_FRAME_HEADER_SIZE];

    put_frame_header(hdr, type, ch, size);
    evbuffer_add(out, hdr, sizeof(hdr));
}

static void
add_frame_end(struct evbuffer *out)
{
    static const uint8_t end = WR_FRAME_END;

    evbuffer_add(out, &end, 1);
}

/* Encodes straight into reserved evbuffer space, so a large method (connection.start with its
 * server-properties) costs no temporary buffer. */
int
wr_frame_add_method(struct evbuffer *out, uint16_t ch, uint32_t id, const void *m)
{
    struct evbuffer_iovec vec;
    int size = wr_method_encoded_size(id, m);
    size_t total;

    if (size < 0)
        return size;
    total = (size_t)size + WR_FRAME_OVERHEAD;
    if (evbuffer_reserve_space(out, (ev_ssize_t)total, &vec, 1) != 1 || vec.iov_len < total)
        return WR_ESPACE;
    uint8_t *p = vec.iov_base;
    put_frame_header(p, WR_FRAME_METHOD, ch, (uint32_t)size);
    if (wr_method_encode(id, m, p + WR_FRAME_HEADER_SIZE, (size_t)size) != size)
        return WR_ESPACE;
    p[total - 1] = WR_FRAME_END;
    vec.iov_len = total;
    return evbuffer_commit_space(out, &vec, 1) == 0 ? WR_OK : WR_ESPACE;
}

void
wr_frame_add_header(struct evbuffer *out, uint16_t ch, uint16_t class_id, uint64_t body_size,
                    const uint8_t *props, size_t props_len)
{
    uint8_t fixed[12];
    struct wr_wcur w = {fixed, sizeof(fixed), 0};

    assert(props_len <= UINT32_MAX - sizeof(fixed));
    wr_put_u16(&w, class_id);
    wr_put_u16(&w, 0); /* weight: always zero in 0-9-1 */
    wr_put_u64(&w, body_size);
    add_frame_header(out, WR_FRAME_HEADER, ch, (uint32_t)(sizeof(fixed) + props_len));
    evbuffer_add(out, fixed, sizeof(fixed));
    if (props_len)
        evbuffer_add(out, props, props_len);
    add_frame_end(out);
}

static size_t
body_chunk(uint32_t frame_max)
{
    assert(frame_max == 0 || frame_max > WR_FRAME_OVERHEAD);
    return frame_max == 0 ? UINT32_MAX : frame_max - WR_FRAME_OVERHEAD;
}

size_t
wr_frame_body_count(size_t len, uint32_t frame_max)
{
    size_t chunk = body_chunk(frame_max);

    return len / chunk + (len % chunk != 0);
}

void
wr_frame_add_body(struct evbuffer *out, uint16_t ch, const uint8_t *body, size_t len,
                  uint32_t frame_max)
{
    size_t chunk = body_chunk(frame_max);

    for (size_t off = 0; off < len;) {
        size_t n = len - off < chunk ? len - off : chunk;
        add_frame_header(out, WR_FRAME_BODY, ch, (uint32_t)n);
        evbuffer_add(out, body + off, n);
        add_frame_end(out);
        off += n;
    }
}

int
wr_frame_add_body_ref(struct evbuffer *out, uint16_t ch, const uint8_t *body, size_t len,
                      uint32_t frame_max, evbuffer_ref_cleanup_cb cleanup, void *arg)
{
    size_t chunk = body_chunk(frame_max);

    for (size_t off = 0; off < len;) {
        size_t n = len - off < chunk ? len - off : chunk;
        add_frame_header(out, WR_FRAME_BODY, ch, (uint32_t)n);
        if (evbuffer_add_reference(out, body + off, n, cleanup, arg) != 0)
            return -1;
        add_frame_end(out);
        off += n;
    }
    return 0;
}

void
wr_frame_add_heartbeat(struct evbuffer *out)
{
    static const uint8_t hb[] = {WR_FRAME_HEARTBEAT, 0, 0, 0, 0, 0, 0, WR_FRAME_END};

    evbuffer_add(out, hb, sizeof(hb));
}

static bool
printable(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x20 || p[i] > 0x7E)
            return false;
    }
    return true;
}

size_t
wr_frame_render_octets(const uint8_t *p, size_t n, char *buf, size_t cap)
{
    struct wr_text r;
    char tmp[8];
    bool text = printable(p, n);

    wr_text_init(&r, buf, cap);
    wr_text_str(&r, text && n ? "<<\"" : "<<");
    for (size_t i = 0; i < n; i++) {
        if (text && (p[i] == '"' || p[i] == '\\'))
            snprintf(tmp, sizeof(tmp), "\\%c", p[i]);
        else if (text)
            snprintf(tmp, sizeof(tmp), "%c", p[i]);
        else
            snprintf(tmp, sizeof(tmp), i ? ",%u" : "%u", p[i]);
        wr_text_str(&r, tmp);
    }
    wr_text_str(&r, text && n ? "\">>" : ">>");
    return r.len;
}
