"""The git adapter: resolve the base ref, find the merge base, check the base out beside the work tree.

Every call goes through `_git`, so a failure names the command, its exit code and its output.
CI checkouts are shallow (actions/checkout fetches one commit by default): the merge base is
usually missing there, so we fetch just enough history, deepening step by step up to a bound.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ci_optimizer.adapters import proc
from ci_optimizer.errors import CommandError, GitError

REMOTE = "origin"
# Each step fetches this many commits of both histories; past the last, we give up rather than
# download a whole monorepo. A PR more than 1024 commits away from its base is rare.
DEEPEN_STEPS = (16, 64, 256, 1024)


@dataclass(frozen=True, kw_only=True)
class MergeBase:
    ref: str  # as the user gave it
    ref_commit: str  # what it resolved to
    commit: str  # the merge base of ref_commit and HEAD: the tree the comparison builds
    fetched: tuple[str, ...] = ()  # what had to be fetched, in words


def _git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    try:
        return proc.run(["git", "-C", str(repo), *args], check=check)
    except CommandError as exc:
        raise GitError(exc.message) from None


def repo_root(path: Path) -> Path:
    result = _git(path, "rev-parse", "--show-toplevel", check=False)
    if result.returncode != 0:
        raise GitError(f"{path} is not inside a git repository; comparing with a base ref needs its history")
    return Path(result.stdout.strip())


def resolve(repo: Path, ref: str) -> str | None:
    """The commit `ref` names here, or None."""
    result = _git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}", check=False)
    return result.stdout.strip() if result.returncode == 0 else None


def head_commit(repo: Path) -> str:
    sha = resolve(repo, "HEAD")
    if sha is None:
        raise GitError(f"{repo} has no commit checked out")
    return sha


def is_shallow(repo: Path) -> bool:
    return _git(repo, "rev-parse", "--is-shallow-repository").stdout.strip() == "true"


def has_remote(repo: Path, name: str = REMOTE) -> bool:
    return name in _git(repo, "remote").stdout.split()


def find_merge_base(repo: Path, ref: str, *, steps: tuple[int, ...] = DEEPEN_STEPS) -> MergeBase:
    """The merge base of `ref` and HEAD, fetching what a shallow checkout lacks."""
    fetched: list[str] = []
    target = _resolve_or_fetch(repo, ref, fetched)
    head = head_commit(repo)
    for depth in (None, *steps):
        if depth is not None:
            if not (is_shallow(repo) and has_remote(repo)):
                break
            _git(repo, "fetch", "--quiet", "--no-tags", f"--depth={depth}", REMOTE, target, head)
            fetched.append(f"{depth} commits of {ref} ({target[:12]}) and of HEAD ({head[:12]}) from {REMOTE}")
        result = _git(repo, "merge-base", target, head, check=False)
        if result.returncode == 0:
            return MergeBase(ref=ref, ref_commit=target, commit=result.stdout.strip(), fetched=tuple(fetched))
        if result.returncode != 1:  # 1 is "no merge base"; rerun checked so the error shows the output
            _git(repo, "merge-base", target, head)
    if is_shallow(repo) and not has_remote(repo):
        raise GitError(f"no merge base of {ref} and HEAD in this shallow checkout, and no {REMOTE} to fetch from")
    if is_shallow(repo):
        raise GitError(
            f"no merge base of {ref} and HEAD within {steps[-1]} commits of each; "
            "check out more history (actions/checkout with fetch-depth: 0)"
        )
    raise GitError(f"{ref} and HEAD have no history in common")


def _resolve_or_fetch(repo: Path, ref: str, fetched: list[str]) -> str:
    for candidate in (ref, f"{REMOTE}/{ref}"):
        sha = resolve(repo, candidate)
        if sha is not None:
            return sha
    if has_remote(repo):
        # A PR checkout has neither the base branch nor its commit: fetch just its tip.
        result = _git(repo, "fetch", "--quiet", "--no-tags", "--depth=1", REMOTE, ref, check=False)
        sha = resolve(repo, "FETCH_HEAD") if result.returncode == 0 else None
        if sha is not None:
            fetched.append(f"{ref} ({sha[:12]}) from {REMOTE}, 1 commit")
            return sha
    where = f"here or on {REMOTE}" if has_remote(repo) else "in this repository"
    raise GitError(f"unknown git ref {ref!r}: no branch, tag or commit of that name {where}")


@contextmanager
def worktree(repo: Path, commit: str) -> Iterator[Path]:
    """`commit` checked out in a temporary worktree, removed afterwards, also when the body fails."""
    parent = Path(tempfile.mkdtemp(prefix="ci-optimizer-base-"))
    path = parent / "tree"
    try:
        _git(repo, "worktree", "add", "--quiet", "--detach", str(path), commit)
        yield path
    finally:
        _git(repo, "worktree", "remove", "--force", str(path), check=False)
        shutil.rmtree(parent, ignore_errors=True)
        _git(repo, "worktree", "prune", check=False)
