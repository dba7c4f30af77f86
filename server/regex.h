/* SPDX-License-Identifier: MPL-2.0 */
/* Regular expressions as RabbitMQ uses them (permissions, policies): PCRE2, unanchored search. */
#ifndef WR_REGEX_H
#define WR_REGEX_H

#include <stdbool.h>
#include <stddef.h>

struct wr_regex;

/* NULL with the compiler's message in err when the pattern is invalid. */
struct wr_regex *wr_regex_new(const char *pattern, char *err, size_t errcap);
void wr_regex_free(struct wr_regex *re);
/* True when the pattern matches somewhere in s (re:run semantics). */
bool wr_regex_match(const struct wr_regex *re, const char *s, size_t len);

#endif
