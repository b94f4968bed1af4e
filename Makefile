# crmlab: the two commands are `make reports` and `make test`; both create .venv and install.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
# First Python >= 3.11 found on PATH (override: make PYTHON=/path/to/python3.12 test).
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3 python; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& echo $$p && break; done)
PYTEST_ARGS ?=
RUN_ARGS ?=
# Extras to install: make test EXTRAS=dev,spark adds PySpark (CI does).
EXTRAS ?= dev
comma := ,
STAMP := $(VENV)/.crmlab-installed-$(subst $(comma),-,$(EXTRAS))

.PHONY: reports test lint format bench install clean help

help:
	@echo "make reports  run every notebook on the bundled data into reports/<run-id>/ (reports/latest)"
	@echo "make test     run the whole test suite"
	@echo "make lint     ruff check + ruff format --check"
	@echo "make bench    every benchmark (benchmarks/): issue 16's floors table -> benchmarks/results.md"

install: $(STAMP)

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "crmlab needs Python >= 3.11 on PATH (or make PYTHON=...)" >&2; exit 1; fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	@touch $(STAMP)

reports: $(STAMP)
	$(BIN)/crmlab run $(RUN_ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# every benchmarks/bench_*.py: the floor table (modules with run()) into benchmarks/results.md,
# then the modules without run() as scripts; BENCH_ARGS=--quick for shorter runs
BENCH_ARGS ?=
bench: $(STAMP)
	$(BIN)/python benchmarks/_report.py --out benchmarks/results.md $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache
