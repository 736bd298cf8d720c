"""Fixtures for the pipeline on the real engine (the engine itself: tests/conftest.py)."""

from __future__ import annotations

import contextlib
import io
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
