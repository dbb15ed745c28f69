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
	$(BIN)/hadolint Dockerfile

typecheck: $(STAMP)
	$(BIN)/mypy connector adapters

unit: $(STAMP)
	$(BIN)/pytest

test: lint typecheck unit

# Regenerate the pinned lock after changing dependencies in pyproject.toml.
# The image's locks, the same pins as requirements.lock: requirements-runtime.lock without the
# dev tools, requirements-build.lock the build backend that installs the project into it.
lock:
	uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock -q
	uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -o requirements-runtime.lock -q \
		--constraint requirements.lock
	printf 'setuptools\nwheel\n' | uv pip compile - --python-version 3.11 --generate-hashes \
		-o requirements-build.lock -q --constraint requirements.lock

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
