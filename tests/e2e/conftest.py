"""Run the action the way a GitHub runner does, against a local GitHub API and the real engine.

A runner starts the action with INPUT_* variables (hyphens kept), an event payload file, empty
GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files it reads back afterwards, and the workspace as the
working directory, owned by another user than the one the container runs as. The harness does
the same with `python entrypoint.py` in a subprocess, over a real git repository with a base and
a head commit. A missing engine or base image fails these tests: it never skips them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from ci_optimizer.github.runner import parse_output_file
from tests.e2e.harness import (
    BUSYBOX,
    FORK_TOKEN,
    REPO,
    ROOT,
    TOKEN,
    ActionRun,
    Project,
    make_project,
    pr_event,
    remove_images,
)
from tests.fakes.github_api import FakeGitHub


@pytest.fixture(scope="session")
def tag_prefix(docker_client: Any, busybox: str) -> Iterator[str]:
    """Every image these tests make is tagged under this prefix, and removed at the end."""
    prefix = f"cio-test-e2e-{uuid.uuid4().hex[:8]}"
    yield prefix
    remove_images(docker_client, prefix)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return make_project(tmp_path_factory.mktemp("e2e") / "workspace")


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeGitHub]:
    server = FakeGitHub()
    server.add_token(TOKEN, "github-actions[bot]")
    server.add_token(FORK_TOKEN, "github-actions[bot]", can_write=False)
    with server.running():
        yield server


@pytest.fixture
def run_action(project: Project, fake: FakeGitHub, tag_prefix: str, tmp_path: Path) -> Any:
    """Run entrypoint.py once, as a runner would; returns what the runner would read back."""
    counter = iter(range(1000))

    def call(inputs: Mapping[str, str] | None = None, *, event: Mapping[str, Any] | None = None,
             event_name: str = "pull_request", token: str = TOKEN, argv: tuple[str, ...] = (),
             extra_env: Mapping[str, str] | None = None) -> ActionRun:
        step = tmp_path / f"step{next(counter)}"
        home = step / "home"  # /github/home: git's --global config lands here, not in the developer's
        home.mkdir(parents=True)
        event_path = step / "event.json"
        event_path.write_text(json.dumps(event if event is not None else pr_event(project)))
        output, summary = step / "output", step / "summary.md"
        output.touch()
        summary.touch()
        env = {
            "PATH": os.environ["PATH"], "HOME": str(home), "CI": "true", "GITHUB_ACTIONS": "true",
            "GITHUB_REPOSITORY": REPO, "GITHUB_API_URL": fake.url, "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_WORKSPACE": str(project.root), "GITHUB_EVENT_NAME": event_name,
            "GITHUB_EVENT_PATH": str(event_path), "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_RUN_ID": "1234", "GITHUB_SHA": "f" * 40,
            "CI_OPTIMIZER_TAG_PREFIX": tag_prefix,
            "INPUT_GITHUB-TOKEN": token,
            "INPUT_BUILD-ARGS": f"BASE_IMAGE={BUSYBOX}",
            **{k: v for k, v in os.environ.items() if k.startswith("DOCKER_") or k == "PYTHONPATH"},
            **(extra_env or {}),
        }
        for name, value in (inputs or {}).items():
            env[f"INPUT_{name.upper()}"] = value
        command = [sys.executable, str(ROOT / "entrypoint.py")] if not argv else [sys.executable, "-m",
                                                                                  "ci_optimizer", *argv]
        done = subprocess.run(command, cwd=project.root, env=env, capture_output=True, text=True, timeout=600,
                              check=False)
        return ActionRun(code=done.returncode, stdout=done.stdout, stderr=done.stderr,
                         outputs=parse_output_file(output.read_text()), summary=summary.read_text(), home=home)

    return call


