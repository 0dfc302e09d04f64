# Two commands a new user needs:  make run  (install + start the chat UI)  ·  make test
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
TEST_STAMP := $(VENV)/.test-installed

LLM_STAMP := $(VENV)/.llm-installed
LLM_LOG   := $(VENV)/llm-install.log
# llama.cpp for any x86-64 CPU, without the parts the server does not need (the build takes ~7 min on 2 cores;
# pip keeps the built wheel in ~/.cache/pip, so later installs take seconds)
LLM_CMAKE := -DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF -DGGML_BLAS=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF

.PHONY: install llm run test test-fast eval fit bench browser clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch==2.13.0 is pinned in pyproject: pip takes the CPU wheel from its find-links
	$(BIN)/pip install --quiet -e .
	# the ONNX export of the bundled encoder (torch, ~10 s, once); without it the first query builds it
	$(BIN)/python -m assistant.embedding
	touch $(STAMP)

install: $(STAMP)

# the test tools (pytest, playwright, ranx, reportlab) stay out of the venv `make run` needs: ranx brings
# numba, which bm25s then imports on every question (~0.2 s of a cold `assistant ask`)
$(TEST_STAMP): pyproject.toml | $(STAMP)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(TEST_STAMP)

run: install  ## install, then open the chat UI on the default library (index/)
	$(BIN)/assistant ui $(ARGS)

# A failed build does not stop `make test`: the real-model tests then skip, quoting $(LLM_LOG).
$(LLM_STAMP): pyproject.toml | $(STAMP)
	@echo "building the real local model's server (llama-cpp-python[server], log: $(LLM_LOG)) ..."
	@CMAKE_ARGS="$(LLM_CMAKE)" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) $(BIN)/pip install -e '.[llm]' > $(LLM_LOG) 2>&1 \
		&& touch $(LLM_STAMP) \
		|| echo "WARNING: llama-cpp-python[server] did not build; the real-model tests will skip (see $(LLM_LOG))"

llm: $(LLM_STAMP)  ## the real local model for the LLM tests: llama.cpp server + Gemma 3 270M

browser:  ## Debian's Chromium for the browser tests (no browser download is possible here)
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

test: $(TEST_STAMP) browser llm  ## install, then run the whole test suite (real model, real Chroma, real browser)
	$(BIN)/python -m pytest -q

test-fast: $(TEST_STAMP)  ## unit tests only
	$(BIN)/python -m pytest -q -m "not slow"

QUESTIONS := evals/corpus.jsonl ../shared/evals/litqa-dev.jsonl evals/real.jsonl evals/paraphrases.jsonl
CORPORA   := --corpus ../shared/corpus-litqa --corpus ../shared/corpus

eval: install  ## score every question set per split (development / validation / paraphrased), write evals/reports/latest/
	$(BIN)/assistant eval $(QUESTIONS) $(CORPORA) --out evals/reports/latest --baselines

fit: install  ## refit the answer model on the development questions only (writes assistant/answer_model.json)
	$(BIN)/assistant fit $(QUESTIONS) $(CORPORA) --max-false-abstention 0.06

bench: install  ## timing ratios, written to benchmarks/results/
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/ask_latency.py

clean:
	rm -rf $(VENV) .pytest_cache
