# Two entry points (README): `make synth` and `make test`. Both create ./.venv on first use: `synth`
# with what generation needs (no torch), `test` (and `setup`) with the `dev` and `train` extras (CPU
# torch from the pinned wheel) so the training tests run in CI too.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

$(VENV)/.synth-ready: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.all-ready: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,train]'
	touch $@ $(VENV)/.synth-ready

.PHONY: setup synth test lint bench
setup: $(VENV)/.all-ready

synth: $(VENV)/.synth-ready
	$(BIN)/tacit synth --preset small

lint: setup
	$(BIN)/ruff check .

# The Postgres-catalog tests start a throwaway PostgreSQL server: without `initdb`, install Debian's
# `postgresql` package quietly where apt-get is available (otherwise those tests say what is missing);
# the `tacit view` test drives a headless chromium, installed the same way.
test: setup
	@command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
		|| ! command -v apt-get >/dev/null 2>&1 \
		|| { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; } \
		|| echo 'note: could not install postgresql (the Postgres-catalog tests need initdb)'
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
		|| ! command -v apt-get >/dev/null 2>&1 \
		|| { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
		|| echo 'note: could not install chromium (the `tacit view` browser test needs it)'
	$(BIN)/ruff check .
	$(BIN)/pytest

bench: setup
	$(BIN)/python benchmarks/synth.py
