# amqp/: the codec. spec.[ch] are generated and checked in; `make regen` rebuilds them and CI checks
# that `make regen && git diff --exit-code amqp/spec.c amqp/spec.h` shows nothing.
libwarren_a_SOURCES += \
	amqp/types.h \
	amqp/wire.h \
	amqp/text.h \
	amqp/spec.h \
	amqp/spec.c \
	amqp/utf8.h \
	amqp/utf8.c \
	amqp/table.h \
	amqp/table.c \
	amqp/method.h \
	amqp/method.c \
	amqp/props.h \
	amqp/props.c \
	amqp/frame.h \
	amqp/frame.c

EXTRA_DIST += amqp/gen/gen_spec.py amqp/gen/overlay.json

# gen_spec.py runs clang-format on its output itself when clang-format is installed.
.PHONY: regen
regen:
	python3 $(top_srcdir)/amqp/gen/gen_spec.py --out $(top_srcdir)/amqp
