"""Several Dockerfiles in one run (monorepos): one report, one section per Dockerfile. Pure.

Targets stay in one flat list so that budgets, checks and the verdict work unchanged; a target
name is qualified as `path/Dockerfile:stage` only where two Dockerfiles share it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from ci_optimizer.model.results import Reduction, Report, Section, TargetResult, TesterResult


def stage_name(target: TargetResult) -> str:
    """The stage a target builds, without the Dockerfile qualification."""
    return target.name.removeprefix(f"{target.dockerfile}:")


def combine(reports: Sequence[Report]) -> Report:
    """One report for the run; a single Dockerfile's report comes back as it was."""
    if len(reports) == 1:
        return reports[0]
    counts = Counter(t.name for r in reports for t in r.targets)
    collide = {name for name, n in counts.items() if n > 1}

    def qualify(report: Report, name: str) -> str:
        return f"{report.dockerfile}:{name}" if name in collide else name

    targets: list[TargetResult] = []
    sections: list[Section] = []
    for report in reports:
        targets.extend(replace(t, name=qualify(report, t.name)) for t in report.targets)
        tester = replace(report.tester, target=qualify(report, report.tester.target)) if report.tester else None
        sections.append(
            Section(
                dockerfile=report.dockerfile,
                tester=tester,
                reduction=replace(
                    report.reduction,
                    from_target=qualify(report, report.reduction.from_target),
                    to_target=qualify(report, report.reduction.to_target),
                ) if report.reduction else None,
                build_seconds=report.build_seconds,
            )
        )
    seconds = [r.build_seconds for r in reports if r.build_seconds is not None]
    return Report(
        dockerfile=", ".join(r.dockerfile for r in reports),
        targets=tuple(targets),
        budgets=tuple(replace(b, target=qualify(r, b.target)) for r in reports for b in r.budgets),
        checks=tuple(replace(c, target=qualify(r, c.target)) for r in reports for c in r.checks),
        builder_backend="classic" if any(r.builder_backend == "classic" for r in reports) else "buildx",
        build_seconds=round(sum(seconds), 3) if seconds else None,
        warnings=tuple(dict.fromkeys(w for r in reports for w in r.warnings)),
        sections=tuple(sections),
        baseline=next((r.baseline for r in reports if r.baseline is not None), None),
        cache_from=tuple(dict.fromkeys(c for r in reports for c in r.cache_from)),
        cache_to=tuple(dict.fromkeys(c for r in reports for c in r.cache_to)),
    )


def by_section(report: Report) -> tuple[tuple[Section, tuple[TargetResult, ...]], ...]:
    """What a renderer walks: each Dockerfile with its targets (one section for a one-Dockerfile report)."""
    if not report.sections:
        single = Section(dockerfile=report.dockerfile, tester=report.tester, reduction=report.reduction,
                         build_seconds=report.build_seconds)
        return ((single, report.targets),)
    return tuple((s, tuple(t for t in report.targets if t.dockerfile == s.dockerfile)) for s in report.sections)


def testers(report: Report) -> tuple[TesterResult, ...]:
    return tuple(t for t in (report.tester, *(s.tester for s in report.sections)) if t is not None)


def reductions(report: Report) -> tuple[Reduction, ...]:
    return tuple(r for r in (report.reduction, *(s.reduction for s in report.sections)) if r is not None)
