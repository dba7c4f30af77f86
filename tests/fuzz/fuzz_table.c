/* SPDX-License-Identifier: MPL-2.0 */
/* Fuzz target for field tables: the input is table contents (no length prefix). A table that
 * validates is iterated, looked up, compared, rendered and rebuilt with the encoder. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "amqp/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
rebuild(struct wr_bytes t)
{
    struct wr_table_iter it;
    struct wr_bytes key;
    struct wr_fvalue v, found;
    struct wr_tbuf b;
    char name[256], text[128];

    wr_tbuf_init(&b);
    wr_table_iter_init(&it, t);
    while (wr_table_next(&it, &key, &v) == 1) {
        memcpy(name, key.ptr, key.len);
        name[key.len] = '\0';
        /* a key with a NUL in it cannot be looked up as a C string */
        assert(wr_table_get(t, name, &found) || strlen(name) != key.len);
        wr_fvalue_render(&v, text, sizeof(text));
        (void)wr_fvalue_type_name(v.type);
        wr_tbuf_key(&b, name);
        wr_tbuf_value(&b, &v);
    }
    /* The rebuilt table has the same shape: only 't' octets and key NULs may differ. */
    assert(wr_table_validate(wr_tbuf_bytes(&b)) == 0);
    assert(wr_table_count(wr_tbuf_bytes(&b)) == wr_table_count(t));
    wr_tbuf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wr_bytes t = {data, (uint32_t)(size > UINT32_MAX ? UINT32_MAX : size)};
    struct wr_fvalue a = {.type = 'F', .v.s = t}, arr = {.type = 'A', .v.s = t};
    char text[64];

    if (wr_array_validate(t) == 0) {
        wr_fvalue_render(&arr, text, sizeof(text));
        (void)wr_fvalue_equal(&arr, &arr);
    }
    if (wr_table_validate(t) != 0)
        return 0;
    (void)wr_fvalue_equal(&a, &a);
    rebuild(t);
    return 0;
}
