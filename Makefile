# ci-optimizer developer commands. `make demo` and `make test` are the README's two commands.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install provision provision-all demo test unit integration e2e lint bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

provision:
	bash scripts/provision.sh

# the tests also build the action's own image, on a Debian base made with debootstrap
provision-all:
	bash scripts/provision.sh --debian

demo: install provision
	$(VENV)/bin/ci-optimizer run --file examples/app/Dockerfile --context examples/app \
	  --build-arg BASE_IMAGE=local/busybox:1 --json out/report.json --markdown out/report.md

test: install provision-all lint
	$(PY) -m pytest tests

unit: install
	$(PY) -m pytest tests/unit

lint: install
	$(VENV)/bin/ruff check ci_optimizer tests bench entrypoint.py
	$(VENV)/bin/mypy

bench: install provision-all
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	$(PY) bench/bench_build.py
	$(PY) bench/bench_compare.py
	$(PY) bench/bench_analysis.py

clean:
	rm -rf $(VENV) out build *.egg-info
