"""Which Dockerfile line a BuildKit step is. Pure.

BuildKit names a stage's steps `[stage n/m] KEYWORD args`: step 1 is the `FROM`, and each RUN,
COPY, ADD and WORKDIR is one more step (ARG, ENV, LABEL, USER, ... make none). A failing step
is the line a reviewer needs, not the stage's FROM.
"""

from __future__ import annotations

from ci_optimizer.dockerfile.stages import Stage

STEP_KEYWORDS = frozenset({"RUN", "COPY", "ADD", "WORKDIR"})


def step_line(stage: Stage, step: str, name: str) -> int | None:
    """The line of step `n/m` (named `name`) of `stage`; None when the step cannot be placed.

    The step number is trusted only when the stage has as many steps as BuildKit counted and
    the keyword agrees; otherwise the instruction is found by its text.
    """
    number, _, total = step.partition("/")
    steps = [ins for ins in stage.instructions if ins.keyword in STEP_KEYWORDS]
    keyword = name.split(" ", 1)[0].upper()
    if number.isdigit() and total.isdigit() and int(total) == len(steps) + 1:
        index = int(number) - 1
        if index == 0 and keyword == "FROM":
            return stage.line
        if 0 < index <= len(steps) and steps[index - 1].keyword == keyword:
            return steps[index - 1].line
    wanted = " ".join(name.split())
    return next((ins.line for ins in steps if " ".join(ins.original.split()) == wanted), None)
