# Dialoog: `make demo` runs everything locally, `make test` tests everything. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_VERSION := 0.13.9
TOOLS := .venv/tools
UV := $(TOOLS)/bin/uv
PIPELINE := .venv/pipeline
BI := .venv/bi
ENV := source scripts/env.sh &&

.PHONY: help setup environments demo pipeline test lint stop rollback release factsheets bench lock debian-packages \
	demo-data

help:
	@echo "make demo      set up, load the demo exports through Airflow, publish, start Airflow and Superset"
	@echo "make test      set up and run every test (lint, unit, end-to-end, Superset in Chromium)"
	@echo "make pipeline  run every DAG once through Airflow on the landing zone, then publish (FULL_REFRESH=1: rebuild all)"
	@echo "make stop      stop what make demo started"
	@echo "make rollback  put the previously published warehouse back"
	@echo "make release   export the published warehouse as a citable release (\$$DIALOOG_HOME/releases/<version>)"
	@echo "make factsheets  a Dutch fact sheet (HTML + PDF) per municipality and year (\$$DIALOOG_HOME/reports/factsheets)"
	@echo "make bench     benchmarks (SCALE=1 ALSO=10), results in docs/benchmarks.md"
	@echo "make setup     create/update the environments from the lock files"

# --- environments, installed from the lock files (requirements/*.txt, compiled by `make lock`) ----------
$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(PIPELINE)/.synced: requirements/pipeline.txt pyproject.toml | $(UV)
	test -x $(PIPELINE)/bin/python || $(UV) venv --quiet --python python3.11 $(PIPELINE)
	VIRTUAL_ENV=$(PIPELINE) $(UV) pip sync --quiet --compile-bytecode requirements/pipeline.txt
	VIRTUAL_ENV=$(PIPELINE) $(UV) pip install --quiet --no-deps -e .
	touch $@

$(BI)/.synced: requirements/bi.txt | $(UV)
	test -x $(BI)/bin/python || $(UV) venv --quiet --python python3.11 $(BI)
	VIRTUAL_ENV=$(BI) $(UV) pip sync --quiet --compile-bytecode requirements/bi.txt
	touch $@

# The libraries the Data Docs pages load (expectations/data_docs.py copies them next to the pages, so no page
# loads anything from a CDN): from the npm registry, pinned in package-lock.json, no install scripts run.
node_modules/.synced: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

environments: $(PIPELINE)/.synced $(BI)/.synced node_modules/.synced

# Near-silent when everything is current: the recipes above print only when they sync something.
setup: environments
	@$(ENV) scripts/airflow-init.sh

lock: | $(UV)
	$(UV) pip compile --quiet --python-version 3.11 --generate-hashes requirements/pipeline.in -o requirements/pipeline.txt
	$(UV) pip compile --quiet --python-version 3.11 --generate-hashes requirements/bi.in -o requirements/bi.txt
	# the images' extras, constrained by the base locks so no pin moves
	$(UV) pip compile --quiet --python-version 3.11 --generate-hashes -c requirements/pipeline.txt \
		docker/pipeline-services.in -o docker/pipeline-services.txt
	$(UV) pip compile --quiet --python-version 3.11 --generate-hashes -c requirements/bi.txt \
		docker/bi-services.in -o docker/bi-services.txt

# Debian packages the tests use: headless Chromium for Superset in a real browser (Playwright cannot
# download browsers here), docker-compose 1.29 to parse the compose file (no Docker engine needed) and
# poppler-utils to see a fact sheet's PDF page as a picture.
DEBIAN_TEST_PACKAGES := chromium docker-compose poppler-utils
debian-packages:
	@missing=""; for p in $(DEBIAN_TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# --- running ---------------------------------------------------------------------------------------------
demo-data: setup
	@$(ENV) $(PIPELINE)/bin/python -m demo --home "$$DIALOOG_HOME"

# FULL_REFRESH=1 rebuilds every table from all raw data, even when nothing is new (steps/plan.py says when the
# transform decides a full build by itself).
pipeline: setup
	@$(ENV) $(if $(FULL_REFRESH),DIALOOG_FULL_REFRESH=$(FULL_REFRESH) )scripts/pipeline.sh

# One line per step (environments, demo data, Airflow init, pipeline, Superset, services) with its time and its
# log under $$DIALOOG_HOME/run/, then the URLs and logins (scripts/demo.sh).
demo:
	@$(ENV) scripts/demo.sh

stop:
	@$(ENV) scripts/services.sh stop

rollback: setup
	@$(ENV) $(PIPELINE)/bin/python -m steps rollback

# Reads only the published warehouse; prints the release folder (docs/release.md). ARGS=--allow-stale to release
# the last good publish after a failed run.
release: setup
	@$(ENV) $(PIPELINE)/bin/python -m release --home "$$DIALOOG_HOME" $(ARGS)

# Reads only the published warehouse; HTML per municipality and year, PDFs by one headless Chromium (Debian's
# chromium: make debian-packages), an index page (docs/factsheets.md). ARGS="--year 2024" for one year.
factsheets: setup
	@$(ENV) $(PIPELINE)/bin/python -m factsheets --home "$$DIALOOG_HOME" $(ARGS)

# --- checks ----------------------------------------------------------------------------------------------
lint: setup
	$(PIPELINE)/bin/ruff check .
	@# from dbt_project/, so its .sqlfluff (dbt templater) applies
	@$(ENV) cd dbt_project && DIALOOG_WAREHOUSE=$$(mktemp -d)/lint.duckdb ../$(PIPELINE)/bin/sqlfluff lint models --processes 2

test: setup debian-packages lint
	@$(ENV) $(PIPELINE)/bin/python -m pytest -ra -p no:cacheprovider

# SCALE=1 and ALSO=10 by default (about an hour on 2 cores: the growth from a national year to ten); ALSO= for one scale.
SCALE ?= 1
ALSO ?= 10
bench: setup
	@$(ENV) $(PIPELINE)/bin/python -m bench --scale $(SCALE) $(if $(ALSO),--also $(ALSO))
