# tests/integration: rabbitmq-c clients against a real broker process (tests/lib/harness),
# or an external broker via WARREN_TEST_ADDR=host:port. They link librabbitmq only.
check_PROGRAMS += tests/integration/it_smoke
tests_integration_it_smoke_SOURCES = tests/integration/it_smoke.c \
	tests/lib/harness.c tests/lib/harness.h
tests_integration_it_smoke_CPPFLAGS = $(AM_CPPFLAGS) $(RABBITMQ_CFLAGS)
tests_integration_it_smoke_LDADD = $(RABBITMQ_LIBS)

TESTS += tests/integration/it_smoke tests/integration/it_compat.sh
EXTRA_DIST += tests/integration/it_compat.sh

check_PROGRAMS += tests/integration/crash_client
tests_integration_crash_client_SOURCES = tests/integration/crash_client.c
tests_integration_crash_client_CPPFLAGS = $(AM_CPPFLAGS) $(RABBITMQ_CFLAGS)
tests_integration_crash_client_LDADD = $(RABBITMQ_LIBS)
TESTS += tests/integration/it_crash.sh
EXTRA_DIST += tests/integration/it_crash.sh

# amqps: it_tls.sh makes certificates (tests/tls/make-certs.sh), starts the broker, and runs
# it_tls_client (rabbitmq-c) and `openssl s_client` against it.
check_PROGRAMS += tests/integration/it_tls_client
tests_integration_it_tls_client_SOURCES = tests/integration/it_tls.c
tests_integration_it_tls_client_CPPFLAGS = $(AM_CPPFLAGS) $(RABBITMQ_CFLAGS)
tests_integration_it_tls_client_LDADD = $(RABBITMQ_LIBS)
TESTS += tests/integration/it_tls.sh
EXTRA_DIST += tests/integration/it_tls.sh tests/tls/make-certs.sh tests/tls/pika_tls.py \
	tests/tls/pika-python.sh

# Hostile input (issue 6): tests/hostile/hostile against a broker started by it_hostile.sh.
include tests/hostile/local.mk
TESTS += tests/integration/it_hostile.sh
EXTRA_DIST += tests/integration/it_hostile.sh tests/hostile/gen_conn_corpus.py

# warrenctl and the control channel (issue 5); needs amqp-tools, else skipped.
TESTS += tests/integration/it_ctl.sh
EXTRA_DIST += tests/integration/it_ctl.sh

check_PROGRAMS += tests/integration/perm_client
tests_integration_perm_client_SOURCES = tests/integration/perm_client.c
tests_integration_perm_client_CPPFLAGS = $(AM_CPPFLAGS) $(RABBITMQ_CFLAGS)
tests_integration_perm_client_LDADD = $(RABBITMQ_LIBS)
TESTS += tests/integration/it_perm.sh
EXTRA_DIST += tests/integration/it_perm.sh

# Policies and operator policies through warrenctl (PO-01..PO-06); needs amqp-tools and python3.
TESTS += tests/integration/it_policy.sh
EXTRA_DIST += tests/integration/it_policy.sh

check_PROGRAMS += tests/integration/ack_timeout_client
tests_integration_ack_timeout_client_SOURCES = tests/integration/ack_timeout_client.c
tests_integration_ack_timeout_client_CPPFLAGS = $(AM_CPPFLAGS) $(RABBITMQ_CFLAGS)
tests_integration_ack_timeout_client_LDADD = $(RABBITMQ_LIBS)
TESTS += tests/integration/it_ack_timeout.sh
EXTRA_DIST += tests/integration/it_ack_timeout.sh
TESTS += tests/integration/it_defs.sh
EXTRA_DIST += tests/integration/it_defs.sh
# a second SIGTERM during shutdown must not kill the broker half way
TESTS += tests/integration/it_stop.sh
EXTRA_DIST += tests/integration/it_stop.sh
# warren-perf smoke (issue 7): short runs whose counts must add up
TESTS += tests/integration/it_perf.sh
EXTRA_DIST += tests/integration/it_perf.sh

# management HTTP API, Prometheus metrics and dashboard (issue 5); needs curl and amqp-tools.
TESTS += tests/integration/it_mgmt.sh
EXTRA_DIST += tests/integration/it_mgmt.sh

# Node-wide connection_max: the listener pauses at the limit and resumes below it.
check_PROGRAMS += tests/integration/conn_limit_client
tests_integration_conn_limit_client_SOURCES = tests/integration/conn_limit_client.c
tests_integration_conn_limit_client_CPPFLAGS = $(AM_CPPFLAGS) $(RABBITMQ_CFLAGS)
tests_integration_conn_limit_client_LDADD = $(RABBITMQ_LIBS)
TESTS += tests/integration/it_limits.sh
EXTRA_DIST += tests/integration/it_limits.sh

# A RabbitMQ 3.10.8 export (tests/fixtures) imported, exported again and used over AMQP.
TESTS += tests/integration/it_defs_rabbitmq.sh
EXTRA_DIST += tests/integration/it_defs_rabbitmq.sh tests/fixtures/rabbitmq-3.10.8-definitions.json

# The dashboard clicked through in headless Chromium over the DevTools protocol (node's own
# WebSocket client); skipped when chromium or node is missing.
TESTS += tests/integration/it_ui.sh
EXTRA_DIST += tests/integration/it_ui.sh tests/ui/dashboard_test.mjs tests/ui/ws.mjs

# HTTPS management listener (management.ssl.*): curl and `openssl s_client` against a broker
# with certificates from tests/tls/make-certs.sh.
TESTS += tests/integration/it_mgmt_tls.sh
EXTRA_DIST += tests/integration/it_mgmt_tls.sh
