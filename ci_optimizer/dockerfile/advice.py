"""Warnings that save a wasted run: the stage taken as production does not look like what ships. Pure."""

from __future__ import annotations

import re

from ci_optimizer.dockerfile.roles import Roles
from ci_optimizer.dockerfile.stages import DockerfileModel

_DEV_NAME = re.compile(r"^(dev|debug|test)|^devcontainer$")
SHIPPING_NAMES = ("production", "prod", "runtime", "release", "final")  # a last stage so named is meant to ship
MANY_STAGES = 10


def role_warnings(model: DockerfileModel, roles: Roles, *, production_given: bool) -> tuple[str, ...]:
    """Why the last stage may not be production; only when the user did not name production."""
    if production_given:
        return ()
    last = model.stages[-1]
    where = f"{model.path}:{last.line}"
    if last.name and _DEV_NAME.match(last.name):
        return (f"{where}: the last stage {last.name!r} is named like a development image, yet it is taken as "
                "production; pass --production NAME to choose the stage that ships",)
    finals = independent_finals(model, roles)
    if len(finals) > 1 and last.name not in SHIPPING_NAMES:
        names = ", ".join(model.stages[i].target_name for i in finals[-5:])
        names = f"…, {names}" if len(finals) > 5 else names
        return (f"{where}: the Dockerfile ends in {len(finals)} independent final stages ({names}); "
                f"{last.target_name!r} is taken as production; pass --production NAME to choose the stage that ships",)
    return ()


def independent_finals(model: DockerfileModel, roles: Roles) -> tuple[int, ...]:
    """The stages at the end of the file that no stage builds on or copies from (the tester aside)."""
    used = {s.parent for s in model.stages if s.parent is not None}
    used.update(n for s in model.stages for n in s.needs)
    finals: list[int] = []
    for stage in reversed(model.stages):
        if stage.index == roles.tester:
            continue
        if stage.index in used:
            break
        finals.append(stage.index)
    return tuple(reversed(finals))


def count_warning(model: DockerfileModel, targets: int, requested: tuple[str, ...]) -> tuple[str, ...]:
    """`--targets all` on a big file: say what it costs before it is paid."""
    if len(model.stages) > MANY_STAGES and requested == ("all",):
        return (f"{model.path}: --targets all builds {targets} targets of {len(model.stages)} stages, each tagged "
                "and measured; the default builds production, the tester and the builder",)
    return ()
