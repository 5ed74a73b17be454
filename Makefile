# Two entry points (README): `make synth` and `make test`. Both create ./.venv on first use, with the
# `train` extra (CPU torch from the pinned wheel) so the training tests run in CI too.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

$(BIN)/tacit: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,train]'
	touch $(BIN)/tacit

.PHONY: setup synth test lint bench
setup: $(BIN)/tacit

synth: setup
	$(BIN)/tacit synth --preset small

lint: setup
	$(BIN)/ruff check .

test: setup
	$(BIN)/ruff check .
	$(BIN)/pytest

bench: setup
	$(BIN)/python benchmarks/synth.py
