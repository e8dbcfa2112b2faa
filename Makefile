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

.PHONY: system-deps install assets demo demo-data test lint typecheck test-sqlite test-postgres test-pgvector check-deploy audit bench docs clean

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
	# NNCF quantises the model for OpenVINO (variant openvino-int8). Without its dependency
	# `ninja`, a build tool for PyTorch extensions whose module of the same name would replace
	# django-ninja's; its other dependencies come with the extras above.
	$(BIN)/pip install --quiet --no-deps nncf==3.4.0 pydot==4.0.1 tabulate==0.10.0 pyparsing
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
	PAPERWIRE_TEST_PGVECTOR=1 PAPERWIRE_SEARCH_BACKEND=postgres $(BIN)/pytest -q tests/search

# Django's deployment checks under the settings of a production server: HTTPS, a real secret
# key, DEBUG off, a real host name; the data directory is a throw-away one. Any warning fails;
# settings.py silences the two HSTS ones it leaves to the operator (subdomains, preload).
DEPLOY_HOST := papers.example.org
check-deploy: install
	@rm -rf var/check-deploy && mkdir -p var/check-deploy
	PAPERWIRE_DATA_DIR=$(CURDIR)/var/check-deploy PAPERWIRE_HTTPS=true PAPERWIRE_DEBUG=false \
	PAPERWIRE_SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	PAPERWIRE_ALLOWED_HOSTS=$(DEPLOY_HOST) PAPERWIRE_CSRF_TRUSTED_ORIGINS=https://$(DEPLOY_HOST) \
	$(BIN)/paperwire check --deploy --fail-level WARNING

# Known vulnerabilities in the installed packages (pip-audit), from PyPI's advisories, else
# OSV's. Where neither answers (an index without PyPI's per-version JSON, no route to OSV)
# pip-audit would skip every package and call that clean, so the audit says in one line that
# it could not run, and the build does not fail on the network.
define AUDIT_SERVICE
import importlib.metadata, urllib.error, urllib.request
def answers(url, data=None):
    try:
        urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10).close()
        return True
    except urllib.error.HTTPError as exc:
        return data is not None and exc.code < 500  # OSV answered, if only to refuse the probe
    except OSError:
        return False
pypi = f"https://pypi.org/pypi/pip-audit/{importlib.metadata.version('pip-audit')}/json"
print("pypi" if answers(pypi) else "osv" if answers("https://api.osv.dev/v1/query", b"{}") else "")
endef
export AUDIT_SERVICE
audit: install
	@service=$$($(BIN)/python -c "$$AUDIT_SERVICE"); \
	if [ -z "$$service" ]; then \
	  echo "audit: skipped: neither PyPI's advisories nor OSV can be reached from here"; \
	else \
	  $(BIN)/pip-audit --vulnerability-service $$service --skip-editable --progress-spinner off; \
	fi

test: lint typecheck check-deploy audit test-sqlite test-postgres test-pgvector

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
