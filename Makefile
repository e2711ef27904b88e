# Vafa: everyday commands. `make demo` and `make test` need nothing but python3 on the machine.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.vafa-installed
HOST ?= 127.0.0.1
PORT ?= 8000
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test
# The job tests also run on RQ against this Redis (databases 5–14; see vafa/core/tests/test_jobs_rq.py).
REDIS_URL ?= redis://127.0.0.1:6379/0
CHROMIUM ?= /usr/bin/chromium
DOVECOT ?= /usr/sbin/dovecot
# Extra pytest arguments, e.g. `make test PYTEST_ARGS="-k scheduler"`.
PYTEST_ARGS ?=
# Extra `vafa demo` arguments, e.g. `make demo DEMO_ARGS="--customers 200 --cases 300"`.
DEMO_ARGS ?=
PYTEST := $(BIN)/pytest -n auto $(PYTEST_ARGS)

# Front-end files the pages load, copied out of node_modules (npm ci, pinned by package-lock.json).
VENDOR := vafa/desk/static/vendor
VENDOR_STAMP := $(VENDOR)/.installed
# The source maps go too: the files name them, and collectstatic's manifest refuses a missing one.
VENDOR_FILES := \
	node_modules/bootstrap/dist/css/bootstrap.min.css \
	node_modules/bootstrap/dist/css/bootstrap.min.css.map \
	node_modules/bootstrap/dist/css/bootstrap.rtl.min.css \
	node_modules/bootstrap/dist/css/bootstrap.rtl.min.css.map \
	node_modules/bootstrap/dist/js/bootstrap.bundle.min.js \
	node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map \
	node_modules/htmx.org/dist/htmx.min.js \
	node_modules/chart.js/dist/chart.umd.min.js \
	node_modules/chart.js/dist/chart.umd.min.js.map

PO_FILES := $(shell find vafa -path '*/locale/*/LC_MESSAGES/*.po' 2>/dev/null)

.PHONY: help venv assets messages screenshots demo serve test test-sqlite test-postgres check-postgres check-redis check-chromium check-dovecot bench lint

help:
	@echo "make demo           virtualenv, translations, migrate, static files, demo data, then run the stack"
	@echo "make serve          run the web server only (vafa serve on $(HOST):$(PORT))"
	@echo "make test           all tests on SQLite, then on PostgreSQL ($(POSTGRES_URL))"
	@echo "make test-sqlite    tests on SQLite only"
	@echo "make test-postgres  tests on PostgreSQL only (fails if PostgreSQL does not answer)"
	@echo "                    every test run needs Redis too ($(REDIS_URL)): the job tests also run on RQ"
	@echo "make bench          vafa bench"
	@echo "make screenshots    take the desk's screenshots (en, fa) into docs/screenshots/"
	@echo "make lint           ruff check, ruff format --check, mypy"
	@echo "make messages       compile the translations (.po -> .mo) that changed"
	@echo "make venv           create or update .venv"
	@echo "make assets         install the front-end packages (npm ci) and copy them into the static files"

# The stamp is newer than pyproject.toml and constraints.txt once they are installed; editing
# either one reinstalls.
venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	@touch $@

# Bootstrap, htmx and Chart.js come from the npm registry at set-up time and are served by Vafa
# itself: no page loads anything from a CDN.
assets: $(VENDOR_STAMP)

$(VENDOR_STAMP): package.json package-lock.json Makefile
	@command -v npm >/dev/null || { echo "make: npm is needed to install the front-end packages (apt-get install nodejs npm)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@mkdir -p $(VENDOR)
	cp $(VENDOR_FILES) $(VENDOR)/
	@for pkg in bootstrap htmx.org chart.js; do cp node_modules/$$pkg/LICENSE* $(VENDOR)/LICENSE.$$pkg 2>/dev/null || true; done
	@touch $@

# Compiles only when a .po file is newer than its .mo (or the .mo is missing).
messages: venv
	@stale=""; \
	for po in $(PO_FILES); do mo="$${po%.po}.mo"; \
	  if [ ! -f "$$mo" ] || [ "$$po" -nt "$$mo" ]; then stale="$$stale $$po"; fi; \
	done; \
	if [ -z "$(PO_FILES)" ]; then echo "messages: no translations yet"; \
	elif [ -n "$$stale" ]; then \
	  $(BIN)/vafa compilemessages --ignore='.venv' --ignore='node_modules' --ignore='var'; \
	else echo "messages: up to date"; fi

demo: venv assets messages
	$(BIN)/vafa migrate --no-input
	$(BIN)/vafa collectstatic --noinput --verbosity 0
	$(BIN)/vafa demo --host $(HOST) --port $(PORT) $(DEMO_ARGS)

serve: venv assets
	$(BIN)/vafa serve --host $(HOST) --port $(PORT)

# PostgreSQL is checked first: no point in a long SQLite run when the second half cannot run.
test: check-postgres check-redis test-sqlite test-postgres

# DATABASE_URL is unset so that pytest-django builds its SQLite test database.
test-sqlite: venv assets messages check-chromium check-dovecot check-redis
	@echo "== tests on SQLite =="
	env -u DATABASE_URL $(PYTEST)

test-postgres: venv assets messages check-chromium check-dovecot check-postgres check-redis
	@echo "== tests on PostgreSQL =="
	DATABASE_URL=$(POSTGRES_URL) $(PYTEST)

# Never skipped: a test run that silently left PostgreSQL out would hide every PostgreSQL bug.
check-postgres: venv
	@err=$$($(BIN)/python -c 'import sys, psycopg; psycopg.connect(sys.argv[1], connect_timeout=5).close()' \
	    '$(POSTGRES_URL)' 2>&1) || { \
	  echo "make: PostgreSQL does not answer at $(POSTGRES_URL):"; echo "$$err" | tail -n 2; \
	  echo "Start it (pg_ctlcluster --skip-systemctl-redirect 15 main start) or point POSTGRES_URL at one."; \
	  exit 1; }

# Never skipped either: the job tests on RQ fail without Redis, and this says why before they run.
check-redis: venv
	@err=$$($(BIN)/python -c 'import sys, redis; redis.Redis.from_url(sys.argv[1], socket_connect_timeout=5).ping()' \
	    '$(REDIS_URL)' 2>&1) || { \
	  echo "make: Redis does not answer at $(REDIS_URL):"; echo "$$err" | tail -n 2; \
	  echo "Start it (redis-server --daemonize yes --bind 127.0.0.1 --port 6379; .ci/run does it) or point REDIS_URL at one."; \
	  exit 1; }

check-chromium:
	@test -x $(CHROMIUM) || { echo "make: browser tests need Chromium at $(CHROMIUM) (apt-get install chromium chromium-driver; .ci/run does it)"; exit 1; }

check-dovecot:
	@test -x $(DOVECOT) || { echo "make: IMAP tests need Dovecot at $(DOVECOT) (apt-get install dovecot-imapd; .ci/run does it)"; exit 1; }

# Pictures of the main desk pages on a small demo company, in English and Persian, for the README.
screenshots: venv assets messages check-chromium
	@mkdir -p docs/screenshots
	env -u DATABASE_URL VAFA_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(BIN)/pytest -p no:xdist -q vafa/desk/tests/test_screenshots.py

bench: venv assets
	$(BIN)/vafa bench

# All three run even when one fails; the target fails if any did.
lint: venv
	@status=0; \
	$(BIN)/ruff check . || status=1; \
	$(BIN)/ruff format --check . || status=1; \
	$(BIN)/mypy vafa || status=1; \
	exit $$status
