# One place for the habits: `make demo`, `make test`, `make lint`, `make bench`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/mpsp-qual demo demo-output

test: $(STAMP)
	$(BIN)/ruff check mpsp_qual tests bench
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check mpsp_qual tests bench
	$(BIN)/ruff format --check mpsp_qual tests bench

bench: $(STAMP)
	$(BIN)/python bench/bench_import.py
	$(BIN)/python bench/bench_autocode.py
	$(BIN)/python bench/bench_verify.py
	$(BIN)/python bench/bench_sheets.py

clean:
	rm -rf $(VENV) demo-output *.egg-info
