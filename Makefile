# ledgerloop: `make demo` and `make test` work on a fresh machine with Python 3.11 and make.
SHELL := /bin/bash
PYTHON ?= python3
# uv from PATH, else the one pip installs as a module (installed on first use).
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
RUN := $(UV) run --frozen
DEMO_INVOICES ?= 5000

# No telemetry or usage statistics leave this machine.
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DAGSTER_DISABLE_TELEMETRY := 1
export GX_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: install demo test bench lint clean

install:
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 \
		|| $(PYTHON) -m pip install --quiet --disable-pip-version-check uv
	$(UV) sync --frozen --compile-bytecode
	$(RUN) python -m compileall -q -j 0 orchestration portal notifications

demo: install
	$(RUN) ledgerloop generate-demo --invoices $(DEMO_INVOICES) --seed 7
	$(RUN) ledgerloop run
	$(RUN) ledgerloop serve

# Two test processes, one file each at a time (a file's module fixtures stay in one process):
# the suite's time is mostly dbt and DuckDB in separate homes, which run side by side.
PYTEST_WORKERS ?= 2

test: install
	$(RUN) pytest -n $(PYTEST_WORKERS) --dist loadfile

bench: install
	$(RUN) python -m tests.benchmarks.loop_bench
	$(RUN) python -m tests.benchmarks.pipeline_bench
	$(RUN) python -m tests.benchmarks.matching_bench
	$(RUN) python -m tests.benchmarks.portal_bench --wrk-seconds 10
	$(RUN) python -m tests.benchmarks.portal_bench --wrk-seconds 10 --while-refreshing
	$(RUN) python -m tests.benchmarks.risk_bench

lint: install
	$(RUN) ruff check orchestration portal notifications tests
	cd dbt_project && $(RUN) sqlfluff lint models snapshots tests --ignore parsing,templating

clean:
	rm -rf var dbt_project/target dbt_project/logs
