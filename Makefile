# ci-optimizer developer commands. `make demo` and `make test` are the README's two commands.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install provision provision-all gallery-bases demo gallery test unit integration e2e lint bench clean help

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

# stand-ins for node:18, distroless nodejs, golang, python:3.11 and -slim, from Debian packages
gallery-bases: provision-all
	bash scripts/make-gallery-bases.sh

demo: install provision
	$(VENV)/bin/ci-optimizer run --file examples/app/Dockerfile --context examples/app \
	  --build-arg BASE_IMAGE=local/busybox:1 --json out/report.json --markdown out/report.md

# the three gallery examples, before and after, as one table (examples/README.md)
gallery: install gallery-bases
	$(PY) scripts/gallery.py

test: install provision-all gallery-bases lint
	$(PY) -m pytest tests

unit: install
	$(PY) -m pytest tests/unit

# the real engine and real git (test_action_image.py builds on local/debian:bookworm)
integration: install provision-all gallery-bases
	$(PY) -m pytest tests/integration

# entrypoint.py as a GitHub runner runs it, against a local server that answers like the GitHub API
e2e: install provision-all
	$(PY) -m pytest tests/e2e

lint: install
	$(VENV)/bin/ruff check ci_optimizer tests bench scripts entrypoint.py
	$(VENV)/bin/mypy

bench: install provision-all
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	$(PY) bench/bench_build.py
	$(PY) bench/bench_compare.py
	$(PY) bench/bench_analysis.py
	$(PY) bench/bench_shards.py

clean:
	rm -rf $(VENV) out build *.egg-info

help:
	@echo 'make install        .venv with the package in editable mode and the dev tools'
	@echo 'make provision      Docker engine, buildx and local/busybox:1 (scripts/provision.sh)'
	@echo 'make provision-all  the same, plus local/debian:bookworm (debootstrap, a few minutes)'
	@echo 'make demo           install, provision, and run ci-optimizer on examples/app'
	@echo 'make gallery        the gallery examples before and after, as a table (examples/README.md)'
	@echo 'make test           the whole suite: lint, types, unit, integration and end-to-end'
	@echo 'make unit           the fast pure tests (tests/unit)'
	@echo 'make integration    tests on the real engine and real git (tests/integration)'
	@echo 'make e2e            the action entrypoint against a local GitHub API (tests/e2e)'
	@echo 'make lint           ruff and mypy --strict'
	@echo 'make bench          the benchmarks in bench/, printed as tables'
	@echo 'make clean          remove .venv, out/, build/ and *.egg-info'
