"""Real git repositories for the tests: a fixed identity, no signing, `main` as the first branch."""

from __future__ import annotations

import subprocess
from pathlib import Path

IDENTITY = ("-c", "user.name=ci-optimizer tests", "-c", "user.email=tests@ci-optimizer.invalid",
            "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false")


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", *IDENTITY, "-C", str(repo), *args], capture_output=True, text=True, check=True)
    return result.stdout.strip()


def commit(repo: Path, files: dict[str, str | None], message: str) -> str:
    """Write (or, for None, delete) files and commit them; returns the new commit."""
    for name, text in files.items():
        path = repo / name
        if text is None:
            git(repo, "rm", "--quiet", name)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        git(repo, "add", name)
    git(repo, "commit", "--quiet", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def new_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "--quiet")
    return path


def pull_request(path: Path, base: dict[str, str | None], head: dict[str, str | None]) -> tuple[Path, str]:
    """`main` with the `base` files, and the branch `feature` checked out with `head` on top."""
    repo = new_repo(path)
    base_commit = commit(repo, base, "the base")
    git(repo, "checkout", "--quiet", "-b", "feature")
    commit(repo, head, "the pull request")
    return repo, base_commit
