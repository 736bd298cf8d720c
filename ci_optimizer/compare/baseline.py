"""What the head is compared with: the base ref built here, or a report saved by an earlier run.

`--base-ref REF` checks the merge base out in a temporary worktree and runs the same pipeline on
it, through the same BuildKit, so every stage the PR did not touch comes from cache. `--baseline
PATH` reads the JSON report a run on the base branch wrote with `--write-baseline`, and builds
nothing (users of size-limit-action ask for exactly that: andresz1/size-limit-action#37, #130).
A base that lacks the Dockerfile or fails to build is a warning, never a crash.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from ci_optimizer.adapters import git
from ci_optimizer.compare.deltas import apply_baseline
from ci_optimizer.errors import CiOptimizerError, ConfigError
from ci_optimizer.pipeline.head import Log, RunOptions
from ci_optimizer.plan.build_plan import image_repository
from ci_optimizer.report import json_report as report_json
from ci_optimizer.report.model import SCHEMA_VERSION, Baseline, BuildResult, Report, TargetResult
from ci_optimizer.report.sections import combine
from ci_optimizer.textfile import read_text

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
                        reports.append(_renamed(run(base_options), shown))
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
    reports = [*built.reports, *(_failed_like(head, dockerfile, why) for dockerfile, why in built.failed)]
    provenance = Baseline(source="ref", ref=found.ref, commit=found.commit, fetched=found.fetched)
    return apply_baseline(head, combine(reports) if reports else None, baseline=provenance,
                          warnings=(*warnings, *built.notes))


def compare_with_saved(head: Report, saved: Report, path: Path) -> Report:
    """`head` compared with a report saved by `--write-baseline` (or `--json`) on the base branch."""
    return apply_baseline(head, saved, baseline=Baseline(source="file", path=str(path)))


def read_saved(path: Path, *, fallback: str | None) -> tuple[Report | None, tuple[str, ...]]:
    """The saved report; with a `fallback` ref, a missing or unreadable one is a warning, not an error.

    An artifact from the main branch is missing on its first run and after it expires: the PR
    should then build the base once rather than fail (as andresz1/size-limit-action#130 does).
    """
    try:
        return read_baseline(path), ()
    except ConfigError as exc:
        if fallback is None:
            raise
        return None, (f"{exc.one_line()}; built {fallback} instead",)


def read_baseline(path: Path) -> Report:
    text = read_text(path, what="baseline report", error=ConfigError)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"not a JSON report: {exc.msg} at line {exc.lineno}", location=str(path)) from None
    version = document.get("schema_version") if isinstance(document, dict) else None
    if isinstance(version, int) and version != SCHEMA_VERSION:
        raise ConfigError(
            f"report schema_version {version}; this ci-optimizer reads version {SCHEMA_VERSION}: "
            "write the baseline again with this version",
            location=str(path),
        )
    return report_json.from_dict(document, source=str(path))


def write_baseline(report: Report, path: Path) -> None:
    """The same JSON document as `--json`: one format, versioned by `schema_version`."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(report_json.dumps(report), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write the baseline report: {exc.strerror or exc}", location=str(path)) from None


def rebase_options(options: RunOptions, *, cwd: Path, repo: Path, tree: Path) -> RunOptions | None:
    """The same run with its paths moved from the work tree into the base worktree (None: outside it)."""
    head = [(cwd / path).resolve() for path in (options.dockerfile, options.context)]
    if not all(path.is_relative_to(repo.resolve()) for path in head):
        return None
    moved = [tree / path.relative_to(repo.resolve()) for path in head]
    # Tags of their own, under the run's prefix: the base images never replace the head's. Named
    # after the head's paths, not the worktree's (a new temporary directory each run): the next
    # run's base images replace these instead of piling up beside them. The tester stage is still
    # built (a target like any other) but its container is not run again.
    prefix = f"{options.tag_prefix}/base"
    return replace(options, dockerfile=moved[0], context=moved[1], tag_prefix=prefix, run_tester=False,
                   repository=image_repository(prefix, head[0], head[1]))


def _renamed(report: Report, dockerfile: str) -> Report:
    """The base's report naming its Dockerfile as the head does, so targets match and messages read the same."""
    return replace(report, dockerfile=dockerfile, targets=tuple(replace(t, dockerfile=dockerfile)
                                                                 for t in report.targets))


def _failed_like(head: Report, dockerfile: str, error: str) -> Report:
    """A base report in which every target of this Dockerfile failed: no delta, one warning (compare/deltas.py)."""
    mine = [t for t in head.targets if t.dockerfile == dockerfile]
    failed = tuple(
        TargetResult(name=t.name.removeprefix(f"{dockerfile}:"), dockerfile=dockerfile, role=t.role,
                     stage_line=t.stage_line, build=BuildResult(status="failed", error=error))
        for t in mine
    )
    return Report(dockerfile=dockerfile, targets=failed)
