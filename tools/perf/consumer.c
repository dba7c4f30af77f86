/* SPDX-License-Identifier: MPL-2.0 */
/* Consumer role: consumes one queue, reads the stamp from the first body bytes for latency and
 * duplicate counts, and acks (singly, every --multi-ack-every messages, or not at all with -a).
 * Only the first 16 body bytes are looked at; the rest is dropped with the frame. */
#include <stdlib.h>
#include <string.h>

#include "amqp/method.h"
#include "amqp/props.h"
#include "amqp/spec.h"
#include "tools/perf/roles.h"

struct wr_perf_consumer {
    int id, queue;
    uint64_t received, unacked, tag;
    uint64_t body_left;
    bool in_content, done;
    size_t stamp_len;
    uint8_t stamp[WR_PERF_TAG_BYTES];
};

void *
wr_perf_consumer_new(int id)
{
    struct wr_perf_consumer *k = calloc(1, sizeof(*k));
    if (!k)
        abort();
    k->id = id;
    return k;
}

static void
setup(struct wr_perf_conn *c)
{
    struct wr_perf_consumer *k = c->role_data;
    const struct wr_perf_opts *o = &c->run->opt;
    k->queue = k->id % o->queues;
    wr_perf_conn_declare(c);
    if (o->prefetch) {
        struct wr_m_basic_qos q = {.prefetch_count = (uint16_t)o->prefetch};
        wr_perf_conn_send_sync(c, WR_M_BASIC_QOS, &q);
    }
    struct wr_m_basic_consume bc = {.queue = wr_bytes_str(c->run->qnames[k->queue]),
                                    .no_ack = o->autoack};
    wr_perf_conn_send_sync(c, WR_M_BASIC_CONSUME, &bc);
}

static uint64_t
get_be64(const uint8_t *s)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | s[i];
    return v;
}

static void
ack(struct wr_perf_conn *c, struct wr_perf_consumer *k)
{
    const struct wr_perf_opts *o = &c->run->opt;
    if (o->autoack)
        return;
    k->unacked++;
    if (o->multi_ack > 1 && k->unacked < o->multi_ack && !k->done)
        return;
    struct wr_m_basic_ack a = {.delivery_tag = k->tag, .multiple = o->multi_ack > 1};
    wr_perf_conn_send(c, WR_M_BASIC_ACK, &a);
    k->unacked = 0;
}

/* Counts one delivery: latency from the stamp, and whether (queue, producer, seq) is new. */
static void
account(struct wr_perf_run *r, struct wr_perf_consumer *k)
{
    uint64_t now = wr_perf_now_ns();
    r->received++;
    r->t_last_recv_ns = now;
    if (k->stamp_len >= WR_PERF_TS_BYTES) {
        uint64_t ts = get_be64(k->stamp);
        uint64_t lat = now > ts ? now - ts : 0;
        wr_perf_hist_record(&r->lat, lat);
        wr_perf_hist_record(&r->lat_tick, lat);
    }
    if (k->stamp_len < WR_PERF_TAG_BYTES) {
        r->unique++;
        return;
    }
    uint64_t tag = get_be64(k->stamp + 8);
    uint32_t producer = (uint32_t)(tag >> WR_PERF_SEQ_BITS);
    uint64_t seq = tag & ((1ULL << WR_PERF_SEQ_BITS) - 1);
    if (producer < (uint32_t)r->opt.producers &&
        wr_perf_seen_test_set(&r->seen[k->queue], producer, seq))
        r->dup++;
    else
        r->unique++;
}

static void
delivered(struct wr_perf_conn *c, struct wr_perf_consumer *k)
{
    struct wr_perf_run *r = c->run;
    k->in_content = false;
    if (c->state != WR_PERF_READY)
        return;
    if (!k->done) {
        account(r, k);
        k->received++;
        if (r->opt.cons_count && k->received >= r->opt.cons_count) {
            k->done = true;
            r->consumers_done++;
        }
    }
    ack(c, k);
    wr_perf_check_done(r);
}

static void
on_content(struct wr_perf_conn *c, uint8_t type, const uint8_t *p, size_t len)
{
    struct wr_perf_consumer *k = c->role_data;
    if (!k->in_content)
        wr_perf_fail("content frame without basic.deliver");
    if (type == WR_FRAME_HEADER) {
        struct wr_content_header h;
        if (wr_content_header_parse(p, len, &h) != WR_OK)
            wr_perf_fail("bad content header");
        k->body_left = h.body_size;
        k->stamp_len = 0;
        if (h.body_size == 0)
            delivered(c, k);
        return;
    }
    size_t take = WR_PERF_TAG_BYTES - k->stamp_len;
    take = len < take ? len : take;
    memcpy(k->stamp + k->stamp_len, p, take);
    k->stamp_len += take;
    k->body_left = len < k->body_left ? k->body_left - len : 0;
    if (k->body_left == 0)
        delivered(c, k);
}

static void
on_method(struct wr_perf_conn *c, uint32_t id, const uint8_t *args, size_t len)
{
    struct wr_perf_consumer *k = c->role_data;
    if (id == WR_M_BASIC_CANCEL)
        wr_perf_fail("consumer %d cancelled by the broker", k->id);
    if (id != WR_M_BASIC_DELIVER)
        return;
    struct wr_m_basic_deliver d;
    if (wr_method_decode(id, args, len, &d) != WR_OK)
        wr_perf_fail("bad basic.deliver");
    k->tag = d.delivery_tag;
    k->in_content = true;
}

const struct wr_perf_role_ops wr_perf_consumer_ops = {
        .setup = setup,
        .method = on_method,
        .content = on_content,
};

static void
idle_setup(struct wr_perf_conn *c)
{
    (void)c;
}

const struct wr_perf_role_ops wr_perf_idle_ops = {.setup = idle_setup};
