# Two commands do all set-up on a fresh machine: `make run` and `make test`. Both are idempotent.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-all bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

data: $(STAMP)
	$(BIN)/ablab data fetch mnist
	$(BIN)/ablab data fetch fashion-mnist

# The main job: every table of the report (quick profile, this CPU), then report/index.html. Resumable.
# Decision mode: 2 seeds per cell, more only where a claim is undecided, within a training budget of 22 min
# (the rest of the 30 min goes to set-up on a fresh clone and to writing the report).
BUDGET ?= 22m
run: data
	$(BIN)/ablab reproduce --profile quick --budget $(BUDGET) --out report

test: data
	$(BIN)/python -m pytest -q

test-all: data
	$(BIN)/python -m pytest -q -m ''

bench: data
	$(BIN)/python bench/throughput.py

clean:
	rm -rf $(VENV) runs report
