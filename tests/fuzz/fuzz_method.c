/* SPDX-License-Identifier: MPL-2.0 */
/* Fuzz target for method argument decoding. Input: 4-byte class+method id, then the arguments.
 * Whatever decodes must re-encode, and the re-encoding must decode to the same bytes again. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "amqp/method.h"
#include "amqp/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

union any_method {
    max_align_t align;
    uint8_t raw[512];
};

/* Decoded tables are walked and rendered the way the server uses them in error texts. */
static void
walk_tables(const struct wr_method_desc *d, const union any_method *m)
{
    char text[256];

    for (unsigned i = 0; i < d->nfields; i++) {
        if (d->fields[i].type != WR_T_TABLE)
            continue;
        struct wr_fvalue v = {.type = 'F'};
        memcpy(&v.v.s, m->raw + d->fields[i].offset, sizeof(v.v.s));
        wr_fvalue_render(&v, text, sizeof(text));
        (void)wr_fvalue_equal(&v, &v); /* no assert: a NaN inside is never equal */
    }
}

static void
check_reencode(uint32_t id, const union any_method *m)
{
    const struct wr_method_desc *d = wr_method_desc(id);
    union any_method again;
    int n = wr_method_encoded_size(id, m);
    uint8_t *buf, *buf2;

    assert(n >= 4);
    buf = malloc((size_t)n);
    buf2 = malloc((size_t)n);
    assert(buf && buf2);
    assert(wr_method_encode(id, m, buf, (size_t)n) == n);
    assert(wr_method_encode(id, m, buf, (size_t)n - 1) == WR_ESPACE);
    assert(wr_method_decode(id, buf + 4, (size_t)n - 4, &again) == WR_OK);
    assert(wr_method_encode(id, &again, buf2, (size_t)n) == n);
    assert(memcmp(buf, buf2, (size_t)n) == 0);
    walk_tables(d, m);
    free(buf);
    free(buf2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    union any_method m;
    uint32_t id;

    if (wr_method_id_read(data, size, &id) != WR_OK)
        return 0;
    const struct wr_method_desc *d = wr_method_desc(id);
    if (!d) {
        assert(wr_method_decode(id, data + 4, size - 4, &m) == WR_EUNKNOWN);
        return 0;
    }
    assert(d->size <= sizeof(m.raw));
    if (wr_method_decode(id, data + 4, size - 4, &m) == WR_OK)
        check_reencode(id, &m);
    return 0;
}
