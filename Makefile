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

test: setup
	$(BIN)/ruff check .
	$(BIN)/pytest

bench: setup
	$(BIN)/python benchmarks/synth.py
