/* SPDX-License-Identifier: MPL-2.0 */
/* Frames: header parsing and writers that append whole frames to an evbuffer (the only libevent use
 * in amqp/). Deciding what a frame means, size limits and error texts belong to server/. */
#ifndef WR_AMQP_FRAME_H
#define WR_AMQP_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include <event2/buffer.h>

#include "amqp/spec.h"
#include "amqp/types.h"

/* type(1) channel(2) size(4); the payload and the frame-end octet follow. */
#define WR_FRAME_HEADER_SIZE 7
/* Header plus frame-end: frame_max - WR_FRAME_OVERHEAD is the largest payload (W-05). */
#define WR_FRAME_OVERHEAD 8

/* Reads type, channel and size from the first 7 bytes of a frame. */
void wr_frame_header_read(const uint8_t hdr[7], uint8_t *type, uint16_t *channel, uint32_t *size);

/* Appends a method frame with the encoded method m (struct wr_m_<class>_<method>).
 * Returns 0, or a negative wr_codec_err (nothing is appended then). */
int wr_frame_add_method(struct evbuffer *out, uint16_t ch, uint32_t id, const void *m);
/* Appends a content header frame. props: raw bytes starting at the 16-bit flags word. */
void wr_frame_add_header(struct evbuffer *out, uint16_t ch, uint16_t class_id, uint64_t body_size,
                         const uint8_t *props, size_t props_len);
/* Splits into body frames of at most frame_max - 8 payload bytes (frame_max 0: no limit);
 * appends nothing for len == 0 (W-05). The body is copied. */
void wr_frame_add_body(struct evbuffer *out, uint16_t ch, const uint8_t *body, size_t len,
                       uint32_t frame_max);
/* Number of body frames a body of len bytes takes (0 for an empty body). */
size_t wr_frame_body_count(size_t len, uint32_t frame_max);
/* Like wr_frame_add_body() without copying the body: each frame's payload is added with
 * evbuffer_add_reference(), and libevent calls cleanup(chunk, chunk_len, arg) once per body frame
 * when it is done with it. Take wr_frame_body_count() references before calling.
 * Returns 0, or -1 when libevent fails: out may then end in a partial frame, so the connection must
 * be closed, and cleanup is not called for the frames not added. */
int wr_frame_add_body_ref(struct evbuffer *out, uint16_t ch, const uint8_t *body, size_t len,
                          uint32_t frame_max, evbuffer_ref_cleanup_cb cleanup, void *arg);
/* Appends the 8-byte heartbeat frame (type 8, channel 0, empty payload). */
void wr_frame_add_heartbeat(struct evbuffer *out);

/* Renders bytes the way Erlang prints a binary, for FRAME_ERROR texts (W-04..W-08):
 * <<"abc">> when every byte is printable ASCII, else <<0,20,0,10>>; empty: <<>>.
 * Returns the length written; buf is always NUL-terminated (cap > 0) and truncated to cap - 1. */
size_t wr_frame_render_octets(const uint8_t *p, size_t n, char *buf, size_t cap);

#endif
