/* SPDX-License-Identifier: MPL-2.0 */
/* Permission checks for channel operations; which operation needs which permission is decided
 * by the handlers (A-04's table). */
#include "server/perm.h"

#include "server/conn_internal.h"
#include "server/exchange.h"
#include "server/regex.h"
#include "server/vhost.h"

#include <string.h>

bool
wr_perm_allows(const struct wr_user *u, const char *vhost, enum wr_perm_kind kind, bool exchange,
               struct wr_bytes name)
{
    const struct wr_perm *p = wr_user_perm(u, vhost, strlen(vhost));

    if (exchange && name.len == 0)
        name = WR_BYTES_LIT("amq.default");
    return p != NULL && p->re[kind] != NULL &&
           wr_regex_match(p->re[kind], (const char *)name.ptr, name.len);
}

static int
wr_perm_check(struct wr_channel *ch, enum wr_perm_kind kind, bool exchange, struct wr_bytes name)
{
    const char *vh = wr_vhost_name(ch->conn->vh);

    if (wr_perm_allows(ch->conn->user, vh, kind, exchange, name))
        return 0;
    if (exchange && name.len == 0)
        name = WR_BYTES_LIT("amq.default");
    return wr_chan_fail(ch, WR_ACCESS_REFUSED,
                        "access to %s '%.*s' in vhost '%s' refused for user '%s'",
                        exchange ? "exchange" : "queue", (int)name.len, (const char *)name.ptr, vh,
                        wr_user_name(ch->conn->user));
}

int
wr_perm_queue(struct wr_channel *ch, enum wr_perm_kind kind, struct wr_bytes name)
{
    return wr_perm_check(ch, kind, false, name);
}

int
wr_perm_exchange(struct wr_channel *ch, enum wr_perm_kind kind, struct wr_bytes name)
{
    return wr_perm_check(ch, kind, true, name);
}

bool
wr_perm_topic_allows(const struct wr_user *u, const char *vhost, struct wr_bytes exchange,
                     enum wr_perm_kind kind, struct wr_bytes key)
{
    const struct wr_topic_perm *p =
            wr_user_topic_perm(u, vhost, (const char *)exchange.ptr, exchange.len);
    const struct wr_regex *re;

    if (p == NULL)
        return true;
    re = p->re[kind == WR_PERM_WRITE ? 0 : 1];
    return re != NULL && wr_regex_match(re, (const char *)key.ptr, key.len);
}

int
wr_perm_topic(struct wr_channel *ch, enum wr_perm_kind kind, struct wr_bytes exchange,
              struct wr_bytes key)
{
    const char *vh = wr_vhost_name(ch->conn->vh);
    struct wr_exchange *x;

    if (wr_user_ntopic_perms(ch->conn->user) == 0)
        return 0;
    x = wr_vhost_exchange(ch->conn->vh, (const char *)exchange.ptr, exchange.len);
    if (x == NULL || wr_exchange_opts(x)->type != WR_X_TOPIC ||
        wr_perm_topic_allows(ch->conn->user, vh, exchange, kind, key))
        return 0;
    return wr_chan_fail(ch, WR_ACCESS_REFUSED,
                        "access to topic '%.*s' in exchange '%.*s' in vhost '%s' refused for user "
                        "'%s'",
                        (int)key.len, (const char *)key.ptr, (int)exchange.len,
                        (const char *)exchange.ptr, vh, wr_user_name(ch->conn->user));
}
