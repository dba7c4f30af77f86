# tests/fuzz: the definitions importer target (issue 6). Included after tests/fuzz/local.mk (it
# uses FUZZ_CFLAGS and the FUZZING conditional); its corpus replays in make check.
check_PROGRAMS += tests/fuzz/fuzz_definitions
if FUZZING
FUZZ_DEFS_SRC = $(libwarren_a_SOURCES)
else
FUZZ_DEFS_SRC =
TESTS += tests/fuzz/fuzz_definitions
endif

tests_fuzz_fuzz_definitions_SOURCES = tests/fuzz/fuzz_definitions.c tests/fuzz/fuzz_replay.c \
	$(FUZZ_DEFS_SRC)
tests_fuzz_fuzz_definitions_CPPFLAGS = $(AM_CPPFLAGS) \
	-DWR_CORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus/definitions"'
tests_fuzz_fuzz_definitions_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_definitions_LDADD = $(WR_LIBS)
