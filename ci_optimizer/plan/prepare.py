"""Parse and plan one Dockerfile without touching the engine. Pure apart from reading the file.

Every usage error (a bad Dockerfile, an unknown target, a missing context) surfaces here, before
anything is built.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ci_optimizer.dockerfile.parse import read_dockerfile
from ci_optimizer.dockerfile.roles import Roles, assign_roles, select_targets
from ci_optimizer.dockerfile.stages import DockerfileModel
from ci_optimizer.errors import UsageError
from ci_optimizer.plan.build_plan import BuildPlan, image_repository, make_plan
from ci_optimizer.plan.cache_specs import CacheSpec


@dataclass(frozen=True, kw_only=True)
class RunOptions:
    dockerfile: Path
    context: Path
    targets: tuple[str, ...] = ()
    tester: str | None = None
    production: str | None = None
    build_args: Mapping[str, str] = field(default_factory=dict)
    tag_prefix: str = "ci-optimizer"
    tester_timeout: float = 600.0
    no_cache: bool = False
    run_tester: bool = True  # False for the base of a comparison: its sizes are wanted, not its test verdict
    repository: str | None = None  # the images' repository; None: from tag_prefix and the paths (plan/build_plan.py)
    cache_from: tuple[CacheSpec, ...] = ()  # --cache-from, for every target (plan/cache_specs.py)
    baseline_image: str | None = None  # the config's baseline_image for this Dockerfile (pipeline/registry_base.py)
    cache_to: tuple[CacheSpec, ...] = ()  # --cache-to; never for the base of a comparison (compare/baseline.py)


@dataclass(frozen=True, kw_only=True)
class Planned:
    """What parsing and planning produced; kept for the later stages of a run (checks, comparison)."""

    model: DockerfileModel
    roles: Roles
    plan: BuildPlan


def prepare(options: RunOptions) -> Planned:
    """Parse and plan without touching the engine: every usage error surfaces before a build starts."""
    model = read_dockerfile(options.dockerfile, options.build_args)
    if not options.context.is_dir():
        raise UsageError(f"--context: {options.context} is not a directory")
    roles = assign_roles(model, tester=options.tester, production=options.production)
    stages = select_targets(model, roles, options.targets)
    repository = options.repository or image_repository(options.tag_prefix, options.dockerfile, options.context)
    plan = make_plan(
        model, roles, stages, dockerfile=options.dockerfile.resolve(), context=options.context.resolve(),
        repository=repository, build_args=options.build_args, no_cache=options.no_cache,
        cache_from=options.cache_from, cache_to=options.cache_to,
    )
    return Planned(model=model, roles=roles, plan=plan)
