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
from dataclasses import dataclass, replace
from pathlib import Path

from ci_optimizer import git, report_json
from ci_optimizer.compare import apply_baseline
from ci_optimizer.errors import CiOptimizerError, ConfigError
from ci_optimizer.pipeline import Log, RunOptions
from ci_optimizer.report import SCHEMA_VERSION, Baseline, Report, TargetResult
from ci_optimizer.sections import combine

RunOne = Callable[[RunOptions], Report]  # the pipeline with its engine adapters bound
Discard = Callable[[Sequence[str]], None]  # removes image tags this run made


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


def compare_with_ref(
    head: Report,
    options: Sequence[RunOptions],
    *,
    base: BaseCommit,
    run: RunOne,
    log: Log,
    cwd: Path,
    discard: Discard | None = None,
    warnings: Sequence[str] = (),
) -> Report:
    """`head` compared with the same Dockerfiles built from the merge base of the ref and HEAD."""
    found = base.found
    at = f"{found.ref} ({found.commit[:12]})"
    log(f"ci-optimizer: building the base, {at}, the merge base of {found.ref} and HEAD")
    notes = list(warnings)
    reports: list[Report] = []
    with git.worktree(base.repo, found.commit) as tree:
        for head_options in options:
            base_options = rebase_options(head_options, cwd=cwd, repo=base.repo, tree=tree)
            shown = head_options.dockerfile
            if base_options is None:
                reports.append(_failed_like(head, head_options, f"{shown} is outside the repository"))
            elif not base_options.dockerfile.is_file():
                notes.append(f"{shown} does not exist on {at}: its targets are new")
            else:
                reports.append(_run_base(head, head_options, base_options, run=run, at=at, tree=tree))
    if discard is not None:
        discard(tuple(t.tag for r in reports for t in r.targets if t.tag))
    provenance = Baseline(source="ref", ref=found.ref, commit=found.commit, fetched=found.fetched)
    return apply_baseline(head, combine(reports) if reports else None, baseline=provenance, warnings=notes)


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
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("baseline report not found", location=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the baseline report: {exc}", location=str(path)) from None
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
    moved = []
    for path in (options.dockerfile, options.context):
        absolute = (cwd / path).resolve()
        if not absolute.is_relative_to(repo.resolve()):
            return None
        moved.append(tree / absolute.relative_to(repo.resolve()))
    # Tags of their own, under the run's prefix: the base images never replace the head's. The
    # tester stage is still built (a target like any other) but its container is not run again.
    return replace(options, dockerfile=moved[0], context=moved[1], tag_prefix=f"{options.tag_prefix}/base",
                   run_tester=False)


def _run_base(
    head: Report, head_options: RunOptions, base_options: RunOptions, *, run: RunOne, at: str, tree: Path
) -> Report:
    try:
        report = run(base_options)
    except CiOptimizerError as exc:  # the base's Dockerfile may not parse, or lack a stage the head has
        where = exc.one_line().replace(f"{tree}/", "")  # the worktree is gone by the time anyone reads it
        return _failed_like(head, head_options, f"{at}: {where}")
    # Name the base's Dockerfile as the head does, so targets match and messages read the same.
    dockerfile = str(head_options.dockerfile)
    return replace(report, dockerfile=dockerfile, targets=tuple(replace(t, dockerfile=dockerfile)
                                                                 for t in report.targets))


def _failed_like(head: Report, options: RunOptions, error: str) -> Report:
    """A base report in which every target of this Dockerfile failed: no delta, one warning (compare.py)."""
    dockerfile = str(options.dockerfile)
    mine = [t for t in head.targets if t.dockerfile == dockerfile]
    failed = tuple(
        TargetResult(name=t.name.removeprefix(f"{dockerfile}:"), dockerfile=dockerfile, role=t.role,
                     stage_line=t.stage_line, status="failed", error=error)
        for t in mine
    )
    return Report(dockerfile=dockerfile, targets=failed)
