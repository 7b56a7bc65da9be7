# Every target installs what it needs first; `make install` is safe to run twice.
PYTHON ?= python3.11
VENV := .venv
STUDIO_VENV := .venv-studio
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STUDIO_STAMP := $(STUDIO_VENV)/.installed

.PHONY: install install-project install-studio test bench lint demo clean

install: install-project install-studio

install-project: $(STAMP)
install-studio: $(STUDIO_STAMP)

# The project's environment: exact pins from requirements.lock, the project editable.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

# Label Studio has pins that clash with ours (pyarrow<25 among them): its own environment.
$(STUDIO_STAMP): requirements-studio.lock
	test -x $(STUDIO_VENV)/bin/python || $(PYTHON) -m venv $(STUDIO_VENV)
	$(STUDIO_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(STUDIO_VENV)/bin/python -m pip install --quiet -r requirements-studio.lock
	touch $@

test: install
	$(BIN)/ruff check pipeline tests benchmarks demo
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python -m benchmarks

lint: install-project
	$(BIN)/ruff check pipeline tests benchmarks demo
	$(BIN)/ruff format --check pipeline tests benchmarks

demo: install
	$(BIN)/python demo/run_demo.py

clean:
	rm -rf $(VENV) $(STUDIO_VENV) .pytest_cache .ruff_cache
