# Kommunalhub: two commands set everything up on a fresh clone.
#   make run   - venv, dependencies, database, demo data, embedded engines, http://127.0.0.1:8000
#   make test  - the whole suite, on SQLite and on a throwaway PostgreSQL
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test test-sqlite test-postgres lint bench clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements.lock
	touch $(STAMP)

run: $(STAMP)
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py load_demo --if-empty
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT) --noreload

# Tests run with DEBUG off and a throwaway secret; var/ data of `make run` is not touched.
TEST_ENV := SECRET_KEY=test-only-secret KOMMUNALHUB_VAR_DIR=$(CURDIR)/var/test

test: $(STAMP)
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite: $(STAMP)
	$(TEST_ENV) $(PY) -m pytest -q

test-postgres: $(STAMP)
	$(TEST_ENV) $(PY) -m hub.pgtemp -- $(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP)
	$(TEST_ENV) $(PY) -m bench

clean:
	rm -rf $(VENV) var

# Production start: migrate, collectstatic, gunicorn (hub/gunicorn_conf.py) and the workers in
# SERVE_WORKERS, supervised together by hub/serve.py. Needs SECRET_KEY, ALLOWED_HOSTS,
# DATABASE_URL, ... from the environment (README, "Betrieb / Operations").
.PHONY: serve
serve: $(STAMP)
	HOST=$(HOST) PORT=$(PORT) $(PY) -m hub.serve
