# MABOS: the two commands are `make run` and `make test`; see README.md.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
ARGS   ?=

.PHONY: run test lint migrations-check clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install only when the requirement files change.
$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

## run: zero-setup MABOS (SQLite + filesystem broker unless DATABASE_URL/REDIS_URL are set)
# The port is decided here, once: honcho would otherwise hand the web process PORT=5000 when PORT is
# unset, and the URL printed below would not be the one gunicorn listens on.
RUN_HOST := $(or $(HOST),127.0.0.1)
RUN_PORT := $(or $(PORT),8000)
# Seconds Ctrl-C gives web, worker and beat to stop before they are killed (Celery's warm shutdown
# finishes the batch in hand; honcho's own 5 s is too short for it).
STOP_GRACE ?= 30
run: $(VENV)/.runtime-installed
	@$(BIN)/python manage.py wait_for_services
	@$(BIN)/python manage.py mabos_migrate
	@$(BIN)/python manage.py createcachetable
	@$(BIN)/python manage.py mabos_ensure_admin
	@$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "MABOS is starting (Ctrl-C stops web, worker and beat):"
	@echo "  admin:   http://$(RUN_HOST):$(RUN_PORT)/admin/"
	@echo "  API:     http://$(RUN_HOST):$(RUN_PORT)/api/v1/"
	@echo "  docs:    http://$(RUN_HOST):$(RUN_PORT)/api/docs/"
	@echo "  health:  http://$(RUN_HOST):$(RUN_PORT)/health/ready/"
	@echo "  forgot the admin password?  $(BIN)/python manage.py changepassword admin"
	@echo "  a user locked out?          $(BIN)/python manage.py axes_reset_username <username>"
	@echo ""
	@PYTHONUNBUFFERED=1 HOST=$(RUN_HOST) PORT=$(RUN_PORT) MABOS_RUN_URL=http://$(RUN_HOST):$(RUN_PORT) PATH="$(CURDIR)/$(BIN):$$PATH" \
		$(BIN)/python scripts/procfile_start.py --grace $(STOP_GRACE) -f Procfile --also Procfile.demo -p $(RUN_PORT)

## test: the whole suite against a throwaway PostgreSQL and Redis
test: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/python scripts/testenv.py -- $(BIN)/pytest $(ARGS)

# The bench runs PostgreSQL durable (fsync, synchronous_commit, full_page_writes on) unless BENCH_FAST_DB=1,
# which keeps the tests' fast settings and is reported as non-durable. Commit timestamps time phase (b).
BENCH_DB := $(if $(filter 1,$(BENCH_FAST_DB)),,--durable) --pg track_commit_timestamp=on

## bench: messaging throughput/latency, HTTP send rate, dashboard at 1M messages, reasoning cycles, protocols, supervision, learning (not part of `make test`); writes docs/benchmarks.md
bench: $(VENV)/.dev-installed
	$(BIN)/python scripts/testenv.py $(BENCH_DB) -- $(BIN)/python scripts/bench/run.py
	$(BIN)/python scripts/testenv.py $(BENCH_DB) -- $(BIN)/python scripts/bench/dashboard.py
	$(BIN)/python scripts/testenv.py $(BENCH_DB) -- $(BIN)/python scripts/bench/backlog.py
	$(BIN)/python scripts/testenv.py $(BENCH_DB) -- $(BIN)/python scripts/bench/reasoning.py
	$(BIN)/python scripts/testenv.py $(BENCH_DB) -- $(BIN)/python scripts/bench/protocols.py
	$(BIN)/python scripts/testenv.py $(BENCH_DB) -- $(BIN)/python scripts/bench/supervision.py
	$(BIN)/python scripts/testenv.py $(BENCH_DB) -- $(BIN)/python scripts/bench/learning.py

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
