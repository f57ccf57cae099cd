# Two commands for a fresh machine (see README): `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck install benchmark clean

# setup.py builds the two small C modules of the answer path (optional: see setup.py)
$(STAMP): pyproject.toml setup.py $(wildcard src/mirrormanager/*/_*.c)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

## Build the demo master tree, migrate a SQLite database, scan it and show the result.
demo: $(STAMP)
	$(BIN)/mirrormanager demo

## Lint, type-check, check migrations and run the tests (SQLite; PostgreSQL too when
## MM_TEST_DATABASE_URL is set).
test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m tests.check_migrations
	$(BIN)/pytest -q -p no:cacheprovider --cov --cov-report=term

benchmark: $(STAMP)
	$(BIN)/python benchmarks/scan_fedora_scale.py

clean:
	rm -rf $(VENV) demo-data .mypy_cache .ruff_cache .pytest_cache
