# tests/hostile: the hostile-input program (issue 6), run against a broker by
# tests/integration/it_hostile.sh. Its raw frames are built by hand, not with amqp/, so a codec
# bug cannot hide on both ends; the good client is rabbitmq-c.
check_PROGRAMS += tests/hostile/hostile
tests_hostile_hostile_SOURCES = tests/hostile/hostile.c tests/hostile/hostile.h \
	tests/hostile/raw.c tests/hostile/raw.h tests/hostile/good.c tests/hostile/malformed.c \
	tests/hostile/slow.c tests/hostile/flood.c tests/hostile/backpressure.c
tests_hostile_hostile_CPPFLAGS = $(AM_CPPFLAGS) $(RABBITMQ_CFLAGS)
tests_hostile_hostile_CFLAGS = $(AM_CFLAGS) -pthread
tests_hostile_hostile_LDADD = $(RABBITMQ_LIBS) -lpthread
