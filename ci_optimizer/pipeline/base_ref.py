"""`--base-ref REF`: the merge base built in a temporary worktree, alongside the head.

It runs the same pipeline on the base, through the same BuildKit, so every stage the PR did not
touch comes from cache. A base that lacks the Dockerfile or fails to build is a warning, never a
crash.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ci_optimizer.adapters import git
from ci_optimizer.compare.baseline import failed_like, rebase_options, renamed
from ci_optimizer.compare.deltas import apply_baseline
from ci_optimizer.errors import CiOptimizerError
from ci_optimizer.model.results import Baseline, Report
from ci_optimizer.model.sections import combine
from ci_optimizer.plan.prepare import RunOptions
from ci_optimizer.ports import Log

RunOne = Callable[[RunOptions], Report]  # the pipeline with its engine adapters bound


@dataclass(frozen=True, kw_only=True)
class BaseCommit:
    repo: Path
    found: git.MergeBase


def locate(ref: str, *, cwd: Path, log: Log) -> BaseCommit:
    """Resolve `--base-ref` before anything is built: an unknown ref fails in a second, not after a build."""
    repo = git.repo_root(cwd)
    found = git.find_merge_base(repo, ref)
    for what in found.fetched:
        log(f"ci-optimizer: fetched {what}")
    return BaseCommit(repo=repo, found=found)


@dataclass(frozen=True, kw_only=True)
class BaseBuild:
    """The base's reports, built before (or while) the head is: nothing here needs the head's result."""

    reports: tuple[Report, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()  # (head Dockerfile, why it could not be built on the base)
    notes: tuple[str, ...] = ()


def build_base(options: Sequence[RunOptions], *, base: BaseCommit, run: RunOne, log: Log, cwd: Path) -> BaseBuild:
    """The same Dockerfiles built from the merge base, in a temporary worktree. Never raises a
    CiOptimizerError: whatever goes wrong on the base is a warning in the report."""
    found = base.found
    at = f"{found.ref} ({found.commit[:12]})"
    log(f"ci-optimizer: building the base, {at}, the merge base of {found.ref} and HEAD")
    reports: list[Report] = []
    failed: list[tuple[str, str]] = []
    notes: list[str] = []
    try:
        with git.worktree(base.repo, found.commit) as tree:
            for head_options in options:
                shown = str(head_options.dockerfile)
                base_options = rebase_options(head_options, cwd=cwd, repo=base.repo, tree=tree)
                if base_options is None:
                    failed.append((shown, f"{shown} is outside the repository"))
                elif not base_options.dockerfile.is_file():
                    notes.append(f"{shown} does not exist on {at}: its targets are new")
                else:
                    try:
                        reports.append(renamed(run(base_options), shown))
                    except CiOptimizerError as exc:  # the base's Dockerfile may not parse, or lack a stage
                        failed.append((shown, f"{at}: {exc.one_line().replace(f'{tree}/', '')}"))
    except CiOptimizerError as exc:  # the worktree itself could not be made
        failed.extend((str(o.dockerfile), f"{at}: {exc.one_line()}") for o in options)
    return BaseBuild(reports=tuple(reports), failed=tuple(failed), notes=tuple(notes))


def alongside_base(
    run_head: Callable[[], Report],
    options: Sequence[RunOptions],
    *,
    base: BaseCommit,
    run: RunOne,
    log: Log,
    cwd: Path,
    warnings: Sequence[str] = (),
) -> Report:
    """The head's report compared with the base, built at the same time in a second thread.

    BuildKit solves both in one daemon: the stages they share are built once, and the base's own
    steps overlap the head's instead of following them. `run` must have its own engine client.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        built = pool.submit(build_base, options, base=base, run=run, log=log, cwd=cwd)
        head = run_head()
        return compare_with_base(head, built.result(), base=base, warnings=warnings)


def compare_with_base(head: Report, built: BaseBuild, *, base: BaseCommit, warnings: Sequence[str] = ()) -> Report:
    """`head` compared with what `build_base` built."""
    found = base.found
    reports = [*built.reports, *(failed_like(head, dockerfile, why) for dockerfile, why in built.failed)]
    provenance = Baseline(source="ref", ref=found.ref, commit=found.commit, fetched=found.fetched)
    return apply_baseline(head, combine(reports) if reports else None, baseline=provenance,
                          warnings=(*warnings, *built.notes))


