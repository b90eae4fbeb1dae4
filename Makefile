# The two commands of the README: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DATA   ?= data
SIZE   ?= small

.PHONY: run test lint typecheck check bench-load bench-api bench-refresh bench-algorithms clean

$(BIN)/graph-api: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

## run: set up, generate and load the demo data, serve http://127.0.0.1:8000/graphql
run: $(BIN)/graph-api
	$(BIN)/graph-api demo --size $(SIZE) --data-dir $(DATA)

## test: set up, lint, type-check and run the whole test suite (what CI runs)
test: $(BIN)/graph-api
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: $(BIN)/graph-api
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(BIN)/graph-api
	$(BIN)/mypy

check: lint typecheck test

## benchmarks: each prints a table (figures recorded in docs/)
bench-load: $(BIN)/graph-api
	$(BIN)/python bench/bench_load.py

bench-api: $(BIN)/graph-api
	$(BIN)/python bench/bench_api.py

bench-refresh: $(BIN)/graph-api
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/bench_refresh.py

bench-algorithms: $(BIN)/graph-api
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/bench_algorithms.py

clean:
	rm -rf $(VENV) $(DATA) .pytest_cache .mypy_cache .ruff_cache
