/* SPDX-License-Identifier: MPL-2.0 */
/* Unit tests for server/hmap: insert/lookup/delete, growth, binary keys, and iteration that
 * deletes as it goes. */
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

#include <cmocka.h>

#include "server/hmap.h"

static int
setup_map(void **state)
{
    *state = wr_hmap_new();
    return *state == NULL;
}

static int
teardown_map(void **state)
{
    wr_hmap_free(*state);
    return 0;
}

static void *
tag(uintptr_t i)
{
    return (void *)(i + 1); /* never NULL, so a miss is never mistaken for a value */
}

static void
test_put_get_del(void **state)
{
    struct wr_hmap *m = *state;

    assert_null(wr_hmap_get(m, "q1", 2));
    assert_int_equal(wr_hmap_put(m, "q1", 2, tag(1)), 0);
    assert_int_equal(wr_hmap_put(m, "q2", 2, tag(2)), 0);
    assert_int_equal(wr_hmap_count(m), 2);
    assert_ptr_equal(wr_hmap_get(m, "q1", 2), tag(1));
    assert_ptr_equal(wr_hmap_get(m, "q2", 2), tag(2));
    /* length is part of the key: "q" is not "q1" */
    assert_null(wr_hmap_get(m, "q1", 1));

    assert_int_equal(wr_hmap_put(m, "q1", 2, tag(9)), -EEXIST);
    assert_ptr_equal(wr_hmap_get(m, "q1", 2), tag(1));
    assert_int_equal(wr_hmap_count(m), 2);

    assert_ptr_equal(wr_hmap_del(m, "q1", 2), tag(1));
    assert_null(wr_hmap_del(m, "q1", 2));
    assert_null(wr_hmap_get(m, "q1", 2));
    assert_int_equal(wr_hmap_count(m), 1);
    assert_int_equal(wr_hmap_put(m, "q1", 2, tag(3)), 0);
    assert_ptr_equal(wr_hmap_get(m, "q1", 2), tag(3));
}

static void
test_key_is_copied(void **state)
{
    struct wr_hmap *m = *state;
    char key[8] = "abc";

    assert_int_equal(wr_hmap_put(m, key, 3, tag(1)), 0);
    memcpy(key, "xyz", 3);
    assert_ptr_equal(wr_hmap_get(m, "abc", 3), tag(1));
    assert_null(wr_hmap_get(m, "xyz", 3));
}

static void
test_empty_and_binary_keys(void **state)
{
    struct wr_hmap *m = *state;
    const char k1[] = {'a', '\0', 'b'}, k2[] = {'a', '\0', 'c'};

    assert_int_equal(wr_hmap_put(m, "", 0, tag(0)), 0);
    assert_int_equal(wr_hmap_put(m, k1, 3, tag(1)), 0);
    assert_int_equal(wr_hmap_put(m, k2, 3, tag(2)), 0);
    assert_ptr_equal(wr_hmap_get(m, "", 0), tag(0));
    assert_ptr_equal(wr_hmap_get(m, k1, 3), tag(1));
    assert_ptr_equal(wr_hmap_get(m, k2, 3), tag(2));
    assert_null(wr_hmap_get(m, "a", 1));
    assert_ptr_equal(wr_hmap_del(m, "", 0), tag(0));
    assert_int_equal(wr_hmap_count(m), 2);
}

static void
test_null_value_and_find(void **state)
{
    struct wr_hmap *m = *state;
    void *v = tag(5);

    assert_false(wr_hmap_find(m, "k", 1, &v));
    assert_int_equal(wr_hmap_put(m, "k", 1, NULL), 0);
    assert_true(wr_hmap_find(m, "k", 1, &v));
    assert_null(v);
    assert_int_equal(wr_hmap_put(m, "k", 1, tag(1)), -EEXIST);
}

#define MANY 20000

static void
test_growth(void **state)
{
    struct wr_hmap *m = *state;
    char key[32];

    for (uintptr_t i = 0; i < MANY; i++) {
        int n = snprintf(key, sizeof(key), "queue.%lu", (unsigned long)i);
        assert_int_equal(wr_hmap_put(m, key, (size_t)n, tag(i)), 0);
    }
    assert_int_equal(wr_hmap_count(m), MANY);
    for (uintptr_t i = 0; i < MANY; i++) {
        int n = snprintf(key, sizeof(key), "queue.%lu", (unsigned long)i);
        assert_ptr_equal(wr_hmap_get(m, key, (size_t)n), tag(i));
    }
    for (uintptr_t i = 0; i < MANY; i += 2) {
        int n = snprintf(key, sizeof(key), "queue.%lu", (unsigned long)i);
        assert_ptr_equal(wr_hmap_del(m, key, (size_t)n), tag(i));
    }
    assert_int_equal(wr_hmap_count(m), MANY / 2);
    for (uintptr_t i = 0; i < MANY; i++) {
        int n = snprintf(key, sizeof(key), "queue.%lu", (unsigned long)i);
        void *want = i % 2 ? tag(i) : NULL;
        assert_ptr_equal(wr_hmap_get(m, key, (size_t)n), want);
    }
}

/* Fills m with keys "k0".."k<n-1>" whose values are tag(i). */
static void
fill(struct wr_hmap *m, unsigned n)
{
    char key[16];
    for (unsigned i = 0; i < n; i++) {
        int len = snprintf(key, sizeof(key), "k%u", i);
        assert_int_equal(wr_hmap_put(m, key, (size_t)len, tag(i)), 0);
    }
}

static void
test_iter_visits_all_once(void **state)
{
    struct wr_hmap *m = *state;
    enum { N = 1000 };
    unsigned seen[N] = {0};
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *val;

    fill(m, N);
    wr_hmap_iter_init(m, &it);
    while (wr_hmap_next(&it, &key, &len, &val)) {
        uintptr_t i = (uintptr_t)val - 1;
        char want[16];
        assert_true(i < N);
        assert_int_equal(len, (size_t)snprintf(want, sizeof(want), "k%u", (unsigned)i));
        assert_memory_equal(key, want, len);
        assert_int_equal(key[len], '\0');
        seen[i]++;
    }
    for (unsigned i = 0; i < N; i++)
        assert_int_equal(seen[i], 1);
}

static void
test_iter_delete_current(void **state)
{
    struct wr_hmap *m = *state;
    enum { N = 777 };
    unsigned visits = 0;
    struct wr_hmap_iter it;
    const char *key;
    size_t len;
    void *val;

    fill(m, N);
    /* Delete every even element as it is returned; odd ones must still all be visited. */
    wr_hmap_iter_init(m, &it);
    while (wr_hmap_next(&it, &key, &len, &val)) {
        visits++;
        if (((uintptr_t)val - 1) % 2 == 0)
            assert_ptr_equal(wr_hmap_del(m, key, len), val);
    }
    assert_int_equal(visits, N);
    assert_int_equal(wr_hmap_count(m), N / 2);

    /* Then empty the map completely through the iterator. */
    visits = 0;
    wr_hmap_iter_init(m, &it);
    while (wr_hmap_next(&it, &key, &len, &val)) {
        assert_int_equal(((uintptr_t)val - 1) % 2, 1);
        assert_ptr_equal(wr_hmap_del(m, key, len), val);
        visits++;
    }
    assert_int_equal(visits, N / 2);
    assert_int_equal(wr_hmap_count(m), 0);
    wr_hmap_iter_init(m, &it);
    assert_false(wr_hmap_next(&it, NULL, NULL, NULL));
}

static void
test_iter_empty(void **state)
{
    struct wr_hmap_iter it;

    wr_hmap_iter_init(*state, &it);
    assert_false(wr_hmap_next(&it, NULL, NULL, NULL));
}

static void
test_u64(void **state)
{
    struct wr_hmap *m = *state;

    for (uint64_t t = 1; t <= 5000; t++)
        assert_int_equal(wr_hmap_put_u64(m, t * 0x100000001ULL, tag(t)), 0);
    assert_int_equal(wr_hmap_put_u64(m, 0x100000001ULL, tag(0)), -EEXIST);
    assert_ptr_equal(wr_hmap_get_u64(m, 77 * 0x100000001ULL), tag(77));
    assert_null(wr_hmap_get_u64(m, 77));
    assert_ptr_equal(wr_hmap_del_u64(m, 77 * 0x100000001ULL), tag(77));
    assert_null(wr_hmap_get_u64(m, 77 * 0x100000001ULL));
    assert_int_equal(wr_hmap_count(m), 4999);
}

/* Keys that differ only in their last byte, past several whole 8-byte hash blocks. */
static void
test_long_similar_keys(void **state)
{
    struct wr_hmap *m = *state;
    char key[300];

    memset(key, 'z', sizeof(key));
    for (unsigned i = 0; i < 256; i++) {
        key[sizeof(key) - 1] = (char)i;
        assert_int_equal(wr_hmap_put(m, key, sizeof(key), tag(i)), 0);
    }
    for (unsigned i = 0; i < 256; i++) {
        key[sizeof(key) - 1] = (char)i;
        assert_ptr_equal(wr_hmap_get(m, key, sizeof(key)), tag(i));
    }
}

/* Each map hashes with its own random key, so two maps holding the same keys place them
 * differently: the visible sign that names cannot be precomputed to collide everywhere. */
static void
test_seed_per_map(void **state)
{
    struct wr_hmap *a = *state, *b = wr_hmap_new();
    struct wr_hmap_iter ia, ib;
    void *va, *vb;
    bool same = true;

    assert_non_null(b);
    fill(a, 200);
    fill(b, 200);
    wr_hmap_iter_init(a, &ia);
    wr_hmap_iter_init(b, &ib);
    while (wr_hmap_next(&ia, NULL, NULL, &va) && wr_hmap_next(&ib, NULL, NULL, &vb))
        same = same && va == vb;
    assert_false(same);
    wr_hmap_free(b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_put_get_del, setup_map, teardown_map),
            cmocka_unit_test_setup_teardown(test_key_is_copied, setup_map, teardown_map),
            cmocka_unit_test_setup_teardown(test_empty_and_binary_keys, setup_map, teardown_map),
            cmocka_unit_test_setup_teardown(test_null_value_and_find, setup_map, teardown_map),
            cmocka_unit_test_setup_teardown(test_growth, setup_map, teardown_map),
            cmocka_unit_test_setup_teardown(test_iter_visits_all_once, setup_map, teardown_map),
            cmocka_unit_test_setup_teardown(test_iter_delete_current, setup_map, teardown_map),
            cmocka_unit_test_setup_teardown(test_iter_empty, setup_map, teardown_map),
            cmocka_unit_test_setup_teardown(test_u64, setup_map, teardown_map),
            cmocka_unit_test_setup_teardown(test_long_similar_keys, setup_map, teardown_map),
            cmocka_unit_test_setup_teardown(test_seed_per_map, setup_map, teardown_map),
    };
    return cmocka_run_group_tests_name("hmap", tests, NULL, NULL);
}
