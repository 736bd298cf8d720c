"""Parse and plan one Dockerfile without touching the engine. Pure apart from reading the file.

Every usage error (a bad Dockerfile, an unknown target, a missing context) surfaces here, before
anything is built.
"""

from __future__ import annotations

import platform as host
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ci_optimizer.dockerfile.advice import count_warning, role_warnings
from ci_optimizer.dockerfile.parse import read_dockerfile
from ci_optimizer.dockerfile.platforms import machine_platform, parse_platform
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
    builder: str | None = None  # --builder-stage: the stage production is compared with
    build_args: Mapping[str, str] = field(default_factory=dict)
    platform: str | None = None  # --platform (one); None: this machine's (dockerfile/platforms.py)
    budget_targets: tuple[str, ...] = ()  # stages the config's budgets name: built by default too
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
    warnings: tuple[str, ...] = ()  # the model's, the roles' and the targets' (docs: `ci-optimizer plan`)


def prepare(options: RunOptions) -> Planned:
    """Parse and plan without touching the engine: every usage error surfaces before a build starts."""
    build_platform = machine_platform(host.machine())
    target_platform = parse_platform(options.platform) if options.platform else build_platform
    model = read_dockerfile(options.dockerfile, options.build_args, platform=target_platform,
                            build_platform=build_platform)
    if not options.context.is_dir():
        raise UsageError(f"--context: {options.context} is not a directory")
    roles = assign_roles(model, tester=options.tester, production=options.production, builder=options.builder)
    stages = select_targets(model, roles, options.targets, options.budget_targets)
    repository = options.repository or image_repository(options.tag_prefix, options.dockerfile, options.context)
    plan = make_plan(
        model, roles, stages, dockerfile=options.dockerfile.resolve(), context=options.context.resolve(),
        repository=repository, build_args=options.build_args, no_cache=options.no_cache,
        cache_from=options.cache_from, cache_to=options.cache_to,
        platform=str(target_platform) if options.platform else None,
    )
    warnings = (*model.warnings, *role_warnings(model, roles, production_given=bool(options.production)),
                *((roles.builder_note,) if roles.builder_note else ()),
                *count_warning(model, len(stages), options.targets))
    return Planned(model=model, roles=roles, plan=plan, warnings=warnings)
