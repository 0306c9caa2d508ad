# Two commands for a fresh machine: `make run` and `make test` (see README.md).
.PHONY: run test setup pg-stop lint pot odoo-suites

run:
	@scripts/dev.sh run

test:
	@scripts/dev.sh test

setup:
	@scripts/dev.sh setup

pg-stop:
	@scripts/dev.sh pg-stop

lint:
	@scripts/static_checks.sh

pot:
	@scripts/dev.sh pot

# Odoo's own post-install tests of the modules we extend, with PostProduction installed
odoo-suites:
	@scripts/dev.sh odoo-suites
