# scripts/: developer and CI targets that wrap the scripts in this directory.
#   make check-clients    real client libraries' test suites (../shared/compat) against ./warren
#   make check-layering   one-way dependencies between amqp/ store/ server/ cluster/
#   make format-check     clang-format-14 --dry-run -Werror over the C sources
#   make format           rewrite the C sources with clang-format-14
EXTRA_DIST += scripts/build.sh scripts/check-clients.sh scripts/check-layering.sh \
	scripts/format-check.sh scripts/install-deps.sh scripts/start.sh scripts/test.sh

.PHONY: check-clients check-layering format-check format

check-clients: warren$(EXEEXT)
	WARREN_BIN=$(abs_top_builddir)/warren$(EXEEXT) \
	CHECK_CLIENTS_DIR=$(abs_top_builddir)/check-clients.d \
	bash $(top_srcdir)/scripts/check-clients.sh $(SUITES)

check-layering:
	bash $(top_srcdir)/scripts/check-layering.sh $(top_srcdir)

format-check:
	bash $(top_srcdir)/scripts/format-check.sh $(top_srcdir)

format:
	bash $(top_srcdir)/scripts/format-check.sh --fix $(top_srcdir)

clean-local: clean-check-clients
clean-check-clients:
	-rm -rf check-clients.d
.PHONY: clean-check-clients
