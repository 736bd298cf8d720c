from __future__ import annotations

import pytest

from ci_optimizer.judge.checks.devdeps import check_no_dev_dependencies
from tests.unit.checks_support import failed, make_inputs, passed

OK = ["no dev dependency install reaches production"]


@pytest.mark.parametrize(("run", "fix"), [
    ("npm ci", "use `npm ci --omit=dev`"),
    ("npm install", "use `npm install --omit=dev`"),
    ("yarn install --frozen-lockfile", "use `yarn install --production`"),
    ("yarn", "use `yarn install --production`"),
    ("pnpm install --frozen-lockfile", "use `pnpm install --prod`"),
    ("poetry install --no-root", "use `poetry install --only main`"),
    ("poetry install --with dev", "use `poetry install --only main`"),
    ("pipenv install --deploy --dev", "drop `--dev` from `pipenv install`"),
    ("uv sync --frozen", "use `uv sync --no-dev`"),
    ("pdm install", "use `pdm install --prod`"),
    ("composer install", "use `composer install --no-dev`"),
    ("bundle install", "set `BUNDLE_WITHOUT=development:test` before `bundle install`"),
    ("pip install -r requirements-dev.txt", "install the runtime requirements only, not requirements-dev.txt"),
    ("pip install -rrequirements/test.txt", "install the runtime requirements only, not requirements/test.txt"),
    ("python -m pip install --requirement=dev-requirements.txt",
     "install the runtime requirements only, not dev-requirements.txt"),
    ("pip install -e '.[dev,docs]'", "drop the dev extras from `.[dev,docs]`"),
    ("uv pip install -r requirements_lint.txt", "install the runtime requirements only, not requirements_lint.txt"),
])
def test_dev_installs_in_production(run: str, fix: str) -> None:
    findings = check_no_dev_dependencies(make_inputs(f"FROM a\nWORKDIR /app\nRUN {run}\n"))
    assert failed(findings) == [(3, f"`{run.replace(chr(39), '')}` at line 3 installs dev dependencies into "
                                    f"production; {fix}")]


@pytest.mark.parametrize("run", [
    "npm ci --omit=dev", "npm ci --omit dev", "npm install --production", "npm ci --only=production",
    "NODE_ENV=production npm ci", "npm install -g pm2", "yarn install --production", "pnpm install --prod",
    "poetry install --only main", "poetry install --only=main", "poetry install --without dev",
    "poetry install --no-dev",
    "pipenv install --deploy", "uv sync --no-dev", "pdm install --prod", "composer install --no-dev",
    "bundle install --without development test", "pip install -r requirements.txt", "pip install '.[server]'",
    "npm ci && npm run build && npm prune --omit=dev",
])
def test_production_installs_pass(run: str) -> None:
    assert passed(check_no_dev_dependencies(make_inputs(f"FROM a\nRUN {run}\n"))) == OK


def test_environment_set_earlier_in_the_chain_counts() -> None:
    text = "FROM node:20 AS base\nENV NODE_ENV=production\nFROM base\nRUN npm ci\n"
    assert passed(check_no_dev_dependencies(make_inputs(text))) == OK
    ruby = "FROM ruby:3.3\nRUN bundle config set --local without 'development test'\nRUN bundle install\n"
    assert passed(check_no_dev_dependencies(make_inputs(ruby))) == OK


def test_copying_unpruned_node_modules_from_the_builder() -> None:
    text = (
        "FROM node:20 AS builder\nWORKDIR /src\nRUN npm ci\nRUN npm run build\n"
        "FROM node:20-slim AS production\nCOPY --from=builder /src/dist /app/dist\n"
        "COPY --from=builder /src/node_modules /app/node_modules\n"
    )
    assert failed(check_no_dev_dependencies(make_inputs(text))) == [(7, (
        "line 7 copies /src/node_modules from stage 'builder', which installed dev dependencies at line 3 (`npm ci`); "
        "prune them there first (`npm ci --omit=dev`) or install production dependencies in their own stage"))]


def test_copying_the_whole_workdir_or_a_virtualenv() -> None:
    text = (
        "FROM python:3.12 AS builder\nRUN python -m venv /opt/venv\nRUN /opt/venv/bin/pip install -r req-dev.txt\n"
        "FROM node:20 AS web\nWORKDIR /web\nRUN yarn\n"
        "FROM python:3.12-slim\nCOPY --from=builder /opt/venv /opt/venv\nCOPY --from=web /web /srv/web\n"
    )
    assert failed(check_no_dev_dependencies(make_inputs(text))) == [
        (8, "line 8 copies /opt/venv from stage 'builder', which installed dev dependencies at line 3 "
            "(`/opt/venv/bin/pip install -r req-dev.txt`); prune them there first (install the runtime requirements "
            "only, not req-dev.txt) or install production dependencies in their own stage"),
        (9, "line 9 copies /web from stage 'web', which installed dev dependencies at line 6 (`yarn`); prune them "
            "there first (`yarn install --production`) or install production dependencies in their own stage"),
    ]


def test_pruned_or_artifact_only_copies_pass() -> None:
    text = (
        "FROM node:20 AS builder\nWORKDIR /src\nRUN npm ci && npm run build\nRUN npm prune --production\n"
        "FROM node:20 AS assets\nWORKDIR /a\nRUN npm ci && npx vite build\n"
        "FROM node:20-slim\nCOPY --from=builder /src/node_modules /app/node_modules\nCOPY --from=assets /a/dist /dist\n"
    )
    assert passed(check_no_dev_dependencies(make_inputs(text))) == OK
