# One place for the habits: `make demo`, `make test`, `make lint`, `make bench`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint layers bench clean

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/mpsp-qual demo demo-output

# The layers (import-linter contracts in pyproject.toml) and the cycle check count
# imports inside functions too; both must hold before the suite runs.
layers: $(STAMP)
	$(BIN)/lint-imports --no-cache
	$(BIN)/python tools/check_cycles.py mpsp_qual

test: $(STAMP)
	$(BIN)/ruff check mpsp_qual tests bench tools
	$(MAKE) --no-print-directory layers
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check mpsp_qual tests bench tools
	$(BIN)/ruff format --check mpsp_qual tests bench tools
	$(MAKE) --no-print-directory layers

bench: $(STAMP)
	$(BIN)/python bench/bench_import.py
	$(BIN)/python bench/bench_autocode.py
	$(BIN)/python bench/bench_verify.py
	$(BIN)/python bench/bench_sheets.py
	$(BIN)/python bench/bench_workspace.py

clean:
	rm -rf $(VENV) demo-output *.egg-info
