# tools/: developer tools built with the project.
#   warren-perf   PerfTest-style load generator (tools/perf/), links libwarren.a for the codec.
#   warren-jitter how late sleeping threads wake on each CPU (the floor of benchmark latencies).
noinst_PROGRAMS = warren-perf warren-jitter
warren_jitter_SOURCES = tools/jitter.c
warren_perf_SOURCES = \
	tools/perf/perf.h tools/perf/main.c tools/perf/opts.c \
	tools/perf/run.c tools/perf/run.h \
	tools/perf/conn.c tools/perf/conn.h tools/perf/roles.h \
	tools/perf/producer.c tools/perf/consumer.c \
	tools/perf/seen.c tools/perf/report.c \
	tools/perf/hist.c tools/perf/hist.h
warren_perf_LDADD = $(WR_LIBS)
