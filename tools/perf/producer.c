/* SPDX-License-Identifier: MPL-2.0 */
/* Producer role: publishes a pre-encoded method + header + body frame sequence, stamping time and
 * sequence number into the body copy, up to --pipeline messages per socket write, limited by the
 * confirm window and the rate. Pre-encoding keeps the generator's cost per message to one memcpy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "amqp/frame.h"
#include "amqp/method.h"
#include "amqp/props.h"
#include "amqp/spec.h"
#include "tools/perf/roles.h"

/* Unbatched publishes written before the producer yields to the event loop. */
#define WR_PERF_BURST 64

struct wr_perf_producer {
    struct event *tick; /* -r: fires when this producer's next message is due */
    uint32_t id;
    uint64_t seq;       /* messages published; also the last publish sequence number */
    uint64_t confirmed; /* highest confirmed sequence number */
    bool done;
    uint8_t *tmpl; /* method, header and body frames of one message */
    size_t tmpl_len, body_off;
};

void *
wr_perf_producer_new(int id)
{
    struct wr_perf_producer *p = calloc(1, sizeof(*p));
    if (!p)
        abort();
    p->id = (uint32_t)id;
    return p;
}

static const char *
routing_key(const struct wr_perf_run *r, uint32_t id)
{
    const struct wr_perf_opts *o = &r->opt;
    if (o->routing_key)
        return o->routing_key;
    if (o->exchange[0] == '\0' || strcmp(o->type, "direct") == 0)
        return r->qnames[id % (uint32_t)o->queues];
    return "";
}

static void
build_template(struct wr_perf_conn *c, struct wr_perf_producer *p)
{
    const struct wr_perf_opts *o = &c->run->opt;
    struct evbuffer *b = evbuffer_new();
    struct wr_m_basic_publish pub = {.exchange = wr_bytes_str(o->exchange),
                                     .routing_key = wr_bytes_str(routing_key(c->run, p->id))};
    wr_frame_add_method(b, 1, WR_M_BASIC_PUBLISH, &pub);
    struct wr_props props = {.flags = WR_P_DELIVERY_MODE, .delivery_mode = o->persistent ? 2 : 1};
    uint8_t raw[16];
    int n = wr_props_encode(&props, raw, sizeof(raw));
    if (n < 0)
        wr_perf_fail("cannot encode properties");
    wr_frame_add_header(b, 1, 60, o->body_size, raw, (size_t)n);
    p->body_off = evbuffer_get_length(b) + WR_FRAME_HEADER_SIZE;
    uint8_t *body = calloc(1, o->body_size + 1);
    memset(body, 'x', o->body_size);
    wr_frame_add_body(b, 1, body, o->body_size, c->frame_max);
    free(body);
    p->tmpl_len = evbuffer_get_length(b);
    p->tmpl = malloc(p->tmpl_len);
    evbuffer_remove(b, p->tmpl, p->tmpl_len);
    evbuffer_free(b);
}

static void
setup(struct wr_perf_conn *c)
{
    struct wr_perf_producer *p = c->role_data;
    build_template(c, p);
    wr_perf_conn_declare(c);
    if (c->run->opt.confirm)
        wr_perf_conn_send_sync(c, WR_M_CONFIRM_SELECT, &(struct wr_m_confirm_select){0});
}

static void
put_be64(uint8_t *d, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        d[i] = (uint8_t)v;
}

static void
publish_one(struct wr_perf_conn *c, struct wr_perf_producer *p, struct evbuffer *out)
{
    size_t size = c->run->opt.body_size;
    uint8_t *body = p->tmpl + p->body_off;
    if (size >= WR_PERF_TS_BYTES)
        put_be64(body, wr_perf_now_ns());
    if (size >= WR_PERF_TAG_BYTES)
        put_be64(body + 8, (uint64_t)p->id << WR_PERF_SEQ_BITS | p->seq);
    evbuffer_add(out, p->tmpl, p->tmpl_len);
    p->seq++;
    c->run->sent++;
}

/* With -r, producers are out of phase, each by its share of one interval, as PerfTest's
 * producer threads are: all of them publishing at once would measure the generator's bursts,
 * not the broker's latency. */
static double
phase(const struct wr_perf_run *r, const struct wr_perf_producer *p)
{
    double all = (double)(r->opt.producers > 0 ? r->opt.producers : 1) * r->opt.workers;
    return ((double)p->id * r->opt.workers + r->worker) / all; /* interleaved across workers */
}

/* Messages this producer may publish now: -C, confirm window and rate credit. */
static uint64_t
allowance(const struct wr_perf_conn *c, const struct wr_perf_producer *p)
{
    const struct wr_perf_run *r = c->run;
    const struct wr_perf_opts *o = &r->opt;
    uint64_t n = o->pipeline;
    if (o->pub_count && o->pub_count - p->seq < n)
        n = o->pub_count - p->seq;
    if (o->confirm) {
        uint64_t out = p->seq - p->confirmed;
        n = out >= o->confirm ? 0 : (o->confirm - out < n ? o->confirm - out : n);
    }
    if (o->rate > 0) {
        double due = o->rate * (double)(wr_perf_now_ns() - r->t0_ns) / 1e9 + 1 - phase(r, p);
        uint64_t credit = due > (double)p->seq ? (uint64_t)due - p->seq : 0;
        n = credit < n ? credit : n;
    }
    return n;
}

static void
finish(struct wr_perf_conn *c, struct wr_perf_producer *p)
{
    p->done = true;
    c->run->producers_done++;
    wr_perf_check_done(c->run);
}

void
wr_perf_producer_pump(struct wr_perf_conn *c)
{
    struct wr_perf_producer *p = c->role_data;
    struct wr_perf_run *r = c->run;
    if (p->done || !r->started || c->state != WR_PERF_READY)
        return;
    if (r->pub_done) {
        finish(c, p);
        return;
    }
    struct evbuffer *out = wr_perf_conn_out(c);
    if (r->opt.pipeline == 1) {
        /* as PerfTest's producer thread: one socket write per publish, back to back, not one
         * event-loop round per message (the socket filling up hands over to the bufferevent) */
        struct evbuffer *pending = bufferevent_get_output(c->bev);
        for (int i = 0; i < WR_PERF_BURST && allowance(c, p) > 0; i++) {
            publish_one(c, p, out);
            wr_perf_conn_flush(c);
            if (evbuffer_get_length(pending) > 0)
                break;
        }
    } else {
        for (uint64_t n = allowance(c, p); n > 0; n--)
            publish_one(c, p, out);
        wr_perf_conn_flush(c);
    }
    if (r->opt.pub_count && p->seq >= r->opt.pub_count)
        finish(c, p);
}

static void clock_tick(evutil_socket_t fd, short what, void *arg);

/* Arms the producer's timer for its next due message (at least 100 us ahead when it is
 * behind, so a producer held back by its confirm window does not spin). */
static void
clock_arm(struct wr_perf_conn *c, struct wr_perf_producer *p, bool progressed)
{
    const struct wr_perf_run *r = c->run;
    uint64_t due = r->t0_ns + (uint64_t)(((double)p->seq + phase(r, p)) / r->opt.rate * 1e9);
    uint64_t now = wr_perf_now_ns(), wait = due > now ? due - now : 0;

    if (!progressed && wait < 100000)
        wait = 100000;
    struct timeval tv = {(time_t)(wait / 1000000000u), (suseconds_t)(wait % 1000000000u / 1000)};
    if (p->tick == NULL)
        p->tick = evtimer_new(r->base, clock_tick, c);
    evtimer_add(p->tick, &tv);
}

static void
clock_tick(evutil_socket_t fd, short what, void *arg)
{
    struct wr_perf_conn *c = arg;
    struct wr_perf_producer *p = c->role_data;
    uint64_t before = p->seq;

    (void)fd, (void)what;
    wr_perf_producer_pump(c);
    if (!p->done && !c->run->pub_done)
        clock_arm(c, p, p->seq != before);
}

void
wr_perf_producer_clock(struct wr_perf_conn *c)
{
    struct wr_perf_producer *p = c->role_data;

    if (c->run->opt.rate > 0 && !p->done)
        clock_arm(c, p, true);
}

uint64_t
wr_perf_producer_outstanding(const struct wr_perf_conn *c)
{
    const struct wr_perf_producer *p = c->role_data;
    return c->run->opt.confirm ? p->seq - p->confirmed : 0;
}

/* Confirms arrive in tag order; multiple=true covers everything up to the tag. */
static void
on_confirm(struct wr_perf_conn *c, uint32_t id, const uint8_t *args, size_t len)
{
    struct wr_perf_producer *p = c->role_data;
    struct wr_m_basic_nack m; /* basic.ack decodes into the same leading fields */
    if (wr_method_decode(id, args, len, &m) != WR_OK)
        wr_perf_fail("bad %s", wr_method_name(id));
    uint64_t n =
            m.multiple ? (m.delivery_tag > p->confirmed ? m.delivery_tag - p->confirmed : 0) : 1;
    if (m.delivery_tag > p->confirmed)
        p->confirmed = m.delivery_tag;
    c->run->t_last_confirm_ns = wr_perf_now_ns();
    if (id == WR_M_BASIC_NACK)
        c->run->nacked += n;
    else
        c->run->confirmed += n;
    wr_perf_producer_pump(c);
    if (p->done)
        wr_perf_check_done(c->run);
}

static void
on_method(struct wr_perf_conn *c, uint32_t id, const uint8_t *args, size_t len)
{
    if (id == WR_M_BASIC_ACK || id == WR_M_BASIC_NACK)
        on_confirm(c, id, args, len);
    else if (id == WR_M_BASIC_RETURN)
        wr_perf_fail("message returned (unroutable)");
}

const struct wr_perf_role_ops wr_perf_producer_ops = {
        .setup = setup,
        .method = on_method,
        .writable = wr_perf_producer_pump,
};
