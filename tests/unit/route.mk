# tests/unit: drivers for server/hmap, server/topic and server/headers_match.
route_tests = tests/unit/test_hmap tests/unit/test_topic tests/unit/test_headers
check_PROGRAMS += $(route_tests)
TESTS += $(route_tests)

tests_unit_test_hmap_SOURCES = tests/unit/test_hmap.c
tests_unit_test_hmap_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_hmap_LDADD = $(TEST_LIBS)

tests_unit_test_topic_SOURCES = tests/unit/test_topic.c
tests_unit_test_topic_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_topic_LDADD = $(TEST_LIBS)

tests_unit_test_headers_SOURCES = tests/unit/test_headers.c
tests_unit_test_headers_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_headers_LDADD = $(TEST_LIBS)
