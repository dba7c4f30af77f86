# tests/fuzz: the whole-connection target (issue 6). Include this from tests/local.mk after
# tests/fuzz/local.mk: it uses FUZZ_CFLAGS and the FUZZING conditional. For libFuzzer the whole
# library is compiled into the target so that the server code is coverage-instrumented too.
check_PROGRAMS += tests/fuzz/fuzz_conn
if FUZZING
FUZZ_CONN_SRC = $(libwarren_a_SOURCES)
else
FUZZ_CONN_SRC =
TESTS += tests/fuzz/fuzz_conn
endif

tests_fuzz_fuzz_conn_SOURCES = tests/fuzz/fuzz_conn.c tests/fuzz/fuzz_replay.c $(FUZZ_CONN_SRC)
tests_fuzz_fuzz_conn_CPPFLAGS = $(AM_CPPFLAGS) \
	-DWR_CORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus/conn"'
tests_fuzz_fuzz_conn_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_conn_LDADD = $(WR_LIBS)
