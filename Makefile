# `make run` and `make test` build .venv from nothing when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: run test lint bench faults catalog clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)
	$(BIN)/alecs serve --sandbox --transport http

lint: $(STAMP_DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/python -m pytest -q -p no:cacheprovider

# Benchmarks (tools/bench): installs nginx (Debian) when missing, then runs every scenario and
# writes tools/bench/results/latest.{json,md,png}. Extra options: make bench BENCH_ARGS="--help".
STAMP_BENCH := $(VENV)/.installed-bench
BENCH_ARGS ?=

$(STAMP_BENCH): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $@ $(STAMP_DEV) $(STAMP_RUN)

bench: $(STAMP_BENCH)
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx; } || \
		echo "bench: nginx could not be installed; the nginx target will be skipped"
	@test -e /usr/lib/nginx/modules/ngx_http_brotli_static_module.so || \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libnginx-mod-http-brotli-static \
		>/dev/null 2>&1 || echo "bench: no brotli_static module; nginx serves gzip instead"
	$(BIN)/python -m tools.bench $(BENCH_ARGS)

# Fault benchmark (tools/bench/faults.py, < 3 minutes): resilience under injected faults on the
# sandbox; prints one table, writes tools/bench/results/faults.{md,json} and the README's table.
FAULTS_ARGS ?= --update-readme

faults: $(STAMP_DEV)
	$(BIN)/python -m tools.bench.faults $(FAULTS_ARGS)

# The API catalog (alecs/catalog/data) compiled from Akamai's OpenAPI specs in ../shared/akamai-apis
# (or $ALECS_AKAMAI_APIS); prints what it repaired, chose and skipped.
catalog: $(STAMP_DEV)
	$(BIN)/python -m tools.catalog

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
