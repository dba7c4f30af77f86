# tests/unit: drivers for store/ (message store, queue indexes, recovery, compaction).
# WR_STORE_BACKLOG=N sets the backlog test's message count (default 200000).
store_tests = tests/unit/test_store tests/unit/test_store_compact
check_PROGRAMS += $(store_tests)
TESTS += $(store_tests)
EXTRA_DIST += tests/unit/test_store_util.h

tests_unit_test_store_SOURCES = tests/unit/test_store.c tests/unit/test_store_util.h
tests_unit_test_store_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_store_LDADD = $(TEST_LIBS)

tests_unit_test_store_compact_SOURCES = tests/unit/test_store_compact.c tests/unit/test_store_util.h
tests_unit_test_store_compact_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_store_compact_LDADD = $(TEST_LIBS)
