/* SPDX-License-Identifier: MPL-2.0 */
/* Permission checks for channel operations; which operation needs which permission is decided
 * by the handlers (A-04's table). */
#include "server/perm.h"

#include "server/conn_internal.h"
#include "server/exchange.h"
#include "server/regex.h"
#include "server/vhost.h"

#include <string.h>

static int
wr_perm_check(struct wr_channel *ch, enum wr_perm_kind kind, const char *what, struct wr_bytes name)
{
    const char *vh = wr_vhost_name(ch->conn->vh);
    const struct wr_perm *p = wr_user_perm(ch->conn->user, vh, strlen(vh));

    if (p != NULL && p->re[kind] != NULL &&
        wr_regex_match(p->re[kind], (const char *)name.ptr, name.len))
        return 0;
    return wr_chan_fail(ch, WR_ACCESS_REFUSED,
                        "access to %s '%.*s' in vhost '%s' refused for user '%s'", what,
                        (int)name.len, (const char *)name.ptr, vh, wr_user_name(ch->conn->user));
}

int
wr_perm_queue(struct wr_channel *ch, enum wr_perm_kind kind, struct wr_bytes name)
{
    return wr_perm_check(ch, kind, "queue", name);
}

int
wr_perm_exchange(struct wr_channel *ch, enum wr_perm_kind kind, struct wr_bytes name)
{
    if (name.len == 0)
        name = WR_BYTES_LIT("amq.default");
    return wr_perm_check(ch, kind, "exchange", name);
}

int
wr_perm_topic(struct wr_channel *ch, enum wr_perm_kind kind, struct wr_bytes exchange,
              struct wr_bytes key)
{
    const char *vh = wr_vhost_name(ch->conn->vh);
    const struct wr_topic_perm *p;
    struct wr_exchange *x;
    const struct wr_regex *re;

    if (wr_user_ntopic_perms(ch->conn->user) == 0)
        return 0;
    x = wr_vhost_exchange(ch->conn->vh, (const char *)exchange.ptr, exchange.len);
    p = wr_user_topic_perm(ch->conn->user, vh, (const char *)exchange.ptr, exchange.len);
    if (x == NULL || wr_exchange_opts(x)->type != WR_X_TOPIC || p == NULL)
        return 0;
    re = p->re[kind == WR_PERM_WRITE ? 0 : 1];
    if (wr_regex_match(re, (const char *)key.ptr, key.len))
        return 0;
    return wr_chan_fail(ch, WR_ACCESS_REFUSED,
                        "access to topic '%.*s' in exchange '%.*s' in vhost '%s' refused for user "
                        "'%s'",
                        (int)key.len, (const char *)key.ptr, (int)exchange.len,
                        (const char *)exchange.ptr, vh, wr_user_name(ch->conn->user));
}
