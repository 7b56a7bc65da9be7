# Every target installs what it needs first; `make install` is safe to run twice.
PYTHON ?= python3.11
VENV := .venv
STUDIO_VENV := .venv-studio
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STUDIO_STAMP := $(STUDIO_VENV)/.installed

# install-browser: Debian's Chromium for tests/browser (Playwright drives it; nothing downloaded).
.PHONY: install install-project install-studio install-browser test test-fast bench lint demo repro train release clean

install: install-project install-studio install-browser

install-project: $(STAMP)
install-studio: $(STUDIO_STAMP)

# The project's environment: exact pins from requirements.lock, the project editable.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

# The browser tests drive Debian's Chromium (never `playwright install`). CI runs as root on a
# fresh machine: refresh the package lists first. Does nothing when Chromium is there.
install-browser:
	test -x /usr/bin/chromium || { apt-get update && apt-get install -y chromium; }

# Label Studio has pins that clash with ours (pyarrow<25 among them): its own environment.
$(STUDIO_STAMP): requirements-studio.lock
	test -x $(STUDIO_VENV)/bin/python || $(PYTHON) -m venv $(STUDIO_VENV)
	$(STUDIO_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(STUDIO_VENV)/bin/python -m pip install --quiet -r requirements-studio.lock
	touch $@

# CI runs `make test` (.ci/run): the lint below, then the whole suite.
test: install lint
	$(BIN)/python -m pytest -q

# The suite without the tests that start Label Studio or run the DVC flow (marker
# `integration`): no Label Studio environment needed, a few minutes less.
test-fast: install-project
	$(BIN)/python -m pytest -q -m "not integration"

bench: install
	$(BIN)/python -m benchmarks

lint: install-project
	$(BIN)/ruff check pipeline tests benchmarks demo
	$(BIN)/ruff format --check pipeline tests benchmarks demo
	$(BIN)/python -m mypy

demo: install
	$(BIN)/python demo/run_demo.py

# The learning loop (issue 13) in .loop/: simulated annotators submit Wikinews 2016 gold to a
# real Label Studio, then pull, cut, train, re-preannotate, re-push; prints the held-out gain.
.PHONY: loop
loop: install
	$(BIN)/python -m demo.learning_loop

# The DVC flow (normalize -> preannotate -> release candidate in data/), rebuilding what changed.
repro: install-project
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dvc repro

# Fine-tune the chain's NER on what params.yaml `train` names (outside the default repro).
train: install-project
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dvc repro training/dvc.yaml
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dvc metrics show

# Cut releases/vVERSION from the flow's inputs, verify it, track it with DVC and tag it in git.
release: repro
	@test -n "$(VERSION)" || { echo "usage: make release VERSION=X.Y.Z" >&2; exit 2; }
	$(BIN)/pipeline release cut $(VERSION) --preannotated data/preannotated.parquet \
		--annotations annotations/snapshot.parquet
	$(BIN)/pipeline release verify v$(VERSION)
	$(BIN)/dvc add releases/v$(VERSION)
	git add releases/v$(VERSION).dvc releases/.gitignore releases/CHANGELOG.md dvc.lock
	git commit -m "release v$(VERSION)"
	git tag v$(VERSION)

clean:
	rm -rf $(VENV) $(STUDIO_VENV) .pytest_cache .ruff_cache .mypy_cache
