# compat: the compatibility scenario suite. Runs against any broker by host/port and
# links only its own lib/ and librabbitmq (never libwarren.a) so it can judge Warren's codec.
check_PROGRAMS += compat/run-scenarios
compat_run_scenarios_SOURCES = \
	compat/lib/suite.c compat/lib/suite.h \
	compat/lib/wire.c compat/lib/wire.h \
	compat/lib/client.c compat/lib/client.h \
	compat/scenarios/handshake.c \
	compat/scenarios/framing.c \
	compat/scenarios/errors.c \
	compat/scenarios/exchanges.c \
	compat/scenarios/queues.c \
	compat/scenarios/basic.c \
	compat/scenarios/consume.c \
	compat/scenarios/confirm_tx.c \
	compat/scenarios/ttl.c \
	compat/scenarios/limits.c compat/scenarios/backlog.c \
	compat/scenarios/dlx.c \
	compat/scenarios/priority.c \
	compat/scenarios/routing_ext.c \
	compat/scenarios/consumers_ext.c \
	compat/scenarios/reply_to.c \
	compat/scenarios/queue_types.c
compat_run_scenarios_CPPFLAGS = $(AM_CPPFLAGS) $(RABBITMQ_CFLAGS)
compat_run_scenarios_LDADD = $(RABBITMQ_LIBS)
EXTRA_DIST += compat/run compat/README.md
