# `make run` (the demo, embedded mode), `make serve` (the production topology) and `make test` (the whole suite
# on PostgreSQL).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
WEB_WORKERS ?= 2
CELERY_WORKERS ?= 2

.PHONY: run serve test lint format ctk bench-catalog bench-sync bench-customers bench-cart bench-orders bench-usage clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

var/secret_key:
	mkdir -p var
	$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

# The demo is served over plain http on $(HOST): HTTPS_ONLY=0 (production keeps its https-only defaults).
run: $(VENV)/.installed var/secret_key
	SECRET_KEY=$$(cat var/secret_key) HTTPS_ONLY=0 LOG_FORMAT=text $(PY) scripts/run_demo.py --host $(HOST) --port $(PORT)

# Production topology (docs/deployment.md): migrates, then gunicorn with WEB_WORKERS workers, CELERY_WORKERS
# Celery workers and beat against DATABASE_URL (PostgreSQL) and REDIS_URL; SECRET_KEY and ALLOWED_HOSTS as in
# production. Logs go to stdout; SIGTERM stops every process.
serve: $(VENV)/.installed
	WEB_WORKERS=$(WEB_WORKERS) CELERY_WORKERS=$(CELERY_WORKERS) $(PY) scripts/serve.py --host $(HOST) --port $(PORT)

test: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) scripts/ensure_chromium.py
	$(PY) scripts/with_services.py -- $(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# A TM Forum conformance kit unpacked in KIT, run against the server `make run` serves on HOST:PORT; fetches
# nothing (the kit's Node packages: `npm install` in KIT/ctk once). scripts/run_ctk.py --help says more.
#   make ctk KIT=/path/to/CTK-TMF637 TOKEN=ovl_... CTK_ARGS="--results var/ctk/637"
ctk:
	$(PY) scripts/run_ctk.py "$(KIT)" --base-url http://$(HOST):$(PORT) --token "$(TOKEN)" $(CTK_ARGS)

bench-usage: $(VENV)/.installed
	$(PY) scripts/with_services.py -- $(PY) bench/usage/run.py $(BENCH_ARGS)

bench-catalog: $(VENV)/.installed
	$(PY) scripts/with_services.py -- $(PY) bench/catalog/run.py $(BENCH_ARGS)

bench-sync: $(VENV)/.installed
	$(PY) scripts/with_services.py -- $(PY) bench/sync/run.py $(BENCH_ARGS)

bench-customers: $(VENV)/.installed
	$(PY) scripts/with_services.py -- $(PY) bench/customers/run.py $(BENCH_ARGS)

bench-cart: $(VENV)/.installed
	$(PY) scripts/with_services.py -- $(PY) bench/cart/run.py $(BENCH_ARGS)

bench-orders: $(VENV)/.installed
	$(PY) scripts/with_services.py -- $(PY) bench/orders/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var db.sqlite3
