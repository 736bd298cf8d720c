"""Which Dockerfiles one leg of a CI matrix builds (`--shard K/N`). Pure.

Work is split by Dockerfile, never inside one: a Dockerfile's targets share stages, and BuildKit
builds a shared stage once only when its targets are in the same graph. Each leg computes the
same split on its own (there is no coordinator), so the split depends on nothing but the config
and the weights: the longest-processing-time-first rule (heaviest Dockerfile to the lightest leg,
ties broken by path, then by leg number), which is within 4/3 of the best possible longest leg.

Weights are the previous report's build seconds per Dockerfile when a baseline report is given
(all legs must be given the same one), else the number of stages a Dockerfile builds. A
Dockerfile the previous report does not know is weighed by its stages at the previous report's
average seconds per stage, so one new Dockerfile does not land on an arbitrary leg.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from ci_optimizer.errors import UsageError
from ci_optimizer.model.origin import Shard
from ci_optimizer.model.results import Report, Section
from ci_optimizer.plan.prepare import Planned

_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
MIN_SECONDS = 0.05  # a fully cached build still costs its leg something: keep weights positive


@dataclass(frozen=True, kw_only=True)
class ShardSpec:
    """Leg `index` of `count` (1-based, as a matrix lists them: 1/3, 2/3, 3/3)."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str, *, what: str = "--shard") -> ShardSpec:
    match = _SPEC.match(text)
    if not match:
        raise UsageError(f"{what} {text!r}: expected K/N, for example 2/3")
    index, count = int(match.group(1)), int(match.group(2))
    if count < 1 or not 1 <= index <= count:
        raise UsageError(f"{what} {text!r}: K must be between 1 and N (N at least 1)")
    return ShardSpec(index=index, count=count)


def weigh(dockerfiles: Sequence[str], *, stages: Mapping[str, int],
          seconds: Mapping[str, float] | None = None) -> dict[str, float]:
    """Each Dockerfile's weight: previous build seconds where known, else stages (scaled, see above)."""
    known = {d: max(seconds[d], MIN_SECONDS) for d in dockerfiles if seconds and seconds.get(d) is not None}
    if not known:
        return {d: float(max(stages.get(d, 1), 1)) for d in dockerfiles}
    per_stage = sum(known.values()) / max(sum(max(stages.get(d, 1), 1) for d in known), 1)
    return {d: known[d] if d in known else max(stages.get(d, 1), 1) * per_stage for d in dockerfiles}


def split(dockerfiles: Sequence[str], weights: Mapping[str, float], count: int) -> tuple[tuple[str, ...], ...]:
    """Every leg's Dockerfiles, each leg in the config's order."""
    loads = [0.0] * count
    legs: list[list[str]] = [[] for _ in range(count)]
    for name in sorted(dockerfiles, key=lambda d: (-weights.get(d, 1.0), d)):
        lightest = min(range(count), key=lambda i: (loads[i], i))
        loads[lightest] += weights.get(name, 1.0)
        legs[lightest].append(name)
    order = {d: i for i, d in enumerate(dockerfiles)}
    return tuple(tuple(sorted(leg, key=order.__getitem__)) for leg in legs)


def select(dockerfiles: Sequence[str], weights: Mapping[str, float], spec: ShardSpec) -> tuple[str, ...]:
    """The Dockerfiles leg `spec` builds (possibly none: more legs than Dockerfiles)."""
    return split(dockerfiles, weights, spec.count)[spec.index - 1]


def previous_seconds(report: Report) -> dict[str, float]:
    """Build seconds per Dockerfile in a previous report (a saved baseline), where it recorded them."""
    sections = report.sections or (Section(dockerfile=report.dockerfile, build_seconds=report.build_seconds),)
    return {s.dockerfile: s.build_seconds for s in sections if s.build_seconds is not None}


def stage_count(planned: Planned) -> int:
    """The stages a Dockerfile's targets build: its share of the work when nothing better is known."""
    return len(frozenset().union(*(t.stages for t in planned.plan.targets)))


def qualified_names(dockerfile: str, planned: Planned) -> frozenset[str]:
    """How a budget may name this Dockerfile's targets: `stage` or `path/Dockerfile:stage`."""
    return frozenset(n for t in planned.plan.targets for n in (t.name, f"{dockerfile}:{t.name}"))


def saved_share(saved: Report, shard: Shard) -> Report:
    """What of a previous report one leg compares with: its own Dockerfiles, and on leg 1 also those
    no leg builds any more, so their "on the base but not on this branch" is said exactly once."""
    own = {posixpath.normpath(d) for d in shard.dockerfiles}
    planned = {posixpath.normpath(d) for d in shard.planned}

    def mine(dockerfile: str) -> bool:
        path = posixpath.normpath(dockerfile)
        return path in own or (shard.index == 1 and path not in planned)

    return replace(saved, targets=tuple(t for t in saved.targets if mine(t.dockerfile)),
                   sections=tuple(s for s in saved.sections if mine(s.dockerfile)))
