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

.PHONY: messages run test lint format serve worker beat migrate seed install install-dev system-deps check-deploy

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
