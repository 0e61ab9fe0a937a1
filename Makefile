# The two commands a newcomer needs: `make demo` and `make test`.
# Each creates .venv with python3 -m venv and installs the project on a fresh machine.

PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
# The package is installed (not linked) because its hot modules are compiled with mypyc:
# any change to the sources reinstalls it, so tests always run the code as shipped.
SOURCES := pyproject.toml setup.py $(shell find src -name '*.py')
# The AWS SDK for JavaScript test's packages, pinned by its package-lock.json.
NODE_TEST  := tests/aws_api/node
NODE_STAMP := $(NODE_TEST)/node_modules/.installed
# checkov (the Terraform export's test) in a venv of its own: it pins boto3 and other
# packages older than the project's (requirements-tools.txt: every package pinned).
TOOLS       := .venv-tools
TOOLS_STAMP := $(TOOLS)/.installed

.PHONY: demo test lint typecheck layers unit bench clean node-deps tools

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python $(SOURCES)
	$(BIN)/python -m pip install --quiet '.[dev,bench]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/orderflow demo

test: $(STAMP) node-deps tools lint typecheck layers unit

# npm ci where node is present; without node, the Node.js test is skipped (CI requires it).
node-deps:
	@if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then \
		if [ ! -f $(NODE_STAMP) ] || [ $(NODE_TEST)/package-lock.json -nt $(NODE_STAMP) ]; then \
			(cd $(NODE_TEST) && npm ci --no-audit --no-fund --loglevel=error) && touch $(NODE_STAMP); \
		fi; \
	else \
		echo "node/npm not found: the AWS SDK for JavaScript test will be skipped"; \
	fi

tools: $(TOOLS_STAMP)

$(TOOLS_STAMP): requirements-tools.txt
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --upgrade pip
	$(TOOLS)/bin/python -m pip install --quiet --no-deps -r requirements-tools.txt
	touch $(TOOLS_STAMP)

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
	$(BIN)/python bench/aws_api.py

clean:
	rm -rf $(VENV) $(TOOLS) .mypy_cache .pytest_cache .ruff_cache $(NODE_TEST)/node_modules
