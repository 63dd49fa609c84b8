# Two commands a fresh machine needs: `make run` and `make test`. Both create .venv when it is
# missing and (re)install the project only when pyproject.toml changed, so repeats are fast.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install bench lint chromium postgres

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

PORT ?= 8501

# The main job: the commissioners' app on the bundled Greater Manchester region. Its other settings
# (this machine only, no error details in the browser) are in .streamlit/config.toml.
run: install
	$(BIN)/rcc validate fixtures/greater-manchester
	$(BIN)/streamlit run app.py --server.port $(PORT)

lint: install
	$(BIN)/ruff check .

# The browser tests (tests/e2e) drive Debian's Chromium, never a downloaded one (no `playwright install`).
chromium:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

# The run-store tests start a throwaway PostgreSQL server from Debian's package (tests/postgres.py).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null)

test: lint chromium postgres
	$(BIN)/pytest -q

bench: install
	$(BIN)/pytest benchmarks -q --benchmark-json=benchmarks/results.json
