"""The PR review, end to end: entrypoint.py run as a runner runs it on a PR whose Dockerfile lines
leave package caches in production, against the fake GitHub API with GitHub's review rules (a
comment off the diff is a 422). The fix is the suggestion applied as GitHub's "Commit suggestion"
button would, and the re-run converges."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import FIXTURE, OTHER_OWNER, PR_NUMBER, REPO, TOKEN, Project, git, pr_event
from tests.fakes.github_api import FakeGitHub

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

# Lines 16 and 17 of the PR's Dockerfile; busybox has no apt or npm, so the caches are written by hand.
APT = "RUN mkdir -p /var/lib/apt/lists && head -c 200000 /dev/urandom > /var/lib/apt/lists/x_Packages"
NPM = "RUN mkdir -p /root/.npm/_cacache && head -c 100000 /dev/urandom > /root/.npm/_cacache/blob"
APT_FIXED = f"{APT} && rm -rf /var/lib/apt/lists/*"
NPM_FIXED = f"{NPM} && npm cache clean --force"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """main: the fixture; the PR branch adds the two cache-leaving lines to production."""
    root = tmp_path_factory.mktemp("review") / "workspace"
    shutil.copytree(FIXTURE, root)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    base = git(root, "rev-parse", "HEAD")
    _edit(root, 'CMD ["sh", "/app"]', f'{APT}\n{NPM}\nCMD ["sh", "/app"]', "two caches in production")
    return Project(root=root, base_sha=base, head_sha=_git(root, "rev-parse", "HEAD"))


@pytest.fixture(scope="module")
def fake(project: Project) -> Iterator[FakeGitHub]:
    server = FakeGitHub()
    server.add_token(TOKEN, "github-actions[bot]")
    _open_pull(server, project)
    with server.running():
        yield server


def _edit(root: Path, old: str, new: str, message: str) -> None:
    """A commit on the checked-out branch, in a workspace the runner's user owns (as the harness's)."""
    dockerfile = root / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace(old, new))
    _git(root, "commit", "-q", "-am", message)
    if os.geteuid() == 0:
        for path in [root, *root.rglob("*")]:
            os.lchown(path, OTHER_OWNER, OTHER_OWNER)


def _git(root: Path, *args: str) -> str:
    """git in the workspace once it belongs to the runner's user (the harness's chown)."""
    return git(root, "-c", "safe.directory=*", *args)


def _open_pull(fake: FakeGitHub, project: Project) -> None:
    """The PR at its head: what `GET /pulls/N` and `GET /pulls/N/files` answer (the patch as GitHub
    shows it: the unified diff from its first hunk)."""
    diff = _git(project.root, "diff", project.base_sha, project.head_sha, "--", "Dockerfile")
    fake.add_pull(REPO, PR_NUMBER, head_sha=project.head_sha, base_sha=project.base_sha)
    with fake.lock:
        fake.reviews.files[(REPO, PR_NUMBER)] = [("Dockerfile", diff[diff.index("@@"):] + "\n")]


def test_the_review_suggests_the_fix_on_the_changed_lines_and_converges_once_applied(
    project: Project, fake: FakeGitHub, run_action: Any
) -> None:
    first = run_action(event=pr_event(project))
    assert first.code == 0, first.log
    assert "::warning title=ci-optimizer::the review" not in first.stdout
    assert len(fake.reviews.reviews) == 1
    assert fake.reviews.reviews[0]["commit_id"] == project.head_sha
    comments = fake.review_comments(REPO, PR_NUMBER)
    assert [(c.path, c.start_line, c.line, c.commit) for c in comments] == [
        ("Dockerfile", None, 16, project.head_sha), ("Dockerfile", None, 17, project.head_sha)]
    apt, npm = comments
    assert apt.body.startswith('<!-- ci-optimizer:review key="Dockerfile" at="Dockerfile:16" -->\n')
    assert "apt lists: 200 kB in 1 files written by line 16" in apt.body
    assert apt.body.endswith(f"\n```suggestion\n{APT_FIXED}\n```")
    assert npm.body.endswith(f"\n```suggestion\n{NPM_FIXED}\n```")
    (sticky,) = fake.comments(REPO, PR_NUMBER)
    assert "### Why it grew" in sticky.body

    # The author commits the suggestion on line 16; the runner checks out the new head.
    _edit(project.root, APT, APT_FIXED, "apply the suggestion")
    fixed = replace(project, head_sha=_git(project.root, "rev-parse", "HEAD"))
    _open_pull(fake, fixed)
    second = run_action(event=pr_event(fixed))
    assert second.code == 0, second.log
    assert len(fake.reviews.reviews) == 1  # nothing new to review
    assert [(c.id, c.line, c.body) for c in fake.review_comments(REPO, PR_NUMBER)] == [(npm.id, 17, npm.body)]
    assert [r.path for r in fake.requests("DELETE")] == [f"/repos/{REPO}/pulls/comments/{apt.id}"]
    assert not fake.requests("PATCH", r"/pulls/comments/")
    assert not [r for r in fake.requests() if r.status == 422]
