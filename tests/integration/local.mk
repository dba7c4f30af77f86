# tests/integration: rabbitmq-c clients against a real broker process (tests/lib/harness),
# or an external broker via WARREN_TEST_ADDR=host:port. They link librabbitmq only.
check_PROGRAMS += tests/integration/it_smoke
tests_integration_it_smoke_SOURCES = tests/integration/it_smoke.c \
	tests/lib/harness.c tests/lib/harness.h
tests_integration_it_smoke_CPPFLAGS = $(AM_CPPFLAGS) $(RABBITMQ_CFLAGS)
tests_integration_it_smoke_LDADD = $(RABBITMQ_LIBS)

TESTS += tests/integration/it_smoke tests/integration/it_compat.sh
EXTRA_DIST += tests/integration/it_compat.sh
