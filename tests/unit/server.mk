# tests/unit: drivers for the broker's queue, exchange, queue-argument and dead-letter modules,
# on real broker objects without sockets (shared fixture in server_fixture.[ch]).
server_tests = \
	tests/unit/test_queue \
	tests/unit/test_exchange \
	tests/unit/test_queue_args \
	tests/unit/test_deadletter
check_PROGRAMS += $(server_tests)
TESTS += $(server_tests)

server_fixture = tests/unit/server_fixture.c tests/unit/server_fixture.h

tests_unit_test_queue_SOURCES = tests/unit/test_queue.c $(server_fixture)
tests_unit_test_queue_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_queue_LDADD = $(TEST_LIBS)

tests_unit_test_exchange_SOURCES = tests/unit/test_exchange.c $(server_fixture)
tests_unit_test_exchange_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_exchange_LDADD = $(TEST_LIBS)

tests_unit_test_queue_args_SOURCES = tests/unit/test_queue_args.c $(server_fixture)
tests_unit_test_queue_args_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_queue_args_LDADD = $(TEST_LIBS)

tests_unit_test_deadletter_SOURCES = tests/unit/test_deadletter.c $(server_fixture)
tests_unit_test_deadletter_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_deadletter_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/unit/test_definitions
TESTS += tests/unit/test_definitions
tests_unit_test_definitions_SOURCES = tests/unit/test_definitions.c $(server_fixture)
tests_unit_test_definitions_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_definitions_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/unit/test_settings
TESTS += tests/unit/test_settings
tests_unit_test_settings_SOURCES = tests/unit/test_settings.c
tests_unit_test_settings_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_settings_LDADD = $(TEST_LIBS)

# Password hashing against RabbitMQ-made hashes, permission and topic-permission matching.
check_PROGRAMS += tests/unit/test_auth
TESTS += tests/unit/test_auth
tests_unit_test_auth_SOURCES = tests/unit/test_auth.c $(server_fixture)
tests_unit_test_auth_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_auth_LDADD = $(TEST_LIBS)

# Policy and operator-policy matching and how they combine with x-arguments.
check_PROGRAMS += tests/unit/test_policy
TESTS += tests/unit/test_policy
tests_unit_test_policy_SOURCES = tests/unit/test_policy.c $(server_fixture)
tests_unit_test_policy_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_policy_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/unit/test_spill
TESTS += tests/unit/test_spill
tests_unit_test_spill_SOURCES = tests/unit/test_spill.c
tests_unit_test_spill_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_spill_LDADD = $(TEST_LIBS)
