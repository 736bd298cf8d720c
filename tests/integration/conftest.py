"""Fixtures for the pipeline on the real engine (the engine itself: tests/conftest.py)."""

from __future__ import annotations

import contextlib
import io
import os
import uuid
from collections.abc import Iterator, Sequence
from contextlib import redirect_stderr
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import docker.errors
import pytest

from ci_optimizer.cli.main import main
from ci_optimizer.judge.checks import CheckSettings
from ci_optimizer.model.results import TargetResult
from ci_optimizer.pipeline.examine import ExamineOptions, examine
from ci_optimizer.pipeline.head import build_and_measure
from ci_optimizer.plan.prepare import RunOptions
from ci_optimizer.wiring import engine_adapters


@pytest.fixture(scope="session")
def tag_prefix(docker_client: Any) -> Iterator[str]:
    """A repository prefix unique to this test session; its images are removed afterwards."""
    prefix = f"cio-test-{uuid.uuid4().hex[:8]}"
    yield prefix
    for image in docker_client.images.list():
        if any(tag.startswith(prefix + "/") for tag in image.tags):
            for tag in image.tags:
                # still used by another test's container, or already gone: leave it
                with contextlib.suppress(docker.errors.APIError):
                    docker_client.images.remove(tag, noprune=False)


@dataclass(frozen=True)
class CliRun:
    code: int
    stdout: str
    stderr: str


@pytest.fixture
def run_cli(tag_prefix: str, busybox: str) -> Any:
    """Run `ci-optimizer run ...` in-process, with this session's tag prefix and the local base image."""

    def call(*args: str, base_arg: str | None = "BASE_IMAGE") -> CliRun:
        argv: list[str] = ["run", "--tag-prefix", tag_prefix, *args]
        if base_arg:
            argv += ["--build-arg", f"{base_arg}={busybox}"]
        out, err = io.StringIO(), io.StringIO()
        with redirect_stderr(err):
            code = main(argv, stdout=out, stderr=err)
        return CliRun(code=code, stdout=out.getvalue(), stderr=err.getvalue())

    return call


def write_project(root: Path, dockerfile: str, files: dict[str, str] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    for name, text in (files or {}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def image_history_sizes(client: Any, image_id: str) -> Sequence[int]:
    return [int(h["Size"]) for h in client.api.history(image_id)]


def examined_target(project: Path, *, tag_prefix: str, client: Any) -> TargetResult:
    """The project's only target built, measured and examined (layer analysis, growth, checks)."""
    engine = engine_adapters(dict(os.environ))
    options = RunOptions(dockerfile=project / "Dockerfile", context=project, tag_prefix=tag_prefix, run_tester=False)
    report, planned = build_and_measure(options, builder=engine.builder, images=engine.images, log=lambda _line: None)
    assert report.targets[0].status == "built", (report.targets[0].error, report.targets[0].log_tail)
    examined = examine(report, [(options, planned)], client=client, options=ExamineOptions(hadolint=False),
                       settings=CheckSettings(), log=lambda _line: None)
    return examined.targets[0]
