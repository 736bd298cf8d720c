"""Which stage builds, which tests and which ships, and which targets a run builds."""

from __future__ import annotations

from dataclasses import dataclass

from ci_optimizer.dockerfile.stages import DockerfileModel, Stage
from ci_optimizer.errors import UsageError
from ci_optimizer.model.results import Role

TESTER_NAMES = ("tester", "test", "tests")
BUILDER_NAMES = ("builder", "build")


@dataclass(frozen=True, kw_only=True)
class Roles:
    production: int
    builder: int | None
    tester: int | None

    def role_of(self, index: int) -> Role:
        if index == self.production:
            return "production"
        if index == self.tester:
            return "tester"
        if index == self.builder:
            return "builder"
        return "stage"


def assign_roles(model: DockerfileModel, *, tester: str | None = None, production: str | None = None) -> Roles:
    prod = _explicit(model, production, "--production") if production else model.stages[-1]
    if tester:
        test_index: int | None = _explicit(model, tester, "--tester").index
    else:
        test_index = next((s.index for s in model.stages if s.name in TESTER_NAMES), None)
    if test_index == prod.index:
        raise UsageError(f"stage {prod.target_name!r} cannot be both the tester and the production stage")
    return Roles(production=prod.index, builder=_builder(model, prod, test_index), tester=test_index)


def select_targets(model: DockerfileModel, roles: Roles, requested: tuple[str, ...] = ()) -> tuple[Stage, ...]:
    """Requested targets (validated), else every buildable stage; the tester is always included."""
    if requested:
        chosen = [_explicit(model, ref, "--targets") for ref in requested]
        for stage in chosen:
            if not model.buildable(stage):
                raise UsageError(
                    f"--targets: stage {stage.index} has no name, so BuildKit cannot build it as a target; "
                    "give it one with `AS name`"
                )
    else:
        chosen = [s for s in model.stages if model.buildable(s)]
    indices = {s.index for s in chosen}
    # The tests gate the PR: BuildKit skips stages nothing depends on, so build the tester explicitly.
    if roles.tester is not None and model.buildable(model.stages[roles.tester]):
        indices.add(roles.tester)
    return tuple(model.stages[i] for i in sorted(indices))


def _builder(model: DockerfileModel, prod: Stage, tester: int | None) -> int | None:
    for stage in model.stages:
        if stage.name in BUILDER_NAMES and stage.index != prod.index:
            return stage.index
    if prod.needs:
        return prod.needs[0]
    first = model.stages[0]
    if first.index in (prod.index, tester):
        return None
    return first.index


def _explicit(model: DockerfileModel, ref: str, option: str) -> Stage:
    stage = model.find(ref)
    if stage is None:
        names = ", ".join(s.target_name for s in model.stages)
        raise UsageError(f"{option}: no stage named {ref!r} in {model.path} (stages: {names})")
    return stage
