# Stride Lab. `make run` serves the app; `make test` runs the whole suite. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test bench lint clean cluster audit mutate

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	MALLOC_ARENA_MAX=2 $(PY) -m streamlit run app.py --server.port $(PORT)

test: lint
	$(PY) -m pytest

bench: $(VENV)/.dev
	$(PY) bench/run_all.py

# Plant deliberate one-line bugs in stride_core (in a temporary copy) and list those no test catches.
mutate: $(VENV)/.dev
	$(PY) bench/mutate.py

# N replicas on loopback behind Debian's nginx with sticky sessions (Ctrl-C stops them all).
cluster: $(VENV)/.runtime
	deploy/cluster.sh run $(or $(REPLICAS),2)

# Advisories PyPI lists for the pinned versions (contacts the package registry only).
audit:
	$(PYTHON) deploy/advisories.py

lint: $(VENV)/.dev
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .

clean:
	rm -rf $(VENV) test-results
