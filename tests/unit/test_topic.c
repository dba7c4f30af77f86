/* SPDX-License-Identifier: MPL-2.0 */
/* Unit tests for server/topic: the X-03 matrix observed on RabbitMQ 3.10.8, cell by cell, add /
 * remove / duplicate rules, a differential test against a naive matcher, and pathological keys. */
#include <config.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "server/topic.h"

/* X-03: the ten routing keys and, for each binding pattern, the keys it matched. */
static const char *const keys[] = {"",   "a",  "x",     "a.b",     "b.a",
                                   ".a", "a.", "a.x.b", "a.x.y.b", "a..b"};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static const struct {
    const char *pattern;
    const char *matches[NKEYS + 1]; /* NULL-terminated */
} matrix[] = {
        {"#", {"", "a", "x", "a.b", "b.a", ".a", "a.", "a.x.b", "a.x.y.b", "a..b", NULL}},
        {"*", {"a", "x", NULL}},
        {"a.*", {"a.b", "a.", NULL}},
        {"a.#", {"a", "a.b", "a.x.b", "a.x.y.b", "a..b", "a.", NULL}},
        {"#.a", {"a", "b.a", ".a", NULL}},
        {"a.#.b", {"a.b", "a.x.b", "a.x.y.b", "a..b", NULL}},
        {"*.*", {"a.b", "b.a", ".a", "a.", NULL}},
        {"a.*.b", {"a.x.b", "a..b", NULL}},
        {"#.#", {"", "a", "x", "a.b", "b.a", ".a", "a.", "a.x.b", "a.x.y.b", "a..b", NULL}},
        {"", {"", NULL}},
        {"a..b", {"a..b", NULL}},
        {"a.*.#", {"a.b", "a.x.b", "a.x.y.b", "a..b", "a.", NULL}},
};
#define NPATTERNS (sizeof(matrix) / sizeof(matrix[0]))

static bool
expected(size_t p, const char *key)
{
    for (const char *const *m = matrix[p].matches; *m != NULL; m++)
        if (strcmp(*m, key) == 0)
            return true;
    return false;
}

/* Records how often each destination was reported; destinations are &hits[i]. */
#define MAXDEST 4096
struct hits {
    unsigned n[MAXDEST];
};

static void
count_cb(void *dest, void *arg)
{
    struct hits *h = arg;
    ptrdiff_t i = (unsigned *)dest - h->n;
    assert_true(i >= 0 && i < MAXDEST);
    h->n[i]++;
}

static void
match(struct wr_topic *t, const char *key, struct hits *h)
{
    memset(h, 0, sizeof(*h));
    wr_topic_match(t, key, strlen(key), count_cb, h);
}

static void *
dest(struct hits *h, size_t i)
{
    return &h->n[i];
}

static int
setup_topic(void **state)
{
    *state = wr_topic_new();
    return *state == NULL;
}

static int
teardown_topic(void **state)
{
    wr_topic_free(*state);
    return 0;
}

/* One trie per pattern: every one of the 120 cells, matches and non-matches alike. */
static void
test_matrix_each_pattern(void **state)
{
    static struct hits h;
    (void)state;

    for (size_t p = 0; p < NPATTERNS; p++) {
        struct wr_topic *t = wr_topic_new();
        const char *pat = matrix[p].pattern;
        assert_non_null(t);
        assert_int_equal(wr_topic_add(t, pat, strlen(pat), dest(&h, 0)), 0);
        for (size_t k = 0; k < NKEYS; k++) {
            match(t, keys[k], &h);
            if (h.n[0] != (expected(p, keys[k]) ? 1u : 0u))
                fail_msg("pattern \"%s\" key \"%s\": %u calls, expected %s", pat, keys[k], h.n[0],
                         expected(p, keys[k]) ? "a match" : "none");
        }
        wr_topic_free(t);
    }
}

/* All twelve patterns in one trie, where they share nodes ("a.*" under "a", "#.#" under "#"). */
static void
test_matrix_shared_trie(void **state)
{
    struct wr_topic *t = *state;
    static struct hits h;

    for (size_t p = 0; p < NPATTERNS; p++) {
        const char *pat = matrix[p].pattern;
        assert_int_equal(wr_topic_add(t, pat, strlen(pat), dest(&h, p)), 0);
    }
    for (size_t k = 0; k < NKEYS; k++) {
        match(t, keys[k], &h);
        for (size_t p = 0; p < NPATTERNS; p++) {
            if (h.n[p] != (expected(p, keys[k]) ? 1u : 0u))
                fail_msg("shared trie: pattern \"%s\" key \"%s\": %u calls", matrix[p].pattern,
                         keys[k], h.n[p]);
        }
    }
}

static void
test_add_duplicate(void **state)
{
    struct wr_topic *t = *state;
    static struct hits h;

    assert_int_equal(wr_topic_add(t, "a.*", 3, dest(&h, 0)), 0);
    assert_int_equal(wr_topic_add(t, "a.*", 3, dest(&h, 0)), 1);
    assert_int_equal(wr_topic_add(t, "a.*", 3, dest(&h, 1)), 0);
    match(t, "a.b", &h);
    assert_int_equal(h.n[0], 1);
    assert_int_equal(h.n[1], 1);
}

static void
test_remove(void **state)
{
    struct wr_topic *t = *state;
    static struct hits h;

    assert_true(wr_topic_empty(t));
    assert_int_equal(wr_topic_add(t, "a.b", 3, dest(&h, 0)), 0);
    assert_int_equal(wr_topic_add(t, "a.b.c", 5, dest(&h, 1)), 0);
    assert_false(wr_topic_empty(t));

    assert_int_equal(wr_topic_remove(t, "a", 1, dest(&h, 0)), -ENOENT);       /* inner node */
    assert_int_equal(wr_topic_remove(t, "a.b.c.d", 7, dest(&h, 1)), -ENOENT); /* too deep */
    assert_int_equal(wr_topic_remove(t, "a.b", 3, dest(&h, 1)), -ENOENT);     /* other dest */
    assert_int_equal(wr_topic_remove(t, "a.*", 3, dest(&h, 0)), -ENOENT);     /* '*' not literal */

    assert_int_equal(wr_topic_remove(t, "a.b", 3, dest(&h, 0)), 0);
    assert_int_equal(wr_topic_remove(t, "a.b", 3, dest(&h, 0)), -ENOENT);
    match(t, "a.b", &h);
    assert_int_equal(h.n[0], 0);
    match(t, "a.b.c", &h);
    assert_int_equal(h.n[1], 1);

    assert_int_equal(wr_topic_remove(t, "a.b.c", 5, dest(&h, 1)), 0);
    assert_true(wr_topic_empty(t));
}

/* Removing the only deep binding must prune the whole path, and wildcard nodes too. */
static void
test_remove_prunes(void **state)
{
    struct wr_topic *t = *state;
    static struct hits h;
    const char *pats[] = {"a.b.c.d.e", "#.*.#.x", "*.#", "", "..", "#"};

    for (size_t i = 0; i < 6; i++)
        assert_int_equal(wr_topic_add(t, pats[i], strlen(pats[i]), dest(&h, i)), 0);
    for (size_t i = 0; i < 6; i++) {
        assert_false(wr_topic_empty(t));
        assert_int_equal(wr_topic_remove(t, pats[i], strlen(pats[i]), dest(&h, i)), 0);
    }
    assert_true(wr_topic_empty(t));
    match(t, "a.b.c.d.e", &h);
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(h.n[i], 0);
    /* and the trie is still usable */
    assert_int_equal(wr_topic_add(t, "a.b.c.d.e", 9, dest(&h, 0)), 0);
    match(t, "a.b.c.d.e", &h);
    assert_int_equal(h.n[0], 1);
}

static void
test_same_dest_several_patterns(void **state)
{
    struct wr_topic *t = *state;
    static struct hits h;

    assert_int_equal(wr_topic_add(t, "a.#", 3, dest(&h, 0)), 0);
    assert_int_equal(wr_topic_add(t, "*.b", 3, dest(&h, 0)), 0);
    assert_int_equal(wr_topic_add(t, "c.d", 3, dest(&h, 0)), 0);
    match(t, "a.b", &h);
    assert_int_equal(h.n[0], 2); /* once per matching pattern: the caller dedupes */
}

/* '*' and '#' are wildcards only as whole words; in keys they are ordinary characters. */
static void
test_wildcards_are_whole_words(void **state)
{
    struct wr_topic *t = *state;
    static struct hits h;

    assert_int_equal(wr_topic_add(t, "a*", 2, dest(&h, 0)), 0);
    assert_int_equal(wr_topic_add(t, "#a", 2, dest(&h, 1)), 0);
    assert_int_equal(wr_topic_add(t, "x.*", 3, dest(&h, 2)), 0);
    match(t, "ab", &h);
    assert_int_equal(h.n[0] + h.n[1] + h.n[2], 0);
    match(t, "a*", &h);
    assert_int_equal(h.n[0], 1);
    match(t, "#a", &h);
    assert_int_equal(h.n[1], 1);
    match(t, "b.a", &h);
    assert_int_equal(h.n[1], 0);
    match(t, "x.*", &h);
    assert_int_equal(h.n[2], 1);
    match(t, "x.#", &h);
    assert_int_equal(h.n[2], 1);
}

static void
test_empty_trie_matches_nothing(void **state)
{
    static struct hits h;

    match(*state, "", &h);
    match(*state, "a.b", &h);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(h.n[i], 0);
}

static void
test_many_bindings(void **state)
{
    struct wr_topic *t = *state;
    static struct hits h;
    char pat[32];

    for (size_t i = 0; i < MAXDEST; i++) {
        int n = snprintf(pat, sizeof(pat), "stock.%zu.#", i);
        assert_int_equal(wr_topic_add(t, pat, (size_t)n, dest(&h, i)), 0);
    }
    match(t, "stock.1234.nyse.ibm", &h);
    for (size_t i = 0; i < MAXDEST; i++)
        assert_int_equal(h.n[i], i == 1234);
    for (size_t i = 0; i < MAXDEST; i++) {
        int n = snprintf(pat, sizeof(pat), "stock.%zu.#", i);
        assert_int_equal(wr_topic_remove(t, pat, (size_t)n, dest(&h, i)), 0);
    }
    assert_true(wr_topic_empty(t));
}

/* Naive reference matcher over word arrays, memoised so it is usable as an oracle. */
#define MAXW 12
struct words {
    size_t n;
    const char *w[MAXW];
    size_t len[MAXW];
};

static void
split(const char *s, struct words *out)
{
    out->n = 0;
    if (*s == '\0')
        return;
    for (;;) {
        const char *dot = strchr(s, '.');
        size_t len = dot ? (size_t)(dot - s) : strlen(s);
        assert_true(out->n < MAXW);
        out->w[out->n] = s;
        out->len[out->n++] = len;
        if (dot == NULL)
            return;
        s = dot + 1;
    }
}

static bool
word_is(const struct words *p, size_t i, const char *lit)
{
    return p->len[i] == strlen(lit) && memcmp(p->w[i], lit, p->len[i]) == 0;
}

static bool
ref_match(const char *pattern, const char *key)
{
    struct words p, k;
    bool ok[MAXW + 1][MAXW + 1] = {{false}}; /* ok[i][j]: pattern words i.. match key words j.. */

    split(pattern, &p);
    split(key, &k);
    ok[p.n][k.n] = true;
    for (size_t i = p.n; i-- > 0;) {
        for (size_t j = k.n + 1; j-- > 0;) {
            if (word_is(&p, i, "#"))
                ok[i][j] = ok[i + 1][j] || (j < k.n && ok[i][j + 1]);
            else if (j < k.n && (word_is(&p, i, "*") ||
                                 (p.len[i] == k.len[j] && memcmp(p.w[i], k.w[j], p.len[i]) == 0)))
                ok[i][j] = ok[i + 1][j + 1];
        }
    }
    return ok[0][0];
}

static void
random_string(char *buf, const char *const *alphabet, size_t nalpha, size_t maxwords)
{
    size_t n = (size_t)rand() % (maxwords + 1);
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            strcat(buf, ".");
        strcat(buf, alphabet[(size_t)rand() % nalpha]);
    }
}

/* Random patterns and keys over a tiny alphabet (so that they collide often), checked against
 * the reference after every add and remove. */
static void
test_differential(void **state)
{
    static const char *const pw[] = {"a", "b", "", "*", "#", "#"};
    static const char *const kw[] = {"a", "b", "", "*", "#"};
    static char pats[300][64];
    static bool bound[300];
    static struct hits h;
    struct wr_topic *t = *state;
    char key[64];

    srand(12345);
    for (size_t i = 0; i < 300; i++) {
        random_string(pats[i], pw, 6, 6);
        bound[i] = wr_topic_add(t, pats[i], strlen(pats[i]), dest(&h, i)) == 0;
    }
    for (int round = 0; round < 4; round++) {
        for (int q = 0; q < 400; q++) {
            random_string(key, kw, 5, 8);
            match(t, key, &h);
            for (size_t i = 0; i < 300; i++) {
                unsigned want = bound[i] && ref_match(pats[i], key);
                if (h.n[i] != want)
                    fail_msg("pattern \"%s\" key \"%s\": %u calls, want %u", pats[i], key, h.n[i],
                             want);
            }
        }
        for (size_t i = (size_t)round; i < 300; i += 4) {
            int rc = wr_topic_remove(t, pats[i], strlen(pats[i]), dest(&h, i));
            assert_int_equal(rc, bound[i] ? 0 : -ENOENT);
            bound[i] = false;
        }
    }
    assert_true(wr_topic_empty(t));
}

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *
repeat(const char *word, size_t n, const char *tail)
{
    size_t wl = strlen(word), cap = n * (wl + 1) + strlen(tail) + 1;
    char *s = malloc(cap), *p = s;
    assert_non_null(s);
    for (size_t i = 0; i < n; i++) {
        memcpy(p, word, wl);
        p += wl;
        *p++ = '.';
    }
    strcpy(p, tail);
    return s;
}

/* Patterns that make a backtracking matcher exponential, against a 1000-word key. */
static void
test_pathological(void **state)
{
    struct wr_topic *t = *state;
    static struct hits h;
    char *key = repeat("w", 999, "w"); /* 1000 words */
    char *pats[] = {
            repeat("#", 40, "x"),   /* never matches, after trying every split */
            repeat("#.*", 40, "#"), /* matches: needs at least 40 words */
            repeat("#", 40, "w"),   /* matches */
            repeat("*.#", 200, "z"), repeat("#.w", 60, "#"),
    };
    const unsigned want[] = {0, 1, 1, 0, 1};
    const size_t npats = sizeof(pats) / sizeof(pats[0]);

    for (size_t i = 0; i < npats; i++)
        assert_int_equal(wr_topic_add(t, pats[i], strlen(pats[i]), dest(&h, i)), 0);
    double t0 = now_s();
    for (int rep = 0; rep < 3; rep++) {
        match(t, key, &h);
        for (size_t i = 0; i < npats; i++)
            assert_int_equal(h.n[i], want[i]);
    }
    double elapsed = now_s() - t0;
    /* Each match is ~1000 words x ~500 live nodes: milliseconds natively, well under a second
     * under valgrind. Backtracking would need about C(1040, 40) steps for the first pattern. */
    if (elapsed > 10.0)
        fail_msg("3 matches of a 1000-word key took %.2f s", elapsed);
    for (size_t i = 0; i < npats; i++)
        free(pats[i]);
    free(key);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_matrix_each_pattern),
            cmocka_unit_test_setup_teardown(test_matrix_shared_trie, setup_topic, teardown_topic),
            cmocka_unit_test_setup_teardown(test_add_duplicate, setup_topic, teardown_topic),
            cmocka_unit_test_setup_teardown(test_remove, setup_topic, teardown_topic),
            cmocka_unit_test_setup_teardown(test_remove_prunes, setup_topic, teardown_topic),
            cmocka_unit_test_setup_teardown(test_same_dest_several_patterns, setup_topic,
                                            teardown_topic),
            cmocka_unit_test_setup_teardown(test_wildcards_are_whole_words, setup_topic,
                                            teardown_topic),
            cmocka_unit_test_setup_teardown(test_empty_trie_matches_nothing, setup_topic,
                                            teardown_topic),
            cmocka_unit_test_setup_teardown(test_many_bindings, setup_topic, teardown_topic),
            cmocka_unit_test_setup_teardown(test_differential, setup_topic, teardown_topic),
            cmocka_unit_test_setup_teardown(test_pathological, setup_topic, teardown_topic),
    };
    return cmocka_run_group_tests_name("topic", tests, NULL, NULL);
}
