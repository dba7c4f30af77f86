/* SPDX-License-Identifier: MPL-2.0 */
/* Fuzz target for metadata log recovery. Input: [k] k*16 bytes of snapshot.00000001, [j] j*16
 * bytes of log.00000001, the rest log.00000002 (lengths clamped). Recovery must not crash,
 * every replayed command is run through the record reader, and after one more append a second
 * recovery must rebuild exactly the state the first one had after that append. */
#include <config.h>

#include <assert.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/meta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
    uint64_t hash, n;
};

static uint64_t
fnv(uint64_t h, const void *p, size_t len)
{
    const uint8_t *b = p;

    for (size_t i = 0; i < len; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

static int
fz_restore(const void *state, size_t len, void *arg)
{
    struct fz *f = arg;

    f->hash = fnv(0xcbf29ce484222325ull, state, len);
    f->n = 0;
    return 0;
}

/* Decodes the command as a stream of tagged fields, as a server command decoder would. */
static int
fz_apply(const void *cmd, size_t len, void *arg)
{
    struct fz *f = arg;
    struct wr_meta_rd rd;
    char s[32];
    uint8_t tag;

    wr_meta_rd_init(&rd, cmd, len);
    while (wr_meta_rd_left(&rd) && wr_meta_rd_u8(&rd, &tag) == 0) {
        uint64_t u64;
        uint32_t u32;
        const void *p;
        size_t l;
        if (tag % 4 == 0)
            wr_meta_rd_u32(&rd, &u32);
        else if (tag % 4 == 1)
            wr_meta_rd_u64(&rd, &u64);
        else if (tag % 4 == 2)
            wr_meta_rd_str(&rd, s, sizeof(s));
        else if (wr_meta_rd_bytes(&rd, &p, &l) == 0 && l)
            assert(((const uint8_t *)p)[l - 1] == ((const uint8_t *)cmd)[rd.off - 1]);
    }
    f->hash = fnv(f->hash, cmd, len);
    f->n++;
    return wr_meta_rd_end(&rd);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(path);
}

static void
write_file(const char *dir, const char *name, const uint8_t *p, size_t n)
{
    char path[256];
    int fd;

    snprintf(path, sizeof(path), "%s/meta/%s", dir, name);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert(fd >= 0);
    assert(write(fd, p, n) == (ssize_t)n);
    close(fd);
}

/* Takes a [count] byte and count*16 bytes (clamped) off the input. */
static size_t
take(const uint8_t **p, size_t *left)
{
    size_t n;

    if (*left == 0)
        return 0;
    n = (size_t)(*p)[0] * 16;
    (*p)++, (*left)--;
    return n < *left ? n : *left;
}

static struct wr_meta *
open_recover(const char *dir, struct fz *f)
{
    struct wr_meta_opts o = {.no_fsync = true};
    struct wr_meta_fsm fsm = {fz_restore, fz_apply, f};
    char err[256];
    struct wr_meta *m = wr_meta_open(dir, WR_META_DISK, &o, err, sizeof(err));

    memset(f, 0, sizeof(*f));
    if (m && wr_meta_recover(m, &fsm) != 0) {
        wr_meta_close(m);
        m = NULL;
    }
    return m;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char dir[] = "/tmp/wr_fuzz_meta_XXXXXX", sub[64];
    const uint8_t *p = data;
    size_t left = size, n;
    struct fz a, b;
    struct wr_meta *m;

    if (!mkdtemp(dir))
        return 0;
    snprintf(sub, sizeof(sub), "%s/meta", dir);
    mkdir(sub, 0700);
    if ((n = take(&p, &left)) > 0)
        write_file(dir, "snapshot.00000001", p, n);
    p += n, left -= n;
    n = take(&p, &left);
    write_file(dir, "log.00000001", p, n);
    p += n, left -= n;
    write_file(dir, "log.00000002", p, left);
    if ((m = open_recover(dir, &a)) != NULL) {
        wr_meta_append(m, "\x02\x03\0\0\0abc", 8);
        wr_meta_close(m);
        m = open_recover(dir, &b);
        assert(m && b.hash == a.hash && b.n == a.n); /* a includes the append's apply */
        wr_meta_close(m);
    }
    nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    return 0;
}
