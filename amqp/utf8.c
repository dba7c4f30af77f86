/* SPDX-License-Identifier: MPL-2.0 */
/* UTF-8 validation (RFC 3629), used on every shortstr method argument. */
#include "amqp/utf8.h"

/* Length of the sequence a lead byte starts, 0 when it cannot start one. */
static size_t
seq_len(uint8_t c)
{
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return 2;
    if (c >= 0xE0 && c <= 0xEF)
        return 3;
    if (c >= 0xF0 && c <= 0xF4)
        return 4;
    return 0;
}

/* The second byte's range depends on the lead byte: this is where overlong forms, surrogates and
 * code points above U+10FFFF are excluded. */
static bool
second_ok(uint8_t lead, uint8_t c)
{
    switch (lead) {
    case 0xE0:
        return c >= 0xA0 && c <= 0xBF;
    case 0xED:
        return c >= 0x80 && c <= 0x9F;
    case 0xF0:
        return c >= 0x90 && c <= 0xBF;
    case 0xF4:
        return c >= 0x80 && c <= 0x8F;
    default:
        return c >= 0x80 && c <= 0xBF;
    }
}

bool
wr_utf8_valid(const uint8_t *p, size_t n)
{
    size_t i = 0;

    while (i < n) {
        size_t k = seq_len(p[i]);
        if (k == 0 || k > n - i)
            return false;
        if (k > 1 && !second_ok(p[i], p[i + 1]))
            return false;
        for (size_t j = 2; j < k; j++) {
            if ((p[i + j] & 0xC0) != 0x80)
                return false;
        }
        i += k;
    }
    return true;
}
