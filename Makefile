# Two commands for a fresh Debian/Ubuntu machine:
#   make run   set up, then open the editor on the embedded (SQLite) database
#   make test  set up, then lint, check layers and migrations, run the whole test suite
#   make install-desktop  add veyedesk to this user's application menu
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup system lint check-migrations pytest clean install-desktop

run: setup
	@if [ -z "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]; then \
	  echo "make run opens a window: run it in a desktop session (DISPLAY or WAYLAND_DISPLAY unset)"; exit 1; fi
	$(BIN)/veyedesk

test: setup lint check-migrations pytest

setup: system $(STAMP)

system:
	@bash .ci/system-packages.sh

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "veyedesk needs Python 3.11 or newer (PYTHON=python3.11 make ...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(STAMP)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

check-migrations: setup
	$(BIN)/veyedesk db check

# pytest-xvfb starts a virtual X server for the GUI tests; PostgreSQL tests start their own server.
pytest: setup
	$(BIN)/python -m pytest

# The application menu entry, icon and AppStream metadata for this user (freedesktop specs):
# into $XDG_DATA_HOME (default ~/.local/share); Exec names this checkout's .venv/bin/veyedesk.
install-desktop: setup
	$(BIN)/veyedesk desktop install

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
