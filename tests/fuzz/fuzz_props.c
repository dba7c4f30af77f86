/* SPDX-License-Identifier: MPL-2.0 */
/* Fuzz target for content header payloads: class, weight, body size, then basic properties.
 * Properties that decode must re-encode to exactly the input bytes. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "amqp/props.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wr_content_header h;
    struct wr_props p;

    if (wr_content_header_parse(data, size, &h) != WR_OK)
        return 0;
    if (wr_props_decode(h.props.ptr, h.props.len, &p) != WR_OK)
        return 0;
    size_t n = wr_props_encoded_size(&p);
    assert(n == h.props.len);
    uint8_t *buf = malloc(n);
    assert(buf);
    assert(wr_props_encode(&p, buf, n) == (int)n);
    assert(memcmp(buf, h.props.ptr, n) == 0);
    free(buf);
    return 0;
}
