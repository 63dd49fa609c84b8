# Two commands a fresh machine needs: `make run` and `make test`. Both create .venv when it is
# missing and (re)install the project only when pyproject.toml changed, so repeats are fast.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install bench lint

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/rcc validate fixtures/greater-manchester

lint: install
	$(BIN)/ruff check .

test: lint
	$(BIN)/pytest -q

bench: install
	$(BIN)/pytest benchmarks -q
