/* SPDX-License-Identifier: MPL-2.0 */
/* The refcounted message: one allocation holding exchange, routing key, raw properties and body.
 * Immutable once its body is complete (ownership rules R1-R5 in DESIGN.md / style.md G6). */
#ifndef WR_MSG_H
#define WR_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wr_msg {
    uint32_t refs;
    uint8_t exchange_len;
    uint8_t rk_len;
    uint8_t delivery_mode; /* 2 = persistent */
    uint8_t priority;
    uint16_t prop_flags; /* WR_P_* present, so the hot path decodes only when it must */
    uint32_t props_len;
    uint64_t body_size;
    uint64_t received;     /* body bytes filled in while assembling */
    uint64_t store_id;     /* message store id once written (persistent, durable queue) */
    int64_t expiration_ms; /* from the expiration property; -1 when absent */
    const char *exchange;  /* not NUL-terminated; exchange_len bytes */
    const char *rk;
    const uint8_t *props; /* raw property bytes starting at the flags word */
    uint8_t *body;
    uint8_t data[];
};

/* Returns a message with refs = 1 and room for body_size bytes, or NULL when out of memory. */
struct wr_msg *wr_msg_new(const void *exchange, size_t exchange_len, const void *rk, size_t rk_len,
                          const uint8_t *props, size_t props_len, uint64_t body_size);
void wr_msg_ref(struct wr_msg *m);
void wr_msg_unref(struct wr_msg *m);
/* Fills prop_flags, delivery_mode and priority from the raw properties (reloaded messages). */
void wr_msg_set_props_info(struct wr_msg *m);
/* evbuffer_add_reference cleanup: drops the ref taken for a referenced body chunk. */
void wr_msg_unref_cb(const void *data, size_t len, void *arg);
/* The message without its body as stored on disk (exchange, routing key, raw properties):
 * wr_msg_hdr_len bytes written by encode; decode returns a message with room for blen body
 * bytes (not filled), or NULL when hdr is malformed. */
size_t wr_msg_hdr_len(const struct wr_msg *m);
size_t wr_msg_hdr_encode(const struct wr_msg *m, uint8_t *buf);
struct wr_msg *wr_msg_hdr_decode(const uint8_t *hdr, uint32_t hlen, uint32_t blen);
/* Live message count and bytes, for memory accounting. */
uint64_t wr_msg_live_bytes(void);

#endif
