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

.PHONY: run test test-sqlite test-postgres lint bench clean schema messages browser-deps

$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements.lock
	touch $(STAMP)

run: $(STAMP) node_modules/.package-lock.json
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py load_demo --if-empty
	DEBUG=1 $(PY) manage.py graph_sync --once
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT) --noreload

# Tests run with DEBUG off and a throwaway secret; var/ data of `make run` is not touched.
TEST_ENV := SECRET_KEY=test-only-secret KOMMUNALHUB_VAR_DIR=$(CURDIR)/var/test

test: $(STAMP)
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite: $(STAMP) browser-deps
	$(TEST_ENV) $(PY) -m pytest -q

test-postgres: $(STAMP) node_modules/.package-lock.json
	$(TEST_ENV) $(PY) -m hub.pgtemp -- $(PY) -m pytest -q -m "not browser"

# Browser tests (tests/web/browser, marker `browser`): Debian's Chromium, installed with apt
# only when missing (as root, else through sudo), and axe-core from the npm registry (npm ci).
# They run in the SQLite pass; the PostgreSQL pass skips them (same pages, same browser).
export CHROMIUM_PATH ?= /usr/bin/chromium
browser-deps: node_modules/.package-lock.json
	@test -x $(CHROMIUM_PATH) || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update && $$SUDO apt-get install -y chromium; }

# GraphiQL's scripts and styles (served as static files, api/graphiql.py) come from npm too,
# so `run`, `serve` and both test passes depend on this step.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

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
serve: $(STAMP) node_modules/.package-lock.json
	HOST=$(HOST) PORT=$(PORT) $(PY) -m hub.serve

# GraphQL API: refresh api/schema.graphql after schema changes; compile the API's messages.
schema: $(STAMP)
	$(TEST_ENV) $(PY) manage.py export_schema

messages:
	msgfmt --check -o api/locale/en/LC_MESSAGES/django.mo api/locale/en/LC_MESSAGES/django.po

# Load and fault test of the production stack (bench/soak.py; not part of `make test`):
# 120 s, 50 locust users, Germany-scale data on a throwaway PostgreSQL, loopback only.
# SOAK_SIZE=small|tiny, SOAK_SECONDS, SOAK_USERS make it shorter.
.PHONY: soak fuzz
soak: $(STAMP)
	$(TEST_ENV) $(PY) -m bench.soak

# GraphQL fuzzing with thousands of generated operations (make test runs 300), both databases.
FUZZ_EXAMPLES ?= 3000
fuzz: $(STAMP)
	$(TEST_ENV) FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -q -p no:logging -s tests/api/test_fuzz.py
	$(TEST_ENV) FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m hub.pgtemp -- $(PY) -m pytest -q -p no:logging -s tests/api/test_fuzz.py
