# tests/fuzz: libFuzzer targets. Without --enable-fuzzing each target is linked with a replay main
# (fuzz_replay.c) and runs its corpus under `make check`; with it they are real libFuzzer binaries
# (clang), run by hand: tests/fuzz/fuzz_method $(srcdir)/tests/fuzz/corpus/method
FUZZ_TARGETS = tests/fuzz/fuzz_method tests/fuzz/fuzz_table tests/fuzz/fuzz_props
check_PROGRAMS += $(FUZZ_TARGETS)
EXTRA_DIST += tests/fuzz/corpus

# For libFuzzer the codec is compiled into each target with coverage instrumentation; the copies in
# libwarren.a are then never pulled in.
if FUZZING
FUZZ_CFLAGS = -DWR_FUZZING -fsanitize=fuzzer
FUZZ_CODEC = amqp/spec.c amqp/utf8.c amqp/table.c amqp/method.c amqp/props.c
else
FUZZ_CFLAGS =
FUZZ_CODEC =
TESTS += $(FUZZ_TARGETS)
endif

tests_fuzz_fuzz_method_SOURCES = tests/fuzz/fuzz_method.c tests/fuzz/fuzz_replay.c $(FUZZ_CODEC)
tests_fuzz_fuzz_method_CPPFLAGS = $(AM_CPPFLAGS) -DWR_CORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus/method"'
tests_fuzz_fuzz_method_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_method_LDADD = $(WR_LIBS)

tests_fuzz_fuzz_table_SOURCES = tests/fuzz/fuzz_table.c tests/fuzz/fuzz_replay.c $(FUZZ_CODEC)
tests_fuzz_fuzz_table_CPPFLAGS = $(AM_CPPFLAGS) -DWR_CORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus/table"'
tests_fuzz_fuzz_table_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_table_LDADD = $(WR_LIBS)

tests_fuzz_fuzz_props_SOURCES = tests/fuzz/fuzz_props.c tests/fuzz/fuzz_replay.c $(FUZZ_CODEC)
tests_fuzz_fuzz_props_CPPFLAGS = $(AM_CPPFLAGS) -DWR_CORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus/props"'
tests_fuzz_fuzz_props_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_props_LDADD = $(WR_LIBS)
