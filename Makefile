# Two commands: `make run` (the demo, embedded mode) and `make test` (the whole suite on PostgreSQL).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format bench-catalog clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

var/secret_key:
	mkdir -p var
	$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

run: $(VENV)/.installed var/secret_key
	SECRET_KEY=$$(cat var/secret_key) $(PY) manage.py migrate --no-input
	SECRET_KEY=$$(cat var/secret_key) $(PY) manage.py load_demo
	@echo ""
	@echo "Overlay is serving on http://$(HOST):$(PORT)/"
	@echo "  Admin console: http://$(HOST):$(PORT)/admin/   (users above, e.g. manager / overlay-demo)"
	@echo "  API docs:      http://$(HOST):$(PORT)/api/docs/"
	@echo "  TMF620:        http://$(HOST):$(PORT)/tmf-api/productCatalogManagement/v4/productOffering"
	@echo ""
	SECRET_KEY=$$(cat var/secret_key) $(PY) manage.py runserver --insecure $(HOST):$(PORT)

test: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) scripts/with_services.py -- $(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench-catalog: $(VENV)/.installed
	$(PY) scripts/with_services.py -- $(PY) bench/catalog/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var db.sqlite3
