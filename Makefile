# Two commands for a new machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
export FLASK_APP := wsgi.py

.PHONY: run test test-sqlite test-postgres test-topology venv bench bench-quick soak clean

$(VENV)/.deps-run: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.deps-dev: requirements.txt requirements-dev.txt $(VENV)/.deps-run
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

venv: $(VENV)/.deps-run

# GS1's EPCIS 2.0 JSON Schema, a pinned download the EPCIS tests validate exports against.
STANDARDS := .cache/standards/gs1-epcis-2.0-json-schema.json
$(STANDARDS): scripts/fetch_standards.py
	$(PY) scripts/fetch_standards.py

## Set up, migrate, seed the demo catalogue once, and serve on http://127.0.0.1:5000 (`make run PORT=8080` for another port)
PORT ?= 5000
# Stamps and the GS1 resolver's redirects use this origin, so it follows PORT unless set.
RUN_BASE_URL = $(or $(PUBLIC_BASE_URL),http://127.0.0.1:$(PORT))
run: $(VENV)/.deps-run
	PYBABEL=$(VENV)/bin/pybabel scripts/i18n.sh compile
	$(VENV)/bin/flask db upgrade
	PUBLIC_BASE_URL=$(RUN_BASE_URL) $(VENV)/bin/flask seed-demo --if-empty
	DEMO_MODE=true PUBLIC_BASE_URL=$(RUN_BASE_URL) $(VENV)/bin/flask run --host 127.0.0.1 --port $(PORT)

## Set up and run the whole suite on SQLite and on PostgreSQL at once (scripts/test.sh: one process per leg)
test: $(VENV)/.deps-dev $(STANDARDS)
	PYBABEL=$(VENV)/bin/pybabel scripts/i18n.sh compile
	PY=$(PY) scripts/test.sh

## Two app servers (gunicorn) behind nginx, a job worker, PostgreSQL, Redis and S3 on loopback (tests/topology)
test-topology: $(VENV)/.deps-dev
	PYBABEL=$(VENV)/bin/pybabel scripts/i18n.sh compile
	TOPOLOGY=1 $(PY) -m pytest -p no:cacheprovider -q -s tests/topology

bench: $(VENV)/.deps-dev
	PYBABEL=$(VENV)/bin/pybabel scripts/i18n.sh compile
	$(PY) -m bench.run $(if $(SCALE),--scale $(SCALE))

bench-quick: $(VENV)/.deps-dev
	PYBABEL=$(VENV)/bin/pybabel scripts/i18n.sh compile
	$(PY) -m bench.run --quick

## 30 minutes of mixed load on PostgreSQL + Redis, served as deployed (bench/soak.py; MINUTES=…, THREADS=…)
soak: $(VENV)/.deps-dev
	PYBABEL=$(VENV)/bin/pybabel scripts/i18n.sh compile
	$(PY) -m bench.soak --minutes $(or $(MINUTES),30) --threads $(or $(THREADS),1)

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts .cache
