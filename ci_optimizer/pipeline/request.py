"""What the spine is asked to do (Request) and what it may touch (Session). Light to import: the
command line builds a Request before anything loads docker."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ci_optimizer.plan.prepare import RunOptions
from ci_optimizer.plan.runs import Flags
from ci_optimizer.plan.shards import ShardSpec
from ci_optimizer.ports import Engine, Registry


@dataclass(frozen=True, kw_only=True)
class Request:
    """What a run is asked to do: the command line's flags or the action's inputs, parsed."""

    config: Path | None = None  # None: .ci-optimizer.yml when it exists
    flags: Flags = field(default_factory=Flags)  # what the user set explicitly, laid over the config
    template: RunOptions  # the rest of every Dockerfile's options (tag prefix, timeouts, cache)
    base_ref: str | None = None  # build the merge base of REF and HEAD here and compare
    baseline: Path | None = None  # compare with a saved report (with base_ref: built only when unreadable)
    baseline_image: str | None = None  # compare with an image in a registry; `{target}` filled per target
    analyze: str = "production"  # deep layer analysis: production, all, none, or target names
    smoke: bool = False
    hadolint: bool = True
    shard: ShardSpec | None = None  # build only this leg's Dockerfiles (plan/shards.py)


@dataclass(frozen=True, kw_only=True)
class Session:
    """What the run may touch outside itself; wiring.py makes it from the environment."""

    engine: Callable[[], Engine]  # a new client each call: the base builds in its own thread
    cwd: Path = Path()
    layer_cache: Path | None = None  # layer summaries by diff ID; None: no cache
    path_env: str | None = None  # PATH, where hadolint is looked for
    debug: bool = False  # CI_OPTIMIZER_DEBUG: tracebacks for internal errors
    registry: Callable[[], Registry] | None = None  # for --baseline-image; None: no registry access
