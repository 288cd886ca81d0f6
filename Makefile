# Two commands: `make run` and `make test`. Only Python >= 3.11 and make are needed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup install migrate lint typecheck format messages browser-deps worker beat clean bench

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

setup: migrate
	$(PY) manage.py seed_catalog
	$(PY) manage.py seed_demo --base-url http://$(HOST):$(PORT)

run: setup
	@echo "Emails (verification links and codes) are written to var/mail/."
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

# Every performance target against a bare Django baseline, side by side (PostgreSQL, Redis
# and wrk needed); writes bench/RESULTS.md and exits 1 on a miss. See README "Performance".
bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djlint templates --lint

typecheck: install
	$(VENV)/bin/mypy .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Needs GNU gettext (apt-get install gettext). Collects new strings into the .po files; translate
# them, then run it again to compile the .mo files, which are committed so `make run` needs
# no gettext.
MESSAGES_IGNORE := --ignore=.venv --ignore=var --ignore=test-artifacts --ignore=bench --ignore=node_modules
messages: install
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --add-location=file $(MESSAGES_IGNORE)
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules

# Debian's chromium for the browser tests (needs root; CI runs it) and axe-core for the
# accessibility audit (npm ci, when npm is installed). Without them those tests skip.
browser-deps:
	scripts/install-browser.sh

worker: install
	$(VENV)/bin/celery -A partner_center worker --loglevel=info

beat: install
	$(VENV)/bin/celery -A partner_center beat --loglevel=info

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .mypy_cache .ruff_cache
