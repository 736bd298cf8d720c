"""Several legs' reports (`--shard K/N` matrix legs, or one leg per Dockerfile) merged into one. Pure.

The merged report is what one unsharded run would have written: each leg is taken apart into
one report per Dockerfile (target names unqualified again), and `sections.combine` puts them
together in the config's order, qualifying a name only where two Dockerfiles of the whole run
share it. The verdict is recomputed from the merged targets, tests, budgets and checks.

What cannot be merged into one honest verdict is an error naming the reports: two legs that
report the same Dockerfile or the same shard, legs of different commits or plans, and a missing
leg (unless the caller allows a partial merge, which the report then says).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ci_optimizer.errors import UsageError
from ci_optimizer.model.origin import Origin, Shard
from ci_optimizer.model.results import Report, TargetResult
from ci_optimizer.model.sections import by_section, combine

Leg = tuple[str, Report]  # where it was read from (for messages), the report


def merge(legs: Sequence[Leg], *, allow_partial: bool = False) -> Report:
    if not legs:
        raise UsageError("merge: no reports given")
    commit = _same_commit(legs)
    warnings = _check_shards(legs, allow_partial=allow_partial)
    parts = _by_dockerfile(legs)
    order = _planned_order(legs)
    if order:
        parts.sort(key=lambda part: order.get(part.dockerfile, len(order)))
    merged = combine(parts) if parts else Report(dockerfile="", targets=())
    github = next((r.github for _s, r in legs if r.github is not None), None)
    return replace(
        merged,
        warnings=tuple(dict.fromkeys((*warnings, *merged.warnings))),
        github=github,
        origin=Origin(commit=commit),
        legs=tuple(r.origin or Origin() for _s, r in legs),
    )


def _same_commit(legs: Sequence[Leg]) -> str | None:
    """The one commit every leg built (a leg that does not say is taken at its word)."""
    commits = {c: source for source, r in reversed(legs) if (c := _commit_of(r)) is not None}
    if len(commits) > 1:
        listed = ", ".join(f"{source} ({commit[:12]})" for commit, source in reversed(commits.items()))
        raise UsageError(f"merge: the reports are of different commits: {listed}")
    return next(iter(commits), None)


def _commit_of(report: Report) -> str | None:
    return report.origin.commit if report.origin and report.origin.commit else None


def _shard_of(report: Report) -> Shard | None:
    return report.origin.shard if report.origin else None


def _check_shards(legs: Sequence[Leg], *, allow_partial: bool) -> tuple[str, ...]:
    sharded = [(s, r, shard) for s, r in legs if (shard := _shard_of(r)) is not None]
    if not sharded:
        return ()
    if len(sharded) != len(legs):
        plain = next(s for s, r in legs if _shard_of(r) is None)
        raise UsageError(f"merge: {plain} is not a shard's report (no --shard) but {sharded[0][0]} is; "
                         "merge the legs of one matrix")
    first_source, _r, first = sharded[0]
    taken: dict[int, str] = {}
    for source, _report, shard in sharded:
        if (shard.count, shard.planned) != (first.count, first.planned):
            raise UsageError(f"merge: {source} is shard {shard} of {len(shard.planned)} Dockerfiles and "
                             f"{first_source} is shard {first} of {len(first.planned)}: not legs of one matrix")
        if shard.index in taken:
            raise UsageError(f"merge: {taken[shard.index]} and {source} are both shard {shard}")
        taken[shard.index] = source
    missing = [i for i in range(1, first.count + 1) if i not in taken]
    if not missing:
        return ()
    built = {d for _s, _r, shard in sharded for d in shard.dockerfiles}
    left = [d for d in first.planned if d not in built]
    what = (f"shard{'s' if len(missing) > 1 else ''} {', '.join(f'{i}/{first.count}' for i in missing)} "
            f"missing (not built: {', '.join(left) or 'nothing'})")
    if not allow_partial:
        raise UsageError(f"merge: {what}; every leg's report is needed, or pass --allow-partial")
    return (f"partial merge: {what}",)


def _planned_order(legs: Sequence[Leg]) -> dict[str, int]:
    shard = next((s for _src, r in legs if (s := _shard_of(r)) is not None), None)
    return {d: i for i, d in enumerate(shard.planned)} if shard is not None else {}


def _by_dockerfile(legs: Sequence[Leg]) -> list[Report]:
    """Every leg taken apart into one report per Dockerfile; a Dockerfile in two legs is an error."""
    owner: dict[str, str] = {}
    parts: list[Report] = []
    for source, report in legs:
        if not report.targets and not report.sections:
            continue  # a leg with nothing to build
        for part in _split(report):
            if part.dockerfile in owner:
                raise UsageError(f"merge: {owner[part.dockerfile]} and {source} both report {part.dockerfile}")
            owner[part.dockerfile] = source
            parts.append(part)
    return parts


def _split(report: Report) -> list[Report]:
    """One report per Dockerfile, as `build_and_measure` made them before `combine`."""
    if not report.sections:
        return [replace(report, github=None, origin=None, legs=())]
    home = {t.name: t.dockerfile for t in report.targets}
    parts = []
    for index, (section, targets) in enumerate(by_section(report)):
        prefix = f"{section.dockerfile}:"

        def plain(name: str, prefix: str = prefix) -> str:
            return name.removeprefix(prefix)

        def mine(target: str, first: bool = index == 0, dockerfile: str = section.dockerfile) -> bool:
            return home.get(target, dockerfile if first else None) == dockerfile

        parts.append(Report(
            dockerfile=section.dockerfile,
            targets=tuple(_renamed(t, plain(t.name)) for t in targets),
            tester=replace(section.tester, target=plain(section.tester.target)) if section.tester else None,
            reduction=replace(section.reduction, from_target=plain(section.reduction.from_target),
                              to_target=plain(section.reduction.to_target)) if section.reduction else None,
            budgets=tuple(replace(b, target=plain(b.target)) for b in report.budgets if mine(b.target)),
            checks=tuple(replace(c, target=plain(c.target)) for c in report.checks if mine(c.target)),
            builder_backend=report.builder_backend,
            build_seconds=section.build_seconds,
            warnings=report.warnings if index == 0 else (),
            baseline=report.baseline,
        ))
    return parts


def _renamed(target: TargetResult, name: str) -> TargetResult:
    return replace(target, name=name)
