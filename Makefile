# The two commands of the README: `make serve` and `make test`.
# Everything installs into .venv from the pinned requirements files.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export NO_MKDOCS_2_WARNING := 1

.PHONY: serve build build-all pdf test test-fast typecheck bench clean

$(VENV)/.installed: requirements.txt pyproject.toml
	@echo "Installing the pinned stack into $(VENV) (the first time takes a minute or two)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.test-installed: requirements-test.txt tests/browser/package-lock.json $(VENV)/.installed
	@echo "Installing the test tools into $(VENV), and axe-core (npm) for the browser tests"
	$(BIN)/python -m pip install --quiet -r requirements-test.txt
	npm ci --prefix tests/browser --no-audit --no-fund --silent
	touch $@

PORT ?= 8000

serve: $(VENV)/.installed                # make serve PORT=8001: the port is checked before the first build
	$(BIN)/python -m macros serve --port $(PORT)

build: $(VENV)/.installed                # python -m macros build: strict, on the report's base (README: The base)
	$(BIN)/python -m macros build

build-all: $(VENV)/.installed
	$(BIN)/python -m macros build-all

pdf: $(VENV)/.installed                  # the public report and its PDF (AUDIENCE=participant:ID for another)
	$(BIN)/python -m macros pdf $(if $(AUDIENCE),--audience $(AUDIENCE))

test: $(VENV)/.test-installed
	$(BIN)/python -m pytest

test-fast: $(VENV)/.test-installed       # the unit tier: in process, no site builds, seconds (one process: xdist workers cost more than they save here)
	$(BIN)/python -m pytest -m unit -n 0

typecheck: $(VENV)/.test-installed
	$(BIN)/python -m mypy

bench: $(VENV)/.test-installed
	$(BIN)/python bench/run.py

clean:
	rm -rf site site-private .cache
