# The two commands of the README quickstart. Everything else is the `assistant` CLI.
.PHONY: run test test-quick lint index wordcounts eval

PY := .venv/bin/python

run:  ## set up, build or refresh the index, and serve the app on http://127.0.0.1:8501
	scripts/setup.sh run
	$(PY) -m assistant ingest
	$(PY) -m assistant app

test:  ## set up (test extras, Chromium, a local LLM), run the gate, then the whole test suite
	scripts/setup.sh test
	$(MAKE) lint
	$(PY) -m pytest

lint:  ## the gate: ruff (pyflakes, pycodestyle, isort, bugbear, pyupgrade) and mypy --strict
	$(PY) -m ruff check assistant tests evals/bench.py app.py
	$(PY) -m mypy

test-quick:  ## the suite without browser, LLM and slow tests (for a fast edit loop)
	$(PY) -m pytest -m "not browser and not llm and not slow"

index:
	$(PY) -m assistant ingest

wordcounts:  ## the corpus word counts per exam section (the README table)
	$(PY) -m assistant corpus

eval:
	$(PY) -m assistant eval evals/pmle.jsonl --compare --report evals/report.md
