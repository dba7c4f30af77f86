# tests/fuzz: the metadata log recovery target, built like tests/fuzz/store.mk (include this
# after tests/fuzz/local.mk: it uses FUZZ_CFLAGS and the FUZZING conditional).
check_PROGRAMS += tests/fuzz/fuzz_meta_recover
if FUZZING
FUZZ_META_SRC = store/meta.c store/meta_rec.c store/meta_disk.c store/meta_disk_recover.c \
	store/meta_ram.c store/crc32c.c store/store.c store/table.c store/segment.c \
	store/qindex.c store/commit.c store/recover.c store/compact.c
else
FUZZ_META_SRC =
TESTS += tests/fuzz/fuzz_meta_recover
endif

tests_fuzz_fuzz_meta_recover_SOURCES = tests/fuzz/fuzz_meta_recover.c tests/fuzz/fuzz_replay.c \
	$(FUZZ_META_SRC)
tests_fuzz_fuzz_meta_recover_CPPFLAGS = $(AM_CPPFLAGS) \
	-DWR_CORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus/meta_recover"'
tests_fuzz_fuzz_meta_recover_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_meta_recover_LDADD = $(WR_LIBS)
