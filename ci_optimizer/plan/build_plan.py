"""What to build: targets, tags and the stages each needs. Pure; the builders consume it."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ci_optimizer.dockerfile.roles import Roles
from ci_optimizer.dockerfile.stages import DockerfileModel, Stage
from ci_optimizer.model.results import Role
from ci_optimizer.plan.cache_specs import CacheSpec

_UNSAFE = re.compile(r"[^a-z0-9_.-]+")


@dataclass(frozen=True, kw_only=True)
class BuildTarget:
    name: str  # the user's name for it (stage name or stage-N)
    index: int  # the stage's index in the Dockerfile
    stage: str | None  # BuildKit --target; None builds the last stage
    tag: str
    role: Role
    line: int
    stages: frozenset[str]  # target names of every stage it needs, itself included

    @property
    def bake_id(self) -> str:
        """Bake target names allow [A-Za-z0-9_-] only; stage names may also contain dots."""
        return re.sub(r"[^A-Za-z0-9_-]", "_", self.name)


@dataclass(frozen=True, kw_only=True)
class BuildPlan:
    dockerfile: Path
    context: Path
    targets: tuple[BuildTarget, ...]
    build_args: Mapping[str, str] = field(default_factory=dict)
    no_cache: bool = False
    cache_from: tuple[CacheSpec, ...] = ()
    cache_to: tuple[CacheSpec, ...] = ()
    platform: str | None = None  # --platform as given; None: the engine's own

    def target(self, name: str) -> BuildTarget:
        return next(t for t in self.targets if t.name == name)


def image_repository(prefix: str, dockerfile: Path, context: Path) -> str:
    """A stable, readable repository per Dockerfile: `<prefix>/<context-dir>-<hash of paths>`."""
    key = f"{context.resolve()}::{dockerfile.resolve()}".encode()
    base = _UNSAFE.sub("-", context.resolve().name.lower()).strip("-._") or "context"
    return f"{prefix}/{base}-{hashlib.sha256(key).hexdigest()[:8]}"


def make_plan(
    model: DockerfileModel,
    roles: Roles,
    targets: tuple[Stage, ...],
    *,
    dockerfile: Path,
    context: Path,
    repository: str,
    build_args: Mapping[str, str],
    no_cache: bool = False,
    cache_from: tuple[CacheSpec, ...] = (),
    cache_to: tuple[CacheSpec, ...] = (),
    platform: str | None = None,
) -> BuildPlan:
    built = []
    for stage in targets:
        needs = model.dependencies(stage.index)
        built.append(
            BuildTarget(
                name=stage.target_name,
                index=stage.index,
                stage=stage.name,
                tag=f"{repository}:{_UNSAFE.sub('-', stage.target_name)}",
                role=roles.role_of(stage.index),
                line=stage.line,
                stages=frozenset(model.stages[i].target_name for i in needs),
            )
        )
    return BuildPlan(
        dockerfile=dockerfile, context=context, targets=tuple(built), build_args=dict(build_args), no_cache=no_cache,
        cache_from=cache_from, cache_to=cache_to,
        platform=platform,
    )


@dataclass(frozen=True, kw_only=True)
class FailedStep:
    """The BuildKit step a target failed on: `[stage n/m] name`."""

    stage: str | None  # None: BuildKit printed no stage name (a one-stage file)
    step: str  # "n/m"
    name: str  # the instruction as BuildKit shows it, e.g. `COPY --from=builder /app /app`


@dataclass(frozen=True, kw_only=True)
class BuildOutcome:
    """What a builder reports for one target."""

    name: str
    ok: bool
    image_id: str | None = None
    seconds: float | None = None
    cached_steps: int = 0
    total_steps: int = 0
    error: str | None = None
    failed_step: FailedStep | None = None
    log_tail: tuple[str, ...] = ()
