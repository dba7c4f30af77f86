# bench/: Warren vs RabbitMQ comparison (bench/compare); needs a RabbitMQ on 127.0.0.1:5672 or
# rabbitmq-server on PATH, and gnuplot for the plot.
#   make bench         full run (3 repetitions), writes docs/bench/results.md and results.png
#   make bench-quick   smoke run (1 repetition, short durations)
EXTRA_DIST += bench/compare

.PHONY: bench bench-quick

bench: warren$(EXEEXT) warren-perf$(EXEEXT) warren-jitter$(EXEEXT)
	WARREN_BIN=$(abs_top_builddir)/warren$(EXEEXT) PERF_BIN=$(abs_top_builddir)/warren-perf$(EXEEXT) \
	JITTER_BIN=$(abs_top_builddir)/warren-jitter$(EXEEXT) \
	bash $(top_srcdir)/bench/compare --out $(top_srcdir)/docs/bench $(BENCH_ARGS)

bench-quick: warren$(EXEEXT) warren-perf$(EXEEXT) warren-jitter$(EXEEXT)
	WARREN_BIN=$(abs_top_builddir)/warren$(EXEEXT) PERF_BIN=$(abs_top_builddir)/warren-perf$(EXEEXT) \
	JITTER_BIN=$(abs_top_builddir)/warren-jitter$(EXEEXT) \
	bash $(top_srcdir)/bench/compare --quick --out $(top_srcdir)/docs/bench $(BENCH_ARGS)
