# Permanence — the two newcomer commands are `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_ADMIN ?= postgresql://postgres@127.0.0.1:5432/postgres
export PERMANENCE_TEST_PG_ADMIN ?= $(PG_ADMIN)

.PHONY: run test install lint typecheck test-sqlite test-postgres postgres bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## make run: install, migrate the SQLite database, seed the demo, serve http://127.0.0.1:8000
run: $(STAMP)
	mkdir -p var
	$(BIN)/permanence migrate
	$(BIN)/permanence demo
	$(BIN)/permanence serve --host 127.0.0.1 --port 8000

lint: $(STAMP)
	$(BIN)/ruff check app tests bench alembic
	$(BIN)/ruff format --check app tests bench alembic

typecheck: $(STAMP)
	$(BIN)/mypy app

postgres:
	@pg_isready -h 127.0.0.1 -p 5432 -q || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in $$(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && exit 0; sleep 1; done; echo "PostgreSQL did not start"; exit 1

test-sqlite: $(STAMP)
	PERMANENCE_TEST_DB=sqlite $(BIN)/pytest

test-postgres: $(STAMP) postgres
	PERMANENCE_TEST_DB=postgresql $(BIN)/pytest

## make test: lint, type-check, then the whole suite on SQLite and on PostgreSQL
test: lint typecheck test-sqlite test-postgres

bench: $(STAMP)
	for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
