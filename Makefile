# Linli — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 5000
WORKERS ?= 2

.PHONY: run dev test test-fast lint bench audit setup setup-dev translations extract-messages migrate system-deps chromium clean

run: setup system-deps migrate ## set everything up and serve Linli with gunicorn on http://127.0.0.1:5000
	$(FLASK) demo-data --if-empty
	@echo "Linli is starting on http://$(HOST):$(PORT)/ (Ctrl+C to stop)"
	$(BIN)/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) --access-logfile - wsgi:app

dev: setup migrate ## debug server with reload
	$(FLASK) demo-data --if-empty
	LINLI_ENV=development $(FLASK) run --debug --host $(HOST) --port $(PORT)

test: setup-dev system-deps chromium ## set everything up and run the whole test suite
	$(BIN)/pytest $(PYTEST_ARGS)

test-fast: setup-dev ## the suite without the browser tests
	$(BIN)/pytest -m "not browser" $(PYTEST_ARGS)

lint: setup-dev ## ruff: the rules of pyproject.toml and the formatting
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# `make bench` runs on SQLite; BENCH_DATABASE_URL=postgresql://user@host:port/db runs it on that PostgreSQL server
# (the bench creates a database of its own there and drops it at the end; the one named is only connected to).
BENCH_DATABASE_URL ?=

bench: setup-dev ## benchmarks: server CPU per request of every page against its floor, query plans
	$(BIN)/python -m bench.run $(if $(BENCH_DATABASE_URL),--database-url '$(BENCH_DATABASE_URL)') $(BENCH_ARGS)

# `make audit` runs Lighthouse (mobile) on the phone pages of bench/audit.py (PAGES) against a fresh demo database:
# accessibility 100 and performance >= 95 each. AUDIT_ARGS="--page 'case list' --runs 3" etc.; see docs/audit.md.
audit: setup chromium node_modules/.bin/lighthouse ## Lighthouse (mobile) accessibility and performance of the phone pages
	$(BIN)/python -m bench.audit $(AUDIT_ARGS)

node_modules/.bin/lighthouse: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

setup: $(VENV)/.requirements translations

setup-dev: $(VENV)/.requirements-dev translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.requirements: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.requirements-dev: requirements-dev.txt requirements.txt $(VENV)/.requirements
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

LANGUAGES := zh_CN en
translations: $(VENV)/.requirements $(foreach lang,$(LANGUAGES),app/translations/$(lang)/LC_MESSAGES/messages.mo)

app/translations/%/LC_MESSAGES/messages.mo: app/translations/%/LC_MESSAGES/messages.po
	$(BIN)/pybabel compile -i $< -o $@

extract-messages: setup-dev ## refresh the catalogs from the code
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o app/translations/messages.pot .
	for lang in $(LANGUAGES); do $(BIN)/pybabel update -i app/translations/messages.pot -l $$lang -o app/translations/$$lang/LC_MESSAGES/messages.po --no-fuzzy-matching; done

migrate: setup
	$(FLASK) db upgrade

system-deps: ## PDF output needs Pango and HarfBuzz (WeasyPrint) and a Chinese font; installed from Debian when missing
	@if ! ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || ! ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset \
	    || ! (fc-list :lang=zh 2>/dev/null | grep -q .); then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fontconfig) >/dev/null; \
	  elif command -v apt-get >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
	    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fontconfig) >/dev/null; \
	  else \
	    echo "Pango, HarfBuzz or a Chinese font is missing: install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk for PDF output"; \
	  fi; \
	fi

chromium: ## browser tests need Debian's chromium (and CJK fonts for readable screenshots)
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk) >/dev/null; \
	  elif command -v apt-get >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
	    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk) >/dev/null; \
	  else \
	    echo "chromium is missing and cannot be installed here: browser tests will be skipped"; \
	  fi; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache test-output
