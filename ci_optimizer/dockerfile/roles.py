"""Which stage builds, which tests and which ships, and which targets a run builds. Pure.

The default targets are what the user ships and tests: production, the tester and the builder,
plus every target a budget names; `--targets all` builds every stage that can be a target.
BuildKit still builds whatever those depend on (docs/configuration.md, "Targets").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ci_optimizer.dockerfile.stages import DockerfileModel, Stage
from ci_optimizer.errors import UsageError
from ci_optimizer.model.results import Role

TESTER_NAMES = ("tester", "test", "tests")
BUILDER_NAMES = ("builder", "build")
ALL = "all"


@dataclass(frozen=True, kw_only=True)
class Roles:
    production: int
    builder: int | None
    tester: int | None
    builder_note: str | None = None  # why there is no builder (so no reduction), or what is odd about it

    def role_of(self, index: int) -> Role:
        if index == self.production:
            return "production"
        if index == self.tester:
            return "tester"
        if index == self.builder:
            return "builder"
        return "stage"


def assign_roles(
    model: DockerfileModel, *, tester: str | None = None, production: str | None = None, builder: str | None = None
) -> Roles:
    prod = _explicit(model, production, "--production") if production else model.stages[-1]
    if tester:
        test_index: int | None = _explicit(model, tester, "--tester").index
    else:
        test_index = next((s.index for s in model.stages if s.name in TESTER_NAMES), None)
    if test_index == prod.index:
        hint = "" if production else "; name the stage that ships with --production"
        raise UsageError(f"stage {prod.target_name!r} cannot be both the tester and the production stage{hint}")
    if builder:
        chosen = _explicit(model, builder, "--builder-stage")
        if chosen.index == prod.index:
            raise UsageError(f"--builder-stage: {chosen.target_name!r} is the production stage; "
                             "the builder is the stage production copies its artefacts from")
        in_chain = chosen.index in {s.index for s in model.chain(prod.index)}
        note = (f"builder {chosen.target_name!r} is in production's own FROM chain, so the reduction compares "
                "production with its own base" if in_chain else None)
        return Roles(production=prod.index, builder=chosen.index, tester=test_index, builder_note=note)
    found, note = pick_builder(model, prod)
    return Roles(production=prod.index, builder=found, tester=test_index, builder_note=note)


def pick_builder(model: DockerfileModel, prod: Stage) -> tuple[int | None, str | None]:
    """The stage production copies its artefacts from, and a reason when there is none.

    Copies through an alias stage (`FROM builder AS dist`, nothing else) count for the stage it
    aliases; the stage with the most `COPY --from` wins (a stage named builder/build breaks a tie);
    a stage in production's own FROM chain never does: its reduction would measure nothing.
    """
    chain = [s.index for s in model.chain(prod.index)]
    copies: Counter[int] = Counter()
    for stage in reversed(model.chain(prod.index)):  # production's own copies first, then its bases'
        for source in stage.sources:
            if source.stage is not None:
                copies[_unalias(model, source.stage)] += 1
        if copies:
            break
    candidates = [i for i in copies if i not in chain]
    if not candidates:
        what = "copies only from its own FROM chain" if copies else "copies from no other stage"
        return None, (f"{model.path}: no builder and no size reduction: production {prod.target_name!r} {what} "
                      "(--builder-stage NAME chooses one)")
    best = max(candidates, key=lambda i: (copies[i], model.stages[i].name in BUILDER_NAMES, -candidates.index(i)))
    if not model.buildable(model.stages[best]):
        return None, (f"{model.path}: no size reduction: production copies from stage {best}, which has no name, "
                      "so BuildKit cannot build it as a target; give it one with `AS name`")
    return best, None


def _unalias(model: DockerfileModel, index: int) -> int:
    """A stage that is only a `FROM` of another stage is that stage."""
    stage = model.stages[index]
    while not stage.instructions and stage.parent is not None:
        stage = model.stages[stage.parent]
    return stage.index


def select_targets(
    model: DockerfileModel, roles: Roles, requested: tuple[str, ...] = (), budget_targets: tuple[str, ...] = ()
) -> tuple[Stage, ...]:
    """Requested targets (validated; `all`: every stage that can be a target), else the default targets.

    The tester is always included: the tests gate the PR, and BuildKit skips a stage nothing depends on.
    """
    if requested == (ALL,):
        chosen = [s for s in model.stages if model.buildable(s)]
    elif requested:
        chosen = [_explicit(model, ref, "--targets") for ref in requested]
        for stage in chosen:
            if not model.buildable(stage):
                raise UsageError(
                    f"--targets: stage {stage.index} has no name, so BuildKit cannot build it as a target; "
                    "give it one with `AS name`"
                )
    else:
        wanted = [roles.production, roles.builder, *(s.index for n in budget_targets if (s := model.find(n)))]
        chosen = [model.stages[i] for i in wanted if i is not None and model.buildable(model.stages[i])]
    indices = {s.index for s in chosen}
    if roles.tester is not None and model.buildable(model.stages[roles.tester]):
        indices.add(roles.tester)
    return tuple(model.stages[i] for i in sorted(indices))


def _explicit(model: DockerfileModel, ref: str, option: str) -> Stage:
    stage = model.find(ref)
    if stage is None:
        names = ", ".join(s.target_name for s in model.stages)
        raise UsageError(f"{option}: no stage named {ref!r} in {model.path} (stages: {names})")
    return stage
