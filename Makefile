# Clientdesk: `make demo` serves the desk with demo data; `make test` runs every test.
# Both set everything up first (virtualenv, locked packages), so a fresh clone needs nothing else.

PYTHON_BIN := $(shell scripts/find-python)
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never

.PHONY: install demo test test-fast lint format bench clean

$(BIN)/uv:
	@test -n "$(PYTHON_BIN)" || (echo "Python 3.12+ is required" && exit 1)
	$(PYTHON_BIN) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Compiled once here, so no process (each test worker, each `clientdesk` a test starts) compiles the
# packages again: Python writes no bytecode of its own where PYTHONDONTWRITEBYTECODE is set.
$(VENV)/.installed: pyproject.toml uv.lock | $(BIN)/uv
	$(BIN)/uv sync --frozen --inexact --compile-bytecode --python $(BIN)/python
	@touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/clientdesk migrate --no-input -v 1
	CLIENTDESK_STATIC_MANIFEST=1 $(BIN)/clientdesk collectstatic --no-input -v 0
	$(BIN)/clientdesk demo
	@echo "Serving the desk on http://127.0.0.1:$${PORT:-8000}/ with its worker and a mail sink keeping email in $${CLIENTDESK_VAR_DIR:-var}/mail/ (Ctrl+C stops all three)"
	CLIENTDESK_HTTPS=0 BIN=$(BIN) scripts/run-demo

# The product's suite on every core (one pytest-xdist worker each, each with its own test database and
# var dir), then the benchmarks' under their own settings (the root is on pytest's `pythonpath`).
test: install
	$(BIN)/python -m pytest --numprocesses=auto --dist=worksteal
	$(BIN)/python -m pytest bench -p no:cacheprovider --ds=bench.settings

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Benchmarks run on DATABASE_URL, or on their own SQLite file (never the demo's), with their own settings:
# bench/ sits beside the installed package, so the project root goes on the Python path.
bench: install
	export CLIENTDESK_HTTPS=0 DATABASE_URL=$${DATABASE_URL:-sqlite:///$(CURDIR)/var/bench.sqlite3} \
	  DJANGO_SETTINGS_MODULE=bench.settings PYTHONPATH=$(CURDIR)$${PYTHONPATH:+:$$PYTHONPATH}; \
	$(BIN)/clientdesk migrate --no-input -v 0 && \
	$(BIN)/clientdesk bench seed --clients $${CLIENTS:-10000} && \
	$(BIN)/clientdesk bench search --json var/bench-search.json

clean:
	rm -rf $(VENV) var/static
