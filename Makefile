# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: demo demo-day test venv venv-dev setup serve lint

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=python3"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(STAMP)

venv: $(STAMP)
venv-dev: $(DEV_STAMP)

## Set up the embedded default (SQLite, in-process Celery), load the reference trial, serve.
demo: venv
	$(PY) manage.py demo
	$(PY) manage.py runserver 127.0.0.1:8000

## A trial in progress on today's date, for trying the working day (its own SQLite
## database, set up afresh each time), served.
demo-day: venv
	rm -f var/demo-day.sqlite3
	DATABASE_URL=sqlite:///var/demo-day.sqlite3 $(PY) manage.py demo_day
	DATABASE_URL=sqlite:///var/demo-day.sqlite3 $(PY) manage.py runserver 127.0.0.1:8000

## Run the test suite on the embedded default.
test: venv-dev
	$(VENV)/bin/pytest

lint: venv-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
