# tests/unit: the metadata log driver (store/meta.h: disk and RAM backends, record codec).
check_PROGRAMS += tests/unit/test_meta
TESTS += tests/unit/test_meta

tests_unit_test_meta_SOURCES = tests/unit/test_meta.c
tests_unit_test_meta_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_meta_LDADD = $(TEST_LIBS)
