# tests/unit: codec drivers, one per amqp/ module, each linked against libwarren.a.
CODEC_TESTS = \
	tests/unit/test_spec \
	tests/unit/test_method \
	tests/unit/test_table \
	tests/unit/test_frame \
	tests/unit/test_props
check_PROGRAMS += $(CODEC_TESTS)
TESTS += $(CODEC_TESTS)

tests_unit_test_spec_SOURCES = tests/unit/test_spec.c
tests_unit_test_spec_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_spec_LDADD = $(TEST_LIBS)

tests_unit_test_method_SOURCES = tests/unit/test_method.c
tests_unit_test_method_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_method_LDADD = $(TEST_LIBS)

tests_unit_test_table_SOURCES = tests/unit/test_table.c
tests_unit_test_table_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_table_LDADD = $(TEST_LIBS)

tests_unit_test_frame_SOURCES = tests/unit/test_frame.c
tests_unit_test_frame_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_frame_LDADD = $(TEST_LIBS)

tests_unit_test_props_SOURCES = tests/unit/test_props.c
tests_unit_test_props_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_props_LDADD = $(TEST_LIBS)
