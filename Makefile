# Museion: `make run` serves the platform on sample data; `make test` runs the whole suite.
# Both create .venv and install everything they need on a fresh machine.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8000
HOST   ?= 127.0.0.1

.PHONY: run test install browser bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the project's dependencies change.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[recommend,privacy,insight,risk,heritage,scale,dev]'
	touch $(STAMP)

install: $(STAMP)

# The database and artifacts live in the same default home as the `museion` command's
# ($$XDG_DATA_HOME/museion, ~/.local/share/museion; MUSEION_HOME to choose another).
run: install
	$(BIN)/museion demo --host $(HOST) --port $(PORT)

# Browser tests drive Debian's Chromium (never a downloaded browser); without it they skip with a reason.
# A CJK font lets the Simplified Chinese screenshots show characters rather than boxes.
browser:
	@{ command -v chromium >/dev/null 2>&1 && dpkg -s fonts-wqy-microhei >/dev/null 2>&1; } \
	  || { apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; } \
	  || echo "chromium could not be installed: browser tests will be skipped"

# The layer contracts (pyproject.toml, [tool.importlinter]) first: an import across a layer fails the build.
test: install browser
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 -q

bench: install
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache
