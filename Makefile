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

.PHONY: help install run test lint format openapi lock services worker clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## Create the virtualenv and install the package with dev tools

# `make run PORT=5300`; PUBLIC_BASE_URL follows unless given (the address browsers use).
PORT ?= 5000
PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)

run: $(STAMP) ## Serve the seeded demo on http://127.0.0.1:$PORT (5000; SQLite, in-process jobs)
	CONSORTIUM_ENV=development PUBLIC_BASE_URL=$(PUBLIC_BASE_URL) $(BIN)/flask db upgrade
	CONSORTIUM_ENV=development PUBLIC_BASE_URL=$(PUBLIC_BASE_URL) $(BIN)/flask seed demo
	CONSORTIUM_ENV=development PUBLIC_BASE_URL=$(PUBLIC_BASE_URL) $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

services: ## Make sure PostgreSQL and Redis are up (start the local services if not)
	@bash .ci/services

test: $(STAMP) services lint ## Run the whole suite against PostgreSQL and Redis
	$(BIN)/pytest -n auto -q

lint: $(STAMP) ## ruff, mypy, the domains' layering (import-linter) and the Dockerfile (hadolint)
	$(BIN)/ruff check consortium tests migrations bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/hadolint Dockerfile

format: $(STAMP) ## Format the code
	$(BIN)/ruff format consortium tests migrations bench
	$(BIN)/ruff check --fix consortium tests migrations bench

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
