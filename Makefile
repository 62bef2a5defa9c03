# The Bliss LDN assistant. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
SPACY_PIPELINE := .cache/spacy/en_bliss_ldn
MODEL := models/bliss.tar.gz
TRAINING_INPUTS := config.yml domain.yml $(shell find data -name '*.yml') $(wildcard nlu_components/*.py) $(SPACY_PIPELINE)/meta.json

export TF_CPP_MIN_LOG_LEVEL ?= 3
export RASA_TELEMETRY_ENABLED ?= false
export SQLALCHEMY_SILENCE_UBER_WARNING ?= 1
export PYTHONWARNINGS ?= ignore::DeprecationWarning
# No training cache: it fingerprints SpacyNLP by its model path, so after an edit of
# nlu_pipeline/drug_names.yml it reused features computed with the old lemmas.
export RASA_MAX_CACHE_SIZE ?= 0

.PHONY: help setup spacy train run shell test validate test-core test-py clean sms-faq test-safety bench-safety bench-hostile forget bench add-question

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt constraints.txt
	@test -x $(PY) || "$$(tools/find-python3.10)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip<24.1"
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

setup: $(VENV)/.installed ## Create .venv (Python 3.10) and install the pinned packages

$(SPACY_PIPELINE)/meta.json: $(VENV)/.installed runtime/build_spacy_pipeline.py nlu_pipeline/drug_names.yml
	$(PY) -m runtime.build_spacy_pipeline $(SPACY_PIPELINE)

spacy: $(SPACY_PIPELINE)/meta.json ## Build the project's spaCy pipeline (no download)

$(MODEL): $(TRAINING_INPUTS)
	$(PY) -m rasa train --force --fixed-model-name bliss --out models

train: $(MODEL) ## Train the model (only when data, config or the spaCy pipeline changed)

run: $(MODEL) ## Start the assistant on loopback: action server, Rasa server (REST, socket.io), demo page :8080
	$(PY) -m runtime.serve

shell: $(MODEL) ## Chat with the assistant in the terminal
	$(PY) -m runtime.shell

validate: $(VENV)/.installed ## Check the training data and domain (fails on warnings)
	$(PY) -m rasa data validate --fail-on-warnings

test-core: $(MODEL) ## Run the test stories (fails on any wrong prediction)
	$(PY) -m rasa test core --stories tests/stories --model $(MODEL) --fail-on-prediction-errors --out results/core

test-py: $(MODEL) ## Run pytest (actions, consistency, end-to-end over REST)
	$(PY) -m pytest tests

test: validate check-answers test-core test-py ## Everything: validation, answers check, test stories, pytest

# --- NLU evaluation (issue 4) ---
.PHONY: eval
eval: $(MODEL) ## Our NLU and the whole assistant on real questions, against Rasa's default and the model before issue 15 (results/eval.*)
	$(PY) -m eval.evaluate

.PHONY: eval-outcomes
eval-outcomes: $(MODEL) ## Only the whole-assistant outcomes of make eval: MODELS=ours,ours_two_choices,before_issue_15 (results/eval_outcomes.*)
	$(PY) -m eval.outcome_eval $(if $(MODELS),--models $(MODELS))

clean: ## Remove the trained model, the spaCy pipeline and the local conversation store
	rm -rf models .cache var results/core

sms-faq: $(MODEL) ## Send the clinic's four FAQ questions by SMS (signed); print the TwiML and sizes to results/sms_faq.md
	$(PY) -m bench.sms_faq

# --- Staff-editable answers (issue 5): check, preview, reload benchmark ---
.PHONY: check-answers check-safety review review-apply preview bench-answers

check-answers: $(VENV)/.installed ## Check answers/answers.yml (or ANSWERS_PATH): every problem with its line, or OK
	$(PY) -m tools.check_answers

check-safety: $(VENV)/.installed ## Check safety/emergency_patterns.yml (or PATTERNS_PATH): every problem with its line, or OK
	$(PY) -m tools.check_safety

review: $(VENV)/.installed ## Write review/pending.yml: the patients' messages the assistant could not answer, to label
	$(PY) -m tools.review $(if $(ENDPOINTS),--endpoints $(ENDPOINTS))

add-question: $(VENV)/.installed ## Add a brand new question from review/new_question.yml (FILE=...; a template the first time), then retrain
	@# exit 2: the template was written for the staff member to fill in; 1: problems, nothing changed
	@$(PY) -m tools.add_question $(FILE); status=$$?; \
	if [ $$status -eq 0 ]; then $(MAKE) train; elif [ $$status -ne 2 ]; then exit $$status; fi

review-apply: $(VENV)/.installed ## Check the edited review/pending.yml and add its messages to data/nlu/reviewed.yml
	$(PY) -m tools.review_apply

preview: $(VENV)/.installed ## Print every answer as the website shows it and as SMS sends it, with sizes
	$(PY) -m tools.preview_answers

bench-answers: $(MODEL) ## Time an answer edit going live (reload) vs the same change as a domain response (retrain + restart)
	$(PY) -m bench.answer_reload

# --- Patient safety (issue 3) ---------------------------------------------------------------
test-safety: $(MODEL) ## Safety net, safety set through the full stack, never-silent failures, log privacy
	$(PY) -m pytest tests/test_emergency_net.py tests/test_safety_consistency.py tests/test_safety_set.py \
	  tests/test_never_silent.py tests/test_failures_end_to_end.py tests/test_log_privacy.py

bench-safety: $(MODEL) ## Measure emergency recall, false alarms, replies with the action server down (results/safety.md)
	$(PY) -m bench.safety

bench-hostile: $(MODEL) ## The largest message of each channel: reply time, peak memory, another visitor's wait (results/hostile.md)
	$(PY) -m bench.hostile

forget: ## Delete one stored conversation: make forget SENDER=<sender id> [ENDPOINTS=endpoints.yml]
	@test -n "$(SENDER)" || { echo "usage: make forget SENDER=<sender id>"; exit 2; }
	$(PY) -m tools.forget_conversation "$(SENDER)" --endpoints "$(or $(ENDPOINTS),endpoints.yml)"

# --- Website chat widget (issue 7) ---------------------------------------------------------------
# rasa-webchat from npm (pinned by web/package-lock.json), served by runtime/web_server.py; no CDN.
WEBCHAT := web/node_modules/rasa-webchat/lib/index.js

$(WEBCHAT): web/package.json web/package-lock.json
	cd web && npm ci
	touch $@

.PHONY: web
web: $(WEBCHAT) ## Install the chat widget (rasa-webchat) from npm into web/node_modules

run test-py: $(WEBCHAT)

# --- Scale-out (issue 9): PostgreSQL tracker store, Redis lock store, two replicas behind nginx ---
.PHONY: test-scale test-faults bench-scale bench-faults screenshots

test-scale: $(MODEL) ## Scale-out test: installs/starts PostgreSQL, Redis, nginx; 2 replicas, 50 conversations, one replica stopped
	@# SIGINT after 15 minutes: pytest still runs the teardown that stops every server it started
	BLISS_SCALE_TEST=1 timeout --signal=INT 900 $(PY) -m pytest tests/scale -s -q -p no:cacheprovider

test-faults: $(MODEL) ## Fault injection: every server killed with SIGKILL in turn while visitors talk (REST, socket.io, SMS)
	@# ~10 minutes; SIGINT after 20: pytest still runs the teardown that stops every server it started
	BLISS_FAULTS_TEST=1 timeout --signal=INT 1200 $(PY) -m pytest tests/faults -s -q -p no:cacheprovider

bench-scale: ## The scale-out test, its numbers written to results/scale.json and results/lock_store.json
	BLISS_RESULTS_DIR=results $(MAKE) test-scale

bench-faults: ## The fault-injection run, its numbers per fault written to results/faults.md
	BLISS_RESULTS_DIR=results $(MAKE) test-faults

screenshots: $(MODEL) $(WEBCHAT) ## The browser tests, their screenshots written to results/widget-*.png
	BLISS_RESULTS_DIR=results $(PY) -m pytest tests/test_web_widget.py -q -p no:cacheprovider

# --- Benchmark (issue 8) -------------------------------------------------------------------
bench: $(MODEL) ## Benchmark the whole turn, ours vs Rasa's default pipeline (results/bench.json, .png; over 30 min on 2 cores: the default pipeline trains 26+ min)
	$(PY) -m bench.turns
.PHONY: profile
profile: $(MODEL) ## Where a turn's CPU goes: py-spy on the Rasa server at 1, 8 and 32 conversations, the 5th vs the 80th message (results/profile.md; ~3 min)
	$(PY) -m bench.profile_turn
bench-fidelity: $(VENV)/.installed ; $(PY) -m bench.fidelity ## The clinical-review check on 30 staff edits of our own: invented claims and rewordings flagged (results/fidelity.md)

# --- Staff reports (issue 18) ----------------------------------------------------------------
.PHONY: report
report: $(VENV)/.installed ## What patients asked and what went unanswered: results/report.html [SINCE=2026-12-01] [UNTIL=...]
	$(PY) -m tools.report $(if $(SINCE),--since $(SINCE)) $(if $(UNTIL),--until $(UNTIL))

.PHONY: bench-report
bench-review-loop: $(MODEL) ## The review loop twice on the simulated week: review, decisions, apply, retrain, the week again (results/review_loop.md; ~25 min)
	$(PY) -m bench.review_loop

bench-report: $(MODEL) ## A simulated week (N=500 conversations) checked against make report; its timing on 10,000 (results/report*)
	set -o pipefail; $(PY) -m bench.simulated_week --conversations $(or $(N),500) | tee results/report_check.txt
