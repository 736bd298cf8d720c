"""The run: parse → plan → build → test → measure → report. Adapters come in as arguments."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from ci_optimizer.adapters.containers import ContainerRun
from ci_optimizer.dockerfile.parse import read_dockerfile
from ci_optimizer.dockerfile.roles import Roles, assign_roles, select_targets
from ci_optimizer.dockerfile.stages import DockerfileModel, Instruction
from ci_optimizer.errors import UsageError
from ci_optimizer.measure.reduction import compute_reduction
from ci_optimizer.plan.build_plan import BuildOutcome, BuildPlan, BuildTarget, image_repository, make_plan
from ci_optimizer.report.model import BuildResult, ImageStats, Report, TargetResult, TesterResult

Log = Callable[[str], None]
LOG_TAIL = 50


class Builder(Protocol):
    backend: str

    def build(self, plan: BuildPlan, log: Log) -> tuple[BuildOutcome, ...]: ...


class Images(Protocol):
    def measure(self, image_id: str, *, instructions: Sequence[Instruction], base_image: str) -> ImageStats: ...

    def run(self, image: str, *, timeout: float) -> ContainerRun: ...


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
    )
    return Planned(model=model, roles=roles, plan=plan)


def run_pipeline(
    options: RunOptions, *, builder: Builder, images: Images, log: Log, planned: Planned | None = None
) -> tuple[Report, Planned]:
    """Build, test and measure. `planned` is `prepare(options)` when the caller already made it."""
    planned = planned or prepare(options)
    started = time.monotonic()
    outcomes = {o.name: o for o in builder.build(planned.plan, log)}
    build_seconds = round(time.monotonic() - started, 3)
    dockerfile = str(options.dockerfile)
    targets = tuple(
        _target_result(planned, t, outcomes[t.name], images=images, dockerfile=dockerfile)
        for t in planned.plan.targets
    )
    tester = (_run_tester(planned, targets, outcomes, images=images, timeout=options.tester_timeout, log=log)
              if options.run_tester else None)
    warnings = () if builder.backend == "buildx" else (
        "docker buildx is not installed: built with the engine's classic builder, one target after another",
    )
    report = Report(
        dockerfile=dockerfile,
        targets=targets,
        tester=tester,
        reduction=compute_reduction(targets),
        builder_backend=builder.backend,
        build_seconds=build_seconds,
        warnings=warnings,
    )
    return report, planned


def stage_chain(model: DockerfileModel, index: int) -> tuple[Instruction, ...]:
    """Instructions of a stage and of the stages it is `FROM`, oldest first: its image history."""
    return tuple(ins for stage in model.chain(index) for ins in stage.instructions)


def _target_result(
    planned: Planned, target: BuildTarget, outcome: BuildOutcome, *, images: Images, dockerfile: str
) -> TargetResult:
    build = BuildResult(status="failed", seconds=outcome.seconds, cached_steps=outcome.cached_steps,
                        total_steps=outcome.total_steps, error=outcome.error, log_tail=outcome.log_tail)
    if not outcome.ok or outcome.image_id is None:
        return TargetResult(name=target.name, dockerfile=dockerfile, role=target.role, stage_line=target.line,
                            build=build)
    stage = planned.model.stages[target.index]
    stats = images.measure(
        outcome.image_id,
        instructions=stage_chain(planned.model, stage.index),
        base_image=planned.model.root_base(stage.index),
    )
    return TargetResult(name=target.name, dockerfile=dockerfile, role=target.role, stage_line=target.line,
                        build=replace(build, status="built", tag=target.tag, error=None, log_tail=()),
                        image=stats)


def _run_tester(
    planned: Planned,
    targets: tuple[TargetResult, ...],
    outcomes: Mapping[str, BuildOutcome],
    *,
    images: Images,
    timeout: float,
    log: Log,
) -> TesterResult | None:
    if planned.roles.tester is None:
        return None
    stage = planned.model.stages[planned.roles.tester]
    result = next((t for t in targets if t.name == stage.target_name), None)
    if result is None:
        return None
    build_seconds = outcomes[result.name].seconds or 0.0
    if result.status != "built" or result.tag is None:
        return TesterResult(target=result.name, passed=False, seconds=build_seconds, log_tail=result.log_tail)
    # RUN steps already ran during the build; a stage that declares what to run also gets run.
    if not (stage.has("CMD") or stage.has("ENTRYPOINT")):
        return TesterResult(target=result.name, passed=True, seconds=build_seconds)
    log(f"ci-optimizer: running {result.name} ({result.tag}) with no network, timeout {timeout:.0f}s")
    run = images.run(result.tag, timeout=timeout)
    lines = tuple(run.output.splitlines()[-LOG_TAIL:])
    if run.exit_code is None:
        lines = (*lines, f"ci-optimizer: the tester did not finish within {timeout:.0f}s and was stopped")
    return TesterResult(
        target=result.name, passed=run.exit_code == 0, seconds=round(build_seconds + run.seconds, 3),
        log_tail=lines, ran_container=True, exit_code=run.exit_code,
    )
