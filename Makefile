# Two commands a new user needs:  make run  (install + start the chat UI)  ·  make test
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: install run test test-fast eval bench browser clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch==2.13.0 is pinned in pyproject: pip takes the CPU wheel from its find-links
	$(BIN)/pip install --quiet -e '.[test]'
	# the ONNX export of the bundled encoder (torch, ~10 s, once); without it the first query builds it
	$(BIN)/python -m assistant.embedding
	touch $(STAMP)

install: $(STAMP)

run: install  ## install, then open the chat UI on the default library (index/)
	$(BIN)/assistant ui $(ARGS)

browser:  ## Debian's Chromium for the browser tests (no browser download is possible here)
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

test: install browser  ## install, then run the whole test suite (real model, real Chroma, real browser)
	$(BIN)/python -m pytest -q

test-fast: install  ## unit tests only
	$(BIN)/python -m pytest -q -m "not slow"

eval: install  ## score the project's own question set, write evals/reports/latest/
	$(BIN)/assistant eval evals/corpus.jsonl --corpus ../shared/corpus --out evals/reports/latest --baselines

bench: install  ## timing ratios, written to benchmarks/results/
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/ask_latency.py

clean:
	rm -rf $(VENV) .pytest_cache
