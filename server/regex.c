/* SPDX-License-Identifier: MPL-2.0 */
/* PCRE2 wrapper: compiled once (JIT when available), one match-data block reused because all
 * matching happens on the loop thread. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "server/regex.h"

#include "server/mem.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wr_regex {
    pcre2_code *code;
    pcre2_match_data *md;
    bool any; /* ".*": every name matches, no matcher needed */
};

struct wr_regex *
wr_regex_new(const char *pattern, char *err, size_t errcap)
{
    struct wr_regex *re = wr_xcalloc(1, sizeof(*re));
    int code;
    PCRE2_SIZE off;

    re->any = strcmp(pattern, ".*") == 0;
    re->code =
            pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &code, &off, NULL);
    if (re->code == NULL) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(code, msg, sizeof(msg));
        snprintf(err, errcap, "%s at position %zu", (const char *)msg, (size_t)off);
        free(re);
        return NULL;
    }
    pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);
    re->md = pcre2_match_data_create_from_pattern(re->code, NULL);
    return re;
}

void
wr_regex_free(struct wr_regex *re)
{
    if (re == NULL)
        return;
    pcre2_match_data_free(re->md);
    pcre2_code_free(re->code);
    free(re);
}

bool
wr_regex_match(const struct wr_regex *re, const char *s, size_t len)
{
    if (re->any)
        return true;
    return pcre2_match(re->code, (PCRE2_SPTR)s, len, 0, 0, re->md, NULL) >= 0;
}
