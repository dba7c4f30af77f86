# Tests: unit drivers (cmocka), integration (rabbitmq-c against a real broker), fuzz corpus replay.
TEST_CPPFLAGS = $(AM_CPPFLAGS) $(CMOCKA_CFLAGS) $(RABBITMQ_CFLAGS)
TEST_LIBS = $(WR_LIBS) $(CMOCKA_LIBS) $(RABBITMQ_LIBS)

include tests/unit/codec.mk
include tests/unit/route.mk
include tests/unit/server.mk
include tests/fuzz/local.mk
include tests/fuzz/store.mk
include tests/unit/meta.mk
include tests/fuzz/meta.mk
include tests/fuzz/conn.mk
include tests/fuzz/definitions.mk
include tests/fuzz/config.mk
include tests/unit/store.mk
include tests/integration/local.mk
