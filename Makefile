# The two commands a newcomer needs: `make demo` and `make test`.
# Each creates .venv with python3 -m venv and installs the project on a fresh machine.

PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
# The package is installed (not linked) because its hot modules are compiled with mypyc:
# any change to the sources reinstalls it, so tests always run the code as shipped.
SOURCES := pyproject.toml setup.py $(shell find src -name '*.py')

.PHONY: demo test lint typecheck layers unit bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python $(SOURCES)
	$(BIN)/python -m pip install --quiet '.[dev,bench]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/orderflow demo

test: $(STAMP) lint typecheck layers unit

lint: $(STAMP)
	$(BIN)/ruff check src tests bench setup.py
	$(BIN)/ruff format --check src tests bench setup.py

typecheck: $(STAMP)
	$(BIN)/mypy

layers: $(STAMP)
	PYTHONPATH=src $(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/patterns.py
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/orders.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
