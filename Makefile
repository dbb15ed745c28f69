# Two set-up commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit install lock clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/leadscore sync --config config.example.toml --as-of 2026-11-20T18:00:00+09:00 --full --top 15

lint: $(STAMP)
	$(BIN)/ruff check connector adapters tests bench examples
	$(BIN)/ruff format --check connector adapters tests bench examples

typecheck: $(STAMP)
	$(BIN)/mypy connector adapters

unit: $(STAMP)
	$(BIN)/pytest

test: lint typecheck unit

# Regenerate the pinned lock after changing dependencies in pyproject.toml.
lock:
	uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock -q

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
