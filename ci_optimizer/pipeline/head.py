"""One Dockerfile's build → test → measure, on the engine the caller passes in (ports.py)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace

from ci_optimizer.dockerfile.steps import step_line
from ci_optimizer.measure.history import chain_instructions
from ci_optimizer.measure.reduction import compute_reduction
from ci_optimizer.model.results import Report, TargetResult, TesterResult
from ci_optimizer.model.step_results import BuildResult
from ci_optimizer.plan.build_plan import BuildOutcome, BuildPlan, BuildTarget, FailedStep
from ci_optimizer.plan.cache_specs import usable_on
from ci_optimizer.plan.prepare import Planned, RunOptions, prepare
from ci_optimizer.ports import Builder, Images, Log

LOG_TAIL = 50


def build_and_measure(
    options: RunOptions, *, builder: Builder, images: Images, log: Log, planned: Planned | None = None
) -> tuple[Report, Planned]:
    """Build, test and measure. `planned` is `prepare(options)` when the caller already made it."""
    planned = planned or prepare(options)
    plan, cache_notes = _usable_cache(planned.plan, builder)
    started = time.monotonic()
    outcomes = {o.name: o for o in builder.build(plan, log)}
    build_seconds = round(time.monotonic() - started, 3)
    dockerfile = str(options.dockerfile)
    targets = tuple(
        _target_result(planned, t, outcomes[t.name], images=images, dockerfile=dockerfile)
        for t in planned.plan.targets
    )
    tester = (_run_tester(planned, targets, outcomes, images=images, timeout=options.tester_timeout, log=log)
              if options.run_tester else None)
    warnings = (*planned.warnings, *cache_notes) if builder.backend == "buildx" else (
        *planned.warnings,
        "docker buildx is not installed: built with the engine's classic builder, one target after another",
        *cache_notes,
    )
    report = Report(
        dockerfile=dockerfile,
        targets=targets,
        tester=tester,
        reduction=compute_reduction(targets),
        builder_backend=builder.backend,
        build_seconds=build_seconds,
        warnings=warnings,
        cache_from=tuple(s.shown() for s in plan.cache_from),
        cache_to=tuple(s.shown() for s in plan.cache_to),
    )
    return report, planned


def _usable_cache(plan: BuildPlan, builder: Builder) -> tuple[BuildPlan, tuple[str, ...]]:
    """The plan with only the cache specs the builder's driver can use (plan/cache_specs.py)."""
    if not (plan.cache_from or plan.cache_to):
        return plan, ()
    cache_from, cache_to, notes = usable_on(builder.driver(), plan.cache_from, plan.cache_to)
    return replace(plan, cache_from=cache_from, cache_to=cache_to), notes


def _target_result(
    planned: Planned, target: BuildTarget, outcome: BuildOutcome, *, images: Images, dockerfile: str
) -> TargetResult:
    build = BuildResult(status="failed", seconds=outcome.seconds, cached_steps=outcome.cached_steps,
                        total_steps=outcome.total_steps, error=outcome.error, log_tail=outcome.log_tail,
                        error_line=_failed_line(planned, target, outcome.failed_step))
    if not outcome.ok or outcome.image_id is None:
        return TargetResult(name=target.name, dockerfile=dockerfile, role=target.role, stage_line=target.line,
                            build=build)
    stage = planned.model.stages[target.index]
    stats = images.measure(
        outcome.image_id,
        instructions=chain_instructions(planned.model, stage.index),
        base_image=planned.model.root_base(stage.index),
    )
    return TargetResult(name=target.name, dockerfile=dockerfile, role=target.role, stage_line=target.line,
                        build=replace(build, status="built", tag=target.tag, error=None, error_line=None,
                                      log_tail=()),
                        image=stats)


def _failed_line(planned: Planned, target: BuildTarget, failed: FailedStep | None) -> int | None:
    """The Dockerfile line of the step the target failed on (BuildKit names it `[stage n/m]`)."""
    if failed is None:
        return None
    stage = (planned.model.find(failed.stage) if failed.stage else None) or planned.model.stages[target.index]
    return step_line(stage, failed.step, failed.name)


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
