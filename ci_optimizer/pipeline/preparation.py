"""A request parsed and planned, with no engine and no git: every usage error surfaces here.

`ci-optimizer plan` stops after this; `run` goes on from it (spine.py). Light to import: nothing
here loads docker.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ci_optimizer.compare.baseline import read_saved
from ci_optimizer.config import Config, load_config
from ci_optimizer.model.origin import Shard
from ci_optimizer.model.results import Report
from ci_optimizer.pipeline.request import Request
from ci_optimizer.plan import shards
from ci_optimizer.plan.analysis_targets import check_analyze_spec
from ci_optimizer.plan.prepare import Planned, RunOptions, prepare
from ci_optimizer.plan.runs import runs_for


@dataclass(frozen=True, kw_only=True)
class Prepared:
    """A request parsed and planned: every usage error has surfaced, nothing has been built."""

    config: Config
    runs: tuple[tuple[RunOptions, Planned], ...]  # with --shard: this leg's Dockerfiles only
    shard: Shard | None = None
    elsewhere: frozenset[str] = frozenset()  # target names the other legs build
    saved: Report | None = None  # --baseline, when the leg's weights already read it


def prepare_request(request: Request, *, cwd: Path = Path()) -> Prepared:
    """Parse and plan: config, Dockerfiles, targets, `--analyze` names, this leg's share. No engine, no git."""
    config = load_config(request.config, root=cwd)
    options = runs_for(config, request.flags, request.template)
    planned = tuple((o, prepare(o)) for o in options)
    check_analyze_spec(request.analyze, [p for _o, p in planned])
    if request.shard is None:
        return Prepared(config=config, runs=planned)
    names = [str(o.dockerfile) for o, _p in planned]
    saved = read_saved(request.baseline, fallback="stage counts")[0] if request.baseline else None
    weights = shards.weigh(names, stages={str(o.dockerfile): shards.stage_count(p) for o, p in planned},
                           seconds=shards.previous_seconds(saved) if saved is not None else None)
    mine = shards.select(names, weights, request.shard)
    shard = Shard(index=request.shard.index, count=request.shard.count, dockerfiles=mine, planned=tuple(names))
    elsewhere = frozenset().union(*(shards.qualified_names(str(o.dockerfile), p)
                                    for o, p in planned if str(o.dockerfile) not in mine))
    return Prepared(config=config, runs=tuple(r for r in planned if str(r[0].dockerfile) in mine), shard=shard,
                    elsewhere=elsewhere, saved=saved)
