# Two commands: `make run` (set up and serve with demo data) and `make test` (set up and test).
# Everything is installed by these targets; nothing is needed by hand.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 5000
APP := $(VENV)/bin/advocate-app
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
STAMPS := .make

.PHONY: run serve test test-fast test-browser test-postgres lint setup assets translations db bench clean chromium bench-sms sbom

run: setup db
	$(APP) demo seed
	$(APP) run --host $(HOST) --port $(PORT)

# --- Serving the production way ----------------------------------------------------------------------
# nginx on HOST:PORT buffers every request and response (slow or idle clients never hold a gunicorn
# worker), gunicorn on 127.0.0.1:PORT+1 (WEB_CONCURRENCY workers), and the text-message worker beside them;
# Ctrl-C stops all three. The nginx configuration is deploy/nginx/advocate-app.conf.in (see deploy/).
serve: setup db nginx
	$(PY) deploy/serve.py run --host $(HOST) --port $(PORT)

# nginx: Debian's package, for `make serve` and its test (tests/test_serve.py).
.PHONY: nginx
nginx:
	@if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then \
		if [ "$$CI" = "true" ] || [ "$$(id -u)" = "0" ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; \
		else \
			echo "nginx is not installed: make serve cannot start and its test is skipped (sudo apt-get install nginx)"; \
		fi; \
	fi
# --- end of serving ------------------------------------------------------------------------------------

# --- Backups -------------------------------------------------------------------------------------------
# pg_dump and pg_restore for `advocate-app db backup/restore` on PostgreSQL: Debian's client of the server's
# major version (15), which the backup test (tests/test_backup.py) checks against the server.
.PHONY: postgresql-client
postgresql-client:
	@if ! pg_dump --version 2>/dev/null | grep -q " 15\."; then \
		if [ "$$CI" = "true" ] || [ "$$(id -u)" = "0" ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client-15 >/dev/null; \
		else \
			echo "pg_dump 15 is not installed: the PostgreSQL backup test is skipped (sudo apt-get install postgresql-client-15)"; \
		fi; \
	fi
# --- end of backups ------------------------------------------------------------------------------------

setup: $(STAMPS)/python $(STAMPS)/npm assets translations

# --- Locked Python dependencies -------------------------------------------------------------------------
# setup.cfg keeps version ranges (for anyone installing the package); requirements/*.txt pin every package
# with its hashes, and every install here goes through them: `make run` and `make test` from
# requirements/dev.txt, production (`make install-production`) from requirements/production.txt.
# `make lock` refreshes both from setup.cfg (keeping current pins where they still fit; `make lock
# UPGRADE=1` takes the newest allowed); tests/test_lock.py fails when the lock and setup.cfg disagree.
LOCK_DEV := requirements/dev.txt
LOCK_PRODUCTION := requirements/production.txt
UV_COMPILE = $(VENV)/bin/uv pip compile --universal --python-version 3.11 --generate-hashes --quiet \
	--annotation-style line --custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)

# uv installs the locked packages in a few seconds where pip takes most of a minute; uv itself is taken from
# the same lock (pip checks its hashes), and uv checks every other package's.
$(STAMPS)/python: $(LOCK_DEV) setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	awk '/^uv==/ {p = 1; print; next} p && /^ / {print; next} {p = 0}' $(LOCK_DEV) > $(VENV)/uv-lock.txt
	$(PY) -m pip install --quiet --no-deps --require-hashes -r $(VENV)/uv-lock.txt
	$(VENV)/bin/uv pip install --python $(PY) --quiet --require-hashes -r $(LOCK_DEV)
	$(VENV)/bin/uv pip install --python $(PY) --quiet --no-deps --no-build-isolation -e .
	@mkdir -p $(STAMPS) && touch $@

.PHONY: lock install-production
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	test -x $(VENV)/bin/uv || $(PY) -m pip install --quiet "uv>=0.5,<0.14"
	$(UV_COMPILE) setup.cfg requirements/build.in --extra dev -o $(LOCK_DEV)
	$(UV_COMPILE) setup.cfg requirements/build.in -c $(LOCK_DEV) -o $(LOCK_PRODUCTION)
	@echo "Locked: $(LOCK_DEV) and $(LOCK_PRODUCTION) (commit both)."

# The production install, in the checkout the service runs from: exactly the locked packages (no development
# tools), the app itself (editable, so it uses this checkout's templates, built assets and translations), the
# CSS and JavaScript built, the translations compiled.
install-production: $(STAMPS)/npm
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK_PRODUCTION)
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	npm run --silent build
	$(PY) -m babel.messages.frontend compile -d translations --statistics 2>&1 | tail -n 3
# --- end of locked Python dependencies ----------------------------------------------------------------

$(STAMPS)/npm: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@mkdir -p $(STAMPS) && touch $@

assets: $(STAMPS)/npm
	npm run --silent build

translations: $(STAMPS)/python
	$(PY) -m babel.messages.frontend compile -d translations --statistics 2>&1 | tail -n 3

db: setup
	$(APP) db upgrade

# Seeds its own PostgreSQL database (advocate_bench, on the server BENCH_ADMIN_URL names; BENCH_DATABASE names
# another) with 10,000 people, or reuses the one an earlier run seeded from the same seed and migrations, serves
# them with gunicorn, loads the key pages and the write paths with wrk at 20 concurrent clients beside a
# signed-in floor route, checks queries per page and runs Lighthouse; figures go to docs/benchmarks.md. Fails
# when a page misses its budget (DESIGN.md §6) or stops working; a Lighthouse figure it could not measure is
# reported, not fatal.
bench: setup wrk chromium
	$(PY) bench/run.py

# The key pages at 1,000, 10,000 and 100,000 people (one database each, reused the same way): a table and a
# chart in docs/benchmarks.md; fails when a page's cost grows past 1.5x or its queries change.
.PHONY: bench-scale bench-evidence
bench-scale: setup wrk
	$(PY) bench/run.py --scale 1000,10000,100000

# The evidence dashboard, the evaluation report and the export over 10,000 people, in-process, the code of
# today beside the previous one (kept in bench/evidence_reference.py) on the same data in the same run.
bench-evidence: setup
	$(PY) -m bench.evidence

# 10,000 queued text messages through the twilio library to a local fake provider, two dispatchers on
# PostgreSQL (database sms_bench, re-created), one killed mid-run; figures go to docs/benchmarks.md.
bench-sms: setup
	$(PY) bench/sms_bench.py

.PHONY: lighthouse wrk

# Lighthouse (mobile) alone, on the database an earlier `make bench` seeded.
lighthouse: setup chromium
	$(PY) bench/run.py --lighthouse-only

# wrk, the load generator of `make bench`: Debian's package (a Python one would take the server's CPU).
wrk:
	@if ! command -v wrk >/dev/null; then \
		if [ "$$CI" = "true" ] || [ "$$(id -u)" = "0" ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
		else \
			echo "wrk is not installed: make bench falls back to a slower Python load generator (sudo apt-get install wrk)"; \
		fi; \
	fi

# Chromium for the browser tests: Debian's package (Playwright's own download cannot be used here).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$CI" = "true" ] || [ "$$(id -u)" = "0" ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core >/dev/null; \
		else \
			echo "Chromium is not installed: browser tests will be skipped (sudo apt-get install chromium)"; \
		fi; \
	fi

lint: $(STAMPS)/python
	$(VENV)/bin/ruff check .
	# Security linter: any medium or high finding fails (each `# nosec` says why inline).
	$(VENV)/bin/bandit -q -c pyproject.toml -r advocate_app --severity-level medium

# Software bill of materials (CycloneDX JSON) of what production installs: the locked packages.
sbom: $(STAMPS)/python
	$(VENV)/bin/cyclonedx-py requirements --output-reproducible --of JSON -o docs/sbom.json $(LOCK_PRODUCTION)
	@echo "SBOM written to docs/sbom.json"

# The three passes (SQLite, browser, PostgreSQL) run side by side, each line led by its pass's name, each
# pass's log kept in test-results/; any failing pass fails the target. `make test PASSES="sqlite postgres"`
# runs some of them; PYTEST_ARGS go to every pass.
PASSES ?= sqlite browser postgres
PYTEST_ARGS ?=
test: setup chromium nginx postgresql-client lint
	$(PY) tests/run_passes.py $(PASSES) -- $(PYTEST_ARGS)

test-fast: setup
	$(PY) -m pytest -m "not browser"

test-browser: setup chromium
	$(PY) -m pytest -m browser

# The whole suite but the browser tests, against PostgreSQL. With CI=true it must reach the server;
# elsewhere it is skipped with a message when no server answers.
test-postgres: setup
	$(PY) -m pytest -m "not browser and not serve" -p no:cacheprovider --postgres

clean:
	rm -rf $(VENV) node_modules static/dist $(STAMPS) instance
