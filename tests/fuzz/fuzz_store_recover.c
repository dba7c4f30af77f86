/* SPDX-License-Identifier: MPL-2.0 */
/* Fuzz target for store recovery. Input: byte 0 = n, then n * 24 bytes (clamped) written as a
 * queue index, the rest as a segment file. Recovery must never crash, and every message it
 * yields must read back intact. */
#include <config.h>

#include <assert.h>
#include <event2/event.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(path);
}

static void
write_file(const char *dir, const char *sub, const char *name, const uint8_t *p, size_t n)
{
    char path[256];
    int fd;

    snprintf(path, sizeof(path), "%s/%s", dir, sub);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert(fd >= 0);
    assert(write(fd, p, n) == (ssize_t)n);
    close(fd);
}

static int
read_back(const struct wr_store_entry *e, void *arg)
{
    struct wr_store *s = arg;
    uint8_t *h = malloc(e->hdr_len + 1), *b = malloc(e->body_len + 1);

    assert(wr_store_read(s, e->msg_id, h, b) == 0);
    free(h);
    free(b);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct event_base *base;
    char dir[] = "/tmp/wr_fuzz_store_XXXXXX", err[256];
    size_t qlen = size ? (size_t)data[0] * 24 : 0;
    struct wr_store *s;

    if (!base)
        base = event_base_new();
    if (size == 0 || !mkdtemp(dir))
        return 0;
    if (qlen > size - 1)
        qlen = size - 1;
    write_file(dir, "queues", "0000000000000001.idx", data + 1, qlen);
    write_file(dir, "msgs", "msg.00000001", data + 1 + qlen, size - 1 - qlen);
    s = wr_store_open(dir, base, NULL, err, sizeof(err));
    if (s) {
        wr_store_recover(s, read_back, s);
        wr_store_close(s);
    }
    nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    return 0;
}
