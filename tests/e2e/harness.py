"""Shared pieces of the end-to-end harness (tests/e2e/conftest.py and the action image test)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker.errors

from tests.fakes.github_api import FakeGitHub

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "app"
BUSYBOX = "local/busybox:1"
REPO = "octo/app"
PR_NUMBER = 7
TOKEN = "ghs_e2eSECRETtoken0123456789abcdef"
FORK_TOKEN = "ghs_e2eFORKreadonly0123456789abcd"
OTHER_OWNER = 4242  # the runner's user owns the workspace; the action runs as root


@dataclass(frozen=True)
class Project:
    root: Path
    base_sha: str
    head_sha: str


@dataclass(frozen=True)
class ActionRun:
    code: int
    stdout: str
    stderr: str
    outputs: Mapping[str, str]
    summary: str
    home: Path

    @property
    def log(self) -> str:
        return self.stdout + self.stderr


def remove_images(client: Any, prefix: str) -> None:
    for image in client.images.list():
        for tag in image.tags:
            if tag.startswith(prefix + "/"):
                # In use by a container of another test, or already gone: leave it.
                with contextlib.suppress(docker.errors.APIError):
                    client.images.remove(tag, noprune=False)


def git(root: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "PATH": os.environ["PATH"], "HOME": str(root)}
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True,
                          env=env).stdout.strip()


def make_project(root: Path) -> Project:
    """Base commit: the fixture. Head commit: production grows by ~300 kB on line 16."""
    shutil.copytree(FIXTURE, root)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    base = git(root, "rev-parse", "HEAD")
    dockerfile = root / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace(
        'CMD ["sh", "/app"]', 'RUN dd if=/dev/zero of=/pad bs=1024 count=300\nCMD ["sh", "/app"]'))
    git(root, "commit", "-q", "-am", "head: a heavier production")
    head = git(root, "rev-parse", "HEAD")
    if os.geteuid() == 0:  # only root can hand the workspace to another user, as the runner does
        for path in [root, *root.rglob("*")]:
            os.lchown(path, OTHER_OWNER, OTHER_OWNER)
    return Project(root=root, base_sha=base, head_sha=head)


def pr_event(project: Project, *, fork: bool = False) -> dict[str, Any]:
    head_repo = "someone/app" if fork else REPO
    return {
        "action": "synchronize",
        "number": PR_NUMBER,
        "pull_request": {
            "number": PR_NUMBER,
            "base": {"sha": project.base_sha, "ref": "main", "repo": {"full_name": REPO}},
            "head": {"sha": project.head_sha, "ref": "feature", "repo": {"full_name": head_repo}},
        },
        "repository": {"full_name": REPO},
    }


def assert_no_token(run: ActionRun, project: Project, fake: FakeGitHub, *tokens: str) -> None:
    """The token appears in no log, output, summary, report or comment."""
    report = project.root / ".ci-optimizer" / "report.json"
    texts = {"log": run.log.replace(f"::add-mask::{tokens[0]}", ""), "outputs": json.dumps(dict(run.outputs)),
             "summary": run.summary, "report": report.read_text() if report.exists() else "",
             "comments": json.dumps([c.body for c in fake.comments(REPO, PR_NUMBER)])}
    for token in tokens:
        for where, text in texts.items():
            assert token not in text, f"the token leaked into the {where}"
