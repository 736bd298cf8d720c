"""The action's own image, built from this repository's Dockerfile and run the way the runner runs it.

No registry is reachable here, so the image's ARG-selected bases are local stand-ins made by
scripts/make-action-bases.sh (which needs `scripts/provision.sh --debian`). The tester stage runs
the unit tests inside the image; the production image then runs as the runner runs a Docker
action: root, workspace at /github/workspace owned by another user, the host's Docker socket,
INPUT_* variables and the GITHUB_* files, against the local GitHub API.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ci_optimizer.github.runner import parse_output_file
from tests.e2e.harness import BUSYBOX, REPO, ROOT, TOKEN, make_project, pr_event, remove_images
from tests.fakes.github_api import FakeGitHub

pytestmark = pytest.mark.integration

STAND_INS = {
    "PYTHON_IMAGE": "local/python:3-bookworm",
    "DOCKER_IMAGE": "local/docker-cli:host",
    "BUILDX_IMAGE": "local/buildx-bin:host",
}
SOCKET = "/var/run/docker.sock"


def _run(argv: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=False, **kw)


def _ca_secret() -> list[str]:
    """A TLS-intercepting proxy's CA, when this machine has one, for pip inside the build."""
    for name in ("PIP_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
        path = os.environ.get(name)
        if path and Path(path).is_file():
            return ["--secret", f"id=pip-ca,src={path}"]
    return []


@pytest.fixture(scope="module")
def action_image(docker_client: Any) -> Iterator[str]:
    made = _run(["bash", str(ROOT / "scripts" / "make-action-bases.sh")])
    if made.returncode != 0:
        pytest.fail(f"scripts/make-action-bases.sh failed: {made.stderr.strip().splitlines()[-1:]}")
    prefix = f"cio-test-action-{uuid.uuid4().hex[:8]}"
    args = [part for name, image in STAND_INS.items() for part in ("--build-arg", f"{name}={image}")]
    env = {**os.environ, "DOCKER_BUILDKIT": "1"}
    try:
        for target in ("tester", "production"):  # the tester stage runs the unit tests in the image
            built = _run(["docker", "build", "--target", target, "-t", f"{prefix}/action:{target}", *args,
                          *_ca_secret(), str(ROOT)], env=env, timeout=600)
            assert built.returncode == 0, f"building {target}:\n{built.stderr[-3000:]}"
        yield f"{prefix}/action:production"
    finally:
        remove_images(docker_client, prefix)


def test_tester_stage_ran_the_unit_tests_and_production_has_its_tools(action_image: str) -> None:
    tools = _run(["docker", "run", "--rm", "--entrypoint", "sh", action_image, "-c",
                  "ci-optimizer --version && docker buildx version && git --version && id -u"])
    assert tools.returncode == 0, tools.stderr
    lines = tools.stdout.splitlines()
    assert lines[0] == "ci-optimizer 0.1.0"
    assert lines[-1] == "0"  # GitHub requires Docker actions to run as root
    # The image holds the checked-out package, not a release: its files match this tree.
    inside = _run(["docker", "run", "--rm", "--entrypoint", "sh", action_image, "-c",
                   "cat /opt/ci-optimizer/lib/python3*/site-packages/ci_optimizer/github/action.py"])
    assert inside.stdout == (ROOT / "ci_optimizer" / "github" / "action.py").read_text()


def test_the_action_container_runs_as_the_runner_runs_it(action_image: str, tmp_path: Path,
                                                         docker_client: Any) -> None:
    project = make_project(tmp_path / "workspace")  # owned by another uid, as /github/workspace is
    files, home = tmp_path / "file_commands", tmp_path / "home"
    files.mkdir()
    home.mkdir()
    (files / "output").touch()
    (files / "summary.md").touch()
    (files / "event.json").write_text(json.dumps(pr_event(project)))
    prefix = f"cio-test-action-run-{uuid.uuid4().hex[:8]}"
    fake = FakeGitHub()
    fake.add_token(TOKEN, "github-actions[bot]")
    try:
        with fake.running():
            env = {
                "INPUT_GITHUB-TOKEN": TOKEN, "INPUT_BUILD-ARGS": f"BASE_IMAGE={BUSYBOX}", "INPUT_COMMENT": "always",
                "GITHUB_REPOSITORY": REPO, "GITHUB_API_URL": fake.url, "GITHUB_WORKSPACE": "/github/workspace",
                "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": "/github/file_commands/event.json",
                "GITHUB_OUTPUT": "/github/file_commands/output",
                "GITHUB_STEP_SUMMARY": "/github/file_commands/summary.md", "HOME": "/github/home",
                "CI_OPTIMIZER_TAG_PREFIX": prefix,
            }
            argv = ["docker", "run", "--rm", "--network", "host", "--workdir", "/github/workspace",
                    "-v", f"{SOCKET}:{SOCKET}", "-v", f"{project.root}:/github/workspace",
                    "-v", f"{files}:/github/file_commands", "-v", f"{home}:/github/home"]
            for key, value in env.items():
                argv += ["-e", f"{key}={value}"]
            done = _run([*argv, action_image], timeout=600)
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
            outputs = parse_output_file((files / "output").read_text())
            assert outputs["passed"] == "true"
            assert outputs["report"] == ".ci-optimizer/report.json"
            (comment,) = fake.comments(REPO, 7)
            assert outputs["comment-url"].endswith(f"#issuecomment-{comment.id}")
            assert "| `production` | production |" in comment.body
            assert "▲ +30" in comment.body  # git worked in the foreign-owned workspace: base was built
            assert "| `production` | production |" in (files / "summary.md").read_text()
            assert TOKEN not in done.stdout.replace(f"::add-mask::{TOKEN}", "") + done.stderr
    finally:
        remove_images(docker_client, prefix)
