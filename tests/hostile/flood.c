/* SPDX-License-Identifier: MPL-2.0 */
/* Connection flood: thousands of connections opened and dropped in every way a client can
 * drop one (clean close, reset, mid-handshake, right after open), in bounded batches. The
 * broker must keep accepting and must release every one of them. */
#define _POSIX_C_SOURCE 200809L

#include "tests/hostile/hostile.h"
#include "tests/hostile/raw.h"

#include <stdio.h>
#include <unistd.h>

#define FLOOD_BATCH     100
#define FLOOD_BUDGET_MS 20000

/* Opens one connection, says a little, and drops it in the i-th way. */
static bool
flood_one(int i, const struct obuf *hdr, const struct obuf *hs)
{
    char err[128];
    int fd;

    if (i % 50 == 49) { /* a complete session, then a reset: channels and all must go */
        fd = raw_session(g_opt.host, g_opt.port, 0, true, err, sizeof(err));
        if (fd < 0)
            return false;
        raw_reset(fd);
        return true;
    }
    fd = raw_connect(g_opt.host, g_opt.port, 0);
    if (fd < 0)
        return false;
    switch (i % 4) {
    case 0:
        close(fd);
        break;
    case 1:
        raw_send(fd, hdr->p, hdr->len, 1000);
        close(fd);
        break;
    case 2:
        raw_send(fd, hs->p, hs->len, 1000);
        raw_reset(fd);
        break;
    default:
        raw_reset(fd);
        break;
    }
    return true;
}

void
run_flood(void)
{
    struct obuf hdr = {0}, hs = {0};
    int64_t t0 = now_ms();
    int done = 0, failed = 0;
    char err[128];

    raw_header(&hdr);
    raw_header(&hs);
    raw_start_ok(&hs);
    while (done < g_opt.flood && now_ms() - t0 < FLOOD_BUDGET_MS) {
        for (int k = 0; k < FLOOD_BATCH && done < g_opt.flood; k++, done++)
            failed += !flood_one(done, &hdr, &hs);
    }
    int64_t took = now_ms() - t0;
    report(done == g_opt.flood && failed <= done / 100, "connection flood",
           "%d of %d connections in %lld ms, %d failed to connect", done, g_opt.flood,
           (long long)took, failed);
    /* the broker still takes a whole new session right after */
    int fd = raw_session(g_opt.host, g_opt.port, 0, true, err, sizeof(err));
    report(fd >= 0, "session after flood", "%s", fd >= 0 ? "open-ok" : err);
    if (fd >= 0)
        close(fd);
    ob_free(&hdr);
    ob_free(&hs);
}
