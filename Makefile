# The portal's two commands: `make run` (embedded default) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEV_ENV := DJANGO_DEBUG=1
# Links in emails point at the address `make run` serves on, unless PORTAL_BASE_URL says otherwise.
RUN_ENV := $(DEV_ENV) PORTAL_BASE_URL=$${PORTAL_BASE_URL:-http://$(HOST):$(PORT)}

.PHONY: messages run test lint format serve worker beat migrate seed install install-dev system-deps check-deploy bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# Translations: each locale's .po compiled to the .mo Django reads, whenever the .po changes
# (GNU gettext's msgfmt when the system has it, else Babel's compiler from the venv).
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))

locale/%.mo: locale/%.po $(VENV)/.installed
	@if command -v msgfmt >/dev/null 2>&1; then msgfmt --check-format -o $@ $<; \
	else $(BIN)/pybabel compile --use-fuzzy -i $< -o $@ >/dev/null; fi

messages: $(MO_FILES)

install: $(VENV)/.installed messages
install-dev: $(VENV)/.installed-dev messages

## run: create the venv, install, migrate, load demo data and serve on http://127.0.0.1:8000
##      (PORT=8101 serves on :8101, and emails link there)
run: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py seed_demo
	$(RUN_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

## system-deps: libmagic and Debian's Chromium for the browser tests (apt, when missing)
system-deps:
	@bash scripts/system-deps.sh

## test: install what tests need and run lint, migration check and the whole suite
test: install-dev system-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(DEV_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: install
	$(BIN)/python manage.py migrate --noinput

## The real stack (DATABASE_URL, REDIS_URL, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS set)
serve: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput
	$(BIN)/gunicorn mct_portal.wsgi --bind $(HOST):$(PORT) --workers 3 --no-control-socket --access-logfile -

worker: install
	$(BIN)/celery -A mct_portal worker --loglevel INFO --concurrency 2

beat: install
	mkdir -p var
	$(BIN)/celery -A mct_portal beat --loglevel INFO --schedule var/celerybeat-schedule

check-deploy: install
	$(BIN)/python manage.py check --deploy --fail-level WARNING

## bench: every benchmarks/*.py (not the _helpers) on a throwaway PostgreSQL database, seeded
##        with seed_scale; each prints its figures beside a baseline from the same run.
##        BENCH_DB (mct_bench), BENCH_PG (server URL), BENCH_TRAINERS (1000000),
##        BENCH_DOCS_WAITING (100000), BENCH_DOCS_DECIDED (1000000), BENCH_AUDIT_EVENTS
##        (500000), BENCH_EMAILS (500000), BENCH_PAYMENTS (300000); BENCH_KEEP=1 keeps the
##        database (and reuses an already seeded one next time). REDIS_URL is passed on.
BENCH_DB ?= mct_bench
BENCH_PG ?= postgres://postgres@127.0.0.1:5432
BENCH_TRAINERS ?= 1000000
BENCH_DOCS_WAITING ?= 100000
BENCH_DOCS_DECIDED ?= 1000000
BENCH_AUDIT_EVENTS ?= 500000
BENCH_EMAILS ?= 500000
BENCH_PAYMENTS ?= 300000
BENCH_SEED ?= 7
BENCH_KEEP ?=
BENCH_URL = $(BENCH_PG)/$(BENCH_DB)
BENCH_ENV = DJANGO_DEBUG=1 DATABASE_URL=$(BENCH_URL)

bench: install-dev
	@psql "$(BENCH_PG)/postgres" -qtAc "SELECT 1" >/dev/null 2>&1 || { \
		echo "make bench needs PostgreSQL at $(BENCH_PG) (set BENCH_PG): not reachable." >&2; exit 2; }
	@set -u; status=0; \
	if [ -z "$(BENCH_KEEP)" ]; then \
		psql "$(BENCH_PG)/postgres" -qc "DROP DATABASE IF EXISTS $(BENCH_DB)" || exit 2; \
		trap 'echo "Dropping $(BENCH_DB)"; psql "$(BENCH_PG)/postgres" -qc "DROP DATABASE IF EXISTS $(BENCH_DB)"' EXIT; \
	fi; \
	psql "$(BENCH_PG)/postgres" -qtAc "SELECT 1 FROM pg_database WHERE datname = '$(BENCH_DB)'" | grep -q 1 \
		|| psql "$(BENCH_PG)/postgres" -qc "CREATE DATABASE $(BENCH_DB)" || exit 2; \
	$(BENCH_ENV) $(BIN)/python manage.py migrate --noinput -v0 || exit 2; \
	seeded=$$(psql "$(BENCH_URL)" -qtAc "SELECT 1 FROM auth_user WHERE username LIKE 'scale-$(BENCH_SEED)-%' LIMIT 1"); \
	if [ -n "$(BENCH_KEEP)" ] && [ "$$seeded" = "1" ]; then \
		echo "$(BENCH_DB) is already seeded (BENCH_KEEP=1): not seeding again."; \
	else \
		$(BENCH_ENV) $(BIN)/python manage.py seed_scale --seed $(BENCH_SEED) \
			--trainers $(BENCH_TRAINERS) --documents-waiting $(BENCH_DOCS_WAITING) \
			--documents-decided $(BENCH_DOCS_DECIDED) --audit-events $(BENCH_AUDIT_EVENTS) \
			--outbound-emails $(BENCH_EMAILS) --payments $(BENCH_PAYMENTS) || exit 2; \
	fi; \
	$(BENCH_ENV) $(BIN)/python manage.py collectstatic --noinput -v0 || exit 2; \
	echo "Machine: $$(nproc) cores; $$(uptime); $$(psql "$(BENCH_URL)" -qtAc 'SHOW server_version')"; \
	for script in benchmarks/*.py; do \
		case "$$(basename $$script)" in _*) continue;; esac; \
		echo; echo "=== $$script ==="; \
		$(BENCH_ENV) $(BIN)/python $$script || { echo "$$script failed" >&2; status=1; }; \
	done; \
	exit $$status
