# Two commands do all set-up: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint pytest bench browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the project metadata changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/basis run

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

# Two workers (the CI machine has 2 cores), one test file per worker at a time, so module
# fixtures are built once; `make pytest PYTEST_ARGS=` runs it serially.
PYTEST_ARGS ?= -n auto --dist loadfile

pytest: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint pytest

# Engine steps/s, load time and peak memory per mode (docs/benchmarks.md). The real window
# is imported from BASIS_REAL_DATA when set; without it only the 5-year scenario runs.
BENCH_ARGS ?=
bench: $(STAMP)
	$(BIN)/basis bench $(if $(BASIS_REAL_DATA),,--datasets scenario) $(BENCH_ARGS)

# Debian's Chromium and its driver for the dashboard's browser tests (root, or sudo).
browser:
	@if [ -x /usr/bin/chromium ]; then echo "chromium: $$(/usr/bin/chromium --version 2>/dev/null)"; \
	else $(if $(filter 0,$(shell id -u)),,sudo) sh -c 'apt-get update && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver'; fi

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
