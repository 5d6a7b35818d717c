# Performa — the two commands a fresh machine needs are `make run` and `make test`.
# The other targets are helpers for development.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PY := .venv/bin/python
RUFF := .venv/bin/ruff

.PHONY: help run test lint format check ci demo-reset migrate shell deps chromium xmlsec bench

help: ## Elenca i comandi disponibili
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'

run: ## Installa, migra il database SQLite, carica gli enti demo e serve su 127.0.0.1:8000
	@scripts/run.sh

test: deps chromium xmlsec ## Esegue tutti i test (compreso il test end-to-end nel browser e SAML 2)
	@scripts/test.sh

deps: ## Installa le dipendenze bloccate in uv.lock nel virtualenv .venv
	@scripts/bootstrap.sh

chromium: ## Installa chromium (Debian) per il test end-to-end, se manca e se possibile
	@scripts/ensure-chromium.sh

xmlsec: ## Installa xmlsec1 (Debian) per l'accesso SAML 2 e i suoi test, se manca e se possibile
	@scripts/ensure-xmlsec1.sh

lint: deps ## Controlli statici: ruff, tipi (mypy), livelli (import-linter), funzioni lunghe, migrazioni mancanti
	$(RUFF) check .
	$(RUFF) format --check .
	.venv/bin/mypy
	.venv/bin/lint-imports
	$(PY) scripts/check_function_length.py
	$(PY) manage.py makemigrations --check --dry-run

format: deps ## Corregge e riformatta il codice con ruff
	$(RUFF) check --fix .
	$(RUFF) format .

migrate: deps ## Applica le migrazioni al database configurato
	$(PY) manage.py migrate --noinput

demo-reset: deps ## Ricarica da capo gli enti demo (sostituisce i cicli demo già presenti)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo --reset

shell: deps ## Shell Django
	$(PY) manage.py shell

BENCH_DB ?= sqlite:///$(CURDIR)/var/bench.sqlite3
BENCH_PROFILES ?= small,medium,metropolitan
# The same measures again on PostgreSQL when a server answers (database created if missing);
# `make bench BENCH_PG=` measures SQLite only.
BENCH_PG ?= postgres://postgres@127.0.0.1:5432/performa_bench

# `make bench` = the single-client measures (`benchmark`) and then the load test (`bench-load`):
# both write their own section of docs/benchmarks.md.
bench: deps ## Misura le prestazioni sugli enti sintetici (SQLite e, se risponde, PostgreSQL), poi la prova di carico, e scrive docs/benchmarks.md (lento)
	@mkdir -p var
	DATABASE_URL=$(BENCH_DB) $(PY) manage.py migrate --noinput
	DATABASE_URL=$(BENCH_DB) PERFORMA_DEBUG=0 $(PY) manage.py benchmark --profiles $(BENCH_PROFILES) \
		--postgres "$(BENCH_PG)" --json var/benchmarks.json
	@$(MAKE) --no-print-directory bench-load

BENCH_LOAD_PROFILES ?= medium,metropolitan
BENCH_LOAD_REQUESTS ?= 100

.PHONY: bench-load
bench-load: deps ## Prova di carico: gunicorn su 127.0.0.1, 1/8/32 client (medium e metropolitano); scrive la sua sezione di docs/benchmarks.md
	@mkdir -p var
	DATABASE_URL=$(BENCH_DB) $(PY) manage.py migrate --noinput
	DATABASE_URL=$(BENCH_DB) PERFORMA_DEBUG=0 $(PY) manage.py benchmark_load \
		--profiles $(BENCH_LOAD_PROFILES) --requests $(BENCH_LOAD_REQUESTS) --json var/benchmarks-load.json

ci: ## Quello che esegue la CI: test su SQLite e PostgreSQL, lint, migrazioni
	@bash .ci/run
