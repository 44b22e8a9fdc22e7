# Playbook CRM. `make run` serves the app with a worker and a scheduler; `make test` runs the
# whole suite (ruff + pytest). Both set themselves up from nothing but Python 3.11+ and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test install migrate seed lint format bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Migrations and seeding are owner's work (ADR 0006): MIGRATION_DATABASE_URL when it is set.
AS_OWNER = $(if $(MIGRATION_DATABASE_URL),DATABASE_URL=$(MIGRATION_DATABASE_URL))

migrate: install
	DEBUG=$${DEBUG:-true} $(AS_OWNER) $(BIN)/python manage.py migrate --noinput

seed: migrate
	DEBUG=$${DEBUG:-true} $(AS_OWNER) $(BIN)/python manage.py seed_demo --if-empty

# Web server, Celery worker and beat together; Ctrl-C stops all three.
run: seed
	@DEBUG=$${DEBUG:-true} BIN=$(BIN) HOST=$(HOST) PORT=$(PORT) sh scripts/run-dev.sh

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@if [ -x /usr/bin/chromium ]; then echo "Browser tests: running against /usr/bin/chromium."; \
	else echo "Browser tests: SKIPPED, /usr/bin/chromium is not installed (apt-get install chromium)."; fi
	$(BIN)/pytest -rs $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

# Needs a seeded database (see docs/PERFORMANCE.md), e.g. DATABASE_URL=postgres://.../pb_bench.
bench: install
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/pipeline_moves.py

clean:
	rm -rf $(VENV) var
