/* SPDX-License-Identifier: MPL-2.0 */
/* Exception records and RabbitMQ's reply-text format. */
#include "server/error.h"

#include "amqp/spec.h"
#include "server/conn_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
wr_exc_format(struct wr_exc *e, uint16_t code, const char *text)
{
    const char *name = wr_reply_name(code);
    int n;

    e->code = code;
    /* an empty explanation gives the bare name, as in 3.10's "INTERNAL_ERROR" (ERR-44) */
    if (text[0] == '\0')
        n = snprintf(e->text, sizeof(e->text), "%s", name ? name : "INTERNAL_ERROR");
    else
        n = snprintf(e->text, sizeof(e->text), "%s - %s", name ? name : "INTERNAL_ERROR", text);
    /* reply-text is a shortstr: RabbitMQ keeps 252 bytes and appends "..." */
    if (n > 255)
        memcpy(e->text + 252, "...", 4);
}

static int
wr_fail(struct wr_conn *c, uint16_t chan, uint16_t code, const char *fmt, va_list ap)
{
    char text[1024];

    if (c->exc.code != 0)
        return WR_EXC; /* the first error wins */
    vsnprintf(text, sizeof(text), fmt, ap);
    wr_exc_format(&c->exc, code, text);
    c->exc.channel = chan;
    c->exc.method = c->cur_method;
    return WR_EXC;
}

int
wr_chan_fail(struct wr_channel *ch, uint16_t code, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = wr_fail(ch->conn, ch->id, code, fmt, ap);
    va_end(ap);
    return rc;
}

int
wr_conn_fail(struct wr_conn *c, uint16_t code, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = wr_fail(c, 0, code, fmt, ap);
    va_end(ap);
    return rc;
}
