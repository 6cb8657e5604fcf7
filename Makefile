# Dân Vận Số — the commands. `make demo` and `make test` need only Python 3.11 on the machine.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
PY := $(VENV)/bin/python
SHARED ?= ../shared/data
HOST ?= 127.0.0.1
PORT ?= 8000
PROVINCE ?= 86
TEST_WORKERS ?= auto

.PHONY: help install demo serve test test-fast lint format check messages catalogues models opinion-models bench vendor clean stop-db

help:
	@echo "make demo    install, migrate, load units and the demo province, run web + worker"
	@echo "make test    the whole test suite (embedded PostgreSQL, or DATABASE_URL)"
	@echo "make bench   benchmarks (figures go to docs/benchmarks.md by hand)"
	@echo "make models  build the NLP benchmark models into var/models/"
	@echo "make opinion-models  retrain the shipped default opinion models (data/models/opinion/default)"

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv>=0.5"

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

install: $(VENV)/.synced catalogues

catalogues: $(VENV)/.synced
	@$(PY) manage.py compile_catalogues

demo: install
	@$(PY) -m danvan.demo_runner --host $(HOST) --port $(PORT) --province $(PROVINCE)

test: install
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile -q

test-fast: install
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile -q -m "not slow"

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.synced
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check: install
	$(PY) manage.py makemigrations --check --dry-run
	DANVAN_PRODUCTION=1 DANVAN_SECRET_KEY=$$(openssl rand -hex 32 2>/dev/null || echo ci-only-$$RANDOM-$$RANDOM-$$RANDOM-$$RANDOM-$$RANDOM-secret-key-0123456789) \
	  DANVAN_FIELD_ENCRYPTION_KEY=Y2ktb25seS1jaS1vbmx5LWNpLW9ubHktY2ktb25seS0= DANVAN_FIELD_HMAC_KEY=Y2ktb25seS1obWFjLWNpLW9ubHktaG1hYy1jaS1vbmw= \
	  DANVAN_ALLOWED_HOSTS=danvan.example.vn $(PY) manage.py check --deploy --fail-level WARNING

# Update the Vietnamese catalogues from the source (needs GNU gettext's xgettext). APP=structure limits it to one app.
messages: $(VENV)/.synced
ifdef APP
	cd danvan/$(APP) && mkdir -p locale && ../../$(PY) ../../manage.py makemessages -l vi --no-obsolete --no-location
else
	$(PY) manage.py makemessages -l vi --no-obsolete --no-location -i tests -i bench -i var -i node_modules -i data -i docs -i deploy -i .tools
endif

models: $(VENV)/.synced
	$(PY) -m danvan.nlp models --shared $(SHARED) --out var/models

# Retrain the shipped default opinion bundle (data/models/opinion/default) from the shipped training set.
opinion-models: $(VENV)/.synced
	$(PY) -m danvan.nlp opinion-train --data data/opinion/train.jsonl --out data/models/opinion/default \
	  --toxic $(SHARED)/raw/uit-victsd/ViCTSD_train.csv
	PYTHONPATH=. $(PY) bench/nlp/opinion_cv.py svm_split2_untitled --card data/models/opinion/default

bench: install
	@for b in bench/*/run.py; do echo "== $$b"; $(PY) $$b || exit 1; done; $(PY) bench/collect.py

# Re-vendor the front-end assets from the npm registry (versions pinned in package.json); the built files are committed.
vendor:
	npm ci --no-audit --no-fund
	mkdir -p danvan/static/vendor/{bootstrap,bootstrap-icons/fonts,htmx,echarts}
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/LICENSE danvan/static/vendor/bootstrap/
	cp node_modules/bootstrap-icons/font/bootstrap-icons.min.css node_modules/bootstrap-icons/LICENSE danvan/static/vendor/bootstrap-icons/
	cp node_modules/bootstrap-icons/font/fonts/*.woff2 danvan/static/vendor/bootstrap-icons/fonts/
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/htmx.org/LICENSE danvan/static/vendor/htmx/
	cp node_modules/echarts/dist/echarts.min.js node_modules/echarts/LICENSE danvan/static/vendor/echarts/

stop-db:
	@$(PY) -m danvan.devdb stop

clean: stop-db
	rm -rf var/pgdata var/static
