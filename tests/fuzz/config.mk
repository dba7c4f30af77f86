# tests/fuzz: the rabbitmq.conf parser target (issue 6). Included after tests/fuzz/local.mk (it
# uses FUZZ_CFLAGS and the FUZZING conditional); its corpus replays in make check.
check_PROGRAMS += tests/fuzz/fuzz_config
if FUZZING
FUZZ_CONFIG_SRC = $(libwarren_a_SOURCES)
else
FUZZ_CONFIG_SRC =
TESTS += tests/fuzz/fuzz_config
endif

tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz_config.c tests/fuzz/fuzz_replay.c \
	$(FUZZ_CONFIG_SRC)
tests_fuzz_fuzz_config_CPPFLAGS = $(AM_CPPFLAGS) \
	-DWR_CORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus/config"'
tests_fuzz_fuzz_config_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_config_LDADD = $(WR_LIBS)
