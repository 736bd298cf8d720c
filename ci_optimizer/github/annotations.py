"""Report -> the annotations GitHub pins on the Dockerfile line in the PR's diff. Pure.

Failed builds, failed tests and error-severity budgets are `::error`; warning-severity budgets
(and every budget when `fail-on-budget` is false) are `::warning`, as are checklist findings
of that severity. Paths are made relative to the workspace: GitHub matches annotations to
files by their path in the repository.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

from ci_optimizer.model.results import Report, TargetResult


@dataclass(frozen=True, kw_only=True)
class Annotation:
    level: Literal["error", "warning"]
    title: str
    message: str
    file: str | None = None
    line: int | None = None


def annotations_for(report: Report, *, budgets_enforced: bool, workspace: str) -> tuple[Annotation, ...]:
    found: list[Annotation] = []
    by_name = {t.name: t for t in report.targets}
    for t in report.failed_targets:
        last = t.log_tail[-1] if t.log_tail else ""
        detail = t.error or last or "see the build log"
        found.append(Annotation(level="error", title=f"ci-optimizer: {t.name} failed to build",
                                message=detail, file=_relative(t.dockerfile, workspace),
                                line=t.error_line or t.stage_line))
    testers = [report.tester, *(s.tester for s in report.sections)]
    for tester in testers:
        if tester is None or tester.passed:
            continue
        file, line = _location(by_name.get(tester.target), workspace)
        last = next((text for text in reversed(tester.log_tail) if text.strip()), "")
        found.append(Annotation(
            level="error", title=f"ci-optimizer: tests failed in {tester.target}",
            message=last or "the tester stage failed", file=file, line=line,
        ))
    for b in report.budgets:
        if b.passed:
            continue
        level: Literal["error", "warning"] = "error" if b.severity == "error" and budgets_enforced else "warning"
        file, line = _location(by_name.get(b.target), workspace)
        found.append(Annotation(
            level=level, title=f"ci-optimizer: budget {b.rule} exceeded by {b.target}",
            message=b.message or f"{b.rule} is {b.actual}, limit {b.limit}", file=file, line=line,
        ))
    for c in report.checks:
        if c.passed or c.severity == "info":
            continue
        file = _relative(c.file, workspace) if c.file else _location(by_name.get(c.target), workspace)[0]
        found.append(Annotation(
            level="error" if c.severity == "error" else "warning",
            title=f"ci-optimizer: {c.id} ({c.target})", message=c.message, file=file, line=c.line,
        ))
    return tuple(found)


def _location(target: TargetResult | None, workspace: str) -> tuple[str | None, int | None]:
    if target is None:
        return None, None
    return _relative(target.dockerfile, workspace), target.stage_line


def _relative(path: str, workspace: str) -> str:
    if not os.path.isabs(path):
        return os.path.normpath(path)
    relative = os.path.relpath(path, workspace)
    return path if relative.startswith("..") else relative
