# Magic Mix: `make demo` serves the demo, `make test` runs every check.
# Django 6 needs Python 3.12+; the machine's python3 may be older, so we look for a
# python3.13 or python3.12 that actually runs (a pyenv shim can exist and still fail).

PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
PYENV_ROOT ?= $(HOME)/.pyenv
CANDIDATES := python3.13 python3.12 \
	$(wildcard $(PYENV_ROOT)/versions/3.13*/bin/python3.13) \
	$(wildcard $(PYENV_ROOT)/versions/3.12*/bin/python3.12) \
	$(wildcard /usr/bin/python3.13 /usr/bin/python3.12 /usr/local/bin/python3.13 /usr/local/bin/python3.12)
PYTHON ?= $(shell for p in $(CANDIDATES); do \
	"$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { echo "$$p"; break; }; done)

.PHONY: setup lock demo test lint migrate messages serve clean bench bench-dashboard bench-search bench-db bench-import

# The packages and versions CI tested, with their hashes: requirements.lock, made from
# pyproject.toml's ranges by `make lock`. A fresh machine installs exactly that.
$(VENV)/.installed: requirements.lock
	@if [ -z "$(PYTHON)" ]; then \
		echo "Magic Mix needs Python 3.12 or newer (Django 6): install python3.13 or python3.12," >&2; \
		echo "or run: make PYTHON=/path/to/python3.12 ..." >&2; exit 1; fi
	@echo "Using $(PYTHON) ($$($(PYTHON) --version))"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	@touch $@

# Refresh the lock: the newest releases that pyproject.toml's ranges admit, on Python 3.13.
PIP_TOOLS := pip-tools==7.7.0
lock: setup
	$(PY) -m pip install --quiet "$(PIP_TOOLS)"
	$(VENV)/bin/pip-compile --quiet --upgrade --generate-hashes --allow-unsafe --strip-extras \
		--no-emit-index-url --no-emit-find-links --extra dev --extra prod \
		--output-file requirements.lock pyproject.toml

setup: $(VENV)/.installed

# axe-core for the accessibility test (tests/test_accessibility.py), from the npm registry and
# its lock file; the browser is Debian's Chromium (/usr/bin/chromium), never a download.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "The accessibility test needs npm (Node.js) to install axe-core" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

migrate: setup
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo
	@echo ""
	@echo "Magic Mix demo: http://127.0.0.1:$(PORT)/  (password for every account: magicmix-demo)"
	@echo "  staff@stadswonen.example    staff, Utrecht corporation"
	@echo "  staff@noorderhuis.example   staff, Amsterdam corporation (e-mails in English)"
	@echo "  readonly@stadswonen.example read-only, Utrecht corporation"
	@echo "  policy@utrecht.example      policy officer, gemeente Utrecht"
	@echo "  policy@amsterdam.example    policy officer, gemeente Amsterdam"
	@echo "  care@zorgpunt.example       care worker, Zorgpunt"
	@echo "  member@majella.example      resident and association member (Majella-like project)"
	@echo "  admin@magicmix.example      site administrator"
	@echo "Reminder e-mails (made by load_demo and send_reminders) are written to sent-mail/."
	@echo "Two-factor login is optional in the demo (MFA_REQUIRED=0, refused with DEBUG off);"
	@echo "  set it up under 'Two-factor authentication', or run: MFA_REQUIRED=1 make demo"
	@echo ""
	MFA_REQUIRED=$${MFA_REQUIRED:-0} $(PY) manage.py runserver 127.0.0.1:$(PORT)

serve: setup
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@# On the demo default (SQLite): models against migrations needs no server, and a check of a
	@# generated column would otherwise connect to a database that CI has not created.
	env -u DATABASE_URL $(PY) manage.py makemigrations --check --dry-run

# The suite runs on the real services (PostgreSQL, Redis), never on the demo's SQLite.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/magicmix
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

test: lint node_modules/.installed
	DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" REDIS_URL="$${REDIS_URL:-$(TEST_REDIS_URL)}" \
		MAGICMIX_REQUIRE_SERVICES=1 $(VENV)/bin/pytest

# Regenerate the Dutch catalogue after changing strings (needs GNU gettext), then translate and
# compile; the compiled .mo is committed so a fresh machine needs no gettext.
# Benchmarks (fixed instances, seeded): their numbers are in the README.
bench: setup
	$(PY) bench/rank_bench.py
	$(PY) bench/plan_bench.py

# The dashboard and the worklist on the large data set (500 projects), on the local PostgreSQL:
# a database of its own, filled once (a few minutes), then measured.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/magicmix_bench
bench-db: setup
	$(PY) -c "import psycopg; c = psycopg.connect('$(dir $(BENCH_DATABASE_URL))postgres', autocommit=True); \
		c.execute('CREATE DATABASE $(notdir $(BENCH_DATABASE_URL))') if not c.execute(\"SELECT 1 FROM pg_database WHERE datname = '$(notdir $(BENCH_DATABASE_URL))'\").fetchone() else None"
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) manage.py load_scale --if-empty

bench-dashboard: bench-db
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/dashboard_bench.py

# Person search over the same data set (~67,000 persons).
bench-search: bench-db
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/search_bench.py

# A 20,000-row persons import as the worker runs it, in a database of its own (migrated only).
BENCH_IMPORT_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/magicmix_bench_import
bench-import: setup
	$(PY) -c "import psycopg; c = psycopg.connect('$(dir $(BENCH_IMPORT_DATABASE_URL))postgres', autocommit=True); \
		c.execute('CREATE DATABASE $(notdir $(BENCH_IMPORT_DATABASE_URL))') if not c.execute(\"SELECT 1 FROM pg_database WHERE datname = '$(notdir $(BENCH_IMPORT_DATABASE_URL))'\").fetchone() else None"
	DATABASE_URL=$(BENCH_IMPORT_DATABASE_URL) $(PY) manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_IMPORT_DATABASE_URL) $(PY) bench/import_bench.py

messages: setup
	$(PY) manage.py makemessages -l nl --no-obsolete --no-location -i ".venv/*" -i "tests/*" -i "bench/*" -i "node_modules/*"
	$(PY) manage.py compilemessages -l nl -i .venv

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache .ruff_cache
