# The README's commands. `make demo` serves the demo archive; `make test` runs the suite on SQLite and PostgreSQL.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# Touched after a successful install: pip runs again only when pyproject.toml is newer than this.
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint shared venv services services-stop clean

demo: $(STAMP)
	$(BIN)/readingroom demo

# A service that does not start stops CI (CI=true). Elsewhere the run goes on: test.sh fails the PostgreSQL
# run, and tests needing Typesense or Chromium skip, so a laptop without them still gets its SQLite run.
# `shared` comes first: without the shared corpora, one message before anything is installed or started.
test: shared $(STAMP)
	scripts/services.sh up || [ "$$CI" != true ]
	scripts/test.sh

# ruff check, ruff format --check and mypy (scripts/test.sh runs them too, before the tests).
lint: $(STAMP)
	scripts/lint.sh

# The corpora the tests read: ../shared beside the checkout, or READINGROOM_SHARED.
shared:
	@scripts/shared.sh >/dev/null

services: $(STAMP)
	scripts/services.sh up

services-stop:
	scripts/services.sh down

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
	  echo "Could not create $(VENV) with $(PYTHON). On Debian: apt-get install -y python3.11-venv"; \
	  rm -rf $(VENV); exit 1; }
	$(BIN)/python -m pip install --disable-pip-version-check -q -e '.[test]'
	@touch $@

clean:
	rm -rf $(VENV) .tmp
