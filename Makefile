# OrgConsole: `make run` starts the console, `make test` runs every test.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# Python 3.12+: the version in .python-version via pyenv when present, else python3.13/python3.12 on PATH.
BASE_PYTHON ?= $(shell (command -v pyenv >/dev/null && pyenv which python 2>/dev/null) || command -v python3.13 || command -v python3.12 || command -v python3)
STAMP := $(VENV)/.installed

.PHONY: run test install browser lint format clean bench bench-ci serve worker smoke-prod

$(PY):
	@$(BASE_PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "OrgConsole needs Python 3.12 or newer; set BASE_PYTHON=/path/to/python3.12")'
	$(BASE_PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_data
	@echo ""
	@echo "  OrgConsole is running at http://127.0.0.1:8000/"
	@echo "  Sign in as owner@example.com / correct-horse-battery (development only)."
	@echo "  Emails (invitations, notifications) are printed in this terminal."
	@echo ""
	$(PY) manage.py runserver 127.0.0.1:8000

# Chromium for the browser tests: Debian's package through apt when root on Debian, else Playwright's own build;
# when neither can be installed, one line says what to install (and how to skip the browser tests).
browser: install
	@$(PY) tests/browser/chromium.py

test: install browser
	$(PY) -m pytest

# Production processes: settings from the environment (SECRET_KEY, SITE_URL, ALLOWED_HOSTS, DATABASE_URL, ...).
PROD := DJANGO_SETTINGS_MODULE=orgconsole.settings.production

serve: install
	$(PROD) $(PY) manage.py collectstatic --noinput --verbosity 0
	$(PROD) $(PY) manage.py migrate --noinput
	$(PROD) exec $(VENV)/bin/gunicorn -c orgconsole/gunicorn.conf.py orgconsole.wsgi

worker: install
	$(PROD) exec $(PY) manage.py run_worker

# gunicorn + one worker on a throwaway PostgreSQL database: one invite over HTTP, delivered by the worker.
smoke-prod: install
	$(PY) tests/smoke/prod_smoke.py

# Issue 17's benchmark on a throwaway PostgreSQL database (README, "Performance"): one table per target.
# bench: 1,000 / 100,000 / 1,000,000 members, Django admin, gunicorn + wrk, invite, worker (several minutes).
# bench-ci: CI's reduced run (1,000 vs 100,000 members, admin, invite, worker); fails on a missed ratio.
bench: install
	$(PY) tests/benchmarks/run.py

bench-ci: install
	$(PY) tests/benchmarks/run.py --reduced

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
