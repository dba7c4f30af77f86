# tests/fuzz: the store recovery target, built like the codec targets in tests/fuzz/local.mk
# (include this after it: it uses FUZZ_CFLAGS and the FUZZING conditional).
check_PROGRAMS += tests/fuzz/fuzz_store_recover
if FUZZING
FUZZ_STORE_SRC = store/store.c store/crc32c.c store/table.c store/segment.c store/qindex.c \
	store/commit.c store/recover.c store/compact.c
else
FUZZ_STORE_SRC =
TESTS += tests/fuzz/fuzz_store_recover
endif

tests_fuzz_fuzz_store_recover_SOURCES = tests/fuzz/fuzz_store_recover.c tests/fuzz/fuzz_replay.c \
	$(FUZZ_STORE_SRC)
tests_fuzz_fuzz_store_recover_CPPFLAGS = $(AM_CPPFLAGS) \
	-DWR_CORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus/store_recover"'
tests_fuzz_fuzz_store_recover_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_store_recover_LDADD = $(WR_LIBS)
