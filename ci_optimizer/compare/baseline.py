"""What the head is compared with: a report saved by an earlier run, or the base ref's runs.

`--baseline PATH` reads the JSON report a run on the base branch wrote with `--write-baseline`,
and builds nothing (users of size-limit-action ask for exactly that: andresz1/size-limit-action#37,
#130). `--base-ref REF` builds the merge base (pipeline/base_ref.py); this module moves the head's
options into its worktree and names the base's reports as the head's.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from ci_optimizer.compare.deltas import apply_baseline
from ci_optimizer.errors import ConfigError
from ci_optimizer.model.legs import merge
from ci_optimizer.model.results import SCHEMA_VERSION, Baseline, Report, TargetResult
from ci_optimizer.model.step_results import BuildResult
from ci_optimizer.plan.build_plan import image_repository
from ci_optimizer.plan.prepare import RunOptions
from ci_optimizer.report import json_report as report_json
from ci_optimizer.textfile import read_text, write_text


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


READABLE_VERSIONS = (1,)  # older report versions a baseline may still be


def read_baseline(path: Path) -> Report:
    text = read_text(path, what="baseline report", error=ConfigError)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"not a JSON report: {exc.msg} at line {exc.lineno}", location=str(path)) from None
    version = document.get("schema_version") if isinstance(document, dict) else None
    if version in READABLE_VERSIONS and isinstance(document, dict):
        # Version 1 lacks only `growth` (optional): it reads as a baseline with per-layer totals.
        document = {**document, "schema_version": SCHEMA_VERSION}
    elif isinstance(version, int) and version != SCHEMA_VERSION:
        raise ConfigError(
            f"report schema_version {version}; this ci-optimizer reads version {SCHEMA_VERSION}: "
            "write the baseline again with this version",
            location=str(path),
        )
    return report_json.from_dict(document, source=str(path))


def merge_saved(paths: Sequence[Path], *, allow_partial: bool = False) -> Report:
    """Matrix legs' saved reports as one (model/legs.py); a bad file is one line naming it."""
    return merge([(str(path), read_baseline(path)) for path in paths], allow_partial=allow_partial)


def write_baseline(report: Report, path: Path) -> None:
    """The same JSON document as `--json`: one format, versioned by `schema_version`."""
    write_text(path, report_json.dumps(report), what="baseline report", error=ConfigError)


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
    # The base imports the head's caches (main's cache is the base's own) but exports none: its
    # export would race the head's to the same place and leave the older commit's steps there.
    return replace(options, dockerfile=moved[0], context=moved[1], tag_prefix=prefix, run_tester=False,
                   repository=image_repository(prefix, head[0], head[1]), cache_to=())


def renamed(report: Report, dockerfile: str) -> Report:
    """The base's report naming its Dockerfile as the head does, so targets match and messages read the same."""
    return replace(report, dockerfile=dockerfile, targets=tuple(replace(t, dockerfile=dockerfile)
                                                                 for t in report.targets))


def failed_like(head: Report, dockerfile: str, error: str) -> Report:
    """A base report in which every target of this Dockerfile failed: no delta, one warning (compare/deltas.py)."""
    mine = [t for t in head.targets if t.dockerfile == dockerfile]
    failed = tuple(
        TargetResult(name=t.name.removeprefix(f"{dockerfile}:"), dockerfile=dockerfile, role=t.role,
                     stage_line=t.stage_line, build=BuildResult(status="failed", error=error))
        for t in mine
    )
    return Report(dockerfile=dockerfile, targets=failed)
