# PROSUMINISTROS WhatsApp assistant. The two commands a person needs: `make run`, `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export RASA_TELEMETRY_ENABLED := false

PLATFORM_PY := .venv/platform/bin/python
RASA_PY := .venv/rasa/bin/python

.PHONY: help setup train run test lint test-platform test-rasa test-e2e test-security validate \
  clean check-chromium bench

help:
	@echo "make run    set up if needed, train if stale, start platform, rasa, actions and simulator"
	@echo "make test   every suite (lint, Rasa data validation, unit, end-to-end)"
	@echo "make setup  virtualenvs, .env with random secrets, database migrations (idempotent)"
	@echo "make train  train the Rasa model if data/ or rasa_project/ changed"
	@echo "make test-security  the security suite alone (real processes; part of make test)"
	@echo "make shell  the designer's shell: be a customer in the terminal, against make run"
	@echo "make advisor ARGS='create --name \"Ana Gómez\" --email ana@empresa.co --area comercial'"
	@echo "           advisor accounts without the API (also reset-password, deactivate; --help)"

setup:
	@scripts/setup.sh

train: setup
	@scripts/train_if_stale.sh

# Development: Procfile, four processes with the simulator. ENVIRONMENT=production:
# Procfile.production, without it (scripts/procfile.sh).
run: train
	@set -a; source .env; set +a; \
	procfile="$$(scripts/procfile.sh)"; \
	echo; \
	if [ "$$procfile" = Procfile ]; then \
	echo "  Simulator (phone of a customer): http://localhost:$${SIMULATOR_PORT:-8080}"; fi; \
	echo "  Platform (advisors):             http://localhost:$${PLATFORM_PORT:-8000}  (token: PLATFORM_SERVICE_TOKEN in .env)"; \
	echo "  Rasa:                            http://localhost:$${RASA_PORT:-5005}/status?token=<RASA_AUTH_TOKEN in .env>"; \
	echo "  Action server:                   http://localhost:$${ACTIONS_PORT:-5055}/health"; \
	echo "  Ctrl-C stops all ($$procfile)."; \
	echo; \
	exec .venv/platform/bin/honcho start -f "$$procfile" -e .env

# The conversation designer's shell: a customer's WhatsApp in the terminal, talking to the real
# bot, actions and platform of `make run` (started in another terminal) through the simulator.
# `rasa shell` has no platform conversation behind it: the actions refuse it and say so.
.PHONY: shell
shell: setup
	@set -a; source .env; set +a; $(PLATFORM_PY) scripts/shell.py $(ARGS)

lint: setup
	.venv/platform/bin/ruff check .
	.venv/platform/bin/ruff format --check .

# Rasa's own check, then data/routing.yml (routing/validate.py: schema, intents, NLU and
# keywords agreeing, the held-out NLU set kept apart from data/nlu).
validate: setup
	PYTHONPATH=. .venv/rasa/bin/rasa data validate --domain rasa_project/domain --data data \
	  --config rasa_project/config.yml
	PYTHONPATH=. $(RASA_PY) -m routing.validate

# The platform suite runs twice: on SQLite, then on a PostgreSQL server the tests start.
# The platform's own security tests (authorization, CSRF, sessions...) run on both databases
# here; make test-security runs the whole security suite, processes included, on SQLite.
test-platform: setup
	$(PLATFORM_PY) -m pytest tests/platform_api tests/simulator tests/routing
	TEST_DATABASE=postgres $(PLATFORM_PY) -m pytest tests/platform_api \
	  tests/security/test_web_*.py tests/security/test_cross_advisor.py

test-rasa: setup
	PYTHONPATH=. $(RASA_PY) -m pytest tests/connectors tests/actions tests/routing tests/nlu_components

test-stories: train
	PYTHONPATH=. .venv/rasa/bin/rasa test core --model models/prosuministros.tar.gz \
	  --stories tests/stories --endpoints rasa_project/endpoints.yml \
	  --fail-on-prediction-errors --out var/rasa-test-results

# The browser tests drive Debian's chromium; Playwright downloads no browser of its own. Without
# a colour emoji font the bot's emoji are empty boxes in their screenshots (and one test fails).
check-chromium:
	@test -x /usr/bin/chromium || { echo "The browser tests need /usr/bin/chromium:" \
	  "sudo apt-get install chromium" >&2; exit 1; }
	@fc-list 2>/dev/null | grep -qi "color emoji" || { echo "The browser tests need a colour" \
	  "emoji font: sudo apt-get install fonts-noto-color-emoji" >&2; exit 1; }

# -v names each test as it starts, so a log cut short says which one was running.
E2E_PYTEST_ARGS := -v --durations=15

test-e2e: check-chromium train
	$(PLATFORM_PY) -m pytest tests/e2e $(E2E_PYTEST_ARGS)

# The attacks on the processes (open ports, Rasa's API, the action server, body size,
# production refusals), against the real processes.
test-security: train
	$(PLATFORM_PY) -m pytest tests/security $(E2E_PYTEST_ARGS)

# Advisor accounts without the API or a session (the only way in production, where no
# development advisors are seeded): create, reset-password, deactivate; audited as `cli`.
.PHONY: advisor
advisor: setup
	$(PLATFORM_PY) -m platform_api.advisors.cli $(ARGS)

test: check-chromium lint validate test-platform test-rasa test-stories nlu-heldout-guard test-e2e test-security

# Load benchmark of the four real processes (about 5-6 minutes; not part of `make test`):
# table on stdout, bench-results/bench.json and latency.png. BENCH_ARGS="--help" for the knobs.
bench: train
	$(PLATFORM_PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf models var/rasa-test-results .pytest_cache

# NLU quality, two figures, each must reach macro-F1 0.95 (scripts/nlu_report.py):
# 5-fold cross-validation of data/nlu (about 10 minutes on 2 cores; docs/nlu.md), and the trained model
# on tests/nlu/heldout.yml, sentences written apart from the training data (make nlu-heldout
# alone takes a minute once the model is trained).
.PHONY: nlu-report nlu-heldout nlu-heldout-test nlu-heldout-guard nlu-cross-validation nlu-clarify
NLU_MIN_MACRO_F1 ?= 0.95
# Issue 22: no intent below 0.90, on cross-validation and on the held-out set.
NLU_MIN_INTENT_F1 ?= 0.90
# Regression guard run by `make test` (issue 22): the held-out macro-F1 the model reached
# (0.980 on 2026-12-08, on the held-out set grown to 682 sentences, docs/nlu.md) less a small
# margin. Raise it when the data improves.
NLU_HELDOUT_GUARD ?= 0.97

nlu-cross-validation:
	@test -x .venv/rasa/bin/rasa || { echo "no .venv/rasa: run make setup first" >&2; exit 1; }
	rm -rf var/nlu-report
	RASA_TELEMETRY_ENABLED=false PYTHONPATH=. $(RASA_PY) scripts/seeded_rasa.py test nlu \
	  --nlu data/nlu --config rasa_project/config.yml --cross-validation --folds 5 \
	  --out var/nlu-report

nlu-heldout-test: train
	rm -rf var/nlu-heldout
	RASA_TELEMETRY_ENABLED=false PYTHONPATH=. .venv/rasa/bin/rasa test nlu \
	  --nlu tests/nlu/heldout.yml --model models/prosuministros.tar.gz --out var/nlu-heldout

nlu-heldout: nlu-heldout-test
	$(RASA_PY) scripts/nlu_report.py held-out=var/nlu-heldout/intent_report.json \
	  --min-macro-f1 $(NLU_MIN_MACRO_F1)

# The held-out figure as a test: fails when it drops below the guard.
nlu-heldout-guard: nlu-heldout-test
	$(RASA_PY) scripts/nlu_report.py held-out=var/nlu-heldout/intent_report.json \
	  --min-macro-f1 $(NLU_HELDOUT_GUARD)

# The clarifying question's thresholds (data/routing.yml) against the held-out set: what each
# setting misroutes and asks (scripts/clarify_tuning.py; docs/nlu.md).
nlu-clarify: train
	PYTHONPATH=. $(RASA_PY) scripts/clarify_tuning.py --model models/prosuministros.tar.gz \
	  --nlu tests/nlu/heldout.yml

nlu-report: nlu-cross-validation nlu-heldout-test
	$(RASA_PY) scripts/nlu_report.py cross-validation=var/nlu-report/intent_report.json \
	  held-out=var/nlu-heldout/intent_report.json --min-macro-f1 $(NLU_MIN_MACRO_F1) \
	  --min-intent-f1 $(NLU_MIN_INTENT_F1)

# Scale-out profile (README): PostgreSQL and Redis, two platform, rasa and action-server
# processes behind nginx on the usual ports.
.PHONY: run-scaled test-scaled check-scaled
check-scaled:
	@for program in nginx redis-server; do \
	  command -v $$program >/dev/null 2>&1 || test -x /usr/sbin/$$program || { \
	    echo "The scale-out profile needs $$program: sudo apt-get install $$program" >&2; \
	    exit 1; }; \
	done

run-scaled: train
	@scripts/run_scaled.sh

# The end-to-end suite on the scale-out profile (3 to 5 minutes). test_reliability.py kills
# *the* Rasa, action-server or platform process and expects no answer until it is back; here
# its twin answers, so it runs on the single profile only (make test-e2e).
test-scaled: check-chromium check-scaled train
	E2E_PROFILE=scaled $(PLATFORM_PY) -m pytest tests/e2e --ignore=tests/e2e/test_reliability.py \
	  $(E2E_PYTEST_ARGS)
