from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from ci_optimizer.cli.main import main
from ci_optimizer.config import config_schema

DOCKERFILE = """\
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE} AS builder
RUN make
FROM builder AS tester
RUN make test
FROM ${BASE_IMAGE} AS runtime
COPY --from=builder /out /app
"""


def call(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_schema_prints_the_config_json_schema() -> None:
    code, out, err = call("schema")
    assert (code, err) == (0, "")
    assert json.loads(out) == config_schema()


def test_validate_config_reads_the_dockerfiles_and_warns_about_unknown_budget_targets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / ".ci-optimizer.yml").write_text(
        "dockerfiles:\n  - file: api/Dockerfile\n    production: runtime\n  - file: web/Dockerfile\n"
        "budgets:\n  runtime: {max_size: 10MB}\n  web/Dockerfile:runtime: {max_size: 5MB}\n"
        "  production: {max_size: 1MB}\n"
    )
    monkeypatch.chdir(tmp_path)
    code, out, err = call("validate-config")
    assert code == 0
    assert out == ".ci-optimizer.yml: valid: 2 Dockerfiles, 3 budgets\n"
    assert err == (
        "ci-optimizer: warning: .ci-optimizer.yml: budgets.production: no target named 'production' (targets: "
        "api/Dockerfile:builder, api/Dockerfile:tester, api/Dockerfile:runtime, web/Dockerfile:builder, "
        "web/Dockerfile:tester, web/Dockerfile:runtime)\n"
    )


def test_validate_config_names_a_stage_that_does_not_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    config = tmp_path / "ci.yml"
    config.write_text("dockerfiles:\n  - file: Dockerfile\n    targets: [builder, prod]\n")
    monkeypatch.chdir(tmp_path)
    assert call("validate-config", "ci.yml") == (
        2, "", "ci-optimizer: error: ci.yml: dockerfiles[0].targets[1]: no stage named 'prod' in Dockerfile "
               "(stages: builder, tester, runtime)\n")


def test_validate_config_without_a_file_is_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert call("validate-config") == (
        2, "", "ci-optimizer: error: no .ci-optimizer.yml (or .yaml) in this directory; "
               "pass the config file's path\n")
    assert call("validate-config", "missing.yml") == (
        2, "", "ci-optimizer: error: missing.yml: config file not found\n")
