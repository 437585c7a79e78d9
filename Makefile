# The two commands of the README:  `make run`  (clone -> running chat)  and  `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 7860

.PHONY: run install ingest serve lint test test-fast browser-deps bench eval clean

run: install ingest serve

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements-models.txt scripts/install.sh
	bash scripts/install.sh
	touch $@

ingest: install
	$(BIN)/newsrag-models
	$(BIN)/newsrag-ingest seeds --prune

serve: install
	$(BIN)/newsrag-serve --host $(HOST) --port $(PORT)

browser-deps:
	bash scripts/install-browser.sh

# Everything: fast tests, then the slow tier (real local model, browser, answer-quality evaluation).
test: install browser-deps lint
	$(BIN)/newsrag-models
	$(BIN)/python -m pytest -m "not slow"
	$(BIN)/python -m pytest -m "slow"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test-fast: install lint
	$(BIN)/python -m pytest -m "not slow and not browser"

bench: install
	PYTHONPATH=. $(BIN)/python scripts/bench_ingest.py
	PYTHONPATH=. $(BIN)/python scripts/bench_answer.py

eval: install
	$(BIN)/newsrag-eval

clean:
	rm -rf $(VENV) artifacts .pytest_cache
